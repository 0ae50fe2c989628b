// The engine's composition root: the stores and services berthd serves, built once at start.
// Picks the OCI runtimes this host can use (crun refuses hybrid cgroup hosts) so container
// start does no probing.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detectCgroupLayout, removeCgroup, type CgroupLayout } from '../host/cgroups.js';
import { OciRuntime, findRuntimeBinary } from '../host/oci-runtime.js';
import { errorMessage, InvalidArgumentError } from '../errors.js';
import { EventBus } from './events/event-bus.js';
import { ContainerService } from './containers/service.js';
import { ContainerRunner } from './containers/runner.js';
import { ExecService } from './containers/exec.js';
import { ContainerFs } from './containers/container-fs.js';
import { commitContainer, type ContainerCommitRequest } from './containers/container-commit.js';
import { ContainerStore } from './containers/container-store.js';
import { volumeNames } from './containers/mounts.js';
import { RuntimeLayout } from './containers/runtime-layout.js';
import { VolumeService } from './volumes/volume-service.js';
import { ImageService } from './images/image-service.js';
import { DEFAULT_REGISTRY_OPTIONS, DistributionService, type AuthConfig, type RegistryOptions } from './distribution/service.js';
import { RwLayerStore } from '../storage/rw-layer.js';
import { parseReference } from '../protocol/reference.js';
import { Builder } from './build/builder.js';
import { IpBatchSession } from '../host/iproute.js';
import { BridgeDriver } from './network/bridge-driver.js';
import { Firewall } from './network/firewall.js';
import { ulaFromId, type AddressPool6 } from './network/ipv6.js';
import { NetworkService } from './network/network-service.js';
import { NetworkStore } from './network/network-store.js';
import { SandboxService } from './network/sandbox.js';
import type { AddressPool } from './network/subnet-pool.js';
import { hostResolvConf } from './containers/etc-files.js';
import { setOwnOomScoreAdj } from '../host/oom-score.js';
import { ensureRunTmpfs, releaseRunTmpfs, type RunTmpfs } from '../host/run-tmpfs.js';
import { DaemonLock, NETWORK_LOCK_DIR, ROOT_LOCK_FILE } from '../host/daemon-lock.js';
import { mkdirAll } from '../host/mkdir-all.js';
import { findIdmapHelper } from '../host/idmap-mount.js';
import { remapMappings } from '../host/subordinate-ids.js';
import { UsernsRemap } from './containers/userns-remap.js';
import { loadDefaultProfile, parseProfile, type SeccompProfile } from './containers/seccomp.js';
import { ContainerLogs } from './logs/container-logs.js';
import { HealthMonitor } from './containers/health.js';
import { BERTH_DEFAULT_LOG_CONFIG, type LogConfig } from './logs/log-config.js';
import { isRunning } from './containers/state.js';

export interface EngineOptions {
  dataRoot: string;
  execRoot: string;
  defaultRuntime: string;
  cgroupParent: string;
  network: {
    /** Host interfaces and iptables chains of this daemon start with it (--network-prefix). */
    prefix: string;
    /** The default bridge's interface (--bridge), or undefined for none. */
    bridge?: string;
    /** The default bridge's gateway/prefix (--bip). */
    bip: string;
    pools: AddressPool[];
    /** IPv6 pools (--default-address-pool with an IPv6 base); a ULA /48 from the engine ID when empty. */
    pools6?: AddressPool6[];
    /** berthd --ipv6 (with --fixed-cidr-v6): the default bridge gets IPv6. */
    defaultBridgeIPv6?: { fixedCidr?: string };
    /** berthd --mtu, --icc, --ip-masq, --ip: the default bridge's options. */
    defaultBridgeOptions?: { mtu?: number; icc?: boolean; ipMasq?: boolean; ip?: string };
    /** Where the embedded DNS relays other names; the host's resolvers when empty. */
    dnsUpstreams: string[];
  };
  /** --insecure-registry, --registry-mirror, --max-concurrent-downloads/uploads. */
  registry?: RegistryOptions;
  log: { info(m: string): void; warn(m: string): void };
  /** dockerd's --seccomp-profile: a profile file, 'unconfined', or undefined for the built-in one. */
  seccompProfile?: string;
  /** dockerd's --userns-remap: 'default' or USER[:GROUP]; undefined for none. */
  usernsRemap?: string;
  /** Log driver and options for containers that name none (berthd --log-driver/--log-opt). */
  defaultLogConfig?: LogConfig;
}

