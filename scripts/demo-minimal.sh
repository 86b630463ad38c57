#!/usr/bin/env bash
# SmartX Fastpath demo: two Linux hosts (network namespaces h1, h2) talk
# through sxdp over AF_XDP. Installs the Debian deps, builds, builds the
# topology, starts sxdp, programs it with sxctl, pings across it, shows the
# counters and tables, stops sxdp cleanly and removes everything it made.
#
#   bash scripts/demo.sh --minimal   (or this file; as root, from anywhere)
#
# BUILD=dir picks the meson build directory (default build/).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac

# shellcheck source=netns-lib.sh
. "$root/scripts/netns-lib.sh"

bold=""; off=""
if [ -t 1 ]; then bold=$(printf '\033[1m'); off=$(printf '\033[0m'); fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
say() { printf '    %s\n' "$*"; }
run() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/      /'; return "${PIPESTATUS[0]}"; }

step "1/8  Debian packages (scripts/deps.sh)"
bash scripts/deps.sh || { echo "deps.sh failed"; exit 1; }

step "2/8  Build (meson + ninja into ${BUILD#"$root"/})"
if [ ! -f "$BUILD/build.ninja" ]; then
  run meson setup "$BUILD" || exit 1
fi
run ninja -C "$BUILD" || { echo "build failed"; exit 1; }
SXDP=$BUILD/sxdp
SXCTL=$BUILD/sxctl

if ! why=$(nl_check); then
  echo "This machine cannot run the demo: $why"
  exit 1
fi
trap nl_cleanup EXIT
trap 'exit 130' INT TERM
ctl() { printf '    $ sxctl %s\n' "$*"; "$SXCTL" --socket "$NL_SOCK" "$@" 2>&1 | sed 's/^/      /'; return "${PIPESTATUS[0]}"; }

step "3/8  Topology: two hosts in network namespaces, each on a veth pair"
say "$NL_H1: eth0 $NL_IP1/24  <-- veth -->  $NL_IF0 (root namespace, sxdp port p0)"
say "$NL_H2: eth0 $NL_IP2/24  <-- veth -->  $NL_IF1 (root namespace, sxdp port p1)"
say "Checksum offload is turned off on the hosts' eth0 (ethtool -K eth0 tx off):"
say "AF_XDP hands sxdp frames exactly as the sender queued them, and a veth"
say "sender leaves TCP/UDP checksums for 'the hardware' to finish."
nl_setup || { echo "could not build the topology"; exit 1; }
run ip -br addr show dev "$NL_IF0"
run ip -br addr show dev "$NL_IF1"
run ip netns exec "$NL_H1" ip -br addr show dev eth0

step "4/8  Start sxdp with one AF_XDP port per veth (main lcore 0, one worker on lcore 1)"
nl_start_sxdp "$SXDP" || { echo "sxdp did not start; log:"; cat "$NL_LOG"; exit 1; }
[ "$NL_DRIVER" = af_xdp ] || say "NOTE: running on net_af_packet: net_af_xdp did not start on this kernel"
say "config ($NL_DIR/sxdp.json):"
sed 's/^/      /' "$NL_DIR/sxdp.json"
say "sxdp pid $NL_PID, control socket $NL_SOCK, log $NL_LOG"
ctl hello

step "5/8  Program it: a wire (port table) and a few exact 5-tuple flow entries"
say "Before any entry, sxdp drops everything (fwd.no_entry): a ping fails."
printf '    $ ip netns exec %s ping -c 1 -W 1 %s\n' "$NL_H1" "$NL_IP2"
ip netns exec "$NL_H1" ping -c 1 -W 1 "$NL_IP2" 2>&1 | sed -n 's/^/      /; /packet loss/p'
say "The port table is the fallback cross-connect: p0 -> p1, p1 -> p0."
ctl table add port in_port=p0 action output port=p1
ctl table add port in_port=p1 action output port=p0
say "The flow table is looked up first. ICMP between the hosts gets explicit"
say "entries (same result, but you will see their hit counters), and UDP from"
say "$NL_IP1:40000 to $NL_IP2:9999 is dropped."
ctl table add flow in_port=p0 ipv4_src="$NL_IP1" ipv4_dst="$NL_IP2" ip_proto=1 l4_sport=0 l4_dport=0 action output port=p1
ctl table add flow in_port=p1 ipv4_src="$NL_IP2" ipv4_dst="$NL_IP1" ip_proto=1 l4_sport=0 l4_dport=0 action output port=p0
ctl table add flow in_port=p0 ipv4_src="$NL_IP1" ipv4_dst="$NL_IP2" ip_proto=17 l4_sport=40000 l4_dport=9999 action drop

step "6/8  Traffic: h1 pings h2 through sxdp, then sends 3 UDP datagrams that hit the drop entry"
nl_wait_path 10 || say "(no answer yet, trying anyway)"
printf '    $ ip netns exec %s ping -c 5 -i 0.2 %s\n' "$NL_H1" "$NL_IP2"
ip netns exec "$NL_H1" ping -c 5 -i 0.2 "$NL_IP2" 2>&1 | sed 's/^/      /'
ping_ok=${PIPESTATUS[0]}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
printf '    $ ip netns exec %s python3 (UDP %s:40000 -> %s:9999, 3 datagrams)\n' "$NL_H1" "$NL_IP1" "$NL_IP2"
ip netns exec "$NL_H1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 40000))
for i in range(3):
    s.sendto(b"dropped by sxdp %d" % i, (sys.argv[2], 9999))' "$NL_IP1" "$NL_IP2"
sleep 0.5

step "7/8  What sxdp saw"
ctl ports
ctl stats
ctl table show flow
ctl table show port

step "8/8  Stop sxdp (SIGTERM) and remove the namespaces"
nl_stop_sxdp
rc=$?
say "sxdp exit code: $rc; last lines of its log:"
grep -v -E '^(libbpf|libxdp):' "$NL_LOG" | tail -4 | sed 's/^/      /'
nl_cleanup
say "namespaces $NL_H1 and $NL_H2 and veths $NL_IF0/$NL_IF1 removed"

if [ "$ping_ok" -ne 0 ]; then
  echo "demo: the ping through sxdp FAILED"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "demo: traffic crossed sxdp, but sxdp did not stop cleanly (exit $rc)"
  exit 1
fi
echo
echo "demo: done. Traffic crossed sxdp over ${NL_DRIVER/af_/AF_}, and it stopped cleanly."
