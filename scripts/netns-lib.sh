# shellcheck shell=bash
# Shared netns + veth + AF_XDP topology for scripts/demo-minimal.sh and tests/e2e/smoke.sh.
# Source it; it defines functions only (nl_*) and the variables below.
#
#   netns NL_H1 (10.0.0.1/24, eth0) ── veth ── sx0 ┐
#                                                 sxdp (root namespace): p0 = sx0, p1 = sx1
#   netns NL_H2 (10.0.0.2/24, eth0) ── veth ── sx1 ┘
#
# sxdp owns sx0/sx1 through net_af_xdp (one queue each). What veth needs here:
#  - both ends up (an AF_XDP socket on a veth whose peer is down sees nothing);
#  - one queue (veth defaults to 1 real queue; `ethtool -L` is applied anyway);
#  - checksum offload OFF on the hosts' eth0 (`ethtool -K eth0 tx off`): the
#    kernel hands a veth frame with a CHECKSUM_PARTIAL (unfinished) TCP/UDP
#    checksum to XDP as is, sxdp re-injects it on the other veth as a fresh
#    frame and the receiving host drops it for a bad checksum. ICMP is always
#    checksummed in software, so ping works either way; TCP would not;
#  - nothing else: veth has no zero-copy, the kernel uses copy mode by itself
#    (native XDP on veth, copy-mode AF_XDP), no xdpgeneric/force_copy needed.
# If net_af_xdp cannot start because the kernel gives no AF_XDP socket,
# nl_start_sxdp falls back to net_af_packet and says why in NL_AFXDP_WHY
# (NL_DRIVER tells which one runs; NL_DRIVER=af_packet forces it); any other
# AF_XDP failure is a failure: it returns 1.

NL_H1=${NL_H1:-h1}
NL_H2=${NL_H2:-h2}
NL_IF0=${NL_IF0:-sx0}
NL_IF1=${NL_IF1:-sx1}
NL_IP1=${NL_IP1:-10.0.0.1}
NL_IP2=${NL_IP2:-10.0.0.2}
NL_DRIVER=${NL_DRIVER:-af_xdp}
NL_DIR=""
NL_PID=""
NL_SOCK=""
NL_LOG=""
NL_PREFIX=""
NL_AFXDP_WHY=""
# NL_WORKERS=2: two worker lcores (the second shares CPU 1); AF_PACKET ports
# then get one queue pair per worker (net_af_xdp on veth has one queue only)
NL_WORKERS=${NL_WORKERS:-1}
# NL_IDLE_SLEEP=US: sxdp's config.idle_sleep_max_us (idle workers sleep; 0: they poll)
NL_IDLE_SLEEP=${NL_IDLE_SLEEP:-${SXDP_IDLE_SLEEP_US:-0}}

nl_say() { printf '%s\n' "$*"; }
# sxdp's memory as EAL arguments (items of a JSON list): MB on 4 KB pages,
# or at most MB of the 2 MB hugepages a test run reserved (SXDP_TEST_HUGE=1,
# tests/hugepool.sh), taken as needed, their files unlinked
nl_eal_mem() { # MB
  if [ "${SXDP_TEST_HUGE:-0}" = 1 ]; then printf '"--socket-limit", "%s", "--huge-unlink"' "$1"
  else printf '"--no-huge", "-m", "%s"' "$1"; fi
}

# Can this machine do the topology? Prints a reason and returns 1 if not.
nl_check() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "needs root (network namespaces, veth, AF_XDP)"; return 1
  fi
  local t
  for t in ip ethtool ping; do
    command -v "$t" >/dev/null || { echo "$t is not installed"; return 1; }
  done
  local probe="sxprobe$$"
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "cannot create a network namespace (ip netns add failed)"; return 1
  fi
  if ! ip link add "${probe}a" type veth peer name "${probe}b" netns "$probe" 2>/dev/null; then
    ip netns del "$probe" 2>/dev/null
    echo "cannot create a veth pair"; return 1
  fi
  ip link del "${probe}a" 2>/dev/null
  ip netns del "$probe" 2>/dev/null
  return 0
}

# Does this kernel lack AF_XDP? Prints why and returns 0 if it gives no
# AF_XDP socket; returns 1 when it does (then an AF_XDP port that does not
# start is sxdp's failure, not the machine's).
nl_no_afxdp() {
  python3 -c '
import socket, sys
try:
    socket.socket(44, socket.SOCK_RAW, 0).close()   # AF_XDP
except OSError as e:
    print("this kernel gives no AF_XDP socket (socket(AF_XDP): %s)" % e.strerror)
    sys.exit(0)
sys.exit(1)'
}

