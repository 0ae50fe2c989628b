// attach: connect the terminal to a running container's main process.

import { ContainersApi } from '../client/containers.js';
import { StatusError, type CommandDef } from './command.js';
import { containerSession } from './session.js';

export const attach: CommandDef = {
  use: '[OPTIONS] CONTAINER',
  short: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { long: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { long: 'no-stdin', kind: 'bool', usage: 'Do not attach STDIN' },
    { long: 'sig-proxy', kind: 'bool', usage: 'Proxy all received signals to the process', defaultBool: true, defaultText: 'true' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const c = await ctx.api(ContainersApi).inspect(args[0] as string);
    if (!c.State.Running) throw new StatusError(1, 'You cannot attach to a stopped container, start it first');
    if (c.State.Paused) throw new StatusError(1, 'You cannot attach to a paused container, unpause it first');
    if (c.State.Restarting) throw new StatusError(1, 'You cannot attach to a restarting container, wait until it is running');
    const tty = c.Config.Tty === true;
    const stdin = !flags.bool('no-stdin') && c.Config.OpenStdin === true;
    if (stdin && tty && !ctx.stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    const result = await containerSession(ctx, ctx.api(ContainersApi), {
      id: c.Id,
      tty,
      stdin,
      stdout: true,
      stderr: true,
      detachKeys: flags.string('detach-keys'),
      waitCondition: 'not-running',
      sigProxy: flags.bool('sig-proxy'),
    });
    if (result.end === 'detached') return 0;
    return result.status ?? 0;
  },
};
