// GET /containers/{id}/stats: Docker's stats JSON from the container's cgroups (v1).
import { promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { readCgroupStats, type CgroupStats } from '../host/cgroups.js';
import type { ContainerRecord } from '../engine/containers/types.js';
import type { ApiRequest } from './http.js';

/** Host CPU time in ns from /proc/stat (what docker calls system_cpu_usage). */
async function systemCpuNs(): Promise<number> {
  const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((a, b) => a + Number(b), 0);
  return ticks * 10_000_000;
}

interface Sample {
  at: string;
  cg: CgroupStats;
  system: number;
}

async function sample(rec: ContainerRecord): Promise<Sample> {
  const [cg, system] = await Promise.all([readCgroupStats(rec.CgroupPath), systemCpuNs()]);
  return { at: new Date().toISOString(), cg, system };
}

function cpuView(s: Sample | undefined) {
  const online = cpus().length;
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

function view(rec: ContainerRecord, cur: Sample, prev: Sample | undefined): Record<string, unknown> {
  const running = rec.State.Status === 'running' || rec.State.Status === 'paused';
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
      ? { usage: cur.cg.memoryUsage, max_usage: cur.cg.memoryMaxUsage, stats: cur.cg.memoryStat, limit: Math.min(cur.cg.memoryLimit, 2 ** 53) }
      : {},
  };
}

export async function streamStats(r: ApiRequest, rec: ContainerRecord, isRunning: () => boolean): Promise<void> {
  const res = r.response();
  const stream = r.bool('stream', true) && !r.bool('one-shot');
  res.writeHead(200, { 'Content-Type': 'application/json' });
  let prev: Sample | undefined;
  if (!stream) {
    // docker stats --no-stream wants a CPU percentage: take two samples a moment apart.
    if (!r.bool('one-shot') && isRunning()) {
      prev = await sample(rec);
      await new Promise((t) => setTimeout(t, 500));
    }
    res.end(JSON.stringify(view(rec, await sample(rec), prev)) + '\n');
    return;
  }
  let closed = false;
  res.on('close', () => (closed = true));
  while (!closed) {
    const cur = await sample(rec);
    res.write(JSON.stringify(view(rec, cur, prev)) + '\n');
    prev = cur;
    if (!isRunning()) break;
    await new Promise((t) => setTimeout(t, 1000));
  }
  res.end();
}
