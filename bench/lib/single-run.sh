# Issue 9's figures for one container's run and the CLI's start, each against its baseline in the
# same minute (bench/paired.ts: A and B alternate, so both see the same spells of load on a shared
# machine; the ratio of the medians is what is reported, with the load average):
#   - `berth run --rm busybox true` and the docker CLI against berthd, each paired with docker
#     against dockerd (targets ≤ 0.3× and ≤ 0.2×);
#   - `berth version --format '{{.Client.Version}}'` paired with `node -e 0` (target ≤ 35 ms);
#   - berthd's own CPU time per `run --rm` (utime + stime of berthd over N docker runs / N): the
#     part of berthd's share of a run that no waiting on other processes inflates.
# Writes $OUT/single-run/*.json and single-run.md (bench/single-run-report.ts).
# shellcheck shell=bash

# cpu_ms PID...: utime + stime of the processes, in ms.
cpu_ms() {
  local tck pid sum=0 t
  tck=$(getconf CLK_TCK)
  for pid in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    sum=$((sum + t))
  done
  echo $((sum * 1000 / tck))
}

single_run_figures() {
  local pairs=${1:-30} dir=$OUT/single-run
  mkdir -p "$dir"
  local berth="$BERTH_CLI -H unix://$BERTH_SOCK run --rm busybox true"
  local dberth="$DOCKER_CLI -H unix://$BERTH_SOCK run --rm busybox true"
  local ddockerd="$DOCKER_CLI -H unix://$DOCKERD_SOCK run --rm busybox true"
  # Every run of the cache's command line after the first compiles nothing (the launcher's V8
  # code cache lives in the bench's $HOME/.cache/berth).
  local version="$BERTH_CLI version --format {{.Client.Version}}"
  echo "load before single-run: $(cut -d' ' -f1-3 /proc/loadavg)" >"$dir/load.txt"
  if [ -n "$DOCKERD_PID" ]; then
    log "single run: berth run against docker → dockerd, $pairs pairs"
    "${CLEAN_ENV[@]}" node "$REPO/dist/bench/paired.js" --runs "$pairs" --warmup 2 --out "$dir/berth.json" \
      -n berth "$berth" -n docker-dockerd "$ddockerd" || log "paired berth/dockerd failed"
    log "single run: docker → berthd against docker → dockerd, $pairs pairs"
    "${CLEAN_ENV[@]}" node "$REPO/dist/bench/paired.js" --runs "$pairs" --warmup 2 --out "$dir/docker-berthd.json" \
      -n docker-berthd "$dberth" -n docker-dockerd "$ddockerd" || log "paired docker-berthd/dockerd failed"
  fi
  log "single run: berth version against node -e 0, $((pairs * 2)) pairs"
  "${CLEAN_ENV[@]}" node "$REPO/dist/bench/paired.js" --runs "$((pairs * 2))" --warmup 3 --out "$dir/cli.json" \
    -n berth-version "$version" -n node "node -e 0" || log "paired berth version/node failed"
  # berthd's CPU per run, and dockerd's + containerd's for comparison (their shims are not counted).
  local n=$pairs before after
  before=$(cpu_ms "$BERTHD_PID")
  for ((i = 0; i < n; i++)); do "${CLEAN_ENV[@]}" $dberth >/dev/null 2>&1; done
  after=$(cpu_ms "$BERTHD_PID")
  echo "{\"engine\":\"berthd\",\"runs\":$n,\"cpuMs\":$((after - before))}" >"$dir/cpu.jsonl"
  if [ -n "$DOCKERD_PID" ]; then
    before=$(cpu_ms "$DOCKERD_PID" "$CONTAINERD_PID")
    for ((i = 0; i < n; i++)); do "${CLEAN_ENV[@]}" $ddockerd >/dev/null 2>&1; done
    after=$(cpu_ms "$DOCKERD_PID" "$CONTAINERD_PID")
    echo "{\"engine\":\"dockerd + containerd\",\"runs\":$n,\"cpuMs\":$((after - before))}" >>"$dir/cpu.jsonl"
  fi
  # The CLIs' CPU time per start (user + sys of N runs, from bash's `times`): what the load does
  # not inflate as much as the wall time.
  local c
  for c in "berth-version:$version" "node:node -e 0" "berth-no-daemon:$BERTH_CLI -H unix://$BENCH_TMP/nobody.sock run --rm busybox true" \
    "docker-no-daemon:$DOCKER_CLI -H unix://$BENCH_TMP/nobody.sock run --rm busybox true"; do
    "${CLEAN_ENV[@]}" bash -c 'n=$1; shift; for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done; times' _ "$pairs" ${c#*:} |
      awk -v name="${c%%:*}" -v n="$pairs" 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "{\"name\":\"%s\",\"runs\":%d,\"cpuMs\":%.1f}\n", name, n, (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' >>"$dir/cli-cpu.jsonl"
  done
  echo "load after single-run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/load.txt"
  node "$REPO/dist/bench/single-run-report.js" --dir "$dir" >"$OUT/single-run.md" || log "single-run report failed"
}
