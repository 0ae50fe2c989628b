// -p/--publish and --expose, as go-connections/nat parses them:
//   [ip:][hostPort:]containerPort[/proto], ranges (8000-8010:80-90), [v6]:host:ctr.

import type { PortBinding } from '../protocol/engine-api.js';
import { parseIP } from './net-address.js';

export interface PortMapping {
  /** "80/tcp" */
  port: string;
  binding: PortBinding;
}

/** nat.SplitProtoPort: "80/udp" → udp, 80; "80" and "80/" → tcp. */
function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split('/');
  const port = parts[0] as string;
  if (raw === '' || port === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  return [parts[1] === '' ? 'tcp' : (parts[1] as string), port];
}

/** strconv.ParseUint(s, 10, 16), with Go's error text. */
function parsePort(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: "80" or "8000-8010"; throws Go's error text. */
function parsePortRange(raw: string): [number, number] {
  if (raw === '') throw new Error('empty string specified for ports');
  if (!raw.includes('-')) {
    const p = parsePort(raw);
    return [p, p];
  }
  const parts = raw.split('-');
  const start = parsePort(parts[0] as string);
  const end = parsePort(parts[1] as string);
  if (end < start) throw new Error(`invalid range specified for port: ${raw}`);
  return [start, end];
}

function parseRange(raw: string): [number, number] | undefined {
  try {
    return parsePortRange(raw);
  } catch {
    return undefined;
  }
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

const PROTOS = new Set(['tcp', 'udp', 'sctp']);

/** One -p value → its mappings (a range gives several). */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  const [proto, ctr] = splitProtoPort(containerPort);
  containerPort = ctr;
  if (ip.startsWith('[')) {
    // net.SplitHostPort(ip + ":")
    const close = ip.indexOf(']');
    if (close < 0) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    if (close !== ip.length - 1) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing port in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && !parseIP(ip)) throw new Error(`invalid IP address: ${ip}`);
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

/**
 * --publish's long syntax, as docker's convertToStandardNotation reads it: any key=value
 * fields, of which only published, target and protocol count.
 */
function standardNotation(raw: string): string {
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of raw.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params['published'] ?? ''}:${params['target'] ?? ''}/${params['protocol']}`;
}

export function parsePublish(values: readonly string[]): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const value of values) {
    const mappings = parsePortSpec(value.includes('=') ? standardNotation(value) : value);
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
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${value}, error: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${proto}`);
  }
  return out;
}
