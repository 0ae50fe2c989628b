// Newline-delimited JSON message streams: the progress of pull, push, load, import and build.
// Shapes and display rules follow moby's pkg/jsonmessage, which the docker CLI uses:
//   {"status":"Pulling fs layer","id":"a1b2","progressDetail":{"current":1,"total":2}}
//   {"stream":"Step 1/3 : FROM busybox\n"}
//   {"errorDetail":{"message":"…"},"error":"…"}
//   {"aux":{"ID":"sha256:…"}}

import type { Writable } from 'node:stream';

export interface JSONProgress {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

export interface JSONError {
  code?: number;
  message?: string;
}

export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: JSONProgress;
  /** Deprecated preformatted progress bar; still sent by daemons. */
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  /** Nanoseconds since the epoch; a string when JSON's doubles could not hold it exactly. */
  timeNano?: number | string;
  errorDetail?: JSONError;
  /** Deprecated twin of errorDetail.message. */
  error?: string;
  aux?: unknown;
}

/** The error a message stream ended with; its text is what docker prints. */
export class JSONMessageError extends Error {
  override readonly name = 'JSONMessageError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export function encodeMessage(msg: JSONMessage): string {
  return JSON.stringify(msg) + '\r\n';
}

/** Splits a byte stream into lines and parses each non-empty one as a JSON message. */
export class JSONMessageDecoder {
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer | string): JSONMessage[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return parseLines(lines);
  }

  /** Parse whatever is left after the stream ended (a last line without a newline). */
  end(): JSONMessage[] {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return parseLines([rest]);
  }
}

function parseLines(lines: string[]): JSONMessage[] {
  const out: JSONMessage[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let parsed: unknown;
    try {
      // Nanosecond timestamps exceed 2^53: keep their digits as a string instead of rounding them.
      parsed = JSON.parse(trimmed.includes('"timeNano"') ? trimmed.replace(/"timeNano":(\d{16,})/g, '"timeNano":"$1"') : trimmed);
    } catch {
      throw new JSONMessageError(`invalid JSON message: ${trimmed.slice(0, 200)}`);
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      out.push(parsed as JSONMessage);
    }
  }
  return out;
}

export async function* decodeJSONMessages(src: AsyncIterable<Buffer | string>): AsyncGenerator<JSONMessage> {
  const decoder = new JSONMessageDecoder();
  for await (const chunk of src) {
    yield* decoder.push(chunk);
  }
  yield* decoder.end();
}

/** The error a message carries, if any. */
export function messageError(msg: JSONMessage): JSONMessageError | undefined {
  if (msg.errorDetail && (msg.errorDetail.message !== undefined || msg.errorDetail.code !== undefined)) {
    return new JSONMessageError(msg.errorDetail.message ?? msg.error ?? '', msg.errorDetail.code);
  }
  if (msg.error) return new JSONMessageError(msg.error);
  return undefined;
}

// Decimal sizes with four significant digits, like go-units HumanSize: "1.5MB", "512kB".
const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

export function humanSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatG4(size)}${DECIMAL_UNITS[i]}`;
}

// Go's %.4g for the magnitudes a size can take (0 ≤ n < 1000).
function formatG4(n: number): string {
  if (n === 0) return '0';
  return String(Number(n.toPrecision(4)));
}

/** The progress bar text (empty when there is nothing to show), as JSONProgress.String does. */
export function progressString(p: JSONProgress, width: number, now: number = Date.now()): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) {
    return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  }
  let percentage = Math.floor(Math.floor((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) {
    bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  }
  let numbers = '';
  if (!p.hidecounts) {
    if (!p.units) {
      numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
    } else {
      numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
    }
  }
  let left = '';
  if (current > 0 && p.start && p.start > 0 && percentage < 50) {
    const fromStart = now - p.start * 1000;
    const remaining = ((total - current) * fromStart) / current;
    left = ' ' + formatGoDuration(Math.round(remaining / 1000) * 1000);
  }
  return bar + numbers + left;
}

function formatGoDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

// RFC3339 with nanoseconds always nine digits, in local time, like jsonmessage.RFC3339NanoFixed.
export function formatTimeNano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  const d = new Date(ms);
  const offMin = -d.getTimezoneOffset();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}`;
  const zone =
    offMin === 0 ? 'Z' : `${offMin > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offMin) / 60))}:${pad(Math.abs(offMin) % 60)}`;
  return `${date}T${time}${zone}`;
}

