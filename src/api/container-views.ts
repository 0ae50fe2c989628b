// Docker's JSON shapes for containers: the list summary (GET /containers/json) and inspect
// (GET /containers/{id}/json), produced from the engine's records at the API edge.
import { isRunning } from '../engine/containers/state.js';
import { labelsMatch } from './filter-match.js';
import { containerStatusText } from '../protocol/human-duration.js';
import type { RuntimeLayout } from '../engine/containers/runtime-layout.js';
import type { ContainerRecord } from '../engine/containers/types.js';
import type { NetworkAttachment } from '../engine/network/types.js';
import { etcFilePaths } from '../engine/containers/etc-files.js';
import { hostConfigInForce } from '../engine/containers/oci-spec.js';
import type { ContainerInspect, ContainerPort, ContainerSummary, EndpointSettings, MountPoint } from '../protocol/engine-api.js';
import { PREDEFINED_NETWORKS } from '../engine/network/types.js';

export interface GraphDriverInfo {
  lowerDirs: string[];
  upper: string;
  work: string;
  merged: string;
}

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function commandLine(rec: ContainerRecord): string {
  return [rec.Path, ...rec.Args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

function networkMode(rec: ContainerRecord): string {
  const m = rec.HostConfig.NetworkMode || 'default';
  return m === 'default' ? 'bridge' : m;
}


/** Docker's EndpointSettings of one network the container is on. */
function endpointView(rec: ContainerRecord, name: string, att: NetworkAttachment): EndpointSettings {
  const ep = att.Endpoint;
  // Names the embedded DNS answers for: only on user-defined networks, as Docker's.
  const dnsNames = ep && !PREDEFINED_NETWORKS.has(name)
    ? [...new Set([rec.Name.slice(1), ...(att.Aliases ?? []), rec.Id.slice(0, 12), rec.Config.Hostname].filter(Boolean))]
    : null;
  return {
    IPAMConfig: att.IPAMConfig ?? null,
    Links: att.Links ?? null,
    Aliases: att.Aliases ?? null,
    MacAddress: ep?.MacAddress ?? att.MacAddress ?? '',
    DriverOpts: att.DriverOpts ?? null,
    GwPriority: 0,
    NetworkID: att.NetworkID,
    EndpointID: ep?.EndpointID ?? '',
    Gateway: ep?.Gateway ?? '',
    IPAddress: ep?.IPAddress ?? '',
    IPPrefixLen: ep?.IPPrefixLen ?? 0,
    IPv6Gateway: ep?.IPv6Gateway ?? '',
    GlobalIPv6Address: ep?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: ep?.GlobalIPv6PrefixLen ?? 0,
    DNSNames: dnsNames,
  };
}

function networksView(rec: ContainerRecord): Record<string, EndpointSettings> {
  return Object.fromEntries(Object.entries(rec.Networks ?? {}).map(([name, att]) => [name, endpointView(rec, name, att)]));
}

/** The list's Ports: published bindings with their host side, exposed ports without. */
function portList(rec: ContainerRecord): ContainerPort[] {
  const map: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = rec.Sandbox?.Ports
    ?? Object.fromEntries(Object.keys(rec.Config.ExposedPorts ?? {}).map((k) => [k, null]));
  const out: ContainerPort[] = [];
  for (const [key, bindings] of Object.entries(map)) {
    const [port, proto = 'tcp'] = key.split('/');
    if (!bindings?.length) out.push({ PrivatePort: Number(port), Type: proto });
    for (const b of bindings ?? []) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

/** Docker's MountPoint, its fields in docker's order (Name and Driver only for volumes). */
function mountViews(rec: ContainerRecord): MountPoint[] {
  return rec.Mounts.map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}

/** The list entry's fields before Names/State/Status and after them, in docker's order. */
function summaryParts(rec: ContainerRecord) {
  return {
    before: {
      Image: rec.Config.Image,
      ImageID: rec.Image,
      Command: commandLine(rec),
      Created: unixSeconds(rec.Created),
      Ports: portList(rec),
      Labels: rec.Config.Labels ?? {},
    },
    after: {
      HostConfig: { NetworkMode: networkMode(rec) },
      NetworkSettings: { Networks: networksView(rec) },
      Mounts: mountViews(rec),
    },
  };
}

const summaryNames = (rec: ContainerRecord, linkNames: string[]) => (linkNames.length ? [rec.Name, ...linkNames].sort() : [rec.Name]);

/**
 * The list's Names: the container's name and, as moby's, one "/parent/alias" per legacy link to
 * it, sorted (the docker CLI shows them with `ps --no-trunc`).
 */
export function containerSummary(rec: ContainerRecord, now = Date.now(), linkNames: string[] = []): ContainerSummary {
  const { before, after } = summaryParts(rec);
  return {
    Id: rec.Id,
    Names: summaryNames(rec, linkNames),
    ...before,
    State: rec.State.Status,
    Status: containerStatusText(rec.State, now),
    ...after,
  };
}

/**
 * The list (GET /containers/json) as JSON bytes, each container's entry kept until its record
 * is saved again: with 500 containers, building and serializing every entry, and the 400 KB
 * string made of them, were most of a `ps` (~15 ms of berthd's CPU, two thirds of it V8's
 * collector under berthd's small young generation). Names (links to it come and go), State and
 * Status (the time goes on; a state changes in memory before it is saved) are written at each
 * call; the rest is the saved record's, as bytes outside V8's heap. The bytes are those of
 * JSON.stringify([containerSummary(…), …]).
 */
export class SummaryCache {
  private readonly entries = new WeakMap<ContainerRecord, { version: number; head: Buffer; mid: Buffer; tail: Buffer }>();

  /** `version(rec)` changes whenever the record does (ContainerStore.version). */
  list(recs: ContainerRecord[], version: (rec: ContainerRecord) => number, now: number, linkNames: (rec: ContainerRecord) => string[] | undefined): Buffer {
    const parts: Array<Buffer | string> = [];
    let size = 2;
    for (const rec of recs) {
      const e = this.entry(rec, version(rec));
      const names = JSON.stringify(summaryNames(rec, linkNames(rec) ?? []));
      const state = `${JSON.stringify(rec.State.Status)},"Status":${JSON.stringify(containerStatusText(rec.State, now))}`;
      parts.push(e.head, names, e.mid, state, e.tail);
      size += e.head.length + Buffer.byteLength(names) + e.mid.length + Buffer.byteLength(state) + e.tail.length + 1;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    out[at++] = 0x5b; // [
    parts.forEach((p, i) => {
      if (i > 0 && i % 5 === 0) out[at++] = 0x2c; // ,
      at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
    });
    out[at++] = 0x5d; // ]
    return out.subarray(0, at);
  }

  private entry(rec: ContainerRecord, version: number) {
    let e = this.entries.get(rec);
    if (!e || e.version !== version) {
      const { before, after } = summaryParts(rec);
      e = {
        version,
        head: Buffer.from(`{"Id":${JSON.stringify(rec.Id)},"Names":`),
        mid: Buffer.from(`,${JSON.stringify(before).slice(1, -1)},"State":`),
        tail: Buffer.from(`,${JSON.stringify(after).slice(1)}`),
      };
      this.entries.set(rec, e);
    }
    return e;
  }
}

export function containerInspect(rec: ContainerRecord, layout: RuntimeLayout, gd: GraphDriverInfo, execIds: string[], logPath: string): ContainerInspect {
  const s = rec.State;
  const etc = etcFilePaths(layout.containerDir(rec.Id));
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: s.Status,
      Running: isRunning(rec),
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
      ...(s.Health ? { Health: s.Health } : {}),
    },
    Image: rec.Image,
    ResolvConfPath: etc.resolvConf,
    HostnamePath: etc.hostname,
    HostsPath: etc.hosts,
    LogPath: logPath,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: {
      Binds: null, ContainerIDFile: '', LogConfig: { Type: 'json-file', Config: {} },
      PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '',
      VolumesFrom: null, CapAdd: null, CapDrop: null, Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null,
      GroupAdd: null, IpcMode: 'private', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false,
      PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 67108864,
      ConsoleSize: [0, 0], Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0,
      CpuPeriod: 0, CpuQuota: 0, CpusetCpus: '', CpusetMems: '', Devices: [], MemoryReservation: 0, MemorySwap: 0,
      OomKillDisable: false, PidsLimit: null, Ulimits: null, Mounts: [], Init: null,
      ...rec.HostConfig,
      ...hostConfigInForce(rec.HostConfig),
      NetworkMode: networkMode(rec),
    },
    GraphDriver: {
      Data: {
        LowerDir: gd.lowerDirs.join(':'),
        MergedDir: gd.merged,
        UpperDir: gd.upper,
        WorkDir: gd.work,
      },
      Name: 'overlay2',
    },
    Mounts: mountViews(rec),
    Config: rec.Config,
    NetworkSettings: networkSettings(rec),
  };
}

/** Docker's NetworkSettings; the top-level address fields describe the default bridge only. */
function networkSettings(rec: ContainerRecord): ContainerInspect['NetworkSettings'] {
  const bridge = rec.Networks?.bridge?.Endpoint;
  return {
    Bridge: '',
    SandboxID: rec.Sandbox?.SandboxID ?? '',
    // The container's own namespace: it has one as long as it runs.
    SandboxKey: rec.Sandbox && rec.State.Pid ? `/proc/${rec.State.Pid}/ns/net` : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: rec.Sandbox?.Ports ?? {},
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '',
    Gateway: bridge?.Gateway ?? '',
    GlobalIPv6Address: bridge?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: bridge?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: bridge?.IPv6Gateway ?? '',
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networksView(rec),
  };
}

/** `docker ps --filter`: status, name, label, id, ancestor, exited, before, since, volume. */
export function matchesFilters(
  rec: ContainerRecord,
  filters: Map<string, string[]>,
  resolveRef: (ref: string) => ContainerRecord | undefined,
  imageMatches: (rec: ContainerRecord, ref: string) => boolean,
): boolean {
  for (const [key, values] of filters) {
    if (!values.length) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'status':
        if (!any((v) => v === rec.State.Status)) return false;
        break;
      case 'name':
        if (!any((v) => new RegExp(v).test(rec.Name.slice(1)) || new RegExp(v).test(rec.Name))) return false;
        break;
      case 'id':
        if (!any((v) => rec.Id.startsWith(v))) return false;
        break;
      case 'label':
        if (!labelsMatch(rec.Config.Labels ?? {}, values)) return false;
        break;
      case 'exited':
        if (rec.State.Status !== 'exited' || !any((v) => Number(v) === rec.State.ExitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => imageMatches(rec, v))) return false;
        break;
      case 'before': {
        const ref = resolveRef(values[0]!);
        if (!ref || !(rec.Created < ref.Created)) return false;
        break;
      }
      case 'since': {
        const ref = resolveRef(values[0]!);
        if (!ref || !(rec.Created > ref.Created)) return false;
        break;
      }
      case 'volume':
        if (!any((v) => rec.Mounts.some((m) => m.Name === v || m.Destination === v || m.Source === v))) return false;
        break;
      case 'network':
        if (!any((v) => networkMode(rec) === v
          || Object.entries(rec.Networks ?? {}).some(([name, a]) => name === v || a.NetworkID.startsWith(v)))) return false;
        break;
      case 'publish':
      case 'expose': {
        const ports = portList(rec);
        const matches = (v: string, p: ContainerPort) => {
          const [num, proto] = v.split('/');
          const n = Number(key === 'publish' ? p.PublicPort : p.PrivatePort);
          return n === Number(num) && (!proto || proto === p.Type);
        };
        if (!any((v) => ports.some((p) => matches(v, p)))) return false;
        break;
      }
      case 'health':
        for (const v of values) {
          if (!['starting', 'healthy', 'unhealthy', 'none'].includes(v)) throw Object.assign(new Error(`Unrecognised filter value for health: ${v}`), { status: 400 });
        }
        // dockerd: "none" without a healthcheck, else the last known status.
        if (!any((v) => v === (rec.State.Health && rec.Config.Healthcheck?.Test?.[0] !== 'NONE' ? rec.State.Health.Status : 'none'))) return false;
        break;
      case 'isolation':
      case 'is-task':
        break;
      default:
        throw Object.assign(new Error(`invalid filter '${key}'`), { status: 400 });
    }
  }
  return true;
}
