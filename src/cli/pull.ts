// Pulling an image through the daemon (POST /images/create?fromImage=), for `pull` and for
// run/create when the image is missing.

import type { Writable } from 'node:stream';
import { isApiError } from '../client/errors.js';
import { ImagesApi } from '../client/images.js';
import { JSONMessagePrinter, decodeJSONMessages } from '../protocol/json-messages.js';
import { BIN, type CommandDef } from './command.js';
import { parseReference, repositoryName } from '../protocol/reference.js';

export async function pullImage(images: ImagesApi, image: string, out: Writable & { isTTY?: boolean; columns?: number }, opts: { quiet?: boolean; platform?: string } = {}): Promise<void> {
  const ref = parseReference(image);
  const tag = ref.digest ?? ref.tag ?? 'latest';
  const res = await images.pull(repositoryName(ref), tag, { platform: opts.platform });
  const printer = new JSONMessagePrinter(out, { isTerminal: out.isTTY === true, width: out.columns ?? 80 });
  for await (const msg of decodeJSONMessages(res)) {
    if (opts.quiet) {
      const err = msg.errorDetail?.message ?? msg.error;
      if (err) throw new Error(err);
      continue;
    }
    printer.print(msg);
  }
}

/** True when the daemon has no pull at all (rather than failing this pull). */
export function isPullUnsupported(err: unknown): boolean {
  return (isApiError(err, 404) && /page not found|not implemented|not supported/i.test(err.reason)) || isApiError(err, 501);
}

export const pull: CommandDef = {
  use: '[OPTIONS] NAME[:TAG|@DIGEST]',
  short: 'Download an image from a registry',
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', usage: 'Download all tagged images in the repository' },
    { long: 'disable-content-trust', kind: 'bool', usage: 'Skip image verification', defaultBool: true, defaultText: 'true' },
    { long: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const image = args[0] as string;
    const quiet = flags.bool('quiet');
    if (!parseReference(image).tag && !parseReference(image).digest && !quiet) {
      ctx.stdout.write('Using default tag: latest\n');
    }
    try {
      await pullImage(ctx.api(ImagesApi), image, ctx.stdout, { quiet, platform: flags.string('platform') });
    } catch (err) {
      if (isPullUnsupported(err)) throw new Error(`${BIN}: 'pull' is not implemented yet`);
      throw err;
    }
    if (quiet) {
      const ref = parseReference(image);
      ctx.stdout.write(`${repositoryName(ref)}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}\n`);
    }
    return 0;
  },
};
