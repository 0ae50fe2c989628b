// crun compiles a container's seccomp profile to BPF with libseccomp on every start: for Docker's
// default profile that is ~30 ms, a tenth of a whole `run` here. crun also accepts the compiled
// program itself (annotation run.oci.seccomp_bpf_data, base64) and leaves the program it compiled
// in its state directory (seccomp.bpf, kept for exec). So the first container with a given
// filter pays for the compilation and every later one loads the same program, as podman's
// seccomp cache does. Keyed by the exact OCI seccomp section: the same input, the same program.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { OciSeccomp, OciSpec } from '../../protocol/oci-runtime-spec.js';

export const BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/**
 * Keys by section object: the default profile's section is one object per capability set
 * (oci-spec.ts containerSeccomp), never changed once made, and hashing its JSON took ~0.1 ms of
 * the event loop at every start.
 */
const keys = new WeakMap<OciSeccomp, string>();

export class SeccompBpfCache {
  private readonly programs = new Map<string, string>();

  static key(seccomp: OciSeccomp): string {
    let key = keys.get(seccomp);
    if (key === undefined) keys.set(seccomp, (key = createHash('sha256').update(JSON.stringify(seccomp)).digest('hex')));
    return key;
  }

  /**
   * Swaps a spec's seccomp section for its compiled program when known; returns the key to
   * `learn` from after the runtime created the container, or undefined when nothing is to learn.
   */
  apply(spec: Pick<OciSpec, 'linux' | 'annotations'>): string | undefined {
    const seccomp = spec.linux?.seccomp;
    if (!seccomp) return undefined;
    const key = SeccompBpfCache.key(seccomp);
    const bpf = this.programs.get(key);
    if (!bpf) return key;
    spec.annotations = { ...(spec.annotations ?? {}), [BPF_ANNOTATION]: bpf };
    delete spec.linux.seccomp;
    return undefined;
  }

  /** Keeps the program crun compiled for a container (from its state directory). */
  async learn(key: string, runtimeStateDir: string): Promise<void> {
    if (this.programs.has(key)) return;
    const bpf = await fs.readFile(path.join(runtimeStateDir, 'seccomp.bpf')).catch(() => undefined);
    if (bpf && bpf.length && bpf.length % 8 === 0) this.programs.set(key, bpf.toString('base64'));
  }
}
