# The bench's own network names and subnets, the removal of whatever network state its engines
# leave on the host (links, iptables chains, sysctls), and the published-port throughput runs.
#
# Names and subnets nothing else on this machine uses:
#   - a /20 of 10.250.0.0/16, claimed with a lock file (/tmp/berth-bench-net/<block>) so two bench
#     runs never share one, and only if no route of the host falls inside it. The test harness
#     takes its blocks from 10.128.0.0/10 and berthd's defaults are 10.87.0.0/16 and
#     10.210.0.0/16, so neither can collide with it;
#   - a name prefix `bb` + 4 random [a-z0-9] (none of the host's links or iptables chains starts
#     with it): berthd's bridge <prefix>0, veths <prefix>v…, chains <PREFIX>-…; dockerd's bridge
#     <prefix>d; podman's bridge <prefix>p.
# Inside the block: berthd's default bridge 10.250.B.1/24 and user-network pool 10.250.(B+8).0/21;
# dockerd's bridge 10.250.(B+1).1/24; podman's network 10.250.(B+2).0/24.
# shellcheck shell=bash

NET_LOCKS=/tmp/berth-bench-net
NET_LOCK= NET_PREFIX= NET_A= NET_B=
BERTH_BRIDGE= BERTH_BIP= BERTH_POOL= DOCKER_BRIDGE= DOCKER_BRIDGE_CIDR= PODMAN_BRIDGE= PODMAN_SUBNET= PODMAN_NET=

routes_inside() { # routes_inside A B: does a route of the host fall inside 10.A.B.0/20?
  ip -4 route show table all 2>/dev/null | awk '{print $1}' | grep -qE "^10\.$1\.($2|$(($2 + 1))|$(($2 + 2))|$(($2 + 3))|$(($2 + 4))|$(($2 + 5))|$(($2 + 6))|$(($2 + 7))|$(($2 + 8))|$(($2 + 9))|$(($2 + 10))|$(($2 + 11))|$(($2 + 12))|$(($2 + 13))|$(($2 + 14))|$(($2 + 15)))\."
}

claim_net_block() {
  mkdir -p "$NET_LOCKS"
  local b lock owner p i
  for b in 0 16 32 48 64 80 96 112 128 144 160 176 192 208 224 240; do
    lock=$NET_LOCKS/10.250.$b.0-20
    if ! (set -o noclobber; echo "$$" >"$lock") 2>/dev/null; then
      owner=$(cat "$lock" 2>/dev/null || true)
      # A lock whose owner is gone is stale: take it over.
      if [ -n "$owner" ] && [ ! -d "/proc/$owner" ]; then rm -f "$lock"; (set -o noclobber; echo "$$" >"$lock") 2>/dev/null || continue
      else continue; fi
    fi
    if routes_inside 250 "$b"; then rm -f "$lock"; continue; fi
    NET_LOCK=$lock NET_A=250 NET_B=$b
    break
  done
  [ -n "$NET_LOCK" ] || die "no free /20 in 10.250.0.0/16 for the bench's networks"
  for ((i = 0; i < 50; i++)); do
    p=bb$(tr -dc 'a-z0-9' </dev/urandom | head -c4)
    ls /sys/class/net | grep -q "^$p" && continue
    iptables-save 2>/dev/null | grep -q -- "${p^^}-" && continue
    NET_PREFIX=$p
    break
  done
  [ -n "$NET_PREFIX" ] || die "no free network name prefix"
  BERTH_BRIDGE=${NET_PREFIX}0 BERTH_BIP=10.$NET_A.$NET_B.1/24 BERTH_POOL=base=10.$NET_A.$((NET_B + 8)).0/21,size=24
  DOCKER_BRIDGE=${NET_PREFIX}d DOCKER_BRIDGE_CIDR=10.$NET_A.$((NET_B + 1)).1/24
  PODMAN_BRIDGE=${NET_PREFIX}p PODMAN_SUBNET=10.$NET_A.$((NET_B + 2)).0/24 PODMAN_NET=${NET_PREFIX}net
  log "network: prefix $NET_PREFIX, block 10.$NET_A.$NET_B.0/20 (berthd $BERTH_BRIDGE $BERTH_BIP, dockerd $DOCKER_BRIDGE $DOCKER_BRIDGE_CIDR, podman $PODMAN_BRIDGE $PODMAN_SUBNET)"
}

