// Request/response plumbing shared by every handler: query parsing with Docker's boolean rules,
// JSON bodies, JSON answers, and hijacked (HTTP 101) raw streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { parseTimeNs } from '../engine/logs/codec.js';
import { HttpError } from './errors.js';
import { compareVersions } from './versions.js';

export class ApiRequest {
  readonly query: URLSearchParams;
  /**
   * The connection speaks another protocol now (a 101 was sent: raw stream or websocket): an
   * error can no longer be answered in HTTP, only by ending the stream.
   */
  switched = false;

  constructor(
    readonly req: IncomingMessage,
    /** Undefined when the client asked to hijack the connection (Upgrade: tcp). */
    readonly res: ServerResponse | undefined,
    readonly path: string,
    readonly params: Record<string, string>,
    /** The raw connection of a hijack request. */
    readonly upgradeSocket?: Duplex,
    public upgradeHead?: Buffer,
    /** Largest body body() reads into memory; more is a 413. */
    readonly maxBodyBytes = 16 * 1024 * 1024,
    /** The API version the client asked for in its path (/v1.xx/…); none means the newest. */
    readonly apiVersion?: string,
  ) {
    this.query = new URL(req.url ?? '/', 'http://d').searchParams;
  }

  /** Whether the client speaks an API older than `v`: dockerd keeps some answers as they were for it. */
  olderThan(v: string): boolean {
    return this.apiVersion !== undefined && compareVersions(this.apiVersion, v) < 0;
  }

  /** Docker's boolean query values: "1", "true", "True" are true; absent is the default. */
  bool(name: string, dflt = false): boolean {
    const v = this.query.get(name);
    if (v === null || v === '') return dflt;
    return !['0', 'false', 'False', 'FALSE', 'no'].includes(v);
  }

  int(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new HttpError(400, `invalid value for ${name}: ${v}`);
    return n;
  }

  str(name: string): string | undefined {
    const v = this.query.get(name);
    return v === null ? undefined : v;
  }

  /**
   * A time bound (`since`, `until` of logs and events), in ns; 0n when absent. The docker CLI
   * sends unix seconds with up to 9 decimals (`--since 10m` is resolved on its side); RFC 3339
   * is taken too.
   */
  timeNs(name: string): bigint {
    const v = this.query.get(name);
    if (!v) return 0n;
    const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
    if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
    const ns = parseTimeNs(v);
    if (ns !== undefined) return ns;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new HttpError(400, `invalid time value: ${v}`);
    return BigInt(ms) * 1_000_000n;
  }

  /**
   * Docker's `filters` query parameter: {"name": ["x"]} or the legacy {"name": {"x": true}}.
   * As docker's filters.FromJSON: `null` is no filter; any other shape is a 400.
   */
  filters(): Map<string, string[]> {
    const raw = this.query.get('filters');
    const out = new Map<string, string[]>();
    if (!raw) return out;
    const invalid = () => new HttpError(400, `invalid filter: ${raw}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalid();
    }
    if (parsed === null) return out;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.set(k, v);
      else if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'boolean')) {
        out.set(k, Object.keys(v).filter((x) => (v as Record<string, boolean>)[x]));
      } else if (v !== null) throw invalid();
    }
    return out;
  }

  async body(): Promise<Buffer> {
    const tooLarge = () => new HttpError(413, `request body too large: the limit is ${this.maxBodyBytes} bytes`);
    const declared = Number(this.req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      // Answered at once; the connection is closed after the answer rather than read to its end.
      this.res?.setHeader('Connection', 'close');
      throw tooLarge();
    }
    if (this.upgradeSocket) return this.upgradeBody();
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.req) {
      n += (c as Buffer).length;
      if (n > this.maxBodyBytes) {
        this.res?.setHeader('Connection', 'close');
        throw tooLarge();
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /**
   * A hijack request's body (exec start's {"Detach":…}) is not parsed by Node: it arrives on
   * the raw socket, ahead of the client's stdin. Take exactly Content-Length bytes of it.
   */
  private upgradeBody(): Promise<Buffer> {
    const want = Number(this.req.headers['content-length'] ?? 0);
    let got = this.upgradeHead ?? Buffer.alloc(0);
    this.upgradeHead = undefined;
    const socket = this.upgradeSocket!;
    const finish = () => {
      const rest = got.subarray(want);
      if (rest.length) socket.unshift(rest);
      return got.subarray(0, want);
    };
    if (got.length >= want) return Promise.resolve(finish());
    return new Promise((resolve, reject) => {
      const onData = (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (got.length >= want) {
          socket.off('data', onData);
          socket.off('error', reject);
          socket.pause();
          resolve(finish());
        }
      };
      socket.on('data', onData);
      socket.on('error', reject);
    });
  }

  async json<T>(): Promise<T | undefined> {
    const b = await this.body();
    if (!b.length) return undefined;
    try {
      return JSON.parse(b.toString('utf8')) as T;
    } catch (e) {
      throw new HttpError(400, `invalid JSON: ${(e as Error).message}`);
    }
  }

  response(): ServerResponse {
    if (!this.res) throw new HttpError(400, 'this endpoint cannot be hijacked');
    return this.res;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A JSON body already serialized (e.g. from cached parts); the newline is added as sendJson does. */
export function sendJsonBytes(res: ServerResponse, status: number, json: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': json.length + 1 });
  res.write(json);
  res.end('\n');
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/**
 * Switches to a raw stream: HTTP 101 on a hijack request, else a 200 streaming response (old
 * clients). Returns the duplex to write output to and read stdin from.
 */
export function hijack(r: ApiRequest, multiplexed: boolean): Duplex {
  const type = multiplexed ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
  if (r.upgradeSocket) {
    const s = r.upgradeSocket;
    s.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    r.switched = true;
    if (r.upgradeHead?.length) s.unshift(r.upgradeHead);
    return s;
  }
  const res = r.response();
  res.writeHead(200, { 'Content-Type': type });
  res.flushHeaders();
  // Output goes to the response, input comes from the request body.
  return Duplex.from({ readable: r.req, writable: res });
}
