// The one owner of containers' writable layers, as containerd's snapshotter owns active
// snapshots: Prepare (make the upper and work dirs), Mounts/mount (the overlay over the parent
// stack), Diff (what changed, as docker's change list or as an OCI layer tar), Commit (that tar
// stored as a layer over the parent) and Remove. Container create, start, diff, cp, export,
// commit and build all go through it, so the overlay's directories and mount data are decided
// in one place. On disk, under each container's directory:
//   rw/upper   the writable layer (overlay upperdir)
//   rw/work    overlay's workdir
//   rootfs     where the overlay is mounted
import { mkdirSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { isForeignMount, mountOverlay, unmountStack } from '../host/mounts.js';
import { EMPTY_LAYER_DIFF_ID } from './digest.js';
import { firstCause, type LayerInfo, type LayerStore } from './layer-store.js';
import { changes, diffToTar, type Change, type DiffOptions } from './overlay-diff.js';
import { overlayMountData } from './overlay-mount.js';

export interface RwLayerPaths {
  upper: string;
  work: string;
  /** Mount point of the merged view. */
  merged: string;
}

/** Where an active layer sits, and what it lies over. */
export interface RwLayerRef {
  /** Owner ID (a container ID). */
  id: string;
  /** Chain ID of the top layer below it; "" for an empty (scratch) parent. */
  parent: string;
}

export class RwLayerStore {
  constructor(private readonly layers: LayerStore, private readonly dirOf: (id: string) => string) {}

  paths(id: string): RwLayerPaths {
    const dir = this.dirOf(id);
    return { upper: path.join(dir, 'rw', 'upper'), work: path.join(dir, 'rw', 'work'), merged: path.join(dir, 'rootfs') };
  }

  /** The parent stack's unpacked dirs, topmost first; works after the image itself was removed. */
  lowerDirs(parent: string): string[] {
    return this.layers.lowerDirs(parent ? this.layers.stack(parent).map((l) => l.chainId) : []);
  }

  /**
   * Makes the (empty) writable layer; `owner` owns its root (a remapped container's root user,
   * since overlayfs shows the upper directory's owner as the root directory's).
   */
  async prepare(id: string, owner?: { uid: number; gid: number }): Promise<RwLayerPaths> {
    const p = this.paths(id);
    // At once, not through the pool: a handful of mkdir calls on cached dentries, where three
    // parallel recursive mkdirs cost 2–3 ms of round trips on the path of every create.
    for (const d of [p.upper, p.work, p.merged]) mkdirSync(d, { recursive: true });
    if (owner) await fs.chown(p.upper, owner.uid, owner.gid);
    return p;
  }

  /** The overlay mount data for the layer over its parent stack (`lowerDirs`: others to use). */
  mountData(ref: RwLayerRef, opts: { lowerDirs?: string[]; volatile?: boolean } = {}): { data: string; cwd?: string } {
    const p = this.paths(ref.id);
    return overlayMountData({
      lowerDirs: opts.lowerDirs ?? this.lowerDirs(ref.parent), upperDir: p.upper, workDir: p.work, relativeTo: this.dirOf(ref.id), volatile: opts.volatile,
    });
  }

  /**
   * Mounts the merged view (already mounted is fine) and returns its path. `mapLowers` swaps the
   * lower directories for others (the ID-mapped mounts of a user-namespaced container).
   * `volatile` is for a layer that is deleted after its one unmount (a `--rm` container's): its
   * unmount then does not sync the host file system under it, and a crash loses nothing anyone
   * keeps. overlay refuses to mount such a layer again, so nothing else may ask for it.
   */
  mount(ref: RwLayerRef, mapLowers?: (dirs: string[]) => Promise<string[]>, opts: { pin?: boolean; volatile?: boolean } = {}): Promise<string> {
    const { merged } = this.paths(ref.id);
    return this.serial(ref.id, async () => {
      // `pin`: a container runs on it, until unmount() without `ifUnpinned`.
      if (opts.pin) this.pinned.add(ref.id);
      // Only overlays are mounted on merged dirs: the device test is exact (and costs no mountinfo read).
      if (await isForeignMount(merged)) return merged;
      const { data, cwd } = this.mountData(ref, { lowerDirs: mapLowers ? await mapLowers(this.lowerDirs(ref.parent)) : undefined, volatile: opts.volatile });
      try {
        await mountOverlay(data, merged, cwd);
        if (opts.volatile) this.volatile.add(ref.id);
      } catch (e) {
        if (!/already mounted|busy/i.test(String(e))) throw e;
      }
      return merged;
    });
  }

  /**
   * A container found running at a daemon's start runs on this layer's mount: pinned as its
   * start's mount was, so a passing user's end leaves it. (Whether another daemon mounted it
   * volatile is not known: its unmount goes through the pool, as a non-volatile one's.)
   */
  adopt(id: string): void {
    this.pinned.add(id);
  }

  /** Mounts and unmounts of one layer, in order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Layers mounted for a running container: a passing user's unmount (cp, commit) leaves them. */
  private readonly pinned = new Set<string>();
  /** Layers mounted volatile: their unmount syncs nothing, so it runs at once (unmountStack). */
  private readonly volatile = new Set<string>();
  /** Passing users of a layer's mount in the middle of their work, by layer (using()). */
  private readonly users = new Map<string, number>();

  /**
   * One at a time per layer: two overlays mounted at once (a cp of a stopped container racing its
   * start) would stack on the merged dir, and one unmount would leave the other behind.
   */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(id) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.queues.set(id, next);
    void next.catch(() => undefined).finally(() => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    });
    return next;
  }

  /**
   * `ifUnpinned`: a passing user's unmount, skipped if a container started on it meanwhile. A
   * run's unmount (its exit) while passing users read the layer leaves it mounted for them: the
   * last one unmounts it (using()).
   */
  unmount(id: string, opts: { ifUnpinned?: boolean } = {}): Promise<void> {
    const { merged } = this.paths(id);
    return this.serial(id, async () => {
      if (opts.ifUnpinned && this.pinned.has(id)) return;
      this.pinned.delete(id);
      if (this.users.has(id)) return;
      const now = this.volatile.delete(id);
      await unmountStack(merged, { now });
    });
  }

  /**
   * Runs fn on the merged view of `id` for a passing user (a cp, an export, a diff walk), counted
   * from this call on: `mount` gives the view (mounting it for a stopped container), and the last
   * user's end unmounts it unless a container runs on it. A container's exit in the middle does
   * not unmount it under them (its tar ended with nothing: a 500, in the full suite).
   */
  async using<T>(id: string, mount: () => Promise<string>, fn: (merged: string) => Promise<T>): Promise<T> {
    this.users.set(id, (this.users.get(id) ?? 0) + 1);
    try {
      return await fn(await mount());
    } finally {
      const left = (this.users.get(id) ?? 1) - 1;
      if (left > 0) this.users.set(id, left);
      else this.users.delete(id);
      if (!left) await this.unmount(id, { ifUnpinned: true });
    }
  }

  /** docker diff: the changes against the parent stack. */
  changes(ref: RwLayerRef, opts: DiffOptions = {}): Promise<Change[]> {
    return changes(this.paths(ref.id).upper, this.lowerDirs(ref.parent), opts);
  }

  /** The changes as an uncompressed OCI layer tar written to `out`. */
  diff(ref: RwLayerRef, out: Writable, opts: DiffOptions = {}): Promise<void> {
    return diffToTar(this.paths(ref.id).upper, [], out, opts);
  }

  /**
   * Stores the changes as a layer over the parent (tar in the content store, unpacked diff,
   * diff ID), or returns undefined when nothing changed. The caller holds a lease on the result.
   */
  async commit(ref: RwLayerRef, opts: DiffOptions = {}): Promise<LayerInfo | undefined> {
    const pipe = new PassThrough();
    // Its errors reach here through the two promises below. A diff that fails before the stage
    // reads (an upper dir gone) destroys it with its error while nothing listens: that was an
    // uncaught exception in berthd.
    pipe.on('error', () => undefined);
    const [diffed, stagedResult] = await Promise.allSettled([
      this.diff(ref, pipe, opts).catch((err: unknown) => {
        pipe.destroy(err as Error);
        throw err;
      }),
      this.layers.stage(pipe),
    ]);
    if (diffed.status === 'rejected' || stagedResult.status === 'rejected') {
      if (stagedResult.status === 'fulfilled') await this.layers.discard(stagedResult.value);
      throw firstCause([stagedResult, diffed]);
    }
    const staged = stagedResult.value;
    if (staged.diffId === EMPTY_LAYER_DIFF_ID) {
      await this.layers.discard(staged);
      return undefined;
    }
    return this.layers.commit(staged, ref.parent || null);
  }

  /** Unmounts and removes the writable layer's directories. */
  async remove(id: string): Promise<void> {
    await this.unmount(id);
    const p = this.paths(id);
    await Promise.all([path.dirname(p.upper), p.merged].map((d) => fs.rm(d, { recursive: true, force: true })));
    // The owner's directory goes too when nothing else is in it (a builder's scratch layer).
    await fs.rmdir(this.dirOf(id)).catch(() => undefined);
  }
}
