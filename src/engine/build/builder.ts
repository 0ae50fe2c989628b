// `docker build` with the classic builder's protocol and output: the context spooled to disk,
// the Dockerfile parsed, the stages that lead to the target run in order, each step reused from
// the cache or run (RUN in a container, COPY/ADD into a scratch writable layer, the rest as
// config changes), each step's result an image whose parent is the step before, as docker's
// classic builder makes them. The final image is tagged and its ID reported.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { mountsUnder, unmount } from '../../host/mounts.js';
import { RwLayerStore } from '../../storage/rw-layer.js';
import type { ContainerService } from '../containers/service.js';
import type { HostConfig } from '../containers/types.js';
import { DEFAULT_PATH } from '../containers/oci-spec.js';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import { ImagePin } from '../images/image-pins.js';
import type { ImageService } from '../images/image-service.js';
import { hostArchitecture } from '../../protocol/platform.js';
import type { ImageConfig, ImageRunConfig } from '../images/types.js';
import { BuildCache, cacheKey } from './build-cache.js';
import { applyDockerignore, readDockerfile, spoolContext } from './context.js';
import { planCopy } from './copy-step.js';
import { DockerfileParseError, parseDockerfile, parseInstructionText, type DfInstruction, type ParsedDockerfile, type Stage } from './dockerfile.js';
import { applyArg, applyMeta, commandOf, DEFAULT_SHELL, PROXY_ARGS, scopeEnv, stepContainerConfig, wrap, type StageScope } from './instructions.js';
import { OrderedOutput } from './ordered-output.js';
import { BuildStepError, runStep } from './run-step.js';
import { processWord } from './shell-lex.js';

export interface BuildRequest {
  dockerfile?: string;
  tags: string[];
  buildArgs: Map<string, string | null>;
  noCache: boolean;
  /** --cache-from: when given, only these images (and their parents) are cache sources, as moby's classic builder. */
  cacheFrom?: string[];
  pull: boolean;
  rm: boolean;
  forceRm: boolean;
  target?: string;
  labels: Record<string, string>;
  quiet: boolean;
  networkMode?: string;
  /** /etc/hosts entries ("name:ip") for RUN steps, as HostConfig.ExtraHosts. */
  extraHosts?: string[];
  /**
   * What RUN steps' containers get besides (docker build --memory, --memory-swap, --cpu-shares,
   * --cpu-period, --cpu-quota, --cpuset-cpus, --cpuset-mems, --cgroup-parent, --shm-size, --ulimit),
   * as moby's classic builder gives them.
   */
  stepHostConfig?: StepHostConfig;
  platform?: string;
  /** Credentials for pulling base images, by registry (docker's X-Registry-Config), opaque here. */
  registryAuth?: Record<string, unknown>;
}

export type StepHostConfig = Pick<HostConfig, 'Memory' | 'MemorySwap' | 'CpuShares' | 'CpuPeriod' | 'CpuQuota' | 'CpusetCpus' | 'CpusetMems' | 'CgroupParent' | 'ShmSize' | 'Ulimits'>;

export interface BuildProgress {
  stream(text: string): void;
  aux(value: unknown): void;
  /** The step output a quiet build holds back (dockerd shows it only when the build fails). */
  suppressed?(text: string): void;
}

export interface BuilderDeps {
  images: ImageService;
  containers: ContainerService;
  /**
   * Pulls a base image (the distribution client, when the daemon has one): FROM of an image
   * that is not here, and every FROM with `pull`. Progress lines go to the build's output.
   */
  pullImage?: (ref: string, progress: (line: string) => void, registryAuth?: Record<string, unknown>) => Promise<void>;
  /** <data-root>/builder */
  root: string;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** One stage's run: its step numbers, where its output goes, what cancels it. */
interface StageRun {
  step: number;
  out: (text: string) => void;
  signal: AbortSignal;
}

interface Current {
  /** Image so far ("" for scratch before any step). */
  id: string;
  image?: ImageConfig;
}

export class Builder {
  cache!: BuildCache;
  private rw!: RwLayerStore;
  private readonly tmpRoot: string;

