// Which line of crun's log an exec's failure is told with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tellingLine } from './runtime-exec.js';

test("crun's log: the last line, not the \"fail startup\" its parent adds after a child's error", () => {
  assert.equal(tellingLine('setns `mnt`: Bad file descriptor\nfail startup\n'), 'setns `mnt`: Bad file descriptor');
  assert.equal(tellingLine('fail startup\nfork: Cannot allocate memory\n'), 'fork: Cannot allocate memory');
  assert.equal(tellingLine('the container `abc` is paused'), 'the container `abc` is paused');
  assert.equal(tellingLine('fail startup\n'), 'fail startup');
  assert.equal(tellingLine('warning one\nexecutable file `nope` not found in $PATH: No such file or directory\n'), 'executable file `nope` not found in $PATH: No such file or directory');
});
