// Content digests as OCI writes them: "sha256:<64 lowercase hex>" (image-spec descriptor.md).
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Throws InvalidArgumentError unless `s` is a sha256 digest; returns its hex part. */
export function digestHex(s: string): string {
  if (!DIGEST_RE.test(s)) throw new InvalidArgumentError(`invalid digest: ${JSON.stringify(s)}`);
  return s.slice(7);
}

export function sha256Digest(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Chain IDs name a stack of layers (image-spec config.md, "Layer ChainID"):
 * ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
 * Returns one chain ID per diff ID, bottom layer first.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    digestHex(d);
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}

/** The diff ID of an empty layer: a tar of nothing but its 1024-byte end marker. */
export const EMPTY_LAYER_DIFF_ID = sha256Digest(Buffer.alloc(1024));

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** Valid once the stream has ended. */
  digest(): string {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }
}
