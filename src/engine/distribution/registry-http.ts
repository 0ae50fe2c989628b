// HTTP to registries: one request with the timeouts a pull needs. Connecting (DNS included) is
// bounded so an unknown or unreachable host fails in seconds, not at the kernel's TCP timeout;
// an idle transfer is bounded too, so a registry that stops sending is noticed and the blob
// fetch can resume with a Range request. Keep-alive agents reuse connections across blobs.
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { RegistryUnavailableError } from './errors.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  skipVerify?: boolean;
  /** Abort when no byte moves for this long (default 30 s). */
  idleTimeoutMs?: number;
}

export const CONNECT_TIMEOUT_MS = 5_000;
const DNS_TIMEOUT_MS = 3_000;

/**
 * dns.lookup with a deadline: the resolver's own retries can take tens of seconds. Names under
 * ".invalid" fail at once without a query (RFC 6761 §6.4: resolvers should answer them
 * negatively themselves).
 */
const lookupWithTimeout: LookupFunction = (hostname, options, callback) => {
  if (/(^|\.)invalid\.?$/i.test(hostname)) {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    process.nextTick(() => (callback as (e: Error) => void)(err));
    return;
  }
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    const err = Object.assign(new Error(`lookup ${hostname}: i/o timeout`), { code: 'ETIMEDOUT' });
    (callback as (e: Error) => void)(err);
  }, DNS_TIMEOUT_MS);
  dns.lookup(hostname, options, (...args: unknown[]) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    (callback as (...a: unknown[]) => void)(...args);
  });
};

const agentOpts = { keepAlive: true, maxSockets: 16, lookup: lookupWithTimeout };
const httpAgent = new http.Agent(agentOpts);
const httpsAgent = new https.Agent(agentOpts);
const httpsInsecureAgent = new https.Agent({ ...agentOpts, rejectUnauthorized: false });

/** Go's wording for network failures, as docker prints them: `Get "URL": dial tcp: …`. */
function describeNetworkError(method: string, url: string, err: NodeJS.ErrnoException & { address?: string; port?: number }): string {
  const verb = method[0] + method.slice(1).toLowerCase();
  const host = new URL(url).hostname;
  let why: string;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      why = `dial tcp: lookup ${host}: no such host`;
      break;
    case 'ECONNREFUSED':
      why = `dial tcp ${err.address ?? host}${err.port ? `:${err.port}` : ''}: connect: connection refused`;
      break;
    case 'ETIMEDOUT':
      why = `dial tcp: ${err.message.startsWith('lookup') ? err.message : 'i/o timeout'}`;
      break;
    case 'ECONNRESET':
      why = 'connection reset by peer';
      break;
    default:
      why = err.message;
  }
  return `${verb} "${url}": ${why}`;
}

/** Sends one request; resolves with the response head once it arrives (any status). */
export function registryRequest(r: RegistryRequest): Promise<http.IncomingMessage> {
  const u = new URL(r.url);
  const tls = u.protocol === 'https:';
  const agent = tls ? (r.skipVerify ? httpsInsecureAgent : httpsAgent) : httpAgent;
  const mod = tls ? https : http;
  const headers: Record<string, string> = { 'User-Agent': 'berth (docker-compatible)', ...r.headers };
  if (Buffer.isBuffer(r.body)) headers['Content-Length'] = String(r.body.length);
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: r.method, headers, agent }, (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS + DNS_TIMEOUT_MS);
    // Idle while sending, waiting or reading the body (the socket stays the request's until the
    // body ends; destroying the request then fails the response's stream). The request's own
    // timeout, not a callback on the socket: a kept-alive socket is reused for the next
    // request, and a listener per request piled up on it (41 after 20 requests).
    req.setTimeout(r.idleTimeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
      clearTimeout(connectTimer);
      reject(new RegistryUnavailableError(describeNetworkError(r.method, r.url, err)));
    });
    if (r.body === undefined) req.end();
    else if (Buffer.isBuffer(r.body)) req.end(r.body);
    else {
      r.body.on('error', (e) => req.destroy(e));
      r.body.pipe(req);
    }
  });
}

/** Reads a (small) response body whole, up to `limit` bytes. */
export async function readBody(res: http.IncomingMessage, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new RegistryUnavailableError(`response from ${res.url ?? 'registry'} exceeds ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drops a response body we do not need, so its connection returns to the pool. */
export function discard(res: http.IncomingMessage): void {
  res.resume();
}
