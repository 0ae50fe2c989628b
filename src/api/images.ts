// /images/*: list, inspect, history, tag, remove, import, save/load, prune.

import type { Engine } from '../engine/engine.js';
import { familiarName, normalizeReference } from '../protocol/reference.js';
import type { ImageRecord } from '../engine/images/types.js';
import { pullHandler, pushHandler } from './distribution.js';
import { HttpError, messageOf } from './errors.js';
import { boolFilter, labelsMatch, pruneFilter, untilTime } from './filter-match.js';
import { sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';
import type { ImageInspect, ImageSummary } from '../protocol/engine-api.js';

const seconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** GET /images/json's entry (also system df's); `legacy`: a client before API 1.44 also gets VirtualSize. */
export function imageSummary(i: ImageRecord, containers: number, legacy = false): ImageSummary {
  return {
    Id: i.id,
    ParentId: i.parent,
    RepoTags: i.repoTags.map((t) => familiarName(t)),
    RepoDigests: i.repoDigests.map((t) => familiarName(t)),
    Created: seconds(i.config.created ?? i.loadedAt),
    Size: i.size,
    SharedSize: -1,
    ...(legacy ? { VirtualSize: i.size } : {}),
    Labels: i.config.config?.Labels ?? {},
    Containers: containers,
  };
}

/** A container config with every field as dockerd writes an unset one. */
const EMPTY_CONFIG = {
  Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
  OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null,
  OnBuild: null, Labels: null,
};

