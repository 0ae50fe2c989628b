// File operations in flight on containers' filesystems (cp, export, diff, commit), which a stop,
// a kill or a removal ends before it goes on. A cp of a running container holds it frozen while
// it streams, and a frozen process can neither handle a stop's signal nor die of a kill; a
// removal must not unmount and delete files a copy still reads.

/** How long a stop, kill or removal lets the copies in flight finish before cutting them off. */
const GRACE_MS = 2000;

interface FileOp {
  done: Promise<unknown>;
  abort: AbortController;
}

export class FileOperations {
  private readonly ops = new Map<string, Set<FileOp>>();

  /** Runs `fn` on container `id`'s files; `signal` aborts it when end() cuts it off. */
  async run<T>(id: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const done = fn(abort.signal);
    const op = { done, abort };
    let ops = this.ops.get(id);
    if (!ops) this.ops.set(id, (ops = new Set()));
    ops.add(op);
    try {
      return await done;
    } catch (e) {
      if (abort.signal.aborted) throw abort.signal.reason;
      throw e;
    } finally {
      ops.delete(op);
      if (!ops.size && this.ops.get(id) === ops) this.ops.delete(id);
    }
  }

  /**
   * Ends the operations on container `id`: they may finish for GRACE_MS, then the rest are cut
   * off with `reason`. dockerd's container lock makes a kill or rm wait for a cp however slowly
   * its client reads; here a copy that finishes soon completes (the fault campaign's cps racing
   * an rm -f did), and one a client stalls is cut off.
   */
  async end(id: string, reason: Error): Promise<void> {
    const ops = [...(this.ops.get(id) ?? [])];
    if (!ops.length) return;
    const settled = Promise.allSettled(ops.map((op) => op.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, GRACE_MS)))]);
    clearTimeout(timer);
    for (const op of ops) op.abort.abort(reason);
    await settled;
  }
}
