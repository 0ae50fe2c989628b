// Containers are isolated as Docker's are: own PID, UTS, IPC, mount and network namespaces,
// the image as /, Docker's default capabilities, and cgroup limits that really bite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { eventually, startDaemon, type TestDaemon } from './harness.js';

describe('isolation', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('isolation');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it('PID 1 is the command and host processes are invisible', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo $$; ps -o pid,comm | wc -l']);
    assert.equal(r.code, 0, r.stderr);
    const [pid, lines] = r.stdout.trim().split('\n');
    assert.equal(pid, '1');
    // header + sh + ps + wc: nothing of the host's hundreds of processes
    assert.ok(Number(lines) <= 5, `saw ${lines} lines of ps`);
  });

  it('the hostname is the container\'s, and -h sets it', async () => {
    const r = await d.docker(['run', '--rm', '--name', 'hosty', 'busybox', 'hostname']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^[0-9a-f]{12}$/);
    assert.notEqual(r.stdout.trim(), readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
    const h = await d.docker(['run', '--rm', '-h', 'box1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname; grep box1 /etc/hosts || true']);
    assert.deepEqual(h.stdout.trim().split('\n').slice(0, 2), ['box1', 'box1']);
  });

  it('the root filesystem is the image, not the host', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ls /; test -e /etc/debian_version && echo HOST || echo IMAGE']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /IMAGE/);
    assert.doesNotMatch(r.stdout, /^work$/m);
    // Writes stay in the container's own layer.
    await d.docker(['run', '--rm', 'busybox', 'touch', '/only-in-that-container']);
    const again = await d.docker(['run', '--rm', 'busybox', 'ls', '/only-in-that-container']);
    assert.notEqual(again.code, 0);
  });

  it('IPC objects are not shared between containers', async () => {
    const hostIpc = readlinkSync('/proc/self/ns/ipc');
    const a = await d.docker(['run', '-d', '--name', 'ipc-a', 'busybox', 'sh', '-c', 'echo secret > /dev/shm/seg && sleep 60']);
    assert.equal(a.code, 0, a.stderr);
    const own = await d.docker(['exec', 'ipc-a', 'sh', '-c', 'sleep 0.2; cat /dev/shm/seg; readlink /proc/1/ns/ipc']);
    const [secret, nsA] = own.stdout.trim().split('\n');
    assert.equal(secret, 'secret');
    const other = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'cat /dev/shm/seg 2>/dev/null || echo none; readlink /proc/1/ns/ipc']);
    const [seen, nsB] = other.stdout.trim().split('\n');
    assert.equal(seen, 'none');
    assert.match(nsA!, /^ipc:\[\d+\]$/);
    assert.notEqual(nsA, nsB);
    assert.notEqual(nsA, hostIpc);
    await d.docker(['rm', '-f', 'ipc-a']);
  });

  it('has its own network (only a loopback with --network none) and Docker\'s default capabilities', async () => {
    const r = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net; grep CapEff /proc/self/status']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').slice(0, -1), ['lo']);
    const bridged = await d.docker(['run', '--rm', 'busybox', 'ls', '/sys/class/net']);
    assert.deepEqual(bridged.stdout.trim().split('\n'), ['eth0', 'lo']);
    // Docker's default set is 0x00000000a80425fb.
    assert.match(r.stdout, /CapEff:\s+00000000a80425fb/);
    const priv = await d.docker(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'grep', 'CapEff', '/proc/self/status']);
    assert.match(priv.stdout, /CapEff:\s+0000000000000000/);
  });

  it('a memory limit OOM-kills a hog and inspect says so', async () => {
    const r = await d.docker(['run', '--name', 'hog', '--memory', '16m', '--memory-swap', '16m', 'busybox', 'sh', '-c', 'x=a; while true; do x="$x$x"; done']);
    assert.equal(r.code, 137, r.stderr);
    const s = await d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', 'hog']);
    assert.equal(s.stdout.trim(), `true 137 ${16 * 1024 * 1024}`);
    await d.docker(['rm', 'hog']);
  });

  it('a pids limit stops a fork bomb', async () => {
    const r = await d.docker(['run', '-d', '--name', 'bomb', '--pids-limit', '8', 'busybox', 'sleep', '60']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    // A fork bomb run in the container: forks fail once the cgroup holds 8 processes.
    const bomb = await d.docker(['exec', 'bomb', 'sh', '-c', 'for i in $(seq 50); do sleep 30 & done; wait']);
    assert.notEqual(bomb.code, 0);
    assert.match(bomb.stderr, /can't fork|Resource temporarily unavailable/);
    const current = Number(readFileSync(`/sys/fs/cgroup/pids${d.cgroupParent}/${id}/pids.current`, 'utf8'));
    assert.ok(current > 1 && current <= 8, `pids.current ${current} with --pids-limit 8`);
    assert.equal(readFileSync(`/sys/fs/cgroup/pids${d.cgroupParent}/${id}/pids.max`, 'utf8').trim(), '8');
    const alive = await d.docker(['inspect', '-f', '{{.State.Running}}', 'bomb']);
    assert.equal(alive.stdout.trim(), 'true');
    await d.docker(['rm', '-f', 'bomb']);
  });

  it('--cpus sets the CFS quota', async () => {
    const r = await d.docker(['run', '-d', '--name', 'cpu', '--cpus', '0.5', 'busybox', 'sleep', '30']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const parent = d.cgroupParent;
    assert.equal(readFileSync(`/sys/fs/cgroup/cpu${parent}/${id}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
    const nano = await d.docker(['inspect', '-f', '{{.HostConfig.NanoCpus}}', 'cpu']);
    assert.equal(nano.stdout.trim(), '500000000');
    await d.docker(['rm', '-f', 'cpu']);
  });

  it('runs as the user given with -u, resolved in the image', async () => {
    const r = await d.docker(['run', '--rm', '-u', 'nobody', 'busybox', 'id']);
    assert.equal(r.stdout.trim(), 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)');
    const root = await d.docker(['run', '--rm', 'busybox', 'id']);
    assert.match(root.stdout, /^uid=0\(root\) gid=0\(root\) groups=0\(root\)/);
    const n = await d.docker(['run', '--rm', '-u', '1234:5678', 'busybox', 'id', '-u']);
    assert.equal(n.stdout.trim(), '1234');
    const bad = await d.docker(['run', '--rm', '-u', 'nosuchuser', 'busybox', 'id']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unable to find user nosuchuser/);
  });

  it("a process of another user never gets the host's /dev/null (crun would hand it to that user)", async () => {
    // crun 1.8.1 fchowns the stdin it is given to the process's user: an exec without stdin
    // once made the host's /dev/null 1234:5678's (and a concurrent --device /dev/null test saw it).
    await d.dockerOk(['run', '-d', '--name', 'users', 'busybox', 'sleep', '60']);
    const owner = () => `${statSync('/dev/null').uid}:${statSync('/dev/null').gid}`;
    assert.equal((await d.dockerOk(['exec', '-u', '1234:5678', 'users', 'sh', '-c', 'id -u; cat; echo read-eof'])).trim(), '1234\nread-eof');
    assert.equal(owner(), '0:0', 'after exec -u');
    await d.dockerOk(['exec', '-d', '-u', '1234:5678', 'users', 'sh', '-c', 'cat > /tmp/detached-eof; echo done >> /tmp/detached-eof']);
    await eventually(async () => (await d.docker(['exec', 'users', 'cat', '/tmp/detached-eof'])).stdout === 'done\n', 10_000, 'the detached exec read EOF');
    assert.equal(owner(), '0:0', 'after exec -d -u');
    await d.dockerOk(['run', '-d', '--rm', '-u', '1234:5678', 'busybox', 'true']);
    assert.equal(owner(), '0:0', 'after run -d -u');
    await d.dockerOk(['rm', '-f', 'users']);
  });
});
