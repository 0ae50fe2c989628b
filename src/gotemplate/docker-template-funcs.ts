// The functions docker adds to every --format template (docker/cli templates/templates.go), and
// the stand-ins it uses when rendering a table's header row, which keep column names intact.

import { marshalGoJSON } from './go-json.js';
import { templateFunc, type FuncTable, type TemplateFunc } from './template-func.js';

export const DOCKER_FUNCS: FuncTable = new Map<string, TemplateFunc>([
  // json.Encoder with SetEscapeHTML(false), trailing newline trimmed.
  ['json', templateFunc(['any'], ([v]) => marshalGoJSON(v, { escapeHTML: false }).trim())],
  ['split', templateFunc(['string', 'string'], ([s, sep]) => split(s as string, sep as string))],
  ['join', templateFunc(['strings', 'string'], ([list, sep]) => (list as string[]).join(sep as string))],
  ['title', templateFunc(['string'], ([s]) => title(s as string))],
  ['lower', templateFunc(['string'], ([s]) => (s as string).toLowerCase())],
  ['upper', templateFunc(['string'], ([s]) => (s as string).toUpperCase())],
  ['pad', templateFunc(['string', 'int', 'int'], ([s, left, right]) => pad(s as string, left as number, right as number))],
  ['truncate', templateFunc(['string', 'int'], ([s, n]) => truncate(s as string, n as number))],
]);

/** Replacements while rendering the header row: the column name passes through unchanged. */
export const DOCKER_HEADER_FUNCS: FuncTable = new Map<string, TemplateFunc>([
  ['json', templateFunc(['string'], ([v]) => v)],
  ['split', templateFunc(['string', 'string'], ([v]) => v)],
  ['join', templateFunc(['string', 'string'], ([v]) => v)],
  ['title', templateFunc(['string'], ([v]) => v)],
  ['lower', templateFunc(['string'], ([v]) => v)],
  ['upper', templateFunc(['string'], ([v]) => v)],
  ['truncate', templateFunc(['string', 'int'], ([v]) => v)],
]);

/** strings.Split: an empty separator splits after each character. */
function split(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

/** strings.Title: upper-cases the first letter of each word; words end at non-alphanumerics. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  if ((ch.codePointAt(0) ?? 0) <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** Spaces around a non-empty string. */
function pad(s: string, left: number, right: number): string {
  if (s === '') return s;
  return ' '.repeat(Math.max(left, 0)) + s + ' '.repeat(Math.max(right, 0));
}

/** Go slices bytes: a cut inside a multi-byte character leaves an invalid sequence (shown as U+FFFD). */
function truncate(s: string, n: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length < n) return s;
  return bytes.subarray(0, n).toString('utf8');
}
