// volume create, ls, rm, prune (inspect lives with the other inspects).

import { VolumesApi } from '../client/volumes.js';
import { StatusError, type CommandDef } from './command.js';
import { filterFlag, forceFlag, formatFlag } from './common-flags.js';
import { kvMap } from './envfile.js';
import { humanSize, renderList, volumeFormat, volumeRows, VOLUME_HEADERS } from './output.js';
import { confirm } from './prompt.js';

export const volumeCreate: CommandDef = {
  use: '[OPTIONS] [VOLUME]',
  short: 'Create a volume',
  flags: [
    { long: 'driver', short: 'd', kind: 'string', usage: 'Specify volume driver name', defaultText: '"local"' },
    { long: 'label', kind: 'list', usage: 'Set metadata for a volume' },
    { long: 'name', kind: 'string', usage: 'Specify volume name', hidden: true },
    { long: 'opt', short: 'o', kind: 'list', type: 'map', usage: 'Set driver specific options', defaultText: 'map[]' },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, flags, args) {
    const name = args[0] ?? flags.string('name');
    if (args[0] && flags.string('name') && flags.string('name') !== args[0]) {
      throw new StatusError(1, `conflicting options: cannot specify a volume-name through both --name and as a positional arg`);
    }
    const vol = await ctx.api(VolumesApi).create({
      Name: name ?? '',
      Driver: flags.string('driver') ?? 'local',
      DriverOpts: kvMap(flags.list('opt')),
      Labels: kvMap(flags.list('label')),
    });
    ctx.stdout.write(`${vol.Name}\n`);
    return 0;
  },
};

export const volumeLs: CommandDef = {
  use: '[OPTIONS]',
  short: 'List volumes',
  flags: [
    { long: 'cluster', kind: 'bool', usage: 'Display only cluster volumes, and use cluster volume list formatting', hidden: true },
    filterFlag('Provide filter values (e.g. "dangling=true")'),
    formatFlag(),
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only display volume names' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const res = await ctx.api(VolumesApi).list({ filters: flags.list('filter') });
    for (const w of res.Warnings ?? []) ctx.stderr.write(`${w}\n`);
    const format = volumeFormat(flags.string('format') ?? '', { quiet: flags.bool('quiet') });
    ctx.stdout.write(renderList(format, volumeRows(res.Volumes ?? []), VOLUME_HEADERS));
    return 0;
  },
};

export const volumeRm: CommandDef = {
  use: '[OPTIONS] VOLUME [VOLUME...]',
  short: 'Remove one or more volumes',
  long: 'Remove one or more volumes. You cannot remove a volume that is in use by a container.',
  flags: [{ long: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of one or more volumes' }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const errors: string[] = [];
    for (const name of args) {
      try {
        await ctx.api(VolumesApi).remove(name, { force: flags.bool('force') });
        ctx.stdout.write(`${name}\n`);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (errors.length) throw new StatusError(1, errors.join('\n'));
    return 0;
  },
};

export const volumePrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove unused local volumes',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused volumes, not just anonymous ones' },
    filterFlag('Provide filter values (e.g. "label=<label>")', undefined),
    forceFlag(),
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const warning = all
      ? 'WARNING! This will remove all local volumes not used by at least one container.'
      : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
    if (!flags.bool('force') && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = flags.list('filter');
    if (all) filters.push('all=true');
    const report = await ctx.api(VolumesApi).prune({ filters });
    let out = '';
    const deleted = report.VolumesDeleted ?? [];
    if (deleted.length) out += `Deleted Volumes:\n${deleted.join('\n')}\n\n`;
    out += `Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};
