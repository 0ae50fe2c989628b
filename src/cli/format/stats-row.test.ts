import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StatsRow, statsEntry, statsFormat, statsHeaders, type ApiStats, type StatsEntry } from './stats-row.js';
import { renderList } from './table.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const sample: ApiStats = {
  id: 'c'.repeat(64),
  name: '/web',
  cpu_stats: { cpu_usage: { total_usage: 400_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 4 },
  precpu_stats: { cpu_usage: { total_usage: 300_000_000 }, system_cpu_usage: 18_000_000_000 },
  memory_stats: { usage: 20 * MiB, limit: 2 * GiB, stats: { inactive_file: 4 * MiB } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { op: 'read', value: 1_000_000 },
      { op: 'Write', value: 2_500_000 },
      { op: 'Read', value: 500_000 },
      { op: 'sync', value: 99 },
    ],
  },
  pids_stats: { current: 7 },
  networks: { eth0: { rx_bytes: 1_500, tx_bytes: 700 }, eth1: { rx_bytes: 500, tx_bytes: 300 } },
};

describe('statsEntry (the CLI\'s arithmetic on a stats sample)', () => {
  it('computes CPU %, memory without cache, block and network I/O', () => {
    const e = statsEntry('web', sample, 'linux');
    assert.equal(e.cpuPercentage, 20); // 0.1s of 2s system time × 4 CPUs
    assert.equal(e.memory, 16 * MiB);
    assert.equal(e.memoryLimit, 2 * GiB);
    assert.equal(e.memoryPercentage, 0.78125);
    assert.deepEqual([e.blockRead, e.blockWrite, e.networkRx, e.networkTx, e.pidsCurrent], [1_500_000, 2_500_000, 2_000, 1_000, 7]);
  });

  it('prefers cgroup v1 total_inactive_file and counts per-CPU usage when online_cpus is absent', () => {
    const v1: ApiStats = {
      ...sample,
      memory_stats: { usage: 10 * MiB, limit: 0, stats: { total_inactive_file: 2 * MiB, inactive_file: 9 * MiB } },
      cpu_stats: { cpu_usage: { total_usage: 400_000_000, percpu_usage: [1, 2] }, system_cpu_usage: 20_000_000_000 },
    };
    const e = statsEntry('web', v1, 'linux');
    assert.equal(e.memory, 8 * MiB);
    assert.equal(e.memoryPercentage, 0);
    assert.equal(e.cpuPercentage, 10);
  });
});

describe('docker stats output', () => {
  const render = (entries: StatsEntry[], format = statsFormat('', 'linux'), trunc = true): string =>
    renderList({ format, rows: entries.map((e) => new StatsRow(e, 'linux', trunc)), headers: statsHeaders('linux') });

  it('prints the default table', () => {
    assert.equal(
      render([statsEntry('web', sample, 'linux')]),
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O     BLOCK I/O       PIDS\n' +
        'cccccccccccc   web       20.00%    16MiB / 2GiB        0.78%     2kB / 1kB   1.5MB / 2.5MB   7\n',
    );
  });

  it('shows -- for containers whose stats could not be read', () => {
    const invalid: StatsEntry = { ...statsEntry('db', {}, 'linux'), isInvalid: true };
    assert.equal(render([invalid], '{{.Container}} {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDs}}'), 'db -- -- -- / -- -- -- -- --\n');
  });

  it('prints Windows columns', () => {
    const e = statsEntry('web', { ...sample, memory_stats: { privateworkingset: 7.5 * MiB } }, 'windows');
    const row = new StatsRow(e, 'windows', true);
    assert.equal(row.MemUsage(), '7.5MiB');
    assert.equal(row.MemPerc(), '--');
    assert.equal(statsFormat('table', 'windows'), 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}');
    assert.equal(statsHeaders('windows')['MemUsage'], 'PRIV WORKING SET');
  });

  it('rounds percentages as Go does', () => {
    const row = (cpu: number): string => new StatsRow({ ...statsEntry('x', {}, 'linux'), cpuPercentage: cpu }, 'linux', true).CPUPerc();
    assert.equal(row(0.125), '0.12%');
    assert.equal(row(99.999), '100.00%');
  });
});
