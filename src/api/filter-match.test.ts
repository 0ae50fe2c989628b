import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boolFilter, labelsMatch, pruneFilter, untilTime } from './filter-match.js';
import { HttpError } from './errors.js';

test('labelsMatch: a key alone or key=value, every spec must match', () => {
  assert.equal(labelsMatch({ a: '1', b: '' }, ['a']), true);
  assert.equal(labelsMatch({ a: '1' }, ['a=1', 'b']), false);
  assert.equal(labelsMatch({ a: '1', b: '' }, ['a=1', 'b=']), true);
  assert.equal(labelsMatch({ a: '1' }, []), true);
});

test('untilTime takes Go durations before now, unix seconds and RFC 3339 times', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  assert.equal(untilTime('1h30m', now), now - 90 * 60_000);
  assert.equal(untilTime('10s', now), now - 10_000);
  assert.equal(untilTime('1700000000.5', now), 1_700_000_000_500);
  assert.equal(untilTime('2026-12-01T00:00:00Z', now), Date.parse('2026-12-01T00:00:00Z'));
  assert.throws(() => untilTime('yesterday', now), (e: unknown) => e instanceof HttpError && e.status === 400);
});

test('pruneFilter: until keeps what is newer, label keeps what does not match, label! keeps what does', () => {
  const hourAgo = Date.now() - 3_600_000;
  const labelled = { keep: '1' };
  const notKeep = pruneFilter(new Map([['label!', ['keep']]]), ['until', 'label', 'label!']);
  assert.equal(notKeep(labelled, hourAgo), false);
  assert.equal(notKeep({}, hourAgo), true);
  const older = pruneFilter(new Map([['until', ['30m']]]), ['until', 'label', 'label!']);
  assert.equal(older({}, hourAgo), true);
  assert.equal(older({}, Date.now()), false);
  const only = pruneFilter(new Map([['label', ['keep=1']]]), ['until', 'label', 'label!']);
  assert.equal(only(labelled, 0), true);
  assert.equal(only({ keep: '2' }, 0), false);
  assert.throws(() => pruneFilter(new Map([['until', ['1h', '2h']]]), ['until']), /more than one until filter/);
  assert.throws(() => pruneFilter(new Map([['dangling', ['true']]]), ['until', 'label']), /invalid filter 'dangling'/);
});

test('boolean filters read as moby\'s GetBoolOrDefault: true/1/false/0 in any case, anything else a 400', () => {
  const f = (v: string) => new Map([['dangling', [v]]]);
  assert.equal(boolFilter(f('TRUE'), 'dangling', false), true);
  assert.equal(boolFilter(f('0'), 'dangling', true), false);
  assert.equal(boolFilter(new Map(), 'dangling', true), true);
  assert.throws(() => boolFilter(f('maybe'), 'dangling', false), /invalid filter 'dangling=maybe'/);
});
