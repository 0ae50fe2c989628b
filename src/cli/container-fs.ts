// A container's filesystem: diff, export, commit.

import { ContainersApi } from '../client/containers.js';
import { StatusError, type CommandDef } from './command.js';
import { checkOutputPath, writeOutput } from './archive-io.js';
import { parseReference, repositoryName } from '../protocol/reference.js';

const KINDS = ['C', 'A', 'D'] as const;

export const diff: CommandDef = {
  use: 'CONTAINER',
  short: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, args) {
    const changes = await ctx.api(ContainersApi).changes(args[0] as string);
    ctx.stdout.write(changes.map((c) => `${KINDS[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
    return 0;
  },
};

export const exportCmd: CommandDef = {
  use: '[OPTIONS] CONTAINER',
  short: "Export a container's filesystem as a tar archive",
  flags: [{ long: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const output = flags.string('output');
    if (!output && ctx.stdout.isTTY) throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    checkOutputPath(output, 'failed to export container');
    const res = await ctx.api(ContainersApi).export(args[0] as string);
    await writeOutput(ctx, res, output);
    return 0;
  },
};

export const commit: CommandDef = {
  use: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  short: "Create a new image from a container's changes",
  flags: [
    { long: 'author', short: 'a', kind: 'string', usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { long: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', usage: 'Commit message' },
    { long: 'pause', short: 'p', kind: 'bool', usage: 'Pause container during commit', defaultBool: true, defaultText: 'true' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags, args) {
    const [container, target] = args as [string, string?];
    let repo: string | undefined;
    let tag: string | undefined;
    if (target) {
      const ref = parseReference(target);
      if (ref.digest) throw new StatusError(1, 'refusing to create a tag with a digest reference');
      repo = repositoryName(ref);
      tag = ref.tag ?? 'latest';
    }
    const res = await ctx.api(ContainersApi).commit(container, {
      repo,
      tag,
      comment: flags.string('message'),
      author: flags.string('author'),
      pause: flags.bool('pause'),
      changes: flags.list('change'),
    });
    ctx.stdout.write(`${res.Id}\n`);
    return 0;
  },
};
