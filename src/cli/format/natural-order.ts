// The order `docker volume ls` and `docker network ls` list names in (fvbommel/sortorder
// NaturalLess): runs of digits compare as numbers, so "vol2" sorts before "vol10".

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** A comparator for Array.prototype.sort. */
export function naturalCompare(a: string, b: string): number {
  if (naturalLess(a, b)) return -1;
  return naturalLess(b, a) ? 1 : 0;
}

export function naturalLess(a: string, b: string): boolean {
  const s1 = Buffer.from(a);
  const s2 = Buffer.from(b);
  let i = 0;
  let j = 0;
  while (i < s1.length && j < s2.length) {
    const c1 = s1[i] as number;
    const c2 = s2[j] as number;
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1; // digits sort before other characters
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i++;
      j++;
      continue;
    }
    while (i < s1.length && s1[i] === 48) i++;
    while (j < s2.length && s2[j] === 48) j++;
    const start1 = i;
    const start2 = j;
    while (i < s1.length && isDigit(s1[i] as number)) i++;
    while (j < s2.length && isDigit(s2[j] as number)) j++;
    // The shorter number (without leading zeros) is smaller; equal lengths compare as text.
    if (i - start1 !== j - start2) return i - start1 < j - start2;
    const n1 = s1.subarray(start1, i).toString();
    const n2 = s2.subarray(start2, j).toString();
    if (n1 !== n2) return n1 < n2;
    // Same number: fewer leading zeros first.
    if (start1 !== start2) return start1 < start2;
  }
  return s1.length < s2.length;
}
