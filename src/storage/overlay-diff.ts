// What a container changed, read from its overlay upper directory: as an OCI layer tar (for
// commit) and as docker's change list (for `docker diff`). overlayfs marks a deleted name with a
// 0:0 character device and a replaced directory with trusted.overlay.opaque=y; the OCI layer
// format says the same with ".wh.NAME" and ".wh..wh..opq" files (image-spec layer.md).
import type { Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as tar from 'tar-stream';
import { loadTar, XATTR_PAX_PREFIX } from './tar-module.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './tar-apply.js';
import { CAPABILITY_XATTR, readOverlayMarks, type OverlayMarks } from './xattr.js';

/** Docker's change kinds (api/types/container ChangeType). */
export const ChangeKind = { Modified: 0, Added: 1, Deleted: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

export interface DiffOptions {
  /**
   * Container paths ("/etc/hostname", "/proc") left out with everything below them: mount
   * points the runtime made in the upper dir that are not the user's changes.
   */
  ignore?: readonly string[];
  /**
   * Owner of an entry as the layer records it, from its owner on the host: a user-namespaced
   * container's files belong to host IDs that stand for IDs inside it.
   */
  mapOwner?: (uid: number, gid: number) => { uid: number; gid: number };
}

interface WalkItem {
  /** Container path without the leading "/": "etc/passwd". */
  rel: string;
  host: string;
  st: Stats;
}

/** Depth-first, names in byte order, as Go's filepath.Walk visits them. */
async function* walk(root: string, ignore: ReadonlySet<string>, rel = ''): AsyncGenerator<WalkItem> {
  const dir = rel === '' ? root : path.join(root, rel);
  const names = (await fs.readdir(dir)).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (ignore.has(r)) continue;
    const host = path.join(root, r);
    const st = await fs.lstat(host);
    yield { rel: r, host, st };
    if (st.isDirectory()) yield* walk(root, ignore, r);
  }
}

function ignoreSet(opts: DiffOptions): Set<string> {
  return new Set((opts.ignore ?? []).map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== ''));
}

function isWhiteout(item: WalkItem, marks: OverlayMarks): boolean {
  return (item.st.isCharacterDevice() && item.st.rdev === 0) || marks.whiteouts.has(item.host);
}

/** Linux's dev_t encoding (glibc gnu_dev_major/minor), enough for 32-bit device numbers. */
function devParts(rdev: number): { devmajor: number; devminor: number } {
  return { devmajor: (rdev >>> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
}

/**
 * Writes the changes in `upperDir` as an uncompressed OCI layer tar to `out`. `lowerDirs` are
 * not read for the tar (the upper dir says everything, as docker's overlay2 driver relies on);
 * they are taken so that callers hold one signature for both diff functions.
 */
export async function diffToTar(upperDir: string, _lowerDirs: readonly string[], out: Writable, opts: DiffOptions = {}): Promise<void> {
  const marks = await readOverlayMarks(upperDir);
  const pack = (await loadTar()).pack();
  const sending = pipeline(pack, out);
  sending.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  try {
    const links = new Map<string, string>();
    for await (const item of walk(upperDir, ignoreSet(opts))) await addEntry(pack, item, marks, links, opts.mapOwner);
    pack.finalize();
    await sending;
  } catch (err) {
    pack.destroy(err as Error);
    await sending.catch(() => undefined);
    throw err;
  }
}

function baseHeader(item: WalkItem, mapOwner?: DiffOptions['mapOwner']): Omit<tar.Header, 'type' | 'size' | 'linkname' | 'devmajor' | 'devminor' | 'pax'> {
  const owner = mapOwner ? mapOwner(item.st.uid, item.st.gid) : { uid: item.st.uid, gid: item.st.gid };
  return {
    name: item.rel,
    mode: item.st.mode & 0o7777,
    uid: owner.uid,
    gid: owner.gid,
    uname: '',
    gname: '',
    mtime: new Date(Math.floor(item.st.mtimeMs / 1000) * 1000),
  };
}

async function addEntry(pack: tar.Pack, item: WalkItem, marks: OverlayMarks, links: Map<string, string>, mapOwner?: DiffOptions['mapOwner']): Promise<void> {
  const { st } = item;
  const h = baseHeader(item, mapOwner);
  if (isWhiteout(item, marks)) {
    const dir = path.posix.dirname(item.rel);
    const name = `${dir === '.' ? '' : `${dir}/`}${WHITEOUT_PREFIX}${path.posix.basename(item.rel)}`;
    await putEntry(pack, { ...h, name, mode: 0o600, type: 'file', size: 0 });
  } else if (st.isDirectory()) {
    await putEntry(pack, { ...h, type: 'directory' });
    if (marks.opaque.has(item.host)) {
      await putEntry(pack, { ...h, name: `${item.rel}/${OPAQUE_WHITEOUT}`, mode: st.mode & 0o777, type: 'file', size: 0 });
    }
  } else if (st.isSymbolicLink()) {
    await putEntry(pack, { ...h, type: 'symlink', linkname: await fs.readlink(item.host) });
  } else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      await putEntry(pack, { ...h, type: 'link', linkname: first });
      return;
    }
    if (st.nlink > 1) links.set(key, item.rel);
    // File capabilities travel as a pax xattr record, as docker's archive writes them.
    const cap = marks.capabilities.get(item.host);
    const pax = cap ? { [`${XATTR_PAX_PREFIX}${CAPABILITY_XATTR}`]: cap.toString('latin1') } : undefined;
    await putFile(pack, { ...h, type: 'file', size: st.size, ...(pax ? { pax } : {}) }, item.host);
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    await putEntry(pack, { ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', ...devParts(st.rdev) });
  } else if (st.isFIFO()) {
    await putEntry(pack, { ...h, type: 'fifo' });
  }
  // Sockets are not archived (docker skips them too).
}

function putEntry(pack: tar.Pack, header: tar.Header | (Partial<tar.Header> & { name: string })): Promise<void> {
  return new Promise((resolve, reject) => {
    // An entry's failure comes through its callback; the entry stream itself then emits an
    // 'error' with no listener (when the pack is destroyed), which must not be uncaught.
    pack.entry(header, Buffer.alloc(0), (err) => (err ? reject(err) : resolve())).on('error', () => undefined);
  });
}

/** Streams exactly `header.size` bytes of the file: a file that shrank meanwhile is zero-padded. */
async function putFile(pack: tar.Pack, header: Partial<tar.Header> & { name: string; size: number }, host: string): Promise<void> {
  let done!: () => void;
  let failed!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => {
    done = res;
    failed = rej;
  });
  // Settled by the callback whatever happens: a failure while the file is read is thrown below.
  finished.catch(() => undefined);
  const sink = pack.entry(header, (err) => (err ? failed(err) : done()));
  sink.on('error', () => undefined); // reported through the callback, as in putEntry
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(host, 'r');
    const buf = Buffer.alloc(Math.min(header.size, 1 << 20));
    let left = header.size;
    while (left > 0) {
      const n = Math.min(left, buf.length);
      const { bytesRead } = await fh.read(buf, 0, n, null);
      const chunk = Buffer.from(buf.subarray(0, n));
      if (bytesRead < n) chunk.fill(0, bytesRead);
      left -= n;
      // A drain, or the archive's end: the reader downstream failed (a full disk) and the pack
      // was destroyed. Waiting for the drain alone hung here, holding the file open for ever.
      if (!sink.write(chunk)) await Promise.race([new Promise<void>((res) => sink.once('drain', () => res())), finished]);
    }
  } catch (err) {
    sink.destroy(err as Error);
    throw err;
  } finally {
    await fh?.close();
  }
  sink.end(undefined);
  await finished;
}

