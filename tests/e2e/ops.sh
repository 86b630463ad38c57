#!/usr/bin/env bash
# e2e ops: what an operator meets around the fast path, on real kernel
# interfaces (netns + veth):
#  1. AF_XDP on a veth with more RX queues than the socket binds is refused
#     at start, naming the queues (it used to lose every packet silently);
#  2. a second sxdp on the same DPDK file prefix is refused, naming the holder;
#  3. what the kernel drops before sxdp reads it shows as rx_missed: with p0
#     administratively down, a burst from h1 fills the socket's ring, and
#     afterwards sxdp's rx_packets + rx_missed equal what h1 sent (AF_XDP and
#     AF_PACKET);
#  4. dpdk-dumpcap captures on a running sxdp (hugepages: the capture tool is
#     a DPDK secondary process), and a clean exit removes sxdp's hugepage files.
# Ends with "N passed, M failed"; exit 1 if any failed, 77 if this machine
# cannot do network namespaces/veth. BUILD=dir picks the build directory.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"

NL_H1=opsh1 NL_H2=opsh2 NL_IF0=opsx0 NL_IF1=opsx1
QIF=opsq0
# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  if [ "$fail" -ne 0 ] && [ -n "$NL_LOG" ] && [ -f "$NL_LOG" ]; then
    echo "# sxdp log ($NL_LOG):"; tail -30 "$NL_LOG" | sed 's/^/#   /'
  fi
  ip link del "$QIF" 2>/dev/null
  nl_cleanup
  # what this added, given back as a count: another tier may reserve its own meanwhile
  if [ -n "${HP_ADDED:-}" ]; then
    local n=$(($(cat "$hp") - HP_ADDED))
    echo $((n > 0 ? n : 0)) >"$hp" 2>/dev/null
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
NL_DIR=$(mktemp -d /tmp/sxdp-ops.XXXXXX)
NL_SOCK=$NL_DIR/sxdp.sock

# 1. a veth with two RX queues under a one-queue AF_XDP socket
ip link del "$QIF" 2>/dev/null
ip link add "$QIF" numrxqueues 2 numtxqueues 2 type veth peer name "${QIF}p" numrxqueues 2 numtxqueues 2
ip link set "$QIF" up && ip link set "${QIF}p" up
cat >"$NL_DIR/q.json" <<EOF
{"eal": ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", "sxops$$q"],
 "lcores": {"main": 0, "workers": [1]}, "socket": "$NL_SOCK", "pipeline": "forward",
 "ports": [{"name": "p0", "devargs": "net_af_xdp0,iface=$QIF,start_queue=0,queue_count=1"},
           {"name": "p1", "devargs": "net_null0"}]}
EOF
timeout 30 "$SXDP" --config "$NL_DIR/q.json" >"$NL_DIR/q.log" 2>&1
rc=$?
rm -rf "/var/run/dpdk/sxops$$q"
if [ "$rc" -ne 0 ] && grep -q "has 2 RX queues but AF_XDP reads queues 0..0" "$NL_DIR/q.log" && [ ! -e "$NL_SOCK" ]; then
  ok "AF_XDP on a 2-queue veth with queue_count=1 refused (exit $rc): $(grep -o 'interface [^:]*: [^.]*' "$NL_DIR/q.log" | head -1)"
else
  notok "AF_XDP on a 2-queue veth with queue_count=1: exit $rc, log: $(grep sxdp: "$NL_DIR/q.log" | tail -2)"
fi
ip link del "$QIF" 2>/dev/null

# 2-4 on the usual two hosts, sxdp on hugepages when they can be had
if ! nl_setup; then
  notok "topology: namespaces $NL_H1/$NL_H2 with veth $NL_IF0/$NL_IF1"
  finish
