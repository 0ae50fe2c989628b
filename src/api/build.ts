// POST /build (the classic builder's protocol, which the docker CLI uses without buildx) and
// POST /build/prune. The context tar is the request body, streamed to the builder; progress
// goes back as JSON lines ({"stream": …}, {"aux": {"ID": …}}, {"errorDetail": …}). A client
// that hangs up cancels the build, which stops its running step.
import type { Builder, BuildRequest, StepHostConfig } from '../engine/build/builder.js';
import type { Ulimit } from '../protocol/engine-api.js';
import { BuildStepError } from '../engine/build/run-step.js';
import { errorMessage } from '../errors.js';
import { HttpError } from './errors.js';
import { sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

export interface BuildBackend {
  builder: Builder;
  /** Forgets the build cache and removes the images only it kept; bytes reclaimed. */
  pruneCache(all: boolean): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

function jsonParam<T>(r: ApiRequest, name: string, fallback: T): T {
  const v = r.str(name);
  if (!v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    throw new HttpError(400, `invalid ${name} parameter: not JSON`);
  }
}

/** cachefrom: a JSON array of image names. */
function cacheFromParam(r: ApiRequest): string[] {
  const v = jsonParam<unknown>(r, 'cachefrom', []);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new HttpError(400, 'invalid cachefrom parameter: want a JSON array of image names');
  return v as string[];
}

/** X-Registry-Config: base64url JSON of registry → credentials, as the docker CLI sends it. */
function registryConfig(h: string | string[] | undefined): Record<string, unknown> | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    throw new HttpError(400, 'invalid X-Registry-Config header: must be base64url-encoded JSON');
  }
}

/** The RUN steps' limits from the query (0 or absent: none), checked as a container's are at its create. */
function stepHostConfig(r: ApiRequest): StepHostConfig {
  const num = (name: string) => r.int(name) || undefined;
  const ulimits = jsonParam<unknown>(r, 'ulimits', []);
  const valid = (u: unknown): u is Ulimit => !!u && typeof u === 'object' && typeof (u as Ulimit).Name === 'string' && Number.isInteger((u as Ulimit).Soft) && Number.isInteger((u as Ulimit).Hard);
  if (!Array.isArray(ulimits) || !ulimits.every(valid)) throw new HttpError(400, 'invalid ulimits parameter: want a JSON array of {"Name", "Soft", "Hard"}');
  const h: StepHostConfig = {
    Memory: num('memory'), MemorySwap: num('memswap'), CpuShares: num('cpushares'), CpuPeriod: num('cpuperiod'), CpuQuota: num('cpuquota'),
    CpusetCpus: r.str('cpusetcpus') || undefined, CpusetMems: r.str('cpusetmems') || undefined, CgroupParent: r.str('cgroupparent') || undefined,
    ShmSize: num('shmsize'), Ulimits: ulimits.length ? ulimits : undefined,
  };
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as StepHostConfig;
}

function buildRequest(r: ApiRequest): BuildRequest {
  if (r.str('remote')) throw new HttpError(400, 'berth builds from the request body only (remote contexts are not supported)');
  if (r.str('version') === '2') throw new HttpError(400, 'BuildKit (version=2) is not supported by berth: use the classic builder');
  // Refused as by a dockerd without experimental features, rather than built otherwise than asked.
  if (r.bool('squash')) throw new HttpError(400, 'squash is only supported with experimental mode');
  const isolation = r.str('isolation');
  if (isolation && isolation.toLowerCase() !== 'default') throw new HttpError(400, `Unsupported isolation: "${isolation}"`);
  const args = jsonParam<Record<string, string | null>>(r, 'buildargs', {});
  return {
    dockerfile: r.str('dockerfile') || undefined,
    tags: r.query.getAll('t').filter(Boolean),
    buildArgs: new Map(Object.entries(args)),
    noCache: r.bool('nocache'),
    cacheFrom: cacheFromParam(r),
    pull: r.bool('pull'),
    rm: r.bool('rm', true),
    forceRm: r.bool('forcerm'),
    target: r.str('target') || undefined,
    labels: jsonParam<Record<string, string>>(r, 'labels', {}),
    quiet: r.bool('q'),
    networkMode: r.str('networkmode') || undefined,
    // docker build --add-host / docker-py extra_hosts: "name:ip", repeated or comma-separated.
    extraHosts: r.query.getAll('extrahosts').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
    stepHostConfig: stepHostConfig(r),
    platform: r.str('platform') || undefined,
    registryAuth: registryConfig(r.req.headers['x-registry-config']),
  };
}

export function registerBuildRoutes(router: Router, b: BuildBackend): void {
  router.add('POST', '/build', async (r) => {
    const req = buildRequest(r);
    const res = r.response();
    // As dockerd: the 200 goes out with the first output, so a build that fails before it
    // printed anything (an empty or unreadable Dockerfile, a bad context) answers with the
    // error's own status, which clients such as docker-py raise as an API error.
    const write = (obj: unknown) => {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify(obj) + '\n');
    };
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    // A quiet build's step output, for its failure: dockerd then sends it before the error, and
    // the client shows it (with the RUN's exit code as its own) instead of a bare 500.
    const held: string[] = [];
    try {
      await b.builder.build(r.req, req, { stream: (text) => write({ stream: text }), aux: (value) => write({ aux: value }), suppressed: (text) => held.push(text) }, abort.signal);
    } catch (e) {
      for (const text of held.splice(0)) write({ stream: text });
      if (!res.headersSent) throw e;
      const message = errorMessage(e);
      // A failed RUN carries its exit code, as dockerd's JSONError does.
      const code = e instanceof BuildStepError ? e.exitCode : undefined;
      write({ errorDetail: code === undefined ? { message } : { code, message }, error: message });
    }
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end();
  });

  router.add('POST', '/build/prune', async (r) => {
    sendJson(r.response(), 200, await b.pruneCache(r.bool('all')));
  });

  router.add('POST', '/build/cancel', (r) => {
    sendJson(r.response(), 200, {});
  });
}
