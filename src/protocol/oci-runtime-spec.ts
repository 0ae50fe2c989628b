// The part of the OCI runtime spec (runtime-spec 1.0.2: config.md, config-linux.md) that berth
// writes for crun and runc, typed: a misspelt or misplaced field is a compile error here, where
// the runtime would ignore it silently. Only the fields berth sets; the spec has more.

/** config.md#user */
export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

/** config.md#linux-process: the capability sets. */
export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
}

/** config.md#posix-process: one rlimit (`RLIMIT_NOFILE`…). */
export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

/** config.md#process: what runs, the container's init or an exec's process (`crun exec --process`). */
export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

/** config.md#mounts */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** config-linux.md#namespaces: a new one, or `path` to join. */
export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
  path?: string;
}

/** config-linux.md#user-namespace-mappings */
export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** config-linux.md#devices: a node made in the container's /dev. */
export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** config-linux.md#allowed-device-list: one rule of the device cgroup (absent major/minor: any). */
export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access?: string;
}

/** config-linux.md#control-groups: linux.resources, also what `crun update --resources` reads. */
export interface OciResources {
  devices?: OciDeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: OciBlockIO;
}

/** config-linux.md#block-io: devices by major and minor number. */
export interface OciBlockIO {
  weight?: number;
  weightDevice?: Array<{ major: number; minor: number; weight: number }>;
  throttleReadBpsDevice?: OciThrottleDevice[];
  throttleWriteBpsDevice?: OciThrottleDevice[];
  throttleReadIOPSDevice?: OciThrottleDevice[];
  throttleWriteIOPSDevice?: OciThrottleDevice[];
}

export interface OciThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** config-linux.md#seccomp: one rule. */
export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }> | null;
}

/** config-linux.md#seccomp */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: OciSyscall[];
}

/** config-linux.md */
export interface OciLinux {
  namespaces: OciNamespace[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  cgroupsPath?: string;
  resources?: OciResources;
  sysctl?: Record<string, string>;
  devices?: OciDevice[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: OciSeccomp;
}

/** config.md: a bundle's config.json. */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}