const DAEMON_OOM_SCORE_ADJ = -500;

const INIT_BINARIES = ['/usr/bin/tini-static', '/usr/bin/tini', '/usr/bin/catatonit', '/usr/libexec/podman/catatonit'];

export class Engine {
  readonly events = new EventBus();
  readonly layout: RuntimeLayout;
  readonly runtimes = new Map<string, OciRuntime>();
  defaultRuntime: string;
  readonly warnings: string[] = [];
  cgroupLayout: CgroupLayout = 'v1';
  /** The cgroup version containers get, as `docker info` names it. */
  get cgroupVersion(): '1' | '2' {
    return this.cgroupLayout === 'v2' ? '2' : '1';
  }
  daemonId = '';
  images!: ImageService;
  distribution!: DistributionService;
  /** Containers' writable layers (create, mount, diff, commit, export, build). */
  rwLayers!: RwLayerStore;
  volumes!: VolumeService;
  containers!: ContainerService;
  /** A container's files as docker cp, diff and export see them. */
  containerFiles!: ContainerFs;
  execs!: ExecService;
  logs!: ContainerLogs;
  builder!: Builder;
  health!: HealthMonitor;
  networks!: NetworkService;
  sandboxes!: SandboxService;
  private firewall!: Firewall;
  private firewall6!: Firewall;
  /** --userns-remap, when on. */
  remap?: UsernsRemap;
  /** The default seccomp profile every container gets (undefined: unconfined). */
  seccompDefault?: SeccompProfile;
  seccompProfileName = 'builtin';
  private readonly ip: IpBatchSession;
  /** This daemon's hold on its roots and its network prefix (host/daemon-lock.ts). */
  private locks: { data?: DaemonLock; exec: DaemonLock[]; network?: DaemonLock } = { exec: [] };

  constructor(readonly o: EngineOptions) {
    this.layout = new RuntimeLayout(o.dataRoot, o.execRoot);
    this.defaultRuntime = o.defaultRuntime;
    this.ip = new IpBatchSession(o.execRoot);
  }

  runtimeFor = (name: string): OciRuntime => {
    const rt = this.runtimes.get(name);
    if (!rt) throw new InvalidArgumentError(`unknown or invalid runtime name: ${name}`);
    return rt;
  };

  private chooseRuntimes(): void {
    this.cgroupLayout = detectCgroupLayout();
    for (const name of ['crun', 'runc']) {
      const bin = findRuntimeBinary(name);
      if (bin) this.runtimes.set(name, new OciRuntime(name, bin, this.layout.runtimeRoot(name)));
    }
    if (!this.runtimes.has(this.defaultRuntime)) {
      const bin = findRuntimeBinary(this.defaultRuntime);
      if (!bin) throw new Error(`default runtime "${this.defaultRuntime}" not found (install crun or runc)`);
      const name = path.basename(bin);
      this.runtimes.set(this.defaultRuntime, new OciRuntime(name, bin, this.layout.runtimeRoot(name)));
    }
    if (this.defaultRuntime === 'crun' && this.cgroupLayout === 'hybrid-with-v2-controllers' && this.runtimes.has('runc')) {
      const msg = 'crun cannot run on this host (cgroup v1 with a controller left on cgroup2: "hybrid mode"); using runc. Run scripts/setup-host.sh (mounts hugetlb as a v1 hierarchy) to use crun.';
      this.o.log.warn(msg);
      this.warnings.push(`WARNING: ${msg}`);
      this.defaultRuntime = 'runc';
    }
  }

