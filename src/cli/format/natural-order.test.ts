import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { naturalCompare, naturalLess } from './natural-order.js';

describe('naturalLess (sortorder.NaturalLess)', () => {
  it('orders numbers by value', () => {
    assert.deepEqual(['vol10', 'vol2', 'vol1', 'vol'].sort(naturalCompare), ['vol', 'vol1', 'vol2', 'vol10']);
    assert.deepEqual(['a', 'B', '2', '10'].sort(naturalCompare), ['2', '10', 'B', 'a']);
  });

  it('breaks ties on leading zeros and length', () => {
    assert.equal(naturalLess('a01', 'a001'), true);
    assert.equal(naturalLess('a001', 'a01'), false);
    assert.equal(naturalLess('a1', 'a01'), true);
    assert.equal(naturalLess('abc', 'abcd'), true);
    assert.equal(naturalLess('x', 'x'), false);
  });
});
