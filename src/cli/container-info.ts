// What a running container is doing: top, port, stats.

import { ContainersApi } from '../client/containers.js';
import type { ContainerStats, PortBinding } from '../client/types.js';
import { decodeJSONMessages } from '../protocol/json-messages.js';
import { StatusError, type CommandDef } from './command.js';
import { formatFlag } from './common-flags.js';
import { alignColumns } from './format/tabwriter.js';
import { bytesSize, formatList, GO_TYPE_NAME, humanSize, type TableSpec } from './output.js';
import { truncateID } from './ps.js';

/** Byte order, as Go sorts strings (and without waking ICU as localeCompare does). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const top: CommandDef = {
  use: 'CONTAINER [ps OPTIONS]',
  short: 'Display the running processes of a container',
  flags: [],
  interspersed: false,
  args: { min: 1 },
  async run(ctx, _flags, args) {
    const [container, ...psArgs] = args as [string, ...string[]];
    const res = await ctx.api(ContainersApi).top(container, psArgs.length ? psArgs.join(' ') : undefined);
    let text = res.Titles.join('\t') + '\n';
    for (const p of res.Processes ?? []) text += p.join('\t') + '\n';
    ctx.stdout.write(alignColumns(text, { minwidth: 20, tabwidth: 1, padding: 3, padchar: ' ' }));
    return 0;
  },
};

function hostPort(b: PortBinding): string {
  const ip = b.HostIp || '0.0.0.0';
  return ip.includes(':') ? `[${ip}]:${b.HostPort}` : `${ip}:${b.HostPort}`;
}

export const port: CommandDef = {
  use: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  short: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, _flags, args) {
    const [container, wanted] = args as [string, string?];
    const c = await ctx.api(ContainersApi).inspect(container);
    const ports = c.NetworkSettings.Ports ?? {};
    if (wanted) {
      let [num, proto] = wanted.split('/', 2) as [string, string?];
      proto ??= 'tcp';
      if (!/^\d+$/.test(num)) throw new StatusError(1, `Error: invalid port (${num}): strconv.ParseUint: parsing ${JSON.stringify(num)}: invalid syntax`);
      const key = `${num}/${proto}`;
      const bindings = ports[key];
      if (bindings && bindings.length) {
        ctx.stdout.write(bindings.map((b) => `${hostPort(b)}\n`).join(''));
        return 0;
      }
      throw new StatusError(1, `Error: No public port '${key}' published for ${container}`);
    }
    const keys = Object.keys(ports).sort((a, b) => {
      const [pa, ta] = a.split('/') as [string, string];
      const [pb, tb] = b.split('/') as [string, string];
      return Number(pa) - Number(pb) || cmp(ta, tb);
    });
    let out = '';
    for (const key of keys) for (const b of ports[key] ?? []) out += `${key} -> ${hostPort(b)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};

/** One container's numbers, computed as docker's stats command does (Linux). */
export class StatsRow {
  readonly [GO_TYPE_NAME] = '*formatter.statsContext';
  cpu = 0;
  mem = 0;
  memLimit = 0;
  memPerc = 0;
  rx = 0;
  tx = 0;
  blkRead = 0;
  blkWrite = 0;
  pids = 0;
  error = '';

  constructor(
    readonly id: string,
    public name: string,
    private readonly trunc: boolean,
  ) {}

  update(s: ContainerStats): void {
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    let online = s.cpu_stats.online_cpus ?? 0;
    if (online === 0) online = s.cpu_stats.cpu_usage.percpu_usage?.length ?? 0;
    this.cpu = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
    const usage = s.memory_stats?.usage ?? 0;
    const st = s.memory_stats?.stats ?? {};
    // Page cache is not "used": cgroup v1 total_inactive_file, v2 inactive_file.
    const inactive = st['total_inactive_file'] ?? st['inactive_file'] ?? 0;
    this.mem = inactive < usage ? usage - inactive : usage;
    this.memLimit = s.memory_stats?.limit ?? 0;
    this.memPerc = this.memLimit ? (this.mem / this.memLimit) * 100 : 0;
    this.rx = 0;
    this.tx = 0;
    for (const n of Object.values(s.networks ?? {})) {
      this.rx += n.rx_bytes;
      this.tx += n.tx_bytes;
    }
    this.blkRead = 0;
    this.blkWrite = 0;
    for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
      const op = e.op.toLowerCase();
      if (op === 'read') this.blkRead += e.value;
      else if (op === 'write') this.blkWrite += e.value;
    }
    this.pids = s.pids_stats?.current ?? 0;
    if (s.name) this.name = s.name.replace(/^\//, '');
  }

