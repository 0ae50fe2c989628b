// ps / container ls, with docker's columns (cli/command/formatter/container.go).

import { ContainersApi } from '../client/containers.js';
import type { ContainerPort, ContainerSummary } from '../client/types.js';
import type { CommandDef } from './command.js';
import { filterFlag, formatFlag } from './common-flags.js';
import { familiarName, parseReference } from './reference.js';
import { ellipsis, formatList, GO_MARSHAL_JSON, GO_TYPE_NAME, humanDuration, humanSize, resolveFormat, type TableSpec } from './output.js';
import { goTimeString } from './format/go-time.js';

/** Byte order, as Go sorts strings (and without waking ICU as localeCompare does). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function truncateID(id: string): string {
  const bare = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return bare.slice(0, 12);
}

function joinHostPort(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** docker's DisplayablePorts: consecutive ports grouped into ranges, host mappings last. */
export function displayablePorts(input: readonly ContainerPort[]): string {
  const ports = [...input].sort(
    (a, b) =>
      a.PrivatePort - b.PrivatePort ||
      cmp((a.IP ?? ''), b.IP ?? '') ||
      (a.PublicPort ?? 0) - (b.PublicPort ?? 0) ||
      cmp(a.Type, b.Type),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  const formGroup = (key: string, first: number, last: number): string => {
    const slash = key.lastIndexOf('/');
    const ip = slash >= 0 ? key.slice(0, slash) : '';
    const type = slash >= 0 ? key.slice(slash + 1) : key;
    let group = first === last ? String(first) : `${first}-${last}`;
    if (ip) group = `${joinHostPort(ip, group)}->${group}`;
    return `${group}/${type}`;
  };
  for (const p of ports) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if (p.PublicPort !== current) {
        hostMappings.push(`${joinHostPort(p.IP, String(p.PublicPort ?? 0))}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    groups.delete(key);
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

function escapeHTMLJSON(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** One ps row; upper-case members are what --format templates see. */
export class ContainerRow {
  readonly [GO_TYPE_NAME] = '*formatter.ContainerContext';

  constructor(
    private readonly c: ContainerSummary,
    private readonly trunc: boolean,
    private readonly now: number = Date.now(),
  ) {}

  get ID(): string {
    return this.trunc ? truncateID(this.c.Id) : this.c.Id;
  }

  get Names(): string {
    let names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    if (this.trunc) {
      const own = names.find((n) => !n.includes('/'));
      if (own !== undefined) names = [own];
    }
    return names.join(',');
  }

  get Image(): string {
    const image = this.c.Image;
    if (!image) return '<no image>';
    if (this.trunc) {
      if (truncateID(this.c.ImageID ?? '') === truncateID(image)) return truncateID(image);
      if (/^[a-z0-9]/.test(image) && !image.startsWith('sha256:')) {
        const ref = parseReference(image);
        return ref.tag ? `${familiarName(ref)}:${ref.tag}` : familiarName(ref);
      }
    }
    return image;
  }

  get Command(): string {
    const command = this.trunc ? ellipsis(this.c.Command ?? '', 20) : (this.c.Command ?? '');
    return goQuote(command);
  }

  get CreatedAt(): string {
    return goTimeString(new Date(this.c.Created * 1000));
  }

  get RunningFor(): string {
    return `${humanDuration(this.now - this.c.Created * 1000)} ago`;
  }

  get Ports(): string {
    return displayablePorts(this.c.Ports ?? []);
  }

  get State(): string {
    return this.c.State;
  }

  get Status(): string {
    return this.c.Status;
  }

  get Size(): string {
    const srw = humanSize(this.c.SizeRw ?? 0);
    if ((this.c.SizeRootFs ?? 0) > 0) return `${srw} (virtual ${humanSize(this.c.SizeRootFs ?? 0)})`;
    return srw;
  }

  get Labels(): string {
    return Object.entries(this.c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  Label(name: string): string {
    return (this.c.Labels ?? {})[name] ?? '';
  }

  get Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source;
        return this.trunc ? ellipsis(name, 15) : name;
      })
      .join(',');
  }

  get LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }

  get Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(',');
  }

  get Platform(): string {
    return '';
  }

  /** --format json: every field, keys sorted, HTML-escaped like json.Marshal. */
  [GO_MARSHAL_JSON](): string {
    const obj: Record<string, string> = {
      Command: this.Command,
      CreatedAt: this.CreatedAt,
      ID: this.ID,
      Image: this.Image,
      Labels: this.Labels,
      LocalVolumes: this.LocalVolumes,
      Mounts: this.Mounts,
      Names: this.Names,
      Networks: this.Networks,
      Ports: this.Ports,
      RunningFor: this.RunningFor,
      Size: this.Size,
      State: this.State,
      Status: this.Status,
    };
    return escapeHTMLJSON(JSON.stringify(obj));
  }
}

export const PS_TABLE: TableSpec = {
  table: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  headers: {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED AT',
    RunningFor: 'CREATED',
    Ports: 'PORTS',
    State: 'STATE',
    Status: 'STATUS',
    Size: 'SIZE',
    Names: 'NAMES',
    Labels: 'LABELS',
    Label: 'LABEL',
    Mounts: 'MOUNTS',
    LocalVolumes: 'LOCAL VOLUMES',
    Networks: 'NETWORKS',
    Platform: 'PLATFORM',
  },
};

export const ps: CommandDef = {
  use: '[OPTIONS]',
  short: 'List containers',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    filterFlag(),
    formatFlag(),
    { long: 'last', short: 'n', kind: 'int', usage: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { long: 'latest', short: 'l', kind: 'bool', usage: 'Show the latest created container (includes all states)' },
    { long: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only display container IDs' },
    { long: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const quiet = flags.bool('quiet');
    const sizeFlag = flags.bool('size');
    let format = flags.string('format') ?? '';
    if (format === '' || format === 'table') {
      format = quiet ? '{{.ID}}' : sizeFlag ? `${PS_TABLE.table}\t{{.Size}}` : PS_TABLE.table;
    }
    const template = resolveFormat(format, PS_TABLE).template;
    let limit = flags.int('last') ?? -1;
    if (flags.bool('latest') && limit === -1) limit = 1;
    const list = await ctx.api(ContainersApi).list({
      all: flags.bool('all'),
      limit,
      size: sizeFlag || /\.Size\b/.test(template),
      filters: flags.list('filter'),
    });
    const trunc = !flags.bool('no-trunc');
    const now = Date.now();
    ctx.stdout.write(formatList(format, PS_TABLE, list.map((c) => new ContainerRow(c, trunc, now))));
    return 0;
  },
};
