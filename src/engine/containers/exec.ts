// Exec sessions (`docker exec`): a process spec derived from the container's, run with
// `<runtime> exec`. An exec someone waits on without a terminal (`docker exec CTR cmd`,
// healthchecks) is crun run by berthd itself with pipes (host/runtime-exec.ts), started ahead of
// the exec's start to wait for its process (waiting-cruns.ts); one with a terminal, or detached
// (it outlives the request), runs under conmon and is attached like a container.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execWithConmon } from '../../host/conmon.js';
import { resizeTerminal } from '../../host/attach-socket.js';
import { runtimeExec, type ParkedRuntimeExec, type RuntimeExec, type RuntimeExecLaunch } from '../../host/runtime-exec.js';
import type { OciRuntime } from '../../host/oci-runtime.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { AttachSession, type AttachSink } from './attach.js';
import { buildExecProcess } from './oci-spec.js';
import type { OciProcess, OciSpec } from '../../protocol/oci-runtime-spec.js';
import type { RuntimeLayout } from './runtime-layout.js';
import type { ContainerService } from './service.js';
import { notRunning, refuseExecUnlessRunning } from './state.js';
import type { ContainerRecord } from './types.js';
import { UserLookups } from './user.js';
import { startKeyOf, WaitingCruns } from './waiting-cruns.js';
import { LimitedOutput } from './health.js';
import { removeFile, removeTree } from '../../host/remove-tree.js';

export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  /** [height, width] of the client's terminal (API 1.42+). */
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd?: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

export interface ExecRecord {
  ID: string;
  ContainerID: string;
  config: ExecConfig;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  /** Set once started, so a second start is refused as Docker does. */
  started: boolean;
  /** A resize that came before the process existed. */
  pendingSize?: [number, number];
  /** A healthcheck's (runProbe): no client's inspect comes before the next one. */
  probe?: boolean;
}

/** dockerd's container event attributes: image, name and the container's labels. */
function eventAttrs(rec: ContainerRecord): Record<string, string> {
  return { image: rec.Config.Image, name: rec.Name.slice(1), ...rec.Config.Labels };
}

const KEEP_FINISHED_MS = 5 * 60_000;
/** Finished execs kept inspectable at most (the oldest go first past it). */
const MAX_FINISHED = 1000;
/** Entries kept in the user cache before it starts over. */
const CACHE_LIMIT = 1000;
/** Container specs kept (least recently used go first). */
const SPEC_CACHE_LIMIT = 32;
/** How long the first stderr line may wait to be told apart from crun's own error (see startDirect). */
const HOLD_FIRST_STDERR_MS = 30;
/** What the API does with a started exec's stream: the client's input, its end, its detach. */
export interface ExecStream {
  input(data: Buffer): void;
  endInput(): void;
  close(): void;
}

export class ExecService {
  private execs = new Map<string, ExecRecord>();
  /** Finished execs still kept, oldest first. */
  private finished = new Set<string>();
  /** Execs run by berthd itself (no conmon), while they run. */
  private direct = new Map<string, RuntimeExec>();
  /** cruns started ahead of their exec's start (waiting-cruns.ts). */
  private readonly waiting: WaitingCruns;
  private execDirMade?: Promise<unknown>;
  private specs = new Map<string, { startKey: string; spec: OciSpec }>();
  private readonly users = new UserLookups(CACHE_LIMIT);

  constructor(
    private readonly containers: ContainerService,
    private readonly layout: RuntimeLayout,
    private readonly runtimeFor: (name: string) => OciRuntime,
    private readonly events: EventBus,
  ) {
    this.waiting = new WaitingCruns((rec) => {
      const rt = this.runtimeFor(rec.Runtime);
      return rt.name === 'crun' ? () => this.directLaunch(rec, rt) : undefined;
    });
    events.subscribe((ev) => {
      if (ev.Type === 'container' && ev.Action === 'destroy') this.forgetContainer(ev.Actor.ID);
    });
  }

  /**
   * How a direct exec's crun is started: from a read-only mount of itself (it skips copying itself
   * first, runner.runtimeLaunch), its anonymous files on the exec root's file system.
   */
  private async directLaunch(rec: ContainerRecord, rt: OciRuntime): Promise<Omit<RuntimeExecLaunch, 'stdin'>> {
    const tmpDir = this.layout.execsDir();
    this.execDirMade ??= fs.mkdir(tmpDir, { recursive: true });
    await this.execDirMade;
    const { path: runtimePath, env } = await this.containers.runner.runtimeLaunch(rec, rt);
    return { runtimePath, env, runtimeArgs: rt.globalArgs(), containerId: rec.Id, tmpDir };
  }

