// List pagination for tags/list and _catalog (OCI distribution-spec, "Listing Tags"): results
// are lexically sorted; `n` limits the count, `last` resumes after a given entry, and a Link
// header with rel="next" points to the following page when more remain.
import { registryError } from './errors.js';

export interface Page {
  items: string[];
  /** The Link header value when more entries follow. */
  link?: string;
}

/** `all` must be sorted. `basePath` is the URL path the next link repeats ("/v2/_catalog"). */
export function paginate(all: readonly string[], query: URLSearchParams, basePath: string): Page {
  const nRaw = query.get('n');
  const last = query.get('last') ?? '';
  let n: number | undefined;
  if (nRaw !== null && nRaw !== '') {
    if (!/^\d+$/.test(nRaw)) throw registryError('PAGINATION_NUMBER_INVALID', { n: nRaw });
    n = Number(nRaw);
  }
  let start = 0;
  if (last) {
    // First entry strictly after `last`: entries need not contain `last` itself.
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]! <= last) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  if (n === undefined) return { items: all.slice(start) };
  const items = all.slice(start, start + n);
  if (n > 0 && start + n < all.length) {
    const next = new URLSearchParams({ n: String(n), last: items[items.length - 1]! });
    return { items, link: `<${basePath}?${next.toString()}>; rel="next"` };
  }
  return { items };
}

/** Byte order, as Go's sort.Strings: the order distribution lists in. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
