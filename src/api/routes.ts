// The Docker Engine API's routes, resource by resource, over one engine.
import type { Engine } from '../engine/engine.js';
import { registerBuildRoutes } from './build.js';
import { pruneBuildCache } from '../engine/build/build-cache.js';
import { diskUsageView } from './disk-usage.js';
import { registerContainerRoutes } from './containers.js';
import { registerContainerFilesRoutes } from './container-files.js';
import { registerDebugRoutes } from './debug.js';
import { registerExecRoutes } from './exec.js';
import { registerImageRoutes } from './images.js';
import { registerDistributionRoutes } from './distribution.js';
import { registerNetworkRoutes } from './networks.js';
import { Router } from './router.js';
import { registerSwarmRoutes } from './swarm.js';
import { registerSystemRoutes } from './system.js';
import { registerVolumeRoutes } from './volumes.js';

export function buildRouter(engine: Engine, version: string, minApiVersion: string): Router {
  const router = new Router();
  registerSystemRoutes(router, {
    version,
    minApiVersion,
    daemonId: engine.daemonId,
    dataRoot: engine.o.dataRoot,
    defaultRuntime: engine.defaultRuntime,
    runtimes: Object.fromEntries([...engine.runtimes].map(([n, r]) => [n, r.path])),
    runtimeVersions: async () => Object.fromEntries(await Promise.all([...engine.runtimes].map(async ([n, r]) => [n, await r.version()]))),
    cgroupVersion: engine.cgroupVersion,
    counts: () => {
      const list = engine.containers.list();
      const running = list.filter((c) => c.State.Status === 'running').length;
      const paused = list.filter((c) => c.State.Status === 'paused').length;
      return { containers: list.length, running, paused, stopped: list.length - running - paused, images: engine.images.count() };
    },
    diskUsage: () => diskUsageView(engine),
    warnings: engine.warnings,
    securityOptions: engine.securityOptions(),
    loggingDriver: engine.o.defaultLogConfig?.Type ?? 'json-file',
  }, engine.events);
  registerContainerRoutes(router, {
    containers: engine.containers,
    execs: engine.execs,
    layout: engine.layout,
    graphDriver: (rec) => {
      const p = engine.rwLayers.paths(rec.Id);
      let lowerDirs: string[] = [];
      try {
        lowerDirs = engine.rwLayers.lowerDirs(rec.TopLayer);
      } catch {
        // Layers gone (a broken store): inspect still answers.
      }
      return { lowerDirs, upper: p.upper, work: p.work, merged: p.merged };
    },
    imageMatches: (rec, ref) => engine.images.matches(rec.Image, rec.Config.Image, ref),
    cgroupVersion: engine.cgroupVersion,
  });
  registerContainerFilesRoutes(router, engine);
  registerExecRoutes(router, engine.execs);
  registerDistributionRoutes(router, engine.distribution);
  registerImageRoutes(router, engine);
  registerBuildRoutes(router, {
    builder: engine.builder,
    pruneCache: () => pruneBuildCache(engine.builder.cache, engine.images, (id) => engine.containersUsingImage(id)),
  });
  registerVolumeRoutes(router, engine.volumes, (name) => engine.containers.volumeUsers(name));
  registerNetworkRoutes(router, { networks: engine.networks, endpoints: engine.containers, containers: () => engine.containers.list() });
  registerSwarmRoutes(router);
  registerDebugRoutes(router);
  return router;
}
