import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerStatusText, humanDuration } from './human-duration.js';

test('humanDuration follows go-units thresholds', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(59_000), '59 seconds');
  assert.equal(humanDuration(60_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3_600_000), 'About an hour');
  assert.equal(humanDuration(3 * 3_600_000), '3 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
  assert.equal(humanDuration(21 * 86_400_000), '3 weeks');
  assert.equal(humanDuration(90 * 86_400_000), '3 months');
  assert.equal(humanDuration(3 * 365 * 86_400_000), '3 years');
});

test('status text reads like docker ps', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  const base = { ExitCode: 0, StartedAt: '2026-01-01T00:00:57Z', FinishedAt: '0001-01-01T00:00:00Z' };
  assert.equal(containerStatusText({ ...base, Status: 'running' }, now), 'Up 3 seconds');
  assert.equal(containerStatusText({ ...base, Status: 'paused' }, now), 'Up 3 seconds (Paused)');
  assert.equal(containerStatusText({ ...base, Status: 'created' }, now), 'Created');
  assert.equal(
    containerStatusText({ ...base, Status: 'exited', ExitCode: 137, FinishedAt: '2026-01-01T00:00:00Z' }, now),
    'Exited (137) About a minute ago',
  );
});
