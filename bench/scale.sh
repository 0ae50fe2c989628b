#!/usr/bin/env bash
# berth at scale, side by side with dockerd 20.10 and podman 4.3 in one run (each engine alone on
# the machine while it is measured, one busybox rootfs made from the host's busybox-static):
#   1. with 0 other containers running: the latency of `run --rm busybox true`, `inspect probe`,
#      `ps -q`, `ps`, `stats --no-stream probe` and `logs probe` (median of --reps rounds, the ops
#      interleaved), where `probe` is a container printing 200 lines and then sleeping, and of
#      `version`, the control that nothing on the engine's side grows in;
#   2. 100 `run -d busybox sleep 1000` from 10 parallel clients: wall time, failures, and how
#      many run afterwards; then the same latencies with 100 running;
#   3. filled to 500 the same way (10 clients); the latencies with 500 running, the daemon's RSS;
#   4. `rm -f` of all 500 in one command (wall time); with --again, the latencies with 0 running
#      once more (pass=2 in the detail), which tells the machine's drift from a trend;
#   5. berthd only: --idle-runs `run --rm busybox true` (4 clients), then 15 s idle: its RSS.
# berthd is driven by the docker CLI and by the berth CLI (each op timed with both), dockerd by
# the docker CLI, podman by its own CLI. Each engine gets its own temp dirs, socket, cgroup parent,
# bridge and subnet (bench/lib/network.sh); everything made is removed and the host's state is
# compared before and after, as bench/run.sh does.
#
# usage: bash bench/scale.sh [--levels "0 100 500"] [--reps N] [--clients N] [--idle-runs N]
#                            [--engines "berth dockerd podman"] [--out DIR] [--no-build] [--again]
#   --levels: the numbers of other running containers the latencies are taken at (ascending; the
#   step to the second is the timed parallel start), --reps per op per level per client (7),
#   --clients for the parallel starts (10), --idle-runs (1000; 0 skips step 5).
#   --also FILE: another run's results.tsv (e.g. `--engines "dockerd podman"` run earlier), whose
#   lines are appended to this run's results.tsv (detail gets "run=FILE") and count in summary.md.
#
# Results: DIR (default /tmp/berth-scale-results.<id>)/results.tsv, one figure a line, tab-separated,
# with this header line:
#   engine  client  op  running  value  unit  detail
#     engine:  berth | dockerd | podman
#     client:  docker | berth | podman | - (not a client's figure, e.g. RSS)
#     op:      version | run | inspect | ps-q | ps | stats | logs   (latency of one command: value = median ms,
#                                                         detail = "min=… max=… n=… daemon_cpu=…
#                                                         host_cpu=… pass=…",
#                                                         daemon_cpu: ms of CPU the daemon(s) used per
#                                                         command (berthd; dockerd + containerd),
#                                                         pass: 2 for the --again level)
#              parallel-start   (value = wall ms to start running-prev → running containers with
#                               --clients clients; detail = "from=… clients=… failed=… running=…
#                               daemon_cpu=…" (ms of the daemon's CPU per container started))
#              rm-all           (value = wall ms of one `rm -f` of every container; detail "left=…
#                               daemon_cpu=…" (per container removed))
#              rss              (value = KiB; berthd's RSS, dockerd's + containerd's, podman: -
#                               (no daemon), detail names the processes)
#              rss-idle-after-runs (berthd, value = KiB after --idle-runs runs and 15 s idle)
#     running: the number of other containers running while it was measured
#   Every op line's detail also has "load=…" (1-minute load average when it was taken).
# summary.md beside it: the issue's targets with figure, ratio and load.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

LEVELS="0 100 500" REPS=7 CLIENTS=10 IDLE_RUNS=1000 ENGINES="berth dockerd podman" OUT= BUILD=1 ALSO=() AGAIN=0
while [ $# -gt 0 ]; do
  case $1 in
    --levels) LEVELS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --idle-runs) IDLE_RUNS=$2; shift 2 ;;
    --engines) ENGINES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --again) AGAIN=1; shift ;;
    --also) ALSO+=("$2"); shift 2 ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (containers, mounts, cgroups)"
[ "$AGAIN" -eq 0 ] || [ "${LEVELS%% *}" = 0 ] || die "--again measures level 0 again: the levels must start at 0"

