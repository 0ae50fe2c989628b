// A tmpfs for berthd's exec root. What sits there lives only as long as the containers: the OCI
// bundles, the exit files, conmon's sockets and staging logs, the runtime's state. On most hosts
// /run is a tmpfs, so none of this reaches a disk. Where it is on a disk file system (this
// project's VMs: /run on ext4), each of a run's small writes, renames and unlinks goes through
// the journal: conmon and `crun create` took ~1 ms longer, and the exit path ~0.6 ms
// (BENCHMARKS.md, "The exec root on a tmpfs"). There berthd mounts a tmpfs of its own (source
// "berth-exec"), only while the directory holds nothing of a running container. The mount
// outlives a crash or a stop with containers running, for the next daemon to adopt. A stop with
// nothing running lets it go.
import { realpathSync, statfsSync, statSync } from 'node:fs';
import { isMountPoint, mountTmpfs, topMountAt, unmount } from './mounts.js';

const TMPFS_MAGIC = 0x01021994;
const SOURCE = 'berth-exec';

export type RunTmpfs =
  /** dir was on a tmpfs already (a host's /run, or berthd's own from an earlier run). */
  | 'tmpfs'
  /** berthd mounted one on dir now. */
  | 'mounted'
  /** dir is on a disk file system and holds a running container's state: it stays as it is. */
  | 'kept';

/**
 * Puts dir (which exists) on a tmpfs unless it is on one, or `holdsState()` says that containers
 * still use what is in it (their files would be hidden under the mount). The tmpfs gets dir's
 * own mode and owner.
 */
export async function ensureRunTmpfs(dir: string, holdsState: () => boolean): Promise<RunTmpfs> {
  if (Number(statfsSync(dir).type) === TMPFS_MAGIC) return 'tmpfs';
  if (holdsState()) return 'kept';
  const st = statSync(dir);
  await mountTmpfs(dir, `nosuid,nodev,mode=${(st.mode & 0o7777).toString(8)},uid=${st.uid},gid=${st.gid}`, SOURCE);
  return 'mounted';
}

/** Unmounts the tmpfs berthd mounted on dir (told by its source), if that is what is there. */
export async function releaseRunTmpfs(dir: string): Promise<void> {
  // mountinfo names the mount by its real path (an exec root given as /var/run/berth is /run/berth).
  const real = realpathSync(dir);
  const top = await topMountAt(real);
  if (top?.fstype === 'tmpfs' && top.source === SOURCE) await unmount(real, isMountPoint);
}
