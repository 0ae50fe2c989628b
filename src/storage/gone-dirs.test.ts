import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from './tar-fixtures.js';
import { isGone, removeSoon, settled, sweepGone } from './gone-dirs.js';

describe('gone-dirs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('gone')));
  after(async () => cleanup());

  it('takes a tree away at once, its marker with it, and deletes it in the background; a missing one is fine', async () => {
    const tree = path.join(dir, 'ctr');
    await fs.mkdir(path.join(tree, 'a/b'), { recursive: true });
    await fs.writeFile(path.join(tree, 'a/b/f'), 'x');
    await fs.writeFile(path.join(tree, 'record.json'), '{}');
    await removeSoon(tree, 'record.json');
    assert.ok(!existsSync(tree), 'the name is free when removeSoon resolves');
    await fs.mkdir(tree);
    await settled();
    assert.deepEqual(await fs.readdir(dir), ['ctr'], 'the set-aside tree is deleted; a new one of the same name is left alone');
    await removeSoon(path.join(dir, 'nothing-here'));
  });

  it('a tree with something mounted in it keeps its path (deleted in place, which the mount refuses), and loses its marker first', async () => {
    const tree = path.join(dir, 'mounted');
    await fs.mkdir(path.join(tree, 'rootfs'), { recursive: true });
    await fs.writeFile(path.join(tree, 'record.json'), '{}');
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(tree, 'rootfs')]).status, 0);
    await fs.writeFile(path.join(tree, 'rootfs', 'inside'), 'z');
    try {
      // The addon's removal does not enter the mount (ENOTEMPTY); Node's rm empties it first (EBUSY).
      await assert.rejects(removeSoon(tree, 'record.json'), (e: NodeJS.ErrnoException) => e.code === 'ENOTEMPTY' || e.code === 'EBUSY');
      assert.ok(existsSync(path.join(tree, 'rootfs')), 'the mount point is where its owner will unmount it');
      // What makes the tree its owner's is gone although the rest could not be: a start sweeps it.
      assert.ok(!existsSync(path.join(tree, 'record.json')), 'the marker went before the deletion failed');
      assert.ok(!(await fs.readdir(dir)).some(isGone), 'nothing was set aside');
    } finally {
      spawnSync('umount', [path.join(tree, 'rootfs')]);
    }
    await removeSoon(tree);
    assert.ok(!existsSync(tree));
    await settled();
  });

  it('sweeps what a crash left set aside, and only that', async () => {
    await fs.mkdir(path.join(dir, '.gone-old-1234/x'), { recursive: true });
    await fs.mkdir(path.join(dir, 'kept'));
    assert.ok(isGone('.gone-old-1234') && !isGone('kept'));
    await sweepGone(dir);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['ctr', 'kept']);
  });
});
