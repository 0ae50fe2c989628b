// Output of stages that run in parallel, shown as if they had run one after another: the
// earliest unfinished stage writes through, later ones are held until every stage before
// them is done (docker's classic builder prints one stage after the other).

export class OrderedOutput {
  private readonly buffers: string[][];
  private readonly done: boolean[];
  private live = 0;

  constructor(private readonly count: number, private readonly write: (text: string) => void) {
    this.buffers = Array.from({ length: count }, () => []);
    this.done = Array.from({ length: count }, () => false);
  }

  /** Where stage number `i` (in Dockerfile order among those that run) writes. */
  writer(i: number): (text: string) => void {
    return (text) => {
      if (i === this.live) this.write(text);
      else if (i > this.live) this.buffers[i]!.push(text);
    };
  }

  /** Stage `i` is done: the next stages' held output follows. */
  finish(i: number): void {
    this.done[i] = true;
    while (this.live < this.count && this.done[this.live]) {
      this.live++;
      if (this.live < this.count) this.flush(this.live);
    }
  }

  /** Writes everything held (a failed build shows every stage's output). */
  flushAll(): void {
    for (let i = this.live + 1; i < this.count; i++) this.flush(i);
    this.live = this.count;
  }

  private flush(i: number): void {
    for (const t of this.buffers[i]!.splice(0)) this.write(t);
  }
}
