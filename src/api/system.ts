// /_ping, /version, /info, /events, /system/df.
import type { DiskUsage } from '../protocol/engine-api.js';
import { hostname, cpus, totalmem, release, arch } from 'node:os';
import { readFileSync } from 'node:fs';
import type { EventBus, EngineEvent } from '../engine/events/event-bus.js';
import { API_VERSION } from './versions.js';
import { sendJson } from './http.js';
import type { Router } from './router.js';

export interface SystemInfo {
  version: string;
  /** The oldest API version this berthd serves. */
  minApiVersion: string;
  daemonId: string;
  dataRoot: string;
  defaultRuntime: string;
  runtimes: Record<string, string>;
  runtimeVersions(): Promise<Record<string, string>>;
  cgroupVersion: '1' | '2';
  counts(): { containers: number; running: number; paused: number; stopped: number; images: number };
  diskUsage(): Promise<DiskUsage>;
  warnings: string[];
  /** docker info's SecurityOptions, e.g. name=seccomp,profile=builtin. */
  securityOptions: string[];
  /** The default log driver (berthd --log-driver). */
  loggingDriver: string;
}

function osName(): string {
  try {
    const m = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1]! : 'Linux';
  } catch {
    return 'Linux';
  }
}

const goArch = () => (arch() === 'x64' ? 'amd64' : arch());

function pingHeaders() {
  return {
    'Api-Version': API_VERSION,
    'Builder-Version': '1',
    'Docker-Experimental': 'false',
    'Ostype': 'linux',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Type': 'text/plain; charset=utf-8',
    Swarm: 'inactive',
  };
}

function eventMatches(ev: EngineEvent, filters: Map<string, string[]>): boolean {
  for (const [k, vals] of filters) {
    if (!vals.length) continue;
    const attrs = ev.Actor.Attributes;
    let ok: boolean;
    switch (k) {
      case 'type': ok = vals.includes(ev.Type); break;
      case 'event': ok = vals.some((v) => ev.Action === v || ev.Action.startsWith(`${v}:`)); break;
      case 'container': ok = ev.Type === 'container' && vals.some((v) => ev.Actor.ID.startsWith(v) || attrs.name === v); break;
      case 'image': {
        // moby matchImage: the ID or the image's name (an image event's `name`, else `image`), with or without its tag.
        const name = (ev.Type === 'image' ? attrs.name : attrs.image) ?? '';
        const untagged = (ref: string) => (ref.startsWith('sha256:') ? ref : ref.replace(/:[\w][\w.-]*$/, ''));
        ok = vals.some((v) => [ev.Actor.ID, name, untagged(ev.Actor.ID), untagged(name)].includes(v));
        break;
      }
      case 'volume': ok = ev.Type === 'volume' && vals.includes(ev.Actor.ID); break;
      case 'label': ok = vals.every((v) => { const i = v.indexOf('='); return i < 0 ? v in attrs : attrs[v.slice(0, i)] === v.slice(i + 1); }); break;
      default: ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

export function registerSystemRoutes(router: Router, info: SystemInfo, events: EventBus): void {
  const ping = (r: import('./http.js').ApiRequest) => {
    const res = r.response();
    // A length, as dockerd sends (0 for HEAD): without one Node's client drops a kept-alive
    // connection after a HEAD, and a GET's "OK" went chunked.
    const head = r.req.method === 'HEAD';
    res.writeHead(200, { ...pingHeaders(), 'Content-Length': head ? 0 : 2 });
    res.end(head ? undefined : 'OK');
  };
  router.add('GET', '/_ping', ping);
  router.add('HEAD', '/_ping', ping);

  router.add('GET', '/version', async (r) => {
    const versions = await info.runtimeVersions();
    const details = {
      ApiVersion: API_VERSION, MinAPIVersion: info.minApiVersion, GitCommit: 'berth', GoVersion: `node ${process.version}`,
      Os: 'linux', Arch: goArch(), KernelVersion: release(), BuildTime: '', Experimental: 'false',
    };
    sendJson(r.response(), 200, {
      Platform: { Name: 'berth' },
      Components: [
        { Name: 'Engine', Version: info.version, Details: details },
        ...Object.entries(info.runtimes).map(([name, path]) => ({ Name: name, Version: versions[name] ?? 'unknown', Details: { GitCommit: '', Path: path } })),
      ],
      Version: info.version,
      ...details,
      Experimental: false,
    });
  });

  router.add('GET', '/info', (r) => {
    const c = info.counts();
    sendJson(r.response(), 200, {
      ID: info.daemonId,
      Containers: c.containers, ContainersRunning: c.running, ContainersPaused: c.paused, ContainersStopped: c.stopped,
      Images: c.images,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file', 'local', 'none'] },
      MemoryLimit: true, SwapLimit: true, KernelMemory: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true,
      CPUSet: true, PidsLimit: true, IPv4Forwarding: true, BridgeNfIptables: false, BridgeNfIp6tables: false,
      Debug: false, NFd: 0, OomKillDisable: true, NGoroutines: 0, SystemTime: new Date().toISOString(),
      LoggingDriver: info.loggingDriver, CgroupDriver: 'cgroupfs', CgroupVersion: info.cgroupVersion, NEventsListener: 0,
      KernelVersion: release(), OperatingSystem: osName(), OSVersion: '', OSType: 'linux', Architecture: arch() === 'x64' ? 'x86_64' : arch(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: null },
      NCPU: cpus().length, MemTotal: totalmem(), GenericResources: null, DockerRootDir: info.dataRoot,
      HttpProxy: '', HttpsProxy: '', NoProxy: '', Name: hostname(), Labels: [], ExperimentalBuild: false,
      ServerVersion: info.version,
      Runtimes: Object.fromEntries(Object.entries(info.runtimes).map(([n, p]) => [n, { path: p }])),
      DefaultRuntime: info.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true, Isolation: '', InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' },
      SecurityOptions: info.securityOptions, Warnings: info.warnings,
    });
  });

  router.add('GET', '/system/df', async (r) => {
    sendJson(r.response(), 200, await info.diskUsage());
  });

  router.add('GET', '/events', async (r) => {
    const filters = r.filters();
    // In ns, as dockerd compares them: an event of the same second after `until` is not sent.
    const since = r.timeNs('since');
    const until = r.timeNs('until');
    const res = r.response();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const send = (ev: EngineEvent) => {
      if (!eventMatches(ev, filters)) return;
      // The old API's fields first for a container's, as dockerd.
      res.write(events.json(ev, ev.Type === 'container' ? { status: ev.Action, id: ev.Actor.ID, from: ev.Actor.Attributes.image } : {}) + '\n');
    };
    // `--since 0` is the whole history: the parameter's presence counts, not its value.
    if (r.str('since')) for (const ev of events.since(since)) if (!until || events.nanos(ev) <= until) send(ev);
    const untilMs = until ? Number(until / 1_000_000n) : undefined;
    if (untilMs !== undefined && untilMs <= Date.now()) {
      res.end();
      return;
    }
    const unsubscribe = events.subscribe(send);
    const timer = untilMs !== undefined ? setTimeout(() => res.end(), untilMs - Date.now()) : undefined;
    res.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    });
  });
}
