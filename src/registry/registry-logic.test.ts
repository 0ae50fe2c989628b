// Pure parts of the registry: names, references, pagination, byte ranges, manifest parsing.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RegistryError } from './errors.js';
import { MEDIA, parseManifest, referencedDigests } from './manifest.js';
import { checkDigest, isRepositoryName, parseReference } from './names.js';
import { paginate } from './pagination.js';
import { parseRange } from './range.js';
import { parseListenAddress } from './serve.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RegistryError, String(e));
    return e.code;
  }
  return 'none';
}

test('repository names follow the distribution grammar', () => {
  for (const ok of ['x', 'library/busybox', 'a.b_c__d-e---f/g', 'a/b/c/d', '0']) assert.ok(isRepositoryName(ok), ok);
  for (const bad of ['', 'X', '/x', 'x/', 'x//y', '_x', 'x/_layers', '.', '..', 'a/../b', 'x.', 'x-', 'a'.repeat(256)]) {
    assert.ok(!isRepositoryName(bad), bad);
  }
});

test('references: tags, sha256 digests, everything else refused', () => {
  assert.deepEqual(parseReference('latest'), { kind: 'tag', tag: 'latest' });
  assert.deepEqual(parseReference(D1), { kind: 'digest', digest: D1 });
  assert.equal(codeOf(() => parseReference('.hidden')), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseReference('a'.repeat(129))), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseReference('sha256:abc')), 'DIGEST_INVALID');
  assert.equal(codeOf(() => checkDigest(`sha512:${'a'.repeat(128)}`)), 'DIGEST_INVALID');
  assert.equal(codeOf(() => checkDigest(null)), 'DIGEST_INVALID');
  assert.equal(codeOf(() => checkDigest(`sha256:${'A'.repeat(64)}`)), 'DIGEST_INVALID');
});

test('pagination: n, last, Link to the next page', () => {
  const all = ['a', 'b', 'c', 'd', 'e'];
  const q = (s: string) => new URLSearchParams(s);
  assert.deepEqual(paginate(all, q(''), '/v2/_catalog'), { items: all });
  const p1 = paginate(all, q('n=2'), '/v2/_catalog');
  assert.deepEqual(p1.items, ['a', 'b']);
  assert.equal(p1.link, '</v2/_catalog?n=2&last=b>; rel="next"');
  assert.deepEqual(paginate(all, q('n=2&last=b'), '/v2/_catalog').items, ['c', 'd']);
  const last = paginate(all, q('n=2&last=d'), '/v2/_catalog');
  assert.deepEqual(last.items, ['e']);
  assert.equal(last.link, undefined);
  // Exactly filling the last page: no next link.
  assert.equal(paginate(all, q('n=5'), '/x').link, undefined);
  // `last` need not be an entry.
  assert.deepEqual(paginate(all, q('last=bb'), '/x').items, ['c', 'd', 'e']);
  assert.deepEqual(paginate(all, q('n=0'), '/x').items, []);
  assert.equal(codeOf(() => paginate(all, q('n=-1'), '/x')), 'PAGINATION_NUMBER_INVALID');
  assert.equal(codeOf(() => paginate(all, q('n=x'), '/x')), 'PAGINATION_NUMBER_INVALID');
});

test('byte ranges', () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=0-4', 10), { kind: 'partial', start: 0, end: 4 });
  assert.deepEqual(parseRange('bytes=5-', 10), { kind: 'partial', start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=5-100', 10), { kind: 'partial', start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { kind: 'partial', start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=-30', 10), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=10-', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=4-2', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-1,4-5', 10), { kind: 'full' });
  assert.deepEqual(parseRange('items=0-1', 10), { kind: 'full' });
});

const image = (mediaType?: string) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      ...(mediaType ? { mediaType } : {}),
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D1, size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D2, size: 3 }],
    }),
  );

test('manifests: media type from Content-Type, then the document, then its shape', () => {
  assert.equal(parseManifest(image(), MEDIA.ociManifest).mediaType, MEDIA.ociManifest);
  assert.equal(parseManifest(image(MEDIA.dockerManifest), 'application/json').mediaType, MEDIA.dockerManifest);
  assert.equal(parseManifest(image(), undefined).mediaType, MEDIA.ociManifest);
  assert.equal(parseManifest(image(MEDIA.dockerManifest), `${MEDIA.dockerManifest}; charset=utf-8`).mediaType, MEDIA.dockerManifest);
  const m = parseManifest(image(), MEDIA.ociManifest);
  assert.equal(m.kind, 'image');
  assert.deepEqual(
    m.references.map((d) => d.digest),
    [D1, D2],
  );
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, digest: D1, size: 5, platform: { os: 'linux', architecture: 'amd64' } }] }));
  const pi = parseManifest(index, undefined);
  assert.equal(pi.kind, 'index');
  assert.equal(pi.mediaType, MEDIA.ociIndex);
  assert.equal(parseManifest(index, MEDIA.dockerList).kind, 'index');
  assert.deepEqual(referencedDigests(index), [D1]);
  assert.deepEqual(referencedDigests(Buffer.from('not json')), []);
});

test('manifests refused: schema1, bad JSON, mismatched mediaType, missing parts', () => {
  assert.equal(codeOf(() => parseManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), MEDIA.dockerSchema1Signed)), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseManifest(Buffer.from('[1]'), MEDIA.ociManifest)), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseManifest(image(MEDIA.dockerManifest), MEDIA.ociManifest)), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseManifest(Buffer.from('{"schemaVersion":2,"config":{"digest":"x"},"layers":[]}'), MEDIA.ociManifest)), 'MANIFEST_INVALID');
  assert.equal(codeOf(() => parseManifest(Buffer.from('{"schemaVersion":2}'), MEDIA.ociIndex)), 'MANIFEST_INVALID');
});

test('listen addresses', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseListenAddress(':5000'), { host: undefined, port: 5000 });
  assert.deepEqual(parseListenAddress('5000'), { host: undefined, port: 5000 });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListenAddress('localhost'));
  assert.throws(() => parseListenAddress('x:70000'));
});
