// Immutable blobs addressed by digest, as containerd's content store: <root>/blobs/sha256/<hex>.
// A blob is written to a temp file while it is hashed, verified, fsynced and only then renamed
// into place, so a blob path that exists always holds the bytes its name promises. A crash
// leaves at worst a temp file (removed on open) or an unreferenced blob (removed by GC).
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { syncDir } from './atomic-file.js';
import { digestHex, isDigest } from './digest.js';

export interface BlobInfo {
  /** "sha256:<hex>" */
  digest: string;
  size: number;
}

/** An open blob being written: bytes go in, `commit` names it by what was written. */
export interface BlobWriter {
  write(chunk: Buffer): Promise<void>;
  /** Verifies `expected` when given, fsyncs and renames into place. */
  commit(expected?: string): Promise<BlobInfo>;
  /** Drops the temp file; safe to call after commit (then it does nothing). */
  abort(): Promise<void>;
}

export class ContentStore {
  private readonly blobDir: string;
  private readonly tmpDir: string;

  private constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = path.join(root, 'blobs', 'tmp');
  }

  /** Opens (creating if needed) the store under `root`, removing temp files a crash left. */
  static async open(root: string): Promise<ContentStore> {
    const store = new ContentStore(root);
    await fs.mkdir(store.blobDir, { recursive: true, mode: 0o700 });
    await fs.rm(store.tmpDir, { recursive: true, force: true });
    await fs.mkdir(store.tmpDir, { recursive: true, mode: 0o700 });
    return store;
  }

  /** Where the blob lives (whether or not it exists). */
  path(digest: string): string {
    return path.join(this.blobDir, digestHex(digest));
  }

  async writer(): Promise<BlobWriter> {
    const tmp = path.join(this.tmpDir, randomBytes(12).toString('hex'));
    const fh = await fs.open(tmp, 'wx', 0o600);
    return new FileBlobWriter(tmp, fh, async (digest) => {
      await fs.rename(tmp, this.path(digest));
      await syncDir(this.blobDir);
    });
  }

  /** Stores bytes or a stream; with `expected`, a digest mismatch fails and stores nothing. */
  async put(data: Buffer | Readable | AsyncIterable<Buffer>, expected?: string): Promise<BlobInfo> {
    if (expected !== undefined && !isDigest(expected)) throw new InvalidArgumentError(`invalid digest: ${expected}`);
    const w = await this.writer();
    try {
      if (Buffer.isBuffer(data)) await w.write(data);
      else for await (const chunk of data) await w.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      return await w.commit(expected);
    } finally {
      await w.abort();
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      await fs.access(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async info(digest: string): Promise<BlobInfo> {
    try {
      const st = await fs.stat(this.path(digest));
      return { digest, size: st.size };
    } catch {
      throw new NotFoundError(`content ${digest}: not found`);
    }
  }

  /** The whole blob in memory: for configs and manifests, never for layers. */
  async get(digest: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(digest));
    } catch {
      throw new NotFoundError(`content ${digest}: not found`);
    }
  }

  /** A stream of the blob; fails with NotFoundError before returning if it is missing. */
  async open(digest: string): Promise<Readable> {
    const fh = await fs.open(this.path(digest), 'r').catch(() => {
      throw new NotFoundError(`content ${digest}: not found`);
    });
    return createReadStream('', { fd: fh, autoClose: true });
  }

  /** Returns whether a blob was removed. */
  async delete(digest: string): Promise<boolean> {
    try {
      await fs.unlink(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const name of await fs.readdir(this.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const st = await fs.stat(path.join(this.blobDir, name)).catch(() => undefined);
      if (st?.isFile()) out.push({ digest: `sha256:${name}`, size: st.size });
    }
    return out;
  }
}

class FileBlobWriter implements BlobWriter {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private done = false;

  constructor(
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly place: (digest: string) => Promise<void>,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }

  async commit(expected?: string): Promise<BlobInfo> {
    const digest = `sha256:${this.hash.digest('hex')}`;
    if (expected !== undefined && expected !== digest) {
      throw new InvalidArgumentError(`failed to verify content: expected ${expected}, got ${digest}`);
    }
    await this.fh.sync();
    await this.fh.close();
    this.done = true;
    await this.place(digest);
    return { digest, size: this.size };
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }
}

/**
 * A pass-through stream that also writes everything through it into `writer`, in order. The
 * writes run behind the stream (up to TEE_WINDOW chunks), so decompressing and unpacking do not
 * wait for each blob write; the stream ends only once every write is done, and the first write
 * error fails it.
 */
const TEE_WINDOW = 32;
export function teeToBlob(writer: BlobWriter): Transform {
  let chain: Promise<void> = Promise.resolve();
  let inflight = 0;
  let failed: Error | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      if (failed) return cb(failed);
      inflight++;
      chain = chain.then(() => (failed ? undefined : writer.write(chunk))).then(
        () => void inflight--,
        (e: Error) => {
          inflight--;
          failed ??= e;
        },
      );
      if (inflight < TEE_WINDOW) cb(null, chunk);
      else chain.then(() => cb(failed ?? null, failed ? undefined : chunk), cb);
    },
    flush(cb: TransformCallback) {
      chain.then(() => cb(failed ?? null), cb);
    },
  });
}
