// cgroup v1 (and v2) layout detection and per-container statistics. The OCI runtime creates and
// removes a container's cgroups; berth only reads them and cleans up its parent directory.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export type CgroupLayout = 'v1' | 'v2' | 'hybrid-with-v2-controllers';

/**
 * crun refuses "hybrid" hosts where cgroup2 (mounted at /sys/fs/cgroup/unified) still owns a
 * controller (here: hugetlb) while the rest are v1. Mounting that controller as its own v1
 * hierarchy, as systemd does, takes it away from cgroup2 and makes the host plain v1.
 */
export function detectCgroupLayout(): CgroupLayout {
  if (existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) return 'v2';
  const unified = path.join(CGROUP_ROOT, 'unified', 'cgroup.controllers');
  if (existsSync(unified) && readFileSync(unified, 'utf8').trim() !== '') return 'hybrid-with-v2-controllers';
  return 'v1';
}

export function cgroupVersion(): '1' | '2' {
  return detectCgroupLayout() === 'v2' ? '2' : '1';
}

/** v1 controller directory for a cgroup path such as "/berth/<id>". */
export function v1Dir(controller: string, cgroupPath: string): string {
  return path.join(CGROUP_ROOT, controller, cgroupPath);
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** "key value" lines (memory.stat, cpuacct.stat, memory.oom_control). */
function parseKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

async function readKeyed(file: string): Promise<Record<string, number>> {
  // A cgroup gone: the container stopped.
  return parseKeyed(await fs.readFile(file, 'utf8').catch(() => ''));
}

export interface CgroupStats {
  memoryUsage: number;
  memoryLimit: number;
  memoryMaxUsage: number;
  memoryStat: Record<string, number>;
  cpuUsageNs: number;
  cpuUserNs: number;
  cpuSystemNs: number;
  perCpuNs: number[];
  pids: number;
  pidsLimit: number;
  oomKills: number;
}

export async function readCgroupStats(cgroupPath: string): Promise<CgroupStats> {
  const mem = (f: string) => path.join(v1Dir('memory', cgroupPath), f);
  const acct = (f: string) => path.join(v1Dir('cpuacct', cgroupPath), f);
  const pidsDir = (f: string) => path.join(v1Dir('pids', cgroupPath), f);
  const [usage, limit, max, stat, cpu, cpuStat, perCpu, pids, pidsMax, oom] = await Promise.all([
    readNumber(mem('memory.usage_in_bytes')),
    readNumber(mem('memory.limit_in_bytes')),
    readNumber(mem('memory.max_usage_in_bytes')),
    readKeyed(mem('memory.stat')),
    readNumber(acct('cpuacct.usage')),
    readKeyed(acct('cpuacct.stat')),
    fs.readFile(acct('cpuacct.usage_percpu'), 'utf8').catch(() => ''),
    readNumber(pidsDir('pids.current')),
    fs.readFile(pidsDir('pids.max'), 'utf8').catch(() => 'max'),
    readKeyed(mem('memory.oom_control')),
  ]);
  // USER_HZ is 100 on Linux: cpuacct.stat counts in 10 ms ticks.
  const tick = 10_000_000;
  return {
    memoryUsage: usage ?? 0,
    memoryLimit: limit ?? 0,
    memoryMaxUsage: max ?? 0,
    memoryStat: stat,
    cpuUsageNs: cpu ?? 0,
    cpuUserNs: (cpuStat.user ?? 0) * tick,
    cpuSystemNs: (cpuStat.system ?? 0) * tick,
    perCpuNs: perCpu.trim() ? perCpu.trim().split(/\s+/).map(Number) : [],
    pids: pids ?? 0,
    pidsLimit: pidsMax.trim() === 'max' ? 0 : Number(pidsMax.trim()),
    oomKills: oom.oom_kill ?? 0,
  };
}

/** Whether a memory cgroup saw an OOM kill (v1 memory.oom_control counts them). */
export function oomKilled(cgroupPath: string): boolean {
  // Read at once: a cgroup file is made by the kernel as it is read, with no I/O to wait for,
  // and readFile's four pool round trips sat on the path of every exit.
  let text = '';
  try {
    text = readFileSync(path.join(v1Dir('memory', cgroupPath), 'memory.oom_control'), 'utf8');
  } catch {
    // The cgroup is gone: its runtime deleted it already.
  }
  return (parseKeyed(text).oom_kill ?? 0) > 0;
}

/**
 * Removes an (empty) cgroup under every v1 controller: the parent berth created, at its stop, or
 * a container's that its runtime left after a failed create (crun 1.8 keeps it when the kernel
 * refuses a limit it writes, e.g. `cpu.rt_runtime_us`). A container removed a moment ago may
 * still have its cgroup: conmon's exit command deletes it in the runtime, after berthd has
 * answered the removal. So a busy one is tried again for up to `waitMs` (a daemon stopped right
 * after an rm -f left its parent cgroups behind under load).
 */
export async function removeCgroup(parent: string, waitMs = 3000): Promise<void> {
  let controllers: string[] = [];
  try {
    controllers = await fs.readdir(CGROUP_ROOT);
  } catch {
    return;
  }
  const removeOne = async (dir: string): Promise<void> => {
    for (const deadline = Date.now() + waitMs; ; ) {
      try {
        await fs.rmdir(dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(controllers.map((c) => removeOne(path.join(CGROUP_ROOT, c, parent))));
}

/** Host hard limits for rlimits: root here lacks CAP_SYS_RESOURCE and cannot raise them. */
export function hostHardLimits(): Map<string, number> {
  const names: Record<string, string> = {
    'Max open files': 'RLIMIT_NOFILE',
    'Max processes': 'RLIMIT_NPROC',
    'Max locked memory': 'RLIMIT_MEMLOCK',
    'Max stack size': 'RLIMIT_STACK',
    'Max core file size': 'RLIMIT_CORE',
    'Max pending signals': 'RLIMIT_SIGPENDING',
    'Max msgqueue size': 'RLIMIT_MSGQUEUE',
    'Max nice priority': 'RLIMIT_NICE',
    'Max realtime priority': 'RLIMIT_RTPRIO',
  };
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n').slice(1)) {
    const name = Object.keys(names).find((n) => line.startsWith(n));
    if (!name) continue;
    const hard = line.slice(name.length).trim().split(/\s+/)[1];
    out.set(names[name]!, hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard));
  }
  return out;
}

const FREEZE_TIMEOUT_MS = 5000;

/**
 * Freezes every process of a cgroup (v1 freezer, or v2 cgroup.freeze) and waits until the
 * kernel reports it frozen. Direct: ~0.05 ms here, where `crun pause` + `crun resume` take
 * 50–250 ms (two process starts and crun's own polling). 'gone' when the cgroup no longer
 * exists (its processes have exited: nothing to freeze); 'unsupported' when there is no
 * freezer (the caller falls back to the runtime).
 */
export async function freezeCgroup(cgroupPath: string): Promise<'frozen' | 'gone' | 'unsupported'> {
  const v1 = path.join(v1Dir('freezer', cgroupPath), 'freezer.state');
  const v2 = path.join(CGROUP_ROOT, cgroupPath, 'cgroup.freeze');
  const isV1 = existsSync(path.join(CGROUP_ROOT, 'freezer'));
  const isV2 = !isV1 && existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'));
  if (!isV1 && !isV2) return 'unsupported';
  const write = isV1 ? () => fs.writeFile(v1, 'FROZEN') : () => fs.writeFile(v2, '1');
  const frozen = isV1
    ? async () => (await fs.readFile(v1, 'utf8')).trim() === 'FROZEN'
    : async () => /^frozen 1$/m.test(await fs.readFile(path.join(CGROUP_ROOT, cgroupPath, 'cgroup.events'), 'utf8'));
  try {
    await write();
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    while (!(await frozen())) {
      if (Date.now() > deadline) {
        await thawCgroup(cgroupPath);
        throw new Error(`cgroup ${cgroupPath} did not freeze within ${FREEZE_TIMEOUT_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  } catch (e) {
    // ENODEV: the cgroup was removed between the open and the read of its file (the container
    // exited meanwhile; the fault campaign saw a cp racing a restart answer 500 with it).
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV') return 'gone';
    throw e;
  }
  return 'frozen';
}

/**
 * Takes a container's pids limit away ("max"). Not through the runtime: crun 1.8 writes the OCI
 * spec's -1 as "-1" into a v1 pids.max, which the kernel refuses (runc writes "max").
 */
export async function liftPidsLimit(cgroupPath: string): Promise<void> {
  const v1 = path.join(v1Dir('pids', cgroupPath), 'pids.max');
  await fs.writeFile(existsSync(v1) ? v1 : path.join(CGROUP_ROOT, cgroupPath, 'pids.max'), 'max');
}

export async function thawCgroup(cgroupPath: string): Promise<void> {
  const v1 = path.join(v1Dir('freezer', cgroupPath), 'freezer.state');
  if (existsSync(v1)) await fs.writeFile(v1, 'THAWED');
  else await fs.writeFile(path.join(CGROUP_ROOT, cgroupPath, 'cgroup.freeze'), '0');
}

/** Which resource limits this host's cgroups can enforce (Docker's sysinfo, the part berth uses). */
export interface CgroupSupport {
  memory: boolean;
  swap: boolean;
  memoryReservation: boolean;
  oomKillDisable: boolean;
  pids: boolean;
  cpuShares: boolean;
  cpuCfs: boolean;
  cpuRealtime: boolean;
  cpuset: boolean;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  blkioThrottle: boolean;
}

let cpuset: { cpus: string; mems: string } | undefined | null = null;

/**
 * The CPUs and memory nodes of the root cpuset (docker's sysinfo.Cpus and Mems), read once;
 * undefined without a cpuset controller.
 */
export function hostCpuset(): { cpus: string; mems: string } | undefined {
  if (cpuset !== null) return cpuset;
  const v1 = path.join(CGROUP_ROOT, 'cpuset');
  const read = (file: string) => readFileSync(file, 'utf8').trim();
  try {
    cpuset = existsSync(path.join(v1, 'cpuset.cpus'))
      ? { cpus: read(path.join(v1, 'cpuset.cpus')), mems: read(path.join(v1, 'cpuset.mems')) }
      : { cpus: read(path.join(CGROUP_ROOT, 'cpuset.cpus.effective')), mems: read(path.join(CGROUP_ROOT, 'cpuset.mems.effective')) };
  } catch {
    cpuset = undefined;
  }
  return cpuset;
}

let support: CgroupSupport | undefined;

/** Looked up once: the controllers' files at the root of each hierarchy (v1) or cgroup2's controllers. */
export function cgroupSupport(): CgroupSupport {
  if (support) return support;
  if (cgroupVersion() === '2') {
    const ctl = (() => {
      try {
        return readFileSync(path.join(CGROUP_ROOT, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
      } catch {
        return [];
      }
    })();
    const has = (c: string) => ctl.includes(c);
    support = {
      memory: has('memory'), swap: has('memory'), memoryReservation: has('memory'), oomKillDisable: false,
      pids: has('pids'), cpuShares: has('cpu'), cpuCfs: has('cpu'), cpuRealtime: false, cpuset: has('cpuset'),
      blkioWeight: has('io') && existsSync(path.join(CGROUP_ROOT, 'io.bfq.weight')), blkioWeightDevice: false, blkioThrottle: has('io'),
    };
    return support;
  }
  const f = (controller: string, file: string) => existsSync(path.join(CGROUP_ROOT, controller, file));
  support = {
    memory: f('memory', 'memory.limit_in_bytes'),
    swap: f('memory', 'memory.memsw.limit_in_bytes'),
    memoryReservation: f('memory', 'memory.soft_limit_in_bytes'),
    oomKillDisable: f('memory', 'memory.oom_control'),
    pids: f('pids', 'pids.max') || existsSync(path.join(CGROUP_ROOT, 'pids')),
    cpuShares: f('cpu', 'cpu.shares'),
    cpuCfs: f('cpu', 'cpu.cfs_quota_us'),
    cpuRealtime: f('cpu', 'cpu.rt_runtime_us'),
    cpuset: existsSync(path.join(CGROUP_ROOT, 'cpuset')),
    // Without a weight-capable I/O scheduler (CFQ, or BFQ's blkio.bfq.weight) there is no weight file.
    blkioWeight: f('blkio', 'blkio.weight') || f('blkio', 'blkio.bfq.weight'),
    blkioWeightDevice: f('blkio', 'blkio.weight_device') || f('blkio', 'blkio.bfq.weight_device'),
    blkioThrottle: f('blkio', 'blkio.throttle.read_bps_device'),
  };
  return support;
}
