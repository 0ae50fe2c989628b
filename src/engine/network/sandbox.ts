// A container's network sandbox: the network namespace it runs in and its endpoints on each
// network it is attached to. Set-up happens on start, before the runtime runs: a namespace is
// taken from the pool (host/netns.ts), its interfaces configured, and the runtime joins it by
// path; then its holder is let go, so the namespace ends with the container. Tear-down (exit,
// removal) releases addresses, ports and names; network connect/disconnect plug endpoints into
// a running sandbox; a restarted daemon re-adopts running sandboxes.
import { randomBytes } from 'node:crypto';
import { NetnsPool, type NetnsHolder } from '../../host/netns.js';
import { processLives } from '../../host/pid.js';
import { ipBatchInNetns, type IpBatchSession } from '../../host/iproute.js';
import { ConflictError, InvalidArgumentError, NotFoundError, SystemError, errorMessage } from '../../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { ContainerRecord } from '../containers/types.js';
import { attachment, planNetworks, validateEndpoint, type NetworkPlan, type PlanInput } from './attachments.js';
import { embeddedDnsRoute, type IpPlan } from './driver.js';
import { EmbeddedDns } from './dns-server.js';
import { EndpointNames } from './endpoint-names.js';
import { formatIPv4, parseCidr, parseIPv4 } from './ipv4.js';
import { formatIPv6, parseCidr6, parseIPv6, v6Pool } from './ipv6.js';
import type { NetworkService } from './network-service.js';
import { parsePortKey, portMap, portRequests, type PublishedPort } from './port-bindings.js';
import { PortReservations } from './port-reservations.js';
import type { Endpoint, EndpointRequest, NetworkAttachment, NetworkRecord, PortMap } from './types.js';
import { isRunning } from '../containers/state.js';
import { bridgeSettings } from './bridge-options.js';

export interface ContainerAccess {
  find(ref: string): ContainerRecord | undefined;
  list(): ContainerRecord[];
}

/** What a connect or disconnect changed in a container's record, for its owner to save. */
export interface EndpointChange {
  /** The network (undefined: a disconnect from a network removed since). */
  network?: NetworkRecord;
  /** The container's addresses before the change (its /etc/hosts follows). */
  addressesBefore: string[];
  /** Whether a running container's interfaces changed too, not only its record. */
  live: boolean;
}

/** What the runner needs to start a container in its network. */
export type NetworkSetup =
  | { mode: 'host'; hostGateway?: string }
  | { mode: 'none'; hostGateway?: string }
  /** Joins another container's namespace and shares its /etc/hosts and /etc/resolv.conf. */
  | { mode: 'container'; netns: string; shareEtcWith: string; hostGateway?: string }
  | {
      mode: 'sandbox';
      netns: string;
      /** Lets the namespace's holder go, once the runtime has put the container in it. */
      release(): void;
      /** The container's address on its first network, for /etc/hosts. */
      address: string;
      /** Its IPv6 address there, when that network has IPv6. */
      address6?: string;
      /** Whether the container is on a user-defined network: its resolver is the embedded DNS. */
      embeddedDns: boolean;
      hostGateway?: string;
    };

interface Joined {
  name: string;
  net: NetworkRecord;
  att: NetworkAttachment;
  ep: Endpoint;
}

export interface SandboxOptions {
  ip: IpBatchSession;
  /** Tags the processes holding namespaces (the daemon's exec root). */
  owner: string;
  events: EventBus;
  containers: ContainerAccess;
  /** Where the embedded DNS relays names it does not know ("ip" or "ip:port"). */
  upstreams: () => string[];
  log: { warn(m: string): void };
}

/**
 * Whether the container's process, and so its network namespace, is still there. A process that
 * has ended but is not reaped yet (a zombie) has no namespace left: it counts as stopped.
 */
const stillRunning = (rec: ContainerRecord): boolean => isRunning(rec) && !!rec.Sandbox && processLives(rec.State.Pid);

/**
 * An exiting process lets go of its namespaces before it is a zombie: nsenter then finds no
 * /proc/PID/ns/net while the process still looks alive (found by the fault campaign).
 */
