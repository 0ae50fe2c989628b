// The registry's HTTP API (OCI distribution-spec v1.1, and distribution 2.8's behaviour where the
// spec leaves room): parses each request, calls the store or the upload sessions, writes the
// headers clients rely on (Location, Range, Docker-Upload-UUID, Docker-Content-Digest). Every
// error leaves here as the spec's {"errors":[…]} body with its status.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sha256Digest } from '../storage/digest.js';
import { RegistryError, registryError } from './errors.js';
import type { Htpasswd } from './htpasswd.js';
import { MAX_MANIFEST_BYTES, isForeign, parseManifest, type Descriptor } from './manifest.js';
import { checkDigest, checkRepositoryName, parseReference } from './names.js';
import { paginate } from './pagination.js';
import { parseRange } from './range.js';
import type { RegistryStore } from './registry-store.js';
import type { Uploads } from './uploads.js';

export interface RegistryHandlerOptions {
  store: RegistryStore;
  uploads: Uploads;
  auth?: Htpasswd;
  realm?: string;
  /** One line per request and per failure, when set. */
  log?: (line: string) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' };
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

// /v2/<name>/<rest>: the name may hold slashes, so the route is told by what ends the path.
const ROUTE = /^\/v2\/(.+?)\/(blobs\/uploads\/?([^/]*)|blobs\/([^/]+)|manifests\/([^/]+)|referrers\/([^/]+)|tags\/list)$/;

export function createRegistryHandler(o: RegistryHandlerOptions): Handler {
  const { store, uploads } = o;
  const realm = o.realm ?? 'berth-registry';

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const p = url.pathname;
    if (p === '/v2' || p === '/v2/') {
      if (method !== 'GET' && method !== 'HEAD') throw unsupported();
      return sendJson(res, 200, {});
    }
    if (p === '/v2/_catalog') {
      if (method !== 'GET') throw unsupported();
      const page = paginate(await store.repositories(), url.searchParams, '/v2/_catalog');
      return sendJson(res, 200, { repositories: page.items }, page.link ? { Link: page.link } : {});
    }
    if (p === '/v1/search') {
      // Docker Hub's search API (`docker search HOST/TERM`), which distribution's registry does
      // not serve: the repositories whose name holds the term, up to n (25; 1 to 100).
      if (method !== 'GET') throw unsupported();
      const q = url.searchParams.get('q') ?? '';
      const n = Math.min(Math.max(Number(url.searchParams.get('n')) || 25, 1), 100);
      const found = (await store.repositories()).filter((name) => name.includes(q));
      const results = found.slice(0, n).map((name) => ({ name, description: '', star_count: 0, is_official: false, is_automated: false, is_trusted: false }));
      return sendJson(res, 200, { num_pages: 1, num_results: found.length, page_size: n, page: 1, query: q, results });
    }
    const m = ROUTE.exec(p);
    if (!m) throw new RegistryError('NAME_UNKNOWN', 'page not found', undefined);
    const name = checkRepositoryName(decodeURIComponent(m[1]!));
    const [, , what, uploadId, blobDigest, manifestRef, referrersOf] = m;
    if (what === 'tags/list') {
      if (method !== 'GET') throw unsupported();
      const page = paginate(await store.listTags(name), url.searchParams, `/v2/${name}/tags/list`);
      return sendJson(res, 200, { name, tags: page.items }, page.link ? { Link: page.link } : {});
    }
    if (referrersOf !== undefined) {
      if (method !== 'GET') throw unsupported();
      return referrers(res, name, decodeURIComponent(referrersOf), url.searchParams.get('artifactType'));
    }
    if (manifestRef !== undefined) return manifest(req, res, method, name, decodeURIComponent(manifestRef));
    if (blobDigest !== undefined && !what!.startsWith('blobs/uploads')) return blob(req, res, method, name, decodeURIComponent(blobDigest));
    return upload(req, res, method, name, uploadId ?? '', url.searchParams);
  }

