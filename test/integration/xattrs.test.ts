// File capabilities (the security.capability xattr) survive docker cp in and out, commit (the
// layer diff) and a save/load round trip (layer unpack), as with dockerd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from './harness.js';

// cap_setuid (bit 7: a byte ≥ 0x80, which a UTF-8 round trip would corrupt) and cap_net_raw, +ep.
const CAP = '0x0100000280200000000000000000000000000000';

describe('file capabilities', () => {
  let d: TestDaemon;
  let dir: string;
  before(async () => {
    d = await startDaemon('xattrs');
    dir = mkdtempSync(path.join(tmpdir(), 'bt-xattr-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(await d.stop(), []);
  });

  const capOf = (file: string) => {
    try {
      return execFileSync('getfattr', ['-h', '-e', 'hex', '-n', 'security.capability', '--only-values', '--absolute-names', file]).toString('hex');
    } catch {
      return '';
    }
  };
  const hexOf = (file: string) => {
    const out = execFileSync('getfattr', ['-h', '-e', 'hex', '-n', 'security.capability', '--absolute-names', file], { encoding: 'utf8' });
    return /=(0x[0-9a-f]+)/.exec(out)?.[1] ?? '';
  };
  const inContainer = async (name: string, p: string) => {
    const pid = (await d.dockerOk(['inspect', '--format', '{{.State.Pid}}', name])).trim();
    return `/proc/${pid}/root${p}`;
  };

  it('keeps security.capability through cp in, commit, save/load and cp out', async () => {
    const src = path.join(dir, 'pinger');
    copyFileSync('/bin/true', src);
    execFileSync('setfattr', ['-n', 'security.capability', '-v', CAP, src]);
    assert.equal(hexOf(src), CAP);

    await d.dockerOk(['run', '-d', '--name', 'capc', 'busybox', 'sleep', '60']);
    await d.dockerOk(['cp', src, 'capc:/tmp/pinger']);
    assert.equal(hexOf(await inContainer('capc', '/tmp/pinger')), CAP, 'cp in');

    const out = path.join(dir, 'back');
    await d.dockerOk(['cp', 'capc:/tmp/pinger', out]);
    assert.equal(hexOf(out), CAP, 'cp out');

    await d.dockerOk(['commit', 'capc', 'capimg']);
    await d.dockerOk(['run', '-d', '--name', 'capd', 'capimg', 'sleep', '60']);
    assert.equal(hexOf(await inContainer('capd', '/tmp/pinger')), CAP, 'committed layer');

    // A fresh unpack of the committed layer from its tar.
    const saved = path.join(dir, 'capimg.tar');
    await d.dockerOk(['save', '-o', saved, 'capimg']);
    await d.dockerOk(['rm', '-f', 'capd']);
    await d.dockerOk(['rmi', 'capimg']);
    await d.dockerOk(['load', '-i', saved]);
    await d.dockerOk(['run', '-d', '--name', 'cape', 'capimg', 'sleep', '60']);
    assert.equal(hexOf(await inContainer('cape', '/tmp/pinger')), CAP, 'loaded layer');
    assert.ok(capOf(await inContainer('cape', '/bin/sh')) === '', 'other files get none');
  });
});
