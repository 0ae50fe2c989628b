// Connecting the local terminal to a hijacked attach/exec stream, as docker's hijackedIOStreamer
// does: output demultiplexed (or raw with a TTY), stdin copied in and half-closed at its end,
// the terminal in raw mode while a TTY session lasts, the detach keys (ctrl-p ctrl-q) watched.

import type { Duplex, Writable } from 'node:stream';
import { demuxStream } from '../protocol/stdcopy.js';

export { DEFAULT_DETACH_KEYS, detachKeysOrDefault, parseDetachKeys, EscapeDetector } from '../protocol/detach-keys.js';
import { EscapeDetector } from '../protocol/detach-keys.js';

export interface StreamOptions {
  socket: Duplex;
  /** The stream is raw (TTY): no demultiplexing. */
  tty: boolean;
  stdout: Writable;
  stderr: Writable;
  /** Copy this into the container; undefined when stdin is not attached. */
  stdin?: NodeJS.ReadStream;
  /** Detach sequence (only watched with a TTY), e.g. parseDetachKeys(DEFAULT_DETACH_KEYS). */
  detachKeys?: Buffer;
}

export type StreamEnd = 'eof' | 'detached';

/** Put the terminal in raw mode when stdin is a TTY; returns the undo. */
export function rawTerminal(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => undefined;
  stdin.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(false);
    } catch {
      // The terminal may already be gone.
    }
  };
  process.once('exit', restore);
  return restore;
}

/**
 * Run the session until the container's output ends or the user detaches. Output errors
 * (a systemErr frame) reject with the daemon's message.
 */
export function streamHijacked(opts: StreamOptions): Promise<StreamEnd> {
  const { socket, tty, stdout, stderr, stdin } = opts;
  return new Promise<StreamEnd>((resolve, reject) => {
    let settled = false;
    const finish = (end: StreamEnd | Error): void => {
      if (settled) return;
      settled = true;
      if (stdin) {
        stdin.off('data', onInput);
        stdin.off('end', onInputEnd);
        stdin.pause();
      }
      if (end instanceof Error) reject(end);
      else resolve(end);
    };

    // Output.
    const outputDone: Promise<void> = tty
      ? new Promise<void>((res, rej) => {
          socket.on('data', (chunk: Buffer) => {
            if (!stdout.write(chunk)) {
              socket.pause();
              stdout.once('drain', () => socket.resume());
            }
          });
          socket.once('end', res);
          socket.once('close', res);
          socket.once('error', rej);
        })
      : demuxStream(socket, stdout, stderr);
    outputDone.then(
      () => finish('eof'),
      (err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        // A connection reset after the container exits is the end of the stream, not an error.
        if (code === 'ECONNRESET' || code === 'EPIPE') finish('eof');
        else finish(err instanceof Error ? err : new Error(String(err)));
      },
    );

    // Input.
    const detector = tty && opts.detachKeys ? new EscapeDetector(opts.detachKeys) : undefined;
    const onInput = (chunk: Buffer | string): void => {
      let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (detector) {
        const r = detector.feed(data);
        data = r.forward;
        if (data.length) socket.write(data);
        if (r.detached) {
          socket.destroy();
          finish('detached');
        }
        return;
      }
      if (!socket.write(data) && stdin) {
        stdin.pause();
        socket.once('drain', () => stdin.resume());
      }
    };
    const onInputEnd = (): void => {
      // Half-close: the daemon then closes the container's stdin; output keeps coming.
      if (!socket.destroyed) socket.end();
    };
    if (stdin) {
      stdin.on('data', onInput);
      stdin.once('end', onInputEnd);
      stdin.resume();
    }
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      finish(err);
    });
  });
}

/** Forward the signals a user sends berth to the container (docker's --sig-proxy). */
export function proxySignals(kill: (signal: string) => Promise<void>): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];
  const handlers = signals.map((sig) => {
    const h = (): void => {
      kill(sig.slice(3)).catch(() => undefined);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/**
 * Keep the container's TTY the size of ours: once now (retried briefly, the process may not
 * have its TTY yet), then on every SIGWINCH.
 */
export function monitorTtySize(out: NodeJS.WriteStream, resize: (h: number, w: number) => Promise<void>): () => void {
  if (!out.isTTY) return () => undefined;
  const send = async (retries: number): Promise<void> => {
    const h = out.rows;
    const w = out.columns;
    if (!h || !w) return;
    for (let i = 0; ; i++) {
      try {
        await resize(h, w);
        return;
      } catch {
        if (i >= retries) return;
        await new Promise((r) => setTimeout(r, 10 * (i + 1)));
      }
    }
  };
  void send(5);
  const onWinch = (): void => void send(0);
  process.on('SIGWINCH', onWinch);
  return () => {
    process.off('SIGWINCH', onWinch);
  };
}

/** [rows, columns] of the local terminal, for ConsoleSize; undefined when not a TTY. */
export function consoleSize(out: NodeJS.WriteStream): [number, number] | undefined {
  return out.isTTY && out.rows && out.columns ? [out.rows, out.columns] : undefined;
}
