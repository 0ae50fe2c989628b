// Volumes, bind mounts and tmpfs through the real docker CLI: the volume commands and their
// formats and filters, data kept across containers, read-only enforcement, anonymous volumes,
// in-use conflicts, and an image's VOLUME content copied into a new volume on first use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, sleep, startDaemon, type RunResult, type TestDaemon } from './harness.js';

let d: TestDaemon;
let tmp: string;

const ok = (args: string[], input?: string | Buffer) => d.dockerOk(args, input);

const fails = (args: string[], code = 1): Promise<RunResult> => d.dockerFails(args, code);

const lines = (s: string) => s.split('\n').filter(Boolean);
/** utime + stime of a process, in clock ticks (/proc/PID/stat). */
const cpuTicks = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
const volumeNames = async () => lines(await ok(['volume', 'ls', '-q']));

before(async () => {
  d = await startDaemon('volumes');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-volumes-test-'));
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

describe('docker volume commands', () => {
  it('create, ls, inspect, rm', async () => {
    assert.equal((await ok(['volume', 'create', 'v1'])).trim(), 'v1');
    assert.equal((await ok(['volume', 'create', '--label', 'a=b', '--label', 'team', 'v2'])).trim(), 'v2');
    try {
      const table = lines(await ok(['volume', 'ls']));
      assert.match(table[0]!, /^DRIVER\s+VOLUME NAME$/);
      assert.ok(table.some((l) => /^local\s+v1$/.test(l)), table.join('\n'));
      assert.deepEqual((await volumeNames()).sort(), ['v1', 'v2']);
      assert.deepEqual(lines(await ok(['volume', 'ls', '--format', '{{.Name}}'])).sort(), ['v1', 'v2']);
      // UsageData is system df's alone ("omitted in other endpoints"): the CLI shows N/A.
      assert.deepEqual(lines(await ok(['volume', 'ls', '--format', '{{.Links}} {{.Size}}'])), ['N/A N/A', 'N/A N/A']);
      assert.equal('UsageData' in (await d.api('GET', '/volumes/v1')).json(), false);
      assert.deepEqual(lines(await ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}', '--filter', 'label=a=b'])), ['v2 local']);
      assert.deepEqual(lines(await ok(['volume', 'ls', '-q', '--filter', 'label=team'])), ['v2']);
      assert.deepEqual(lines(await ok(['volume', 'ls', '-q', '--filter', 'label=a=c'])), []);
      assert.deepEqual(lines(await ok(['volume', 'ls', '-q', '--filter', 'name=v1'])), ['v1']);

      const mp = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'v1'])).trim();
      assert.ok(mp.startsWith(d.dataRoot), mp);
      assert.ok((await fs.stat(mp)).isDirectory());
      const [v2] = JSON.parse(await ok(['volume', 'inspect', 'v2']));
      assert.equal(v2.Name, 'v2');
      assert.equal(v2.Driver, 'local');
      assert.equal(v2.Scope, 'local');
      assert.deepEqual(v2.Labels, { a: 'b', team: '' });
      assert.ok(!Number.isNaN(Date.parse(v2.CreatedAt)));

      // Creating an existing volume is a no-op that prints its name.
      assert.equal((await ok(['volume', 'create', 'v1'])).trim(), 'v1');

      assert.equal((await ok(['volume', 'rm', 'v1'])).trim(), 'v1');
      await assert.rejects(fs.stat(mp));
      assert.deepEqual(await volumeNames(), ['v2']);
    } finally {
      await d.docker(['volume', 'rm', '-f', 'v1', 'v2']);
    }
  });

  it('inspect and rm of a missing volume fail', async () => {
    const i = await fails(['volume', 'inspect', 'missing-vol']);
    assert.match(i.stderr, /no such volume/);
    const r = await fails(['volume', 'rm', 'missing-vol']);
    assert.match(r.stderr, /no such volume/);
    await ok(['volume', 'rm', '-f', 'missing-vol']);
  });

  it('ls --filter dangling reads true/1/false/0 in any case, as moby; another value is a 400', async () => {
    await ok(['volume', 'create', 'dangling-one']);
    try {
      assert.ok(lines(await ok(['volume', 'ls', '-q', '--filter', 'dangling=TRUE'])).includes('dangling-one'));
      assert.ok(!lines(await ok(['volume', 'ls', '-q', '--filter', 'dangling=0'])).includes('dangling-one'));
      const bad = await fails(['volume', 'ls', '--filter', 'dangling=maybe']);
      assert.match(bad.stderr, /invalid filter 'dangling=maybe'/);
    } finally {
      await ok(['volume', 'rm', 'dangling-one']);
    }
  });

  it('rejects an invalid name', async () => {
    const r = await fails(['volume', 'create', 'bad/name']);
    assert.match(r.stderr, /invalid characters for a local volume name/);
  });

  it('a volume driver that does not exist is refused at create, as 400 (no pull), and no volume is made', async () => {
    const before = await volumeNames();
    for (const flags of [['--volume-driver', 'nodrv', '-v', 'drvvol:/x'], ['--volume-driver', 'nodrv', '-v', '/anon'], ['--mount', 'type=volume,src=drvvol,dst=/x,volume-driver=nodrv']]) {
      const r = await fails(['run', '--rm', ...flags, 'busybox', 'true'], 125);
      assert.doesNotMatch(r.stderr, /Unable to find image/, flags.join(' '));
      assert.match(r.stderr, /error looking up volume plugin nodrv: plugin "nodrv" not found/, flags.join(' '));
    }
    assert.deepEqual(await volumeNames(), before);
  });

  it('a volume over a file of the image is refused with dockerd\'s message, naming no host path', async () => {
    const r = await fails(['run', '--rm', '-v', 'overfile:/etc/passwd', 'busybox', 'true'], 125);
    assert.match(r.stderr, /Error response from daemon: cannot mount volume over existing file, file exists \/etc\/passwd/);
    assert.doesNotMatch(r.stderr, new RegExp(d.root));
    await ok(['volume', 'rm', 'overfile']);
  });

  it('prune removes unused anonymous volumes, and with -a unused named ones', async () => {
    await ok(['volume', 'create', 'keep-named']);
    await ok(['volume', 'create', 'used-named']);
    // An anonymous volume left behind by a removed container (rm without -v).
    const anonC = (await ok(['create', '-v', '/anon', 'busybox'])).trim();
    const [anon] = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', anonC])).map((m: { Name: string }) => m.Name);
    assert.match(anon, /^[0-9a-f]{64}$/);
    await ok(['rm', anonC]);
    assert.ok((await volumeNames()).includes(anon));
    const user = (await ok(['create', '-v', 'used-named:/u', 'busybox'])).trim();
    try {
      const out = await ok(['volume', 'prune', '-f']);
      assert.match(out, new RegExp(anon));
      assert.match(out, /Total reclaimed space/);
      let names = await volumeNames();
      assert.ok(!names.includes(anon));
      assert.ok(names.includes('keep-named') && names.includes('used-named'));

      // label! keeps what it names (berth pruned it too before), and until is docker's 400.
      await ok(['volume', 'create', '--label', 'pinned=1', 'pinned-named']);
      const notPinned = await ok(['volume', 'prune', '-a', '-f', '--filter', 'label!=pinned']);
      assert.doesNotMatch(notPinned, /pinned-named/);
      assert.ok((await volumeNames()).includes('pinned-named'));
      const until = await d.docker(['volume', 'prune', '-a', '-f', '--filter', 'until=1h']);
      assert.notEqual(until.code, 0);
      assert.match(until.stderr, /invalid filter 'until'/);
      await ok(['volume', 'rm', 'pinned-named']);
      await ok(['volume', 'create', 'keep-named']);

      const all = await ok(['volume', 'prune', '-a', '-f']);
      assert.match(all, /keep-named/);
      names = await volumeNames();
      assert.ok(!names.includes('keep-named'));
      assert.ok(names.includes('used-named'), 'a volume in use is never pruned');
    } finally {
      await ok(['rm', user]);
      await d.docker(['volume', 'rm', '-f', 'keep-named', 'used-named']);
    }
  });
});

