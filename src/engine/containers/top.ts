// docker top: the host's `ps` with the caller's options, cut down to the container's processes
// (the PIDs its runtime reports), titles and rows as dockerd's /containers/{id}/top answers.
import { runCommand } from '../../host/command.js';
import { InvalidArgumentError, SystemError } from '../../errors.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** `ps` run with `psArgs` (docker's default `-ef`), only the rows of `pids`. */
export async function topOf(pids: readonly number[], psArgs: string[]): Promise<TopResult> {
  const wanted = new Set(pids);
  const out = await runCommand('ps', psArgs, { allowFailure: true });
  if (out.code !== 0) {
    // The caller's options did not parse: a 400 (dockerd's is a 500), in ps's first line as dockerd says it.
    throw new InvalidArgumentError(`ps: ${out.stderr.split('\n')[0]?.trim() || `exit status ${out.code}`}`);
  }
  const lines = out.stdout.split('\n').filter(Boolean);
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw new SystemError(`Couldn't find PID field in ps output`);
  // The last column (the command) may hold spaces: everything after the other columns is it.
  const processes = lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
  }).filter((f) => wanted.has(Number(f[pidCol])));
  return { Titles: titles, Processes: processes };
}
