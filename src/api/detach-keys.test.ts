import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachKeyScanner, parseDetachKeys } from './detach-keys.js';

test('default detach keys are ctrl-p ctrl-q', () => {
  assert.deepEqual([...parseDetachKeys(undefined)], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x')], [1, 120]);
});

test('scanner passes input through until the sequence completes', () => {
  const s = new DetachKeyScanner(parseDetachKeys(undefined));
  assert.deepEqual(s.feed(Buffer.from('ls\n')), { pass: Buffer.from('ls\n'), detached: false });
  const held = s.feed(Buffer.from([16]));
  assert.equal(held.pass.length, 0);
  assert.deepEqual(s.feed(Buffer.from([17])), { pass: Buffer.alloc(0), detached: true });
});

test('a broken partial match releases the held byte', () => {
  const s = new DetachKeyScanner(parseDetachKeys(undefined));
  assert.deepEqual([...s.feed(Buffer.from([16, 97])).pass], [16, 97]);
});
