// cp: copy between a container and the local filesystem, with docker's path rules
// (cli/command/container/cp.go and pkg/archive/copy.go): a directory copied onto a missing
// path takes that name, a file onto an existing directory goes inside it, "/." copies contents.

import { ContainersApi } from '../client/containers.js';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { isApiError } from '../client/errors.js';
import type { PathStat } from '../protocol/engine-api.js';
import { StatusError, type CommandDef, type Ctx } from './command.js';
import { humanSize } from './output.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
// Go's os.FileMode bits, which X-Docker-Container-Path-Stat carries.
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
const GO_MODE_IRREGULAR = 2 ** 19;
const GO_MODE_DEVICE = 2 ** 26;
const GO_MODE_PIPE = 2 ** 25;
const GO_MODE_SOCKET = 2 ** 24;
const GO_MODE_CHARDEV = 2 ** 21;

export function statIsDir(s: PathStat): boolean {
  return (s.mode & GO_MODE_DIR) !== 0 || (s.mode < GO_MODE_IRREGULAR && (s.mode & S_IFMT) === S_IFDIR);
}

export function statIsSymlink(s: PathStat): boolean {
  return (s.mode & GO_MODE_SYMLINK) !== 0 || (s.mode < GO_MODE_IRREGULAR && (s.mode & S_IFMT) === 0o120000);
}

function statIsSpecial(s: PathStat): boolean {
  return (s.mode & (GO_MODE_DEVICE | GO_MODE_PIPE | GO_MODE_SOCKET | GO_MODE_CHARDEV | GO_MODE_IRREGULAR)) !== 0;
}

/** "ctr:/path" → ["ctr", "/path"]; a local path → ["", path]. */
export function splitCpArg(arg: string): [container: string, path: string] {
  if (isAbsolute(arg)) return ['', arg];
  const idx = arg.indexOf(':');
  if (idx < 0 || arg.startsWith('.')) return ['', arg];
  return [arg.slice(0, idx), arg.slice(idx + 1)];
}

/** The path names the contents of a directory ("dir/." or "dir/"). */
function specifiesCurrentDir(p: string): boolean {
  return p === '.' || p.endsWith('/.');
}

function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || specifiesCurrentDir(p);
}

