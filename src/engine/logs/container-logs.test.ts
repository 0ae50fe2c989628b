import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerLogs } from './container-logs.js';

test('a reader that comes while a run starts (conmon.log there, its copy not begun) leaves conmon.log to the run', async () => {
  // The long campaign: `logs` right after a restart finished the new run's conmon.log as if it
  // were an exited run's unfinished copy and removed it while conmon wrote to it (lines lost).
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-clogs-'));
  try {
    const c = { Id: 'c1', HostConfig: {} };
    mkdirSync(path.join(dir, 'c1'));
    const logs = new ContainerLogs((id) => path.join(dir, id), (id) => path.join(dir, id, 'ctl'));
    const staging = logs.conmonLogPath(c)!;
    writeFileSync(staging, '2026-12-02T08:00:00.000000000+00:00 stdout F first\n');
    const read = async () => {
      const out: string[] = [];
      for await (const r of logs.read(c, { stdout: true, stderr: true, since: 0n, until: 0n, follow: false }, () => false)) out.push(r.data.toString());
      return out;
    };
    assert.deepEqual(await read(), []);
    assert.ok(existsSync(staging), 'conmon.log is still the run\'s');
    logs.started(c);
    appendFileSync(staging, '2026-12-02T08:00:01.000000000+00:00 stdout F second\n');
    await logs.stopped(c);
    assert.deepEqual(await read(), ['first\n', 'second\n']);
    assert.ok(!existsSync(staging));
    logs.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
