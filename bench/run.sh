#!/usr/bin/env bash
# berth's side-by-side benchmark, in one run on one busybox rootfs (made from the host's
# busybox-static; no registry is contacted):
#   1. `crun run` on a busybox bundle (the floor)
#   2. `berth run --rm busybox true` (bin/berth, the launcher of the bundled CLI), on berthd's
#      default bridge and with `--network none`
#   3. `docker run --rm busybox true`, the real docker CLI against berthd, bridge and none
#   4. `docker run --rm busybox true` against dockerd 20.10, and `podman run --rm busybox true`
#      (Debian's docker.io and podman, installed if missing unless --no-peers), bridge and none;
#      then each engine's bridge and none again in alternation (paired runs): the network's cost
#   5. memory per running container beyond the container's own processes (PSS of conmon /
#      containerd-shim, for N `sleep` containers) and the daemons' idle RSS
#   6. where berth's `run` spends its time: client timestamps + strace of berthd (bridge and
#      none), and each program berthd runs per container (crun create/start/delete, mount,
#      umount) timed alone
#   7. published-port throughput: wrk against a busybox httpd published on 127.0.0.1 by berthd
#      (DNAT) and by dockerd (docker-proxy), and straight at each container's bridge address
#   8. issue 9's single run and CLI start (lib/single-run.sh): berth and docker→berthd paired
#      with docker→dockerd, `berth version` paired with `node -e 0`, berthd's CPU per run
# Every engine gets its own temp dirs, socket, data root, cgroup parent, bridge, subnet and
# interface/chain names (lib/network.sh); the bench stops exactly the processes it started, by
# PID, removes its containers, unmounts and deletes what it made (links, iptables chains), and
# compares the host's state before and after. Network traffic goes only to 127.0.0.1 and to the
# bench's own containers on its own bridges.
#
# usage: bash bench/run.sh [--runs N] [--rounds N] [--warmup N] [--containers N]
#                          [--breakdown-runs N] [--paired-runs N] [--wrk-duration S] [--wrk-rounds N]
#                          [--out DIR] [--no-peers] [--no-build] [--single-run-only]
#   --runs N per command per round (default 20), --rounds (default 3: every command is timed in
#   each round, so all of them share the machine's spells of load), --warmup N per round (3),
#   --containers N for memory (20), --breakdown-runs N (15), --paired-runs N pairs of bridge and
#   none runs per engine (40), --wrk-duration seconds per wrk run
#   (10), --wrk-rounds N (3; each round loads every target once: wrk -t2 with 32 and with 8
#   connections on each published port, 8 straight at a container). --single-run-only: just 8
#   (berthd and dockerd, no podman; a few minutes), with --paired-runs pairs.
# Results: DIR (default /tmp/berth-bench-results.<id>): results.md (the tables), breakdown.md,
# times.json (hyperfine), memory.tsv, wrk/, machine.txt, logs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

RUNS=20 ROUNDS=3 WARMUP=3 CONTAINERS=20 BREAKDOWN_RUNS=15 PAIRED_RUNS=40 WRK_DURATION=10 WRK_ROUNDS=3 OUT= PEERS=1 BUILD=1 SINGLE_ONLY=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --containers) CONTAINERS=$2; shift 2 ;;
    --breakdown-runs) BREAKDOWN_RUNS=$2; shift 2 ;;
    --paired-runs) PAIRED_RUNS=$2; shift 2 ;;
    --wrk-duration) WRK_DURATION=${2%s}; shift 2 ;;
    --wrk-rounds) WRK_ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --single-run-only) SINGLE_ONLY=1; shift ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (containers, mounts, cgroups)"

# ---- host preparation ----------------------------------------------------------------------
bench_dirs bench-results
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"
MEM_TSV=$OUT/memory.tsv
: >"$MEM_TSV"

# Every command the bench times runs with this environment only, so the caller's variables (for
# instance NODE_EXTRA_CA_CERTS, which makes every node start parse a CA bundle) do not skew it.
# CONTAINERS_CONF is podman's (lib/engines.sh, setup_podman).

# shellcheck source=lib/memory.sh
source "$REPO/bench/lib/memory.sh"
# shellcheck source=lib/steps.sh
source "$REPO/bench/lib/steps.sh"
# shellcheck source=lib/single-run.sh
source "$REPO/bench/lib/single-run.sh"

