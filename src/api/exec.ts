// /exec/*: start (hijacked), resize, inspect. Creation is POST /containers/{id}/exec.
import type { ExecService } from '../engine/containers/exec.js';
import { encodeFrame } from '../protocol/stdcopy.js';
import { hijack, sendEmpty, sendJson } from './http.js';
import type { Router } from './router.js';

export function registerExecRoutes(router: Router, execs: ExecService): void {
  router.add('POST', '/exec/{id}/start', async (r) => {
    const ex = execs.get(r.params.id!);
    const body = (await r.json<{ Detach?: boolean; Tty?: boolean }>()) ?? {};
    const tty = body.Tty ?? !!ex.config.Tty;
    if (body.Detach) {
      await execs.start(ex.ID, undefined, tty);
      const res = r.response();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end();
      return;
    }
    // Errors before the process exists are still answered as HTTP errors; only then hijack.
    let conn: ReturnType<typeof hijack> | undefined;
    const pendingOut: Array<[1 | 2, Buffer]> = [];
    let ended = false;
    const session = await execs.start(ex.ID, {
      output: (s, data) => {
        if (conn) conn.write(tty ? data : encodeFrame(s, data));
        else pendingOut.push([s, data]);
      },
      close: () => {
        ended = true;
        conn?.end();
      },
    }, tty);
    conn = hijack(r, !tty);
    for (const [s, data] of pendingOut) conn.write(tty ? data : encodeFrame(s, data));
    if (ended) conn.end();
    conn.on('data', (chunk: Buffer) => session?.input(chunk));
    conn.on('end', () => session?.endInput());
    conn.on('close', () => session?.close());
    conn.on('error', () => undefined);
    conn.resume();
  });

  router.add('POST', '/exec/{id}/resize', async (r) => {
    await execs.resize(r.params.id!, r.int('h') ?? 0, r.int('w') ?? 0);
    sendEmpty(r.response(), 200);
  });

  router.add('GET', '/exec/{id}/json', (r) => {
    sendJson(r.response(), 200, execs.inspect(r.params.id!));
  });
}