/** archive.SplitPathDirEntry: the parent and the entry name, keeping a trailing "/.". */
export function splitPathDirEntry(p: string): [dir: string, base: string] {
  let cleaned = p.length > 1 ? p.replace(/\/+$/, '') : p;
  cleaned = cleaned.replace(/\/\.$/, '');
  if (specifiesCurrentDir(p)) return [cleaned === '' ? '/' : cleaned, '.'];
  return [dirname(cleaned), basename(cleaned)];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function copyFromContainer(ctx: Ctx, container: string, srcPath: string, dstPath: string, followLink: boolean): Promise<void> {
  // As docker (ValidateOutputPath), before asking the daemon anything: the target's directory exists.
  if (dstPath !== '-') {
    const dir = dirname(resolve(dstPath));
    if (!(await stat(dir).catch(() => undefined))) throw new StatusError(1, `invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  }
  const containers = ctx.api(ContainersApi);
  let path = srcPath;
  let rebase = '';
  if (followLink) {
    const st = await ctx.api(ContainersApi).statPath(container, path).catch(() => undefined);
    if (st && statIsSymlink(st)) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = join(splitPathDirEntry(path)[0], target);
      if (basename(path) !== basename(target)) rebase = basename(path);
      path = target;
    }
  }
  const { stream, stat: srcStat } = await ctx.api(ContainersApi).getArchive(container, path);
  if (dstPath === '-') {
    await pipeline(stream, ctx.stdout as Writable, { end: false });
    return;
  }
  const { extractTo, rebaseName } = await import('./local-archive.js');
  const srcIsDir = statIsDir(srcStat);
  let srcBase = specifiesCurrentDir(path) ? '.' : basename(path.replace(/\/+$/, '') || '/');
  if (rebase) srcBase = rebase;
  const dst = resolve(dstPath);
  const dstStat = await stat(dst).catch(() => undefined);
  let extractDir: string;
  let rename: (n: string) => string;
  // The archive names its top entry after the source's base name; rebase it to the target.
  const archiveBase = rebase ? basename(path) : srcBase;
  if (specifiesCurrentDir(path)) {
    // "dir/." copies the directory's contents: whatever the daemon named the top entry, its
    // children land directly in the destination, which is made if missing.
    if (dstStat && !dstStat.isDirectory()) throw new StatusError(1, 'cannot copy directory');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dst, { recursive: true });
    extractDir = dst;
    let top: string | undefined;
    rename = (n) => {
      top ??= n.split('/')[0] ?? '';
      if (top === '' || top === '.') return n;
      return n === top ? '' : n.startsWith(`${top}/`) ? n.slice(top.length + 1) : n;
    };
  } else if (dstStat?.isDirectory()) {
    extractDir = dst;
    rename = rebase ? (n) => rebaseName(n, archiveBase, rebase) : (n) => n;
  } else if (dstStat && srcIsDir) {
    throw new StatusError(1, 'cannot copy directory');
  } else if (!dstStat && !srcIsDir && assertsDirectory(dstPath)) {
    throw new StatusError(1, 'no such directory');
  } else {
    const parent = dirname(dst);
    if (!(await stat(parent).catch(() => undefined))) throw new StatusError(1, `invalid output path: directory ${JSON.stringify(parent)} does not exist`);
    extractDir = parent;
    const dstBase = basename(dst);
    rename = (n) => rebaseName(n, archiveBase, dstBase);
  }
  const bytes = await extractTo(stream, extractDir, rename);
  if (ctx.stderr.isTTY) ctx.stderr.write(`Successfully copied ${humanSize(bytes)} to ${dst}\n`);
}

async function copyToContainer(ctx: Ctx, container: string, srcPath: string, dstPath: string, followLink: boolean, copyUIDGID: boolean): Promise<void> {
  const containers = ctx.api(ContainersApi);
  let dstInfo: { path: string; exists: boolean; isDir: boolean } = { path: dstPath, exists: false, isDir: false };
  let dstStat: PathStat | undefined;
  try {
    dstStat = await ctx.api(ContainersApi).statPath(container, dstPath);
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
  }
  if (dstStat && statIsSymlink(dstStat)) {
    let target = dstStat.linkTarget;
    if (!target.startsWith('/')) target = join(splitPathDirEntry(dstPath)[0], target);
    dstInfo.path = target;
    dstStat = await ctx.api(ContainersApi).statPath(container, target).catch(() => undefined);
  }
  if (dstStat && statIsSpecial(dstStat)) {
    throw new StatusError(1, `destination "${container}:${dstPath}" must be a directory or a regular file`);
  }
  if (dstStat) dstInfo = { ...dstInfo, exists: true, isDir: statIsDir(dstStat) };

  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new StatusError(1, `destination "${container}:${dstPath}" must be a directory`);
    await ctx.api(ContainersApi).putArchive(container, dstInfo.path, ctx.stdin, { copyUIDGID });
    return;
  }

  // The local source, with its parent's symlinks resolved (and its own with -L).
  const abs = resolve(srcPath) + (srcPath.endsWith('/.') ? '/.' : srcPath.endsWith('/') ? '/' : '');
  const [srcDir, srcBaseRaw] = splitPathDirEntry(abs);
  const realDir = await realpath(srcDir).catch((err: unknown) => {
    throw new StatusError(1, message(err).replace(/^ENOENT: /, ''));
  });
  let local = srcBaseRaw === '.' ? realDir : join(realDir, srcBaseRaw);
  let srcBase = srcBaseRaw;
  if (followLink && srcBaseRaw !== '.') {
    local = await realpath(local).catch(() => local);
  }
  const st = await (followLink ? stat(local) : lstat(local)).catch(() => undefined);
  if (!st) throw new StatusError(1, `lstat ${abs.replace(/\/\.?$/, '')}: no such file or directory`);
  const srcIsDir = st.isDirectory();

  const [dstDir, dstBase] = splitPathDirEntry(dstInfo.path);
  let extractDir: string;
  let name: string;
  if (dstInfo.exists && dstInfo.isDir) {
    extractDir = dstInfo.path;
    name = srcBase;
  } else if (dstInfo.exists && srcIsDir) {
    throw new StatusError(1, 'cannot copy directory');
  } else if (dstInfo.exists) {
    extractDir = dstDir;
    name = dstBase;
  } else if (srcIsDir) {
    extractDir = dstDir;
    name = dstBase;
    if (srcBase === '.') {
      // dir/. onto a missing path: pack the contents under the new name.
      srcBase = dstBase;
    }
  } else if (assertsDirectory(dstInfo.path)) {
    throw new StatusError(1, 'no such directory');
  } else {
    extractDir = dstDir;
    name = dstBase;
  }
  const { packPath } = await import('./local-archive.js');
  const tar = packPath(local, name, { followLink });
  await ctx.api(ContainersApi).putArchive(container, extractDir, tar, { copyUIDGID });
  if (ctx.stderr.isTTY) ctx.stderr.write(`Successfully copied ${humanSize(st.size)} to ${container}:${dstPath}\n`);
}

export const cp: CommandDef = {
  use: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  short: 'Copy files/folders between a container and the local filesystem',
  long: "Use '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  flags: [
    { long: 'archive', short: 'a', kind: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', kind: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx, flags, args) {
    const [source, destination] = args as [string, string];
    if (source === '') throw new StatusError(1, 'source can not be empty');
    if (destination === '') throw new StatusError(1, 'destination can not be empty');
    const [srcContainer, srcPath] = splitCpArg(source);
    const [dstContainer, dstPath] = splitCpArg(destination);
    if (srcContainer === '' && dstContainer === '') throw new StatusError(1, 'must specify at least one container source');
    if (srcContainer !== '' && dstContainer !== '') throw new StatusError(1, 'copying between containers is not supported');
    if (srcContainer) {
      await copyFromContainer(ctx, srcContainer, srcPath, dstPath, flags.bool('follow-link'));
    } else {
      await copyToContainer(ctx, dstContainer, srcPath, dstPath, flags.bool('follow-link'), flags.bool('archive'));
    }
    return 0;
  },
};
