// A container's files as docker cp, diff and export see them: paths resolved inside the
// container's root and across its bind and volume mounts by the one scoped resolver
// (storage/scoped-path.ts), a stopped container's rootfs mounted for the operation, and a
// running one frozen while its files are resolved and copied.
//
// Why freeze: a path is resolved (symlinks read) and then acted on by path. A process in the
// container could swap a directory for a symlink to "/" in between and have berthd read or
// write host files (CVE-2018-15664). openat2(RESOLVE_IN_ROOT) would close the gap per call, but
// Node cannot call it, and GNU tar (which streams docker cp's output) opens by path too.
// Freezing the container's cgroup, as docker does since that CVE (podman too), stops every
// process that could swap a link, for the whole copy. Measured here (GET /archive of a small
// file from a running container, median of 15): 8.4 ms unfrozen; 114 ms frozen through
// `crun pause`/`resume`; 12.9 ms with the cgroup freezer written directly (host/cgroups.ts;
// the freeze itself takes ~0.05 ms), which is what this does. A container already paused stays paused; the freeze is internal (no
// pause event, state unchanged).
// What it cannot stop: another running container sharing a bind or volume mount; cp into
// a shared volume is as exposed as it is in docker.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { freezeCgroup, thawCgroup } from '../../host/cgroups.js';
import { spawnStreaming } from '../../host/command.js';
import type { OciRuntime } from '../../host/oci-runtime.js';
import type { Change } from '../../storage/overlay-diff.js';
import type { RwLayerStore } from '../../storage/rw-layer.js';
import { scopedComponents } from '../../storage/scoped-path.js';
import { unpackTar } from '../../storage/tar-apply.js';
import { mapTarOwners, type OwnerMap } from '../../storage/tar-owners.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { DaemonFreezes } from './daemon-freezes.js';
import { etcFilePaths } from './etc-files.js';
import { volumeNames } from './mounts.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { RUNTIME_MOUNT_PATHS } from './oci-spec.js';
import { resolveUserInRootfs } from './user.js';
import type { ContainerRecord, ResolvedMount } from './types.js';
import { isRunning, ZERO_TIME } from './state.js';


export interface ContainerFsDeps {
  rwLayers: RwLayerStore;
  containerDir(id: string): string;
  runtimeFor(name: string): OciRuntime;
  /** A stopped container's rootfs mounted as its start mounts it (ContainerRunner.mountRootfs). */
  mountRootfs(rec: ContainerRecord): Promise<string>;
  /** A user-namespaced container's owners, inside and on the host. */
  remapFor(rec: ContainerRecord): { toInside: OwnerMap; toHost: OwnerMap } | undefined;
  freezes: DaemonFreezes;
  /** Resolves once the container's exec launches in progress are done (a freeze waits for them). */
  launchesSettled(id: string): Promise<unknown>;
  /** Mounts and unmounts of volumes with the local driver's options (volume-service.ts). */
  volumes: Pick<VolumeService, 'mountFor' | 'unmountFor'>;
}

/** Where a container path lives on the host, and the bind or volume mount holding it, if any. */
interface HostPath {
  host: string;
  /** The cleaned container path the host path stands for, symlinks resolved. */
  containerPath: string;
  mount?: ResolvedMount;
}

/** What docker cp's stat header says of a path. */
export interface PathStat {
  /** The path's last element ("/" for the root). */
  name: string;
  stats: Stats;
  linkTarget: string;
}

export class ContainerFs {
  /** Names the volume holds of each use (volumes.mountFor). */
  private uses = 0;

  constructor(private readonly d: ContainerFsDeps) {}

  /** docker diff. */
  changes(rec: ContainerRecord): Promise<Change[]> {
    return this.d.rwLayers.changes({ id: rec.Id, parent: rec.TopLayer }, {
      // As dockerd's: the mount points of volumes, binds and tmpfs mounts show (A /data), not
      // what the runtime mounts over (/etc/hosts, /dev).
      ignore: RUNTIME_MOUNT_PATHS,
    });
  }

