// Which URL a registry name means, as dockerd decides it (registry/config.go, service_v2.go):
// loopback registries (127.0.0.0/8, ::1, "localhost") and those listed with
// --insecure-registry speak plain HTTP; every other registry TLS. docker.io is
// registry-1.docker.io, tried after any --registry-mirror.
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { RegistryBlockedError } from './errors.js';

export interface RegistryOptions {
  /** --insecure-registry: "host:port" names or CIDRs whose registries may use plain HTTP. */
  insecureRegistries: string[];
  /** --registry-mirror: base URLs tried before Docker Hub for docker.io images. */
  mirrors: string[];
  /** --max-concurrent-downloads (dockerd's default is 3). */
  maxConcurrentDownloads: number;
  /** --max-concurrent-uploads (dockerd's default is 5). */
  maxConcurrentUploads: number;
  /**
   * --blocked-registry: domains never contacted (as podman's registries.conf `blocked`). The
   * tests block docker.io so that nothing they do can reach the internet.
   */
  blockedRegistries?: string[];
}

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = {
  insecureRegistries: [],
  mirrors: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
};

export interface Endpoint {
  /** "http://127.0.0.1:5000" (no trailing slash). */
  base: string;
  /** TLS without verifying the certificate (an --insecure-registry that speaks TLS). */
  skipVerify: boolean;
  mirror: boolean;
}

const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** The host part of "host:port" / "[v6]:port". */
export function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const i = domain.lastIndexOf(':');
  return i > 0 ? domain.slice(0, i) : domain;
}

export function isLoopback(domain: string): boolean {
  const host = hostOf(domain).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
}

function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  if (isIP(host) !== 4 || isIP(net ?? '') !== 4) return false;
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4ToInt(host) & mask) === (ipv4ToInt(net!) & mask);
}

export function isInsecure(domain: string, opts: RegistryOptions): boolean {
  if (isLoopback(domain)) return true;
  const host = hostOf(domain);
  return opts.insecureRegistries.some((r) => (r.includes('/') ? inCidr(host, r) : r === domain || r === host));
}

/** Validates --insecure-registry and --registry-mirror values at daemon start. */
export function validateRegistryOptions(opts: RegistryOptions): void {
  for (const m of opts.mirrors) {
    let u: URL;
    try {
      u = new URL(m);
    } catch {
      throw new InvalidArgumentError(`invalid mirror: "${m}" is not a valid URI`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`invalid mirror: unsupported scheme "${u.protocol.slice(0, -1)}" in "${m}"`);
  }
  for (const r of opts.insecureRegistries) {
    if (r.includes('://')) throw new InvalidArgumentError(`insecure registry ${r} should not contain '://'`);
  }
  if (!(opts.maxConcurrentDownloads >= 1) || !(opts.maxConcurrentUploads >= 1)) throw new InvalidArgumentError('max concurrent downloads/uploads must be at least 1');
}

/** Where to reach `domain` (a reference's domain), in the order to try. */
export function endpointsFor(domain: string, opts: RegistryOptions): Endpoint[] {
  if (opts.blockedRegistries?.includes(domain)) throw new RegistryBlockedError(`registry ${domain} is blocked by berthd's --blocked-registry`);
  if (domain === 'docker.io') {
    const mirrors = opts.mirrors.map((m) => ({ base: m.replace(/\/+$/, ''), skipVerify: false, mirror: true }));
    return [...mirrors, { base: `https://${DOCKER_HUB_HOST}`, skipVerify: false, mirror: false }];
  }
  if (isLoopback(domain)) return [{ base: `http://${domain}`, skipVerify: false, mirror: false }];
  // An insecure registry is tried over TLS without verification first, then plain HTTP (as dockerd).
  if (isInsecure(domain, opts)) return [{ base: `https://${domain}`, skipVerify: true, mirror: false }, { base: `http://${domain}`, skipVerify: false, mirror: false }];
  return [{ base: `https://${domain}`, skipVerify: false, mirror: false }];
}
