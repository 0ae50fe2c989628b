// The load archive's spool on a full disk: the member's write error fails the add.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../../host/command.js';
import { tempDir } from '../../storage/tar-fixtures.js';
import { SpooledFiles } from './archive-spool.js';

it('a member that does not fit on the disk fails the add: no hang, no uncaught error', async () => {
  const { dir, cleanup } = await tempDir('spool-full');
  const events: string[] = [];
  const onUncaught = (e: Error) => events.push(`uncaught: ${e.message}`);
  process.on('uncaughtException', onUncaught);
  try {
    const parent = path.join(dir, 'small');
    mkdirSync(parent);
    await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', parent]);
    const spool = new SpooledFiles(parent, 16 << 20, 64 << 20);
    async function* member(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(16 << 10, i);
    }
    const outcome = await Promise.race([
      spool.add('config.json', member()).then(() => 'added', (e: Error) => e.message),
      new Promise((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    assert.match(String(outcome), /ENOSPC|no space left/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    await cleanup();
  }
});
