// `crun exec` run by berthd itself, in the foreground, with pipes for the process's stdio: for an
// exec that someone waits on without a terminal (`docker exec CTR cmd`, healthchecks). No
// conmon, no attach socket, no exit file: crun waits for the process and exits with its code
// (128+signal when killed), so one fork+exec of crun is the whole cost (conmon's double fork,
// its start/attach pipes, the SOCK_SEQPACKET attach and crun's own --detach fork cost ~2× that).
// Execs that must outlive the client (`exec -d`) or need a terminal still go through conmon.
// The files crun reads and writes (the process JSON, its pid file, its log) are anonymous
// (O_TMPFILE) and named to it as /proc/<berthd>/fd/N: nothing to create, unlink or leave behind
// after a crash, and no metadata writes on the path a client waits on (on an ext4 exec root a
// named file costs 0.2–4 ms to create and remove under load, an anonymous one ~0.03 ms).
// crun can be started before the exec's process is known (parkRuntimeExec, at the exec's create):
// it then reads the process from a pipe once the start hands it over.
// crun starts through host/spawn.ts (vfork on the pool): child_process's fork copied the page
// tables of berthd's heap on the event loop at every exec, more with more containers.
import { closeSync, constants as fsc, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { SystemError } from '../errors.js';
import type { OciProcess } from '../protocol/oci-runtime-spec.js';
import { runtimeFailure } from './conmon.js';
import { hostPipe, spawnProcess, type HostProcess } from './spawn.js';

export interface RuntimeExecOptions {
  runtimePath: string;
  runtimeArgs: string[];
  containerId: string;
  /** The OCI process (`--process`). */
  process: OciProcess;
  /** A directory for the anonymous files (on the exec root's file system). */
  tmpDir: string;
  stdin: boolean;
  /** Extra environment for the runtime (host/runtime-binary.ts's CLONED_BINARY_ENV). */
  env?: Record<string, string>;
}

/** Everything of an exec's options but its process (known only at its start). */
export type RuntimeExecLaunch = Omit<RuntimeExecOptions, 'process'>;

export interface RuntimeExec {
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
  /**
   * The process's exit code once it exited and its output was read; rejects with docker's
   * words when the runtime could not start it (not found, permission denied).
   */
  exited: Promise<number>;
  /** The process's PID on the host (0 until crun wrote it). */
  pid(): number;
  /**
   * Resolves once the process exists (crun wrote its PID, past its checks of the container) or
   * crun ended: until then a freeze of the container would make crun refuse it.
   */
  launched: Promise<void>;
  /** SIGKILL to the process (or to crun, before the process exists). */
  kill(): void;
}

/** After the process exited, how long its output may still take (a background child can hold the pipes). */
const DRAIN_MS = 250;
/** How long a kill waits for crun's pid file before it kills crun instead. */
const KILL_WAIT_MS = 5000;

const O_TMPFILE = 0o20000000;

/** An open file with no name in dir (or, where O_TMPFILE is not supported, one unlinked at once). */
function anonymousFile(dir: string, content?: string): number {
  let fd: number;
  try {
    fd = openSync(dir, O_TMPFILE | fsc.O_DIRECTORY | fsc.O_RDWR, 0o600);
  } catch {
    const name = `${dir}/.exec-${process.pid}-${Math.random().toString(36).slice(2)}`;
    fd = openSync(name, fsc.O_CREAT | fsc.O_EXCL | fsc.O_RDWR, 0o600);
    unlinkSync(name);
  }
  if (content) writeSync(fd, content);
  return fd;
}

function readAll(fd: number, max = 64 * 1024): string {
  const buf = Buffer.alloc(max);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString('utf8');
}

/**
 * The line of crun's log that says what failed: its last, unless that is the "fail startup" its
 * parent adds after a child's own error (``setns `mnt`: Bad file descriptor``).
 */
export function tellingLine(log: string): string {
  const lines = log.split('\n').filter((l) => l.trim());
  return lines.filter((l) => l.trim() !== 'fail startup').pop() ?? lines.pop() ?? '';
}

/** How often `launched` looks at crun's pid file (a launch takes a few ms). */
const LAUNCH_POLL_MS = 1;

/** An exec's crun, started: the process, and its pid file, log and process files (closed with it). */
interface StartedExec {
  child: HostProcess;
  fds: { spec: number; pid: number; log: number };
  closed(): boolean;
  closeFiles(): void;
}

/** crun started on the container with its process read from spec (a file's or a pipe's read end). */
function startExec(o: RuntimeExecLaunch, spec: number): StartedExec {
  const fds = { spec, pid: anonymousFile(o.tmpDir), log: anonymousFile(o.tmpDir) };
  const via = (fd: number) => `/proc/${process.pid}/fd/${fd}`;
  let closed = false;
  const closeFiles = () => {
    if (closed) return;
    closed = true;
    for (const fd of Object.values(fds)) closeSync(fd);
  };
  let child: HostProcess;
  try {
    child = spawnProcess(o.runtimePath, [...o.runtimeArgs, `--log=${via(fds.log)}`, 'exec', '--process', via(fds.spec), '--pid-file', via(fds.pid), o.containerId], {
      // Never 'ignore' (the host's /dev/null): crun hands its stdin to the process's user
      // (host/stdin-guard.ts). A pipe ended at once reads the same EOF.
      stdio: ['pipe', 'pipe', 'pipe'],
      env: o.env ? { ...process.env, ...o.env } : process.env,
    });
  } catch (e) {
    closeFiles();
    throw e;
  }
  // EPIPE on a stdin the process never reads is of no interest.
  child.stdin!.on('error', () => undefined);
  if (!o.stdin) child.stdin!.end();
  return { child, fds, closed: () => closed, closeFiles };
}

export function runtimeExec(o: RuntimeExecOptions): RuntimeExec {
  return execOf(o, startExec(o, anonymousFile(o.tmpDir, JSON.stringify(o.process))));
}

/**
 * A `crun exec` started before its process is known, at the exec's create: crun loads its ten
 * libraries, the container's state, config and seccomp filter, checks that the container runs
 * and is not paused, and then blocks reading the process JSON from a pipe (crun 1.8 reads
 * `--process` only after all that). The start hands the process over, and crun's first ~1.5 ms
 * have passed while the client was between its two requests. Until then crun has made nothing:
 * a discarded one ends with nothing to undo.
 */
export interface ParkedRuntimeExec {
  /** Whether crun still waits for its process (it ends by itself on a container it cannot exec into). */
  waiting(): boolean;
  /**
   * Hands crun the process, in the same tick as waiting() said so: the exec runs from here. Its
   * stdin stays open only when the exec takes the client's (`stdin`).
   */
  run(process: OciProcess, stdin: boolean): RuntimeExec;
  /** Ends a crun that was not handed its process; resolves once it is gone. */
  discard(): Promise<void>;
}

/**
 * What a pipe takes without blocking on any Linux (PIPE_BUF). A larger process (a long
 * environment) is written to a file for a crun started then, as without parking: a write to the
 * pipe past its room would wait on the event loop for crun to read.
 */
const PARKED_PROCESS_MAX = 4096;

/** undefined where berthd cannot make a pipe (no native addon): execs start as before then. */
export function parkRuntimeExec(launch: Omit<RuntimeExecLaunch, 'stdin'>): ParkedRuntimeExec | undefined {
  const pipe = hostPipe();
  if (!pipe) return undefined;
  const [readEnd, writeEnd] = pipe;
  let started: StartedExec;
  try {
    // Its stdin open until the exec it runs says whether it takes the client's.
    started = startExec({ ...launch, stdin: true }, readEnd);
  } catch (e) {
    closeSync(readEnd);
    closeSync(writeEnd);
    throw e;
  }
  const { child } = started;
  let writeOpen = true;
  const closeWrite = () => {
    if (!writeOpen) return;
    writeOpen = false;
    closeSync(writeEnd);
  };
  let handed = false;
  let gone: Promise<void> | undefined;
  const discard = (): Promise<void> => {
    if (gone) return gone;
    if (handed) return Promise.resolve();
    handed = true;
    // Its end of file makes crun stop on an empty process; the kill only makes it sooner.
    closeWrite();
    child.kill('SIGKILL');
    // Gone before the daemon's stop unmounts the exec root its binary runs from.
    gone = child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.once('error', () => resolve())));
    return gone.then(started.closeFiles);
  };
  return {
    waiting: () => !handed && child.exitCode === null && child.signalCode === null,
    run(proc, stdin) {
      const o = { ...launch, stdin };
      const json = Buffer.from(JSON.stringify(proc));
      if (json.length > PARKED_PROCESS_MAX) {
        void discard();
        return runtimeExec({ ...o, process: proc });
      }
      handed = true;
      if (!stdin) child.stdin!.end();
      writeSync(writeEnd, json);
      closeWrite();
      return execOf(o, started);
    },
    discard,
  };
}

