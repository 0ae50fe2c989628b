import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatValue, goQuote, sprint, sprintln } from './go-print.js';
import { sprintf } from './go-printf.js';

describe('formatValue (fmt %v)', () => {
  it('prints scalars as Go does', () => {
    assert.equal(formatValue('raw text'), 'raw text');
    assert.equal(formatValue(42), '42');
    assert.equal(formatValue(1e20), '100000000000000000000');
    assert.equal(formatValue(2.5), '2.5');
    assert.equal(formatValue(true), 'true');
    assert.equal(formatValue(null), '<nil>');
    assert.equal(formatValue(10n), '10');
  });

  it('prints maps with sorted keys and slices space-separated', () => {
    assert.equal(formatValue({ b: 2, a: 'x', c: null }), 'map[a:x b:2 c:<nil>]');
    assert.equal(formatValue(new Map([[2, 'b'], [1, 'a']])), 'map[1:a 2:b]');
    assert.equal(formatValue(['a', 1, ['b']]), '[a 1 [b]]');
    assert.equal(formatValue({}), 'map[]');
    assert.equal(formatValue([]), '[]');
  });

  it('prints structs by field values, and Stringers by their string', () => {
    class Point {
      X = 1;
      Y = 2;
      hidden = 3;
    }
    class Named {
      toString(): string {
        return 'named!';
      }
    }
    assert.equal(formatValue(new Point()), '{1 2}');
    assert.equal(formatValue(new Named()), 'named!');
  });
});

describe('sprint and sprintln', () => {
  it('adds spaces between operands only when neither is a string', () => {
    assert.equal(sprint([1, 2, 'a', 'b', 3]), '1 2ab3');
    assert.equal(sprint(['x', 1]), 'x1');
    assert.equal(sprintln(['a', 'b', 1]), 'a b 1\n');
  });
});

describe('goQuote (strconv.Quote)', () => {
  it('escapes quotes, backslashes and control characters, keeps printable Unicode', () => {
    assert.equal(goQuote(`sh -c 'echo "hi"'`), `"sh -c 'echo \\"hi\\"'"`);
    assert.equal(goQuote('a\tb\nc\\'), '"a\\tb\\nc\\\\"');
    assert.equal(goQuote('\x00\x7f'), '"\\x00\\x7f"');
    assert.equal(goQuote('héllo…日本'), '"héllo…日本"');
    assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
    assert.equal(goQuote(''), '""');
  });
});

describe('sprintf (fmt.Sprintf)', () => {
  it('formats strings, numbers and booleans', () => {
    assert.equal(sprintf('%s=%d %v %t', ['a', 3, 1.5, true]), 'a=3 1.5 true');
    assert.equal(sprintf('%q %x %X %o %b %c %U', ['hi', 255, 255, 8, 5, 65, 0x1f600]), '"hi" ff FF 10 101 A U+1F600');
    assert.equal(sprintf('%#x %#o %#U', [255, 8, 65]), "0xff 010 U+0041 'A'");
    assert.equal(sprintf('%x', ['hi']), '6869');
  });

  it('applies width, precision and flags', () => {
    assert.equal(sprintf('[%5s|%-5s|%.2s]', ['ab', 'ab', 'abc']), '[   ab|ab   |ab]');
    assert.equal(sprintf('[%05d|%-4d|%+d|% d|%.3d]', [42, 7, 5, 5, 7]), '[00042|7   |+5| 5|007]');
    assert.equal(sprintf('[%.2f|%8.3f|%-8.1f|%08.2f|%+.1f]', [3.14159, 2.5, 2.5, -1.5, 2]), '[3.14|   2.500|2.5     |-0001.50|+2.0]');
    assert.equal(sprintf('[%e|%.2e|%g|%G]', [123456.789, 0.000123, 1e21, 1e-7]), '[1.234568e+05|1.23e-04|1e+21|1E-07]');
    assert.equal(sprintf('[%*d|%-*d]', [4, 1, 3, 2]), '[   1|2  ]');
  });

  it('formats a whole number from JSON with float verbs', () => {
    assert.equal(sprintf('%.2f', [3]), '3.00');
  });

  it('applies the verb to each element of slices and maps', () => {
    assert.equal(sprintf('%q', [['a', 'b']]), '["a" "b"]');
    assert.equal(sprintf('%v', [{ b: 1, a: [1, 2] }]), 'map[a:[1 2] b:1]');
    assert.equal(sprintf('%03d', [[1, 2]]), '[001 002]');
  });

  it('reports bad verbs, missing and extra arguments in-band', () => {
    assert.equal(sprintf('%d', ['x']), '%!d(string=x)');
    assert.equal(sprintf('%s', [3]), '%!s(int=3)');
    assert.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)');
    assert.equal(sprintf('%s %s', ['a']), 'a %!s(MISSING)');
    assert.equal(sprintf('%s', ['a', 1, 'b']), 'a%!(EXTRA int=1, string=b)');
    assert.equal(sprintf('%s', [null]), '%!s(<nil>)');
    assert.equal(sprintf('%v %T %T', [null, 'x', 1.5]), '<nil> string float64');
    assert.equal(sprintf('100%%', []), '100%');
    assert.equal(sprintf('%', []), '%!(NOVERB)');
    assert.equal(sprintf('%z', [1]), '%!z(int=1)');
  });

  it('takes explicit argument indexes', () => {
    assert.equal(sprintf('%[2]s %[1]s', ['a', 'b']), 'b a');
  });
});
