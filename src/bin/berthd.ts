#!/usr/bin/env node
// berthd: parse dockerd-style flags, build the engine, serve the Docker Engine API.
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../engine/engine.js';
import { buildRouter } from '../api/routes.js';
import { createApiServer, DEFAULT_LIMITS, type ApiLimits } from '../api/server.js';
import { OLDEST_API_VERSION, parseMinApiVersion } from '../api/versions.js';
import { listenAll, refuseSocketsInUse, tcpSecurity, type TlsOptions } from '../api/listen.js';
import { IdleCollector } from '../host/idle-gc.js';
import { mkdirAllSync } from '../host/mkdir-all.js';
import { createLogger, LOG_LEVELS, type Logger } from '../api/logger.js';
import { parseAddressPool, type AddressPool } from '../engine/network/subnet-pool.js';
import { parseAddressPool6, parseCidr6, type AddressPool6 } from '../engine/network/ipv6.js';
import { BERTH_DEFAULT_LOG_CONFIG, mergeLogConfig, parseLogOpts, type LogConfig } from '../engine/logs/log-config.js';
import { DEFAULT_REGISTRY_OPTIONS, type RegistryOptions } from '../engine/distribution/service.js';
import { parseMtu } from '../engine/network/bridge-options.js';
import { isIPv4 } from '../engine/network/ipv4.js';

interface DaemonOptions {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  group: string;
  defaultRuntime: string;
  cgroupParent: string;
  logLevel: string;
  pidFile: string;
  tls: TlsOptions;
  networkPrefix: string;
  bridge: string;
  bip: string;
  pools: AddressPool[];
  pools6: AddressPool6[];
  /** --ipv6 and --fixed-cidr-v6: IPv6 on the default bridge. */
  ipv6: boolean;
  fixedCidrV6?: string;
  /** --mtu, --icc, --ip-masq, --ip: the default bridge's options, as dockerd's flags. */
  bridgeOptions: { mtu?: number; icc?: boolean; ipMasq?: boolean; ip?: string };
  dnsUpstreams: string[];
  limits: ApiLimits;
  /** The oldest API version served (DOCKER_MIN_API_VERSION, --min-api-version). */
  minApiVersion: string;
  seccompProfile?: string;
  usernsRemap?: string;
  /** Serve berth's registry (src/registry) on this address, from <data-root>/registry. */
  serveRegistry?: string;
  logDriver: string;
  logOpts: string[];
  registryOptions: RegistryOptions;
}

