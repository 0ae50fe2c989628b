// Runs a container's process: mounts its rootfs, writes the OCI bundle, has conmon create the
// process, joins waiting attach sessions, starts it; and after it exits, deletes it from the
// runtime and unmounts. Nothing here keeps a Node.js process per container: conmon does.
import { existsSync, mkdirSync, promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createWithConmon } from '../../host/conmon.js';
import type { ContainerLogs } from '../logs/container-logs.js';
import { STAGING_CAP } from '../logs/log-pump.js';
import { KNOWN_RUNTIMES, type OciRuntime } from '../../host/oci-runtime.js';
import { RuntimeViews, type RuntimeLaunch } from '../../host/runtime-binary.js';
import { mountTmpfs, unmount } from '../../host/mounts.js';
import { hostHardLimits, oomKilled, removeCgroup } from '../../host/cgroups.js';
import type { RwLayerStore } from '../../storage/rw-layer.js';
import { scopedResolveSync } from '../../storage/scoped-path.js';
import { removeSoon, sweepGone } from '../../storage/gone-dirs.js';
import { removeFile } from '../../host/remove-tree.js';
import { traceStep } from '../../host/step-trace.js';
import { EngineError, InvalidArgumentError, SystemError, errorMessage } from '../../errors.js';
import type { NetworkSetup } from '../network/sandbox.js';
import { AttachSession } from './attach.js';
import { buildOciSpec } from './oci-spec.js';
import { embeddedDnsResolvConf, etcFilePaths, hostResolvConf, hostsFile, ownHostNames, parseExtraHost, resolvConf, writeEtcFiles, type HostsEntry } from './etc-files.js';
import type { RuntimeLayout } from './runtime-layout.js';
import { stdinGuardedRuntime } from '../../host/stdin-guard.js';
import type { ContainerRecord, HostConfig } from './types.js';
import { UserLookups } from './user.js';
import type { SeccompProfile } from './seccomp.js';
import { resolveBlockIO, resolveDevices } from './confinement.js';
import type { NamespaceJoins } from './namespace-modes.js';
import type { UsernsRemap } from './userns-remap.js';
import { SeccompBpfCache } from './seccomp-bpf-cache.js';
import { PREDEFINED_NETWORKS } from '../network/types.js';

/** The container's network: made before the runtime runs, released after the process is gone. */
export interface ContainerNetwork {
  /**
   * `withAddresses` runs as soon as the container's addresses are chosen, while its interfaces
   * are still being made (the etc files need the addresses, not the interfaces); set-up
   * resolves once both are done.
   */
  setUp(rec: ContainerRecord, withAddresses?: (setup: NetworkSetup) => Promise<void>): Promise<NetworkSetup>;
  tearDown(rec: ContainerRecord): Promise<void>;
  /** berthd is idle for a moment: work kept off the paths clients wait on (the namespace pool's refill). */
  idle?(): void;
}

export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
}

const hardLimits = hostHardLimits();

export class ContainerRunner {
  /** conmons of runs that ended, by container, until the container starts again. */
  private readonly endedMonitors = new Map<string, { pid: number; at: number }>();
  constructor(
    private readonly layout: RuntimeLayout,
    /** The containers' writable layers: the rootfs is their merged view. */
    readonly rw: RwLayerStore,
    private readonly runtimeFor: (name: string) => OciRuntime,
    private readonly initPath: string | undefined,
    private readonly network: ContainerNetwork,
    private readonly logs: ContainerLogs,
    private readonly confinement: { seccompDefault?: SeccompProfile; remap?: UsernsRemap } = {},
  ) {
    this.views = new RuntimeViews(layout.runtimeViewsDir(), (b) => !!KNOWN_RUNTIMES.crun?.includes(b));
  }

  private readonly bpfCache = new SeccompBpfCache();
  /** The user of a start, by image: a fresh rootfs's passwd and group are its image's files. */
  private readonly users = new UserLookups(256);
  private readonly views: RuntimeViews;

  /** The user-namespace remapping that applies to this container, if any. */
  remapFor(h: HostConfig): UsernsRemap | undefined {
    const r = this.confinement.remap;
    return r && r.applies(h) ? r : undefined;
  }

