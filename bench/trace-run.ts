// `docker run --rm IMAGE CMD` as the docker CLI sends it (create → attach (hijacked) and wait
// (condition=removed) in place → start → output until EOF → the wait's answer), with a timestamp
// at every step, so berth's `run` can be split into client, daemon and runtime time without a
// CLI's start-up in the way. One JSON line per run on stdout; times are Unix epoch milliseconds
// (sub-millisecond) so they line up with `strace -ttt` of the daemon.
//
//   node dist/bench/trace-run.js --socket PATH [--runs N] [--warmup N] [--image busybox]
//                                [--network MODE] [--gap MS] [--] [CMD...]
// --network is HostConfig.NetworkMode (the docker CLI sends "default" unless told otherwise);
// --gap waits between runs (a CLI's start-up leaves the daemon such a gap; back to back, the
// work a run leaves behind, such as the kernel's tear-down of its network namespace, falls into
// the next one).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { apiRequester } from './api-request.js';

const now = (): number => performance.timeOrigin + performance.now();

interface Options {
  socket: string;
  runs: number;
  /** Runs done first and not reported (berthd's and this process's code paths get warm). */
  warmup: number;
  image: string;
  network: string;
  gapMs: number;
  cmd: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { socket: '', runs: 1, warmup: 0, image: 'busybox', network: 'default', gapMs: 0, cmd: ['true'] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--socket') o.socket = argv[++i] ?? '';
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a === '--image') o.image = argv[++i] ?? '';
    else if (a === '--network') o.network = argv[++i] ?? '';
    else if (a === '--gap') o.gapMs = Number(argv[++i]);
    else if (a === '--') {
      o.cmd = argv.slice(i + 1);
      break;
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (!o.socket) throw new Error('--socket is required');
  return o;
}

export interface RunTimes {
  id: string;
  exitCode: number;
  createSent: number;
  createDone: number;
  attachSent: number;
  attachUpgraded: number;
  waitSent: number;
  waitHeaders: number;
  startSent: number;
  startDone: number;
  outputEnd: number;
  waitDone: number;
}

const request = apiRequester('1.50', 8);

/** POST /attach with Upgrade: tcp; resolves with the raw socket once the daemon answered 101. */
function attach(socket: string, id: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath: socket, method: 'POST', path: `/v1.50/containers/${id}/attach?stream=1&stdout=1&stderr=1`,
      headers: { Host: 'api.moby.localhost', Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
    });
    req.on('upgrade', (_res, sock) => resolve(sock));
    req.on('response', (res) => reject(new Error(`attach: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** POST /wait: resolves `headers` when the daemon answered (docker's client waits for that). */
function wait(socket: string, id: string): { headers: Promise<number>; body: Promise<{ at: number; code: number }> } {
  let onHeaders!: (t: number) => void;
  const headers = new Promise<number>((r) => (onHeaders = r));
  const body = new Promise<{ at: number; code: number }>((resolve, reject) => {
    const req = http.request(
      {
        socketPath: socket, method: 'POST', path: `/v1.50/containers/${id}/wait?condition=removed`,
        headers: { Host: 'api.moby.localhost', 'Content-Length': '0' },
      },
      (res) => {
        onHeaders(now());
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const at = now();
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { StatusCode?: number };
          resolve({ at, code: parsed.StatusCode ?? -1 });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
  return { headers, body };
}

async function runOnce(o: Options): Promise<RunTimes> {
  const createSent = now();
  const created = await request(o.socket, 'POST', '/containers/create', {
    Image: o.image, Cmd: o.cmd, AttachStdout: true, AttachStderr: true, HostConfig: { AutoRemove: true, NetworkMode: o.network },
  });
  const createDone = now();
  if (created.status !== 201) throw new Error(`create: HTTP ${created.status}: ${created.text}`);
  const id = (JSON.parse(created.text) as { Id: string }).Id;

  const attachSent = now();
  const attaching = attach(o.socket, id).then((sock) => ({ sock, at: now() }));
  const waitSent = now();
  const waiting = wait(o.socket, id);
  const [{ sock, at: attachUpgraded }, waitHeaders] = await Promise.all([attaching, waiting.headers]);
  const outputEnd = new Promise<number>((resolve) => {
    sock.on('data', () => undefined);
    sock.on('end', () => resolve(now()));
    sock.on('close', () => resolve(now()));
  });

  const startSent = now();
  const started = await request(o.socket, 'POST', `/containers/${id}/start`);
  const startDone = now();
  if (started.status !== 204) throw new Error(`start: HTTP ${started.status}: ${started.text}`);
  const [end, done] = await Promise.all([outputEnd, waiting.body]);
  sock.destroy();
  return {
    id, exitCode: done.code, createSent, createDone, attachSent, attachUpgraded, waitSent, waitHeaders,
    startSent, startDone, outputEnd: end, waitDone: done.at,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const gap = (): Promise<void> => new Promise((r) => setTimeout(r, o.gapMs));
  for (let i = 0; i < o.warmup; i++) {
    await runOnce(o);
    await gap();
  }
  for (let i = 0; i < o.runs; i++) {
    process.stdout.write(JSON.stringify(await runOnce(o)) + '\n');
    await gap();
  }
  request.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`trace-run: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
