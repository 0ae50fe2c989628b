import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipam6 } from './ipam6.js';
import {
  formatCidr6, formatIPv6, lastAddress6, nextFreeSubnet6, overlaps6, parseAddressPool6, parseCidr6, parseIPv6, parseProcIpv6Routes, ulaFromId,
} from './ipv6.js';

test('IPv6 addresses parse and format canonically (RFC 5952)', () => {
  for (const [input, want] of [
    ['fd00::1', 'fd00::1'], ['FD00:0:0:0:0:0:0:1', 'fd00::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'], ['::1', '::1'], ['2001:db8::', '2001:db8::'], ['2001:0db8:0001:0000:0000:0000:0000:0000', '2001:db8:1::'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ] as const) {
    const n = parseIPv6(input);
    assert.notEqual(n, undefined, input);
    assert.equal(formatIPv6(n!), want, input);
  }
  for (const bad of ['', 'fd00', '1.2.3.4', 'fd00::1::2', 'fd00::g', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0']) assert.equal(parseIPv6(bad), undefined, bad);
});

test('IPv6 subnets: host bits dropped, overlap, last address', () => {
  assert.equal(formatCidr6(parseCidr6('fd00:1::5/64')!), 'fd00:1::/64');
  assert.equal(parseCidr6('fd00::/129'), undefined);
  assert.equal(parseCidr6('10.0.0.0/8'), undefined);
  assert.ok(overlaps6(parseCidr6('fd00:1::/48')!, parseCidr6('fd00:1:0:5::/64')!));
  assert.ok(!overlaps6(parseCidr6('fd00:1::/64')!, parseCidr6('fd00:1:0:1::/64')!));
  assert.equal(formatIPv6(lastAddress6(parseCidr6('fd00::/120')!)), 'fd00::ff');
});

test('pools: the first free /64; ULA from an ID; dockerd flag syntax; host routes', () => {
  const pool = parseAddressPool6('base=fd00:9::/48,size=64');
  assert.equal(formatCidr6(nextFreeSubnet6([pool], [])), 'fd00:9::/64');
  assert.equal(formatCidr6(nextFreeSubnet6([pool], [parseCidr6('fd00:9::/63')!])), 'fd00:9:0:2::/64');
  assert.throws(() => parseAddressPool6('base=fd00::/64,size=48'), /invalid default address pool/);
  assert.throws(() => nextFreeSubnet6([parseAddressPool6('base=fd00::/64,size=64')], [parseCidr6('fd00::/48')!]), /fully subnetted/);
  assert.equal(formatCidr6(ulaFromId('1a2b3c4d-5e6f-0000-0000-000000000000')), 'fd1a:2b3c:4d5e::/48');
  const routes = parseProcIpv6Routes([
    'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0',
    'fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0',
  ].join('\n'));
  assert.deepEqual(routes.map(formatCidr6), ['fd00::/64']);
});

test('Ipam6: serial allocation past the gateway, ranges, --ip6, release handed out last', () => {
  const subnet = parseCidr6('fd00:1::/64')!;
  const ipam = new Ipam6(subnet, parseIPv6('fd00:1::1')!);
  assert.equal(formatIPv6(ipam.allocate('a')), 'fd00:1::2');
  assert.equal(formatIPv6(ipam.allocate('b')), 'fd00:1::3');
  ipam.release(parseIPv6('fd00:1::2')!, 'a');
  assert.equal(formatIPv6(ipam.allocate('c')), 'fd00:1::4');
  assert.equal(formatIPv6(ipam.request('fd00:1::f00d', 'd')), 'fd00:1::f00d');
  assert.throws(() => ipam.request('fd00:1::f00d', 'e'), /Address already in use/);
  assert.throws(() => ipam.request('fd00:1::1', 'e'), /Address already in use/);
  assert.throws(() => ipam.request('fd00:2::1', 'e'), /does not belong to any of this network's subnets/);
  assert.throws(() => ipam.request('nonsense', 'e'), /invalid IPv6 address/);
  // A saved cursor picks up where it was.
  const again = new Ipam6(subnet, parseIPv6('fd00:1::1')!, subnet, ipam.cursorOffset);
  assert.equal(formatIPv6(again.allocate('f')), 'fd00:1::5');
  // docker-py's: a /96 range with the gateway at ::ffff.
  const ranged = new Ipam6(parseCidr6('2001:389::/64')!, parseIPv6('2001:389::ffff')!, parseCidr6('2001:389::/96')!);
  assert.equal(formatIPv6(ranged.allocate('a')), '2001:389::1');
  // A tiny subnet fills up.
  const tiny = new Ipam6(parseCidr6('fd00::/126')!, parseIPv6('fd00::1')!);
  tiny.allocate('a');
  tiny.allocate('b');
  assert.throws(() => tiny.allocate('c'), /no available IPv6 addresses/);
});