function inspect(i: ImageRecord, lowerDirs: string[]): ImageInspect {
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
    // dockerd dropped these two from API 1.45 on (the config of the container a classic build
    // committed; all unset for other images). berth answers them at every version: docker-compose
    // 1.29 (Debian 12's) negotiates the newest API and reads ContainerConfig.Volumes whenever it
    // recreates a container, and against dockerd 25+ fails with KeyError: 'ContainerConfig'.
    Container: i.config.container ?? '',
    ContainerConfig: { ...EMPTY_CONFIG, ...i.config.container_config },
    Config: { ...EMPTY_CONFIG, ...cfg },
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

/** docker's FamiliarMatch: a path.Match glob against "name:tag", then against the name alone. */
function referenceMatcher(patterns: string[]): (ref: string) => boolean {
  const globs = patterns.map((p) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$'));
  return (ref) => {
    const f = familiarName(ref);
    const name = f.replace(/(@.*|:[^:/]+)$/, '');
    return globs.some((g) => g.test(f) || g.test(name));
  };
}

const created = (i: ImageRecord) => Date.parse(i.config.created ?? i.loadedAt);

/** GET /images/json's filters other than dangling and reference (moby daemon/images/image_list.go). */
function imageFilter(engine: Engine, filters: Map<string, string[]>) {
  for (const k of filters.keys()) {
    if (!['dangling', 'reference', 'label', 'before', 'since', 'until'].includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
  }
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeTime = before ? created(engine.images.resolve(before)) : undefined;
  const sinceTime = since ? created(engine.images.resolve(since)) : undefined;
  const until = filters.get('until')?.[0];
  const untilMs = until ? untilTime(until) : undefined;
  const labels = filters.get('label') ?? [];
  return (i: ImageRecord) => {
    if (labels.length && !labelsMatch(i.config.config?.Labels ?? {}, labels)) return false;
    if (beforeTime !== undefined && !(created(i) < beforeTime)) return false;
    if (sinceTime !== undefined && !(created(i) > sinceTime)) return false;
    if (untilMs !== undefined && !(created(i) <= untilMs)) return false;
    return true;
  };
}

export function registerImageRoutes(router: Router, engine: Engine): void {
  const images = engine.images;
  const containerCount = (id: string) => engine.containers.list().filter((c) => c.Image === id).length;

  router.add('GET', '/images/json', (r) => {
    const filters = r.filters();
    const keep = imageFilter(engine, filters);
    const all = r.bool('all');
    const danglingFilter = filters.has('dangling');
    const danglingOnly = boolFilter(filters, 'dangling', false);
    const refPatterns = filters.get('reference') ?? [];
    const refMatch = refPatterns.length ? referenceMatcher(refPatterns) : () => true;
    const out: ImageSummary[] = [];
    const list = images.list().filter(keep).sort((a, b) => seconds(b.config.created ?? b.loadedAt) - seconds(a.config.created ?? a.loadedAt));
    for (const i of list) {
      // moby image_list.go: a reference filter also narrows the names shown; an image without
      // names is listed only if it is not an intermediate one (or with all=1).
      const shown = { ...i, repoTags: i.repoTags.filter(refMatch), repoDigests: i.repoDigests.filter(refMatch) };
      if (shown.repoTags.length === 0 && shown.repoDigests.length === 0) {
        if (!all && images.store.children(i.id).length > 0) continue;
        if (danglingFilter && !danglingOnly) continue;
        if (refPatterns.length) continue;
      } else if (danglingOnly && shown.repoTags.length > 0) {
        continue;
      }
      out.push(imageSummary(shown, containerCount(i.id), r.olderThan('1.44')));
    }
    sendJson(r.response(), 200, out);
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
      await pullHandler(r, engine.distribution, fromImage);
      return;
    }
    throw new HttpError(400, 'fromImage or fromSrc is required');
  });

  router.add('POST', '/images/load', async (r) => {
    let result: Awaited<ReturnType<typeof images.load>>;
    try {
      result = await images.load(r.req);
    } catch (e) {
      // As moby's postImagesLoad: every load error goes into the 200 JSON stream, where clients
      // look for it (docker-py raises ImageLoadError from errorDetail, docker load prints it).
      r.req.resume();
      const out = jsonStream(r);
      out.write({ errorDetail: { message: messageOf(e) }, error: messageOf(e) });
      out.end();
      return;
    }
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
    // moby image_prune.go: until and the label filters pick which images may go.
    const matches = pruneFilter(filters, ['dangling', 'label', 'label!', 'until']);
    const danglingOnly = boolFilter(filters, 'dangling', true);
    const filter = (i: ImageRecord) => matches(i.config.config?.Labels ?? {}, created(i));
    // berth's own: history=1 also removes images only a tag's history keeps (image log).
    const result = await images.store.prune({ danglingOnly, filter, history: r.bool('history') }, (id) => engine.containersUsingImage(id));
    sendJson(r.response(), 200, result);
  });

  router.add('GET', '/images/{name*}/json', (r) => {
    const i = images.resolve(r.params.name!);
    const view = inspect(i, images.lowerDirs(i.id));
    // Gone from API 1.44 on; an older client (docker-py speaks 1.41) still reads it.
    sendJson(r.response(), 200, r.olderThan('1.44') ? { ...view, VirtualSize: view.Size } : view);
  });

  router.add('GET', '/images/{name*}/history', (r) => {
    const i = images.resolve(r.params.name!);
    sendJson(r.response(), 200, images.store.history(i));
  });

  // berth's own: the images a tag has named (image log) and moving it back (image rollback).
  router.add('GET', '/images/{name*}/log', (r) => {
    const rows = images.store.tagHistory(r.params.name!);
    sendJson(r.response(), 200, rows.map((e) => ({ Id: e.id, Time: e.at, Source: e.source, Present: e.present, Current: e.current })));
  });

  router.add('POST', '/images/{name*}/rollback', async (r) => {
    const id = await images.store.rollback(r.params.name!, r.str('to') || undefined);
    images.imageEvent('tag', id, familiarName(normalizeReference(r.params.name!)));
    sendJson(r.response(), 200, { Id: id });
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

  router.add('POST', '/images/{name*}/push', (r) => pushHandler(r, engine.distribution, r.params.name!));
}


