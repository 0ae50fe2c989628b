// Image manifests as registries serve them: Docker schema2 and OCI image manifests, Docker
// manifest lists and OCI indexes (image-spec manifest.md, image-index.md). Parsing checks the
// shape a pull relies on, so a bad manifest is refused before anything is downloaded.
import { isDigest } from '../../storage/digest.js';
import { InvalidArgumentError } from '../../errors.js';
import { hostArchitecture, parsePlatform as parseSpecifier, type Platform } from '../../protocol/platform.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** What a pull asks for, in order of preference (as dockerd's Accept header). */
export const MANIFEST_ACCEPT = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.ociIndex].join(', ');

export type { Platform } from '../../protocol/platform.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  urls?: string[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ManifestIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type ParsedManifest = ImageManifest | ManifestIndex;

function bad(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid manifest: ${why}`);
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object') throw bad(`${what} is not an object`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw bad(`${what} has an invalid digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`${what} has an invalid size`);
  return { ...d, mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size } as Descriptor;
}

/** Parses manifest bytes; `contentType` is the response's Content-Type (used when mediaType is absent). */
export function parseManifest(bytes: Buffer, contentType?: string): ParsedManifest {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('not JSON');
  }
  if (!j || typeof j !== 'object') throw bad('not an object');
  const mediaType = typeof j.mediaType === 'string' ? j.mediaType : (contentType?.split(';')[0]?.trim() ?? '');
  if (j.schemaVersion === 1) throw bad('Docker schema 1 manifests are not supported (deprecated, removed in docker 28)');
  if (j.schemaVersion !== 2) throw bad(`unsupported schemaVersion ${String(j.schemaVersion)}`);
  if (Array.isArray(j.manifests) || mediaType === MEDIA.dockerList || mediaType === MEDIA.ociIndex) {
    if (!Array.isArray(j.manifests)) throw bad('index without manifests');
    return { kind: 'index', mediaType: mediaType || MEDIA.ociIndex, manifests: j.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (!Array.isArray(j.layers)) throw bad('no layers');
  return {
    kind: 'manifest',
    mediaType: mediaType || MEDIA.ociManifest,
    config: descriptor(j.config, 'config'),
    layers: j.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
  };
}

/** --platform as containerd reads it; a bad one is the request's 400 in its words. */
export function parsePlatform(s: string): Platform {
  try {
    return parseSpecifier(s);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: hostArchitecture() };
}

/** Whether an image config is of platform `want` (a variant only counts when both name one). */
export function platformMatches(config: { os: string; architecture: string; variant?: string }, want: Platform): boolean {
  if (config.os !== want.os || config.architecture !== want.architecture) return false;
  return !want.variant || !config.variant || config.variant === want.variant;
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * The index entry for `want`, as containerd's platform matcher picks: same os and architecture,
 * and the variant when one is asked for (arm64 treats "" and "v8" alike). Attestation manifests
 * (platform unknown/unknown) never match.
 */
export function pickManifest(index: ManifestIndex, want: Platform): Descriptor | undefined {
  const variantOk = (v: string | undefined) => {
    if (!want.variant) return true;
    if (want.architecture === 'arm64' && (v ?? 'v8') === (want.variant || 'v8')) return true;
    return v === want.variant;
  };
  return index.manifests.find((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture && variantOk(m.platform.variant));
}

/** Whether a layer's media type is one berth can unpack (foreign/non-distributable layers are skipped by URL-less registries). */
export function isLayerMediaType(mt: string): boolean {
  return mt === '' || mt.startsWith('application/vnd.oci.image.layer.') || mt.startsWith('application/vnd.docker.image.rootfs.');
}
