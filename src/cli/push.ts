// berth push: POST /images/{name}/push with the registry's credentials from config.json; the
// daemon sends only the blobs the registry lacks and reports progress as dockerd does.
import { DistributionApi } from '../client/distribution.js';
import { JSONMessagePrinter, decodeJSONMessages } from '../protocol/json-messages.js';
import { familiarName, parseReference } from '../protocol/reference.js';
import { StatusError, type CommandDef } from './command.js';
import { loadAuth, serverKeyForImage } from './credentials.js';

export const push: CommandDef = {
  use: '[OPTIONS] NAME[:TAG]',
  short: 'Upload an image to a registry',
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', usage: 'Push all tags of an image to the repository' },
    { long: 'disable-content-trust', kind: 'bool', usage: 'Skip image signing', defaultBool: true, defaultText: 'true' },
    { long: 'platform', kind: 'string', usage: 'Push a platform-specific manifest as a single-platform image to the registry' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const image = args[0] as string;
    const ref = parseReference(image);
    const all = flags.bool('all-tags');
    const quiet = flags.bool('quiet');
    if (all && (ref.tag || ref.digest)) throw new StatusError(1, 'tag can\'t be used with --all-tags/-a');
    if (ref.digest) throw new StatusError(1, 'cannot push a digest reference');
    let tag = ref.tag;
    if (!all && !tag) {
      tag = 'latest';
      if (!quiet) ctx.stdout.write('Using default tag: latest\n');
    }
    const repo = familiarName({ ...ref, tag: undefined });
    const res = await ctx.api(DistributionApi).push(repo, tag, loadAuth(ctx.env, serverKeyForImage(image)));
    const printer = new JSONMessagePrinter(ctx.stdout, { isTerminal: ctx.stdout.isTTY === true, width: ctx.stdout.columns ?? 80 });
    for await (const msg of decodeJSONMessages(res)) {
      const err = msg.errorDetail?.message ?? msg.error;
      if (err) throw new StatusError(1, err);
      if (!quiet) printer.print(msg);
    }
    if (quiet) ctx.stdout.write(`${familiarName({ ...ref, tag })}\n`);
    return 0;
  },
};
