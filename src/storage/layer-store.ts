// The snapshotter for image layers. Each layer is unpacked once into its own directory, keyed by
// chain ID as containerd keys snapshots, and shared read-only by every image and container whose
// stack includes it (as overlay lowerdirs). On disk, under <root>/layers:
//   <chainhex>/diff        the unpacked layer, overlay whiteouts in place
//   <chainhex>/layer.json  LayerInfo
//   l/<short>              symlink to ../<chainhex>/diff, to keep mount options short
//   tmp/<random>/          layers being unpacked; a crash leaves them here and open() removes them
//   holds/<holder>.json    a container's claim on a layer stack, so GC keeps it
// The layer's own bytes (as received: plain, gzip or zstd) stay in the content store, so save
// and push give back exactly the tar whose digest the image config names.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline as pipelineStreams, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { runCommand } from '../host/command.js';
import { readJson, writeJsonAtomic } from './atomic-file.js';
import { decompressor, detectCompression, peek, type Compression } from './compression.js';
import { teeToBlob, type ContentStore } from './content-store.js';
import { DigestingStream, digestHex, sha256Digest } from './digest.js';
import { KeyedMutex } from './lock.js';
import { unpackTar } from './tar-apply.js';

export { changes, diffToTar, ChangeKind, type Change, type DiffOptions } from './overlay-diff.js';
export { overlayMountData, type OverlayMountData, type OverlayMountSpec } from './overlay-mount.js';
export { chainIds } from './digest.js';

export interface LayerBlob {
  /** Digest of the bytes as received (the manifest's layer digest when pulled). */
  digest: string;
  size: number;
  compression: Compression;
}

export interface LayerInfo {
  chainId: string;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: string;
  /** Chain ID of the layer below, or null for a base layer. */
  parent: string | null;
  /** Bytes of unpacked content (docker's layer DiffSize). */
  size: number;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  blob: LayerBlob;
  /** Name of the l/ link. */
  shortId: string;
  createdAt: string;
}

/** A layer unpacked into a temp dir, not yet placed in a stack: `commit` or `discard` it. */
export interface StagedLayer {
  readonly diffId: string;
  readonly size: number;
  readonly tarSize: number;
  readonly blob: LayerBlob;
  /** @internal the temp directory holding diff/ */
  readonly dir: string;
}

export interface StageOptions {
  /** Fail (and keep nothing) unless the uncompressed tar has this digest. */
  expectedDiffId?: string;
  /** Fail unless the bytes as given have this digest (a manifest's layer digest). */
  expectedBlobDigest?: string;
}

const HEX_RE = /^[a-f0-9]{64}$/;
const HOLDER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function shortId(): string {
  return [...randomBytes(26)].map((b) => BASE32[b & 31]).join('');
}

export class LayerStore {
  private readonly layers = new Map<string, LayerInfo>();
  private readonly holdMap = new Map<string, string>();
  /** Holders whose hold has a file under holds/ (hold(), or one found at open). */
  private readonly heldOnDisk = new Set<string>();
  /** Staged layers not yet committed or discarded: their blobs must stay. */
  private readonly inflight = new Set<StagedLayer>();
  /** Serializes commit and remove of one chain ID. */
  private readonly chainLock = new KeyedMutex();
  readonly dir: string;

  private constructor(root: string, readonly content: ContentStore) {
    this.dir = path.join(root, 'layers');
  }

