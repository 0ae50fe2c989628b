// On-disk record formats of the log drivers, as dockerd writes them so tools that read docker's
// files read berth's:
// - json-file (moby daemon/logger/jsonfilelog): one JSON object a line,
//   {"log":"text\n","stream":"stdout","time":"<RFC3339Nano UTC>"}; a partial line has no "\n".
// - local (moby daemon/logger/local): protobuf LogEntry {1 source, 2 time_nano, 3 line,
//   4 partial}, framed by its size as a big-endian uint32 before and after.
import type { LogDriver } from './log-config.js';
import { encodeString } from '../../gotemplate/go-json.js';

export interface LogRecord {
  stream: 1 | 2;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  /** The bytes the container wrote, with their newline unless the line was partial. */
  data: Buffer;
}

export interface LogDecoder {
  /**
   * Feeds bytes; returns the whole records they complete. The decoder owns the chunk from then on
   * (it may rewrite bytes in place; records may be views of it).
   */
  push(chunk: Buffer): LogRecord[];
}

export interface LogCodec {
  encode(r: LogRecord): Buffer;
  /** Encodes records into one buffer; ends[i] is where record i ends in it. */
  encodeMany(rs: LogRecord[]): { bytes: Buffer; ends: number[] };
  decoder(): LogDecoder;
}

function encodeEach(codec: Pick<LogCodec, 'encode'>, rs: LogRecord[]): { bytes: Buffer; ends: number[] } {
  const parts = rs.map((r) => codec.encode(r));
  const ends: number[] = [];
  let n = 0;
  for (const p of parts) ends.push((n += p.length));
  return { bytes: Buffer.concat(parts, n), ends };
}

// Lines of one read share a timestamp (conmon stamps a whole buffer at once), so the last
// conversion each way is kept: it saves most of the per-line cost.
let lastParsed: [string, bigint | undefined] = ['', undefined];
let lastFormatted: [bigint, string] = [-1n, ''];

/** RFC 3339 with up to nanoseconds and any offset → ns since the epoch. */
export function parseTimeNs(text: string): bigint | undefined {
  if (text === lastParsed[0]) return lastParsed[1];
  const ns = parseTimeNsUncached(text);
  lastParsed = [text, ns];
  return ns;
}

function parseTimeNsUncached(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Docker's time format in logs: RFC3339Nano in UTC, trailing zeros of the fraction dropped. */
export function formatTimeNs(ns: bigint): string {
  if (ns === lastFormatted[0]) return lastFormatted[1];
  const text = formatTimeNsUncached(ns);
  lastFormatted = [ns, text];
  return text;
}

function formatTimeNsUncached(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(ms).toISOString().replace(/\.\d+Z$/, frac ? `.${frac}Z` : 'Z');
}

const streamName = (s: 1 | 2) => (s === 2 ? 'stderr' : 'stdout');

/** Splits bytes at newlines, keeping a partial tail for the next push. */
class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  /** onLine gets the line as buf[start, end), without its newline. */
  push(chunk: Buffer, onLine: (buf: Buffer, start: number, end: number) => void): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) >= 0) {
      onLine(buf, start, nl);
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
  }
}

/** Bytes a JSON string cannot hold as they are: controls, '"', '\\', DEL and non-ASCII. */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * json-file lines, with `attrs` (`,"attrs":{…}` or '') between "stream" and "time" as moby's
 * jsonlog writes them. JSON.stringify escapes what JSON needs; invalid UTF-8 becomes U+FFFD as
 * Go's encoder does.
 */
