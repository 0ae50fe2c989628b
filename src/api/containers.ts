// /containers/*: create, list, inspect, lifecycle verbs, attach, logs, wait, top, stats.
import type { ContainerService, WaitCondition } from '../engine/containers/service.js';
import type { ExecService } from '../engine/containers/exec.js';
import type { RuntimeLayout } from '../engine/containers/runtime-layout.js';
import type { CreateRequest } from '../engine/containers/create-config.js';
import type { ContainerRecord, HostConfig } from '../engine/containers/types.js';
import { parseLink } from '../engine/containers/links.js';
import { formatTimeNs } from '../engine/logs/codec.js';
import { detailsPrefix } from '../engine/logs/log-config.js';
import { HeldSink, type AttachSession, type AttachSink } from '../engine/containers/attach.js';
import { peerHasRead } from '../host/socket-queue.js';
import { encodeFrame } from '../protocol/stdcopy.js';
import { encodeLogBatch } from './log-frames.js';
import { checkBody, checkCreateRequest } from './request-shape.js';
import { HttpError } from './errors.js';
import { pruneFilter } from './filter-match.js';
import { hijack, sendEmpty, sendJson, sendJsonBytes, type ApiRequest } from './http.js';
import type { Router } from './router.js';
import { containerInspect, containerSummary, matchesFilters, SummaryCache, type GraphDriverInfo } from './container-views.js';
import { streamStats } from './container-stats.js';
import { DEFAULT_DETACH_KEYS, EscapeDetector, parseDetachKeys } from '../protocol/detach-keys.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { isRunning } from '../engine/containers/state.js';
import { parsePlatform } from '../engine/distribution/manifest.js';

export interface ContainerApiDeps {
  containers: ContainerService;
  execs: ExecService;
  layout: RuntimeLayout;
  /** The writable layer's dirs and the unpacked layer dirs below, topmost first (GraphDriver.Data). */
  graphDriver(rec: ContainerRecord): GraphDriverInfo;
  /** Whether a container was created from the image `ref` names (ps --filter ancestor). */
  imageMatches(rec: ContainerRecord, ref: string): boolean;
  /** The host's cgroup version, for the defaults of clients older than API 1.41. */
  cgroupVersion: '1' | '2';
}

