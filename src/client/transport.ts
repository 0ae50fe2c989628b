// HTTP to the daemon: JSON requests, streamed bodies both ways, and the hijacked connections
// of attach and exec. One keep-alive agent per Transport, so a command's requests share
// connections. TLS is loaded only for a tcp host that asks for it.

import type http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Endpoint } from './host.js';
import { ApiError, ConnectionError } from './errors.js';

export const API_VERSION = '1.50';
const USER_AGENT = 'berth-client/0.1.0';

export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (a stream is piped, chunked). */
  body?: Buffer | string | Readable;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once the whole request has been handed to the socket. */
  onSent?: () => void;
}

export interface Hijacked {
  /** Raw bidirectional connection: container output in, stdin out. */
  socket: Duplex;
  headers: http.IncomingHttpHeaders;
  /** True when the daemon said the stream is raw (TTY), false when multiplexed, undefined if it did not say. */
  raw: boolean | undefined;
}

/**
 * Build the query string: booleans become 1 (false is left out), undefined and null are left
 * out, an array repeats its key.
 */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false) continue;
    const values = Array.isArray(value) ? (value as readonly string[]) : [value === true ? '1' : String(value)];
    for (const text of values) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export function streamKind(headers: http.IncomingHttpHeaders): boolean | undefined {
  const type = headers['content-type'] ?? '';
  if (type.includes('vnd.docker.raw-stream')) return true;
  if (type.includes('vnd.docker.multiplexed-stream')) return false;
  return undefined;
}

type RequestFn = (options: http.RequestOptions) => http.ClientRequest;

/**
 * node:http, loaded when the first Transport is made rather than when this module is: the CLI's
 * start-up snapshot (src/bin/berth-snapshot.ts) holds this module evaluated, and Node 20 cannot
 * put http's parser binding in a snapshot.
 */
const httpModule = (): typeof http => process.getBuiltinModule('node:http');

