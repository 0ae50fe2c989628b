import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimeNs, parseLogLine, parseTimeNs } from './logs.js';

test('k8s-file lines: full lines get their newline back, partial ones do not', () => {
  const full = parseLogLine('2026-11-23T17:28:46.346868680+00:00 stdout F hello world')!;
  assert.equal(full.stream, 1);
  assert.equal(full.data.toString(), 'hello world\n');
  const partial = parseLogLine('2026-11-23T17:28:46.346868680+00:00 stderr P no newline')!;
  assert.equal(partial.stream, 2);
  assert.equal(partial.data.toString(), 'no newline');
  assert.equal(parseLogLine('garbage'), undefined);
});

test('timestamps keep nanoseconds and print as RFC3339Nano UTC', () => {
  const ns = parseTimeNs('2026-11-23T18:28:46.346868680+01:00')!;
  assert.equal(formatTimeNs(ns), '2026-11-23T17:28:46.34686868Z');
  assert.equal(formatTimeNs(parseTimeNs('2026-11-23T17:28:46Z')!), '2026-11-23T17:28:46Z');
});
