// crun (1.8) copies itself and re-executes the copy at every start, against a container process
// overwriting the host's binary through /proc/<pid>/exe (CVE-2019-5736): a temp file, a bind
// mount, a remount read-only, an unmount and a second execve with all its library loading, which
// is a third of a `crun exec` on a loaded machine. crun skips that when it already runs from a
// read-only file and _LIBCONTAINER_CLONED_BINARY is set (crun's is_self_cloned: a read-only bind
// mount is what its own first method makes). So berthd runs crun from a read-only bind mount of
// the binary in its exec root, made at the first use and let go when the daemon stops (a crashed
// daemon's is found and reused by the next); crun checks the mount itself (fstatfs), so a mount
// that is not read-only only costs the copy again.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './command.js';
import { unmount } from './mounts.js';

export const CLONED_BINARY_ENV = '_LIBCONTAINER_CLONED_BINARY';

/**
 * Whether target is binary seen through a read-only mount: the same inode, and the topmost mount
 * on target read-only (mountinfo, read once per daemon; a write test cannot tell, since a binary
 * being run answers ETXTBSY before EROFS).
 */
async function isReadOnlyView(target: string, binary: string): Promise<boolean> {
  const [t, b] = await Promise.all([fs.stat(target).catch(() => undefined), fs.stat(binary)]);
  if (!t || t.ino !== b.ino || t.dev !== b.dev) return false;
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' '));
  const top = mounts.filter((f) => f[4] === target).pop();
  return !!top && (top[5] ?? '').split(',').includes('ro');
}

/**
 * The path of a read-only bind mount of the runtime binary in dir (made if missing), or undefined
 * when it cannot be had (then the binary runs as is).
 */
export async function readOnlyRuntime(binary: string, dir: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(binary);
    const target = path.join(dir, `${path.basename(binary)}-${st.dev}-${st.ino}`);
    if (await isReadOnlyView(target, binary)) return target;
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    await (await fs.open(target, fsc.O_CREAT | fsc.O_WRONLY, 0o755)).close();
    const r = await runCommand('mount', ['-o', 'bind,ro', binary, target], { allowFailure: true, timeoutMs: 10_000 });
    if (r.code !== 0) return undefined;
    return (await isReadOnlyView(target, binary)) ? target : undefined;
  } catch {
    return undefined;
  }
}

/** How to run a runtime binary: its path (maybe a read-only view) and extra environment. */
export interface RuntimeLaunch {
  path: string;
  env?: Record<string, string>;
}

/**
 * The daemon's read-only views of runtime binaries in one directory, made at first use: `crun
 * create` (under conmon), `crun start` and `crun exec` all run from them. Only the host's own crun
 * is viewed (KNOWN_RUNTIMES): not a wrapper, nor a binary of the moment such as a test's, which
 * would leave a mount keeping a deleted file.
 */
export class RuntimeViews {
  private readonly views = new Map<string, Promise<string | undefined>>();

  constructor(private readonly dir: string, private readonly viewable: (binary: string) => boolean) {}

  /** How to run binary: from its view with CLONED_BINARY_ENV set, or as it is. */
  async launch(binary: string): Promise<RuntimeLaunch> {
    if (!this.viewable(binary)) return { path: binary };
    let view = this.views.get(binary);
    if (!view) this.views.set(binary, (view = readOnlyRuntime(binary, this.dir)));
    const ro = await view;
    return ro ? { path: ro, env: { [CLONED_BINARY_ENV]: '1' } } : { path: binary };
  }

  /** Daemon stop: the views go (the next start makes them again). */
  async close(): Promise<void> {
    await Promise.all(this.views.values());
    this.views.clear();
    await releaseReadOnlyRuntimes(this.dir);
  }
}

/** Lets the read-only views in dir go (daemon stop); a crun still running from one keeps it. */
export async function releaseReadOnlyRuntimes(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const target = path.join(dir, n);
    await unmount(target).catch(() => undefined);
    await fs.rm(target, { force: true }).catch(() => undefined);
  }
}
