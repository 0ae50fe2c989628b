// /networks/*: list, inspect, create, remove, prune, connect, disconnect, in Docker's shapes
// (network.Inspect, network.CreateResponse, …) so the docker CLI and compose work unchanged.
import type { ContainerService } from '../engine/containers/service.js';
import type { ContainerRecord } from '../engine/containers/types.js';
import type { CreateNetworkRequest, NetworkService } from '../engine/network/network-service.js';
import type { EndpointRequest, NetworkRecord } from '../engine/network/types.js';
import { HttpError } from './errors.js';
import { labelsMatch, pruneFilter } from './filter-match.js';
import { checkBody } from './request-shape.js';
import { sendEmpty, sendJson } from './http.js';
import type { Router } from './router.js';
import type { NetworkContainer, NetworkInspect } from '../protocol/engine-api.js';

export interface NetworkApiDeps {
  networks: NetworkService;
  /** Connect and disconnect belong to the container's owner, which records them. */
  endpoints: Pick<ContainerService, 'connectNetwork' | 'disconnectNetwork'>;
  containers(): ContainerRecord[];
}

const FILTERS = ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling'];

function attachedTo(net: NetworkRecord, containers: ContainerRecord[]): Record<string, NetworkContainer> {
  const out: Record<string, NetworkContainer> = {};
  for (const c of containers) {
    const att = Object.values(c.Networks ?? {}).find((a) => a.NetworkID === net.Id);
    const ep = att?.Endpoint;
    if (!ep) continue;
    out[c.Id] = {
      Name: c.Name.slice(1),
      EndpointID: ep.EndpointID,
      MacAddress: ep.MacAddress,
      IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen}`,
      IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '',
    };
  }
  return out;
}

export function networkView(net: NetworkRecord, containers: Record<string, NetworkContainer>): NetworkInspect {
  return {
    Name: net.Name,
    Id: net.Id,
    Created: net.Created,
    Scope: net.Scope,
    Driver: net.Driver,
    EnableIPv4: true,
    EnableIPv6: net.EnableIPv6,
    IPAM: {
      Driver: net.IPAM.Driver,
      Options: net.IPAM.Options,
      Config: net.IPAM.Config.map((c) => ({
        Subnet: c.Subnet, ...(c.IPRange ? { IPRange: c.IPRange } : {}), Gateway: c.Gateway,
        ...(c.AuxiliaryAddresses ? { AuxiliaryAddresses: c.AuxiliaryAddresses } : {}),
      })),
    },
    Internal: net.Internal,
    Attachable: net.Attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: net.Options,
    Labels: net.Labels,
  };
}

export function registerNetworkRoutes(router: Router, d: NetworkApiDeps): void {
  const { networks, endpoints } = d;

  router.add('GET', '/networks', (r) => {
    const f = r.filters();
    for (const k of f.keys()) if (!FILTERS.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
    for (const t of f.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw new HttpError(400, `invalid filter: 'type'='${t}'`);
    const containers = d.containers();
    const list = networks.list().filter((n) => {
      const any = (key: string, pred: (v: string) => boolean) => !f.get(key)?.length || f.get(key)!.some(pred);
      if (!any('name', (v) => n.Name.includes(v))) return false;
      if (!any('id', (v) => n.Id.startsWith(v))) return false;
      if (!any('driver', (v) => n.Driver === v)) return false;
      if (!any('scope', (v) => v === 'local')) return false;
      if (!any('type', (v) => (v === 'builtin') === !!n.Predefined)) return false;
      if (f.get('label')?.length && !labelsMatch(n.Labels, f.get('label')!)) return false;
      const dangling = f.get('dangling')?.[0];
      if (dangling !== undefined) {
        const used = !!n.Predefined || containers.some((c) => Object.values(c.Networks ?? {}).some((a) => a.NetworkID === n.Id));
        if ((dangling === 'true' || dangling === '1') === used) return false;
      }
      return true;
    });
    sendJson(r.response(), 200, list.map((n) => networkView(n, {})));
  });

  router.add('GET', '/networks/{id}', (r) => {
    const net = networks.get(r.params.id!);
    sendJson(r.response(), 200, networkView(net, attachedTo(net, d.containers())));
  });

  router.add('POST', '/networks/create', async (r) => {
    const body = (await r.json<CreateNetworkRequest>()) ?? {};
    checkBody('network.CreateRequest', body);
    sendJson(r.response(), 201, await networks.create(body));
  });

  router.add('DELETE', '/networks/{id}', async (r) => {
    await networks.remove(r.params.id!);
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/networks/prune', async (r) => {
    const matches = pruneFilter(r.filters(), ['until', 'label', 'label!']);
    const deleted = await networks.prune((n) => matches(n.Labels, Date.parse(n.Created)));
    sendJson(r.response(), 200, { NetworksDeleted: deleted });
  });

  router.add('POST', '/networks/{id}/connect', async (r) => {
    const body = (await r.json<{ Container?: string; EndpointConfig?: EndpointRequest | null }>()) ?? {};
    checkBody('network.ConnectOptions', body);
    if (!body.Container) throw new HttpError(400, 'container is required');
    await endpoints.connectNetwork(r.params.id!, body.Container, body.EndpointConfig ?? {});
    sendEmpty(r.response(), 200);
  });

  router.add('POST', '/networks/{id}/disconnect', async (r) => {
    const body = (await r.json<{ Container?: string; Force?: boolean }>()) ?? {};
    checkBody('network.DisconnectOptions', body);
    if (!body.Container) throw new HttpError(400, 'container is required');
    await endpoints.disconnectNetwork(r.params.id!, body.Container, !!body.Force);
    sendEmpty(r.response(), 200);
  });
}
