// Where the time of one `run --rm busybox true` goes in berth, as markdown tables of medians:
//  1. the client's view (trace-run.ts timestamps) against a berthd that is not traced, and the
//     CLIs' own share: berth's and docker's CLI under `strace -f -ttt -e execve,connect,read`
//     (start-up: exec → first connect; tear-down: the wait's answer read → exit), the CLIs
//     against a socket nobody listens on (hyperfine), and berth − docker against berthd;
//  2. inside berthd: trace-run.ts against a berthd under `strace -f -ttt -T`, whose trace shows
//     every process it starts (mount, conmon, crun create/start/delete, the container's own
//     process, umount, `unshare` for a network namespace), conmon's exit file and berthd's fsyncs;
//  3. with --plain-runs-none: the client's view on the default bridge against `--network none`
//     (runs taken in turns), step by step: where the bridge's cost falls.
//
//   node dist/bench/breakdown.js --plain-runs RUNS.jsonl [--plain-runs-none RUNS.jsonl] --traced-runs RUNS.jsonl
//        --daemon-trace FILE [--client-traces DIR] [--hyperfine TIMES.json] [--startup STARTUP.json]
//        [--json OUT]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunTimes } from './trace-run.js';

interface TraceLine {
  pid: number;
  ts: number; // epoch ms
  call: string; // syscall name, or '+++' for a process end
  text: string;
  durMs: number;
}

// "1234 1795456592.971357 execve(\"/usr/bin/crun\", [...]) = 0 <0.001234>"
const LINE = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/;

function parseTrace(file: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const text = m[3]!;
    if (text.startsWith('<...')) continue; // the end of an unfinished call: its start was logged
    const call = text.startsWith('+++') ? '+++' : (/^(\w+)\(/.exec(text)?.[1] ?? '?');
    const dur = /<(\d+\.\d+)>\s*$/.exec(text);
    out.push({ pid: Number(m[1]), ts: Number(m[2]) * 1000, call, text, durMs: dur ? Number(dur[1]) * 1000 : 0 });
  }
  return out;
}

type Kind = 'mount' | 'conmon' | 'crun-create' | 'crun-start' | 'crun-delete' | 'umount' | 'container' | 'netns';

/** What a process is, from its execve's path and argv (every PATH attempt carries the same argv). */
function classify(text: string, cmd: string[]): Kind | undefined {
  const exe = /^execve\("([^"]*)"/.exec(text)?.[1] ?? '';
  const base = path.basename(exe);
  if (base === 'mount' && text.includes('overlay')) return 'mount';
  if (base === 'umount') return 'umount';
  if (base === 'conmon') return 'conmon';
  // A network namespace holder (`unshare --net ip -batch -`), made ahead for the next container.
  if (base === 'unshare' && text.includes('"--net"')) return 'netns';
  // The runtime runs from its read-only view too (runtime-views/crun-<dev>-<inode>).
  if (/^(crun|runc)(-\d+-\d+)?$/.test(base)) {
    if (/"create"/.test(text)) return 'crun-create';
    if (/"start"/.test(text)) return 'crun-start';
    if (/"delete"/.test(text)) return 'crun-delete';
  }
  const argv = /^execve\("[^"]*", \[(.*?)\]/.exec(text)?.[1] ?? '';
  if (cmd.length && argv === cmd.map((c) => JSON.stringify(c)).join(', ')) return 'container';
  return undefined;
}

interface Proc {
  kind: Kind;
  pid: number;
  exec: number; // first execve attempt
  exit?: number;
}

interface RunSteps {
  [step: string]: number;
}

/** The client's view of one run (trace-run timestamps only). */
function clientSteps(run: RunTimes): RunSteps {
  return {
    'create → 201': run.createDone - run.createSent,
    'attach (→ 101) and wait (→ headers), in parallel': Math.max(run.attachUpgraded, run.waitHeaders) - run.createDone,
    'start → 204': run.startDone - run.startSent,
    'start sent → output EOF (container started, ran `true`, exited; conmon closed attach)': run.outputEnd - run.startSent,
    'the later of 204 and EOF → wait answered (exit handling, removal)': run.waitDone - Math.max(run.startDone, run.outputEnd),
    'total: create sent → wait answered': run.waitDone - run.createSent,
  };
}

