// One berthd per data root and per exec root. Two daemons on one root each take the other's
// containers, layers and runtime state for their own: a removal, an image GC or the cleanup of "a
// start the daemon died in" destroys what the other one runs. The pid file guards only its own
// path, and only while it exists (a second daemon with another --pidfile started beside the first).
//
// The lock is flock(2) on <root>/berthd.lock, held on an open file berthd keeps until it stops. The
// kernel drops it when berthd ends, however it ends (kill -9 included), and no child keeps it:
// Node opens every file close-on-exec, so conmon, which outlives berthd, never holds it. Node has
// no flock; util-linux's flock(1) takes it on berthd's own open file, passed as its descriptor 3
// (a flock belongs to the open file, not to the process that asked for it). That is one process,
// once, at start, so it runs synchronously and not through host/command.ts, which passes no files.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'berthd.lock';

/** flock(1)'s exit code when another holds the lock (--conflict-exit-code; EX_TEMPFAIL). */
const HELD_ELSEWHERE = 75;

export class RootInUseError extends Error {
  override name = 'RootInUseError';
}

export class RootLock {
  private constructor(private fd: number | undefined) {}

  /**
   * Takes the lock on dir (which exists) for this process, or throws RootInUseError naming the
   * daemon that holds it. `what` names the directory in that message ("data root"). Without
   * flock(1) there is nothing to take it with: the returned lock holds nothing, and `warning`
   * says so.
   */
  static take(dir: string, what: string): { lock: RootLock; warning?: string } {
    const file = path.join(dir, LOCK_FILE);
    const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
    const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(HELD_ELSEWHERE), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.status === 0) {
      // Who holds it, for the message a second daemon prints.
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n`, 0);
      return { lock: new RootLock(fd) };
    }
    closeSync(fd);
    if (r.status === HELD_ELSEWHERE) {
      const pid = Number(readFileSync(file, 'utf8').trim()) || 0;
      throw new RootInUseError(`the ${what} ${dir} is in use by another berthd${pid ? ` (pid ${pid})` : ''}: stop it first, or give this one its own --${what.replace(' ', '-')}`);
    }
    const why = r.error ? r.error.message : (r.stderr ?? '').trim() || `flock exited ${r.status ?? r.signal}`;
    return { lock: new RootLock(undefined), warning: `the ${what} ${dir} is not locked against a second berthd (${why})` };
  }

  /** Lets the lock go (a stop; before the exec root's tmpfs is unmounted, which the open file would keep busy). */
  release(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
