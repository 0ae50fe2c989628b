// POST /build (the classic builder's protocol) and the build cache; berth's tag log and
// rollback routes. The build's progress comes back as a JSON message stream.

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Ulimit } from '../protocol/engine-api.js';
import type { Transport } from './transport.js';

export interface BuildOptions {
  tags?: string[];
  dockerfile?: string;
  buildArgs?: Record<string, string | null>;
  noCache?: boolean;
  pull?: boolean;
  rm?: boolean;
  forceRm?: boolean;
  target?: string;
  labels?: Record<string, string>;
  quiet?: boolean;
  networkMode?: string;
  cacheFrom?: string[];
  /** "name:ip" entries for the RUN steps' /etc/hosts (docker build --add-host). */
  extraHosts?: string[];
  platform?: string;
  /** The RUN steps' limits (docker build --memory, --shm-size, --ulimit …); 0 or absent is none. */
  limits?: BuildLimits;
}

export interface BuildLimits {
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  cgroupParent?: string;
  shmSize?: number;
  ulimits?: Ulimit[];
}

export interface TagLogRow {
  Id: string;
  Time: string;
  Source: string;
  Present: boolean;
  Current: boolean;
}

const name = (ref: string): string => encodeURIComponent(ref);

export class BuildApi {
  constructor(private readonly t: Transport) {}

  build(context: Readable, o: BuildOptions): Promise<IncomingMessage> {
    return this.t.request({
      method: 'POST',
      path: '/build',
      query: {
        t: o.tags, dockerfile: o.dockerfile, buildargs: o.buildArgs && JSON.stringify(o.buildArgs), nocache: o.noCache, cachefrom: o.cacheFrom?.length ? JSON.stringify(o.cacheFrom) : undefined, pull: o.pull,
        rm: o.rm, forcerm: o.forceRm, target: o.target, labels: o.labels && JSON.stringify(o.labels), q: o.quiet,
        networkmode: o.networkMode, extrahosts: o.extraHosts?.length ? o.extraHosts.join(',') : undefined, platform: o.platform, version: '1',
        memory: o.limits?.memory || undefined, memswap: o.limits?.memorySwap || undefined, cpushares: o.limits?.cpuShares || undefined,
        cpuperiod: o.limits?.cpuPeriod || undefined, cpuquota: o.limits?.cpuQuota || undefined, cpusetcpus: o.limits?.cpusetCpus,
        cpusetmems: o.limits?.cpusetMems, cgroupparent: o.limits?.cgroupParent, shmsize: o.limits?.shmSize || undefined,
        ulimits: o.limits?.ulimits?.length ? JSON.stringify(o.limits.ulimits) : undefined,
      },
      body: context,
      contentType: 'application/x-tar',
    });
  }

  prune(all = false): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.t.json({ method: 'POST', path: '/build/prune', query: { all } });
  }

  tagLog(ref: string): Promise<TagLogRow[]> {
    return this.t.json({ method: 'GET', path: `/images/${name(ref)}/log` });
  }

  rollback(ref: string, to?: string): Promise<{ Id: string }> {
    return this.t.json({ method: 'POST', path: `/images/${name(ref)}/rollback`, query: { to } });
  }
}
