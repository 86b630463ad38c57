#!/usr/bin/env bash
# Route import: routes installed in slices' twins (as a routing suite
# installs them: here `ip -batch`, the kernel's fastest writer, so that
# what is measured is the import) until sxdp holds every one, and back.
#
#   bash bench/route_import.sh [v4 N4] [v6 N6] [slices S] [traffic]
#
# Defaults: 100,000 IPv4 + 20,000 IPv6 routes into one slice. `slices 100
# v4 1000000 v6 0`: 1M IPv4 routes spread over 100 slices' twins. Prints,
# for the add and for the delete: seconds from the first kernel write to
# sxdp holding (or no longer holding) all of them, and routes/s (here the
# kernel's own writes are the slower part); and for "import": the routes
# already in the kernel, the slices' import turned on, until sxdp holds
# them all (sxcd's RIB to sxdp alone). sxdp
# (net_null ports, a TAP host port, one worker) and sxcd run in a network
# namespace; each slice's twin is a namespace with an adopted veth (this
# kernel may have no VLAN devices; no traffic crosses the twin here).
#
# traffic: a stream runs through slice 1 all along, to a prefix no phase
# touches (198.18.0.0/15, an intent's route via a second routed port,
# "sink", a net_null; the source: lan0 as net_pcap replaying one frame
# forever, as fast as the worker takes it). Each phase then also prints
# what the worker took in of it and sent on, and every drop meanwhile by
# reason: zero loss on unaffected prefixes is none dropped.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N4=100000 N6=20000 S=1 TRAFFIC=0
while [ $# -gt 0 ]; do
  case $1 in
    v4) N4=$2; shift 2 ;;
    v6) N6=$2; shift 2 ;;
    slices) S=$2; shift 2 ;;
    traffic) TRAFFIC=1; shift ;;
    *) echo "usage: $0 [v4 N] [v6 N] [slices S] [traffic]" >&2; exit 2 ;;
  esac
done
[ -x "$BUILD/sxdp" ] && [ -x "$BUILD/sxcd" ] || { echo "build first (meson setup $BUILD && ninja -C $BUILD)" >&2; exit 2; }
P=rib$$ DIR=$(mktemp -d /tmp/sxdp-bench-rib.XXXXXX)
SXCTL=$BUILD/sxctl
BOUND=${RIB_BOUND:-600}   # seconds a phase may take before it is reported as not done
cleanup() {
  pkill -9 -f "$DIR/" 2>/dev/null
  sleep 0.5
  for i in $(seq 1 "$S"); do ip netns del "$P-t$i" 2>/dev/null; done
  ip netns del "$P" 2>/dev/null
  rm -rf "$DIR" "/var/run/dpdk/$P"
}
trap cleanup EXIT
ip netns add "$P" && ip -n "$P" link set lo up || exit 1
head -c 24 /dev/urandom | base64 >"$DIR/token"
LAN0='"net_null0,no-rx=1"' SINK=''
if [ "$TRAFFIC" = 1 ]; then
  # one UDP frame to 198.18.0.1, to lan0's MAC (net_pcap's first port's)
  /usr/bin/python3 - "$DIR/flow.pcap" <<'EOF' || exit 1
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
wrpcap(sys.argv[1], [Ether(src="02:00:00:00:00:09", dst="02:70:63:61:70:00") /
                     IP(src="10.0.0.9", dst="198.18.0.1") / UDP(sport=1234, dport=5678) / Raw(b"x" * 18)])
EOF
  LAN0="\"net_pcap0,rx_pcap=$DIR/flow.pcap,infinite_rx=1,tx_pcap=$DIR/lan0-tx.pcap\""
  SINK=', {"name": "sink", "devargs": "net_null1,no-rx=1", "role": "lan"}'
