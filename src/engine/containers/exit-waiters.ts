// Who is waiting for a container to exit or be removed (Docker's wait conditions), and waking
// them with its exit code when that happens.

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve(code: number): void;
}

export class ExitWaiters {
  private byId = new Map<string, Waiter[]>();

  add(id: string, condition: WaitCondition): Promise<number> {
    return new Promise((resolve) => {
      const list = this.byId.get(id) ?? [];
      list.push({ condition, resolve });
      this.byId.set(id, list);
    });
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
