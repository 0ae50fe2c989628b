#!/usr/bin/env bash
# Image builds side by side, in one run on one context (FROM busybox, a RUN, a COPY of a 10 MiB
# file, another RUN), with the same docker CLI (classic builder, POST /build) against berthd and
# against dockerd 20.10 (Debian's docker.io, if installed), and podman (buildah) where installed:
#   cold     `build --no-cache` (every step runs; the base image is local)
#   cached   `build` again with nothing changed (every step from the cache)
# Rounds alternate the engines so they share the machine's spells of load. Every engine gets its
# own temp dirs, socket, data root, cgroup parent and bridge (lib/); the bench stops exactly the
# processes it started, by PID, and removes what it made. No registry is contacted.
#
# usage: bash bench/build.sh [--runs N] [--rounds N] [--out DIR]
#   --runs N builds per engine and kind per round (default 5), --rounds N (default 3).
# Results: DIR (default /tmp/berth-build-bench.<id>): results.md, times.tsv, machine.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

RUNS=5 ROUNDS=3 OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (containers, mounts, cgroups)"
[ -f "$REPO/dist/src/bin/berthd.js" ] || die "build berth first (npm run build)"

bench_dirs build-bench
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"

bench_record_before
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "docker CLI: $("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null)"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  command -v podman >/dev/null && echo "podman: $(podman --version)"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
} >"$OUT/machine.txt"

BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR" >/dev/null

# ---- the context ---------------------------------------------------------------------------
CTX=$BENCH_TMP/context
mkdir -p "$CTX"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$CTX/big.bin"
cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN echo one > /one
COPY big.bin /big.bin
RUN md5sum /big.bin > /big.md5
EOF

# ---- engines -------------------------------------------------------------------------------
ENGINES=()
start_berthd "$OUT/berthd.log"
import_busybox berth
ENGINES+=(berth)
if have_dockerd; then
  start_dockerd
  import_busybox dockerd
  ENGINES+=(dockerd)
else
  log "dockerd is not installed (apt-get install docker.io): berth only"
fi
if have_podman; then
  setup_podman
  import_busybox podman
  ENGINES+=(podman)
fi

# build ENGINE ARGS...: one quiet build of the context.
build() {
  local engine=$1; shift
  case $engine in
    berth) "${CLEAN_ENV[@]}" DOCKER_BUILDKIT=0 "$DOCKER_CLI" -H "unix://$BERTH_SOCK" build -q "$@" "$CTX" ;;
    dockerd) "${CLEAN_ENV[@]}" DOCKER_BUILDKIT=0 "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" build -q "$@" "$CTX" ;;
    podman) podman_do build -q --network none --cgroup-parent "$CG_PREFIX-podman" --layers "$@" "$CTX" ;;
  esac >/dev/null 2>>"$OUT/build-errors.log"
}

# timed ENGINE KIND ARGS...: milliseconds of one build, appended to times.tsv.
timed() {
  local engine=$1 kind=$2 t0 t1; shift 2
  t0=$(date +%s%N)
  build "$engine" "$@" || die "$engine $kind build failed (see $OUT/build-errors.log)"
  t1=$(date +%s%N)
  printf '%s\t%s\t%s\n' "$engine" "$kind" "$(( (t1 - t0) / 1000000 ))" >>"$OUT/times.tsv"
}

: >"$OUT/times.tsv"
for e in "${ENGINES[@]}"; do build "$e" -t bench:warm || die "$e: first build failed (see $OUT/build-errors.log)"; done
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS"
  for e in "${ENGINES[@]}"; do
    for ((i = 0; i < RUNS; i++)); do timed "$e" cold --no-cache -t bench:cold; done
    for ((i = 0; i < RUNS; i++)); do timed "$e" cached -t bench:warm; done
  done
done

# ---- report --------------------------------------------------------------------------------
med() { awk -F'\t' -v e="$1" -v k="$2" '$1 == e && $2 == k {print $3}' "$OUT/times.tsv" | median; }
{
  echo "| engine | cold build (median ms) | cached rebuild (median ms) | builds |"
  echo "|---|---:|---:|---:|"
  for e in "${ENGINES[@]}"; do
    echo "| $e | $(med "$e" cold) | $(med "$e" cached) | $((ROUNDS * RUNS)) + $((ROUNDS * RUNS)) |"
  done
  if [[ " ${ENGINES[*]} " == *" dockerd "* ]]; then
    awk -v bc="$(med berth cold)" -v dc="$(med dockerd cold)" -v bw="$(med berth cached)" -v dw="$(med dockerd cached)" \
      'BEGIN { printf "\nberth/dockerd: cold %.2f×, cached %.2f×\n", bc / dc, bw / dw }'
  fi
} >"$OUT/results.md"
cat "$OUT/results.md"
