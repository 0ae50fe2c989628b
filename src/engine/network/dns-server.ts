// The embedded DNS server of user-defined networks (Docker's 127.0.0.11, here on each network's
// gateway address, port 53, UDP). It answers A (and PTR) queries for the names of containers
// on the networks the asking container is on: container names, network aliases, hostnames and
// short IDs. Other queries are relayed to upstream servers (the container's --dns, else the
// host's resolvers) and their answer passed back unchanged.
import { createSocket, type Socket } from 'node:dgram';
import {
  RCODE_NOERROR, RCODE_SERVFAIL, TYPE_A, TYPE_PTR, buildResponse, formatError, parseQuery, reverseName,
  type AnswerRecord,
} from './dns-message.js';

export interface NameSource {
  /** Addresses of `name` for the container at `clientIp`; undefined when no container there has it. */
  resolve(clientIp: string, name: string): string[] | undefined;
  /** The name of the container at `ip` as the client at `clientIp` sees it (PTR). */
  reverse(clientIp: string, ip: string): string | undefined;
  /** Where to relay other queries from the client: "ip" or "ip:port". */
  upstreams(clientIp: string): string[];
}

const FORWARD_TIMEOUT_MS = 3000;

export class EmbeddedDns {
  private readonly sockets = new Map<string, Socket>();

  constructor(private readonly names: NameSource, private readonly log: { warn(m: string): void }) {}

  /** Serves on `address`:53 (a gateway address, present on its bridge). */
  async listen(address: string): Promise<void> {
    if (this.sockets.has(address)) return;
    const s = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address, port: 53, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (e) => this.log.warn(`dns on ${address}: ${e.message}`));
    s.on('message', (msg, rinfo) => void this.answer(s, msg, rinfo.address, rinfo.port));
    s.unref();
    this.sockets.set(address, s);
  }

  close(address: string): void {
    this.sockets.get(address)?.close();
    this.sockets.delete(address);
  }

  closeAll(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private async answer(s: Socket, msg: Buffer, client: string, port: number): Promise<void> {
    const reply = (b: Buffer | undefined) => {
      if (b) s.send(b, port, client, () => undefined);
    };
    const q = parseQuery(msg);
    if (!q) return reply(formatError(msg));
    const name = q.question.name.toLowerCase().replace(/\.$/, '');
    if (q.question.type === TYPE_PTR) {
      const ip = reverseName(name);
      const target = ip ? this.names.reverse(client, ip) : undefined;
      if (target) return reply(buildResponse(q, RCODE_NOERROR, [{ type: TYPE_PTR, target }]));
    } else {
      const addrs = this.names.resolve(client, name);
      if (addrs) {
        // A known name: its A records; no other records (AAAA etc.) but no NXDOMAIN either.
        const records: AnswerRecord[] = q.question.type === TYPE_A ? addrs.map((address) => ({ type: TYPE_A, address })) : [];
        return reply(buildResponse(q, RCODE_NOERROR, records));
      }
    }
    const upstream = await forward(msg, this.names.upstreams(client).filter((u) => !this.sockets.has(u.split(':')[0]!)));
    reply(upstream ?? buildResponse(q, RCODE_SERVFAIL));
  }
}

/** Relays a query to each upstream in turn (a connected socket, so a refused port fails at once). */
async function forward(msg: Buffer, upstreams: string[]): Promise<Buffer | undefined> {
  for (const u of upstreams) {
    const [host, port = '53'] = u.split(':') as [string, string?];
    const answer = await new Promise<Buffer | undefined>((resolve) => {
      const s = createSocket('udp4');
      const done = (b?: Buffer) => {
        clearTimeout(timer);
        s.close();
        resolve(b);
      };
      const timer = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
      s.on('error', () => done());
      s.on('message', (b) => done(b));
      s.connect(Number(port), host, () => s.send(msg, (e) => e && done()));
    });
    if (answer) return answer;
  }
  return undefined;
}
