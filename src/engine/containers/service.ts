// Container lifecycle: create, start, stop, kill, restart, pause, wait, rename, remove, and the
// handling of exits reported by conmon. State changes are saved before they are announced.
// Its parts with state of their own live beside it: restart policies (restart-policy.ts), the
// watch on conmon processes (monitor-watch.ts), legacy links (links.ts) and the file operations
// a stop or removal must end first (file-ops.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, watch, type FSWatcher } from 'node:fs';
import { cpus, hostname } from 'node:os';
import * as path from 'node:path';
import type { OciRuntime } from '../../host/oci-runtime.js';
import { isMountPoint } from '../../host/mounts.js';
import { ConflictError, InvalidArgumentError, NotFoundError, NotModifiedError, SystemError, errorMessage } from '../../errors.js';
import { ContainerLinks, dropLink } from './links.js';
import { etcFilePaths } from './etc-files.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageRecord } from '../images/types.js';
import { ImagePin } from '../images/image-pins.js';
import type { NetworkPlan, PlanInput } from '../network/attachments.js';
import type { EndpointChange } from '../network/sandbox.js';
import type { EndpointRequest } from '../network/types.js';
import { KeyedMutex } from '../../storage/lock.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { AttachSession, PendingAttaches, type AttachSink, type AttachWants } from './attach.js';
import { ContainerStore } from './container-store.js';
import { DaemonFreezes } from './daemon-freezes.js';
import { resolveBlockIO, resolveDevices } from './confinement.js';
import { joinedContainers, namespaceJoins, validateNamespaceModes } from './namespace-modes.js';
import { canonicalHostConfig, discardUnsupportedLimits, mergeConfig, updatedHostConfig, validateHostConfig, type CreateRequest } from './create-config.js';
import { cgroupSupport, hostCpuset, liftPidsLimit } from '../../host/cgroups.js';
import { portRequests } from '../network/port-bindings.js';
import { populateVolumes, resolveMounts, volumeNames, volumesFrom } from './mounts.js';
import { generateName, isValidName } from './names.js';
import type { ContainerRunner } from './runner.js';
import type { RuntimeLayout } from './runtime-layout.js';
import { canTransition, isBeingRemoved, isRunning, moveTo, refuseExecUnlessRunning, runningState, ZERO_TIME } from './state.js';
import { ExitWaiters, type WaitCondition } from './exit-waiters.js';
import { traceStep } from '../../host/step-trace.js';
import type { ContainerLogs } from '../logs/container-logs.js';
import type { HealthMonitor } from './health.js';
import { mergeLogConfig, type LogConfig } from '../logs/log-config.js';
import type { ContainerRecord, ContainerStatus, HostConfig } from './types.js';
import { cgroupResources } from './oci-spec.js';
import { removeTree } from '../../host/remove-tree.js';
import { processLives } from '../../host/pid.js';
import { countRestart, RestartPolicies, restartsWithDaemon, setRestartCount } from './restart-policy.js';
import { isMonitorOf, MonitorWatch } from './monitor-watch.js';
import { FileOperations } from './file-ops.js';
import { resizeTerminal } from '../../host/attach-socket.js';
import { directoriesBytes, directoryBytes } from '../../host/disk-usage.js';
import { topOf, type TopResult } from './top.js';
import { parseSignal } from '../../protocol/signals.js';
import { platformMatches, platformString, type Platform } from '../distribution/manifest.js';
import { nowRfc3339Nano } from '../../protocol/timestamps.js';

export interface ImageLookup {
  resolve(ref: string): Promise<ImageRecord> | ImageRecord;
  /** As resolve, the image kept from rmi and prune until unpin (image-pins.ts). */
  resolvePinned(ref: string, pin: ImagePin): ImageRecord;
  unpin(pin: ImagePin): void;
  /** Keeps the image's layers while a container needs them (even if the image is removed). */
  holdLayers(containerId: string, imageId: string): Promise<void>;
  topLayer(imageId: string): string;
  releaseLayers(containerId: string): Promise<void>;
}

export type { WaitCondition };

/** os.cpus() reads /proc/cpuinfo and /proc/stat each call; the count is all create needs. */
const CPU_COUNT = cpus().length;

export interface ContainerServiceOptions {
  layout: RuntimeLayout;
  runner: ContainerRunner;
  images: ImageLookup;
  volumes: VolumeService;
  events: EventBus;
  runtimes: Map<string, OciRuntime>;
  defaultRuntime: string;
  cgroupParent: string;
  /** Decides (and checks) the networks of a new container. */
  networks: {
    plan(input: Omit<PlanInput, 'containerExists'>): NetworkPlan;
    connect(rec: ContainerRecord, netRef: string, req: EndpointRequest): Promise<EndpointChange>;
    disconnect(rec: ContainerRecord, netRef: string, force: boolean): Promise<EndpointChange>;
    announce(rec: ContainerRecord, change: EndpointChange, action: 'connect' | 'disconnect'): void;
  };
  logs: ContainerLogs;
  /** Merged into each container's LogConfig (Type '' means this driver). */
  defaultLogConfig: LogConfig;
}

export class ContainerService {
  readonly store: ContainerStore;
  private readonly pending = new PendingAttaches();
  private readonly waiters = new ExitWaiters();
  /** Exit handling in progress, by container ID (so it runs once). */
  private readonly exiting = new Map<string, Promise<void>>();
  /** A kill's signal on its way to the runtime, by container: its event goes out before the exit's `die`. */
  private readonly killAnnouncements = new Map<string, Promise<void>>();
  /** Starts in progress (docker run's start may race an attach or a kill). */
  private readonly starting = new Map<string, Promise<void>>();
  /** pause/unpause calls in the runtime, by container ID (see freezerCall). */
  private readonly freezerCalls = new Map<string, Promise<void>>();
  /** Exec launches in the runtime, by container ID, which a pause waits for (see whileUnfrozen). */
  private readonly launches = new Map<string, Set<Promise<void>>>();
  /** Containers a stop, a SIGKILL or an rm -f is ending, with how many: a pause now would freeze the signal. */
  private readonly ending = new Map<string, number>();
  /**
   * Containers whose removal has begun (docker's RemovalInProgress): from then on a start or a
   * file operation is refused, while the removal still waits for the container to exit.
   */
  private readonly removals = new Set<string>();
  /** File operations in flight (cp, export, diff, commit), which a stop, kill or removal ends first. */
  private readonly fileOps = new FileOperations();
  private readonly restarts = new RestartPolicies((rec) => {
    if (this.store.find(rec.Id) !== rec || rec.State.Status !== 'restarting') return;
    void this.start(rec.Id, 'policy').catch((e) => console.error(`berthd: restart policy: starting ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`));
  });
  private readonly links: ContainerLinks;
  private readonly monitors = new MonitorWatch({
    live: () => this.store.list().filter((rec) => isRunning(rec) && !this.starting.has(rec.Id) && !this.exiting.has(rec.Id)),
    lost: (rec) => void this.checkMonitor(rec),
  });
  /**
   * Network connects, disconnects and starts, one at a time per container (dockerd's container
   * lock): a start plugs in the endpoints its record names when it sets up the network, so a
   * connect made meanwhile was recorded but never plugged in, and a disconnect left its interface
   * and address behind (40 in 40 of a race probe). Now a change waits for the start and then
   * applies to the running container, and a start waits for a change in progress.
   */
  private readonly endpointLock = new KeyedMutex();
  private exitWatcher?: FSWatcher;
  /** Runs healthchecks; set once execs can run (the engine wires it after init). */
  health?: HealthMonitor;

  /** The daemon's own freezes (cp, export, commit), which a start after a crash thaws. */
  readonly freezes: DaemonFreezes;

  constructor(private readonly o: ContainerServiceOptions) {
    this.store = new ContainerStore(o.layout.containersRoot());
    this.freezes = new DaemonFreezes(o.layout.daemonFreezesDir());
    this.links = new ContainerLinks(this.store, (id) => etcFilePaths(o.layout.containerDir(id)).hosts);
  }

