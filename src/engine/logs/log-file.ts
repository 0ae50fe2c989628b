// A driver's log file with docker's rotation (moby daemon/logger/loggerutils/logfile.go): before
// a record is written, a file that has reached max-size is rotated: with max-file ≥ 2, FILE.1 …
// FILE.(n-2) move up one (the oldest drops off), FILE becomes FILE.1 and a new FILE starts; with
// compress, FILE.1 is gzipped to FILE.1.gz afterwards; with max-file 1 the file starts over.
// Writes are synchronous so readers that snapshot the files in one tick see whole records.
import { closeSync, createReadStream, existsSync, fstatSync, ftruncateSync, openSync, readSync, renameSync, unlinkSync, writeSync, promises as fs } from 'node:fs';
import { createGzip, createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { LogPolicy } from './log-config.js';

export class LogFileWriter {
  private fd: number;
  private size: number;
  private compressing?: Promise<void>;

  constructor(readonly file: string, private readonly policy: Pick<LogPolicy, 'maxSize' | 'maxFile' | 'compress'>) {
    this.fd = openSync(file, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  /** Settles once no compression is in flight (a rotation must not start while one is). */
  idle(): Promise<void> {
    return this.compressing ?? Promise.resolve();
  }

  /**
   * Writes encoded records in order from record `first` (record i is bytes[ends[i-1], ends[i])),
   * rotating as they fill the file. Returns the index of the first record not written: short of
   * ends.length when a rotation has to wait for the previous compression (await idle()).
   */
  write(bytes: Buffer, ends: number[], first = 0): number {
    const max = this.policy.maxSize;
    let from = first ? ends[first - 1]! : 0;
    const flush = (to: number) => {
      for (let off = from; off < to; ) off += writeSync(this.fd, bytes, off, to - off);
      this.size += to - from;
      from = to;
    };
    if (max === undefined) {
      flush(ends.length ? ends[ends.length - 1]! : 0);
      return ends.length;
    }
    for (let i = first; i < ends.length; i++) {
      const start = i ? ends[i - 1]! : 0;
      if (this.size + (start - from) >= max) {
        flush(start);
        if (this.compressing) return i;
        this.rotate();
      }
    }
    flush(ends.length ? ends[ends.length - 1]! : 0);
    return ends.length;
  }

  private rotate(): void {
    const { maxFile, compress } = this.policy;
    closeSync(this.fd);
    if (maxFile < 2) {
      // Readers may be part-way through it: a new file under the name, never a truncation.
      unlinkQuiet(this.file);
    } else {
      const ext = compress ? '.gz' : '';
      unlinkQuiet(`${this.file}.${maxFile - 1}${ext}`);
      for (let i = maxFile - 1; i > 1; i--) renameQuiet(`${this.file}.${i - 1}${ext}`, `${this.file}.${i}${ext}`);
      renameQuiet(this.file, `${this.file}.1`);
      if (compress) this.compressing = compressFile(`${this.file}.1`).finally(() => (this.compressing = undefined));
    }
    this.fd = openSync(this.file, 'w', 0o640);
    this.size = 0;
  }

  /** Where the current file ends (its inode and size), for a cursor. */
  position(): { ino: number; size: number } {
    return { ino: fstatSync(this.fd).ino, size: this.size };
  }

  /**
   * Drops what was written after a cursor's position when the current file is still that one:
   * records a crash left written but not yet counted in the cursor, which will be copied again.
   */
  rewindTo(ino: number, size: number): void {
    // The file's own size: a write that failed part way (a full disk) left bytes not counted.
    const st = fstatSync(this.fd);
    if (st.ino !== ino || size >= st.size) return;
    ftruncateSync(this.fd, size);
    this.size = size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function renameQuiet(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** FILE.1 → FILE.1.gz; the plain file goes only once the compressed one is whole. */
async function compressFile(file: string): Promise<void> {
  try {
    await pipeline(createReadStream(file), createGzip(), (await fs.open(`${file}.gz`, 'w', 0o640)).createWriteStream());
    await fs.unlink(file);
  } catch {
    await fs.rm(`${file}.gz`, { force: true });
  }
}

/** The files of a log, oldest first (a plain rotated file wins over its half-written .gz). */
export function logFilesInOrder(file: string, maxFile: number): Array<{ path: string; gzip: boolean }> {
  const out: Array<{ path: string; gzip: boolean }> = [];
  // Files beyond max-file may remain from an earlier, larger setting: read them too.
  const upper = Math.max(maxFile, 1) + 8;
  for (let i = upper; i >= 1; i--) {
    const plain = `${file}.${i}`;
    if (existsSync(plain)) out.push({ path: plain, gzip: false });
    else if (existsSync(`${plain}.gz`)) out.push({ path: `${plain}.gz`, gzip: true });
  }
  if (existsSync(file)) out.push({ path: file, gzip: false });
  return out;
}

/**
 * Opens the log's files at this instant (one tick), so later rotations do not change what is
 * read: each file is read from its descriptor up to its size now.
 */
export interface SnapshotFile {
  fd: number;
  gzip: boolean;
  /** Its size when the snapshot was taken: what is read of it. */
  size: number;
}

export function snapshotLogFiles(file: string, maxFile: number): SnapshotFile[] {
  const out: SnapshotFile[] = [];
  for (const f of logFilesInOrder(file, maxFile)) {
    try {
      const fd = openSync(f.path, 'r');
      out.push({ fd, gzip: f.gzip, size: fstatSync(fd).size });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}

/** A snapshot file's bytes (decompressed), in chunks of 1 MiB; closes the descriptor when done. */
export function readSnapshotFile(f: SnapshotFile): AsyncIterable<Buffer> {
  if (f.size === 0) {
    closeSync(f.fd);
    return (async function* () {})();
  }
  // Big chunks: the reader's cost is per chunk as much as per byte (a promise, a batch, a write).
  const raw = createReadStream('', { fd: f.fd, start: 0, end: f.size - 1, autoClose: true, highWaterMark: 1024 * 1024 });
  if (!f.gzip) return raw;
  const gunzip = createGunzip();
  pipeline(raw, gunzip).catch(() => undefined);
  return gunzip;
}

/** Bytes [from, to) of a file, in a buffer of its own. */
export function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(to - from);
  let n = 0;
  while (n < buf.length) {
    const got = readSync(fd, buf, n, buf.length - n, from + n);
    if (got === 0) break;
    n += got;
  }
  return n === buf.length ? buf : buf.subarray(0, n);
}

/**
 * The whole lines of a file's first `size` bytes, from the end backwards: each block yielded
 * holds whole lines (newline-ended) in their order, and comes before the blocks of the lines
 * above it. A line longer than a block spans several reads. Each block is a buffer of its own.
 */
export function* readBackwards(fd: number, size: number, blockSize: number): Iterable<Buffer> {
  // What follows the current read: the start of a line that began in an earlier block.
  let carry: Buffer = Buffer.alloc(0);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - blockSize);
    const block = readRange(fd, start, end);
    const buf = carry.length ? Buffer.concat([block, carry]) : block;
    if (start === 0) {
      yield buf;
      return;
    }
    const nl = buf.indexOf(10);
    if (nl < 0 || nl === buf.length - 1) {
      carry = buf;
    } else {
      carry = Buffer.from(buf.subarray(0, nl + 1));
      yield buf.subarray(nl + 1);
    }
    end = start;
  }
  if (carry.length) yield carry;
}
