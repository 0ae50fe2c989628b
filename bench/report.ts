// Turns one bench run's raw results into markdown: start-up medians from hyperfine's JSON with
// ratios to docker-against-dockerd and the targets, the network's cost per container (default
// bridge − `--network none`, per engine), published-port throughput from wrk, and the memory
// figures from memory.tsv. Several hyperfine files (rounds, so that every command sees the same
// spells of load from the rest of the machine) are merged by command name: medians are taken over
// all their runs.
//
//   node dist/bench/report.js --hyperfine R1.json[,R2.json…] [--merged-out TIMES.json]
//                             --memory MEMORY.tsv [--steps STEPS.json] [--paired DIR] [--wrk DIR]
//                             [--failed a,b] [--out RESULTS.md]
// --paired DIR holds paired.js results named <bridge row>.json (e.g. berth.json: berth against
// berth-none), the main measure of the network's cost per container.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

interface HyperfineResult {
  command: string;
  median: number;
  mean: number;
  stddev: number | null;
  min: number;
  max: number;
  times?: number[];
}

/**
 * Bench names (hyperfine's --command-name) → what the row means, its target as a fraction of
 * docker → dockerd, and which dockerd row it is compared with (the same network: bridge or none).
 */
const ROWS: Record<string, { label: string; target?: number; base?: string }> = {
  crun: { label: '`crun run` on the busybox bundle (floor)' },
  berth: { label: '`berth run --rm busybox true` (default bridge)', target: 0.3 },
  'berth-none': { label: '`berth run --rm --network none busybox true`', target: 0.3, base: 'docker-dockerd-none' },
  'docker-berthd': { label: '`docker run --rm busybox true` → berthd (default bridge)', target: 0.2 },
  'docker-berthd-none': { label: '`docker run --rm --network none busybox true` → berthd', target: 0.2, base: 'docker-dockerd-none' },
  'docker-dockerd': { label: '`docker run --rm busybox true` → dockerd 20.10 (runc, default bridge)' },
  'docker-dockerd-none': { label: '`docker run --rm --network none busybox true` → dockerd 20.10', base: 'docker-dockerd-none' },
  podman: { label: '`podman run --rm busybox true` (crun, netavark bridge)' },
  'podman-none': { label: '`podman run --rm --network none busybox true` (crun)', base: 'docker-dockerd-none' },
  node: { label: '`node -e 0` (what any Node.js CLI pays first)' },
  'berth-extra-ca': { label: '`berth run --rm busybox true` with NODE_EXTRA_CA_CERTS set (the launcher drops it)' },
};

