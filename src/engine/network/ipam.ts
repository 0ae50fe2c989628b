// Address management for one subnet, as Docker's default IPAM does it: addresses are handed out
// in order from a cursor that only moves forward (wrapping at the end), so an address just
// released is not handed out again until every other one has been. Never the same address to
// two endpoints; the network address, the broadcast address and the gateway are never given.
// Allocations are rebuilt from the containers' records at daemon start; the cursor is saved
// with the network's state so a restart does not rewind it.
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import { contains, firstHost, formatCidr, lastAddress, parseIPv4, type Subnet } from './ipv4.js';

export class Ipam {
  private readonly used = new Map<number, string>();
  /** The last address handed out. */
  cursor: number;
  private readonly first: number;
  private readonly last: number;

  constructor(
    readonly subnet: Subnet,
    readonly gateway: number,
    /** Dynamic allocation stays inside this range (Docker's --ip-range); the subnet by default. */
    readonly range: Subnet = subnet,
    cursor?: number,
  ) {
    const small = subnet.prefixLen >= 31;
    this.first = Math.max(range.base, small ? subnet.base : subnet.base + 1);
    this.last = Math.min(lastAddress(range), small ? lastAddress(subnet) : lastAddress(subnet) - 1);
    this.cursor = cursor !== undefined && cursor >= this.first && cursor <= this.last ? cursor : this.first - 1;
  }

  /** Allocates the next free address after the cursor. */
  allocate(owner: string): number {
    const span = this.last - this.first + 1;
    for (let i = 1; i <= span; i++) {
      const ip = this.first + ((this.cursor - this.first + i) % span + span) % span;
      if (ip === this.gateway || this.used.has(ip)) continue;
      this.used.set(ip, owner);
      this.cursor = ip;
      return ip;
    }
    throw new ConflictError(`no available IPv4 addresses on this network's address pools: ${formatCidr(this.subnet)}`);
  }

  /** Claims a requested address (--ip). */
  request(text: string, owner: string): number {
    const ip = parseIPv4(text);
    if (ip === undefined) throw new InvalidArgumentError(`invalid IPv4 address: ${text}`);
    if (!contains(this.subnet, ip)) {
      throw new InvalidArgumentError(`Invalid address ${text}: It does not belong to any of this network's subnets`);
    }
    if (ip === this.gateway || (this.subnet.prefixLen < 31 && (ip === this.subnet.base || ip === lastAddress(this.subnet)))) {
      throw new ConflictError(`Address already in use: ${text}`);
    }
    const holder = this.used.get(ip);
    if (holder !== undefined && holder !== owner) throw new ConflictError(`Address already in use: ${text}`);
    this.used.set(ip, owner);
    return ip;
  }

  /** Marks an address taken by an endpoint that already exists (daemon restart). */
  adopt(ip: number, owner: string): void {
    if (contains(this.subnet, ip)) this.used.set(ip, owner);
  }

  release(ip: number, owner?: string): void {
    if (owner === undefined || this.used.get(ip) === owner) this.used.delete(ip);
  }

  static defaultGateway(subnet: Subnet): number {
    return firstHost(subnet);
  }
}
