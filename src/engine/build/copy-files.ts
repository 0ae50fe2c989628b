// COPY and ADD's file work: copying context (or another stage's) files into a mounted rootfs.
// Destinations resolve inside the rootfs (storage/scoped-path.ts): an image's symlink never
// leads the copy onto the host. Owners become --chown's (or root for context files, as
// docker's builder does; kept for COPY --from without --chown), modes are kept unless --chmod.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scopedParentJoin, scopedResolve } from '../../storage/scoped-path.js';

export interface CopyOwner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** Owner of everything copied; undefined keeps the source's. */
  owner?: CopyOwner;
  /** --chmod: mode of everything copied. */
  mode?: number;
}

const comps = (p: string) => p.split('/').filter((c) => c && c !== '.');

/** Makes the directory (and parents) at container path `dir`, scoped; returns its host path. */
export async function ensureDir(rootfs: string, dir: string, owner?: CopyOwner): Promise<string> {
  let cur: string[] = [];
  for (const c of comps(dir)) {
    cur = [...cur, c];
    const host = await scopedResolve(rootfs, cur);
    const st = await fs.lstat(host).catch(() => undefined);
    if (!st) {
      await fs.mkdir(host, { mode: 0o755 });
      if (owner) await fs.lchown(host, owner.uid, owner.gid);
    } else if (!st.isDirectory()) {
      throw new Error(`cannot copy to ${dir}: ${'/' + cur.join('/')} is not a directory`);
    }
  }
  return scopedResolve(rootfs, comps(dir));
}

/**
 * Copies host path `src` (file, dir's contents when `contentsOnly`, symlink, …) to the
 * container path `dest` (the final name, not its parent).
 */
export async function copyEntry(src: string, rootfs: string, dest: string, opts: CopyOptions, contentsOnly = false): Promise<void> {
  const st = await fs.lstat(src);
  const parts = comps(dest);
  if (st.isDirectory()) {
    const host = parts.length ? await scopedResolve(rootfs, parts) : rootfs;
    const existing = await fs.lstat(host).catch(() => undefined);
    if (existing && !existing.isDirectory()) await fs.rm(host, { force: true });
    if (!existing || !existing.isDirectory()) {
      await fs.mkdir(host);
      await fs.chmod(host, opts.mode ?? st.mode & 0o7777);
      await fs.lchown(host, opts.owner?.uid ?? st.uid, opts.owner?.gid ?? st.gid);
    } else if (!contentsOnly) {
      await fs.chmod(host, opts.mode ?? st.mode & 0o7777);
    }
    for (const n of (await fs.readdir(src)).sort()) {
      await copyEntry(path.join(src, n), rootfs, `${parts.join('/')}/${n}`, opts);
    }
    return;
  }
  const host = await scopedParentJoin(rootfs, parts);
  const existing = await fs.lstat(host).catch(() => undefined);
  if (existing) await fs.rm(host, { recursive: existing.isDirectory(), force: true });
  if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(src), host);
  } else if (st.isFile()) {
    await fs.copyFile(src, host);
    await fs.chmod(host, opts.mode ?? st.mode & 0o7777);
  } else {
    return; // devices, fifos and sockets are not copied from a context
  }
  await fs.lchown(host, opts.owner?.uid ?? st.uid, opts.owner?.gid ?? st.gid);
}

/** Writes `data` as a file at container path `dest`. */
export async function writeFileEntry(rootfs: string, dest: string, data: Buffer | string, mode: number, owner: CopyOwner): Promise<void> {
  const host = await scopedParentJoin(rootfs, comps(dest));
  const existing = await fs.lstat(host).catch(() => undefined);
  if (existing) await fs.rm(host, { recursive: existing.isDirectory(), force: true });
  await fs.writeFile(host, data);
  await fs.chmod(host, mode);
  await fs.lchown(host, owner.uid, owner.gid);
}