async function startDaemon(o: DaemonOptions & { version: string }) {
  const log: Logger = createLogger(o.logLevel);
  const engine = new Engine({
    dataRoot: o.dataRoot,
    execRoot: o.execRoot,
    defaultRuntime: o.defaultRuntime,
    cgroupParent: o.cgroupParent,
    network: {
      prefix: o.networkPrefix,
      bridge: o.bridge === 'none' ? undefined : o.bridge,
      bip: o.bip,
      pools: o.pools.length ? o.pools : [parseAddressPool(DEFAULT_POOL)],
      pools6: o.pools6,
      defaultBridgeIPv6: o.ipv6 ? { fixedCidr: o.fixedCidrV6 } : undefined,
      defaultBridgeOptions: o.bridgeOptions,
      dnsUpstreams: o.dnsUpstreams,
    },
    registry: o.registryOptions,
    log,
    seccompProfile: o.seccompProfile,
    usernsRemap: o.usernsRemap,
    defaultLogConfig: defaultLogConfig(o),
  });
  // Refuse an unsafe TCP listener before anything is set up; warn on every start when opted out.
  for (const w of tcpSecurity(o.hosts, o.tls).warnings) log.warn(w);
  // A log reader that went away (a pipe closed, a journal restarted) makes every later write
  // fail with EPIPE: the lines are dropped. Unhandled, that error became an uncaught exception
  // whose own log line failed again, and berthd spun at 100 % CPU, never reaching its shutdown.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  // Last line of defence: whatever still escapes a handler is logged, and berthd keeps serving
  // the containers it holds rather than leaving them unmanaged.
  process.on('uncaughtException', (e) => log.error(`uncaught exception (still serving): ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection (still serving): ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  await refuseSocketsInUse(o.hosts);
  await engine.open();
  const server = createApiServer(buildRouter(engine, o.version, o.minApiVersion), log, o.limits, o.minApiVersion);
  const listening = await listenAll(o.hosts, server, o.tls, { mode: 0o660, gid: groupId(o.group) }, o.limits);
  log.info(`API listening on ${o.hosts.join(', ')} (default runtime ${engine.defaultRuntime})`);
  // Gives back the heap a burst of requests grew once they stop (see host/idle-gc.ts).
  const idle = new IdleCollector();
  for (const s of listening.servers) for (const ev of ['request', 'upgrade']) s.on(ev, () => idle.touch());
  // Start-up (modules compiled, containers recovered) is work too: a berthd nobody calls gives
  // back what it touched only then (68 → ~30 MiB).
  idle.touch();
  let registryServer: { close(): Promise<void> } | undefined;
  if (o.serveRegistry) {
    // Loaded only when asked for. Blobs berthd holds are hard-linked into the registry's store.
    const { startRegistry } = await import('../registry/serve.js');
    const r = await startRegistry({ addr: o.serveRegistry, root: path.join(o.dataRoot, 'registry'), seed: engine.images.store.content, log: (l) => log.debug(`registry: ${l}`) });
    log.info(`registry listening on ${r.address}`);
    registryServer = r;
  }
  return {
    log,
    unixSockets: listening.unixSockets,
    close: async () => {
      idle.close();
      for (const s of listening.servers) s.close();
      await registryServer?.close();
      await engine.close();
    },
  };
}

/** --log-driver/--log-opt over berth's default (json-file, no options), checked as a container's would be. */
function defaultLogConfig(o: DaemonOptions): LogConfig {
  try {
    const opts = parseLogOpts(o.logOpts);
    const driver = o.logDriver || BERTH_DEFAULT_LOG_CONFIG.Type;
    return mergeLogConfig({ Type: driver, Config: opts }, driver === BERTH_DEFAULT_LOG_CONFIG.Type ? BERTH_DEFAULT_LOG_CONFIG : { Type: driver, Config: {} });
  } catch (e) {
    fail(`failed to set log opts: ${(e as Error).message}`);
  }
}

const DEFAULT_POOL = 'base=10.210.0.0/16,size=24';

const USAGE = `Usage: berthd [OPTIONS]

A Docker-compatible container engine

Options:
  -H, --host list              Daemon socket(s) to connect to (default unix:///run/berth/berth.sock)
      --data-root string       Root directory of persistent state (default "/var/lib/berth")
      --exec-root string       Root directory for execution state files (default "/run/berth")
  -G, --group string           Group for the unix socket (default "berth")
      --default-runtime string Default OCI runtime for containers (default "crun")
      --cgroup-parent string   Parent cgroup for all containers (default "/berth")
      --log-level string       Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string         Path to use for daemon PID file (default "/run/berth.pid")
      --tlsverify --tlscacert --tlscert --tlskey   Mutual TLS for tcp:// hosts (required for tcp://)
      --tls=false              Serve tcp:// hosts without TLS (unauthenticated root access: warned on every start)
      --api-header-timeout N   Seconds a client has to send a request's headers (default 60)
      --api-idle-timeout N     Seconds an idle kept-alive API connection stays open (default 60)
      --api-max-body N         Largest JSON request body in bytes (default 16777216)
      --min-api-version string Oldest API version served (default $DOCKER_MIN_API_VERSION, else ${OLDEST_API_VERSION})
  -b, --bridge string          Interface of the default bridge network, or "none" (default "berth0")
      --bip string             Gateway address and subnet of the default bridge (default "10.87.0.1/16")
      --default-address-pool   Subnets for new networks: base=CIDR,size=N (default "${DEFAULT_POOL}";
                               an IPv6 base gives --ipv6 networks theirs, default a ULA /48 from the engine ID)
      --ipv6                   Enable IPv6 on the default bridge network
      --fixed-cidr-v6 string   IPv6 subnet of the default bridge (default: one from the IPv6 pools)
      --network-prefix string  Prefix of this daemon's bridges, veths and iptables chains (default "berth")
      --mtu int                MTU of the default bridge and its containers' interfaces (default 1500)
      --icc                    Containers on the default bridge reach each other (default true)
      --ip-masq                Masquerade what leaves the host from the default bridge (default true)
      --ip ip                  Default host address of ports published on the default bridge (default 0.0.0.0)
      --dns-upstream list      Servers the embedded DNS relays other names to, IP[:PORT] (default: the host's)
      --userns-remap string    User/Group setting for user namespaces ("default" makes and uses the berth user)
      --seccomp-profile string Path to seccomp profile, "unconfined" to disable, "builtin" for the default (default "builtin")
      --registry string        Also serve berth's image registry on HOST:PORT, stored under <data-root>/registry
      --log-driver string      Default driver for container logs: json-file, local, none (default "json-file")
      --log-opt map            Default log driver options (none: berth rotates json-file at 20m x 5 unless max-size/max-file are set)
      --insecure-registry list Registries (host:port or CIDR) that may use plain HTTP or unverified TLS
      --registry-mirror list   Mirrors tried before Docker Hub for docker.io images (URLs)
      --blocked-registry list  Registries never contacted (e.g. docker.io on a machine without internet)
      --max-concurrent-downloads int  Layers downloaded at once per daemon (default 3)
      --max-concurrent-uploads int    Layers uploaded at once per daemon (default 5)
  -v, --version                Print version information and quit`;

function parseArgs(argv: string[]): DaemonOptions {
  const o: DaemonOptions = {
    hosts: [],
    dataRoot: '/var/lib/berth',
    execRoot: '/run/berth',
    group: 'berth',
    defaultRuntime: 'crun',
    cgroupParent: '/berth',
    logLevel: 'info',
    pidFile: '/run/berth.pid',
    tls: {},
    networkPrefix: 'berth',
    bridge: '',
    bip: '10.87.0.1/16',
    pools: [],
    pools6: [],
    ipv6: false,
    bridgeOptions: {},
    dnsUpstreams: [],
    limits: { ...DEFAULT_LIMITS },
    minApiVersion: OLDEST_API_VERSION,
    logDriver: '',
    logOpts: [],
    registryOptions: { ...DEFAULT_REGISTRY_OPTIONS, insecureRegistries: [], mirrors: [] },
  };
  // dockerd's knob for the same thing is this environment variable.
  const envMin = process.env['DOCKER_MIN_API_VERSION'];
  if (envMin) o.minApiVersion = minApiVersion('DOCKER_MIN_API_VERSION', envMin);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let v: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const val = () => {
      if (v !== undefined) return v;
      const next = argv[++i];
      if (next === undefined) fail(`flag needs an argument: ${a}`);
      return next;
    };
    switch (a) {
      case '-H': case '--host': o.hosts.push(val()); break;
      case '--data-root': case '-g': case '--graph': o.dataRoot = path.resolve(val()); break;
      case '--exec-root': o.execRoot = path.resolve(val()); break;
      case '-G': case '--group': o.group = val(); break;
      case '--default-runtime': o.defaultRuntime = val(); break;
      case '--cgroup-parent': o.cgroupParent = val(); break;
      case '-l': case '--log-level': o.logLevel = val(); break;
      case '-p': case '--pidfile': o.pidFile = val(); break;
      case '--tlsverify': o.tls.verify = boolFlag(a, v); break;
      case '--tls': o.tls.tls = boolFlag(a, v); break;
      case '--api-header-timeout': o.limits.headersTimeoutMs = positive(a, val()) * 1000; break;
      case '--api-idle-timeout': o.limits.idleTimeoutMs = positive(a, val()) * 1000; break;
      case '--api-max-body': o.limits.maxBodyBytes = positive(a, val()); break;
      case '--min-api-version': o.minApiVersion = minApiVersion(a, val()); break;
      case '--tlscacert': o.tls.ca = val(); break;
      case '--tlscert': o.tls.cert = val(); break;
      case '--tlskey': o.tls.key = val(); break;
      case '-D': case '--debug': o.logLevel = 'debug'; break;
      case '-b': case '--bridge': o.bridge = val(); break;
      case '--bip': o.bip = val(); break;
      case '--default-address-pool': {
        const pool = val();
        if (/base=[^,]*:/.test(pool)) o.pools6.push(parseAddressPool6(pool));
        else o.pools.push(parseAddressPool(pool));
        break;
      }
      case '--ipv6': o.ipv6 = boolFlag(a, v); break;
      case '--fixed-cidr-v6': {
        o.fixedCidrV6 = val();
        if (!parseCidr6(o.fixedCidrV6)) fail(`invalid --fixed-cidr-v6 ${o.fixedCidrV6}: invalid CIDR address`);
        break;
      }
      case '--network-prefix': o.networkPrefix = val(); break;
      case '--mtu': {
        const mtu = val();
        try {
          o.bridgeOptions.mtu = parseMtu(mtu);
        } catch (e) {
          fail(`invalid --mtu ${mtu}: ${(e as Error).message}`);
        }
        break;
      }
      case '--icc': o.bridgeOptions.icc = boolFlag(a, v); break;
      case '--ip-masq': o.bridgeOptions.ipMasq = boolFlag(a, v); break;
      case '--ip': {
        const ip = val();
        if (!isIPv4(ip)) fail(`invalid --ip ${ip}: want an IPv4 address`);
        o.bridgeOptions.ip = ip;
        break;
      }
      case '--dns-upstream': o.dnsUpstreams.push(val()); break;
      case '--seccomp-profile': o.seccompProfile = val(); break;
      case '--registry': o.serveRegistry = val(); break;
      case '--userns-remap': o.usernsRemap = val(); break;
      case '--log-driver': o.logDriver = val(); break;
      case '--log-opt': o.logOpts.push(val()); break;
      case '--insecure-registry': o.registryOptions.insecureRegistries.push(val()); break;
      case '--registry-mirror': o.registryOptions.mirrors.push(val()); break;
      case '--blocked-registry': (o.registryOptions.blockedRegistries ??= []).push(val()); break;
      case '--max-concurrent-downloads': o.registryOptions.maxConcurrentDownloads = Number(val()); break;
      case '--max-concurrent-uploads': o.registryOptions.maxConcurrentUploads = Number(val()); break;
      case '-v': case '--version':
        process.stdout.write(`berthd version ${readVersion()}\n`);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      case '-h': case '--help':
        process.stdout.write(USAGE + '\n');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default:
        fail(`unknown flag: ${a}`);
    }
  }
  // As dockerd, which stops at a level it cannot parse (berthd logged at `info` instead).
  if (!(LOG_LEVELS as readonly string[]).includes(o.logLevel)) fail(`invalid --log-level ${o.logLevel}: want ${LOG_LEVELS.join(', ')}`);
  if (!/^[a-z][a-z0-9]{0,7}$/.test(o.networkPrefix)) fail(`invalid --network-prefix ${o.networkPrefix}: 1 to 8 of [a-z0-9], starting with a letter`);
  o.bridge ||= `${o.networkPrefix}0`;
  if (o.bridge !== 'none' && !/^[a-zA-Z0-9_.-]{1,15}$/.test(o.bridge)) fail(`invalid --bridge ${o.bridge}`);
  for (const [flag, n] of [['--max-concurrent-downloads', o.registryOptions.maxConcurrentDownloads], ['--max-concurrent-uploads', o.registryOptions.maxConcurrentUploads]] as const) {
    if (!Number.isInteger(n) || n < 1) fail(`invalid ${flag}: want a positive integer`);
  }
  for (const u of o.dnsUpstreams) if (!/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(u)) fail(`invalid --dns-upstream ${u}: want IP[:PORT]`);
  try {
    tcpSecurity(o.hosts, o.tls);
  } catch (e) {
    fail((e as Error).message);
  }
  if (!o.hosts.length) o.hosts.push(`unix://${path.join(o.execRoot === '/run/berth' ? '/run/berth' : o.execRoot, 'berth.sock')}`);
  return o;
}

/** A boolean flag: bare means true, or --flag=true|false. */
function boolFlag(name: string, v: string | undefined): boolean {
  if (v === undefined || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  fail(`invalid value "${v}" for ${name}: want true or false`);
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`invalid value "${v}" for ${name}: want a positive number`);
  return n;
}

function minApiVersion(name: string, v: string): string {
  try {
    return parseMinApiVersion(v);
  } catch (e) {
    fail(`invalid ${name}: ${(e as Error).message}`);
  }
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

function fail(msg: string): never {
  process.stderr.write(`berthd: ${msg}\nSee 'berthd --help'.\n`);
  process.exit(125);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('berthd needs to be started with root privileges');
  mkdirAllSync(path.dirname(opts.pidFile));
  if (existsSync(opts.pidFile)) {
    const old = Number(readFileSync(opts.pidFile, 'utf8'));
    if (old && old !== process.pid && existsSync(`/proc/${old}`)) {
      const cmd = readFileSync(`/proc/${old}/cmdline`, 'utf8');
      if (cmd.includes('berthd')) fail(`pid file found, ensure berthd is not running or delete ${opts.pidFile}`);
    }
  }
  writeFileSync(opts.pidFile, String(process.pid));
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({ ...opts, version: readVersion() });
  } catch (e) {
    // A daemon that never started leaves no pid file behind (as dockerd).
    rmSync(opts.pidFile, { force: true });
    throw e;
  }
  const stop = async (sig: string) => {
    daemon.log.info(`received ${sig}, shutting down (containers keep running)`);
    await daemon.close();
    try {
      unlinkSync(opts.pidFile);
    } catch {
      /* already gone */
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGPIPE', () => undefined);
  // A terminal's hang-up ended the daemon (Node's default for SIGHUP), its API with it; dockerd
  // reloads its configuration file on it, and berthd has none.
  process.on('SIGHUP', () => daemon.log.info('received SIGHUP: no configuration file to reload, going on'));
  process.on('exit', () => {
    for (const s of daemon.unixSockets) rmSync(s, { force: true });
  });
}

function groupId(name: string): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[0] === name);
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`berthd: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
