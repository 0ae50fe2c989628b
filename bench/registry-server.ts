// berth's registry server against Debian's docker-registry (distribution 2.8), side by side, with
// skopeo as the client: push of a generated image (~200 MiB in 5 gzip layers) into an empty
// registry, then a pull of it (skopeo copy to a dir:, download only). The two servers alternate
// within each round (A B, then B A, …) so both see the same spells of load on a shared machine.
// Each push starts from a fresh, empty root. Only 127.0.0.1 is contacted; the bench stops the
// processes it started, by PID, and removes what it made.
//
//   npm run build && node dist/bench/registry-server.js [--rounds N] [--mib N] [--layers N] [--out FILE.md]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BERTH = path.join(REPO, 'bin/berth');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const ROUNDS = arg('--rounds', 3);
const MIB = arg('--mib', 200);
const LAYERS = arg('--layers', 5);
const outIdx = process.argv.indexOf('--out');
const OUT = outIdx > 0 ? process.argv[outIdx + 1] : undefined;

const work = mkdtempSync(path.join(tmpdir(), 'berth-bench-registry-'));
const started: ChildProcess[] = [];
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI layout of LAYERS gzip layers of MIB/LAYERS MiB each: half random, half zeros, so gzip has work to do. */
function makeImage(): string {
  const dir = path.join(work, 'image');
  mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha(b);
    writeFileSync(path.join(dir, 'blobs/sha256', d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const per = Math.floor((MIB * 1024 * 1024) / LAYERS);
  const layers = [];
  const diffIds = [];
  for (let i = 0; i < LAYERS; i++) {
    // Incompressible bytes dominate so the compressed layer is close to its nominal size.
    const raw = Buffer.concat([randomBytes(Math.floor(per * 0.95)), Buffer.alloc(per - Math.floor(per * 0.95))]);
    diffIds.push(sha(raw));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(raw, { level: 1 })) });
  }
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } })));
  const manifest = put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })),
  );
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitUp(host: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${host} did not come up`);
}

interface Server {
  host: string;
  stop(): Promise<void>;
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

const SERVERS: Record<string, (root: string) => Promise<Server>> = {
  'berth registry serve': async (root) => {
    const port = await freePort();
    const p = spawn(BERTH, ['registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', root], { stdio: 'ignore' });
    started.push(p);
    await waitUp(`127.0.0.1:${port}`);
    return { host: `127.0.0.1:${port}`, stop: () => stopProc(p) };
  },
  'docker-registry 2.8': async (root) => {
    const port = await freePort();
    const cfg = path.join(root, 'config.yml');
    writeFileSync(cfg, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
    const p = spawn('/usr/bin/docker-registry', ['serve', cfg], { stdio: 'ignore' });
    started.push(p);
    await waitUp(`127.0.0.1:${port}`);
    return { host: `127.0.0.1:${port}`, stop: () => stopProc(p) };
  },
};

function timed(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const image = makeImage();
  const names = Object.keys(SERVERS);
  const results: Record<string, { push: number[]; pull: number[] }> = Object.fromEntries(names.map((n) => [n, { push: [], pull: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const root = mkdtempSync(path.join(work, 'root-'));
      const srv = await SERVERS[name]!(root);
      try {
        results[name]!.push.push(timed(['copy', '-q', '--dest-tls-verify=false', `oci:${image}:latest`, `docker://${srv.host}/bench/img:1`]));
        const out = path.join(work, 'pulled');
        rmSync(out, { recursive: true, force: true });
        results[name]!.pull.push(timed(['copy', '-q', '--src-tls-verify=false', `docker://${srv.host}/bench/img:1`, `dir:${out}`]));
        rmSync(out, { recursive: true, force: true });
      } finally {
        await srv.stop();
        rmSync(root, { recursive: true, force: true });
      }
      process.stderr.write(`round ${round + 1} ${name}: push ${results[name]!.push.at(-1)!.toFixed(0)} ms, pull ${results[name]!.pull.at(-1)!.toFixed(0)} ms\n`);
    }
  }
  const rows = names.map((n) => {
    const r = results[n]!;
    return `| ${n} | ${median(r.push).toFixed(0)} | ${median(r.pull).toFixed(0)} | ${r.push.map((x) => x.toFixed(0)).join(', ')} | ${r.pull.map((x) => x.toFixed(0)).join(', ')} |`;
  });
  const table = [
    `skopeo push (oci: layout → empty registry) and pull (registry → dir:) of a ${MIB} MiB image in ${LAYERS} gzip layers, ${ROUNDS} rounds, servers alternating; medians in ms.`,
    '',
    '| server | push (median ms) | pull (median ms) | push runs | pull runs |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(table);
  if (OUT) writeFileSync(OUT, table);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const p of started) await stopProc(p);
    rmSync(work, { recursive: true, force: true });
  });
