// The command table. Only names, one-line summaries and loaders live here: main imports
// this file and then just the one module the command needs.

import type { CommandDef } from './command.js';

export interface Entry {
  summary: string;
  load: () => Promise<CommandDef>;
  hidden?: boolean;
}

export interface Group {
  summary: string;
  commands: Record<string, Entry>;
}

const e = (summary: string, load: () => Promise<CommandDef>, hidden = false): Entry => ({ summary, load, hidden });
const stub = (name: string, summary: string): Entry => e(summary, async () => (await import('./stubs.js')).notImplemented(name, summary));

const run = e('Create and run a new container from an image', async () => (await import('./run.js')).run);
const create = e('Create a new container', async () => (await import('./run.js')).create);
const exec = e('Execute a command in a running container', async () => (await import('./exec.js')).exec);
const ps = e('List containers', async () => (await import('./ps.js')).ps);
const images = e('List images', async () => (await import('./images.js')).images);
const version = e('Show the berth version information', async () => (await import('./system.js')).version);
const info = e('Display system-wide information', async () => (await import('./system.js')).info);
const attach = e('Attach local standard input, output, and error streams to a running container', async () => (await import('./attach.js')).attach);
const commit = e("Create a new image from a container's changes", async () => (await import('./container-fs.js')).commit);
const cp = e('Copy files/folders between a container and the local filesystem', async () => (await import('./cp.js')).cp);
const diff = e("Inspect changes to files or directories on a container's filesystem", async () => (await import('./container-fs.js')).diff);
const events = e('Get real time events from the server', async () => (await import('./system.js')).events);
const exportCmd = e("Export a container's filesystem as a tar archive", async () => (await import('./container-fs.js')).exportCmd);
const history = e('Show the history of an image', async () => (await import('./images.js')).history);
const importCmd = e('Import the contents from a tarball to create a filesystem image', async () => (await import('./images.js')).importCmd);
const inspect = e('Return low-level information on berth objects', async () => (await import('./inspect.js')).inspect);
const kill = e('Kill one or more running containers', async () => (await import('./lifecycle.js')).kill);
const load = e('Load an image from a tar archive or STDIN', async () => (await import('./images.js')).load);
const logs = e('Fetch the logs of a container', async () => (await import('./logs.js')).logs);
const pause = e('Pause all processes within one or more containers', async () => (await import('./lifecycle.js')).pause);
const port = e('List port mappings or a specific mapping for the container', async () => (await import('./container-info.js')).port);
const rename = e('Rename a container', async () => (await import('./lifecycle.js')).rename);
const restart = e('Restart one or more containers', async () => (await import('./lifecycle.js')).restart);
const rm = e('Remove one or more containers', async () => (await import('./lifecycle.js')).rm);
const rmi = e('Remove one or more images', async () => (await import('./images.js')).rmi);
const save = e('Save one or more images to a tar archive (streamed to STDOUT by default)', async () => (await import('./images.js')).save);
const start = e('Start one or more stopped containers', async () => (await import('./lifecycle.js')).start);
const stats = e("Display a live stream of container(s) resource usage statistics", async () => (await import('./container-info.js')).stats);
const stop = e('Stop one or more running containers', async () => (await import('./lifecycle.js')).stop);
const tag = e('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', async () => (await import('./images.js')).tag);
const top = e('Display the running processes of a container', async () => (await import('./container-info.js')).top);
const unpause = e('Unpause all processes within one or more containers', async () => (await import('./lifecycle.js')).unpause);
const update = e('Update configuration of one or more containers', async () => (await import('./lifecycle.js')).update);
const wait = e('Block until one or more containers stop, then print their exit codes', async () => (await import('./lifecycle.js')).wait);
const build = e('Build an image from a Dockerfile', async () => (await import('./build.js')).build);
const pull = e('Download an image from a registry', async () => (await import('./pull.js')).pull);
const push = e('Upload an image to a registry', async () => (await import('./push.js')).push);

export const COMMON: Record<string, Entry> = {
  run,
  exec,
  ps,
  build,
  pull,
  push,
  images,
  login: e('Authenticate to a registry', async () => (await import('./login.js')).login),
  logout: e('Log out from a registry', async () => (await import('./login.js')).logout),
  search: e('Search Docker Hub for images', async () => (await import('./search.js')).search),
  version,
  info,
};

export const OTHER: Record<string, Entry> = {
  attach,
  commit,
  cp,
  create,
  diff,
  events,
  export: exportCmd,
  history,
  import: importCmd,
  inspect,
  kill,
  load,
  logs,
  pause,
  port,
  rename,
  restart,
  rm,
  rmi,
  save,
  start,
  stats,
  stop,
  tag,
  top,
  unpause,
  update,
  wait,
};