  async function blob(req: IncomingMessage, res: ServerResponse, method: string, name: string, ref: string): Promise<void> {
    const digest = checkDigest(ref);
    if (method === 'DELETE') {
      if (!(await store.unlinkBlob(name, digest))) throw registryError('BLOB_UNKNOWN', { digest });
      return send(res, 202, { 'Content-Length': '0', 'Docker-Content-Digest': digest });
    }
    if (method !== 'GET' && method !== 'HEAD') throw unsupported();
    const size = await store.blobSize(name, digest);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      ETag: `"${digest}"`,
      'Cache-Control': 'max-age=31536000',
    };
    const range = parseRange(req.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      throw registryError('RANGE_INVALID', { size }, `requested range not satisfiable (blob has ${size} bytes)`);
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range.kind === 'partial') {
      ({ start, end } = range);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    if (method === 'HEAD' || size === 0) return send(res, status, headers);
    const stream = createReadStream(store.blobs.path(digest), { start, end, highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    }).catch(() => {
      throw registryError('BLOB_UNKNOWN', { digest });
    });
    res.writeHead(status, { ...API_VERSION, ...headers });
    stream.pipe(res);
    await new Promise<void>((resolve) => {
      res.once('close', () => {
        stream.destroy();
        resolve();
      });
      stream.once('error', () => res.destroy());
    });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, method: string, name: string, id: string, q: URLSearchParams): Promise<void> {
    const location = (uuid: string) => `/v2/${name}/blobs/uploads/${uuid}`;
    const progress = (uuid: string, size: number) => ({
      Location: location(uuid),
      Range: `0-${Math.max(0, size - 1)}`,
      'Docker-Upload-UUID': uuid,
      'Content-Length': '0',
    });
    const created = (digest: string) => ({ Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' });
    if (id === '') {
      if (method !== 'POST') throw unsupported();
      const mount = q.get('mount');
      const from = q.get('from');
      if (mount) {
        const digest = checkDigest(mount);
        // Cross-repository mount: link a blob the registry holds for `from`; when it does not,
        // the spec says to answer as a plain upload start (202) and let the client push.
        if (from && (await store.hasBlob(checkRepositoryName(from), digest))) {
          await store.linkBlob(name, digest);
          return send(res, 201, created(digest));
        }
      } else if (q.has('digest')) {
        const digest = checkDigest(q.get('digest'));
        await uploads.monolithic(name, digest, req);
        return send(res, 201, created(digest));
      }
      const s = await uploads.start(name);
      return send(res, 202, progress(s.id, 0));
    }
    switch (method) {
      case 'GET': {
        const s = uploads.status(name, id);
        return send(res, 204, progress(s.id, s.size));
      }
      case 'PATCH': {
        const start = contentRangeStart(req.headers['content-range']);
        const s = await uploads.append(name, id, req, start);
        return send(res, 202, progress(s.id, s.size));
      }
      case 'PUT': {
        const digest = checkDigest(q.get('digest'));
        const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        await uploads.finish(name, id, digest, hasBody ? req : undefined);
        return send(res, 201, created(digest));
      }
      case 'DELETE':
        await uploads.cancel(name, id);
        return send(res, 204, { 'Content-Length': '0' });
      default:
        throw unsupported();
    }
  }

  async function manifest(req: IncomingMessage, res: ServerResponse, method: string, name: string, refText: string): Promise<void> {
    const ref = parseReference(refText);
    switch (method) {
      case 'GET':
      case 'HEAD': {
        const digest = ref.kind === 'tag' ? await store.resolveTag(name, ref.tag) : ref.digest;
        const m = await store.getManifest(name, digest);
        const headers = {
          'Content-Type': m.mediaType,
          'Content-Length': String(m.body.length),
          'Docker-Content-Digest': digest,
          ETag: `"${digest}"`,
        };
        if (req.headers['if-none-match'] === `"${digest}"` || req.headers['if-none-match'] === digest) return send(res, 304, headers);
        return send(res, 200, headers, method === 'GET' ? m.body : undefined);
      }
      case 'PUT': {
        const body = await readLimited(req, MAX_MANIFEST_BYTES);
        const digest = sha256Digest(body);
        if (ref.kind === 'digest' && ref.digest !== digest) {
          throw registryError('DIGEST_INVALID', { expected: ref.digest, actual: digest }, `manifest digest ${digest} does not match ${ref.digest}`);
        }
        const parsed = parseManifest(body, req.headers['content-type']);
        await verifyReferences(name, parsed.kind, parsed.references);
        await store.putManifest(name, digest, parsed.mediaType, body, ref.kind === 'tag' ? ref.tag : undefined);
        const headers: Record<string, string> = { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' };
        // OCI 1.1: telling the client its subject was recorded spares it the referrers tag schema.
        if (parsed.subject) headers['OCI-Subject'] = parsed.subject.digest;
        return send(res, 201, headers);
      }
      case 'DELETE':
        if (ref.kind === 'tag') await store.deleteTag(name, ref.tag);
        else await store.deleteManifest(name, ref.digest);
        return send(res, 202, { 'Content-Length': '0' });
      default:
        throw unsupported();
    }
  }

  /** OCI 1.1 "Listing Referrers": an index of the manifests whose subject is `ref`, optionally of one artifactType. */
  async function referrers(res: ServerResponse, name: string, ref: string, artifactType: string | null): Promise<void> {
    const subject = checkDigest(ref);
    let manifests = await store.listReferrers(name, subject);
    const headers: Record<string, string> = {};
    if (artifactType) {
      manifests = manifests.filter((d) => d.artifactType === artifactType);
      headers['OCI-Filters-Applied'] = 'artifactType';
    }
    const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
    return send(res, 200, { 'Content-Type': OCI_INDEX, 'Content-Length': String(Buffer.byteLength(body)), ...headers }, body);
  }

  /**
   * A manifest is accepted only when what it references is in the repository already, as
   * distribution checks (registry/storage/schema2manifesthandler.go, manifestlisthandler.go):
   * blobs for an image manifest, manifests for an index.
   */
  async function verifyReferences(name: string, kind: 'image' | 'index', refs: Descriptor[]): Promise<void> {
    const missing: Descriptor[] = [];
    for (const d of refs) {
      if (kind === 'image' && isForeign(d)) continue;
      const ok = /^sha256:[a-f0-9]{64}$/.test(d.digest) && (kind === 'image' ? await store.hasBlob(name, d.digest) : await store.hasManifest(name, d.digest));
      if (!ok) missing.push(d);
    }
    if (!missing.length) return;
    const [first, ...rest] = missing.map((d) => ({
      code: 'MANIFEST_BLOB_UNKNOWN' as const,
      message: kind === 'image' ? 'blob unknown to registry' : 'manifest unknown',
      detail: { digest: d.digest },
    }));
    throw new RegistryError('MANIFEST_BLOB_UNKNOWN', first!.message, first!.detail, rest);
  }

  return async (req, res) => {
    const started = Date.now();
    try {
      const url = new URL(req.url ?? '/', 'http://registry');
      if (o.auth && !(await o.auth.check(req.headers.authorization))) {
        throw registryError('UNAUTHORIZED');
      }
      await route(req, res, url);
    } catch (e) {
      const err = e instanceof RegistryError ? e : undefined;
      if (!err) o.log?.(`error ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}`);
      if (res.headersSent) {
        res.destroy();
      } else {
        const extra: Record<string, string> = err?.code === 'UNAUTHORIZED' ? { 'WWW-Authenticate': `Basic realm="${realm}"` } : {};
        const status = err?.status ?? 500;
        const body = err ? err.body() : { errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: (e as Error).message }] };
        // An unread request body (a refused upload) would otherwise be read to its end first.
        if (!req.complete) extra['Connection'] = 'close';
        sendJson(res, status, body, extra);
      }
    } finally {
      o.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    }
  };
}

function unsupported(): RegistryError {
  return registryError('UNSUPPORTED');
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer): void {
  res.writeHead(status, { ...API_VERSION, ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers }, body);
}

/** Content-Range of a PATCH chunk: "<start>-<end>" (the spec's form, without "bytes "). */
function contentRangeStart(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const m = /^(?:bytes )?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(header.trim());
  if (!m) throw registryError('RANGE_INVALID', { range: header }, `invalid content range: ${header}`);
  return Number(m[1]);
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw registryError('MANIFEST_INVALID', { limit }, `manifest invalid: larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