  /** Loads records, removes half-made ones, re-adopts running containers and watches exits. */
  async init(): Promise<void> {
    await Promise.all([
      fs.mkdir(this.o.layout.exitDir(), { recursive: true }),
      fs.mkdir(this.o.layout.socketDir(), { recursive: true }),
      this.o.runner.sweepBundles(),
    ]);
    const { loaded, halfMade } = await this.store.load();
    for (const id of halfMade) {
      await this.o.runner.cleanup({ Id: id, Runtime: this.o.defaultRuntime } as ContainerRecord).catch(() => undefined);
      await removeTree(this.store.dir(id));
    }
    this.exitWatcher = watch(this.o.layout.exitDir(), (_ev, file) => {
      if (file) void this.onExitFile(file.toString());
    });
    const stoppedBefore = loaded.filter((r) => r.State.Status === 'exited');
    for (const rec of loaded) {
      if (rec.HasBeenManuallyStopped) this.restarts.stoppedByUser(rec);
      if (rec.State.Status === 'restarting') {
        // The daemon stopped between an exit and its policy's restart: the restart is still due,
        // and was counted when it was decided (the chaos campaign once saw on-failure:1 restarted
        // twice: it was counted again here).
        this.restarts.schedule(rec);
      } else if (isRunning(rec)) {
        if (existsSync(path.join(this.o.layout.exitDir(), rec.Id))) await this.onExitFile(rec.Id);
        else if (await this.o.runner.monitorAlive(rec)) {
          const rt = this.runtime(rec.Runtime);
          const st = await rt.state(rec.Id).catch(() => undefined);
          if (st?.status === 'created') {
            // Recorded ahead of its start (startNow), and the daemon died before the process
            // was let run: that start was never acknowledged. It ends as a lost monitor's would.
            // The kill makes conmon write an exit file, which the watcher sees meanwhile.
            await this.handleExit(rec.Id, async () => {
              await rt.kill(rec.Id, 'SIGKILL', true).catch(() => undefined);
              await this.markExited(rec, { exitCode: 255, oomKilled: false }, 'the daemon stopped during the start', true);
            });
            continue;
          }
          this.o.logs.started(rec);
          this.o.runner.adoptRootfs(rec);
          // Written ahead of the runtime's answer: the PIDs are the bundle's.
          const unsaved = !rec.State.Pid;
          if (unsaved) rec.State = { ...rec.State, Pid: this.o.runner.containerPid(rec.Id), MonitorPid: this.o.runner.conmonPid(rec.Id) };
          // A pause or unpause the daemon died in: the runtime knows which it became.
          const live = st?.status === 'paused' || st?.status === 'running' ? st.status : undefined;
          const changed = !!live && live !== rec.State.Status;
          if (live) moveTo(rec, live);
          if (changed || unsaved) await this.store.save(rec);
        } else if (existsSync(path.join(this.o.layout.exitDir(), rec.Id))) {
          // It wrote the exit file and went between the two looks (found by the chaos campaign).
          await this.onExitFile(rec.Id);
        } else {
          // The supervisor is gone without an exit file: the container cannot be trusted to run.
          await this.markExited(rec, { exitCode: 255, oomKilled: false }, 'container monitor lost', true);
        }
      } else if (rec.State.Status === 'removing') {
        await this.removeNow(rec, false);
      } else if (existsSync(this.o.layout.bundle(rec.Id)) || this.runtime(rec.Runtime).hasState(rec.Id) || (await isMountPoint(this.o.runner.rw.paths(rec.Id).merged))) {
        // A start the daemon died in: never acknowledged, so its process (if the runtime got
        // that far), network and mounts go, and the container stays as it was recorded.
        await this.o.runner.cleanup(rec, { runtimeDelete: true }).catch((e) => console.error(`berthd: cleaning up the interrupted start of ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`));
        // What it wrote before it was stopped is kept, as for any exit.
        await this.o.logs.stopped(rec).catch(() => undefined);
        // A --rm container goes, as after any failed start of one (its layer, mounted volatile,
        // could not be mounted again anyway).
        if (rec.HostConfig.AutoRemove) await this.removeNow(rec, true, { cleanedUp: true }).catch((e) => console.error(`berthd: removing ${rec.Id.slice(0, 12)} after its interrupted start failed: ${errorMessage(e)}`));
      } else if (rec.State.Status === 'exited') {
        // A last copy a full disk stopped before the daemon went (its conmon.log kept): finished
        // now, as readers finish only the copies this daemon saw fail.
        await this.o.logs.stopped(rec).catch(() => undefined);
      }
    }
    // Frozen by a daemon that died in a cp, export or commit: the runtime says paused (and the
    // loop above recorded it so), but no user paused it.
    for (const id of this.freezes.leftovers()) {
      const rec = this.store.find(id);
      if (rec?.State.Status === 'paused') {
        await this.unpause(id).catch((e) => console.error(`berthd: thawing ${id.slice(0, 12)}, frozen by the daemon before it stopped, failed: ${errorMessage(e)}`));
      }
      this.freezes.forget(id);
    }
    // A build step's container whose build died with the daemon: nobody waits for it any more.
    // dockerd's classic builder leaves these behind (running, then exited) for a user to find.
    for (const rec of loaded) {
      if (!rec.BuildStep || !this.store.find(rec.Id)) continue;
      await this.remove(rec.Id, { force: true, volumes: true }).catch((e) => console.error(`berthd: removing the orphaned build container ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`));
    }
    // As dockerd at start: containers that were down before it, and started once, come back
    // by their policy: always even if a user stopped them, unless-stopped unless a user did,
    // on-failure after a failure with retries left. (Those found dead above were handled.)
    for (const rec of stoppedBefore) {
      if (!rec.HostConfig.AutoRemove && rec.State.StartedAt !== ZERO_TIME && restartsWithDaemon(rec)) {
        setTimeout(() => void this.start(rec.Id, 'daemon').catch((e) => console.error(`berthd: restarting ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`)), 0);
      }
    }
    this.monitors.start();
  }

  /**
   * A monitor the watch found gone: a container whose conmon died (killed, OOM) would never
   * have its exit reported. It is killed and recorded as exited (255); its restart policy applies.
   */
  private async checkMonitor(rec: ContainerRecord): Promise<void> {
    if (await this.o.runner.monitorAlive(rec)) return;
    // It may have written the exit file just before it went.
    if (existsSync(path.join(this.o.layout.exitDir(), rec.Id))) return this.onExitFile(rec.Id);
    if (this.exiting.has(rec.Id) || this.starting.has(rec.Id) || !isRunning(rec)) return;
    await this.handleExit(rec.Id, async () => {
      console.error(`berthd: the monitor of ${rec.Id.slice(0, 12)} is gone; killing and recording it as exited`);
      const rt = this.runtime(rec.Runtime);
      if (rec.State.Status === 'paused') await rt.resume(rec.Id).catch(() => undefined);
      await rt.kill(rec.Id, 'SIGKILL', true).catch(() => undefined);
      await this.markExited(rec, { exitCode: 255, oomKilled: false }, 'container monitor lost', true);
    }).catch((e) => console.error(`berthd: handling the lost monitor of ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`));
  }

  /**
   * One handling of a container's exit at a time: an exit file's, a lost monitor's, and that of
   * a start the daemon died in. An exit file that comes meanwhile (a kill made conmon write one)
   * waits for the handling in progress instead of recording the exit a second time (a removal
   * it began went back to "exited": the chaos campaign).
   */
  private handleExit(id: string, handle: () => Promise<void>): Promise<void> {
    const existing = this.exiting.get(id);
    if (existing) return existing;
    const p = handle().finally(() => {
      this.exiting.delete(id);
      this.o.runner.exitSettled();
    });
    // Those who wait for it learn that it ended; its failure is its caller's to report.
    this.exiting.set(id, p.catch(() => undefined));
    return p;
  }

