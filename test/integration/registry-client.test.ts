// Pull, push and login against real registries on loopback: Debian's docker-registry (plain,
// htpasswd Basic), a Bearer token front, and proxies that corrupt or cut blobs. Driven through
// berthd's API with the real docker CLI and with berth's own CLI.
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type TestDaemon } from './harness.js';
import { Registry, RegistryProxy, sha256 } from './registry-fixture.js';

const DIGEST_LINE = /: digest: (sha256:[a-f0-9]{64}) size: (\d+)/;

/** Files under the data root's blobs/tmp and layers/tmp: must be empty after a failed pull. */
function leftovers(d: TestDaemon): string[] {
  const out: string[] = [];
  for (const dir of ['image/blobs/tmp', 'image/layers/tmp']) {
    const p = path.join(d.dataRoot, dir);
    if (existsSync(p)) out.push(...readdirSync(p).map((f) => `${dir}/${f}`));
  }
  return out;
}

describe('registry client against docker-registry', { timeout: 120_000 }, () => {
  let d: TestDaemon;
  let reg: Registry;

  before(async () => {
    [d, reg] = await Promise.all([startDaemon('regc'), Registry.start()]);
  });
  after(async () => {
    await reg?.stop();
    const leaks = await d?.stop();
    assert.deepEqual(leaks, []);
  });

  it('push → rmi → pull gives the same image ID and manifest digest (docker CLI)', async () => {
    const name = `${reg.addr}/berth/busybox:1`;
    await d.dockerOk(['tag', 'busybox', name]);
    const id = (await d.dockerOk(['inspect', '-f', '{{.Id}}', name])).trim();
    const push = await d.dockerOk(['push', name]);
    const m = DIGEST_LINE.exec(push);
    assert.ok(m, push);
    assert.match(push, /The push refers to repository \[127\.0\.0\.1:\d+\/berth\/busybox\]/);
    assert.match(push, /: Pushed/);
    const digest = m[1]!;
    if (process.env.SHOW) console.log(push);
    // The registry holds exactly the manifest whose digest was printed.
    const man = await reg.get(`/v2/berth/busybox/manifests/1`, { Accept: 'application/vnd.docker.distribution.manifest.v2+json' });
    assert.equal(man.status, 200);
    assert.equal(sha256(man.body), digest);
    assert.equal(Number(m[2]), man.body.length);

    await d.dockerOk(['rmi', name]);
    const pull = await d.dockerOk(['pull', name]);
    if (process.env.SHOW) console.log(pull);
    assert.match(pull, new RegExp(`Digest: ${digest}`));
    assert.match(pull, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/berth\/busybox:1/);
    assert.equal((await d.dockerOk(['inspect', '-f', '{{.Id}}', name])).trim(), id);
    const repoDigests = (await d.dockerOk(['inspect', '-f', '{{json .RepoDigests}}', name])).trim();
    assert.ok(repoDigests.includes(`${reg.addr}/berth/busybox@${digest}`), repoDigests);

    // Pulled again: nothing to fetch.
    const again = await d.dockerOk(['pull', name]);
    assert.match(again, /Image is up to date for/);
    // Pushed again: the same bytes under the same digest, every layer already there.
    const repush = await d.dockerOk(['push', name]);
    assert.match(repush, /Layer already exists/);
    assert.equal(DIGEST_LINE.exec(repush)?.[1], digest);
    assert.deepEqual(leftovers(d), []);
  });
});
