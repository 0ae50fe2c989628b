import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContainerSpec, OptionError, RUN_FLAGS, type OptionEnv } from './container-options.js';
import { FlagError, parseFlags } from './flags.js';

const files: Record<string, string> = {
  '/env.list': '# comment\n\nFOO=bar\n  SPACED=  keeps spaces\nFROM_HOST\nMISSING\nQUOTED="x"\n',
  '/labels': 'team=core\n',
};
const env: OptionEnv = {
  lookup: (name) => ({ FROM_HOST: 'yes', HOME: '/root' })[name],
  readFile: (path) => {
    const text = files[path];
    if (text === undefined) throw new OptionError(`open ${path}: no such file or directory`);
    return text;
  },
  cwd: '/work',
};

async function spec(...argv: string[]) {
  const { flags, args } = parseFlags(RUN_FLAGS, argv, { interspersed: false });
  return buildContainerSpec(flags, args, env, flags.bool('detach'));
}

test('image, command and the attach defaults of a foreground run', async () => {
  const s = await spec('busybox', 'sh', '-c', 'echo hi');
  assert.equal(s.body.Image, 'busybox');
  assert.deepEqual(s.body.Cmd, ['sh', '-c', 'echo hi']);
  assert.equal(s.body.AttachStdout, true);
  assert.equal(s.body.AttachStderr, true);
  assert.equal(s.body.AttachStdin, false);
  assert.equal(s.body.Entrypoint, null);
  assert.equal(s.body.HostConfig?.NetworkMode, 'default');
  assert.deepEqual(s.body.HostConfig?.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  assert.equal(s.pull, 'missing');
});

test('-i -t, -d, --rm', async () => {
  const it = await spec('-it', 'busybox');
  assert.equal(it.body.Tty, true);
  assert.equal(it.body.OpenStdin, true);
  assert.equal(it.body.AttachStdin, true);
  assert.equal(it.body.StdinOnce, true);
  const d = await spec('-d', '--rm', '-i', 'busybox');
  assert.equal(d.body.AttachStdin, false);
  assert.equal(d.body.AttachStdout, false);
  assert.equal(d.body.StdinOnce, false);
  assert.equal(d.body.OpenStdin, true);
  assert.equal(d.body.HostConfig?.AutoRemove, true);
  assert.equal(d.autoRemove, true);
});

test('-p publishes and exposes; --expose ranges; -P', async () => {
  const s = await spec('-p', '8080:80', '-p', '127.0.0.1:53:53/udp', '-p', '9000', '-p', '[::1]:81:81', '--expose', '7000-7001', '-P', 'img');
  assert.deepEqual(s.body.HostConfig?.PortBindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }],
    '9000/tcp': [{ HostIp: '', HostPort: '' }],
    '81/tcp': [{ HostIp: '::1', HostPort: '81' }],
  });
  assert.deepEqual(Object.keys(s.body.ExposedPorts ?? {}).sort(), ['53/udp', '7000/tcp', '7001/tcp', '80/tcp', '81/tcp', '9000/tcp']);
  assert.equal(s.body.HostConfig?.PublishAllPorts, true);
  const range = await spec('-p', '8000-8001:80-81', 'img');
  assert.deepEqual(range.body.HostConfig?.PortBindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8000' }],
    '81/tcp': [{ HostIp: '', HostPort: '8001' }],
  });
  await assert.rejects(spec('-p', '80:abc', 'img'), /invalid containerPort: abc/);
});

test('-v binds, named and anonymous volumes; relative sources become absolute', async () => {
  const s = await spec('-v', '/tmp:/x:ro', '-v', 'data:/y', '-v', '/anon', '-v', './rel:/z', 'img');
  assert.deepEqual(s.body.HostConfig?.Binds, ['/tmp:/x:ro', 'data:/y', '/work/rel:/z']);
  assert.deepEqual(s.body.Volumes, { '/anon': {} });
  await assert.rejects(spec('-v', '/a::/b', 'img'), /empty section between colons/);
});

test('--mount for bind, volume and tmpfs', async () => {
  const s = await spec(
    '--mount', 'type=bind,source=/src,target=/dst,readonly,bind-propagation=rshared',
    '--mount', 'type=volume,src=vol,dst=/data,volume-nocopy,volume-label=a=b,volume-opt=o=1',
    '--mount', 'type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770',
    'img',
  );
  assert.deepEqual(s.body.HostConfig?.Mounts, [
    { Type: 'bind', Source: '/src', Target: '/dst', ReadOnly: true, BindOptions: { Propagation: 'rshared' } },
    { Type: 'volume', Source: 'vol', Target: '/data', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { o: '1' } } } },
    { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 } },
  ]);
  await assert.rejects(spec('--mount', 'type=bind,source=/a', 'img'), (e: unknown) => e instanceof FlagError && e.message === 'invalid argument "type=bind,source=/a" for "--mount" flag: target is required');
  await assert.rejects(spec('--mount', 'type=tmpfs,dst=/t,volume-nocopy', 'img'), /cannot mix 'volume-\*' options with mount type 'tmpfs'/);
});

