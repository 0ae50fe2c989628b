// The exec benchmark's two halves (bench/exec.sh drives them):
//
//   time:  N commands timed in rounds, one run of each per round, the order rotated each round
//          (so all of them see the same spells of load on a shared machine); every row's median
//          and its ratio to the base row (docker → dockerd), both as a ratio of medians and as
//          the median of the per-round ratios. A command prefixed with `!` may fail (a CLI
//          against a socket nobody listens on: its own start-up).
//            node dist/bench/exec-bench.js time --runs N [--warmup N] --out FILE.json [--md FILE.md]
//              [--base NAME] [--target NAME=RATIO]... -n NAME "CMD" [-n NAME "CMD"]...
//   trace: the docker CLI's exec requests sent straight at a socket (ping → container inspect →
//          create → start, hijacked → output until EOF → inspect) with a timestamp at each step: the daemon's share of an
//          exec without a CLI's start-up in the way. Prints medians of each step (ms).
//            node dist/bench/exec-bench.js trace --socket PATH --container NAME [--runs N] [--warmup N]
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { apiRequester } from './api-request.js';
import type { Duplex } from 'node:stream';
import { writeFileSync } from 'node:fs';

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

// ---- time ------------------------------------------------------------------------------------
interface Row {
  name: string;
  cmd: string;
  mayFail: boolean;
  times: number[];
}

function runOnce(row: Row): number {
  const [file, ...args] = row.cmd.split(/\s+/).filter(Boolean);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file!, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0 && !row.mayFail) throw new Error(`${row.cmd}: exit ${r.status ?? r.signal}`);
  return ms;
}

