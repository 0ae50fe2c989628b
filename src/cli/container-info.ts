// What a running container is doing: top, port, stats.

import { ContainersApi } from '../client/containers.js';
import type { PortBinding, PortMap } from '../protocol/engine-api.js';
import { decodeJSONMessages } from '../protocol/json-messages.js';
import type { ApiStats } from './format/stats-row.js';
import { StatusError, type CommandDef } from './command.js';
import { formatFlag } from './common-flags.js';
import { alignTable, blankStatsEntry, naturalCompare, renderList, statsEntry, statsFormat, statsHeaders, StatsRow, type StatsEntry } from './output.js';

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

/** net.JoinHostPort(HostIp, HostPort): "[::]:8080" for IPv6, ":8080" when the daemon gave no address. */
function hostPort(b: PortBinding): string {
  const ip = b.HostIp ?? '';
  return ip.includes(':') ? `[${ip}]:${b.HostPort}` : `${ip}:${b.HostPort}`;
}

/**
 * docker 28's port lines from inspect's NetworkSettings.Ports: "80/tcp -> 0.0.0.0:8080" for
 * every binding, or just the host side for one PRIVATE_PORT[/PROTO] (tcp when not given),
 * in natural order either way.
 */
export function portLines(ports: PortMap, wanted: string | undefined, container: string): string[] {
  const out: string[] = [];
  if (wanted !== undefined && wanted !== '') {
    const slash = wanted.indexOf('/');
    const num = slash < 0 ? wanted : wanted.slice(0, slash);
    const proto = slash < 0 || slash === wanted.length - 1 ? 'tcp' : wanted.slice(slash + 1);
    const q = JSON.stringify(num);
    if (!/^\d+$/.test(num)) throw new StatusError(1, `Error: invalid port (${num}): strconv.ParseUint: parsing ${q}: invalid syntax`);
    if (Number(num) > 65535) throw new StatusError(1, `Error: invalid port (${num}): strconv.ParseUint: parsing ${q}: value out of range`);
    const bindings = ports[`${num}/${proto}`];
    if (!bindings || bindings.length === 0) throw new StatusError(1, `Error: No public port '${wanted}' published for ${container}`);
    for (const b of bindings) out.push(hostPort(b));
  } else {
    for (const [from, bindings] of Object.entries(ports)) for (const b of bindings ?? []) out.push(`${from} -> ${hostPort(b)}`);
  }
  return out.sort(naturalCompare);
}

export const port: CommandDef = {
  use: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  short: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, _flags, args) {
    const [container, wanted] = args as [string, string?];
    const c = await ctx.api(ContainersApi).inspect(container);
    const lines = portLines(c.NetworkSettings?.Ports ?? {}, wanted, container);
    if (lines.length) ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

/** A container's line before its first sample arrives (or after reading failed). */
function blankEntry(container: string, id: string, name: string, invalid: boolean): StatsEntry {
  return blankStatsEntry(container, id, name.startsWith('/') ? name : `/${name}`, invalid);
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
