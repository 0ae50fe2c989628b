// Moves a running container's output from conmon's k8s-file into its driver's file.
// conmon (not berthd) reads the container's pipes and writes them, with timestamps, to
// conmon.log, so a container keeps logging while berthd is down and no Node.js process per
// container exists. berthd's single process tails that file (inotify on the container's
// directory), re-encodes each record in the driver's format, writes it with rotation, and hands
// it to `logs -f` followers. To keep conmon.log small, berthd asks conmon to start a new one
// (control fifo message 2, "reopen logs") once the newest file passes STAGING_REOPEN; it opens
// each new file as soon as it sees it and keeps its descriptors on the older ones until it has
// read them to the end, so nothing is lost while berthd runs, however far behind a fast writer
// it falls. A cursor (inode, offset) lets a restarted berthd resume where it stopped.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync, readFileSync } from 'node:fs';
import { removeFile } from '../../host/remove-tree.js';
import { parseK8sLine, type LogCodec, type LogRecord } from './codec.js';
import type { LogFileWriter } from './log-file.js';

/** conmon.log size after which berthd asks conmon for a fresh file. */
export const STAGING_REOPEN = 4 * 1024 * 1024;
/**
 * conmon's own --log-size-max for conmon.log: a bound while berthd is down (conmon then starts
 * the file over, dropping what berthd has not read). conmon counts it across the files berthd
 * asks it to start (its counter is reset only when it starts one by itself), so this is how
 * often conmon moves on unasked: a file berthd asked for that conmon leaves again before berthd
 * opened it would be lost. 1 GiB of output between two such moves keeps that rare.
 */