  close(): void {
    this.exitWatcher?.close();
    this.monitors.stop();
  }

  get logs(): ContainerLogs {
    return this.o.logs;
  }

  get runner(): ContainerRunner {
    return this.o.runner;
  }

  list(): ContainerRecord[] {
    return this.store.list();
  }

  get(ref: string): ContainerRecord {
    return this.store.get(ref);
  }

  /**
   * POST /networks/{id}/connect. The sandbox plugs the endpoint in; the record is saved here.
   * One endpoint change of a container at a time: two connects at once chose the same
   * interface name, and the second failed with the kernel's "File exists".
   */
  connectNetwork(netRef: string, ctrRef: string, req: EndpointRequest): Promise<void> {
    return this.changeEndpoints(ctrRef, 'connect', (rec) => this.o.networks.connect(rec, netRef, req));
  }

  /** POST /networks/{id}/disconnect, as connectNetwork. */
  disconnectNetwork(netRef: string, ctrRef: string, force: boolean): Promise<void> {
    return this.changeEndpoints(ctrRef, 'disconnect', (rec) => this.o.networks.disconnect(rec, netRef, force));
  }

  private async changeEndpoints(ctrRef: string, action: 'connect' | 'disconnect', change: (rec: ContainerRecord) => Promise<EndpointChange>): Promise<void> {
    const rec = this.store.get(ctrRef);
    await this.endpointLock.run(rec.Id, async () => {
      if (this.store.find(rec.Id) !== rec) throw new NotFoundError(`No such container: ${ctrRef}`);
      const done = await change(rec);
      await this.store.save(rec);
      // A running container's /etc/hosts and resolver follow its addresses.
      if (done.live) await this.o.runner.refreshNetworkEtcFiles(rec, done.addressesBefore).catch((e) => console.error(`berthd: etc files of ${rec.Id.slice(0, 12)}: ${errorMessage(e)}`));
      this.o.networks.announce(rec, done, action);
    });
  }

  /** docker top: the container's processes, as the host's `ps` with `psArgs` shows them. */
  async top(ref: string, psArgs: string[]): Promise<TopResult> {
    const rec = this.store.get(ref);
    if (!isRunning(rec)) throw new ConflictError(`Container ${rec.Id} is not running`);
    return topOf(await this.whileLive(rec, () => this.runtime(rec.Runtime).pids(rec.Id)), psArgs);
  }

