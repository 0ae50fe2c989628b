// berthd under hostile input: requests, streams, container traffic and archives that once took
// the daemon down or reached outside their box. Each case checks that berthd still runs.
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tarStream from 'tar-stream';
import { spawnSync } from 'node:child_process';
import { eventually, REPO, sleep, startDaemon, TestDaemon } from './harness.js';

let d: TestDaemon;
let tmp: string;

before(async () => {
  d = await startDaemon('hardening');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-hardening-'));
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

/** berthd is still the same process and answers /_ping. */
async function alive(): Promise<void> {
  assert.equal(d.proc!.exitCode, null, `berthd exited: ${d.log.slice(-2000)}`);
  assert.equal((await d.api('GET', '/_ping')).status, 200);
}

/** Sends raw bytes on the API socket and returns what came back until the server closed it. */
function raw(bytes: string | Buffer, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(d.socket);
    let out = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
    s.on('data', (b) => (out += b.toString('latin1')));
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    // The server may answer and close while we are still writing (a 413): keep what came back.
    s.on('error', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.write(bytes);
  });
}

export function tarOf(entries: { name: string; type?: tarStream.Header['type']; body?: string; linkname?: string; mode?: number }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.mode ?? 0o644 }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

describe('requests', () => {
  it('a malformed %-escape in the path is a 400, not a crash', async () => {
    for (const p of ['/v1.50/containers/%E0%A4%A/json', '/containers/%/json', '/images/%ZZ/json', '/networks/%C0%80%', '/volumes/%E0%A4%A']) {
      const r = await d.api('GET', p);
      assert.equal(r.status, 400, `${p}: ${r.status} ${r.text}`);
      assert.match(r.json().message, /invalid URL escape/);
    }
    // On a hijack (Upgrade) request too.
    const out = await raw('POST /containers/%E0%A4%A/attach HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 400/);
    await alive();
  });
});

describe('streams', () => {
  it('a client hanging up on a hijacked attach while logs replay does not take berthd down', async () => {
    await d.dockerOk(['run', '-d', '--name', 'chatty', 'busybox', 'sh', '-c', 'yes 0123456789abcdef0123456789abcdef | head -c 20000000; exec sleep 1000']);
    await eventually(async () => (await d.api('GET', '/containers/chatty/logs?stdout=1&tail=1')).text.length > 0, 20_000, 'logs');
    await sleep(500);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(d.socket);
        s.on('error', () => resolve());
        s.on('data', (b) => {
          if (b.toString('latin1').startsWith('HTTP/1.1 101')) {
            // Close with unread data: berthd's next writes fail with EPIPE/ECONNRESET.
            s.destroy();
            resolve();
          }
        });
        s.write('POST /containers/chatty/attach?logs=1&stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n');
      });
      await sleep(300);
      await alive();
    }
    await d.dockerOk(['rm', '-f', 'chatty']);
  });
});

/** Run by node inside a container's network namespace: argv gateway, address of the long name. */
const DNS_FUZZ = `
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
const fc = createRequire(process.cwd() + '/package.json')('fast-check');
const [gw, ip] = process.argv.slice(-2);
const s = createSocket('udp4');
let answered = 0;
const waiters = new Map();
s.on('message', (m) => { answered++; const w = waiters.get(m.readUInt16BE(0)); if (w) { waiters.delete(m.readUInt16BE(0)); w(m); } });
const name = (n) => Buffer.concat([...n.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
const query = (id, n, type) => Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name(n), Buffer.from([0, type, 0, 1])]);
// As a resolver does, asked again after 2 s (under load the junk before it can fill the socket's queue).
const ask = (q) => new Promise((resolve) => { const id = q.readUInt16BE(0); let t; let tries = 0; const send = () => { if (tries++ === 5) { waiters.delete(id); resolve(undefined); return; } s.send(q, 53, gw); t = setTimeout(send, 2000); }; waiters.set(id, (m) => { clearTimeout(t); resolve(m); }); send(); });
const valid = query(1, 'hdnspeer', 1);
const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([i, b, cut]) => { const m = Buffer.from(valid); m[i] = b; return m.subarray(0, Math.max(cut, 1)); });
const junk = fc.oneof(mutated, fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)), fc.nat(15).map((n) => Buffer.concat([valid.subarray(0, 12), Buffer.from([0xc0, 12 + n, 0, 12, 0, 1])])));
let sent = 0;
for (const m of fc.sample(junk, { numRuns: 1500 })) { s.send(m, 53, gw); sent++; if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 5)); }
const ptr = await ask(query(0x4242, ip.split('.').reverse().join('.') + '.in-addr.arpa', 12));
const a = await ask(query(0x4343, 'hdnspeer', 1));
process.stdout.write(JSON.stringify({ sent, answered, ptrRcode: ptr ? ptr[3] & 15 : -1, aFinal: a ? a[3] & 15 : -1 }));
s.close();
`;

