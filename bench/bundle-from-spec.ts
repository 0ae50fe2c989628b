// Makes a stand-alone OCI bundle from the config.json berthd wrote for a running container, so
// `crun create/start/delete` can be timed alone with exactly berth's spec: the rootfs becomes a
// plain directory, the process `true`, the cgroup one of the bench's, and the files berth
// bind-mounts from the container's directory (/etc/hosts, /etc/hostname, /etc/resolv.conf) are
// copied into the bundle, since that container is removed afterwards. A container on a bridge
// joins a namespace berthd made (`/proc/<holder>/ns/net`), gone with that container: --netns
// gives the bundle another one to join (one the bench holds), as berthd's runs do.
//
//   node dist/bench/bundle-from-spec.js --config CONFIG.json --rootfs DIR --bundle DIR
//        --cgroup PATH --copy-under PREFIX [--netns PATH] [--] [ARGS...]
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

interface Spec {
  root: { path: string; readonly?: boolean };
  process: { args: string[]; terminal?: boolean };
  mounts?: Mount[];
  linux?: { cgroupsPath?: string; namespaces?: Array<{ type: string; path?: string }> };
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string): string => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`${name} is required`);
    return v;
  };
  const dash = argv.indexOf('--');
  const args = dash >= 0 ? argv.slice(dash + 1) : ['true'];
  const bundle = path.resolve(opt('--bundle'));
  const copyUnder = path.resolve(opt('--copy-under'));
  const spec = JSON.parse(readFileSync(opt('--config'), 'utf8')) as Spec;

  mkdirSync(path.join(bundle, 'files'), { recursive: true });
  spec.root.path = path.resolve(opt('--rootfs'));
  spec.process.args = args;
  spec.process.terminal = false;
  spec.linux = { ...spec.linux, cgroupsPath: opt('--cgroup') };
  const netns = argv.includes('--netns') ? opt('--netns') : undefined;
  for (const ns of spec.linux.namespaces ?? []) {
    if (ns.type === 'network' && ns.path) {
      if (!netns) throw new Error(`the spec joins ${ns.path}: give --netns`);
      ns.path = netns;
    }
  }
  for (const m of spec.mounts ?? []) {
    if (m.type !== 'bind' || !m.source || !m.source.startsWith(copyUnder + '/')) continue;
    if (!statSync(m.source).isFile()) throw new Error(`bind-mounted directory under the container: ${m.source}`);
    const copy = path.join(bundle, 'files', m.destination.replace(/\//g, '_'));
    copyFileSync(m.source, copy);
    m.source = copy;
  }
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 1));
}

main();
