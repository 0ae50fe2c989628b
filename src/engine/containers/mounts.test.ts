import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, tmpfsOptions } from './mounts.js';

test('-v forms: named volume, bind with options, anonymous', () => {
  assert.deepEqual(parseBind('data:/data'), { source: 'data', target: '/data', readOnly: false, propagation: '', nocopy: false });
  assert.deepEqual(parseBind('/host:/c:ro,rslave'), { source: '/host', target: '/c', readOnly: true, propagation: 'rslave', nocopy: false });
  assert.deepEqual(parseBind('/anon'), { source: '', target: '/anon', readOnly: false, propagation: '', nocopy: false });
  assert.throws(() => parseBind('data:relative'), /mount path must be absolute/);
  assert.throws(() => parseBind('a:/b:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseBind('/h:/c:rw,ro'), /^InvalidArgumentError: invalid mode: rw,ro$/);
  assert.throws(() => parseBind('/h:/c:z,Z'), /invalid mode: z,Z/);
  assert.throws(() => parseBind('/h:/c:shared,slave'), /invalid mode: shared,slave/);
  assert.deepEqual(parseBind('/h:/c:ro,z,rshared'), { source: '/h', target: '/c', readOnly: true, propagation: 'rshared', nocopy: false });
  assert.throws(() => parseBind('/tmp:/'), /invalid mount config for type "bind": invalid specification: destination can't be '\/'/);
  assert.throws(() => parseBind('vol:/.'), /invalid mount config for type "volume": invalid specification: destination can't be '\/'/);
});

test('tmpfs options pass through with sizes normalized', () => {
  assert.deepEqual(tmpfsOptions('rw,size=64M,mode=1777'), ['rw', 'size=64m', 'mode=1777']);
});
