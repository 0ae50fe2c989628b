// Healthchecks (Docker's HEALTHCHECK, moby daemon/health.go): each check runs as an exec in the
// container, scheduled by a timer in berthd (no process per container); results go into
// State.Health (status, failing streak, last five results), which is saved with the record so a
// restarted berthd resumes the schedule where it was. Stopping the container stops its checks.
import { InvalidArgumentError } from '../../errors.js';
import type { ContainerRecord, HealthConfig, HealthResult, HealthState } from './types.js';
import { nowRfc3339Nano } from '../../protocol/timestamps.js';

const SECOND = 1e9;
export const HEALTH_DEFAULTS = { interval: 30 * SECOND, timeout: 30 * SECOND, startPeriod: 0, startInterval: 5 * SECOND, retries: 3 };
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

/** The image's healthcheck under the request's, field by field (moby daemon/commit.go merge). */
export function mergeHealthcheck(req: HealthConfig | null | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!req) return image ?? undefined;
  if (!image) return req;
  return {
    ...req,
    Test: req.Test?.length ? req.Test : image.Test,
    Interval: req.Interval || image.Interval,
    Timeout: req.Timeout || image.Timeout,
    StartPeriod: req.StartPeriod || image.StartPeriod,
    StartInterval: req.StartInterval || image.StartInterval,
    Retries: req.Retries || image.Retries,
  };
}

/** Docker's checks at create, with its messages. */
export function validateHealthcheck(h: HealthConfig | null | undefined): void {
  if (!h) return;
  const min = 1e6; // 1ms
  for (const [field, name] of [['Interval', 'Interval'], ['Timeout', 'Timeout'], ['StartPeriod', 'StartPeriod'], ['StartInterval', 'StartInterval']] as const) {
    const v = h[field];
    if (v && v < min) throw new InvalidArgumentError(`${name} in Healthcheck cannot be less than 1ms`);
  }
  if (h.Retries !== undefined && h.Retries < 0) throw new InvalidArgumentError('Retries in Healthcheck cannot be negative');
}

/** The command a check runs, or undefined when there is no check (none, NONE, empty, unknown). */
export function probeCommand(h: HealthConfig | null | undefined): string[] | undefined {
  const test = h?.Test;
  if (!test?.length) return undefined;
  if (test[0] === 'CMD' && test.length > 1) return test.slice(1);
  if (test[0] === 'CMD-SHELL' && test.length > 1) return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return undefined;
}

/** Nanoseconds until the next check: the start interval while starting within the start period. */
export function nextInterval(h: HealthConfig, health: HealthState, startedAtMs: number, nowMs: number): number {
  const startPeriod = h.StartPeriod || HEALTH_DEFAULTS.startPeriod;
  const interval = h.Interval || HEALTH_DEFAULTS.interval;
  if ((nowMs - startedAtMs) * 1e6 >= startPeriod) return interval;
  return health.Status === 'starting' ? h.StartInterval || HEALTH_DEFAULTS.startInterval : interval;
}

/**
 * Applies a check's result (moby handleProbeResult): success makes it healthy; a failure counts
 * toward the streak unless it is still starting within its start period; `retries` failures in
 * a row make it unhealthy. Returns whether the status changed.
 */
export function applyResult(health: HealthState, h: HealthConfig, result: HealthResult, startedAtMs: number): boolean {
  const before = health.Status;
  health.Log = [...health.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) {
    health.FailingStreak = 0;
    health.Status = 'healthy';
  } else {
    const inStartPeriod = (Date.parse(result.Start) - startedAtMs) * 1e6 < (h.StartPeriod || HEALTH_DEFAULTS.startPeriod);
    if (!(health.Status === 'starting' && inStartPeriod)) {
      health.FailingStreak += 1;
      if (health.FailingStreak >= (h.Retries || HEALTH_DEFAULTS.retries)) health.Status = 'unhealthy';
    }
  }
  return health.Status !== before;
}

