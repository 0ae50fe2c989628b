// Images: images/image ls, rmi, tag, history, save, load, import, image prune.

import { isApiError } from '../client/errors.js';
import { ImagesApi } from '../client/images.js';
import { JSONMessagePrinter, decodeJSONMessages } from '../protocol/json-messages.js';
import { StatusError, type CommandDef } from './command.js';
import { filterFlag, forceFlag, formatFlag } from './common-flags.js';
import { checkOutputPath, openInput, writeOutput } from './archive-io.js';
import { historyFormat, historyRows, HISTORY_HEADERS, humanSize, imageFormat, imageRows, IMAGE_HEADERS, renderList } from './output.js';
import { confirm } from './prompt.js';
import { parseReference, repositoryName } from '../protocol/reference.js';
import { parsePlatform } from '../protocol/platform.js';

export const images: CommandDef = {
  use: '[OPTIONS] [REPOSITORY[:TAG]]',
  short: 'List images',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { long: 'digests', kind: 'bool', usage: 'Show digests' },
    filterFlag(),
    formatFlag(),
    { long: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
    { long: 'tree', kind: 'bool', usage: 'List multi-platform images as a tree (EXPERIMENTAL)', hidden: true },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, flags, args) {
    const filters = flags.list('filter');
    if (args[0]) filters.push(`reference=${args[0]}`);
    const list = await ctx.api(ImagesApi).list({ all: flags.bool('all'), filters, digests: true });
    const digests = flags.bool('digests');
    const format = imageFormat(flags.string('format') ?? '', { quiet: flags.bool('quiet'), digests });
    const rows = imageRows(list, { trunc: !flags.bool('no-trunc'), now: new Date(), digests, format });
    ctx.stdout.write(renderList(format, rows, IMAGE_HEADERS));
    return 0;
  },
};

