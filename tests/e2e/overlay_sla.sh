#!/usr/bin/env bash
# e2e overlay, path policy and cross-site isolation: two sites over two WAN
# links; site B is the Linux kernel (two VXLAN devices, one per slice, each
# in its own netns with the same addresses); link 1 runs through a relay
# that can delay it (linkrelay.py: this kernel has no netem) and site B can
# drop a share of it (nftables numgen).
#
#   site A (sxdp)                                        site B
#   a1 10.10.0.1 ── lan  (slice 1, bd 10) ┐       netns b: the underlay
#   a2 10.10.0.1 ── lan2 (slice 2, bd 20) │         w1 192.0.2.2  (nft loss here)
#     (same IP, same MAC)                 │         w2 198.51.100.2
#                 wan1 192.0.2.1 ── ra [relay r] rb ── w1
#                 wan2 198.51.100.1 ───────────────── w2
#                 wan3 203.0.113.1 ─┐ one veth:       b1: vx5000 10.10.0.2 (VNI 5000,
#                 wan4 203.0.113.2 ─┘ sxdp to itself       to both VTEPs)
#                                                     b2: vx5001 10.10.0.2 (VNI 5001,
#                                                          to VTEP 2 only; same MAC)
#
# The VXLAN devices' sockets stay in b (created there, then moved to b1 and
# b2). Paths 1 (wan1) and 2 (wan2): ICMP-probed every 50 ms (down after 20,
# up after 5). Slice 1's tunnel 7 (VNI 5000): class 0 failover 1 then 2;
# class 1 (UDP to 5001) sla 1 then 2 with rtt <= 40 ms and loss <= 10 %.
# Slice 2's tunnel 8 (VNI 5001): path 2. Path 3 (wan3 -> wan4) is probed
# with sxdp's own echo, which the same box turns around on wan4.
#
# Checks:
#  - isolation across sites: each slice's host reaches its own twin at site
#    B and the other slice's hosts and devices count 0 packets; crafted
#    VXLAN from site B's underlay: VNI 5001 from a peer of slice 1 only is
#    overlay.unknown_peer, VNI 5002 overlay.unknown_vni, each exactly as
#    many as sent and no other drop; VNI 5001/5000 from the right peer to
#    the shared MAC reach only that slice's host; a slice 2 fdb entry
#    pointing at slice 1's tunnel is overlay.wrong_slice and nothing leaves;
#    a VNI of slice 2 mapped onto slice 1's bridge domain is refused
#    (slice_conflict);
#  - delay: 80 ms on link 1 (A to B) moves class 1 to path 2 within 5 s,
#    class 0 stays on path 1 (what site B sees on w1/w2, per class, and the
#    paths' packet counters); the delay off brings class 1 back;
#  - loss: 50 % of link 1's IPv4 dropped at site B moves class 1 to path 2
#    within 5 s, path 1 stays up with class 0; loss off brings it back;
#  - sxdp echo: path 3 up; its endpoint entry deleted, its probes are
#    overlay.probe_unknown and it goes down and stays down; re-added, up.
# Figures printed: the move times, the RTT/jitter/loss the prober measured.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth or
# lacks nft.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
if ! command -v nft >/dev/null; then
  echo "SKIP: nft (nftables) is not installed: the loss on link 1 is made with nftables numgen"
  exit 77
fi

