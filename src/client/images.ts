// /images endpoints. Progress streams (pull, load, import) come back as responses to read
// with protocol/json-messages.

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Transport } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type { ImageDeleteItem, ImageHistoryItem, ImageInspect, ImageSummary, PruneReport } from '../protocol/engine-api.js';

const name = (ref: string): string => encodeURIComponent(ref);

export class ImagesApi {
  constructor(private readonly t: Transport) {}

  list(opts: { all?: boolean; digests?: boolean; filters?: FilterInput; sharedSize?: boolean } = {}): Promise<ImageSummary[]> {
    return this.t.json({
      method: 'GET',
      path: '/images/json',
      query: { all: opts.all, digests: opts.digests, 'shared-size': opts.sharedSize, filters: encodeFilters(opts.filters) },
    });
  }

  inspect(ref: string): Promise<ImageInspect> {
    return this.t.json({ method: 'GET', path: `/images/${name(ref)}/json` });
  }

  async remove(ref: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return (await this.t.json<ImageDeleteItem[] | null>({ method: 'DELETE', path: `/images/${name(ref)}`, query: { force: opts.force, noprune: opts.noPrune } })) ?? [];
  }

  async tag(source: string, repo: string, tag?: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `/images/${name(source)}/tag`, query: { repo, tag } });
  }

  async history(ref: string): Promise<ImageHistoryItem[]> {
    return (await this.t.json<ImageHistoryItem[] | null>({ method: 'GET', path: `/images/${name(ref)}/history` })) ?? [];
  }

  /** GET /images/get: a tar of one or more images. */
  save(refs: readonly string[]): Promise<IncomingMessage> {
    return this.t.request({ method: 'GET', path: '/images/get', query: { names: refs } });
  }

  /** POST /images/load: a progress stream (JSON messages) comes back. */
  load(tar: Readable, opts: { quiet?: boolean } = {}): Promise<IncomingMessage> {
    return this.t.request({ method: 'POST', path: '/images/load', query: { quiet: opts.quiet }, body: tar, contentType: 'application/x-tar' });
  }

  /** POST /images/create?fromSrc=-: a filesystem tar becomes an image. */
  import(
    source: Readable | string,
    opts: { repo?: string; tag?: string; message?: string; changes?: readonly string[]; platform?: string } = {},
  ): Promise<IncomingMessage> {
    const fromSrc = typeof source === 'string' ? source : '-';
    return this.t.request({
      method: 'POST',
      path: '/images/create',
      query: { fromSrc, repo: opts.repo, tag: opts.tag, message: opts.message, platform: opts.platform, changes: opts.changes },
      body: typeof source === 'string' ? undefined : source,
      contentType: 'application/x-tar',
    });
  }

  /** POST /images/create?fromImage=: pull, a progress stream comes back. */
  pull(fromImage: string, tag: string | undefined, opts: { platform?: string; auth?: string } = {}): Promise<IncomingMessage> {
    return this.t.request({
      method: 'POST',
      path: '/images/create',
      query: { fromImage, tag, platform: opts.platform },
      headers: { 'X-Registry-Auth': opts.auth ?? 'e30=' },
    });
  }

  /** `history` (berth's own) also removes images only a tag's history keeps. */
  prune(opts: { filters?: FilterInput; history?: boolean } = {}): Promise<PruneReport> {
    return this.t.json({ method: 'POST', path: '/images/prune', query: { filters: encodeFilters(opts.filters), history: opts.history } });
  }
}
