// The network driver interface: what a kind of network (bridge today; macvlan or ipvlan could
// follow) does on the host. Drivers describe how an endpoint is plugged in as iproute2 commands
// rather than running them, so the sandbox code can run the commands of every network a
// container joins in as few processes as possible (see sandbox.ts).
import type { PublishedPort } from './port-bindings.js';
import { EMBEDDED_DNS_ADDRESS, type Endpoint, type NetworkRecord } from './types.js';

/**
 * iproute2 commands (`ip -batch` lines) that plug an endpoint in or out, in phases: `hostBefore`,
 * then `create`, then `inside` and `hostAfter` side by side (each needs only what `create` made).
 */
export interface IpPlan {
  /** Run in the host's namespace first (e.g. create a macvlan into the sandbox). */
  hostBefore: string[];
  /** Run inside the sandbox's namespace: the interfaces the later phases configure (a veth pair). */
  create?: string[];
  /** Run inside the sandbox's namespace after `create` (addresses, routes). */
  inside: string[];
  /** Run in the host's namespace after `create` (e.g. put a veth's host end on a bridge). */
  hostAfter: string[];
}

export interface JoinOptions {
  /** Whether this endpoint gives the sandbox its default route. */
  defaultRoute: boolean;
  /** Whether this endpoint gives the sandbox its IPv6 default route (the first with IPv6). */
  defaultRoute6?: boolean;
  /** A PID in the host's network namespace (berthd's), where host-side interfaces go. */
  hostNetnsPid: number;
  /** Whether the sandbox's 127.0.0.11 (the embedded DNS) is reached through this endpoint. */
  embeddedDns?: boolean;
}

export interface NetworkDriver {
  readonly name: string;
  /** Makes the network's host side exist and current; idempotent (first use, daemon restart). */
  up(net: NetworkRecord): Promise<void>;
  /** Removes the network's host side. */
  down(net: NetworkRecord): Promise<void>;
  /** Whether anything of the network is left on the host (for teardown after a crash). */
  exists(net: NetworkRecord): boolean;
  join(net: NetworkRecord, ep: Endpoint, opts: JoinOptions): IpPlan;
  /** Unplugs an endpoint from a sandbox that lives on (network disconnect). */
  leave(net: NetworkRecord, ep: Endpoint): IpPlan;
  /** Makes published host ports reach the endpoint; `key` names the set for unpublish. */
  publish(net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): Promise<void>;
  unpublish(net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): Promise<void>;
  /** Takes over ports published by a previous daemon process (applied when the network comes up). */
  adopt(net: NetworkRecord, ep: Endpoint, ports: PublishedPort[], key: string): void;
  /** A fresh name for an endpoint's host-side interface. */
  hostIfName(): string;
}

/**
 * The ip command that sends a sandbox's 127.0.0.11 (the embedded DNS) to the gateway of the
 * endpoint's network, whose DNAT hands it to berthd's DNS there (firewall-rules.ts). More specific
 * than the local table's 127.0.0.0/8, so only this address leaves lo; `replace`, since a connect
 * or disconnect may move it to another network.
 */
export function embeddedDnsRoute(ep: Pick<Endpoint, 'Gateway' | 'IfName'>): string {
  return `route replace table local ${EMBEDDED_DNS_ADDRESS}/32 via ${ep.Gateway} dev ${ep.IfName}`;
}
