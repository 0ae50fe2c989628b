// The registry's storage on a real file system: concurrent writers of one link, adoption of
// verified temp files, hard links from a seed store, manifest and tag bookkeeping, catalog.
import { strict as assert } from 'node:assert';
import { promises as fs, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ContentStore } from '../storage/content-store.js';
import { sha256Digest } from '../storage/digest.js';
import { RegistryError } from './errors.js';
import { RegistryStore } from './registry-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-regstore-'));
after(() => fs.rm(dir, { recursive: true, force: true }));

async function tmpFile(store: RegistryStore, data: string): Promise<string> {
  const f = path.join(store.uploadDir, `t-${Math.random()}`);
  await fs.writeFile(f, data);
  return f;
}

test('many writers of the same blob, link and manifest at once all succeed', async () => {
  const store = await RegistryStore.open(path.join(dir, 'a'));
  const d = sha256Digest('layer');
  await Promise.all(Array.from({ length: 20 }, async () => store.adopt(await tmpFile(store, 'layer'), d)));
  await Promise.all(Array.from({ length: 20 }, () => store.linkBlob('r', d)));
  const m = Buffer.from('{"schemaVersion":2}');
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.putManifest('r', sha256Digest(m), 'application/vnd.oci.image.manifest.v1+json', m, `t${i % 3}`)));
  assert.equal(await store.blobSize('r', d), 5);
  assert.deepEqual(await store.listTags('r'), ['t0', 't1', 't2']);
  assert.deepEqual(await fs.readdir(store.uploadDir), []);
  // No temp files left beside the links.
  for (const sub of ['_layers', '_manifests', '_tags']) {
    assert.ok((await fs.readdir(path.join(store.repoDir, 'r', sub))).every((n) => !n.startsWith('.')), sub);
  }
});

test('a blob the seed store holds is hard-linked, not copied', async () => {
  const seed = await ContentStore.open(path.join(dir, 'seed'));
  const { digest } = await seed.put(Buffer.from('shared bytes'));
  const store = await RegistryStore.open(path.join(dir, 'b'), { seed });
  await store.adopt(await tmpFile(store, 'shared bytes'), digest);
  assert.equal(statSync(store.blobs.path(digest)).ino, statSync(seed.path(digest)).ino);
  assert.deepEqual(await fs.readdir(store.uploadDir), []);
});

test('manifest delete drops its tags; tag delete keeps the manifest; catalog lists nested names', async () => {
  const store = await RegistryStore.open(path.join(dir, 'c'));
  const m = Buffer.from('{"schemaVersion":2,"manifests":[]}');
  const d = sha256Digest(m);
  await store.putManifest('a/b/c', d, 'application/vnd.oci.image.index.v1+json', m, 'x');
  await store.putManifest('a/b/c', d, 'application/vnd.oci.image.index.v1+json', m, 'y');
  await store.putManifest('a', d, 'application/vnd.oci.image.index.v1+json', m, 'z');
  assert.deepEqual(await store.repositories(), ['a', 'a/b/c']);
  assert.equal(await store.resolveTag('a/b/c', 'y'), d);
  await store.deleteTag('a/b/c', 'y');
  assert.ok(await store.hasManifest('a/b/c', d));
  await store.deleteManifest('a/b/c', d);
  assert.deepEqual(await store.listTags('a/b/c'), []);
  await assert.rejects(store.getManifest('a/b/c', d), (e: unknown) => e instanceof RegistryError && e.code === 'MANIFEST_UNKNOWN');
  assert.equal((await store.getManifest('a', d)).mediaType, 'application/vnd.oci.image.index.v1+json');
  await assert.rejects(store.listTags('nothing'), (e: unknown) => e instanceof RegistryError && e.code === 'NAME_UNKNOWN');
});
