// Image references as docker reads them (github.com/distribution/reference: regexp.go,
// normalize.go): "busybox" means docker.io/library/busybox, a first component with a "." or ":"
// or named "localhost" is a registry, names are lowercase, tags are [\w][\w.-]{0,127}.
// The one reference module: the CLI, the API, the image store and the distribution client all
// parse and print references here, so they cannot disagree on what a name means.

/** A malformed reference; the API answers it with 400 and docker's message. */
export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar, piece by piece as in regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const TAG_RE = new RegExp(`^${tagPat}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const SHA256_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** A normalized reference: domain and path always set, tag and digest as given. */
export interface Reference {
  /** "docker.io", "127.0.0.1:5000", "localhost" */
  domain: string;
  /** "library/busybox", "app", "org/team/app" */
  path: string;
  tag?: string;
  /** "sha256:<hex>" */
  digest?: string;
}

function invalid(msg = 'invalid reference format'): InvalidReferenceError {
  return new InvalidReferenceError(msg);
}

/** Splits off the registry the way docker does (normalize.go splitDockerDomain). */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

function validateDigest(d: string): string {
  const algo = d.slice(0, d.indexOf(':'));
  if (algo !== 'sha256' && algo !== 'sha384' && algo !== 'sha512') throw invalid('unsupported digest algorithm');
  const hex = d.slice(algo.length + 1);
  const want = { sha256: 64, sha384: 96, sha512: 128 }[algo];
  if (!/^[a-f0-9]+$/.test(hex)) throw invalid('invalid checksum digest format');
  if (hex.length !== want) throw invalid('invalid checksum digest length');
  return d;
}

/**
 * Parses and normalizes like docker's ParseNormalizedNamed: "busybox" → docker.io/library/busybox
 * (no tag is added; see `withDefaultTag`). Throws InvalidReferenceError with docker's messages.
 */
export function parseReference(s: string): Reference {
  if (IDENTIFIER_RE.test(s)) {
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  const full = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (REFERENCE_RE.test(full.toLowerCase())) throw invalid('invalid reference format: repository name must be lowercase');
    throw invalid();
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(`invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const nm = ANCHORED_NAME_RE.exec(name);
  if (!nm) throw invalid();
  const ref: Reference = { domain: nm[1] ?? DEFAULT_DOMAIN, path: nm[2]! };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = validateDigest(m[3]);
  return ref;
}

/** An image ID ("sha256:<hex>" or bare 64 hex) or a reference, as docker's ParseAnyReference. */
export type AnyReference = { kind: 'id'; id: string } | { kind: 'named'; ref: Reference };

export function parseAnyReference(s: string): AnyReference {
  if (IDENTIFIER_RE.test(s)) return { kind: 'id', id: `sha256:${s}` };
  if (SHA256_DIGEST_RE.test(s)) return { kind: 'id', id: s };
  return { kind: 'named', ref: parseReference(s) };
}

/** Adds ":latest" to a reference with neither tag nor digest (docker's TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** Parses, normalizes and adds ":latest" if needed: "busybox" → "docker.io/library/busybox:latest". */
export function normalizeReference(s: string): string {
  return referenceString(withDefaultTag(parseReference(s)));
}

/** "docker.io/library/busybox" */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string: "docker.io/library/busybox:latest", "127.0.0.1:5000/app@sha256:…". */
export function referenceString(ref: Reference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The repository as docker prints it: "busybox", "user/app", "127.0.0.1:5000/app". */
export function familiarRepository(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** A reference as docker prints it (FamiliarString): "busybox:latest", "127.0.0.1:5000/app:1". */
export function familiarName(ref: Reference | string): string {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  return `${familiarRepository(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** Whether `tag` is a valid tag on its own (the `tag` query parameter of the API). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** parseReference, or undefined where docker's parser fails (for display code that falls back). */
export function tryParseReference(s: string): Reference | undefined {
  try {
    return parseReference(s);
  } catch {
    return undefined;
  }
}

/** The familiar form with ":latest" added when neither tag nor digest is given: "busybox:latest". */
export function familiarTagged(s: string): string {
  return familiarName(withDefaultTag(parseReference(s)));
}

/** The docker.io registry's name as credentials and `docker login` know it. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
