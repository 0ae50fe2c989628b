import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { displayJSONMessages, JSONMessageDecoder, JSONMessageError, humanSize, progressString } from './json-messages.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

test('decoder splits lines across chunks and tolerates \\r\\n and blank lines', () => {
  const d = new JSONMessageDecoder();
  assert.deepEqual(d.push('{"status":"a"}\r\n{"sta'), [{ status: 'a' }]);
  assert.deepEqual(d.push('tus":"b"}\n\n'), [{ status: 'b' }]);
  assert.deepEqual(d.push('{"stream":"x\\n"}'), []);
  assert.deepEqual(d.end(), [{ stream: 'x\n' }]);
});

test('decoder keeps a multi-byte character split across chunks', () => {
  const d = new JSONMessageDecoder();
  const bytes = Buffer.from('{"status":"é"}\n');
  assert.deepEqual(d.push(bytes.subarray(0, 12)), []);
  assert.deepEqual(d.push(bytes.subarray(12)), [{ status: 'é' }]);
});

test('non-terminal display prints one line per status and skips progress bars', async () => {
  const out = new Sink();
  await displayJSONMessages(
    chunks(
      '{"status":"Pulling from library/busybox","id":"latest"}\n',
      '{"status":"Pulling fs layer","progressDetail":{},"id":"a1"}\n',
      '{"status":"Downloading","progressDetail":{"current":10,"total":100},"progress":"[=>  ]","id":"a1"}\n',
      '{"status":"Pull complete","progressDetail":{},"id":"a1"}\n',
      '{"status":"Digest: sha256:abc"}\n',
      '{"stream":"Step 1/2 : FROM busybox\\n"}\n',
    ),
    out,
  );
  assert.equal(
    out.text,
    'latest: Pulling from library/busybox\na1: Pulling fs layer\na1: Pull complete\nDigest: sha256:abc\nStep 1/2 : FROM busybox\n',
  );
});

test('display stops with the error a message carries', async () => {
  const out = new Sink();
  await assert.rejects(
    displayJSONMessages(chunks('{"status":"x"}\n{"errorDetail":{"message":"boom"},"error":"boom"}\n{"status":"never"}\n'), out),
    (err: unknown) => err instanceof JSONMessageError && err.message === 'boom',
  );
  assert.equal(out.text, 'x\n');
});

test('aux messages go to the callback, not the output', async () => {
  const out = new Sink();
  const aux: unknown[] = [];
  await displayJSONMessages(chunks('{"aux":{"ID":"sha256:1"}}\n'), out, { onAux: (a) => aux.push(a) });
  assert.deepEqual(aux, [{ ID: 'sha256:1' }]);
  assert.equal(out.text, '');
});

test('sizes and progress bars read like docker', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1500), '1.5kB');
  assert.equal(humanSize(4_260_000), '4.26MB');
  assert.equal(progressString({ current: 500_000, total: 1_000_000 }, 80), '   500kB/1MB');
  assert.equal(progressString({ current: 50, total: 100 }, 120).startsWith('[' + '='.repeat(25) + '>'), true);
  assert.equal(progressString({}, 80), '');
});
