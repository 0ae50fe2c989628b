// The flags of `run` and `create`, and how they become the body of POST /containers/create
// (docker's cli/command/container/opts.go parse()).

import { readFileSync } from 'node:fs';
import type { ContainerCreateBody, EndpointSettings, HealthConfig, HostConfig, MountSpec, PortBinding, RestartPolicy } from '../client/types.js';
import type { FlagSpec, Flags } from './flags.js';
// ports.js, mounts.js and limits.js load only when their flags are used: `run` is a hot path.
type PortsModule = typeof import('./ports.js');
type MountsModule = typeof import('./mounts.js');
type LimitsModule = typeof import('./limits.js');
import { FlagError } from './flags.js';
import { kvMap, readEnv, readLabels, type EnvSource } from './envfile.js';
import { parseGoDuration, parseNanoCpus, parseRamBytes, parseSwapBytes } from './units.js';

/** Byte order, as Go sorts strings (and without waking ICU as localeCompare does). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const bool = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'bool', usage, ...extra });
const str = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'string', usage, ...extra });
const list = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'list', usage, ...extra });
const int = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'int', usage, ...extra });
const bytes = (long: string, usage: string, short?: string): FlagSpec => ({ long, short, kind: 'string', type: 'bytes', usage, validate: (v) => void parseRamBytes(v) });
const duration = (long: string, usage: string): FlagSpec => ({ long, kind: 'string', type: 'duration', usage, defaultText: '0s', validate: (v) => void parseGoDuration(v) });

function validateAttach(v: string): void {
  if (!['stdin', 'stdout', 'stderr'].includes(v.toLowerCase())) throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

function validatePull(v: string): void {
  if (!['always', 'missing', 'never'].includes(v)) throw new Error(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
}

/** Flags shared by run and create. */
export const CONTAINER_FLAGS: FlagSpec[] = [
  list('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  list('annotation', 'Add an annotation to the container (passed through to the OCI runtime)', undefined, { type: 'map' }),
  list('attach', 'Attach to STDIN, STDOUT or STDERR', 'a', { validate: validateAttach }),
  int('blkio-weight', 'Block IO (relative weight), between 10 and 1000, or 0 to disable', undefined, { type: 'uint16', defaultText: '0' }),
  list('blkio-weight-device', 'Block IO weight (relative device weight)'),
  list('cap-add', 'Add Linux capabilities'),
  list('cap-drop', 'Drop Linux capabilities'),
  str('cgroup-parent', 'Optional parent cgroup for the container'),
  str('cgroupns', "Cgroup namespace to use (host|private)"),
  str('cidfile', 'Write the container ID to the file'),
  int('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  int('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  int('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  int('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  int('cpu-shares', 'CPU shares (relative weight)', 'c'),
  { long: 'cpus', kind: 'string', type: 'decimal', usage: 'Number of CPUs', validate: (v) => void parseNanoCpus(v) },
  str('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  str('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  list('device', 'Add a host device to the container'),
  list('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  list('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  list('device-read-iops', 'Limit read rate (IO per second) from a device'),
  list('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  list('device-write-iops', 'Limit write rate (IO per second) to a device'),
  bool('disable-content-trust', 'Skip image verification', undefined, { defaultBool: true, defaultText: 'true' }),
  list('dns', 'Set custom DNS servers'),
  list('dns-option', 'Set DNS options'),
  list('dns-search', 'Set custom DNS search domains'),
  str('domainname', 'Container NIS domain name'),
  str('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  list('env', 'Set environment variables', 'e'),
  list('env-file', 'Read in a file of environment variables'),
  list('expose', 'Expose a port or a range of ports'),
  str('gpus', "GPU devices to add to the container ('all' to pass all GPUs)", undefined, { type: 'gpu-request' }),
  list('group-add', 'Add additional groups to join'),
  str('health-cmd', 'Command to run to check health'),
  duration('health-interval', 'Time between running the check (ms|s|m|h)'),
  int('health-retries', 'Consecutive failures needed to report unhealthy'),
  duration('health-start-interval', 'Time between running the check during the start period (ms|s|m|h)'),
  duration('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)'),
  duration('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h)'),
  str('hostname', 'Container host name', 'h'),
  bool('init', 'Run an init inside the container that forwards signals and reaps processes'),
  bool('interactive', 'Keep STDIN open even if not attached', 'i'),
  str('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  str('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  str('ipc', 'IPC mode to use'),
  str('isolation', 'Container isolation technology'),
  bytes('kernel-memory', 'Kernel memory limit'),
  list('label', 'Set meta data on a container', 'l'),
  list('label-file', 'Read in a line delimited file of labels'),
  list('link', 'Add link to another container'),
  list('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  str('log-driver', 'Logging driver for the container'),
  list('log-opt', 'Log driver options'),
  str('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  bytes('memory', 'Memory limit', 'm'),
  bytes('memory-reservation', 'Memory soft limit'),
  { long: 'memory-swap', kind: 'string', type: 'bytes', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", validate: (v) => void parseSwapBytes(v) },
  int('memory-swappiness', 'Tune container memory swappiness (0 to 100)', undefined, { defaultText: '-1' }),
  list('mount', 'Attach a filesystem mount to the container', undefined, { type: 'mount' }),
  str('name', 'Assign a name to the container'),
  list('network', 'Connect a container to a network', undefined, { type: 'network' }),
  list('network-alias', 'Add network-scoped alias for the container'),
  bool('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  bool('oom-kill-disable', 'Disable OOM Killer'),
  int('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  str('pid', 'PID namespace to use'),
  int('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  str('platform', 'Set platform if server is multi-platform capable'),
  bool('privileged', 'Give extended privileges to this container'),
  list('publish', "Publish a container's port(s) to the host", 'p'),
  bool('publish-all', 'Publish all exposed ports to random ports', 'P'),
  str('pull', 'Pull image before running ("always", "missing", "never")', undefined, { defaultText: '"missing"', validate: validatePull }),
  bool('quiet', 'Suppress the pull output', 'q'),
  bool('read-only', "Mount the container's root filesystem as read only"),
  str('restart', 'Restart policy to apply when a container exits', undefined, { defaultText: '"no"' }),
  bool('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  str('runtime', 'Runtime to use for this container'),
  list('security-opt', 'Security Options'),
  bytes('shm-size', 'Size of /dev/shm'),
  str('stop-signal', 'Signal to stop the container'),
  int('stop-timeout', 'Timeout (in seconds) to stop a container'),
  list('storage-opt', 'Storage driver options for the container'),
  list('sysctl', 'Sysctl options', undefined, { type: 'map' }),
  list('tmpfs', 'Mount a tmpfs directory'),
  bool('tty', 'Allocate a pseudo-TTY', 't'),
  list('ulimit', 'Ulimit options', undefined, { type: 'ulimit' }),
  bool('use-api-socket', 'Bind mount Docker API socket and required auth'),
  str('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  str('userns', 'User namespace to use'),
  str('uts', 'UTS namespace to use'),
  list('volume', 'Bind mount a volume', 'v'),
  str('volume-driver', 'Optional volume driver for the container'),
  list('volumes-from', 'Mount volumes from the specified container(s)'),
  str('workdir', 'Working directory inside the container', 'w'),
];

export const RUN_ONLY_FLAGS: FlagSpec[] = [
  bool('detach', 'Run container in background and print container ID', 'd'),
  str('detach-keys', 'Override the key sequence for detaching a container'),
  bool('sig-proxy', 'Proxy received signals to the process', undefined, { defaultBool: true, defaultText: 'true' }),
];

const byName = (a: FlagSpec, b: FlagSpec): number => cmp(a.long, b.long);
export const RUN_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS].sort(byName);
export const CREATE_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS].sort(byName);

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
  lookup: (name) => process.env[name],
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new OptionError(code === 'ENOENT' ? `open ${path}: no such file or directory` : `open ${path}: ${(err as Error).message}`);
    }
  },
  cwd: process.cwd(),
};

function optional<T>(flags: Flags, name: string, value: () => T): T | undefined {
  return flags.changed(name) ? value() : undefined;
}

function networkOptions(flags: Flags): { mode: string; endpoints: Record<string, EndpointSettings> } {
  const endpoints: Record<string, EndpointSettings> = {};
  const networks: string[] = [];
  for (const raw of flags.list('network')) {
    // --network name=foo,alias=bar,ip=… or just a network name
    if (raw.includes('=')) {
      let name = '';
      const ep: EndpointSettings = {};
      for (const field of raw.split(',')) {
        const [k, v = ''] = field.split('=', 2) as [string, string?];
        if (k === 'name') name = v;
        else if (k === 'alias') (ep.Aliases ??= []).push(v);
        else if (k === 'ip') (ep.IPAMConfig ??= {}).IPv4Address = v;
        else if (k === 'ip6') (ep.IPAMConfig ??= {}).IPv6Address = v;
        else if (k === 'mac-address') ep.MacAddress = v;
        else if (k !== 'driver-opt' && k !== 'link-local-ip' && k !== 'gw-priority') throw new OptionError(`invalid field key ${k}`);
      }
      networks.push(name);
      endpoints[name] = ep;
    } else {
      networks.push(raw);
      endpoints[raw] ??= {};
    }
  }
  const mode = networks[0] ?? 'default';
  const first = (endpoints[mode] ??= {});
  const aliases = flags.list('network-alias');
  if (aliases.length) first.Aliases = [...(first.Aliases ?? []), ...aliases];
  const ip = flags.string('ip');
  const ip6 = flags.string('ip6');
  if (ip || ip6) first.IPAMConfig = { ...(first.IPAMConfig ?? {}), ...(ip ? { IPv4Address: ip } : {}), ...(ip6 ? { IPv6Address: ip6 } : {}) };
  const mac = flags.string('mac-address');
  if (mac) first.MacAddress = mac;
  const links = flags.list('link');
  if (links.length && mode !== 'default' && mode !== 'bridge') first.Links = links;
  return { mode, endpoints };
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

function securityOpts(values: readonly string[], env: OptionEnv): string[] {
  return values.map((opt) => {
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
    wants('restart', 'device', 'ulimit', 'blkio-weight-device', 'device-read-bps', 'device-write-bps', 'device-read-iops', 'device-write-iops')
      ? import('./limits.js')
      : undefined,
  ]);
  try {
    return build(flags, image, cmd, env, detach, { ports, mounts, limits });
  } catch (err) {
    if (err instanceof OptionError || err instanceof FlagError) throw err;
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

function build(flags: Flags, image: string, cmd: string[], env: OptionEnv, detach: boolean, parsers: Parsers): ContainerSpec {
  const attach = flags.list('attach').map((s) => s.toLowerCase());
  if (detach && attach.length) throw new OptionError('conflicting options: cannot specify both --attach and --detach');
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
  const net = networkOptions(flags);

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
    Dns: flags.list('dns'),
    DnsOptions: flags.list('dns-option'),
    DnsSearch: flags.list('dns-search'),
    ExtraHosts: flags.list('add-host').length ? flags.list('add-host') : null,
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
  const sysctls = kvMap(flags.list('sysctl'));
  if (Object.keys(sysctls).length) hostConfig.Sysctls = sysctls;
  const storageOpt = kvMap(flags.list('storage-opt'));
  if (Object.keys(storageOpt).length) hostConfig.StorageOpt = storageOpt;
  const annotations = kvMap(flags.list('annotation'));
  if (Object.keys(annotations).length) hostConfig.Annotations = annotations;
  if (flags.changed('init')) hostConfig.Init = flags.bool('init');
  if (flags.changed('runtime')) hostConfig.Runtime = flags.string('runtime');
  if (flags.changed('gpus')) throw new OptionError('--gpus is not supported by berth');

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
  if (flags.changed('mac-address') && net.mode === 'default') body.MacAddress = flags.string('mac-address');

  return {
    body,
    name: flags.string('name'),
    platform: flags.string('platform'),
    pull: (flags.string('pull') ?? 'missing') as PullPolicy,
    quiet: flags.bool('quiet'),
    autoRemove,
    cidfile: flags.string('cidfile'),
  };
}
