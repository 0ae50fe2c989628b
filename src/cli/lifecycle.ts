// Container lifecycle: start, stop, kill, restart, wait, rm, rename, pause, unpause, update,
// container prune. Each works on many containers at once and reports like docker: the names
// that worked on stdout, the errors joined at the end (exit 1).

import { ContainersApi } from '../client/containers.js';
import { isApiError } from '../client/errors.js';
import { StatusError, type CommandDef, type Ctx } from './command.js';
import { filterFlag, forceFlag } from './common-flags.js';
import type { FlagSpec } from './flags.js';
import { parseRestartPolicy } from './limits.js';
import { humanSize } from './output.js';
import { confirm } from './prompt.js';
import { containerSession, StartFailed } from './session.js';
import { parseNanoCpus, parseRamBytes, parseSwapBytes } from '../protocol/units.js';

/** Run op on every item, at most `limit` at a time; results in input order. */
export async function parallel<T>(items: readonly string[], op: (item: string) => Promise<T>, limit = 50): Promise<({ ok: true; value: T } | { ok: false; error: unknown })[]> {
  const results: ({ ok: true; value: T } | { ok: false; error: unknown })[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await op(items[i] as string) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Print each name that worked; end with the joined errors. */
async function eachContainer(ctx: Ctx, names: readonly string[], op: (name: string) => Promise<void>): Promise<number> {
  const results = await parallel(names, op);
  const errors: string[] = [];
  results.forEach((r, i) => {
    if (r.ok) ctx.stdout.write(`${names[i]}\n`);
    else errors.push(message(r.error));
  });
  if (errors.length) throw new StatusError(1, errors.join('\n'));
  return 0;
}

const timeoutFlag: FlagSpec = { long: 'timeout', short: 't', kind: 'int', usage: 'Seconds to wait before killing the container' };
const signalFlag: FlagSpec = { long: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' };
// docker still accepts --time as a deprecated spelling of --timeout.
const timeFlag: FlagSpec = { long: 'time', kind: 'int', usage: 'Seconds to wait before killing the container (deprecated: use --timeout)', hidden: true };

function stopOptions(flags: import('./flags.js').Flags): { timeout?: number; signal?: string } {
  return { timeout: flags.int('timeout') ?? flags.int('time'), signal: flags.string('signal') };
}

export const stop: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Stop one or more running containers',
  flags: [signalFlag, timeoutFlag, timeFlag],
  args: { min: 1 },
  run: (ctx, flags, args) => eachContainer(ctx, args, (c) => ctx.api(ContainersApi).stop(c, stopOptions(flags))),
};

export const restart: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Restart one or more containers',
  flags: [signalFlag, timeoutFlag, timeFlag],
  args: { min: 1 },
  run: (ctx, flags, args) => eachContainer(ctx, args, (c) => ctx.api(ContainersApi).restart(c, stopOptions(flags))),
};

export const kill: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Kill one or more running containers',
  flags: [{ long: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }],
  args: { min: 1 },
  run: (ctx, flags, args) => eachContainer(ctx, args, (c) => ctx.api(ContainersApi).kill(c, flags.string('signal') || undefined)),
};

export const pause: CommandDef = {
  use: 'CONTAINER [CONTAINER...]',
  short: 'Pause all processes within one or more containers',
  flags: [],
  args: { min: 1 },
  run: (ctx, _flags, args) => eachContainer(ctx, args, (c) => ctx.api(ContainersApi).pause(c)),
};

export const unpause: CommandDef = {
  use: 'CONTAINER [CONTAINER...]',
  short: 'Unpause all processes within one or more containers',
  flags: [],
  args: { min: 1 },
  run: (ctx, _flags, args) => eachContainer(ctx, args, (c) => ctx.api(ContainersApi).unpause(c)),
};

