// Blob upload sessions (OCI distribution-spec, "Pushing blobs"): POST opens one, PATCH appends
// chunks, PUT ?digest= closes it. Bytes stream to a temp file under uploads/ while they are
// hashed, so a blob of any size is never held in memory; the digest is checked before the file
// is adopted into the blob store, and a mismatch leaves nothing behind. The hash state lives in
// memory, so sessions end with the process (the temp files are removed at the next start).
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Mutex } from '../storage/lock.js';
import { registryError } from './errors.js';
import type { RegistryStore } from './registry-store.js';

interface Session {
  id: string;
  repo: string;
  file: string;
  hash: Hash;
  size: number;
  /** PATCH and PUT of one session run one at a time. */
  lock: Mutex;
  touched: number;
}

export interface UploadStatus {
  id: string;
  size: number;
}

/** Sessions idle this long are dropped (distribution purges uploads after a week; clients retry). */
const IDLE_MS = 24 * 3600_000;

export class Uploads {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(private readonly store: RegistryStore) {
    this.sweeper = setInterval(() => void this.dropIdle(), 3600_000);
    this.sweeper.unref();
  }

  /** Starts the upload manager, removing temp files a previous process left. */
  static async open(store: RegistryStore): Promise<Uploads> {
    for (const n of await fs.readdir(store.uploadDir)) await fs.rm(path.join(store.uploadDir, n), { recursive: true, force: true });
    return new Uploads(store);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  async start(repo: string): Promise<UploadStatus> {
    const id = randomUUID();
    const file = path.join(this.store.uploadDir, id);
    await (await fs.open(file, 'wx', 0o600)).close();
    const s: Session = { id, repo, file, hash: createHash('sha256'), size: 0, lock: new Mutex(), touched: Date.now() };
    this.sessions.set(id, s);
    return { id, size: 0 };
  }

  private session(repo: string, id: string): Session {
    const s = this.sessions.get(id);
    if (!s || s.repo !== repo) throw registryError('BLOB_UPLOAD_UNKNOWN', { uuid: id });
    s.touched = Date.now();
    return s;
  }

  status(repo: string, id: string): UploadStatus {
    const s = this.session(repo, id);
    return { id, size: s.size };
  }

  /**
   * Appends a chunk. With `rangeStart` (from Content-Range) the chunk must start where the
   * upload ends, as the spec requires for chunked uploads; else RANGE_INVALID (416).
   */
  async append(repo: string, id: string, body: Readable, rangeStart?: number): Promise<UploadStatus> {
    const s = this.session(repo, id);
    return s.lock.run(async () => {
      if (!this.sessions.has(id)) throw registryError('BLOB_UPLOAD_UNKNOWN', { uuid: id });
      if (rangeStart !== undefined && rangeStart !== s.size) {
        throw registryError('RANGE_INVALID', { uuid: id, size: s.size }, `invalid content range: upload is at ${s.size}, chunk starts at ${rangeStart}`);
      }
      await this.write(s, body);
      return { id, size: s.size };
    });
  }

  /** Appends the last chunk (if any), verifies the digest and adopts the blob into `repo`. */
  async finish(repo: string, id: string, digest: string, body?: Readable): Promise<{ size: number }> {
    const s = this.session(repo, id);
    return s.lock.run(async () => {
      if (!this.sessions.has(id)) throw registryError('BLOB_UPLOAD_UNKNOWN', { uuid: id });
      try {
        // A whole blob in this request that the registry (or berthd) already holds: hash the
        // bytes to verify them but write nothing, so the blob is never stored twice.
        if (body && s.size === 0 && (await this.store.hasAnywhere(digest))) {
          await this.consume(s, body, undefined);
          verify(s, digest);
          if (!(await this.store.adoptExisting(digest))) throw registryError('BLOB_UPLOAD_INVALID', { digest }, 'blob upload invalid: the stored blob vanished during the upload; retry');
          await this.store.linkBlob(repo, digest);
          return { size: s.size };
        }
        if (body) await this.write(s, body);
        verify(s, digest);
        const fh = await fs.open(s.file, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await this.store.adopt(s.file, digest);
        await this.store.linkBlob(repo, digest);
        return { size: s.size };
      } finally {
        // Done or refused: either way the session is over and its temp file gone.
        this.sessions.delete(id);
        await fs.rm(s.file, { force: true });
      }
    });
  }

  async cancel(repo: string, id: string): Promise<void> {
    const s = this.session(repo, id);
    await s.lock.run(async () => {
      this.sessions.delete(id);
      await fs.rm(s.file, { force: true });
    });
  }

  /** A whole blob in one request (POST ?digest=). */
  async monolithic(repo: string, digest: string, body: Readable): Promise<{ size: number }> {
    const { id } = await this.start(repo);
    return this.finish(repo, id, digest, body);
  }

  /**
   * Streams a request body onto the session's file, hashing as it goes. Each chunk (64 KiB, as
   * the socket delivers it) is written with writeSync: a page-cache write takes tens of
   * microseconds, while an async write makes two thread hops per chunk, and on a loaded machine
   * each hop waits for the scheduler. Measured with skopeo pushing 200 MiB (bench/registry-server.ts):
   * async writes were slower than docker-registry, these are faster.
   */
  private async write(s: Session, body: Readable): Promise<void> {
    const fh = await fs.open(s.file, 'a');
    try {
      await this.consume(s, body, fh.fd);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Reads a body into the session's hash and, with `fd`, onto its file. */
  private async consume(s: Session, body: Readable, fd: number | undefined): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (e: Error) => {
          body.destroy();
          reject(e);
        };
        body.on('data', (chunk: Buffer) => {
          s.hash.update(chunk);
          s.size += chunk.length;
          if (fd === undefined) return;
          try {
            for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
          } catch (e) {
            fail(e as Error);
          }
        });
        body.once('end', () => resolve());
        // A client gone mid-chunk: the request errors ("aborted") and never ends.
        body.once('error', fail);
      });
    } catch (e) {
      // A broken chunk leaves the hash and file out of step: the session cannot continue.
      this.sessions.delete(s.id);
      await fs.rm(s.file, { force: true });
      throw registryError('BLOB_UPLOAD_INVALID', { uuid: s.id }, `blob upload invalid: ${(e as Error).message}`);
    }
  }

  private async dropIdle(): Promise<void> {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (now - s.touched > IDLE_MS) {
        this.sessions.delete(s.id);
        await fs.rm(s.file, { force: true });
      }
    }
  }
}

/** DIGEST_INVALID unless what the session received hashes to `digest`. */
function verify(s: Session, digest: string): void {
  const got = `sha256:${s.hash.copy().digest('hex')}`;
  if (got !== digest) {
    throw registryError('DIGEST_INVALID', { expected: digest, actual: got }, `digest invalid: provided digest ${digest} did not match uploaded content ${got}`);
  }
}