  get ID(): string {
    return this.trunc ? truncateID(this.id) : this.id;
  }
  get Container(): string {
    return this.name || this.ID;
  }
  get Name(): string {
    return this.name || '--';
  }
  get CPUPerc(): string {
    return this.error ? '--' : `${this.cpu.toFixed(2)}%`;
  }
  get MemUsage(): string {
    return this.error ? '-- / --' : `${bytesSize(this.mem)} / ${bytesSize(this.memLimit)}`;
  }
  get MemPerc(): string {
    return this.error ? '--' : `${this.memPerc.toFixed(2)}%`;
  }
  get NetIO(): string {
    return this.error ? '--' : `${humanSize(this.rx)} / ${humanSize(this.tx)}`;
  }
  get BlockIO(): string {
    return this.error ? '--' : `${humanSize(this.blkRead)} / ${humanSize(this.blkWrite)}`;
  }
  get PIDs(): string {
    return this.error ? '--' : String(this.pids);
  }
}

const STATS_TABLE: TableSpec = {
  table: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}',
  headers: {
    ID: 'CONTAINER ID',
    Container: 'CONTAINER',
    Name: 'NAME',
    CPUPerc: 'CPU %',
    MemUsage: 'MEM USAGE / LIMIT',
    MemPerc: 'MEM %',
    NetIO: 'NET I/O',
    BlockIO: 'BLOCK I/O',
    PIDs: 'PIDS',
  },
};

export const stats: CommandDef = {
  use: '[OPTIONS] [CONTAINER...]',
  short: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    formatFlag(),
    { long: 'no-stream', kind: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    { long: 'no-trunc', kind: 'bool', usage: "Do not truncate output" },
  ],
  args: { min: 0 },
  async run(ctx, flags, args) {
    const trunc = !flags.bool('no-trunc');
    let targets: { id: string; name: string }[];
    if (args.length) {
      targets = args.map((a) => ({ id: a, name: a }));
    } else {
      const list = await ctx.api(ContainersApi).list({ all: flags.bool('all') });
      targets = list.map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? '').replace(/^\//, '') }));
    }
    const rows = targets.map((t) => new StatsRow(t.id, t.name, trunc));
    const format = flags.string('format');
    const render = (): string => formatList(format, STATS_TABLE, rows);
    if (flags.bool('no-stream')) {
      const errors: string[] = [];
      await Promise.all(
        rows.map(async (row) => {
          try {
            const res = await ctx.api(ContainersApi).stats(row.id, { stream: false });
            for await (const msg of decodeJSONMessages(res)) row.update(msg as unknown as ContainerStats);
          } catch (err) {
            row.error = err instanceof Error ? err.message : String(err);
            if (args.length) errors.push(row.error);
          }
        }),
      );
      if (errors.length) throw new StatusError(1, errors.join('\n'));
      ctx.stdout.write(render());
      return 0;
    }
    for (const row of rows) {
      void (async (): Promise<void> => {
        try {
          const res = await ctx.api(ContainersApi).stats(row.id, { stream: true });
          for await (const msg of decodeJSONMessages(res)) row.update(msg as unknown as ContainerStats);
        } catch (err) {
          row.error = err instanceof Error ? err.message : String(err);
        }
      })();
    }
    const tty = ctx.stdout.isTTY === true;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      ctx.stdout.write((tty ? '\x1b[2J\x1b[H' : '') + render());
    }
  },
};
