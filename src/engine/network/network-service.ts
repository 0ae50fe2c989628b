// Networks: the predefined ones (bridge, host, none) and user-defined bridge networks; create,
// list, inspect, remove, prune; IPAM per network; bringing a network's host side up on first
// use and down when it is removed or the daemon stops with nothing running. Containers join and
// leave networks through sandbox.ts.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { Mutex } from '../../storage/lock.js';
import { Ipam } from './ipam.js';
import { Ipam6 } from './ipam6.js';
import {
  contains6, firstHost6, formatCidr6, formatIPv6, nextFreeSubnet6, overlaps6, parseCidr6, parseIPv6, parseProcIpv6Routes, v6Pool, type AddressPool6, type Subnet6,
} from './ipv6.js';
import { contains, formatCidr, formatIPv4, overlaps, parseAddressWithPrefix, parseCidr, parseIPv4, type Subnet } from './ipv4.js';
import type { NetworkDriver } from './driver.js';
import { hostInterfaceKind } from './bridge-driver.js';
import type { NetworkStore } from './network-store.js';
import { nextFreeSubnet, parseProcRoutes, type AddressPool } from './subnet-pool.js';
import type { IpamPoolConfig, NetworkRecord } from './types.js';
import { BRIDGE_NAME_OPT, bridgeSettings, HOST_BINDING_OPT, ICC_OPT, MASQUERADE_OPT, MTU_OPT } from './bridge-options.js';
import { nowRfc3339Nano } from '../../protocol/timestamps.js';

export interface NetworkConfig {
  /** Host interface names (bridges, veths) and iptables chains start with it. */
  prefix: string;
  /** The default bridge's interface, or undefined when there is none (--bridge none). */
  defaultBridge?: string;
  /** The default bridge's gateway address and subnet (--bip). */
  bip: string;
  /** Where subnets of networks created without one come from (--default-address-pool). */
  pools: AddressPool[];
  /** Where IPv6 subnets of networks created with --ipv6 and no IPv6 subnet come from. */
  pools6?: AddressPool6[];
  /** The default bridge has IPv6 (berthd --ipv6), on this subnet (--fixed-cidr-v6) or one from pools6. */
  defaultBridgeIPv6?: { fixedCidr?: string };
  /** The default bridge's options from berthd's --mtu, --icc, --ip-masq and --ip (dockerd's flags). */
  defaultBridgeOptions?: { mtu?: number; icc?: boolean; ipMasq?: boolean; ip?: string };
}

/** The IPAM config entries of a network for one family. */
const isV6Config = (c: { Subnet?: string; Gateway?: string; IPRange?: string }) =>
  !!(c.Subnet?.includes(':') || (!c.Subnet && (c.Gateway?.includes(':') || c.IPRange?.includes(':'))));

export interface CreateNetworkRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  EnableIPv4?: boolean;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  IPAM?: {
    Driver?: string;
    Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> | null }> | null;
    Options?: Record<string, string> | null;
  } | null;
  ConfigOnly?: boolean;
  Ingress?: boolean;
  Scope?: string;
}


export class NetworkService {
  private readonly networks = new Map<string, NetworkRecord>();
  private readonly ipams = new Map<string, Ipam>();
  private readonly ipams6 = new Map<string, Ipam6>();
  private cursors: Record<string, number> = {};
  /** Host side being or been brought up in this process, by network ID. */
  private readonly upState = new Map<string, Promise<void>>();
  /** Networks being removed: nothing may bring them up meanwhile, and a second removal waits. */
  private readonly removing = new Map<string, Promise<void>>();
  /**
   * Creates, one at a time: each checks names, subnets and bridges against the networks there
   * are, and two at once both passed (two networks of one name, or one subnet twice).
   */
  private readonly creates = new Mutex();
  private readonly onUp: Array<(net: NetworkRecord) => Promise<void>> = [];
  private readonly onDown: Array<(net: NetworkRecord) => void> = [];

