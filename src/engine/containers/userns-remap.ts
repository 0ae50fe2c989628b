// --userns-remap: containers run in a user namespace whose root is an unprivileged host ID.
// Image layers are never copied or chowned for it: each lower layer is bind-mounted once,
// ID-mapped (host root shows as the namespace's root), and overlayfs stacks those mounts
// (Linux 5.19+). The mounts are shared by every remapped container and made at first use, so
// a start costs no more than without remapping; they go when the daemon stops with nothing
// running.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { idmapMount } from '../../host/idmap-mount.js';
import { stdinGuardedRuntime } from '../../host/stdin-guard.js';
import { mountsUnder, unmount } from '../../host/mounts.js';
import type { IdMappings, IdRange } from '../../host/subordinate-ids.js';
import type { OciIdMapping } from '../../protocol/oci-runtime-spec.js';
import { InvalidArgumentError } from '../../errors.js';
import type { HostConfig } from './types.js';
import { removeTree } from '../../host/remove-tree.js';

const oci = (r: IdRange[]) => r.map((x) => ({ containerID: x.inside, hostID: x.host, size: x.count }));

/** The host ID that `id` inside the namespace is, or undefined when unmapped. */
export function hostId(ranges: IdRange[], id: number): number | undefined {
  const r = ranges.find((x) => id >= x.inside && id < x.inside + x.count);
  return r ? r.host + (id - r.inside) : undefined;
}

/** The ID inside the namespace that host ID `id` is; the overflow ID (65534) when unmapped. */
export function insideId(ranges: IdRange[], id: number): number {
  const r = ranges.find((x) => id >= x.host && id < x.host + x.count);
  return r ? r.inside + (id - r.host) : 65534;
}

export class UsernsRemap {
  private readonly mounted = new Map<string, Promise<string>>();
  readonly root: string;

  constructor(readonly map: IdMappings & { user: string }, dataRoot: string, private readonly helper: string) {
    this.root = path.join(dataRoot, 'idmap', `${map.uid[0]!.host}.${map.gid[0]!.host}`);
  }

  /** A file's owner inside the namespace, from its owner on the host (commit, export, cp out, builds). */
  toInside = (uid: number, gid: number): { uid: number; gid: number } => ({ uid: insideId(this.map.uid, uid), gid: insideId(this.map.gid, gid) });

  /** A file's owner on the host, from its owner inside the namespace (cp in); dockerd's refusal for one not mapped. */
  toHost = (uid: number, gid: number): { uid: number; gid: number } => {
    const hostUid = hostId(this.map.uid, uid);
    const hostGid = hostId(this.map.gid, gid);
    if (hostUid === undefined) throw new InvalidArgumentError(`Container ID ${uid} cannot be mapped to a host ID`);
    if (hostGid === undefined) throw new InvalidArgumentError(`Container ID ${gid} cannot be mapped to a host ID`);
    return { uid: hostUid, gid: hostGid };
  };

  get rootUid(): number {
    return hostId(this.map.uid, 0) ?? this.map.uid[0]!.host;
  }

  get rootGid(): number {
    return hostId(this.map.gid, 0) ?? this.map.gid[0]!.host;
  }

  /** Whether a container is remapped: all are but those with --userns host. */
  applies(h: HostConfig): boolean {
    return h.UsernsMode !== 'host';
  }

  /** dockerd's checks: what cannot share the host's namespaces from inside a user namespace. */
  validate(h: HostConfig): void {
    if (!this.applies(h)) return;
    if (h.Privileged) throw new InvalidArgumentError('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
    if (h.NetworkMode === 'host') throw new InvalidArgumentError("cannot share the host's network namespace when user namespaces are enabled");
    if (h.PidMode === 'host') throw new InvalidArgumentError('cannot share the host PID namespace when user namespaces are enabled');
  }

  ociMappings(): { uidMappings: OciIdMapping[]; gidMappings: OciIdMapping[] } {
    return { uidMappings: oci(this.map.uid), gidMappings: oci(this.map.gid) };
  }

  /** Adopts the ID-mapped layer mounts a previous daemon process left for running containers. */
  async open(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    for (const m of await mountsUnder(this.root)) if (m !== this.root) this.mounted.set(path.basename(m), Promise.resolve(m));
  }

  private target(dir: string): string {
    return createHash('sha256').update(dir).digest('hex').slice(0, 26);
  }

  /** The ID-mapped mounts of these layer directories, made for those not mounted yet. */
  async lowers(dirs: string[]): Promise<string[]> {
    const missing: Array<[string, string]> = [];
    const pending: Array<Promise<string>> = [];
    let resolveBatch!: () => void;
    let rejectBatch!: (e: unknown) => void;
    const batch = new Promise<void>((res, rej) => {
      resolveBatch = res;
      rejectBatch = rej;
    });
    for (const dir of dirs) {
      const name = this.target(dir);
      let p = this.mounted.get(name);
      if (!p) {
        const dst = path.join(this.root, name);
        missing.push([dir, dst]);
        p = batch.then(() => dst);
        this.mounted.set(name, p);
        p.catch(() => this.mounted.delete(name));
      }
      pending.push(p);
    }
    if (missing.length) {
      try {
        await Promise.all(missing.map(([, dst]) => fs.mkdir(dst, { recursive: true })));
        await idmapMount(this.helper, this.map.uid, this.map.gid, missing);
        resolveBatch();
      } catch (e) {
        rejectBatch(e);
      }
    } else resolveBatch();
    return Promise.all(pending);
  }

  /** The runtime behind a guard that keeps the host's /dev/null from its root (host/stdin-guard.ts). */
  guardedRuntime(runtimePath: string): string {
    return stdinGuardedRuntime(runtimePath, path.dirname(this.root));
  }

  /** Unmounts every ID-mapped layer (the daemon stops with no container running). */
  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.mounted.values()]);
    this.mounted.clear();
    for (const r of all) if (r.status === 'fulfilled') await unmount(r.value).catch(() => undefined);
    await removeTree(this.root).catch(() => undefined);
  }
}

