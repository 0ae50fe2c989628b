#!/usr/bin/env bash
# docker-py's integration suite against a private dockerd 20.10 and against a test berthd, one
# after the other (same stand-in images, same files left out), then the per-test comparison:
#   test/docker-py/compare.sh DOCKER_PY_SRC [OUT_DIR]
# Writes OUT_DIR/{dockerd,berthd}.{xml,log} and prints the counts and every test that passes on
# one daemon and not on the other (the README's docker-py paragraph is this output).
set -uo pipefail
src=${1:?usage: compare.sh DOCKER_PY_SRC [OUT_DIR]}
out=${2:-/tmp/berth-dpy-compare}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
bash "$here/run.sh" --dockerd "$src" -q --junitxml="$out/dockerd.xml" >"$out/dockerd.log" 2>&1
bash "$here/run.sh" "$src" -q --junitxml="$out/berthd.xml" >"$out/berthd.log" 2>&1
python3 "$here/compare.py" "$out/dockerd.xml" "$out/berthd.xml"
