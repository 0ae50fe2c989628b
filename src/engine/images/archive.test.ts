import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../../host/command.js';
import { sha256Digest } from '../../storage/digest.js';
import { busyboxTar, makeTar, mountOverlay, tempDir, unmount } from '../../storage/tar-fixtures.js';
import { commitLayer, importRootfs, loadImages, saveImages } from './archive.js';
import { RwLayerStore } from '../../storage/rw-layer.js';
import { ImageStore } from './image-store.js';

const noUsers = (): [] => [];
const hasSkopeo = await runCommand('skopeo', ['--version'], { allowFailure: true }).then((r) => r.code === 0, () => false);

/** Every path of a tree with type, mode, owner, size, content hash or link target, mtime. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await fs.readdir(path.join(root, rel))).sort()) {
      const r = path.join(rel, name);
      const p = path.join(root, r);
      const st = await fs.lstat(p);
      let what = '';
      if (st.isFile()) what = createHash('sha256').update(await fs.readFile(p)).digest('hex');
      else if (st.isSymbolicLink()) what = `-> ${await fs.readlink(p)}`;
      out.push(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? '' : st.size} ${what} ${st.mtimeMs}`);
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}

async function tarNames(file: string): Promise<string[]> {
  return (await runCommand('tar', ['-tf', file])).stdout.split('\n').filter(Boolean);
}

describe('archive: import, save, load, commit', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ImageStore;
  let bbTar: string;
  let bbId: string;
  let bbFiles: string[];

  before(async () => {
    ({ dir, cleanup } = await tempDir('archive'));
    store = await ImageStore.open(path.join(dir, 'root'));
    bbTar = await busyboxTar(path.join(dir, 'busybox.tar'));
  });
  after(async () => cleanup());

  it('imports the busybox rootfs as a one-layer image with changes applied', async () => {
    const created = new Date('2000-01-01T00:00:00Z');
    bbId = await importRootfs(store, createReadStream(bbTar), { changes: ['CMD ["sh"]'], tag: 'busybox:latest', created });
    const img = store.resolve('busybox');
    assert.equal(img.id, bbId);
    assert.deepEqual(img.config.config?.Cmd, ['sh']);
    assert.equal(img.config.os, 'linux');
    assert.deepEqual(img.config.rootfs.diff_ids, [sha256Digest(await fs.readFile(bbTar))]);
    assert.deepEqual(store.history(img).map((h) => [h.Comment, h.CreatedBy, h.Tags]), [['Imported from -', '', ['busybox:latest']]]);
    const diff = store.layers.diffDir(store.chainIds(img)[0]!);
    const sh = await fs.stat(path.join(diff, 'bin/sh'));
    assert.equal(sh.ino, (await fs.stat(path.join(diff, 'bin/busybox'))).ino, 'applets are hardlinks');
    assert.equal((await fs.stat(path.join(diff, 'tmp'))).mode & 0o7777, 0o1777);
    assert.match(await fs.readFile(path.join(diff, 'etc/passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
    bbFiles = await snapshot(diff);
    // The same tar at the same time is the same image: the ID is reproducible.
    assert.equal(await importRootfs(store, createReadStream(bbTar), { changes: ['CMD ["sh"]'], created }), bbId);
  });

  it('saves a tar that is docker-save and OCI layout at once, and save → rmi → load gives the same image', async () => {
    const saved = path.join(dir, 'saved.tar');
    await saveImages(store, ['busybox'], createWriteStream(saved));
    const names = await tarNames(saved);
    for (const n of ['manifest.json', 'index.json', 'oci-layout', 'repositories', `blobs/sha256/${bbId.slice(7)}`]) assert.ok(names.includes(n), n);
    const manifest = JSON.parse((await runCommand('tar', ['-xOf', saved, 'manifest.json'])).stdout) as { RepoTags: string[]; Layers: string[] }[];
    assert.deepEqual(manifest[0]!.RepoTags, ['busybox:latest']);

    const removed = await store.remove('busybox', {}, noUsers);
    assert.ok(removed.some((r) => r.Deleted === bbId));
    assert.throws(() => store.resolve('busybox'));
    assert.equal(store.layers.list().length, 0, 'layers gone with the image');

    const res = await loadImages(store, createReadStream(saved));
    assert.deepEqual(res.messages, ['Loaded image: busybox:latest']);
    assert.equal(store.resolve('busybox').id, bbId);
    assert.deepEqual(await snapshot(store.layers.diffDir(store.chainIds(bbId)[0]!)), bbFiles);
    assert.deepEqual(await fs.readdir(path.join(dir, 'root/layers/tmp')), []);

    // Loading again: nothing unpacked twice, same ID.
    const layersBefore = store.layers.list().length;
    assert.deepEqual((await loadImages(store, createReadStream(saved))).images.map((i) => i.id), [bbId]);
    assert.equal(store.layers.list().length, layersBefore);
  });

  it('says when a loaded tag moves from another image', async () => {
    const other = await importRootfs(store, (async function* () {
      yield await makeTar([{ name: 'other', content: 'x' }]);
    })(), { tag: 'busybox:latest' });
    const res = await loadImages(store, createReadStream(path.join(dir, 'saved.tar')));
    assert.deepEqual(res.messages, [
      `The image busybox:latest already exists, renaming the old one with ID ${other} to empty string`,
      'Loaded image: busybox:latest',
    ]);
    await store.remove(other, {}, noUsers);
  });

  it('loads the pre-25 docker-save layout (<id>/layer.tar, symlinked repeats, untagged)', async () => {
    const layer = await fs.readFile(bbTar);
    const config = await store.configBytes(bbId);
    const cfg2 = Buffer.from(JSON.stringify({ ...JSON.parse(config.toString()), comment: 'second' }));
    const v1a = 'a'.repeat(64);
    const v1b = 'b'.repeat(64);
    const archive = await makeTar([
      { name: `${v1a}/`, type: 'directory' },
      { name: `${v1a}/VERSION`, content: '1.0' },
      { name: `${v1a}/json`, content: '{"id":"x"}' },
      { name: `${v1a}/layer.tar`, content: layer },
      { name: `${v1b}/`, type: 'directory' },
      { name: `${v1b}/layer.tar`, type: 'symlink', linkname: `../${v1a}/layer.tar` },
      { name: `${bbId.slice(7)}.json`, content: config },
      { name: `${sha256Digest(cfg2).slice(7)}.json`, content: cfg2 },
      {
        name: 'manifest.json',
        content: JSON.stringify([
          { Config: `${bbId.slice(7)}.json`, RepoTags: ['legacy:1'], Layers: [`${v1a}/layer.tar`] },
          { Config: `${sha256Digest(cfg2).slice(7)}.json`, RepoTags: null, Layers: [`${v1b}/layer.tar`] },
        ]),
      },
      { name: 'repositories', content: JSON.stringify({ legacy: { 1: v1a } }) },
    ]);
    const res = await loadImages(store, (async function* () {
      yield archive;
    })());
    assert.deepEqual(res.messages, ['Loaded image: legacy:1', `Loaded image ID: ${sha256Digest(cfg2)}`]);
    assert.equal(store.resolve('legacy:1').id, bbId);
    assert.deepEqual(store.chainIds(sha256Digest(cfg2)), store.chainIds(bbId));
    await store.untag('legacy:1');
    await store.remove(sha256Digest(cfg2), {}, noUsers);
  });

  it('refuses an archive whose layer does not match the config, leaving nothing behind', async () => {
    const config = JSON.parse((await store.configBytes(bbId)).toString()) as { rootfs: { diff_ids: string[] } };
    config.rootfs.diff_ids = [sha256Digest('not this')];
    const cfg = Buffer.from(JSON.stringify(config));
    const layersBefore = store.layers.list().length;
    const archive = await makeTar([
      { name: 'layer.tar', content: await makeTar([{ name: 'f', content: 'f' }]) },
      { name: 'config.json', content: cfg },
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: ['bad:1'], Layers: ['layer.tar'] }]) },
    ]);
    await assert.rejects(loadImages(store, (async function* () {
      yield archive;
    })()), /invalid diffID for layer 0/);
    assert.equal(store.layers.list().length, layersBefore);
    assert.deepEqual(await fs.readdir(path.join(dir, 'root/layers/tmp')), []);
    assert.throws(() => store.resolve('bad:1'));
  });

  it('loads an OCI image layout with gzip layers, as skopeo writes it', { skip: !hasSkopeo && 'skopeo not installed' }, async () => {
    const saved = path.join(dir, 'saved.tar');
    const oci = path.join(dir, 'oci');
    await runCommand('skopeo', ['copy', '--dest-compress', '--dest-compress-format', 'gzip', `docker-archive:${saved}`, `oci:${oci}:busybox:oci`]);
    const ociTar = path.join(dir, 'oci.tar');
    await runCommand('tar', ['-C', oci, '-cf', ociTar, '.']);
    const res = await loadImages(store, createReadStream(ociTar));
    assert.deepEqual(res.messages, ['Loaded image: busybox:oci']);
    const img = store.resolve('busybox:oci');
    // skopeo rewrites the config as an OCI config, so the ID differs; the layers must not.
    const index = JSON.parse(await fs.readFile(path.join(oci, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(await fs.readFile(path.join(oci, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as {
      config: { digest: string };
      layers: { mediaType: string; digest: string }[];
    };
    assert.equal(img.id, manifest.config.digest);
    assert.match(manifest.layers[0]!.mediaType, /gzip/);
    assert.deepEqual(store.chainIds(img), store.chainIds(bbId));

    // And skopeo's docker-archive (config as <hex>.json, layers as <hex>.tar) loads too.
    const legacy = path.join(dir, 'skopeo-archive.tar');
    await runCommand('skopeo', ['copy', `oci:${oci}:busybox:oci`, `docker-archive:${legacy}:busybox:skopeo`]);
    const res2 = await loadImages(store, createReadStream(legacy));
    assert.deepEqual(res2.messages, ['Loaded image: busybox:skopeo']);
    assert.equal(store.resolve('busybox:skopeo').id, img.id);
    await store.remove(img.id, { force: true }, noUsers);
  });

  it('commits a container upper dir as a new layer with changes and history', async () => {
    const rw = new RwLayerStore(store.layers, (id) => path.join(dir, 'ctr', id));
    const top = store.chainIds(bbId).at(-1)!;
    await rw.prepare('c');
    const merged = await rw.mount({ id: 'c', parent: top });
    try {
      await fs.writeFile(path.join(merged, 'root/note'), 'committed\n');
      await fs.rm(path.join(merged, 'etc/group'));
    } finally {
      await rw.unmount('c');
    }
    const id = await commitLayer(store, {
      containerId: 'c'.repeat(64),
      layer: () => rw.commit({ id: 'c', parent: top }),
      imageId: bbId,
      changes: ['ENV COMMITTED=1', 'CMD ["cat", "/root/note"]'],
      author: 'tester',
      comment: 'a commit',
      containerCmd: ['sh', '-c', 'echo'],
      tags: ['committed:1'],
    });
    const img = store.resolve('committed:1');
    assert.equal(img.id, id);
    assert.equal(img.parent, bbId);
    assert.equal(img.config.rootfs.diff_ids.length, 2);
    assert.deepEqual(img.config.config?.Cmd, ['cat', '/root/note']);
    assert.deepEqual(img.config.config?.Env, ['COMMITTED=1']);
    assert.equal(img.config.container, 'c'.repeat(64));
    const h = store.history(img);
    assert.deepEqual(h.map((x) => [x.Id, x.CreatedBy, x.Comment]), [[id, 'sh -c echo', 'a commit'], [bbId, '', 'Imported from -']]);
    const check = path.join(dir, 'ctr/check');
    await mountOverlay(check, store.layerDirs(img));
    try {
      assert.equal(await fs.readFile(path.join(check, 'root/note'), 'utf8'), 'committed\n');
      await assert.rejects(fs.access(path.join(check, 'etc/group')));
      assert.ok((await fs.stat(path.join(check, 'bin/sh'))).isFile());
    } finally {
      await unmount(check);
    }

    // Nothing changed: docker records an empty layer and adds none.
    await rw.prepare('d');
    const id2 = await commitLayer(store, { containerId: 'd'.repeat(64), layer: () => rw.commit({ id: 'd', parent: store.chainIds(id).at(-1)! }), imageId: id });
    await rw.remove('d');
    await rw.remove('c');
    const img2 = store.get(id2)!;
    assert.deepEqual(img2.config.rootfs.diff_ids, img.config.rootfs.diff_ids);
    assert.equal(img2.config.history?.at(-1)?.empty_layer, true);
    await store.remove(id2, {}, noUsers);
    await store.remove('committed:1', {}, noUsers);
  });
});
