// Go's os.MkdirAll for paths a user names (a bind's source, the daemon's roots): the missing
// directories made one at a time, from the first one that exists. Node's recursive mkdir spins
// for ever where mkdir(2) answers ENOENT under a parent that exists (any path below /proc): a
// `docker run -v /proc/x/y:/y` held a thread of libuv's pool at 100 % CPU and never answered,
// and four such requests would have stopped every file operation of the daemon.
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The missing directories of dir, outermost first. */
function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  return missing;
}

/** Makes dir and its missing parents; mkdir(2)'s own error (ENOENT, ENOTDIR, EACCES…) otherwise. */
export async function mkdirAll(dir: string, mode = 0o755): Promise<void> {
  for (const d of missingDirs(dir)) {
    await fs.mkdir(d, mode).catch((e: NodeJS.ErrnoException) => {
      // Made meanwhile (another request for the same path): as MkdirAll, that is success.
      if (e.code !== 'EEXIST') throw e;
    });
  }
}

/** mkdirAll, at once (the daemon's start, before its event loop serves anyone). */
export function mkdirAllSync(dir: string, mode = 0o755): void {
  for (const d of missingDirs(dir)) {
    try {
      mkdirSync(d, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
