// --since / --until values, converted as docker's api/types/time GetTimestamp does before they
// go to the daemon: a Go duration is "that long ago" in Unix seconds, an RFC 3339 date (local
// time when it names no zone) becomes "seconds.nanoseconds", a Unix timestamp passes through.

import { parseGoDuration } from '../protocol/units.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

export function getTimestamp(value: string, now: number = Date.now()): string {
  if (value !== '0') {
    try {
      const ns = parseGoDuration(value);
      return String(Math.floor((now - ns / 1e6) / 1000));
    } catch {
      // Not a duration.
    }
  }
  const m = DATE.exec(value);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
    const nanos = Number((frac + '000000000').slice(0, 9));
    let ms: number;
    if (zone === undefined) {
      ms = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
    } else {
      ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
      if (zone !== 'Z' && zone !== 'z') {
        const sign = zone.startsWith('-') ? -1 : 1;
        const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
        ms -= sign * (zh * 60 + zm) * 60000;
      }
    }
    if (Number.isNaN(ms)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
    return `${Math.floor(ms / 1000)}.${String(nanos).padStart(9, '0')}`;
  }
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse as RFC 3339`);
  if (!/^\d+(\.\d{1,9})?$/.test(value)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return value;
}
