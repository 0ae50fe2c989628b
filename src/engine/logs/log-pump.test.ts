import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { jsonFileCodec, type LogRecord } from './codec.js';
import { LogFileWriter } from './log-file.js';
import { incompleteCharacterAtEnd, StagingTail, unstoredRecords } from './log-pump.js';

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

test('the bytes of a character that is not complete at the end are counted, and only those', () => {
  const check = (text: string, cut: number, want: number) => assert.equal(incompleteCharacterAtEnd(Buffer.from(text).subarray(0, Buffer.from(text).length - cut)), want, `${text} less ${cut}`);
  check('abc', 0, 0);
  check('ü', 0, 0);
  check('xü', 1, 1);
  check('✓', 0, 0);
  check('x✓', 1, 2);
  check('x✓', 2, 1);
  check('😀', 1, 3);
  check('😀', 3, 1);
  check('😀', 0, 0);
  assert.equal(incompleteCharacterAtEnd(Buffer.from([0x80, 0x80])), 0, 'stray continuation bytes are no character to wait for');
  assert.equal(incompleteCharacterAtEnd(Buffer.alloc(0)), 0);
});

test('a line conmon cuts mid-character where it moves to a new file reads back byte-exact through json-file', async () => {
  // The CI's logs-big failure: a record ended at the end of the file conmon moved on from, in
  // the middle of "✓"; json-file stores text, so each half became U+FFFD (3 bytes more).
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pump-'));
  try {
    const staging = path.join(dir, 'conmon.log');
    const out = path.join(dir, 'c-json.log');
    const check = Buffer.from('✓');
    writeFileSync(staging, Buffer.concat([Buffer.from('2026-12-02T03:00:01.000000000+00:00 stdout P tick '), check.subarray(0, 1), Buffer.from('\n')]));
    const tail = new StagingTail(staging, path.join(dir, 'cursor.json'), new LogFileWriter(out, { maxSize: 1 << 20, maxFile: 1, compress: false }), jsonFileCodec, async () => false);
    const got: LogRecord[] = [];
    tail.subscribe((rs) => rs && got.push(...rs));
    await tail.flush();
    // conmon moves on: the old file ends with the first byte of the character.
    renameSync(staging, path.join(dir, 'conmon.log.old'));
    writeFileSync(staging, Buffer.concat([Buffer.from('2026-12-02T03:00:01.000000000+00:00 stdout F '), check.subarray(1), Buffer.from(' done\n'), Buffer.from('2026-12-02T03:00:02.000000000+00:00 stderr P half '), check.subarray(0, 2), Buffer.from('\n')]));
    await tail.flush();
    await tail.finish();
    const text = readFileSync(out, 'utf8');
    const logged = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string });
    assert.equal(logged.filter((l) => l.stream === 'stdout').map((l) => l.log).join(''), 'tick ✓ done\n');
    assert.ok(!logged.some((l) => l.log === ''), 'no empty record');
    // Output that ends mid-character is stored as docker would: the half is U+FFFD.
    assert.equal(logged.filter((l) => l.stream === 'stderr').map((l) => l.log).join(''), 'half \ufffd');
    assert.equal(Buffer.concat(got.filter((r) => r.stream === 1).map((r) => r.data)).toString(), 'tick ✓ done\n', 'followers get whole characters too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk under the driver\'s file loses no line: a failed batch is read again, a failed last copy is finished later', async (t) => {
  // The long campaign's disk-full fault: a copy that failed with ENOSPC had already moved past
  // its batch (lost), and the copy at the container's exit removed conmon.log regardless.
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-pump-'));
  const small = path.join(dir, 'small');
  mkdirSync(small);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return t.skip('cannot mount a tmpfs here (not root)');
  }
  const filler = path.join(small, 'filler');
  const fill = () => {
    try {
      writeFileSync(filler, Buffer.alloc(1 << 20));
    } catch {
      /* full now */
    }
  };
  try {
    const staging = path.join(dir, 'conmon.log');
    const cursor = path.join(dir, 'cursor.json');
    const out = path.join(small, 'c-json.log');
    writeFileSync(staging, '');
    const make = () => new StagingTail(staging, cursor, new LogFileWriter(out, { maxSize: 1 << 30, maxFile: 1, compress: false }), jsonFileCodec, async () => false);
    const line = (i: number) => `2026-12-02T08:00:00.${String(i).padStart(9, '0')}+00:00 stdout F line ${i} ${'x'.repeat(200)}\n`;
    let next = 0;
    const write = (n: number) => {
      for (let k = 0; k < n; k++) appendFileSync(staging, line(next++));
    };
    const tail = make();
    write(100);
    await tail.flush();
    fill();
    write(200); // does not fit: the copy fails
    await tail.flush();
    rmSync(filler);
    write(10);
    await tail.flush();
    // Full again at the exit: the last copy fails, and conmon.log stays for a reader.
    fill();
    write(50);
    await tail.finish();
    assert.ok(existsSync(staging), 'conmon.log kept after a failed last copy');
    rmSync(filler);
    await make().finish();
    assert.ok(!existsSync(staging), 'conmon.log gone once copied');
    const logged = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { log: string }).log);
    assert.deepEqual(logged, Array.from({ length: next }, (_, i) => `line ${i} ${'x'.repeat(200)}\n`));
  } finally {
    execFileSync('umount', [small]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unstoredRecords reads conmon.log past the cursor, partial records joined, without writing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-unstored-'));
  try {
    const staging = path.join(dir, 'conmon.log');
    const cursor = path.join(dir, 'log-cursor.json');
    const stored = '2026-12-02T03:00:00.000000000+00:00 stdout F stored\n';
    writeFileSync(staging, stored +
      '2026-12-02T03:00:01.000000000+00:00 stdout P one \n' +
      '2026-12-02T03:00:01.000000000+00:00 stdout F line\n' +
      '2026-12-02T03:00:02.000000000+00:00 stderr F two\n' +
      '2026-12-02T03:00:03.000000000+00:00 stdout P unfinished\n');
    const text = (rs: LogRecord[]) => rs.map((r) => `${r.stream}:${r.data.toString()}`);
    // No cursor yet: all of it.
    assert.deepEqual(text([...unstoredRecords(staging, cursor)].flat()), ['1:stored\n', '1:one line\n', '2:two\n', '1:unfinished']);
    const ino = statSync(staging).ino;
    writeFileSync(cursor, JSON.stringify({ ino, offset: Buffer.byteLength(stored) }));
    assert.deepEqual(text([...unstoredRecords(staging, cursor)].flat()), ['1:one line\n', '2:two\n', '1:unfinished']);
    // A cursor about another file (conmon moved on): the file at the path is all unstored.
    writeFileSync(cursor, JSON.stringify({ ino: ino + 1, offset: 10 }));
    assert.equal([...unstoredRecords(staging, cursor)].flat().length, 4);
    assert.equal(readFileSync(cursor, 'utf8'), JSON.stringify({ ino: ino + 1, offset: 10 }), 'the cursor is only read');
    assert.deepEqual([...unstoredRecords(path.join(dir, 'gone.log'), cursor)], []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