TAG=$$
ns() { printf 'osl%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
A_MAC=02:00:0a:0a:00:01 B_MAC=02:00:0a:0a:00:02 X_MAC=02:00:0a:0a:00:99
VTEP1=192.0.2.1 VTEP2=198.51.100.1 FAR1=192.0.2.2 FAR2=198.51.100.2
VTEP3=203.0.113.1 VTEP4=203.0.113.2
W1_MAC=02:5e:00:00:0c:01 W2_MAC=02:5e:00:00:0c:02
W3_MAC=02:5e:00:00:0c:03 W4_MAC=02:5e:00:00:0c:04
DELAY_MS=${OSL_DELAY_MS:-80} LOSS_PCT=${OSL_LOSS_PCT:-50}
MOVE_BOUND=5   # seconds: a class must have moved by then
COUNT_BOUND=10 # generous: what sxdp did with a few frames, counted, on a busy machine
NSES=(a1 a2 r b b1 b2)
HOSTS=(lan lan2 wan1 wan2 wan3 wan4)   # the sxdp ports, in order (switchlib's sw_write_config)
declare -A ROLE=([lan]=lan [lan2]=lan [wan1]=wan [wan2]=wan [wan3]=wan [wan4]=wan)
BGPIDS=()
RELAY_PID="" SNIFF_PID=""

LINKS=("${HOSTS[@]}")
trap sw_teardown EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
saved=("${HOSTS[@]}"); HOSTS+=("${NSES[@]}")
sw_stale_cleanup osl
HOSTS=("${saved[@]}")
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-ovsla.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
# netns HOST: lo up, IPv6 off (no DAD/MLD chatter in the counters)
mkns() {
  ip netns add "$(ns "$1")" || return 1
  ip -n "$(ns "$1")" link set lo up
  in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}
# vxlan_twin NETNS NAME VNI [local]: a VXLAN device made in b (its socket
# stays in b's underlay), moved into NETNS with 10.10.0.2 and B's MAC
vxlan_twin() {
  local n=$1 dev=$2 vni=$3 loc=${4:-}
  ip -n "$(ns b)" link add "$dev" address $B_MAC type vxlan id "$vni" dstport 4789 \
    ${loc:+local "$loc"} || return 1
  ip -n "$(ns b)" link set "$dev" netns "$(ns "$n")" || return 1
  ip -n "$(ns "$n")" addr add 10.10.0.2/24 dev "$dev"
  ip -n "$(ns "$n")" link set "$dev" up
  # site A's hosts: static, so that the counters see only the test's packets
  ip -n "$(ns "$n")" neigh replace 10.10.0.1 lladdr $A_MAC dev "$dev" nud permanent
}
topo() {
  local n h
  for n in "${NSES[@]}"; do mkns "$n" || return 1; done
  # site A: two hosts with the same addresses, one per slice
  for h in a1:lan a2:lan2; do
    ip link add "$(ns "${h#*:}")" type veth peer name eth0 netns "$(ns "${h%:*}")" || return 1
    ip -n "$(ns "${h%:*}")" link set eth0 address $A_MAC mtu 1450 up
    ip -n "$(ns "${h%:*}")" addr add 10.10.0.1/24 dev eth0
    ip -n "$(ns "${h%:*}")" neigh replace 10.10.0.2 lladdr $B_MAC dev eth0 nud permanent
    ip -n "$(ns "${h%:*}")" neigh replace 10.10.0.99 lladdr $X_MAC dev eth0 nud permanent
    in_ns "${h%:*}" ethtool -K eth0 tx off >/dev/null 2>&1
  done
  # link 1: wan1 -- ra [relay] rb -- w1; link 2: wan2 -- w2
  ip link add "$(ns wan1)" type veth peer name ra netns "$(ns r)" || return 1
  ip -n "$(ns r)" link add rb type veth peer name w1 netns "$(ns b)" || return 1
  ip link add "$(ns wan2)" type veth peer name w2 netns "$(ns b)" || return 1
  for n in ra rb; do
    ip -n "$(ns r)" link set "$n" promisc on up
    in_ns r ethtool -K "$n" tx off gro off >/dev/null 2>&1
  done
  # wan3 and wan4: one veth, sxdp at both ends
  ip link add "$(ns wan3)" type veth peer name "$(ns wan4)" || return 1
  ip -n "$(ns b)" addr add $FAR1/24 dev w1
  ip -n "$(ns b)" addr add $FAR2/24 dev w2
  for n in w1 w2; do
    ip -n "$(ns b)" link set "$n" up
    in_ns b ethtool -K "$n" tx off >/dev/null 2>&1
  done
  vxlan_twin b1 vx5000 5000 || return 1
  vxlan_twin b2 vx5001 5001 $FAR2 || return 1
  in_ns b1 bridge fdb append 00:00:00:00:00:00 dev vx5000 dst $VTEP1 || return 1
  in_ns b1 bridge fdb append 00:00:00:00:00:00 dev vx5000 dst $VTEP2 || return 1
  in_ns b2 bridge fdb append 00:00:00:00:00:00 dev vx5001 dst $VTEP2 || return 1
  for n in b1 b2; do   # the test streams' receiver: count and drop (no ICMP back)
    in_ns "$n" nft -f - <<'EOF' || return 1
table inet osl {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport 5001 counter drop
    udp dport 5002 counter drop
  }
}
EOF
  done
  sw_links_up "${HOSTS[@]}"
}
if ! topo; then
  notok "topology: netns ${NSES[*]}; veth ${HOSTS[*]}; VXLAN 5000/5001 moved into b1/b2"
  finish
fi
ok "topology: two slices' hosts at site A (same IP and MAC), site B's kernel VXLAN 5000 in b1 and 5001 in b2, link 1 through a relay"

# the link 1 relay, no delay yet
echo "0 0" >"$NL_DIR/relay.ctl"
ip netns exec "$(ns r)" "$PY" "$here/linkrelay.py" ra rb "$NL_DIR/relay.ctl" "$NL_DIR/relay.log" &
RELAY_PID=$!
BGPIDS+=("$RELAY_PID")
# what arrives at site B on which link (before b's nft sees it)
ip netns exec "$(ns b)" "$PY" "$here/vxsniff.py" "$NL_DIR/sniff.txt" w1 w2 &
SNIFF_PID=$!
BGPIDS+=("$SNIFF_PID")
for _ in $(seq 1 50); do [ -s "$NL_DIR/relay.log" ] && [ -e "$NL_DIR/sniff.txt" ] && break; sleep 0.1; done
if [ -s "$NL_DIR/relay.log" ] && kill -0 "$SNIFF_PID" 2>/dev/null; then
  ok "link 1 relay (python3, AF_PACKET) and site B's per-link VXLAN sniffer running"
else
  notok "relay/sniffer did not start"
  finish
fi

# ---------------------------------------------------------------- sxdp
sw_start "osl$TAG" '{"lan": "switch", "wan": "overlay"}' "lan=switch wan=overlay"

# ----------------------------------------------------------- programming
# ports: lan=0 lan2=1 wan1=2 wan2=3 wan3=4 wan4=5
PYTHONPATH="$here" "$PY" - "$VTEP1" "$VTEP2" "$FAR1" "$FAR2" "$VTEP3" "$VTEP4" "$W1_MAC" "$W2_MAC" "$W3_MAC" \
  "$W4_MAC" "$B_MAC" >"$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import link
vtep1, vtep2, far1, far2, vtep3, vtep4, w1mac, w2mac, w3mac, w4mac, bmac = sys.argv[1:]
u = []
def add(table, match, action, params=None, priority=None):
    e = {"type": "insert", "table": table, "match": match, "action": action, "params": params or {}}
    if priority is not None:
        e["priority"] = priority
    u.append(e)
# two slices with the same addresses, each its LAN port and bridge domain
for port, slice_, bd, bit, tun in (("lan", 1, 10, 0, 7), ("lan2", 2, 20, 1, 8)):
    add("interfaces", {"in_port": port, "vlan": 0}, "attach", {"slice": slice_, "bd": bd})
    add("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0})
    add("flood", {"bd": bd}, "flood", {"ports": 1 << bit})
    add("fdb", {"bd": bd, "mac": bmac}, "tunnel", {"tunnel": tun})
# the underlays: slice 100 on wan1/wan2 (to site B), slices 200/201 on wan3/wan4
for port, slice_, bd, bit, vtep, mac, net in (
        ("wan1", 100, 101, 2, vtep1, w1mac, "192.0.2.0/24"),
        ("wan2", 100, 102, 3, vtep2, w2mac, "198.51.100.0/24"),
        ("wan3", 200, 103, 4, vtep3, w3mac, "203.0.113.0/24"),
        ("wan4", 201, 104, 5, vtep4, w4mac, "203.0.113.0/24")):
    link(add, port, bit, slice_, bd, vtep, mac, net)
    add("vteps", {"ip": vtep}, "vtep")
add("vnis", {"vni": 5000}, "l2", {"slice": 1, "bd": 10})
add("vnis", {"vni": 5001}, "l2", {"slice": 2, "bd": 20})
# site B may send into slice 1 from both links, into slice 2 from link 2 only
add("peers", {"slice": 1, "ip": far1}, "peer", {"tunnel": 7})
add("peers", {"slice": 1, "ip": far2}, "peer", {"tunnel": 7})
add("peers", {"slice": 2, "ip": far2}, "peer", {"tunnel": 8})
for ep, site in ((far1, 2), (far2, 2), (vtep3, 3)):
    add("endpoints", {"ip": ep}, "endpoint", {"site": site})
probe = {"interval_ms": 50, "down_after": 20, "up_after": 5}
add("paths", {"id": 1}, "icmp", {"src": vtep1, "dst": far1, "vrf": 100, "mtu": 0, "gw": far1} | probe)
add("paths", {"id": 2}, "icmp", {"src": vtep2, "dst": far2, "vrf": 100, "mtu": 0, "gw": far2} | probe)
add("paths", {"id": 3}, "sxdp", {"src": vtep3, "dst": vtep4, "vrf": 200, "mtu": 0, "gw": vtep4,
                                  "interval_ms": 50, "down_after": 3, "up_after": 5})
add("tunnels", {"id": 7}, "vxlan", {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0})
add("tunnels", {"id": 8}, "vxlan", {"slice": 2, "vni": 5001, "path": 2, "ttl": 64, "dscp": 64, "csum": 0})
add("classes", {"slice": 1, "proto": 17, "dport": {"min": 5001, "max": 5001}}, "class", {"class": 1},
    priority=10)
add("policies", {"tunnel": 7, "class": 0}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0})
add("policies", {"tunnel": 7, "class": 1}, "sla",
    {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "rtt_ms": 40, "jitter_ms": 0, "loss_pct": 10})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
sw_table_load "$NL_DIR/tables.json"

# path_fig ID: "rtt R ms, jitter J ms, loss L %"
path_fig() {
  paths_json | "$PY" -c '
import json, sys
p = next(p for p in json.load(sys.stdin) if p["id"] == int(sys.argv[1]))
print("rtt %.1f ms, jitter %.1f ms, loss %g %%" % (p["rtt_us"] / 1000, p["jitter_us"] / 1000, p["loss_pm"] / 10))' "$1"
}
# counters: drops and events as NAME=VALUE lines
counters() {
  ctl --json stats | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for sect, tag in (("drops", ""), ("events", "ev:")):
    for k, v in sorted(d.get(sect, {}).items()):
        print("%s%s=%d" % (tag, k, v))'
}
# cdelta BEFORE AFTER: the counters that moved, "name=+N ..."
cdelta() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
def rd(s): return dict((l.split("=")[0], int(l.split("=")[1])) for l in s.splitlines() if "=" in l)
a, b = rd(sys.argv[1]), rd(sys.argv[2])
print(" ".join("%s=+%d" % (k, b[k] - a.get(k, 0)) for k in sorted(b) if b[k] != a.get(k, 0)))
PYEOF
}
# cget DELTA_LINE NAME -> the number (0 when absent)
cget() { local v; v=$(printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=+//p"); echo "${v:-0}"; }
rxp() { in_ns "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
# moved C0 NAME MIN: counter NAME has moved by MIN since the counters C0
moved() { [ "$(cget "$(cdelta "$1" "$(counters)")" "$2")" -ge "$3" ]; }

if wait_state 1 up 10 && wait_state 2 up 5 && wait_state 3 up 5; then
  ok "paths up: 1 (wan1, via the relay) $(path_fig 1); 2 (wan2) $(path_fig 2); 3 (sxdp echo wan3 -> wan4) $(path_fig 3)"
else
  notok "paths up: $(paths_json | head -c 900)"
  finish
fi

# ================================================ cross-site isolation
# snapshot of every host's and device's rx counter: a1 a2 b1 b2
rx4() { echo "$(rxp a1 eth0) $(rxp a2 eth0) $(rxp b1 vx5000) $(rxp b2 vx5001)"; }
# rx4_delta BEFORE AFTER -> "da1 da2 db1 db2"
rx4_delta() {
  local -a x y
  read -r -a x <<<"$1"; read -r -a y <<<"$2"
  echo "$((y[0] - x[0])) $((y[1] - x[1])) $((y[2] - x[2])) $((y[3] - x[3]))"
}
# ping from SRC to DST; only OWN (a1 a2 b1 b2 by position 0..3) may see
# packets besides SRC itself
iso_ping() { # NAME SRC DST OWN_IDX SRC_IDX
  local name=$1 src=$2 dst=$3 own=$4 me=$5 r0 r1 d out i bad="" p1a p2a p1b p2b
  r0=$(rx4); p1a=$(path_field 1 packets); p2a=$(path_field 2 packets)
  out=$(in_ns "$src" ping -c 10 -i 0.05 -W 2 "$dst" 2>&1)
  sleep 0.2
  r1=$(rx4); p1b=$(path_field 1 packets); p2b=$(path_field 2 packets)
  read -r -a d <<<"$(rx4_delta "$r0" "$r1")"
  for i in 0 1 2 3; do
    [ "$i" = "$own" ] || [ "$i" = "$me" ] || [ "${d[$i]}" -eq 0 ] || bad+=" ${i}:${d[$i]}"
  done
  if printf '%s' "$out" | grep -q ' 0% packet loss' && [ "${d[$own]}" -ge 10 ] && [ -z "$bad" ]; then
    ok "$name: 10/10 answered; rx a1/a2/b1/b2 +${d[*]// //} (the other slice's hosts and devices +0); path 1 +$((p1b - p1a)), path 2 +$((p2b - p2a))"
  else
    notok "$name: $(printf '%s' "$out" | grep 'packet loss'); rx deltas a1 a2 b1 b2 = ${d[*]}, not its slice:${bad:- none}"
  fi
}
iso_ping "slice 1: a1 -> 10.10.0.2 reaches b1 (VNI 5000)" a1 10.10.0.2 2 0
iso_ping "slice 2: a2 -> 10.10.0.2 reaches b2 (VNI 5001)" a2 10.10.0.2 3 1
iso_ping "slice 1: b1 -> 10.10.0.1 reaches a1" b1 10.10.0.1 0 2
iso_ping "slice 2: b2 -> 10.10.0.1 reaches a2" b2 10.10.0.1 1 3

# crafted VXLAN from site B's underlay, on link 2: refusals and the
# shared MAC's two twins
N_PEER=7 N_VNI=5 N_S2=3 N_S1=4
c0=$(counters); r0=$(rx4)
if in_ns b "$PY" - w2 "$W2_MAC" "$VTEP2" "$FAR1" "$FAR2" "$A_MAC" "$B_MAC" $N_PEER $N_VNI $N_S2 $N_S1 <<'PYEOF' 2>"$NL_DIR/craft.err"
import sys
from scapy.all import Ether, IP, UDP, ICMP, sendp, get_if_hwaddr
from scapy.layers.vxlan import VXLAN
iface, wmac, vtep, far1, far2, amac, bmac = sys.argv[1:8]
n_peer, n_vni, n_s2, n_s1 = map(int, sys.argv[8:12])
src = get_if_hwaddr(iface)
def vx(outer_src, vni, i):
    # inner: an echo reply to site A's shared address (the kernel answers nothing)
    inner = Ether(src=bmac, dst=amac) / IP(src="10.10.0.2", dst="10.10.0.1") / ICMP(type=0, id=77, seq=i)
    return (Ether(src=src, dst=wmac) / IP(src=outer_src, dst=vtep, ttl=64) /
            UDP(sport=50000 + i, dport=4789, chksum=0) / VXLAN(vni=vni, flags=0x08) / inner)
frames = ([vx(far1, 5001, i) for i in range(n_peer)] +    # slice 1's peer into slice 2
          [vx(far2, 5002, i) for i in range(n_vni)] +     # no slice's VNI
          [vx(far2, 5001, i) for i in range(n_s2)] +      # slice 2, right peer
          [vx(far2, 5000, i) for i in range(n_s1)])       # slice 1, right peer
sendp(frames, iface=iface, verbose=False, inter=0.01)
PYEOF
then
  crafted_in() { # every crafted frame judged: the refused counted, the others at a1 and a2
    local -a x
    read -r -a x <<<"$(rx4_delta "$r0" "$(rx4)")"
    moved "$c0" overlay.unknown_peer $N_PEER && moved "$c0" overlay.unknown_vni $N_VNI &&
      [ "${x[0]}" -ge $N_S1 ] && [ "${x[1]}" -ge $N_S2 ]
  }
  wait_for "$COUNT_BOUND" crafted_in || true   # judged below
  c1=$(counters); r1=$(rx4)
  cd=$(cdelta "$c0" "$c1")
  read -r -a d <<<"$(rx4_delta "$r0" "$r1")"
  # drops other than the two expected (events, "ev:...", do not count:
  # the probes and site B's ARP refreshes run meanwhile)
  drops_moved=$(printf '%s\n' "$cd" | tr ' ' '\n' | grep -E '^[a-z0-9_]+\.[a-z0-9_]+=' |
    grep -v -E '^overlay\.(unknown_peer|unknown_vni)=' | tr '\n' ' ')
  echo "# counters moved by the crafted frames (and the probes meanwhile): $cd"
  if [ "$(cget "$cd" overlay.unknown_peer)" -eq $N_PEER ]; then
    ok "VNI 5001 from $FAR1 (a peer of slice 1 only): $N_PEER x overlay.unknown_peer"
  else
    notok "VNI 5001 from $FAR1: overlay.unknown_peer +$(cget "$cd" overlay.unknown_peer), want $N_PEER"
  fi
  if [ "$(cget "$cd" overlay.unknown_vni)" -eq $N_VNI ]; then
    ok "VNI 5002 (no slice's): $N_VNI x overlay.unknown_vni"
  else
    notok "VNI 5002: overlay.unknown_vni +$(cget "$cd" overlay.unknown_vni), want $N_VNI"
  fi
  if [ "${d[0]}" -eq $N_S1 ] && [ "${d[1]}" -eq $N_S2 ] && [ "${d[2]}" -eq 0 ] && [ "${d[3]}" -eq 0 ]; then
    ok "the shared MAC/IP: VNI 5000 frames reached a1 only ($N_S1), VNI 5001 a2 only ($N_S2); none of the refused reached anyone"
  else
    notok "frames to the shared MAC: rx a1 a2 b1 b2 +${d[*]}, want $N_S1 $N_S2 0 0"
  fi
  if [ -z "${drops_moved// /}" ]; then
    ok "no other drop reason moved (each refusal under its name)"
  else
    notok "other counters moved: $drops_moved"
  fi
else
  notok "scapy crafting in b: $(tail -3 "$NL_DIR/craft.err")"
fi

# a slice 2 fdb entry pointing at slice 1's tunnel: the encap refuses it
N_WS=6
wout=$(ctl --json table add fdb bd=20 mac=$X_MAC action tunnel tunnel=7 2>&1)
if printf '%s' "$wout" | grep -q '"committed": *true'; then
  c0=$(counters); r0=$(rx4); p1a=$(path_field 1 packets)
  for i in $(seq 1 $N_WS); do
    in_ns a2 bash -c 'echo wrong-slice >/dev/udp/10.10.0.99/9' 2>/dev/null
  done
  wait_for "$COUNT_BOUND" moved "$c0" overlay.wrong_slice $N_WS || true   # judged below
  c1=$(counters); r1=$(rx4); p1b=$(path_field 1 packets)
  cd=$(cdelta "$c0" "$c1")
  read -r -a d <<<"$(rx4_delta "$r0" "$r1")"
  if [ "$(cget "$cd" overlay.wrong_slice)" -eq $N_WS ] && [ "$p1b" -eq "$p1a" ] && [ "${d[2]}" -eq 0 ] && [ "${d[3]}" -eq 0 ]; then
    ok "slice 2 to slice 1's tunnel (fdb bd 20 -> tunnel 7, accepted by table.write): $N_WS x overlay.wrong_slice, path 1 +0, b1/b2 +0"
  else
    notok "wrong slice: overlay.wrong_slice +$(cget "$cd" overlay.wrong_slice) (want $N_WS), path 1 +$((p1b - p1a)), b1/b2 +${d[2]}/${d[3]}"
  fi
  ctl table del fdb bd=20 mac=$X_MAC >/dev/null 2>&1
elif printf '%s' "$wout" | grep -q slice_conflict; then
  ok "slice 2 fdb entry to slice 1's tunnel refused at write (slice_conflict)"
else
  notok "fdb bd 20 -> tunnel 7: $(printf '%s' "$wout" | head -c 300)"
fi

# A VNI of slice 2 mapped onto slice 1's bridge domain: refused at write,
# as an interfaces entry would be (the switch's guard knows the overlay's
# VNIs as claims on a bridge domain).
wout=$(ctl --json table add vnis vni=5003 action l2 slice=2 bd=10 2>&1)
if printf '%s' "$wout" | grep -q slice_conflict; then
  ok "vnis 5003 -> l2(slice 2, bd 10 of slice 1) refused at write (slice_conflict)"
else
  notok "vnis 5003 -> l2(slice 2, bd 10 of slice 1) not refused: $(printf '%s' "$wout" | head -c 300)"
  ctl table del vnis vni=5003 >/dev/null 2>&1
fi

# ================================================= SLA class: delay, loss
# Two UDP streams from a1 to b1: class 1 (to 5001) 200/s, class 0 (to 5002) 100/s.
ip netns exec "$(ns a1)" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i, t = 0, time.monotonic()
while True:
    s.sendto(b"class1 %d" % i, ("10.10.0.2", 5001))
    if i % 2 == 0:
        s.sendto(b"class0 %d" % i, ("10.10.0.2", 5002))
    i += 1; t += 0.005
    time.sleep(max(0, t - time.monotonic()))' &
BGPIDS+=($!)
now() { date +%s.%N; }
# sniff_counts T0 T1 -> "c1_link1 c1_link2 c0_link1 c0_link2" (VNI 5000 only)
sniff_counts() {
  "$PY" - "$NL_DIR/sniff.txt" "$1" "$2" <<'PYEOF'
import sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
c = {(l, p): 0 for l in (1, 2) for p in (5001, 5002)}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and t0 <= float(f[0]) < t1 and f[2] == "5000" and (int(f[1]), int(f[3])) in c:
        c[(int(f[1]), int(f[3]))] += 1
print(c[(1, 5001)], c[(2, 5001)], c[(1, 5002)], c[(2, 5002)])
PYEOF
}
# wait_first LINK DPORT T0 BOUND_S -> seconds from T0 to the first such
# frame at site B (empty if none within the bound)
wait_first() {
  local i r
  for i in $(seq 1 $(($4 * 10))); do
    r=$("$PY" - "$NL_DIR/sniff.txt" "$1" "$2" "$3" <<'PYEOF'
import sys
link, port, t0 = sys.argv[2], sys.argv[3], float(sys.argv[4])
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4 and f[1] == link and f[2] == "5000" and f[3] == port and float(f[0]) >= t0:
        print("%.3f" % (float(f[0]) - t0)); break
PYEOF
)
    [ -n "$r" ] && { echo "$r"; return 0; }
    sleep 0.1
  done
}
# window NAME WANT (1: class 1 on link 1; 2: on link 2): 1.5 s of both
# streams, what site B saw per link and class and what sxdp's paths carried
window() {
  local name=$1 want=$2 t0 t1 p1a p2a p1b p2b c
  p1a=$(path_field 1 packets); p2a=$(path_field 2 packets); t0=$(now)
  sleep 1.5
  p1b=$(path_field 1 packets); p2b=$(path_field 2 packets); t1=$(now)
  read -r -a c <<<"$(sniff_counts "$t0" "$t1")"
  local dp1=$((p1b - p1a)) dp2=$((p2b - p2a)) good=0
  if [ "$want" = 1 ]; then
    # all on link 1; path 2 carried nothing
    [ "${c[0]}" -ge 150 ] && [ "${c[1]}" -eq 0 ] && [ "${c[2]}" -ge 75 ] && [ "${c[3]}" -eq 0 ] &&
      [ "$dp2" -eq 0 ] && [ "$dp1" -ge 225 ] && good=1
  else
    # class 1 all on link 2, class 0 all on link 1; paths carried as much
    [ "${c[0]}" -eq 0 ] && [ "${c[1]}" -ge 150 ] && [ "${c[2]}" -ge 75 ] && [ "${c[3]}" -eq 0 ] &&
      [ "$dp2" -ge 150 ] && [ "$dp1" -ge 75 ] && [ "$dp2" -gt "$dp1" ] &&
      [ "$((dp2 * 10))" -le "$((dp1 * 30))" ] && good=1
  fi
  local fig="site B saw class 1 on link 1/2: ${c[0]}/${c[1]}, class 0: ${c[2]}/${c[3]}; sxdp path 1 +$dp1, path 2 +$dp2 packets"
  if [ "$good" = 1 ]; then ok "$name: $fig"; else notok "$name: $fig"; fi
}
# move NAME LINK T0: the class 1 stream's first frame on LINK after T0
move() {
  local name=$1 link=$2 t0=$3 s
  s=$(wait_first "$link" 5001 "$t0" $MOVE_BOUND)
  if [ -n "$s" ]; then
    ok "$name: class 1 on link $link $(awk -v s="$s" 'BEGIN{printf "%.0f", s * 1000}') ms later (path 1 $(path_fig 1), state $(path_field 1 state))"
    MOVED+=("$(awk -v s="$s" 'BEGIN{printf "%.0f", s * 1000}')")
  else
    notok "$name: class 1 not on link $link within $MOVE_BOUND s (path 1 $(path_fig 1), state $(path_field 1 state))"
  fi
}
set_delay() { echo "$1 0" >"$NL_DIR/relay.ctl"; kill -USR1 "$RELAY_PID"; }
MOVED=()

sleep 1
window "before: no delay, no loss; class 1 (sla) and class 0 (failover) on path 1 (path 1 $(path_fig 1); path 2 $(path_fig 2))" 1

# ---- delay
t=$(now); set_delay "$DELAY_MS"
move "delay ${DELAY_MS} ms on link 1 (A to B) -> class 1 moved to path 2" 2 "$t"
sleep 0.3
window "delay ${DELAY_MS} ms: class 1 on path 2, class 0 stays on path 1 ($(path_fig 1))" 2
if [ "$(path_field 1 state)" = up ] && [ "$(path_field 1 rtt_us)" -gt 40000 ]; then
  ok "delay: path 1 up, its RTT $(path_field 1 rtt_us) us over the 40 ms of the SLA"
else
  notok "delay: path 1 $(path_field 1 state), rtt $(path_field 1 rtt_us) us"
fi
t=$(now); set_delay 0
move "delay off -> class 1 back on path 1" 1 "$t"
sleep 0.3
window "delay off: both classes on path 1" 1

# ---- loss
loss_on() {
  in_ns b nft -f - <<EOF
table netdev osl_loss {
  chain w1in {
    type filter hook ingress device "w1" priority 0; policy accept;
    meta protocol ip numgen random mod 100 < $LOSS_PCT counter drop
  }
}
EOF
}
nft_dropped() { in_ns b nft list table netdev osl_loss 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
t=$(now)
if loss_on; then
  move "loss ${LOSS_PCT} % on link 1 (nft numgen at site B's w1) -> class 1 moved to path 2" 2 "$t"
  sleep 0.3
  window "loss ${LOSS_PCT} %: class 1 on path 2, class 0 stays on path 1 ($(path_fig 1))" 2
  if [ "$(path_field 1 state)" = up ] && [ "$(path_field 1 loss_pm)" -gt 100 ]; then
    ok "loss: path 1 still up (down after 20 in a row), its loss $(path_field 1 loss_pm) per mille over the SLA's 10 %; nft dropped $(nft_dropped) packets"
  else
    notok "loss: path 1 $(path_field 1 state), loss $(path_field 1 loss_pm) per mille"
  fi
  t=$(now); in_ns b nft delete table netdev osl_loss
  move "loss off -> class 1 back on path 1" 1 "$t"
  sleep 0.3
  window "loss off: both classes on path 1" 1
else
  notok "nft netdev ingress on w1"
fi
echo "# class 1 moves (ms after the change at site B's view; delay ${DELAY_MS} ms, loss ${LOSS_PCT} %, probes every 50 ms, windows of 20): ${MOVED[*]}"
kill "${BGPIDS[-1]}" 2>/dev/null   # the streams
# the streams' receivers: b1 took them, b2 (same address, slice 2) nothing;
# no VNI 5001 frame ever came over link 1 (slice 2's tunnel is path 2's)
recv() { in_ns "$1" nft list chain inet osl in | sed -n "s/.*dport $2 counter packets \([0-9]*\).*/\1/p"; }
b1r="$(recv b1 5001)/$(recv b1 5002)" b2r="$(recv b2 5001)/$(recv b2 5002)"
v5001_l1=$(awk '$2 == 1 && $3 == 5001' "$NL_DIR/sniff.txt" | wc -l)
if [ "$b2r" = 0/0 ] && [ "${b1r%/*}" -gt 1000 ] && [ "$v5001_l1" -eq 0 ]; then
  ok "streams of slice 1 received by b1 (class 1/class 0: $b1r), by its twin b2 0/0; VNI 5001 frames on link 1: 0"
else
  notok "streams: b1 received $b1r, b2 $b2r (want 0/0), VNI 5001 on link 1: $v5001_l1"
fi

# ===================================================== sxdp-to-sxdp echo
c0=$(counters)
if [ "$(path_field 3 state)" = up ]; then
  ok "sxdp echo: path 3 up, turned around by the box's own wan4 ($(path_fig 3))"
else
  notok "sxdp echo: path 3 $(path_field 3 state)"
fi
ups=$(path_field 3 ups)
ctl table del endpoints ip=$VTEP3 >/dev/null
if wait_state 3 down 3; then
  wait_for "$COUNT_BOUND" moved "$c0" overlay.probe_unknown 20 || true   # judged below: path 3 down all the while
  c1=$(counters); cd=$(cdelta "$c0" "$c1")
  if [ "$(path_field 3 state)" = down ] && [ "$(path_field 3 ups)" = "$ups" ] &&
     [ "$(cget "$cd" overlay.probe_unknown)" -ge 20 ]; then
    ok "endpoint $VTEP3 removed: path 3 down and stays down; overlay.probe_unknown +$(cget "$cd" overlay.probe_unknown)"
  else
    notok "endpoint removed: path 3 $(path_field 3 state), ups $ups -> $(path_field 3 ups), probe_unknown +$(cget "$cd" overlay.probe_unknown)"
  fi
else
  notok "endpoint removed: path 3 still $(path_field 3 state) after 3 s"
fi
ctl table add endpoints ip=$VTEP3 action endpoint site=3 >/dev/null
if wait_state 3 up 3; then
  ok "endpoint back: path 3 up again ($(path_fig 3))"
else
  notok "endpoint back: path 3 $(path_field 3 state)"
fi

lost=$(counters | grep -E '^(ev:)?overlay\.' | grep -v '=0$' | tr '\n' ' ')
echo "# overlay counters: ${lost:-none}"
if nl_stop_sxdp; then ok "sxdp stopped cleanly"; else notok "sxdp stop"; fi
finish
