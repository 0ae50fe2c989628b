// Builds the OCI runtime spec (runtime-spec config.md, config-linux.md) for a container the way
// Docker's daemon does: its namespaces, default capabilities, mounts, masked paths and cgroup
// resources. Pure: everything it needs is passed in, so it is unit-tested without a runtime.
import type { ContainerRecord, HostConfig, ResolvedMount } from './types.js';
import { InvalidArgumentError } from '../../errors.js';
import { hostBoundingCapabilities } from '../../host/capabilities.js';
import { toOciSeccomp, type SeccompProfile } from './seccomp.js';
import type { OciBlockIO, OciDeviceRule, OciIdMapping, OciLinux, OciMount, OciNamespace, OciProcess, OciResources, OciRlimit, OciSeccomp, OciSpec } from '../../protocol/oci-runtime-spec.js';
import { parseSecurityOpts, type SecurityOptions } from './security-opts.js';
import type { NamespaceJoins } from './namespace-modes.js';
import type { DeviceNode } from '../../host/devices.js';


/** Paths the runtime mounts over in every container: not the user's changes (diff, commit). */
export const RUNTIME_MOUNT_PATHS: readonly string[] = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev', '/proc', '/sys'];
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

export interface SpecInputs {
  container: ContainerRecord;
  rootfs: string;
  user: ProcessUser;
  /** Host files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** Mounts with host sources resolved (volumes point at their data directory). */
  mounts: ResolvedMount[];
  /** Host hard rlimits: a spec may not ask for more (no CAP_SYS_RESOURCE). */
  hostHardLimits: Map<string, number>;
  /** Path of an init binary for --init (tini / catatonit), bind-mounted at /sbin/docker-init. */
  initPath?: string;
  /** Network namespace path to join, or 'host', or undefined for a new one. */
  netns?: string;
  /** The daemon's default seccomp profile; undefined when the daemon runs unconfined. */
  seccompDefault?: SeccompProfile;
  /** Namespaces shared with the host or another container (--pid, --ipc, --uts, --cgroupns). */
  joins?: NamespaceJoins;
  /** --device nodes, resolved on the host, with their cgroup permissions. */
  devices?: Array<DeviceNode & { access: string }>;
  /** Per-device block I/O weights and throttles, by device number (confinement.ts resolveBlockIO). */
  blockIODevices?: Omit<OciBlockIO, 'weight'>;
  /** Variables of legacy links (ALIAS_NAME, ALIAS_PORT_*…); the container's own Env wins over them. */
  linkEnv?: string[];
  /** --userns-remap: the user namespace's ID mappings (runtime-spec config-linux.md#user-namespace-mappings). */
  userns?: { uidMappings: OciIdMapping[]; gidMappings: OciIdMapping[] };
}

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability the kernel knows (what --cap-add/--cap-drop may name). */
export const KNOWN_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** What --privileged and --cap-add ALL grant: every capability the daemon itself holds. */
const hostCaps = hostBoundingCapabilities();
export const ALL_CAPABILITIES = hostCaps ? KNOWN_CAPABILITIES.filter((c) => hostCaps.includes(c)) : KNOWN_CAPABILITIES;

