# The engines under test, each with its own directories under $BENCH_TMP, its own socket and its
# own cgroup parent ($CG_PREFIX-<engine>), started and stopped by PID.
#   crun floor: a bundle unpacked from the busybox tar, `crun --root STATE run`.
#   berthd:     dist/src/bin/berthd.js (from this checkout).
#   dockerd:    Debian's docker.io (20.10) with its own containerd, no bridge, no iptables.
#   podman:     Debian's podman (4.3), --root/--runroot/--tmpdir here, cgroupfs, no network.
# shellcheck shell=bash

DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}
[ -x "$DOCKER_CLI" ] || DOCKER_CLI=$(command -v docker || true)

# ---- crun floor ----------------------------------------------------------------------------
CRUN_BUNDLE= CRUN_STATE=
setup_crun_floor() {
  CRUN_BUNDLE=$BENCH_TMP/crun/bundle CRUN_STATE=$BENCH_TMP/crun/state
  mkdir -p "$CRUN_BUNDLE/rootfs" "$CRUN_STATE"
  tar -C "$CRUN_BUNDLE/rootfs" -xf "$BUSYBOX_TAR"
  (cd "$CRUN_BUNDLE" && crun spec)
  # `crun spec`'s default, with the process made `true` on no terminal, and a cgroup of our own.
  node -e '
    const fs = require("fs");
    const [file, cgroup] = process.argv.slice(1);
    const spec = JSON.parse(fs.readFileSync(file, "utf8"));
    spec.process.terminal = false;
    spec.process.args = ["true"];
    spec.linux.cgroupsPath = cgroup;
    fs.writeFileSync(file, JSON.stringify(spec, null, 1));
  ' "$CRUN_BUNDLE/config.json" "$CG_PREFIX-crun/floor"
}
crun_floor_cmd() { echo "crun --root $CRUN_STATE run --bundle $CRUN_BUNDLE bench-floor"; }

# ---- berthd ----------------------------------------------------------------------------------
BERTHD_PID= BERTH_SOCK= BERTH_DATA= BERTH_EXEC= BERTHD_LOG=
BERTH_JS=$REPO/dist/src/bin/berth.js
BERTHD_JS=$REPO/dist/src/bin/berthd.js

# start_berthd LOGFILE [WRAPPER...]: starts berthd (optionally under a wrapper such as strace).
start_berthd() {
  BERTHD_LOG=$1; shift
  BERTH_SOCK=$BENCH_TMP/berth/berth.sock BERTH_DATA=$BENCH_TMP/berth/data BERTH_EXEC=$BENCH_TMP/berth/exec
  mkdir -p "$BENCH_TMP/berth"
  local pidfile=$BENCH_TMP/berth/berthd.pid
  rm -f "$pidfile"
  setsid "$@" node "$BERTHD_JS" -H "unix://$BERTH_SOCK" --data-root "$BERTH_DATA" --exec-root "$BERTH_EXEC" \
    --cgroup-parent "$CG_PREFIX-berth" --pidfile "$pidfile" --log-level debug \
    >>"$BERTHD_LOG" 2>&1 </dev/null &
  BERTHD_WRAPPER_PID=$!
  wait_for 30 test -s "$pidfile" || die "berthd did not write its pid file; log: $(tail -5 "$BERTHD_LOG")"
  BERTHD_PID=$(cat "$pidfile")
  wait_for 30 "$DOCKER_CLI" -H "unix://$BERTH_SOCK" version || die "berthd does not answer; log: $(tail -5 "$BERTHD_LOG")"
  log "berthd running (pid $BERTHD_PID, socket $BERTH_SOCK)"
}

stop_berthd() {
  [ -n "$BERTHD_PID" ] || return 0
  stop_pid "$BERTHD_PID" 20
  # A wrapper (strace) ends when berthd does; wait for it so its output is complete.
  [ -z "${BERTHD_WRAPPER_PID:-}" ] || { wait "$BERTHD_WRAPPER_PID" 2>/dev/null || true; }
  BERTHD_PID= BERTHD_WRAPPER_PID=
}

berth_cmd() { echo "node $BERTH_JS -H unix://$BERTH_SOCK"; }

