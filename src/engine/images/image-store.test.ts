import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { chainIds, sha256Digest } from '../../storage/digest.js';
import { makeTar, tempDir, type FixtureEntry } from '../../storage/tar-fixtures.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { InvalidReferenceError } from '../../protocol/reference.js';
import { ImagePin } from './image-pins.js';
import { ImageStore, shortId, type ImageUser } from './image-store.js';
import type { ImageConfig } from './types.js';

const noUsers = (): ImageUser[] => [];

async function makeImage(
  store: ImageStore,
  layers: FixtureEntry[][],
  opts: { tags?: string[]; parent?: string; base?: string[]; history?: ImageConfig['history']; label?: string } = {},
): Promise<string> {
  const diffIds = [...(opts.base ?? [])];
  let parent: string | null = chainIds(diffIds).pop() ?? null;
  for (const files of layers) {
    const l = await store.layers.apply(parent, Readable.from([await makeTar(files)]));
    diffIds.push(l.diffId);
    parent = l.chainId;
  }
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-02T03:04:05Z',
    config: { Cmd: ['sh'], Labels: opts.label ? { l: opts.label } : undefined },
    rootfs: { type: 'layers', diff_ids: [] },
    history: opts.history ?? diffIds.map((_, i) => ({ created: '2024-01-02T03:04:05Z', created_by: `step ${i}` })),
  };
  return store.createImage(config, diffIds, { tags: opts.tags, parent: opts.parent });
}

