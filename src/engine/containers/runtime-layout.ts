// Where a container's pieces live. Persistent state (record, logs, writable layer, etc files)
// sits under the data root (the writable layer's dirs are storage/rw-layer.ts's); what only matters while the host is up (OCI bundle, conmon's
// sockets, exit files, the runtime's state) sits under the exec root, as dockerd splits them.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export class RuntimeLayout {
  constructor(readonly dataRoot: string, readonly execRoot: string) {}

  containersRoot(): string {
    return path.join(this.dataRoot, 'containers');
  }
  containerDir(id: string): string {
    return path.join(this.dataRoot, 'containers', id);
  }

  bundle(id: string): string {
    return path.join(this.execRoot, 'c', id);
  }
  persistDir(id: string): string {
    return path.join(this.bundle(id), 'persist');
  }
  exitDir(): string {
    return path.join(this.execRoot, 'exits');
  }
  socketDir(): string {
    return path.join(this.execRoot, 'sockets');
  }
  runtimeRoot(runtime: string): string {
    return path.join(this.execRoot, 'runtime', runtime);
  }
  /** Where exec bundles are, and a direct exec's anonymous files (runtime-exec.ts). */
  execsDir(): string {
    return path.join(this.execRoot, 'x');
  }
  execBundle(execId: string): string {
    return path.join(this.execsDir(), execId);
  }
  /** Read-only views of runtime binaries (host/runtime-binary.ts), while the daemon runs. */
  runtimeViewsDir(): string {
    return path.join(this.execRoot, 'runtime-views');
  }
  /** The runtime wrapper that keeps the host's /dev/null from a process (host/stdin-guard.ts). */
  stdinGuardDir(): string {
    return path.join(this.execRoot, 'stdin-guard');
  }
  /** Notes of the daemon's own freezes of containers while they last (daemon-freezes.ts). */
  daemonFreezesDir(): string {
    return path.join(this.execRoot, 'daemon-freezes');
  }
  execExitDir(): string {
    return path.join(this.execRoot, 'exec-exits');
  }

  /** Whether the exec root holds anything of a container or an exec: a bundle, or a runtime's state. */
  holdsRunState(): boolean {
    const entries = (dir: string): string[] => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    return entries(path.join(this.execRoot, 'c')).length > 0 || entries(path.join(this.execRoot, 'x')).length > 0
      || entries(path.join(this.execRoot, 'runtime')).some((name) => entries(this.runtimeRoot(name)).length > 0);
  }
}
