import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { alignColumns, DOCKER_TABLE, type TabwriterOptions } from './tabwriter.js';

const opts = (minwidth: number, tabwidth: number, padding: number, padchar: string, extra: Partial<TabwriterOptions> = {}): TabwriterOptions => ({
  minwidth,
  tabwidth,
  padding,
  padchar,
  ...extra,
});

// Vectors from Go's text/tabwriter tests (and docker/cli's copy of them).
describe('alignColumns (text/tabwriter)', () => {
  const cases: Array<[string, TabwriterOptions, string, string]> = [
    ['empty', opts(8, 0, 1, '.'), '', ''],
    ['newlines only', opts(8, 0, 1, '.'), '\n\n\n', '\n\n\n'],
    ['no tabs', opts(8, 0, 1, '.'), 'a\nb\nc', 'a\nb\nc'],
    ['a lone tab on the last line prints nothing', opts(8, 0, 1, '.'), '\t', ''],
    ['5', opts(8, 0, 1, '.'), '*\t*', '*.......*'],
    ['5b', opts(8, 0, 1, '.'), '*\t*\n', '*.......*\n'],
    ['5c: a trailing tab without newline does not align', opts(8, 0, 1, '.'), '*\t*\t', '*.......*'],
    ['5c debug', opts(8, 0, 1, '.', { debug: true }), '*\t*\t', '*.......|*'],
    ['5d', opts(8, 0, 1, '.', { alignRight: true }), '*\t*\t', '.......**'],
    ['6', opts(8, 0, 1, '.'), '\t\n', '........\n'],
    ['7b', opts(8, 0, 1, ' '), 'b) foo\tbar', 'b) foo  bar'],
    ['7c', opts(8, 0, 1, '.'), 'c) foo\tbar\t', 'c) foo..bar'],
    ['7d', opts(8, 0, 1, '.'), 'd) foo\tbar\n', 'd) foo..bar\n'],
    ['7e', opts(8, 0, 1, '.'), 'e) foo\tbar\t\n', 'e) foo..bar.....\n'],
    ['9a', opts(1, 0, 0, '.'), '1\t2\t3\t4\n11\t222\t3333\t44444\n', '1.2..3...4\n11222333344444\n'],
    ['9c: formfeed ends the column block', opts(1, 0, 0, '.'), '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1234\n11222333344444\n'],
    ['9c debug', opts(1, 0, 0, '.', { debug: true }), '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1|2|3|4\n---\n11|222|3333|44444\n'],
    ['10a', opts(5, 0, 0, '.'), '1\t2\t3\t4\n', '1....2....3....4\n'],
    ['10b', opts(5, 0, 0, '.'), '1\t2\t3\t4\t\n', '1....2....3....4....\n'],
    [
      '11: wide characters take two columns',
      opts(8, 0, 1, '.'),
      '本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n',
      '本......b.......c\naa......本本本..cccc....ddddd\naaa.....bbbb\n',
    ],
    [
      '12a',
      opts(8, 0, 1, ' ', { alignRight: true }),
      'a\tè\tc\t\naa\tèèè\tcccc\tddddd\t\naaa\tèèèè\t\n',
      '       a       è       c\n      aa     èèè    cccc   ddddd\n     aaa    èèèè\n',
    ],
    ['12b', opts(2, 0, 0, ' '), 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a  b  c\naa bbbcccc\naaabbbb\n'],
    [
      '13a',
      opts(4, 0, 1, '-'),
      '4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n',
    ],
    [
      '13b',
      opts(4, 0, 3, '.'),
      '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n',
    ],
    [
      '13c: padding with tabs',
      opts(8, 8, 1, '\t'),
      '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
      '4444\t\t333\t22\t1\t333\n999999999\t22\n7\t\t22\n\t\t\t\t88888888\n\n666666\t666666\t666666\t\t4444\n1\t1\t999999999\t0000000000\n',
    ],
    [
      '14',
      opts(1, 0, 2, ' ', { alignRight: true }),
      '.0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n.0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t',
      '    .0          .3    2.4    -5.1\n  23.0  12345678.9    2.4  -989.4\n   5.1        12.0    2.4    -7.0\n    .0         0.0  332.0  8908.0\n    .0         -.3  456.4    22.1\n    .0         1.2   44.4   -13.3',
    ],
    ['15a', opts(4, 0, 0, '.'), 'a\t\tb', 'a.......b'],
    ['15b: hard tabs keep empty columns', opts(4, 0, 0, '.', { discardEmptyColumns: true }), 'a\t\tb', 'a.......b'],
    ['15c: soft tabs drop them', opts(4, 0, 0, '.', { discardEmptyColumns: true }), 'a\v\vb', 'a...b'],
    ['15d', opts(4, 0, 0, '.', { alignRight: true, discardEmptyColumns: true }), 'a\v\vb', '...ab'],
    [
      '16b',
      opts(100, 100, 0, '\t', { discardEmptyColumns: true }),
      'a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n',
      'a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
    ],
  ];
  for (const [name, options, input, expected] of cases) {
    it(name, () => assert.equal(alignColumns(input, options), expected));
  }

  it("aligns like docker's tables: min width 10, padding 3", () => {
    const input = 'CONTAINER ID\tIMAGE\tNAMES\nabc\tubuntu:22.04\tweb\n';
    assert.equal(alignColumns(input, DOCKER_TABLE), 'CONTAINER ID   IMAGE          NAMES\nabc            ubuntu:22.04   web\n');
  });
});