  constructor(
    private readonly store: NetworkStore,
    readonly config: NetworkConfig,
    private readonly drivers: Map<string, NetworkDriver>,
    private readonly events: EventBus,
    /** Whether a container is running with an endpoint on the network (rm's "active endpoints"). */
    private readonly activeEndpoints: (networkId: string) => string[],
  ) {}

  async load(): Promise<void> {
    const { networks, cursors } = await this.store.load();
    this.cursors = cursors;
    for (const n of networks) this.networks.set(n.Id, n);
    await this.ensurePredefined();
  }

  private async ensurePredefined(): Promise<void> {
    const byName = (name: string) => [...this.networks.values()].find((n) => n.Name === name && n.Predefined);
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!byName(name)) await this.put(this.newRecord(name, driver, { Predefined: true }));
    }
    const existing = byName('bridge');
    if (!this.config.defaultBridge) {
      if (existing) await this.dropRecord(existing);
      return;
    }
    const bip = parseAddressWithPrefix(this.config.bip);
    if (!bip) throw new InvalidArgumentError(`invalid --bip ${this.config.bip}: want an address with a prefix length, e.g. 10.87.0.1/16`);
    const ipam: NetworkRecord['IPAM'] = { Driver: 'default', Options: null, Config: [{ Subnet: formatCidr(bip.subnet), Gateway: formatIPv4(bip.ip) }] };
    const v6 = this.config.defaultBridgeIPv6;
    if (v6) {
      let subnet: Subnet6;
      if (v6.fixedCidr) {
        const s = parseCidr6(v6.fixedCidr);
        if (!s) throw new InvalidArgumentError(`invalid --fixed-cidr-v6 ${v6.fixedCidr}: invalid CIDR address`);
        subnet = s;
      } else {
        // As dockerd 28: without --fixed-cidr-v6, a subnet from the IPv6 pools (kept while the
        // record's stays in them, so a restart does not renumber the bridge).
        const had = existing && v6Pool(existing) ? parseCidr6(v6Pool(existing)!.Subnet) : undefined;
        const others = this.v6SubnetsTaken(existing?.Id);
        subnet = had && !others.some((t) => overlaps6(t, had)) ? had : nextFreeSubnet6(this.config.pools6 ?? [], [...others, ...hostRoutes6()]);
      }
      ipam.Config.push({ Subnet: formatCidr6(subnet), Gateway: formatIPv6(firstHost6(subnet)) });
    }
    const flags = this.config.defaultBridgeOptions ?? {};
    const options = {
      'com.docker.network.bridge.default_bridge': 'true',
      [ICC_OPT]: String(flags.icc ?? true),
      [MASQUERADE_OPT]: String(flags.ipMasq ?? true),
      [HOST_BINDING_OPT]: flags.ip ?? '0.0.0.0',
      [BRIDGE_NAME_OPT]: this.config.defaultBridge,
      [MTU_OPT]: String(flags.mtu ?? 1500),
    };
    bridgeSettings(options);
    const want = existing ?? this.newRecord('bridge', 'bridge', { Predefined: true });
    const ipamChanged = JSON.stringify(existing?.IPAM) !== JSON.stringify(ipam);
    if (!existing || ipamChanged || JSON.stringify(existing.Options) !== JSON.stringify(options) || existing.BridgeName !== this.config.defaultBridge) {
      // The flags changed since the last start (or first start): the record follows them.
      if (ipamChanged) {
        this.ipams.delete(want.Id);
        this.ipams6.delete(want.Id);
      }
      await this.put({ ...want, IPAM: ipam, Options: options, BridgeName: this.config.defaultBridge, EnableIPv6: !!v6 });
    }
  }

  private newRecord(name: string, driver: string, extra: Partial<NetworkRecord> = {}): NetworkRecord {
    return {
      Id: randomBytes(32).toString('hex'),
      Name: name,
      Driver: driver,
      Created: nowRfc3339Nano(),
      Scope: 'local',
      Internal: false,
      Attachable: false,
      EnableIPv6: false,
      Labels: {},
      Options: {},
      IPAM: { Driver: 'default', Options: null, Config: [] },
      ...extra,
    };
  }

  private async put(net: NetworkRecord): Promise<void> {
    await this.store.save(net);
    this.networks.set(net.Id, net);
  }

  private async dropRecord(net: NetworkRecord): Promise<void> {
    this.networks.delete(net.Id);
    this.ipams.delete(net.Id);
    this.ipams6.delete(net.Id);
    delete this.cursors[net.Id];
    delete this.cursors[`${net.Id}/v6`];
    await this.store.remove(net.Id);
  }

  list(): NetworkRecord[] {
    return [...this.networks.values()];
  }

  /** By full ID, then name, then unique ID prefix (as Docker looks networks up). */
  find(ref: string): NetworkRecord | undefined {
    const byId = this.networks.get(ref);
    if (byId) return byId;
    const all = this.list();
    const byName = all.find((n) => n.Name === ref);
    if (byName) return byName;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = all.filter((n) => n.Id.startsWith(ref));
    return matches.length === 1 ? matches[0] : undefined;
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw new NotFoundError(`network ${ref} not found`);
    return n;
  }

  defaultBridge(): NetworkRecord | undefined {
    return this.list().find((n) => n.Predefined && n.Name === 'bridge');
  }

  isUserDefined(net: NetworkRecord): boolean {
    return !net.Predefined;
  }

  driver(net: NetworkRecord): NetworkDriver {
    const d = this.drivers.get(net.Driver);
    if (!d) throw new InvalidArgumentError(`network ${net.Name} (driver ${net.Driver}) has no endpoints`);
    return d;
  }

  ipam(net: NetworkRecord): Ipam {
    let ipam = this.ipams.get(net.Id);
    if (!ipam) {
      const c = net.IPAM.Config[0];
      if (!c) throw new InvalidArgumentError(`network ${net.Name} has no IPv4 subnet`);
      const subnet = parseCidr(c.Subnet)!;
      const range = c.IPRange ? parseCidr(c.IPRange) : undefined;
      ipam = new Ipam(subnet, parseIPv4(c.Gateway)!, range, this.cursors[net.Id]);
      for (const ip of Object.values(c.AuxiliaryAddresses ?? {})) ipam.adopt(parseIPv4(ip)!, 'auxiliary-address');
      this.ipams.set(net.Id, ipam);
    }
    return ipam;
  }

  /** The network's IPv6 address management, when the network has IPv6. */
  ipam6(net: NetworkRecord): Ipam6 | undefined {
    const c = v6Pool(net);
    if (!c) return undefined;
    let ipam = this.ipams6.get(net.Id);
    if (!ipam) {
      const subnet = parseCidr6(c.Subnet)!;
      const range = c.IPRange ? parseCidr6(c.IPRange) : undefined;
      ipam = new Ipam6(subnet, parseIPv6(c.Gateway)!, range, this.cursors[`${net.Id}/v6`]);
      for (const ip of Object.values(c.AuxiliaryAddresses ?? {})) ipam.adopt(parseIPv6(ip)!, 'auxiliary-address');
      this.ipams6.set(net.Id, ipam);
    }
    return ipam;
  }

  /** IPv6 subnets of the networks (but one). */
  private v6SubnetsTaken(except?: string): Subnet6[] {
    return this.list().filter((n) => n.Id !== except).flatMap((n) => n.IPAM.Config.map((c) => parseCidr6(c.Subnet)).filter((s): s is Subnet6 => !!s));
  }

  /** Remembers where the network's IPAM cursors are (saved off the hot path). */
  noteAllocation(net: NetworkRecord): void {
    const ipam = this.ipams.get(net.Id);
    if (!ipam) return;
    this.cursors[net.Id] = ipam.cursor;
    const ipam6 = this.ipams6.get(net.Id);
    if (ipam6) this.cursors[`${net.Id}/v6`] = ipam6.cursorOffset;
    this.store.saveCursors(() => ({ ...this.cursors }));
  }

  /** Hooks run when a network's host side comes up (the embedded DNS) or goes down. */
  onNetworkUp(fn: (net: NetworkRecord) => Promise<void>): void {
    this.onUp.push(fn);
  }
  onNetworkDown(fn: (net: NetworkRecord) => void): void {
    this.onDown.push(fn);
  }

  /** Brings the network's host side up once per daemon process (first use, or a restart). */
  ensureUp(net: NetworkRecord): Promise<void> {
    // A start that looked the network up just before `network rm` took it (found by the chaos
    // campaign: the bridge came back after the removal and stayed for good).
    if (!this.networks.has(net.Id) || this.removing.has(net.Id)) return Promise.reject(new NotFoundError(`network ${net.Name} not found`));
    let p = this.upState.get(net.Id);
    if (!p) {
      p = (async () => {
        await this.driver(net).up(net);
        for (const fn of this.onUp) await fn(net);
      })();
      this.upState.set(net.Id, p);
      p.catch(() => this.upState.delete(net.Id));
    }
    return p;
  }

  private async bringDown(net: NetworkRecord): Promise<void> {
    const d = this.drivers.get(net.Driver);
    this.upState.delete(net.Id);
    for (const fn of this.onDown) fn(net);
    await d?.down(net);
  }

  create(req: CreateNetworkRequest): Promise<{ Id: string; Warning: string }> {
    return this.creates.run(() => this.createNow(req));
  }

  private async createNow(req: CreateNetworkRequest): Promise<{ Id: string; Warning: string }> {
    const name = req.Name ?? '';
    if (!name) throw new InvalidArgumentError('network name is required');
    // Docker takes any name that is not blank (spaces included): the bridge's interface name
    // comes from the ID, so the name is only a label and a DNS suffix.
    if (!name.trim() || name.includes('/') || name.includes('\0')) throw new InvalidArgumentError(`invalid network name "${name}"`);
    if (this.list().some((n) => n.Name === name)) throw new ConflictError(`network with name ${name} already exists`);
    if (name === 'default') throw new InvalidArgumentError(`network name ${name} is reserved`);
    const driver = req.Driver || 'bridge';
    if (driver !== 'bridge') {
      if (driver === 'host' || driver === 'null') throw new InvalidArgumentError(`only one instance of "${driver}" network is allowed`);
      throw new NotFoundError(`plugin "${driver}" not found`);
    }
    if (req.EnableIPv4 === false) throw new InvalidArgumentError('IPv6-only networks (EnableIPv4: false) are not supported by berth');
    if (req.ConfigOnly || req.Ingress) throw new InvalidArgumentError('config-only and ingress networks are not supported by berth');
    const ipamDriver = req.IPAM?.Driver || 'default';
    if (ipamDriver !== 'default') throw new NotFoundError(`plugin "${ipamDriver}" not found`);
    const configs = (req.IPAM?.Config ?? []).filter((c) => c.Subnet || c.Gateway || c.IPRange);
    const v4 = configs.filter((c) => !isV6Config(c));
    if (v4.length > 1) throw new InvalidArgumentError('berth networks have one IPv4 subnet');
    const v6 = configs.filter(isV6Config);
    if (v6.length > 1) throw new InvalidArgumentError('berth networks have one IPv6 subnet');
    if (v6.length && !req.EnableIPv6) throw new InvalidArgumentError(`invalid network config: IPv6 subnet ${v6[0]!.Subnet || v6[0]!.Gateway} is given but IPv6 is not enabled (--ipv6)`);
    const pool6 = req.EnableIPv6 ? this.v6PoolFor(v6[0]) : undefined;
    const id = randomBytes(32).toString('hex');
    const taken = this.list().flatMap((n) => n.IPAM.Config.map((c) => parseCidr(c.Subnet)).filter((s): s is Subnet => !!s));
    let subnet: Subnet;
    const want = v4[0];
    if (want?.Subnet) {
      const s = parseCidr(want.Subnet);
      if (!s) throw new InvalidArgumentError(`invalid subnet ${want.Subnet}: invalid CIDR address: ${want.Subnet}`);
      if (taken.some((t) => overlaps(t, s))) throw new ConflictError('invalid pool request: Pool overlaps with other one on this address space');
      subnet = s;
    } else {
      if (want?.Gateway || want?.IPRange) throw new InvalidArgumentError('a gateway or an ip-range needs a subnet (--subnet)');
      subnet = nextFreeSubnet(this.config.pools, [...taken, ...hostRoutes()]);
    }
    let gateway = Ipam.defaultGateway(subnet);
    if (want?.Gateway) {
      const g = parseIPv4(want.Gateway);
      if (g === undefined || !contains(subnet, g)) throw new InvalidArgumentError(`invalid gateway ${want.Gateway}: not in subnet ${formatCidr(subnet)}`);
      gateway = g;
    }
    let range: Subnet | undefined;
    if (want?.IPRange) {
      range = parseCidr(want.IPRange);
      if (!range || !contains(subnet, range.base) || range.prefixLen < subnet.prefixLen) {
        throw new InvalidArgumentError(`invalid ip-range ${want.IPRange}: not in subnet ${formatCidr(subnet)}`);
      }
    }
    // Addresses the user keeps for devices outside berth (Docker's --aux-address): in the subnet,
    // never handed to a container.
    const aux: Record<string, string> = {};
    for (const [host, ip] of Object.entries(want?.AuxiliaryAddresses ?? {})) {
      const n = parseIPv4(ip);
      if (n === undefined || !contains(subnet, n)) throw new InvalidArgumentError(`auxiliary address: (${host}:${ip}) must belong to the master pool: ${formatCidr(subnet)}`);
      aux[host] = ip;
    }
    const options = { ...(req.Options ?? {}) };
    bridgeSettings(options);
    const bridge = options[BRIDGE_NAME_OPT] || this.bridgeNameFor(id);
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw new InvalidArgumentError(`invalid bridge name ${bridge}`);
    if (this.list().some((n) => n.BridgeName === bridge)) throw new ConflictError(`bridge name ${bridge} is used by another network`);
    const kind = hostInterfaceKind(bridge);
    if (kind === 'other') throw new InvalidArgumentError(`interface ${bridge} exists and is not a bridge: berth will not use it as a network's bridge`);
    const net = this.newRecord(name, 'bridge', {
      Id: id,
      Internal: !!req.Internal,
      Attachable: !!req.Attachable,
      Labels: { ...(req.Labels ?? {}) },
      Options: options,
      IPAM: {
        Driver: 'default',
        Options: req.IPAM?.Options ?? null,
        Config: [{
          Subnet: formatCidr(subnet), Gateway: formatIPv4(gateway), ...(range ? { IPRange: formatCidr(range) } : {}),
          ...(Object.keys(aux).length ? { AuxiliaryAddresses: aux } : {}),
        }],
      },
      BridgeName: bridge,
      ...(kind === 'bridge' ? { BridgeAdopted: true } : {}),
      ...(pool6 ? { EnableIPv6: true } : {}),
    });
    if (pool6) net.IPAM.Config.push(pool6);
    await this.put(net);
    this.events.publish('network', 'create', id, { name, type: 'bridge' });
    return { Id: id, Warning: '' };
  }

  /** Checks (or picks) a new network's IPv6 subnet, gateway, range and auxiliary addresses. */
  private v6PoolFor(want: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> | null } | undefined): IpamPoolConfig {
    let subnet: Subnet6;
    const taken = this.v6SubnetsTaken();
    if (want?.Subnet) {
      const s = parseCidr6(want.Subnet);
      if (!s) throw new InvalidArgumentError(`invalid subnet ${want.Subnet}: invalid CIDR address: ${want.Subnet}`);
      if (s.prefixLen > 126) throw new InvalidArgumentError(`invalid subnet ${want.Subnet}: the prefix is too long for a network`);
      if (taken.some((t) => overlaps6(t, s))) throw new ConflictError('invalid pool request: Pool overlaps with other one on this address space');
      subnet = s;
    } else {
      if (want?.Gateway || want?.IPRange) throw new InvalidArgumentError('a gateway or an ip-range needs a subnet (--subnet)');
      subnet = nextFreeSubnet6(this.config.pools6 ?? [], [...taken, ...hostRoutes6()]);
    }
    let gateway = firstHost6(subnet);
    if (want?.Gateway) {
      const g = parseIPv6(want.Gateway);
      if (g === undefined || !contains6(subnet, g)) throw new InvalidArgumentError(`invalid gateway ${want.Gateway}: not in subnet ${formatCidr6(subnet)}`);
      gateway = g;
    }
    let range: Subnet6 | undefined;
    if (want?.IPRange) {
      range = parseCidr6(want.IPRange);
      if (!range || !contains6(subnet, range.base) || range.prefixLen < subnet.prefixLen) {
        throw new InvalidArgumentError(`invalid ip-range ${want.IPRange}: not in subnet ${formatCidr6(subnet)}`);
      }
    }
    const aux: Record<string, string> = {};
    for (const [host, ip] of Object.entries(want?.AuxiliaryAddresses ?? {})) {
      const n = parseIPv6(ip);
      if (n === undefined || !contains6(subnet, n)) throw new InvalidArgumentError(`auxiliary address: (${host}:${ip}) must belong to the master pool: ${formatCidr6(subnet)}`);
      aux[host] = formatIPv6(n);
    }
    return {
      Subnet: formatCidr6(subnet), Gateway: formatIPv6(gateway), ...(range ? { IPRange: formatCidr6(range) } : {}),
      ...(Object.keys(aux).length ? { AuxiliaryAddresses: aux } : {}),
    };
  }

  private bridgeNameFor(id: string): string {
    const stem = `${this.config.prefix}-`;
    return stem + id.slice(0, 15 - stem.length);
  }

  async remove(ref: string): Promise<void> {
    let net = this.get(ref);
    // Two removals at once: the second waits for the first, then finds the network gone (404),
    // as it would have a moment later (both took the bridge down: one failed with a 500).
    for (let first = this.removing.get(net.Id); first; first = this.removing.get(net.Id)) {
      await first.catch(() => undefined);
      net = this.get(ref);
    }
    if (net.Predefined) throw new ConflictError(`${net.Name} is a pre-defined network and cannot be removed`);
    const active = this.activeEndpoints(net.Id);
    if (active.length) throw new ConflictError(`error while removing network: network ${net.Name} id ${net.Id} has active endpoints`);
    const removal = (async () => {
      // A bring-up in flight finishes first, so what it makes is taken down below.
      await this.upState.get(net.Id)?.catch(() => undefined);
      await this.bringDown(net);
      await this.dropRecord(net);
    })();
    this.removing.set(net.Id, removal);
    try {
      await removal;
    } finally {
      this.removing.delete(net.Id);
    }
    this.events.publish('network', 'destroy', net.Id, { name: net.Name, type: net.Driver });
  }

  async prune(filter: (n: NetworkRecord) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const n of this.list()) {
      if (n.Predefined || !filter(n) || this.activeEndpoints(n.Id).length) continue;
      await this.remove(n.Id);
      removed.push(n.Name);
    }
    return removed;
  }

  /**
   * Daemon stop. With nothing running, every network's host side goes (bridges, iptables rules);
   * with containers running, everything stays for them (live restore) and a restarted daemon
   * takes it over.
   */
  async close(anyRunning: boolean, teardownFirewall: () => Promise<void>): Promise<void> {
    await this.store.flush();
    if (anyRunning) return;
    for (const n of this.list()) {
      if (n.Driver !== 'bridge') continue;
      try {
        await this.bringDown(n);
      } catch {
        /* best effort at shutdown */
      }
    }
    await teardownFirewall();
  }
}

function hostRoutes6(): Subnet6[] {
  try {
    return parseProcIpv6Routes(readFileSync('/proc/net/ipv6_route', 'utf8'));
  } catch {
    return [];
  }
}

function hostRoutes(): Subnet[] {
  try {
    return parseProcRoutes(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}
