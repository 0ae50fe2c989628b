#!/usr/bin/env bash
# Runs docker-py's own integration suite against a fresh test berthd.
#   test/docker-py/run.sh [--dockerd] DOCKER_PY_SRC [pytest args…]
# --dockerd: the same suite, with the same stand-in images (busybox from the host's busybox-static,
# tagged under the same names), against a private dockerd 20.10 instead (its own data and exec
# root, socket, pidfile, a bridge of its own, no iptables; stopped by its PID at the end), to
# compare outcomes: test/docker-py/compare.sh runs both.
# DOCKER_PY_SRC is a docker-py source tree (tests/ of tag 7.2.0; not vendored here, and PyPI has
# only the wheel, which carries no tests). A venv with docker==7.2.0, pytest and the suite's
# helpers (paramiko, websocket-client) is made under $BERTH_DPY_VENV (default
# /tmp/berth-docker-py-venv). BERTH_DPY_TESTS picks files (default tests/integration). Swarm, service, secret, config,
# node and plugin files are left out (berth is no swarm manager and has no plugins).
set -euo pipefail
engine=berthd
[ "${1:-}" != --dockerd ] || { engine=dockerd; shift; }
src=${1:?usage: run.sh [--dockerd] DOCKER_PY_SRC [pytest args]}; shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${BERTH_DPY_VENV:-/tmp/berth-docker-py-venv}
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q docker==7.2.0 pytest==9.1.1 pytest-timeout==2.4.0 paramiko==5.0.0 websocket-client==1.9.2
fi
hostfile=$(mktemp)
# docker-py keeps contexts under $HOME/.docker: a fresh one per run.
home=$(mktemp -d)
if [ "$engine" = berthd ]; then
  node "$repo/dist/test/docker-py/serve.js" "$hostfile" &
  serve=$!
  trap 'kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$hostfile" "$home"' EXIT
  for _ in $(seq 300); do [ -s "$hostfile" ] && break; sleep 0.1; done
  [ -s "$hostfile" ] || { echo "test berthd did not come up" >&2; exit 1; }
else
  # A private dockerd: nothing of the host's /etc/docker, /var/lib/docker or /run/docker. Its
  # bridge (DPY_DOCKERD_BRIDGE, DPY_DOCKERD_CIDR) is made here and removed at exit; with
  # --iptables=false none of its chains outlive it. Images it lacks it would pull from Docker
  # Hub: offline, those pulls just fail (the same tests need Docker Hub on berthd).
  dd=$(mktemp -d /tmp/dpy-dockerd.XXXXXX)
  br=${DPY_DOCKERD_BRIDGE:-dpyd0} cidr=${DPY_DOCKERD_CIDR:-10.251.77.1/24}
  ddpid=
  stop_dockerd() {
    if [ -n "$ddpid" ]; then
      kill -TERM "$ddpid" 2>/dev/null || true
      for _ in $(seq 300); do kill -0 "$ddpid" 2>/dev/null || break; sleep 0.1; done
      ctrd=$(cat "$dd/exec/containerd/containerd.pid" 2>/dev/null || true)
      [ -z "$ctrd" ] || ! kill -0 "$ctrd" 2>/dev/null || kill -TERM "$ctrd" 2>/dev/null || true
    fi
    ip link del "$br" 2>/dev/null || true
    umount -R "$dd/data" 2>/dev/null || true
    rm -rf "$dd" "$hostfile" "$home"
  }
  trap stop_dockerd EXIT
  ip link add "$br" type bridge && ip addr add "$cidr" dev "$br" && ip link set "$br" up
  echo '{}' >"$dd/daemon.json"
  setsid /usr/sbin/dockerd --data-root "$dd/data" --exec-root "$dd/exec" -H "unix://$dd/docker.sock" \
    --pidfile "$dd/dockerd.pid" --config-file "$dd/daemon.json" --bridge="$br" \
    --iptables=false --ip-masq=false --ip6tables=false --ip-forward=false \
    --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent dpy-dockerd --log-level warn \
    >"$dd/dockerd.log" 2>&1 </dev/null &
  ddpid=$!
  cli=(/usr/local/bin/docker -H "unix://$dd/docker.sock")
  for _ in $(seq 300); do "${cli[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
  "${cli[@]}" version >/dev/null || { echo "dockerd did not come up: $(tail -5 "$dd/dockerd.log")" >&2; exit 1; }
  # The stand-in images, as serve.ts makes them for berthd.
  bash "$repo/scripts/bootstrap-busybox.sh" --tar-only "$dd/busybox.tar"
  "${cli[@]}" import -c 'CMD ["sh"]' "$dd/busybox.tar" busybox:latest >/dev/null
  for tag in alpine:3.10 alpine:latest busybox:buildroot-2014.02 hello-world:latest; do
    "${cli[@]}" tag busybox:latest "$tag"
  done
  echo "unix://$dd/docker.sock" >"$hostfile"
fi
# Without a config file docker-py keeps contexts in ./contexts: give it one under the fresh home.
mkdir -p "$home/.docker" && echo '{}' > "$home/.docker/config.json"
export HOME=$home DOCKER_HOST=$(cat "$hostfile") DOCKER_TEST_API_VERSION=1.41
cd "$src"
"$venv/bin/pytest" -p no:cacheprovider --timeout=120 -rfEs ${BERTH_DPY_TESTS:-tests/integration} \
  --ignore=tests/integration/api_swarm_test.py --ignore=tests/integration/models_swarm_test.py \
  --ignore=tests/integration/api_service_test.py --ignore=tests/integration/models_services_test.py \
  --ignore=tests/integration/api_secret_test.py --ignore=tests/integration/api_config_test.py \
  --ignore=tests/integration/models_nodes_test.py --ignore=tests/integration/api_plugin_test.py \
  --ignore=tests/integration/credentials "$@"
