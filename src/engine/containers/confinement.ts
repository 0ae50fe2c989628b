// Checks at create time what confines a container (security options, a seccomp profile sent
// inline), so that what berth cannot honour is a 400 at create rather than a failed start.
import type { HostConfig } from './types.js';
import { effectiveCapabilities } from './oci-spec.js';
import { toOciSeccomp } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';

export function validateConfinement(h: HostConfig): void {
  const security = parseSecurityOpts(h.SecurityOpt);
  if (typeof security.seccomp === 'object') {
    toOciSeccomp(security.seccomp, effectiveCapabilities(!!h.Privileged, h.CapAdd ?? [], h.CapDrop ?? []));
  }
}
