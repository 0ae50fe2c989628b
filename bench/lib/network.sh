# The bench's own network names and subnets, the removal of whatever network state its engines
# leave on the host (links, iptables chains, sysctls), and the published-port throughput runs.
#
# Names and subnets nothing else on this machine uses:
#   - a /20 of 10.250.0.0/16, claimed with a lock file (/tmp/berth-bench-net/<block>) so two bench
#     runs never share one, and only if no route of the host falls inside it. The test harness
#     takes its blocks from 10.128.0.0/10 and berthd's defaults are 10.87.0.0/16 and
#     10.210.0.0/16, so neither can collide with it;
#   - a name prefix `bb` + 4 random hex digits (none of the host's links or iptables chains starts
#     with it): berthd's bridge <prefix>0, veths <prefix>v…, chains <PREFIX>-…; dockerd's bridge
#     <prefix>d; podman's bridge <prefix>p.
# Inside the block: berthd's default bridge 10.250.B.1/24 and user-network pool 10.250.(B+8).0/21;
# dockerd's bridge 10.250.(B+1).1/24; podman's network 10.250.(B+2).0/24.
# shellcheck shell=bash

NET_LOCKS=/tmp/berth-bench-net
NET_LOCK= NET_PREFIX= NET_A= NET_B=
BERTH_BRIDGE= BERTH_BIP= BERTH_POOL= DOCKER_BRIDGE= DOCKER_BRIDGE_CIDR= PODMAN_BRIDGE= PODMAN_SUBNET= PODMAN_NET=

# routes_inside A B: does a route of the host overlap 10.A.B.0/20 (inside it, or containing it)?
routes_inside() {
  ip -4 route show table all 2>/dev/null | awk -v a="$1" -v b="$2" '
    function num(ip,  p) { split(ip, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
    { dst = ($1 ~ /^[0-9]/) ? $1 : $2 }
    dst ~ /^[0-9.]+(\/[0-9]+)?$/ {
      n = split(dst, d, "/"); len = (n > 1) ? d[2] : 32
      lo = num(d[1]); size = 2 ^ (32 - len); lo = lo - (lo % size); hi = lo + size - 1
      blo = num("10." a "." b ".0"); bhi = blo + 4095
      if (lo <= bhi && blo <= hi) found = 1
    }
    END { exit !found }'
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
  local links chains
  links=$(ls /sys/class/net) chains=$(iptables-save 2>/dev/null || true)
  for ((i = 0; i < 50; i++)); do
    p=bb$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
    if grep -q "^$p" <<<"$links" || grep -q -- "${p^^}-" <<<"$chains"; then continue; fi
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
# fixed time: with 32 connections (as the issue has it) and with 8. busybox httpd listens with a
# backlog of 9, so 32 connections overflow it: SYNs are dropped and retried after 1 s, which wrk
# counts in requests/s but not in its latency (it starts the clock once connected), while behind
# docker-proxy the same wait falls inside the request; 8 connections stay below the backlog. A
# second container without a published port is loaded straight at its bridge address (no DNAT,
# no proxy, 8 connections): what the server itself can do here. It is a container of its own
# because the connections to it come from the same bridge address as those DNAT masquerades:
# in one container, the TIME_WAIT sockets of one run would turn away (PAWS) the SYNs of the next.
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

# http_ok HOST PORT: one GET / answered with the page.
http_ok() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/$0/$1 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && grep -q "berth bench" <&3' "$1" "$2"
}

# CPU time (ms) used so far by the docker-proxy processes of host port PORT (dockerd's children).
proxy_cpu_ms() {
  local pid total=0 tck
  tck=$(getconf CLK_TCK)
  for pid in $(pgrep -x docker-proxy 2>/dev/null); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-host-port $1 " || continue
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo $(( total * 1000 / tck ))
}

engine_sock() { if [ "$1" = berth ]; then echo "$BERTH_SOCK"; else echo "$DOCKERD_SOCK"; fi; }

# start_web ENGINE NAME [PORT]: runs a web container (published on 127.0.0.1:PORT if given),
# prints its bridge address once it answers there.
start_web() {
  local engine=$1 name=$2 port=${3:-} cli ip
  case $engine in
    berth) cli=("$BERTH_CLI" -H "unix://$BERTH_SOCK") ;;
    dockerd) cli=("$DOCKER_CLI" -H "unix://$DOCKERD_SOCK") ;;
  esac
  "${CLEAN_ENV[@]}" "${cli[@]}" run -d --name "$name" ${port:+-p "127.0.0.1:$port:80"} busybox sh -c "$WEB_SCRIPT" >/dev/null || return 1
  ip=$("${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$(engine_sock "$engine")" inspect -f '{{.NetworkSettings.IPAddress}}' "$name") || return 1
  wait_for 10 http_ok "$ip" 80 || return 1
  [ -z "$port" ] || wait_for 10 http_ok 127.0.0.1 "$port" || return 1
  echo "$ip"
}

