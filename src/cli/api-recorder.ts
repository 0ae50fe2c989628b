// For tests: a fake Engine API on a unix socket that answers with canned replies and records
// every request, so a test can run the real docker CLI and berth with the same arguments and
// compare what they sent, printed and exited with.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOCKER_CLI = '/usr/local/bin/docker';
export const HAVE_DOCKER = existsSync(DOCKER_CLI);
const BERTH_MAIN = fileURLToPath(new URL('../bin/berth.js', import.meta.url));

export interface RecordedRequest {
  method: string;
  /** Without the /vX.Y prefix and the query. */
  path: string;
  /** The query, with `filters` decoded from its JSON. */
  query: Record<string, unknown>;
  /** The body as parsed JSON (undefined when empty). */
  body: unknown;
}

export interface Reply {
  status?: number;
  json?: unknown;
}

/** Answers a request; undefined means 404 "page not found". */
export type Route = (method: string, path: string) => Reply | undefined;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  requests: RecordedRequest[];
}

export class ApiRecorder {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'berth-api-recorder-'));
  readonly socket = path.join(this.dir, 'api.sock');
  private readonly server: http.Server;
  private log: RecordedRequest[] = [];

  constructor(route: Route) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const p = url.pathname.replace(/^\/v\d+\.\d+/, '');
        res.setHeader('Api-Version', '1.50');
        if (p === '/_ping') {
          res.end('OK');
          return;
        }
        const query: Record<string, unknown> = {};
        for (const [k, v] of url.searchParams) query[k] = k === 'filters' ? JSON.parse(v) : v;
        const text = Buffer.concat(chunks).toString();
        this.log.push({ method: req.method ?? '', path: p, query, body: text.trim() ? JSON.parse(text) : undefined });
        const reply = route(req.method ?? '', p) ?? { status: 404, json: { message: 'page not found' } };
        res.statusCode = reply.status ?? 200;
        if (reply.json === undefined) {
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(reply.json));
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socket, resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        rmSync(this.dir, { recursive: true, force: true });
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  /** Run `docker ARGS` or `berth ARGS` against this API. */
  run(cli: 'docker' | 'berth', args: readonly string[], input = ''): Promise<CliRun> {
    this.log = [];
    const host = `unix://${this.socket}`;
    const bin = cli === 'docker' ? [DOCKER_CLI] : [process.execPath, BERTH_MAIN];
    return new Promise((resolve, reject) => {
      const p = spawn(bin[0] as string, [...bin.slice(1), ...args], {
        env: { PATH: process.env['PATH'] ?? '', HOME: this.dir, DOCKER_HOST: host, BERTH_HOST: host, DOCKER_CONFIG: path.join(this.dir, 'docker-config') },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, requests: this.log }));
      // A CLI that exits before reading its stdin: EPIPE is no failure of the run.
      p.stdin.on('error', () => undefined);
      p.stdin.end(input);
    });
  }
}
