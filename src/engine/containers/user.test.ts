import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveUser, resolveUserInRootfs, UserLookups } from './user.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n';
const group = 'root:x:0:\nwheel:x:10:root,app\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\n';

test('names resolve through passwd, with supplementary groups from group membership', () => {
  assert.deepEqual(resolveUser('app', passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50], home: '/home/app' });
  assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
});

test('numbers need no passwd entry, and an explicit group replaces the primary one', () => {
  assert.deepEqual(resolveUser('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
  assert.deepEqual(resolveUser('app:staff', passwd, group), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' });
});

test('unknown names fail with docker\'s words', () => {
  assert.throws(() => resolveUser('ghost', passwd, group), /unable to find user ghost: no matching entries in passwd file/);
  assert.throws(() => resolveUser('app:ghosts', passwd, group), /unable to find group ghosts/);
  // --group-add of a name the container's /etc/group lacks (runc's words, as dockerd answers).
  assert.throws(() => resolveUser('app', passwd, group, ['audio']), /^InvalidArgumentError: Unable to find group audio: no matching entries in group file$/);
});

describe('reading passwd and group inside the rootfs', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'berth-user-'));
    root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.mkdir(path.join(root, 'dev'));
    // A host file the image points at: must never be read.
    await fs.writeFile(path.join(dir, 'host-passwd'), 'evil:x:0:0::/:/bin/sh\n');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** Fails the test rather than hanging on a FIFO or reading /dev/zero forever. */
  const bounded = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('hung')), 3000))]);

  it('resolves an absolute symlink inside the root, never to the host file', async () => {
    await fs.symlink(path.join(dir, 'host-passwd'), path.join(root, 'etc/passwd'));
    await assert.rejects(bounded(resolveUserInRootfs(root, 'evil')), /unable to find user evil/);
    await fs.rm(path.join(root, 'etc/passwd'));
    await fs.symlink('../../host-passwd', path.join(root, 'etc/passwd'));
    await assert.rejects(bounded(resolveUserInRootfs(root, 'evil')), /unable to find user evil/);
    await fs.rm(path.join(root, 'etc/passwd'));
  });

  it('refuses a device or a FIFO instead of reading it', async () => {
    execFileSync('mknod', [path.join(root, 'dev/zero'), 'c', '1', '5']);
    await fs.symlink('/dev/zero', path.join(root, 'etc/passwd'));
    await assert.rejects(bounded(resolveUserInRootfs(root, 'app')), /\/etc\/passwd in the container is not a regular file/);
    await fs.rm(path.join(root, 'etc/passwd'));
    await fs.writeFile(path.join(root, 'etc/passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
    execFileSync('mkfifo', [path.join(root, 'etc/group')]);
    await assert.rejects(bounded(resolveUserInRootfs(root, 'app')), /\/etc\/group in the container is not a regular file/);
    await fs.rm(path.join(root, 'etc/group'));
    assert.equal((await resolveUserInRootfs(root, 'app')).uid, 1000);
  });
});

describe('UserLookups', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'berth-users-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const rootfs = async (name: string, passwdText: string): Promise<string> => {
    const r = path.join(dir, name);
    await fs.mkdir(path.join(r, 'etc'), { recursive: true });
    await fs.writeFile(path.join(r, 'etc/passwd'), passwdText);
    await fs.writeFile(path.join(r, 'etc/group'), group);
    return r;
  };

  it('reads the files again when they changed, in one rootfs or in another of the same scope', async () => {
    const lookups = new UserLookups();
    const a = await rootfs('a', passwd);
    assert.equal((await lookups.resolve(a, 'layer1', 'app', [])).home, '/home/app');
    // A container's own copy (copy-up, sed -i) is another inode: never the image's answer.
    const moved = path.join(dir, 'passwd.new');
    await fs.writeFile(moved, passwd.replace('/home/app', '/srv/app'));
    await fs.rename(moved, path.join(a, 'etc/passwd'));
    assert.equal((await lookups.resolve(a, 'layer1', 'app', [])).home, '/srv/app');
    // Another rootfs of the scope with other files: read, not taken from the entry.
    const b = await rootfs('b', passwd.replace('/home/app', '/opt/app'));
    assert.equal((await lookups.resolve(b, 'layer1', 'app', [])).home, '/opt/app');
    // The group list and the spec are part of what is remembered.
    assert.deepEqual((await lookups.resolve(b, 'layer1', 'app', ['nogroup'])).additionalGids, [1000, 10, 50, 65534]);
    assert.equal((await lookups.resolve(b, 'layer1', 'root', [])).home, '/root');
    // A failed lookup is not remembered as anything.
    await assert.rejects(lookups.resolve(b, 'layer1', 'ghost', []), /unable to find user ghost/);
  });
});