test('--tmpfs', async () => {
  const s = await spec('--tmpfs', '/run:rw,size=64m', '--tmpfs', '/tmp', 'img');
  assert.deepEqual(s.body.HostConfig?.Tmpfs, { '/run': 'rw,size=64m', '/tmp': '' });
});

test('-e and --env-file: files first, pass-through names looked up', async () => {
  const s = await spec('--env-file', '/env.list', '-e', 'A=1', '-e', 'FROM_HOST', '-e', 'NOT_SET', 'img');
  assert.deepEqual(s.body.Env, ['FOO=bar', 'SPACED=  keeps spaces', 'FROM_HOST=yes', 'QUOTED="x"', 'A=1', 'FROM_HOST=yes', 'NOT_SET']);
  await assert.rejects(spec('--env-file', '/nope', 'img'), /open \/nope: no such file or directory/);
  await assert.rejects(spec('-e', '=x', 'img'), /invalid environment variable: =x/);
});

test('labels from flags and files', async () => {
  const s = await spec('--label-file', '/labels', '-l', 'a=b', '-l', 'flag', 'img');
  assert.deepEqual(s.body.Labels, { team: 'core', a: 'b', flag: '' });
});

test('resources: --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit, --shm-size', async () => {
  const s = await spec('--memory', '512m', '--memory-swap', '-1', '--cpus', '1.5', '-c', '512', '--pids-limit', '100', '--shm-size', '1g', 'img');
  const h = s.body.HostConfig;
  assert.equal(h?.Memory, 512 * 1024 * 1024);
  assert.equal(h?.MemorySwap, -1);
  assert.equal(h?.NanoCpus, 1_500_000_000);
  assert.equal(h?.CpuShares, 512);
  assert.equal(h?.PidsLimit, 100);
  assert.equal(h?.ShmSize, 1024 ** 3);
  const parse = (argv: string[]) => parseFlags(RUN_FLAGS, argv, { interspersed: false });
  assert.throws(() => parse(['-m', 'xyz', 'img']), new FlagError(`invalid argument "xyz" for "-m, --memory" flag: invalid size: 'xyz'`));
  assert.throws(() => parse(['--cpus', 'abc', 'img']), new FlagError('invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'));
});

test('security and process options', async () => {
  const s = await spec(
    '--privileged', '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--read-only', '--init', '--stop-signal', 'SIGINT',
    '--stop-timeout', '5', '--restart', 'on-failure:3', '--add-host', 'db:10.0.0.2', '--dns', '1.1.1.1',
    '-w', '/app', '-u', '1000:1000', '--entrypoint', '/bin/sh', '-h', 'box', '--runtime', 'crun', '--network', 'host',
    '--ulimit', 'nofile=1024:2048', '--security-opt', 'no-new-privileges', '--device', '/dev/fuse', 'img',
  );
  const h = s.body.HostConfig;
  assert.equal(h?.Privileged, true);
  assert.deepEqual(h?.CapAdd, ['NET_ADMIN']);
  assert.deepEqual(h?.CapDrop, ['ALL']);
  assert.equal(h?.ReadonlyRootfs, true);
  assert.equal(h?.Init, true);
  assert.equal(s.body.StopSignal, 'SIGINT');
  assert.equal(s.body.StopTimeout, 5);
  assert.deepEqual(h?.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(h?.ExtraHosts, ['db:10.0.0.2']);
  assert.deepEqual(h?.Dns, ['1.1.1.1']);
  assert.equal(s.body.WorkingDir, '/app');
  assert.equal(s.body.User, '1000:1000');
  assert.deepEqual(s.body.Entrypoint, ['/bin/sh']);
  assert.equal(s.body.Hostname, 'box');
  assert.equal(h?.Runtime, 'crun');
  assert.equal(h?.NetworkMode, 'host');
  assert.deepEqual(h?.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.deepEqual(h?.SecurityOpt, ['no-new-privileges']);
  assert.deepEqual(h?.Devices, [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
  const reset = await spec('--entrypoint', '', 'img');
  assert.deepEqual(reset.body.Entrypoint, ['']);
});

test('conflicts docker refuses', async () => {
  await assert.rejects(spec('--rm', '--restart', 'always', 'img'), /conflicting options: cannot specify both --restart and --rm/);
  await assert.rejects(spec('-d', '-a', 'stdout', 'img'), /conflicting options: cannot specify both --attach and --detach/);
  await assert.rejects(spec('--no-healthcheck', '--health-cmd', 'true', 'img'), /--no-healthcheck conflicts with --health-\* options/);
});

test('healthcheck durations in nanoseconds', async () => {
  const s = await spec('--health-cmd', 'curl -f localhost', '--health-interval', '30s', '--health-retries', '3', 'img');
  assert.deepEqual(s.body.Healthcheck, { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 30e9, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 3 });
});

test('--name and --pull reach the spec', async () => {
  const s = await spec('--name', 'web', '--pull', 'never', 'img');
  assert.equal(s.name, 'web');
  assert.equal(s.pull, 'never');
});
