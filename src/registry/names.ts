// What a repository name, tag and digest may look like (OCI distribution-spec, "Pulling
// manifests": name and tag grammar). Names become directories under repositories/, so the
// grammar is also what keeps a path inside the store: no component starts with "." or "_".
import { registryError } from './errors.js';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_RE = /^sha256:[a-f0-9]{64}$/;

export function isRepositoryName(s: string): boolean {
  return s.length <= 255 && NAME_RE.test(s);
}

export function checkRepositoryName(s: string): string {
  if (!isRepositoryName(s)) throw registryError('NAME_INVALID', { name: s }, `invalid repository name: ${s}`);
  return s;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** Any well-formed digest, whatever its algorithm. */
export function looksLikeDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/**
 * A digest this registry can verify: sha256 only (the algorithm every client uses; others get
 * DIGEST_INVALID rather than being stored unverified).
 */
export function checkDigest(s: string | null | undefined): string {
  if (!s || !SHA256_RE.test(s)) {
    throw registryError('DIGEST_INVALID', { digest: s ?? '' }, s && looksLikeDigest(s) ? `unsupported digest algorithm: ${s}` : `invalid digest: ${s ?? ''}`);
  }
  return s;
}

export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

/** A manifest reference from a URL: a tag, or a digest. */
export function parseReference(s: string): Reference {
  if (s.includes(':')) return { kind: 'digest', digest: checkDigest(s) };
  if (!isTag(s)) throw registryError('MANIFEST_INVALID', { tag: s }, `invalid tag: ${s}`);
  return { kind: 'tag', tag: s };
}
