// Go's renderings of a time.Time that docker prints: Time.String()
// ("2006-01-02 15:04:05.999999999 -0700 MST", the CreatedAt columns) and RFC 3339
// (`docker history --human=false`).
//
// Go names zones by their tzdata abbreviation (CET, PST, UTC, or a numeric "+04" for zones that
// have no name); zoneinfo.ts reads them where Go does.

import { tzdataAbbreviation } from './zoneinfo.js';

export interface ZonedTime {
  /** The instant, in milliseconds since the epoch. */
  epochMs: number;
  /** Nanoseconds within the second, when known beyond milliseconds (API timestamps carry them). */
  nanos?: number;
  /** Offset from UTC in minutes (east positive). */
  offsetMinutes: number;
  /** Zone abbreviation as Go prints it. */
  abbreviation: string;
}

/** The local (or given IANA) zone's view of an instant. */
export function zonedTime(date: Date, timeZone?: string): ZonedTime {
  const epochMs = date.getTime();
  const offsetMinutes = timeZone === undefined ? -date.getTimezoneOffset() : zoneOffset(date, timeZone);
  const abbreviation = tzdataAbbreviation(epochMs, offsetMinutes, timeZone) ?? intlAbbreviation(date, offsetMinutes, timeZone);
  return { epochMs, offsetMinutes, abbreviation };
}

/** time.Time.String() of an instant in the local (or given IANA) zone. */
export function goTimeString(date: Date, timeZone?: string): string {
  return formatGoTime(zonedTime(date, timeZone));
}

/** time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST", trailing fraction zeros dropped. */
export function formatGoTime(t: ZonedTime): string {
  const wall = new Date(t.epochMs + t.offsetMinutes * 60_000);
  const nanos = t.nanos ?? (((t.epochMs % 1000) + 1000) % 1000) * 1_000_000;
  const fraction = nanos === 0 ? '' : '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${wallClock(wall, ' ')}${fraction} ${numericOffset(t.offsetMinutes, false)} ${t.abbreviation}`;
}

/** time.RFC3339 ("2006-01-02T15:04:05Z07:00") of an instant in the local (or given) zone. */
export function goRFC3339(date: Date, timeZone?: string): string {
  const t = zonedTime(date, timeZone);
  const wall = new Date(t.epochMs + t.offsetMinutes * 60_000);
  const zone = t.offsetMinutes === 0 ? 'Z' : numericOffset(t.offsetMinutes, true);
  return `${wallClock(wall, 'T')}${zone}`;
}

/**
 * An RFC 3339 timestamp as Go's time.Parse keeps it: "Z" parses to UTC, any other offset to a
 * zone that has no name, which Go prints as the numeric offset ("+0100 +0100").
 */
export function parseRFC3339(text: string): ZonedTime | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, day, clock, frac = '', zone = 'Z'] = m;
  const offsetMinutes = /^[Zz]$/.test(zone) ? 0 : parseOffset(zone);
  const wallMs = Date.parse(`${day}T${clock}Z`);
  if (Number.isNaN(wallMs)) return undefined;
  const nanos = Number(frac.padEnd(9, '0'));
  const abbreviation = /^[Zz]$/.test(zone) ? 'UTC' : numericOffset(offsetMinutes, false);
  return { epochMs: wallMs - offsetMinutes * 60_000 + Math.floor(nanos / 1e6), nanos, offsetMinutes, abbreviation };
}

function parseOffset(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h = '0', m = '0'] = zone.slice(1).split(':');
  return sign * (Number(h) * 60 + Number(m));
}

function wallClock(wall: Date, sep: string): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const year = String(wall.getUTCFullYear()).padStart(4, '0');
  return (
    `${year}-${p2(wall.getUTCMonth() + 1)}-${p2(wall.getUTCDate())}` +
    `${sep}${p2(wall.getUTCHours())}:${p2(wall.getUTCMinutes())}:${p2(wall.getUTCSeconds())}`
  );
}

/** "-0700" (or "-07:00" with a colon). */
function numericOffset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}${colon ? ':' : ''}${mm}`;
}

function zoneOffset(date: Date, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = name ? /GMT([+-])(\d{2}):(\d{2})/.exec(name) : null;
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Without tzdata: CLDR's names (en-US knows American zones, en-GB European), else numeric. */
function intlAbbreviation(date: Date, offsetMinutes: number, timeZone: string | undefined): string {
  for (const locale of ['en-US', 'en-GB']) {
    const name = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (name && !/^(GMT|UTC)[+\-\u2212]/.test(name) && !(name === 'GMT' && offsetMinutes !== 0)) return name;
  }
  // tzdata's numeric abbreviations: "+03", "+0530".
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  return abs % 60 === 0 ? `${sign}${hh}` : `${sign}${hh}${String(abs % 60).padStart(2, '0')}`;
}