packages=(hyperfine crun conmon busybox-static strace tini iproute2 iptables procps util-linux wrk)
[ "$PEERS" -eq 0 ] || packages+=(docker.io podman)
APT_LOG=$OUT/apt.log install_missing "${packages[@]}"
if [ "$BUILD" -eq 1 ]; then
  log "repairing the cgroup layout for crun and building berth (scripts/setup-host.sh)"
  bash "$REPO/scripts/setup-host.sh" >"$OUT/setup-host.log" 2>&1 || { tail -20 "$OUT/setup-host.log" >&2; die "scripts/setup-host.sh failed"; }
fi
[ -f "$REPO/dist/bench/report.js" ] || die "dist/bench is missing: build with npx tsc -p tsconfig.json"

bench_record_before

machine_info() {
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "cgroups: $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup ($(ls /sys/fs/cgroup | tr '\n' ' '))"
  echo "node: $(node --version)"
  echo "crun: $(crun --version | head -1)"
  echo "conmon: $(conmon --version | head -1)"
  echo "runc: $(runc --version 2>/dev/null | head -1)"
  echo "docker CLI: $("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null)"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  command -v containerd >/dev/null && echo "containerd: $(containerd --version)"
  command -v podman >/dev/null && echo "podman: $(podman --version), netavark $(/usr/lib/podman/netavark --version 2>/dev/null | awk '{print $2}')"
  command -v wrk >/dev/null && echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "hyperfine: $(hyperfine --version)"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
}
machine_info >"$OUT/machine.txt"

# ---- engines, one busybox rootfs ---------------------------------------------------------------
BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR"
log "busybox rootfs: $(sha256sum "$BUSYBOX_TAR" | cut -c1-19)…"

setup_crun_floor
start_berthd "$OUT/berthd.log" "${CLEAN_ENV[@]}"
import_busybox berth
mem_record berth daemon_fresh_rss_kib "$(rss_kib "$BERTHD_PID")"
if [ "$PEERS" -eq 1 ] && have_dockerd; then
  start_dockerd
  import_busybox dockerd
  mem_record dockerd daemon_fresh_rss_kib "$(sum_kib rss_kib "$DOCKERD_PID" "$CONTAINERD_PID")"
  have_dockerd_engine=1
fi
if [ "$SINGLE_ONLY" -eq 1 ]; then
  single_run_figures "$PAIRED_RUNS"
  { echo; cat "$OUT/machine.txt"; echo; cat "$OUT/single-run.md"; } >&2
  exit 0
fi
if [ "$PEERS" -eq 1 ] && have_podman; then
  setup_podman
  import_busybox podman
  have_podman_engine=1
fi

# ---- 1–4: start-up times ---------------------------------------------------------------------
names=() cmds=() failed=()
add_bench() {
  local name=$1 cmd=$2 err
  # One trial first: a command that fails is reported, not allowed to abort hyperfine.
  if err=$("${CLEAN_ENV[@]}" bash -c "$cmd" 2>&1 >/dev/null); then
    names+=("$name") cmds+=("$cmd")
  else
    log "$name fails, left out of the timing: $cmd: $err"
    failed+=("$name")
    printf '%s: %s\n%s\n' "$name" "$cmd" "$err" >>"$OUT/failed.txt"
  fi
}
# Each engine's default network (a bridge: berthd's, dockerd's, podman's netavark network, all
# the bench's own) and --network none, side by side: the difference is the network's cost.
add_bench crun "$(crun_floor_cmd)"
add_bench berth "$(berth_cmd) run --rm busybox true"
add_bench berth-none "$(berth_cmd) run --rm --network none busybox true"
add_bench docker-berthd "$DOCKER_CLI -H unix://$BERTH_SOCK run --rm busybox true"
add_bench docker-berthd-none "$DOCKER_CLI -H unix://$BERTH_SOCK run --rm --network none busybox true"
if [ "$have_dockerd_engine" -eq 1 ]; then
  add_bench docker-dockerd "$DOCKER_CLI -H unix://$DOCKERD_SOCK run --rm busybox true"
  add_bench docker-dockerd-none "$DOCKER_CLI -H unix://$DOCKERD_SOCK run --rm --network none busybox true"
fi
if [ "$have_podman_engine" -eq 1 ]; then
  [ "$PODMAN_BRIDGE_OK" -eq 0 ] || add_bench podman "$(podman_cmd) run --rm $(podman_run_flags) busybox true"
  add_bench podman-none "$(podman_cmd) run --rm $(podman_run_flags none) busybox true"
