#!/usr/bin/env bash
# Runs docker-py's own integration suite against a fresh test berthd.
#   test/docker-py/run.sh DOCKER_PY_SRC [pytest args…]
# DOCKER_PY_SRC is a docker-py source tree (tests/ of tag 7.2.0; not vendored here, and PyPI has
# only the wheel, which carries no tests). A venv with docker==7.2.0, pytest and the suite's
# helpers (paramiko, websocket-client) is made under $BERTH_DPY_VENV (default
# /tmp/berth-docker-py-venv). BERTH_DPY_TESTS picks files (default tests/integration). Swarm, service, secret, config,
# node and plugin files are left out (berth is no swarm manager and has no plugins).
set -euo pipefail
src=${1:?usage: run.sh DOCKER_PY_SRC [pytest args]}; shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${BERTH_DPY_VENV:-/tmp/berth-docker-py-venv}
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q docker==7.2.0 pytest==9.1.1 pytest-timeout==2.4.0 paramiko==5.0.0 websocket-client==1.9.2
fi
hostfile=$(mktemp)
# docker-py keeps contexts under $HOME/.docker: a fresh one per run.
home=$(mktemp -d)
node "$repo/dist/test/docker-py/serve.js" "$hostfile" &
serve=$!
trap 'kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$hostfile" "$home"' EXIT
for _ in $(seq 300); do [ -s "$hostfile" ] && break; sleep 0.1; done
[ -s "$hostfile" ] || { echo "test berthd did not come up" >&2; exit 1; }
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
