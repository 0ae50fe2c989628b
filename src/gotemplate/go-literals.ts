// Go's literal syntax as text/template accepts it: quoted strings (strconv.Unquote), rune
// constants and number literals (ideal constants: ints stay ints, '.', 'e' or 'p' make a float).

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** strconv.Unquote for "...", `...` and '...' literals; undefined when malformed. */
export function goUnquote(quoted: string): string | undefined {
  const quote = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== quote) return undefined;
  const body = quoted.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === quote || ch === '\n') return undefined;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const esc = body[++i];
    if (esc === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      out += simple;
    } else if (esc === quote) {
      out += esc;
    } else {
      const len = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : /[0-7]/.test(esc) ? 3 : 0;
      const digits = /[0-7]/.test(esc) ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + len);
      const valid = len > 0 && digits.length === len && (/[0-7]/.test(esc) ? /^[0-7]{3}$/ : /^[0-9a-fA-F]+$/).test(digits);
      if (!valid) return undefined;
      const cp = parseInt(digits, /[0-7]/.test(esc) ? 8 : 16);
      if (cp > 0x10ffff) return undefined;
      out += String.fromCodePoint(cp);
      i += /[0-7]/.test(esc) ? 2 : len;
    }
  }
  if (quote === "'" && [...out].length !== 1) return undefined;
  return out;
}

/** A Go number literal as an ideal constant: ints stay ints; '.', 'e' or 'p' make a float. */
export function parseGoNumber(text: string): { value: number; isInt: boolean } | undefined {
  const t = text.replace(/_/g, '');
  const int = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (int) {
    const [, sign = '', digits = '0'] = int;
    let value: number;
    if (/^0[oO]/.test(digits)) value = parseInt(digits.slice(2), 8);
    else if (/^0[bB]/.test(digits)) value = parseInt(digits.slice(2), 2);
    else if (/^0[xX]/.test(digits)) value = parseInt(digits.slice(2), 16);
    else if (/^0[0-7]+$/.test(digits)) value = parseInt(digits, 8); // a leading 0 means octal
    else value = Number(digits);
    return { value: sign === '-' ? -value : value, isInt: true };
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    const value = Number(t);
    return { value, isInt: !/[.eE]/.test(t) && Number.isInteger(value) };
  }
  return undefined;
}
