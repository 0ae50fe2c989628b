// logs: the container's output from the daemon's log, demultiplexed unless it has a TTY.

import { ContainersApi } from '../client/containers.js';
import { pipeline } from 'node:stream/promises';
import { demuxStream } from '../protocol/stdcopy.js';
import { streamKind } from '../client/transport.js';
import { StatusError, type CommandDef } from './command.js';
import { getTimestamp } from './timestamps.js';

export const logs: CommandDef = {
  use: '[OPTIONS] CONTAINER',
  short: 'Fetch the logs of a container',
  flags: [
    { long: 'details', kind: 'bool', usage: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', kind: 'bool', usage: 'Follow log output' },
    { long: 'since', kind: 'string', usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { long: 'tail', short: 'n', kind: 'string', usage: 'Number of lines to show from the end of the logs', defaultText: '"all"' },
    { long: 'timestamps', short: 't', kind: 'bool', usage: 'Show timestamps' },
    { long: 'until', kind: 'string', usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const c = await ctx.api(ContainersApi).inspect(args[0] as string);
    const now = Date.now();
    // The docker client's ContainerLogs names the option a bad time came in.
    const time = (name: 'since' | 'until'): string | undefined => {
      const v = flags.string(name);
      try {
        return v ? getTimestamp(v, now) : undefined;
      } catch (err) {
        throw new StatusError(1, `invalid value for ${JSON.stringify(name)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const res = await ctx.api(ContainersApi).logs(c.Id, {
      stdout: true,
      stderr: true,
      follow: flags.bool('follow'),
      since: time('since'),
      until: time('until'),
      timestamps: flags.bool('timestamps'),
      tail: flags.string('tail') ?? 'all',
      details: flags.bool('details'),
    });
    const raw = streamKind(res.headers) ?? c.Config.Tty === true;
    try {
      if (raw) await pipeline(res, ctx.stdout, { end: false });
      else await demuxStream(res, ctx.stdout, ctx.stderr);
    } catch (err) {
      // The daemon dropped the connection mid-response: Go's client calls that "unexpected EOF".
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as Error).message === 'aborted') {
        throw new StatusError(1, 'unexpected EOF');
      }
      throw err;
    }
    return 0;
  },
};
