// berth build (the classic builder's output), builder prune, and berth's tag history:
// image log / image rollback. The context is a directory packed as a tar with .dockerignore
// applied here (as docker's CLI does), with the Dockerfile from stdin (-f -) or not, a tar read
// from stdin, or a Dockerfile alone on stdin.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { pack as tarPack } from 'tar-stream';
import { BuildApi } from '../client/build.js';
import { JSONMessageError, JSONMessagePrinter, decodeJSONMessages, humanSize } from '../protocol/json-messages.js';
import { StatusError, type CommandDef } from './command.js';
import { forceFlag } from './common-flags.js';
import { packPath } from './local-archive.js';
import { parseUlimit } from './limits.js';
import { parseRamBytes, parseSwapBytes } from '../protocol/units.js';
import { confirm } from './prompt.js';

/** --build-arg K=V (or K alone: the value of K in the environment, unset if not there). */
function buildArgs(list: string[], env: NodeJS.ProcessEnv): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i < 0) out[a] = env[a] ?? null;
    else out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

function keyValues(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
  }));
}

/** A tar holding only a Dockerfile (docker build - < Dockerfile). */
function dockerfileTar(text: Buffer): Readable {
  const p = tarPack();
  p.entry({ name: 'Dockerfile', mode: 0o644, size: text.length, mtime: new Date() }, text, () => p.finalize());
  return Readable.from(p, { objectMode: false });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/**
 * Where the Dockerfile is, as the docker CLI finds it (GetContextFromLocalDir): -f is relative to
 * the working directory, not the context; without -f, Dockerfile (or dockerfile) in the context;
 * symlinks followed. Its path inside the context, or its own path when it lies outside.
 */
async function locateDockerfile(dir: string, dockerfile: string | undefined): Promise<{ inside?: string; outside?: string }> {
  const contextDir = await fs.realpath(path.resolve(dir));
  let given = dockerfile ? path.resolve(dockerfile) : path.join(contextDir, 'Dockerfile');
  if (!dockerfile && !(await exists(given)) && (await exists(path.join(contextDir, 'dockerfile')))) given = path.join(contextDir, 'dockerfile');
  let real: string;
  try {
    real = await fs.realpath(given);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new StatusError(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${await firstMissing(given)}: no such file or directory`);
  }
  const rel = path.relative(contextDir, real);
  if (rel === '..' || rel.startsWith(`..${path.sep}`)) return { outside: real };
  return { inside: rel.split(path.sep).join('/') };
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}

/** The first component of p that does not exist (the path Go's EvalSymlinks names). */
async function firstMissing(p: string): Promise<string> {
  const parts = p.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    if (!(await exists(prefix))) return prefix;
  }
  return p;
}

/** The context: the directory packed (honouring .dockerignore) or what stdin holds. */
async function context(ctx: import('./command.js').Ctx, dir: string, dockerfile: string | undefined): Promise<{ body: Readable; dockerfile?: string }> {
  if (dir === '-') {
    const head = await readAll(ctx.stdin);
    // A tar (maybe compressed) is the context; anything else is a Dockerfile alone.
    const isTar = head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
    const compressed = head[0] === 0x1f && head[1] === 0x8b;
    if (isTar || compressed) return { body: Readable.from([head]), dockerfile };
    return { body: dockerfileTar(head), dockerfile: 'Dockerfile' };
  }
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new StatusError(1, `unable to prepare context: path "${dir}" not found`);
  const ignoreText = await fs.readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = ignoreText.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const ig = dockerignore.default().add(patterns);
  // A Dockerfile from stdin, or from outside the context: as the docker CLI, it joins the context
  // under a random name, which the .dockerignore sent along lists (with itself, when the
  // directory has none).
  const added = (data: Buffer) => {
    const name = `.dockerfile.${randomBytes(10).toString('hex')}`;
    const ignore = `${ignoreText || '.dockerignore'}\n${name}\n`;
    const append = [{ name, data }, { name: '.dockerignore', data: Buffer.from(ignore) }];
    return { body: packPath(dir, '.', { exclude: (n) => patterns.length > 0 && ig.ignores(n), append }), dockerfile: name };
  };
  if (dockerfile === '-') return added(await readAll(ctx.stdin));
  const found = await locateDockerfile(dir, dockerfile);
  if (found.outside) return added(await fs.readFile(found.outside));
  const dfName = found.inside!;
  // docker sends the Dockerfile and .dockerignore even when they are ignored; the daemon drops them.
  const keep = new Set([dfName, '.dockerignore']);
  return { body: packPath(dir, '.', { exclude: (n) => patterns.length > 0 && !keep.has(n) && ig.ignores(n) }), dockerfile: dfName };
}

export const build: CommandDef = {
  use: '[OPTIONS] PATH | URL | -',
  short: 'Build an image from a Dockerfile',
  flags: [
    { long: 'add-host', kind: 'list', usage: 'Add a custom host-to-IP mapping ("host:ip")' },
    { long: 'build-arg', kind: 'list', usage: 'Set build-time variables' },
    { long: 'cache-from', kind: 'list', usage: 'Images to consider as cache sources' },
    { long: 'cgroup-parent', kind: 'string', usage: 'Set the parent cgroup for the "RUN" instructions during build' },
    { long: 'cpu-period', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
    { long: 'cpu-quota', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
    { long: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
    { long: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
    { long: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
    { long: 'file', short: 'f', kind: 'string', usage: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
    { long: 'force-rm', kind: 'bool', usage: 'Always remove intermediate containers' },
    { long: 'iidfile', kind: 'string', usage: 'Write the image ID to the file' },
    { long: 'label', kind: 'list', usage: 'Set metadata for an image' },
    { long: 'memory', short: 'm', kind: 'string', type: 'bytes', usage: 'Memory limit', validate: (v) => void parseRamBytes(v) },
    { long: 'memory-swap', kind: 'string', type: 'bytes', usage: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', validate: (v) => void parseSwapBytes(v) },
    { long: 'network', kind: 'string', usage: 'Set the networking mode for the RUN instructions during build', defaultText: 'default' },
    { long: 'no-cache', kind: 'bool', usage: 'Do not use cache when building the image' },
    { long: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { long: 'pull', kind: 'bool', usage: 'Always attempt to pull a newer version of the image' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the build output and print image ID on success' },
    { long: 'rm', kind: 'bool', usage: 'Remove intermediate containers after a successful build', defaultBool: true, defaultText: 'true' },
    { long: 'shm-size', kind: 'string', type: 'bytes', usage: 'Size of "/dev/shm"', validate: (v) => void parseRamBytes(v) },
    { long: 'tag', short: 't', kind: 'list', usage: "Name and optionally a tag in the 'name:tag' format" },
    { long: 'target', kind: 'string', usage: 'Set the target build stage to build.' },
    { long: 'ulimit', kind: 'list', type: 'ulimit', usage: 'Ulimit options', validate: (v) => void parseUlimit(v) },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const dir = args[0] as string;
    if (/^(https?|git):\/\//.test(dir)) throw new StatusError(1, 'berth builds from a local directory or stdin only');
    const quiet = flags.bool('quiet');
    const { body, dockerfile } = await context(ctx, dir, flags.string('file'));
    // The context is counted as it streams, for docker's "Sending build context" line.
    let sent = 0;
    const counted = new PassThrough();
    counted.on('data', (b: Buffer) => (sent += b.length));
    body.on('error', (e) => counted.destroy(e));
    body.pipe(counted);
    // With -q the progress is kept, and shown (on stderr) only if the build fails, as docker does.
    const kept: string[] = [];
    const out = quiet ? new Writable({ write: (chunk: Buffer | string, _enc, done) => (kept.push(String(chunk)), done()) }) : ctx.stdout;
    const showKept = () => {
      if (quiet) ctx.stderr.write(kept.join(''));
    };
    // docker's progress line, byte for byte: the size right-aligned in eight columns, and the
    // progress writer's "\r" before its end of line.
    const sending = () => `Sending build context to berth daemon ${humanSize(sent).replace(' ', '').padStart(8)}\r\r\n`;
    let res;
    try {
      res = await ctx.api(BuildApi).build(counted, {
        tags: flags.list('tag'), dockerfile, buildArgs: buildArgs(flags.list('build-arg'), ctx.env), noCache: flags.bool('no-cache'),
        pull: flags.bool('pull'), rm: flags.bool('rm'), forceRm: flags.bool('force-rm'), target: flags.string('target'),
        labels: keyValues(flags.list('label')), quiet, networkMode: flags.string('network'), extraHosts: flags.list('add-host'), cacheFrom: flags.list('cache-from'), platform: flags.string('platform'),
        limits: {
          memory: parseRamBytes(flags.string('memory') ?? '0'), memorySwap: parseSwapBytes(flags.string('memory-swap') ?? '0'),
          cpuShares: flags.int('cpu-shares'), cpuPeriod: flags.int('cpu-period'), cpuQuota: flags.int('cpu-quota'),
          cpusetCpus: flags.string('cpuset-cpus'), cpusetMems: flags.string('cpuset-mems'), cgroupParent: flags.string('cgroup-parent'),
          shmSize: parseRamBytes(flags.string('shm-size') ?? '0'), ulimits: flags.list('ulimit').map(parseUlimit),
        },
      });
    } catch (err) {
      // docker has sent the context (and said so) before the daemon refuses it.
      out.write(sending());
      showKept();
      throw err;
    }
    out.write(sending());
    const printer = new JSONMessagePrinter(out, { isTerminal: !quiet && ctx.stdout.isTTY === true, width: ctx.stdout.columns ?? 80 });
    let imageId = '';
    try {
      for await (const msg of decodeJSONMessages(res)) {
        const aux = msg.aux as { ID?: string } | undefined;
        if (aux?.ID) {
          imageId = aux.ID;
          continue;
        }
        printer.print(msg);
      }
    } catch (err) {
      showKept();
      // docker's CLI exits with a failed step's code (JSONError.Code), 1 when there is none.
      throw new StatusError(err instanceof JSONMessageError && err.code ? err.code : 1, (err as Error).message);
    }
    if (quiet) ctx.stdout.write(`${imageId}\n`);
    const iid = flags.string('iidfile');
    if (iid && imageId) await fs.writeFile(iid, imageId);
    return 0;
  },
};

export const builderPrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove build cache',
  flags: [{ long: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused build cache, not just dangling ones' }, forceFlag()],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    if (!flags.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all dangling build cache.\nAre you sure you want to continue?'))) return 0;
    const r = await ctx.api(BuildApi).prune(flags.bool('all'));
    let out = '';
    if (r.CachesDeleted?.length) out += `Deleted build cache objects:\n${r.CachesDeleted.join('\n')}\n\n`;
    ctx.stdout.write(`${out}Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};

export const imageLog: CommandDef = {
  use: 'NAME:TAG',
  short: 'Show the images a tag has pointed to (berth)',
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, _flags, args) {
    const rows = await ctx.api(BuildApi).tagLog(args[0] as string);
    const lines = [['IMAGE ID', 'WHEN', 'SOURCE', ''], ...[...rows].reverse().map((r) => [
      r.Id.replace(/^sha256:/, '').slice(0, 12), r.Time.replace(/\.\d+Z$/, 'Z'), r.Source, r.Current ? 'current' : r.Present ? '' : 'removed',
    ])];
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
    ctx.stdout.write(lines.map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n');
    return 0;
  },
};

export const imageRollback: CommandDef = {
  use: '[OPTIONS] NAME:TAG',
  short: 'Move a tag back to the image it named before (berth)',
  flags: [{ long: 'to', kind: 'string', usage: 'Image ID (from image log) to move the tag to' }],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const r = await ctx.api(BuildApi).rollback(args[0] as string, flags.string('to'));
    ctx.stdout.write(`${args[0]} -> ${r.Id}\n`);
    return 0;
  },
};