fi
# 128 free 2 MB pages (256 MB): reserved here when there are fewer, given
# back at exit (HP_ADDED)
huge=0 huge_why=""
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
free_hp() { awk '/HugePages_Free/ {f = $2} /HugePages_Rsvd/ {r = $2} END {print f - r}' /proc/meminfo; }
if [ "$(free_hp)" -lt 128 ] && [ -w "$hp" ]; then
  HP_ADDED=$((128 - $(free_hp)))
  echo $(($(cat "$hp") + HP_ADDED)) >"$hp" 2>/dev/null
fi
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null
if ! mountpoint -q /dev/hugepages; then
  huge_why="no hugetlbfs on /dev/hugepages (mount -t hugetlbfs failed)"
elif [ "$(free_hp)" -lt 128 ]; then
  huge_why="only $(free_hp) free 2 MB hugepages, 128 needed ($hp: $(cat "$hp" 2>/dev/null || echo unreadable))"
else
  huge=1
fi
NL_PREFIX="sxops$$"
eal='"--no-huge", "-m", "512"'
[ "$huge" -eq 0 ] || eal='"-m", "256"'
cat >"$NL_DIR/sxdp.json" <<EOF
{"eal": [$eal, "--no-pci", "--file-prefix", "$NL_PREFIX"],
 "lcores": {"main": 0, "workers": [1]}, "socket": "$NL_SOCK", "mbufs": 8192, "pipeline": "forward",
 "idle_sleep_max_us": ${SXDP_IDLE_SLEEP_US:-0},
 "ports": [{"name": "p0", "devargs": "net_af_xdp0,iface=$NL_IF0,start_queue=0,queue_count=1", "rxd": 512},
           {"name": "p1", "devargs": "net_af_xdp1,iface=$NL_IF1,start_queue=0,queue_count=1"}]}
EOF
if ! nl_launch "$SXDP" "$NL_DIR/sxdp.json"; then
  notok "sxdp starts on AF_XDP ($NL_IF0, $NL_IF1)$([ "$huge" -eq 1 ] && echo ' on hugepages')"
  finish
fi
ok "sxdp started on AF_XDP ($NL_IF0, $NL_IF1)$([ "$huge" -eq 1 ] && echo ', on hugepages' || echo ', --no-huge')"
ctl table add port in_port=p0 action output port=p1 >/dev/null && ctl table add port in_port=p1 action output port=p0 >/dev/null

