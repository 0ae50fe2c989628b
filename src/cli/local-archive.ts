// Tar archives of local files for `cp`: packing a local path for PUT /archive, extracting what
// GET /archive returns. Names are rebased here the way docker's archive.RebaseArchiveEntries
// does, so the copy lands under the name the user asked for.

import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readlink, rm, stat, symlink, link, utimes } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { once } from 'node:events';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pack as tarPack, extract as tarExtract, type Header } from 'tar-stream';

type EntryHeader = Partial<Header> & { name: string };

/** Copy an async iterable of chunks into a writable, honouring backpressure (works for streamx too). */
interface ChunkSink {
  write(chunk: Buffer | Uint8Array): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

async function copyInto(src: AsyncIterable<Buffer | Uint8Array>, sink: ChunkSink): Promise<void> {
  for await (const chunk of src) {
    if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', r));
  }
  sink.end();
}

/** Entry names under oldBase are renamed under newBase; others pass unchanged. */
export function rebaseName(name: string, oldBase: string, newBase: string): string {
  if (oldBase === newBase) return name;
  if (name === oldBase) return newBase;
  if (name.startsWith(`${oldBase}/`)) return newBase + name.slice(oldBase.length);
  return name;
}

function cleanName(name: string): string {
  let n = name.replace(/\/+$/, '');
  while (n.startsWith('./')) n = n.slice(2);
  return n;
}

/**
 * A tar of `path` whose top entry is named `name` (its children beneath it). With name "."
 * only the children are archived, at the top level (copying a directory's contents).
 */
export function packPath(
  path: string,
  name: string,
  opts: {
    followLink?: boolean;
    /** Leaves an entry out (a directory's children are still visited: exceptions). */
    exclude?: (entryName: string) => boolean;
    /** Files written after the walk, in place of any entry of the same name (docker's ReplaceFileTarWrapper). */
    append?: ReadonlyArray<{ name: string; data: Buffer }>;
  } = {},
): Readable {
  const replaced = new Set((opts.append ?? []).map((f) => f.name));
  const pack = tarPack();
  const add = (header: EntryHeader, body?: Readable): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (!body) {
        pack.entry(header, (err) => (err ? reject(err) : resolve()));
        return;
      }
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      copyInto(body, sink as unknown as ChunkSink).catch(reject);
    });
  const walk = async (p: string, entryName: string, top: boolean): Promise<void> => {
    const st = top && opts.followLink ? await stat(p) : await lstat(p);
    const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    const excluded = !top && (!!opts.exclude?.(entryName) || replaced.has(entryName));
    if (excluded && !st.isDirectory()) return;
    if (st.isDirectory()) {
      if (entryName !== '.' && !excluded) await add({ ...base, name: `${entryName}/`, type: 'directory' });
      const children = (await readdir(p)).sort();
      for (const child of children) await walk(join(p, child), entryName === '.' ? child : `${entryName}/${child}`, false);
    } else if (st.isSymbolicLink()) {
      await add({ ...base, name: entryName, type: 'symlink', linkname: await readlink(p) });
    } else if (st.isFile()) {
      await add({ ...base, name: entryName, type: 'file', size: st.size }, createReadStream(p));
    }
    // Sockets, FIFOs and devices are left out, as a plain copy would.
  };
  const appendAll = async (): Promise<void> => {
    for (const f of opts.append ?? []) await add({ name: f.name, mode: 0o600, mtime: new Date(), type: 'file', size: f.data.length }, Readable.from([f.data]));
  };
  walk(path, name, true).then(appendAll).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(pack, { objectMode: false });
}

export class ExtractError extends Error {
  override readonly name = 'ExtractError';
}

/**
 * Extract a tar into destDir, renaming entries with `rename`. Like docker's Untar with
 * NoLchown and NoOverwriteDirNonDir: ownership is not restored, and a directory never replaces
 * a file (nor a file a directory). Returns the number of content bytes written.
 */
export async function extractTo(src: Readable, destDir: string, rename: (name: string) => string): Promise<number> {
  const extract = tarExtract();
  const input = new PassThrough();
  src.on('error', (err) => input.destroy(err));
  copyInto(src.pipe(input), extract as unknown as ChunkSink).catch((err: unknown) => extract.destroy(err instanceof Error ? err : new Error(String(err))));
  let bytes = 0;
  const dirTimes: [string, Date][] = [];
  for await (const entry of extract) {
    const header = entry.header;
    const name = rename(cleanName(header.name));
    if (name === '' || name === '.') {
      entry.resume();
      continue;
    }
    const target = join(destDir, name);
    const rel = relative(destDir, target);
    if (rel.startsWith(`..${sep}`) || rel === '..') throw new ExtractError(`invalid path in archive: ${header.name}`);
    const existing = await lstat(target).catch(() => undefined);
    const mode = (header.mode ?? 0o644) & 0o7777;
    switch (header.type) {
      case 'directory': {
        if (existing && !existing.isDirectory()) throw new ExtractError(`cannot overwrite non-directory "${target}" with directory "${name}"`);
        await mkdir(target, { recursive: true });
        await chmod(target, mode);
        if (header.mtime) dirTimes.push([target, header.mtime]);
        entry.resume();
        break;
      }
      case 'symlink': {
        if (existing?.isDirectory()) throw new ExtractError(`cannot overwrite directory "${target}" with non-directory "${name}"`);
        if (existing) await rm(target, { force: true });
        await symlink(header.linkname ?? '', target);
        entry.resume();
        break;
      }
      case 'link': {
        if (existing?.isDirectory()) throw new ExtractError(`cannot overwrite directory "${target}" with non-directory "${name}"`);
        if (existing) await rm(target, { force: true });
        await link(join(destDir, rename(cleanName(header.linkname ?? ''))), target);
        entry.resume();
        break;
      }
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null: {
        if (existing?.isDirectory()) throw new ExtractError(`cannot overwrite directory "${target}" with non-directory "${name}"`);
        if (existing) await rm(target, { force: true });
        const out = createWriteStream(target, { mode });
        await copyInto(entry as unknown as AsyncIterable<Buffer>, out);
        await once(out as Writable, 'finish');
        await chmod(target, mode);
        bytes += header.size ?? 0;
        if (header.mtime) await utimes(target, header.mtime, header.mtime).catch(() => undefined);
        break;
      }
      default:
        // Devices and FIFOs need privileges a copy should not assume; skip them.
        entry.resume();
    }
  }
  for (const [dir, time] of dirTimes.reverse()) await utimes(dir, time, time).catch(() => undefined);
  return bytes;
}

