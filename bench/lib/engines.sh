# The engines under test, each with its own directories under $BENCH_TMP, its own socket and its
# own cgroup parent ($CG_PREFIX-<engine>), started and stopped by PID.
#   crun floor: a bundle unpacked from the busybox tar, `crun --root STATE run`.
#   berthd:     bin/berthd (the launcher /usr/local/bin links to) from this checkout, with the
#               bench's own bridge, subnets and name prefix (lib/network.sh).
#   dockerd:    Debian's docker.io (20.10) with its own containerd and its own bridge (made here),
#               no iptables (see start_dockerd), its default userland proxy.
#   podman:     Debian's podman (4.3), --root/--runroot/--tmpdir here, cgroupfs, netavark with a
#               bridge network of the bench's own (or none, see setup_podman).
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
# The CLI and the daemon as installed: the launchers (bin/berth runs the bundled dist/berth.cjs;
# bin/berthd runs dist/src/bin/berthd.js with node's flags for a small idle heap).
BERTH_CLI=$REPO/bin/berth
BERTHD_BIN=$REPO/bin/berthd

# start_berthd LOGFILE [WRAPPER...]: starts berthd (optionally under a wrapper such as strace).
start_berthd() {
  BERTHD_LOG=$1; shift
  BERTH_SOCK=$BENCH_TMP/berth/berth.sock BERTH_DATA=$BENCH_TMP/berth/data BERTH_EXEC=$BENCH_TMP/berth/exec
  mkdir -p "$BENCH_TMP/berth"
  local pidfile=$BENCH_TMP/berth/berthd.pid
  rm -f "$pidfile"
  # Its own bridge, subnets and name prefix; names it does not know resolve nowhere (nothing
  # answers on 127.0.0.1:1), so no query leaves the machine. Logging at warn, as dockerd below:
  # at debug berthd wrote a line per request (BERTH_BENCH_LOG_LEVEL=debug for a diagnosis).
  setsid "$@" "$BERTHD_BIN" -H "unix://$BERTH_SOCK" --data-root "$BERTH_DATA" --exec-root "$BERTH_EXEC" \
    --cgroup-parent "$CG_PREFIX-berth" --pidfile "$pidfile" --log-level "${BERTH_BENCH_LOG_LEVEL:-warn}" \
    --network-prefix "$NET_PREFIX" --bridge "$BERTH_BRIDGE" --bip "$BERTH_BIP" --default-address-pool "$BERTH_POOL" \
    --dns-upstream 127.0.0.1:1 \
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

berth_cmd() { echo "$BERTH_CLI -H unix://$BERTH_SOCK"; }

# ---- dockerd -------------------------------------------------------------------------------
DOCKERD_PID= DOCKERD_SOCK= DOCKERD_EXEC= CONTAINERD_PID=
have_dockerd() { command -v dockerd >/dev/null && command -v containerd >/dev/null; }

# dockerd's default bridge is a bridge the bench makes (dockerd's -b takes an existing one and
# leaves it alone at exit), so nothing is named docker0 or uses 172.17.0.0/16. dockerd runs with
# --iptables=false: its DOCKER* chains and FORWARD rules outlive it and would sit next to the test
# daemons' rules. That changes none of what is timed: a `run --rm` without ports makes no
# per-container rule, and a port published on 127.0.0.1 goes through docker-proxy (dockerd's
# default userland proxy, kept here) whether or not iptables is on, because dockerd's OUTPUT
# rule skips 127.0.0.0/8 while the proxy is enabled. --ip-forward=false: ip_forward stays as is.
DOCKER_BRIDGE_MADE=
start_dockerd() {
  local dir=$BENCH_TMP/dockerd
  DOCKERD_SOCK=$dir/docker.sock DOCKERD_EXEC=$dir/exec
  mkdir -p "$dir"
  # containerd's shims put their sockets in /run/containerd/s whatever its state dir is.
  [ -e /run/containerd ] && RUN_CONTAINERD_MADE= || RUN_CONTAINERD_MADE=1
  echo '{}' >"$dir/daemon.json"   # not /etc/docker/daemon.json: nothing of the host's config
  ip link add "$DOCKER_BRIDGE" type bridge && DOCKER_BRIDGE_MADE=1 &&
    ip addr add "$DOCKER_BRIDGE_CIDR" dev "$DOCKER_BRIDGE" && ip link set "$DOCKER_BRIDGE" up ||
    die "could not make dockerd's bridge $DOCKER_BRIDGE"
  setsid dockerd --data-root "$dir/data" --exec-root "$DOCKERD_EXEC" -H "unix://$DOCKERD_SOCK" \
    --pidfile "$dir/dockerd.pid" --config-file "$dir/daemon.json" \
    --bridge="$DOCKER_BRIDGE" --iptables=false --ip-masq=false --ip6tables=false --ip-forward=false \
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
  # Only if empty (rmdir): what is left there is not ours to remove.
  [ -z "${RUN_CONTAINERD_MADE:-}" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  remove_bridge "$DOCKER_BRIDGE" "$DOCKER_BRIDGE_MADE"
  DOCKER_BRIDGE_MADE=
}

# remove_bridge NAME MADE: the bridge (if this bench made it: MADE non-empty) and any port left
# on it (a veth whose namespace is gone goes by itself; this is for leftovers).
remove_bridge() {
  local br=$1 l
  [ -n "$2" ] && [ -e "/sys/class/net/$br" ] || return 0
  for l in $(ip -o link show master "$br" 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
    ip link del "$l" 2>/dev/null && log "removed link $l (on $br)"
  done
  ip link del "$br" 2>/dev/null || log "could not remove bridge $br"
}

# ---- podman --------------------------------------------------------------------------------
# podman reads $CONTAINERS_CONF (in CLEAN_ENV: $BENCH_TMP/podman/containers.conf): netavark, the
# bench's network config dir. Its bridge network is a netavark config file of the bench's own
# (podman 4.3's `network create` cannot name the bridge): bridge <prefix>p, its own subnet, no DNS
# (as podman's default network), so no aardvark-dns. netavark removes the bridge and the
# network's chains with the last container, but keeps NETAVARK_FORWARD and NETAVARK-HOSTPORT-*
# (and their jumps) for good; the bench removes those afterwards, and so only uses the bridge if
# no NETAVARK chain exists before it starts (else podman runs with --network none only).
PODMAN=() PODMAN_BRIDGE_OK=0
have_podman() { command -v podman >/dev/null; }

setup_podman() {
  local dir=$BENCH_TMP/podman
  mkdir -p "$dir/tmp" "$dir/net"
  PODMAN=(podman --root "$dir/root" --runroot "$dir/run" --tmpdir "$dir/tmp" --network-config-dir "$dir/net"
    --cgroup-manager cgroupfs --storage-driver overlay --events-backend file)
  printf '[network]\nnetwork_backend = "netavark"\nnetwork_config_dir = "%s"\n' "$dir/net" >"$dir/containers.conf"
  if [ -n "$NETAVARK_BEFORE" ]; then
    log "podman: NETAVARK iptables chains exist already (another podman on this machine): podman runs with --network none only"
    return 0
  fi
  if ! [ -x /usr/lib/podman/netavark ] && ! command -v netavark >/dev/null; then
    log "podman: netavark is not installed: podman runs with --network none only"
    return 0
  fi
  cat >"$dir/net/$PODMAN_NET.json" <<EOF
{
  "name": "$PODMAN_NET",
  "id": "$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n')",
  "driver": "bridge",
  "network_interface": "$PODMAN_BRIDGE",
  "created": "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)",
  "subnets": [{ "subnet": "$PODMAN_SUBNET", "gateway": "${PODMAN_SUBNET%.0/*}.1" }],
  "ipv6_enabled": false,
  "internal": false,
  "dns_enabled": false,
  "ipam_options": { "driver": "host-local" }
}
EOF
  PODMAN_BRIDGE_OK=1
}
# podman with the bench's clean environment (its TMPDIR for image copies, its HOME for config).
podman_do() { "${CLEAN_ENV[@]}" "${PODMAN[@]}" "$@"; }

# podman run's flags beyond the brief's: our cgroup parent, and rlimits this host allows (root
# here cannot raise hard limits, and podman asks for nofile/nproc above them); the network:
# podman_run_flags [none]: the bench's bridge network, or none (also when there is no bridge).
podman_run_flags() {
  local net=$PODMAN_NET
  [ "${1:-}" != none ] && [ "$PODMAN_BRIDGE_OK" -eq 1 ] || net=none
  echo "--network $net --cgroup-parent $CG_PREFIX-podman --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
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
