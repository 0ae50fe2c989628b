// One full garbage collection once the daemon has gone quiet after work. V8 keeps the heap it
// grew to under load: after 300 parallel starts berthd held 48 MiB of heap with 16 MiB live,
// and it did not give it back while idle (its memory reducer waits for an idle that per-container
// timers never leave it). One collection a few seconds after the last request brought its RSS
// from 102 to 79 MiB. It pays twice: every child process berthd spawns is a fork(), whose cost
// grows with the parent's mapped memory (measured here: 9 ms at 40 MiB, 15 ms at 90 MiB).
// After the collection, what malloc and node's executable hold without use goes too
// (host/memory.ts): after 1,000 runs, 81 → 36 MiB.
import { fullCollection, releaseMemory, type Released } from './memory.js';

export class IdleCollector {
  private timer?: NodeJS.Timeout;
  collections = 0;
  /** What the last collection's release gave back. */
  lastRelease?: Released;

  constructor(private readonly quietMs = 3000, private readonly release: () => Released = releaseMemory) {}

  /** Work happened (an API request): collect once no more has come for quietMs. */
  touch(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.collections++;
      fullCollection();
      this.lastRelease = this.release();
    }, this.quietMs);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
