// A container's logs as the engine serves them: where conmon writes, where the driver's file
// lives (docker's paths: <data-root>/containers/<id>/<id>-json.log for json-file,
// …/local-logs/container.log for local), the copy between them while the container runs, and
// reading (--tail, --since/--until, -f) across rotated files in order.
import { closeSync, existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { codecFor, decodeLocalTail, type LogCodec, type LogRecord } from './codec.js';
import { gunzipSync } from 'node:zlib';
import { logAttributes, logPolicy, type LogConfig, type LogPolicy, type LogTagInfo } from './log-config.js';
import { LogFileWriter, readBackwards, readRange, readSnapshotFile, snapshotLogFiles, type SnapshotFile } from './log-file.js';
import { StagingTail, unstoredRecords } from './log-pump.js';

/** What this module needs to know of a container. */
export interface LoggedContainer {
  Id: string;
  HostConfig: { LogConfig?: LogConfig };
  /** Its labels and environment, which log options may name as line attributes; the image as asked for, for a `tag`. */
  Config?: { Labels?: Record<string, string> | null; Env?: string[] | null; Image?: string };
  /** Name and image ID, which a `tag` template may name. */
  Name?: string;
  Image?: string;
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
/** Where the copy from conmon.log stands (log-pump.ts's cursor). */
const CURSOR = 'log-cursor.json';

export class ContainerLogs {
  private readonly tails = new Map<string, { tail: StagingTail; watcher: FSWatcher }>();
  /** Exited containers whose last copy could not end (a full disk): a reader finishes it. */
  private readonly unfinished = new Set<string>();
  /** Copies finished by a reader (catchUp), one per container at a time. */
  private readonly catchingUp = new Map<string, Promise<void>>();
  /**
   * The safety net for events inotify coalesced or missed: each running container's copy is
   * kicked every 5 s, a fifth of them each second from one timer. (A timer per container woke
   * berthd 100 times a second with 500 running, ~5 ms of its CPU a second in the wake-ups alone.)
   */
  private safetyNet?: NodeJS.Timeout;
  private safetyTick = 0;

  constructor(
    private readonly containerDir: (id: string) => string,
    /** conmon's control fifo of a running container. */
    private readonly ctlFifo: (id: string) => string,
  ) {}

  /** The attributes the container's log lines carry (log-config.ts logAttributes). */
  attributes(c: LoggedContainer): Record<string, string> {
    const config = c.HostConfig.LogConfig;
    if (!config || this.policy(c).driver !== 'json-file') return {};
    try {
      const image = c.Image ?? '';
      const tagInfo: LogTagInfo = {
        ID: c.Id.slice(0, 12), FullID: c.Id, Name: (c.Name ?? '').replace(/^\//, ''),
        ImageID: image.replace(/^[^:]*:/, '').slice(0, 12), ImageFullID: image, ImageName: c.Config?.Image ?? '', DaemonName: 'docker',
      };
      return logAttributes(config, c.Config?.Labels ?? {}, c.Config?.Env ?? [], tagInfo);
    } catch {
      return {};
    }
  }

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
    this.unfinished.delete(c.Id);
    if (this.tails.has(c.Id)) return;
    const tail = this.makeTail(c);
    if (!tail) return;
    const dir = this.containerDir(c.Id);
    const watcher = watch(dir, (_ev, file) => {
      if (file?.toString() === STAGING) tail.kick();
    });
    watcher.on('error', () => undefined);
    // The safety net kicks each every 5 s, not every second: it is a read and a stat per running
    // container, ~30 µs each, which with 500 running was 15 ms of berthd's CPU every second.
    this.safetyNet ??= setInterval(() => this.kickSome(), 1000).unref();
    this.tails.set(c.Id, { tail, watcher });
    tail.kick();
  }

  /** The container exited (or was found exited at daemon start): copy the rest and stop. */
  async stopped(c: LoggedContainer): Promise<void> {
    const t = this.tails.get(c.Id);
    if (t) {
      t.watcher.close();
      // Still listed while it finishes: a reader arriving now waits for the last records (and
      // a follower is ended) instead of missing them.
      try {
        if (!(await t.tail.finish())) this.unfinished.add(c.Id);
      } finally {
        if (this.tails.get(c.Id) === t) this.tails.delete(c.Id);
      }
      return;
    }
    const staging = this.conmonLogPath(c);
    if (staging && existsSync(staging) && (await this.makeTail(c)?.finish()) === false) this.unfinished.add(c.Id);
  }

  /** Daemon shutdown: stop following; conmon keeps writing and the cursor resumes the copy later. */
  close(): void {
    clearInterval(this.safetyNet);
    this.safetyNet = undefined;
    for (const t of this.tails.values()) t.watcher.close();
  }

  /** One tick of the safety net: every fifth running container, in turn. */
  private kickSome(): void {
    const turn = this.safetyTick++ % 5;
    let i = 0;
    for (const t of this.tails.values()) if (i++ % 5 === turn) t.tail.kick();
  }

  /** Everything conmon has written so far is in the driver's file once this resolves. */
  async flush(id: string): Promise<void> {
    await this.tails.get(id)?.tail.flush();
  }

  /**
   * Before a read: what conmon wrote is copied. For a container that is not running, that is a
   * conmon.log whose last copy could not end (the disk was full then): finished now.
   */
  private async catchUp(c: LoggedContainer): Promise<void> {
    // Only a copy known to be unfinished: a conmon.log found otherwise may be a run's that is
    // starting (its copy not yet begun), which conmon is writing to.
    if (this.tails.has(c.Id) || !this.unfinished.has(c.Id)) return this.flush(c.Id);
    let done = this.catchingUp.get(c.Id);
    if (!done) {
      done = (async () => {
        // The driver's file may not even open for writing yet (a read-only or full file system):
        // the copy stays unfinished, and the read goes on from the files as they are.
        const copied = await Promise.resolve()
          .then(() => this.makeTail(c)?.finish() ?? true)
          .catch((e: Error) => {
            console.error(`berthd: log copy of ${c.Id.slice(0, 12)} failed: ${e.message}`);
            return false;
          });
        if (copied && !this.tails.has(c.Id)) this.unfinished.delete(c.Id);
      })().finally(() => this.catchingUp.delete(c.Id));
      this.catchingUp.set(c.Id, done);
    }
    await done;
  }

  private makeTail(c: LoggedContainer): StagingTail | undefined {
    const p = this.policy(c);
    const staging = this.conmonLogPath(c);
    if (!staging) return undefined;
    const file = this.logPath(c);
    mkdirSync(path.dirname(file), { recursive: true });
    return new StagingTail(staging, path.join(this.containerDir(c.Id), CURSOR), new LogFileWriter(file, p), codecFor(p.driver, this.attributes(c)), () => this.askReopen(c.Id));
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
    for await (const batch of this.readBatches(c, q, aborted)) yield* batch;
  }

  /**
   * As read(), in batches (the records of one read of a file, or of one copy from conmon): a
   * reader of a big log then pays for one promise, one write and one allocation a batch, not a
   * line. A batch's records may be views of a buffer it owns: copy what is kept past it.
   */
  async *readBatches(c: LoggedContainer, q: LogQuery, aborted: () => boolean): AsyncGenerator<LogRecord[]> {
    const p = this.policy(c);
    if (p.driver === 'none') throw new InvalidArgumentError('configured logging driver does not support reading');
    await this.catchUp(c);
    // Still unfinished (the disk is still full): what conmon kept past the copy comes after the
    // driver's file, read from conmon.log itself.
    const unstored = this.unfinished.has(c.Id) ? () => unstoredRecords(path.join(this.containerDir(c.Id), STAGING), path.join(this.containerDir(c.Id), CURSOR)) : undefined;
    const sinceNs = q.since;
    const untilNs = q.until > 0n ? q.until : undefined;
    const all = q.stdout && q.stderr && sinceNs === 0n && untilNs === undefined;
    const wanted = (r: LogRecord) =>
      ((r.stream === 1 && q.stdout) || (r.stream === 2 && q.stderr)) && r.timeNs >= sinceNs && (untilNs === undefined || r.timeNs <= untilNs);
    const pick = (rs: LogRecord[]) => (all ? rs : rs.filter(wanted));
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
      if (q.tail !== undefined) {
        // The last N, newest file first; json-file's lines are read from the end backwards, so
        // `--tail 10` of a big log reads a block, not the whole log.
        const parts: LogRecord[][] = [];
        let count = 0;
        if (unstored && q.tail > 0) {
          let last: LogRecord[] = [];
          for (const batch of unstored()) last = [...last, ...pick(batch)].slice(-q.tail);
          parts.push(last);
          count += last.length;
        }
        for (let i = files.length - 1; i >= 0 && count < q.tail; i--) {
          if (aborted()) return;
          const rs = lastRecords(files[i]!, p.driver === 'json-file', codec, pick, q.tail - count);
          parts.push(rs);
          count += rs.length;
        }
        next = files.length;
        for (const f of files) closeQuiet(f.fd);
        const last = parts.reverse().flat();
        if (last.length) yield last;
      } else {
        while (next < files.length) {
          const f = files[next++]!;
          if (aborted()) {
            closeSync(f.fd);
            return;
          }
          const decoder = codec.decoder();
          for await (const chunk of readSnapshotFile(f)) {
            const rs = pick(decoder.push(chunk));
            if (rs.length) yield rs;
            if (aborted()) return;
          }
        }
        if (unstored) {
          for (const batch of unstored()) {
            const rs = pick(batch);
            if (rs.length) yield rs;
            if (aborted()) return;
          }
        }
      }
      if (!unsubscribe) return;
      for (;;) {
        while (queue.length) {
          const recs = queue.shift()!;
          if (recs === null) return;
          const rs = pick(recs);
          if (rs.length) yield rs;
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
      for (const f of files.slice(next)) closeQuiet(f.fd);
    }
  }
}

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed by its reader
  }
}

const BLOCK = 1024 * 1024;

/**
 * The last `need` records of a snapshot file that `pick` keeps, in order; closes nothing.
 * Plain files are read backwards a block at a time (json-file by lines, local by its entries'
 * trailing sizes); compressed ones forwards.
 */
function lastRecords(f: SnapshotFile, lineBased: boolean, codec: LogCodec, pick: (rs: LogRecord[]) => LogRecord[], need: number): LogRecord[] {
  const blocks: LogRecord[][] = [];
  let count = 0;
  if (lineBased && !f.gzip) {
    for (const block of readBackwards(f.fd, f.size, BLOCK)) {
      const rs = pick(codec.decoder().push(block));
      blocks.push(rs);
      if ((count += rs.length) >= need) break;
    }
    const all = blocks.reverse().flat();
    return all.slice(Math.max(0, all.length - need));
  }
  if (!lineBased && !f.gzip) {
    // local: each entry's size is written after it too, so entries are found from the end.
    let carry: Buffer = Buffer.alloc(0);
    for (let end = f.size; end > 0 && count < need; ) {
      const start = Math.max(0, end - BLOCK);
      const block = readRange(f.fd, start, end);
      const buf = carry.length ? Buffer.concat([block, carry]) : block;
      const { records, start: undecoded } = decodeLocalTail(buf);
      const rs = pick(records);
      blocks.push(rs);
      count += rs.length;
      carry = Buffer.from(buf.subarray(0, undecoded));
      end = start;
    }
    const all = blocks.reverse().flat();
    return all.slice(Math.max(0, all.length - need));
  }
  const decoder = codec.decoder();
  let kept: LogRecord[] = [];
  const keep = (rs: LogRecord[]) => {
    kept.push(...rs);
    if (kept.length > 2 * need + 1024) kept = kept.slice(kept.length - need);
  };
  if (f.gzip) keep(pick(decoder.push(gunzipSync(readRange(f.fd, 0, f.size)))));
  else for (let at = 0; at < f.size; at += BLOCK) keep(pick(decoder.push(readRange(f.fd, at, Math.min(f.size, at + BLOCK)))));
  return kept.slice(Math.max(0, kept.length - need));
}
