// Parsing the quantities docker's flags and options take: sizes ("512m"), CPU counts ("1.5"), Go
// durations ("1m30s"). Errors carry docker's wording, since the flag parser prints them as they
// are (the daemon's callers make them its 400s).

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

function parseSize(value: string, units: Record<string, number>): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  if (!m) throw new Error(`invalid size: '${value}'`);
  const n = Number(m[1]);
  const mul = units[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.trunc(n * mul);
}

/** go-units RAMInBytes: 512m = 512 MiB; a bare number is bytes. */
export function parseRamBytes(value: string): number {
  return parseSize(value, BINARY);
}

/** go-units FromHumanSize: decimal units (1k = 1000). */
export function parseHumanSize(value: string): number {
  return parseSize(value, DECIMAL);
}

/** --memory-swap: a size, or -1 for unlimited. */
export function parseSwapBytes(value: string): number {
  return value === '-1' ? -1 : parseRamBytes(value);
}

/**
 * --cpus 1.5 → NanoCpus 1500000000 (the docker CLI's opts.ParseCPUs): a rational number as Go's
 * big.Rat reads it (a sign, a decimal with an exponent, or a fraction "1/2"), times 10^9, which
 * must come out whole. Range checks are the daemon's (a negative value reaches it, as with docker).
 */
export function parseNanoCpus(value: string): number {
  const notRational = new Error(`failed to parse ${value} as a rational number`);
  const fraction = /^([+-]?)(\d+)\/(\d+)$/.exec(value);
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  let num: bigint;
  let den: bigint;
  if (fraction) {
    num = BigInt(fraction[2]!);
    den = BigInt(fraction[3]!);
    if (den === 0n) throw notRational;
    if (fraction[1] === '-') num = -num;
  } else if (decimal && (decimal[2] !== '' || (decimal[3] ?? '') !== '')) {
    const frac = decimal[3] ?? '';
    const exp = Number(decimal[4] ?? '0') - frac.length;
    if (Math.abs(exp) > 400) throw new Error('value is too precise');
    num = BigInt(`${decimal[2] || '0'}${frac}`) * (exp > 0 ? 10n ** BigInt(exp) : 1n);
    den = exp < 0 ? 10n ** BigInt(-exp) : 1n;
    if (decimal[1] === '-') num = -num;
  } else {
    throw notRational;
  }
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new Error('value is too precise');
  return Number(nano / den);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(value: string): number {
  const bad = (): Error => new Error(`time: invalid duration ${JSON.stringify(value)}`);
  let s = value;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  // As Go's time.ParseDuration: a number, then the unit as every character up to the next digit
  // or dot (so "1x" is an unknown unit "x", "1" a missing one).
  while (s.length > 0) {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(s)!;
    const [whole, int, frac, unit] = [m[0], m[1]!, m[2], m[3]!];
    if (int === '' && (frac ?? '') === '') throw bad();
    if (unit === '') throw new Error(`time: missing unit in duration ${JSON.stringify(value)}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(value)}`);
    total += Number(`${int || '0'}.${frac ?? ''}0`) * scale;
    s = s.slice(whole.length);
  }
  return sign * Math.round(total);
}
