// inspect, container inspect, image inspect, volume inspect: the daemon's JSON, indented as
// docker prints it, or each object through --format.

import { ContainersApi } from '../client/containers.js';
import { ImagesApi } from '../client/images.js';
import { NetworksApi } from '../client/networks.js';
import { VolumesApi } from '../client/volumes.js';
import { isApiError } from '../client/errors.js';
import { StatusError, type CommandDef, type Ctx } from './command.js';
import { INSPECT_FORMAT_USAGE } from './common-flags.js';
import type { Flags } from './flags.js';
import { formatEach, indentJSON } from './output.js';

type Kind = 'container' | 'image' | 'network' | 'volume';

async function fetchObject(ctx: Ctx, kind: Kind, ref: string, size: boolean): Promise<unknown> {
  switch (kind) {
    case 'container':
      return ctx.api(ContainersApi).inspect(ref, { size });
    case 'image':
      return ctx.api(ImagesApi).inspect(ref);
    case 'network':
      return ctx.api(NetworksApi).inspect(ref);
    case 'volume':
      return ctx.api(VolumesApi).inspect(ref);
  }
}

/** Print what was found, then the errors (exit 1), as docker's inspect.Inspect does. */
export async function inspectAll(ctx: Ctx, flags: Flags, refs: readonly string[], find: (ref: string) => Promise<unknown>): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await find(ref));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const format = flags.string('format') ?? '';
  if (format === '') {
    ctx.stdout.write(found.length ? `${indentJSON(found)}\n` : '[]\n');
  } else if (format === 'json') {
    // docker's JSON inspector: the same array, compact.
    ctx.stdout.write(`${JSON.stringify(found)}\n`);
  } else {
    // A template over nothing still prints its (empty) line.
    ctx.stdout.write(formatEach(format, found) || '\n');
  }
  if (errors.length) throw new StatusError(1, errors.join('\n'));
  return 0;
}

const formatFlag = { long: 'format', short: 'f', kind: 'string' as const, usage: INSPECT_FORMAT_USAGE };

export const inspect: CommandDef = {
  use: '[OPTIONS] NAME|ID [NAME|ID...]',
  short: 'Return low-level information on berth objects',
  flags: [
    formatFlag,
    { long: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes if the type is container' },
    { long: 'type', kind: 'string', usage: 'Only inspect objects of the given type' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const size = flags.bool('size');
    const type = flags.string('type') ?? '';
    // docker's search order: container, image, network, volume (then swarm objects).
    const kinds: Kind[] = type === '' ? ['container', 'image', 'network', 'volume'] : [];
    if (type !== '') {
      if (type !== 'container' && type !== 'image' && type !== 'network' && type !== 'volume') {
        if (['config', 'node', 'plugin', 'secret', 'service', 'task'].includes(type)) {
          throw new StatusError(1, `berth does not support inspecting objects of type "${type}" yet`);
        }
        throw new StatusError(1, `"${type}" is not a valid value for --type`);
      }
      kinds.push(type);
    }
    return inspectAll(ctx, flags, args, async (ref) => {
      for (const kind of kinds) {
        try {
          return await fetchObject(ctx, kind, ref, size);
        } catch (err) {
          if (!isApiError(err, 404)) throw err;
          if (kinds.length === 1) throw err;
        }
      }
      throw new Error(`Error: No such object: ${ref}`);
    });
  },
};

function typedInspect(kind: Kind, use: string, short: string, extraFlags: CommandDef['flags'] = []): CommandDef {
  return {
    use,
    short,
    flags: [formatFlag, ...extraFlags],
    args: { min: 1 },
    run: (ctx, flags, args) => inspectAll(ctx, flags, args, (ref) => fetchObject(ctx, kind, ref, flags.bool('size'))),
  };
}

export const containerInspect = typedInspect('container', '[OPTIONS] CONTAINER [CONTAINER...]', 'Display detailed information on one or more containers', [
  { long: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
]);
export const imageInspect = typedInspect('image', '[OPTIONS] IMAGE [IMAGE...]', 'Display detailed information on one or more images', [
  { long: 'platform', kind: 'string', usage: 'Inspect a specific platform of the multi-platform image.' },
]);
export const volumeInspect = typedInspect('volume', '[OPTIONS] VOLUME [VOLUME...]', 'Display detailed information on one or more volumes');
