// Where tar streams go to and come from: -o/--output and -i/--input files, or stdout/stdin,
// refusing a terminal as docker does.

import { createReadStream, createWriteStream, openSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StatusError, type Ctx } from './command.js';

/**
 * A file system error in the words Go's os package uses ("open /x: no such file or directory"),
 * which docker's CLI prints, rather than Node's ("ENOENT: no such file or directory, open '/x'").
 */
export function fileErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && e.syscall && e.path) return `${e.syscall} ${e.path}: ${/^[A-Z]+: ([^,]+),/.exec(e.message)?.[1] ?? e.code}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Checks -o before anything is asked of the daemon, as docker's save and export do: its directory
 * must exist. `failure` is docker's lead ("failed to save image").
 */
export function checkOutputPath(file: string | undefined, failure: string): void {
  if (!file) return;
  const dir = path.dirname(path.normalize(file));
  try {
    statSync(dir);
  } catch (err) {
    throw new StatusError(1, `${failure}: invalid output path: ${fileErrorText(err)}`);
  }
}

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

/** A file to read (opened now, so a missing one fails before any request), or stdin. */
export function openInput(ctx: Ctx, file: string | undefined): Readable {
  if (!file || file === '-') return ctx.stdin;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new StatusError(1, fileErrorText(err));
  }
  return createReadStream(file, { fd });
}