fi
cat >"$DIR/sxdp.json" <<EOF
{
  "eal": ["--no-huge", "-m", "2048", "--no-pci", "--file-prefix", "$P"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$DIR/sxdp.sock",
  "idle_sleep_max_us": 500,
  "pipeline": {"lan": "switch"},
  "table_sizes": {"routes": $((N4 + 4 * S + 1024)), "routes6": $((N6 + 4 * S + 1024))},
  "ports": [
    {"name": "lan0", "devargs": $LAN0, "role": "lan"},
    {"name": "host", "devargs": "net_tap0,iface=sxh", "role": "lan"}$SINK
  ]
}
EOF
ip netns exec "$P" "$BUILD/sxdp" --config "$DIR/sxdp.json" >"$DIR/sxdp.log" 2>&1 </dev/null &
for _ in $(seq 1 200); do [ -S "$DIR/sxdp.sock" ] && break; sleep 0.1; done
ip netns exec "$P" "$BUILD/sxcd" --socket "$DIR/sxdp.sock" --store "$DIR/store" --listen 127.0.0.1:8192 \
  --token-file "$DIR/token" --no-netlink >"$DIR/sxcd.log" 2>&1 &
api() { ip netns exec "$P" "$SXCTL" --api http://127.0.0.1:8192 --token-file "$DIR/token" "$@"; }
for _ in $(seq 1 200); do api status >/dev/null 2>&1 && break; sleep 0.1; done

# the twins: a namespace each, its link a veth end sxcd takes (sxt<ID>)
for i in $(seq 1 "$S"); do
  ip netns add "$P-t$i" && ip -n "$P" link add "sxr$i" type veth peer name "sxt$i" netns "$P-t$i" || exit 1
done
intents() { # import: true|false
/usr/bin/python3 - "$S" "$P" "$1" "$TRAFFIC" <<'EOF'
import json, sys
s, p, imp, traffic = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "true", sys.argv[4] == "1"
lan = [{"port": "lan0"}] + ([{"port": "sink"}] if traffic else [])
items = [{"kind": "site", "spec": {"id": 1, "lan": lan, "host": {"port": "host"}}}]
for i in range(1, s + 1):
    spec = {"id": i, "routing": {"vrf": "%s-t%d" % (p, i), "import": imp}}
    # slice 1: a routed port of both families (its twin's next hops 10.0.0.2 and fd00::2);
    # the others: an SVI of their own bridge domain
    if i == 1:
        spec["routed_ports"] = [{"port": "lan0", "addresses": ["10.0.0.1/24", "fd00::1/64"]}]
        if traffic:   # the stream's prefix, pinned by the operator, out of the sink port
            spec["routed_ports"].append({"port": "sink", "addresses": ["10.1.0.1/24"]})
            spec["routes"] = [{"prefix": "198.18.0.0/15", "via": "10.1.0.2"}]
    else:
        spec["svi"] = {"address": "10.0.0.1/24", "mac": "02:5e:00:00:%02x:%02x" % (i >> 8, i & 255)}
    items.append({"kind": "slices", "metadata": {"name": "s%d" % i}, "spec": spec})
print(json.dumps({"items": items}))
EOF
}
intents true >"$DIR/on.json" && intents false >"$DIR/off.json"
api apply -f "$DIR/on.json" --wait >/dev/null || { echo "apply failed" >&2; tail "$DIR/sxcd.log" >&2; exit 1; }
twins_ok() {
  api --json status 2>/dev/null | /usr/bin/python3 -c '
import json, sys
t = json.load(sys.stdin).get("services", {}).get("routing", {}).get("twins", {})
sys.exit(0 if len(t) == int(sys.argv[1]) and all(v.get("twin") == "ok" for v in t.values()) else 1)' "$S"
}
for _ in $(seq 1 600); do twins_ok && break; sleep 0.1; done
twins_ok || { echo "twins not made" >&2; api --json status | head -c 2000 >&2; exit 1; }
ctl() { "$SXCTL" --socket "$DIR/sxdp.sock" "$@"; }
flow() { # what sxdp read on lan0, what it sent on the sink
  ctl --json call port.stats | /usr/bin/python3 -c '
import json, sys
p = {x["name"]: x for x in json.load(sys.stdin)["ports"]}
print(p["lan0"]["rx_packets"], p["sink"]["tx_packets"])'
}
drops() { # every drop so far, by reason
  ctl --json stats | /usr/bin/python3 -c '
import json, sys
print(" ".join("%s=%d" % kv for kv in sorted(json.load(sys.stdin)["drops"].items()) if kv[1]) or "-")'
}
if [ "$TRAFFIC" = 1 ]; then
  # the stream's next hop: a static neighbour on the sink (nothing there answers ARP)
  smac=$(ctl --json call port.list | /usr/bin/python3 -c '
import json, sys
print(next(p["mac"] for p in json.load(sys.stdin)["ports"] if p["name"] == "sink"))')
  ctl neigh add 1 10.1.0.2 sink 0 02:00:00:00:01:02 "$smac" >/dev/null || { echo "neigh add failed" >&2; exit 1; }
  f0=$(flow); sleep 1; f1=$(flow)
  read -r a0 b0 <<<"$f0"; read -r a1 b1 <<<"$f1"
  [ $((b1 - b0)) -gt 1000 ] || { echo "the stream is not forwarded: $f0 -> $f1; drops $(drops)" >&2; exit 1; }
  echo "stream through 198.18.0.0/15: $(( (b1 - b0) / 1000 ))k packets/s forwarded before any phase"
fi

# the batches: routes spread evenly over the slices
/usr/bin/python3 - "$DIR" "$S" "$N4" "$N6" <<'EOF'
import sys
d, s, n4, n6 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(1, s + 1):
    with open("%s/add%d" % (d, i), "w") as a, open("%s/del%d" % (d, i), "w") as r:
        for k in range(i - 1, n4, s):
            pfx = "%d.%d.%d.0/24" % (100 + (k >> 16), (k >> 8) & 255, k & 255)
            a.write("route add %s via 10.0.0.2\n" % pfx)
            r.write("route del %s\n" % pfx)
        if i == 1:
            for k in range(n6):
                pfx = "2001:db8:%x:%x::/64" % (k >> 16, k & 0xffff)
                a.write("route add %s via fd00::2\n" % pfx)
                r.write("route del %s\n" % pfx)
EOF
# CPU seconds so far of sxcd and of each of sxdp's threads (the main
# lcore writes the tables; the worker forwards)
cpu() {
  local p t
  for p in "$(pgrep -f "sxcd --socket $DIR/")" "$(pgrep -f "sxdp --config $DIR/")"; do
    for t in /proc/"$p"/task/*; do
      awk -v hz="$(getconf CLK_TCK)" '{ gsub(/[()]/, "", $2); printf "%s=%.2f ", $2, ($14 + $15) / hz }' "$t/stat"
    done
  done
}
held() { # routes + routes6 sxdp holds
  local a b
  a=$("$SXCTL" --socket "$DIR/sxdp.sock" --json table show routes --limit 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  b=$("$SXCTL" --socket "$DIR/sxdp.sock" --json table show routes6 --limit 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  echo $((a + b))
}
base=$(held)
# add, del: the kernel's writes as they come; import: the kernel holds
# them all already (the slices' import was off) and import is turned on:
# sxcd's RIB to sxdp alone
phase() { # add|del|import target
  local t0 t1 n end i pids=() c0 f0 d0 a0 b0 a1 b1
  c0=$(cpu)
  [ "$TRAFFIC" = 0 ] || { f0=$(flow); d0=$(drops); }
  t0=$(date +%s.%N)
  if [ "$1" = import ]; then
    [ -z "${RIB_PERF:-}" ] || { perf record -g -o "$RIB_PERF" -p "$(pgrep -f "sxcd --socket $DIR/")" -- sleep "${RIB_PERF_S:-4}" >/dev/null 2>&1 & }
    api apply -f "$DIR/on.json" >/dev/null
  else
    for i in $(seq 1 "$S"); do ip -n "$P-t$i" -batch "$DIR/$1$i" & pids+=($!); done
    wait "${pids[@]}"
  fi
  t1=$(date +%s.%N)
  end=$((SECONDS + BOUND))
  while [ $SECONDS -le $end ]; do
    n=$(held)
    [ "$n" = "$2" ] && break
    sleep 0.05
  done
  /usr/bin/python3 - "$1" "$t0" "$t1" "$(date +%s.%N)" "$n" "$2" "$((N4 + N6))" "$S" <<'EOF'
import sys
what, t0, t1, t2, n, want, total, s = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
done = n == want
print("%-6s %d routes over %d slice(s): kernel (or apply) %.2f s, in sxdp %s after %.2f s: %.0f routes/s%s"
      % (what, total, s, t1 - t0, "all" if done else "NOT all (%d of %d)" % (n, want), t2 - t0,
         total / (t2 - t0), "" if done else " (bound hit)"))
EOF
  echo "  CPU s before: $c0"
  echo "  CPU s after:  $(cpu)"
  if [ "$TRAFFIC" = 1 ]; then
    read -r a0 b0 <<<"$f0"
    read -r a1 b1 <<<"$(flow)"
    # the two counters are read one after the other: a burst or two in
    # flight between them is no loss
    echo "  stream: taken in $((a1 - a0)), sent on $((b1 - b0)), in flight or lost $(( (a1 - a0) - (b1 - b0) )); drops before: $d0; after: $(drops)"
  fi
}
echo "route import (virtual: veth twins, net_null ports), $(nproc) CPUs, $(date -u +%F)"
phase add $((base + N4 + N6))
api --json status | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["services"]["routing"]
print("  sxcd: %s; writes %d, refusals %d" % (r["prefixes"], r["writes"], r["refusals"]))'
echo "  sxcd RSS: $(grep VmRSS /proc/"$(pgrep -f "sxcd --socket $DIR/")"/status | awk '{print $2, $3}')"
phase del "$base"
# the same routes with import off, then on
api apply -f "$DIR/off.json" --wait >/dev/null
for i in $(seq 1 "$S"); do ip -n "$P-t$i" -batch "$DIR/add$i"; done
sleep 2
[ "$(held)" = "$base" ] || echo "  (import off, yet sxdp holds $(held) routes)"
phase import $((base + N4 + N6))
