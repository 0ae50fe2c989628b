// berth's registry server (`berth registry serve`), driven by third-party clients: skopeo pushes
// and pulls images, Debian's docker-registry (distribution 2.8) is the reference whose content
// must round-trip byte for byte, and raw HTTP checks what the spec says about headers, ranges,
// pagination and errors. No berthd is needed except for `berthd --registry` at the end.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { BERTH, busyboxRootfsTar, freePorts, startDaemon, type RunResult } from './harness.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

const work = mkdtempSync(path.join(tmpdir(), 'bt-registry-'));
const children: ChildProcess[] = [];

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function ok(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const skopeo = (args: string[]) => ok('skopeo', ['--insecure-policy', ...args]);

interface Layout {
  dir: string;
  manifest: string;
  config: string;
  layers: string[];
}

/** An OCI image layout with gzip layers (the first is berth's busybox rootfs when asked). */
async function makeLayout(name: string, layerData: Buffer[]): Promise<Layout> {
  const dir = path.join(work, name);
  await fs.mkdir(path.join(dir, 'blobs/sha256'), { recursive: true });
  const put = async (b: Buffer) => {
    const d = sha(b);
    await fs.writeFile(path.join(dir, 'blobs/sha256', d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const layers = [];
  for (const raw of layerData) layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await put(gzipSync(raw))) });
  const config = await put(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layerData.map(sha) } })),
  );
  const manifest = await put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })),
  );
  await fs.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }),
  );
  await fs.writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { dir, manifest: manifest.digest, config: config.digest, layers: layers.map((l) => l.digest) };
}

interface Registry {
  host: string;
  root: string;
  proc: ChildProcess;
  url(p: string): string;
}

async function startBerthRegistry(extra: string[] = [], tls = false): Promise<Registry> {
  const root = mkdtempSync(path.join(work, 'root-'));
  const proc = spawn(BERTH, ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', root, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const host = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`registry did not start: ${err}`)), 10_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on https?:\/\/(\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`registry exited ${code}: ${err}`)));
  });
  return { host, root, proc, url: (p) => `${tls ? 'https' : 'http'}://${host}${p}` };
}

async function startDockerRegistry(): Promise<Registry> {
  const root = mkdtempSync(path.join(work, 'dreg-'));
  const port = await freePorts(1, '127.0.0.1');
  const config = path.join(root, 'config.yml');
  await fs.writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const proc = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  children.push(proc);
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (i > 200) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, root, proc, url: (p) => `http://${host}${p}` };
}

