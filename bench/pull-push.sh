#!/usr/bin/env bash
# Pull and push side by side, in one run, against Debian's docker-registry on loopback: a
# generated image of ~200 MiB in 5 gzip'd tar layers (random bytes, so gzip cannot shrink them).
#   cold pull      nothing local: berth (berth pull), dockerd (docker pull), skopeo (copy to a dir:,
#                  download only: no unpacking)
#   present pull   the image is already here: berth pull, and the API call alone (curl)
#   push           into an empty registry (a fresh docker-registry root each time): berth push,
#                  docker push (dockerd), skopeo copy from the dir: it downloaded
# Rounds alternate the engines. Each engine has its own dirs, socket, data root and bridge
# (lib/); the bench stops exactly the processes it started, by PID. Only 127.0.0.1 is contacted.
#
# usage: bash bench/pull-push.sh [--rounds N] [--mib N] [--out DIR]
# Results: DIR (default /tmp/berth-pull-bench.<id>): results.md, times.tsv, machine.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

ROUNDS=3 MIB=200 OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --mib) MIB=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -f "$REPO/dist/src/bin/berthd.js" ] || die "build berth first (npm run build)"

bench_dirs pull-bench
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"

REG_PID= REG_PORT=
# start_registry: a docker-registry on a free loopback port with an empty root.
start_registry() {
  local root=$BENCH_TMP/reg-$RANDOM$RANDOM
  mkdir -p "$root"
  REG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:%s\n' "$root" "$REG_PORT" >"$root/config.yml"
  setsid /usr/bin/docker-registry serve "$root/config.yml" >"$root/log" 2>&1 </dev/null &
  REG_PID=$!
  wait_for 20 curl -sf "http://127.0.0.1:$REG_PORT/v2/" -o /dev/null || die "docker-registry did not come up"
}
stop_registry() {
  [ -n "$REG_PID" ] || return 0
  stop_pid "$REG_PID" 10
  wait "$REG_PID" 2>/dev/null || true
  REG_PID=
}

BENCH_CLEANUP_FIRST+=(stop_registry)

bench_record_before
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  echo "skopeo: $(skopeo --version)"
  echo "docker-registry: $(/usr/bin/docker-registry --version 2>&1 | head -1)"
  echo "berth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
  echo "image: ${MIB} MiB in 5 gzip layers"
} >"$OUT/machine.txt"

# ---- the image: an OCI layout of 5 tar+gzip layers --------------------------------------------
IMG=$BENCH_TMP/img
mkdir -p "$IMG/blobs/sha256"
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$IMG/blobs/sha256/$d"; echo "$d"; }
layers= diffs=
for i in 1 2 3 4 5; do
  mkdir -p "$BENCH_TMP/l$i"
  head -c $((MIB * 1024 * 1024 / 5)) /dev/urandom >"$BENCH_TMP/l$i/data$i"
  tar -C "$BENCH_TMP/l$i" -cf "$BENCH_TMP/l$i.tar" .
  diff=$(sha256sum "$BENCH_TMP/l$i.tar" | cut -d' ' -f1)
  gzip -1 -c "$BENCH_TMP/l$i.tar" >"$BENCH_TMP/l$i.tgz"
  size=$(stat -c %s "$BENCH_TMP/l$i.tgz")
  d=$(blob "$BENCH_TMP/l$i.tgz")
  rm -rf "$BENCH_TMP/l$i" "$BENCH_TMP/l$i.tar"
  layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$size}"
  diffs+="${diffs:+,}\"sha256:$diff\""
done
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$BENCH_TMP/cfg"
csize=$(stat -c %s "$BENCH_TMP/cfg"); cd_=$(blob "$BENCH_TMP/cfg")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd_" "$csize" "$layers" >"$BENCH_TMP/man"
msize=$(stat -c %s "$BENCH_TMP/man"); md=$(blob "$BENCH_TMP/man")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' "$md" "$msize" >"$IMG/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$IMG/oci-layout"

# ---- engines -------------------------------------------------------------------------------
start_registry
SRC=127.0.0.1:$REG_PORT/bench/img:1
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$IMG:latest" "docker://$SRC"
SRC_PID=$REG_PID REG_PID=   # the source registry stays up all along; push targets come and go
ENGINES=(berth skopeo)
start_berthd "$OUT/berthd.log"
if have_dockerd; then start_dockerd; ENGINES+=(dockerd); else log "dockerd not installed: berth and skopeo only"; fi

cli() { case $1 in berth) shift; "${CLEAN_ENV[@]}" "$BERTH_CLI" -H "unix://$BERTH_SOCK" "$@" ;; dockerd) shift; "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" "$@" ;; esac; }
now() { date +%s%N; }
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$(( ($4 - $3) / 1000000 ))" >>"$OUT/times.tsv"; }

: >"$OUT/times.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS"
  order=("${ENGINES[@]}"); ((round % 2)) || order=($(printf '%s\n' "${ENGINES[@]}" | tac))
  for e in "${order[@]}"; do
    t0=$(now)
    case $e in
      berth|dockerd) cli "$e" pull -q "$SRC" >/dev/null ;;
      skopeo) rm -rf "$BENCH_TMP/dir"; skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$SRC" "dir:$BENCH_TMP/dir" ;;
    esac
    rec "$e" cold-pull "$t0" "$(now)"
    if [ "$e" = berth ]; then
      t0=$(now); cli berth pull -q "$SRC" >/dev/null; rec berth present-pull-cli "$t0" "$(now)"
      t0=$(now); curl -sf --unix-socket "$BERTH_SOCK" -X POST "http://d/images/create?fromImage=${SRC%:1}&tag=1" -o /dev/null; rec berth present-pull-api "$t0" "$(now)"
    fi
    start_registry
    DST=127.0.0.1:$REG_PORT/bench/img:1
    t0=$(now)
    case $e in
      berth|dockerd) cli "$e" tag "$SRC" "$DST"; cli "$e" push -q "$DST" >/dev/null ;;
      skopeo) skopeo --insecure-policy copy -q --dest-tls-verify=false "dir:$BENCH_TMP/dir" "docker://$DST" ;;
    esac
    rec "$e" push "$t0" "$(now)"
    stop_registry
    case $e in berth|dockerd) cli "$e" rmi "$SRC" "$DST" >/dev/null ;; esac
  done
done
REG_PID=$SRC_PID

# ---- report --------------------------------------------------------------------------------
med() { awk -F'\t' -v e="$1" -v k="$2" '$1 == e && $2 == k {print $3}' "$OUT/times.tsv" | median; }
{
  echo "| client | cold pull (median ms) | push to an empty registry (median ms) |"
  echo "|---|---:|---:|"
  for e in "${ENGINES[@]}"; do echo "| $e | $(med "$e" cold-pull) | $(med "$e" push) |"; done
  echo
  echo "berth pull of an image already present: $(med berth present-pull-cli) ms with the CLI, $(med berth present-pull-api) ms for the API call alone"
  if [[ " ${ENGINES[*]} " == *" dockerd "* ]]; then
    awk -v b="$(med berth cold-pull)" -v d="$(med dockerd cold-pull)" 'BEGIN { printf "berth/dockerd cold pull: %.2f×\n", b / d }'
  fi
  awk -v b="$(med berth push)" -v s="$(med skopeo push)" 'BEGIN { printf "berth/skopeo push: %.2f×\n", b / s }'
} >"$OUT/results.md"
cat "$OUT/results.md"