function jsonFileLines(attrs: string): LogCodec {
  const jsonLine = (r: LogRecord) => `{"log":${JSON.stringify(r.data.toString('utf8'))},"stream":"${streamName(r.stream)}"${attrs},"time":"${formatTimeNs(r.timeNs)}"}\n`;
  return {
    encode(r) {
      return Buffer.from(jsonLine(r));
    },
    encodeMany(rs) {
      // The hot path of logging: one buffer for the batch, and the bytes of a line that needs no
      // JSON escaping (printable ASCII without '"' and '\\', the common case) copied as they are.
      let cap = 0;
      for (const r of rs) cap += r.data.length + 96;
      let out = Buffer.allocUnsafe(cap);
      let pos = 0;
      const ends: number[] = [];
      const put = (text: string, encoding: 'latin1' | 'utf8') => {
        const need = encoding === 'latin1' ? text.length : Buffer.byteLength(text);
        if (pos + need > out.length) {
          const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, pos + need));
          out.copy(bigger, 0, 0, pos);
          out = bigger;
        }
        pos += out.write(text, pos, encoding);
      };
      for (const r of rs) {
        const full = r.data.length > 0 && r.data[r.data.length - 1] === 10;
        const body = full ? r.data.subarray(0, -1) : r.data;
        if (!NEEDS_ESCAPE.test(body.toString('latin1')) && pos + body.length + 96 <= out.length) {
          pos += out.write('{"log":"', pos, 'latin1');
          pos += body.copy(out, pos);
          pos += out.write(full ? '\\n"' : '"', pos, 'latin1');
        } else {
          put(`{"log":${JSON.stringify(r.data.toString('utf8'))}`, 'utf8');
        }
        put(`,"stream":"${streamName(r.stream)}"${attrs},"time":"${formatTimeNs(r.timeNs)}"}\n`, attrs ? 'utf8' : 'latin1');
        ends.push(pos);
      }
      return { bytes: out.subarray(0, pos), ends };
    },
    decoder() {
      const lines = new LineSplitter();
      return {
        push(chunk) {
          const out: LogRecord[] = [];
          lines.push(chunk, (buf, start, end) => {
            const r = decodeDockerJsonLine(buf, start, end) ?? decodeJsonLine(buf.subarray(start, end));
            if (r) out.push(r);
          });
          return out;
        },
      };
    },
  };
}

export const jsonFileCodec: LogCodec = jsonFileLines('');

const JSON_HEAD = Buffer.from('{"log":"');
const JSON_STREAM = Buffer.from('","stream":"');
const JSON_TIME = Buffer.from('","time":"');
let lastJsonStamp: Buffer = Buffer.alloc(0);
let lastJsonNs: bigint | undefined;

/**
 * Reading a big log is mostly this: a line as docker's json-file driver writes it
 * ({"log":"…","stream":"stdout|stderr","time":"…"}) whose text needs no unescaping but its final
 * "\n" (a JSON string's bytes other than after a backslash are the text's own UTF-8) is read
 * without JSON.parse or copying: that "\n" is turned into a newline in place (the decoder owns
 * its chunks) and the record's data is a view of buf. Anything else returns undefined, for
 * JSON.parse to read.
 */
function decodeDockerJsonLine(buf: Buffer, start: number, end: number): LogRecord | undefined {
  const s = start + JSON_HEAD.length;
  if (end - start < 40 || !bytesAt(buf, start, JSON_HEAD)) return undefined;
  const q = buf.indexOf(0x22, s);
  if (q < 0 || q >= end) return undefined;
  const full = q - s >= 2 && buf[q - 2] === 0x5c && buf[q - 1] === 0x6e;
  if (firstBackslash(buf, s) < (full ? q - 2 : q)) return undefined;
  const dataEnd = full ? q - 1 : q;
  if (full) buf[q - 2] = 10;
  // A line not in this shape is left as it was, for JSON.parse.
  const undo = () => {
    if (full) buf[q - 2] = 0x5c;
    return undefined;
  };
  let p = q + JSON_STREAM.length;
  if (p + 6 + JSON_TIME.length >= end || !bytesAt(buf, q, JSON_STREAM)) return undo();
  // "stdout" or "stderr": they differ in their fourth letter.
  const stream = buf[p + 3] === 0x65 ? 2 : 1;
  p += 6;
  const t = p + JSON_TIME.length;
  if (!bytesAt(buf, p, JSON_TIME)) return undo();
  const tq = buf.indexOf(0x22, t);
  if (tq < 0 || tq + 2 !== end || buf[tq + 1] !== 0x7d) return undo();
  let timeNs: bigint | undefined;
  if (tq - t === lastJsonStamp.length && bytesAt(buf, t, lastJsonStamp)) timeNs = lastJsonNs;
  else {
    timeNs = parseTimeNs(buf.toString('latin1', t, tq));
    lastJsonStamp = Buffer.from(buf.subarray(t, tq));
    lastJsonNs = timeNs;
  }
  if (timeNs === undefined) return undo();
  return { stream, timeNs, data: buf.subarray(s, dataEnd) };
}

