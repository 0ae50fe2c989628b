// tar-stream, loaded on first use: most daemon runs never touch an archive, and the library
// with its stream dependencies is ~6 MiB of berthd's resident memory.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TarStream from 'tar-stream';
import { InvalidArgumentError } from '../errors.js';

let loading: Promise<typeof TarStream> | undefined;

export function loadTar(): Promise<typeof TarStream> {
  loading ??= import('tar-stream').then((m) => {
    keepXattrBytes();
    endLikeGo(m);
    return m;
  });
  return loading;
}

/** pax records that carry an extended attribute: their values are bytes, not text. */
export const XATTR_PAX_PREFIX = 'SCHILY.xattr.';

/**
 * tar-stream reads and writes every pax value as UTF-8, which corrupts binary xattr values
 * (security.capability holds bytes ≥ 0x80 for most capabilities). Its header codec is swapped,
 * once, for one that keeps SCHILY.xattr.* values as latin1 strings (one char per byte, so
 * Buffer.from(v, 'latin1') gives the bytes back) and other values as UTF-8, as the pax format
 * (POSIX.1-2008 pax, "Extended Header Records") and GNU tar have them.
 */
function keepXattrBytes(): void {
  const require = createRequire(import.meta.url);
  const headers = require(path.join(path.dirname(require.resolve('tar-stream')), 'headers.js')) as {
    decodePax(buf: Buffer): Record<string, string>;
    encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, string> }): Buffer;
  };
  headers.decodePax = (buf: Buffer) => {
    const result: Record<string, string> = {};
    while (buf.length) {
      const sp = buf.indexOf(32);
      const len = sp > 0 ? parseInt(buf.toString('latin1', 0, sp), 10) : NaN;
      if (!len || len > buf.length) return result;
      const rec = buf.subarray(sp + 1, len - 1);
      const eq = rec.indexOf(61);
      if (eq < 0) return result;
      const key = rec.toString('utf8', 0, eq);
      result[key] = rec.toString(key.startsWith(XATTR_PAX_PREFIX) ? 'latin1' : 'utf8', eq + 1);
      buf = buf.subarray(len);
    }
    return result;
  };
  headers.encodePax = (opts) => {
    const records: Buffer[] = [];
    const add = (key: string, value: Buffer) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
      // The length counts its own digits.
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      records.push(Buffer.from(String(len)), body);
    };
    if (opts.name) add('path', Buffer.from(opts.name));
    if (opts.linkname) add('linkpath', Buffer.from(opts.linkname));
    for (const [k, v] of Object.entries(opts.pax ?? {})) add(k, Buffer.from(v, k.startsWith(XATTR_PAX_PREFIX) ? 'latin1' : 'utf8'));
    return Buffer.concat(records);
  };
}

/** The parts of tar-stream's Extract (extract.js) its end-of-input check reads. */
interface ExtractState {
  _final(cb: (err?: Error | null) => void): void;
  _buffer: { buffered: number };
  _stream: unknown;
  _header: { size: number } | null;
  _missing: number;
  _longHeader: boolean;
  _finished: boolean;
}

/**
 * Go's archive/tar, which dockerd reads archives with, takes input that stops right after an
 * entry's data (before its padding and the two zero blocks) as the end of the archive, and the
 * docker CLI sends such archives: `docker build -f - DIR` appends the Dockerfile and a
 * .dockerignore unpadded. tar-stream calls that "Unexpected end of data". Its end check is
 * widened to exactly that case; input that stops inside a header, an entry's data or its
 * padding still fails, as in Go.
 */
function endLikeGo(m: typeof TarStream): void {
  const proto = Object.getPrototypeOf(m.extract()) as ExtractState;
  const strict = proto._final;
  proto._final = function (this: ExtractState, cb: (err?: Error | null) => void) {
    const pad = (size: number) => (size & 511 ? 512 - (size & 511) : 0);
    const atPadding = this._buffer.buffered === 0 && !this._longHeader && this._header !== null && (this._stream !== null
      // The entry's data all arrived; its reader has not let go of it yet.
      ? this._missing === 0
      // Not one byte of the padding came.
      : this._missing > 0 && this._missing === pad(this._header.size));
    if (!atPadding) return strict.call(this, cb);
    this._finished = true;
    cb(null);
  };
}

/** tar-stream's words for a malformed archive: the client's input, so a 400, not a 500. */
const FORMAT_ERRORS = /^(Unexpected end of data|Invalid header|Header exceeds max size|Invalid tar header)/;

/** The error to throw for `e` met while reading a client's tar: InvalidArgument when malformed. */
export function tarReadError(e: unknown): unknown {
  if (e instanceof Error && FORMAT_ERRORS.test(e.message)) return new InvalidArgumentError(`invalid tar archive: ${e.message}`);
  return e;
}
