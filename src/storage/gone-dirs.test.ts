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
    const { spawnSync } = await import('node:child_process');
    const tree = path.join(dir, 'mounted');
    const rootfs = path.join(tree, 'rootfs');
    await fs.mkdir(rootfs, { recursive: true });
    // A file nobody may delete (immutable) that the walk meets before the marker: the deletion
    // in place stops there, so only an unlink of the marker first takes it. Names are tried until
    // the kernel lists them in that order (creation order on some file systems, hash order on
    // others; `ls -U` shows it, Node's readdir sorts).
    let stuck = '';
    let marker = '';
    for (let i = 0; i < 200 && !marker; i++) {
      await fs.mkdir(path.join(tree, `stuck${i}`));
      await fs.writeFile(path.join(tree, `stuck${i}`, 'kept'), 'k');
      await fs.writeFile(path.join(tree, `record${i}.json`), '{}');
      const order = spawnSync('ls', ['-U', tree], { encoding: 'utf8' }).stdout.split('\n');
      if (order.indexOf(`stuck${i}`) < order.indexOf(`record${i}.json`)) [stuck, marker] = [path.join(tree, `stuck${i}`, 'kept'), `record${i}.json`];
      else await Promise.all([fs.rm(path.join(tree, `stuck${i}`), { recursive: true }), fs.rm(path.join(tree, `record${i}.json`))]);
    }
    assert.ok(marker, 'names the directory lists in that order');
    assert.equal(spawnSync('chattr', ['+i', stuck]).status, 0, 'chattr +i (e2fsprogs) on the test directory');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', rootfs]).status, 0);
    await fs.writeFile(path.join(rootfs, 'inside'), 'z');
    try {
      // The addon's removal does not enter the mount (ENOTEMPTY) and stops at the immutable file
      // (EPERM); Node's rm empties the mount first (EBUSY).
      await assert.rejects(removeSoon(tree, marker), (e: NodeJS.ErrnoException) => ['ENOTEMPTY', 'EBUSY', 'EPERM'].includes(e.code ?? ''));
      assert.ok(existsSync(rootfs), 'the mount point is where its owner will unmount it');
      // What makes the tree its owner's is gone although the rest could not be: a start sweeps it.
      assert.ok(!existsSync(path.join(tree, marker)), 'the marker went before the deletion failed');
      assert.ok(!(await fs.readdir(dir)).some(isGone), 'nothing was set aside');
    } finally {
      spawnSync('umount', [rootfs]);
      spawnSync('chattr', ['-i', stuck]);
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
