import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeToken, lex } from './template-lexer.js';

const tokens = (text: string): string[] => lex(text).map((t) => `${t.type}:${t.val}`);

describe('lex (text/template/parse lexer)', () => {
  it('splits text and actions into tokens', () => {
    assert.deepEqual(tokens('a {{.X.Y | printf "%s" $v}}'), [
      'text:a ',
      'leftDelim:{{',
      'field:.X',
      'field:.Y',
      'space: ',
      'pipe:|',
      'space: ',
      'identifier:printf',
      'space: ',
      'string:"%s"',
      'space: ',
      'variable:$v',
      'rightDelim:}}',
      'eof:',
    ]);
  });

  it('recognizes keywords, literals, declarations and assignments', () => {
    assert.deepEqual(tokens('{{range $i, $e := .}}{{$x = nil}}{{end}}').filter((t) => !t.startsWith('space')), [
      'leftDelim:{{',
      'range:range',
      'variable:$i',
      'char:,',
      'variable:$e',
      'declare::=',
      'dot:.',
      'rightDelim:}}',
      'leftDelim:{{',
      'variable:$x',
      'assign:=',
      'nil:nil',
      'rightDelim:}}',
      'leftDelim:{{',
      'end:end',
      'rightDelim:}}',
      'eof:',
    ]);
    assert.deepEqual(tokens("{{true 1.5e3 -2 'x' `r`}}").filter((t) => !t.startsWith('space')), [
      'leftDelim:{{',
      'bool:true',
      'number:1.5e3',
      'number:-2',
      "charConstant:'x'",
      'rawString:`r`',
      'rightDelim:}}',
      'eof:',
    ]);
  });

  it('trims around trim markers and drops comments', () => {
    assert.deepEqual(tokens('a \n {{- .X -}} \n b'), ['text:a', 'leftDelim:{{', 'field:.X', 'rightDelim:}}', 'text:b', 'eof:']);
    assert.deepEqual(tokens('a {{- /* c */ -}} b'), ['text:a', 'text:b', 'eof:']);
    assert.deepEqual(tokens('{{-3}}'), ['leftDelim:{{', 'number:-3', 'rightDelim:}}', 'eof:']);
  });

  it('tracks line numbers across text, actions and comments', () => {
    const lines = lex('a\nb{{/* x\ny */}}\n{{.X}}').map((t) => `${t.type}@${t.line}`);
    assert.deepEqual(lines, ['text@1', 'text@3', 'leftDelim@4', 'field@4', 'rightDelim@4', 'eof@4']);
  });

  it('ends with an error token on bad input', () => {
    assert.deepEqual(tokens('{{"unterminated}}').slice(-1), ['error:unterminated quoted string']);
    assert.deepEqual(tokens('{{.X').slice(-1), ['error:unclosed action']);
    assert.deepEqual(tokens('{{€}}').slice(-1), ["error:unrecognized character in action: U+20AC '€'"]);
  });

  it('describes tokens as Go does in parse errors', () => {
    const [, field] = lex('{{.X}}');
    assert.ok(field);
    assert.equal(describeToken(field), '".X"');
    const end = lex('{{end}}')[1];
    assert.ok(end);
    assert.equal(describeToken(end), '<end>');
    const long = lex('text that is rather long{{')[0];
    assert.ok(long);
    assert.equal(describeToken(long), '"text that "...');
  });
});
