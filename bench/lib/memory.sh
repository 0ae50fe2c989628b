# Memory figures from /proc: PSS (proportional set size: shared pages divided among the processes
# that map them, so summing PSS over N supervisors counts their shared libraries once) and RSS.
# Results go to $MEM_TSV as "engine<TAB>key<TAB>value" lines; bench/report.ts formats them.
# shellcheck shell=bash

pss_kib() { awk '/^Pss:/ {print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ {print $2; exit}' "/proc/$1/status" 2>/dev/null || echo 0; }
sum_kib() { local f=$1 t=0 p v; shift; for p in "$@"; do v=$("$f" "$p"); t=$((t + ${v:-0})); done; echo "$t"; }

mem_record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$MEM_TSV"; }

# Per-container supervisor processes of each engine, found by their command line (which names
# this bench's own directories, so another engine on the machine is never counted).
supervisor_pids() {
  local engine=$1 pid comm cmd
  for pid in $(pids_mentioning "$BENCH_TMP/"); do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
    case $engine:$comm in
      berth:conmon) [[ $cmd == *"$BERTH_EXEC/"* ]] && echo "$pid" ;;
      dockerd:containerd-shim*) [[ $cmd == *"$DOCKERD_EXEC/"* ]] && echo "$pid" ;;
      podman:conmon) [[ $cmd == *"$BENCH_TMP/podman/"* ]] && echo "$pid" ;;
    esac
  done
  return 0
}

# Direct children of the supervisors: the containers' own processes (excluded from overhead).
container_pids() {
  local s c
  for s in "$@"; do
    for c in $(cat "/proc/$s/task/"*/children 2>/dev/null); do echo "$c"; done
  done
}

# daemon_pids ENGINE: the long-lived processes an engine keeps whether or not containers run.
daemon_pids() {
  case $1 in
    berth) echo "$BERTHD_PID" ;;
    dockerd) echo "$DOCKERD_PID $CONTAINERD_PID" ;;
    podman) ;; # daemonless
  esac
}

# run_detached ENGINE N: starts N `sleep` containers with the engine's own CLI.
run_detached() {
  local engine=$1 n=$2 i
  for ((i = 0; i < n; i++)); do
    case $engine in
      # berth's CLI, or the docker CLI if berth's cannot (what is measured is berthd's side).
      berth) "${CLEAN_ENV[@]}" "$BERTH_CLI" -H "unix://$BERTH_SOCK" run -d busybox sleep 86400 ||
        "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$BERTH_SOCK" run -d busybox sleep 86400 ;;
      dockerd) "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" run -d busybox sleep 86400 ;;
      podman) podman_do run -d $(podman_run_flags) busybox sleep 86400 ;;
    esac >/dev/null || return 1
  done
}

# measure_memory ENGINE N
measure_memory() {
  local engine=$1 n=$2 daemons sup conts
  read -r -a daemons <<<"$(daemon_pids "$engine")"
  if [ "${#daemons[@]}" -gt 0 ]; then
    mem_record "$engine" daemon_idle_rss_kib "$(sum_kib rss_kib "${daemons[@]}")"
    mem_record "$engine" daemon_idle_pss_kib "$(sum_kib pss_kib "${daemons[@]}")"
  fi
  log "memory: $engine: starting $n sleep containers"
  if ! run_detached "$engine" "$n"; then
    log "memory: $engine: could not start $n containers"
    mem_record "$engine" error "run -d failed"
    remove_all_containers "$engine"
    return 0
  fi
  sleep 2 # let every supervisor settle (conmon's log and attach set-up, shim's first GC)
  read -r -a sup <<<"$(supervisor_pids "$engine" | tr '\n' ' ')"
  read -r -a conts <<<"$(container_pids "${sup[@]}" | tr '\n' ' ')"
  mem_record "$engine" containers "$n"
  mem_record "$engine" supervisors "${#sup[@]}"
  mem_record "$engine" supervisor_pss_kib "$(sum_kib pss_kib "${sup[@]}")"
  mem_record "$engine" supervisor_rss_kib "$(sum_kib rss_kib "${sup[@]}")"
  mem_record "$engine" container_pss_kib "$(sum_kib pss_kib "${conts[@]}")"
  if [ "${#daemons[@]}" -gt 0 ]; then
    mem_record "$engine" daemon_busy_rss_kib "$(sum_kib rss_kib "${daemons[@]}")"
    mem_record "$engine" daemon_busy_pss_kib "$(sum_kib pss_kib "${daemons[@]}")"
  fi
  log "memory: $engine: ${#sup[@]} supervisors, $(sum_kib pss_kib "${sup[@]}") KiB PSS in all"
  remove_all_containers "$engine"
}
