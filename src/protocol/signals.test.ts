import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignal } from './signals.js';

test('parseSignal reads names in any case, with or without SIG, numbers and real-time offsets', () => {
  assert.deepEqual(parseSignal('SIGTERM'), { name: 'SIGTERM', number: 15 });
  assert.deepEqual(parseSignal('term'), { name: 'SIGTERM', number: 15 });
  assert.deepEqual(parseSignal('sigusr1'), { name: 'SIGUSR1', number: 10 });
  assert.deepEqual(parseSignal('9'), { name: 'SIGKILL', number: 9 });
  assert.deepEqual(parseSignal('CLD'), { name: 'SIGCLD', number: 17 });
  assert.deepEqual(parseSignal('40'), { name: '40', number: 40 });
  assert.deepEqual(parseSignal('RTMIN'), { name: '34', number: 34 });
  assert.deepEqual(parseSignal('SIGRTMIN+3'), { name: '37', number: 37 });
  assert.deepEqual(parseSignal('RTMAX-1'), { name: '63', number: 63 });
  assert.deepEqual(parseSignal('RTMAX'), { name: '64', number: 64 });
});

test('parseSignal refuses what moby refuses, with its message', () => {
  for (const bad of ['SIGFOO', 'BOGUS', '0', '', 'RTMIN+16', 'RTMIN-1', 'RTMAX-15', 'RTMAX+1', '-9', '1.5', '65', '99']) {
    assert.throws(() => parseSignal(bad), { name: 'InvalidArgumentError', message: `Invalid signal: ${bad}` }, bad);
  }
});
