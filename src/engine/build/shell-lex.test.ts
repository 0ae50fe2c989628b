import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processWord, processWords, rawWords, SubstitutionError } from './shell-lex.js';

const env = new Map([['A', 'one'], ['EMPTY', ''], ['SP', 'a b']]);

describe('shell-lex', () => {
  it('substitutes $VAR and ${VAR}, leaves unknown names empty', () => {
    assert.equal(processWord('$A-${A}x$NOPE', env), 'one-onex');
    assert.equal(processWord('cost $5', env), 'cost $5');
  });
  it('applies the modifiers', () => {
    assert.equal(processWord('${NOPE:-def}', env), 'def');
    assert.equal(processWord('${EMPTY:-def}', env), 'def');
    assert.equal(processWord('${EMPTY-def}', env), '');
    assert.equal(processWord('${A:+alt}', env), 'alt');
    assert.equal(processWord('${EMPTY:+alt}', env), '');
    assert.equal(processWord('${EMPTY+alt}', env), 'alt');
    assert.equal(processWord('${NOPE:-$A}', env), 'one');
    assert.throws(() => processWord('${NOPE:?must be set}', env), SubstitutionError);
    assert.throws(() => processWord('${A', env), /missing '}'/);
  });
  it('removes quotes; single quotes stop substitution; escapes', () => {
    assert.equal(processWord(`"$A b" '$A' \\$A`, env), `one b $A $A`);
    assert.equal(processWord('"a\\"b\\n"', env), 'a"b\\n');
    assert.equal(processWord('a`$A', env, '`'), 'a$A');
  });
  it('splits words at unquoted whitespace', () => {
    assert.deepEqual(processWords(`a "b c"  $SP d\\ e`, env), ['a', 'b c', 'a b', 'd e']);
    assert.deepEqual(processWords('   ', env), []);
  });
  it('keeps quotes in raw words', () => {
    assert.deepEqual(rawWords(`A=1 B="two words" C='x y' D=a\\ b`), ['A=1', 'B="two words"', `C='x y'`, 'D=a\\ b']);
  });
});
