// The filter values docker's list and prune routes share: label specs and `until` times, and
// the prune filters (moby daemon/prune.go: getUntilFromPruneFilters, matchLabels). One copy,
// where each route had its own, and container prune ignored until= and label! (it pruned what
// those filters were given to keep).
import { HttpError } from './errors.js';

/** Docker's label filters: "k" (the key is set) or "k=v"; every one must match. */
export function labelsMatch(labels: Record<string, string>, specs: readonly string[]): boolean {
  return specs.every((s) => {
    const i = s.indexOf('=');
    return i < 0 ? s in labels : labels[s.slice(0, i)] === s.slice(i + 1);
  });
}

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/**
 * Docker's `until` values (api/types/time GetTimestamp) in epoch milliseconds: a Go duration
 * before now ("24h", "1h30m"), unix seconds ("1700000000.5"), or an RFC 3339 date or time.
 */
export function untilTime(v: string, now = Date.now()): number {
  if (/^-?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    const sign = v.startsWith('-') ? -1 : 1;
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_DURATION_UNITS[m[2]!]!;
    return now - sign * ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError(400, `failed to parse value as time or duration: "${v}"`);
  return t;
}

/**
 * A prune's filters as a test of one object (its labels, its creation time): `until` keeps what
 * was created after it, `label` keeps what does not match, `label!` keeps what does. A key not
 * in `accepted` is docker's 400.
 */
export function pruneFilter(filters: Map<string, string[]>, accepted: readonly string[]): (labels: Record<string, string>, createdMs: number) => boolean {
  for (const k of filters.keys()) if (!accepted.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
  const until = filters.get('until') ?? [];
  if (until.length > 1) throw new HttpError(400, 'more than one until filter specified');
  const before = until.length ? untilTime(until[0]!) : undefined;
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  return (l, createdMs) => {
    if (before !== undefined && createdMs > before) return false;
    if (!labelsMatch(l, labels)) return false;
    return !(notLabels.length && labelsMatch(l, notLabels));
  };
}

/** A boolean filter value as moby's GetBoolOrDefault reads it (true/1/false/0, any case); another is a 400. */
export function boolFilter(filters: Map<string, string[]>, key: string, dflt: boolean): boolean {
  const v = filters.get(key);
  if (!v?.length) return dflt;
  if (v.some((x) => ['true', '1'].includes(x.toLowerCase()))) return true;
  if (v.some((x) => ['false', '0'].includes(x.toLowerCase()))) return false;
  throw new HttpError(400, `invalid filter '${key}=${v[0]}'`);
}
