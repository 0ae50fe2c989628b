// Subnets for networks created without --subnet, as dockerd's --default-address-pool gives them:
// the first subnet of the pool's size that overlaps neither another network nor a route of the
// host (so a network never shadows a LAN the host is on).
import { InvalidArgumentError } from '../../errors.js';
import { formatCidr, overlaps, parseCidr, size, type Subnet } from './ipv4.js';

export interface AddressPool {
  base: Subnet;
  /** Prefix length of the subnets cut from the base. */
  size: number;
}

/** dockerd's flag value: "base=10.10.0.0/16,size=24". */
export function parseAddressPool(text: string): AddressPool {
  let base: Subnet | undefined;
  let len: number | undefined;
  for (const field of text.split(',')) {
    const [k, v = ''] = field.split('=', 2) as [string, string?];
    if (k === 'base') base = parseCidr(v);
    else if (k === 'size') len = /^\d{1,2}$/.test(v) ? Number(v) : undefined;
    else throw new InvalidArgumentError(`invalid default address pool field: ${k}`);
  }
  if (!base || len === undefined || len < base.prefixLen || len > 30) {
    throw new InvalidArgumentError(`invalid default address pool: ${text} (want base=CIDR,size=N)`);
  }
  return { base, size: len };
}

export function nextFreeSubnet(pools: AddressPool[], taken: Subnet[]): Subnet {
  for (const pool of pools) {
    const step = 2 ** (32 - pool.size);
    const count = size(pool.base) / step;
    for (let i = 0; i < count; i++) {
      const candidate = { base: (pool.base.base + i * step) >>> 0, prefixLen: pool.size };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw new InvalidArgumentError(
    `all predefined address pools have been fully subnetted (${pools.map((p) => `${formatCidr(p.base)}/${p.size}`).join(', ')})`,
  );
}

/** Destinations of the host's IPv4 routes (from /proc/net/route), the default route excluded. */
export function parseProcRoutes(text: string): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // Little-endian hex, as the kernel prints them.
    const le = (hex: string) => {
      const n = parseInt(hex, 16) >>> 0;
      return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
    };
    const dest = le(f[1]!);
    const m = le(f[7]!);
    const prefixLen = maskLength(m);
    if (prefixLen === 0) continue;
    out.push({ base: dest, prefixLen });
  }
  return out;
}

/** Length of a contiguous netmask (255.255.255.0 → 24). */
function maskLength(m: number): number {
  let c = 0;
  for (let v = m >>> 0; v; v = (v << 1) >>> 0) c++;
  return c;
}
