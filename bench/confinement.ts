// What confinement costs a container's start: `docker run --rm busybox true` against berthd with
// and without the default seccomp profile (--security-opt seccomp=unconfined), and on a berthd
// with --userns-remap default with and without a user namespace (--userns host), each pair run
// in alternation by bench/paired.ts so both sides share the machine's load. Each side gets its
// own test daemon (test/integration/harness.ts: own data root, socket, bridge, cleanup).
//
//   node dist/bench/confinement.js [--runs N] [--out DIR]
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCKER, TestDaemon } from '../test/integration/harness.js';
import type { PairedResult } from './paired.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function paired(runs: number, out: string, a: [string, string], b: [string, string]): PairedResult {
  const r = spawnSync(process.execPath, [path.join(here, 'paired.js'), '--runs', String(runs), '--warmup', '3', '--out', out, '-n', ...a, '-n', ...b], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`paired ${a[0]}/${b[0]} failed`);
  return JSON.parse(readFileSync(out, 'utf8')) as PairedResult;
}

function row(r: PairedResult): string {
  const diffs = r.a.map((x, i) => x - r.b[i]!);
  const sorted = [...diffs].sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return `| ${r.names[0]} − ${r.names[1]} | ${median(r.a).toFixed(1)} | ${median(r.b).toFixed(1)} | ${median(diffs).toFixed(1)} | ${q(0.25).toFixed(1)} … ${q(0.75).toFixed(1)} | ${r.a.length} |`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = Number(argv[argv.indexOf('--runs') + 1] || 40) || 40;
  const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1]! : `/tmp/berth-bench-confinement.${process.pid}`;
  mkdirSync(out, { recursive: true });
  const plain = new TestDaemon('bench-seccomp');
  const remapped = new TestDaemon('bench-userns', ['--userns-remap', 'default']);
  chmodSync(remapped.root, 0o711);
  try {
    await plain.start();
    await plain.loadBusybox();
    await remapped.start();
    await remapped.loadBusybox();
    const run = (d: TestDaemon, extra: string) => `${DOCKER} -H ${d.host} run --rm ${extra} busybox true`.replace(/\s+/g, ' ');
    const seccomp = paired(runs, path.join(out, 'seccomp.json'), ['seccomp-default', run(plain, '')], ['seccomp-unconfined', run(plain, '--security-opt seccomp=unconfined')]);
    const userns = paired(runs, path.join(out, 'userns.json'), ['userns-remap', run(remapped, '')], ['userns-host', run(remapped, '--userns host')]);
    process.stdout.write([
      `load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
      '',
      '| pair (A − B) | median A (ms) | median B (ms) | median of pair differences (ms) | IQR of differences (ms) | pairs |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row(seccomp),
      row(userns),
      '',
    ].join('\n'));
  } finally {
    // A daemon that never came up has nothing to stop; the results are out either way.
    for (const d of [plain, remapped]) await d.stop().catch((e: unknown) => process.stderr.write(`stopping ${d.name}: ${String(e)}\n`));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`confinement bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
