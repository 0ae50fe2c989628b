# Shared helpers for bench/run.sh: logging, package installs, waiting, and stopping exactly the
# processes the bench started (by PID, never by name).
# shellcheck shell=bash

# bench_dirs NAME [KIND]: a bench's temp and results directories and the clean environment its
# clients run in. Sets BENCH_TMP (/tmp/berth-KIND.XXXXXX; KIND defaults to "bench"), BENCH_ID,
# CG_PREFIX (the engines' cgroup parents), OUT (absolute; /tmp/berth-NAME.<id> unless set before)
# and CLEAN_ENV (env -i with a private HOME and TMPDIR, and docker's and podman's configs).
bench_dirs() {
  local kind=${2:-bench}
  BENCH_TMP=$(mktemp -d "/tmp/berth-$kind.XXXXXX")
  BENCH_ID=${BENCH_TMP##*.}
  CG_PREFIX=/berth-$kind-$BENCH_ID
  OUT=${OUT:-/tmp/berth-$1.$BENCH_ID}
  mkdir -p "$OUT" "$BENCH_TMP/tmp" "$BENCH_TMP/home" "$BENCH_TMP/docker-config"
  # podman reads $DOCKER_CONFIG too, and wants the file.
  echo '{}' >"$BENCH_TMP/docker-config/config.json"
  OUT=$(cd "$OUT" && pwd)
  CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$BENCH_TMP/home"
    LANG=C.UTF-8 TMPDIR="$BENCH_TMP/tmp" DOCKER_CONFIG="$BENCH_TMP/docker-config"
    CONTAINERS_CONF="$BENCH_TMP/podman/containers.conf")
}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs the Debian packages given that are missing. Recommends are left out on purpose:
# docker.io recommends cgroupfs-mount, which would remount this host's cgroup hierarchies.
# Services are not started (dockerd, containerd): the bench starts its own daemons; a
# policy-rc.d denying starts is put in place for the install if the host has none.
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  log "installing ${missing[*]} from Debian"
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"${APT_LOG:-/dev/null}" 2>&1 || rc=$?
  [ -z "$made_policy" ] || rm -f "$policy"
  [ "$rc" -eq 0 ] || { log "apt-get failed (log: ${APT_LOG:-none})"; return "$rc"; }
}

# settle_io SECONDS: what earlier work left for the disks written out (sync), then a rest. Right
# after another bench or a test suite, the file system's late work landed on the first runs'
# fsyncs: ~1.5 ms a `run` (BENCHMARKS.md, "Two builds side by side").
settle_io() {
  sync
  sleep "$1"
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# True while PID exists and is not a zombie.
pid_alive() {
  [ -n "${1:-}" ] && [ -d "/proc/$1" ] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
pid_gone() { ! pid_alive "$1"; }

# stop_pid PID [GRACE_SECONDS]: SIGTERM, then SIGKILL after the grace period. Only ever called
# with PIDs this bench started or found carrying its own temp directory in their command line.
stop_pid() {
  local pid=$1 grace=${2:-15}
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_for "$grace" pid_gone "$pid"; then
    log "pid $pid did not stop in ${grace}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 pid_gone "$pid" || true
  fi
}

# PIDs (other than this shell) whose command line contains NEEDLE (the bench's temp dir).
pids_mentioning() {
  local needle=$1 d pid cmd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    if [ "$pid" = "$$" ] || [ "$pid" = "${BASHPID:-}" ]; then continue; fi
    cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
    case $cmd in *"$needle"*) echo "$pid" ;; esac
  done
}

# Median of the numbers on stdin, one a line.
median() {
  sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

# PIDs whose environment has a variable starting with PREFIX (e.g. BERTH_OWNER=<our exec root>:
# berthd tags the ip processes that hold its containers' namespaces so).
pids_with_env() {
  local prefix=$1 d
  for d in /proc/[0-9]*; do
    [ "${d#/proc/}" != "$$" ] || continue
    grep -qaz -- "^$prefix" "$d/environ" 2>/dev/null && echo "${d#/proc/}"
  done
  return 0
}

# The end of every bench's argument loop: --help prints the script's opening comment, anything
# else is an error.
bench_other_arg() {
  case $1 in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
}
