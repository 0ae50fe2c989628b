// Unpacks one layer tar into its own directory, translating OCI whiteouts into overlayfs's
// (image-spec layer.md, "Whiteouts"; overlayfs.rst, "whiteouts and opaque directories"), so the
// directory can serve as an overlay lowerdir as it is. Entries stream to disk one by one.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as tar from 'tar-stream';
import { loadTar, tarReadError, XATTR_PAX_PREFIX } from './tar-module.js';
import { InvalidArgumentError } from '../errors.js';
import { runCommand } from '../host/command.js';
import { entryComponents, scopedParentJoin, scopedResolve } from './scoped-path.js';
import { setOpaque, setXattr } from './xattr.js';
import type { OwnerMap } from './tar-owners.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Other ".wh..wh." names are AUFS bookkeeping (hardlink dirs) and are skipped, as docker does. */
const AUFS_META_PREFIX = '.wh..wh.';

type TarEntry = AsyncIterable<Buffer> & { header: tar.Header };

const ARCHIVE_FAULTS = new Set(['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'EINVAL', 'ELOOP', 'ENOTEMPTY', 'EPERM', 'EXDEV']);

export interface UnpackStats {
  /** Bytes of file content and symlink targets written (hardlinks counted once). */
  size: number;
  entries: number;
}

export interface UnpackOptions {
  /**
   * Translate OCI whiteouts (".wh.NAME", ".wh..wh..opq") into overlayfs's: for image layers
   * only. Elsewhere (docker cp) such names are plain files, as docker writes them: honouring
   * ".wh..." there once deleted the parent of the destination.
   */
  whiteouts?: boolean;
  /**
   * Refuse to replace an existing directory with a non-directory or the reverse (docker cp's
   * noOverwriteDirNonDir; moby pkg/archive createTarFile) instead of removing what is there.
   */
  noOverwriteDirNonDir?: boolean;
  /**
   * Host path of the entry named by `components` under `dest`; the last component is followed
   * only with `followLast`. Default: symlinks resolved inside `dest` (scoped-path.ts). docker cp
   * resolves across the container's mounts instead.
   */
  resolve?: (components: readonly string[], followLast: boolean) => Promise<string>;
  /**
   * Whether a file entry landing on this existing file rewrites it in place rather than
   * replacing it: a file bind-mounted into a running container (its /etc/hosts) keeps its inode.
   */
  rewriteInPlace?: (host: string) => boolean;
  /**
   * Each entry's owner on disk from its owner in the archive (docker cp -a with a container
   * user: that user for all; into a remapped container: the IDs shifted to the host's).
   */
  owner?: OwnerMap;
}

/** Unpacks an uncompressed tar stream into `dest`, which must exist. */
export async function unpackTar(tarStream: Readable, dest: string, opts: UnpackOptions = {}): Promise<UnpackStats> {
  const extract = (await loadTar()).extract();
  const feeding = pipeline(tarStream, extract);
  feeding.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  const stats: UnpackStats = { size: 0, entries: 0 };
  const dirTimes: { host: string; depth: number; mtime: Date }[] = [];
  try {
    for await (const entry of extract) {
      stats.entries++;
      try {
        await applyEntry(dest, entry as unknown as TarEntry, stats, dirTimes, opts);
      } catch (e) {
        // What an entry's own name, type or link target makes the kernel refuse (an empty
        // symlink target, a name too long, a file where a directory must be, a link loop) is
        // the archive's fault: a 400 naming the entry. Disk and I/O errors stay what they are.
        const code = (e as NodeJS.ErrnoException).code;
        if (code && ARCHIVE_FAULTS.has(code)) {
          throw new InvalidArgumentError(`invalid archive entry ${JSON.stringify(entry.header.name)}: ${(e as Error).message}`);
        }
        // A write's error names no file: the entry's path, as dockerd's "write /f: no space left".
        const sys = e as NodeJS.ErrnoException;
        if (code && sys.syscall && !sys.path) sys.path = `/${entryComponents(entry.header.name).join('/')}`;
        throw e;
      }
    }
    await feeding;
  } catch (err) {
    tarStream.destroy();
    extract.destroy();
    await feeding.catch(() => undefined);
    throw tarReadError(err);
  }
  // Directory mtimes last, deepest first: writing a child changes its parent's mtime.
  dirTimes.sort((a, b) => b.depth - a.depth);
  for (const d of dirTimes) await fs.utimes(d.host, d.mtime, d.mtime).catch(() => undefined);
  return stats;
}

async function drain(entry: TarEntry): Promise<void> {
  for await (const _ of entry) {
    // discard
  }
}

async function applyEntry(
  dest: string,
  entry: TarEntry,
  stats: UnpackStats,
  dirTimes: { host: string; depth: number; mtime: Date }[],
  opts: UnpackOptions,
): Promise<void> {
  const h = entry.header;
  const resolve = opts.resolve ?? ((c: readonly string[], followLast: boolean) => (followLast ? scopedResolve(dest, c) : scopedParentJoin(dest, c)));
  const comps = entryComponents(h.name);
  const base = comps[comps.length - 1];
  const mtime = h.mtime ?? new Date(0);

  if (base === undefined) {
    // The archive's "./": the layer root itself, whose attributes become those of "/".
    await drain(entry);
    if (h.type === 'directory') {
      await setOwnerAndMode(dest, h, false, opts.owner);
      dirTimes.push({ host: dest, depth: 0, mtime });
    }
    return;
  }

  if (opts.whiteouts && base.startsWith(WHITEOUT_PREFIX)) {
    await drain(entry);
    const parent = await resolve(comps.slice(0, -1), true);
    await fs.mkdir(parent, { recursive: true, mode: 0o755 });
    if (base === OPAQUE_WHITEOUT) {
      await setOpaque(parent);
    } else if (!base.startsWith(AUFS_META_PREFIX)) {
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      // ".wh.." or ".wh..." would whiteout the directory itself or its parent.
      if (hidden === '' || hidden === '.' || hidden === '..' || hidden.includes('/')) {
        throw new InvalidArgumentError(`invalid whiteout ${JSON.stringify(h.name)}`);
      }
      const host = path.join(parent, hidden);
      await fs.rm(host, { recursive: true, force: true });
      await runCommand('mknod', ['-m', '000', host, 'c', '0', '0']);
      await fs.lchown(host, h.uid ?? 0, h.gid ?? 0);
    }
    return;
  }

  const host = await resolve(comps, false);
  await fs.mkdir(path.dirname(host), { recursive: true, mode: 0o755 });
  const existing = await fs.lstat(host).catch(() => undefined);
  if (existing && opts.noOverwriteDirNonDir && existing.isDirectory() !== (h.type === 'directory')) {
    await drain(entry);
    throw new InvalidArgumentError(existing.isDirectory()
      ? `cannot overwrite directory ${JSON.stringify(comps.join('/'))} with non-directory`
      : `cannot overwrite non-directory ${JSON.stringify(comps.join('/'))} with directory`);
  }
  const isFile = h.type === 'file' || h.type === 'contiguous-file' || !h.type;
  const inPlace = !!existing?.isFile() && isFile && !!opts.rewriteInPlace?.(host);
  // A later entry replaces an earlier one, except a directory over a directory (docker's rule).
  if (existing && !inPlace && !(existing.isDirectory() && h.type === 'directory')) {
    await fs.rm(host, { recursive: true, force: true });
  }

  switch (h.type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null: {
      const fh = await fs.open(host, inPlace ? 'w' : 'wx', 0o600);
      let whole = false;
      try {
        for await (const chunk of entry) {
          const b = chunk as Buffer;
          let off = 0;
          while (off < b.length) off += (await fh.write(b, off, b.length - off)).bytesWritten;
        }
        whole = true;
      } finally {
        await fh.close();
        // A full disk or a cut archive: no torn file stays to pass for a whole one (docker cp
        // left 146 MiB of a 200 MiB file when the disk filled).
        if (!whole && !inPlace) await fs.rm(host, { force: true }).catch(() => undefined);
      }
      stats.size += h.size ?? 0;
      break;
    }
    case 'directory':
      await drain(entry);
      if (!existing) await fs.mkdir(host, { mode: 0o700 });
      dirTimes.push({ host, depth: comps.length, mtime });
      break;
    case 'symlink':
      await drain(entry);
      await fs.symlink(h.linkname ?? '', host);
      stats.size += Buffer.byteLength(h.linkname ?? '');
      break;
    case 'link': {
      await drain(entry);
      const target = await resolve(entryComponents(h.linkname ?? ''), false);
      if (target === dest) throw new InvalidArgumentError(`invalid hardlink ${JSON.stringify(h.name)} to the layer root`);
      try {
        await fs.link(target, host);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // The archive's fault: a link to nothing, to a directory, or across devices (a mount).
        if (code === 'ENOENT' || code === 'EPERM' || code === 'EXDEV' || code === 'ENOTDIR') {
          throw new InvalidArgumentError(`invalid hardlink ${JSON.stringify(h.name)} to ${JSON.stringify(h.linkname)}: ${code}`);
        }
        throw e;
      }
      // The inode's owner, mode and times came with the entry that created it.
      return;
    }
    case 'character-device':
    case 'block-device':
      await drain(entry);
      await runCommand('mknod', [
        '-m', '000', host, h.type === 'character-device' ? 'c' : 'b', String(h.devmajor ?? 0), String(h.devminor ?? 0),
      ]);
      break;
    case 'fifo':
      await drain(entry);
      await runCommand('mknod', ['-m', '000', host, 'p']);
      break;
    default:
      // pax and GNU long-name records are folded into the next header by tar-stream.
      await drain(entry);
      return;
  }
  await setOwnerAndMode(host, h, h.type === 'symlink', opts.owner);
  // After the chown, which clears file capabilities. overlayfs's own xattrs are never taken
  // from an archive (whiteouts are entries); a file system without xattrs skips them, as docker.
  for (const [key, value] of Object.entries(h.pax ?? {})) {
    if (!key.startsWith(XATTR_PAX_PREFIX) || key.startsWith(`${XATTR_PAX_PREFIX}trusted.overlay.`)) continue;
    await setXattr(host, key.slice(XATTR_PAX_PREFIX.length), Buffer.from(value, 'latin1')).catch(() => undefined);
  }
  if (h.type !== 'directory') await fs.lutimes(host, mtime, mtime);
}

async function setOwnerAndMode(host: string, h: tar.Header, isSymlink: boolean, owner?: OwnerMap): Promise<void> {
  const o = owner ? owner(h.uid ?? 0, h.gid ?? 0) : { uid: h.uid ?? 0, gid: h.gid ?? 0 };
  await fs.lchown(host, o.uid, o.gid);
  // chmod after chown: chown clears setuid/setgid. Symlinks have no mode of their own on Linux.
  if (!isSymlink) await fs.chmod(host, (h.mode ?? 0o644) & 0o7777);
}
