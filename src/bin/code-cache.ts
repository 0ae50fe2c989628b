// Runs the bundled CLI (dist/berth.cjs) from a V8 code cache, so a command does not compile the
// 470 KiB bundle again at every start (~15 ms of CPU on this machine, a third of `berth version`).
// Node 20 has no module.enableCompileCache (22.1+); vm.Script's cachedData is the same mechanism.
//
// Safety: V8 checks a cache only against the source's length and its own version and flags, so a
// cache written for another bundle of the same length would run that bundle's bytecode. The cache
// therefore starts with a key line naming the bundle's size, mtime and inode and node's version,
// and is read only from a per-user directory, only if it is a regular file owned by this user (or
// root) that nobody else may write. Anything wrong with it means: compile from source, as without
// a cache. Writing it is best effort (temp file + rename, errors ignored).
//
// V8 puts in a cache the functions compiled so far, i.e. those the command that wrote it ran, and
// deserializes all of a cache at every start (~1 ms per 100 KiB here). Each command word therefore
// has a cache of its own (`berth version` reads 200 KiB, not the 550 KiB all commands would make).

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, constants as fsc } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

const FORMAT = 'berth-code-cache 2';

/** The per-user cache directory (XDG base-directory spec), or undefined when there is no home. */
export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'berth');
  const home = env['HOME'];
  if (home && path.isAbsolute(home)) return path.join(home, '.cache', 'berth');
  return undefined;
}

/** What a cache must have been made for: this bundle file, as it is now, on this node. */
export function cacheKey(bundle: { size: number; mtimeMs: number; ino: number }): string {
  return `${FORMAT} ${process.version} ${process.arch} ${bundle.size} ${bundle.mtimeMs} ${bundle.ino}\n`;
}

/** The cache's data after its key line, or undefined when missing, unsafe or stale. */
export function readCache(file: string, key: string, uid: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || (st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) return undefined;
      off += n;
    }
    const keyLen = Buffer.byteLength(key);
    if (st.size <= keyLen || buf.toString('latin1', 0, keyLen) !== key) return undefined;
    return buf.subarray(keyLen);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache atomically; one that cannot be written is simply not there next time. */
export function writeCache(file: string, key: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, Buffer.concat([Buffer.from(key, 'latin1'), data]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

/** Global flags of berth that take a value as the next word (cli/main.ts GLOBAL_FLAGS). */
const VALUE_FLAGS = new Set(['-H', '--host', '-c', '--context', '-l', '--log-level', '--config', '--tlscacert', '--tlscert', '--tlskey']);

/** The command word of a berth command line (`run` in `-H unix:///s run --rm x`), or ''. */
export function commandWord(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return /^[a-z][a-z0-9-]*$/.test(a) ? a : '';
  }
  return '';
}

/**
 * One cache file per bundle path (FNV-1a of it), so two checkouts do not overwrite each other's,
 * and per command word ('' for `berth --help` and the like).
 */
export function cacheFileName(bundle: string, command: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bundle.length; i++) h = Math.imul(h ^ bundle.charCodeAt(i), 0x01000193) >>> 0;
  return `cli-${h.toString(16).padStart(8, '0')}-${command || '-'}.cache`;
}

/**
 * Runs a CommonJS bundle as node would (same wrapper, require, __filename), compiled with the
 * command's cache when it is valid. When there was none or V8 rejected it, a new one is written as
 * the process exits (so it holds what this command compiled lazily too). Says whether the cache
 * was used.
 */
export function runBundle(bundle: string, dir: string | undefined, args: readonly string[] = []): { cached: boolean } {
  const st = statSync(bundle);
  let source = readFileSync(bundle, 'utf8');
  // The wrapper turns the shebang line into a syntax error; a comment of the same length keeps
  // every line and column where the source has them.
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  const key = cacheKey(st);
  const file = dir === undefined ? undefined : path.join(dir, cacheFileName(bundle, commandWord(args)));
  const uid = process.getuid?.() ?? -1;
  const data = file === undefined ? undefined : readCache(file, key, uid);
  // The bundle has no import() (esbuild's --supported:dynamic-import=false): on Node 20 a script
  // run from a code cache has no loader for it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: bundle,
    cachedData: data,
  });
  const cached = data !== undefined && !script.cachedDataRejected;
  if (file !== undefined && !cached) process.once('exit', () => writeCache(file, key, script.createCachedData()));
  const wrapper = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void;
  const mod = { exports: {} };
  wrapper.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
  return { cached };
}
