// docker load / docker save. Load reads both the docker-save layout (manifest.json naming a
// config and layer tars, including the pre-25 "<id>/layer.tar" form) and the OCI image layout
// (oci-layout, index.json, blobs/sha256/…). Layers unpack while the archive streams past: an
// entry is recognised as a layer by its first bytes, staged into the layer store, and placed
// in its stack once the manifest (which comes after the layers in docker's archives) is read.
// Save writes what docker 25+ writes: one tar that is both an OCI layout and a docker-save archive.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as tar from 'tar-stream';
import { loadTar, tarReadError } from '../../storage/tar-module.js';
import { detectCompression, looksLikeTar, peek } from '../../storage/compression.js';
import { DigestingStream, chainIds, digestHex, sha256Digest } from '../../storage/digest.js';
import type { LayerInfo, StagedLayer } from '../../storage/layer-store.js';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { ImageStore, Lease } from './image-store.js';
import { ImagePin } from './image-pins.js';
import { hostArchitecture } from '../../protocol/platform.js';
import { familiarName, familiarRepository, parseAnyReference, parseReference, referenceString, withDefaultTag } from '../../protocol/reference.js';
import type { ImageConfig } from './types.js';
import { SpooledFiles, type ArchiveFiles } from './archive-spool.js';
import * as path from 'node:path';

export { commitLayer, importRootfs, type CommitOptions, type ImportOptions } from './commit.js';

const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** Non-layer files (manifests, configs, index) are kept up to this size each, and in total. */
const MAX_METADATA_FILE = 16 << 20;
const MAX_METADATA_TOTAL = 256 << 20;

export interface LoadedImage {
  id: string;
  /** Normalized references now pointing at the image. */
  tags: string[];
}

