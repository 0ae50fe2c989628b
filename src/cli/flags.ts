// A docker-style (spf13/pflag) flag parser: `-it` clusters, `-p 80:80` and `-p80:80`,
// `--name=x` and `--name x`, repeated list flags, `--` ends the flags, and with
// interspersed off (run, exec) the first positional argument ends them too.
// Error texts are pflag's, which docker prints as they are.

export type FlagKind = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  /** Long name, without the dashes. */
  long: string;
  /** One-letter shorthand. */
  short?: string;
  kind: FlagKind;
  /** The type word in help ("string", "list", "bytes", "duration", …). */
  type?: string;
  usage: string;
  /** Shown in help as (default …). */
  defaultText?: string;
  /** Value of a bool flag that is not given (e.g. --sig-proxy defaults to true). */
  defaultBool?: boolean;
  /** Check a value when it is parsed; throw an Error whose message explains why it is wrong. */
  validate?: (value: string) => void;
  hidden?: boolean;
  /** Another name for the flag `aliasOf` (--net for --network): its values are recorded under that name. */
  aliasOf?: string;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

export class Flags {
  private readonly values = new Map<string, string[]>();
  private readonly specs = new Map<string, FlagSpec>();

  constructor(specs: readonly FlagSpec[]) {
    for (const spec of specs) this.specs.set(spec.long, spec);
  }

  /** Record a value (used by the parser). */
  set(long: string, value: string): void {
    const spec = this.specs.get(long);
    const list = this.values.get(long);
    if (spec && spec.kind !== 'list') this.values.set(long, [value]);
    else if (list) list.push(value);
    else this.values.set(long, [value]);
  }

  changed(long: string): boolean {
    return this.values.has(long);
  }

  bool(long: string): boolean {
    const v = this.values.get(long);
    if (!v || v.length === 0) return this.specs.get(long)?.defaultBool ?? false;
    return parseGoBool(v[v.length - 1] ?? '') ?? false;
  }

  string(long: string): string | undefined {
    const v = this.values.get(long);
    return v ? v[v.length - 1] : undefined;
  }

  int(long: string): number | undefined {
    const s = this.string(long);
    return s === undefined ? undefined : parseGoInt(s);
  }

  list(long: string): string[] {
    return [...(this.values.get(long) ?? [])];
  }

  /** A pflag StringSlice ("strings"): each value is one CSV record, so `--alias a,b` gives a and b. */
  strings(long: string): string[] {
    return this.list(long).flatMap(readCSVRecord);
  }
}

