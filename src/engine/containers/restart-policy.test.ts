import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicies, restartDelay, restartsWithDaemon } from './restart-policy.js';
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

test('the delay before a policy restart doubles while the container keeps failing fast (docker\'s backoff)', () => {
  const ran = (ms: number, count: number) => ({
    State: { StartedAt: '2026-12-02T10:00:00.000Z', FinishedAt: new Date(Date.parse('2026-12-02T10:00:00.000Z') + ms).toISOString() },
    RestartCount: count,
  }) as unknown as ContainerRecord;
  assert.deepEqual([1, 2, 3, 4].map((n) => restartDelay(ran(50, n))), [100, 200, 400, 800]);
  assert.equal(restartDelay(ran(50, 30)), 60_000, 'a minute at most');
  assert.equal(restartDelay(ran(10_000, 30)), 100, 'ran 10 s: starts over');
});

test('a container a user stopped is not restarted by its policy until it is started again', () => {
  const c: ContainerRecord = { ...rec('always', 137, false), Id: 'c1' };
  const policies = new RestartPolicies(() => undefined);
  assert.equal(policies.wants(c), true);
  policies.stoppedByUser(c);
  assert.equal(c.HasBeenManuallyStopped, true);
  assert.equal(policies.wants(c), false);
  policies.forgetUserStop(c);
  assert.equal(c.HasBeenManuallyStopped, false);
  assert.equal(policies.wants(c), true);
  assert.equal(policies.wants({ ...rec('on-failure', 1, false, 3, 3), Id: 'c2' }), false, 'retries used up');
});
