// The shapes of JSON request bodies (container, volume, network and exec create, network
// connect), checked as dockerd's JSON decoding checks them: a field of the wrong type is a 400
// naming the field and the Go type, at create, not a JavaScript TypeError at start. Go's rules: null is the zero value, unknown fields are ignored, integers
// must be whole numbers, and strslice fields (Cmd, Entrypoint, Shell, CapAdd, CapDrop) take a
// string or a list of strings (moby api/types/strslice), normalised here to a list.
import { effectiveCapabilities } from '../engine/containers/oci-spec.js';
import { HttpError } from './errors.js';

type Shape =
  | 'string' | 'bool' | 'int' | 'strslice' | 'any'
  | { list: Shape }
  | { map: Shape }
  | { object: Record<string, Shape> };

const S = 'string' as const;
const B = 'bool' as const;
const I = 'int' as const;
const strings: Shape = { list: S };
const stringMap: Shape = { map: S };
const emptyObjects: Shape = { map: 'any' };

const HEALTHCHECK: Shape = { object: { Test: strings, Interval: I, Timeout: I, Retries: I, StartPeriod: I, StartInterval: I } };

const CONFIG_FIELDS: Record<string, Shape> = {
  Hostname: S, Domainname: S, User: S, AttachStdin: B, AttachStdout: B, AttachStderr: B,
  ExposedPorts: emptyObjects, Tty: B, OpenStdin: B, StdinOnce: B, Env: strings, Cmd: 'strslice',
  Healthcheck: HEALTHCHECK, ArgsEscaped: B, Image: S, Volumes: emptyObjects, WorkingDir: S,
  Entrypoint: 'strslice', NetworkDisabled: B, MacAddress: S, OnBuild: strings, Labels: stringMap,
  StopSignal: S, StopTimeout: I, Shell: 'strslice',
};

const MOUNT: Shape = {
  object: {
    Type: S, Source: S, Target: S, ReadOnly: B, Consistency: S,
    BindOptions: { object: { Propagation: S, NonRecursive: B, CreateMountpoint: B, ReadOnlyNonRecursive: B, ReadOnlyForceRecursive: B } },
    VolumeOptions: { object: { NoCopy: B, Labels: stringMap, Subpath: S, DriverConfig: { object: { Name: S, Options: stringMap } } } },
    TmpfsOptions: { object: { SizeBytes: I, Mode: I } },
  },
};

const HOST_CONFIG: Shape = {
  object: {
    Binds: strings, ContainerIDFile: S, LogConfig: { object: { Type: S, Config: stringMap } }, NetworkMode: S,
    PortBindings: { map: { list: { object: { HostIp: S, HostPort: S } } } },
    RestartPolicy: { object: { Name: S, MaximumRetryCount: I } }, AutoRemove: B, VolumeDriver: S, VolumesFrom: strings,
    ConsoleSize: { list: I }, Annotations: stringMap, CapAdd: 'strslice', CapDrop: 'strslice', CgroupnsMode: S,
    Dns: strings, DnsOptions: strings, DnsSearch: strings, ExtraHosts: strings, GroupAdd: strings, IpcMode: S,
    Cgroup: S, Links: strings, OomScoreAdj: I, PidMode: S, Privileged: B, PublishAllPorts: B, ReadonlyRootfs: B,
    SecurityOpt: strings, StorageOpt: stringMap, Tmpfs: stringMap, UTSMode: S, UsernsMode: S, ShmSize: I,
    Sysctls: stringMap, Runtime: S, Isolation: S, CpuShares: I, Memory: I, NanoCpus: I, CgroupParent: S,
    BlkioWeight: I, CpuPeriod: I, CpuQuota: I, CpuRealtimePeriod: I, CpuRealtimeRuntime: I, CpusetCpus: S,
    CpusetMems: S, Devices: { list: { object: { PathOnHost: S, PathInContainer: S, CgroupPermissions: S } } },
    DeviceCgroupRules: strings, KernelMemory: I, KernelMemoryTCP: I, MemoryReservation: I, MemorySwap: I,
    MemorySwappiness: I, OomKillDisable: B, PidsLimit: I, Ulimits: { list: { object: { Name: S, Soft: I, Hard: I } } },
    CpuCount: I, CpuPercent: I, IOMaximumIOps: I, IOMaximumBandwidth: I, Init: B, Mounts: { list: MOUNT },
    MaskedPaths: strings, ReadonlyPaths: strings,
  },
};

const ENDPOINT: Shape = {
  object: {
    IPAMConfig: { object: { IPv4Address: S, IPv6Address: S, LinkLocalIPs: strings } }, Links: strings, Aliases: strings,
    MacAddress: S, DriverOpts: stringMap, GwPriority: I, NetworkID: S, EndpointID: S, Gateway: S, IPAddress: S,
    IPPrefixLen: I, IPv6Gateway: S, GlobalIPv6Address: S, GlobalIPv6PrefixLen: I, DNSNames: strings,
  },
};

