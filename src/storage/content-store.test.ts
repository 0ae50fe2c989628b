import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../errors.js';
import { ContentStore } from './content-store.js';
import { chainIds, sha256Digest } from './digest.js';
import { tempDir } from './tar-fixtures.js';

describe('ContentStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ContentStore;

  before(async () => {
    ({ dir, cleanup } = await tempDir('content'));
    store = await ContentStore.open(dir);
  });
  after(async () => cleanup());

  it('stores buffers and streams by digest', async () => {
    const a = await store.put(Buffer.from('hello'));
    assert.deepEqual(a, { digest: sha256Digest('hello'), size: 5 });
    const big = Buffer.alloc(3 << 20, 7);
    const b = await store.put(Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]));
    assert.equal(b.digest, sha256Digest(big));
    assert.ok(await store.has(a.digest));
    assert.deepEqual(await store.get(a.digest), Buffer.from('hello'));
    const chunks: Buffer[] = [];
    for await (const c of await store.open(b.digest)) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), big);
    assert.deepEqual((await store.list()).map((x) => x.digest).sort(), [a.digest, b.digest].sort());
    assert.equal(await fs.readFile(path.join(dir, 'blobs/sha256', a.digest.slice(7)), 'utf8'), 'hello');
  });

  it('verifies an expected digest and keeps nothing on mismatch', async () => {
    await assert.rejects(store.put(Buffer.from('x'), sha256Digest('y')), /failed to verify content/);
    assert.ok(!(await store.has(sha256Digest('x'))));
    assert.deepEqual(await fs.readdir(path.join(dir, 'blobs/tmp')), []);
    assert.equal((await store.put(Buffer.from('y'), sha256Digest('y'))).digest, sha256Digest('y'));
  });

  it('deletes, reports missing blobs, refuses malformed digests, cleans temp files on open', async () => {
    const d = sha256Digest('hello');
    assert.equal(await store.delete(d), true);
    assert.equal(await store.delete(d), false);
    await assert.rejects(store.get(d), NotFoundError);
    await assert.rejects(store.open(d), NotFoundError);
    await assert.rejects(store.put(Buffer.from('z'), 'md5:abc'), /invalid digest/);
    assert.throws(() => store.path('sha256:../../etc/passwd'), /invalid digest/);
    await fs.writeFile(path.join(dir, 'blobs/tmp/leftover'), 'half');
    await ContentStore.open(dir);
    assert.deepEqual(await fs.readdir(path.join(dir, 'blobs/tmp')), []);
  });

  it('computes chain IDs as the image spec defines them', () => {
    const [a, b] = [sha256Digest('a'), sha256Digest('b')];
    assert.deepEqual(chainIds([a, b]), [a, sha256Digest(`${a} ${b}`)]);
  });
});