function timeMain(argv: string[]): void {
  let runs = 30;
  let warmup = 2;
  let out = '';
  let md = '';
  let base = 'docker-dockerd';
  const targets = new Map<string, number>();
  const rows: Row[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--warmup') warmup = Number(argv[++i]);
    else if (a === '--out') out = argv[++i] ?? '';
    else if (a === '--md') md = argv[++i] ?? '';
    else if (a === '--base') base = argv[++i] ?? '';
    else if (a === '--target') {
      const [n, r] = (argv[++i] ?? '').split('=');
      targets.set(n!, Number(r));
    } else if (a === '-n') {
      const name = argv[++i] ?? '';
      let cmd = argv[++i] ?? '';
      const mayFail = cmd.startsWith('!');
      if (mayFail) cmd = cmd.slice(1);
      rows.push({ name, cmd, mayFail, times: [] });
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!rows.length || !out) throw new Error('usage: exec-bench time --runs N --out FILE -n NAME "CMD" ...');
  for (let i = 0; i < warmup; i++) for (const r of rows) runOnce(r);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < rows.length; j++) {
      const r = rows[(i + j) % rows.length]!;
      r.times.push(runOnce(r));
    }
  }
  writeFileSync(out, JSON.stringify({ runs, rows }, null, 1));
  const b = rows.find((r) => r.name === base);
  const lines = [
    `| command | median ms | min ms | × ${base} (medians) | × ${base} (per round) | target |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = b ? median(r.times) / median(b.times) : NaN;
    const perRound = b ? median(r.times.map((t, i) => t / b.times[i]!)) : NaN;
    const t = targets.get(r.name);
    const verdict = t === undefined ? '' : `≤ ${t}× ${perRound <= t ? '(met)' : '(missed)'}`;
    lines.push(
      `| ${r.name} | ${median(r.times).toFixed(1)} | ${Math.min(...r.times).toFixed(1)} | ${b ? ratio.toFixed(2) : ''} | ${b ? perRound.toFixed(2) : ''} | ${verdict} |`,
    );
  }
  const text = lines.join('\n') + '\n';
  if (md) writeFileSync(md, text);
  process.stdout.write(text);
}

// ---- trace -----------------------------------------------------------------------------------
const now = (): number => performance.timeOrigin + performance.now();
const request = apiRequester('1.41', 4);

/** POST …/start as the docker CLI sends it (Upgrade: tcp); resolves at 101 with the socket. */
function hijack(socket: string, path: string, body: unknown): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request({
      socketPath: socket, method: 'POST', path: `/v1.41${path}`,
      headers: {
        Host: 'api.moby.localhost', 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)),
        Connection: 'Upgrade', Upgrade: 'tcp',
      },
    });
    req.on('upgrade', (_res, sock) => resolve(sock));
    req.on('response', (res) => reject(new Error(`start: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

interface ExecTimes {
  pingSent: number;
  pingDone: number;
  inspectCtrDone: number;
  createSent: number;
  createDone: number;
  startSent: number;
  upgraded: number;
  firstOutput: number;
  outputEnd: number;
  inspectDone: number;
  /** Whether the inspect right after the stream's end had the exit code (the docker CLI asks once). */
  exitKnown: boolean;
}

async function traceOne(socket: string, container: string): Promise<ExecTimes> {
  const t: Partial<ExecTimes> = {};
  t.pingSent = now();
  await request(socket, 'HEAD', '/_ping');
  t.pingDone = now();
  const ci = await request(socket, 'GET', `/containers/${container}/json`);
  if (ci.status !== 200) throw new Error(`container inspect: ${ci.status} ${ci.text}`);
  t.inspectCtrDone = now();
  t.createSent = now();
  const c = await request(socket, 'POST', `/containers/${container}/exec`, {
    User: '', Privileged: false, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, Detach: false,
    DetachKeys: '', Env: null, WorkingDir: '', Cmd: ['echo', 'x'],
  });
  t.createDone = now();
  if (c.status !== 201) throw new Error(`exec create: ${c.status} ${c.text}`);
  const id = (JSON.parse(c.text) as { Id: string }).Id;
  t.startSent = now();
  const sock = await hijack(socket, `/exec/${id}/start`, { Detach: false, Tty: false, ConsoleSize: null });
  t.upgraded = now();
  await new Promise<void>((resolve) => {
    sock.on('data', () => (t.firstOutput ??= now()));
    sock.on('end', () => resolve());
    sock.on('close', () => resolve());
    sock.resume();
  });
  t.outputEnd = now();
  sock.destroy();
  const i = await request(socket, 'GET', `/exec/${id}/json`);
  t.inspectDone = now();
  const info = JSON.parse(i.text) as { ExitCode: number | null; Running: boolean };
  t.exitKnown = !info.Running && info.ExitCode === 0;
  return t as ExecTimes;
}

async function traceMain(argv: string[]): Promise<void> {
  let socket = '';
  let container = '';
  let runs = 20;
  let warmup = 3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--socket') socket = argv[++i] ?? '';
    else if (a === '--container') container = argv[++i] ?? '';
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--warmup') warmup = Number(argv[++i]);
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!socket || !container) throw new Error('usage: exec-bench trace --socket PATH --container NAME');
  for (let i = 0; i < warmup; i++) await traceOne(socket, container);
  const all: ExecTimes[] = [];
  for (let i = 0; i < runs; i++) {
    all.push(await traceOne(socket, container));
    // A CLI's start-up leaves the daemon such a gap between two execs.
    await new Promise((r) => setTimeout(r, 20));
  }
  const step = (f: (t: ExecTimes) => number) => median(all.map(f)).toFixed(2);
  process.stdout.write(
    [
      `| step (median of ${runs}) | ms |`,
      '|---|---:|',
      `| HEAD /_ping → 200 | ${step((t) => t.pingDone - t.pingSent)} |`,
      `| GET /containers/{id}/json → 200 | ${step((t) => t.inspectCtrDone - t.pingDone)} |`,
      `| POST /containers/{id}/exec → 201 | ${step((t) => t.createDone - t.createSent)} |`,
      `| POST /exec/{id}/start → 101 (hijacked) | ${step((t) => t.upgraded - t.startSent)} |`,
      `| 101 → first output | ${step((t) => t.firstOutput - t.upgraded)} |`,
      `| first output → stream end | ${step((t) => t.outputEnd - t.firstOutput)} |`,
      `| GET /exec/{id}/json → 200 | ${step((t) => t.inspectDone - t.outputEnd)} |`,
      `| all (ping sent → exec inspect answered) | ${step((t) => t.inspectDone - t.pingSent)} |`,
      `| inspects without the exit code yet | ${all.filter((t) => !t.exitKnown).length} of ${runs} |`,
    ].join('\n') + '\n',
  );
  request.close();
}

const [mode, ...rest] = process.argv.slice(2);
const run = mode === 'time' ? async () => timeMain(rest) : mode === 'trace' ? () => traceMain(rest) : undefined;
if (!run) {
  process.stderr.write('usage: exec-bench time|trace …\n');
  process.exit(2);
}
run().catch((e: unknown) => {
  process.stderr.write(`exec-bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
