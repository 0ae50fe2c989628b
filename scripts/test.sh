#!/usr/bin/env bash
# The README's second command: build, then run unit and integration tests in parallel (each
# integration file starts its own berthd on its own socket, data root and cgroup parent).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null || exit 1
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --test --test-concurrency="${BERTH_TEST_CONCURRENCY:-4}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  $(find dist/src dist/test -name '*.test.js' | sort)
status=$?
pass=$(grep -m1 -E '^# pass ' "$tap" | awk '{print $3}')
fail=$(grep -m1 -E '^# fail ' "$tap" | awk '{print $3}')
skip=$(grep -m1 -E '^# skipped ' "$tap" | awk '{print $3}')
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
exit $status