export const rm: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Remove one or more containers',
  flags: [
    { long: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'link', short: 'l', kind: 'bool', usage: 'Remove the specified link' },
    { long: 'volumes', short: 'v', kind: 'bool', usage: 'Remove anonymous volumes associated with the container' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const force = flags.bool('force');
    const results = await parallel(args, async (name) => {
      const id = name.replace(/^\/+|\/+$/g, '');
      if (id === '') throw new Error('container name cannot be empty');
      await ctx.api(ContainersApi).remove(id, { force, volumes: flags.bool('volumes'), link: flags.bool('link') });
    });
    const errors: string[] = [];
    results.forEach((r, i) => {
      if (r.ok) ctx.stdout.write(`${args[i]}\n`);
      else if (force && isApiError(r.error, 404)) ctx.stderr.write(`${message(r.error)}\n`);
      else errors.push(message(r.error));
    });
    if (errors.length) throw new StatusError(1, errors.join('\n'));
    return 0;
  },
};

export const wait: CommandDef = {
  use: 'CONTAINER [CONTAINER...]',
  short: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  async run(ctx, _flags, args) {
    const results = await parallel(args, (c) => ctx.api(ContainersApi).wait(c, 'not-running'));
    const errors: string[] = [];
    for (const r of results) {
      if (r.ok) ctx.stdout.write(`${r.value.StatusCode}\n`);
      else errors.push(message(r.error));
    }
    if (errors.length) throw new StatusError(1, errors.join('\n'));
    return 0;
  },
};

export const rename: CommandDef = {
  use: 'CONTAINER NEW_NAME',
  short: 'Rename a container',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, _flags, args) {
    const [oldName, newName] = args.map((a) => a.trim()) as [string, string];
    if (oldName === '' || newName === '') throw new StatusError(1, 'Error: Neither old nor new names may be empty');
    try {
      await ctx.api(ContainersApi).rename(oldName, newName);
    } catch (err) {
      // docker prints the daemon's error, then this line of its own.
      if (isApiError(err)) throw new StatusError(1, `${message(err)}\nError: failed to rename container named ${oldName}`);
      throw err;
    }
    return 0;
  },
};

async function startAttached(ctx: Ctx, ref: string, flags: import('./flags.js').Flags): Promise<number> {
  const c = await ctx.api(ContainersApi).inspect(ref);
  const tty = c.Config.Tty === true;
  const stdin = flags.bool('interactive') && c.Config.OpenStdin === true;
  try {
    const result = await containerSession(ctx, ctx.api(ContainersApi), {
      id: c.Id,
      tty,
      stdin,
      stdout: true,
      stderr: true,
      detachKeys: flags.string('detach-keys'),
      waitCondition: c.HostConfig.AutoRemove ? 'removed' : 'next-exit',
      start: () => ctx.api(ContainersApi).start(ref),
      sigProxy: true,
    });
    if (result.end === 'detached') return 0;
    return result.status ?? 0;
  } catch (err) {
    if (err instanceof StartFailed) throw err.original;
    throw err;
  }
}

export const start: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Start one or more stopped containers',
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', usage: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'checkpoint', kind: 'string', usage: 'Restore from this checkpoint', hidden: true },
    { long: 'checkpoint-dir', kind: 'string', usage: 'Use a custom checkpoint storage directory', hidden: true },
    { long: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { long: 'interactive', short: 'i', kind: 'bool', usage: "Attach container's STDIN" },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    if (flags.bool('attach') || flags.bool('interactive')) {
      if (args.length > 1) throw new StatusError(1, 'you cannot start and attach multiple containers at once');
      return startAttached(ctx, args[0] as string, flags);
    }
    const failed: string[] = [];
    for (const c of args) {
      try {
        await ctx.api(ContainersApi).start(c);
        ctx.stdout.write(`${c}\n`);
      } catch (err) {
        ctx.stderr.write(`${message(err)}\n`);
        failed.push(c);
      }
    }
    if (failed.length) throw new StatusError(1, `Error: failed to start containers: ${failed.join(', ')}`);
    return 0;
  },
};

