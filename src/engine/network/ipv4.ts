// IPv4 addresses and subnets as numbers: parsing, formatting and the arithmetic IPAM and the
// subnet pool need. Pure, so it is unit-tested on its own.
import { InvalidArgumentError } from '../../errors.js';

export interface Subnet {
  /** Network address (host bits zero), as an unsigned 32-bit number. */
  base: number;
  prefixLen: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(text: string): number | undefined {
  const m = DOTTED.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

export function mask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** "10.1.0.0/16" → subnet; the host bits of the address are dropped, as Docker does. */
export function parseCidr(text: string): Subnet | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const ip = parseIPv4(addr!);
  const prefixLen = Number(len);
  if (ip === undefined || prefixLen > 32) return undefined;
  return { base: (ip & mask(prefixLen)) >>> 0, prefixLen };
}

/** "10.1.0.1/16" → the address and its subnet (dockerd's --bip form). */
export function parseAddressWithPrefix(text: string): { ip: number; subnet: Subnet } | undefined {
  const subnet = parseCidr(text);
  const ip = parseIPv4(text.split('/')[0] ?? '');
  return subnet && ip !== undefined ? { ip, subnet } : undefined;
}

export function requireCidr(text: string, what = 'subnet'): Subnet {
  const s = parseCidr(text);
  if (!s) throw new InvalidArgumentError(`invalid ${what} ${text}: invalid CIDR address: ${text}`);
  return s;
}

export function formatCidr(s: Subnet): string {
  return `${formatIPv4(s.base)}/${s.prefixLen}`;
}

export function size(s: Subnet): number {
  return 2 ** (32 - s.prefixLen);
}

export function lastAddress(s: Subnet): number {
  return (s.base + size(s) - 1) >>> 0;
}

export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefixLen)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const len = Math.min(a.prefixLen, b.prefixLen);
  return ((a.base & mask(len)) >>> 0) === ((b.base & mask(len)) >>> 0);
}

/** The first usable host address (Docker's default gateway). */
export function firstHost(s: Subnet): number {
  return s.prefixLen >= 31 ? s.base : (s.base + 1) >>> 0;
}
