// What the CLI loads, at run time and outside its bundle, to serve or collect a registry:
// `berth` stays quick to start because none of this is parsed unless `berth registry` runs.
export { startRegistry, type RegistryOptions, type RunningRegistry } from './serve.js';
export { collectGarbage, DEFAULT_GC_DELAY_MS, type GcResult } from './gc.js';
