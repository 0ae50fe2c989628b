import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT_DATA_MAX, overlayMountData } from './overlay-mount.js';

const lower = (i: number): string => `/var/lib/berth/image/layers/l/${String(i).padStart(26, 'A')}`;
const ctr = '/var/lib/berth/containers/' + 'a'.repeat(64);

test('a container mount is made from its directory, every path relative to it', () => {
  const m = overlayMountData({ lowerDirs: [lower(1), lower(2)], upperDir: `${ctr}/rw/upper`, workDir: `${ctr}/rw/work`, relativeTo: ctr });
  assert.equal(m.cwd, ctr);
  assert.equal(m.data, `lowerdir=../../image/layers/l/${lower(1).slice(-26)}:../../image/layers/l/${lower(2).slice(-26)},upperdir=rw/upper,workdir=rw/work`);
});

test('volatile is asked for after the upper and work dirs, and only where there is an upper dir', () => {
  const m = overlayMountData({ lowerDirs: [lower(1)], upperDir: `${ctr}/rw/upper`, workDir: `${ctr}/rw/work`, relativeTo: ctr, volatile: true });
  assert.equal(m.data, `lowerdir=../../image/layers/l/${lower(1).slice(-26)},upperdir=rw/upper,workdir=rw/work,volatile`);
  // A read-only stack syncs nothing: the option would only be refused.
  assert.equal(overlayMountData({ lowerDirs: [lower(1), lower(2)], volatile: true }).data, `lowerdir=${lower(1)}:${lower(2)}`);
});

test('without relativeTo, absolute paths while they fit a page, then lowers relative to their parent', () => {
  const abs = overlayMountData({ lowerDirs: [lower(1)], upperDir: `${ctr}/rw/upper`, workDir: `${ctr}/rw/work` });
  assert.deepEqual(abs, { data: `lowerdir=${lower(1)},upperdir=${ctr}/rw/upper,workdir=${ctr}/rw/work` });
  const many = Array.from({ length: 100 }, (_, i) => lower(i));
  const rel = overlayMountData({ lowerDirs: many, upperDir: `${ctr}/rw/upper`, workDir: `${ctr}/rw/work` });
  assert.equal(rel.cwd, '/var/lib/berth/image/layers/l');
  assert.ok(rel.data.startsWith(`lowerdir=${'A'.repeat(25)}0:`), rel.data.slice(0, 40));
  assert.ok(rel.data.length <= MOUNT_DATA_MAX);
});

test('relativeTo falls back to the shortest form when its paths do not fit a page', () => {
  // ../../image/layers/l/<26> is 46 bytes a layer: 100 layers are over a page from the container.
  const many = Array.from({ length: 100 }, (_, i) => lower(i));
  const m = overlayMountData({ lowerDirs: many, upperDir: `${ctr}/rw/upper`, workDir: `${ctr}/rw/work`, relativeTo: ctr });
  assert.equal(m.cwd, '/var/lib/berth/image/layers/l');
  assert.ok(m.data.endsWith(`,upperdir=${ctr}/rw/upper,workdir=${ctr}/rw/work`));
});

test('paths with the separators overlay cannot escape are refused', () => {
  assert.throws(() => overlayMountData({ lowerDirs: ['/a,b'], relativeTo: '/' }), /may not contain/);
  assert.throws(() => overlayMountData({ lowerDirs: ['/a'], upperDir: '/u' }), /both upperdir and workdir/);
});
