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
  const commit = () => containers.withFiles(rec.Id, () => d.images.commitContainer(rec, d.rwLayers, {
    ...commitRequest,
    mapOwner: containers.runner.remapFor(rec.HostConfig)?.toInside,
  }));
  if (pause && (rec.State.Status === 'running' || containers.freezes.held(rec.Id))) {
    // Paused as docker pauses it (its status and events say so), as one of the daemon's freezes
    // (daemon-freezes.ts): written down, so a daemon killed mid-commit does not leave it paused
    // for good, and shared with a copy in progress, so neither thaws it under the other.
    return containers.freezes.hold(rec.Id, async () => {
      // A container that is exiting cannot be frozen any more (crun pause fails): its layer is
      // about to stop changing anyway, so the commit goes on without the pause, as dockerd's does.
      if (!(await containers.pause(rec.Id).then(() => true, () => false))) return undefined;
      return () => containers.unpause(rec.Id).catch(() => undefined);
    }, commit);
  }
  // One that exits meanwhile cannot be frozen, and needs not be: its layer stops changing.
  return d.files.frozen(containers.get(rec.Id), commit).catch(async (e: unknown) => {
    if (containers.get(rec.Id).State.Status === 'running') throw e;
    return commit();
  });
}
