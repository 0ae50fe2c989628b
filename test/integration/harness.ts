// Integration-test harness: each test file starts its own berthd (own data root, exec root,
// socket and cgroup parent), loads the busybox image into it, and talks to it over its socket
// with raw HTTP, the berth CLI or the real docker CLI. Each daemon also gets its own network
// names and addresses (bridges, veths and iptables chains under its own prefix, subnets from a
// block nothing else uses). stop() removes every container and checks that nothing (mounts,
// conmon processes, cgroups, links, iptables chains, namespace holders) is left behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, promises as fs, readFileSync, readdirSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NETWORK_LOCK_DIR } from '../../src/host/daemon-lock.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BERTHD = path.join(REPO, 'dist/src/bin/berthd.js');
/** berthd as users start it: the launcher in bin/ sets the node flags and malloc's arenas that
 * its memory figures depend on (a test of memory measures what users run). */
export const BERTHD_LAUNCHER = path.join(REPO, 'bin/berthd');
/** The CLI as users run it: the launcher in bin/, which runs the bundled dist/berth.cjs. */
export const BERTH = path.join(REPO, 'bin/berth');
export const DOCKER = '/usr/local/bin/docker';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

let busyboxTar: string | undefined;

/** The busybox rootfs tarball, made once per test process from the host's busybox-static. */
export function busyboxRootfsTar(): string {
  if (busyboxTar) return busyboxTar;
  const dir = path.join(tmpdir(), 'berth-test-cache');
  spawnSync('mkdir', ['-p', dir]);
  const out = path.join(dir, `busybox-rootfs-${process.pid}.tar`);
  const r = spawnSync('bash', [path.join(REPO, 'scripts/bootstrap-busybox.sh'), '--tar-only', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bootstrap-busybox --tar-only failed: ${r.stderr}`);
  busyboxTar = out;
  process.on('exit', () => spawnSync('rm', ['-f', out]));
  return out;
}

/**
 * A test daemon's network block: a /20 of 10.128.0.0/10 (1024 blocks) and a name prefix from its
 * index, claimed with a lock file so concurrent test runs never share one. The default bridge
 * gets the block's first /24, user networks the others.
 */
export interface NetworkBlock {
  /** Prefix of the daemon's interfaces and (upper-cased) iptables chains, e.g. "bt0k". */
  prefix: string;
  bridge: string;
  bip: string;
  pool: string;
  /** "10.A.B." of the default bridge's /24. */
  bridgeNet: string;
  /**
   * The daemon's IPv6 block: a unique-local /48 from the same index ("fd5b:e47:K"), so a test
   * names its subnets `${ula}:N::/64`; the daemon's IPv6 pool is its upper half (N ≥ 0x8000).
   */
  ula: string;
  pool6: string;
  release(): void;
}

const LOCKS = path.join(tmpdir(), 'berth-test-net');

function routesOverlap(a: number, b: number): boolean {
  // /proc/net/route destinations (little-endian hex) inside 10.a.b.0/20?
  const text = readFileSync('/proc/net/route', 'utf8');
  return text.split('\n').slice(1).some((l) => {
    const hex = l.split('\t')[1];
    if (!hex) return false;
    const n = parseInt(hex, 16);
    return (n & 255) === 10 && ((n >>> 8) & 255) === a && (((n >>> 16) & 255) & 0xf0) === b;
  });
}

export function claimNetworkBlock(): NetworkBlock {
  mkdirSync(LOCKS, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const k = Math.floor(Math.random() * 1024);
    const prefix = `bt${k.toString(36).padStart(2, '0')}`;
    const a = 128 + (k >> 4);
    const b = (k & 15) * 16;
    const lock = path.join(LOCKS, prefix);
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Taken; a lock whose owner is gone is stale.
      const owner = Number(readFileSync(lock, 'utf8').trim() || '0');
      if (owner && !existsSync(`/proc/${owner}`)) rmSync(lock, { force: true });
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    if (existsSync(`/sys/class/net/${prefix}0`) || routesOverlap(a, b)) {
      rmSync(lock, { force: true });
      continue;
    }
    return {
      prefix,
      bridge: `${prefix}0`,
      bip: `10.${a}.${b}.1/24`,
      pool: `base=10.${a}.${b}.0/20,size=24`,
      bridgeNet: `10.${a}.${b}.`,
      ula: `fd5b:e47:${k.toString(16)}`,
      pool6: `base=fd5b:e47:${k.toString(16)}:8000::/49,size=64`,
      // With the lock file berthd keeps on the prefix (src/host/daemon-lock.ts), once it stopped.
      release: () => {
        rmSync(path.join(NETWORK_LOCK_DIR, `network-${prefix}.lock`), { force: true });
        rmSync(lock, { force: true });
      },
    };
  }
  throw new Error('no free test network block');
}

export class TestDaemon {
  proc?: ChildProcess;
  readonly root: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly cgroupParent: string;
  readonly net: NetworkBlock;
  log = '';

  constructor(readonly name: string, readonly extraArgs: string[] = [], readonly env: NodeJS.ProcessEnv = {}) {
    this.root = mkdtempSync(path.join(tmpdir(), `bt-${name}-`));
    this.dataRoot = path.join(this.root, 'data');
    this.execRoot = path.join(this.root, 'run');
    this.socket = path.join(this.root, 'b.sock');
    this.cgroupParent = `/berth-test-${path.basename(this.root)}`;
    this.net = claimNetworkBlock();
  }

  /** The daemon's network flags: its own names and subnets; no DNS relayed off this machine. */
  networkArgs(): string[] {
    const args = [
      '--network-prefix', this.net.prefix, '--bridge', this.net.bridge, '--bip', this.net.bip,
      '--default-address-pool', this.net.pool, '--default-address-pool', this.net.pool6,
    ];
    // Nothing answers on 127.0.0.1:1: names the embedded DNS does not know fail at once.
    if (!this.extraArgs.includes('--dns-upstream')) args.push('--dns-upstream', '127.0.0.1:1');
    // Nor does berthd reach Docker Hub: a pull of a docker.io image fails at once.
    if (!this.extraArgs.includes('--blocked-registry')) args.push('--blocked-registry', 'docker.io');
    return args;
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<void> {
    const args = [
      '-H', this.host, '--data-root', this.dataRoot, '--exec-root', this.execRoot,
      '--cgroup-parent', this.cgroupParent, '--pidfile', path.join(this.root, 'berthd.pid'), ...this.networkArgs(), ...this.extraArgs,
    ];
    const p = spawn(BERTHD_LAUNCHER, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.env } });
    p.stderr!.on('data', (b: Buffer) => (this.log += b.toString()));
    this.proc = p;
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`berthd exited ${p.exitCode}: ${this.log}`);
      try {
        const r = await this.api('GET', '/_ping');
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`berthd did not come up: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Loads busybox:latest (CMD ["sh"]) from the host's busybox-static, as the README's set-up does. */
  async loadBusybox(tag = 'busybox:latest'): Promise<string> {
    const [repo, t] = tag.split(':');
    const body = await fs.readFile(busyboxRootfsTar());
    const q = new URLSearchParams({ fromSrc: '-', repo: repo!, tag: t ?? 'latest', changes: 'CMD ["sh"]' });
    const r = await this.api('POST', `/images/create?${q}`, body, { 'Content-Type': 'application/x-tar' });
    if (r.status !== 200) throw new Error(`import failed: ${r.status} ${r.text}`);
    const inspect = await this.api('GET', `/images/${tag}/json`);
    return inspect.json().Id as string;
  }

  api(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = request({
        socketPath: this.socket,
        method,
        path: urlPath,
        headers: { ...(payload && !Buffer.isBuffer(body) ? { 'Content-Type': 'application/json' } : {}), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            text: buf.toString('utf8'),
            json: () => JSON.parse(buf.toString('utf8')),
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  private runCli(bin: string[], args: string[], input?: string | Buffer, env: NodeJS.ProcessEnv = {}, cwd?: string, timeoutMs = 60_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const p = spawn(bin[0]!, [...bin.slice(1), ...args], {
        cwd,
        env: { ...process.env, DOCKER_HOST: this.host, BERTH_HOST: this.host, DOCKER_CONFIG: path.join(this.root, 'docker-config'), ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(t);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      p.stdin.end(input);
    });
  }

  /** The real docker CLI, pointed at this daemon. */
  docker(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
    return this.runCli([DOCKER], args, input, env, cwd);
  }

  /** docker, asserting success; returns stdout. */
  async dockerOk(args: string[], input?: string | Buffer): Promise<string> {
    const r = await this.docker(args, input);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  /** docker, asserting it fails with `code`. */
  async dockerFails(args: string[], code = 1): Promise<RunResult> {
    const r = await this.docker(args);
    if (r.code !== code) throw new Error(`docker ${args.join(' ')} exited ${r.code}, wanted ${code}: ${r.stdout} ${r.stderr}`);
    return r;
  }

  berth(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
    return this.runCli([BERTH], args, input, env, cwd);
  }

  /** Sends SIGKILL to berthd, as a crash would (containers must keep running). */
  async crash(): Promise<void> {
    const p = this.proc!;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stopDaemon(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  /** Removes every container through the API, stops berthd, and reports leftovers. */
  async stop(): Promise<string[]> {
    if (this.proc && this.proc.exitCode === null) {
      // A removal can be refused for a moment (one already in progress, a restart-policy start
      // finishing): what is left is asked again, so the daemon stops with nothing running.
      for (let round = 0; round < 5; round++) {
        const list = (await this.api('GET', '/containers/json?all=1')).json<Array<{ Id: string }>>();
        if (!list.length) break;
        if (round) await new Promise((r) => setTimeout(r, 500));
        await Promise.all(list.map((c) => this.api('DELETE', `/containers/${c.Id}?force=1&v=1`)));
      }
      await this.stopDaemon();
    }
    // The kernel deletes a dead container's namespace, and the veth in it, asynchronously.
    await eventually(() => this.networkLeaks().length === 0, 5000, 'network cleanup').catch(() => undefined);
    const leaks = this.leaks();
    // Reported above, then undone: a failing run must not leave containers running (a test that
    // stopped its daemon with containers up leaves their processes, which outlive berthd by
    // design), cgroups or mounts on the machine.
    this.endLeftoverProcesses();
    this.removeLeftoverNetwork();
    // Mounts deepest first; lazily, so a busy one goes too.
    const left = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((mp) => mp.startsWith(this.root + '/'));
    for (const mp of left.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp]);
    await fs.rm(this.root, { recursive: true, force: true }).catch(() => undefined);
    this.net.release();
    return leaks;
  }

  /**
   * SIGKILL to this daemon's leftovers, by PID: the processes in its containers' cgroups and its
   * conmons; then its cgroups go (deepest first).
   */
  private endLeftoverProcesses(): void {
    let killed = 0;
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        /* gone already */
      }
    };
    const cgroupDirs = (root: string): string[] => {
      if (!existsSync(root)) return [];
      const out: string[] = [root];
      for (const e of readdirSync(root, { withFileTypes: true })) if (e.isDirectory()) out.push(...cgroupDirs(path.join(root, e.name)));
      return out;
    };
    const ours = cgroupDirs(path.join('/sys/fs/cgroup/pids', this.cgroupParent));
    for (const dir of ours) for (const pid of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) kill(Number(pid));
    for (const l of this.leaks()) {
      const m = /^(?:conmon|ip process|crun exec) (\d+)$/.exec(l);
      if (m) kill(Number(m[1]));
    }
    // The cgroups empty once the killed are reaped.
    if (killed) spawnSync('sleep', ['0.2']);
    for (const c of readdirSync('/sys/fs/cgroup')) {
      for (const dir of cgroupDirs(path.join('/sys/fs/cgroup', c, this.cgroupParent)).reverse()) {
        try {
          rmdirSync(dir);
        } catch {
          /* still busy, or not a directory we may remove */
        }
      }
    }
  }

  /**
   * This daemon's links and iptables/ip6tables chains (all named from its prefix), with the jumps
   * to them: a daemon stopped with containers running keeps its networks, by design.
   */
  private removeLeftoverNetwork(): void {
    for (const l of readdirSync('/sys/class/net')) if (l.startsWith(this.net.prefix)) spawnSync('ip', ['link', 'del', l]);
    const chain = `${this.net.prefix.toUpperCase()}-`;
    for (const tool of ['iptables', 'ip6tables']) {
      let table = '';
      const jumps: Array<[string, string]> = [];
      const chains: Array<[string, string]> = [];
      for (const line of (spawnSync(`${tool}-save`, [], { encoding: 'utf8' }).stdout ?? '').split('\n')) {
        if (line.startsWith('*')) table = line.slice(1);
        else if (line.startsWith(`:${chain}`)) chains.push([table, line.slice(1).split(' ')[0]!]);
        else if (line.startsWith('-A ') && !line.startsWith(`-A ${chain}`) && line.includes(`-j ${chain}`)) jumps.push([table, line]);
      }
      for (const [t, rule] of jumps) spawnSync(tool, ['-t', t, ...rule.replace(/^-A /, '-D ').split(' ')]);
      for (const [t, c] of chains) spawnSync(tool, ['-t', t, '-F', c]);
      for (const [t, c] of chains) spawnSync(tool, ['-t', t, '-X', c]);
    }
  }

  /** Links (bridges, veths), iptables and ip6tables chains and namespace-holding processes of this daemon. */
  networkLeaks(): string[] {
    const out: string[] = [];
    for (const l of readdirSync('/sys/class/net')) if (l.startsWith(this.net.prefix)) out.push(`link ${l}`);
    const chain = `${this.net.prefix.toUpperCase()}-`;
    for (const tool of ['iptables', 'ip6tables']) {
      const saved = spawnSync(`${tool}-save`, [], { encoding: 'utf8' }).stdout ?? '';
      for (const line of saved.split('\n')) if (line.includes(chain)) out.push(`${tool} ${line}`);
    }
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`BERTH_OWNER=${this.execRoot}`)) out.push(`ip process ${pid}`);
      } catch {
        /* exited */
      }
    }
    return out;
  }

  /** Mounts, conmon processes, cgroups and network objects this daemon made that still exist. */
  leaks(): string[] {
    const out: string[] = [...this.networkLeaks()];
    // berthd keeps serving after an uncaught exception or an unhandled rejection (bin/berthd.ts),
    // Node closes a file handle the code lost on GC, and warns of listeners piling up on one
    // emitter, or a client's attach before a start could not reach conmon (its output was lost),
    // or a container's status moved where the state machine has no arrow (state.ts moveTo):
    // each is a bug the test ran into.
    for (const line of this.log.split('\n')) {
      if (/uncaught exception|unhandled rejection|on garbage collection|MaxListenersExceededWarning|attaching to \w+ failed|no transition of the state machine/.test(line)) out.push(`berthd: ${line.slice(0, 300)}`);
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const mp = line.split(' ')[4];
      if (mp && mp.startsWith(this.root)) out.push(`mount ${mp}`);
    }
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd.startsWith('/usr/bin/conmon') && cmd.includes(this.execRoot)) out.push(`conmon ${pid}`);
        // A `crun exec` of berthd's own (runtime-exec.ts), a parked one included.
        else if (cmd.split('\0').includes('exec') && cmd.includes(`--root=${this.execRoot}/`)) out.push(`crun exec ${pid}`);
      } catch {
        /* exited */
      }
    }
    for (const c of readdirSync('/sys/fs/cgroup')) {
      if (existsSync(path.join('/sys/fs/cgroup', c, this.cgroupParent))) out.push(`cgroup ${c}${this.cgroupParent}`);
    }
    return out;
  }
}

