// Turns -v/--volume, --mount, --tmpfs, --volumes-from and an image's VOLUMEs into the mounts a
// container gets, creating named and anonymous volumes as Docker does, and fills a new volume
// with the image's content at its path.
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { InvalidArgumentError } from '../../errors.js';
import { runCommand } from '../../host/command.js';
import { mkdirAll } from '../../host/mkdir-all.js';
import { scopedResolve } from '../../storage/scoped-path.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { ContainerConfig, ContainerRecord, HostConfig, ResolvedMount } from './types.js';

export interface BindSpec {
  source: string;
  target: string;
  readOnly: boolean;
  propagation: string;
  nocopy: boolean;
}

/** Parses one -v entry: "src:dst[:opts]" or an anonymous "dst". */
export function parseBind(spec: string): BindSpec {
  const parts = spec.split(':');
  let source = '';
  let target: string;
  let opts = '';
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) {
    // "dst:ro" is an anonymous volume with options only when dst is absolute and opts valid.
    if (parts[0]!.startsWith('/') && /^(ro|rw|z|Z|nocopy)(,|$)/.test(parts[1]!)) {
      target = parts[0]!;
      opts = parts[1]!;
    } else {
      source = parts[0]!;
      target = parts[1]!;
    }
  } else if (parts.length === 3) [source, target, opts] = parts as [string, string, string];
  else throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  if (!target || !target.startsWith('/')) {
    throw new InvalidArgumentError(`invalid volume specification: '${spec}': invalid mount config for type "${source.startsWith('/') ? 'bind' : 'volume'}": invalid mount path: '${target}' mount path must be absolute`);
  }
  if (path.posix.normalize(target) === '/') {
    throw new InvalidArgumentError(`invalid volume specification: '${spec}': invalid mount config for type "${source.startsWith('/') ? 'bind' : 'volume'}": invalid specification: destination can't be '/'`);
  }
  let readOnly = false;
  let propagation = '';
  let nocopy = false;
  // As moby's ValidMountMode: at most one of each kind (rw/ro, a label, a propagation, nocopy).
  const seen = new Set<string>();
  const once = (kind: string) => {
    if (seen.has(kind)) throw new InvalidArgumentError(`invalid mode: ${opts}`);
    seen.add(kind);
  };
  for (const o of opts.split(',').filter(Boolean)) {
    if (o === 'ro' || o === 'rw') {
      once('rw');
      readOnly = o === 'ro';
    } else if (o === 'nocopy') {
      once('copy');
      nocopy = true;
    } else if (o === 'z' || o === 'Z') once('label');
    else if (['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'].includes(o)) {
      once('propagation');
      propagation = o;
    } else throw new InvalidArgumentError(`invalid mode: ${o}`);
  }
  return { source, target: path.posix.normalize(target), readOnly, propagation, nocopy };
}

/** "--tmpfs /run:rw,size=64m" arrives as {"/run": "rw,size=64m"}. */
export function tmpfsOptions(opts: string): string[] {
  return opts.split(',').filter(Boolean).map((o) => {
    const m = /^size=(\d+)([kmgKMG]?)$/.exec(o);
    if (!m) return o;
    return `size=${m[1]}${m[2] ? m[2].toLowerCase() : ''}`;
  });
}

export interface MountPlan {
  mounts: ResolvedMount[];
  /** Volumes created for this container (removed on failure, and by rm -v if anonymous). */
  createdVolumes: string[];
}

/**
 * The mounts of container `holder` being created. Its volumes are claimed for it
 * (VolumeService.claim): the caller releases them once its record is written, or its create
 * failed. A failure here releases them and removes the volumes it created itself.
 */
export async function resolveMounts(
  holder: string,
  config: ContainerConfig,
  host: HostConfig,
  imageVolumes: string[],
  volumes: VolumeService,
  /** Mounts of the --volumes-from containers, with their :ro/:rw already applied. */
  inherited: ResolvedMount[] = [],
  /** A client before API 1.44: its read-only mounts are read-only at their top only, as they were then. */
  legacyReadOnly = false,
): Promise<MountPlan> {
  const createdVolumes: string[] = [];
  try {
    const plan = await planMounts(holder, config, host, imageVolumes, volumes, inherited, createdVolumes);
    if (legacyReadOnly) for (const m of plan.mounts) if (!m.RW && m.Type !== 'tmpfs') m.ReadOnlyNonRecursive = true;
    return plan;
  } catch (e) {
    volumes.release(holder);
    for (const v of createdVolumes) await volumes.remove(v, true).catch(() => undefined);
    throw e;
  }
}