async function stopChild(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

/** All blob files of a berth registry root. */
async function blobFiles(root: string): Promise<string[]> {
  return (await fs.readdir(path.join(root, 'blobs/sha256')).catch(() => [] as string[])).map((h) => `sha256:${h}`);
}

let busybox: Layout;
let reg: Registry;

before(async () => {
  busybox = await makeLayout('busybox', [readFileSync(busyboxRootfsTar())]);
  reg = await startBerthRegistry();
});

after(async () => {
  for (const c of children) await stopChild(c);
  await fs.rm(work, { recursive: true, force: true });
});

test('/v2/ answers with the API version header, unknown things with spec errors', async () => {
  const r = await fetch(reg.url('/v2/'));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const tags = await fetch(reg.url('/v2/nothing/here/tags/list'));
  assert.equal(tags.status, 404);
  assert.equal(((await tags.json()) as { errors: { code: string }[] }).errors[0]!.code, 'NAME_UNKNOWN');
  const bad = await fetch(reg.url('/v2/UPPER/tags/list'));
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { errors: { code: string }[] }).errors[0]!.code, 'NAME_INVALID');
  const m = await fetch(reg.url(`/v2/nothing/manifests/latest`));
  assert.equal(m.status, 404);
  assert.equal(((await m.json()) as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_UNKNOWN');
});

test('skopeo copies an image in and out unchanged; inspect sees it', async () => {
  await skopeo(['copy', '--dest-tls-verify=false', `oci:${busybox.dir}:latest`, `docker://${reg.host}/library/busybox:1`]);
  const info = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/library/busybox:1`])) as { Digest: string; Layers: string[]; Architecture: string; RepoTags: string[] };
  assert.equal(info.Digest, busybox.manifest);
  assert.deepEqual(info.Layers, busybox.layers);
  assert.deepEqual(info.RepoTags, ['1']);
  const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/busybox:1`]);
  assert.equal(sha(raw), busybox.manifest);
  const head = await fetch(reg.url(`/v2/library/busybox/manifests/1`), { method: 'HEAD' });
  assert.equal(head.headers.get('content-type'), OCI_MANIFEST);
  assert.equal(head.headers.get('docker-content-digest'), busybox.manifest);
  const out = path.join(work, 'out-oci');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/library/busybox:1`, `oci:${out}:x`]);
  for (const d of [busybox.manifest, busybox.config, ...busybox.layers]) {
    assert.equal(sha(readFileSync(path.join(out, 'blobs/sha256', d.slice(7)))), d);
  }
  // And the other way round, through docker-archive (Docker schema2 on the way in).
  const archive = path.join(work, 'bb.tar');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/library/busybox:1`, `docker-archive:${archive}:busybox:1`]);
  await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/from-archive:1`]);
  const v2 = await fetch(reg.url('/v2/from-archive/manifests/1'), { method: 'HEAD' });
  assert.equal(v2.status, 200);
  assert.equal(v2.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
});

test("docker-registry's content goes through berth's registry and back byte-identical", async () => {
  const dreg = await startDockerRegistry();
  // Docker schema2 in the reference registry (skopeo converts from OCI on the way in).
  await skopeo(['copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${busybox.dir}:latest`, `docker://${dreg.host}/src/bb:v2`]);
  await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests', `docker://${dreg.host}/src/bb:v2`, `docker://${reg.host}/mirror/bb:v2`]);
  await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests', `docker://${reg.host}/mirror/bb:v2`, `docker://${dreg.host}/back/bb:v2`]);
  const manifests = await Promise.all(
    [dreg.url('/v2/src/bb/manifests/v2'), reg.url('/v2/mirror/bb/manifests/v2'), dreg.url('/v2/back/bb/manifests/v2')].map(async (u) => {
      const r = await fetch(u, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
      assert.equal(r.status, 200, u);
      return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type'), digest: r.headers.get('docker-content-digest') };
    }),
  );
  assert.equal(manifests[0]!.type, 'application/vnd.docker.distribution.manifest.v2+json');
  for (const m of manifests.slice(1)) {
    assert.ok(m.body.equals(manifests[0]!.body));
    assert.equal(m.type, manifests[0]!.type);
    assert.equal(m.digest, manifests[0]!.digest);
  }
  const doc = JSON.parse(manifests[0]!.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const a = Buffer.from(await (await fetch(dreg.url(`/v2/src/bb/blobs/${d}`))).arrayBuffer());
    const b = Buffer.from(await (await fetch(reg.url(`/v2/mirror/bb/blobs/${d}`))).arrayBuffer());
    assert.equal(sha(a), d);
    assert.ok(a.equals(b), d);
  }
  await stopChild(dreg.proc);
});

