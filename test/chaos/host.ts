// What the host itself says about one test daemon, independent of berthd's answers: processes
// (conmon, container processes), the runtime's state, mounts, cgroups, links, iptables rules.
// And the blunt instruments the faults use: killing by PID, a simulated reboot's teardown.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { TestDaemon } from '../integration/harness.js';

// Every hierarchy: crun makes the container's cgroup in each (systemd and unified included).
const CONTROLLERS = readdirSync('/sys/fs/cgroup').filter((c) => !c.includes(','));

function pids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

export function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    // A zombie is dead for our purposes.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export function kill9(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

export class HostView {
  /** engine: berthd (conmon, crun) or dockerd (containerd-shim-runc-v2, runc). */
  constructor(readonly d: TestDaemon, readonly runtimeRoot: string, readonly engine: 'berthd' | 'dockerd' = 'berthd') {}

  /** The per-container supervisors of this daemon (conmon; dockerd's shims): container ID → PID. */
  conmons(): Map<string, number> {
    const out = new Map<string, number>();
    if (this.engine === 'dockerd') {
      for (const pid of pids()) {
        const argv = cmdline(pid);
        if (!argv[0]?.endsWith('containerd-shim-runc-v2') || !argv.some((a) => a.includes(this.d.execRoot))) continue;
        const i = argv.indexOf('-id');
        if (i >= 0 && argv[i + 1] && alive(pid)) out.set(argv[i + 1]!, pid);
      }
      return out;
    }
    for (const pid of pids()) {
      const argv = cmdline(pid);
      if (!argv[0]?.endsWith('conmon') || !argv.some((a) => a.includes(this.d.execRoot)) || argv.includes('--exec-process-spec')) continue;
      const i = argv.indexOf('--cid') >= 0 ? argv.indexOf('--cid') : argv.indexOf('-c');
      const id = i >= 0 ? argv[i + 1] : undefined;
      if (id && alive(pid)) out.set(id, pid);
    }
    return out;
  }

  /** Runtime processes (the runtime binary or its wrapper) of this daemon running `verb`. */
  runtimeProcs(verb: string, binary: string): number[] {
    return pids().filter((pid) => {
      const argv = cmdline(pid);
      return argv.includes(verb) && argv.some((a) => a === binary || a.endsWith(`/${path.basename(binary)}`)) &&
        argv.some((a) => a.includes(this.runtimeRoot));
    });
  }

  /** The runtime's own list: container ID → status. */
  runtimeList(): Map<string, string> {
    const out = new Map<string, string>();
    const r = spawnSync(this.engine === 'dockerd' ? 'runc' : 'crun', [`--root=${this.runtimeRoot}`, 'list', '--format=json'], { encoding: 'utf8' });
    if (r.status !== 0) {
      // An empty or missing root is an empty list.
      if (!existsSync(this.runtimeRoot)) return out;
    }
    try {
      for (const c of (JSON.parse(r.stdout || '[]') ?? []) as Array<{ id: string; status: string }>) out.set(c.id, c.status);
    } catch {
      /* no containers */
    }
    return out;
  }

