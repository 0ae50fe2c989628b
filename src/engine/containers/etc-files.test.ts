import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedDnsResolvConf, resolvConf, hostsFile, ownHostNames } from './etc-files.js';

const host = 'search corp.example\nnameserver 127.0.0.53\nnameserver 192.0.2.1\noptions edns0 trust-ad\n';

test('a copy of the host\'s resolv.conf drops loopback nameservers (unreachable from a container)', () => {
  assert.equal(resolvConf(host, [], [], []), 'search corp.example\nnameserver 192.0.2.1\noptions edns0 trust-ad\n');
  assert.equal(resolvConf(host, ['10.0.0.53'], ['a.example'], ['ndots:2']), 'search a.example\nnameserver 10.0.0.53\noptions ndots:2\n');
});

test('on a user-defined network: the embedded DNS at 127.0.0.11 and ndots:0 unless an ndots is given, as docker\'s', () => {
  assert.equal(embeddedDnsResolvConf(host, [], []), 'search corp.example\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n');
  assert.equal(embeddedDnsResolvConf(host, [], ['ndots:3']), 'search corp.example\nnameserver 127.0.0.11\noptions ndots:3\n');
  assert.equal(embeddedDnsResolvConf('', ['x.example'], []), 'search x.example\nnameserver 127.0.0.11\noptions ndots:0\n');
  // The container's own --dns-option list is read, never changed.
  const mine = ['timeout:2'];
  assert.equal(embeddedDnsResolvConf(host, [], mine), 'search corp.example\nnameserver 127.0.0.11\noptions timeout:2 ndots:0\n');
  assert.deepEqual(mine, ['timeout:2']);
});

test('the container\'s own hosts line names its FQDN and then its bare hostname, as libnetwork', () => {
  assert.equal(ownHostNames('web'), 'web');
  assert.equal(ownHostNames('web', 'example.com'), 'web.example.com web');
  assert.equal(ownHostNames('a.b.c'), 'a.b.c a');
  assert.match(hostsFile(ownHostNames('web', 'example.com'), '10.0.0.2', []), /\n10\.0\.0\.2\tweb\.example\.com web\n$/);
});
