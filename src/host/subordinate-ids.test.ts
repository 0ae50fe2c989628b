import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextFreeStart, rangesFor } from './subordinate-ids.js';
import { hostId } from '../engine/containers/userns-remap.js';

const SUBUID = 'alice:100000:65536\nberth:165536:65536\n1001:300000:1000\nberth:400000:10\n';

test('a user\'s subordinate ranges map container IDs from 0 upwards, by name or ID', () => {
  assert.deepEqual(rangesFor(SUBUID, ['berth']), [{ inside: 0, host: 165536, count: 65536 }, { inside: 65536, host: 400000, count: 10 }]);
  assert.deepEqual(rangesFor(SUBUID, ['bob', '1001']), [{ inside: 0, host: 300000, count: 1000 }]);
  assert.deepEqual(rangesFor(SUBUID, ['nobody']), []);
  assert.equal(hostId(rangesFor(SUBUID, ['berth']), 65537), 400001);
  assert.equal(hostId(rangesFor(SUBUID, ['berth']), 70000), undefined);
});

test('a new range starts above every range listed, aligned, from 100000', () => {
  assert.equal(nextFreeStart('', 65536), 131072);
  assert.equal(nextFreeStart(SUBUID, 65536), 458752);
});
