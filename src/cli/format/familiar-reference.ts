// Image references in their "familiar" form, the way docker's formatters show them
// (github.com/distribution/reference: ParseNormalizedNamed, FamiliarName, FamiliarString):
// "docker.io/library/nginx:latest" is shown as "nginx:latest".

export interface NormalizedReference {
  domain: string; // "docker.io", "ghcr.io", "localhost:5000"
  path: string; // "library/nginx"
  tag?: string;
  digest?: string; // "sha256:…"
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX_ID = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

/** ParseNormalizedNamed: undefined where docker's parser returns an error. */
export function parseNormalizedReference(ref: string): NormalizedReference | undefined {
  if (HEX_ID.test(ref)) return undefined; // "cannot specify 64-byte hexadecimal strings"
  const at = ref.indexOf('@');
  const nameAndTag = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;

  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const name = colon >= 0 ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = colon >= 0 ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;

  const { domain, path } = splitDomain(name);
  if (!DOMAIN.test(domain) || !PATH.test(path)) return undefined;
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  return { domain, path, tag, digest };
}

/** A first component is a registry when it has a '.' or ':', or is "localhost". */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  let domain: string;
  let path: string;
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  return { domain, path };
}

/** FamiliarName: "nginx", "user/app", "ghcr.io/org/app". */
export function familiarName(ref: NormalizedReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  const rest = ref.path.slice(OFFICIAL_PREFIX.length);
  return ref.path.startsWith(OFFICIAL_PREFIX) && !rest.includes('/') ? rest : ref.path;
}

/** FamiliarString: the familiar name with its tag and digest. */
export function familiarString(ref: NormalizedReference): string {
  let out = familiarName(ref);
  if (ref.tag !== undefined) out += ':' + ref.tag;
  if (ref.digest !== undefined) out += '@' + ref.digest;
  return out;
}