bench_dirs scale-results scale
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"
RESULTS=$OUT/results.tsv
printf 'engine\tclient\top\trunning\tvalue\tunit\tdetail\n' >"$RESULTS"
MEM_TSV=$OUT/memory.tsv
: >"$MEM_TSV"

# shellcheck source=lib/memory.sh
source "$REPO/bench/lib/memory.sh"

packages=(crun conmon busybox-static iproute2 iptables procps util-linux)
[[ " $ENGINES " != *" dockerd "* ]] || packages+=(docker.io)
[[ " $ENGINES " != *" podman "* ]] || packages+=(podman)
APT_LOG=$OUT/apt.log install_missing "${packages[@]}"
if [ "$BUILD" -eq 1 ]; then
  log "building berth (npm run build)"
  (cd "$REPO" && npm run build) >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; die "the build failed"; }
fi

bench_record_before
# 500 containers need more than bench/lib/network.sh's /24s: /22s in the same /20 block instead
# (podman B+0, berthd B+4, dockerd B+8; berthd's pool for user networks B+12, unused here).
BERTH_BIP=10.$NET_A.$((NET_B + 4)).1/22 BERTH_POOL=base=10.$NET_A.$((NET_B + 12)).0/22,size=24
DOCKER_BRIDGE_CIDR=10.$NET_A.$((NET_B + 8)).1/22 PODMAN_SUBNET=10.$NET_A.$NET_B.0/22
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  command -v podman >/dev/null && echo "podman: $(podman --version)"
  echo "ulimit -n: $(ulimit -n), pid_max: $(cat /proc/sys/kernel/pid_max), inotify instances/watches: $(cat /proc/sys/fs/inotify/max_user_instances)/$(cat /proc/sys/fs/inotify/max_user_watches)"
} >"$OUT/machine.txt"

BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR"

# ---- measuring -------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# cli_of ENGINE CLIENT: the command line (words) that drives ENGINE with CLIENT.
cli_of() {
  case $1:$2 in
    berth:docker) echo "$DOCKER_CLI -H unix://$BERTH_SOCK" ;;
    berth:berth) echo "$BERTH_CLI -H unix://$BERTH_SOCK" ;;
    dockerd:docker) echo "$DOCKER_CLI -H unix://$DOCKERD_SOCK" ;;
    podman:podman) echo "$(podman_cmd)" ;;
  esac
}
clients_of() { case $1 in berth) echo "docker berth" ;; dockerd) echo docker ;; podman) echo podman ;; esac; }
run_flags() { [ "$1" != podman ] || podman_run_flags; }

# busy_jiffies: CPU time (1/100 s) the whole machine has spent outside idle and iowait so far.
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# settle: waits (up to 60 s) until the machine is quiet, under 10 % busy over a second: a level's
# latencies were taken right after its parallel start, while the kernel and the daemon still
# worked through the aftermath of starting 400 containers (load 3–4), which moved `run` at 500 by
# more than the 10 % its flatness is judged by.
settle() {
  local i b0 b1 cpus
  # The disks' share of earlier work first (the containers just removed, a test suite before).
  sync
  cpus=$(nproc)
  for ((i = 0; i < 60; i++)); do
    b0=$(busy_jiffies)
    sleep 1
    b1=$(busy_jiffies)
    [ $(( (b1 - b0) * 10 )) -lt $(( 100 * cpus )) ] && return 0
  done
  log "the machine did not go quiet in 60 s (load $(load1))"
}

# op_args ENGINE OP: the arguments of OP's command. `version` (ping and version, nothing that
# looks at containers) is the control: the machine's own drift between levels moves it as much as
# the others, so an op's ratio to it is the growth that is the engine's.
LEVEL_OPS=(version run inspect ps-q ps stats logs)
op_args() {
  case $2 in
    version) echo version ;;
    run) echo "run --rm $(run_flags "$1") busybox true" ;;
    inspect) echo inspect probe ;;
    ps-q) echo ps -q ;;
    ps) echo ps ;;
    stats) echo stats --no-stream probe ;;
    logs) echo logs probe ;;
  esac
}

