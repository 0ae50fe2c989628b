// rm -rf of a tree berthd owns: a container's directory and bundle, an exec's bundle, the
// directory of a remapped daemon's ID-mapped layer views. Node's recursive rm makes each lstat,
// readdir, unlink and rmdir a round trip through libuv's pool, which costs berthd's main thread
// ~3 ms for each container removed; the mount addon's removeTree is one pool call (nftw).
// Without the addon, Node's rm as before. Unlike Node's rm, the addon never descends into
// another file system mounted below (a rootfs still mounted, an ID-mapped view of an image
// layer whose unmount failed, through which Node's rm would delete the layer's files): the
// removal fails instead.
import { promises as fs, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativeMount } from './mounts.js';

/** Errors worth another try: a process still exiting may add a file meanwhile (as Node's maxRetries). */
const RETRY = new Set(['ENOTEMPTY', 'EBUSY', 'EMFILE', 'ENFILE', 'EPERM']);
const RETRIES = 5;
const RETRY_DELAY_MS = 20;

/** Removes `dir` and everything in it; a `dir` that does not exist is fine. */
export async function removeTree(dir: string): Promise<void> {
  const remove = nativeMount()?.removeTree;
  if (!remove) return fs.rm(dir, { recursive: true, force: true, maxRetries: RETRIES, retryDelay: RETRY_DELAY_MS });
  const target = path.resolve(dir);
  for (let attempt = 1; ; attempt++) {
    try {
      return await remove(target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      // The tree went between the addon's lstat and its walk (another removal renamed it away;
      // the chaos-found store race of a save and an rm, seen once in CI): removed all the same.
      if (code === 'ENOENT') return;
      if (attempt > RETRIES || !RETRY.has(code)) throw e;
      await sleep(RETRY_DELAY_MS * attempt);
    }
  }
}

/**
 * Removes one file; one that is not there is fine. One unlink, at once: a few microseconds on
 * berthd's own local files (records, exit files), where a pool round trip took 0.3–0.5 ms of
 * each exit.
 */
export async function removeFile(file: string): Promise<void> {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
