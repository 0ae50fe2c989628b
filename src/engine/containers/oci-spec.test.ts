import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciSpec, DEFAULT_CAPABILITIES, effectiveCapabilities, processEnv } from './oci-spec.js';
import type { ContainerRecord } from './types.js';

function record(over: Partial<ContainerRecord['HostConfig']> = {}, tty = false): ContainerRecord {
  return {
    Id: 'a'.repeat(64), Name: '/x', Created: '', Path: 'sh', Args: ['-c', 'true'], Image: 'sha256:1', TopLayer: '',
    Config: {
      Hostname: 'aaaaaaaaaaaa', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true,
      Tty: tty, OpenStdin: false, StdinOnce: false, Env: ['A=1', 'PATH=/custom'], Cmd: ['sh'], Image: 'busybox',
      WorkingDir: '/w', Entrypoint: null, Labels: {},
    },
    HostConfig: over,
    State: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: '', FinishedAt: '', MonitorPid: 0, RestartCount: 0 },
    Mounts: [], Runtime: 'crun', CgroupPath: '/berth/x', RestartCount: 0,
  };
}

const inputs = (rec: ContainerRecord) => ({
  container: rec, rootfs: '/r', user: { uid: 0, gid: 0, additionalGids: [0], home: '/root' },
  etcFiles: { hosts: '/h', hostname: '/hn', resolvConf: '/rc' }, mounts: [], hostHardLimits: new Map([['RLIMIT_NOFILE', 20000]]),
});

test('the spec has Docker\'s namespaces, capabilities and limits', () => {
  const spec = buildOciSpec(inputs(record({ Memory: 64 << 20, NanoCpus: 1.5e9, PidsLimit: 20 })));
  assert.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.deepEqual(spec.process.capabilities?.bounding, DEFAULT_CAPABILITIES);
  assert.equal(spec.linux.resources?.memory?.limit, 64 << 20);
  assert.equal(spec.linux.resources?.memory?.swap, 128 << 20);
  assert.deepEqual(spec.linux.resources?.cpu, { period: 100000, quota: 150000 });
  assert.equal(spec.linux.resources?.pids?.limit, 20);
  assert.equal(spec.process.cwd, '/w');
  assert.deepEqual(spec.process.args, ['sh', '-c', 'true']);
  assert.ok(spec.mounts.some((m) => m.destination === '/etc/hosts' && m.source === '/h'));
});

test('host network mode shares the host\'s network namespace', () => {
  const spec = buildOciSpec({ ...inputs(record()), netns: 'host' });
  assert.ok(!spec.linux.namespaces.some((n) => n.type === 'network'));
});

test('ulimits above the host hard limit are refused with a clear message', () => {
  assert.throws(() => buildOciSpec(inputs(record({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 65536 }] }))), /exceeds the host's hard limit 20000/);
  const ok = buildOciSpec(inputs(record({ Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] })));
  assert.deepEqual(ok.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }]);
});

test('capabilities: add, drop and ALL', () => {
  assert.ok(effectiveCapabilities(false, ['NET_ADMIN']).includes('CAP_NET_ADMIN'));
  assert.ok(!effectiveCapabilities(false, [], ['chown']).includes('CAP_CHOWN'));
  assert.deepEqual(effectiveCapabilities(false, ['SYS_TIME'], ['ALL']), ['CAP_SYS_TIME']);
  assert.throws(() => effectiveCapabilities(false, ['NOPE']), /unknown capability/);
});

test('environment: image and user variables, HOSTNAME, TERM with a tty, HOME from passwd', () => {
  const env = processEnv(record({}, true), '/root');
  assert.ok(env.includes('PATH=/custom'));
  assert.ok(env.includes('HOSTNAME=aaaaaaaaaaaa'));
  assert.ok(env.includes('TERM=xterm'));
  assert.ok(env.includes('HOME=/root'));
  assert.ok(env.includes('A=1'));
});
