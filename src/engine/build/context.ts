// The build context: the request body (a tar, maybe gzip/zstd-compressed) streamed to a spool
// directory on disk, never held in memory; then .dockerignore applied (docker's pattern rules,
// through @balena/dockerignore, a port of moby's fileutils matcher) so ignored files reach
// neither the image nor the cache key. Sources of COPY/ADD are looked up here: cleaned paths
// that cannot leave the context, and globs with Go's filepath.Match rules.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import dockerignore from '@balena/dockerignore';
import { decompressor, detectCompression, peek } from '../../storage/compression.js';
import { scopedResolve } from '../../storage/scoped-path.js';
import { unpackTar } from '../../storage/tar-apply.js';
import { InvalidArgumentError } from '../../errors.js';

/** Unpacks the context tar into `dir` (which exists). An empty body is an empty context. */
export async function spoolContext(body: Readable, dir: string): Promise<void> {
  const { head, stream } = await peek(body, 8);
  if (head.length === 0) return;
  const dec = decompressor(detectCompression(head));
  const tarStream = dec ? stream.pipe(dec) : stream;
  if (dec) stream.on('error', (e) => dec.destroy(e));
  // A context is plain files: .wh.* names are not layer whiteouts here, but docker contexts
  // never hold them in practice; unpackTar is the one safe, streaming extractor berth has.
  await unpackTar(tarStream, dir);
}

/** The Dockerfile's text: a path in the context, or (like docker) a name outside it is refused. */
export async function readDockerfile(dir: string, name: string): Promise<string> {
  const rel = cleanRel(name || 'Dockerfile');
  const file = path.join(dir, rel);
  const text = await fs.readFile(file, 'utf8').catch(async () => {
    // docker also accepts the lower-case name when the default is missing.
    if (!name || name === 'Dockerfile') return fs.readFile(path.join(dir, 'dockerfile'), 'utf8').catch(() => undefined);
    return undefined;
  });
  if (text === undefined) throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${name || 'Dockerfile'}`);
  return text;
}

/** Removes what .dockerignore excludes (docker: the Dockerfile and .dockerignore stay readable). */
export async function applyDockerignore(dir: string): Promise<number> {
  const text = await fs.readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (patterns.length === 0) return 0;
  const ig = dockerignore.default().add(patterns);
  let removed = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = await fs.readdir(path.join(dir, rel));
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.lstat(path.join(dir, r));
      if (ig.ignores(r)) {
        // A directory may hold an exception ("!dir/keep"): only drop it whole when none could match.
        if (st.isDirectory() && patterns.some((p) => p.startsWith('!'))) {
          await walk(r);
          if ((await fs.readdir(path.join(dir, r))).length === 0) await fs.rmdir(path.join(dir, r));
          continue;
        }
        await fs.rm(path.join(dir, r), { recursive: true, force: true });
        removed++;
        continue;
      }
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return removed;
}

/** A context-relative path, cleaned; ".." may not climb out of the context. */
export function cleanRel(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      parts.pop();
      continue;
    }
    parts.push(c);
  }
  return parts.join('/');
}

export const hasGlob = (p: string) => /[*?[]/.test(p);

/** Go's filepath.Match for one path component pattern, as a regular expression. */
function componentRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new InvalidArgumentError(`syntax error in pattern: ${pattern}`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '!' + cls.slice(1);
      re += cls.startsWith('!') ? `[^${cls.slice(1).replace(/\\/g, '\\\\')}]` : `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The host path of `rel` under `root`, symlinks resolved inside root (a context's or a stage's). */
export function hostPath(root: string, rel: string): Promise<string> {
  return scopedResolve(root, rel.split('/').filter(Boolean));
}

/**
 * The root-relative paths a COPY source names under `root`: the path itself, or every path
 * a glob matches (component by component, as filepath.Match never lets "*" cross a "/").
 */
export async function matchSources(root: string, source: string): Promise<string[]> {
  const rel = cleanRel(source);
  if (!hasGlob(rel)) {
    const st = await fs.lstat(await hostPath(root, rel)).catch(() => undefined);
    return st ? [rel] : [];
  }
  let current = [''];
  for (const comp of rel.split('/')) {
    const next: string[] = [];
    for (const base of current) {
      if (!hasGlob(comp)) {
        const r = base ? `${base}/${comp}` : comp;
        if (await fs.lstat(await hostPath(root, r)).catch(() => undefined)) next.push(r);
        continue;
      }
      const re = componentRegex(comp);
      const names = await fs.readdir(await hostPath(root, base)).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n)) next.push(base ? `${base}/${n}` : n);
    }
    current = next;
  }
  return current;
}

/**
 * A checksum of what a COPY would take from `root`: names, types, modes, owners (when they are
 * kept), link targets and file contents, not times, as docker's classic builder hashes sources.
 */
export async function checksumSources(root: string, rels: readonly string[], keepOwners: boolean): Promise<string> {
  const h = createHash('sha256');
  const visit = async (rel: string, st: Stats, host: string): Promise<void> => {
    const owner = keepOwners ? ` ${st.uid}:${st.gid}` : '';
    if (st.isDirectory()) {
      h.update(`d ${rel} ${st.mode & 0o7777}${owner}\n`);
      for (const n of (await fs.readdir(host)).sort()) {
        await visit(`${rel}/${n}`, await fs.lstat(path.join(host, n)), path.join(host, n));
      }
    } else if (st.isSymbolicLink()) {
      h.update(`l ${rel} ${await fs.readlink(host)}${owner}\n`);
    } else if (st.isFile()) {
      h.update(`f ${rel} ${st.mode & 0o7777} ${st.size}${owner}\n`);
      await pipeline(createReadStream(host), async function* (src: AsyncIterable<Buffer>) {
        for await (const b of src) h.update(b);
      });
    } else {
      h.update(`o ${rel} ${st.mode} ${st.rdev}${owner}\n`);
    }
  };
  for (const rel of rels) {
    const host = await hostPath(root, rel);
    await visit(rel, await fs.lstat(host), host);
  }
  return h.digest('hex');
}
