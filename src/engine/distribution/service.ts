// What the API asks of registries: pull, push, login, distribution inspect and search. Owns the
// daemon-wide registry settings and transfer bounds; the work is in pull.ts and push.ts.
import { familiarName, parseReference, repositoryName, withDefaultTag, type Reference } from '../../protocol/reference.js';
import type { EventBus } from '../events/event-bus.js';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { ImageStore } from '../images/image-store.js';
import type { AuthConfig } from './auth.js';
import { endpointsFor, validateRegistryOptions, type RegistryOptions } from './endpoints.js';
import { RegistryResponseError, RegistryUnavailableError } from './errors.js';
import { parseManifest, type Platform } from './manifest.js';
import { ManifestStore } from './manifest-store.js';
import type { ProgressSink } from './progress.js';
import { Puller, type PullResult } from './pull.js';
import { Pusher, type PushedTag } from './push.js';
import { RegistryClient, checkLogin } from './registry-client.js';
import { readBody, registryRequest } from './registry-http.js';

export type { AuthConfig } from './auth.js';
export { decodeAuthHeader } from './auth.js';
export type { RegistryOptions } from './endpoints.js';
export { DEFAULT_REGISTRY_OPTIONS } from './endpoints.js';

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: Platform[];
}

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export class DistributionService {
  private puller!: Puller;
  private pusher!: Pusher;

  constructor(
    private readonly root: string,
    private readonly store: () => ImageStore,
    private readonly events: EventBus,
    readonly opts: RegistryOptions,
  ) {
    validateRegistryOptions(opts);
  }

  async open(): Promise<void> {
    const manifests = await ManifestStore.open(this.root);
    this.puller = new Puller(this.store(), manifests, this.opts);
    this.pusher = new Pusher(this.store(), manifests, this.opts);
  }

  /** Pulls one tag or digest. */
  async pull(ref: Reference, auth: AuthConfig, progress: ProgressSink, platform?: string): Promise<PullResult> {
    const r = withDefaultTag(ref);
    const result = await this.puller.pull(r, { auth, platform, progress });
    this.events.publish('image', 'pull', familiarName(r), { name: familiarName(r) });
    return result;
  }

  /** docker pull -a: every tag of the repository. */
  async pullAllTags(ref: Reference, auth: AuthConfig, progress: ProgressSink, platform?: string): Promise<void> {
    const client = await RegistryClient.connect(ref.domain, ref.path, auth, this.opts, 'pull');
    const tags = await client.tags();
    if (tags.length === 0) throw new NotFoundError(`no tags found for ${familiarName(ref)}`);
    for (const tag of tags) await this.pull({ ...ref, tag, digest: undefined }, auth, progress, platform);
  }

  async push(ref: Reference, auth: AuthConfig, progress: ProgressSink): Promise<PushedTag[]> {
    const pushed = await this.pusher.push(ref, { auth, progress });
    for (const p of pushed) this.events.publish('image', 'push', familiarName({ ...ref, tag: p.tag }), { name: familiarName({ ...ref, tag: p.tag }) });
    return pushed;
  }

  /** POST /auth: throws UnauthorizedError with docker's message when the registry refuses. */
  async login(auth: AuthConfig): Promise<void> {
    const server = auth.serveraddress ?? '';
    await checkLogin(registryDomain(server), auth, this.opts);
  }

  /** GET /distribution/{name}/json: the manifest's descriptor and the platforms it serves. */
  async inspect(name: string, auth: AuthConfig): Promise<DistributionInspect> {
    const r = withDefaultTag(parseReference(name));
    const client = await RegistryClient.connect(r.domain, r.path, auth, this.opts, 'pull');
    let m;
    try {
      m = await client.getManifest(r.digest ?? r.tag!);
    } catch (err) {
      if (err instanceof RegistryResponseError && (err.status === 404 || err.status === 401 || err.status === 403)) {
        throw new NotFoundError(`manifest for ${familiarName(r)} not found: ${err.message}`);
      }
      throw err;
    }
    const parsed = parseManifest(m.bytes, m.mediaType);
    const Descriptor = { mediaType: m.mediaType || parsed.mediaType, digest: m.digest, size: m.bytes.length };
    if (parsed.kind === 'index') return { Descriptor, Platforms: parsed.manifests.filter((d) => d.platform).map((d) => d.platform!) };
    const cfg = JSON.parse((await readConfig(client, parsed.config.digest, parsed.config.size)).toString('utf8')) as { os?: string; architecture?: string; variant?: string };
    const p: Platform = { architecture: cfg.architecture ?? '', os: cfg.os ?? '' };
    if (cfg.variant) p.variant = cfg.variant;
    return { Descriptor, Platforms: [p] };
  }

  /** GET /images/search: the registry's v1 search API (Docker Hub has it; docker-registry does not). */
  /** GET /images/search: the registry's v1 search, then `keep` (docker search --filter). */
  async search(term: string, limit: number, auth: AuthConfig, keep: (r: SearchResult) => boolean = () => true): Promise<SearchResult[]> {
    if (!term) throw new InvalidArgumentError('search term must not be empty');
    const slash = term.indexOf('/');
    const first = slash > 0 ? term.slice(0, slash) : '';
    const explicit = /[.:]/.test(first) || first === 'localhost';
    const domain = explicit ? first : 'docker.io';
    const q = explicit ? term.slice(slash + 1) : term;
    const ep = endpointsFor(domain, this.opts).filter((e) => !e.mirror)[0]!;
    const base = domain === 'docker.io' ? 'https://index.docker.io' : ep.base;
    const url = `${base}/v1/search?q=${encodeURIComponent(q)}&n=${limit}`;
    const headers: Record<string, string> = {};
    if (auth.username && auth.password !== undefined) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const res = await registryRequest({ method: 'GET', url, headers, skipVerify: ep.skipVerify });
    const body = await readBody(res, 4 << 20);
    if (res.statusCode === 404 || res.statusCode === 405) {
      throw new NotFoundError(`registry ${domain} does not support search (GET /v1/search answered ${res.statusCode}); list a repository's tags with the registry's /v2/<name>/tags/list instead`);
    }
    if (res.statusCode !== 200) throw new RegistryUnavailableError(`Unexpected status code ${res.statusCode} from ${base}/v1/search`);
    const j = JSON.parse(body.toString('utf8')) as { results?: SearchResult[] };
    return (j.results ?? []).slice(0, limit).map((x) => ({
      name: explicit ? `${domain}/${x.name}` : x.name,
      description: x.description ?? '',
      star_count: x.star_count ?? 0,
      is_official: !!x.is_official,
      is_automated: !!x.is_automated,
    })).filter(keep);
  }

  /** The repository a name pushes to, for messages. */
  static repository(ref: Reference): string {
    return repositoryName(ref);
  }
}

async function readConfig(client: RegistryClient, digest: string, size: number): Promise<Buffer> {
  const { stream } = await client.getBlob(digest);
  return readBody(stream, Math.max(size, 1) + 1024);
}

/** "https://index.docker.io/v1/", "127.0.0.1:5000", "http://localhost:5000" → the registry's domain. */
export function registryDomain(server: string): string {
  if (!server || /^(https?:\/\/)?(index\.)?docker\.io(\/|$)/.test(server) || /^(https?:\/\/)?registry-1\.docker\.io/.test(server)) return 'docker.io';
  return server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
