import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, isActive, moveTo, refuseExecUnlessRunning } from './state.js';
import type { ContainerStatus } from './types.js';

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

test('an exec is refused as docker does: paused, restarting (moby counts it running), anything else not running', () => {
  const c = (Status: ContainerStatus) => ({ Id: 'abc', State: { Status } });
  assert.throws(() => refuseExecUnlessRunning(c('paused')), { message: 'Container abc is paused, unpause the container before exec' });
  assert.throws(() => refuseExecUnlessRunning(c('restarting')), { message: 'Container abc is restarting, wait until the container is running' });
  for (const s of ['created', 'exited', 'removing', 'dead'] as const) {
    assert.throws(() => refuseExecUnlessRunning(c(s)), { message: 'Container abc is not running' }, s);
  }
  refuseExecUnlessRunning(c('running'));
});

test('moveTo changes the status, and reports a move the state machine lacks without refusing it', (t) => {
  const said: string[] = [];
  t.mock.method(console, 'error', (line: string) => said.push(line));
  const rec = { Id: '0123456789abcdef', State: { Status: 'running' as ContainerStatus } };
  moveTo(rec, 'exited');
  moveTo(rec, 'restarting');
  assert.deepEqual(said, []);
  // A removal cannot be undone by an exit: recorded all the same (the exit happened), and said.
  rec.State.Status = 'removing';
  moveTo(rec, 'exited');
  assert.equal(rec.State.Status, 'exited');
  assert.deepEqual(said, ['berthd: container 0123456789ab went from removing to exited, which is no transition of the state machine']);
});
