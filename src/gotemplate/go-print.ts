// Go's default textual forms: fmt's %v (what {{.X}} prints), fmt.Sprint/Sprintln spacing, and
// strconv.Quote (used by docker for `ps`'s COMMAND column and by Go's error messages).

import { formatFloat } from './go-float.js';
import { goTimeString } from './go-time.js';
import { goKind, sortedMapEntries, structFields, type GoMap } from './go-values.js';

/** fmt.Sprint of a single value with the %v verb. */
export function formatValue(v: unknown): string {
  switch (goKind(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return typeof v === 'bigint' ? v.toString() : String(v === 0 ? 0 : v);
    case 'float':
      return formatFloat(v as number, 'g', -1);
    case 'string':
      return v as string;
    case 'slice':
      return `[${(v as unknown[]).map(formatValue).join(' ')}]`;
    case 'map':
      return `map[${sortedMapEntries(v as GoMap)
        .map(([k, e]) => `${formatValue(k)}:${formatValue(e)}`)
        .join(' ')}]`;
    case 'func':
      return '<func>';
    case 'struct':
      return formatStruct(v as object);
  }
}

function formatStruct(s: object): string {
  if (s instanceof Date) return goTimeString(s);
  // A class with its own toString plays the part of a Go fmt.Stringer.
  if (hasOwnToString(s)) return String(s);
  return `{${structFields(s)
    .map(([, f]) => formatValue(f))
    .join(' ')}}`;
}

export function hasOwnToString(s: object): boolean {
  return typeof (s as { toString?: unknown }).toString === 'function' && s.toString !== Object.prototype.toString;
}

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(arg);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: operands are always separated by a space, and a newline is appended. */
export function sprintln(args: readonly unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

/** strconv.Quote: a double-quoted Go string literal, escaping only what Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += quoteRune(ch, '"');
  return out + '"';
}

/** strconv.QuoteRune: a single-quoted Go rune literal. */
export function goQuoteRune(ch: string): string {
  return `'${quoteRune(ch, "'")}'`;
}

function quoteRune(ch: string, quote: string): string {
  if (ch === quote || ch === '\\') return '\\' + ch;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd'; // a lone surrogate is invalid UTF-8 to Go
  if (isGoPrint(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrint(ch: string): boolean {
  // Printable ASCII is all letters, digits, punctuation and symbols; the \p{…} class is slow to
  // build (see template-lexer.ts), so only other characters need it.
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ch.length === 1 && c >= 0x20 && c < 0x7f;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/** fmt's %#U: "U+0041 'A'" (the quoted form is omitted for non-printable runes). */
export function formatUnicode(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const code = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return isGoPrint(ch) ? `${code} '${ch}'` : code;
}
