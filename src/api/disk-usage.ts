// GET /system/df in docker's shape: every image, container and volume with what it holds on
// disk (the docker CLI's `system df` sums these; `-v` lists them). Sizes are measured at each
// call, as dockerd does.
import type { Engine } from '../engine/engine.js';
import { buildCacheUsage } from '../engine/build/build-cache.js';
import type { ContainerSummary, DiskUsage, Volume } from '../protocol/engine-api.js';
import { containerSummary } from './container-views.js';
import { imageSummary } from './images.js';
import { volumeView } from './volumes.js';

export async function diskUsageView(engine: Engine): Promise<DiskUsage> {
  const containers = engine.containers.list();
  const now = Date.now();
  const sizes = await engine.containers.diskSizes(containers);
  const containerViews: ContainerSummary[] = containers.map((c, i) => ({ ...containerSummary(c, now), SizeRw: sizes[i]!.rw, SizeRootFs: sizes[i]!.rootFs }));
  const volumes = engine.volumes.list();
  const volumeSizes = await engine.volumes.dataSizes(volumes);
  const volumeViews: Volume[] = volumes.map((v, i) => volumeView(v, engine.containers.volumeUsers(v.Name), volumeSizes[i]!));
  // The images as they are now, after the awaits above, and read with none between: one
  // removed while the sizes were measured made the whole answer a 404.
  const images = engine.images.list();
  const shared = engine.images.sharedSizes(images);
  return {
    LayersSize: images.reduce((n, i) => n + i.size, 0),
    Images: images.map((i) => ({ ...imageSummary(i, containers.filter((c) => c.Image === i.id).length), SharedSize: shared.get(i.id) ?? 0 })),
    Containers: containerViews,
    Volumes: volumeViews,
    BuildCache: buildCacheUsage(engine.builder.cache, engine.images),
  };
}
