import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { demuxStream, encodeFrame, FrameError, FrameParser } from './stdcopy.js';

class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

test('encodeFrame writes the 8-byte header', () => {
  const f = encodeFrame(2, Buffer.from('hey'));
  assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 3]);
  assert.equal(f.subarray(8).toString(), 'hey');
  const big = encodeFrame(1, Buffer.alloc(70000));
  assert.equal(big.readUInt32BE(4), 70000);
});

test('FrameParser reassembles frames split at every byte', () => {
  const data = Buffer.concat([encodeFrame(1, Buffer.from('out1')), encodeFrame(2, Buffer.from('err')), encodeFrame(1, Buffer.alloc(0)), encodeFrame(1, Buffer.from('x'))]);
  for (let step = 1; step <= data.length; step++) {
    const p = new FrameParser();
    const frames = [];
    for (let i = 0; i < data.length; i += step) frames.push(...p.push(data.subarray(i, i + step)));
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [[1, 'out1'], [2, 'err'], [1, ''], [1, 'x']],
      `step ${step}`,
    );
    assert.equal(p.buffered, 0);
  }
});

test('FrameParser rejects an unknown stream type', () => {
  assert.throws(() => new FrameParser().push(Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])), FrameError);
});

test('demuxStream routes stdout and stderr', async () => {
  const src = new PassThrough();
  const out = new Sink();
  const err = new Sink();
  const done = demuxStream(src, out, err);
  const data = Buffer.concat([encodeFrame(1, Buffer.from('hello ')), encodeFrame(2, Buffer.from('oops')), encodeFrame(1, Buffer.from('world'))]);
  src.write(data.subarray(0, 5));
  src.write(data.subarray(5, 17));
  src.end(data.subarray(17));
  await done;
  assert.equal(out.text(), 'hello world');
  assert.equal(err.text(), 'oops');
});

test('demuxStream fails on a systemErr frame and on a truncated frame', async () => {
  const src = new PassThrough();
  const p = demuxStream(src, new Sink(), new Sink());
  src.end(encodeFrame(3, Buffer.from('exec failed')));
  await assert.rejects(p, /exec failed/);
  const src2 = new PassThrough();
  const p2 = demuxStream(src2, new Sink(), new Sink());
  src2.end(encodeFrame(1, Buffer.from('abcdef')).subarray(0, 10));
  await assert.rejects(p2, /unexpected EOF/);
});