release_net_block() { [ -z "$NET_LOCK" ] || rm -f "$NET_LOCK"; NET_LOCK=; }

# remove_iptables_chains REGEX: in every table, deletes the rules of other chains that jump to a
# chain whose name matches REGEX, then flushes and deletes those chains. Rule by rule (never
# iptables-restore of a whole table): other daemons on this machine change their own chains
# concurrently. Only called with names this bench's engines made (see cleanup).
remove_iptables_chains() {
  local re=$1 table saved line chain target c chains
  command -v iptables-save >/dev/null || return 0
  for table in filter nat mangle raw; do
    saved=$(iptables-save -t "$table" 2>/dev/null) || continue
    while IFS= read -r line; do
      chain=${line#-A }; chain=${chain%% *}
      target=$(sed -nE 's/.* -[jg] ([^ ]+)( .*)?$/\1/p' <<<"$line")
      if [[ ! $chain =~ $re ]] && [[ -n $target && $target =~ $re ]]; then
        # iptables-save quotes as the shell does (comments); the line is ours (its target matched).
        eval "iptables -w -t $table -D ${line#-A }" 2>/dev/null && log "removed iptables rule: -t $table $line"
      fi
    done < <(grep '^-A ' <<<"$saved")
    chains=()
    while IFS= read -r c; do [[ $c =~ $re ]] && chains+=("$c"); done < <(grep '^:' <<<"$saved" | cut -c2- | cut -d' ' -f1)
    for c in "${chains[@]}"; do iptables -w -t "$table" -F "$c" 2>/dev/null; done
    for c in "${chains[@]}"; do iptables -w -t "$table" -X "$c" 2>/dev/null && log "removed iptables chain: -t $table $c"; done
  done
  return 0
}

# remove_links PREFIX: deletes every link whose name starts with PREFIX (bridges and veths the
# bench's engines made; a veth goes with its namespace, so these are only ever leftovers).
remove_links() {
  local l
  [ -n "$1" ] || return 0
  for l in $(ls /sys/class/net); do
    case $l in "$1"*) ip link del "$l" 2>/dev/null && log "removed link $l" ;; esac
  done
  return 0
}

# The sysctls engines may set: recorded before the run and put back after it if an engine of the
# bench changed them (dockerd runs with --ip-forward=false; berthd and netavark set ip_forward=1
# when it is 0, which it already is on these machines).
NET_SYSCTLS=(net/ipv4/ip_forward net/ipv4/conf/all/route_localnet net/ipv4/conf/default/route_localnet
  net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables net/ipv4/conf/all/forwarding)
declare -A SYSCTL_BEFORE=()
record_sysctls() { local s; for s in "${NET_SYSCTLS[@]}"; do SYSCTL_BEFORE[$s]=$(cat "/proc/sys/$s" 2>/dev/null || echo absent); done; }
restore_sysctls() {
  local s now
  for s in "${!SYSCTL_BEFORE[@]}"; do
    now=$(cat "/proc/sys/$s" 2>/dev/null || echo absent)
    if [ "$now" != "${SYSCTL_BEFORE[$s]}" ] && [ "${SYSCTL_BEFORE[$s]}" != absent ]; then
      echo "${SYSCTL_BEFORE[$s]}" >"/proc/sys/$s" && log "restored $s to ${SYSCTL_BEFORE[$s]} (was $now)"
    fi
  done
}

# ---- published-port throughput -----------------------------------------------------------------
# A busybox httpd serving a small index.html, published on 127.0.0.1:PORT, loaded by wrk for a
# fixed time; also loaded straight at the container's bridge address (no DNAT, no proxy), which is
# what the server itself can do on this machine.
WEB_SCRIPT='mkdir -p /www && echo "<html><body>berth bench</body></html>" >/www/index.html && exec httpd -f -p 80 -h /www'

# A TCP port free on 127.0.0.1 (and on 0.0.0.0), from 20000–29999.
free_port() {
  local p i used
  used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed -E 's/.*:([0-9]+)$/\1/' | sort -u)
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 10000))
    grep -qx "$p" <<<"$used" || { echo "$p"; return 0; }
  done
  return 1
}

# http_ok URL-HOST PORT: one GET / answered with the page.
http_ok() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/$0/$1 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && grep -q "berth bench" <&3' "$1" "$2"
}

