import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerStore } from './container-store.js';
import type { ContainerRecord } from './types.js';

test('a save racing a removal does not bring the container back (found by the chaos campaign)', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'store-'));
  try {
    const store = new ContainerStore(root);
    const rec = { Id: 'a'.repeat(64), Name: '/racer', State: { Status: 'running' } } as ContainerRecord;
    await store.save(rec);
    // A rename (or pause) writes the record while rm -f removes it.
    rec.Name = '/renamed';
    const saving = store.save(rec).then(() => 'saved', (e: Error) => e.message);
    await store.remove(rec);
    assert.match(await saving, /No such container/);
    assert.equal(store.find(rec.Id), undefined);
    assert.deepEqual(store.list(), []);
    assert.equal(existsSync(store.dir(rec.Id)), false);
    await assert.rejects(store.save(rec), /No such container/);
    // A fresh load finds nothing either.
    const again = new ContainerStore(root);
    assert.deepEqual((await again.load()).loaded, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lookups by ID prefix, the versions and the link index follow saves and removals', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'store-'));
  try {
    const store = new ContainerStore(root);
    const mk = (id: string, name: string, links?: string[]) =>
      ({ Id: id, Name: name, State: { Status: 'running' }, HostConfig: links ? { Links: links } : {} }) as unknown as ContainerRecord;
    const a = mk('ab12' + '0'.repeat(60), '/a');
    const b = mk('ab34' + '0'.repeat(60), '/b', ['/a:/b/x']);
    assert.equal(store.version(a), 0);
    await store.save(a);
    await store.save(b);
    const va = store.version(a);
    assert.ok(va > 0 && store.version(b) > va);
    assert.equal(store.find('ab1'), a);
    assert.equal(store.find('ab3')?.Id, b.Id);
    assert.throws(() => store.find('ab'), /multiple IDs found with provided prefix: ab/);
    assert.equal(store.find('ab5'), undefined);
    // A name that looks like a prefix is a name first.
    const c = mk('ff' + '0'.repeat(62), '/ab');
    await store.save(c);
    assert.equal(store.find('ab'), c);
    assert.deepEqual(store.withLinks(), [b]);
    await store.save(a);
    assert.ok(store.version(a) > va);
    await store.remove(b);
    assert.equal(store.find('ab3'), undefined);
    assert.deepEqual(store.withLinks(), []);
    // Loaded again: the same lookups.
    const again = new ContainerStore(root);
    await again.load();
    assert.equal(again.find('ab1')?.Id, a.Id);
    assert.equal(again.find('f')?.Id, c.Id);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