/** Whether buf holds `bytes` at `at`. A loop: Buffer.compare with offsets costs more than this. */
function bytesAt(buf: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > buf.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

// The first backslash at or after a position, remembered per buffer: lines are decoded in order,
// so each search starts where the last found one left off and a buffer is scanned once, however
// few backslashes it has (an unbounded indexOf per line could scan the rest of it every line).
let bsBuf: Buffer | undefined;
let bsFrom = 0;
let bsAt = -1;
function firstBackslash(buf: Buffer, from: number): number {
  if (buf !== bsBuf || from < bsFrom || (bsAt >= 0 && bsAt < from)) {
    bsBuf = buf;
    bsFrom = from;
    bsAt = buf.indexOf(0x5c, from);
  }
  return bsAt < 0 ? Infinity : bsAt;
}

export function decodeJsonLine(line: Buffer | string): LogRecord | undefined {
  try {
    const o = JSON.parse(line.toString()) as { log?: string; stream?: string; time?: string };
    const timeNs = typeof o.time === 'string' ? parseTimeNs(o.time) : undefined;
    if (timeNs === undefined) return undefined;
    return { stream: o.stream === 'stderr' ? 2 : 1, timeNs, data: Buffer.from(o.log ?? '', 'utf8') };
  } catch {
    return undefined;
  }
}

// --- local: protobuf by hand (four scalar fields do not need a library) ---

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  // Numbers while they stay exact (7 bytes, 49 bits), one BigInt at the end: a BigInt operation
  // a byte made reading a big local log several times slower.
  let lo = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    const b = buf[pos++]!;
    lo += (b & 0x7f) * mul;
    if (!(b & 0x80)) return [BigInt(lo), pos];
    mul *= 128;
  }
  let v = BigInt(lo);
  let shift = 49n;
  for (;;) {
    const b = buf[pos++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, pos];
    shift += 7n;
  }
}

/** A varint known to be small (a key, a length): a Number. */
function readSmallVarint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++]!;
    v += (b & 0x7f) * mul;
    if (!(b & 0x80) || mul > 2 ** 42) return [v, pos];
    mul *= 128;
  }
}

export const localCodec: LogCodec = {
  encodeMany(rs) {
    return encodeEach(localCodec, rs);
  },
  encode(r) {
    const partial = r.data.length === 0 || r.data[r.data.length - 1] !== 10;
    const line = partial ? r.data : r.data.subarray(0, -1);
    const source = Buffer.from(streamName(r.stream));
    const head = Buffer.from([0x0a, ...varint(BigInt(source.length))]);
    const time = Buffer.from([0x10, ...varint(r.timeNs)]);
    const lineHead = Buffer.from([0x1a, ...varint(BigInt(line.length))]);
    const tail = partial ? Buffer.from([0x20, 1]) : Buffer.alloc(0);
    const size = head.length + source.length + time.length + lineHead.length + line.length + tail.length;
    const frame = Buffer.alloc(4);
    frame.writeUInt32BE(size);
    return Buffer.concat([frame, head, source, time, lineHead, line, tail, frame]);
  },
  decoder() {
    let rest: Buffer = Buffer.alloc(0);
    return {
      push(chunk) {
        const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        const out: LogRecord[] = [];
        let pos = 0;
        while (buf.length - pos >= 4) {
          const size = buf.readUInt32BE(pos);
          if (buf.length - pos < size + 8) break;
          out.push(decodeLocalEntry(buf, pos + 4, pos + 4 + size));
          pos += size + 8;
        }
        rest = Buffer.from(buf.subarray(pos));
        return out;
      },
    };
  },
};

/**
 * The entry in buf[start, end); the 4 bytes after it are its size again, which the decoder has
 * no more use for: a full line that ends the entry gets its newline there, in place, so its data
 * is a view of buf rather than a copy.
 */
