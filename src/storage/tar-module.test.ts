import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { loadTar, XATTR_PAX_PREFIX } from './tar-module.js';

test('pax xattr values round-trip as bytes; other pax values stay UTF-8', async () => {
  const tar = await loadTar();
  const cap = Buffer.from('0100000280200000000000000000000000000000', 'hex');
  const longName = `dir/${'é'.repeat(80)}/f`;
  const pack = tar.pack();
  pack.entry({ name: longName, pax: { [`${XATTR_PAX_PREFIX}security.capability`]: cap.toString('latin1') } }, 'x');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const ex = tar.extract();
  const seen: Array<{ name: string; pax?: Record<string, string> }> = [];
  ex.on('entry', (h, s, next) => {
    seen.push({ name: h.name, pax: h.pax as Record<string, string> | undefined });
    s.resume();
    s.on('end', next);
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve).on('error', reject);
    Readable.from([Buffer.concat(chunks)]).pipe(ex);
  });
  assert.equal(seen[0]!.name, longName);
  assert.deepEqual(Buffer.from(seen[0]!.pax![`${XATTR_PAX_PREFIX}security.capability`]!, 'latin1'), cap);
});