/** Inside berthd, from the strace of it and its children, lined up with the client's times. */
function daemonSteps(run: RunTimes, lines: TraceLine[], cmd: string[], daemonPid: number): RunSteps | undefined {
  const inRun = lines.filter((l) => l.ts >= run.createSent - 1 && l.ts <= run.waitDone + 1);
  const procs = new Map<number, Proc>();
  for (const l of inRun) {
    if (l.call === 'execve') {
      const kind = classify(l.text, cmd);
      if (kind && !procs.has(l.pid)) procs.set(l.pid, { kind, pid: l.pid, exec: l.ts });
    } else if (l.call === '+++') {
      const p = procs.get(l.pid);
      if (p) p.exit = l.ts;
    }
  }
  const first = (k: Kind): Proc | undefined => [...procs.values()].filter((p) => p.kind === k).sort((a, b) => a.exec - b.exec)[0];
  const mount = first('mount');
  const conmon = first('conmon');
  const create = first('crun-create');
  const container = first('container');
  const del = first('crun-delete');
  const umount = first('umount');
  // conmon writes <exit-dir>/<id> with glib's g_file_set_contents: a temp file renamed into place.
  const exitFile = inRun.find(
    (l) => l.call.startsWith('rename') && l.text.includes(`/exits/${run.id}`) && l.pid !== daemonPid && !l.text.includes('= -1'),
  );
  // Since berthd mounts with mount(2) (native/mount-addon.c) there are no mount/umount processes;
  // where util-linux is the fallback there are.
  // Since berthd releases crun's init itself (OciRuntime.start: it unlinks exec.fifo and writes
  // the byte) there is no `crun start` process either: that unlink stands for it (an instant).
  const fifo = inRun.find((l) => l.call.startsWith('unlink') && l.text.includes(`/${run.id}/exec.fifo`) && !l.text.includes('= -1'));
  const start: Proc | undefined = first('crun-start') ?? (fifo ? { kind: 'crun-start', pid: fifo.pid, exec: fifo.ts, exit: fifo.ts } : undefined);
  if (!conmon || !create || !start || !container || !del) return undefined;
  const fsyncs = inRun.filter((l) => l.call === 'fsync' || l.call === 'fdatasync');
  const d = (a: number | undefined, b: number | undefined): number => (a === undefined || b === undefined ? NaN : b - a);
  return {
    'create: request → 201 (record written)': d(run.createSent, run.createDone),
    'attach + wait set up (→ 101 and wait headers)': d(run.createDone, Math.max(run.attachUpgraded, run.waitHeaders)),
    ...(mount
      ? {
          'start: request → `mount` exec': d(run.startSent, mount.exec),
          'start: `mount -t overlay` process (spawn, mount, exit)': d(mount.exec, mount.exit),
          'start: rootfs mounted → conmon exec (etc files, user, config.json)': d(mount.exit, conmon.exec),
        }
      : { 'start: request → conmon exec (overlay mounted in-process, etc files, user, config.json)': d(run.startSent, conmon.exec) }),
    'start: conmon exec → `crun create` exec (conmon double-fork)': d(conmon.exec, create.exec),
    'start: `crun create` process': d(create.exec, create.exit),
    'start: crun create done → `crun start` exec, or berthd\'s exec.fifo write (sync pipe, attach connect)': d(create.exit, start.exec),
    'start: `crun start` process (0: berthd wrote exec.fifo itself)': d(start.exec, start.exit),
    'start: crun start done → 204 at client (record saved, event)': d(start.exit, run.startDone),
    'run: container process exec → exit (`true`)': d(container.exec, container.exit),
    'exit: process exit → conmon has written the exit file': d(container.exit, exitFile?.ts),
    'exit: exit file → `crun delete` exec (inotify, exit info)': d(exitFile?.ts, del.exec),
    'remove: `crun delete` process': d(del.exec, del.exit),
    'remove: `umount` exec after crun delete done (negative: both run at once)': d(del.exit, umount?.exec),
    'remove: `umount` process': d(umount?.exec, umount?.exit),
    'remove: the later of crun delete and umount done → wait answered at client (rm bundle, records, layers, events)': d(
      Math.max(del.exit ?? NaN, umount?.exit ?? del.exit ?? NaN),
      run.waitDone,
    ),
    'total under strace: create sent → wait answered': d(run.createSent, run.waitDone),
    // Issue 9's "berthd's own share": the request path less the time spent in conmon and crun
    // processes (conmon exec → crun create done, crun start, and crun start done → conmon's exit
    // file, the container's run included). What is left is berthd's work and its waits (files,
    // fsyncs, the processes it starts itself) plus the socket's latency.
    "berthd's own share: total less conmon + crun create, crun start, and the run until conmon's exit file": d(
      run.createSent,
      run.waitDone,
    ) - d(conmon.exec, create.exit) - d(start.exec, start.exit) - d(start.exit, exitFile?.ts),
    'processes berthd started (count)': [...procs.values()].filter((p) => p.kind !== 'container').length,
    '· of which network namespace holders (`unshare --net`, made ahead for the next start) (count)':
      [...procs.values()].filter((p) => p.kind === 'netns').length,
    '· of which holders started between the start request and its 204, i.e. on the start path (count)':
      [...procs.values()].filter((p) => p.kind === 'netns' && p.exec >= run.startSent && p.exec <= run.startDone).length,
    'fsync/fdatasync calls (count)': fsyncs.length,
    'fsync/fdatasync time, summed': fsyncs.reduce((s, l) => s + l.durMs, 0),
  };
}

