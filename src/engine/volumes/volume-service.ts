// Named and anonymous volumes (local driver): a data directory per volume under
// <root>/<name>/_data, metadata written atomically beside it.
import { directoryBytes } from '../../host/disk-usage.js';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { EventBus } from '../events/event-bus.js';

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

export class VolumeService {
  private volumes = new Map<string, Volume>();

  constructor(readonly root: string, private readonly events: EventBus, private readonly usedBy: (name: string) => string[]) {}

  async load(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    for (const name of await fs.readdir(this.root)) {
      try {
        this.volumes.set(name, await readJson<Volume>(path.join(this.root, name, META)));
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

  async create(opts: { Name?: string; Driver?: string; Labels?: Record<string, string>; DriverOpts?: Record<string, string> }): Promise<Volume> {
    const name = opts.Name || randomBytes(32).toString('hex');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
      throw new InvalidArgumentError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const driver = opts.Driver || 'local';
    if (driver !== 'local') throw new NotFoundError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
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

  /** Bytes a volume's data holds (docker's UsageData.Size). */
  dataSize(vol: Volume): Promise<number> {
    return directoryBytes(vol.Mountpoint);
  }

  async remove(name: string, force = false): Promise<void> {
    const vol = this.volumes.get(name);
    if (!vol) {
      if (force) return;
      throw new NotFoundError(`get ${name}: no such volume`);
    }
    const users = this.usedBy(name);
    if (users.length) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    this.volumes.delete(name);
    await fs.rm(path.join(this.root, name, META), { force: true });
    await fs.rm(path.join(this.root, name), { recursive: true, force: true });
    this.events.publish('volume', 'destroy', name, { driver: 'local' });
  }

  /** Docker 23+: prune removes unused anonymous volumes, or all unused ones with all=true. */
  async prune(filter: (v: Volume) => boolean, all: boolean): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.list()) {
      if (this.usedBy(v.Name).length || !filter(v)) continue;
      if (!all && !isAnonymous(v)) continue;
      space += await dirSize(v.Mountpoint);
      await this.remove(v.Name, true);
      deleted.push(v.Name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }
}

export function isAnonymous(v: Volume): boolean {
  return v.Labels['com.docker.volume.anonymous'] !== undefined || /^[0-9a-f]{64}$/.test(v.Name);
}

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await fs.lstat(p)).size;
  }
  return total;
}
