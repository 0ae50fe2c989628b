import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CONMON_PATH, createWithConmon } from './conmon.js';

const skip = !existsSync(CONMON_PATH) && `${CONMON_PATH} is not installed (scripts/setup-host.sh installs it)`;

test('a runtime killed before it reported names the runtime, not "conmon: exited without a result"', { skip }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-conmon-test-'));
  try {
    // A runtime that dies of SIGKILL at once: conmon then exits 0, prints nothing and sends no
    // result (as when the fault campaign kills crun during a create).
    const runtime = path.join(dir, 'killed-runtime');
    writeFileSync(runtime, '#!/bin/sh\nkill -9 $$\n');
    chmodSync(runtime, 0o755);
    for (const d of ['bundle', 'exit', 'persist', 'sockets']) mkdirSync(path.join(dir, d));
    writeFileSync(path.join(dir, 'bundle', 'config.json'), '{}');
    const created = createWithConmon({
      containerId: 'conmon-test', sessionId: 'conmon-test', name: 'conmon-test',
      runtimePath: runtime, runtimeArgs: [], bundle: path.join(dir, 'bundle'),
      pidFile: path.join(dir, 'bundle', 'pid'), conmonPidFile: path.join(dir, 'bundle', 'conmon.pid'),
      exitDir: path.join(dir, 'exit'), persistDir: path.join(dir, 'persist'), socketDir: path.join(dir, 'sockets'),
      terminal: false, stdin: false, leaveStdinOpen: false,
    });
    await assert.rejects(created, (e: Error) => {
      assert.equal(e.message, 'OCI runtime create failed: killed-runtime ended without reporting a result (it was killed or died): unknown');
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