describe('its own stderr', () => {
  it('a log reader that went away (a closed pipe) does not make berthd spin: it keeps serving and stops on SIGTERM', async () => {
    const own = await startDaemon('stderr-gone');
    try {
      // Close our end of berthd's stderr pipe: its next log line meets EPIPE.
      own.proc!.stderr!.destroy();
      // A container that cannot start logs nothing; the SIGTERM below logs "received SIGTERM".
      assert.equal((await own.api('GET', '/_ping')).status, 200);
      const cpu = () => readFileSync(`/proc/${own.proc!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
      const before = cpu();
      await sleep(1000);
      // An EPIPE that became an uncaught exception, whose log line failed again, spun at 100 %.
      assert.ok(cpu() - before < 20, `berthd used ${cpu() - before} ticks in an idle second`);
      const exited = new Promise((r) => own.proc!.once('exit', r));
      own.proc!.kill('SIGTERM');
      assert.equal(await Promise.race([exited.then(() => 'exited'), sleep(15_000).then(() => 'still running')]), 'exited');
    } finally {
      if (own.proc!.exitCode === null && own.proc!.signalCode === null) {
        const killed = new Promise((r) => own.proc!.once('exit', r));
        own.proc!.kill('SIGKILL');
        await killed;
      }
      assert.deepEqual(await own.stop(), []);
    }
  });
});

describe('embedded DNS', () => {
  it('answers the PTR of a container with a 70-character name, and survives junk datagrams from a container', async () => {
    const long = 'c'.repeat(70);
    await d.dockerOk(['network', 'create', 'hdns']);
    try {
      await d.dockerOk(['run', '-d', '--name', long, '--network', 'hdns', 'busybox', 'sleep', '1000']);
      await d.dockerOk(['run', '-d', '--name', 'hdnspeer', '--network', 'hdns', 'busybox', 'sleep', '1000']);
      const peerIp = (await d.dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.hdns.IPAddress}}', 'hdnspeer'])).trim();
      const ip = (await d.dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.hdns.IPAddress}}', long])).trim();
      const gw = (await d.dockerOk(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'hdns'])).trim();
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
      // nslookup of an address asks for its PTR record (it fails: the name cannot be put on the wire).
      await d.docker(['run', '--rm', '--network', 'hdns', 'busybox', 'nslookup', ip, gw]);
      await alive();
      // A fuzz from inside a container: busybox has no UDP client, so node runs in the peer
      // container's network namespace (its address is the client's), sending fast-check's
      // datagrams: random bytes, mutated and truncated queries, compression-pointer loops, and
      // the PTR query of the 70-character name, which must come back SERVFAIL.
      const pid = (await d.api('GET', '/containers/hdnspeer/json')).json().State.Pid as number;
      const fuzz = spawnSync('nsenter', ['-t', String(pid), '-n', process.execPath, '--input-type=module', '-e', DNS_FUZZ, gw, ip], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
      assert.equal(fuzz.status, 0, fuzz.stderr);
      const result = JSON.parse(fuzz.stdout) as { sent: number; answered: number; ptrRcode: number; aFinal: number };
      assert.ok(result.sent >= 1000, `sent ${result.sent}`);
      assert.ok(result.answered > 0, 'the server answered some of them');
      assert.equal(result.ptrRcode, 2, 'SERVFAIL for the PTR of the 70-character name');
      assert.equal(result.aFinal, 0, 'NOERROR for a known name after the fuzz');
      await alive();
      // The server still answers a container's name.
      const out = await d.dockerOk(['run', '--rm', '--network', 'hdns', 'busybox', 'nslookup', 'hdnspeer', gw]);
      assert.match(out, new RegExp(`Address: ${peerIp.replace(/\./g, '\\.')}`));
    } finally {
      await d.docker(['rm', '-f', long, 'hdnspeer']);
      await d.dockerOk(['network', 'rm', 'hdns']);
    }
  });
});

describe('docker cp into a container', () => {
  it('writes entries named .wh.* as files: whiteouts belong to layer unpacking only', async () => {
    const host = path.join(tmp, 'bind');
    await fs.mkdir(path.join(host, 'sub'), { recursive: true });
    await fs.writeFile(path.join(host, 'canary'), 'still here');
    await d.dockerOk(['run', '-d', '--name', 'cpwh', '-v', `${host}:/data`, 'busybox', 'sleep', '1000']);
    try {
      const body = await tarOf([{ name: '.wh...' }, { name: '.wh.canary' }, { name: '.wh..wh..opq' }]);
      const r = await d.api('PUT', '/containers/cpwh/archive?path=/data/sub', body, { 'Content-Type': 'application/x-tar' });
      assert.equal(r.status, 200, r.text);
      assert.equal(await fs.readFile(path.join(host, 'canary'), 'utf8'), 'still here');
      assert.ok(existsSync(path.join(host, 'sub')));
      assert.deepEqual((await fs.readdir(path.join(host, 'sub'))).sort(), ['.wh...', '.wh..wh..opq', '.wh.canary']);
      assert.ok((await fs.stat(path.join(host, 'sub', '.wh...'))).isFile());
      await alive();
    } finally {
      await d.docker(['rm', '-f', 'cpwh']);
    }
  });
});

describe('limits and validation', () => {
  it('a JSON body over the cap is a 413 with a message', async () => {
    // Declared too large: answered before the body is read, and the connection closed.
    const declared = await raw(`POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${17 << 20}\r\n\r\n{"Image":`, 5000);
    assert.match(declared, /^HTTP\/1.1 413/);
    assert.match(declared, /"message":"request body too large/);
    // Chunked (no Content-Length): cut off while reading.
    const out = await raw(Buffer.concat([
      Buffer.from('POST /networks/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'),
      ...Array.from({ length: 18 }, () => Buffer.concat([Buffer.from('100000\r\n'), Buffer.alloc(0x100000, 0x20), Buffer.from('\r\n')])),
      Buffer.from('0\r\n\r\n'),
    ]), 5000);
    assert.match(out, /^HTTP\/1.1 413/);
    await alive();
  });

  it('filters of the wrong shape are 400; null is no filter, as docker reads it', async () => {
    assert.equal((await d.api('GET', '/containers/json?filters=null')).status, 200);
    for (const f of ['[1]', '"x"', '{"name":"x"}', '{"name":[1]}', '7', '{']) {
      const r = await d.api('GET', `/containers/json?filters=${encodeURIComponent(f)}`);
      assert.equal(r.status, 400, `${f}: ${r.status} ${r.text}`);
      assert.match(r.json().message, /invalid filter/);
    }
    for (const p of ['/images/json', '/networks', '/volumes']) assert.equal((await d.api('GET', `${p}?filters=null`)).status, 200);
  });

  it('wrongly typed create fields are 400 at create, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ Image: 'busybox', HostConfig: { CapAdd: 'X' } }, /unknown capability: "CAP_X"/],
      [{ Image: 'busybox', HostConfig: { Memory: '512' } }, /HostConfig.Memory of type int64/],
      [{ Image: 'busybox', Env: 'A=B' }, /Env of type \[\]string/],
      [{ Image: 'busybox', Cmd: [1, 2] }, /Cmd/],
      [{ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 8080 }] } } }, /HostPort of type string/],
      [{ Image: 'busybox', HostConfig: { Binds: '/tmp:/x' } }, /Binds of type \[\]string/],
    ];
    const before = (await d.api('GET', '/containers/json?all=1')).json().length;
    for (const [body, re] of cases) {
      const r = await d.api('POST', '/containers/create', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
      assert.match(r.json().message, re);
    }
    assert.equal((await d.api('GET', '/containers/json?all=1')).json().length, before, 'nothing half-made');
    // A strslice as a string is fine, as in docker.
    const ok = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: 'true', HostConfig: { CapAdd: 'NET_ADMIN' } });
    assert.equal(ok.status, 201, ok.text);
    await d.api('DELETE', `/containers/${ok.json().Id}`);
  });

  it('docker load spools non-layer members to disk and caps their total', async () => {
    const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.proc!.pid}/status`, 'utf8'))![1]) * 1024;
    const before = hwm();
    const pack = tarStream.pack();
    const junk = Buffer.alloc(15 << 20, 0x7b); // JSON-looking: not a layer
    const feed = async () => {
      for (let i = 0; i < 18; i++) {
        await new Promise<void>((resolve, reject) => pack.entry({ name: `junk-${i}.json`, size: junk.length }, junk, (e) => (e ? reject(e) : resolve())));
      }
      pack.finalize();
    };
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ socketPath: d.socket, method: 'POST', path: '/images/load?quiet=1', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        let text = '';
        res.on('data', (b: Buffer) => (text += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      // berthd answers and closes while the rest is still being sent.
      req.on('error', (e) => setTimeout(() => reject(e), 1000));
      pack.on('error', () => undefined);
      pack.pipe(req);
    });
    await feed().catch(() => undefined);
    const r = await answer;
    assert.match(r.text, /non-layer files exceed 256 MiB/, `${r.status} ${r.text}`);
    const grown = hwm() - before;
    assert.ok(grown < 100 << 20, `peak RSS grew by ${grown >> 20} MiB`);
    await alive();
  });

  it('a start with a HostConfig body is refused as dockerd refuses it, not started without it', async () => {
    // berthd serves clients older than API 1.24, which could send one; it is never applied.
    const id = (await d.dockerOk(['create', 'busybox', 'true'])).trim();
    const r = await d.api('POST', `/v1.22/containers/${id}/start`, { Binds: ['/:/host'] });
    assert.equal(r.status, 400);
    assert.equal(r.json().message, 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
    assert.equal((await d.dockerOk(['inspect', '--format', '{{.State.Status}}', id])).trim(), 'created');
    // As dockerd, a body of up to 7 bytes passes ({} or null, as some clients send).
    assert.equal((await d.api('POST', `/containers/${id}/start`, {})).status, 204);
    await d.dockerOk(['rm', '-f', id]);
  });

  it('DOCKER_MIN_API_VERSION raises the oldest API version served; a bad one stops berthd at once', async () => {
    const t = new TestDaemon('min-api', [], { DOCKER_MIN_API_VERSION: '1.24' });
    try {
      await t.start();
      const old = await t.api('GET', '/v1.22/version');
      assert.equal(old.status, 400);
      assert.equal(old.json().message, 'client version 1.22 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
      const v = await t.api('GET', '/v1.24/version');
      assert.equal(v.json().MinAPIVersion, '1.24');
    } finally {
      assert.deepEqual(await t.stop(), []);
    }
    for (const [env, args, msg] of [
      ['1.5', [], /invalid DOCKER_MIN_API_VERSION: API version 1.5 is older than the oldest berthd serves \(1.12\)/],
      ['', ['--min-api-version', 'x'], /invalid --min-api-version: invalid API version "x"/],
    ] as const) {
      // --version last: were the value accepted, berthd would print its version and exit 0.
      const r = spawnSync(path.join(REPO, 'bin/berthd'), [...args, '--version'], { encoding: 'utf8', env: { ...process.env, DOCKER_MIN_API_VERSION: env } });
      assert.equal(r.status, 125);
      assert.match(r.stderr, msg);
    }
  });

  it('a request whose headers never finish is closed', async () => {
    const t = new TestDaemon('hdr-timeout', ['--api-header-timeout', '1']);
    try {
      await t.start();
      const started = Date.now();
      const out = await new Promise<string>((resolve) => {
        const s = connect(t.socket);
        let got = '';
        s.on('data', (b) => (got += b.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
        s.write('GET /_ping HTTP/1.1\r\nHost: d\r\nX-Slow: ');
        setTimeout(() => s.destroy(), 8000);
      });
      const took = Date.now() - started;
      assert.ok(took < 5000, `closed after ${took} ms`);
      assert.match(out, /^HTTP\/1.1 408/);
      assert.equal((await t.api('GET', '/_ping')).status, 200);
    } finally {
      assert.deepEqual(await t.stop(), []);
    }
  });
});

describe('docker cp and the symlink-swap race (CVE-2018-15664)', () => {
  it('a container swapping a directory for a symlink to the host path never gets cp to read or write host files', async () => {
    const canaryDir = await fs.mkdtemp(path.join(tmpdir(), 'berth-swap-'));
    const secret = 'HOST SECRET';
    await fs.writeFile(path.join(canaryDir, 'f'), secret);
    // /w flips between a directory holding "f" and a symlink to the host directory's path.
    const loop = `mkdir -p /w.d && echo inside > /w.d/f && mkdir -p ${canaryDir} && ` +
      `while true; do mv /w.d /w; mv /w /w.d; ln -s ${canaryDir} /w; rm /w; done`;
    await d.dockerOk(['run', '-d', '--name', 'swapper', 'busybox', 'sh', '-c', loop]);
    try {
      const out = path.join(tmp, 'swap-out');
      let reads = 0;
      for (let i = 0; i < 25; i++) {
        await fs.rm(out, { force: true });
        const r = await d.docker(['cp', 'swapper:/w/f', out]);
        if (r.code === 0) {
          reads++;
          assert.notEqual(await fs.readFile(out, 'utf8'), secret, 'cp read a host file');
        }
        const put = path.join(tmp, `planted-${i}`);
        await fs.writeFile(put, 'planted');
        await d.docker(['cp', put, 'swapper:/w/']);
      }
      assert.ok(reads > 0, 'some copies found the file');
      assert.deepEqual(await fs.readdir(canaryDir), ['f'], 'cp wrote into the host directory');
      assert.equal(await fs.readFile(path.join(canaryDir, 'f'), 'utf8'), secret);
    } finally {
      await d.docker(['rm', '-f', 'swapper']);
      await fs.rm(canaryDir, { recursive: true, force: true });
    }
  });
});
