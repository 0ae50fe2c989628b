// Binds the API server to its hosts: unix sockets (a stale socket file is replaced) and TCP,
// with mutual TLS when certificates are given (dockerd's --tlsverify).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import * as path from 'node:path';

export interface TlsOptions {
  verify?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Listening {
  servers: Server[];
  unixSockets: string[];
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

export async function listenAll(hosts: string[], plain: Server, tls: TlsOptions): Promise<Listening> {
  const servers: Server[] = [];
  const unixSockets: string[] = [];
  let plainUsed = false;
  const handler = plain.listeners('request')[0] as RequestListener;
  const upgrade = plain.listeners('upgrade')[0] as (...args: unknown[]) => void;
  for (const host of hosts) {
    if (host.startsWith('unix://') || host.startsWith('/')) {
      const sock = host.replace(/^unix:\/\//, '');
      mkdirSync(path.dirname(sock), { recursive: true });
      if (existsSync(sock)) rmSync(sock);
      const server = plainUsed ? cloneServer(plain, handler, upgrade) : plain;
      plainUsed = true;
      await listenOn(server, sock);
      servers.push(server);
      unixSockets.push(sock);
    } else if (host.startsWith('tcp://')) {
      const u = new URL(host);
      const target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (tls.cert ? 2376 : 2375)) };
      let server: Server;
      if (tls.cert && tls.key) {
        server = createTlsServer({
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          ca: tls.ca ? readFileSync(tls.ca) : undefined,
          requestCert: !!tls.verify,
          rejectUnauthorized: !!tls.verify,
        }, handler) as unknown as Server;
        server.on('upgrade', upgrade);
      } else {
        server = plainUsed ? cloneServer(plain, handler, upgrade) : plain;
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

function cloneServer(like: Server, handler: RequestListener, upgrade: (...args: unknown[]) => void): Server {
  const s = new (like.constructor as new (h: RequestListener) => Server)(handler);
  s.on('upgrade', upgrade);
  s.requestTimeout = 0;
  s.headersTimeout = 0;
  return s;
}
