// Which line of crun's log an exec's failure is told with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tellingLine } from './runtime-exec.js';

/** [crun's log, the line told]. */
const LOGS: ReadonlyArray<readonly [string, string]> = [
  ['setns `mnt`: Bad file descriptor\nfail startup\n', 'setns `mnt`: Bad file descriptor'],
  ['fail startup\nfork: Cannot allocate memory\n', 'fork: Cannot allocate memory'],
  ['the container `abc` is paused', 'the container `abc` is paused'],
  ['fail startup\n', 'fail startup'],
];

test("crun's log: the last line, not the \"fail startup\" its parent adds after a child's error", () => {
  for (const [log, told] of LOGS) assert.equal(tellingLine(log), told, log);
});