/** Whether `rel` exists in the lower layers (topmost first), a whiteout counting as absence. */
async function lowerStat(lowerDirs: readonly string[], rel: string): Promise<Stats | undefined> {
  for (const dir of lowerDirs) {
    const st = await fs.lstat(path.join(dir, rel)).catch(() => undefined);
    if (!st) continue;
    if (st.isCharacterDevice() && st.rdev === 0) return undefined;
    return st;
  }
  return undefined;
}

/**
 * Docker's change list for an overlay container (moby pkg/archive changes.go): every path in the
 * upper dir is Added, or Modified if it exists below, or Deleted if it is a whiteout (or an opaque
 * directory over a lower one); a directory
 * that only exists in the upper dir because a child changed is not listed for itself (same mode,
 * size and mtime below), but the parent directory of any change is reported Modified.
 */
export async function changes(upperDir: string, lowerDirs: readonly string[], opts: DiffOptions = {}): Promise<Change[]> {
  const marks = await readOverlayMarks(upperDir);
  const out: Change[] = [];
  const changedDirs = new Set<string>();
  const ignore = ignoreSet(opts);
  for await (const item of walk(upperDir, ignore)) {
    const p = `/${item.rel}`;
    let kind: ChangeKind;
    const below = isWhiteout(item, marks) ? undefined : await lowerStat(lowerDirs, item.rel);
    if (isWhiteout(item, marks) || (below && marks.opaque.has(item.host))) {
      // docker reports an opaque directory that hides a lower one as deleted (its new
      // contents then show up as added).
      kind = ChangeKind.Deleted;
    } else if (below) {
      const same = below.isDirectory() && item.st.isDirectory() && below.size === item.st.size &&
        below.mode === item.st.mode && below.mtimeMs === item.st.mtimeMs;
      if (same) continue;
      // A directory touched only by the runtime (it made /etc/hosts' mount point in it) is
      // not the user's change: docker's images have those files, so docker never reports it.
      if (item.st.isDirectory() && below.isDirectory() && await onlyIgnored(item.host, item.rel, ignore)) continue;
      kind = ChangeKind.Modified;
    } else {
      kind = ChangeKind.Added;
    }
    if (item.st.isDirectory()) changedDirs.add(p);
    // Docker adds the parent for additions and deletions only; overlay restores a directory's
    // times after a copy-up, so an edited /etc/passwd would then come without "C /etc", which
    // docker users see. The parent is reported for every kind of change.
    const parent = path.posix.dirname(p);
    if (parent !== '/' && !changedDirs.has(parent)) {
      out.push({ Path: parent, Kind: ChangeKind.Modified });
      changedDirs.add(parent);
    }
    out.push({ Path: p, Kind: kind });
  }
  return out;
}

/** Whether every entry of an upper directory is one the caller ignores (and there is one). */
async function onlyIgnored(dir: string, rel: string, ignore: ReadonlySet<string>): Promise<boolean> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.length > 0 && names.every((n) => ignore.has(rel ? `${rel}/${n}` : n));
}
