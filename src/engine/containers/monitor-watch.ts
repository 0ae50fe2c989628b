// The watch on containers' monitors. conmon reports exits; if it dies itself (killed, OOM),
// nothing ever would, and the container would be "running" for ever. Each second its PID is
// probed; one that is gone (or now another process's) is handed to `lost`, which looks again
// before it acts (the container service kills the container and records it as exited, 255).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pidExists } from '../../host/pid.js';
import type { ContainerRecord } from './types.js';

/** How many monitors a tick checks in full (their /proc cmdline), besides a signal-0 probe of all. */
const FULL_CHECKS = 20;
/** How many monitors a tick probes with signal 0 at most (the rest in the next ticks). */
const PROBES_PER_TICK = 200;

export interface MonitorWatchOptions {
  /** The containers whose monitors to watch (running, no start or exit handling in flight). */
  live(): ContainerRecord[];
  /** A monitor seems gone. */
  lost(rec: ContainerRecord): void;
}

export class MonitorWatch {
  private timer?: NodeJS.Timeout;
  /** Where the next tick's full checks start in the list of live containers (round robin). */
  private cursor = 0;
  private ticks = 0;

  constructor(private readonly o: MonitorWatchOptions) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * One tick. Reading /proc/PID/comm for every container each second cost three file operations
   * per container on libuv's four threads (1,500 a second with 500 running); a signal-0 probe is
   * one syscall and no I/O. It cannot tell a reused PID, so the full check (still this
   * container's conmon) runs for a few containers a tick in turn: a monitor gone whose PID was
   * taken at once is found within N / FULL_CHECKS seconds instead of one. Past PROBES_PER_TICK
   * containers the probes are spread over ticks too (with 600 running, each conmon every 3 s):
   * a probe through process.kill costs ~15 µs, 9 ms of berthd's CPU a second at 600.
   */
  private sweep(): void {
    const live = this.o.live();
    if (!live.length) return;
    const full = Math.min(live.length, FULL_CHECKS);
    const from = this.cursor % live.length;
    const spread = Math.ceil(live.length / PROBES_PER_TICK);
    const tick = this.ticks++ % spread;
    live.forEach((rec, i) => {
      const inTurn = (i - from + live.length) % live.length < full;
      if (!inTurn && i % spread !== tick) return;
      const pid = rec.State.MonitorPid;
      if (!pid || !pidExists(pid) || (inTurn && !isMonitorOf(pid, rec.Id))) this.o.lost(rec);
    });
    this.cursor = (from + full) % live.length;
  }
}

/**
 * Whether PID is the conmon of this container (its command line names it): read at once, not
 * through libuv's pool: /proc answers from memory, and 20 reads a second as promises cost
 * berthd more (three pool operations each) than the reads themselves.
 */
export function isMonitorOf(pid: number, id: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    return path.basename(argv[0] ?? '') === 'conmon' && argv.includes(id);
  } catch {
    return false;
  }
}
