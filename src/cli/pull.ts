// Pulling an image through the daemon (POST /images/create?fromImage=), for `pull` and for
// run/create when the image is missing. Credentials for the image's registry come from
// config.json (credentials.ts) and travel in X-Registry-Auth, as the docker CLI sends them.

import type { Writable } from 'node:stream';
import { isApiError } from '../client/errors.js';
import { encodeRegistryAuth } from '../client/distribution.js';
import { ImagesApi } from '../client/images.js';
import { JSONMessagePrinter, decodeJSONMessages } from '../protocol/json-messages.js';
import { parseReference, referenceString, repositoryName } from '../protocol/reference.js';
import { BIN, StatusError, type CommandDef } from './command.js';
import { loadAuth, serverKeyForImage } from './credentials.js';

export interface PullOptions {
  quiet?: boolean;
  platform?: string;
  allTags?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function pullImage(images: ImagesApi, image: string, out: Writable & { isTTY?: boolean; columns?: number }, opts: PullOptions = {}): Promise<void> {
  const ref = parseReference(image);
  // -a: no tag at all (the daemon then pulls every tag); else the tag or digest, ":latest" by default.
  const tag = opts.allTags ? undefined : (ref.digest ?? ref.tag ?? 'latest');
  const auth = encodeRegistryAuth(loadAuth(opts.env ?? process.env, serverKeyForImage(image)));
  const res = await images.pull(repositoryName(ref), tag, { platform: opts.platform, auth });
  const printer = new JSONMessagePrinter(out, { isTerminal: out.isTTY === true, width: out.columns ?? 80 });
  for await (const msg of decodeJSONMessages(res)) {
    if (opts.quiet) {
      const err = msg.errorDetail?.message ?? msg.error;
      if (err) throw new StatusError(1, err);
      continue;
    }
    try {
      printer.print(msg);
    } catch (err) {
      throw new StatusError(1, (err as Error).message);
    }
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
    const allTags = flags.bool('all-tags');
    const ref = parseReference(image);
    if (allTags && (ref.tag || ref.digest)) throw new StatusError(1, 'tag can\'t be used with --all-tags/-a');
    if (!ref.tag && !ref.digest && !quiet && !allTags) ctx.stdout.write('Using default tag: latest\n');
    try {
      await pullImage(ctx.api(ImagesApi), image, ctx.stdout, { quiet, platform: flags.string('platform'), allTags, env: ctx.env });
    } catch (err) {
      if (isPullUnsupported(err)) throw new Error(`${BIN}: 'pull' is not implemented yet`);
      throw err;
    }
    if (quiet) ctx.stdout.write(`${allTags ? repositoryName(ref) : referenceString(ref.digest || ref.tag ? ref : { ...ref, tag: 'latest' })}\n`);
    return 0;
  },
};
