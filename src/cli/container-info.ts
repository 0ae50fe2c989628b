// What a running container is doing: top, port, stats.

import { ContainersApi } from '../client/containers.js';
import type { PortBinding } from '../client/types.js';
import { decodeJSONMessages } from '../protocol/json-messages.js';
import type { ApiStats } from './format/stats-row.js';
import { StatusError, type CommandDef } from './command.js';
import { formatFlag } from './common-flags.js';
import { alignTable, renderList, statsEntry, statsFormat, statsHeaders, StatsRow, type StatsEntry } from './output.js';

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
    ctx.stdout.write(alignTable(text, { minwidth: 20 }));
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

/** A container's line before its first sample arrives (or after reading failed). */
function blankEntry(container: string, id: string, name: string, invalid: boolean): StatsEntry {
  return {
    container,
    id,
    name: name.startsWith('/') ? name : `/${name}`,
    cpuPercentage: 0,
    memory: 0,
    memoryLimit: 0,
    memoryPercentage: 0,
    networkRx: 0,
    networkTx: 0,
    blockRead: 0,
    blockWrite: 0,
    pidsCurrent: 0,
    isInvalid: invalid,
  };
}

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
    const entries = targets.map((t) => blankEntry(t.id, t.id, t.name, false));
    const format = statsFormat(flags.string('format') ?? '', 'linux');
    const render = (): string => renderList(format, entries.map((e) => new StatsRow(e, 'linux', trunc)), statsHeaders('linux'));
    const sample = async (i: number, stream: boolean): Promise<void> => {
      const target = targets[i] as { id: string; name: string };
      try {
        const res = await ctx.api(ContainersApi).stats(target.id, { stream });
        for await (const msg of decodeJSONMessages(res)) entries[i] = statsEntry(target.id, msg as ApiStats, 'linux');
      } catch (err) {
        entries[i] = blankEntry(target.id, target.id, target.name, true);
        throw err;
      }
    };
    if (flags.bool('no-stream')) {
      const results = await Promise.allSettled(targets.map((_t, i) => sample(i, false)));
      const errors = args.length ? results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason))) : [];
      if (errors.length) throw new StatusError(1, errors.join('\n'));
      ctx.stdout.write(render());
      return 0;
    }
    targets.forEach((_t, i) => void sample(i, true).catch(() => undefined));
    const tty = ctx.stdout.isTTY === true;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      ctx.stdout.write((tty ? '\x1b[2J\x1b[H' : '') + render());
    }
  },
};
