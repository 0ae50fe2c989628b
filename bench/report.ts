// Turns one bench run's raw results into markdown: start-up medians from hyperfine's JSON with
// ratios to docker-against-dockerd and the targets, and the memory figures from memory.tsv.
// Several hyperfine files (rounds, so that every command sees the same spells of load from the
// rest of the machine) are merged by command name: medians are taken over all their runs.
//
//   node dist/bench/report.js --hyperfine R1.json[,R2.json…] [--merged-out TIMES.json]
//                             --memory MEMORY.tsv [--steps STEPS.json] [--failed a,b] [--out RESULTS.md]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface HyperfineResult {
  command: string;
  median: number;
  mean: number;
  stddev: number | null;
  min: number;
  max: number;
  times?: number[];
}

/** Bench names (hyperfine's --command-name) → what the row means, and its target vs dockerd. */
const ROWS: Record<string, { label: string; target?: number }> = {
  crun: { label: '`crun run` on the busybox bundle (floor)' },
  berth: { label: '`berth run --rm busybox true`', target: 0.35 },
  'docker-berthd': { label: '`docker run --rm busybox true` → berthd', target: 0.2 },
  'docker-dockerd': { label: '`docker run --rm busybox true` → dockerd 20.10 (runc)' },
  podman: { label: '`podman run --rm busybox true` (crun)' },
  node: { label: '`node -e 0` (what any Node.js CLI pays first)' },
  'berth-extra-ca': { label: '`berth run --rm busybox true` with NODE_EXTRA_CA_CERTS set (as in this sandbox)' },
};

const ms = (s: number): string => (s * 1000).toFixed(1);

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** One result per command over every round's runs. */
function mergeRounds(files: string[]): HyperfineResult[] {
  const times = new Map<string, number[]>();
  for (const f of files) {
    const { results } = JSON.parse(readFileSync(f, 'utf8')) as { results: HyperfineResult[] };
    for (const r of results) times.set(r.command, [...(times.get(r.command) ?? []), ...(r.times ?? [r.median])]);
  }
  // Rows in the order of ROWS (rounds rotate the order hyperfine ran them in).
  const order = Object.keys(ROWS);
  const rank = (c: string): number => (order.includes(c) ? order.indexOf(c) : order.length);
  return [...times].sort(([a], [b]) => rank(a) - rank(b)).map(([command, t]) => {
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const stddev = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, t.length - 1));
    return { command, median: median(t), mean, stddev, min: Math.min(...t), max: Math.max(...t), times: t };
  });
}

function timesTable(results: HyperfineResult[], failed: string[]): string {
  const base = results.find((r) => r.command === 'docker-dockerd');
  const lines = [
    '| command | median ms | mean ± σ ms | min … max ms | × dockerd | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const row = ROWS[r.command] ?? { label: r.command };
    const ratio = base ? r.median / base.median : NaN;
    let target = '';
    if (row.target !== undefined) {
      target = !base ? `≤ ${row.target}× (no dockerd)` : ratio <= row.target
        ? `≤ ${row.target}×: met`
        : `≤ ${row.target}×: **missed** by ${ms(r.median - row.target * base.median)} ms (needs ≤ ${ms(row.target * base.median)})`;
    }
    lines.push(
      `| ${row.label} | ${ms(r.median)} | ${ms(r.mean)} ± ${ms(r.stddev ?? 0)} | ${ms(r.min)} … ${ms(r.max)} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'} | ${target} |`,
    );
  }
  for (const f of failed) lines.push(`| ${f} | failed (see log) | | | | |`);
  return lines.join('\n');
}

const STEPS: Record<string, string> = {
  'crun-run-berth-spec': '`crun run` with berth\'s spec (compare: the floor above)',
  'crun-create': '`crun create` (berth\'s spec)',
  'crun-start': '`crun start`',
  'crun-delete': '`crun delete` (stopped container)',
  'mount-overlay': '`mount -t overlay` (util-linux)',
  umount: '`umount`',
};

function stepsTable(results: HyperfineResult[]): string {
  return [
    '| program berthd runs per container | median ms | mean ± σ ms |',
    '| --- | ---: | ---: |',
    ...results.map((r) => `| ${STEPS[r.command] ?? r.command} | ${ms(r.median)} | ${ms(r.mean)} ± ${ms(r.stddev ?? 0)} |`),
  ].join('\n');
}

type Mem = Map<string, Map<string, string>>;

