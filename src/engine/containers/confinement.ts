// Checks at create time what confines a container (security options, a seccomp profile sent
// inline, the OOM score, devices, user namespace mode), so that what berth cannot honour is a 400
// at create rather than a failed start; and resolves --device mappings to device nodes.
import { hostBoundingCapabilities } from '../../host/capabilities.js';
import { hostHardLimits } from '../../host/cgroups.js';
import { deviceNumber, devicesFromPath, type DeviceNode } from '../../host/devices.js';
import { InvalidArgumentError } from '../../errors.js';
import type { OciBlockIO, OciThrottleDevice } from '../../protocol/oci-runtime-spec.js';
import type { HostConfig } from './types.js';
import { effectiveCapabilities, ociRlimits, parseDeviceCgroupRule } from './oci-spec.js';
import { toOciSeccomp } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';

const hostCaps = hostBoundingCapabilities();
const hardLimits = hostHardLimits();

export function validateConfinement(h: HostConfig): void {
  const security = parseSecurityOpts(h.SecurityOpt);
  if (typeof security.seccomp === 'object') {
    toOciSeccomp(security.seccomp, effectiveCapabilities(!!h.Privileged, h.CapAdd ?? [], h.CapDrop ?? []));
  }
  const oom = h.OomScoreAdj;
  if (oom !== undefined && oom !== null) {
    if (!Number.isInteger(oom) || oom < -1000 || oom > 1000) throw new InvalidArgumentError(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
    // The kernel lets only CAP_SYS_RESOURCE lower a score below 0 (proc(5), oom_score_adj).
    if (oom < 0 && hostCaps && !hostCaps.includes('CAP_SYS_RESOURCE')) {
      throw new InvalidArgumentError(`oom score adj ${oom}: the daemon cannot set a negative score on this host (it lacks CAP_SYS_RESOURCE)`);
    }
  }
  if (h.UsernsMode && h.UsernsMode !== 'host') throw new InvalidArgumentError(`invalid USER namespace mode: ${h.UsernsMode} (only "host" is valid)`);
  if (h.ShmSize !== undefined && h.ShmSize < 0) throw new InvalidArgumentError('SHM size can not be less than 0');
  for (const r of h.DeviceCgroupRules ?? []) parseDeviceCgroupRule(r);
  ociRlimits(h.Ulimits, hardLimits);
  refuseUnsupported(h);
  for (const d of h.Devices ?? []) {
    if (!d || typeof d.PathOnHost !== 'string' || !d.PathOnHost) throw new InvalidArgumentError('device mapping needs PathOnHost');
    if (d.CgroupPermissions && !/^[rwm]{1,3}$/.test(d.CgroupPermissions)) throw new InvalidArgumentError(`invalid device cgroup permissions: "${d.CgroupPermissions}"`);
  }
}

/** --device mappings as device nodes (moby WithDevices); a missing or non-device path is a 400. */
export async function resolveDevices(h: HostConfig): Promise<Array<DeviceNode & { access: string }>> {
  const out: Array<DeviceNode & { access: string }> = [];
  for (const d of h.Devices ?? []) {
    const nodes = await devicesFromPath(d.PathOnHost, d.PathInContainer || d.PathOnHost).catch((e: NodeJS.ErrnoException) => {
      const reason = e.code === 'ENOENT' ? 'no such file or directory' : e.message;
      throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.PathOnHost}": ${reason}`);
    });
    out.push(...nodes.map((n) => ({ ...n, access: h.Privileged ? 'rwm' : d.CgroupPermissions || 'rwm' })));
  }
  return out;
}

/**
 * The per-device block I/O weights and throttles by device number (moby getBlkioThrottleDevices):
 * a path that is not there is a 400 with dockerd's words.
 */
export async function resolveBlockIO(h: HostConfig): Promise<Omit<OciBlockIO, 'weight'>> {
  const number = (p: string) =>
    deviceNumber(p).catch((e: NodeJS.ErrnoException) => {
      throw new InvalidArgumentError(`stat ${p}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'ENOTDIR' ? 'not a directory' : e.message}`);
    });
  const out: Omit<OciBlockIO, 'weight'> = {};
  if (h.BlkioWeightDevice?.length) out.weightDevice = await Promise.all(h.BlkioWeightDevice.map(async (d) => ({ ...(await number(d.Path)), weight: d.Weight })));
  for (const [key, oci] of THROTTLES) {
    const list = h[key];
    if (list?.length) out[oci] = await Promise.all(list.map(async (d): Promise<OciThrottleDevice> => ({ ...(await number(d.Path)), rate: d.Rate })));
  }
  return out;
}

/** HostConfig's throttle lists and the runtime spec's names for them. */
const THROTTLES = [
  ['BlkioDeviceReadBps', 'throttleReadBpsDevice'], ['BlkioDeviceWriteBps', 'throttleWriteBpsDevice'],
  ['BlkioDeviceReadIOps', 'throttleReadIOPSDevice'], ['BlkioDeviceWriteIOps', 'throttleWriteIOPSDevice'],
] as const;

const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : !!v && typeof v === 'object' ? Object.keys(v).length > 0 : !!v);

/** What berth accepts in a request but cannot do: refused with a reason, never silently ignored. */
function refuseUnsupported(h: HostConfig): void {
  const r = h as Record<string, unknown>;
  if (nonEmpty(r.DeviceRequests)) {
    const caps = (r.DeviceRequests as Array<{ Driver?: string; Capabilities?: unknown }>).map((d) => JSON.stringify(d?.Capabilities ?? []).replace(/"/g, ''));
    throw new InvalidArgumentError(`could not select device driver "" with capabilities: ${caps.join(' ')}`);
  }
  if (nonEmpty(r.StorageOpt)) throw new InvalidArgumentError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  if (typeof r.MemorySwappiness === 'number' && (r.MemorySwappiness < -1 || r.MemorySwappiness > 100)) {
    throw new InvalidArgumentError(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
}