  /** Mount points under the test daemon's root (from /proc/self/mountinfo). */
  mounts(): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')
      .filter((mp) => mp.startsWith(this.d.root));
  }

  /** Container IDs that have a cgroup under the daemon's cgroup parent, per controller. */
  cgroups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of CONTROLLERS) {
      const dir = path.join('/sys/fs/cgroup', c, this.d.cgroupParent);
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) out.set(e.name, [...(out.get(e.name) ?? []), c]);
      }
    }
    return out;
  }

  cgroupProcs(id: string): number[] {
    try {
      return readFileSync(path.join('/sys/fs/cgroup/pids', this.d.cgroupParent, id, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Host-side veths of this daemon. */
  veths(): string[] {
    return readdirSync('/sys/class/net').filter((l) => l.startsWith(`${this.d.net.prefix}v`));
  }

  /** iptables rules (iptables-save lines) of this daemon's chains and jumps to them. */
  iptablesRules(): string[] {
    const chain = `${this.d.net.prefix.toUpperCase()}-`;
    const out: string[] = [];
    let table = '';
    for (const line of (spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout ?? '').split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.includes(chain)) out.push(`${table} ${line}`);
    }
    return out;
  }

  /** Processes berthd's network code left holding namespaces (marked with BERTH_OWNER). */
  namespaceHolders(): Array<{ pid: number; ppid: number }> {
    return pids().filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`BERTH_OWNER=${this.d.execRoot}`);
      } catch {
        return false;
      }
    }).map((pid) => ({ pid, ppid: parentOf(pid) }))
      // Gone between the two reads (a holder berthd just let go): not a holder any more.
      .filter((h) => h.ppid !== 0 || existsSync(`/proc/${h.pid}/status`));
  }

  /**
   * What a reboot does to this daemon's world, done by hand: every container process and conmon
   * dies, mounts under its roots go (except the data root's own file system), cgroups, links and
   * iptables rules vanish, the exec root (a tmpfs on a real host) is empty. berthd must already
   * be dead.
   */
  simulateReboot(keepMount: string): string[] {
    const did: string[] = [];
    // Frozen (paused) processes die only once thawed.
    const freezer = path.join('/sys/fs/cgroup/freezer', this.d.cgroupParent);
    if (existsSync(freezer)) {
      for (const id of readdirSync(freezer)) {
        const st = path.join(freezer, id, 'freezer.state');
        if (existsSync(st)) spawnSync('sh', ['-c', `echo THAWED > ${st}`]);
      }
    }
    for (const [id, pid] of this.conmons()) if (kill9(pid)) did.push(`kill conmon ${pid} (${id.slice(0, 12)})`);
    for (const id of this.cgroups().keys()) for (const pid of this.cgroupProcs(id)) if (kill9(pid)) did.push(`kill ${pid} (${id.slice(0, 12)})`);
    for (const { pid } of this.namespaceHolders()) if (kill9(pid)) did.push(`kill ns holder ${pid}`);
    // Give the kernel a moment to reap before cgroups are removed.
    spawnSync('sleep', ['0.3']);
    for (const mp of this.mounts().filter((m) => m !== keepMount).sort((a, b) => b.length - a.length)) {
      spawnSync('umount', ['-l', mp]);
      did.push(`umount ${mp}`);
    }
    for (const [id, ctrls] of this.cgroups()) {
      for (const c of ctrls) spawnSync('rmdir', [path.join('/sys/fs/cgroup', c, this.d.cgroupParent, id)]);
      did.push(`rmdir cgroups ${id.slice(0, 12)}`);
    }
    for (const l of readdirSync('/sys/class/net').filter((n) => n.startsWith(this.d.net.prefix))) {
      spawnSync('ip', ['link', 'del', l]);
      did.push(`ip link del ${l}`);
    }
    // Rules of builtin chains that jump to ours first, then our chains.
    const rules = this.iptablesRules();
    const chain = `${this.d.net.prefix.toUpperCase()}-`;
    for (const r of rules) {
      const [table, ...rest] = r.split(' ');
      if (rest[0] === '-A' && !rest[1]!.startsWith(chain)) spawnSync('iptables', ['-t', table!, '-D', ...rest.slice(1)]);
    }
    for (const r of rules) {
      const m = /^(\S+) :(\S+)/.exec(r);
      if (m && m[2]!.startsWith(chain)) {
        spawnSync('iptables', ['-t', m[1]!, '-F', m[2]!]);
        spawnSync('iptables', ['-t', m[1]!, '-X', m[2]!]);
      }
    }
    did.push(`iptables: ${rules.length} lines removed`);
    rmSync(this.d.execRoot, { recursive: true, force: true });
    did.push('exec root wiped');
    return did;
  }
}

/** berthd's resident set (KiB) and open descriptors. */
export function processFigures(pid: number): { rssKiB: number; fds: number } {
  try {
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { rssKiB: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return { rssKiB: 0, fds: 0 };
  }
}
