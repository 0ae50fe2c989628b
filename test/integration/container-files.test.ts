// A container's files through the real docker CLI: docker diff, docker cp in both directions on
// running and stopped containers, docker export, and symlinks that must resolve inside the
// container's root, never on the host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type RunResult, type TestDaemon } from './harness.js';

let d: TestDaemon;
let tmp: string;

const ok = (args: string[], input?: string | Buffer) => d.dockerOk(args, input);

const fails = (args: string[], code = 1): Promise<RunResult> => d.dockerFails(args, code);

const lines = (s: string) => s.split('\n').filter(Boolean);

/** A stopped container whose command ran to completion. */
async function ranContainer(name: string, script: string): Promise<string> {
  await ok(['run', '--name', name, 'busybox', 'sh', '-c', script]);
  return name;
}

/** A running container (sleeping), after `script` ran in it. */
function runningContainer(name: string, script = 'true'): Promise<string> {
  return runningContainerWith(name, [], script);
}

async function runningContainerWith(name: string, runArgs: string[], script: string): Promise<string> {
  await ok(['run', '-d', '--name', name, ...runArgs, 'busybox', 'sh', '-c', `${script} && exec sleep 1000`]);
  // The script runs before sleep: wait until it is done.
  for (let i = 0; i < 200; i++) {
    const r = await d.docker(['exec', name, 'sh', '-c', 'cat /proc/1/comm']);
    if (r.stdout.trim() === 'sleep') return name;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${name} did not reach sleep`);
}

before(async () => {
  d = await startDaemon('container-files');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-cfiles-test-'));
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

describe('docker diff', () => {
  it('shows A, C and D lines', async () => {
    const c = await ranContainer('differ', 'echo new > /added.txt && echo changed >> /etc/passwd && rm /etc/group && mkdir -p /newdir/sub && touch /newdir/sub/f');
    try {
      const out = lines(await ok(['diff', c]));
      const has = (l: string) => assert.ok(out.includes(l), `missing "${l}" in:\n${out.join('\n')}`);
      has('A /added.txt');
      has('C /etc');
      has('C /etc/passwd');
      has('D /etc/group');
      has('A /newdir');
      has('A /newdir/sub');
      has('A /newdir/sub/f');
      // Files the runtime mounts are not the container's changes.
      for (const l of out) assert.doesNotMatch(l, /^[ACD] \/(proc|sys|dev)(\/|$)|\/etc\/(hosts|hostname|resolv\.conf)$/);
      for (const l of out) assert.match(l, /^[ACD] \//);
    } finally {
      await ok(['rm', c]);
    }
  });

  it('shows the mount points the runtime made for volumes, binds and tmpfs mounts, as dockerd; commit keeps them', async () => {
    await ok(['run', '--name', 'mountpoints', '-v', 'mp1:/etc/foo', '-v', 'mp2:/a/b/c', '-v', `${tmp}:/hostdir`, '--tmpfs', '/run/x', 'busybox', 'true']);
    try {
      // dockerd 20.10's answer for the same container, line for line.
      assert.deepEqual(lines(await ok(['diff', 'mountpoints'])).sort(), ['A /a', 'A /a/b', 'A /a/b/c', 'A /hostdir', 'A /run', 'A /run/x', 'C /etc', 'A /etc/foo'].sort());
      await ok(['commit', 'mountpoints', 'mountpoints:1']);
      assert.equal(await ok(['run', '--rm', 'mountpoints:1', 'ls', '-d', '/a/b/c', '/hostdir', '/run/x', '/etc/foo']), '/a/b/c\n/etc/foo\n/hostdir\n/run/x\n');
      // The runtime's own files (/etc/hosts, /dev) are not in the committed layer; the mount points are.
      const saved = await fs.mkdtemp(path.join(tmp, 'saved-'));
      await ok(['save', '-o', path.join(saved, 'img.tar'), 'mountpoints:1']);
      assert.equal(spawnSync('tar', ['-xf', 'img.tar'], { cwd: saved }).status, 0);
      const top = (JSON.parse(await fs.readFile(path.join(saved, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>)[0]!.Layers.at(-1)!;
      const entries = lines(spawnSync('tar', ['-tf', top], { cwd: saved, encoding: 'utf8' }).stdout).map((e) => e.replace(/\/$/, ''));
      assert.deepEqual(entries.sort(), ['a', 'a/b', 'a/b/c', 'etc', 'etc/foo', 'hostdir', 'run', 'run/x']);
      await ok(['rmi', 'mountpoints:1']);
    } finally {
      await ok(['rm', '-v', 'mountpoints']);
      await d.docker(['volume', 'rm', 'mp1', 'mp2']);
    }
  });

  it('is empty for an unchanged container, and fails for a missing one', async () => {
    const c = (await ok(['create', 'busybox', 'true'])).trim();
    try {
      assert.equal(await ok(['diff', c]), '');
    } finally {
      await ok(['rm', c]);
    }
    const r = await fails(['diff', 'no-such-container']);
    assert.match(r.stderr, /No such container: no-such-container/);
  });
});

for (const state of ['running', 'stopped'] as const) {
  describe(`docker cp on a ${state} container`, () => {
    let c: string;
    before(async () => {
      const script = 'mkdir -p /srv/dir/sub && echo inside > /srv/file.txt && echo deep > /srv/dir/sub/deep.txt && mkdir /dest';
      c = state === 'running' ? await runningContainer(`cp-${state}`, script) : await ranContainer(`cp-${state}`, script);
    });
    after(async () => {
      await ok(['rm', '-f', c]);
    });

    const catIn = async (p: string): Promise<string> => {
      // cp out reads the file back on either state; exec needs a running container.
      const dir = await fs.mkdtemp(path.join(tmp, 'read-'));
      await ok(['cp', `${c}:${p}`, dir]);
      return fs.readFile(path.join(dir, path.posix.basename(p)), 'utf8');
    };

    it('copies a file in, into an existing directory', async () => {
      const src = path.join(tmp, `in-${state}.txt`);
      await fs.writeFile(src, `to ${state}\n`);
      await fs.chmod(src, 0o640);
      await ok(['cp', src, `${c}:/dest/`]);
      assert.equal(await catIn(`/dest/in-${state}.txt`), `to ${state}\n`);
      // And to a new name.
      await ok(['cp', src, `${c}:/dest/renamed.txt`]);
      assert.equal(await catIn('/dest/renamed.txt'), `to ${state}\n`);
      if (state === 'running') {
        assert.equal((await ok(['exec', c, 'stat', '-c', '%a', `/dest/in-${state}.txt`])).trim(), '640');
      }
    });

    it('copies a directory in', async () => {
      const src = path.join(tmp, `dir-${state}`);
      await fs.mkdir(path.join(src, 'nested'), { recursive: true });
      await fs.writeFile(path.join(src, 'a.txt'), 'A\n');
      await fs.writeFile(path.join(src, 'nested', 'b.txt'), 'B\n');
      await ok(['cp', src, `${c}:/dest`]);
      assert.equal(await catIn(`/dest/dir-${state}/a.txt`), 'A\n');
      assert.equal(await catIn(`/dest/dir-${state}/nested/b.txt`), 'B\n');
      // The content only ("dir/.") into an existing directory.
      await ok(['cp', `${src}/.`, `${c}:/srv/dir`]);
      assert.equal(await catIn('/srv/dir/a.txt'), 'A\n');
      assert.equal(await catIn('/srv/dir/nested/b.txt'), 'B\n');
    });

    it('copies a file and a directory out', async () => {
      const out = await fs.mkdtemp(path.join(tmp, `out-${state}-`));
      await ok(['cp', `${c}:/srv/file.txt`, out]);
      assert.equal(await fs.readFile(path.join(out, 'file.txt'), 'utf8'), 'inside\n');
      await ok(['cp', `${c}:/srv/file.txt`, path.join(out, 'other-name.txt')]);
      assert.equal(await fs.readFile(path.join(out, 'other-name.txt'), 'utf8'), 'inside\n');
      await ok(['cp', `${c}:/srv/dir`, path.join(out, 'copied')]);
      assert.equal(await fs.readFile(path.join(out, 'copied/sub/deep.txt'), 'utf8'), 'deep\n');
      // To stdout as a tar stream.
      const tarOut = spawnSync('sh', ['-c', `docker cp ${c}:/srv/file.txt - | tar -tf -`], {
        encoding: 'utf8', env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(d.root, 'docker-config') },
      });
      assert.equal(tarOut.status, 0, tarOut.stderr);
      assert.deepEqual(lines(tarOut.stdout), ['file.txt']);
    });

    it('fails cleanly for a path that does not exist', async () => {
      const out = await fs.mkdtemp(path.join(tmp, `missing-${state}-`));
      const r = await fails(['cp', `${c}:/does/not/exist`, out]);
      assert.match(r.stderr, /Could not find the file \/does\/not\/exist in container/);
      assert.deepEqual(await fs.readdir(out), []);
      const src = path.join(tmp, 'x.txt');
      await fs.writeFile(src, 'x');
      const into = await fails(['cp', src, `${c}:/no/such/dir/`]);
      assert.match(into.stderr, /Could not find the file \/no\/such\/dir in container|no such directory/i);
    });
  });
}

describe('docker cp and symlinks', () => {
  it('a symlink to / inside the container resolves inside the container', async () => {
    const marker = `berth-escape-${process.pid}-${Date.now()}`;
    const src = path.join(tmp, marker);
    await fs.writeFile(src, 'must stay inside\n');
    const c = await runningContainer('escaper', 'ln -s / /escape && ln -s /../../../../tmp /dotdot');
    try {
      await ok(['cp', src, `${c}:/escape/tmp/`]);
      assert.equal(existsSync(path.join('/tmp', marker)), false, 'docker cp wrote to the host /tmp');
      assert.equal((await ok(['exec', c, 'cat', `/tmp/${marker}`])).trim(), 'must stay inside');

      await ok(['cp', src, `${c}:/dotdot/`]);
      assert.equal(existsSync(path.join('/tmp', marker)), false);
      await ok(['exec', c, 'rm', `/tmp/${marker}`]);

      // Reading through the link reads the container's file, not the host's.
      await ok(['exec', c, 'sh', '-c', 'echo container-hostname-file > /etc/only-in-container']);
      const out = await fs.mkdtemp(path.join(tmp, 'escape-out-'));
      await ok(['cp', `${c}:/escape/etc/only-in-container`, out]);
      assert.equal(await fs.readFile(path.join(out, 'only-in-container'), 'utf8'), 'container-hostname-file\n');
      // A tar entry whose link points out of the container cannot be used to write outside it.
      await ok(['cp', `${c}:/escape`, path.join(out, 'link')]);
      assert.equal(await fs.readlink(path.join(out, 'link')), '/');
    } finally {
      await ok(['rm', '-f', c]);
    }
    assert.equal(existsSync(path.join('/tmp', marker)), false);
  });

  it('a tar with a symlink and a file through it does not escape', async () => {
    // Hand-made archive: "evil -> /tmp" then "evil/<marker>". Sent straight to the API.
    const marker = `berth-tar-escape-${process.pid}-${Date.now()}`;
    const work = await fs.mkdtemp(path.join(tmp, 'evil-'));
    await fs.symlink('/tmp', path.join(work, 'evil'));
    const tarA = path.join(tmp, 'evil-a.tar');
    assert.equal(spawnSync('tar', ['-C', work, '-cf', tarA, 'evil']).status, 0);
    await fs.rm(path.join(work, 'evil'));
    await fs.mkdir(path.join(work, 'evil'));
    await fs.writeFile(path.join(work, 'evil', marker), 'x');
    const tarB = path.join(tmp, 'evil-b.tar');
    assert.equal(spawnSync('tar', ['-C', work, '-cf', tarB, `evil/${marker}`]).status, 0);
    const both = path.join(tmp, 'evil.tar');
    assert.equal(spawnSync('sh', ['-c', `cp '${tarA}' '${both}' && tar -Af '${both}' '${tarB}'`]).status, 0);
    const c = (await ok(['create', 'busybox'])).trim();
    try {
      const r = await d.api('PUT', `/containers/${c}/archive?path=/`, await fs.readFile(both), { 'Content-Type': 'application/x-tar' });
      // Either refused or written inside the container; never on the host.
      assert.ok(r.status === 200 || r.status >= 400, `status ${r.status}`);
      assert.equal(existsSync(path.join('/tmp', marker)), false, 'the archive wrote to the host /tmp');
    } finally {
      await ok(['rm', c]);
    }
  });
});

describe('docker cp and mounts', () => {
  it('copies out of and into volumes, also through symlinks that lead into them', async () => {
    await ok(['volume', 'create', 'cpvol']);
    const c = await runningContainerWith('cp-vol', ['-v', 'cpvol:/data'], 'echo in-vol > /data/f && mkdir /data/sub && ln -s /data/sub /lsub && ln -s sub /data/rel');
    try {
      const out = await fs.mkdtemp(path.join(tmp, 'vol-out-'));
      // The volume's root comes out named as the container path, not as its host directory.
      await ok(['cp', `${c}:/data`, out]);
      assert.deepEqual((await fs.readdir(path.join(out, 'data'))).sort(), ['f', 'rel', 'sub']);
      await ok(['cp', `${c}:/data`, path.join(out, 'renamed')]);
      assert.equal(await fs.readFile(path.join(out, 'renamed/f'), 'utf8'), 'in-vol\n');
      const src = path.join(tmp, 'via-link.txt');
      await fs.writeFile(src, 'via link\n');
      await ok(['cp', src, `${c}:/lsub/`]);
      assert.equal((await ok(['exec', c, 'cat', '/data/sub/via-link.txt'])).trim(), 'via link');
      await ok(['cp', `${c}:/lsub/via-link.txt`, path.join(out, 'a.txt')]);
      assert.equal(await fs.readFile(path.join(out, 'a.txt'), 'utf8'), 'via link\n');
      await ok(['cp', `${c}:/data/rel/via-link.txt`, path.join(out, 'b.txt')]);
      assert.equal(await fs.readFile(path.join(out, 'b.txt'), 'utf8'), 'via link\n');
    } finally {
      await ok(['rm', '-f', c]);
      await ok(['volume', 'rm', 'cpvol']);
    }
  });

  it('a directory copied into / lands in the volume mounted at its path', async () => {
    await ok(['volume', 'create', 'cpvol2']);
    const c = await runningContainerWith('cp-vol2', ['-v', 'cpvol2:/data'], 'true');
    try {
      const src = path.join(await fs.mkdtemp(path.join(tmp, 'tree-')), 'data');
      await fs.mkdir(path.join(src, 'sub'), { recursive: true });
      await fs.writeFile(path.join(src, 'sub', 'x'), 'into the volume\n');
      await ok(['cp', src, `${c}:/`]);
      assert.equal(await ok(['exec', c, 'cat', '/data/sub/x']), 'into the volume\n');
      const mp = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'cpvol2'])).trim();
      assert.equal(await fs.readFile(path.join(mp, 'sub/x'), 'utf8'), 'into the volume\n');
    } finally {
      await ok(['rm', '-f', c]);
      await ok(['volume', 'rm', 'cpvol2']);
    }
  });

  it('refuses to copy into a read-only mount or a read-only rootfs, but not into a writable mount', async () => {
    const bind = await fs.mkdtemp(path.join(tmp, 'robind-'));
    const src = path.join(tmp, 'ro.txt');
    await fs.writeFile(src, 'ro\n');
    await ok(['run', '-d', '--name', 'cp-ro', '--read-only', '-v', 'rovol:/ro:ro', '-v', `${bind}:/rb:ro`, '-v', 'rwvol:/rw', 'busybox', 'sleep', '1000']);
    try {
      for (const dest of ['cp-ro:/ro/', 'cp-ro:/rb/']) {
        const r = await fails(['cp', src, dest]);
        assert.match(r.stderr, /mounted volume is marked read-only/);
      }

      assert.deepEqual(await fs.readdir(bind), []);
      const root = await fails(['cp', src, 'cp-ro:/']);
      assert.match(root.stderr, /container rootfs is marked read-only/);
      // dockerd's 400 for both refusals (it was a 500 here for the rootfs).
      const roTar = path.join(tmp, 'ro.tar');
      assert.equal(spawnSync('tar', ['-C', tmp, '-cf', roTar, 'ro.txt']).status, 0);
      for (const dir of ['/', '/ro']) {
        const put = await d.api('PUT', `/containers/cp-ro/archive?path=${dir}`, await fs.readFile(roTar), { 'Content-Type': 'application/x-tar' });
        assert.deepEqual([put.status, put.json().message], [400, dir === '/' ? 'container rootfs is marked read-only' : 'mounted volume is marked read-only']);
      }
      await ok(['cp', src, 'cp-ro:/rw/']);
      assert.equal((await ok(['exec', 'cp-ro', 'cat', '/rw/ro.txt'])).trim(), 'ro');
      // Stopped, the rootfs is still read-only to docker cp.
      await ok(['stop', '-t', '0', 'cp-ro']);
      const stopped = await fails(['cp', src, 'cp-ro:/']);
      assert.match(stopped.stderr, /container rootfs is marked read-only/);
    } finally {
      await ok(['rm', '-f', 'cp-ro']);
      await ok(['volume', 'rm', 'rovol', 'rwvol']);
    }
  });

  it('refuses an archive that reaches a read-only mount below the destination', async () => {
    const bind = await fs.mkdtemp(path.join(tmp, 'robind2-'));
    const c = await runningContainerWith('cp-ro2', ['-v', `${bind}:/rb:ro`], 'true');
    try {
      const rbDir = path.join(await fs.mkdtemp(path.join(tmp, 'rbdir-')), 'rb');
      await fs.mkdir(rbDir);
      await fs.writeFile(path.join(rbDir, 'y'), 'y');
      const below = await fails(['cp', rbDir, `${c}:/`]);
      assert.match(below.stderr, /mounted volume is marked read-only/);
      assert.deepEqual(await fs.readdir(bind), []);
    } finally {
      await ok(['rm', '-f', c]);
    }
  });
});

describe('docker cp and what is already there', () => {
  it('does not replace a directory with a file, nor a file with a directory', async () => {
    const c = await runningContainer('cp-clash', 'mkdir -p /x/clash && touch /x/clash/keep /x/afile');
    try {
      const file = path.join(await fs.mkdtemp(path.join(tmp, 'clash-')), 'clash');
      await fs.writeFile(file, 'file\n');
      const r = await fails(['cp', file, `${c}:/x/`]);
      assert.match(r.stderr, /cannot overwrite directory "clash" with non-directory/);
      const dir = path.join(await fs.mkdtemp(path.join(tmp, 'clash-')), 'afile');
      await fs.mkdir(dir);
      const r2 = await fails(['cp', dir, `${c}:/x/`]);
      assert.match(r2.stderr, /cannot overwrite non-directory "afile" with directory/);
      assert.deepEqual(lines(await ok(['exec', c, 'ls', '/x/clash'])), ['keep']);
      assert.equal((await ok(['exec', c, 'stat', '-c', '%F', '/x/afile'])).trim(), 'regular empty file');
      // A file over a file is fine.
      const same = path.join(await fs.mkdtemp(path.join(tmp, 'clash-')), 'afile');
      await fs.writeFile(same, 'replaced\n');
      await ok(['cp', same, `${c}:/x/`]);
      assert.equal(await ok(['exec', c, 'cat', '/x/afile']), 'replaced\n');
    } finally {
      await ok(['rm', '-f', c]);
    }
  });

  it('a copy that fills the disk fails in Go\'s words and leaves no torn file', async () => {
    const c = await runningContainerWith('cp-full', ['--tmpfs', '/small:size=1m'], 'echo before > /small/kept');
    try {
      const dir = await fs.mkdtemp(path.join(tmp, 'full-'));
      await fs.writeFile(path.join(dir, 'big'), Buffer.alloc(4 << 20, 7));
      await fs.writeFile(path.join(dir, 'a-small'), 'small\n');
      const r = await fails(['cp', `${dir}/.`, `${c}:/small/`]);
      // dockerd: "Error processing tar file(exit status 1): write /big: no space left on device".
      // The CLI may log that its upload was cut short, as it does against dockerd (a race on its side).
      assert.match(r.stderr, /Error response from daemon: write \/big: no space left on device\n(time="[^"]+" level=error msg="Can't add file [^"]+ to tar: io: read\/write on closed pipe"\n)?$/);
      // What was copied whole before stays (as dockerd's); the file cut short is gone.
      assert.deepEqual(lines(await ok(['exec', c, 'ls', '/small'])).sort(), ['a-small', 'kept']);
      assert.equal(await ok(['exec', c, 'cat', '/small/a-small']), 'small\n');
    } finally {
      await ok(['rm', '-f', c]);
    }
  });

  it('reads and writes the /etc files the runtime mounts in a running container', async () => {
    const c = await runningContainer('cp-etc');
    try {
      const out = await fs.mkdtemp(path.join(tmp, 'etc-'));
      await ok(['cp', `${c}:/etc/hostname`, out]);
      const id = (await ok(['inspect', '-f', '{{.Id}}', c])).trim();
      assert.equal((await fs.readFile(path.join(out, 'hostname'), 'utf8')).trim(), id.slice(0, 12));
      await ok(['cp', `${c}:/etc/hosts`, out]);
      assert.match(await fs.readFile(path.join(out, 'hosts'), 'utf8'), /127\.0\.0\.1\s+localhost/);
      const hosts = path.join(out, 'hosts');
      await fs.appendFile(hosts, '10.9.8.7\tadded-by-cp\n');
      await ok(['cp', hosts, `${c}:/etc/hosts`]);
      assert.match(await ok(['exec', c, 'cat', '/etc/hosts']), /10\.9\.8\.7\s+added-by-cp/);
      // And reads back what the container sees.
      const again = await fs.mkdtemp(path.join(tmp, 'etc-'));
      await ok(['cp', `${c}:/etc/hosts`, again]);
      assert.match(await fs.readFile(path.join(again, 'hosts'), 'utf8'), /10\.9\.8\.7\s+added-by-cp/);
    } finally {
      await ok(['rm', '-f', c]);
    }
  });
});

describe('docker export', () => {
  it('produces a tar of the container\'s filesystem', async () => {
    const c = await ranContainer('exporter', 'echo exported > /written-by-container.txt && rm /etc/group');
    const file = path.join(tmp, 'export.tar');
    try {
      await ok(['export', '-o', file, c]);
      const list = lines(spawnSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout).map((l) => l.replace(/^\.\//, '').replace(/\/$/, ''));
      for (const p of ['written-by-container.txt', 'bin/busybox', 'bin/sh', 'etc/passwd']) {
        assert.ok(list.includes(p), `${p} not in export`);
      }
      assert.ok(!list.includes('etc/group'), 'a deleted file is not exported');
      const content = spawnSync('tar', ['-xOf', file, './written-by-container.txt'], { encoding: 'utf8' });
      assert.equal(content.stdout, 'exported\n');
      // Through stdout too, and importable as an image that runs.
      const piped = spawnSync('sh', ['-c', `docker export ${c} | docker import - exported:1 && docker run --rm exported:1 cat /written-by-container.txt`], {
        encoding: 'utf8', env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(d.root, 'docker-config') },
      });
      assert.equal(piped.status, 0, piped.stderr);
      assert.match(piped.stdout, /exported\n$/);
      await ok(['rmi', 'exported:1']);
    } finally {
      await ok(['rm', c]);
    }
  });
});
