import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  familiarName,
  familiarRepository,
  isValidTag,
  normalizeReference,
  parseAnyReference,
  parseReference,
} from './reference.js';

const HEX = 'a'.repeat(64);

describe('reference', () => {
  it('normalizes as docker does', () => {
    const cases: [string, string][] = [
      ['busybox', 'docker.io/library/busybox:latest'],
      ['busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['library/busybox', 'docker.io/library/busybox:latest'],
      ['docker.io/busybox', 'docker.io/library/busybox:latest'],
      ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
      ['user/app', 'docker.io/user/app:latest'],
      ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
      ['127.0.0.1:5000/app:1', '127.0.0.1:5000/app:1'],
      ['localhost/app', 'localhost/app:latest'],
      ['localhost:5000/a/b/c:v1.2_3-x', 'localhost:5000/a/b/c:v1.2_3-x'],
      ['quay.io/org/app', 'quay.io/org/app:latest'],
      ['[::1]:5000/app', '[::1]:5000/app:latest'],
      ['a__b/c.d-e--f', 'docker.io/a__b/c.d-e--f:latest'],
      [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`],
      [`busybox:1@sha256:${HEX}`, `docker.io/library/busybox:1@sha256:${HEX}`],
    ];
    for (const [input, want] of cases) assert.equal(normalizeReference(input), want, input);
  });

  it('prints references back as docker does', () => {
    assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiarName('busybox'), 'busybox');
    assert.equal(familiarName('docker.io/user/app:2'), 'user/app:2');
    assert.equal(familiarName('127.0.0.1:5000/app:1'), '127.0.0.1:5000/app:1');
    assert.equal(familiarName('docker.io/library/a/b:1'), 'library/a/b:1');
    assert.equal(familiarName(`docker.io/library/busybox@sha256:${HEX}`), `busybox@sha256:${HEX}`);
    assert.equal(familiarRepository(parseReference('localhost/app:3')), 'localhost/app');
  });

  it('splits the registry only when the first component looks like a host', () => {
    assert.deepEqual(parseReference('foo/bar'), { domain: 'docker.io', path: 'foo/bar' });
    assert.deepEqual(parseReference('foo.com/bar'), { domain: 'foo.com', path: 'bar' });
    assert.deepEqual(parseReference('Foo.com/bar:T'), { domain: 'Foo.com', path: 'bar', tag: 'T' });
    assert.deepEqual(parseReference('foo:80/bar'), { domain: 'foo:80', path: 'bar' });
  });

  it('refuses what docker refuses, with its words', () => {
    assert.throws(() => parseReference('Busybox'), { message: 'invalid reference format: repository name (library/Busybox) must be lowercase' });
    assert.throws(() => parseReference('127.0.0.1:5000/App'), { message: 'invalid reference format: repository name (App) must be lowercase' });
    assert.throws(() => parseReference(HEX), { message: `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings` });
    for (const bad of ['', 'busybox:', 'bu$ybox', 'busybox::1', 'a/-b', '-x', 'busybox:-tag', 'busybox@sha256:123', 'a//b', `busybox:${'t'.repeat(129)}`]) {
      assert.throws(() => parseReference(bad), /invalid reference format|invalid checksum/, JSON.stringify(bad));
    }
    assert.throws(() => parseReference(`a/${'b'.repeat(260)}`), /must not be more than 255 characters/);
    assert.throws(() => parseReference(`busybox@sha256:${'A'.repeat(64)}`), /invalid checksum digest format/);
    assert.throws(() => parseReference(`busybox@md5:${'a'.repeat(32)}`), /unsupported digest algorithm/);
  });

  it('tells IDs from names', () => {
    assert.deepEqual(parseAnyReference(HEX), { kind: 'id', id: `sha256:${HEX}` });
    assert.deepEqual(parseAnyReference(`sha256:${HEX}`), { kind: 'id', id: `sha256:${HEX}` });
    assert.equal(parseAnyReference('abc123').kind, 'named');
    assert.ok(isValidTag('v1.0_rc-1'));
    assert.ok(!isValidTag('.hidden'));
    assert.ok(!isValidTag(''));
  });
});
