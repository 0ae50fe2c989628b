// berth's Node-API addons (native/*.c, built by scripts/setup-host.sh into
// /usr/local/libexec/berth, or beside the sources in a checkout). Each has a fallback that works
// without it (util-linux, child_process), so a missing or mismatched build is no error.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const NATIVE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native');

/**
 * Loads `berth-NAME.node` once per caller's memo; undefined when it is not built, was built for
 * another node, or the environment variable `disableEnv` is set.
 */
export function loadAddon<T>(name: string, disableEnv: string): T | undefined {
  if (process.env[disableEnv]) return undefined;
  const load = createRequire(import.meta.url);
  for (const file of [`/usr/local/libexec/berth/berth-${name}.node`, path.join(NATIVE_DIR, `berth-${name}.node`)]) {
    if (!existsSync(file)) continue;
    try {
      return load(file) as T;
    } catch {
      // Built for another node: the caller's fallback it is.
    }
  }
  return undefined;
}
