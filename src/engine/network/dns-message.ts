// The few parts of DNS messages (RFC 1035, section 4) the embedded resolver needs: read the
// question of a query, write an answer with A or PTR records, or an error code. Pure.

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface Question {
  name: string;
  type: number;
  klass: number;
}

export interface Query {
  id: number;
  flags: number;
  question: Question;
  /** Bytes of the question section, copied into the answer as is. */
  questionBytes: Buffer;
}

/** Reads a (possibly compressed) domain name at offset; returns it and the offset after it. */
export function readName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (pos >= msg.length) throw new Error('name runs past the message');
    const len = msg[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join('.'), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new Error('truncated pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > msg.length) throw new Error('bad label');
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error('too many compression pointers');
}

export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.replace(/\.$/, '').split('.').filter(Boolean)) {
    const b = Buffer.from(label, 'latin1');
    if (b.length > 63) throw new Error(`label too long: ${label}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Parses a standard query with one question; undefined when it is not one. */
export function parseQuery(msg: Buffer): Query | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response, not a query
  if (msg.readUInt16BE(4) !== 1) return undefined;
  try {
    const { name, next } = readName(msg, 12);
    if (next + 4 > msg.length) return undefined;
    return {
      id: msg.readUInt16BE(0),
      flags,
      question: { name, type: msg.readUInt16BE(next), klass: msg.readUInt16BE(next + 2) },
      questionBytes: msg.subarray(12, next + 4),
    };
  } catch {
    return undefined;
  }
}

export type AnswerRecord = { type: typeof TYPE_A; address: string } | { type: typeof TYPE_PTR; target: string };

/** An authoritative answer to `q`: its records (all owned by the question's name), or an rcode. */
export function buildResponse(q: Query, rcode: number, records: AnswerRecord[] = [], ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA and RA set, then the rcode.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((r) => {
    const rdata = r.type === TYPE_A ? Buffer.from(r.address.split('.').map(Number)) : encodeName(r.target);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    fixed.writeUInt16BE(r.type, 2);
    fixed.writeUInt16BE(CLASS_IN, 4);
    fixed.writeUInt32BE(ttl, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, q.questionBytes, ...answers]);
}

/** A bare error answer for a message that could not be parsed (only its ID is kept). */
export function formatError(msg: Buffer): Buffer | undefined {
  if (msg.length < 2) return undefined;
  const b = Buffer.alloc(12);
  msg.copy(b, 0, 0, 2);
  b.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
  return b;
}

export function buildQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/** The A records of a response (for tests and the forwarder's logs). */
export function parseAnswers(msg: Buffer): { id: number; rcode: number; addresses: string[]; names: string[] } {
  const id = msg.readUInt16BE(0);
  const rcode = msg.readUInt16BE(2) & 0xf;
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = readName(msg, pos).next + 4;
  const addresses: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < an; i++) {
    pos = readName(msg, pos).next;
    const type = msg.readUInt16BE(pos);
    const len = msg.readUInt16BE(pos + 8);
    const data = pos + 10;
    if (type === TYPE_A && len === 4) addresses.push([...msg.subarray(data, data + 4)].join('.'));
    if (type === TYPE_PTR) names.push(readName(msg, data).name);
    pos = data + len;
  }
  return { id, rcode, addresses, names };
}

/** "4.3.2.1.in-addr.arpa" → "1.2.3.4". */
export function reverseName(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa\.?$/i.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}
