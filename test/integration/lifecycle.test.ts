// Container lifecycle over the Engine API and the docker CLI: states, exit codes, stop/kill
// signals, restart, pause, rename, rm, wait, logs, exec and attach with stdin.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { request } from 'node:http';
import { eventually, sleep, startDaemon, DOCKER, type TestDaemon } from './harness.js';

describe('container lifecycle', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('lifecycle');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  const state = async (ref: string) => (await d.api('GET', `/containers/${ref}/json`)).json().State;

  it('create → start → exit moves through docker\'s states with the exit code', async () => {
    const c = await d.api('POST', '/containers/create?name=states', { Image: 'busybox', Cmd: ['sh', '-c', 'sleep 0.3; exit 42'] });
    assert.equal(c.status, 201, c.text);
    const id = c.json().Id as string;
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal((await state(id)).Status, 'created');
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    const s = await state('states');
    assert.equal(s.Status, 'running');
    assert.equal(s.Running, true);
    assert.ok(s.Pid > 0);
    const w = await d.api('POST', `/containers/${id.slice(0, 10)}/wait`);
    assert.deepEqual(w.json(), { StatusCode: 42, Error: null });
    const done = await state(id);
    assert.equal(done.Status, 'exited');
    assert.equal(done.ExitCode, 42);
    assert.equal(done.Pid, 0);
    assert.ok(Date.parse(done.FinishedAt) >= Date.parse(done.StartedAt));
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204, 'an exited container starts again');
    assert.equal((await d.api('POST', `/containers/${id}/wait`)).json().StatusCode, 42);
  });

  it('answers errors as docker does', async () => {
    const missing = await d.api('GET', '/containers/nope/json');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { message: 'No such container: nope' });
    const noImage = await d.api('POST', '/containers/create', { Image: 'nosuch:image' });
    assert.equal(noImage.status, 404);
    assert.match(noImage.json().message, /No such image: nosuch:image/);
    await d.api('POST', '/containers/create?name=dup', { Image: 'busybox' });
    const dup = await d.api('POST', '/containers/create?name=dup', { Image: 'busybox' });
    assert.equal(dup.status, 409);
    assert.match(dup.json().message, /The container name "\/dup" is already in use/);
    const badName = await d.api('POST', '/containers/create?name=b%20ad', { Image: 'busybox' });
    assert.equal(badName.status, 400);
    const cli = await d.docker(['rm', 'nope']);
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr.trim(), 'Error response from daemon: No such container: nope');
    const run = await d.docker(['run', '--rm', 'busybox', 'no-such-binary']);
    assert.equal(run.code, 127);
    assert.match(run.stderr, /executable file not found/);
    const noRun = await d.docker(['run', '--rm', 'busybox', '/etc/passwd']);
    assert.equal(noRun.code, 126);
    // A directory as the command: crun says "Operation not permitted", the CLI still exits 126.
    const dir = await d.docker(['run', '--rm', 'busybox', '/etc']);
    assert.equal(dir.code, 126, dir.stderr);
    // As dockerd, such a start is the caller's error (400), and the container records the code.
    for (const [cmd, code] of [['no-such-binary', 127], ['/etc/passwd', 126], ['/etc', 126]] as const) {
      const c = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: [cmd] });
      const start = await d.api('POST', `/containers/${c.json().Id}/start`);
      assert.equal(start.status, 400, `${cmd}: ${start.text}`);
      assert.equal((await d.api('GET', `/containers/${c.json().Id}/json`)).json().State.ExitCode, code, cmd);
      await d.api('DELETE', `/containers/${c.json().Id}`);
    }
    // A file bound onto a directory: dockerd's hint, 127, and a 400.
    const onto = await d.docker(['run', '--rm', '-v', '/etc/hostname:/etc', 'busybox', 'true']);
    assert.equal(onto.code, 125);
    assert.match(onto.stderr, /Not a directory: .*Are you trying to mount a directory onto a file \(or vice-versa\)\?/i);
    // A working directory that is a file: dockerd's message, no host path in it.
    const wd = await d.docker(['run', '--rm', '-w', '/etc/passwd', 'busybox', 'true']);
    assert.equal(wd.code, 125);
    assert.match(wd.stderr, /Error response from daemon: Cannot mkdir: \/etc\/passwd is not a directory/);
    await d.docker(['rm', 'dup']);
  });

  it('a signal is checked as dockerd checks it: an unknown one is a 400 for kill, stop and --stop-signal; kill\'s event names the number', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'trap "echo got usr1" USR1; trap "exit 3" TERM; while true; do sleep 0.1; done'])).trim();
    await sleep(300);
    for (const args of [['kill', '-s', 'SIGFOO', id], ['stop', '-s', 'BOGUS', id], ['kill', '-s', '0', id]]) {
      const r = await d.docker(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /Error response from daemon: Invalid signal: (SIGFOO|BOGUS|0)/, args.join(' '));
    }
    assert.equal((await state(id)).Status, 'running');
    const create = await d.docker(['create', '--stop-signal', 'SIGFOO', 'busybox']);
    assert.equal(create.code, 1);
    assert.match(create.stderr, /Error response from daemon: Invalid signal: SIGFOO/);
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.dockerOk(['kill', '-s', 'usr1', id]);
    await eventually(async () => (await d.dockerOk(['logs', id])).includes('got usr1'), 5000, 'USR1 handled');
    const events = await d.dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--filter', 'event=kill', '--format', '{{.Actor.Attributes.signal}}']);
    assert.equal(events.trim(), '10');
    await d.dockerOk(['stop', '-s', 'term', id]);
    assert.equal((await state(id)).ExitCode, 3);
    await d.dockerOk(['rm', id]);
  });

  it('stop sends SIGTERM, then SIGKILL after the timeout', async () => {
    // A process that traps TERM exits 0; one that ignores it is killed (137) after -t.
    await d.docker(['run', '-d', '--name', 'polite', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']);
    await d.docker(['run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    await sleep(300);
    const t0 = Date.now();
    assert.equal((await d.docker(['stop', '-t', '1', 'polite'])).code, 0);
    assert.ok(Date.now() - t0 < 1000, 'a process that handles TERM stops at once');
    assert.equal((await state('polite')).ExitCode, 0);
    const t1 = Date.now();
    assert.equal((await d.docker(['stop', '-t', '1', 'stubborn'])).code, 0);
    assert.ok(Date.now() - t1 >= 900, 'SIGKILL only after the timeout');
    assert.equal((await state('stubborn')).ExitCode, 137);
    const again = await d.api('POST', '/containers/stubborn/stop');
    assert.equal(again.status, 304);
    await d.docker(['rm', 'polite', 'stubborn']);
  });

  it('kill -s delivers the signal; kill of a stopped container is a conflict', async () => {
    await d.docker(['run', '-d', '--name', 'sig', 'busybox', 'sh', '-c', 'trap "echo got-usr1; exit 3" USR1; while true; do sleep 0.1; done']);
    await sleep(300);
    assert.equal((await d.docker(['kill', '-s', 'USR1', 'sig'])).code, 0);
    assert.equal((await d.docker(['wait', 'sig'])).stdout.trim(), '3');
    assert.match((await d.docker(['logs', 'sig'])).stdout, /got-usr1/);
    const k = await d.docker(['kill', 'sig']);
    assert.equal(k.code, 1);
    assert.match(k.stderr, /is not running/);
    await d.docker(['rm', 'sig']);
  });

  it('pause freezes, unpause thaws, restart gives a new process', async () => {
    await d.docker(['run', '-d', '--name', 'pz', 'busybox', 'sh', '-c', 'while true; do date +%s%N >> /tmp/t; sleep 0.05; done']);
    await sleep(200);
    assert.equal((await d.docker(['pause', 'pz'])).code, 0);
    assert.equal((await state('pz')).Status, 'paused');
    assert.match((await d.docker(['ps', '--format', '{{.Status}}', '--filter', 'name=pz'])).stdout, /\(Paused\)/);
    const execPaused = await d.docker(['exec', 'pz', 'true']);
    assert.notEqual(execPaused.code, 0);
    assert.match(execPaused.stderr, /paused/);
    assert.equal((await d.docker(['unpause', 'pz'])).code, 0);
    const lines1 = Number((await d.docker(['exec', 'pz', 'sh', '-c', 'wc -l < /tmp/t'])).stdout.trim());
    await sleep(300);
    const lines2 = Number((await d.docker(['exec', 'pz', 'sh', '-c', 'wc -l < /tmp/t'])).stdout.trim());
    assert.ok(lines2 > lines1, 'running again after unpause');
    const pid1 = (await state('pz')).Pid;
    assert.equal((await d.docker(['restart', '-t', '0', 'pz'])).code, 0);
    const s = await state('pz');
    assert.equal(s.Status, 'running');
    assert.notEqual(s.Pid, pid1);
    await d.docker(['rm', '-f', 'pz']);
  });

  it('rename, rm of a running container (refused without -f), ID prefixes', async () => {
    const r = await d.docker(['run', '-d', '--name', 'old-name', 'busybox', 'sleep', '60']);
    const id = r.stdout.trim();
    assert.equal((await d.docker(['rename', 'old-name', 'new-name'])).code, 0);
    assert.equal((await d.docker(['inspect', '-f', '{{.Name}}', id.slice(0, 6)])).stdout.trim(), '/new-name');
    const refused = await d.docker(['rm', 'new-name']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /stop the container before removing or force remove/);
    assert.equal((await d.docker(['rm', '-f', id.slice(0, 8)])).code, 0);
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
  });

  it('run --rm removes the container; wait condition=removed reports its code', async () => {
    const r = await d.docker(['run', '--rm', '--name', 'gone', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal((await d.api('GET', '/containers/gone/json')).status, 404);
  });

  it('a start reads the user from the container\'s own passwd once it changed it; other containers of the image still see the image\'s', async () => {
    // The user lookup is remembered per image (the files' inodes and times say when to read again).
    const script = 'echo $HOME; sed -i "s#:/root:#:/elsewhere:#" /etc/passwd';
    assert.equal(await d.dockerOk(['run', '--name', 'own-passwd', '-u', 'root', 'busybox', 'sh', '-c', script]), '/root\n');
    assert.equal(await d.dockerOk(['start', '-a', 'own-passwd']), '/elsewhere\n');
    assert.equal(await d.dockerOk(['run', '--rm', '-u', 'root', 'busybox', 'sh', '-c', 'echo $HOME']), '/root\n');
    await d.dockerOk(['rm', 'own-passwd']);
  });

  it('an exit whose cleanup fails is still heard; an rm that fails leaves the container Dead, and the next rm works', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '600'])).trim();
    // Something mounted in the container's bundle: the cleanup after its exit cannot delete it.
    const obstacle = path.join(d.execRoot, 'c', id, 'obstacle');
    mkdirSync(obstacle);
    execFileSync('mount', ['-t', 'tmpfs', 'obstacle', obstacle]);
    try {
      // Waiting before the exit: a wait made after it is answered from the record alone.
      const waited = d.api('POST', `/containers/${id}/wait`);
      await sleep(200);
      await d.dockerOk(['kill', id]);
      const w = await Promise.race([waited, sleep(15_000).then(() => undefined)]);
      assert.ok(w, 'the wait was never answered');
      assert.equal(w.json().StatusCode, 137);
      assert.equal((await state(id)).Status, 'exited');
      // An rm that cannot finish leaves the container Dead (as dockerd), not "Removal In Progress".
      const rm = await d.docker(['rm', id]);
      assert.notEqual(rm.code, 0);
      assert.match(rm.stderr, /unable to remove filesystem for [0-9a-f]{64}: /);
      assert.equal((await state(id)).Status, 'dead');
      assert.equal((await d.dockerOk(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).trim(), 'Dead');
    } finally {
      execFileSync('umount', [obstacle]);
    }
    await d.dockerOk(['rm', id]);
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
  });

  it('ps filters and formats as docker does', async () => {
    await d.docker(['run', '-d', '--name', 'ps-a', '-l', 'tier=web', 'busybox', 'sleep', '60']);
    await d.docker(['create', '--name', 'ps-b', '-l', 'tier=db', 'busybox']);
    const running = await d.docker(['ps', '--format', '{{.Names}}']);
    assert.ok(running.stdout.split('\n').includes('ps-a'));
    assert.ok(!running.stdout.split('\n').includes('ps-b'));
    const all = await d.docker(['ps', '-a', '--filter', 'label=tier', '--format', '{{.Names}} {{.State}} {{.Label "tier"}}']);
    assert.deepEqual(all.stdout.trim().split('\n').sort(), ['ps-a running web', 'ps-b created db']);
    const q = await d.docker(['ps', '-aq', '--filter', 'status=created']);
    assert.match(q.stdout, /^[0-9a-f]{12}$/m);
    const nt = await d.docker(['ps', '--no-trunc', '--filter', 'name=ps-a', '--format', '{{.ID}} {{.Command}}']);
    assert.match(nt.stdout.trim(), /^[0-9a-f]{64} "sleep 60"$/);
    const table = await d.docker(['ps', '--filter', 'name=ps-a']);
    assert.match(table.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/m);
    assert.match(table.stdout, /Up (Less than a second|\d+ seconds?)\s+ps-a/);
    const json = await d.docker(['inspect', '--format', '{{json .Config.Labels}}', 'ps-a']);
    assert.equal(json.stdout.trim(), '{"tier":"web"}');
    await d.docker(['rm', '-f', 'ps-a', 'ps-b']);
  });

  it('logs: --tail, -t, --since and -f', async () => {
    await d.docker(['run', '-d', '--name', 'lg', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; done; echo oops >&2; sleep 1; echo late']);
    await eventually(async () => (await d.docker(['logs', 'lg'])).stdout.includes('line3'), 5000, 'first lines');
    // As docker's: the last N records across both streams.
    const tail = await d.docker(['logs', '--tail', '2', 'lg']);
    assert.equal(tail.stdout, 'line3\n');
    assert.equal(tail.stderr, 'oops\n');
    const ts = await d.docker(['logs', '-t', 'lg']);
    assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line1$/m);
    const future = await d.docker(['logs', '--since', String(Math.floor(Date.now() / 1000) + 3600), 'lg']);
    assert.equal(future.stdout, '');
    const follow = await d.docker(['logs', '-f', 'lg']);
    assert.equal(follow.code, 0);
    assert.equal(follow.stdout, 'line1\nline2\nline3\nlate\n', 'follow ends when the container exits');
    await d.docker(['rm', 'lg']);
  });

  it('exec: exit code, env, workdir, user, stdin, detached', async () => {
    await d.docker(['run', '-d', '--name', 'ex', '-e', 'FROM_RUN=1', 'busybox', 'sleep', '60']);
    const code = await d.docker(['exec', 'ex', 'sh', '-c', 'exit 9']);
    assert.equal(code.code, 9);
    const env = await d.docker(['exec', '-e', 'X=2', '-w', '/tmp', '-u', 'nobody', 'ex', 'sh', '-c', 'echo $FROM_RUN $X $(pwd) $(id -u)']);
    assert.equal(env.stdout.trim(), '1 2 /tmp 65534');
    const stdin = await d.docker(['exec', '-i', 'ex', 'sh', '-c', 'tr a-z A-Z'], 'piped input\n');
    assert.equal(stdin.stdout, 'PIPED INPUT\n');
    assert.equal((await d.docker(['exec', '-d', 'ex', 'sh', '-c', 'echo detached > /tmp/d'])).code, 0);
    await eventually(async () => (await d.docker(['exec', 'ex', 'cat', '/tmp/d'])).stdout === 'detached\n', 5000, 'detached exec');
    const missing = await d.docker(['exec', 'ex', 'nope']);
    assert.equal(missing.code, 127);
    assert.equal((await d.docker(['exec', 'ex', '/bin/nope'])).code, 127);
    // A working directory that does not exist: 126 as dockerd's (the command itself was found),
    // with a terminal (under conmon) too.
    assert.equal((await d.docker(['exec', '-w', '/nonexist', 'ex', 'pwd'])).code, 126);
    assert.equal((await d.docker(['exec', '-t', '-w', '/nonexist', 'ex', 'pwd'])).code, 126);
    const top = await d.docker(['top', 'ex']);
    assert.match(top.stdout, /^UID\s+PID\s+PPID/);
    assert.match(top.stdout, /sleep 60/);
    // ps options that do not parse are the caller's error, in ps's first line (found by the API fuzz test).
    const badArgs = await d.api('GET', '/containers/ex/top?ps_args=1e400');
    assert.equal(badArgs.status, 400);
    assert.equal(badArgs.json().message, 'ps: error: process ID list syntax error');
    await d.docker(['rm', '-f', 'ex']);
  });

  it('run -i pipes stdin and closes it at EOF; attach -i reaches a running container', async () => {
    const r = await d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo eof-seen'], 'a\nb\n');
    assert.equal(r.stdout, 'a\nb\neof-seen\n');
    // StdinOnce is false for `run -d -i`, so the container's stdin stays open after the
    // attach's stdin ends (as in docker): the script reads exactly two lines.
    await d.docker(['run', '-d', '-i', '--name', 'att', 'busybox', 'sh', '-c', 'read a; echo "got $a"; read b; echo "got $b"; echo bye']);
    const attach = await d.docker(['attach', 'att'], 'one\ntwo\n');
    assert.equal(attach.stdout, 'got one\ngot two\nbye\n');
    assert.equal((await state('att')).Status, 'exited');
    await d.docker(['rm', 'att']);
  });

  it('run -it gives a terminal; attach to a running -it shell works', async () => {
    // `script` gives the docker CLI a real terminal, as a user's shell would.
    const out = await runInPty(`${DOCKER} run --rm -it busybox sh -c 'tty; stty size'`, d.host, '');
    assert.match(out, /\/dev\/pts\/0/);
    await d.docker(['run', '-dit', '--name', 'shell', 'busybox', 'sh']);
    const attached = await runInPty(`${DOCKER} attach shell`, d.host, 'echo hello-from-$((6*7))\rexit\r');
    assert.match(attached, /hello-from-42/);
    await eventually(async () => (await state('shell')).Status === 'exited', 5000, 'shell exit');
    await d.docker(['rm', 'shell']);
  });

  it('exec -it and run -it start with the client\'s terminal size; resize reaches the tty', async () => {
    await d.docker(['run', '-dit', '--name', 'sized', 'busybox', 'sh']);
    // crun 1.8.1 sets an exec's terminal size from its parent while its child already execs the
    // process (README, "Differences from Docker"): a process that reads the size at once can see
    // 0 0 (up to half the runs here). The size must be there a moment later.
    const ex = await runInPty(`stty rows 40 cols 120; ${DOCKER} exec -it sized sh -c 'tty; sleep 0.3; stty size'`, d.host, '', 'stay');
    assert.match(ex, /\/dev\/pts\/\d+/);
    assert.match(ex, /^40 120\r?$/m);
    const run = await runInPty(`stty rows 30 cols 90; ${DOCKER} run --rm -it busybox stty size`, d.host, '', 'stay');
    assert.match(run, /^30 90\r?$/m);
    assert.equal((await d.api('POST', '/containers/sized/resize?h=33&w=101')).status, 200);
    assert.equal((await d.docker(['exec', 'sized', 'stty', 'size', '-F', '/dev/console'])).stdout.trim(), '33 101');
    await d.docker(['rm', '-f', 'sized']);
  });

  it('runs under runc when asked per container, and names look like docker\'s', async () => {
    const r = await d.docker(['run', '-d', '--runtime', 'runc', 'busybox', 'sh', '-c', 'echo via-runc; sleep 30']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.Runtime}}', id])).stdout.trim(), 'runc');
    assert.match((await d.docker(['inspect', '-f', '{{.Name}}', id])).stdout.trim(), /^\/[a-z]+_[a-z]+\d?$/);
    await eventually(async () => (await d.docker(['logs', id])).stdout === 'via-runc\n', 5000, 'runc container output');
    assert.equal((await d.docker(['stop', '-t', '0', id])).code, 0);
    assert.equal((await d.docker(['rm', id])).code, 0);
    const bad = await d.docker(['run', '--rm', '--runtime', 'nope', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /unknown or invalid runtime name: nope/);
  });

  it('a second attach and a hijacked start honour the raw stream format', async () => {
    const c = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'echo hi; echo there >&2'], AttachStdout: true, AttachStderr: true });
    const id = c.json().Id as string;
    const { upgraded, ended } = hijackAttach(d.socket, id);
    await upgraded; // as the docker CLI does: start only once the attach is in place
    await d.api('POST', `/containers/${id}/start`);
    const buf = await ended;
    // stdcopy: [stream,0,0,0,len(4)] payload
    const parsed: Array<[number, string]> = [];
    for (let o = 0; o < buf.length;) {
      const len = buf.readUInt32BE(o + 4);
      parsed.push([buf[o]!, buf.subarray(o + 8, o + 8 + len).toString()]);
      o += 8 + len;
    }
    assert.deepEqual(parsed.sort(), [[1, 'hi\n'], [2, 'there\n']]);
    await d.api('DELETE', `/containers/${id}`);
  });
});

