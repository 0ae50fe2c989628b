import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  bytesSize,
  createdAt,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  timeAgo,
  truncateId,
} from './human.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('humanDuration (go-units HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-5 * SECOND, 'Less than a second'],
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * SECOND, '1 second'],
    [1999, '1 second'],
    [2 * SECOND, '2 seconds'],
    [59 * SECOND, '59 seconds'],
    [60 * SECOND, 'About a minute'],
    [119 * SECOND, 'About a minute'],
    [2 * MINUTE, '2 minutes'],
    [59 * MINUTE, '59 minutes'],
    [60 * MINUTE, 'About an hour'],
    [89 * MINUTE, 'About an hour'],
    [90 * MINUTE, '2 hours'], // hours are rounded
    [47 * HOUR, '47 hours'],
    [47 * HOUR + 30 * MINUTE, '2 days'],
    [48 * HOUR, '2 days'],
    [13 * DAY, '13 days'],
    [14 * DAY, '2 weeks'],
    [59 * DAY, '8 weeks'],
    [60 * DAY, '2 months'],
    [364 * DAY, '12 months'],
    [729 * DAY, '24 months'],
    [730 * DAY, '2 years'],
    [3 * 365 * DAY, '3 years'],
  ];
  for (const [ms, expected] of cases) it(`${ms}ms is "${expected}"`, () => assert.equal(humanDuration(ms), expected));
});

describe('sizes (go-units)', () => {
  it('HumanSizeWithPrecision(…, 3): decimal units, three significant digits', () => {
    assert.equal(humanSizeWithPrecision(0, 3), '0B');
    assert.equal(humanSizeWithPrecision(10, 3), '10B');
    assert.equal(humanSizeWithPrecision(999, 3), '999B');
    assert.equal(humanSizeWithPrecision(1000, 3), '1kB');
    assert.equal(humanSizeWithPrecision(1240, 3), '1.24kB');
    assert.equal(humanSizeWithPrecision(12345, 3), '12.3kB');
    assert.equal(humanSizeWithPrecision(4_261_000, 3), '4.26MB');
    assert.equal(humanSizeWithPrecision(77_800_000, 3), '77.8MB');
    assert.equal(humanSizeWithPrecision(1_125_000, 3), '1.12MB'); // a tie rounds to even
    assert.equal(humanSizeWithPrecision(999_999, 3), '1e+03kB'); // docker really prints this
    assert.equal(humanSizeWithPrecision(1e30, 3), '1e+06YB');
  });

  it('HumanSize: four significant digits', () => {
    assert.equal(humanSize(10000), '10kB');
    assert.equal(humanSize(2_746_000), '2.746MB');
    assert.equal(humanSize(796_000), '796kB');
  });

  it('BytesSize: binary units as docker stats prints memory', () => {
    assert.equal(bytesSize(0), '0B');
    assert.equal(bytesSize(1023), '1023B');
    assert.equal(bytesSize(1024), '1KiB');
    assert.equal(bytesSize(7.5 * 1024 * 1024), '7.5MiB');
    assert.equal(bytesSize(1536 * 1024 * 1024), '1.5GiB');
    assert.equal(bytesSize(15.61 * 1024 ** 3), '15.61GiB');
  });
});

describe('truncateId (stringid.TruncateID)', () => {
  it('drops the algorithm and keeps twelve characters', () => {
    assert.equal(truncateId('sha256:a5a665ff33eced1e0803148700880edab4269067ed77e27737a708d0d293fbf5'), 'a5a665ff33ec');
    assert.equal(truncateId('a5a665ff33eced1e0803148700880edab4269067ed77e27737a708d0d293fbf5'), 'a5a665ff33ec');
    assert.equal(truncateId('abc'), 'abc');
    assert.equal(truncateId('<missing>'), '<missing>');
  });
});

describe('"… ago" and CreatedAt', () => {
  const now = new Date(Date.UTC(2024, 0, 15, 12, 0, 0));
  it('timeAgo', () => {
    assert.equal(timeAgo(now.getTime() / 1000 - 120, now), '2 minutes ago');
    assert.equal(timeAgo(now.getTime() / 1000 - 65, now), 'About a minute ago');
    assert.equal(timeAgo(now.getTime() / 1000 - 86400, now), '24 hours ago');
  });
  it('createdAt', () => {
    assert.equal(createdAt(1705320000, 'UTC'), '2024-01-15 12:00:00 +0000 UTC');
  });
});

