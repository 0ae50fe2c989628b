// A container's files: changes (docker diff), export, the archive endpoints behind docker cp,
// and commit. A stopped container's rootfs is mounted for the operation and unmounted after.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import type { ContainerRecord, ResolvedMount } from '../engine/containers/types.js';
import { etcFilePaths } from '../engine/containers/etc-files.js';
import { spawnStreaming } from '../host/command.js';
import { unpackTar } from '../storage/tar-apply.js';
import { HttpError } from './errors.js';
import { sendEmpty, sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

/** Files the runtime bind-mounts over: not the user's changes. */
const RUNTIME_PATHS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev', '/proc', '/sys', '/run/.containerenv'];

const isRunning = (rec: ContainerRecord) => rec.State.Status === 'running' || rec.State.Status === 'paused';

/** Runs fn with the container's rootfs mounted (it already is while the container runs). */
async function withRootfs<T>(engine: Engine, rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  const rw = engine.rwLayers;
  if (isRunning(rec)) return fn(rw.paths(rec.Id).merged);
  const rootfs = await rw.mount({ id: rec.Id, parent: rec.TopLayer });
  try {
    return await fn(rootfs);
  } finally {
    if (!isRunning(rec)) await rw.unmount(rec.Id);
  }
}

/** Where a container path lives on the host, and the bind or volume mount holding it, if any. */
interface HostPath {
  host: string;
  /** The cleaned container path the host path stands for, symlinks resolved. */
  containerPath: string;
  mount?: ResolvedMount;
}

/**
 * The files the runtime bind-mounts over /etc while the container runs (oci-spec.ts), as mounts,
 * unless the user mounted something there.
 */
function etcMounts(engine: Engine, rec: ContainerRecord): ResolvedMount[] {
  if (!isRunning(rec)) return [];
  const files = etcFilePaths(engine.layout.containerDir(rec.Id));
  return ([['/etc/hosts', files.hosts], ['/etc/hostname', files.hostname], ['/etc/resolv.conf', files.resolvConf]] as const)
    .filter(([dest]) => !rec.Mounts.some((m) => m.Destination === dest))
    .map(([dest, source]) => ({ Type: 'bind', Source: source, Destination: dest, Mode: '', RW: true, Propagation: 'rprivate' }));
}

function hostPathOf(rec: ContainerRecord, rootfs: string, containerPath: string, extraMounts: ResolvedMount[]): HostPath {
  const mount = [...rec.Mounts, ...extraMounts]
    .filter((m) => m.Type !== 'tmpfs' && (containerPath === m.Destination || containerPath.startsWith(m.Destination.replace(/\/$/, '') + '/')))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  const host = mount ? path.join(mount.Source, containerPath.slice(mount.Destination.length)) : path.join(rootfs, containerPath);
  return { host, containerPath, mount };
}

const MAX_SYMLINKS = 255;

/**
 * Maps a container path to the host path that holds it, resolving symlinks as the container
 * sees them (docker's container.ResolvePath): absolute targets and ".." stay inside the
 * container's root, and a link may lead into or out of a bind or volume mount.
 */
async function hostPathFor(engine: Engine, rec: ContainerRecord, rootfs: string, containerPath: string, followLast: boolean): Promise<HostPath> {
  const extra = etcMounts(engine, rec);
  const pending = path.posix.normalize('/' + containerPath).split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    if (pending.length === 0 && !followLast) {
      done.push(c);
      break;
    }
    const { host } = hostPathOf(rec, rootfs, '/' + [...done, c].join('/'), extra);
    const st = await fs.lstat(host).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      done.push(c);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new HttpError(400, `too many levels of symbolic links in ${containerPath}`);
    const target = await fs.readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return hostPathOf(rec, rootfs, '/' + done.join('/'), extra);
}

/** GNU tar arguments that rename the archive's top entry `from` (and what is under it) to `to`. */
function renameTopEntry(from: string, to: string): string[] {
  // A basic regular expression, literal: escape what BRE gives a meaning to.
  const re = from.replace(/[.[\]*^$\\]/g, '\\$&');
  const repl = to.replace(/[\\&]/g, '\\$&');
  const delim = [',', '|', '#', '%', '@', ':', ';', '!', '~', '\x01'].find((c) => !from.includes(c) && !to.includes(c))!;
  // Flag S: symlink targets are the user's data, not member names; hard link targets are.
  return [`--transform=s${delim}^${re}${delim}${repl}${delim}S`];
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
    const list = await engine.rwLayers.changes({ id: rec.Id, parent: rec.TopLayer }, {
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
    const resolved = await hostPathFor(engine, rec, rootfs, p, false);
    const st = await fs.lstat(resolved.host).catch(() => undefined);
    if (!st) throw new HttpError(404, `Could not find the file ${p} in container ${r.params.id}`);
    const linkTarget = st.isSymbolicLink() ? await fs.readlink(resolved.host) : '';
    return { ...resolved, st, header: statHeader(path.posix.basename(p) || '/', st, linkTarget) };
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
      const { host, containerPath, header } = await stat(r, rec, rootfs);
      // docker cp wants the entry named by the path's last element (a dir's content under it),
      // which a mount's root (a volume's "_data") is not named on the host.
      const name = path.posix.basename(containerPath);
      const rename = name && name !== path.basename(host) ? renameTopEntry(path.basename(host), name) : [];
      const tar = spawnStreaming('tar', ['--numeric-owner', ...rename, '-C', path.dirname(host), '-cf', '-', '--', path.basename(host)]);
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
    await withRootfs(engine, rec, async (rootfs) => {
      const dest = await hostPathFor(engine, rec, rootfs, p, true);
      const st = await fs.stat(dest.host).catch(() => undefined);
      if (!st) throw new HttpError(404, `Could not find the file ${p} in container ${r.params.id}`);
      if (!st.isDirectory()) throw new HttpError(400, `extraction point is not a directory`);
      // moby daemon/archive.go, checkIfPathIsInAVolume: a read-only mount refuses, and a
      // read-only rootfs refuses unless the path is in a writable mount.
      const writable = (t: HostPath): string => {
        if (t.mount && !t.mount.RW) throw new HttpError(400, 'mounted volume is marked read-only');
        if (!t.mount && rec.HostConfig.ReadonlyRootfs) throw new HttpError(403, 'container rootfs is marked read-only');
        return t.host;
      };
      writable(dest);
      const fileMounts = new Set([...rec.Mounts, ...etcMounts(engine, rec)].map((m) => m.Source));
      await unpackTar(r.req, dest.host, {
        rewriteInPlace: (host) => fileMounts.has(host),
        noOverwriteDirNonDir: r.bool('noOverwriteDirNonDir'),
        // Each entry as the container sees it: one landing on a volume or bind mount (say
        // "data/x" extracted into "/" with a volume on /data) goes to the mount's source.
        resolve: async (comps, followLast) =>
          writable(await hostPathFor(engine, rec, rootfs, path.posix.join(dest.containerPath, ...comps), followLast)),
      });
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
      const id = await engine.images.commitContainer(rec, engine.rwLayers, {
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