export const STAGING_CAP = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** docker's longest record: a longer line is cut into partial records of this size. */
const PARTIAL_MAX = 16 * 1024;
/** The cursor file's width: its JSON, padded with spaces (JSON.parse ignores them). */
const CURSOR_WIDTH = 160;

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
  /**
   * conmon.log files still to read, oldest first: the head is being read; the others are the
   * files conmon moved on to, opened as soon as they are seen so a later move cannot lose them.
   */
  private files: Array<{ fd: number; ino: number }> = [];
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);
  /**
   * Per stream (index 1, 2), the first bytes of a character that a cut record ended in: they go
   * at the start of the stream's next record, so the json-file driver (which stores text) never
   * sees half a character and a log reads back byte-exact.
   */
  private readonly split: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)];
  private running?: Promise<void>;
  private again = false;
  /** The inode of the file berthd last asked conmon to move on from. */
  private reopenAskedFor = 0;
  private closed = false;
  /** Why the last pass failed (a full disk): it is tried again from where it began. */
  private failed?: Error;
  private cursorFd?: number;
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
      .then(() => (this.failed = undefined))
      .catch((e: Error) => {
        this.failed = e;
        console.error(`berthd: log copy from ${this.staging} failed: ${e.message}`);
      })
      .finally(() => (this.running = undefined));
  }

  /** Resolves once everything conmon has written so far is in the driver's file. */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  /**
   * Final pass after the container exited: copies the rest, ends followers, removes conmon.log.
   * False when the copy could not end (a full disk): conmon.log and the cursor stay.
   */
  async finish(): Promise<boolean> {
    await this.flush();
    let copied = !this.failed;
    if (copied) {
      try {
        // The container's output has ended: a line it left unfinished is copied as it is.
        const head = this.files[0];
        if (head && this.rest.length) await this.consume(head.ino, Buffer.alloc(0), true);
        // Half a character the output ended in is stored as it is (the codec makes it U+FFFD).
        const ends = ([1, 2] as const).filter((s) => this.split[s]!.length).map((stream): LogRecord => ({ stream, timeNs: BigInt(Date.now()) * 1_000_000n, data: this.split[stream]! }));
        if (ends.length) await this.store(ends, head?.ino ?? 0);
      } catch (e) {
        console.error(`berthd: log copy from ${this.staging} failed: ${(e as Error).message}`);
        copied = false;
      }
    }
    this.closed = true;
    if (this.cursorFd !== undefined) closeSync(this.cursorFd);
    this.cursorFd = undefined;
    for (const f of this.files) closeSync(f.fd);
    this.files = [];
    this.writer.close();
    for (const l of this.listeners) l(null);
    this.listeners.clear();
    // conmon.log and the cursor stay when the copy could not end (a full disk): the next reader
    // of the logs finishes it (ContainerLogs.catchUp), from the last batch stored.
    // Two unlinks at once (removeFile), where fs.rm's lstat and unlink were four pool round trips on every exit.
    if (copied) await Promise.all([removeFile(this.staging), removeFile(this.cursorFile)]);
    // A cursor whose first write found the disk full is empty: no batch was recorded, so the
    // copy that finishes this starts at 0 without it (and no torn file stays).
    else if (!readCursor(this.cursorFile)) await removeFile(this.cursorFile);
    return copied;
  }

  /** Opens the file now at the path unless it is the newest already open; false if there is none. */
  private discover(): boolean {
    let fd: number;
    try {
      if (this.files.length && statSync(this.staging).ino === this.files[this.files.length - 1]!.ino) return true;
      fd = openSync(this.staging, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.files.length > 0;
      throw e;
    }
    const ino = fstatSync(fd).ino;
    if (this.files.length && ino === this.files[this.files.length - 1]!.ino) {
      closeSync(fd);
      return true;
    }
    this.files.push({ fd, ino });
    if (this.files.length === 1) {
      // The first file: resume where the cursor says when it is the one the cursor was about.
      this.rest = Buffer.alloc(0);
      const cur = readCursor(this.cursorFile);
      this.offset = cur && cur.ino === ino ? cur.offset : 0;
      // A crash between writing records and saving the cursor: drop them, they are copied again.
      if (cur && cur.ino === ino && cur.logIno !== undefined && cur.logSize !== undefined) this.writer.rewindTo(cur.logIno, cur.logSize);
    }
    return true;
  }

  private async pass(): Promise<void> {
    if (!this.files.length && !this.discover()) return;
    for (;;) {
      // Seen before this read: then an end of file below is the head's end for good (conmon
      // writes only to the newest file).
      const moved = this.files.length > 1;
      const head = this.files[0]!;
      // A fresh buffer each read (records handed to followers are views into it), as large as
      // what is there: every running container is kicked each second, and a 1 MiB buffer per
      // pass, mostly for empty reads, grew berthd's RSS by a third under load (200 containers)
      // through the allocator's fragmentation; a follower's short line keeps only its read.
      const size = fstatSync(head.fd).size;
      if (size < this.offset) {
        // conmon started this file over (its own --log-size-max, reached while berthd was down
        // or far behind): what it held is gone; read what it holds now.
        this.offset = 0;
        this.rest = Buffer.alloc(0);
      }
      const want = Math.min(size - this.offset, CHUNK);
      const buf = want > 0 ? Buffer.allocUnsafe(want) : undefined;
      const n = buf ? readSync(head.fd, buf, 0, want, this.offset) : 0;
      if (buf && n > 0) {
        // A batch that cannot be stored (a full disk) is taken back whole: the driver's file
        // loses its torn end, and the next pass reads the batch again.
        const before = { offset: this.offset, rest: this.rest, split: [...this.split], at: this.writer.position() };
        this.offset += n;
        try {
          await this.consume(head.ino, buf.subarray(0, n));
        } catch (e) {
          this.offset = before.offset;
          this.rest = before.rest;
          this.split.splice(0, 3, ...before.split);
          this.writer.rewindTo(before.at.ino, before.at.size);
          throw e;
        }
        // While berthd is behind, conmon may move on more than once: each new file is opened
        // at once, and conmon is asked to move on from a big newest file as soon as it is seen.
        this.discover();
        await this.askReopenIfBig();
        continue;
      }
      if (moved) {
        // This file is complete: a line it left unfinished is copied as it is.
        if (this.rest.length) await this.consume(head.ino, Buffer.alloc(0), true);
        closeSync(head.fd);
        this.files.shift();
        this.offset = 0;
        this.rest = Buffer.alloc(0);
        continue;
      }
      this.discover();
      if (this.files.length > 1) continue;
      break;
    }
    await this.askReopenIfBig();
  }

  /**
   * The cursor, rewritten in place at a fixed width on a descriptor kept open: truncating and
   * rewriting the file (writeFileSync) cost a `logs -f` line ~3 ms on ext4, which flushes a
   * file truncated to zero when it is closed.
   */
  private saveCursor(c: Cursor): void {
    this.cursorFd ??= openSync(this.cursorFile, constants.O_WRONLY | constants.O_CREAT, 0o600);
    const text = JSON.stringify(c);
    const buf = Buffer.alloc(Math.max(CURSOR_WIDTH, text.length + 1), 0x20);
    buf.write(text, 0, 'latin1');
    buf[buf.length - 1] = 10;
    writeSync(this.cursorFd, buf, 0, buf.length, 0);
  }

  private async askReopenIfBig(): Promise<void> {
    const newest = this.files[this.files.length - 1];
    if (!newest || newest.ino === this.reopenAskedFor || fstatSync(newest.fd).size < STAGING_REOPEN) return;
    if (!(await this.askReopen())) return;
    this.reopenAskedFor = newest.ino;
    // Open the new file as soon as conmon has made it (it answers within a few ms): until then
    // a move conmon makes by itself (STAGING_CAP) would take the new file's name away.
    for (let waited = 0; waited < 100 && this.statIno() === newest.ino; waited++) await new Promise((r) => setTimeout(r, 1));
    this.discover();
  }

  private statIno(): number | undefined {
    try {
      return statSync(this.staging).ino;
    } catch {
      return undefined;
    }
  }

  /**
   * Copies the whole records in rest + chunk. conmon cuts a line wherever one of its reads ends
   * (a partial record, "P"), even mid-character; docker cuts only lines longer than 16 KiB. So
   * a line's partial records are joined again (up to PARTIAL_MAX), and a line still unfinished
   * at the end of what is there waits in `rest` for its end (in conmon.log: the cursor stays
   * before it), unless `final` (the file or the container's output has ended).
   */
  private async consume(ino: number, chunk: Buffer, final = false): Promise<void> {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const records: LogRecord[] = [];
    let group: { first: LogRecord; parts: Buffer[]; size: number; from: number } | undefined;
    const emit = (): void => {
      if (!group) return;
      const { first, parts } = group;
      records.push(parts.length === 1 ? first : { stream: first.stream, timeNs: first.timeNs, data: Buffer.concat(parts, group.size) });
      group = undefined;
    };
    let start = 0;
    let nl: number;
    while ((nl = data.indexOf(10, start)) >= 0) {
      const r = parseK8sLine(data, start, nl);
      if (r) {
        const partial = r.data.length === 0 || r.data[r.data.length - 1] !== 10;
        if (group && group.first.stream === r.stream) {
          group.parts.push(r.data);
          group.size += r.data.length;
          if (!partial || group.size >= PARTIAL_MAX) emit();
        } else {
          // Output of the other stream between: the unfinished line goes as it is.
          emit();
          if (partial && r.data.length < PARTIAL_MAX) group = { first: r, parts: [r.data], size: r.data.length, from: start };
          else records.push(r);
        }
      }
      start = nl + 1;
    }
    if (group && !final) {
      start = group.from;
      group = undefined;
    }
    emit();
    this.rest = Buffer.from(data.subarray(start));
    if (final) this.rest = Buffer.alloc(0);
    await this.store(this.keepCharactersWhole(records), ino);
  }

  /**
   * A record cut mid-line (at 16 KiB, at another stream's output, at the end of a file conmon
   * moved on from) can end mid-character: those bytes move to the stream's next record.
   */
  private keepCharactersWhole(records: LogRecord[]): LogRecord[] {
    const out: LogRecord[] = [];
    for (const r of records) {
      const before = this.split[r.stream]!;
      let data = before.length ? Buffer.concat([before, r.data]) : r.data;
      this.split[r.stream] = Buffer.alloc(0);
      const cut = data.length && data[data.length - 1] !== 10 ? incompleteCharacterAtEnd(data) : 0;
      if (cut) {
        this.split[r.stream] = Buffer.from(data.subarray(data.length - cut));
        data = data.subarray(0, data.length - cut);
      }
      if (data.length) out.push(data === r.data ? r : { ...r, data });
    }
    return out;
  }

  private async store(records: LogRecord[], ino: number): Promise<void> {
    if (!records.length) return;
    const { bytes, ends } = this.codec.encodeMany(records);
    for (let done = 0; done < ends.length; ) {
      done = this.writer.write(bytes, ends, done);
      if (done < ends.length) await this.writer.idle();
    }
    const at = this.writer.position();
    this.saveCursor({ ino, offset: this.offset - this.rest.length, logIno: at.ino, logSize: at.size });
    for (const l of this.listeners) l(records);
  }
}