stop_web() {
  "${CLEAN_ENV[@]}" "$DOCKER_CLI" -H "unix://$(engine_sock "$1")" rm -f bench-web bench-web-direct >/dev/null 2>&1 || true
}

# Conntrack entries of closed connections live up to 120 s; many short connections could fill the
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

# measure_throughput: the web containers on berthd and on dockerd, then WRK_ROUNDS rounds of wrk
# against each target (the order rotates every round). Results: $OUT/wrk/<target>-r<N>.txt,
# targets named <engine>-<published|direct>-c<connections>.
measure_throughput() {
  local dir=$OUT/wrk targets=() urls=() conns=() engine port ip r j i t cpu0 docker_port=
  mkdir -p "$dir"
  for engine in berth dockerd; do
    [ "$engine" = berth ] || [ "$have_dockerd_engine" -eq 1 ] || continue
    local tag=${engine/dockerd/docker}
    if port=$(free_port) && ip=$(start_web "$engine" bench-web "$port"); then
      targets+=("$tag-published-c32" "$tag-published-c8") urls+=("http://127.0.0.1:$port/" "http://127.0.0.1:$port/") conns+=(32 8)
      echo "$tag-published: 127.0.0.1:$port → $ip:80" >>"$dir/targets.txt"
      [ "$engine" = berth ] || docker_port=$port
    else
      log "throughput: the $engine web container does not answer on 127.0.0.1:${port:-?}"
      echo "$engine: published web container failed" >>"$OUT/failed.txt"
    fi
    if ip=$(start_web "$engine" bench-web-direct); then
      targets+=("$tag-direct-c8") urls+=("http://$ip:80/") conns+=(8)
      echo "$tag-direct: $ip:80" >>"$dir/targets.txt"
    else
      log "throughput: the $engine direct web container does not answer"
    fi
  done
  for ((r = 1; r <= WRK_ROUNDS; r++)); do
    for ((j = 0; j < ${#targets[@]}; j++)); do
      i=$(( (j + r - 1) % ${#targets[@]} )) t=${targets[$i]}
      wait_conntrack
      log "throughput round $r/$WRK_ROUNDS: $t (${urls[$i]}): wrk -t2 -c${conns[$i]} -d${WRK_DURATION}s"
      echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$dir/$t-r$r.txt"
      [ -z "$docker_port" ] || cpu0=$(proxy_cpu_ms "$docker_port")
      "${CLEAN_ENV[@]}" timeout $((WRK_DURATION + 60)) wrk -t2 "-c${conns[$i]}" "-d${WRK_DURATION}s" --timeout 5s --latency \
        -s "$REPO/bench/wrk-json.lua" "${urls[$i]}" >>"$dir/$t-r$r.txt" 2>&1 || log "wrk against $t failed"
      # What docker-proxy spent (user + system CPU) while serving this run.
      [[ $t != docker-published-* ]] || echo "PROXY_CPU_MS $(( $(proxy_cpu_ms "$docker_port") - cpu0 ))" >>"$dir/$t-r$r.txt"
    done
  done
  stop_web berth
  [ "$have_dockerd_engine" -eq 0 ] || stop_web dockerd
}
