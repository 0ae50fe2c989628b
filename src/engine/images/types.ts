// The engine's own image types: the OCI image config (image-spec config.md) as stored, plus
// what berth knows about an image locally. Docker's JSON shapes are produced in api/.
import type { HealthConfig } from '../../protocol/engine-api.js';

export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** OCI image config (application/vnd.oci.image.config.v1+json), also Docker's image JSON. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  comment?: string;
  /** Docker keeps these for `docker inspect`'s Container, ContainerConfig and DockerVersion fields. */
  container?: string;
  container_config?: ImageRunConfig;
  docker_version?: string;
}

/** One image as the local store knows it. */
export interface ImageRecord {
  /** "sha256:<hex>": digest of the config blob, Docker's image ID. */
  id: string;
  config: ImageConfig;
  /** Normalized references, e.g. "docker.io/library/busybox:latest", "127.0.0.1:5000/app:1". */
  repoTags: string[];
  /** "name@sha256:…" of manifests this image was pulled by or pushed as. */
  repoDigests: string[];
  /** Sum of the unpacked layer sizes, bytes. */
  size: number;
  /** Parent image ID for images made by commit/build ("" otherwise). */
  parent: string;
  /** When the image arrived in this store (ISO-8601). */
  loadedAt: string;
}
