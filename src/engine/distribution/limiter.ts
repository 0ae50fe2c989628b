// A counting semaphore: at most N transfers at once across every pull (dockerd's
// --max-concurrent-downloads is daemon-wide too, so two pulls share the bound).

export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>, onWait?: () => void): Promise<T> {
    if (this.active >= this.max) {
      onWait?.();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
