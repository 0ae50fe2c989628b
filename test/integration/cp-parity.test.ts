// docker cp as moby does it: owners kept from the archive, -a (copyUIDGID) giving everything the
// container user's owner, and copies into a --tmpfs mount of a running container landing in
// the tmpfs (the container's mount namespace), readable back out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from './harness.js';

describe('docker cp ownership and tmpfs', () => {
  let d: TestDaemon;
  let dir: string;
  before(async () => {
    d = await startDaemon('cp-parity');
    dir = mkdtempSync(path.join(tmpdir(), 'bt-cp-src-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(await d.stop(), []);
  });

  it('keeps the archive\'s owner; -a gives the container user\'s, without a user it keeps them', async () => {
    const file = path.join(dir, 'owned');
    writeFileSync(file, 'x\n');
    chownSync(file, 4321, 8765);
    await d.dockerOk(['run', '-d', '--name', 'withuser', '--user', '1234:5678', 'busybox', 'sleep', '60']);
    await d.dockerOk(['cp', file, 'withuser:/tmp/plain']);
    await d.dockerOk(['cp', '-a', file, 'withuser:/tmp/archive']);
    const owners = async (c: string, f: string) => (await d.dockerOk(['exec', c, 'stat', '-c', '%u:%g', f])).trim();
    assert.equal(await owners('withuser', '/tmp/plain'), '4321:8765');
    assert.equal(await owners('withuser', '/tmp/archive'), '1234:5678');
    await d.dockerOk(['run', '-d', '--name', 'nouser', 'busybox', 'sleep', '60']);
    await d.dockerOk(['cp', '-a', file, 'nouser:/tmp/archive']);
    assert.equal(await owners('nouser', '/tmp/archive'), '4321:8765');
  });

  it('copies out of a stopped container for many clients at once; the last one unmounts its rootfs', async () => {
    await d.dockerOk(['run', '--name', 'shared-fs', 'busybox', 'sh', '-c', 'mkdir -p /d/e && echo f > /d/e/f']);
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', 'shared-fs'])).trim();
    try {
      // Each use mounted the rootfs and the first to end unmounted it under the others: a HEAD of a
      // cp that followed a GET found an empty directory (half of these failed, 404 or 500).
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => d.api(i % 2 ? 'HEAD' : 'GET', '/containers/shared-fs/archive?path=/d/e/f')));
        statuses.push(...answers.map((r) => r.status));
      }
      assert.deepEqual(statuses.filter((s) => s !== 200), []);
      const mounted = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(id));
      assert.deepEqual(mounted, [], 'no use left its rootfs mounted');
    } finally {
      await d.docker(['rm', 'shared-fs']);
    }
  });

  it('names what it copies out as dockerd does: /dir/. is the content, / the whole tree, a followed link the name asked for', async () => {
    await d.dockerOk(['run', '--name', 'names', 'busybox', 'sh', '-c', 'mkdir -p /d/e && echo f > /d/e/f && ln -s e /d/rel && ln -s rel /d/rel2 && ln -s /d/e/f /lnk']);
    const out = mkdtempSync(path.join(tmpdir(), 'bt-cp-out-'));
    const at = (...p: string[]) => path.join(out, ...p);
    const tree = (p: string) => readdirSync(p).sort();
    try {
      // Each expectation is what dockerd 20.10 leaves for the same command.
      await d.dockerOk(['cp', 'names:/d/.', at('new')]);
      assert.deepEqual(tree(at('new')), ['e', 'rel', 'rel2']);
      mkdirSync(at('existing'));
      await d.dockerOk(['cp', 'names:/d/.', at('existing')]);
      assert.deepEqual(tree(at('existing')), ['e', 'rel', 'rel2']);
      await d.dockerOk(['cp', 'names:/d/rel/', at('via-link')]);
      assert.deepEqual(tree(at('via-link')), ['f']);
      await d.dockerOk(['cp', 'names:/d/rel/.', at('via-link-dot')]);
      assert.deepEqual(tree(at('via-link-dot')), ['f']);
      // -L follows a chain of relative links: the stat names the fully evaluated target.
      await d.dockerOk(['cp', '-L', 'names:/d/rel2', at('chain')]);
      assert.deepEqual(tree(at('chain')), ['f']);
      const head = await d.api('HEAD', '/containers/names/archive?path=/d/rel2');
      assert.equal(head.status, 200, JSON.stringify(head.headers));
      assert.equal(JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString()).linkTarget, '/d/e');
      await d.dockerOk(['cp', 'names:/', at('root')]);
      assert.ok(tree(at('root')).includes('bin') && tree(at('root')).includes('d'), tree(at('root')).join(' '));
      assert.equal(readFileSync(at('root', 'd', 'e', 'f'), 'utf8'), 'f\n');
      assert.ok(statSync(at('root', 'bin', 'ls')).nlink > 1, 'hard links kept');
      // A trailing slash on a file: no such directory, as dockerd (the file was overwritten).
      writeFileSync(at('src'), 'new\n');
      const into = await d.docker(['cp', at('src'), 'names:/d/e/f/']);
      assert.notEqual(into.code, 0);
      assert.match(into.stderr, /no such directory/);
      const from = await d.docker(['cp', 'names:/d/e/f/', at('nope')]);
      assert.match(from.stderr, /not a directory/);
      await d.dockerOk(['cp', 'names:/d/e/f', at('f')]);
      assert.equal(readFileSync(at('f'), 'utf8'), 'f\n');
    } finally {
      rmSync(out, { recursive: true, force: true });
      await d.docker(['rm', 'names']);
    }
  });

  it('copies into and out of a --tmpfs mount of a running container', async () => {
    const file = path.join(dir, 'note');
    writeFileSync(file, 'in the tmpfs\n');
    await d.dockerOk(['run', '-d', '--name', 'tmp', '--tmpfs', '/scratch', 'busybox', 'sleep', '60']);
    await d.dockerOk(['cp', file, 'tmp:/scratch/note']);
    assert.equal(await d.dockerOk(['exec', 'tmp', 'cat', '/scratch/note']), 'in the tmpfs\n');
    assert.match(await d.dockerOk(['exec', 'tmp', 'sh', '-c', 'grep " /scratch " /proc/mounts']), /tmpfs/);
    // Written by the container, read back by cp.
    await d.dockerOk(['exec', 'tmp', 'sh', '-c', 'echo from inside > /scratch/out']);
    const out = path.join(dir, 'out');
    await d.dockerOk(['cp', 'tmp:/scratch/out', out]);
    assert.equal((await import('node:fs')).readFileSync(out, 'utf8'), 'from inside\n');
    // Nothing landed in the writable layer under the mount.
    assert.ok(!(await d.dockerOk(['diff', 'tmp'])).includes('/scratch/note'));
  });
});
