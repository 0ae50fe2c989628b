// One repository at one registry, spoken to per the OCI distribution spec (spec.md): the /v2/
// ping that tells which authentication the registry wants, manifests by tag or digest, blobs
// (GET with Range, HEAD), uploads (POST then PUT, cross-repository mount) and tag lists.
// Every call goes through `send`, which adds the Authorization header for the repository's
// scope and, on a 401 carrying a new challenge, authenticates and retries once.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { sha256Digest } from '../../storage/digest.js';
import { Authorizer, type AuthConfig } from './auth.js';
import { endpointsFor, type Endpoint, type RegistryOptions } from './endpoints.js';
import { RegistryResponseError, RegistryUnavailableError, UnauthorizedError, describeRegistryErrors, type RegistryErrorEntry } from './errors.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { discard, readBody, registryRequest, type RegistryRequest } from './registry-http.js';

export type Access = 'pull' | 'push';

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes (checked against Docker-Content-Digest and a requested digest). */
  digest: string;
}

interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Extra scopes (a mount's source repository). */
  scopes?: string[];
  /** Statuses that are answers, not errors. */
  ok: number[];
}

async function registryError(res: IncomingMessage): Promise<RegistryResponseError> {
  let errors: RegistryErrorEntry[] = [];
  try {
    const body = await readBody(res, 1 << 20);
    const j = JSON.parse(body.toString('utf8')) as { errors?: RegistryErrorEntry[] };
    if (Array.isArray(j.errors)) errors = j.errors.filter((e) => e && typeof e.code === 'string').map((e) => ({ code: e.code, message: String(e.message ?? '') }));
  } catch {
    // No JSON body (a HEAD, a proxy's page): the status alone tells.
  }
  const status = res.statusCode ?? 0;
  if (errors.length === 0) {
    if (status === 401) errors = [{ code: 'UNAUTHORIZED', message: 'authentication required' }];
    else if (status === 403) errors = [{ code: 'DENIED', message: 'requested access to the resource is denied' }];
  }
  return new RegistryResponseError(status, errors, describeRegistryErrors(errors, status));
}

export class RegistryClient {
  private constructor(
    readonly domain: string,
    /** Repository path at the registry: "library/busybox", "app". */
    readonly repo: string,
    readonly endpoint: Endpoint,
    private readonly authorizer: Authorizer,
    private readonly access: Access,
  ) {}

  /**
   * Finds a working endpoint for `domain` (mirrors first for docker.io) by pinging /v2/ and
   * records the registry's auth challenge. Throws RegistryUnavailableError when none answers.
   */
  static async connect(domain: string, repo: string, auth: AuthConfig, opts: RegistryOptions, access: Access): Promise<RegistryClient> {
    let lastErr: unknown;
    const endpoints = endpointsFor(domain, opts).filter((e) => access === 'pull' || !e.mirror);
    for (const ep of endpoints) {
      try {
        const authorizer = new Authorizer(auth, ep.skipVerify);
        await ping(ep, authorizer);
        return new RegistryClient(domain, repo, ep, authorizer, access);
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new RegistryUnavailableError(`no endpoint for ${domain}`);
  }

  private scope(): string {
    return `repository:${this.repo}:${this.access === 'push' ? 'pull,push' : 'pull'}`;
  }

  private url(p: string): string {
    return `${this.endpoint.base}/v2/${this.repo}/${p}`;
  }

  /** Sends with auth; retries once after a 401 with a challenge; non-`ok` statuses throw. */
  private async send(method: RegistryRequest['method'], urlOrPath: string, o: SendOptions): Promise<IncomingMessage> {
    const url = urlOrPath.startsWith('http') ? urlOrPath : this.url(urlOrPath);
    const scopes = [this.scope(), ...(o.scopes ?? [])];
    for (let attempt = 0; ; attempt++) {
      const headers = { ...o.headers };
      const authz = await this.authorizer.header(scopes);
      if (authz) headers.Authorization = authz;
      const res = await registryRequest({ method, url, headers, body: o.body, skipVerify: this.endpoint.skipVerify });
      if (res.statusCode === 401 && attempt === 0 && !(o.body && !Buffer.isBuffer(o.body))) {
        const had = this.authorizer.hasChallenge;
        this.authorizer.setChallenge(res.headers['www-authenticate']);
        this.authorizer.reset();
        if (!had && this.authorizer.hasChallenge) {
          discard(res);
          continue;
        }
      }
      if (o.ok.includes(res.statusCode ?? 0)) return res;
      throw await registryError(res);
    }
  }

  /** GET a manifest by tag or digest; verifies the bytes against the digest asked for or announced. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const res = await this.send('GET', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, ok: [200] });
    const bytes = await readBody(res, 4 << 20);
    const digest = sha256Digest(bytes);
    const announced = res.headers['docker-content-digest'];
    const want = reference.startsWith('sha256:') ? reference : typeof announced === 'string' && announced.startsWith('sha256:') ? announced : undefined;
    if (want !== undefined && want !== digest) {
      throw new RegistryResponseError(200, [], `manifest verification failed for digest ${want}`);
    }
    return { bytes, mediaType: (res.headers['content-type'] ?? '').split(';')[0]!.trim(), digest };
  }

  /** HEAD a manifest: its digest, or undefined when the registry does not have it. */
  async headManifest(reference: string): Promise<string | undefined> {
    const res = await this.send('HEAD', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, ok: [200, 404] });
    discard(res);
    const d = res.headers['docker-content-digest'];
    return res.statusCode === 200 && typeof d === 'string' ? d : undefined;
  }

  /** A blob's bytes from `offset` on. Resolves with the stream and where it starts (0 if Range was ignored). */
  async getBlob(digest: string, offset = 0): Promise<{ stream: IncomingMessage; start: number }> {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    let res = await this.send('GET', `blobs/${digest}`, { headers, ok: [200, 206, 307, 302, 301, 303, 308] });
    for (let hops = 0; res.statusCode && res.statusCode >= 300 && res.statusCode < 400; hops++) {
      // A redirect to storage (S3 and the like): follow it without the registry's credentials.
      const loc = res.headers.location;
      discard(res);
      if (!loc || hops > 5) throw new RegistryUnavailableError(`too many redirects fetching blob ${digest}`);
      res = await registryRequest({ method: 'GET', url: new URL(loc, this.url(`blobs/${digest}`)).toString(), headers, skipVerify: this.endpoint.skipVerify });
      if (res.statusCode !== 200 && res.statusCode !== 206 && !(res.statusCode! >= 300 && res.statusCode! < 400)) throw await registryError(res);
    }
    let start = 0;
    if (res.statusCode === 206) {
      const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      start = m ? Number(m[1]) : offset;
    }
    return { stream: res, start };
  }

  /** HEAD a blob in this repository: its size, or undefined when absent. */
  async headBlob(digest: string): Promise<number | undefined> {
    const res = await this.send('HEAD', `blobs/${digest}`, { ok: [200, 404, 307] });
    discard(res);
    if (res.statusCode === 404) return undefined;
    return Number(res.headers['content-length'] ?? 0);
  }

  /**
   * Asks the registry to mount a blob from another of its repositories (spec.md "Mounting a
   * blob from another repository"). True when mounted; false when the registry wants an upload.
   */
  async mountBlob(digest: string, fromRepo: string): Promise<boolean> {
    const res = await this.send('POST', `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepo)}`, {
      scopes: [`repository:${fromRepo}:pull`],
      ok: [201, 202],
    });
    discard(res);
    if (res.statusCode === 202 && typeof res.headers.location === 'string') {
      // An upload session was opened instead: cancel it so the registry can drop it.
      await this.send('DELETE', new URL(res.headers.location, this.url('')).toString(), { ok: [200, 202, 204, 404] }).then(discard, () => undefined);
    }
    return res.statusCode === 201;
  }

  /** Uploads a blob: POST to open a session, then one PUT with the bytes and the digest. */
  async uploadBlob(digest: string, size: number, body: () => Promise<Readable>): Promise<void> {
    const opened = await this.send('POST', 'blobs/uploads/', { ok: [202] });
    discard(opened);
    const loc = opened.headers.location;
    if (typeof loc !== 'string') throw new RegistryUnavailableError('registry opened an upload without a Location');
    const u = new URL(loc, this.url(''));
    u.searchParams.set('digest', digest);
    const res = await this.send('PUT', u.toString(), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: await body(),
      ok: [201, 204],
    });
    discard(res);
  }

