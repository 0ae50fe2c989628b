// Mount and unmount through util-linux (Node has no mount(2)); mountinfo tells what is mounted.
import { promises as fs } from 'node:fs';
import { runCommand } from './command.js';

/** Mounts an overlay; `cwd` is set when the lowerdirs are relative (too many layers for a page). */
export async function mountOverlay(options: string, target: string, cwd?: string): Promise<void> {
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { timeoutMs: 30_000, cwd });
}

export async function mountTmpfs(target: string, options = 'mode=755'): Promise<void> {
  await runCommand('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target], { timeoutMs: 30_000 });
}

/** Unmounts target if it is mounted; a lazy detach if it is busy so a stuck reader never blocks removal. */
export async function unmount(target: string): Promise<void> {
  if (!(await isMountPoint(target))) return;
  const r = await runCommand('umount', [target], { allowFailure: true, timeoutMs: 30_000 });
  if (r.code !== 0 && (await isMountPoint(target))) {
    await runCommand('umount', ['-l', target], { timeoutMs: 30_000 });
  }
}

/** Mount points at or below prefix, deepest first (the order to unmount them in). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp === undefined) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === prefix || decoded.startsWith(prefix.endsWith('/') ? prefix : prefix + '/')) points.push(decoded);
  }
  return points.sort((a, b) => b.length - a.length);
}

export async function isMountPoint(target: string): Promise<boolean> {
  return (await mountsUnder(target)).includes(target);
}
