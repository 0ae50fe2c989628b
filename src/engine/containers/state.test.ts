import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, isActive } from './state.js';

test('a created container can start, but a removing one cannot come back', () => {
  assert.equal(canTransition('created', 'running'), true);
  assert.equal(canTransition('removing', 'running'), false);
  assert.equal(canTransition('exited', 'running'), true);
  assert.equal(canTransition('created', 'paused'), false);
});

test('only running and paused containers pause and unpause', () => {
  assert.equal(canTransition('running', 'paused'), true);
  assert.equal(canTransition('paused', 'running'), true);
  assert.equal(canTransition('exited', 'paused'), false);
});

test('active states are the ones a process backs', () => {
  assert.deepEqual((['created', 'running', 'paused', 'restarting', 'exited'] as const).map(isActive), [false, true, true, true, false]);
});