  /**
   * docker's 409 for an exec the runtime refused because its container ended or froze meanwhile
   * (an rm -f, its own exit, a pause that raced the start), or undefined for any other failure.
   * A PID 1 in the middle of its exit (waiting for the exec's half-made process, killed with the
   * namespace, to be reaped) counts as gone (host/pid.ts processLives).
   */
  private refusal(rec: ContainerRecord, runtimeMessage: string): ConflictError | undefined {
    if (!this.containers.stillRunning(rec)) return notRunning(rec.Id);
    if (/is paused/.test(runtimeMessage)) return new ConflictError(`Container ${rec.Id} is paused, unpause the container before exec`);
    return undefined;
  }

  create(containerRef: string, config: ExecConfig, probe = false): string {
    const rec = this.containers.get(containerRef);
    refuseExecUnlessRunning(rec);
    if (!config.Cmd || config.Cmd.length === 0) throw new InvalidArgumentError('No exec command specified');
    const id = randomBytes(32).toString('hex');
    // Go decodes JSON keys in any case: docker-py sends "detachKeys".
    const lower = config as ExecConfig & { detachKeys?: string };
    if (!config.DetachKeys && lower.detachKeys) config.DetachKeys = lower.detachKeys;
    this.execs.set(id, { ID: id, ContainerID: rec.Id, config, Running: false, ExitCode: null, Pid: 0, started: false, ...(probe ? { probe } : {}) });
    // Only what startDirect runs (no terminal, someone attached); a start that says otherwise
    // discards it.
    if (!config.Tty && (config.AttachStdout !== false || config.AttachStderr !== false || config.AttachStdin)) this.waiting.created(id, rec);
    this.events.publish('container', `exec_create: ${config.Cmd.join(' ')}`, rec.Id, { ...eventAttrs(rec), execID: id });
    return id;
  }

  /**
   * An inspect of a running container, for the docker CLI the first request of a `docker exec`:
   * a container exec'd into lately gets a spare crun for that exec (waiting-cruns.ts).
   */
  expectExec(rec: ContainerRecord): void {
    this.waiting.expectExec(rec);
  }

  /**
   * A finished exec stays inspectable for a while, as dockerd's (its GC drops them after 5 to 10
   * minutes). The timer is made here, not in start(): a closure made there would keep start()'s
   * whole scope (the attach session, the client's socket, the process spec) alive as long.
   */
  private forgetLater(id: string): void {
    this.finished.add(id);
    // Under a sustained rate of execs (a campaign's 16 a second) 5 minutes are thousands of
    // records: past the bound the oldest finished go first (still minutes at a human's pace).
    if (this.finished.size > MAX_FINISHED) {
      const oldest = this.finished.values().next().value as string;
      this.finished.delete(oldest);
      this.execs.delete(oldest);
    }
    setTimeout(() => {
      this.finished.delete(id);
      this.execs.delete(id);
    }, KEEP_FINISHED_MS).unref();
  }

  /** Exec records of a removed container go with it, started or not. */
  private forgetContainer(containerId: string): void {
    this.waiting.forgetContainer(containerId);
    for (const [id, e] of this.execs) {
      if (e.ContainerID !== containerId) continue;
      void this.waiting.end(id);
      this.execs.delete(id);
      this.finished.delete(id);
    }
  }

  /** How many exec records are held (finished ones included): for tests of their bounds. */
  get size(): number {
    return this.execs.size;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw new NotFoundError(`No such exec instance: ${id}`);
    return e;
  }

  /**
   * The exec, for a start request: as moby's check before it takes over the connection, a
   * container that is not running (paused, restarting, stopped) is the request's 409, not words
   * in a 200 stream that leave the exit code unset.
   */
  startable(id: string): ExecRecord {
    const e = this.get(id);
    refuseExecUnlessRunning(this.containers.get(e.ContainerID));
    return e;
  }

