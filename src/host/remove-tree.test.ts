import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mountTmpfs, nativeMount, unmount } from './mounts.js';
import { removeFile, removeTree } from './remove-tree.js';

test('removeTree removes a tree, follows no symlink, and a missing path is fine', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-rmtree-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const outside = path.join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep'), 'kept');
  const tree = path.join(dir, 'tree');
  mkdirSync(path.join(tree, 'a/b/c'), { recursive: true });
  writeFileSync(path.join(tree, 'a/b/c/f'), 'x');
  writeFileSync(path.join(tree, 'top'), 'y');
  mkdirSync(path.join(tree, 'empty'));
  symlinkSync(outside, path.join(tree, 'link-to-dir'));
  symlinkSync(path.join(outside, 'keep'), path.join(tree, 'a/link-to-file'));
  await removeTree(tree);
  assert.equal(existsSync(tree), false);
  assert.equal(readFileSync(path.join(outside, 'keep'), 'utf8'), 'kept', 'nothing behind a symlink is touched');
  await removeTree(tree);
  await removeTree(path.join(dir, 'never-was'));
});

test('removeTree does not enter a file system mounted below it: it fails and the mount keeps its files', async (t) => {
  if (!nativeMount()?.removeTree) return t.skip('the mount addon is not built');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-rmtree-mnt-'));
  const mnt = path.join(dir, 'rootfs');
  mkdirSync(mnt);
  await mountTmpfs(mnt, 'size=1m');
  t.after(async () => {
    await unmount(mnt);
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(path.join(mnt, 'inside'), 'z');
  writeFileSync(path.join(dir, 'beside'), 'w');
  await assert.rejects(removeTree(dir), (e: NodeJS.ErrnoException) => e.code === 'ENOTEMPTY' || e.code === 'EBUSY');
  assert.equal(readFileSync(path.join(mnt, 'inside'), 'utf8'), 'z');
  assert.equal(existsSync(path.join(dir, 'beside')), false, 'what was beside the mount went');
});

test('removeTree refuses a relative path at the addon, and resolves one itself', async (t) => {
  const remove = nativeMount()?.removeTree;
  if (!remove) return t.skip('the mount addon is not built');
  assert.throws(() => remove('relative/path'), /absolute path/);
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-rmtree-rel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'x'));
  await removeTree(path.relative(process.cwd(), path.join(dir, 'x')));
  assert.equal(existsSync(path.join(dir, 'x')), false);
});

test('removeFile removes a file, a missing one is fine, and it refuses a directory', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-rmfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'f');
  writeFileSync(f, 'x');
  await removeFile(f);
  assert.equal(existsSync(f), false);
  await removeFile(f);
  mkdirSync(path.join(dir, 'sub'));
  await assert.rejects(removeFile(path.join(dir, 'sub')), { code: 'EISDIR' });
  assert.ok(existsSync(path.join(dir, 'sub')));
});