function readMemory(file: string): Mem {
  const mem: Mem = new Map();
  if (!existsSync(file)) return mem;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [engine, key, value] = line.split('\t');
    if (!engine || !key || value === undefined) continue;
    if (!mem.has(engine)) mem.set(engine, new Map());
    mem.get(engine)!.set(key, value);
  }
  return mem;
}

const mib = (kib: number): string => (kib / 1024).toFixed(2);

function memoryTables(mem: Mem): string {
  const names: Record<string, { engine: string; supervisor: string; daemon: string }> = {
    berth: { engine: 'berth', supervisor: 'conmon', daemon: 'berthd' },
    dockerd: { engine: 'docker 20.10', supervisor: 'containerd-shim-runc-v2', daemon: 'dockerd + containerd' },
    podman: { engine: 'podman 4.3', supervisor: 'conmon', daemon: '(none: daemonless)' },
  };
  const per = [
    '| engine | per-container process | N | supervisors found | PSS per container MiB | RSS per supervisor MiB | daemon PSS growth per container MiB | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const idle = [
    '| engine | daemon | RSS just after start MiB | idle RSS after the timing runs MiB | idle PSS MiB | RSS with N running MiB | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const [engine, m] of mem) {
    const n = Number(m.get('containers') ?? 0);
    const name = names[engine] ?? { engine, supervisor: '?', daemon: '?' };
    if (m.has('error')) {
      per.push(`| ${name.engine} | ${name.supervisor} | | | failed: ${m.get('error')} | | | |`);
      continue;
    }
    const sup = Number(m.get('supervisors') ?? 0);
    const pssPer = Number(m.get('supervisor_pss_kib') ?? 0) / (n || 1);
    const rssPer = Number(m.get('supervisor_rss_kib') ?? 0) / (sup || 1);
    const growth = m.has('daemon_busy_pss_kib')
      ? (Number(m.get('daemon_busy_pss_kib')) - Number(m.get('daemon_idle_pss_kib'))) / (n || 1)
      : NaN;
    const target = engine === 'berth' ? (pssPer <= 1024 ? '≤ 1 MiB: met' : `≤ 1 MiB: **missed** by ${mib(pssPer - 1024)} MiB`) : '';
    per.push(
      `| ${name.engine} | ${name.supervisor} | ${n} | ${sup} | ${mib(pssPer)} | ${mib(rssPer)} | ${Number.isFinite(growth) ? mib(growth) : 'n/a'} | ${target} |`,
    );
    if (m.has('daemon_idle_rss_kib')) {
      const rss = Number(m.get('daemon_idle_rss_kib'));
      const t = engine === 'berth' ? (rss < 60 * 1024 ? '< 60 MiB: met' : `< 60 MiB: **missed** by ${mib(rss - 60 * 1024)} MiB`) : '';
      const fresh = m.has('daemon_fresh_rss_kib') ? mib(Number(m.get('daemon_fresh_rss_kib'))) : 'n/a';
      idle.push(
        `| ${name.engine} | ${name.daemon} | ${fresh} | ${mib(rss)} | ${mib(Number(m.get('daemon_idle_pss_kib')))} | ${mib(Number(m.get('daemon_busy_rss_kib') ?? NaN))} | ${t} |`,
      );
    }
  }
  return `${per.join('\n')}\n\n${idle.join('\n')}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const hf = (opt('--hyperfine') ?? '').split(',').filter((f) => f && existsSync(f));
  const parts: string[] = [];
  if (hf.length) {
    const results = mergeRounds(hf);
    const merged = opt('--merged-out');
    if (merged) writeFileSync(merged, JSON.stringify({ results }, null, 1));
    const failed = (opt('--failed') ?? '').split(',').filter(Boolean);
    const runs = results[0]?.times?.length ?? 0;
    parts.push('### Start-up: `run --rm busybox true`', '', `${runs} runs each, in ${hf.length} round(s) of hyperfine.`, '', timesTable(results, failed));
  }
  const steps = opt('--steps');
  if (steps && existsSync(steps)) {
    const { results } = JSON.parse(readFileSync(steps, 'utf8')) as { results: HyperfineResult[] };
    parts.push('', '### The programs berthd runs per container, each alone (untraced)', '', stepsTable(results));
  }
  const memFile = opt('--memory');
  if (memFile) parts.push('', '### Memory', '', memoryTables(readMemory(memFile)));
  const text = parts.join('\n') + '\n';
  const out = opt('--out');
  if (out) writeFileSync(out, text);
  process.stdout.write(text);
}

main();
