// How many bytes a directory tree holds on disk, as `du -sb` counts them (hard links once, no
// other file system crossed): what removing it gives back, e.g. a pruned container's directory.
import { runCommand } from './command.js';

/** Bytes under `dir`; 0 when it cannot be measured (gone already). */
export async function directoryBytes(dir: string): Promise<number> {
  const r = await runCommand('du', ['-sbx', '--', dir], { allowFailure: true });
  return Number(r.stdout.split(/\s/)[0]) || 0;
}
