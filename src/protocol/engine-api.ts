// Docker Engine API v1.50 JSON shapes, as clients send and receive them and berthd's API answers
// with them. Only the fields berth uses are spelled out; the rest stays reachable through the
// index signatures.

export type Labels = Record<string, string>;

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}
export type PortMap = Record<string, PortBinding[] | null>;

export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs' | 'image' | 'npipe' | 'cluster';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: string;
    NonRecursive?: boolean;
    CreateMountpoint?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Labels;
    Subpath?: string;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount?: number;
}

/** Config.Healthcheck; durations in nanoseconds, 0 for the default. */
export interface HealthConfig {
  /** ["NONE"], ["CMD", arg…] or ["CMD-SHELL", command]. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Labels | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[] | null;
}

/** A per-device block I/O limit of a HostConfig: bytes or operations per second. */
export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/** A request for devices of a driver (--gpus). */
export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[] | null;
  Capabilities: string[][] | null;
  Options: Record<string, string>;
}

export interface HostConfig {
  Binds?: string[] | null;
  DeviceRequests?: DeviceRequest[] | null;
  ContainerIDFile?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
  NetworkMode?: string;
  PortBindings?: PortMap;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  ConsoleSize?: [number, number];
  Annotations?: Record<string, string>;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  CgroupnsMode?: string;
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[] | null;
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  StorageOpt?: Record<string, string>;
  Tmpfs?: Record<string, string>;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string>;
  Runtime?: string;
  Isolation?: string;
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  CgroupParent?: string;
  BlkioWeight?: number;
  /** Per-device weights and throttles: a host device path each (docker's --blkio-weight-device, --device-read-bps …). */
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }> | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  PidsLimit?: number | null;
  Ulimits?: Ulimit[] | null;
  Mounts?: MountSpec[];
  Init?: boolean | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
}

export interface EndpointSettings {
  Aliases?: string[] | null;
  Links?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
  GwPriority?: number;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  DNSNames?: string[] | null;
}

export interface ContainerCreateBody extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointSettings> };
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[] | null;
}

export interface ContainerPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface MountPoint {
  Type?: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: ContainerPort[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Labels | null;
  State: string;
  Status: string;
  HostConfig?: { NetworkMode?: string; Annotations?: Record<string, string> };
  NetworkSettings?: { Networks?: Record<string, EndpointSettings> } | null;
  Mounts?: MountPoint[];
  [extra: string]: unknown;
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: string; FailingStreak: number; Log: unknown[] };
}

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string;
  RestartCount: number;
  Driver?: string;
  Platform?: string;
  MountLabel?: string;
  ProcessLabel?: string;
  AppArmorProfile?: string;
  ExecIDs?: string[] | null;
  HostConfig: HostConfig;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: {
    Ports?: PortMap | null;
    Networks?: Record<string, EndpointSettings>;
    IPAddress?: string;
    [extra: string]: unknown;
  };
  SizeRw?: number;
  SizeRootFs?: number;
  [extra: string]: unknown;
}

