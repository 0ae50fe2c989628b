// Containers outlive berthd: after a clean stop or a kill -9 of the daemon, a new berthd on the
// same data root re-adopts them: still running, listed, stoppable, with whole logs; exits that
// happened while it was down are recorded; a half-made create is cleaned up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request, type ClientRequest } from 'node:http';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { NETWORK_LOCK_DIR } from '../../src/host/daemon-lock.js';
import { BERTHD, eventually, sleep, suiteDaemon, busyboxRootfsTar } from './harness.js';

describe('daemon restart and crash recovery', () => {
  const d = suiteDaemon('recovery');

  it('keeps containers running and their logs whole across kill -9 of berthd', async () => {
    assert.ok(existsSync(busyboxRootfsTar()));
    const r = await d.docker(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c',
      'i=0; trap "echo stopping; exit 0" TERM; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done']);
    assert.equal(r.code, 0, r.stderr);
    await d.docker(['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'sleep 1; echo finished; exit 5']);
    await d.docker(['run', '-d', '--rm', '--name', 'ephemeral', 'busybox', 'sleep', '1']);
    const pidBefore = (await d.api('GET', '/containers/survivor/json')).json().State.Pid as number;
    await sleep(300);

    await d.crash();
    // While berthd is down the containers go on, and two of them exit.
    assert.ok(existsSync(`/proc/${pidBefore}`), 'the container process outlives the daemon');
    await sleep(1500);
    await d.start();

    const s = (await d.api('GET', '/containers/survivor/json')).json().State;
    assert.equal(s.Status, 'running');
    assert.equal(s.Pid, pidBefore);
    const short = (await d.api('GET', '/containers/short/json')).json().State;
    assert.equal(short.Status, 'exited');
    assert.equal(short.ExitCode, 5);
    assert.equal((await d.api('GET', '/containers/ephemeral/json')).status, 404, '--rm container removed after the restart');
    assert.match((await d.docker(['logs', 'short'])).stdout, /finished/);

    const ps = await d.docker(['ps', '--format', '{{.Names}}']);
    assert.ok(ps.stdout.split('\n').includes('survivor'));
    assert.equal((await d.docker(['stop', 'survivor'])).code, 0);
    const logs = (await d.docker(['logs', 'survivor'])).stdout.trim().split('\n');
    assert.equal(logs[logs.length - 1], 'stopping');
    // Whole: every tick from 1 up, none lost while the daemon was away.
    const ticks = logs.filter((l) => l.startsWith('tick')).map((l) => Number(l.split(' ')[1]));
    assert.ok(ticks.length > 15, `only ${ticks.length} ticks`);
    assert.deepEqual(ticks, ticks.map((_, i) => i + 1));
    assert.equal((await d.api('GET', '/containers/survivor/json')).json().State.ExitCode, 0);
  });

  it('keeps working after a clean stop and start of the daemon', async () => {
    await d.docker(['run', '-d', '--name', 'calm', 'busybox', 'sh', '-c', 'echo before; sleep 60']);
    await eventually(async () => (await d.docker(['logs', 'calm'])).stdout === 'before\n', 5000, 'first log line');
    await d.stopDaemon();
    await d.start();
    assert.equal((await d.docker(['exec', 'calm', 'echo', 'exec-after-restart'])).stdout, 'exec-after-restart\n');
    assert.equal((await d.docker(['logs', 'calm'])).stdout, 'before\n');
    assert.equal((await d.docker(['kill', 'calm'])).code, 0);
    assert.equal((await d.docker(['wait', 'calm'])).stdout.trim(), '137');
  });

  it('removes a half-made container left by a crash during create', async () => {
    const halfMade = path.join(d.dataRoot, 'containers', 'f'.repeat(64));
    mkdirSync(path.join(halfMade, 'rw', 'upper'), { recursive: true });
    writeFileSync(path.join(halfMade, 'rw', 'upper', 'junk'), 'x');
    await d.stopDaemon();
    await d.start();
    assert.equal(existsSync(halfMade), false);
    const list = (await d.api('GET', '/containers/json?all=1')).json() as Array<{ Id: string }>;
    assert.ok(!list.some((c) => c.Id === 'f'.repeat(64)));
  });

  it("removes a build step's container whose build died with the daemon; keeps one a --rm=false build asked to keep", async () => {
    const ctx = path.join(d.root, 'orphan-build');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo one > /one\nRUN echo step-two-running; sleep 60\nRUN echo three\n');
    const stepContainers = async () => ((await d.api('GET', '/containers/json?all=1')).json() as Array<{ Id: string; Command: string }>)
      .filter((c) => c.Command.includes('step-two-running'));
    const before = ((await d.api('GET', '/containers/json?all=1')).json() as unknown[]).length;
    for (const rm of [true, false]) {
      const build = d.docker(['build', `--rm=${rm}`, '-t', 'orphan-build', ctx]);
      let running: Array<{ Id: string }> = [];
      await eventually(async () => (running = await stepContainers()).length === 1, 30_000, 'the second step running');
      const pid = (await d.api('GET', `/containers/${running[0]!.Id}/json`)).json().State.Pid as number;
      await d.crash();
      assert.notEqual((await build).code, 0);
      await d.start();
      if (rm) {
        assert.deepEqual(await stepContainers(), [], 'the orphaned step container is removed');
        assert.equal(existsSync(`/proc/${pid}`), false, 'its process is gone');
      } else {
        // Kept as the user asked, as dockerd keeps it: still running, and removable by hand.
        const kept = await stepContainers();
        assert.equal(kept.length, 1);
        assert.equal((await d.docker(['rm', '-f', kept[0]!.Id])).code, 0);
      }
    }
    assert.equal(((await d.api('GET', '/containers/json?all=1')).json() as unknown[]).length, before);
    // The first step's layer was kept as the cache; the build runs again from it.
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo one > /one\nRUN echo three\n');
    const again = await d.docker(['build', '-t', 'orphan-build', ctx]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Using cache/);
    assert.equal((await d.docker(['rmi', 'orphan-build'])).code, 0);
  });

  it('thaws a container the daemon died freezing (commit, cp); overlapping copies keep it frozen until the last ends', async () => {
    await d.docker(['run', '-d', '--name', 'frozen', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/big bs=1M count=150 2>/dev/null; echo ready; while :; do sleep 0.05; done']);
    await eventually(async () => (await d.docker(['logs', 'frozen'])).stdout === 'ready\n', 20_000, 'the big file written');
    const pid = (await d.api('GET', '/containers/frozen/json')).json().State.Pid as number;
    const freezerDir = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:freezer:/.test(l))!.split(':')[2]!;
    const freezer = () => readFileSync(`/sys/fs/cgroup/freezer${freezerDir}/freezer.state`, 'utf8').trim();
    const status = async () => (await d.api('GET', '/containers/frozen/json')).json().State.Status as string;
    // A copy out whose client reads the first bytes and then nothing: the daemon holds it frozen.
    const stalledCopy = () => new Promise<ClientRequest>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path: '/containers/frozen/archive?path=/big' }, (res) => {
        res.once('data', () => {
          res.pause();
          resolve(req);
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    const a = await stalledCopy();
    const b = await stalledCopy();
    assert.equal(freezer(), 'FROZEN');
    a.destroy();
    await sleep(500);
    assert.equal(freezer(), 'FROZEN', 'the second copy still holds it frozen after the first ended');
    b.destroy();
    await eventually(() => freezer() === 'THAWED', 5000, 'thawed after the last copy');
    // A commit during a copy: its pause joins the copy's freeze, and its end thaws nothing.
    const c = await stalledCopy();
    await d.dockerOk(['commit', 'frozen', 'frozen-during-copy']);
    assert.equal(freezer(), 'FROZEN', 'the copy still holds it frozen after the commit ended');
    assert.equal(await status(), 'running');
    c.destroy();
    await eventually(() => freezer() === 'THAWED', 5000, 'thawed after the copy');
    await d.dockerOk(['rmi', 'frozen-during-copy']);

    // The daemon killed while a copy holds it frozen, then during a commit's pause.
    await stalledCopy();
    await d.crash();
    assert.equal(freezer(), 'FROZEN');
    await d.start();
    assert.equal(await status(), 'running');
    assert.equal(freezer(), 'THAWED');
    const commit = d.docker(['commit', 'frozen', 'frozen-commit']);
    await eventually(async () => (await status()) === 'paused', 10_000, "the commit's pause");
    await d.crash();
    assert.notEqual((await commit).code, 0);
    await d.start();
    assert.equal(await status(), 'running');
    assert.equal(freezer(), 'THAWED');
    assert.equal((await d.docker(['exec', 'frozen', 'echo', 'alive'])).stdout, 'alive\n');
    assert.equal((await d.api('GET', '/images/frozen-commit/json')).status, 404, 'no half-made image');
    assert.deepEqual(readdirSync(path.join(d.execRoot, 'daemon-freezes')), []);
    assert.equal((await d.docker(['rm', '-f', 'frozen'])).code, 0);
  });

  it("copies an image's files into a new volume again when a crash cut the first copy short", async () => {
    const FILES = 10_000;
    // busybox's rootfs with 10,000 files in /data, imported (a build's RUN and commit of them took
    // over a minute under the full suite's load).
    const root = path.join(d.root, 'many-files');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    assert.equal(spawnSync('tar', ['-C', root, '-xf', busyboxRootfsTar()]).status, 0);
    for (let i = 1; i <= FILES; i++) writeFileSync(path.join(root, 'data', String(i)), '');
    assert.equal(spawnSync('tar', ['-C', root, '-cf', `${root}.tar`, '.']).status, 0);
    await d.dockerOk(['import', `${root}.tar`, 'many-files']);
    const data = path.join(d.dataRoot, 'volumes', 'halfvol', '_data');
    const copied = () => (existsSync(data) ? readdirSync(data).length : 0);
    const berthdPid = d.proc!.pid!;
    // berthd's own cp child, by its parent's PID.
    const copier = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return stat.includes(' (cp) ') && Number(stat.split(') ')[1]!.split(' ')[1]) === berthdPid;
      } catch {
        return false;
      }
    });
    const run = d.docker(['run', '-d', '--name', 'halfcopy', '-v', 'halfvol:/data', 'many-files', 'sleep', '300']);
    let cp: string | undefined;
    await eventually(() => (cp = copier()) !== undefined && copied() > 0, 30_000, 'the copy into the volume begun');
    // The daemon and its cp both killed mid-copy, as a host going down would leave it.
    await d.crash();
    process.kill(Number(cp), 'SIGKILL');
    await run;
    assert.ok(copied() < FILES, `the first copy was cut short (${copied()} files)`);
    await d.start();
    // Before: the volume was not empty, so no start copied again: it stayed half populated.
    await d.dockerOk(['start', 'halfcopy']);
    assert.equal(copied(), FILES);
    assert.equal(existsSync(path.join(d.dataRoot, 'volumes', 'halfvol', 'copying-image-files')), false);
    await d.dockerOk(['rm', '-f', '-v', 'halfcopy']);
    await d.dockerOk(['volume', 'rm', 'halfvol']);
    await d.dockerOk(['rmi', 'many-files']);
  });

  it('records a container whose conmon was killed as exited, and cleans up after it', async () => {
    await d.docker(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '300']);
    const s = (await d.api('GET', '/containers/orphan/json')).json().State;
    const conmon = readFileSync('/proc/' + s.Pid + '/status', 'utf8').match(/^PPid:\s+(\d+)/m)![1];
    assert.match(readFileSync(`/proc/${conmon}/cmdline`, 'utf8'), /conmon/);
    process.kill(Number(conmon), 'SIGKILL');
    // Found by the chaos campaign: it stayed "running" for ever, with nothing to report its end.
    const st = await eventually(async () => {
      const x = (await d.api('GET', '/containers/orphan/json')).json().State;
      return x.Status === 'exited' ? x : undefined;
    }, 10_000, 'the lost monitor to be noticed');
    assert.equal(st.ExitCode, 255);
    assert.match(st.Error, /monitor lost/);
    await eventually(() => !existsSync(`/proc/${s.Pid}`), 5000, 'the container process to be killed');
    assert.equal((await d.docker(['rm', 'orphan'])).code, 0);
  });

  it('restarts stopped containers with the daemon by their policy, as dockerd', async () => {
    for (const p of ['always', 'unless-stopped']) {
      assert.equal((await d.docker(['run', '-d', '--name', `pol-${p}`, '--restart', p, 'busybox', 'sleep', '300'])).code, 0);
      assert.equal((await d.docker(['stop', '-t', '0', `pol-${p}`])).code, 0);
    }
    await d.crash();
    await d.start();
    await eventually(async () => (await d.api('GET', '/containers/pol-always/json')).json().State.Status === 'running', 10_000, 'always to come back');
    assert.equal((await d.api('GET', '/containers/pol-unless-stopped/json')).json().State.Status, 'exited');
    await d.docker(['rm', '-f', 'pol-always', 'pol-unless-stopped']);
  });

  it('counts a policy restart pending when the daemon died once: on-failure:N never restarts more than N times', async () => {
    // Found by the chaos campaign (on-failure:1 restarted 2 times after a host restart): the
    // restart was counted when it was decided and again when the next daemon scheduled it.
    const id = (await d.dockerOk(['run', '-d', '--name', 'retries', '--restart', 'on-failure:4', '--network', 'none', 'busybox', 'sh', '-c', 'exit 1'])).trim();
    const inspect = async () => (await d.api('GET', `/containers/${id}/json`)).json() as { RestartCount: number; State: { Status: string } };
    // The 4th restart waits 800 ms (the back-off doubles from 100 ms): the daemon dies in it.
    await eventually(async () => {
      const i = await inspect();
      return i.RestartCount === 4 && i.State.Status === 'restarting';
    }, 20_000, 'the last restart pending');
    await d.crash();
    await d.start();
    // The pending restart is still made, and it was the last.
    const done = await eventually(async () => {
      const i = await inspect();
      return i.State.Status === 'exited' ? i : undefined;
    }, 20_000, 'the last run to end');
    assert.equal(done!.RestartCount, 4);
    await sleep(300);
    assert.equal((await inspect()).State.Status, 'exited', 'no fifth restart');
    await d.dockerOk(['rm', id]);
  });

  it('keeps a starting container\'s rootfs mounted when a cp of it races the start', async () => {
    const id = (await d.api('POST', '/containers/create?name=cprace', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
    const rootfs = path.join(d.dataRoot, 'containers', id, 'rootfs');
    for (let i = 0; i < 4; i++) {
      // Found by the chaos campaign: the cp's unmount, made after the start mounted, took the
      // running container's root away.
      const [cp, start] = await Promise.all([d.api('GET', `/containers/${id}/archive?path=/etc/passwd`), sleep(i * 15).then(() => d.api('POST', `/containers/${id}/start`))]);
      assert.equal(cp.status, 200);
      assert.equal(start.status, 204, start.text);
      await sleep(200);
      assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${rootfs} `), `round ${i}: rootfs of the running container is not mounted`);
      assert.equal((await d.docker(['kill', 'cprace'])).code, 0);
      await d.api('POST', `/containers/${id}/wait`);
    }
    assert.equal((await d.docker(['rm', 'cprace'])).code, 0);
  });

  it('undoes a start whose record cannot be written (a full disk): no process, mount or conmon left', async () => {
    const id = (await d.api('POST', '/containers/create?name=unrecorded', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
    const record = path.join(d.dataRoot, 'containers', id, 'config.v2.json');
    // An immutable record: the write after the runtime started the process fails, as on a full disk.
    assert.equal(spawnSync('chattr', ['+i', record]).status, 0);
    try {
      const r = await d.api('POST', `/containers/${id}/start`);
      assert.equal(r.status, 500, r.text);
      const conmons = spawnSync('pgrep', ['-f', `conmon.*${id}`], { encoding: 'utf8' }).stdout.trim();
      assert.equal(conmons, '', 'conmon left running');
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(d.dataRoot, 'containers', id, 'rootfs')), 'rootfs left mounted');
      assert.notEqual((await d.api('GET', `/containers/${id}/json`)).json().State.Status, 'running');
    } finally {
      spawnSync('chattr', ['-i', record]);
    }
    assert.equal((await d.docker(['rm', '-f', 'unrecorded'])).code, 0);
  });

  /**
   * Runs a container that prints "first", then the rest of `script`'s output while its driver's
   * log file is immutable: the copies after the first fail, as on a full disk, and the rest stays
   * in conmon.log. `meanwhile` runs once it has exited, before the file is writable again.
   */
  async function exitedWithCopyStopped(name: string, script: string, meanwhile: (id: string) => Promise<void>): Promise<string> {
    const id = (await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', `echo first; sleep 1; ${script}`])).trim();
    const logFile = path.join(d.dataRoot, 'containers', id, `${id}-json.log`);
    await eventually(async () => (await d.dockerOk(['logs', id])).includes('first'), 10_000, 'the first line copied');
    assert.equal(spawnSync('chattr', ['+i', logFile]).status, 0);
    try {
      await eventually(async () => (await d.api('GET', `/containers/${id}/json`)).json().State.Status === 'exited', 10_000, 'the exit');
      await meanwhile(id);
    } finally {
      spawnSync('chattr', ['-i', logFile]);
    }
    return id;
  }

  it('finishes after a restart a log copy that a full disk left unfinished', async () => {
    const id = await exitedWithCopyStopped('unfinished', 'for i in 1 2 3; do echo line $i; done', () => d.crash());
    await d.start();
    assert.equal(await d.dockerOk(['logs', id]), 'first\nline 1\nline 2\nline 3\n');
    assert.ok(!existsSync(path.join(d.dataRoot, 'containers', id, 'conmon.log')), 'conmon.log is gone once copied');
    await d.dockerOk(['rm', id]);
  });

  it('shows every line conmon kept while a full disk stops the copy, and each once after it', async () => {
    const id = await exitedWithCopyStopped('uncopied', 'for i in 1 2 3; do echo line $i; done; echo err >&2', async (id) => {
      // Before: "first" alone until the disk had room again.
      const all = await d.docker(['logs', id]);
      assert.equal(all.stdout, 'first\nline 1\nline 2\nline 3\n');
      assert.equal(all.stderr, 'err\n');
      assert.equal((await d.docker(['logs', '--tail', '2', id])).stdout, 'line 3\n');
      assert.equal((await d.docker(['logs', '--tail', '3', id])).stdout, 'line 2\nline 3\n');
      assert.equal((await d.docker(['logs', '--tail', '6', id])).stdout, 'first\nline 1\nline 2\nline 3\n');
    });
    // The copy finishes at the next read: the same lines, once.
    assert.equal(await d.dockerOk(['logs', id]), 'first\nline 1\nline 2\nline 3\n');
    assert.ok(!existsSync(path.join(d.dataRoot, 'containers', id, 'conmon.log')));
    await d.dockerOk(['rm', id]);
  });

  it('a stop of a restarting container that cannot be recorded (a full disk) leaves its restart policy in force', async () => {
    const id = (await d.dockerOk(['run', '-d', '--name', 'stopfails', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 1'])).trim();
    const state = async () => (await d.api('GET', `/containers/${id}/json`)).json().State as { Status: string; RestartCount?: number };
    const count = async () => (await d.api('GET', `/containers/${id}/json`)).json().RestartCount as number;
    // The policy's delay doubles from 100 ms: from the 6th restart on it waits 3.2 s or more,
    // time enough to find it 'restarting'.
    await eventually(async () => (await count()) >= 6 && (await state()).Status === 'restarting', 30_000, 'a long scheduled restart');
    const record = path.join(d.dataRoot, 'containers', id, 'config.v2.json');
    assert.equal(spawnSync('chattr', ['+i', record]).status, 0);
    let r;
    try {
      r = await d.api('POST', `/containers/${id}/stop`);
    } finally {
      spawnSync('chattr', ['-i', record]);
    }
    assert.equal(r.status, 500, r.text);
    // The stop was not acknowledged: the policy keeps restarting it.
    await sleep(500);
    assert.notEqual((await state()).Status, 'exited');
    await d.dockerOk(['rm', '-f', id]);
  });

  it('an exit that cannot be recorded (a full disk) still ends a wait, and its restart policy applies', async () => {
    const id = (await d.dockerOk(['run', '-d', '--name', 'exitunsaved', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1; exit 3'])).trim();
    const record = path.join(d.dataRoot, 'containers', id, 'config.v2.json');
    const waiting = d.api('POST', `/containers/${id}/wait`);
    assert.equal(spawnSync('chattr', ['+i', record]).status, 0);
    let code: unknown;
    try {
      // Before: the wait (and a kill) waited for an exit the daemon had seen but not written.
      code = await Promise.race([waiting.then((r) => r.json().StatusCode), sleep(15_000).then(() => 'no answer')]);
    } finally {
      spawnSync('chattr', ['-i', record]);
    }
    assert.equal(code, 3);
    // The policy's restart (100 ms later) writes the record, with the exit counted.
    await eventually(async () => ((await d.api('GET', `/containers/${id}/json`)).json().RestartCount as number) >= 1, 10_000, 'the restart');
    await eventually(() => (JSON.parse(readFileSync(record, 'utf8')) as { RestartCount: number }).RestartCount >= 1, 10_000, 'the record written');
    await d.dockerOk(['rm', '-f', id]);
  });

  it("mounts a --rm container's layer volatile, and removes one whose start the daemon died in", async () => {
    const mountLine = (id: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === `${d.dataRoot}/containers/${id}/rootfs`);
    const fleeting = (await d.docker(['run', '-d', '--rm', '--name', 'fleeting', 'busybox', 'sleep', '300'])).stdout.trim();
    const lasting = (await d.docker(['run', '-d', '--name', 'lasting', 'busybox', 'sleep', '300'])).stdout.trim();
    // Its exit's unmount then syncs nothing of the host's file system (newer kernels show the
    // option as fsync=volatile). A container that is kept has its layer synced as before.
    assert.match(mountLine(fleeting) ?? 'not mounted', /,(fsync=)?volatile(,|$)/);
    assert.ok(mountLine(lasting), 'the kept container is mounted');
    assert.doesNotMatch(mountLine(lasting)!, /volatile/);
    assert.equal((await d.docker(['rm', '-f', 'fleeting', 'lasting'])).code, 0);
    assert.equal(mountLine(fleeting), undefined);

    // Starts the daemon died in (their bundles made, the containers still "created"): a --rm
    // one goes at the next daemon start, as after any failed start of one; the other stays.
    const once = (await d.docker(['create', '--rm', 'busybox', 'true'])).stdout.trim();
    const kept = (await d.docker(['create', 'busybox', 'true'])).stdout.trim();
    await d.stopDaemon();
    for (const id of [once, kept]) mkdirSync(path.join(d.execRoot, 'c', id, 'persist'), { recursive: true });
    await d.start();
    assert.equal((await d.api('GET', `/containers/${once}/json`)).status, 404);
    assert.equal((await d.api('GET', `/containers/${kept}/json`)).json().State.Status, 'created');
    assert.equal(existsSync(path.join(d.dataRoot, 'containers', once)), false);
    // And it starts normally.
    assert.equal((await d.docker(['start', '-a', kept])).code, 0);
    assert.equal((await d.docker(['rm', kept])).code, 0);
  });

  it("adopts a running container whose record was written ahead of the runtime's answer (no PIDs in it)", async () => {
    // A start's record is written while the runtime makes the process, so it has no PIDs: a
    // daemon that died before any later save finds them in the container's bundle.
    const id = (await d.dockerOk(['run', '-d', '--name', 'ahead', 'busybox', 'sleep', '300'])).trim();
    const pid = (await d.api('GET', `/containers/${id}/json`)).json().State.Pid as number;
    assert.ok(pid > 0);
    const onDisk = () => JSON.parse(readFileSync(path.join(d.dataRoot, 'containers', id, 'config.v2.json'), 'utf8')) as { State: { Status: string; Pid: number } };
    assert.deepEqual([onDisk().State.Status, onDisk().State.Pid], ['running', 0]);
    await d.crash();
    await d.start();
    const st = (await d.api('GET', `/containers/${id}/json`)).json().State;
    assert.deepEqual([st.Status, st.Pid], ['running', pid]);
    assert.equal(onDisk().State.Pid, pid, 'the PIDs found are recorded');
    assert.equal((await d.docker(['exec', 'ahead', 'true'])).code, 0);
    assert.match((await d.dockerOk(['top', 'ahead'])), /sleep 300/);
    assert.equal((await d.docker(['rm', '-f', 'ahead'])).code, 0);
  });

  it('ends a start the daemon died in after its record said running, before the process was let run', async () => {
    const berthd = d.proc!.pid!;
    const conmon = (id: string) => spawnSync('pgrep', ['-f', `conmon.*${id}`], { encoding: 'utf8' }).stdout.trim();
    const runtimeState = (id: string) =>
      /"status": "(\w+)"/.exec(spawnSync('crun', [`--root=${path.join(d.execRoot, 'runtime', 'crun')}`, 'state', id], { encoding: 'utf8' }).stdout)?.[1];
    let id = '';
    let started: Promise<unknown> = Promise.resolve();
    // The record written ahead (running, no PID yet) lands while conmon and `crun create` run
    // (~10 ms); the daemon is stopped then, before it lets the process run. The stop may come
    // too early (before conmon was started) or too late (the process runs): then the daemon goes
    // on, and the test tries again with another container.
    const waitFor = async <T>(fn: () => T | undefined, ms: number): Promise<T | undefined> => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
        const v = fn();
        if (v !== undefined) return v;
      }
      return undefined;
    };
    let stopped = false;
    try {
      for (let attempt = 1; ; attempt++) {
        id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
        const record = path.join(d.dataRoot, 'containers', id, 'config.v2.json');
        started = d.api('POST', `/containers/${id}/start`).catch(() => undefined);
        const deadline = Date.now() + 10_000;
        let seen = '';
        for (;;) {
          try {
            const st = (JSON.parse(readFileSync(record, 'utf8')) as { State: { Status: string; Pid: number } }).State;
            seen = `${st.Status}/${st.Pid}`;
            if (st.Status === 'running') break;
          } catch {
            // Between the rename's two states: read again.
          }
          assert.ok(Date.now() < deadline, `the record never said running (last: ${seen})`);
          // A turn of the event loop (the start request goes out on it), then read again.
          await new Promise((r) => setImmediate(r));
        }
        process.kill(berthd, 'SIGSTOP');
        stopped = true;
        assert.equal(seen, 'running/0', 'the record written ahead of the runtime');
        // conmon finishes `crun create` and reports to the stopped daemon. The process waits to
        // be let run, for good while the daemon is stopped (checked twice, a moment apart).
        const made = await waitFor(() => (conmon(id) !== '' ? runtimeState(id) : undefined), 1500);
        if (made === 'created') {
          await sleep(200);
          if (runtimeState(id) === 'created') break;
        }
        process.kill(berthd, 'SIGCONT');
        stopped = false;
        await started;
        assert.equal((await d.docker(['rm', '-f', id])).code, 0);
        assert.ok(attempt < 8, 'the daemon was never stopped in time');
      }
    } finally {
      // The stopped daemon dies now: as the test means it to, or after a failure above (stopped,
      // it would hang the suite's end).
      if (stopped) await d.crash();
    }
    await started;
    await d.start();
    const st = (await d.api('GET', `/containers/${id}/json`)).json().State;
    assert.deepEqual([st.Status, st.ExitCode, st.Error], ['exited', 255, 'the daemon stopped during the start']);
    await eventually(async () => conmon(id) === '', 5000, 'its conmon to end');
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(d.dataRoot, 'containers', id, 'rootfs')), 'rootfs left mounted');
    // And it starts normally.
    assert.equal((await d.docker(['start', id])).code, 0);
    assert.equal((await d.api('GET', `/containers/${id}/json`)).json().State.Status, 'running');
    assert.equal((await d.docker(['rm', '-f', id])).code, 0);
  });

  it('refuses a second daemon on the same pid file', async () => {
    const second = spawnSync(process.execPath, [BERTHD, '-H', `unix://${d.root}/second.sock`, '--data-root', d.dataRoot,
      '--exec-root', d.execRoot, '--pidfile', path.join(d.root, 'berthd.pid')], { encoding: 'utf8', timeout: 10_000 });
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, /pid file found, ensure berthd is not running/);
    assert.equal(Number(readFileSync(path.join(d.root, 'berthd.pid'), 'utf8')), d.proc!.pid);
    assert.equal((await d.api('GET', '/_ping')).text, 'OK');
  });

  it('refuses a log level it does not know, before anything is set up', () => {
    const r = spawnSync(process.execPath, [BERTHD, '--log-level', 'loud', '-H', `unix://${d.root}/loud.sock`, '--pidfile', path.join(d.root, 'loud.pid'),
      '--data-root', path.join(d.root, 'loud-data'), '--exec-root', path.join(d.root, 'loud-run')], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 125);
    assert.equal(r.stderr.split('\n')[0], 'berthd: invalid --log-level loud: want debug, info, warn, error, fatal');
    assert.ok(!existsSync(path.join(d.root, 'loud-data')) && !existsSync(path.join(d.root, 'loud.pid')), 'it made its directories or pid file first');
  });

  it('goes on after a SIGHUP (a terminal hanging up), as dockerd does', async () => {
    process.kill(d.proc!.pid!, 'SIGHUP');
    await eventually(() => /received SIGHUP: no configuration file to reload, going on/.test(d.log) || undefined, 5000, 'the SIGHUP logged');
    assert.equal(d.proc!.exitCode, null);
    assert.equal((await d.api('GET', '/_ping')).text, 'OK');
  });

  it('refuses a second daemon on the same data root, exec root, socket or network prefix, whatever its pid file', async () => {
    const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    const otherData = path.join(d.root, 'other-data');
    // What it prints before is its log (the exec root's kind).
    const lastLine = (text: string) => text.trim().split('\n').pop();
    // Should it start after all, it makes nothing of the host's: the first's network names, its own cgroup parent.
    const second = (roots: string[]) => spawnSync(process.execPath, [BERTHD, '-H', `unix://${d.root}/second.sock`, '--pidfile', path.join(d.root, 'second.pid'),
      '--cgroup-parent', `${d.cgroupParent}-second`, ...d.networkArgs(), ...roots], { encoding: 'utf8', timeout: 20_000 });
    try {
      // Its own pid file, socket and exec root: only the data root is shared.
      const data = second(['--data-root', d.dataRoot, '--exec-root', path.join(d.root, 'other-run')]);
      assert.equal(data.status, 1, data.stderr);
      assert.equal(lastLine(data.stderr), `berthd: the data root ${d.dataRoot} is in use by another berthd (pid ${d.proc!.pid}): stop it first, or give this one its own --data-root`);
      // Its own data root: only the exec root (the runtime's state, the bundles) is shared.
      const exec = second(['--data-root', otherData, '--exec-root', d.execRoot, '--network-prefix', `${d.net.prefix}x`]);
      assert.equal(exec.status, 1, exec.stderr);
      assert.equal(lastLine(exec.stderr), `berthd: the exec root ${d.execRoot} is in use by another berthd (pid ${d.proc!.pid}): stop it first, or give this one its own --exec-root`);
      // Its own data and exec roots, the first one's socket: that one stays the first one's.
      const sockBefore = statSync(d.socket).ino;
      const sock = spawnSync(process.execPath, [BERTHD, '-H', d.host, '--pidfile', path.join(d.root, 'second.pid'), '--cgroup-parent', `${d.cgroupParent}-second`,
        ...d.networkArgs(), '--data-root', otherData, '--exec-root', path.join(d.root, 'other-run')], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(sock.status, 1, sock.stderr);
      assert.equal(lastLine(sock.stderr), `berthd: ${d.host} is in use: another daemon listens on it`);
      assert.equal(statSync(d.socket).ino, sockBefore, 'the socket was replaced');
      // Roots and a socket of its own, the first one's network names: its stop would delete the
      // first one's default bridge and chains.
      const net = second(['--data-root', otherData, '--exec-root', path.join(d.root, 'other-run')]);
      assert.equal(net.status, 1, net.stderr);
      assert.equal(lastLine(net.stderr), `berthd: the network prefix ${d.net.prefix} (its bridges, veths and iptables chains) is in use by another berthd (pid ${d.proc!.pid}): stop it first, or give this one its own --network-prefix`);
      // A daemon that never started leaves no pid file (its next start would find it), nor a socket.
      assert.ok(!existsSync(path.join(d.root, 'second.pid')), 'the refused daemon left its pid file');
      assert.ok(!existsSync(path.join(d.root, 'second.sock')), 'the refused daemon left a socket');
      // The first goes on as it was, its container running.
      assert.equal((await d.api('GET', '/_ping')).text, 'OK');
      assert.equal((await d.api('GET', `/containers/${id}/json`)).json().State.Status, 'running');
      assert.equal((await d.docker(['exec', id, 'true'])).code, 0);
    } finally {
      await d.api('DELETE', `/containers/${id}?force=1`);
      rmSync(path.join(NETWORK_LOCK_DIR, `network-${d.net.prefix}x.lock`), { force: true });
      rmSync(otherData, { recursive: true, force: true });
      rmSync(path.join(d.root, 'other-run'), { recursive: true, force: true });
    }
  });

  it('a socket whose daemon is too busy to accept (its backlog full) is in use, not stale', async () => {
    // A listener that never accepts: a unix connect to it answers EAGAIN once its backlog is full.
    const sock = path.join(d.root, 'busy.sock');
    const busy = spawn(process.execPath, ['-e', `require('net').createServer().listen({ path: ${JSON.stringify(sock)}, backlog: 1 }, () => {
      console.log('up');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
    })`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const held: Socket[] = [];
    try {
      await new Promise((r) => busy.stdout!.once('data', r));
      for (let full = false; !full && held.length < 20;) {
        full = await new Promise<boolean>((resolve) => {
          const c = connect(sock);
          c.once('connect', () => resolve(false));
          c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EAGAIN'));
          held.push(c);
        });
      }
      const r = spawnSync(process.execPath, [BERTHD, '-H', `unix://${sock}`, '--pidfile', path.join(d.root, 'busy.pid'), '--cgroup-parent', `${d.cgroupParent}-busy`,
        ...d.networkArgs(), '--data-root', d.dataRoot, '--exec-root', d.execRoot], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').pop(), `berthd: unix://${sock} is in use: another daemon listens on it`);
      assert.ok(existsSync(sock), 'the busy socket was removed');
    } finally {
      for (const c of held) c.destroy();
      busy.kill('SIGKILL');
    }
  });
});

describe("the exec root on a tmpfs of berthd's own", () => {
  const d = suiteDaemon('execfs');
  const TMPFS_MAGIC = 0x01021994;
  // The mounts at the exec root, in mount order: [type, source].
  const mountsAt = (dir: string): Array<[string, string]> => readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .filter((l) => l.split(' ')[4] === dir)
    .map((l) => { const [type = '', source = ''] = l.split(' - ')[1]!.split(' '); return [type, source]; });
  // On a host whose /tmp is a tmpfs already, berthd has nothing to mount: the test says so.
  const onDisk = Number(statfsSync(path.dirname(d.execRoot)).type) !== TMPFS_MAGIC;
  // After the suite's own stop (its hooks come first): the stop let the tmpfs go.
  after(() => assert.deepEqual(mountsAt(d.execRoot), []));

  it('mounts one where the exec root was on a disk; it outlives a kill -9 with a container running, and goes with a clean stop', { skip: !onDisk && 'the test root is on a tmpfs already' }, async () => {
    assert.deepEqual(mountsAt(d.execRoot), [['tmpfs', 'berth-exec']]);
    const run = await d.docker(['run', '-d', 'busybox', 'sleep', '300']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.equal(Number(statfsSync(path.join(d.execRoot, 'c', id)).type), TMPFS_MAGIC, 'its bundle is on it');
    const pid = (await d.api('GET', `/containers/${id}/json`)).json().State.Pid as number;
    await d.crash();
    assert.deepEqual(mountsAt(d.execRoot), [['tmpfs', 'berth-exec']], 'a crash leaves the mount, and the container state in it');
    await d.start();
    // Adopted from the same tmpfs: none mounted over it.
    assert.deepEqual(mountsAt(d.execRoot), [['tmpfs', 'berth-exec']]);
    const s = (await d.api('GET', `/containers/${id}/json`)).json().State;
    assert.equal(s.Status, 'running');
    assert.equal(s.Pid, pid);
    // A clean stop with a container running keeps it too.
    await d.stopDaemon();
    assert.deepEqual(mountsAt(d.execRoot), [['tmpfs', 'berth-exec']]);
    await d.start();
    assert.equal((await d.docker(['rm', '-f', id])).code, 0);
    await d.stopDaemon();
    assert.deepEqual(mountsAt(d.execRoot), [], 'a stop with nothing running lets it go');
    await d.start();
    assert.deepEqual(mountsAt(d.execRoot), [['tmpfs', 'berth-exec']]);
  });

  it("leaves an exec root on a disk as it is while it holds a container's bundle", { skip: !onDisk && 'the test root is on a tmpfs already' }, async () => {
    await d.stopDaemon();
    assert.deepEqual(mountsAt(d.execRoot), []);
    // What an earlier berthd, with its exec root on the disk, left of a running container.
    mkdirSync(path.join(d.execRoot, 'c', 'a'.repeat(64)), { recursive: true });
    await d.start();
    assert.deepEqual(mountsAt(d.execRoot), [], 'nothing hidden under a mount');
    assert.match(d.log, /is on a disk file system and holds containers' state: left as it is/);
    assert.equal((await d.docker(['run', '--rm', 'busybox', 'true'])).code, 0);
  });
});

describe('a start the daemon died in, found at its next start', () => {
  // crun behind a wrapper that, when asked, lingers a second in `create`, and answers a `kill` a
  // second late, after the kill itself.
  // Made by the suite's first hook (before its daemon's start), so a run that skips it makes none.
  const bin = path.join(tmpdir(), `bt-wrap-${process.pid}`);
  const wrapper = path.join(bin, 'crun');
  before(() => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(wrapper, `#!/bin/sh
case " $* " in
  *" create "*) if [ -e ${bin}/slow-create ]; then rm -f ${bin}/slow-create; touch ${bin}/creating; sleep 1; fi ;;
  *" kill "*) if [ -e ${bin}/slow-kill ]; then /usr/bin/crun "$@"; rc=$?; sleep 1; exit $rc; fi ;;
esac
exec /usr/bin/crun "$@"
`, { mode: 0o755 });
  });
  const d = suiteDaemon('startdied', ['--default-runtime', wrapper]);
  after(() => rmSync(bin, { recursive: true, force: true }));
  const runtimeState = (id: string) =>
    /"status": "(\w+)"/.exec(spawnSync('crun', [`--root=${path.join(d.execRoot, 'runtime', 'crun')}`, 'state', id], { encoding: 'utf8' }).stdout)?.[1];

  it('a --rm container whose exit file comes while the daemon kills it is handled once, and removed', async () => {
    writeFileSync(path.join(bin, 'slow-create'), '');
    const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { AutoRemove: true } })).json().Id as string;
    const started = d.api('POST', `/containers/${id}/start`).catch(() => undefined);
    // The record says running (written ahead of the runtime), `crun create` lingers: the daemon
    // is stopped, the runtime creates the container, and the daemon dies.
    await eventually(() => existsSync(path.join(bin, 'creating')) || undefined, 10_000, 'crun create');
    process.kill(d.proc!.pid!, 'SIGSTOP');
    try {
      await eventually(() => runtimeState(id) === 'created' || undefined, 10_000, 'the runtime to create it');
    } finally {
      await d.crash();
    }
    await started;
    // Its next start kills the created container; conmon writes the exit file a second before
    // the kill answers, and the daemon's watcher sees it meanwhile.
    writeFileSync(path.join(bin, 'slow-kill'), '');
    try {
      await d.start();
      await eventually(async () => (await d.api('GET', `/containers/${id}/json`)).status === 404 || undefined, 15_000, 'the container removed');
    } finally {
      rmSync(path.join(bin, 'slow-kill'), { force: true });
    }
    // Handled twice, the second handling took the removal back to "exited".
    assert.doesNotMatch(d.log, /which is no transition of the state machine/);
    assert.equal((await d.docker(['run', '--rm', 'busybox', 'true'])).code, 0);
  });
});
