import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { existsSync } from 'node:fs';

import { formatGoTime, goRFC3339, goTimeString, parseRFC3339 } from './go-time.js';

// Go reads zone names from the system's tzdata; without it berth falls back to CLDR's names.
const noTzdata = existsSync('/usr/share/zoneinfo/Asia/Dubai') ? false : 'no tzdata on this machine';

const instant = new Date(Date.UTC(2024, 0, 15, 12, 30, 45));

describe('goTimeString (time.Time.String)', () => {
  it('prints the zone offset and abbreviation Go prints', () => {
    assert.equal(goTimeString(instant, 'UTC'), '2024-01-15 12:30:45 +0000 UTC');
    assert.equal(goTimeString(instant, 'America/New_York'), '2024-01-15 07:30:45 -0500 EST');
    assert.equal(goTimeString(new Date(Date.UTC(2024, 6, 1)), 'America/Los_Angeles'), '2024-06-30 17:00:00 -0700 PDT');
    assert.equal(goTimeString(instant, 'Europe/Berlin'), '2024-01-15 13:30:45 +0100 CET');
  });

  it('names zones from tzdata where CLDR differs', { skip: noTzdata }, () => {
    assert.equal(goTimeString(instant, 'Asia/Kolkata'), '2024-01-15 18:00:45 +0530 IST');
  });

  it('uses numeric abbreviations for zones tzdata does not name', { skip: noTzdata }, () => {
    assert.equal(goTimeString(instant, 'Asia/Dubai'), '2024-01-15 16:30:45 +0400 +04');
  });

  it('prints fractions of a second without trailing zeros', () => {
    assert.equal(goTimeString(new Date(Date.UTC(2024, 0, 15, 12, 30, 45, 120)), 'UTC'), '2024-01-15 12:30:45.12 +0000 UTC');
  });
});

describe('goRFC3339', () => {
  it('writes Z for UTC and an offset elsewhere', () => {
    assert.equal(goRFC3339(instant, 'UTC'), '2024-01-15T12:30:45Z');
    assert.equal(goRFC3339(instant, 'Europe/Berlin'), '2024-01-15T13:30:45+01:00');
  });
});

describe('parseRFC3339', () => {
  it('keeps nanoseconds and the zone as time.Parse does', () => {
    const t = parseRFC3339('2024-03-01T10:20:30.123456789Z');
    assert.ok(t);
    assert.equal(formatGoTime(t), '2024-03-01 10:20:30.123456789 +0000 UTC');
    const offset = parseRFC3339('2024-03-01T10:20:30+02:00');
    assert.ok(offset);
    assert.equal(formatGoTime(offset), '2024-03-01 10:20:30 +0200 +0200');
    assert.equal(offset.epochMs, Date.UTC(2024, 2, 1, 8, 20, 30));
    assert.equal(formatGoTime(parseRFC3339('0001-01-01T00:00:00Z') ?? assert.fail()), '0001-01-01 00:00:00 +0000 UTC');
    assert.equal(parseRFC3339('yesterday'), undefined);
  });
});

describe('the local zone', () => {
  it('follows $TZ as Go does', { skip: noTzdata }, () => {
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'Europe/Berlin';
      assert.equal(goTimeString(new Date(Date.UTC(2024, 6, 1, 10))), '2024-07-01 12:00:00 +0200 CEST');
      process.env['TZ'] = 'UTC';
      assert.equal(goTimeString(instant), '2024-01-15 12:30:45 +0000 UTC');
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });
});
