// Detach keys (default ctrl-p,ctrl-q): seen in a tty attach's input, they end the attach and
// leave the container running. A partial match is held back until the next byte decides.

export function parseDetachKeys(spec: string | undefined): Buffer {
  const text = spec || 'ctrl-p,ctrl-q';
  const bytes: number[] = [];
  for (const key of text.split(',')) {
    const k = key.trim().toLowerCase();
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (ctrl) {
      const c = ctrl[1]!;
      if (c >= 'a' && c <= 'z') bytes.push(c.charCodeAt(0) - 96);
      else if (c === '@') bytes.push(0);
      else if (c === '[') bytes.push(27);
      else if (c === '\\') bytes.push(28);
      else if (c === ']') bytes.push(29);
      else if (c === '^') bytes.push(30);
      else if (c === '_') bytes.push(31);
      else throw new Error(`Unknown character: '${key}'`);
    } else if (k.length === 1) bytes.push(k.charCodeAt(0));
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(bytes);
}

export class DetachKeyScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** Returns the bytes to pass on, and whether the sequence completed. */
  feed(chunk: Buffer): { pass: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      // A broken partial match: the held bytes were ordinary input after all.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (b === this.keys[0]) this.matched = 1;
      else out.push(b);
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