  /**
   * Runs the exec. With a sink, output is streamed to it and the sink is closed only after the
   * exit code is known (clients inspect the exec right after their stream ends).
   */
  async start(id: string, sink: AttachSink | undefined, tty?: boolean, consoleSize?: [number, number] | null): Promise<ExecStream | undefined> {
    const ex = this.get(id);
    if (ex.started) throw new ConflictError(`Error: Exec command ${id} has already run`);
    const rec = this.containers.get(ex.ContainerID);
    refuseExecUnlessRunning(rec);
    ex.started = true;
    const parked = this.waiting.take(id, rec);
    const c = ex.config;
    const useTty = tty ?? !!c.Tty;
    const bundle = this.layout.execBundle(id);
    let proc: OciProcess;
    try {
      const base = await this.containerSpec(rec);
      const rootfs = base.root.path;
      // As docker, at every exec; read again only when the files changed.
      const user = await this.users.resolve(rootfs, rootfs, c.User || rec.Config.User, rec.HostConfig.GroupAdd ?? []);
      proc = buildExecProcess(base, {
        args: c.Cmd!, env: c.Env ?? [], cwd: c.WorkingDir || rec.Config.WorkingDir || '/', tty: useTty, user, privileged: !!c.Privileged,
        consoleSize: ex.pendingSize ?? consoleSize ?? c.ConsoleSize,
      });
    } catch (e) {
      void parked.then((p) => p?.discard());
      // As moby (an unknown -u user): the message in the stream, 126 for the client's inspect.
      ex.ExitCode = 126;
      // The container went away meanwhile: an rm -f unmounted its rootfs under the user's
      // lookup, whose file then seemed to lie outside the root (a 400). Docker's 409.
      if (!this.containers.stillRunning(rec)) throw notRunning(rec.Id);
      throw e;
    }
    const rt = this.runtimeFor(rec.Runtime);
    if (sink && !useTty && rt.name === 'crun') return this.startDirect(ex, rec, rt, proc, sink, await parked);
    void parked.then((p) => p?.discard());
    await fs.mkdir(bundle, { recursive: true });
    const specPath = path.join(bundle, 'process.json');
    await fs.writeFile(specPath, JSON.stringify(proc));
    let exitKnown!: () => void;
    const exitRecorded = new Promise<void>((r) => (exitKnown = r));
    const session = sink
      ? new AttachSession(
          { stdin: !!c.AttachStdin, stdout: c.AttachStdout !== false, stderr: c.AttachStderr !== false },
          { output: (s, d) => sink.output(s, d), close: () => void exitRecorded.then(() => sink.close()) },
        )
      : undefined;
    await fs.mkdir(this.layout.execExitDir(), { recursive: true });
    try {
      const monitor = await this.containers.whileUnfrozen(rec, () => execWithConmon(
        {
          containerId: rec.Id,
          sessionId: id,
          name: rec.Name.slice(1),
          runtimePath: this.containers.runner.runtimePathFor(rec, rt, proc.user),
          runtimeArgs: rt.globalArgs(),
          bundle,
          pidFile: path.join(bundle, 'pid'),
          conmonPidFile: path.join(bundle, 'conmon.pid'),
          exitDir: this.layout.execExitDir(),
          persistDir: bundle,
          socketDir: this.layout.socketDir(),
          terminal: useTty,
          stdin: !!c.AttachStdin,
          leaveStdinOpen: false,
          execProcessSpec: specPath,
          execAttach: !!session,
        },
        session ? () => session.connect(bundle) : undefined,
      ));
      ex.Running = true;
      ex.Pid = monitor.pid;
      // A resize that arrived while the process was being made.
      if (useTty && ex.pendingSize) void resizeTerminal(bundle, ex.pendingSize[0], ex.pendingSize[1]).catch(() => undefined);
      this.events.publish('container', `exec_start: ${c.Cmd!.join(' ')}`, rec.Id, { ...eventAttrs(rec), execID: id });
      void monitor.exited.then(async (code) => {
        ex.Running = false;
        ex.ExitCode = code;
        exitKnown();
        this.events.publish('container', 'exec_die', rec.Id, { ...eventAttrs(rec), execID: id, exitCode: String(code) });
        await removeTree(bundle);
        await removeFile(path.join(this.layout.execExitDir(), id));
        this.forgetLater(id);
      });
    } catch (e) {
      const msg = (e as Error).message;
      ex.ExitCode = execFailureCode(msg, c.Cmd![0]!);
      exitKnown();
      session?.close();
      await removeTree(bundle);
      this.forgetLater(id);
      // docker's 409, not a 500 with the runtime's words about a state it no longer finds.
      throw this.refusal(rec, (e as Error).message ?? '') ?? e;
    }
    return session;
  }