/** Runs a command under `script` so it gets a pseudo-terminal; returns what it printed. */
function runInPty(cmd: string, host: string, input: string, stdin: 'close' | 'stay' = 'close'): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, DOCKER_HOST: host, TERM: 'xterm' } });
    // `script` sends a NUL to the terminal when its own stdin ends; keep it open when no input is typed.
    if (stdin === 'stay') {
      const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('close', () => {
        clearTimeout(t);
        p.stdin.destroy();
        resolve(out);
      });
      return;
    }
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    setTimeout(() => {
      for (const [i, line] of input.split('\r').filter(Boolean).entries()) setTimeout(() => p.stdin.write(line + '\r'), 300 * (i + 1));
    }, 500);
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

/** A raw hijacked attach (Upgrade: tcp); `ended` resolves with the stream's bytes. */
function hijackAttach(socketPath: string, id: string): { upgraded: Promise<void>; ended: Promise<Buffer> } {
  let upgraded!: () => void;
  const up = new Promise<void>((r) => (upgraded = r));
  const ended = new Promise<Buffer>((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path: `/v1.50/containers/${id}/attach?stream=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('upgrade', (res, socket, head) => {
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
      upgraded();
      const chunks: Buffer[] = [head];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end();
  });
  return { upgraded: up, ended };
}
