// /images/*: list, inspect, history, tag, remove, import, save/load, prune.

import type { Engine } from '../engine/engine.js';
import { NotFoundError } from '../engine/errors.js';
import { familiarName, normalizeReference } from '../engine/images/reference.js';
import type { ImageRecord } from '../engine/images/types.js';
import { HttpError } from './errors.js';
import { sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

const seconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

function summary(i: ImageRecord, containers: number): Record<string, unknown> {
  return {
    Id: i.id,
    ParentId: i.parent,
    RepoTags: i.repoTags.map((t) => familiarName(t)),
    RepoDigests: i.repoDigests.map((t) => familiarName(t)),
    Created: seconds(i.config.created ?? i.loadedAt),
    Size: i.size,
    SharedSize: -1,
    VirtualSize: i.size,
    Labels: i.config.config?.Labels ?? {},
    Containers: containers,
  };
}

function inspect(i: ImageRecord, lowerDirs: string[]): Record<string, unknown> {
  const cfg = i.config.config ?? {};
  return {
    Id: i.id,
    RepoTags: i.repoTags.map((t) => familiarName(t)),
    RepoDigests: i.repoDigests.map((t) => familiarName(t)),
    Parent: i.parent,
    Comment: i.config.comment ?? '',
    Created: i.config.created ?? i.loadedAt,
    DockerVersion: i.config.docker_version ?? '',
    Author: i.config.author ?? '',
    Config: {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
      OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null,
      OnBuild: null, Labels: null,
      ...cfg,
    },
    Architecture: i.config.architecture,
    ...(i.config.variant ? { Variant: i.config.variant } : {}),
    Os: i.config.os,
    Size: i.size,
    GraphDriver: {
      Data: lowerDirs.length > 1
        ? { LowerDir: lowerDirs.slice(1).join(':'), MergedDir: '', UpperDir: lowerDirs[0], WorkDir: '' }
        : { MergedDir: '', UpperDir: lowerDirs[0] ?? '', WorkDir: '' },
      Name: 'overlay2',
    },
    RootFS: { Type: 'layers', Layers: i.config.rootfs.diff_ids },
    Metadata: { LastTagTime: i.loadedAt },
  };
}

/** Writes a JSON message stream (pull/import/load progress) and ends it. */
function jsonStream(r: ApiRequest) {
  const res = r.response();
  res.writeHead(200, { 'Content-Type': 'application/json' });
  return {
    write: (obj: Record<string, unknown>) => res.write(JSON.stringify(obj) + '\n'),
    end: () => res.end(),
  };
}

function imageFilter(engine: Engine, filters: Map<string, string[]>) {
  for (const k of filters.keys()) {
    if (!['dangling', 'reference', 'label', 'before', 'since', 'until'].includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
  }
  const refGlob = (pattern: string) => new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$');
  return (i: ImageRecord) => {
    const dangling = filters.get('dangling')?.[0];
    if (dangling !== undefined && (dangling === 'true' || dangling === '1') !== (i.repoTags.length === 0)) return false;
    const refs = filters.get('reference');
    if (refs?.length) {
      const names = i.repoTags.flatMap((t) => {
        const f = familiarName(t);
        return [f, f.replace(/:[^:/]+$/, ''), t];
      });
      if (!refs.some((p) => names.some((n) => refGlob(p).test(n)))) return false;
    }
    const labels = filters.get('label');
    if (labels?.length) {
      const l = i.config.config?.Labels ?? {};
      if (!labels.every((s) => { const k = s.indexOf('='); return k < 0 ? s in l : l[s.slice(0, k)] === s.slice(k + 1); })) return false;
    }
    const created = (x: ImageRecord) => Date.parse(x.config.created ?? x.loadedAt);
    const before = filters.get('before')?.[0];
    if (before && !(created(i) < created(engine.images.resolve(before)))) return false;
    const since = filters.get('since')?.[0];
    if (since && !(created(i) > created(engine.images.resolve(since)))) return false;
    return true;
  };
}

export function registerImageRoutes(router: Router, engine: Engine): void {
  const images = engine.images;
  const containerCount = (id: string) => engine.containers.list().filter((c) => c.Image === id).length;

  router.add('GET', '/images/json', (r) => {
    const keep = imageFilter(engine, r.filters());
    const list = images.list().filter(keep).sort((a, b) => seconds(b.config.created ?? b.loadedAt) - seconds(a.config.created ?? a.loadedAt));
    sendJson(r.response(), 200, list.map((i) => summary(i, containerCount(i.id))));
  });

  router.add('POST', '/images/create', async (r) => {
    const fromSrc = r.str('fromSrc');
    const fromImage = r.str('fromImage');
    if (fromSrc !== undefined) {
      if (fromSrc !== '-') throw new HttpError(400, 'berth imports from the request body only (fromSrc=-)');
      const repo = r.str('repo');
      const tag = repo ? `${repo}${r.str('tag') ? `:${r.str('tag')}` : ''}` : undefined;
      if (tag) normalizeReference(tag);
      const changes = r.query.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean);
      const id = await images.importRootfs(r.req, { changes, message: r.str('message') || undefined, tag, source: '-' });
      const out = jsonStream(r);
      out.write({ status: id });
      out.end();
      return;
    }
    if (fromImage) {
      const ref = `${fromImage}${r.str('tag') && !fromImage.includes('@') ? `:${r.str('tag')}` : ''}`;
      // Pulling comes with the distribution work; never fall back to a remote registry.
      throw new NotFoundError(`pull access denied for ${familiarName(normalizeReference(ref)).replace(/:[^:/]+$/, '')}: berth cannot pull images yet: load, import or build ${familiarName(normalizeReference(ref))} first`);
    }
    throw new HttpError(400, 'fromImage or fromSrc is required');
  });

  router.add('POST', '/images/load', async (r) => {
    const result = await images.load(r.req);
    const out = jsonStream(r);
    for (const m of result.messages) out.write({ stream: m + '\n' });
    out.end();
  });

  router.add('GET', '/images/get', async (r) => {
    const names = r.query.getAll('names');
    if (!names.length) throw new HttpError(400, 'no images specified');
    for (const n of names) images.resolve(n);
    const res = r.response();
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await images.save(names, res);
  });

  router.add('POST', '/images/prune', async (r) => {
    const filters = r.filters();
    const danglingOnly = !['false', '0'].includes(filters.get('dangling')?.[0] ?? 'true');
    const result = await images.store.prune({ danglingOnly }, (id) => engine.containersUsingImage(id));
    sendJson(r.response(), 200, result);
  });

  router.add('GET', '/images/{name*}/json', (r) => {
    const i = images.resolve(r.params.name!);
    sendJson(r.response(), 200, inspect(i, images.lowerDirs(i.id)));
  });

  router.add('GET', '/images/{name*}/history', (r) => {
    const i = images.resolve(r.params.name!);
    sendJson(r.response(), 200, images.store.history(i));
  });

  router.add('GET', '/images/{name*}/get', async (r) => {
    images.resolve(r.params.name!);
    const res = r.response();
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await images.save([r.params.name!], res);
  });

  router.add('POST', '/images/{name*}/tag', async (r) => {
    const repo = r.str('repo');
    if (!repo) throw new HttpError(400, 'repository name must have at least one component');
    await images.tag(r.params.name!, `${repo}${r.str('tag') ? `:${r.str('tag')}` : ''}`);
    const res = r.response();
    res.writeHead(201);
    res.end();
  });

  router.add('DELETE', '/images/{name*}', async (r) => {
    const items = await images.remove(r.params.name!, { force: r.bool('force'), noPrune: r.bool('noprune') });
    sendJson(r.response(), 200, items.map((it) => (it.Untagged ? { Untagged: familiarName(it.Untagged) } : it)));
  });

  router.add('POST', '/images/{name*}/push', () => {
    throw new HttpError(501, 'berth cannot push images yet');
  });
}


