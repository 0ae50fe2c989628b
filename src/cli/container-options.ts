// How the flags of `run` and `create` (run-flags.ts) become the body of POST /containers/create
// (docker's cli/command/container/opts.go parse()).

import type { ContainerCreateBody, HealthConfig, HostConfig, MountSpec, PortBinding, RestartPolicy } from '../protocol/engine-api.js';
import { StatusError } from './command.js';
import { FlagError, type Flags } from './flags.js';
import { kvMap, processEnvSource, readEnv, readLabels, type EnvSource } from './envfile.js';
import { networkFlagValues, networking, validateDNSSearch, validateExtraHost, validateIPAddress } from './network-options.js';
import { parseGoDuration, parseNanoCpus, parseRamBytes, parseSwapBytes } from '../protocol/units.js';
export { CONTAINER_FLAGS, CREATE_FLAGS, RUN_FLAGS } from './run-flags.js';

// ports.js, mounts.js and limits.js load only when their flags are used: `run` is a hot path.
type PortsModule = typeof import('./ports.js');
type MountsModule = typeof import('./mounts.js');
type LimitsModule = typeof import('./limits.js');

export type PullPolicy = 'always' | 'missing' | 'never';

export interface ContainerSpec {
  body: ContainerCreateBody;
  name?: string;
  platform?: string;
  pull: PullPolicy;
  quiet: boolean;
  autoRemove: boolean;
  cidfile?: string;
}

/** A wrong option value: docker prints it as "docker: <message>" with the help hint, exit 125. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

export interface OptionEnv extends EnvSource {
  cwd: string;
}

export const processEnv: OptionEnv = {
  lookup: processEnvSource.lookup,
  readFile: (path) => {
    try {
      return processEnvSource.readFile(path);
    } catch (err) {
      throw new OptionError((err as Error).message);
    }
  },
  cwd: process.cwd(),
};

function optional<T>(flags: Flags, name: string, value: () => T): T | undefined {
  return flags.changed(name) ? value() : undefined;
}

function healthcheck(flags: Flags): HealthConfig | undefined {
  const anySet = ['health-cmd', 'health-interval', 'health-timeout', 'health-start-period', 'health-start-interval', 'health-retries'].some((f) => flags.changed(f));
  if (flags.bool('no-healthcheck')) {
    if (anySet) throw new OptionError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!anySet) return undefined;
  const dur = (name: string): number => {
    const v = parseGoDuration(flags.string(name) ?? '0s');
    if (v < 0) throw new OptionError(`--${name} cannot be negative`);
    return v;
  };
  const retries = flags.int('health-retries') ?? 0;
  if (retries < 0) throw new OptionError('--health-retries cannot be negative');
  const cmd = flags.string('health-cmd');
  return {
    Test: cmd ? ['CMD-SHELL', cmd] : undefined,
    Interval: dur('health-interval'),
    Timeout: dur('health-timeout'),
    StartPeriod: dur('health-start-period'),
    StartInterval: dur('health-start-interval'),
    Retries: retries,
  };
}

/** The docker CLI's opts.ValidateSysctl: the namespaced sysctls a container may set. */
export function allowedSysctl(value: string): string {
  const name = value.split('=')[0]!;
  const allowed = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (value.includes('=') && (allowed.includes(name) || name.startsWith('net.') || name.startsWith('fs.mqueue.'))) return value;
  throw new Error(`sysctl '${value}' is not allowed`);
}

function securityOpts(values: readonly string[], env: OptionEnv): string[] {
  return values.map((opt) => {
    // As the docker CLI (parseSecurityOpts): key=value (or key:value); only no-new-privileges
    // may come alone.
    const eq = opt.indexOf('=');
    const at = eq >= 0 || opt === 'no-new-privileges' ? eq : opt.indexOf(':');
    const key = at < 0 ? opt : opt.slice(0, at);
    const value = at < 0 ? '' : opt.slice(at + 1);
    if (value === '' && key !== 'no-new-privileges') throw new OptionError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    // A seccomp profile is sent inline, as docker does: the daemon may not see the client's files.
    const m = /^seccomp[=:](.*)$/.exec(opt);
    if (m && m[1] && m[1] !== 'unconfined' && m[1] !== 'builtin') {
      const text = env.readFile(m[1]);
      try {
        return `seccomp=${JSON.stringify(JSON.parse(text))}`;
      } catch {
        throw new OptionError(`opening seccomp profile (${m[1]}) failed: invalid JSON`);
      }
    }
    if (opt.startsWith('label:')) return `label=${opt.slice('label:'.length)}`;
    return opt;
  });
}

