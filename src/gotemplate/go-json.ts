// Go's encoding/json output, byte for byte, for the values berth's templates handle.
//
// Docker's `json` template function encodes with SetEscapeHTML(false), yet `--format json` rows
// come out HTML-escaped: each row implements MarshalJSON with json.Marshal (which escapes), and
// the encoder does not undo that. Rows reproduce this through GO_MARSHAL_JSON.
//
// Plain objects keep their key order: data decoded from the Engine API stands for Go structs,
// whose fields marshal in declaration order, which is the order the API sent them in.
// Map instances are Go maps and marshal with sorted keys.

import { formatGoTime } from './go-time.js';
import { goKind, goTypeName, sortedMapEntries, structFields } from './go-values.js';

/** A value implementing this returns its own JSON text, like Go's json.Marshaler. */
export const GO_MARSHAL_JSON: unique symbol = Symbol.for('berth.goMarshalJSON');

export interface GoJSONMarshaler {
  [GO_MARSHAL_JSON](): string;
}

export interface MarshalOptions {
  /** json.Marshal escapes <, > and & as \u003c, \u003e, \u0026; docker's `json` function does not. */
  escapeHTML: boolean;
}

export class JSONMarshalError extends Error {
  override name = 'JSONMarshalError';
}

/** json.Marshal (or an Encoder without its trailing newline). */
export function marshalGoJSON(v: unknown, options: MarshalOptions): string {
  return encode(v, options);
}

function encode(v: unknown, opts: MarshalOptions): string {
  if (isMarshaler(v)) return v[GO_MARSHAL_JSON]();
  switch (goKind(v)) {
    case 'invalid':
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return typeof v === 'bigint' ? v.toString() : String(v === 0 ? 0 : v);
    case 'float':
      return encodeFloat(v as number);
    case 'string':
      return encodeString(v as string, opts.escapeHTML);
    case 'slice':
      return `[${(v as unknown[]).map((e) => encode(e, opts)).join(',')}]`;
    case 'map':
      return v instanceof Map ? encodeEntries(sortedMapEntries(v), opts) : encodeEntries(definedEntries(v as object), opts);
    case 'struct':
      if (v instanceof Date) return encodeString(formatRFC3339Nano(v), opts.escapeHTML);
      return encodeEntries(structFields(v as object), opts);
    case 'func':
      throw new JSONMarshalError(`json: unsupported type: ${goTypeName(v)}`);
  }
}

function isMarshaler(v: unknown): v is GoJSONMarshaler {
  return typeof v === 'object' && v !== null && typeof (v as Partial<GoJSONMarshaler>)[GO_MARSHAL_JSON] === 'function';
}

function definedEntries(o: object): Array<[string, unknown]> {
  return Object.entries(o).filter(([, e]) => e !== undefined);
}

function encodeEntries(entries: ReadonlyArray<readonly [unknown, unknown]>, opts: MarshalOptions): string {
  return `{${entries.map(([k, e]) => `${encodeString(String(k), opts.escapeHTML)}:${encode(e, opts)}`).join(',')}}`;
}

/** encoding/json's float64: 'f' between 1e-6 and 1e21, else 'e' with a trimmed exponent. */
function encodeFloat(f: number): string {
  if (!Number.isFinite(f)) throw new JSONMarshalError(`json: unsupported value: ${f === Infinity ? '+Inf' : f === -Infinity ? '-Inf' : 'NaN'}`);
  // JavaScript switches notation at exactly the same bounds, with the same exponent form.
  return String(f);
}

const JSON_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** encoding/json's string encoding (Go 1.22+ writes \b and \f short). */
export function encodeString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const short = JSON_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (cp < 0x20 || (escapeHTML && (ch === '<' || ch === '>' || ch === '&'))) out += '\\u' + cp.toString(16).padStart(4, '0');
    else if (cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'; // a lone surrogate is invalid UTF-8 to Go
    else out += ch;
  }
  return out + '"';
}

/** time.Time's JSON form: RFC 3339 with nanoseconds, in UTC for Dates. */
function formatRFC3339Nano(d: Date): string {
  const s = formatGoTime({ epochMs: d.getTime(), offsetMinutes: 0, abbreviation: 'UTC' });
  // "2006-01-02 15:04:05.999 +0000 UTC" → "2006-01-02T15:04:05.999Z"
  return s.replace(' ', 'T').replace(/ \+0000 UTC$/, 'Z');
}
