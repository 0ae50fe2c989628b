// The registry's storage: blobs in berth's content-addressed layout (storage/content-store.ts,
// <root>/blobs/sha256/<hex>) and, per repository, small link files saying what belongs to it,
// as distribution keeps them (one file per link, so concurrent pushes never rewrite a shared
// document):
//   repositories/<name>/_layers/<hex>      a blob linked into the repository
//   repositories/<name>/_manifests/<hex>   a manifest revision: {"mediaType": …}
//   repositories/<name>/_tags/<tag>        the digest the tag points at
//   repositories/<name>/_referrers/<subject hex>/<hex>   OCI 1.1: a manifest naming a subject
// Link files are written atomically (storage/atomic-file.ts). Blob bytes arrive in temp files
// (uploads.ts) and are adopted here only once their digest is verified.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ContentStore } from '../storage/content-store.js';
import { syncDir, writeFileAtomic } from '../storage/atomic-file.js';
import { registryError } from './errors.js';
import { parseManifest, referrerDescriptor, type ReferrerDescriptor } from './manifest.js';
import { byteOrder } from './pagination.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface RegistryStoreOptions {
  /** Another content store (berthd's) whose blobs are hard-linked rather than stored again. */
  seed?: ContentStore;
}

const hexOf = (digest: string): string => digest.slice(digest.indexOf(':') + 1);

export class RegistryStore {
  readonly repoDir: string;
  readonly uploadDir: string;

  private constructor(
    readonly root: string,
    readonly blobs: ContentStore,
    private readonly seed: ContentStore | undefined,
  ) {
    this.repoDir = path.join(root, 'repositories');
    this.uploadDir = path.join(root, 'uploads');
  }

  static async open(root: string, o: RegistryStoreOptions = {}): Promise<RegistryStore> {
    const blobs = await ContentStore.open(root);
    const s = new RegistryStore(root, blobs, o.seed);
    await fs.mkdir(s.repoDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(s.uploadDir, { recursive: true, mode: 0o700 });
    return s;
  }

  private dir(repo: string, kind: '_layers' | '_manifests' | '_tags' | '_referrers'): string {
    return path.join(this.repoDir, ...repo.split('/'), kind);
  }

  // ---- blobs ----

  /**
   * Puts a verified temp file in place as blob `digest`. When the store already has it the temp
   * file is dropped; when the seed store has it the seed's file is hard-linked, so bytes berthd
   * already holds are not kept twice. Concurrent adoptions of one digest are harmless: rename
   * replaces a file by one with the same bytes.
   */
  async adopt(tmp: string, digest: string): Promise<void> {
    if (await this.adoptExisting(digest)) {
      await fs.rm(tmp, { force: true });
      return;
    }
    const dest = this.blobs.path(digest);
    await fs.rename(tmp, dest);
    await syncDir(path.dirname(dest));
  }

  /** Whether the store or the seed store holds `digest` (then an upload need not keep its bytes). */
  async hasAnywhere(digest: string): Promise<boolean> {
    return (await this.blobs.has(digest)) || ((await this.seed?.has(digest)) ?? false);
  }

  /**
   * Makes `digest` present in the store from what is already on disk: true when it was there or
   * could be hard-linked from the seed store; false when its bytes must come from an upload.
   */
  async adoptExisting(digest: string): Promise<boolean> {
    if (await this.blobs.has(digest)) return true;
    if (!this.seed || !(await this.seed.has(digest))) return false;
    const dest = this.blobs.path(digest);
    try {
      await fs.link(this.seed.path(digest), dest);
      await syncDir(path.dirname(dest));
      return true;
    } catch (e) {
      // EEXIST: a concurrent upload placed it. Else another file system (EXDEV) or a seed blob
      // removed meanwhile: the upload keeps its own copy.
      return (e as NodeJS.ErrnoException).code === 'EEXIST';
    }
  }

  /** Size of a blob linked into `repo`; BLOB_UNKNOWN otherwise. */
  async blobSize(repo: string, digest: string): Promise<number> {
    if (!(await exists(path.join(this.dir(repo, '_layers'), hexOf(digest))))) throw registryError('BLOB_UNKNOWN', { digest });
    try {
      return (await fs.stat(this.blobs.path(digest))).size;
    } catch {
      throw registryError('BLOB_UNKNOWN', { digest });
    }
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return this.blobSize(repo, digest).then(
      () => true,
      () => false,
    );
  }

  async linkBlob(repo: string, digest: string): Promise<void> {
    const file = path.join(this.dir(repo, '_layers'), hexOf(digest));
    if (await exists(file)) {
      // Refresh the link's time: gc's grace period counts from the last push that used it.
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      return;
    }
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, digest);
  }

  /** Returns whether the blob was linked. The bytes stay until gc finds nothing uses them. */
  async unlinkBlob(repo: string, digest: string): Promise<boolean> {
    return fs.unlink(path.join(this.dir(repo, '_layers'), hexOf(digest))).then(
      () => true,
      () => false,
    );
  }

  // ---- manifests and tags ----

