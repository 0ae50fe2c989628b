#!/usr/bin/env bash
# berthd's own share of `run --rm busybox true` (issue 9 asks at most 10 ms): the docker CLI's
# requests for it sent straight at berthd's socket with a timestamp per step (bench/trace-run.ts),
# against a berthd that times its runtime's steps itself (BERTH_TRACE_STEPS=1): the run less
# conmon + `crun create` and less the container's own run (bench/own-share.ts). No strace, so
# nothing is slowed down; no peer engine is needed. berthd gets its own temp dirs, socket, data
# root, cgroup parent and bridge (lib/*.sh, as bench/run.sh); the bench stops what it started, by PID.
#
# usage: bash bench/own-share.sh [--runs N] [--gap MS] [--settle S] [--env K=V]... [--out DIR] [--no-build]
#   --runs N runs after 5 warm-up runs (default 200), --gap MS between runs (30: a CLI's start-up
#   leaves the daemon such a gap), --settle S: sync, then S seconds of rest before the runs (15;
#   right after another bench or a test suite the file system's late work made each run ~1.5 ms
#   slower: BENCHMARKS.md, "Two builds side by side"), --env K=V into berthd's environment (an
#   A/B of a switch such as BERTH_NO_NATIVE_NETLINK=1).
# Results: DIR (default /tmp/berth-bench-share.<id>): own-share.md, runs.jsonl, berthd.log, machine.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

RUNS=200 GAP=30 SETTLE=15 OUT= BUILD=1 BERTHD_ENV=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --gap) GAP=$2; shift 2 ;;
    --settle) SETTLE=$2; shift 2 ;;
    --env) BERTHD_ENV+=("$2"); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (containers, mounts, cgroups)"

bench_dirs bench-share
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"

APT_LOG=$OUT/apt.log install_missing crun conmon busybox-static iproute2 iptables procps util-linux
if [ "$BUILD" -eq 1 ]; then
  log "repairing the cgroup layout for crun and building berth (scripts/setup-host.sh)"
  bash "$REPO/scripts/setup-host.sh" >"$OUT/setup-host.log" 2>&1 || { tail -20 "$OUT/setup-host.log" >&2; die "scripts/setup-host.sh failed"; }
fi
[ -f "$REPO/dist/bench/own-share.js" ] || die "dist/bench is missing: build with npm run build"

bench_record_before
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "node: $(node --version); crun: $(crun --version | head -1); conmon: $(conmon --version | head -1)"
  echo "berthd's environment added: ${BERTHD_ENV[*]:-nothing}"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
} >"$OUT/machine.txt"

BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR"
start_berthd "$OUT/berthd.log" "${CLEAN_ENV[@]}" BERTH_TRACE_STEPS=1 "${BERTHD_ENV[@]}"
import_busybox berth

log "settling: sync, then $SETTLE s of rest"
settle_io "$SETTLE"
echo "load before: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
log "$RUNS runs of run --rm busybox true (the docker CLI's requests), $GAP ms apart"
"${CLEAN_ENV[@]}" node "$REPO/dist/bench/trace-run.js" --socket "$BERTH_SOCK" --runs "$RUNS" --warmup 5 --gap "$GAP" >"$OUT/runs.jsonl"
echo "load after: $(cat /proc/loadavg)" >>"$OUT/machine.txt"
node "$REPO/dist/bench/own-share.js" --runs "$OUT/runs.jsonl" --steps "$OUT/berthd.log" >"$OUT/share-table.md"
{ echo "## berthd's own share of a run"; echo; cat "$OUT/machine.txt"; echo; cat "$OUT/share-table.md"; } >"$OUT/own-share.md"
cat "$OUT/own-share.md" >&2