  /** PUT a manifest under a tag or digest; returns the digest the registry reports. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.send('PUT', `manifests/${reference}`, { headers: { 'Content-Type': mediaType }, body: bytes, ok: [201, 202, 200] });
    discard(res);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : sha256Digest(bytes);
  }

  /** GET /v2/<name>/tags/list, following Link pagination. */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = 'tags/list';
    for (let page = 0; next && page < 100; page++) {
      const res = await this.send('GET', next, { ok: [200] });
      const j = JSON.parse((await readBody(res)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(j.tags ?? []));
      const link = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''));
      next = link ? new URL(link[1]!, this.endpoint.base).toString() : undefined;
    }
    return out;
  }
}

/** GET /v2/: 200 (anonymous is fine) or 401 with the challenge to answer. */
async function ping(ep: Endpoint, authorizer: Authorizer): Promise<void> {
  const res = await registryRequest({ method: 'GET', url: `${ep.base}/v2/`, skipVerify: ep.skipVerify, idleTimeoutMs: 15_000 });
  discard(res);
  if (res.statusCode === 401) {
    authorizer.setChallenge(res.headers['www-authenticate']);
    return;
  }
  if (res.statusCode === 200) return;
  throw new RegistryUnavailableError(`Get "${ep.base}/v2/": unexpected status ${res.statusCode} (is this a registry?)`);
}

/**
 * POST /auth: checks credentials against the registry's /v2/ (Basic directly, Bearer through
 * the token endpoint), as dockerd's loginV2. Throws UnauthorizedError with docker's message.
 */
export async function checkLogin(domain: string, auth: AuthConfig, opts: RegistryOptions): Promise<void> {
  let lastErr: unknown;
  for (const ep of endpointsFor(domain, opts).filter((e) => !e.mirror)) {
    try {
      const authorizer = new Authorizer(auth, ep.skipVerify);
      await ping(ep, authorizer);
      if (!authorizer.hasChallenge) return;
      const url = `${ep.base}/v2/`;
      let header: string | undefined;
      try {
        header = await authorizer.header([]);
      } catch (err) {
        if (err instanceof UnauthorizedError) throw new UnauthorizedError(`login attempt to ${url} failed with status: 401 Unauthorized`);
        throw err;
      }
      const res = await registryRequest({ method: 'GET', url, headers: header ? { Authorization: header } : {}, skipVerify: ep.skipVerify });
      discard(res);
      if (res.statusCode === 200) return;
      throw new UnauthorizedError(`login attempt to ${url} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      lastErr = err;
    }
  }
  throw lastErr instanceof Error ? lastErr : new RegistryUnavailableError(`no endpoint for ${domain}`);
}
