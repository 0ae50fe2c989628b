import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LogFileWriter, logFilesInOrder, readBackwards, readSnapshotFile, snapshotLogFiles } from './log-file.js';
import { closeSync, openSync, writeFileSync } from 'node:fs';

const line = (n: number) => Buffer.from(`line ${String(n).padStart(3, '0')}\n`); // 9 bytes
/** Writes records through the writer's (bytes, ends) interface, waiting out compressions. */
async function writeAll(w: LogFileWriter, records: Buffer[]): Promise<void> {
  const ends: number[] = [];
  let n = 0;
  for (const r of records) ends.push((n += r.length));
  for (let done = 0; done < ends.length; ) {
    done = w.write(Buffer.concat(records), ends, done);
    await w.idle();
  }
}

async function readAll(file: string, maxFile: number): Promise<string> {
  let out = '';
  for (const f of snapshotLogFiles(file, maxFile)) for await (const c of readSnapshotFile(f)) out += c.toString();
  return out;
}

test('rotation keeps max-file files, oldest dropped, and reads back in order', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-logfile-'));
  try {
    const file = path.join(dir, 'c-json.log');
    const w = new LogFileWriter(file, { maxSize: 20, maxFile: 3, compress: false });
    // 3 lines (27 bytes) per file at most: a file rotates once it holds ≥ 20 bytes.
    for (let i = 0; i < 10; i++) await writeAll(w, [line(i)]);
    w.close();
    assert.deepEqual(readdirSync(dir).sort(), ['c-json.log', 'c-json.log.1', 'c-json.log.2']);
    assert.deepEqual(logFilesInOrder(file, 3).map((f) => path.basename(f.path)), ['c-json.log.2', 'c-json.log.1', 'c-json.log']);
    assert.equal(readFileSync(file, 'utf8'), 'line 009\n');
    assert.equal(await readAll(file, 3), [3, 4, 5, 6, 7, 8, 9].map((i) => line(i).toString()).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('max-file 1 starts the file over; compress gzips rotated files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-logfile-'));
  try {
    const one = path.join(dir, 'one.log');
    const w1 = new LogFileWriter(one, { maxSize: 20, maxFile: 1, compress: false });
    await writeAll(w1, [0, 1, 2, 3, 4].map(line));
    w1.close();
    assert.equal(readFileSync(one, 'utf8'), 'line 003\nline 004\n');

    const gz = path.join(dir, 'gz.log');
    const w2 = new LogFileWriter(gz, { maxSize: 20, maxFile: 3, compress: true });
    await writeAll(w2, [0, 1, 2, 3, 4, 5, 6, 7].map(line));
    w2.close();
    assert.ok(readdirSync(dir).includes('gz.log.1.gz'));
    assert.ok(!readdirSync(dir).includes('gz.log.1'));
    assert.equal(gunzipSync(readFileSync(`${gz}.1.gz`)).toString(), 'line 003\nline 004\nline 005\n');
    assert.equal(await readAll(gz, 3), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => line(i).toString()).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rewindTo drops what a crash left written past the cursor, only in the same file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-logfile-'));
  try {
    const file = path.join(dir, 'c.log');
    const w = new LogFileWriter(file, { maxSize: undefined, maxFile: 1, compress: false });
    await writeAll(w, [line(1)]);
    const at = w.position();
    await writeAll(w, [line(2)]);
    w.rewindTo(at.ino + 1, at.size);
    assert.equal(readFileSync(file, 'utf8'), 'line 001\nline 002\n', 'another inode: untouched');
    w.rewindTo(at.ino, at.size);
    await writeAll(w, [line(3)]);
    w.close();
    assert.equal(readFileSync(file, 'utf8'), 'line 001\nline 003\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readBackwards yields whole lines from the end, newest block first, long lines whole', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-logback-'));
  try {
    const lines = Array.from({ length: 200 }, (_, i) => (i % 37 === 5 ? 'L'.repeat(150) + i : `l${i}`) + '\n');
    const file = path.join(dir, 'f');
    writeFileSync(file, lines.join('') + 'unfinished');
    const fd = openSync(file, 'r');
    const size = Buffer.byteLength(lines.join('') + 'unfinished');
    for (const block of [7, 16, 64, 100000]) {
      const got = [...readBackwards(fd, size, block)].map((b) => b.toString());
      for (const b of got.slice(0, -1)) assert.ok(b.endsWith('\n') || b.endsWith('unfinished'), `block ${block}: ${JSON.stringify(b)}`);
      assert.equal(got.reverse().join(''), lines.join('') + 'unfinished', `block size ${block}`);
    }
    // Only up to the size given (a snapshot), and an empty file gives nothing.
    assert.equal([...readBackwards(fd, 3, 2)].reverse().join(''), 'l0\n');
    assert.deepEqual([...readBackwards(fd, 0, 8)], []);
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
