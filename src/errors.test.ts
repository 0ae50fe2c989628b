import { it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { systemErrorText } from './errors.js';

it("puts Node's system errors in Go's words; leaves other errors alone", async () => {
  const open = await fs.open('/nonexistent-dir/x', 'r').catch((e: unknown) => e);
  assert.equal(systemErrorText(open), 'open /nonexistent-dir/x: no such file or directory');
  const noSpace = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  assert.equal(systemErrorText(noSpace), 'write: no space left on device');
  assert.equal(systemErrorText(new Error('invalid tar header')), undefined);
  assert.equal(systemErrorText(Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR', errno: -3 })), undefined);
  assert.equal(systemErrorText('ENOSPC'), undefined);
  // Worded already (host/spawn.ts's): left as it is.
  assert.equal(systemErrorText(Object.assign(new Error('spawn crun ENOENT'), { code: 'ENOENT', syscall: 'spawn crun', path: 'crun' })), undefined);
});