  /** docker export: the rootfs as a tar, handed to `consume` while the container is frozen. */
  async exportTar(rec: ContainerRecord, consume: (tar: Readable) => Promise<void>): Promise<void> {
    await this.withRootfs(rec, async (rootfs) => {
      const tar = spawnStreaming('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', '-', '.']);
      await consumeTar(tar, async () => consume(await this.ownersInside(rec, tar.stdout)));
    });
  }

  /** docker cp's HEAD: what is at `p` (a final symlink not followed). */
  stat(rec: ContainerRecord, p: string): Promise<PathStat> {
    return this.withRootfs(rec, async (rootfs) => (await this.statIn(rec, rootfs, p)).stat);
  }

  /** docker cp from the container: `p` as a tar whose top entry is named by p's last element. */
  async archive(rec: ContainerRecord, p: string, consume: (stat: PathStat, tar: Readable) => Promise<void>): Promise<void> {
    await this.withRootfs(rec, async (rootfs) => {
      const { host, stat } = await this.statIn(rec, rootfs, p);
      // docker cp wants the entries named by the requested path's last element (a dir's content
      // under it), which a mount's root (a volume's "_data") or a followed symlink's target
      // ("/link/" to "/target") is not named on the host; "/dir/." (the content alone) is ".",
      // and the root "/" ("/bin", …: the client puts them under its destination, as dockerd's).
      const normalized = path.posix.normalize('/' + p);
      const name = /(^|\/)\.$/.test(p) ? '.' : normalized === '/' ? '/' : path.posix.basename(normalized);
      const rename = name !== path.basename(host) ? renameTopEntry(path.basename(host), name) : [];
      // -P: names made absolute by that rename keep their "/" in hard link targets too.
      const absolute = name === '/' ? ['-P'] : [];
      // File capabilities go along (the only xattr docker's archive reads: security.capability).
      const tar = spawnStreaming('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=security.capability', ...absolute, ...rename, '-C', path.dirname(host), '-cf', '-', '--', path.basename(host)]);
      await consumeTar(tar, async () => consume(stat, await this.ownersInside(rec, tar.stdout)));
    });
  }

  /**
   * docker cp into the container: unpacks `tar` into the directory at `p`. Entries keep the
   * archive's owners, as the container sees them; with copyUIDGID (cp -a) and a container user
   * they all get that user's (moby applyTarCopyUserOptions).
   */
  async extract(rec: ContainerRecord, p: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    await this.withRootfs(rec, async (rootfs) => {
      const dest = await this.hostPathFor(rec, rootfs, p, true);
      const st = await fs.stat(dest.host).catch(() => undefined);
      if (!st) throw new NotFoundError(`Could not find the file ${p} in container ${rec.Name.replace(/^\//, '')}`);
      if (!st.isDirectory()) throw new InvalidArgumentError('extraction point is not a directory');
      // moby daemon/archive.go, checkIfPathIsInAVolume: a read-only mount refuses, and a
      // read-only rootfs refuses unless the path is in a writable mount.
      const writable = (t: HostPath): string => {
        if (t.mount && !t.mount.RW) throw new InvalidArgumentError('mounted volume is marked read-only');
        // 400 as dockerd's since 23.0 (its ErrRootFSReadOnly was a 500; berth's mapped to one too).
        if (!t.mount && rec.HostConfig.ReadonlyRootfs) throw new InvalidArgumentError('container rootfs is marked read-only');
        return t.host;
      };
      writable(dest);
      const fileMounts = new Set([...rec.Mounts, ...this.etcMounts(rec)].map((m) => m.Source));
      let owner: OwnerMap | undefined;
      if (opts.copyUIDGID && rec.Config.User) {
        const u = await resolveUserInRootfs(rootfs, rec.Config.User);
        owner = () => ({ uid: u.uid, gid: u.gid });
      }
      const toHost = this.d.remapFor(rec)?.toHost;
      if (toHost) {
        const inside = owner;
        owner = inside ? (uid, gid) => { const o = inside(uid, gid); return toHost(o.uid, o.gid); } : toHost;
      }
      await unpackTar(tar, dest.host, {
        owner,
        rewriteInPlace: (host) => fileMounts.has(host),
        noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
        // Each entry as the container sees it: one landing on a volume or bind mount (say
        // "data/x" extracted into "/" with a volume on /data) goes to the mount's source.
        // And never outside the destination: an entry reached through a symbolic link (one in
        // the archive, or one already in the container) that leads elsewhere is refused. docker
        // writes through such links (confined to the container by a chroot); a tar of a real
        // directory never has entries below a symlink, so only a crafted archive meets this.
        resolve: async (comps, followLast) => {
          const t = await this.hostPathFor(rec, rootfs, path.posix.join(dest.containerPath, ...comps), followLast);
          if (!within(t.containerPath, dest.containerPath)) {
            throw new InvalidArgumentError(`invalid archive entry ${JSON.stringify(comps.join('/'))}: it resolves to ${t.containerPath}, outside ${dest.containerPath}`);
          }
          return writable(t);
        },
      });
    });
  }

  private async statIn(rec: ContainerRecord, rootfs: string, p: string): Promise<HostPath & { stat: PathStat }> {
    // A trailing slash or "/." asks for a directory, and a symlink to one is followed: on anything
    // else the kernel's lstat fails, and dockerd with it. (Answered as the file, `docker cp F
    // C:/file/` overwrote the file where docker says "no such directory".)
    const wantsDir = /\/\.?$/.test(p) && p !== '/';
    const resolved = await this.hostPathFor(rec, rootfs, p, wantsDir);
    const stats = await fs.lstat(resolved.host).catch(() => undefined);
    if (!stats) throw new NotFoundError(`Could not find the file ${p} in container ${rec.Name.replace(/^\//, '')}`);
    if (wantsDir && !stats.isDirectory()) throw new InvalidArgumentError(`lstat ${p}: not a directory`);
    // As dockerd: the link fully evaluated in the container, as an absolute path (`cp -L` reads it).
    const linkTarget = stats.isSymbolicLink() ? (await this.hostPathFor(rec, rootfs, p, true)).containerPath : '';
    return { ...resolved, stat: { name: path.posix.basename(p) || '/', stats, linkTarget } };
  }

  /** A tar of the container's files with the owners it sees (the host's IDs shifted back when remapped). */
  private async ownersInside(rec: ContainerRecord, tar: Readable): Promise<Readable> {
    const toInside = this.d.remapFor(rec)?.toInside;
    return toInside ? mapTarOwners(tar, toInside) : tar;
  }

  /**
   * Runs fn with the rootfs mounted (it already is while the container runs) and frozen. Each
   * use counts as a user of the mount (RwLayerStore.using): the last one unmounts a stopped
   * container's, and a container's exit meanwhile leaves it to them. (A docker cp is a HEAD and a
   * GET: the first one's unmount came after its answer, under the second, which then found an
   * empty directory; and an exit's unmount came under a copy that had begun on the running
   * container.)
   */
  private async withRootfs<T>(rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
    const rw = this.d.rwLayers;
    // Counted in the same turn as the look at its state: the exit's unmount comes after.
    if (isRunning(rec)) return rw.using(rec.Id, async () => rw.paths(rec.Id).merged, (rootfs) => this.frozen(rec, () => fn(rootfs)));
    // A --rm container that ran is being removed: its exit has come, and its layer, mounted
    // volatile for the run, cannot be mounted again (a 500 "Invalid argument" before; found by
    // the fault campaign).
    if (rec.HostConfig.AutoRemove && rec.State.StartedAt !== ZERO_TIME) throw new ConflictError('container is marked for removal and cannot be used');
    // Its volumes with mount options too (a tmpfs, a bind of a host directory), as dockerd
    // mounts them for a copy: else the copy met the empty directory under them. Each use holds
    // them under a name of its own, so one use's end does not unmount them under another.
    const holder = `${rec.Id}/files/${++this.uses}`;
    // Mounted as a start would mount it: a start that comes meanwhile uses this mount as it is,
    // and keeps it mounted after the last use (found by the chaos campaign).
    return rw.using(rec.Id, () => this.d.mountRootfs(rec), async (rootfs) => {
      try {
        await this.d.volumes.mountFor(holder, volumeNames(rec));
        return await fn(rootfs);
      } finally {
        await this.d.volumes.unmountFor(holder);
      }
    });
  }

  /**
   * Runs fn with a running container frozen (a no-op for others): for commit with
   * `pause=false`, whose diff walk must not meet a swapped symlink either.
   */
  async frozen<T>(rec: ContainerRecord, fn: () => Promise<T>): Promise<T> {
    // Paused by a commit: that freeze is shared, so the commit's end does not thaw it under fn.
    if (rec.State.Status !== 'running' && !this.d.freezes.held(rec.Id)) return fn();
    // A user's pause that came meanwhile is kept: the container stays frozen for it.
    const unlessPaused = (thaw: () => Promise<void>) => () => (rec.State.Status === 'paused' ? Promise.resolve() : thaw());
    return this.d.freezes.hold(rec.Id, async () => {
      // An exec being launched first: crun refuses a frozen container, or its process would be
      // frozen half made. Execs that come from now on wait for the thaw (whileUnfrozen).
      await this.d.launchesSettled(rec.Id);
      const state = await freezeCgroup(rec.CgroupPath);
      // Exited meanwhile: no process is left to race with.
      if (state === 'gone') return undefined;
      if (state === 'frozen') return unlessPaused(() => thawCgroup(rec.CgroupPath));
      const runtime = this.d.runtimeFor(rec.Runtime);
      await runtime.pause(rec.Id);
      return unlessPaused(() => runtime.resume(rec.Id));
    }, fn);
  }

  /**
   * The files the runtime bind-mounts over /etc while the container runs (oci-spec.ts), as
   * mounts, unless the user mounted something there.
   */
  private etcMounts(rec: ContainerRecord): ResolvedMount[] {
    if (!isRunning(rec)) return [];
    const files = etcFilePaths(this.d.containerDir(rec.Id));
    return ([['/etc/hosts', files.hosts], ['/etc/hostname', files.hostname], ['/etc/resolv.conf', files.resolvConf]] as const)
      .filter(([dest]) => !rec.Mounts.some((m) => m.Destination === dest))
      .map(([dest, source]) => ({ Type: 'bind', Source: source, Destination: dest, Mode: '', RW: true, Propagation: 'rprivate' }));
  }

  /**
   * Maps a container path to the host path that holds it, resolving symlinks as the container
   * sees them (docker's container.ResolvePath) with the scoped resolver over the container's
   * mounts.
   */
  private async hostPathFor(rec: ContainerRecord, rootfs: string, containerPath: string, followLast: boolean): Promise<HostPath> {
    const mounts = [...rec.Mounts, ...this.etcMounts(rec)].flatMap((m): ResolvedMount[] => {
      if (m.Type !== 'tmpfs') return [m];
      // A tmpfs exists only in the running container's mount namespace: reach it through the
      // process's root (the container is frozen meanwhile). A stopped container has none.
      return isRunning(rec) && rec.State.Pid ? [{ ...m, Source: `/proc/${rec.State.Pid}/root${m.Destination}` }] : [];
    });
    const map = (comps: readonly string[]) => hostPathOf(mounts, rootfs, '/' + comps.join('/')).host;
    const comps = await scopedComponents(map, path.posix.normalize('/' + containerPath).split('/'), followLast);
    return hostPathOf(mounts, rootfs, '/' + comps.join('/'));
  }
}

