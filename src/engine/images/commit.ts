// Images made from a filesystem rather than pulled: `docker import` (a rootfs tarball becomes a
// one-layer image) and `docker commit` (a container's overlay upper dir becomes a new top layer
// over its image). Both take Dockerfile `changes` for the config (see changes.ts).
import { PassThrough, type Readable } from 'node:stream';
import { EMPTY_LAYER_DIFF_ID } from '../../storage/digest.js';
import { diffToTar, type LayerInfo } from '../../storage/layer-store.js';
import { hostArchitecture } from './platform.js';
import { applyChanges } from './changes.js';
import type { ImageStore } from './image-store.js';
import type { HistoryEntry, ImageConfig, ImageRunConfig } from './types.js';

export interface ImportOptions {
  /** Dockerfile lines: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. */
  changes?: readonly string[];
  /** Commit message; docker's default is "Imported from <source>". */
  message?: string;
  /** Where the tarball came from ("-" for the request body, or a URL), for the default message. */
  source?: string;
  /** Reference to tag the image with ("busybox:latest"). */
  tag?: string;
  /** Creation time; now by default. A fixed time makes the image ID reproducible. */
  created?: Date;
}

/** docker import: one layer from a (plain, gzip or zstd) rootfs tar; returns the image ID. */
export async function importRootfs(store: ImageStore, tarStream: Readable | AsyncIterable<Buffer>, opts: ImportOptions = {}): Promise<string> {
  const config = applyChanges({}, opts.changes ?? []);
  const lease = store.lease();
  try {
    const layer = await store.layers.apply(null, tarStream);
    lease.add(layer.chainId);
    const created = (opts.created ?? new Date()).toISOString();
    const message = opts.message ?? `Imported from ${opts.source ?? '-'}`;
    const image: ImageConfig = {
      architecture: hostArchitecture(),
      os: 'linux',
      created,
      config,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment: message }],
      ...(message ? { comment: message } : {}),
    };
    return await store.createImage(image, [layer.diffId], { tags: opts.tag ? [opts.tag] : [] });
  } finally {
    lease.release();
  }
}

export interface CommitOptions {
  containerId: string;
  /** The container's writable overlay dir. */
  upperDir: string;
  /** Image the container was made from; "" for a container from scratch. */
  imageId: string;
  /** The container's config, onto which `changes` are applied; the image's config if omitted. */
  config?: ImageRunConfig;
  changes?: readonly string[];
  author?: string;
  comment?: string;
  /** The container's command, for the history entry's created_by (docker joins it with spaces). */
  containerCmd?: readonly string[];
  tags?: readonly string[];
  /** Paths the runtime made in the upper dir (mount points) to leave out of the layer. */
  ignore?: readonly string[];
}

/**
 * docker commit: the upper dir's changes as a new layer (nothing added when the diff is empty,
 * as docker marks such a history entry empty_layer) over the image, config from the container
 * with `changes` applied, a history entry appended. Returns the new image ID.
 */
export async function commitLayer(store: ImageStore, opts: CommitOptions): Promise<string> {
  const parent = opts.imageId ? store.resolve(opts.imageId) : undefined;
  const parentChain = parent ? store.chainIds(parent) : [];
  const lowers = parent ? store.layerDirs(parent) : [];
  const lease = store.lease();
  for (const c of parentChain) lease.add(c);
  try {
    const pipe = new PassThrough();
    const [, staged] = await Promise.all([
      diffToTar(opts.upperDir, lowers, pipe, { ignore: opts.ignore }).catch((err: unknown) => {
        pipe.destroy(err as Error);
        throw err;
      }),
      store.layers.stage(pipe),
    ]);
    const empty = staged.diffId === EMPTY_LAYER_DIFF_ID;
    let layer: LayerInfo | undefined;
    if (empty) await store.layers.discard(staged);
    else {
      layer = await store.layers.commit(staged, parentChain[parentChain.length - 1] ?? null);
      lease.add(layer.chainId);
    }
    const created = new Date().toISOString();
    const base = parent?.config;
    const entry: HistoryEntry = {
      created,
      created_by: (opts.containerCmd ?? []).join(' '),
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      ...(empty ? { empty_layer: true } : {}),
    };
    const diffIds = [...(base?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])];
    const config: ImageConfig = {
      architecture: base?.architecture ?? hostArchitecture(),
      os: base?.os ?? 'linux',
      ...(base?.variant ? { variant: base.variant } : {}),
      created,
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      container: opts.containerId,
      config: applyChanges(opts.config ?? base?.config ?? {}, opts.changes ?? []),
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [...(base?.history ?? []), entry],
    };
    return await store.createImage(config, diffIds, { tags: opts.tags, parent: parent?.id });
  } finally {
    lease.release();
  }
}
