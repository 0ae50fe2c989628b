// The embedded DNS server of user-defined networks: 127.0.0.11:53 in a container, as docker's,
// which the container's route and the host's DNAT send to the network's gateway address, where
// this listens (UDP and TCP; see firewall-rules.ts). It answers A, AAAA (and PTR) queries for the names of containers
// on the networks the asking container is on: container names, network aliases, hostnames and
// short IDs. Other queries are relayed to upstream servers (the container's --dns, else the
// host's resolvers) and their answer passed back unchanged.
//
// Messages are read and written by dns-packet (RFC 1035 codec: compression, bounds, malformed
// input). Every datagram comes from a process inside a container, so nothing it holds may
// throw out of the handler: a failure answers SERVFAIL (or FORMERR) and is logged.
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { formatIPv6 } from './ipv6.js';

export interface NameSource {
  /** Addresses of `name` for the container at `clientIp`; undefined when no container there has it. */
  resolve(clientIp: string, name: string, family?: 4 | 6): string[] | undefined;
  /** The name of the container at `ip` as the client at `clientIp` sees it (PTR). */
  reverse(clientIp: string, ip: string): string | undefined;
  /** Where to relay other queries from the client: "ip" or "ip:port". */
  upstreams(clientIp: string): string[];
}

const FORWARD_TIMEOUT_MS = 3000;
/** A TCP client that sends nothing for this long is let go (RFC 7766 suggests seconds). */
const TCP_IDLE_MS = 10_000;
/** TCP connections at once per address: a container cannot hold berthd's file descriptors. */
const TCP_MAX_CONNECTIONS = 64;
const TTL = 600;

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3 } as const;
type Rcode = keyof typeof RCODES;

