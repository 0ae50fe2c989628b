import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitWaiters } from './exit-waiters.js';

test('an exit wakes next-exit and not-running waiters; removal waiters wait for the removal', async () => {
  const w = new ExitWaiters();
  const woke: string[] = [];
  void w.add('c', 'next-exit').then((code) => woke.push(`next-exit ${code}`));
  void w.add('c', 'removed').then((code) => woke.push(`removed ${code}`));
  void w.add('other', 'next-exit').then(() => woke.push('other'));
  w.notify('c', 'exited', 3);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(woke, ['next-exit 3']);
  w.notify('c', 'removed', 3);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(woke, ['next-exit 3', 'removed 3']);
});

test('an aborted waiter is dropped and rejects; the others still wake', async () => {
  const w = new ExitWaiters();
  const gone = new AbortController();
  const aborted = w.add('c', 'next-exit', gone.signal);
  const kept = w.add('c', 'next-exit');
  assert.equal(w.count('c'), 2);
  gone.abort(new Error('client gone'));
  await assert.rejects(aborted, /client gone/);
  assert.equal(w.count('c'), 1);
  w.notify('c', 'exited', 0);
  assert.equal(await kept, 0);
  assert.equal(w.count('c'), 0);
  await assert.rejects(w.add('c', 'next-exit', gone.signal), /client gone/);
  assert.equal(w.count('c'), 0);
});
