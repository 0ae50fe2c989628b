// A container's logs as the engine serves them: where conmon writes, where the driver's file
// lives (docker's paths: <data-root>/containers/<id>/<id>-json.log for json-file,
// …/local-logs/container.log for local), the copy between them while the container runs, and
// reading (--tail, --since/--until, -f) across rotated files in order.
import { closeSync, existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { codecFor, type LogRecord } from './codec.js';
import { logPolicy, type LogConfig, type LogPolicy } from './log-config.js';
import { LogFileWriter, readSnapshotFile, snapshotLogFiles } from './log-file.js';
import { StagingTail } from './log-pump.js';

/** What this module needs to know of a container. */
export interface LoggedContainer {
  Id: string;
  HostConfig: { LogConfig?: LogConfig };
}

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  /** Nanoseconds since the epoch, 0n for none. */
  since: bigint;
  until: bigint;
  /** Last N records, or undefined for all. */
  tail?: number;
  follow: boolean;
}

const STAGING = 'conmon.log';

export class ContainerLogs {
  private readonly tails = new Map<string, { tail: StagingTail; watcher: FSWatcher; timer: NodeJS.Timeout }>();

  constructor(
    private readonly containerDir: (id: string) => string,
    /** conmon's control fifo of a running container. */
    private readonly ctlFifo: (id: string) => string,
  ) {}

  policy(c: LoggedContainer): LogPolicy {
    try {
      return logPolicy(c.HostConfig.LogConfig ?? { Type: 'json-file', Config: {} });
    } catch {
      // A record from before log drivers (Type '' or 'k8s-file'): json-file, unrotated.
      return { driver: 'json-file', maxFile: 1, compress: false };
    }
  }

  /** The driver's file (inspect's LogPath), '' for the none driver as docker reports it. */
  logPath(c: LoggedContainer): string {
    const dir = this.containerDir(c.Id);
    switch (this.policy(c).driver) {
      case 'json-file':
        return path.join(dir, `${c.Id}-json.log`);
      case 'local':
        return path.join(dir, 'local-logs', 'container.log');
      default:
        return '';
    }
  }

  /** Where conmon writes the container's output, or undefined when nothing is kept. */
  conmonLogPath(c: LoggedContainer): string | undefined {
    return this.policy(c).driver === 'none' ? undefined : path.join(this.containerDir(c.Id), STAGING);
  }

  /** The container runs (again, or still after a daemon restart): copy its output as it comes. */
  started(c: LoggedContainer): void {
    if (this.tails.has(c.Id)) return;
    const tail = this.makeTail(c);
    if (!tail) return;
    const dir = this.containerDir(c.Id);
    const watcher = watch(dir, (_ev, file) => {
      if (file?.toString() === STAGING) tail.kick();
    });
    watcher.on('error', () => undefined);
    // A safety net for events inotify coalesced or missed.
    const timer = setInterval(() => tail.kick(), 1000);
    timer.unref();
    this.tails.set(c.Id, { tail, watcher, timer });
    tail.kick();
  }

  /** The container exited (or was found exited at daemon start): copy the rest and stop. */
  async stopped(c: LoggedContainer): Promise<void> {
    const t = this.tails.get(c.Id);
    if (t) {
      t.watcher.close();
      clearInterval(t.timer);
      // Still listed while it finishes: a reader arriving now waits for the last records (and
      // a follower is ended) instead of missing them.
      try {
        await t.tail.finish();
      } finally {
        if (this.tails.get(c.Id) === t) this.tails.delete(c.Id);
      }
      return;
    }
    const staging = this.conmonLogPath(c);
    if (staging && existsSync(staging)) await this.makeTail(c)?.finish();
  }

  /** Daemon shutdown: stop following; conmon keeps writing and the cursor resumes the copy later. */
  close(): void {
    for (const t of this.tails.values()) {
      t.watcher.close();
      clearInterval(t.timer);
    }
  }

  /** Everything conmon has written so far is in the driver's file once this resolves. */
  async flush(id: string): Promise<void> {
    await this.tails.get(id)?.tail.flush();
  }

  private makeTail(c: LoggedContainer): StagingTail | undefined {
    const p = this.policy(c);
    const staging = this.conmonLogPath(c);
    if (!staging) return undefined;
    const file = this.logPath(c);
    mkdirSync(path.dirname(file), { recursive: true });
    return new StagingTail(staging, path.join(this.containerDir(c.Id), 'log-cursor.json'), new LogFileWriter(file, p), codecFor(p.driver), () => this.askReopen(c.Id));
  }

  private async askReopen(id: string): Promise<boolean> {
    try {
      const fh = await fs.open(this.ctlFifo(id), constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        await fh.write('2 0 0\n');
      } finally {
        await fh.close();
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Yields the records matching the query from the rotated files in order; with follow, then
   * the records written from now on until the container's output ends or `aborted()`.
   */
  async *read(c: LoggedContainer, q: LogQuery, aborted: () => boolean): AsyncGenerator<LogRecord> {
    const p = this.policy(c);
    if (p.driver === 'none') throw new InvalidArgumentError('configured logging driver does not support reading');
    await this.flush(c.Id);
    const sinceNs = q.since;
    const untilNs = q.until > 0n ? q.until : undefined;
    const wanted = (r: LogRecord) =>
      ((r.stream === 1 && q.stdout) || (r.stream === 2 && q.stderr)) && r.timeNs >= sinceNs && (untilNs === undefined || r.timeNs <= untilNs);
    // The files as they are now and, in the same tick, a subscription to what comes after.
    const files = snapshotLogFiles(this.logPath(c), p.maxFile);
    const live = q.follow ? this.tails.get(c.Id)?.tail : undefined;
    const queue: Array<LogRecord[] | null> = [];
    let wake: (() => void) | undefined;
    const unsubscribe = live?.subscribe((recs) => {
      queue.push(recs);
      wake?.();
    });
    const codec = codecFor(p.driver);
    let next = 0;
    try {
      const ring: LogRecord[] = [];
      while (next < files.length) {
        const f = files[next++]!;
        if (aborted()) {
          closeSync(f.fd);
          return;
        }
        const decoder = codec.decoder();
        for await (const chunk of readSnapshotFile(f)) {
          for (const r of decoder.push(chunk)) {
            if (!wanted(r)) continue;
            if (q.tail === undefined) yield r;
            else {
              ring.push(r);
              if (ring.length > q.tail) ring.shift();
            }
          }
        }
      }
      yield* ring;
      if (!unsubscribe) return;
      for (;;) {
        while (queue.length) {
          const recs = queue.shift()!;
          if (recs === null) return;
          for (const r of recs) if (wanted(r)) yield r;
        }
        if (aborted()) return;
        if (untilNs !== undefined && BigInt(Date.now()) * 1_000_000n > untilNs) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 500);
          wake = () => {
            clearTimeout(t);
            wake = undefined;
            resolve();
          };
        });
      }
    } finally {
      unsubscribe?.();
      for (const f of files.slice(next)) closeSync(f.fd);
    }
  }
}
