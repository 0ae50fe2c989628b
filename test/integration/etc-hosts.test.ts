// /etc/hosts as docker 28 writes it: legacy links on the default bridge get an entry (alias,
// the linked container's hostname, its name); on a user-defined network peers get none (its DNS
// server answers their names), only the container's own address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from './harness.js';

describe('/etc/hosts entries', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('etc-hosts');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it('a --link adds "<ip> <alias> <hostname> <name>" on the default bridge', async () => {
    const id = (await d.dockerOk(['run', '-d', '--name', 'target', 'busybox', 'sleep', '60'])).trim();
    const ip = (await d.dockerOk(['inspect', '--format', '{{.NetworkSettings.Networks.bridge.IPAddress}}', 'target'])).trim();
    const hosts = await d.dockerOk(['run', '--rm', '--add-host', 'extra:10.1.2.3', '--link', 'target:al', 'busybox', 'cat', '/etc/hosts']);
    const lines = hosts.trim().split('\n');
    assert.equal(lines.at(-1), `${ip}\tal ${id.slice(0, 12)} target`);
    // docker's order: standard entries, --add-host, own address, links.
    assert.ok(lines.indexOf('10.1.2.3\textra') < lines.length - 2);
    // Linked under its own name, the name is not repeated.
    const same = await d.dockerOk(['run', '--rm', '--link', 'target', 'busybox', 'cat', '/etc/hosts']);
    assert.equal(same.trim().split('\n').at(-1), `${ip}\ttarget ${id.slice(0, 12)}`);
    // The name resolves through the file.
    assert.match(await d.dockerOk(['run', '--rm', '--link', 'target:al', 'busybox', 'ping', '-c', '1', '-W', '2', 'al']), /1 packets received/);
  });

  it('a linked container started again with another address updates its parents\' entry', async () => {
    await d.dockerOk(['run', '-d', '--name', 'moving', 'busybox', 'sleep', '60']);
    const ipOf = async (c: string) => (await d.dockerOk(['inspect', '--format', '{{.NetworkSettings.Networks.bridge.IPAddress}}', c])).trim();
    const before = await ipOf('moving');
    await d.dockerOk(['run', '-d', '--name', 'parent', '--link', 'moving:mv', 'busybox', 'sleep', '60']);
    const entry = async () => (await d.dockerOk(['exec', 'parent', 'cat', '/etc/hosts'])).split('\n').find((l) => l.includes('\tmv '));
    assert.match((await entry())!, new RegExp(`^${before.replace(/\./g, '\\.')}\t`));
    await d.dockerOk(['stop', '-t', '0', 'moving']);
    // Something else takes its address meanwhile.
    await d.dockerOk(['run', '-d', '--name', 'filler', 'busybox', 'sleep', '60']);
    await d.dockerOk(['start', 'moving']);
    const after = await ipOf('moving');
    assert.notEqual(after, before);
    assert.match((await entry())!, new RegExp(`^${after.replace(/\./g, '\\.')}\t`));
    await d.dockerOk(['rm', '-f', 'parent', 'filler', 'moving']);
  });

  it('on a user-defined network only the container\'s own entry is written', async () => {
    await d.dockerOk(['network', 'create', 'hostsnet']);
    await d.dockerOk(['run', '-d', '--name', 'peer', '--network', 'hostsnet', 'busybox', 'sleep', '60']);
    const out = await d.dockerOk(['run', '--rm', '--name', 'self', '--hostname', 'me', '--network', 'hostsnet', 'busybox', 'cat', '/etc/hosts']);
    assert.ok(!out.includes('peer'), out);
    assert.match(out.trim().split('\n').at(-1)!, /^\d+\.\d+\.\d+\.\d+\tme$/);
    await d.dockerOk(['rm', '-f', 'peer']);
    await d.dockerOk(['network', 'rm', 'hostsnet']);
  });
});
