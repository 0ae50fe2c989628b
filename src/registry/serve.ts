// Starts berth's registry on an address: the store under `root`, optional htpasswd Basic auth
// and TLS. Used by `berth registry serve` and by `berthd --registry ADDR`.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ContentStore } from '../storage/content-store.js';
import { Htpasswd } from './htpasswd.js';
import { RegistryStore } from './registry-store.js';
import { createRegistryHandler } from './server.js';
import { Uploads } from './uploads.js';

export interface RegistryOptions {
  /** host:port; ":5000" and "5000" listen on every address. */
  addr: string;
  root: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** berthd's content store: blobs it holds are hard-linked, not stored twice. */
  seed?: ContentStore;
  log?: (line: string) => void;
}

export interface RunningRegistry {
  server: Server;
  /** The address actually bound ("127.0.0.1:5000"). */
  address: string;
  close(): Promise<void>;
}

export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:]*)):)?(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`invalid address ${JSON.stringify(addr)}: want HOST:PORT`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in ${JSON.stringify(addr)}`);
  return { host: host || undefined, port };
}

export async function startRegistry(o: RegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseListenAddress(o.addr);
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new Error('TLS needs both a certificate and a key');
  const auth = o.htpasswd ? Htpasswd.load(o.htpasswd) : undefined;
  const store = await RegistryStore.open(o.root, { seed: o.seed });
  const uploads = await Uploads.open(store);
  const handler = createRegistryHandler({ store, uploads, auth, log: o.log });
  const server: Server = o.tlsCert
    ? createHttpsServer({ cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey!) }, (req, res) => void handler(req, res))
    : createHttpServer((req, res) => void handler(req, res));
  // Layers of several GB take longer than Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: async () => {
      uploads.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
