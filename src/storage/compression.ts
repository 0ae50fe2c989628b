// Layer blobs arrive plain, gzip'd or zstd'd (image-spec layer.md media types); which one is
// told by the first bytes, as docker's archive.DecompressStream does, not by a media type.
import { Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { zstdBinary, zstdDecompressor } from '../host/zstd.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function detectCompression(head: Buffer): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/** A tar stream's first block: the "ustar" magic (POSIX/GNU) or all zeros (an empty archive). */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  return head.length >= 512 && head.subarray(0, 512).every((b) => b === 0);
}

export interface Peeked {
  /** At least `n` bytes from the start, fewer only if the stream is shorter. */
  head: Buffer;
  /** The whole stream again, head included. Destroying it stops the source. */
  stream: Readable;
}

/** Reads the first `n` bytes of a stream without losing them. */
export async function peek(source: AsyncIterable<Buffer | Uint8Array>, n: number): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    let finished = ended;
    try {
      if (head.length) yield head;
      while (!finished) {
        const r = await it.next();
        if (r.done) finished = true;
        else yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      }
    } finally {
      if (!finished) await it.return?.();
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** A decompressing transform for `c`, or undefined for plain data. */
export function decompressor(c: Compression): Transform | undefined {
  switch (c) {
    case 'none':
      return undefined;
    case 'gzip':
      return zlib.createGunzip();
    case 'zstd': {
      // zlib gained zstd in Node 22.15/23.8; before that the zstd CLI decodes (host/zstd.ts).
      const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      if (make) return make();
      const bin = zstdBinary();
      if (!bin) throw new InvalidArgumentError('zstd-compressed layers need the zstd program (apt-get install zstd) on this Node version');
      return zstdDecompressor(bin) as Transform;
    }
  }
}