async function planMounts(
  holder: string,
  config: ContainerConfig,
  host: HostConfig,
  imageVolumes: string[],
  volumes: VolumeService,
  inherited: ResolvedMount[],
  createdVolumes: string[],
): Promise<MountPlan> {
  const mounts: ResolvedMount[] = [];
  const taken = new Set<string>();
  const add = (m: ResolvedMount) => {
    if (taken.has(m.Destination)) throw new InvalidArgumentError(`Duplicate mount point: ${m.Destination}`);
    taken.add(m.Destination);
    mounts.push(m);
  };
  const volumeMount = async (name: string | undefined, target: string, ro: boolean, labels?: Record<string, string>, noCopy = false, subpath = '', driver = host.VolumeDriver, driverOpts?: Record<string, string>) => {
    // Only the local driver exists. Said before anything is made, and as a 400: dockerd's 404
    // makes the docker CLI pull the image.
    if (driver && driver !== 'local') throw new InvalidArgumentError(`create ${name ?? ''}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    // --mount's volume-opt: the options of a volume this create makes (an existing one keeps its own).
    const { volume: vol, created } = await volumes.claim(holder, {
      Name: name,
      Labels: name ? labels : { ...labels, 'com.docker.volume.anonymous': '' },
      DriverOpts: driverOpts,
    });
    if (created) createdVolumes.push(vol.Name);
    // API 1.45's VolumeOptions.Subpath: a directory inside the volume, which must exist.
    let source = vol.Mountpoint;
    if (subpath) {
      const parts = subpath.split('/').filter((p) => p && p !== '.');
      if (parts.includes('..') || subpath.startsWith('/')) throw new InvalidArgumentError(`invalid volume subpath "${subpath}": must be a relative path inside the volume`);
      source = path.join(vol.Mountpoint, ...parts);
      if (!existsSync(source)) throw new InvalidArgumentError(`cannot access path ${source}: no such file or directory`);
    }
    add({
      Type: 'volume', Name: vol.Name, Source: source, Destination: target, Driver: 'local', Mode: ro ? 'ro' : 'z', RW: !ro, Propagation: '',
      ...(noCopy ? { NoCopy: true } : {}),
    });
  };
  for (const spec of host.Binds ?? []) {
    const b = parseBind(spec);
    if (b.source.startsWith('/')) {
      // -v creates a missing host directory (docker's legacy behaviour); --mount does not.
      if (!existsSync(b.source)) await makeBindSource(b.source);
      add({ Type: 'bind', Source: b.source, Destination: b.target, Mode: b.readOnly ? 'ro' : '', RW: !b.readOnly, Propagation: b.propagation || 'rprivate' });
    } else {
      await volumeMount(b.source || undefined, b.target, b.readOnly, undefined, b.nocopy);
    }
  }
  for (const m of host.Mounts ?? []) {
    const target = m.Target;
    if (!target?.startsWith('/')) throw new InvalidArgumentError(`invalid mount config for type "${m.Type}": invalid mount path: '${target}' mount path must be absolute`);
    if (m.Type === 'bind' && path.posix.normalize(target) === '/') throw new InvalidArgumentError(`invalid mount config for type "bind": invalid specification: destination can't be '/'`);
    if (m.Type === 'bind') {
      if (!m.Source || !existsSync(m.Source)) {
        if (m.BindOptions?.CreateMountpoint && m.Source) await makeBindSource(m.Source);
        else throw new InvalidArgumentError(`invalid mount config for type "bind": bind source path does not exist: ${m.Source ?? ''}`);
      }
      const o = m.BindOptions ?? {};
      // moby's checks (volume/mounts/linux_parser.go), with its words.
      const invalid = (why: string) => new InvalidArgumentError(`invalid mount config for type "bind": ${why}`);
      if (o.ReadOnlyNonRecursive && !m.ReadOnly) throw invalid("option 'ReadOnlyNonRecursive' requires 'ReadOnly' to be true");
      if (o.ReadOnlyForceRecursive && !m.ReadOnly) throw invalid("option 'ReadOnlyForceRecursive' requires 'ReadOnly' to be true");
      if (o.ReadOnlyNonRecursive && o.ReadOnlyForceRecursive) throw invalid("option 'ReadOnlyNonRecursive' and 'ReadOnlyForceRecursive' cannot be both true");
      if (o.ReadOnlyForceRecursive && (o.Propagation || 'rprivate') !== 'rprivate') throw invalid("option 'ReadOnlyForceRecursive' requires 'BindOptions.Propagation' to be 'rprivate'");
      add({
        Type: 'bind', Source: m.Source, Destination: target, Mode: '', RW: !m.ReadOnly, Propagation: o.Propagation || 'rprivate',
        ...(o.NonRecursive ? { NonRecursive: true } : {}), ...(o.ReadOnlyNonRecursive ? { ReadOnlyNonRecursive: true } : {}),
      });
    } else if (m.Type === 'volume') {
      await volumeMount(m.Source || undefined, target, !!m.ReadOnly, m.VolumeOptions?.Labels, !!m.VolumeOptions?.NoCopy, m.VolumeOptions?.Subpath, m.VolumeOptions?.DriverConfig?.Name || host.VolumeDriver, m.VolumeOptions?.DriverConfig?.Options);
    } else if (m.Type === 'tmpfs') {
      const opts: string[] = [];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      add({ Type: 'tmpfs', Source: '', Destination: target, Mode: '', RW: !m.ReadOnly, Propagation: '', Options: opts });
    } else {
      throw new InvalidArgumentError(`invalid mount config: mount type unknown: "${String(m.Type)}"`);
    }
  }
  for (const [target, opts] of Object.entries(host.Tmpfs ?? {})) {
    add({ Type: 'tmpfs', Source: '', Destination: target, Mode: '', RW: !/(^|,)ro(,|$)/.test(opts), Propagation: '', Options: tmpfsOptions(opts) });
  }
  // As Docker: the container's own mounts win over the inherited ones at the same path.
  for (const m of inherited) if (!taken.has(m.Destination)) add({ ...m });
  const anonymous = new Set([...imageVolumes, ...Object.keys(config.Volumes ?? {})]);
  for (const target of anonymous) {
    if (!taken.has(path.posix.normalize(target))) await volumeMount(undefined, path.posix.normalize(target), false);
  }
  return { mounts, createdVolumes };
}

/**
 * --volumes-from CTR[:ro|rw]: the other container's volumes and binds, read-only or read-write
 * as asked (else as they are there). `find` looks a container up by name or ID.
 */
/** A bind's missing host directory, made as dockerd makes it, with its words when it cannot be. */
async function makeBindSource(source: string): Promise<void> {
  await mkdirAll(source).catch((e: NodeJS.ErrnoException) => {
    const why = (e.errno !== undefined && getSystemErrorMap().get(e.errno)?.[1]) || e.code || e.message;
    throw new InvalidArgumentError(`error while creating mount source path '${source}': mkdir ${e.path ?? source}: ${why}`);
  });
}

export function volumesFrom(specs: string[], find: (ref: string) => ContainerRecord | undefined): ResolvedMount[] {
  return specs.flatMap((spec) => {
    const m = /^(.*?)(?::(ro|rw|z|Z|ro,z|rw,z|ro,Z|rw,Z))?$/.exec(spec)!;
    const from = find(m[1]!);
    // 400 as dockerd's: a 404 at create makes the docker CLI pull the image.
    if (!from) throw new InvalidArgumentError(`No such container: ${m[1]}`);
    const mode = m[2]?.split(',')[0];
    return from.Mounts
      .filter((mt) => mt.Type !== 'tmpfs')
      .map((mt) => {
        const rw = mode === 'ro' ? false : mode === 'rw' ? true : mt.RW;
        return { ...mt, RW: rw, Mode: mt.Type === 'volume' ? (rw ? 'z' : 'ro') : rw ? '' : 'ro', NoCopy: true };
      });
  });
}

/** The named and anonymous volumes a container mounts. */
export function volumeNames(rec: { Mounts: ResolvedMount[] }): string[] {
  return rec.Mounts.filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!);
}

