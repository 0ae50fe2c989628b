// A tar stream with its entries' owners changed, the rest (names, modes, times, link targets,
// pax records such as file capabilities) passed on as they are: `docker export` and `docker cp`
// of a user-namespaced container give the owners the container sees, not the host IDs its files
// have (dockerd's archive IDMappings.ToContainer). GNU tar writes the archive; tar-stream reads
// and writes it again only for such a container.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as TarStream from 'tar-stream';
import { loadTar } from './tar-module.js';

export type OwnerMap = (uid: number, gid: number) => { uid: number; gid: number };

/** The largest ID the header's 7 octal digits hold; a larger one is written as a pax record. */
const MAX_OCTAL_ID = 0o7777777;

/** pax records the new header says again, or that would contradict it. */
const RESTATED = ['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname'];

/** `source`'s entries with owners from `mapOwner`; an error reading `source` ends the result with it. */
export async function mapTarOwners(source: Readable, mapOwner: OwnerMap): Promise<Readable> {
  const tar = await loadTar();
  const extract = tar.extract();
  const pack = tar.pack();
  const out = new PassThrough();
  // The reader going away (a client gone) ends the copy, and with it the reading of `source`.
  pipeline(pack, out).catch(() => undefined);
  const copying = (async () => {
    const feeding = pipeline(source, extract);
    feeding.catch(() => undefined); // awaited below
    for await (const entry of extract) await copyEntry(pack, entry as unknown as Readable & { header: TarStream.Header }, mapOwner);
    await feeding;
    pack.finalize();
  })();
  copying.catch((e: Error) => {
    source.destroy();
    pack.destroy(e);
  });
  return out;
}

async function copyEntry(pack: TarStream.Pack, entry: Readable & { header: TarStream.Header }, mapOwner: OwnerMap): Promise<void> {
  const h = entry.header;
  const records = (h.pax ?? undefined) as Record<string, string> | undefined;
  // IDs past MAX_OCTAL_ID come as pax records, which tar-stream leaves there.
  const paxId = (key: string) => (records?.[key] !== undefined ? Number(records[key]) : undefined);
  const owner = mapOwner(paxId('uid') ?? h.uid ?? 0, paxId('gid') ?? h.gid ?? 0);
  const pax = records ? Object.fromEntries(Object.entries(records).filter(([k]) => !RESTATED.includes(k))) : {};
  if (owner.uid > MAX_OCTAL_ID) pax.uid = String(owner.uid);
  if (owner.gid > MAX_OCTAL_ID) pax.gid = String(owner.gid);
  const header = { ...h, ...owner, uname: '', gname: '', pax: Object.keys(pax).length ? pax : undefined };
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    pipeline(entry, sink).catch(reject);
  });
}
