// Network records on disk: one JSON file per network under <data-root>/network, written
// atomically (as volumes and containers are), and the IPAM cursors, saved lazily beside them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import type { NetworkRecord } from './types.js';

const CURSORS = 'ipam-cursors.json';

export class NetworkStore {
  private cursorWrite: Promise<void> = Promise.resolve();
  private cursorTimer?: NodeJS.Timeout;
  private getCursors?: () => Record<string, number>;

  constructor(readonly root: string) {}

  async load(): Promise<{ networks: NetworkRecord[]; cursors: Record<string, number> }> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    const networks: NetworkRecord[] = [];
    for (const f of await fs.readdir(this.root)) {
      if (f.endsWith('.tmp')) await fs.rm(path.join(this.root, f), { force: true });
      if (!f.endsWith('.json') || f === CURSORS || f.startsWith('.')) continue;
      try {
        networks.push(await readJson<NetworkRecord>(path.join(this.root, f)));
      } catch {
        // A half-written temp file never has the final name; anything unreadable is dropped.
        await fs.rm(path.join(this.root, f), { force: true });
      }
    }
    const cursors = await readJson<Record<string, number>>(path.join(this.root, CURSORS)).catch(() => ({}));
    return { networks, cursors };
  }

  async save(net: NetworkRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.root, `${net.Id}.json`), net);
  }

  async remove(id: string): Promise<void> {
    await fs.rm(path.join(this.root, `${id}.json`), { force: true });
  }

  /**
   * Saves the IPAM cursors off the hot path: a burst of starts makes one write, a bit later. The
   * file is replaced by rename (never half written) but not fsynced: a lost write only means a
   * restarted daemon resumes from an older cursor (allocations themselves come from records).
   */
  saveCursors(get: () => Record<string, number>): void {
    this.getCursors = get;
    if (this.cursorTimer) return;
    this.cursorTimer = setTimeout(() => void this.writeCursors(), 200);
    this.cursorTimer.unref();
  }

  private writeCursors(): Promise<void> {
    this.cursorTimer = undefined;
    const get = this.getCursors;
    const file = path.join(this.root, CURSORS);
    const tmp = `${file}.${process.pid}.tmp`;
    // Writes are chained: they share the temp file.
    this.cursorWrite = this.cursorWrite
      .then(() => (get ? fs.writeFile(tmp, JSON.stringify(get())).then(() => fs.rename(tmp, file)) : undefined))
      .catch(() => undefined);
    return this.cursorWrite;
  }

  /** Writes pending cursors now (daemon stop). */
  async flush(): Promise<void> {
    if (this.cursorTimer) {
      clearTimeout(this.cursorTimer);
      await this.writeCursors();
    }
    await this.cursorWrite;
  }

}
