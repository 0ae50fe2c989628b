import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildContainerSpec, RUN_FLAGS } from './container-options.js';
import { FlagError, parseFlags } from './flags.js';
import { localhostDNSWarning, parseNetworkOpt, validateDNSSearch, validateExtraHost, validateIPAddress } from './network-options.js';
import { portLines } from './container-info.js';

async function body(...argv: string[]) {
  const { flags, args } = parseFlags(RUN_FLAGS, [...argv, 'busybox'], { interspersed: false });
  return (await buildContainerSpec(flags, args)).body;
}

test('no --network: the default network, with the plain flags on its endpoint', async () => {
  const b = await body('--ip', '172.17.0.9', '--mac-address', '92:d0:c6:0a:29:33', '--link', 'db:db');
  assert.equal(b.HostConfig?.NetworkMode, 'default');
  assert.deepEqual(b.HostConfig?.Links, ['db:db']);
  assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: { default: { IPAMConfig: { IPv4Address: '172.17.0.9' }, MacAddress: '92:d0:c6:0a:29:33' } } });
  // API ≥ 1.44 takes the MAC address from the endpoint only.
  assert.equal(b.MacAddress, undefined);
});

test('a user network: one without options has no endpoint; aliases, --link and addresses go to the first', async () => {
  assert.deepEqual((await body('--network', 'n1')).NetworkingConfig, { EndpointsConfig: {} });
  const b = await body('--net', 'n1', '--network-alias', 'a', '--net-alias', 'b', '--ip6', 'fd00::2', '--link', 'x:y', '--network', 'name=n2,alias=c');
  assert.equal(b.HostConfig?.NetworkMode, 'n1');
  assert.deepEqual(b.NetworkingConfig?.EndpointsConfig, {
    n1: { IPAMConfig: { IPv6Address: 'fd00::2' }, Links: ['x:y'], Aliases: ['a', 'b'] },
    n2: { Aliases: ['c'] },
  });
});

test('the long --network syntax, lower-cased as docker does', () => {
  assert.deepEqual(parseNetworkOpt('name=Net,alias=A,ip=10.0.0.3,driver-opt=K=V,gw-priority=-2,link-local-ip=169.254.0.1'), {
    target: 'net', aliases: ['a'], driverOpts: { k: 'v' }, links: [], ipv4: '10.0.0.3', ipv6: '', linkLocalIPs: ['169.254.0.1'], mac: '', gwPriority: -2,
  });
  assert.equal(parseNetworkOpt('my-net').target, 'my-net');
  assert.equal(parseNetworkOpt('name=').target, 'name=');
  assert.throws(() => parseNetworkOpt('foo=bar'), /^Error: invalid field key foo$/);
  assert.throws(() => parseNetworkOpt('alias=x'), /network name\/id is not specified/);
});

test('docker refuses these combinations', async () => {
  await assert.rejects(body('--network', 'host', '--network-alias', 'x'), /network-scoped aliases are only supported for user-defined networks/);
  await assert.rejects(body('--network', 'host', '--network', 'n1'), /cannot attach both user-defined and non-user-defined network-modes/);
  await assert.rejects(body('--network', 'n1', '--network', 'n1'), /network "n1" is specified multiple times/);
  await assert.rejects(body('--network', 'name=n1,ip=10.0.0.1', '--ip', '10.0.0.2'), /cannot specify both --ip and per-network IPv4 address/);
  await assert.rejects(body('--mac-address', 'zz'), /zz is not a valid mac address/);
  assert.throws(() => parseFlags(RUN_FLAGS, ['--network', 'foo=bar', 'busybox'], { interspersed: false }), FlagError);
});

test('--dns, --dns-search and --add-host are checked and rewritten as docker sends them', async () => {
  assert.equal(validateIPAddress(' 0:0::1 '), '::1');
  assert.throws(() => validateIPAddress('x'), /IP address is not correctly formatted: x/);
  assert.equal(validateDNSSearch('example.com.'), 'example.com');
  assert.throws(() => validateDNSSearch('-x-'), /-x- is not a valid domain/);
  assert.equal(validateExtraHost('h=[::1]'), 'h:::1');
  assert.equal(validateExtraHost('h:host-gateway'), 'h:host-gateway');
  assert.throws(() => validateExtraHost('bad'), /bad format for add-host: "bad"/);
  const b = await body('--dns', '0:0::1', '--dns-opt', 'ndots:1', '--add-host', 'a=1.2.3.4');
  assert.deepEqual(b.HostConfig?.Dns, ['::1']);
  assert.deepEqual(b.HostConfig?.DnsOptions, ['ndots:1']);
  assert.deepEqual(b.HostConfig?.ExtraHosts, ['a:1.2.3.4']);
  assert.equal(localhostDNSWarning(['8.8.8.8', '127.0.0.53']), 'Localhost DNS (127.0.0.53) may fail in containers.');
  assert.equal(localhostDNSWarning(['8.8.8.8']), undefined);
});

test('port lines: natural order, [v6]:port, an empty address as ":port"', () => {
  const ports = {
    '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }],
    '9000/tcp': [{ HostIp: '', HostPort: '1' }],
    '443/tcp': null,
  };
  assert.deepEqual(portLines(ports, undefined, 'c'), ['80/tcp -> 0.0.0.0:8080', '80/tcp -> [::]:8080', '9000/tcp -> :1']);
  assert.deepEqual(portLines(ports, '80', 'c'), ['0.0.0.0:8080', '[::]:8080']);
  assert.throws(() => portLines(ports, '443', 'c'), /^StatusError: Error: No public port '443' published for c$/);
  assert.throws(() => portLines(ports, '80/udp', 'c'), /No public port '80\/udp' published for c/);
  assert.throws(() => portLines(ports, 'x', 'c'), /Error: invalid port \(x\): strconv.ParseUint: parsing "x": invalid syntax/);
});