  /**
   * The runtime binary conmon runs for this container: crun behind a guard of its stdin when it
   * would hand the host's /dev/null to a user other than root (host/stdin-guard.ts): in a
   * remapped user namespace, or for a process of another user (exec -u; a container's own start
   * does not do it).
   */
  runtimePathFor(rec: ContainerRecord, runtime: OciRuntime, processUser?: { uid: number; gid: number }): string {
    if (runtime.name !== 'crun') return runtime.path;
    const remap = this.remapFor(rec.HostConfig);
    if (remap) return remap.guardedRuntime(runtime.path);
    if (processUser && (processUser.uid !== 0 || processUser.gid !== 0)) return stdinGuardedRuntime(runtime.path, this.layout.stdinGuardDir());
    return runtime.path;
  }

  /**
   * How `crun create` (under conmon), `crun start` and `crun exec` run for this container: the
   * host's crun from a read-only view of itself, so it does not copy itself first at each start
   * (host/runtime-binary.ts; ~2–3 ms of mounts and a second execve per crun process).
   */
  async runtimeLaunch(rec: ContainerRecord, runtime: OciRuntime): Promise<RuntimeLaunch> {
    const p = this.runtimePathFor(rec, runtime);
    return p === runtime.path ? this.views.launch(p) : { path: p };
  }

  /** Daemon stop: the runtime's read-only views go with it. */
  closeRuntimeViews(): Promise<void> {
    return this.views.close();
  }

  /**
   * The container's rootfs, over ID-mapped lower layers when it is remapped, so its files have
   * the same owners whoever mounted it. `forRun`: the start's own mount, pinned for the run, and
   * volatile for a --rm container (its layer is deleted at its exit, the one time it is
   * unmounted: volatile spares that exit a sync of the whole file system under /var/lib/berth).
   * A passing user's mount (cp, export of a stopped container) is neither: overlayfs refuses to
   * mount a volatile layer again.
   */
  mountRootfs(rec: ContainerRecord, forRun = true): Promise<string> {
    const remap = this.remapFor(rec.HostConfig);
    return this.rw.mount({ id: rec.Id, parent: rec.TopLayer }, remap ? (dirs) => remap.lowers(dirs) : undefined, forRun ? { pin: true, volatile: rec.HostConfig.AutoRemove } : {});
  }

  /** A container found running at the daemon's start: its rootfs is its run's (mountRootfs forRun). */
  adoptRootfs(rec: ContainerRecord): void {
    this.rw.adopt(rec.Id);
  }

  unmountRootfs(id: string): Promise<void> {
    return this.rw.unmount(id);
  }