/**
 * The create request for `run`/`create` IMAGE [COMMAND] [ARG...]. Throws OptionError (or
 * Error) with docker's message for a value it cannot use.
 */
export async function buildContainerSpec(flags: Flags, args: readonly string[], env: OptionEnv = processEnv, detach = false): Promise<ContainerSpec> {
  const [image, ...cmd] = args;
  if (!image) throw new OptionError('requires at least 1 argument');
  const wants = (...names: string[]): boolean => names.some((n) => flags.changed(n));
  const [ports, mounts, limits] = await Promise.all([
    wants('publish', 'expose') ? import('./ports.js') : undefined,
    wants('volume', 'mount', 'tmpfs') ? import('./mounts.js') : undefined,
    wants('restart', 'device', 'ulimit', 'gpus', 'blkio-weight-device', 'device-read-bps', 'device-write-bps', 'device-read-iops', 'device-write-iops')
      ? import('./limits.js')
      : undefined,
  ]);
  try {
    return build(flags, image, cmd, env, detach, { ports, mounts, limits });
  } catch (err) {
    if (err instanceof OptionError || err instanceof FlagError || err instanceof StatusError) throw err;
    throw new OptionError(err instanceof Error ? err.message : String(err));
  }
}

interface Parsers {
  ports?: PortsModule;
  mounts?: MountsModule;
  limits?: LimitsModule;
}

