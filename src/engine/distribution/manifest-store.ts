// Manifests exactly as a registry served them (or as berth pushed them), by digest, under
// <root>/distribution/manifests. Push sends these bytes again when the image and its layer
// blobs are unchanged, so a pulled image pushed elsewhere keeps its manifest digest (docker
// rebuilds the manifest and often changes it). Small files, written atomically; the image
// store's names (repo@digest) say which one belongs to which image.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../storage/atomic-file.js';
import { digestHex, sha256Digest } from '../../storage/digest.js';

export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

export class ManifestStore {
  private constructor(private readonly dir: string) {}

  static async open(root: string): Promise<ManifestStore> {
    const dir = path.join(root, 'distribution', 'manifests');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return new ManifestStore(dir);
  }

  async put(digest: string, bytes: Buffer, mediaType: string): Promise<void> {
    if (sha256Digest(bytes) !== digest) return; // only ever keep bytes that match their name
    const hex = digestHex(digest);
    await writeFileAtomic(path.join(this.dir, `${hex}.type`), mediaType);
    await writeFileAtomic(path.join(this.dir, hex), bytes);
  }

  async has(digest: string): Promise<boolean> {
    return fs.access(path.join(this.dir, digestHex(digest))).then(() => true, () => false);
  }

  async get(digest: string): Promise<StoredManifest | undefined> {
    const hex = digestHex(digest);
    try {
      const [bytes, mediaType] = await Promise.all([fs.readFile(path.join(this.dir, hex)), fs.readFile(path.join(this.dir, `${hex}.type`), 'utf8')]);
      return sha256Digest(bytes) === digest ? { bytes, mediaType } : undefined;
    } catch {
      return undefined;
    }
  }
}
