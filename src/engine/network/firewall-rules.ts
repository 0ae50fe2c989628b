// The iptables rules of a daemon's bridge networks, as iptables-restore text. Pure: the text is
// derived from the networks and published ports, and firewall.ts applies it. Every rule lives in
// the daemon's own chains (named from its network prefix), so daemons never touch each other's
// rules or dockerd's; the built-in chains only get one jump each.
//
//   filter FORWARD     -j P-FORWARD     per bridge: replies and published ports in, traffic out,
//                                        other networks' bridges dropped (P-ISOLATION)
//   nat PREROUTING     -j P-DNAT        published ports (from other hosts, from containers)
//   nat OUTPUT         -j P-DNAT        published ports from the host itself, 127.0.0.1 included
//   nat POSTROUTING    -j P-POSTROUTING masquerade: containers going out; the host's own (and
//                                        loopback) sources into a bridge; hairpin to a published port
//   raw PREROUTING     -j P-RAW         a port published on a loopback address answers only on lo:
//                                        others hosts' packets to 127.0.0.1:PORT are dropped before
//                                        the DNAT could send them on to the container (docker 28);
//                                        per bridge, anything for 127.0.0.0/8 but the embedded DNS
//
// Loopback addresses and the bridges: the host's own connections to a port published on
// 127.0.0.1 leave through a bridge with a loopback source, which the kernel allows only with the
// bridge's route_localnet on (bridge-driver.ts). That switch works both ways: it would also let a
// container send to the host's 127.0.0.1 (a frame to the gateway's MAC with a loopback
// destination, which CAP_NET_RAW, in docker's default set, can write) and reach services that
// listen only there (CVE-2020-8558). So each bridge's packets for 127.0.0.0/8 are dropped in raw
// PREROUTING, except the embedded DNS's 127.0.0.11:53, which nat PREROUTING sends on to the
// network's gateway, where berthd answers it.
import { EMBEDDED_DNS_ADDRESS } from './types.js';

export interface ChainNames {
  forward: string;
  isolation: string;
  dnat: string;
  postrouting: string;
  raw: string;
}

export function chainNames(prefix: string): ChainNames {
  const p = prefix.toUpperCase();
  return { forward: `${p}-FORWARD`, isolation: `${p}-ISOLATION`, dnat: `${p}-DNAT`, postrouting: `${p}-POSTROUTING`, raw: `${p}-RAW` };
}

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
  /** IPv4: the bridge accepts loopback addresses (route_localnet), so it gets the guard above. */
  guardLoopback?: boolean;
  /** IPv4, user-defined networks: the gateway address whose port 53 is the containers' 127.0.0.11:53. */
  embeddedDns?: string;
  /** false: containers on the bridge do not reach each other (enable_icc=false); default true. */
  icc?: boolean;
  /** false: no MASQUERADE for what leaves the host from the subnet (enable_ip_masquerade=false); default true. */
  masquerade?: boolean;
}

