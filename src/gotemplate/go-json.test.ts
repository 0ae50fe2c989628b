import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { GO_MARSHAL_JSON, JSONMarshalError, marshalGoJSON } from './go-json.js';

const plain = { escapeHTML: false };
const html = { escapeHTML: true };

describe('marshalGoJSON (encoding/json)', () => {
  it('writes compact JSON without a trailing newline', () => {
    assert.equal(marshalGoJSON({ a: [1, 'x', null, true], b: {} }, plain), '{"a":[1,"x",null,true],"b":{}}');
  });

  it('keeps the key order of plain objects (structs) and sorts Map keys (Go maps)', () => {
    assert.equal(marshalGoJSON({ b: 1, a: 2 }, plain), '{"b":1,"a":2}');
    assert.equal(marshalGoJSON(new Map([['b', 1], ['a', 2]]), plain), '{"a":2,"b":1}');
  });

  it('escapes <, > and & only when asked, as json.Marshal does', () => {
    assert.equal(marshalGoJSON('<a&b>', html), '"\\u003ca\\u0026b\\u003e"');
    assert.equal(marshalGoJSON('<a&b>', plain), '"<a&b>"');
  });

  it("escapes strings as Go 1.22+ does", () => {
    assert.equal(marshalGoJSON('q"\\\n\r\t\b\f', plain), '"q\\"\\\\\\n\\r\\t\\b\\f"');
    assert.equal(marshalGoJSON('\x01\x1f\x7f', plain), '"\\u0001\\u001f\x7f"');
    assert.equal(marshalGoJSON('\u2028\u2029', plain), '"\\u2028\\u2029"');
    assert.equal(marshalGoJSON('\ud800', plain), '"\\ufffd"');
    assert.equal(marshalGoJSON('日本', plain), '"日本"');
  });

  it('prints numbers as Go float64s', () => {
    assert.equal(marshalGoJSON([1, 1.5, 1e21, 1e-7, 0.000001, -0], plain), '[1,1.5,1e+21,1e-7,0.000001,0]');
    assert.throws(() => marshalGoJSON(NaN, plain), JSONMarshalError);
  });

  it('uses a value\'s own marshaler, unchanged', () => {
    const v = { [GO_MARSHAL_JSON]: (): string => '{"X":"\\u003c"}' };
    assert.equal(marshalGoJSON([v], plain), '[{"X":"\\u003c"}]');
  });

  it('skips undefined properties and marshals Dates as RFC 3339', () => {
    assert.equal(marshalGoJSON({ a: undefined, b: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600)) }, plain), '{"b":"2024-01-02T03:04:05.6Z"}');
  });

  it('refuses functions as Go refuses func values', () => {
    assert.throws(() => marshalGoJSON({ f: () => 1 }, plain), /json: unsupported type: func/);
  });
});
