// Who is waiting for a container to exit or be removed (Docker's wait conditions), and waking
// them with its exit code when that happens.

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve(code: number): void;
}

export class ExitWaiters {
  private byId = new Map<string, Waiter[]>();

  /**
   * `signal`: the waiter goes when it aborts (its client hung up), and the promise rejects with
   * the signal's reason. docker run -d registers a wait and exits without reading it: without
   * this, each detached container kept that request (its socket, request and response, ~10 KB)
   * until it exited.
   */
  add(id: string, condition: WaitCondition, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const w: Waiter = { condition, resolve };
      const list = this.byId.get(id) ?? [];
      list.push(w);
      this.byId.set(id, list);
      signal?.addEventListener('abort', () => {
        this.drop(id, w);
        reject(signal.reason);
      }, { once: true });
    });
  }

  private drop(id: string, w: Waiter): void {
    const list = this.byId.get(id)?.filter((x) => x !== w);
    if (list?.length) this.byId.set(id, list);
    else this.byId.delete(id);
  }

  /** How many wait (for tests and leak checks). */
  count(id: string): number {
    return this.byId.get(id)?.length ?? 0;
  }

  /** An exit wakes every waiter but those waiting for removal; a removal wakes them all. */
  notify(id: string, what: 'exited' | 'removed', exitCode: number): void {
    const list = this.byId.get(id);
    if (!list) return;
    const remaining = list.filter((w) => what === 'exited' && w.condition === 'removed');
    for (const w of list) if (!remaining.includes(w)) w.resolve(exitCode);
    if (remaining.length) this.byId.set(id, remaining);
    else this.byId.delete(id);
  }
}
