// Container networking with real namespaces, bridges, veths and iptables, driven by the docker
// CLI: the default bridge, published ports (-p, -P, ranges, UDP), user-defined networks with the
// embedded DNS (names, aliases, hostnames; other names relayed upstream), isolation between
// networks, connect/disconnect at runtime, the none/host/container modes, per-container DNS and
// hosts options, port conflicts, release on stop/rm, and a daemon restart. Traffic stays on
// this machine: 127.0.0.1, the host's own address, and berth's bridges and namespaces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { get } from 'node:http';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { eventually, sleep, startDaemon, TestDaemon } from './harness.js';
import { freePorts } from './harness.js';


function httpGet(url: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The host's own address on its uplink (local: traffic to it never leaves the machine). */
function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === 'lo' || name.startsWith('bt') || name.startsWith('berth')) continue;
    const a = (addrs ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  throw new Error('no host address');
}

/** A stand-in for the host's resolver on 127.0.0.1: outside.example is 192.0.2.123. */
function fakeUpstream(): Promise<{ socket: Socket; port: number; queries: string[] }> {
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    // Question name at offset 12 (labels), then type and class.
    let pos = 12;
    const labels: string[] = [];
    while (msg[pos]) {
      labels.push(msg.toString('latin1', pos + 1, pos + 1 + msg[pos]!));
      pos += msg[pos]! + 1;
    }
    const qEnd = pos + 5;
    const name = labels.join('.');
    const type = msg.readUInt16BE(pos + 1);
    queries.push(name);
    const known = name === 'outside.example' && type === 1;
    const head = Buffer.from(msg.subarray(0, 12));
    head.writeUInt16BE(0x8180 | (name === 'outside.example' ? 0 : 3), 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(known ? 1 : 0, 6);
    head.writeUInt32BE(0, 8);
    const answer = known ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 123]) : Buffer.alloc(0);
    socket.send(Buffer.concat([head, msg.subarray(12, qEnd), answer]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port, queries })));
}

const WEB = ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'];

