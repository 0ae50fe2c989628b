// Debian's docker-registry (distribution 2.8, the reference implementation) started per test on
// a loopback port with its own root and config, optionally behind htpasswd Basic auth; killed
// by PID. Also a small proxy that can corrupt or cut what passes, and a Bearer token front.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { freePorts } from './harness.js';

export class Registry {
  proc?: ChildProcess;
  log = '';
  readonly root: string;

  private constructor(readonly port: number, readonly users: Record<string, string>) {
    this.root = mkdtempSync(path.join(tmpdir(), 'bt-reg-'));
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(users: Record<string, string> = {}): Promise<Registry> {
    const r = new Registry(await freePorts(1, '127.0.0.1'), users);
    await r.launch();
    return r;
  }

  private async launch(): Promise<void> {
    const auth = Object.keys(this.users).length
      ? `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${path.join(this.root, 'htpasswd')}\n`
      : '';
    if (auth) {
      const lines = Object.entries(this.users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
      await fs.writeFile(path.join(this.root, 'htpasswd'), lines.join('\n') + '\n');
    }
    const cfg = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${path.join(this.root, 'data')}
  delete:
    enabled: true
http:
  addr: ${this.addr}
${auth}`;
    await fs.writeFile(path.join(this.root, 'config.yml'), cfg);
    const p = spawn('/usr/bin/docker-registry', ['serve', path.join(this.root, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (b: Buffer) => (this.log += b.toString()));
    this.proc = p;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`docker-registry exited ${p.exitCode}: ${this.log}`);
      const status = await new Promise<number>((resolve) => {
        http.get(`http://${this.addr}/v2/`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', () => resolve(0));
      });
      if (status === 200 || status === 401) return;
      if (Date.now() > deadline) throw new Error(`docker-registry did not come up: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** Starts again on the same port and storage (after kill). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    await fs.rm(this.root, { recursive: true, force: true });
  }

  /** GET from the registry directly: JSON or bytes, with status. */
  async get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      http.get(`http://${this.addr}${p}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  }

  /** Uploads a blob (POST then PUT with the digest); returns its digest. */
  async uploadBlob(repo: string, body: Buffer): Promise<string> {
    const digest = sha256(body);
    const opened = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`http://${this.addr}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': 0 } }, resolve);
      req.on('error', reject);
      req.end();
    });
    opened.resume();
    const loc = new URL(String(opened.headers.location), `http://${this.addr}`);
    loc.searchParams.set('digest', digest);
    const res = await this.put(loc.pathname + loc.search, body, 'application/octet-stream');
    if (res.status !== 201) throw new Error(`blob upload: ${res.status} ${res.body.toString()}`);
    return digest;
  }

  async put(p: string, body: Buffer, contentType: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`http://${this.addr}${p}`, { method: 'PUT', headers: { 'Content-Type': contentType, 'Content-Length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

export type ProxyMode = { kind: 'pass' } | { kind: 'corrupt'; digest: string } | { kind: 'bearer'; token: string; realm: string } | { kind: 'cut'; digest: string; after: number; onCut?: () => void };

/**
 * An HTTP front for a registry on loopback: passes requests through, or corrupts one blob's
 * bytes (same length), or cuts a blob after N bytes once, or demands a Bearer token (a token
 * endpoint at /token hands one out for user "tok" / password "tokpw").
 */
export class RegistryProxy {
  private server!: http.Server;
  port = 0;
  cuts = 0;
  tokenRequests: string[] = [];

  constructor(private readonly upstream: string, public mode: ProxyMode) {}

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePorts(1, '127.0.0.1');
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = this.mode;
    if (m.kind === 'bearer') {
      if (req.url?.startsWith('/token')) {
        this.tokenRequests.push(req.url);
        const a = req.headers.authorization;
        const ok = a === `Basic ${Buffer.from('tok:tokpw').toString('base64')}`;
        if (!ok) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end('{"details":"incorrect username or password"}');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: m.token, expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${m.token}`) {
        const scope = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(req.url ?? '');
        res.writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="${m.realm}",service="berth-test"${scope ? `,scope="repository:${scope[1]}:pull"` : ''}`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
    }
    const headers = { ...req.headers, host: this.upstream };
    delete headers.authorization;
    const up = http.request(`http://${this.upstream}${req.url}`, { method: req.method, headers }, (ur) => {
      const isBlob = req.method === 'GET' && (m.kind === 'corrupt' || m.kind === 'cut') && req.url?.endsWith(`/blobs/${m.digest}`);
      const outHeaders = { ...ur.headers };
      if (typeof outHeaders.location === 'string') outHeaders.location = outHeaders.location.replace(this.upstream, this.addr);
      res.writeHead(ur.statusCode ?? 502, outHeaders);
      if (!isBlob) {
        ur.pipe(res);
        return;
      }
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        if (m.kind === 'corrupt') {
          const b = Buffer.from(c);
          for (let i = 0; i < b.length; i += 97) b[i] = b[i]! ^ 0xff;
          res.write(b);
        } else if (m.kind === 'cut' && !req.headers.range && sent + c.length > m.after) {
          if (res.destroyed) return;
          res.write(c.subarray(0, m.after - sent));
          this.cuts++;
          ur.destroy();
          res.destroy();
          m.onCut?.();
        } else {
          res.write(c);
        }
        sent += c.length;
      });
      ur.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}