/** As moby's copyExistingContents: the image's content at a volume's path fills it while it is empty. */
export async function populateVolumes(mounts: ResolvedMount[], rootfs: string, volumes: VolumeService): Promise<void> {
  for (const m of mounts) {
    if (m.Type !== 'volume' || !m.Name || m.NoCopy) continue;
    const vol = volumes.find(m.Name);
    if (!vol) continue;
    // Resolved inside the rootfs: an image's symlink at that path must not lead to the host's files.
    const src = await scopedResolve(rootfs, m.Destination.split('/').filter(Boolean));
    const st = await fs.stat(src).catch(() => undefined);
    if (!st) continue;
    // dockerd's refusal, without the host path it names.
    if (!st.isDirectory()) throw new InvalidArgumentError(`cannot mount volume over existing file, file exists ${m.Destination}`);
    // A copy cut short (the daemon killed, the disk full) left the volume not empty: without a
    // note of it, no later start would copy again, and the volume stayed half populated.
    const note = path.join(path.dirname(vol.Mountpoint), COPY_NOTE);
    const interrupted = existsSync(note);
    if (!interrupted && (await fs.readdir(vol.Mountpoint).catch(() => [])).length > 0) continue;
    // On disk before the copy begins: a host that goes down mid-copy must find it too.
    const fh = await fs.open(note, 'w', 0o600);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (interrupted) {
      for (const e of await fs.readdir(vol.Mountpoint)) await fs.rm(path.join(vol.Mountpoint, e), { recursive: true, force: true });
    }
    await runCommand('cp', ['-a', '--', `${src}/.`, vol.Mountpoint]);
    await fs.rm(note);
  }
}

/** Beside a volume's _data while the image's files are copied into it (populateVolumes). */
const COPY_NOTE = 'copying-image-files';
