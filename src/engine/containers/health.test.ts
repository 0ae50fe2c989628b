import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyResult, mergeHealthcheck, nextInterval, probeCommand, validateHealthcheck, LimitedOutput } from './health.js';
import { goDuration } from './exec.js';
import type { HealthState } from './types.js';

const S = 1e9;
const result = (code: number, startMs: number) => ({ Start: new Date(startMs).toISOString(), End: new Date(startMs + 10).toISOString(), ExitCode: code, Output: '' });

test('probe commands: CMD runs as given, CMD-SHELL through /bin/sh -c, NONE and empty run nothing', () => {
  assert.deepEqual(probeCommand({ Test: ['CMD', 'true', 'x'] }), ['true', 'x']);
  assert.deepEqual(probeCommand({ Test: ['CMD-SHELL', 'exit 1'] }), ['/bin/sh', '-c', 'exit 1']);
  assert.equal(probeCommand({ Test: ['NONE'] }), undefined);
  assert.equal(probeCommand({ Test: [] }), undefined);
  assert.equal(probeCommand(undefined), undefined);
});

test('the request\'s healthcheck wins field by field over the image\'s', () => {
  const image = { Test: ['CMD', 'img'], Interval: 5 * S, Retries: 7 };
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({ Interval: 1 * S }, image), { Test: ['CMD', 'img'], Interval: 1 * S, Timeout: undefined, StartPeriod: undefined, StartInterval: undefined, Retries: 7 });
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image)!.Test, ['NONE']);
  assert.throws(() => validateHealthcheck({ Interval: 1000 }), /Interval in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateHealthcheck({ Retries: -1 }), /Retries in Healthcheck cannot be negative/);
});

test('state machine: healthy on success, unhealthy after retries failures, start period forgives', () => {
  const h = { Retries: 2, StartPeriod: 10 * S };
  const started = Date.parse('2026-01-01T00:00:00Z');
  const st: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
  // A failure within the start period while starting does not count.
  assert.equal(applyResult(st, h, result(1, started + 1000), started), false);
  assert.deepEqual([st.Status, st.FailingStreak], ['starting', 0]);
  assert.equal(applyResult(st, h, result(0, started + 2000), started), true);
  assert.equal(st.Status, 'healthy');
  // Once healthy, failures count even within the start period.
  applyResult(st, h, result(1, started + 3000), started);
  assert.deepEqual([st.Status, st.FailingStreak], ['healthy', 1]);
  assert.equal(applyResult(st, h, result(2, started + 4000), started), true);
  assert.deepEqual([st.Status, st.FailingStreak], ['unhealthy', 2]);
  for (let i = 0; i < 5; i++) applyResult(st, h, result(0, started + 5000 + i), started);
  assert.equal(st.Log.length, 5, 'only the last five results are kept');
  assert.deepEqual([st.Status, st.FailingStreak], ['healthy', 0]);
});

test('the start interval applies while starting within the start period', () => {
  const h = { Interval: 30 * S, StartPeriod: 60 * S, StartInterval: 2 * S };
  const st: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
  assert.equal(nextInterval(h, st, 0, 1000), 2 * S);
  assert.equal(nextInterval(h, { ...st, Status: 'healthy' }, 0, 1000), 30 * S);
  assert.equal(nextInterval(h, st, 0, 61_000), 30 * S);
  assert.equal(nextInterval({}, st, 0, 1000), 30 * S, 'no start period: the interval (default 30s)');
});

test('output is capped at 4 KiB; durations print as Go does', () => {
  const o = new LimitedOutput();
  o.push(Buffer.alloc(3000, 'a'));
  o.push(Buffer.alloc(3000, 'b'));
  assert.equal(o.text().length, 4096);
  assert.equal(goDuration(1 * S), '1s');
  assert.equal(goDuration(90 * S), '1m30s');
  assert.equal(goDuration(500e6), '500ms');
  assert.equal(goDuration(1.5 * S), '1.5s');
});
