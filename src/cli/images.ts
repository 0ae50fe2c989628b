// Images: images/image ls, rmi, tag, history, save, load, import, image prune.

import { ImagesApi } from '../client/images.js';
import type { ImageHistoryItem, ImageSummary } from '../client/types.js';
import { JSONMessagePrinter, decodeJSONMessages } from '../protocol/json-messages.js';
import { StatusError, type CommandDef } from './command.js';
import { filterFlag, forceFlag, formatFlag } from './common-flags.js';
import { openInput, writeOutput } from './archive-io.js';
import { ellipsis, formatList, GO_MARSHAL_JSON, GO_TYPE_NAME, humanDuration, humanSize, type TableSpec } from './output.js';
import { confirm } from './prompt.js';
import { familiarName, parseReference, repositoryName } from './reference.js';
import { truncateID } from './ps.js';
import { goTimeString } from './format/go-time.js';

function escapeHTMLJSON(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** One row of `images`; upper-case members are what --format sees (formatter.imageContext). */
export class ImageRow {
  readonly [GO_TYPE_NAME] = '*formatter.imageContext';

  constructor(
    private readonly i: ImageSummary,
    readonly Repository: string,
    readonly Tag: string,
    readonly Digest: string,
    private readonly trunc: boolean,
    private readonly now: number,
  ) {}

  get ID(): string {
    return this.trunc ? truncateID(this.i.Id) : this.i.Id;
  }
  get CreatedSince(): string {
    return `${humanDuration(this.now - this.i.Created * 1000)} ago`;
  }
  get CreatedAt(): string {
    return goTimeString(new Date(this.i.Created * 1000));
  }
  get Size(): string {
    return humanSize(this.i.Size);
  }
  get Containers(): string {
    return this.i.Containers === -1 || this.i.Containers === undefined ? 'N/A' : String(this.i.Containers);
  }
  get VirtualSize(): string {
    return humanSize(this.i.VirtualSize ?? this.i.Size);
  }
  get SharedSize(): string {
    return this.i.SharedSize === -1 ? 'N/A' : humanSize(this.i.SharedSize ?? 0);
  }
  get UniqueSize(): string {
    return this.i.SharedSize === -1 ? 'N/A' : humanSize(this.i.Size - (this.i.SharedSize ?? 0));
  }

  [GO_MARSHAL_JSON](): string {
    return escapeHTMLJSON(
      JSON.stringify({
        Containers: this.Containers,
        CreatedAt: this.CreatedAt,
        CreatedSince: this.CreatedSince,
        Digest: this.Digest,
        ID: this.ID,
        Repository: this.Repository,
        SharedSize: this.SharedSize,
        Size: this.Size,
        Tag: this.Tag,
        UniqueSize: this.UniqueSize,
        VirtualSize: this.VirtualSize,
      }),
    );
  }
}

/** Rows per repository and tag, as docker's imageFormatTaggedAndDigest lays them out. */
export function imageRows(img: ImageSummary, digests: boolean, trunc: boolean, now: number): ImageRow[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const dgs = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  if (tags.length === 0 && dgs.length === 0) return [new ImageRow(img, '<none>', '<none>', '<none>', trunc, now)];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const t of tags) {
    const ref = parseReference(t);
    if (!ref.tag) continue;
    const name = familiarName(ref);
    repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
  }
  for (const d of dgs) {
    const ref = parseReference(d);
    if (!ref.digest) continue;
    const name = familiarName(ref);
    repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
  }
  const rows: ImageRow[] = [];
  for (const [repo, tagList] of repoTags) {
    const ds = digests ? (repoDigests.get(repo) ?? []) : [];
    repoDigests.delete(repo);
    for (const tag of tagList) {
      if (ds.length === 0) rows.push(new ImageRow(img, repo, tag, '<none>', trunc, now));
      else for (const d of ds) rows.push(new ImageRow(img, repo, tag, d, trunc, now));
    }
  }
  for (const [repo, ds] of repoDigests) {
    if (digests) for (const d of ds) rows.push(new ImageRow(img, repo, '<none>', d, trunc, now));
    else rows.push(new ImageRow(img, repo, '<none>', '', trunc, now));
  }
  return rows;
}

