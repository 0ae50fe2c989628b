// run and create. `run` follows docker's sequence, which berthd relies on:
//   POST /containers/create → (unless -d) hijacked POST /attach and POST /wait, both in place
//   → POST /start → resize (TTY) → stream → exit code from wait.

import { existsSync, writeFileSync } from 'node:fs';
import { ContainersApi } from '../client/containers.js';
import { isApiError } from '../client/errors.js';
import { BIN, StatusError, type CommandDef, type Ctx } from './command.js';
import { buildContainerSpec, CREATE_FLAGS, OptionError, processEnv, RUN_FLAGS, type ContainerSpec } from './container-options.js';
import { FlagError, type Flags } from './flags.js';
import { localhostDNSWarning } from './network-options.js';
import { consoleSize } from './hijack-io.js';
import { containerSession, StartFailed, WaitFailed } from './session.js';
import { startErrorStatus } from './start-errors.js';
import { parsePlatform } from '../protocol/platform.js';

/** docker's toStatusError: "berth: <message>" and the help hint (docker 28 adds it to every run failure). */
function report(ctx: Ctx, command: string, message: string, withHelp: boolean): void {
  let text = `${BIN}: ${message}`;
  if (withHelp) text += `\n\nRun '${BIN} ${command} --help' for more information`;
  ctx.stderr.write(`${text}\n`);
}

async function specFrom(ctx: Ctx, command: string, flags: Flags, args: string[], detach: boolean): Promise<ContainerSpec> {
  try {
    return await buildContainerSpec(flags, args, processEnv, detach);
  } catch (err) {
    if (err instanceof FlagError || err instanceof StatusError) throw err;
    report(ctx, command, err instanceof Error ? err.message : String(err), true);
    throw new StatusError(125);
  }
}

/** Create the container, pulling its image first when it is missing (--pull=missing). */
export async function createContainer(ctx: Ctx, spec: ContainerSpec): Promise<string> {
  const containers = ctx.api(ContainersApi);
  const image = spec.body.Image as string;
  // As the docker CLI's createContainer: a platform it cannot read never reaches the daemon
  // (which would then find no such image, and pull).
  if (spec.platform) {
    try {
      parsePlatform(spec.platform);
    } catch (err) {
      throw new Error(`error parsing specified platform: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (spec.cidfile && existsSync(spec.cidfile)) {
    throw new Error(`container ID file found, make sure the other container isn't running or delete ${spec.cidfile}`);
  }
  // Pulling is off the hot path: its modules load only when an image is missing.
  const pullModule = (): Promise<typeof import('./pull.js')> => import('./pull.js');
  const pull = async (): Promise<void> => {
    const [{ pullImage }, { ImagesApi }] = await Promise.all([pullModule(), import('../client/images.js')]);
    await pullImage(ctx.api(ImagesApi), image, ctx.stderr, { quiet: spec.quiet, platform: spec.platform, env: ctx.env });
  };
  if (spec.pull === 'always') await pull();
  const create = (): ReturnType<ContainersApi['create']> => containers.create(spec.body, { name: spec.name, platform: spec.platform });
  let res;
  try {
    res = await create();
  } catch (err) {
    // Missing, or here only for another platform than --platform's: pulled, as the docker CLI does.
    if (!(isApiError(err, 404) && spec.pull === 'missing' && /^No such image|^image with reference .* does not match the specified platform/.test(err.reason))) throw err;
    const { familiarTagged } = await import('../protocol/reference.js');
    ctx.stderr.write(`Unable to find image '${familiarTagged(image)}' locally\n`);
    try {
      await pull();
    } catch (pullErr) {
      // A daemon without pull: the missing image is the whole story.
      if ((await pullModule()).isPullUnsupported(pullErr)) throw err;
      throw pullErr;
    }
    res = await create();
  }
  const warnings = [...(res.Warnings ?? [])];
  const dnsWarning = localhostDNSWarning(spec.body.HostConfig?.Dns ?? undefined);
  if (dnsWarning) warnings.push(dnsWarning);
  for (const w of warnings) ctx.stderr.write(`WARNING: ${w}\n`);
  if (spec.cidfile) writeFileSync(spec.cidfile, res.Id);
  return res.Id;
}

async function runAction(ctx: Ctx, flags: Flags, args: string[]): Promise<number> {
  const detach = flags.bool('detach');
  const spec = await specFrom(ctx, 'run', flags, args, detach);
  const body = spec.body;
  const tty = body.Tty === true;
  if (!detach && body.AttachStdin && tty && !ctx.stdin.isTTY) {
    throw new StatusError(1, 'the input device is not a TTY');
  }
  if (tty && body.HostConfig) {
    const size = consoleSize(ctx.stdout);
    if (size) body.HostConfig.ConsoleSize = size;
  }
  const containers = ctx.api(ContainersApi);
  let id: string;
  try {
    id = await createContainer(ctx, spec);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    report(ctx, 'run', message, true);
    // The docker CLI (28) reads a create's failure as a start's: 127 for a missing file or
    // command, 126 for permission denied, else 125.
    throw new StatusError(startErrorStatus(message));
  }

  if (detach) {
    try {
      await containers.start(id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      report(ctx, 'run', message, true);
      throw new StatusError(startErrorStatus(message));
    }
    ctx.stdout.write(`${id}\n`);
    return 0;
  }

  try {
    const result = await containerSession(ctx, containers, {
      id,
      tty,
      stdin: body.AttachStdin === true,
      stdout: body.AttachStdout === true,
      stderr: body.AttachStderr === true,
      detachKeys: flags.string('detach-keys'),
      waitCondition: spec.autoRemove ? 'removed' : 'next-exit',
      start: () => containers.start(id),
      sigProxy: flags.bool('sig-proxy'),
    });
    if (result.end === 'detached') return 0;
    return result.status ?? 0;
  } catch (err) {
    if (err instanceof StartFailed) {
      report(ctx, 'run', err.message, true);
      throw new StatusError(startErrorStatus(err.message));
    }
    if (err instanceof WaitFailed) {
      ctx.stderr.write(`error waiting for container: ${err.message}\n`);
      throw new StatusError(125);
    }
    throw err;
  }
}

export const run: CommandDef = {
  use: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create and run a new container from an image',
  flags: RUN_FLAGS,
  interspersed: false,
  args: { min: 1 },
  run: runAction,
};

export const create: CommandDef = {
  use: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create a new container',
  flags: CREATE_FLAGS,
  interspersed: false,
  args: { min: 1 },
  async run(ctx, flags, args) {
    const spec = await specFrom(ctx, 'create', flags, args, false);
    if (spec.body.Tty && spec.body.HostConfig) {
      const size = consoleSize(ctx.stdout);
      if (size) spec.body.HostConfig.ConsoleSize = size;
    }
    const id = await createContainer(ctx, spec);
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};

export { OptionError };
