// Who is who on the user-defined networks, for the embedded DNS: which container has an
// address, and which names (container name, network aliases, hostname, short ID, each also as
// NAME.NETWORK) a container answers to on each network. Names are read from the container's
// record when asked, so a rename is seen at once. The default bridge has no names, as Docker's.
import type { ContainerRecord } from '../containers/types.js';
import type { NameSource } from './dns-server.js';
import type { NetworkService } from './network-service.js';
import type { NetworkAttachment, NetworkRecord } from './types.js';

export class EndpointNames implements NameSource {
  /** Endpoints on user-defined networks, by network ID: address → container ID. */
  private readonly byNetwork = new Map<string, Map<string, string>>();
  /** Which container has an address (the embedded DNS's clients). */
  private readonly byAddress = new Map<string, string>();

  constructor(
    private readonly networks: NetworkService,
    private readonly containers: { find(ref: string): ContainerRecord | undefined },
    private readonly defaultUpstreams: () => string[],
  ) {}

  add(net: NetworkRecord, ip: string, containerId: string): void {
    this.byAddress.set(ip, containerId);
    if (!this.networks.isUserDefined(net)) return;
    let m = this.byNetwork.get(net.Id);
    if (!m) this.byNetwork.set(net.Id, (m = new Map()));
    m.set(ip, containerId);
  }

  remove(net: NetworkRecord | undefined, ip: string, containerId: string): void {
    if (this.byAddress.get(ip) === containerId) this.byAddress.delete(ip);
    if (net && this.byNetwork.get(net.Id)?.get(ip) === containerId) this.byNetwork.get(net.Id)!.delete(ip);
  }

  private namesOf(rec: ContainerRecord, att: NetworkAttachment, net: NetworkRecord): string[] {
    const base = [rec.Name.slice(1), rec.Id.slice(0, 12), rec.Config.Hostname, ...(att.Aliases ?? [])].filter(Boolean).map((n) => n.toLowerCase());
    return [...base, ...base.map((n) => `${n}.${net.Name.toLowerCase()}`)];
  }

  /** The user-defined networks the asking container is on: only their names are its to see. */
  private clientNetworks(clientIp: string): NetworkRecord[] {
    const id = this.byAddress.get(clientIp);
    const client = id ? this.containers.find(id) : undefined;
    if (!client) return [];
    return Object.values(client.Networks ?? {})
      .filter((a) => a.Endpoint)
      .map((a) => this.networks.find(a.NetworkID))
      .filter((n): n is NetworkRecord => !!n && this.networks.isUserDefined(n));
  }

  /**
   * A link the asking container has on this network ("target:alias", from --link or a connect's
   * links): the alias is a name only it can resolve, to the target's address on the network.
   */
  private linkTargets(clientIp: string, net: NetworkRecord, name: string, family: 4 | 6): string[] {
    const id = this.byAddress.get(clientIp);
    const client = id ? this.containers.find(id) : undefined;
    const att = client && Object.values(client.Networks ?? {}).find((a) => a.NetworkID === net.Id);
    const out: string[] = [];
    for (const link of att?.Links ?? []) {
      const i = link.indexOf(':');
      const target = (i < 0 ? link : link.slice(0, i)).replace(/^\//, '');
      const alias = i < 0 ? target : link.slice(i + 1).replace(/^.*\//, '');
      if (alias.toLowerCase() !== name && `${alias}.${net.Name}`.toLowerCase() !== name) continue;
      const rec = this.containers.find(target);
      const ep = rec && Object.values(rec.Networks ?? {}).find((a) => a.NetworkID === net.Id)?.Endpoint;
      const ip = family === 6 ? ep?.GlobalIPv6Address : ep?.IPAddress;
      if (ip) out.push(ip);
    }
    return out;
  }

  /** Addresses of a name (A: family 4, AAAA: family 6, the containers' IPv6 addresses on networks that have IPv6). */
  resolve(clientIp: string, name: string, family: 4 | 6 = 4): string[] | undefined {
    const found: string[] = [];
    for (const net of this.clientNetworks(clientIp)) {
      found.push(...this.linkTargets(clientIp, net, name, family));
      for (const [ip, id] of this.byNetwork.get(net.Id) ?? []) {
        const rec = this.containers.find(id);
        const att = rec && Object.values(rec.Networks ?? {}).find((a) => a.NetworkID === net.Id);
        if (!rec || !att || !this.namesOf(rec, att, net).includes(name)) continue;
        const addr = family === 6 ? att.Endpoint?.GlobalIPv6Address : ip;
        if (addr) found.push(addr);
      }
    }
    return found.length ? [...new Set(found)] : undefined;
  }

  reverse(clientIp: string, ip: string): string | undefined {
    for (const net of this.clientNetworks(clientIp)) {
      const id = ip.includes(':') ? this.byIPv6(net, ip) : this.byNetwork.get(net.Id)?.get(ip);
      const rec = id ? this.containers.find(id) : undefined;
      if (rec) return `${rec.Name.slice(1)}.${net.Name}`;
    }
    return undefined;
  }

  /** The container with this IPv6 address (canonical form) on the network. */
  private byIPv6(net: NetworkRecord, ip: string): string | undefined {
    for (const id of this.byNetwork.get(net.Id)?.values() ?? []) {
      const att = Object.values(this.containers.find(id)?.Networks ?? {}).find((a) => a.NetworkID === net.Id);
      if (att?.Endpoint?.GlobalIPv6Address === ip) return id;
    }
    return undefined;
  }

  /** The container's --dns servers, else the daemon's upstreams. */
  upstreams(clientIp: string): string[] {
    const id = this.byAddress.get(clientIp);
    const dns = id ? this.containers.find(id)?.HostConfig.Dns ?? [] : [];
    return dns.length ? dns : this.defaultUpstreams();
  }
}
