// The local image store. An image is its config blob (ID = sha256 of the config bytes) in the
// content store, its layers in the layer store, and a small record; names point at IDs from one
// references file. Under <root>/images:
//   <idhex>.json       ImageMeta (parent, when loaded)
//   references.json    { "docker.io/library/busybox:latest": "sha256:…", "repo@sha256:…": … }
// Each write is atomic; creation goes blobs → layers → record → names and removal the reverse,
// so a crash leaves at worst unreferenced layers or blobs, which open() collects.
import type { ImageHistoryItem } from '../../protocol/engine-api.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ContentStore } from '../../storage/content-store.js';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { chainIds, digestHex, isDigest, sha256Digest } from '../../storage/digest.js';
import { LayerStore } from '../../storage/layer-store.js';
import { Mutex } from '../../storage/lock.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import { deleteImage, type DeleteResponseItem, type DeleteTarget, type ImageUsers } from './image-delete.js';
import { ImagePins, type ImagePin } from './image-pins.js';
import { familiarName, parseAnyReference, parseReference, referenceString, withDefaultTag } from '../../protocol/reference.js';
import { ReferenceStore, refKey, tagReference } from './reference-store.js';
import { TagLog, type TagLogEntry } from './tag-log.js';
import type { ImageConfig, ImageRecord } from './types.js';

export { shortId, type DeleteResponseItem, type ImageUser, type ImageUsers } from './image-delete.js';

interface ImageMeta {
  id: string;
  parent: string;
  loadedAt: string;
}

interface Entry extends ImageMeta {
  config: ImageConfig;
  chainIds: string[];
}


export interface RemoveOptions {
  force?: boolean;
  /** Keep untagged parent images (docker rmi --no-prune). */
  noPrune?: boolean;
}

export interface CreateImageOptions {
  /** References to point at the image, moved from any image that had them. */
  tags?: readonly string[];
  /** Parent image ID (commit, build). */
  parent?: string;
  /** What made the image, for the tag log ("build", "load", "pull", "commit", "import"). */
  source?: string;
  /** Pinned for this holder as it is stored (a build's step): no prune can take it before. */
  pin?: ImagePin;
}

/** One row of `image log`: an image a tag pointed at, and whether it is still stored. */
export interface TagLogRow extends TagLogEntry {
  present: boolean;
  current: boolean;
}

export interface AddedImage {
  id: string;
  /** Tags that were moved here from another image, for load's "renaming the old one" line. */
  moved: { ref: string; from: string }[];
}

/** Protects layers being assembled into an image from a concurrent GC until released. */
export interface Lease {
  add(chainId: string): void;
  release(): void;
}

export class ImageStore {
  private readonly images = new Map<string, Entry>();
  private refs!: ReferenceStore;
  private tagLog!: TagLog;
  private readonly leases = new Set<Set<string>>();
  private readonly lock = new Mutex();
  private readonly dir: string;
  /** Images in use by builds and creates in progress (image-pins.ts). */
  readonly pins = new ImagePins();

  private constructor(root: string, readonly content: ContentStore, readonly layers: LayerStore) {
    this.dir = path.join(root, 'images');
  }

  /**
   * Opens the stores under `root` (e.g. /var/lib/berth) and collects what a crash left.
   * `claims`: holder → top chain ID of the stacks in use by holders that keep their claim in
   * their own durable record (containers, holdLayers): held before anything is collected.
   */
  static async open(root: string, claims: ReadonlyMap<string, string> = new Map()): Promise<ImageStore> {
    const content = await ContentStore.open(root);
    const layers = await LayerStore.open(root, content);
    // A stack that is gone (or a claim without layers) has nothing left to keep.
    for (const [holder, chainId] of claims) if (chainId && layers.has(chainId)) layers.holdInMemory(holder, chainId);
    const s = new ImageStore(root, content, layers);
    await fs.mkdir(s.dir, { recursive: true, mode: 0o700 });
    for (const name of await fs.readdir(s.dir)) {
      if (name.endsWith('.tmp')) {
        await fs.rm(path.join(s.dir, name), { force: true });
        continue;
      }
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const meta = await readJson<ImageMeta>(path.join(s.dir, name)).catch(() => undefined);
      const entry = meta && (await s.loadEntry(meta).catch(() => undefined));
      if (entry) s.images.set(entry.id, entry);
      else await fs.rm(path.join(s.dir, name), { force: true });
    }
    s.refs = await ReferenceStore.open(path.join(s.dir, 'references.json'), (id) => s.images.has(id));
    s.tagLog = await TagLog.open(path.join(s.dir, 'tag-log.json'));
    await s.collectAll();
    return s;
  }

