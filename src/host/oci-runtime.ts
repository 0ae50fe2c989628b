// The OCI runtime CLI (crun by default, runc selectable): the lifecycle verbs after create,
// which conmon runs itself. Each runtime keeps its state under berth's own --root so test
// daemons and other engines never see each other's containers.
import { closeSync, constants as fsc, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { runCommand } from './command.js';
import type { RuntimeLaunch } from './runtime-binary.js';
import { SystemError } from '../errors.js';

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
}

export class OciRuntime {
  /** Kill processes in flight, by container ID (killsSettled). */
  private readonly kills = new Map<string, Set<Promise<unknown>>>();

  constructor(
    readonly name: string,
    readonly path: string,
    /** The runtime's state directory (its global --root flag). */
    readonly root: string,
  ) {}

  /** Global flags every invocation carries; conmon gets them as --runtime-arg. */
  globalArgs(): string[] {
    return [`--root=${this.root}`];
  }

  private run(args: string[], timeoutMs = 30_000, launch?: RuntimeLaunch) {
    return runCommand(launch?.path ?? this.path, [...this.globalArgs(), ...args], { timeoutMs, env: launch?.env ? { ...process.env, ...launch.env } : undefined });
  }

  /** `launch`: how to run the binary (a read-only view of it, host/runtime-binary.ts). */
  async start(id: string, launch?: RuntimeLaunch): Promise<void> {
    if (this.name === 'crun' && this.releaseCrunInit(id)) return;
    await this.run(['start', id], 30_000, launch);
  }

  /**
   * What `crun start` does, without a process: the container's init, made by `crun create`,
   * waits reading the FIFO <root>/<id>/exec.fifo; `crun start` opens it for writing, unlinks it
   * (crun's state then says "running") and writes one byte (libcrun_status_write_exec_fifo, the
   * same in crun 0.x to 1.2x), then runs poststart hooks, which berth's specs never have. Done
   * here it saves a fork of berthd and a crun process (~5 ms quiet, far more under load). Sync
   * calls: the open cannot block (O_NONBLOCK: no reader is ENXIO), and a pipe takes one byte.
   * Returns false when there is no FIFO (a crun that works otherwise): then crun start runs.
   */
  private releaseCrunInit(id: string): boolean {
    const fifo = `${this.root}/${id}/exec.fifo`;
    let fd: number;
    try {
      fd = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENXIO') throw new SystemError(`${this.name} start ${id}: container \`${id}\` is not running`);
      return false;
    }
    try {
      unlinkSync(fifo);
      writeSync(fd, Buffer.alloc(1));
    } catch (e) {
      throw new SystemError(`${this.name} start ${id}: ${(e as Error).message}`);
    } finally {
      closeSync(fd);
    }
    return true;
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.tracked(id, this.run(['kill', ...(all ? ['--all'] : []), id, signal]));
  }

  /**
   * The signal to every process of the container (`kill --all`), or to its init alone when that
   * fails (a runtime without --all). One operation for killsSettled: the retry is in it.
   */
  async killAll(id: string, signal: string): Promise<void> {
    await this.tracked(id, this.run(['kill', '--all', id, signal]).catch(() => this.run(['kill', id, signal])));
  }

  /**
   * Resolves once no kill of the container is in flight. The runtime finds a container by ID,
   * so a kill that set out for a run that ended meanwhile (a stop that lost the race with the
   * process's own end, under load ~30 ms in crun) reaches the next run created under the same
   * ID: it killed that run's init before it was let go ("crun start: container is not running";
   * two restarts raced, 3 in 6 runs of 40 pairs under load). A start waits for this first.
   */
  async killsSettled(id: string): Promise<void> {
    for (let inFlight = this.kills.get(id); inFlight?.size; inFlight = this.kills.get(id)) await Promise.allSettled([...inFlight]);
  }

  private async tracked<T>(id: string, work: Promise<T>): Promise<T> {
    let inFlight = this.kills.get(id);
    if (!inFlight) this.kills.set(id, (inFlight = new Set()));
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
      if (!inFlight.size && this.kills.get(id) === inFlight) this.kills.delete(id);
    }
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  /** argv that deletes the container; conmon runs it at exit, off berthd's critical path. */
  deleteCommand(id: string): string[] {
    return [this.path, ...this.globalArgs(), 'delete', '--force', id];
  }

  /** Whether the runtime still holds state for the container (its state directory exists). */
  hasState(id: string): boolean {
    return existsSync(`${this.root}/${id}`);
  }

  async delete(id: string, force = false): Promise<void> {
    const r = await runCommand(this.path, [...this.globalArgs(), 'delete', ...(force ? ['--force'] : []), id], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
    // Already gone is fine: delete is called on every exit path.
    if (r.code !== 0 && !/does not exist|not found|no such file/i.test(r.stderr)) {
      throw new SystemError(`${this.name} delete ${id}: ${r.stderr.trim()}`);
    }
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await runCommand(this.path, [...this.globalArgs(), 'state', id], { allowFailure: true });
    if (r.code !== 0) return undefined;
    return JSON.parse(r.stdout) as RuntimeState;
  }

  private versionText?: Promise<string>;

  /** "1.8.1" from `crun --version`, asked once (only `docker version` wants it). */
  version(): Promise<string> {
    this.versionText ??= runCommand(this.path, ['--version'], { allowFailure: true }).then(
      (r) => /version\s+(\S+)/.exec(r.stdout)?.[1] ?? 'unknown',
      () => 'unknown',
    );
    return this.versionText;
  }

  /** Changes a running container's cgroup limits (runtime-spec LinuxResources in a file). */
  async update(id: string, resourcesFile: string): Promise<void> {
    await this.run(['update', '--resources', resourcesFile, id]);
  }

  /** PIDs of every process in the container, as the runtime sees them. */
  async pids(id: string): Promise<number[]> {
    const r = await this.run(['ps', '--format', 'json', id]);
    return (JSON.parse(r.stdout) as number[] | null) ?? [];
  }
}

export const KNOWN_RUNTIMES: Record<string, string[]> = {
  crun: ['/usr/bin/crun', '/usr/local/bin/crun'],
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'],
};

export function findRuntimeBinary(name: string): string | undefined {
  if (name.startsWith('/')) return existsSync(name) ? name : undefined;
  return (KNOWN_RUNTIMES[name] ?? []).find((p) => existsSync(p));
}
