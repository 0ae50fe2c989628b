// How many terminal columns text takes, as docker measures it: East Asian wide and fullwidth
// characters take two. Two measures, because docker uses two libraries:
//   displayWidth — go-runewidth (docker's tabwriter): combining marks and zero-width joiners take none
//   ellipsis     — golang.org/x/text/width (formatter.Ellipsis): every other character takes one

// East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt, merged.
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0],
  [0x23f3, 0x23f3], [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f],
  [0x2693, 0x2693], [0x26a1, 0x26a1], [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5],
  [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea], [0x26f2, 0x26f3], [0x26f5, 0x26f5],
  [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b], [0x2728, 0x2728],
  [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x17000, 0x18cd5], [0x1b000, 0x1b2fb],
  [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f251],
  [0x1f300, 0x1f320], [0x1f32d, 0x1f335], [0x1f337, 0x1f37c], [0x1f37e, 0x1f393], [0x1f3a0, 0x1f3ca],
  [0x1f3cf, 0x1f3d3], [0x1f3e0, 0x1f3f0], [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e], [0x1f440, 0x1f440],
  [0x1f442, 0x1f4fc], [0x1f4ff, 0x1f53d], [0x1f54b, 0x1f54e], [0x1f550, 0x1f567], [0x1f57a, 0x1f57a],
  [0x1f595, 0x1f596], [0x1f5a4, 0x1f5a4], [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f6cc, 0x1f6cc],
  [0x1f6d0, 0x1f6d2], [0x1f6d5, 0x1f6d7], [0x1f6dc, 0x1f6df], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fc],
  [0x1f7e0, 0x1f7eb], [0x1f7f0, 0x1f7f0], [0x1f90c, 0x1f93a], [0x1f93c, 0x1f945], [0x1f947, 0x1f9ff],
  [0x1fa70, 0x1faff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = WIDE_RANGES[mid] as readonly [number, number];
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return true;
  }
  return false;
}

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

// Made at the first character past ASCII: V8 takes milliseconds to build these \p{…} classes,
// which every CLI command that prints a table would otherwise pay at start.
let zeroWidth: RegExp | undefined;

/** go-runewidth's StringWidth, per code point. */
export function displayWidth(s: string): number {
  // Printable ASCII (every cell of most tables) is one column a character. A regular expression
  // checks that in native code; a CLI runs this in V8's interpreter, where a loop over each
  // character of 3,500 cells (`ps` with 500 containers) cost over a millisecond.
  if (!NOT_PRINTABLE_ASCII.test(s)) return s.length;
  let width = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp < 0x7f) {
      width += 1;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    zeroWidth ??= /^[\p{Mn}\p{Me}\p{Cf}\u200b\ufe00-\ufe0f]$/u;
    if (zeroWidth.test(ch)) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

/** x/text/width's view, used by docker's Ellipsis: wide and fullwidth take 2, all else 1. */
function charWidth(ch: string): number {
  return isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
}

/**
 * docker's formatter.Ellipsis: cut s to fit maxWidth columns, ending in "…". A width of 1
 * keeps only the first character; 0 or less gives "".
 */
export function ellipsis(s: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  // ASCII (every column of most tables, a Command among them): one column a character.
  if (/^[\x00-\x7f]*$/.test(s)) return s.length <= maxWidth ? s : maxWidth === 1 ? s.slice(0, 1) : s.slice(0, maxWidth - 1) + '…';
  const chars = [...s];
  if (maxWidth === 1) return chars[0] ?? '';
  let total = 0;
  const ends: number[] = [];
  for (const ch of chars) {
    total += charWidth(ch);
    ends.push(total);
  }
  if (total <= maxWidth) return s;
  // Keep the longest prefix that leaves one column for the ellipsis.
  let keep = 0;
  while (keep < ends.length && (ends[keep] ?? 0) <= maxWidth - 1) keep++;
  return chars.slice(0, keep).join('') + '…';
}
