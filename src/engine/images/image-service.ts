// What the rest of the engine asks of images: resolve a name, mount an image's layers under a
// container, commit a container, and the events every image change publishes. The store itself
// (image-store.ts) knows nothing of containers or events.
import type { Readable, Writable } from 'node:stream';
import type { RwLayerStore } from '../../storage/rw-layer.js';
import type { EventBus } from '../events/event-bus.js';
import type { ContainerRecord } from '../containers/types.js';
import { RUNTIME_MOUNT_PATHS } from '../containers/oci-spec.js';
import { commitLayer, importRootfs, loadImages, saveImages, type LoadResult } from './archive.js';
import { ImageStore, type DeleteResponseItem, type RemoveOptions } from './image-store.js';
import { familiarName, normalizeReference, parseAnyReference } from '../../protocol/reference.js';
import type { ImageRecord } from './types.js';
import type { ImagePin } from './image-pins.js';

export interface ImageUsersProvider {
  (imageId: string): Array<{ id: string; running: boolean }>;
}

export interface CommitRequest {
  /** A user-namespaced container's file owners as the layer records them (host IDs → inside). */
  mapOwner?: (uid: number, gid: number) => { uid: number; gid: number };
  repo: string;
  tag: string;
  comment: string;
  author: string;
  changes: string[];
  /** Config fields the client sent (docker commit -c is applied as changes instead). */
  config: Record<string, unknown>;
}

export class ImageService {
  store!: ImageStore;

  constructor(private readonly root: string, private readonly events: EventBus, private readonly users: ImageUsersProvider) {}

  /** `claims`: the containers' layer stacks, from their records (ImageStore.open). */
  async open(claims?: ReadonlyMap<string, string>): Promise<void> {
    this.store = await ImageStore.open(this.root, claims);
  }

  list(): ImageRecord[] {
    return this.store.list();
  }

  /**
   * Each image's SharedSize for system df: the size of its layers that another of `images` has
   * too (the docker CLI counts an image's size less its shared part as what removing it gives back).
   */
  sharedSizes(images: readonly ImageRecord[]): Map<string, number> {
    const users = new Map<string, number>();
    for (const i of images) for (const id of this.store.chainIds(i.id)) users.set(id, (users.get(id) ?? 0) + 1);
    return new Map(images.map((i) => [i.id, this.store.chainIds(i.id)
      .filter((id) => (users.get(id) ?? 0) > 1)
      .reduce((n, id) => n + (this.store.layers.get(id)?.size ?? 0), 0)]));
  }

  count(): number {
    return this.store.list().length;
  }

  resolve(ref: string): ImageRecord {
    return this.store.resolve(ref);
  }

  /** As resolve, the image pinned until unpin(pin): neither rmi nor prune deletes it meanwhile. */
  resolvePinned(ref: string, pin: ImagePin): ImageRecord {
    return this.store.resolvePinned(ref, pin);
  }

  unpin(pin: ImagePin): void {
    this.store.pins.release(pin);
  }

  holdLayers(containerId: string, imageId: string): Promise<void> {
    return this.store.holdLayers(containerId, imageId);
  }

  releaseLayers(containerId: string): Promise<void> {
    return this.store.releaseLayers(containerId);
  }

  lowerDirs(imageId: string): string[] {
    try {
      return this.store.layerDirs(imageId);
    } catch {
      return [];
    }
  }

  /** The chain ID of an image's top layer ("" for an image without layers). */
  topLayer(imageId: string): string {
    const chain = this.store.chainIds(imageId);
    return chain[chain.length - 1] ?? '';
  }

  /** ps --filter ancestor=REF: the container's image is REF's image or was named REF. */
  matches(imageId: string, configImage: string, ref: string): boolean {
    try {
      if (this.store.resolve(ref).id === imageId) return true;
    } catch {
      /* not a local image: compare names */
    }
    try {
      return normalizeReference(configImage) === normalizeReference(ref);
    } catch {
      return configImage === ref;
    }
  }

  /**
   * An image event as moby's LogImageEvent makes it: the image's labels (while it exists) and
   * `name`, the reference the action was about or the image's ID.
   */
  imageEvent(action: string, id: string, name: string, labels = this.store.get(id)?.config.config?.Labels): void {
    this.events.publish('image', action, id, { ...(labels ?? {}), name });
  }

