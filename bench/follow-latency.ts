// How long a line written in a container takes to reach a `logs -f` follower.
// The container runs `cat FIFO` on a fifo bind-mounted from the host; this program writes
// numbered lines into the fifo at a steady pace, and reads the follower's output (a client
// command such as `docker -H … logs -f CTR`, given after `--`) as a child process: the time
// from the write(2) of line i to the arrival of line i on the follower's stdout is one sample.
// Both clocks are this process's (performance.now), so no clock is compared across processes.
//
// usage: node dist/bench/follow-latency.js --fifo PATH --lines N --interval-ms MS -- CMD ARGS…
// Prints one JSON object: {samples, p50_ms, p90_ms, p99_ms, max_ms, lost}.
import { spawn } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  if (fallback === undefined) throw new Error(`missing ${name}`);
  return fallback;
}

const fifo = arg('--fifo');
const lines = Number(arg('--lines', '200'));
const intervalMs = Number(arg('--interval-ms', '20'));
const sep = process.argv.indexOf('--');
if (sep < 0 || sep === process.argv.length - 1) throw new Error('give the follower command after --');
const [cmd, ...cmdArgs] = process.argv.slice(sep + 1) as [string, ...string[]];

const sent = new Map<number, number>();
const latencies: number[] = [];
const follower = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
let pending = '';
let ready: (() => void) | undefined;
follower.stdout.setEncoding('utf8');
follower.stdout.on('data', (text: string) => {
  const now = performance.now();
  pending += text;
  let nl: number;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    const m = /^L(\d+)$/.exec(line);
    if (!m) continue;
    const i = Number(m[1]);
    if (i < 0) continue;
    const t = sent.get(i);
    if (t !== undefined) {
      latencies.push(now - t);
      sent.delete(i);
    }
    if (i === 0) ready?.();
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function main(): Promise<void> {
  // Opening for writing blocks until the container's cat has the fifo open for reading.
  const fd = openSync(fifo, 'w');
  // A first line that is not timed: the follower is attached once it arrives.
  const attached = new Promise<void>((r) => (ready = r));
  sent.set(0, performance.now());
  writeSync(fd, 'L0\n');
  await Promise.race([attached, sleep(15000)]);
  latencies.length = 0;
  for (let i = 1; i <= lines; i++) {
    const line = `L${i}\n`;
    sent.set(i, performance.now());
    writeSync(fd, line);
    await sleep(intervalMs);
  }
  await sleep(1000);
  follower.kill('SIGTERM');
  const s = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN);
  const r = (x: number) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({ samples: s.length, p50_ms: r(q(0.5)), p90_ms: r(q(0.9)), p99_ms: r(q(0.99)), max_ms: r(s[s.length - 1] ?? NaN), lost: lines - s.length }));
  process.exit(0);
}
main().catch((e) => {
  console.error(`follow-latency: ${(e as Error).message}`);
  follower.kill('SIGKILL');
  process.exit(1);
});