describe('ImageStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ImageStore;
  let root: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir('images'));
    root = path.join(dir, 'root');
    store = await ImageStore.open(root);
  });
  after(async () => cleanup());

  it('names an image by the digest of its config bytes and resolves IDs, prefixes and references', async () => {
    const id = await makeImage(store, [[{ name: 'a', content: 'a' }]], { tags: ['busybox'], label: 'resolve' });
    const bytes = await store.configBytes(id);
    assert.equal(id, sha256Digest(bytes));
    assert.equal(await fs.readFile(path.join(root, 'blobs/sha256', id.slice(7))).then((b) => sha256Digest(b)), id);
    const hex = id.slice(7);
    for (const q of [id, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 10)}`, 'busybox', 'busybox:latest', 'docker.io/library/busybox:latest']) {
      assert.equal(store.resolve(q).id, id, q);
    }
    assert.deepEqual(store.resolve(id).repoTags, ['docker.io/library/busybox:latest']);
    assert.throws(() => store.resolve('nope'), (e: Error) => e instanceof NotFoundError && e.message === 'No such image: nope:latest');
    assert.throws(() => store.resolve('sha256:' + '0'.repeat(64)), { message: `No such image: sha256:${'0'.repeat(64)}` });
    assert.throws(() => store.resolve('Busybox'), InvalidReferenceError);
    await store.untag('busybox');
  });

  it('tags, moves tags, untags', async () => {
    const a = await makeImage(store, [[{ name: 't', content: '1' }]], { tags: ['app:1'] });
    const b = await makeImage(store, [[{ name: 't', content: '2' }]]);
    await store.tag(a, '127.0.0.1:5000/app:1');
    assert.deepEqual(store.get(a)!.repoTags, ['127.0.0.1:5000/app:1', 'docker.io/library/app:1']);
    await store.tag(b, 'app:1');
    assert.deepEqual(store.get(a)!.repoTags, ['127.0.0.1:5000/app:1']);
    assert.equal(store.resolve('app:1').id, b);
    await assert.rejects(store.tag(a, `app@sha256:${'1'.repeat(64)}`), /refusing to create a tag with a digest reference/);
    await store.untag('app:1');
    await assert.rejects(store.untag('app:1'), { message: 'No such image: app:1' });
    await store.remove(a, { force: true }, noUsers);
    await store.remove(b, {}, noUsers);
  });

  it('removes like docker rmi: untag first, delete with the last name, layers with the image', async () => {
    const id = await makeImage(store, [[{ name: 'x', content: 'x' }], [{ name: 'y', content: 'y' }]], { tags: ['one:1', 'one:2'] });
    const chain = store.chainIds(id);
    assert.deepEqual(await store.remove('one:1', {}, noUsers), [{ Untagged: 'one:1' }]);
    assert.ok(store.get(id));
    const res = await store.remove('one:2', {}, noUsers);
    assert.deepEqual(res, [{ Untagged: 'one:2' }, { Deleted: id }, { Deleted: chain[1] }, { Deleted: chain[0] }]);
    assert.equal(store.get(id), undefined);
    for (const c of chain) {
      assert.ok(!store.layers.has(c));
      await assert.rejects(fs.access(path.join(root, 'layers', c.slice(7))));
    }
    await assert.rejects(fs.access(path.join(root, 'blobs/sha256', id.slice(7))), 'config blob removed');
    await assert.rejects(store.remove('one:2', {}, noUsers), NotFoundError);
  });

  it('refuses to delete by ID an image with names in several repositories unless forced', async () => {
    const id = await makeImage(store, [[{ name: 'm', content: 'm' }]], { tags: ['repa:1', 'repb:1'] });
    await assert.rejects(store.remove(shortId(id), {}, noUsers), {
      message: `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
    });
    const res = await store.remove(shortId(id), { force: true }, noUsers);
    assert.deepEqual(res.slice(0, 3), [{ Untagged: 'repa:1' }, { Untagged: 'repb:1' }, { Deleted: id }]);
  });

  it('refuses to delete an image containers use', async () => {
    const id = await makeImage(store, [[{ name: 'u', content: 'u' }]], { tags: ['used:1'] });
    const ctr = 'f'.repeat(64);
    const stopped = (): ImageUser[] => [{ id: ctr, running: false }];
    const running = (): ImageUser[] => [{ id: ctr, running: true }];
    await assert.rejects(store.remove('used:1', {}, stopped), {
      message: `conflict: unable to remove repository reference "used:1" (must force) - container ${ctr.slice(0, 12)} is using its referenced image ${shortId(id)}`,
    });
    await assert.rejects(store.remove(id, {}, stopped), {
      message: `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${ctr.slice(0, 12)}`,
    });
    await assert.rejects(store.remove(id, { force: true }, running), (e: Error) =>
      e instanceof ConflictError && e.message === `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${ctr.slice(0, 12)}`,
    );
    assert.deepEqual(store.get(id)!.repoTags, ['docker.io/library/used:1'], 'a refused rmi changes nothing');
    // Forced while a stopped container holds the layers: the image goes, its layers stay.
    await store.holdLayers(ctr, id);
    const chain = store.chainIds(id);
    const res = await store.remove(id, { force: true }, stopped);
    assert.deepEqual(res, [{ Untagged: 'used:1' }, { Deleted: id }]);
    assert.ok(store.layers.has(chain[0]!));
    await store.releaseLayers(ctr);
    assert.ok(!store.layers.has(chain[0]!), 'released layers are collected');
  });

  it("a container's hold lives in its record: open keeps the stacks it is given as claims, and only those", async () => {
    const kept = await makeImage(store, [[{ name: 'claimed', content: 'c' }]], { tags: ['claimed:1'] });
    const lost = await makeImage(store, [[{ name: 'unclaimed', content: 'u' }]], { tags: ['unclaimed:1'] });
    const [ctrA, ctrB] = ['a'.repeat(64), 'b'.repeat(64)];
    await store.holdLayers(ctrA, kept);
    await store.holdLayers(ctrB, lost);
    const keptTop = store.chainIds(kept).at(-1)!;
    const lostTop = store.chainIds(lost).at(-1)!;
    assert.deepEqual(await fs.readdir(path.join(root, 'layers/holds')), [], 'no hold file is written');
    await store.remove(kept, { force: true }, noUsers);
    await store.remove(lost, { force: true }, noUsers);
    assert.ok(store.layers.has(keptTop) && store.layers.has(lostTop), 'held in memory while the daemon runs');
    // A crash: only A's record was durable (B's create was never answered).
    const again = await ImageStore.open(root, new Map([[ctrA, keptTop], ['c'.repeat(64), 'sha256:' + '0'.repeat(64)]]));
    assert.ok(again.layers.has(keptTop), "the claimed stack survives open's collection");
    assert.ok(!again.layers.has(lostTop), 'the unclaimed stack is collected');
    await again.releaseLayers(ctrA);
    assert.ok(!again.layers.has(keptTop), 'released, it is collected');
    store = again;
  });

  it('keeps shared layers, protects parents of child images, prunes untagged parents', async () => {
    const base = await makeImage(store, [[{ name: 'base', content: 'b' }]], { label: 'base' });
    const baseDiffs = store.get(base)!.config.rootfs.diff_ids;
    const child = await makeImage(store, [[{ name: 'child', content: 'c' }]], { base: baseDiffs, parent: base, tags: ['child'] });
    assert.deepEqual(store.children(base), [child]);
    await assert.rejects(store.remove(base, { force: true }, noUsers), /\(cannot be forced\) - image has dependent child images/);
    const res = await store.remove('child', {}, noUsers);
    const deleted = res.filter((r) => r.Deleted).map((r) => r.Deleted);
    assert.ok(deleted.includes(child) && deleted.includes(base), 'untagged parent pruned');
    assert.equal(store.get(base), undefined);

    const shared = await makeImage(store, [[{ name: 'shared', content: 's' }]], { tags: ['s1'] });
    const sDiffs = store.get(shared)!.config.rootfs.diff_ids;
    const other = await makeImage(store, [[{ name: 'top', content: 't' }]], { base: sDiffs, tags: ['s2'] });
    const otherChain = store.chainIds(other);
    const res2 = await store.remove('s2', { noPrune: true }, noUsers);
    assert.deepEqual(res2, [{ Untagged: 's2:latest' }, { Deleted: other }, { Deleted: otherChain[1] }]);
    assert.ok(store.layers.has(store.chainIds(shared)[0]!), 'shared base layer kept');
    await store.remove('s1', {}, noUsers);
  });

  it('a pinned image (a build, a create in progress) is in use: rmi refuses, -f only untags, prune keeps it', async () => {
    const id = await makeImage(store, [[{ name: 'p', content: 'pinned' }]], { tags: ['pinned:1'] });
    const pin = new ImagePin('a build in progress');
    assert.equal(store.resolvePinned('pinned:1', pin).id, id);
    await assert.rejects(store.remove('pinned:1', {}, noUsers), {
      message: `conflict: unable to remove repository reference "pinned:1" (must force) - a build in progress is using its referenced image ${shortId(id)}`,
    });
    await assert.rejects(store.remove(id, { force: true }, noUsers), {
      message: `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by a build in progress`,
    });
    assert.deepEqual(await store.remove('pinned:1', { force: true }, noUsers), [{ Untagged: 'pinned:1' }]);
    const pruned = await store.prune({ danglingOnly: true }, noUsers);
    assert.ok(!pruned.ImagesDeleted.some((d) => d.Deleted === id), 'prune kept the pinned image');
    // An image stored with a pin is pinned before anyone can see it.
    const step = await store.createImage((await store.get(id))!.config, store.get(id)!.config.rootfs.diff_ids, { parent: id, pin });
    assert.equal(store.pins.holder(step), pin);
    store.pins.release(pin);
    assert.equal(store.pins.holder(id), undefined);
    const after = await store.prune({ danglingOnly: true }, noUsers);
    assert.ok(after.ImagesDeleted.some((d) => d.Deleted === step), 'released, it goes');
  });

  it('a pin taken at any point of an rmi either keeps the image or finds it gone, never both', async () => {
    // A create resolves and pins the image while the rmi is between two of its awaits: after
    // `hops` turns of the microtask queue, or after a macrotask (the rmi's file I/O).
    for (const hops of [0, 1, 2, 3, 4, 6, 8, 12, 16, -1]) {
      const id = await makeImage(store, [[{ name: 'r', content: `raced ${hops}` }]]);
      const pin = new ImagePin('container abc being created');
      let pinned: Promise<boolean> = Promise.resolve(false);
      const users = (): ImageUser[] => {
        let wait: Promise<unknown> = hops < 0 ? new Promise((r) => setImmediate(r)) : Promise.resolve();
        for (let i = 0; i < hops; i++) wait = wait.then(() => undefined);
        pinned = wait.then(() => {
          try {
            store.resolvePinned(id, pin);
            return true;
          } catch (e) {
            if (e instanceof NotFoundError) return false;
            throw e;
          }
        });
        return [];
      };
      const removed = await store.remove(id, {}, users).then(() => true, (e: unknown) => {
        if (e instanceof ConflictError) return false;
        throw e;
      });
      const gotPin = await pinned;
      assert.ok(!(removed && gotPin), `after ${hops} hops: the image was deleted though a create had pinned it`);
      assert.equal(!!store.get(id), !removed, `after ${hops} hops`);
      store.pins.release(pin);
      if (!removed) await store.remove(id, {}, noUsers);
    }
  });

  it('prunes dangling images only, or every unused one', async () => {
    const dangling = await makeImage(store, [[{ name: 'd', content: 'dangling' }]]);
    const tagged = await makeImage(store, [[{ name: 'k', content: 'kept' }]], { tags: ['kept'] });
    const used = await makeImage(store, [[{ name: 'used', content: 'used' }]]);
    const users = (id: string): ImageUser[] => (id === used ? [{ id: 'c'.repeat(64), running: true }] : []);
    const r = await store.prune({ danglingOnly: true }, users);
    assert.ok(r.ImagesDeleted.some((d) => d.Deleted === dangling));
    assert.ok(!r.ImagesDeleted.some((d) => d.Deleted === used));
    assert.ok(r.SpaceReclaimed >= 'dangling'.length);
    assert.ok(store.get(tagged));
    const all = await store.prune({ danglingOnly: false }, users);
    assert.deepEqual(all.ImagesDeleted.slice(0, 2), [{ Untagged: 'kept:latest' }, { Deleted: tagged }]);
    assert.ok(store.get(used));
    await store.remove(used, {}, noUsers);
  });

  it('gives history newest first, with IDs down the parent chain and <missing> beyond', async () => {
    const parent = await makeImage(store, [[{ name: 'p1', content: 'p1' }], [{ name: 'p2', content: 'p22' }]], {
      tags: ['hist:base'],
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: 'ADD p1' },
        { created: '2024-01-01T00:00:01Z', created_by: 'ENV A=b', empty_layer: true },
        { created: '2024-01-01T00:00:02Z', created_by: 'ADD p2', comment: 'c' },
      ],
    });
    const h = store.history(parent);
    assert.deepEqual(h.map((x) => [x.Id, x.CreatedBy, x.Size, x.Created]), [
      [parent, 'ADD p2', 3, Math.floor(Date.parse('2024-01-01T00:00:02Z') / 1000)],
      ['<missing>', 'ENV A=b', 0, 1704067201],
      ['<missing>', 'ADD p1', 2, 1704067200],
    ]);
    assert.deepEqual(h[0]!.Tags, ['hist:base']);
    assert.equal(h[1]!.Tags, null);
    assert.equal(h[0]!.Comment, 'c');
    await store.remove(parent, { force: true }, noUsers);
  });

  it('recovers on open: records and names persist, crash leftovers are collected', async () => {
    const id = await makeImage(store, [[{ name: 'persist', content: 'p' }]], { tags: ['persist:1'] });
    // Leftovers: a half-unpacked layer, an unreferenced layer, an orphan blob, a temp record.
    await fs.mkdir(path.join(root, 'layers/tmp/half/diff/etc'), { recursive: true });
    const orphan = await store.layers.apply(null, Readable.from([await makeTar([{ name: 'orphan', content: 'o' }])]));
    const blob = await store.content.put(Buffer.from('orphan blob'));
    await fs.writeFile(path.join(root, 'images/.references.json.1.2.tmp'), '{');
    const again = await ImageStore.open(root);
    assert.equal(again.resolve('persist:1').id, id);
    assert.deepEqual(again.get(id)!.repoTags, ['docker.io/library/persist:1']);
    assert.ok(!again.layers.has(orphan.chainId));
    assert.ok(!(await again.content.has(blob.digest)));
    assert.deepEqual(await fs.readdir(path.join(root, 'layers/tmp')), []);
    assert.ok(!(await fs.readdir(path.join(root, 'images'))).some((n) => n.endsWith('.tmp')));
    store = again;
  });
});
