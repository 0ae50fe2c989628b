// The bridge driver, as Docker's: a Linux bridge per network holding the gateway address, a veth
// pair per endpoint (eth<N> inside, the host end on the bridge), NAT and isolation through the
// daemon's iptables chains (firewall.ts), published ports as DNAT rules.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import type { IpBatchSession } from '../../host/iproute.js';
import { ConflictError, SystemError } from '../../errors.js';
import { runCommand } from '../../host/command.js';
import { formatCidr, parseCidr } from './ipv4.js';
import { formatCidr6, parseCidr6, v6Pool } from './ipv6.js';
import type { Firewall } from './firewall.js';
import { embeddedDnsRoute, type IpPlan, type JoinOptions, type NetworkDriver } from './driver.js';
import type { PortRule } from './firewall-rules.js';
import type { PublishedPort } from './port-bindings.js';
import type { Endpoint, NetworkRecord } from './types.js';
import { bridgeSettings } from './bridge-options.js';

const IFNAMSIZ = 15;

/** Whether a host interface of that name exists, and whether it is a Linux bridge. */
export function hostInterfaceKind(name: string): 'none' | 'bridge' | 'other' {
  if (!existsSync(`/sys/class/net/${name}`)) return 'none';
  return existsSync(`/sys/class/net/${name}/bridge`) ? 'bridge' : 'other';
}

export class BridgeDriver implements NetworkDriver {
  readonly name = 'bridge';
  private forwarding = false;
  private forwarding6 = false;

  constructor(
    private readonly ip: IpBatchSession,
    private readonly firewall: Firewall,
    /** Host interface names start with it (veths: <prefix>v…). */
    private readonly prefix: string,
    /** The ip6tables side, for networks with IPv6. */
    private readonly firewall6?: Firewall,
  ) {}

  private pool(net: NetworkRecord): { subnet: string; gateway: string; prefixLen: number } {
    const c = net.IPAM.Config[0]!;
    const s = parseCidr(c.Subnet)!;
    return { subnet: formatCidr(s), gateway: c.Gateway, prefixLen: s.prefixLen };
  }

  exists(net: NetworkRecord): boolean {
    return !!net.BridgeName && existsSync(`/sys/class/net/${net.BridgeName}`);
  }

  async up(net: NetworkRecord): Promise<void> {
    const br = net.BridgeName!;
    // Never take over (and later delete) an interface that is not a bridge, e.g. the host's eth0.
    if (hostInterfaceKind(br) === 'other') throw new ConflictError(`interface ${br} exists and is not a bridge: berth will not use it as a network's bridge`);
    const { gateway, prefixLen, subnet } = this.pool(net);
    const lines = this.exists(net) ? [] : [`link add ${br} type bridge`];
    const v6 = v6Pool(net);
    if (v6) {
      // The bridge must take IPv6 before it gets its address (a host may default to it off).
      await this.ip.run(lines.splice(0));
      await fs.writeFile(`/proc/sys/net/ipv6/conf/${br}/disable_ipv6`, '0');
      // nodad: the gateway answers at once rather than after duplicate address detection.
      lines.push(`addr replace ${v6.Gateway}/${parseCidr6(v6.Subnet)!.prefixLen} dev ${br} nodad`);
    }
    // An MTU option sets the bridge's (and each veth pair's, at join); without, the kernel's.
    const mtu = bridgeSettings(net.Options, true).mtu;
    lines.push(`addr replace ${gateway}/${prefixLen} dev ${br}`, ...(mtu ? [`link set ${br} mtu ${mtu}`] : []), `link set ${br} up`);
    await this.ip.run(lines);
    // The host's own connections to a published port on 127.0.0.1 are DNATed to the bridge:
    // the kernel must accept a loopback source there (Docker sets the same).
    await Promise.all([
      fs.writeFile(`/proc/sys/net/ipv4/conf/${br}/route_localnet`, '1'),
      this.forwarding ? undefined : this.enableForwarding(),
    ]);
    const { icc, masquerade } = bridgeSettings(net.Options, true);
    if (!icc) await bridgedTrafficThroughIptables();
    await this.firewall.setNetwork(net.Id, {
      bridge: br, subnet, internal: net.Internal, guardLoopback: true, icc, masquerade,
      // Names are the embedded DNS server's on user-defined networks only, as docker's.
      embeddedDns: net.Predefined ? undefined : gateway,
    });
    if (v6 && this.firewall6) {
      if (!this.forwarding6) await this.enableForwarding6();
      await this.firewall6.setNetwork(net.Id, { bridge: br, subnet: formatCidr6(parseCidr6(v6.Subnet)!), internal: net.Internal, icc, masquerade });
    }
  }

  /** As for IPv4: a host that did not route IPv6 routes only what berth's ip6tables chains accept. */
  private async enableForwarding6(): Promise<void> {
    const f = '/proc/sys/net/ipv6/conf/all/forwarding';
    if ((await fs.readFile(f, 'utf8')).trim() !== '1') {
      await this.firewall6!.dropForwardByDefault();
      await fs.writeFile(f, '1');
    }
    this.forwarding6 = true;
  }

