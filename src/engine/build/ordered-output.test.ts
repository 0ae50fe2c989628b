import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedOutput } from './ordered-output.js';

describe('OrderedOutput', () => {
  it('shows parallel stages one after another', () => {
    let out = '';
    const o = new OrderedOutput(3, (t) => (out += t));
    const [a, b, c] = [o.writer(0), o.writer(1), o.writer(2)];
    c('c1 ');
    a('a1 ');
    b('b1 ');
    c('c2 ');
    assert.equal(out, 'a1 ');
    o.finish(2);
    assert.equal(out, 'a1 ');
    o.finish(0);
    assert.equal(out, 'a1 b1 ');
    b('b2 ');
    o.finish(1);
    assert.equal(out, 'a1 b1 b2 c1 c2 ');
  });
  it('flushes everything held on failure', () => {
    let out = '';
    const o = new OrderedOutput(2, (t) => (out += t));
    o.writer(1)('late ');
    o.writer(0)('first ');
    o.flushAll();
    assert.equal(out, 'first late ');
  });
});