export interface PortRule {
  proto: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** The jumps from the built-in chains, as iptables-save prints them. */
export function jumpRules(c: ChainNames): { filter: string[]; nat: string[]; raw: string[] } {
  return {
    filter: [`-A FORWARD -j ${c.forward}`],
    raw: [`-A PREROUTING -j ${c.raw}`],
    nat: [
      `-A PREROUTING -m addrtype --dst-type LOCAL -j ${c.dnat}`,
      `-A OUTPUT -m addrtype --dst-type LOCAL -j ${c.dnat}`,
      `-A POSTROUTING -j ${c.postrouting}`,
    ],
  };
}

export function dnatRule(c: ChainNames, r: PortRule): string {
  const dest = r.hostIp && r.hostIp !== '0.0.0.0' ? `-d ${r.hostIp}/32 ` : '';
  return `${c.dnat} ${dest}-p ${r.proto} -m ${r.proto} --dport ${r.hostPort} -j DNAT --to-destination ${r.containerIp}:${r.containerPort}`;
}

const isLoopback = (ip: string) => /^127\./.test(ip);

/** Drops other interfaces' packets to a loopback-published port (docker 28's raw-table rule). */
export function loopbackGuardRule(c: ChainNames, r: PortRule): string | undefined {
  if (!isLoopback(r.hostIp)) return undefined;
  return `${c.raw} -d ${r.hostIp}/32 ! -i lo -p ${r.proto} -m ${r.proto} --dport ${r.hostPort} -j DROP`;
}

/** A bridge's packets for loopback addresses: dropped, the embedded DNS's excepted (raw PREROUTING). */
export function bridgeLoopbackRules(c: ChainNames, n: FirewallNetwork): string[] {
  if (!n.guardLoopback) return [];
  const dns = n.embeddedDns
    ? (['udp', 'tcp'] as const).map((p) => `${c.raw} -i ${n.bridge} -d ${EMBEDDED_DNS_ADDRESS}/32 -p ${p} -m ${p} --dport 53 -j RETURN`)
    : [];
  return [...dns, `${c.raw} -i ${n.bridge} -d 127.0.0.0/8 -j DROP`];
}

/** The embedded DNS's 127.0.0.11:53 from a bridge, sent on to the network's gateway (nat PREROUTING). */
export function embeddedDnsRules(c: ChainNames, n: FirewallNetwork): string[] {
  if (!n.embeddedDns) return [];
  return (['udp', 'tcp'] as const).map((p) =>
    `${c.dnat} -i ${n.bridge} -d ${EMBEDDED_DNS_ADDRESS}/32 -p ${p} -m ${p} --dport 53 -j DNAT --to-destination ${n.embeddedDns}:53`);
}

function rawSection(c: ChainNames, ports: PortRule[], op: '-A' | '-D', header: string[], networks: FirewallNetwork[] = []): string[] {
  const rules = [...networks.flatMap((n) => bridgeLoopbackRules(c, n)), ...ports.map((p) => loopbackGuardRule(c, p)).filter((r): r is string => !!r)];
  if (!rules.length && !header.length) return [];
  return ['*raw', ...header, ...rules.map((r) => `${op} ${r}`), 'COMMIT'];
}

/**
 * Everything for the daemon's networks in one transaction: the chains are declared (which flushes
 * them in --noflush mode) and filled; missing jumps are added (`present` holds those found).
 */
export function fullRuleset(c: ChainNames, networks: FirewallNetwork[], ports: PortRule[], present: Set<string>): string {
  const jumps = jumpRules(c);
  const filter = [`*filter`, `:${c.forward} - [0:0]`, `:${c.isolation} - [0:0]`];
  for (const j of jumps.filter) if (!present.has(j)) filter.push(j.replace(/^-A FORWARD/, '-I FORWARD 1'));
  for (const n of networks) {
    const b = n.bridge;
    // enable_icc=false: nothing between two containers of the bridge, but for a published port.
    const noIcc = n.icc === false ? [`-A ${c.forward} -i ${b} -o ${b} -j DROP`] : [];
    if (n.internal) {
      filter.push(`-A ${c.forward} -i ${b} ! -o ${b} -j DROP`, `-A ${c.forward} -o ${b} ! -i ${b} -j DROP`, ...noIcc, `-A ${c.forward} -i ${b} -j ACCEPT`);
      continue;
    }
    filter.push(
      `-A ${c.forward} -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${c.forward} -o ${b} -m conntrack --ctstate DNAT -j ACCEPT`,
      `-A ${c.forward} -i ${b} ! -o ${b} -j ${c.isolation}`,
      ...noIcc,
      `-A ${c.forward} -i ${b} -j ACCEPT`,
      `-A ${c.forward} -o ${b} -j DROP`,
    );
  }
  for (const n of networks) filter.push(`-A ${c.isolation} -o ${n.bridge} -j DROP`);
  filter.push('COMMIT');
  const nat = [`*nat`, `:${c.dnat} - [0:0]`, `:${c.postrouting} - [0:0]`];
  for (const j of jumps.nat) if (!present.has(j)) nat.push(j);
  for (const n of networks) {
    const b = n.bridge;
    if (!n.internal && n.masquerade !== false) nat.push(`-A ${c.postrouting} -s ${n.subnet} ! -o ${b} -j MASQUERADE`);
    nat.push(
      `-A ${c.postrouting} -o ${b} -m addrtype --src-type LOCAL -j MASQUERADE`,
      `-A ${c.postrouting} -s ${n.subnet} -o ${b} -m conntrack --ctstate DNAT -j MASQUERADE`,
    );
  }
  for (const n of networks) for (const r of embeddedDnsRules(c, n)) nat.push(`-A ${r}`);
  for (const p of ports) nat.push(`-A ${dnatRule(c, p)}`);
  nat.push('COMMIT');
  const rawHeader = [`:${c.raw} - [0:0]`, ...jumps.raw.filter((j) => !present.has(j))];
  return [...filter, ...nat, ...rawSection(c, ports, '-A', rawHeader, networks)].join('\n') + '\n';
}

/** Adds or deletes the DNAT rules of one container. */
export function portRuleset(c: ChainNames, ports: PortRule[], op: '-A' | '-D'): string {
  return ['*nat', ...ports.map((p) => `${op} ${dnatRule(c, p)}`), 'COMMIT', ...rawSection(c, ports, op, [])].join('\n') + '\n';
}

/** Removes the jumps found (`present`) and the chains. */
export function teardownRuleset(c: ChainNames, present: Set<string>, chainsPresent: Set<string>): string {
  const jumps = jumpRules(c);
  const out: string[] = ['*filter'];
  for (const j of jumps.filter) if (present.has(j)) out.push(j.replace(/^-A /, '-D '));
  for (const ch of [c.forward, c.isolation]) if (chainsPresent.has(ch)) out.push(`-F ${ch}`);
  for (const ch of [c.forward, c.isolation]) if (chainsPresent.has(ch)) out.push(`-X ${ch}`);
  out.push('COMMIT', '*nat');
  for (const j of jumps.nat) if (present.has(j)) out.push(j.replace(/^-A /, '-D '));
  for (const ch of [c.dnat, c.postrouting]) if (chainsPresent.has(ch)) out.push(`-F ${ch}`);
  for (const ch of [c.dnat, c.postrouting]) if (chainsPresent.has(ch)) out.push(`-X ${ch}`);
  out.push('COMMIT', '*raw');
  for (const j of jumps.raw) if (present.has(j)) out.push(j.replace(/^-A /, '-D '));
  if (chainsPresent.has(c.raw)) out.push(`-F ${c.raw}`, `-X ${c.raw}`);
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

/** Which of our jumps and chains iptables-save output shows. */
export function presentIn(saved: string, c: ChainNames): { jumps: Set<string>; chains: Set<string> } {
  const lines = new Set(saved.split('\n').map((l) => l.trim()));
  const all = jumpRules(c);
  const jumps = new Set([...all.filter, ...all.nat, ...all.raw].filter((j) => lines.has(j)));
  const chains = new Set(Object.values(c).filter((ch) => lines.has(`:${ch} - [0:0]`) || [...lines].some((l) => l.startsWith(`:${ch} `))));
  return { jumps, chains };
}

/** FORWARD's policy set to DROP, nothing else touched (--noflush). */
export function forwardPolicyDrop(): string {
  return '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n';
}