/** Whether container path `p` is `dir` or below it. */
function within(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(dir.replace(/\/$/, '') + '/');
}

/**
 * Hands a tar process's output to its consumer, then waits for the process; a consumer that
 * fails or gives up (a client gone, a removal's abort) has the process killed, which would
 * otherwise block on its full pipe, holding files in the rootfs the caller is about to unmount.
 */
async function consumeTar(tar: ReturnType<typeof spawnStreaming>, consume: () => Promise<void>): Promise<void> {
  try {
    await consume();
  } catch (e) {
    tar.kill();
    await tar.done.catch(() => undefined);
    throw e;
  }
  await tar.done;
}

function hostPathOf(mounts: ResolvedMount[], rootfs: string, containerPath: string): HostPath {
  const mount = mounts
    .filter((m) => containerPath === m.Destination || containerPath.startsWith(m.Destination.replace(/\/$/, '') + '/'))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  const host = mount ? path.join(mount.Source, containerPath.slice(mount.Destination.length)) : path.join(rootfs, containerPath);
  return { host, containerPath, mount };
}

/** GNU tar arguments that rename the archive's top entry `from` (and what is under it) to `to`. */
function renameTopEntry(from: string, to: string): string[] {
  // A basic regular expression, literal: escape what BRE gives a meaning to.
  const re = from.replace(/[.[\]*^$\\]/g, '\\$&');
  const repl = to.replace(/[\\&]/g, '\\$&');
  const delim = [',', '|', '#', '%', '@', ':', ';', '!', '~', '\x01'].find((c) => !from.includes(c) && !to.includes(c))!;
  // To "/", the separator after the old name goes too ("rootfs/bin" is "/bin", not "//bin").
  const sep = to === '/' ? '/\\?' : '';
  // Flag S: symlink targets are the user's data, not member names; hard link targets are.
  return [`--transform=s${delim}^${re}${sep}${delim}${repl}${delim}S`];
}