  private async loadEntry(meta: ImageMeta): Promise<Entry | undefined> {
    const config = JSON.parse((await this.content.get(meta.id)).toString('utf8')) as ImageConfig;
    const chain = chainIds(config.rootfs?.diff_ids ?? []);
    if (!chain.every((c) => this.layers.has(c))) return undefined;
    return { ...meta, config, chainIds: chain };
  }

  // ---- reading ----

  private record(e: Entry): ImageRecord {
    return {
      id: e.id,
      config: e.config,
      repoTags: this.refs.tagsOf(e.id),
      repoDigests: this.refs.digestsOf(e.id),
      size: e.chainIds.reduce((n, c) => n + (this.layers.get(c)?.size ?? 0), 0),
      parent: e.parent,
      loadedAt: e.loadedAt,
    };
  }

  list(): ImageRecord[] {
    return [...this.images.values()].map((e) => this.record(e));
  }

  get(id: string): ImageRecord | undefined {
    const e = this.images.get(id);
    return e && this.record(e);
  }

  /** The ID `nameOrId` names, as docker's GetImage: an ID, a reference, then an ID prefix. */
  private lookup(nameOrId: string): string | undefined {
    const any = parseAnyReference(nameOrId);
    if (any.kind === 'id') return this.images.has(any.id) ? any.id : undefined;
    const id = this.refs.get(refKey(any.ref));
    if (id !== undefined && this.images.has(id)) return id;
    return this.searchPrefix(nameOrId);
  }

  /** A unique image ID starting with `prefix` (hex, optionally "sha256:"), as docker's Search. */
  private searchPrefix(prefix: string): string | undefined {
    const hex = prefix.startsWith('sha256:') ? prefix.slice(7) : prefix;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    let found: string | undefined;
    for (const id of this.images.keys()) {
      if (!id.startsWith(`sha256:${hex}`)) continue;
      if (found !== undefined) return undefined; // ambiguous
      found = id;
    }
    return found;
  }

  /**
   * The image named by a full or short ID (with or without "sha256:"), a reference
   * ("busybox" meaning docker.io/library/busybox:latest) or name@digest. Throws NotFoundError
   * "No such image: busybox:latest" (docker's wording, name printed with its tag) or
   * InvalidArgumentError for a malformed reference.
   */
  resolve(nameOrId: string): ImageRecord {
    const id = this.lookup(nameOrId);
    if (id === undefined) throw notFoundError(nameOrId);
    return this.record(this.images.get(id)!);
  }

  /** As resolve, and the image pinned for `pin` in the same step (image-pins.ts). */
  resolvePinned(nameOrId: string, pin: ImagePin): ImageRecord {
    const image = this.resolve(nameOrId);
    this.pins.add(pin, image.id);
    return image;
  }

  /** Images whose parent is `id`. */
  children(id: string): string[] {
    return [...this.images.values()].filter((e) => e.parent === id).map((e) => e.id);
  }

  /** The image's layer chain IDs, base first. */
  chainIds(image: ImageRecord | string): string[] {
    return this.entry(image).chainIds;
  }

  /** Overlay lowerdirs for a container of this image: short paths, topmost layer first. */
  layerDirs(image: ImageRecord | string): string[] {
    return this.layers.lowerDirs(this.entry(image).chainIds);
  }

  /** The raw config blob (whose sha256 is the ID). */
  async configBytes(image: ImageRecord | string): Promise<Buffer> {
    return this.content.get(this.entry(image).id);
  }

  private entry(image: ImageRecord | string): Entry {
    const id = typeof image === 'string' ? image : image.id;
    const e = this.images.get(id);
    if (!e) throw new NotFoundError(`No such image: ${id}`);
    return e;
  }