  /** Opens the store under `root` (the same root as the content store's), cleaning up after a crash. */
  static async open(root: string, content: ContentStore): Promise<LayerStore> {
    const s = new LayerStore(root, content);
    for (const d of ['l', 'holds', 'empty']) await fs.mkdir(path.join(s.dir, d), { recursive: true, mode: 0o700 });
    await fs.chmod(s.dir, 0o700);
    await fs.rm(path.join(s.dir, 'tmp'), { recursive: true, force: true });
    await fs.mkdir(path.join(s.dir, 'tmp'), { mode: 0o700 });
    for (const name of await fs.readdir(s.dir)) {
      if (!HEX_RE.test(name)) continue;
      const info = await readJson<LayerInfo>(path.join(s.dir, name, 'layer.json')).catch(() => undefined);
      if (!info || info.chainId !== `sha256:${name}`) {
        await fs.rm(path.join(s.dir, name), { recursive: true, force: true });
        continue;
      }
      s.layers.set(info.chainId, info);
    }
    // Links: remove dangling ones, recreate missing ones.
    const linkDir = path.join(s.dir, 'l');
    const wanted = new Map([...s.layers.values()].map((l) => [l.shortId, l]));
    for (const name of await fs.readdir(linkDir)) {
      if (!wanted.has(name)) await fs.rm(path.join(linkDir, name), { force: true });
    }
    for (const [short, l] of wanted) {
      const link = path.join(linkDir, short);
      if (!(await fs.lstat(link).catch(() => undefined))) await fs.symlink(`../${digestHex(l.chainId)}/diff`, link);
    }
    for (const name of await fs.readdir(path.join(s.dir, 'holds'))) {
      if (!name.endsWith('.json')) continue;
      const h = await readJson<{ chainId: string }>(path.join(s.dir, 'holds', name)).catch(() => undefined);
      if (h) s.holdMap.set(name.slice(0, -5), h.chainId);
      s.heldOnDisk.add(name.slice(0, -5));
    }
    return s;
  }

  has(chainId: string): boolean {
    return this.layers.has(chainId);
  }

  get(chainId: string): LayerInfo | undefined {
    return this.layers.get(chainId);
  }

  list(): LayerInfo[] {
    return [...this.layers.values()];
  }

  /** Layers holding this diff (at any position in any stack). */
  byDiffId(diffId: string): LayerInfo[] {
    return this.list().filter((l) => l.diffId === diffId);
  }

  /** Layers stored from a blob with this digest. */
  byBlobDigest(digest: string): LayerInfo[] {
    return this.list().filter((l) => l.blob.digest === digest);
  }

  diffDir(chainId: string): string {
    return path.join(this.dir, digestHex(chainId), 'diff');
  }

  /** The layer and everything below it, base layer first. */
  stack(chainId: string): LayerInfo[] {
    const out: LayerInfo[] = [];
    for (let c: string | null = chainId; c !== null;) {
      const l = this.layers.get(c);
      if (!l) throw new NotFoundError(`layer ${c} does not exist`);
      out.unshift(l);
      c = l.parent;
    }
    return out;
  }

  /**
   * Overlay lowerdirs for an image whose layers have these chain IDs (base first, as in
   * rootfs.diff_ids): short l/ links, topmost first. An image without layers gets one empty dir.
   */
  lowerDirs(chainIdList: readonly string[]): string[] {
    if (chainIdList.length === 0) return [path.join(this.dir, 'empty')];
    return [...chainIdList].reverse().map((c) => {
      const l = this.layers.get(c);
      if (!l) throw new NotFoundError(`layer ${c} does not exist`);
      return path.join(this.dir, 'l', l.shortId);
    });
  }

