// Moves a running container's output from conmon's k8s-file into its driver's file.
// conmon (not berthd) reads the container's pipes and writes them, with timestamps, to
// conmon.log, so a container keeps logging while berthd is down and no Node.js process per
// container exists. berthd's single process tails that file (inotify on the container's
// directory), re-encodes each record in the driver's format, writes it with rotation, and hands
// it to `logs -f` followers. To keep conmon.log small, berthd asks conmon to start a new one
// (control fifo message 2, "reopen logs") once it has read past STAGING_REOPEN; it keeps its
// descriptor on the old file until it has read it to the end, so nothing is lost while berthd
// runs. A cursor (inode, offset) lets a restarted berthd resume where it stopped.
import { closeSync, fstatSync, openSync, readSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { parseK8sLine, type LogCodec, type LogRecord } from './codec.js';
import type { LogFileWriter } from './log-file.js';

/** conmon.log size after which berthd asks conmon for a fresh file. */
export const STAGING_REOPEN = 4 * 1024 * 1024;
/**
 * conmon's own --log-size-max for conmon.log: a bound while berthd is down (conmon then starts
 * the file over, dropping what berthd has not read), far above what berthd lets it reach.
 */
export const STAGING_CAP = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/**
 * One read buffer for every tail (reads are synchronous; what is read is copied out at once).
 * A fresh 1 MiB buffer per pass, as before, cost every running container 1 MiB of malloc a
 * second (the 1 s poll), mostly for empty reads: under the campaign's load (200 containers)
 * berthd's RSS grew by a third through the allocator's fragmentation.
 */
const scratch = Buffer.allocUnsafe(CHUNK);

export type LogListener = (records: LogRecord[] | null) => void;

interface Cursor {
  /** conmon.log's inode and the offset copied up to. */
  ino: number;
  offset: number;
  /** The driver's current file (inode, size) right after that copy. */
  logIno?: number;
  logSize?: number;
}

export class StagingTail {
  private fd?: number;
  private ino = 0;
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);
  private running?: Promise<void>;
  private again = false;
  private reopenAsked = false;
  private closed = false;
  private readonly listeners = new Set<LogListener>();

  constructor(
    private readonly staging: string,
    private readonly cursorFile: string,
    private readonly writer: LogFileWriter,
    private readonly codec: LogCodec,
    /** Asks conmon to reopen its log file (resolves false when it cannot be asked). */
    private readonly askReopen: () => Promise<boolean>,
  ) {}

  /** Listens for records as they are written; null once the container's output has ended. */
  subscribe(l: LogListener): () => void {
    if (this.closed) {
      l(null);
      return () => undefined;
    }
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Schedules a pass over new output (coalesced while one runs). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.closed);
    })()
      .catch((e) => console.error(`berthd: log copy from ${this.staging} failed: ${(e as Error).message}`))
      .finally(() => (this.running = undefined));
  }

  /** Resolves once everything conmon has written so far is in the driver's file. */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  /** Final pass after the container exited: copies the rest, ends followers, removes conmon.log. */
  async finish(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.writer.close();
    for (const l of this.listeners) l(null);
    this.listeners.clear();
    await Promise.all([fs.rm(this.staging, { force: true }), fs.rm(this.cursorFile, { force: true })]);
  }

  private open(): boolean {
    try {
      this.fd = openSync(this.staging, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.ino = fstatSync(this.fd).ino;
    this.rest = Buffer.alloc(0);
    this.reopenAsked = false;
    const cur = readCursor(this.cursorFile);
    this.offset = cur && cur.ino === this.ino ? cur.offset : 0;
    // A crash between writing records and saving the cursor: drop them, they are copied again.
    if (cur && cur.ino === this.ino && cur.logIno !== undefined && cur.logSize !== undefined) this.writer.rewindTo(cur.logIno, cur.logSize);
    return true;
  }

  private async pass(): Promise<void> {
    if (this.fd === undefined && !this.open()) return;
    for (;;) {
      const n = readSync(this.fd!, scratch, 0, CHUNK, this.offset);
      if (n > 0) {
        this.offset += n;
        // A copy of what was read: records handed to followers are views into it, and the
        // scratch buffer is the next pass's (of any container) once this one awaits.
        await this.consume(Buffer.from(scratch.subarray(0, n)));
        continue;
      }
      // At the end of this file: if conmon has moved to a new one, this one is complete.
      const now = (() => {
        try {
          return statSync(this.staging).ino;
        } catch {
          return this.ino;
        }
      })();
      if (now !== this.ino) {
        closeSync(this.fd!);
        this.fd = undefined;
        if (!this.open()) return;
        this.offset = 0;
        continue;
      }
      break;
    }
    if (this.offset >= STAGING_REOPEN && !this.reopenAsked) {
      this.reopenAsked = await this.askReopen();
    }
  }

  private async consume(chunk: Buffer): Promise<void> {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const records: LogRecord[] = [];
    let start = 0;
    let nl: number;
    while ((nl = data.indexOf(10, start)) >= 0) {
      const r = parseK8sLine(data, start, nl);
      if (r) records.push(r);
      start = nl + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
    if (!records.length) return;
    const { bytes, ends } = this.codec.encodeMany(records);
    for (let done = 0; done < ends.length; ) {
      done = this.writer.write(bytes, ends, done);
      if (done < ends.length) await this.writer.idle();
    }
    const at = this.writer.position();
    writeFileSync(this.cursorFile, JSON.stringify({ ino: this.ino, offset: this.offset - this.rest.length, logIno: at.ino, logSize: at.size }));
    for (const l of this.listeners) l(records);
  }
}

function readCursor(file: string): Cursor | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Cursor;
    return typeof c.ino === 'number' && typeof c.offset === 'number' ? c : undefined;
  } catch {
    return undefined;
  }
}