const volumeLs = e('List volumes', async () => (await import('./volume.js')).volumeLs);
const volumeRm = e('Remove one or more volumes', async () => (await import('./volume.js')).volumeRm);
const containerLs = ps;
const networkLs = e('List networks', async () => (await import('./network.js')).networkLs);
const networkRm = e('Remove one or more networks', async () => (await import('./network.js')).networkRm);

export const GROUPS: Record<string, Group> = {
  container: {
    summary: 'Manage containers',
    commands: {
      attach,
      commit,
      cp,
      create,
      diff,
      exec,
      export: exportCmd,
      inspect: e('Display detailed information on one or more containers', async () => (await import('./inspect.js')).containerInspect),
      kill,
      logs,
      ls: containerLs,
      list: { ...containerLs, hidden: true },
      ps: { ...containerLs, hidden: true },
      pause,
      port,
      prune: e('Remove all stopped containers', async () => (await import('./lifecycle.js')).containerPrune),
      rename,
      restart,
      rm,
      remove: { ...rm, hidden: true },
      run,
      start,
      stats,
      stop,
      top,
      unpause,
      update,
      wait,
    },
  },
  image: {
    summary: 'Manage images',
    commands: {
      build,
      history,
      import: importCmd,
      log: e('Show the images a tag has pointed to (berth)', async () => (await import('./build.js')).imageLog),
      rollback: e('Move a tag back to an image it named before (berth)', async () => (await import('./build.js')).imageRollback),
      inspect: e('Display detailed information on one or more images', async () => (await import('./inspect.js')).imageInspect),
      load,
      ls: images,
      list: { ...images, hidden: true },
      prune: e('Remove unused images', async () => (await import('./images.js')).imagePrune),
      pull,
      push,
      rm: rmi,
      remove: { ...rmi, hidden: true },
      save,
      tag,
    },
  },
  builder: {
    summary: 'Manage builds',
    commands: {
      build,
      prune: e('Remove build cache', async () => (await import('./build.js')).builderPrune),
    },
  },
  network: {
    summary: 'Manage networks',
    commands: {
      connect: e('Connect a container to a network', async () => (await import('./network.js')).networkConnect),
      create: e('Create a network', async () => (await import('./network.js')).networkCreate),
      disconnect: e('Disconnect a container from a network', async () => (await import('./network.js')).networkDisconnect),
      inspect: e('Display detailed information on one or more networks', async () => (await import('./network.js')).networkInspect),
      ls: networkLs,
      list: { ...networkLs, hidden: true },
      prune: e('Remove all unused networks', async () => (await import('./network.js')).networkPrune),
      rm: networkRm,
      remove: { ...networkRm, hidden: true },
    },
  },
  system: {
    summary: 'Manage berth',
    commands: {
      df: e('Show berth disk usage', async () => (await import('./system.js')).df),
      events,
      info,
      prune: e('Remove unused data', async () => (await import('./system.js')).systemPrune),
    },
  },
  registry: {
    summary: "Serve berth's own image registry",
    commands: {
      gc: e('Remove blobs no manifest references', async () => (await import('./registry.js')).registryGc),
      serve: e('Serve an OCI distribution registry', async () => (await import('./registry.js')).registryServe),
    },
  },
  volume: {
    summary: 'Manage volumes',
    commands: {
      create: e('Create a volume', async () => (await import('./volume.js')).volumeCreate),
      inspect: e('Display detailed information on one or more volumes', async () => (await import('./inspect.js')).volumeInspect),
      ls: volumeLs,
      list: { ...volumeLs, hidden: true },
      prune: e('Remove unused local volumes', async () => (await import('./volume.js')).volumePrune),
      rm: volumeRm,
      remove: { ...volumeRm, hidden: true },
    },
  },
};

export function lookupTop(name: string): Entry | undefined {
  return COMMON[name] ?? OTHER[name];
}

/** Every way to reach the same command, for the "Aliases:" line of help ("berth container run, berth run"). */
export function aliasesOf(entry: Entry, bin: string): string[] {
  const out: string[] = [];
  for (const [g, group] of Object.entries(GROUPS)) {
    for (const [name, sub] of Object.entries(group.commands)) {
      if (sub.load === entry.load) out.push(`${bin} ${g} ${name}`);
    }
  }
  for (const [name, top] of Object.entries({ ...COMMON, ...OTHER })) {
    if (top.load === entry.load) out.push(`${bin} ${name}`);
  }
  return out;
}
