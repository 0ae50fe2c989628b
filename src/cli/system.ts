// version, info, system df, system prune, events.

import { BuildApi } from '../client/build.js';
import { ContainersApi } from '../client/containers.js';
import { ImagesApi } from '../client/images.js';
import { NetworksApi } from '../client/networks.js';
import { SystemApi } from '../client/system.js';
import { VolumesApi } from '../client/volumes.js';
import { ConnectionError } from '../client/errors.js';
import type { DiskUsage, EventMessage, SystemInfo, VersionResponse } from '../protocol/engine-api.js';
import { DiskUsageRow } from './format/disk-usage-row.js';
import { decodeJSONMessages, formatTimeNano } from '../protocol/json-messages.js';
import { StatusError, type CommandDef, type Ctx } from './command.js';
import { filterFlag, forceFlag, FORMAT_USAGE } from './common-flags.js';
import { API_VERSION } from '../client/transport.js';
import {
  bytesSize, CONTAINER_HEADERS, containerRows, formatEach, formatList, GO_MARSHAL_JSON, GO_TYPE_NAME, humanSize, humanSizeWithPrecision,
  IMAGE_HEADERS, imageRows, timeAgo, VOLUME_HEADERS, volumeRows,
} from './output.js';
import { alignColumns } from './format/tabwriter.js';
import { confirm } from './prompt.js';
import { getTimestamp } from './timestamps.js';
import { VERSION, GIT_COMMIT } from './version-info.js';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

function clientVersion(): Record<string, unknown> {
  return {
    Platform: { Name: '' },
    Version: VERSION,
    ApiVersion: API_VERSION,
    DefaultAPIVersion: API_VERSION,
    GitCommit: GIT_COMMIT,
    GoVersion: `node${process.versions.node}`,
    Os: process.platform,
    Arch: ARCH[process.arch] ?? process.arch,
    BuildTime: '',
    Context: 'default',
  };
}

function versionText(client: Record<string, unknown>, server: VersionResponse | undefined): string {
  let t = 'Client:\n';
  t += ` Version:\t${client['Version']}\n API version:\t${client['ApiVersion']}\n Node version:\t${process.version}\n Git commit:\t${client['GitCommit']}\n`;
  t += ` OS/Arch:\t${client['Os']}/${client['Arch']}\n Context:\t${client['Context']}\n`;
  if (server) {
    t += `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`;
    const components = server.Components?.length
      ? server.Components
      : [{ Name: 'Engine', Version: server.Version, Details: { ApiVersion: server.ApiVersion, MinAPIVersion: server.MinAPIVersion ?? '', GoVersion: server.GoVersion, GitCommit: server.GitCommit, BuildTime: server.BuildTime ?? '', Os: server.Os, Arch: server.Arch, Experimental: String(server.Experimental ?? false) } }];
    for (const c of components) {
      const d = c.Details ?? {};
      t += ` ${c.Name}:\n`;
      if (c.Name === 'Engine') {
        t += `  Version:\t${c.Version}\n  API version:\t${d['ApiVersion'] ?? server.ApiVersion} (minimum version ${d['MinAPIVersion'] ?? server.MinAPIVersion ?? ''})\n`;
        t += `  Go version:\t${d['GoVersion'] ?? server.GoVersion}\n  Git commit:\t${d['GitCommit'] ?? server.GitCommit}\n  Built:\t${d['BuildTime'] ?? server.BuildTime ?? ''}\n`;
        t += `  OS/Arch:\t${d['Os'] ?? server.Os}/${d['Arch'] ?? server.Arch}\n  Experimental:\t${d['Experimental'] ?? String(server.Experimental ?? false)}\n`;
      } else {
        t += `  Version:\t${c.Version}\n`;
        for (const key of Object.keys(d).sort()) t += `  ${key}:\t${d[key]}\n`;
      }
    }
  }
  return alignColumns(t, { minwidth: 20, tabwidth: 1, padding: 1, padchar: ' ' });
}

/**
 * Templates see docker's Go structs, whose field is APIVersion (JSON "ApiVersion"): offer that
 * name to templates while `{{json .}}` keeps the wire names.
 */
function goVersionView(v: Record<string, unknown>): Record<string | symbol, unknown> {
  const json = JSON.stringify(v);
  return { ...v, APIVersion: v['ApiVersion'], [GO_MARSHAL_JSON]: () => json };
}

