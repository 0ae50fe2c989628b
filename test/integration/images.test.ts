// Images through the real docker CLI: list and inspect, tag and rmi, history, save/load (docker
// archives, pipes and OCI layouts), import, commit, and prune. berthd never contacts a registry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, type IncomingMessage } from 'node:http';
import { busyboxRootfsTar, eventually, startDaemon, type RunResult, type TestDaemon } from './harness.js';

let d: TestDaemon;
let tmp: string;
let busyboxId: string;

/** Runs docker and asserts it succeeded; returns stdout. */
async function ok(args: string[], input?: string | Buffer): Promise<string> {
  const r = await d.docker(args, input);
  assert.equal(r.code, 0, `docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Runs docker and asserts it failed with `code`; returns the result. */
async function fails(args: string[], code = 1, input?: string | Buffer): Promise<RunResult> {
  const r = await d.docker(args, input);
  assert.equal(r.code, code, `docker ${args.join(' ')} exited ${r.code}, wanted ${code}: ${r.stdout} ${r.stderr}`);
  return r;
}

const lines = (s: string) => s.split('\n').filter(Boolean);
const imageId = async (ref: string) => (await ok(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
const hasImage = async (ref: string) => (await d.docker(['image', 'inspect', ref])).code === 0;

/** Runs a shell pipeline with DOCKER_HOST pointing at the test daemon. */
function shell(script: string): RunResult {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(d.root, 'docker-config') },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  d = await startDaemon('images');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-images-test-'));
  busyboxId = await imageId('busybox');
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

describe('docker images', () => {
  it('lists busybox with a 12-character ID', async () => {
    const out = lines(await ok(['images']));
    assert.match(out[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const row = out.find((l) => l.startsWith('busybox '));
    assert.ok(row, `no busybox row in:\n${out.join('\n')}`);
    const [repo, tag, id] = row.split(/\s+/);
    assert.equal(repo, 'busybox');
    assert.equal(tag, 'latest');
    assert.match(id!, /^[0-9a-f]{12}$/);
    assert.equal(id, busyboxId.slice(7, 19));
  });

  it('-q prints only short IDs', async () => {
    const out = lines(await ok(['images', '-q']));
    assert.ok(out.length >= 1);
    for (const l of out) assert.match(l, /^[0-9a-f]{12}$/);
    assert.ok(out.includes(busyboxId.slice(7, 19)));
  });

  it('--no-trunc prints full sha256 IDs', async () => {
    const out = await ok(['images', '--no-trunc', 'busybox']);
    assert.ok(out.includes(busyboxId), out);
    assert.match(busyboxId, /^sha256:[0-9a-f]{64}$/);
  });

  it('--format renders Go templates', async () => {
    const out = lines(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}']));
    assert.ok(out.includes('busybox:latest'), out.join('\n'));
    const json = lines(await ok(['images', '--format', 'json', 'busybox']));
    assert.equal(json.length, 1);
    const obj = JSON.parse(json[0]!);
    assert.equal(obj.Repository, 'busybox');
    assert.equal(obj.ID, busyboxId.slice(7, 19));
  });

  it('filters by reference and dangling', async () => {
    // A dangling image: import twice under the same tag, the first loses its name.
    const first = (await ok(['import', busyboxRootfsTar(), 'dangle:x'])).trim();
    const second = (await ok(['import', '-m', 'second', busyboxRootfsTar(), 'dangle:x'])).trim();
    assert.notEqual(first, second);
    try {
      const ref = lines(await ok(['images', '--filter', 'reference=busy*', '--format', '{{.Repository}}:{{.Tag}}']));
      assert.deepEqual(ref, ['busybox:latest']);
      const none = lines(await ok(['images', '--filter', 'reference=nomatch*', '-q']));
      assert.deepEqual(none, []);
      const dangling = lines(await ok(['images', '--filter', 'dangling=true', '--no-trunc', '-q']));
      assert.ok(dangling.includes(first), `dangling ${dangling} should include ${first}`);
      assert.ok(!dangling.includes(second));
      assert.ok(!dangling.includes(busyboxId));
      const danglingRows = lines(await ok(['images', '--filter', 'dangling=true', '--format', '{{.Repository}}:{{.Tag}}']));
      assert.ok(danglingRows.every((r) => r === '<none>:<none>'), danglingRows.join('\n'));
      const tagged = lines(await ok(['images', '--filter', 'dangling=false', '--no-trunc', '-q']));
      assert.ok(tagged.includes(busyboxId) && tagged.includes(second) && !tagged.includes(first));
    } finally {
      await ok(['rmi', first, 'dangle:x']);
    }
  });

  it('a reference filter shows only the matching names of an image', async () => {
    await ok(['tag', 'busybox', 'other:1']);
    try {
      assert.deepEqual(lines(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'busybox'])), ['busybox:latest']);
      assert.deepEqual(lines(await ok(['images', '-q', 'busybox'])), [busyboxId.slice(7, 19)]);
      assert.deepEqual(lines(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=oth*'])), ['other:1']);
      assert.deepEqual(lines(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=busybox:lat*'])), ['busybox:latest']);
      const both = lines(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).filter((l) => l !== '<none>:<none>');
      assert.ok(both.includes('busybox:latest') && both.includes('other:1'), both.join('\n'));
    } finally {
      await ok(['rmi', 'other:1']);
    }
  });

  it('hides an untagged parent image unless -a', async () => {
    const parent = (await ok(['import', '-m', 'parent', '-c', 'CMD ["sh"]', busyboxRootfsTar(), 'parent:1'])).trim();
    await ok(['run', '--name', 'mkchild', 'parent:1', 'sh', '-c', 'echo child > /child']);
    await ok(['commit', 'mkchild', 'child:1']);
    await ok(['rm', 'mkchild']);
    try {
      // Untagging the parent keeps it: child:1 needs it.
      assert.equal((await ok(['rmi', 'parent:1'])).trim(), 'Untagged: parent:1');
      assert.equal(await hasImage(parent), true);
      assert.ok(!lines(await ok(['images', '-q', '--no-trunc'])).includes(parent));
      assert.ok(!lines(await ok(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).includes(parent));
      assert.ok(lines(await ok(['images', '-a', '-q', '--no-trunc'])).includes(parent));
      // And it goes with its child.
      const out = await ok(['rmi', 'child:1']);
      assert.match(out, new RegExp(`Deleted: ${parent}`));
      assert.equal(await hasImage(parent), false);
    } finally {
      await d.docker(['rmi', 'child:1']);
      await d.docker(['rmi', parent]);
    }
  });

  it('rejects an unknown filter', async () => {
    const r = await fails(['images', '--filter', 'bogus=1']);
    assert.match(r.stderr, /invalid filter 'bogus'/);
  });
});

describe('docker image inspect', () => {
  it('has docker\'s JSON shape', async () => {
    const [img] = JSON.parse(await ok(['image', 'inspect', 'busybox']));
    assert.equal(img.Id, busyboxId);
    assert.deepEqual(img.RepoTags, ['busybox:latest']);
    assert.deepEqual(img.Config.Cmd, ['sh']);
    assert.equal(img.RootFS.Type, 'layers');
    assert.equal(img.RootFS.Layers.length, 1);
    assert.match(img.RootFS.Layers[0], /^sha256:[0-9a-f]{64}$/);
    assert.equal(img.Os, 'linux');
    assert.equal(img.Architecture, process.arch === 'x64' ? 'amd64' : process.arch);
    assert.ok(Number.isInteger(img.Size) && img.Size > 100_000, `Size ${img.Size}`);
    assert.equal(img.GraphDriver.Name, 'overlay2');
    assert.ok(!Number.isNaN(Date.parse(img.Created)));
  });

  it('-f renders a template', async () => {
    assert.equal((await ok(['image', 'inspect', '-f', '{{.Config.Cmd}}', 'busybox'])).trim(), '[sh]');
    assert.equal((await ok(['image', 'inspect', '-f', '{{json .RepoTags}}', busyboxId.slice(7, 19)])).trim(), '["busybox:latest"]');
  });

  it('of a missing image fails', async () => {
    const r = await fails(['image', 'inspect', 'nope']);
    assert.match(r.stderr, /No such image: nope/);
  });
});

describe('docker tag and rmi', () => {
  it('rmi of an extra tag only untags', async () => {
    await ok(['tag', 'busybox', 'mybox:v1']);
    assert.equal(await imageId('mybox:v1'), busyboxId);
    const out = await ok(['rmi', 'mybox:v1']);
    assert.equal(out.trim(), 'Untagged: mybox:v1');
    assert.equal(await hasImage('mybox:v1'), false);
    assert.equal(await imageId('busybox'), busyboxId);
  });

  it('rmi of an image a container uses is a conflict unless forced', async () => {
    await ok(['tag', 'busybox', 'usedbox:latest']);
    const used = await imageId('usedbox');
    assert.equal(used, busyboxId);
    // A separate image so that -f really deletes it without touching busybox.
    const own = (await ok(['import', '-c', 'CMD ["sh"]', busyboxRootfsTar(), 'ownbox:1'])).trim();
    await ok(['rmi', 'usedbox:latest']);
    const cid = (await ok(['create', 'ownbox:1', 'true'])).trim();
    try {
      const r = await fails(['rmi', 'ownbox:1']);
      assert.match(r.stderr, /conflict/);
      assert.match(r.stderr, new RegExp(`container ${cid.slice(0, 12)} is using its referenced image ${own.slice(7, 19)}`));
      const byId = await fails(['rmi', own.slice(7, 19)]);
      assert.match(byId.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is being used by stopped container/);
      assert.equal(await hasImage('ownbox:1'), true);
      const forced = await ok(['rmi', '-f', 'ownbox:1']);
      assert.match(forced, /Untagged: ownbox:1/);
      assert.equal(await hasImage('ownbox:1'), false);
      // As docker does, -f deletes an image a stopped container uses; the container stays usable.
      assert.equal(await hasImage(own), false);
      assert.match(await ok(['ps', '-a', '--format', '{{.ID}} {{.Image}}']), new RegExp(cid.slice(0, 12)));
      await ok(['rm', cid]);
    } finally {
      await d.docker(['rm', '-f', cid]);
      await d.docker(['rmi', '-f', own]);
    }
  });

  it('rmi of a missing image reports No such image', async () => {
    const r = await fails(['rmi', 'nope']);
    assert.match(r.stderr, /Error response from daemon: No such image: nope:latest/);
  });
});

describe('docker history', () => {
  it('shows the layers', async () => {
    const out = lines(await ok(['history', 'busybox']));
    assert.match(out[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.equal(out.length, 2);
    assert.ok(out[1]!.startsWith(busyboxId.slice(7, 19)), out[1]);
    const full = lines(await ok(['history', '--no-trunc', 'busybox']));
    assert.ok(full[1]!.startsWith(busyboxId), full[1]);
    const q = lines(await ok(['history', '-q', 'busybox']));
    assert.deepEqual(q, [busyboxId.slice(7, 19)]);
    const fmt = lines(await ok(['history', '--format', '{{.ID}}|{{.Size}}|{{.Comment}}', 'busybox']));
    assert.equal(fmt.length, 1);
    const [id, size] = fmt[0]!.split('|');
    assert.equal(id, busyboxId.slice(7, 19));
    assert.match(size!, /^\d+(\.\d+)?[kM]?B$/);
  });
});

describe('docker save and load', () => {
  it('save -o, rmi, load -i gives back the same runnable image', async () => {
    const file = path.join(tmp, 'busybox.tar');
    await ok(['save', '-o', file, 'busybox']);
    const listing = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout;
    assert.match(listing, /manifest\.json/);
    assert.match(listing, /index\.json/);
    await ok(['rmi', 'busybox']);
    assert.equal(await hasImage('busybox'), false);
    assert.equal(await hasImage(busyboxId), false);
    const out = await ok(['load', '-i', file]);
    assert.match(out, /Loaded image: busybox:latest/);
    assert.equal(await imageId('busybox'), busyboxId);
    assert.equal((await ok(['run', '--rm', 'busybox', 'echo', 'ok'])).trim(), 'ok');
  });

  it('save | load through pipes', async () => {
    const r = shell('docker save busybox | docker load');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Loaded image: busybox:latest/);
    assert.equal(await imageId('busybox'), busyboxId);
    // An image of its own, saved through a pipe (gzipped), removed, and loaded back from stdin.
    const own = (await ok(['import', '-m', 'piped', '-c', 'CMD ["sh"]', busyboxRootfsTar(), 'piped:1'])).trim();
    const file = path.join(tmp, 'piped.tar.gz');
    const s = shell(`docker save piped:1 | gzip > '${file}'`);
    assert.equal(s.code, 0, s.stderr);
    await ok(['rmi', 'piped:1']);
    assert.equal(await hasImage(own), false);
    const l = shell(`gunzip -c '${file}' | docker load`);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /Loaded image: piped:1/);
    assert.equal(await imageId('piped:1'), own);
    assert.equal((await ok(['run', '--rm', 'piped:1', 'echo', 'piped'])).trim(), 'piped');
    await ok(['rmi', 'piped:1']);
  });

  it('loads an OCI image layout made by skopeo', async (t) => {
    if (spawnSync('skopeo', ['--version']).status !== 0) {
      t.skip('skopeo is not installed (apt-get install -y skopeo)');
      return;
    }
    const dockerArchive = path.join(tmp, 'for-skopeo.tar');
    const oci = path.join(tmp, 'busybox-oci.tar');
    await ok(['save', '-o', dockerArchive, 'busybox']);
    const s = spawnSync('skopeo', ['copy', '--quiet', `docker-archive:${dockerArchive}`, `oci-archive:${oci}:ocibox:7`], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    const listing = spawnSync('tar', ['-tf', oci], { encoding: 'utf8' }).stdout;
    assert.match(listing, /oci-layout/);
    assert.doesNotMatch(listing, /manifest\.json/);
    const [bb] = JSON.parse(await ok(['image', 'inspect', 'busybox']));
    // Without busybox, so that the layer really comes from the OCI archive.
    await ok(['rmi', 'busybox']);
    const out = await ok(['load', '-i', oci]);
    assert.match(out, /Loaded image: ocibox:7/);
    // skopeo rewrites the config as an OCI config (dropping docker-only fields), so the image ID
    // is that blob's digest (the manifest names it); the layer (gzipped by skopeo) is the same.
    const x = path.join(tmp, 'oci-x');
    await fs.mkdir(x);
    assert.equal(spawnSync('tar', ['-xf', oci, '-C', x]).status, 0);
    const index = JSON.parse(await fs.readFile(path.join(x, 'index.json'), 'utf8'));
    const manifest = JSON.parse(await fs.readFile(path.join(x, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    assert.match(manifest.layers[0].mediaType, /gzip/);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'ocibox:7']));
    assert.equal(img.Id, manifest.config.digest);
    assert.deepEqual(img.RootFS.Layers, bb.RootFS.Layers);
    assert.deepEqual(img.Config.Cmd, ['sh']);
    assert.equal((await ok(['run', '--rm', 'ocibox:7', 'echo', 'oci'])).trim(), 'oci');
    await ok(['rmi', 'ocibox:7']);
    await ok(['load', '-i', dockerArchive]);
    assert.equal(await imageId('busybox'), busyboxId);
  });

  it("skopeo's docker-daemon transport (API 1.22) copies an image out of berthd and back in", async (t) => {
    if (spawnSync('skopeo', ['--version']).status !== 0) {
      t.skip('skopeo is not installed (apt-get install -y skopeo)');
      return;
    }
    // containers/image asks for API 1.22 (save and load): refused as too old before berthd
    // served clients older than 1.24.
    const layout = path.join(tmp, 'from-daemon');
    const skopeo = (args: string[]) => {
      const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const info = JSON.parse(skopeo(['inspect', '--daemon-host', d.host, 'docker-daemon:busybox:latest'])) as { Layers: string[] };
    const [bb] = JSON.parse(await ok(['image', 'inspect', 'busybox']));
    assert.deepEqual(info.Layers, bb.RootFS.Layers);
    skopeo(['copy', '--src-daemon-host', d.host, 'docker-daemon:busybox:latest', `oci:${layout}:bb`]);
    skopeo(['copy', '--dest-daemon-host', d.host, `oci:${layout}:bb`, 'docker-daemon:skopeoed:1']);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'skopeoed:1']));
    assert.deepEqual(img.RootFS.Layers, bb.RootFS.Layers);
    assert.equal((await ok(['run', '--rm', 'skopeoed:1', 'echo', 'via skopeo'])).trim(), 'via skopeo');
    await ok(['rmi', 'skopeoed:1']);
    // The floor itself: 1.12 is served, older is refused with dockerd's message.
    assert.equal((await d.api('GET', '/v1.12/version')).json().MinAPIVersion, '1.12');
    const old = await d.api('GET', '/v1.11/version');
    assert.equal(old.status, 400);
    assert.equal(old.json().message, 'client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version');
  });

  it('an rmi during a save is refused, an rmi -f only untags, and the archive is whole (found by racing them)', async () => {
    // Before: the rmi deleted the image while its layer streamed, and the archive came out short.
    await ok(['run', '--name', 'mks', 'busybox', 'sh', '-c', 'head -c 4194304 /dev/urandom > /s']);
    const id = (await ok(['commit', 'mks', 'saving:1'])).trim();
    await ok(['rm', 'mks']);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path: '/v1.41/images/saving:1/get' }, resolve);
      req.on('error', reject);
      req.end();
    });
    const chunks: Buffer[] = [];
    // Read no more after the first bytes, at once: the 4 MiB layer waits in the save, as behind
    // a slow client (paused later, a fast save had sent everything and ended: a flaky 200).
    const began = new Promise<void>((resolve) => res.once('data', () => {
      res.pause();
      resolve();
    }));
    const ended = new Promise<boolean>((resolve) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(true));
      res.on('error', () => resolve(false));
      res.on('aborted', () => resolve(false));
    });
    await began;
    const refused = await d.api('DELETE', '/images/saving:1');
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.json().message, /a save in progress is using its referenced image/);
    assert.deepEqual((await d.api('DELETE', '/images/saving:1?force=1')).json(), [{ Untagged: 'saving:1' }]);
    res.resume();
    assert.equal(await ended, true, 'the archive ended cleanly');
    const archive = path.join(tmp, 'saving.tar');
    await fs.writeFile(archive, Buffer.concat(chunks));
    assert.ok(Buffer.concat(chunks).length > 4_000_000, 'the 4 MiB layer is in it');
    // The save over, the image can go; the archive brings it back, same ID.
    assert.equal((await d.api('DELETE', `/images/${id}`)).status, 200);
    await ok(['load', '-i', archive]);
    assert.equal(await imageId('saving:1'), id);
    await ok(['rmi', 'saving:1']);
  });

  it('a save whose client goes away lets go of its images and layers', async () => {
    await ok(['run', '--name', 'mkg', 'busybox', 'sh', '-c', 'head -c 8388608 /dev/urandom > /s']);
    await ok(['commit', 'mkg', 'saving:gone']);
    await ok(['rm', 'mkg']);
    // Read the first bytes, then hang up while the 8 MiB layer is being sent.
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path: '/images/saving:gone/get' }, (res) => res.once('data', () => {
        req.destroy();
        resolve();
      }));
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    // Before: the save waited for ever for a drain, its pin held: rmi answered 409 "a save in
    // progress is using its referenced image" until berthd restarted, and the layer stayed open.
    await eventually(async () => (await d.api('DELETE', '/images/saving:gone')).status === 200, 5000, 'the image removable');
  });

  it('load of garbage fails cleanly', async () => {
    const r = await fails(['load'], 1, 'this is not a tar archive at all, not even close'.repeat(20));
    // As dockerd: the error comes inside the 200 JSON stream, and the CLI prints its message.
    assert.match(r.stderr, /tar header|Error/);
    assert.equal(await imageId('busybox'), busyboxId);
  });
});

describe('docker import', () => {
  it('imports a rootfs tarball from a file with changes and a message', async () => {
    const out = (await ok([
      'import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=b', '-m', 'from a file', busyboxRootfsTar(), 'imported:file',
    ])).trim();
    assert.match(out, /^sha256:[0-9a-f]{64}$/);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'imported:file']));
    assert.equal(img.Id, out);
    assert.deepEqual(img.Config.Cmd, ['/bin/sh']);
    assert.ok(img.Config.Env.includes('A=b'), JSON.stringify(img.Config.Env));
    assert.equal(img.Comment, 'from a file');
    const hist = lines(await ok(['history', '--format', '{{.Comment}}', 'imported:file']));
    assert.deepEqual(hist, ['from a file']);
    assert.equal((await ok(['run', '--rm', 'imported:file', 'sh', '-c', 'echo $A'])).trim(), 'b');
    await ok(['rmi', 'imported:file']);
  });

  it('imports from stdin (-)', async () => {
    const tarball = await fs.readFile(busyboxRootfsTar());
    const out = (await ok(['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=b', '-m', 'from stdin', '-', 'imported:stdin'], tarball)).trim();
    assert.match(out, /^sha256:[0-9a-f]{64}$/);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'imported:stdin']));
    assert.deepEqual(img.Config.Cmd, ['/bin/sh']);
    assert.ok(img.Config.Env.includes('A=b'));
    assert.equal(img.Comment, 'from stdin');
    // CMD ["/bin/sh"] with stdin closed: runs and exits 0.
    const r = await d.docker(['run', '--rm', '-i', 'imported:stdin'], 'echo via-cmd $A\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'via-cmd b');
    await ok(['rmi', 'imported:stdin']);
  });

  it('rejects an invalid change', async () => {
    const r = await fails(['import', '-c', 'FROM busybox', busyboxRootfsTar(), 'bad:change']);
    assert.match(r.stderr, /FROM/i);
    assert.equal(await hasImage('bad:change'), false);
  });
});

describe('docker commit', () => {
  it('makes an image with the container\'s change, the config change, and one more history entry', async () => {
    const name = 'commit-src';
    await ok(['run', '--name', name, 'busybox', 'sh', '-c', 'echo committed > /hello.txt']);
    try {
      const id = (await ok(['commit', '-m', 'add hello', '-c', 'ENV COMMITTED=yes', '-c', 'CMD ["cat", "/hello.txt"]', name, 'committed:1'])).trim();
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      const [img] = JSON.parse(await ok(['image', 'inspect', 'committed:1']));
      assert.equal(img.Id, id);
      assert.deepEqual(img.Config.Cmd, ['cat', '/hello.txt']);
      assert.ok(img.Config.Env.includes('COMMITTED=yes'));
      assert.equal(img.Comment, 'add hello');
      assert.equal(img.RootFS.Layers.length, 2);
      assert.equal(img.Parent, busyboxId);
      const base = lines(await ok(['history', '-q', 'busybox'])).length;
      const hist = lines(await ok(['history', '--format', '{{.ID}} {{.Comment}}', 'committed:1']));
      assert.equal(hist.length, base + 1);
      assert.equal(hist[0], `${id.slice(7, 19)} add hello`);
      assert.equal((await ok(['run', '--rm', 'committed:1'])).trim(), 'committed');
      assert.equal((await ok(['run', '--rm', 'committed:1', 'sh', '-c', 'echo $COMMITTED'])).trim(), 'yes');
      // busybox itself is unchanged.
      assert.notEqual((await d.docker(['run', '--rm', 'busybox', 'cat', '/hello.txt'])).code, 0);
      // The parent cannot be removed by ID while the child exists.
      const r = await fails(['rmi', busyboxId.slice(7, 19)]);
      assert.match(r.stderr, /conflict/);
    } finally {
      await d.docker(['rm', '-f', name]);
      await d.docker(['rmi', 'committed:1']);
    }
  });

  it('docker run of a missing image fails with 125 without contacting a registry', async () => {
    const started = Date.now();
    const r = await fails(['run', '--rm', 'nosuchimage:1.0', 'true'], 125);
    assert.match(r.stderr, /Unable to find image 'nosuchimage:1.0' locally/);
    assert.match(r.stderr, /nosuchimage/);
    assert.match(r.stderr, /Error response from daemon:/);
    // No network round trip: a registry lookup would take far longer, or mention docker.io auth.
    assert.doesNotMatch(r.stderr, /registry-1\.docker\.io|auth\.docker\.io|dial tcp|i\/o timeout/);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(await hasImage('nosuchimage:1.0'), false);
  });
});

describe('docker image prune', () => {
  it('-f removes dangling images only; -a -f removes unused ones', async () => {
    const dangling = (await ok(['import', '-m', 'd1', busyboxRootfsTar(), 'prunable:x'])).trim();
    const unusedTagged = (await ok(['import', '-m', 'd2', busyboxRootfsTar(), 'prunable:x'])).trim();
    const usedTagged = (await ok(['import', '-m', 'd3', '-c', 'CMD ["sh"]', busyboxRootfsTar(), 'inuse:1'])).trim();
    const cid = (await ok(['create', 'inuse:1'])).trim();
    try {
      assert.equal(await hasImage(dangling), true);
      const out = await ok(['image', 'prune', '-f']);
      assert.match(out, new RegExp(`deleted: ${dangling}`));
      assert.match(out, /Total reclaimed space:/);
      assert.equal(await hasImage(dangling), false);
      assert.equal(await hasImage(unusedTagged), true);
      assert.equal(await hasImage(busyboxId), true);

      // Keep busybox: a container uses it.
      const keep = (await ok(['create', 'busybox'])).trim();
      try {
        const all = await ok(['image', 'prune', '-a', '-f']);
        assert.match(all, /untagged: prunable:x/);
        assert.equal(await hasImage(unusedTagged), false);
        assert.equal(await hasImage(usedTagged), true);
        assert.equal(await hasImage(busyboxId), true);
      } finally {
        await ok(['rm', keep]);
      }
    } finally {
      await d.docker(['rm', '-f', cid]);
      await d.docker(['rmi', '-f', usedTagged]);
    }
  });

  it('honours the until and label filters', async () => {
    const keep = (await ok(['import', '-c', 'LABEL keep=yes', busyboxRootfsTar(), 'labeled:keep'])).trim();
    const drop = (await ok(['import', '-c', 'LABEL keep=no', busyboxRootfsTar(), 'labeled:drop'])).trim();
    const keep2 = (await ok(['import', '-m', 'nolabel', busyboxRootfsTar(), 'nolabel:1'])).trim();
    // busybox must survive -a: a container uses it.
    const user = (await ok(['create', 'busybox'])).trim();
    try {
      // Everything here is younger than an hour.
      const young = await ok(['image', 'prune', '-a', '-f', '--filter', 'until=1h']);
      assert.doesNotMatch(young, /deleted:/);
      assert.equal(await hasImage(drop), true);
      const out = await ok(['image', 'prune', '-a', '-f', '--filter', 'label=keep=no']);
      assert.match(out, /untagged: labeled:drop/);
      assert.equal(await hasImage(drop), false);
      assert.equal(await hasImage(keep), true);
      assert.equal(await hasImage(keep2), true);
      await ok(['image', 'prune', '-a', '-f', '--filter', 'label!=keep=yes']);
      assert.equal(await hasImage(keep2), false);
      assert.equal(await hasImage(keep), true);
      assert.equal(await hasImage(busyboxId), true);
      const bad = await fails(['image', 'prune', '-f', '--filter', 'bogus=1']);
      assert.match(bad.stderr, /invalid filter 'bogus'/);
    } finally {
      await ok(['rm', user]);
      for (const id of [keep, drop, keep2]) await d.docker(['rmi', '-f', id]);
    }
  });
});
