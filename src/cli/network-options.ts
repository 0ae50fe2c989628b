// The networking flags of `run` and `create` (--network, --network-alias, --ip, --ip6,
// --mac-address, --link, --link-local-ip, --dns*, --add-host) as docker's opts package checks
// them and cli/command/container/opts.go turns them into HostConfig.NetworkMode and
// NetworkingConfig.EndpointsConfig.

import type { EndpointSettings } from '../protocol/engine-api.js';
import { readCSVRecord, type Flags } from './flags.js';
import { formatIP, isMAC, parseIP } from './net-address.js';

/** A wrong combination of networking options: docker prints it as "docker: <message>", exit 125. */
export class NetworkOptionError extends Error {
  override readonly name = 'NetworkOptionError';
}

/** One --network value (opts.NetworkAttachmentOpts). */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts?: Record<string, string>;
  links: string[];
  ipv4: string;
  ipv6: string;
  linkLocalIPs: string[];
  mac: string;
  gwPriority: number;
}

const attachment = (target: string): NetworkAttachment => ({ target, aliases: [], links: [], ipv4: '', ipv6: '', linkLocalIPs: [], mac: '', gwPriority: 0 });

/** opts.NetworkOpt.Set: a name, or the long syntax name=…,alias=…,ip=…,driver-opt=k=v,… */
export function parseNetworkOpt(value: string): NetworkAttachment {
  // docker's test for the long syntax is this regexp anywhere in the value.
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return attachment(value);
  const n = attachment('');
  for (const field of readCSVRecord(value)) {
    // docker lower-cases the whole field, values included.
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field ${field}`);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    switch (key) {
      case 'name':
        n.target = val;
        break;
      case 'alias':
        n.aliases.push(val);
        break;
      case 'ip':
        n.ipv4 = val;
        break;
      case 'ip6':
        n.ipv6 = val;
        break;
      case 'mac-address':
        n.mac = val;
        break;
      case 'link-local-ip':
        n.linkLocalIPs.push(val);
        break;
      case 'driver-opt': {
        const [k, v] = splitDriverOpt(val);
        (n.driverOpts ??= {})[k] = v;
        break;
      }
      case 'gw-priority': {
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
        n.gwPriority = Number(val);
        break;
      }
      default:
        throw new Error(`invalid field key ${key}`);
    }
  }
  if (n.target === '') throw new Error('network name/id is not specified');
  return n;
}

function splitDriverOpt(opt: string): [string, string] {
  const eq = opt.indexOf('=');
  if (eq <= 0) throw new Error('invalid key value pair format in driver options');
  return [opt.slice(0, eq).trim(), opt.slice(eq + 1).trim()];
}

/** network connect --driver-opt k=v (convertDriverOpt): keys and values trimmed. */
export function parseDriverOpts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const opt of values) {
    const eq = opt.indexOf('=');
    const k = (eq < 0 ? opt : opt.slice(0, eq)).trim();
    if (eq < 0 || k === '') throw new Error('invalid key/value pair format in driver options');
    out[k] = opt.slice(eq + 1).trim();
  }
  return out;
}

/** opts.ValidateIPAddress: the address in Go's canonical form (--dns 0:0::1 sends ::1). */
export function validateIPAddress(value: string): string {
  const ip = parseIP(value.trim());
  if (!ip) throw new Error(`IP address is not correctly formatted: ${value}`);
  return formatIP(ip);
}

// docker's domainRegexp, "(:?" slips and all.
const DOMAIN = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** opts.ValidateDNSSearch: a domain (its trailing dot dropped), or "." for none. */
export function validateDNSSearch(value: string): string {
  const v = value.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = /[a-zA-Z]/.test(v) ? DOMAIN.exec(v) : null;
  if (!m || (m[1] as string).length >= 255) throw new Error(`${v} is not a valid domain`);
  return m[1] as string;
}

/** opts.ValidateExtraHost: host:ip or host=ip ([v6] allowed, or host-gateway) → "host:ip". */
export function validateExtraHost(value: string): string {
  let sep = value.indexOf('=');
  if (sep < 0) sep = value.indexOf(':');
  const host = sep < 0 ? '' : value.slice(0, sep);
  let ip = sep < 0 ? '' : value.slice(sep + 1);
  if (sep < 0 || host === '' || host.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(value)}`);
  if (ip !== 'host-gateway') {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!parseIP(ip.trim())) throw new Error(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return `${host}:${ip}`;
}

/** opts.ValidateLink: name or name:alias. */
export function validateLink(value: string): void {
  if (value === '') throw new Error('empty string specified for links');
  if (value.split(':').length > 2) throw new Error(`bad format for links: ${value}`);
}

/** container.NetworkMode.IsUserDefined on Linux. */
export function isUserDefined(mode: string): boolean {
  if (['default', 'bridge', 'host', 'none'].includes(mode)) return false;
  return !/^container:/.test(mode);
}

/** The fields docker's parse() reads from the run/create flags for networking. */
export interface NetworkFlagValues {
  networks: NetworkAttachment[];
  aliases: string[];
  links: string[];
  ipv4: string;
  ipv6: string;
  mac: string;
  linkLocalIPs: string[];
}

export function networkFlagValues(flags: Flags): NetworkFlagValues {
  return {
    networks: flags.list('network').map(parseNetworkOpt),
    aliases: flags.list('network-alias'),
    links: flags.list('link'),
    ipv4: flags.string('ip') ?? '',
    ipv6: flags.string('ip6') ?? '',
    mac: flags.string('mac-address') ?? '',
    linkLocalIPs: flags.list('link-local-ip'),
  };
}

/** applyContainerOptions: the plain flags describe the first network's endpoint. */
function applyContainerOptions(n: NetworkAttachment, v: NetworkFlagValues): void {
  const conflict = (what: string): never => {
    throw new NetworkOptionError(`conflicting options: cannot specify both ${what}`);
  };
  if (n.aliases.length && v.aliases.length) conflict('--network-alias and per-network alias');
  if (n.links.length && v.links.length) conflict('--link and per-network links');
  if (n.ipv4 && v.ipv4) conflict('--ip and per-network IPv4 address');
  if (n.ipv6 && v.ipv6) conflict('--ip6 and per-network IPv6 address');
  if (n.mac && v.mac) conflict('--mac-address and per-network MAC address');
  if (n.linkLocalIPs.length && v.linkLocalIPs.length) conflict('--link-local-ip and per-network link-local IP addresses');
  if (v.aliases.length) n.aliases = [...v.aliases];
  // On a user-defined network --link makes an alias; on the default bridge it is a legacy link.
  if (isUserDefined(n.target) && v.links.length) n.links = [...v.links];
  if (v.ipv4) n.ipv4 = v.ipv4;
  if (v.ipv6) n.ipv6 = v.ipv6;
  if (v.mac) n.mac = v.mac;
  if (v.linkLocalIPs.length) n.linkLocalIPs = [...v.linkLocalIPs];
}

/** parseNetworkAttachmentOpt: the endpoint settings of one attachment (undefined when it has none). */
function endpointOf(n: NetworkAttachment): EndpointSettings | undefined {
  if (n.target.trim() === '') throw new NetworkOptionError('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length) throw new NetworkOptionError('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length) throw new NetworkOptionError('links are only supported for user-defined networks');
  }
  const ep: EndpointSettings = {};
  if (n.ipv4 || n.ipv6 || n.linkLocalIPs.length) {
    ep.IPAMConfig = {
      ...(n.ipv4 ? { IPv4Address: n.ipv4 } : {}),
      ...(n.ipv6 ? { IPv6Address: n.ipv6 } : {}),
      ...(n.linkLocalIPs.length ? { LinkLocalIPs: n.linkLocalIPs } : {}),
    };
  }
  if (n.links.length) ep.Links = n.links;
  if (n.aliases.length) ep.Aliases = n.aliases;
  if (n.mac) {
    if (!isMAC(n.mac.trim())) throw new NetworkOptionError(`${n.mac} is not a valid mac address`);
    ep.MacAddress = n.mac;
  }
  if (n.driverOpts && Object.keys(n.driverOpts).length) ep.DriverOpts = n.driverOpts;
  if (n.gwPriority) ep.GwPriority = n.gwPriority;
  return Object.keys(ep).length ? ep : undefined;
}

