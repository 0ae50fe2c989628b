// Which networks a container is on, decided at create (HostConfig.NetworkMode plus
// NetworkingConfig.EndpointsConfig) or by network connect, with Docker's checks and messages.
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import { contains, parseCidr, parseIPv4 } from './ipv4.js';
import { contains6, parseCidr6, parseIPv6, v6Pool } from './ipv6.js';
import type { NetworkService } from './network-service.js';
import type { EndpointRequest, NetworkAttachment, NetworkRecord } from './types.js';
import { PREDEFINED_NETWORKS } from './types.js';

export interface NetworkPlan {
  /** HostConfig.NetworkMode as stored ('default' becomes 'bridge'). */
  networkMode: string;
  networks: Record<string, NetworkAttachment>;
}

export interface PlanInput {
  networkMode?: string;
  endpoints?: Record<string, EndpointRequest | null> | null;
  /** Config.MacAddress, the pre-1.44 place for --mac-address. */
  legacyMac?: string;
  publishesPorts: boolean;
  containerExists(ref: string): boolean;
}

const MAC_RE = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** Docker's endpoint checks for one network. */
export function validateEndpoint(net: NetworkRecord, req: EndpointRequest, userDefined: boolean): void {
  const ip = req.IPAMConfig?.IPv4Address;
  const ip6 = req.IPAMConfig?.IPv6Address;
  if (!userDefined) {
    if (req.Aliases?.length) throw new InvalidArgumentError('network-scoped alias is supported only for containers in user defined networks');
    if (ip || ip6) throw new InvalidArgumentError('user specified IP address is supported on user defined networks only');
  }
  if (ip6) {
    const n = parseIPv6(ip6);
    if (n === undefined) throw new InvalidArgumentError(`invalid IPv6 address: ${ip6}`);
    const pool = v6Pool(net);
    const subnet = pool && parseCidr6(pool.Subnet);
    if (!subnet || !contains6(subnet, n)) {
      throw new InvalidArgumentError(`invalid endpoint settings: no configured subnet or ip-range contain the IP address ${ip6}`);
    }
  }
  if (ip) {
    const n = parseIPv4(ip);
    if (n === undefined) throw new InvalidArgumentError(`invalid IPv4 address: ${ip}`);
    const subnet = parseCidr(net.IPAM.Config[0]?.Subnet ?? '');
    if (!subnet || !contains(subnet, n)) {
      throw new InvalidArgumentError(`invalid endpoint settings: no configured subnet or ip-range contain the IP address ${ip}`);
    }
  }
  if (req.MacAddress && !MAC_RE.test(req.MacAddress)) throw new InvalidArgumentError(`invalid MAC address: ${req.MacAddress}`);
  for (const ll of req.IPAMConfig?.LinkLocalIPs ?? []) {
    if (parseIPv4(ll) === undefined && parseIPv6(ll) === undefined) throw new InvalidArgumentError(`invalid link-local IP address: ${ll}`);
  }
}

/** A container's attachment to `net`; to a network that does not exist (yet), the ID is "". */
export function attachment(net: NetworkRecord | undefined, req: EndpointRequest | null | undefined): NetworkAttachment {
  const r = req ?? {};
  const aliases = (r.Aliases ?? []).filter(Boolean);
  return {
    NetworkID: net?.Id ?? '',
    Aliases: aliases.length ? [...new Set(aliases)] : null,
    // Kept as the client gave it (docker-py reads LinkLocalIPs back); null when none was given.
    IPAMConfig: r.IPAMConfig ? {
      ...(r.IPAMConfig.IPv4Address ? { IPv4Address: r.IPAMConfig.IPv4Address } : {}),
      ...(r.IPAMConfig.IPv6Address ? { IPv6Address: r.IPAMConfig.IPv6Address } : {}),
      ...(r.IPAMConfig.LinkLocalIPs?.length ? { LinkLocalIPs: r.IPAMConfig.LinkLocalIPs } : {}),
    } : null,
    ...(r.MacAddress ? { MacAddress: r.MacAddress.toLowerCase() } : {}),
    Links: r.Links?.length ? r.Links : null,
    DriverOpts: r.DriverOpts ?? null,
  };
}

export function planNetworks(networks: NetworkService, input: PlanInput): NetworkPlan {
  const endpoints = input.endpoints ?? {};
  let mode = input.networkMode || 'default';
  if (mode === 'default') mode = networks.defaultBridge() ? 'bridge' : 'none';
  if (mode.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    // 400: a 404 at create makes the docker CLI pull the image.
    if (!ref || !input.containerExists(ref)) throw new InvalidArgumentError(`No such container: ${ref}`);
    if (input.publishesPorts) throw new InvalidArgumentError('conflicting options: port publishing and the container type network mode');
    return { networkMode: mode, networks: {} };
  }
  const out: Record<string, NetworkAttachment> = {};
  const lookup = (key: string) => (key === 'default' ? networks.defaultBridge() : networks.find(key));
  const primary = networks.find(mode);
  if (!primary) {
    if (PREDEFINED_NETWORKS.has(mode)) throw new NotFoundError(`network ${mode} not found`);
    // As dockerd: a user network that does not exist (yet) is no error at create; the start
    // answers 404 unless it exists by then. (A 404 here made the docker CLI try to pull the image.)
    out[mode] = attachment(undefined, endpoints[mode]);
    for (const [key, req] of Object.entries(endpoints)) {
      if (key === mode) continue;
      const net = lookup(key);
      out[net?.Name ?? key] = attachment(net, req);
    }
    return { networkMode: mode, networks: out };
  }
  const requestFor = (net: NetworkRecord): EndpointRequest | undefined => {
    for (const [key, req] of Object.entries(endpoints)) {
      if (lookup(key)?.Id === net.Id) return req ?? {};
    }
    return undefined;
  };
  const add = (net: NetworkRecord) => {
    const req = { ...(requestFor(net) ?? {}) };
    if (net.Id === primary.Id && !req.MacAddress && input.legacyMac) req.MacAddress = input.legacyMac;
    if (net.Driver === 'bridge') validateEndpoint(net, req, networks.isUserDefined(net));
    out[net.Name] = attachment(net, req);
  };
  add(primary);
  for (const key of Object.keys(endpoints)) {
    // The docker CLI names the default network "default"; without a default bridge that is none.
    if (key === 'default' && !networks.defaultBridge()) continue;
    const net = lookup(key);
    if (!net) {
      out[key] = attachment(undefined, endpoints[key]);
      continue;
    }
    if (net.Id === primary.Id) continue;
    if (net.Driver !== 'bridge' || primary.Driver !== 'bridge') {
      throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
    }
    add(net);
  }
  return { networkMode: mode, networks: out };
}
