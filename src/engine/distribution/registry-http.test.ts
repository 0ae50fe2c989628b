// registryRequest's timeouts against a real loopback HTTP server that stalls.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, registryRequest } from './registry-http.js';

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): void }> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v2/`, close: () => {
    srv.closeAllConnections();
    srv.close();
  } };
}

it('fails a response whose head does not come within the idle timeout', async () => {
  const s = await serve(() => undefined);
  try {
    const t = Date.now();
    await assert.rejects(registryRequest({ method: 'GET', url: s.url, idleTimeoutMs: 200 }), /i\/o timeout/);
    assert.ok(Date.now() - t < 2000);
  } finally {
    s.close();
  }
});

it('fails a body that stalls midway within the idle timeout', async () => {
  const s = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Length': '100' });
    res.write('x'.repeat(10));
  });
  try {
    const res = await registryRequest({ method: 'GET', url: s.url, idleTimeoutMs: 200 });
    const t = Date.now();
    await assert.rejects(readBody(res));
    assert.ok(Date.now() - t < 2000);
  } finally {
    s.close();
  }
});

it('adds nothing per request to a kept-alive socket', async () => {
  const s = await serve((_req, res) => res.end('ok'));
  try {
    const sockets = new Set<unknown>();
    let most = 0;
    for (let i = 0; i < 20; i++) {
      const res = await registryRequest({ method: 'GET', url: s.url });
      sockets.add(res.socket);
      assert.equal((await readBody(res)).toString(), 'ok');
      await new Promise((r) => setImmediate(r));
      most = Math.max(most, ...[...sockets].map((x) => (x as NodeJS.EventEmitter).listenerCount('timeout')));
    }
    assert.equal(sockets.size, 1, 'one socket, kept alive');
    // A listener per request piled up here before (41 after 20 requests).
    assert.ok(most <= 2, `${most} timeout listeners`);
  } finally {
    s.close();
  }
});
