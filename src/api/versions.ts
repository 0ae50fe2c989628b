// The Engine API versions berthd speaks: the newest, the oldest it can be told to serve, and
// how two versions compare.

export const API_VERSION = '1.50';
/**
 * The oldest API version berthd serves unless told otherwise (DOCKER_MIN_API_VERSION or
 * --min-api-version raise it). dockerd 25+ refuses clients older than 1.24 by default, which
 * locks out skopeo's and buildah's docker-daemon transport (containers/image speaks 1.22);
 * dockerd 20.10 and podman serve them. Older clients get today's semantics, except that a start
 * with a HostConfig body is refused (containers.ts).
 */
export const OLDEST_API_VERSION = '1.12';

/** An API version as DOCKER_MIN_API_VERSION may give it: OLDEST_API_VERSION … API_VERSION. */
export function parseMinApiVersion(v: string): string {
  if (!/^\d+\.\d+$/.test(v)) throw new Error(`invalid API version ${JSON.stringify(v)}: want MAJOR.MINOR, e.g. 1.24`);
  if (compareVersions(v, OLDEST_API_VERSION) < 0) throw new Error(`API version ${v} is older than the oldest berthd serves (${OLDEST_API_VERSION})`);
  if (compareVersions(v, API_VERSION) > 0) throw new Error(`API version ${v} is newer than berthd's (${API_VERSION})`);
  return v;
}

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}
