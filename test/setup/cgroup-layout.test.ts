// The set-up's cgroup detection (scripts/lib/cgroup-layout.sh). cgroupfs and procfs report every
// file's size as 0, so a detection that stat()s the controller list (`[ -s FILE ]`) never sees
// hugetlb on cgroup2 and leaves crun unusable on a fresh machine. These tests run the shell
// functions themselves, on a zero-sized file with content and on this host's layout after set-up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO } from '../integration/harness.js';
import { detectCgroupLayout } from '../../src/host/cgroups.js';

function layoutFn(call: string): string {
  const r = spawnSync('bash', ['-c', `. scripts/lib/cgroup-layout.sh; ${call}`], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('set-up: cgroup layout detection', () => {
  it('reads a controller list that stat() reports as empty (procfs/cgroupfs files)', () => {
    // /proc/version: size 0 to stat, one line of content, as /sys/fs/cgroup/unified/cgroup.controllers.
    assert.equal(statSync('/proc/version').size, 0);
    const words = layoutFn('controllers_on_cgroup2 /proc/version').trim().split('\n');
    assert.ok(words.length >= 3 && words[0] === 'Linux', `got ${JSON.stringify(words)}`);
  });

  it('finds a v1 hierarchy that exists but is mounted nowhere (co-mounted ones count as mounted)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-cg-'));
    try {
      writeFileSync(path.join(dir, 'cgroups'), '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t3\t9\t1\ncpuacct\t3\t9\t1\nhugetlb\t11\t1\t1\nmisc\t0\t1\t1\n');
      writeFileSync(path.join(dir, 'mountinfo'), [
        '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
        '31 25 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
        '',
      ].join('\n'));
      assert.equal(layoutFn(`unmounted_v1_controllers ${dir}/cgroups ${dir}/mountinfo`), 'hugetlb\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists each controller of a regular file and nothing for an empty or missing one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-cg-'));
    try {
      writeFileSync(path.join(dir, 'two'), 'hugetlb misc\n');
      writeFileSync(path.join(dir, 'empty'), '');
      assert.equal(layoutFn(`controllers_on_cgroup2 ${dir}/two`), 'hugetlb\nmisc\n');
      assert.equal(layoutFn(`controllers_on_cgroup2 ${dir}/empty`), '');
      assert.equal(layoutFn(`controllers_on_cgroup2 ${dir}/absent`), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the cgroup2 mounts without favordynmods, and none after set-up', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-cg-'));
    try {
      writeFileSync(path.join(dir, 'mountinfo'), [
        '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
        '31 25 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
        '32 25 0:28 / /other rw - cgroup2 cgroup2 rw,nsdelegate,favordynmods',
        '',
      ].join('\n'));
      assert.equal(layoutFn(`cgroup2_without_favordynmods ${dir}/mountinfo`), '/sys/fs/cgroup/unified\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // npm test runs scripts/setup-host.sh first (this kernel, 6.x, has the option).
    if (process.env.BERTH_FAVOR_DYNMODS !== '0') assert.equal(layoutFn('cgroup2_without_favordynmods /proc/self/mountinfo'), '');
  });

  it('after set-up, no controller is left on cgroup2, so berthd can use crun', () => {
    // npm test runs scripts/setup-host.sh first; on a fresh machine hugetlb starts on cgroup2.
    assert.equal(layoutFn('controllers_on_cgroup2 /sys/fs/cgroup/unified/cgroup.controllers'), '');
    assert.notEqual(detectCgroupLayout(), 'hybrid-with-v2-controllers');
  });
});
