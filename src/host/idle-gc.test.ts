import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleCollector } from './idle-gc.js';

test('collects once after the last touch, not while touches keep coming', async () => {
  // No sleeps between touches (a loaded machine stretches them): touches for 700 ms of busy
  // time, longer than the quiet period, keep putting the collection off.
  const c = new IdleCollector(500);
  const until = Date.now() + 700;
  while (Date.now() < until) c.touch();
  await new Promise((r) => setImmediate(r));
  assert.equal(c.collections, 0);
  for (let i = 0; i < 100 && c.collections === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(c.collections, 1);
  c.touch();
  c.close();
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(c.collections, 1);
});

test('the collection frees unreachable memory', async () => {
  const c = new IdleCollector(10);
  let junk: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
  const before = process.memoryUsage().heapUsed;
  junk = undefined;
  c.touch();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(junk, undefined);
  assert.ok(process.memoryUsage().heapUsed < before - 5_000_000, `heap ${before} → ${process.memoryUsage().heapUsed}`);
});
