// Garbage collection (mark and sweep, as distribution's registry/storage/garbagecollect.go):
// mark every manifest revision of every repository and what it references (config and layers;
// for an index, its child manifests), then remove blobs nothing marks and the repository links
// to them. Upload temp files live apart under uploads/ and are never touched.
//
// The registry may be serving while gc runs. A client pushes layers before the manifest that
// references them, so a fresh layer is briefly unreferenced; blobs and links younger than
// `delayMs` are kept (zot's gcDelay does the same; distribution asks for a read-only registry).
import { promises as fs } from 'node:fs';
import { referencedDigests } from './manifest.js';
import { RegistryStore } from './registry-store.js';

export interface GcOptions {
  dryRun?: boolean;
  /** Keep blobs whose file or repository link changed within this many ms (default 1 hour). */
  delayMs?: number;
}

export interface GcResult {
  /** Blobs kept because something references them. */
  marked: number;
  /** Blobs removed (or that would be, with dryRun). */
  removed: { digest: string; size: number }[];
  /** Unreferenced blobs kept because they are younger than the delay. */
  young: number;
  /** Repository links removed because their blob is no longer referenced. */
  unlinked: number;
}

export const DEFAULT_GC_DELAY_MS = 3600_000;

export async function collectGarbage(root: string, o: GcOptions = {}): Promise<GcResult> {
  const store = await RegistryStore.open(root);
  const delay = o.delayMs ?? DEFAULT_GC_DELAY_MS;
  const cutoff = Date.now() - delay;
  const marked = new Set<string>();
  const repos = await store.repositories();
  // Mark.
  for (const repo of repos) {
    for (const digest of await store.listManifests(repo)) {
      marked.add(digest);
      const body = await store.blobs.get(digest).catch(() => undefined);
      if (body) for (const d of referencedDigests(body)) marked.add(d);
    }
  }
  // Links that are young protect their blob; links to unmarked blobs go.
  const young = new Set<string>();
  let unlinked = 0;
  for (const repo of repos) {
    for (const link of await store.listBlobLinks(repo)) {
      if (marked.has(link.digest)) continue;
      if (link.mtimeMs > cutoff) {
        young.add(link.digest);
        continue;
      }
      unlinked++;
      if (!o.dryRun) await fs.rm(link.file, { force: true });
    }
  }
  // Sweep.
  const removed: { digest: string; size: number }[] = [];
  let youngBlobs = 0;
  for (const b of await store.blobs.list()) {
    if (marked.has(b.digest)) continue;
    const st = await fs.stat(store.blobs.path(b.digest)).catch(() => undefined);
    if (!st) continue;
    if (young.has(b.digest) || Math.max(st.mtimeMs, st.ctimeMs) > cutoff) {
      youngBlobs++;
      continue;
    }
    removed.push(b);
    if (!o.dryRun) await store.blobs.delete(b.digest);
  }
  return { marked: marked.size, removed, young: youngBlobs, unlinked };
}
