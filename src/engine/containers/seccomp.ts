// Seccomp: turns a profile in Docker's format (moby/profiles/seccomp: `archMap`, rules with
// `includes`/`excludes` on capabilities, architectures and kernel version) into the OCI
// runtime-spec's `linux.seccomp` (config-linux.md#seccomp) for one container, as dockerd does:
// a rule applies only if the container's bounding set has every capability it `includes` and none
// it `excludes`, on this architecture and kernel. Pure apart from loading the default profile.
import { readFileSync } from 'node:fs';
import { arch as nodeArch, release } from 'node:os';
import { InvalidArgumentError } from '../../errors.js';
import type { OciSeccomp, OciSyscall } from '../../protocol/oci-runtime-spec.js';

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SyscallRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }> | null;
  includes?: Filter;
  excludes?: Filter;
  comment?: string;
}

/** A profile as Docker (and containers-common) write it; an OCI-format profile is accepted too. */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }> | null;
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SyscallRule[] | null;
}

export type { OciSeccomp };

/** Node's arch → the names profiles use in includes.arches, and the libseccomp native arch. */
const ARCHES: Record<string, { name: string; scmp: string }> = {
  x64: { name: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  ia32: { name: 'x86', scmp: 'SCMP_ARCH_X86' },
  arm64: { name: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  arm: { name: 'arm', scmp: 'SCMP_ARCH_ARM' },
  ppc64: { name: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { name: 's390x', scmp: 'SCMP_ARCH_S390X' },
  riscv64: { name: 'riscv64', scmp: 'SCMP_ARCH_RISCV64' },
};

export interface Platform {
  arch: string;
  kernel: string;
}

export const hostPlatform: Platform = { arch: nodeArch(), kernel: release() };

/** Whether kernel version `have` (e.g. "6.18.0-foo") is at least `want` (e.g. "4.8"). */
export function kernelAtLeast(have: string, want: string): boolean {
  const parse = (v: string) => (/^(\d+)\.(\d+)/.exec(v) ?? [, '0', '0']).slice(1, 3).map(Number);
  const [hm, hn] = parse(have);
  const [wm, wn] = parse(want);
  if (!/^\d+\.\d+/.test(want)) throw new InvalidArgumentError(`invalid kernel version in seccomp profile: "${want}"`);
  return hm! > wm! || (hm === wm && hn! >= wn!);
}

/**
 * The OCI seccomp section of `profile` for a container whose bounding capabilities are `caps`
 * (moby profiles/seccomp setupSeccomp). Returns undefined for a profile with nothing in it.
 */
export function toOciSeccomp(profile: SeccompProfile, caps: readonly string[], platform: Platform = hostPlatform): OciSeccomp | undefined {
  if (!profile || typeof profile !== 'object') throw new InvalidArgumentError('Decoding seccomp profile failed: not a JSON object');
  const rules = profile.syscalls ?? [];
  if (!profile.defaultAction && !rules.length) return undefined;
  if (!Array.isArray(rules)) throw new InvalidArgumentError('Decoding seccomp profile failed: "syscalls" is not a list');
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidArgumentError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = ARCHES[platform.arch];
  const out: OciSeccomp = { defaultAction: profile.defaultAction, syscalls: [] };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) out.flags = profile.flags;
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;
  if (profile.architectures?.length) out.architectures = profile.architectures;
  else if (arch) {
    const m = (profile.archMap ?? []).find((a) => a.architecture === arch.scmp);
    if (m) out.architectures = [m.architecture, ...(m.subArchitectures ?? [])];
  }
  const has = (c: string) => caps.includes(c);
  for (const rule of rules) {
    if (!rule || typeof rule !== 'object' || typeof rule.action !== 'string') {
      throw new InvalidArgumentError('Decoding seccomp profile failed: a syscall rule needs an "action"');
    }
    if (rule.name && rule.names?.length) {
      throw new InvalidArgumentError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
    }
    const ex = rule.excludes ?? {};
    if (ex.arches?.length && arch && ex.arches.includes(arch.name)) continue;
    if (ex.caps?.some(has)) continue;
    if (ex.minKernel && kernelAtLeast(platform.kernel, ex.minKernel)) continue;
    const inc = rule.includes ?? {};
    if (inc.arches?.length && !(arch && inc.arches.includes(arch.name))) continue;
    if (inc.caps?.length && !inc.caps.every(has)) continue;
    if (inc.minKernel && !kernelAtLeast(platform.kernel, inc.minKernel)) continue;
    const names = rule.name ? [rule.name] : rule.names ?? [];
    const call: OciSyscall = { names, action: rule.action };
    if (rule.errnoRet !== undefined) call.errnoRet = rule.errnoRet;
    if (rule.args?.length) call.args = rule.args;
    out.syscalls.push(call);
  }
  return out;
}

/** Parses a profile sent inline (docker's CLI sends the file's content, not its path). */
export function parseProfile(text: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new InvalidArgumentError('Decoding seccomp profile failed: not a JSON object');
  return p as SeccompProfile;
}

/**
 * What Docker 28's default profile changed since the 20.10 profile Debian ships
 * (moby/profiles seccomp/default.json): syscalls added since, allowed; io_uring, dropped.
 */
const ADDED_SINCE_20_10 = [
  'cachestat', 'clock_settime64', 'fchmodat2', 'futex_requeue', 'futex_wait', 'futex_wake', 'getxattrat', 'listmount',
  'listxattrat', 'lsm_get_self_attr', 'lsm_list_modules', 'lsm_set_self_attr', 'map_shadow_stack', 'mseal', 'pkey_alloc',
  'pkey_free', 'pkey_mprotect', 'removexattrat', 'set_mempolicy_home_node', 'setxattrat', 'statmount', 'swapcontext', 'uretprobe',
];
const DROPPED_SINCE_20_10 = new Set(['io_uring_enter', 'io_uring_register', 'io_uring_setup']);

/** Brings Docker's 20.10 profile up to Docker 28's (the default errno is EPERM in both). */
export function updateDockerProfile(p: SeccompProfile): SeccompProfile {
  const syscalls = (p.syscalls ?? [])
    .map((r) => ({ ...r, names: (r.names ?? []).filter((n) => !DROPPED_SINCE_20_10.has(n)) }))
    .filter((r) => r.names.length || r.name);
  const known = new Set(syscalls.flatMap((r) => r.names));
  const added = ADDED_SINCE_20_10.filter((n) => !known.has(n));
  if (added.length) syscalls.push({ names: added, action: 'SCMP_ACT_ALLOW' });
  return { ...p, defaultErrnoRet: p.defaultErrnoRet ?? 1, syscalls };
}

/**
 * Where the default profile comes from, first found wins: Docker's own default.json as Debian
 * ships it (golang-github-docker-docker-dev; scripts/setup-host.sh extracts the one file), then
 * containers-common's (podman's profile: it allows unshare, mount, keyctl… and answers ENOSYS by
 * default, so it is looser than Docker's and only a fallback).
 */
export const DEFAULT_PROFILE_SOURCES = [
  { path: '/usr/share/berth/seccomp/docker-default.json', docker: true },
  { path: '/usr/share/containers/seccomp.json', docker: false },
];

export function loadDefaultProfile(sources = DEFAULT_PROFILE_SOURCES): { profile: SeccompProfile; path: string } | undefined {
  for (const s of sources) {
    let text: string;
    try {
      text = readFileSync(s.path, 'utf8');
    } catch {
      continue;
    }
    const profile = parseProfile(text);
    return { profile: s.docker ? updateDockerProfile(profile) : profile, path: s.path };
  }
  return undefined;
}
