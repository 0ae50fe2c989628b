import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { directoriesBytes, directoryBytes } from './disk-usage.js';

test('directoriesBytes counts files as moby does (hard links once, directories not at all), many trees at once; odd names read back whole, a missing one is absent', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-du-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const a = path.join(root, 'a');
  const odd = path.join(root, 'new\nline\ttab');
  mkdirSync(path.join(a, 'sub'), { recursive: true });
  mkdirSync(odd);
  writeFileSync(path.join(a, 'sub', 'f'), Buffer.alloc(100_000));
  writeFileSync(path.join(odd, 'g'), Buffer.alloc(20_000));
  // A hard link counts once, and the directories nothing (moby's directory.Size).
  linkSync(path.join(a, 'sub', 'f'), path.join(a, 'again'));
  const missing = path.join(root, 'gone');
  const sizes = await directoriesBytes([a, odd, missing]);
  const one = await directoryBytes(a);
  assert.equal(one, 100_000);
  assert.equal(sizes.get(a), one);
  assert.equal(sizes.get(odd), 20_000);
  assert.equal(sizes.has(missing), false);
  assert.equal(await directoryBytes(missing), 0);
});
