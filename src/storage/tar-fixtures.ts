// Test fixtures: real tar archives built with tar-stream, real overlay mounts, temp dirs that
// clean up after themselves. Used by the storage and image tests only.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar-stream';
import { runCommand } from '../host/command.js';
import { overlayMountData } from './overlay-mount.js';

export interface FixtureEntry {
  name: string;
  type?: tar.Header['type'];
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
}

export async function makeTar(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collecting = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    const header: tar.Header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      uname: '',
      gname: '',
      size: content?.length ?? 0,
      mtime: e.mtime ?? new Date('2020-01-02T03:04:05Z'),
      linkname: e.linkname ?? '',
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (content) pack.entry(header, content, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

/** A fresh temp dir under os.tmpdir(); `cleanup` unmounts anything mounted below it first. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-${prefix}-`));
  return {
    dir,
    cleanup: async () => {
      const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8'))
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m === dir || m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await runCommand('umount', ['-l', m], { allowFailure: true });
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Mounts an overlay at `target`; read-only when no upper dir is given. */
export async function mountOverlay(target: string, lowerDirs: readonly string[], upperDir?: string, workDir?: string): Promise<void> {
  await fs.mkdir(target, { recursive: true });
  const { data, cwd } = overlayMountData({ lowerDirs, upperDir, workDir });
  const opts = upperDir === undefined && lowerDirs.length < 2 ? `ro,${data}` : data;
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', opts, target], { cwd });
}

export async function unmount(target: string): Promise<void> {
  await runCommand('umount', [target]);
}

/** The busybox rootfs tar made by scripts/bootstrap-busybox.sh --tar-only. */
export async function busyboxTar(outFile: string): Promise<string> {
  const script = fileURLToPath(new URL('../../../scripts/bootstrap-busybox.sh', import.meta.url));
  await runCommand('bash', [script, '--tar-only', outFile], { timeoutMs: 120_000 });
  return outFile;
}