  /** Docker's image history: newest first, "<missing>" for entries of images not stored here. */
  history(image: ImageRecord | string): ImageHistoryItem[] {
    const e = this.entry(image);
    const out: ImageHistoryItem[] = [];
    let layer = 0;
    for (const h of e.config.history ?? []) {
      let size = 0;
      if (!h.empty_layer) {
        const c = e.chainIds[layer++];
        if (c === undefined) throw new InvalidArgumentError('too many non-empty layers in History section');
        size = this.layers.get(c)?.size ?? 0;
      }
      out.unshift({
        Id: '<missing>',
        Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
        CreatedBy: h.created_by ?? '',
        Tags: null,
        Size: size,
        Comment: h.comment ?? '',
      });
    }
    // Fill IDs and tags down the parent chain, as far as it is stored here.
    let cur: Entry | undefined = e;
    for (const item of out) {
      if (!cur) break;
      item.Id = cur.id;
      const tags = this.refs.tagsOf(cur.id).map((r) => familiarName(r));
      item.Tags = tags.length ? tags : null;
      cur = cur.parent ? this.images.get(cur.parent) : undefined;
    }
    return out;
  }

  // ---- creating ----

  /** Take a lease before committing layers that an image will use; release it afterwards. */
  lease(): Lease {
    const set = new Set<string>();
    this.leases.add(set);
    return { add: (c) => void set.add(c), release: () => void this.leases.delete(set) };
  }

  /**
   * Stores an image whose layers are already in the layer store: writes the config blob and the
   * record, points `tags` at it. Returns the ID (sha256 of the config JSON bytes).
   */
  async createImage(config: ImageConfig, layerDiffIds: readonly string[], opts: CreateImageOptions = {}): Promise<string> {
    const full: ImageConfig = { ...config, rootfs: { type: 'layers', diff_ids: [...layerDiffIds] } };
    return (await this.addImage(Buffer.from(JSON.stringify(full)), opts)).id;
  }

