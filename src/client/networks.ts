// /networks endpoints, and the shapes Docker Engine API v1.50 gives them.

import type { Transport } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type { EndpointSettings, Labels } from './types.js';

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface IPAM {
  Driver: string;
  Options: Record<string, string> | null;
  Config: IPAMConfig[] | null;
}

/** POST /networks/create (network.CreateRequest, fields in the order docker sends them). */
export interface NetworkCreateBody {
  Driver: string;
  Scope: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM: IPAM | null;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string } | null;
  Options: Record<string, string>;
  Labels: Labels;
  Name: string;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning?: string;
}

export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** GET /networks/{id} (network.Inspect); an item of GET /networks has the same fields. */
export interface NetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: IPAM;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom?: { Network: string };
  ConfigOnly?: boolean;
  Containers?: Record<string, NetworkContainer> | null;
  Options: Record<string, string> | null;
  Labels: Labels | null;
  [extra: string]: unknown;
}

export interface NetworkPruneReport {
  NetworksDeleted: string[] | null;
}

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
