// Go text/template's predefined functions (text/template, funcs.go): and or not len index slice
// call print printf println html js urlquery eq ne lt le gt ge, with Go's error messages.

import { formatValue, isGoPrint, sprint, sprintln } from './go-print.js';
import { sprintf } from './go-printf.js';
import { goKind, goTypeName, isTrue, mapGet, type GoMap } from './go-values.js';
import { fromJSFunction, templateFunc, type FuncTable, type TemplateFunc } from './template-func.js';

const logic = (kind: 'and' | 'or'): TemplateFunc => ({ params: ['any', 'any'], variadic: true, logic: kind, call: () => undefined });

export const GO_BUILTINS: FuncTable = new Map<string, TemplateFunc>([
  ['and', logic('and')],
  ['or', logic('or')],
  ['not', templateFunc(['any'], ([a]) => !isTrue(a))],
  ['len', templateFunc(['any'], ([a]) => length(a))],
  ['index', templateFunc(['any', 'any'], ([item, ...indexes]) => index(item, indexes), true)],
  ['slice', templateFunc(['any', 'any'], ([item, ...indexes]) => slice(item, indexes), true)],
  ['call', templateFunc(['any', 'any'], ([fn, ...args]) => call(fn, args), true)],
  ['print', templateFunc(['any'], (args) => sprint(args), true)],
  ['printf', templateFunc(['string', 'any'], ([format, ...args]) => sprintf(format as string, args), true)],
  ['println', templateFunc(['any'], (args) => sprintln(args), true)],
  ['html', templateFunc(['any'], (args) => htmlEscape(stringArg(args)), true)],
  ['js', templateFunc(['any'], (args) => jsEscape(stringArg(args)), true)],
  ['urlquery', templateFunc(['any'], (args) => queryEscape(stringArg(args)), true)],
  ['eq', templateFunc(['any', 'any'], ([a, ...rest]) => eq(a, rest), true)],
  ['ne', templateFunc(['any', 'any'], ([a, b]) => !eq(a, [b]))],
  ['lt', templateFunc(['any', 'any'], ([a, b]) => lt(a, b))],
  ['le', templateFunc(['any', 'any'], ([a, b]) => lt(a, b) || eq(a, [b]))],
  ['gt', templateFunc(['any', 'any'], ([a, b]) => !(lt(a, b) || eq(a, [b])))],
  ['ge', templateFunc(['any', 'any'], ([a, b]) => !lt(a, b))],
]);

/** Go's `len`: byte length for strings, element count for slices and maps. */
function length(item: unknown): number {
  switch (goKind(item)) {
    case 'string':
      return Buffer.byteLength(item as string);
    case 'slice':
      return (item as unknown[]).length;
    case 'map':
      return item instanceof Map ? item.size : Object.keys(item as object).length;
    case 'nil':
      throw new Error('len of nil pointer');
    case 'invalid':
      throw new Error('reflect: call of reflect.Value.Type on zero Value');
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

function index(item: unknown, indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let current: unknown = item;
  for (const key of indexes) {
    switch (goKind(current)) {
      case 'nil':
      case 'invalid':
        throw new Error('index of nil pointer');
      case 'slice':
      case 'string': {
        const seq = current as string | unknown[];
        const len = typeof seq === 'string' ? Buffer.byteLength(seq) : seq.length;
        const i = indexArg(key, len);
        if (i === len) throw new Error('reflect: slice index out of range');
        current = typeof seq === 'string' ? Buffer.from(seq)[i] : seq[i];
        // A slice element that is missing altogether is a nil interface in Go.
        if (current === undefined) current = null;
        break;
      }
      case 'map':
        if (key === undefined || key === null) throw new Error('value is nil; should be of type string');
        if (typeof key !== 'string' && !(current instanceof Map)) {
          throw new Error(`value has type ${goTypeName(key)}; should be string`);
        }
        // A missing key gives the zero value of the element type. berth's maps are JSON objects,
        // untyped; docker's inspect templates run on Go structs first, where labels, options and
        // the like are map[string]string: so a map of strings only (or an empty one) gives "", as
        // `{{index .Config.Labels "x"}}` prints for docker, and any other a nil interface.
        current = mapGet(current as GoMap, key) ?? (isStringMap(current as GoMap) ? '' : null);
        break;
      default:
        throw new Error(`can't index item of type ${goTypeName(current)}`);
    }
  }
  return current;
}

function isStringMap(m: GoMap): boolean {
  const values = m instanceof Map ? [...m.values()] : Object.values(m);
  return values.every((v) => typeof v === 'string');
}

function indexArg(key: unknown, cap: number): number {
  if (key === undefined || key === null) throw new Error('cannot index slice/array with nil');
  if (goKind(key) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(key)}`);
  const i = Number(key);
  if (i < 0 || i > cap) throw new Error(`index out of range: ${i}`);
  return i;
}

function slice(item: unknown, indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = goKind(item);
  if (kind !== 'string' && kind !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (kind === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  const seq = kind === 'string' ? Buffer.from(item as string) : (item as unknown[]);
  const cap = seq.length;
  const idx = [0, cap, cap];
  indexes.forEach((k, i) => (idx[i] = indexArg(k, cap)));
  const [from = 0, to = cap] = idx;
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && (idx[2] ?? cap) < to) throw new Error(`invalid slice index: ${to} > ${idx[2] ?? cap}`);
  return kind === 'string' ? (seq as Buffer).subarray(from, to).toString() : (seq as unknown[]).slice(from, to);
}

function call(fn: unknown, args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${goTypeName(fn)}`);
  const f = fromJSFunction(fn as () => unknown);
  if (args.length !== f.params.length) throw new Error(`wrong number of args for call: want ${f.params.length} got ${args.length}`);
  return f.call(args);
}

// ---- comparison

type BasicKind = 'bool' | 'number' | 'string';

function basicKind(v: unknown): BasicKind | undefined {
  switch (goKind(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    default:
      return undefined;
  }
}

const isNil = (v: unknown): boolean => v === undefined || v === null;

function eq(a: unknown, others: unknown[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of others) {
    const k2 = basicKind(b);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNil(a) && !isNil(b)) {
        if (k1 === undefined || k2 === undefined) throw new Error(`non-comparable types ${formatValue(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${formatValue(b)}`);
        throw new Error('incompatible types for comparison');
      }
      truth = isNil(a) && isNil(b);
    } else if (k1 !== undefined) {
      truth = typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a as number) === BigInt(b as number) : a === b;
    } else if (isNil(a) || isNil(b)) {
      truth = isNil(a) && isNil(b);
    } else {
      const kind = goKind(b);
      if (kind === 'slice' || kind === 'map' || kind === 'func') throw new Error(`non-comparable type ${formatValue(b)}: ${goTypeName(b)}`);
      truth = a === b;
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === undefined || k2 === undefined) throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'string') return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return (a as number) < (b as number);
}

// ---- escaping

/** Go's evalArgs: a lone string is used as is, anything else is fmt.Sprint'ed. */
function stringArg(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

function htmlEscape(s: string): string {
  const map: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
  return s.replace(/["'&<>\0]/g, (c) => map[c] ?? c);
}

function jsEscape(s: string): string {
  const map: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (map[ch] !== undefined) out += map[ch];
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp >= 0x80 && !isGoPrint(ch)) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

/** url.QueryEscape: unreserved characters stay, spaces become '+', the rest %XX. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}
