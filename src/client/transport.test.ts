import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApiError, ConnectionError } from './errors.js';
import { parseHost, resolveHostUrl, DEFAULT_HOST } from './host.js';
import { encodeQuery, readText, Transport } from './transport.js';
import { ContainersApi } from './containers.js';
import { encodeFrame } from '../protocol/stdcopy.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function withServer(
  handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
  run: (t: Transport, seen: Seen[]) => Promise<void>,
  onUpgrade?: (req: http.IncomingMessage, socket: import('node:stream').Duplex, body: Buffer) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-client-'));
  const sock = join(dir, 'd.sock');
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  if (onUpgrade) {
    server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: head.toString() });
      onUpgrade(req, socket, head);
    });
  }
  await new Promise<void>((r) => server.listen(sock, r));
  const t = new Transport(parseHost(`unix://${sock}`));
  try {
    await run(t, seen);
  } finally {
    t.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

test('host selection: -H, then BERTH_HOST, then DOCKER_HOST, then the default', () => {
  assert.equal(resolveHostUrl(['unix:///a'], { BERTH_HOST: 'unix:///b' }), 'unix:///a');
  assert.equal(resolveHostUrl([], { BERTH_HOST: 'unix:///b', DOCKER_HOST: 'unix:///c' }), 'unix:///b');
  assert.equal(resolveHostUrl([], { DOCKER_HOST: 'unix:///c' }), 'unix:///c');
  assert.equal(resolveHostUrl([], {}), DEFAULT_HOST);
  assert.deepEqual(parseHost('tcp://1.2.3.4:2375'), { kind: 'tcp', url: 'tcp://1.2.3.4:2375', host: '1.2.3.4', port: 2375 });
  assert.deepEqual(parseHost('tcp://[::1]'), { kind: 'tcp', url: 'tcp://[::1]:2375', host: '::1', port: 2375 });
  assert.equal(parseHost('unix:///run/x.sock').kind, 'unix');
  assert.throws(() => parseHost('ssh://me@host'), /Invalid bind address format/);
});

test('query encoding', () => {
  assert.equal(encodeQuery({ a: true, b: false, c: undefined, d: 'x y', e: 3, names: ['p', 'q'] }), '?a=1&d=x%20y&e=3&names=p&names=q');
  assert.equal(encodeQuery({}), '');
});

test('JSON requests carry the API version prefix; errors become ApiError', async () => {
  await withServer(
    (req, _body, res) => {
      if (req.url?.startsWith('/v1.50/containers/create')) {
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Id: 'abc', Warnings: [] }));
      } else if (req.url?.includes('/start')) {
        res.writeHead(304).end();
      } else if (req.url?.includes('/plain')) {
        res.writeHead(500).end('boom\n');
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'No such container: nope' }));
      }
    },
    async (t, seen) => {
      const containers = new ContainersApi(t);
      const created = await containers.create({ Image: 'busybox' }, { name: 'web' });
      assert.equal(created.Id, 'abc');
      assert.equal(seen[0]?.url, '/v1.50/containers/create?name=web');
      assert.equal(seen[0]?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { Image: 'busybox' });
      await containers.start('abc'); // 304 is not an error
      await assert.rejects(containers.inspect('nope'), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.statusCode, 404);
        assert.equal(err.reason, 'No such container: nope');
        assert.equal(err.message, 'Error response from daemon: No such container: nope');
        return true;
      });
      await assert.rejects(t.call({ method: 'GET', path: '/plain' }), /Error response from daemon: boom/);
    },
  );
});

test('request bodies stream from a Readable', async () => {
  await withServer(
    (_req, body, res) => {
      res.writeHead(200).end(String(body.length));
    },
    async (t, seen) => {
      const res = await t.request({ method: 'PUT', path: '/containers/x/archive', query: { path: '/tmp' }, body: Readable.from([Buffer.alloc(1000), Buffer.alloc(24)]), contentType: 'application/x-tar' });
      assert.equal(await readText(res), '1024');
      assert.equal(seen[0]?.headers['content-type'], 'application/x-tar');
      assert.equal(seen[0]?.headers['transfer-encoding'], 'chunked');
    },
  );
});

test('hijack: 101 upgrade, output frames, stdin half-close', async () => {
  let stdinSeen = '';
  await withServer(
    (_req, _body, res) => res.writeHead(404).end(),
    async (t, seen) => {
      const containers = new ContainersApi(t);
      const h = await containers.attach('c1', { stream: true, stdin: true, stdout: true, stderr: true });
      assert.equal(h.raw, false);
      const upgrade = seen.find((s) => s.url.includes('/attach'));
      assert.equal(upgrade?.url, '/v1.50/containers/c1/attach?stream=1&stdin=1&stdout=1&stderr=1');
      assert.equal(upgrade?.headers['upgrade'], 'tcp');
      assert.equal(upgrade?.headers['connection'], 'Upgrade');
      h.socket.write('input');
      h.socket.end();
      const chunks: Buffer[] = [];
      for await (const c of h.socket) chunks.push(c as Buffer);
      const out = Buffer.concat(chunks);
      assert.deepEqual(out, Buffer.concat([encodeFrame(1, Buffer.from('hello')), encodeFrame(1, Buffer.from('input'))]));
      assert.equal(stdinSeen, 'input');
    },
    (_req, socket) => {
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      // Output sent in the same packet as the 101 arrives in `head` on the client side.
      socket.write(encodeFrame(1, Buffer.from('hello')));
      socket.on('data', (d: Buffer) => (stdinSeen += d.toString()));
      socket.on('end', () => {
        socket.end(encodeFrame(1, Buffer.from(stdinSeen)));
      });
    },
  );
});

test('hijack refused: the error body becomes ApiError', async () => {
  await withServer(
    (_req, _body, res) => res.writeHead(409, { 'Content-Type': 'application/json' }).end('{"message":"container c1 is not running"}'),
    async (t) => {
      await assert.rejects(new ContainersApi(t).attach('c1', { stream: true, stdout: true }), /Error response from daemon: container c1 is not running/);
    },
  );
});

test('wait: sent before the answer, StatusCode and Error', async () => {
  await withServer(
    (req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const fail = req.url?.includes('bad');
      setTimeout(() => res.end(JSON.stringify(fail ? { StatusCode: 0, Error: { Message: 'oops' } } : { StatusCode: 7 })), 20);
    },
    async (t) => {
      const api = new ContainersApi(t);
      const w = api.waitPending('c1', 'next-exit');
      await w.sent;
      assert.deepEqual(await w.result, { StatusCode: 7 });
      await assert.rejects(api.wait('bad'), /oops/);
    },
  );
});

test('an absent daemon gives docker-style wording', async () => {
  const t = new Transport(parseHost('unix:///nonexistent/berth.sock'));
  await assert.rejects(t.call({ method: 'GET', path: '/_ping' }), (err: unknown) => {
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.message, 'Cannot connect to the berth daemon at unix:///nonexistent/berth.sock. Is the berth daemon running?');
    return true;
  });
});
