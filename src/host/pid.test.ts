import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { processLives } from './pid.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("a namespace's PID 1 in the middle of its exit no longer lives, though /proc still shows it", { skip: process.getuid?.() !== 0 && 'needs root (a PID namespace)' }, async () => {
  // PID 1 of a new PID namespace, and a process joined to that namespace whose parent (nsenter,
  // stopped) cannot reap it: killed with the namespace, it keeps PID 1 in its exit.
  const holder = spawn('unshare', ['--pid', '--fork', '--kill-child', 'sleep', '1000'], { stdio: 'ignore' });
  let init = 0;
  let joiner: ReturnType<typeof spawn> | undefined;
  try {
    for (let i = 0; i < 100 && !init; i++) {
      await sleep(20);
      init = Number(spawnSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || 0;
    }
    assert.ok(init, 'the namespace has its PID 1');
    assert.ok(processLives(init));
    joiner = spawn('nsenter', ['-t', String(init), '-p', '--', 'sleep', '1000'], { stdio: 'ignore' });
    // nsenter forks its child into the namespace: until that child is there, PID 1 has nobody
    // left to wait for and is reaped at once (a loaded fresh-clone run's ENOENT on its stat).
    let joined = 0;
    for (let i = 0; i < 250 && !joined; i++) {
      await sleep(20);
      joined = Number(spawnSync('pgrep', ['-P', String(joiner.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || 0;
    }
    assert.ok(joined, 'nsenter has its child in the namespace');
    process.kill(joiner.pid!, 'SIGSTOP');
    process.kill(init, 'SIGKILL');
    await sleep(200);
    const stat = readFileSync(`/proc/${init}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    assert.notEqual(state, 'Z', `PID 1 is still in its exit, not a zombie (${stat.slice(0, 80)})`);
    assert.equal(processLives(init), false);
  } finally {
    if (joiner?.pid) {
      process.kill(joiner.pid, 'SIGKILL');
    }
    holder.kill('SIGKILL');
    await sleep(100);
  }
});
