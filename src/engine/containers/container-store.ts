// Container records: in memory for lookups, each persisted atomically to
// <root>/<id>/config.v2.json so a crash leaves the old record or the new one.
import { mkdirSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { isGone, removeSoon, sweepGone } from '../../storage/gone-dirs.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import { IdPrefixIndex } from './id-index.js';
import type { ContainerRecord } from './types.js';
import { removeTree } from '../../host/remove-tree.js';

const RECORD = 'config.v2.json';

export class ContainerStore {
  private byId = new Map<string, ContainerRecord>();
  private byName = new Map<string, string>();
  /** IDs removed in this daemon's life: a save racing their removal must not bring them back. */
  private removed = new Set<string>();
  /** Every ID, sorted: a lookup by ID prefix is a binary search, not a pass over all. */
  private readonly prefixes = new IdPrefixIndex();
  /** Containers with legacy links (few): what looks for link parents reads these, not all. */
  private readonly linking = new Map<string, ContainerRecord>();
  /** Bumped at each save of a record: views built from it (the list's JSON) are kept until then. */
  private readonly versions = new WeakMap<ContainerRecord, number>();
  private saves = 0;
  /** Each record's writes in progress: the last one asked, and the end of the queue. */
  private readonly writes = new Map<string, { tail: Promise<void>; last: object }>();

  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }

  /** Loads every record; directories without a readable record are half-made creates. */
  async load(): Promise<{ loaded: ContainerRecord[]; halfMade: string[] }> {
    await fs.mkdir(this.root, { recursive: true });
    const halfMade: string[] = [];
    await sweepGone(this.root);
    for (const id of await fs.readdir(this.root)) {
      if (isGone(id)) continue;
      try {
        const rec = await readJson<ContainerRecord>(path.join(this.root, id, RECORD));
        this.index(rec);
      } catch {
        halfMade.push(id);
      }
    }
    return { loaded: [...this.byId.values()], halfMade };
  }

  /**
   * Each readable record's top layer (container ID → chain ID), read before the image store
   * opens: a record is its container's claim on its layers (ImageStore.holdLayers).
   */
  static async layerClaims(root: string): Promise<Map<string, string>> {
    const claims = new Map<string, string>();
    const ids = await fs.readdir(root).catch(() => [] as string[]);
    await Promise.all(ids.map(async (id) => {
      const rec = await readJson<Pick<ContainerRecord, 'Id' | 'TopLayer'>>(path.join(root, id, RECORD)).catch(() => undefined);
      if (rec?.Id === id && rec.TopLayer) claims.set(id, rec.TopLayer);
    }));
    return claims;
  }

  private index(rec: ContainerRecord) {
    this.byId.set(rec.Id, rec);
    this.byName.set(rec.Name.replace(/^\//, ''), rec.Id);
    this.prefixes.add(rec.Id);
    if (rec.HostConfig?.Links?.length) this.linking.set(rec.Id, rec);
    else this.linking.delete(rec.Id);
    this.versions.set(rec, ++this.saves);
  }

  /** Changes each time the record is saved (0: never saved). */
  version(rec: ContainerRecord): number {
    return this.versions.get(rec) ?? 0;
  }

  /** The containers with legacy links (HostConfig.Links). */
  withLinks(): ContainerRecord[] {
    return [...this.linking.values()];
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  nameTaken(name: string): boolean {
    return this.byName.has(name.replace(/^\//, ''));
  }

  /** Claims a name for an ID before anything is written, so two creates cannot both win it. */
  reserveName(name: string, id: string): void {
    const n = name.replace(/^\//, '');
    const holder = this.byName.get(n);
    if (holder && holder !== id) {
      throw new ConflictError(
        `Conflict. The container name "/${n}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.byName.set(n, id);
  }

  releaseName(name: string, id: string): void {
    const n = name.replace(/^\//, '');
    if (this.byName.get(n) === id) this.byName.delete(n);
  }

  /** Docker's lookup order: full ID, exact name, then a unique ID prefix. */
  find(ref: string): ContainerRecord | undefined {
    const direct = this.byId.get(ref);
    if (direct) return direct;
    const byName = this.byName.get(ref.replace(/^\//, ''));
    if (byName && this.byId.has(byName)) return this.byId.get(byName);
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = this.prefixes.match(ref);
    if (matches.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${ref}`);
    return matches.length ? this.byId.get(matches[0]!) : undefined;
  }

  get(ref: string): ContainerRecord {
    const rec = ref ? this.find(ref) : undefined;
    if (!rec) throw new NotFoundError(`No such container: ${ref}`);
    return rec;
  }

  async save(rec: ContainerRecord): Promise<void> {
    await this.queueWrite(rec.Id, {}, rec);
    this.index(rec);
  }

  /**
   * Writes what a record is about to become (a start's `running`) while the work that makes it
   * so still runs, and leaves what lookups see as it is. `settle`, once that work is done, makes
   * the record in memory the saved one: it waits for the write, and writes again only if another
   * save of the record came after this one (it wrote the record as it was then).
   */
  writeAhead(rec: ContainerRecord, ahead: ContainerRecord): { settle(): Promise<void> } {
    const token = {};
    const written = this.queueWrite(rec.Id, token, ahead);
    // Failures are the settle's to report.
    written.catch(() => undefined);
    return {
      settle: async () => {
        await written;
        if (this.writes.get(rec.Id)?.last === token || !this.writes.has(rec.Id)) this.index(rec);
        else await this.save(rec);
      },
    };
  }

  /**
   * One write of a record's file at a time, in the order asked: two writes at once could land
   * in either order, and the older state win. A write waiting its turn writes the record as it
   * is then.
   */
  private queueWrite(id: string, token: object, rec: ContainerRecord): Promise<void> {
    const before = this.writes.get(id)?.tail;
    const tail = before ? before.catch(() => undefined).then(() => this.write(rec)) : this.write(rec);
    const entry = { tail, last: token };
    this.writes.set(id, entry);
    const forget = () => {
      if (this.writes.get(id) === entry) this.writes.delete(id);
    };
    tail.then(forget, forget);
    return tail;
  }

  private async write(rec: ContainerRecord): Promise<void> {
    if (this.removed.has(rec.Id)) throw new NotFoundError(`No such container: ${rec.Id}`);
    try {
      // At once: the directory is there (create's writable layer made it), so this is one
      // mkdir answering EEXIST, where the pool's recursive mkdir was a round trip on every save.
      mkdirSync(this.dir(rec.Id), { recursive: true });
      await writeJsonAtomic(path.join(this.dir(rec.Id), RECORD), rec);
    } catch (e) {
      // The removal took the directory from under the write.
      if (this.removed.has(rec.Id)) throw new NotFoundError(`No such container: ${rec.Id}`);
      throw e;
    }
    // Removed while this was being written (e.g. a rename or pause racing rm -f): the write
    // re-made its directory, which must go again, or the container would come back.
    if (this.removed.has(rec.Id)) {
      await removeTree(this.dir(rec.Id));
      throw new NotFoundError(`No such container: ${rec.Id}`);
    }
  }

  async rename(rec: ContainerRecord, newName: string): Promise<void> {
    const old = rec.Name;
    this.reserveName(newName, rec.Id);
    rec.Name = `/${newName.replace(/^\//, '')}`;
    try {
      await this.save(rec);
    } catch (e) {
      rec.Name = old;
      this.releaseName(newName, rec.Id);
      throw e;
    }
    this.releaseName(old, rec.Id);
  }

  /**
   * The directory is renamed aside with its record in one call (a crash after it leaves a name
   * load() sweeps) and deleted in the background; the record's own unlink first took 0.25 ms on
   * ext4, on the path of every `run --rm`'s wait.
   */
  async remove(rec: ContainerRecord): Promise<void> {
    this.removed.add(rec.Id);
    this.byId.delete(rec.Id);
    this.prefixes.delete(rec.Id);
    this.linking.delete(rec.Id);
    this.releaseName(rec.Name, rec.Id);
    await removeSoon(this.dir(rec.Id), RECORD);
  }
}
