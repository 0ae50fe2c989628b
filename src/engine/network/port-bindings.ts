// What a container asks to publish: HostConfig.PortBindings ("80/tcp" → [{HostIp, HostPort}]),
// plus every EXPOSEd port with PublishAllPorts (-P), turned into one request per host binding.
// Pure: the host ports themselves are reserved by port-reservations.ts.
import { InvalidArgumentError } from '../../errors.js';
import { isIPv4 } from './ipv4.js';

export type PortProto = 'tcp' | 'udp' | 'sctp';

export interface PortRequest {
  containerPort: number;
  proto: PortProto;
  /** A host address; '0.0.0.0' means every address of the host. */
  hostIp: string;
  /** Wanted host ports, inclusive; [0, 0] lets the daemon pick one (an ephemeral port). */
  hostPorts: [number, number];
}

/** A host port given to a container port (one entry of NetworkSettings.Ports). */
export interface PublishedPort {
  containerPort: number;
  proto: PortProto;
  hostIp: string;
  hostPort: number;
}

export type PortBindingsInput = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined>;

/** "80/tcp", "80" (tcp), "53/udp" → port and protocol. */
export function parsePortKey(key: string): { port: number; proto: PortProto } {
  const [num = '', proto = 'tcp'] = key.split('/', 2);
  const p = (proto || 'tcp').toLowerCase();
  if (!/^\d+$/.test(num) || Number(num) < 1 || Number(num) > 65535) throw new InvalidArgumentError(`invalid port specification: "${key}"`);
  if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new InvalidArgumentError(`invalid proto: ${proto}`);
  return { port: Number(num), proto: p };
}

function hostPortRange(text: string | undefined, key: string): [number, number] {
  if (!text) return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo > 65535 || hi > 65535 || hi < lo) throw new InvalidArgumentError(`invalid port specification: "${text}"`);
  return [lo, hi];
}

/** `defaultHostIp`: where a port published without a host address binds (a network's host_binding_ipv4). */
export function portRequests(exposed: Record<string, unknown> | undefined, bindings: PortBindingsInput | undefined, publishAll: boolean, defaultHostIp = '0.0.0.0'): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    bound.add(`${port}/${proto}`);
    for (const b of list ?? []) {
      const hostIp = b.HostIp || defaultHostIp;
      // IPv6 host addresses are not served (berth's networks are IPv4); '::' is what "every address" means there.
      if (hostIp.includes(':')) continue;
      if (!isIPv4(hostIp)) throw new InvalidArgumentError(`invalid host IP address: ${hostIp}`);
      out.push({ containerPort: port, proto, hostIp, hostPorts: hostPortRange(b.HostPort, key) });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, proto } = parsePortKey(key);
      if (bound.has(`${port}/${proto}`)) continue;
      out.push({ containerPort: port, proto, hostIp: defaultHostIp, hostPorts: [0, 0] });
    }
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed or published port, null when not published. */
export function portMap(
  exposed: Record<string, unknown> | undefined,
  bindings: PortBindingsInput | undefined,
  published: PublishedPort[],
): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  const keyOf = (port: number, proto: string) => `${port}/${proto}`;
  for (const key of [...Object.keys(exposed ?? {}), ...Object.keys(bindings ?? {})]) {
    const { port, proto } = parsePortKey(key);
    out[keyOf(port, proto)] ??= null;
  }
  for (const p of published) {
    const key = keyOf(p.containerPort, p.proto);
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}