const UPDATE_FLAGS: FlagSpec[] = [
  { long: 'blkio-weight', kind: 'int', type: 'uint16', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable', defaultText: '0' },
  { long: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { long: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { long: 'cpu-rt-period', kind: 'int', usage: 'Limit the CPU real-time period in microseconds' },
  { long: 'cpu-rt-runtime', kind: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
  { long: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
  { long: 'cpus', kind: 'string', type: 'decimal', usage: 'Number of CPUs', validate: (v) => void parseNanoCpus(v) },
  { long: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
  { long: 'memory', short: 'm', kind: 'string', type: 'bytes', usage: 'Memory limit', validate: (v) => void parseRamBytes(v) },
  { long: 'memory-reservation', kind: 'string', type: 'bytes', usage: 'Memory soft limit', validate: (v) => void parseRamBytes(v) },
  { long: 'memory-swap', kind: 'string', type: 'bytes', usage: "Swap limit equal to memory plus swap: -1 to enable unlimited swap", validate: (v) => void parseSwapBytes(v) },
  { long: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
  { long: 'restart', kind: 'string', usage: 'Restart policy to apply when a container exits' },
  // Deprecated in docker, still taken (the daemon answers that the limit is discarded).
  { long: 'kernel-memory', kind: 'string', type: 'bytes', usage: 'Kernel memory limit (deprecated)', hidden: true, validate: (v) => void parseRamBytes(v) },
];

export const update: CommandDef = {
  use: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Update configuration of one or more containers',
  flags: UPDATE_FLAGS,
  args: { min: 1 },
  async run(ctx, flags, args) {
    const body: Record<string, unknown> = {};
    const setInt = (flag: string, key: string): void => {
      if (flags.changed(flag)) body[key] = flags.int(flag);
    };
    setInt('blkio-weight', 'BlkioWeight');
    setInt('cpu-period', 'CpuPeriod');
    setInt('cpu-quota', 'CpuQuota');
    setInt('cpu-rt-period', 'CpuRealtimePeriod');
    setInt('cpu-rt-runtime', 'CpuRealtimeRuntime');
    setInt('cpu-shares', 'CpuShares');
    setInt('pids-limit', 'PidsLimit');
    if (flags.changed('cpus')) body['NanoCpus'] = parseNanoCpus(flags.string('cpus') ?? '0');
    if (flags.changed('cpuset-cpus')) body['CpusetCpus'] = flags.string('cpuset-cpus');
    if (flags.changed('cpuset-mems')) body['CpusetMems'] = flags.string('cpuset-mems');
    if (flags.changed('memory')) body['Memory'] = parseRamBytes(flags.string('memory') ?? '0');
    if (flags.changed('memory-reservation')) body['MemoryReservation'] = parseRamBytes(flags.string('memory-reservation') ?? '0');
    if (flags.changed('memory-swap')) body['MemorySwap'] = parseSwapBytes(flags.string('memory-swap') ?? '0');
    if (flags.changed('kernel-memory')) body['KernelMemory'] = parseRamBytes(flags.string('kernel-memory') ?? '0');
    if (flags.changed('restart')) body['RestartPolicy'] = parseRestartPolicy(flags.string('restart') ?? '');
    if (Object.keys(body).length === 0) throw new StatusError(1, 'you must provide one or more flags when using this command');
    // As docker's update: the daemon's warnings on stdout, after the names, as they are.
    const warnings: string[] = [];
    try {
      return await eachContainer(ctx, args, async (c) => {
        const res = await ctx.api(ContainersApi).update(c, body);
        warnings.push(...(res.Warnings ?? []));
      });
    } finally {
      if (warnings.length) ctx.stdout.write(`${warnings.join('\n')}\n`);
    }
  },
};

export const containerPrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove all stopped containers',
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")', undefined), forceFlag()],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    if (!flags.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) {
      return 0;
    }
    const report = await ctx.api(ContainersApi).prune(flags.list('filter'));
    let out = '';
    const deleted = report.ContainersDeleted ?? [];
    if (deleted.length) out += `Deleted Containers:\n${deleted.join('\n')}\n\n`;
    out += `Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};
