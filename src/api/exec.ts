// /exec/*: start (hijacked), resize, inspect. Creation is POST /containers/{id}/exec.
import type { ExecService } from '../engine/containers/exec.js';
import { encodeFrame } from '../protocol/stdcopy.js';
import { detachKeysOrDefault, EscapeDetector } from '../protocol/detach-keys.js';
import { hijack, sendEmpty, sendJson } from './http.js';
import type { Router } from './router.js';

export function registerExecRoutes(router: Router, execs: ExecService): void {
  router.add('POST', '/exec/{id}/start', async (r) => {
    const ex = execs.startable(r.params.id!);
    const body = (await r.json<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] | null }>()) ?? {};
    // As moby: whether the process gets a terminal is the exec's (create request); the start
    // request's Tty only says whether the stream is multiplexed (docker-py sends false there).
    const processTty = !!ex.config.Tty;
    const tty = body.Tty ?? processTty;
    // Bad keys: the default ones, as moby's exec (it warns and goes on; attach refuses them).
    const scanner = processTty && ex.config.AttachStdin ? new EscapeDetector(detachKeysOrDefault(ex.config.DetachKeys)) : undefined;
    if (body.Detach) {
      await execs.start(ex.ID, undefined, processTty, body.ConsoleSize);
      const res = r.response();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end();
      return;
    }
    // As moby: hijack first, then start; a start failure is written into the stream and the
    // exit code (127 not found, 126 not executable) is left for the client's inspect.
    const conn = hijack(r, !tty);
    const write = (s: 1 | 2, data: Buffer) => {
      if (!conn.writableEnded) conn.write(tty ? data : encodeFrame(s, data));
    };
    let session;
    try {
      session = await execs.start(ex.ID, { output: write, close: () => conn.end() }, processTty, body.ConsoleSize);
    } catch (e) {
      write(1, Buffer.from(`${(e as Error).message}\r\n`));
      conn.end();
      return;
    }
    conn.on('data', (chunk: Buffer) => {
      if (!scanner) return session?.input(chunk);
      // The detach keys end this client's stream; the process goes on (docker exec -it, ctrl-p ctrl-q).
      const { forward, detached } = scanner.feed(chunk);
      if (forward.length) session?.input(forward);
      if (detached) {
        session?.close();
        conn.end();
      }
    });
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
