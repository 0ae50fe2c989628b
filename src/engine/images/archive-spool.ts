// The non-layer members of a `docker load` archive (manifest.json, index.json, configs, OCI
// manifests) spooled to files rather than held in memory until the archive has been read: an
// archive may carry many large junk members (24 of 16 MiB once took berthd's RSS from 64 to
// 481 MB). Each member is capped, and so is their total; a member is read back only when asked.
import { createWriteStream, readFileSync, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '../../errors.js';

/** What the archive parsers read: a name's bytes, if the archive had it. */
export interface ArchiveFiles {
  has(name: string): boolean;
  get(name: string): Buffer | undefined;
}

export class SpooledFiles implements ArchiveFiles {
  private readonly files = new Map<string, string>();
  private total = 0;
  private dir?: string;

  /** `parent` must exist and be cleaned at startup (the layer store's tmp/). */
  constructor(private readonly parent: string, readonly maxFile: number, readonly maxTotal: number) {}

  /** Spools one member; one over `maxFile` is skipped (never a manifest or config), as before. */
  async add(name: string, data: AsyncIterable<Buffer | Uint8Array>): Promise<void> {
    this.dir ??= await fs.mkdtemp(path.join(this.parent, 'load-'));
    const file = path.join(this.dir, randomBytes(8).toString('hex'));
    let size = 0;
    let skipped = false;
    // The caps in a transform, the file at the end of one pipeline: a write error of the file
    // (a full disk) fails the load. Written to by hand, the file's 'error' had no listener (an
    // uncaught exception) and the drain waited for never came.
    const capped = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        size += chunk.length;
        if (this.total + size > this.maxTotal) {
          cb(new InvalidArgumentError(`invalid archive: its non-layer files exceed ${this.maxTotal >> 20} MiB`));
          return;
        }
        if (size > this.maxFile) skipped = true;
        cb(null, skipped ? undefined : chunk);
      },
    });
    await pipeline(data, capped, createWriteStream(file, { mode: 0o600 }));
    this.total += size;
    if (skipped) await fs.rm(file, { force: true });
    else this.files.set(name, file);
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  get(name: string): Buffer | undefined {
    const f = this.files.get(name);
    return f === undefined ? undefined : readFileSync(f);
  }

  async remove(): Promise<void> {
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
  }
}
