import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { loadTar, XATTR_PAX_PREFIX } from './tar-module.js';
import { mapTarOwners } from './tar-owners.js';

const BASE = 131072;
const CAP_KEY = `${XATTR_PAX_PREFIX}security.capability`;

async function collect(r: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

test('owners are mapped; names, link targets, contents and xattr records pass unchanged', async () => {
  const tar = await loadTar();
  const cap = Buffer.from('0100000280200000000000000000000000000000', 'hex');
  const longName = `dir/${'d'.repeat(120)}/file`;
  const pack = tar.pack();
  pack.entry({ name: 'dir/', type: 'directory', uid: BASE, gid: BASE });
  pack.entry({ name: longName, uid: BASE + 1234, gid: BASE + 2345, pax: { [CAP_KEY]: cap.toString('latin1') } }, 'content');
  pack.entry({ name: 'dir/link', type: 'symlink', linkname: longName, uid: BASE, gid: BASE });
  // Past the octal field's 2097151 the ID is a pax record only.
  pack.entry({ name: 'dir/big', uid: 0, gid: 0, pax: { uid: '3000000', gid: '3000001' } }, '');
  pack.finalize();
  const input = await collect(pack as unknown as AsyncIterable<Uint8Array>);

  const mapped = await collect(await mapTarOwners(Readable.from([input]), (uid, gid) => ({ uid: uid - BASE, gid: gid - BASE })));

  // A real tar reads it, with the new owners.
  const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: mapped, encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(listing, ['0/0', '1234/2345', '0/0', `${3000000 - BASE}/${3000001 - BASE}`]);

  const seen: Array<{ name: string; linkname?: string | null; pax?: Record<string, string>; body: string }> = [];
  const ex = tar.extract();
  ex.on('entry', (h, s, next) => {
    void collect(s as unknown as AsyncIterable<Uint8Array>).then((b) => {
      seen.push({ name: h.name, linkname: h.linkname, pax: h.pax as Record<string, string> | undefined, body: b.toString() });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve).on('error', reject);
    Readable.from([mapped]).pipe(ex);
  });
  assert.deepEqual(seen.map((e) => e.name), ['dir/', longName, 'dir/link', 'dir/big']);
  assert.equal(seen[1]!.body, 'content');
  assert.deepEqual(Buffer.from(seen[1]!.pax![CAP_KEY]!, 'latin1'), cap);
  assert.equal(seen[2]!.linkname, longName);
});

test('a broken archive ends the mapped stream with an error', async () => {
  const garbage = Readable.from([Buffer.alloc(1024, 'x')]);
  await assert.rejects(collect(await mapTarOwners(garbage, (uid, gid) => ({ uid, gid }))));
});
