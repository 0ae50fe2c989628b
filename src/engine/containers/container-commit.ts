// docker commit: a container's writable layer made the top layer of a new image
// (ImageService.commitContainer) while nothing in it changes. The container is paused, as
// docker's default; with --pause=false it is still frozen for the diff, silently (a freeze costs
// ~0.05 ms, and a running process must not swap a directory for a symlink under the walk:
// CVE-2018-15664, the commit side). A removal that begins meanwhile waits for the commit to end
// (its layer is read whole).
import type { RwLayerStore } from '../../storage/rw-layer.js';
import type { CommitRequest, ImageService } from '../images/image-service.js';
import type { ContainerFs } from './container-fs.js';
import type { ContainerService } from './service.js';

export interface ContainerCommitDeps {
  containers: ContainerService;
  files: ContainerFs;
  images: ImageService;
  rwLayers: RwLayerStore;
}

export type ContainerCommitRequest = Omit<CommitRequest, 'mapOwner'> & { pause: boolean };

/** Commits the container `ref`; returns the new image's ID. */
export async function commitContainer(d: ContainerCommitDeps, ref: string, req: ContainerCommitRequest): Promise<string> {
  const { containers } = d;
  const rec = containers.get(ref);
  const { pause, ...commitRequest } = req;
  // A container that is exiting cannot be frozen any more (crun pause fails): its layer is
  // about to stop changing anyway, so the commit goes on without the pause, as dockerd's does.
  let paused = false;
  if (pause && rec.State.Status === 'running') {
    // Written down first (daemon-freezes.ts): a daemon killed mid-commit left it paused for good.
    containers.freezes.note(rec.Id, 'pause');
    paused = await containers.pause(rec.Id).then(() => true, () => false);
    if (!paused) containers.freezes.forget(rec.Id, 'pause');
  }
  try {
    const commit = () => containers.withFiles(rec.Id, () => d.images.commitContainer(rec, d.rwLayers, {
      ...commitRequest,
      mapOwner: containers.runner.remapFor(rec.HostConfig)?.toInside,
    }));
    if (paused) return await commit();
    // One that exits meanwhile cannot be frozen, and needs not be: its layer stops changing.
    return await d.files.frozen(containers.get(rec.Id), commit).catch(async (e: unknown) => {
      if (containers.get(rec.Id).State.Status === 'running') throw e;
      return commit();
    });
  } finally {
    if (paused) {
      await containers.unpause(rec.Id).catch(() => undefined);
      containers.freezes.forget(rec.Id, 'pause');
    }
  }
}
