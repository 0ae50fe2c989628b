// The flags of `run` and `create`, as docker declares them (cli/command/container/opts.go).
// What they become in the create request is container-options.ts.

import type { FlagSpec } from './flags.js';
import { parseNetworkOpt, validateDNSSearch, validateExtraHost, validateIPAddress, validateLink } from './network-options.js';
import { parseGoDuration, parseNanoCpus, parseRamBytes, parseSwapBytes } from '../protocol/units.js';

/** Byte order, as Go sorts strings (and without waking ICU as localeCompare does). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const bool = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'bool', usage, ...extra });
const str = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'string', usage, ...extra });
const list = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'list', usage, ...extra });
const int = (long: string, usage: string, short?: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ long, short, kind: 'int', usage, ...extra });
const bytes = (long: string, usage: string, short?: string): FlagSpec => ({ long, short, kind: 'string', type: 'bytes', usage, validate: (v) => void parseRamBytes(v) });
const duration = (long: string, usage: string): FlagSpec => ({ long, kind: 'string', type: 'duration', usage, defaultText: '0s', validate: (v) => void parseGoDuration(v) });

function validateAttach(v: string): void {
  if (!['stdin', 'stdout', 'stderr'].includes(v.toLowerCase())) throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

/** Flags shared by run and create. */
export const CONTAINER_FLAGS: FlagSpec[] = [
  list('add-host', 'Add a custom host-to-IP mapping (host:ip)', undefined, { validate: (v) => void validateExtraHost(v) }),
  list('annotation', 'Add an annotation to the container (passed through to the OCI runtime)', undefined, { type: 'map' }),
  list('attach', 'Attach to STDIN, STDOUT or STDERR', 'a', { validate: validateAttach }),
  int('blkio-weight', 'Block IO (relative weight), between 10 and 1000, or 0 to disable', undefined, { type: 'uint16', defaultText: '0' }),
  list('blkio-weight-device', 'Block IO weight (relative device weight)'),
  list('cap-add', 'Add Linux capabilities'),
  list('cap-drop', 'Drop Linux capabilities'),
  str('cgroup-parent', 'Optional parent cgroup for the container'),
  str('cgroupns', "Cgroup namespace to use (host|private)"),
  str('cidfile', 'Write the container ID to the file'),
  int('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  int('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  int('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  int('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  int('cpu-shares', 'CPU shares (relative weight)', 'c'),
  { long: 'cpus', kind: 'string', type: 'decimal', usage: 'Number of CPUs', validate: (v) => void parseNanoCpus(v) },
  str('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  str('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  list('device', 'Add a host device to the container'),
  list('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  list('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  list('device-read-iops', 'Limit read rate (IO per second) from a device'),
  list('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  list('device-write-iops', 'Limit write rate (IO per second) to a device'),
  bool('disable-content-trust', 'Skip image verification', undefined, { defaultBool: true, defaultText: 'true' }),
  list('dns', 'Set custom DNS servers', undefined, { validate: (v) => void validateIPAddress(v) }),
  list('dns-opt', 'Set DNS options', undefined, { hidden: true, aliasOf: 'dns-option' }),
  list('dns-option', 'Set DNS options'),
  list('dns-search', 'Set custom DNS search domains', undefined, { validate: (v) => void validateDNSSearch(v) }),
  str('domainname', 'Container NIS domain name'),
  str('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  list('env', 'Set environment variables', 'e'),
  list('env-file', 'Read in a file of environment variables'),
  list('expose', 'Expose a port or a range of ports'),
  str('gpus', "GPU devices to add to the container ('all' to pass all GPUs)", undefined, { type: 'gpu-request' }),
  list('group-add', 'Add additional groups to join'),
  str('health-cmd', 'Command to run to check health'),
  duration('health-interval', 'Time between running the check (ms|s|m|h)'),
  int('health-retries', 'Consecutive failures needed to report unhealthy'),
  duration('health-start-interval', 'Time between running the check during the start period (ms|s|m|h)'),
  duration('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)'),
  duration('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h)'),
  str('hostname', 'Container host name', 'h'),
  bool('init', 'Run an init inside the container that forwards signals and reaps processes'),
  bool('interactive', 'Keep STDIN open even if not attached', 'i'),
  str('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  str('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  str('ipc', 'IPC mode to use'),
  str('isolation', 'Container isolation technology'),
  bytes('kernel-memory', 'Kernel memory limit'),
  list('label', 'Set meta data on a container', 'l'),
  list('label-file', 'Read in a line delimited file of labels'),
  list('link', 'Add link to another container', undefined, { validate: validateLink }),
  list('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  str('log-driver', 'Logging driver for the container'),
  list('log-opt', 'Log driver options'),
  str('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  bytes('memory', 'Memory limit', 'm'),
  bytes('memory-reservation', 'Memory soft limit'),
  { long: 'memory-swap', kind: 'string', type: 'bytes', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", validate: (v) => void parseSwapBytes(v) },
  int('memory-swappiness', 'Tune container memory swappiness (0 to 100)', undefined, { defaultText: '-1' }),
  list('mount', 'Attach a filesystem mount to the container', undefined, { type: 'mount' }),
  str('name', 'Assign a name to the container'),
  list('net', 'Connect a container to a network', undefined, { type: 'network', hidden: true, aliasOf: 'network', validate: (v) => void parseNetworkOpt(v) }),
  list('net-alias', 'Add network-scoped alias for the container', undefined, { hidden: true, aliasOf: 'network-alias' }),
  list('network', 'Connect a container to a network', undefined, { type: 'network', validate: (v) => void parseNetworkOpt(v) }),
  list('network-alias', 'Add network-scoped alias for the container'),
  bool('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  bool('oom-kill-disable', 'Disable OOM Killer'),
  int('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  str('pid', 'PID namespace to use'),
  int('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  str('platform', 'Set platform if server is multi-platform capable'),
  bool('privileged', 'Give extended privileges to this container'),
  list('publish', "Publish a container's port(s) to the host", 'p'),
  bool('publish-all', 'Publish all exposed ports to random ports', 'P'),
  str('pull', 'Pull image before running ("always", "missing", "never")', undefined, { defaultText: '"missing"' }),
  bool('quiet', 'Suppress the pull output', 'q'),
  bool('read-only', "Mount the container's root filesystem as read only"),
  str('restart', 'Restart policy to apply when a container exits', undefined, { defaultText: '"no"' }),
  bool('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  str('runtime', 'Runtime to use for this container'),
  list('security-opt', 'Security Options'),
  bytes('shm-size', 'Size of /dev/shm'),
  str('stop-signal', 'Signal to stop the container'),
  int('stop-timeout', 'Timeout (in seconds) to stop a container'),
  list('storage-opt', 'Storage driver options for the container'),
  list('sysctl', 'Sysctl options', undefined, { type: 'map' }),
  list('tmpfs', 'Mount a tmpfs directory'),
  bool('tty', 'Allocate a pseudo-TTY', 't'),
  list('ulimit', 'Ulimit options', undefined, { type: 'ulimit' }),
  bool('use-api-socket', 'Bind mount Docker API socket and required auth'),
  str('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  str('userns', 'User namespace to use'),
  str('uts', 'UTS namespace to use'),
  list('volume', 'Bind mount a volume', 'v'),
  str('volume-driver', 'Optional volume driver for the container'),
  list('volumes-from', 'Mount volumes from the specified container(s)'),
  str('workdir', 'Working directory inside the container', 'w'),
];

export const RUN_ONLY_FLAGS: FlagSpec[] = [
  bool('detach', 'Run container in background and print container ID', 'd'),
  str('detach-keys', 'Override the key sequence for detaching a container'),
  bool('sig-proxy', 'Proxy received signals to the process', undefined, { defaultBool: true, defaultText: 'true' }),
];

const byName = (a: FlagSpec, b: FlagSpec): number => cmp(a.long, b.long);
export const RUN_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS].sort(byName);
export const CREATE_FLAGS: FlagSpec[] = [...CONTAINER_FLAGS].sort(byName);