# measure_level ENGINE RUNNING [PASS]: every op with every client of ENGINE, in REPS rounds of one
# command each (the order rotated every round, so all ops share the same spells of load; one
# untimed try of each first). Per op, median/min/max in ms to results.tsv, daemon_cpu (the
# daemon's CPU per command) and host_cpu (the CPU time the whole machine used per command: client,
# daemon, runtime and kernel), which the load's ups and downs move less than wall time. A failing
# command is recorded as failed. PASS 2 marks a level measured again after the `rm -f` of all.
measure_level() {
  local engine=$1 running=$2 pass=${3:-1} client
  log "$engine: latencies with $running others running ($REPS rounds, load $(load1))"
  for client in $(clients_of "$engine"); do
    local -a base ops=() cmd
    read -r -a base <<<"$(cli_of "$engine" "$client")"
    local op
    for op in "${LEVEL_OPS[@]}"; do
      # shellcheck disable=SC2046
      if "${CLEAN_ENV[@]}" "${base[@]}" $(op_args "$engine" "$op") >/dev/null 2>"$BENCH_TMP/err"; then
        ops+=("$op")
        : >"$BENCH_TMP/samples.$op"
        echo "0 0" >"$BENCH_TMP/cpu.$op"
      else
        log "$engine/$client $op fails: $(head -c 300 "$BENCH_TMP/err")"
        record "$engine" "$client" "$op" "$running" - ms "failed pass=$pass load=$(load1)"
      fi
    done
    local r k n=${#ops[@]} t0 t1 c0 c1 h0 h1
    for ((r = 0; r < REPS; r++)); do
      for ((k = 0; k < n; k++)); do
        op=${ops[$(( (k + r) % n ))]}
        read -r -a cmd <<<"$(op_args "$engine" "$op")"
        c0=$(daemon_cpu_us "$engine") h0=$(busy_jiffies)
        t0=$(now_us)
        "${CLEAN_ENV[@]}" "${base[@]}" "${cmd[@]}" >/dev/null 2>&1 || true
        t1=$(now_us)
        c1=$(daemon_cpu_us "$engine") h1=$(busy_jiffies)
        echo $((t1 - t0)) >>"$BENCH_TMP/samples.$op"
        read -r cs hs <"$BENCH_TMP/cpu.$op"
        echo $((cs + c1 - c0)) $((hs + h1 - h0)) >"$BENCH_TMP/cpu.$op"
      done
    done
    for op in "${ops[@]}"; do
      local sorted med min max cs hs
      sorted=$(sort -n "$BENCH_TMP/samples.$op")
      med=$(sed -n "$(( (REPS + 1) / 2 ))p" <<<"$sorted") min=$(head -1 <<<"$sorted") max=$(tail -1 <<<"$sorted")
      read -r cs hs <"$BENCH_TMP/cpu.$op"
      record "$engine" "$client" "$op" "$running" "$(awk -v v="$med" 'BEGIN{printf "%.1f", v/1000}')" ms \
        "$(awk -v a="$min" -v b="$max" -v n="$REPS" -v c="$cs" -v l="$(load1)" -v h="$hs" -v p="$pass" 'BEGIN{printf "min=%.1f max=%.1f n=%d daemon_cpu=%.2f host_cpu=%.1f pass=%d load=%s", a/1000, b/1000, n, c/n/1000, h*10/n, p, l}')"
    done
  done
}

# running_count ENGINE: containers running now (probe included).
running_count() {
  local -a cmd
  read -r -a cmd <<<"$(cli_of "$1" "$(clients_of "$1" | cut -d" " -f1)")"
  "${CLEAN_ENV[@]}" "${cmd[@]}" ps -q --filter status=running 2>/dev/null | wc -l
}

# fill ENGINE FROM TO: starts TO-FROM `run -d busybox sleep 1000` from CLIENTS clients; timed.
fill() {
  local engine=$1 from=$2 to=$3 n=$(( $3 - $2 ))
  [ "$n" -gt 0 ] || return 0
  local client
  client=$(clients_of "$engine" | cut -d' ' -f1)
  log "$engine: starting $n containers from $CLIENTS clients ($from → $to running)"
  local cli flags t0 t1
  cli=$(cli_of "$engine" "$client") flags=$(run_flags "$engine")
  : >"$BENCH_TMP/fill-failed"
  local c0 c1
  c0=$(daemon_cpu_us "$engine")
  t0=$(now_us)
  seq "$n" | "${CLEAN_ENV[@]}" xargs -P "$CLIENTS" -I{} sh -c "$cli run -d $flags busybox sleep 1000 >/dev/null 2>>$BENCH_TMP/fill-errors || echo x >>$BENCH_TMP/fill-failed"
  t1=$(now_us)
  c1=$(daemon_cpu_us "$engine")
  local failed running
  failed=$(wc -l <"$BENCH_TMP/fill-failed") running=$(( $(running_count "$engine") - 1 ))
  [ "$failed" -eq 0 ] || log "$engine: $failed starts failed: $(sort "$BENCH_TMP/fill-errors" | uniq -c | head -5)"
  record "$engine" "$client" parallel-start "$to" "$(awk -v v=$((t1 - t0)) 'BEGIN{printf "%.1f", v/1000}')" ms \
    "from=$from clients=$CLIENTS failed=$failed running=$running daemon_cpu=$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN{printf "%.2f", c/n/1000}') load=$(load1)"
}

# daemon_cpu_us ENGINE: CPU time (µs) the engine's daemons have used so far, all threads
# (/proc/PID/task/*/schedstat, ns): the daemon's own cost of an op, which the machine's load
# does not inflate the way it does wall time.
daemon_cpu_us() {
  local pids
  case $1 in
    berth) pids=$BERTHD_PID ;;
    dockerd) pids="$DOCKERD_PID $CONTAINERD_PID" ;;
    *) echo 0; return 0 ;;
  esac
  local p
  for p in $pids; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{t += $1} END {printf "%d", t / 1000}'
}

