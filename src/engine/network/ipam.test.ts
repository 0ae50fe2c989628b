import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipam } from './ipam.js';
import { contains, formatCidr, formatIPv4, overlaps, parseAddressWithPrefix, parseCidr, parseIPv4 } from './ipv4.js';
import { nextFreeSubnet, parseAddressPool, parseProcRoutes } from './subnet-pool.js';

const ip = (s: string) => parseIPv4(s)!;

test('ipv4: parse, format, CIDR arithmetic', () => {
  assert.equal(formatIPv4(ip('10.1.2.3')), '10.1.2.3');
  assert.equal(parseIPv4('256.1.1.1'), undefined);
  assert.equal(parseIPv4('1.2.3'), undefined);
  assert.equal(formatCidr(parseCidr('10.1.2.3/16')!), '10.1.0.0/16');
  assert.equal(parseCidr('10.1.2.3/33'), undefined);
  assert.equal(parseCidr('10.1.2.3'), undefined);
  const a = parseAddressWithPrefix('172.30.0.1/16')!;
  assert.equal(formatIPv4(a.ip), '172.30.0.1');
  assert.equal(formatCidr(a.subnet), '172.30.0.0/16');
  assert.ok(contains(parseCidr('10.0.0.0/8')!, ip('10.255.0.1')));
  assert.ok(!contains(parseCidr('10.0.0.0/8')!, ip('11.0.0.1')));
  assert.ok(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.3.0.0/24')!));
  assert.ok(!overlaps(parseCidr('10.1.0.0/24')!, parseCidr('10.1.1.0/24')!));
});

test('ipam hands out addresses in order, skipping the gateway, and never one in use', () => {
  const subnet = parseCidr('10.9.0.0/29')!; // .1 gateway, .2–.6 usable, .7 broadcast
  const ipam = new Ipam(subnet, ip('10.9.0.1'));
  const got = ['a', 'b', 'c', 'd', 'e'].map((o) => formatIPv4(ipam.allocate(o)));
  assert.deepEqual(got, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
  assert.throws(() => ipam.allocate('f'), /no available IPv4 addresses/);
  ipam.release(ip('10.9.0.3'), 'b');
  ipam.release(ip('10.9.0.5'), 'd');
  // The cursor only moves forward: .3 is free again before .5 only because of wrapping.
  assert.equal(formatIPv4(ipam.allocate('g')), '10.9.0.3');
  assert.equal(formatIPv4(ipam.allocate('h')), '10.9.0.5');
});

test('ipam does not hand a just-released address out again while others are free', () => {
  const ipam = new Ipam(parseCidr('10.9.0.0/24')!, ip('10.9.0.1'));
  const first = ipam.allocate('a');
  ipam.release(first, 'a');
  const second = ipam.allocate('b');
  assert.notEqual(second, first);
  // A restarted daemon resumes from the saved cursor.
  const again = new Ipam(parseCidr('10.9.0.0/24')!, ip('10.9.0.1'), undefined, ipam.cursor);
  again.adopt(second, 'b');
  assert.equal(formatIPv4(again.allocate('c')), '10.9.0.4');
});

test('ipam: requested addresses', () => {
  const ipam = new Ipam(parseCidr('10.9.0.0/24')!, ip('10.9.0.1'));
  assert.equal(formatIPv4(ipam.request('10.9.0.50', 'a')), '10.9.0.50');
  assert.throws(() => ipam.request('10.9.0.50', 'b'), /Address already in use/);
  assert.throws(() => ipam.request('10.9.0.1', 'b'), /Address already in use/);
  assert.throws(() => ipam.request('10.8.0.5', 'b'), /does not belong to any of this network's subnets/);
  assert.throws(() => ipam.request('nope', 'b'), /invalid IPv4 address/);
  // A range limits dynamic allocation, not requests.
  const ranged = new Ipam(parseCidr('10.9.0.0/24')!, ip('10.9.0.1'), parseCidr('10.9.0.128/25')!);
  assert.equal(formatIPv4(ranged.allocate('x')), '10.9.0.128');
  assert.equal(formatIPv4(ranged.request('10.9.0.9', 'y')), '10.9.0.9');
});

test('subnet pool skips networks and routes in use', () => {
  const pool = parseAddressPool('base=10.200.0.0/16,size=24');
  const taken = [parseCidr('10.200.0.0/24')!, parseCidr('10.200.1.0/25')!];
  assert.equal(formatCidr(nextFreeSubnet([pool], taken)), '10.200.2.0/24');
  assert.throws(() => nextFreeSubnet([parseAddressPool('base=10.0.0.0/24,size=24')], [parseCidr('10.0.0.0/8')!]), /fully subnetted/);
  assert.throws(() => parseAddressPool('base=10.0.0.0/16'), /invalid default address pool/);
});

test('routes are read from /proc/net/route', () => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'br0\t0000110A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  ].join('\n');
  assert.deepEqual(parseProcRoutes(text).map(formatCidr), ['192.0.2.0/24', '10.17.0.0/16']);
});
