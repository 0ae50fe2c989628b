#!/usr/bin/env bash
# The exec benchmark, standalone: `docker exec CTR true` against berthd and against dockerd 20.10,
# `berth exec CTR true`, `podman exec CTR true` (Debian's docker.io and podman are installed if
# missing unless --no-peers), `crun exec` on berth's container (the floor), and each CLI against a
# socket nobody listens on (its own start-up), on one busybox rootfs made from the host's
# busybox-static (no registry is contacted). Every command is timed in rounds with one run of
# each per round, the order rotated (bench/exec-bench.ts time), so they all share the machine's
# spells of load; ratios are against docker → dockerd. Then the daemon's share: the docker CLI's
# exec requests sent straight at berthd's socket with a timestamp per step (exec-bench.ts trace).
# Engines get their own temp dirs, sockets, data roots, cgroup parents and bridges (lib/*.sh, as
# bench/run.sh); the bench stops exactly the processes it started, by PID.
#
# usage: bash bench/exec.sh [--runs N] [--warmup N] [--trace-runs N] [--out DIR] [--no-peers] [--no-build] [--hold]
#   --runs N rounds (default 40), --warmup N rounds (3), --trace-runs N (30); --hold: set up the
#   engines and their containers, write their sockets to DIR/env.sh and wait (for experiments by
#   hand) until DIR/hold is removed, then clean up as usual.
# Results: DIR (default /tmp/berth-bench-exec.<id>): exec.md, exec-times.json, machine.txt, logs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

RUNS=40 WARMUP=3 TRACE_RUNS=30 OUT= PEERS=1 BUILD=1 HOLD=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --trace-runs) TRACE_RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-peers) PEERS=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --hold) HOLD=1; shift ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (containers, mounts, cgroups)"

bench_dirs bench-exec
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"

packages=(crun conmon busybox-static iproute2 iptables procps util-linux)
[ "$PEERS" -eq 0 ] || packages+=(docker.io podman)
APT_LOG=$OUT/apt.log install_missing "${packages[@]}"
if [ "$BUILD" -eq 1 ]; then
  log "repairing the cgroup layout for crun and building berth (scripts/setup-host.sh)"
  bash "$REPO/scripts/setup-host.sh" >"$OUT/setup-host.log" 2>&1 || { tail -20 "$OUT/setup-host.log" >&2; die "scripts/setup-host.sh failed"; }
fi
[ -f "$REPO/dist/bench/exec-bench.js" ] || die "dist/bench is missing: build with npm run build"

bench_record_before
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "node: $(node --version); crun: $(crun --version | head -1); conmon: $(conmon --version | head -1)"
  echo "docker CLI: $("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null)"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  command -v podman >/dev/null && echo "podman: $(podman --version)"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
} >"$OUT/machine.txt"

BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR"

# One long-running container per engine, the target of every exec.
CTR=bench-exec
start_berthd "$OUT/berthd.log" "${CLEAN_ENV[@]}"
import_busybox berth
"$DOCKER_CLI" -H "unix://$BERTH_SOCK" run -d --name "$CTR" busybox sleep 1000000 >/dev/null
BERTH_CTR_ID=$("$DOCKER_CLI" -H "unix://$BERTH_SOCK" inspect -f '{{.Id}}' "$CTR")
if [ "$PEERS" -eq 1 ] && have_dockerd; then
  start_dockerd
  import_busybox dockerd
  "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" run -d --name "$CTR" busybox sleep 1000000 >/dev/null
  have_dockerd_engine=1
fi
if [ "$PEERS" -eq 1 ] && have_podman; then
  setup_podman
  import_busybox podman
  podman_do run -d --name "$CTR" $(podman_run_flags none) busybox sleep 1000000 >/dev/null
  have_podman_engine=1
fi

if [ "$HOLD" -eq 1 ]; then
  { echo "BERTH_SOCK=$BERTH_SOCK BERTH_EXEC=$BERTH_EXEC BERTH_CTR_ID=$BERTH_CTR_ID BERTHD_PID=$BERTHD_PID"
    echo "DOCKERD_SOCK=$DOCKERD_SOCK"; echo "PODMAN=(${PODMAN[*]})"; echo "CTR=$CTR"; } >"$OUT/env.sh"
  touch "$OUT/hold"
  log "holding: source $OUT/env.sh; rm $OUT/hold to clean up"
  while [ -e "$OUT/hold" ]; do sleep 1; done
  exit 0
fi

nobody=$BENCH_TMP/no-daemon.sock
rows=(
  -n crun-exec "crun --root $BERTH_EXEC/runtime/crun exec $BERTH_CTR_ID true"
  -n docker-berthd "$DOCKER_CLI -H unix://$BERTH_SOCK exec $CTR true"
  -n berth "$BERTH_CLI -H unix://$BERTH_SOCK exec $CTR true"
)
[ "$have_dockerd_engine" -eq 0 ] || rows+=(-n docker-dockerd "$DOCKER_CLI -H unix://$DOCKERD_SOCK exec $CTR true")
[ "$have_podman_engine" -eq 0 ] || rows+=(-n podman "$(podman_cmd) exec $CTR true")
rows+=(
  -n docker-no-daemon "!$DOCKER_CLI -H unix://$nobody exec $CTR true"
  -n berth-no-daemon "!$BERTH_CLI -H unix://$nobody exec $CTR true"
)

log "settling: sync, then 15 s of rest"
settle_io 15
echo "load before timing: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
log "timing: $WARMUP warm-up + $RUNS rounds of ${#rows[@]} / 2 commands"
"${CLEAN_ENV[@]}" node "$REPO/dist/bench/exec-bench.js" time --runs "$RUNS" --warmup "$WARMUP" \
  --out "$OUT/exec-times.json" --md "$OUT/times.md" --base docker-dockerd \
  --target docker-berthd=0.45 --target berth=0.8 "${rows[@]}" >/dev/null
echo "load after timing: $(cat /proc/loadavg)" >>"$OUT/machine.txt"

log "berthd's share: $TRACE_RUNS execs sent straight at its socket"
"${CLEAN_ENV[@]}" node "$REPO/dist/bench/exec-bench.js" trace --socket "$BERTH_SOCK" --container "$CTR" --runs "$TRACE_RUNS" >"$OUT/trace-berthd.md"
if [ "$have_dockerd_engine" -eq 1 ]; then
  "${CLEAN_ENV[@]}" node "$REPO/dist/bench/exec-bench.js" trace --socket "$DOCKERD_SOCK" --container "$CTR" --runs "$TRACE_RUNS" >"$OUT/trace-dockerd.md"
fi
echo "load after trace: $(cat /proc/loadavg)" >>"$OUT/machine.txt"

{
  echo "## exec"; echo; cat "$OUT/machine.txt"; echo
  cat "$OUT/times.md"; echo
  echo "### berthd, request by request (docker CLI's requests, no CLI)"; echo; cat "$OUT/trace-berthd.md"
  if [ -f "$OUT/trace-dockerd.md" ]; then echo; echo "### dockerd, the same"; echo; cat "$OUT/trace-dockerd.md"; fi
} >"$OUT/exec.md"
cat "$OUT/exec.md" >&2
