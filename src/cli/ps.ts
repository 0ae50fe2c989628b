// ps / container ls: docker's columns, from the formatter's container rows.

import { ContainersApi } from '../client/containers.js';
import { StatusError, type CommandDef } from './command.js';
import { filterFlag, formatFlag } from './common-flags.js';
import { checkContainerFormat, containerFormat, containerRows, CONTAINER_HEADERS, renderList } from './output.js';

export const ps: CommandDef = {
  use: '[OPTIONS]',
  short: 'List containers',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    filterFlag(),
    formatFlag(),
    { long: 'last', short: 'n', kind: 'int', usage: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { long: 'latest', short: 'l', kind: 'bool', usage: 'Show the latest created container (includes all states)' },
    { long: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only display container IDs' },
    { long: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const quiet = flags.bool('quiet');
    const sizeFlag = flags.bool('size');
    const format = containerFormat(flags.string('format') ?? '', { quiet, size: sizeFlag });
    let usesSize = false;
    try {
      usesSize = checkContainerFormat(format).usesSize;
    } catch (err) {
      throw new StatusError(1, err instanceof Error ? err.message : String(err));
    }
    let limit = flags.int('last') ?? -1;
    if (flags.bool('latest') && limit === -1) limit = 1;
    const list = await ctx.api(ContainersApi).list({
      all: flags.bool('all'),
      limit,
      size: sizeFlag || usesSize,
      filters: flags.list('filter'),
    });
    const rows = containerRows(list, { trunc: !flags.bool('no-trunc'), now: new Date() });
    ctx.stdout.write(renderList(format, rows, CONTAINER_HEADERS));
    return 0;
  },
};
