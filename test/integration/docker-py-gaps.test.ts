// What docker-py's integration suite found against dockerd 20.10 (test/docker-py/compare.sh):
// - GET /containers/{id}/attach/ws (docker-py's attach_socket(ws=True), browser consoles): the
//   websocket upgrade, output as binary messages (not multiplexed), stdin from the client's
//   messages, logs replay, the API-version rule for which streams are attached, and the errors.
// - a build that fails before any output answers with an error status, not a 200 stream
//   (docker-py raises APIError then: its regression test 443).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WebSocket } from 'ws';
import { eventually, freePorts, startDaemon, type TestDaemon } from './harness.js';

/** docker-py 7.2.0 in a venv (shared with test/docker-py/run.sh), installed from the Python registry. */
function dockerPyPython(): string {
  const venv = process.env.BERTH_DPY_VENV ?? '/tmp/berth-docker-py-venv';
  const py = path.join(venv, 'bin/python');
  const has = () => existsSync(py) && spawnSync(py, ['-c', 'import docker, websocket']).status === 0;
  if (!has()) {
    const env = { ...process.env };
    if (!env.PIP_INDEX_URL && existsSync('/opt/pypi/simple')) env.PIP_INDEX_URL = 'file:///opt/pypi/simple';
    for (const [cmd, args] of [['python3', ['-m', 'venv', venv]], [path.join(venv, 'bin/pip'), ['install', '-q', 'docker==7.2.0', 'websocket-client==1.9.2']]] as const) {
      const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
  }
  return py;
}

describe('gaps docker-py found', () => {
  let d: TestDaemon;
  let tcpPort: number;
  before(async () => {
    // A plain-TCP listener on loopback too: docker-py's websocket client cannot use a unix socket.
    tcpPort = await freePorts(1, '127.0.0.1');
    d = await startDaemon('dpy-gaps', ['-H', `tcp://127.0.0.1:${tcpPort}`, '--tls=false']);
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  const open = (path: string): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws+unix://${d.socket}:${path}`);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  /** Every message until the server closes, with whether each was binary. */
  const collect = (ws: WebSocket): Promise<{ data: string; binary: boolean[] }> =>
    new Promise((resolve) => {
      const parts: Buffer[] = [];
      const binary: boolean[] = [];
      ws.on('message', (m: Buffer, isBinary: boolean) => {
        parts.push(m);
        binary.push(isBinary);
      });
      ws.once('close', () => resolve({ data: Buffer.concat(parts).toString(), binary }));
    });
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const r = await d.api('POST', '/containers/create', { Image: 'busybox', ...body });
    assert.equal(r.status, 201, r.text);
    return r.json().Id as string;
  };

  it('streams stdout and stderr raw, as binary messages, and closes when the container exits', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'printf out; printf err >&2'] });
    const ws = await open(`/v1.41/containers/${id}/attach/ws?stream=1&stdout=1&stderr=1`);
    const got = collect(ws);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    const { data, binary } = await got;
    // Not multiplexed: no 8-byte stdcopy headers, the two streams' bytes as written.
    assert.deepEqual([...data].sort().join(''), [...'outerr'].sort().join(''));
    assert.ok(binary.length > 0 && binary.every(Boolean), 'binary messages');
    await d.dockerOk(['rm', '-f', id]);
  });

  it('attaches only the streams asked for from API 1.42, all three before (as dockerd)', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'printf out; printf err >&2; sleep 1'] });
    const only = await open(`/v1.42/containers/${id}/attach/ws?stream=1&stdout=1`);
    const old = await open(`/v1.41/containers/${id}/attach/ws?stream=1&stdout=1`);
    const [a, b] = [collect(only), collect(old)];
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.equal((await a).data, 'out');
    assert.equal([...(await b).data].sort().join(''), [...'outerr'].sort().join(''));
    await d.dockerOk(['rm', '-f', id]);
  });

  it('several attaches made before the start all get the first output', async () => {
    // conmon accepts one connection per turn of its loop: sessions that each had their own
    // connection could miss the first line (seen under load), so they share one.
    const id = await create({ Cmd: ['echo', 'first'] });
    const socks: WebSocket[] = [];
    for (let i = 0; i < 5; i++) socks.push(await open(`/v1.42/containers/${id}/attach/ws?stream=1&stdout=1`));
    const got = socks.map(collect);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.deepEqual((await Promise.all(got)).map((g) => g.data), Array(5).fill('first\n'));
    await d.dockerOk(['rm', '-f', id]);
  });

  it('feeds stdin from the client and replays the log with logs=1', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'echo before; exec cat'], OpenStdin: true });
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    // Its first line is in the log before the attach, so logs=1 must replay it.
    await eventually(async () => (await d.dockerOk(['logs', id])).includes('before'), 10_000, 'the first line in the log');
    // The replay can come in the same read as the handshake's answer, before 'open' has been
    // seen: the listener is there from the start.
    const ws = new WebSocket(`ws+unix://${d.socket}:/v1.41/containers/${id}/attach/ws?stream=1&logs=1&stdin=1&stdout=1`);
    let seen = '';
    const echoed = new Promise<void>((resolve) =>
      ws.on('message', (m: Buffer) => {
        seen += m.toString();
        if (seen.includes('ping\n')) resolve();
      }),
    );
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(Buffer.from('ping\n'));
    await echoed;
    assert.ok(seen.startsWith('before\n'), JSON.stringify(seen));
    ws.close();
    await d.dockerOk(['rm', '-f', id]);
  });

  /** Runs a docker-py script (lines of Python, `c` bound to a client at `baseUrl`); its stdout. */
  const dockerPy = (baseUrl: string, lines: string[]): string => {
    const script = ['import docker, sys', `c = docker.APIClient(base_url="${baseUrl}", version="1.41")`, ...lines].join('\n');
    const r = spawnSync(dockerPyPython(), ['-c', script], { encoding: 'utf8', env: { ...process.env, HOME: d.root } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it("docker-py's attach_socket(ws=True) reads the container's output", async () => {
    const out = dockerPy(`tcp://127.0.0.1:${tcpPort}`, [
      'ctr = c.create_container("busybox", "printf \'hi there\'", detach=True, tty=False)',
      'sock = c.attach_socket(ctr, {"stdout": 1, "stream": 1, "logs": 1}, ws=True)',
      'c.start(ctr)',
      'data = sock.recv()',
      'sock.close()',
      'c.wait(ctr)',
      'c.remove_container(ctr)',
      'sys.stdout.write(data.decode())',
    ]);
    assert.equal(out, 'hi there');
  });

  it("a hijacked attach with logs=1 sends the replay only after the client read the 101 (docker-py's attach(logs=True) got b'' otherwise)", async () => {
    const id = await create({ Cmd: ['echo', 'hello'] });
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.equal((await d.api('POST', `/containers/${id}/wait?condition=not-running`)).status, 200);
    // A client that reads late (a plain socket, 30 ms after its request): its first read takes
    // everything the server sent by then, as the buffered read through which Python's
    // http.client takes the response's head does.
    const lateReader = [
      'import socket, sys, time',
      's = socket.socket(socket.AF_UNIX)',
      `s.connect(${JSON.stringify(d.socket)})`,
      `s.sendall(b"POST /v1.41/containers/${id}/attach?logs=1&stream=0&stdout=1&stderr=1 HTTP/1.1\\r\\nHost: x\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\nContent-Length: 0\\r\\n\\r\\n")`,
      'time.sleep(0.03)',
      'first = s.recv(65536)',
      'rest = b""',
      'while True:',
      '    c = s.recv(65536)',
      '    if not c: break',
      '    rest += c',
      'sys.stdout.write(repr((first, rest)))',
    ].join('\n');
    for (let i = 0; i < 5; i++) {
      const r = spawnSync('python3', ['-c', lateReader], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "(b'HTTP/1.1 101 UPGRADED\\r\\nContent-Type: application/vnd.docker.multiplexed-stream\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\n\\r\\n', b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x06hello\\n')",
        'the first read holds the 101 and nothing after it; the replay comes after');
    }
    // docker-py itself, as its suite's test_attach_no_stream (which failed 16–34 times in 100).
    const outs = dockerPy(`unix://${d.socket}`, [
      'ctr = c.create_container("busybox", "echo hello")',
      'c.start(ctr)',
      'c.wait(ctr, condition="not-running")',
      'outs = [c.attach(ctr, stream=False, logs=True) for _ in range(20)]',
      'c.remove_container(ctr)',
      'sys.stdout.write(repr(sorted(set(outs))))',
    ]);
    assert.equal(outs, "[b'hello\\n']");
    await d.dockerOk(['rm', id]);
  });

  it('answers 404 for an unknown container and 400 without the upgrade', async () => {
    await assert.rejects(open('/containers/nosuch/attach/ws?stream=1'), /404/);
    const id = await create({ Cmd: ['true'] });
    const r = await d.api('GET', `/containers/${id}/attach/ws?stream=1`);
    assert.equal(r.status, 400);
    assert.match(r.json().message, /websocket/);
    await d.dockerOk(['rm', '-f', id]);
  });

  it('a build that fails before any output answers 400; one that fails in a step streams the error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dpy-build-'));
    await writeFile(path.join(dir, 'Dockerfile'), '');
    const tar = spawnSync('tar', ['-cf', '-', '-C', dir, '.']).stdout;
    const r = await d.api('POST', '/v1.41/build?t=a/b/c', tar, { 'Content-Type': 'application/x-tar' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json().message, /no instructions/);
    const cli = await d.docker(['build', '-t', 'empty', dir]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^Error response from daemon: .*no instructions$/m);
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
    const before = (await d.dockerOk(['ps', '-aq'])).trim();
    const fail = await d.api('POST', '/v1.41/build', spawnSync('tar', ['-cf', '-', '-C', dir, '.']).stdout, { 'Content-Type': 'application/x-tar' });
    assert.equal(fail.status, 200);
    const last = JSON.parse(fail.text.trim().split('\n').pop()!);
    assert.equal(last.errorDetail.code, 3);
    // The failed step's container is gone (the list as before the build).
    assert.equal((await d.dockerOk(['ps', '-aq'])).trim(), before);
    await rm(dir, { recursive: true, force: true });
  });
});