describe('named volumes in containers', () => {
  it('keep data across containers', async () => {
    await ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']);
    assert.equal((await ok(['run', '--rm', '-v', 'data1:/other', 'busybox', 'cat', '/other/f'])).trim(), 'persisted');
    const mp = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'data1'])).trim();
    assert.equal((await fs.readFile(path.join(mp, 'f'), 'utf8')).trim(), 'persisted');
    // docker run -v name: creates the volume; --rm does not remove a named volume.
    assert.ok((await volumeNames()).includes('data1'));
    await ok(['volume', 'rm', 'data1']);
  });

  it(':ro is enforced', async () => {
    await ok(['run', '--rm', '-v', 'data2:/data', 'busybox', 'sh', '-c', 'echo x > /data/f']);
    const r = await d.docker(['run', '--rm', '-v', 'data2:/data:ro', 'busybox', 'sh', '-c', 'echo y > /data/f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);
    assert.equal((await ok(['run', '--rm', '-v', 'data2:/data:ro', 'busybox', 'cat', '/data/f'])).trim(), 'x');
    const mounts = await ok(['run', '--rm', '-v', 'data2:/data:ro', 'busybox', 'grep', ' /data ', '/proc/mounts']);
    assert.match(mounts, /\sro[,\s]/);
    await ok(['volume', 'rm', 'data2']);
  });

  it('rm of a volume in use fails with a conflict', async () => {
    const c = (await ok(['create', '--name', 'vol-user', '-v', 'busyvol:/b', 'busybox'])).trim();
    try {
      const r = await fails(['volume', 'rm', 'busyvol']);
      assert.match(r.stderr, /Error response from daemon: remove busyvol: volume is in use - \[[0-9a-f]{64}\]/);
      assert.ok(r.stderr.includes(c), r.stderr);
      // -f does not remove a volume in use either.
      await fails(['volume', 'rm', '-f', 'busyvol']);
      assert.ok((await volumeNames()).includes('busyvol'));
      const api = await d.api('DELETE', '/volumes/busyvol');
      assert.equal(api.status, 409);
    } finally {
      await ok(['rm', c]);
    }
    await ok(['volume', 'rm', 'busyvol']);
  });

  it('a volume rm racing a create that mounts the volume: in use (409) or removed first and made again, never a 500', async () => {
    // The rm deleted what the create was mounting and filling (500 ENOTEMPTY), or the container
    // was created on a volume that was gone.
    const seen: number[] = [];
    for (let i = 0; i < 16; i++) {
      const name = `raced${i}`;
      await ok(['volume', 'create', name]);
      const [rm, create] = await Promise.all([
        d.api('DELETE', `/volumes/${name}`),
        d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${name}:/data`], NetworkMode: 'none' } }),
      ]);
      seen.push(rm.status);
      assert.ok([204, 409].includes(rm.status), `volume rm answered ${rm.status}: ${rm.text}`);
      assert.equal(create.status, 201, create.text);
      const id = create.json<{ Id: string }>().Id;
      // Either way the container's volume exists, with its data directory.
      const vol = await d.api('GET', `/volumes/${name}`);
      assert.equal(vol.status, 200, vol.text);
      await fs.access(vol.json<{ Mountpoint: string }>().Mountpoint);
      await ok(['rm', id]);
      await ok(['volume', 'rm', name]);
    }
    assert.ok(seen.length === 16, seen.join(' '));
  });
});

describe('bind mounts and tmpfs', () => {
  it('a bind mount shares files both ways', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'bind-'));
    await fs.writeFile(path.join(dir, 'from-host'), 'hello from host\n');
    const out = await ok(['run', '--rm', '-v', `${dir}:/p`, 'busybox', 'sh', '-c', 'cat /p/from-host && echo hi > /p/from-container']);
    assert.equal(out.trim(), 'hello from host');
    assert.equal(await fs.readFile(path.join(dir, 'from-container'), 'utf8'), 'hi\n');
  });

  it("-v makes a missing host directory, and one that cannot be made is a 400 with dockerd's words, at once", async () => {
    const dir = path.join(tmp, 'made', 'by', 'run');
    assert.equal((await ok(['run', '--rm', '-v', `${dir}:/p`, 'busybox', 'sh', '-c', 'echo hi > /p/x'])).trim(), '');
    assert.equal(await fs.readFile(path.join(dir, 'x'), 'utf8'), 'hi\n');
    // mkdir(2) answers ENOENT below /proc although the parent is there: Node's recursive mkdir
    // spun on it for ever, a thread of the daemon at 100 % CPU, and the request never answered.
    const before = cpuTicks(d.proc!.pid!);
    const r = await Promise.race([
      d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Binds: ['/proc/berth-none/x:/x'] } }),
      sleep(10_000).then(() => assert.fail('no answer in 10 s')),
    ]);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json().message, "error while creating mount source path '/proc/berth-none/x': mkdir /proc/berth-none: no such file or directory");
    const cli = await d.docker(['run', '--rm', '--mount', 'type=bind,src=/proc/berth-none/y,dst=/y,bind-create-src', 'busybox', 'true']);
    assert.notEqual(cli.code, 0);
    await sleep(500);
    // Nothing spins after the answer (a spinning thread uses ~50 ticks in half a second).
    assert.ok(cpuTicks(d.proc!.pid!) - before < 40, 'the daemon kept a CPU busy');
    assert.equal((await d.api('GET', '/_ping')).text, 'OK');
  });

  it('a read-only bind mount is enforced', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'bindro-'));
    await fs.writeFile(path.join(dir, 'f'), 'orig\n');
    const r = await d.docker(['run', '--rm', '-v', `${dir}:/p:ro`, 'busybox', 'sh', '-c', 'cat /p/f; echo changed > /p/f']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout.trim(), 'orig');
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(await fs.readFile(path.join(dir, 'f'), 'utf8'), 'orig\n');
    const t = await d.docker(['run', '--rm', '-v', `${dir}:/p:ro`, 'busybox', 'touch', '/p/new']);
    assert.notEqual(t.code, 0);
    await assert.rejects(fs.stat(path.join(dir, 'new')));
  });

  it('read-only binds are read-only under their submounts too (API 1.44+, as dockerd), unless bind-recursive says otherwise; older clients keep the top-only ro', async (t) => {
    const dir = await fs.mkdtemp(path.join(tmp, 'bindrro-'));
    await fs.mkdir(path.join(dir, 'sub'));
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path.join(dir, 'sub')]).status, 0);
    t.after(() => void spawnSync('umount', ['-l', path.join(dir, 'sub')]));
    await fs.writeFile(path.join(dir, 'sub', 'in-submount'), 'x\n');
    const write = (...mount: string[]) => d.docker(['run', '--rm', ...mount, 'busybox', 'sh', '-c', 'ls /p/sub; touch /p/sub/new']);
    // -v :ro and --mount readonly: the tmpfs under the source is read-only too.
    for (const args of [['-v', `${dir}:/p:ro`], ['--mount', `type=bind,src=${dir},dst=/p,readonly`], ['--mount', `type=bind,src=${dir},dst=/p,readonly,bind-recursive=readonly,bind-propagation=rprivate`]]) {
      const r = await write(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /Read-only file system/, args.join(' '));
    }
    // bind-recursive=writable: the top is read-only, the submount keeps its own mode.
    const writable = await write('--mount', `type=bind,src=${dir},dst=/p,readonly,bind-recursive=writable`);
    assert.equal(writable.code, 0, writable.stderr);
    // bind-recursive=disabled: the submount is not there at all (an empty directory). The spec
    // says `bind`, not `rbind`; runc honours it, crun 1.8.1 mounts recursively anyway (README).
    const flat = await d.docker(['run', '--rm', '--runtime', 'runc', '--mount', `type=bind,src=${dir},dst=/p,bind-recursive=disabled`, 'busybox', 'ls', '-A', '/p/sub']);
    assert.equal(flat.stdout, '', flat.stderr);
    // runc makes `rro` too.
    const runcRro = await d.docker(['run', '--rm', '--runtime', 'runc', '-v', `${dir}:/p:ro`, 'busybox', 'touch', '/p/sub/new']);
    assert.match(runcRro.stderr, /Read-only file system/);
    // A client before API 1.44 (docker-py speaks 1.41): read-only at the top only, as then.
    const old = await d.api('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['touch', '/p/sub/old-client'], HostConfig: { Binds: [`${dir}:/p:ro`] } });
    assert.equal(old.status, 201, old.text);
    await d.dockerOk(['start', '-a', old.json().Id]);
    assert.equal((await d.api('GET', `/containers/${old.json().Id}/json`)).json().State.ExitCode, 0);
    await d.dockerOk(['rm', old.json().Id]);
    const forced = await d.api('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: dir, Target: '/p', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } }] } });
    assert.deepEqual([forced.status, forced.json().message], [400, 'BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer']);
    const notRo = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: dir, Target: '/p', BindOptions: { ReadOnlyNonRecursive: true } }] } });
    assert.deepEqual([notRo.status, notRo.json().message], [400, 'invalid mount config for type "bind": option \'ReadOnlyNonRecursive\' requires \'ReadOnly\' to be true']);
  });

  it('--tmpfs mounts a tmpfs', async () => {
    const out = await ok(['run', '--rm', '--tmpfs', '/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts && echo data > /t/f && cat /t/f']);
    const [mountLine, data] = lines(out);
    assert.match(mountLine!, /^tmpfs \/t tmpfs rw/);
    assert.equal(data, 'data');
    const sized = await ok(['run', '--rm', '--tmpfs', '/t:size=1m', 'busybox', 'grep', ' /t ', '/proc/mounts']);
    assert.match(sized, /size=1024k/);
    // Nothing written to the tmpfs reaches the container's own filesystem.
    const c = (await ok(['run', '-d', '--tmpfs', '/t', 'busybox', 'sh', '-c', 'echo x > /t/f'])).trim();
    await ok(['wait', c]);
    const diff = await ok(['diff', c]);
    assert.doesNotMatch(diff, /\/t\/f/);
    await ok(['rm', c]);
  });
});

describe('anonymous volumes', () => {
  it('-v /data creates one, and rm -v removes it', async () => {
    const before = await volumeNames();
    const c = 'anon-user';
    assert.equal((await ok(['run', '--name', c, '-v', '/data', 'busybox', 'sh', '-c', 'echo a > /data/f'])), '');
    const [m] = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', c]));
    assert.equal(m.Type, 'volume');
    assert.equal(m.Destination, '/data');
    assert.match(m.Name, /^[0-9a-f]{64}$/);
    const after = await volumeNames();
    assert.deepEqual(after.filter((n) => !before.includes(n)), [m.Name]);
    const mp = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', m.Name])).trim();
    assert.equal(await fs.readFile(path.join(mp, 'f'), 'utf8'), 'a\n');
    await ok(['rm', '-v', c]);
    assert.ok(!(await volumeNames()).includes(m.Name));
    await assert.rejects(fs.stat(mp));
  });

  it('rm -v keeps named volumes', async () => {
    const c = (await ok(['create', '-v', 'named-kept:/n', '-v', '/anon2', 'busybox'])).trim();
    const mounts = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', c])) as Array<{ Name: string; Destination: string }>;
    const anon = mounts.find((m) => m.Destination === '/anon2')!.Name;
    await ok(['rm', '-v', c]);
    const names = await volumeNames();
    assert.ok(names.includes('named-kept'));
    assert.ok(!names.includes(anon));
    await ok(['volume', 'rm', 'named-kept']);
  });
});

describe('image VOLUME content', () => {
  it('is copied into a new named volume on first use, and never over a non-empty one', async () => {
    await ok(['run', '--name', 'seeder', 'busybox', 'sh', '-c', 'mkdir -p /seed/sub && echo seeded > /seed/file && echo deep > /seed/sub/deep']);
    try {
      await ok(['commit', '-c', 'VOLUME /seed', 'seeder', 'seedimg:1']);
    } finally {
      await ok(['rm', 'seeder']);
    }
    try {
      const vols = (await ok(['image', 'inspect', '-f', '{{json .Config.Volumes}}', 'seedimg:1'])).trim();
      assert.deepEqual(JSON.parse(vols), { '/seed': {} });

      assert.equal((await ok(['run', '--rm', '-v', 'newvol:/seed', 'seedimg:1', 'cat', '/seed/file'])).trim(), 'seeded');
      const mp = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'newvol'])).trim();
      assert.equal(await fs.readFile(path.join(mp, 'sub/deep'), 'utf8'), 'deep\n');

      // A volume with content of its own is not overwritten.
      await ok(['run', '--rm', '-v', 'ownvol:/x', 'busybox', 'sh', '-c', 'echo mine > /x/own']);
      const out = await ok(['run', '--rm', '-v', 'ownvol:/seed', 'seedimg:1', 'ls', '/seed']);
      assert.deepEqual(lines(out), ['own']);

      // Nor is one the image seeded before and the user then changed.
      await ok(['run', '--rm', '-v', 'newvol:/seed', 'seedimg:1', 'sh', '-c', 'rm /seed/file && echo changed > /seed/other']);
      assert.deepEqual(lines(await ok(['run', '--rm', '-v', 'newvol:/seed', 'seedimg:1', 'ls', '/seed'])), ['other', 'sub']);

      // Without -v, the image's VOLUME becomes an anonymous volume holding the content.
      const c = (await ok(['run', '-d', 'seedimg:1', 'cat', '/seed/file'])).trim();
      assert.equal((await ok(['wait', c])).trim(), '0');
      assert.equal((await ok(['logs', c])).trim(), 'seeded');
      const [m] = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', c]));
      assert.equal(m.Destination, '/seed');
      assert.match(m.Name, /^[0-9a-f]{64}$/);
      await ok(['rm', '-v', c]);
      assert.ok(!(await volumeNames()).includes(m.Name));
    } finally {
      await d.docker(['volume', 'rm', '-f', 'newvol', 'ownvol']);
      await d.docker(['rmi', 'seedimg:1']);
    }
  });
});

describe('image VOLUME content into empty volumes', () => {
  before(async () => {
    await ok(['run', '--name', 'seeder2', 'busybox', 'sh', '-c', 'mkdir /seed && echo seeded > /seed/file']);
    await ok(['commit', '-c', 'VOLUME /seed', 'seeder2', 'seedimg:2']);
    await ok(['rm', 'seeder2']);
  });
  after(async () => {
    await d.docker(['volume', 'rm', '-f', 'emptied', 'nocopy1', 'nocopy2']);
    await d.docker(['rmi', 'seedimg:2']);
  });

  it('is copied into any empty volume, not only on its first use (moby copyExistingContents)', async () => {
    await ok(['run', '--rm', '-v', 'emptied:/x', 'busybox', 'true']);
    assert.equal((await ok(['run', '--rm', '-v', 'emptied:/seed', 'seedimg:2', 'cat', '/seed/file'])).trim(), 'seeded');
  });

  it('is not copied with -v name:/p:nocopy or --mount volume-nocopy', async () => {
    assert.equal(await ok(['run', '--rm', '-v', 'nocopy1:/seed:nocopy', 'seedimg:2', 'ls', '/seed']), '');
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=nocopy2,dst=/seed,volume-nocopy', 'seedimg:2', 'ls', '/seed']), '');
  });
});

describe('image VOLUME content through a symlink', () => {
  it('stays inside the image: a VOLUME path that is a symlink to /etc copies the image\'s /etc, never the host\'s', async () => {
    await ok(['run', '--name', 'linker', 'busybox', 'ln', '-s', '/etc', '/seedlink']);
    await ok(['commit', '-c', 'VOLUME /seedlink', 'linker', 'linkimg:1']);
    await ok(['rm', 'linker']);
    try {
      await ok(['run', '--rm', '-v', 'linkvol:/data', 'busybox', 'true']);
      await ok(['run', '--rm', '-v', 'linkvol:/seedlink', 'linkimg:1', 'true']);
      const listing = await ok(['run', '--rm', '-v', 'linkvol:/data', 'busybox', 'ls', '/data']);
      assert.doesNotMatch(listing, /debian_version|os-release/);
      assert.match(listing, /passwd/);
    } finally {
      await d.docker(['volume', 'rm', '-f', 'linkvol']);
      await d.docker(['rmi', 'linkimg:1']);
    }
  });
});

describe('volumes with the local driver\'s options (type, device, o)', () => {
  const mountedAt = (vol: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.endsWith(`/volumes/${vol}/_data`));

  it('refuses options dockerd\'s local driver refuses', async () => {
    for (const [opts, message] of [
      [['--opt', 'foo=1'], 'invalid option: "foo"'],
      [['--opt', 'type=tmpfs'], 'missing required option: "device"'],
      [['--opt', 'o=size=1m', '--opt', 'device=tmpfs'], 'missing required option: "type"'],
      [['--opt', 'size=1G'], 'quota size requested but no quota support'],
    ] as const) {
      const r = await fails(['volume', 'create', ...opts, 'badopts']);
      assert.match(r.stderr, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), opts.join(' '));
    }
    assert.deepEqual((await volumeNames()).filter((v) => v === 'badopts'), []);
  });

  it('a tmpfs volume is mounted while containers use it, shared between them, and unmounted after the last', async () => {
    await ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=2m', 'tmpvol']);
    try {
      assert.deepEqual(mountedAt('tmpvol'), [], 'not mounted before a container uses it');
      const a = (await ok(['run', '-d', '-v', 'tmpvol:/v', 'busybox', 'sh', '-c', 'echo shared > /v/f; exec sleep 300'])).trim();
      const df = await ok(['run', '--rm', '-v', 'tmpvol:/v', 'busybox', 'sh', '-c', 'cat /v/f; df -k /v | tail -1']);
      assert.match(df, /^shared\ntmpfs\s+2048\s/);
      assert.equal(mountedAt('tmpvol').length, 1, 'still mounted for the first container');
      await ok(['rm', '-f', a]);
      assert.deepEqual(mountedAt('tmpvol'), []);
      // Its content was the tmpfs's: gone with it, as with dockerd.
      assert.equal((await ok(['run', '--rm', '-v', 'tmpvol:/v', 'busybox', 'ls', '/v'])).trim(), '');
      // --mount's volume-opt makes a volume with options too.
      assert.match(await ok(['run', '--rm', '--mount', 'type=volume,src=optvol,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs', 'busybox', 'df', '/m']), /\ntmpfs\s/);
      assert.equal((await ok(['volume', 'inspect', '-f', '{{.Options.type}}', 'optvol'])).trim(), 'tmpfs');
    } finally {
      await ok(['volume', 'rm', '-f', 'tmpvol', 'optvol']);
    }
  });

  it('a bind volume reaches the host directory (docker cp of a stopped container too), whose files survive the volume\'s removal', async () => {
    const host = await fs.mkdtemp(path.join(tmp, 'bindvol-'));
    await fs.writeFile(path.join(host, 'from-host'), 'h\n');
    await ok(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${host}`, 'bindvol']);
    assert.equal(await ok(['run', '--rm', '-v', 'bindvol:/b', 'busybox', 'sh', '-c', 'cat /b/from-host; echo c > /b/from-container']), 'h\n');
    assert.deepEqual(mountedAt('bindvol'), []);
    // docker cp of a stopped container mounts it for the copy, as dockerd does.
    const stopped = (await ok(['create', '-v', 'bindvol:/b', 'busybox'])).trim();
    await fs.writeFile(path.join(tmp, 'copied-in'), 'in\n');
    await ok(['cp', path.join(tmp, 'copied-in'), `${stopped}:/b/`]);
    assert.equal(await ok(['cp', `${stopped}:/b/from-host`, '-']).then((t) => t.includes('h\n')), true);
    assert.deepEqual(mountedAt('bindvol'), []);
    await ok(['rm', stopped]);
    await ok(['volume', 'rm', 'bindvol']);
    assert.deepEqual((await fs.readdir(host)).sort(), ['copied-in', 'from-container', 'from-host']);
  });

  it('a mount that fails is docker\'s error at start, and nothing stays mounted', async () => {
    await ok(['volume', 'create', '--opt', 'type=ext4', '--opt', `device=${path.join(tmp, 'no-such-device')}`, 'badmount']);
    try {
      const r = await fails(['run', '--rm', '-v', 'badmount:/x', 'busybox', 'true'], 125);
      assert.match(r.stderr, /error while mounting volume '.*\/volumes\/badmount\/_data': failed to mount local volume: /);
      assert.deepEqual(mountedAt('badmount'), []);
    } finally {
      await ok(['volume', 'rm', 'badmount']);
    }
  });

  it('a daemon killed while a container uses one finds it mounted for it, and unmounts one nobody uses', async () => {
    await ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', 'keptvol']);
    await ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', 'strayvol']);
    const c = (await ok(['run', '-d', '-v', 'keptvol:/v', 'busybox', 'sh', '-c', 'echo kept > /v/k; exec sleep 300'])).trim();
    const s = (await ok(['run', '-d', '-v', 'strayvol:/v', 'busybox', 'sleep', '300'])).trim();
    try {
      await d.crash();
      // The stray one's container is gone while the daemon is down (its conmon killed with it).
      const monitor = Number(readFileSync(path.join(d.execRoot, 'c', s, 'conmon.pid'), 'utf8'));
      process.kill(monitor, 'SIGKILL');
      await d.start();
      await eventually(async () => (await d.api('GET', `/containers/${s}/json`)).json().State.Status === 'exited', 10_000, 'the stray container seen exited');
      await eventually(() => mountedAt('strayvol').length === 0, 5000, 'strayvol unmounted');
      assert.equal(mountedAt('keptvol').length, 1);
      assert.equal(await ok(['exec', c, 'cat', '/v/k']), 'kept\n');
      await ok(['rm', '-f', c]);
      assert.deepEqual(mountedAt('keptvol'), []);
    } finally {
      await d.docker(['rm', '-f', c, s]);
      await ok(['volume', 'rm', 'keptvol', 'strayvol']);
    }
  });
});