daemon_rss() {
  case $1 in
    berth) rss_kib "$BERTHD_PID" ;;
    dockerd) sum_kib rss_kib "$DOCKERD_PID" "$CONTAINERD_PID" ;;
    podman) echo - ;;
  esac
}

rm_all() {
  local engine=$1 running=$2 client cli t0 t1 ids
  client=$(clients_of "$engine" | cut -d' ' -f1) cli=$(cli_of "$engine" "$client")
  ids=$("${CLEAN_ENV[@]}" $cli ps -aq | tr '\n' ' ')
  log "$engine: rm -f of $(wc -w <<<"$ids") containers"
  local c0 c1
  c0=$(daemon_cpu_us "$engine")
  t0=$(now_us)
  if [ "$engine" = podman ]; then
    # shellcheck disable=SC2086
    "${CLEAN_ENV[@]}" $cli rm -f -t 0 $ids >/dev/null 2>"$BENCH_TMP/rm-err" || log "podman rm -f: $(head -c 300 "$BENCH_TMP/rm-err")"
  else
    # shellcheck disable=SC2086
    "${CLEAN_ENV[@]}" $cli rm -f $ids >/dev/null 2>"$BENCH_TMP/rm-err" || log "$engine rm -f: $(head -c 300 "$BENCH_TMP/rm-err")"
  fi
  t1=$(now_us)
  c1=$(daemon_cpu_us "$engine")
  local left
  left=$("${CLEAN_ENV[@]}" $cli ps -aq | wc -l)
  record "$engine" "$client" rm-all "$running" "$(awk -v v=$((t1 - t0)) 'BEGIN{printf "%.1f", v/1000}')" ms \
    "left=$left daemon_cpu=$(awk -v c=$((c1 - c0)) -v n="$(wc -w <<<"$ids")" 'BEGIN{printf "%.2f", n ? c/n/1000 : 0}') load=$(load1)"
}

scale_engine() {
  local engine=$1 prev=0 lvl cli
  cli=$(cli_of "$engine" "$(clients_of "$engine" | cut -d' ' -f1)")
  start_probe() {
    # shellcheck disable=SC2046,SC2086
    "${CLEAN_ENV[@]}" $cli run -d --name probe $(run_flags "$engine") busybox sh -c 'seq 1 200; exec sleep 100000' >/dev/null
  }
  start_probe
  for lvl in $LEVELS; do
    fill "$engine" "$prev" "$lvl"
    prev=$lvl
    record "$engine" - rss "$lvl" "$(daemon_rss "$engine")" KiB "load=$(load1)"
    settle
    measure_level "$engine" "$lvl"
  done
  rm_all "$engine" "$prev"
  if [ "$AGAIN" -eq 1 ]; then
    # The first level once more, after the rest: what moved between the first pass and this one
    # with the same containers running is the machine, not the engine.
    start_probe
    settle
    measure_level "$engine" 0 2
    # shellcheck disable=SC2086
    "${CLEAN_ENV[@]}" $cli rm -f probe >/dev/null
  fi
}

