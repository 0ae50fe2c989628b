// The daemon's own OOM score: dockerd runs at -500 so the kernel kills containers before the
// daemon that supervises them. Lowering a score below 0 needs CAP_SYS_RESOURCE (proc(5)).
import { promises as fs } from 'node:fs';

/** Sets this process's oom_score_adj; returns the error's reason when the kernel refuses. */
export async function setOwnOomScoreAdj(value: number): Promise<string | undefined> {
  try {
    await fs.writeFile('/proc/self/oom_score_adj', String(value));
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied (no CAP_SYS_RESOURCE)' : (e as Error).message;
  }
}