function decodeLocalEntry(msg: Buffer, start: number, end: number): LogRecord {
  let stream: 1 | 2 = 1;
  let timeNs = 0n;
  let line: Buffer = Buffer.alloc(0);
  let lineEnd = -1;
  let partial = false;
  let pos = start;
  while (pos < end) {
    const [key, p1] = readSmallVarint(msg, pos);
    pos = p1;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      if (field === 2) {
        const [v, p2] = readVarint(msg, pos);
        timeNs = BigInt.asIntN(64, v);
        pos = p2;
      } else {
        const [v, p2] = readSmallVarint(msg, pos);
        if (field === 4) partial = v !== 0;
        pos = p2;
      }
    } else if (wire === 2) {
      const [len, p2] = readSmallVarint(msg, pos);
      pos = p2 + len;
      // "stdout" or "stderr": they differ in their fourth letter.
      if (field === 1) stream = len === 6 && msg[p2 + 3] === 0x65 ? 2 : 1;
      if (field === 3) {
        line = msg.subarray(p2, pos);
        lineEnd = pos;
      }
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else break;
  }
  if (partial) return { stream, timeNs, data: line };
  if (lineEnd === end && end < msg.length) {
    msg[end] = 10;
    return { stream, timeNs, data: msg.subarray(end - line.length, end + 1) };
  }
  return { stream, timeNs, data: Buffer.concat([line, NEWLINE]) };
}

const NEWLINE = Buffer.from('\n');

/**
 * The whole local-driver entries at the end of buf, found from the end (each entry's size
 * follows it too): the records in order, and where the bytes not decoded end (an entry that
 * began before buf, or garbage). The decoded entries' bytes may be rewritten in place.
 */
export function decodeLocalTail(buf: Buffer): { records: LogRecord[]; start: number } {
  const out: LogRecord[] = [];
  let end = buf.length;
  while (end >= 8) {
    const size = buf.readUInt32BE(end - 4);
    const start = end - size - 8;
    if (start < 0 || buf.readUInt32BE(start) !== size) break;
    out.push(decodeLocalEntry(buf, start + 4, start + 4 + size));
    end = start;
  }
  return { records: out.reverse(), start: end };
}

/** The driver's codec; json-file's lines carry `attrs` when the container's log options ask for some. */
export function codecFor(driver: LogDriver, attrs: Readonly<Record<string, string>> = {}): LogCodec {
  if (driver === 'local') return localCodec;
  const keys = Object.keys(attrs).sort();
  if (!keys.length) return jsonFileCodec;
  // As Go's json.Marshal of a map: keys sorted, <, > and & escaped.
  return jsonFileLines(`,"attrs":{${keys.map((k) => `${encodeString(k, true)}:${encodeString(attrs[k]!, true)}`).join(',')}}`);
}

// --- conmon's k8s-file, the format conmon writes and berth converts from ---

let lastK8sStamp: Buffer = Buffer.alloc(0);
let lastK8sNs: bigint | undefined;

/**
 * Parses "<RFC3339Nano time> <stdout|stderr> <F|P> <content>" from buf[start, nl), nl being the
 * line's newline; P marks a partial line. The record's data is a view into buf (no copy): a full
 * line's content with the newline that follows it in buf.
 */
export function parseK8sLine(buf: Buffer, start = 0, nl = buf.length): LogRecord | undefined {
  const a = buf.indexOf(32, start);
  if (a < 0 || a >= nl) return undefined;
  const b = buf.indexOf(32, a + 1);
  if (b < 0 || b >= nl) return undefined;
  // Compared as bytes with the last line's stamp first: conmon stamps a whole read at once.
  let timeNs: bigint | undefined;
  if (a - start === lastK8sStamp.length && buf.compare(lastK8sStamp, 0, lastK8sStamp.length, start, a) === 0) {
    timeNs = lastK8sNs;
  } else {
    timeNs = parseTimeNs(buf.toString('latin1', start, a));
    lastK8sStamp = Buffer.from(buf.subarray(start, a));
    lastK8sNs = timeNs;
  }
  if (timeNs === undefined) return undefined;
  const partial = buf[b + 1] === 0x50; // 'P'
  const c = b + 2 < nl ? b + 3 : nl; // content starts after "<tag> "
  const data = partial ? buf.subarray(c, nl) : nl < buf.length ? buf.subarray(c, nl + 1) : Buffer.concat([buf.subarray(c, nl), Buffer.from('\n')]);
  return { stream: b - a === 7 && buf[a + 4] === 0x65 ? 2 : 1, timeNs, data };
}