export interface DisplayOptions {
  /** Whether out is a terminal: progress bars redraw in place instead of being left out. */
  isTerminal?: boolean;
  /** Terminal width, for the progress bar (default 80). */
  width?: number;
  /** Called with each message's aux field (e.g. the image ID of a build or load). */
  onAux?: (aux: unknown) => void;
}

/**
 * Print a message stream as docker does. Non-terminal output gets one line per status and
 * skips progress updates; a terminal gets one line per id, rewritten in place.
 * Rejects with JSONMessageError when a message carries an error (nothing is printed for it:
 * the caller prints the error as docker does).
 */
export async function displayJSONMessages(
  src: AsyncIterable<Buffer | string>,
  out: Writable,
  opts: DisplayOptions = {},
): Promise<void> {
  const printer = new JSONMessagePrinter(out, opts);
  for await (const msg of decodeJSONMessages(src)) {
    printer.print(msg);
  }
}

/** The display state machine of displayJSONMessages, for callers that decode themselves. */
export class JSONMessagePrinter {
  private ids = new Map<string, number>();
  private readonly isTerminal: boolean;
  private readonly width: number;

  constructor(
    private readonly out: Writable,
    private readonly opts: DisplayOptions = {},
  ) {
    this.isTerminal = opts.isTerminal ?? false;
    this.width = opts.width ?? 80;
  }

  /** Throws JSONMessageError for a message that carries an error. */
  print(msg: JSONMessage): void {
    if (msg.aux !== undefined) {
      this.opts.onAux?.(msg.aux);
      return;
    }
    // As in Go, an empty "progressDetail":{} still counts as progress ("Pull complete").
    const hasProgress = msg.progressDetail !== undefined && msg.progressDetail !== null;
    let diff = 0;
    if (msg.id && (hasProgress || msg.progress)) {
      let line = this.ids.get(msg.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(msg.id, line);
        if (this.isTerminal) this.out.write('\n');
      }
      diff = this.ids.size - line;
      if (this.isTerminal && diff > 0) this.out.write(`\x1b[${diff}A`);
    } else {
      // Anything that is not progress ends the previous block of progress lines.
      this.ids = new Map();
    }
    const err = messageError(msg);
    if (err) throw err;
    this.out.write(this.format(msg, hasProgress));
    if (msg.id && (hasProgress || msg.progress) && this.isTerminal && diff > 0) {
      this.out.write(`\x1b[${diff}B`);
    }
  }

  private format(msg: JSONMessage, hasProgress: boolean): string {
    let text = '';
    let endl = '';
    const bar = hasProgress && msg.progressDetail ? progressString(msg.progressDetail, this.width) : '';
    if (this.isTerminal && !msg.stream && hasProgress) {
      text += '\x1b[2K\r';
      endl = '\r';
    } else if (hasProgress && bar !== '') {
      // No progress bars on a non-terminal.
      return '';
    }
    if (msg.timeNano) text += formatTimeNano(BigInt(msg.timeNano)) + ' ';
    else if (msg.time) text += formatTimeNano(BigInt(msg.time) * 1_000_000_000n) + ' ';
    if (msg.id) text += `${msg.id}: `;
    if (msg.from) text += `(from ${msg.from}) `;
    if (hasProgress && this.isTerminal) {
      text += `${msg.status ?? ''} ${bar}${endl}`;
    } else if (msg.progress) {
      text += `${msg.status ?? ''} ${msg.progress}${endl}`;
    } else if (msg.stream) {
      text += `${msg.stream}${endl}`;
    } else {
      text += `${msg.status ?? ''}${endl}\n`;
    }
    return text;
  }
}
