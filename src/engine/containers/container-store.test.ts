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
