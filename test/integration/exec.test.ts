// `docker exec` without a terminal runs crun exec straight from berthd (no conmon): what that path
// must keep from the conmon one. Exit codes (a process's own 255 is not a runtime failure,
// signals are 128+n), stdout/stderr framing and order, a lone stderr line, a command that cannot
// start (docker's words, once, and 126/127), stdin to EOF, the PID while it runs, a client that
// goes away mid-stream, and no files left in the exec root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { eventually, sleep, startDaemon, type TestDaemon } from './harness.js';

/** The frames of a multiplexed stream: [stream, text]. */
function frames(body: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (let o = 0; o + 8 <= body.length;) {
    const n = body.readUInt32BE(o + 4);
    out.push([body[o]!, body.subarray(o + 8, o + 8 + n).toString()]);
    o += 8 + n;
  }
  return out;
}

describe('exec without a terminal', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('exec');
    await d.dockerOk(['run', '-d', '--name', 'box', 'busybox', 'sleep', '300']);
  });
  after(async () => {
    await d.docker(['rm', '-f', 'box']);
    assert.deepEqual(await d.stop(), []);
  });

  const execApi = async (cmd: string[], extra: Record<string, unknown> = {}) => {
    const ex = await d.api('POST', '/v1.41/containers/box/exec', { Cmd: cmd, AttachStdout: true, AttachStderr: true, ...extra });
    assert.equal(ex.status, 201, ex.text);
    const id = ex.json().Id as string;
    const started = await d.api('POST', `/v1.41/exec/${id}/start`, { Detach: false, Tty: false });
    const info = (await d.api('GET', `/v1.41/exec/${id}/json`)).json();
    return { id, frames: frames(started.body), info };
  };

  it('exit codes: the process\'s own (255 too), 128+signal, 127/126 with docker\'s message once', async () => {
    assert.equal((await d.docker(['exec', 'box', 'sh', '-c', 'exit 255'])).code, 255);
    const own = await execApi(['sh', '-c', 'echo bye >&2; exit 255']);
    assert.deepEqual(own.frames, [[2, 'bye\n']]);
    assert.equal(own.info.ExitCode, 255);
    assert.equal((await d.docker(['exec', 'box', 'sh', '-c', 'kill -9 $$'])).code, 137);
    const missing = await execApi(['nope']);
    assert.equal(missing.info.ExitCode, 127);
    assert.equal(missing.info.Running, false);
    const text = missing.frames.map(([, t]) => t).join('');
    assert.match(text, /^OCI runtime exec failed: .*exec: "nope": executable file not found in \$PATH: unknown\r\n$/);
    const notExec = await execApi(['/etc/passwd']);
    assert.equal(notExec.info.ExitCode, 126);
    const cli = await d.docker(['exec', 'box', 'nope']);
    assert.equal(cli.code, 127);
    assert.equal(cli.stdout.match(/executable file not found/g)?.length, 1, cli.stdout + cli.stderr);
  });

  it("an exec of a paused or stopped container is refused with docker's words, at create and at start", async () => {
    await d.dockerOk(['run', '-d', '--name', 'idle', 'busybox', 'sleep', '300']);
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'idle'])).trim();
    const made = (await d.api('POST', '/containers/idle/exec', { Cmd: ['true'] })).json().Id as string;
    await d.dockerOk(['pause', 'idle']);
    const paused = await d.docker(['exec', 'idle', 'true']);
    assert.notEqual(paused.code, 0);
    assert.match(paused.stderr, new RegExp(`Container ${id} is paused, unpause the container before exec`));
    const atStart = await d.api('POST', `/exec/${made}/start`, { Detach: true });
    assert.equal(atStart.status, 409);
    assert.equal(atStart.json().message, `Container ${id} is paused, unpause the container before exec`);
    // An attached start too (moby checks before it takes over the connection): a 409, not the
    // words in a 200 stream with the exit code left unset.
    const attached = await d.api('POST', `/exec/${made}/start`, { Detach: false, Tty: false });
    assert.equal(attached.status, 409, attached.text);
    assert.equal(attached.json().message, `Container ${id} is paused, unpause the container before exec`);
    await d.dockerOk(['unpause', 'idle']);
    await d.dockerOk(['stop', '-t', '0', 'idle']);
    const stopped = await d.docker(['exec', 'idle', 'true']);
    assert.match(stopped.stderr, new RegExp(`Error response from daemon: Container ${id} is not running`));
    const afterStop = await d.api('POST', `/exec/${made}/start`, { Detach: false, Tty: false });
    assert.equal(afterStop.status, 409, afterStop.text);
    assert.equal(afterStop.json().message, `Container ${id} is not running`);
    assert.equal((await d.api('GET', `/exec/${made}/json`)).json().ExitCode, null);
    await d.dockerOk(['rm', 'idle']);
  });

  it("an exec of a container waiting out its restart policy's delay gets moby's restarting words, at create and at start", async () => {
    const made = await d.api('POST', '/containers/create?name=flapping', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { RestartPolicy: { Name: 'always' } } });
    const id = made.json().Id as string;
    await d.dockerOk(['start', 'flapping']);
    const execId = (await d.api('POST', '/containers/flapping/exec', { Cmd: ['true'], AttachStdout: true })).json().Id as string;
    // The process's own exit: the policy restarts it after a delay (100 ms, doubling at each
    // quick exit), in which it is "restarting". Killed again until both requests fall into one.
    const words = `Container ${id} is restarting, wait until the container is running`;
    const state = async () => (await d.api('GET', '/containers/flapping/json')).json().State as { Status: string; Pid: number };
    let seen: [number, string, number, string] | undefined;
    for (let kill = 0; kill < 6 && !seen; kill++) {
      const pid = (await eventually(async () => { const st = await state(); return st.Status === 'running' && st.Pid; })) as number;
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 5_000;
      while ((await state()).Status !== 'restarting' && Date.now() < deadline) await sleep(2);
      const atCreate = await d.api('POST', '/containers/flapping/exec', { Cmd: ['true'] });
      const atStart = await d.api('POST', `/exec/${execId}/start`, { Detach: false, Tty: false });
      if (atCreate.status === 409 && atStart.status === 409) seen = [atCreate.status, atCreate.json().message, atStart.status, atStart.json().message];
    }
    assert.deepEqual(seen, [409, words, 409, words]);
    await d.dockerOk(['rm', '-f', 'flapping']);
  });

  it("an exec whose container a kill ends during its start: its output and 0, 137, or docker's words and 126; never crun's silent 255 (found by racing them)", async () => {
    await d.dockerOk(['run', '-d', '--name', 'racer', 'busybox', 'sleep', '300']);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'racer'])).trim();
      const ex = await d.api('POST', '/containers/racer/exec', { Cmd: ['echo', 'ok'], AttachStdout: true, AttachStderr: true });
      assert.equal(ex.status, 201, ex.text);
      const execId = ex.json().Id as string;
      // The kill lands anywhere from before the start to after the process's end.
      const kill = sleep(i % 8).then(() => d.api('POST', '/containers/racer/kill'));
      const started = await d.api('POST', `/exec/${execId}/start`, { Detach: false, Tty: false });
      await kill;
      const code = (await d.api('GET', `/exec/${execId}/json`)).json().ExitCode as number | null;
      const text = started.status === 200 ? frames(started.body).map(([, t]) => t).join('') : started.json().message;
      const outcome =
        started.status === 409 && text === `Container ${id} is not running` && code === null ? '409'
        : started.status === 200 && text === 'ok\n' && code === 0 ? 'ran'
        : started.status === 200 && (text === '' || text === 'ok\n') && code === 137 ? 'killed'
        : started.status === 200 && text === `Container ${id} is not running\r\n` && code === 126 ? 'not running'
        : `unexpected: ${started.status} ${JSON.stringify(text)} exit ${code}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      await eventually(async () => (await d.dockerOk(['inspect', '-f', '{{.State.Running}}', 'racer'])).trim() === 'false');
      await d.dockerOk(['start', 'racer']);
    }
    const unexpected = [...outcomes.keys()].filter((k) => k.startsWith('unexpected'));
    assert.deepEqual(unexpected, [], JSON.stringify([...outcomes]));
    await d.dockerOk(['rm', '-f', 'racer']);
  });

  it("crun's own refusal (exit 1, a container frozen behind berthd's back) is docker's words and 126, said once", async () => {
    await d.dockerOk(['run', '-d', '--name', 'frozen', 'busybox', 'sleep', '300']);
    const pid = (await d.dockerOk(['inspect', '-f', '{{.State.Pid}}', 'frozen'])).trim();
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'frozen'])).trim();
    const cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1] === 'freezer')!.split(':')[2]!;
    const state = path.join('/sys/fs/cgroup/freezer', cgroup, 'freezer.state');
    writeFileSync(state, 'FROZEN');
    try {
      // berthd knows of no pause: crun finds the cgroup frozen and refuses, exit 1, in its log and on stderr.
      const r = await d.docker(['exec', 'frozen', 'echo', 'hi']);
      assert.equal(r.code, 126, r.stdout + r.stderr);
      assert.equal(r.stdout + r.stderr, `Container ${id} is paused, unpause the container before exec\r\n`);
    } finally {
      writeFileSync(state, 'THAWED');
    }
    assert.equal(await d.dockerOk(['exec', 'frozen', 'echo', 'hi']), 'hi\n');
    await d.dockerOk(['rm', '-f', 'frozen']);
  });

  it('stdout and stderr in their frames and order; a lone stderr line; AttachStderr false drops it', async () => {
    const both = await execApi(['sh', '-c', 'echo err1 >&2; sleep 0.1; echo out; sleep 0.1; echo err2 >&2; exit 3']);
    assert.deepEqual(both.frames, [[2, 'err1\n'], [1, 'out\n'], [2, 'err2\n']]);
    assert.equal(both.info.ExitCode, 3);
    assert.deepEqual((await execApi(['sh', '-c', 'echo only-err >&2'])).frames, [[2, 'only-err\n']]);
    const quiet = await execApi(['sh', '-c', 'echo out; echo err >&2'], { AttachStderr: false });
    assert.deepEqual(quiet.frames, [[1, 'out\n']]);
    const big = await d.docker(['exec', 'box', 'sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" x']);
    assert.equal(big.stdout.length, 3_000_000);
  });

  it('stdout and stderr are pipes a process can open again by name, as docker\'s', async () => {
    // `> /dev/stdout` opens /proc/self/fd/1 again: a socket refuses that (ENXIO), a pipe does not.
    const r = await d.docker(['exec', 'box', 'sh', '-c', 'echo out > /dev/stdout && echo err > /dev/stderr && readlink /proc/self/fd/1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^out\npipe:\[\d+\]\n$/);
    assert.equal(r.stderr, 'err\n');
  });

  it('stdin to EOF, env, user (one added since the last exec too) and workdir', async () => {
    assert.equal(await d.dockerOk(['exec', '-i', 'box', 'sh', '-c', 'wc -l'], 'a\nb\nc\n'), '3\n');
    assert.equal(await d.dockerOk(['exec', '-e', 'X=2', '-u', 'nobody', '-w', '/tmp', 'box', 'sh', '-c', 'echo $X $(id -u) $(pwd) $(id -G)']), '2 65534 /tmp 65534\n');
    assert.equal(await d.dockerOk(['exec', 'box', 'id', '-G']), '0 10\n');
    // A user made after the first execs (berthd keeps -u's resolution until the files change).
    assert.equal((await d.docker(['exec', '-u', 'newbie', 'box', 'id', '-u'])).code, 126);
    await d.dockerOk(['exec', 'box', 'sh', '-c', 'echo newbie:x:4242:4242::/:/bin/sh >> /etc/passwd']);
    assert.equal(await d.dockerOk(['exec', '-u', 'newbie', 'box', 'id', '-u']), '4242\n');
  });

  it('a finished exec stays inspectable but keeps nothing of its run (live heap over 150 execs)', async () => {
    // Each finished exec used to keep its client's socket, the runtime's process and pipes and
    // its spec for the 5 minutes it stays inspectable (~10.8 KB each; a load of 16 execs a
    // second grew berthd by megabytes a minute). Its record is what stays now (~1.3 KB).
    const live = async () => (await d.api('GET', '/debug/vars?gc=1')).json().memstats.heapUsed as number;
    const execs = async (n: number) => {
      for (let i = 0; i < n; i += 6) await Promise.all(Array.from({ length: 6 }, () => execApi(['true'])));
    };
    await execs(60); // compiled code, caches, the event history's share
    const before = await live();
    await execs(150);
    const grown = (await live()) - before;
    // 0.3-0.55 MB here alone, once 0.74 MB amid the whole suite; the leak this guards against
    // was 1.6 MB (10.8 KB an exec).
    assert.ok(grown < 1_000_000, `live heap grew ${grown} bytes over 150 finished execs`);
    const last = await execApi(['sh', '-c', 'exit 3']);
    assert.equal(last.info.ExitCode, 3);
  });
  /** berthd's `crun exec` processes waiting for their process on a pipe (a parked crun), by PID. */
  const parkedCruns = (containerId: string): number[] => {
    const berthd = readFileSync(path.join(d.root, 'berthd.pid'), 'utf8').trim();
    return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const spec = args[args.indexOf('--process') + 1] ?? '';
        return args.includes('exec') && args.includes(containerId) && spec.startsWith(`/proc/${berthd}/fd/`) && /pipe_read$/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
      } catch {
        return false;
      }
    });
  };

  it("a crun started at the exec's create runs it at the start; one never started ends; a restart in between gets a new one", async () => {
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'box'])).trim();
    const create = async (cmd: string[], env: string[] = []) => {
      const ex = await d.api('POST', '/v1.41/containers/box/exec', { Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
      assert.equal(ex.status, 201, ex.text);
      return ex.json().Id as string;
    };
    const parkedFor = async () => {
      return eventually(() => {
        const p = parkedCruns(id);
        return p.length === 1 ? p[0] : undefined;
      }, 5000, 'a crun waiting for its process');
    };
    // Started: that crun runs the process (it waits for it while it runs), nobody else.
    const used = await create(['sh', '-c', 'sleep 0.5; echo ran']);
    const crun = await parkedFor();
    const run = d.api('POST', `/v1.41/exec/${used}/start`, { Detach: false, Tty: false });
    await sleep(250);
    assert.ok(existsSync(`/proc/${crun}`) && readFileSync(`/proc/${crun}/cmdline`, 'utf8').includes(id), 'the parked crun runs the exec');
    assert.deepEqual(frames((await run).body), [[1, 'ran\n']]);
    assert.equal((await d.api('GET', `/v1.41/exec/${used}/json`)).json().ExitCode, 0);
    // Never started: ended a while later (2 s), with nothing left.
    const idle = await create(['true']);
    const waiting = await parkedFor();
    await eventually(() => !existsSync(`/proc/${waiting}`), 6000, 'the unused crun ended');
    // Started too late: a crun of its own then.
    const late = await d.api('POST', `/v1.41/exec/${idle}/start`, { Detach: false, Tty: false });
    assert.equal(late.status, 200);
    assert.equal((await d.api('GET', `/v1.41/exec/${idle}/json`)).json().ExitCode, 0);
    // A restart between create and start: the waiting crun knows the old init; a new one runs it.
    const across = await create(['sh', '-c', 'echo $$']);
    const old = await parkedFor();
    await d.dockerOk(['restart', '-t', '0', 'box']);
    const after = await d.api('POST', `/v1.41/exec/${across}/start`, { Detach: false, Tty: false });
    assert.equal(after.status, 200, after.text);
    assert.equal((await d.api('GET', `/v1.41/exec/${across}/json`)).json().ExitCode, 0, after.body.toString());
    await eventually(() => !existsSync(`/proc/${old}`), 5000, 'the old crun ended');
    // A process too long for the pipe (a big environment) still runs, as before.
    const big = 'x'.repeat(100_000);
    const long = await create(['sh', '-c', 'echo ${#BIG}'], [`BIG=${big}`]);
    await parkedFor();
    const out = await d.api('POST', `/v1.41/exec/${long}/start`, { Detach: false, Tty: false });
    assert.deepEqual(frames(out.body), [[1, '100000\n']]);
    // Started detached: conmon's path (the process outlives the request), and the waiting crun goes.
    const detached = await create(['sh', '-c', 'echo detached > /tmp/detached']);
    const unused = await parkedFor();
    assert.equal((await d.api('POST', `/v1.41/exec/${detached}/start`, { Detach: true, Tty: false })).status, 200);
    await eventually(() => !existsSync(`/proc/${unused}`), 5000, 'the crun the start did not use ended');
    await eventually(async () => (await d.docker(['exec', 'box', 'cat', '/tmp/detached'])).stdout === 'detached\n', 5000, 'the detached exec ran');
    // A client creating execs it does not start gets no more than 16 waiting cruns.
    const many = await Promise.all(Array.from({ length: 40 }, () => create(['echo', 'many'])));
    await sleep(500);
    const count = parkedCruns(id).length;
    assert.ok(count >= 1 && count <= 16, `${count} waiting cruns`);
    for (const m of many.slice(0, 3)) assert.deepEqual(frames((await d.api('POST', `/v1.41/exec/${m}/start`, { Detach: false, Tty: false })).body), [[1, 'many\n']]);
    await eventually(() => parkedCruns(id).length === 0, 6000, 'the unused cruns ended');
  });

  it("an inspect of a container exec'd into lately starts a spare crun, which the next exec's create takes", async () => {
    await d.dockerOk(['run', '-d', '--name', 'spare', 'busybox', 'sleep', '300']);
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'spare'])).trim();
    // No exec yet: an inspect is only an inspect.
    await sleep(300);
    assert.deepEqual(parkedCruns(id), []);
    assert.equal(await d.dockerOk(['exec', 'spare', 'echo', 'first']), 'first\n');
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    const pid = await eventually(() => parkedCruns(id)[0], 5000, 'a spare crun');
    // One per container, whatever the inspects.
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    await sleep(200);
    assert.deepEqual(parkedCruns(id), [pid]);
    // The create takes it (no second crun), and the start runs the exec in it.
    const ex = await d.api('POST', '/containers/spare/exec', { Cmd: ['sh', '-c', 'sleep 0.4; echo spare'], AttachStdout: true, AttachStderr: true });
    const exId = ex.json().Id as string;
    await sleep(200);
    assert.deepEqual(parkedCruns(id), [pid]);
    const run = d.api('POST', `/exec/${exId}/start`, { Detach: false, Tty: false });
    await sleep(200);
    assert.ok(existsSync(`/proc/${pid}`) && parkedCruns(id).length === 0, 'the spare crun runs the exec');
    assert.deepEqual(frames((await run).body), [[1, 'spare\n']]);
    // A restart after the inspect: that spare knows the old init, and the next inspect replaces it.
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    const stale = await eventually(() => parkedCruns(id)[0], 5000, 'a spare before the restart');
    await d.dockerOk(['restart', '-t', '0', 'spare']);
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    await eventually(() => !existsSync(`/proc/${stale}`), 5000, 'the stale spare ended');
    const fresh = await eventually(() => parkedCruns(id)[0], 5000, 'a spare for the new start');
    assert.equal(await d.dockerOk(['exec', 'spare', 'echo', 'after']), 'after\n');
    assert.ok(!existsSync(`/proc/${fresh}`) || !parkedCruns(id).includes(fresh), 'the exec took the new spare');
    await eventually(() => parkedCruns(id).length === 0, 5000, 'no spare left waiting');
    await d.dockerOk(['exec', 'spare', 'true']);
    // Unused, it ends (2 s); the container's removal ends one too.
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    const unused = await eventually(() => parkedCruns(id)[0], 5000, 'another spare crun');
    await eventually(() => !existsSync(`/proc/${unused}`), 6000, 'the unused spare ended');
    assert.equal((await d.api('GET', '/containers/spare/json')).status, 200);
    const last = await eventually(() => parkedCruns(id)[0], 5000, 'a last spare crun');
    await d.dockerOk(['rm', '-f', 'spare']);
    await eventually(() => !existsSync(`/proc/${last}`), 5000, "the removed container's spare ended");
  });

  it("a healthcheck's execs start no spare crun at an inspect", async () => {
    await d.dockerOk(['run', '-d', '--name', 'probed', '--health-cmd', 'true', '--health-interval', '1s', 'busybox', 'sleep', '300']);
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'probed'])).trim();
    await eventually(async () => (await d.dockerOk(['inspect', '-f', '{{.State.Health.Status}}', 'probed'])).trim() === 'healthy', 10_000, 'a probe');
    await d.dockerOk(['inspect', 'probed']);
    await sleep(300);
    assert.deepEqual(parkedCruns(id), []);
    await d.dockerOk(['rm', '-f', 'probed']);
  });

  it('a running exec has its PID; a client that goes away leaves it running to its end; nothing is left in the exec root', async () => {
    const ex = await d.api('POST', '/v1.41/containers/box/exec', { Cmd: ['sh', '-c', 'echo started; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done > /tmp/after'], AttachStdout: true, AttachStderr: true });
    const id = ex.json().Id as string;
    const sock = connect(d.socket);
    await new Promise((r) => sock.once('connect', r));
    const body = '{"Tty":false,"Detach":false}';
    sock.write(`POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    let got = '';
    sock.on('data', (b: Buffer) => (got += b.toString('latin1')));
    await eventually(() => got.includes('started'), 5000, 'output');
    // crun writes the PID file just after the process starts: output can come first (under
    // load, visibly), as with dockerd, whose Pid is 0 until containerd's start returns.
    const running = await eventually(async () => {
      const j = (await d.api('GET', `/v1.41/exec/${id}/json`)).json();
      return j.Pid > 0 ? j : undefined;
    }, 5000, 'the exec PID');
    assert.equal(running.Running, true);
    assert.match(await d.dockerOk(['top', 'box']), new RegExp(`^\\S+\\s+${running.Pid}\\s`, 'm'));
    assert.deepEqual(JSON.parse(await d.dockerOk(['inspect', '-f', '{{json .ExecIDs}}', 'box'])), [id]);
    sock.destroy();
    await d.dockerOk(['exec', 'box', 'touch', '/tmp/go']);
    await eventually(async () => (await d.docker(['exec', 'box', 'cat', '/tmp/after'])).stdout === 'done\n', 5000, 'exec ran to its end');
    const done = (await d.api('GET', `/v1.41/exec/${id}/json`)).json();
    assert.equal(done.Running, false);
    assert.equal(done.ExitCode, 0);
    await sleep(100);
    assert.deepEqual(readdirSync(path.join(d.execRoot, 'x')), []);
  });

});

describe('a daemon that stops while cruns wait for their exec\'s start', () => {
  it('ends them first: none is left, nor its exec root\'s mount', async () => {
    const d = await startDaemon('exec-stop');
    try {
      await d.dockerOk(['run', '-d', '--name', 'parkstop', 'busybox', 'sleep', '300']);
      const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'parkstop'])).trim();
      const waiting = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return args.includes('exec') && args.includes(id);
        } catch {
          return false;
        }
      });
      for (let i = 0; i < 3; i++) assert.equal((await d.api('POST', '/containers/parkstop/exec', { Cmd: ['true'], AttachStdout: true })).status, 201);
      await eventually(() => waiting().length === 3, 5000, 'three waiting cruns');
      // Stopped, not removed: its execs stay, and so do their cruns, until the daemon's stop.
      await d.dockerOk(['stop', '-t', '0', 'parkstop']);
      assert.equal(waiting().length, 3);
      await d.stopDaemon();
      assert.deepEqual(waiting(), []);
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${d.execRoot} `), 'the exec root is still mounted');
    } finally {
      assert.deepEqual(await d.stop(), []);
    }
  });
});