  /** Creates the process under conmon, connects the waiting attach sessions, then lets it run. */
  async start(
    rec: ContainerRecord,
    attaches: AttachSession[],
    populateVolumes: (rootfs: string) => Promise<void>,
    joins: NamespaceJoins = {},
    extra: { linkEnv?: string[]; linkHosts?: HostsEntry[]; launching?: () => void } = {},
  ): Promise<number> {
    const bundle = this.layout.bundle(rec.Id);
    const runtime = this.runtimeFor(rec.Runtime);
    const steps = new StepTimer();
    await this.previousRunForgotten(rec.Id);
    // A stop's kill still under way would reach the run made next under this ID (killsSettled).
    await runtime.killsSettled(rec.Id);
    // Normally conmon's exit command removed the previous run; if not, create would fail.
    if (runtime.hasState(rec.Id)) await runtime.delete(rec.Id, true).catch(() => undefined);
    try {
      // The bundle is on the exec root's tmpfs: made at once, not through the pool.
      mkdirSync(path.join(bundle, 'persist'), { recursive: true });
      // What does not need the rootfs (the network namespace, its interfaces, the etc files) is
      // made while it mounts, the etc files while the interfaces are made; what reads the rootfs
      // (the user, volumes, the workdir) runs as soon as it is mounted, beside the network. All
      // settle before a failure is handled, so cleanup sees everything.
      const remap = this.remapFor(rec.HostConfig);
      const mounted = this.mountRootfs(rec);
      const [rootfs, net, , , launch, [user], devices, blockIODevices] = await settleAll([
        mounted,
        this.network.setUp(rec, (n) => this.writeEtcFiles(rec, n, extra.linkHosts ?? [])),
        this.prepareShm(rec, joins),
        // A previous run's exit file must be gone before conmon runs (start waited for its handling).
        removeFile(path.join(this.layout.exitDir(), rec.Id)),
        this.runtimeLaunch(rec, runtime),
        mounted.then((dir) => settleAll([
          this.users.resolve(dir, rec.TopLayer, rec.Config.User, rec.HostConfig.GroupAdd ?? []),
          populateVolumes(dir),
          this.ensureWorkdir(dir, rec.Config.WorkingDir, remap),
        ] as const)),
        resolveDevices(rec.HostConfig),
        resolveBlockIO(rec.HostConfig),
      ] as const);
      steps.mark('rootfs+network');
      if (remap) await this.giveToRemappedRoot(rec, remap);
      const spec = buildOciSpec({
        container: rec,
        rootfs,
        user,
        etcFiles: etcFilePaths(this.layout.containerDir(rec.Id)),
        mounts: rec.Mounts,
        hostHardLimits: hardLimits,
        initPath: this.initPath,
        netns: net.mode === 'host' ? 'host' : net.mode === 'none' ? undefined : net.netns,
        seccompDefault: this.confinement.seccompDefault,
        joins: { ...joins, ...(joins.shmFrom ? { shm: this.shmDir(joins.shmFrom) } : rec.HostConfig.IpcMode === 'shareable' ? { shm: this.shmDir(rec.Id) } : {}) },
        devices,
        blockIODevices,
        linkEnv: extra.linkEnv,
        userns: remap?.ociMappings(),
      });
      // crun: a filter compiled before is loaded as is (seccomp-bpf-cache.ts).
      const learnBpf = runtime.name === 'crun' ? this.bpfCache.apply(spec) : undefined;
      // On the exec root's tmpfs: written at once (no I/O to wait for) rather than in four pool round trips.
      writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
      steps.mark('spec');
      extra.launching?.();
      traceStep(rec.Id, 'runtime-create');
      const monitor = await createWithConmon({
        containerId: rec.Id,
        sessionId: rec.Id,
        name: rec.Name.slice(1),
        runtimePath: launch.path,
        runtimeEnv: launch.env,
        runtimeArgs: runtime.globalArgs(),
        bundle,
        pidFile: path.join(bundle, 'pidfile'),
        conmonPidFile: path.join(bundle, 'conmon.pid'),
        exitDir: this.layout.exitDir(),
        persistDir: path.join(bundle, 'persist'),
        socketDir: this.layout.socketDir(),
        // conmon writes the output (berthd need not run); ContainerLogs copies it into the driver's file.
        logPath: this.logs.conmonLogPath(rec),
        logSizeMax: STAGING_CAP,
        terminal: rec.Config.Tty,
        stdin: rec.Config.OpenStdin,
        // Docker closes a container's stdin when its attach ends only for StdinOnce without
        // a tty: a tty session survives detach (ctrl-p ctrl-q) and re-attach.
        leaveStdinOpen: rec.Config.OpenStdin && (!rec.Config.StdinOnce || rec.Config.Tty),
        // conmon forgets the container in the runtime itself once it exited, so berthd's exit
        // handling spawns no runtime process (cleanup still deletes if the state is left).
        exitCommand: runtime.deleteCommand(rec.Id),
      });
      steps.mark('conmon+create');
      traceStep(rec.Id, 'runtime-created');
      if (learnBpf) await this.bpfCache.learn(learnBpf, path.join(runtime.root, rec.Id));
      // The container is in its network namespace now: the namespace lives as long as it does.
      if (net.mode === 'sandbox') net.release();
      await AttachSession.connectAll(bundle, attaches).catch((e) => {
        // The client then sees its stream end with no output: say why, at least in the log.
        console.error(`berthd: attaching to ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`);
        attaches.forEach((a) => a.close());
      });
      steps.mark('attach');
      await runtime.start(rec.Id, launch);
      steps.mark('runtime start');
      traceStep(rec.Id, 'runtime-started');
      steps.reportIfSlow(`starting ${rec.Id.slice(0, 12)}`);
      return monitor.pid;
    } catch (e) {
      steps.reportIfSlow(`the failed start of ${rec.Id.slice(0, 12)}`);
      for (const a of attaches) a.close();
      await this.cleanup(rec).catch(() => undefined);
      // Its runtime may have left the container's cgroup (a limit the kernel refused): nothing is in it.
      await removeCgroup(rec.CgroupPath, 0);
      // A reason the engine named (a network gone: 404, as docker) keeps its status.
      throw e instanceof EngineError ? e : new SystemError(String((e as Error).message ?? e));
    }
  }

  /**
   * A container's exit is handled (its waiters answered): work kept off the paths clients wait
   * on runs now (the network namespace pool's refill forks berthd and runs two programs).
   * setImmediate: after the answers written in this turn of the event loop.
   */
  exitSettled(): void {
    setImmediate(() => this.network.idle?.());
  }

