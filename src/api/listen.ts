// Binds the API server to its hosts: unix sockets (a stale socket file is replaced, one a live
// daemon answers on is refused) and TCP, with mutual TLS (dockerd's --tlsverify).
//
// TCP fails closed, as dockerd 27+ does: berthd runs containers as root, so a TCP listener
// needs --tlsverify with a CA, a certificate and a key; anything less needs an explicit opt-out
// (--tls=false or --tlsverify=false) and is warned about on every start.
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect } from 'node:net';
import * as path from 'node:path';
import { mkdirAllSync } from '../host/mkdir-all.js';
import { applyTimeouts, DEFAULT_LIMITS, type ApiLimits } from './server.js';

export interface TlsOptions {
  /** --tls: serve TLS (implied by --tlsverify); false when given as --tls=false. */
  tls?: boolean;
  /** --tlsverify: clients must present a certificate signed by --tlscacert. */
  verify?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface UnixSocketOptions {
  /** File mode of the socket (dockerd: 0660). */
  mode: number;
  /** Group owning the socket, when it exists. */
  gid?: number;
}

export interface Listening {
  servers: Server[];
  unixSockets: string[];
}

/**
 * How TCP hosts are to be served, or why berthd must not start. `warnings` are printed on every
 * start. Pure: checks the flags only (the files are read when listening).
 */
export function tcpSecurity(hosts: readonly string[], o: TlsOptions): { mode: 'mutual-tls' | 'tls' | 'plain'; warnings: string[] } {
  const tcp = hosts.filter((h) => h.startsWith('tcp://'));
  const missing = [['--tlscacert', o.ca], ['--tlscert', o.cert], ['--tlskey', o.key]].filter(([, v]) => !v).map(([f]) => f);
  if (o.verify) {
    if (missing.length) throw new Error(`--tlsverify needs ${missing.join(', ')}: without them clients cannot be verified`);
    return { mode: 'mutual-tls', warnings: [] };
  }
  const optedOut = o.verify === false || o.tls === false;
  const serverTls = o.tls !== false && !!o.cert && !!o.key;
  if (!tcp.length) return { mode: serverTls ? 'tls' : 'plain', warnings: [] };
  if (!optedOut) {
    throw new Error(
      `refusing to listen on ${tcp.join(', ')} without --tlsverify: anyone who can connect could run containers as root. ` +
      'Add --tlsverify with --tlscacert, --tlscert and --tlskey, or --tls=false to accept an unauthenticated listener',
    );
  }
  const what = serverTls ? 'TLS without client verification' : 'plain HTTP without TLS';
  return {
    mode: serverTls ? 'tls' : 'plain',
    warnings: [`API listening on ${tcp.join(', ')} with ${what}: anyone who can reach it has root on this host (--tls=false / --tlsverify=false given)`],
  };
}

/**
 * Refuses the unix sockets among `hosts` that something answers on: a second daemon given the
 * first one's socket (with data and exec roots of its own) replaced it, and the first one's
 * clients reached the second from then on. Asked before the daemon sets anything up.
 */
export async function refuseSocketsInUse(hosts: readonly string[]): Promise<void> {
  for (const host of hosts) {
    if (!host.startsWith('unix://') && !host.startsWith('/')) continue;
    const sock = host.replace(/^unix:\/\//, '');
    if (existsSync(sock) && (await answers(sock))) throw new Error(`${host} is in use: another daemon listens on it`);
  }
}

/**
 * Whether something listens on the socket. A stale file refuses the connection; a live daemon
 * too busy to accept (its backlog full) answers EAGAIN at once, as a unix connect never waits:
 * that one is in use too.
 */
function answers(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(sock);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EAGAIN'));
  });
}

function listenOn(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

/**
 * Listens on a unix socket made in a private directory beside `sock`, given its mode and group
 * there, then renamed into place: the socket is never reachable with looser permissions, not
 * even for the moment between bind() and chmod().
 */
async function listenUnix(server: Server, sock: string, o: UnixSocketOptions): Promise<void> {
  const dir = path.dirname(sock);
  mkdirAllSync(dir);
  const privateDir = mkdtempSync(path.join(dir, '.berthd-sock-')); // mode 0700
  const staging = path.join(privateDir, 's');
  try {
    await listenOn(server, staging);
    chmodSync(staging, o.mode);
    if (o.gid !== undefined) chownSync(staging, 0, o.gid);
    if (existsSync(sock)) rmSync(sock);
    renameSync(staging, sock);
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
}

export async function listenAll(
  hosts: string[],
  plain: Server,
  tls: TlsOptions,
  unix: UnixSocketOptions = { mode: 0o660 },
  limits: ApiLimits = DEFAULT_LIMITS,
): Promise<Listening> {
  const security = tcpSecurity(hosts, tls);
  const servers: Server[] = [];
  const unixSockets: string[] = [];
  let plainUsed = false;
  const handler = plain.listeners('request')[0] as RequestListener;
  const upgrade = plain.listeners('upgrade')[0] as (...args: unknown[]) => void;
  for (const host of hosts) {
    if (host.startsWith('unix://') || host.startsWith('/')) {
      const sock = host.replace(/^unix:\/\//, '');
      const server = plainUsed ? cloneServer(plain, handler, upgrade, limits) : plain;
      plainUsed = true;
      await listenUnix(server, sock, unix);
      servers.push(server);
      unixSockets.push(sock);
    } else if (host.startsWith('tcp://')) {
      const u = new URL(host);
      const target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (security.mode === 'plain' ? 2375 : 2376)) };
      let server: Server;
      if (security.mode !== 'plain') {
        const verify = security.mode === 'mutual-tls';
        server = createTlsServer({
          cert: readFileSync(tls.cert!),
          key: readFileSync(tls.key!),
          // Only the given CA vouches for clients: never the public CA store.
          ca: verify ? readFileSync(tls.ca!) : undefined,
          requestCert: verify,
          rejectUnauthorized: verify,
        }, handler) as unknown as Server;
        server.on('upgrade', upgrade);
        applyTimeouts(server, limits);
      } else {
        server = plainUsed ? cloneServer(plain, handler, upgrade, limits) : plain;
        plainUsed = true;
      }
      await listenOn(server, target);
      servers.push(server);
    } else {
      throw new Error(`invalid host: ${host} (want unix:///path or tcp://addr:port)`);
    }
  }
  return { servers, unixSockets };
}

function cloneServer(like: Server, handler: RequestListener, upgrade: (...args: unknown[]) => void, limits: ApiLimits): Server {
  const s = new (like.constructor as new (h: RequestListener) => Server)(handler);
  s.on('upgrade', upgrade);
  applyTimeouts(s, limits);
  return s;
}