/** Parse each value of a list flag; a bad one fails as the flag parser would ("invalid argument …"). */
function eachValue<T>(flags: Flags, long: string, parse: (v: string) => T): T[] {
  return flags.list(long).map((v) => {
    try {
      return parse(v);
    } catch (err) {
      // These flags have no shorthand, so docker names them "--long".
      throw new FlagError(`invalid argument ${JSON.stringify(v)} for "--${long}" flag: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** What the docker CLI's parse refuses before asking the daemon, in its words. */
function checkModes(flags: Flags): void {
  const mode = (name: string) => flags.string(name) ?? '';
  if (!['', 'host'].includes(mode('uts'))) throw new OptionError('--uts: invalid UTS mode');
  if (!['', 'host'].includes(mode('userns'))) throw new OptionError('--userns: invalid USER mode');
  if (!['', 'host', 'private'].includes(mode('cgroupns'))) throw new OptionError('--cgroupns: invalid CGROUP mode');
  const swappiness = flags.int('memory-swappiness') ?? -1;
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw new OptionError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
}

function build(flags: Flags, image: string, cmd: string[], env: OptionEnv, detach: boolean, parsers: Parsers): ContainerSpec {
  // The docker CLI checks --pull first (validatePullOpt), with the help hint and 125.
  const pull = flags.string('pull') ?? '';
  if (!['', 'always', 'missing', 'never'].includes(pull)) throw new OptionError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  checkModes(flags);
  const attach = flags.list('attach').map((s) => s.toLowerCase());
  // A plain error in the docker CLI (runContainer): exit 1, no "docker:" prefix, no help hint.
  if (detach && attach.length) throw new StatusError(1, 'conflicting options: cannot specify both --attach and --detach');
  const openStdin = flags.bool('interactive');
  let attachStdin = attach.includes('stdin') || openStdin;
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }
  let stdinOnce = openStdin && attachStdin;
  if (detach) {
    attachStdin = attachStdout = attachStderr = false;
    stdinOnce = false;
  }
  const tty = flags.bool('tty');

  const exposed: Record<string, Record<string, never>> = {};
  let bindings: Record<string, PortBinding[]> = {};
  if (parsers.ports) {
    const published = parsers.ports.parsePublish(flags.list('publish'));
    Object.assign(exposed, published.exposed);
    bindings = published.bindings;
    for (const p of parsers.ports.parseExpose(flags.list('expose'))) exposed[p] ??= {};
  }

  const volumes = parsers.mounts ? parsers.mounts.parseVolumeFlags(flags.list('volume'), env.cwd) : { binds: [], anonymous: [] };
  const mountsModule = parsers.mounts;
  const mounts: MountSpec[] = mountsModule ? eachValue(flags, 'mount', (m) => mountsModule.parseMount(m, env.cwd)) : [];

  const limits = parsers.limits;
  const restart: RestartPolicy = limits ? limits.parseRestartPolicy(flags.string('restart') ?? 'no') : { Name: 'no', MaximumRetryCount: 0 };
  const autoRemove = flags.bool('rm');
  if (autoRemove && restart.Name !== '' && restart.Name !== 'no') {
    throw new OptionError('conflicting options: cannot specify both --restart and --rm');
  }

  const entrypointFlag = flags.string('entrypoint');
  const entrypoint = entrypointFlag !== undefined ? [entrypointFlag] : null;

  const pidsLimit = optional(flags, 'pids-limit', () => flags.int('pids-limit') ?? 0);
  const net = networking(networkFlagValues(flags));

  const logOpts = kvMap(flags.list('log-opt'));
  const hostConfig: HostConfig = {
    Binds: volumes.binds.length ? volumes.binds : null,
    ContainerIDFile: flags.string('cidfile') ?? '',
    LogConfig: { Type: flags.string('log-driver') ?? '', Config: logOpts },
    NetworkMode: net.mode,
    PortBindings: bindings,
    RestartPolicy: restart.Name === '' ? { Name: 'no', MaximumRetryCount: 0 } : restart,
    AutoRemove: autoRemove,
    VolumeDriver: flags.string('volume-driver') ?? '',
    VolumesFrom: flags.list('volumes-from').length ? flags.list('volumes-from') : null,
    CapAdd: flags.list('cap-add').length ? flags.list('cap-add') : null,
    CapDrop: flags.list('cap-drop').length ? flags.list('cap-drop') : null,
    CgroupnsMode: flags.string('cgroupns') ?? '',
    // The flags' validators also rewrite: --dns in canonical form, --add-host h=ip as h:ip.
    Dns: flags.list('dns').map(validateIPAddress),
    DnsOptions: flags.list('dns-option'),
    DnsSearch: flags.list('dns-search').map(validateDNSSearch),
    ExtraHosts: flags.list('add-host').length ? flags.list('add-host').map(validateExtraHost) : null,
    GroupAdd: flags.list('group-add').length ? flags.list('group-add') : null,
    IpcMode: flags.string('ipc') ?? '',
    Links: flags.list('link').length ? flags.list('link') : null,
    OomScoreAdj: flags.int('oom-score-adj') ?? 0,
    PidMode: flags.string('pid') ?? '',
    Privileged: flags.bool('privileged'),
    PublishAllPorts: flags.bool('publish-all'),
    ReadonlyRootfs: flags.bool('read-only'),
    SecurityOpt: flags.list('security-opt').length ? securityOpts(flags.list('security-opt'), env) : null,
    UTSMode: flags.string('uts') ?? '',
    UsernsMode: flags.string('userns') ?? '',
    ShmSize: optional(flags, 'shm-size', () => parseRamBytes(flags.string('shm-size') ?? '0')) ?? 0,
    Isolation: flags.string('isolation') ?? '',
    CpuShares: flags.int('cpu-shares') ?? 0,
    Memory: optional(flags, 'memory', () => parseRamBytes(flags.string('memory') ?? '0')) ?? 0,
    NanoCpus: optional(flags, 'cpus', () => parseNanoCpus(flags.string('cpus') ?? '0')) ?? 0,
    CgroupParent: flags.string('cgroup-parent') ?? '',
    BlkioWeight: flags.int('blkio-weight') ?? 0,
    CpuPeriod: flags.int('cpu-period') ?? 0,
    CpuQuota: flags.int('cpu-quota') ?? 0,
    CpuRealtimePeriod: flags.int('cpu-rt-period') ?? 0,
    CpuRealtimeRuntime: flags.int('cpu-rt-runtime') ?? 0,
    CpusetCpus: flags.string('cpuset-cpus') ?? '',
    CpusetMems: flags.string('cpuset-mems') ?? '',
    Devices: limits ? eachValue(flags, 'device', limits.parseDevice) : [],
    DeviceCgroupRules: flags.list('device-cgroup-rule').length ? flags.list('device-cgroup-rule') : null,
    MemoryReservation: optional(flags, 'memory-reservation', () => parseRamBytes(flags.string('memory-reservation') ?? '0')) ?? 0,
    MemorySwap: optional(flags, 'memory-swap', () => parseSwapBytes(flags.string('memory-swap') ?? '0')) ?? 0,
    MemorySwappiness: flags.int('memory-swappiness') ?? -1,
    OomKillDisable: flags.bool('oom-kill-disable'),
    PidsLimit: pidsLimit ?? 0,
    Ulimits: limits ? eachValue(flags, 'ulimit', limits.parseUlimit) : [],
    Mounts: mounts.length ? mounts : undefined,
  };
  if (limits) {
    const throttles: Record<string, unknown> = {
      BlkioWeightDevice: eachValue(flags, 'blkio-weight-device', limits.parseWeightDevice),
      BlkioDeviceReadBps: eachValue(flags, 'device-read-bps', limits.parseThrottleBps),
      BlkioDeviceWriteBps: eachValue(flags, 'device-write-bps', limits.parseThrottleBps),
      BlkioDeviceReadIOps: eachValue(flags, 'device-read-iops', limits.parseThrottleIops),
      BlkioDeviceWriteIOps: eachValue(flags, 'device-write-iops', limits.parseThrottleIops),
    };
    Object.assign(hostConfig, throttles);
  }
  const tmpfs = parsers.mounts ? parsers.mounts.parseTmpfs(flags.list('tmpfs')) : {};
  if (Object.keys(tmpfs).length) hostConfig.Tmpfs = tmpfs;
  const sysctls = kvMap(eachValue(flags, 'sysctl', allowedSysctl));
  if (Object.keys(sysctls).length) hostConfig.Sysctls = sysctls;
  const storageOpt = kvMap(flags.list('storage-opt'));
  if (Object.keys(storageOpt).length) hostConfig.StorageOpt = storageOpt;
  const annotations = kvMap(flags.list('annotation'));
  if (Object.keys(annotations).length) hostConfig.Annotations = annotations;
  if (flags.changed('init')) hostConfig.Init = flags.bool('init');
  if (flags.changed('runtime')) hostConfig.Runtime = flags.string('runtime');
  const gpus = eachValue(flags, 'gpus', (v) => {
    if (!parsers.limits) throw new Error('limits not loaded');
    return parsers.limits.parseGpuRequest(v);
  });
  if (gpus.length) hostConfig.DeviceRequests = gpus;

  const labels = readLabels(flags.list('label-file'), flags.list('label'), env);
  const body: ContainerCreateBody = {
    Hostname: flags.string('hostname') ?? '',
    Domainname: flags.string('domainname') ?? '',
    User: flags.string('user') ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Tty: tty,
    OpenStdin: openStdin,
    StdinOnce: stdinOnce,
    Env: (() => {
      const e = readEnv(flags.list('env-file'), flags.list('env'), env);
      return e.length ? e : null;
    })(),
    Cmd: cmd.length ? cmd : null,
    Image: image,
    Volumes: Object.fromEntries(volumes.anonymous.map((v) => [v, {}])),
    WorkingDir: flags.string('workdir') ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: net.endpoints },
  };
  const health = healthcheck(flags);
  if (health) body.Healthcheck = health;
  if (flags.changed('stop-signal')) body.StopSignal = flags.string('stop-signal');
  if (flags.changed('stop-timeout')) body.StopTimeout = flags.int('stop-timeout');

  return {
    body,
    name: flags.string('name'),
    platform: flags.string('platform'),
    pull: (flags.string('pull') || 'missing') as PullPolicy,
    quiet: flags.bool('quiet'),
    autoRemove,
    cidfile: flags.string('cidfile'),
  };
}