  /** A new size for the container's terminal; nothing to do without a running one (as dockerd). */
  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.store.get(ref);
    if (isRunning(rec) && rec.Config.Tty) await resizeTerminal(this.o.layout.bundle(rec.Id), height, width).catch(() => undefined);
  }

  /**
   * What a container holds on disk, as docker's SizeRw (its writable layer's files) and
   * SizeRootFs (those plus its image's layers, which other containers share).
   */
  async diskSize(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    return (await this.diskSizes([rec]))[0]!;
  }

  /** diskSize of many containers, measured together (ps -s, system df). */
  async diskSizes(recs: readonly ContainerRecord[]): Promise<Array<{ rw: number; rootFs: number }>> {
    const uppers = recs.map((rec) => this.o.runner.rw.paths(rec.Id).upper);
    const bytes = await directoriesBytes(uppers);
    return Promise.all(recs.map(async (rec, i) => {
      const rw = bytes.get(uppers[i]!) ?? 0;
      let image = 0;
      try {
        image = (await this.o.images.resolve(rec.Image)).size;
      } catch {
        // Removed (rmi -f): its layers stay for the container, unlisted and uncounted.
      }
      return { rw, rootFs: rw + image };
    }));
  }

  /**
   * POST /containers/prune: removes the stopped containers (exited, created, dead) that `matches`
   * accepts. Returns their IDs and the bytes their directories held.
   */
  async prune(matches: (rec: ContainerRecord) => boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of this.store.list()) {
      if (rec.State.Status !== 'exited' && rec.State.Status !== 'created' && rec.State.Status !== 'dead') continue;
      if (!matches(rec)) continue;
      const size = await directoryBytes(this.o.layout.containerDir(rec.Id));
      await this.remove(rec.Id, {});
      deleted.push(rec.Id);
      reclaimed += size;
    }
    return { deleted, reclaimed };
  }

  private runtime(name: string): OciRuntime {
    const rt = this.o.runtimes.get(name);
    if (!rt) throw new InvalidArgumentError(`unknown or invalid runtime name: ${name}`);
    return rt;
  }

  /** `buildStep`: a build's RUN step asks, and removes the container after it (see BuildStep). */
  async create(req: CreateRequest, name?: string, platform?: Platform, opts: { buildStep?: boolean; legacyReadOnly?: boolean } = {}): Promise<{ Id: string; Warnings: string[] }> {
    if (!req || typeof req.Image !== 'string' || !req.Image) throw new InvalidArgumentError('Config cannot be empty in order to create a container');
    if (name !== undefined && name !== '' && !isValidName(name)) {
      throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    const host = canonicalHostConfig(req.HostConfig ?? {});
    validateHostConfig(host, CPU_COUNT, hostCpuset());
    validateNamespaceModes(host, (ref) => !!this.store.find(ref));
    const remap = this.o.runner.remapFor(host);
    remap?.validate(host);
    await Promise.all([resolveDevices(host), resolveBlockIO(host)]);
    const logConfig = mergeLogConfig(host.LogConfig, this.o.defaultLogConfig);
    // Malformed or out-of-range ports are refused now, not at start (Docker's 400).
    portRequests(req.ExposedPorts ?? undefined, host.PortBindings, false);
    const warnings = discardUnsupportedLimits(host, cgroupSupport());
    const networking = this.o.networks.plan({
      networkMode: host.NetworkMode,
      endpoints: req.NetworkingConfig?.EndpointsConfig,
      legacyMac: typeof req.MacAddress === 'string' ? req.MacAddress : undefined,
      publishesPorts: !!host.PublishAllPorts || Object.values(host.PortBindings ?? {}).some((b) => !!b?.length),
    });
    // docker-py's create_container(runtime=…) sends it beside HostConfig, not in it.
    const runtimeName = host.Runtime || (typeof req.Runtime === 'string' ? req.Runtime : '') || this.o.defaultRuntime;
    this.runtime(runtimeName);
    const id = randomBytes(32).toString('hex');
    // Pinned from here until the record that names it is saved: an rmi or prune meanwhile
    // would leave the container on an image that is gone.
    const pin = new ImagePin(`container ${id.slice(0, 12)} being created`);
    const image = this.o.images.resolvePinned(req.Image, pin);
    try {
      // As dockerd: the image found by that name is another platform's, so it is not found (the
      // docker CLI then pulls the one asked for).
      if (platform && !platformMatches(image.config, platform)) {
        throw new NotFoundError(`image with reference ${req.Image} was found but does not match the specified platform: wanted ${platformString(platform)}, actual: ${platformString({ os: image.config.os, architecture: image.config.architecture, variant: image.config.variant })}`);
      }
      const { config, path: cmdPath, args } = mergeConfig(req, image, id);
      // The UTS name follows the network namespace, as Docker's: the host's in host mode, the
      // other container's in container mode (unless one was asked for).
      if (!req.Hostname) {
        if (networking.networkMode === 'host') config.Hostname = hostname();
        else if (networking.networkMode.startsWith('container:')) {
          config.Hostname = this.store.find(networking.networkMode.slice('container:'.length))?.Config.Hostname ?? config.Hostname;
        }
      }
      const finalName = name ? name.replace(/^\//, '') : generateName((n) => this.store.nameTaken(n));
      this.store.reserveName(finalName, id);
      let createdVolumes: string[] = [];
      try {
        if (host.Links?.length) host.Links = this.links.resolve(host.Links, finalName, networking.networks, networking.networkMode);
        const plan = await resolveMounts(id, config, host, Object.keys(image.config.config?.Volumes ?? {}), this.o.volumes, volumesFrom(host.VolumesFrom ?? [], (ref) => this.store.find(ref)), opts.legacyReadOnly);
        createdVolumes = plan.createdVolumes;
        const rec: ContainerRecord = {
          Id: id,
          Name: `/${finalName}`,
          Created: nowRfc3339Nano(),
          Path: cmdPath,
          Args: args,
          Config: config,
          HostConfig: { ...host, Runtime: runtimeName, NetworkMode: networking.networkMode, LogConfig: logConfig },
          Image: image.id,
          TopLayer: this.o.images.topLayer(image.id),
          State: {
            Status: 'created', Pid: 0, ExitCode: 0, Error: '', OOMKilled: false,
            StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, MonitorPid: 0, RestartCount: 0,
          },
          Mounts: plan.mounts,
          Runtime: runtimeName,
          CgroupPath: path.posix.join(host.CgroupParent || this.o.cgroupParent, id),
          RestartCount: 0,
          // Disabled networking (docker-py's network_disabled) has none, as dockerd's inspect shows.
          Networks: req.NetworkDisabled ? {} : networking.networks,
          ...(opts.buildStep ? { BuildStep: true } : {}),
        };
        await this.o.runner.rw.prepare(id, remap ? { uid: remap.rootUid, gid: remap.rootGid } : undefined);
        await this.o.images.holdLayers(id, image.id);
        // The record is written last: until then a crash leaves a directory that init() removes.
        await this.store.save(rec);
        // The record names its volumes now: they are in use by it.
        this.o.volumes.release(id);
        // With the container's labels, as dockerd's (compose filters its events by them).
        this.announce(rec, 'create');
        return { Id: id, Warnings: warnings };
      } catch (e) {
        this.o.volumes.release(id);
        this.store.releaseName(finalName, id);
        await this.o.images.releaseLayers(id).catch(() => undefined);
        await removeTree(this.store.dir(id));
        for (const v of createdVolumes) await this.o.volumes.remove(v, true).catch(() => undefined);
        throw e;
      }
    } finally {
      this.o.images.unpin(pin);
    }
  }

  private async setStatus(rec: ContainerRecord, status: ContainerStatus): Promise<void> {
    if (!canTransition(rec.State.Status, status)) {
      throw new ConflictError(`cannot change container ${rec.Id.slice(0, 12)} from ${rec.State.Status} to ${status}`);
    }
    moveTo(rec, status);
    await this.store.save(rec);
  }

  /**
   * Starts a container. `by` says who asked: a start by a user or by the daemon's own start
   * begins the restart count again, as docker's (ResetRestartManager(true)); a restart of the
   * container's policy keeps counting.
   */
  async start(ref: string, by: 'user' | 'daemon' | 'policy' = 'user'): Promise<void> {
    const rec = this.store.get(ref);
    const inFlight = this.starting.get(rec.Id);
    if (inFlight) return inFlight;
    const p = this.endpointLock.run(rec.Id, () => this.startNow(rec, by !== 'policy')).finally(() => this.starting.delete(rec.Id));
    this.starting.set(rec.Id, p);
    return p;
  }

  private async startNow(rec: ContainerRecord, resetCount: boolean): Promise<void> {
    if (rec.State.Status === 'paused') throw new ConflictError('cannot start a paused container, try unpause instead');
    if (rec.State.Status === 'running') throw new NotModifiedError('container already started');
    // This start replaces a scheduled one; the container stays 'restarting' until it runs, as
    // docker's (the chaos campaign saw 'exited' with a process already running).
    this.restarts.clear(rec.Id);
    this.refuseIfRemoving(rec, 'started');
    const waitFrom = Date.now();
    await this.exiting.get(rec.Id);
    await this.freezerCalls.get(rec.Id);
    if (Date.now() - waitFrom > 5000) console.error(`berthd: the start of ${rec.Id.slice(0, 12)} waited ${Date.now() - waitFrom} ms for its exit handling or a pause`);
    // A removal may have begun while this waited (an rm -f waits for the exit it caused).
    this.refuseIfRemoving(rec, 'started');
    this.restarts.forgetUserStop(rec);
    if (resetCount) setRestartCount(rec, 0);
    const attaches = this.pending.take(rec.Id);
    let running = false;
    try {
      const joins = namespaceJoins(rec.HostConfig, (ref) => this.store.get(ref));
      const populate = async (rootfs: string) => {
        await this.o.volumes.mountFor(rec.Id, volumeNames(rec));
        await populateVolumes(rec.Mounts, rootfs, this.o.volumes);
      };
      // The record says `running` from the moment the runtime is asked to make the process, and
      // is written while it does (~10 ms, where the write took 1.5 ms after it): an acknowledged
      // start is on disk as before. Its PIDs are in the bundle for a daemon start to read.
      let startedAt = nowRfc3339Nano();
      let ahead: { settle(): Promise<void> } | undefined;
      const launching = () => {
        startedAt = nowRfc3339Nano();
        ahead = this.store.writeAhead(rec, { ...rec, State: { ...rec.State, ...runningState(0, 0, startedAt) } });
      };
      const pid = await this.o.runner.start(rec, attaches, populate, joins, { linkEnv: this.links.env(rec), linkHosts: this.links.hosts(rec), launching });
      running = true;
      moveTo(rec, 'running');
      rec.State = { ...rec.State, ...runningState(pid, this.o.runner.conmonPid(rec.Id), startedAt) };
      await (ahead ? ahead.settle() : this.store.save(rec));
      this.o.logs.started(rec);
      void this.health?.started(rec).catch(() => undefined);
      void this.links.updateParents(rec).catch(() => undefined);
      this.announceVolumes(rec, 'mount');
      this.o.events.publish('container', 'start', rec.Id, this.attrs(rec));
      // The exit may have been reported while we were still recording the start.
      if (existsSync(path.join(this.o.layout.exitDir(), rec.Id))) void this.onExitFile(rec.Id);
    } catch (e) {
      // It runs but its start could not be recorded (a full disk, found by the chaos campaign):
      // an unacknowledged start must not leave a process, mounts or a network behind.
      if (running) {
        const monitor = rec.State.MonitorPid;
        await this.o.runner.cleanup(rec, { runtimeDelete: true }).catch(() => undefined);
        // conmon ends with the process it watched, a moment after: the failure is answered once
        // it has (seen under load: a conmon still there when the 500 came).
        for (let i = 0; i < 100 && monitor && isMonitorOf(monitor, rec.Id); i++) await new Promise((r) => setTimeout(r, 20));
        rec.State.Pid = 0;
        rec.State.MonitorPid = 0;
      }
      // The volumes it had mounted for this start (runner.start cleaned up the rest).
      await this.o.volumes.unmountFor(rec.Id);
      // A container whose namespaces it joins went meanwhile (an rm -f, its exit): the runtime
      // found no /proc/PID/ns/*; docker's refusal of a non-running one, not a 500.
      const gone = joinedContainers(rec.HostConfig).find((ref) => {
        const other = this.store.find(ref);
        return !other || !this.stillRunning(other);
      });
      if (gone !== undefined && !(e instanceof ConflictError) && /\/ns\/\w+/.test(errorMessage(e))) {
        e = new ConflictError(`cannot join namespaces of a non running container: ${gone}`);
      }
      let msg = errorMessage(e);
      // dockerd's hint for a mount the runtime refused (a file onto a directory or the reverse).
      if (e instanceof SystemError && /not a directory/i.test(msg)) {
        msg += ': Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';
      }
      rec.State.Error = msg;
      rec.State.ExitCode = /executable file not found|no such file or directory|not a directory/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : 128;
      // As dockerd: a command that cannot be found or run is the caller's error (400), not berthd's.
      if (rec.State.ExitCode !== 128 && e instanceof SystemError) e = new InvalidArgumentError(msg);
      if (rec.State.Status !== 'created') moveTo(rec, 'exited');
      await this.o.logs.stopped(rec).catch(() => undefined);
      // A restart policy keeps trying, as Docker's restart manager does (with a growing delay).
      if (rec.State.Status === 'exited' && this.restarts.wants(rec)) this.restartByPolicy(rec);
      await this.store.save(rec).catch(() => undefined);
      this.notify(rec, 'next-exit');
      if (rec.HostConfig.AutoRemove) await this.removeNow(rec, true).catch(() => undefined);
      throw e;
    }
  }

  /** dockerd's volume events around a run: mount before its start, unmount after its die (and the network's disconnects). */
  private announceVolumes(rec: ContainerRecord, action: 'mount' | 'unmount'): void {
    for (const m of rec.Mounts) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const attrs: Record<string, string> = action === 'mount'
        ? { container: rec.Id, destination: m.Destination, driver: 'local', propagation: m.Propagation ?? '', 'read/write': String(m.RW) }
        : { container: rec.Id, driver: 'local' };
      this.o.events.publish('volume', action, m.Name, attrs);
    }
  }

  /** A container event with docker's attributes (image, name, labels). */
  announce(rec: ContainerRecord, action: string): void {
    this.o.events.publish('container', action, rec.Id, this.attrs(rec));
  }

  private attrs(rec: ContainerRecord): Record<string, string> {
    return { image: rec.Config.Image, name: rec.Name.slice(1), ...rec.Config.Labels };
  }

  private async onExitFile(id: string): Promise<void> {
    // A fast process can exit before start() has recorded it as running.
    await this.starting.get(id)?.catch(() => undefined);
    const rec = this.store.find(id);
    if (!rec || rec.Id !== id || !isRunning(rec)) return;
    if (!existsSync(path.join(this.o.layout.exitDir(), id))) return;
    const existing = this.exiting.get(id);
    if (existing) return existing;
    traceStep(id, 'exit-seen');
    return this.handleExit(id, async () => {
      const t0 = Date.now();
      const info = await this.o.runner.exitInfo(rec);
      await this.markExited(rec, info, '');
      if (Date.now() - t0 > 5000) console.error(`berthd: the exit of ${id.slice(0, 12)} took ${Date.now() - t0} ms to handle`);
    }).catch((e) => console.error(`berthd: exit handling for ${id.slice(0, 12)} failed: ${errorMessage(e)}`));
  }

  /**
   * Records an exit. conmon's exit command deletes the container from the runtime, so only a
   * lost monitor needs berthd to do it.
   */
  private async markExited(rec: ContainerRecord, info: { exitCode: number; oomKilled: boolean }, error: string, runtimeDelete = false): Promise<void> {
    this.health?.stopped(rec.Id);
    const t0 = Date.now();
    // Everything the process wrote is in its log before its waiters hear that it exited (below).
    // The copy's last pass runs beside the cleanup, which touches none of its files; a reader of
    // the logs meanwhile waits for it (ContainerLogs keeps the tail listed until it is done).
    const logsCopied = this.o.logs.stopped(rec)
      .catch((e) => console.error(`berthd: logs of ${rec.Id.slice(0, 12)}: ${errorMessage(e)}`))
      .then(() => {
        if (Date.now() - t0 > 3000) console.error(`berthd: the last logs of ${rec.Id.slice(0, 12)} took ${Date.now() - t0} ms to copy`);
      });
    this.o.runner.monitorEnded(rec.Id, rec.State.MonitorPid);
    moveTo(rec, 'exited');
    rec.State = {
      ...rec.State,
      Pid: 0, MonitorPid: 0, ExitCode: info.oomKilled && info.exitCode === 0 ? 137 : info.exitCode,
      OOMKilled: info.oomKilled, Error: error, FinishedAt: nowRfc3339Nano(),
    };
    // A container its policy restarts is 'restarting' from its exit on (ps, rm see it so at once).
    const restart = !rec.HostConfig.AutoRemove && this.restarts.wants(rec);
    // Counted with the decision, so that the record written next has both.
    if (restart) countRestart(rec);
    // Docker's order: die, then the network's disconnects (the teardown below). Start and rm
    // wait for this exit handling to finish, so nothing races the teardown.
    await this.killAnnouncements.get(rec.Id);
    if (info.oomKilled) this.o.events.publish('container', 'oom', rec.Id, this.attrs(rec));
    this.o.events.publish('container', 'die', rec.Id, { ...this.attrs(rec), exitCode: String(rec.State.ExitCode) });
    // A cleanup that fails (something mounted in the bundle) leaves that behind for a later rm to
    // report, but the exit happened: its waiters hear of it and its policy applies, as dockerd logs
    // a failed cleanup and goes on. (Before, `docker wait` on it hung for good.)
    await Promise.all([
      logsCopied,
      this.o.runner.cleanup(rec, { runtimeDelete }).catch((e) => console.error(`berthd: cleaning up after the exit of ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`)),
    ]);
    await this.o.volumes.unmountFor(rec.Id);
    this.announceVolumes(rec, 'unmount');
    // An auto-removed container's record is about to go: no need to write its exit first.
    // A record that cannot be written (a full disk) does not undo the exit: its waiters hear of
    // it and its policy applies, as dockerd logs a failed checkpoint and goes on. (Before, a
    // `docker wait` and a kill waited on, and an `always` container stayed down.) Memory is
    // ahead of the disk until the next write; a daemon start in between finds the exit again.
    if (!rec.HostConfig.AutoRemove) {
      await this.store.save(rec).catch((e) => console.error(`berthd: recording the exit of ${rec.Id.slice(0, 12)} failed: ${errorMessage(e)}`));
    }
    this.notify(rec, 'next-exit');
    if (rec.HostConfig.AutoRemove) {
      // The cleanup just done is the removal's: not a second time on the client's wait.
      await this.removeNow(rec, true, { cleanedUp: true });
      return;
    }
    if (restart) this.restarts.schedule(rec);
  }

  /** A restart its policy wants now: counted, and scheduled. */
  private restartByPolicy(rec: ContainerRecord): void {
    countRestart(rec);
    void this.store.save(rec).catch(() => undefined);
    this.restarts.schedule(rec);
  }

  /**
   * A runtime call on a container that may have exited a moment ago (its exit not yet recorded),
   * or that an rm -f is killing: then it is docker's 409 "not running", not a 500 with the
   * runtime's words (`crun ps` of a container going away even dies of SIGSEGV).
   */
  private async whileLive<T>(rec: ContainerRecord, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!this.stillRunning(rec) || /is not running|No such process|`?status`?: No such file/i.test(errorMessage(e))) {
        throw new ConflictError(`Container ${rec.Id} is not running`);
      }
      throw e;
    }
  }

  /** A user stop that did not happen after all: the policy applies to an exit handled meanwhile. */
  private async unmarkManuallyStopped(rec: ContainerRecord): Promise<void> {
    this.restarts.forgetUserStop(rec);
    await this.exiting.get(rec.Id);
    if (this.store.find(rec.Id) !== rec || this.restarts.isScheduled(rec.Id)) return;
    if (rec.State.Status === 'exited' && !rec.HostConfig.AutoRemove && this.restarts.wants(rec)) {
      this.restartByPolicy(rec);
      await this.store.save(rec).catch(() => undefined);
    }
  }

  private notify(rec: ContainerRecord, what: 'next-exit' | 'removed'): void {
    this.waiters.notify(rec.Id, what === 'removed' ? 'removed' : 'exited', rec.State.ExitCode);
  }

  /** Resolves with the exit code once the condition holds (Docker's POST /containers/{id}/wait). */
  wait(ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<number> {
    const rec = this.store.get(ref);
    const running = isRunning(rec) || this.starting.has(rec.Id);
    if (condition === 'not-running' && !running) {
      // An exit being handled (its state says exited from the start of that) is answered once it
      // is done, as dockerd's: its output all in the log files, its mounts and network gone.
      const ending = this.exiting.get(rec.Id);
      return ending ? ending.then(() => rec.State.ExitCode) : Promise.resolve(rec.State.ExitCode);
    }
    return this.waiters.add(rec.Id, condition, signal);
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const parsed = parseSignal(signal);
    const rec = this.store.get(ref);
    await this.starting.get(rec.Id)?.catch(() => undefined);
    if (!isRunning(rec)) {
      throw new ConflictError(`cannot kill container: ${ref}: container ${rec.Id} is not running`);
    }
    const sig = parsed.name;
    const isKill = parsed.number === 9;
    // Marked before the signal: the exit it causes may be handled before the kill returns.
    if (isKill) this.restarts.stoppedByUser(rec);
    // Docker's kill with SIGKILL returns once the container has exited (inspect right after
    // shows exited, 137); other signals return once sent.
    const exited = isKill ? this.wait(rec.Id, 'next-exit') : undefined;
    if (isKill) await this.fileOps.end(rec.Id, new ConflictError(`container ${rec.Id.slice(0, 12)} was killed during the copy`));
    const send = async () => {
      if (rec.State.Status === 'paused' && isKill) await this.runtime(rec.Runtime).resume(rec.Id).catch(() => undefined);
      // Announced once the runtime took the signal (a refused one is no event, as dockerd's); the
      // `die` of the exit it causes waits for that (markExited), which may come first otherwise.
      const sent = this.whileLive(rec, () => this.runtime(rec.Runtime).kill(rec.Id, sig)).then(() => this.announceKill(rec, sig));
      const announced = sent.catch(() => undefined);
      this.killAnnouncements.set(rec.Id, announced);
      try {
        await sent;
      } catch (e) {
        // Refused (it had exited already, found by the chaos campaign): the user stopped
        // nothing, so that exit keeps its restart policy, as with docker's 409.
        if (isKill) await this.unmarkManuallyStopped(rec);
        throw e;
      } finally {
        if (this.killAnnouncements.get(rec.Id) === announced) this.killAnnouncements.delete(rec.Id);
      }
      if (exited) await this.killTakes(rec, exited, 10_000);
    };
    await (isKill ? this.whileEnding(rec.Id, send) : send());
    if (exited) await this.exiting.get(rec.Id);
  }

  async stop(ref: string, timeoutSec?: number, signal?: string): Promise<void> {
    if (signal) parseSignal(signal);
    const rec = this.store.get(ref);
    // A start or an exit's handling in progress settles first; one may begin while the other is
    // waited for (a policy's run of a process that exits at once).
    for (let s = this.starting.get(rec.Id), x = this.exiting.get(rec.Id); s || x; s = this.starting.get(rec.Id), x = this.exiting.get(rec.Id)) {
      await s?.catch(() => undefined);
      await x;
    }
    // No await from this look to the user stop's mark: the exit file is read at once, so an exit
    // handled in between decided its policy's restart first, and the stop answered 304 with the
    // container 'restarting' (2 in 150 stops racing an `always` container's runs under load).
    if (rec.State.Status === 'restarting') {
      await this.cancelRestart(rec);
      return;
    }
    if (!isRunning(rec)) throw new NotModifiedError('container already stopped');
    this.restarts.stoppedByUser(rec);
    await this.whileEnding(rec.Id, () => this.stopNow(rec, timeoutSec, signal));
  }

  /**
   * A stop of a container between two runs of its policy: the restart is called off (at once,
   * before the first await), and the container stays exited.
   */
  private async cancelRestart(rec: ContainerRecord): Promise<void> {
    this.restarts.cancel(rec);
    this.restarts.stoppedByUser(rec);
    try {
      await this.store.save(rec);
    } catch (e) {
      // Not acknowledged (a full disk): the policy's restart stands (the chaos campaign found
      // an `always` container left exited after such a stop's 500).
      await this.unmarkManuallyStopped(rec);
      throw e;
    }
    this.o.events.publish('container', 'stop', rec.Id, this.attrs(rec));
  }

  private async stopNow(rec: ContainerRecord, timeoutSec?: number, signal?: string): Promise<void> {
    // It ended on its own since stop() looked (the user stop was marked first: no restart).
    if (!isRunning(rec)) throw new NotModifiedError('container already stopped');
    await this.fileOps.end(rec.Id, new ConflictError(`container ${rec.Id.slice(0, 12)} was stopped during the copy`));
    const rt = this.runtime(rec.Runtime);
    const timeout = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    const exited = this.wait(rec.Id, 'next-exit');
    if (rec.State.Status === 'paused') await rt.resume(rec.Id).catch(() => undefined);
    // The container's own (an image's may be anything) falls back to SIGTERM, as dockerd's.
    const sig = signal ? parseSignal(signal).name : stopSignalOf(rec);
    if (timeout !== 0) {
      this.announceKill(rec, sig);
      await rt.kill(rec.Id, sig).catch(() => undefined);
    }
    const inTime = timeout < 0 ? await exited.then(() => true) : await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeout * 1000)),
    ]);
    if (!inTime) {
      this.announceKill(rec, 'SIGKILL');
      await rt.killAll(rec.Id, 'SIGKILL').catch(() => undefined);
      await this.killTakes(rec, exited);
    }
    await this.exiting.get(rec.Id);
    this.o.events.publish('container', 'stop', rec.Id, this.attrs(rec));
  }

  /**
   * dockerd's kill event for a signal it sends (by stop, restart and rm -f too), the number as
   * attribute. Announced as it is sent: the exit it causes may be handled before the runtime's
   * kill returns, and its `die` must come after.
   */
  private announceKill(rec: ContainerRecord, signal: string): void {
    this.o.events.publish('container', 'kill', rec.Id, { ...this.attrs(rec), signal: String(parseSignal(signal).number) });
  }

  async restart(ref: string, timeoutSec?: number, signal?: string): Promise<void> {
    const rec = this.store.get(ref);
    // As dockerd: a restart never answers 304. Another restart (or a stop, a start) may have
    // stopped or started the container between the check and the call: the outcome is the same.
    const sameOutcome = (e: unknown) => {
      if (!(e instanceof NotModifiedError)) throw e;
    };
    if (isRunning(rec)) await this.stop(rec.Id, timeoutSec, signal).catch(sameOutcome);
    await this.start(rec.Id).catch(sameOutcome);
    this.o.events.publish('container', 'restart', rec.Id, this.attrs(rec));
  }

  async pause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    await this.starting.get(rec.Id)?.catch(() => undefined);
    await this.exiting.get(rec.Id);
    if (rec.State.Status === 'paused') throw new ConflictError(`Container ${rec.Id} is already paused`);
    if (rec.State.Status !== 'running') throw new ConflictError(`Container ${rec.Id} is not running`);
    // Frozen, it could not die of the signal being sent: the stop waited for ever.
    if (this.ending.has(rec.Id)) throw new ConflictError(`Container ${rec.Id} is being stopped`);
    await this.freezerCall(rec.Id, async () => {
      // Exec launches in progress first: their process would be frozen half made (whileUnfrozen).
      await this.launchesSettled(rec.Id);
      return this.whileLive(rec, () => this.runtime(rec.Runtime).pause(rec.Id));
    });
    // It exited while the runtime froze it: an exited container is never recorded as paused.
    if (rec.State.Status !== 'running') throw new ConflictError(`Container ${rec.Id} is not running`);
    await this.setStatus(rec, 'paused');
    this.o.events.publish('container', 'pause', rec.Id, this.attrs(rec));
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    await this.exiting.get(rec.Id);
    if (rec.State.Status !== 'paused') throw new ConflictError(`Container ${rec.Id} is not paused`);
    // Killed while paused (its exit not handled yet): docker's 409, not the runtime's 500.
    await this.freezerCall(rec.Id, () => this.whileLive(rec, () => this.runtime(rec.Runtime).resume(rec.Id)));
    // Killed while paused and its exit recorded meanwhile: it stays exited, not "running".
    if (rec.State.Status !== 'paused') throw new ConflictError(`Container ${rec.Id} is not paused`);
    await this.setStatus(rec, 'running');
    this.o.events.publish('container', 'unpause', rec.Id, this.attrs(rec));
  }

  /**
   * Runs fn, an exec's launch in the runtime, while nothing freezes the container: a pause or
   * unpause in progress is waited for (paused then, the exec is refused as docker's), and so is a
   * freeze of the daemon's own (a cp, an export: crun refuses to exec into a frozen container, so
   * a `docker exec` during a long `docker cp` failed with "the container is paused"). A pause or
   * a daemon freeze that comes meanwhile waits for fn. crun exec waits for its process to exec,
   * which a frozen cgroup stops: an exec start and a pause at once had the start hang until an
   * unpause.
   */
  async whileUnfrozen<T>(rec: ContainerRecord, fn: () => Promise<T>): Promise<T> {
    return this.launchUnfrozen(rec, () => {
      const p = fn();
      return { value: p, launched: p };
    });
  }

  /**
   * whileUnfrozen for a launch that hands back its process at once: `launch` runs as soon as
   * nothing freezes the container, and pauses and freezes wait for its `launched` (the process
   * exists, or the launch failed), not for the value.
   */
  async launchUnfrozen<T>(rec: ContainerRecord, launch: () => { value: T; launched: Promise<unknown> }): Promise<T> {
    for (;;) {
      const call = this.freezerCalls.get(rec.Id);
      if (call) await call;
      else if (this.freezes.busy(rec.Id)) await this.freezes.settled(rec.Id);
      else break;
    }
    // From here to the launch's registration nothing awaits: a pause either came first or sees it.
    refuseExecUnlessRunning(rec);
    const { value, launched } = launch();
    const settled = launched.then(() => undefined, () => undefined);
    const mine = this.launches.get(rec.Id) ?? new Set<Promise<void>>();
    this.launches.set(rec.Id, mine);
    mine.add(settled);
    void settled.then(() => {
      mine.delete(settled);
      if (mine.size === 0 && this.launches.get(rec.Id) === mine) this.launches.delete(rec.Id);
    });
    return value;
  }

  /** Resolves once the exec launches in progress on the container are done (before a freeze). */
  launchesSettled(id: string): Promise<unknown> {
    return Promise.all(this.launches.get(id) ?? []);
  }

  /**
   * A pause or unpause in the runtime. The container may exit and its policy restart it while
   * one runs; the next start waits for it, so it can never freeze the new process (found by the
   * chaos campaign: `crun start` then blocked on a frozen init for 30 s).
   */
  private async freezerCall<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const p = fn();
    const settled = p.then(() => undefined, () => undefined);
    this.freezerCalls.set(id, settled);
    try {
      return await p;
    } finally {
      if (this.freezerCalls.get(id) === settled) this.freezerCalls.delete(id);
    }
  }

  /**
   * Waits for the exit a SIGKILL just sent causes (up to `limitMs`). A frozen process cannot die
   * of it: when the exit is slow to come and the runtime says the container is paused (by a
   * pause that raced the kill, or by a hand on its freezer), it is thawed.
   */
  private async killTakes(rec: ContainerRecord, exited: Promise<unknown>, limitMs = Infinity): Promise<void> {
    const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
    const t0 = Date.now();
    if (await within(Math.min(KILL_THAW_AFTER_MS, limitMs))) return;
    const rt = this.runtime(rec.Runtime);
    if ((await rt.state(rec.Id).catch(() => undefined))?.status === 'paused') await rt.resume(rec.Id).catch(() => undefined);
    if (limitMs === Infinity) await exited;
    else await within(Math.max(0, limitMs - (Date.now() - t0)));
  }

  /**
   * Runs a stop, a SIGKILL or an rm -f's kill: pauses are refused meanwhile, and one in flight
   * finishes first, so the container's status says whether it must be thawed to die. (A pause
   * racing a stop froze the container after the stop had looked: the stop's SIGKILL could not
   * be delivered, and the stop waited for ever.)
   */
  private async whileEnding<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.ending.set(id, (this.ending.get(id) ?? 0) + 1);
    try {
      await this.freezerCalls.get(id);
      return await fn();
    } finally {
      const n = (this.ending.get(id) ?? 1) - 1;
      if (n > 0) this.ending.set(id, n);
      else this.ending.delete(id);
    }
  }

  /**
   * POST /containers/{id}/update: resource limits and the restart policy. The record changes
   * first-checked, then a running container's cgroups through the runtime, then the record is
   * saved, so a refused limit leaves both as they were.
   */
  async update(ref: string, req: HostConfig): Promise<{ Warnings: string[] }> {
    const rec = this.store.get(ref);
    const upd = canonicalHostConfig(req as Record<string, unknown>);
    if (this.removalBegun(rec) || isBeingRemoved(rec)) {
      throw new ConflictError(`Cannot update container ${rec.Id}: container is marked for removal and cannot be "update"`);
    }
    const next = updatedHostConfig(rec.HostConfig, upd, CPU_COUNT, hostCpuset());
    const warnings = discardUnsupportedLimits(next, cgroupSupport());
    if (isRunning(rec)) {
      // A pids limit taken away (--pids-limit 0 or -1) is lifted after the runtime's update; one
      // not asked about is left out: with none set, "unlimited" went to the runtime at every
      // update, and on cgroup v1 crun refused it (every `docker update` of such a container
      // failed, even of its restart policy alone).
      const lift = upd.PidsLimit !== undefined && upd.PidsLimit !== null && upd.PidsLimit <= 0;
      const limits = (h: HostConfig) => {
        const { devices: _devices, pids, ...resources } = cgroupResources({ HostConfig: h });
        return upd.PidsLimit && upd.PidsLimit > 0 ? { ...resources, pids } : resources;
      };
      try {
        await this.applyLimits(rec, limits(next));
        if (lift) await liftPidsLimit(rec.CgroupPath);
      } catch (e) {
        // It exited, or an rm -f began, while the runtime updated it: a stopped container's
        // update is its record's (the limits apply at its next start); a removal's is a 409.
        await this.exiting.get(rec.Id);
        if (this.removalBegun(rec)) throw new ConflictError(`Cannot update container ${rec.Id}: container is marked for removal and cannot be "update"`);
        if (isRunning(rec)) {
          // The runtime writes one file at a time: the limits it wrote before the one refused
          // go back, so the cgroup agrees with the record, which keeps the old ones.
          await this.applyLimits(rec, limits(rec.HostConfig)).catch(() => undefined);
          throw new SystemError(`Cannot update container ${rec.Id}: ${errorMessage(e)}`);
        }
      }
    }
    rec.HostConfig = next;
    await this.store.save(rec);
    this.o.events.publish('container', 'update', rec.Id, this.attrs(rec));
    return { Warnings: warnings };
  }

  /** A running container's cgroup limits set through the runtime (`crun update --resources`). */
  private async applyLimits(rec: ContainerRecord, resources: object): Promise<void> {
    const file = path.join(this.o.layout.bundle(rec.Id), 'update.json');
    await fs.writeFile(file, JSON.stringify(resources));
    try {
      await this.runtime(rec.Runtime).update(rec.Id, file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** DELETE /containers/{parent}/{alias}?link=1: drops a legacy link; both containers stay. */
  async removeLink(parentRef: string, alias: string): Promise<void> {
    const rec = this.store.get(parentRef);
    dropLink(rec, alias);
    await this.store.save(rec);
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rec = this.store.get(ref);
    const n = newName.replace(/^\//, '');
    if (!isValidName(n)) throw new InvalidArgumentError(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (`/${n}` === rec.Name) throw new InvalidArgumentError('Renaming a container with the same name as its current name');
    const old = rec.Name.slice(1);
    await this.store.rename(rec, n);
    this.o.events.publish('container', 'rename', rec.Id, { ...this.attrs(rec), oldName: `/${old}` });
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
    const rec = this.store.get(ref);
    // A start in flight finishes first (as for kill and stop): removing under it tore its network
    // namespace away mid-create. So does exit handling; and a start that came in while that ran
    // is waited for too, or the removal took its files from under it (mounts were left behind).
    for (let s = this.starting.get(rec.Id), x = this.exiting.get(rec.Id); s || x; s = this.starting.get(rec.Id), x = this.exiting.get(rec.Id)) {
      await s?.catch(() => undefined);
      await x;
    }
    const running = isRunning(rec);
    if ((running || rec.State.Status === 'restarting') && !opts.force) {
      throw new ConflictError(
        `cannot remove container "${rec.Name}": container is ${rec.State.Status}: stop the container before removing or force remove`,
      );
    }
    if (this.removalBegun(rec)) throw new ConflictError(`removal of container ${rec.Id.slice(0, 12)} is already in progress`);
    this.removals.add(rec.Id);
    try {
      await this.fileOps.end(rec.Id, new ConflictError('container is marked for removal and cannot be used'));
      this.restarts.cancel(rec);
      if (running) {
        this.restarts.stoppedByUser(rec);
        const rt = this.runtime(rec.Runtime);
        const exited = this.wait(rec.Id, 'next-exit');
        await this.whileEnding(rec.Id, async () => {
          if (rec.State.Status === 'paused') await rt.resume(rec.Id).catch(() => undefined);
          this.announceKill(rec, 'SIGKILL');
          await rt.killAll(rec.Id, 'SIGKILL').catch(() => undefined);
          await this.killTakes(rec, exited, 10_000);
        });
        await this.exiting.get(rec.Id);
        if (!this.store.find(rec.Id)) return; // AutoRemove already took it.
      }
      await this.removeNow(rec, !!opts.volumes);
    } finally {
      this.removals.delete(rec.Id);
    }
  }

  /**
   * Whether a removal of the container has begun (docker's RemovalInProgress). Two marks say so:
   * the status 'removing', which removeNow sets for every removal (an rm's and an AutoRemove's);
   * and `removals`, set by rm from its first step, while an rm -f waits for the exit of its kill,
   * whose handling records the status 'exited'.
   */
  removalBegun(rec: ContainerRecord): boolean {
    return rec.State.Status === 'removing' || this.removals.has(rec.Id);
  }

  /**
   * Whether the container still runs, asked after a runtime call on it failed: its exit may not
   * be recorded yet (its process ended a moment ago), or an rm -f may be killing it.
   */
  stillRunning(rec: ContainerRecord): boolean {
    return isRunning(rec) && !this.removalBegun(rec) && this.runtime(rec.Runtime).hasState(rec.Id) && processLives(rec.State.Pid);
  }

  /** docker's refusal of a container whose removal has begun, or that is dead. */
  private refuseIfRemoving(rec: ContainerRecord, what: string): void {
    if (this.removalBegun(rec) || isBeingRemoved(rec)) throw new ConflictError(`container is marked for removal and cannot be ${what}`);
  }

  /**
   * Runs a file operation on a container's filesystem (cp, export, diff, commit). One whose
   * removal has begun is refused; one in flight when a removal begins is aborted through
   * `signal` (a client that stalls an export must not hold up an rm -f), and the removal waits
   * for it to end before it unmounts and deletes the container's files.
   */
  async withFiles<T>(ref: string, fn: (rec: ContainerRecord, signal: AbortSignal) => Promise<T>): Promise<T> {
    const rec = this.store.get(ref);
    this.refuseIfRemoving(rec, 'used');
    return this.fileOps.run(rec.Id, (signal) => fn(rec, signal));
  }

  private async removeNow(rec: ContainerRecord, removeAnonymousVolumes: boolean, opts: { cleanedUp?: boolean } = {}): Promise<void> {
    if (!this.store.find(rec.Id)) return;
    this.health?.stopped(rec.Id);
    // No "removing" record is written: store.remove takes the record away with its directory in
    // one rename, so a crash midway leaves the record (the container is still there) or nothing.
    const active = isRunning(rec);
    moveTo(rec, 'removing');
    await this.fileOps.end(rec.Id, new ConflictError('container is marked for removal and cannot be used'));
    if (!opts.cleanedUp) {
      try {
        await this.o.runner.cleanup(rec, { runtimeDelete: active });
        await this.o.volumes.unmountFor(rec.Id);
      } catch (e) {
        // As dockerd's SetRemovalError: the container is Dead and a later rm tries again. (It
        // stayed "Removal In Progress", refusing every rm until the daemon restarted.)
        moveTo(rec, 'dead');
        rec.State = { ...rec.State, Error: errorMessage(e) };
        await this.store.save(rec).catch(() => undefined);
        throw new SystemError(`unable to remove filesystem for ${rec.Id}: ${errorMessage(e)}`);
      }
    }
    // conmon's exit command may still be deleting it from the runtime; make sure, off the path.
    void this.o.runner.reapRuntimeState(rec);
    this.o.runner.monitorEnded(rec.Id, 0);
    await this.store.remove(rec);
    await this.o.images.releaseLayers(rec.Id);
    if (removeAnonymousVolumes) {
      for (const m of rec.Mounts) {
        if (m.Type !== 'volume' || !m.Name) continue;
        const vol = this.o.volumes.find(m.Name);
        // Another container may have it too (--volumes-from): then it stays, as Docker's.
        const shared = this.volumeUsers(m.Name).some((id) => id !== rec.Id);
        if (vol && !shared && vol.Labels['com.docker.volume.anonymous'] !== undefined) await this.o.volumes.remove(m.Name, true).catch(() => undefined);
      }
    }
    this.o.events.publish('container', 'destroy', rec.Id, this.attrs(rec));
    this.notify(rec, 'removed');
  }

  /** Names of containers using a volume (for volume rm's "in use" check). */
  volumeUsers(name: string): string[] {
    return this.store.list().filter((c) => c.Mounts.some((m) => m.Type === 'volume' && m.Name === name)).map((c) => c.Id);
  }

  /**
   * Joins a client's streams to the container's. Returns the session; its sink is closed when
   * the container's output ends. For a created container, the session connects at start.
   */
  /**
   * The container an attach may go to, checked before the client's connection is taken over
   * (dockerd's 409s; a paused one was attached to, and the stream hung until an unpause).
   */
  attachable(ref: string): ContainerRecord {
    const rec = this.store.get(ref);
    if (rec.State.Status === 'paused') throw new ConflictError(`container ${ref} is paused, unpause the container before attach`);
    if (rec.State.Status === 'restarting') throw new ConflictError(`container ${ref} is restarting, wait until the container is running`);
    return rec;
  }

  async attach(ref: string, wants: AttachWants, sink: AttachSink): Promise<AttachSession> {
    const rec = this.store.get(ref);
    const session = new AttachSession(wants, sink);
    if (isRunning(rec)) {
      await session.connect(this.o.layout.bundle(rec.Id)).catch((e: unknown) => {
        // Its attach socket went with it (an rm -f, an exit): its output is over, and the
        // attach ends as docker's does when the container stops.
        if (isRunning(rec) && !this.removalBegun(rec) && processLives(rec.State.Pid)) throw e;
        session.close();
      });
    } else if (rec.State.Status === 'created' || this.starting.has(rec.Id) || rec.State.Status === 'exited') {
      // docker start -a / restart: wait for the next start.
      this.pending.add(rec.Id, session);
    } else {
      throw new ConflictError(`You cannot attach to a stopped container, start it first`);
    }
    this.announce(rec, 'attach');
    return session;
  }

  detachPending(id: string, session: AttachSession): void {
    this.pending.delete(id, session);
  }

  /** The client typed the detach keys: its session ends, the container goes on (dockerd's detach event). */
  detach(id: string, session: AttachSession): void {
    this.pending.delete(id, session);
    session.close();
    const rec = this.store.find(id);
    if (rec) this.announce(rec, 'detach');
  }
}

/** How long a SIGKILL's exit may take before the container is looked at for a freeze. */
const KILL_THAW_AFTER_MS = 500;

function stopSignalOf(rec: ContainerRecord): string {
  try {
    return parseSignal(rec.Config.StopSignal || 'SIGTERM').name;
  } catch {
    return 'SIGTERM';
  }
}
