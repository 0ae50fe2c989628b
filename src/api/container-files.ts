// /containers/{id}/changes, /export, /archive (docker cp) and /commit: parse, call the
// container-files backend (engine/containers/container-fs.ts), write Docker's answer.
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import { ContainerFs, type PathStat } from '../engine/containers/container-fs.js';
import { SystemError } from '../errors.js';
import { HttpError } from './errors.js';
import { sendEmpty, sendJson, type ApiRequest } from './http.js';
import type { Router } from './router.js';

function statHeader(name: string, st: Stats, linkTarget: string): string {
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

const header = (s: PathStat) => statHeader(s.name, s.stats, s.linkTarget);

/**
 * A tar as a 200 answer. Its headers go out with its first bytes: a stop or removal that aborts
 * the copy before then gets its own answer (a 409), not a connection closed with none (Node sends
 * the headers with the first write, so a stream destroyed before it answered nothing); one that
 * comes later cuts the stream short.
 */
async function sendTar(r: ApiRequest, tar: Readable, signal: AbortSignal, headers: Record<string, string>): Promise<void> {
  const first = await firstChunk(tar, signal);
  signal.throwIfAborted();
  // A tar always writes something; none means it failed before its first entry.
  if (!first) throw new SystemError('tar: the archive could not be made');
  const res = r.response();
  res.writeHead(200, headers);
  if (first) res.write(first);
  await pipeline(tar, res, { signal });
}

/**
 * The stream's first bytes, or null when it ends (or closes) with none. Not `once('readable')`
 * alone: a stream that has ended by the time the listener is added emits 'end', never
 * 'readable', and the answer waited for ever (the API fuzz found it).
 */
function firstChunk(tar: Readable, signal: AbortSignal): Promise<Buffer | null> {
  const chunk = tar.read() as Buffer | null;
  if (chunk !== null || tar.readableEnded || tar.destroyed) return Promise.resolve(chunk);
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => {
      tar.off('readable', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onData = () => {
      const c = tar.read() as Buffer | null;
      if (c !== null || tar.readableEnded) settle(() => resolve(c));
    };
    const onEnd = () => settle(() => resolve(null));
    const onError = (e: Error) => settle(() => reject(e));
    const onAbort = () => settle(() => reject(signal.reason as Error));
    tar.on('readable', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function pathParam(r: ApiRequest): string {
  const p = r.str('path');
  if (!p) throw new HttpError(400, 'Bad parameters: path is required');
  return p;
}

export function registerContainerFilesRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;
  const files = new ContainerFs({
    rwLayers: engine.rwLayers,
    containerDir: (id) => engine.layout.containerDir(id),
    runtimeFor: engine.runtimeFor,
    mountRootfs: (rec) => containers.runner.mountRootfs(rec, false),
    remapFor: (rec) => containers.runner.remapFor(rec.HostConfig),
  });

  router.add('GET', '/containers/{id}/changes', async (r) => {
    const list = await containers.withFiles(r.params.id!, (rec) => files.changes(rec));
    sendJson(r.response(), 200, list.length ? list : null);
  });

  router.add('GET', '/containers/{id}/export', async (r) => {
    await containers.withFiles(r.params.id!, (rec, signal) => files.exportTar(rec, (tar: Readable) =>
      sendTar(r, tar, signal, { 'Content-Type': 'application/x-tar' })));
  });

  router.add('HEAD', '/containers/{id}/archive', async (r) => {
    const stat = await containers.withFiles(r.params.id!, (rec) => files.stat(rec, pathParam(r)));
    const res = r.response();
    res.writeHead(200, { 'X-Docker-Container-Path-Stat': header(stat) });
    res.end();
  });

  router.add('GET', '/containers/{id}/archive', async (r) => {
    await containers.withFiles(r.params.id!, (rec, signal) => files.archive(rec, pathParam(r), (stat, tar) =>
      sendTar(r, tar, signal, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': header(stat) })));
  });

  router.add('PUT', '/containers/{id}/archive', async (r) => {
    await containers.withFiles(r.params.id!, (rec, signal) => {
      signal.addEventListener('abort', () => r.req.destroy(new Error('the copy was cut off')), { once: true });
      return files.extract(rec, pathParam(r), r.req, { noOverwriteDirNonDir: r.bool('noOverwriteDirNonDir'), copyUIDGID: r.bool('copyUIDGID') });
    });
    sendEmpty(r.response(), 200);
  });

  router.add('POST', '/commit', async (r) => {
    const ref = r.str('container');
    if (!ref) throw new HttpError(400, 'Bad parameters: container is required');
    const rec = containers.get(ref);
    const overrides = (await r.json<Record<string, unknown>>()) ?? {};
    // A container that is exiting cannot be frozen any more (crun pause fails): its layer is
    // about to stop changing anyway, so the commit goes on without the pause, as dockerd's does.
    const pause = r.bool('pause', true) && rec.State.Status === 'running'
      && await containers.pause(rec.Id).then(() => true, () => false);
    try {
      // A removal that begins meanwhile waits for the commit to end (its layer is read whole).
      const commit = () => containers.withFiles(rec.Id, () => engine.images.commitContainer(rec, engine.rwLayers, {
        mapOwner: containers.runner.remapFor(rec.HostConfig)?.toInside,
        repo: r.str('repo') ?? '',
        tag: r.str('tag') ?? '',
        comment: r.str('comment') ?? '',
        author: r.str('author') ?? '',
        changes: r.query.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
        config: overrides,
      }));
      // Without the visible pause (--pause=false) the container is still frozen for the diff,
      // silently: a freeze costs ~0.05 ms, and a running process must not swap a directory for
      // a symlink under the walk (CVE-2018-15664, the commit side).
      // One that exits meanwhile cannot be frozen, and needs not be: its layer stops changing.
      const id = pause ? await commit() : await files.frozen(containers.get(rec.Id), commit).catch(async (e: unknown) => {
        if (containers.get(rec.Id).State.Status === 'running') throw e;
        return commit();
      });
      sendJson(r.response(), 201, { Id: id });
    } finally {
      if (pause) await containers.unpause(rec.Id).catch(() => undefined);
    }
  });
}
