// tar-stream, loaded on first use: most daemon runs never touch an archive, and the library
// with its stream dependencies is ~6 MiB of berthd's resident memory.
import type * as TarStream from 'tar-stream';

let loading: Promise<typeof TarStream> | undefined;

export function loadTar(): Promise<typeof TarStream> {
  loading ??= import('tar-stream');
  return loading;
}
