// Device nodes for --device: what a host path is (char or block, major, minor, mode), or, for a
// directory, every device node under it (moby oci/devices_linux.go DevicesFromPath).
import { promises as fs, type BigIntStats } from 'node:fs';
import * as path from 'node:path';

export interface DeviceNode {
  /** Path inside the container. */
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

// glibc's gnu_dev_major / gnu_dev_minor.
const major = (dev: bigint) => Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
const minor = (dev: bigint) => Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));

function node(st: BigIntStats, inContainer: string): DeviceNode | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { path: inContainer, type, major: major(st.rdev), minor: minor(st.rdev), fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/**
 * The device number of what `p` names (links followed), as moby takes it for the per-device
 * block I/O limits: any file will do here, and the kernel refuses one that is not a disk.
 */
export async function deviceNumber(p: string): Promise<{ major: number; minor: number }> {
  const st = await fs.stat(p, { bigint: true });
  return { major: major(st.rdev), minor: minor(st.rdev) };
}

/** The device(s) at `onHost`, named under `inContainer`; throws with the reason when there is none. */
export async function devicesFromPath(onHost: string, inContainer: string): Promise<DeviceNode[]> {
  const st = await fs.stat(onHost, { bigint: true });
  const one = node(st, inContainer);
  if (one) return [one];
  if (!st.isDirectory()) throw new Error('not a device node');
  const out: DeviceNode[] = [];
  const walk = async (dir: string) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'pts' && e.name !== 'shm' && e.name !== 'fd' && e.name !== 'mqueue' && e.name !== '.lxc' && e.name !== '.lxd-mounts') await walk(p);
        continue;
      }
      const d = await fs.stat(p, { bigint: true }).then((s) => node(s, path.join(inContainer, path.relative(onHost, p)))).catch(() => undefined);
      if (d) out.push(d);
    }
  };
  await walk(onHost);
  return out;
}
