// What confines a container beyond its namespaces, as Docker 28 does: the default seccomp
// profile (and --security-opt seccomp=…), masked /proc paths, the OOM score, devices and the
// namespace modes; every option either honoured or refused at create with a 400.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from './harness.js';

describe('confinement', () => {
  let d: TestDaemon;
  const dir = mkdtempSync(path.join(tmpdir(), 'bt-confine-'));
  before(async () => {
    d = await startDaemon('confinement');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(await d.stop(), []);
  });

  it('a default container runs under Docker\'s seccomp filter: unshare and keyctl-like calls get EPERM', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    assert.doesNotMatch(r.stdout, /UNSHARED/);
    assert.match(r.stderr, /Operation not permitted/);
    const info = (await d.api('GET', '/info')).json<{ SecurityOptions: string[] }>();
    assert.ok(info.SecurityOptions.includes('name=seccomp,profile=builtin'), JSON.stringify(info.SecurityOptions));
    // Later containers load the program crun compiled for the first (seccomp-bpf-cache.ts): same filter.
    await d.dockerOk(['run', '-d', '--name', 'sc-exec', 'busybox', 'sleep', '30']);
    const again = await d.docker(['exec', 'sc-exec', 'sh', '-c', 'grep Seccomp: /proc/1/status; unshare -U true && echo UNSHARED']);
    assert.match(again.stdout, /^Seccomp:\s+2$/m, again.stderr);
    assert.doesNotMatch(again.stdout, /UNSHARED/);
    assert.match(again.stderr, /Operation not permitted/);
    await d.docker(['rm', '-f', 'sc-exec']);
  });

  it('a capability the profile gates on opens its syscalls (CAP_SYS_ADMIN: unshare)', async () => {
    const r = await d.docker(['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /UNSHARED/, r.stderr);
  });

  it('seccomp=unconfined and --privileged run without a filter', async () => {
    const r = await d.docker(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+0$/m, r.stderr);
    assert.match(r.stdout, /UNSHARED/);
    const p = await d.docker(['run', '--rm', '--privileged', 'busybox', 'grep', 'Seccomp:', '/proc/1/status']);
    assert.match(p.stdout, /^Seccomp:\s+0$/m, p.stderr);
  });

  it('seccomp=PROFILE.json applies the user\'s profile (the CLI sends its content)', async () => {
    const file = path.join(dir, 'no-mkdir.json');
    writeFileSync(file, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }));
    const r = await d.docker(['run', '--rm', '--security-opt', `seccomp=${file}`, 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; mkdir /x && echo MADE; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    assert.doesNotMatch(r.stdout, /MADE/);
    assert.match(r.stdout, /UNSHARED/);
  });

  it('unknown or unsupported security options are refused at create with a 400', async () => {
    const create = (SecurityOpt: string[]) => d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { SecurityOpt } });
    for (const [opt, msg] of [
      ['foo=bar', /invalid --security-opt 2: "foo=bar"/],
      ['nonsense', /invalid --security-opt 1: "nonsense"/],
      ['no-new-privileges=maybe', /invalid --security-opt 2/],
      ['apparmor=docker-default', /AppArmor is not enabled/],
      ['label=type:svirt_t', /SELinux is not enabled/],
      ['seccomp={not json', /Decoding seccomp profile failed/],
    ] as const) {
      const r = await create([opt]);
      assert.equal(r.status, 400, `${opt}: ${r.text}`);
      assert.match(r.json<{ message: string }>().message, msg);
    }
    const ok = await create(['apparmor=unconfined', 'label=disable', 'no-new-privileges=true', 'seccomp=unconfined']);
    assert.equal(ok.status, 201, ok.text);
    await d.api('DELETE', `/containers/${ok.json<{ Id: string }>().Id}`);
    const cli = await d.docker(['run', '--rm', '--security-opt', 'apparmor=myprofile', 'busybox', 'true']);
    assert.equal(cli.code, 125);
    assert.match(cli.stderr, /AppArmor is not enabled/);
  });

  it('no-new-privileges is honoured', async () => {
    const r = await d.docker(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs:', '/proc/1/status']);
    assert.match(r.stdout, /NoNewPrivs:\s+1/, r.stderr);
    const off = await d.docker(['run', '--rm', 'busybox', 'grep', 'NoNewPrivs:', '/proc/1/status']);
    assert.match(off.stdout, /NoNewPrivs:\s+0/, off.stderr);
  });

  it('masks /proc/interrupts and the other paths Docker 28 masks', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'wc -c < /proc/interrupts; wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l']);
    assert.deepEqual(r.stdout.trim().split(/\s+/), ['0', '0', '0', '0'], r.stderr);
  });

  it('--oom-score-adj is the process\'s OOM score; out of range or unattainable values are refused', async () => {
    const r = await d.docker(['run', '--rm', '--oom-score-adj', '500', 'busybox', 'cat', '/proc/self/oom_score_adj']);
    assert.equal(r.stdout.trim(), '500', r.stderr);
    const dflt = await d.docker(['run', '--rm', 'busybox', 'cat', '/proc/self/oom_score_adj']);
    assert.equal(dflt.stdout.trim(), '0', dflt.stderr);
    const create = (OomScoreAdj: number) => d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { OomScoreAdj } });
    const big = await create(1001);
    assert.equal(big.status, 400);
    assert.match(big.text, /range for oom score adj is \[-1000, 1000\]/);
    const canLower = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    const hasSysResource = (BigInt(`0x${canLower}`) >> 24n) & 1n;
    if (!hasSysResource) {
      const neg = await create(-100);
      assert.equal(neg.status, 400);
      assert.match(neg.text, /CAP_SYS_RESOURCE/);
    }
    // berthd itself asks for -500 as dockerd does, and says so when the kernel refuses.
    const own = readFileSync(`/proc/${d.proc!.pid}/oom_score_adj`, 'utf8').trim();
    if (hasSysResource) assert.equal(own, '-500');
    else {
      const info = (await d.api('GET', '/info')).json<{ Warnings: string[] }>();
      assert.ok(info.Warnings.some((w) => /OOM score to -500/.test(w)), JSON.stringify(info.Warnings));
    }
  });

  it('--ulimit is the process\'s rlimit; one the runtime would refuse is refused at create, and nothing is made', async () => {
    const r = await d.docker(['run', '--rm', '--ulimit', 'nofile=1000:2000', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']);
    assert.deepEqual(r.stdout.trim().split('\n'), ['1000', '2000'], r.stderr);
    const before = await d.dockerOk(['ps', '-aq']);
    // Above berthd's own hard limit: crun could not raise it, so the start would fail.
    const hard = Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${d.proc!.pid}/limits`, 'utf8'))![1]);
    const over = await d.docker(['create', '--ulimit', `nofile=1024:${hard + 1}`, 'busybox', 'true']);
    assert.equal(over.code, 1);
    assert.match(over.stderr, new RegExp(`^Error response from daemon: ulimit nofile: hard limit ${hard + 1} exceeds the host's hard limit ${hard}`, 'm'));
    const create = (Ulimits: unknown) => d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Ulimits } });
    const unknown = await create([{ Name: 'nofiles', Soft: 1, Hard: 2 }]);
    assert.equal(unknown.status, 400);
    assert.match(unknown.json<{ message: string }>().message, /invalid ulimit type: nofiles/);
    const inverted = await create([{ Name: 'nofile', Soft: 4, Hard: 2 }]);
    assert.equal(inverted.status, 400);
    const noName = await create([{ Soft: 1, Hard: 2 }]);
    assert.equal(noName.status, 400);
    assert.equal(await d.dockerOk(['ps', '-aq']), before);
  });

  it('--device adds the node and lets the devices cgroup allow it; a missing device is a 400', async () => {
    const r = await d.docker(['run', '--rm', '--device', '/dev/null:/dev/mynull', '--device', '/dev/kmsg:/dev/k', 'busybox', 'sh', '-c',
      'ls -l /dev/mynull; echo x > /dev/mynull && echo WROTE; : > /dev/k && echo OPENED']);
    assert.match(r.stdout, /^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 .* \/dev\/mynull$/m, r.stderr);
    assert.match(r.stdout, /WROTE/);
    assert.match(r.stdout, /OPENED/, r.stderr);
    // Without --device the same node cannot be opened: the devices cgroup denies 1:11.
    const denied = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'mknod /dev/k c 1 11 && : > /dev/k && echo OPENED']);
    assert.doesNotMatch(denied.stdout, /OPENED/);
    assert.match(denied.stderr, /Operation not permitted/);
    const missing = await d.docker(['run', '--rm', '--device', '/dev/nonexistent', 'busybox', 'true']);
    // The docker CLI exits 127 for any error that says "no such file or directory", as with dockerd.
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /error gathering device information while adding custom device "\/dev\/nonexistent": no such file or directory/);
    const rule = await d.docker(['run', '--rm', '--device-cgroup-rule', 'c 1:11 w', 'busybox', 'sh', '-c', 'mknod /dev/k c 1 11 && : > /dev/k && echo OPENED']);
    assert.match(rule.stdout, /OPENED/, rule.stderr);
  });

  it('--pid, --ipc and --uts host share the host\'s namespaces; container:NAME shares another\'s', async () => {
    const r = await d.docker(['run', '--rm', '--pid', 'host', '--ipc', 'host', '--uts', 'host', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; hostname']);
    assert.deepEqual(r.stdout.trim().split('\n'), [readlinkSync('/proc/self/ns/pid'), readlinkSync('/proc/self/ns/ipc'), hostname()], r.stderr);
    await d.dockerOk(['run', '-d', '--name', 'ns-owner', '--ipc', 'shareable', 'busybox', 'sh', '-c', 'echo shared > /dev/shm/f; sleep 60']);
    const owner = (await d.dockerOk(['exec', 'ns-owner', 'sh', '-c', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc'])).trim().split('\n');
    const j = await d.docker(['run', '--rm', '--pid', 'container:ns-owner', '--ipc', 'container:ns-owner', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep; cat /dev/shm/f']);
    assert.deepEqual(j.stdout.trim().split('\n'), [...owner, '1', 'shared'], j.stderr);
    await d.dockerOk(['run', '-d', '--name', 'ns-private', 'busybox', 'sleep', '60']);
    const priv = await d.docker(['run', '--rm', '--ipc', 'container:ns-private', 'busybox', 'true']);
    assert.match(priv.stderr, /non-shareable IPC/);
    await d.docker(['rm', '-f', 'ns-owner', 'ns-private']);
  });

  it('namespace modes berth does not know, or a container that does not exist, are refused at create', async () => {
    const create = (HostConfig: object) => d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig });
    for (const [hc, status, msg] of [
      [{ PidMode: 'bogus' }, 400, /invalid PID mode: bogus/],
      [{ IpcMode: 'bogus' }, 400, /invalid IPC mode: bogus/],
      [{ UTSMode: 'bogus' }, 400, /invalid UTS mode: bogus/],
      [{ UsernsMode: 'bogus' }, 400, /invalid USER namespace mode/],
      [{ PidMode: 'container:nope' }, 400, /No such container: nope/],
    ] as const) {
      const r = await create(hc);
      assert.equal(r.status, status, `${JSON.stringify(hc)}: ${r.text}`);
      assert.match(r.text, msg);
    }
    const ok = await d.docker(['run', '--rm', '--userns', 'host', 'busybox', 'cat', '/proc/self/uid_map']);
    assert.match(ok.stdout, /^\s*0\s+0\s+4294967295$/m, ok.stderr);
  });

  /** A whole disk of the host (the kernel throttles disks, not partitions): its path and major:minor. */
  const disk = (() => {
    for (const name of existsSync('/sys/block') ? readdirSync('/sys/block') : []) {
      if (/^(loop|ram|zram)/.test(name) || !existsSync(`/dev/${name}`) || !statSync(`/dev/${name}`).isBlockDevice()) continue;
      return { path: `/dev/${name}`, number: readFileSync(`/sys/block/${name}/dev`, 'utf8').trim() };
    }
    return undefined;
  })();
  const throttles = existsSync('/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device');
  it('per-device block I/O throttles reach the blkio cgroup; a device that is not there is a 400 at create', { skip: !(disk && throttles) && 'no disk or no blkio throttles here' }, async () => {
    const { path: dev, number } = disk!;
    const id = (await d.dockerOk(['run', '-d', '--device-read-bps', `${dev}:1mb`, '--device-write-bps', `${dev}:2mb`, '--device-read-iops', `${dev}:200`, '--device-write-iops', `${dev}:100`, 'busybox', 'sleep', '30'])).trim();
    try {
      const cg = (f: string) => readFileSync(`/sys/fs/cgroup/blkio${d.cgroupParent}/${id}/blkio.throttle.${f}`, 'utf8').trim();
      assert.deepEqual(['read_bps_device', 'write_bps_device', 'read_iops_device', 'write_iops_device'].map(cg), [`${number} 1048576`, `${number} 2097152`, `${number} 200`, `${number} 100`]);
      const h = JSON.parse(await d.dockerOk(['inspect', id]))[0].HostConfig;
      assert.deepEqual(h.BlkioDeviceReadBps, [{ Path: dev, Rate: 1048576 }]);
      assert.deepEqual(h.BlkioDeviceWriteIOps, [{ Path: dev, Rate: 100 }]);
    } finally {
      await d.docker(['rm', '-f', id]);
    }
    const before = await d.dockerOk(['ps', '-aq']);
    const missing = await d.docker(['run', '--rm', '--device-read-bps', '/dev/berth-no-such-disk:1mb', 'busybox', 'true']);
    // 127 as against dockerd: the docker CLI's code for "no such file or directory".
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /stat \/dev\/berth-no-such-disk: no such file or directory/);
    assert.equal(await d.dockerOk(['ps', '-aq']), before);
  });

  it('--annotation reaches the runtime as the OCI annotations of the container (API 1.43+), beside berth\'s own', async () => {
    const id = (await d.dockerOk(['run', '-d', '--annotation', 'com.example.team=infra', 'busybox', 'sleep', '30'])).trim();
    try {
      const state = JSON.parse(execFileSync('crun', ['--root', path.join(d.execRoot, 'runtime', 'crun'), 'state', id], { encoding: 'utf8' }));
      assert.equal(state.annotations?.['com.example.team'], 'infra', JSON.stringify(state.annotations));
      assert.deepEqual(JSON.parse(await d.dockerOk(['inspect', id]))[0].HostConfig.Annotations, { 'com.example.team': 'infra' });
    } finally {
      await d.docker(['rm', '-f', id]);
    }
  });

  it('--cpu-rt-runtime and --cpu-rt-period reach the runtime (the kernel then wants a budget in the parent, as with dockerd); a runtime above its period is a 400', async () => {
    const tooMuch = await d.docker(['run', '--rm', '--cpu-rt-runtime', '2000', '--cpu-rt-period', '1000', 'busybox', 'true']);
    assert.equal(tooMuch.code, 125);
    assert.match(tooMuch.stderr, /cpu-rt-runtime cannot be higher than cpu-rt-period/);
    const r = await d.docker(['run', '--rm', '--cpu-rt-period', '500000', '--cpu-rt-runtime', '1000', 'busybox', 'cat', '/sys/fs/cgroup/cpu/cpu.rt_period_us']);
    if (existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) {
      // The daemon's cgroup parent has no real-time budget (nor has dockerd's without --cpu-rt-runtime): the write is refused.
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /cpu\.rt_runtime_us.*Invalid argument/);
      // crun left the container's cgroup behind as it failed; the failed start removes it.
      const left = readdirSync(`/sys/fs/cgroup/cpu${d.cgroupParent}`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      assert.deepEqual(left, []);
      const period = await d.docker(['run', '--rm', '--cpu-rt-period', '500000', 'busybox', 'cat', '/sys/fs/cgroup/cpu/cpu.rt_period_us']);
      assert.equal(period.stdout.trim(), '500000', period.stderr);
    } else {
      assert.match(r.stderr, /Your kernel does not support CPU real-time scheduler/);
    }
  });

  it('systempaths=unconfined unmasks /proc; swappiness and cpuset mems reach the cgroup; what berth cannot do is refused', async () => {
    const r = await d.docker(['run', '--rm', '--security-opt', 'systempaths=unconfined', 'busybox', 'sh', '-c', 'test "$(wc -c < /proc/interrupts)" -gt 0 && echo VISIBLE']);
    assert.match(r.stdout, /VISIBLE/, r.stderr);
    const id = (await d.dockerOk(['run', '-d', '--memory-swappiness', '10', '--cpuset-mems', '0', 'busybox', 'sleep', '30'])).trim();
    assert.equal(readFileSync(`/sys/fs/cgroup/memory${d.cgroupParent}/${id}/memory.swappiness`, 'utf8').trim(), '10');
    assert.equal(readFileSync(`/sys/fs/cgroup/cpuset${d.cgroupParent}/${id}/cpuset.mems`, 'utf8').trim(), '0');
    await d.docker(['rm', '-f', id]);
    for (const [args, msg] of [
      [['--gpus', 'all'], /could not select device driver "" with capabilities: \[\[gpu\]\]/],
      [['--storage-opt', 'size=1G'], /--storage-opt is supported only for overlay over xfs/],
    ] as const) {
      const f = await d.docker(['run', '--rm', ...args, 'busybox', 'true']);
      assert.equal(f.code, 125, `${args.join(' ')}: ${f.stderr}`);
      assert.match(f.stderr, msg);
    }
  });
});
