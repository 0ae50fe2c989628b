// docker pull (moby distribution/pull_v2.go): resolve the manifest (picking this platform from
// an index), fetch the config, then the layers this store lacks, in parallel up to the daemon's
// --max-concurrent-downloads, each unpacked while its bytes arrive and checked against its digest
// (blob and diff ID) before it is placed. Layers are placed bottom-up once their parent is in;
// the image record and its names come last, so a failed pull leaves no image and (through the
// layer store's staging) no half layer. Two pulls needing the same layer share one download.
import { Readable } from 'node:stream';
import { chainIds, sha256Digest } from '../../storage/digest.js';
import type { LayerInfo } from '../../storage/layer-store.js';
import { familiarName, familiarRepository, referenceString, repositoryName, withDefaultTag, type Reference } from '../../protocol/reference.js';
import { InvalidArgumentError, NotFoundError, SystemError, systemErrorText } from '../../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageConfig } from '../images/types.js';
import type { AuthConfig } from './auth.js';
import { BlobSizeError, blobBytes } from './blob-download.js';
import type { RegistryOptions } from './endpoints.js';
import { RegistryResponseError, RegistryUnavailableError, UnauthorizedError } from './errors.js';
import { Limiter } from './limiter.js';
import { hostPlatform, parseManifest, parsePlatform, pickManifest, platformString, type Descriptor, type ImageManifest } from './manifest.js';
import { ProgressThrottle, shortDigest, type ProgressSink } from './progress.js';
import { RegistryClient } from './registry-client.js';
import type { ManifestStore } from './manifest-store.js';

export interface PullOptions {
  auth: AuthConfig;
  /** "linux/arm64": pick this entry of an index (default: this machine's). */
  platform?: string;
  progress: ProgressSink;
}

export interface PullResult {
  id: string;
  manifestDigest: string;
  /** False when the name already pointed at this image ("Image is up to date"). */
  changed: boolean;
}

const MAX_CONFIG_SIZE = 8 << 20;

export class Puller {
  private readonly downloads: Limiter;
  /** Layer placements under way, by chain ID: a second pull waits on the first. */
  private readonly inflight = new Map<string, Promise<LayerInfo>>();

  constructor(
    private readonly store: ImageStore,
    private readonly manifests: ManifestStore,
    private readonly opts: RegistryOptions,
  ) {
    this.downloads = new Limiter(opts.maxConcurrentDownloads);
  }

  /** Pulls `ref` (tag or digest; ":latest" added when neither). */
  async pull(ref: Reference, o: PullOptions): Promise<PullResult> {
    const r = withDefaultTag(ref);
    const tagOrDigest = r.digest ?? r.tag!;
    const client = await RegistryClient.connect(r.domain, r.path, o.auth, this.opts, 'pull');
    const want = o.platform ? parsePlatform(o.platform) : hostPlatform();
    const { manifest, bytes, digest, mediaType } = await this.resolveManifest(client, r, tagOrDigest, want, !!o.platform);
    o.progress({ status: `Pulling from ${r.path}`, id: tagOrDigest });

    const configBytes = await this.fetchConfig(client, manifest.config);
    const config = parseConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    const layerDescs = manifest.layers;
    if (diffIds.length !== layerDescs.length) {
      throw new InvalidArgumentError(`invalid manifest: ${layerDescs.length} layers but the config lists ${diffIds.length} diff IDs`);
    }
    if (o.platform && (config.os !== want.os || config.architecture !== want.architecture)) {
      throw new InvalidArgumentError(`image with reference ${familiarName(r)} was found but its platform (${config.os}/${config.architecture}) does not match the specified platform (${platformString(want)})`);
    }
    const chain = chainIds(diffIds);
    const lease = this.store.lease();
    try {
      await this.fetchLayers(client, layerDescs, diffIds, chain, lease.add, o.progress);
      const repo = repositoryName(r);
      const before = r.tag !== undefined ? this.idOf(referenceString(r)) : undefined;
      const known = sha256Digest(configBytes);
      const id = before === known ? known : (await this.store.addImage(configBytes, { tags: r.tag !== undefined ? [referenceString({ ...r, digest: undefined })] : [], source: 'pull' })).id;
      // An image already here with this name and digest: nothing to write (no fsync on a no-op pull).
      if (!(await this.manifests.has(digest))) await this.manifests.put(digest, bytes, mediaType);
      if (!this.store.get(id)?.repoDigests.includes(`${repo}@${digest}`)) await this.store.addDigestReference(id, `${repo}@${digest}`);
      o.progress({ status: `Digest: ${digest}` });
      const changed = before !== id;
      o.progress({ status: `Status: ${changed ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarName(r)}` });
      return { id, manifestDigest: digest, changed };
    } finally {
      lease.release();
    }
  }

