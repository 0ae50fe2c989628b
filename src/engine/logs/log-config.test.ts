import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BERTH_DEFAULT_LOG_CONFIG, detailsPrefix, logAttributes, logPolicy, mergeLogConfig, parseHumanSize } from './log-config.js';

test('the default driver is json-file with no options shown; the daemon\'s options merged in key by key', () => {
  assert.deepEqual(mergeLogConfig({ Type: '', Config: {} }, BERTH_DEFAULT_LOG_CONFIG), { Type: 'json-file', Config: {} });
  assert.deepEqual(mergeLogConfig(undefined, BERTH_DEFAULT_LOG_CONFIG).Type, 'json-file');
  assert.deepEqual(mergeLogConfig({ Type: 'json-file', Config: { 'max-size': '10k' } }, BERTH_DEFAULT_LOG_CONFIG).Config, { 'max-size': '10k' });
  // Another driver does not inherit json-file's options.
  assert.deepEqual(mergeLogConfig({ Type: 'local', Config: {} }, BERTH_DEFAULT_LOG_CONFIG), { Type: 'local', Config: {} });
});

test('policies and docker\'s refusals', () => {
  assert.deepEqual(logPolicy({ Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '3', compress: 'true' } }), { driver: 'json-file', maxSize: 10000, maxFile: 3, compress: true });
  // No size options: berth's built-in rotation (docker's json-file would grow without bound).
  assert.deepEqual(logPolicy({ Type: 'json-file', Config: {} }), { driver: 'json-file', maxSize: 20_000_000, maxFile: 5, compress: false });
  // max-size alone: docker's single file, no built-in count.
  assert.deepEqual(logPolicy({ Type: 'json-file', Config: { 'max-size': '1m' } }), { driver: 'json-file', maxSize: 1_000_000, maxFile: 1, compress: false });
  assert.deepEqual(logPolicy({ Type: 'local', Config: {} }), { driver: 'local', maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true });
  assert.throws(() => logPolicy({ Type: 'syslogd', Config: {} }), /no log driver named 'syslogd' is registered/);
  assert.throws(() => logPolicy({ Type: 'json-file', Config: { foo: '1' } }), /unknown log opt 'foo' for json-file log driver/);
  assert.throws(() => logPolicy({ Type: 'json-file', Config: { 'max-file': '0' } }), /max-file cannot be less than 1/);
  assert.throws(() => logPolicy({ Type: 'json-file', Config: { compress: 'true' } }), /compress cannot be true/);
  assert.throws(() => logPolicy({ Type: 'json-file', Config: { 'max-size': 'lots' } }), /invalid size/);
});

test('sizes are go-units FromHumanSize: decimal', () => {
  assert.equal(parseHumanSize('10k'), 10_000);
  assert.equal(parseHumanSize('20m'), 20_000_000);
  assert.equal(parseHumanSize('1.5GB'), 1_500_000_000);
  assert.equal(parseHumanSize('100'), 100);
});

test('line attributes are the labels and environment the options name, as moby\'s ExtraAttributes', () => {
  const config = { Type: 'json-file', Config: { labels: 'a,missing', 'labels-regex': '^com\\.', env: 'E,UNSET', 'env-regex': '^X_' } };
  const attrs = logAttributes(config, { a: '1', b: '2', 'com.x': 'y' }, ['E=e=v', 'NOVALUE', 'X_1=one', 'Y=2']);
  assert.deepEqual(attrs, { a: '1', 'com.x': 'y', E: 'e=v', X_1: 'one' });
  assert.deepEqual(logAttributes({ Type: 'json-file', Config: {} }, { a: '1' }, ['E=1']), {});
  // docker logs --details: sorted, url.QueryEscape'd, a space after; a bare space without attributes.
  assert.equal(detailsPrefix({ b: 'x y', a: 'é/&~' }), 'a=%C3%A9%2F%26~,b=x+y ');
  assert.equal(detailsPrefix({}), ' ');
  assert.throws(() => logPolicy({ Type: 'json-file', Config: { 'env-regex': '(' } }), /error parsing regexp in env-regex/);
});
