// Docker parity found by real clients (docker-py's integration suite and the docker CLI): the
// swarm routes' 503, kill that waits, the restarting state, update, links (variables, DNS
// aliases, rm --link), network names and IPAM details, exec tty and detach keys, commit of an
// exiting container, load errors in the stream, prune's reclaimed space, diff, stats, port
// checks at create, and limits the host cannot enforce. Each through the client that found it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { hostname, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { eventually, sleep, startDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon('parity');
});

after(async () => {
  const leaks = await d.stop();
  assert.deepEqual(leaks, []);
});

const inspect = async (ref: string) => JSON.parse(await d.dockerOk(['inspect', ref]))[0];

/** A GET whose client reads nothing yet: the answer stops at the socket's buffers. */
async function stalledGet(urlPath: string): Promise<IncomingMessage> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ socketPath: d.socket, path: urlPath }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.pause();
  return res;
}

/** Reads the rest of a stalled answer: how many bytes came, and whether it was complete. */
function readRest(res: IncomingMessage): Promise<{ got: number; complete: boolean }> {
  let got = 0;
  return new Promise((resolve) => {
    res.on('data', (c: Buffer) => (got += c.length));
    res.on('error', () => undefined);
    res.on('close', () => resolve({ got, complete: res.complete }));
    res.resume();
  });
}

