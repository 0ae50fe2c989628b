// Host ports held for published container ports. Traffic reaches the container through DNAT,
// but berthd also binds each host port (as dockerd 28 does) so that the port is really free when
// the container starts, no other program can take it while it runs, and a random port (-p 80,
// -P) is one the kernel would hand out (ip_local_port_range). Nothing ever connects to these
// sockets: DNAT sends the traffic to the container before it could.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import type { PortRequest, PublishedPort } from './port-bindings.js';

interface Held {
  owner: string;
  port: PublishedPort;
  socket: Server | UdpSocket;
}

const key = (proto: string, port: number) => `${proto}/${port}`;

export class PortReservations {
  private readonly held = new Map<string, Held[]>();

  private conflict(proto: string, hostIp: string, port: number): Held | undefined {
    return this.held.get(key(proto, port))?.find((h) => h.port.hostIp === hostIp || h.port.hostIp === '0.0.0.0' || hostIp === '0.0.0.0');
  }

  /** Binds a host port for each request; all or nothing. */
  async reserve(owner: string, requests: PortRequest[]): Promise<PublishedPort[]> {
    const got: PublishedPort[] = [];
    try {
      for (const r of requests) got.push(await this.reserveOne(owner, r));
      return got;
    } catch (e) {
      this.release(owner);
      throw e;
    }
  }

  private async reserveOne(owner: string, r: PortRequest): Promise<PublishedPort> {
    if (r.proto === 'sctp') throw new InvalidArgumentError('publishing SCTP ports is not supported by berth');
    const proto = r.proto;
    const [lo, hi] = r.hostPorts;
    const fixed = lo !== 0;
    let lastError: unknown;
    for (let port = lo; port <= hi; port++) {
      if (fixed && this.conflict(r.proto, r.hostIp, port)) {
        lastError = new ConflictError(`Bind for ${r.hostIp}:${port} failed: port is already allocated`);
        continue;
      }
      try {
        const { socket, bound } = await bind(proto, r.hostIp, port);
        const published: PublishedPort = { containerPort: r.containerPort, proto: r.proto, hostIp: r.hostIp, hostPort: bound };
        const list = this.held.get(key(r.proto, bound)) ?? [];
        list.push({ owner, port: published, socket });
        this.held.set(key(r.proto, bound), list);
        return published;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : (e as Error).message;
        lastError = new ConflictError(`failed to bind host port ${r.hostIp}:${port || '(any)'}/${r.proto}: ${why}`);
      }
    }
    throw lastError instanceof Error ? lastError : new ConflictError(`no free host port for ${r.containerPort}/${r.proto}`);
  }

  /** Re-binds the ports of a container found running at daemon start. */
  async adopt(owner: string, ports: PublishedPort[]): Promise<string[]> {
    const failed: string[] = [];
    for (const p of ports) {
      if (p.proto === 'sctp') continue;
      try {
        const { socket } = await bind(p.proto, p.hostIp, p.hostPort);
        const list = this.held.get(key(p.proto, p.hostPort)) ?? [];
        list.push({ owner, port: p, socket });
        this.held.set(key(p.proto, p.hostPort), list);
      } catch (e) {
        failed.push(`${p.hostIp}:${p.hostPort}/${p.proto}: ${(e as Error).message}`);
      }
    }
    return failed;
  }

  release(owner: string): void {
    for (const [k, list] of this.held) {
      const keep = list.filter((h) => {
        if (h.owner !== owner) return true;
        h.socket.close();
        return false;
      });
      if (keep.length) this.held.set(k, keep);
      else this.held.delete(k);
    }
  }

  closeAll(): void {
    for (const list of this.held.values()) for (const h of list) h.socket.close();
    this.held.clear();
  }
}

function bind(proto: 'tcp' | 'udp', host: string, port: number): Promise<{ socket: Server | UdpSocket; bound: number }> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket({ type: 'udp4', reuseAddr: false });
      s.once('error', reject);
      s.bind({ address: host, port, exclusive: true }, () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        s.unref();
        resolve({ socket: s, bound: s.address().port });
      });
      return;
    }
    const srv = createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true, backlog: 1 }, () => {
      srv.off('error', reject);
      srv.on('error', () => undefined);
      srv.unref();
      const addr = srv.address();
      resolve({ socket: srv, bound: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}