  /**
   * What the container's root must own in a user namespace: its /etc files and the root of each
   * volume not yet given to anyone (a new volume; image content copied in keeps its mapped owners).
   */
  private async giveToRemappedRoot(rec: ContainerRecord, remap: UsernsRemap): Promise<void> {
    const etc = etcFilePaths(this.layout.containerDir(rec.Id));
    const volumes = rec.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Source);
    await Promise.all([
      ...[etc.hosts, etc.hostname, etc.resolvConf].map((f) => fs.chown(f, remap.rootUid, remap.rootGid).catch(() => undefined)),
      ...volumes.map(async (v) => {
        const st = await fs.stat(v).catch(() => undefined);
        if (st && st.uid === 0 && st.gid === 0) await fs.chown(v, remap.rootUid, remap.rootGid);
      }),
    ]);
  }

  /** A shareable IPC container's /dev/shm is a tmpfs on the host, so others can bind it (--ipc container:). */
  private shmDir(id: string): string {
    return path.join(this.layout.containerDir(id), 'shm');
  }

  private async prepareShm(rec: ContainerRecord, joins: NamespaceJoins): Promise<void> {
    if (rec.HostConfig.IpcMode !== 'shareable' || joins.shmFrom) return;
    const dir = this.shmDir(rec.Id);
    await fs.mkdir(dir, { recursive: true });
    await unmount(dir);
    const size = rec.HostConfig.ShmSize && rec.HostConfig.ShmSize > 0 ? rec.HostConfig.ShmSize : 64 * 1024 * 1024;
    await mountTmpfs(dir, `mode=1777,nosuid,nodev,noexec,size=${size}`);
  }

  /** Makes a missing working directory, owned by the container's root (a remapped one's too, as dockerd's). */
  private async ensureWorkdir(rootfs: string, workdir: string, remap?: UsernsRemap): Promise<void> {
    if (!workdir || workdir === '/') return;
    // Resolved inside the rootfs: a symlinked component must not lead outside it.
    // At once (a few cached lstats; an existing directory is the common case).
    const target = scopedResolveSync(rootfs, workdir.split('/').filter((p) => p && p !== '.'));
    let first: string | undefined;
    try {
      first = mkdirSync(target, { recursive: true, mode: 0o755 });
    } catch (e) {
      // dockerd's message, and never the host path the error names.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new InvalidArgumentError(`Cannot mkdir: ${workdir} is not a directory`);
      if (code === 'ENOTDIR') throw new InvalidArgumentError(`Cannot mkdir: a parent of ${workdir} is not a directory`);
      throw e;
    }
    if (!first || !remap) return;
    // The directories made, from the first down to the target (the others were there already).
    for (let dir = target; dir.length >= first.length; dir = path.dirname(dir)) await fs.chown(dir, remap.rootUid, remap.rootGid);
  }

  private async writeEtcFiles(rec: ContainerRecord, net: NetworkSetup, linkHosts: HostsEntry[]): Promise<void> {
    const h = rec.HostConfig;
    // --add-host name:host-gateway is the host's address on the default bridge, as Docker's.
    const extra = (h.ExtraHosts ?? []).map(parseExtraHost).map((e) => (e.ip === 'host-gateway' && net.hostGateway ? { ...e, ip: net.hostGateway } : e));
    const resolv = (servers: string[], keepLoopback = false) =>
      resolvConf(hostResolvConf(), servers, h.DnsSearch ?? [], h.DnsOptions ?? [], { keepLoopback });
    let hosts: string;
    let resolvText: string;
    switch (net.mode) {
      case 'host':
        hosts = (await fs.readFile('/etc/hosts', 'utf8').catch(() => '')) + extra.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('');
        resolvText = resolv(h.Dns ?? [], true);
        break;
      case 'container': {
        // The namespace's owner has the names and servers that work in it.
        const other = etcFilePaths(this.layout.containerDir(net.shareEtcWith));
        [hosts, resolvText] = await Promise.all([fs.readFile(other.hosts, 'utf8'), fs.readFile(other.resolvConf, 'utf8')]);
        break;
      }
      case 'sandbox':
        // Links add entries on the default bridge only; on a user-defined network docker writes
        // none for peers or links (moby addLegacyLinks): its DNS server answers those names.
        hosts = hostsFile(ownHostNames(rec.Config.Hostname, rec.Config.Domainname), [net.address, ...(net.address6 ? [net.address6] : [])], extra, linkHosts);
        // On a user-defined network names are the embedded DNS server's; --dns is where it relays.
        resolvText = net.embeddedDns ? embeddedDnsResolvConf(hostResolvConf(), h.DnsSearch ?? [], h.DnsOptions ?? []) : resolv(h.Dns ?? []);
        break;
      default:
        hosts = hostsFile(rec.Config.Hostname, undefined, extra);
        resolvText = resolv(h.Dns ?? []);
    }
    writeEtcFiles(etcFilePaths(this.layout.containerDir(rec.Id)), { hosts, hostname: rec.Config.Hostname, resolvConf: resolvText });
  }

  /**
   * After network connect/disconnect of a running container (Docker's sandbox update): the
   * resolver is the embedded DNS while the container is on a user-defined network, else the
   * host's (or --dns) again; /etc/hosts gets a line for each of its own addresses and loses the
   * line of an address it no longer has. Written in place: the files are bind-mounted.
   */
  async refreshNetworkEtcFiles(rec: ContainerRecord, before: string[]): Promise<void> {
    const h = rec.HostConfig;
    const mode = h.NetworkMode ?? '';
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) return;
    const eps = Object.entries(rec.Networks ?? {}).filter(([, a]) => a.Endpoint);
    const user = eps.find(([name]) => !PREDEFINED_NETWORKS.has(name));
    const paths = etcFilePaths(this.layout.containerDir(rec.Id));
    const resolvText = user
      ? embeddedDnsResolvConf(hostResolvConf(), h.DnsSearch ?? [], h.DnsOptions ?? [])
      : resolvConf(hostResolvConf(), h.Dns ?? [], h.DnsSearch ?? [], h.DnsOptions ?? []);
    const now = eps.flatMap(([, a]) => [a.Endpoint!.IPAddress, ...(a.Endpoint!.GlobalIPv6Address ? [a.Endpoint!.GlobalIPv6Address] : [])]);
    const hosts = await fs.readFile(paths.hosts, 'utf8').catch(() => '');
    const gone = new Set(before.filter((ip) => !now.includes(ip)));
    const lines = hosts.split('\n').filter((l) => l && !gone.has(l.split('\t')[0]!));
    for (const ip of now) if (!lines.some((l) => l.split('\t')[0] === ip)) lines.push(`${ip}\t${rec.Config.Hostname}`);
    await Promise.all([fs.writeFile(paths.resolvConf, resolvText), fs.writeFile(paths.hosts, lines.join('\n') + '\n')]);
  }

  /** Reads how the process ended, from conmon's exit file and the memory cgroup. */
  async exitInfo(rec: ContainerRecord): Promise<ExitInfo> {
    const file = path.join(this.layout.exitDir(), rec.Id);
    // Read at once: a few bytes on the exec root's tmpfs, where readFile's four pool round trips
    // sat on the path of every exit.
    const read = () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    let text = read();
    // conmon creates the file, then writes the code: an inotify event can come in between.
    for (let i = 0; i < 10 && text.trim() === '' && existsSync(file); i++) {
      await new Promise((r) => setTimeout(r, 20));
      text = read();
    }
    const code = text.trim() === '' ? 255 : Number(text.trim());
    const oom = existsSync(path.join(this.layout.persistDir(rec.Id), 'oom')) || oomKilled(rec.CgroupPath);
    return { exitCode: Number.isFinite(code) ? code : 255, oomKilled: oom };
  }

  /** After exit (or a failed start): forget the runtime's container, unmount, drop the bundle. */
  async cleanup(rec: ContainerRecord, opts: { runtimeDelete: boolean } = { runtimeDelete: true }): Promise<void> {
    const runtime = this.runtimeFor(rec.Runtime);
    // The process is gone: forgetting it in the runtime and unmounting its rootfs are independent.
    await Promise.all([
      opts.runtimeDelete && runtime.hasState(rec.Id) ? runtime.delete(rec.Id, true).catch(() => undefined) : undefined,
      this.unmountRootfs(rec.Id),
      this.network.tearDown(rec),
      rec.HostConfig?.IpcMode === 'shareable' ? unmount(this.shmDir(rec.Id)) : undefined,
    ]);
    // Set aside at once (a next start makes a new one) and deleted in the background; conmon may
    // still be writing into it as it exits (storage/gone-dirs.ts retries).
    try {
      await removeSoon(this.layout.bundle(rec.Id));
    } finally {
      await removeFile(path.join(this.layout.exitDir(), rec.Id));
    }
  }

  /**
   * A run's conmon that reported its exit: a start of the same container waits for it (below).
   * 0 forgets it (the container is removed).
   */
  monitorEnded(id: string, pid: number): void {
    if (pid) this.endedMonitors.set(id, { pid, at: Date.now() });
    else this.endedMonitors.delete(id);
  }

  /**
   * Waits (up to 10 s) for the previous run's conmon to be gone, then for the runtime delete it
   * forks as it exits (its exit command). berthd hears of the exit before that delete has run;
   * a restart at once created the new run, and the late delete then removed its state: "OCI
   * runtime create failed: cannot open status file" (racing restarts, under load).
   */
  private async previousRunForgotten(id: string): Promise<void> {
    const ended = this.endedMonitors.get(id);
    if (!ended) return;
    this.endedMonitors.delete(id);
    // A start long after the exit (the common case) scans nothing: that delete ran long ago.
    if (Date.now() - ended.at > 2000) return;
    const { pid } = ended;
    // Long enough for a loaded machine: a delete that runs after the new run's create kills the
    // new process. (The same words, "crun start: container is not running", seen in a fresh-clone
    // CI run, turned out to come from a stop's late kill: see killsSettled below.)
    const deadline = Date.now() + 10_000;
    const argv = (p: string | number): string[] => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      } catch {
        return [];
      }
    };
    const pause = () => new Promise((r) => setTimeout(r, 5));
    while (argv(pid).includes(id) && Date.now() < deadline) await pause();
    const deleting = () => readdirSync('/proc').some((p) => /^\d+$/.test(p) && ((a) => a.includes(id) && a.includes('delete'))(argv(p)));
    while (deleting() && Date.now() < deadline) await pause();
    if (Date.now() >= deadline) console.error(`berthd: the start of ${id.slice(0, 12)} did not see its previous run's runtime delete end in 10 s`);
  }

  /** Daemon start: bundles a crash left set aside (cleanup's removeSoon) go. */
  sweepBundles(): Promise<void> {
    return sweepGone(path.dirname(this.layout.bundle('x')));
  }

  /** Waits for the exit command to forget the container in the runtime, else deletes it. */
  async reapRuntimeState(rec: ContainerRecord): Promise<void> {
    const runtime = this.runtimeFor(rec.Runtime);
    for (let i = 0; i < 50 && runtime.hasState(rec.Id); i++) await new Promise((r) => setTimeout(r, 20));
    if (runtime.hasState(rec.Id)) await runtime.delete(rec.Id, true).catch(() => undefined);
  }

  /** Whether the conmon supervising this container is still alive (after a daemon restart). */
  async monitorAlive(rec: ContainerRecord): Promise<boolean> {
    const pid = rec.State.MonitorPid || Number(await fs.readFile(path.join(this.layout.bundle(rec.Id), 'conmon.pid'), 'utf8').catch(() => '0'));
    if (!pid) return false;
    // PIDs wrap fast here (pid_max 32768): the PID must still be this container's conmon.
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    return path.basename(argv[0] ?? '') === 'conmon' && argv.includes(rec.Id);
  }

  /**
   * conmon's PID, from the file it wrote before it ran the runtime. Read at once: a few bytes in
   * the exec root, where readFile's four thread-pool round trips sat on the start's path.
   */
  conmonPid(id: string): number {
    return this.bundlePid(id, 'conmon.pid');
  }

  /** The container's first process, from the runtime's pidfile (a record written ahead of it has 0). */
  containerPid(id: string): number {
    return this.bundlePid(id, 'pidfile');
  }

  private bundlePid(id: string, file: string): number {
    try {
      return Number(readFileSync(path.join(this.layout.bundle(id), file), 'utf8')) || 0;
    } catch {
      return 0;
    }
  }
}

/** Promise.all that waits for every promise to settle before it rejects with the first failure. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Times a start's steps; one that took long is logged with where the time went. */
class StepTimer {
  private readonly t0 = Date.now();
  private last = this.t0;
  private readonly steps: string[] = [];

  mark(step: string): void {
    const now = Date.now();
    this.steps.push(`${step} ${now - this.last} ms`);
    this.last = now;
  }

  reportIfSlow(what: string, thresholdMs = 5000): void {
    const total = Date.now() - this.t0;
    if (total >= thresholdMs) console.error(`berthd: ${what} took ${total} ms: ${this.steps.join(', ')}`);
  }
}