test('tags and catalog paginate with Link headers', async () => {
  const body = readFileSync(path.join(busybox.dir, 'blobs/sha256', busybox.manifest.slice(7)));
  for (const t of ['c', 'a', 'e', 'b', 'd']) {
    const r = await fetch(reg.url(`/v2/pages/manifests/${t}`), { method: 'PUT', body, headers: { 'Content-Type': OCI_MANIFEST } });
    // The blobs are not in this repository yet: refused until they are mounted.
    if (t === 'c') {
      assert.equal(r.status, 400);
      const e = (await r.json()) as { errors: { code: string; detail: { digest: string } }[] };
      assert.deepEqual(e.errors.map((x) => x.code), ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
      for (const d of [busybox.config, ...busybox.layers]) {
        const m = await fetch(reg.url(`/v2/pages/blobs/uploads/?mount=${d}&from=library/busybox`), { method: 'POST' });
        assert.equal(m.status, 201);
        assert.equal(m.headers.get('location'), `/v2/pages/blobs/${d}`);
      }
      const again = await fetch(reg.url(`/v2/pages/manifests/${t}`), { method: 'PUT', body, headers: { 'Content-Type': OCI_MANIFEST } });
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('docker-content-digest'), busybox.manifest);
    } else {
      assert.equal(r.status, 201);
    }
  }
  const p1 = await fetch(reg.url('/v2/pages/tags/list?n=2'));
  assert.deepEqual(await p1.json(), { name: 'pages', tags: ['a', 'b'] });
  const link = p1.headers.get('link')!;
  assert.match(link, /^<\/v2\/pages\/tags\/list\?n=2&last=b>; rel="next"$/);
  const p2 = await fetch(reg.url(link.slice(1, link.indexOf('>'))));
  assert.deepEqual(((await p2.json()) as { tags: string[] }).tags, ['c', 'd']);
  const p3 = await fetch(reg.url('/v2/pages/tags/list?n=2&last=d'));
  assert.deepEqual(((await p3.json()) as { tags: string[] }).tags, ['e']);
  assert.equal(p3.headers.get('link'), null);
  const all = (await (await fetch(reg.url('/v2/_catalog'))).json()) as { repositories: string[] };
  assert.ok(['library/busybox', 'pages'].every((r) => all.repositories.includes(r)), JSON.stringify(all));
  assert.deepEqual([...all.repositories].sort(), all.repositories);
  const c1 = await fetch(reg.url('/v2/_catalog?n=1'));
  assert.deepEqual(((await c1.json()) as { repositories: string[] }).repositories, [all.repositories[0]]);
  assert.match(c1.headers.get('link')!, /rel="next"/);
  const c2 = await fetch(reg.url(`/v2/_catalog?n=100&last=${encodeURIComponent(all.repositories[0]!)}`));
  assert.deepEqual(((await c2.json()) as { repositories: string[] }).repositories, all.repositories.slice(1));
  // A cross-repository mount from where the blob is not: a plain upload starts instead.
  const fallback = await fetch(reg.url(`/v2/pages/blobs/uploads/?mount=${busybox.config}&from=nothing`), { method: 'POST' });
  assert.equal(fallback.status, 202);
  assert.match(fallback.headers.get('location')!, /^\/v2\/pages\/blobs\/uploads\/[0-9a-f-]{36}$/);
  assert.equal(fallback.headers.get('docker-upload-uuid'), fallback.headers.get('location')!.split('/').pop());
  assert.equal((await fetch(reg.url(fallback.headers.get('location')!), { method: 'DELETE' })).status, 204);
});

