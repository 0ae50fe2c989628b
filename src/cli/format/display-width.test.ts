import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { displayWidth, ellipsis } from './display-width.js';

describe('displayWidth (go-runewidth)', () => {
  it('counts wide characters twice and marks not at all', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('日本語'), 6);
    assert.equal(displayWidth('ｆｕｌｌ'), 8);
    assert.equal(displayWidth('è'), 1);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('🐳'), 2);
    assert.equal(displayWidth(''), 0);
  });
});

describe('ellipsis (formatter.Ellipsis)', () => {
  // Vectors from docker/cli's displayutils_test.go.
  const cases: Array<[string, number, string]> = [
    ['', 0, ''],
    ['', 1, ''],
    ['a', 1, 'a'],
    ['ab', 1, 'a'],
    ['abc', 1, 'a'],
    ['abc', 2, 'a…'],
    ['abc', 3, 'abc'],
    ['abcdef', 4, 'abc…'],
    ['你好', 1, '你'],
    ['你好', 2, '…'],
    ['你好', 3, '你…'],
    ['你好', 4, '你好'],
    ['你好世界', 6, '你好…'],
    ['hello你好', 7, 'hello…'],
    ['sh -c \'sleep 1000\' and more', 20, "sh -c 'sleep 1000' …"],
    ['t🐳ststring', 0, ''],
    ['t🐳ststring', 1, 't'],
    ['t🐳ststring', 2, 't…'],
    ['t🐳ststring', 6, 't🐳st…'],
    ['t🐳ststring', 20, 't🐳ststring'],
    ['你好世界teststring', 1, '你'],
    ['你好世界teststring', 3, '你…'],
    ['你好世界teststring', 6, '你好…'],
    ['你好世界teststring', 20, '你好世界teststring'],
  ];
  for (const [s, width, expected] of cases) it(`${JSON.stringify(s)} in ${width}`, () => assert.equal(ellipsis(s, width), expected));
});
