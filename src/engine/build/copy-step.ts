// COPY and ADD. Planning finds the sources (context paths and globs, another stage's or image's
// files, ADD's URLs) and the checksum of what would be copied, which is the cache key; running
// copies into a scratch writable layer over the parent image (storage/rw-layer.ts, the same
// owner RUN containers use) and stores its diff as the step's layer.
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import type { RwLayerStore } from '../../storage/rw-layer.js';
import { decompressor, detectCompression, looksLikeTar, peek } from '../../storage/compression.js';
import { scopedResolve } from '../../storage/scoped-path.js';
import { unpackTar } from '../../storage/tar-apply.js';
import { resolveUser } from '../containers/user.js';
import { commitLayer } from '../images/commit.js';
import type { ImagePin } from '../images/image-pins.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageRunConfig } from '../images/types.js';
import { checksumSources, hasGlob, hostPath, matchSources } from './context.js';
import { copyEntry, ensureDir, writeFileEntry, type CopyOwner } from './copy-files.js';
import { DockerfileParseError, type DfInstruction } from './dockerfile.js';
import { scopeEnv, stepContainerConfig, wrap, type StageScope } from './instructions.js';
import { BuildStepError } from './run-step.js';
import { processWords } from './shell-lex.js';

export interface CopyDeps {
  store: ImageStore;
  /** The builder's scratch writable layers. */
  rw: RwLayerStore;
  contextDir: string;
  tmpDir: string;
  /** The image a `--from` value names: a stage's result or an image reference. */
  fromImage(name: string): string;
  /** The build's pin: the step's image is pinned as it is stored. */
  pin?: ImagePin;
}

export interface CopyPlan {
  /** The step as history and the cache key show it. */
  text: string;
  run(parent: string, config: ImageRunConfig, createdBy: string): Promise<string>;
}

interface Source {
  kind: 'path' | 'url' | 'heredoc';
  /** Root-relative path, URL, or heredoc name. */
  name: string;
  /** For URLs, the downloaded file; for heredocs, the body. */
  data?: string;
}

