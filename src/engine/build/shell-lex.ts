// Dockerfile word processing, as BuildKit's frontend/dockerfile/shell/lex.go does it for the
// instructions that take variables (FROM, COPY, ADD, ENV, ARG, LABEL, EXPOSE, USER, VOLUME,
// WORKDIR, STOPSIGNAL, ONBUILD's flags): quotes are removed, the escape character escapes, and
// $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg}, ${VAR?msg} are
// substituted (nothing inside single quotes). Hand-written: no npm package implements these rules,
// and RUN/CMD/ENTRYPOINT are left to the container's own shell.

export type Env = ReadonlyMap<string, string>;

export class SubstitutionError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  private i = 0;
  constructor(private readonly s: string, private readonly env: Env, private readonly escape: string) {}

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  private next(): string {
    return this.s[this.i++] ?? '';
  }

  private get done(): boolean {
    return this.i >= this.s.length;
  }

  /**
   * Words of the input: unquoted whitespace separates them. With `split` false the whole input
   * is one word (whitespace kept), as ProcessWord does.
   */
  words(split: boolean): string[] {
    const out: string[] = [];
    let cur = '';
    let inWord = false;
    while (!this.done) {
      const c = this.peek();
      if (split && /\s/.test(c)) {
        this.i++;
        if (inWord) out.push(cur);
        cur = '';
        inWord = false;
        continue;
      }
      inWord = true;
      if (c === this.escape) {
        this.i++;
        if (this.done) {
          cur += c;
          break;
        }
        cur += this.next();
      } else if (c === "'") {
        this.i++;
        cur += this.singleQuoted();
      } else if (c === '"') {
        this.i++;
        cur += this.doubleQuoted();
      } else if (c === '$') {
        this.i++;
        cur += this.dollar();
      } else {
        cur += this.next();
      }
    }
    if (inWord || !split) out.push(cur);
    return out;
  }

  private singleQuoted(): string {
    let out = '';
    while (!this.done) {
      const c = this.next();
      if (c === "'") return out;
      out += c;
    }
    throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
  }

  private doubleQuoted(): string {
    let out = '';
    while (!this.done) {
      const c = this.next();
      if (c === '"') return out;
      if (c === this.escape) {
        const n = this.peek();
        // Inside double quotes the escape character only escapes ", $ and itself.
        if (n === '"' || n === '$' || n === this.escape) {
          out += this.next();
          continue;
        }
        out += c;
        continue;
      }
      if (c === '$') {
        out += this.dollar();
        continue;
      }
      out += c;
    }
    throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
  }

  /** After a "$": a variable, a ${…} expression, or a literal "$". */
  private dollar(): string {
    const c = this.peek();
    if (c === '{') {
      this.i++;
      return this.braced();
    }
    if (NAME_START.test(c)) {
      let name = '';
      while (!this.done && NAME_CHAR.test(this.peek())) name += this.next();
      return this.env.get(name) ?? '';
    }
    return '$';
  }

  private braced(): string {
    let name = '';
    while (!this.done && NAME_CHAR.test(this.peek())) name += this.next();
    if (name === '') throw new SubstitutionError(`missing ':' in substitution`);
    const c = this.next();
    if (c === '') throw new SubstitutionError(`syntax error: missing '}'`);
    if (c === '}') return this.env.get(name) ?? '';
    let op = c;
    if (c === ':') op += this.next();
    if (![':-', '-', ':+', '+', ':?', '?'].includes(op)) {
      throw new SubstitutionError(`unsupported modifier (${op}) in substitution`);
    }
    const word = this.untilBrace();
    const value = this.env.get(name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-': return nonEmpty ? value : word;
      case '-': return set ? value : word;
      case ':+': return nonEmpty ? word : '';
      case '+': return set ? word : '';
      case ':?': if (!nonEmpty) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be empty'}`); return value;
      default: if (!set) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be unset'}`); return value!;
    }
  }

  /** The word of ${VAR:-word}, itself processed, up to the matching "}". */
  private untilBrace(): string {
    let out = '';
    while (!this.done) {
      const c = this.peek();
      if (c === '}') {
        this.i++;
        return out;
      }
      if (c === this.escape) {
        this.i++;
        out += this.next();
      } else if (c === "'") {
        this.i++;
        out += this.singleQuoted();
      } else if (c === '"') {
        this.i++;
        out += this.doubleQuoted();
      } else if (c === '$') {
        this.i++;
        out += this.dollar();
      } else out += this.next();
    }
    throw new SubstitutionError(`syntax error: missing '}'`);
  }
}

/** One word: quotes removed, variables substituted, whitespace kept (ProcessWord). */
export function processWord(s: string, env: Env, escape = '\\'): string {
  return new Lexer(s, env, escape).words(false)[0] ?? '';
}

/** Several words split at unquoted whitespace, each processed (ProcessWords). */
export function processWords(s: string, env: Env, escape = '\\'): string[] {
  return new Lexer(s, env, escape).words(true);
}

/**
 * Splits an instruction's arguments into raw words at unquoted whitespace, quotes and escapes
 * kept (BuildKit's parseWords), for key=value instructions to process each value afterwards.
 */
export function rawWords(s: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === '' && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    if (c === escape && quote !== "'" && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (quote === '' && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = '';
    cur += c;
  }
  if (cur) out.push(cur);
  return out;
}