  /** Stores a manifest's bytes as a blob and links it (and the tag, if any) into `repo`. */
  async putManifest(repo: string, digest: string, mediaType: string, body: Buffer, tag?: string): Promise<void> {
    if (!(await this.blobs.has(digest))) {
      const tmp = path.join(this.uploadDir, `manifest-${hexOf(digest)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
      const fh = await fs.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.adopt(tmp, digest);
    }
    const rev = path.join(this.dir(repo, '_manifests'), hexOf(digest));
    await fs.mkdir(path.dirname(rev), { recursive: true, mode: 0o700 });
    await writeFileAtomic(rev, JSON.stringify({ mediaType }));
    if (tag !== undefined) {
      const t = path.join(this.dir(repo, '_tags'), tag);
      await fs.mkdir(path.dirname(t), { recursive: true, mode: 0o700 });
      await writeFileAtomic(t, digest);
    }
    const parsed = subjectOf(body, mediaType);
    if (parsed) {
      const f = path.join(this.dir(repo, '_referrers'), hexOf(parsed.subject), hexOf(digest));
      await fs.mkdir(path.dirname(f), { recursive: true, mode: 0o700 });
      await writeFileAtomic(f, JSON.stringify(referrerDescriptor(parsed.manifest, digest, body.length)));
    }
  }

  /** OCI 1.1 referrers of `subject` in `repo` (the subject itself need not exist). */
  async listReferrers(repo: string, subject: string): Promise<ReferrerDescriptor[]> {
    const dir = path.join(this.dir(repo, '_referrers'), hexOf(subject));
    const out: ReferrerDescriptor[] = [];
    for (const n of (await fs.readdir(dir).catch(() => [] as string[])).sort(byteOrder)) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      const d = await fs.readFile(path.join(dir, n), 'utf8').then((t) => JSON.parse(t) as ReferrerDescriptor, () => undefined);
      if (d) out.push(d);
    }
    return out;
  }

  /** The digest a tag points at, or MANIFEST_UNKNOWN. */
  async resolveTag(repo: string, tag: string): Promise<string> {
    try {
      return (await fs.readFile(path.join(this.dir(repo, '_tags'), tag), 'utf8')).trim();
    } catch {
      throw registryError('MANIFEST_UNKNOWN', { tag }, `manifest unknown: ${repo}:${tag}`);
    }
  }

  async hasManifest(repo: string, digest: string): Promise<boolean> {
    return exists(path.join(this.dir(repo, '_manifests'), hexOf(digest)));
  }

  async getManifest(repo: string, digest: string): Promise<StoredManifest> {
    let mediaType: string;
    try {
      mediaType = (JSON.parse(await fs.readFile(path.join(this.dir(repo, '_manifests'), hexOf(digest)), 'utf8')) as { mediaType: string }).mediaType;
    } catch {
      throw registryError('MANIFEST_UNKNOWN', { digest }, `manifest unknown: ${repo}@${digest}`);
    }
    const body = await this.blobs.get(digest).catch(() => {
      throw registryError('MANIFEST_UNKNOWN', { digest }, `manifest unknown: ${repo}@${digest}`);
    });
    return { digest, mediaType, body };
  }

  /** Removes a manifest revision and every tag that points at it. */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const body = await this.blobs.get(digest).catch(() => undefined);
    const parsed = body && subjectOf(body, undefined);
    if (parsed) await fs.rm(path.join(this.dir(repo, '_referrers'), hexOf(parsed.subject), hexOf(digest)), { force: true });
    try {
      await fs.unlink(path.join(this.dir(repo, '_manifests'), hexOf(digest)));
    } catch {
      throw registryError('MANIFEST_UNKNOWN', { digest }, `manifest unknown: ${repo}@${digest}`);
    }
    for (const tag of await this.listTagsRaw(repo)) {
      const target = await this.resolveTag(repo, tag).catch(() => '');
      if (target === digest) await fs.rm(path.join(this.dir(repo, '_tags'), tag), { force: true });
    }
  }

  async deleteTag(repo: string, tag: string): Promise<void> {
    try {
      await fs.unlink(path.join(this.dir(repo, '_tags'), tag));
    } catch {
      throw registryError('MANIFEST_UNKNOWN', { tag }, `manifest unknown: ${repo}:${tag}`);
    }
  }

  private async listTagsRaw(repo: string): Promise<string[]> {
    const names = await fs.readdir(this.dir(repo, '_tags')).catch(() => [] as string[]);
    // Temp files of atomic writes start with "."; tags never do.
    return names.filter((n) => !n.startsWith('.')).sort(byteOrder);
  }

  /** Sorted tags; NAME_UNKNOWN when nothing was ever pushed to `repo`. */
  async listTags(repo: string): Promise<string[]> {
    if (!(await exists(path.join(this.repoDir, ...repo.split('/'), '_manifests')))) {
      throw registryError('NAME_UNKNOWN', { name: repo }, `repository name not known to registry: ${repo}`);
    }
    return this.listTagsRaw(repo);
  }

  /** Manifest revisions of a repository (digests). */
  async listManifests(repo: string): Promise<string[]> {
    const names = await fs.readdir(this.dir(repo, '_manifests')).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((h) => `sha256:${h}`);
  }

  /** Blob links of a repository, with each link file's modification time. */
  async listBlobLinks(repo: string): Promise<{ digest: string; file: string; mtimeMs: number }[]> {
    const dir = this.dir(repo, '_layers');
    const out: { digest: string; file: string; mtimeMs: number }[] = [];
    for (const n of await fs.readdir(dir).catch(() => [] as string[])) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      const st = await fs.stat(path.join(dir, n)).catch(() => undefined);
      if (st) out.push({ digest: `sha256:${n}`, file: path.join(dir, n), mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /** Every repository (a directory holding _manifests or _layers), sorted. */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      if (entries.some((e) => e.name === '_manifests' || e.name === '_layers')) out.push(prefix);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.')) {
          await walk(path.join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
        }
      }
    };
    await walk(this.repoDir, '');
    return out.filter((r) => r !== '').sort(byteOrder);
  }
}

/** The subject a manifest names, if it names a well-formed sha256 one. */
function subjectOf(body: Buffer, mediaType: string | undefined) {
  try {
    const manifest = parseManifest(body, mediaType);
    const subject = manifest.subject?.digest;
    return subject && /^sha256:[a-f0-9]{64}$/.test(subject) ? { manifest, subject } : undefined;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
