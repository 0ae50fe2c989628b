// The daemon's own freezes of running containers: cp, export and diff freeze one while they
// read or write its files (container-fs.ts), commit pauses it while its layer is read
// (container-commit.ts). Each is written down under the exec root for as long as it lasts, so a
// daemon killed in the middle leaves a note and the next start thaws the container; without it
// a kill -9 during `docker commit` left the container paused for good, and one during a `cp`
// left it frozen, which the next start then recorded as paused. Overlapping freezes of one
// container (two copies at once, a copy and a commit) share one: the first freezes, the last
// thaws; before, the first to end thawed the container under the other.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Freezes the container; resolves to the thaw, or undefined when nothing was frozen. */
export type Freezer = () => Promise<(() => Promise<void>) | undefined>;

interface Held {
  count: number;
  /** The shared freeze: its thaw, or undefined when nothing was frozen. */
  frozen: Promise<(() => Promise<void>) | undefined>;
  /** Resolves once the last holder ended and the container is thawed. */
  released: Promise<void>;
  release: () => void;
}

export class DaemonFreezes {
  private readonly holds = new Map<string, Held>();
  /** Thaws in progress: a new freeze of the container waits for its thaw to end. */
  private readonly thawing = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Runs fn with container `id` frozen by `freeze` (or by a freeze already held for it), and
   * thaws it after the last holder ends.
   */
  async hold<T>(id: string, freeze: Freezer, fn: () => Promise<T>): Promise<T> {
    // Else a freeze made while the last holder thaws would be thawed under its holder.
    for (let t = this.thawing.get(id); t; t = this.thawing.get(id)) await t;
    let h = this.holds.get(id);
    if (!h) {
      // The note goes first: a daemon killed right after the freeze still leaves it.
      this.note(id);
      const frozen = freeze();
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      h = { count: 0, frozen, released, release };
      this.holds.set(id, h);
      // A freeze that fails (or froze nothing) leaves no note behind.
      frozen.then((thaw) => thaw ?? this.forget(id), () => this.forget(id));
    }
    const mine = h;
    mine.count++;
    try {
      await mine.frozen;
      return await fn();
    } finally {
      if (--mine.count === 0) {
        this.holds.delete(id);
        const thawed = (async () => {
          const thaw = await mine.frozen.catch(() => undefined);
          if (!thaw) return;
          await thaw().catch(() => undefined);
          this.forget(id);
        })();
        this.thawing.set(id, thawed);
        await thawed;
        this.thawing.delete(id);
        mine.release();
      }
    }
  }

  /** Whether the daemon holds container `id` frozen now. */
  held(id: string): boolean {
    return this.holds.has(id);
  }

  /** Whether a freeze of container `id` is held or being thawed. */
  busy(id: string): boolean {
    return this.holds.has(id) || this.thawing.has(id);
  }

  /** Resolves once no freeze of container `id` is held or being thawed. */
  async settled(id: string): Promise<void> {
    for (;;) {
      const thaw = this.thawing.get(id);
      const h = this.holds.get(id);
      if (thaw) await thaw;
      else if (h) await h.released;
      else return;
    }
  }

  private note(id: string): void {
    writeFileSync(path.join(this.dir, `${id}.freeze`), '');
  }

  /** Drops the note of a freeze that is over (or, at start, of one a daemon that is gone left). */
  forget(id: string): void {
    rmSync(path.join(this.dir, `${id}.freeze`), { force: true });
  }

  /** The containers a daemon that is gone left frozen (read at start, before any freeze). */
  leftovers(): string[] {
    return readdirSync(this.dir)
      .map((f) => /^([0-9a-f]{64})\.freeze$/.exec(f)?.[1])
      .filter((id): id is string => !!id);
  }
}
