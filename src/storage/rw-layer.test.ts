import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContentStore } from './content-store.js';
import { LayerStore } from './layer-store.js';
import { RwLayerStore } from './rw-layer.js';
import { tempDir } from './tar-fixtures.js';

/** Whether an overlay is mounted at dir (real mounts: root, as the other storage tests). */
const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);

describe('RwLayerStore: who unmounts a writable layer', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let rw: RwLayerStore;
  let n = 0;

  before(async () => {
    ({ dir, cleanup } = await tempDir('rw-layers'));
    const root = path.join(dir, 'root');
    const layers = await LayerStore.open(root, await ContentStore.open(root));
    rw = new RwLayerStore(layers, (id) => path.join(dir, 'containers', id));
  });
  after(async () => cleanup());

  /** A layer over the empty stack with /hello in it, mounted as a run mounts it (pinned) or not. */
  async function layer(run: boolean): Promise<{ id: string; merged: string }> {
    const id = `c${++n}`;
    const { upper, merged } = await rw.prepare(id);
    await fs.writeFile(path.join(upper, 'hello'), 'hi');
    if (run) await rw.mount({ id, parent: '' }, undefined, { pin: true });
    return { id, merged };
  }

  it("an exit's unmount while a copy reads leaves the mount to the copy, whose end unmounts it", async () => {
    const { id, merged } = await layer(true);
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    const copy = rw.using(id, async () => merged, async (m) => {
      await gate;
      return fs.readFile(path.join(m, 'hello'), 'utf8');
    });
    // The container's exit: its run's unmount.
    await rw.unmount(id);
    assert.ok(mounted(merged), 'unmounted under the copy');
    go();
    assert.equal(await copy, 'hi');
    assert.ok(!mounted(merged), 'left mounted after the last copy');
  });

  it("a copy's end leaves a running container's mount, and a stopped one's goes with the last of its copies", async () => {
    const running = await layer(true);
    assert.equal(await rw.using(running.id, async () => running.merged, (m) => fs.readFile(path.join(m, 'hello'), 'utf8')), 'hi');
    assert.ok(mounted(running.merged), "a copy's end unmounted a running container's rootfs");
    await rw.unmount(running.id);
    assert.ok(!mounted(running.merged));

    const stopped = await layer(false);
    const mount = () => rw.mount({ id: stopped.id, parent: '' });
    let go!: () => void;
    const gate = new Promise<void>((r) => (go = r));
    const slow = rw.using(stopped.id, mount, async () => gate);
    // A second use (a cp's GET after its HEAD) ends first: the mount stays for the slow one.
    await rw.using(stopped.id, mount, async (m) => assert.equal(await fs.readFile(path.join(m, 'hello'), 'utf8'), 'hi'));
    assert.ok(mounted(stopped.merged), 'the first use to end unmounted it under the other');
    go();
    await slow;
    assert.ok(!mounted(stopped.merged));
  });

  it('a container found running at a daemon start keeps its mount after a copy', async () => {
    const { id, merged } = await layer(true);
    // A new daemon's store knows nothing of the run: adopt() says a container runs on it.
    const fresh = new RwLayerStore(await LayerStore.open(path.join(dir, 'root'), await ContentStore.open(path.join(dir, 'root'))), (i) => path.join(dir, 'containers', i));
    fresh.adopt(id);
    await fresh.using(id, async () => merged, async () => undefined);
    assert.ok(mounted(merged), "a copy's end unmounted an adopted container's rootfs");
    await fresh.unmount(id);
    assert.ok(!mounted(merged));
  });
});