  /**
   * The running container's OCI spec (written once per start; kept per start, so an exec reads
   * and parses no file: under load every file operation is a round trip through libuv's pool).
   */
  private async containerSpec(rec: ContainerRecord): Promise<OciSpec> {
    const startKey = startKeyOf(rec);
    const hit = this.specs.get(rec.Id);
    // Least recently used first in the map's order: a hit moves to the end.
    this.specs.delete(rec.Id);
    if (hit?.startKey === startKey) {
      this.specs.set(rec.Id, hit);
      return hit.spec;
    }
    const spec = JSON.parse(await fs.readFile(path.join(this.layout.bundle(rec.Id), 'config.json'), 'utf8')) as OciSpec;
    // A spec is ~20 KiB of heap: only the containers exec'd into most recently keep theirs.
    if (this.specs.size >= SPEC_CACHE_LIMIT) this.specs.delete(this.specs.keys().next().value as string);
    this.specs.set(rec.Id, { startKey, spec });
    return spec;
  }

  /** `crun exec` in the foreground with pipes (host/runtime-exec.ts). */
  private async startDirect(ex: ExecRecord, rec: ContainerRecord, rt: OciRuntime, proc: OciProcess, sink: AttachSink, parked: ParkedRuntimeExec | undefined): Promise<ExecStream> {
    const c = ex.config;
    const wants = { stdin: !!c.AttachStdin, stdout: c.AttachStdout !== false, stderr: c.AttachStderr !== false };
    const launch = await this.directLaunch(rec, rt);
    let run: RuntimeExec;
    try {
      // Not into a container frozen by a pause or by a cp (whileUnfrozen); a freeze that comes
      // now waits until crun is past its checks.
      run = await this.containers.launchUnfrozen(rec, () => {
        // The crun started ahead if it still waits (it ends by itself where the container was
        // not running or was paused when it looked).
        const ready = !!parked?.waiting();
        if (parked && !ready) void parked.discard();
        const r = ready ? parked!.run(proc, wants.stdin) : runtimeExec({ ...launch, process: proc, stdin: wants.stdin });
        return { value: r, launched: r.launched };
      });
    } catch (e) {
      void parked?.discard();
      // Paused or gone while it waited: docker's 409, and 126 for the client's inspect.
      ex.ExitCode = 126;
      this.forgetLater(ex.ID);
      throw e;
    }
    this.direct.set(ex.ID, run);
    // Which start of the container the process went into (a restart meanwhile makes another).
    const launchedInto = startKeyOf(rec);
    if (!ex.probe) this.waiting.execRan(rec.Id);
    ex.Running = true;
    this.events.publish('container', `exec_start: ${c.Cmd!.join(' ')}`, rec.Id, { ...eventAttrs(rec), execID: ex.ID });
    let detached = false;
    const out = (s: 1 | 2, d: Buffer) => {
      if (!detached && (s === 1 ? wants.stdout : wants.stderr)) sink.output(s, d);
    };
    // A command that cannot start (not found, not executable) makes crun's child write the error
    // to the process's stderr as well as to crun's log; the client gets docker's words for it
    // instead, once. So a first stderr write of whole lines that comes before any other output
    // waits a moment for the exit, with what stderr brings meanwhile (a process that writes a
    // line and goes on only sees it a little later).
    let first = true;
    let held: Buffer | undefined;
    let holdTimer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(holdTimer);
      const h = held;
      held = undefined;
      if (h) out(2, h);
    };
    let anyOutput = false;
    run.stdout.on('data', (d: Buffer) => {
      anyOutput = true;
      first = false;
      release();
      out(1, d);
    });
    run.stderr.on('data', (d: Buffer) => {
      anyOutput = true;
      // More of crun's words while the first line waits (its error can take two writes).
      if (held) {
        held = Buffer.concat([held, d]);
        return;
      }
      if (first && d[d.length - 1] === 10) {
        first = false;
        held = d;
        holdTimer = setTimeout(release, HOLD_FIRST_STDERR_MS);
        return;
      }
      first = false;
      release();
      out(2, d);
    });
    run.stdin?.on('error', () => undefined);
    const finish = (code: number) => {
      this.direct.delete(ex.ID);
      ex.Pid = run.pid();
      ex.Running = false;
      ex.ExitCode = code;
      this.events.publish('container', 'exec_die', rec.Id, { ...eventAttrs(rec), execID: ex.ID, exitCode: String(code) });
      sink.close();
      // Not a timer made here: its closure would keep this scope (the client's socket, the
      // runtime's process and pipes, the spec) for as long. 10.8 KB a `docker exec` for 5 min.
      this.forgetLater(ex.ID);
    };
    run.exited.then(
      (code) => {
        release();
        // crun 1.8 exits 255 and logs nothing when the process died before its execve (killed
        // with the container that a stop, kill or restart ended under it). Docker's words for
        // that, and 126, rather than a silent 255 that looks like the command's own.
        if (code === 255 && !anyOutput && (!this.containers.stillRunning(rec) || startKeyOf(rec) !== launchedInto)) {
          if (!detached) sink.output(1, Buffer.from(`${notRunning(rec.Id).message}\r\n`));
          return finish(126);
        }
        finish(code);
      },
      (e: Error) => {
        clearTimeout(holdTimer);
        held = undefined;
        // As moby: the failure in the stream, the exit code (127 not found, 126 otherwise) for
        // inspect. An end or a pause that crun saw before berthd did gets docker's words.
        if (!detached) sink.output(1, Buffer.from(`${(this.refusal(rec, e.message) ?? e).message}\r\n`));
        finish(execFailureCode(e.message, c.Cmd![0]!));
      },
    );
    return {
      input: (d) => {
        if (wants.stdin) run.stdin?.write(d);
      },
      endInput: () => {
        if (wants.stdin) run.stdin?.end();
      },
      // The client went (or detached): the process goes on, its output is dropped.
      close: () => {
        detached = true;
      },
    };
  }

  /**
   * Runs a healthcheck command as an exec (with its events, as dockerd's checks have): the exit
   * code and the first 4 KiB of output; past the timeout the process is killed and the result
   * is -1 with dockerd's message.
   */
  async runProbe(containerId: string, cmd: string[], timeoutNs: number): Promise<{ exitCode: number; output: string }> {
    const rec = this.containers.get(containerId);
    const id = this.create(rec.Id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, User: rec.Config.User, WorkingDir: rec.Config.WorkingDir }, true);
    const out = new LimitedOutput();
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    let timedOut = false;
    await this.start(id, { output: (_s, d) => out.push(d), close: () => ended() }, false);
    const timer = setTimeout(() => {
      timedOut = true;
      const run = this.direct.get(id);
      if (run) return run.kill();
      const pid = this.execs.get(id)?.Pid;
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, timeoutNs / 1e6);
    try {
      await done;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      const text = out.text();
      return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutNs)})${text ? `: ${text}` : ''}` };
    }
    return { exitCode: this.execs.get(id)?.ExitCode ?? -1, output: out.text() };
  }

  async resize(id: string, h: number, w: number): Promise<void> {
    const ex = this.get(id);
    // No terminal, nothing to size (only execs without one run without conmon).
    if (this.direct.has(id)) return;
    // A client resizes as soon as its stream is up, which can be before the process exists:
    // keep the size for the process spec then.
    if (!ex.Running) {
      if (!ex.started || !ex.Pid) ex.pendingSize = [h, w];
      return;
    }
    await resizeTerminal(this.layout.execBundle(id), h, w);
  }

  /** Daemon stop: waiting cruns and the runtime's read-only views go (the next start makes them again). */
  async close(): Promise<void> {
    await this.waiting.close();
    await this.containers.runner.closeRuntimeViews();
  }

  /** Docker's GET /exec/{id}/json shape. */
  inspect(id: string): Record<string, unknown> {
    const ex = this.get(id);
    const c = ex.config;
    return {
      ID: ex.ID,
      Running: ex.Running,
      ExitCode: ex.ExitCode,
      ProcessConfig: {
        tty: !!c.Tty,
        entrypoint: c.Cmd?.[0] ?? '',
        arguments: c.Cmd?.slice(1) ?? [],
        privileged: !!c.Privileged,
        user: c.User ?? '',
      },
      OpenStdin: !!c.AttachStdin,
      OpenStderr: c.AttachStderr !== false,
      OpenStdout: c.AttachStdout !== false,
      CanRemove: false,
      ContainerID: ex.ContainerID,
      DetachKeys: c.DetachKeys ?? '',
      Pid: ex.Pid || (this.direct.get(id)?.pid() ?? 0),
    };
  }

  forContainer(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.ContainerID === containerId && e.Running).map((e) => e.ID);
  }
}

/** What tells a file's versions apart without reading it; '?' when it is not a plain file (not cached then). */
/** Go's time.Duration String() for the durations a healthcheck has (e.g. 500ms, 30s, 1m30s). */
export function goDuration(ns: number): string {
  if (ns < 1e6) return `${ns / 1e3}µs`;
  if (ns < 1e9) return `${+(ns / 1e6).toFixed(6)}ms`;
  const totalS = ns / 1e9;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(9);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/**
 * The exit code of an exec whose process could not start, as moby's translateContainerdStartErr:
 * 127 when the command itself is not found, 126 for anything else (a working directory that does
 * not exist names no command: 126, where berth said 127).
 */
export function execFailureCode(message: string, command: string): number {
  if (/executable file not found/i.test(message)) return 127;
  return /no such file or directory/i.test(message) && message.includes(command) ? 127 : 126;
}
