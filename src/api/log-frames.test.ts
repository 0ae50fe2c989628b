import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLogBatch } from './log-frames.js';
import { parseTimeNs, type LogRecord } from '../engine/logs/codec.js';
import { encodeFrame } from '../protocol/stdcopy.js';

const t = parseTimeNs('2026-11-23T17:28:46.5Z')!;
const rs: LogRecord[] = [
  { stream: 1, timeNs: t, data: Buffer.from('out\n') },
  { stream: 2, timeNs: t + 1n, data: Buffer.from('é err\n') },
  { stream: 1, timeNs: t, data: Buffer.from('partial') },
];

test('a batch is the frames one by one would be, in one buffer', () => {
  const one = Buffer.concat(rs.map((r) => encodeFrame(r.stream, r.data)));
  assert.deepEqual(encodeLogBatch(rs, { tty: false, timestamps: false }), one);
  assert.equal(encodeLogBatch(rs, { tty: true, timestamps: false }).toString(), 'out\né err\npartial');
  assert.equal(encodeLogBatch([], { tty: false, timestamps: true }).length, 0);
});

test('timestamps go before each line, inside its frame', () => {
  const stamped = encodeLogBatch(rs, { tty: false, timestamps: true });
  const want = Buffer.concat([
    encodeFrame(1, Buffer.from('2026-11-23T17:28:46.5Z out\n')),
    encodeFrame(2, Buffer.from('2026-11-23T17:28:46.500000001Z é err\n')),
    encodeFrame(1, Buffer.from('2026-11-23T17:28:46.5Z partial')),
  ]);
  assert.deepEqual(stamped, want);
});
