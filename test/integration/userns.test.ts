// --userns-remap: a container's root is an unprivileged host user, its image layers are shown
// to it through ID-mapped mounts (never copied or chowned), and what it writes to a volume is
// owned on the host by that unprivileged user. --userns host opts one container out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { TestDaemon } from './harness.js';

/** The berth user's first subordinate ID in a subuid/subgid file. */
function firstRange(file: string): number {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('berth:'));
  assert.ok(line, `${file} has a range for the berth user`);
  return Number(line.split(':')[1]);
}

describe('user namespaces (--userns-remap default)', () => {
  let d: TestDaemon;
  before(async () => {
    d = new TestDaemon('userns', ['--userns-remap', 'default']);
    // The namespace's root must be able to reach the rootfs through the test's own directory
    // (as through /var/lib, which is 0755).
    chmodSync(d.root, 0o711);
    await d.start();
    await d.loadBusybox();
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it('a build step and a commit record the owners inside the namespace, not the host IDs', async (t) => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/bt-userns-build-`);
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(`${dir}/Dockerfile`, 'FROM busybox\nRUN touch /made && touch /owned && chown 5:6 /owned\n');
    await d.dockerOk(['build', '-t', 'remap-built:1', dir]);
    assert.equal(await d.dockerOk(['run', '--rm', 'remap-built:1', 'stat', '-c', '%u:%g', '/made', '/owned']), '0:0\n5:6\n');
    assert.equal(await d.dockerOk(['run', '--rm', '--userns', 'host', 'remap-built:1', 'stat', '-c', '%u:%g', '/made']), '0:0\n');
    await d.dockerOk(['run', '--name', 'to-commit', 'busybox', 'touch', '/committed']);
    await d.dockerOk(['commit', 'to-commit', 'remap-committed:1']);
    await d.dockerOk(['rm', 'to-commit']);
    assert.equal(await d.dockerOk(['run', '--rm', 'remap-committed:1', 'stat', '-c', '%u:%g', '/committed']), '0:0\n');
  });

  it('the container\'s root is an unprivileged host user; files it writes to a volume are that user\'s', async () => {
    const [uid, gid] = [firstRange('/etc/subuid'), firstRange('/etc/subgid')];
    assert.ok(uid >= 100000 && gid >= 100000);
    const info = (await d.api('GET', '/info')).json<{ SecurityOptions: string[] }>();
    assert.ok(info.SecurityOptions.includes('name=userns'), JSON.stringify(info.SecurityOptions));
    await d.dockerOk(['run', '-d', '--name', 'remapped', '-v', 'remapvol:/data', 'busybox', 'sh', '-c',
      'id -u > /data/who; touch /in-rootfs; ls -ln /bin/busybox /in-rootfs > /data/ls; sleep 60']);
    const pid = (await d.dockerOk(['inspect', '-f', '{{.State.Pid}}', 'remapped'])).trim();
    // Seen from the host: the process runs in a user namespace mapping 0 to the berth user's range.
    assert.match(readFileSync(`/proc/${pid}/uid_map`, 'utf8'), new RegExp(`^\\s*0\\s+${uid}\\s+65536\\s*$`, 'm'));
    assert.match(readFileSync(`/proc/${pid}/gid_map`, 'utf8'), new RegExp(`^\\s*0\\s+${gid}\\s+65536\\s*$`, 'm'));
    assert.equal(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1], String(uid));
    const mountpoint = (await d.dockerOk(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'remapvol'])).trim();
    for (let i = 0; i < 50 && !readFileSync(`${mountpoint}/ls`, { flag: 'a+' }).length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(readFileSync(`${mountpoint}/who`, 'utf8').trim(), '0', 'root inside');
    const st = statSync(`${mountpoint}/who`);
    assert.equal(st.uid, uid, 'owned on the host by the unprivileged user');
    assert.equal(st.gid, gid);
    // Inside, the image's files (owned by host root in the layer) are root's, and root can write to /.
    const ls = readFileSync(`${mountpoint}/ls`, 'utf8');
    assert.match(ls, /^\S+\s+\d+\s+0\s+0\s+.*\/bin\/busybox$/m);
    assert.match(ls, /^\S+\s+\d+\s+0\s+0\s+.*\/in-rootfs$/m);
    await d.dockerOk(['rm', '-f', 'remapped']);
    await d.dockerOk(['volume', 'rm', 'remapvol']);
    // crun 1.8.1 hands the container's stdin (/dev/null for a detached container) to its root:
    // berth makes sure that is never the host's /dev/null.
    assert.equal(statSync('/dev/null').uid, 0, "the host's /dev/null still belongs to root");
  });

  it('exec joins the user namespace; --userns host runs a container without one', async () => {
    await d.dockerOk(['run', '-d', '--name', 'remapped2', 'busybox', 'sleep', '60']);
    const inside = await d.dockerOk(['exec', 'remapped2', 'cat', '/proc/self/uid_map']);
    assert.match(inside, new RegExp(`^\\s*0\\s+${firstRange('/etc/subuid')}\\s+65536`, 'm'));
    await d.dockerOk(['exec', 'remapped2', 'true']);
    assert.equal(statSync('/dev/null').uid, 0, "the host's /dev/null still belongs to root after exec");
    await d.dockerOk(['rm', '-f', 'remapped2']);
    const host = await d.dockerOk(['run', '--rm', '--userns', 'host', 'busybox', 'sh', '-c', 'cat /proc/self/uid_map; touch /x && echo WROTE']);
    assert.match(host, /^\s*0\s+0\s+4294967295\s*$/m);
    assert.match(host, /WROTE/);
  });

  it('export and cp show the owners the container sees, and cp in gives files the namespace\'s IDs, running or stopped', async () => {
    const { execFileSync } = await import('node:child_process');
    const { makeTar } = await import('../../src/storage/tar-fixtures.js');
    // `tar -tv --numeric-owner` of an archive: "uid/gid name" per entry.
    const owners = (archive: Buffer) => execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: archive, encoding: 'utf8' })
      .split('\n').filter(Boolean).map((l) => { const f = l.split(/\s+/); return `${f[1]} ${f[5]}`; });
    await d.dockerOk(['run', '-d', '--name', 'remap-files', 'busybox', 'sh', '-c', 'mkdir -p /made && touch /made/f && chown 1234:2345 /made/f && touch /ready && sleep 60']);
    for (let i = 0; i < 50 && (await d.docker(['exec', 'remap-files', 'test', '-e', '/ready'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const uid = firstRange('/etc/subuid');
    const get = async (p: string) => {
      const r = await d.api('GET', `/containers/remap-files/archive?path=${encodeURIComponent(p)}`);
      assert.equal(r.status, 200, r.text);
      return owners(r.body);
    };
    const put = async (name: string, entryUid: number) => d.api('PUT', '/containers/remap-files/archive?path=/tmp',
      await makeTar([{ name, content: 'x', uid: entryUid, gid: entryUid }]), { 'Content-Type': 'application/x-tar' });
    for (const state of ['running', 'stopped']) {
      assert.deepEqual(await get('/made'), ['0/0 made/', '1234/2345 made/f'], state);
      assert.deepEqual(await get('/etc/passwd'), ['0/0 passwd'], state);
      const exported = await d.api('GET', '/containers/remap-files/export');
      assert.equal(exported.status, 200);
      const all = owners(exported.body);
      assert.ok(all.includes('1234/2345 ./made/f') && all.includes('0/0 ./bin/busybox'), `${state}: ${all.filter((l) => /made|busybox$/.test(l))}`);
      assert.ok(!all.some((l) => l.startsWith(`${uid}/`)), `${state}: no host IDs in the export`);
      assert.equal((await put(`in-${state}`, 42)).status, 200);
      // An ID the namespace does not map is refused, as dockerd refuses it.
      const unmapped = await put(`unmapped-${state}`, 70000);
      assert.equal(unmapped.status, 400);
      assert.match(unmapped.json<{ message: string }>().message, /Container ID 70000 cannot be mapped to a host ID/);
      if (state === 'running') await d.dockerOk(['stop', '-t', '0', 'remap-files']);
    }
    // Started over the mount the stopped container's cp made: the image's files are still root's inside.
    await d.dockerOk(['start', 'remap-files']);
    assert.equal(await d.dockerOk(['exec', 'remap-files', 'stat', '-c', '%u:%g %n', '/tmp/in-running', '/tmp/in-stopped', '/bin/busybox']),
      '42:42 /tmp/in-running\n42:42 /tmp/in-stopped\n0:0 /bin/busybox\n');
    await d.dockerOk(['rm', '-f', 'remap-files']);
  });

  it('a working directory that the image lacks is made for the container\'s root', async () => {
    assert.equal(await d.dockerOk(['run', '--rm', '-w', '/made-wd/sub', 'busybox', 'sh', '-c', 'stat -c %u:%g /made-wd /made-wd/sub /tmp && touch x && echo wrote']),
      '0:0\n0:0\n0:0\nwrote\n');
  });

  it('what cannot work in a user namespace is refused at create, as dockerd does', async () => {
    const r = await d.docker(['run', '--rm', '--privileged', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /privileged mode is incompatible with user namespaces/);
    const pid = await d.docker(['run', '--rm', '--pid', 'host', 'busybox', 'true']);
    assert.match(pid.stderr, /cannot share the host PID namespace when user namespaces are enabled/);
    const ok = await d.docker(['run', '--rm', '--privileged', '--userns', 'host', 'busybox', 'true']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
