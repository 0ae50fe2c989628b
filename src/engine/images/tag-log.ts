// Each tag's history: every image a tag has pointed at, when, and what moved it there (build,
// pull, load, tag, commit, import, rollback). Docker forgets where a tag pointed before; berth
// keeps it so `image rollback` can move a tag back, and image prune keeps the images a history
// holds (they stay runnable). One JSON file under the image root, written atomically.
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';

export interface TagLogEntry {
  /** Image ID the tag was moved to. */
  id: string;
  /** ISO-8601 time of the move. */
  at: string;
  /** What moved it: "build", "pull", "load", "tag", "commit", "import", "rollback", … */
  source: string;
}

/**
 * Moves whose earlier images the history keeps from image prune. Images a tag left through
 * import, load, commit or a plain tag are pruned as docker prunes them (scripts rely on it).
 */
const KEEPING_SOURCES = new Set(['build', 'pull', 'rollback']);

/** Entries kept per tag, oldest dropped first. */
const MAX_ENTRIES = 50;

export class TagLog {
  private constructor(private readonly file: string, private readonly log: Map<string, TagLogEntry[]>) {}

  static async open(file: string): Promise<TagLog> {
    const raw = await readJson<Record<string, TagLogEntry[]>>(file).catch(() => ({}));
    return new TagLog(file, new Map(Object.entries(raw)));
  }

  /** Records that `key` ("docker.io/library/app:1") now names `id`; false when it already did. */
  record(key: string, id: string, source: string): boolean {
    const list = this.log.get(key) ?? [];
    if (list.at(-1)?.id === id) return false;
    list.push({ id, at: new Date().toISOString(), source });
    this.log.set(key, list.slice(-MAX_ENTRIES));
    return true;
  }

  /** The tag's history, oldest first. */
  entries(key: string): TagLogEntry[] {
    return [...(this.log.get(key) ?? [])];
  }

  /** Whether some tag's history holds the image (it was built, pulled or rolled back to). */
  holds(id: string): boolean {
    for (const list of this.log.values()) if (list.some((e) => e.id === id && KEEPING_SOURCES.has(e.source))) return true;
    return false;
  }

  /** Forgets an image (it was removed on purpose). */
  forget(id: string): void {
    for (const [k, list] of this.log) {
      const kept = list.filter((e) => e.id !== id);
      if (kept.length) this.log.set(k, kept);
      else this.log.delete(k);
    }
  }

  save(): Promise<void> {
    return writeJsonAtomic(this.file, Object.fromEntries(this.log));
  }
}
