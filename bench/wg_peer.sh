#!/usr/bin/env bash
# The WireGuard peer figure for bench/README.md: what Debian's wireguard-go
# seals per core on this machine, at 64 B and 1,400 B frames, to hold
# beside sxdp's vxlan_encap_wg (bench/run.sh) measured in the same session.
#
#   netns a: a UDP source (iperf3 -u, unlimited rate) -> wga (wireguard-go,
#            GOMAXPROCS=1, pinned to CPU 1) -> veth
#   netns b: veth -> wgb (wireguard-go, pinned to CPU 0) -> iperf3 server
#
# Printed per size: the inner packets wga sealed per second (its
# tx_packets over the window), the CPU seconds a's wireguard-go used in it
# (/proc/PID/stat), and so packets per second per core of wireguard-go.
# The source is the kernel's UDP stack in the same netns (not DPDK): the
# figure is wireguard-go's own cost, the source beside it on the other
# CPU. Usage: bash bench/wg_peer.sh [WINDOW_S]   (root; 5 s by default)
set -euo pipefail
WINDOW=${1:-5}
for t in wireguard-go wg iperf3; do
  command -v "$t" >/dev/null || { echo "wg_peer: $t is not installed (apt-get install wireguard-go wireguard-tools iperf3)"; exit 1; }
done
P="wgb$$"
DIR=$(mktemp -d /tmp/wg-peer.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$P-a" 2>/dev/null || true
  ip netns del "$P-b" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
for n in a b; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done
ip -n "$P-a" link add eth0 type veth peer name eth0 netns "$P-b"
ip -n "$P-a" addr add 192.0.2.1/24 dev eth0
ip -n "$P-b" addr add 192.0.2.2/24 dev eth0
for n in a b; do ip -n "$P-$n" link set eth0 up; done
umask 077
declare -A CPU=([a]=1 [b]=0) IN=([a]=10.9.0.1 [b]=10.9.0.2) EP=([a]=192.0.2.2 [b]=192.0.2.1)
for n in a b; do wg genkey >"$DIR/$n.key"; wg pubkey <"$DIR/$n.key" >"$DIR/$n.pub"; done
declare -A WGPID
for n in a b; do
  ip netns exec "$P-$n" env WG_PROCESS_FOREGROUND=1 GOMAXPROCS=1 taskset -c "${CPU[$n]}" wireguard-go "wg$n" \
    >"$DIR/wg-$n.log" 2>&1 &
  WGPID[$n]=$!
  PIDS+=($!)
done
for n in a b; do
  for _ in $(seq 100); do ip -n "$P-$n" link show "wg$n" >/dev/null 2>&1 && break; sleep 0.05; done
  o=$([ "$n" = a ] && echo b || echo a)
  ip netns exec "$P-$n" wg set "wg$n" private-key "$DIR/$n.key" listen-port 51820 \
    peer "$(cat "$DIR/$o.pub")" endpoint "${EP[$n]}:51820" allowed-ips "${IN[$o]}/32"
  ip -n "$P-$n" addr add "${IN[$n]}/24" dev "wg$n"
  ip -n "$P-$n" link set "wg$n" mtu 1420 up
done
ip netns exec "$P-b" taskset -c 0 iperf3 -s -D -B 10.9.0.2 >/dev/null 2>&1
for _ in $(seq 50); do ip netns exec "$P-a" ping -c 1 -W 1 10.9.0.2 >/dev/null 2>&1 && break; done
# the Go runtime's threads, whatever GOMAXPROCS: all of the process's CPU time
cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }   # utime + stime, USER_HZ 100
tx() { ip netns exec "$P-a" cat /sys/class/net/wga/statistics/tx_packets; }
for frame in 64 1400; do
  # the UDP payload of an inner IPv4 packet a frame of that size carries (Ethernet 14, IPv4 20, UDP 8)
  len=$((frame - 42))
  ip netns exec "$P-a" taskset -c 0 iperf3 -c 10.9.0.2 -u -b 0 -l "$len" -t $((WINDOW + 3)) >/dev/null 2>&1 &
  src=$!
  sleep 2   # the source's ramp; no event marks it
  t0=$(tx) c0=$(cpu_s "${WGPID[a]}")
  sleep "$WINDOW"
  t1=$(tx) c1=$(cpu_s "${WGPID[a]}")
  wait "$src" 2>/dev/null || true
  awk -v f="$frame" -v n=$((t1 - t0)) -v c0="$c0" -v c1="$c1" -v w="$WINDOW" 'BEGIN {
    c = c1 - c0; printf "wireguard-go seal, %d B frames: %.3f Mpps sealed, %.2f CPU s in %d s: %.3f Mpps per core\n",
      f, n / w / 1e6, c, w, (c > 0 ? n / c / 1e6 : 0) }'
done