/** A --platform the docker CLI would refuse before asking the daemon (containerd's words). */
function checkPlatform(platform: string | undefined, lead: string): void {
  if (!platform) return;
  try {
    parsePlatform(platform);
  } catch (err) {
    throw new StatusError(1, `${lead}${message(err)}`);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const rmi: CommandDef = {
  use: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Remove one or more images',
  flags: [
    { long: 'force', short: 'f', kind: 'bool', usage: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', usage: 'Do not delete untagged parents' },
    { long: 'platform', kind: 'list', type: 'strings', usage: 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    for (const p of flags.list('platform')) checkPlatform(p, '');
    const errors: string[] = [];
    let fatal = false;
    for (const ref of args) {
      try {
        const items = await ctx.api(ImagesApi).remove(ref, { force: flags.bool('force'), noPrune: flags.bool('no-prune') });
        for (const item of items) {
          if (item.Untagged) ctx.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted) ctx.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      } catch (err) {
        errors.push(message(err));
        if (!isApiError(err, 404)) fatal = true;
      }
    }
    if (!errors.length) return 0;
    // As docker: with --force, images that are not there are reported but do not fail the command.
    if (flags.bool('force') && !fatal) {
      ctx.stderr.write(`${errors.join('\n')}\n`);
      return 0;
    }
    throw new StatusError(1, errors.join('\n'));
  },
};

export const tag: CommandDef = {
  use: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  short: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, _flags, args) {
    const [source, target] = args as [string, string];
    // The docker client's ImageTag: both names parsed first, a bad one in these words.
    const parsed = (name: string) => {
      try {
        return parseReference(name);
      } catch (err) {
        throw new StatusError(1, `Error parsing reference: ${JSON.stringify(name)} is not a valid repository/tag: ${message(err)}`);
      }
    };
    // An image ID (full, or sha256:…) is a valid source as it is.
    if (!/^([a-f0-9]{64}|sha256:.*)$/.test(source)) parsed(source);
    const ref = parsed(target);
    if (ref.digest) throw new StatusError(1, 'refusing to create a tag with a digest reference');
    await ctx.api(ImagesApi).tag(source, repositoryName(ref), ref.tag ?? 'latest');
    return 0;
  },
};

export const history: CommandDef = {
  use: '[OPTIONS] IMAGE',
  short: 'Show the history of an image',
  flags: [
    formatFlag(),
    { long: 'human', short: 'H', kind: 'bool', usage: 'Print sizes and dates in human readable format', defaultBool: true, defaultText: 'true' },
    { long: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { long: 'platform', kind: 'string', usage: 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const items = await ctx.api(ImagesApi).history(args[0] as string);
    const human = flags.bool('human');
    const format = historyFormat(flags.string('format') ?? '', { quiet: flags.bool('quiet'), human });
    const rows = historyRows(items, { trunc: !flags.bool('no-trunc'), now: new Date(), human });
    ctx.stdout.write(renderList(format, rows, HISTORY_HEADERS));
    return 0;
  },
};

export const save: CommandDef = {
  use: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [
    { long: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' },
    { long: 'platform', kind: 'string', usage: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const output = flags.string('output');
    if (!output && ctx.stdout.isTTY) throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    checkOutputPath(output, 'failed to save image');
    checkPlatform(flags.string('platform'), 'invalid platform: ');
    const res = await ctx.api(ImagesApi).save(args);
    await writeOutput(ctx, res, output);
    return 0;
  },
};

/** Print a JSON message stream to stdout; errors end the command with their message. */
async function printMessages(ctx: import('./command.js').Ctx, src: AsyncIterable<Buffer | string>): Promise<void> {
  const printer = new JSONMessagePrinter(ctx.stdout, { isTerminal: ctx.stdout.isTTY === true, width: ctx.stdout.columns ?? 80 });
  try {
    for await (const msg of decodeJSONMessages(src)) printer.print(msg);
  } catch (err) {
    throw new StatusError(1, message(err));
  }
}

export const load: CommandDef = {
  use: '[OPTIONS]',
  short: 'Load an image from a tar archive or STDIN',
  flags: [
    { long: 'input', short: 'i', kind: 'string', usage: 'Read from tar archive file, instead of STDIN' },
    { long: 'platform', kind: 'string', usage: 'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the load output' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const input = flags.string('input');
    if (!input && ctx.stdin.isTTY) throw new StatusError(1, 'requested load from stdin, but stdin is empty');
    checkPlatform(flags.string('platform'), 'invalid platform: ');
    const res = await ctx.api(ImagesApi).load(openInput(ctx, input), { quiet: flags.bool('quiet') });
    if ((res.headers['content-type'] ?? '').includes('json')) await printMessages(ctx, res);
    else for await (const chunk of res) ctx.stdout.write(chunk as Buffer);
    return 0;
  },
};

export const importCmd: CommandDef = {
  use: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  short: 'Import the contents from a tarball to create a filesystem image',
  flags: [
    { long: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', usage: 'Set commit message for imported image' },
    { long: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, flags, args) {
    const [file, repo] = args as [string, string?];
    const isUrl = /^(https?:\/\/|git:\/\/|github\.com\/)/.test(file);
    const source = file === '-' ? ctx.stdin : isUrl ? file : openInput(ctx, file);
    let repoName: string | undefined;
    let tagName: string | undefined;
    if (repo) {
      const ref = parseReference(repo);
      if (ref.digest) throw new StatusError(1, 'refusing to create a tag with a digest reference');
      // The CLI sends the reference as typed, like docker's client.
      const colon = repo.lastIndexOf(':');
      if (ref.tag && colon > repo.lastIndexOf('/')) {
        repoName = repo.slice(0, colon);
        tagName = ref.tag;
      } else repoName = repo;
    }
    const res = await ctx.api(ImagesApi).import(source, {
      repo: repoName,
      tag: tagName,
      message: flags.string('message'),
      changes: flags.list('change'),
      platform: flags.string('platform')?.toLowerCase(),
    });
    await printMessages(ctx, res);
    return 0;
  },
};

export const imagePrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove unused images',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', undefined),
    forceFlag(),
    { long: 'history', kind: 'bool', usage: "Also remove earlier images a tag's history keeps (berth image log)" },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!flags.bool('force') && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = flags.list('filter');
    filters.push(`dangling=${all ? 'false' : 'true'}`);
    const report = await ctx.api(ImagesApi).prune({ filters, history: flags.bool('history') });
    let out = '';
    const deleted = report.ImagesDeleted ?? [];
    if (deleted.length) {
      out += 'Deleted Images:\n';
      for (const d of deleted) {
        if (d.Untagged) out += `untagged: ${d.Untagged}\n`;
        if (d.Deleted) out += `deleted: ${d.Deleted}\n`;
      }
      out += '\n';
    }
    out += `Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};
