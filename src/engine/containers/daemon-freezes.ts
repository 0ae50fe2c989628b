// The daemon's own freezes of running containers: cp, export and diff freeze one while they
// read or write its files (container-fs.ts), commit pauses it while its layer is read
// (container-commit.ts). Each is written down under the exec root for as long as it lasts, so a
// daemon killed in the middle leaves a note and the next start thaws the container; without it
// a kill -9 during `docker commit` left the container paused for good, and one during a `cp`
// left it frozen, which the next start then recorded as paused. Overlapping freezes of one
// container (two copies at once) share one: the first freezes, the last thaws; before, the
// first copy to end thawed the container under the second.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** How the daemon froze a container: its cgroup directly, or a pause through the runtime. */
export type FreezeKind = 'freeze' | 'pause';

/** Freezes the container; resolves to the thaw, or undefined when nothing was frozen. */
export type Freezer = () => Promise<(() => Promise<void>) | undefined>;

interface Held {
  count: number;
  /** The shared freeze: its thaw, or undefined when nothing was frozen. */
  frozen: Promise<(() => Promise<void>) | undefined>;
}

export class DaemonFreezes {
  private readonly held = new Map<string, Held>();
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
    let h = this.held.get(id);
    if (!h) {
      // The note goes first: a daemon killed right after the freeze still leaves it.
      this.note(id, 'freeze');
      const frozen = freeze();
      h = { count: 0, frozen };
      this.held.set(id, h);
      // A freeze that fails (or froze nothing) leaves no note behind.
      frozen.then((thaw) => thaw ?? this.forget(id, 'freeze'), () => this.forget(id, 'freeze'));
    }
    const mine = h;
    mine.count++;
    try {
      await mine.frozen;
      return await fn();
    } finally {
      if (--mine.count === 0) {
        this.held.delete(id);
        const thawed = (async () => {
          const thaw = await mine.frozen.catch(() => undefined);
          if (!thaw) return;
          await thaw().catch(() => undefined);
          this.forget(id, 'freeze');
        })();
        this.thawing.set(id, thawed);
        await thawed;
        this.thawing.delete(id);
      }
    }
  }

  /** Writes down a freeze of `id` made elsewhere (commit's pause); forget() ends it. */
  note(id: string, kind: FreezeKind): void {
    writeFileSync(path.join(this.dir, `${id}.${kind}`), '');
  }

  forget(id: string, kind: FreezeKind): void {
    rmSync(path.join(this.dir, `${id}.${kind}`), { force: true });
  }

  /** The containers a daemon that is gone left frozen, with how (read at start, before any freeze). */
  leftovers(): Array<{ id: string; kind: FreezeKind }> {
    return readdirSync(this.dir)
      .map((f) => /^([0-9a-f]{64})\.(freeze|pause)$/.exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ id: m[1]!, kind: m[2] as FreezeKind }));
  }
}
