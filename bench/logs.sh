#!/usr/bin/env bash
# Logs side by side, in one run: reading a big log back, and how soon a line reaches `logs -f`.
#   read     a container writes MIB MiB of 100-byte lines to stdout and exits; then `logs CTR`
#            into /dev/null is timed (and once piped through wc -c, which must count MIB MiB):
#            docker CLI → dockerd, docker CLI → berthd, berth CLI → berthd, podman; json-file
#            on dockerd and berthd (max-size large enough to keep it all, as docker's default
#            json-file keeps everything), and berth's and dockerd's `local` driver too
#   tail     `logs --tail 10 CTR` on the same log
#   follow   a container runs `cat FIFO` (a fifo bind-mounted from the host); bench/follow-latency.ts
#            writes numbered lines into it at a steady pace and times each one's arrival on the
#            stdout of `logs -f CTR` (p50/p90/p99), for the same clients
# Rounds alternate the order of the engines. Each engine has its own dirs, socket, data root
# and bridge (lib/); the bench stops exactly the processes it started, by PID. podman is
# installed from Debian for the run unless --no-podman (dockerd: Debian's docker.io, likewise).
#
# The daemons' CPU time for each read is recorded too (berthd; dockerd): on a machine shared with
# other work it moves less than the wall time does.
#
# usage: bash bench/logs.sh [--rounds N] [--mib N] [--lines N] [--interval-ms MS] [--no-podman]
#                           [--drivers "json-file local"] [--berth-repo DIR] [--out DIR]
#   --berth-repo DIR: bench the berthd and berth CLI built in another checkout (e.g. main before
#   a change), with this checkout's scripts.
# Results: DIR (default /tmp/berth-logs-bench.<id>): results.md, times.tsv, follow.tsv, machine.txt.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
source "$REPO/bench/lib/common.sh"

ROUNDS=3 MIB=100 LINES=300 INTERVAL_MS=20 PODMAN_WANTED=1 OUT= DRIVERS="json-file local" BERTH_REPO=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --mib) MIB=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --interval-ms) INTERVAL_MS=$2; shift 2 ;;
    --no-podman) PODMAN_WANTED=0; shift ;;
    --drivers) DRIVERS=$2; shift 2 ;;
    --berth-repo) BERTH_REPO=$(cd "$2" && pwd); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) bench_other_arg "$1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -f "$REPO/dist/src/bin/berthd.js" ] && [ -f "$REPO/dist/bench/follow-latency.js" ] || die "build berth first (npm run build)"

bench_dirs logs-bench
# shellcheck source=lib/engine-bench.sh
source "$REPO/bench/lib/engine-bench.sh"
if [ -n "$BERTH_REPO" ]; then
  [ -f "$BERTH_REPO/dist/src/bin/berthd.js" ] || die "$BERTH_REPO is not built"
  BERTH_CLI=$BERTH_REPO/bin/berth BERTHD_BIN=$BERTH_REPO/bin/berthd
fi

packages=(busybox-static conmon crun docker.io)
[ "$PODMAN_WANTED" -eq 0 ] || packages+=(podman)
APT_LOG=$OUT/apt.log install_missing "${packages[@]}" || log "some packages could not be installed: running with what is here"

bench_record_before
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) × $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "node: $(node --version)"
  echo "docker CLI: $("$DOCKER_CLI" version --format '{{.Client.Version}}' 2>/dev/null)"
  command -v dockerd >/dev/null && echo "dockerd: $(dockerd --version)"
  command -v podman >/dev/null && echo "podman: $(podman --version)"
  b=${BERTH_REPO:-$REPO}
  echo "berth: $b at $(git -C "$b" rev-parse --short HEAD 2>/dev/null)$(git -C "$b" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "log: ${MIB} MiB of 100-byte lines; follow: $LINES lines every ${INTERVAL_MS} ms"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

BUSYBOX_TAR=$BENCH_TMP/busybox.tar
bash "$REPO/scripts/bootstrap-busybox.sh" --tar-only "$BUSYBOX_TAR"

# Engines as "server:client": what is timed is the client's `logs` against the server.
ENGINES=()
start_berthd "$OUT/berthd.log" "${CLEAN_ENV[@]}"
import_busybox berth
ENGINES+=(berth:docker berth:berth)
if have_dockerd; then
  start_dockerd
  import_busybox dockerd
  ENGINES+=(dockerd:docker)