  constructor(private readonly d: BuilderDeps) {
    this.tmpRoot = path.join(d.root, 'tmp');
  }

  /** Opens the cache; clears what a crashed build left (mounts first, then files). */
  async open(): Promise<void> {
    await fs.mkdir(this.d.root, { recursive: true, mode: 0o700 });
    for (const m of await mountsUnder(this.tmpRoot)) await unmount(m).catch(() => undefined);
    await fs.rm(this.tmpRoot, { recursive: true, force: true });
    await fs.mkdir(this.tmpRoot, { mode: 0o700 });
    this.cache = await BuildCache.open(this.d.root);
    this.rw = new RwLayerStore(this.d.images.store.layers, (id) => path.join(this.tmpRoot, 'rw', id));
  }

  async build(body: Readable, req: BuildRequest, progress: BuildProgress, signal: AbortSignal): Promise<string> {
    const tmp = path.join(this.tmpRoot, randomBytes(8).toString('hex'));
    const ctx = path.join(tmp, 'context');
    await fs.mkdir(ctx, { recursive: true });
    try {
      await spoolContext(body, ctx);
      const text = await readDockerfile(ctx, req.dockerfile ?? '');
      await applyDockerignore(ctx);
      const df = parseDockerfile(text);
      return await new BuildRun(this.d, this.cache, this.rw, df, req, progress, signal, ctx, tmp).run();
    } finally {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

class BuildRun {
  private total = 0;
  private readonly results = new Map<number, string>();
  private readonly metaScope: StageScope;
  private readonly usedArgs = new Set<string>();
  private readonly out: (t: string) => void;
  /** The images this build stands on (bases, each step's): kept from rmi and prune until it ends. */
  private readonly pin = new ImagePin('a build in progress');

  constructor(
    private readonly d: BuilderDeps,
    private readonly cache: BuildCache,
    private readonly rw: RwLayerStore,
    private readonly df: ParsedDockerfile,
    private readonly req: BuildRequest,
    private readonly progress: BuildProgress,
    private readonly signal: AbortSignal,
    private readonly ctx: string,
    private readonly tmp: string,
  ) {
    this.out = req.quiet ? (t) => progress.suppressed?.(t) : (t) => progress.stream(t);
    this.metaScope = { config: {}, args: new Map(), cmdSet: false, escape: df.escape };
  }

  private get store() {
    return this.d.images.store;
  }

  async run(): Promise<string> {
    try {
      return await this.runPinned();
    } finally {
      this.d.images.unpin(this.pin);
    }
  }

  private async runPinned(): Promise<string> {
    if (this.req.platform && !new RegExp(`^linux(/${hostArchitecture()}(/.*)?)?$`).test(this.req.platform)) {
      throw new InvalidArgumentError(`"${this.req.platform}": berth builds for linux/${hostArchitecture()} only`);
    }
    for (const a of this.df.metaArgs) for (const n of applyArg(a, this.metaScope, this.req.buildArgs, new Map())) this.usedArgs.add(n.split('=')[0]!);
    const target = this.targetStage();
    if (Object.keys(this.req.labels).length) {
      const text = Object.entries(this.req.labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
      target.instructions.push({ ...parseInstructionText(`LABEL ${text}`, 0), original: `LABEL ${Object.entries(this.req.labels).map(([k, v]) => `${k}=${v}`).join(' ')}` });
    }
    const needed = this.neededStages(target);
    this.total = needed.reduce((n, s) => n + 1 + s.instructions.length, 0);
    await this.runStages(needed);
    const id = this.results.get(target.index)!;
    if (!id) throw new InvalidArgumentError('No image was generated. Is your Dockerfile empty?');
    const unused = [...this.req.buildArgs.keys()].filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.includes(k));
    if (unused.length) this.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    this.progress.aux({ ID: id });
    if (this.req.quiet) this.progress.stream(`${id}\n`);
    else this.out(`Successfully built ${short(id)}\n`);
    for (const t of this.req.tags) {
      await this.d.images.tag(id, t, 'build');
      this.out(`Successfully tagged ${displayTag(t)}\n`);
    }
    return id;
  }

  private targetStage(): Stage {
    const stages = this.df.stages;
    if (!this.req.target) return stages[stages.length - 1]!;
    const t = stages.find((s) => s.name === this.req.target!.toLowerCase());
    if (!t) throw new InvalidArgumentError(`failed to reach build target ${this.req.target} in Dockerfile`);
    return t;
  }

  /** The base a FROM names, after substituting the ARGs declared before the first FROM. */
  private baseName(s: Stage): string {
    const words = s.from.args.split(/\s+/);
    return wrap(s.from, () => processWord(words[0]!, scopeEnv(this.metaScope), this.df.escape));
  }

  private stageByName(name: string, before: number): Stage | undefined {
    const n = name.toLowerCase();
    return this.df.stages.find((s) => s.index < before && (s.name === n || String(s.index) === n));
  }

  /** The stages `s` builds on: its FROM's and its COPY --from's. */
  private dependencies(s: Stage): Stage[] {
    const deps: Stage[] = [];
    const base = this.stageByName(this.baseName(s), s.index);
    if (base) deps.push(base);
    for (const i of s.instructions) {
      const from = i.flags.find(([f]) => f === 'from')?.[1];
      const dep = from !== undefined && i.cmd === 'copy' ? this.stageByName(from, s.index) : undefined;
      if (dep) deps.push(dep);
    }
    return deps;
  }

  /** The target and the stages it needs, in Dockerfile order. */
  private neededStages(target: Stage): Stage[] {
    const need = new Set<number>();
    const visit = (s: Stage) => {
      if (need.has(s.index)) return;
      need.add(s.index);
      for (const dep of this.dependencies(s)) visit(dep);
    };
    visit(target);
    return this.df.stages.filter((s) => need.has(s.index));
  }

  /**
   * Runs each stage as soon as the stages it builds on are done, so independent stages run in
   * parallel; their output is shown one stage after another. A failure cancels the others.
   */
  private async runStages(needed: Stage[]): Promise<void> {
    const outputs = new OrderedOutput(needed.length, this.out);
    const cancel = new AbortController();
    const signal = AbortSignal.any([this.signal, cancel.signal]);
    const running = new Map<number, Promise<void>>();
    let firstError: unknown;
    let step = 0;
    needed.forEach((s, k) => {
      const sr: StageRun = { step, out: outputs.writer(k), signal };
      step += 1 + s.instructions.length;
      const deps = this.dependencies(s).map((dep) => running.get(dep.index)!);
      const p = (async () => {
        await Promise.all(deps);
        this.results.set(s.index, await this.runStage(s, sr));
        outputs.finish(k);
      })();
      p.catch((e: unknown) => {
        firstError ??= e;
        cancel.abort();
      });
      running.set(s.index, p);
    });
    await Promise.allSettled(running.values());
    if (firstError !== undefined) {
      outputs.flushAll();
      throw firstError;
    }
  }

  private stepLine(sr: StageRun, ins: DfInstruction): void {
    sr.step++;
    sr.out(`Step ${sr.step}/${this.total} : ${ins.original}\n`);
  }

  private async runStage(s: Stage, sr: StageRun): Promise<string> {
    this.stepLine(sr, s.from);
    const baseName = this.baseName(s);
    const scope: StageScope = { config: {}, args: new Map(), cmdSet: false, escape: this.df.escape };
    let cur: Current = { id: '' };
    if (baseName.toLowerCase() !== 'scratch') {
      const stage = this.stageByName(baseName, s.index);
      const id = stage ? this.results.get(stage.index)! : await this.baseImage(baseName, sr);
      cur = { id, image: this.store.get(id)!.config };
      scope.config = { ...(cur.image!.config ?? {}) };
    }
    // As docker's builders: a stage whose base sets no PATH (scratch, an imported rootfs) gets
    // the default one, so `ENV PATH=$PATH:/opt/bin` extends it (it made PATH ":/opt/bin", and
    // the image could run nothing).
    const env = scope.config.Env ?? [];
    if (!env.some((e) => e.startsWith('PATH='))) scope.config = { ...scope.config, Env: [...env, `PATH=${DEFAULT_PATH}`] };
    sr.out(` ---> ${cur.id ? short(cur.id) : ''}\n`);
    const triggers = scope.config.OnBuild ?? [];
    if (triggers.length) {
      sr.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      scope.config = { ...scope.config, OnBuild: null };
      for (const t of triggers) cur = await this.runInstruction(sr, parseInstructionText(t, s.from.line, this.df.escape), scope, cur, true);
    }
    for (const ins of s.instructions) {
      this.stepLine(sr, ins);
      cur = await this.runInstruction(sr, ins, scope, cur, false);
    }
    return cur.id;
  }

  /** FROM's image: pulled first with `pull`, or when it is not here and the daemon can pull. */
  private async baseImage(ref: string, sr: StageRun): Promise<string> {
    const pull = this.d.pullImage;
    const have = (() => {
      try {
        return this.d.images.resolve(ref).id;
      } catch {
        return undefined;
      }
    })();
    if (pull && (this.req.pull || have === undefined)) {
      await pull(ref, (line) => sr.out(line.endsWith('\n') ? line : `${line}\n`), this.req.registryAuth);
    }
    return this.resolveImage(ref);
  }

  private resolveImage(ref: string): string {
    try {
      return this.d.images.resolvePinned(ref, this.pin).id;
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new NotFoundError(`pull access denied for ${ref.replace(/:[^:/]+$/, '')}, repository does not exist or may require 'docker login': berth has no image ${ref} (load, import or pull it first)`);
      }
      throw e;
    }
  }

  /** Runs one instruction (from the cache when it can) and returns the image it leaves. */
  private async runInstruction(sr: StageRun, ins: DfInstruction, scope: StageScope, cur: Current, trigger: boolean): Promise<Current> {
    if (sr.signal.aborted) throw new BuildStepError('build canceled');
    if (ins.cmd === 'arg') {
      const declared = applyArg(ins, scope, this.req.buildArgs, this.metaScope.args);
      for (const n of declared) this.usedArgs.add(n.split('=')[0]!);
      return this.metaStep(sr, cur, scope.config, `ARG ${declared.join(' ')}`, trigger);
    }
    if (ins.cmd === 'run') return this.runCommand(sr, ins, scope, cur);
    if (ins.cmd === 'copy' || ins.cmd === 'add') {
      const plan = await planCopy({
        store: this.store, rw: this.rw, contextDir: this.ctx, tmpDir: this.tmp, pin: this.pin,
        fromImage: (name) => {
          const st = this.stageByName(name, Number.MAX_SAFE_INTEGER);
          if (st) {
            const id = this.results.get(st.index);
            if (!id) throw new DockerfileParseError(ins.line, `invalid from flag value ${name}: stage has no image`);
            return id;
          }
          return this.resolveImage(name);
        },
      }, ins, scope);
      return this.cached(sr, cur, `/bin/sh -c #(nop) ${plan.text}`, () => plan.run(cur.id, scope.config, `/bin/sh -c #(nop) ${plan.text}`));
    }
    const r = applyMeta(ins, scope);
    scope.config = r.config;
    return this.metaStep(sr, cur, r.config, r.text, trigger, r.author);
  }

  private async runCommand(sr: StageRun, ins: DfInstruction, scope: StageScope, cur: Current): Promise<Current> {
    if (!cur.id) throw new BuildStepError('cannot run a command on an empty (scratch) image: add files first (no /bin/sh)');
    const shell = scope.config.Shell?.length ? scope.config.Shell : DEFAULT_SHELL;
    const cmd = commandOf(ins, shell);
    const envNames = new Set((scope.config.Env ?? []).map((e) => e.split('=')[0]));
    const declared = [...scope.args].filter(([k, v]) => v !== undefined && !envNames.has(k)).map(([k, v]) => `${k}=${v}`);
    const proxies = PROXY_ARGS.filter((k) => this.req.buildArgs.get(k) != null && !scope.args.has(k)).map((k) => `${k}=${this.req.buildArgs.get(k)}`);
    // docker's history shows the build args a RUN saw: "|2 A=1 B=2 /bin/sh -c …" (not the proxy ones).
    const createdBy = `${declared.length ? `|${declared.length} ${declared.join(' ')} ` : ''}${cmd.join(' ')}`;
    return this.cached(sr, cur, createdBy, () => runStep(
      { containers: this.d.containers, store: this.store, rw: this.d.containers.runner.rw, pin: this.pin },
      {
        parent: cur.id, cmd, argEnv: [...declared, ...proxies], config: scope.config, createdBy,
        hostConfig: {
          ...this.req.stepHostConfig,
          ...(this.req.networkMode && this.req.networkMode !== 'default' ? { NetworkMode: this.req.networkMode } : {}),
          ...(this.req.extraHosts?.length ? { ExtraHosts: this.req.extraHosts } : {}),
        },
        rm: this.req.rm, forceRm: this.req.forceRm, signal: sr.signal, output: sr.out,
      },
    ));
  }

  /** A step that only changes the config: an image with an empty_layer history entry. */
  private metaStep(sr: StageRun, cur: Current, config: ImageRunConfig, text: string, trigger: boolean, author?: string): Promise<Current> {
    const createdBy = `/bin/sh -c #(nop) ${text}`;
    // An ONBUILD trigger's image also drops the triggers it ran (they are not inherited further).
    const key = `${createdBy}\n${JSON.stringify(config)}${trigger ? '\ntrigger' : ''}`;
    return this.cached(sr, cur, key, async () => {
      const created = new Date().toISOString();
      const base = cur.image;
      const image: ImageConfig = {
        architecture: base?.architecture ?? hostArchitecture(),
        os: base?.os ?? 'linux',
        ...(base?.variant ? { variant: base.variant } : {}),
        created,
        ...(author ?? base?.author ? { author: author ?? base?.author } : {}),
        container_config: stepContainerConfig(config, createdBy),
        config: { ...config },
        rootfs: { type: 'layers', diff_ids: base?.rootfs.diff_ids ?? [] },
        history: [...(base?.history ?? []), { created, created_by: createdBy, empty_layer: true }],
      };
      return this.store.createImage(image, image.rootfs.diff_ids, { parent: cur.id || undefined, pin: this.pin });
    });
  }

  private sources: Set<string> | undefined | null = null;

  /** The images --cache-from names and their parents; undefined: any cached step may be reused. */
  private cacheSources(): Set<string> | undefined {
    if (this.sources !== null) return this.sources;
    const names = this.req.cacheFrom ?? [];
    if (!names.length) return (this.sources = undefined);
    const ids = new Set<string>();
    for (const name of names) {
      let img: { id: string; parent: string } | undefined;
      try {
        img = this.store.resolve(name);
      } catch {
        continue; // An unknown --cache-from image is no source (docker's builder skips it too).
      }
      while (img && !ids.has(img.id)) {
        ids.add(img.id);
        img = img.parent ? this.store.get(img.parent) : undefined;
      }
    }
    return (this.sources = ids);
  }

  /** Reuses the image a step made before from the same parent, else makes it and records it. */
  private async cached(sr: StageRun, cur: Current, step: string, make: () => Promise<string>): Promise<Current> {
    const key = cacheKey(cur.id, step);
    const sources = this.cacheSources();
    const hit = this.req.noCache ? undefined : this.cache.lookup(key, (id) => !!this.store.get(id) && (!sources || sources.has(id)));
    if (hit) {
      this.store.pins.add(this.pin, hit);
      sr.out(' ---> Using cache\n');
      sr.out(` ---> ${short(hit)}\n`);
      return { id: hit, image: this.store.get(hit)!.config };
    }
    const id = await make();
    await this.cache.put(key, { image: id, parent: cur.id, description: step.split('\n')[0]! });
    sr.out(` ---> ${short(id)}\n`);
    return { id, image: this.store.get(id)!.config };
  }
}

function displayTag(t: string): string {
  const hasTag = /:[^/]+$/.test(t) || t.includes('@');
  return hasTag ? t : `${t}:latest`;
}
