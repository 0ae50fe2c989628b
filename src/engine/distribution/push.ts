// docker push (moby distribution/push_v2.go): for each tag, every layer blob the registry lacks
// is sent (HEAD first; a cross-repository mount when this registry already has it under another
// name berth knows; else an upload), then the config, then the manifest. A pulled image is
// pushed with the blobs and manifest exactly as they were served, so digests survive the trip;
// layers made here (load, import, commit, build) that are stored uncompressed are gzipped once
// into the content store (zlib is deterministic, so the digest is stable across restarts).
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { LayerInfo } from '../../storage/layer-store.js';
import { familiarName, parseReference, referenceString, repositoryName, type Reference } from '../../protocol/reference.js';
import { NotFoundError } from '../../errors.js';
import { ImagePin } from '../images/image-pins.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageRecord } from '../images/types.js';
import type { AuthConfig } from './auth.js';
import type { RegistryOptions } from './endpoints.js';
import { Limiter } from './limiter.js';
import { MEDIA, parseManifest, type Descriptor } from './manifest.js';
import type { ManifestStore } from './manifest-store.js';
import { ProgressThrottle, shortDigest, type ProgressSink } from './progress.js';
import { RegistryClient } from './registry-client.js';

export interface PushOptions {
  auth: AuthConfig;
  progress: ProgressSink;
}

export interface PushedTag {
  tag: string;
  digest: string;
  size: number;
}

interface PushBlob {
  digest: string;
  size: number;
  mediaType: string;
}

export class Pusher {
  private readonly uploads: Limiter;
  /** diff ID → the gzip blob made for pushing an uncompressed layer. */
  private readonly gzipped = new Map<string, { digest: string; size: number }>();

  constructor(
    private readonly store: ImageStore,
    private readonly manifests: ManifestStore,
    private readonly opts: RegistryOptions,
  ) {
    this.uploads = new Limiter(opts.maxConcurrentUploads);
  }