  /**
   * The daemon's seccomp profile, read and checked once at start (as dockerd's --seccomp-profile):
   * a file given, 'unconfined', or the built-in default derived from a maintained profile.
   */
  private async loadSeccompProfile(): Promise<void> {
    const choice = this.o.seccompProfile;
    if (choice === 'unconfined') {
      this.seccompProfileName = 'unconfined';
      const msg = 'daemon is not using the default seccomp profile';
      this.o.log.warn(msg);
      this.warnings.push(`WARNING: ${msg}`);
      return;
    }
    if (choice && choice !== 'builtin') {
      const text = await fs.readFile(choice, 'utf8').catch((e: Error) => {
        throw new Error(`opening seccomp profile (${choice}) failed: ${e.message}`);
      });
      this.seccompDefault = parseProfile(text);
      this.seccompProfileName = choice;
      this.warnings.push('WARNING: daemon is not using the default seccomp profile');
      return;
    }
    const found = loadDefaultProfile();
    if (!found) {
      throw new Error('no default seccomp profile found (run scripts/setup-host.sh, or start with --seccomp-profile FILE|unconfined)');
    }
    this.seccompDefault = found.profile;
    this.o.log.info(`default seccomp profile from ${found.path}`);
  }

  /** As dockerd: -500, so the OOM killer takes containers first; conmon inherits it. */
  private async lowerOwnOomScore(): Promise<void> {
    const failed = await setOwnOomScoreAdj(DAEMON_OOM_SCORE_ADJ);
    if (!failed) return;
    const msg = `could not set the daemon's OOM score to ${DAEMON_OOM_SCORE_ADJ}: ${failed}`;
    this.o.log.warn(msg);
    this.warnings.push(`WARNING: ${msg}`);
  }

  securityOptions(): string[] {
    return [`name=seccomp,profile=${this.seccompProfileName}`, ...(this.remap ? ['name=userns'] : []), 'name=cgroupns'];
  }

  /** --userns-remap: the mappings (making the default user if asked) and the ID-mapped layer mounts. */
  private async openUsernsRemap(): Promise<void> {
    if (!this.o.usernsRemap) return;
    const helper = findIdmapHelper();
    if (!helper) throw new Error('--userns-remap needs the idmap-mount helper (run scripts/setup-host.sh to build it)');
    this.remap = new UsernsRemap(await remapMappings(this.o.usernsRemap), this.o.dataRoot, helper);
    // The runtime reaches the rootfs as the namespace's root: the data root must be traversable
    // (dockerd makes its root 0711 under --userns-remap too).
    await fs.chmod(this.o.dataRoot, 0o711);
    await this.remap.open();
    this.o.log.info(`user namespaces: container root is host ${this.remap.rootUid}:${this.remap.rootGid} (${this.remap.map.user})`);
  }

  private lock(file: string, subject: string, flag: string): DaemonLock {
    const { lock, warning } = DaemonLock.take(file, subject, flag);
    if (warning) this.o.log.warn(warning);
    return lock;
  }

  private lockRoot(dir: string, flag: 'data-root' | 'exec-root'): DaemonLock {
    return this.lock(path.join(dir, ROOT_LOCK_FILE), `the ${flag.replace('-', ' ')} ${dir}`, flag);
  }

  /** The exec root on a tmpfs (host/run-tmpfs.ts), before anything is made in it. */
  private async openExecRoot(): Promise<RunTmpfs | undefined> {
    try {
      const fsKind = await ensureRunTmpfs(this.o.execRoot, () => this.layout.holdsRunState());
      if (fsKind === 'mounted') this.o.log.info(`exec root ${this.o.execRoot}: mounted a tmpfs (it was on a disk file system)`);
      if (fsKind === 'kept') this.o.log.info(`exec root ${this.o.execRoot} is on a disk file system and holds containers' state: left as it is`);
      return fsKind;
    } catch (e) {
      this.o.log.warn(`exec root ${this.o.execRoot}: no tmpfs (${errorMessage(e)}); its files go through the disk`);
      return undefined;
    }
  }

