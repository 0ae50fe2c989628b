// Networks and endpoints as the engine keeps them. A network record keeps Docker's field names
// (like a container's Config) because `network inspect` hands them back as they were created.

/** The address of the embedded DNS server in a container on a user-defined network, as docker's. */
export const EMBEDDED_DNS_ADDRESS = '127.0.0.11';

/** The networks every daemon has, by name: not user-defined (no embedded DNS, no aliases). */
export const PREDEFINED_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none']);

export interface IpamPoolConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
  /** Addresses kept out of allocation (Docker's --aux-address), by host name. */
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkRecord {
  Id: string;
  Name: string;
  /** 'bridge', or 'host' / 'null' for the predefined networks of those modes. */
  Driver: string;
  Created: string;
  Scope: 'local';
  Internal: boolean;
  Attachable: boolean;
  EnableIPv6: boolean;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamPoolConfig[] };
  /** The predefined networks (bridge, host, none) cannot be removed. */
  Predefined?: boolean;
  /** The bridge's interface name on the host. */
  BridgeName?: string;
  /** The bridge existed before the network was created: berth uses it but never deletes it. */
  BridgeAdopted?: boolean;
}

/** What a container asked for on one network (Docker's EndpointSettings, request side). */
export interface EndpointRequest {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  MacAddress?: string;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
}

/** An endpoint that exists while the container runs. */
export interface Endpoint {
  EndpointID: string;
  /** The interface inside the container (eth0, eth1, …). */
  IfName: string;
  /** The host end of the veth pair. */
  HostIfName: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  /** The endpoint's address on the network's IPv6 subnet, when it has one (EnableIPv6). */
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
  /** --link-local-ip: more addresses on the interface (libnetwork gives IPv4 ones /16, IPv6 ones /64). */
  LinkLocalIPs?: string[];
}

/** A container's membership of one network, kept in its record under Networks[networkName]. */
export interface NetworkAttachment extends EndpointRequest {
  NetworkID: string;
  /** Present while the container runs. */
  Endpoint?: Endpoint;
}

export interface HostPortBinding {
  HostIp: string;
  HostPort: string;
}

export type PortMap = Record<string, HostPortBinding[] | null>;

/**
 * What a running container's network looks like (Docker's NetworkSettings, run-time side). Its
 * namespace is the container's own (/proc/<pid>/ns/net): it lives as long as the processes do.
 */
export interface SandboxState {
  SandboxID: string;
  Ports: PortMap;
  /** The endpoint the published ports lead to. */
  PortsEndpointID?: string;
}