/**
 * What conmon kept that a copy stopped by a full disk has not stored: conmon.log past the cursor,
 * in order, a batch per chunk read, without writing anything. A read of the logs meanwhile shows
 * these after the driver's file, so no line conmon kept is missing from it.
 */
export function* unstoredRecords(staging: string, cursorFile: string): Generator<LogRecord[]> {
  let fd: number;
  try {
    fd = openSync(staging, 'r');
  } catch {
    return;
  }
  try {
    const { size, ino } = fstatSync(fd);
    const cur = readCursor(cursorFile);
    let at = cur && cur.ino === ino ? cur.offset : 0;
    let rest: Buffer = Buffer.alloc(0);
    // A line's partial records joined, as the copy joins them (up to PARTIAL_MAX).
    let line: LogRecord | undefined;
    while (at < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - at));
      const n = readSync(fd, buf, 0, buf.length, at);
      if (!n) break;
      at += n;
      const data = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      const out: LogRecord[] = [];
      let start = 0;
      let nl: number;
      while ((nl = data.indexOf(10, start)) >= 0) {
        const r = parseK8sLine(data, start, nl);
        start = nl + 1;
        if (!r) continue;
        if (line && line.stream === r.stream) line = { ...line, data: Buffer.concat([line.data, r.data]) };
        else {
          if (line) out.push(line);
          line = r;
        }
        const partial = r.data.length === 0 || r.data[r.data.length - 1] !== 10;
        if (!partial || line.data.length >= PARTIAL_MAX) {
          out.push(line);
          line = undefined;
        }
      }
      rest = Buffer.from(data.subarray(start));
      if (out.length) yield out;
    }
    if (line) yield [line];
  } finally {
    closeSync(fd);
  }
}

/** How many bytes at buf's end begin a UTF-8 character that is not complete (0 to 3). */
export function incompleteCharacterAtEnd(buf: Buffer): number {
  // Back over up to 3 continuation bytes (10xxxxxx) to the byte that leads them.
  let k = 0;
  while (k < 3 && k < buf.length && (buf[buf.length - 1 - k]! & 0xc0) === 0x80) k++;
  if (k === buf.length) return 0;
  const lead = buf[buf.length - 1 - k]!;
  const want = lead >= 0xf0 && lead <= 0xf7 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc0 && lead < 0xe0 ? 2 : 1;
  return k + 1 < want ? k + 1 : 0;
}

function readCursor(file: string): Cursor | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Cursor;
    return typeof c.ino === 'number' && typeof c.offset === 'number' ? c : undefined;
  } catch {
    return undefined;
  }
}