# 2. the same prefix again
cp "$NL_DIR/sxdp.json" "$NL_DIR/dup.json"
sed -i "s#$NL_SOCK#$NL_DIR/dup.sock#" "$NL_DIR/dup.json"
out=$(timeout 30 "$SXDP" --config "$NL_DIR/dup.json" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "file prefix \"$NL_PREFIX\" is in use by process $NL_PID"; then
  ok "a second sxdp on prefix $NL_PREFIX refused (exit $rc), naming process $NL_PID"
else
  notok "a second sxdp on the same prefix: exit $rc: $(printf '%s' "$out" | grep -v '^EAL' | tail -2)"
fi

# 3. kernel-side drops are counted: p0 down, h1 sends a burst of raw frames
missed() {
  ctl --json raw port.stats '{"port": "p0"}' | "$PY" -c '
import json, sys; p = json.load(sys.stdin)["ports"][0]; print(p["rx_packets"], p["rx_missed"])'
}
counted_since() { # RX0 MISSED0 N: p0 has read or missed N frames more
  local rx miss
  read -r rx miss < <(missed)
  [ $((rx - $1 + miss - $2)) -ge "$3" ]
}
h1_tx() { ip netns exec "$NL_H1" cat /sys/class/net/eth0/statistics/tx_packets; }
kernel_drops_check() { # label
  local rx0 miss0 tx0 rx1 miss1 tx1 sent seen lost
  ctl raw port.set '{"port": "p0", "admin": "down"}' >/dev/null
  read -r rx0 miss0 < <(missed)
  tx0=$(h1_tx)
  ip netns exec "$NL_H1" "$PY" -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
f = bytes.fromhex("ffffffffffff020000000001" "0800" "4500002e00004000401100000a0000010a0000ff" "04d207d0001a0000") + bytes(18)
for _ in range(5000):
    s.send(f)'
  sleep 0.5
  ctl raw port.set '{"port": "p0", "admin": "up"}' >/dev/null
  tx1=$(h1_tx)
  sent=$((tx1 - tx0))
  # generous: what waited in the ring read and counted, on a busy machine (judged below)
  wait_for 10 counted_since "$rx0" "$miss0" "$sent" || true
  read -r rx1 miss1 < <(missed)
  seen=$((rx1 - rx0)) lost=$((miss1 - miss0))
  if [ "$lost" -gt 0 ] && [ $((seen + lost)) -eq "$sent" ]; then
    ok "$1 kernel drops counted: h1 sent $sent while p0 was down; sxdp read $seen, rx_missed $lost"
  else
    notok "$1 kernel drops: h1 sent $sent; sxdp read $seen, rx_missed $lost (want read + missed = sent, missed > 0)"
  fi
}
kernel_drops_check AF_XDP

# 4. capture with dpdk-dumpcap, then a clean stop removes the hugepage files
if [ "$huge" -eq 0 ]; then
  skip "dpdk-dumpcap on the running sxdp, hugepage files removed at exit" "$huge_why"
elif ! command -v dpdk-dumpcap >/dev/null; then
  skip "dpdk-dumpcap on the running sxdp" "dpdk-dumpcap is not installed (Debian package dpdk)"
else
  ip netns exec "$NL_H1" ping -c 40 -i 0.05 "$NL_IP2" >/dev/null 2>&1 &
  pinger=$!
  timeout 20 dpdk-dumpcap --file-prefix="$NL_PREFIX" -i net_af_xdp0 -c 10 -w "$NL_DIR/cap.pcapng" \
    >"$NL_DIR/dumpcap.log" 2>&1
  rc=$?
  wait "$pinger"
  n=$(tshark -r "$NL_DIR/cap.pcapng" -Y icmp 2>/dev/null | wc -l)
  if [ "$rc" -eq 0 ] && [ "$n" -ge 10 ]; then
    ok "dpdk-dumpcap on the running sxdp: $n ICMP packets captured on net_af_xdp0"
  else
    notok "dpdk-dumpcap: exit $rc, $n ICMP packets: $(tail -3 "$NL_DIR/dumpcap.log")"
  fi
fi
files_before=$(find /dev/hugepages -maxdepth 1 -name "${NL_PREFIX}map_*" 2>/dev/null | wc -l)
nl_stop_sxdp
rc=$?
files_after=$(find /dev/hugepages -maxdepth 1 -name "${NL_PREFIX}map_*" 2>/dev/null | wc -l)
if [ "$huge" -eq 0 ]; then
  # --no-huge: there are no hugepage files to check (skipped above, said why)
  if [ "$rc" -eq 0 ]; then ok "SIGTERM: exit 0"; else notok "SIGTERM: exit $rc"; fi
elif [ "$rc" -eq 0 ] && [ "$files_after" -eq 0 ] && [ "$files_before" -gt 0 ]; then
  ok "SIGTERM: exit 0; hugepage files $files_before while running, $files_after after"
else
  notok "SIGTERM: exit $rc; hugepage files $files_before while running, $files_after after"
fi

# 3 again on AF_PACKET, whose PMD reports no kernel drops of its own
sed -i 's#net_af_xdp\([01]\),iface=\([a-z0-9]*\),start_queue=0,queue_count=1#net_af_packet\1,iface=\2,qpairs=1#g' "$NL_DIR/sxdp.json"
if nl_launch "$SXDP" "$NL_DIR/sxdp.json"; then
  kernel_drops_check AF_PACKET
  nl_stop_sxdp || notok "AF_PACKET run: sxdp did not exit 0"
else
  notok "sxdp starts on AF_PACKET ($NL_IF0, $NL_IF1)"
fi
finish
