// Mount and unmount: mount(2)/umount2(2) through the Node-API addon native/mount-addon.c (built
// by scripts/setup-host.sh) where it is installed, else util-linux's mount/umount (a process
// each: 2–3 ms, twice per `run --rm`). mountinfo tells what is mounted.
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './command.js';
import { loadAddon } from './native-addon.js';

interface NativeMount {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): Promise<void>;
  /** mount with relative paths in data resolved against dir (absent from an addon built before it). */
  mountFrom?(dir: string, source: string | null, target: string, fstype: string | null, flags: number, data: string | null): Promise<void>;
  umount(target: string, flags: number): Promise<void>;
  /** umount2 on the calling thread, for an unmount that waits on no I/O (absent from older builds). */
  umountNow?(target: string, flags: number): void;
  /** rm -rf of an absolute path in one pool call (absent from an addon built before it). */
  removeTree?(path: string): Promise<void>;
  /** storage/atomic-file.ts's temp-fsync-rename-fsync write in one pool call (absent from older builds). */
  writeFileAtomic?(file: string, data: Buffer, mode: number): Promise<void>;
}

let addon: NativeMount | null | undefined;

/** The addon, loaded once; undefined when it is not built (or BERTH_NO_NATIVE_MOUNT is set): util-linux then. */
export function nativeMount(): NativeMount | undefined {
  if (addon === undefined) addon = loadAddon<NativeMount>('mount', 'BERTH_NO_NATIVE_MOUNT') ?? null;
  return addon ?? undefined;
}

// <sys/mount.h>
const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_RELATIME = 1 << 21;
const MNT_DETACH = 2;
const FLAG_WORDS: Record<string, number> = {
  ro: MS_RDONLY, rw: 0, nosuid: MS_NOSUID, suid: 0, nodev: MS_NODEV, dev: 0, noexec: MS_NOEXEC, exec: 0,
  noatime: MS_NOATIME, nodiratime: MS_NODIRATIME, relatime: MS_RELATIME, defaults: 0,
};

/** `-o` options as mount(8) splits them: the generic words become flags, the rest the fs's data. */
export function splitMountOptions(options: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options.split(',')) {
    if (!o) continue;
    if (o in FLAG_WORDS) flags |= FLAG_WORDS[o]!;
    else data.push(o);
  }
  return { flags, data: data.join(',') };
}

/** Mounts an overlay; `cwd` is set when its paths are relative, and they resolve against it. */
export async function mountOverlay(options: string, target: string, cwd?: string): Promise<void> {
  const native = nativeMount();
  if (native && (cwd === undefined || native.mountFrom)) {
    const { flags, data } = splitMountOptions(options);
    return cwd === undefined ? native.mount('overlay', target, 'overlay', flags, data) : native.mountFrom!(cwd, 'overlay', target, 'overlay', flags, data);
  }
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { timeoutMs: 30_000, cwd });
}

/** A tmpfs at target; `source` is the name mountinfo shows for it (how its maker tells it apart). */
export async function mountTmpfs(target: string, options = 'mode=755', source = 'tmpfs'): Promise<void> {
  const native = nativeMount();
  if (native) {
    const { flags, data } = splitMountOptions(options);
    return native.mount(source, target, 'tmpfs', flags, data);
  }
  await runCommand('mount', ['-t', 'tmpfs', '-o', options, source, target], { timeoutMs: 30_000 });
}

/**
 * Unmounts target if it is mounted; a lazy detach if it is busy so a stuck reader never blocks
 * removal. `mounted` tells whether it is (isMountPoint unless the caller knows a cheaper test).
 */
export async function unmount(target: string, mounted: (target: string) => Promise<boolean> = isMountPoint): Promise<void> {
  if (!(await mounted(target))) return;
  const native = nativeMount();
  if (native) {
    try {
      await native.umount(target, 0);
    } catch {
      if (await mounted(target)) await native.umount(target, MNT_DETACH);
    }
    return;
  }
  const r = await runCommand('umount', [target], { allowFailure: true, timeoutMs: 30_000 });
  if (r.code !== 0 && (await mounted(target))) {
    await runCommand('umount', ['-l', target], { timeoutMs: 30_000 });
  }
}

/**
 * Unmounts whatever is mounted at target, stacked mounts included, for a caller that mounted
 * another file system there itself (a container's rootfs overlay). With the addon, umount2 until
 * the kernel answers that target is no mount point (EINVAL), or the device test (two cached
 * stats, at once) says the parent's file system shows there again: no mountinfo read, and no
 * second pool round trip after the one unmount a rootfs has. A busy mount is detached, as
 * unmount() does. `now`: the caller knows the unmount waits on no I/O (an overlay mounted
 * volatile), so it runs on this thread, without the pool's two hand-offs.
 */
export async function unmountStack(target: string, opts: { now?: boolean } = {}, max = 4): Promise<void> {
  const native = nativeMount();
  if (!native) {
    for (let i = 0; i < max && (await isForeignMount(target)); i++) await unmount(target, isForeignMount);
    return;
  }
  const umountNow = native.umountNow;
  const umount = opts.now && umountNow ? async (t: string, flags: number) => umountNow(t, flags) : native.umount.bind(native);
  for (let i = 0; i < max; i++) {
    try {
      await umount(target, 0);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return;
      if (code !== 'EBUSY') throw e;
      await umount(target, MNT_DETACH);
    }
    if (!(await isForeignMount(target))) return;
  }
}

/** Mount points at or below prefix, deepest first (the order to unmount them in). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp === undefined) continue;
    const decoded = decodeMountPath(mp);
    if (decoded === prefix || decoded.startsWith(prefix.endsWith('/') ? prefix : prefix + '/')) points.push(decoded);
  }
  return points.sort((a, b) => b.length - a.length);
}

/** The type and source of the mount seen at target (the last one mounted there), if any. */
export async function topMountAt(target: string): Promise<{ fstype: string; source: string } | undefined> {
  let top: { fstype: string; source: string } | undefined;
  for (const line of (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    if (decodeMountPath(line.split(' ')[4] ?? '') !== target) continue;
    // The optional fields end at " - "; the type and the source follow.
    const [fstype = '', source = ''] = line.split(' - ')[1]?.split(' ') ?? [];
    top = { fstype, source: decodeMountPath(source) };
  }
  return top;
}

/** A path as mountinfo writes it: space, tab, newline and backslash as octal escapes. */
function decodeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export async function isMountPoint(target: string): Promise<boolean> {
  return (await mountsUnder(target)).includes(target);
}

/**
 * Whether another filesystem than its parent directory's is mounted at target (an overlay or a
 * tmpfs: each has a device of its own). Two stats, where isMountPoint reads all of mountinfo,
 * which lists every mount of the host (with 500 containers, 500 overlays of ~700 bytes each,
 * read and parsed at each start and three times at each removal). Not for bind mounts of the
 * same filesystem, which keep its device.
 */
export async function isForeignMount(target: string): Promise<boolean> {
  // At once: two cached stats, where two pool round trips took ~0.7 ms of a start's mount.
  try {
    return statSync(target).dev !== statSync(path.dirname(target)).dev;
  } catch {
    return false;
  }
}
