import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, cacheFileName, cacheKey, commandWord, readCache, writeCache } from './code-cache.js';

const MODULE = fileURLToPath(new URL('./code-cache.js', import.meta.url));

/** Runs BUNDLE through runBundle in a fresh node, as the launcher does; returns its stdout. */
function launch(bundle: string, dir: string, args: string[] = ['version']): { out: string; cached: boolean } {
  const code = `import(${JSON.stringify(MODULE)}).then((m) => { const r = m.runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(dir)}, ${JSON.stringify(args)}); process.stderr.write(String(r.cached)); });`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, cached: r.stderr.endsWith('true') };
}

test('cache directory follows XDG_CACHE_HOME, then HOME; none without either', () => {
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }), '/x/cache/berth');
  assert.equal(cacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.cache/berth');
  assert.equal(cacheDir({}), undefined);
});

test('a cache is used only for the very bundle it was made for, and only if safe', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-cc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'b.cjs');
  const cache = path.join(dir, 'cache');
  writeFileSync(bundle, '#!/usr/bin/env node\nconsole.log("one", typeof require, path());\nfunction path() { return __filename.endsWith("b.cjs"); }\n');
  assert.deepEqual(launch(bundle, cache), { out: 'one function true\n', cached: false });
  assert.deepEqual(launch(bundle, cache), { out: 'one function true\n', cached: true });
  // Same length, other code: V8 alone would accept the old cache (it checks only the length).
  writeFileSync(bundle, '#!/usr/bin/env node\nconsole.log("two", typeof require, path());\nfunction path() { return __filename.endsWith("b.cjs"); }\n');
  const st = statSync(bundle);
  utimesSync(bundle, st.atime, new Date(st.mtimeMs + 5000));
  assert.deepEqual(launch(bundle, cache), { out: 'two function true\n', cached: false });
  assert.deepEqual(launch(bundle, cache), { out: 'two function true\n', cached: true });
  // Another command has a cache of its own; a cache in use is not rewritten.
  const file = path.join(cache, cacheFileName(bundle, 'version'));
  const before = statSync(file).mtimeMs;
  assert.deepEqual(launch(bundle, cache, ['-H', 'unix:///x', 'run', 'busybox']), { out: 'two function true\n', cached: false });
  assert.deepEqual(launch(bundle, cache, ['-H', 'unix:///x', 'run', 'busybox']), { out: 'two function true\n', cached: true });
  assert.ok(statSync(path.join(cache, cacheFileName(bundle, 'run'))).isFile());
  assert.equal(statSync(file).mtimeMs, before);
  // No command word (--version, --help): a cache of its own too.
  assert.deepEqual(launch(bundle, cache, ['--version']), { out: 'two function true\n', cached: false });
  assert.deepEqual(launch(bundle, cache, ['--version']), { out: 'two function true\n', cached: true });
  // Writable by others: not read (and rewritten by this user at exit).
  chmodSync(file, 0o666);
  assert.deepEqual(launch(bundle, cache), { out: 'two function true\n', cached: false });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // A cache that cannot be written changes nothing but the speed.
  assert.deepEqual(launch(bundle, path.join(bundle, 'not-a-dir')), { out: 'two function true\n', cached: false });
});

test('readCache checks the key line and returns what follows it', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-cc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c');
  const key = cacheKey({ size: 10, mtimeMs: 1.5, ino: 7 });
  writeCache(file, key, Buffer.from('DATA'));
  assert.equal(readFileSync(file, 'latin1'), `${key}DATA`);
  const uid = process.getuid?.() ?? 0;
  assert.deepEqual(readCache(file, key, uid), Buffer.from('DATA'));
  assert.equal(readCache(file, cacheKey({ size: 10, mtimeMs: 1.5, ino: 8 }), uid), undefined);
  assert.equal(readCache(path.join(dir, 'missing'), key, uid), undefined);
});

test('the command word skips global flags and their values', () => {
  assert.equal(commandWord(['-H', 'unix:///s', '--log-level', 'debug', 'run', '--rm', 'x']), 'run');
  assert.equal(commandWord(['--host=unix:///s', '-D', 'ps']), 'ps');
  assert.equal(commandWord(['--help']), '');
  assert.equal(commandWord(['Evil Name']), '');
  assert.notEqual(cacheFileName('/a/dist/berth.cjs', 'ps'), cacheFileName('/b/dist/berth.cjs', 'ps'));
  assert.notEqual(cacheFileName('/a/dist/berth.cjs', 'ps'), cacheFileName('/a/dist/berth.cjs', 'run'));
});