const CREATE: Shape = {
  object: {
    ...CONFIG_FIELDS,
    HostConfig: HOST_CONFIG,
    NetworkingConfig: { object: { EndpointsConfig: { map: ENDPOINT } } },
  },
};

const GO_TYPES: Record<string, string> = { string: 'string', bool: 'bool', int: 'int64', strslice: 'strslice.StrSlice', any: 'interface {}' };

function goType(s: Shape): string {
  if (typeof s === 'string') return GO_TYPES[s]!;
  if ('list' in s) return `[]${goType(s.list)}`;
  if ('map' in s) return `map[string]${goType(s.map)}`;
  return 'struct';
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return `number ${v}`;
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** Checks `v` against `shape`; returns it, with strslice strings made lists. */
function check(v: unknown, shape: Shape, field: string): unknown {
  if (v === null || v === undefined || shape === 'any') return v;
  const wrong = () => new HttpError(400, `json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type ${goType(shape)}`);
  switch (shape) {
    case 'string':
      if (typeof v !== 'string') throw wrong();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw wrong();
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrong();
      return v;
    case 'strslice':
      if (typeof v === 'string') return [v];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrong();
      return v;
  }
  if ('list' in shape) {
    if (!Array.isArray(v)) throw wrong();
    // Go decodes a null element of a []string as "" (its zero value); nothing after this reads null.
    return v.map((x) => (x === null && shape.list === 'string' ? '' : check(x, shape.list, field)));
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw wrong();
  const o = v as Record<string, unknown>;
  if ('map' in shape) {
    for (const k of Object.keys(o)) o[k] = check(o[k], shape.map, field);
    return o;
  }
  // Go's encoding/json matches keys case-insensitively ("hostconfig" is HostConfig).
  const fields = new Map(Object.entries(shape.object).map(([k, s]) => [k.toLowerCase(), [k, s] as const]));
  for (const key of Object.keys(o)) {
    const f = fields.get(key.toLowerCase());
    if (f) o[key] = check(o[key], f[1], `${field}.${f[0]}`);
  }
  return o;
}

/**
 * Validates (and normalises in place) a create body. Beyond the types: capability names, which
 * the runtime would otherwise refuse only at start.
 */
export function checkCreateRequest(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, `json: cannot unmarshal ${jsonType(body)} into Go value of type container.CreateRequest`);
  }
  check(body, CREATE, 'CreateRequest');
  const pick = (o: object, name: string): unknown => Object.entries(o).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const h = pick(body, 'HostConfig') as object | null | undefined;
  if (h) {
    try {
      effectiveCapabilities(false, (pick(h, 'CapAdd') as string[] | null) ?? [], (pick(h, 'CapDrop') as string[] | null) ?? []);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
  }
}

const IPAM_CONFIG: Shape = { object: { Subnet: S, IPRange: S, Gateway: S, AuxiliaryAddresses: stringMap } };

/** Bodies of other endpoints, by the Go type dockerd decodes them into. */
const BODIES = {
  'volume.CreateOptions': { object: { Name: S, Driver: S, DriverOpts: stringMap, Labels: stringMap } },
  'network.CreateRequest': {
    object: {
      Name: S, CheckDuplicate: B, Driver: S, Scope: S, EnableIPv4: B, EnableIPv6: B, Internal: B, Attachable: B, Ingress: B,
      ConfigOnly: B, ConfigFrom: { object: { Network: S } }, Options: stringMap, Labels: stringMap,
      IPAM: { object: { Driver: S, Options: stringMap, Config: { list: IPAM_CONFIG } } },
    },
  },
  'network.ConnectOptions': { object: { Container: S, EndpointConfig: ENDPOINT } },
  'network.DisconnectOptions': { object: { Container: S, Force: B } },
  // POST /containers/{id}/update: the resources and restart policy of a HostConfig.
  'container.UpdateConfig': HOST_CONFIG,
  'container.ExecOptions': {
    object: {
      User: S, Privileged: B, Tty: B, ConsoleSize: { list: I }, AttachStdin: B, AttachStderr: B, AttachStdout: B,
      Detach: B, DetachKeys: S, Env: strings, WorkingDir: S, Cmd: 'strslice',
    },
  },
} satisfies Record<string, Shape>;

/** Validates (and normalises in place) the body of a volume, network or exec request; null is {}. */
export function checkBody(type: keyof typeof BODIES, body: unknown): void {
  if (body === null || body === undefined) return;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, `json: cannot unmarshal ${jsonType(body)} into Go value of type ${type}`);
  }
  check(body, BODIES[type], type.split('.')[1]!);
}
