// -p/--publish and --expose, as go-connections/nat parses them:
//   [ip:][hostPort:]containerPort[/proto], ranges (8000-8010:80-90), [v6]:host:ctr.

import type { PortBinding } from '../client/types.js';

export interface PortMapping {
  /** "80/tcp" */
  port: string;
  binding: PortBinding;
}

function splitProtoPort(raw: string): [proto: string, port: string] {
  const idx = raw.indexOf('/');
  if (raw === '') return ['', ''];
  if (idx < 0) return ['tcp', raw];
  const proto = raw.slice(idx + 1);
  return [proto === '' ? 'tcp' : proto, raw.slice(0, idx)];
}

function parseRange(raw: string): [number, number] | undefined {
  if (raw === '') return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] !== undefined ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function splitParts(raw: string): [ip: string, hostPort: string, containerPort: string] {
  const parts = raw.split(':');
  const n = parts.length;
  const ctr = parts[n - 1] as string;
  if (n === 1) return ['', '', ctr];
  if (n === 2) return ['', parts[0] as string, ctr];
  if (n === 3) return [parts[0] as string, parts[1] as string, ctr];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2] as string, ctr];
}

function isIP(ip: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip)) return ip.split('.').every((p) => Number(p) <= 255);
  return /^[0-9a-fA-F:.]+$/.test(ip) && ip.includes(':');
}

const PROTOS = new Set(['tcp', 'udp', 'sctp']);

/** One -p value → its mappings (a range gives several). */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  const [proto, ctr] = splitProtoPort(containerPort);
  containerPort = ctr;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new Error(`invalid IP address ${ip}: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  const ctrRange = parseRange(containerPort);
  if (!ctrRange) throw new Error(`invalid containerPort: ${containerPort}`);
  let hostRange: [number, number] = [0, 0];
  if (hostPort !== '') {
    const r = parseRange(hostPort);
    if (!r) throw new Error(`invalid hostPort: ${hostPort}`);
    hostRange = r;
  }
  const [start, end] = ctrRange;
  const [hStart, hEnd] = hostRange;
  if (hostPort !== '' && end - start !== hEnd - hStart && end !== start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  if (!PROTOS.has(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === '' ? '' : String(hStart + i);
    // One container port and a host range: the daemon picks a free port in the range.
    if (start === end && hStart !== hEnd) hp = `${hStart}-${hEnd}`;
    out.push({ port: `${start + i}/${proto.toLowerCase()}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** --publish's long syntax: target=80,published=8080,protocol=tcp,host_ip=… */
function parseLongPortSyntax(raw: string): PortMapping[] {
  let target = '';
  let published = '';
  let protocol = 'tcp';
  let hostIp = '';
  for (const field of raw.split(',')) {
    const [k, v = ''] = field.split('=', 2) as [string, string?];
    switch (k.toLowerCase()) {
      case 'target':
        target = v;
        break;
      case 'published':
        published = v;
        break;
      case 'protocol':
        protocol = v;
        break;
      case 'mode':
        break;
      case 'host_ip':
      case 'host-ip':
        hostIp = v;
        break;
      default:
        throw new Error(`invalid field key ${k}`);
    }
  }
  if (target === '') throw new Error('missing mandatory field "target"');
  return parsePortSpec(`${hostIp ? (hostIp.includes(':') ? `[${hostIp}]` : hostIp) + ':' : ''}${published}${published || hostIp ? ':' : ''}${target}/${protocol}`);
}

export function parsePublish(values: readonly string[]): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const value of values) {
    const mappings = value.includes('=') ? parseLongPortSyntax(value) : parsePortSpec(value);
    for (const m of mappings) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  return { exposed, bindings };
}

/** --expose 80, --expose 8000-8010/udp */
export function parseExpose(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (value.includes(':')) throw new Error(`invalid port format for --expose: ${value}`);
    const [proto, port] = splitProtoPort(value);
    const range = parseRange(port);
    if (!range) throw new Error(`invalid range format for --expose: ${value}, error: invalid port ${port}`);
    for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  }
  return out;
}
