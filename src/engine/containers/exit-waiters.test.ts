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
