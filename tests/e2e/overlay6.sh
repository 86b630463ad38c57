#!/usr/bin/env bash
# e2e overlay over an IPv6 underlay: overlay.sh's two sites, the WAN links
# IPv6 only, the remote site the Linux kernel's own VXLAN over IPv6.
#
#   site A: host a (netns)                              site B: netns "b"
#     eth0 10.10.0.1, fd00:10::1, ::11 ┐                  vx0 10.10.0.2, fd00:10::2
#                                      │ sxdp: slice 1,    (VXLAN 5000 over IPv6,
#                                      │ bd 10             remotes both VTEPs)
#                                      │   wan1 ── w1 2001:db8:1::2/64
#                                      │   wan2 ── w2 2001:db8:2::2/64
#                                      ┘ VTEPs 2001:db8:1::1, 2001:db8:2::1
#
# The WAN ports are the underlay slice 100, one bridge domain each; their
# IPv6 SVIs (svi6, /64) are the VTEPs, so the box answers neighbour
# solicitations for them, and routes6 has the two /64s connected: the box
# resolves the far ends by its own NDP (neigh6). Path 1 (wan1) and path 2
# (wan2) are probed with ICMPv6 echo every 50 ms (down after 3 unanswered,
# up after 5 answers); the tunnel's policy is failover 1 then 2. Slice 1 is
# an L2 overlay (bd 10 stretched over VNI 5000, no static MAC or neighbour
# anywhere: ARP and NDP cross by head-end replication, MACs are learned),
# carrying inner IPv4 and IPv6.
#
# Checks: both IPv6 paths come up with an RTT; ping a <-> b over inner IPv4
# and IPv6, 1430-byte inner packets (the IPv6 underlay's 70 bytes of
# overhead filling a 1500 link exactly) and TCP both ways, interop with the
# kernel's VXLAN over IPv6; a capture of wan1 (w1 in b) dissected by tshark:
# the box's datagrams are IPv6/UDP/VXLAN, VNI 5000, hop limit 64, a UDP
# checksum tshark verifies Good, a non-zero flow label, none malformed;
# nothing of site B's (VXLAN, probe answers) dropped as a bad outer
# checksum; datagrams to a VTEP with a zero or a wrong UDP checksum are
# dropped as overlay.outer_cksum; failover under a 500 packet/s UDP stream (w1 pulled
# down in b; the outage the receiver sees must be under FAILOVER_MAX_MS, the
# stream carried by path 2; w1 back, path 1 up again and the stream back on
# it); an IPv6 class (inner source fd00:10::1/128 -> class 1, policy
# failover 2 then 1) moves that flow to path 2 while inner IPv4 and another
# IPv6 source stay on path 1.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth.
# OV6_RUNS failover runs (1), TCP_SECONDS, NL_KEEP=1 keeps the temp dir.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
# shellcheck source-path=SCRIPTDIR source=overlaylib.sh
. "$here/overlaylib.sh"

