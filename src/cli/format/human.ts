// docker's human-readable renderings: durations and sizes (github.com/docker/go-units), short
// IDs (stringid.TruncateID) and "… ago" columns. A container's status line is the daemon's
// (api/container-views.ts), as in moby.

import { formatFloat } from '../../gotemplate/go-float.js';
import { goTimeString } from '../../gotemplate/go-time.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

export { humanDuration } from '../../protocol/human-duration.js';
import { humanDuration } from '../../protocol/human-duration.js';

/** go-units HumanSizeWithPrecision: decimal units, "%.*g" ("4.26MB", "1.24kB", "0B", "1e+03kB"). */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  const [size, unit] = scale(bytes, 1000, DECIMAL_UNITS);
  return formatFloat(size, 'g', precision) + unit;
}

/** go-units HumanSize: four significant digits ("2.746MB"). */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

/** go-units BytesSize: binary units, four significant digits ("7.5MiB"), as `docker stats` prints. */
export function bytesSize(bytes: number): string {
  const [size, unit] = scale(bytes, 1024, BINARY_UNITS);
  return formatFloat(size, 'g', 4) + unit;
}

function scale(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] ?? 'B'];
}

/** stringid.TruncateID: drop the "sha256:" (any "algo:") prefix, keep 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** "2 minutes ago": docker's RunningFor / CreatedSince for a Unix timestamp in seconds. */
export function timeAgo(unixSeconds: number, now: Date = new Date()): string {
  return `${humanDuration(now.getTime() - unixSeconds * 1000)} ago`;
}

/** docker's CreatedAt: time.Unix(created, 0).String() in the local (or given) zone. */
export function createdAt(unixSeconds: number, timeZone?: string): string {
  return goTimeString(new Date(unixSeconds * 1000), timeZone);
}
