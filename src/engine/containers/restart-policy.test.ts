import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartsWithDaemon } from './service.js';
import type { ContainerRecord } from './types.js';

const rec = (name: string, exitCode: number, manual: boolean, count = 0, max = 0) => ({
  HostConfig: { RestartPolicy: { Name: name, MaximumRetryCount: max } },
  State: { ExitCode: exitCode },
  RestartCount: count,
  HasBeenManuallyStopped: manual,
}) as unknown as ContainerRecord;

test('a stopped container comes back with the daemon as with dockerd (found by the chaos campaign)', () => {
  assert.equal(restartsWithDaemon(rec('always', 0, true)), true, 'always: even if a user stopped it');
  assert.equal(restartsWithDaemon(rec('unless-stopped', 137, true)), false);
  assert.equal(restartsWithDaemon(rec('unless-stopped', 0, false)), true);
  assert.equal(restartsWithDaemon(rec('on-failure', 3, false, 1, 2)), true);
  assert.equal(restartsWithDaemon(rec('on-failure', 3, false, 2, 2)), false, 'retries used up');
  assert.equal(restartsWithDaemon(rec('on-failure', 0, false)), false, 'a success is not a failure');
  assert.equal(restartsWithDaemon(rec('no', 1, false)), false);
  assert.equal(restartsWithDaemon(rec('', 1, false)), false);
});
