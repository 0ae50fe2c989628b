// exec: run a command in a running container; its exit code becomes ours.

import { ApiError } from '../client/errors.js';
import { ExecApi } from '../client/exec.js';
import { startErrorStatus } from './start-errors.js';
import { StatusError, type CommandDef } from './command.js';
// Not container-options.js's processEnv: that module is run's option parsing (its flag table
// and helpers), which an exec does not need to load.
import { processEnvSource, readEnv } from './envfile.js';
import { consoleSize, detachKeysOrDefault, monitorTtySize, rawTerminal, streamHijacked } from './hijack-io.js';

/** The exit code of a finished exec; the daemon may record it a moment after the stream ends. */
async function execExitCode(api: ExecApi, execId: string): Promise<number> {
  for (let i = 0; ; i++) {
    const info = await api.inspect(execId);
    if (info.ExitCode !== null && info.ExitCode !== undefined && !info.Running) return info.ExitCode;
    if (i >= 200) return info.ExitCode ?? 0;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const exec: CommandDef = {
  use: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  short: 'Execute a command in a running container',
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: run command in the background' },
    { long: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { long: 'env', short: 'e', kind: 'list', usage: 'Set environment variables' },
    { long: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
    { long: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { long: 'privileged', kind: 'bool', usage: 'Give extended privileges to the command' },
    { long: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    { long: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { long: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ],
  interspersed: false,
  args: { min: 2 },
  async run(ctx, flags, args) {
    const [container, ...cmd] = args as [string, ...string[]];
    const detach = flags.bool('detach');
    const tty = flags.bool('tty');
    const interactive = flags.bool('interactive');
    const attachStdin = !detach && interactive;
    if (!detach && attachStdin && tty && !ctx.stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    let env: string[];
    try {
      env = readEnv(flags.list('env-file'), flags.list('env'), processEnvSource);
    } catch (err) {
      throw new StatusError(1, err instanceof Error ? err.message : String(err));
    }
    const detachKeys = flags.string('detach-keys');
    // Bad keys are the daemon's to judge (moby's exec falls back to the default ones).
    const keys = detachKeysOrDefault(detachKeys);
    const size = tty ? consoleSize(ctx.stdout) : undefined;
    const api = ctx.api(ExecApi);
    const created = await api.create(container, {
      User: flags.string('user') ?? '',
      Privileged: flags.bool('privileged'),
      Tty: tty,
      ConsoleSize: size ?? null,
      AttachStdin: attachStdin,
      AttachStdout: !detach,
      AttachStderr: !detach,
      DetachKeys: detachKeys ?? '',
      Env: env.length ? env : null,
      WorkingDir: flags.string('workdir') ?? '',
      Cmd: cmd,
    });
    const execId = created.Id;
    if (!execId) throw new StatusError(1, 'exec ID empty');
    if (detach) {
      await api.startDetached(execId, { tty });
      return 0;
    }
    let hijacked;
    try {
      hijacked = await api.startAttached(execId, { tty, consoleSize: size });
    } catch (err) {
      // docker's daemon reports a command that cannot start in the stream and as exit code
      // 126/127; a daemon that answers with an HTTP error gets the same treatment here.
      if (err instanceof ApiError) {
        const status = startErrorStatus(err.reason);
        if (status !== 125) throw new StatusError(status, err.reason);
      }
      throw err;
    }
    const stdin = attachStdin ? ctx.stdin : undefined;
    const restore = tty && stdin ? rawTerminal(stdin) : () => undefined;
    let stopResize = (): void => undefined;
    try {
      const streaming = streamHijacked({ socket: hijacked.socket, tty: hijacked.raw ?? tty, stdout: ctx.stdout, stderr: ctx.stderr, stdin, detachKeys: keys });
      if (tty) stopResize = monitorTtySize(ctx.stdout, (h, w) => api.resize(execId, h, w));
      const end = await streaming;
      if (end === 'detached') return 0;
    } finally {
      stopResize();
      restore();
    }
    return execExitCode(api, execId);
  },
};
