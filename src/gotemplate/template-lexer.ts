// The tokenizer of Go's text/template (package text/template/parse, lex.go), as of Go 1.23:
// trim markers "{{- " and " -}}", comments "{{/* */}}", newlines inside actions, = and :=,
// break/continue keywords.

import { formatUnicode } from './go-print.js';

export type TokenType =
  | 'error'
  | 'bool'
  | 'char' // a printable ASCII character; grab bag for comma etc.
  | 'charConstant'
  | 'complex'
  | 'assign' // =
  | 'declare' // :=
  | 'eof'
  | 'field' // .Alphanumeric
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable' // $ or $name
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Token {
  type: TokenType;
  pos: number; // offset in the template text (UTF-16 units)
  val: string;
  line: number;
}

const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ['.', 'dot'],
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['range', 'range'],
  ['nil', 'nil'],
  ['template', 'template'],
  ['with', 'with'],
]);

export function isKeyword(t: TokenType): boolean {
  return [...KEYWORDS.values()].includes(t);
}

/** Go's item.String(), used in "unexpected X in Y" messages. */
export function describeToken(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (isKeyword(t.type)) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return `${JSON.stringify(runes.slice(0, 10).join(''))}...`;
  return JSON.stringify(t.val);
}

const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const TRIM_MARKER_LEN = 2; // "-" plus the space before or after it

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
// ASCII first: V8 takes milliseconds to build a \p{…} class, a CLI's start pays it at the first
// test, and templates are nearly always ASCII.
const isAlphaNumeric = (c: string | undefined): boolean =>
  c !== undefined &&
  (c.charCodeAt(0) < 0x80 ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' : /^[\p{L}\p{Nd}_]$/u.test(c));
const hasLeftTrimMarker = (s: string): boolean => s[0] === '-' && isSpace(s[1]);
const hasRightTrimMarker = (s: string): boolean => isSpace(s[0]) && s[1] === '-';

/** Tokenizes a whole template; the last token is 'eof' or 'error'. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let done = false;

  const emit = (type: TokenType): void => {
    tokens.push({ type, pos: start, val: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line += countNewlines(input.slice(start, pos));
    start = pos;
    startLine = line;
  };
  const fail = (message: string): void => {
    tokens.push({ type: 'error', pos: start, val: message, line: startLine });
    done = true;
  };
  const next = (): string | undefined => {
    const ch = input[pos];
    if (ch !== undefined) {
      pos += 1;
      if (ch === '\n') line++;
    }
    return ch;
  };
  const backup = (): void => {
    pos -= 1;
    if (input[pos] === '\n') line--;
  };
  const peek = (): string | undefined => input[pos];
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (input.startsWith(RIGHT_DELIM, pos)) return { delim: true, trim: false };
    if (hasRightTrimMarker(input.slice(pos)) && input.startsWith(RIGHT_DELIM, pos + TRIM_MARKER_LEN)) {
      return { delim: true, trim: true };
    }
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const r = peek();
    return r === undefined || isSpace(r) || '.,|:)('.includes(r) || r === RIGHT_DELIM[0];
  };
  const emitText = (): void => {
    if (pos > start) {
      const from = start;
      const text = input.slice(start, pos);
      tokens.push({ type: 'text', pos: from, val: text, line: startLine });
      line = startLine + countNewlines(text);
      start = pos;
      startLine = line;
    }
  };

  const lexText = (): void => {
    const x = input.indexOf(LEFT_DELIM, pos);
    if (x < 0) {
      pos = input.length;
      emitText();
      emit('eof');
      done = true;
      return;
    }
    pos = x;
    let trimLength = 0;
    if (hasLeftTrimMarker(input.slice(x + LEFT_DELIM.length))) {
      const before = input.slice(start, pos);
      trimLength = before.length - before.replace(/[ \t\r\n]+$/, '').length;
    }
    pos -= trimLength;
    emitText();
    pos += trimLength;
    ignore();
    lexLeftDelim();
  };

  const lexLeftDelim = (): void => {
    pos += LEFT_DELIM.length;
    const trim = hasLeftTrimMarker(input.slice(pos));
    const afterMarker = trim ? TRIM_MARKER_LEN : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      lexComment();
      return;
    }
    emit('leftDelim');
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    lexInsideAction();
  };

  const lexComment = (): void => {
    pos += LEFT_COMMENT.length;
    const x = input.indexOf(RIGHT_COMMENT, pos);
    if (x < 0) return fail('unclosed comment');
    pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    if (trim) pos += TRIM_MARKER_LEN;
    pos += RIGHT_DELIM.length;
    if (trim) pos += leftTrimLength(input.slice(pos));
    ignore();
  };

  const lexRightDelim = (trim: boolean): void => {
    if (trim) {
      pos += TRIM_MARKER_LEN;
      ignore();
    }
    pos += RIGHT_DELIM.length;
    emit('rightDelim');
    if (trim) {
      pos += leftTrimLength(input.slice(pos));
      ignore();
    }
  };

  // Runs until the action's right delimiter (or an error).
  const lexInsideAction = (): void => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth === 0) return lexRightDelim(trim);
        return fail('unclosed left paren');
      }
      const r = next();
      if (r === undefined) return fail('unclosed action');
      if (isSpace(r)) {
        backup();
        if (lexSpace()) return lexRightDelim(true);
      } else if (r === '=') emit('assign');
      else if (r === ':') {
        if (next() !== '=') return fail('expected :=');
        emit('declare');
      } else if (r === '|') emit('pipe');
      else if (r === '"') {
        if (!lexQuote('"', 'unterminated quoted string')) return;
      } else if (r === '`') {
        if (!lexRawQuote()) return;
      } else if (r === '$') {
        if (!lexFieldOrVariable('variable')) return;
      } else if (r === "'") {
        if (!lexQuote("'", 'unterminated character constant')) return;
      } else if (r === '.' && !/[0-9]/.test(peek() ?? '')) {
        if (!lexFieldOrVariable('field')) return;
      } else if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
        backup();
        if (!lexNumber()) return;
      } else if (isAlphaNumeric(r)) {
        backup();
        if (!lexIdentifier()) return;
      } else if (r === '(') {
        parenDepth++;
        emit('leftParen');
      } else if (r === ')') {
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else if (r.charCodeAt(0) <= 0x7e && r >= ' ') {
        emit('char');
      } else {
        const full = String.fromCodePoint(input.codePointAt(pos - 1) ?? 0);
        return fail(`unrecognized character in action: ${formatUnicode(full)}`);
      }
    }
  };

  // Returns true when the spaces turned out to be the " -" of a trim-marked right delimiter.
  const lexSpace = (): boolean => {
    let numSpaces = 0;
    while (isSpace(peek())) {
      next();
      numSpaces++;
    }
    if (hasRightTrimMarker(input.slice(pos - 1)) && input.startsWith(RIGHT_DELIM, pos - 1 + TRIM_MARKER_LEN)) {
      backup(); // before the space
      if (numSpaces === 1) return true;
    }
    emit('space');
    return false;
  };

  const lexIdentifier = (): boolean => {
    while (isAlphaNumeric(peek())) next();
    const word = input.slice(start, pos);
    if (!atTerminator()) return badCharacter();
    const keyword = KEYWORDS.get(word);
    if (keyword !== undefined) emit(keyword);
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    while (isAlphaNumeric(peek())) next();
    if (!atTerminator()) return badCharacter();
    emit(type);
    return true;
  };

  const badCharacter = (): boolean => {
    const ch = String.fromCodePoint(input.codePointAt(pos) ?? 0);
    fail(`bad character ${formatUnicode(ch)}`);
    return false;
  };

  const lexQuote = (quote: string, unterminated: string): boolean => {
    for (;;) {
      const r = next();
      if (r === '\\') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        fail(unterminated);
        return false;
      }
      if (r === undefined || r === '\n') {
        fail(unterminated);
        return false;
      }
      if (r === quote) break;
    }
    emit(quote === '"' ? 'string' : 'charConstant');
    return true;
  };

  const lexRawQuote = (): boolean => {
    const x = input.indexOf('`', pos);
    if (x < 0) {
      fail('unterminated raw quoted string');
      return false;
    }
    while (pos <= x) next();
    emit('rawString');
    return true;
  };

  const lexNumber = (): boolean => {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]*|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(
      input.slice(pos),
    );
    let len = m ? m[0].length : 0;
    let type: TokenType = 'number';
    if (isAlphaNumeric(input[pos + len])) {
      pos += len + 1;
      fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      return false;
    }
    const sign = input[pos + len];
    if (sign === '+' || sign === '-') {
      // A complex constant "1+2i": no spaces, must end in 'i'.
      const imag = /^[+-][0-9_.eE+-]*i/.exec(input.slice(pos + len));
      if (!imag) {
        pos += len + 1;
        fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        return false;
      }
      len += imag[0].length;
      type = 'complex';
    }
    for (let i = 0; i < len; i++) next();
    emit(type);
    return true;
  };

  while (!done) lexText();
  return tokens;
}

function leftTrimLength(s: string): number {
  return s.length - s.replace(/^[ \t\r\n]+/, '').length;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}
