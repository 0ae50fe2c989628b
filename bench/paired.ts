// Times two commands in alternation, one run of each at a time (A B, then B A, then A B, …), so
// that both see the same spells of load, and keeps every pair's difference: the cost of what
// tells them apart (here: a container on the default bridge against one with --network none).
// hyperfine runs all of A's runs and then all of B's, and on a shared 2-CPU machine a load spike
// during one block moves a difference of ~15 ms by more than that; pairs do not suffer from it.
// Commands run without a shell (as hyperfine -N), their output discarded; a failing run aborts.
//
//   node dist/bench/paired.js --runs N [--warmup N] --out FILE.json -n NAME_A "CMD A" -n NAME_B "CMD B"
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export interface PairedResult {
  names: [string, string];
  commands: [string, string];
  /** Wall times in ms, run i of A and run i of B belong to one pair. */
  a: number[];
  b: number[];
}

function runOnce(cmd: string): number {
  const [file, ...args] = cmd.split(/\s+/).filter(Boolean);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file!, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status ?? r.signal}`);
  return ms;
}

function main(): void {
  const argv = process.argv.slice(2);
  let runs = 30;
  let warmup = 2;
  let out = '';
  const named: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--warmup') warmup = Number(argv[++i]);
    else if (a === '--out') out = argv[++i] ?? '';
    else if (a === '-n') named.push([argv[++i] ?? '', argv[++i] ?? '']);
    else throw new Error(`unknown argument: ${a}`);
  }
  if (named.length !== 2 || !out) throw new Error('usage: paired --runs N [--warmup N] --out FILE -n A "CMD" -n B "CMD"');
  const [[nameA, cmdA], [nameB, cmdB]] = named as [[string, string], [string, string]];
  for (let i = 0; i < warmup; i++) {
    runOnce(cmdA);
    runOnce(cmdB);
  }
  const result: PairedResult = { names: [nameA, nameB], commands: [cmdA, cmdB], a: [], b: [] };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      result.a.push(runOnce(cmdA));
      result.b.push(runOnce(cmdB));
    } else {
      result.b.push(runOnce(cmdB));
      result.a.push(runOnce(cmdA));
    }
  }
  writeFileSync(out, JSON.stringify(result, null, 1));
}

try {
  main();
} catch (e) {
  process.stderr.write(`paired: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
