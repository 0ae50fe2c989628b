// Healthchecks through the docker CLI: --health-* flags and the image's HEALTHCHECK, State.Health,
// ps status and --filter health=, health_status and exec events, timeouts, stop, daemon restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { eventually, sleep, startDaemon, type TestDaemon } from './harness.js';

describe('healthchecks', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('health');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  const health = async (ref: string) => JSON.parse(await d.dockerOk(['inspect', '--format', '{{json .State.Health}}', ref]));
  const status = async (ref: string) => (await d.dockerOk(['ps', '-a', '--filter', `name=^${ref}$`, '--format', '{{.Status}}'])).trim();
  const names = async (filter: string) => (await d.dockerOk(['ps', '-a', '--filter', filter, '--format', '{{.Names}}'])).trim().split('\n').filter(Boolean).sort();

  it('runs --health-cmd as execs: starting, unhealthy after the retries, healthy again, with events', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    await d.dockerOk(['run', '-d', '--name', 'h1', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '500ms', '--health-retries', '2', '--health-timeout', '2s', 'busybox', 'sleep', '120']);
    assert.match(await status('h1'), /^Up .* \(health: starting\)$/);
    const cfg = JSON.parse(await d.dockerOk(['inspect', '--format', '{{json .Config.Healthcheck}}', 'h1']));
    assert.deepEqual(cfg, { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 500e6, Timeout: 2e9, Retries: 2 });
    const sick = await eventually(async () => {
      const h = await health('h1');
      return h.Status === 'unhealthy' ? h : undefined;
    }, 15_000, 'unhealthy');
    assert.ok(sick.FailingStreak >= 2);
    for (const r of sick.Log) {
      assert.equal(r.ExitCode, 1);
      assert.ok(Date.parse(r.End) >= Date.parse(r.Start));
    }
    assert.match(await status('h1'), /\(unhealthy\)$/);
    assert.deepEqual(await names('health=unhealthy'), ['h1']);
    await d.dockerOk(['exec', 'h1', 'touch', '/tmp/ok']);
    await eventually(async () => (await health('h1')).Status === 'healthy', 10_000, 'healthy');
    const h = await health('h1');
    assert.equal(h.FailingStreak, 0);
    assert.ok(h.Log.length <= 5);
    assert.match(await status('h1'), /^Up .* \(healthy\)$/);
    assert.deepEqual(await names('health=healthy'), ['h1']);
    assert.deepEqual(await names('health=unhealthy'), []);
    const bad = await d.docker(['ps', '--filter', 'health=sick']);
    assert.notEqual(bad.code, 0);
    const actions = (await d.dockerOk(['events', '--since', String(t0), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=h1', '--format', '{{.Action}}'])).split('\n');
    assert.ok(actions.includes('health_status: unhealthy'), actions.join(','));
    assert.ok(actions.includes('health_status: healthy'));
    assert.ok(actions.includes('exec_create: /bin/sh -c test -f /tmp/ok'));
    assert.ok(actions.includes('exec_start: /bin/sh -c test -f /tmp/ok'));
  });

  it('a check past its timeout is killed and fails with docker\'s message', async () => {
    await d.dockerOk(['run', '-d', '--name', 'slow', '--health-cmd', 'sleep 30', '--health-timeout', '300ms', '--health-interval', '500ms', '--health-retries', '1', 'busybox', 'sleep', '120']);
    const h = await eventually(async () => {
      const x = await health('slow');
      return x.Status === 'unhealthy' ? x : undefined;
    }, 10_000, 'unhealthy');
    assert.equal(h.Log[0].ExitCode, -1);
    assert.equal(h.Log[0].Output, 'Health check exceeded timeout (300ms)');
    // The killed check leaves no process behind.
    const ps = await d.dockerOk(['top', 'slow']);
    assert.ok(!ps.includes('sleep 30'), ps);
    await d.dockerOk(['rm', '-f', 'slow']);
  });

  it('takes HEALTHCHECK from the image; --no-healthcheck turns it off', async () => {
    // busybox saved, its config given a healthcheck, loaded back as busybox:healthy.
    const saved = await d.api('GET', '/images/busybox/get');
    const out = tar.pack();
    const chunks: Buffer[] = [];
    out.on('data', (c: unknown) => chunks.push(c as Buffer));
    const ext = tar.extract();
    const members = new Map<string, Buffer>();
    ext.on('entry', (hdr, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => parts.push(c as Buffer));
      stream.on('end', () => {
        if (hdr.type === 'file') members.set(hdr.name, Buffer.concat(parts));
        next();
      });
    });
    await pipeline(Readable.from([saved.body]), ext);
    const manifest = JSON.parse(members.get('manifest.json')!.toString());
    const config = JSON.parse(members.get(manifest[0].Config)!.toString());
    config.config.Healthcheck = { Test: ['CMD-SHELL', 'exit 0'], Interval: 400e6 };
    const newConfig = Buffer.from(JSON.stringify(config));
    const name = `${createHash('sha256').update(newConfig).digest('hex')}.json`;
    members.delete(manifest[0].Config);
    members.set(name, newConfig);
    members.set('manifest.json', Buffer.from(JSON.stringify([{ ...manifest[0], Config: name, RepoTags: ['busybox:healthy'] }])));
    members.delete('index.json');
    members.delete('repositories');
    for (const [n, b] of members) out.entry({ name: n }, b);
    out.finalize();
    await new Promise<void>((r) => out.on('end', () => r()));
    const load = await d.api('POST', '/images/load', Buffer.concat(chunks), { 'Content-Type': 'application/x-tar' });
    assert.equal(load.status, 200, load.text);

    await d.dockerOk(['run', '-d', '--name', 'img', 'busybox:healthy', 'sleep', '120']);
    await eventually(async () => (await health('img')).Status === 'healthy', 10_000, 'healthy from the image');
    await d.dockerOk(['run', '-d', '--name', 'off', '--no-healthcheck', 'busybox:healthy', 'sleep', '120']);
    await sleep(1000);
    assert.equal(await d.dockerOk(['inspect', '--format', '{{json .State.Health}}', 'off']), 'null\n');
    assert.match(await status('off'), /^Up [^()]*$/);
    assert.ok((await names('health=none')).includes('off'));
    assert.ok(!(await names('health=none')).includes('img'));
  });

  it('stopping the container stops its checks; they resume after a daemon restart', async () => {
    // (h1 and img check every ~0.5 s.)
    await d.crash();
    await sleep(1500);
    await d.start();
    const before = (await health('img')).Log.at(-1).End;
    await eventually(async () => (await health('img')).Log.at(-1).End !== before, 5000, 'checks resumed');
    await d.dockerOk(['stop', '-t', '1', 'img']);
    const stopped = await health('img');
    await sleep(1500);
    assert.deepEqual(await health('img'), stopped, 'no check ran after the stop');
    assert.match(await status('img'), /^Exited/);
  });

  it('refuses bad healthcheck values with 400', async () => {
    const r = await d.api('POST', '/containers/create', { Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Interval: 1000 } });
    assert.equal(r.status, 400);
    assert.equal(r.json().message, 'Interval in Healthcheck cannot be less than 1ms');
  });
});
