// berth search: GET /images/search, printed as docker's table (NAME DESCRIPTION STARS OFFICIAL).
import { DistributionApi } from '../client/distribution.js';
import { alignColumns } from './format/tabwriter.js';
import type { CommandDef } from './command.js';
import { loadAuth, serverKey } from './credentials.js';

export const search: CommandDef = {
  use: '[OPTIONS] TERM',
  short: 'Search Docker Hub for images',
  flags: [
    { long: 'filter', short: 'f', kind: 'list', usage: 'Filter output based on conditions provided' },
    { long: 'limit', kind: 'string', usage: 'Max number of search results' },
    { long: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const term = args[0] as string;
    const limit = flags.string('limit') ? Number(flags.string('limit')) : undefined;
    const slash = term.indexOf('/');
    const first = slash > 0 ? term.slice(0, slash) : '';
    const key = serverKey(/[.:]/.test(first) || first === 'localhost' ? first : undefined);
    const results = await ctx.api(DistributionApi).search(term, { limit, auth: loadAuth(ctx.env, key), filters: flags.list('filter') });
    const noTrunc = flags.bool('no-trunc');
    const rows = ['NAME\tDESCRIPTION\tSTARS\tOFFICIAL'];
    for (const r of results) {
      let desc = r.description.replace(/\n/g, ' ');
      if (!noTrunc && desc.length > 45) desc = desc.slice(0, 44) + '…';
      rows.push(`${r.name}\t${desc}\t${r.star_count}\t${r.is_official ? '[OK]' : ''}`);
    }
    ctx.stdout.write(alignColumns(rows.join('\n') + '\n'));
    return 0;
  },
};