  async open(): Promise<void> {
    await Promise.all([mkdirAll(this.o.dataRoot, 0o710), mkdirAll(this.o.execRoot, 0o700)]);
    // Before anything is read or changed: another daemon may be using them. The network prefix
    // names host-wide things: a daemon with roots of its own and the same prefix deletes the
    // other's default bridge and chains at its stop. The exec root's before a tmpfs is mounted on
    // it, which would hide the files of a daemon using it, and again on a tmpfs mounted now,
    // where a later daemon looks.
    this.locks.data = this.lockRoot(this.o.dataRoot, 'data-root');
    const prefix = this.o.network.prefix;
    this.locks.network = this.lock(path.join(NETWORK_LOCK_DIR, `network-${prefix}.lock`), `the network prefix ${prefix} (its bridges, veths and iptables chains)`, 'network-prefix');
    this.locks.exec.push(this.lockRoot(this.o.execRoot, 'exec-root'));
    if ((await this.openExecRoot()) === 'mounted') this.locks.exec.push(this.lockRoot(this.o.execRoot, 'exec-root'));
    this.chooseRuntimes();
    await this.loadSeccompProfile();
    await this.lowerOwnOomScore();
    await this.openUsernsRemap();
    this.daemonId = await this.loadDaemonId();
    this.images = new ImageService(path.join(this.o.dataRoot, 'image'), this.events, (id) => this.containersUsingImage(id));
    await this.images.open(await ContainerStore.layerClaims(this.layout.containersRoot()));
    this.distribution = new DistributionService(path.join(this.o.dataRoot, 'image'), () => this.images.store, this.events, this.o.registry ?? DEFAULT_REGISTRY_OPTIONS);
    await this.distribution.open();
    this.rwLayers = new RwLayerStore(this.images.store.layers, (id) => this.layout.containerDir(id));
    this.volumes = new VolumeService(path.join(this.o.dataRoot, 'volumes'), this.events, (name) => this.containers.volumeUsers(name));
    await this.volumes.load();
    await this.openNetworks();
    const initPath = INIT_BINARIES.find((p) => existsSync(p));
    this.logs = new ContainerLogs((id) => this.layout.containerDir(id), (id) => path.join(this.layout.bundle(id), 'ctl'));
    const runner = new ContainerRunner(this.layout, this.rwLayers, this.runtimeFor, initPath, this.sandboxes, this.logs, { seccompDefault: this.seccompDefault, remap: this.remap });
    this.containers = new ContainerService({
      layout: this.layout,
      runner,
      images: this.images,
      volumes: this.volumes,
      events: this.events,
      runtimes: this.runtimes,
      defaultRuntime: this.defaultRuntime,
      cgroupParent: this.o.cgroupParent,
      networks: this.sandboxes,
      logs: this.logs,
      defaultLogConfig: this.o.defaultLogConfig ?? BERTH_DEFAULT_LOG_CONFIG,
    });
    this.containerFiles = new ContainerFs({
      rwLayers: this.rwLayers,
      containerDir: (id) => this.layout.containerDir(id),
      runtimeFor: this.runtimeFor,
      mountRootfs: (rec) => runner.mountRootfs(rec, false),
      remapFor: (rec) => runner.remapFor(rec.HostConfig),
      freezes: this.containers.freezes,
      launchesSettled: (id) => this.containers.launchesSettled(id),
      volumes: this.volumes,
    });
    await this.containers.init();
    const running = this.containers.list().filter((c) => isRunning(c));
    await this.sandboxes.restore(running);
    await this.volumes.restoreMounts(running.map((c) => ({ holder: c.Id, volumes: volumeNames(c) })));
    this.execs = new ExecService(this.containers, this.layout, this.runtimeFor, this.events);
    this.builder = new Builder({
      images: this.images, containers: this.containers, root: path.join(this.o.dataRoot, 'builder'),
      // FROM of an image that is not here is pulled, as docker's builder does (status lines only).
      pullImage: async (ref, progress, registryAuth) => {
        const r = parseReference(ref);
        // The docker CLI keys credentials by registry host (Docker Hub's by its index URL).
        const auth = (registryAuth?.[r.domain] ?? (r.domain === 'docker.io' ? registryAuth?.['https://index.docker.io/v1/'] : undefined) ?? {}) as AuthConfig;
        await this.distribution.pull(r, auth, (msg) => {
          if (msg.status && !msg.progressDetail?.total) progress(`${msg.id ? `${msg.id}: ` : ''}${msg.status}`);
        });
      },
    });
    await this.builder.open();
    this.health = new HealthMonitor({
      find: (id) => this.containers.store.find(id),
      save: (rec) => this.containers.store.save(rec),
      probe: { run: (rec, cmd, timeoutNs) => this.execs.runProbe(rec.Id, cmd, timeoutNs) },
      publish: (rec, action) => this.containers.announce(rec, action),
      log: (m) => this.o.log.warn(m),
    });
    this.containers.health = this.health;
    // Checks of containers that kept running while berthd was down resume on their schedule.
    for (const c of this.containers.list()) if (isRunning(c)) await this.health.started(c, true);
  }

