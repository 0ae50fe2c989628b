// iproute2, the netlink plumbing berth's bridge networks are made with (see README, networking).
// Host-side commands go through one long-lived `ip -force -batch -` process, so plugging a veth
// into a bridge costs a pipe write (~0.4 ms) instead of a process start (~3 ms). A new network
// namespace has its own long-lived ip process inside it (see netns.ts); commands inside the
// namespace of a running container run in a one-shot `ip -batch -` entered with nsenter.
import { SystemError } from '../errors.js';
import { runCommand } from './command.js';
import { spawnProcess, type HostProcess } from './spawn.js';

const IP = 'ip';

/**
 * A persistent `ip -force -batch -`. Each request's lines are followed by a marker command that
 * fails on purpose (`link show dev <marker>`); its error message, which ip writes to stderr in
 * order with the others, ends the request. Anything else on stderr before it is the request's
 * failure. -force keeps ip reading after a failed line.
 */
export class IpBatchSession {
  private child?: HostProcess;
  private exited = false;
  private everStarted = false;
  private line = 0;
  private seq = 0;
  private output = '';
  private queue: Promise<void> = Promise.resolve();
  private waiting?: { marker: string; markerLines: Set<number>; done(err?: Error): void };
  private readonly markerLines = new Set<number>();

  /**
   * `argv` runs ip in batch mode, possibly through a wrapper (unshare --net ip …); `owner` goes
   * into its environment as BERTH_OWNER, so a leak check can tell whose process it is.
   */
  constructor(
    private readonly owner = '',
    private readonly argv: readonly string[] = [IP, '-force', '-batch', '-'],
    /** Start the process again if it is gone (not for one that holds a namespace). */
    private readonly respawn = true,
  ) {}

  /** The ip process's PID (its network namespace is /proc/PID/ns/net). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process is still there to take commands. */
  get alive(): boolean {
    return !!this.child && !this.exited;
  }

  /** Runs ip commands in the process's network namespace; rejects with ip's error text. */
  run(lines: string[]): Promise<void> {
    if (!lines.length) return Promise.resolve();
    const p = this.queue.then(() => this.exec(lines));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private start(): HostProcess {
    this.everStarted = true;
    const child = spawnProcess(this.argv[0]!, this.argv.slice(1), {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: this.owner ? { ...process.env, BERTH_OWNER: this.owner } : process.env,
    });
    this.exited = false;
    this.line = 0;
    this.output = '';
    this.markerLines.clear();
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      this.output += s;
      this.check();
    });
    child.stdin!.on('error', () => undefined);
    child.on('error', () => undefined);
    child.on('close', () => {
      this.exited = true;
      if (this.child === child) this.child = undefined;
      this.waiting?.done(new SystemError(`ip -batch exited: ${this.output.trim()}`));
    });
    // Never keeps berthd alive on its own.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    this.child = child;
    return child;
  }

  private exec(lines: string[]): Promise<void> {
    if (!this.child && this.everStarted && !this.respawn) return Promise.reject(new SystemError('the ip process is gone'));
    const child = this.child ?? this.start();
    for (const l of lines) if (/[\n\r]/.test(l)) return Promise.reject(new SystemError(`bad ip command: ${JSON.stringify(l)}`));
    const marker = `.bq${++this.seq}`;
    this.line += lines.length + 1;
    this.markerLines.add(this.line);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        child.kill('SIGKILL');
        reject(new SystemError(`ip -batch: no answer to ${lines.join('; ')}`));
      }, 20_000);
      this.waiting = {
        marker,
        markerLines: this.markerLines,
        done: (err) => {
          clearTimeout(timer);
          this.waiting = undefined;
          if (err) reject(err);
          else resolve();
        },
      };
      child.stdin!.write(lines.join('\n') + `\nlink show dev ${marker}\n`);
      this.check();
    });
  }

  private check(): void {
    const w = this.waiting;
    if (!w) return;
    const end = `Device "${w.marker}" does not exist.\n`;
    const at = this.output.indexOf(end);
    if (at < 0) return;
    const before = this.output.slice(0, at);
    this.output = this.output.slice(at + end.length);
    const errors = before.split('\n').filter((l) => {
      if (!l.trim()) return false;
      const m = /^Command failed -:(\d+)$/.exec(l.trim());
      if (m && w.markerLines.delete(Number(m[1]))) return false;
      return true;
    });
    // A failed line is always followed by its "Command failed" line: only the text matters.
    const text = errors.filter((l) => !/^Command failed -:\d+$/.test(l.trim())).join('; ');
    w.done(errors.length ? new SystemError(text || errors.join('; ')) : undefined);
  }

  /** Ends the process (its stdin closes; ip exits once the commands sent are done). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

/** Runs ip commands inside the network namespace bound at `netnsPath`. */
export async function ipBatchInNetns(netnsPath: string, lines: string[]): Promise<void> {
  if (!lines.length) return;
  await runCommand('nsenter', [`--net=${netnsPath}`, IP, '-batch', '-'], { input: lines.join('\n') + '\n', timeoutMs: 20_000 });
}