  /**
   * Unpacks a layer (plain, gzip or zstd tar, told by its magic bytes) into a temp dir while
   * keeping its bytes in the content store. Nothing is buffered: the tar unpacks as it arrives.
   */
  async stage(source: Readable | AsyncIterable<Buffer>, opts: StageOptions = {}): Promise<StagedLayer> {
    const dir = path.join(this.dir, 'tmp', randomBytes(12).toString('hex'));
    await fs.mkdir(path.join(dir, 'diff'), { recursive: true, mode: 0o755 });
    await fs.chmod(path.join(dir, 'diff'), 0o755);
    const writer = await this.content.writer();
    let input: Readable | undefined;
    try {
      const { head, stream } = await peek(source, 8);
      input = stream;
      const compression = detectCompression(head);
      const dec = decompressor(compression);
      const tarDigest = new DigestingStream();
      const feeding = pipeline([stream, teeToBlob(writer), ...(dec ? [dec] : []), tarDigest]);
      // Wait for both sides to settle: each destroys the other's stream on failure, and
      // nothing may still be writing into dir when it is removed.
      const [fed, unpacked] = await Promise.allSettled([feeding, unpackTar(tarDigest, path.join(dir, 'diff'), { whiteouts: true })]);
      if (unpacked.status === 'rejected' || fed.status === 'rejected') throw firstCause([unpacked, fed]);
      const stats = unpacked.value;
      const diffId = tarDigest.digest();
      if (opts.expectedDiffId !== undefined && opts.expectedDiffId !== diffId) {
        throw new InvalidArgumentError(`invalid diffID for layer: expected ${opts.expectedDiffId}, got ${diffId}`);
      }
      const blob = await writer.commit(opts.expectedBlobDigest);
      const staged: StagedLayer = { diffId, size: stats.size, tarSize: tarDigest.bytes, blob: { ...blob, compression }, dir };
      this.inflight.add(staged);
      return staged;
    } catch (err) {
      input?.destroy(); // stop reading the source (and what feeds it) on failure
      await writer.abort();
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Places a staged layer on top of `parent` (a chain ID, or null for a base layer). If that
   * chain already exists the staged copy is dropped and the existing layer returned.
   */
  async commit(staged: StagedLayer, parent: string | null): Promise<LayerInfo> {
    if (parent !== null && !this.layers.has(parent)) throw new NotFoundError(`layer ${parent} does not exist`);
    const chainId = parent === null ? staged.diffId : sha256Digest(`${parent} ${staged.diffId}`);
    return this.chainLock.run(chainId, () => this.place(staged, parent, chainId));
  }

  private async place(staged: StagedLayer, parent: string | null, chainId: string): Promise<LayerInfo> {
    const existing = this.layers.get(chainId);
    if (existing) {
      await this.discard(staged);
      return existing;
    }
    const info: LayerInfo = {
      chainId,
      diffId: staged.diffId,
      parent,
      size: staged.size,
      tarSize: staged.tarSize,
      blob: staged.blob,
      shortId: shortId(),
      createdAt: new Date().toISOString(),
    };
    const hex = digestHex(chainId);
    await writeJsonAtomic(path.join(staged.dir, 'layer.json'), info);
    await fs.writeFile(path.join(staged.dir, 'link'), info.shortId);
    const link = path.join(this.dir, 'l', info.shortId);
    await fs.symlink(`../${hex}/diff`, link);
    try {
      // The rename is the commit point: before it the layer does not exist, after it it is whole.
      await fs.rename(staged.dir, path.join(this.dir, hex));
    } catch (err) {
      await fs.rm(link, { force: true });
      throw err;
    }
    this.layers.set(chainId, info);
    this.inflight.delete(staged);
    return info;
  }

  /** Drops a staged layer, and its blob unless a layer or another staged layer has it. */
  async discard(staged: StagedLayer): Promise<void> {
    this.inflight.delete(staged);
    await fs.rm(staged.dir, { recursive: true, force: true });
    await this.dropBlobIfUnused(staged.blob.digest);
  }

  private async dropBlobIfUnused(digest: string): Promise<void> {
    if (this.byBlobDigest(digest).length === 0 && ![...this.inflight].some((s) => s.blob.digest === digest)) {
      await this.content.delete(digest);
    }
  }

  /** `stage` then `commit` on top of `parent`. */
  async apply(parent: string | null, source: Readable | AsyncIterable<Buffer>, opts: StageOptions = {}): Promise<LayerInfo> {
    return this.commit(await this.stage(source, opts), parent);
  }

  /**
   * Places an already-unpacked diff at another position (the same diff ID over another parent)
   * by copying its directory: rare, but a layer may appear in two unrelated stacks.
   */
  async copyTo(from: LayerInfo, parent: string | null): Promise<LayerInfo> {
    const dir = path.join(this.dir, 'tmp', randomBytes(12).toString('hex'));
    await fs.mkdir(dir, { mode: 0o700 });
    try {
      await runCommand('cp', ['-a', '--reflink=auto', this.diffDir(from.chainId), path.join(dir, 'diff')], { timeoutMs: 3_600_000 });
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    return this.commit({ diffId: from.diffId, size: from.size, tarSize: from.tarSize, blob: from.blob, dir }, parent);
  }

  /** The layer's uncompressed tar, exactly the bytes its diff ID names. */
  async openTar(chainId: string): Promise<{ stream: Readable; size: number; diffId: string }> {
    const l = this.layers.get(chainId);
    if (!l) throw new NotFoundError(`layer ${chainId} does not exist`);
    const raw = await this.content.open(l.blob.digest);
    const dec = decompressor(l.blob.compression);
    if (!dec) return { stream: raw, size: l.tarSize, diffId: l.diffId };
    // Joined so that destroying what is returned closes the blob too (a pipe() left it open
    // until the GC closed it); an error on either side reaches the reader through `dec`.
    return { stream: pipelineStreams(raw, dec, () => undefined), size: l.tarSize, diffId: l.diffId };
  }

  /** Removes one layer, and its blob unless another layer (or a staged one) has the same bytes. */
  async remove(chainId: string): Promise<LayerInfo | undefined> {
    return this.chainLock.run(chainId, async () => {
      const l = this.layers.get(chainId);
      if (!l) return undefined;
      this.layers.delete(chainId);
      // Rename first so the layer vanishes at once; a crash mid-delete leaves only tmp/ junk.
      const trash = path.join(this.dir, 'tmp', `rm-${randomBytes(8).toString('hex')}`);
      await fs.rename(path.join(this.dir, digestHex(chainId)), trash);
      await fs.rm(path.join(this.dir, 'l', l.shortId), { force: true });
      await fs.rm(trash, { recursive: true, force: true });
      await this.dropBlobIfUnused(l.blob.digest);
      return l;
    });
  }

  /** Records that `holder` (e.g. a container ID) uses the stack topped by `chainId`, on disk. */
  async hold(holder: string, chainId: string): Promise<void> {
    if (!HOLDER_RE.test(holder)) throw new InvalidArgumentError(`invalid layer holder name: ${holder}`);
    this.stack(chainId);
    await writeJsonAtomic(path.join(this.dir, 'holds', `${holder}.json`), { chainId });
    this.holdMap.set(holder, chainId);
    this.heldOnDisk.add(holder);
  }

  /**
   * A hold kept in memory only: for a holder whose own durable record names the stack, and which
   * gives it back at every open before anything is collected (ImageStore.open's claims).
   */
  holdInMemory(holder: string, chainId: string): void {
    if (!HOLDER_RE.test(holder)) throw new InvalidArgumentError(`invalid layer holder name: ${holder}`);
    this.stack(chainId);
    this.holdMap.set(holder, chainId);
  }

  async release(holder: string): Promise<void> {
    if (!HOLDER_RE.test(holder)) return;
    this.holdMap.delete(holder);
    if (this.heldOnDisk.delete(holder)) await fs.rm(path.join(this.dir, 'holds', `${holder}.json`), { force: true });
  }

  /** Every chain ID a hold keeps, with all the layers below them. */
  held(): Set<string> {
    const out = new Set<string>();
    for (const top of this.holdMap.values()) {
      for (let c: string | null = top; c !== null && !out.has(c);) {
        out.add(c);
        c = this.layers.get(c)?.parent ?? null;
      }
    }
    return out;
  }
}

/**
 * What a stream's failure does to the other side of it: Node's codes, and streamx's (tar-stream's
 * streams: "Stream was destroyed" once the unpacked tar's reader was destroyed by a full disk).
 */
const CONSEQUENCES = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'ERR_STREAM_DESTROYED', 'STREAM_DESTROYED', 'PREMATURE_CLOSE', 'ABORTED']);

/**
 * The error that started a failure, not the "premature close" or abort it caused on the other
 * side of a stream (a reader that stops destroys its source with an AbortError).
 */
export function firstCause(results: readonly PromiseSettledResult<unknown>[]): unknown {
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  const consequence = (e: unknown) => CONSEQUENCES.has((e as { code?: string }).code ?? '');
  return errors.find((e) => !consequence(e)) ?? errors[0];
}