# ---- dockerd -------------------------------------------------------------------------------
DOCKERD_PID= DOCKERD_SOCK= DOCKERD_EXEC= CONTAINERD_PID=
have_dockerd() { command -v dockerd >/dev/null && command -v containerd >/dev/null; }

start_dockerd() {
  local dir=$BENCH_TMP/dockerd
  DOCKERD_SOCK=$dir/docker.sock DOCKERD_EXEC=$dir/exec
  mkdir -p "$dir"
  echo '{}' >"$dir/daemon.json"   # not /etc/docker/daemon.json: nothing of the host's config
  setsid dockerd --data-root "$dir/data" --exec-root "$DOCKERD_EXEC" -H "unix://$DOCKERD_SOCK" \
    --pidfile "$dir/dockerd.pid" --config-file "$dir/daemon.json" \
    --bridge=none --iptables=false --ip-masq=false --ip6tables=false --userland-proxy=false \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$CG_PREFIX-dockerd" --log-level warn \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  DOCKERD_PID=$!
  wait_for 60 "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" version || die "dockerd does not answer; log: $(tail -5 "$dir/dockerd.log")"
  CONTAINERD_PID=$(cat "$DOCKERD_EXEC/containerd/containerd.pid" 2>/dev/null || true)
  log "dockerd running (pid $DOCKERD_PID, containerd $CONTAINERD_PID, socket $DOCKERD_SOCK)"
}

stop_dockerd() {
  [ -n "$DOCKERD_PID" ] || return 0
  stop_pid "$DOCKERD_PID" 30
  wait "$DOCKERD_PID" 2>/dev/null || true
  # dockerd stops the containerd it started; make sure.
  [ -z "$CONTAINERD_PID" ] || stop_pid "$CONTAINERD_PID" 10
  DOCKERD_PID= CONTAINERD_PID=
}

# ---- podman --------------------------------------------------------------------------------
PODMAN=()
have_podman() { command -v podman >/dev/null; }

setup_podman() {
  local dir=$BENCH_TMP/podman
  mkdir -p "$dir/tmp" "$dir/net"
  PODMAN=(podman --root "$dir/root" --runroot "$dir/run" --tmpdir "$dir/tmp" --network-config-dir "$dir/net"
    --cgroup-manager cgroupfs --storage-driver overlay --events-backend file)
}
# podman with the bench's clean environment (its TMPDIR for image copies, its HOME for config).
podman_do() { "${CLEAN_ENV[@]}" "${PODMAN[@]}" "$@"; }

# podman run's flags beyond the brief's: no network, our cgroup parent, and rlimits this host
# allows (root here cannot raise hard limits, and podman asks for nofile/nproc above them).
podman_run_flags() {
  echo "--network none --cgroup-parent $CG_PREFIX-podman --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
}

podman_cmd() { echo "${PODMAN[*]}"; }

# ---- images --------------------------------------------------------------------------------
import_busybox() {
  local engine=$1
  case $engine in
    berth) "$DOCKER_CLI" -H "unix://$BERTH_SOCK" import -c 'CMD ["sh"]' "$BUSYBOX_TAR" busybox:latest ;;
    dockerd) "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" import -c 'CMD ["sh"]' "$BUSYBOX_TAR" busybox:latest ;;
    podman) podman_do import -q -c 'CMD ["sh"]' "$BUSYBOX_TAR" busybox:latest ;;
  esac >/dev/null
}

# ---- containers ----------------------------------------------------------------------------
# remove_all_containers ENGINE: force-removes every container the engine has (all are ours).
remove_all_containers() {
  local ids
  case $1 in
    berth)
      ids=$("$DOCKER_CLI" -H "unix://$BERTH_SOCK" ps -aq 2>/dev/null || true)
      [ -z "$ids" ] || "$DOCKER_CLI" -H "unix://$BERTH_SOCK" rm -f $ids >/dev/null 2>&1 || true ;;
    dockerd)
      ids=$("$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" ps -aq 2>/dev/null || true)
      [ -z "$ids" ] || "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" rm -f $ids >/dev/null 2>&1 || true ;;
    podman)
      podman_do rm -af -t 0 >/dev/null 2>&1 || true ;;
  esac
}