/** Engines timed on their default bridge and with --network none: [label, bridge row, none row]. */
const NET_PAIRS: Array<[string, string, string]> = [
  ['berth (CLI → berthd)', 'berth', 'berth-none'],
  ['docker CLI → berthd', 'docker-berthd', 'docker-berthd-none'],
  ['docker CLI → dockerd 20.10', 'docker-dockerd', 'docker-dockerd-none'],
  ['podman 4.3 (netavark)', 'podman', 'podman-none'],
];
/** The bridge may add at most this much to `berth run --rm` (ms). */
const BRIDGE_TARGET_MS = 15;

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
  const lines = [
    '| command | median ms | mean ± σ ms | min … max ms | × dockerd (same network) | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const row = ROWS[r.command] ?? { label: r.command };
    const base = results.find((b) => b.command === (row.base ?? 'docker-dockerd'));
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

/** A small deterministic PRNG (mulberry32), so a report is the same every time it is made. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95 % bootstrap interval of the median of xs. */
function bootstrapMedian(xs: number[], n = 2000): [number, number] {
  const r = rng(7);
  const d = Array.from({ length: n }, () => median(xs.map(() => xs[Math.floor(r() * xs.length)]!))).sort((x, y) => x - y);
  return [d[Math.floor(n * 0.025)]!, d[Math.floor(n * 0.975)]!];
}

/** 95 % bootstrap interval of median(a) − median(b). */
function bootstrapDiff(a: number[], b: number[], n = 2000): [number, number] {
  const r = rng(42);
  const pick = (xs: number[]): number[] => xs.map(() => xs[Math.floor(r() * xs.length)]!);
  const d = Array.from({ length: n }, () => median(pick(a)) - median(pick(b))).sort((x, y) => x - y);
  return [d[Math.floor(n * 0.025)]!, d[Math.floor(n * 0.975)]!];
}

/** Per round: the median of each command's runs in that round. */
function roundMedians(files: string[]): Array<Map<string, number>> {
  return files.map((f) => {
    const { results } = JSON.parse(readFileSync(f, 'utf8')) as { results: HyperfineResult[] };
    return new Map(results.map((r) => [r.command, r.times ? median(r.times) : r.median]));
  });
}

interface Paired {
  names: [string, string];
  a: number[];
  b: number[];
}

/**
 * The network's cost per container: each engine's default bridge − --network none, from the
 * paired runs (median of the pairs' differences; the verdict is taken on it) and from the
 * hyperfine rounds (difference of the medians, and per round).
 */
function networkCostTable(results: HyperfineResult[], rounds: Array<Map<string, number>>, pairedDir?: string): string {
  const lines = [
    '| engine | paired: bridge − none ms (median of N pairs) | 95 % interval ms | hyperfine: bridge / none median ms | hyperfine: difference ms (per round) | target |',
    '| --- | ---: | --- | --- | --- | --- |',
  ];
  for (const [label, bridge, none] of NET_PAIRS) {
    const b = results.find((r) => r.command === bridge);
    const n = results.find((r) => r.command === none);
    const file = pairedDir ? path.join(pairedDir, `${bridge}.json`) : '';
    const p = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Paired) : undefined;
    if (!n && !p) continue;
    let pairedCell = 'n/a';
    let ci = '';
    let verdictMs = b && n ? (b.median - n.median) * 1000 : NaN;
    if (p && p.a.length) {
      const diffs = p.a.map((x, i) => x - p.b[i]!);
      const d = median(diffs);
      const [lo, hi] = bootstrapMedian(diffs);
      pairedCell = `**${d.toFixed(1)}** (N = ${diffs.length}; ${median(p.a).toFixed(1)} − ${median(p.b).toFixed(1)})`;
      ci = `${lo.toFixed(1)} … ${hi.toFixed(1)}`;
      verdictMs = d;
    }
    let hf = 'not timed';
    let hfDiff = '';
    if (b && n) {
      const per = rounds.map((m) => (m.has(bridge) && m.has(none) ? ms(m.get(bridge)! - m.get(none)!) : 'n/a')).join(', ');
      const [lo, hi] = bootstrapDiff(b.times ?? [b.median], n.times ?? [n.median]);
      hf = `${ms(b.median)} / ${ms(n.median)}`;
      hfDiff = `${ms(b.median - n.median)} [${ms(lo)} … ${ms(hi)}] (${per})`;
    } else if (n) {
      hf = `not timed / ${ms(n.median)}`;
    }
    const target = bridge !== 'berth' || !Number.isFinite(verdictMs) ? ''
      : verdictMs <= BRIDGE_TARGET_MS ? `≤ ${BRIDGE_TARGET_MS} ms: met` : `≤ ${BRIDGE_TARGET_MS} ms: **missed** by ${(verdictMs - BRIDGE_TARGET_MS).toFixed(1)} ms`;
    lines.push(`| ${label} | ${pairedCell} | ${ci} | ${hf} | ${hfDiff} | ${target} |`);
  }
  return lines.join('\n');
}

interface WrkResult {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { mean: number; stdev: number; p50: number; p90: number; p99: number; max: number };
}

const WRK_TARGETS: Record<string, string> = {
  'berth-published-c32': 'berth: `-p 127.0.0.1:PORT:80`, 32 connections (iptables DNAT to the container)',
  'docker-published-c32': 'docker 20.10: `-p 127.0.0.1:PORT:80`, 32 connections (docker-proxy, its default)',
  'berth-published-c8': 'berth: the same port, 8 connections',
  'docker-published-c8': 'docker 20.10: the same port, 8 connections',
  'berth-direct-c8': 'berth\'s network: a second container, straight at its bridge address:80, 8 connections',
  'docker-direct-c8': 'dockerd\'s network: a second container, straight at its bridge address:80, 8 connections',
};