  async importRootfs(tar: Readable, opts: { changes: string[]; message?: string; tag?: string; source?: string }): Promise<string> {
    const id = await importRootfs(this.store, tar, opts);
    this.imageEvent('import', id, id);
    if (opts.tag) this.imageEvent('tag', id, familiarName(normalizeReference(opts.tag)));
    return id;
  }

  async load(tar: Readable): Promise<LoadResult> {
    const result = await loadImages(this.store, tar);
    for (const img of result.images) this.imageEvent('load', img.id, img.id);
    return result;
  }

  save(names: string[], out: Writable): Promise<void> {
    for (const n of names) {
      const id = this.store.resolve(n).id;
      // moby names the reference it was asked for, familiar; an image asked for by ID, by its ID.
      let name = id;
      try {
        if (!id.startsWith(n) && !id.startsWith(`sha256:${n}`)) name = familiarName(normalizeReference(n));
      } catch {
        // a form only the store's lookup reads: named by the ID
      }
      this.imageEvent('save', id, name);
    }
    return saveImages(this.store, names, out);
  }

  async tag(source: string, ref: string, how = 'tag'): Promise<void> {
    await this.store.tag(source, ref, how);
    this.imageEvent('tag', this.store.resolve(source).id, familiarName(normalizeReference(ref)));
  }

  async remove(nameOrId: string, opts: RemoveOptions): Promise<DeleteResponseItem[]> {
    let target: ImageRecord | undefined;
    try {
      target = this.store.resolve(nameOrId);
    } catch {
      // store.remove answers for it
    }
    const items = await this.store.remove(nameOrId, opts, (id) => this.users(id).map((u) => ({ id: u.id, running: u.running })));
    for (const it of items) {
      // As moby: an untag names the image by its ID, not the reference it lost.
      // (moby logs it before the image goes, so with its labels)
      if (it.Untagged) this.imageEvent('untag', target?.id ?? it.Untagged, target?.id ?? it.Untagged, target?.config.config?.Labels);
      if (it.Deleted) this.imageEvent('delete', it.Deleted, it.Deleted);
    }
    return items;
  }

  async commitContainer(rec: ContainerRecord, rw: RwLayerStore, req: CommitRequest): Promise<string> {
    const tag = req.repo ? `${req.repo}${req.tag ? `:${req.tag}` : ''}` : undefined;
    const c = rec.Config;
    const config = {
      User: c.User, ExposedPorts: c.ExposedPorts, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
      Volumes: c.Volumes ?? undefined, WorkingDir: c.WorkingDir, Labels: c.Labels, StopSignal: c.StopSignal,
      OnBuild: c.OnBuild ?? null,
    };
    const id = await commitLayer(this.store, {
      containerId: rec.Id,
      // What the runtime itself mounts over (/etc/hosts, /dev) is left out of the layer; the
      // mount points of the user's volumes and binds are in it, as in dockerd's commit.
      layer: () => rw.commit({ id: rec.Id, parent: rec.TopLayer }, {
        ignore: RUNTIME_MOUNT_PATHS,
        mapOwner: req.mapOwner,
      }),
      imageId: rec.Image,
      config,
      containerConfig: config,
      changes: req.changes,
      author: req.author,
      comment: req.comment,
      containerCmd: [rec.Path, ...rec.Args],
      tags: tag ? [tag] : [],
    });
    // moby's order and attributes: the tag's own event, then the commit with the container's
    // labels, name and image beside what was made.
    if (tag) this.imageEvent('tag', id, familiarName(normalizeReference(tag)));
    this.events.publish('container', 'commit', rec.Id, {
      ...(rec.Config.Labels ?? {}), comment: req.comment, imageID: id, imageRef: tag ? familiarName(normalizeReference(tag)) : '', image: rec.Config.Image, name: rec.Name.replace(/^\//, ''),
    });
    return id;
  }

  /** A reference as the API should echo it back, e.g. in "No such image" messages. */
  static describe(ref: string): string {
    try {
      const any = parseAnyReference(ref);
      return any.kind === 'id' ? ref : familiarName(any.ref);
    } catch {
      return ref;
    }
  }
}
