import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, formatIP, isMAC, parseCIDR, parseIP } from './net-address.js';

const canon = (s: string): string | undefined => {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
};

test('parseIP and formatIP read and print addresses as Go does', () => {
  assert.equal(canon('10.0.0.1'), '10.0.0.1');
  assert.equal(canon('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canon('::'), '::');
  assert.equal(canon('FD00:0:0:1::0'), 'fd00:0:0:1::');
  assert.equal(canon('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canon('1:0:2:0:3:0:4:0'), '1:0:2:0:3:0:4:0');
  assert.equal(canon('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(canon('64:ff9b::1.2.3.4'), '64:ff9b::102:304');
  for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.256', '1.2.3.4.5', '', 'x', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1', '1:', '::1%eth0', '1:2:3:4:5:6:7:8::']) {
    assert.equal(parseIP(bad), undefined, bad);
  }
});

test('parseCIDR and cidrContains', () => {
  const net = parseCIDR('10.1.0.0/16');
  assert.equal(cidrContains(net, parseIP('10.1.200.3')), true);
  assert.equal(cidrContains(net, parseIP('10.2.0.1')), false);
  assert.equal(cidrContains(net, parseIP('::ffff:10.1.0.1')), true);
  assert.equal(cidrContains(net, parseIP('fd00::1')), false);
  assert.equal(cidrContains(net, undefined), false);
  assert.equal(cidrContains(parseCIDR('fd00:1::/64'), parseIP('fd00:1::abcd')), true);
  assert.equal(cidrContains(parseCIDR('fd00:1::/64'), parseIP('fd00:2::1')), false);
  assert.equal(cidrContains(parseCIDR('0.0.0.0/0'), parseIP('8.8.8.8')), true);
  assert.throws(() => parseCIDR('10.0.0.0/33'), /^Error: invalid CIDR address: 10\.0\.0\.0\/33$/);
  assert.throws(() => parseCIDR('10.0.0/24'), /invalid CIDR address: 10\.0\.0\/24/);
  assert.throws(() => parseCIDR('10.0.0.0'), /invalid CIDR address/);
  assert.throws(() => parseCIDR('10.0.0.0/x'), /invalid CIDR address/);
});

test('isMAC takes net.ParseMAC forms', () => {
  for (const ok of ['92:d0:c6:0a:29:33', '92-D0-C6-0A-29-33', '92d0.c60a.2933', '00:00:00:00:fe:80:00:00']) assert.equal(isMAC(ok), true, ok);
  for (const bad of ['zz', '92:d0:c6:0a:29', '92:d0:c6:0a:29:3', '92:d0-c6:0a:29:33', '92d0c60a2933']) assert.equal(isMAC(bad), false, bad);
});
