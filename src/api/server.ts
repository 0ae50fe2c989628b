// berthd's HTTP server: the Docker Engine API on a unix socket (and optionally TCP), with the
// version prefix (/v1.xx) stripped, hijack (Upgrade: tcp) requests routed like the others, and
// errors answered as Docker does: a status code and {"message": …}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError, messageOf, statusOf } from './errors.js';
import { ApiRequest, sendJson } from './http.js';
import { Router } from './router.js';

export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export interface Logger {
  debug(msg: string): void;
  error(msg: string): void;
}

export function createApiServer(router: Router, log: Logger): Server {
  const dispatch = async (req: IncomingMessage, res: ServerResponse | undefined, socket?: Duplex, head?: Buffer) => {
    const url = req.url ?? '/';
    let path = url.split('?')[0]!;
    const v = VERSION_PREFIX.exec(path);
    if (v) {
      path = v[2]!;
      if (compareVersions(v[1]!, MIN_API_VERSION) < 0) {
        return fail(res, socket, new HttpError(400, `client version ${v[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`));
      }
      if (compareVersions(v[1]!, API_VERSION) > 0) {
        return fail(res, socket, new HttpError(400, `client version ${v[1]} is too new. Maximum supported API version is ${API_VERSION}`));
      }
    }
    const m = router.match(req.method ?? 'GET', path);
    if (!m) return fail(res, socket, new HttpError(404, 'page not found'));
    if (m === 'method') return fail(res, socket, new HttpError(405, 'method not allowed'));
    log.debug(`${req.method} ${url}`);
    try {
      await m.handler(new ApiRequest(req, res, path, m.params, socket, head));
    } catch (e) {
      const status = statusOf(e);
      if (status >= 500) log.error(`${req.method} ${url}: ${messageOf(e)}`);
      fail(res, socket, e);
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => void dispatch(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void dispatch(req, undefined, socket, head));
  // Long-lived streams (logs -f, events, attach) must not be cut by Node's request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 60_000;
  return server;
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

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}