export interface LoadResult {
  images: LoadedImage[];
  /** What `docker load` prints, line by line: "Loaded image: busybox:latest". */
  messages: string[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

interface DockerSaveManifest {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** A layer found in the archive: freshly staged, or already in the store (skipped unread). */
type LayerEntry = { staged: StagedLayer; placedAt?: string } | { existing: LayerInfo };

function cleanName(name: string): string {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s) {
    // discard
  }
}

/** docker load: reads a docker-save or OCI-layout archive from `input`. */
export async function loadImages(store: ImageStore, input: Readable | AsyncIterable<Buffer>): Promise<LoadResult> {
  const files = new SpooledFiles(path.join(store.layers.dir, 'tmp'), MAX_METADATA_FILE, MAX_METADATA_TOTAL);
  const layers = new Map<string, LayerEntry>();
  const links = new Map<string, string>();
  const lease = store.lease();
  try {
    const extract = (await loadTar()).extract();
    const feeding = pipeline(input, extract);
    feeding.catch(() => undefined); // awaited below
    try {
      for await (const entry of extract) {
        const h = entry.header;
        const name = cleanName(h.name);
        if (h.type === 'symlink' || h.type === 'link') {
          // Old docker save links a repeated layer.tar to its first copy.
          links.set(name, cleanName(h.type === 'symlink' ? `${name}/../${h.linkname}` : h.linkname));
          await drain(entry);
          continue;
        }
        if (h.type !== 'file' && h.type !== 'contiguous-file') {
          await drain(entry);
          continue;
        }
        const { head, stream } = await peek(entry as AsyncIterable<Buffer>, 512);
        if (detectCompression(head) !== 'none' || looksLikeTar(head)) {
          layers.set(name, await stageLayer(store, lease, name, stream));
        } else {
          await files.add(name, stream);
        }
      }
      await feeding;
    } catch (err) {
      if ('destroy' in input) input.destroy();
      extract.destroy();
      await feeding.catch(() => undefined);
      throw tarReadError(err);
    }

    const resolveLink = (p: string): string => {
      for (let i = 0; i < 16 && links.has(p); i++) p = links.get(p)!;
      return p;
    };
    const images = files.has('manifest.json') ? dockerSaveImages(files) : ociImages(files);
    const result: LoadResult = { images: [], messages: [] };
    for (const img of images) {
      const configBytes = files.get(resolveLink(img.config));
      if (!configBytes) throw new InvalidArgumentError(`invalid archive: config ${img.config} not found`);
      if (img.configDigest && sha256Digest(configBytes) !== img.configDigest) {
        throw new InvalidArgumentError(`invalid archive: config ${img.config} does not match its digest`);
      }
      const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== img.layers.length) {
        throw new InvalidArgumentError(`invalid archive: ${img.layers.length} layers for ${diffIds.length} diff IDs in ${img.config}`);
      }
      await placeLayers(store, lease, img.layers.map((l) => {
        const e = layers.get(resolveLink(l.path));
        if (!e) throw new InvalidArgumentError(`invalid archive: layer ${l.path} not found`);
        return e;
      }), diffIds);
      const added = await store.addImage(configBytes, { tags: img.tags, source: 'load' });
      for (const m of added.moved) {
        result.messages.push(`The image ${familiarName(m.ref)} already exists, renaming the old one with ID ${m.from} to empty string`);
      }
      for (const t of img.tags) result.messages.push(`Loaded image: ${familiarName(t)}`);
      if (img.tags.length === 0) result.messages.push(`Loaded image ID: ${added.id}`);
      result.images.push({ id: added.id, tags: img.tags });
    }
    return result;
  } finally {
    for (const e of layers.values()) if ('staged' in e && e.placedAt === undefined) await store.layers.discard(e.staged);
    await files.remove();
    lease.release();
  }
}

/** Stages a layer entry, or skips it when a blob of that digest is already unpacked here. */
async function stageLayer(store: ImageStore, lease: Lease, name: string, stream: Readable): Promise<LayerEntry> {
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
  if (m) {
    const digest = `sha256:${m[1]}`;
    const known = store.layers.byBlobDigest(digest)[0] ?? store.layers.byDiffId(digest)[0];
    if (known) {
      lease.add(known.chainId);
      await drain(stream);
      return { existing: known };
    }
  }
  // In an OCI layout a blob's name is its digest: the store verifies it while writing.
  return { staged: await store.layers.stage(stream, m ? { expectedBlobDigest: `sha256:${m[1]}` } : {}) };
}

/** Puts each layer in its stack (diff IDs checked against the config) and leases the chain. */
async function placeLayers(store: ImageStore, lease: Lease, entries: LayerEntry[], diffIds: readonly string[]): Promise<void> {
  const chain = chainIds(diffIds);
  let parent: string | null = null;
  for (const [i, e] of entries.entries()) {
    const want = diffIds[i]!;
    const got = 'staged' in e ? e.staged.diffId : e.existing.diffId;
    if (got !== want) throw new InvalidArgumentError(`invalid diffID for layer ${i}: expected ${want}, got ${got}`);
    const c = chain[i]!;
    lease.add(c);
    if (!store.layers.has(c)) {
      if ('staged' in e && e.placedAt === undefined) {
        await store.layers.commit(e.staged, parent);
        e.placedAt = c;
      } else {
        // The same diff already placed in another stack: copy it to this position.
        const from = 'staged' in e ? store.layers.get(e.placedAt!) : e.existing;
        if (!from) throw new InvalidArgumentError(`layer ${want} vanished while loading`);
        await store.layers.copyTo(from, parent);
      }
    }
    parent = c;
  }
}

interface ArchiveImage {
  config: string;
  configDigest?: string;
  layers: { path: string }[];
  tags: string[];
}

function parseJson<T>(files: ArchiveFiles, name: string): T {
  const b = files.get(name);
  if (!b) throw new InvalidArgumentError(`invalid archive: ${name} not found`);
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    throw new InvalidArgumentError(`invalid archive: ${name} is not valid JSON`);
  }
}

function normalizeTags(tags: readonly string[]): string[] {
  return tags.map((t) => referenceString(withDefaultTag(parseReference(t))));
}

function dockerSaveImages(files: ArchiveFiles): ArchiveImage[] {
  const manifest = parseJson<DockerSaveManifest[]>(files, 'manifest.json');
  if (!Array.isArray(manifest)) throw new InvalidArgumentError('invalid archive: manifest.json is not a list');
  return manifest.map((m) => {
    const cfg = cleanName(m.Config);
    const hex = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(cfg)?.[1];
    return {
      config: cfg,
      configDigest: hex ? `sha256:${hex}` : undefined,
      layers: (m.Layers ?? []).map((l) => ({ path: cleanName(l) })),
      tags: normalizeTags(m.RepoTags ?? []),
    };
  });
}

function blobPath(digest: string): string {
  const [algo, hex] = digest.split(':');
  if (!algo || !hex || !/^[a-z0-9]+$/.test(algo) || !/^[a-f0-9]+$/.test(hex)) throw new InvalidArgumentError(`invalid digest ${digest}`);
  return `blobs/${algo}/${hex}`;
}

