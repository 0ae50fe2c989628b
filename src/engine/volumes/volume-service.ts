// Named and anonymous volumes (local driver): a data directory per volume under
// <root>/<name>/_data, metadata written atomically beside it. A volume made with the local
// driver's options (type, device, o: a tmpfs, a bind of a host directory, an NFS export) has
// that file system mounted at _data while containers that use it run, as dockerd's local driver
// mounts it: at the first start, unmounted after the last exit.
import { directoriesBytes, directoryBytes } from '../../host/disk-usage.js';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { ConflictError, InvalidArgumentError, NotFoundError, SystemError, errorMessage } from '../../errors.js';
import { runCommand } from '../../host/command.js';
import { parseRamBytes } from '../../protocol/units.js';
import { isMountPoint, unmount } from '../../host/mounts.js';
import type { EventBus } from '../events/event-bus.js';
import { KeyedMutex } from '../../storage/lock.js';

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
}

const META = 'volume.json';

export interface VolumeOptions {
  Name?: string;
  Driver?: string;
  Labels?: Record<string, string>;
  DriverOpts?: Record<string, string>;
}

/** The local driver's options, checked as dockerd's (volume/local validateOpts); berth has no quotas. */
function checkDriverOpts(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) {
    if (!['type', 'o', 'device', 'size'].includes(k)) throw new InvalidArgumentError(`invalid option: "${k}"`);
  }
  if (opts.size !== undefined) {
    let bytes: number;
    try {
      bytes = parseRamBytes(opts.size);
    } catch (e) {
      throw new InvalidArgumentError(errorMessage(e));
    }
    if (bytes > 0) throw new InvalidArgumentError('quota size requested but no quota support');
  }
  const required: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };
  for (const [k, needs] of Object.entries(required)) {
    if (opts[k] === undefined) continue;
    for (const n of needs) if (opts[n] === undefined) throw new InvalidArgumentError(`missing required option: "${n}"`);
  }
}

/** Whether the volume's data is a file system of its own, mounted while it is used. */
function needsMount(v: Volume): boolean {
  return !!(v.Options.type || v.Options.device);
}

/** The name a create asks for (a random one for an anonymous volume), checked as docker does. */
function volumeName(opts: VolumeOptions): string {
  const name = opts.Name || randomBytes(32).toString('hex');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw new InvalidArgumentError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  const driver = opts.Driver || 'local';
  if (driver !== 'local') throw new NotFoundError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
  checkDriverOpts(opts.DriverOpts ?? {});
  return name;
}

export class VolumeService {
  private volumes = new Map<string, Volume>();
  /** A volume's create and remove, one at a time (a remove deleting what a create makes). */
  private readonly changes = new KeyedMutex();
  /** Containers being created that mount a volume before their records say so, by volume. */
  private readonly claims = new Map<string, Set<string>>();
  /** The volumes whose file system is mounted at their _data, with the containers using it. */
  private readonly mounted = new Map<string, Set<string>>();

  constructor(readonly root: string, private readonly events: EventBus, private readonly usedBy: (name: string) => string[]) {}

