import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, decodeJsonLine, decodeLocalTail, formatTimeNs, jsonFileCodec, localCodec, parseK8sLine, parseTimeNs, type LogRecord } from './codec.js';

const rec = (data: string, stream: 1 | 2 = 1): LogRecord => ({ stream, timeNs: parseTimeNs('2026-11-23T17:28:46.34686868Z')!, data: Buffer.from(data) });

test('json-file lines are docker\'s: log with its newline, stream, RFC3339Nano UTC time', () => {
  const line = jsonFileCodec.encode(rec('hello "world"\n', 2)).toString();
  assert.equal(line, '{"log":"hello \\"world\\"\\n","stream":"stderr","time":"2026-11-23T17:28:46.34686868Z"}\n');
  // A line docker itself wrote decodes the same way.
  const r = decodeJsonLine('{"log":"hi\\n","stream":"stdout","time":"2026-11-23T17:28:46.000000001Z"}')!;
  assert.equal(r.data.toString(), 'hi\n');
  assert.equal(r.stream, 1);
  assert.equal(formatTimeNs(r.timeNs), '2026-11-23T17:28:46.000000001Z');
});

test('json-file decoder joins records split across chunks and skips garbage', () => {
  const bytes = Buffer.concat([jsonFileCodec.encode(rec('a\n')), Buffer.from('not json\n'), jsonFileCodec.encode(rec('partial'))]);
  const d = jsonFileCodec.decoder();
  const out = [...d.push(bytes.subarray(0, 10)), ...d.push(bytes.subarray(10, 50)), ...d.push(bytes.subarray(50))];
  assert.deepEqual(out.map((r) => r.data.toString()), ['a\n', 'partial']);
});

test('local driver frames round-trip, partial lines keep no newline', () => {
  const bytes = Buffer.concat([localCodec.encode(rec('one\n')), localCodec.encode(rec('two', 2)), localCodec.encode(rec('x'.repeat(300) + '\n'))]);
  // size prefix and suffix agree
  const size = bytes.readUInt32BE(0);
  assert.equal(bytes.readUInt32BE(4 + size), size);
  const d = localCodec.decoder();
  const out = [...d.push(bytes.subarray(0, 7)), ...d.push(bytes.subarray(7))];
  assert.deepEqual(out.map((r) => [r.stream, r.data.toString()]), [[1, 'one\n'], [2, 'two'], [1, 'x'.repeat(300) + '\n']]);
  assert.equal(out[0]!.timeNs, rec('').timeNs);
});

test('conmon k8s-file lines: full lines get their newline back, partial ones do not', () => {
  const full = parseK8sLine(Buffer.from('2026-11-23T17:28:46.346868680+00:00 stdout F hello world'))!;
  assert.equal(full.stream, 1);
  assert.equal(full.data.toString(), 'hello world\n');
  const partial = parseK8sLine(Buffer.from('2026-11-23T18:28:46.346868680+01:00 stderr P no newline'))!;
  assert.equal(partial.stream, 2);
  assert.equal(partial.data.toString(), 'no newline');
  assert.equal(formatTimeNs(partial.timeNs), '2026-11-23T17:28:46.34686868Z');
  assert.equal(parseK8sLine(Buffer.from('2026-11-23T17:28:46Z stdout F '))!.data.toString(), '\n');
  assert.equal(parseK8sLine(Buffer.from('garbage')), undefined);
});

test('json-file batches: escaping-free lines copied, others JSON-escaped; ends mark each record', () => {
  const rs = [rec('plain line\n'), rec('tab\there "q" \\ é\n', 2), rec('partial'), rec('\n'), rec('\u0001ctl\n')];
  const { bytes, ends } = jsonFileCodec.encodeMany(rs);
  assert.equal(ends.length, rs.length);
  assert.equal(ends.at(-1), bytes.length);
  const lines = bytes.toString().split('\n').filter(Boolean);
  assert.equal(lines.length, rs.length);
  lines.forEach((l, i) => {
    assert.equal(l + '\n', jsonFileCodec.encode(rs[i]!).toString(), 'same as one by one');
    assert.equal(Buffer.byteLength(l) + 1, ends[i]! - (i ? ends[i - 1]! : 0));
  });
  assert.deepEqual(jsonFileCodec.decoder().push(bytes).map((r) => r.data.toString()), rs.map((r) => r.data.toString()));
});

