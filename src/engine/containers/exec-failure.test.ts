import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFailureCode } from './exec.js';

test('an exec that cannot start: 127 for a command not found, 126 otherwise (moby translateContainerdStartErr)', () => {
  assert.equal(execFailureCode('exec: "nope": executable file not found in $PATH', 'nope'), 127);
  assert.equal(execFailureCode('exec /bin/nope: No such file or directory', '/bin/nope'), 127);
  assert.equal(execFailureCode('chdir `/nonexist`: No such file or directory', 'pwd'), 126);
  assert.equal(execFailureCode('exec /etc: Permission denied', '/etc'), 126);
});
