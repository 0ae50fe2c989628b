import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAuthHeader, parseChallenges } from './auth.js';
import { DEFAULT_REGISTRY_OPTIONS, endpointsFor, isInsecure, isLoopback } from './endpoints.js';
import { RegistryBlockedError } from './errors.js';
import { parseManifest, parsePlatform, pickManifest, type ManifestIndex } from './manifest.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('registry endpoints', () => {
  it('speaks plain HTTP to loopback only, TLS elsewhere unless insecure', () => {
    for (const d of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', 'localhost', '[::1]:5000', 'reg.localhost']) assert.ok(isLoopback(d), d);
    for (const d of ['10.0.0.1:5000', 'example.com', '128.0.0.1']) assert.ok(!isLoopback(d), d);
    assert.deepEqual(endpointsFor('127.0.0.1:5000', DEFAULT_REGISTRY_OPTIONS).map((e) => e.base), ['http://127.0.0.1:5000']);
    assert.deepEqual(endpointsFor('reg.example:443', DEFAULT_REGISTRY_OPTIONS).map((e) => e.base), ['https://reg.example:443']);
    const opts = { ...DEFAULT_REGISTRY_OPTIONS, insecureRegistries: ['reg.example:5000', '10.1.0.0/16'] };
    assert.ok(isInsecure('reg.example:5000', opts));
    assert.ok(isInsecure('10.1.2.3:80', opts));
    assert.ok(!isInsecure('10.2.0.1:80', opts));
    assert.deepEqual(endpointsFor('reg.example:5000', opts).map((e) => `${e.base}${e.skipVerify ? ' (no verify)' : ''}`), ['https://reg.example:5000 (no verify)', 'http://reg.example:5000']);
  });

  it('tries mirrors before Docker Hub, and never a blocked registry', () => {
    const opts = { ...DEFAULT_REGISTRY_OPTIONS, mirrors: ['http://127.0.0.1:5001/'] };
    assert.deepEqual(endpointsFor('docker.io', opts).map((e) => e.base), ['http://127.0.0.1:5001', 'https://registry-1.docker.io']);
    assert.throws(() => endpointsFor('docker.io', { ...opts, blockedRegistries: ['docker.io'] }), RegistryBlockedError);
  });
});

describe('registry auth', () => {
  it('parses WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
    assert.deepEqual(parseChallenges('Basic realm="berth"'), [{ scheme: 'basic', params: { realm: 'berth' } }]);
    assert.deepEqual(parseChallenges('Negotiate abc'), []);
  });

  it('decodes X-Registry-Auth as the docker CLI sends it (base64url JSON)', () => {
    const h = Buffer.from(JSON.stringify({ username: 'u', password: 'p?>', serveraddress: 'r:5000' })).toString('base64url');
    assert.deepEqual(decodeAuthHeader(h), { username: 'u', password: 'p?>', serveraddress: 'r:5000', auth: undefined, email: undefined, identitytoken: undefined, registrytoken: undefined });
    assert.deepEqual(decodeAuthHeader('e30='), { username: undefined, password: undefined, auth: undefined, email: undefined, serveraddress: undefined, identitytoken: undefined, registrytoken: undefined });
    const fromAuth = decodeAuthHeader(Buffer.from(JSON.stringify({ auth: Buffer.from('a:b:c').toString('base64') })).toString('base64'));
    assert.equal(fromAuth.username, 'a');
    assert.equal(fromAuth.password, 'b:c');
    assert.throws(() => decodeAuthHeader('!!!not-json'));
  });
});

describe('manifests', () => {
  it('parses schema2 / OCI manifests and indexes, refusing bad ones', () => {
    const m = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'x', digest: D('a'), size: 3 }, layers: [{ mediaType: 'y', digest: D('b'), size: 9 }] })));
    assert.equal(m.kind, 'manifest');
    const i = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: D('c'), size: 1, platform: { os: 'linux', architecture: 'amd64' } }] })), 'application/vnd.oci.image.index.v1+json');
    assert.equal(i.kind, 'index');
    assert.throws(() => parseManifest(Buffer.from('{')), /not JSON/);
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 1 }))), /schema 1/);
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:zz', size: 1 }, layers: [] }))), /invalid digest/);
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: D('a'), size: -1 }, layers: [] }))), /invalid size/);
  });

  it('picks the platform as containerd does', () => {
    const index: ManifestIndex = {
      kind: 'index',
      mediaType: '',
      manifests: [
        { mediaType: '', digest: D('1'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
        { mediaType: '', digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: '', digest: D('3'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: '', digest: D('4'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    assert.equal(pickManifest(index, parsePlatform('linux/amd64'))?.digest, D('4'));
    assert.equal(pickManifest(index, parsePlatform('linux/arm64'))?.digest, D('3'));
    assert.equal(pickManifest(index, parsePlatform('linux/arm64/v8'))?.digest, D('3'));
    assert.equal(pickManifest(index, parsePlatform('linux/arm/v7'))?.digest, D('2'));
    assert.equal(pickManifest(index, parsePlatform('linux/arm/v6')), undefined);
    assert.equal(pickManifest(index, parsePlatform('x86_64'))?.digest, D('4'));
    assert.throws(() => parsePlatform('linux//'));
  });
});
