#!/usr/bin/env bash
# The README's second command: build, then run unit and integration tests in parallel (each
# integration file starts its own berthd on its own socket, data root and cgroup parent).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh >/dev/null || exit 1
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
# A test that hangs fails after 10 minutes (the longest take ~2), and its file's after-hooks
# still clean up: a hang must not hold the run until CI's limit.
node --test --test-concurrency="${BERTH_TEST_CONCURRENCY:-4}" --test-timeout=600000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  $(find dist/src dist/test -name '*.test.js' | sort)
status=$?
pass=$(grep -m1 -E '^# pass ' "$tap" | awk '{print $3}')
fail=$(grep -m1 -E '^# fail ' "$tap" | awk '{print $3}')
skip=$(grep -m1 -E '^# skipped ' "$tap" | awk '{print $3}')
cancelled=$(grep -m1 -E '^# cancelled ' "$tap" | awk '{print $3}')
echo "${pass:-0} passed, ${fail:-0} failed, ${cancelled:-0} cancelled (timed out), ${skip:-0} skipped"
exit $status
