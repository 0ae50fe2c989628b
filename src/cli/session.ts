// An attached container session: attach (hijacked) and wait are in place before the container
// starts, so not a byte of its first output is lost and its exit is never missed; then stream
// until the output ends, and collect the exit code. Used by run, start -a and attach.

import type { ContainersApi } from '../client/containers.js';
import { ApiError } from '../client/errors.js';
import type { WaitCondition } from '../client/containers.js';
import type { Ctx } from './command.js';
import { detachKeysOrDefault, monitorTtySize, proxySignals, rawTerminal, streamHijacked, type StreamEnd } from './hijack-io.js';

export interface SessionOptions {
  id: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
  /** Wait for the container's exit with this condition (set up before start). */
  waitCondition?: WaitCondition;
  /** Start the container once attach and wait are ready. */
  start?: () => Promise<void>;
  sigProxy: boolean;
}

/** The container could not be started; `cause` is the daemon's error. */
export class StartFailed extends Error {
  override readonly name = 'StartFailed';
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Waiting for the container's exit failed; `original` is the daemon's error. */
export class WaitFailed extends Error {
  override readonly name = 'WaitFailed';
  constructor(readonly original: unknown) {
    super(original instanceof ApiError ? original.reason : original instanceof Error ? original.message : String(original));
  }
}

export interface SessionResult {
  end: StreamEnd;
  /** Exit code from wait, when a wait was asked for and the session was not detached. */
  status?: number;
}

export async function containerSession(ctx: Ctx, containers: ContainersApi, opts: SessionOptions): Promise<SessionResult> {
  // The docker CLI leaves bad keys to the daemon (an attach with a terminal refuses them).
  const keys = detachKeysOrDefault(opts.detachKeys);
  const attaching = containers.attach(opts.id, {
    stream: true,
    stdin: opts.stdin,
    stdout: opts.stdout,
    stderr: opts.stderr,
    detachKeys: opts.detachKeys,
  });
  const wait = opts.waitCondition ? containers.waitPending(opts.id, opts.waitCondition) : undefined;
  // Keep a failed wait from being reported as unhandled while we are still attaching.
  wait?.result.catch(() => undefined);
  const [hijacked] = await Promise.all([attaching, wait?.sent]);

  const stdin = opts.stdin ? ctx.stdin : undefined;
  const restoreTerminal = opts.tty && stdin ? rawTerminal(stdin) : () => undefined;
  const cleanups: (() => void)[] = [restoreTerminal];
  try {
    const streaming = streamHijacked({
      socket: hijacked.socket,
      tty: hijacked.raw ?? opts.tty,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      stdin,
      detachKeys: keys,
    });
    streaming.catch(() => undefined);
    if (opts.start) {
      try {
        await opts.start();
      } catch (err) {
        hijacked.socket.destroy();
        if (wait && opts.waitCondition === 'removed') {
          // With --rm the daemon removes the container after a failed start: let it finish.
          await Promise.race([wait.result.catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
        }
        throw new StartFailed(err);
      }
    }
    if (opts.tty) cleanups.push(monitorTtySize(ctx.stdout, (h, w) => containers.resize(opts.id, h, w)));
    if (opts.sigProxy && !opts.tty) cleanups.push(proxySignals((sig) => containers.kill(opts.id, sig)));
    const end = await streaming;
    if (end === 'detached' || !wait) return { end };
    const res = await wait.result.catch((err: unknown) => {
      throw new WaitFailed(err);
    });
    return { end, status: res.StatusCode };
  } finally {
    for (const c of cleanups) c();
  }
}
