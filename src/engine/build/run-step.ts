// RUN: the command runs in a real container made and started as `berth run` makes and starts
// one (ContainerService: namespaces, cgroups, the image's env, user and workdir, the chosen
// network); its writable layer's diff becomes the step's layer (storage/rw-layer.ts), stored
// like any other layer. The container goes afterwards, also when the step fails (unless rm is
// off), and a cancelled build kills it.
import type { ContainerService } from '../containers/service.js';
import type { HostConfig } from '../containers/types.js';
import type { RwLayerStore } from '../../storage/rw-layer.js';
import { commitLayer } from '../images/commit.js';
import type { ImagePin } from '../images/image-pins.js';
import type { ImageStore } from '../images/image-store.js';
import { RUNTIME_MOUNT_PATHS } from '../containers/oci-spec.js';
import type { ImageRunConfig } from '../images/types.js';
import { EngineError } from '../../errors.js';

/** A step that failed in a way docker reports as the build's error message. */
export class BuildStepError extends EngineError {
  constructor(message: string, readonly exitCode?: number) {
    super(message);
  }
}

export interface RunStepDeps {
  containers: ContainerService;
  store: ImageStore;
  rw: RwLayerStore;
  /** The build's pin: the step's image is pinned as it is stored. */
  pin?: ImagePin;
}

export interface RunStepOptions {
  parent: string;
  cmd: string[];
  /** Build args (and proxy args) the command sees, beside the image's ENV. */
  argEnv: string[];
  /** The stage's config: what the new image keeps (not the build args). */
  config: ImageRunConfig;
  createdBy: string;
  /** The step container's host settings: the build's network, extra hosts and limits. */
  hostConfig: HostConfig;
  rm: boolean;
  forceRm: boolean;
  signal: AbortSignal;
  output(text: string): void;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export async function runStep(d: RunStepDeps, o: RunStepOptions): Promise<string> {
  if (o.signal.aborted) throw new BuildStepError('build canceled');
  const { Id: id } = await d.containers.create({
    Image: o.parent,
    Cmd: o.cmd,
    Entrypoint: [''],
    Env: o.argEnv,
    User: o.config.User ?? '',
    WorkingDir: o.config.WorkingDir ?? '',
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    Labels: {},
    // A build step is not a service: the image's HEALTHCHECK does not run in it (as docker's).
    Healthcheck: { Test: ['NONE'] },
    HostConfig: o.hostConfig,
  }, undefined, undefined, { buildStep: o.rm || o.forceRm });
  o.output(` ---> Running in ${short(id)}\n`);
  let ok = false;
  const kill = () => void d.containers.kill(id).catch(() => undefined);
  try {
    let outputDone!: () => void;
    const drained = new Promise<void>((r) => (outputDone = r));
    await d.containers.attach(id, { stdin: false, stdout: true, stderr: true }, {
      // The classic builder shows a step's stderr in red, as moby's streamformatter StderrWriter
      // does: clients (docker-py's tests among them) expect these exact escapes around it.
      output: (s, data) => o.output(s === 2 ? `\x1b[91m${data.toString('utf8')}\x1b[0m` : data.toString('utf8')),
      close: () => outputDone(),
    });
    const exited = d.containers.wait(id, 'next-exit');
    o.signal.addEventListener('abort', kill, { once: true });
    // Cancelled while the container was being made: do not run it.
    if (o.signal.aborted) throw new BuildStepError('build canceled');
    await d.containers.start(id);
    if (o.signal.aborted) kill();
    const code = await exited;
    // The attach socket may still hold the last lines.
    await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
    if (o.signal.aborted) throw new BuildStepError('build canceled');
    if (code !== 0) throw new BuildStepError(`The command '${o.cmd.join(' ')}' returned a non-zero code: ${code}`, code);
    const rec = d.containers.get(id);
    const image = await commitLayer(d.store, {
      containerId: id,
      layer: () => d.rw.commit({ id, parent: rec.TopLayer }, {
        ignore: [...RUNTIME_MOUNT_PATHS, ...rec.Mounts.map((m) => m.Destination)],
        // Under --userns-remap the step's files belong to host IDs: the layer records the IDs inside.
        mapOwner: d.containers.runner.remapFor(rec.HostConfig)?.toInside,
      }),
      imageId: o.parent,
      config: o.config,
      containerConfig: { ...o.config, Cmd: o.cmd },
      createdBy: o.createdBy,
      exactConfig: true,
      pin: d.pin,
    });
    ok = true;
    return image;
  } finally {
    o.signal.removeEventListener('abort', kill);
    if (o.forceRm || o.rm) {
      await d.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
      if (ok) o.output(` ---> Removed intermediate container ${short(id)}\n`);
    }
  }
}
