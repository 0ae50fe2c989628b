#!/usr/bin/env bash
# Installs what berth needs on a fresh Debian machine (as root) and builds it:
# Debian packages, npm dependencies, the TypeScript build, the `berth` group, and a repair of
# the host's cgroup layout so crun can run (see README, "cgroups and crun").
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(crun runc conmon busybox-static iproute2 iptables tini attr util-linux procps tar
  docker-registry skopeo docker-compose golang-github-containers-common zstd gcc libc6-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "berth: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Docker's own default seccomp profile (moby profiles/seccomp/default.json), from the Debian
# package of moby's source, which Debian keeps patched. Only that one file is taken: installing
# the package would pull in ~260 Go source packages. berthd brings it up to Docker 28's profile
# (src/engine/containers/seccomp.ts) and falls back to containers-common's (podman's, looser).
SECCOMP_PROFILE=/usr/share/berth/seccomp/docker-default.json
if [ ! -s "$SECCOMP_PROFILE" ]; then
  tmp=$(mktemp -d)
  chmod 755 "$tmp"
  if ! (cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev 2>/dev/null); then
    apt-get update -qq
    (cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev 2>/dev/null)
  fi
  mkdir -p "$(dirname "$SECCOMP_PROFILE")"
  dpkg-deb --fsys-tarfile "$tmp"/golang-github-docker-docker-dev_*.deb |
    tar -xO ./usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json >"$SECCOMP_PROFILE.tmp"
  mv "$SECCOMP_PROFILE.tmp" "$SECCOMP_PROFILE"
  rm -rf "$tmp"
  echo "berth: installed Docker's default seccomp profile at $SECCOMP_PROFILE"
fi

# --userns-remap's ID-mapped layer mounts need open_tree/mount_setattr/move_mount, which Node
# cannot call: a 100-line C helper (native/idmap-mount.c) makes them.
IDMAP_HELPER=/usr/local/libexec/berth/idmap-mount
if [ ! -x "$IDMAP_HELPER" ] || [ native/idmap-mount.c -nt "$IDMAP_HELPER" ]; then
  mkdir -p "$(dirname "$IDMAP_HELPER")"
  gcc -O2 -Wall -o "$IDMAP_HELPER.tmp" native/idmap-mount.c && mv "$IDMAP_HELPER.tmp" "$IDMAP_HELPER"
  echo "berth: built $IDMAP_HELPER"
fi

# berthd's Node-API addons, built against the installed node's headers (the nodejs package ships
# them); without one, berthd does its work as before (src/host/native-addon.ts):
# - mount: mount(2)/umount2(2) (2–3 ms less per mount than a util-linux process), and the
#   malloc_trim/madvise an idle berthd gives memory back with;
# - spawn: programs (conmon, crun, ip) started with vfork on libuv's pool instead of a fork on
#   the event loop (src/host/spawn.ts);
# - socket: what a hijacked attach's client has not read yet (src/host/socket-queue.ts).
NODE_INCLUDE=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node
build_addon() { # name source
  local out=/usr/local/libexec/berth/berth-$1.node src=$2
  [ -f "$NODE_INCLUDE/node_api.h" ] || return 0
  if [ ! -f "$out" ] || [ "$src" -nt "$out" ] || [ native/napi-common.h -nt "$out" ] || [ "$(command -v node)" -nt "$out" ]; then
    mkdir -p "$(dirname "$out")"
    gcc -O2 -Wall -shared -fPIC -I"$NODE_INCLUDE" -o "$out.tmp" "$src" && mv "$out.tmp" "$out"
    echo "berth: built $out"
  fi
}
build_addon mount native/mount-addon.c
build_addon spawn native/spawn-addon.c
build_addon socket native/socket-addon.c

# crun refuses a "hybrid" cgroup host: v1 controllers plus a cgroup2 mount that still owns one
# (here hugetlb). Mounting that controller as its own v1 hierarchy (what systemd does on hybrid
# hosts) hands it back to v1, and crun works. Without this berthd falls back to runc.
# shellcheck source=lib/cgroup-layout.sh
. scripts/lib/cgroup-layout.sh
for c in $(controllers_on_cgroup2 /sys/fs/cgroup/unified/cgroup.controllers); do
  if ! v1_hierarchy_mounted "$c"; then
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" && echo "berth: mounted the $c cgroup controller as a v1 hierarchy (crun needs it)"
  fi
done
for c in $(unmounted_v1_controllers /proc/cgroups /proc/self/mountinfo); do
  mkdir -p "/sys/fs/cgroup/$c"
  mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" && echo "berth: mounted the $c cgroup hierarchy again (it existed, mounted nowhere)"
done
if [ -n "$(controllers_on_cgroup2 /sys/fs/cgroup/unified/cgroup.controllers)" ]; then
  echo "berth: warning: controllers still on cgroup2 ($(controllers_on_cgroup2 /sys/fs/cgroup/unified/cgroup.controllers | tr '\n' ' ')); crun will refuse containers and berthd will use runc" >&2
fi

# Every container start and exec moves a process into the container's cgroups. Without the
# cgroup2 option favordynmods the first such write after a pause waits for an RCU grace period
# (the global threadgroup lock's writer side): 10-30 ms of a 25 ms `docker exec` here, measured in
# crun's write to cgroup.procs. The kernel's documented trade-off is slightly dearer forks and
# exits everywhere; a container host moves processes between cgroups all the time, so berth takes
# it (Linux 6.0+; older kernels refuse the option and nothing changes). The option is global: one
# cgroup2 mount with it is enough, and on hybrid hosts that is /sys/fs/cgroup/unified.
# BERTH_FAVOR_DYNMODS=0 leaves the host as it is.
if [ "${BERTH_FAVOR_DYNMODS:-1}" != 0 ]; then
  m=$(cgroup2_without_favordynmods /proc/self/mountinfo | head -n 1)
  if [ -n "$m" ] && mount -o remount,favordynmods "$m" 2>/dev/null; then
    echo "berth: remounted $m with favordynmods (fast cgroup moves for container starts and execs)"
  fi
fi

getent group berth >/dev/null || groupadd --system berth

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: node-unix-socket lists prebuilt packages for other platforms that
  # are not all published, which leaves the lock file without them and makes npm ci refuse.
  npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent build

ln -sf "$PWD/bin/berth" /usr/local/bin/berth
ln -sf "$PWD/bin/berthd" /usr/local/bin/berthd