export const IMAGES_TABLE: TableSpec = {
  table: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
  headers: {
    Repository: 'REPOSITORY',
    Tag: 'TAG',
    ID: 'IMAGE ID',
    Digest: 'DIGEST',
    CreatedSince: 'CREATED',
    CreatedAt: 'CREATED AT',
    Size: 'SIZE',
    Containers: 'CONTAINERS',
    VirtualSize: 'VIRTUAL SIZE',
    SharedSize: 'SHARED SIZE',
    UniqueSize: 'UNIQUE SIZE',
  },
};

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
    let format = flags.string('format') ?? '';
    if (format === '' || format === 'table') {
      if (flags.bool('quiet')) format = '{{.ID}}';
      else if (digests) format = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
      else format = IMAGES_TABLE.table;
    }
    const now = Date.now();
    const trunc = !flags.bool('no-trunc');
    const rows = list.flatMap((img) => imageRows(img, digests, trunc, now));
    ctx.stdout.write(formatList(format, IMAGES_TABLE, rows));
    return 0;
  },
};

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
    const errors: string[] = [];
    for (const ref of args) {
      try {
        const items = await ctx.api(ImagesApi).remove(ref, { force: flags.bool('force'), noPrune: flags.bool('no-prune') });
        for (const item of items) {
          if (item.Untagged) ctx.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted) ctx.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      } catch (err) {
        errors.push(message(err));
      }
    }
    if (errors.length) throw new StatusError(1, errors.join('\n'));
    return 0;
  },
};

export const tag: CommandDef = {
  use: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  short: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, _flags, args) {
    const [source, target] = args as [string, string];
    const ref = parseReference(target);
    if (ref.digest) throw new StatusError(1, 'refusing to create a tag with a digest reference');
    await ctx.api(ImagesApi).tag(source, repositoryName(ref), ref.tag ?? 'latest');
    return 0;
  },
};

class HistoryRow {
  readonly [GO_TYPE_NAME] = '*formatter.historyContext';
  constructor(
    private readonly h: ImageHistoryItem,
    private readonly trunc: boolean,
    private readonly human: boolean,
    private readonly now: number,
  ) {}
  get ID(): string {
    return this.trunc && this.h.Id !== '<missing>' ? truncateID(this.h.Id) : this.h.Id;
  }
  get CreatedSince(): string {
    if (!this.human) return this.CreatedAt;
    return `${humanDuration(this.now - this.h.Created * 1000)} ago`;
  }
  get CreatedAt(): string {
    return new Date(this.h.Created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  get CreatedBy(): string {
    const by = this.h.CreatedBy.replace(/\t/g, ' ');
    return this.trunc ? ellipsis(by, 45) : by;
  }
  get Size(): string {
    return this.human ? humanSize(this.h.Size) : String(this.h.Size);
  }
  get Comment(): string {
    return this.h.Comment;
  }
  [GO_MARSHAL_JSON](): string {
    return escapeHTMLJSON(
      JSON.stringify({ Comment: this.Comment, CreatedAt: this.CreatedAt, CreatedBy: this.CreatedBy, CreatedSince: this.CreatedSince, ID: this.ID, Size: this.Size }),
    );
  }
}

const HISTORY_TABLE: TableSpec = {
  table: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
  headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
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
    let format = flags.string('format') ?? '';
    if (format === '' || format === 'table') format = flags.bool('quiet') ? '{{.ID}}' : HISTORY_TABLE.table;
    const now = Date.now();
    const rows = items.map((h) => new HistoryRow(h, !flags.bool('no-trunc'), flags.bool('human'), now));
    ctx.stdout.write(formatList(format, HISTORY_TABLE, rows));
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
    const report = await ctx.api(ImagesApi).prune({ filters });
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