export interface Networking {
  /** HostConfig.NetworkMode */
  mode: string;
  /** NetworkingConfig.EndpointsConfig */
  endpoints: Record<string, EndpointSettings>;
}

/** parseNetworkOpts: NetworkMode and the endpoints of the create request. */
export function networking(v: NetworkFlagValues): Networking {
  if (v.mac && !isMAC(v.mac.trim())) throw new NetworkOptionError(`${v.mac} is not a valid mac address`);
  const endpoints: Record<string, EndpointSettings> = {};
  if (v.networks.length === 0) {
    const n = attachment('default');
    applyContainerOptions(n, v);
    endpoints['default'] = endpointOf(n) ?? {};
    return { mode: 'default', endpoints };
  }
  let userDefined = false;
  let builtin = false;
  v.networks.forEach((original, i) => {
    const n = { ...original, aliases: [...original.aliases], links: [...original.links], linkLocalIPs: [...original.linkLocalIPs] };
    if (isUserDefined(n.target)) userDefined = true;
    else builtin = true;
    if (i === 0) applyContainerOptions(n, v);
    const ep = endpointOf(n);
    if (Object.hasOwn(endpoints, n.target)) throw new NetworkOptionError(`network ${JSON.stringify(n.target)} is specified multiple times`);
    // One network without options: docker leaves its endpoint out (the daemon makes one).
    if (i === 0 && v.networks.length === 1 && !ep) return;
    endpoints[n.target] = ep ?? {};
  });
  if (userDefined && builtin) throw new NetworkOptionError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { mode: (v.networks[0] as NetworkAttachment).target, endpoints };
}

/** create.go's localhostDNSWarning: a loopback --dns server is unreachable from most containers. */
export function localhostDNSWarning(dns: readonly string[] | undefined): string | undefined {
  for (const server of dns ?? []) {
    const ip = parseIP(server);
    if (!ip) continue;
    const loopback = ip.length === 4 ? ip[0] === 127 : ip.every((b, i) => b === (i === 15 ? 1 : 0));
    if (loopback) return `Localhost DNS (${formatIP(ip)}) may fail in containers.`;
  }
  return undefined;
}
