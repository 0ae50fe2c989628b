import assert from 'node:assert/strict';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { ContentStore } from './content-store.js';
import { ChangeKind, changes, diffToTar, LayerStore, type LayerInfo } from './layer-store.js';
import { busyboxTar, mountOverlay, tempDir, unmount } from './tar-fixtures.js';
import { RwLayerStore } from './rw-layer.js';
import { runCommand } from '../host/command.js';
import { Writable } from 'node:stream';

async function mountTmpfs(target: string, size: string): Promise<void> {
  await runCommand('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', target]);
}

describe('overlay upper dir → docker diff and an OCI layer', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let layers: LayerStore;
  let base: LayerInfo;
  let upper: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir('ovldiff'));
    const content = await ContentStore.open(path.join(dir, 'root'));
    layers = await LayerStore.open(path.join(dir, 'root'), content);
    const bb = await busyboxTar(path.join(dir, 'busybox.tar'));
    base = await layers.apply(null, createReadStream(bb));

    // A "container": the busybox layer under a writable upper dir, changed through the mount.
    upper = path.join(dir, 'c/upper');
    const work = path.join(dir, 'c/work');
    const merged = path.join(dir, 'c/merged');
    await fs.mkdir(upper, { recursive: true });
    await fs.mkdir(work, { recursive: true });
    await mountOverlay(merged, layers.lowerDirs([base.chainId]), upper, work);
    try {
      const m = (p: string): string => path.join(merged, p);
      await fs.writeFile(m('hello.txt'), 'hello\n');
      await fs.appendFile(m('etc/passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
      await fs.rm(m('etc/group'));
      await fs.rm(m('var/www'), { recursive: true });
      await fs.rm(m('home'), { recursive: true });
      await fs.mkdir(m('home'));
      await fs.writeFile(m('home/new'), 'n');
      await fs.mkdir(m('newdir/sub'), { recursive: true });
      await fs.writeFile(m('newdir/sub/f'), 'f');
      await fs.writeFile(m('h1'), 'linked');
      await fs.link(m('h1'), m('h2'));
      await fs.symlink('hello.txt', m('s'));
      await fs.writeFile(m('etc/hostname'), 'runtime-made\n');
    } finally {
      await unmount(merged);
    }
  });
  after(async () => cleanup());

  it('lists changes as docker diff does', async () => {
    const list = await changes(upper, layers.lowerDirs([base.chainId]), { ignore: ['/etc/hostname'] });
    const has = (p: string, k: ChangeKind): boolean => list.some((c) => c.Path === p && c.Kind === k);
    assert.ok(has('/hello.txt', ChangeKind.Added));
    assert.ok(has('/etc', ChangeKind.Modified));
    assert.ok(has('/etc/passwd', ChangeKind.Modified));
    assert.ok(has('/etc/group', ChangeKind.Deleted));
    assert.ok(has('/var', ChangeKind.Modified), 'parent of a deletion is modified');
    assert.ok(has('/var/www', ChangeKind.Deleted));
    assert.ok(has('/home', ChangeKind.Deleted), 'an opaque dir over a lower one reads as deleted, as in docker');
    assert.ok(has('/home/new', ChangeKind.Added));
    assert.ok(has('/newdir', ChangeKind.Added));
    assert.ok(has('/newdir/sub/f', ChangeKind.Added));
    assert.ok(has('/s', ChangeKind.Added));
    assert.ok(!list.some((c) => c.Path === '/etc/hostname'), 'ignored path left out');
    assert.ok(!list.some((c) => c.Path === '/bin'), 'untouched dirs are not listed');
    assert.ok(list.findIndex((c) => c.Path === '/etc') < list.findIndex((c) => c.Path === '/etc/passwd'), 'parents first');
  });

  it('turns the upper dir into an OCI layer whose whiteouts hide the same files again', async () => {
    const tarFile = path.join(dir, 'diff.tar');
    await diffToTar(upper, layers.lowerDirs([base.chainId]), createWriteStream(tarFile), { ignore: ['/etc/hostname'] });

    const names: string[] = [];
    const extract = tar.extract();
    const reading = (async () => {
      for await (const e of extract) {
        names.push(e.header.name);
        e.resume();
      }
    })();
    createReadStream(tarFile).pipe(extract);
    await reading;
    assert.ok(names.includes('etc/.wh.group'));
    assert.ok(names.includes('var/.wh.www'));
    assert.ok(names.includes('home/.wh..wh..opq'));
    assert.ok(!names.includes('etc/hostname'));

    const top = await layers.apply(base.chainId, createReadStream(tarFile));
    const merged = path.join(dir, 'check');
    await mountOverlay(merged, layers.lowerDirs([base.chainId, top.chainId]));
    try {
      const m = (p: string): string => path.join(merged, p);
      assert.equal(await fs.readFile(m('hello.txt'), 'utf8'), 'hello\n');
      assert.match(await fs.readFile(m('etc/passwd'), 'utf8'), /^app:x:1000/m);
      await assert.rejects(fs.access(m('etc/group')));
      await assert.rejects(fs.access(m('var/www')));
      assert.deepEqual(await fs.readdir(m('home')), ['new']);
      assert.equal(await fs.readFile(m('newdir/sub/f'), 'utf8'), 'f');
      assert.equal((await fs.stat(m('h1'))).ino, (await fs.stat(m('h2'))).ino, 'hardlink kept');
      assert.equal(await fs.readlink(m('s')), 'hello.txt');
      assert.ok((await fs.stat(m('bin/sh'))).isFile(), 'lower content still visible');
    } finally {
      await unmount(merged);
    }
  });
});

describe('a diff that cannot be stored', () => {
  it('fails with its cause (a full disk, a missing upper dir): no uncaught stream error, no hung file reader', async () => {
    const { dir, cleanup } = await tempDir('fulldisk');
    const events: string[] = [];
    const onUncaught = (e: Error) => events.push(`uncaught: ${e.message}`);
    const onUnhandled = (e: unknown) => events.push(`unhandled: ${(e as Error).message}`);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUnhandled);
    try {
      // The writable layer's upper dir as RwLayerStore lays it out under its owner's directory.
      const upper = path.join(dir, 'rw', 'upper');
      await fs.mkdir(upper, { recursive: true });
      await fs.writeFile(path.join(upper, 'big'), Buffer.alloc(8 << 20, 1));
      // The store on a 1 MiB tmpfs: the layer's blob and its unpacked copy cannot fit.
      const root = path.join(dir, 'small');
      await fs.mkdir(root);
      await mountTmpfs(root, '1m');
      const layers = await LayerStore.open(root, await ContentStore.open(root));
      const rw = new RwLayerStore(layers, () => dir);
      await assert.rejects(rw.commit({ id: 'c', parent: '' }), /ENOSPC|no space left/);
      // A diff that fails before the store reads: its own error, not an uncaught one.
      await assert.rejects(new RwLayerStore(layers, () => path.join(dir, 'gone')).commit({ id: 'c', parent: '' }), /No such file or directory/);
      // diffToTar on its own against a sink that fails midway: it must settle too.
      const failing = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) });
      const settled = await Promise.race([diffToTar(upper, [], failing).then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
      assert.equal(settled, 'rejected');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(events, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUnhandled);
      await cleanup();
    }
  });
});
