// The build cache: which image a step made from which parent image and which instruction (after
// substitution; for COPY/ADD with a checksum of the content copied). A step is reused when its
// key is here and the image still exists. Each step's result is an ordinary image (untagged,
// with its parent), as docker's classic builder makes them, so a cached step costs a lookup and
// its layers are shared like any image's. Kept in <data-root>/builder/cache.json (written
// atomically), so it survives a restart; `builder prune` forgets entries and removes the
// intermediate images nothing else needs.
import type { BuildCacheRecord } from '../../protocol/engine-api.js';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { Mutex } from '../../storage/lock.js';
import type { ImageService } from '../images/image-service.js';

export interface CacheEntry {
  /** Image the step made. */
  image: string;
  /** Image the step ran on ("" for scratch). */
  parent: string;
  /** The step, as history shows it. */
  description: string;
  createdAt: string;
  lastUsedAt: string;
  usageCount: number;
}

export function cacheKey(parent: string, step: string): string {
  return createHash('sha256').update(`${parent}\n${step}`).digest('hex');
}

export class BuildCache {
  private entries = new Map<string, CacheEntry>();
  private readonly lock = new Mutex();
  private readonly file: string;

  private constructor(dir: string) {
    this.file = path.join(dir, 'cache.json');
  }

  static async open(dir: string): Promise<BuildCache> {
    const c = new BuildCache(dir);
    const saved = await readJson<Record<string, CacheEntry>>(c.file).catch(() => ({}));
    c.entries = new Map(Object.entries(saved));
    return c;
  }

  /** The image a step made before, if `exists` still says it is there. */
  lookup(key: string, exists: (image: string) => boolean): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!exists(e.image)) {
      this.entries.delete(key);
      return undefined;
    }
    e.lastUsedAt = new Date().toISOString();
    e.usageCount++;
    return e.image;
  }

  async put(key: string, entry: Omit<CacheEntry, 'createdAt' | 'lastUsedAt' | 'usageCount'>): Promise<void> {
    const now = new Date().toISOString();
    this.entries.set(key, { ...entry, createdAt: now, lastUsedAt: now, usageCount: 0 });
    await this.save();
  }

  list(): Array<CacheEntry & { key: string }> {
    return [...this.entries].map(([key, e]) => ({ key, ...e }));
  }

  /** Forgets every entry (those `keep` selects stay); returns the forgotten ones. */
  async clear(keep: (e: CacheEntry) => boolean = () => false): Promise<CacheEntry[]> {
    const gone: CacheEntry[] = [];
    for (const [k, e] of this.entries) {
      if (keep(e)) continue;
      this.entries.delete(k);
      gone.push(e);
    }
    await this.save();
    return gone;
  }

  save(): Promise<void> {
    return this.lock.run(() => writeJsonAtomic(this.file, Object.fromEntries(this.entries)));
  }
}

/** GET /system/df's BuildCache rows: one per cached step (its own layer's size). */
export function buildCacheUsage(cache: BuildCache, images: ImageService): BuildCacheRecord[] {
  const store = images.store;
  return cache.list().map((e) => {
    const img = store.get(e.image);
    const parent = e.parent ? store.get(e.parent) : undefined;
    const own = img && img.config.rootfs.diff_ids.length > (parent?.config.rootfs.diff_ids.length ?? 0) ? store.layers.get(store.chainIds(img.id).at(-1)!)?.size ?? 0 : 0;
    return {
      ID: e.key.slice(0, 25), Parents: e.parent ? [e.parent] : null, Type: 'regular', Description: e.description,
      InUse: false, Shared: false, Size: own, CreatedAt: e.createdAt, LastUsedAt: e.lastUsedAt, UsageCount: e.usageCount,
    };
  });
}

/**
 * builder prune: forgets the cache, then removes the step images it kept that nothing else
 * needs (untagged, no child image, no container; a tag's history keeps its images).
 */
export async function pruneBuildCache(cache: BuildCache, images: ImageService, users: (id: string) => unknown[]): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
  const store = images.store;
  const entries = await cache.clear();
  const candidates = new Set(entries.map((e) => e.image));
  const deleted: string[] = [];
  let reclaimed = 0;
  for (let progress = true; progress;) {
    progress = false;
    for (const id of candidates) {
      const img = store.get(id);
      if (!img) {
        candidates.delete(id);
        continue;
      }
      if (img.repoTags.length || img.repoDigests.length || store.children(id).length || users(id).length || store.tagLogHolds(id)) continue;
      const sizes = new Map(store.layers.list().map((l) => [l.chainId, l.size]));
      const items = await images.remove(id, { noPrune: true }).catch(() => []);
      for (const it of items) if (it.Deleted) reclaimed += sizes.get(it.Deleted) ?? 0;
      candidates.delete(id);
      deleted.push(id);
      progress = true;
    }
  }
  return { CachesDeleted: deleted, SpaceReclaimed: reclaimed };
}