/** Starts a daemon with busybox loaded. */
export async function startDaemon(name: string, extraArgs: string[] = []): Promise<TestDaemon> {
  const d = new TestDaemon(name, extraArgs);
  await d.start();
  await d.loadBusybox();
  return d;
}

/**
 * A daemon with busybox for the describe block it is called in: started before its tests, and
 * after them started again if a test left it down, stopped, and checked for leftovers.
 */
export function suiteDaemon(name: string, extraArgs: string[] = []): TestDaemon {
  const d = new TestDaemon(name, extraArgs);
  before(async () => {
    await d.start();
    await d.loadBusybox();
  });
  after(async () => {
    if (d.proc?.exitCode !== null) await d.start();
    assert.deepEqual(await d.stop(), []);
  });
  return d;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns a truthy value, or fails after timeoutMs. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(50);
  }
}

/**
 * `count` consecutive TCP ports nothing listens on. They come from below the kernel's ephemeral
 * range (32768+), so no outgoing connection of a parallel test can take them in between.
 */
export async function freePorts(count = 1, host = '0.0.0.0'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    const held: Server[] = [];
    try {
      for (let i = 0; i < count; i++) held.push(await listenOn(base + i, host));
      return base;
    } catch {
      /* taken: try another block */
    } finally {
      await Promise.all(held.map((srv) => new Promise((r) => srv.close(r))));
    }
  }
  throw new Error(`no ${count} free consecutive ports`);
}

function listenOn(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(port, host, () => resolve(srv));
  });
}

