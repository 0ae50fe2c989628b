// System endpoints: ping, version, info, disk usage, events.

import type { IncomingMessage } from 'node:http';
import type { Transport } from './transport.js';
import { readText } from './transport.js';
import { encodeFilters, type FilterInput } from './filters.js';
import type { DiskUsage, SystemInfo, VersionResponse } from '../protocol/engine-api.js';

export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental: boolean;
}

export class SystemApi {
  constructor(private readonly t: Transport) {}

  async ping(): Promise<PingResult> {
    const res = await this.t.request({ method: 'GET', path: '/_ping' });
    await readText(res);
    const header = (h: string): string | undefined => {
      const v = res.headers[h];
      return Array.isArray(v) ? v[0] : v;
    };
    return { apiVersion: header('api-version'), osType: header('ostype'), experimental: header('docker-experimental') === 'true' };
  }

  version(): Promise<VersionResponse> {
    return this.t.json({ method: 'GET', path: '/version' });
  }

  info(): Promise<SystemInfo> {
    return this.t.json({ method: 'GET', path: '/info' });
  }

  df(types?: readonly string[]): Promise<DiskUsage> {
    return this.t.json({ method: 'GET', path: '/system/df', query: { type: types } });
  }

  /** GET /events: newline-delimited JSON events until `until` or the caller closes it. */
  events(opts: { since?: string; until?: string; filters?: FilterInput } = {}): Promise<IncomingMessage> {
    return this.t.request({ method: 'GET', path: '/events', query: { since: opts.since, until: opts.until, filters: encodeFilters(opts.filters) } });
  }
}