else
  log "dockerd not installed: berth only"
fi
if [ "$PODMAN_WANTED" -eq 1 ] && have_podman; then
  setup_podman
  import_busybox podman
  ENGINES+=(podman:podman)
fi

# cli SERVER:CLIENT ARGS…
cli() {
  local server=${1%%:*} client=${1##*:}; shift
  case $server:$client in
    berth:docker) "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$BERTH_SOCK" "$@" ;;
    berth:berth) "${CLEAN_ENV[@]}" "$BERTH_CLI" -H "unix://$BERTH_SOCK" "$@" ;;
    dockerd:docker) "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" "$@" ;;
    podman:podman) podman_do "$@" ;;
  esac
}
# run_flags SERVER DRIVER: the flags for a container of the bench (no network: not what is timed).
run_flags() {
  case $1 in
    podman) echo "$(podman_run_flags none)" ;;
    berth|dockerd) echo "--network none --log-driver $2 --log-opt max-size=1g" ;;
  esac
}

BYTES=$((MIB * 1024 * 1024))
LINE=$(printf '%099d' 0 | tr 0 x)   # 99 bytes + newline
now() { date +%s%N; }

# The big logs: one container per server and driver.
declare -A BIG=()
for server in berth dockerd podman; do
  [[ " ${ENGINES[*]} " == *" $server:"* ]] || continue
  read -r -a drivers <<<"$DRIVERS"; [ "$server" = podman ] && drivers=(k8s-file)
  for drv in "${drivers[@]}"; do
    log "$server: writing $MIB MiB with $drv"
    name=biglog-$drv
    # shellcheck disable=SC2046
    cli "$server:${server/dockerd/docker}" run -d --name "$name" $(run_flags "$server" "$drv") busybox \
      sh -c "yes '$LINE' | head -c $BYTES" >/dev/null
    cli "$server:${server/dockerd/docker}" wait "$name" >/dev/null
    BIG[$server:$drv]=$name
  done
done

: >"$OUT/times.tsv"
: >"$OUT/follow.tsv"
: >"$OUT/bytes.tsv"
rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$OUT/times.tsv"; }
# cpu_ms SERVER: CPU time (user + system, ms) the server's daemon has used so far; empty for podman.
cpu_ms() {
  local pid
  case $1 in berth) pid=$BERTHD_PID ;; dockerd) pid=$DOCKERD_PID ;; *) return 0 ;; esac
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / hz }' "/proc/$pid/stat"
}
# timed ENGINE OP CMD…: runs CMD (output to /dev/null), recording wall and daemon CPU time.
timed() {
  local e=$1 op=$2 t0 c0; shift 2
  c0=$(cpu_ms "${e%%:*}"); t0=$(now)
  "$@" >/dev/null 2>&1 || log "warning: $e $op failed"
  rec "$e" "$op" "$t0" "$(now)" "$(awk -v a="$c0" -v b="$(cpu_ms "${e%%:*}")" 'BEGIN { if (a != "") print b - a }')"
}

# Byte counts once (not timed): every client must read the whole log.
for e in "${ENGINES[@]}"; do
  server=${e%%:*}
  for key in "${!BIG[@]}"; do
    [ "${key%%:*}" = "$server" ] || continue
    n=$(cli "$e" logs "${BIG[$key]}" | wc -c)
    printf '%s\t%s\t%s\n' "$e" "${key##*:}" "$n" >>"$OUT/bytes.tsv"
    [ "$n" -eq "$BYTES" ] || log "warning: $e logs ${BIG[$key]} gave $n bytes, not $BYTES"
  done
done

