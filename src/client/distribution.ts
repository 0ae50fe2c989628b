// Registry endpoints of the API: push (a progress stream), login, search, distribution inspect.
// Credentials travel as docker's CLI sends them: X-Registry-Auth, base64url of the JSON AuthConfig.
import type { IncomingMessage } from 'node:http';
import type { Transport } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';

/** docker's AuthConfig as the CLI sends it. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: { architecture: string; os: string; variant?: string }[];
}

/** The X-Registry-Auth header value ("e30=" is "{}": anonymous). */
export function encodeRegistryAuth(auth: RegistryAuth | undefined): string {
  if (!auth) return 'e30=';
  return Buffer.from(JSON.stringify(auth)).toString('base64url');
}

export class DistributionApi {
  constructor(private readonly t: Transport) {}

  /** POST /images/{name}/push: a progress stream; no tag pushes every tag. */
  push(name: string, tag: string | undefined, auth: RegistryAuth | undefined): Promise<IncomingMessage> {
    return this.t.request({
      method: 'POST',
      path: `/images/${encodeURIComponent(name)}/push`,
      query: { tag },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(auth) },
    });
  }

  /** POST /auth: checks credentials at the registry. */
  login(auth: RegistryAuth): Promise<{ Status: string; IdentityToken?: string }> {
    return this.t.json({ method: 'POST', path: '/auth', json: auth });
  }

  async search(term: string, opts: { limit?: number; auth?: RegistryAuth; filters?: FilterInput } = {}): Promise<SearchResult[]> {
    return (await this.t.json<SearchResult[] | null>({
      method: 'GET',
      path: '/images/search',
      query: { term, limit: opts.limit, filters: encodeFilters(opts.filters) },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(opts.auth) },
    })) ?? [];
  }

  inspect(name: string, auth?: RegistryAuth): Promise<DistributionInspect> {
    return this.t.json({ method: 'GET', path: `/distribution/${encodeURIComponent(name)}/json`, headers: { 'X-Registry-Auth': encodeRegistryAuth(auth) } });
  }
}
