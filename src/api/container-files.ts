// /containers/{id}/changes, /export, /archive (docker cp) and /commit: parse, call the
// container-files backend (engine/containers/container-fs.ts) or the engine's commit, write Docker's answer.
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import type { PathStat } from '../engine/containers/container-fs.js';
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
async function sendTar(r: ApiRequest, tar: Readable, signal: AbortSignal, headers: Record<string, string>, end = true): Promise<void> {
  const first = await firstChunk(tar, signal);
  signal.throwIfAborted();
  // A tar always writes something; none means it failed before its first entry.
  if (!first) throw new SystemError('tar: the archive could not be made');
  const res = r.response();
  res.writeHead(200, headers);
  if (first) res.write(first);
  await pipeline(tar, res, { signal, end });
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
  const files = engine.containerFiles;

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
    // The answer ends once the copy's own work is undone (the container thawed, a stopped one's
    // rootfs and volumes unmounted): a client's next request (a volume rm) does not find them in use.
    await containers.withFiles(r.params.id!, (rec, signal) => files.archive(rec, pathParam(r), (stat, tar) =>
      sendTar(r, tar, signal, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': header(stat) }, false)));
    r.response().end();
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
    const overrides = (await r.json<Record<string, unknown>>()) ?? {};
    const id = await engine.commitContainer(ref, {
      pause: r.bool('pause', true),
      repo: r.str('repo') ?? '',
      tag: r.str('tag') ?? '',
      comment: r.str('comment') ?? '',
      author: r.str('author') ?? '',
      changes: r.query.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
      config: overrides,
    });
    sendJson(r.response(), 201, { Id: id });
  });
}
