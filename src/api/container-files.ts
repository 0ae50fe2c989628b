// A container's files: changes (docker diff), export, the archive endpoints behind docker cp,
// and commit. A stopped container's rootfs is mounted for the operation and unmounted after.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord } from '../engine/containers/types.js';
import { spawnStreaming } from '../host/command.js';
import { changes } from '../storage/overlay-diff.js';
import { scopedResolve } from '../storage/scoped-path.js';
import { unpackTar } from '../storage/tar-apply.js';
import { HttpError } from './errors.js';
import { sendEmpty, sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

/** Files the runtime bind-mounts over: not the user's changes. */
const RUNTIME_PATHS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev', '/proc', '/sys', '/run/.containerenv'];

const isRunning = (rec: ContainerRecord) => rec.State.Status === 'running' || rec.State.Status === 'paused';

/** Runs fn with the container's rootfs mounted (it already is while the container runs). */
async function withRootfs<T>(engine: Engine, rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  if (isRunning(rec)) return fn(engine.layout.rootfs(rec.Id));
  const runner = engine.containers.runner;
  const rootfs = await runner.mountRootfs(rec);
  try {
    return await fn(rootfs);
  } finally {
    if (!isRunning(rec)) await runner.unmountRootfs(rec.Id);
  }
}

/**
 * Maps a container path to the host path that holds it: inside a bind or volume mount, the
 * mount's source; else the rootfs. Symlinks resolve inside the chosen root.
 */
async function hostPathFor(rec: ContainerRecord, rootfs: string, containerPath: string, followLast: boolean): Promise<string> {
  const clean = path.posix.normalize('/' + containerPath);
  const mount = rec.Mounts
    .filter((m) => m.Type !== 'tmpfs' && (clean === m.Destination || clean.startsWith(m.Destination.replace(/\/$/, '') + '/')))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  const root = mount ? mount.Source : rootfs;
  const rel = mount ? clean.slice(mount.Destination.length) : clean;
  const parts = rel.split('/').filter(Boolean);
  if (!parts.length) return root;
  if (followLast) return scopedResolve(root, parts);
  const parent = await scopedResolve(root, parts.slice(0, -1));
  return path.join(parent, parts[parts.length - 1]!);
}

function statHeader(name: string, st: import('node:fs').Stats, linkTarget: string): string {
  // Go's os.FileMode bits, which the docker CLI decodes: dir 1<<31, symlink 1<<27.
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode |= 2 ** 31;
  if (st.isSymbolicLink()) mode |= 2 ** 27;
  if (st.mode & 0o4000) mode |= 2 ** 23;
  if (st.mode & 0o2000) mode |= 2 ** 22;
  if (st.mode & 0o1000) mode |= 2 ** 20;
  // `>>> 0`: JavaScript's bitwise OR is signed; Go's FileMode is an unsigned 32-bit value.
  const json = JSON.stringify({ name, size: st.size, mode: mode >>> 0, mtime: st.mtime.toISOString(), linkTarget });
  return Buffer.from(json).toString('base64');
}

export function registerContainerFilesRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;

  router.add('GET', '/containers/{id}/changes', async (r) => {
    const rec = containers.get(r.params.id!);
    const list = await changes(engine.layout.upperDir(rec.Id), engine.images.stackDirs(rec.TopLayer), {
      ignore: [...RUNTIME_PATHS, ...rec.Mounts.map((m) => m.Destination)],
    });
    sendJson(r.response(), 200, list.length ? list : null);
  });

  router.add('GET', '/containers/{id}/export', async (r) => {
    const rec = containers.get(r.params.id!);
    await withRootfs(engine, rec, async (rootfs) => {
      const tar = spawnStreaming('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', '-', '.']);
      const res = r.response();
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await pipeline(tar.stdout, res);
      await tar.done;
    });
  });

  const stat = async (r: ApiRequest, rec: ContainerRecord, rootfs: string) => {
    const p = r.str('path');
    if (!p) throw new HttpError(400, 'Bad parameters: path is required');
    const host = await hostPathFor(rec, rootfs, p, false);
    const st = await fs.lstat(host).catch(() => undefined);
    if (!st) throw new HttpError(404, `Could not find the file ${p} in container ${r.params.id}`);
    const linkTarget = st.isSymbolicLink() ? await fs.readlink(host) : '';
    return { host, st, header: statHeader(path.posix.basename(p) || '/', st, linkTarget) };
  };

  router.add('HEAD', '/containers/{id}/archive', async (r) => {
    const rec = containers.get(r.params.id!);
    await withRootfs(engine, rec, async (rootfs) => {
      const { header } = await stat(r, rec, rootfs);
      const res = r.response();
      res.writeHead(200, { 'X-Docker-Container-Path-Stat': header });
      res.end();
    });
  });

  router.add('GET', '/containers/{id}/archive', async (r) => {
    const rec = containers.get(r.params.id!);
    await withRootfs(engine, rec, async (rootfs) => {
      const { host, header } = await stat(r, rec, rootfs);
      // docker cp wants the entry named by the path's last element (a dir's content under it).
      const tar = spawnStreaming('tar', ['--numeric-owner', '-C', path.dirname(host), '-cf', '-', '--', path.basename(host)]);
      const res = r.response();
      res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': header });
      await pipeline(tar.stdout, res);
      await tar.done;
    });
  });

  router.add('PUT', '/containers/{id}/archive', async (r) => {
    const rec = containers.get(r.params.id!);
    const p = r.str('path');
    if (!p) throw new HttpError(400, 'Bad parameters: path is required');
    if (rec.HostConfig.ReadonlyRootfs && isRunning(rec)) throw new HttpError(403, 'container rootfs is marked read-only');
    await withRootfs(engine, rec, async (rootfs) => {
      const dest = await hostPathFor(rec, rootfs, p, true);
      const st = await fs.stat(dest).catch(() => undefined);
      if (!st) throw new HttpError(404, `Could not find the file ${p} in container ${r.params.id}`);
      if (!st.isDirectory()) throw new HttpError(400, `extraction point is not a directory`);
      await unpackTar(r.req, dest);
    });
    sendEmpty(r.response(), 200);
  });

  router.add('POST', '/commit', async (r) => {
    const ref = r.str('container');
    if (!ref) throw new HttpError(400, 'Bad parameters: container is required');
    const rec = containers.get(ref);
    const overrides = (await r.json<Record<string, unknown>>()) ?? {};
    const pause = r.bool('pause', true) && rec.State.Status === 'running';
    if (pause) await containers.pause(rec.Id);
    try {
      const id = await engine.images.commitContainer(rec, engine.layout.upperDir(rec.Id), {
        repo: r.str('repo') ?? '',
        tag: r.str('tag') ?? '',
        comment: r.str('comment') ?? '',
        author: r.str('author') ?? '',
        changes: r.query.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
        config: overrides,
      });
      sendJson(r.response(), 201, { Id: id });
    } finally {
      if (pause) await containers.unpause(rec.Id).catch(() => undefined);
    }
  });
}