interface ClientTimes {
  startup: number; // exec → first connect() to the daemon
  daemon: number; // first connect() → last read from a daemon connection (the wait's answer)
  teardown: number; // that last read → process end
  total: number; // exec → process end
}

/** A CLI's run under `strace -f -ttt -e trace=execve,connect,read`: where its own time goes. */
function clientTimes(file: string): ClientTimes | undefined {
  const lines = parseTrace(file);
  const exec = lines.find((l) => l.call === 'execve');
  if (!exec) return undefined;
  const sockets = new Set<string>();
  let firstConnect: number | undefined;
  let lastRead: number | undefined;
  for (const l of lines) {
    const fd = /^\w+\((\d+),/.exec(l.text)?.[1];
    if (l.call === 'connect' && l.text.includes('AF_UNIX') && fd) {
      sockets.add(`${l.pid}:${fd}`);
      firstConnect ??= l.ts;
    } else if (l.call === 'read' && fd && !/= (-1|0)\b/.test(l.text) && [...sockets].some((s) => s.endsWith(`:${fd}`))) {
      lastRead = l.ts;
    }
  }
  const end = [...lines].reverse().find((l) => l.call === '+++' && l.pid === exec.pid);
  if (firstConnect === undefined || lastRead === undefined || !end) return undefined;
  return { startup: firstConnect - exec.ts, daemon: lastRead - firstConnect, teardown: end.ts - lastRead, total: end.ts - exec.ts };
}

function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

function table(title: string, rows: Array<[string, number]>): string {
  const fmt = (name: string, v: number): string => (name.includes('(count)') ? String(v) : Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  return [title, '', '| step | ms |', '| --- | ---: |', ...rows.map(([name, v]) => `| ${name} | ${fmt(name, v)} |`)].join('\n');
}

function medians(perRun: RunSteps[]): Array<[string, number]> {
  return Object.keys(perRun[0] ?? {}).map((step) => [step, median(perRun.map((r) => r[step]!))]);
}

function readRuns(file: string): RunTimes[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunTimes);
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const plainFile = opt('--plain-runs');
  const noneFile = opt('--plain-runs-none');
  const tracedFile = opt('--traced-runs');
  const daemonTrace = opt('--daemon-trace');
  if (!plainFile || !tracedFile || !daemonTrace) {
    throw new Error('usage: breakdown --plain-runs RUNS.jsonl --traced-runs RUNS.jsonl --daemon-trace FILE [--client-traces DIR] [--hyperfine TIMES.json] [--startup STARTUP.json] [--json OUT]');
  }
  const cmd = (opt('--cmd') ?? 'true').split(' ');
  const sections: string[] = [];
  const json: Record<string, Record<string, number>> = {};

  // 1. The client's view against a berthd that is not traced: the real costs, by request.
  const plain = readRuns(plainFile).map(clientSteps);
  const plainRows = medians(plain);
  const cliRows: Array<[string, number]> = [];
  const dir = opt('--client-traces');
  if (dir) {
    for (const cli of ['berth', 'docker']) {
      const runs = readdirSync(dir)
        .filter((f) => f.startsWith(`${cli}-`) && f.endsWith('.trace'))
        .map((f) => clientTimes(path.join(dir, f)))
        .filter((c): c is ClientTimes => !!c);
      if (!runs.length) continue;
      const m = (k: keyof ClientTimes): number => median(runs.map((r) => r[k]));
      cliRows.push([`${cli} CLI (strace, ${runs.length} runs): exec → first connect() (start-up)`, m('startup')]);
      cliRows.push([`${cli} CLI: first connect() → wait's answer read (the daemon's part, traced daemon)`, m('daemon')]);
      cliRows.push([`${cli} CLI: wait's answer read → process end (tear-down)`, m('teardown')]);
    }
  }
  const startup = opt('--startup');
  if (startup) {
    const { results } = JSON.parse(readFileSync(startup, 'utf8')) as { results: Array<{ command: string; median: number }> };
    const of = (name: string): number => (results.find((r) => r.command === name)?.median ?? NaN) * 1000;
    cliRows.push(['`berth run` with no daemon (hyperfine, untraced: exec → connect refused → exit)', of('berth-no-daemon')]);
    cliRows.push(['`docker run` with no daemon (same)', of('docker-no-daemon')]);
  }
  const hf = opt('--hyperfine');
  if (hf) {
    const { results } = JSON.parse(readFileSync(hf, 'utf8')) as { results: Array<{ command: string; median: number }> };
    const of = (name: string): number => (results.find((r) => r.command === name)?.median ?? NaN) * 1000;
    cliRows.push(['`node -e 0` (hyperfine)', of('node')]);
    cliRows.push(['`berth run` − `docker run` → berthd (hyperfine medians): what the berth CLI costs over docker\'s', of('berth') - of('docker-berthd')]);
  }
  sections.push(table(`The client's view, berthd not traced (median of ${plain.length} runs of trace-run.js)`, [...plainRows, ...cliRows]));
  json['client'] = Object.fromEntries([...plainRows, ...cliRows]);

  // 1b. The default bridge against --network none, step by step (client's view, untraced).
  if (noneFile) {
    const none = readRuns(noneFile).map(clientSteps);
    if (none.length && plain.length) {
      const noneRows = new Map(medians(none));
      const lines = [
        `The default bridge against \`--network none\`, berthd not traced (medians of ${plain.length} and ${none.length} runs, taken in turns)`,
        '',
        '| step | bridge ms | none ms | bridge − none ms |',
        '| --- | ---: | ---: | ---: |',
        ...plainRows.map(([step, v]) => {
          const n = noneRows.get(step) ?? NaN;
          return `| ${step} | ${v.toFixed(1)} | ${n.toFixed(1)} | ${(v - n).toFixed(1)} |`;
        }),
      ];
      sections.push(lines.join('\n'));
      json['none'] = Object.fromEntries(noneRows);
    }
  }

  // 2. Inside berthd, under strace -f: every process it starts, lined up with the client's times.
  const runs = readRuns(tracedFile);
  const lines = parseTrace(daemonTrace);
  const daemonPid = lines[0]?.pid ?? 0;
  const perRun = runs.map((r) => daemonSteps(r, lines, cmd, daemonPid)).filter((s): s is RunSteps => s !== undefined);
  if (perRun.length) {
    const rows = medians(perRun);
    sections.push(
      table(
        `Inside berthd, under \`strace -f\` (median of ${perRun.length} of ${runs.length} runs; strace slows every process start, so compare steps with each other)`,
        rows,
      ),
    );
    json['daemon'] = Object.fromEntries(rows);
  } else {
    sections.push('Inside berthd: no traced run could be matched with the strace output.');
  }
  process.stdout.write(sections.join('\n\n') + '\n');
  const jsonOut = opt('--json');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(json, null, 1));
}

main();