  async load(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    for (const name of await fs.readdir(this.root)) {
      try {
        const vol = await readJson<Volume>(path.join(this.root, name, META));
        this.volumes.set(name, vol);
        // Mounted by a daemon that is gone: its users are told by restoreMounts.
        if (needsMount(vol) && (await isMountPoint(vol.Mountpoint))) this.mounted.set(name, new Set());
      } catch {
        // A create that died before its metadata was written.
        await fs.rm(path.join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  list(): Volume[] {
    return [...this.volumes.values()];
  }

  get(name: string): Volume {
    const v = this.volumes.get(name);
    if (!v) throw new NotFoundError(`get ${name}: no such volume`);
    return v;
  }

  find(name: string): Volume | undefined {
    return this.volumes.get(name);
  }

  async create(opts: VolumeOptions): Promise<Volume> {
    const name = volumeName(opts);
    return this.changes.run(name, () => this.createNow(name, opts));
  }

  /**
   * The volume a container being created mounts, made if missing, and held for it (`holder`)
   * until `release`: from here until its record names the volume, a remove answers "in use"
   * rather than deleting what the create is about to mount (found by racing the two).
   */
  async claim(holder: string, opts: VolumeOptions): Promise<{ volume: Volume; created: boolean }> {
    const name = volumeName(opts);
    return this.changes.run(name, async () => {
      const existed = this.volumes.get(name);
      const volume = existed ?? (await this.createNow(name, opts));
      let holders = this.claims.get(name);
      if (!holders) this.claims.set(name, (holders = new Set()));
      holders.add(holder);
      return { volume, created: !existed };
    });
  }

  /** Ends `holder`'s claims (its record names its volumes now, or its create failed). */
  release(holder: string): void {
    for (const [name, holders] of this.claims) {
      holders.delete(holder);
      if (!holders.size) this.claims.delete(name);
    }
  }

  private async createNow(name: string, opts: VolumeOptions): Promise<Volume> {
    const existing = this.volumes.get(name);
    if (existing) return existing;
    const dir = path.join(this.root, name);
    const vol: Volume = {
      Name: name,
      Driver: 'local',
      Mountpoint: path.join(dir, '_data'),
      CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      Labels: opts.Labels ?? {},
      Options: opts.DriverOpts ?? {},
      Scope: 'local',
    };
    try {
      await fs.mkdir(vol.Mountpoint, { recursive: true, mode: 0o755 });
      await writeJsonAtomic(path.join(dir, META), vol);
    } catch (e) {
      // E.g. a full disk: no half-made volume directory may stay behind.
      await fs.rm(dir, { recursive: true, force: true });
      throw e;
    }
    this.volumes.set(name, vol);
    this.events.publish('volume', 'create', name, { driver: 'local' });
    return vol;
  }

  /**
   * A container's start: the volumes it uses that need a mount are mounted at their _data (the
   * first user mounts), before the image's files are copied in and the container binds them.
   */
  async mountFor(holder: string, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const vol = this.volumes.get(name);
      if (!vol || !needsMount(vol)) continue;
      await this.changes.run(name, async () => {
        let users = this.mounted.get(name);
        if (!users) {
          const { type = '', o = '', device = '' } = vol.Options;
          const r = await runCommand('mount', ['-t', type, ...(o ? ['-o', o] : []), device, vol.Mountpoint], { allowFailure: true, timeoutMs: 60_000 });
          if (r.code !== 0) {
            // mount(8)'s first line (the next says to look at dmesg); never a password from `o`.
            const why = r.stderr.trim().split('\n')[0]!.replace(/^mount: /, '').replace(/password=[^,\s]*/g, 'password=********');
            throw new SystemError(`error while mounting volume '${vol.Mountpoint}': failed to mount local volume: ${why}`);
          }
          this.mounted.set(name, (users = new Set()));
        }
        users.add(holder);
      });
    }
  }

  /** A container's exit (or failed start): the volumes it no longer uses are unmounted. */
  async unmountFor(holder: string): Promise<void> {
    const left = [...this.mounted].filter(([, users]) => users.delete(holder) && users.size === 0).map(([name]) => name);
    for (const name of left) await this.unmountIfUnused(name).catch((e) => console.error(`berthd: unmounting volume ${name}: ${errorMessage(e)}`));
  }

  /** Daemon start: the running containers' volumes stay mounted for them; the rest are unmounted. */
  async restoreMounts(running: ReadonlyArray<{ holder: string; volumes: readonly string[] }>): Promise<void> {
    for (const { holder, volumes } of running) for (const name of volumes) this.mounted.get(name)?.add(holder);
    for (const [name, users] of [...this.mounted]) if (!users.size) await this.unmountIfUnused(name).catch((e) => console.error(`berthd: unmounting volume ${name}: ${errorMessage(e)}`));
  }

  private unmountIfUnused(name: string): Promise<void> {
    return this.changes.run(name, async () => {
      if (this.mounted.get(name)?.size) return;
      const vol = this.volumes.get(name);
      if (vol) await unmount(vol.Mountpoint);
      this.mounted.delete(name);
    });
  }

  /** Bytes a volume's data holds (docker's UsageData.Size). */
  dataSize(vol: Volume): Promise<number> {
    return directoryBytes(vol.Mountpoint);
  }

  /** dataSize of many volumes, measured together (system df). */
  async dataSizes(vols: readonly Volume[]): Promise<number[]> {
    const bytes = await directoriesBytes(vols.map((v) => v.Mountpoint));
    return vols.map((v) => bytes.get(v.Mountpoint) ?? 0);
  }

  async remove(name: string, force = false): Promise<void> {
    return this.changes.run(name, async () => {
      const vol = this.volumes.get(name);
      if (!vol) {
        if (force) return;
        throw new NotFoundError(`get ${name}: no such volume`);
      }
      const users = [...new Set([...this.usedBy(name), ...(this.claims.get(name) ?? []), ...(this.mounted.get(name) ?? [])])];
      if (users.length) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      // Whatever is mounted at _data (a bind of a host directory) is never deleted with it.
      if (await isMountPoint(vol.Mountpoint)) {
        await unmount(vol.Mountpoint);
        if (await isMountPoint(vol.Mountpoint)) throw new SystemError(`remove ${name}: volume has active mounts`);
      }
      this.mounted.delete(name);
      this.volumes.delete(name);
      await fs.rm(path.join(this.root, name, META), { force: true });
      await fs.rm(path.join(this.root, name), { recursive: true, force: true });
      this.events.publish('volume', 'destroy', name, { driver: 'local' });
    });
  }

  /** Docker 23+: prune removes unused anonymous volumes, or all unused ones with all=true. */
  async prune(filter: (v: Volume) => boolean, all: boolean): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.list()) {
      if (this.usedBy(v.Name).length || !filter(v)) continue;
      if (!all && !isAnonymous(v)) continue;
      space += await this.dataSize(v);
      await this.remove(v.Name, true);
      deleted.push(v.Name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }
}

export function isAnonymous(v: Volume): boolean {
  return v.Labels['com.docker.volume.anonymous'] !== undefined || /^[0-9a-f]{64}$/.test(v.Name);
}