const flagOf = (ins: DfInstruction, n: string) => ins.flags.filter(([f]) => f === n).at(-1)?.[1];
const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function planCopy(d: CopyDeps, ins: DfInstruction, scope: StageScope): Promise<CopyPlan> {
  const word = ins.cmd.toUpperCase();
  const env = scopeEnv(scope);
  const words = ins.json ?? wrap(ins, () => processWords(ins.args, env, scope.escape));
  if (words.length < 2 && !(ins.heredocs.length && words.length >= 1)) {
    throw new DockerfileParseError(ins.line, `${word} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  }
  const rawDest = words[words.length - 1]!;
  const workdir = scope.config.WorkingDir || '/';
  const dest = rawDest.startsWith('/') ? rawDest : path.posix.join(workdir, rawDest) + (rawDest.endsWith('/') || rawDest === '.' ? '/' : '');
  const from = flagOf(ins, 'from');
  if (from !== undefined && ins.cmd === 'add') throw new DockerfileParseError(ins.line, 'ADD does not support --from');
  const chown = flagOf(ins, 'chown');
  const chmodText = flagOf(ins, 'chmod');
  if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) throw new DockerfileParseError(ins.line, `invalid chmod parameter: ${chmodText}`);
  const mode = chmodText === undefined ? undefined : parseInt(chmodText, 8);
  const fromId = from !== undefined ? d.fromImage(wrap(ins, () => processWords(from, env, scope.escape)[0] ?? '')) : undefined;

  const heredocNames = new Set(ins.heredocs.map((h) => h.name));
  const sources: Source[] = [];
  for (const s of words.slice(0, -1)) {
    const hd = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(s);
    if (hd && heredocNames.has(hd[2]!)) {
      const h = ins.heredocs.find((x) => x.name === hd[2])!;
      // An unquoted delimiter: $VAR and ${VAR} in the body are the build's variables (BuildKit's rule).
      const body = h.quoted ? h.body : h.body.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_m, a?: string, b?: string) => env.get((a ?? b)!) ?? '');
      sources.push({ kind: 'heredoc', name: hd[2]!, data: body });
    } else if (isUrl(s) && ins.cmd === 'add' && fromId === undefined) {
      sources.push({ kind: 'url', name: s, data: await download(s, d.tmpDir) });
    } else if (fromId !== undefined) {
      sources.push({ kind: 'path', name: s });
    } else {
      const found = await matchSources(d.contextDir, s);
      if (!found.length) {
        throw new BuildStepError(`${word} failed: file not found in build context or excluded by .dockerignore: stat ${s}: file does not exist`);
      }
      for (const f of found) sources.push({ kind: 'path', name: f });
    }
  }
  const multi = sources.length > 1 || words.slice(0, -1).some((s) => hasGlob(s) && !isUrl(s));
  if (sources.length > 1 && !dest.endsWith('/')) {
    throw new BuildStepError(`When using ${word} with more than one source file, the destination must be a directory and end with a /`);
  }
  let sum: string;
  if (fromId !== undefined) {
    sum = createHash('sha256').update(`${fromId}\n${sources.map((s) => s.name).join('\n')}`).digest('hex');
  } else {
    const h = createHash('sha256');
    h.update(await checksumSources(d.contextDir, sources.filter((s) => s.kind === 'path').map((s) => s.name), false));
    for (const s of sources) {
      if (s.kind === 'heredoc') h.update(`heredoc ${s.name}\n${s.data}`);
      if (s.kind === 'url') h.update(`url ${s.name}\n${await checksumSources(path.dirname(s.data!), [path.basename(s.data!)], false)}`);
    }
    sum = h.digest('hex');
  }
  const flagsText = [chown !== undefined ? `--chown=${chown} ` : '', chmodText !== undefined ? `--chmod=${chmodText} ` : ''].join('');
  const kind = fromId !== undefined ? `from:${fromId.replace(/^sha256:/, '').slice(0, 12)}:` : sources.length > 1 || multi ? 'multi:' : 'file:';
  const text = `${word} ${flagsText}${kind}${sum} in ${dest} `;

  return {
    text,
    run: async (parent, config, createdBy) => {
      const top = parent ? d.store.chainIds(parent).at(-1) ?? '' : '';
      const id = randomBytes(32).toString('hex');
      const views: string[] = [];
      try {
        await d.rw.prepare(id);
        const rootfs = await d.rw.mount({ id, parent: top });
        let srcRoot = d.contextDir;
        if (fromId !== undefined) {
          const v = randomBytes(32).toString('hex');
          views.push(v);
          await d.rw.prepare(v);
          srcRoot = await d.rw.mount({ id: v, parent: d.store.chainIds(fromId).at(-1) ?? '' });
        }
        const owner = chown !== undefined ? await resolveOwner(rootfs, chown) : fromId !== undefined ? undefined : { uid: 0, gid: 0 };
        const opts = { owner, mode };
        for (const s of sources) await copyOne(ins, s, { rootfs, srcRoot, dest, multi, opts, fromStage: fromId !== undefined });
        await d.rw.unmount(id);
        return await commitLayer(d.store, {
          containerId: '',
          layer: () => d.rw.commit({ id, parent: top }),
          imageId: parent,
          config,
          containerConfig: stepContainerConfig(config, createdBy),
          createdBy,
          exactConfig: true,
          pin: d.pin,
        });
      } finally {
        for (const v of views) await d.rw.remove(v).catch(() => undefined);
        await d.rw.remove(id).catch(() => undefined);
      }
    },
  };
}

interface CopyTarget {
  rootfs: string;
  srcRoot: string;
  dest: string;
  multi: boolean;
  opts: { owner?: CopyOwner; mode?: number };
  fromStage: boolean;
}

async function copyOne(ins: DfInstruction, s: Source, t: CopyTarget): Promise<void> {
  const owner = t.opts.owner ?? { uid: 0, gid: 0 };
  const intoDir = t.dest.endsWith('/') || t.multi;
  if (s.kind === 'heredoc') {
    const target = intoDir ? path.posix.join(t.dest, s.name) : t.dest;
    await ensureDir(t.rootfs, path.posix.dirname(target), t.opts.owner);
    await writeFileEntry(t.rootfs, target, s.data!, t.opts.mode ?? 0o644, owner);
    return;
  }
  if (s.kind === 'url') {
    const base = decodeURIComponent(new URL(s.name).pathname.split('/').filter(Boolean).pop() ?? '') || 'index.html';
    const target = intoDir ? path.posix.join(t.dest, base) : t.dest;
    await ensureDir(t.rootfs, path.posix.dirname(target), t.opts.owner);
    await writeFileEntry(t.rootfs, target, await fs.readFile(s.data!), t.opts.mode ?? 0o600, owner);
    return;
  }
  const host = t.fromStage ? await scopedResolve(t.srcRoot, s.name.split('/').filter(Boolean)) : await hostPath(t.srcRoot, s.name);
  const st = await fs.lstat(host).catch(() => undefined);
  if (!st) throw new BuildStepError(`${ins.cmd.toUpperCase()} failed: stat ${s.name}: file does not exist`);
  if (st.isDirectory()) {
    await ensureDir(t.rootfs, t.dest, t.opts.owner);
    await copyEntry(host, t.rootfs, t.dest, t.opts, true);
    return;
  }
  if (ins.cmd === 'add' && st.isFile() && (await extractIfArchive(host, t))) return;
  const destHost = await scopedResolve(t.rootfs, t.dest.split('/').filter(Boolean)).catch(() => '');
  const destIsDir = destHost ? (await fs.stat(destHost).catch(() => undefined))?.isDirectory() : false;
  const target = intoDir || destIsDir ? path.posix.join(t.dest, path.posix.basename(s.name)) : t.dest;
  await ensureDir(t.rootfs, path.posix.dirname(target), t.opts.owner);
  await copyEntry(host, t.rootfs, target, t.opts);
}

/** ADD's local archives (tar, gzip, bzip2, xz, zstd) are unpacked at the destination. */
async function extractIfArchive(host: string, t: CopyTarget): Promise<boolean> {
  const fh = await fs.open(host, 'r');
  const head = Buffer.alloc(512);
  const { bytesRead } = await fh.read(head, 0, 512, 0);
  await fh.close();
  const h = head.subarray(0, bytesRead);
  const compression = detectCompression(h);
  const bz = h.subarray(0, 3).toString('latin1') === 'BZh';
  const xz = h.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  let stream: Readable;
  if (bz || xz) {
    const child = spawn(bz ? 'bzip2' : 'xz', ['-dc', host], { stdio: ['ignore', 'pipe', 'ignore'] });
    stream = child.stdout;
  } else if (compression !== 'none') {
    stream = createReadStream(host).pipe(decompressor(compression)!);
  } else if (looksLikeTar(h)) {
    stream = createReadStream(host);
  } else {
    return false;
  }
  const { head: inner, stream: replay } = await peek(stream, 512);
  if (!looksLikeTar(inner)) {
    replay.destroy();
    return false; // a compressed file that is not a tar is copied as it is
  }
  const destHost = await ensureDir(t.rootfs, t.dest, t.opts.owner);
  await unpackTar(replay, destHost);
  return true;
}

/** --chown=user[:group], names looked up in the image's own /etc/passwd and /etc/group. */
async function resolveOwner(rootfs: string, spec: string): Promise<CopyOwner> {
  const read = async (f: string) => fs.readFile(await scopedResolve(rootfs, ['etc', f]), 'utf8').catch(() => '');
  const [passwd, group] = await Promise.all([read('passwd'), read('group')]);
  try {
    const u = resolveUser(spec, passwd, group);
    // docker: a user without a group takes the same number as its group.
    return spec.includes(':') ? { uid: u.uid, gid: u.gid } : { uid: u.uid, gid: u.uid };
  } catch (e) {
    throw new BuildStepError(`unable to convert uid/gid chown string to host mapping: ${(e as Error).message}`);
  }
}

/**
 * ADD's URL sources: fetched to a file under the build's temp dir. node:http rather than fetch,
 * whose "bad port" list refuses ports docker allows.
 */
async function download(url: string, tmpDir: string): Promise<string> {
  const file = path.join(tmpDir, `dl-${randomBytes(8).toString('hex')}`, 'file');
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    let target = new URL(url);
    for (let hops = 0; ; hops++) {
      const res = await get(target);
      const loc = res.headers.location;
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && loc && hops < 10) {
        res.resume();
        target = new URL(loc, target);
        continue;
      }
      if (res.statusCode !== 200) {
        res.resume();
        throw new Error(`${res.statusCode} ${res.statusMessage ?? ''}`.trim());
      }
      await pipeline(res, createWriteStream(file));
      return file;
    }
  } catch (e) {
    throw new BuildStepError(`ADD failed: error downloading ${url}: ${(e as Error).message}`);
  }
}

function get(url: URL): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsGet : httpGet)(url, { timeout: 60_000 }, resolve);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
