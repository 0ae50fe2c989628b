// Time zone abbreviations as Go knows them: from the system's tzdata (TZif files, RFC 8536),
// which is where Go's time package reads "CET", "IST" or "+04". Intl's names come from CLDR
// and differ for many zones, so they are only a fallback.

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const ZONEINFO_DIR = '/usr/share/zoneinfo';

interface ZoneType {
  utoff: number; // seconds east of UTC
  abbr: string;
}

interface ZoneInfo {
  transitions: Array<{ at: number; type: number }>; // Unix seconds, ascending
  types: ZoneType[];
  /** The rule for times after the last transition (POSIX TZ string of the TZif footer). */
  footer: ZoneType[];
}

const cache = new Map<string, ZoneInfo | undefined>();

/**
 * The abbreviation tzdata gives the zone at an instant, provided it agrees with the offset
 * (computed elsewhere); undefined when the zone's TZif file cannot be read.
 * timeZone undefined means the local zone: $TZ, else /etc/localtime.
 */
export function tzdataAbbreviation(epochMs: number, offsetMinutes: number, timeZone?: string): string | undefined {
  const zone = loadZone(zoneFile(timeZone));
  if (!zone) return undefined;
  const at = Math.floor(epochMs / 1000);
  const utoff = offsetMinutes * 60;
  const last = zone.transitions[zone.transitions.length - 1];
  if (last === undefined || at >= last.at) {
    const rule = zone.footer.find((t) => t.utoff === utoff);
    if (rule) return rule.abbr;
  }
  let current: ZoneType | undefined;
  for (const t of zone.transitions) {
    if (t.at > at) break;
    current = zone.types[t.type];
  }
  if (current?.utoff === utoff) return current.abbr;
  // Before the first transition or an unexpected offset: the latest type with this offset.
  return [...zone.transitions]
    .reverse()
    .map((t) => zone.types[t.type])
    .concat(zone.types)
    .find((t) => t?.utoff === utoff)?.abbr;
}

function zoneFile(timeZone: string | undefined): string {
  if (timeZone !== undefined) return join(ZONEINFO_DIR, timeZone);
  const tz = process.env['TZ'];
  if (tz === undefined || tz === '') return tz === '' ? join(ZONEINFO_DIR, 'UTC') : '/etc/localtime';
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  return isAbsolute(name) ? name : join(ZONEINFO_DIR, name);
}

function loadZone(path: string): ZoneInfo | undefined {
  if (!cache.has(path)) {
    let zone: ZoneInfo | undefined;
    try {
      zone = parseTZif(readFileSync(path));
    } catch {
      zone = undefined;
    }
    cache.set(path, zone);
  }
  return cache.get(path);
}

/** RFC 8536: uses the 64-bit (version 2+) data block when present. */
function parseTZif(buf: Buffer): ZoneInfo | undefined {
  if (buf.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = buf[4] ?? 0;
  let block = readBlock(buf, 0, 4);
  if (version >= 0x32 /* '2' */) block = readBlock(buf, block.end, 8);
  const footerText = version >= 0x32 ? buf.toString('latin1', block.end).split('\n')[1] ?? '' : '';
  return { transitions: block.transitions, types: block.types, footer: parsePosixTZ(footerText) };
}

interface DataBlock {
  transitions: ZoneInfo['transitions'];
  types: ZoneType[];
  end: number; // offset just past the block
}

/** One header and data block; the header's six counts follow "TZif", a version and 15 reserved bytes. */
function readBlock(buf: Buffer, start: number, timeSize: 4 | 8): DataBlock {
  const count = (i: number): number => buf.readUInt32BE(start + 20 + 4 * i);
  const isutcnt = count(0);
  const isstdcnt = count(1);
  const leapcnt = count(2);
  const timecnt = count(3);
  const typecnt = count(4);
  const charcnt = count(5);
  let p = start + 44;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++, p += timeSize) times.push(timeSize === 8 ? Number(buf.readBigInt64BE(p)) : buf.readInt32BE(p));
  const transitions = times.map((at, i) => ({ at, type: buf[p + i] ?? 0 }));
  p += timecnt;
  const raw: Array<{ utoff: number; abbrind: number }> = [];
  for (let i = 0; i < typecnt; i++, p += 6) raw.push({ utoff: buf.readInt32BE(p), abbrind: buf[p + 5] ?? 0 });
  const chars = buf.toString('latin1', p, p + charcnt);
  p += charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt;
  const types = raw.map(({ utoff, abbrind }) => ({ utoff, abbr: chars.slice(abbrind, chars.indexOf('\0', abbrind)) }));
  return { transitions, types, end: p };
}

/** The zone names and offsets of a POSIX TZ string, e.g. "CET-1CEST,M3.5.0,M10.5.0/3" or "<+04>-4". */
function parsePosixTZ(text: string): ZoneType[] {
  const m = /^(<[^>]+>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})(?:(<[^>]+>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})?)?/.exec(text);
  if (!m) return [];
  const name = (s: string): string => s.replace(/^<|>$/g, '');
  // POSIX offsets count westward: "CET-1" is one hour east of UTC.
  const seconds = (s: string): number => {
    const sign = s.startsWith('-') ? 1 : -1;
    const [h = 0, min = 0, sec = 0] = s.replace(/^[+-]/, '').split(':').map(Number);
    return sign * (h * 3600 + min * 60 + sec);
  };
  const [, stdName = '', stdOffset = '0', dstName, dstOffset] = m;
  const std = { abbr: name(stdName), utoff: seconds(stdOffset) };
  if (dstName === undefined) return [std];
  return [std, { abbr: name(dstName), utoff: dstOffset !== undefined ? seconds(dstOffset) : std.utoff + 3600 }];
}
