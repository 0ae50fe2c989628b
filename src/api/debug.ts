// /debug/vars: the daemon's own figures, as dockerd's expvar endpoint serves its Go memstats
// (same path, JSON). Here `memstats` is node's: RSS by kind, V8's heap spaces, malloc's arenas
// (host/memory.ts). The fault and load campaign samples it to explain berthd's RSS. `?gc=1`
// collects first, so the heap figures are what is live (a diagnosis: it changes what it measures).
import { fullCollection, memoryFigures } from '../host/memory.js';
import { sendJson } from './http.js';
import type { Router } from './router.js';

export function registerDebugRoutes(router: Router): void {
  router.add('GET', '/debug/vars', (r) => {
    if (r.bool('gc')) fullCollection();
    sendJson(r.response(), 200, { cmdline: process.argv, memstats: memoryFigures() });
  });
}