/**
 * A template that reads nothing but .Client (`{{.Client.Version}}`, `{{json .Client}}`) needs no
 * daemon: berth then skips the round trip (docker asks the daemon anyway, and fails without one).
 * Conservative: any other `.`, a variable or a string with a dot in it keeps the round trip.
 */
export function clientOnly(format: string): boolean {
  if (!format.includes('.Client')) return false;
  return !/[.$]/.test(format.replace(/\.Client(?:\.[A-Za-z_]\w*)*(?!\w)/g, ''));
}

export const version: CommandDef = {
  use: '[OPTIONS]',
  short: 'Show the berth version information',
  flags: [{ long: 'format', short: 'f', kind: 'string', usage: FORMAT_USAGE }],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const client = clientVersion();
    let server: VersionResponse | undefined;
    let failure: unknown;
    const format = flags.string('format');
    if (!format || !clientOnly(format)) {
      try {
        server = await ctx.api(SystemApi).version();
      } catch (err) {
        failure = err;
      }
    }
    if (format) {
      const tmpl = format === 'json' ? '{{json .}}' : format;
      ctx.print(formatEach(tmpl, [{ Client: goVersionView(client), Server: server ? goVersionView(server as unknown as Record<string, unknown>) : null }]));
    } else {
      ctx.print(versionText(client, server));
    }
    if (failure) throw failure;
    return 0;
  },
};

function infoLines(info: SystemInfo): string {
  const lines: string[] = [];
  const add = (s: string): void => void lines.push(s);
  add(`Client:\n Version:    ${VERSION}\n Context:    default\n Debug Mode: false\n`);
  add('Server:');
  add(` Containers: ${info.Containers}`);
  add(`  Running: ${info.ContainersRunning}`);
  add(`  Paused: ${info.ContainersPaused}`);
  add(`  Stopped: ${info.ContainersStopped}`);
  add(` Images: ${info.Images}`);
  add(` Server Version: ${info.ServerVersion ?? ''}`);
  add(` Storage Driver: ${info.Driver}`);
  for (const [k, v] of info.DriverStatus ?? []) add(`  ${k}: ${v}`);
  if (info.LoggingDriver) add(` Logging Driver: ${info.LoggingDriver}`);
  if (info.CgroupDriver) add(` Cgroup Driver: ${info.CgroupDriver}`);
  if (info.CgroupVersion) add(` Cgroup Version: ${info.CgroupVersion}`);
  if (info.Plugins) {
    add(' Plugins:');
    add(`  Volume: ${(info.Plugins.Volume ?? []).join(' ')}`);
    add(`  Network: ${(info.Plugins.Network ?? []).join(' ')}`);
    if (info.Plugins.Log?.length) add(`  Log: ${info.Plugins.Log.join(' ')}`);
  }
  add(` Swarm: ${info.Swarm?.LocalNodeState ?? 'inactive'}`);
  if (info.Runtimes) add(` Runtimes: ${Object.keys(info.Runtimes).sort().join(' ')}`);
  if (info.DefaultRuntime) add(` Default Runtime: ${info.DefaultRuntime}`);
  if (info.OSType === 'linux') {
    // As the docker CLI: these lines even when empty (berthd runs neither containerd nor an init).
    add(` Init Binary: ${info.InitBinary ?? ''}`);
    add(` containerd version: ${info.ContainerdCommit?.ID ?? ''}`);
    add(` runc version: ${info.RuncCommit?.ID ?? ''}`);
    add(` init version: ${info.InitCommit?.ID ?? ''}`);
  } else if (info.InitBinary) {
    add(` Init Binary: ${info.InitBinary}`);
  }
  if (info.SecurityOptions?.length) {
    add(' Security Options:');
    for (const opt of info.SecurityOptions) {
      const parts = opt.split(',');
      for (const p of parts) {
        const [k, v] = p.split('=', 2) as [string, string?];
        if (k === 'name') add(`  ${v ?? ''}`);
        else if (v !== undefined) add(`   ${k.charAt(0).toUpperCase()}${k.slice(1)}: ${v}`);
      }
    }
  }
  if (info.KernelVersion) add(` Kernel Version: ${info.KernelVersion}`);
  if (info.OperatingSystem) add(` Operating System: ${info.OperatingSystem}`);
  if (info.OSType) add(` OSType: ${info.OSType}`);
  if (info.Architecture) add(` Architecture: ${info.Architecture}`);
  if (info.NCPU !== undefined) add(` CPUs: ${info.NCPU}`);
  if (info.MemTotal !== undefined) add(` Total Memory: ${bytesSize(info.MemTotal)}`);
  if (info.Name) add(` Name: ${info.Name}`);
  if (info.ID) add(` ID: ${info.ID}`);
  if (info.DockerRootDir) add(` Docker Root Dir: ${info.DockerRootDir}`);
  add(` Debug Mode: ${info.Debug ? 'true' : 'false'}`);
  if (info.Labels?.length) {
    add(' Labels:');
    for (const l of info.Labels) add(`  ${l}`);
  }
  add(` Experimental: ${info.ExperimentalBuild ? 'true' : 'false'}`);
  const reg = info.RegistryConfig;
  const insecureIndexes = Object.values(reg?.IndexConfigs ?? {}).filter((c) => !c.Secure);
  if (reg && ((reg.InsecureRegistryCIDRs?.length ?? 0) > 0 || Object.keys(reg.IndexConfigs ?? {}).length > 0)) {
    add(' Insecure Registries:');
    for (const c of insecureIndexes) add(`  ${c.Name}`);
    for (const cidr of reg.InsecureRegistryCIDRs ?? []) add(`  ${cidr}`);
  }
  if (reg?.Mirrors?.length) {
    add(' Registry Mirrors:');
    for (const m of reg.Mirrors) add(`  ${m}`);
  }
  add(` Live Restore Enabled: ${info.LiveRestoreEnabled ? 'true' : 'false'}`);
  let text = lines.join('\n') + '\n';
  if (info.Warnings?.length) text += '\n' + info.Warnings.join('\n') + '\n';
  return text;
}

