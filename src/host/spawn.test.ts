import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { nativeSpawnAvailable, spawnProcess, type HostProcess } from './spawn.js';

const skip = !nativeSpawnAvailable() && 'native/spawn-addon.c is not built (scripts/setup-host.sh builds it)';

function collect(s: Readable | null): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    if (!s) return resolve('');
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('close', () => resolve(text));
  });
}

const closed = (c: HostProcess) => new Promise<[number | null, string | null]>((resolve) => c.on('close', (code, sig) => resolve([code, sig])));

test('output, exit code, stdin and an extra descriptor, as child_process', { skip }, async () => {
  const c = spawnProcess('sh', ['-c', 'echo out; echo err >&2; cat >&3; exit 3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const [out, err, extra] = [collect(c.stdout), collect(c.stderr), collect(c.stdio[3] as Readable)];
  c.stdin!.end('from stdin');
  assert.deepEqual(await closed(c), [3, null]);
  assert.equal(await out, 'out\n');
  assert.equal(await err, 'err\n');
  assert.equal(await extra, 'from stdin');
  assert.ok(c.pid && c.pid > 0);
});

test('a missing program is an error event with ENOENT, worded as child_process words it, then close', { skip }, async () => {
  const c = spawnProcess('/nonexistent/prog', ['x']);
  const close = closed(c);
  const e = await new Promise<NodeJS.ErrnoException>((resolve) => c.on('error', resolve));
  assert.equal(e.code, 'ENOENT');
  assert.equal(e.message, 'spawn /nonexistent/prog ENOENT');
  await close;
});

test('no output is delivered before the PID is known (the namespace holder reads it at its first answer)', { skip }, async () => {
  for (let i = 0; i < 20; i++) {
    const c = spawnProcess('sh', ['-c', 'echo now >&2; exec sleep 5'], { stdio: ['pipe', 'ignore', 'pipe'] });
    const pid = await new Promise<number | undefined>((resolve) => c.stderr!.once('data', () => resolve(c.pid)));
    assert.ok(pid && pid > 0);
    c.kill('SIGKILL');
    await closed(c);
  }
  // A listener that comes later still gets what was written meanwhile.
  const late = spawnProcess('sh', ['-c', 'echo early'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((r) => late.on('exit', r));
  assert.equal(await collect(late.stdout), 'early\n');
});

test('kill, even before the PID is known; default signals, empty mask, own session, cwd', { skip }, async () => {
  const sleeper = spawnProcess('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore'] });
  sleeper.kill('SIGKILL');
  assert.deepEqual(await closed(sleeper), [null, 'SIGKILL']);

  // berthd ignores or handles some signals; a child starts with none of that.
  const c = spawnProcess('sh', ['-c', 'pwd; grep -E "^Sig(Blk|Ign)" /proc/self/status; cut -d" " -f6 /proc/self/stat; echo $$'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/tmp', detached: true });
  const out = collect(c.stdout);
  assert.deepEqual(await closed(c), [0, null]);
  const [cwd, blk, ign, sid, pid] = (await out).trim().split('\n');
  assert.equal(cwd, '/tmp');
  assert.match(blk!, /^SigBlk:\s+0+$/);
  assert.match(ign!, /^SigIgn:\s+0+$/);
  assert.equal(sid, pid);
});

test('many at once all exit and are collected: no zombie is left', { skip }, async () => {
  const kids = Array.from({ length: 40 }, (_, i) => spawnProcess('sh', ['-c', `exit ${i % 7}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const codes = await Promise.all(kids.map(closed));
  assert.deepEqual(codes.map(([c]) => c), kids.map((_, i) => i % 7));
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();
  for (const pid of children ? children.split(' ') : []) {
    assert.doesNotMatch(readFileSync(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(.*\) Z/, `zombie ${pid}`);
  }
});
