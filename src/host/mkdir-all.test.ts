import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { mkdirAll, mkdirAllSync } from './mkdir-all.js';

describe('mkdirAll (Go os.MkdirAll)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-mkdir-all-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('makes the missing directories with the mode, and a path that is there is no error', async () => {
    const dir = path.join(root, 'a', 'b', 'c');
    await mkdirAll(dir, 0o750);
    assert.ok(statSync(dir).isDirectory());
    assert.equal(statSync(path.join(root, 'a')).mode & 0o777, 0o750 & ~process.umask());
    await mkdirAll(dir);
    mkdirAllSync(path.join(dir, 'd'));
    assert.ok(statSync(path.join(dir, 'd')).isDirectory());
  });

  it("answers mkdir's own error where Node's recursive mkdir spins (below /proc) or a file is in the way", async () => {
    await assert.rejects(mkdirAll('/proc/berth-none/x'), { code: 'ENOENT', path: '/proc/berth-none' });
    assert.throws(() => mkdirAllSync('/proc/berth-none/x'), { code: 'ENOENT' });
    writeFileSync(path.join(root, 'file'), '');
    await assert.rejects(mkdirAll(path.join(root, 'file', 'x')), { code: 'ENOTDIR' });
    await assert.rejects(fs.stat(path.join(root, 'file', 'x')));
  });
});