export const info: CommandDef = {
  use: '[OPTIONS]',
  short: 'Display system-wide information',
  flags: [{ long: 'format', short: 'f', kind: 'string', usage: FORMAT_USAGE }],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const format = flags.string('format');
    let data: SystemInfo;
    try {
      data = await ctx.api(SystemApi).info();
    } catch (err) {
      if (format || !(err instanceof ConnectionError)) throw err;
      ctx.stdout.write(`Client:\n Version:    ${VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`);
      throw new StatusError(1, `ERROR: ${err.message}\nerrors pretty printing info`);
    }
    if (format) {
      const tmpl = format === 'json' ? '{{json .}}' : format;
      ctx.stdout.write(formatEach(tmpl, [{ ...data, ClientInfo: { Debug: false, Context: 'default', Plugins: [], Warnings: null } }]));
      return 0;
    }
    ctx.stdout.write(infoLines(data));
    return 0;
  },
};

const DF_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

function reclaimText(reclaimable: number, total: number): string {
  // units.HumanSize (4 significant digits) here, not the 3 of the list commands.
  const size = humanSize(reclaimable);
  return total > 0 ? `${size} (${Math.trunc((reclaimable * 100) / total)}%)` : size;
}

export const df: CommandDef = {
  use: '[OPTIONS]',
  short: 'Show berth disk usage',
  flags: [{ long: 'format', kind: 'string', usage: FORMAT_USAGE }, { long: 'verbose', short: 'v', kind: 'bool', usage: 'Show detailed information on space usage' }],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const du = await ctx.api(SystemApi).df();
    const images = du.Images ?? [];
    const containers = du.Containers ?? [];
    const volumes = du.Volumes ?? [];
    const imagesTotal = du.LayersSize ?? images.reduce((s, i) => s + (i.Size ?? 0), 0);
    let imagesUsed = 0;
    for (const i of images) if (i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1) imagesUsed += i.Size - (i.SharedSize ?? 0);
    const active = (state: string): boolean => /running|paused|restarting/.test(state);
    const ctrTotal = containers.reduce((s, c) => s + (c.SizeRw ?? 0), 0);
    const ctrReclaim = containers.filter((c) => !active(c.State)).reduce((s, c) => s + (c.SizeRw ?? 0), 0);
    const volSize = (v: (typeof volumes)[number]): number => (v.UsageData && v.UsageData.Size !== -1 ? v.UsageData.Size : 0);
    const volTotal = volumes.reduce((s, v) => s + volSize(v), 0);
    const volReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) <= 0).reduce((s, v) => s + volSize(v), 0);
    const cache = du.BuildCache ?? [];
    const cacheTotal = cache.reduce((s, b) => s + b.Size, 0);
    const cacheReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((s, b) => s + b.Size, 0);
    const rows = [
      new DiskUsageRow({ type: 'Images', totalCount: images.length, active: images.filter((i) => i.Containers > 0).length, size: humanSize(imagesTotal), reclaimable: reclaimText(imagesTotal - imagesUsed, imagesTotal) }),
      new DiskUsageRow({ type: 'Containers', totalCount: containers.length, active: containers.filter((c) => active(c.State)).length, size: humanSize(ctrTotal), reclaimable: reclaimText(ctrReclaim, ctrTotal) }),
      new DiskUsageRow({ type: 'Local Volumes', totalCount: volumes.length, active: volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, size: humanSize(volTotal), reclaimable: reclaimText(volReclaim, volTotal) }),
      new DiskUsageRow({ type: 'Build Cache', totalCount: cache.length, active: cache.filter((b) => b.InUse).length, size: humanSize(cacheTotal), reclaimable: humanSize(cacheReclaim) }),
    ];
    if (flags.bool('verbose') && !flags.string('format')) {
      ctx.stdout.write(dfVerbose(du, cacheTotal));
      return 0;
    }
    ctx.stdout.write(formatList(flags.string('format'), DF_TABLE, DF_HEADERS, rows));
    return 0;
  },
};

