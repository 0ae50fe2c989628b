// The campaign's API client: plain HTTP over the daemon's unix socket with a deadline on every
// call (a daemon that stops answering is itself a finding), and hijacked calls (attach, exec
// start) read to the end of the stream or the deadline, demultiplexed.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Reply {
  status: number;
  text: string;
  body: Buffer;
}

/** Thrown when no reply came: connection refused/reset (daemon down) or the deadline passed. */
export class NoReply extends Error {}

export class Api {
  constructor(public socket: string) {}

  call(method: string, path: string, body?: unknown, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = request({
        socketPath: this.socket,
        method,
        path,
        headers: { ...(payload && !Buffer.isBuffer(body) ? { 'Content-Type': 'application/json' } : {}), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: buf, text: buf.toString('utf8') });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(new NoReply(`${method} ${path}: ${e.message}`));
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no reply in ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(new NoReply(`${method} ${path}: ${e.message}`));
      });
      req.end(payload);
    });
  }

  async json<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const r = await this.call(method, path, body, timeoutMs);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.trim()}`);
    return JSON.parse(r.text) as T;
  }

  /**
   * A hijacked call (attach, exec start): sends the request, reads until the daemon closes the
   * stream or `readMs` passes, and returns the status and the demultiplexed stdout.
   */
  hijack(path: string, body: unknown, readMs: number): Promise<{ status: number; stdout: string; raw: string }> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body ?? {}));
      const sock = connect(this.socket);
      const chunks: Buffer[] = [];
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        const all = Buffer.concat(chunks);
        const sep = all.indexOf('\r\n\r\n');
        if (sep < 0) {
          reject(new NoReply(`POST ${path}: no response head`));
          return;
        }
        const head = all.subarray(0, sep).toString();
        const status = Number(/^HTTP\/1\.\d (\d+)/.exec(head)?.[1] ?? 0);
        const rest = all.subarray(sep + 4);
        resolve({ status, stdout: status < 300 ? demux(rest).stdout : '', raw: rest.toString() });
      };
      const timer = setTimeout(finish, readMs);
      sock.on('connect', () => {
        sock.write(`POST ${path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n` +
          'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
        sock.write(payload);
      });
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('end', finish);
      sock.on('close', finish);
      sock.on('error', (e) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(new NoReply(`POST ${path}: ${e.message}`));
      });
    });
  }
}

/** Docker's stdcopy framing: 8-byte headers (stream, 0, 0, 0, big-endian length). */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  let off = 0;
  while (off + 8 <= buf.length) {
    const stream = buf[off]!;
    const len = buf.readUInt32BE(off + 4);
    const data = buf.subarray(off + 8, off + 8 + len).toString();
    if (stream === 2) stderr += data;
    else stdout += data;
    off += 8 + len;
  }
  return { stdout, stderr };
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