/** Keeps the first 4 KiB of a check's output, as dockerd does. */
export class LimitedOutput {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    if (this.size >= MAX_OUTPUT) return;
    const part = b.subarray(0, MAX_OUTPUT - this.size);
    this.chunks.push(Buffer.from(part));
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** How a check runs a command in the container and learns its exit code. */
export interface ProbeRunner {
  /** Resolves with the exit code and output; -1 with docker's message when it timed out. */
  run(rec: ContainerRecord, cmd: string[], timeoutNs: number): Promise<{ exitCode: number; output: string }>;
}

export interface HealthDeps {
  find(id: string): ContainerRecord | undefined;
  save(rec: ContainerRecord): Promise<void>;
  probe: ProbeRunner;
  publish(rec: ContainerRecord, action: string): void;
  log(message: string): void;
}


/** The timers of all containers' checks. */
export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped on every start/stop so a check in flight for an earlier run is dropped. */
  private readonly generation = new Map<string, number>();

  constructor(private readonly d: HealthDeps) {}

  /**
   * The container started: a fresh run starts "starting" with no streak (docker's
   * initHealthMonitor); `resume` (daemon restart) keeps the state and the schedule.
   */
  async started(rec: ContainerRecord, resume = false): Promise<void> {
    const h = rec.Config.Healthcheck as HealthConfig | undefined;
    if (!probeCommand(h)) return;
    this.stopped(rec.Id);
    let delayMs: number;
    if (!resume || !rec.State.Health) {
      rec.State.Health = { Status: 'starting', FailingStreak: 0, Log: rec.State.Health?.Log ?? [] };
      await this.d.save(rec);
      delayMs = nextInterval(h!, rec.State.Health, Date.parse(rec.State.StartedAt), Date.now()) / 1e6;
    } else {
      const last = rec.State.Health.Log.at(-1);
      const due = last ? Date.parse(last.End) + nextInterval(h!, rec.State.Health, Date.parse(rec.State.StartedAt), Date.now()) / 1e6 : Date.now();
      delayMs = Math.max(0, due - Date.now());
    }
    this.schedule(rec.Id, delayMs);
  }

  /** The container stopped (or is gone): no more checks. */
  stopped(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
    this.generation.set(id, (this.generation.get(id) ?? 0) + 1);
  }

  close(): void {
    for (const id of [...this.timers.keys()]) this.stopped(id);
  }

  private schedule(id: string, delayMs: number): void {
    const gen = this.generation.get(id) ?? 0;
    const t = setTimeout(() => void this.check(id, gen), delayMs);
    t.unref();
    this.timers.set(id, t);
  }

  private async check(id: string, gen: number): Promise<void> {
    this.timers.delete(id);
    const rec = this.d.find(id);
    if (!rec || rec.Id !== id || (this.generation.get(id) ?? 0) !== gen) return;
    const h = rec.Config.Healthcheck as HealthConfig;
    const cmd = probeCommand(h);
    if (!cmd || !rec.State.Health) return;
    if (rec.State.Status === 'running') {
      const start = nowRfc3339Nano();
      let result: HealthResult;
      try {
        const r = await this.d.probe.run(rec, cmd, h.Timeout || HEALTH_DEFAULTS.timeout);
        result = { Start: start, End: nowRfc3339Nano(), ExitCode: r.exitCode, Output: r.output };
      } catch (e) {
        result = { Start: start, End: nowRfc3339Nano(), ExitCode: -1, Output: (e as Error).message };
      }
      // The container may have stopped (or restarted) while the check ran.
      if ((this.generation.get(id) ?? 0) !== gen || rec.State.Status !== 'running') return;
      const changed = applyResult(rec.State.Health, h, result, Date.parse(rec.State.StartedAt));
      await this.d.save(rec).catch((e) => this.d.log(`health of ${id.slice(0, 12)}: ${(e as Error).message}`));
      if (changed) this.d.publish(rec, `health_status: ${rec.State.Health.Status}`);
    }
    // Paused: no check now, the schedule goes on (docker's monitor stops and restarts likewise).
    if ((this.generation.get(id) ?? 0) === gen) this.schedule(id, nextInterval(h, rec.State.Health, Date.parse(rec.State.StartedAt), Date.now()) / 1e6);
  }
}