/** One line of CSV as Go's encoding/csv reads it ("" is no fields, as pflag's readAsCSV gives). */
export function readCSVRecord(line: string): string[] {
  if (line === '') return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        if (i < line.length && line[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        break;
      }
    } else {
      const comma = line.indexOf(',', i);
      field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      const quote = field.indexOf('"');
      if (quote >= 0) throw new Error(`parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`);
      i = comma < 0 ? line.length : comma;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

export interface ParseOptions {
  /** Flags after positional arguments are still flags (default true; run and exec say false). */
  interspersed?: boolean;
}

export interface ParseResult {
  flags: Flags;
  args: string[];
  /** --help (or -h where -h means nothing else) was given. */
  help: boolean;
  /** -h was used for help: docker prints a deprecation notice for it. */
  helpShorthand: boolean;
}

/** strconv.ParseBool */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64): decimal, 0x hex, 0o/leading-0 octal, 0b binary, underscores. */
export function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  let body = (m[2] ?? '').replace(/_/g, '');
  let base = 10;
  if (/^0[xX]/.test(body)) {
    base = 16;
    body = body.slice(2);
  } else if (/^0[bB]/.test(body)) {
    base = 2;
    body = body.slice(2);
  } else if (/^0[oO]/.test(body)) {
    base = 8;
    body = body.slice(2);
  } else if (body.length > 1 && body.startsWith('0')) {
    base = 8;
    body = body.slice(1);
  }
  if (body === '') return undefined;
  const n = parseInt(body, base);
  return Number.isNaN(n) ? undefined : sign * n;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

export function flagDisplayName(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.long}` : `--${spec.long}`;
}

function checkValue(spec: FlagSpec, value: string): void {
  let reason: string | undefined;
  if (spec.kind === 'bool') {
    if (parseGoBool(value) === undefined) reason = `strconv.ParseBool: parsing ${quote(value)}: invalid syntax`;
  } else if (spec.kind === 'int') {
    if (parseGoInt(value) === undefined) reason = `strconv.ParseInt: parsing ${quote(value)}: invalid syntax`;
  }
  if (reason === undefined && spec.validate) {
    try {
      spec.validate(value);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
  }
  if (reason !== undefined) {
    throw new FlagError(`invalid argument ${quote(value)} for ${quote(flagDisplayName(spec))} flag: ${reason}`);
  }
}

export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[], opts: ParseOptions = {}): ParseResult {
  const interspersed = opts.interspersed ?? true;
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byLong.set(spec.long, spec);
    if (spec.short) byShort.set(spec.short, spec);
  }
  const helpSpec: FlagSpec = { long: 'help', kind: 'bool', usage: 'Print usage' };
  if (!byLong.has('help')) byLong.set('help', helpSpec);
  const hForHelp = !byShort.has('h');

  const flags = new Flags(specs);
  const args: string[] = [];
  let help = false;
  let helpShorthand = false;

  const setFlag = (spec: FlagSpec, value: string): void => {
    checkValue(spec, value);
    if (spec === helpSpec || spec.long === 'help') {
      help = parseGoBool(value) ?? false;
      return;
    }
    flags.set(spec.aliasOf ?? spec.long, value);
  };

  let i = 0;
  while (i < argv.length) {
    const s = argv[i++] as string;
    if (s.length === 0 || s[0] !== '-' || s.length === 1) {
      if (!interspersed) {
        args.push(s, ...argv.slice(i));
        break;
      }
      args.push(s);
      continue;
    }
    if (s[1] === '-') {
      if (s.length === 2) {
        args.push(...argv.slice(i));
        break;
      }
      const body = s.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${s}`);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const spec = byLong.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) setFlag(spec, body.slice(eq + 1));
      else if (spec.kind === 'bool') setFlag(spec, 'true');
      else if (i < argv.length) setFlag(spec, argv[i++] as string);
      else throw new FlagError(`flag needs an argument: ${s}`);
      continue;
    }
    // A cluster of shorthands: -it, -p80:80, -e=A, -dp 80:80
    let shorthands = s.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0] as string;
      let spec = byShort.get(c);
      if (!spec && c === 'h' && hForHelp) {
        spec = helpSpec;
        helpShorthand = true;
      }
      if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in -${shorthands}`);
      if (shorthands.length > 2 && shorthands[1] === '=') {
        setFlag(spec, shorthands.slice(2));
        shorthands = '';
      } else if (spec.kind === 'bool') {
        setFlag(spec, 'true');
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        setFlag(spec, shorthands.slice(1));
        shorthands = '';
      } else if (i < argv.length) {
        setFlag(spec, argv[i++] as string);
        shorthands = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in -${shorthands}`);
      }
    }
  }
  return { flags, args, help, helpShorthand };
}

/** The Options section of a command's help, aligned as cobra does. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const visible = specs.filter((s) => !s.hidden);
  const lefts = visible.map((spec) => {
    const type = spec.kind === 'bool' ? '' : ` ${spec.type ?? (spec.kind === 'list' ? 'list' : spec.kind)}`;
    return spec.short ? `  -${spec.short}, --${spec.long}${type}` : `      --${spec.long}${type}`;
  });
  const width = Math.max(0, ...lefts.map((l) => l.length));
  return visible
    .map((spec, idx) => {
      let usage = spec.usage;
      if (spec.defaultText !== undefined) usage += ` (default ${spec.defaultText})`;
      const pad = ' '.repeat(width + 3);
      const lines = usage.split('\n');
      return (lefts[idx] as string).padEnd(width + 3) + lines.join('\n' + pad);
    })
    .join('\n');
}
