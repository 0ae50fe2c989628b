# shellcheck shell=bash
# The end of every bench that starts engines (run.sh, exec.sh, scale.sh, own-share.sh, build.sh,
# logs.sh, pull-push.sh): remove what they made, stop what they started (by PID), and compare the
# host with how the bench found it. The bench sets OUT, BENCH_TMP, CG_PREFIX, NET_PREFIX,
# BERTH_BRIDGE, PODMAN_BRIDGE and the engines' PIDs, and records ENGINE_LITTER's state and the
# networks' state (bench_record_before) before it starts engines.

# State paths engines create outside their roots: removed afterwards unless they were there before.
ENGINE_LITTER=(/etc/docker/key.json /run/docker /run/containers /run/libpod)
litter_before=() litter_recorded=0
# Functions a bench adds to run first at its end (pull-push.sh: the registry it started).
BENCH_CLEANUP_FIRST=()
# iptables chains of dockerd and netavark that exist before the run (then they are not ours).
NETAVARK_BEFORE= DOCKER_CHAINS_BEFORE= net_recorded=0

# What bench_cleanup compares against and leaves as it found: call once, before engines start.
bench_record_before() {
  local f
  for f in "${ENGINE_LITTER[@]}"; do if [ -e "$f" ]; then litter_before+=("$f"); fi; done
  litter_recorded=1
  claim_net_block
  NETAVARK_BEFORE=$(iptables-save 2>/dev/null | grep -m1 -E '^:NETAVARK' || true)
  DOCKER_CHAINS_BEFORE=$(iptables-save 2>/dev/null | grep -m1 -E '^:DOCKER' || true)
  record_sysctls
  net_recorded=1
  host_state >"$OUT/host-before.txt"
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  log "cleaning up"
  local hook
  for hook in "${BENCH_CLEANUP_FIRST[@]}"; do "$hook"; done
  [ -z "$BERTHD_PID" ] || remove_all_containers berth
  [ -z "$DOCKERD_PID" ] || remove_all_containers dockerd
  [ "${#PODMAN[@]}" -eq 0 ] || remove_all_containers podman
  stop_berthd
  stop_dockerd
  # (run.sh's strace steps keep a namespace of their own.)
  if declare -F stop_steps_netns >/dev/null; then stop_steps_netns; fi
  # Anything still running from our directories (a conmon or shim whose container could not be
  # removed, an ip process holding a berthd namespace: BERTH_OWNER=<exec root> in its
  # environment): its container's processes first, then the supervisor itself.
  local pid child
  for pid in $(pids_mentioning "$BENCH_TMP/"; pids_with_env "BERTH_OWNER=$BENCH_TMP/"); do
    for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do kill -KILL "$child" 2>/dev/null; done
    log "stopping leftover pid $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-120)"
    stop_pid "$pid" 5
  done
  # Mounts under our temp dir, deepest first.
  local mp
  awk '{print $5}' /proc/self/mountinfo | grep -F "$BENCH_TMP/" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- |
    while read -r mp; do umount "$mp" 2>/dev/null || umount -l "$mp"; done
  # Our cgroups ($CG_PREFIX-*) under every v1 controller (and cgroup2), children first.
  local d
  for d in /sys/fs/cgroup/*/"${CG_PREFIX#/}"* /sys/fs/cgroup/"${CG_PREFIX#/}"*; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  # Network state: berthd removes its bridge and chains when it stops with nothing running, and
  # netavark the bridge with its last container; what is left (after a crash, or netavark's
  # NETAVARK_FORWARD / NETAVARK-HOSTPORT-* chains, which it keeps for good) goes here.
  if [ -n "$NET_PREFIX" ]; then
    remove_bridge "$BERTH_BRIDGE" 1
    remove_bridge "$PODMAN_BRIDGE" 1
    remove_links "$NET_PREFIX"
    remove_iptables_chains "^${NET_PREFIX^^}-"
  fi
  if [ "$net_recorded" -eq 1 ]; then
    [ -n "$NETAVARK_BEFORE" ] || remove_iptables_chains '^NETAVARK[-_]'
    [ -n "$DOCKER_CHAINS_BEFORE" ] || remove_iptables_chains '^DOCKER(-|$)'
    restore_sysctls
  fi
  release_net_block
  local f k keep
  for f in "${ENGINE_LITTER[@]}"; do
    keep=0
    for k in "${litter_before[@]}"; do [ "$k" = "$f" ] && keep=1; done
    [ "$litter_recorded" -eq 0 ] || [ "$keep" -eq 1 ] || rm -rf "$f"
  done
  rm -rf "$BENCH_TMP"
  host_state >"$OUT/host-after.txt"
  local needles=("$BENCH_TMP" "$CG_PREFIX" docker0 podman0 DOCKER NETAVARK "sysctl ")
  [ -z "$NET_PREFIX" ] || needles+=("$NET_PREFIX" "${NET_PREFIX^^}-" "10.$NET_A.")
  if [ -f "$OUT/host-before.txt" ] && ! compare_host_state "$OUT/host-before.txt" "$OUT/host-after.txt" "${needles[@]}"; then
    [ "$rc" -ne 0 ] || rc=3
  fi
  log "results in $OUT"
  exit "$rc"
}
