// The build cache: which image a step made from which parent image and which instruction (after
// substitution; for COPY/ADD with a checksum of the content copied). A step is reused when its
// key is here and the image still exists. Each step's result is an ordinary image (untagged,
// with its parent), as docker's classic builder makes them, so a cached step costs a lookup and
// its layers are shared like any image's. Kept in <data-root>/builder/cache.json (written
// atomically), so it survives a restart; `builder prune` forgets entries and removes the
// intermediate images nothing else needs.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { Mutex } from '../../storage/lock.js';

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
