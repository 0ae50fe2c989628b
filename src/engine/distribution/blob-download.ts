// A blob's bytes as one stream, however many connections it takes: when a transfer breaks
// (connection reset, registry restarted, idle timeout) the download resumes where it stopped
// with a Range request, as dockerd's transport.NewHTTPReadSeeker does. The bytes are not
// trusted here: whoever consumes the stream checks the digest (the content store does).
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryResponseError } from './errors.js';
import type { Descriptor } from './manifest.js';
import type { RegistryClient } from './registry-client.js';

export const MAX_ATTEMPTS = 5;

/** Yields the blob's bytes in order; `onBytes` gets the running total. */
export async function* blobBytes(client: RegistryClient, desc: Descriptor, onBytes: (done: number) => void, retryDelayMs = 250): AsyncGenerator<Buffer> {
  let offset = 0;
  let failures = 0;
  for (;;) {
    try {
      const { stream, start } = await client.getBlob(desc.digest, offset);
      try {
        let skip = offset - start; // the registry ignored Range: drop what we already have
        for await (const c of stream) {
          let chunk = c as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          offset += chunk.length;
          if (offset > desc.size) throw new BlobSizeError(`blob ${desc.digest} is larger than the ${desc.size} bytes its manifest gives`);
          onBytes(offset);
          failures = 0;
          yield chunk;
        }
      } finally {
        stream.destroy();
      }
      if (offset === desc.size) return;
      throw Object.assign(new Error(`unexpected EOF after ${offset} of ${desc.size} bytes`), { code: 'ECONNRESET' });
    } catch (err) {
      // A registry's refusal (404, 401) or an oversized blob will not change on retry.
      if (err instanceof RegistryResponseError || err instanceof BlobSizeError) throw err;
      if (++failures >= MAX_ATTEMPTS) throw err;
      await sleep(retryDelayMs * 2 ** (failures - 1));
    }
  }
}

export class BlobSizeError extends Error {
  override readonly name = 'BlobSizeError';
}