test('blobs: ranges, HEAD, chunked uploads with Range and status', async () => {
  const layer = busybox.layers[0]!;
  const whole = readFileSync(path.join(busybox.dir, 'blobs/sha256', layer.slice(7)));
  const head = await fetch(reg.url(`/v2/library/busybox/blobs/${layer}`), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(whole.length));
  assert.equal(head.headers.get('docker-content-digest'), layer);
  const part = await fetch(reg.url(`/v2/library/busybox/blobs/${layer}`), { headers: { Range: 'bytes=100-1123' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-1123/${whole.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 1124)));
  const tail = await fetch(reg.url(`/v2/library/busybox/blobs/${layer}`), { headers: { Range: 'bytes=-10' } });
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(whole.length - 10)));
  const beyond = await fetch(reg.url(`/v2/library/busybox/blobs/${layer}`), { headers: { Range: `bytes=${whole.length}-` } });
  assert.equal(beyond.status, 416);
  await beyond.arrayBuffer();
  // A blob is visible only in repositories it was pushed or mounted to.
  assert.equal((await fetch(reg.url(`/v2/elsewhere/blobs/${layer}`), { method: 'HEAD' })).status, 404);

  // Chunked upload: POST, two PATCHes with Content-Range, a status GET, PUT ?digest=.
  const data = randomBytes(300_000);
  const start = await fetch(reg.url('/v2/chunks/blobs/uploads/'), { method: 'POST' });
  assert.equal(start.status, 202);
  assert.equal(start.headers.get('range'), '0-0');
  const loc = start.headers.get('location')!;
  const p1 = await fetch(reg.url(loc), { method: 'PATCH', body: data.subarray(0, 100_000), headers: { 'Content-Range': '0-99999', 'Content-Type': 'application/octet-stream' } });
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.get('range'), '0-99999');
  const outOfOrder = await fetch(reg.url(loc), { method: 'PATCH', body: data.subarray(200_000), headers: { 'Content-Range': '200000-299999' } });
  assert.equal(outOfOrder.status, 416);
  assert.equal(((await outOfOrder.json()) as { errors: { code: string }[] }).errors[0]!.code, 'RANGE_INVALID');
  const p2 = await fetch(reg.url(p1.headers.get('location')!), { method: 'PATCH', body: data.subarray(100_000, 200_000), headers: { 'Content-Range': '100000-199999' } });
  assert.equal(p2.headers.get('range'), '0-199999');
  const status = await fetch(reg.url(loc));
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-199999');
  const done = await fetch(reg.url(`${loc}?digest=${sha(data)}`), { method: 'PUT', body: data.subarray(200_000) });
  assert.equal(done.status, 201);
  assert.equal(done.headers.get('docker-content-digest'), sha(data));
  const back = Buffer.from(await (await fetch(reg.url(`/v2/chunks/blobs/${sha(data)}`))).arrayBuffer());
  assert.ok(back.equals(data));
  // The session is over.
  assert.equal((await fetch(reg.url(loc))).status, 404);

  // Blob DELETE unlinks it from the repository.
  assert.equal((await fetch(reg.url(`/v2/chunks/blobs/${sha(data)}`), { method: 'DELETE' })).status, 202);
  assert.equal((await fetch(reg.url(`/v2/chunks/blobs/${sha(data)}`), { method: 'HEAD' })).status, 404);
});