/** moby daemon/pkg/oci/defaults.go (docker 28): /proc/interrupts since GHSA-6fw5-f8r9-fgfm. */
const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/sched_debug',
  '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap', '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** /dev/shm's size when the container sets none (dockerd's DefaultShmSize). */
const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * The HostConfig defaults a start applies where the create left a field empty, as dockerd writes
 * them into HostConfig at create (adaptContainerSettings), so inspect shows what is in force: the
 * IPC and cgroup namespaces, /dev/shm's size, swap at twice the memory, the masked and read-only
 * paths; and, as dockerd, no pids limit and no swappiness as null rather than 0 or -1.
 */
export function hostConfigInForce(h: HostConfig): Partial<HostConfig> {
  const privileged = !!h.Privileged;
  return {
    IpcMode: h.IpcMode || 'private',
    CgroupnsMode: h.CgroupnsMode || 'private',
    ShmSize: h.ShmSize && h.ShmSize > 0 ? h.ShmSize : DEFAULT_SHM_SIZE,
    ...(h.Memory && h.Memory > 0 && !h.MemorySwap ? { MemorySwap: h.Memory * 2 } : {}),
    PidsLimit: h.PidsLimit && h.PidsLimit > 0 ? h.PidsLimit : null,
    MemorySwappiness: typeof h.MemorySwappiness === 'number' && h.MemorySwappiness >= 0 ? h.MemorySwappiness : null,
    MaskedPaths: h.MaskedPaths ?? (privileged ? null : [...MASKED_PATHS]),
    ReadonlyPaths: h.ReadonlyPaths ?? (privileged ? null : [...READONLY_PATHS]),
  };
}

const DEFAULT_DEVICES: Array<[string, number, number]> = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7],
  ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
];

/**
 * The terminal's initial size (runtime-spec process.consoleSize), from Docker's
 * ConsoleSize [height, width]: set before the process runs, so `stty size` is right at once.
 */
