#!/usr/bin/env bash
# The README's first command: install everything, start berthd, make the busybox image from the
# host's busybox-static, and run a first container.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh

SOCK=/run/berth/berth.sock
if ! berth version >/dev/null 2>&1; then
  mkdir -p /var/log
  setsid nohup berthd >>/var/log/berthd.log 2>&1 < /dev/null &
  for _ in $(seq 100); do
    [ -S "$SOCK" ] && berth version >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "berth: berthd started (pid $(cat /run/berth.pid), log /var/log/berthd.log)"
fi

if ! berth image inspect busybox:latest >/dev/null 2>&1; then
  bash scripts/bootstrap-busybox.sh
fi

berth run --rm busybox echo hello
