// IPv6 networks through the real docker CLI: create --ipv6 (with and without --subnet), inspect,
// run with --ip6, traffic between containers over IPv6 (ping, nc), AAAA names from the embedded
// DNS, isolation between networks by ip6tables, connect/disconnect and the addresses they hand
// back, leases kept over a daemon restart, IPv6 on the default bridge (--ipv6 --fixed-cidr-v6),
// and nothing left (ip6tables rules, addresses, veths) after. Only unique-local subnets of the
// daemon's own /48 (harness) are used; nothing is routed off the machine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePorts, startDaemon, TestDaemon } from './harness.js';

/** What a TCP server at host:port says first (undefined when it cannot be reached). */
function readFrom(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect({ host, port, timeout: 2000 });
    s.on('data', (b: Buffer) => (got += b.toString()));
    s.on('end', () => resolve(got));
    s.on('timeout', () => { s.destroy(); resolve(undefined); });
    s.on('error', () => resolve(undefined));
  });
}

const sh = (cmd: string): string => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout ?? '';

describe('IPv6 networks (docker CLI)', () => {
  let d: TestDaemon;
  let u: string;
  const inspect = async (fmt: string, ref: string, kind = 'container'): Promise<string> => (await d.dockerOk([kind, 'inspect', '-f', fmt, ref])).trim();
  const exec = (ctr: string, ...cmd: string[]) => d.docker(['exec', ctr, ...cmd]);

  before(async () => {
    d = await startDaemon('ipv6');
    u = d.net.ula;
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
    // The daemon's bridges held the gateways: no address of its block is left on the host.
    assert.equal(sh(`ip -6 -o addr | grep -i ' ${u}:' || true`), '');
  });

  it('create --ipv6 --subnet: both pools in inspect, the gateway on the bridge', async () => {
    const id = (await d.dockerOk(['network', 'create', '--ipv6', '--subnet', `${u}:1::/64`, 'v6a'])).trim();
    assert.equal(await inspect('{{.EnableIPv6}} {{.EnableIPv4}}', 'v6a', 'network'), 'true true');
    const pools = await inspect('{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}', 'v6a', 'network');
    // An IPv4 subnet from the pool comes first, as dockerd's.
    assert.match(pools, new RegExp(`^${d.net.bridgeNet.split('.').slice(0, 2).join('\\.')}\\.\\d+\\.0/24 [\\d.]+;${u}:1::/64 ${u}:1::1;$`));
    const bridge = `${d.net.prefix}-${id.slice(0, 15 - d.net.prefix.length - 1)}`;
    // The bridge comes up on first use.
    await d.dockerOk(['run', '--rm', '--network', 'v6a', 'busybox', 'true']);
    assert.match(sh(`ip -6 -o addr show dev ${bridge}`), new RegExp(`inet6 ${u}:1::1/64 `));
  });

  it('run: an address of each family, inspect, ping6 and nc over IPv6, AAAA by name', async () => {
    await d.dockerOk(['run', '-d', '--name', 'v6one', '--network', 'v6a', '--ip6', `${u}:1::a`, 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'v6two', '--network', 'v6a', 'busybox', 'sleep', '300']);
    const ep = JSON.parse(await inspect('{{json .NetworkSettings.Networks.v6a}}', 'v6one')) as Record<string, unknown>;
    assert.equal(ep.GlobalIPv6Address, `${u}:1::a`);
    assert.equal(ep.GlobalIPv6PrefixLen, 64);
    assert.equal(ep.IPv6Gateway, `${u}:1::1`);
    assert.deepEqual(ep.IPAMConfig, { IPv6Address: `${u}:1::a` });
    assert.match(String(ep.IPAddress), /^10\./);
    // The next address after the cursor (the first run's container had ::2; as dockerd, an
    // address just given back is handed out again last).
    const two = await inspect('{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}', 'v6two');
    assert.equal(two, `${u}:1::3`);
    const members = JSON.parse(await inspect('{{json .Containers}}', 'v6a', 'network')) as Record<string, { Name: string; IPv6Address: string }>;
    assert.deepEqual(Object.values(members).map((m) => `${m.Name} ${m.IPv6Address}`).sort(), [`v6one ${u}:1::a/64`, `v6two ${two}/64`]);

    const addrs = await exec('v6two', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0');
    assert.match(addrs.stdout, new RegExp(`inet6 ${two}/64 `));
    assert.match((await exec('v6two', 'ip', '-6', 'route')).stdout, new RegExp(`default via ${u}:1::1 dev eth0`));
    assert.equal((await exec('v6two', 'cat', '/proc/sys/net/ipv6/conf/all/disable_ipv6')).stdout.trim(), '0');
    assert.equal((await exec('v6two', 'cat', '/proc/sys/net/ipv6/conf/eth0/disable_ipv6')).stdout.trim(), '0');
    // /etc/hosts names the container by both addresses, as docker's.
    const hostname = (await exec('v6two', 'hostname')).stdout.trim();
    assert.match((await exec('v6two', 'cat', '/etc/hosts')).stdout, new RegExp(`^10\\.[\\d.]+\t${hostname}\n${two}\t${hostname}\n`, 'm'));

    const ping = await exec('v6two', 'ping', '-6', '-c1', '-W3', `${u}:1::a`);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.equal((await exec('v6two', 'ping', '-6', '-c1', '-W3', `${u}:1::1`)).code, 0, 'the gateway answers');

    // A listener for every try: one try that connected and read nothing under load (a CI run on
    // a busy machine) used up a single-shot listener, and all the later tries were refused.
    await d.dockerOk(['exec', '-d', 'v6one', 'sh', '-c', 'while true; do echo over-v6 | nc -l -p 7000; done']);
    let got = '';
    for (let i = 0; i < 20 && got !== 'over-v6'; i++) {
      got = (await exec('v6two', 'nc', '-w', '2', `${u}:1::a`, '7000')).stdout.trim();
      if (got !== 'over-v6') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got, 'over-v6');

    const aaaa = await exec('v6two', 'nslookup', '-type=AAAA', 'v6one');
    assert.equal(aaaa.code, 0, aaaa.stderr);
    assert.match(aaaa.stdout, new RegExp(`Address: ${u}:1::a\\b`));
    assert.doesNotMatch(aaaa.stdout, /Address: 10\./);
    // And the name of an IPv6 address (PTR under ip6.arpa).
    const ptr = await exec('v6two', 'nslookup', `${u}:1::a`);
    assert.match(ptr.stdout, /name = v6one\.v6a/);
    const a = await exec('v6two', 'nslookup', '-type=A', 'v6one');
    assert.match(a.stdout, /Address: 10\./);
    assert.doesNotMatch(a.stdout, new RegExp(`Address: ${u}`));
  });

  it('networks are isolated from each other for IPv6 too (ip6tables)', async () => {
    await d.dockerOk(['network', 'create', '--ipv6', '--subnet', `${u}:2::/64`, 'v6b']);
    await d.dockerOk(['run', '-d', '--name', 'v6other', '--network', 'v6b', 'busybox', 'sleep', '300']);
    assert.equal((await exec('v6other', 'ping', '-6', '-c1', '-W3', `${u}:2::1`)).code, 0, 'its own gateway answers');
    const across = await exec('v6other', 'ping', '-6', '-c1', '-W2', `${u}:1::a`);
    assert.notEqual(across.code, 0, `v6b must not reach v6a: ${across.stdout}`);
    const chain = `${d.net.prefix.toUpperCase()}-ISOLATION`;
    const rules = sh(`ip6tables-save -t filter | grep -- '-A ${chain} '`);
    assert.equal(rules.trim().split('\n').length, 2, rules);
    // And the other way.
    assert.notEqual((await exec('v6one', 'ping', '-6', '-c1', '-W2', `${u}:2::2`)).code, 0);
  });

  it('a published port answers on the host\'s IPv6 addresses too, DNATed to the container\'s IPv6 address', async () => {
    const port = await freePorts(1);
    await d.dockerOk(['run', '-d', '--name', 'v6web', '--network', 'v6a', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'while true; do echo pong | nc -l -p 80; done']);
    const six = await inspect('{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}', 'v6web');
    assert.match(sh(`ip6tables-save -t nat | grep -- '--dport ${port} '`), new RegExp(`DNAT --to-destination \\[${six}\\]:80`));
    // nc starts again after each connection: a few tries.
    const pong = async (host: string): Promise<string | undefined> => {
      let got: string | undefined;
      for (let i = 0; i < 30 && got?.trim() !== 'pong'; i++) {
        got = await readFrom(host, port);
        if (got?.trim() !== 'pong') await new Promise((r) => setTimeout(r, 100));
      }
      return got?.trim();
    };
    // The bridge's gateway address is one of the host's own: the OUTPUT DNAT takes it.
    assert.equal(await pong(`${u}:1::1`), 'pong');
    assert.equal(await pong('127.0.0.1'), 'pong');
    await d.dockerOk(['rm', '-f', 'v6web']);
    assert.equal(sh(`ip6tables-save -t nat | grep -- '--dport ${port} ' || true`), '');
  });

  it('create --ipv6 without an IPv6 subnet takes one from the daemon\'s IPv6 pool', async () => {
    await d.dockerOk(['network', 'create', '--ipv6', 'v6auto']);
    const pools = await inspect('{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}', 'v6auto', 'network');
    assert.match(pools, new RegExp(`;${u}:8000::/64 ${u}:8000::1;$`));
    const out = await d.dockerOk(['run', '--rm', '--network', 'v6auto', 'busybox', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.match(out, new RegExp(`inet6 ${u}:8000::2/64 `));
    await d.dockerOk(['network', 'rm', 'v6auto']);
  });

  it('connect --ip6 and disconnect hand addresses out and back', async () => {
    await d.dockerOk(['network', 'connect', '--ip6', `${u}:2::77`, 'v6b', 'v6one']);
    assert.equal(await inspect('{{.NetworkSettings.Networks.v6b.GlobalIPv6Address}}', 'v6one'), `${u}:2::77`);
    // /etc/hosts follows, as for IPv4 addresses.
    assert.match((await exec('v6one', 'cat', '/etc/hosts')).stdout, new RegExp(`^${u}:2::77\t`, 'm'));
    assert.match((await exec('v6one', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth1')).stdout, new RegExp(`inet6 ${u}:2::77/64 `));
    assert.equal((await exec('v6other', 'ping', '-6', '-c1', '-W3', `${u}:2::77`)).code, 0);
    // Taken: another container cannot have it.
    const taken = await d.docker(['run', '--rm', '--network', 'v6b', '--ip6', `${u}:2::77`, 'busybox', 'true']);
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /Address already in use/);
    await d.dockerOk(['network', 'disconnect', 'v6b', 'v6one']);
    assert.notEqual((await exec('v6one', 'ip', 'link', 'show', 'eth1')).code, 0, 'eth1 is gone');
    assert.doesNotMatch((await exec('v6one', 'cat', '/etc/hosts')).stdout, new RegExp(`^${u}:2::77\t`, 'm'));
    assert.match((await exec('v6one', 'cat', '/etc/hosts')).stdout, new RegExp(`^${u}:1::a\t`, 'm'));
    // Released: now it can.
    const out = await d.dockerOk(['run', '--rm', '--network', 'v6b', '--ip6', `${u}:2::77`, 'busybox', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.match(out, new RegExp(`inet6 ${u}:2::77/64 `));
  });

  it('bad requests answer as docker, nothing made', async () => {
    const noV6 = await d.docker(['network', 'create', '--subnet', `${u}:3::/64`, 'v6bad']);
    assert.equal(noV6.code, 1);
    assert.match(noV6.stderr, /IPv6 is not enabled/);
    const overlap = await d.docker(['network', 'create', '--ipv6', '--subnet', `${u}:1:0:1::/80`, 'v6bad']);
    assert.equal(overlap.code, 1);
    assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
    const gw = await d.docker(['network', 'create', '--ipv6', '--subnet', `${u}:3::/64`, '--gateway', `${u}:4::1`, 'v6bad']);
    assert.equal(gw.code, 1);
    await d.dockerOk(['network', 'create', 'v4only']);
    const ip6 = await d.docker(['run', '--rm', '--network', 'v4only', '--ip6', `${u}:1::99`, 'busybox', 'true']);
    assert.equal(ip6.code, 125);
    assert.match(ip6.stderr, /no configured subnet or ip-range contain the IP address/);
    const outside = await d.docker(['run', '--rm', '--network', 'v6a', '--ip6', `${u}:9::1`, 'busybox', 'true']);
    assert.equal(outside.code, 125);
    const names = (await d.dockerOk(['network', 'ls', '--format', '{{.Name}}'])).split('\n');
    assert.ok(!names.includes('v6bad'));
    await d.dockerOk(['network', 'rm', 'v4only']);
  });

  it('leases survive a daemon restart: no address is handed out twice', async () => {
    await d.stopDaemon();
    await d.start();
    await d.dockerOk(['run', '-d', '--name', 'v6three', '--network', 'v6a', 'busybox', 'sleep', '300']);
    const three = await inspect('{{.NetworkSettings.Networks.v6a.GlobalIPv6Address}}', 'v6three');
    // Not a held one (::a, ::3), and not ::2: free since the first test, it is what a cursor
    // that was not saved would hand out first.
    assert.ok(![`${u}:1::a`, `${u}:1::3`, `${u}:1::2`].includes(three), three);
    assert.equal((await exec('v6three', 'ping', '-6', '-c1', '-W3', `${u}:1::a`)).code, 0);
  });

  it('rm and network rm leave no ip6tables rules, addresses or veths', async () => {
    await d.dockerOk(['rm', '-f', 'v6one', 'v6two', 'v6three', 'v6other']);
    await d.dockerOk(['network', 'rm', 'v6a', 'v6b']);
    assert.equal(sh(`ip -6 -o addr | grep -i ' ${u}:' || true`), '');
    const chain = `${d.net.prefix.toUpperCase()}-`;
    assert.equal(sh(`ip6tables-save | grep -- '-A ${chain}FORWARD ' || true`), '');
  });
});

describe('IPv6 on the default bridge (berthd --ipv6 --fixed-cidr-v6)', () => {
  let d: TestDaemon;
  let v6: string;
  before(async () => {
    // The daemon's own /48 is known once its block is claimed: the bridge's subnet comes from it.
    d = new TestDaemon('ipv6-bridge', ['--ipv6']);
    v6 = `${d.net.ula}:5::`;
    d.extraArgs.push('--fixed-cidr-v6', `${v6}/64`);
    await d.start();
    await d.loadBusybox();
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it('the default bridge gets IPv6; a container on it an address of each family', async () => {
    assert.equal((await d.dockerOk(['network', 'inspect', '-f', '{{.EnableIPv6}}', 'bridge'])).trim(), 'true');
    const pools = (await d.dockerOk(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}};{{end}}', 'bridge'])).trim();
    assert.match(pools, new RegExp(`^${d.net.bridgeNet.replace(/\./g, '\\.')}0/24;${v6}/64;$`));
    const out = await d.dockerOk(['run', '--rm', 'busybox', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.match(out, new RegExp(`inet6 ${v6}2/64 `));
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '300'])).trim();
    const top = (await d.dockerOk(['inspect', '-f', '{{.NetworkSettings.GlobalIPv6Address}} {{.NetworkSettings.IPv6Gateway}} {{.NetworkSettings.GlobalIPv6PrefixLen}}', id])).trim();
    assert.match(top, new RegExp(`^${v6}\\d+ ${v6}1 64$`));
  });
});
