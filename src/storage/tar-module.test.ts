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

test('an archive that stops right after an entry\'s data ends there, as Go\'s archive/tar reads it; one cut anywhere else fails', async () => {
  const tar = await loadTar();
  const pack = tar.pack();
  pack.entry({ name: 'a' }, 'first');
  pack.entry({ name: 'b' }, 'x'.repeat(47));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const whole = Buffer.concat(chunks);
  const read = async (bytes: Buffer) => {
    const ex = tar.extract();
    const seen: string[] = [];
    ex.on('entry', (h, s, next) => {
      let body = '';
      s.on('error', () => undefined);
      s.on('data', (c: unknown) => (body += String(c)));
      s.on('end', () => {
        seen.push(`${h.name}:${body.length}`);
        next();
      });
    });
    await new Promise<void>((resolve, reject) => {
      ex.on('finish', resolve).on('error', reject);
      // Fed in small pieces, so the entry's reader may still hold its stream at the end.
      Readable.from(Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, (i + 1) * 100))).pipe(ex);
    });
    return seen;
  };
  const endOfB = 512 + 512 + 512 + 47;
  // As the docker CLI sends `docker build -f - DIR`: no padding after b's data, no zero blocks.
  assert.deepEqual(await read(whole.subarray(0, endOfB)), ['a:5', 'b:47']);
  assert.deepEqual(await read(whole), ['a:5', 'b:47']);
  for (const cut of [endOfB - 1, endOfB + 1, 512 + 512 + 100]) {
    await assert.rejects(read(whole.subarray(0, cut)), /Unexpected end of data/, `cut at ${cut}`);
  }
});
