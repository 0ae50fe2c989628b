# What the bench could leave behind on the host, as sorted text lines: mounts, network links,
# cgroups of container engines, engine processes, engine state files, network sysctls, firewall
# rules. Taken
# before and after a run; the difference is printed (and names this run's own leftovers).
# shellcheck shell=bash

host_state() (
  set +e +o pipefail
  echo "## mounts"
  awk '{print $5}' /proc/self/mountinfo | sort
  echo "## links"
  ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort
  echo "## netns"
  ls /run/netns 2>/dev/null | sort
  echo "## cgroups (engine-looking, depth <= 2 below a controller)"
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d \
    \( -iname '*berth*' -o -iname '*docker*' -o -iname '*libpod*' -o -iname '*podman*' -o -iname '*containerd*' \) \
    2>/dev/null | sort
  echo "## processes (engine-looking)"
  local d comm cmd
  for d in /proc/[0-9]*; do
    comm=$(cat "$d/comm" 2>/dev/null) || continue
    case $comm in
      conmon|crun|runc|dockerd|containerd|containerd-shim*|podman|berthd)
        # An empty command line is a process exiting (or a zombie) as we look: not state.
        cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline" | cut -c1-200)
        [ -z "${cmd// /}" ] || printf '%s %s\n' "$comm" "$cmd" ;;
    esac
  done | sort
  echo "## engine state files"
  local f
  for f in /etc/docker/key.json /run/docker /run/docker.sock /var/run/docker.sock /var/lib/docker \
    /run/containerd /var/lib/containerd /run/containers /run/libpod /var/lib/containers/storage \
    /etc/cni/net.d /run/cni /var/lib/cni /run/crun; do
    [ -e "$f" ] && echo "$f: $(ls -A "$f" 2>/dev/null | head -20 | tr '\n' ' ')"
  done
  echo "## sysctls"
  local s
  for s in "${NET_SYSCTLS[@]}"; do echo "sysctl $s=$(cat "/proc/sys/$s" 2>/dev/null || echo absent)"; done
  echo "## firewall"
  if command -v iptables-save >/dev/null; then iptables-save 2>/dev/null | grep -v -e '^#' -e '^:' | sort; fi
  if command -v nft >/dev/null; then nft list tables 2>/dev/null | sort; fi
  true
)

# compare_host_state BEFORE AFTER NEEDLE...: prints the difference; returns 1 if a line added
# after the run names one of the NEEDLEs (this run's temp dir or cgroup prefix), i.e. the bench
# itself left something behind. Other changes may come from other users of the machine.
compare_host_state() {
  local before=$1 after=$2; shift 2
  local added removed rc=0 n
  added=$(comm -13 <(sort "$before") <(sort "$after") | grep -v '^## ' || true)
  removed=$(comm -23 <(sort "$before") <(sort "$after") | grep -v '^## ' || true)
  if [ -z "$added$removed" ]; then
    log "host state: identical before and after"
    return 0
  fi
  [ -z "$added" ] || log "host state: present after but not before (may belong to other users of the machine):"$'\n'"$added"
  [ -z "$removed" ] || log "host state: present before but not after:"$'\n'"$removed"
  for n in "$@"; do
    if grep -qF -- "$n" <<<"$added"; then
      log "LEFTOVER from this bench (matches $n):"$'\n'"$(grep -F -- "$n" <<<"$added")"
      rc=1
    fi
  done
  return "$rc"
}
