// A private dockerd for the campaign's comparison run (`--engine dockerd`): Debian's dockerd
// 20.10 with its own data root, exec root (so its own containerd, shims and runc state), socket,
// pidfile, cgroup parent and a bridge of the test network block, and no iptables, masquerading
// or ip_forward changes (its rules would outlive it next to the test daemons'). Nothing of a
// system dockerd is touched: every process is found by this exec root, never by name alone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TestDaemon } from '../integration/harness.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

export class DockerdDaemon extends TestDaemon {
  private bridgeMade = false;

  constructor() {
    super('chaos-dockerd');
  }

  /** containerd-shim-runc-v2's runc state of this dockerd (namespace "moby"). */
  get runtimeRoot(): string {
    return path.join(this.execRoot, 'runtime-runc', 'moby');
  }

  override async start(): Promise<void> {
    if (!this.bridgeMade) {
      const br = this.net.bridge;
      for (const args of [['link', 'add', br, 'type', 'bridge'], ['addr', 'add', this.net.bip, 'dev', br], ['link', 'set', br, 'up']]) {
        const r = spawnSync('ip', args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
      }
      this.bridgeMade = true;
      // Not /etc/docker/daemon.json: nothing of the host's configuration.
      writeFileSync(path.join(this.root, 'daemon.json'), '{}');
    }
    const args = [
      '--data-root', this.dataRoot, '--exec-root', this.execRoot, '-H', this.host, '--pidfile', path.join(this.root, 'dockerd.pid'),
      '--config-file', path.join(this.root, 'daemon.json'), '--bridge', this.net.bridge, '--default-address-pool', this.net.pool,
      '--iptables=false', '--ip-masq=false', '--ip6tables=false', '--ip-forward=false', '--userland-proxy=false',
      '--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', this.cgroupParent, '--log-level', 'warn',
    ];
    const p = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (b: Buffer) => (this.log += b.toString()));
    this.proc = p;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`dockerd exited ${p.exitCode}: ${this.log.slice(-2000)}`);
      try {
        const r = await this.api('GET', '/_ping');
        if (r.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`dockerd did not come up: ${this.log.slice(-2000)}`);
      await sleep(100);
    }
  }

  /** This dockerd's containerd (started by it, under its exec root), if running. */
  private containerdPid(): number {
    const f = path.join(this.execRoot, 'containerd', 'containerd.pid');
    const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
    if (!pid) return 0;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.execRoot) ? pid : 0;
    } catch {
      return 0;
    }
  }

  /** Shims of this dockerd (their -address is under its exec root): PID → container ID. */
  shims(): Map<number, string> {
    const out = new Map<number, string>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (!argv[0]?.endsWith('containerd-shim-runc-v2') || !argv.some((a) => a.includes(this.execRoot))) continue;
      const i = argv.indexOf('-id');
      if (i >= 0 && argv[i + 1]) out.set(Number(pid), argv[i + 1]!);
    }
    return out;
  }

  override async stop(): Promise<string[]> {
    if (this.proc && this.proc.exitCode === null) {
      const list = (await this.api('GET', '/containers/json?all=1')).json<Array<{ Id: string }>>();
      await Promise.all(list.map((c) => this.api('DELETE', `/containers/${c.Id}?force=1&v=1`)));
      const nets = (await this.api('GET', '/networks')).json<Array<{ Id: string; Name: string }>>();
      for (const n of nets) if (!['bridge', 'host', 'none'].includes(n.Name)) await this.api('DELETE', `/networks/${n.Id}`);
      await this.stopDaemon();
    }
    // dockerd stops the containerd it started; one a kill -9 orphaned is stopped here.
    const cd = this.containerdPid();
    if (cd) {
      process.kill(cd, 'SIGTERM');
      for (let i = 0; i < 100 && existsSync(`/proc/${cd}`); i++) await sleep(100);
    }
    // The cgroup parent itself is ours (dockerd never removes it); containers' cgroups in it are leaks.
    const leaks = this.leaks().filter((l) => !l.startsWith('cgroup '));
    const leftIds = new Set<string>();
    for (const c of readdirSync('/sys/fs/cgroup')) {
      const dir = path.join('/sys/fs/cgroup', c, this.cgroupParent);
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        leftIds.add(e.name);
        leaks.push(`cgroup ${c}${this.cgroupParent}/${e.name}`);
      }
    }
    const shims = this.shims();
    for (const [pid, id] of shims) leaks.push(`containerd-shim ${pid} (${id.slice(0, 12)})`);
    // What dockerd left is reported above, then cleared: its shims and their containers' processes
    // (all under this daemon's exec root and cgroup parent), then the cgroups.
    for (const [pid] of shims) kill(pid);
    for (const id of leftIds) {
      const freezer = path.join('/sys/fs/cgroup/freezer', this.cgroupParent, id, 'freezer.state');
      if (existsSync(freezer)) spawnSync('sh', ['-c', `echo THAWED > ${freezer}`]);
      const procs = path.join('/sys/fs/cgroup/pids', this.cgroupParent, id, 'cgroup.procs');
      if (existsSync(procs)) for (const pid of readFileSync(procs, 'utf8').split('\n').filter(Boolean)) kill(Number(pid));
    }
    await sleep(500);
    for (const c of readdirSync('/sys/fs/cgroup')) {
      const dir = path.join('/sys/fs/cgroup', c, this.cgroupParent);
      if (!existsSync(dir)) continue;
      for (const id of leftIds) spawnSync('rmdir', [path.join(dir, id)]);
      spawnSync('rmdir', [dir]);
    }
    if (this.bridgeMade) spawnSync('ip', ['link', 'del', this.net.bridge]);
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
      const mp = line.split(' ')[4];
      if (mp && mp.startsWith(this.root) && mp !== this.dataRoot) spawnSync('umount', ['-l', mp]);
    }
    // The campaign unmounts its tmpfs data root and removes the rest.
    this.net.release();
    // Our own bridge is not a leak: it was made before dockerd and is removed here.
    return leaks.filter((l) => l !== `link ${this.net.bridge}`);
  }
}