// docker's `system df -v` tables (cli/command/formatter/disk_usage.go).
const DF_IMAGES = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const DF_CONTAINERS = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const DF_VOLUMES = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const DF_CACHE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const DF_CACHE_HEADERS = { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' };

/** Every image, container, volume and build cache entry with its size, in docker's words. */
function dfVerbose(du: DiskUsage, cacheTotal: number): string {
  const now = new Date();
  const since = (iso: string | null | undefined) => (iso ? timeAgo(Date.parse(iso) / 1000, now) : '');
  // The containers' sizes without the image's part, as docker shows them here.
  const containers = (du.Containers ?? []).map((c) => ({ ...c, SizeRootFs: 0 }));
  const cache = (du.BuildCache ?? []).map((b) => ({
    ID: b.ID.slice(0, 12), CacheType: b.Type, Size: humanSizeWithPrecision(b.Size, 3), CreatedSince: since(b.CreatedAt),
    LastUsedSince: since(b.LastUsedAt), UsageCount: String(b.UsageCount), Shared: String(b.Shared),
  }));
  return 'Images space usage:\n\n'
    + formatList(undefined, DF_IMAGES, IMAGE_HEADERS, imageRows(du.Images ?? [], { trunc: true, now }))
    + '\nContainers space usage:\n\n'
    + formatList(undefined, DF_CONTAINERS, CONTAINER_HEADERS, containerRows(containers, { trunc: true, now }))
    + '\nLocal Volumes space usage:\n\n'
    + formatList(undefined, DF_VOLUMES, VOLUME_HEADERS, volumeRows(du.Volumes ?? []))
    + `\nBuild cache usage: ${humanSize(cacheTotal)}\n\n`
    + formatList(undefined, DF_CACHE, DF_CACHE_HEADERS, cache);
}

export const systemPrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove unused data',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images not just dangling ones' },
    filterFlag('Provide filter values (e.g. "label=<key>=<value>")', undefined),
    forceFlag(),
    { long: 'volumes', kind: 'bool', usage: 'Prune anonymous volumes' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const withVolumes = flags.bool('volumes');
    const items = ['all stopped containers', 'all networks not used by at least one container'];
    if (withVolumes) items.push('all anonymous volumes not used by at least one container');
    items.push(all ? 'all images without at least one container associated to them' : 'all dangling images');
    items.push(all ? 'all build cache' : 'unused build cache');
    const warning = `WARNING! This will remove:\n${items.map((i) => `  - ${i}`).join('\n')}\n`;
    if (!flags.bool('force') && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = flags.list('filter');
    let reclaimed = 0;
    let out = '';
    const cr = await ctx.api(ContainersApi).prune(filters);
    reclaimed += cr.SpaceReclaimed ?? 0;
    if (cr.ContainersDeleted?.length) out += `Deleted Containers:\n${cr.ContainersDeleted.join('\n')}\n\n`;
    const nr = await ctx.api(NetworksApi).prune({ filters });
    if (nr?.NetworksDeleted?.length) out += `Deleted Networks:\n${nr.NetworksDeleted.join('\n')}\n\n`;
    if (withVolumes) {
      const vr = await ctx.api(VolumesApi).prune({ filters });
      reclaimed += vr.SpaceReclaimed ?? 0;
      if (vr.VolumesDeleted?.length) out += `Deleted Volumes:\n${vr.VolumesDeleted.join('\n')}\n\n`;
    }
    const ir = await ctx.api(ImagesApi).prune({ filters: [...filters, `dangling=${all ? 'false' : 'true'}`] });
    reclaimed += ir.SpaceReclaimed ?? 0;
    if (ir.ImagesDeleted?.length) {
      out += 'Deleted Images:\n';
      for (const d of ir.ImagesDeleted) {
        if (d.Untagged) out += `untagged: ${d.Untagged}\n`;
        if (d.Deleted) out += `deleted: ${d.Deleted}\n`;
      }
      out += '\n';
    }
    // As docker's CLI: the build cache goes too.
    const br = await ctx.api(BuildApi).prune(all).catch(() => undefined);
    reclaimed += br?.SpaceReclaimed ?? 0;
    if (br?.CachesDeleted?.length) out += `Deleted build cache objects:\n${br.CachesDeleted.join('\n')}\n\n`;
    out += `Total reclaimed space: ${humanSize(reclaimed)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};

/** docker's prettyPrintEvent: "TIME TYPE ACTION ID (k=v, …)". */
export function formatEvent(e: EventMessage): string {
  let line = '';
  if (e.timeNano) line += `${formatTimeNano(BigInt(e.timeNano))} `;
  else if (e.time) line += `${formatTimeNano(BigInt(e.time) * 1_000_000_000n)} `;
  line += `${e.Type} ${e.Action} ${e.Actor?.ID ?? ''}`;
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) line += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return `${line}\n`;
}

/**
 * An event as --format templates see it: docker's events.Message struct, so {{.Type}},
 * {{.Actor.ID}}, {{.TimeNano}} and {{.Status}} work, and {{json .}} prints the wire form.
 */
class EventRow {
  readonly [GO_TYPE_NAME] = 'events.Message';
  readonly Status: string;
  readonly ID: string;
  readonly From: string;
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { ID: string; Attributes: Record<string, string> };
  readonly Scope: string;
  readonly Time: number;
  readonly TimeNano: bigint;

  constructor(private readonly e: EventMessage) {
    this.Status = e.status ?? '';
    this.ID = e.id ?? '';
    this.From = e.from ?? '';
    this.Type = e.Type;
    this.Action = e.Action;
    this.Actor = { ID: e.Actor?.ID ?? '', Attributes: e.Actor?.Attributes ?? {} };
    this.Scope = e.scope ?? '';
    this.Time = e.time ?? 0;
    this.TimeNano = BigInt(e.timeNano ?? 0);
  }

  [GO_MARSHAL_JSON](): string {
    // The wire form, with timeNano's digits intact.
    return JSON.stringify({ ...this.e, timeNano: '__TIMENANO__' }).replace('"__TIMENANO__"', this.TimeNano.toString());
  }
}

async function streamEvents(ctx: Ctx, since: string | undefined, until: string | undefined, filters: string[], format: string | undefined): Promise<void> {
  const now = Date.now();
  const res = await ctx.api(SystemApi).events({
    since: since ? getTimestamp(since, now) : undefined,
    until: until ? getTimestamp(until, now) : undefined,
    filters,
  });
  const tmpl = format === 'json' ? '{{json .}}' : format;
  for await (const msg of decodeJSONMessages(res)) {
    const e = msg as unknown as EventMessage;
    ctx.stdout.write(tmpl ? formatEach(tmpl, [new EventRow(e)]) : formatEvent(e));
  }
}

export const events: CommandDef = {
  use: '[OPTIONS]',
  short: 'Get real time events from the server',
  flags: [
    filterFlag(),
    { long: 'format', kind: 'string', usage: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
    { long: 'since', kind: 'string', usage: 'Show all events created since timestamp' },
    { long: 'until', kind: 'string', usage: 'Stream events until this timestamp' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    await streamEvents(ctx, flags.string('since'), flags.string('until'), flags.list('filter'), flags.string('format'));
    return 0;
  },
};

