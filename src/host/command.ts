// The one place berth runs host programs: argument arrays (never a shell string), a timeout,
// and stderr kept for the error message.
import { spawn } from 'node:child_process';
import { SystemError } from '../errors.js';
import { spawnProcess } from './spawn.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface CommandOptions {
  /** Milliseconds before the process is killed; default 60 s. */
  timeoutMs?: number;
  /** Data written to stdin, which is then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve with a non-zero code instead of throwing. */
  allowFailure?: boolean;
}

export function runCommand(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // Started off the event loop where the spawn addon is built (host/spawn.ts).
    const child = spawnProcess(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 60_000);
    child.on('exit', () => clearTimeout(timer));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(new SystemError(`${file}: ${e.message}`));
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal ? 128 : 1),
      };
      if (result.code !== 0 && !opts.allowFailure) {
        const why = result.stderr.trim() || result.stdout.trim() || `exit status ${result.code}${signal ? ` (${signal})` : ''}`;
        reject(new SystemError(`${file} ${args.join(' ')}: ${why}`));
        return;
      }
      resolve(result);
    });
  });
}

/** Starts a program whose stdout is streamed to the caller (tar for export, ps, …). */
export function spawnStreaming(file: string, args: readonly string[], opts: { cwd?: string } = {}) {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
  const err: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new SystemError(`${file}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SystemError(`${file}: ${Buffer.concat(err).toString().trim() || `exit status ${code}`}`));
    });
  });
  done.catch(() => undefined);
  return { stdin: child.stdin!, stdout: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}
