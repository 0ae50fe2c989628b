// tar-stream, loaded on first use: most daemon runs never touch an archive, and the library
// with its stream dependencies is ~6 MiB of berthd's resident memory.
import type * as TarStream from 'tar-stream';
import { InvalidArgumentError } from '../engine/errors.js';

let loading: Promise<typeof TarStream> | undefined;

export function loadTar(): Promise<typeof TarStream> {
  loading ??= import('tar-stream');
  return loading;
}

/** tar-stream's words for a malformed archive: the client's input, so a 400, not a 500. */
const FORMAT_ERRORS = /^(Unexpected end of data|Invalid header|Header exceeds max size|Invalid tar header)/;

/** The error to throw for `e` met while reading a client's tar: InvalidArgument when malformed. */
export function tarReadError(e: unknown): unknown {
  if (e instanceof Error && FORMAT_ERRORS.test(e.message)) return new InvalidArgumentError(`invalid tar archive: ${e.message}`);
  return e;
}