# ---- engines, one at a time ------------------------------------------------------------------------
for engine in $ENGINES; do
  case $engine in
    berth)
      start_berthd "$OUT/berthd.log" "${CLEAN_ENV[@]}"
      import_busybox berth
      record berth - rss-fresh 0 "$(rss_kib "$BERTHD_PID")" KiB "load=$(load1)"
      scale_engine berth
      if [ "$IDLE_RUNS" -gt 0 ]; then
        log "berth: $IDLE_RUNS runs from 4 clients, then 15 s idle"
        seq "$IDLE_RUNS" | "${CLEAN_ENV[@]}" xargs -P 4 -I{} $DOCKER_CLI -H "unix://$BERTH_SOCK" run --rm busybox true >/dev/null 2>&1 || true
        sleep 15
        record berth - rss-idle-after-runs "$IDLE_RUNS" "$(rss_kib "$BERTHD_PID")" KiB "load=$(load1)"
      fi
      stop_berthd ;;
    dockerd)
      have_dockerd || { log "no dockerd"; continue; }
      start_dockerd
      import_busybox dockerd
      scale_engine dockerd
      stop_dockerd ;;
    podman)
      have_podman || { log "no podman"; continue; }
      setup_podman
      import_busybox podman
      scale_engine podman
      remove_all_containers podman ;;
    *) die "unknown engine $engine" ;;
  esac
done

# ---- summary -------------------------------------------------------------------------------------
for f in "${ALSO[@]}"; do
  tail -n +2 "$f" | awk -v f="$f" 'BEGIN { FS = OFS = "\t" } { $7 = $7 " run=" f; print }' >>"$RESULTS"