export class EmbeddedDns {
  private readonly sockets = new Map<string, Socket>();
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly names: NameSource,
    private readonly log: { warn(m: string): void },
    /** 53 in service; tests pick a free port. */
    private readonly port = 53,
  ) {}

  /** Serves on `address`:53, UDP and TCP (a gateway address, present on its bridge). */
  async listen(address: string): Promise<void> {
    if (this.sockets.has(address)) return;
    const s = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address, port: this.port, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (e) => this.log.warn(`dns on ${address}: ${e.message}`));
    s.on('message', (msg, rinfo) => {
      this.answer(msg, rinfo.address).then((b) => b && s.send(b, rinfo.port, rinfo.address, () => undefined)).catch((e: unknown) => {
        this.log.warn(`dns on ${address}: query from ${rinfo.address}: ${e instanceof Error ? e.message : String(e)}`);
      });
    });
    s.unref();
    this.sockets.set(address, s);
    const tcp = createServer((c) => this.serveTcp(c, address));
    tcp.maxConnections = TCP_MAX_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: address, port: this.port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      // UDP is what resolvers use; without TCP only answers too long for a datagram are lost.
      this.log.warn(`dns on ${address}: no TCP: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    tcp.on('error', (e) => this.log.warn(`dns on ${address} (tcp): ${e.message}`));
    tcp.unref();
    this.servers.set(address, tcp);
  }

  /** DNS over TCP (RFC 1035 4.2.2): each message after its 2-byte length, answers in kind, in order. */
  private serveTcp(c: TcpSocket, address: string): void {
    const client = c.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    let pending = Buffer.alloc(0);
    let answering = Promise.resolve();
    c.setTimeout(TCP_IDLE_MS, () => c.destroy());
    c.on('error', () => undefined);
    c.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let msg = firstFrame(pending); msg; msg = firstFrame(pending)) {
        pending = pending.subarray(2 + msg.length);
        answering = answering.then(() => this.answer(Buffer.from(msg), client, true)).then((b) => {
          if (!b || c.destroyed) return;
          c.write(Buffer.concat([lengthPrefix(b.length), b]));
        }).catch((e: unknown) => {
          this.log.warn(`dns on ${address} (tcp): query from ${client}: ${e instanceof Error ? e.message : String(e)}`);
          c.destroy();
        });
      }
    });
  }

  close(address: string): void {
    this.sockets.get(address)?.close();
    this.sockets.delete(address);
    this.servers.get(address)?.close();
    this.servers.delete(address);
  }

  closeAll(): void {
    for (const a of [...this.sockets.keys()]) this.close(a);
  }

  /** Whether an upstream ("ip" or "ip:port") is this server: relaying to it would loop. */
  private isSelf(upstream: string): boolean {
    const [host, port = '53'] = upstream.split(':') as [string, string?];
    return this.sockets.has(host) && Number(port) === this.port;
  }

  /** The answer to a query from `client` (undefined: none is sent). */
  private async answer(msg: Buffer, client: string, tcp = false): Promise<Buffer | undefined> {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return formatError(msg);
    }
    const question = q.questions?.[0];
    // Only standard queries with one question; responses sent to us are dropped.
    if (q.type !== 'query' || q.questions?.length !== 1 || !question) return formatError(msg);
    try {
      const name = question.name.toLowerCase().replace(/\.$/, '');
      if (question.type === 'PTR') {
        const ip = reverseName(name);
        const target = ip ? this.names.reverse(client, ip) : undefined;
        if (target) return response(q, 'NOERROR', [{ type: 'PTR', name: question.name, ttl: TTL, data: target }]);
      } else {
        const addrs = this.names.resolve(client, name);
        if (addrs) {
          // A known name: its A records, or its AAAA records on networks with IPv6 (none on
          // others); for other types no records, but no NXDOMAIN either.
          const records: dnsPacket.Answer[] = question.type === 'A'
            ? addrs.map((data) => ({ type: 'A', name: question.name, ttl: TTL, data }))
            : question.type === 'AAAA'
              ? (this.names.resolve(client, name, 6) ?? []).map((data) => ({ type: 'AAAA', name: question.name, ttl: TTL, data }))
              : [];
          return response(q, 'NOERROR', records);
        }
      }
    } catch (e) {
      // A name we cannot put on the wire (say a 70-character container name as a PTR target).
      this.log.warn(`dns: answering ${question.type} ${question.name} for ${client}: ${e instanceof Error ? e.message : String(e)}`);
      return response(q, 'SERVFAIL');
    }
    const upstream = await forward(msg, this.names.upstreams(client).filter((u) => !this.isSelf(u)), tcp);
    return upstream ?? response(q, 'SERVFAIL');
  }
}

/**
 * RFC 1035 2.3.4: labels of 63 octets at most, names of 255 on the wire. dns-packet writes what
 * it is given, so a longer label would come out as a corrupt message: refuse it here.
 */
export function checkName(name: string): void {
  const labels = name.replace(/\.$/, '').split('.');
  for (const l of labels) {
    const n = Buffer.byteLength(l);
    if (n === 0 || n > 63) throw new Error(`label of ${n} octets in ${JSON.stringify(name)} (1 to 63 allowed)`);
  }
  if (Buffer.byteLength(name.replace(/\.$/, '')) + 2 > 255) throw new Error(`name longer than 255 octets: ${name}`);
}

/** An authoritative answer to `q`: its records, or an rcode (opcode and RD copied, RA set). */
export function response(q: dnsPacket.Packet, rcode: Rcode, answers: dnsPacket.Answer[] = []): Buffer {
  for (const a of answers) if (a.type === 'PTR') checkName(a.data);
  // dns-packet writes the header's flags word as given (less QR): opcode, AA, RD, RA, rcode.
  const copied = (q.flags ?? 0) & (0x7800 | dnsPacket.RECURSION_DESIRED);
  return dnsPacket.encode({
    id: q.id,
    type: 'response',
    flags: copied | dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode],
    questions: q.questions,
    answers,
  } as dnsPacket.Packet);
}

/** A bare FORMERR answer for a message that could not be parsed (only its ID is kept). */
export function formatError(msg: Buffer): Buffer | undefined {
  if (msg.length < 2 || (msg.length >= 3 && msg[2]! & 0x80)) return undefined; // too short, or a response
  const b = Buffer.alloc(12);
  msg.copy(b, 0, 0, 2);
  b.writeUInt16BE(0x8000 | 1, 2);
  return b;
}

/** "4.3.2.1.in-addr.arpa" → "1.2.3.4"; "b.a.9.8…ip6.arpa" (32 nibbles) → the IPv6 address, canonical. */
export function reverseName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (m) return `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa\.?$/i.exec(name);
  return v6 ? formatIPv6(BigInt(`0x${v6[1]!.split('.').reverse().join('')}`)) : undefined;
}

/**
 * Relays a query to each upstream in turn (a connected socket, so a refused port fails at once),
 * over the transport it came by: a client asks over TCP for an answer too long for a datagram.
 */
async function forward(msg: Buffer, upstreams: string[], tcp: boolean): Promise<Buffer | undefined> {
  for (const u of upstreams) {
    const [host, port = '53'] = u.split(':') as [string, string?];
    const answer = tcp ? await forwardTcp(msg, host, Number(port)) : await new Promise<Buffer | undefined>((resolve) => {
      const s = createSocket('udp4');
      const done = (b?: Buffer) => {
        clearTimeout(timer);
        try {
          s.close();
        } catch {
          /* already closed */
        }
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

function forwardTcp(msg: Buffer, host: string, port: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const s = connect({ host, port });
    const done = (b?: Buffer) => {
      clearTimeout(timer);
      s.destroy();
      resolve(b);
    };
    const timer = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
    s.on('error', () => done());
    s.on('close', () => done());
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const answer = firstFrame(got);
      if (answer) done(answer);
    });
    s.write(Buffer.concat([lengthPrefix(msg.length), msg]));
  });
}

/** The first whole message of a DNS-over-TCP stream (after its 2-byte length), or undefined. */
function firstFrame(buf: Buffer): Buffer | undefined {
  return buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0) ? buf.subarray(2, 2 + buf.readUInt16BE(0)) : undefined;
}

/** DNS over TCP's 2-byte message length (RFC 1035 4.2.2). */
function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