function consoleSize(tty: boolean, size: unknown): { consoleSize?: { height: number; width: number } } {
  if (!tty || !Array.isArray(size) || size.length !== 2) return {};
  const [height, width] = size.map(Number);
  return height! > 0 && width! > 0 ? { consoleSize: { height: height!, width: width! } } : {};
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function normalizeCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper === 'ALL' ? upper : upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export function effectiveCapabilities(privileged: boolean, add: string[] = [], drop: string[] = []): string[] {
  if (privileged) return [...ALL_CAPABILITIES];
  const adds = add.map(normalizeCapability);
  const drops = drop.map(normalizeCapability);
  for (const c of [...adds, ...drops]) {
    if (c !== 'ALL' && !KNOWN_CAPABILITIES.includes(c)) throw new InvalidArgumentError(`unknown capability: "${c}"`);
  }
  let caps = adds.includes('ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES, ...adds];
  if (drops.includes('ALL')) caps = adds.filter((c) => c !== 'ALL');
  else caps = caps.filter((c) => !drops.includes(c));
  return [...new Set(caps)];
}

/** Docker's environment: image env, then user env, plus PATH, HOSTNAME, TERM and HOME if missing. */
export function processEnv(container: ContainerRecord, home: string, linkEnv: string[] = []): string[] {
  const env = new Map<string, string>();
  const put = (kv: string) => {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  };
  put(`PATH=${DEFAULT_PATH}`);
  put(`HOSTNAME=${container.Config.Hostname}`);
  if (container.Config.Tty) put('TERM=xterm');
  for (const kv of linkEnv) put(kv);
  for (const kv of container.Config.Env ?? []) put(kv);
  if (!env.has('HOME')) env.set('HOME', home || '/');
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** The rlimits setrlimit(2) knows (go-units' ulimit names). */
const RLIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/**
 * --ulimit as the spec's rlimits; what the runtime would refuse (an unknown name, soft above hard,
 * a hard limit above the daemon's own, which it cannot raise without CAP_SYS_RESOURCE) is a 400.
 * Checked at create, and again when the spec is built (the daemon's limits may have changed).
 */
export function ociRlimits(ulimits: HostConfig['Ulimits'], hard: Map<string, number>): OciRlimit[] {
  return (ulimits ?? []).map((u) => {
    // A request may leave out any field (request-shape.ts checks only the types of those present).
    const name = typeof u.Name === 'string' ? u.Name.toLowerCase() : '';
    if (!RLIMIT_NAMES.includes(name)) throw new InvalidArgumentError(`invalid ulimit type: ${u.Name ?? ''}`);
    if (typeof u.Soft !== 'number' || typeof u.Hard !== 'number') throw new InvalidArgumentError(`ulimit ${name}: soft and hard limits are required`);
    if (u.Soft > u.Hard) throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    const type = `RLIMIT_${name.toUpperCase()}`;
    const max = hard.get(type);
    if (max !== undefined && u.Hard > max) {
      throw new InvalidArgumentError(
        `ulimit ${u.Name}: hard limit ${u.Hard} exceeds the host's hard limit ${max} (the daemon cannot raise it without CAP_SYS_RESOURCE)`,
      );
    }
    return { type, soft: u.Soft, hard: u.Hard };
  });
}

/** A --device-cgroup-rule ("c 1:3 rwm", "a *:* m") as a runtime-spec device rule. */
export function parseDeviceCgroupRule(rule: string): OciDeviceRule {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) throw new InvalidArgumentError(`invalid device cgroup rule format: '${rule}'`);
  const num = (v: string) => (v === '*' ? undefined : Number(v));
  return { allow: true, type: m[1] as 'a' | 'b' | 'c', major: num(m[2]!), minor: num(m[3]!), access: m[4] };
}

/** The spec's linux.resources for a container's HostConfig (also what `update` hands the runtime). */
export function cgroupResources(container: Pick<ContainerRecord, 'HostConfig'>, mapped: SpecInputs['devices'] = [], blockIODevices: SpecInputs['blockIODevices'] = {}): OciResources {
  const h = container.HostConfig;
  const memory: NonNullable<OciResources['memory']> = {};
  if (h.Memory) {
    memory.limit = h.Memory;
    // Docker: swap defaults to twice the memory (MemorySwap is memory+swap); -1 is unlimited.
    if (h.MemorySwap === -1) memory.swap = -1;
    else memory.swap = h.MemorySwap && h.MemorySwap > 0 ? h.MemorySwap : h.Memory * 2;
  }
  if (h.MemoryReservation) memory.reservation = h.MemoryReservation;
  // -1 (the CLI's default) leaves the kernel's swappiness.
  if (typeof h.MemorySwappiness === 'number' && h.MemorySwappiness >= 0) memory.swappiness = h.MemorySwappiness;
  if (h.OomKillDisable) memory.disableOOMKiller = true;
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (h.NanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((h.NanoCpus * 100_000) / 1e9);
  } else {
    if (h.CpuPeriod) cpu.period = h.CpuPeriod;
    if (h.CpuQuota) cpu.quota = h.CpuQuota;
  }
  if (h.CpuShares) cpu.shares = h.CpuShares;
  // The kernel takes a runtime only within its parent's budget (none by default: EINVAL, as with dockerd).
  if (h.CpuRealtimePeriod) cpu.realtimePeriod = h.CpuRealtimePeriod;
  if (h.CpuRealtimeRuntime) cpu.realtimeRuntime = h.CpuRealtimeRuntime;
  if (h.CpusetCpus) cpu.cpus = h.CpusetCpus;
  if (h.CpusetMems) cpu.mems = h.CpusetMems;
  const devices: OciDeviceRule[] = [{ allow: false, access: 'rwm' }];
  if (h.Privileged) devices.push({ allow: true, access: 'rwm' });
  else {
    for (const [, major, minor] of DEFAULT_DEVICES) devices.push({ allow: true, type: 'c', major, minor, access: 'rwm' });
    // /dev/pts/* and /dev/ptmx, as Docker allows.
    devices.push({ allow: true, type: 'c', major: 136, access: 'rwm' }, { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' });
    for (const d of mapped) devices.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access });
    for (const r of h.DeviceCgroupRules ?? []) devices.push(parseDeviceCgroupRule(r));
  }
  const res: OciResources = { devices };
  if (Object.keys(memory).length) res.memory = memory;
  if (Object.keys(cpu).length) res.cpu = cpu;
  if (h.PidsLimit && h.PidsLimit > 0) res.pids = { limit: h.PidsLimit };
  const blockIO: OciBlockIO = { ...(h.BlkioWeight ? { weight: h.BlkioWeight } : {}), ...blockIODevices };
  if (Object.keys(blockIO).length) res.blockIO = blockIO;
  return res;
}

function userMounts(mounts: ResolvedMount[]): OciMount[] {
  return mounts.map((m) => {
    if (m.Type === 'tmpfs') {
      return { destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(m.Options ?? [])] };
    }
    // Read-only goes down to the mounts under the source too (`rro`, mount_setattr), as dockerd
    // makes it for API 1.44+ clients, unless asked otherwise.
    const options = [m.NonRecursive ? 'bind' : 'rbind', m.RW ? 'rw' : m.ReadOnlyNonRecursive || m.NonRecursive ? 'ro' : 'rro'];
    if (m.Propagation) options.push(m.Propagation);
    return { destination: m.Destination, type: 'bind', source: m.Source, options };
  });
}

/** The default profile converted once per capability set: container start does not redo it. */
const defaultSeccompCache = new WeakMap<SeccompProfile, Map<string, OciSeccomp | undefined>>();

/**
 * The container's seccomp filter as dockerd chooses it (moby daemon/seccomp_linux.go): none when
 * unconfined; for --privileged only a profile the user named; else that profile or the daemon's.
 */
export function containerSeccomp(seccomp: SecurityOptions['seccomp'], privileged: boolean, caps: string[], daemonDefault?: SeccompProfile): OciSeccomp | undefined {
  if (seccomp === 'unconfined') return undefined;
  if (seccomp !== 'default') return toOciSeccomp(seccomp, caps);
  if (privileged || !daemonDefault) return undefined;
  let byCaps = defaultSeccompCache.get(daemonDefault);
  if (!byCaps) defaultSeccompCache.set(daemonDefault, (byCaps = new Map()));
  const key = caps.join(',');
  if (!byCaps.has(key)) byCaps.set(key, toOciSeccomp(daemonDefault, caps));
  return byCaps.get(key);
}

/** /dev/shm: its own tmpfs, the host's or another container's (--ipc), or none (--ipc none). */
function shmMount(joins: NamespaceJoins, size: number): OciMount | undefined {
  if (joins.ipcNone) return undefined;
  if (joins.shm) return { destination: '/dev/shm', type: 'bind', source: joins.shm, options: ['rbind', 'nosuid', 'noexec', 'nodev'] };
  return { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`] };
}

export function buildOciSpec(inp: SpecInputs): OciSpec {
  const c = inp.container;
  const h = c.HostConfig;
  const privileged = !!h.Privileged;
  const caps = effectiveCapabilities(privileged, h.CapAdd ?? [], h.CapDrop ?? []);
  const security = parseSecurityOpts(h.SecurityOpt);
  const args = h.Init ? ['/sbin/docker-init', '--', c.Path, ...c.Args] : [c.Path, ...c.Args];
  const shmSize = h.ShmSize && h.ShmSize > 0 ? h.ShmSize : DEFAULT_SHM_SIZE;
  const userDests = new Set(inp.mounts.map((m) => m.Destination));
  const systemMounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // In a user namespace sysfs cannot be mounted for a network namespace it does not own (the
    // sandbox's is made first): the host's is bound instead, read-only, as dockerd does.
    inp.userns
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', (security.writableCgroups ?? privileged) ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    shmMount(inp.joins ?? {}, shmSize),
  ].filter((m): m is OciMount => !!m && !userDests.has(m.destination));
  const etcMounts: OciMount[] = (
    [
      ['/etc/resolv.conf', inp.etcFiles.resolvConf],
      ['/etc/hostname', inp.etcFiles.hostname],
      ['/etc/hosts', inp.etcFiles.hosts],
    ] as const
  )
    .filter(([dest]) => !userDests.has(dest))
    .map(([destination, source]) => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate', 'rw'] }));
  const initMount: OciMount[] = h.Init && inp.initPath
    ? [{ destination: '/sbin/docker-init', type: 'bind', source: inp.initPath, options: ['rbind', 'ro'] }]
    : [];
  const joins = inp.joins ?? {};
  const ns = (type: OciNamespace['type'], join?: string): OciNamespace[] => (join === 'host' ? [] : join ? [{ type, path: join }] : [{ type }]);
  const namespaces: OciNamespace[] = [
    ...ns('pid', joins.pid), ...ns('ipc', joins.ipc), ...ns('uts', joins.uts), { type: 'mount' }, ...ns('cgroup', joins.cgroup),
    ...(inp.userns ? [{ type: 'user' as const }] : []),
  ];
  if (inp.netns !== 'host') namespaces.push(inp.netns ? { type: 'network', path: inp.netns } : { type: 'network' });
  const linux: OciLinux = {
    namespaces,
    cgroupsPath: c.CgroupPath,
    resources: cgroupResources(c, inp.devices, inp.blockIODevices),
    sysctl: h.Sysctls ?? {},
  };
  if (inp.userns) Object.assign(linux, inp.userns);
  if (inp.devices?.length) {
    linux.devices = inp.devices.map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
  }
  if (!privileged) {
    linux.maskedPaths = MASKED_PATHS;
    linux.readonlyPaths = READONLY_PATHS;
  }
  // Set through the API (the CLI's --security-opt systempaths=unconfined sends both empty).
  if (Array.isArray(h.MaskedPaths)) linux.maskedPaths = h.MaskedPaths;
  if (Array.isArray(h.ReadonlyPaths)) linux.readonlyPaths = h.ReadonlyPaths;
  const seccomp = containerSeccomp(security.seccomp, privileged, caps, inp.seccompDefault);
  if (seccomp) linux.seccomp = seccomp;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: c.Config.Tty,
      ...consoleSize(c.Config.Tty, h.ConsoleSize),
      user: { uid: inp.user.uid, gid: inp.user.gid, additionalGids: inp.user.additionalGids },
      args,
      env: processEnv(c, inp.user.home, inp.linkEnv),
      cwd: c.Config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      rlimits: ociRlimits(h.Ulimits, inp.hostHardLimits),
      noNewPrivileges: security.noNewPrivileges,
      oomScoreAdj: h.OomScoreAdj ?? 0,
    },
    root: { path: inp.rootfs, readonly: !!h.ReadonlyRootfs },
    // Sharing the host's UTS namespace means not setting its name (the runtime refuses to).
    hostname: joins.uts === 'host' ? undefined : c.Config.Hostname,
    domainname: c.Config.Domainname || undefined,
    mounts: [...systemMounts, ...etcMounts, ...initMount, ...userMounts(inp.mounts)],
    linux,
    // The API's annotations go to the runtime as dockerd's do (crun reads its own run.oci.* there).
    ...(h.Annotations && Object.keys(h.Annotations).length ? { annotations: { ...h.Annotations } } : {}),
  };
}

/** The process object of an exec session (runtime-spec config.md#process). */
export function buildExecProcess(
  base: OciSpec,
  opts: { args: string[]; env: string[]; cwd: string; tty: boolean; user: ProcessUser; privileged: boolean; consoleSize?: unknown },
): OciProcess {
  const proc = base.process;
  const env = new Map<string, string>();
  for (const kv of [...proc.env, ...opts.env]) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  if (opts.tty && !env.has('TERM')) env.set('TERM', 'xterm');
  const caps = opts.privileged ? { bounding: ALL_CAPABILITIES, effective: ALL_CAPABILITIES, permitted: ALL_CAPABILITIES, inheritable: [] } : proc.capabilities;
  return {
    ...proc,
    terminal: opts.tty,
    ...consoleSize(opts.tty, opts.consoleSize),
    args: opts.args,
    env: [...env].map(([k, v]) => `${k}=${v}`),
    cwd: opts.cwd || proc.cwd,
    user: { uid: opts.user.uid, gid: opts.user.gid, additionalGids: opts.user.additionalGids },
    capabilities: caps,
  };
}
