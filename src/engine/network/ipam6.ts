// Address management for a network's IPv6 subnet, with the same rules as the IPv4 one (ipam.ts):
// a cursor that only moves forward, an address released is handed out again last, never one
// address to two endpoints, the gateway and the subnet-router anycast address (the subnet's
// first) never given. Rebuilt from the containers' records at daemon start; the cursor is saved
// with the network's state as an offset from the subnet's base.
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import { contains6, formatCidr6, lastAddress6, parseIPv6, type Subnet6 } from './ipv6.js';

export class Ipam6 {
  private readonly used = new Map<bigint, string>();
  /** The last address handed out. */
  cursor: bigint;
  private readonly first: bigint;
  private readonly last: bigint;

  constructor(
    readonly subnet: Subnet6,
    readonly gateway: bigint,
    readonly range: Subnet6 = subnet,
    /** Saved cursor, as an offset from the subnet's base. */
    cursorOffset?: number,
  ) {
    const tiny = subnet.prefixLen >= 127;
    const lo = tiny ? subnet.base : subnet.base + 1n;
    this.first = range.base > lo ? range.base : lo;
    const hi = lastAddress6(subnet);
    const rangeHi = lastAddress6(range);
    this.last = rangeHi < hi ? rangeHi : hi;
    const saved = cursorOffset === undefined ? undefined : subnet.base + BigInt(cursorOffset);
    this.cursor = saved !== undefined && saved >= this.first && saved <= this.last ? saved : this.first - 1n;
  }

  /** The cursor as an offset from the subnet's base (what is saved). */
  get cursorOffset(): number {
    return Number(this.cursor - this.subnet.base);
  }

  allocate(owner: string): bigint {
    const span = this.last - this.first + 1n;
    // A /64 has 2^64 addresses: look at most at as many as are in use (plus the gateway), since
    // after that many steps a free one must have come up.
    const tries = BigInt(this.used.size + 2) < span ? BigInt(this.used.size + 2) : span;
    for (let i = 1n; i <= tries; i++) {
      const ip = this.first + ((((this.cursor - this.first + i) % span) + span) % span);
      if (ip === this.gateway || this.used.has(ip)) continue;
      this.used.set(ip, owner);
      this.cursor = ip;
      return ip;
    }
    throw new ConflictError(`no available IPv6 addresses on this network's address pools: ${formatCidr6(this.subnet)}`);
  }

  /** Claims a requested address (--ip6). */
  request(text: string, owner: string): bigint {
    const ip = parseIPv6(text);
    if (ip === undefined) throw new InvalidArgumentError(`invalid IPv6 address: ${text}`);
    if (!contains6(this.subnet, ip)) {
      throw new InvalidArgumentError(`Invalid address ${text}: It does not belong to any of this network's subnets`);
    }
    if (ip === this.gateway || (this.subnet.prefixLen < 127 && ip === this.subnet.base)) throw new ConflictError(`Address already in use: ${text}`);
    const holder = this.used.get(ip);
    if (holder !== undefined && holder !== owner) throw new ConflictError(`Address already in use: ${text}`);
    this.used.set(ip, owner);
    return ip;
  }

  adopt(ip: bigint, owner: string): void {
    if (contains6(this.subnet, ip)) this.used.set(ip, owner);
  }

  release(ip: bigint, owner?: string): void {
    if (owner === undefined || this.used.get(ip) === owner) this.used.delete(ip);
  }
}
