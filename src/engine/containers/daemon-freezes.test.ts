import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DaemonFreezes } from './daemon-freezes.js';

const ID = 'a'.repeat(64);
const tick = () => new Promise((r) => setTimeout(r, 5));

it('overlapping holders share one freeze; a freeze during a thaw waits for it; notes last as long as the freeze', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-freezes-'));
  try {
    const f = new DaemonFreezes(dir);
    const log: string[] = [];
    let thawGate: () => void = () => undefined;
    const freezer = async () => {
      log.push('freeze');
      return async () => {
        log.push('thaw begins');
        await new Promise<void>((r) => (thawGate = r));
        log.push('thaw ends');
      };
    };
    let endA!: () => void;
    let endB!: () => void;
    const a = f.hold(ID, freezer, () => new Promise<void>((r) => (endA = r)));
    const b = f.hold(ID, freezer, () => new Promise<void>((r) => (endB = r)));
    await tick();
    assert.deepEqual(f.leftovers(), [ID]);
    assert.equal(f.held(ID), true);
    endA();
    await a;
    assert.deepEqual(log, ['freeze'], 'still held by the second');
    endB();
    await tick();
    assert.deepEqual(log, ['freeze', 'thaw begins']);
    // A new holder while the thaw runs: it freezes again only once the thaw has ended.
    const c = f.hold(ID, freezer, async () => log.push('c runs'));
    await tick();
    assert.deepEqual(log, ['freeze', 'thaw begins']);
    thawGate();
    await b;
    await tick();
    thawGate();
    await c;
    assert.deepEqual(log, ['freeze', 'thaw begins', 'thaw ends', 'freeze', 'c runs', 'thaw begins', 'thaw ends']);
    assert.deepEqual(f.leftovers(), []);
    // Nothing frozen (the container exited meanwhile): no note stays.
    await f.hold(ID, async () => undefined, async () => undefined);
    assert.deepEqual(f.leftovers(), []);
    assert.equal(f.held(ID), false);
    // A daemon killed while it held one: the next finds the note.
    void f.hold(ID, async () => async () => undefined, () => new Promise(() => undefined));
    await tick();
    assert.deepEqual(new DaemonFreezes(dir).leftovers(), [ID]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('settled waits for the last holder and the thaw (an exec launches after them), and is at once when nothing is held', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-freezes-'));
  try {
    const f = new DaemonFreezes(dir);
    const log: string[] = [];
    await f.settled(ID);
    assert.equal(f.busy(ID), false);
    let thawGate: () => void = () => undefined;
    const freezer = async () => async () => {
      await new Promise<void>((r) => (thawGate = r));
      log.push('thawed');
    };
    let endA!: () => void;
    let endB!: () => void;
    const a = f.hold(ID, freezer, () => new Promise<void>((r) => (endA = r)));
    const b = f.hold(ID, freezer, () => new Promise<void>((r) => (endB = r)));
    await tick();
    const settled = f.settled(ID).then(() => log.push('settled'));
    assert.equal(f.busy(ID), true);
    endA();
    await a;
    await tick();
    assert.deepEqual(log, [], 'the second holder still holds it');
    endB();
    await tick();
    assert.deepEqual(log, [], 'the thaw is not over');
    assert.equal(f.busy(ID), true);
    thawGate();
    await b;
    await settled;
    assert.deepEqual(log, ['thawed', 'settled']);
    assert.equal(f.busy(ID), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
