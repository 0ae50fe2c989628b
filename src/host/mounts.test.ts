import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isForeignMount, isMountPoint, mountOverlay, mountTmpfs, nativeMount, splitMountOptions, unmount, unmountStack } from './mounts.js';

test('mount options split as mount(8) does: generic words are flags, the rest is data', () => {
  assert.deepEqual(splitMountOptions('mode=1777,nosuid,nodev,noexec,size=65536'), { flags: 2 | 4 | 8, data: 'mode=1777,size=65536' });
  assert.deepEqual(splitMountOptions('lowerdir=/a:/b,upperdir=/u,workdir=/w'), { flags: 0, data: 'lowerdir=/a:/b,upperdir=/u,workdir=/w' });
  assert.deepEqual(splitMountOptions('ro,lowerdir=/a'), { flags: 1, data: 'lowerdir=/a' });
});

test('tmpfs and overlay mount and unmount (through the addon when it is built)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-mounts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tmp = path.join(dir, 'tmp');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(dir, d));
  for (const d of [tmp, lower!, upper!, work!, merged!]) (await import('node:fs')).mkdirSync(d);
  writeFileSync(path.join(lower!, 'f'), 'from lower');
  await mountTmpfs(tmp, 'mode=700,nosuid,size=1m');
  assert.ok(await isMountPoint(tmp));
  assert.match(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === tmp)!, /nosuid/);
  await mountOverlay(`lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged!);
  assert.equal(readFileSync(path.join(merged!, 'f'), 'utf8'), 'from lower');
  await unmount(merged!);
  await unmount(tmp);
  assert.equal(await isMountPoint(tmp), false);
  assert.equal(await isMountPoint(merged!), false);
  await unmount(tmp); // not mounted: nothing to do
  const native = nativeMount();
  if (native) await assert.rejects(native.mount('tmpfs', path.join(dir, 'missing'), 'tmpfs', 0, null), { code: 'ENOENT' });
});

test("mountFrom resolves an overlay mount's relative paths against its directory, and shows them as given", async (t) => {
  const native = nativeMount();
  if (!native?.mountFrom) return t.skip('the mount addon is not built');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-mountfrom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fsSync = await import('node:fs');
  for (const d of ['layers/l1', 'c/rw/upper', 'c/rw/work', 'c/rootfs']) fsSync.mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'layers/l1/f'), 'from lower');
  const merged = path.join(dir, 'c/rootfs');
  await mountOverlay('lowerdir=../layers/l1,upperdir=rw/upper,workdir=rw/work', merged, path.join(dir, 'c'));
  try {
    assert.equal(readFileSync(path.join(merged, 'f'), 'utf8'), 'from lower');
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === merged)!;
    assert.match(line, /lowerdir=\.\.\/layers\/l1,upperdir=rw\/upper,workdir=rw\/work/);
    // No thread of berthd's is left in that directory: relative paths on the pool still miss.
    const misses = await Promise.allSettled(Array.from({ length: 16 }, () => fsSync.promises.stat('rw/upper')));
    assert.ok(misses.every((m) => m.status === 'rejected'), 'a pool thread kept the mount directory as its cwd');
  } finally {
    await unmount(merged);
  }
  await assert.rejects(native.mountFrom(path.join(dir, 'missing'), 'overlay', merged, 'overlay', 0, 'lowerdir=x'), { code: 'ENOENT' });
});

test('unmountStack takes every mount stacked on a directory, detaches a busy one, and is fine with none', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-unmountstack-'));
  const fsSync = await import('node:fs');
  const target = path.join(dir, 'target');
  fsSync.mkdirSync(target);
  t.after(async () => {
    for (let i = 0; i < 4 && (await isForeignMount(target)); i++) await unmount(target, isForeignMount);
    rmSync(dir, { recursive: true, force: true });
  });
  await unmountStack(target); // nothing mounted: nothing to do
  await mountTmpfs(target, 'size=1m');
  writeFileSync(path.join(target, 'first'), '1');
  await mountTmpfs(target, 'size=1m');
  writeFileSync(path.join(target, 'second'), '2');
  await unmountStack(target);
  assert.equal(await isForeignMount(target), false, 'both tmpfs mounts are gone');
  assert.deepEqual(fsSync.readdirSync(target), []);

  // A mount some process still has open is detached rather than left in place.
  await mountTmpfs(target, 'size=1m');
  const fd = fsSync.openSync(path.join(target, 'held'), 'w');
  try {
    await unmountStack(target);
    assert.equal(await isForeignMount(target), false);
  } finally {
    fsSync.closeSync(fd);
  }
});