# start_web ENGINE PORT: runs the web container (name bench-web), prints its bridge address.
start_web() {
  local engine=$1 port=$2 cli
  case $engine in
    berth) cli=("$REPO/bin/berth" -H "unix://$BERTH_SOCK") ;;
    dockerd) cli=("$DOCKER_CLI" -H "unix://$DOCKERD_SOCK") ;;
  esac
  "${CLEAN_ENV[@]}" "${cli[@]}" run -d --name bench-web -p "127.0.0.1:$port:80" busybox sh -c "$WEB_SCRIPT" >/dev/null || return 1
  "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$([ "$engine" = berth ] && echo "$BERTH_SOCK" || echo "$DOCKERD_SOCK")" \
    inspect -f '{{.NetworkSettings.IPAddress}}' bench-web
}

stop_web() {
  local sock=$1
  "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$sock" rm -f bench-web >/dev/null 2>&1 || true
}

# Conntrack entries of closed connections live 120 s; many short connections could fill the
# table, which every daemon on the machine shares. Waits until it is below a quarter full.
wait_conntrack() {
  local count=/proc/sys/net/netfilter/nf_conntrack_count max=/proc/sys/net/netfilter/nf_conntrack_max
  [ -r "$count" ] && [ -r "$max" ] || return 0
  local limit=$(( $(cat "$max") / 4 )) waited=0
  while [ "$(cat "$count")" -gt "$limit" ] && [ "$waited" -lt 150 ]; do
    [ "$waited" -gt 0 ] || log "conntrack table at $(cat "$count") of $(cat "$max") entries: waiting for it to drain"
    sleep 5; waited=$((waited + 5))
  done
}

# measure_throughput: the web container on berthd and on dockerd, then WRK_ROUNDS rounds of
# wrk against each target (the order rotates every round). Results: $OUT/wrk/<target>-r<N>.txt.
measure_throughput() {
  local dir=$OUT/wrk targets=() urls=() port ip r j i
  mkdir -p "$dir"
  port=$(free_port) || { log "throughput: no free port"; return 0; }
  if ip=$(start_web berth "$port") && wait_for 10 http_ok 127.0.0.1 "$port"; then
    targets+=(berth-published berth-direct) urls+=("http://127.0.0.1:$port/" "http://$ip:80/")
    echo "berth-published: 127.0.0.1:$port → $ip:80 (berthd DNAT)" >>"$dir/targets.txt"
  else
    log "throughput: the berth web container does not answer on 127.0.0.1:$port"
    echo "berth: web container failed" >>"$OUT/failed.txt"
  fi
  if [ "$have_dockerd_engine" -eq 1 ]; then
    port=$(free_port) || port=
    if [ -n "$port" ] && ip=$(start_web dockerd "$port") && wait_for 10 http_ok 127.0.0.1 "$port"; then
      targets+=(docker-published docker-direct) urls+=("http://127.0.0.1:$port/" "http://$ip:80/")
      echo "docker-published: 127.0.0.1:$port → $ip:80 (docker-proxy)" >>"$dir/targets.txt"
    else
      log "throughput: the dockerd web container does not answer on 127.0.0.1:${port:-?}"
      echo "dockerd: web container failed" >>"$OUT/failed.txt"
    fi
  fi
  for ((r = 1; r <= WRK_ROUNDS; r++)); do
    for ((j = 0; j < ${#targets[@]}; j++)); do
      i=$(( (j + r - 1) % ${#targets[@]} ))
      wait_conntrack
      log "throughput round $r/$WRK_ROUNDS: ${targets[$i]} (${urls[$i]}): wrk $WRK_ARGS"
      echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$dir/${targets[$i]}-r$r.txt"
      # shellcheck disable=SC2086
      "${CLEAN_ENV[@]}" timeout 120 wrk $WRK_ARGS --latency -s "$REPO/bench/wrk-json.lua" "${urls[$i]}" \
        >>"$dir/${targets[$i]}-r$r.txt" 2>&1 || log "wrk against ${targets[$i]} failed"
    done
  done
  # docker-proxy's CPU time: what the userland proxy costs (it exits with the container).
  stop_web "$BERTH_SOCK"
  [ "$have_dockerd_engine" -eq 0 ] || stop_web "$DOCKERD_SOCK"
}
