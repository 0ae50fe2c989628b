// The firewall as docker 28 has it, seen from another host: a network namespace made by this test
// stands in for a machine on the LAN, joined to the host by a veth. A port published on 127.0.0.1
// must not answer it (not even when it sends to 127.0.0.1 through the host, which DNAT would
// otherwise forward to the container), a port published on every address must. And berth never
// takes over, nor deletes, an interface it did not make.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { eventually, freePorts, startDaemon, type TestDaemon } from './harness.js';

const WEB = ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'];

/** An HTTP GET with node (the host's static busybox wget crashes resolving), 2 s at most. */
const GET = [process.execPath, '-e', `require('http').get(process.argv[1], { timeout: 2000 }, (r) => r.pipe(process.stdout)).on('timeout', () => process.exit(2)).on('error', () => process.exit(1))`];

function sh(cmd: string[]): { code: number; out: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

function must(cmd: string[]): string {
  const r = sh(cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.out}`);
  return r.out;
}

describe('firewall', () => {
  let d: TestDaemon;
  const tag = Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0');
  const ns = `btlan${tag}`;
  const hostEnd = `btlh${tag}`;
  const bridge = `btbr${tag}`;
  const octet = 1 + Math.floor(Math.random() * 250);
  const hostIp = `198.18.${octet}.1`;
  const lan = (args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);
  /** An HTTP GET from the "other host"; undefined when nothing answers within 2 s. */
  const fetchFromLan = (url: string) => {
    const r = lan([...GET, url]);
    return r.code === 0 ? r.out : undefined;
  };

  before(async () => {
    d = await startDaemon('firewall');
    must(['ip', 'netns', 'add', ns]);
    must(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    must(['ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
    must(['ip', 'link', 'set', hostEnd, 'up']);
    must(['ip', '-n', ns, 'addr', 'add', `198.18.${octet}.2/30`, 'dev', 'eth0']);
    must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    // The attacker's trick: its loopback stays down and 127.0.0.1 is routed to the host instead.
    must(['ip', '-n', ns, 'route', 'add', '127.0.0.1/32', 'via', hostIp, 'dev', 'eth0']);
    lan(['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.eth0.route_localnet=1']);
  });
  after(async () => {
    sh(['ip', 'netns', 'del', ns]);
    sh(['ip', 'link', 'del', hostEnd]);
    sh(['ip', 'link', 'del', bridge]);
    assert.deepEqual(await d.stop(), []);
  });

  it('a port published on 127.0.0.1 does not answer another host; one published on every address does', async () => {
    const [lo, all] = [await freePorts(1, '127.0.0.1'), await freePorts()];
    await d.dockerOk(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${lo}:80`, '-p', `${all}:80`, 'busybox', ...WEB]);
    // Both answer on the host itself.
    await eventually(() => sh([...GET, `http://127.0.0.1:${lo}/`]).code === 0, 5000, 'loopback port from the host');
    // From the other host: the port on every address answers at the host's address on that link.
    assert.match(await eventually(() => fetchFromLan(`http://${hostIp}:${all}/`), 8000, 'published port from the LAN') ?? '', /hello/);
    // The loopback port answers neither at the host's address nor at 127.0.0.1 sent through the host.
    assert.equal(fetchFromLan(`http://${hostIp}:${lo}/`), undefined);
    assert.equal(fetchFromLan(`http://127.0.0.1:${lo}/`), undefined);
    // What stops the second is the raw-table guard: without it, DNAT would hand the packet on.
    const chain = `${d.net.prefix.toUpperCase()}-RAW`;
    const guard = ['-d', '127.0.0.1/32', '!', '-i', 'lo', '-p', 'tcp', '-m', 'tcp', '--dport', String(lo), '-j', 'DROP'];
    must(['iptables', '-t', 'raw', '-C', chain, ...guard]);
    must(['iptables', '-t', 'raw', '-D', chain, ...guard]);
    try {
      assert.match(fetchFromLan(`http://127.0.0.1:${lo}/`) ?? 'no answer', /hello/, 'the attack works without the guard (else this test proves nothing)');
    } finally {
      must(['iptables', '-t', 'raw', '-A', chain, ...guard]);
    }
    await d.dockerOk(['rm', '-f', 'web']);
    // Removing the container removes its guard with its DNAT rule.
    assert.notEqual(sh(['iptables', '-t', 'raw', '-C', chain, ...guard]).code, 0);
  });

  it('a network is never given an interface that is not a bridge, and never deletes a bridge it did not make', async () => {
    const opt = (name: string) => ['network', 'create', '-o', `com.docker.network.bridge.name=${name}`];
    const r = await d.docker([...opt(hostEnd), 'takeover']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`interface ${hostEnd} exists and is not a bridge`));
    assert.ok(existsSync(`/sys/class/net/${hostEnd}`));
    must(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    await d.dockerOk([...opt(bridge), 'adopted']);
    await d.dockerOk(['run', '--rm', '--network', 'adopted', 'busybox', 'true']);
    await d.dockerOk(['network', 'rm', 'adopted']);
    assert.ok(existsSync(`/sys/class/net/${bridge}`), 'a bridge that existed before the network is left in place');
    // One berth made is deleted with its network.
    await d.dockerOk(['network', 'create', 'own']);
    const made = (await d.dockerOk(['network', 'inspect', '-f', '{{.Id}}', 'own'])).trim();
    await d.dockerOk(['run', '--rm', '--network', 'own', 'busybox', 'true']);
    await d.dockerOk(['network', 'rm', 'own']);
    assert.ok(made);
  });
});
