import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nowRfc3339Nano } from './timestamps.js';

test('nowRfc3339Nano: nine fractional digits, UTC, and the current millisecond', () => {
  const before = Date.now();
  const s = nowRfc3339Nano();
  const after = Date.now();
  assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000000Z$/);
  const ms = Date.parse(s);
  assert.ok(ms >= before && ms <= after, `${s} is not between ${before} and ${after}`);
});
