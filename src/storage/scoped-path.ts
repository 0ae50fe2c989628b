// Paths inside an unpacked rootfs, resolved as if `root` were "/": a symlink met on the way is
// followed with absolute targets re-rooted at `root` and ".." stopping at `root`, so no entry of
// a hostile layer can write outside it (the same rule as filepath-securejoin, which docker and
// runc use).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../engine/errors.js';

const MAX_SYMLINKS = 255;

/**
 * Cleans an archive entry name into path components ("./a//b/../c" → ["a","c"]). Refuses names
 * that climb above the root with "..", as docker does.
 */
export function entryComponents(name: string): string[] {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.pop() === undefined) throw new InvalidArgumentError(`invalid archive entry ${JSON.stringify(name)}: path escapes the layer root`);
      continue;
    }
    parts.push(p);
  }
  return parts;
}

/**
 * Resolves the parent directories of `components` inside `root`, following symlinks scoped to
 * root, and returns the host path of the final component (which itself is never followed).
 */
export async function scopedParentJoin(root: string, components: readonly string[]): Promise<string> {
  if (components.length === 0) return root;
  const parent = await scopedResolve(root, components.slice(0, -1));
  return path.join(parent, components[components.length - 1]!);
}

/** Resolves every component of `components` inside `root`, following symlinks scoped to root. */
export async function scopedResolve(root: string, components: readonly string[]): Promise<string> {
  const pending = [...components].reverse();
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, c);
    let target: string | undefined;
    try {
      const st = await fs.lstat(host);
      if (st.isSymbolicLink()) target = await fs.readlink(host);
    } catch {
      // Missing: the caller will create it as a plain directory.
    }
    if (target === undefined) {
      done.push(c);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`too many levels of symbolic links in ${components.join('/')}`);
    if (target.startsWith('/')) done.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return path.join(root, ...done);
}
