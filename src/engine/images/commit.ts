// Images made from a filesystem rather than pulled: `docker import` (a rootfs tarball becomes a
// one-layer image) and `docker commit` (a container's overlay upper dir becomes a new top layer
// over its image). Both take Dockerfile `changes` for the config (see changes.ts).
import type { Readable } from 'node:stream';
import type { LayerInfo } from '../../storage/layer-store.js';
import { hostArchitecture } from '../../protocol/platform.js';
import { applyChanges } from './changes.js';
import type { ImagePin } from './image-pins.js';
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
    return await store.createImage(image, [layer.diffId], { tags: opts.tag ? [opts.tag] : [], source: 'import' });
  } finally {
    lease.release();
  }
}

export interface CommitOptions {
  containerId: string;
  /**
   * Stores the container's changes as a layer over the image's top layer (the writable layer's
   * owner, storage/rw-layer.ts, does it); undefined when nothing changed.
   */
  layer: () => Promise<LayerInfo | undefined>;
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
  /** The history entry's created_by, when not the container's command (build steps). */
  createdBy?: string;
  /** Creation time; now by default. */
  created?: Date;
  /** The config exactly, `changes` not applied and no "container" field (build steps). */
  exactConfig?: boolean;
  /**
   * The image's container_config: the config of the container that made the layer, as docker's
   * classic builder and commit record it (docker-compose 1.x reads its Volumes, see api/images.ts).
   */
  containerConfig?: ImageRunConfig;
  /** Pinned for this holder as it is stored (a build's step image). */
  pin?: ImagePin;
}

/**
 * docker commit: the upper dir's changes as a new layer (nothing added when the diff is empty,
 * as docker marks such a history entry empty_layer) over the image, config from the container
 * with `changes` applied, a history entry appended. Returns the new image ID.
 */
export async function commitLayer(store: ImageStore, opts: CommitOptions): Promise<string> {
  const parent = opts.imageId ? store.resolve(opts.imageId) : undefined;
  const parentChain = parent ? store.chainIds(parent) : [];
  const lease = store.lease();
  for (const c of parentChain) lease.add(c);
  try {
    const layer = await opts.layer();
    if (layer) lease.add(layer.chainId);
    const empty = !layer;
    const created = (opts.created ?? new Date()).toISOString();
    const base = parent?.config;
    const entry: HistoryEntry = {
      created,
      created_by: opts.createdBy ?? (opts.containerCmd ?? []).join(' '),
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
      ...(opts.exactConfig ? {} : { container: opts.containerId }),
      ...(opts.containerConfig ? { container_config: opts.containerConfig } : {}),
      config: opts.exactConfig ? opts.config ?? {} : applyChanges(opts.config ?? base?.config ?? {}, opts.changes ?? []),
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [...(base?.history ?? []), entry],
    };
    return await store.createImage(config, diffIds, { tags: opts.tags, parent: parent?.id, source: 'commit', pin: opts.pin });
  } finally {
    lease.release();
  }
}
