import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatFloat } from './go-float.js';

describe('formatFloat (strconv.FormatFloat)', () => {
  it("prints shortest 'g' like fmt's %v: exponent from 1e+06 and below 1e-04", () => {
    assert.equal(formatFloat(1.5, 'g', -1), '1.5');
    assert.equal(formatFloat(123456, 'g', -1), '123456');
    assert.equal(formatFloat(1e6, 'g', -1), '1e+06');
    assert.equal(formatFloat(1234567, 'g', -1), '1.234567e+06');
    assert.equal(formatFloat(0.0001, 'g', -1), '0.0001');
    assert.equal(formatFloat(0.00001, 'g', -1), '1e-05');
    assert.equal(formatFloat(-2.5e-7, 'g', -1), '-2.5e-07');
    assert.equal(formatFloat(1e100, 'g', -1), '1e+100');
    assert.equal(formatFloat(0, 'g', -1), '0');
  });

  it('prints %.3g as go-units does for sizes', () => {
    assert.equal(formatFloat(4.26, 'g', 3), '4.26');
    assert.equal(formatFloat(10, 'g', 3), '10');
    assert.equal(formatFloat(100, 'g', 3), '100');
    assert.equal(formatFloat(12.345, 'g', 3), '12.3');
    assert.equal(formatFloat(999.5, 'g', 3), '1e+03');
    assert.equal(formatFloat(0, 'g', 3), '0');
  });

  it('rounds exact halves to even, unlike toPrecision', () => {
    assert.equal(formatFloat(1.125, 'g', 3), '1.12'); // JavaScript says 1.13
    assert.equal(formatFloat(1.375, 'g', 3), '1.38');
    assert.equal(formatFloat(0.5, 'f', 0), '0');
    assert.equal(formatFloat(2.5, 'f', 0), '2');
    assert.equal(formatFloat(0.125, 'f', 2), '0.12');
  });

  it("prints 'f' and 'e' with a precision", () => {
    assert.equal(formatFloat(3, 'f', 2), '3.00');
    assert.equal(formatFloat(0.006, 'f', 2), '0.01');
    assert.equal(formatFloat(0.0001, 'f', 2), '0.00');
    assert.equal(formatFloat(99.999, 'f', 2), '100.00');
    assert.equal(formatFloat(1234.5678, 'e', 3), '1.235e+03');
    assert.equal(formatFloat(0, 'e', 2), '0.00e+00');
    assert.equal(formatFloat(1.5, 'f', -1), '1.5');
    assert.equal(formatFloat(-0.5, 'f', 1), '-0.5');
  });

  it('names infinities and NaN as Go does', () => {
    assert.equal(formatFloat(Infinity, 'g', -1), '+Inf');
    assert.equal(formatFloat(-Infinity, 'f', 2), '-Inf');
    assert.equal(formatFloat(NaN, 'g', -1), 'NaN');
  });
});
