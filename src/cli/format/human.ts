// docker's human-readable renderings: durations and sizes (github.com/docker/go-units), short
// IDs (stringid.TruncateID), "… ago" columns, and a container's status line ("Up 3 minutes",
// "Exited (0) 5 seconds ago") as the daemon computes it (moby container/state.go).

import { formatFloat } from './go-float.js';
import { goTimeString } from './go-time.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

/**
 * go-units HumanDuration: "Less than a second", "1 second", "About a minute", "5 minutes",
 * "About an hour", "3 hours", "2 days", "3 weeks", "4 months", "2 years".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const exactHours = ms / 3_600_000;
  const hours = Math.trunc(exactHours + 0.5); // rounded, unlike the smaller units
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(exactHours) / 24 / 365)} years`;
}

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

/** What the daemon knows of a container's lifecycle (moby's container.State). */
export interface ContainerRunState {
  running: boolean;
  paused: boolean;
  restarting: boolean;
  removalInProgress?: boolean;
  dead: boolean;
  exitCode: number;
  /** Absent when the container never started (Go's zero time). */
  startedAt?: Date;
  finishedAt?: Date;
  /** Health status when a healthcheck is configured: "starting", "healthy", "unhealthy". */
  health?: string;
}

/** The Status column of `docker ps`: "Up 3 seconds (healthy)", "Exited (0) 5 seconds ago", … */
export function containerStatus(s: ContainerRunState, now: Date = new Date()): string {
  const since = (t: Date | undefined): string => humanDuration(now.getTime() - (t?.getTime() ?? 0));
  if (s.running) {
    if (s.paused) return `Up ${since(s.startedAt)} (Paused)`;
    if (s.restarting) return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    if (s.health !== undefined) {
      const health = s.health === 'starting' ? 'health: starting' : s.health;
      return `Up ${since(s.startedAt)} (${health})`;
    }
    return `Up ${since(s.startedAt)}`;
  }
  if (s.removalInProgress) return 'Removal In Progress';
  if (s.dead) return 'Dead';
  if (!s.startedAt) return 'Created';
  if (!s.finishedAt) return '';
  return `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
}

/** The State column of `docker ps`: "running", "paused", "restarting", "removing", "dead", "created", "exited". */
export function containerStateName(s: ContainerRunState): string {
  if (s.running) {
    if (s.paused) return 'paused';
    if (s.restarting) return 'restarting';
    return 'running';
  }
  if (s.removalInProgress) return 'removing';
  if (s.dead) return 'dead';
  if (!s.startedAt) return 'created';
  return 'exited';
}