done
node - "$RESULTS" "$LEVELS" >"$OUT/summary.md" <<'EOF'
const fs = require('fs');
const [file, levels] = process.argv.slice(2);
const lv = levels.split(/\s+/).filter(Boolean).map(Number);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => {
  const [engine, client, op, running, value, unit, detail] = l.split('\t');
  return { engine, client, op, running: Number(running), value: value === '-' ? NaN : Number(value), unit, detail };
});
// The first pass's figure (--again's level 0 is pass 2).
const get = (engine, client, op, running) => rows.find((r) => r.engine === engine && r.client === client && r.op === op && r.running === running && !/pass=2/.test(r.detail));
const load = (r) => (r ? (/load=([\d.]+)/.exec(r.detail) ?? [])[1] ?? '' : '');
const fmt = (r) => (r && !Number.isNaN(r.value) ? `${r.value} ${r.unit}` : 'n/a');
const ratio = (a, b) => (a && b && b.value ? (a.value / b.value).toFixed(2) + '×' : 'n/a');
const max = lv[lv.length - 1];
const second = lv[1];
const out = ['| target | figure | against | ratio | load |', '|---|---|---|---|---|'];
const ps = get('berth', 'docker', 'parallel-start', second);
const dps = get('dockerd', 'docker', 'parallel-start', second);
out.push(`| ${second} parallel run -d (${ps ? /clients=(\d+)/.exec(ps.detail)[1] : '?'} clients) ≤ 0.2× dockerd | ${fmt(ps)} (${ps?.detail.replace(/ load=.*/, '') ?? ''}) | ${fmt(dps)} | ${ratio(ps, dps)} | ${load(ps)} |`);
for (const c of ['docker', 'berth']) for (const op of ['ps', 'ps-q']) {
  const r = get('berth', c, op, max);
  out.push(`| ${c} ${op.replace('-q', ' -q')} with ${max} running ≤ 50 ms | ${fmt(r)} | ${fmt(get('dockerd', 'docker', op, max))} | ${ratio(r, get('dockerd', 'docker', op, max))} | ${load(r)} |`);
}
const rm = get('berth', 'docker', 'rm-all', max), drm = get('dockerd', 'docker', 'rm-all', max);
out.push(`| rm -f of ${max} ≤ 0.3× dockerd | ${fmt(rm)} | ${fmt(drm)} | ${ratio(rm, drm)} | ${load(rm)} |`);
const rss = get('berth', '-', 'rss', max);
out.push(`| berthd RSS with ${max} running ≤ 100 MiB | ${rss ? (rss.value / 1024).toFixed(1) + ' MiB' : 'n/a'} | ${(() => { const d = get('dockerd', '-', 'rss', max); return d ? (d.value / 1024).toFixed(1) + ' MiB (dockerd+containerd)' : 'n/a'; })()} | | ${load(rss)} |`);
const idle = rows.find((r) => r.engine === 'berth' && r.op === 'rss-idle-after-runs');
out.push(`| berthd idle RSS after ${idle?.running ?? '?'} runs ≤ 60 MiB | ${idle ? (idle.value / 1024).toFixed(1) + ' MiB' : 'n/a'} | | | ${load(idle)} |`);
// The level columns: each level of the first pass, then level 0 again (--again) if it was measured.
const pass = (r) => Number((/pass=(\d)/.exec(r.detail) ?? [])[1] ?? 1);
const cols = lv.map((n) => ({ head: String(n), running: n, pass: 1 }));
if (rows.some((r) => pass(r) === 2)) cols.push({ head: '0 again', running: 0, pass: 2 });
const at = (e, c, op, col) => rows.find((r) => r.engine === e && r.client === c && r.op === op && r.running === col.running && pass(r) === col.pass);
const spreadOf = (vals) => {
  const ok = vals.filter((v) => v !== undefined && !Number.isNaN(v));
  return ok.length > 1 ? `${(((Math.max(...ok) - Math.min(...ok)) / Math.min(...ok)) * 100).toFixed(0)}%` : '';
};
const table = (title, ops, value) => {
  out.push('', title, '');
  out.push(`| engine | client | op | ${cols.map((c) => c.head).join(' | ')} | spread |`, `|---|---|---|${cols.map(() => '---').join('|')}|---|`);
  const keys = [...new Set(rows.filter((r) => ops.includes(r.op)).map((r) => `${r.engine}\t${r.client}\t${r.op}`))];
  for (const k of keys) {
    const [e, c, op] = k.split('\t');
    const vals = cols.map((col) => value(e, c, op, col));
    if (vals.every((v) => v === undefined)) continue;
    out.push(`| ${e} | ${c} | ${op} | ${vals.map((v) => (v === undefined || Number.isNaN(v) ? 'n/a' : v)).join(' | ')} | ${spreadOf(vals)} |`);
  }
};
const latencyOps = ['version', 'run', 'inspect', 'ps-q', 'ps', 'stats', 'logs'];
table('### Latency (median ms) by number of other running containers (flat: ≤ 10% apart)', latencyOps, (e, c, op, col) => at(e, c, op, col)?.value);
// Each op's median over the control's (`version`) in the same rounds: the machine's drift between
// levels moves both, so what is left is the engine's growth.
table('### Latency over the control (`version`, same client, same rounds): growth that is the engine\'s', latencyOps.slice(1), (e, c, op, col) => {
  const r = at(e, c, op, col), v = at(e, c, 'version', col);
  return r && v && v.value ? Number((r.value / v.value).toFixed(2)) : undefined;
});
const field = (name) => (e, c, op, col) => { const r = at(e, c, op, col); const m = r && new RegExp(`${name}=([\\d.]+)`).exec(r.detail); return m ? Number(m[1]) : undefined; };
table('### Daemon CPU per command (ms; berthd, dockerd + containerd; background work during the command included)', latencyOps, (e, c, op, col) => (e === 'podman' ? undefined : field('daemon_cpu')(e, c, op, col)));
table('### Whole machine CPU per command (ms: client, daemon, runtime, kernel and background; 10 ms ticks summed over the reps)', latencyOps, field('host_cpu'));
console.log(out.join('\n'));
EOF
cat "$OUT/summary.md" >&2
