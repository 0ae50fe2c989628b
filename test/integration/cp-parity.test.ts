// docker cp as moby does it: owners kept from the archive, -a (copyUIDGID) giving everything the
// container user's owner, and copies into a --tmpfs mount of a running container landing in
// the tmpfs (the container's mount namespace), readable back out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