  /** Pushes `ref`'s tag, or every tag of its repository when it has none. */
  async push(ref: Reference, o: PushOptions): Promise<PushedTag[]> {
    const repo = repositoryName(ref);
    const tags = ref.tag !== undefined
      ? [ref.tag]
      : this.store.list().flatMap((i) => i.repoTags).map((t) => parseReference(t)).filter((t) => repositoryName(t) === repo).map((t) => t.tag!);
    if (tags.length === 0 || (ref.tag !== undefined && !this.has(referenceString(ref)))) {
      throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName({ ...ref, tag: ref.tag === 'latest' ? undefined : ref.tag })}`);
    }
    // Each tag's image as it is now, kept until the push ends: an rmi meanwhile is refused, and
    // an rmi -f only untags it (image-pins.ts); it went from under the push before.
    const pin = new ImagePin('a push in progress');
    try {
      const images = new Map([...new Set(tags)].map((tag) => [tag, this.store.resolvePinned(referenceString({ ...ref, tag, digest: undefined }), pin)]));
      const client = await RegistryClient.connect(ref.domain, ref.path, o.auth, this.opts, 'push');
      o.progress({ status: `The push refers to repository [${repo}]` });
      const out: PushedTag[] = [];
      for (const tag of [...images.keys()].sort()) out.push(await this.pushTag(client, { ...ref, tag, digest: undefined }, images.get(tag)!, o.progress));
      return out;
    } finally {
      this.store.pins.release(pin);
    }
  }

  private has(ref: string): boolean {
    try {
      this.store.resolve(ref);
      return true;
    } catch {
      return false;
    }
  }

  private async pushTag(client: RegistryClient, ref: Reference, img: ImageRecord, progress: ProgressSink): Promise<PushedTag> {
    const layers = this.store.chainIds(img.id).map((c) => this.store.layers.get(c)!);
    const throttle = new ProgressThrottle(progress);
    const ids = layers.map((l) => shortDigest(l.diffId));
    // dockerd lists layers top first.
    for (let i = layers.length - 1; i >= 0; i--) progress({ status: 'Preparing', progressDetail: {}, id: ids[i] });
    const results = await Promise.allSettled(layers.map((l, i) => this.uploads.run(() => this.pushLayer(client, ref, l, ids[i]!, throttle, progress), () => progress({ status: 'Waiting', progressDetail: {}, id: ids[i] }))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const blobs = results.map((r) => (r as PromiseFulfilledResult<PushBlob>).value);

    const configBytes = await this.store.configBytes(img.id);
    if ((await client.headBlob(img.id)) === undefined) {
      await client.uploadBlob(img.id, configBytes.length, async () => (await this.store.content.open(img.id)));
    }
    const manifest = (await this.reusableManifest(img.repoDigests, img.id, blobs)) ?? buildManifest(img.id, configBytes.length, blobs);
    const digest = await client.putManifest(ref.tag!, manifest.bytes, manifest.mediaType);
    await this.manifests.put(digest, manifest.bytes, manifest.mediaType);
    await this.store.addDigestReference(img.id, `${repositoryName(ref)}@${digest}`);
    progress({ status: `${ref.tag}: digest: ${digest} size: ${manifest.bytes.length}` });
    progress({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifest.bytes.length } });
    return { tag: ref.tag!, digest, size: manifest.bytes.length };
  }

  private async pushLayer(client: RegistryClient, ref: Reference, layer: LayerInfo, id: string, throttle: ProgressThrottle, progress: ProgressSink): Promise<PushBlob> {
    const blob = await this.pushBlobOf(layer);
    if ((await client.headBlob(blob.digest)) !== undefined) {
      progress({ status: 'Layer already exists', progressDetail: {}, id });
      return blob;
    }
    for (const from of this.mountSources(layer.blob.digest === blob.digest ? layer.chainId : '', ref)) {
      if (await client.mountBlob(blob.digest, from).catch(() => false)) {
        progress({ status: `Mounted from ${familiarName({ domain: ref.domain, path: from })}`, progressDetail: {}, id });
        return blob;
      }
    }
    const start = Math.floor(Date.now() / 1000);
    await client.uploadBlob(blob.digest, blob.size, async () => {
      const src = await this.store.content.open(blob.digest);
      let sent = 0;
      src.on('data', (c: Buffer) => {
        sent += c.length;
        throttle.bytes(id, 'Pushing', sent, blob.size, start);
      });
      return src;
    });
    progress({ status: 'Pushed', progressDetail: {}, id });
    return blob;
  }

  /** Repositories at the same registry whose images hold this layer (mount candidates). */
  private mountSources(chainId: string, ref: Reference): string[] {
    if (!chainId) return [];
    const out = new Set<string>();
    for (const img of this.store.list()) {
      if (!this.store.chainIds(img.id).includes(chainId)) continue;
      for (const name of [...img.repoDigests, ...img.repoTags]) {
        const r = parseReference(name);
        if (r.domain === ref.domain && r.path !== ref.path) out.add(r.path);
      }
    }
    return [...out].slice(0, 3);
  }

  /** The blob to send for a layer: its own bytes if compressed, else a gzip of them made once. */
  private async pushBlobOf(layer: LayerInfo): Promise<PushBlob> {
    if (layer.blob.compression === 'gzip') return { digest: layer.blob.digest, size: layer.blob.size, mediaType: MEDIA.dockerLayerGzip };
    if (layer.blob.compression === 'zstd') return { digest: layer.blob.digest, size: layer.blob.size, mediaType: MEDIA.ociLayerZstd };
    const known = this.gzipped.get(layer.diffId);
    if (known && (await this.store.content.has(known.digest))) return { ...known, mediaType: MEDIA.dockerLayerGzip };
    const w = await this.store.content.writer();
    try {
      const src = await this.store.content.open(layer.blob.digest);
      await pipeline(src, createGzip(), new Writable({ write: (c: Buffer, _e, cb) => void w.write(c).then(() => cb(), cb) }));
      const info = await w.commit();
      this.gzipped.set(layer.diffId, info);
      return { ...info, mediaType: MEDIA.dockerLayerGzip };
    } finally {
      await w.abort();
    }
  }

  /** A manifest this image was pulled or pushed with, if it names exactly these blobs. */
  private async reusableManifest(repoDigests: string[], configDigest: string, blobs: PushBlob[]) {
    for (const rd of repoDigests) {
      const d = parseReference(rd).digest;
      const m = d ? await this.manifests.get(d) : undefined;
      if (!m) continue;
      try {
        const p = parseManifest(m.bytes, m.mediaType);
        if (p.kind === 'manifest' && p.config.digest === configDigest && p.layers.length === blobs.length && p.layers.every((l, i) => l.digest === blobs[i]!.digest)) return m;
      } catch {
        // not usable
      }
    }
    return undefined;
  }
}

/** A Docker schema2 manifest (OCI when a layer is zstd), indented as docker writes it. */
function buildManifest(configDigest: string, configSize: number, blobs: PushBlob[]): { bytes: Buffer; mediaType: string } {
  const oci = blobs.some((b) => b.mediaType === MEDIA.ociLayerZstd);
  const mediaType = oci ? MEDIA.ociManifest : MEDIA.dockerManifest;
  const layerType = (b: PushBlob) => (oci ? (b.mediaType === MEDIA.ociLayerZstd ? MEDIA.ociLayerZstd : MEDIA.ociLayerGzip) : b.mediaType);
  const config: Descriptor = { mediaType: oci ? MEDIA.ociConfig : MEDIA.dockerConfig, size: configSize, digest: configDigest };
  const m = {
    schemaVersion: 2,
    mediaType,
    config,
    layers: blobs.map((b) => ({ mediaType: layerType(b), size: b.size, digest: b.digest })),
  };
  return { bytes: Buffer.from(JSON.stringify(m, null, 3)), mediaType };
}