/** Images of an OCI layout: index.json's manifests (nested indexes narrowed to this platform). */
function ociImages(files: ArchiveFiles): ArchiveImage[] {
  if (!files.has('index.json')) throw new InvalidArgumentError('invalid archive: neither manifest.json nor index.json found');
  const layout = files.has('oci-layout') ? parseJson<{ imageLayoutVersion?: string }>(files, 'oci-layout') : undefined;
  if (layout && layout.imageLayoutVersion !== '1.0.0') throw new InvalidArgumentError(`unsupported OCI layout version ${layout.imageLayoutVersion}`);
  const index = parseJson<{ manifests?: Descriptor[] }>(files, 'index.json');
  const byId = new Map<string, ArchiveImage>();
  const visit = (d: Descriptor, tags: string[], depth: number): void => {
    if (depth > 4) throw new InvalidArgumentError('invalid archive: index nesting too deep');
    const doc = parseJson<{ mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }>(files, blobPath(d.digest));
    if (sha256Digest(files.get(blobPath(d.digest))!) !== d.digest) throw new InvalidArgumentError(`invalid archive: ${d.digest} does not match its content`);
    const type = doc.mediaType ?? d.mediaType;
    if (type === MEDIA.ociIndex || type === MEDIA.dockerList || Array.isArray(doc.manifests)) {
      const mine = (doc.manifests ?? []).filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === hostArchitecture()));
      if (mine.length === 0) throw new InvalidArgumentError(`no image for linux/${hostArchitecture()} in ${d.digest}`);
      visit(mine[0]!, tags, depth + 1);
      return;
    }
    if (!doc.config) throw new InvalidArgumentError(`invalid archive: ${d.digest} is not an image manifest`);
    const img = byId.get(doc.config.digest) ?? {
      config: blobPath(doc.config.digest),
      configDigest: doc.config.digest,
      layers: (doc.layers ?? []).map((l) => ({ path: blobPath(l.digest) })),
      tags: [],
    };
    for (const t of tags) if (!img.tags.includes(t)) img.tags.push(t);
    byId.set(doc.config.digest, img);
  };
  for (const d of index.manifests ?? []) visit(d, ociTags(d), 0);
  return [...byId.values()];
}

/** The name of an index entry: containerd's full name, or a ref.name that is a whole reference. */
function ociTags(d: Descriptor): string[] {
  const a = d.annotations ?? {};
  const full = a[IMAGE_NAME_ANNOTATION] ?? (/[/:]/.test(a[REF_NAME_ANNOTATION] ?? '') ? a[REF_NAME_ANNOTATION] : undefined);
  if (!full) return [];
  try {
    return normalizeTags([full]);
  } catch {
    return [];
  }
}

// ---- save ----

interface SaveSet {
  id: string;
  /** Normalized tag references to record for it. */
  tags: string[];
}

/** Which images and tags `docker save a b c` means (moby image/tarexport/save.go parseNames). */
function selectImages(store: ImageStore, names: readonly string[]): SaveSet[] {
  const out = new Map<string, SaveSet>();
  const add = (id: string, tag?: string): void => {
    const s = out.get(id) ?? { id, tags: [] };
    if (tag && !s.tags.includes(tag)) s.tags.push(tag);
    out.set(id, s);
  };
  for (const name of names) {
    const any = parseAnyReference(name);
    if (any.kind === 'id') {
      add(store.resolve(any.id).id);
      continue;
    }
    const ref = any.ref;
    if (ref.tag === undefined && ref.digest === undefined) {
      // A bare repository name saves every tag of that repository.
      const repo = familiarRepository(ref);
      let found = false;
      for (const img of store.list()) {
        for (const t of img.repoTags) {
          if (familiarRepository(parseReference(t)) === repo) {
            add(img.id, t);
            found = true;
          }
        }
      }
      if (!found) add(store.resolve(name).id);
      continue;
    }
    const img = store.resolve(name);
    add(img.id, ref.digest === undefined ? referenceString(withDefaultTag(ref)) : undefined);
  }
  if (out.size === 0) throw new InvalidArgumentError('no images to save');
  return [...out.values()];
}

