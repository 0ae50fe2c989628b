// conmon supervises one container (or one exec session): it double-forks away from berthd, runs
// `<runtime> create|exec`, holds the stdio pipes or the tty master, writes the k8s-file log,
// serves attach on a SOCK_SEQPACKET socket and writes the exit code to --exit-dir/<id>.
// Protocol as podman drives it (libpod/oci_conmon_linux.go): _OCI_SYNCPIPE carries
// {"data": pid} once the runtime created the process (or {"data": -1, "message": …}); with
// --exec-attach, _OCI_ATTACHPIPE says "attach socket ready" and _OCI_STARTPIPE lets it go on.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SystemError } from '../errors.js';
import { spawnProcess, type HostProcess } from './spawn.js';

export const CONMON_PATH = '/usr/bin/conmon';

export interface MonitorOptions {
  /** Container ID (the runtime's ID for it). */
  containerId: string;
  /** conmon's session ID: the container ID, or the exec ID for an exec session. */
  sessionId: string;
  name: string;
  runtimePath: string;
  runtimeArgs: string[];
  /** Extra environment for the runtime (conmon passes its own on; host/runtime-binary.ts). */
  runtimeEnv?: Record<string, string>;
  /** Bundle directory; the attach socket and ctl fifo are created in it (--full-attach). */
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  persistDir: string;
  socketDir: string;
  /** k8s-file log path, or undefined for no log (exec sessions). */
  logPath?: string;
  logSizeMax?: number;
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen: boolean;
  /** For exec sessions: path of the OCI process JSON. */
  execProcessSpec?: string;
  /** For exec sessions that someone attaches to: conmon waits until attached. */
  execAttach?: boolean;
  /** Run by conmon once the process exited and the exit file is written (argv). */
  exitCommand?: string[];
}

function conmonArgs(o: MonitorOptions): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.containerId,
    '-u', o.sessionId,
    '-n', o.name,
    '-r', o.runtimePath,
    '-b', o.bundle,
    '-p', o.pidFile,
    '-P', o.conmonPidFile,
    '--exit-dir', o.exitDir,
    '--persist-dir', o.persistDir,
    '--socket-dir-path', o.socketDir,
    '--full-attach',
    '--log-level', 'error',
    // The log file lives on berth's data root; berth fsyncs what it must itself.
    '--no-sync-log',
    '-l', o.logPath ? `k8s-file:${o.logPath}` : 'none',
  ];
  if (o.logSizeMax) args.push('--log-size-max', String(o.logSizeMax));
  for (const a of o.runtimeArgs) args.push('--runtime-arg', a);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.execProcessSpec) args.push('-e', '--exec-process-spec', o.execProcessSpec);
  if (o.execAttach) args.push('--exec-attach');
  if (o.exitCommand?.length) {
    args.push('--exit-command', o.exitCommand[0]!);
    for (const a of o.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }
  return args;
}

interface SyncMessage {
  data: number;
  message?: string;
}

/** Reads newline-delimited JSON messages from a conmon pipe. */
class SyncReader {
  private buf = '';
  private waiting: Array<(m: SyncMessage | undefined) => void> = [];
  private queue: Array<SyncMessage | undefined> = [];

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line) this.push(JSON.parse(line) as SyncMessage);
      }
    });
    const eof = () => this.push(undefined);
    stream.on('end', eof);
    stream.on('close', eof);
    stream.on('error', eof);
  }

  private push(m: SyncMessage | undefined) {
    const w = this.waiting.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  next(): Promise<SyncMessage | undefined> {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

export interface ContainerMonitor {
  /** PID of the container's process (in the host's PID namespace). */
  pid: number;
}

/** Starts conmon for `<runtime> create`; resolves once the container process exists (not yet started). */
export async function createWithConmon(o: MonitorOptions): Promise<ContainerMonitor> {
  // Started off the event loop where the spawn addon is built (host/spawn.ts).
  const child = spawnProcess(CONMON_PATH, conmonArgs(o), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.runtimeEnv, _OCI_SYNCPIPE: '3' },
    detached: true,
  });
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  const syncStream = child.stdio[3] as Readable & Writable;
  const sync = new SyncReader(syncStream);
  const spawnError = new Promise<never>((_, reject) => child.on('error', (e: Error) => reject(new SystemError(`conmon: ${e.message}`))));
  try {
    const msg = await Promise.race([sync.next(), spawnError]);
    if (!msg) throw await noResult(child, stderr, o.runtimePath, false);
    if (msg.data < 0) throw new SystemError(runtimeFailure(msg.message ?? 'unknown error'));
    return { pid: msg.data };
  } finally {
    syncStream.destroy();
    child.unref();
  }
}

