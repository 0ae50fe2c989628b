// Where tar streams go to and come from: -o/--output and -i/--input files, or stdout/stdin,
// refusing a terminal as docker does.

import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StatusError, type Ctx } from './command.js';

/** Copy a stream to a file, or to stdout when no file is named (never to a terminal). */
export async function writeOutput(ctx: Ctx, src: Readable, file: string | undefined): Promise<void> {
  if (!file) {
    if (ctx.stdout.isTTY) throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    await pipeline(src, ctx.stdout as Writable, { end: false });
    return;
  }
  // Write beside the target and rename, so a failed copy never leaves half a file behind.
  const { rename, unlink } = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await pipeline(src, createWriteStream(tmp));
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new StatusError(1, `failed to save: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A file to read, or stdin. */
export function openInput(ctx: Ctx, file: string | undefined): Readable {
  if (file && file !== '-') return createReadStream(file);
  return ctx.stdin;
}
