// IPv6 addresses and subnets as 128-bit bigints: parsing, canonical formatting (RFC 5952, as
// Go's net/netip prints them, so inspect shows what docker shows) and the subnet arithmetic
// IPAM needs. Pure, unit-tested beside it.
import { isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { parseIPv4 } from './ipv4.js';
import type { IpamPoolConfig, NetworkRecord } from './types.js';

export interface Subnet6 {
  /** Network address (host bits zero). */
  base: bigint;
  prefixLen: number;
}

const ALL = (1n << 128n) - 1n;

export function parseIPv6(text: string): bigint | undefined {
  const t = text.trim();
  if (!isIPv6(t) || t.includes('%')) return undefined;
  let head = t;
  let tailV4: number | undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(t.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${t.slice(0, lastColon + 1)}${(tailV4 >>> 16).toString(16)}:${(tailV4 & 0xffff).toString(16)}`;
  }
  const [left, right] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const l = left ? left.split(':') : [];
  const r = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function isIPv6Address(text: string): boolean {
  return parseIPv6(text) !== undefined;
}

/** RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIPv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function mask6(prefixLen: number): bigint {
  return prefixLen === 0 ? 0n : (ALL << BigInt(128 - prefixLen)) & ALL;
}

/** "fd00:1::/64" → subnet; host bits dropped, as Docker does. */
export function parseCidr6(text: string): Subnet6 | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,3}$/.test(len)) return undefined;
  const ip = parseIPv6(addr!);
  const prefixLen = Number(len);
  if (ip === undefined || prefixLen > 128) return undefined;
  return { base: ip & mask6(prefixLen), prefixLen };
}

export function requireCidr6(text: string, what = 'subnet'): Subnet6 {
  const s = parseCidr6(text);
  if (!s) throw new InvalidArgumentError(`invalid ${what} ${text}: invalid CIDR address: ${text}`);
  return s;
}

export function formatCidr6(s: Subnet6): string {
  return `${formatIPv6(s.base)}/${s.prefixLen}`;
}

export function lastAddress6(s: Subnet6): bigint {
  return s.base | (~mask6(s.prefixLen) & ALL);
}

export function contains6(s: Subnet6, ip: bigint): boolean {
  return (ip & mask6(s.prefixLen)) === s.base;
}

export function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const m = mask6(Math.min(a.prefixLen, b.prefixLen));
  return (a.base & m) === (b.base & m);
}

/** Docker's default gateway of an IPv6 subnet: the first address after the subnet-router anycast. */
export function firstHost6(s: Subnet6): bigint {
  return s.prefixLen >= 127 ? s.base : s.base + 1n;
}

/** A pool of IPv6 subnets for networks created with --ipv6 and no IPv6 --subnet. */
export interface AddressPool6 {
  base: Subnet6;
  size: number;
}

/** The first subnet of the pool's size that overlaps nothing taken. */
export function nextFreeSubnet6(pools: AddressPool6[], taken: Subnet6[]): Subnet6 {
  for (const pool of pools) {
    const step = 1n << BigInt(128 - pool.size);
    const count = 1n << BigInt(pool.size - pool.base.prefixLen);
    // A /48 cut into /64s is 65536 candidates: enough to look through one by one.
    for (let i = 0n; i < count && i < 1_000_000n; i++) {
      const candidate = { base: pool.base.base + i * step, prefixLen: pool.size };
      if (!taken.some((t) => overlaps6(t, candidate))) return candidate;
    }
  }
  throw new InvalidArgumentError(
    `all predefined address pools have been fully subnetted (${pools.map((p) => `${formatCidr6(p.base)}/${p.size}`).join(', ')})`,
  );
}

/** A unique-local /48 (fdXX:XXXX:XXXX::/48) from a stable ID, as dockerd derives its default pool from its engine ID. */
export function ulaFromId(hexId: string): Subnet6 {
  const digits = hexId.replace(/[^0-9a-f]/gi, '').padEnd(10, '0').slice(0, 10);
  return { base: (0xfdn << 120n) | (BigInt(`0x${digits}`) << 80n), prefixLen: 48 };
}

/** Destinations of the host's IPv6 routes (from /proc/net/ipv6_route), default and host routes left out. */
export function parseProcIpv6Routes(text: string): Subnet6[] {
  const out: Subnet6[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || !/^[0-9a-f]{32}$/.test(f[0]!)) continue;
    const prefixLen = parseInt(f[1]!, 16);
    if (prefixLen === 0 || prefixLen === 128) continue;
    out.push({ base: BigInt(`0x${f[0]}`) & mask6(prefixLen), prefixLen });
  }
  return out;
}

/** A network's IPv6 pool, when it has one (IPAM.Config keeps the IPv4 pool first). */
export function v6Pool(net: NetworkRecord): IpamPoolConfig | undefined {
  return net.EnableIPv6 ? net.IPAM.Config.find((c) => c.Subnet.includes(':')) : undefined;
}

/** dockerd's --default-address-pool with an IPv6 base: "base=fd00:1::/48,size=64". */
export function parseAddressPool6(text: string): AddressPool6 {
  let base: Subnet6 | undefined;
  let len: number | undefined;
  for (const field of text.split(',')) {
    const [k, v = ''] = field.split('=', 2) as [string, string?];
    if (k === 'base') base = parseCidr6(v);
    else if (k === 'size') len = /^\d{1,3}$/.test(v) ? Number(v) : undefined;
    else throw new InvalidArgumentError(`invalid default address pool field: ${k}`);
  }
  if (!base || len === undefined || len < base.prefixLen || len > 126) {
    throw new InvalidArgumentError(`invalid default address pool: ${text} (want base=CIDR,size=N)`);
  }
  return { base, size: len };
}
