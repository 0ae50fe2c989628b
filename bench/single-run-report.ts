// The table of issue 9's single-run and CLI figures from bench/lib/single-run.sh's output:
// paired runs (bench/paired.ts) against the baseline timed in alternation with them, berthd's
// CPU per run, and the load average around it all.
//
//   node dist/bench/single-run-report.js --dir DIR
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PairedResult } from './paired.js';

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

const f1 = (x: number): string => x.toFixed(1);

function main(): void {
  const argv = process.argv.slice(2);
  const dir = argv[argv.indexOf('--dir') + 1] ?? '';
  if (!dir) throw new Error('usage: single-run-report --dir DIR');
  const read = (name: string): PairedResult | undefined =>
    existsSync(path.join(dir, name)) ? (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as PairedResult) : undefined;
  const lines = [
    '| figure | median ms | baseline (same pairs) | median ms | ratio of medians | median of pair ratios | target | verdict |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- | --- |',
  ];
  const ratioRow = (file: string, label: string, target: number): void => {
    const r = read(file);
    if (!r) return;
    const a = median(r.a), b = median(r.b);
    const pairRatio = median(r.a.map((x, i) => x / r.b[i]!));
    lines.push(`| ${label} | ${f1(a)} | docker → dockerd 20.10 | ${f1(b)} | ${(a / b).toFixed(3)} | ${pairRatio.toFixed(3)} | ≤ ${target}× | ${a / b <= target ? 'met' : `**missed** (needs ≤ ${f1(target * b)} ms)`} |`);
  };
  ratioRow('berth.json', '`berth run --rm busybox true`', 0.3);
  ratioRow('docker-berthd.json', '`docker run --rm busybox true` → berthd', 0.2);
  const cli = read('cli.json');
  if (cli) {
    const a = median(cli.a), b = median(cli.b);
    const diff = median(cli.a.map((x, i) => x - cli.b[i]!));
    lines.push(`| \`berth version --format '{{.Client.Version}}'\` (no daemon round trip) | ${f1(a)} | \`node -e 0\` | ${f1(b)} | ${(a / b).toFixed(2)} | berth − node: ${f1(diff)} ms | ≤ 35 ms | ${a <= 35 ? 'met' : `**missed** by ${f1(a - 35)} ms (node alone ${f1(b)})`} |`);
  }
  const out = [lines.join('\n')];
  const cpuFile = path.join(dir, 'cpu.jsonl');
  if (existsSync(cpuFile)) {
    out.push('', '| daemon | CPU time per `docker run --rm busybox true` (utime + stime / runs) | runs |', '| --- | ---: | ---: |');
    for (const line of readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean)) {
      const c = JSON.parse(line) as { engine: string; runs: number; cpuMs: number };
      out.push(`| ${c.engine} | ${f1(c.cpuMs / c.runs)} ms | ${c.runs} |`);
    }
  }
  const cliCpu = path.join(dir, 'cli-cpu.jsonl');
  if (existsSync(cliCpu)) {
    out.push('', '| command | CPU time per start (user + sys) | runs |', '| --- | ---: | ---: |');
    const label: Record<string, string> = {
      'berth-version': "`berth version --format '{{.Client.Version}}'`",
      node: '`node -e 0`',
      'berth-no-daemon': '`berth run --rm busybox true` against a socket nobody listens on',
      'docker-no-daemon': '`docker run --rm busybox true` against a socket nobody listens on',
    };
    for (const line of readFileSync(cliCpu, 'utf8').split('\n').filter(Boolean)) {
      const c = JSON.parse(line) as { name: string; runs: number; cpuMs: number };
      out.push(`| ${label[c.name] ?? c.name} | ${f1(c.cpuMs / c.runs)} ms | ${c.runs} |`);
    }
  }
  const load = path.join(dir, 'load.txt');
  if (existsSync(load)) out.push('', readFileSync(load, 'utf8').trim().split('\n').map((l) => `- ${l}`).join('\n'));
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
