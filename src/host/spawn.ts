// Starting host programs without stopping berthd's event loop. Node's child_process (libuv 1.46)
// forks berthd on the main thread and waits there until the child has exec'd; the fork copies
// the page tables of all of berthd's memory, and on a loaded machine the child waits its turn
// for a CPU while the loop waits for it. A CPU profile of 100 `docker run -d` from 10 clients
// had a third of the main thread in spawn (3 programs per start: conmon, `crun start`, the
// namespace holder), 10–80 ms each at load 10–30. Where the Node-API addon
// native/spawn-addon.c is built (scripts/setup-host.sh), programs start with posix_spawn(3)
// (vfork: no page tables copied) on libuv's thread pool, and exits are collected on SIGCHLD;
// else, and with BERTH_NO_NATIVE_SPAWN=1, child_process.spawn as before.
//
// spawnProcess() returns the part of ChildProcess berthd uses (pid once started, stdio sockets,
// kill, and the 'spawn', 'error', 'exit' and 'close' events), so callers work with either.
import { spawn as nodeSpawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import * as net from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { loadAddon } from './native-addon.js';

export type StdioKind = 'ignore' | 'pipe';

export interface SpawnOptions {
  /** One entry per descriptor of the child, from 0 (default: ignore, pipe, pipe). */
  stdio?: StdioKind[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its own session (setsid), as child_process's `detached`. */
  detached?: boolean;
}

/** What berthd uses of a child process; a ChildProcess is one. */
export interface HostProcess extends EventEmitter {
  readonly pid?: number;
  /** Set once it exited (null before, or when it was killed). */
  readonly exitCode: number | null;
  /** The signal that ended it (null before, or when it exited). */
  readonly signalCode: NodeJS.Signals | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: ReadonlyArray<Readable | Writable | null | undefined>;
  kill(signal?: NodeJS.Signals | number): boolean;
  unref(): void;
}

interface SpawnAddon {
  spawn(file: string, argv: string[], envp: string[], fds: number[], cwd: string | null, setsid: boolean): Promise<number>;
  socketpair(): [number, number];
  /** [read end, write end] (absent from an addon built before it). */
  pipe?(): [number, number];
  tryWait(pid: number): [number, number] | null;
}

let addon: SpawnAddon | null | undefined;

/** The addon, loaded once; undefined when it is not built (or BERTH_NO_NATIVE_SPAWN is set): child_process then. */
function nativeSpawn(): SpawnAddon | undefined {
  if (addon === undefined) addon = loadAddon<SpawnAddon>('spawn', 'BERTH_NO_NATIVE_SPAWN') ?? null;
  return addon ?? undefined;
}

/** Whether programs start through the addon (for tests and the bench's record). */
export function nativeSpawnAvailable(): boolean {
  return !!nativeSpawn();
}

export function spawnProcess(file: string, args: readonly string[], opts: SpawnOptions = {}): HostProcess {
  const a = nativeSpawn();
  const stdio = opts.stdio ?? ['ignore', 'pipe', 'pipe'];
  if (!a) return nodeSpawn(file, args, { stdio, env: opts.env ?? process.env, cwd: opts.cwd, detached: opts.detached });
  return new SpawnedProcess(a, file, args, { ...opts, stdio });
}

/**
 * A pipe's [read end, write end] in berthd (close-on-exec), or undefined without the addon. A
 * child opens an end by name as /proc/<berthd>/fd/N, which a socket refuses (ENXIO).
 */
export function hostPipe(): [number, number] | undefined {
  return nativeSpawn()?.pipe?.();
}

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** Children started through the addon that have not been collected yet, by PID. */
const live = new Map<number, SpawnedProcess>();
let onSigchld: (() => void) | undefined;
/**
 * While children run: a look every second in case a SIGCHLD was missed, and (as child_process's
 * process handles) what keeps the event loop alive for children not unref'd.
 */
let poll: NodeJS.Timeout | undefined;

/** Collects the exits of our children (libuv's own are waited for by PID, so never taken here). */
function reap(): void {
  for (const [pid, child] of live) {
    const st = addon?.tryWait(pid);
    if (!st) continue;
    live.delete(pid);
    child.exited(st[0], st[1]);
  }
  refPoll();
}

function refPoll(): void {
  if (!live.size) {
    clearInterval(poll);
    poll = undefined;
    return;
  }
  poll ??= setInterval(reap, 1000);
  if ([...live.values()].some((c) => c.referenced)) poll.ref();
  else poll.unref();
}

function watchChild(pid: number, child: SpawnedProcess): void {
  live.set(pid, child);
  if (!onSigchld) {
    onSigchld = reap;
    // Node's signal handles do not keep the process alive.
    process.on('SIGCHLD', onSigchld);
  }
  // It may have ended before it was in the map (its SIGCHLD then found nothing to collect).
  reap();
}

class SpawnedProcess extends EventEmitter implements HostProcess {
  pid?: number;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdio: Array<net.Socket | null>;
  private openStreams = 0;
  private hasExited = false;
  private pendingSignal?: NodeJS.Signals | number;

  constructor(a: SpawnAddon, private readonly file: string, args: readonly string[], opts: SpawnOptions & { stdio: StdioKind[] }) {
    super();
    const childFds: number[] = [];
    this.stdio = opts.stdio.map((kind, i) => {
      if (kind !== 'pipe') {
        childFds.push(-1);
        return null;
      }
      // The child's stdout and stderr are pipes, as child_process's sockets were not: a program
      // may open them again by name (`echo x > /dev/stdout`, `tee /dev/stderr`), which a socket
      // refuses with ENXIO (docker's exec and run give pipes too). Its stdin, which berthd ends
      // with a shutdown, and any further descriptor stay sockets.
      const [mine, theirs] = (i === 1 || i === 2) && a.pipe ? a.pipe() : a.socketpair();
      childFds.push(theirs);
      // What the child writes is delivered from 'spawn' on, as child_process (whose PID is known
      // at once) never does before: a caller may act on output as if the PID were there.
      const s = new net.Socket({ fd: mine, readable: i !== 0, writable: i === 0 || i > 2, pauseOnCreate: i !== 0 } as net.SocketConstructorOpts);
      // As child_process: 'close' waits for the streams the child writes to, not for its stdin.
      if (i !== 0) {
        this.openStreams++;
        s.on('close', () => {
          this.openStreams--;
          this.maybeClose();
        });
      }
      return s;
    });
    const env = Object.entries(opts.env ?? process.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    const closeTheirs = () => {
      for (const fd of childFds) if (fd >= 0) closeSync(fd);
    };
    a.spawn(file, [file, ...args], env, childFds, opts.cwd ?? null, !!opts.detached).then(
      (pid) => {
        closeTheirs();
        this.pid = pid;
        this.emit('spawn');
        this.stdio.forEach((s, i) => {
          if (!s || i === 0 || s.destroyed) return;
          if (s.listenerCount('data')) s.resume();
          else {
            // Nobody reads yet: buffer, and flow once someone listens (a socket's usual start).
            (s as { readableFlowing: boolean | null }).readableFlowing = null;
            s.read(0);
          }
        });
        if (this.pendingSignal !== undefined) this.kill(this.pendingSignal);
        watchChild(pid, this);
      },
      (e: NodeJS.ErrnoException) => {
        closeTheirs();
        // As child_process: 'error' ("spawn crun ENOENT"), no 'exit', then 'close'.
        const err = Object.assign(new Error(`spawn ${file} ${e.code ?? 'EUNKNOWN'}`), { code: e.code, errno: e.errno, syscall: `spawn ${file}`, path: file, spawnargs: [...args] });
        this.hasExited = true;
        this.exitCode = typeof e.errno === 'number' ? e.errno : -1;
        this.emit('error', err);
        for (const s of this.stdio) s?.destroy();
        this.maybeClose();
      },
    );
  }

  get stdin(): net.Socket | null {
    return this.stdio[0] ?? null;
  }

  get stdout(): net.Socket | null {
    return this.stdio[1] ?? null;
  }

  get stderr(): net.Socket | null {
    return this.stdio[2] ?? null;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.hasExited) return false;
    if (this.pid === undefined) {
      this.pendingSignal = signal;
      return true;
    }
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether it keeps the event loop alive while it runs (until unref). */
  referenced = true;

  unref(): void {
    this.referenced = false;
    for (const s of this.stdio) s?.unref();
    if (this.pid !== undefined && live.has(this.pid)) refPoll();
  }

  /** Called by the reaper: code -1 is an exit whose status could not be read. */
  exited(code: number, signal: number): void {
    this.hasExited = true;
    this.exitCode = code >= 0 && !signal ? code : null;
    this.signalCode = signal ? signalNames.get(signal) ?? null : null;
    // Nobody reads what would still be written to it (child_process does the same).
    this.stdin?.destroy();
    this.emit('exit', this.exitCode, this.signalCode);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.hasExited && this.openStreams === 0) {
      this.openStreams = -1;
      this.emit('close', this.exitCode, this.signalCode);
    }
  }

  override toString(): string {
    return `[berth-spawn ${this.file} ${this.pid ?? '-'}]`;
  }
}
