// What one berthd owns alone: its data root, its exec root and its network names. Two daemons on
// one root each take the other's containers, layers and runtime state for their own (a removal,
// an image GC or the cleanup of "a start the daemon died in" destroys what the other one runs);
// two with one network prefix share a default bridge and iptables chains, and either one's stop
// deletes them under the other (seen: a second daemon's stop took the first one's berth0). The
// pid file guards only its own path, and only while it exists.
//
// Each lock is flock(2) on a file berthd keeps open until it stops. The kernel drops it when
// berthd ends, however it ends (kill -9 included), and no child keeps it: Node opens every file
// close-on-exec, so conmon, which outlives berthd, never holds it. Node has no flock; util-linux's
// flock(1) takes it on berthd's own open file, passed as its descriptor 3 (a flock belongs to the
// open file, not to the process that asked for it). That is one process per lock, once, at start,
// so it runs synchronously and not through host/command.ts, which passes no files.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { mkdirAllSync } from './mkdir-all.js';

/** The lock file in a data root and an exec root. */
export const ROOT_LOCK_FILE = 'berthd.lock';

/** Where the locks on network prefixes live: host-wide, whatever a daemon's roots. */
export const NETWORK_LOCK_DIR = '/run/lock/berth';

/** flock(1)'s exit code when another holds the lock (--conflict-exit-code; EX_TEMPFAIL). */
const HELD_ELSEWHERE = 75;

export class InUseError extends Error {
  override name = 'InUseError';
}

export class DaemonLock {
  private constructor(
    private fd: number | undefined,
    private readonly file: string,
  ) {}

  /**
   * Takes the lock on `file` (made if missing, with its directory) for this process, or throws
   * InUseError: "<subject> is in use by another berthd (pid N): stop it first, or give this one
   * its own --<flag>". Without flock(1) there is nothing to take it with: the returned lock
   * holds nothing, and `warning` says so.
   */
  static take(file: string, subject: string, flag: string): { lock: DaemonLock; warning?: string } {
    mkdirAllSync(path.dirname(file), 0o700);
    // Again only while stopping daemons remove the file under us: a few tries at most.
    for (let attempt = 1; ; attempt++) {
      const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
      const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(HELD_ELSEWHERE), '3'], {
        stdio: ['ignore', 'ignore', 'pipe', fd],
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (r.status === 0) {
        // A daemon that stopped meanwhile removed the file we opened (release({ remove })): the
        // lock is on a name nobody else finds. Again, on the file there now.
        if (!sameFile(fd, file) && attempt < 5) {
          closeSync(fd);
          continue;
        }
        // Who holds it, for the message a second daemon prints.
        ftruncateSync(fd, 0);
        writeSync(fd, `${process.pid}\n`, 0);
        return { lock: new DaemonLock(fd, file) };
      }
      closeSync(fd);
      if (r.status === HELD_ELSEWHERE) {
        const pid = Number(readFileSync(file, 'utf8').trim()) || 0;
        throw new InUseError(`${subject} is in use by another berthd${pid ? ` (pid ${pid})` : ''}: stop it first, or give this one its own --${flag}`);
      }
      const why = r.error ? r.error.message : (r.stderr ?? '').trim() || `flock exited ${r.status ?? r.signal}`;
      return { lock: new DaemonLock(undefined, file), warning: `${subject} is not locked against a second berthd (${why})` };
    }
  }

  /**
   * Lets the lock go: at a stop; an exec root's before its tmpfs is unmounted, which the open
   * file would keep busy. `remove`: the file goes too (a host-wide one, which nothing else
   * would clean up), while it is still held.
   */
  release(opts: { remove?: boolean } = {}): void {
    if (this.fd === undefined) return;
    if (opts.remove) rmSync(this.file, { force: true });
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Whether the open file fd is what `file` names now. */
function sameFile(fd: number, file: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(file);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}
