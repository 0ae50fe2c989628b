// The embedded DNS server over real UDP on loopback: answers, names too long for the wire, and
// a fuzz run of malformed datagrams after which it still answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { EmbeddedDns, checkName, reverseName } from './dns-server.js';

const LONG = 'c'.repeat(70);
const names = {
  resolve: (_client: string, name: string) => (name === 'web' ? ['10.1.2.3'] : name === LONG ? ['10.1.2.4'] : undefined),
  reverse: (_client: string, ip: string) => (ip === '10.1.2.3' ? 'web.net' : ip === '10.1.2.4' ? `${LONG}.net` : undefined),
  upstreams: () => ['127.0.0.1:1'],
};
const warnings: string[] = [];
const port = 20000 + Math.floor(Math.random() * 10000);
const dns = new EmbeddedDns(names, { warn: (m) => warnings.push(m) }, port);

before(() => dns.listen('127.0.0.1'));
after(() => dns.closeAll());

function ask(msg: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (b?: Buffer) => {
      clearTimeout(t);
      s.close();
      resolve(b);
    };
    const t = setTimeout(() => done(), timeoutMs);
    s.on('message', (b) => done(b));
    s.send(msg, port, '127.0.0.1');
  });
}

const rcode = (b: Buffer | undefined) => (dnsPacket.decode(b!) as { rcode?: string }).rcode;

const query = (name: string, type: dnsPacket.RecordType, id = 1) =>
  dnsPacket.encode({ id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });

test('A and PTR answers for known names', async () => {
  const a = dnsPacket.decode((await ask(query('web', 'A', 7)))!);
  assert.equal(a.id, 7);
  assert.equal((a as { rcode?: string }).rcode, 'NOERROR');
  assert.deepEqual(a.answers?.map((x) => (x as { data: string }).data), ['10.1.2.3']);
  assert.equal(a.flag_aa, true);
  assert.equal(a.flag_rd, true);
  const p = dnsPacket.decode((await ask(query('3.2.1.10.in-addr.arpa', 'PTR')))!);
  assert.deepEqual(p.answers?.map((x) => (x as { data: string }).data), ['web.net']);
  assert.equal(reverseName('4.3.2.1.in-addr.arpa'), '1.2.3.4');
  assert.equal(reverseName('example.com'), undefined);
  assert.equal(reverseName('a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.2.0.2.0.7.4.e.0.b.5.d.f.ip6.arpa'), 'fd5b:e47:202:1::a');
  assert.equal(reverseName('a.0.0.ip6.arpa'), undefined);
});

test('a PTR target with a 70-character label answers SERVFAIL, not a crash', async () => {
  assert.equal(rcode(await ask(query('4.2.1.10.in-addr.arpa', 'PTR'))), 'SERVFAIL');
  assert.throws(() => checkName(`${LONG}.net`), /70 octets/);
  // Still serving.
  assert.equal(rcode(await ask(query('web', 'A'))), 'NOERROR');
});

test('fuzz: malformed datagrams never stop the server', async () => {
  const valid = query('web', 'A');
  const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([i, b, cut]) => {
    const m = Buffer.from(valid);
    m[i] = b;
    return m.subarray(0, Math.max(cut, 1));
  });
  const random = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((a) => Buffer.from(a));
  const pointerLoops = fc.nat(64).map((n) => Buffer.concat([valid.subarray(0, 12), Buffer.from([0xc0, 12 + (n % 4), 0, 1, 0, 1])]));
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated, random, pointerLoops), async (msg) => {
      await ask(msg, 15);
    }),
    { numRuns: 1500 },
  );
  const r = await ask(query('web', 'A', 99));
  assert.ok(r, 'the server answers after the fuzz run');
  assert.equal(dnsPacket.decode(r).id, 99);
});

test('TCP: length-prefixed queries on one connection answered in order; a torn message waits for its rest', async () => {
  const { connect } = await import('node:net');
  const c = connect(port, '127.0.0.1');
  const framed = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  const got: Buffer[] = [];
  let buf = Buffer.alloc(0);
  const two = new Promise<void>((resolve, reject) => {
    c.on('error', reject);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        got.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (got.length === 2) resolve();
    });
  });
  const both = Buffer.concat([framed(query('web', 'A', 11)), framed(query('3.2.1.10.in-addr.arpa', 'PTR', 12))]);
  c.write(both.subarray(0, 5));
  await new Promise((r) => setTimeout(r, 50));
  c.write(both.subarray(5));
  await two;
  c.destroy();
  const [a, p] = got.map((b) => dnsPacket.decode(b));
  assert.equal(a!.id, 11);
  assert.deepEqual(a!.answers?.map((x) => (x as { data: string }).data), ['10.1.2.3']);
  assert.equal(p!.id, 12);
  assert.deepEqual(p!.answers?.map((x) => (x as { data: string }).data), ['web.net']);
});

test('a name asked over TCP is relayed over TCP: an answer too long for a datagram comes whole', async () => {
  const { connect, createServer } = await import('node:net');
  // A stand-in upstream on TCP only: 100 A records for big.example (~1.6 KB).
  const upstream = createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      const answers = Array.from({ length: 100 }, (_, i) => ({ type: 'A' as const, name: 'big.example', ttl: 60, data: `192.0.2.${i + 1}` }));
      const a = dnsPacket.encode({ id: q.id, type: 'response', questions: q.questions, answers });
      c.end(Buffer.concat([Buffer.from([a.length >> 8, a.length & 0xff]), a]));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as { port: number }).port;
  const relayPort = port + 1;
  const relay = new EmbeddedDns({ resolve: () => undefined, reverse: () => undefined, upstreams: () => [`127.0.0.1:${upPort}`] }, { warn: () => undefined }, relayPort);
  await relay.listen('127.0.0.1');
  try {
    const c = connect(relayPort, '127.0.0.1');
    const q = query('big.example', 'A', 21);
    c.write(Buffer.concat([Buffer.from([0, q.length]), q]));
    let buf = Buffer.alloc(0);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      c.on('error', reject);
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
    });
    c.destroy();
    assert.ok(answer.length > 512, String(answer.length));
    const a = dnsPacket.decode(answer);
    assert.equal(a.id, 21);
    assert.equal(a.answers?.length, 100);
  } finally {
    relay.closeAll();
    upstream.close();
  }
});
