// In-process serialization for metadata updates: berthd is one process, so a promise chain per
// key is enough to keep two requests from interleaving their read-modify-write of one file.

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** One Mutex per key, dropped when idle. */
export class KeyedMutex {
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let l = this.locks.get(key);
    if (!l) {
      l = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, l);
    }
    l.users++;
    try {
      return await l.mutex.run(fn);
    } finally {
      if (--l.users === 0) this.locks.delete(key);
    }
  }
}