  /** As createImage, from config bytes exactly as they must hash (load, pull). */
  async addImage(configBytes: Buffer, opts: CreateImageOptions = {}): Promise<AddedImage> {
    let config: ImageConfig;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    } catch {
      throw new InvalidArgumentError('invalid image config: not JSON');
    }
    if (!config.rootfs || !Array.isArray(config.rootfs.diff_ids) || !config.rootfs.diff_ids.every(isDigest)) {
      throw new InvalidArgumentError('invalid image config: rootfs.diff_ids missing or malformed');
    }
    const chain = chainIds(config.rootfs.diff_ids);
    const missing = chain.find((c) => !this.layers.has(c));
    if (missing) throw new InvalidArgumentError(`layer ${missing} does not exist`);
    const refs = (opts.tags ?? []).map((t) => tagReference(t));
    if (opts.parent && !this.images.has(opts.parent)) throw new NotFoundError(`No such image: ${opts.parent}`);
    const id = sha256Digest(configBytes);
    return this.lock.run(async () => {
      if (!this.images.has(id)) {
        await this.content.put(configBytes, id);
        const meta: ImageMeta = { id, parent: opts.parent ?? '', loadedAt: new Date().toISOString() };
        await writeJsonAtomic(path.join(this.dir, `${digestHex(id)}.json`), meta);
        this.images.set(id, { ...meta, config, chainIds: chain });
      }
      if (opts.pin) this.pins.add(opts.pin, id);
      const moved: AddedImage['moved'] = [];
      for (const r of refs) {
        const key = referenceString(r);
        const old = this.refs.get(key);
        if (old !== undefined && old !== id) moved.push({ ref: key, from: old });
        this.refs.set(key, id);
        this.tagLog.record(key, id, opts.source ?? 'create');
      }
      if (refs.length) await Promise.all([this.refs.save(), this.tagLog.save()]);
      return { id, moved };
    });
  }

  // ---- names ----

  /** Points `ref` (normalized, ":latest" added) at the image `source` names; moves it if taken. */
  async tag(source: string, ref: string, how = 'tag'): Promise<void> {
    const img = this.resolve(source);
    const r = tagReference(ref);
    await this.lock.run(async () => {
      this.refs.set(referenceString(r), img.id);
      this.tagLog.record(referenceString(r), img.id, how);
      await Promise.all([this.refs.save(), this.tagLog.save()]);
    });
  }

  /** Whether a tag's history keeps the image. */
  tagLogHolds(id: string): boolean {
    return this.tagLog.holds(id);
  }

  /** The images `ref` has named, oldest first (berth's `image log`). */
  tagHistory(ref: string): TagLogRow[] {
    const key = referenceString(tagReference(ref));
    const current = this.refs.get(key);
    const rows = this.tagLog.entries(key);
    if (!rows.length && current === undefined) throw notFoundError(ref);
    return rows.map((e) => ({ ...e, present: this.images.has(e.id), current: e.id === current }));
  }

  /**
   * Moves `ref` back to the image it named before the current one, or to `to` (an ID or prefix
   * from its history). Returns the image it now names.
   */
  async rollback(ref: string, to?: string): Promise<string> {
    const key = referenceString(tagReference(ref));
    const rows = this.tagLog.entries(key);
    const current = this.refs.get(key);
    let target: string | undefined;
    if (to !== undefined) {
      const hex = to.replace(/^sha256:/, '');
      const matches = [...new Set(rows.map((e) => e.id).filter((id) => id.startsWith(`sha256:${hex}`)))];
      if (matches.length > 1) throw new InvalidArgumentError(`${to} matches more than one image in the history of ${familiarName(tagReference(ref))}`);
      target = matches[0];
      if (!target) throw new NotFoundError(`image ${to} is not in the history of ${familiarName(tagReference(ref))}`);
    } else {
      const ids = rows.map((e) => e.id);
      const at = current === undefined ? ids.length : ids.lastIndexOf(current);
      target = ids.slice(0, Math.max(at, 0)).reverse().find((id) => id !== current);
      if (!target) throw new NotFoundError(`${familiarName(tagReference(ref))} has no earlier image to roll back to`);
    }
    if (!this.images.has(target)) throw new NotFoundError(`image ${target} from the history of ${familiarName(tagReference(ref))} is no longer stored`);
    await this.tag(target, ref, 'rollback');
    return target;
  }

  /** Records a digest reference (repo@sha256:…, a manifest digest) for an image after pull/push. */
  async addDigestReference(imageId: string, ref: string): Promise<void> {
    const r = parseReference(ref);
    if (r.digest === undefined) throw new InvalidArgumentError(`${ref} is not a digest reference`);
    this.entry(imageId);
    await this.lock.run(async () => {
      this.refs.set(refKey(r), imageId);
      await this.refs.save();
    });
  }

  /** Removes one name. NotFoundError if no image has it. */
  async untag(ref: string): Promise<void> {
    const key = refKey(parseReference(ref));
    await this.lock.run(async () => {
      if (!this.refs.delete(key)) throw notFoundError(ref);
      await this.refs.save();
    });
  }

  // ---- removing ----

  /**
   * docker rmi (see image-delete.ts for the rules). Returns docker's list of Untagged/Deleted
   * lines, removed layers given by chain ID.
   */
  async remove(nameOrId: string, opts: RemoveOptions, users: ImageUsers): Promise<DeleteResponseItem[]> {
    return this.lock.run(() => deleteImage(this.deleteTarget, nameOrId, !!opts.force, !opts.noPrune, users));
  }

  private get deleteTarget(): DeleteTarget {
    return {
      refs: this.refs,
      lookup: (n) => this.lookup(n),
      notFound: (n) => notFoundError(n),
      children: (id) => this.children(id),
      parentOf: (id) => {
        const p = this.images.get(id)?.parent ?? '';
        return this.images.has(p) ? p : '';
      },
      pinnedBy: (id) => {
        const pin = this.pins.holder(id);
        return pin && { id: '', running: true, what: pin.what };
      },
      deleteImage: async (id) => {
        const e = this.images.get(id)!;
        // Out of the index first, before any await: see pinnedBy's use in image-delete.ts.
        this.images.delete(id);
        await fs.rm(path.join(this.dir, `${digestHex(id)}.json`), { force: true });
        const removed = await this.collectLayers(e.chainIds);
        await this.content.delete(id);
        return removed;
      },
    };
  }

  /** docker image prune: dangling (untagged, childless) images, or with `all` every unused one. */
  async prune(
    opts: { danglingOnly: boolean; filter?: (img: ImageRecord) => boolean; /** Also images only a tag's history keeps. */ history?: boolean },
    users: ImageUsers,
  ): Promise<{ ImagesDeleted: DeleteResponseItem[]; SpaceReclaimed: number }> {
    const sizes = new Map(this.layers.list().map((l) => [l.chainId, l.size]));
    const deleted: DeleteResponseItem[] = [];
    for (const e of [...this.images.values()]) {
      if (!this.images.has(e.id)) continue;
      const children = this.children(e.id).length;
      if (opts.danglingOnly && children > 0) continue;
      const refs = this.refs.of(e.id);
      if (refs.length === 0 && children > 0) continue;
      if (opts.filter && !opts.filter(this.record(e))) continue;
      if (!opts.history && refs.length === 0 && this.tagLog.holds(e.id)) continue;
      try {
        if (refs.length > 0) {
          if (opts.danglingOnly && this.refs.tagsOf(e.id).length > 0) continue;
          for (const r of refs) {
            // Removing its last tag may have removed the image, its digest references with it
            // (an image pulled by tag: `image prune -a` answered 404 "No such image: name@sha256:…").
            if (!this.images.has(e.id) || !this.refs.of(e.id).includes(r)) continue;
            deleted.push(...(await this.remove(r, {}, users)));
          }
        } else {
          deleted.push(...(await this.remove(digestHex(e.id), {}, users)));
        }
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    const reclaimed = deleted.reduce((n, d) => n + (d.Deleted ? (sizes.get(d.Deleted) ?? 0) : 0), 0);
    return { ImagesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  // ---- containers' claims on layers ----

  /**
   * Keeps the image's layers while `holder` (a container ID) exists, even if the image goes. In
   * memory: the holder's own record (a container's TopLayer), written durably before its create
   * is answered, is the claim on disk, and open() is given it back (`claims`) before it collects.
   * A create that crashed before its record was durable left no container, so nothing to keep.
   * (This saves create a file write and its two fsyncs on the path a client waits on.)
   */
  async holdLayers(holder: string, image: ImageRecord | string): Promise<void> {
    const chain = this.entry(image).chainIds;
    if (chain.length) this.layers.holdInMemory(holder, chain[chain.length - 1]!);
  }

  /** Drops the claim and removes layers nothing uses any more. */
  async releaseLayers(holder: string): Promise<void> {
    await this.layers.release(holder);
    await this.lock.run(() => this.collectAll(false));
  }

  // ---- garbage collection ----

  private liveChains(): Set<string> {
    const live = this.layers.held();
    for (const e of this.images.values()) for (const c of e.chainIds) live.add(c);
    for (const l of this.leases) for (const c of l) for (const s of this.layers.has(c) ? this.layers.stack(c) : []) live.add(s.chainId);
    return live;
  }

  /** Removes those of `candidates` no image, hold or lease uses; returns them, topmost first. */
  private async collectLayers(candidates: readonly string[]): Promise<string[]> {
    const live = this.liveChains();
    const removed: string[] = [];
    for (const c of [...candidates].reverse()) {
      if (live.has(c)) continue;
      if (await this.layers.remove(c)) removed.push(c);
    }
    return removed;
  }

  /**
   * Collects every unused layer; with `blobs`, also every blob that is neither an image config
   * nor a layer's bytes (only safe when nothing is being pulled or loaded: at open).
   */
  private async collectAll(blobs = true): Promise<void> {
    const live = this.liveChains();
    const dead = this.layers.list().filter((l) => !live.has(l.chainId));
    // Remove from the top down so a parent never goes before its child.
    const depth = (c: string): number => {
      try {
        return this.layers.stack(c).length;
      } catch {
        return 0;
      }
    };
    dead.sort((a, b) => depth(b.chainId) - depth(a.chainId));
    await this.collectLayers(dead.map((l) => l.chainId).reverse());
    if (!blobs) return;
    const keep = new Set<string>([...this.images.keys(), ...this.layers.list().map((l) => l.blob.digest)]);
    for (const b of await this.content.list()) if (!keep.has(b.digest)) await this.content.delete(b.digest);
  }
}

/** docker's ErrImageDoesNotExist: the reference printed familiar, with ":latest" if untagged. */
function notFoundError(nameOrId: string): NotFoundError {
  let shown = nameOrId;
  try {
    const any = parseAnyReference(nameOrId);
    shown = any.kind === 'id' ? any.id : familiarName(withDefaultTag(any.ref));
  } catch {
    // Not a reference: print it as given.
  }
  return new NotFoundError(`No such image: ${shown}`);
}
