// removeCgroup against the real v1 hierarchy: a parent whose last child cgroup goes a
// moment later (conmon's exit command deleting a removed container's) is still removed.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import * as path from 'node:path';
import { removeCgroup } from './cgroups.js';

it('removes the parent cgroup once its last child has gone, waiting a bounded time', async () => {
  const parent = `/berth-test-parent-${process.pid}`;
  const pids = path.join('/sys/fs/cgroup/pids', parent);
  const child = path.join(pids, 'child');
  mkdirSync(child, { recursive: true });
  try {
    setTimeout(() => rmdirSync(child), 300);
    await removeCgroup(parent);
    assert.equal(existsSync(pids), false);
    // A child that stays: the parent stays too, after the wait.
    mkdirSync(child, { recursive: true });
    const t0 = Date.now();
    await removeCgroup(parent, 200);
    assert.ok(Date.now() - t0 >= 200);
    assert.equal(existsSync(pids), true);
  } finally {
    if (existsSync(child)) rmdirSync(child);
    if (existsSync(pids)) rmdirSync(pids);
  }
});