TAG=$$
N_RUNS=${OV6_RUNS:-1}
# bounds (a busy 2-core machine's), in seconds unless named _MS
PATH_UP_S=10          # both paths up after the tables are loaded
PATH_DOWN_S=3         # a pulled link's path declared down (3 probes of 50 ms)
PATH_BACK_S=5         # a link back: its path up (5 answers)
FAILOVER_MAX_MS=2000  # the outage the stream sees when link 1 is pulled
CAPTURE_S=15          # generous: dumpcap listening; what was sent in its file
ns() { printf 'ov6%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
A_MAC=02:00:0a:0a:00:01 B_MAC=02:00:0a:0a:00:02 W1B_MAC=02:00:db:08:01:02
VTEP1=2001:db8:1::1 VTEP2=2001:db8:2::1 FAR1=2001:db8:1::2 FAR2=2001:db8:2::2
W1_MAC=02:5e:00:00:0c:01 W2_MAC=02:5e:00:00:0c:02
A6=fd00:10::1 A6_OTHER=fd00:10::11 B6=fd00:10::2
BGPIDS=()

NSES=(a b) LINKS=(lan wan1 wan2)
trap sw_teardown EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup ov6
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-overlay6.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
# IPv6 on, without the chatter not under test (DAD, router solicitations,
# RAs); addresses kept when a link goes down (the failover pulls w1)
ipv6_quiet() { # host
  local c
  for c in all default; do
    in_ns "$1" sysctl -qw "net.ipv6.conf.$c.disable_ipv6=0" "net.ipv6.conf.$c.accept_dad=0" \
      "net.ipv6.conf.$c.accept_ra=0" "net.ipv6.conf.$c.router_solicitations=0" \
      "net.ipv6.conf.$c.keep_addr_on_down=1" >/dev/null || return 1
  done
}
topo() {
  local h
  for h in a b; do
    ip netns add "$(ns $h)" || return 1
    ip -n "$(ns $h)" link set lo up
    ipv6_quiet $h || return 1
  done
  ip link add "$(ns lan)" type veth peer name eth0 netns "$(ns a)" || return 1
  ip link add "$(ns wan1)" type veth peer name w1 netns "$(ns b)" || return 1
  ip link add "$(ns wan2)" type veth peer name w2 netns "$(ns b)" || return 1
  # site A's host: the overlay's MTU (1500 less VXLAN over IPv6's 70)
  ip -n "$(ns a)" link set eth0 address $A_MAC mtu 1430 up
  ip -n "$(ns a)" addr add 10.10.0.1/24 dev eth0
  ip -n "$(ns a)" addr add $A6/64 dev eth0 nodad
  # (deprecated: a's own traffic leaves from $A6 unless told otherwise)
  ip -n "$(ns a)" addr add $A6_OTHER/64 dev eth0 nodad preferred_lft 0
  in_ns a ethtool -K eth0 tx off >/dev/null 2>&1
  # site B: two IPv6 underlay links (checksums finished in software: the
  # kernel's VXLAN over IPv6 sums its UDP) and the kernel's VXLAN to both VTEPs
  ip -n "$(ns b)" link set w1 address $W1B_MAC
  ip -n "$(ns b)" addr add $FAR1/64 dev w1 nodad
  ip -n "$(ns b)" addr add $FAR2/64 dev w2 nodad
  ip -n "$(ns b)" link set w1 up
  ip -n "$(ns b)" link set w2 up
  in_ns b ethtool -K w1 tx off >/dev/null 2>&1
  in_ns b ethtool -K w2 tx off >/dev/null 2>&1
  # remote (not local): the family; the source follows the route, w1's or w2's
  ip -n "$(ns b)" link add vx0 address $B_MAC mtu 1430 type vxlan id 5000 remote $VTEP1 dstport 4789 ||
    return 1
  in_ns b bridge fdb append 00:00:00:00:00:00 dev vx0 dst $VTEP2 || return 1
  ip -n "$(ns b)" addr add 10.10.0.2/24 dev vx0
  ip -n "$(ns b)" addr add $B6/64 dev vx0 nodad
  ip -n "$(ns b)" link set vx0 up
  sw_links_up lan wan1 wan2
}
if ! topo; then
  notok "topology: netns a, b; veth lan, wan1, wan2 (IPv6); VXLAN over IPv6 vx0 in b"
  finish
fi
ok "topology: site A host on lan, site B (kernel VXLAN 5000 over IPv6) on wan1 and wan2"

# ---------------------------------------------------------------- sxdp
HOSTS=(lan wan1 wan2)   # the sxdp ports, in order (switchlib's sw_write_config)
declare -A ROLE=([lan]=lan [wan1]=wan [wan2]=wan)
sw_start "ov6$TAG" '{"lan": "switch", "wan": "overlay"}' "lan=switch wan=overlay"

# the overlay's drop counters that are not zero
evidence() {
  echo "#   overlay drops: $(ov_drops)"
  ctl path show 2>&1 | sed 's/^/#   /'
}

# ----------------------------------------------------------- programming
# ports: lan=0 wan1=1 wan2=2
PYTHONPATH="$here" "$PY" - "$VTEP1" "$VTEP2" "$FAR1" "$FAR2" "$W1_MAC" "$W2_MAC" >"$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import lan_stretched, two_wan_tunnel
vtep1, vtep2, far1, far2, w1mac, w2mac = sys.argv[1:]
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
# slice 1: bd 10 on the LAN, stretched to site B (floods go into tunnel 7 too)
lan_stretched(add)
# the underlay: slice 100, one bridge domain per WAN link, the VTEPs its
# SVIs; slice 1's L2 tunnel 7 over two paths, failing over
two_wan_tunnel(add, ((vtep1, w1mac, "2001:db8:1::/64"), (vtep2, w2mac, "2001:db8:2::/64")), (far1, far2))
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
sw_table_load "$NL_DIR/tables.json"

# ------------------------------------------------------ 1. paths up
if wait_state 1 up $PATH_UP_S && wait_state 2 up $PATH_UP_S; then
  ok "both IPv6 paths up (ICMPv6 echo every 50 ms, answered by site B's kernel): rtt $(path_field 1 rtt_us) us / $(path_field 2 rtt_us) us"
else
  notok "IPv6 paths up within $PATH_UP_S s: $(paths_json | head -c 800)"
  evidence
  echo "#   neigh6: $(ctl --json neigh show6 2>&1 | head -c 600)"
  finish
fi
show=$(ctl path show 2>&1)
if [ "$(printf '%s\n' "$show" | awk '$2 == "icmp" && $5 == "up" && $3 ~ /:/ && $4 ~ /:/' | wc -l)" = 2 ]; then
  ok "sxctl path show: both icmp paths up, IPv6 ends"
  printf '%s\n' "$show" | sed 's/^/#   /'
else
  notok "sxctl path show: $show"
fi
chk=$(ctl --json neigh show6 2>&1 | "$PY" -c '
import json, sys
got = {(int(e["match"]["vrf"]), e["match"]["ip"]): e for e in json.load(sys.stdin)["entries"]}
print(" ".join("%s->%s" % (ip, got[(100, ip)]["params"].get("port")) if (100, ip) in got else ip + "->missing"
               for ip in sys.argv[1:]))' "$FAR1" "$FAR2" 2>&1)
if [ "$chk" = "$FAR1->wan1 $FAR2->wan2" ]; then
  ok "the far ends resolved by the box's NDP in vrf 100 (neigh6): $chk"
else
  notok "neigh6 for the far ends: $chk"
fi

# ------------------------------------------------------------ 2. interop
ping_check "ping a -> b across the overlay (inner IPv4, kernel VXLAN over IPv6 at site B)" a 10.10.0.2 5 -
ping_check "ping b -> a across the overlay (inner IPv4)" b 10.10.0.1 5 -
ping_check "ping a -> b across the overlay (inner IPv6 $A6 -> $B6, NDP by head-end replication)" a $B6 5 -
ping_check "ping b -> a across the overlay (inner IPv6)" b $A6 5 -
out=$(in_ns a ping -c 3 -i 0.05 -W 2 -s 1402 -M "do" 10.10.0.2 2>&1)
if grep -q ' 0% packet loss' <<<"$out"; then
  ok "ping a -> b with 1430-byte inner packets, DF (1500-byte outer IPv6 datagrams)"
else
  notok "ping a -> b 1430 bytes: $(tail -3 <<<"$out" | tr '\n' ' ')"
  evidence
fi
tcp_check "TCP a -> b over VXLAN over IPv6 (inner IPv4)" a b 10.10.0.2
tcp_check "TCP b -> a over VXLAN over IPv6 (inner IPv4)" b a 10.10.0.1

# ------------------------------------------------------ 3. the wire (w1)
pcap=$NL_DIR/w1.pcapng
ip netns exec "$(ns b)" dumpcap -q -i w1 -f "udp port 4789" -w "$pcap" 2>"$NL_DIR/dumpcap.log" &
cap=$!
BGPIDS+=("$cap")
for _ in $(seq 1 $((CAPTURE_S * 20))); do
  grep -q "Capturing on" "$NL_DIR/dumpcap.log" 2>/dev/null && break
  sleep 0.05
done
csum0=$(in_ns b nstat -az Udp6InCsumErrors 2>/dev/null | awk '$1 == "Udp6InCsumErrors" {print $2}')
in_ns a ping -c 5 -i 0.05 -W 2 10.10.0.2 >/dev/null 2>&1
in_ns a ping -c 3 -i 0.05 -W 2 -s 1402 10.10.0.2 >/dev/null 2>&1
in_ns a ping -c 5 -i 0.05 -W 2 $B6 >/dev/null 2>&1
csum1=$(in_ns b nstat -az Udp6InCsumErrors 2>/dev/null | awk '$1 == "Udp6InCsumErrors" {print $2}')
# the 13 requests in the file (dumpcap writes what the kernel hands it in
# blocks; a stop before that would lose the last ones)
for _ in $(seq 1 $((CAPTURE_S * 4))); do
  [ "$(tshark -r "$pcap" -Y "ipv6.src == $VTEP1 && eth.src == $A_MAC" 2>/dev/null | wc -l)" -ge 13 ] && break
  sleep 0.25
done
kill -INT "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
if ! grep -q "Capturing on" "$NL_DIR/dumpcap.log"; then
  notok "dumpcap on w1 in b: $(head -c 300 "$NL_DIR/dumpcap.log")"
else
  chk=$(tshark -r "$pcap" -o udp.check_checksum:TRUE -T fields -E separator=/t -E aggregator=';' \
          -e ipv6.src -e ipv6.dst -e ipv6.hlim -e ipv6.flow -e udp.dstport -e udp.checksum.status \
          -e vxlan.vni -e eth.src -e frame.len -e _ws.malformed 2>/dev/null | "$PY" -c '
import sys
vtep, far, a_mac = sys.argv[1:]
# each field: its occurrences, the outer first
rows = [[f.split(";") for f in l.split("\t")] for l in sys.stdin.read().splitlines() if l.strip()]
box = [r for r in rows if r[0][0] == vtep]
bad = []
for r in box:
    src, dst, hlim, flow, dport, cks, vni, esrc, flen, malformed = (f[0] for f in r[:10])
    if dst != far or hlim != "64" or dport != "4789" or vni != "5000" or cks != "1" or malformed \
       or int(flow or "0", 16) == 0:
        bad.append(" ".join(";".join(f) for f in r))
inner = sum(1 for r in box if a_mac in r[7])
flows = sorted({r[3][0] for r in box})
big = max((int(r[8][0]) for r in box), default=0)
print("%s|%d datagrams from %s (%d carrying host a frames), UDP checksum Good, VNI 5000, hop limit 64, flow labels %s, largest frame %d bytes, none malformed; %d from site B"
      % ("; ".join(bad[:3]) or ("none" if len(box) < 13 or inner < 13 or big != 1514 else ""),
         len(box), vtep, inner, " ".join(flows), big, len(rows) - len(box)))' "$VTEP1" "$FAR1" "$A_MAC" 2>&1)
  if [ -n "$chk" ] && [ "${chk%%|*}" = "" ] && [ -n "$csum0" ] && [ "$csum0" = "$csum1" ]; then
    ok "wan1 captured in b, tshark: IPv6/UDP/VXLAN: ${chk#*|}; site B's Udp6InCsumErrors unchanged"
  else
    notok "wan1 capture (want 13+ box datagrams, a 1514-byte one, all Good): bad: ${chk%%|*}; ${chk#*|}; site B's Udp6InCsumErrors ${csum0:-?} -> ${csum1:-?}"
    tshark -r "$pcap" -o udp.check_checksum:TRUE 2>/dev/null | head -20 | sed 's/^/#   /'
  fi
fi

# nothing of site B's dropped as a bad outer checksum so far: its VXLAN
# datagrams (checksums tshark calls Good) and its answers to the probes
# (ICMPv6 echo replies, the first of each path with sequence number 0)
c0=$(drop_count overlay.outer_cksum)
if [ "$c0" = 0 ]; then
  ok "none of site B's VXLAN datagrams or probe answers dropped as overlay.outer_cksum"
else
  notok "site B's traffic (all of it well summed, as tshark reads it) dropped as overlay.outer_cksum: $c0 packets"
  evidence
fi
# datagrams to VTEP1 from the far end, a zero and a wrong UDP checksum:
# both dropped as overlay.outer_cksum (IPv6 has no checksum-less UDP)
sent=$(in_ns b "$PY" - "$W1B_MAC" "$W1_MAC" "$FAR1" "$VTEP1" "$A_MAC" "$B_MAC" 2>&1 <<'PYEOF'
import sys
from scapy.all import Ether, IPv6, UDP, IP, ICMP, sendp, conf
from scapy.layers.vxlan import VXLAN
conf.verb = 0
smac, dmac, src, dst, a_mac, b_mac = sys.argv[1:]
def dgram(cksum):
    return (Ether(src=smac, dst=dmac) / IPv6(src=src, dst=dst, hlim=64) /
            UDP(sport=49152, dport=4789, chksum=cksum) / VXLAN(vni=5000) /
            Ether(src=b_mac, dst=a_mac) / IP(src="10.10.0.2", dst="10.10.0.1") / ICMP())
good = Ether(bytes(dgram(None)))
sendp([dgram(0), dgram(good[UDP].chksum ^ 0x5a5a)], iface="w1")
print(2)
PYEOF
)
dropped=0
for _ in $(seq 1 40); do
  dropped=$(( $(drop_count overlay.outer_cksum) - c0 ))
  [ "$dropped" -lt 2 ] || break
  sleep 0.05
done
if [ "$sent" = 2 ] && [ "$dropped" = 2 ]; then
  ok "VXLAN over IPv6 to $VTEP1 with a zero and with a wrong UDP checksum: both dropped as overlay.outer_cksum"
else
  notok "zero/wrong UDP checksum: sent '$sent', overlay.outer_cksum +$dropped (want +2)"
  evidence
fi

# ------------------------------------------------------------ 4. failover
# A 500 packet/s UDP stream a -> b (inner IPv4); b records arrival times.
ov_stream_start 10.10.0.2
sender=$OV_SENDER
OV_DOWN_S=$PATH_DOWN_S OV_BACK_S=$PATH_BACK_S OV_OUTAGE_MS=$FAILOVER_MAX_MS \
  ov_failover "$N_RUNS" "over IPv6, ICMPv6 probes every 50 ms, down after 3"
kill "$sender" 2>/dev/null
wait "$sender" 2>/dev/null

# ------------------------------------------------------------ 5. IPv6 class
# inner source fd00:10::1/128 -> class 1, whose policy is failover 2 then 1;
# class 0 stays failover 1 then 2
cat >"$NL_DIR/class.json" <<EOF
{"atomicity": "dataplane-atomic", "updates": [
 {"type": "insert", "table": "policies", "match": {"tunnel": 7, "class": 1}, "action": "failover",
  "params": {"p0": 2, "p1": 1, "p2": 0, "p3": 0}},
 {"type": "insert", "table": "classes", "priority": 10, "match": {"slice": 1,
  "src": {"value": "$A6", "mask": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}},
  "action": "class", "params": {"class": 1}}]}
EOF
if out=$(ctl --json table load "$NL_DIR/class.json" 2>&1); then
  ok "IPv6 class loaded: inner source $A6/128 -> class 1 (failover 2, 1)"
else
  notok "IPv6 class load: $(printf '%s' "$out" | head -c 600)"
fi
# One-way flows (UDP a -> b), counted where they arrive: a flow moved
# between the box's VTEPs makes site B's kernel VXLAN move host a's MAC
# from one remote to the other, and that kernel then sends to the new one
# over the old one's link (its per-remote route cache is kept when the
# learned remote changes); what comes back from b is not under test here.
ip netns exec "$(ns b)" "$PY" -c '
import select, socket, sys
ss = []
for fam, a in ((socket.AF_INET, sys.argv[2]), (socket.AF_INET6, sys.argv[3])):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a, 9998))
    ss.append(s)
with open(sys.argv[1], "w", buffering=1) as f:
    while True:
        for s in select.select(ss, [], [])[0]:
            _, src = s.recvfrom(64)
            f.write(src[0] + "\n")' "$NL_DIR/class-recv.txt" 10.10.0.2 $B6 &
BGPIDS+=($!)
CLASS_N=200
SLACK=20      # other frames of slice 1 meanwhile (NDP, MLD)
for _ in $(seq 1 40); do [ -e "$NL_DIR/class-recv.txt" ] && break; sleep 0.05; done
arrived() { # SRC: how many of its datagrams b received
  grep -c -x -F "$1" "$NL_DIR/class-recv.txt" 2>/dev/null
}
class_check() { # NAME WANT_PATH SRC DST
  local p1 p2 d1 d2 on off n=0 _
  p1=$(path_field 1 packets) p2=$(path_field 2 packets)
  in_ns a "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[3])):
    s.sendto(b"%d" % i, (sys.argv[2], 9998))
    time.sleep(0.001)' "$3" "$4" $CLASS_N
  for _ in $(seq 1 60); do
    n=$(arrived "$3")
    [ "${n:-0}" -lt $CLASS_N ] || break
    sleep 0.05
  done
  d1=$(( $(path_field 1 packets) - p1 )) d2=$(( $(path_field 2 packets) - p2 ))
  if [ "$2" = 1 ]; then on=$d1 off=$d2; else on=$d2 off=$d1; fi
  if [ "${n:-0}" -ge $CLASS_N ] && [ "$on" -ge $CLASS_N ] && [ "$off" -lt $SLACK ]; then
    ok "$1: on path $2 ($CLASS_N datagrams, all received at b; path 1 +$d1, path 2 +$d2 packets)"
  else
    notok "$1: want path $2: ${n:-0}/$CLASS_N received at b, path 1 +$d1, path 2 +$d2 packets"
    evidence
  fi
}
class_check "inner IPv6 flow from $A6 (class 1)" 2 $A6 $B6
class_check "inner IPv4 flow (class 0)" 1 10.10.0.1 10.10.0.2
class_check "inner IPv6 flow from $A6_OTHER (no class: class 0)" 1 $A6_OTHER $B6
show=$(ctl path show 2>&1)
printf '%s\n' "$show" | sed 's/^/#   /'

echo "# overlay drops: $(ov_drops)"
if nl_stop_sxdp; then ok "sxdp stopped cleanly"; else notok "sxdp stop"; fi
finish
