import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkArgs } from './command.js';

test("cobra's argument-count messages", () => {
  assert.equal(checkArgs({ min: 1 }, [], 'berth rm'), "'berth rm' requires at least 1 argument");
  assert.equal(checkArgs({ min: 2 }, ['a'], 'berth x'), "'berth x' requires at least 2 arguments");
  assert.equal(checkArgs({ min: 0, max: 0 }, ['a'], 'berth ps'), "'berth ps' accepts no arguments");
  assert.equal(checkArgs({ min: 2, max: 2 }, ['a'], 'berth rename'), "'berth rename' requires 2 arguments");
  assert.equal(checkArgs({ min: 1, max: 1 }, [], 'berth logs'), "'berth logs' requires 1 argument");
  assert.equal(checkArgs({ min: 1, max: 2 }, [], 'berth port'), "'berth port' requires at least 1 and at most 2 arguments");
  assert.equal(checkArgs({ min: 0, max: 1 }, ['a', 'b'], 'berth volume create'), "'berth volume create' requires at most 1 argument");
  assert.equal(checkArgs({ min: 1 }, ['a', 'b'], 'berth rm'), undefined);
});
