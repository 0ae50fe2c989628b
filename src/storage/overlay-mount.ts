// The data string of an overlay mount. The kernel copies mount data into one page, so the
// whole "lowerdir=…,upperdir=…,workdir=…" must stay under 4096 bytes; layers are therefore
// named by short links (<root>/layers/l/<26 chars>, docker overlay2's l/ directory), and when
// even those are too long, by paths relative to the layer root, mounted from that directory.
// A container's own mount is made from its directory with every path relative to it: overlay
// shows these strings as given in /proc/mounts, which crun reads whole at every create and exec
// (its SELinux probe), so with 500 containers absolute paths made each read ~2× as long and slow.
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** The kernel's limit: one page, including the terminating NUL. */
export const MOUNT_DATA_MAX = 4095;

export interface OverlayMountSpec {
  /** Lower layers, topmost first (overlayfs's order in lowerdir=). */
  lowerDirs: readonly string[];
  /** Omit both upperDir and workDir for a read-only mount (needs two or more lowers). */
  upperDir?: string;
  workDir?: string;
  /** Mount from this directory, every path relative to it, when that fits in a page. */
  relativeTo?: string;
  /**
   * overlay's `volatile`: no sync of the upper file system, at any fsync in the overlay nor at
   * its unmount, which otherwise syncs the whole file system the upper directory is on.
   */
  volatile?: boolean;
}

export interface OverlayMountData {
  /** The -o argument of `mount -t overlay`. */
  data: string;
  /** When set, relative lowerdirs: run mount with this working directory. */
  cwd?: string;
}

function checkPath(p: string): void {
  // ':' separates lowerdirs and ',' separates options; overlay has no escape for either here.
  if (/[,:]/.test(p)) throw new InvalidArgumentError(`overlay path may not contain ',' or ':': ${p}`);
}

function assemble(lowers: readonly string[], spec: OverlayMountSpec): string {
  let data = `lowerdir=${lowers.join(':')}`;
  if (spec.upperDir !== undefined) data += `,upperdir=${spec.upperDir},workdir=${spec.workDir}`;
  if (spec.volatile && spec.upperDir !== undefined) data += ',volatile';
  return data;
}

/**
 * Builds the overlay mount data for `spec`. Absolute paths when they fit in a page; otherwise
 * lowerdirs relative to their common parent directory, returned as `cwd`.
 */
export function overlayMountData(spec: OverlayMountSpec): OverlayMountData {
  if (spec.lowerDirs.length === 0) throw new InvalidArgumentError('overlay mount needs at least one lower directory');
  if ((spec.upperDir === undefined) !== (spec.workDir === undefined)) {
    throw new InvalidArgumentError('overlay mount needs both upperdir and workdir, or neither');
  }
  for (const p of [...spec.lowerDirs, spec.upperDir ?? '', spec.workDir ?? '']) checkPath(p);
  if (spec.relativeTo !== undefined) {
    const base = path.resolve(spec.relativeTo);
    const rel = (p: string): string => path.relative(base, path.resolve(p)) || '.';
    const upper = spec.upperDir === undefined ? {} : { upperDir: rel(spec.upperDir), workDir: rel(spec.workDir!) };
    const data = assemble(spec.lowerDirs.map(rel), { ...spec, ...upper });
    if (data.length <= MOUNT_DATA_MAX) return { data, cwd: base };
  }
  const upper = spec.upperDir === undefined ? {} : { upperDir: path.resolve(spec.upperDir), workDir: path.resolve(spec.workDir!) };
  const full = { ...spec, ...upper };
  const absolute = assemble(spec.lowerDirs.map((d) => path.resolve(d)), full);
  if (absolute.length <= MOUNT_DATA_MAX) return { data: absolute };

  // Relative lowerdirs, e.g. "l/ABC…:l/DEF…", resolved by the kernel against mount's cwd.
  const cwd = commonAncestor(spec.lowerDirs.map((d) => path.resolve(d)));
  const relative = assemble(spec.lowerDirs.map((d) => path.relative(cwd, path.resolve(d))), full);
  if (relative.length > MOUNT_DATA_MAX) {
    throw new InvalidArgumentError(`too many layers: overlay mount options of ${relative.length} bytes exceed one page`);
  }
  return { data: relative, cwd };
}

function commonAncestor(paths: readonly string[]): string {
  let parts = path.dirname(paths[0]!).split('/');
  for (const p of paths.slice(1)) {
    const q = path.dirname(p).split('/');
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/') || '/';
}
