// Restart policies (--restart no | always | unless-stopped | on-failure[:N]) as docker's restart
// manager applies them: whether an exit restarts the container, after what delay, how restarts
// are counted, and which containers a user stopped (their exits never restart them). The
// container service decides when to ask; the timers and the user's stops live here.
import { moveTo } from './state.js';
import type { ContainerRecord } from './types.js';

export class RestartPolicies {
  /** Containers a user stopped: their exit must not trigger the restart policy. */
  private readonly userStops = new Set<string>();
  /** Restarts scheduled, by container ID (the container is 'restarting' meanwhile). */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** `due`: a scheduled restart's time has come (the caller checks the container is still waiting for it). */
  constructor(private readonly due: (rec: ContainerRecord) => void) {}

  /** A user stopped it (stop, SIGKILL, rm -f): its exit must not restart it; written to disk with that exit. */
  stoppedByUser(rec: ContainerRecord): void {
    this.userStops.add(rec.Id);
    rec.HasBeenManuallyStopped = true;
  }

  /** A start, or a user stop that did not happen after all: exits follow the policy again. */
  forgetUserStop(rec: ContainerRecord): void {
    this.userStops.delete(rec.Id);
    rec.HasBeenManuallyStopped = false;
  }

  /** Whether the exit just recorded in `rec.State` restarts it. */
  wants(rec: ContainerRecord): boolean {
    if (this.userStops.has(rec.Id)) return false;
    const p = rec.HostConfig.RestartPolicy;
    if (!p || !p.Name || p.Name === 'no') return false;
    if (p.Name === 'on-failure') return rec.State.ExitCode !== 0 && (!p.MaximumRetryCount || rec.RestartCount < p.MaximumRetryCount);
    return true;
  }

  /**
   * Between an exit and the policy's restart the container is 'restarting', as docker's: a plain
   * rm refuses it and stop cancels the restart. The restart is counted already (countRestart).
   */
  schedule(rec: ContainerRecord): void {
    const t = setTimeout(() => {
      this.timers.delete(rec.Id);
      this.due(rec);
    }, restartDelay(rec));
    t.unref();
    this.timers.set(rec.Id, t);
  }

  isScheduled(id: string): boolean {
    return this.timers.has(id);
  }

  /** Drops a scheduled restart's timer; returns whether there was one. */
  clear(id: string): boolean {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
    return !!t;
  }

  /** Stops a scheduled restart; a container waiting for one is 'exited' again. */
  cancel(rec: ContainerRecord): void {
    this.clear(rec.Id);
    if (rec.State.Status === 'restarting') moveTo(rec, 'exited');
  }
}

/**
 * docker's backoff: the delay doubles from 100 ms per restart made within 10 s of the last one,
 * up to a minute; a container that ran 10 s or more restarts after 100 ms.
 */
export function restartDelay(rec: Pick<ContainerRecord, 'State' | 'RestartCount'>): number {
  const ranFor = Date.parse(rec.State.FinishedAt) - Date.parse(rec.State.StartedAt);
  return ranFor >= 10_000 ? 100 : Math.min(60_000, 100 * 2 ** Math.min(10, rec.RestartCount - 1));
}

export function setRestartCount(rec: ContainerRecord, n: number): void {
  rec.RestartCount = n;
  rec.State.RestartCount = n;
}

/** One more restart by the container's policy, which it is now waiting for ('restarting'). */
export function countRestart(rec: ContainerRecord): void {
  setRestartCount(rec, rec.RestartCount + 1);
  moveTo(rec, 'restarting');
}

/** dockerd's rule for a stopped container when the daemon starts (restartmanager.ShouldRestart). */
export function restartsWithDaemon(rec: Pick<ContainerRecord, 'HostConfig' | 'State' | 'RestartCount' | 'HasBeenManuallyStopped'>): boolean {
  const p = rec.HostConfig.RestartPolicy;
  switch (p?.Name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !rec.HasBeenManuallyStopped;
    case 'on-failure':
      return rec.State.ExitCode !== 0 && (!p.MaximumRetryCount || rec.RestartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}
