// berthd's own share of `run --rm busybox true` (issue 9: at most 10 ms): the run as the client
// sees it (bench/trace-run.ts, create sent → the wait's answer) less what the runtime's processes
// take, as berthd's step trace (BERTH_TRACE_STEPS=1, src/host/step-trace.ts) times them: conmon
// and `crun create` (runtime-create → runtime-created) and the container's own run (runtime-started
// → conmon's exit file seen). What is left is berthd's work and its waits, and the socket's
// latency. Both clocks are this machine's epoch clock; runs are matched by container ID.
//
//   node dist/bench/own-share.js --runs RUNS.jsonl --steps BERTHD_STDERR [--label TEXT]
// Prints a markdown table: medians, with the 25th and 75th percentiles.
import { readFileSync } from 'node:fs';
import type { RunTimes } from './trace-run.js';

interface Options {
  runs: string;
  steps: string;
  label: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: '', steps: '', label: 'berth' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') o.runs = argv[++i] ?? '';
    else if (a === '--steps') o.steps = argv[++i] ?? '';
    else if (a === '--label') o.label = argv[++i] ?? '';
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!o.runs || !o.steps) throw new Error('--runs and --steps are required');
  return o;
}

/** Each container's steps (the first time of each), from berthd's stderr. */
function readSteps(text: string): Map<string, Record<string, number>> {
  const byId = new Map<string, Record<string, number>>();
  for (const line of text.split('\n')) {
    const m = /^berthd-step (\d+\.\d+) ([0-9a-f]{64}) ([a-z-]+)$/.exec(line);
    if (!m) continue;
    const steps = byId.get(m[2]!) ?? {};
    steps[m[3]!] ??= Number(m[1]);
    byId.set(m[2]!, steps);
  }
  return byId;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const runs = readFileSync(o.runs, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunTimes);
  const steps = readSteps(readFileSync(o.steps, 'utf8'));
  const rows: Record<string, number[]> = {
    'client: create sent → the wait answered': [],
    'conmon + `crun create`': [],
    "the container's run (let run → exit file seen)": [],
    "**berthd's own share** (the first less the two above)": [],
    '· create (request → answer)': [],
    '· start (request → answer) less conmon + `crun create`': [],
    "· the output's end → the wait answered": [],
  };
  const col = Object.values(rows);
  for (const r of runs) {
    const s = steps.get(r.id);
    const [create, created, started, exited] = ['runtime-create', 'runtime-created', 'runtime-started', 'exit-seen'].map((k) => s?.[k]);
    if (create === undefined || created === undefined || started === undefined || exited === undefined) continue;
    const total = r.waitDone - r.createSent;
    const runtime = created - create;
    const run = exited - started;
    [total, runtime, run, total - runtime - run, r.createDone - r.createSent, r.startDone - r.startSent - runtime, r.waitDone - r.outputEnd]
      .forEach((v, i) => col[i]!.push(v));
  }
  const n = col[0]!.length;
  if (!n) throw new Error('no run has all its steps: was berthd started with BERTH_TRACE_STEPS=1?');
  const f = (x: number) => x.toFixed(2);
  console.log(`| ${o.label} (${n} runs), ms | median | p25 | p75 |\n| --- | ---: | ---: | ---: |`);
  for (const [name, xs] of Object.entries(rows)) console.log(`| ${name} | ${f(quantile(xs, 0.5))} | ${f(quantile(xs, 0.25))} | ${f(quantile(xs, 0.75))} |`);
}

main();