  /** Networks: records and IPAM here, host side (bridges, iptables, DNS) on first use. */
  private async openNetworks(): Promise<void> {
    const n = this.o.network;
    const stateDir = path.join(this.o.execRoot, 'network');
    this.firewall = new Firewall(n.prefix, path.join(stateDir, 'firewall-installed'));
    this.firewall6 = new Firewall(n.prefix, path.join(stateDir, 'firewall6-installed'), 6);
    const drivers = new Map([['bridge', new BridgeDriver(this.ip, this.firewall, n.prefix, this.firewall6)] as const]);
    // As dockerd 28: without an IPv6 pool, IPv6 subnets come from a ULA /48 of the engine's own.
    const pools6 = n.pools6?.length ? n.pools6 : [{ base: ulaFromId(this.daemonId), size: 64 }];
    this.networks = new NetworkService(
      new NetworkStore(path.join(this.o.dataRoot, 'network')),
      { prefix: n.prefix, defaultBridge: n.bridge, bip: n.bip, pools: n.pools, pools6, defaultBridgeIPv6: n.defaultBridgeIPv6, defaultBridgeOptions: n.defaultBridgeOptions },
      drivers,
      this.events,
      (id) => this.sandboxes.activeEndpoints(id),
    );
    await this.networks.load();
    this.sandboxes = new SandboxService(this.networks, {
      ip: this.ip,
      owner: this.o.execRoot,
      events: this.events,
      containers: {
        find: (ref) => this.containers.store.find(ref),
        list: () => this.containers.list(),
      },
      upstreams: () => (n.dnsUpstreams.length ? n.dnsUpstreams : hostNameservers()),
      log: this.o.log,
    });
  }

  private async loadDaemonId(): Promise<string> {
    const file = path.join(this.o.dataRoot, 'engine-id');
    try {
      return (await fs.readFile(file, 'utf8')).trim();
    } catch {
      const id = randomBytes(16).toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
      await fs.writeFile(file, id);
      return id;
    }
  }

  /** docker commit (engine/containers/container-commit.ts); returns the new image's ID. */
  commitContainer(ref: string, req: ContainerCommitRequest): Promise<string> {
    return commitContainer({ containers: this.containers, files: this.containerFiles, images: this.images, rwLayers: this.rwLayers }, ref, req);
  }

  containersUsingImage(imageId: string): Array<{ id: string; running: boolean }> {
    return this.containers.list()
      .filter((c) => c.Image === imageId)
      .map((c) => ({ id: c.Id, running: isRunning(c) }));
  }

  /** Stops serving; running containers stay up under conmon (live restore). */
  async close(): Promise<void> {
    this.health?.close();
    this.logs?.close();
    this.containers?.close();
    await this.execs?.close();
    const anyRunning = !!this.containers?.list().some((c) => isRunning(c));
    await this.sandboxes?.close();
    await this.networks?.close(anyRunning, () => Promise.all([this.firewall.teardown(), this.firewall6.teardown()]).then(() => undefined)).catch((e) => this.o.log.warn(`network teardown: ${String(e)}`));
    this.ip.close();
    if (!anyRunning) await removeCgroup(this.o.cgroupParent);
    if (!anyRunning) await this.remap?.close();
    // Their open files would keep the tmpfs busy.
    for (const lock of this.locks.exec) lock.release();
    // Last: the views of the runtime binaries and the API socket were in it.
    if (!anyRunning) await releaseRunTmpfs(this.o.execRoot).catch((e) => this.o.log.warn(`exec root's tmpfs: ${errorMessage(e)}`));
    this.locks.network?.release({ remove: true });
    this.locks.data?.release();
  }
}

/** The host's resolvers (from /etc/resolv.conf): berthd runs in the host's namespace, loopback ones work. */
function hostNameservers(): string[] {
  return hostResolvConf().split('\n').filter((l) => /^\s*nameserver\s+/.test(l)).map((l) => l.trim().split(/\s+/)[1]!)
    .filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}
