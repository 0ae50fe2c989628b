// ID-mapped bind mounts through native/idmap-mount.c (built by scripts/setup-host.sh): Node has
// no binding for open_tree(2), mount_setattr(2) and move_mount(2).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './command.js';
import type { IdRange } from './subordinate-ids.js';

const CANDIDATES = [
  '/usr/local/libexec/berth/idmap-mount',
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native/idmap-mount'),
];

export function findIdmapHelper(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** "inside:host:count,…" as the helper reads it. */
export function mapArg(ranges: IdRange[]): string {
  return ranges.map((r) => `${r.inside}:${r.host}:${r.count}`).join(',');
}

/** Mounts each [src, dst] ID-mapped (all in one process); every dst must exist. */
export async function idmapMount(helper: string, uid: IdRange[], gid: IdRange[], pairs: Array<[string, string]>): Promise<void> {
  if (!pairs.length) return;
  await runCommand(helper, [mapArg(uid), mapArg(gid), ...pairs.flat()], { timeoutMs: 30_000 });
}
