// Reads the k8s-file log conmon writes: one line per record,
// "<RFC3339Nano time> <stdout|stderr> <F|P> <content>", where P marks a partial line
// (no trailing newline). Serves `logs` with --tail, --since/--until and -f.
import { createReadStream, promises as fs, watch } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface LogRecord {
  stream: 1 | 2;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** The original timestamp text, for --timestamps. */
  time: string;
  data: Buffer;
}

export function parseLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const time = line.slice(0, a);
  const streamName = line.slice(a + 1, b);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const content = c < 0 ? '' : line.slice(c + 1);
  const timeNs = parseTimeNs(time);
  if (timeNs === undefined) return undefined;
  return {
    stream: streamName === 'stderr' ? 2 : 1,
    timeNs,
    time,
    data: Buffer.from(tag.startsWith('P') ? content : content + '\n', 'utf8'),
  };
}

/** RFC 3339 with up to nanoseconds and any offset → ns since the epoch. */
export function parseTimeNs(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Docker's --timestamps format: RFC3339Nano in UTC. */
export function formatTimeNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(ms).toISOString().replace(/\.\d+Z$/, frac ? `.${frac}Z` : 'Z');
}

export interface LogQuery {
  stdout: boolean;
  stderr: boolean;
  /** Seconds since the epoch (fractional), 0 for none. */
  since: number;
  until: number;
  /** Last N records, or undefined for all. */
  tail?: number;
  follow: boolean;
}

async function* linesFrom(file: string, start: number, end?: number): AsyncGenerator<{ line: string; next: number }> {
  const decoder = new StringDecoder('utf8');
  let pos = start;
  let rest = '';
  let stream;
  if (end !== undefined && end <= start) return;
  try {
    stream = createReadStream(file, { start, end: end === undefined ? undefined : end - 1 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // Track byte offsets so a follower resumes exactly after the last whole line.
      const text = rest + decoder.write(chunk);
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        pos += Buffer.byteLength(line) + 1;
        yield { line, next: pos };
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * Yields log records matching the query; with follow, keeps yielding new records until
 * `stopped()` is true and the file has been drained.
 */
export async function* readLogs(file: string, q: LogQuery, stopped: () => boolean, aborted: () => boolean): AsyncGenerator<LogRecord> {
  const sinceNs = BigInt(Math.floor(q.since * 1e9));
  const untilNs = q.until > 0 ? BigInt(Math.floor(q.until * 1e9)) : undefined;
  const wanted = (r: LogRecord) =>
    ((r.stream === 1 && q.stdout) || (r.stream === 2 && q.stderr)) && r.timeNs >= sinceNs && (untilNs === undefined || r.timeNs <= untilNs);
  let offset = 0;
  const size = await fs.stat(file).then((s) => s.size, () => 0);
  // (An empty or missing file has no whole lines yet; createReadStream's end would be -1.)
  if (q.tail !== undefined) {
    const ring: LogRecord[] = [];
    for await (const { line, next } of linesFrom(file, 0, size)) {
      offset = next;
      const r = parseLogLine(line);
      if (r && wanted(r)) {
        ring.push(r);
        if (ring.length > q.tail) ring.shift();
      }
    }
    yield* ring;
  } else {
    for await (const { line, next } of linesFrom(file, 0, size)) {
      offset = next;
      const r = parseLogLine(line);
      if (r && wanted(r)) yield r;
    }
  }
  if (!q.follow) return;
  let wake: (() => void) | undefined;
  const watcher = (() => {
    try {
      return watch(file, () => wake?.());
    } catch {
      return undefined;
    }
  })();
  try {
    for (;;) {
      if (aborted()) return;
      const wasStopped = stopped();
      for await (const { line, next } of linesFrom(file, offset)) {
        offset = next;
        const r = parseLogLine(line);
        if (r && wanted(r)) yield r;
      }
      if (wasStopped) return;
      // Woken by the file watch; the timeout catches a stop that wrote no more output.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    watcher?.close();
  }
}
