// Paths inside an unpacked rootfs, resolved as if `root` were "/": a symlink met on the way is
// followed with absolute targets re-rooted at `root` and ".." stopping at `root`, so no entry of
// a hostile layer can write outside it (the same rule as filepath-securejoin, which docker and
// runc use).
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

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

/** The host path holding cleaned container path components (a root, or a root with mounts). */
export type HostMapper = (components: readonly string[]) => string;

/**
 * The one scoped resolver: follows the symlinks met along `components` as a process whose root
 * is the mapper's would (absolute targets restart at the root, ".." stops there, a link may lead
 * into or out of a mount the mapper knows), and returns the cleaned components reached. The
 * last one is followed only with `followLast`. It reads links on the host, so it decides a path
 * at one moment: callers acting on a running container's files freeze it meanwhile
 * (engine/containers/container-fs.ts) or check what they opened (readFileInRoot).
 */
export async function scopedComponents(map: HostMapper, components: readonly string[], followLast: boolean): Promise<string[]> {
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
    if (pending.length === 0 && !followLast) {
      done.push(c);
      break;
    }
    const host = map([...done, c]);
    let target: string | undefined;
    try {
      const st = await fs.lstat(host);
      if (st.isSymbolicLink()) target = await fs.readlink(host);
    } catch {
      // Missing: the caller may create it as a plain directory.
    }
    if (target === undefined) {
      done.push(c);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`too many levels of symbolic links in ${components.join('/')}`);
    if (target.startsWith('/')) done.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return done;
}

/**
 * Resolves the parent directories of `components` inside `root`, following symlinks scoped to
 * root, and returns the host path of the final component (which itself is never followed).
 */
export async function scopedParentJoin(root: string, components: readonly string[]): Promise<string> {
  if (components.length === 0) return root;
  return path.join(root, ...(await scopedComponents((c) => path.join(root, ...c), components, false)));
}

/** Resolves every component of `components` inside `root`, following symlinks scoped to root. */
export async function scopedResolve(root: string, components: readonly string[]): Promise<string> {
  return path.join(root, ...(await scopedComponents((c) => path.join(root, ...c), components, true)));
}

/**
 * Reads a regular file at `containerPath` inside `root`, as a process chrooted there would, and
 * nothing else: symlinks are resolved inside root; the file is opened without following a final
 * symlink and without blocking (a FIFO cannot hang us); it must be a regular file of at most
 * `maxBytes`; and the opened file's real path (/proc/self/fd) must still lie under root, which
 * defeats a process in a running container swapping a directory for a symlink between our
 * resolution and the open (openat2's RESOLVE_IN_ROOT, checked after the fact). Undefined when
 * there is no such file.
 */
export async function readFileInRoot(root: string, containerPath: string, maxBytes: number): Promise<Buffer | undefined> {
  const comps = containerPath.split('/').filter((c) => c && c !== '.');
  const host = await scopedResolve(root, comps);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(host, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new InvalidArgumentError(`${containerPath} in the container is a symbolic link loop`);
    throw e;
  }
  try {
    const real = await fs.readlink(`/proc/self/fd/${fh.fd}`);
    const rootReal = await fs.realpath(root);
    if (real !== rootReal && !real.startsWith(rootReal.endsWith('/') ? rootReal : rootReal + '/')) {
      throw new InvalidArgumentError(`${containerPath} in the container resolves outside its root`);
    }
    const st = await fh.stat();
    if (!st.isFile()) throw new InvalidArgumentError(`${containerPath} in the container is not a regular file`);
    if (st.size > maxBytes) throw new InvalidArgumentError(`${containerPath} in the container is larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw new InvalidArgumentError(`${containerPath} in the container is larger than ${maxBytes} bytes`);
      if (n === buf.length) break;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
