import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainNames, dnatRule, forwardPolicyDrop, fullRuleset, jumpRules, portRuleset, presentIn, teardownRuleset } from './firewall-rules.js';

const c = chainNames('bt1x');
const nets = [
  { bridge: 'bt1x0', subnet: '10.128.0.0/24', internal: false },
  { bridge: 'bt1x-abc', subnet: '10.128.1.0/24', internal: true },
];

test('chains are named from the daemon prefix', () => {
  assert.deepEqual(c, { forward: 'BT1X-FORWARD', isolation: 'BT1X-ISOLATION', dnat: 'BT1X-DNAT', postrouting: 'BT1X-POSTROUTING', raw: 'BT1X-RAW' });
});

test('the full ruleset declares (flushes) the chains, adds missing jumps, isolates bridges, NATs', () => {
  const present = new Set([jumpRules(c).nat[0]!]);
  const text = fullRuleset(c, nets, [{ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.128.0.2', containerPort: 80 }], present);
  const lines = text.trim().split('\n');
  assert.equal(lines[0], '*filter');
  assert.ok(lines.includes(':BT1X-FORWARD - [0:0]'));
  assert.ok(lines.includes('-I FORWARD 1 -j BT1X-FORWARD'));
  // A jump already there is not added twice.
  assert.ok(!lines.includes('-A PREROUTING -m addrtype --dst-type LOCAL -j BT1X-DNAT'));
  assert.ok(lines.includes('-A OUTPUT -m addrtype --dst-type LOCAL -j BT1X-DNAT'));
  assert.ok(lines.includes('-A BT1X-FORWARD -i bt1x0 ! -o bt1x0 -j BT1X-ISOLATION'));
  assert.ok(lines.includes('-A BT1X-ISOLATION -o bt1x-abc -j DROP'));
  assert.ok(lines.includes('-A BT1X-FORWARD -i bt1x-abc ! -o bt1x-abc -j DROP'), 'an internal network has no way out');
  assert.ok(lines.includes('-A BT1X-POSTROUTING -s 10.128.0.0/24 ! -o bt1x0 -j MASQUERADE'));
  assert.ok(!lines.some((l) => l.includes('-s 10.128.1.0/24 ! -o')), 'nor masquerading');
  assert.ok(lines.includes('-A BT1X-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.128.0.2:80'));
  // raw: the chain and its jump, and no guard for a port published on every address.
  assert.ok(lines.includes('*raw') && lines.includes(':BT1X-RAW - [0:0]') && lines.includes('-A PREROUTING -j BT1X-RAW'));
  assert.ok(!lines.some((l) => l.startsWith('-A BT1X-RAW')));
  assert.equal(lines.filter((l) => l === 'COMMIT').length, 3);
});

test('a port published on a loopback address is dropped in raw PREROUTING unless it comes in on lo (docker 28)', () => {
  const lo = { proto: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080, containerIp: '10.128.0.2', containerPort: 80 };
  const text = fullRuleset(c, nets, [lo], new Set());
  assert.ok(text.includes('-A BT1X-RAW -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP\n'));
  assert.match(portRuleset(c, [lo], '-D'), /\*raw\n-D BT1X-RAW -d 127\.0\.0\.1\/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n$/);
  assert.equal(forwardPolicyDrop(), '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n');
});

test('a bridge that accepts loopback addresses drops them in raw PREROUTING, except the embedded DNS it sends to its gateway', () => {
  const user = { bridge: 'bt1x-u', subnet: '10.128.2.0/24', internal: false, guardLoopback: true, embeddedDns: '10.128.2.1' };
  const dflt = { bridge: 'bt1x0', subnet: '10.128.0.0/24', internal: false, guardLoopback: true };
  const lines = fullRuleset(c, [dflt, user], [], new Set()).trim().split('\n');
  const raw = lines.slice(lines.indexOf('*raw'));
  assert.deepEqual(raw.filter((l) => l.startsWith('-A BT1X-RAW')), [
    '-A BT1X-RAW -i bt1x0 -d 127.0.0.0/8 -j DROP',
    '-A BT1X-RAW -i bt1x-u -d 127.0.0.11/32 -p udp -m udp --dport 53 -j RETURN',
    '-A BT1X-RAW -i bt1x-u -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j RETURN',
    '-A BT1X-RAW -i bt1x-u -d 127.0.0.0/8 -j DROP',
  ]);
  const nat = lines.slice(lines.indexOf('*nat'), lines.indexOf('*raw'));
  assert.deepEqual(nat.filter((l) => l.includes('127.0.0.11')), [
    '-A BT1X-DNAT -i bt1x-u -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.128.2.1:53',
    '-A BT1X-DNAT -i bt1x-u -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 10.128.2.1:53',
  ]);
  // IPv6 networks (no guard asked for) get none of it.
  assert.ok(!fullRuleset(c, nets, [], new Set()).includes('127.0.0.0/8'));
});

test('port rules: a host address narrows the match; add and delete are the same rule', () => {
  const r = { proto: 'udp' as const, hostIp: '192.168.7.5', hostPort: 5353, containerIp: '10.128.0.3', containerPort: 53 };
  assert.equal(dnatRule(c, r), 'BT1X-DNAT -d 192.168.7.5/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.128.0.3:53');
  assert.equal(portRuleset(c, [r], '-A'), `*nat\n-A ${dnatRule(c, r)}\nCOMMIT\n`);
  assert.equal(portRuleset(c, [r], '-D'), `*nat\n-D ${dnatRule(c, r)}\nCOMMIT\n`);
});

test('teardown deletes only what iptables-save shows', () => {
  const saved = [
    '*filter', ':FORWARD ACCEPT [0:0]', ':BT1X-FORWARD - [0:0]', ':BT1X-ISOLATION - [0:0]', '-A FORWARD -j BT1X-FORWARD', 'COMMIT',
    '*nat', ':BT1X-DNAT - [0:0]', '-A OUTPUT -m addrtype --dst-type LOCAL -j BT1X-DNAT', 'COMMIT',
  ].join('\n');
  const { jumps, chains } = presentIn(saved, c);
  assert.deepEqual([...chains].sort(), ['BT1X-DNAT', 'BT1X-FORWARD', 'BT1X-ISOLATION']);
  const text = teardownRuleset(c, jumps, chains);
  assert.match(text, /-D FORWARD -j BT1X-FORWARD\n/);
  assert.match(text, /-D OUTPUT -m addrtype --dst-type LOCAL -j BT1X-DNAT\n/);
  assert.match(text, /-X BT1X-DNAT\n/);
  assert.doesNotMatch(text, /POSTROUTING/);
  assert.doesNotMatch(text, /RAW/);
});

test('enable_icc=false drops bridge-to-bridge traffic before it is accepted (published ports still pass); enable_ip_masquerade=false drops the MASQUERADE', () => {
  const lines = fullRuleset(c, [{ bridge: 'bt1x-q', subnet: '10.128.2.0/24', internal: false, icc: false, masquerade: false }], [], new Set()).trim().split('\n');
  const drop = lines.indexOf('-A BT1X-FORWARD -i bt1x-q -o bt1x-q -j DROP');
  assert.ok(drop > lines.indexOf('-A BT1X-FORWARD -o bt1x-q -m conntrack --ctstate DNAT -j ACCEPT'), 'after the published ports');
  assert.ok(drop < lines.indexOf('-A BT1X-FORWARD -i bt1x-q -j ACCEPT'), 'before the bridge is accepted');
  assert.ok(!lines.some((l) => l.includes('-s 10.128.2.0/24 ! -o bt1x-q -j MASQUERADE')));
  const internal = fullRuleset(c, [{ bridge: 'bt1x-i', subnet: '10.128.3.0/24', internal: true, icc: false }], [], new Set()).trim().split('\n');
  assert.ok(internal.indexOf('-A BT1X-FORWARD -i bt1x-i -o bt1x-i -j DROP') < internal.indexOf('-A BT1X-FORWARD -i bt1x-i -j ACCEPT'));
  // The defaults leave both as they were.
  const plain = fullRuleset(c, [nets[0]!], [], new Set());
  assert.ok(!plain.includes('-i bt1x0 -o bt1x0 -j DROP'));
  assert.ok(plain.includes('-s 10.128.0.0/24 ! -o bt1x0 -j MASQUERADE'));
});