/** wrk runs (DIR/<target>-r<N>.txt with a WRK_JSON line): requests per second by target. */
function throughputTable(dir: string): string {
  const byTarget = new Map<string, WrkResult[]>();
  /** docker-proxy's CPU ms per 1000 requests, per docker-published run. */
  const proxyCpu = new Map<string, number[]>();
  for (const f of readdirSync(dir).filter((n) => /-r\d+\.txt$/.test(n)).sort()) {
    const text = readFileSync(path.join(dir, f), 'utf8').split('\n');
    const line = text.find((l) => l.startsWith('WRK_JSON '));
    if (!line) continue;
    const target = f.replace(/-r\d+\.txt$/, '');
    const w = JSON.parse(line.slice('WRK_JSON '.length)) as WrkResult;
    byTarget.set(target, [...(byTarget.get(target) ?? []), w]);
    const cpu = text.find((l) => l.startsWith('PROXY_CPU_MS '));
    if (cpu && w.requests) proxyCpu.set(target, [...(proxyCpu.get(target) ?? []), (Number(cpu.split(' ')[1]) / w.requests) * 1000]);
  }
  if (!byTarget.size) return 'No wrk results.';
  const rps = (w: WrkResult): number => w.requests / (w.duration_us / 1e6);
  const medRps = (t: string): number => median((byTarget.get(t) ?? []).map(rps));
  const lines = [
    '| target | requests/s (median) | per round | × docker-proxy (same connections) | latency p50 / p99 ms | errors | target |',
    '| --- | ---: | --- | ---: | --- | ---: | --- |',
  ];
  const order = Object.keys(WRK_TARGETS);
  const rank = (t: string): number => (order.includes(t) ? order.indexOf(t) : order.length);
  for (const t of [...byTarget.keys()].sort((a, b) => rank(a) - rank(b))) {
    const runs = byTarget.get(t)!;
    const m = medRps(t);
    const c = /-c(\d+)$/.exec(t)?.[1] ?? '';
    const docker = byTarget.has(`docker-published-c${c}`) ? medRps(`docker-published-c${c}`) : NaN;
    const errors = runs.reduce((s, w) => s + w.errors.connect + w.errors.read + w.errors.write + w.errors.status + w.errors.timeout, 0);
    const p50 = median(runs.map((w) => w.latency_us.p50)) / 1000;
    const p99 = median(runs.map((w) => w.latency_us.p99)) / 1000;
    const target = !t.startsWith('berth-published') ? ''
      : !Number.isFinite(docker) ? '≥ docker (no docker run)'
      : m >= docker ? '≥ docker: met' : `≥ docker: **missed** by ${(docker - m).toFixed(0)} req/s`;
    lines.push(
      `| ${WRK_TARGETS[t] ?? t} | **${m.toFixed(0)}** | ${runs.map((w) => rps(w).toFixed(0)).join(', ')} | ${Number.isFinite(docker) ? (m / docker).toFixed(2) : 'n/a'} | ${p50.toFixed(2)} / ${p99.toFixed(2)} | ${errors} | ${target} |`,
    );
  }
  for (const [t, v] of proxyCpu) {
    lines.push('', `docker-proxy's CPU time, ${t}: ${median(v).toFixed(0)} ms per 1000 requests (median of ${v.length} runs).`);
  }
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
    parts.push(
      '', '### The network per container: default bridge − `--network none`', '',
      'Paired: the two commands run in alternation (A B, B A, …), and the median of the pairs\' differences with a bootstrap 95 % interval. '
        + 'Hyperfine: the difference of the medians in the table above, its bootstrap interval, and each round\'s.',
      '', networkCostTable(results, roundMedians(hf), opt('--paired')),
    );
  }
  const wrkDir = opt('--wrk');
  if (wrkDir && existsSync(wrkDir)) {
    parts.push('', '### Published port throughput (wrk -t2, busybox httpd, one connection per request)', '', throughputTable(wrkDir));
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
