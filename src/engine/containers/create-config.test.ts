import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHostConfig, discardUnsupportedLimits, mergeConfig, parseCpuList, updatedHostConfig, validateHostConfig, type LimitSupport } from './create-config.js';
import type { ImageRecord } from '../images/types.js';
import type { HostConfig } from './types.js';

const image: ImageRecord = {
  id: 'sha256:1', repoTags: [], repoDigests: [], size: 0, parent: '', loadedAt: '',
  config: {
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] },
    config: { Env: ['PATH=/bin', 'A=image'], Cmd: ['sh'], Entrypoint: ['/entry'], WorkingDir: '/app', Labels: { a: '1' } },
  },
};

test('the request overrides the image field by field; env and labels merge', () => {
  const { config, path, args } = mergeConfig({ Image: 'x', Cmd: ['run'], Env: ['A=req'], Labels: { b: '2' } }, image, 'f'.repeat(64));
  assert.equal(path, '/entry');
  assert.deepEqual(args, ['run']);
  assert.deepEqual(config.Env, ['PATH=/bin', 'A=req']);
  assert.deepEqual(config.Labels, { a: '1', b: '2' });
  assert.equal(config.WorkingDir, '/app');
  assert.equal(config.Hostname, 'ffffffffffff');
});

test('an overridden entrypoint drops the image CMD; an empty one clears it', () => {
  const a = mergeConfig({ Image: 'x', Entrypoint: ['echo'] }, image, 'f'.repeat(64));
  assert.equal(a.path, 'echo');
  assert.deepEqual(a.args, []);
  const b = mergeConfig({ Image: 'x', Entrypoint: [''], Cmd: ['ls', '-l'] }, image, 'f'.repeat(64));
  assert.equal(b.path, 'ls');
  assert.throws(() => mergeConfig({ Image: 'x', Entrypoint: [''] }, { ...image, config: { ...image.config, config: {} } }, 'f'.repeat(64)), /no command specified/);
});

test('resource checks use docker\'s messages', () => {
  assert.throws(() => validateHostConfig({ Memory: 1024 }, 2), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => validateHostConfig({ NanoCpus: 3e9 }, 2), /Range of CPUs is from 0.01 to 2.00/);
  assert.throws(() => validateHostConfig({ AutoRemove: true, RestartPolicy: { Name: 'always' } }, 2), /AutoRemove/);
  // moby's ValidateRestartPolicy (API types 25.0+), word for word.
  const policy = (Name: string, MaximumRetryCount = 0) => () => validateHostConfig({ RestartPolicy: { Name, MaximumRetryCount } as HostConfig['RestartPolicy'] }, 2);
  assert.throws(policy('bogus'), { message: "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" });
  assert.throws(policy('always', 3), { message: "invalid restart policy: maximum retry count can only be used with 'on-failure'" });
  assert.throws(policy('no', -1), { message: "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative" });
  assert.throws(policy('on-failure', -1), { message: 'invalid restart policy: maximum retry count cannot be negative' });
  for (const ok of [policy('on-failure', 5), policy('', 7), policy('unless-stopped')]) ok();
  assert.throws(() => validateHostConfig({ Ulimits: [{ Name: 'nofiles', Soft: 1, Hard: 2 }] }, 2), /invalid ulimit type: nofiles/);
  assert.throws(() => validateHostConfig({ Ulimits: [{ Name: 'nofile', Soft: 4, Hard: 2 }] }, 2), /soft limit must be less than or equal to hard limit: 4 > 2/);
  assert.throws(() => validateHostConfig({ Ulimits: [{ Name: 'NOFILE', Soft: 1, Hard: 2 ** 40 }] }, 2), /hard limit 1099511627776 exceeds the host's hard limit/);
  validateHostConfig({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] }, 2);
  validateHostConfig({ Memory: 64 << 20, NanoCpus: 1e9 }, 2);
});

const everything: LimitSupport = {
  memory: true, swap: true, memoryReservation: true, oomKillDisable: true, pids: true, cpuShares: true,
  cpuCfs: true, cpuRealtime: true, blkioWeight: true, blkioWeightDevice: true, blkioThrottle: true,
};