# Host namespace $1 with address $2 on eth0, its veth peer $3 in the root namespace.
nl_host() {
  local ns=$1 ip=$2 peer=$3
  ip netns add "$ns" || return 1
  ip link add "$peer" type veth peer name eth0 netns "$ns" || return 1
  ip -n "$ns" link set lo up
  # IPv6 off: no DAD/MLD/RS chatter in the counters.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  ip -n "$ns" addr add "$ip/24" dev eth0
  # See the header: the AF_XDP path does not finish partial checksums.
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 || true
  ip netns exec "$ns" ethtool -L eth0 rx 1 tx 1 >/dev/null 2>&1 || true
  ip -n "$ns" link set eth0 up
  sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" >/dev/null 2>&1 || true
  ethtool -L "$peer" rx 1 tx 1 >/dev/null 2>&1 || true
  ip link set "$peer" up
}

# Build the topology (removing a stale one of ours first).
nl_setup() {
  nl_teardown_ns
  nl_host "$NL_H1" "$NL_IP1" "$NL_IF0" && nl_host "$NL_H2" "$NL_IP2" "$NL_IF1"
}

# Delete network namespaces, after killing what still runs in them: a
# deleted netns does not stop its processes, and one a test left (a flood,
# a capture) would run on beside the next tier. Non-zero if one could not
# be deleted.
nl_ns_del() { # ns...
  local n pids rc=0
  for n; do
    pids=$(ip netns pids "$n" 2>/dev/null)
    # shellcheck disable=SC2086  # one pid a word
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null
    ip netns del "$n" 2>/dev/null || rc=1
  done
  return $rc
}

nl_teardown_ns() {
  nl_ns_del "$NL_H1" "$NL_H2"
  ip link del "$NL_IF0" 2>/dev/null
  ip link del "$NL_IF1" 2>/dev/null
  return 0
}

# Write the sxdp config for driver $1 (af_xdp | af_packet) to $NL_DIR/sxdp.json.
nl_config() {
  local drv=$1 d0 d1 workers="[1]" q=1
  [ "$NL_WORKERS" -lt 2 ] || { workers='[1, {"lcore": 2, "cpu": 1}]'; q=$NL_WORKERS; }
  case $drv in
    af_xdp)
      d0="net_af_xdp0,iface=$NL_IF0,start_queue=0,queue_count=1"
      d1="net_af_xdp1,iface=$NL_IF1,start_queue=0,queue_count=1" ;;
    af_packet)
      d0="net_af_packet0,iface=$NL_IF0,qpairs=$q"
      d1="net_af_packet1,iface=$NL_IF1,qpairs=$q" ;;
    *) echo "unknown driver $drv" >&2; return 1 ;;
  esac
  cat >"$NL_DIR/sxdp.json" <<EOF
{
  "eal": [$(nl_eal_mem 512), "--no-pci", "--file-prefix", "$NL_PREFIX"],
  "lcores": {"main": 0, "workers": $workers},
  "socket": "$NL_SOCK",
  "mbufs": 16384,
  "idle_sleep_max_us": $NL_IDLE_SLEEP,
  "pipeline": "forward",
  "ports": [
    {"name": "p0", "devargs": "$d0", "role": "lan", "rx_queues": $q, "rxd": 1024, "txd": 1024},
    {"name": "p1", "devargs": "$d1", "role": "lan", "rx_queues": $q, "rxd": 1024, "txd": 1024}
  ]
}
EOF
}

# Start sxdp ($1 = binary) with driver $2, wait for its socket. Returns 1 on failure.
nl_try_sxdp() {
  local bin=$1 drv=$2
  NL_PREFIX="sxnl$$_$drv"
  nl_config "$drv" || return 1
  nl_launch "$bin" "$NL_DIR/sxdp.json"
}

# Start sxdp ($1 = binary) on the topology: AF_XDP, else AF_PACKET.
# Sets NL_DRIVER to the driver in use.
nl_start_sxdp() {
  local bin=$1
  [ -n "$NL_DIR" ] || NL_DIR=$(mktemp -d /tmp/sxdp-netns.XXXXXX)
  NL_SOCK="$NL_DIR/sxdp.sock"
  if [ "$NL_DRIVER" = af_xdp ]; then
    if nl_try_sxdp "$bin" af_xdp; then
      return 0
    fi
    nl_say "NOTE: sxdp could not start on net_af_xdp here; its log:"
    sed 's/^/    /' "$NL_LOG" | tail -20
    nl_stop_sxdp >/dev/null 2>&1
    NL_AFXDP_WHY=$(nl_no_afxdp) || return 1
    nl_say "NOTE: $NL_AFXDP_WHY: falling back to net_af_packet (AF_PACKET sockets, slower, same topology)"
    NL_DRIVER=af_packet
  fi
  nl_try_sxdp "$bin" "$NL_DRIVER"
}