  private idOf(ref: string): string | undefined {
    try {
      return this.store.resolve(ref).id;
    } catch {
      return undefined;
    }
  }

  private async resolveManifest(client: RegistryClient, r: Reference, tagOrDigest: string, want: ReturnType<typeof hostPlatform>, explicit: boolean) {
    let fetched = await this.getManifest(client, r, tagOrDigest);
    let parsed = parseManifest(fetched.bytes, fetched.mediaType);
    if (parsed.kind === 'index') {
      const pick = pickManifest(parsed, want);
      if (!pick) {
        throw new NotFoundError(`no matching manifest for ${platformString(want)} in the manifest list entries${explicit ? '' : ''}`);
      }
      const sub = await this.getManifest(client, r, pick.digest);
      const subParsed = parseManifest(sub.bytes, sub.mediaType);
      if (subParsed.kind !== 'manifest') throw new InvalidArgumentError('invalid manifest: an index entry is itself an index');
      // RepoDigests name what the user asked for: the index's digest, as docker records.
      fetched = { ...sub, digest: fetched.digest, bytes: fetched.bytes, mediaType: fetched.mediaType };
      parsed = subParsed;
      await this.manifests.put(sub.digest, sub.bytes, sub.mediaType);
    }
    return { manifest: parsed as ImageManifest, bytes: fetched.bytes, digest: fetched.digest, mediaType: fetched.mediaType || parsed.mediaType };
  }

  private async getManifest(client: RegistryClient, r: Reference, tagOrDigest: string) {
    try {
      return await client.getManifest(tagOrDigest);
    } catch (err) {
      throw pullError(err, r, tagOrDigest);
    }
  }

  private async fetchConfig(client: RegistryClient, desc: Descriptor): Promise<Buffer> {
    if (desc.size > MAX_CONFIG_SIZE) throw new InvalidArgumentError(`invalid manifest: config of ${desc.size} bytes`);
    if (await this.store.content.has(desc.digest)) return this.store.content.get(desc.digest);
    const chunks: Buffer[] = [];
    for await (const c of blobBytes(client, desc, () => undefined)) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    if (sha256Digest(bytes) !== desc.digest) throw new InvalidArgumentError(`image config verification failed for digest ${desc.digest}`);
    return bytes;
  }

