// Crash-safe metadata writes: temp file, fsync, rename, fsync of the directory. A reader sees
// the old file or the new one, never half of one. Where the mount addon is built, its
// writeFileAtomic does the same steps in one pool call. In JavaScript each step is a round trip
// through libuv's pool: eight of them, 0.8–0.95 ms a record alone here (0.55–0.65 ms in one call)
// and more while the event loop is busy, on the path of every create and start.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { nativeMount } from '../host/mounts.js';

/** Makes each temp name unique: two writes of one file in the same millisecond must not share one. */
let writes = 0;

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const native = nativeMount()?.writeFileAtomic;
  if (native) return native(path.resolve(file), typeof data === 'string' ? Buffer.from(data) : data, mode);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.${++writes}.tmp`);
  try {
    const fh = await fs.open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    // A full disk (or a removed directory) must not leave temp files behind.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 1));
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

export async function syncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
