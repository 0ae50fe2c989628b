// /containers endpoints.

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Hijacked, Transport } from './transport.js';
import { readText } from './transport.js';
import { ApiError } from './errors.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type {
  ContainerCreateBody,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  ContainerTop,
  FilesystemChange,
  PathStat,
  PruneReport,
  WaitResponse,
} from '../protocol/engine-api.js';

const id = (ref: string): string => encodeURIComponent(ref);

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface PendingWait {
  /** Resolves once the wait request is on the wire (safe to start the container). */
  sent: Promise<void>;
  /** The container's exit. */
  result: Promise<WaitResponse>;
}

export interface LogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
  details?: boolean;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  stream?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export class ContainersApi {
  constructor(private readonly t: Transport) {}

  create(body: ContainerCreateBody, opts: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.t.json({ method: 'POST', path: '/containers/create', query: { name: opts.name, platform: opts.platform }, json: body });
  }

  inspect(ref: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.t.json({ method: 'GET', path: `/containers/${id(ref)}/json`, query: { size: opts.size } });
  }

  list(opts: { all?: boolean; limit?: number; size?: boolean; filters?: FilterInput } = {}): Promise<ContainerSummary[]> {
    return this.t.json({
      method: 'GET',
      path: '/containers/json',
      query: { all: opts.all, limit: opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined, size: opts.size, filters: encodeFilters(opts.filters) },
    });
  }

  async start(ref: string, opts: { detachKeys?: string } = {}): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/start`, query: { detachKeys: opts.detachKeys } });
  }

  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/stop`, query: { t: opts.timeout, signal: opts.signal } });
  }

  async restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/restart`, query: { t: opts.timeout, signal: opts.signal } });
  }

  async kill(ref: string, signal?: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/kill`, query: { signal } });
  }

  /**
   * Start waiting. `sent` resolves once the daemon has surely registered the wait: when its
   * response headers arrive (dockerd and berthd flush them as soon as the waiter is in place),
   * or, for a daemon that holds them back, a moment after the request went out. `result`
   * brings the exit.
   */
  waitPending(ref: string, condition: WaitCondition = 'not-running', graceMs = 50): PendingWait {
    let markSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    const onWritten = (): void => void setTimeout(markSent, graceMs).unref();
    const result = (async (): Promise<WaitResponse> => {
      const res = await this.t.request({ method: 'POST', path: `/containers/${id(ref)}/wait`, query: { condition }, onSent: onWritten });
      markSent();
      const text = await readText(res);
      const parsed = JSON.parse(text.trim() || '{}') as WaitResponse;
      if (parsed.Error && parsed.Error.Message) throw new ApiError(500, parsed.Error.Message);
      return parsed;
    })();
    // A failed request is also "sent": the caller learns the failure from result.
    result.catch(() => markSent());
    return { sent, result };
  }

  wait(ref: string, condition: WaitCondition = 'not-running'): Promise<WaitResponse> {
    return this.waitPending(ref, condition).result;
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean; link?: boolean } = {}): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/containers/${id(ref)}`, query: { force: opts.force, v: opts.volumes, link: opts.link } });
  }

  async rename(ref: string, name: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/rename`, query: { name } });
  }

  async pause(ref: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/pause` });
  }

  async unpause(ref: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/unpause` });
  }

  top(ref: string, psArgs?: string): Promise<ContainerTop> {
    return this.t.json({ method: 'GET', path: `/containers/${id(ref)}/top`, query: { ps_args: psArgs } });
  }

  logs(ref: string, opts: LogsOptions): Promise<IncomingMessage> {
    return this.t.request({ method: 'GET', path: `/containers/${id(ref)}/logs`, query: { ...opts } });
  }

  attach(ref: string, opts: AttachOptions): Promise<Hijacked> {
    return this.t.hijack({
      method: 'POST',
      path: `/containers/${id(ref)}/attach`,
      query: { stream: opts.stream, logs: opts.logs, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, detachKeys: opts.detachKeys },
    });
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    await this.t.call({ method: 'POST', path: `/containers/${id(ref)}/resize`, query: { h: height, w: width } });
  }

  async changes(ref: string): Promise<FilesystemChange[]> {
    return (await this.t.json<FilesystemChange[] | null>({ method: 'GET', path: `/containers/${id(ref)}/changes` })) ?? [];
  }

  export(ref: string): Promise<IncomingMessage> {
    return this.t.request({ method: 'GET', path: `/containers/${id(ref)}/export` });
  }

  stats(ref: string, opts: { stream: boolean; oneShot?: boolean }): Promise<IncomingMessage> {
    return this.t.request({
      method: 'GET',
      path: `/containers/${id(ref)}/stats`,
      query: { stream: opts.stream ? '1' : '0', 'one-shot': opts.oneShot },
    });
  }

  /** HEAD /archive: the stat of a path in the container (X-Docker-Container-Path-Stat). */
  async statPath(ref: string, path: string): Promise<PathStat> {
    const res = await this.t.request({ method: 'HEAD', path: `/containers/${id(ref)}/archive`, query: { path } });
    res.resume();
    return decodePathStat(res.headers['x-docker-container-path-stat']);
  }

  /** GET /archive: a tar of the path, and the stat of what it holds. */
  async getArchive(ref: string, path: string): Promise<{ stream: IncomingMessage; stat: PathStat }> {
    const res = await this.t.request({ method: 'GET', path: `/containers/${id(ref)}/archive`, query: { path } });
    return { stream: res, stat: decodePathStat(res.headers['x-docker-container-path-stat']) };
  }

  /** PUT /archive: extract a tar into a directory of the container. */
  async putArchive(
    ref: string,
    path: string,
    tar: Readable,
    opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {},
  ): Promise<void> {
    await this.t.call({
      method: 'PUT',
      path: `/containers/${id(ref)}/archive`,
      query: { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, copyUIDGID: opts.copyUIDGID },
      body: tar,
      contentType: 'application/x-tar',
    });
  }

  /** POST /commit; repo is the full name ("docker.io/library/x"), as docker's client sends it. */
  commit(
    ref: string,
    opts: { repo?: string; tag?: string; comment?: string; author?: string; pause?: boolean; changes?: readonly string[] },
  ): Promise<{ Id: string }> {
    return this.t.json({
      method: 'POST',
      path: '/commit',
      query: {
        container: ref,
        repo: opts.repo ?? '',
        tag: opts.tag ?? '',
        comment: opts.comment ?? '',
        author: opts.author ?? '',
        pause: opts.pause === false ? '0' : undefined,
        changes: opts.changes,
      },
    });
  }

  async update(ref: string, body: Record<string, unknown>): Promise<{ Warnings?: string[] | null }> {
    return (await this.t.json<{ Warnings?: string[] | null } | undefined>({ method: 'POST', path: `/containers/${id(ref)}/update`, json: body })) ?? {};
  }

  prune(filters?: FilterInput): Promise<PruneReport> {
    return this.t.json({ method: 'POST', path: '/containers/prune', query: { filters: encodeFilters(filters) } });
  }
}

export function decodePathStat(header: string | string[] | undefined): PathStat {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new Error('unable to get resource stat from response: no X-Docker-Container-Path-Stat header');
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as PathStat;
}
