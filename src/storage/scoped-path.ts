// Paths inside an unpacked rootfs, resolved as if `root` were "/": a symlink met on the way is
// followed with absolute targets re-rooted at `root` and ".." stopping at `root`, so no entry of
// a hostile layer can write outside it (the same rule as filepath-securejoin, which docker and
// runc use).
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, promises as fs, readSync, readlinkSync, realpathSync } from 'node:fs';
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
  const walk = scopedWalk(map, components, followLast);
  for (let step = walk.next(); ; ) {
    if (step.done) return step.value;
    step = walk.next(await linkTarget(step.value));
  }
}

/** scopedComponents with the host's answers at once: a few cached lstats, for the start's path. */
export function scopedComponentsSync(map: HostMapper, components: readonly string[], followLast: boolean): string[] {
  const walk = scopedWalk(map, components, followLast);
  for (let step = walk.next(); ; ) {
    if (step.done) return step.value;
    step = walk.next(linkTargetSync(step.value));
  }
}

/** The symlink's target, undefined for anything else (missing: the caller may create it as a plain directory). */
async function linkTarget(host: string): Promise<string | undefined> {
  try {
    return (await fs.lstat(host)).isSymbolicLink() ? await fs.readlink(host) : undefined;
  } catch {
    return undefined;
  }
}

function linkTargetSync(host: string): string | undefined {
  try {
    return lstatSync(host).isSymbolicLink() ? readlinkSync(host) : undefined;
  } catch {
    return undefined;
  }
}

/** The resolution's steps: yields each host path to look at, and is sent back its link target. */
function* scopedWalk(map: HostMapper, components: readonly string[], followLast: boolean): Generator<string, string[], string | undefined> {
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
    const target = yield map([...done, c]);
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

/** scopedResolve at once (a container's start: its workdir, its account files). */
export function scopedResolveSync(root: string, components: readonly string[]): string {
  return path.join(root, ...scopedComponentsSync((c) => path.join(root, ...c), components, true));
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
export function readFileInRoot(root: string, containerPath: string, maxBytes: number): Buffer | undefined {
  const comps = containerPath.split('/').filter((c) => c && c !== '.');
  const host = scopedResolveSync(root, comps);
  let fd: number;
  try {
    fd = openSync(host, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new InvalidArgumentError(`${containerPath} in the container is a symbolic link loop`);
    throw e;
  }
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    const rootReal = realpathSync(root);
    if (real !== rootReal && !real.startsWith(rootReal.endsWith('/') ? rootReal : rootReal + '/')) {
      throw new InvalidArgumentError(`${containerPath} in the container resolves outside its root`);
    }
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InvalidArgumentError(`${containerPath} in the container is not a regular file`);
    if (st.size > maxBytes) throw new InvalidArgumentError(`${containerPath} in the container is larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const bytesRead = readSync(fd, buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw new InvalidArgumentError(`${containerPath} in the container is larger than ${maxBytes} bytes`);
      if (n === buf.length) break;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