const namespaceGone = (e: unknown): boolean => /\/proc\/\d+\/ns\/\w+: No such file or directory/.test(errorMessage(e));

/** The container's addresses on its networks (IPv4, and IPv6 where a network has it), while it runs. */
const addresses = (rec: ContainerRecord) => Object.values(rec.Networks ?? {})
  .flatMap((a) => (a.Endpoint ? [a.Endpoint.IPAddress, ...(a.Endpoint.GlobalIPv6Address ? [a.Endpoint.GlobalIPv6Address] : [])] : []));

/** 02:42 and the address, as Docker's bridge driver made MACs: unique while addresses are. */
function macFor(ip: number): string {
  return ['02', '42', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export class SandboxService {
  readonly reservations = new PortReservations();
  readonly dns: EmbeddedDns;
  /** Who is who on the networks, for the embedded DNS. */
  private readonly names: EndpointNames;
  /** Namespaces made for starts the runtime has not joined yet, by container ID. */
  private readonly holders = new Map<string, NetnsHolder>();
  /** Containers whose start is plugging them into a network, by network ID (see activeEndpoints). */
  private readonly joining = new Map<string, Set<string>>();
  private readonly pool: NetnsPool;

  constructor(private readonly networks: NetworkService, private readonly o: SandboxOptions) {
    this.names = new EndpointNames(networks, o.containers, o.upstreams);
    this.dns = new EmbeddedDns(this.names, o.log);
    this.pool = new NetnsPool(2, o.owner);
    networks.onNetworkUp(async (net) => {
      if (networks.isUserDefined(net)) await this.dns.listen(net.IPAM.Config[0]!.Gateway);
    });
    networks.onNetworkDown((net) => {
      if (networks.isUserDefined(net) && net.IPAM.Config[0]) this.dns.close(net.IPAM.Config[0].Gateway);
    });
  }

  /** A running container's network namespace. */
  static netnsOf(rec: ContainerRecord): string {
    return `/proc/${rec.State.Pid}/ns/net`;
  }

  /** Networks of a new container (create's checks). */
  plan(input: Omit<PlanInput, 'containerExists'>): NetworkPlan {
    return planNetworks(this.networks, { ...input, containerExists: (ref) => !!this.o.containers.find(ref) });
  }

  private hostGateway(): string | undefined {
    return this.networks.defaultBridge()?.IPAM.Config[0]?.Gateway;
  }

  /** The container's attachments, its primary network (NetworkMode) first. */
  private attachments(rec: ContainerRecord): Array<[string, NetworkAttachment]> {
    const entries = Object.entries(rec.Networks ?? {});
    const mode = rec.HostConfig?.NetworkMode ?? '';
    const primary = this.networks.find(mode === 'default' ? 'bridge' : mode);
    return entries.sort(([, a], [, b]) => Number(b.NetworkID === primary?.Id) - Number(a.NetworkID === primary?.Id));
  }

  /** See ContainerNetwork.setUp (containers/runner.ts): `withAddresses` runs beside the interfaces' set-up. */
  async setUp(rec: ContainerRecord, withAddresses: (setup: NetworkSetup) => Promise<void> = async () => undefined): Promise<NetworkSetup> {
    const setup = await this.configure(rec, withAddresses);
    if (setup.mode !== 'sandbox') await withAddresses(setup);
    return setup;
  }

  private async configure(rec: ContainerRecord, withAddresses: (setup: NetworkSetup) => Promise<void>): Promise<NetworkSetup> {
    const hostGateway = this.hostGateway();
    // As dockerd: a namespace of its own with only lo, whatever the mode or a later connect says.
    if (rec.Config.NetworkDisabled) return { mode: 'none', hostGateway };
    const mode = rec.HostConfig.NetworkMode || 'bridge';
    if (mode.startsWith('container:')) return this.shareWith(mode.slice('container:'.length), hostGateway);
    const atts = this.attachments(rec).map(([name, att]) => {
      // One missing at create is looked for by name now, as dockerd does.
      const net = this.networks.find(att.NetworkID || name);
      if (!net) throw new NotFoundError(`network ${name} not found`);
      att.NetworkID = net.Id;
      return { name, att, net };
    }).filter((a) => a.net.Driver === 'bridge');
    if (!atts.length) {
      const hostMode = mode === 'host' || this.networks.find(mode)?.Driver === 'host';
      return hostMode ? { mode: 'host', hostGateway } : { mode: 'none', hostGateway };
    }
    // Users of the networks from here on, before they have endpoints: a `network rm` meanwhile
    // took the bridge down under the start (500 "Device does not exist"); now it is refused.
    return this.whileJoining(rec.Id, atts.map((a) => a.net), () => this.plugIn(rec, atts, hostGateway, withAddresses));
  }

  private async plugIn(
    rec: ContainerRecord,
    atts: Array<{ name: string; att: NetworkAttachment; net: NetworkRecord }>,
    hostGateway: string | undefined,
    withAddresses: (setup: NetworkSetup) => Promise<void>,
  ): Promise<NetworkSetup> {
    await Promise.all(atts.map((a) => this.networks.ensureUp(a.net)));
    // Host ports first: a busy port fails the start before anything is made.
    // Published on the first network, where a port without a host address binds to its host_binding_ipv4.
    const requests = portRequests(rec.Config.ExposedPorts, rec.HostConfig.PortBindings, !!rec.HostConfig.PublishAllPorts, bridgeSettings(atts[0]?.net.Options, true).hostBindingIpv4);
    let published: PublishedPort[] = [];
    try {
      published = requests.length ? await this.reservations.reserve(rec.Id, requests) : [];
    } catch (e) {
      // docker answers 500 for a port it cannot bind.
      throw new SystemError(`driver failed programming external connectivity on endpoint ${rec.Name.slice(1)} (${rec.Id.slice(0, 12)}): ${errorMessage(e)}`);
    }
    const joined: Joined[] = [];
    let holder: NetnsHolder | undefined;
    let setup: NetworkSetup & { mode: 'sandbox' };
    // The caller's own work failed (e.g. writing the etc files): its error, not a network one.
    let callerFailure: unknown;
    try {
      holder = await this.pool.take();
      atts.forEach((a, i) => joined.push({ ...a, ep: this.allocate(rec, a.net, a.att, `eth${i}`) }));
      const h = holder;
      const dnsNet = joined.find((j) => this.networks.isUserDefined(j.net));
      setup = {
        mode: 'sandbox',
        netns: h.path,
        release: () => {
          if (this.holders.get(rec.Id) === h) this.holders.delete(rec.Id);
          h.release();
        },
        address: joined[0]!.ep.IPAddress,
        address6: joined[0]!.ep.GlobalIPv6Address,
        embeddedDns: !!dnsNet,
        hostGateway,
      };
      const first6 = joined.findIndex((j) => j.ep.GlobalIPv6Address);
      const plans = joined.map((j, i) => this.networks.driver(j.net).join(j.net, j.ep, {
        defaultRoute: i === 0, defaultRoute6: i === first6, hostNetnsPid: process.pid, embeddedDns: j === dnsNet,
      }));
      // Both settle before a failure is handled: nothing is written after the release below.
      const results = await Promise.allSettled([this.runPlans(h, plans), withAddresses(setup).catch((err: unknown) => {
        callerFailure = err;
        throw err;
      })]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (published.length) await this.networks.driver(joined[0]!.net).publish(joined[0]!.net, joined[0]!.ep, published, rec.Id);
    } catch (e) {
      for (const j of joined) this.releaseAddresses(j.net, j.ep, rec.Id);
      this.reservations.release(rec.Id);
      // Without its holder the namespace, and any veth made in it, is gone.
      holder?.release();
      if (e === callerFailure || e instanceof ConflictError || e instanceof InvalidArgumentError) throw e;
      throw new SystemError(`failed to set up the container's network: ${errorMessage(e)}`);
    }
    for (const j of joined) {
      j.att.Endpoint = j.ep;
      this.names.add(j.net, j.ep.IPAddress, rec.Id);
      this.o.events.publish('network', 'connect', j.net.Id, { container: rec.Id, name: j.net.Name, type: j.net.Driver });
    }
    this.holders.set(rec.Id, holder);
    rec.Sandbox = {
      SandboxID: randomBytes(32).toString('hex'),
      Ports: portMap(rec.Config.ExposedPorts, rec.HostConfig.PortBindings, published),
      ...(published.length ? { PortsEndpointID: joined[0]!.ep.EndpointID } : {}),
    };
    return setup;
  }

  /** --network container:<ref>: the other container's namespace, which must be running. */
  private shareWith(ref: string, hostGateway: string | undefined): NetworkSetup {
    const target = this.o.containers.find(ref);
    if (!target) throw new NotFoundError(`No such container: ${ref}`);
    if (!isRunning(target)) throw new ConflictError(`cannot join network namespace of a non running container: ${target.Id}`);
    if ((target.HostConfig.NetworkMode ?? '') === 'host') return { mode: 'host', hostGateway };
    return { mode: 'container', netns: SandboxService.netnsOf(target), shareEtcWith: target.Id, hostGateway };
  }

  private allocate(rec: ContainerRecord, net: NetworkRecord, att: NetworkAttachment, ifName: string): Endpoint {
    const ipam = this.networks.ipam(net);
    const wanted = att.IPAMConfig?.IPv4Address;
    const ip = wanted ? ipam.request(wanted, rec.Id) : ipam.allocate(rec.Id);
    const pool = net.IPAM.Config[0]!;
    // A network with IPv6 gives every endpoint an address of each family (--ip6, else the next).
    const ipam6 = this.networks.ipam6(net);
    let v6: bigint | undefined;
    if (ipam6) {
      try {
        const wanted6 = att.IPAMConfig?.IPv6Address;
        v6 = wanted6 ? ipam6.request(wanted6, rec.Id) : ipam6.allocate(rec.Id);
      } catch (e) {
        ipam.release(ip, rec.Id);
        throw e;
      }
    }
    this.networks.noteAllocation(net);
    const pool6 = v6Pool(net);
    return {
      EndpointID: randomBytes(32).toString('hex'),
      IfName: ifName,
      HostIfName: this.networks.driver(net).hostIfName(),
      IPAddress: formatIPv4(ip),
      IPPrefixLen: parseCidr(pool.Subnet)!.prefixLen,
      Gateway: pool.Gateway,
      MacAddress: att.MacAddress || macFor(ip),
      ...(v6 !== undefined && pool6 ? { GlobalIPv6Address: formatIPv6(v6), GlobalIPv6PrefixLen: parseCidr6(pool6.Subnet)!.prefixLen, IPv6Gateway: pool6.Gateway } : {}),
      ...(att.IPAMConfig?.LinkLocalIPs?.length ? { LinkLocalIPs: [...att.IPAMConfig.LinkLocalIPs] } : {}),
    };
  }

  /** Gives an endpoint's addresses back to the network's IPAM (both families). */
  private releaseAddresses(net: NetworkRecord, ep: Endpoint, owner: string): void {
    if (!net.IPAM.Config[0]) return;
    this.networks.ipam(net).release(parseIPv4(ep.IPAddress)!, owner);
    const v6 = ep.GlobalIPv6Address ? parseIPv6(ep.GlobalIPv6Address) : undefined;
    if (v6 !== undefined) this.networks.ipam6(net)?.release(v6, owner);
  }

  /**
   * Runs the ip commands of endpoints, phase by phase: in berthd's host session and inside the
   * sandbox (through its holder, or with nsenter into a running container's namespace). With a
   * holder, the interfaces are made first, then configured inside and on the host at once
   * (~0.4 ms off a start, where the host's part waited for the addresses and routes).
   */
  private async runPlans(sandbox: NetnsHolder | string, plans: IpPlan[]): Promise<void> {
    const create = plans.flatMap((p) => p.create ?? []);
    const inside = plans.flatMap((p) => p.inside);
    const hostAfter = plans.flatMap((p) => p.hostAfter);
    await this.o.ip.run(plans.flatMap((p) => p.hostBefore));
    if (typeof sandbox === 'string') {
      // A one-shot process: one batch.
      await ipBatchInNetns(sandbox, [...create, ...inside]);
      await this.o.ip.run(hostAfter);
      return;
    }
    await sandbox.run(create);
    const results = await Promise.allSettled([sandbox.run(inside), this.o.ip.run(hostAfter)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Releases everything of a stopped (or never started) container's network; idempotent. */
  async tearDown(rec: ContainerRecord): Promise<void> {
    const sb = rec.Sandbox;
    const atts = this.attachments(rec);
    if (sb?.PortsEndpointID) {
      const owner = atts.find(([, a]) => a.Endpoint?.EndpointID === sb.PortsEndpointID)?.[1];
      const net = owner && this.networks.find(owner.NetworkID);
      if (owner?.Endpoint && net) {
        await this.networks.driver(net).unpublish(net, owner.Endpoint, publishedPorts(sb.Ports), rec.Id)
          .catch((e) => this.o.log.warn(`unpublishing ports of ${rec.Id.slice(0, 12)}: ${errorMessage(e)}`));
      }
    }
    this.reservations.release(rec.Id);
    for (const [, att] of atts) {
      const ep = att.Endpoint;
      if (!ep) continue;
      const net = this.networks.find(att.NetworkID);
      if (net) this.releaseAddresses(net, ep, rec.Id);
      this.names.remove(net, ep.IPAddress, rec.Id);
      delete att.Endpoint;
      if (net) this.o.events.publish('network', 'disconnect', net.Id, { container: rec.Id, name: net.Name, type: net.Driver });
    }
    rec.Sandbox = undefined;
    // A start that failed before the runtime joined: its namespace goes with the holder. (Once
    // joined, the namespace ends with the container's last process, veths and all.)
    this.holders.get(rec.Id)?.release();
    this.holders.delete(rec.Id);
  }

  /** Daemon start: takes over the sandboxes of containers still running. */
  async restore(running: ContainerRecord[]): Promise<void> {
    const nets = new Map<string, NetworkRecord>();
    for (const rec of running) {
      const sb = rec.Sandbox;
      if (!sb) continue;
      for (const [, att] of this.attachments(rec)) {
        const net = this.networks.find(att.NetworkID);
        if (!att.Endpoint || !net || net.Driver !== 'bridge') continue;
        this.networks.ipam(net).adopt(parseIPv4(att.Endpoint.IPAddress)!, rec.Id);
        const v6 = att.Endpoint.GlobalIPv6Address ? parseIPv6(att.Endpoint.GlobalIPv6Address) : undefined;
        if (v6 !== undefined) this.networks.ipam6(net)?.adopt(v6, rec.Id);
        this.names.add(net, att.Endpoint.IPAddress, rec.Id);
        nets.set(net.Id, net);
        if (sb.PortsEndpointID === att.Endpoint.EndpointID) {
          const ports = publishedPorts(sb.Ports);
          this.networks.driver(net).adopt(net, att.Endpoint, ports, rec.Id);
          const failed = await this.reservations.adopt(rec.Id, ports);
          for (const f of failed) this.o.log.warn(`container ${rec.Id.slice(0, 12)}: cannot hold host port ${f}`);
        }
      }
    }
    // Brought up after every port is known: the rewrite of the rules includes them all.
    for (const net of nets.values()) {
      await this.networks.ensureUp(net).catch((e) => this.o.log.warn(`network ${net.Name}: ${errorMessage(e)}`));
    }
  }

  /**
   * POST /networks/{id}/connect: adds the network to the container's attachments and, when it
   * runs, plugs an endpoint into its namespace. The caller (ContainerService.connectNetwork)
   * saves the record, one change of a container at a time, and then calls announce().
   */
  async connect(rec: ContainerRecord, netRef: string, req: EndpointRequest): Promise<EndpointChange> {
    const net = this.networks.get(netRef);
    const mode = rec.HostConfig.NetworkMode ?? '';
    if (mode.startsWith('container:') || mode === 'host' || net.Driver !== 'bridge') {
      throw new InvalidArgumentError('container sharing network namespace with another container or host cannot be connected to any other network');
    }
    if (mode === 'none' || Object.values(rec.Networks ?? {}).some((a) => this.networks.find(a.NetworkID)?.Driver === 'null')) {
      throw new InvalidArgumentError('container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
    if (rec.Networks?.[net.Name]) throw new ConflictError(`endpoint with name ${rec.Name.slice(1)} already exists in network ${net.Name}`);
    validateEndpoint(net, req, this.networks.isUserDefined(net));
    const att = attachment(net, req);
    const before = addresses(rec);
    if (isRunning(rec) && rec.Sandbox) {
      // A user of the network from here on: a `network rm` meanwhile is refused (it took the
      // bridge down under the connect: 500 "Device does not exist").
      await this.whileJoining(rec.Id, [net], () => this.plugInto(rec, net, att));
    }
    rec.Networks = { ...(rec.Networks ?? {}), [net.Name]: att };
    return { network: net, addressesBefore: before, live: !!att.Endpoint };
  }

  /**
   * The endpoint a container reaches the embedded DNS (its 127.0.0.11) through: its first on a
   * user-defined network, as the resolv.conf its runner writes says.
   */
  private dnsEndpoint(rec: ContainerRecord): Endpoint | undefined {
    for (const a of Object.values(rec.Networks ?? {})) {
      const net = this.networks.find(a.NetworkID);
      if (a.Endpoint && net && this.networks.isUserDefined(net)) return a.Endpoint;
    }
    return undefined;
  }

  /** connect's endpoint in a running container's namespace; a container gone meanwhile keeps it for its next start. */
  private async plugInto(rec: ContainerRecord, net: NetworkRecord, att: NetworkAttachment): Promise<void> {
    await this.networks.ensureUp(net);
    const used = Object.values(rec.Networks ?? {}).map((a) => Number(a.Endpoint?.IfName.replace(/^eth/, '') ?? -1));
    const ep = this.allocate(rec, net, att, `eth${Math.max(-1, ...used) + 1}`);
    // The first endpoint with IPv6 gives the container its IPv6 default route; the first on a
    // user-defined network its embedded DNS.
    const had6 = Object.values(rec.Networks ?? {}).some((a) => a.Endpoint?.GlobalIPv6Address);
    const embeddedDns = this.networks.isUserDefined(net) && !this.dnsEndpoint(rec);
    let plugged = true;
    try {
      await this.runPlans(SandboxService.netnsOf(rec), [this.networks.driver(net).join(net, ep, { defaultRoute: false, defaultRoute6: !had6, hostNetnsPid: process.pid, embeddedDns })]);
    } catch (e) {
      this.releaseAddresses(net, ep, rec.Id);
      // The container went meanwhile (its namespace with it): removed is docker's 404; stopped,
      // or its process gone before its exit is handled, is a connect of a stopped container,
      // recorded for its next start.
      if (this.o.containers.find(rec.Id) !== rec) throw new NotFoundError(`No such container: ${rec.Name.slice(1)}`);
      if (stillRunning(rec) && !namespaceGone(e)) throw new SystemError(`failed to connect ${rec.Name.slice(1)} to ${net.Name}: ${errorMessage(e)}`);
      plugged = false;
    }
    if (plugged) {
      att.Endpoint = ep;
      this.names.add(net, ep.IPAddress, rec.Id);
    }
  }

  /** Runs `fn` with container `id` counted as a user of `nets` (activeEndpoints) until it settles. */
  private async whileJoining<T>(id: string, nets: NetworkRecord[], fn: () => Promise<T>): Promise<T> {
    for (const n of nets) this.joining.set(n.Id, (this.joining.get(n.Id) ?? new Set<string>()).add(id));
    try {
      return await fn();
    } finally {
      for (const n of nets) {
        const ids = this.joining.get(n.Id);
        ids?.delete(id);
        if (!ids?.size) this.joining.delete(n.Id);
      }
    }
  }

  /** POST /networks/{id}/disconnect: as connect, the caller saves the record and announces. */
  async disconnect(rec: ContainerRecord, netRef: string, force: boolean): Promise<EndpointChange> {
    const net = this.networks.find(netRef);
    const entry = Object.entries(rec.Networks ?? {}).find(([name, a]) => a.NetworkID === net?.Id || (!net && name === netRef));
    if (!entry) {
      if (!net) throw new NotFoundError(`network ${netRef} not found`);
      throw new ConflictError(`container ${rec.Id} is not connected to network ${net.Name}`);
    }
    const [name, att] = entry;
    const ep = att.Endpoint;
    const before = addresses(rec);
    if (ep && net && rec.Sandbox) {
      if (rec.Sandbox.PortsEndpointID === ep.EndpointID) {
        await this.networks.driver(net).unpublish(net, ep, publishedPorts(rec.Sandbox.Ports), rec.Id).catch(() => undefined);
        this.reservations.release(rec.Id);
        rec.Sandbox = { ...rec.Sandbox, Ports: portMap(rec.Config.ExposedPorts, rec.HostConfig.PortBindings, []) };
        delete rec.Sandbox.PortsEndpointID;
      }
      try {
        await this.runPlans(SandboxService.netnsOf(rec), [this.networks.driver(net).leave(net, ep)]);
      } catch (e) {
        // Its interface is gone already when the container's namespace went with its process
        // (stopped or killed meanwhile): disconnected all the same (found by the fault campaign).
        const gone = !stillRunning(rec) || namespaceGone(e) || /No such device|Cannot find device/.test(errorMessage(e));
        if (!force && !gone) throw new SystemError(`failed to disconnect ${rec.Name.slice(1)} from ${net.Name}: ${errorMessage(e)}`);
      }
      this.releaseAddresses(net, ep, rec.Id);
      this.names.remove(net, ep.IPAddress, rec.Id);
    }
    const dnsBefore = this.dnsEndpoint(rec);
    const rest = { ...(rec.Networks ?? {}) };
    delete rest[name];
    rec.Networks = rest;
    // The embedded DNS's route went with its interface: the next user-defined network carries it.
    const dnsNow = this.dnsEndpoint(rec);
    if (ep && rec.Sandbox && dnsBefore === ep && dnsNow && stillRunning(rec)) {
      await ipBatchInNetns(SandboxService.netnsOf(rec), [embeddedDnsRoute(dnsNow)]).catch((e: unknown) => {
        if (stillRunning(rec) && !namespaceGone(e)) throw new SystemError(`failed to move the embedded DNS of ${rec.Name.slice(1)}: ${errorMessage(e)}`);
      });
    }
    return { network: net, addressesBefore: before, live: !!(ep && rec.Sandbox) };
  }

  /** The network event of a change its owner has recorded (docker's connect / disconnect). */
  announce(rec: ContainerRecord, change: EndpointChange, action: 'connect' | 'disconnect'): void {
    const net = change.network;
    if (net) this.o.events.publish('network', action, net.Id, { container: rec.Id, name: net.Name, type: net.Driver });
  }

  /**
   * Containers with an endpoint on the network, or being plugged into it by their start (docker's
   * "active endpoints", which a `network rm` refuses). An endpoint lives from the start's
   * network set-up to the container's teardown.
   */
  activeEndpoints(networkId: string): string[] {
    const ids = new Set(this.joining.get(networkId));
    for (const c of this.o.containers.list()) {
      if (Object.values(c.Networks ?? {}).some((a) => a.NetworkID === networkId && a.Endpoint)) ids.add(c.Id);
    }
    return [...ids];
  }

  /** Daemon stop: spare namespaces go; DNS and held ports close (the kernel would anyway). */
  /** berthd is idle for a moment (an exit handled): the namespaces starts took are made again now. */
  idle(): void {
    this.pool.refill();
  }

  async close(): Promise<void> {
    await this.pool.close();
    for (const h of this.holders.values()) h.release();
    this.dns.closeAll();
    this.reservations.closeAll();
  }
}

/** The host ports in a NetworkSettings.Ports map. */
export function publishedPorts(ports: PortMap): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [key, list] of Object.entries(ports)) {
    const { port, proto } = parsePortKey(key);
    for (const b of list ?? []) out.push({ containerPort: port, proto, hostIp: b.HostIp, hostPort: Number(b.HostPort) });
  }
  return out;
}
