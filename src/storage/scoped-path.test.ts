import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scopedResolve, scopedResolveSync } from './scoped-path.js';

describe('scoped resolution inside a root', () => {
  let dir: string;
  let root: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-scoped-'));
    root = path.join(dir, 'root');
    mkdirSync(path.join(root, 'usr', 'lib'), { recursive: true });
    writeFileSync(path.join(root, 'usr', 'lib', 'file'), '');
    symlinkSync('/usr/lib', path.join(root, 'abs'));
    symlinkSync('../../..', path.join(root, 'usr', 'lib', 'up'));
    symlinkSync('/../../../etc', path.join(root, 'escape'));
    symlinkSync('loop2', path.join(root, 'loop1'));
    symlinkSync('loop1', path.join(root, 'loop2'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string]> = [
    ['usr/lib/file', 'usr/lib/file'],
    // An absolute target starts again at the root, not at the host's /.
    ['abs/file', 'usr/lib/file'],
    // ".." stops at the root.
    ['usr/lib/up/usr/lib/file', 'usr/lib/file'],
    ['escape', 'etc'],
    ['missing/dir', 'missing/dir'],
  ];

  it('follows links as a process chrooted there would, at once and through the pool alike', async () => {
    for (const [asked, reached] of cases) {
      const comps = asked.split('/');
      const want = path.join(root, reached);
      assert.equal(scopedResolveSync(root, comps), want, asked);
      assert.equal(await scopedResolve(root, comps), want, asked);
    }
  });

  it('refuses a symlink loop either way', async () => {
    assert.throws(() => scopedResolveSync(root, ['loop1']), /too many levels of symbolic links/);
    await assert.rejects(scopedResolve(root, ['loop1']), /too many levels of symbolic links/);
  });
});
