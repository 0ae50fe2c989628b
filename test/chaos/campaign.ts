// The fault campaign: several API clients drive a random mix of operations against a test
// berthd (its own data root on a small tmpfs, socket, bridge, subnet, cgroup parent) while
// faults strike at random instants; after each fault the world is checked against the host
// itself (processes, the runtime's state, mounts, cgroups, veths, iptables, files), not only
// against berthd's answers. Containers write numbered lines to stdout and to a volume, so a lost
// line shows. Every operation and fault goes to a trace; a failure prints the seed and the trace.
//
//   node dist/test/chaos/campaign.js [--seed N] [--duration S] [--ops N] [--clients N]
//        [--faults kind,kind] [--load-clients 32 --load-duration S --load-containers 200]
//        [--report FILE.json]
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TestDaemon, busyboxRootfsTar } from '../integration/harness.js';
import { Api, NoReply, demux, percentile, type Reply } from './api.js';
import { HostView, alive, kill9, processFigures } from './host.js';
import { Prng } from './prng.js';
import { DockerdDaemon } from './dockerd.js';

export const FAULT_KINDS = ['daemon-kill', 'conmon-kill', 'pid1-kill', 'runtime-kill', 'disk-full', 'host-restart', 'stalled-client'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** The faults that apply to dockerd (conmon-kill kills the container's containerd-shim there). */
export const DOCKERD_FAULT_KINDS: readonly FaultKind[] = ['daemon-kill', 'conmon-kill', 'pid1-kill', 'stalled-client'];
/** Checks of the host that are berthd's own layout (skipped against dockerd). */
export const DOCKERD_SKIPPED_CHECKS = [
  'rootfs mounted for each running container (dockerd mounts overlay2/<layer>/merged, not by container)',
  'veths per endpoint and iptables rules (dockerd runs here with --iptables=false; its veths are not named by the daemon)',
  'faults runtime-kill (mid-create), disk-full and host-restart (not run against dockerd)',
];

export interface CampaignOptions {
  seed: number;
  /** Seconds of fault campaign (after the load part, if any). */
  durationSec: number;
  /** Stop after this many operations (0: no limit). */
  maxOps: number;
  clients: number;
  faults: readonly FaultKind[];
  /** The load part: clients, seconds and containers (0 clients: none). */
  loadClients: number;
  loadDurationSec: number;
  loadContainers: number;
  /** Size of the tmpfs data root (MiB). */
  dataRootMiB: number;
  /** The daemon under test: berthd, or a private dockerd for comparison (API-level checks). */
  engine: 'berthd' | 'dockerd';
  log: (line: string) => void;
}

export const DEFAULTS: CampaignOptions = {
  seed: 1,
  durationSec: 120,
  maxOps: 0,
  clients: 4,
  faults: FAULT_KINDS,
  loadClients: 0,
  loadDurationSec: 0,
  loadContainers: 0,
  dataRootMiB: 384,
  engine: 'berthd',
  log: (l) => console.log(l),
};

export interface LatencyWindow {
  atSec: number;
  ops: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  rssKiB: number;
  fds: number;
  /** berthd's own breakdown of its memory at the window's end (GET /debug/vars), MiB. */
  heap?: HeapBreakdown;
}

/**
 * What berthd's RSS is made of (MiB): anonymous against file pages; V8's heap committed and live,
 * its new (young) and old spaces; memory outside V8's heap (external, of which Buffers'); malloc's
 * bytes in use and free bytes it keeps.
 */
export interface HeapBreakdown {
  rssAnon: number;
  rssFile: number;
  heapTotal: number;
  heapUsed: number;
  newSpace: number;
  oldSpace: number;
  codeSpace: number;
  largeObjects: number;
  external: number;
  arrayBuffers: number;
  mallocInUse?: number;
  mallocFree?: number;
}

interface MemStats {
  rssAnon: number; rssFile: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number;
  heapSpaces: Record<string, { size: number; used: number }>;
  malloc?: { arena: number; mmapped: number; inUse: number; free: number };
}

const mib = (b: number | undefined) => +((b ?? 0) / 1048576).toFixed(1);

export function heapBreakdown(m: MemStats): HeapBreakdown {
  const space = (n: string) => m.heapSpaces[n]?.size;
  return {
    rssAnon: mib(m.rssAnon), rssFile: mib(m.rssFile), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed),
    newSpace: mib(space('new_space')), oldSpace: mib(space('old_space')), codeSpace: mib(space('code_space')),
    largeObjects: mib((space('large_object_space') ?? 0) + (space('new_large_object_space') ?? 0) + (space('code_large_object_space') ?? 0)),
    external: mib(m.external), arrayBuffers: mib(m.arrayBuffers),
    ...(m.malloc ? { mallocInUse: mib(m.malloc.inUse + m.malloc.mmapped), mallocFree: mib(m.malloc.free) } : {}),
  };
}

export function formatHeap(h: HeapBreakdown): string {
  return `anon ${h.rssAnon} file ${h.rssFile} | V8 heap ${h.heapUsed}/${h.heapTotal} (new ${h.newSpace} old ${h.oldSpace} code ${h.codeSpace} large ${h.largeObjects})` +
    ` external ${h.external} (buffers ${h.arrayBuffers})` + (h.mallocInUse !== undefined ? ` malloc ${h.mallocInUse} used ${h.mallocFree} free` : '') + ' MiB';
}

export interface CampaignReport {
  seed: number;
  engine: 'berthd' | 'dockerd';
  /** Checks not run (dockerd: berthd's own host layout). */
  skippedChecks: string[];
  elapsedSec: number;
  operations: number;
  operationsByKind: Record<string, { ok: number; refused: number; failed: number }>;
  faults: Record<string, number>;
  invariantChecks: number;
  violations: string[];
  leaks: string[];
  linesChecked: number;
  linesLost: number;
  /** Lines a container wrote while nothing could record them (its conmon killed, disk full). */
  linesDroppedUnderFault: number;
  /** What operations under a fault answered (the messages must say why). */
  faultMessages: string[];
  serverErrors: string[];
  /** On failure: the trace lines of each container a violation names, and berthd's complaints. */
  evidence?: string[];
  load?: {
    clients: number;
    containers: number;
    operations: number;
    opsPerSec: number;
    p50ms: number;
    p99ms: number;
    windows: LatencyWindow[];
    start: { rssKiB: number; fds: number; heap?: HeapBreakdown };
    end: { rssKiB: number; fds: number; heap?: HeapBreakdown };
    /** Writer containers' lines checked during the load (volume against logs). */
    linesChecked: number;
  };
  trace: string;
}

type Policy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** A container as the campaign knows it. */
interface Box {
  name: string;
  id?: string;
  kind: 'writer' | 'looper' | 'sleeper';
  policy: Policy;
  maxRetry: number;
  autoRemove: boolean;
  volume?: string;
  anonVolume: boolean;
  anonVolumeName?: string;
  network?: string;
  code: number;
  lines: number;
  /** acked: the daemon said it exists; uncertain: an operation on it got no answer. */
  state: 'acked' | 'uncertain' | 'removed';
  /** Stopped or killed by an acknowledged request (restart policies must not undo that). */
  userStopped: boolean;
  /** When the user's stop was acknowledged: a daemon start after it restarts an always container. */
  stoppedAt?: number;
  /** When a start (or restart) and a stop (or kill) of it were last acknowledged. */
  startAckAt?: number;
  stopAckAt?: number;
  /** Its restart policy's effect is unknown (a stop or start got no answer). */
  policyUnknown: boolean;
  /** Its exit code cannot be predicted (killed, stopped, faulted). */
  interfered: boolean;
  /** Runs of a writer during which lines may go unrecorded (conmon killed, disk full). */
  exemptRuns: Set<number>;
  /** Lines already verified for this many runs. */
  checkedRuns: number;
  everStarted: boolean;
}

interface Net {
  name: string;
  state: 'acked' | 'uncertain' | 'removed';
}

interface Vol {
  name: string;
  state: 'acked' | 'uncertain' | 'removed';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function messageOf(r: Reply): string {
  try {
    return String((JSON.parse(r.text) as { message?: string }).message ?? '');
  } catch {
    return r.text.trim();
  }
}

export class Campaign {
  readonly o: CampaignOptions;
  readonly d: TestDaemon;
  readonly api: Api;
  readonly host: HostView;
  private readonly rng: Prng;
  private readonly t0 = Date.now();
  private readonly traceFile: string;
  private readonly boxes: Box[] = [];
  private readonly nets: Net[] = [];
  private readonly rmCalls = new Map<Box, number>();
  private readonly vols: Vol[] = [];
  private seq = 0;
  private ops = 0;
  private readonly byKind: CampaignReport['operationsByKind'] = {};
  private readonly faults: Record<string, number> = {};
  private checks = 0;
  private readonly violations: string[] = [];
  private readonly serverErrors: string[] = [];
  private readonly faultMessages: string[] = [];
  private linesChecked = 0;
  private linesLost = 0;
  private linesDropped = 0;
  /** While set, failures are expected (a fault is in progress). */
  private faultWindow: FaultKind | undefined;
  private stopClients = false;
  /** When berthd last came up (a restart-policy expectation depends on it). */
  private daemonStartedAt = 0;
  private readonly wrapperFlag: string;
  private readonly wrapperPidFile: string;
  private readonly runtimePath: string;
  private imageTar?: Buffer;
  private commits = 0;

  constructor(opts: Partial<CampaignOptions>) {
    this.o = { ...DEFAULTS, ...opts };
    if (this.o.engine === 'dockerd') {
      if (!opts.faults) this.o.faults = DOCKERD_FAULT_KINDS;
      const bad = this.o.faults.filter((f) => !DOCKERD_FAULT_KINDS.includes(f));
      if (bad.length) throw new Error(`faults ${bad.join(', ')} are not run against dockerd (${DOCKERD_FAULT_KINDS.join(', ')})`);
    }
    this.rng = new Prng(this.o.seed);
    const bin = path.join(tmpdir(), `berth-chaos-bin-${process.pid}`);
    mkdirSync(bin, { recursive: true });
    this.runtimePath = path.join(bin, 'crun');
    this.wrapperFlag = path.join(bin, 'slow-create');
    this.wrapperPidFile = path.join(bin, 'slow-create.pid');
    // The runtime is crun behind a wrapper that, when the campaign asks, lingers in `create`
    // long enough to be killed there: the runtime dies mid-create at an instant we choose.
    writeFileSync(this.runtimePath, `#!/bin/sh
case " $* " in *" create "*) if [ -e "${this.wrapperFlag}" ] && [ -n "$(cat "${this.wrapperFlag}")" ] && case " $* " in *" $(cat "${this.wrapperFlag}")"*) true;; *) false;; esac && rm "${this.wrapperFlag}" 2>/dev/null; then echo $$ > "${this.wrapperPidFile}"; sleep 3; fi;; esac
exec /usr/bin/crun "$@"
`);
    chmodSync(this.runtimePath, 0o755);
    if (this.o.engine === 'dockerd') {
      const d = new DockerdDaemon();
      this.d = d;
      this.host = new HostView(d, d.runtimeRoot, 'dockerd');
    } else {
      this.d = new TestDaemon('chaos', ['--default-runtime', this.runtimePath]);
      this.host = new HostView(this.d, path.join(this.d.execRoot, 'runtime', 'crun'));
    }
    this.api = new Api(this.d.socket);
    this.traceFile = path.join(tmpdir(), `berth-chaos${this.o.engine === 'dockerd' ? '-dockerd' : ''}-seed${this.o.seed}-${process.pid}.trace`);
    writeFileSync(this.traceFile, `# berth chaos campaign, seed ${this.o.seed}, engine ${this.o.engine}\n`);
  }

  /** What CI prints of a failure (the trace itself stays on the machine that ran it). */
  private evidence(violations: string[]): string[] {
    const trace = readFileSync(this.traceFile, 'utf8').split('\n');
    const out: string[] = [];
    const names = new Set(violations.flatMap((v) => [...v.matchAll(/\b(ch[a-z]-\d+(?:\.r\d+)*)\b/g)].map((m) => m[1]!)));
    for (const name of names) {
      const box = this.boxes.find((b) => b.name === name);
      const keys = [name, ...(box?.id ? [box.id] : [])];
      const mine = trace.filter((l) => (keys.some((k) => l.includes(k)) && !l.includes('-> no reply')) || / (FAULT|CHECK|VIOLATION) /.test(l));
      out.push(`-- ${name} (${box?.id?.slice(0, 12) ?? '?'}):`, ...mine.slice(-40));
    }
    const known = new Set(this.boxes.filter((b) => names.has(b.name)).map((b) => b.id?.slice(0, 12)));
    // (IDs named in a violation's first line, not in berthd's log a message may quote.)
    const ids = new Set(violations.flatMap((v) => [...v.split('\n')[0]!.matchAll(/\b([0-9a-f]{12})\b/g)].map((x) => x[1]!).filter((x) => !known.has(x))));
    for (const m of [...ids].slice(0, 5)) {
      out.push(`-- ${m}:`, ...trace.filter((l) => l.includes(m)).slice(-15));
    }
    out.push('-- berthd:', ...this.d.log.split('\n').filter((l) => l.startsWith('berthd:')).slice(-25));
    return out;
  }

  private trace(line: string): void {
    appendFileSync(this.traceFile, `+${((Date.now() - this.t0) / 1000).toFixed(3)} ${line}\n`);
  }

  private violation(what: string): void {
    this.violations.push(what);
    this.trace(`VIOLATION ${what}`);
    this.o.log(`chaos: VIOLATION ${what}`);
  }

  // ---------------------------------------------------------------- daemon

  async setUp(): Promise<void> {
    mkdirSync(this.d.dataRoot, { recursive: true });
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${this.o.dataRootMiB}m,mode=0710`, 'tmpfs', this.d.dataRoot], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`mount tmpfs data root: ${m.stderr}`);
    await this.d.start();
    await this.d.loadBusybox();
    this.imageTar = readFileSync(busyboxRootfsTar());
    this.trace(`daemon up: root ${this.d.root}, prefix ${this.d.net.prefix}, pid ${this.d.proc?.pid}`);
  }

  private daemonUp(): boolean {
    return !!this.d.proc && this.d.proc.exitCode === null && this.d.proc.signalCode === null;
  }

  private async restartDaemon(): Promise<void> {
    await this.d.start();
    this.daemonStartedAt = Date.now();
    this.trace(`daemon restarted, pid ${this.d.proc?.pid}`);
  }

  async tearDown(): Promise<string[]> {
    if (!this.daemonUp()) await this.restartDaemon().catch(() => undefined);
    const leaks = (await this.d.stop()).filter((l) => l !== `mount ${this.d.dataRoot}`);
    writeFileSync(this.traceFile.replace(/\.trace$/, '.berthd.log'), this.d.log);
    spawnSync('umount', ['-l', this.d.dataRoot]);
    rmSync(this.d.root, { recursive: true, force: true });
    rmSync(path.dirname(this.runtimePath), { recursive: true, force: true });
    for (const l of leaks) this.trace(`LEAK ${l}`);
    return leaks;
  }

  // ---------------------------------------------------------------- operations

  /**
   * One API call, traced and counted. Returns undefined when no answer came. 60 s: on a machine
   * shared with parallel test files a stop can take tens of seconds without anything being wrong.
   */
  private async call(client: string, op: string, method: string, p: string, body?: unknown, timeoutMs = 60_000): Promise<Reply | undefined> {
    const started = Date.now();
    let r: Reply | undefined;
    try {
      r = await this.api.call(method, p, body, timeoutMs, Buffer.isBuffer(body) ? { 'Content-Type': 'application/x-tar' } : {});
    } catch (e) {
      if (!(e instanceof NoReply)) throw e;
      this.trace(`${client} ${op} ${method} ${p} -> no reply (${e.message})${this.faultWindow ? ` [${this.faultWindow}]` : ''}`);
      if (!this.faultWindow) this.violation(`${op}: ${method} ${p} got no reply outside any fault: ${e.message}`);
      this.count(op, 'failed');
      return undefined;
    }
    this.ops++;
    // A wait lasts as long as its container runs: not a latency of the daemon.
    if (op !== 'wait') this.latencies?.push(Date.now() - started);
    const msg = r.status >= 400 ? messageOf(r) : '';
    this.trace(`${client} ${op} ${method} ${p} -> ${r.status}${msg ? ` ${msg.slice(0, 200)}` : ''} (${Date.now() - started} ms)`);
    if (r.status >= 400 && !msg) this.violation(`${op}: ${method} ${p} failed ${r.status} without a message`);
    if (r.status >= 500) {
      if (this.faultWindow) this.faultMessages.push(`[${this.faultWindow}] ${op}: ${msg}`);
      else this.serverErrors.push(`${op} ${method} ${p}: ${r.status} ${msg}`);
    }
    this.count(op, r.status < 400 ? 'ok' : r.status < 500 ? 'refused' : 'failed');
    return r;
  }

  private latencies?: number[];

  private count(op: string, outcome: 'ok' | 'refused' | 'failed'): void {
    const c = (this.byKind[op] ??= { ok: 0, refused: 0, failed: 0 });
    c[outcome]++;
  }

  private liveBoxes(): Box[] {
    return this.boxes.filter((b) => b.state !== 'removed' && b.id);
  }

  private writerScript(lines: number, code: number): string {
    // The volume first (retrying while the disk is full), then stdout: every stdout line has its
    // volume line; only the last one of a killed run can be missing from the logs.
    return `r=$(( $(cat /v/runs 2>/dev/null || echo 0) + 1 )); until echo $r > /v/runs; do sleep 0.2; done; i=0; ` +
      `while [ $i -lt ${lines} ]; do i=$((i+1)); until echo "$r $i" >> /v/lines; do sleep 0.2; done; echo "L $r $i"; sleep 0.1; done; exit ${code}`;
  }

  /** docker run -d: create (with its volume and network) and start. */
  private async opRun(c: string, rng: Prng): Promise<void> {
    const n = ++this.seq;
    const kind = rng.weighted({ writer: 5, looper: 2, sleeper: 3 } as const);
    const box: Box = {
      name: `chc-${n}`, kind, policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: 0, lines: 0,
      state: 'uncertain', userStopped: false, policyUnknown: false, interfered: false, exemptRuns: new Set(), checkedRuns: 0, everStarted: false,
    };
    let cmd: string[];
    const binds: string[] = [];
    const volumes: Record<string, object> = {};
    if (kind === 'writer') {
      box.lines = rng.range(15, 60);
      box.code = rng.pick([0, 0, 1, 3, 42])!;
      box.volume = `chv-${n}`;
      binds.push(`${box.volume}:/v`);
      cmd = ['sh', '-c', this.writerScript(box.lines, box.code)];
    } else if (kind === 'looper') {
      box.policy = rng.pick(['always', 'unless-stopped', 'on-failure'] as const)!;
      box.maxRetry = box.policy === 'on-failure' ? rng.range(1, 3) : 0;
      box.code = rng.pick([0, 2])!;
      cmd = ['sh', '-c', `trap 'exit ${box.code}' TERM; sleep ${rng.range(1, 4)} & wait; exit ${box.code}`];
    } else {
      box.autoRemove = rng.chance(0.3);
      box.anonVolume = rng.chance(0.4);
      if (box.anonVolume) volumes['/anon'] = {};
      if (rng.chance(0.2)) box.policy = 'unless-stopped';
      cmd = ['sh', '-c', `trap 'exit 0' TERM; while :; do sleep 1 & wait; done`];
    }
    if (box.autoRemove) box.policy = 'no';
    const net = rng.chance(0.3) ? rng.pick(this.nets.filter((x) => x.state === 'acked')) : undefined;
    box.network = net?.name;
    this.boxes.push(box);
    const body = {
      Image: 'busybox', Cmd: cmd, Volumes: volumes, Labels: { 'berth.chaos': '1' },
      HostConfig: {
        Binds: binds, AutoRemove: box.autoRemove, NetworkMode: box.network,
        RestartPolicy: { Name: box.policy === 'no' ? '' : box.policy, MaximumRetryCount: box.maxRetry },
      },
    };
    const r = await this.call(c, 'create', 'POST', `/containers/create?name=${box.name}`, body);
    if (!r) return;
    if (r.status !== 201) {
      // Refused: nothing of it may exist. (Checked by name at the next invariant pass.)
      box.state = 'removed';
      return;
    }
    box.id = (JSON.parse(r.text) as { Id: string }).Id;
    box.state = 'acked';
    this.trace(`${c} ${box.name} is ${box.id}`);
    if (box.anonVolume) {
      const s = await this.inspect(box.id);
      box.anonVolumeName = (s?.Mounts as Array<{ Name?: string; Destination: string }> | undefined)?.find((m) => m.Destination === '/anon')?.Name;
    }
    await this.opStart(c, box);
  }

  private async opStart(c: string, box: Box): Promise<void> {
    // A second start (even a failed one, 128) replaces the exit code of the first run.
    if (box.everStarted) box.interfered = true;
    await this.exemptIfDiskFull(box);
    const issued = Date.now();
    const r = await this.call(c, 'start', 'POST', `/containers/${box.id}/start`);
    if (!r) {
      box.policyUnknown = true;
      box.everStarted = true;
      return;
    }
    if (r.status === 204) this.startAcked(box, issued);
  }

  /**
   * A start and a stop of one container by two clients at once: which took effect last is
   * unknowable from the answers (the campaign once took a kill answered after a start as the last
   * word, but the kill had ended the run before the start began another).
   */
  private startAcked(box: Box, issued: number): void {
    box.startAckAt = Date.now();
    box.userStopped = false;
    box.policyUnknown = (box.stopAckAt ?? 0) > issued;
    box.everStarted = true;
  }

  private stopAcked(box: Box, issued: number): void {
    box.stopAckAt = Date.now();
    box.userStopped = true;
    box.stoppedAt = box.stopAckAt;
    if ((box.startAckAt ?? 0) > issued) box.policyUnknown = true;
  }

  private async opStop(c: string, box: Box, how: 'stop' | 'kill' | 'restart'): Promise<void> {
    box.interfered = true;
    if (how === 'restart') await this.exemptIfDiskFull(box);
    const p = how === 'kill' ? `/containers/${box.id}/kill` : `/containers/${box.id}/${how}?t=1`;
    const issued = Date.now();
    const r = await this.call(c, how, 'POST', p);
    if (!r) {
      box.policyUnknown = true;
      return;
    }
    // (304, already stopped, marks nothing: docker's stop returns before setting it.)
    if (r.status === 204 && how !== 'restart') this.stopAcked(box, issued);
    if (r.status === 204 && how === 'restart') this.startAcked(box, issued);
  }

  private async opRemove(c: string, box: Box, rng: Prng): Promise<void> {
    const force = rng.chance(0.5);
    const v = rng.chance(0.5);
    // Lines are checked before the logs go with the container.
    await this.checkWriterLines(box);
    if (force) box.interfered = true;
    // Two clients removing it at once (one with -v): which one removed the volume is unknowable.
    this.rmCalls.set(box, (this.rmCalls.get(box) ?? 0) + 1);
    const r = await this.call(c, 'rm', 'DELETE', `/containers/${box.id}?force=${force ? 1 : 0}&v=${v ? 1 : 0}`);
    if (!r) {
      box.state = 'uncertain';
      return;
    }
    // An --rm container that has exited is gone already: the model follows.
    if (r.status === 404 && box.autoRemove) box.state = 'removed';
    if (r.status === 204) {
      box.state = 'removed';
      // (--rm containers lose their anonymous volumes anyway when they exit, as docker's.)
      if (box.anonVolumeName && this.rmCalls.get(box) === 1 && !box.autoRemove) {
        const vr = await this.call(c, 'volume-inspect', 'GET', `/volumes/${box.anonVolumeName}`);
        if (vr && v && vr.status !== 404) this.violation(`rm -v ${box.name}: its anonymous volume ${box.anonVolumeName} is still there`);
        if (vr && !v && vr.status !== 200) this.violation(`rm ${box.name} without -v removed its anonymous volume ${box.anonVolumeName}`);
        if (!v && !this.vols.some((x) => x.name === box.anonVolumeName)) this.vols.push({ name: box.anonVolumeName, state: 'acked' });
      }
    }
  }

  private async opExec(c: string, box: Box): Promise<void> {
    // The name at create time: a concurrent rename may change box.name before the check below.
    const word = `exec-${box.name}`;
    const r = await this.call(c, 'exec-create', 'POST', `/containers/${box.id}/exec`, { Cmd: ['echo', word], AttachStdout: true, AttachStderr: true });
    if (!r || r.status !== 201) return;
    const id = (JSON.parse(r.text) as { Id: string }).Id;
    try {
      const s = await this.api.hijack(`/exec/${id}/start`, { Detach: false, Tty: false }, 15_000);
      this.ops++;
      this.trace(`${c} exec-start ${box.name} -> ${s.status} ${JSON.stringify(s.stdout.slice(0, 80))}`);
      this.count('exec-start', s.status < 300 ? 'ok' : 'failed');
      const ins = await this.call(c, 'exec-inspect', 'GET', `/exec/${id}/json`);
      if (ins?.status === 200) {
        const e = JSON.parse(ins.text) as { ExitCode: number | null; Running: boolean };
        if (!e.Running && e.ExitCode === 0 && s.stdout !== `${word}\n` && !this.faultWindow) {
          this.violation(`exec in ${box.name}: exit 0 but output ${JSON.stringify(s.stdout)}`);
        }
      }
    } catch (e) {
      this.trace(`${c} exec-start ${box.name} -> no reply (${(e as Error).message})`);
      if (!this.faultWindow) this.violation(`exec-start in ${box.name} got no reply outside any fault`);
    }
  }

  private async opAttach(c: string, box: Box, rng: Prng): Promise<void> {
    try {
      const s = await this.api.hijack(`/containers/${box.id}/attach?stream=1&stdout=1&stderr=1&logs=${rng.chance(0.5) ? 1 : 0}`, {}, rng.range(100, 800));
      this.ops++;
      this.count('attach', s.status < 300 ? 'ok' : s.status < 500 ? 'refused' : 'failed');
      this.trace(`${c} attach ${box.name} -> ${s.status} (${s.stdout.length} bytes)`);
    } catch (e) {
      this.trace(`${c} attach ${box.name} -> no reply (${(e as Error).message})`);
    }
  }

  private async opNetwork(c: string, rng: Prng, what: 'create' | 'connect' | 'disconnect' | 'rm'): Promise<void> {
    if (what === 'create') {
      const net: Net = { name: `chn-${++this.seq}`, state: 'uncertain' };
      this.nets.push(net);
      const r = await this.call(c, 'network-create', 'POST', '/networks/create', { Name: net.name, Labels: { 'berth.chaos': '1' } });
      if (r) net.state = r.status === 201 ? 'acked' : 'removed';
      return;
    }
    const net = rng.pick(this.nets.filter((n) => n.state === 'acked'));
    if (!net) return;
    if (what === 'rm') {
      const r = await this.call(c, 'network-rm', 'DELETE', `/networks/${net.name}`);
      if (!r) net.state = 'uncertain';
      else if (r.status === 204) net.state = 'removed';
      return;
    }
    const box = rng.pick(this.liveBoxes().filter((b) => b.state === 'acked'));
    if (!box) return;
    await this.call(c, `network-${what}`, 'POST', `/networks/${net.name}/${what}`, { Container: box.id, Force: what === 'disconnect' && rng.chance(0.3) });
  }

  private async opVolume(c: string, rng: Prng, what: 'create' | 'rm'): Promise<void> {
    if (what === 'create') {
      const v: Vol = { name: `chx-${++this.seq}`, state: 'uncertain' };
      this.vols.push(v);
      const r = await this.call(c, 'volume-create', 'POST', '/volumes/create', { Name: v.name });
      if (r) v.state = r.status === 201 ? 'acked' : 'removed';
      return;
    }
    // Any acked volume: one in use must be refused (409), an unused one removed.
    const v = rng.pick(this.vols.filter((x) => x.state === 'acked'));
    if (!v) return;
    const r = await this.call(c, 'volume-rm', 'DELETE', `/volumes/${v.name}`);
    if (!r) v.state = 'uncertain';
    else if (r.status === 204) v.state = 'removed';
  }

  /** One random operation of one client. */
  private async step(c: string, rng: Prng): Promise<void> {
    const op = rng.weighted({
      run: 12, start: 5, stop: 5, kill: 4, restart: 3, pause: 3, unpause: 3, rm: 6, exec: 6, attach: 2, logs: 4, cp: 2,
      commit: 1, rename: 2, 'net-create': 1, 'net-connect': 2, 'net-disconnect': 2, 'net-rm': 1, 'vol-create': 1, 'vol-rm': 2,
      'save-load': 0.5, list: 3, inspect: 3,
    });
    const live = this.liveBoxes().filter((b) => b.state === 'acked');
    const box = rng.pick(live);
    // Keep the population bounded so a short run stays light on this small machine.
    if (op === 'run' || !box) {
      if (live.length < (this.loadMode ? 1e9 : 14)) await this.opRun(c, rng);
      else if (box) await this.opRemove(c, box, rng);
      return;
    }
    switch (op) {
      case 'start':
        return this.opStart(c, box);
      case 'stop': case 'kill': case 'restart':
        return this.opStop(c, box, op);
      case 'pause': case 'unpause':
        await this.call(c, op, 'POST', `/containers/${box.id}/${op}`);
        return;
      case 'rm':
        return this.opRemove(c, box, rng);
      case 'exec':
        return this.opExec(c, box);
      case 'attach':
        return this.opAttach(c, box, rng);
      case 'logs':
        await this.call(c, 'logs', 'GET', `/containers/${box.id}/logs?stdout=1&stderr=1&tail=${rng.pick(['all', '5'])}`);
        return;
      case 'cp':
        await this.call(c, 'cp', 'GET', `/containers/${box.id}/archive?path=/etc/hostname`);
        return;
      case 'commit': {
        const r = await this.call(c, 'commit', 'POST', `/commit?container=${box.id}&repo=chaos-commit&tag=c${++this.commits}&pause=1`);
        if (r?.status === 201) await this.call(c, 'image-rm', 'DELETE', `/images/chaos-commit:c${this.commits}`);
        return;
      }
      case 'rename': {
        const newName = `${box.name.split('.')[0]}.r${++this.seq}`;
        const r = await this.call(c, 'rename', 'POST', `/containers/${box.id}/rename?name=${newName}`);
        if (r?.status === 204) box.name = newName;
        return;
      }
      case 'net-create': return this.opNetwork(c, rng, 'create');
      case 'net-connect': return this.opNetwork(c, rng, 'connect');
      case 'net-disconnect': return this.opNetwork(c, rng, 'disconnect');
      case 'net-rm': return this.opNetwork(c, rng, 'rm');
      case 'vol-create': return this.opVolume(c, rng, 'create');
      case 'vol-rm': return this.opVolume(c, rng, 'rm');
      case 'save-load': {
        const r = await this.call(c, 'save', 'GET', '/images/get?names=busybox:latest', undefined, 60_000);
        if (r?.status === 200) await this.call(c, 'load', 'POST', '/images/load?quiet=1', r.body, 60_000);
        return;
      }
      case 'list':
        await this.call(c, 'list', 'GET', '/containers/json?all=1');
        return;
      default:
        await this.call(c, 'inspect', 'GET', `/containers/${box.id}/json`);
    }
  }

  private loadMode = false;

  private async client(name: string, rng: Prng): Promise<void> {
    while (!this.stopClients && (!this.o.maxOps || this.ops < this.o.maxOps)) {
      const before = this.ops;
      await this.step(name, rng).catch((e) => {
        this.violation(`${name}: campaign error ${(e as Error).stack ?? e}`);
      });
      // No answer (the daemon is down): do not spin on a refused socket.
      if (this.ops === before && !this.daemonUp()) await sleep(200);
      await sleep(rng.range(0, 30));
    }
  }

  // ---------------------------------------------------------------- faults

  private async inspect(ref: string): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await this.api.call('GET', `/containers/${ref}/json`, undefined, 10_000).catch(() => undefined);
    return r?.status === 200 ? JSON.parse(r.text) : undefined;
  }

  /** Running containers (with a conmon, when `monitored`: a conmon-kill needs one to kill). */
  private async running(monitored = false): Promise<Array<{ box: Box; pid: number }>> {
    let out: Array<{ box: Box; pid: number }> = [];
    for (const box of this.liveBoxes()) {
      const s = await this.inspect(box.id!);
      if (s?.State?.Status === 'running' && s.State.Pid) out.push({ box, pid: s.State.Pid as number });
    }
    // (A container that exited since its inspect has none: the short campaign's conmon-kill once
    // found no target that way and was not injected.)
    if (monitored) {
      const conmons = this.host.conmons();
      out = out.filter((t) => conmons.has(t.box.id!));
    }
    if (out.length) return out;
    // Nothing runs at this instant: the fault gets a container of its own, so it always strikes.
    const name = `chf-${++this.seq}`;
    const cr = await this.call('fault', 'create', 'POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sh', '-c', 'while :; do sleep 1; done'] });
    if (cr?.status !== 201) return out;
    const id = (JSON.parse(cr.text) as { Id: string }).Id;
    const box: Box = {
      name, id, kind: 'sleeper', policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: 0, lines: 0, state: 'acked',
      userStopped: false, policyUnknown: false, interfered: true, exemptRuns: new Set(), checkedRuns: 0, everStarted: true,
    };
    this.boxes.push(box);
    await this.call('fault', 'start', 'POST', `/containers/${id}/start`);
    const s = await this.inspect(id);
    if (s?.State?.Status === 'running' && s.State.Pid) out.push({ box, pid: s.State.Pid as number });
    return out;
  }

  /** The current run number of a writer (from its volume on the host). */
  private async currentRun(box: Box): Promise<number> {
    if (!box.volume) return 0;
    const v = await this.api.json<{ Mountpoint: string }>('GET', `/volumes/${box.volume}`).catch(() => undefined);
    if (!v) return 0;
    return Number(readFileSync(path.join(v.Mountpoint, 'runs'), 'utf8').trim() || '0') || 0;
  }

  private async exempt(box: Box): Promise<void> {
    const r = await this.currentRun(box).catch(() => 0);
    box.exemptRuns.add(r);
    // A restart policy may begin the next run before the fault is over.
    box.exemptRuns.add(r + 1);
  }

  /**
   * A writer's run begun while the disk is full writes its stdout then too: conmon cannot store
   * those lines (it drops what it cannot write, as any engine's log writer). The fault exempts
   * the runs of writers live when it begins and ends; this covers one created, run and checked
   * within it (found once in a fresh-clone CI run: chc-268 lost 1 of 5 lines, no copy failed).
   */
  private async exemptIfDiskFull(box: Box): Promise<void> {
    if (this.faultWindow === 'disk-full' && box.kind === 'writer') await this.exempt(box);
  }

  private notInjected(kind: FaultKind): void {
    this.faults[kind]!--;
    this.trace(`fault ${kind}: no target, not injected`);
  }

  private async inject(kind: FaultKind, rng: Prng): Promise<void> {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
    this.trace(`FAULT ${kind}`);
    this.o.log(`chaos: +${((Date.now() - this.t0) / 1000).toFixed(0)}s fault ${kind}`);
    switch (kind) {
      case 'daemon-kill': {
        this.faultWindow = kind;
        await this.d.crash();
        this.trace(`berthd killed`);
        await sleep(rng.range(0, 1500));
        await this.restartDaemon();
        return;
      }
      case 'conmon-kill': {
        // A container can exit between the listing and the look for its conmon: try a few.
        let target: { box: Box; pid: number } | undefined;
        let pid: number | undefined;
        for (let i = 0; i < 5 && !pid; i++) {
          target = rng.pick(await this.running(true));
          pid = target && this.host.conmons().get(target.box.id!);
          if (target && !pid) this.trace(`conmon of ${target.box.name} not found, trying another`);
        }
        if (!target || !pid) return this.notInjected(kind);
        await this.exempt(target.box);
        target.box.interfered = true;
        this.faultWindow = kind;
        kill9(pid);
        this.trace(`killed conmon ${pid} of ${target.box.name}`);
        return;
      }
      case 'pid1-kill': {
        // The PID must still be its process (PIDs wrap at 32768 here; it may have exited since).
        let target: { box: Box; pid: number } | undefined;
        for (let i = 0; i < 5 && !target; i++) {
          target = rng.pick(await this.running());
          if (target && !this.host.cgroupProcs(target.box.id!).includes(target.pid)) {
            this.trace(`PID 1 (${target.pid}) of ${target.box.name} is gone before the kill`);
            target = undefined;
          }
        }
        if (!target) return this.notInjected(kind);
        target.box.interfered = true;
        kill9(target.pid);
        this.trace(`killed PID 1 (${target.pid}) of ${target.box.name}`);
        // docker: SIGKILL from outside is exit 137 (and the restart policy applies).
        for (let i = 0; i < 100; i++) {
          const s = await this.inspect(target.box.id!);
          if (!s) return;
          if (s.State.Status === 'exited' || s.State.Pid !== target.pid) {
            if (s.State.Status === 'exited' && s.State.ExitCode !== 137 && s.State.Pid === 0 && !target.box.autoRemove) {
              // A restart may already have replaced the exit code; only a direct exit counts. A
              // script that ended on its own just before the signal exits with its own code.
              const ownExit = target.box.kind !== 'sleeper' && s.State.ExitCode === target.box.code;
              if (ownExit) this.trace(`${target.box.name} ended on its own (${s.State.ExitCode}) before the SIGKILL`);
              else if (s.State.RestartCount === 0 || target.box.policy === 'no') this.violation(`${target.box.name}: PID 1 SIGKILLed, exit code ${s.State.ExitCode}, wanted 137`);
            }
            return;
          }
          await sleep(50);
        }
        this.violation(`${target.box.name}: PID 1 SIGKILLed but still running after 5 s`);
        return;
      }
      case 'runtime-kill': {
        this.faultWindow = kind;
        rmSync(this.wrapperPidFile, { force: true });
        const name = `chr-${++this.seq}`;
        const cr = await this.call('fault', 'create', 'POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '60'] });
        if (cr?.status !== 201) return this.notInjected(kind);
        const id = (JSON.parse(cr.text) as { Id: string }).Id;
        this.trace(`fault ${name} is ${id}`);
        // Only this container's create lingers (and is killed).
        writeFileSync(this.wrapperFlag, id);
        const box: Box = {
          name, id, kind: 'sleeper', policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: 0, lines: 0, state: 'acked',
          userStopped: false, policyUnknown: false, interfered: true, exemptRuns: new Set(), checkedRuns: 0, everStarted: true,
        };
        this.boxes.push(box);
        // Under load the steps before the runtime's create can take seconds: watch until the
        // start answers (a start that fails before create leaves nothing to kill).
        let settled = false;
        const started = this.call('fault', 'start', 'POST', `/containers/${id}/start`).finally(() => (settled = true));
        let killed = false;
        for (let i = 0; i < 600 && !killed && !settled; i++) {
          await sleep(50);
          const pid = Number(existsSync(this.wrapperPidFile) ? readFileSync(this.wrapperPidFile, 'utf8').trim() : 0);
          if (pid && alive(pid)) killed = kill9(pid);
        }
        this.trace(`runtime create ${killed ? 'killed' : 'not caught'}`);
        if (!killed) this.notInjected(kind);
        const r = await started;
        if (killed && r) {
          if (r.status < 400) this.violation(`start with its runtime killed mid-create answered ${r.status}`);
          else if (!/runtime|crun|create|signal|killed|conmon/i.test(messageOf(r))) this.violation(`start with its runtime killed mid-create: unclear message "${messageOf(r)}"`);
          else this.faultMessages.push(`[runtime-kill] start: ${messageOf(r)}`);
        }
        rmSync(this.wrapperFlag, { force: true });
        return;
      }
      case 'disk-full': {
        this.faultWindow = kind;
        for (const b of this.liveBoxes()) if (b.kind === 'writer') await this.exempt(b);
        const fill = path.join(this.d.dataRoot, 'chaos-fill');
        const avail = Number(spawnSync('df', ['--output=avail', '-B1', this.d.dataRoot], { encoding: 'utf8' }).stdout.split('\n')[1]);
        spawnSync('fallocate', ['-l', String(avail), fill]);
        this.trace(`data root filled (${avail} bytes)`);
        // Operations that need space must fail saying so; the daemon must go on answering.
        const probes: Array<[string, string, string, unknown]> = [
          ['create', 'POST', `/containers/create?name=chd-${++this.seq}`, { Image: 'busybox', Cmd: ['true'] }],
          ['volume-create', 'POST', '/volumes/create', { Name: `chd-${++this.seq}` }],
          ['network-create', 'POST', '/networks/create', { Name: `chd-${++this.seq}` }],
        ];
        for (const [op, m, p, body] of probes) {
          const r = await this.call('fault', op, m, p, body);
          if (!r) this.violation(`disk full: ${op} got no reply`);
          else if (r.status >= 400) {
            // A refusal for its own reason (409, 400: e.g. address pools used up) is fine too.
            if (r.status >= 500 && !/space|ENOSPC/i.test(messageOf(r))) this.violation(`disk full: ${op} failed without saying why: ${r.status} ${messageOf(r)}`);
            else this.faultMessages.push(`[disk-full] ${op}: ${messageOf(r)}`);
          } else {
            // It fitted after all (the kernel's reserve): it must be whole; note it in the model.
            this.trace(`disk full: ${op} succeeded`);
            if (op === 'create') this.boxes.push({ name: (p.split('=')[1])!, id: (JSON.parse(r.text) as { Id: string }).Id, kind: 'sleeper', policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: 0, lines: 0, state: 'acked', userStopped: false, policyUnknown: false, interfered: true, exemptRuns: new Set(), checkedRuns: 0, everStarted: false });
            if (op === 'volume-create') this.vols.push({ name: (body as { Name: string }).Name, state: 'acked' });
            if (op === 'network-create') this.nets.push({ name: (body as { Name: string }).Name, state: 'acked' });
          }
        }
        const ping = await this.call('fault', 'ping', 'GET', '/_ping', undefined, 5000);
        if (ping?.status !== 200) this.violation('disk full: /_ping failed');
        await sleep(rng.range(500, 2000));
        rmSync(fill, { force: true });
        this.trace('space freed');
        // A writer created and started while the disk was full ran part of its run then too:
        // conmon could not store those lines either (found once create no longer wrote a holds
        // file, so a create could fit in the kernel's slack).
        for (const b of this.liveBoxes()) if (b.kind === 'writer') await this.exempt(b).catch(() => undefined);
        return;
      }
      case 'host-restart': {
        // A reboot kills conmon with lines still in its pipe: those are lost, as with any engine.
        // The runs it cuts are known before (the daemon answers the volume paths).
        for (const b of this.liveBoxes()) {
          b.interfered = true;
          if (b.kind === 'writer') await this.exempt(b).catch(() => undefined);
        }
        this.faultWindow = kind;
        await this.d.crash();
        const did = this.host.simulateReboot(this.d.dataRoot);
        for (const l of did) this.trace(`reboot: ${l}`);
        await this.restartDaemon();
        return;
      }
      case 'stalled-client': {
        const before = processFigures(this.d.proc!.pid!).fds;
        const socks: Socket[] = [];
        const open = (data: string) => new Promise<void>((resolve) => {
          const s = connect(this.d.socket, () => {
            s.write(data);
            resolve();
          });
          s.on('error', () => resolve());
          socks.push(s);
        });
        await open('POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"Image": "busy');
        await open('GET /containers/json HTTP/1.1\r\nHost: x\r\n');
        await open('');
        this.trace('three stalled clients connected');
        // Others must still be served promptly.
        const t = Date.now();
        const r = await this.call('fault', 'list', 'GET', '/containers/json?all=1', undefined, 5000);
        if (r?.status !== 200 || Date.now() - t > 5000) this.violation('a stalled client kept others waiting');
        await sleep(rng.range(1000, 3000));
        for (const s of socks) s.destroy();
        await sleep(500);
        const after = processFigures(this.d.proc!.pid!).fds;
        this.trace(`berthd fds ${before} before stalled clients, ${after} after they left`);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- invariants

  /** Reads every JSON file of berthd's metadata under the data root: none may be torn. */
  private tornMetadata(): string[] {
    const out: string[] = [];
    const skip = new Set(['rootfs', 'rw', '_data', 'diff', 'layers', 'blobs', 'tmp']);
    const walk = (dir: string, depth: number) => {
      if (depth > 6) return;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && !skip.has(e.name)) walk(p, depth + 1);
        else if (e.isFile() && e.name.endsWith('.json')) {
          try {
            JSON.parse(readFileSync(p, 'utf8'));
          } catch (err) {
            out.push(`torn metadata ${p}: ${(err as Error).message}`);
          }
        }
      }
    };
    walk(this.d.dataRoot, 0);
    return out;
  }

  /** Lines of an exited writer: all in its volume, and in its logs but for a killed run's last. */
  private async checkWriterLines(box: Box): Promise<number> {
    if (box.kind !== 'writer' || !box.id || !box.volume || box.state !== 'acked') return 0;
    const s = await this.inspect(box.id);
    if (!s || s.State.Status !== 'exited') return 0;
    const vol = await this.api.json<{ Mountpoint: string }>('GET', `/volumes/${box.volume}`).catch(() => undefined);
    if (!vol) return 0;
    // The volume first, then the logs, then the state again: a start by another client in
    // between (the long run's one false alarm: a restart began run 3 between the logs' read and
    // the volume's) makes this look at a run still writing; it is checked at a later pass.
    const volLines = existsSync(path.join(vol.Mountpoint, 'lines')) ? readFileSync(path.join(vol.Mountpoint, 'lines'), 'utf8').split('\n').filter(Boolean) : [];
    const logs = await this.api.call('GET', `/containers/${box.id}/logs?stdout=1&stderr=1`, undefined, 20_000).catch(() => undefined);
    if (logs?.status !== 200) return 0;
    const again = await this.inspect(box.id);
    if (again?.State.Status !== 'exited' || again.State.StartedAt !== s.State.StartedAt) return 0;
    let checked = 0;
    const logged = new Set(demux(logs.body).stdout.split('\n').filter((l) => l.startsWith('L ')).map((l) => l.slice(2)));
    const runs = new Map<number, number[]>();
    for (const l of volLines) {
      const [r, i] = l.split(' ').map(Number);
      if (!Number.isFinite(r) || !Number.isFinite(i)) {
        this.violation(`${box.name}: torn line in its volume: ${JSON.stringify(l)}`);
        continue;
      }
      runs.set(r!, [...(runs.get(r!) ?? []), i!]);
    }
    for (const l of logged) if (!volLines.includes(l)) this.violation(`${box.name}: logs have "${l}" that its volume lacks`);
    const maxRun = Math.max(0, ...runs.keys());
    for (let r = box.checkedRuns + 1; r <= maxRun; r++) {
      const nums = runs.get(r) ?? [];
      nums.forEach((n, k) => {
        if (n !== k + 1) this.violation(`${box.name}: run ${r} volume lines out of order at ${k + 1}: ${n}`);
      });
      const last = nums.length;
      let missing = 0;
      for (let i = 1; i < last; i++) if (!logged.has(`${r} ${i}`)) missing++;
      // The last line may be missing only if the run was cut short (killed between the writes).
      if (last && !logged.has(`${r} ${last}`) && last === box.lines) missing++;
      this.linesChecked += last;
      checked += last;
      if (!missing) continue;
      if (box.exemptRuns.has(r)) this.linesDropped += missing;
      else {
        this.linesLost += missing;
        this.violation(`${box.name}: ${missing} of run ${r}'s ${last} lines are in its volume but not in its logs`);
      }
    }
    box.checkedRuns = maxRun;
    // Exit code: a writer nothing interfered with ends with its own code.
    if (!box.interfered && maxRun === 1 && (runs.get(1)?.length ?? 0) === box.lines && s.State.ExitCode !== box.code) {
      this.violation(`${box.name}: exit code ${s.State.ExitCode}, its script exits ${box.code}: ${stateOf(s)}`);
    }
    return checked;
  }

  /** One pass of every check; returns the violations found (not yet recorded). */
  private async checkOnce(afterRestart: boolean): Promise<string[]> {
    const v: string[] = [];
    const ping = await this.api.call('GET', '/_ping', undefined, 5000).catch(() => undefined);
    if (ping?.status !== 200) return ['daemon does not answer /_ping'];
    const list = await this.api.json<Array<{ Id: string; Names: string[]; State: string }>>('GET', '/containers/json?all=1');
    const listed = new Map(list.map((c) => [c.Id, c]));
    this.lastListed = new Set(listed.keys());
    const byName = new Map(list.map((c) => [c.Names[0]!.slice(1), c]));
    const inspected = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const c of list) {
      const s = await this.inspect(c.Id);
      if (s) inspected.set(c.Id, s);
    }
    // Acknowledged objects exist; uncertain ones, if they exist, are whole and adopted.
    for (const b of this.boxes) {
      if (b.state === 'uncertain') {
        const found = (b.id && listed.get(b.id)) || byName.get(b.name);
        if (found) {
          b.id = found.Id;
          if (!inspected.has(found.Id)) v.push(`${b.name}: listed but cannot be inspected`);
        }
        continue;
      }
      if (b.state === 'acked' && b.id && !listed.has(b.id)) {
        // An auto-removed container may be gone once it exited; nothing else may vanish.
        if (!b.autoRemove) v.push(`acknowledged container ${b.name} (${b.id.slice(0, 12)}) is gone`);
      }
      if (b.state === 'removed' && b.id && listed.has(b.id)) v.push(`container ${b.name} was removed (acknowledged) but is listed`);
      if (b.state === 'removed' && !b.id && byName.has(b.name)) v.push(`container ${b.name}: create was refused but it exists`);
    }
    const known = new Set(this.boxes.filter((b) => b.id).map((b) => b.id));
    const knownNames = new Set(this.boxes.map((b) => b.name));
    for (const c of list) {
      if (!known.has(c.Id) && !knownNames.has(c.Names[0]!.slice(1))) v.push(`container ${c.Names[0]} (${c.Id.slice(0, 12)}) exists but no create was acknowledged for it`);
    }
    // No half-objects on disk: every container directory has a record that is listed.
    const cdir = path.join(this.d.dataRoot, 'containers');
    for (const id of existsSync(cdir) ? readdirSync(cdir) : []) {
      // A removed container's tree set aside for deletion in the background (storage/gone-dirs.ts).
      if (id.startsWith('.gone-')) continue;
      if (!listed.has(id)) v.push(`container directory ${id.slice(0, 12)} on disk but not listed`);
    }
    v.push(...this.tornMetadata());

    // Host state against berthd's.
    const berth = this.o.engine === 'berthd';
    const rt = this.host.runtimeList();
    const conmons = this.host.conmons();
    const mounts = this.host.mounts();
    const cgroups = this.host.cgroups();
    const active = new Set<string>();
    // Between a restart policy's runs: its conmon and runtime state may exist or not.
    const transitional = new Set([...inspected].filter(([, s]) => s.State.Status === 'restarting').map(([id]) => id));
    for (const [id, s] of inspected) {
      const st = s.State as { Status: string; Pid: number; Running: boolean; Paused: boolean; ExitCode: number; RestartCount: number };
      const name = (s.Name as string).slice(1);
      const rootfs = path.join(this.d.dataRoot, 'containers', id, 'rootfs');
      if (st.Status === 'running' || st.Status === 'paused') {
        active.add(id);
        if (!alive(st.Pid)) v.push(`${name} is ${st.Status} but its PID ${st.Pid} is gone`);
        if (rt.get(id) !== st.Status) v.push(`${name} is ${st.Status} but the runtime says ${rt.get(id) ?? 'nothing'}`);
        if (!conmons.has(id)) v.push(`${name} is ${st.Status} but has no conmon`);
        if (berth && !mounts.includes(rootfs)) v.push(`${name} is ${st.Status} but its rootfs is not mounted`);
        if (!cgroups.has(id)) v.push(`${name} is ${st.Status} but has no cgroup`);
      }
      if (st.Status === 'exited' && (s.HostConfig as { AutoRemove?: boolean }).AutoRemove) v.push(`${name} exited but --rm did not remove it`);
    }
    for (const [id, status] of rt) if (!active.has(id) && !transitional.has(id)) v.push(`the runtime has ${id.slice(0, 12)} (${status}) that berthd does not run`);
    for (const [id, pid] of conmons) if (!active.has(id) && !transitional.has(id)) v.push(`conmon ${pid} for ${id.slice(0, 12)}, which berthd does not run: ${inspected.has(id) ? stateOf(inspected.get(id)!) : 'no such container'}`);
    for (const mp of berth ? mounts : []) {
      // The data root's own file system, and the exec root's tmpfs (host/run-tmpfs.ts).
      if (mp === this.d.dataRoot || mp === this.d.execRoot) continue;
      const m = /\/containers\/([0-9a-f]{64})\/rootfs$/.exec(mp);
      if (m && !active.has(m[1]!) && !transitional.has(m[1]!)) v.push(`rootfs of ${m[1]!.slice(0, 12)} mounted but it is not running`);
      if (!m && !mp.includes('/netns/')) v.push(`unexpected mount ${mp}`);
    }
    for (const [id, ctrls] of cgroups) if (!active.has(id) && !transitional.has(id)) v.push(`cgroup ${id.slice(0, 12)} (${ctrls.join(',')}) of a container that is not running`);
    // Networks: one veth per bridge endpoint of a running container; leases unique, rules only
    // for running containers' addresses.
    let endpoints = 0;
    const ips = new Map<string, string>();
    for (const id of active) {
      const s = inspected.get(id)!;
      for (const [netName, ep] of Object.entries((s.NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>)) {
        if (netName === 'host' || netName === 'none' || !ep.IPAddress) continue;
        endpoints++;
        const key = `${netName}/${ep.IPAddress}`;
        if (ips.has(key)) v.push(`address ${key} leased to both ${ips.get(key)} and ${s.Name}`);
        ips.set(key, s.Name as string);
      }
    }
    const veths = berth ? this.host.veths() : [];
    if (berth && veths.length !== endpoints && !transitional.size) v.push(`${veths.length} veths on the host for ${endpoints} endpoints of running containers`);
    const activeIps = new Set([...ips.keys()].map((k) => k.split('/')[1]));
    for (const rule of berth ? this.host.iptablesRules() : []) {
      // The embedded DNS's rules belong to a network, not a container: its bridge must exist.
      const dns = /-d 127\.0\.0\.11\/32 -i (\S+) .*--dport 53\b/.exec(rule);
      if (dns) {
        if (!existsSync(`/sys/class/net/${dns[1]}`)) v.push(`embedded DNS rule for a bridge that is gone: ${rule}`);
        continue;
      }
      for (const m of rule.matchAll(/(?:-d|-s|--to-destination) (\d+\.\d+\.\d+\.\d+)(?:\/32)?\b/g)) {
        if (/\/32/.test(rule) || rule.includes('--to-destination')) {
          if (!activeIps.has(m[1]!)) v.push(`iptables rule for ${m[1]} (no running container has it): ${rule}`);
        }
      }
    }
    // berthd's own holders (its netns pool, its ip session) are fine; a holder it no longer owns
    // (orphaned by a crash) keeps a namespace alive for nothing.
    for (const h of this.host.namespaceHolders()) if (h.ppid !== this.d.proc?.pid) v.push(`namespace holder process ${h.pid} left (parent ${h.ppid})`);
    // Restart policies (docker's): always and unless-stopped containers run unless a user
    // stopped them; after a daemon start, an always container runs even if a user stopped it.
    for (const b of this.boxes) {
      if (b.state !== 'acked' || !b.id || b.policyUnknown || !b.everStarted) continue;
      const s = inspected.get(b.id);
      if (!s) continue;
      const st = s.State as { Status: string; ExitCode: number; Restarting: boolean; Error: string };
      // Its network was removed while it was stopped: it cannot start, with docker neither.
      if (/network \S+ not found/.test(st.Error)) continue;
      // Within a moment of an exit a restart may still be on its way.
      const justExited = Date.now() - Date.parse((s.State as { FinishedAt: string }).FinishedAt) < 3000;
      const up = st.Status === 'running' || st.Status === 'paused' || st.Status === 'restarting' || st.Restarting || justExited;
      if ((b.policy === 'always' || b.policy === 'unless-stopped') && !b.userStopped && !up) v.push(`${b.name} (--restart ${b.policy}) is ${st.Status}: ${stateOf(s)}`);
      // (Only for a stop before the daemon's start: clients go on after a restart mid-phase.)
      const stoppedBeforeStart = (b.stoppedAt ?? 0) < this.daemonStartedAt;
      if (b.policy === 'always' && b.userStopped && afterRestart && stoppedBeforeStart && !up) v.push(`${b.name} (--restart always, stopped by the user) not restarted with the daemon, as docker does`);
      if (b.policy === 'unless-stopped' && b.userStopped && afterRestart && stoppedBeforeStart && up) v.push(`${b.name} (--restart unless-stopped, stopped by the user) was restarted with the daemon`);
      if (b.policy === 'on-failure' && (s.RestartCount as number) > b.maxRetry) v.push(`${b.name} (--restart on-failure:${b.maxRetry}) restarted ${s.RestartCount} times`);
      if (b.policy === 'on-failure' && !b.userStopped && st.Status === 'exited' && st.ExitCode !== 0 && (s.RestartCount as number) < b.maxRetry) {
        v.push(`${b.name} (--restart on-failure:${b.maxRetry}) exited ${st.ExitCode} after ${s.RestartCount} restarts and was not restarted`);
      }
    }
    // Volumes and networks the daemon acknowledged exist; removed ones are gone.
    const vols = await this.api.json<{ Volumes: Array<{ Name: string }> | null }>('GET', '/volumes');
    const volNames = new Set((vols.Volumes ?? []).map((x) => x.Name));
    for (const x of this.vols) {
      if (x.state === 'acked' && !volNames.has(x.name)) v.push(`acknowledged volume ${x.name} is gone`);
      if (x.state === 'removed' && volNames.has(x.name)) v.push(`removed volume ${x.name} still exists`);
    }
    for (const b of this.boxes) if (b.volume && b.state !== 'uncertain' && b.id && !volNames.has(b.volume)) v.push(`volume ${b.volume} of ${b.name} is gone`);
    const vdir = path.join(this.d.dataRoot, 'volumes');
    for (const name of existsSync(vdir) ? readdirSync(vdir) : []) {
      if (statSync(path.join(vdir, name)).isDirectory() && !volNames.has(name)) v.push(`volume directory ${name} on disk but not listed`);
    }
    const nets = await this.api.json<Array<{ Name: string }>>('GET', '/networks');
    const netNames = new Set(nets.map((n) => n.Name));
    for (const n of this.nets) {
      if (n.state === 'acked' && !netNames.has(n.name)) v.push(`acknowledged network ${n.name} is gone`);
      if (n.state === 'removed' && netNames.has(n.name)) v.push(`removed network ${n.name} still exists`);
    }
    return v;
  }

  /** IDs the last check's list answered. */
  private lastListed?: Set<string>;

  /** Checks until the world settles (exit commands, restart delays, the kernel's veth cleanup). */
  async checkInvariants(afterRestart: boolean, settleMs = 20_000): Promise<void> {
    this.checks++;
    const deadline = Date.now() + settleMs;
    let v: string[] = [];
    for (;;) {
      v = await this.checkOnce(afterRestart).catch((e) => [`check failed: ${(e as Error).message}`]);
      if (!v.length || Date.now() > deadline) break;
      await sleep(500);
    }
    for (const b of this.boxes) if (b.state === 'uncertain') b.state = b.id && (await this.inspect(b.id)) ? 'acked' : 'removed';
    // --rm containers that ran to their end are gone: out of the model, or the clients would
    // spend the campaign on them (the long run's load left thousands; its fault part then made
    // no new container, every "run" became an rm answered 404, and no writer was checked).
    for (const b of this.boxes) if (b.state === 'acked' && b.autoRemove && b.id && this.lastListed && !this.lastListed.has(b.id)) b.state = 'removed';
    for (const b of this.liveBoxes()) await this.checkWriterLines(b);
    for (const x of v) this.violation(x);
    // The daemon's start restarted always containers: they count as started now.
    if (afterRestart) for (const b of this.boxes) if (b.policy === 'always' && (b.stoppedAt ?? 0) < this.daemonStartedAt) b.userStopped = false;
    this.trace(`CHECK ${this.checks}: ${v.length} violations`);
  }

  // ---------------------------------------------------------------- load

  private async runLoad(): Promise<NonNullable<CampaignReport['load']>> {
    const o = this.o;
    this.loadMode = true;
    this.o.log(`chaos: load: creating ${o.loadContainers} containers`);
    const pool: Box[] = [];
    const creators = Array.from({ length: 8 }, async (_, k) => {
      for (let i = k; i < o.loadContainers; i += 8) {
        const box: Box = {
          name: `chl-${i}`, kind: 'sleeper', policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: 0, lines: 0, state: 'uncertain',
          userStopped: false, policyUnknown: false, interfered: true, exemptRuns: new Set(), checkedRuns: 0, everStarted: true,
        };
        const r = await this.call('load', 'create', 'POST', `/containers/create?name=${box.name}`, { Image: 'busybox', Cmd: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 5 & wait; done"] });
        if (r?.status !== 201) continue;
        box.id = (JSON.parse(r.text) as { Id: string }).Id;
        box.state = 'acked';
        this.boxes.push(box);
        pool.push(box);
        await this.call('load', 'start', 'POST', `/containers/${box.id}/start`);
      }
    });
    await Promise.all(creators);
    const pid = this.d.proc!.pid!;
    const start = { ...processFigures(pid), heap: await this.heapSample() };
    this.o.log(`chaos: load: ${pool.length} containers; ${o.loadClients} clients for ${o.loadDurationSec}s; berthd RSS ${start.rssKiB} KiB, ${start.fds} fds` + (start.heap ? `; ${formatHeap(start.heap)}` : ''));
    this.latencies = [];
    const windows: LatencyWindow[] = [];
    const all: number[] = [];
    const t0 = Date.now();
    const end = t0 + o.loadDurationSec * 1000;
    let opsAtStart = this.ops;
    let loadLines = 0;
    const sampler = setInterval(() => {
      const lat = [...this.latencies!].sort((a, b) => a - b);
      all.push(...lat);
      const f = processFigures(pid);
      const w: LatencyWindow = {
        atSec: Math.round((Date.now() - t0) / 1000), ops: lat.length, opsPerSec: +(lat.length / 30).toFixed(1),
        p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), rssKiB: f.rssKiB, fds: f.fds,
      };
      windows.push(w);
      this.latencies = [];
      void this.heapSample().then((heap) => {
        if (heap) w.heap = heap;
        this.o.log(`chaos: load +${w.atSec}s ${w.opsPerSec} ops/s p50 ${w.p50ms} ms p99 ${w.p99ms} ms RSS ${w.rssKiB} KiB fds ${w.fds}` + (heap ? `; ${formatHeap(heap)}` : ''));
      });
    }, 30_000);
    const loadClient = async (k: number) => {
      const rng = this.rng.fork();
      const c = `L${k}`;
      while (Date.now() < end) {
        const box = rng.pick(pool)!;
        const op = rng.weighted({ inspect: 5, list: 2, logs: 2, exec: 2, stopstart: 1, run: 1, ping: 2, writer: 0.5 });
        switch (op) {
          case 'inspect': await this.call(c, 'inspect', 'GET', `/containers/${box.id}/json`); break;
          case 'list': await this.call(c, 'list', 'GET', '/containers/json'); break;
          case 'logs': await this.call(c, 'logs', 'GET', `/containers/${box.id}/logs?stdout=1&tail=10`); break;
          case 'ping': await this.call(c, 'ping', 'GET', '/_ping'); break;
          case 'writer': loadLines += await this.loadWriter(c, rng); break;
          case 'exec': {
            const r = await this.call(c, 'exec-create', 'POST', `/containers/${box.id}/exec`, { Cmd: ['true'], AttachStdout: true });
            if (r?.status === 201) {
              const t = Date.now();
              await this.api.hijack(`/exec/${(JSON.parse(r.text) as { Id: string }).Id}/start`, { Detach: false }, 30_000).catch(() => undefined);
              this.latencies?.push(Date.now() - t);
              this.ops++;
            }
            break;
          }
          case 'stopstart':
            await this.call(c, 'stop', 'POST', `/containers/${box.id}/stop?t=1`);
            await this.call(c, 'start', 'POST', `/containers/${box.id}/start`);
            break;
          case 'run': {
            const name = `chm-${++this.seq}`;
            const r = await this.call(c, 'create', 'POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['echo', 'hi'], HostConfig: { AutoRemove: true } });
            if (r?.status === 201) {
              const id = (JSON.parse(r.text) as { Id: string }).Id;
              this.boxes.push({ name, id, kind: 'sleeper', policy: 'no', maxRetry: 0, autoRemove: true, anonVolume: false, code: 0, lines: 0, state: 'acked', userStopped: false, policyUnknown: false, interfered: true, exemptRuns: new Set(), checkedRuns: 0, everStarted: true });
              await this.call(c, 'start', 'POST', `/containers/${id}/start`);
            }
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: o.loadClients }, (_, k) => loadClient(k)));
    clearInterval(sampler);
    all.push(...this.latencies!);
    const ops = this.ops - opsAtStart;
    opsAtStart = this.ops;
    all.sort((a, b) => a - b);
    const endFig = { ...processFigures(pid), heap: await this.heapSample() };
    this.latencies = undefined;
    await this.checkInvariants(false);
    if (!loadLines) this.violation('load: no writer container\'s lines were checked');
    // The pool goes, so the fault part starts light.
    await Promise.all(Array.from({ length: 8 }, async (_, k) => {
      for (let i = k; i < pool.length; i += 8) {
        const r = await this.call('load', 'rm', 'DELETE', `/containers/${pool[i]!.id}?force=1`);
        if (r?.status === 204) pool[i]!.state = 'removed';
      }
    }));
    this.loadMode = false;
    return {
      clients: o.loadClients, containers: pool.length, operations: ops, opsPerSec: +(ops / o.loadDurationSec).toFixed(1),
      p50ms: percentile(all, 50), p99ms: percentile(all, 99), windows, start, end: endFig, linesChecked: loadLines,
    };
  }

  /** berthd's memory breakdown now (undefined against dockerd, or with no answer). */
  private async heapSample(): Promise<HeapBreakdown | undefined> {
    if (this.o.engine !== 'berthd') return undefined;
    try {
      const r = await this.api.call('GET', '/debug/vars', undefined, 10_000);
      return r.status === 200 ? heapBreakdown((JSON.parse(r.text) as { memstats: MemStats }).memstats) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * A writer run to its end under load (create, start, wait), its lines checked (volume against
   * logs) and exit code, then removed with its volume. Returns the lines checked.
   */
  private async loadWriter(c: string, rng: Prng): Promise<number> {
    const n = ++this.seq;
    const box: Box = {
      name: `chw-${n}`, kind: 'writer', policy: 'no', maxRetry: 0, autoRemove: false, anonVolume: false, code: rng.pick([0, 1, 42])!, lines: rng.range(10, 30),
      volume: `chv-${n}`, state: 'uncertain', userStopped: false, policyUnknown: false, interfered: false, exemptRuns: new Set(), checkedRuns: 0, everStarted: false,
    };
    this.boxes.push(box);
    const body = { Image: 'busybox', Cmd: ['sh', '-c', this.writerScript(box.lines, box.code)], Labels: { 'berth.chaos': '1' }, HostConfig: { Binds: [`${box.volume}:/v`] } };
    const r = await this.call(c, 'create', 'POST', `/containers/create?name=${box.name}`, body);
    if (!r) return 0;
    if (r.status !== 201) {
      box.state = 'removed';
      return 0;
    }
    box.id = (JSON.parse(r.text) as { Id: string }).Id;
    box.state = 'acked';
    await this.opStart(c, box);
    await this.call(c, 'wait', 'POST', `/containers/${box.id}/wait`, undefined, 120_000);
    const checked = await this.checkWriterLines(box);
    const rm = await this.call(c, 'rm', 'DELETE', `/containers/${box.id}?v=1`);
    if (rm?.status === 204) {
      box.state = 'removed';
      const vol = box.volume;
      box.volume = undefined;
      await this.call(c, 'volume-rm', 'DELETE', `/volumes/${vol}`);
    }
    return checked;
  }

  // ---------------------------------------------------------------- the campaign

  async run(): Promise<CampaignReport> {
    let load: CampaignReport['load'];
    let leaks: string[] = [];
    try {
      await this.setUp();
      if (this.o.loadClients > 0 && this.o.loadDurationSec > 0) load = await this.runLoad();
      for (let i = 0; i < 2; i++) await this.opNetwork('setup', this.rng, 'create');
      // Every fault kind once, in a seeded order, then random ones until time or ops run out.
      const order = [...this.o.faults].sort(() => this.rng.next() - 0.5);
      const end = Date.now() + this.o.durationSec * 1000;
      let n = 0;
      while ((n < order.length || Date.now() < end) && (!this.o.maxOps || this.ops < this.o.maxOps)) {
        const kind = n < order.length ? order[n]! : this.rng.pick(this.o.faults)!;
        n++;
        const phaseMs = this.rng.range(3000, 7000);
        const faultAt = this.rng.range(500, phaseMs - 500);
        this.stopClients = false;
        const clients = Array.from({ length: this.o.clients }, (_, k) => this.client(`c${k}`, this.rng.fork()));
        await sleep(faultAt);
        await this.inject(kind, this.rng).catch((e) => this.violation(`fault ${kind} could not be injected: ${(e as Error).stack ?? e}`));
        await sleep(Math.max(0, phaseMs - faultAt));
        this.stopClients = true;
        await Promise.all(clients);
        if (!this.daemonUp()) await this.restartDaemon();
        this.faultWindow = undefined;
        await this.checkInvariants(kind === 'daemon-kill' || kind === 'host-restart');
      }
      // The end: the daemon's clean stop and start keep everything; then nothing may be left.
      await this.d.stopDaemon();
      await this.restartDaemon();
      await this.checkInvariants(true);
      if (!this.linesChecked) this.violation('no writer container\'s lines were checked');
    } catch (e) {
      this.violation(`campaign aborted: ${(e as Error).stack ?? e}`);
    } finally {
      leaks = await this.tearDown().catch((e) => [`teardown failed: ${(e as Error).message}`]);
    }
    const report: CampaignReport = {
      seed: this.o.seed,
      engine: this.o.engine,
      skippedChecks: this.o.engine === 'dockerd' ? DOCKERD_SKIPPED_CHECKS : [],
      elapsedSec: Math.round((Date.now() - this.t0) / 1000),
      operations: this.ops,
      operationsByKind: this.byKind,
      faults: this.faults,
      invariantChecks: this.checks,
      violations: this.violations,
      leaks,
      linesChecked: this.linesChecked,
      linesLost: this.linesLost,
      linesDroppedUnderFault: this.linesDropped,
      faultMessages: [...new Set(this.faultMessages)],
      serverErrors: this.serverErrors,
      load,
      trace: this.traceFile,
    };
    if (report.violations.length || report.leaks.length) report.evidence = this.evidence(report.violations);
    if (report.violations.length || report.leaks.length) {
      this.o.log(`chaos: FAILED with seed ${this.o.seed}: ${report.violations.length} violations, ${report.leaks.length} leaks`);
      this.o.log(`chaos: reproduce with: node dist/test/chaos/campaign.js --seed ${this.o.seed} --duration ${this.o.durationSec}${this.o.engine === "dockerd" ? " --engine dockerd" : ""}`);
      this.o.log(`chaos: daemon's log: ${this.traceFile.replace(/\.trace$/, '.berthd.log')}`);
      this.o.log(`chaos: trace (${this.traceFile}), last lines:`);
      for (const l of readFileSync(this.traceFile, 'utf8').trim().split('\n').slice(-80)) this.o.log(`  ${l}`);
    }
    return report;
  }
}

/** A container's State (with its name and restart policy) as one line, for violation messages. */
function stateOf(s: Record<string, any>): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.stringify({ ...s.State, Name: s.Name, Restart: s.HostConfig?.RestartPolicy });
}

export function parseArgs(argv: string[]): Partial<CampaignOptions> & { report?: string } {
  const o: Partial<CampaignOptions> & { report?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--seed': o.seed = Number(val()); break;
      case '--duration': o.durationSec = Number(val()); break;
      case '--ops': o.maxOps = Number(val()); break;
      case '--clients': o.clients = Number(val()); break;
      case '--faults': {
        const kinds = val().split(',');
        for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`unknown fault ${k} (${FAULT_KINDS.join(', ')})`);
        o.faults = kinds as FaultKind[];
        break;
      }
      case '--load-clients': o.loadClients = Number(val()); break;
      case '--load-duration': o.loadDurationSec = Number(val()); break;
      case '--load-containers': o.loadContainers = Number(val()); break;
      case '--data-root-mib': o.dataRootMiB = Number(val()); break;
      case '--engine': {
        const e = val();
        if (e !== 'berthd' && e !== 'dockerd') throw new Error(`--engine is berthd or dockerd, not ${e}`);
        o.engine = e;
        break;
      }
      case '--report': o.report = val(); break;
      default: throw new Error(`unknown flag ${a}`);
    }
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  if (args.seed === undefined) args.seed = Date.now() % 1_000_000;
  const report = await new Campaign(args).run();
  const text = JSON.stringify(report, null, 2);
  if (args.report) writeFileSync(args.report, text);
  console.log(text);
  process.exit(report.violations.length || report.leaks.length ? 1 : 0);
}
