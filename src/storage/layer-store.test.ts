import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import { runCommand } from '../host/command.js';
import { ContentStore } from './content-store.js';
import { chainIds, sha256Digest } from './digest.js';
import { firstCause, LayerStore, overlayMountData } from './layer-store.js';
import { makeTar, mountOverlay, tempDir, unmount } from './tar-fixtures.js';

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('LayerStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let layers: LayerStore;
  let content: ContentStore;

  before(async () => {
    ({ dir, cleanup } = await tempDir('layers'));
    content = await ContentStore.open(path.join(dir, 'root'));
    layers = await LayerStore.open(path.join(dir, 'root'), content);
  });
  after(async () => cleanup());

  it('unpacks every entry type with owners, modes, mtimes and devices', async () => {
    const mtime = new Date('2021-05-06T07:08:09Z');
    const tarBuf = await makeTar([
      { name: 'bin/', type: 'directory', mode: 0o755, mtime },
      { name: 'bin/tool', content: 'run me', mode: 0o4755, uid: 1000, gid: 1001, mtime },
      { name: 'bin/alias', type: 'link', linkname: 'bin/tool' },
      { name: 'bin/sym', type: 'symlink', linkname: '/bin/tool', uid: 5, gid: 6 },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
      { name: 'run/pipe', type: 'fifo', mode: 0o600 },
      { name: 'etc/deep/nested/file', content: 'x' },
    ]);
    const l = await layers.apply(null, Readable.from([tarBuf]));
    assert.equal(l.diffId, sha256Digest(tarBuf));
    assert.equal(l.chainId, l.diffId);
    assert.equal(l.blob.compression, 'none');
    assert.equal(l.blob.digest, l.diffId);
    const d = layers.diffDir(l.chainId);
    const tool = await fs.stat(path.join(d, 'bin/tool'));
    assert.equal(tool.mode & 0o7777, 0o4755);
    assert.equal(tool.uid, 1000);
    assert.equal(tool.gid, 1001);
    assert.equal(tool.mtime.getTime(), mtime.getTime());
    assert.equal(tool.nlink, 2, 'hardlink shares the inode');
    assert.equal((await fs.stat(path.join(d, 'bin/alias'))).ino, tool.ino);
    const sym = await fs.lstat(path.join(d, 'bin/sym'));
    assert.ok(sym.isSymbolicLink());
    assert.equal(sym.uid, 5);
    assert.equal(await fs.readlink(path.join(d, 'bin/sym')), '/bin/tool');
    const nul = await fs.stat(path.join(d, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o777, 0o666);
    assert.ok((await fs.stat(path.join(d, 'dev/loop9'))).isBlockDevice());
    assert.ok((await fs.stat(path.join(d, 'run/pipe'))).isFIFO());
    assert.equal((await fs.stat(path.join(d, 'bin'))).mtime.getTime(), mtime.getTime(), 'dir mtime set after its children');
    assert.equal(await fs.readFile(path.join(d, 'etc/deep/nested/file'), 'utf8'), 'x');
    assert.equal(l.size, 'run me'.length + '/bin/tool'.length + 1);
    // The tar comes back byte for byte: it is what the diff ID names.
    const t = await layers.openTar(l.chainId);
    assert.deepEqual(await readAll(t.stream), tarBuf);
  });

  it('detects gzip by magic bytes, keeps the compressed blob, and gives the plain tar back', async () => {
    const tarBuf = await makeTar([{ name: 'gz.txt', content: 'zipped' }]);
    const gz = gzipSync(tarBuf);
    const l = await layers.apply(null, Readable.from([gz]));
    assert.equal(l.diffId, sha256Digest(tarBuf));
    assert.equal(l.blob.compression, 'gzip');
    assert.equal(l.blob.digest, sha256Digest(gz));
    assert.equal(l.tarSize, tarBuf.length);
    assert.equal(await fs.readFile(path.join(layers.diffDir(l.chainId), 'gz.txt'), 'utf8'), 'zipped');
    assert.deepEqual(await readAll((await layers.openTar(l.chainId)).stream), tarBuf);
  });

  it('takes zstd layers (zlib where Node has it, else the zstd CLI), refuses corrupt ones, reads them back', async () => {
    const tarFile = path.join(dir, 'z.tar');
    await fs.writeFile(tarFile, await makeTar([{ name: 'z.txt', content: 'zstd' }, { name: 'big', content: 'x'.repeat(300_000) }]));
    await runCommand('zstd', ['-q', '-f', '-o', `${tarFile}.zst`, tarFile]);
    const zst = await fs.readFile(`${tarFile}.zst`);
    const l = await layers.apply(null, Readable.from([zst]));
    assert.equal(l.blob.compression, 'zstd');
    assert.equal(l.diffId, sha256Digest(await fs.readFile(tarFile)));
    assert.equal(await fs.readFile(path.join(layers.diffDir(l.chainId), 'z.txt'), 'utf8'), 'zstd');
    assert.deepEqual(await readAll((await layers.openTar(l.chainId)).stream), await fs.readFile(tarFile));
    const bad = Buffer.from(zst);
    bad.fill(0x55, 12, 40);
    const blobsBefore = (await content.list()).length;
    await assert.rejects(layers.apply(null, Readable.from([bad])));
    assert.equal((await content.list()).length, blobsBefore);
    void zlib;
  });

  it('refuses a wrong diff ID or a corrupt stream and leaves nothing behind', async () => {
    const tarBuf = await makeTar([{ name: 'a', content: 'a' }]);
    const blobsBefore = (await content.list()).length;
    await assert.rejects(layers.apply(null, Readable.from([tarBuf]), { expectedDiffId: sha256Digest('other') }), /invalid diffID/);
    const gz = gzipSync(tarBuf);
    await assert.rejects(layers.apply(null, Readable.from([gz.subarray(0, gz.length - 20)])));
    assert.equal((await content.list()).length, blobsBefore);
    assert.deepEqual(await fs.readdir(path.join(dir, 'root/layers/tmp')), []);
  });

  it('rejects path traversal, and writes through symlinks only inside the layer', async () => {
    await assert.rejects(layers.apply(null, Readable.from([await makeTar([{ name: '../evil', content: 'x' }])])), /escapes/);
    await assert.rejects(
      layers.apply(null, Readable.from([await makeTar([{ name: 'h', type: 'link', linkname: '../../../../etc/passwd' }])])),
      /escapes/,
    );
    const l = await layers.apply(null, Readable.from([await makeTar([
      { name: 'root', type: 'symlink', linkname: '/' },
      { name: 'up', type: 'symlink', linkname: '../../../../../..' },
      { name: 'root/tmp/through-abs', content: 'abs' },
      { name: 'up/through-rel', content: 'rel' },
    ])]));
    const d = layers.diffDir(l.chainId);
    assert.equal(await fs.readFile(path.join(d, 'tmp/through-abs'), 'utf8'), 'abs');
    assert.equal(await fs.readFile(path.join(d, 'through-rel'), 'utf8'), 'rel');
    await assert.rejects(fs.access('/tmp/through-abs'));
    await assert.rejects(fs.access('/through-rel'));
  });

  it('translates OCI whiteouts so a real overlay mount hides lower files', async () => {
    const base = await layers.apply(null, Readable.from([await makeTar([
      { name: 'a/', type: 'directory' },
      { name: 'a/gone', content: 'old' },
      { name: 'a/kept', content: 'kept' },
      { name: 'd/', type: 'directory' },
      { name: 'd/old1', content: '1' },
      { name: 'd/sub/old2', content: '2' },
    ])]));
    const top = await layers.apply(base.chainId, Readable.from([await makeTar([
      { name: 'a/.wh.gone', content: '' },
      { name: 'd/', type: 'directory' },
      { name: 'd/.wh..wh..opq', content: '' },
      { name: 'd/new', content: 'new' },
    ])]));
    assert.equal(top.parent, base.chainId);
    assert.deepEqual(chainIds([base.diffId, top.diffId]), [base.chainId, top.chainId]);
    const wo = await fs.stat(path.join(layers.diffDir(top.chainId), 'a/gone'));
    assert.ok(wo.isCharacterDevice() && wo.rdev === 0, 'whiteout is a 0:0 char device');
    const opq = await runCommand('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(layers.diffDir(top.chainId), 'd')]);
    assert.equal(opq.stdout, 'y');

    const lowers = layers.lowerDirs([base.chainId, top.chainId]);
    assert.equal(await fs.realpath(lowers[0]!), layers.diffDir(top.chainId), 'topmost first');
    const merged = path.join(dir, 'merged');
    await mountOverlay(merged, lowers);
    try {
      assert.deepEqual((await fs.readdir(path.join(merged, 'a'))).sort(), ['kept']);
      assert.deepEqual((await fs.readdir(path.join(merged, 'd'))).sort(), ['new']);
    } finally {
      await unmount(merged);
    }
  });

  it('keeps mount options under a page for 40 layers and mounts them', async () => {
    let parent: string | null = null;
    const chain: string[] = [];
    for (let i = 0; i < 40; i++) {
      const l = await layers.apply(parent, Readable.from([await makeTar([{ name: `f${i}`, content: String(i) }])]));
      chain.push(l.chainId);
      parent = l.chainId;
    }
    const lowers = layers.lowerDirs(chain);
    const work = path.join(dir, 'c40');
    await fs.mkdir(path.join(work, 'upper'), { recursive: true });
    await fs.mkdir(path.join(work, 'work'));
    const spec = { lowerDirs: lowers, upperDir: path.join(work, 'upper'), workDir: path.join(work, 'work') };
    const short = overlayMountData(spec);
    assert.equal(short.cwd, undefined, 'short l/ links fit as absolute paths');
    assert.ok(short.data.length < 4096);
    // Force the relative form by padding the paths: it must still mount.
    const deep = path.join(dir, 'x'.repeat(60), 'y'.repeat(60));
    await fs.mkdir(deep, { recursive: true });
    const links = await Promise.all(lowers.map(async (d, i) => {
      const p = path.join(deep, `layer-link-number-${i}`);
      await fs.symlink(await fs.realpath(d), p);
      return p;
    }));
    const rel = overlayMountData({ ...spec, lowerDirs: links });
    assert.ok(rel.cwd, `relative form for ${links.length} long paths`);
    assert.ok(rel.data.length < 4096);
    const target = path.join(work, 'merged');
    await fs.mkdir(target);
    await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', rel.data, target], { cwd: rel.cwd });
    try {
      const names = await fs.readdir(target);
      assert.equal(names.filter((n) => /^f\d+$/.test(n)).length, 40);
    } finally {
      await unmount(target);
    }
  });

  it('survives a reopen: layers persist, half-made temp dirs and missing links are fixed', async () => {
    const before = layers.list().length;
    await fs.mkdir(path.join(dir, 'root/layers/tmp/crashed/diff'), { recursive: true });
    const some = layers.list()[0]!;
    await fs.rm(path.join(dir, 'root/layers/l', some.shortId));
    await fs.symlink('../nowhere/diff', path.join(dir, 'root/layers/l', 'DANGLING'));
    const again = await LayerStore.open(path.join(dir, 'root'), content);
    assert.equal(again.list().length, before);
    assert.deepEqual(await fs.readdir(path.join(dir, 'root/layers/tmp')), []);
    assert.equal(await fs.realpath(path.join(dir, 'root/layers/l', some.shortId)), again.diffDir(some.chainId));
    await assert.rejects(fs.lstat(path.join(dir, 'root/layers/l/DANGLING')));
  });

  it('holds keep a stack; remove deletes a layer and its link', async () => {
    const l = await layers.apply(null, Readable.from([await makeTar([{ name: 'held', content: 'h' }])]));
    await layers.hold('ctr1', l.chainId);
    assert.ok(layers.held().has(l.chainId));
    await layers.release('ctr1');
    assert.ok(!layers.held().has(l.chainId));
    const removed = await layers.remove(l.chainId);
    assert.equal(removed?.chainId, l.chainId);
    assert.ok(!layers.has(l.chainId));
    await assert.rejects(fs.lstat(path.join(dir, 'root/layers/l', l.shortId)));
  });
});

describe('firstCause', () => {
  const rejected = (reason: unknown): PromiseSettledResult<unknown> => ({ status: 'rejected', reason });
  const streamx = (code: string, message: string) => Object.assign(new Error(message), { code });

  it("names the error that started a failure, not what it did to the stream's other side", () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    // tar-stream's (streamx's) words for the reader a full disk destroyed, seen once in a full run.
    assert.equal(firstCause([rejected(streamx('STREAM_DESTROYED', 'Stream was destroyed')), rejected(full)]), full);
    assert.equal(firstCause([rejected(streamx('PREMATURE_CLOSE', 'Premature close')), rejected(full)]), full);
    assert.equal(firstCause([rejected(streamx('ERR_STREAM_PREMATURE_CLOSE', 'Premature close')), rejected(full)]), full);
    // Only consequences: the first of them.
    const gone = streamx('STREAM_DESTROYED', 'Stream was destroyed');
    assert.equal(firstCause([rejected(gone), rejected(streamx('ABORT_ERR', 'aborted'))]), gone);
    assert.equal(firstCause([{ status: 'fulfilled', value: 1 }, rejected(full)]), full);
  });
});
