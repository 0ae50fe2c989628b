// Docker's `filters` query parameter: repeated --filter key=value flags become
// {"key":{"value":true}}, JSON-encoded.

import type { Filters } from '../protocol/engine-api.js';

export type FilterInput = Filters | readonly string[] | undefined;

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

/** Parse `--filter key=value` arguments ("bad format of filter (expected name=value)" otherwise). */
export function parseFilterArgs(args: readonly string[]): Filters {
  const out: Filters = {};
  for (const arg of args) {
    const idx = arg.indexOf('=');
    if (idx <= 0) throw new FilterError(`bad format of filter (expected name=value)`);
    const key = arg.slice(0, idx).trim().toLowerCase();
    const value = arg.slice(idx + 1).trim();
    (out[key] ??= {})[value] = true;
  }
  return out;
}

export function encodeFilters(filters: FilterInput): string | undefined {
  if (!filters) return undefined;
  const parsed = Array.isArray(filters) ? parseFilterArgs(filters as readonly string[]) : (filters as Filters);
  if (Object.keys(parsed).length === 0) return undefined;
  return JSON.stringify(parsed);
}
