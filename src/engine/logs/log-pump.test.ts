import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { jsonFileCodec, type LogRecord } from './codec.js';
import { LogFileWriter } from './log-file.js';
import { StagingTail } from './log-pump.js';

test('records handed to followers hold their own bytes, not a view into a 1 MiB read buffer', async () => {
  // The campaign's load run: each pass over conmon.log (every running container, every second)
  // allocated 1 MiB, and a follower's record of one short line kept all of it alive.
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pump-'));
  try {
    const staging = path.join(dir, 'conmon.log');
    writeFileSync(staging, '');
    const out = path.join(dir, 'c-json.log');
    const tail = new StagingTail(staging, path.join(dir, 'cursor.json'), new LogFileWriter(out, { maxSize: 1 << 20, maxFile: 1, compress: false }), jsonFileCodec, async () => false);
    const got: LogRecord[] = [];
    tail.subscribe((rs) => rs && got.push(...rs));
    for (let i = 1; i <= 3; i++) {
      appendFileSync(staging, `2026-12-02T03:00:0${i}.000000000+00:00 stdout F line ${i}\n`);
      await tail.flush();
    }
    await tail.flush(); // an idle pass reads nothing
    assert.deepEqual(got.map((r) => r.data.toString()), ['line 1\n', 'line 2\n', 'line 3\n']);
    for (const r of got) assert.ok(r.data.buffer.byteLength < 64 * 1024, `a ${r.data.length}-byte record keeps ${r.data.buffer.byteLength} bytes`);
    assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 3);
    await tail.finish();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
