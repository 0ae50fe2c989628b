import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mountTmpfs, unmount } from '../host/mounts.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic-file.js';

test('concurrent writes of one file all succeed and leave one whole file (found by the chaos campaign)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
  try {
    const file = path.join(dir, 'record.json');
    // Same millisecond, different lengths: a shared temp name made renames fail and could tear.
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeJsonAtomic(file, { i, pad: 'x'.repeat(i * 97) })));
    const v = JSON.parse(readFileSync(file, 'utf8')) as { i: number; pad: string };
    assert.equal(v.pad.length, v.i * 97);
    assert.deepEqual(readdirSync(dir), ['record.json'], 'no temp files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed write leaves no temp file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
  try {
    // Renaming a file over a directory fails after the temp file was written.
    await assert.rejects(writeJsonAtomic(dir, { a: 1 }));
    assert.deepEqual(readdirSync(path.dirname(dir)).filter((f) => f.startsWith(`.${path.basename(dir)}.`)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk fails with ENOSPC and a message naming it, keeps the old file whole and leaves no temp file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-full-'));
  await mountTmpfs(dir, 'size=64k');
  t.after(async () => {
    await unmount(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'record.json');
  await writeFileAtomic(file, 'old', 0o640);
  assert.equal(statSync(file).mode & 0o777, 0o640);
  await assert.rejects(writeFileAtomic(file, Buffer.alloc(200 * 1024, 'x')), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC' && /space/i.test(e.message));
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['record.json']);
});
