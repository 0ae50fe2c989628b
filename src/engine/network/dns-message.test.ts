import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RCODE_NXDOMAIN, TYPE_A, TYPE_PTR, buildQuery, buildResponse, encodeName, parseAnswers, parseQuery, readName, reverseName,
} from './dns-message.js';

test('a query round-trips through parseQuery', () => {
  const q = parseQuery(buildQuery(0x1234, 'web.example', TYPE_A))!;
  assert.equal(q.id, 0x1234);
  assert.deepEqual(q.question, { name: 'web.example', type: TYPE_A, klass: 1 });
  assert.equal(q.flags & 0x0100, 0x0100);
});

test('answers carry A records pointing at the question name', () => {
  const q = parseQuery(buildQuery(7, 'db', TYPE_A))!;
  const res = buildResponse(q, 0, [{ type: TYPE_A, address: '10.1.2.3' }, { type: TYPE_A, address: '10.1.2.4' }]);
  const a = parseAnswers(res);
  assert.deepEqual(a, { id: 7, rcode: 0, addresses: ['10.1.2.3', '10.1.2.4'], names: [] });
  assert.equal(res.readUInt16BE(2) & 0x8000, 0x8000);
  const nx = parseAnswers(buildResponse(q, RCODE_NXDOMAIN));
  assert.equal(nx.rcode, RCODE_NXDOMAIN);
  assert.deepEqual(nx.addresses, []);
});

test('PTR answers and reverse names', () => {
  assert.equal(reverseName('3.2.1.10.in-addr.arpa'), '10.1.2.3');
  assert.equal(reverseName('example.com'), undefined);
  const q = parseQuery(buildQuery(9, '3.2.1.10.in-addr.arpa', TYPE_PTR))!;
  assert.deepEqual(parseAnswers(buildResponse(q, 0, [{ type: TYPE_PTR, target: 'web' }])).names, ['web']);
});

test('names: compression pointers are followed, junk is refused', () => {
  const msg = Buffer.concat([Buffer.alloc(12), encodeName('a.example'), Buffer.from([1, 0x62, 0xc0, 14])]);
  assert.equal(readName(msg, 12).name, 'a.example');
  assert.deepEqual(readName(msg, 12 + encodeName('a.example').length), { name: 'b.example', next: msg.length });
  assert.equal(parseQuery(Buffer.from([1, 2, 3])), undefined);
  const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12])]);
  assert.throws(() => readName(loop, 12));
});