  private async fetchLayers(client: RegistryClient, descs: Descriptor[], diffIds: string[], chain: string[], keep: (c: string) => void, progress: ProgressSink): Promise<void> {
    const throttle = new ProgressThrottle(progress);
    const placed: Promise<LayerInfo | undefined>[] = [];
    const ids = descs.map((d) => shortDigest(d.digest));
    // Announce every layer first, as dockerd does, so the CLI lays out one line per layer.
    const fresh = chain.map((c) => !this.store.layers.has(c) && !this.inflight.has(c));
    chain.forEach((c, i) => progress({ status: fresh[i] || !this.store.layers.has(c) ? 'Pulling fs layer' : 'Already exists', progressDetail: {}, id: ids[i] }));
    for (let i = 0; i < chain.length; i++) {
      const c = chain[i]!;
      keep(c);
      const below = i === 0 ? Promise.resolve(undefined) : placed[i - 1]!;
      if (this.store.layers.has(c)) {
        placed.push(Promise.resolve(this.store.layers.get(c)));
        continue;
      }
      let p = this.inflight.get(c);
      if (!p) {
        const parent = i === 0 ? null : chain[i - 1]!;
        p = this.placeLayer(client, descs[i]!, diffIds[i]!, parent, below, ids[i]!, throttle, progress);
        this.inflight.set(c, p);
        const mine = p;
        void p.finally(() => {
          if (this.inflight.get(c) === mine) this.inflight.delete(c);
        }).catch(() => undefined);
      } else {
        // Another pull is fetching it: report completion when it lands.
        const id = ids[i]!;
        p = p.then((l) => {
          progress({ status: 'Pull complete', progressDetail: {}, id });
          return l;
        });
      }
      placed.push(p);
    }
    // Wait for all (so no download is left running), then report the first failure.
    const results = await Promise.allSettled(placed);
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async placeLayer(
    client: RegistryClient,
    desc: Descriptor,
    diffId: string,
    parent: string | null,
    below: Promise<LayerInfo | undefined>,
    id: string,
    throttle: ProgressThrottle,
    progress: ProgressSink,
  ): Promise<LayerInfo> {
    const staged = await this.downloads.run(async () => {
      const start = Math.floor(Date.now() / 1000);
      const bytes = blobBytes(client, desc, (n) => throttle.bytes(id, 'Downloading', n, desc.size, start));
      const src = Readable.from(bytes, { objectMode: false });
      let done = false;
      src.on('end', () => {
        done = true;
        progress({ status: 'Verifying Checksum', progressDetail: {}, id });
      });
      try {
        const s = await this.store.layers.stage(src, { expectedBlobDigest: desc.digest, expectedDiffId: diffId });
        if (!done) progress({ status: 'Verifying Checksum', progressDetail: {}, id });
        progress({ status: 'Download complete', progressDetail: {}, id });
        return s;
      } catch (err) {
        throw layerError(err, desc);
      }
    }, () => progress({ status: 'Waiting', progressDetail: {}, id }));
    try {
      await below;
    } catch (err) {
      await this.store.layers.discard(staged);
      throw err;
    }
    // The layer was unpacked as it arrived; "Extracting" is reported at once, complete.
    progress({ status: 'Extracting', progressDetail: { current: staged.tarSize, total: staged.tarSize }, id });
    const info = await this.store.layers.commit(staged, parent);
    progress({ status: 'Pull complete', progressDetail: {}, id });
    return info;
  }
}

function parseConfig(bytes: Buffer): ImageConfig {
  let c: ImageConfig;
  try {
    c = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new InvalidArgumentError('invalid image config: not JSON');
  }
  if (!c || !c.rootfs || !Array.isArray(c.rootfs.diff_ids)) throw new InvalidArgumentError('invalid image config: rootfs.diff_ids missing');
  return c;
}

/** docker's messages for a manifest that cannot be had (moby distribution/errors.go). */
function pullError(err: unknown, r: Reference, tagOrDigest: string): unknown {
  if (!(err instanceof RegistryResponseError)) return err;
  const name = familiarRepository(r);
  if (err.status === 401 || err.status === 403 || err.has('DENIED') || err.has('UNAUTHORIZED') || (err.has('NAME_UNKNOWN') && r.domain === 'docker.io')) {
    return new UnauthorizedError(`pull access denied for ${name}, repository does not exist or may require 'docker login': ${err.message}`);
  }
  if (err.status === 404 || err.has('MANIFEST_UNKNOWN') || err.has('NAME_UNKNOWN')) {
    const what = tagOrDigest.startsWith('sha256:') ? `${name}@${tagOrDigest}` : `${name}:${tagOrDigest}`;
    return new NotFoundError(`manifest for ${what} not found: ${err.message}`);
  }
  return err;
}

function layerError(err: unknown, desc: Descriptor): unknown {
  if (err instanceof BlobSizeError) return new InvalidArgumentError(err.message);
  // Anything but a transfer failure means the bytes were not what the digest promises: a digest
  // or diff ID mismatch, or gunzip/tar failing on them (unpacking runs before the digest is
  // complete, so the bad bytes often show there first).
  if (err instanceof RegistryUnavailableError || err instanceof RegistryResponseError || isNetworkError(err)) return err;
  // The host failed, not the bytes (a full disk, a read-only store): dockerd's 500 and words.
  const host = systemErrorText(err);
  if (host) return new SystemError(`failed to register layer: ${host}`);
  if (err instanceof InvalidArgumentError && /failed to verify content|invalid diffID/.test(err.message)) {
    return new InvalidArgumentError(`filesystem layer verification failed for digest ${desc.digest}`);
  }
  return new InvalidArgumentError(`filesystem layer verification failed for digest ${desc.digest}: ${(err as Error).message ?? String(err)}`);
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED'].includes(code);
}
