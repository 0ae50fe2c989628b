// /volumes endpoints.

import type { Transport } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type { PruneReport, Volume, VolumeCreateBody, VolumeListResponse } from '../protocol/engine-api.js';

export class VolumesApi {
  constructor(private readonly t: Transport) {}

  create(body: VolumeCreateBody): Promise<Volume> {
    return this.t.json({ method: 'POST', path: '/volumes/create', json: body });
  }

  list(opts: { filters?: FilterInput } = {}): Promise<VolumeListResponse> {
    return this.t.json({ method: 'GET', path: '/volumes', query: { filters: encodeFilters(opts.filters) } });
  }

  inspect(name: string): Promise<Volume> {
    return this.t.json({ method: 'GET', path: `/volumes/${encodeURIComponent(name)}` });
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.t.call({ method: 'DELETE', path: `/volumes/${encodeURIComponent(name)}`, query: { force: opts.force } });
  }

  prune(opts: { filters?: FilterInput } = {}): Promise<PruneReport> {
    return this.t.json({ method: 'POST', path: '/volumes/prune', query: { filters: encodeFilters(opts.filters) } });
  }
}
