// /networks endpoints, and the shapes Docker Engine API v1.50 gives them.

import type { Transport } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type { EndpointSettings, NetworkCreateBody, NetworkCreateResponse, NetworkInspect, NetworkPruneReport } from '../protocol/engine-api.js';

const id = (ref: string): string => encodeURIComponent(ref);

export class NetworksApi {
  constructor(private readonly t: Transport) {}

  create(body: NetworkCreateBody): Promise<NetworkCreateResponse> {
    return this.t.json({ method: 'POST', path: '/networks/create', json: body });
  }

  list(opts: { filters?: FilterInput } = {}): Promise<NetworkInspect[]> {
    return this.t.json({ method: 'GET', path: '/networks', query: { filters: encodeFilters(opts.filters) } });
  }

  inspect(ref: string, opts: { verbose?: boolean; scope?: string } = {}): Promise<NetworkInspect> {
    // docker's client sends verbose=true, not 1.
    return this.t.json({ method: 'GET', path: `/networks/${id(ref)}`, query: { verbose: opts.verbose ? 'true' : undefined, scope: opts.scope } });
  }

  async remove(ref: string): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/networks/${id(ref)}` });
  }

  prune(opts: { filters?: FilterInput } = {}): Promise<NetworkPruneReport> {
    return this.t.json({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(opts.filters) } });
  }

  async connect(ref: string, container: string, endpoint: EndpointSettings | null): Promise<void> {
    await this.t.call({ method: 'POST', path: `/networks/${id(ref)}/connect`, json: { Container: container, EndpointConfig: endpoint } });
  }

  async disconnect(ref: string, container: string, force: boolean): Promise<void> {
    await this.t.call({ method: 'POST', path: `/networks/${id(ref)}/disconnect`, json: { Container: container, Force: force } });
  }
}