  private async enableForwarding(): Promise<void> {
    const f = '/proc/sys/net/ipv4/ip_forward';
    if ((await fs.readFile(f, 'utf8')).trim() !== '1') {
      // As dockerd: the host did not route before; now it routes only what berth's chains accept.
      await this.firewall.dropForwardByDefault();
      await fs.writeFile(f, '1');
    }
    this.forwarding = true;
  }

  async down(net: NetworkRecord): Promise<void> {
    await this.firewall.dropNetwork(net.Id);
    await this.firewall6?.dropNetwork(net.Id);
    // Only a bridge berth made is deleted: an adopted one (it existed at create) stays.
    if (!net.BridgeAdopted && hostInterfaceKind(net.BridgeName ?? '') === 'bridge') await this.ip.run([`link del ${net.BridgeName}`]);
  }

  hostIfName(): string {
    const stem = `${this.prefix}v`;
    return stem + randomBytes(8).toString('hex').slice(0, IFNAMSIZ - stem.length);
  }

  join(net: NetworkRecord, ep: Endpoint, opts: JoinOptions): IpPlan {
    const mtu = bridgeSettings(net.Options, true).mtu;
    // One queue each way, said at creation: a veth otherwise gets one per CPU and cuts them down
    // to one at once, and each cut waits for an expedited RCU grace period (four per pair).
    const withMtu = `${mtu ? ` mtu ${mtu}` : ''} numtxqueues 1 numrxqueues 1`;
    const create = [`link add ${ep.IfName} address ${ep.MacAddress}${withMtu} type veth peer name ${ep.HostIfName}${withMtu} netns ${opts.hostNetnsPid}`];
    const inside = [`addr add ${ep.IPAddress}/${ep.IPPrefixLen} dev ${ep.IfName}`, `link set ${ep.IfName} up`];
    if (ep.GlobalIPv6Address) inside.push(`addr add ${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen} dev ${ep.IfName} nodad`);
    for (const ll of ep.LinkLocalIPs ?? []) inside.push(`addr add ${ll}/${ll.includes(':') ? 64 : 16} dev ${ep.IfName}${ll.includes(':') ? ' nodad' : ''}`);
    // An internal network has no way out: no default route through it.
    if (opts.defaultRoute && !net.Internal) inside.push(`route add default via ${ep.Gateway} dev ${ep.IfName}`);
    if (opts.defaultRoute6 && !net.Internal && ep.IPv6Gateway) inside.push(`route add default via ${ep.IPv6Gateway} dev ${ep.IfName}`);
    if (opts.embeddedDns) inside.push(embeddedDnsRoute(ep));
    return {
      hostBefore: [],
      create,
      inside,
      // Hairpin: a container reaching its own published port through the host comes back to it.
      hostAfter: [`link set ${ep.HostIfName} master ${net.BridgeName} up`, `link set dev ${ep.HostIfName} type bridge_slave hairpin on`],
    };
  }

  leave(_net: NetworkRecord, ep: Endpoint): IpPlan {
    return { hostBefore: [`link del ${ep.HostIfName}`], inside: [], hostAfter: [] };
  }

  private rules(ep: Endpoint, ports: PublishedPort[]): PortRule[] {
    return ports.map((p) => ({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp: ep.IPAddress, containerPort: p.containerPort }));
  }

  /**
   * An endpoint with IPv6: a port published on every address (no host IP given) answers on the
   * host's IPv6 addresses too, DNATed to the container's IPv6 address, as dockerd 28 does ([::1]
   * excepted: the kernel routes no loopback IPv6 source out of lo, and berth has no userland proxy).
   */
  private rules6(ep: Endpoint, ports: PublishedPort[]): PortRule[] {
    if (!ep.GlobalIPv6Address || !this.firewall6) return [];
    return ports.filter((p) => p.hostIp === '0.0.0.0').map((p) => ({
      proto: p.proto, hostIp: '', hostPort: p.hostPort, containerIp: `[${ep.GlobalIPv6Address}]`, containerPort: p.containerPort,
    }));
  }

  async publish(_net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): Promise<void> {
    await this.firewall.addPorts(key, this.rules(ep, ports));
    const v6 = this.rules6(ep, ports);
    if (v6.length) {
      await this.firewall6!.addPorts(key, v6).catch(async (e: unknown) => {
        await this.firewall.removePorts(key, this.rules(ep, ports));
        throw e;
      });
    }
  }

  adopt(_net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): void {
    this.firewall.adoptPorts(key, this.rules(ep, ports));
    this.firewall6?.adoptPorts(key, this.rules6(ep, ports));
  }

  async unpublish(_net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): Promise<void> {
    await this.firewall.removePorts(key, this.rules(ep, ports));
    const v6 = this.rules6(ep, ports);
    if (v6.length) await this.firewall6!.removePorts(key, v6);
  }
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/**
 * enable_icc=false drops traffic between two ports of a bridge in iptables, which sees bridged
 * frames only through br_netfilter (dockerd loads it too).
 */
async function bridgedTrafficThroughIptables(): Promise<void> {
  if (!existsSync(BRIDGE_NF)) await runCommand('modprobe', ['br_netfilter'], { allowFailure: true }).catch(() => undefined);
  if (!existsSync(BRIDGE_NF)) throw new SystemError('enable_icc=false needs the br_netfilter kernel module, which could not be loaded');
  if ((await fs.readFile(BRIDGE_NF, 'utf8')).trim() !== '1') await fs.writeFile(BRIDGE_NF, '1');
}