export interface ExecMonitor {
  pid: number;
  /** Resolves with the exit code of the exec'd process (or -1 when the monitor is lost). */
  exited: Promise<number>;
}

/**
 * Starts conmon for `<runtime> exec`. When execAttach is set, `beforeStart` runs once the
 * attach socket exists (so the caller can connect before the process produces output).
 */
export async function execWithConmon(o: MonitorOptions, beforeStart?: () => Promise<void>): Promise<ExecMonitor> {
  const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe', 'pipe'];
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3' };
  if (o.execAttach) {
    stdio.push('pipe', 'pipe');
    env._OCI_STARTPIPE = '4';
    env._OCI_ATTACHPIPE = '5';
  }
  const child = spawn(CONMON_PATH, conmonArgs(o), { stdio, env, detached: true });
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  const sync = new SyncReader(child.stdio[3] as Readable);
  child.unref();
  const failed = () => noResult(child, stderr, o.runtimePath, true);
  if (o.execAttach) {
    const pipes = child.stdio as unknown as Array<Readable & Writable>;
    const startPipe = pipes[4]!;
    const attachReader = new SyncReader(pipes[5]!);
    // conmon blocks on the start pipe before forking; the first write lets it set up the
    // attach socket, the second (after we attached) lets the runtime exec.
    startPipe.write('0');
    const ready = await attachReader.next();
    if (!ready) throw await failed();
    if (beforeStart) await beforeStart();
    startPipe.end('0');
  }
  const first = await sync.next();
  if (!first) throw await failed();
  if (first.data < 0) throw new SystemError(runtimeFailure(first.message ?? 'unknown error', true));
  const exited = sync.next().then((m) => (m ? m.data : -1));
  return { pid: first.data, exited };
}

/** How long a conmon that closed its sync pipe without a result gets to exit, to say how it ended. */
const NO_RESULT_EXIT_WAIT_MS = 2000;

/**
 * The error for a conmon that closed its sync pipe with no result. What it printed, if anything;
 * else how it ended. conmon exits 0 and prints nothing when the runtime it ran was killed before
 * it reported (tried: a runtime killed by SIGKILL), so that case names the runtime, not conmon.
 */
async function noResult(child: HostProcess, stderr: Buffer[], runtimePath: string, exec: boolean): Promise<SystemError> {
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const t = setTimeout(() => resolve(undefined), NO_RESULT_EXIT_WAIT_MS);
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
  const said = Buffer.concat(stderr).toString().trim();
  if (said) return new SystemError(`conmon: ${said}`);
  if (ended?.signal) return new SystemError(`conmon was killed by ${ended.signal} before the container's process was made`);
  if (ended && ended.code !== 0) return new SystemError(`conmon exited with status ${ended.code} before the container's process was made`);
  const runtime = runtimePath.split('/').pop();
  return new SystemError(runtimeFailure(`${runtime} ended without reporting a result (it was killed or died)`, exec));
}

/** Words docker users (and the docker CLI's exit-code logic) recognise. */
export function runtimeFailure(message: string, exec = false): string {
  const text = message.trim().replace(/\s+/g, ' ');
  const notFound = /executable file `?([^`\s]*)`? not found/.exec(text) ?? /exec[^:]*: "?([^":]+)"?: No such file or directory/.exec(text);
  const prefix = exec ? 'OCI runtime exec failed' : 'OCI runtime create failed';
  if (notFound) {
    return `${prefix}: unable to start container process: exec: "${notFound[1]}": executable file not found in $PATH: unknown`;
  }
  // crun's word for a directory given as the command (runc's "is a directory"): dockerd and the
  // docker CLI read "permission denied" as "cannot be invoked", exit status 126.
  if (/open executable: Operation not permitted/.test(text)) {
    return `${prefix}: unable to start container process: ${text}: permission denied: unknown`;
  }
  if (/permission denied/i.test(text)) {
    return `${prefix}: unable to start container process: ${text.replace(/Permission denied/, 'permission denied')}: unknown`;
  }
  return `${prefix}: ${text}: unknown`;
}
