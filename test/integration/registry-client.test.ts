// Pull, push and login against real registries on loopback: Debian's docker-registry (plain,
// htpasswd Basic), a Bearer token front, and proxies that corrupt or cut blobs. Driven through
// berthd's API with the real docker CLI and with berth's own CLI.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, type IncomingMessage } from 'node:http';
import { spawnSync } from 'node:child_process';
import { eventually, freePorts, startDaemon, type TestDaemon } from './harness.js';
import { Registry, RegistryProxy, sha256 } from './registry-fixture.js';

const DIGEST_LINE = /: digest: (sha256:[a-f0-9]{64}) size: (\d+)/;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** Temp files of blobs and layers being written: must be none after any pull, failed or not. */
function leftovers(d: TestDaemon): string[] {
  const out: string[] = [];
  for (const dir of ['image/blobs/tmp', 'image/layers/tmp']) {
    const p = path.join(d.dataRoot, dir);
    if (existsSync(p)) out.push(...readdirSync(p).map((f) => `${dir}/${f}`));
  }
  return out;
}

/** Blob files in the content store (to see that a failed pull stored nothing). */
function blobCount(d: TestDaemon): number {
  return readdirSync(path.join(d.dataRoot, 'image/blobs/sha256')).length;
}

async function ok(d: TestDaemon, args: string[], input?: string): Promise<string> {
  const r = await d.berth(args, input);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} failed (${r.code}): ${r.stdout} ${r.stderr}`);
  return r.stdout;
}

describe('registry client against docker-registry', { timeout: 150_000 }, () => {
  let d: TestDaemon;
  let reg: Registry;
  /** A two-layer image (busybox + 4 MiB of random bytes), committed here. */
  let app = '';
  let appId = '';
  /** berth's own registry, served by this berthd (--registry). */
  let own = '';

  before(async () => {
    own = `127.0.0.1:${await freePorts(1, '127.0.0.1')}`;
    [d, reg] = await Promise.all([startDaemon('regc', ['--registry', own]), Registry.start()]);
    app = `${reg.addr}/berth/app:1`;
    await d.dockerOk(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'head -c 4194304 /dev/urandom > /big; echo hi > /hello']);
    appId = (await d.dockerOk(['commit', 'mk', app])).trim();
    await d.dockerOk(['rm', 'mk']);
  });
  after(async () => {
    await reg?.stop();
    const leaks = await d?.stop();
    assert.deepEqual(leaks, []);
  });

  it('push → rmi → pull gives the same image ID and manifest digest (docker CLI)', async () => {
    const push = await d.dockerOk(['push', app]);
    const m = DIGEST_LINE.exec(push);
    assert.ok(m, push);
    assert.match(push, /The push refers to repository \[127\.0\.0\.1:\d+\/berth\/app\]/);
    assert.match(push, /: Pushed/);
    const digest = m[1]!;
    // The registry holds exactly the manifest whose digest was printed.
    const man = await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST });
    assert.equal(man.status, 200);
    assert.equal(sha256(man.body), digest);
    assert.equal(Number(m[2]), man.body.length);

    await d.dockerOk(['rmi', app]);
    const pull = await d.dockerOk(['pull', app]);
    assert.match(pull, /Pulling from berth\/app|Pulling from 127\.0\.0\.1:\d+\/berth\/app/);
    assert.match(pull, /Already exists/); // busybox's layer
    assert.match(pull, /Pull complete/);
    assert.match(pull, new RegExp(`Digest: ${digest}`));
    assert.match(pull, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/berth\/app:1/);
    assert.equal((await d.dockerOk(['inspect', '-f', '{{.Id}}', app])).trim(), appId);
    const repoDigests = (await d.dockerOk(['inspect', '-f', '{{json .RepoDigests}}', app])).trim();
    assert.ok(repoDigests.includes(`${reg.addr}/berth/app@${digest}`), repoDigests);

    // Pulled again: nothing to fetch. Pushed again: same bytes, same digest, nothing uploaded.
    assert.match(await d.dockerOk(['pull', app]), /Image is up to date for/);
    const repush = await d.dockerOk(['push', app]);
    assert.match(repush, /Layer already exists/);
    assert.doesNotMatch(repush, /Pushed/);
    assert.equal(DIGEST_LINE.exec(repush)?.[1], digest);

    // Pushed under another name at the same registry: the blobs are mounted, not sent again.
    await d.dockerOk(['tag', app, `${reg.addr}/other/app:2`]);
    const mounted = await d.dockerOk(['push', `${reg.addr}/other/app:2`]);
    assert.match(mounted, /Mounted from (berth\/app|127\.0\.0\.1:\d+\/berth\/app)/);
    assert.equal(DIGEST_LINE.exec(mounted)?.[1], digest);
    assert.deepEqual(leftovers(d), []);
  });

  it('berth pull by digest, pull -q, run --pull always, distribution inspect', async () => {
    const man = await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST });
    const digest = sha256(man.body);
    await ok(d, ['rmi', `${reg.addr}/other/app:2`]);
    await ok(d, ['rmi', app]);
    const byDigest = `${reg.addr}/berth/app@${digest}`;
    const out = await ok(d, ['pull', byDigest]);
    assert.match(out, new RegExp(`Digest: ${digest}`));
    assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}', byDigest])).trim(), appId);
    assert.equal((await ok(d, ['pull', '-q', app])).trim(), app);
    // docker's `run --pull always` pulls first; the output goes to stderr.
    const run = await d.berth(['run', '--rm', '--pull', 'always', app, 'cat', '/hello']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hi\n');
    assert.match(run.stderr, /Image is up to date/);
    // A missing image is pulled by run (docker's --pull missing default).
    await ok(d, ['rmi', app]);
    const run2 = await d.berth(['run', '--rm', app, 'cat', '/hello']);
    assert.equal(run2.code, 0, run2.stderr);
    assert.match(run2.stderr, /Unable to find image '127\.0\.0\.1:\d+\/berth\/app:1' locally/);
    const never = await d.berth(['run', '--rm', '--pull', 'never', `${reg.addr}/berth/nope:1`, 'true']);
    assert.notEqual(never.code, 0);
    assert.match(never.stderr, /No such image/);
    // GET /distribution/{name}/json: what docker buildx and compose ask before pulling.
    const di = await d.api('GET', `/distribution/${encodeURIComponent(app)}/json`);
    assert.equal(di.status, 200, di.text);
    assert.equal(di.json().Descriptor.digest, digest);
    assert.deepEqual(di.json().Platforms, [{ architecture: 'amd64', os: 'linux' }]);
  });

  it('a multi-arch index: linux/amd64 picked, --platform picks another', async () => {
    // Build an index by hand: the amd64 manifest, an arm64 one (same layers, its own config).
    const amd = await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST });
    const amdManifest = JSON.parse(amd.body.toString()) as { config: { digest: string; size: number; mediaType: string } };
    const cfg = JSON.parse((await reg.get(`/v2/berth/app/blobs/${amdManifest.config.digest}`)).body.toString()) as Record<string, unknown>;
    const armCfg = Buffer.from(JSON.stringify({ ...cfg, architecture: 'arm64', variant: 'v8' }));
    const armCfgDigest = await reg.uploadBlob('berth/app', armCfg);
    const armManifest = Buffer.from(JSON.stringify({ ...JSON.parse(amd.body.toString()), config: { ...amdManifest.config, digest: armCfgDigest, size: armCfg.length } }));
    assert.equal((await reg.put(`/v2/berth/app/manifests/${sha256(armManifest)}`, armManifest, DOCKER_MANIFEST)).status, 201);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: DOCKER_MANIFEST, digest: sha256(armManifest), size: armManifest.length, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
        { mediaType: DOCKER_MANIFEST, digest: sha256(amd.body), size: amd.body.length, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: DOCKER_MANIFEST, digest: sha256(amd.body), size: amd.body.length, platform: { architecture: 'unknown', os: 'unknown' } },
      ],
    }));
    assert.equal((await reg.put('/v2/berth/app/manifests/idx', index, 'application/vnd.oci.image.index.v1+json')).status, 201);
    const multi = `${reg.addr}/berth/app:idx`;
    const out = await ok(d, ['pull', multi]);
    assert.match(out, new RegExp(`Digest: ${sha256(index)}`));
    assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}|{{.Architecture}}', multi])).trim(), `${appId}|amd64`);
    await ok(d, ['pull', '--platform', 'linux/arm64', multi]);
    assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}|{{.Architecture}}', multi])).trim(), `${sha256(armCfg)}|arm64`);
    const none = await d.berth(['pull', '--platform', 'linux/s390x', multi]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
    await ok(d, ['rmi', multi]);
  });

  it('refuses unknown tags and hosts quickly, with docker\'s messages', async () => {
    const unknownTag = await d.docker(['pull', `${reg.addr}/berth/app:nope`]);
    assert.equal(unknownTag.code, 1);
    assert.match(unknownTag.stderr, /manifest for 127\.0\.0\.1:\d+\/berth\/app:nope not found: manifest unknown/);
    const t0 = Date.now();
    const unknownHost = await d.berth(['pull', 'nonexistent.invalid/x:1']);
    assert.notEqual(unknownHost.code, 0);
    assert.match(unknownHost.stderr, /nonexistent\.invalid.*no such host|lookup nonexistent\.invalid/);
    assert.ok(Date.now() - t0 < 10_000, `unknown host took ${Date.now() - t0} ms`);
    // Nothing listening: connection refused, at once. A port just found free, not a fixed one:
    // other test daemons publish ports on this host (DNAT from 127.0.0.1) while this runs.
    const closed = await freePorts(1, '127.0.0.1');
    const refused = await d.berth(['pull', `127.0.0.1:${closed}/x:1`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /connection refused/);
    const search = await d.berth(['search', `${reg.addr}/berth`]);
    assert.notEqual(search.code, 0);
    assert.match(search.stderr, /does not support search/);
    assert.deepEqual(leftovers(d), []);
  });

  it('a blob that does not match its digest is refused and nothing is kept', async () => {
    const man = JSON.parse((await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST })).body.toString()) as { layers: { digest: string }[] };
    const top = man.layers[man.layers.length - 1]!.digest;
    await ok(d, ['rmi', '-f', appId]).catch(() => undefined);
    const proxy = new RegistryProxy(reg.addr, { kind: 'corrupt', digest: top });
    await proxy.start();
    try {
      const blobsBefore = blobCount(d);
      const r = await d.berth(['pull', `${proxy.addr}/berth/app:1`]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${top}`));
      assert.equal(blobCount(d), blobsBefore);
      assert.deepEqual(leftovers(d), []);
      const img = await d.api('GET', `/images/${encodeURIComponent(`${proxy.addr}/berth/app:1`)}/json`);
      assert.equal(img.status, 404);
    } finally {
      await proxy.stop();
    }
  });

  it("a full disk while a layer unpacks is the host's 500, not a verification failure, and keeps nothing", async () => {
    // In the registry (pushed here, or by the first test before an earlier one removed it).
    if ((await d.api('GET', `/images/${appId}/json`)).status === 200) await d.dockerOk(['push', app]);
    await ok(d, ['rmi', '-f', appId]).catch(() => undefined);
    // Layers unpack under layers/tmp: a 1 MiB tmpfs there fills with the 4 MiB layer.
    const tmp = path.join(d.dataRoot, 'image/layers/tmp');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmp]).status, 0);
    try {
      const blobsBefore = blobCount(d);
      const r = await d.docker(['pull', app]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /failed to register layer: \w+.*: no space left on device/);
      assert.doesNotMatch(r.stderr, /verification failed/);
      assert.equal(blobCount(d), blobsBefore);
      assert.deepEqual(leftovers(d), []);
      assert.equal((await d.api('GET', `/images/${encodeURIComponent(app)}/json`)).status, 404);
    } finally {
      spawnSync('umount', [tmp]);
    }
    await d.dockerOk(['pull', app]);
    assert.equal((await d.api('GET', `/images/${encodeURIComponent(app)}/json`)).json().Id, appId);
  });

  it('a broken transfer resumes with Range; a registry killed mid-pull fails cleanly, then pulls', async () => {
    const man = JSON.parse((await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST })).body.toString()) as { layers: { digest: string }[] };
    const top = man.layers[man.layers.length - 1]!.digest;
    await ok(d, ['rmi', '-f', appId]).catch(() => undefined);
    const proxy = new RegistryProxy(reg.addr, { kind: 'cut', digest: top, after: 1 << 20 });
    await proxy.start();
    try {
      const name = `${proxy.addr}/berth/app:1`;
      const r = await d.berth(['pull', name]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.cuts, 1);
      assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}', name])).trim(), appId);
      await ok(d, ['rmi', name]);

      // Now the registry dies when 1 MiB of the layer has passed.
      proxy.cuts = 0;
      proxy.mode = { kind: 'cut', digest: top, after: 1 << 20, onCut: () => void reg.kill() };
      const blobsBefore = blobCount(d);
      const t0 = Date.now();
      const dead = await d.berth(['pull', name]);
      assert.ok(Date.now() - t0 < 20_000, `failing took ${Date.now() - t0} ms`);
      assert.notEqual(dead.code, 0);
      assert.match(dead.stderr, /connection refused|ECONNRESET|socket hang up|reset|EOF/i);
      assert.equal(blobCount(d), blobsBefore);
      assert.deepEqual(leftovers(d), []);
      await reg.restart();
      proxy.mode = { kind: 'pass' };
      const again = await d.berth(['pull', name]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}', name])).trim(), appId);
    } finally {
      await proxy.stop();
    }
  });

  it('berth\'s own registry: the pulled image pushes byte-identical, and round-trips', async () => {
    const digest = sha256((await reg.get('/v2/berth/app/manifests/1', { Accept: DOCKER_MANIFEST })).body);
    await ok(d, ['pull', app]);
    const mirror = `${own}/mirror/app:1`;
    await ok(d, ['tag', app, mirror]);
    const push = await d.dockerOk(['push', mirror]);
    // The manifest pulled from docker-registry is pushed as it was: the same digest.
    assert.equal(DIGEST_LINE.exec(push)?.[1], digest, push);
    await ok(d, ['rmi', '-f', appId]);
    const pull = await ok(d, ['pull', mirror]);
    assert.match(pull, new RegExp(`Digest: ${digest}`));
    assert.equal((await ok(d, ['image', 'inspect', '-f', '{{.Id}}', mirror])).trim(), appId);
    const man = await fetch(`http://${own}/v2/mirror/app/manifests/1`, { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(sha256(Buffer.from(await man.arrayBuffer())), digest);
  });

  it('an rmi during a push is refused, an rmi -f only untags, and the push completes (found by racing them)', async () => {
    // Before: the rmi deleted the image under the push, which failed "No such image: sha256:…".
    const name = `${reg.addr}/berth/pinned`;
    await d.dockerOk(['run', '--name', 'mkp', 'busybox', 'sh', '-c', 'head -c 2097152 /dev/urandom > /p']);
    const id = (await d.dockerOk(['commit', 'mkp', `${name}:1`])).trim();
    await d.dockerOk(['rm', 'mkp']);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: d.socket, method: 'POST', path: `/v1.41/images/${encodeURIComponent(name)}/push?tag=1`, headers: { 'X-Registry-Auth': 'e30=' } }, resolve);
      req.on('error', reject);
      req.end();
    });
    let text = '';
    const ended = new Promise<void>((resolve) => {
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve());
    });
    // The first progress line: the push has its image.
    await eventually(() => text.includes('The push refers to repository'), 10_000, 'the push to begin');
    const refused = await d.api('DELETE', `/images/${encodeURIComponent(`${name}:1`)}`);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.json().message, /a push in progress is using its referenced image/);
    const forced = await d.api('DELETE', `/images/${encodeURIComponent(`${name}:1`)}?force=1`);
    assert.deepEqual(forced.json(), [{ Untagged: `${name}:1` }], 'untagged, not deleted');
    await ended;
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(text, /"error"/, text);
    assert.match(text, /"Digest":"sha256:[a-f0-9]{64}"/, text);
    assert.equal((await d.api('DELETE', `/images/${id}`)).status, 200, 'the push over, the image can go');
  });

  it('image prune -a removes a pulled image (its tag and its digest reference) without a 404', async () => {
    // Removing the tag removed the image with its digest reference, and the prune then asked to
    // remove that reference too: 404 "No such image: name@sha256:…", the prune cut short.
    const ref = `${reg.addr}/berth/pruned:1`;
    // An image of its own, labelled, so the prune takes nothing the other tests use.
    await d.dockerOk(['create', '--name', 'prunesrc', 'busybox']);
    await d.dockerOk(['commit', '--change', 'LABEL prunetest=1', 'prunesrc', ref]);
    await d.dockerOk(['rm', 'prunesrc']);
    await d.dockerOk(['push', ref]);
    await d.dockerOk(['rmi', ref]);
    await d.dockerOk(['pull', ref]);
    assert.match(await d.dockerOk(['image', 'inspect', '-f', '{{json .RepoDigests}}', ref]), /@sha256:/);
    const r = await d.docker(['image', 'prune', '-a', '-f', '--filter', 'label=prunetest=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`untagged: ${ref.replace(/\./g, '\\.')}\n`));
    assert.match(r.stdout, /untagged: .*berth\/pruned@sha256:/);
    assert.equal((await d.docker(['image', 'inspect', ref])).code, 1);
  });

  it('two pulls of one image at once download each blob once', async () => {
    await ok(d, ['rmi', '-f', appId]).catch(() => undefined);
    const [a, b] = await Promise.all([d.berth(['pull', app]), d.berth(['pull', app])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const downloads = [a.stdout, b.stdout].filter((o) => /Download complete/.test(o)).length;
    assert.equal(downloads, 1, `${a.stdout}\n---\n${b.stdout}`);
  });
});

describe('registry auth: htpasswd Basic and a Bearer token flow', { timeout: 90_000 }, () => {
  let d: TestDaemon;
  let reg: Registry;
  let open: Registry;
  let bearer: RegistryProxy;

  before(async () => {
    [d, reg, open] = await Promise.all([startDaemon('rega'), Registry.start({ alice: 's3cret' }), Registry.start()]);
    bearer = new RegistryProxy(open.addr, { kind: 'bearer', token: 'tkn-123', realm: '' });
    await bearer.start();
    bearer.mode = { kind: 'bearer', token: 'tkn-123', realm: `http://${bearer.addr}/token` };
  });
  after(async () => {
    await bearer?.stop();
    await reg?.stop();
    await open?.stop();
    const leaks = await d?.stop();
    assert.deepEqual(leaks, []);
  });

  it('Basic: wrong credentials are refused as docker does; login stores config.json 0600; push and pull work', async () => {
    const name = `${reg.addr}/team/bb:1`;
    await d.dockerOk(['tag', 'busybox', name]);
    // Without credentials, the push is refused and says why.
    const denied = await d.docker(['push', name]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /unauthorized|no basic auth credentials|authentication required/);
    const bad = await d.docker(['login', '-u', 'alice', '--password-stdin', reg.addr], 'wrong\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`login attempt to http://${reg.addr.replace(/\./g, '\\.')}/v2/ failed with status: 401 Unauthorized`));
    const cfgFile = path.join(d.root, 'docker-config', 'config.json');
    // berth login writes docker's config.json, 0600, without the password in clear.
    const good = await d.berth(['login', '-u', 'alice', '--password-stdin', reg.addr], 's3cret\n');
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    assert.equal(statSync(cfgFile).mode & 0o777, 0o600);
    const cfg = readFileSync(cfgFile, 'utf8');
    assert.ok(!cfg.includes('s3cret'));
    assert.equal(JSON.parse(cfg).auths[reg.addr].auth, Buffer.from('alice:s3cret').toString('base64'));
    // The docker CLI reads the same file and sends X-Registry-Auth.
    const pushed = await d.docker(['push', name]);
    assert.equal(pushed.code, 0, pushed.stderr);
    await ok(d, ['rmi', name]);
    assert.match(await ok(d, ['pull', name]), /Status: Downloaded newer image/);
    // The daemon's log and inspect never show the password.
    assert.ok(!d.log.includes('s3cret'));
    assert.ok(!(await ok(d, ['image', 'inspect', name])).includes('s3cret'));
    assert.match(await ok(d, ['logout', reg.addr]), /Removing login credentials for 127\.0\.0\.1:\d+/);
    // Again, with nothing left to remove: the same words, as docker 28 (no "Not logged in").
    for (const cli of [d.berth, d.docker]) assert.equal((await cli.call(d, ['logout', reg.addr])).stdout, `Removing login credentials for ${reg.addr}\n`);
    await ok(d, ['rmi', name]);
    const anon = await d.berth(['pull', name]);
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr, /pull access denied for 127\.0\.0\.1:\d+\/team\/bb|unauthorized/);
  });

  it('Bearer: a token from the realm, scoped to the repository', async () => {
    const name = `${bearer.addr}/lib/bb:1`;
    const refused = await d.berth(['login', '-u', 'tok', '--password-stdin', bearer.addr], 'nope\n');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /failed with status: 401 Unauthorized/);
    await ok(d, ['login', '-u', 'tok', '--password-stdin', bearer.addr], 'tokpw\n');
    await ok(d, ['tag', 'busybox', name]);
    const push = await ok(d, ['push', name]);
    assert.match(push, DIGEST_LINE);
    await ok(d, ['rmi', name]);
    assert.match(await ok(d, ['pull', name]), /Downloaded newer image/);
    assert.ok(bearer.tokenRequests.some((u) => u.includes('scope=repository%3Alib%2Fbb%3Apull') || u.includes('scope=repository:lib/bb:pull')), bearer.tokenRequests.join('\n'));
    assert.ok(bearer.tokenRequests.every((u) => u.includes('service=berth-test')));
  });
});
