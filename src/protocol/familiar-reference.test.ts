import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { familiarName, familiarRepository, tryParseReference } from './reference.js';

const familiar = (ref: string): string | undefined => {
  const parsed = tryParseReference(ref);
  return parsed ? familiarName(parsed) : undefined;
};

describe('tryParseReference and familiar forms', () => {
  it('normalizes Docker Hub names and shows them short', () => {
    assert.deepEqual(tryParseReference('nginx'), { domain: 'docker.io', path: 'library/nginx' });
    assert.equal(familiar('docker.io/library/nginx:latest'), 'nginx:latest');
    assert.equal(familiar('index.docker.io/library/nginx'), 'nginx');
    assert.equal(familiar('user/app:1.0'), 'user/app:1.0');
    assert.equal(familiar('docker.io/user/app'), 'user/app');
    assert.equal(familiar('docker.io/library/a/b'), 'library/a/b');
  });

  it('keeps registries, ports and digests', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    assert.equal(familiar('ghcr.io/org/app:v1'), 'ghcr.io/org/app:v1');
    assert.equal(familiar('localhost:5000/app'), 'localhost:5000/app');
    assert.equal(familiar('localhost/app'), 'localhost/app');
    assert.equal(familiar(`nginx@${digest}`), `nginx@${digest}`);
    assert.equal(familiar(`nginx:1.25@${digest}`), `nginx:1.25@${digest}`);
    const ref = tryParseReference(`registry.example.com:443/team/app:tag@${digest}`);
    assert.ok(ref);
    assert.equal(familiarRepository(ref), 'registry.example.com:443/team/app');
    assert.equal(ref.tag, 'tag');
    assert.equal(ref.digest, digest);
  });

  it('rejects what reference.ParseNormalizedNamed rejects', () => {
    assert.equal(familiar('Upper/case'), 'Upper/case'); // an upper-case first component is a registry
    assert.equal(tryParseReference('nginx:bad tag'), undefined);
    assert.equal(tryParseReference('a'.repeat(64)), undefined);
    assert.equal(tryParseReference('nginx@sha256:short'), undefined);
    assert.equal(tryParseReference('UPPER'), undefined);
    assert.equal(tryParseReference(''), undefined);
  });
});
