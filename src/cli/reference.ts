// Image references as docker reads them (distribution/reference): "busybox" is
// docker.io/library/busybox:latest, shown back as "busybox:latest".

export interface ImageRef {
  /** Registry host, "docker.io" by default. */
  domain: string;
  /** Repository path: "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';

export function parseReference(raw: string): ImageRef {
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  return { domain, path, tag, digest };
}

/** Full repository name: "docker.io/library/busybox". */
export function repositoryName(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

/** What docker shows: "busybox", "me/app", "registry:5000/x". */
export function familiarName(ref: ImageRef): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

/** The reference with ":latest" added when it has neither tag nor digest, in familiar form. */
export function familiarTagged(raw: string): string {
  const ref = parseReference(raw);
  let out = familiarName(ref);
  if (ref.tag) out += `:${ref.tag}`;
  else if (!ref.digest) out += ':latest';
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}