test('content that does not match its digest is refused and nothing is stored', async () => {
  const data = randomBytes(50_000);
  const wrong = sha('something else');
  const before = await blobFiles(reg.root);
  const mono = await fetch(reg.url(`/v2/bad/blobs/uploads/?digest=${wrong}`), { method: 'POST', body: data });
  assert.equal(mono.status, 400);
  assert.equal(((await mono.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');
  const start = await fetch(reg.url('/v2/bad/blobs/uploads/'), { method: 'POST' });
  const loc = start.headers.get('location')!;
  await (await fetch(reg.url(loc), { method: 'PATCH', body: data })).arrayBuffer();
  const put = await fetch(reg.url(`${loc}?digest=${wrong}`), { method: 'PUT' });
  assert.equal(put.status, 400);
  assert.equal(((await put.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');
  assert.deepEqual(await blobFiles(reg.root), before);
  assert.deepEqual(await fs.readdir(path.join(reg.root, 'uploads')), []);
  assert.equal((await fetch(reg.url(`/v2/bad/blobs/${sha(data)}`), { method: 'HEAD' })).status, 404);
  // Bytes claiming the digest of a blob the registry already holds are still checked.
  const layer = busybox.layers[0]!;
  const layerFile = path.join(reg.root, 'blobs/sha256', layer.slice(7));
  const inode = statSync(layerFile).ino;
  const fake = await fetch(reg.url(`/v2/bad/blobs/uploads/?digest=${layer}`), { method: 'POST', body: data });
  assert.equal(fake.status, 400);
  assert.equal(((await fake.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');
  assert.equal((await fetch(reg.url(`/v2/bad/blobs/${layer}`), { method: 'HEAD' })).status, 404);
  // The right bytes link the blob in without replacing it.
  const real = readFileSync(path.join(busybox.dir, 'blobs/sha256', layer.slice(7)));
  assert.equal((await fetch(reg.url(`/v2/bad/blobs/uploads/?digest=${layer}`), { method: 'POST', body: real })).status, 201);
  assert.equal(statSync(layerFile).ino, inode);
  assert.equal((await fetch(reg.url(`/v2/bad/blobs/${layer}`), { method: 'DELETE' })).status, 202);
  // A client that goes away in the middle of a chunk: the session ends and its temp file goes.
  const s2 = await fetch(reg.url('/v2/bad/blobs/uploads/'), { method: 'POST' });
  const loc2 = s2.headers.get('location')!;
  const [h, p] = reg.host.split(':');
  const sock = connect(Number(p), h!);
  await new Promise((r) => sock.once('connect', r));
  sock.write(`PATCH ${loc2} HTTP/1.1\r\nHost: ${reg.host}\r\nContent-Length: 1000000\r\n\r\n`);
  sock.write(randomBytes(100_000));
  await new Promise((r) => setTimeout(r, 200));
  sock.destroy();
  for (let i = 0; i < 50 && (await fs.readdir(path.join(reg.root, 'uploads'))).length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await fs.readdir(path.join(reg.root, 'uploads')), []);
  assert.equal((await fetch(reg.url(loc2))).status, 404);
  assert.deepEqual(await blobFiles(reg.root), before);
  // A manifest pushed by digest must hash to it.
  const body = readFileSync(path.join(busybox.dir, 'blobs/sha256', busybox.manifest.slice(7)));
  const r = await fetch(reg.url(`/v2/library/busybox/manifests/${wrong}`), { method: 'PUT', body, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');
});

test('concurrent pushes of the same blobs all succeed; gc keeps every referenced blob and removes orphans', async () => {
  const extra = await makeLayout('extra', [readFileSync(busyboxRootfsTar()), randomBytes(2_000_000)]);
  const r = await startBerthRegistry();
  await Promise.all(
    [0, 1, 2, 3].map((i) => skopeo(['copy', '--dest-tls-verify=false', `oci:${extra.dir}:latest`, `docker://${r.host}/${i % 2 ? 'same' : `repo${i}`}:t${i}`])),
  );
  const referenced = [extra.manifest, extra.config, ...extra.layers].sort();
  assert.deepEqual((await blobFiles(r.root)).sort(), referenced);
  // An orphan: a blob pushed to a repository that no manifest references.
  const orphan = randomBytes(10_000);
  assert.equal((await fetch(r.url(`/v2/orphans/blobs/uploads/?digest=${sha(orphan)}`), { method: 'POST', body: orphan })).status, 201);
  // An index over the image: gc follows it to the manifest and its blobs.
  const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: extra.manifest, size: statSync(path.join(extra.dir, 'blobs/sha256', extra.manifest.slice(7))).size, platform: { os: 'linux', architecture: 'amd64' } }] });
  assert.equal((await fetch(r.url('/v2/same/manifests/multi'), { method: 'PUT', body: index, headers: { 'Content-Type': OCI_INDEX } })).status, 201);
  const unknownChild = index.replace(extra.manifest.slice(7), 'f'.repeat(64));
  const refused = await fetch(r.url('/v2/same/manifests/bad'), { method: 'PUT', body: unknownChild, headers: { 'Content-Type': OCI_INDEX } });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_BLOB_UNKNOWN');

  // With the default delay, the fresh orphan is kept (it could be a push in progress).
  const young = await ok(BERTH, ['registry', 'gc', '--root', r.root]);
  assert.match(young, /, 0 removed/);
  const dry = await ok(BERTH, ['registry', 'gc', '--root', r.root, '--delay', '0', '--dry-run']);
  assert.match(dry, new RegExp(`would remove ${sha(orphan)}`));
  assert.ok((await blobFiles(r.root)).includes(sha(orphan)));
  const gc = await ok(BERTH, ['registry', 'gc', '--root', r.root, '--delay', '0']);
  assert.match(gc, new RegExp(`^removed ${sha(orphan)}$`, 'm'));
  assert.equal(gc.match(/^removed /gm)?.length, 1, gc);
  const indexDigest = sha(index);
  assert.deepEqual((await blobFiles(r.root)).sort(), [...referenced, indexDigest].sort());

  // Delete the image manifest everywhere but under the index: still referenced through it.
  for (const repo of ['repo0', 'repo2']) {
    assert.equal((await fetch(r.url(`/v2/${repo}/manifests/${extra.manifest}`), { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(r.url(`/v2/${repo}/manifests/t${repo.slice(4)}`))).status, 404);
  }
  assert.equal((await fetch(r.url(`/v2/same/manifests/t1`), { method: 'DELETE' })).status, 202);
  await ok(BERTH, ['registry', 'gc', '--root', r.root, '--delay', '0']);
  assert.deepEqual((await blobFiles(r.root)).sort(), [...referenced, indexDigest].sort());
  const out = path.join(work, 'gc-out');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${r.host}/same@${extra.manifest}`, `oci:${out}:x`]);
  // Once nothing references the image, gc removes all of it.
  assert.equal((await fetch(r.url(`/v2/same/manifests/${indexDigest}`), { method: 'DELETE' })).status, 202);
  assert.equal((await fetch(r.url(`/v2/same/manifests/${extra.manifest}`), { method: 'DELETE' })).status, 202);
  await ok(BERTH, ['registry', 'gc', '--root', r.root, '--delay', '0']);
  assert.deepEqual(await blobFiles(r.root), []);
  assert.equal((await fetch(r.url(`/v2/same/blobs/${extra.config}`), { method: 'HEAD' })).status, 404);
  await stopChild(r.proc);
});

test('htpasswd: no or wrong credentials get 401 with a Basic challenge, right ones push', async () => {
  const file = path.join(work, 'htpasswd');
  // As `htpasswd -B` writes it ($2y$).
  await fs.writeFile(file, `alice:${bcrypt.hashSync('s3cret', 5).replace(/^\$2b\$/, '$2y$')}\n`);
  const r = await startBerthRegistry(['--htpasswd', file]);
  const anon = await fetch(r.url('/v2/'));
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate')!, /^Basic realm="/);
  assert.equal(((await anon.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
  const wrong = await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', 'alice:nope', `oci:${busybox.dir}:latest`, `docker://${r.host}/bb:1`]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /unauthorized|authentication required/i);
  await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${busybox.dir}:latest`, `docker://${r.host}/bb:1`]);
  const auth = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
  const tags = await fetch(r.url('/v2/bb/tags/list'), { headers: { Authorization: auth } });
  assert.deepEqual(await tags.json(), { name: 'bb', tags: ['1'] });
  await stopChild(r.proc);
});

test('TLS: skopeo pushes and inspects over HTTPS', async () => {
  const key = path.join(work, 'tls.key');
  const cert = path.join(work, 'tls.crt');
  await ok('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const r = await startBerthRegistry(['--tls-cert', cert, '--tls-key', key], true);
  const certDir = path.join(work, 'certs');
  await fs.mkdir(certDir, { recursive: true });
  await fs.copyFile(cert, path.join(certDir, 'ca.crt'));
  await skopeo(['copy', '--dest-cert-dir', certDir, `oci:${busybox.dir}:latest`, `docker://${r.host}/tls/bb:1`]);
  const info = JSON.parse(await skopeo(['inspect', '--cert-dir', certDir, `docker://${r.host}/tls/bb:1`])) as { Digest: string };
  assert.equal(info.Digest, busybox.manifest);
  await stopChild(r.proc);
});

test('berthd --registry serves from the data root and links blobs berthd already holds; berth push → rmi → pull round trips', async () => {
  const port = await freePorts(1, '127.0.0.1');
  const d = await startDaemon('registry', ['--registry', `127.0.0.1:${port}`]);
  try {
    const host = `127.0.0.1:${port}`;
    assert.equal((await fetch(`http://${host}/v2/`)).headers.get('docker-distribution-api-version'), 'registry/2.0');
    const archive = path.join(work, 'saved.tar');
    const saved = await d.berth(['save', '-o', archive, 'busybox']);
    assert.equal(saved.code, 0, saved.stderr);
    await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/saved:1`]);
    const id = (await d.api('GET', '/images/busybox/json')).json<{ Id: string }>().Id;
    // The image config is already in berthd's content store: the registry's copy is a hard link.
    const mine = statSync(path.join(d.dataRoot, 'registry/blobs/sha256', id.slice(7)));
    const berthds = statSync(path.join(d.dataRoot, 'image/blobs/sha256', id.slice(7)));
    assert.equal(mine.ino, berthds.ino);
    const info = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${host}/saved:1`])) as { Digest: string };
    assert.match(info.Digest, /^sha256:/);

    // berth push → rmi → pull, against the daemon's own registry and against `berth registry serve`.
    for (const target of [host, reg.host]) {
      const ref = `${target}/roundtrip/bb:1`;
      const ok = async (args: string[]) => {
        const r = await d.berth(args);
        assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      await ok(['tag', 'busybox', ref]);
      const pushed = await ok(['push', ref]);
      const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed)?.[1];
      assert.ok(digest, pushed);
      const head = await fetch(`http://${target}/v2/roundtrip/bb/manifests/1`, { method: 'HEAD' });
      assert.equal(head.headers.get('docker-content-digest'), digest);
      await ok(['rmi', ref]);
      // The pull must fetch the layer again: no image of that name is left, and busybox goes too.
      await ok(['rmi', 'busybox']);
      await ok(['pull', ref]);
      assert.equal((await d.api('GET', `/images/${encodeURIComponent(ref)}/json`)).json<{ Id: string }>().Id, id);
      assert.equal((await ok(['run', '--rm', ref, 'echo', 'round trip'])).trim(), 'round trip');
      await ok(['tag', ref, 'busybox']);
      await ok(['rmi', ref]);
    }
    // docker search against berth's registry: it serves Docker Hub's /v1/search (distribution's
    // registry has none), and berthd applies docker's --filter to what it finds.
    const found = await d.docker(['search', `${reg.host}/roundtrip`]);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\s*$/m);
    assert.match(found.stdout, new RegExp(`^${reg.host.replace(/\./g, '\\.')}/roundtrip/bb\\s+0\\s*$`, 'm'));
    const rows = async (filter: string) => (await d.dockerOk(['search', '--filter', filter, `${reg.host}/roundtrip`])).trim().split('\n').length - 1;
    assert.equal(await rows('stars=0'), 1);
    assert.equal(await rows('stars=1'), 0);
    assert.equal(await rows('is-official=true'), 0);
    assert.equal(await rows('is-official=false'), 1);
    const bad = await d.docker(['search', '--filter', 'popular=yes', `${reg.host}/roundtrip`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid filter 'popular'/);
    const own = await d.berth(['search', '--filter', 'is-official=true', `${reg.host}/roundtrip`]);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout.trim().split('\n').length, 1, own.stdout);
    assert.equal((await d.berth(['search', `${reg.host}/nothing-like-it`])).stdout.trim().split('\n').length, 1);

    // berth login against an htpasswd-protected `berth registry serve`, then push.
    const file = path.join(work, 'htpasswd-login');
    await fs.writeFile(file, `bob:${bcrypt.hashSync('pw-bob', 5).replace(/^\$2b\$/, '$2y$')}\n`);
    const locked = await startBerthRegistry(['--htpasswd', file]);
    const lockedRef = `${locked.host}/private/bb:1`;
    assert.equal((await d.berth(['tag', 'busybox', lockedRef])).code, 0);
    const denied = await d.berth(['push', lockedRef]);
    assert.notEqual(denied.code, 0);
    const wrong = await d.berth(['login', '-u', 'bob', '--password-stdin', locked.host], 'nope\n');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|incorrect/i);
    const login = await d.berth(['login', '-u', 'bob', '--password-stdin', locked.host], 'pw-bob\n');
    assert.equal(login.code, 0, login.stderr);
    const pushed = await d.berth(['push', lockedRef]);
    assert.equal(pushed.code, 0, pushed.stderr);
    await stopChild(locked.proc);

    // The docker CLI through berthd, by digest.
    const ref = `${host}/roundtrip/bb`;
    const digest = (await fetch(`http://${host}/v2/roundtrip/bb/manifests/1`, { method: 'HEAD' })).headers.get('docker-content-digest');
    await d.dockerOk(['pull', `${ref}@${digest}`]);
    assert.equal((await d.dockerOk(['image', 'inspect', '-f', '{{.Id}}', `${ref}@${digest}`])).trim(), id);
  } finally {
    assert.deepEqual(await d.stop(), []);
  }
});

test('OCI 1.1 referrers: a manifest with a subject is listed under it, filterable by artifactType', async () => {
  const repo = 'refs/demo';
  const empty = Buffer.from('{}');
  const sig = Buffer.from('signature bytes');
  for (const b of [empty, sig]) {
    assert.equal((await fetch(reg.url(`/v2/${repo}/blobs/uploads/?digest=${sha(b)}`), { method: 'POST', body: b })).status, 201);
  }
  // The subject need not exist: a signature may be pushed before what it signs.
  const subject = { mediaType: OCI_MANIFEST, digest: busybox.manifest, size: 500 };
  const artifact = (type: string, note: string) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: type,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha(sig), size: sig.length }],
      subject,
      annotations: { note },
    });
  const a = artifact('application/vnd.example.sig', 'one');
  const b = artifact('application/vnd.example.sbom', 'two');
  for (const m of [a, b]) {
    const r = await fetch(reg.url(`/v2/${repo}/manifests/${sha(m)}`), { method: 'PUT', body: m, headers: { 'Content-Type': OCI_MANIFEST } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('oci-subject'), busybox.manifest);
  }
  const all = await fetch(reg.url(`/v2/${repo}/referrers/${busybox.manifest}`));
  assert.equal(all.status, 200);
  assert.equal(all.headers.get('content-type'), OCI_INDEX);
  const idx = (await all.json()) as { manifests: { digest: string; artifactType: string; annotations: Record<string, string>; size: number }[] };
  assert.deepEqual(idx.manifests.map((m) => m.digest).sort(), [sha(a), sha(b)].sort());
  const one = idx.manifests.find((m) => m.digest === sha(a))!;
  assert.deepEqual([one.artifactType, one.annotations, one.size], ['application/vnd.example.sig', { note: 'one' }, Buffer.byteLength(a)]);
  const filtered = await fetch(reg.url(`/v2/${repo}/referrers/${busybox.manifest}?artifactType=application/vnd.example.sbom`));
  assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual(((await filtered.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), [sha(b)]);
  const none = await fetch(reg.url(`/v2/${repo}/referrers/${sha('nothing')}`));
  assert.equal(none.status, 200);
  assert.deepEqual(((await none.json()) as { manifests: unknown[] }).manifests, []);
  // Deleting a referrer takes it out of the listing.
  assert.equal((await fetch(reg.url(`/v2/${repo}/manifests/${sha(a)}`), { method: 'DELETE' })).status, 202);
  const after = (await (await fetch(reg.url(`/v2/${repo}/referrers/${busybox.manifest}`))).json()) as { manifests: { digest: string }[] };
  assert.deepEqual(after.manifests.map((m) => m.digest), [sha(b)]);
});
