// `docker stats`: the numbers the CLI derives from each GET /containers/{id}/stats sample
// (container/stats_helpers.go) and the row its --format templates see (statsContext).

import { FormatterRow } from './formatter-row.js';
import { formatFloat } from '../../gotemplate/go-float.js';
import { bytesSize, humanSizeWithPrecision, truncateId } from './human.js';
import type { HeaderMap } from './table.js';

/** The parts of a stats sample the CLI reads. */
export interface ApiStats {
  id?: string;
  name?: string; // "/web"
  read?: string;
  preread?: string;
  num_procs?: number;
  cpu_stats?: ApiCPUStats;
  precpu_stats?: ApiCPUStats;
  memory_stats?: { usage?: number; limit?: number; privateworkingset?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  storage_stats?: { read_size_bytes?: number; write_size_bytes?: number };
  pids_stats?: { current?: number };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

interface ApiCPUStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** One container's line of `docker stats` (the CLI's StatsEntry). */
export interface StatsEntry {
  container: string; // as named on the command line
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number; // on Windows the private working set
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pidsCurrent: number;
  /** Stats could not be read (e.g. "timeout waiting for stats"): numbers show as "--". */
  isInvalid: boolean;
}

/** The CLI's arithmetic on a sample: CPU % since the previous sample, memory without page cache. */
/** A line with every figure at zero: before a container's first sample, or after reading failed. */
export function blankStatsEntry(container: string, id: string, name: string, invalid = false): StatsEntry {
  return {
    container,
    id,
    name,
    cpuPercentage: 0,
    memory: 0,
    memoryLimit: 0,
    memoryPercentage: 0,
    networkRx: 0,
    networkTx: 0,
    blockRead: 0,
    blockWrite: 0,
    pidsCurrent: 0,
    isInvalid: invalid,
  };
}

export function statsEntry(container: string, v: ApiStats, osType: string): StatsEntry {
  const entry = blankStatsEntry(container, v.id ?? '', v.name ?? '');
  if (osType !== 'windows') {
    entry.cpuPercentage = cpuPercentUnix(v);
    for (const io of v.blkio_stats?.io_service_bytes_recursive ?? []) {
      const op = io.op[0]?.toLowerCase();
      if (op === 'r') entry.blockRead += io.value;
      else if (op === 'w') entry.blockWrite += io.value;
    }
    entry.memory = memoryWithoutCache(v.memory_stats ?? {});
    entry.memoryLimit = v.memory_stats?.limit ?? 0;
    entry.memoryPercentage = entry.memoryLimit !== 0 ? (entry.memory / entry.memoryLimit) * 100 : 0;
    entry.pidsCurrent = v.pids_stats?.current ?? 0;
  } else {
    entry.cpuPercentage = cpuPercentWindows(v);
    entry.blockRead = v.storage_stats?.read_size_bytes ?? 0;
    entry.blockWrite = v.storage_stats?.write_size_bytes ?? 0;
    entry.memory = v.memory_stats?.privateworkingset ?? 0;
  }
  for (const net of Object.values(v.networks ?? {})) {
    entry.networkRx += net.rx_bytes;
    entry.networkTx += net.tx_bytes;
  }
  return entry;
}

function cpuPercentUnix(v: ApiStats): number {
  const cpuDelta = (v.cpu_stats?.cpu_usage?.total_usage ?? 0) - (v.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (v.cpu_stats?.system_cpu_usage ?? 0) - (v.precpu_stats?.system_cpu_usage ?? 0);
  const onlineCPUs = v.cpu_stats?.online_cpus || (v.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0);
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * onlineCPUs * 100 : 0;
}

function cpuPercentWindows(v: ApiStats): number {
  const elapsedNs = (Date.parse(v.read ?? '') - Date.parse(v.preread ?? '')) * 1e6;
  const intervals = Math.max(Math.trunc(elapsedNs / 100), 0) * (v.num_procs ?? 0); // 100ns units × CPUs
  const used = (v.cpu_stats?.cpu_usage?.total_usage ?? 0) - (v.precpu_stats?.cpu_usage?.total_usage ?? 0);
  return intervals > 0 ? (used / intervals) * 100 : 0;
}

/** Usage minus inactive file cache: cgroup v1 reports total_inactive_file, v2 inactive_file. */
function memoryWithoutCache(mem: NonNullable<ApiStats['memory_stats']>): number {
  const usage = mem.usage ?? 0;
  const v1 = mem.stats?.['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = mem.stats?.['inactive_file'] ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

export const DEFAULT_STATS_TABLE_FORMAT =
  'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
export const WINDOWS_STATS_TABLE_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}';

export function statsHeaders(osType: string): HeaderMap {
  return {
    Container: 'CONTAINER',
    Name: 'NAME',
    ID: 'CONTAINER ID',
    CPUPerc: 'CPU %',
    MemUsage: osType === 'windows' ? 'PRIV WORKING SET' : 'MEM USAGE / LIMIT',
    MemPerc: 'MEM %',
    NetIO: 'NET I/O',
    BlockIO: 'BLOCK I/O',
    PIDs: 'PIDS',
  };
}

/** The format `docker stats` runs; an empty --format is "table". */
export function statsFormat(source: string, osType: string): string {
  if (source !== 'table' && source !== '') return source;
  return osType === 'windows' ? WINDOWS_STATS_TABLE_FORMAT : DEFAULT_STATS_TABLE_FORMAT;
}

const NO_VALUE = '--';

/** Column methods are named like docker's template fields: {{.CPUPerc}} calls CPUPerc(). */
export class StatsRow extends FormatterRow {
  protected readonly goTypeName = '*container.statsContext';

  constructor(
    private readonly s: StatsEntry,
    private readonly osType: string,
    private readonly trunc: boolean,
  ) {
    super();
  }

  Container(): string {
    return this.s.container;
  }

  Name(): string {
    return this.s.name.length > 1 ? this.s.name.slice(1) : NO_VALUE;
  }

  ID(): string {
    return this.trunc ? truncateId(this.s.id) : this.s.id;
  }

  CPUPerc(): string {
    return this.s.isInvalid ? NO_VALUE : percentage(this.s.cpuPercentage);
  }

  MemUsage(): string {
    if (this.s.isInvalid) return '-- / --';
    if (this.osType === 'windows') return bytesSize(this.s.memory);
    return `${bytesSize(this.s.memory)} / ${bytesSize(this.s.memoryLimit)}`;
  }

  MemPerc(): string {
    return this.s.isInvalid || this.osType === 'windows' ? NO_VALUE : percentage(this.s.memoryPercentage);
  }

  NetIO(): string {
    if (this.s.isInvalid) return NO_VALUE;
    return `${humanSizeWithPrecision(this.s.networkRx, 3)} / ${humanSizeWithPrecision(this.s.networkTx, 3)}`;
  }

  BlockIO(): string {
    if (this.s.isInvalid) return NO_VALUE;
    return `${humanSizeWithPrecision(this.s.blockRead, 3)} / ${humanSizeWithPrecision(this.s.blockWrite, 3)}`;
  }

  PIDs(): string {
    return this.s.isInvalid || this.osType === 'windows' ? NO_VALUE : String(this.s.pidsCurrent);
  }
}

/** strconv.FormatFloat(v, 'f', 2, 64) + "%": Go rounds exact halves to even. */
function percentage(v: number): string {
  return formatFloat(v, 'f', 2) + '%';
}
