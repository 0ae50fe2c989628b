// A container's resource figures as Docker's stats JSON (types.StatsJSON): its cgroups (v1), the
// host's CPU time, and its interfaces' counters. GET /containers/{id}/stats streams these samples.
import { promises as fs } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { readCgroupStats, type CgroupStats } from '../../host/cgroups.js';
import type { ContainerRecord } from './types.js';
import { isRunning } from './state.js';

/** Host CPU time in ns from /proc/stat (what docker calls system_cpu_usage). */
async function systemCpuNs(): Promise<number> {
  const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((a, b) => a + Number(b), 0);
  return ticks * 10_000_000;
}

/** One reading of a container's figures; two in a row give docker's CPU percentage. */
export interface StatsSample {
  at: string;
  cg: CgroupStats;
  system: number;
  networks?: Record<string, NetDevCounters>;
}

interface NetDevCounters {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** The container's interfaces (loopback aside) from /proc/<pid>/net/dev, which shows its namespace. */
export function parseNetDev(text: string): Record<string, NetDevCounters> {
  const out: Record<string, NetDevCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === 'lo') continue;
    const f = line.slice(i + 1).trim().split(/\s+/).map(Number);
    out[name] = {
      rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
      tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
    };
  }
  return out;
}

export async function sampleStats(rec: ContainerRecord): Promise<StatsSample> {
  // host and none modes have no interfaces of their own to report (as Docker's).
  const ownNet = !!rec.Sandbox && rec.State.Pid > 0;
  const [cg, system, netDev] = await Promise.all([
    readCgroupStats(rec.CgroupPath),
    systemCpuNs(),
    ownNet ? fs.readFile(`/proc/${rec.State.Pid}/net/dev`, 'utf8').catch(() => undefined) : undefined,
  ]);
  return { at: new Date().toISOString(), cg, system, ...(netDev ? { networks: parseNetDev(netDev) } : {}) };
}

/** os.cpus() reads /proc/cpuinfo and /proc/stat at each call; the count is all stats needs. */
const ONLINE_CPUS = cpus().length;

function cpuView(s: StatsSample | undefined) {
  const online = ONLINE_CPUS;
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  return {
    cpu_usage: {
      total_usage: s.cg.cpuUsageNs,
      percpu_usage: s.cg.perCpuNs,
      usage_in_kernelmode: s.cg.cpuSystemNs,
      usage_in_usermode: s.cg.cpuUserNs,
    },
    system_cpu_usage: s.system,
    online_cpus: online,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** Docker's stats JSON of a sample, `prev` the one before it (precpu_stats). */
export function statsJson(rec: ContainerRecord, cur: StatsSample, prev: StatsSample | undefined): Record<string, unknown> {
  const running = isRunning(rec);
  return {
    name: rec.Name,
    id: rec.Id,
    read: running ? cur.at : '0001-01-01T00:00:00Z',
    preread: prev?.at ?? '0001-01-01T00:00:00Z',
    pids_stats: running ? { current: cur.cg.pids, ...(cur.cg.pidsLimit ? { limit: cur.cg.pidsLimit } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: running ? cpuView(cur) : cpuView(undefined),
    precpu_stats: cpuView(prev),
    memory_stats: running
      // An unlimited cgroup reports a huge number; docker shows the host's memory instead.
      ? { usage: cur.cg.memoryUsage, max_usage: cur.cg.memoryMaxUsage, stats: cur.cg.memoryStat, limit: Math.min(cur.cg.memoryLimit, totalmem()) }
      : {},
    ...(running && cur.networks ? { networks: cur.networks } : {}),
  };
}
