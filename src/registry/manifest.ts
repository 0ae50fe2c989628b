// Manifests as the registry sees them: which kind a pushed document is, its media type, and the
// descriptors it references (blobs for an image manifest, manifests for an index). Pure logic,
// shared by the PUT handler (verify references exist) and gc (mark what is referenced).
import { RegistryError, registryError } from './errors.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** distribution's limit on a manifest body (registry/handlers/manifests.go: maxManifestBodySize). */
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  urls?: string[];
}

export interface ParsedManifest {
  kind: 'image' | 'index';
  /** The Content-Type the manifest is served with. */
  mediaType: string;
  /** image: config then layers that must be in the repository; index: child manifests. */
  references: Descriptor[];
  /** OCI 1.1: the manifest this one refers to (a signature, an SBOM…); it need not exist. */
  subject?: Descriptor;
  /** OCI 1.1 referrers listing: artifactType, else the config's media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** What a referrers listing says about a manifest (distribution-spec, "Listing Referrers"). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const INDEX_TYPES = new Set<string>([MEDIA.dockerList, MEDIA.ociIndex]);
const IMAGE_TYPES = new Set<string>([MEDIA.dockerManifest, MEDIA.ociManifest]);
const GENERIC_TYPES = new Set(['', 'application/json', 'application/octet-stream', 'text/plain']);

function invalid(message: string): RegistryError {
  return registryError('MANIFEST_INVALID', undefined, `manifest invalid: ${message}`);
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!v || typeof v !== 'object') throw invalid(`${where}: not a descriptor`);
  const d = v as Record<string, unknown>;
  if (typeof d['digest'] !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d['digest'])) {
    throw invalid(`${where}: invalid digest`);
  }
  const out: Descriptor = { digest: d['digest'] };
  if (typeof d['mediaType'] === 'string') out.mediaType = d['mediaType'];
  if (typeof d['size'] === 'number') out.size = d['size'];
  if (Array.isArray(d['urls'])) out.urls = d['urls'].filter((u): u is string => typeof u === 'string');
  return out;
}

/**
 * Parses a pushed manifest. `contentType` is the request's Content-Type; the stored type is that
 * one when it names a manifest type, else the document's own mediaType field, else what the
 * document's shape says (OCI image manifests need not carry mediaType).
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    doc = v as Record<string, unknown>;
  } catch {
    throw invalid('not a JSON object');
  }
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const field = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : '';
  if (ct === MEDIA.dockerSchema1 || ct === MEDIA.dockerSchema1Signed || doc['schemaVersion'] === 1) {
    throw invalid('Docker schema1 manifests are not supported');
  }
  if (doc['schemaVersion'] !== 2) throw invalid('schemaVersion must be 2');
  let mediaType = !GENERIC_TYPES.has(ct) ? ct : field;
  if (!mediaType) mediaType = Array.isArray(doc['manifests']) ? MEDIA.ociIndex : MEDIA.ociManifest;
  // OCI image-spec manifest.md: when present, mediaType must match how the manifest is served.
  if (field && field !== mediaType && (IMAGE_TYPES.has(field) || INDEX_TYPES.has(field))) {
    throw invalid(`mediaType ${field} does not match Content-Type ${mediaType}`);
  }
  const extra: Pick<ParsedManifest, 'subject' | 'artifactType' | 'annotations'> = {};
  if (doc['subject'] !== undefined) extra.subject = descriptor(doc['subject'], 'subject');
  if (typeof doc['artifactType'] === 'string') extra.artifactType = doc['artifactType'];
  const ann = doc['annotations'];
  if (ann && typeof ann === 'object' && !Array.isArray(ann)) {
    extra.annotations = Object.fromEntries(Object.entries(ann).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  const isIndex = INDEX_TYPES.has(mediaType) || (!IMAGE_TYPES.has(mediaType) && Array.isArray(doc['manifests']));
  if (isIndex) {
    if (!Array.isArray(doc['manifests'])) throw invalid('an index needs a "manifests" array');
    return { kind: 'index', mediaType, references: doc['manifests'].map((m, i) => descriptor(m, `manifests[${i}]`)), ...extra };
  }
  if (!Array.isArray(doc['layers'])) throw invalid('an image manifest needs a "layers" array');
  const config = descriptor(doc['config'], 'config');
  const refs = [config, ...doc['layers'].map((l, i) => descriptor(l, `layers[${i}]`))];
  extra.artifactType ??= config.mediaType;
  return { kind: 'image', mediaType, references: refs, ...extra };
}

/** The entry a manifest gets in its subject's referrers listing. */
export function referrerDescriptor(m: ParsedManifest, digest: string, size: number): ReferrerDescriptor {
  return {
    mediaType: m.mediaType,
    digest,
    size,
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    ...(m.annotations && Object.keys(m.annotations).length ? { annotations: m.annotations } : {}),
  };
}

/**
 * Whether a layer is pulled from elsewhere (Windows foreign layers, OCI non-distributable layers
 * with urls): distribution does not require those in the repository.
 */
export function isForeign(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0 && /foreign|nondistributable/.test(d.mediaType ?? '');
}

/** Every digest a stored manifest references, for gc; unparsable documents reference nothing. */
export function referencedDigests(body: Buffer): string[] {
  try {
    return parseManifest(body, undefined).references.map((d) => d.digest);
  } catch {
    return [];
  }
}