/** Resolves when `s` can take more writes, or it is closed (then 'drain' never comes). */
function drained(s: import('node:stream').Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

export function registerContainerRoutes(router: Router, d: ContainerApiDeps): void {
  const { containers } = d;

  const summaries = new SummaryCache();
  router.add('GET', '/containers/json', async (r) => {
    const filters = r.filters();
    const all = r.bool('all') || filters.has('status') || filters.has('exited');
    let list = containers.list()
      .filter((c) => all || isRunning(c))
      .filter((c) => {
        try {
          return matchesFilters(c, filters, (ref) => containers.store.find(ref), d.imageMatches);
        } catch (e) {
          throw new HttpError(400, (e as Error).message);
        }
      })
      .sort((a, b) => (a.Created < b.Created ? 1 : -1));
    const limit = r.int('limit');
    if (limit && limit > 0) list = list.slice(0, limit);
    const now = Date.now();
    // Legacy links ("/target:/parent/alias") name their target "/parent/alias" too.
    const linkNames = new Map<string, string[]>();
    for (const parent of containers.store.withLinks()) {
      for (const l of parent.HostConfig.Links ?? []) {
        const i = l.indexOf(':');
        const target = i > 0 ? containers.store.find(l.slice(0, i).replace(/^\//, '')) : undefined;
        if (target) linkNames.set(target.Id, [...(linkNames.get(target.Id) ?? []), `/${parent.Name.replace(/^\//, '')}/${parseLink(l).alias}`]);
      }
    }
    if (r.bool('size')) {
      // ps -s: each container's sizes, measured now (docker walks the layers too).
      const sizes = await containers.diskSizes(list);
      sendJson(r.response(), 200, list.map((c, i) => ({ ...containerSummary(c, now, linkNames.get(c.Id)), SizeRw: sizes[i]!.rw, SizeRootFs: sizes[i]!.rootFs })));
      return;
    }
    sendJsonBytes(r.response(), 200, summaries.list(list, (c) => containers.store.version(c), now, (c) => linkNames.get(c.Id)));
  });

  router.add('POST', '/containers/create', async (r) => {
    const body = await r.json<CreateRequest>();
    if (!body) throw new HttpError(400, 'Config cannot be empty in order to create a container');
    checkCreateRequest(body);
    adaptForOldClient(body, r, d.cgroupVersion);
    const platform = r.str('platform');
    const created = await containers.create(body, r.str('name'), platform ? parsePlatform(platform) : undefined, { legacyReadOnly: r.olderThan('1.44') });
    sendJson(r.response(), 201, created);
  });

  router.add('GET', '/containers/{id}/json', async (r) => {
    const rec = containers.get(r.params.id!);
    // The docker CLI's exec begins with this inspect: a crun for it can start now.
    d.execs.expectExec(rec);
    const view = containerInspect(rec, d.layout, d.graphDriver(rec), d.execs.forContainer(rec.Id), containers.logs.logPath(rec));
    if (r.bool('size')) {
      // inspect --size, as docker: the sizes after the record's fields.
      const size = await containers.diskSize(rec);
      Object.assign(view, { SizeRw: size.rw, SizeRootFs: size.rootFs });
    }
    sendJson(r.response(), 200, view);
  });

  router.add('POST', '/containers/{id}/start', async (r) => {
    // A HostConfig given at start (API < 1.24) is refused as dockerd refuses it from 1.24 on:
    // berth serves older clients but never applies one, and silence would start the container
    // without it. As dockerd, a body of up to 7 bytes ({} or null) passes.
    const length = r.req.headers['content-length'];
    if (length === undefined ? r.req.headers['transfer-encoding'] !== undefined : Number(length) > 7) {
      if ((await r.body()).length > 7) throw new HttpError(400, 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
    }
    await containers.start(r.params.id!);
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/stop', async (r) => {
    await containers.stop(r.params.id!, r.int('t') ?? r.int('timeout'), r.str('signal'));
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/restart', async (r) => {
    await containers.restart(r.params.id!, r.int('t') ?? r.int('timeout'), r.str('signal'));
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/kill', async (r) => {
    await containers.kill(r.params.id!, r.str('signal') || 'SIGKILL');
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/pause', async (r) => {
    await containers.pause(r.params.id!);
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/unpause', async (r) => {
    await containers.unpause(r.params.id!);
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/update', async (r) => {
    const body = (await r.json<HostConfig>()) ?? {};
    checkBody('container.UpdateConfig', body);
    sendJson(r.response(), 200, await containers.update(r.params.id!, body));
  });

  router.add('POST', '/containers/{id}/rename', async (r) => {
    const name = r.str('name');
    if (!name) throw new HttpError(400, 'Neither old nor new names may be empty');
    await containers.rename(r.params.id!, name);
    sendEmpty(r.response(), 204);
  });

  router.add('DELETE', '/containers/{id}', async (r) => {
    await containers.remove(r.params.id!, { force: r.bool('force'), volumes: r.bool('v') });
    sendEmpty(r.response(), 204);
  });

  // docker rm --link PARENT/ALIAS: the link's name has a slash, so it spans two segments.
  router.add('DELETE', '/containers/{id}/{link}', async (r) => {
    if (!r.bool('link')) throw new HttpError(404, `No such container: ${r.params.id}/${r.params.link}`);
    await containers.removeLink(r.params.id!, r.params.link!);
    sendEmpty(r.response(), 204);
  });

  router.add('POST', '/containers/{id}/wait', async (r) => {
    const condition = (r.str('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new HttpError(400, `invalid condition: "${condition}"`);
    const rec = containers.get(r.params.id!);
    const res = r.response();
    // A client that hangs up stops waiting (docker run -d never reads its wait).
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const done = containers.wait(rec.Id, condition, gone.signal);
    // Headers now, so the client knows the wait is registered before it starts the container.
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let code: number;
    try {
      code = await done;
    } catch (e) {
      if (gone.signal.aborted) return;
      throw e;
    }
    // Error is for a failed wait, not for a failed start: that one the start request reports.
    res.end(JSON.stringify({ StatusCode: code, Error: null }) + '\n');
  });

  router.add('POST', '/containers/{id}/resize', async (r) => {
    await containers.resize(r.params.id!, r.int('h') ?? 0, r.int('w') ?? 0);
    sendEmpty(r.response(), 200);
  });

  /** The detach-key scanner of an attach with a terminal and stdin; a bad key spec is a 400. */
  const detachScanner = (r: ApiRequest, tty: boolean, stdin: boolean): EscapeDetector | undefined => {
    try {
      return tty && stdin ? new EscapeDetector(parseDetachKeys(r.str('detachKeys') || DEFAULT_DETACH_KEYS)) : undefined;
    } catch {
      throw new HttpError(400, `Invalid detach keys (${r.str('detachKeys')}) provided`);
    }
  };

  router.add('POST', '/containers/{id}/attach', async (r) => {
    const rec = containers.attachable(r.params.id!);
    const tty = rec.Config.Tty;
    const wants = { stdin: r.bool('stdin'), stdout: r.bool('stdout'), stderr: r.bool('stderr') };
    const scanner = detachScanner(r, tty, wants.stdin);
    const conn = hijack(r, !tty);
    // The replay follows only once the client has read the 101 (host/socket-queue.ts).
    if (r.bool('logs') && r.switched) await peerHasRead(conn);
    await serveAttach(r, rec, conn, !tty, wants, scanner);
  });

  // The websocket form (docker's GET /containers/{id}/attach/ws): output as binary messages,
  // never multiplexed (as dockerd: the client cannot tell stdout from stderr), input from the
  // client's messages. Before API 1.42 dockerd attaches all three streams whatever the query says.
  const wss = new WebSocketServer({ noServer: true });
  router.add('GET', '/containers/{id}/attach/ws', async (r) => {
    const rec = containers.attachable(r.params.id!);
    const all = r.olderThan('1.42');
    const wants = all ? { stdin: true, stdout: true, stderr: true } : { stdin: r.bool('stdin'), stdout: r.bool('stdout'), stderr: r.bool('stderr') };
    const scanner = detachScanner(r, rec.Config.Tty, wants.stdin);
    if (!r.upgradeSocket || (r.req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw new HttpError(400, 'websocket upgrade expected (Upgrade: websocket)');
    }
    const socket = r.upgradeSocket;
    const head = r.upgradeHead ?? Buffer.alloc(0);
    r.upgradeHead = undefined;
    // The session is made before the handshake answers: a client that starts the container as
    // soon as its websocket is open gets the output from the start (it missed it when the
    // session came after). Output before the websocket exists waits for it.
    let early: EarlyAttach | undefined;
    if (r.bool('stream') && !r.bool('logs')) {
      const held = new HeldSink();
      const session = await containers.attach(rec.Id, wants, held);
      early = { session, held };
      socket.once('close', () => {
        if (!held.delivered) {
          containers.detachPending(rec.Id, session);
          session.close();
        }
      });
    }
    const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(r.req, socket, head, resolve));
    r.switched = true;
    await serveAttach(r, rec, createWebSocketStream(ws), false, wants, scanner, early);
  });

  /** An attach session made before its connection was ready (the websocket form). */
  interface EarlyAttach {
    session: AttachSession;
    held: HeldSink;
  }

  /** An attach session on `conn` (a hijacked connection or a websocket's stream). */
  const serveAttach = async (
    r: ApiRequest,
    rec: ContainerRecord,
    conn: Duplex,
    multiplexed: boolean,
    wants: { stdin: boolean; stdout: boolean; stderr: boolean },
    scanner: EscapeDetector | undefined,
    early?: EarlyAttach,
  ): Promise<void> => {
    // The client may hang up at any moment: its errors end the session, never berthd.
    conn.on('error', () => undefined);
    const send = (stream: 1 | 2, data: Buffer): boolean => {
      if (conn.writableEnded || conn.destroyed) return true;
      return conn.write(multiplexed ? encodeFrame(stream, data) : data);
    };
    if (r.bool('logs')) {
      // The log file may be large: replay it at the client's pace, and stop when it is gone.
      const gone = () => conn.destroyed || conn.writableEnded;
      const past = containers.logs.policy(rec).driver === 'none' ? [] : containers.logs.read(rec, { stdout: wants.stdout, stderr: wants.stderr, since: 0n, until: 0n, follow: false }, gone);
      for await (const rec2 of past) {
        if (!send(rec2.stream, rec2.data)) await drained(conn);
        if (gone()) return;
      }
    }
    if (!r.bool('stream')) {
      conn.end();
      return;
    }
    const sink: AttachSink = { output: send, close: () => conn.end() };
    let session: AttachSession;
    if (early) {
      session = early.session;
      early.held.deliverTo(sink);
    } else session = await containers.attach(rec.Id, wants, sink);
    conn.on('data', (chunk: Buffer) => {
      if (scanner) {
        const { forward, detached } = scanner.feed(chunk);
        if (forward.length) session.input(forward);
        if (detached) containers.detach(rec.Id, session);
        return;
      }
      session.input(chunk);
    });
    conn.on('end', () => session.endInput());
    conn.on('close', () => {
      containers.detachPending(rec.Id, session);
      session.close();
    });
    conn.on('error', () => undefined);
    conn.resume();
  };

  router.add('GET', '/containers/{id}/logs', async (r) => {
    const rec = containers.get(r.params.id!);
    const stdout = r.bool('stdout');
    const stderr = r.bool('stderr');
    if (!stdout && !stderr) throw new HttpError(400, 'Bad parameters: you must choose at least one stream');
    const tailText = r.str('tail');
    const tail = !tailText || tailText === 'all' ? undefined : Math.max(0, Number(tailText));
    const tty = rec.Config.Tty;
    const timestamps = r.bool('timestamps');
    const details = r.bool('details') ? detailsPrefix(containers.logs.attributes(rec)) : undefined;
    if (containers.logs.policy(rec).driver === 'none') throw new HttpError(501, 'configured logging driver does not support reading');
    const res = r.response();
    res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
    res.flushHeaders();
    let aborted = false;
    res.on('close', () => (aborted = true));
    const batches = containers.logs.readBatches(
      rec,
      { stdout, stderr, since: r.timeNs('since'), until: r.timeNs('until'), tail: Number.isNaN(tail) ? undefined : tail, follow: r.bool('follow') },
      () => aborted,
    );
    // One write a batch (a read of the file, or what one copy from conmon brought: a line
    // written while following goes out at once), at the client's pace.
    for await (const batch of batches) {
      if (!res.write(encodeLogBatch(batch, { tty, timestamps, details }))) await drained(res);
      if (aborted) break;
    }
    res.end();
  });

  router.add('GET', '/containers/{id}/top', async (r) => {
    sendJson(r.response(), 200, await containers.top(r.params.id!, (r.str('ps_args') || '-ef').split(/\s+/).filter(Boolean)));
  });

  router.add('GET', '/containers/{id}/stats', async (r) => {
    const rec = containers.get(r.params.id!);
    await streamStats(r, rec, () => isRunning(rec));
  });

  router.add('POST', '/containers/prune', async (r) => {
    // until and the label filters choose among the stopped containers (moby's ContainersPrune).
    const matches = pruneFilter(r.filters(), ['until', 'label', 'label!']);
    const { deleted, reclaimed } = await containers.prune((c) => matches(c.Config.Labels ?? {}, Date.parse(c.Created)));
    sendJson(r.response(), 200, { ContainersDeleted: deleted, SpaceReclaimed: reclaimed });
  });

  router.add('POST', '/containers/{id}/exec', async (r) => {
    const body = (await r.json<Record<string, unknown>>()) ?? {};
    checkBody('container.ExecOptions', body);
    const id = d.execs.create(r.params.id!, body);
    sendJson(r.response(), 201, { Id: id });
  });
}

/**
 * The defaults dockerd keeps for clients older than a change (moby's postContainersCreate), so a
 * container such a client makes behaves as it expects: a shareable IPC namespace before API 1.40,
 * the host's cgroup namespace on cgroup v1 before 1.41; a healthcheck's StartInterval (1.44)
 * unknown before that.
 */
function adaptForOldClient(body: CreateRequest, r: ApiRequest, cgroupVersion: '1' | '2'): void {
  if (!r.olderThan('1.44')) return;
  if (body.Healthcheck) delete body.Healthcheck.StartInterval;
  const h = (body.HostConfig ??= {});
  // The read-only bind options came with 1.44: ignored before, as dockerd ignores them, or refused.
  for (const m of h.Mounts ?? []) {
    if (!m.BindOptions) continue;
    delete m.BindOptions.ReadOnlyNonRecursive;
    if (m.BindOptions.ReadOnlyForceRecursive) throw new HttpError(400, 'BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
  }
  if (r.olderThan('1.40') && !h.IpcMode) h.IpcMode = 'shareable';
  if (r.olderThan('1.41') && !h.CgroupnsMode && cgroupVersion === '1') h.CgroupnsMode = 'host';
}
