// The IDs of the containers in sorted order, for docker's lookup by a unique ID prefix
// (`docker inspect 3f2a`): a binary search finds the first ID at or after the prefix, and the
// matches are the IDs from there on that start with it. A pass over every container's ID per
// lookup made each command that names a container by prefix cost more the more there were.
export class IdPrefixIndex {
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  add(id: string): void {
    const i = this.lowerBound(id);
    if (this.ids[i] !== id) this.ids.splice(i, 0, id);
  }

  delete(id: string): void {
    const i = this.lowerBound(id);
    if (this.ids[i] === id) this.ids.splice(i, 1);
  }

  /** Up to `limit` IDs starting with `prefix`, in order (two are enough to tell it is ambiguous). */
  match(prefix: string, limit = 2): string[] {
    const out: string[] = [];
    for (let i = this.lowerBound(prefix); i < this.ids.length && out.length < limit && this.ids[i]!.startsWith(prefix); i++) {
      out.push(this.ids[i]!);
    }
    return out;
  }

  /** The index of the first ID not less than `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