export interface WaitResponse {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

export interface ContainerTop {
  Titles: string[];
  Processes: string[][];
}

export interface FilesystemChange {
  Path: string;
  /** 0 modified, 1 added, 2 deleted */
  Kind: 0 | 1 | 2;
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ContainerStats {
  read: string;
  preread?: string;
  id?: string;
  name?: string;
  pids_stats?: { current?: number; limit?: number };
  num_procs?: number;
  cpu_stats: {
    cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode?: number; usage_in_usermode?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats: {
    cpu_usage: { total_usage: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  memory_stats: { usage?: number; limit?: number; max_usage?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: { major: number; minor: number; op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number; [extra: string]: number }>;
  [extra: string]: unknown;
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Labels | null;
  Containers: number;
  [extra: string]: unknown;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent?: string;
  Comment?: string;
  Created?: string;
  DockerVersion?: string;
  Author?: string;
  Config?: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  RootFS?: { Type: string; Layers?: string[] };
  Metadata?: { LastTagTime?: string };
  [extra: string]: unknown;
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
  Labels: Labels | null;
  Scope: string;
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
  [extra: string]: unknown;
}

export interface VolumeListResponse {
  Volumes: Volume[] | null;
  Warnings: string[] | null;
}

export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Labels;
}

export interface PruneReport {
  ContainersDeleted?: string[] | null;
  ImagesDeleted?: ImageDeleteItem[] | null;
  VolumesDeleted?: string[] | null;
  SpaceReclaimed: number;
}

export interface ExecCreateBody {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  AttachStdin?: boolean;
  AttachStderr?: boolean;
  AttachStdout?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd: string[];
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig?: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  ContainerID: string;
  Pid: number;
  [extra: string]: unknown;
}

export interface VersionComponent {
  Name: string;
  Version: string;
  Details?: Record<string, string>;
}

export interface VersionResponse {
  Platform?: { Name: string };
  Components?: VersionComponent[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Experimental?: boolean;
  BuildTime?: string;
  [extra: string]: unknown;
}

export interface SystemInfo {
  ID?: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus?: [string, string][] | null;
  Plugins?: { Volume?: string[] | null; Network?: string[] | null; Authorization?: string[] | null; Log?: string[] | null };
  MemoryLimit?: boolean;
  SwapLimit?: boolean;
  CpuCfsPeriod?: boolean;
  CpuCfsQuota?: boolean;
  CPUShares?: boolean;
  CPUSet?: boolean;
  PidsLimit?: boolean;
  IPv4Forwarding?: boolean;
  Debug?: boolean;
  NFd?: number;
  OomKillDisable?: boolean;
  NGoroutines?: number;
  SystemTime?: string;
  LoggingDriver?: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  NEventsListener?: number;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSVersion?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  IndexServerAddress?: string;
  RegistryConfig?: {
    InsecureRegistryCIDRs?: string[] | null;
    IndexConfigs?: Record<string, { Name: string; Secure: boolean; Mirrors?: string[] | null; Official?: boolean }> | null;
    Mirrors?: string[] | null;
    [extra: string]: unknown;
  } | null;
  GenericResources?: unknown;
  HttpProxy?: string;
  HttpsProxy?: string;
  NoProxy?: string;
  Name?: string;
  Labels?: string[] | null;
  ExperimentalBuild?: boolean;
  ServerVersion?: string;
  Runtimes?: Record<string, { path?: string; runtimeArgs?: string[] }>;
  DefaultRuntime?: string;
  Swarm?: { LocalNodeState?: string; [extra: string]: unknown };
  LiveRestoreEnabled?: boolean;
  Isolation?: string;
  InitBinary?: string;
  ContainerdCommit?: { ID: string };
  RuncCommit?: { ID: string };
  InitCommit?: { ID: string };
  SecurityOptions?: string[] | null;
  DockerRootDir?: string;
  Warnings?: string[] | null;
  [extra: string]: unknown;
}

export interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: Volume[] | null;
  BuildCache?: BuildCacheRecord[] | null;
}

/** One build cache entry of system df (types.BuildCache). */
export interface BuildCacheRecord {
  ID: string;
  Parents: string[] | null;
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
}

export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  /** A string when the decoder kept more digits than a double holds. */
  timeNano?: number | string;
  status?: string;
  id?: string;
  from?: string;
}

/** Docker's filter argument: `{"status":{"running":true}}`. */
export type Filters = Record<string, Record<string, boolean>>;

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface IPAM {
  Driver: string;
  Options: Record<string, string> | null;
  Config: IPAMConfig[] | null;
}

/** POST /networks/create (network.CreateRequest, fields in the order docker sends them). */
export interface NetworkCreateBody {
  Driver: string;
  Scope: string;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM: IPAM | null;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigOnly: boolean;
  ConfigFrom: { Network: string } | null;
  Options: Record<string, string>;
  Labels: Labels;
  Name: string;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning?: string;
}

export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** GET /networks/{id} (network.Inspect); an item of GET /networks has the same fields. */
export interface NetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: IPAM;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom?: { Network: string };
  ConfigOnly?: boolean;
  Containers?: Record<string, NetworkContainer> | null;
  Options: Record<string, string> | null;
  Labels: Labels | null;
  [extra: string]: unknown;
}

export interface NetworkPruneReport {
  NetworksDeleted: string[] | null;
}