describe('networking', () => {
  let d: TestDaemon;
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const inspect = async (ref: string, format: string) => (await ok(['inspect', '-f', format, ref])).trim();
  const links = () => readdirSync('/sys/class/net').filter((l) => l.startsWith(d.net.prefix));
  const veths = () => links().filter((l) => l.startsWith(`${d.net.prefix}v`));
  const iptables = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;

  before(async () => {
    upstream = await fakeUpstream();
    d = await startDaemon('network', ['--dns-upstream', `127.0.0.1:${upstream.port}`]);
  });
  after(async () => {
    upstream.socket.close();
    assert.deepEqual(await d.stop(), []);
  });

  it('puts a container on the default bridge: eth0, an address, a default route, hosts and resolv.conf', async () => {
    const out = await ok(['run', '--rm', '-h', 'boxy', 'busybox', 'sh', '-c', 'ip addr show eth0; ip route; cat /etc/hosts']);
    const ip = /inet (\S+)\/24/.exec(out)?.[1];
    assert.ok(ip?.startsWith(d.net.bridgeNet), out);
    assert.match(out, new RegExp(`default via ${d.net.bridgeNet.replace(/\./g, '\\.')}1 dev eth0`));
    assert.match(out, new RegExp(`${ip!.replace(/\./g, '\\.')}\\tboxy`));
    // Two containers in a row never get the same address (the cursor moves on).
    const again = await ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip addr show eth0']);
    assert.notEqual(/inet (\S+)\/24/.exec(again)?.[1], ip);
  });

  it('publishes ports with -p: on 127.0.0.1 and the host\'s address; port, inspect and ps show them', async () => {
    const port = await freePorts();
    await ok(['run', '-d', '--name', 'pub', '-h', 'pubhost', '-p', `${port}:80`, 'busybox', ...WEB]);
    assert.equal(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'published port'), 'hello from pubhost\n');
    assert.equal(await httpGet(`http://${hostAddress()}:${port}/`), 'hello from pubhost\n');
    assert.equal(await ok(['port', 'pub']), `80/tcp -> 0.0.0.0:${port}\n`);
    assert.equal(await ok(['port', 'pub', '80']), `0.0.0.0:${port}\n`);
    assert.equal(await inspect('pub', '{{json .NetworkSettings.Ports}}'), `{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"}]}`);
    assert.equal((await ok(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}'])).trim(), `0.0.0.0:${port}->80/tcp`);
    assert.equal((await ok(['ps', '--filter', `publish=${port}`, '--format', '{{.Names}}'])).trim(), 'pub');

    // A host address limits where it answers; a range maps port by port.
    const [lo, r1] = [await freePorts(), await freePorts(2)];
    await ok(['run', '-d', '--name', 'pub-lo', '-p', `127.0.0.1:${lo}:80/tcp`, '-p', `${r1}-${r1 + 1}:80-81`, 'busybox', ...WEB]);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${lo}/`), 5000, 'loopback port'), /hello/);
    await assert.rejects(httpGet(`http://${hostAddress()}:${lo}/`, 1000));
    // (docker port sorts its lines.)
    assert.equal(await ok(['port', 'pub-lo']), `80/tcp -> 0.0.0.0:${r1}\n80/tcp -> 127.0.0.1:${lo}\n81/tcp -> 0.0.0.0:${r1 + 1}\n`);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${r1}/`), 5000, 'range port'), /hello/);
    await ok(['rm', '-f', 'pub-lo']);
  });

  it('publishes UDP ports', async () => {
    const port = await freePorts();
    await ok(['run', '-d', '--name', 'udp', '-p', `${port}:5353/udp`, 'busybox', 'sleep', '300']);
    // busybox has no UDP server: the container's own UDP counters (its namespace's
    // /proc/net/snmp) show the datagrams arriving at its port 5353.
    const received = async () => {
      const lines = (await ok(['exec', 'udp', 'grep', '^Udp:', '/proc/net/snmp'])).trim().split('\n');
      const [names, values] = lines.map((l) => l.split(/\s+/));
      return Number(values![names!.indexOf('NoPorts')]) + Number(values![names!.indexOf('InDatagrams')]);
    };
    const before = await received();
    const s = createSocket('udp4');
    try {
      await eventually(async () => {
        s.send('datagram-in\n', port, '127.0.0.1');
        await sleep(100);
        return (await received()) > before;
      }, 5000, 'udp datagram in the container');
    } finally {
      s.close();
    }
    assert.equal(await ok(['port', 'udp']), `5353/udp -> 0.0.0.0:${port}\n`);
    await ok(['rm', '-f', 'udp']);
  });

  it('-P publishes every EXPOSEd port on a random host port', async () => {
    await ok(['create', '--name', 'exposer', 'busybox', 'true']);
    await ok(['commit', '-c', 'EXPOSE 80', '-c', 'EXPOSE 9999/udp', 'exposer', 'exposing:1']);
    await ok(['rm', 'exposer']);
    await ok(['run', '-d', '--name', 'pall', '-P', 'exposing:1', ...WEB]);
    const lines = (await ok(['port', 'pall'])).trim().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    const tcp = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0]!);
    assert.ok(tcp && Number(tcp[1]) >= 1024, lines[0]);
    assert.match(lines[1]!, /^9999\/udp -> 0\.0\.0\.0:\d+$/);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${tcp![1]}/`), 5000, '-P port'), /hello/);
    await ok(['rm', '-f', 'pall']);
  });

  it('containers on a user network reach each other by name, alias and hostname (embedded DNS)', async () => {
    const id = (await ok(['network', 'create', 'app'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await ok(['run', '-d', '--name', 'db', '--network', 'app', '--network-alias', 'database', '-h', 'dbhost', 'busybox', ...WEB]);
    const dbIp = await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}');
    const out = await ok(['run', '--rm', '--network', 'app', 'busybox', 'sh', '-c',
      'cat /etc/resolv.conf; for n in db database dbhost db.app; do wget -qO- http://$n/; done; nslookup database']);
    // docker's resolv.conf on a user network: the embedded DNS at 127.0.0.11, ndots:0.
    assert.match(out, /^nameserver 127\.0\.0\.11$/m);
    assert.match(out, /^options ndots:0$/m);
    assert.equal(out.split('\n').filter((l) => l === 'hello from dbhost').length, 4, out);
    assert.match(out, new RegExp(`Name:\\s+database\\nAddress: ${dbIp.replace(/\./g, '\\.')}`));
    const dns = JSON.parse(await inspect('db', '{{json .NetworkSettings.Networks.app.DNSNames}}')) as string[];
    assert.ok(['db', 'database', 'dbhost'].every((n) => dns.includes(n)), dns.join(','));
    const members = JSON.parse(await inspect('app', '{{json .Containers}}')) as Record<string, { Name: string; IPv4Address: string }>;
    assert.deepEqual(Object.values(members).map((m) => [m.Name, m.IPv4Address.split('/')[0]]), [['db', dbIp]]);
  });

  it('the embedded DNS answers at 127.0.0.11 over UDP and TCP, as docker\'s (nginx\'s `resolver 127.0.0.11`)', async () => {
    await ok(['run', '-d', '--name', 'asker', '--network', 'app', 'busybox', 'sleep', '60']);
    const dbIp = await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}');
    assert.match(await ok(['exec', 'asker', 'nslookup', 'database', '127.0.0.11']), new RegExp(`Address: ${dbIp.replace(/\./g, '\\.')}`));
    // TCP (RFC 1035 4.2.2), asked from inside the container's network namespace.
    const pid = await inspect('asker', '{{.State.Pid}}');
    const ask = `const s=require('net').connect(53,'127.0.0.11');const q=Buffer.from('0000010000010000000000000264620000010001','hex');
      s.write(Buffer.concat([Buffer.from([0,q.length]),q]));let b=Buffer.alloc(0);
      s.on('data',(d)=>{b=Buffer.concat([b,d]);if(b.length>=2+b.readUInt16BE(0)){console.log([...b.subarray(b.length-4)].join('.'));s.end();}});
      s.on('error',(e)=>{console.log('error',e.message);process.exit(1)});setTimeout(()=>process.exit(2),5000).unref();`;
    const tcp = spawnSync('nsenter', ['-t', pid, '-n', process.execPath, '-e', ask], { encoding: 'utf8' });
    assert.equal(tcp.stdout.trim(), dbIp, tcp.stderr);
    await ok(['rm', '-f', 'asker']);
  });

  it('a container reaches neither the host\'s 127.0.0.1 nor another container\'s (CVE-2020-8558)', async () => {
    // What only listens on the host's loopback: a container that sends a loopback destination
    // to its gateway (CAP_NET_RAW can write such a frame; NET_ADMIN's route here is the same on the wire).
    const accepted: string[] = [];
    const srv = createServer((c) => {
      accepted.push(String(c.remoteAddress));
      c.end('secret\n');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const viaGateway = 'GW=$(ip route | awk \'/default/{print $3}\'); ip route replace table local 127.0.0.1/32 via $GW dev eth0 && ip route get 127.0.0.1';
      const host = await ok(['run', '--rm', '--network', 'app', '--cap-add', 'NET_ADMIN', 'busybox', 'sh', '-c', `${viaGateway}; nc -w 2 127.0.0.1 ${port} </dev/null; echo done`]);
      assert.match(host, /127\.0\.0\.1 via/, 'the probe did route 127.0.0.1 to its gateway');
      assert.doesNotMatch(host, /secret/);
      // A neighbour on the bridge, with a service on the victim's loopback (its nc listens on all addresses).
      await ok(['run', '-d', '--name', 'victim', '--network', 'app', 'busybox', 'sh', '-c', 'while true; do echo secret | nc -l -p 7777; done']);
      const victimIp = await inspect('victim', '{{.NetworkSettings.Networks.app.IPAddress}}');
      const neighbour = await ok(['run', '--rm', '--network', 'app', '--cap-add', 'NET_ADMIN', 'busybox', 'sh', '-c',
        `ip route replace table local 127.0.0.1/32 via ${victimIp} dev eth0; nc -w 2 127.0.0.1 7777 </dev/null; echo done; nc -w 2 ${victimIp} 7777 </dev/null`]);
      assert.equal(neighbour, 'done\nsecret\n', 'the victim answers on its address only');
      // The bridge's own guard drops that frame on this host (br_netfilter is on); the victim's
      // namespace refuses it too (its route_localnet is on for the embedded DNS's answers): the
      // kernel's input route for a loopback destination from eth0 is a blackhole there.
      const victimPid = await inspect('victim', '{{.State.Pid}}');
      const routeIn = (dst: string) => spawnSync('nsenter', ['-t', victimPid, '-n', 'ip', 'route', 'get', dst, 'from', '10.0.0.9', 'iif', 'eth0'], { encoding: 'utf8' });
      assert.notEqual(routeIn('127.0.0.1').status, 0, routeIn('127.0.0.1').stdout);
      assert.equal(routeIn(victimIp).status, 0, routeIn(victimIp).stderr);
    } finally {
      srv.close();
      await d.docker(['rm', '-f', 'victim']);
    }
    assert.deepEqual(accepted, []);
  });

  it('relays other names to the upstream resolvers', async () => {
    const out = await ok(['run', '--rm', '--network', 'app', 'busybox', 'sh', '-c', 'nslookup outside.example; nslookup nowhere.example || echo FAILED']);
    assert.match(out, /Name:\s+outside\.example\nAddress: 192\.0\.2\.123/);
    assert.match(out, /FAILED/);
    assert.ok(upstream.queries.includes('outside.example'));
    assert.ok(!upstream.queries.includes('db'), 'names of the network are answered by berthd itself');
  });

  it('keeps user networks apart from each other and from the default bridge', async () => {
    await ok(['network', 'create', 'other']);
    const dbIp = await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}');
    const probe = `ping -c1 -W1 ${dbIp} >/dev/null && echo REACHED || echo BLOCKED; nslookup db >/dev/null 2>&1 && echo RESOLVED || echo UNKNOWN`;
    assert.equal(await ok(['run', '--rm', '--network', 'other', 'busybox', 'sh', '-c', probe]), 'BLOCKED\nUNKNOWN\n');
    // (Only ping from the default bridge: its resolver is the host's, off this machine.)
    assert.equal(await ok(['run', '--rm', 'busybox', 'sh', '-c', `ping -c1 -W1 ${dbIp} >/dev/null && echo REACHED || echo BLOCKED`]), 'BLOCKED\n');
    assert.match(await ok(['run', '--rm', '--network', 'app', 'busybox', 'sh', '-c', probe]), /^REACHED\nRESOLVED\n/);
  });

  it('network connect and disconnect change reachability at runtime', async () => {
    const dbIp = await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}');
    await ok(['run', '-d', '--name', 'roamer', '--network', 'other', 'busybox', 'sleep', '300']);
    const reach = async () => (await d.docker(['exec', 'roamer', 'ping', '-c1', '-W1', dbIp])).code === 0;
    assert.equal(await reach(), false);
    await ok(['network', 'connect', '--alias', 'roam', 'app', 'roamer']);
    assert.equal(await reach(), true);
    assert.equal(await ok(['exec', 'roamer', 'wget', '-qO-', 'http://db/']), 'hello from dbhost\n');
    const roamIp = await inspect('roamer', '{{.NetworkSettings.Networks.app.IPAddress}}');
    assert.match(await ok(['exec', 'db', 'nslookup', 'roam']), new RegExp(`Address: ${roamIp.replace(/\./g, '\\.')}`));
    assert.equal(await inspect('roamer', '{{len .NetworkSettings.Networks}}'), '2');
    assert.match(await ok(['exec', 'roamer', 'ip', 'addr', 'show', 'eth1']), new RegExp(`inet ${roamIp.replace(/\./g, '\\.')}/`));
    await ok(['network', 'disconnect', 'app', 'roamer']);
    assert.equal(await reach(), false);
    assert.equal(await inspect('roamer', '{{len .NetworkSettings.Networks}}'), '1');
    const again = await d.docker(['network', 'disconnect', 'app', 'roamer']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /is not connected to network app/);
    // A stopped container is connected for its next start, with the address asked for.
    await ok(['stop', '-t', '0', 'roamer']);
    const fixed = dbIp.replace(/\.\d+$/, '.150');
    await ok(['network', 'connect', '--ip', fixed, 'app', 'roamer']);
    await ok(['start', 'roamer']);
    assert.equal(await reach(), true);
    assert.equal(await inspect('roamer', '{{.NetworkSettings.Networks.app.IPAddress}}'), fixed);
    await ok(['rm', '-f', 'roamer']);
  });

  it('connects to two networks at once each get an interface of their own (found by the fault campaign)', async () => {
    await ok(['network', 'create', 'side1']);
    await ok(['network', 'create', 'side2']);
    await ok(['run', '-d', '--name', 'twice', 'busybox', 'sleep', '300']);
    // The networks' bridges up already, so that nothing else spaces the two connects apart.
    for (const n of ['side1', 'side2']) await ok(['run', '--rm', '--network', n, 'busybox', 'true']);
    // Both chose eth1 and the second failed with the kernel's "File exists" (500).
    const [a, b] = await Promise.all(['side1', 'side2'].map((n) => d.api('POST', `/networks/${n}/connect`, { Container: 'twice' })));
    assert.equal(a!.status, 200, a!.text);
    assert.equal(b!.status, 200, b!.text);
    const links = (await ok(['exec', 'twice', 'sh', '-c', 'cd /sys/class/net && echo *'])).trim().split(' ').sort();
    assert.deepEqual(links, ['eth0', 'eth1', 'eth2', 'lo']);
    for (const n of ['side1', 'side2']) {
      const ip = await inspect('twice', `{{(index .NetworkSettings.Networks "${n}").IPAddress}}`);
      assert.match(await ok(['exec', 'twice', 'ip', '-o', 'addr']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`));
    }
    // An endpoint whose interfaces are gone already (its namespace went, or someone deleted the
    // host end) is disconnected all the same: 500 "Cannot find device" before.
    const peer = (await ok(['exec', 'twice', 'cat', '/sys/class/net/eth2/iflink'])).trim();
    const hostEnd = veths().find((l) => readFileSync(`/sys/class/net/${l}/ifindex`, 'utf8').trim() === peer);
    assert.ok(hostEnd, `no host veth with index ${peer}`);
    execFileSync('ip', ['link', 'del', hostEnd]);
    const side2 = await inspect('twice', '{{(index .NetworkSettings.Networks "side2").NetworkID}}');
    const out = await d.docker(['network', 'disconnect', 'side2', 'twice']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await inspect('twice', '{{len .NetworkSettings.Networks}}'), '2');
    assert.ok(!(await ok(['network', 'inspect', '-f', '{{json .Containers}}', side2])).includes('twice'));
    await ok(['rm', '-f', 'twice']);
    await ok(['network', 'rm', 'side1', 'side2']);
  });


  it('a connect while the container\'s process has ended but its exit is not handled yet is kept for its next start (found by the fault campaign)', async () => {
    await ok(['network', 'create', 'late']);
    await ok(['run', '--rm', '--network', 'late', 'busybox', 'true']);
    const id = (await ok(['run', '-d', 'busybox', 'sleep', '300'])).trim();
    const pid = Number(await inspect(id, '{{.State.Pid}}'));
    // Its monitor (conmon, the process's parent) stopped, the ended process stays a zombie:
    // "running" still, but without a network namespace to join (nsenter: 500 before).
    const conmon = Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ')[1]);
    process.kill(conmon, 'SIGSTOP');
    try {
      process.kill(pid, 'SIGKILL');
      await eventually(() => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.startsWith('Z'));
      const r = await d.api('POST', '/networks/late/connect', { Container: id });
      assert.equal(r.status, 200, r.text);
    } finally {
      process.kill(conmon, 'SIGCONT');
    }
    await eventually(async () => (await inspect(id, '{{.State.Status}}')) === 'exited');
    await ok(['start', id]);
    const ip = await inspect(id, '{{.NetworkSettings.Networks.late.IPAddress}}');
    assert.match(await ok(['exec', id, 'ip', '-o', 'addr']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`));
    await ok(['rm', '-f', id]);
    await ok(['network', 'rm', 'late']);
  });

  it('two removals of one network at once: one removes it, the other finds it gone (found by the fault campaign)', async () => {
    for (let i = 0; i < 4; i++) {
      const name = `twice-rm-${i}`;
      const id = (await ok(['network', 'create', name])).trim();
      // Its bridge up, so both removals have a bridge to take down (the second failed on it: 500).
      await ok(['run', '--rm', '--network', name, 'busybox', 'true']);
      const bridge = `${d.net.prefix}-${id.slice(0, 10)}`;
      assert.ok(existsSync(`/sys/class/net/${bridge}`), `no bridge ${bridge}`);
      const answers = await Promise.all([0, 1].map(() => d.api('DELETE', `/networks/${name}`)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [204, 404], answers.map((a) => a.text).join(' | '));
      assert.match(answers.find((a) => a.status === 404)!.json<{ message: string }>().message, new RegExp(`network ${name} not found`));
      assert.ok(!existsSync(`/sys/class/net/${bridge}`));
    }
  });
  it('two creates at once: one name or one subnet is taken once, and picked subnets differ (found by racing them)', async () => {
    const [a, b, c] = d.net.bridgeNet.split('.') as [string, string, string];
    const subnet = `${a}.${b}.${Number(c) + 13}.0/24`;
    const create = (body: object) => d.api('POST', '/networks/create', body);
    const sameName = await Promise.all([0, 1].map(() => create({ Name: 'raced-name' })));
    assert.deepEqual(sameName.map((r) => r.status).sort(), [201, 409], sameName.map((r) => r.text).join(' | '));
    const sameSubnet = await Promise.all([0, 1].map((i) => create({ Name: `raced-subnet-${i}`, IPAM: { Config: [{ Subnet: subnet }] } })));
    assert.deepEqual(sameSubnet.map((r) => r.status).sort(), [201, 409], sameSubnet.map((r) => r.text).join(' | '));
    const picked = await Promise.all([0, 1].map((i) => create({ Name: `raced-pick-${i}` })));
    assert.deepEqual(picked.map((r) => r.status), [201, 201]);
    const subnets = await Promise.all([0, 1].map(async (i) => (await inspect(`raced-pick-${i}`, '{{(index .IPAM.Config 0).Subnet}}')).trim()));
    assert.notEqual(subnets[0], subnets[1]);
    const names = (await ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter((n) => n.startsWith('raced-'));
    assert.equal(names.filter((n) => n === 'raced-name').length, 1);
    await ok(['network', 'rm', ...new Set(names)]);
  });

  it('none, host and container network modes', async () => {
    // A glob, not ls: ls stats each link, and one that another test removes meanwhile fails it.
    const links = ['sh', '-c', 'cd /sys/class/net && echo *'];
    assert.equal(await ok(['run', '--rm', '--network', 'none', 'busybox', ...links]), 'lo\n');
    const host = await ok(['run', '--rm', '--network', 'host', 'busybox', ...links]);
    assert.ok(host.trim().split(' ').includes(d.net.bridge), host);
    const dbIp = await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}');
    const shared = await ok(['run', '--rm', '--network', 'container:db', 'busybox', 'sh', '-c', 'ip addr show eth0; wget -qO- http://127.0.0.1/']);
    assert.match(shared, new RegExp(`inet ${dbIp.replace(/\./g, '\\.')}/24`));
    assert.match(shared, /hello from dbhost/);
    await ok(['create', '--name', 'joiner', '--network', 'container:db', 'busybox', 'true']);
    assert.equal(await inspect('joiner', '{{.HostConfig.NetworkMode}}'), 'container:db');
    await ok(['rm', 'joiner']);
    await ok(['create', '--name', 'stopped', 'busybox', 'true']);
    const r = await d.docker(['run', '--rm', '--network', 'container:stopped', 'busybox', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /non running container/);
    await ok(['rm', 'stopped']);
  });

  it('--ip, --mac-address, --hostname, --dns, --dns-search and --add-host', async () => {
    const subnet = await inspect('app', '{{(index .IPAM.Config 0).Subnet}}');
    const ip = subnet.replace(/\.0\/24$/, '.200');
    const gw = await inspect('bridge', '{{(index .IPAM.Config 0).Gateway}}');
    const out = await ok(['run', '--rm', '--network', 'app', '--ip', ip, '--mac-address', '02:42:aa:bb:cc:dd', '-h', 'named',
      '--dns', '10.0.0.53', '--dns-search', 'example.test', '--add-host', 'gw:host-gateway', '--add-host', 'other:10.1.2.3',
      'busybox', 'sh', '-c', 'ip addr show eth0; cat /etc/hosts /etc/resolv.conf']);
    assert.match(out, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
    assert.match(out, /link\/ether 02:42:aa:bb:cc:dd/);
    assert.match(out, new RegExp(`${ip.replace(/\./g, '\\.')}\\tnamed`));
    assert.match(out, new RegExp(`${gw.replace(/\./g, '\\.')}\\tgw`));
    assert.match(out, /10\.1\.2\.3\tother/);
    assert.match(out, /^search example\.test$/m);
    // On a user network the embedded DNS is the nameserver; --dns is where it relays.
    assert.doesNotMatch(out, /nameserver 10\.0\.0\.53/);
    const plain = await ok(['run', '--rm', '--dns', '10.0.0.53', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.match(plain, /^nameserver 10\.0\.0\.53$/m);
    const bad = await d.docker(['run', '--rm', '--ip', ip, 'busybox', 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /user specified IP address is supported on user defined networks only/);
    const taken = await d.docker(['run', '--rm', '--network', 'app', '--ip', await inspect('db', '{{.NetworkSettings.Networks.app.IPAddress}}'), 'busybox', 'true']);
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /Address already in use/);
  });

  it('a host port in use fails the start with a clear error and leaves nothing behind', async () => {
    const port = await freePorts();
    await ok(['run', '-d', '--name', 'holder', '-p', `${port}:80`, 'busybox', ...WEB]);
    const vethsBefore = veths().length;
    const clash = await d.docker(['run', '-d', '--name', 'clash', '-p', `${port}:80`, 'busybox', ...WEB]);
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    assert.equal(await inspect('clash', '{{.State.Status}} {{.State.Running}}'), 'created false');
    assert.equal(veths().length, vethsBefore);
    assert.equal(iptables().split('\n').filter((l) => l.includes(`--dport ${port} `)).length, 1);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'first holder'), /hello/);
    await ok(['rm', 'clash']);

    // A port another program listens on.
    const busy = await freePorts();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(busy, '0.0.0.0', r));
    try {
      const r = await d.docker(['run', '--rm', '-p', `${busy}:80`, 'busybox', 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /address already in use/);
    } finally {
      server.close();
    }
    await ok(['rm', '-f', 'holder']);
    // Released: the port can be published again.
    await ok(['run', '-d', '--name', 'holder2', '-p', `${port}:80`, 'busybox', ...WEB]);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'republished'), /hello/);
    await ok(['rm', '-f', 'holder2']);
  });

  it('stop and rm release the address, the veth and the port mapping', async () => {
    const port = await freePorts();
    await ok(['run', '-d', '--name', 'brief', '-p', `${port}:80`, 'busybox', ...WEB]);
    const ip = await inspect('brief', '{{.NetworkSettings.IPAddress}}');
    // The host end of its veth: the link whose index is eth0's peer.
    const peer = (await ok(['exec', 'brief', 'cat', '/sys/class/net/eth0/iflink'])).trim();
    const veth = veths().find((l) => readFileSync(`/sys/class/net/${l}/ifindex`, 'utf8').trim() === peer);
    assert.ok(veth, `no host veth with index ${peer}`);
    assert.equal(readlinkSync(`/sys/class/net/${veth}/master`).split('/').pop(), d.net.bridge);
    assert.ok(iptables().includes(`--to-destination ${ip}:80`));
    await ok(['stop', '-t', '0', 'brief']);
    assert.ok(!iptables().includes(`--to-destination ${ip}:80`));
    assert.equal(await inspect('brief', '{{.NetworkSettings.IPAddress}}|{{json .NetworkSettings.Ports}}'), '|{}');
    await eventually(() => !existsSync(`/sys/class/net/${veth}`), 5000, 'veth gone');
    // The port is free for anyone again.
    const s = createServer();
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '0.0.0.0', resolve));
    await new Promise((r) => s.close(r));
    // And published again when the container starts again (restart goes through both).
    await ok(['start', 'brief']);
    await ok(['restart', '-t', '0', 'brief']);
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'port after restart'), /hello/);
    assert.equal(iptables().split('\n').filter((l) => l.includes(`--dport ${port} `)).length, 1);
    await ok(['rm', '-f', 'brief']);
    assert.ok(!iptables().includes(`--dport ${port} `));
  });

  it('outbound traffic reaches a server on the host, masqueraded when it leaves the bridge', async () => {
    const server: HttpServer = createHttpServer((req, res) => res.end(`pong ${req.socket.remoteAddress}\n`));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    try {
      const out = await ok(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${hostAddress()}:${port}/`]);
      assert.match(out, /^pong /);
      const fromUserNet = await ok(['run', '--rm', '--network', 'app', 'busybox', 'wget', '-qO-', `http://${hostAddress()}:${port}/`]);
      assert.match(fromUserNet, /^pong /);
      const subnet = await inspect('bridge', '{{(index .IPAM.Config 0).Subnet}}');
      assert.ok(iptables().includes(`-s ${subnet} ! -o ${d.net.bridge} -j MASQUERADE`));
      // An internal network has no way out, but its members reach each other.
      await ok(['network', 'create', '--internal', 'sealed']);
      await ok(['run', '-d', '--name', 'inside', '--network', 'sealed', 'busybox', 'sleep', '300']);
      const sealed = await ok(['run', '--rm', '--network', 'sealed', 'busybox', 'sh', '-c',
        `wget -qO- http://${hostAddress()}:${port}/ 2>/dev/null || echo NO-WAY-OUT; ping -c1 -W1 inside >/dev/null && echo PEER-OK`]);
      assert.equal(sealed, 'NO-WAY-OUT\nPEER-OK\n');
      await ok(['rm', '-f', 'inside']);
    } finally {
      server.close();
    }
  });

  it('bridge options are applied: enable_icc=false, an MTU, enable_ip_masquerade=false, host_binding_ipv4; a bad value is a 400', async () => {
    // They were kept in the record and ignored: a container still reached its neighbours.
    await ok(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', '-o', 'com.docker.network.driver.mtu=1400',
      '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', '-o', 'com.docker.network.bridge.host_binding_ipv4=127.0.0.1', 'opts']);
    await ok(['run', '-d', '--name', 'optsrv', '--network', 'opts', '-p', '80', 'busybox', 'sh', '-c', 'echo served > /i && httpd -f -p 80 -h /']);
    const probe = 'cat /sys/class/net/eth0/mtu; wget -qO- -T 2 http://optsrv/i 2>/dev/null || echo UNREACHABLE; nslookup optsrv >/dev/null 2>&1 && echo RESOLVED';
    assert.equal(await ok(['run', '--rm', '--network', 'opts', 'busybox', 'sh', '-c', probe]), '1400\nUNREACHABLE\nRESOLVED\n');
    const bridge = await inspect('opts', '{{.Id}}').then((id) => `${d.net.prefix}-${id.slice(0, 10)}`);
    assert.equal(readFileSync(`/sys/class/net/${bridge}/mtu`, 'utf8').trim(), '1400');
    // The published port bound to the network's host address, and answering there.
    const binding = JSON.parse(await inspect('optsrv', '{{json .NetworkSettings.Ports}}'))['80/tcp'][0] as { HostIp: string; HostPort: string };
    assert.equal(binding.HostIp, '127.0.0.1');
    assert.equal(await eventually(() => httpGet(`http://127.0.0.1:${binding.HostPort}/i`), 5000, 'published port'), 'served\n');
    const subnet = await inspect('opts', '{{(index .IPAM.Config 0).Subnet}}');
    assert.ok(!iptables().includes(`-s ${subnet} ! -o ${bridge} -j MASQUERADE`), 'no masquerade');
    await ok(['rm', '-f', 'optsrv']);
    await ok(['network', 'rm', 'opts']);
    const bad = await d.docker(['network', 'create', '-o', 'com.docker.network.driver.mtu=big', 'badopts']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid value "big" for option com\.docker\.network\.driver\.mtu: want an MTU from 68 to 65535/);
  });

  it('berthd --mtu, --icc=false, --ip-masq=false and --ip set the default bridge\'s options, as dockerd\'s flags', async () => {
    const t = new TestDaemon('netflags', ['--mtu', '1400', '--icc=false', '--ip-masq=false', '--ip', '127.0.0.1']);
    try {
      await t.start();
      await t.loadBusybox();
      const opts = JSON.parse(await t.dockerOk(['network', 'inspect', '-f', '{{json .Options}}', 'bridge'])) as Record<string, string>;
      assert.equal(opts['com.docker.network.driver.mtu'], '1400');
      assert.equal(opts['com.docker.network.bridge.enable_icc'], 'false');
      assert.equal(opts['com.docker.network.bridge.enable_ip_masquerade'], 'false');
      assert.equal(opts['com.docker.network.bridge.host_binding_ipv4'], '127.0.0.1');
      await t.dockerOk(['run', '-d', '--name', 'srv', '-p', '80', 'busybox', 'sh', '-c', 'echo ok > /i && httpd -f -p 80 -h /']);
      const ip = (await t.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'srv'])).trim();
      const out = await t.dockerOk(['run', '--rm', 'busybox', 'sh', '-c', `cat /sys/class/net/eth0/mtu; wget -qO- -T 2 http://${ip}/i 2>/dev/null || echo UNREACHABLE`]);
      assert.equal(out, '1400\nUNREACHABLE\n');
      const binding = JSON.parse(await t.dockerOk(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'srv']))['80/tcp'][0] as { HostIp: string };
      assert.equal(binding.HostIp, '127.0.0.1');
      await t.dockerOk(['rm', '-f', 'srv']);
    } finally {
      assert.deepEqual(await t.stop(), []);
    }
  });

  it('network create, ls, inspect, rm and prune behave as docker\'s', async () => {
    const bridge = JSON.parse(await ok(['network', 'inspect', 'bridge']))[0];
    assert.equal(bridge.Driver, 'bridge');
    assert.equal(bridge.IPAM.Config[0].Gateway, d.net.bip.split('/')[0]);
    assert.equal(bridge.Options['com.docker.network.bridge.name'], d.net.bridge);
    const names = (await ok(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n');
    for (const n of ['bridge', 'host', 'none', 'app', 'other']) assert.ok(names.includes(n), names.join(','));
    assert.deepEqual((await ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}}'])).trim().split('\n').sort(), ['bridge', 'host', 'none']);
    // A subnet from the top of the daemon's own block (the pool hands out the low ones).
    const [a, b, c] = d.net.bridgeNet.split('.') as [string, string, string];
    const net24 = `${a}.${b}.${Number(c) + 12}`;
    await ok(['network', 'create', '--subnet', `${net24}.0/24`, '--gateway', `${net24}.254`, '--label', 'team=net', 'custom']);
    const custom = JSON.parse(await ok(['network', 'inspect', 'custom']))[0];
    assert.deepEqual(custom.IPAM.Config, [{ Subnet: `${net24}.0/24`, Gateway: `${net24}.254` }]);
    assert.deepEqual(custom.Labels, { team: 'net' });
    assert.equal((await ok(['run', '--rm', '--network', 'custom', 'busybox', 'ip', 'route'])).split('\n')[0], `default via ${net24}.254 dev eth0 `);
    const dup = await d.docker(['network', 'create', 'custom']);
    assert.match(dup.stderr, /network with name custom already exists/);
    const overlap = await d.docker(['network', 'create', '--subnet', `${net24}.128/25`, 'overlapping']);
    assert.match(overlap.stderr, /overlaps/);
    const busy = await d.docker(['network', 'rm', 'app']);
    assert.match(busy.stderr, /has active endpoints/);
    const predefined = await d.docker(['network', 'rm', 'bridge']);
    assert.match(predefined.stderr, /pre-defined network and cannot be removed/);
    const created = await d.api('POST', '/networks/create', { Name: 'viaapi', Labels: { temp: '1' } });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json()).sort(), ['Id', 'Warning']);
    const prune = await ok(['network', 'prune', '-f', '--filter', 'label=temp']);
    assert.match(prune, /viaapi/);
    assert.doesNotMatch(prune, /custom/);
    await ok(['network', 'rm', 'custom']);
    const gone = await d.docker(['network', 'inspect', 'custom']);
    assert.notEqual(gone.code, 0);
    assert.ok(!links().some((l) => l === `${d.net.prefix}-${custom.Id.slice(0, 15 - d.net.prefix.length - 1)}`));
  });

  const compose = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));
  it('docker-compose: services on two networks, aliases, published ports, down removes the networks', { skip: !compose && 'docker-compose is not installed' }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-compose-'));
    const port = await freePorts();
    writeFileSync(path.join(dir, 'docker-compose.yml'), [
      'version: "3.8"',
      'services:',
      '  web:',
      '    image: busybox',
      // ($$ is compose's escape for a $ that reaches the container.)
      `    command: ${JSON.stringify(WEB).replace(/\$/g, '$$$$')}`,
      `    ports: ["${port}:80"]`,
      '    networks: [front, back]',
      '  client:',
      '    image: busybox',
      '    command: ["sleep", "300"]',
      '    networks:',
      '      back:',
      '        aliases: [cli]',
      'networks:',
      '  front: {}',
      '  back: {}',
      '',
    ].join('\n'));
    const run = (args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn(compose!, ['-p', 'netdemo', ...args], { cwd: dir, env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(d.root, 'docker-config') } });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b));
      p.stderr.on('data', (b: Buffer) => (out += b));
      p.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    try {
      const up = await run(['up', '-d']);
      assert.equal(up.code, 0, up.out);
      assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'compose web'), /hello from/);
      assert.match(await ok(['exec', 'netdemo_client_1', 'wget', '-qO-', 'http://web/']), /hello from/);
      assert.match(await ok(['exec', 'netdemo_web_1', 'nslookup', 'cli']), /Address: /);
      const nets = (await ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n');
      assert.ok(nets.includes('netdemo_front') && nets.includes('netdemo_back'), nets.join(','));
      const down = await run(['down', '-t', '0']);
      assert.equal(down.code, 0, down.out);
      assert.ok(!(await ok(['network', 'ls', '--format', '{{.Name}}'])).includes('netdemo_'));
    } finally {
      await run(['down', '-t', '0']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a daemon restart keeps running containers\' networking, names and port mappings', async () => {
    const port = await freePorts();
    await ok(['run', '-d', '--name', 'keeper', '--network', 'app', '-p', `${port}:80`, 'busybox', ...WEB]);
    const keeperIp = await inspect('keeper', '{{.NetworkSettings.Networks.app.IPAddress}}');
    assert.match(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 5000, 'keeper'), /hello/);
    for (const stop of [() => d.stopDaemon(), () => d.crash()]) {
      await stop();
      // The kernel keeps forwarding while berthd is away.
      assert.match(await httpGet(`http://127.0.0.1:${port}/`), /hello/);
      await d.start();
      assert.match(await httpGet(`http://127.0.0.1:${port}/`), /hello/);
      assert.equal(await ok(['port', 'keeper']), `80/tcp -> 0.0.0.0:${port}\n`);
      const out = await ok(['run', '--rm', '--network', 'app', 'busybox', 'sh', '-c', 'wget -qO- http://keeper/; ip addr show eth0']);
      assert.match(out, /hello from/);
      assert.doesNotMatch(out, new RegExp(`inet ${keeperIp.replace(/\./g, '\\.')}/`), 'a new container never gets a running one\'s address');
      const clash = await d.docker(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
      assert.match(clash.stderr, /port is already allocated/);
    }
    await ok(['rm', '-f', 'keeper']);
  });
});
