// /etc/hosts, /etc/hostname and /etc/resolv.conf for a container, kept in its directory and
// bind-mounted by the runtime, as Docker does (so edits inside survive a restart).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EMBEDDED_DNS_ADDRESS } from '../network/types.js';

export interface EtcFilePaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function etcFilePaths(containerDir: string): EtcFilePaths {
  return {
    hosts: path.join(containerDir, 'hosts'),
    hostname: path.join(containerDir, 'hostname'),
    resolvConf: path.join(containerDir, 'resolv.conf'),
  };
}

export interface HostsEntry { ip: string; names: string[] }

/**
 * The names of the container's own line, as libnetwork writes them: the FQDN (hostname plus
 * domain name, or a hostname with dots) and then the bare hostname ("a.b.c a"), else the hostname.
 */
export function ownHostNames(hostname: string, domainname = ''): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return dot > 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn;
}

/**
 * docker's order (libnetwork buildHostsFile, then addLegacyLinks): the standard entries,
 * --add-host ones, the container's own address, then its legacy links.
 */
export function hostsFile(ownNames: string, ownAddress: string | string[] | undefined, extra: HostsEntry[], links: HostsEntry[] = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::\tip6-localnet',
    'ff00::\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const e of extra) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  // Its IPv4 address, then its IPv6 one on a network with IPv6.
  for (const a of [ownAddress ?? []].flat()) lines.push(`${a}\t${ownNames}`);
  for (const e of links) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * A hosts file with the address of the entry whose first name is `alias` replaced (moby
 * UpdateHostsEntry: a linked container started again with another address), or undefined when
 * nothing changes.
 */
export function updateHostsAddress(text: string, alias: string, ip: string): string | undefined {
  let changed = false;
  const out = text.split('\n').map((line) => {
    const m = /^(\S+)(\s+)(\S+)(.*)$/.exec(line);
    if (!m || m[3] !== alias || m[1] === ip) return line;
    changed = true;
    return `${ip}${m[2]}${m[3]}${m[4]}`;
  });
  return changed ? out.join('\n') : undefined;
}

/** "--add-host name:ip" (Docker also accepts name=ip). */
export function parseExtraHost(spec: string): HostsEntry {
  const sep = spec.includes('=') ? spec.indexOf('=') : spec.indexOf(':');
  if (sep <= 0) throw new Error(`invalid argument "${spec}" for "--add-host" flag: bad format for add-host: "${spec}"`);
  return { names: [spec.slice(0, sep)], ip: spec.slice(sep + 1).replace(/^\[(.*)\]$/, '$1') };
}

/**
 * Docker copies the host's resolv.conf, dropping loopback nameservers (unreachable from a
 * container's own network namespace), and falls back to public resolvers when none is left.
 * With no network namespace of its own (network none) there is nothing to reach anyway. In the
 * host's namespace (network host) the host's loopback resolvers work and are kept.
 */
export function resolvConf(
  hostText: string, dns: string[], search: string[], options: string[], opts: { keepLoopback?: boolean; ndotsZero?: boolean } = {},
): string {
  const lines = hostText.split('\n');
  const hostServers = lines.filter((l) => /^\s*nameserver\s+/.test(l)).map((l) => l.trim().split(/\s+/)[1]!)
    .filter((ip) => opts.keepLoopback || (!/^127\./.test(ip) && ip !== '::1'));
  const hostSearch = lines.find((l) => /^\s*search\s+/.test(l))?.trim().split(/\s+/).slice(1) ?? [];
  const hostOptions = lines.find((l) => /^\s*options\s+/.test(l))?.trim().split(/\s+/).slice(1) ?? [];
  const servers = dns.length ? dns : hostServers;
  const out: string[] = [];
  const s = search.length ? search : hostSearch;
  if (s.length) out.push(`search ${s.join(' ')}`);
  for (const ip of servers) out.push(`nameserver ${ip}`);
  const o = [...(options.length ? options : hostOptions)];
  if (opts.ndotsZero && !o.some((x) => x.startsWith('ndots:'))) o.push('ndots:0');
  if (o.length) out.push(`options ${o.join(' ')}`);
  return out.join('\n') + '\n';
}

/**
 * A container's resolv.conf on a user-defined network, as docker's: the embedded DNS server at
 * 127.0.0.11 (which relays other names to `dns`, else the host's resolvers), and `ndots:0` unless
 * an ndots option is given, so a single-label name (a container's) is asked as it is first.
 */
export function embeddedDnsResolvConf(hostText: string, search: string[], options: string[]): string {
  return resolvConf(hostText, [EMBEDDED_DNS_ADDRESS], search, options, { ndotsZero: true });
}

export function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** At once: three small files (no fsync: a crash ends the container they serve), where nine pool round trips sat on the start's path. */
export function writeEtcFiles(paths: EtcFilePaths, content: { hosts: string; hostname: string; resolvConf: string }): void {
  writeFileSync(paths.hosts, content.hosts, { mode: 0o644 });
  writeFileSync(paths.hostname, content.hostname + '\n', { mode: 0o644 });
  writeFileSync(paths.resolvConf, content.resolvConf, { mode: 0o644 });
}
