// Detach keys (default ctrl-p,ctrl-q), shared by the CLI and berthd as in docker: both watch a
// tty attach's input for them; the one that sees the sequence ends the attach, and the
// container keeps running. Bytes that may begin the sequence are held until it is clear.

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" → [0x10, 0x11] (moby/term ToBytes). */
export function parseDetachKeys(keys: string): Buffer {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/.exec(key);
    if (!m) throw new Error(`Unknown character: '${key}'`);
    const c = (m[1] as string).toLowerCase();
    if (c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 96);
    else if (c === '@') out.push(0);
    else if (c === '[') out.push(27);
    else if (c === '\\') out.push(28);
    else if (c === ']') out.push(29);
    else if (c === '^') out.push(30);
    else if (c === '_') out.push(31);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(out);
}

/**
 * The keys, or the default ones when the spec is not one: what an exec does with bad keys in
 * moby (it warns and goes on), and what the docker CLI leaves to the daemon to judge.
 */
export function detachKeysOrDefault(keys: string | undefined): Buffer {
  try {
    return parseDetachKeys(keys || DEFAULT_DETACH_KEYS);
  } catch {
    return parseDetachKeys(DEFAULT_DETACH_KEYS);
  }
}

/**
 * Watches stdin for the detach sequence. Bytes that could begin it are held back until it is
 * clear whether they do; on a mismatch they are released.
 */
export class EscapeDetector {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  /** Returns what to forward, and whether the whole sequence has now been seen. */
  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.subarray(0, this.matched));
        this.matched = 0;
        if (byte === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