/** The exec of a started crun: its launch, exit, output and kill. */
function execOf(o: RuntimeExecLaunch, started: StartedExec): RuntimeExec {
  const { child, fds, closeFiles } = started;
  let pid = 0;
  const readPid = (): number => {
    if (!pid && !started.closed()) pid = Number(readAll(fds.pid, 32).trim()) || 0;
    return pid;
  };
  const launched = new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(poll);
      resolve();
    };
    const poll = setInterval(() => {
      if (readPid()) done();
    }, LAUNCH_POLL_MS);
    child.once('exit', done);
    child.once('error', done);
  });
  const streamsEnded = Promise.all(
    [child.stdout!, child.stderr!].map((s) => new Promise<void>((r) => (s.once('end', r), s.once('close', r), s.once('error', () => r())))),
  );
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (e: Error) => {
      closeFiles();
      reject(new SystemError(`${o.runtimePath}: ${e.message}`));
    });
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      void (async () => {
        const drained = await Promise.race([streamsEnded.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), DRAIN_MS).unref())]);
        if (!drained) {
          child.stdout!.destroy();
          child.stderr!.destroy();
        }
        const status = code ?? (signal ? 128 + (constants.signals[signal] ?? 9) : -1);
        readPid();
        // crun failed itself when it logged an error: 1 before the process exists (the container
        // paused or gone under it: "the container … is paused", "setns `mnt`: Bad file
        // descriptor"), 255 when the process could not start. A process's own non-zero exit
        // leaves the log empty.
        const log = status !== 0 ? readAll(fds.log).trim() : '';
        closeFiles();
        if (log) return reject(new SystemError(runtimeFailure(tellingLine(log), true)));
        resolve(status);
      })();
    });
  });
  let killWanted = false;
  const killProcess = (): boolean => {
    const p = readPid();
    if (!p) return false;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
    return true;
  };
  return {
    stdin: o.stdin ? child.stdin! : undefined,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited,
    pid: readPid,
    launched,
    kill() {
      if (killWanted) return;
      killWanted = true;
      if (killProcess()) return;
      // crun writes the pid file once the process exists: wait for it (`launched`) rather than
      // kill crun, which leaves a process it already started running in the container (a
      // healthcheck's `sleep 30` past its timeout, under load). crun itself only if the file
      // never comes.
      const waited = new Promise<void>((r) => setTimeout(r, KILL_WAIT_MS).unref());
      void Promise.race([launched, waited]).then(() => {
        if (!started.closed() && !killProcess()) child.kill('SIGKILL');
      });
    },
  };
}