fi
add_bench node "node -e 0"
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  # The launcher drops it (see bin/berth): this row shows that it no longer costs anything.
  add_bench berth-extra-ca "env NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS $(berth_cmd) run --rm busybox true"
fi

echo "load before timing: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
rounds=()
for ((r = 1; r <= ROUNDS; r++)); do
  # Each round starts one command further on, so no command always runs first or last.
  hf_args=() order=()
  for ((j = 0; j < ${#names[@]}; j++)); do
    i=$(( (j + r - 1) % ${#names[@]} ))
    hf_args+=(-n "${names[$i]}" "${cmds[$i]}") order+=("${names[$i]}")
  done
  log "timing round $r/$ROUNDS: ${order[*]}: $WARMUP warm-up + $RUNS runs each"
  echo "round $r: load before $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
  "${CLEAN_ENV[@]}" hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$OUT/times-round$r.json" "${hf_args[@]}" 2>&1 | tee -a "$OUT/hyperfine.txt" >&2
  rounds+=("$OUT/times-round$r.json")
done
echo "load after timing: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
failed_csv=$(IFS=,; echo "${failed[*]}")
rounds_csv=$(IFS=,; echo "${rounds[*]}")
node "$REPO/dist/bench/report.js" --hyperfine "$rounds_csv" --merged-out "$OUT/times.json" >/dev/null
printf '%s\n' "${cmds[@]}" >"$OUT/commands.txt"

# The network's cost per container, bridge and none in alternation (bench/paired.ts): for each
# engine whose two commands both ran above.
mkdir -p "$OUT/paired"
cmd_of() { local i; for i in "${!names[@]}"; do [ "${names[$i]}" != "$1" ] || { echo "${cmds[$i]}"; return 0; }; done; return 1; }
for pair in berth:berth-none docker-berthd:docker-berthd-none docker-dockerd:docker-dockerd-none podman:podman-none; do
  a=${pair%%:*} b=${pair#*:}
  ca=$(cmd_of "$a") && cb=$(cmd_of "$b") || continue
  log "paired: $a against $b, $PAIRED_RUNS pairs"
  "${CLEAN_ENV[@]}" node "$REPO/dist/bench/paired.js" --runs "$PAIRED_RUNS" --warmup 2 --out "$OUT/paired/$a.json" \
    -n "$a" "$ca" -n "$b" "$cb" || log "paired $a/$b failed"
done
echo "load after paired runs: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
# The CLIs' own start-up: the same command against a socket nobody listens on (exec, load, parse,
# connect refused, error, exit). Failing is the point here, hence -i and a run of its own.
nobody=$BENCH_TMP/no-daemon.sock
"${CLEAN_ENV[@]}" hyperfine -N -i --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/startup.json" \
  -n berth-no-daemon "$BERTH_CLI -H unix://$nobody run --rm busybox true" \
  -n docker-no-daemon "$DOCKER_CLI -H unix://$nobody run --rm busybox true" 2>&1 | tee "$OUT/hyperfine-startup.txt" >&2

# The programs berthd runs per container, each alone (untraced): what removing one would save.
log "timing the runtime steps alone (crun create/start/delete with berth's spec, mount, umount)"
capture_berth_bundle
time_runtime_steps "$OUT/steps.json"

# ---- 5: memory ---------------------------------------------------------------------------------
measure_memory berth "$CONTAINERS"
[ "$have_dockerd_engine" -eq 0 ] || measure_memory dockerd "$CONTAINERS"
[ "$have_podman_engine" -eq 0 ] || measure_memory podman "$CONTAINERS"

# ---- 6: where berth's time goes ------------------------------------------------------------------
# (Before the throughput runs: their hundreds of thousands of short connections leave conntrack
# and TIME_WAIT state behind for up to two minutes.)
# trace-run.js sends the docker CLI's requests with a timestamp at each step: first against this
# berthd as it is, then against berthd under strace -f (with every mount, conmon, crun and
# container process it starts; only execve, rename and fsync are stopped on, to keep it light).
# The berth and docker CLIs run under strace for their own start-up and tear-down.
echo "load before breakdown: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
log "breakdown: $BREAKDOWN_RUNS runs, then $BREAKDOWN_RUNS under strace"
TRACE_DIR=$OUT/breakdown
mkdir -p "$TRACE_DIR/client"
# Bridge and none in turns of 5 runs, so both see the same load; twice as many as traced below.
: >"$TRACE_DIR/plain-runs.jsonl"; : >"$TRACE_DIR/plain-runs-none.jsonl"
for ((done_runs = 0; done_runs < 2 * BREAKDOWN_RUNS; done_runs += 5)); do
  n=$(( 2 * BREAKDOWN_RUNS - done_runs < 5 ? 2 * BREAKDOWN_RUNS - done_runs : 5 ))
  "${CLEAN_ENV[@]}" node "$REPO/dist/bench/trace-run.js" --socket "$BERTH_SOCK" --warmup 1 --runs "$n" -- true \
    >>"$TRACE_DIR/plain-runs.jsonl" || log "trace-run against berthd failed"
  "${CLEAN_ENV[@]}" node "$REPO/dist/bench/trace-run.js" --socket "$BERTH_SOCK" --network none --warmup 1 --runs "$n" -- true \
    >>"$TRACE_DIR/plain-runs-none.jsonl" || log "trace-run --network none against berthd failed"
done
stop_berthd
start_berthd "$OUT/berthd-traced.log" "${CLEAN_ENV[@]}" strace -f --seccomp-bpf -ttt -T -v -s 512 \
  -e trace=execve,rename,renameat,renameat2,unlink,unlinkat,fsync,fdatasync -o "$TRACE_DIR/berthd.trace"
"${CLEAN_ENV[@]}" node "$REPO/dist/bench/trace-run.js" --socket "$BERTH_SOCK" --warmup 2 --runs "$BREAKDOWN_RUNS" -- true \
  >"$TRACE_DIR/traced-runs.jsonl" || log "trace-run against the traced berthd failed"
for ((i = 0; i < BREAKDOWN_RUNS; i++)); do
  "${CLEAN_ENV[@]}" strace -f --seccomp-bpf -ttt -e trace=execve,connect,read -o "$TRACE_DIR/client/berth-$i.trace" \
    "$BERTH_CLI" -H "unix://$BERTH_SOCK" run --rm busybox true || log "traced berth run $i failed"
  "${CLEAN_ENV[@]}" strace -f --seccomp-bpf -ttt -e trace=execve,connect,read -o "$TRACE_DIR/client/docker-$i.trace" \
    "$DOCKER_CLI" -H "unix://$BERTH_SOCK" run --rm busybox true || log "traced docker run $i failed"
done
stop_berthd
node "$REPO/dist/bench/breakdown.js" --plain-runs "$TRACE_DIR/plain-runs.jsonl" --plain-runs-none "$TRACE_DIR/plain-runs-none.jsonl" \
  --traced-runs "$TRACE_DIR/traced-runs.jsonl" \
  --daemon-trace "$TRACE_DIR/berthd.trace" --client-traces "$TRACE_DIR/client" --hyperfine "$OUT/times.json" --startup "$OUT/startup.json" \
  --json "$OUT/breakdown.json" >"$OUT/breakdown.md" || log "breakdown failed"

# ---- 7: published-port throughput, on a fresh (untraced) berthd ----------------------------------
start_berthd "$OUT/berthd-throughput.log" "${CLEAN_ENV[@]}"
import_busybox berth
echo "load before throughput: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
measure_throughput
echo "load after throughput: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
stop_berthd

# ---- 8: issue 9's single run and CLI start, paired against dockerd and node ---------------------
start_berthd "$OUT/berthd-single-run.log" "${CLEAN_ENV[@]}"
import_busybox berth
single_run_figures "$PAIRED_RUNS"
stop_berthd

# ---- results -----------------------------------------------------------------------------------
node "$REPO/dist/bench/report.js" --hyperfine "$rounds_csv" --memory "$MEM_TSV" --failed "$failed_csv" --steps "$OUT/steps.json" \
  --paired "$OUT/paired" --wrk "$OUT/wrk" --out "$OUT/results.md" >/dev/null
{ echo; cat "$OUT/machine.txt"; echo; cat "$OUT/results.md"; echo; echo "### Where berth's run goes"; echo; cat "$OUT/breakdown.md"
  echo; echo "### Issue 9: one run and the CLI's start (paired)"; echo; cat "$OUT/single-run.md"; } >&2