# SIGTERM process $1 (an sxdp, named $3 in what is said), at most 15 s,
# then SIGKILL; its DPDK runtime dir (prefix $2) removed. Returns its exit
# code (0 = clean stop; 124: killed).
nl_stop_pid() { # PID PREFIX NAME
  local pid=$1 rc=0 i wrc
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      [ "$i" -eq 150 ] || sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$3 (pid $pid) did not stop in 15 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
      rc=124
    fi
  fi
  wait "$pid" 2>/dev/null
  wrc=$?
  [ "$rc" -ne 0 ] || rc=$wrc
  rm -rf "/var/run/dpdk/$2"
  return "$rc"
}

# SIGTERM sxdp and wait; returns its exit code (0 = clean stop).
nl_stop_sxdp() {
  local rc=0
  [ -n "$NL_PID" ] || return 0
  nl_stop_pid "$NL_PID" "$NL_PREFIX" sxdp || rc=$?
  NL_PID=""
  return "$rc"
}

# Everything down: sxdp, namespaces, temp dir. Safe to call twice (trap).
nl_cleanup() {
  nl_stop_sxdp >/dev/null 2>&1
  nl_teardown_ns
  if [ -n "$NL_DIR" ] && [ -z "${NL_KEEP:-}" ]; then
    rm -rf "$NL_DIR"
  fi
  NL_DIR=""
}

# Ping from h1 until one answer arrives (ARP + AF_XDP warm-up), at most $1 s.
nl_wait_path() {
  local t=${1:-10} i
  for i in $(seq 1 "$t"); do
    ip netns exec "$NL_H1" ping -c 1 -W 1 "$NL_IP2" >/dev/null 2>&1 && return 0
    [ "$i" -eq "$t" ] || sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------------------
# Generic helpers for topologies with more than two hosts (tests/e2e/switch.sh).
# They reuse NL_DIR, NL_SOCK, NL_PID, NL_LOG and NL_PREFIX, so nl_stop_sxdp
# stops what nl_launch started.

# devargs of sxdp port number $2 on interface $3 for driver $1 (af_xdp | af_packet).
nl_devargs() {
  case $1 in
    af_xdp) printf 'net_af_xdp%s,iface=%s,start_queue=0,queue_count=1' "$2" "$3" ;;
    af_packet) printf 'net_af_packet%s,iface=%s,qpairs=1' "$2" "$3" ;;
    *) echo "unknown driver $1" >&2; return 1 ;;
  esac
}

# Start sxdp ($1 = binary) on config file $2 (which must name $NL_SOCK as its
# socket and $NL_PREFIX as its --file-prefix); wait for the socket. Log in
# $NL_DIR/sxdp-$NL_PREFIX.log. Returns 1 if sxdp exits or the socket never
# appears within 20 s.
nl_launch() {
  local bin=$1 cfg=$2 i
  NL_LOG="$NL_DIR/sxdp-$NL_PREFIX.log"
  "$bin" --config "$cfg" --socket "$NL_SOCK" >"$NL_LOG" 2>&1 </dev/null &
  NL_PID=$!
  for i in $(seq 1 200); do
    if ! kill -0 "$NL_PID" 2>/dev/null; then
      wait "$NL_PID" 2>/dev/null
      NL_PID=""
      rm -rf "/var/run/dpdk/$NL_PREFIX"
      return 1
    fi
    [ -S "$NL_SOCK" ] && return 0
    [ "$i" -eq 200 ] || sleep 0.1
  done
  return 1
}

# Host $1 (a netns of that name) gets MAC $2 on eth0 and, if $3 is given, a
# default route via $3. Use after nl_host.
nl_host_l2l3() {
  local ns=$1 mac=$2 gw=${3:-}
  ip -n "$ns" link set eth0 down &&
    ip -n "$ns" link set eth0 address "$mac" &&
    ip -n "$ns" link set eth0 up || return 1
  [ -z "$gw" ] || ip -n "$ns" route add default via "$gw" dev eth0
}

# Packets eth0 of netns $1 has received (kernel interface counter).
nl_rx_packets() {
  ip netns exec "$1" cat /sys/class/net/eth0/statistics/rx_packets 2>/dev/null || echo -1
}
