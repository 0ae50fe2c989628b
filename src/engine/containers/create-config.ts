// Merges a create request with its image's config the way Docker does: the request wins field
// by field, an overridden entrypoint drops the image's CMD, env and labels merge by key. Also
// what `docker update` may change in a HostConfig, and the checks both share.
import type { CgroupSupport } from '../../host/cgroups.js';
import type { ImageRecord } from '../images/types.js';
import { InvalidArgumentError } from '../../errors.js';
import type { EndpointRequest } from '../network/types.js';
import type { ContainerConfig, HostConfig } from './types.js';
import { validateConfinement } from './confinement.js';
import { mergeHealthcheck, validateHealthcheck } from './health.js';
import { parseSignal } from '../../protocol/signals.js';
import type { HealthConfig } from './types.js';

export interface CreateRequest extends Partial<ContainerConfig> {
  Image: string;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointRequest | null> | null } | null;
}

function mergeEnv(base: string[] = [], over: string[] = []): string[] {
  const m = new Map<string, string>();
  for (const kv of [...base, ...over]) {
    const i = kv.indexOf('=');
    m.set(i < 0 ? kv : kv.slice(0, i), kv);
  }
  return [...m.values()];
}

export function mergeConfig(req: CreateRequest, image: ImageRecord, id: string): { config: ContainerConfig; path: string; args: string[] } {
  const ic = image.config.config ?? {};
  const entrypointGiven = req.Entrypoint !== undefined && req.Entrypoint !== null;
  let entrypoint = entrypointGiven ? req.Entrypoint! : (ic.Entrypoint ?? null);
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = null;
  let cmd: string[] | null;
  if (req.Cmd && req.Cmd.length) cmd = req.Cmd;
  else cmd = entrypointGiven ? null : (ic.Cmd ?? null);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (!argv.length) throw new InvalidArgumentError('no command specified');
  const config: ContainerConfig = {
    Hostname: req.Hostname || id.slice(0, 12),
    Domainname: req.Domainname ?? '',
    User: req.User || ic.User || '',
    AttachStdin: !!req.AttachStdin,
    AttachStdout: req.AttachStdout ?? false,
    AttachStderr: req.AttachStderr ?? false,
    ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: !!req.Tty,
    OpenStdin: !!req.OpenStdin,
    StdinOnce: !!req.StdinOnce,
    Env: mergeEnv(ic.Env, req.Env ?? []),
    Cmd: cmd,
    Image: req.Image,
    Volumes: { ...(ic.Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir || ic.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: ic.OnBuild ?? null,
    Labels: { ...(ic.Labels ?? {}), ...(req.Labels ?? {}) },
    ...(req.NetworkDisabled ? { NetworkDisabled: true } : {}),
  };
  // The request's is checked (dockerd's 400); an image's is used as it is, SIGTERM if unknown.
  if (req.StopSignal) parseSignal(req.StopSignal);
  if (req.StopSignal || ic.StopSignal) config.StopSignal = req.StopSignal || ic.StopSignal;
  if (req.StopTimeout !== undefined && req.StopTimeout !== null) config.StopTimeout = req.StopTimeout;
  validateHealthcheck(req.Healthcheck);
  const health = mergeHealthcheck(req.Healthcheck, ic.Healthcheck);
  if (health) config.Healthcheck = health;
  if (config.WorkingDir && !config.WorkingDir.startsWith('/')) {
    throw new InvalidArgumentError(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  }
  if (!Object.keys(config.ExposedPorts!).length) delete config.ExposedPorts;
  if (!Object.keys(config.Volumes!).length) config.Volumes = null;
  return { config, path: argv[0]!, args: argv.slice(1) };
}

const MIN_MEMORY = 6 * 1024 * 1024;

/** Docker's checks on resources, with its messages. */
/** The CPUs and memory nodes a container may be pinned to: the root cpuset's lists ("0-1"). */
export interface HostCpuset {
  cpus: string;
  mems: string;
}

/**
 * A cpuset list ("0-2,5") as numbers; throws Go's "invalid format: …" (moby's ParseUintList),
 * or when a number passes `max`.
 */
export function parseCpuList(list: string, max = Infinity): Set<number> {
  const out = new Set<number>();
  if (list === '') return out;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi > max) throw new InvalidArgumentError(`invalid format: ${list}`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/**
 * dockerd's check of --cpuset-cpus and --cpuset-mems against the host (verifyPlatformContainerResources):
 * a CPU or node the host lacks is refused at create and update (400). Before, the runtime refused
 * it at start: the container was made and could never run.
 */
function checkCpuset(h: HostConfig, host: HostCpuset): void {
  const check = (provided: string | undefined, available: string, what: string, missing: string) => {
    if (!provided) return;
    const have = parseCpuList(available);
    // As moby: up to 8192 (Linux's usual maximum of CPUs), or more if the host has more.
    let wanted: Set<number>;
    try {
      wanted = parseCpuList(provided, Math.max(8192, ...have));
    } catch (e) {
      throw new InvalidArgumentError(`Invalid value ${provided} for cpuset ${what}: ${(e as Error).message}`);
    }
    if ([...wanted].some((n) => !have.has(n))) throw new InvalidArgumentError(`${missing} - requested ${provided}, available: ${available}`);
  };
  check(h.CpusetCpus, host.cpus, 'cpus', 'Requested CPUs are not available');
  check(h.CpusetMems, host.mems, 'mems', 'Requested memory nodes are not available');
}

export function validateHostConfig(h: HostConfig, cpus: number, cpuset?: HostCpuset): void {
  if (h.Memory && h.Memory > 0 && h.Memory < MIN_MEMORY) throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  if (h.MemorySwap && h.MemorySwap > 0 && h.Memory && h.MemorySwap < h.Memory) {
    throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (h.NanoCpus && (h.CpuQuota || h.CpuPeriod)) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.NanoCpus && (h.NanoCpus < 0.01e9 || h.NanoCpus > cpus * 1e9)) {
    throw new InvalidArgumentError(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  }
  // moby's verifyPlatformContainerResources: the kernel refuses these, but only at start.
  if (h.CpuPeriod && (h.CpuPeriod < 1000 || h.CpuPeriod > 1000000)) {
    throw new InvalidArgumentError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (h.CpuQuota && h.CpuQuota > 0 && h.CpuQuota < 1000) throw new InvalidArgumentError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (h.Isolation && h.Isolation.toLowerCase() !== 'default') throw new InvalidArgumentError(`Invalid isolation: "${h.Isolation}" - linux only supports 'default'`);
  // Windows' limits: dockerd on Linux refuses them rather than run without them.
  if (h.IOMaximumIOps) throw new InvalidArgumentError('Invalid QoS settings: linux does not support configuration of maximum IOPs');
  if (h.IOMaximumBandwidth) throw new InvalidArgumentError('Invalid QoS settings: linux does not support configuration of maximum bandwidth');
  if (h.CpuRealtimePeriod && h.CpuRealtimeRuntime && h.CpuRealtimeRuntime > h.CpuRealtimePeriod) {
    throw new InvalidArgumentError('cpu-rt-runtime cannot be higher than cpu-rt-period');
  }
  if (h.BlkioWeight && (h.BlkioWeight < 10 || h.BlkioWeight > 1000)) throw new InvalidArgumentError('Range of blkio weight is from 10 to 1000');
  const rp = h.RestartPolicy?.Name ?? '';
  validateRestartPolicy(rp, h.RestartPolicy?.MaximumRetryCount ?? 0);
  if (h.AutoRemove && rp && rp !== 'no') {
    throw new InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
  }
  validateConfinement(h);
  if (cpuset) checkCpuset(h, cpuset);
}

/** moby's ValidateRestartPolicy (API types since 25.0), at create and at update, in its words. */
export function validateRestartPolicy(name: string, maxRetries: number): void {
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (maxRetries !== 0) {
        throw new InvalidArgumentError(`invalid restart policy: maximum retry count can only be used with 'on-failure'${maxRetries < 0 ? ' and cannot be negative' : ''}`);
      }
      return;
    case 'on-failure':
      if (maxRetries < 0) throw new InvalidArgumentError('invalid restart policy: maximum retry count cannot be negative');
      return;
    case '':
      // What clients before 25.0 sent by default, with any count.
      return;
    default:
      throw new InvalidArgumentError(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

/** What the host can enforce: host/cgroups.ts's CgroupSupport, as far as this module needs. */
export type LimitSupport = Omit<CgroupSupport, 'cpuset'>;

/**
 * Docker's rule (verifyPlatformContainerResources): a limit the host's kernel or cgroups cannot
 * enforce is dropped with a warning and the container runs, instead of failing at start. Edits
 * `h` in place (inspect shows what is in force) and returns the warnings, in Docker's words.
 */
export function discardUnsupportedLimits(h: HostConfig, s: LimitSupport): string[] {
  const w: string[] = [];
  const has = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'number' ? v !== 0 : !!v);
  if (has(h.Memory) && !s.memory) {
    w.push('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    h.Memory = 0;
    h.MemorySwap = -1;
  }
  if (h.Memory && (h.MemorySwap ?? 0) > 0 && !s.swap) {
    w.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    h.MemorySwap = -1;
  }
  // Kernel memory limits are deprecated by the kernel (5.4) and not set by berth (`docker info`
  // says KernelMemory false): discarded with moby's words, not kept as if in force.
  if (has(h.KernelMemory)) {
    w.push('Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    h.KernelMemory = 0;
  }
  if (has(h.KernelMemoryTCP)) {
    w.push('Your kernel does not support kernel memory TCP limit capabilities or the cgroup is not mounted. Limitation discarded.');
    h.KernelMemoryTCP = 0;
  }
  if (has(h.CpuPercent)) {
    w.push('linux does not support CPU percent. Percent discarded.');
    h.CpuPercent = 0;
  }
  if (has(h.MemoryReservation) && !s.memoryReservation) {
    w.push('Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.');
    h.MemoryReservation = 0;
  }
  if (h.OomKillDisable && !s.oomKillDisable) {
    w.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    h.OomKillDisable = false;
  }
  if ((h.PidsLimit ?? 0) > 0 && !s.pids) {
    w.push('Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
    h.PidsLimit = null;
  }
  if (has(h.CpuShares) && !s.cpuShares) {
    w.push('Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.');
    h.CpuShares = 0;
  }
  if (has(h.CpuPeriod) && !s.cpuCfs) {
    w.push('Your kernel does not support CPU CFS scheduler. CPU period discarded.');
    h.CpuPeriod = 0;
  }
  if ((has(h.CpuQuota) || has(h.NanoCpus)) && !s.cpuCfs) {
    w.push('Your kernel does not support CPU CFS scheduler. CPU quota discarded.');
    h.CpuQuota = 0;
    h.NanoCpus = 0;
  }
  if ((has(h.CpuRealtimePeriod) || has(h.CpuRealtimeRuntime)) && !s.cpuRealtime) {
    w.push('Your kernel does not support CPU real-time scheduler');
    h.CpuRealtimePeriod = 0;
    h.CpuRealtimeRuntime = 0;
  }
  if (has(h.BlkioWeight) && !s.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    h.BlkioWeight = 0;
  }
  if (has(h.BlkioWeightDevice) && !s.blkioWeightDevice) {
    w.push('Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
    h.BlkioWeightDevice = [];
  }
  const throttles: Array<[string, string, string]> = [
    ['BlkioDeviceReadBps', 'BPS Block I/O read limit', 'BPS read'], ['BlkioDeviceWriteBps', 'BPS Block I/O write limit', 'BPS write'],
    ['BlkioDeviceReadIOps', 'IOPS Block read limit', 'IOPS read'], ['BlkioDeviceWriteIOps', 'IOPS Block write limit', 'IOPS write'],
  ];
  for (const [key, what, short] of throttles) {
    if (has(h[key]) && !s.blkioThrottle) {
      w.push(`Your kernel does not support ${what} or the cgroup is not mounted. Block I/O ${short} limit discarded.`);
      h[key] = [];
    }
  }
  return w;
}

/** Docker's HostConfig field names. Go's JSON decoding matches them in any case (docker-py sends "CPURealtimeRuntime"). */
const HOST_CONFIG_KEYS = [
  'CpuShares', 'Memory', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
  'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'KernelMemory', 'KernelMemoryTCP',
  'MemoryReservation', 'MemorySwap', 'MemorySwappiness', 'NanoCpus', 'OomKillDisable', 'Init', 'PidsLimit', 'Ulimits',
  'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth', 'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode',
  'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver', 'VolumesFrom', 'Mounts', 'ConsoleSize', 'Annotations',
  'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'IpcMode', 'Cgroup',
  'Links', 'OomScoreAdj', 'PidMode', 'Privileged', 'PublishAllPorts', 'ReadonlyRootfs', 'SecurityOpt', 'StorageOpt',
  'Tmpfs', 'UTSMode', 'UsernsMode', 'ShmSize', 'Sysctls', 'Runtime', 'Isolation', 'MaskedPaths', 'ReadonlyPaths',
];
const CANONICAL = new Map(HOST_CONFIG_KEYS.map((k) => [k.toLowerCase(), k]));

/** The same HostConfig with each known field under Docker's spelling. */
export function canonicalHostConfig(h: Record<string, unknown>): HostConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[CANONICAL.get(k.toLowerCase()) ?? k] = v;
  return out as HostConfig;
}

/** The HostConfig fields `docker update` may change. */
const UPDATABLE = [
  'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpusetCpus', 'CpusetMems',
  'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'PidsLimit', 'BlkioWeight', 'KernelMemory', 'OomKillDisable',
] as const;

/**
 * POST /containers/{id}/update's new HostConfig: `current` with the limits and restart policy of
 * `upd` (already canonical), checked as a create's. Throws, changing nothing, when refused.
 */
export function updatedHostConfig(current: HostConfig, upd: HostConfig, cpus: number, cpuset?: HostCpuset): HostConfig {
  const next: HostConfig = { ...current };
  for (const k of UPDATABLE) {
    const v = upd[k];
    if (v === undefined || v === null) continue;
    // Zero leaves a limit as it is (Docker's update treats 0 as "not given"), except PidsLimit.
    if (typeof v === 'number' && v === 0 && k !== 'PidsLimit') continue;
    (next as Record<string, unknown>)[k] = v;
  }
  if (upd.NanoCpus) {
    next.CpuQuota = 0;
    next.CpuPeriod = 0;
  } else if (upd.CpuQuota || upd.CpuPeriod) next.NanoCpus = 0;
  if (upd.Memory && !upd.MemorySwap && current.MemorySwap && current.MemorySwap > 0 && upd.Memory > current.MemorySwap) {
    throw new InvalidArgumentError('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  if (upd.RestartPolicy?.Name !== undefined) {
    if (current.AutoRemove && upd.RestartPolicy.Name && upd.RestartPolicy.Name !== 'no') {
      throw new InvalidArgumentError('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    next.RestartPolicy = { Name: upd.RestartPolicy.Name, MaximumRetryCount: upd.RestartPolicy.MaximumRetryCount ?? 0 };
  }
  validateHostConfig(next, cpus, cpuset);
  return next;
}
