// berthd's HTTP server: the Docker Engine API on a unix socket (and optionally TCP), with the
// version prefix (/v1.xx) stripped, hijack (Upgrade: tcp) requests routed like the others, and
// errors answered as Docker does: a status code and {"message": …}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError, messageOf, statusOf } from './errors.js';
import { ApiRequest, sendJson } from './http.js';
import { Router } from './router.js';
import { API_VERSION, compareVersions, OLDEST_API_VERSION } from './versions.js';

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export interface Logger {
  debug(msg: string): void;
  error(msg: string): void;
}

/**
 * What one client may hold of berthd. Bodies the API parses (JSON) are read into memory, so they
 * are capped; archives (load, import, cp, build contexts) are streamed to disk and are not.
 */
export interface ApiLimits {
  /** Largest JSON request body, in bytes: more is answered 413. */
  maxBodyBytes: number;
  /** A request whose headers have not all arrived by then is answered 408 and closed. */
  headersTimeoutMs: number;
  /** A kept-alive connection with no request for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  // docker's largest JSON bodies (a create with many mounts, env and labels) are kilobytes.
  maxBodyBytes: 16 * 1024 * 1024,
  headersTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
};

export function createApiServer(router: Router, log: Logger, limits: ApiLimits = DEFAULT_LIMITS, minApiVersion = OLDEST_API_VERSION): Server {
  const dispatch = async (req: IncomingMessage, res: ServerResponse | undefined, socket?: Duplex, head?: Buffer) => {
    const url = req.url ?? '/';
    let api: ApiRequest | undefined;
    try {
      let path = url.split('?')[0]!;
      const v = VERSION_PREFIX.exec(path);
      if (v) {
        path = v[2]!;
        if (compareVersions(v[1]!, minApiVersion) < 0) {
          throw new HttpError(400, `client version ${v[1]} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`);
        }
        if (compareVersions(v[1]!, API_VERSION) > 0) {
          throw new HttpError(400, `client version ${v[1]} is too new. Maximum supported API version is ${API_VERSION}`);
        }
      }
      const m = router.match(req.method ?? 'GET', path);
      if (!m) throw new HttpError(404, 'page not found');
      if (m === 'method') throw new HttpError(405, 'method not allowed');
      log.debug(`${req.method} ${url}`);
      api = new ApiRequest(req, res, path, m.params, socket, head, limits.maxBodyBytes, v?.[1]);
      await m.handler(api);
    } catch (e) {
      const status = statusOf(e);
      if (api?.switched) {
        // After a 101 an HTTP answer would be read as stream data: the stream just ends.
        const line = `${req.method} ${url}: after the switch to a stream: ${messageOf(e)}`;
        if (status >= 500) log.error(line);
        else log.debug(line);
        socket?.end();
        return;
      }
      if (status >= 500) log.error(`${req.method} ${url}: ${messageOf(e)}`);
      try {
        fail(res, socket, e);
      } catch (e2) {
        // The connection is gone or broken: nothing more to tell the client.
        log.debug(`${req.method} ${url}: answering: ${messageOf(e2)}`);
        res?.destroy();
        socket?.destroy();
      }
    }
  };

  // Node's check of header and request timeouts runs on this interval: often enough that a
  // short --api-header-timeout is honoured within a second or so.
  const checkMs = Math.max(250, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4)));
  const server = createServer({ keepAlive: true, connectionsCheckingInterval: checkMs }, (req, res) => void dispatch(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A hijacked connection is ours alone: Node no longer listens for its errors, and a client
    // that hangs up (ECONNRESET, EPIPE) must not become an uncaught 'error' event.
    socket.on('error', (e) => log.debug(`${req.method} ${req.url}: connection: ${e.message}`));
    void dispatch(req, undefined, socket, head);
  });
  applyTimeouts(server, limits);
  return server;
}

/** Timeouts for any server speaking the API (the unix socket's, a TCP or TLS listener's). */
export function applyTimeouts(server: Server, limits: ApiLimits): void {
  // Long-lived streams (logs -f, events, attach) must not be cut by a whole-request timeout;
  // only the headers have a deadline, and an idle kept-alive connection is closed.
  server.requestTimeout = 0;
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
}

function fail(res: ServerResponse | undefined, socket: Duplex | undefined, err: unknown): void {
  const status = statusOf(err);
  const message = messageOf(err);
  if (res) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 304) {
      res.writeHead(304);
      res.end();
      return;
    }
    sendJson(res, status, { message });
    return;
  }
  if (socket && !socket.destroyed) {
    const body = JSON.stringify({ message }) + '\n';
    socket.end(
      `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
}
