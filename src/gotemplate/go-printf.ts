// Go's fmt.Sprintf, for the `printf` template function: verbs %v %s %q %d %b %o %x %X %c %U
// %e %f %g %t %T %%, flags "+- #0", width and precision (also "*"), argument indexes "%[2]d",
// and Go's in-band error forms: %!d(string=x), %!s(MISSING), %!(EXTRA int=1).

import { formatFloat, type FloatFormat } from './go-float.js';
import { formatUnicode, formatValue, goQuote, goQuoteRune, hasOwnToString } from './go-print.js';
import { goKind, goTypeName, sortedMapEntries, type GoMap } from './go-values.js';

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, verb: '' };
    for (; i < format.length && '+- #0'.includes(format[i] as string); i++) {
      const f = format[i];
      if (f === '+') spec.plus = true;
      else if (f === '-') spec.minus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else spec.zero = true;
    }
    const readIndex = (): boolean => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (!m) return true;
      i += m[0].length;
      reordered = true;
      const n = Number(m[1]);
      if (n < 1 || n > args.length) return false;
      argNum = n - 1;
      return true;
    };
    const readNumber = (): number | 'bad' | undefined => {
      if (!readIndex()) return 'bad';
      if (format[i] === '*') {
        i++;
        const v = args[argNum++];
        return goKind(v) === 'int' ? Number(v) : 'bad';
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    const width = readNumber();
    if (width === 'bad') out += '%!(BADWIDTH)';
    else if (width !== undefined && width < 0) {
      spec.minus = true;
      spec.width = -width;
    } else spec.width = width;
    if (format[i] === '.') {
      i++;
      const prec = readNumber();
      if (prec === 'bad' || (prec !== undefined && prec < 0)) out += '%!(BADPREC)';
      else spec.prec = prec ?? 0;
    }
    if (!readIndex()) {
      out += '%!' + (format[i] ?? '') + '(BADINDEX)';
      i++;
      continue;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    spec.verb = verb;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], spec);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => (a == null ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`)).join(', ') + ')';
  }
  return out;
}

function formatArg(arg: unknown, spec: Spec): string {
  const { verb } = spec;
  if (verb === 'T') return pad(goTypeName(arg), spec);
  switch (goKind(arg)) {
    case 'invalid':
    case 'nil':
      return verb === 'v' ? pad('<nil>', spec) : `%!${verb}(<nil>)`;
    case 'bool':
      return verb === 't' || verb === 'v' ? pad(String(arg), spec) : badVerb(arg, spec);
    case 'int':
      return formatInteger(arg as number | bigint, spec);
    case 'float':
      return formatFloatArg(arg as number, spec);
    case 'string':
      return formatString(arg as string, spec);
    case 'slice':
      return `[${(arg as unknown[]).map((e) => formatArg(e, spec)).join(' ')}]`;
    case 'map':
      return `map[${sortedMapEntries(arg as GoMap)
        .map(([k, v]) => `${formatArg(k, spec)}:${formatArg(v, spec)}`)
        .join(' ')}]`;
    case 'struct':
      if (hasOwnToString(arg as object) && 'vsq'.includes(verb)) return formatString(String(arg), spec);
      return verb === 'v' ? pad(formatValue(arg), spec) : badVerb(arg, spec);
    case 'func':
      return badVerb(arg, spec);
  }
}

function badVerb(arg: unknown, spec: Spec): string {
  return `%!${spec.verb}(${goTypeName(arg)}=${formatValue(arg)})`;
}

function formatInteger(n: number | bigint, spec: Spec): string {
  const big = BigInt(n);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  let digits: string;
  let prefix = '';
  switch (spec.verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (spec.verb === 'O') prefix = '0o';
      else if (spec.sharp && digits !== '0') prefix = '0';
      break;
    case 'x':
    case 'X':
      digits = abs.toString(16);
      if (spec.verb === 'X') digits = digits.toUpperCase();
      if (spec.sharp) prefix = spec.verb === 'X' ? '0X' : '0x';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(abs)), spec);
    case 'q':
      return pad(goQuoteRune(String.fromCodePoint(Number(abs))), spec);
    case 'U':
      return pad(spec.sharp ? formatUnicode(String.fromCodePoint(Number(abs))) : 'U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      // JSON has no integer type: a whole float64 arrives here as an int.
      return formatFloatArg(Number(n), spec);
    default:
      return badVerb(n, spec);
  }
  if (spec.prec !== undefined) {
    digits = spec.prec === 0 && abs === 0n ? '' : digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padNumber(sign, prefix + digits, spec, spec.prec === undefined);
}

function formatFloatArg(x: number, spec: Spec): string {
  let verb = spec.verb;
  if (verb === 'v') verb = 'g';
  const lower = verb.toLowerCase();
  if (!'efg'.includes(lower) || verb === 'x') return badVerb(x, spec);
  const fmt = (lower === 'f' ? 'f' : lower) as FloatFormat;
  const prec = spec.prec ?? (fmt === 'g' ? -1 : 6);
  let text = formatFloat(Math.abs(x), fmt, prec);
  if (verb === 'E' || verb === 'G') text = text.toUpperCase();
  if (!Number.isFinite(x)) {
    const sign = x < 0 ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
    return pad(Number.isNaN(x) ? (spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN') : sign + 'Inf', spec);
  }
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return padNumber(sign, text, spec, true);
}

function formatString(s: string, spec: Spec): string {
  const clipped = spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s;
  switch (spec.verb) {
    case 'v':
    case 's':
      return pad(clipped, spec);
    case 'q':
      return pad(spec.sharp && !/[`\x00-\x08\x0a-\x1f\x7f]/.test(clipped) ? '`' + clipped + '`' : goQuote(clipped), spec);
    case 'x':
    case 'X': {
      const hex = Buffer.from(clipped, 'utf8').toString('hex');
      return pad(spec.verb === 'X' ? hex.toUpperCase() : hex, spec);
    }
    default:
      return badVerb(s, spec);
  }
}

function pad(text: string, spec: Spec): string {
  const width = spec.width ?? 0;
  const len = [...text].length;
  if (len >= width) return text;
  const fill = (spec.zero && !spec.minus ? '0' : ' ').repeat(width - len);
  return spec.minus ? text + fill : fill + text;
}

/** Zero padding goes between the sign and the digits. */
function padNumber(sign: string, body: string, spec: Spec, zeroAllowed: boolean): string {
  const width = spec.width ?? 0;
  if (spec.zero && zeroAllowed && !spec.minus && sign.length + body.length < width) {
    return sign + body.padStart(width - sign.length, '0');
  }
  return pad(sign + body, { ...spec, zero: false });
}
