// Registry endpoints: pull (POST /images/create?fromImage=), push, POST /auth,
// GET /distribution/{name}/json and GET /images/search. Credentials come per request in the
// X-Registry-Auth header (base64url JSON, as the docker CLI sends it) or POST /auth's body and
// are handed to the engine only: never logged, never stored by the daemon.
import type { DistributionService } from '../engine/distribution/service.js';
import { decodeAuthHeader, type AuthConfig, type SearchResult } from '../engine/distribution/service.js';
import { parseReference, type Reference } from '../protocol/reference.js';
import type { JSONMessage } from '../protocol/json-messages.js';
import { HttpError, messageOf, statusOf } from './errors.js';
import { sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

/**
 * A progress stream that starts (200, JSON lines) at the first message, so an error before any
 * progress (unknown tag, refused credentials, unreachable registry) is answered with its own
 * status, as dockerd does; an error after that becomes the stream's last message.
 */
async function streamProgress(r: ApiRequest, work: (progress: (m: JSONMessage) => void) => Promise<void>): Promise<void> {
  const res = r.response();
  const progress = (m: JSONMessage) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    if (!res.destroyed) res.write(JSON.stringify(m) + '\r\n');
  };
  try {
    await work(progress);
  } catch (err) {
    if (!res.headersSent) throw err;
    const message = messageOf(err);
    progress({ errorDetail: { message, code: statusOf(err) }, error: message });
  }
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end();
}

/** docker search --filter: stars=N, is-official=BOOL, is-automated=BOOL (moby's words for a bad one). */
function searchFilter(f: Map<string, string[]>): (result: SearchResult) => boolean {
  const checks: Array<(x: SearchResult) => boolean> = [];
  for (const [key, values] of f) {
    for (const v of values) {
      if (key === 'stars') {
        if (!/^\d+$/.test(v)) throw new HttpError(400, `invalid filter 'stars=${v}'`);
        checks.push((x) => x.star_count >= Number(v));
      } else if (key === 'is-official' || key === 'is-automated') {
        if (!/^(true|false|1|0)$/i.test(v)) throw new HttpError(400, `invalid filter '${key}=${v}'`);
        const want = /^(true|1)$/i.test(v);
        checks.push((x) => (key === 'is-official' ? x.is_official : x.is_automated) === want);
      } else {
        throw new HttpError(400, `invalid filter '${key}'`);
      }
    }
  }
  return (x) => checks.every((c) => c(x));
}

function authOf(r: ApiRequest): AuthConfig {
  const h = r.req.headers['x-registry-auth'];
  return decodeAuthHeader(Array.isArray(h) ? h[0] : h);
}

/** fromImage + tag as docker's API takes them: tag may be a tag or a digest. */
function pullReference(fromImage: string, tag: string | undefined): Reference {
  const ref = parseReference(fromImage);
  if (!tag) return ref;
  if (tag.includes(':')) return { ...ref, tag: undefined, digest: parseReference(`${fromImage.replace(/[:@].*$/, '')}@${tag}`).digest };
  return parseReference(`${fromImage.replace(/:[^:/]*$/, '')}:${tag}`);
}

/** POST /images/create?fromImage=…&tag=…[&platform=…]: the pull itself (images.ts routes here). */
export async function pullHandler(r: ApiRequest, dist: DistributionService, fromImage: string): Promise<void> {
  const auth = authOf(r);
  const tag = r.str('tag') || undefined;
  const platform = r.str('platform') || undefined;
  const ref = pullReference(fromImage, tag);
  // docker pull -a sends fromImage without a tag and no tag parameter: every tag (the CLI
  // otherwise always names one, ":latest" by default).
  const allTags = !tag && ref.tag === undefined && ref.digest === undefined;
  await streamProgress(r, async (progress) => {
    if (allTags) await dist.pullAllTags(ref, auth, progress, platform);
    else await dist.pull(ref, auth, progress, platform);
  });
}

/** POST /images/{name}/push?tag=…: an empty tag pushes every tag of the repository. */
export async function pushHandler(r: ApiRequest, dist: DistributionService, name: string): Promise<void> {
  const auth = authOf(r);
  const tag = r.str('tag') || undefined;
  const base = parseReference(name);
  if (base.digest) throw new HttpError(400, 'cannot push a digest reference');
  const ref = tag ? parseReference(`${name.replace(/:[^:/]*$/, '')}:${tag}`) : base;
  await streamProgress(r, async (progress) => {
    await dist.push(ref, auth, progress);
  });
}

export function registerDistributionRoutes(router: Router, dist: DistributionService): void {
  router.add('POST', '/auth', async (r) => {
    const body = (await r.json<AuthConfig>()) ?? {};
    await dist.login(body);
    sendJson(r.response(), 200, { Status: 'Login Succeeded', IdentityToken: '' });
  });

  router.add('GET', '/distribution/{name*}/json', async (r) => {
    sendJson(r.response(), 200, await dist.inspect(r.params.name!, authOf(r)));
  });

  router.add('GET', '/images/search', async (r) => {
    const term = r.str('term') ?? '';
    const limit = r.int('limit') ?? 25;
    if (limit < 1 || limit > 100) throw new HttpError(400, `limit ${limit} is outside the range of [1, 100]`);
    sendJson(r.response(), 200, await dist.search(term, limit, authOf(r), searchFilter(r.filters())));
  });
}
