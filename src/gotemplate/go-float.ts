// Go's strconv.FormatFloat for the 'e', 'f' and 'g' formats, which docker's output leans on
// (go-units prints sizes with "%.3g", fmt prints float64 with "%v" = 'g' shortest).
//
// Two Go behaviours differ from JavaScript's toPrecision/toFixed and are reproduced here:
// exact ties round half to even (1.125 with 3 digits is "1.12"), and 'g' switches to an
// exponent when exp < -4 || exp >= precision, where shortest formatting uses 6 as precision.

export type FloatFormat = 'e' | 'f' | 'g';

interface Decimal {
  digits: string; // significant digits, no leading or trailing zeros ("" for zero)
  dp: number; // decimal point position: value = 0.digits × 10^dp
}

/** FormatFloat(x, fmt, prec, 64); prec -1 asks for the shortest representation that round-trips. */
export function formatFloat(x: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(abs);
  } else {
    d = exactDecimal(abs);
    switch (fmt) {
      case 'e':
        d = roundTo(d, prec + 1);
        break;
      case 'f':
        d = roundTo(d, d.dp + prec);
        break;
      case 'g':
        d = roundTo(d, prec === 0 ? 1 : prec);
        break;
    }
  }
  return (neg ? '-' : '') + layout(d, fmt, prec, shortest);
}

function layout(d: Decimal, fmt: FloatFormat, prec: number, shortest: boolean): string {
  const nd = d.digits.length;
  switch (fmt) {
    case 'e':
      return fmtE(d, shortest ? nd - 1 : prec);
    case 'f':
      return fmtF(d, shortest ? Math.max(nd - d.dp, 0) : prec);
    case 'g': {
      let p = shortest ? nd : prec === 0 ? 1 : prec;
      let eprec = p;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (nd !== 0 && (exp < -4 || exp >= eprec)) {
        if (p > nd) p = nd;
        return fmtE(d, p - 1);
      }
      if (nd === 0) return '0';
      if (p > d.dp) p = nd;
      return fmtF(d, Math.max(p - d.dp, 0));
    }
  }
}

// %e: d.dddde±dd
function fmtE(d: Decimal, prec: number): string {
  const digits = d.digits === '' ? '0' : d.digits;
  let out = digits[0] ?? '0';
  if (prec > 0) out += '.' + digits.slice(1, prec + 1).padEnd(prec, '0');
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  return `${out}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

// %f: ddd.ddd
function fmtF(d: Decimal, prec: number): string {
  let intPart: string;
  if (d.dp > 0) intPart = d.digits.slice(0, d.dp).padEnd(d.dp, '0');
  else intPart = '0';
  if (prec <= 0) return intPart;
  let frac = '';
  for (let i = 0; i < prec; i++) {
    const j = d.dp + i;
    frac += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
  }
  return `${intPart}.${frac}`;
}

/** JavaScript and Go both produce the shortest digits that round-trip; take JS's. */
function shortestDecimal(abs: number): Decimal {
  if (abs === 0) return { digits: '', dp: 0 };
  const [mantissa = '0', exponent = '0'] = abs.toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(exponent) + 1 };
}

/** The exact decimal expansion of a double (every double has a finite one). */
function exactDecimal(abs: number): Decimal {
  if (abs === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  let exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  exp -= 1075; // abs = mant × 2^exp
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    // mant / 2^k = mant × 5^k / 10^k
    const k = -exp;
    digits = (mant * 5n ** BigInt(k)).toString();
    dp = digits.length - k;
  }
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  return { digits, dp: dp - lead };
}

/** Round to nd significant digits, half to even on exact ties (strconv's shouldRoundUp). */
function roundTo(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', dp: 0 };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) {
    up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = next >= 5;
  }
  if (!up) {
    const digits = d.digits.slice(0, nd).replace(/0+$/, '');
    return digits === '' ? { digits: '', dp: 0 } : { digits, dp: d.dp };
  }
  // Propagate the carry through trailing nines.
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  const digits = d.digits.slice(0, i) + String.fromCharCode(d.digits.charCodeAt(i) + 1);
  return { digits, dp: d.dp };
}
