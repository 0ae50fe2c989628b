// Removing a directory tree off the path a client waits on. Node's recursive rm is a walk of
// lstat/readdir/unlink/rmdir calls, each a round trip through libuv's thread pool: a container's
// directory and its bundle took 20-150 ms each on a loaded machine, twice on every `run --rm`
// before its wait was answered. Here the tree is renamed aside (one call: the name is free at
// once, and what was in it is unreachable by it) and deleted in the background. A crash between
// the two leaves a `.gone-` name, which its owner sweeps when it opens (sweepGone).
import { randomBytes } from 'node:crypto';
import { promises as fs, readdirSync, renameSync, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { removeFile, removeTree } from '../host/remove-tree.js';

const GONE_PREFIX = '.gone-';

/** Deletions still running, so a caller that must see them done can wait (settled()). */
const pending = new Set<Promise<void>>();

/** Whether a directory entry is a tree set aside by removeSoon (not a name of its owner's). */
export function isGone(name: string): boolean {
  return name.startsWith(GONE_PREFIX);
}

/**
 * Takes `dir` away now and deletes it in the background. Falls back to deleting it in place
 * when it cannot be renamed (then it waits); a `dir` that does not exist is fine. `marker`: the
 * file in `dir` that makes it count as its owner's (a container's record). The rename takes it
 * with the rest; a deletion in place unlinks it first, so one that fails half-way leaves a tree
 * its owner sweeps at its next start, not one it loads.
 */
export async function removeSoon(dir: string, marker?: string): Promise<void> {
  const aside = path.join(path.dirname(dir), `${GONE_PREFIX}${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
  try {
    // Something mounted in it (a start racing a removal mounted a rootfs after its cleanup; found
    // by the chaos campaign) must keep its path, where its owner unmounts it: deleted in place
    // then, as before (the mount makes that fail, as it did).
    if (hasMountBelow(dir)) throw Object.assign(new Error('mounted'), { code: 'EBUSY' });
    // At once: a rename in one directory, where a pool round trip took ~0.3 ms of each exit.
    renameSync(dir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (marker !== undefined) await removeFile(path.join(dir, marker));
    await removeTree(dir);
    return;
  }
  // A process still exiting may add a file meanwhile (ENOTEMPTY): removeTree retries.
  const p: Promise<void> = removeTree(aside)
    .catch(() => undefined)
    .finally(() => pending.delete(p));
  pending.add(p);
}

/**
 * Whether a directory right under `dir` is a mount point (another device): the trees set aside
 * here have their mounts (a container's rootfs, its /dev/shm) at that depth. Sync: a handful of
 * cached stat calls, and the answer must be as fresh as possible for the rename that follows.
 */
function hasMountBelow(dir: string): boolean {
  let dev: number;
  let entries: Dirent[];
  try {
    dev = statSync(dir).dev;
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((e) => {
    if (!e.isDirectory()) return false;
    try {
      return statSync(path.join(dir, e.name)).dev !== dev;
    } catch {
      return false;
    }
  });
}

/** Deletes what a crash left set aside in `parent`. */
export async function sweepGone(parent: string): Promise<void> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  await Promise.all(names.filter(isGone).map((n) => removeTree(path.join(parent, n)).catch(() => undefined)));
}

/** Resolves once the background deletions started so far are done. */
export async function settled(): Promise<void> {
  await Promise.all([...pending]);
}
