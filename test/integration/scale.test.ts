// Many containers at once: 50 created and started in parallel through the API all run, each with
// its own name, address and log; ps (the docker CLI's and the API's) lists every one; one
// `docker rm -f` of all leaves nothing behind (harness stop() checks mounts, cgroups, links,
// iptables rules and processes).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eventually, startDaemon, type TestDaemon } from './harness.js';

const N = 50;

describe('scale', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('scale');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it(`${N} containers started in parallel all run; ps lists them; rm -f of all leaves nothing`, async () => {
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const c = await d.api('POST', `/containers/create?name=many-${i}`, { Image: 'busybox', Cmd: ['sh', '-c', `echo hello-${i}; exec sleep 1000`] });
        assert.equal(c.status, 201, c.text);
        const id = c.json().Id as string;
        const s = await d.api('POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, s.text);
        return id;
      }),
    );
    assert.equal(new Set(ids).size, N);

    // Each rootfs is mounted with paths relative to its container's directory: /proc/mounts, which
    // crun reads whole at every create and exec, then grows by ~200 bytes a container, not ~420.
    const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    for (const id of ids) {
      const line = lines.find((l) => l.split(' ')[4] === `${d.dataRoot}/containers/${id}/rootfs`);
      assert.ok(line, `rootfs of ${id} mounted`);
      assert.match(line, / overlay overlay rw,lowerdir=\.\.\/\.\.\/[^,/]+\/layers\/l\/[A-Z0-9]+,upperdir=rw\/upper,workdir=rw\/work/, line);
    }

    const listed = (await d.api('GET', '/containers/json')).json() as Array<{ Id: string; State: string; Names: string[] }>;
    const ours = listed.filter((c) => ids.includes(c.Id));
    assert.equal(ours.length, N, 'ps lists every container');
    assert.ok(ours.every((c) => c.State === 'running'), `all running: ${ours.filter((c) => c.State !== 'running').map((c) => c.Names[0]).join(' ')}`);

    // Each has its own address on the default bridge, and its own output in its own log.
    const addrs = await Promise.all(ids.map(async (id) => (await d.api('GET', `/containers/${id}/json`)).json().NetworkSettings.IPAddress as string));
    assert.equal(new Set(addrs).size, N, `distinct addresses: ${addrs.join(' ')}`);
    for (const i of [0, 17, N - 1]) {
      await eventually(async () => (await d.dockerOk(['logs', `many-${i}`])).trim() === `hello-${i}`, 10_000, `logs of many-${i}`);
    }

    const q = (await d.dockerOk(['ps', '-q', '--no-trunc'])).trim().split('\n').filter(Boolean);
    assert.deepEqual([...q].sort(), [...ids].sort(), 'docker ps -q');
    const named = (await d.dockerOk(['ps', '--format', '{{.Names}}'])).trim().split('\n');
    assert.equal(named.filter((n) => /^many-\d+$/.test(n)).length, N);

    const rm = await d.docker(['rm', '-f', ...ids.map((id) => id.slice(0, 12))]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout.trim().split('\n').length, N);
    assert.equal((await d.dockerOk(['ps', '-aq'])).trim(), '', 'none left');
  });
});