test('json-file lines as docker writes them are read without JSON.parse, byte-exact', () => {
  const lines = [
    '{"log":"plain \\u00e9 text\\n","stream":"stdout","time":"2026-11-23T17:28:46.000000001Z"}',
    '{"log":"héllo wörld\\n","stream":"stderr","time":"2026-11-23T17:28:46.000000001Z"}',
    '{"log":"no newline","stream":"stdout","time":"2026-11-23T17:28:47Z"}',
    '{"log":"ends in a backslash n: \\\\n","stream":"stdout","time":"2026-11-23T17:28:47Z"}',
    '{"log":"quote \\" inside\\n","stream":"stdout","time":"2026-11-23T17:28:47Z"}',
    '{"log":"\\n","stream":"stdout","time":"2026-11-23T17:28:47Z"}',
    '{"log":"attrs\\n","stream":"stdout","attrs":{"a":"b"},"time":"2026-11-23T17:28:47Z"}',
    '{"log":"bad time\\n","stream":"stdout","time":"yesterday"}',
    '{"log":"two\\nlines\\n","stream":"stdout","time":"2026-11-23T17:28:47+01:00"}',
  ];
  const want = lines.map((l) => decodeJsonLine(l));
  const got = jsonFileCodec.decoder().push(Buffer.from(lines.join('\n') + '\n'));
  assert.deepEqual(
    got.map((r) => [r.stream, r.timeNs, r.data.toString()]),
    want.filter((r) => r !== undefined).map((r) => [r!.stream, r!.timeNs, r!.data.toString()]),
  );
  assert.deepEqual(got.map((r) => r.data.toString()), ['plain \u00e9 text\n', 'héllo wörld\n', 'no newline', 'ends in a backslash n: \\n', 'quote " inside\n', '\n', 'attrs\n', 'two\nlines\n']);
  assert.equal(got[1]!.stream, 2);
});

test('local entries are found from the end by their trailing sizes', () => {
  const rs = [rec('one\n'), rec('two', 2), rec('x'.repeat(300) + '\n'), rec('\n')];
  const bytes = Buffer.concat(rs.map((r) => localCodec.encode(r)));
  const whole = decodeLocalTail(Buffer.from(bytes));
  assert.equal(whole.start, 0);
  assert.deepEqual(whole.records.map((r) => [r.stream, r.data.toString(), r.timeNs]), rs.map((r) => [r.stream, r.data.toString(), r.timeNs]));
  // Cut inside the first entry: the rest decode, the cut one is left for the block before.
  const cut = Buffer.from(bytes.subarray(5));
  const part = decodeLocalTail(cut);
  assert.deepEqual(part.records.map((r) => r.data.toString()), ['two', 'x'.repeat(300) + '\n', '\n']);
  assert.equal(part.start, localCodec.encode(rs[0]!).length - 5);
});

test('json-file lines carry the container\'s attrs between stream and time, as moby\'s jsonlog; they read back the same', () => {
  const codec = codecFor('json-file', { z: '<1>', a: 'é' });
  const line = '{"log":"hi\\n","stream":"stdout","attrs":{"a":"é","z":"\\u003c1\\u003e"},"time":"2026-11-23T17:28:46.34686868Z"}\n';
  assert.equal(codec.encode(rec('hi\n')).toString(), line);
  const many = codec.encodeMany([rec('hi\n'), rec('q"\n', 2)]);
  assert.equal(many.bytes.toString(), line + line.replace('"hi\\n","stream":"stdout"', '"q\\"\\n","stream":"stderr"'));
  const back = codec.decoder().push(Buffer.from(many.bytes));
  assert.deepEqual(back.map((r) => [r.stream, r.data.toString()]), [[1, 'hi\n'], [2, 'q"\n']]);
  assert.equal(codecFor('json-file', {}), jsonFileCodec);
});
