import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdPrefixIndex } from './id-index.js';

test('prefix lookup finds unique and ambiguous prefixes', () => {
  const ix = new IdPrefixIndex();
  for (const id of ['abc1', 'abd2', 'abc3', 'ff00']) ix.add(id);
  ix.add('abc1'); // twice: once
  assert.equal(ix.size, 4);
  assert.deepEqual(ix.match('abc'), ['abc1', 'abc3']);
  assert.deepEqual(ix.match('abd'), ['abd2']);
  assert.deepEqual(ix.match('ab', 5), ['abc1', 'abc3', 'abd2']);
  assert.deepEqual(ix.match('f'), ['ff00']);
  assert.deepEqual(ix.match('0'), []);
  assert.deepEqual(ix.match('ffff'), []);
  ix.delete('abc3');
  ix.delete('nope');
  assert.deepEqual(ix.match('abc'), ['abc1']);
  assert.equal(ix.size, 3);
});

test('prefix lookup agrees with a scan of every ID, whatever was added and removed', () => {
  const hex = fc.string({ unit: fc.constantFrom('0', '1', 'a', 'f'), minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), hex), { maxLength: 60 }), fc.array(hex, { maxLength: 20 }), (ops, queries) => {
      const ix = new IdPrefixIndex();
      const set = new Set<string>();
      for (const [add, id] of ops) {
        if (add) {
          ix.add(id);
          set.add(id);
        } else {
          ix.delete(id);
          set.delete(id);
        }
      }
      assert.equal(ix.size, set.size);
      for (const q of queries) {
        const scan = [...set].filter((id) => id.startsWith(q)).sort();
        assert.deepEqual(ix.match(q, Infinity), scan);
        assert.deepEqual(ix.match(q), scan.slice(0, 2));
      }
    }),
  );
});
