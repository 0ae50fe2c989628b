// --pid, --ipc, --uts, --cgroupns and --userns: which namespaces a container shares instead of
// getting its own, checked at create (Docker's values, a 400 otherwise) and resolved at start to
// the namespace files of the host or of another running container.
import { isRunning } from './state.js';
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import type { ContainerRecord, HostConfig } from './types.js';

/** Per namespace: 'host' (none of its own), a path to join, or undefined for a new one. */
export interface NamespaceJoins {
  pid?: string;
  ipc?: string;
  uts?: 'host';
  cgroup?: 'host';
  /** --ipc none: an IPC namespace without /dev/shm. */
  ipcNone?: boolean;
  /** --ipc host, shareable or container:…: the host path bound at /dev/shm instead of a tmpfs. */
  shm?: string;
  /** --ipc container:…: the donor (shareable) container whose /dev/shm is bound. */
  shmFrom?: string;
}

const CONTAINER = 'container:';

function checkMode(kind: string, mode: string | undefined, allowed: string[], allowContainer: boolean, exists: (ref: string) => boolean): void {
  const m = mode ?? '';
  if (allowed.includes(m)) return;
  if (allowContainer && m.startsWith(CONTAINER)) {
    const ref = m.slice(CONTAINER.length);
    if (!ref) throw new InvalidArgumentError(`invalid ${kind} mode: ${m}`);
    // 400: a 404 at create makes the docker CLI pull the image.
    if (!exists(ref)) throw new InvalidArgumentError(`No such container: ${ref}`);
    return;
  }
  throw new InvalidArgumentError(`invalid ${kind} mode: ${m}`);
}

/** Docker's namespace modes; anything else is refused at create. */
export function validateNamespaceModes(h: HostConfig, exists: (ref: string) => boolean): void {
  checkMode('PID', h.PidMode, ['', 'host'], true, exists);
  checkMode('IPC', h.IpcMode, ['', 'private', 'shareable', 'none', 'host'], true, exists);
  checkMode('UTS', h.UTSMode, ['', 'host'], false, exists);
  checkMode('cgroup namespace', h.CgroupnsMode as string | undefined, ['', 'private', 'host'], false, exists);
}

/** The containers whose namespaces `h` joins (--network, --ipc, --pid container:X), by reference. */
export function joinedContainers(h: HostConfig): string[] {
  return [h.NetworkMode, h.IpcMode, h.PidMode].filter((m): m is string => !!m?.startsWith(CONTAINER)).map((m) => m.slice(CONTAINER.length));
}

/** The namespaces to share at start; a container named must be running. */
export function namespaceJoins(h: HostConfig, lookup: (ref: string) => ContainerRecord): NamespaceJoins {
  const joins: NamespaceJoins = {};
  const running = (ref: string, what: string) => {
    const other = lookup(ref);
    if (!isRunning(other)) {
      throw new ConflictError(`cannot join ${what} of a non running container: ${ref}`);
    }
    return other.State.Pid;
  };
  const pid = h.PidMode ?? '';
  if (pid === 'host') joins.pid = 'host';
  else if (pid.startsWith(CONTAINER)) joins.pid = `/proc/${running(pid.slice(CONTAINER.length), 'PID')}/ns/pid`;
  const ipc = h.IpcMode ?? '';
  if (ipc === 'host') {
    joins.ipc = 'host';
    joins.shm = '/dev/shm';
  } else if (ipc.startsWith(CONTAINER)) {
    const ref = ipc.slice(CONTAINER.length);
    joins.ipc = `/proc/${running(ref, 'IPC')}/ns/ipc`;
    // Its /dev/shm lives in its mount namespace; only a shareable one has it on the host (Docker's rule).
    const donor = lookup(ref);
    if (donor.HostConfig.IpcMode !== 'shareable') throw new ConflictError('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    joins.shmFrom = donor.Id;
  } else if (ipc === 'none') joins.ipcNone = true;
  if (h.UTSMode === 'host') joins.uts = 'host';
  if (h.CgroupnsMode === 'host') joins.cgroup = 'host';
  return joins;
}