export class Transport {
  private agent: http.Agent;
  private requestFn: RequestFn | undefined;
  private tlsReady: Promise<void> | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly apiVersion: string = API_VERSION,
  ) {
    const http = httpModule();
    if (endpoint.kind === 'tcp' && endpoint.tls) {
      // Replaced by an https agent in loadTls(); this one is never used.
      this.agent = new http.Agent({ keepAlive: true });
      this.tlsReady = this.loadTls();
    } else {
      this.agent = new http.Agent({ keepAlive: true });
      this.requestFn = http.request;
    }
  }

  private async loadTls(): Promise<void> {
    const endpoint = this.endpoint;
    if (endpoint.kind !== 'tcp' || !endpoint.tls) return;
    const [https, fs] = await Promise.all([import('node:https'), import('node:fs')]);
    const files = endpoint.tls;
    const read = (p: string | undefined): Buffer | undefined => (p && fs.existsSync(p) ? fs.readFileSync(p) : undefined);
    const agent = new https.Agent({
      keepAlive: true,
      ca: read(files.ca),
      cert: read(files.cert),
      key: read(files.key),
      rejectUnauthorized: files.verify,
    });
    this.agent = agent;
    this.requestFn = https.request;
  }

  private async baseOptions(opts: RequestOptions, extraHeaders: Record<string, string>): Promise<http.RequestOptions> {
    if (this.tlsReady) await this.tlsReady;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...extraHeaders, ...opts.headers };
    const path = `/v${this.apiVersion}${opts.path}${encodeQuery(opts.query)}`;
    // servername set up front keeps the agent from testing the Host header with net.isIP,
    // whose IPv6 pattern costs ~8 ms to compile on a CLI's short life; TLS sets its own below.
    const base: http.RequestOptions & { servername?: string } = { method: opts.method, path, headers, agent: this.agent, signal: opts.signal, servername: '' };
    if (this.endpoint.kind === 'unix') {
      base.socketPath = this.endpoint.socketPath;
      headers['Host'] = 'api.moby.localhost';
    } else {
      base.host = this.endpoint.host;
      base.port = this.endpoint.port;
      if (this.endpoint.tls) base.servername = /^[\d.]+$|:/.test(this.endpoint.host) ? '' : this.endpoint.host;
    }
    return base;
  }

  private connectionError(err: NodeJS.ErrnoException): Error {
    const code = err.code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND') {
      return new ConnectionError(
        `Cannot connect to the berth daemon at ${this.endpoint.url}. Is the berth daemon running?`,
        code,
      );
    }
    if (code === 'EACCES') {
      return new ConnectionError(
        `permission denied while trying to connect to the berth daemon socket at ${this.endpoint.url}`,
        code,
      );
    }
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      return new ConnectionError(`error during connect: ${err.message}`, code);
    }
    return err;
  }

  private bodyHeaders(opts: RequestOptions): { headers: Record<string, string>; payload: Buffer | string | Readable | undefined } {
    if (opts.json !== undefined) {
      const payload = JSON.stringify(opts.json);
      return {
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) },
        payload,
      };
    }
    if (opts.body === undefined) {
      // Like docker: an explicit empty body, so the daemon never waits for one.
      return { headers: opts.method === 'POST' || opts.method === 'PUT' ? { 'Content-Length': '0' } : {}, payload: undefined };
    }
    const headers: Record<string, string> = {};
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) {
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    return { headers, payload: opts.body };
  }

  /**
   * Send a request; resolve with the response once its headers arrive (2xx and 304),
   * reject with ApiError for any other status (after reading the error body).
   */
  async request(opts: RequestOptions): Promise<http.IncomingMessage> {
    const { headers, payload } = this.bodyHeaders(opts);
    const options = await this.baseOptions(opts, headers);
    const requestFn = this.requestFn as RequestFn;
    return new Promise((resolve, reject) => {
      const req = requestFn(options);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectionError(err)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || status === 304) {
          resolve(res);
          return;
        }
        readErrorBody(res).then(reject, reject);
      });
      if (opts.onSent) req.once('finish', opts.onSent);
      sendBody(req, payload, reject);
    });
  }

  /** A request whose answer is JSON (or empty: then undefined). */
  async json<T>(opts: RequestOptions): Promise<T> {
    const res = await this.request(opts);
    const text = await readText(res);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`invalid JSON from daemon: ${text.slice(0, 200)}`);
    }
  }

  /** A request whose answer body does not matter (read and dropped). */
  async call(opts: RequestOptions): Promise<number> {
    const res = await this.request(opts);
    res.resume();
    await new Promise<void>((resolve) => {
      if (res.complete) resolve();
      else res.once('end', resolve).once('close', resolve);
    });
    return res.statusCode ?? 0;
  }

  /**
   * Hijack the connection (attach, exec start): the request carries `Connection: Upgrade` and
   * `Upgrade: tcp`, the daemon answers 101 and the socket becomes a raw stream both ways.
   */
  async hijack(opts: RequestOptions): Promise<Hijacked> {
    const { headers, payload } = this.bodyHeaders(opts);
    if (!headers['Content-Type']) headers['Content-Type'] = 'text/plain';
    headers['Connection'] = 'Upgrade';
    headers['Upgrade'] = 'tcp';
    const options = await this.baseOptions(opts, headers);
    // An upgraded socket leaves the pool anyway; keep it out of the keep-alive agent.
    options.agent = false;
    const requestFn = this.requestFn as RequestFn;
    if (this.endpoint.kind === 'tcp' && this.endpoint.tls) options.agent = this.agent;
    return new Promise((resolve, reject) => {
      const req = requestFn(options);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectionError(err)));
      req.on('upgrade', (res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
        resolve({ socket, headers: res.headers, raw: streamKind(res.headers) });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // A daemon that streams without upgrading: output only, stdin cannot be sent.
          resolve({ socket: res as unknown as Duplex, headers: res.headers, raw: streamKind(res.headers) });
          return;
        }
        readErrorBody(res).then(reject, reject);
      });
      sendBody(req, payload, reject);
    });
  }

  /** Close idle keep-alive connections so the process can exit promptly. */
  close(): void {
    this.agent.destroy();
  }
}

function sendBody(req: http.ClientRequest, payload: Buffer | string | Readable | undefined, reject: (e: Error) => void): void {
  if (payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload)) {
    req.end(payload);
    return;
  }
  payload.on('error', (err) => {
    req.destroy(err);
    reject(err);
  });
  payload.pipe(req);
}

/** The whole body as text. Plain events rather than `for await`: cheaper on a CLI's hot path. */
export function readText(res: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('connection closed before the response ended')));
  });
}

async function readErrorBody(res: http.IncomingMessage): Promise<ApiError> {
  const status = res.statusCode ?? 0;
  let text = '';
  try {
    text = await readText(res);
  } catch {
    // Keep the status line as the message.
  }
  let message = text.trim();
  if (message.startsWith('{')) {
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON after all: show it as text.
    }
  }
  if (message === '') message = `${status} ${res.statusMessage ?? ''}`.trim();
  return new ApiError(status, message);
}
