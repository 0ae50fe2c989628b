// cruns started ahead of an exec's start (host/runtime-exec.ts parkRuntimeExec), waiting on a pipe
// for the exec's process: one per exec at its create, and a spare one per container at the docker
// CLI's inspect before that create, which the create then takes. The client's gaps between its
// requests pay for crun's own start (BENCHMARKS.md, "The exec's crun started at its create").
//
// A waiting crun has made nothing yet, so one that is not used is killed with nothing to undo:
// after WAIT_MS, when the start goes another way, when the container is removed or started again
// (the crun knows the old init), and at the daemon's stop.
import type { ParkedRuntimeExec, RuntimeExecLaunch } from '../../host/runtime-exec.js';
import { parkRuntimeExec } from '../../host/runtime-exec.js';
import type { ContainerRecord } from './types.js';

/**
 * How long a crun waits for its exec's start (clients start at once: the docker CLI ~2 ms after
 * the create). Past it crun is ended, and a later start runs a new one.
 */
const WAIT_MS = 2000;
/** At most this many wait at once: a client creating execs it never starts costs no more. */
const MAX_WAITING = 16;
/** How lately a container must have had an exec for an inspect of it to start a spare crun. */
const RECENT_EXEC_MS = 10_000;

interface Waiting {
  /** The container's start it was made for: another start's crun would know the wrong init. */
  startKey: string;
  crun: Promise<ParkedRuntimeExec | undefined>;
  timer: NodeJS.Timeout;
  /** Cleared when it is taken or ended (before its crun may even exist). */
  live: boolean;
}

/** What tells one start of a container from another. */
export function startKeyOf(rec: ContainerRecord): string {
  return `${rec.State.StartedAt}/${rec.State.Pid}`;
}

/** Where a container's spare crun waits until an exec's create takes it. */
const spareKey = (containerId: string): string => `spare:${containerId}`;

/** How to start a crun for a container: undefined when its runtime is not crun (synchronously known). */
export type CrunLauncher = (rec: ContainerRecord) => (() => Promise<Omit<RuntimeExecLaunch, 'stdin'>>) | undefined;

export class WaitingCruns {
  /** By exec ID, or by spareKey for a container's spare. */
  private waiting = new Map<string, Waiting>();
  /** When each container last had an exec run by berthd itself (Date.now()). */
  private lastExec = new Map<string, number>();

  constructor(private readonly launcher: CrunLauncher) {}

  /** An exec run by berthd itself started in the container (a healthcheck's does not count). */
  execRan(containerId: string): void {
    this.lastExec.set(containerId, Date.now());
  }

  /**
   * An inspect of a running container: for the docker CLI the first request of a `docker exec`,
   * one before the exec's create. A container exec'd into lately gets a spare crun now.
   */
  expectExec(rec: ContainerRecord): void {
    const last = this.lastExec.get(rec.Id);
    if (last === undefined || Date.now() - last > RECENT_EXEC_MS || rec.State.Status !== 'running') return;
    const spare = this.waiting.get(spareKey(rec.Id));
    if (spare?.startKey === startKeyOf(rec)) return;
    if (spare) void this.end(spareKey(rec.Id));
    this.start(spareKey(rec.Id), rec);
  }

  /** At an exec's create: the container's spare crun becomes the exec's, or the exec gets one. */
  created(execId: string, rec: ContainerRecord): void {
    const spare = this.waiting.get(spareKey(rec.Id));
    if (!spare || spare.startKey !== startKeyOf(rec)) {
      if (spare) void this.end(spareKey(rec.Id));
      return this.start(execId, rec);
    }
    this.waiting.delete(spareKey(rec.Id));
    clearTimeout(spare.timer);
    spare.timer = setTimeout(() => void this.end(execId), WAIT_MS).unref();
    this.waiting.set(execId, spare);
  }

  /** The exec's crun, taken for its start (undefined if none, or made for another start). */
  take(execId: string, rec: ContainerRecord): Promise<ParkedRuntimeExec | undefined> {
    const w = this.waiting.get(execId);
    if (!w) return Promise.resolve(undefined);
    this.waiting.delete(execId);
    clearTimeout(w.timer);
    w.live = false;
    if (w.startKey === startKeyOf(rec)) return w.crun;
    void w.crun.then((p) => p?.discard());
    return Promise.resolve(undefined);
  }

  /** Ends the crun waiting under key (an exec ID), if there is one; resolves once it is gone. */
  async end(key: string): Promise<void> {
    const w = this.waiting.get(key);
    if (!w) return;
    this.waiting.delete(key);
    clearTimeout(w.timer);
    w.live = false;
    await (await w.crun)?.discard();
  }

  /** The container was removed: its spare goes (its execs' cruns go with their records). */
  forgetContainer(containerId: string): void {
    this.lastExec.delete(containerId);
    void this.end(spareKey(containerId));
  }

  /** Daemon stop: every waiting crun ends, and is gone before this resolves. */
  async close(): Promise<void> {
    await Promise.all([...this.waiting.keys()].map((k) => this.end(k)));
  }

  private start(key: string, rec: ContainerRecord): void {
    const launch = this.launcher(rec);
    if (!launch || this.waiting.size >= MAX_WAITING) return;
    const w: Waiting = { startKey: startKeyOf(rec), crun: Promise.resolve(undefined), timer: setTimeout(() => void this.end(key), WAIT_MS).unref(), live: true };
    this.waiting.set(key, w);
    w.crun = (async () => {
      const options = await launch();
      // Taken, or ended, meanwhile.
      return w.live ? parkRuntimeExec(options) : undefined;
    })().catch(() => undefined);
  }
}