for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  order=("${ENGINES[@]}"); ((round % 2)) || mapfile -t order < <(printf '%s\n' "${ENGINES[@]}" | tac)
  for e in "${order[@]}"; do
    server=${e%%:*}
    for key in "${!BIG[@]}"; do
      [ "${key%%:*}" = "$server" ] || continue
      drv=${key##*:}
      timed "$e" "read-$drv" cli "$e" logs "${BIG[$key]}"
      timed "$e" "tail10-$drv" cli "$e" logs --tail 10 "${BIG[$key]}"
    done
  done
done

# Follow latency, once per client (each run is LINES samples).
for e in "${ENGINES[@]}"; do
  server=${e%%:*}
  dir=$BENCH_TMP/fifo-${e/:/-}
  mkdir -p "$dir"; mkfifo "$dir/fifo"
  name=follow-${e/:/-}
  drv=json-file; [ "$server" = podman ] && drv=k8s-file
  # shellcheck disable=SC2046
  cli "$server:${server/dockerd/docker}" run -d --name "$name" -v "$dir:/in" $(run_flags "$server" "$drv") busybox cat /in/fifo >/dev/null
  client=()
  case $e in
    berth:docker) client=("${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$BERTH_SOCK") ;;
    berth:berth) client=("${CLEAN_ENV[@]}" "$BERTH_CLI" -H "unix://$BERTH_SOCK") ;;
    dockerd:docker) client=("${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK") ;;
    podman:podman) client=("${CLEAN_ENV[@]}" "${PODMAN[@]}") ;;
  esac
  log "$e: follow latency ($LINES lines)"
  res=$(node "$REPO/dist/bench/follow-latency.js" --fifo "$dir/fifo" --lines "$LINES" --interval-ms "$INTERVAL_MS" -- "${client[@]}" logs -f "$name") || res='{}'
  printf '%s\t%s\n' "$e" "$res" >>"$OUT/follow.tsv"
  cli "$server:${server/dockerd/docker}" rm -f "$name" >/dev/null 2>&1 || true
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average at end: $LOAD_END" >>"$OUT/machine.txt"

# ---- report --------------------------------------------------------------------------------
med() { awk -F'\t' -v e="$1" -v k="$2" '$1 == e && $2 == k {print ($4 - $3) / 1000000}' "$OUT/times.tsv" | median; }
medcpu() { awk -F'\t' -v e="$1" -v k="$2" '$1 == e && $2 == k && $5 != "" {print $5}' "$OUT/times.tsv" | median; }
{
  echo "| server ← client | driver | read $MIB MiB (median ms) | MiB/s | MiB read | daemon CPU for the read (ms) | --tail 10 (median ms) |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for e in "${ENGINES[@]}"; do
    server=${e%%:*}
    for key in $(printf '%s\n' "${!BIG[@]}" | sort); do
      [ "${key%%:*}" = "$server" ] || continue
      drv=${key##*:}
      m=$(med "$e" "read-$drv")
      # Throughput of what the client actually got (a log that lost lines reads faster).
      got=$(awk -F'\t' -v e="$e" -v d="$drv" '$1 == e && $2 == d {print $3}' "$OUT/bytes.tsv")
      echo "| $server ← ${e##*:} | $drv | $m | $(awk -v m="$m" -v b="${got:-0}" 'BEGIN { printf "%.0f", b / 1048576 / (m / 1000) }') | $(awk -v b="${got:-0}" 'BEGIN { printf "%.1f", b / 1048576 }') | $(medcpu "$e" "read-$drv") | $(med "$e" "tail10-$drv") |"
    done
  done
  echo
  if [[ " ${ENGINES[*]} " == *" dockerd:docker "* ]]; then
    d=$(med dockerd:docker read-json-file)
    for e in berth:docker berth:berth; do
      awk -v b="$(med "$e" read-json-file)" -v d="$d" -v e="$e" 'BEGIN { printf "%s json-file read time / docker→dockerd: %.2f× (throughput %.2f× when both read it all)\n", e, b / d, d / b }'
    done
    echo
  fi
  echo "| server ← client | follow: p50 ms | p90 ms | p99 ms | max ms | lines lost |"
  echo "|---|---:|---:|---:|---:|---:|"
  while IFS=$'\t' read -r e json; do
    node -e 'const [e, j] = process.argv.slice(1); const r = JSON.parse(j); const [s, c] = e.split(":");
      console.log(`| ${s} ← ${c} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.lost} |`)' "$e" "$json"
  done <"$OUT/follow.tsv"
  echo
  echo "load average: $(sed -n 's/^load average at start: //p' "$OUT/machine.txt") at start, $LOAD_END at end"
} >"$OUT/results.md"
cat "$OUT/results.md"