test('limits the host cannot enforce are dropped with Docker\'s warning; the others stay', () => {
  const h = { BlkioWeight: 300, Memory: 64 << 20, PidsLimit: 10 };
  const w = discardUnsupportedLimits(h, { ...everything, blkioWeight: false });
  assert.deepEqual(w, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  assert.deepEqual(h, { BlkioWeight: 0, Memory: 64 << 20, PidsLimit: 10 });
  const h2 = { Memory: 64 << 20, MemorySwap: 128 << 20 };
  assert.match(discardUnsupportedLimits(h2, { ...everything, swap: false })[0]!, /swap limit/);
  assert.equal(h2.MemorySwap, -1);
  assert.deepEqual(discardUnsupportedLimits({ BlkioWeight: 0, Memory: 0 }, { ...everything, blkioWeight: false, memory: false }), []);
});

test('what berth never sets is discarded with moby\'s warning (kernel memory, CPU percent), Windows\' I/O maxima are a 400', () => {
  const h = { KernelMemory: 64 << 20, KernelMemoryTCP: 1 << 20, CpuPercent: 50, CpuShares: 512 };
  assert.deepEqual(discardUnsupportedLimits(h, everything), [
    'Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
    'Your kernel does not support kernel memory TCP limit capabilities or the cgroup is not mounted. Limitation discarded.',
    'linux does not support CPU percent. Percent discarded.',
  ]);
  assert.deepEqual(h, { KernelMemory: 0, KernelMemoryTCP: 0, CpuPercent: 0, CpuShares: 512 });
  assert.throws(() => validateHostConfig({ IOMaximumIOps: 100 }, 2), /^InvalidArgumentError: Invalid QoS settings: linux does not support configuration of maximum IOPs$/);
  assert.throws(() => validateHostConfig({ IOMaximumBandwidth: 100 }, 2), /maximum bandwidth/);
  assert.throws(() => validateHostConfig({ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 2000 }, 2), /cpu-rt-runtime cannot be higher than cpu-rt-period/);
  validateHostConfig({ CpuRealtimePeriod: 2000, CpuRealtimeRuntime: 1000 }, 2);
  assert.throws(() => validateHostConfig({ Isolation: 'hyperv' }, 2), /^InvalidArgumentError: Invalid isolation: "hyperv" - linux only supports 'default'$/);
  validateHostConfig({ Isolation: 'Default' }, 2);
});

test('HostConfig fields are matched in any case, as Go decodes JSON', () => {
  const h = canonicalHostConfig({ CPURealtimeRuntime: 1000, cpurealtimeperiod: 2000, Memory: 1, Custom: 3 });
  assert.deepEqual(h, { CpuRealtimeRuntime: 1000, CpuRealtimePeriod: 2000, Memory: 1, Custom: 3 });
});

test('update changes only what docker update may change; zero keeps a limit; refusals change nothing', () => {
  const current: HostConfig = { Memory: 64 << 20, CpuQuota: 50_000, CpuPeriod: 100_000, Privileged: false, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } };
  const next = updatedHostConfig(current, canonicalHostConfig({ memory: 0, nanocpus: 1e9, Privileged: true, PidsLimit: 0 }), 2);
  assert.equal(next.Memory, 64 << 20, '0 is "not given"');
  assert.equal(next.NanoCpus, 1e9);
  assert.equal(next.CpuQuota, 0, '--cpus replaces the quota');
  assert.equal(next.PidsLimit, 0, 'except PidsLimit, where 0 takes the limit away');
  assert.equal(next.Privileged, false, 'not updatable');
  assert.equal(current.CpuQuota, 50_000, 'the current config is left as it was');
  assert.throws(() => updatedHostConfig({ AutoRemove: true }, { RestartPolicy: { Name: 'always' } }, 2), /AutoRemove is enabled/);
  assert.throws(() => updatedHostConfig({ Memory: 64 << 20, MemorySwap: 128 << 20 }, { Memory: 256 << 20 }, 2), /smaller than already set memoryswap/);
  assert.throws(() => updatedHostConfig({}, { NanoCpus: 64e9 }, 2), /Range of CPUs is from/);
});

test('parses cpuset lists as moby does, and checks them and the CFS and blkio ranges against the host', () => {
  assert.deepEqual([...parseCpuList('0-2,5')], [0, 1, 2, 5]);
  assert.deepEqual([...parseCpuList('')], []);
  for (const bad of ['1-', '-1', '2-1', 'a', '1,,2', ' 1']) assert.throws(() => parseCpuList(bad), /invalid format/, bad);
  assert.throws(() => parseCpuList('9000', 8192), /invalid format: 9000/);
  const host = { cpus: '0-1', mems: '0' };
  validateHostConfig({ CpusetCpus: '0,1', CpusetMems: '0' }, 2, host);
  assert.throws(() => validateHostConfig({ CpusetCpus: '1-3' }, 2, host), /^InvalidArgumentError: Requested CPUs are not available - requested 1-3, available: 0-1$/);
  assert.throws(() => validateHostConfig({ CpusetMems: '1' }, 2, host), /Requested memory nodes are not available - requested 1, available: 0/);
  assert.throws(() => validateHostConfig({ CpusetCpus: 'x' }, 2, host), /Invalid value x for cpuset cpus: invalid format: x/);
  assert.throws(() => validateHostConfig({ CpuPeriod: 999 }, 2), /CPU cfs period can not be less than 1ms/);
  assert.throws(() => validateHostConfig({ CpuPeriod: 1000001 }, 2), /larger than 1s/);
  assert.throws(() => validateHostConfig({ CpuQuota: 999 }, 2), /CPU cfs quota can not be less than 1ms/);
  validateHostConfig({ CpuQuota: -1, CpuPeriod: 100000 }, 2);
  assert.throws(() => validateHostConfig({ BlkioWeight: 5 }, 2), /Range of blkio weight is from 10 to 1000/);
});
