// A container as the engine keeps it. Config and HostConfig keep Docker's field names because
// `inspect` must hand back exactly what the client sent (including fields berth only stores);
// the engine reads the subset it acts on.
import type { NetworkAttachment, SandboxState } from '../network/types.js';

import type { HealthConfig, ThrottleDevice, Ulimit } from '../../protocol/engine-api.js';

export type { HealthConfig, Ulimit };

export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** Docker's State.Health. */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  /** The last five results, oldest first. */
  Log: HealthResult[];
}

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes?: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild?: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: HealthConfig;
  /** No network at all, whatever the network mode and networks say: a namespace with only lo. */
  NetworkDisabled?: boolean;
  [extra: string]: unknown;
}

export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface HostConfig {
  Binds?: string[] | null;
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;
  RestartPolicy?: { Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount?: number };
  AutoRemove?: boolean;
  Mounts?: MountSpec[];
  Tmpfs?: Record<string, string>;
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  /** Per-device weights and throttles: a host device path each (--blkio-weight-device, --device-read-bps …). */
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }> | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  /** Windows' isolation technology: only 'default' (or none) on Linux. */
  Isolation?: string;
  /** OCI annotations for the runtime (API 1.43+). */
  Annotations?: Record<string, string>;
  OomKillDisable?: boolean;
  Privileged?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  ReadonlyRootfs?: boolean;
  Init?: boolean | null;
  ExtraHosts?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  Ulimits?: Ulimit[] | null;
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }> | null;
  ShmSize?: number;
  SecurityOpt?: string[] | null;
  Runtime?: string;
  GroupAdd?: string[] | null;
  Sysctls?: Record<string, string>;
  IpcMode?: string;
  /** Legacy links, stored as "/target:/self/alias". */
  Links?: string[] | null;
  VolumesFrom?: string[] | null;
  PidMode?: string;
  UTSMode?: string;
  CgroupParent?: string;
  CgroupnsMode?: string;
  UsernsMode?: string;
  OomScoreAdj?: number;
  DeviceCgroupRules?: string[] | null;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  MemorySwappiness?: number | null;
  CpusetMems?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
  [extra: string]: unknown;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  /** PID of the conmon supervising the running container (0 when none). */
  MonitorPid: number;
  RestartCount: number;
  /** Present once a container with a healthcheck has started. */
  Health?: HealthState;
}

/** A resolved mount, as `inspect` lists it under Mounts. */
export interface ResolvedMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** tmpfs mount options (size=…, mode=…). */
  Options?: string[];
  /** Volume only: never copy the image's content at this path into it (nocopy). */
  NoCopy?: boolean;
  /** Bind only: the source alone, not the mounts under it (BindOptions.NonRecursive: `bind`, not `rbind`). */
  NonRecursive?: boolean;
  /**
   * Read-only, but the mounts under the source keep their own mode (`ro`, not `rro`): asked for
   * (BindOptions.ReadOnlyNonRecursive), or every read-only mount of a client before API 1.44.
   */
  ReadOnlyNonRecursive?: boolean;
}

export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  /** Image ID ("sha256:…"). */
  Image: string;
  /** Chain ID of the image's top layer: the rootfs stack, held even if the image is removed. */
  TopLayer: string;
  State: ContainerState;
  Mounts: ResolvedMount[];
  /** The OCI runtime chosen at create time. */
  Runtime: string;
  /** cgroup path handed to the runtime. */
  CgroupPath: string;
  RestartCount: number;
  /**
   * A user stopped or killed it (docker's HasBeenManuallyStopped): kept on disk, so after a
   * daemon restart an unless-stopped container stays stopped while an always one starts.
   */
  HasBeenManuallyStopped?: boolean;
  /**
   * A build's RUN step made it and removes it afterwards: a daemon start that finds it, finds
   * it orphaned (the build died with the daemon) and removes it.
   */
  BuildStep?: boolean;
  /** The networks it is attached to, by network name (endpoints present while it runs). */
  Networks?: Record<string, NetworkAttachment>;
  /** Its network namespace and published ports, while it runs. */
  Sandbox?: SandboxState;
}
