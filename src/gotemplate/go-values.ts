// How berth's template engine sees JavaScript data the way Go's reflect sees docker's values.
//
// Docker renders templates over Go values; berth renders them over JSON-shaped JS values. The
// mapping, chosen so that data decoded from the Engine API behaves like docker's:
//   undefined        → an invalid reflect.Value (a missing map key): prints "<no value>"
//   null             → a nil interface inside a map or slice
//   plain objects, Map → Go maps (missing keys are not errors; keys print sorted)
//   arrays           → slices
//   integral numbers, bigint → int; other numbers → float64
//   class instances  → structs: only Exported (upper-case) members are visible, methods are
//                      called, a missing member is an error naming the type.

export type GoKind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'slice'
  | 'map'
  | 'struct'
  | 'func';

/** A class can name the Go type its instances stand for in error messages (e.g. "*formatter.ContainerContext"). */
export const GO_TYPE_NAME: unique symbol = Symbol.for('berth.goTypeName');

export type GoMap = Record<string, unknown> | ReadonlyMap<unknown, unknown>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function goKind(v: unknown): GoKind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      // Beyond 1e21 JS prints exponents, so such values are better treated as floats.
      return Number.isInteger(v) && Math.abs(v) < 1e21 ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'object':
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Map || isPlainObject(v)) return 'map';
      return 'struct';
    default:
      return 'invalid';
  }
}

/** The Go type name docker would show for a value, for `%T`-like error messages. */
export function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func';
    case 'struct': {
      const named = (v as { [GO_TYPE_NAME]?: unknown })[GO_TYPE_NAME];
      if (typeof named === 'string') return named;
      const ctor = (v as { constructor?: { name?: string } }).constructor;
      return ctor?.name ? ctor.name : 'struct';
    }
  }
}

/** Go's definition of truth for if/with/and/or/not: not the zero value of its type. */
export function isTrue(v: unknown): boolean {
  switch (goKind(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return mapSize(v as GoMap) > 0;
    case 'struct':
    case 'func':
      return true;
  }
}

export function mapSize(m: GoMap): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

/** A map lookup; undefined when the key is absent (Go's invalid value). */
export function mapGet(m: GoMap, key: unknown): unknown {
  if (m instanceof Map) return m.has(key) ? m.get(key) : undefined;
  const k = String(key);
  return Object.hasOwn(m, k) ? (m as Record<string, unknown>)[k] : undefined;
}

export function mapHas(m: GoMap, key: unknown): boolean {
  return m instanceof Map ? m.has(key) : Object.hasOwn(m, String(key));
}

/** Entries in the order Go's fmt and range use: keys sorted (numbers numerically, strings bytewise). */
export function sortedMapEntries(m: GoMap): Array<[unknown, unknown]> {
  const entries: Array<[unknown, unknown]> =
    m instanceof Map ? [...m.entries()] : Object.entries(m).filter(([, v]) => v !== undefined);
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Go exports an identifier when its first letter is upper case. */
export function isExported(name: string): boolean {
  // ASCII without the \p{Lu} class: V8 takes milliseconds to build it (see template-lexer.ts).
  if (name.charCodeAt(0) < 0x80) return name[0]! >= 'A' && name[0]! <= 'Z';
  return /^\p{Lu}/u.test(name);
}

/** A struct member (field or method) by name, or undefined when the struct has none. */
export function structMember(s: object, name: string): { value: unknown } | undefined {
  if (!isExported(name) || !(name in s)) return undefined;
  return { value: (s as Record<string, unknown>)[name] };
}

/** Exported, enumerable own fields of a struct, in declaration order (for printing and JSON). */
export function structFields(s: object): Array<[string, unknown]> {
  return Object.entries(s).filter(([k]) => isExported(k));
}
