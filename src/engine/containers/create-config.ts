// Merges a create request with its image's config the way Docker does: the request wins field
// by field, an overridden entrypoint drops the image's CMD, env and labels merge by key.
import type { ImageRecord } from '../images/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { EndpointRequest } from '../network/types.js';
import type { ContainerConfig, HostConfig } from './types.js';
import { validateConfinement } from './confinement.js';

export interface CreateRequest extends Partial<ContainerConfig> {
  Image: string;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointRequest | null> | null } | null;
}

function mergeEnv(base: string[] = [], over: string[] = []): string[] {
  const m = new Map<string, string>();
  for (const kv of [...base, ...over]) {
    const i = kv.indexOf('=');
    m.set(i < 0 ? kv : kv.slice(0, i), kv);
  }
  return [...m.values()];
}

export function mergeConfig(req: CreateRequest, image: ImageRecord, id: string): { config: ContainerConfig; path: string; args: string[] } {
  const ic = image.config.config ?? {};
  const entrypointGiven = req.Entrypoint !== undefined && req.Entrypoint !== null;
  let entrypoint = entrypointGiven ? req.Entrypoint! : (ic.Entrypoint ?? null);
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = null;
  let cmd: string[] | null;
  if (req.Cmd && req.Cmd.length) cmd = req.Cmd;
  else cmd = entrypointGiven ? null : (ic.Cmd ?? null);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (!argv.length) throw new InvalidArgumentError('no command specified');
  const config: ContainerConfig = {
    Hostname: req.Hostname || id.slice(0, 12),
    Domainname: req.Domainname ?? '',
    User: req.User || ic.User || '',
    AttachStdin: !!req.AttachStdin,
    AttachStdout: req.AttachStdout ?? false,
    AttachStderr: req.AttachStderr ?? false,
    ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: !!req.Tty,
    OpenStdin: !!req.OpenStdin,
    StdinOnce: !!req.StdinOnce,
    Env: mergeEnv(ic.Env, req.Env ?? []),
    Cmd: cmd,
    Image: req.Image,
    Volumes: { ...(ic.Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir || ic.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: ic.OnBuild ?? null,
    Labels: { ...(ic.Labels ?? {}), ...(req.Labels ?? {}) },
  };
  if (req.StopSignal || ic.StopSignal) config.StopSignal = req.StopSignal || ic.StopSignal;
  if (req.StopTimeout !== undefined && req.StopTimeout !== null) config.StopTimeout = req.StopTimeout;
  if (config.WorkingDir && !config.WorkingDir.startsWith('/')) {
    throw new InvalidArgumentError(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  }
  if (!Object.keys(config.ExposedPorts!).length) delete config.ExposedPorts;
  if (!Object.keys(config.Volumes!).length) config.Volumes = null;
  return { config, path: argv[0]!, args: argv.slice(1) };
}

const MIN_MEMORY = 6 * 1024 * 1024;

/** Docker's checks on resources, with its messages. */
export function validateHostConfig(h: HostConfig, cpus: number): void {
  if (h.Memory && h.Memory > 0 && h.Memory < MIN_MEMORY) throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  if (h.MemorySwap && h.MemorySwap > 0 && h.Memory && h.MemorySwap < h.Memory) {
    throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (h.NanoCpus && (h.CpuQuota || h.CpuPeriod)) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.NanoCpus && (h.NanoCpus < 0.01e9 || h.NanoCpus > cpus * 1e9)) {
    throw new InvalidArgumentError(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  }
  const rp = h.RestartPolicy?.Name ?? '';
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(rp)) {
    throw new InvalidArgumentError(`invalid restart policy '${rp}'`);
  }
  if (h.AutoRemove && rp && rp !== 'no') {
    throw new InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
  }
  validateConfinement(h);
}
