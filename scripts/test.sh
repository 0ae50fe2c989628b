#!/usr/bin/env bash
# The README's second command: build, then run unit and integration tests in parallel
# (each integration file starts its own berthd on its own socket, data root and cgroup parent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null
exec node --test --test-concurrency="${BERTH_TEST_CONCURRENCY:-4}" --test-reporter=spec \
  $(find dist/src dist/test -name '*.test.js' | sort)
