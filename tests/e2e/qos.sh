#!/usr/bin/env bash
# e2e QoS, the noisy neighbour: two slices share one WAN link to site B
# (the kernel's VXLAN), each with a guarantee from the WAN port's egress
# scheduler (rte_sched, one subport per slice).
#
#   a1 10.10.0.1 ── lan1 ┐ sxdp: slice 1 bd 10 ── VNI 5000 ┐            netns b: w1 192.0.2.2
#                        │       slice 2 bd 20 ── VNI 6000 ├─ wan1 ──   vx1 (5000) 10.10.0.2
#   a2 10.20.0.1 ── lan2 ┘ VTEP 192.0.2.1 (underlay slice 100)          vx2 (6000) 10.20.0.2
#
# wan1's scheduler: 30 Mbit/s; slice 1 reserved 5 Mbit/s, slice 2 20 Mbit/s
# (best effort, the underlay's ARP: what is left). Slice 1 floods UDP at
# 50 Mbit/s (10x its rate) while slice 2 runs iperf3 TCP: slice 2 keeps its
# guarantee (TCP goodput at least 80 % of 20 Mbit/s less VXLAN's and the
# wire's overhead), slice 1 gets its own rate and no more (within 10 %),
# and the scheduler's counters say where the flood went (drops in slice 1's
# subport, ten times slice 2's at least). The figures are printed. Ends with "N passed, M failed";
# 77 if the machine cannot do netns/veth.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
SECONDS_RUN=${QOS_SECONDS:-5}
ns() { printf 'qoe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
VTEP=192.0.2.1 FAR=192.0.2.2 W1_MAC=02:5e:00:00:0d:01
BGPIDS=()

NSES=(a1 a2 b) LINKS=(lan1 lan2 wan1)
trap sw_teardown EXIT
trap 'exit 130' INT TERM

if ! command -v iperf3 >/dev/null; then
  echo "SKIP: iperf3 is missing (apt-get install iperf3)"
  exit 77
fi

# ------------------------------------------------------------- topology
sw_stale_cleanup qoe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-qos.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
topo() {
  local h i
  for h in a1 a2 b; do
    ip netns add "$(ns $h)" || return 1
    ip -n "$(ns $h)" link set lo up
    ip netns exec "$(ns $h)" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  ip link add "$(ns lan1)" type veth peer name eth0 netns "$(ns a1)" || return 1
  ip link add "$(ns lan2)" type veth peer name eth0 netns "$(ns a2)" || return 1
  ip link add "$(ns wan1)" type veth peer name w1 netns "$(ns b)" || return 1
  # the hosts: the overlay's MTU (1500 less VXLAN's 50)
  for i in 1 2; do
    ip -n "$(ns a$i)" link set eth0 address "02:00:0a:${i}0:00:01" mtu 1450 up
    ip -n "$(ns a$i)" addr add "10.${i}0.0.1/24" dev eth0
    in_ns "a$i" ethtool -K eth0 tx off >/dev/null 2>&1
  done
  ip -n "$(ns b)" addr add $FAR/24 dev w1
  ip -n "$(ns b)" link set w1 up
  in_ns b ethtool -K w1 tx off >/dev/null 2>&1
  for i in 1 2; do
    ip -n "$(ns b)" link add "vx$i" address "02:00:0a:${i}0:00:02" type vxlan id "${i}000" dstport 4789 ||
      return 1
    in_ns b bridge fdb append 00:00:00:00:00:00 dev "vx$i" dst $VTEP || return 1
    ip -n "$(ns b)" addr add "10.${i}0.0.2/24" dev "vx$i"
    ip -n "$(ns b)" link set "vx$i" up
  done
  sw_links_up lan1 lan2 wan1
}
if ! topo; then
  notok "topology: netns a1, a2, b; veth lan1, lan2, wan1; VXLAN vx1, vx2 in b"
  finish
fi
ok "topology: slice 1 host on lan1, slice 2 host on lan2, site B (kernel VXLAN 1000, 2000) on wan1"

# ---------------------------------------------------------------- sxdp
HOSTS=(lan1 lan2 wan1)   # the sxdp ports, in order (switchlib's sw_write_config)
declare -A ROLE=([lan1]=lan [lan2]=lan [wan1]=wan)
sw_start "qoe$TAG" '{"lan": "switch", "wan": "overlay"}' "lan=switch wan=overlay"

# ----------------------------------------------------------- programming
# ports: lan1=0 lan2=1 wan1=2
PYTHONPATH="$here" "$PY" - "$VTEP" "$FAR" "$W1_MAC" >"$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import link
vtep, far, w1mac = sys.argv[1:]
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
# the underlay: slice 100, bd 101 on wan1, the VTEP its SVI
link(add, "wan1", 2, 100, 101, vtep, w1mac, "192.0.2.0/24")
add("vteps", {"ip": vtep}, "vtep")
add("paths", {"id": 1}, "static", {"src": vtep, "dst": far, "vrf": 100, "mtu": 0, "gw": far})
# slice i: bd i0 on lan i, stretched to site B over VNI i000 (tunnel i)
for i in (1, 2):
    port = "lan%d" % i
    add("interfaces", {"in_port": port, "vlan": 0}, "attach", {"slice": i, "bd": 10 * i})
    add("bd_ports", {"bd": 10 * i, "port": port}, "member", {"vlan": 0})
    add("flood", {"bd": 10 * i}, "flood", {"ports": 1 << (i - 1), "t0": i})
    add("vnis", {"vni": 1000 * i}, "l2", {"slice": i, "bd": 10 * i})
    add("peers", {"slice": i, "ip": far}, "peer", {"tunnel": i})
    add("tunnels", {"id": i}, "vxlan", {"slice": i, "vni": 1000 * i, "path": 1, "ttl": 64, "dscp": 64,
                                        "csum": 0})
# wan1's scheduler: 30 Mbit/s; slice 1 reserved 5, slice 2 20
add("sched_ports", {"port": "wan1"}, "sched", {"rate_bps": 30000000, "subports": 4, "pipes": 4, "qsize": 64})
add("sched_subports", {"port": "wan1", "slice": 1}, "subport", {"subport": 1, "rate_bps": 5000000})
add("sched_subports", {"port": "wan1", "slice": 2}, "subport", {"subport": 2, "rate_bps": 20000000})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
sw_table_load "$NL_DIR/tables.json"

ping_check "ping slice 1: a1 -> site B across the overlay" a1 10.10.0.2 5 -
ping_check "ping slice 2: a2 -> site B across the overlay" a2 10.20.0.2 5 -

# ---------------------------------------------------------- the neighbour
# UDP server for slice 1's flood, TCP server for slice 2's iperf3
ip netns exec "$(ns b)" iperf3 -s -1 -B 10.10.0.2 -p 5202 >"$NL_DIR/srv1.log" 2>&1 &
BGPIDS+=($!)
ip netns exec "$(ns b)" iperf3 -s -1 -B 10.20.0.2 -p 5201 >"$NL_DIR/srv2.log" 2>&1 &
BGPIDS+=($!)
listening tcp 5202 in_ns b
listening tcp 5201 in_ns b
sched0=$(ctl --json call qos.sched 2>/dev/null)
ip netns exec "$(ns a1)" timeout $((SECONDS_RUN + 20)) iperf3 -c 10.10.0.2 -p 5202 -u -b 50M -l 1380 \
  -t $((SECONDS_RUN + 2)) -J >"$NL_DIR/flood.json" 2>&1 &
flood=$!
BGPIDS+=("$flood")
sleep 1
in_ns a2 timeout $((SECONDS_RUN + 20)) iperf3 -c 10.20.0.2 -p 5201 -t "$SECONDS_RUN" -J >"$NL_DIR/tcp.json" 2>&1
wait "$flood" 2>/dev/null
sched1=$(ctl --json call qos.sched 2>/dev/null)

figures=$("$PY" - "$NL_DIR/tcp.json" "$NL_DIR/flood.json" "$SECONDS_RUN" <<'PYEOF'
import json, sys
def load(path):   # iperf3 may print a warning line before its JSON
    txt = open(path).read()
    return json.loads(txt[txt.index("{"):])["end"]
tcp = load(sys.argv[1])
flood = load(sys.argv[2])
t2 = tcp["sum_received"]["bits_per_second"] / 1e6
s1 = flood["sum"]
# what slice 1's UDP receiver got (the server's side), and what was sent
recv = s1["bytes"] * (1 - s1.get("lost_percent", 0) / 100) * 8 / s1["seconds"] / 1e6
sent = s1["bytes"] * 8 / s1["seconds"] / 1e6
print("%.2f %.2f %.2f" % (t2, recv, sent))
PYEOF
) || figures="0 0 0"
read -r tcp2 recv1 sent1 <<<"$figures"
# goodput ceilings: TCP payload 1398 of 1538 bytes on the wire (VXLAN 50,
# Ethernet 14, the scheduler's 24); UDP 1380 of 1522
want2=$("$PY" -c 'print(round(20 * 1398 / 1538 * 0.8, 2))')
lim1=$("$PY" -c 'print(round(5 * 1380 / 1522 * 1.1, 2))')
echo "# slice 1 flood: offered $sent1 Mbit/s, received $recv1 Mbit/s (reserved 5 Mbit/s on the wire)"
echo "# slice 2 TCP: $tcp2 Mbit/s goodput (reserved 20 Mbit/s on the wire)"
if "$PY" -c "import sys; sys.exit(0 if $tcp2 >= $want2 else 1)"; then
  ok "slice 2 keeps its guarantee under slice 1's 10x flood: TCP $tcp2 Mbit/s (>= $want2)"
else
  notok "slice 2 under slice 1's flood: TCP $tcp2 Mbit/s, want >= $want2"
fi
if "$PY" -c "import sys; sys.exit(0 if 0 < $recv1 <= $lim1 and $sent1 > 30 else 1)"; then
  ok "slice 1 held to its rate: $recv1 Mbit/s received of $sent1 offered (<= $lim1)"
else
  notok "slice 1: $recv1 Mbit/s received of $sent1 offered, want (0, $lim1] of > 30"
fi
lost1=$("$PY" - "$NL_DIR/flood.json" <<'PYEOF'
import json, sys
txt = open(sys.argv[1]).read()
print(json.loads(txt[txt.index("{"):])["end"]["sum"].get("lost_packets", 0))
PYEOF
) || lost1=0
verdict=$("$PY" - "$lost1" <<PYEOF
import json, sys
lost1 = int(sys.argv[1])
a = json.loads('''$sched0''')[0]; b = json.loads('''$sched1''')[0]
def drops(s, sub):
    return sum(t["drops"] for x in s["subports"] if x["subport"] == sub for t in x["tcs"])
def pkts(s, sub):
    return sum(t["packets"] for x in s["subports"] if x["subport"] == sub for t in x["tcs"])
d1, d2 = drops(b, 1) - drops(a, 1), drops(b, 2) - drops(a, 2)
p1, p2 = pkts(b, 1) - pkts(a, 1), pkts(b, 2) - pkts(a, 2)
# The flood's losses (its receiver's count) are slice 1's subport drops; slice
# 2's TCP overfills its own 64-packet queue now and then (its drops are its
# own congestion signal, a share that varies with the host's TCP), so it is
# only held well below slice 1's.
good = lost1 > 0 and 0.8 * lost1 <= d1 <= 1.05 * lost1 + 50 and 3 * d2 < d1
print("%s slice 1: %d sent, %d dropped (the flood lost %d); slice 2: %d sent, %d dropped"
      % ("ok" if good else "bad", p1, d1, lost1, p2, d2))
PYEOF
)
case $verdict in
  ok*) ok "qos.sched: the flood's drops are slice 1's (${verdict#ok })" ;;
  *) notok "qos.sched: ${verdict#bad }" ;;
esac
finish
