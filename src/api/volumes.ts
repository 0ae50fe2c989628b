// /volumes/*: create, list, inspect, remove, prune.
import type { VolumeService, Volume } from '../engine/volumes/volume-service.js';
import { isAnonymous } from '../engine/volumes/volume-service.js';
import { HttpError } from './errors.js';
import { boolFilter, labelsMatch, pruneFilter } from './filter-match.js';
import { checkBody } from './request-shape.js';
import { sendEmpty, sendJson } from './http.js';
import type { Router } from './router.js';
import type { Volume as ApiVolume } from '../protocol/engine-api.js';

/**
 * Docker's Volume; UsageData only with a measured `size` (system df): "omitted in other
 * endpoints", as the API says (the docker CLI's `volume ls` then shows N/A for links and size).
 */
export function volumeView(v: Volume, usedBy: string[], size?: number): ApiVolume {
  return {
    CreatedAt: v.CreatedAt,
    Driver: v.Driver,
    Labels: v.Labels,
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: v.Options,
    Scope: v.Scope,
    ...(size === undefined ? {} : { UsageData: { RefCount: usedBy.length, Size: size } }),
  };
}

export function registerVolumeRoutes(router: Router, volumes: VolumeService, usedBy: (name: string) => string[]): void {
  router.add('GET', '/volumes', (r) => {
    const f = r.filters();
    for (const k of f.keys()) if (!['name', 'label', 'dangling', 'driver'].includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
    const dangling = f.has('dangling') ? boolFilter(f, 'dangling', false) : undefined;
    const list = volumes.list().filter((v) => {
      if (f.get('name')?.length && !f.get('name')!.some((n) => v.Name.includes(n))) return false;
      if (f.get('driver')?.length && !f.get('driver')!.includes(v.Driver)) return false;
      if (f.get('label')?.length && !labelsMatch(v.Labels, f.get('label')!)) return false;
      if (dangling !== undefined && dangling !== (usedBy(v.Name).length === 0)) return false;
      return true;
    });
    sendJson(r.response(), 200, { Volumes: list.map((v) => volumeView(v, usedBy(v.Name))), Warnings: null });
  });

  router.add('POST', '/volumes/create', async (r) => {
    const body = (await r.json<{ Name?: string; Driver?: string; Labels?: Record<string, string>; DriverOpts?: Record<string, string> }>()) ?? {};
    checkBody('volume.CreateOptions', body);
    const v = await volumes.create(body);
    sendJson(r.response(), 201, volumeView(v, usedBy(v.Name)));
  });

  router.add('GET', '/volumes/{name}', (r) => {
    const v = volumes.get(r.params.name!);
    sendJson(r.response(), 200, volumeView(v, usedBy(v.Name)));
  });

  router.add('DELETE', '/volumes/{name}', async (r) => {
    await volumes.remove(r.params.name!, r.bool('force'));
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/volumes/prune', async (r) => {
    const f = r.filters();
    // moby's volume prune takes label, label! and all (no until).
    const matches = pruneFilter(f, ['label', 'label!', 'all']);
    const all = ['true', '1'].includes(f.get('all')?.[0] ?? '');
    const result = await volumes.prune((v) => matches(v.Labels, 0), all);
    sendJson(r.response(), 200, result);
  });
}

export { isAnonymous };