function addEntry(pack: tar.Pack, name: string, data: Buffer | string, type: 'file' | 'directory' = 'file'): Promise<void> {
  return new Promise((resolve, reject) => {
    const header = { name, type, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0) };
    pack.entry(header, Buffer.from(data), (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams exactly `size` bytes into a tar entry, checking they hash to `digest`. */
async function addStream(pack: tar.Pack, name: string, size: number, source: Readable, digest: string): Promise<void> {
  let finish!: (err?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = (err) => (err ? reject(err) : resolve());
  });
  // Settled by the entry's callback; a failure (the client gone, the pack destroyed) comes
  // through it, not through the entry stream's own 'error', which nobody else listens to.
  done.catch(() => undefined);
  const sink = pack.entry({ name, type: 'file', size, mode: 0o644, mtime: new Date(0) }, (err) => finish(err));
  sink.on('error', () => undefined);
  const hash = new DigestingStream();
  try {
    for await (const chunk of source.pipe(hash)) {
      // A drain, or the pack's end: waiting for the drain alone hung a save whose client went
      // away, with its images pinned (rmi refused "a save in progress") and its layer open.
      if (!sink.write(chunk as Buffer)) await Promise.race([new Promise<void>((r) => sink.once('drain', () => r())), done]);
    }
    if (hash.digest() !== digest || hash.bytes !== size) {
      throw new InvalidArgumentError(`layer ${digest} is corrupt in the store (got ${hash.digest()}, ${hash.bytes} bytes)`);
    }
  } catch (err) {
    sink.destroy(err as Error);
    throw err;
  }
  sink.end(undefined);
  await done;
}

/**
 * docker save: writes the images `names` mean, with their layers, as a tar that is both a
 * docker-save archive (manifest.json, repositories) and an OCI image layout (oci-layout,
 * index.json, blobs/sha256/…), as docker 25+ writes it. Layers are the exact tars their diff IDs
 * name, uncompressed, so a load of this archive gives the same image IDs.
 */
export async function saveImages(store: ImageStore, names: readonly string[], out: Writable): Promise<void> {
  const sets = selectImages(store, names);
  // Kept until the archive is written: an rmi meanwhile cut it short (image-pins.ts).
  const pin = new ImagePin('a save in progress');
  for (const s of sets) store.pins.add(pin, s.id);
  try {
    await writeArchive(store, sets, out);
  } finally {
    store.pins.release(pin);
  }
}

async function writeArchive(store: ImageStore, sets: readonly SaveSet[], out: Writable): Promise<void> {
  const pack = (await loadTar()).pack();
  const sending = pipeline(pack, out);
  sending.catch(() => undefined); // awaited below
  try {
    await addEntry(pack, 'blobs', '', 'directory');
    await addEntry(pack, 'blobs/sha256', '', 'directory');
    const written = new Set<string>();
    const manifestJson: DockerSaveManifest[] = [];
    const index: Descriptor[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const s of sets) {
      const img = store.get(s.id);
      if (!img) throw new NotFoundError(`No such image: ${s.id}`);
      const layerDescs: Descriptor[] = [];
      for (const c of store.chainIds(img)) {
        const { stream, size, diffId } = await store.layers.openTar(c);
        const p = blobPath(diffId);
        try {
          if (!written.has(p)) await addStream(pack, p, size, stream, diffId);
        } finally {
          // Read to its end, skipped, or cut off (an entry refused once the client is gone):
          // its blob is closed either way, not left to the GC.
          stream.destroy();
        }
        written.add(p);
        layerDescs.push({ mediaType: MEDIA.ociLayer, digest: diffId, size });
      }
      const configBytes = await store.configBytes(img);
      if (!written.has(blobPath(img.id))) await addEntry(pack, blobPath(img.id), configBytes);
      written.add(blobPath(img.id));
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: MEDIA.ociConfig, digest: img.id, size: configBytes.length },
        layers: layerDescs,
      }));
      const manifestDigest = sha256Digest(manifest);
      if (!written.has(blobPath(manifestDigest))) await addEntry(pack, blobPath(manifestDigest), manifest);
      written.add(blobPath(manifestDigest));
      const desc = { mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifest.length };
      if (s.tags.length === 0) index.push(desc);
      for (const t of s.tags) {
        const r = parseReference(t);
        index.push({ ...desc, annotations: { [IMAGE_NAME_ANNOTATION]: t, [REF_NAME_ANNOTATION]: r.tag ?? 'latest' } });
        const top = layerDescs[layerDescs.length - 1];
        if (top) (repositories[familiarRepository(r)] ??= {})[r.tag ?? 'latest'] = digestHex(top.digest);
      }
      manifestJson.push({ Config: blobPath(img.id), RepoTags: s.tags.length ? s.tags.map((t) => familiarName(t)) : null, Layers: layerDescs.map((l) => blobPath(l.digest)) });
    }
    await addEntry(pack, 'index.json', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index }));
    await addEntry(pack, 'manifest.json', JSON.stringify(manifestJson));
    await addEntry(pack, 'oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (Object.keys(repositories).length) await addEntry(pack, 'repositories', JSON.stringify(repositories));
    pack.finalize();
    await sending;
  } catch (err) {
    pack.destroy(err as Error);
    await sending.catch(() => undefined);
    throw err;
  }
}