describe('API parity (docker-py)', () => {
  it('swarm, service, node, secret and config routes answer 503 as a dockerd outside a swarm', async () => {
    const leave = await d.api('POST', '/v1.41/swarm/leave?force=1');
    assert.equal(leave.status, 503);
    assert.equal(leave.json().message, 'This node is not part of a swarm');
    for (const p of ['/swarm', '/services', '/nodes', '/secrets', '/configs', '/tasks']) {
      const r = await d.api('GET', `/v1.41${p}`);
      assert.equal(r.status, 503, p);
      assert.match(r.json().message, /not a swarm manager/);
    }
    const r = await d.docker(['service', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not a swarm manager/);
  });

  it('_ping answers with a length (0 for HEAD) and the swarm state, as dockerd; Node\'s client keeps the connection after a HEAD', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const send = (method: string, urlPath: string) => new Promise<{ res: IncomingMessage; reused: boolean; body: string }>((resolve, reject) => {
        const req = request({ socketPath: d.socket, agent, method, path: urlPath }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ res, reused: req.reusedSocket, body }));
        });
        req.on('error', reject);
        req.end();
      });
      const head = await send('HEAD', '/_ping');
      assert.equal(head.res.headers['content-length'], '0');
      assert.equal(head.res.headers.swarm, 'inactive');
      // dockerode and the berth CLI ping first: a connection dropped after it costs a new one.
      const next = await send('GET', '/v1.41/_ping');
      assert.equal(next.reused, true, 'the connection of the HEAD /_ping was not kept');
      assert.equal(next.body, 'OK');
      assert.equal(next.res.headers['content-length'], '2');
      assert.equal(next.res.headers['transfer-encoding'], undefined);
    } finally {
      agent.destroy();
    }
  });

  it('a start racing an rm -f of the same container answers 404 or 409, never 500 (found by the fault campaign)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'] })).json().Id as string;
      await d.api('POST', `/containers/${id}/start`);
      await d.api('POST', `/containers/${id}/wait`);
      // The rm first, the start 0 to 81 ms later: it finds the files going, or gone. (Up to
      // 9 ms only, a slow machine's removals were all still going: no 404 in 40 rounds.)
      const rm = d.api('DELETE', `/containers/${id}?force=1`);
      await sleep((i % 10) ** 2);
      const start = await d.api('POST', `/containers/${id}/start`);
      assert.equal((await rm).status, 204);
      statuses.push(start.status);
      assert.ok([204, 404, 409].includes(start.status), `start answered ${start.status}: ${start.text}`);
      if (start.status === 204) await d.api('DELETE', `/containers/${id}?force=1`);
    }
    assert.ok(statuses.includes(404), statuses.join(' '));
  });

  it('once an rm -f has begun, a start, cp, update, top or exec of the container is refused (409) or finds it gone (404), never a 500', async () => {
    const statuses: number[] = [];
    const ops = ['cp', 'start', 'update', 'top', 'exec'] as const;
    for (let i = 0; i < 50; i++) {
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } })).json().Id as string;
      await d.api('POST', `/containers/${id}/start`);
      const exec = (await d.api('POST', `/containers/${id}/exec`, { Cmd: ['true'] })).json().Id as string;
      // The rm kills and waits for the exit it caused; the start or cp comes in meanwhile (the
      // fault campaign saw both answer 500: the start mounted what the removal was deleting).
      const rm = d.api('DELETE', `/containers/${id}?force=1`);
      await sleep(Math.floor(i / ops.length) % 6);
      const op = ops[i % ops.length]!;
      // (top and a detached exec answered 500: crun ps died of SIGSEGV, crun exec found no state.)
      const other = op === 'start' ? await d.api('POST', `/containers/${id}/start`)
        : op === 'cp' ? await d.api('GET', `/containers/${id}/archive?path=/etc/hostname`)
        : op === 'update' ? await d.api('POST', `/containers/${id}/update`, { CpuShares: 512 })
        : op === 'top' ? await d.api('GET', `/containers/${id}/top`)
        : await d.api('POST', `/exec/${exec}/start`, { Detach: true });
      assert.equal((await rm).status, 204);
      statuses.push(other.status);
      assert.ok([200, 304, 404, 409].includes(other.status), `${op} answered ${other.status}: ${other.text}`);
      if (other.status === 409) assert.match(other.json<{ message: string }>().message, /marked for removal|is not running/);
      assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
    }
    assert.ok(statuses.some((s) => s === 409 || s === 404), statuses.join(' '));
  });

  it('top and exec of a container whose process is ending answer 200 or 409, never a 500', async () => {
    // Its exit not recorded yet, the container is still "running" while crun ps dies of SIGSEGV
    // and crun exec cannot join its namespaces: both answered 500.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Lifetimes of 50 to 250 ms against a wait of 30 to 65: some still run on a loaded machine
      // (with 50 ms for all, a full suite beside it once saw only exited ones), most end around it.
      const life = i % 10 === 9 ? '0.25' : '0.05';
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', life], HostConfig: { NetworkMode: 'none' } })).json().Id as string;
      await d.api('POST', `/containers/${id}/start`);
      await sleep(30 + (Math.floor(i / 2) % 8) * 5);
      let r;
      if (i % 2) r = await d.api('GET', `/containers/${id}/top`);
      else {
        r = await d.api('POST', `/containers/${id}/exec`, { Cmd: ['true'] });
        if (r.status === 201) r = await d.api('POST', `/exec/${r.json<{ Id: string }>().Id}/start`, { Detach: true });
      }
      statuses.push(r.status);
      assert.ok([200, 409].includes(r.status), `${i % 2 ? 'top' : 'exec'} answered ${r.status}: ${r.text}`);
      await d.api('DELETE', `/containers/${id}?force=1`);
    }
    assert.ok(statuses.includes(409) && statuses.includes(200), statuses.join(' '));
  });

  it('an exec start racing a pause answers 409 "is paused" or runs, never a 500, and never waits for an unpause (found by racing them)', async (t) => {
    const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } })).json().Id as string;
    await d.api('POST', `/containers/${id}/start`);
    const statuses: Array<number | string> = [];
    // A failure leaves no frozen container behind (it would outlive the test daemon).
    t.after(async () => {
      await d.api('POST', `/containers/${id}/unpause`);
      await d.api('DELETE', `/containers/${id}?force=1`);
    });
    for (let i = 0; i < 24; i++) {
      const ex = (await d.api('POST', `/containers/${id}/exec`, { Cmd: ['true'] })).json<{ Id: string }>().Id;
      // One round in four: the pause just before the start (the start passed its "paused?"
      // check, then the pause froze the container under crun exec: a 500). The others: the pause
      // 2-13 ms after the start, while crun exec makes the process: its process froze half made
      // and the start waited for an unpause that never came (17 in 60 before).
      const pauseFirst = i % 4 === 0;
      const start = sleep(pauseFirst ? i % 3 : 0).then(() => d.api('POST', `/exec/${ex}/start`, { Detach: true }));
      const pause = await sleep(pauseFirst ? 0 : 2 + (i % 12)).then(() => d.api('POST', `/containers/${id}/pause`));
      const answer = await Promise.race([start, sleep(5000).then(() => undefined)]);
      statuses.push(answer?.status ?? 'no answer within 5 s of the pause');
      await d.api('POST', `/containers/${id}/unpause`);
      const late = await start;
      assert.ok([200, 409].includes(late.status), `exec start answered ${late.status}: ${late.text}`);
      if (late.status === 409) assert.match(late.json<{ message: string }>().message, /is paused, unpause the container before exec/);
      assert.equal(pause.status, 204, pause.text);
    }
    assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 409), []);
    assert.ok(statuses.includes(409), statuses.join(' '));
    await d.api('DELETE', `/containers/${id}?force=1`);
  });

  it('a network rm racing a start on the network: refused while the start plugs in (409), or the start finds it gone (404), never a 500', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 16; i++) {
      const net = `raced-rm-${i}`;
      assert.equal((await d.api('POST', '/networks/create', { Name: net })).status, 201);
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: net } })).json().Id as string;
      // The rm took the bridge down while the start was making the container's veth on it: 500.
      const [start, rm] = await Promise.all([d.api('POST', `/containers/${id}/start`), sleep(i % 8).then(() => d.api('DELETE', `/networks/${net}`))]);
      answers.push(`${start.status}/${rm.status}`);
      assert.ok(start.status < 500 && rm.status < 500, `start ${start.status} ${start.text} | rm ${rm.status} ${rm.text}`);
      if (rm.status === 409) assert.match(rm.json<{ message: string }>().message, /has active endpoints/);
      if (start.status === 204) {
        assert.equal(rm.status, 409);
        assert.equal((await d.api('GET', `/containers/${id}/json`)).json<{ State: { Running: boolean } }>().State.Running, true);
      }
      await d.api('DELETE', `/containers/${id}?force=1`);
      await d.api('DELETE', `/networks/${net}`);
    }
    assert.ok(answers.includes('204/409'), answers.join(' '));
    // The same for a connect of a running container.
    const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
    await d.api('POST', `/containers/${id}/start`);
    for (let i = 0; i < 12; i++) {
      const net = `raced-connect-${i}`;
      await d.api('POST', '/networks/create', { Name: net });
      const [connect, rm] = await Promise.all([d.api('POST', `/networks/${net}/connect`, { Container: id }), sleep(i % 6).then(() => d.api('DELETE', `/networks/${net}`))]);
      assert.ok(connect.status < 500 && rm.status < 500, `connect ${connect.status} ${connect.text} | rm ${rm.status} ${rm.text}`);
      await d.api('POST', `/networks/${net}/disconnect`, { Container: id, Force: true });
      await d.api('DELETE', `/networks/${net}`);
    }
    await d.api('DELETE', `/containers/${id}?force=1`);
  });

  it('a cp from a --rm container as it exits answers 200, 404 or 409, never a 500 (found by the fault campaign)', async () => {
    // Its layer is mounted volatile for the run; overlayfs refuses to mount it again, and a cp
    // between the exit and the removal tried to (500 "Invalid argument").
    const seen = new Map<number, number>();
    const unexpected: string[] = [];
    for (let round = 0; round < 10; round++) {
      const id = (await d.dockerOk(['run', '-d', '--rm', 'busybox', 'sleep', '60'])).trim();
      let gone = false;
      const copier = async () => {
        while (!gone) {
          const r = await d.api('GET', `/containers/${id}/archive?path=/etc/hostname`);
          seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
          if (![200, 404, 409].includes(r.status)) unexpected.push(`${r.status} ${r.text}`);
          if (r.status === 404) gone = true;
        }
      };
      const copiers = [copier(), copier(), copier(), copier()];
      await sleep(50);
      await d.api('POST', `/containers/${id}/kill`);
      await Promise.all(copiers);
    }
    assert.deepEqual(unexpected, []);
    assert.ok((seen.get(200) ?? 0) > 0, JSON.stringify([...seen]));
  });

  it('a start joining the namespaces of a container an rm -f is removing: 409 or 404, never a 500 (found by racing them)', async () => {
    for (let i = 0; i < 8; i++) {
      const donor = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'] })).json().Id as string;
      await d.api('POST', `/containers/${donor}/start`);
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: `container:${donor}` } })).json().Id as string;
      // The runtime found no /proc/PID/ns/net of the donor: 500 before.
      const [start, rm] = await Promise.all([d.api('POST', `/containers/${id}/start`), sleep(i % 4).then(() => d.api('DELETE', `/containers/${donor}?force=1`))]);
      assert.ok([204, 404, 409].includes(start.status), `start answered ${start.status}: ${start.text}`);
      assert.equal(rm.status, 204, rm.text);
      await d.api('DELETE', `/containers/${id}?force=1`);
    }
  });

  it('an export or cp whose client stalls does not hold up an rm -f: it is cut off, nothing is left mounted', async () => {
    // A stopped container's export (its rootfs mounted for it), and a running container's cp
    // (the container frozen while it streams).
    for (const running of [false, true]) {
      const script = `dd if=/dev/zero of=/big bs=1M count=32${running ? ' && touch /done && exec sleep 300' : ''}`;
      const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', script])).trim();
      if (running) await eventually(async () => (await d.docker(['exec', id, 'test', '-f', '/done'])).code === 0);
      else await d.dockerOk(['wait', id]);
      const res = await stalledGet(running ? `/containers/${id}/archive?path=/big` : `/containers/${id}/export`);
      await sleep(300);
      const t0 = Date.now();
      const rm = await d.api('DELETE', `/containers/${id}?force=1`);
      assert.equal(rm.status, 204, rm.text);
      assert.ok(Date.now() - t0 < 5000, `rm -f took ${Date.now() - t0} ms`);
      // Read now: what was sent ends short of the 32 MiB file, the connection closed under it.
      const { got, complete } = await readRest(res);
      assert.equal(complete, false);
      assert.ok(got < 32 << 20, `${got} bytes`);
      const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(id));
      await eventually(() => mounted().length === 0, 10_000, `no mount of ${id}: ${mounted().join('; ')}`);
    }
  });

  it('kill and stop of a container a stalled cp holds frozen end the copy first and take effect at once', async () => {
    for (const how of ['kill', 'stop']) {
      const script = 'mkdir /d; for i in $(seq 40); do dd if=/dev/zero of=/d/f$i bs=1M count=1 2>/dev/null; done; touch /done; exec sleep 300';
      const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', script])).trim();
      await eventually(async () => (await d.docker(['exec', id, 'test', '-f', '/done'])).code === 0);
      // A tar of many files: the container stays frozen while the client does not read.
      const res = await stalledGet(`/containers/${id}/archive?path=/d`);
      await sleep(300);
      const t0 = Date.now();
      // Without the cut-off a frozen process could not die: kill waited out its 10 s.
      await d.dockerOk(how === 'kill' ? ['kill', id] : ['stop', '-t', '1', id]);
      assert.ok(Date.now() - t0 < 5000, `${how} took ${Date.now() - t0} ms`);
      assert.equal((await inspect(id)).State.Status, 'exited');
      const { got, complete } = await readRest(res);
      assert.equal(complete, false);
      assert.ok(got < 40 << 20, `${got} bytes`);
      await d.dockerOk(['rm', id]);
    }
  });

  it('an exec while a stalled cp holds the container frozen runs once the copy ends (it failed with "is paused")', async () => {
    const script = 'mkdir /d; for i in $(seq 40); do dd if=/dev/zero of=/d/f$i bs=1M count=1 2>/dev/null; done; touch /done; exec sleep 300';
    const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', script])).trim();
    try {
      await eventually(async () => (await d.docker(['exec', id, 'test', '-f', '/done'])).code === 0);
      const freezer = readFileSync(`/proc/${(await inspect(id)).State.Pid}/cgroup`, 'utf8').match(/^\d+:freezer:(.*)$/m)![1];
      const state = () => readFileSync(`/sys/fs/cgroup/freezer${freezer}/freezer.state`, 'utf8').trim();
      const res = await stalledGet(`/containers/${id}/archive?path=/d`);
      await eventually(() => state() === 'FROZEN', 5000, 'frozen by the copy');
      // Both forms: without a terminal (crun exec in the foreground) and detached (under conmon).
      const attached = d.docker(['exec', id, 'echo', 'after the copy']);
      const detached = d.docker(['exec', '-d', id, 'touch', '/detached']);
      let settled = false;
      void Promise.all([attached, detached]).then(() => (settled = true));
      await sleep(500);
      assert.equal(settled, false, 'the execs waited for the copy');
      const { complete } = await readRest(res);
      assert.equal(complete, true);
      const a = await attached;
      assert.deepEqual([a.code, a.stdout, a.stderr], [0, 'after the copy\n', '']);
      assert.equal((await detached).code, 0);
      await eventually(async () => (await d.docker(['exec', id, 'test', '-f', '/detached'])).code === 0, 5000, 'the detached exec ran');
      assert.equal(state(), 'THAWED');
    } finally {
      await d.docker(['rm', '-f', id]);
    }
  });

  it('stop, kill and rm -f of a container frozen behind their back (a pause racing them) take effect at once', async () => {
    // A pause that raced a stop froze the container after the stop had looked at it: the stop's
    // SIGKILL could not be delivered to a frozen process, and the stop waited for ever (seen
    // once, for 50 minutes). Frozen here through its freezer file, which the daemon does not see.
    for (const how of ['stop', 'kill', 'rm']) {
      const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
      const pid = (await inspect(id)).State.Pid as number;
      const freezer = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:freezer:/.test(l))!.split(':')[2]!;
      const state = `/sys/fs/cgroup/freezer${freezer}/freezer.state`;
      writeFileSync(state, 'FROZEN');
      await eventually(() => readFileSync(state, 'utf8').trim() === 'FROZEN', 5000, 'the freeze');
      const t0 = Date.now();
      const r = await d.docker(how === 'stop' ? ['stop', '-t', '0', id] : how === 'kill' ? ['kill', id] : ['rm', '-f', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - t0 < 5000, `${how} took ${Date.now() - t0} ms`);
      if (how === 'rm') assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
      else {
        assert.equal((await inspect(id)).State.Status, 'exited');
        await d.dockerOk(['rm', id]);
      }
    }
  });

  it('kill (SIGKILL) returns once the container has exited: inspect right after shows exited 137', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    await d.dockerOk(['kill', id]);
    const s = (await inspect(id)).State;
    assert.equal(s.Status, 'exited');
    assert.equal(s.ExitCode, 137);
    await d.dockerOk(['rm', id]);
  });

  it('system df while images are removed answers 200, never a 404 (found by racing them)', async () => {
    const id = (await d.dockerOk(['run', '-d', '--network', 'none', '-v', 'dfvol:/v', 'busybox', 'sleep', '60'])).trim();
    try {
      const answers: string[] = [];
      for (let i = 0; i < 12; i++) {
        await d.dockerOk(['commit', id, `dfrace:${i}`]);
        const [df, rmi] = await Promise.all([d.api('GET', '/v1.41/system/df'), sleep(i % 6).then(() => d.api('DELETE', `/v1.41/images/dfrace:${i}`))]);
        answers.push(`${df.status} ${df.status === 200 ? '' : df.text}`.trim());
        assert.equal(rmi.status, 200, rmi.text);
      }
      assert.deepEqual(answers.filter((a) => a !== '200'), []);
    } finally {
      await d.api('DELETE', `/containers/${id}?force=1&v=1`);
      await d.api('DELETE', '/volumes/dfvol');
    }
  });

  it('two restarts at once both answer 204, never 304, and leave the container running (found by racing them)', async () => {
    const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60'])).trim();
    try {
      const answers: string[] = [];
      // The second 0-19 ms after the first: before the fix, 1 in 8 found the container already
      // started (or stopped) by the other and answered 304, which dockerd's restart never does.
      for (let i = 0; i < 40; i++) {
        const pair = await Promise.all([
          d.api('POST', `/containers/${id}/restart?t=0`),
          sleep(i % 20).then(() => d.api('POST', `/containers/${id}/restart?t=0`)),
        ]);
        answers.push(...pair.map((r) => (r.status === 204 ? '204' : `${r.status} ${r.text}`)));
      }
      assert.deepEqual(answers.filter((s) => s !== '204'), []);
      assert.equal((await inspect(id)).State.Status, 'running');
    } finally {
      await d.api('DELETE', `/containers/${id}?force=1`);
    }
  });

  it('a start by the user begins the restart count again, as docker (on-failure:N gets N retries more)', async () => {
    const id = (await d.dockerOk(['run', '-d', '--restart', 'on-failure:1', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 0.3; exit 1'])).trim();
    const ended = () => eventually(async () => {
      const i = await inspect(id);
      return i.State.Status === 'exited' ? i : undefined;
    }, 15_000, 'the retries to end');
    assert.equal((await ended()).RestartCount, 1);
    await d.dockerOk(['start', id]);
    assert.equal((await inspect(id)).RestartCount, 0, 'reset by the start');
    // And the policy retries again: the count comes back to 1, no further.
    await eventually(async () => (await inspect(id)).RestartCount === 1, 15_000, 'the retry after the start');
    assert.equal((await ended()).RestartCount, 1);
    await d.dockerOk(['rm', id]);
  });

  it('a container between restarts of its policy is "restarting" and a plain rm refuses it', async () => {
    const create = await d.api('POST', '/v1.41/containers/create', {
      Image: 'busybox', Cmd: ['sh', '-c', 'exit 3'], HostConfig: { RestartPolicy: { Name: 'always' }, NetworkMode: 'none' },
    });
    const id = create.json().Id as string;
    await d.dockerOk(['start', id]);
    // After a few quick exits the back-off keeps it 'restarting' for a while.
    await eventually(async () => (await inspect(id)).RestartCount >= 3, 15_000, 'restarts');
    const st = await eventually(async () => {
      const i = await inspect(id);
      return i.State.Status === 'restarting' ? i.State : undefined;
    }, 10_000, 'restarting state');
    assert.equal(st.Restarting, true);
    const rm = await d.docker(['rm', id]);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /stop the container before removing/);
    // Between two restarts ps shows it restarting; a ps that lands while the next run is up sees
    // "Up …", so ask until a gap is caught (a container that fell back to 'exited' never is).
    await eventually(async () => /Restarting \(3\)/.test(await d.dockerOk(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])),
      10_000, `ps showing Restarting (3); berthd log:\n${d.log.slice(-3000)}`);
    await d.dockerOk(['stop', id]);
    // Once seen 'restarting' here under a loaded full suite, never alone: the log says what ran.
    const after = (await inspect(id)).State;
    assert.equal(after.Status, 'exited', `after the stop: ${JSON.stringify(after)}; berthd log:\n${d.log.slice(-3000)}`);
    await d.dockerOk(['rm', id]);
  });

  it('update changes a running container\'s limits (cgroups and record) and its restart policy', async () => {
    const id = (await d.dockerOk(['run', '-d', '--memory', '64m', 'busybox', 'sleep', '60'])).trim();
    await d.dockerOk(['update', '--memory', '96m', '--memory-swap', '192m', '--cpus', '0.5', '--pids-limit', '50', '--restart', 'on-failure:2', id]);
    const h = (await inspect(id)).HostConfig;
    assert.equal(h.Memory, 96 * 1024 * 1024);
    assert.equal(h.NanoCpus, 0.5e9);
    assert.equal(h.PidsLimit, 50);
    assert.deepEqual(h.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    const cg = (await d.dockerOk(['exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'])).trim().split('\n');
    assert.deepEqual(cg, [String(96 * 1024 * 1024), '50', '50000']);
    const bad = await d.docker(['update', '--memory', '1m', id]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Minimum memory limit allowed is 6MB/);
    assert.equal((await inspect(id)).HostConfig.Memory, 96 * 1024 * 1024);
    await d.dockerOk(['rm', '-f', id]);
  });

  it('update of a container without a pids limit works; a limit taken away is lifted; a refused update leaves the cgroups as they were', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    const cg = async () => (await d.dockerOk(['exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'])).trim().split('\n');
    try {
      // Every update of such a container failed on cgroup v1 ("writing file `pids.max`"), even
      // of its restart policy alone.
      await d.dockerOk(['update', '--restart', 'always', id]);
      await d.dockerOk(['update', '--memory', '96m', id]);
      assert.deepEqual(await cg(), [String(96 << 20), 'max']);
      await d.dockerOk(['update', '--pids-limit', '40', id]);
      assert.deepEqual(await cg(), [String(96 << 20), '40']);
      await d.dockerOk(['update', '--pids-limit', '-1', id]);
      assert.deepEqual(await cg(), [String(96 << 20), 'max']);
      // The kernel refuses the pids limit after the runtime wrote the memory limit: that goes back.
      const bad = await d.docker(['update', '--memory', '128m', '--pids-limit', '5000000', id]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /pids\.max/);
      assert.deepEqual(await cg(), [String(96 << 20), 'max']);
      assert.equal((await inspect(id)).HostConfig.Memory, 96 << 20);
    } finally {
      await d.dockerOk(['rm', '-f', id]);
    }
  });

  it('limits the host cannot take are refused at create and update with dockerd\'s 400, not at start', async () => {
    const cpus = readFileSync('/sys/fs/cgroup/cpuset/cpuset.cpus', 'utf8').trim();
    const missing = String(Number(cpus.split(/[-,]/).pop()) + 5);
    const run = await d.docker(['run', '--rm', '--name', 'no-such-cpu', '--cpuset-cpus', missing, 'busybox', 'true']);
    assert.equal(run.code, 125);
    assert.match(run.stderr, new RegExp(`Requested CPUs are not available - requested ${missing}, available: ${cpus}`));
    for (const [flag, value, message] of [
      ['--cpuset-mems', '0-x', 'Invalid value 0-x for cpuset mems: invalid format: 0-x'],
      ['--cpu-quota', '500', 'CPU cfs quota can not be less than 1ms'],
      ['--cpu-period', '100', 'CPU cfs period can not be less than 1ms'],
    ] as const) {
      const r = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { [flag === '--cpuset-mems' ? 'CpusetMems' : flag === '--cpu-quota' ? 'CpuQuota' : 'CpuPeriod']: flag === '--cpuset-mems' ? value : Number(value) } });
      assert.deepEqual([r.status, (r.json().message as string).startsWith(message)], [400, true], `${flag} ${value}: ${r.text}`);
    }
    // Refused at create: nothing was made that could never start.
    assert.equal((await d.api('GET', '/containers/no-such-cpu/json')).status, 404);
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    try {
      const up = await d.docker(['update', '--cpuset-cpus', missing, id]);
      assert.match(up.stderr, /Requested CPUs are not available/);
      assert.equal((await inspect(id)).HostConfig.CpusetCpus, '');
    } finally {
      await d.dockerOk(['rm', '-f', id]);
    }
  });

  it('inspect shows the defaults in force, as dockerd writes them at create (shm size, swap, namespaces, masked paths)', async () => {
    const id = (await d.dockerOk(['create', '--memory', '64m', 'busybox', 'sleep', '60'])).trim();
    const priv = (await d.dockerOk(['create', '--privileged', '--shm-size', '8m', '--memory', '64m', '--memory-swap', '-1', '--pids-limit', '9', 'busybox'])).trim();
    try {
      const h = (await inspect(id)).HostConfig;
      assert.deepEqual([h.ShmSize, h.Memory, h.MemorySwap, h.IpcMode, h.CgroupnsMode, h.PidsLimit, h.MemorySwappiness], [64 << 20, 64 << 20, 128 << 20, 'private', 'private', null, null]);
      assert.ok(h.MaskedPaths.includes('/proc/kcore') && h.ReadonlyPaths.includes('/proc/sys'), JSON.stringify(h));
      const p = (await inspect(priv)).HostConfig;
      assert.deepEqual([p.ShmSize, p.MemorySwap, p.PidsLimit, p.MaskedPaths, p.ReadonlyPaths], [8 << 20, -1, 9, null, null]);
      // What the container gets is what inspect says.
      await d.dockerOk(['start', id]);
      const seen = await d.dockerOk(['exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes; df -k /dev/shm | tail -1']);
      assert.match(seen, new RegExp(`^${128 << 20}\\nshm\\s+65536\\s`));
    } finally {
      await d.dockerOk(['rm', '-f', id, priv]);
    }
  });

  it('HostConfig fields in any case and the runtime beside HostConfig are honoured at create', async () => {
    const r = await d.api('POST', '/v1.41/containers/create', {
      Image: 'busybox', Cmd: ['true'], Runtime: 'runc', HostConfig: { CPURealtimeRuntime: 1000, CPURealtimePeriod: 2000 },
    });
    assert.equal(r.status, 201);
    const i = await inspect(r.json().Id);
    assert.equal(i.HostConfig.Runtime, 'runc');
    assert.equal(i.HostConfig.CpuRealtimeRuntime, 1000);
    assert.equal(i.HostConfig.CpuRealtimePeriod, 2000);
    await d.dockerOk(['rm', r.json().Id]);
  });

  it('/etc/hosts names the container by its FQDN and its bare hostname (--domainname, or a hostname with dots), as dockerd', async () => {
    const own = async (...args: string[]) => (await d.dockerOk(['run', '--rm', ...args, 'busybox', 'tail', '-1', '/etc/hosts'])).trim().split('\t')[1];
    assert.equal(await own('-h', 'web', '--domainname', 'example.com'), 'web.example.com web');
    assert.equal(await own('-h', 'a.b.c'), 'a.b.c a');
    assert.equal(await own('-h', 'plain'), 'plain');
  });

  it('--link-local-ip addresses are on the container\'s interface, as libnetwork puts them (IPv4 /16, IPv6 /64); a bad one is a 400', async () => {
    await d.dockerOk(['network', 'create', 'llnet']);
    try {
      for (const net of ['llnet', 'bridge']) {
        const out = await d.dockerOk(['run', '--rm', '--network', net, '--link-local-ip', '169.254.9.9', '--link-local-ip', 'fe80::9', 'busybox', 'ip', '-o', 'addr', 'show', 'eth0']);
        assert.match(out, /inet 169\.254\.9\.9\/16 /, `${net}: ${out}`);
        assert.match(out, /inet6 fe80::9\/64 /, `${net}: ${out}`);
      }
      const bad = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'llnet' }, NetworkingConfig: { EndpointsConfig: { llnet: { IPAMConfig: { LinkLocalIPs: ['169.254.9'] } } } } });
      assert.deepEqual([bad.status, bad.json().message], [400, 'invalid link-local IP address: 169.254.9']);
    } finally {
      await d.dockerOk(['network', 'rm', 'llnet']);
    }
  });

  it('NetworkDisabled (docker-py\'s network_disabled) gives a namespace with only lo, whatever the mode or a connect says', async () => {
    await d.api('POST', '/networks/create', { Name: 'nodisabled' });
    const ids: string[] = [];
    try {
      for (const mode of ['default', 'host', 'nodisabled']) {
        const r = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '60'], NetworkDisabled: true, HostConfig: { NetworkMode: mode } });
        assert.equal(r.status, 201, r.text);
        const id = r.json().Id as string;
        ids.push(id);
        const i = await inspect(id);
        assert.equal(i.Config.NetworkDisabled, true);
        assert.deepEqual(i.NetworkSettings.Networks, {});
        if (mode === 'default') assert.equal((await d.api('POST', '/networks/nodisabled/connect', { Container: id })).status, 200);
        await d.dockerOk(['start', id]);
        const links = (await d.dockerOk(['exec', id, 'ip', '-o', 'link'])).trim().split('\n').map((l) => l.split(':')[1]!.trim());
        assert.deepEqual(links, ['lo'], `${mode}: ${links.join(' ')}`);
      }
    } finally {
      for (const id of ids) await d.api('DELETE', `/containers/${id}?force=1`);
      await d.api('DELETE', '/networks/nodisabled');
    }
  });

  it('--link gives ALIAS_NAME, ALIAS_PORT_* and ALIAS_ENV_* variables; rm --link drops the link only', async () => {
    await d.dockerOk(['run', '-d', '--name', 'linkdb', '--expose', '6379', '-e', 'FOO=1', 'busybox', 'sleep', '60']);
    const ip = (await inspect('linkdb')).NetworkSettings.IPAddress as string;
    const env = await d.dockerOk(['run', '--name', 'linkweb', '--link', 'linkdb:db', 'busybox', 'env']);
    assert.match(env, /^DB_NAME=\/linkweb\/db$/m);
    assert.match(env, new RegExp(`^DB_PORT=tcp://${ip}:6379$`, 'm'));
    assert.match(env, new RegExp(`^DB_PORT_6379_TCP_ADDR=${ip}$`, 'm'));
    assert.match(env, /^DB_ENV_FOO=1$/m);
    assert.deepEqual((await inspect('linkweb')).HostConfig.Links, ['/linkdb:/linkweb/db']);
    // ps names a linked container by its links too (shown with --no-trunc), as docker does.
    const names = async (trunc: boolean) => (await d.dockerOk(['ps', '-a', ...(trunc ? [] : ['--no-trunc']), '--format', '{{.Names}}'])).trim().split('\n');
    assert.ok((await names(false)).includes('linkdb,linkweb/db'), (await names(false)).join(' '));
    assert.ok((await names(true)).includes('linkdb'));
    await d.dockerOk(['rm', '--link', 'linkweb/db']);
    assert.ok((await names(false)).includes('linkdb'));
    assert.equal((await inspect('linkweb')).HostConfig.Links, null);
    assert.equal((await inspect('linkdb')).State.Status, 'running');
    await d.dockerOk(['rm', '-f', 'linkweb', 'linkdb']);
  });

  it('networks: names with spaces, auxiliary addresses kept and never handed out, IPAMConfig kept', async () => {
    const r = await d.api('POST', '/v1.41/networks/create', {
      Name: 'net with spaces',
      IPAM: { Config: [{ Subnet: '10.251.7.0/24', IPRange: '10.251.7.0/30', AuxiliaryAddresses: { router: '10.251.7.2' } }] },
    });
    assert.equal(r.status, 201, r.text);
    const net = await d.api('GET', '/v1.41/networks/net%20with%20spaces');
    assert.deepEqual(net.json().IPAM.Config[0].AuxiliaryAddresses, { router: '10.251.7.2' });
    const c = await d.api('POST', '/v1.41/containers/create', {
      Image: 'busybox', Cmd: ['sleep', '60'],
      HostConfig: { NetworkMode: 'net with spaces' },
      NetworkingConfig: { EndpointsConfig: { 'net with spaces': { IPAMConfig: { LinkLocalIPs: ['169.254.8.8'] } } } },
    });
    assert.equal(c.status, 201, c.text);
    await d.dockerOk(['start', c.json().Id]);
    const ep = (await inspect(c.json().Id)).NetworkSettings.Networks['net with spaces'];
    assert.deepEqual(ep.IPAMConfig, { LinkLocalIPs: ['169.254.8.8'] });
    // .1 is the gateway and .2 the auxiliary address: the /30's only other host is .3.
    assert.equal(ep.IPAddress, '10.251.7.3');
    await d.dockerOk(['rm', '-f', c.json().Id]);
    await d.dockerOk(['network', 'rm', 'net with spaces']);
  });

  it('a link given at connect (and --link on a user network) resolves in the embedded DNS for that container only', async () => {
    await d.dockerOk(['network', 'create', 'linknet']);
    await d.dockerOk(['run', '-d', '--name', 'upstream', '--network', 'linknet', 'busybox', 'sleep', '60']);
    const upIp = (await inspect('upstream')).NetworkSettings.Networks.linknet.IPAddress as string;
    await d.dockerOk(['run', '-d', '--name', 'client1', '--network', 'linknet', 'busybox', 'sleep', '60']);
    await d.dockerOk(['network', 'disconnect', 'linknet', 'client1']);
    await d.dockerOk(['network', 'connect', '--link', 'upstream:bar', 'linknet', 'client1']);
    assert.deepEqual((await inspect('client1')).NetworkSettings.Networks.linknet.Links, ['upstream:bar']);
    assert.match(await d.dockerOk(['exec', 'client1', 'nslookup', 'bar']), new RegExp(`Address: ${upIp.replace(/\./g, '\\.')}`));
    await d.dockerOk(['run', '-d', '--name', 'client2', '--network', 'linknet', '--link', 'upstream:foo', 'busybox', 'sleep', '60']);
    assert.match(await d.dockerOk(['exec', 'client2', 'nslookup', 'foo']), new RegExp(`Address: ${upIp.replace(/\./g, '\\.')}`));
    // Someone else's alias is not a name here.
    assert.notEqual((await d.docker(['exec', 'client2', 'nslookup', 'bar'])).code, 0);
    await d.dockerOk(['rm', '-f', 'client1', 'client2', 'upstream']);
    await d.dockerOk(['network', 'rm', 'linknet']);
  });

  it('exec: the terminal is the exec create request\'s; detach keys end the stream and leave the process', async () => {
    const id = (await d.dockerOk(['run', '-d', '-i', 'busybox', 'cat'])).trim();
    const ex = await d.api('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['sh', '-c', 'echo out; echo err >&2'], Tty: true, AttachStdout: true, AttachStderr: true });
    const started = await d.api('POST', `/v1.41/exec/${ex.json().Id}/start`, { Tty: false, Detach: false });
    // Multiplexed (the start said Tty false), but one terminal stream with \r\n (the exec has a tty).
    const frames: Array<[number, string]> = [];
    for (let o = 0; o + 8 <= started.body.length;) {
      const n = started.body.readUInt32BE(o + 4);
      frames.push([started.body[o]!, started.body.subarray(o + 8, o + 8 + n).toString()]);
      o += 8 + n;
    }
    assert.deepEqual(frames.map(([s]) => s).filter((s) => s !== 1), []);
    assert.equal(frames.map(([, t]) => t).join(''), 'out\r\nerr\r\n');

    const cat = await d.api('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['sh', '-c', 'cat; echo gone'], Tty: true, AttachStdin: true, AttachStdout: true, DetachKeys: 'ctrl-x' });
    const execId = cat.json().Id as string;
    const sock = connect(d.socket);
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 28\r\n\r\n{"Tty":true,"Detach":false}\n`);
    let got = '';
    sock.on('data', (b: Buffer) => (got += b.toString()));
    await eventually(() => got.includes('101'), 5000, 'upgrade');
    await sleep(200);
    sock.write('hi\n');
    await eventually(() => got.includes('hi'), 5000, 'echo');
    sock.write(Buffer.from([0x18]));
    await new Promise((r) => sock.once('close', r));
    const info = (await d.api('GET', `/v1.41/exec/${execId}/json`)).json();
    assert.equal(info.Running, true);
    await d.dockerOk(['rm', '-f', id]);
  });

  it('detach keys end a container attach and leave it running, with dockerd\'s detach event', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = (await d.dockerOk(['run', '-d', '-it', '--network', 'none', 'busybox', 'cat'])).trim();
    const sock = connect(d.socket);
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST /v1.41/containers/${id}/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    let got = '';
    sock.on('data', (b: Buffer) => (got += b.toString()));
    await eventually(() => got.includes('101'), 5000, 'upgrade');
    sock.write('hi\n');
    await eventually(() => got.includes('hi'), 5000, 'echo');
    sock.write(Buffer.from([0x18]));
    await new Promise((r) => sock.once('close', r));
    assert.equal((await inspect(id)).State.Running, true);
    const out = await d.dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--format', '{{.Action}}']);
    assert.deepEqual(out.trim().split('\n'), ['create', 'start', 'attach', 'detach']);
    await d.dockerOk(['rm', '-f', id]);
  });

  it('attach to a paused or restarting container: dockerd\'s 409 before the stream (a paused one hung)', async () => {
    const paused = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60'])).trim();
    await d.dockerOk(['pause', paused]);
    const p = await d.api('POST', `/v1.41/containers/${paused.slice(0, 12)}/attach?stream=1&stdout=1`);
    assert.deepEqual([p.status, p.json().message], [409, `container ${paused.slice(0, 12)} is paused, unpause the container before attach`]);
    await d.dockerOk(['rm', '-f', paused]);
    await d.dockerOk(['run', '-d', '--name', 'restarts', '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 1']);
    // Its back-off is short at first: an attach may find it running again, and then it is
    // served. Asked while it is restarting, one answer at least is the 409 (without the check,
    // every answer was a 200 whose stream just ended).
    const refused = await eventually(async () => {
      if ((await inspect('restarts')).State.Status !== 'restarting') return undefined;
      const r = await d.api('POST', '/v1.41/containers/restarts/attach?stream=1&stdout=1');
      return r.status === 409 ? r.json().message : undefined;
    }, 15_000, 'a 409 while restarting');
    assert.equal(refused, 'container restarts is restarting, wait until the container is running');
    await d.dockerOk(['rm', '-f', 'restarts']);
  });

  it('attach racing an rm -f: the stream ends, never a 500 (found by racing them)', async () => {
    const before = d.log.length;
    for (let i = 0; i < 20; i++) {
      const id = (await d.dockerOk(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'while true; do echo x; sleep 0.01; done'])).trim();
      const [attach, rm] = await Promise.all([
        d.api('POST', `/v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1`),
        sleep(i % 10).then(() => d.api('DELETE', `/v1.41/containers/${id}?force=1`)),
      ]);
      assert.equal(attach.status, 200);
      assert.equal(rm.status, 204);
    }
    assert.doesNotMatch(d.log.slice(before), /level=error.*attach/);
  });

  it('exec records: a finished exec stays inspectable; all of a container\'s go with it (the campaign\'s load run)', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    const done = (await d.api('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['sh', '-c', 'exit 3'], AttachStdout: true })).json().Id as string;
    await d.api('POST', `/v1.41/exec/${done}/start`, { Detach: false });
    const idle = (await d.api('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['true'] })).json().Id as string;
    assert.equal((await d.api('GET', `/v1.41/exec/${done}/json`)).json().ExitCode, 3);
    assert.equal((await d.api('GET', `/v1.41/exec/${idle}/json`)).status, 200);
    await d.dockerOk(['rm', '-f', id]);
    // Before: kept for 5 minutes (a finished one, with its client's socket and attach session)
    // or for ever (one never started), after the container was gone.
    assert.equal((await d.api('GET', `/v1.41/exec/${done}/json`)).status, 404);
    assert.equal((await d.api('GET', `/v1.41/exec/${idle}/json`)).status, 404);
  });

  it('commit with pause of a container that is exiting succeeds and leaves it removable', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo x > /f; sleep 0.3'])).trim();
    // Commit repeatedly across the exit: none may fail with the runtime's pause error.
    for (let i = 0; i < 8; i++) {
      const r = await d.api('POST', `/v1.41/commit?container=${id}&pause=1&repo=exiting&tag=t${i}`, {});
      assert.equal(r.status, 201, r.text);
      await sleep(60);
    }
    await d.dockerOk(['wait', id]);
    await d.dockerOk(['rm', id]);
    assert.equal((await d.dockerOk(['run', '--rm', 'exiting:t7', 'cat', '/f'])).trim(), 'x');
    for (let i = 0; i < 8; i++) await d.dockerOk(['rmi', `exiting:t${i}`]);
  });

  it('load of a bad archive: 200 with the error in the JSON stream; docker load exits 1', async () => {
    const r = await d.api('POST', '/v1.41/images/load', Buffer.from('abc'), { 'Content-Type': 'application/x-tar' });
    assert.equal(r.status, 200);
    const msg = JSON.parse(r.text.trim().split('\n').pop()!);
    assert.ok(msg.errorDetail?.message, r.text);
    const cli = await d.docker(['load'], Buffer.from('not a tar'));
    assert.equal(cli.code, 1);
  });

  it('prune reports the space it reclaimed; diff shows only the user\'s change, not /etc', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo hello > /test'])).trim();
    await d.dockerOk(['wait', id]);
    assert.equal((await d.dockerOk(['diff', id])).trim(), 'A /test');
    // A label filter chooses among the stopped containers; a running one is never pruned, and
    // top of a stopped one is docker's 409.
    const labelled = (await d.dockerOk(['create', '--label', 'prune-me=1', 'busybox', 'true'])).trim();
    const running = (await d.dockerOk(['run', '-d', '--label', 'prune-me=1', 'busybox', 'sleep', '60'])).trim();
    const top = await d.api('GET', `/v1.41/containers/${id}/top`);
    assert.equal(top.status, 409);
    assert.match(top.json().message, /is not running/);
    const prune = (filters: Record<string, string[]>) => d.api('POST', `/v1.41/containers/prune?filters=${encodeURIComponent(JSON.stringify(filters))}`);
    // until= and label! keep what they name; berth pruned those too before.
    const keptBack = (await d.dockerOk(['create', '--label', 'keep=1', 'busybox', 'true'])).trim();
    const fresh = await prune({ until: ['1h'] });
    assert.deepEqual(fresh.json().ContainersDeleted, [], 'nothing is older than an hour');
    const notKept = await prune({ 'label!': ['keep'], label: ['prune-me=1'] });
    assert.deepEqual(notKept.json().ContainersDeleted, [labelled]);
    assert.equal((await prune({ bogus: ['1'] })).status, 400);
    assert.equal((await d.api('GET', `/v1.41/containers/${keptBack}/json`)).status, 200);
    await d.dockerOk(['rm', keptBack]);
    const r = await d.api('POST', '/v1.41/containers/prune');
    assert.ok(r.json().ContainersDeleted.includes(id));
    assert.ok(!r.json().ContainersDeleted.includes(running));
    assert.ok(r.json().SpaceReclaimed > 0, r.text);
    await d.dockerOk(['rm', '-f', running]);
  });

  it('stats: the networks object, and the host\'s memory as the limit of an unlimited container', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
    const s = (await d.api('GET', `/v1.41/containers/${id}/stats?stream=0`)).json();
    assert.ok(s.networks?.eth0, JSON.stringify(s.networks));
    assert.equal(typeof s.networks.eth0.rx_bytes, 'number');
    assert.equal(s.memory_stats.limit, totalmem());
    await d.dockerOk(['rm', '-f', id]);
  });
});

describe('older API clients get what dockerd keeps for them', () => {
  it('image inspect and list answer VirtualSize before API 1.44 only, as dockerd 25+', async () => {
    const old = (await d.api('GET', '/v1.41/images/busybox/json')).json();
    assert.equal(old.VirtualSize, old.Size);
    assert.equal('VirtualSize' in (await d.api('GET', '/v1.44/images/busybox/json')).json(), false);
    const oldList = (await d.api('GET', '/v1.43/images/json')).json<Array<{ Size: number; VirtualSize?: number }>>();
    assert.ok(oldList.length > 0 && oldList.every((i) => i.VirtualSize === i.Size));
    assert.ok((await d.api('GET', '/v1.45/images/json')).json<Array<Record<string, unknown>>>().every((i) => !('VirtualSize' in i)));
  });

  it('before 1.40/1.41/1.44 create keeps the old defaults; aliases stay as given at every version (docker-py\'s suite asks so at 1.41)', async () => {
    await d.dockerOk(['network', 'create', 'oldnet']);
    await d.dockerOk(['run', '-d', '--name', 'oldcli', '--network', 'oldnet', '--network-alias', 'al', '--hostname', 'hn', 'busybox', 'sleep', '60']);
    const aliases = async (v: string) => (await d.api('GET', `/${v}/containers/oldcli/json`)).json().NetworkSettings.Networks.oldnet.Aliases;
    assert.deepEqual(await aliases('v1.41'), ['al']);
    assert.deepEqual(await aliases('v1.45'), ['al']);
    const create = async (v: string) => {
      const r = await d.api('POST', `/${v}/containers/create`, { Image: 'busybox', Cmd: ['true'], Healthcheck: { Test: ['CMD', 'true'], StartInterval: 2_000_000_000 } });
      assert.equal(r.status, 201, r.text);
      const c = await inspect(r.json().Id);
      await d.dockerOk(['rm', c.Id]);
      return { ipc: c.HostConfig.IpcMode, cgroupns: c.HostConfig.CgroupnsMode ?? '', startInterval: c.Config.Healthcheck.StartInterval ?? 0 };
    };
    const v1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
    assert.deepEqual(await create('v1.39'), { ipc: 'shareable', cgroupns: v1 ? 'host' : 'private', startInterval: 0 });
    assert.deepEqual(await create('v1.43'), { ipc: 'private', cgroupns: 'private', startInterval: 0 });
    assert.deepEqual(await create('v1.44'), { ipc: 'private', cgroupns: 'private', startInterval: 2_000_000_000 });
    await d.dockerOk(['rm', '-f', 'oldcli']);
    await d.dockerOk(['network', 'rm', 'oldnet']);
  });
});

describe('docker CLI parity', () => {
  it('an out-of-range or malformed host port is refused at create with 400', async () => {
    // Labelled, so that the check below sees only these (the suite's other tests run meanwhile).
    const Labels = { 'test.bad-port': '1' };
    const r = await d.api('POST', '/v1.41/containers/create', { Image: 'busybox', Labels, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '99999' }] } } });
    assert.equal(r.status, 400);
    assert.equal(r.json().message, 'invalid port specification: "99999"');
    const bad = await d.api('POST', '/v1.41/containers/create', { Image: 'busybox', Labels, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'abc' }] } } });
    assert.equal(bad.status, 400);
    assert.equal((await d.dockerOk(['ps', '-aq', '--filter', 'label=test.bad-port'])).trim(), '');
  });

  it('--volumes-from CTR[:ro|rw] mounts the other container\'s volumes and binds', async () => {
    await d.dockerOk(['create', '--name', 'vsrc', '-v', 'vfdata:/data', '-v', '/data2', 'busybox', 'true']);
    await d.dockerOk(['run', '--rm', '--volumes-from', 'vsrc', 'busybox', 'sh', '-c', 'echo one > /data/f && echo two > /data2/g']);
    assert.equal((await d.dockerOk(['run', '--rm', '--volumes-from', 'vsrc:ro', 'busybox', 'cat', '/data/f', '/data2/g'])).trim(), 'one\ntwo');
    const ro = await d.docker(['run', '--rm', '--volumes-from', 'vsrc:ro', 'busybox', 'touch', '/data/x']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    // The inheriting container's rm -v leaves the shared anonymous volume to its owner.
    const anon = ((await inspect('vsrc')).Mounts as Array<{ Name: string; Destination: string }>).find((m) => m.Destination === '/data2')!.Name;
    await d.dockerOk(['run', '--name', 'vuser', '--volumes-from', 'vsrc', 'busybox', 'true']);
    await d.dockerOk(['rm', '-v', 'vuser']);
    assert.equal((await d.dockerOk(['volume', 'inspect', '-f', '{{.Name}}', anon])).trim(), anon);
    await d.dockerOk(['rm', '-v', 'vsrc']);
    await d.dockerOk(['volume', 'rm', 'vfdata']);
    const missing = await d.api('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: ['nosuch:ro'] } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json().message, 'No such container: nosuch');
  });

  it('create with a platform the image is not of is a 404 as dockerd (the CLI pulls that platform); a malformed one is a 400', async () => {
    const arch = (await inspect('busybox')).Architecture as string;
    const other = arch === 'arm64' ? 'amd64' : 'arm64';
    const no = await d.api('POST', `/containers/create?platform=linux/${other}`, { Image: 'busybox' });
    assert.equal(no.status, 404);
    // containerd's Parse gives arm64 its default variant, and dockerd prints the platform whole.
    const wanted = other === 'arm64' ? 'linux/arm64/v8' : `linux/${other}`;
    assert.equal(no.json().message, `image with reference busybox was found but does not match the specified platform: wanted ${wanted}, actual: linux/${arch}`);
    const yes = await d.api('POST', `/containers/create?platform=linux/${arch}`, { Image: 'busybox' });
    assert.equal(yes.status, 201, yes.text);
    await d.api('DELETE', `/containers/${yes.json().Id}`);
    assert.equal((await d.api('POST', '/containers/create?platform=linux//x', { Image: 'busybox' })).status, 400);
    // Through the CLI: it takes the 404 for a missing image and tries to pull that platform.
    for (const r of [await d.docker(['run', '--rm', '--platform', `linux/${other}`, 'busybox', 'true']), await d.berth(['run', '--rm', '--platform', `linux/${other}`, 'busybox', 'true'])]) {
      assert.equal(r.code, 125);
      assert.match(r.stderr, /Unable to find image 'busybox:latest' locally/);
    }
  });

  it('a missing container named at create is a 400 as dockerd (moby#39823): the docker CLI does not take the image for missing and pull it', async () => {
    for (const [flag, msg] of [
      [['--volumes-from', 'nosuch'], 'No such container: nosuch'],
      [['--link', 'nosuch:x'], 'could not get container for nosuch: No such container: nosuch'],
      [['--network', 'container:nosuch'], 'No such container: nosuch'],
      [['--ipc', 'container:nosuch'], 'No such container: nosuch'],
      [['--pid', 'container:nosuch'], 'No such container: nosuch'],
    ] as const) {
      const r = await d.docker(['run', '--rm', ...flag, 'busybox', 'true']);
      assert.equal(r.code, 125, flag.join(' '));
      assert.doesNotMatch(r.stderr, /Unable to find image/, flag.join(' '));
      assert.match(r.stderr, new RegExp(`Error response from daemon: ${msg}`), flag.join(' '));
    }
  });

  it('a volume mount\'s Subpath (API 1.45) mounts a directory inside the volume', async () => {
    await d.dockerOk(['run', '--rm', '-v', 'subvol:/v', 'busybox', 'sh', '-c', 'mkdir -p /v/sub && echo inner > /v/sub/f']);
    const c = await d.api('POST', '/v1.45/containers/create', {
      Image: 'busybox', Cmd: ['cat', '/x/f'],
      HostConfig: { Mounts: [{ Type: 'volume', Source: 'subvol', Target: '/x', VolumeOptions: { Subpath: 'sub' } }] },
    });
    assert.equal(c.status, 201, c.text);
    await d.dockerOk(['start', c.json().Id]);
    await d.dockerOk(['wait', c.json().Id]);
    assert.equal((await d.dockerOk(['logs', c.json().Id])).trim(), 'inner');
    await d.dockerOk(['rm', c.json().Id]);
    const bad = await d.api('POST', '/v1.45/containers/create', {
      Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Source: 'subvol', Target: '/x', VolumeOptions: { Subpath: '../..' } }] },
    });
    assert.equal(bad.status, 400);
    await d.dockerOk(['volume', 'rm', 'subvol']);
  });

  it('--network host: the container\'s hostname is the host\'s', async () => {
    assert.equal((await d.dockerOk(['run', '--rm', '--network', 'host', 'busybox', 'hostname'])).trim(), hostname());
    assert.equal((await d.dockerOk(['run', '--rm', '--network', 'host', '-h', 'mine', 'busybox', 'hostname'])).trim(), 'mine');
  });

  it('a default-bridge container connected to a user network resolves names there; disconnect reverts', async () => {
    await d.dockerOk(['network', 'create', 'dnsnet']);
    await d.dockerOk(['run', '-d', '--name', 'peer', '--network', 'dnsnet', 'busybox', 'sleep', '60']);
    await d.dockerOk(['run', '-d', '--name', 'late', 'busybox', 'sleep', '60']);
    const resolvBefore = await d.dockerOk(['exec', 'late', 'cat', '/etc/resolv.conf']);
    await d.dockerOk(['network', 'connect', 'dnsnet', 'late']);
    const i = await inspect('late');
    const ip = i.NetworkSettings.Networks.dnsnet.IPAddress as string;
    assert.match(await d.dockerOk(['exec', 'late', 'cat', '/etc/resolv.conf']), /^nameserver 127\.0\.0\.11$/m);
    assert.equal((await d.docker(['exec', 'late', 'nslookup', 'peer', '127.0.0.11'])).code, 0);
    assert.match(await d.dockerOk(['exec', 'late', 'cat', '/etc/hosts']), new RegExp(`^${ip}\t`, 'm'));
    assert.equal((await d.docker(['exec', 'late', 'nslookup', 'peer'])).code, 0);
    await d.dockerOk(['network', 'disconnect', 'dnsnet', 'late']);
    assert.equal(await d.dockerOk(['exec', 'late', 'cat', '/etc/resolv.conf']), resolvBefore);
    assert.doesNotMatch(await d.dockerOk(['exec', 'late', 'cat', '/etc/hosts']), new RegExp(`^${ip}\t`, 'm'));
    await d.dockerOk(['rm', '-f', 'late', 'peer']);
    await d.dockerOk(['network', 'rm', 'dnsnet']);
  });

  it('a connect or disconnect during a start applies to the running container (found by racing them)', async () => {
    // Before: a start plugged in the endpoints its record named when it began. A connect made
    // meanwhile was recorded, with no interface; a disconnect left the interface behind.
    await d.dockerOk(['network', 'create', 'racenet']);
    const subnet = (await d.dockerOk(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'racenet'])).trim();
    const prefix = subnet.split('.').slice(0, 3).join('.') + '.';
    for (let i = 0; i < 8; i++) {
      const connecting = i % 2 === 0;
      const id = (await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '60'], HostConfig: { NetworkMode: connecting ? 'bridge' : 'racenet' } })).json().Id as string;
      const start = d.api('POST', `/containers/${id}/start`);
      await sleep(i % 4);
      const change = await d.api('POST', `/networks/racenet/${connecting ? 'connect' : 'disconnect'}`, { Container: id });
      assert.equal((await start).status, 204);
      assert.equal(change.status, 200, change.text);
      const addrs = await d.dockerOk(['exec', id, 'ip', '-o', '-4', 'addr']);
      const ip = (await inspect(id)).NetworkSettings.Networks.racenet?.IPAddress as string | undefined;
      if (connecting) {
        assert.ok(ip, 'connected');
        assert.ok(addrs.includes(` ${ip}/`), `${i}: the container has ${ip}: ${addrs}`);
      } else {
        assert.equal(ip, undefined);
        assert.ok(!addrs.includes(` ${prefix}`), `${i}: no address of racenet left: ${addrs}`);
      }
      await d.dockerOk(['rm', '-f', id]);
    }
    await d.dockerOk(['network', 'rm', 'racenet']);
  });

  it('a container on two user networks keeps its 127.0.0.11 when the first is disconnected', async () => {
    await d.dockerOk(['network', 'create', 'dnsa']);
    await d.dockerOk(['network', 'create', 'dnsb']);
    await d.dockerOk(['run', '-d', '--name', 'peerb', '--network', 'dnsb', 'busybox', 'sleep', '60']);
    await d.dockerOk(['run', '-d', '--name', 'two', '--network', 'dnsa', 'busybox', 'sleep', '60']);
    await d.dockerOk(['network', 'connect', 'dnsb', 'two']);
    assert.equal((await d.docker(['exec', 'two', 'nslookup', 'peerb', '127.0.0.11'])).code, 0);
    // Its route to the DNS went with dnsa's interface; dnsb's gateway now carries it.
    await d.dockerOk(['network', 'disconnect', 'dnsa', 'two']);
    const after = await d.docker(['exec', 'two', 'nslookup', 'peerb', '127.0.0.11']);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    await d.dockerOk(['rm', '-f', 'two', 'peerb']);
    await d.dockerOk(['network', 'rm', 'dnsa', 'dnsb']);
  });

  it('events on exit come in Docker\'s order: die before network disconnect', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'true'])).trim();
    await d.dockerOk(['wait', id]);
    const out = await d.dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "container"}}']);
    const mine = out.split('\n').filter((l) => l.includes(id)).map((l) => l.split(' ').slice(0, 2).join(' '));
    const die = mine.indexOf('container die');
    const disconnect = mine.indexOf('network disconnect');
    assert.ok(die >= 0 && disconnect > die, mine.join(', '));
    await d.dockerOk(['rm', id]);
  });

  it('events as dockerd sends them for a docker run: create carries the labels, and an attach is announced', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.dockerOk(['run', '--rm', '--name', 'evlabels', '-l', 'com.example.k=v', '-v', 'evlvol:/v', 'busybox', 'true']);
    await d.dockerOk(['volume', 'rm', 'evlvol']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const out = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'container=evlabels', '--format', '{{.Action}} {{index .Actor.Attributes "com.example.k"}}']);
    // dockerd 20.10's sequence for the same command.
    assert.deepEqual(out.trim().split('\n'), ['create v', 'attach v', 'start v', 'die v', 'destroy v']);
    // The volume's: mounted before the start, unmounted after the die (dockerd also announces its create twice).
    const all = await d.dockerOk(['events', '--since', String(since), '--until', until, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "destination"}} {{index .Actor.Attributes "read/write"}}']);
    const seq = all.split('\n').filter((l) => /^volume \w+ evlvol |^container (start|die) [0-9a-f]{64} evlabels /.test(l)).map((l) => l.replace(/ [0-9a-f]{64} evlabels/, '').replace(/\s+/g, ' ').trim());
    assert.deepEqual(seq.filter((l) => !l.startsWith('volume create')), ['volume mount evlvol /v true', 'container start', 'container die', 'volume unmount evlvol', 'volume destroy evlvol']);
  });

  it('stop, restart and rm -f announce the signals they send as kill events, as dockerd', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    // busybox sleep as PID 1 ignores SIGTERM: the stop's SIGKILL follows after its second.
    await d.dockerOk(['run', '-d', '--name', 'evstop', 'busybox', 'sleep', '60']);
    await d.dockerOk(['stop', '-t', '1', 'evstop']);
    await d.dockerOk(['start', 'evstop']);
    await d.dockerOk(['rm', '-f', 'evstop']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const out = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'container=evstop', '--format', '{{.Action}} {{index .Actor.Attributes "signal"}}']);
    assert.deepEqual(out.trim().split('\n').map((l) => l.trim()), ['create', 'start', 'kill 15', 'kill 9', 'die', 'stop', 'start', 'kill 9', 'die', 'destroy']);
    // docker kill: its event comes before the die it causes, however quick the death.
    for (let i = 0; i < 5; i++) {
      const id = (await d.dockerOk(['run', '-d', 'busybox', 'sleep', '60'])).trim();
      await d.dockerOk(['kill', id]);
      await d.dockerOk(['rm', id]);
      const seq = await d.dockerOk(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', `container=${id}`, '--filter', 'event=kill', '--filter', 'event=die', '--format', '{{.Action}}']);
      assert.deepEqual(seq.trim().split('\n'), ['kill', 'die'], `round ${i}`);
    }
  });

  it('image events as moby logs them: the image\'s labels and a name (the reference, or the ID), an untag by the image\'s ID', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.dockerOk(['run', '--name', 'evcommit', '-l', 'team=infra', 'busybox', 'true']);
    const id = (await d.dockerOk(['commit', '-c', 'LABEL tier=web', 'evcommit', 'evimg:1'])).trim();
    await d.dockerOk(['tag', 'evimg:1', 'evimg:2']);
    const tar = path.join(tmpdir(), `berth-evimg-${process.pid}.tar`);
    try {
      await d.dockerOk(['save', '-o', tar, 'evimg:1']);
      await d.dockerOk(['rmi', 'evimg:2']);
      await d.dockerOk(['rmi', 'evimg:1']);
      await d.dockerOk(['load', '-i', tar]);
      await d.dockerOk(['rmi', 'evimg:1']);
    } finally {
      rmSync(tar, { force: true });
    }
    await d.dockerOk(['rm', 'evcommit']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const out = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'type=image', '--format', '{{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}']);
    const seen = out.trim().split('\n').filter((l) => l.includes(id)).map((l) => l.replaceAll(id, 'ID'));
    // The commit's image has the container's labels and its own (moby's; a delete comes after the image went).
    const labels = '"team":"infra","tier":"web"';
    assert.deepEqual(seen, [
      `tag ID {"name":"evimg:1",${labels}}`,
      `tag ID {"name":"evimg:2",${labels}}`,
      `save ID {"name":"evimg:1",${labels}}`,
      `untag ID {"name":"ID",${labels}}`,
      `untag ID {"name":"ID",${labels}}`,
      'delete ID {"name":"ID"}',
      `load ID {"name":"ID",${labels}}`,
      `untag ID {"name":"ID",${labels}}`,
      'delete ID {"name":"ID"}',
    ]);
    // --filter image= matches an image event by its name, with or without the tag, as moby's matchImage.
    const byName = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'type=image', '--filter', 'image=evimg', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
    assert.deepEqual(byName.trim().split('\n'), ['tag evimg:1', 'tag evimg:2', 'save evimg:1']);
    const byTag = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'image=evimg:2', '--format', '{{.Action}}']);
    assert.equal(byTag.trim(), 'tag');
    const commit = await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'event=commit', '--format', '{{json .Actor.Attributes}}']);
    assert.deepEqual(JSON.parse(commit.trim()), { comment: '', image: 'busybox', imageID: id, imageRef: 'evimg:1', name: 'evcommit', team: 'infra' });
  });

  it('events --since/--until are exact to the nanosecond, as the docker CLI sends them', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.dockerOk(['run', '--rm', '--name', 'evexact', 'busybox', 'true']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const lines = (await d.dockerOk(['events', '--since', String(since), '--until', until, '--filter', 'container=evexact', '--format', '{{.Action}} {{.TimeNano}}'])).trim().split('\n');
    const at = new Map(lines.map((l) => l.split(' ') as [string, string]));
    // The CLI's form of a time: seconds and nine decimals. Until the create's own nanosecond:
    // the create and nothing after it, though the rest came within the same second.
    const exact = (ns: string) => `${ns.slice(0, -9)}.${ns.slice(-9)}`;
    const create = at.get('create')!;
    const upTo = await d.dockerOk(['events', '--since', String(since), '--until', exact(create), '--filter', 'container=evexact', '--format', '{{.Action}}']);
    assert.deepEqual(upTo.trim().split('\n'), ['create']);
    // From the start's nanosecond: the start and what followed.
    const from = await d.dockerOk(['events', '--since', exact(at.get('start')!), '--until', until, '--filter', 'container=evexact', '--format', '{{.Action}}']);
    assert.deepEqual(from.trim().split('\n'), ['start', 'die', 'destroy']);
    // 0 is a time too: the whole history.
    const all = await d.dockerOk(['events', '--since', '0', '--until', until, '--filter', 'container=evexact', '--format', '{{.Action}}']);
    assert.deepEqual(all.trim().split('\n'), ['create', 'attach', 'start', 'die', 'destroy']);
    const refused = await d.api('GET', '/events?since=yesterday');
    assert.equal(refused.status, 400);
  });

  const weights = ['blkio.weight', 'blkio.bfq.weight'].some((f) => existsSync(`/sys/fs/cgroup/blkio/${f}`));
  it('--blkio-weight on a host without I/O weights: a warning, and the container runs', { skip: weights && 'this host enforces I/O weights' }, async () => {
    const r = await d.docker(['run', '--rm', '--blkio-weight', '300', 'busybox', 'echo', 'ran']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ran');
    assert.match(r.stderr, /WARNING: Your kernel does not support Block I\/O weight or the cgroup is not mounted\. Weight discarded\./);
  });

  it('system df, ps -s and inspect -s say what containers and volumes hold on disk', async () => {
    await d.dockerOk(['volume', 'create', 'dfvol']);
    await d.dockerOk(['run', '--name', 'dfc', '-v', 'dfvol:/v', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/f bs=1M count=3 && dd if=/dev/zero of=/v/f bs=1M count=2']);
    const mib = 1 << 20;
    const sized = JSON.parse(await d.dockerOk(['inspect', '--size', 'dfc']))[0];
    // The files alone, as dockerd counts them (directories not at all): the 3 MiB written.
    assert.equal(sized.SizeRw, 3 * mib);
    assert.ok(sized.SizeRootFs > sized.SizeRw, String(sized.SizeRootFs));
    assert.equal(JSON.parse(await d.dockerOk(['inspect', 'dfc']))[0].SizeRw, undefined);
    assert.match((await d.dockerOk(['ps', '-as', '--filter', 'name=dfc', '--format', '{{.Size}}'])).trim(), /^3\.\d+MB \(virtual \d+(\.\d+)?MB\)$/);
    const df = (await d.api('GET', '/system/df')).json<{ Containers: Array<Record<string, unknown>>; Volumes: Array<{ Name: string; UsageData: { Size: number; RefCount: number } }>; Images: Array<{ Containers: number; SharedSize: number }> }>();
    const c = df.Containers.find((x) => (x.Names as string[])[0] === '/dfc')!;
    assert.equal(c.State, 'exited');
    assert.match(c.Status as string, /^Exited \(0\)/);
    assert.match(c.Command as string, /^sh -c "dd/);
    assert.ok((c.Created as number) > Date.now() / 1000 - 600);
    assert.equal(c.SizeRw, sized.SizeRw);
    const v = df.Volumes.find((x) => x.Name === 'dfvol')!;
    assert.equal(v.UsageData.Size, 2 * mib);
    assert.equal(v.UsageData.RefCount, 1);
    assert.ok(df.Images.some((i) => i.Containers >= 1));
    // Known, not -1: the docker CLI counts an image in use as not reclaimable only then.
    assert.ok(df.Images.every((i) => typeof i.SharedSize === 'number' && i.SharedSize >= 0), JSON.stringify(df.Images));
    // The docker CLI's own view of it: the container's size and the volume's, and who links it.
    const verbose = await d.dockerOk(['system', 'df', '-v']);
    assert.match(verbose, /^dfvol\s+1\s+2\.\d+MB$/m);
    assert.match(verbose, /\s3\.\d+MB\s+.*Exited \(0\).*\sdfc$/m);
    // berth's CLI prints the same sections and rows (it ignored -v before).
    const own = await d.berth(['system', 'df', '-v']);
    assert.equal(own.code, 0, own.stderr);
    // Column widths follow the rows ("Less than a second ago" then "1 second ago"): compare words.
    const sections = (t: string) => t.split('\n').filter((l) => /space usage:|^Build cache usage:|^(REPOSITORY|CONTAINER ID|VOLUME NAME|CACHE ID)\s/.test(l)).map((l) => l.replace(/\s+/g, ' '));
    assert.deepEqual(sections(own.stdout), sections(verbose));
    assert.match(own.stdout, /^dfvol\s+1\s+2\.\d+MB$/m);
    assert.match(own.stdout, /\s3\.\d+MB\s+.*Exited \(0\).*\sdfc$/m);
    // An image committed from the container shares busybox's layer: each has that much shared.
    const committed = (await d.dockerOk(['commit', 'dfc', 'dfshared:1'])).trim();
    const busyboxId = (await d.dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
    const busyboxSize = Number(await d.dockerOk(['image', 'inspect', '-f', '{{.Size}}', 'busybox']));
    const images = (await d.api('GET', '/system/df')).json<{ Images: Array<{ Id: string; Size: number; SharedSize: number }> }>().Images;
    const byId = (id: string) => images.find((i) => i.Id === id)!;
    assert.equal(byId(busyboxId).SharedSize, busyboxSize);
    assert.equal(byId(committed).SharedSize, busyboxSize);
    assert.ok(byId(committed).Size > busyboxSize + 3 * mib - 65536, String(byId(committed).Size));
    await d.dockerOk(['rmi', 'dfshared:1']);
    await d.dockerOk(['rm', 'dfc']);
    await d.dockerOk(['volume', 'rm', 'dfvol']);
  });
});
