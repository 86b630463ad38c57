#!/usr/bin/env bash
# e2e overlay BFD: a path's far end is a router's BFD (RFC 5880/5881),
# FRR's bfdd, and the path is up while their session is.
#
#   site A: host a (netns, 10.10.0.1)                 site B: netns "b"
#     eth0 ── lan ┐                                     vx0 10.10.0.2 (kernel VXLAN
#                 │ sxdp: slice 1, bd 10  ── wan1 ── w1 192.0.2.2      5000 to both
#                 │ VTEPs 192.0.2.1,         wan2 ── w2 198.51.100.2   VTEPs)
#                 ┘       198.51.100.1,        w2 also 2001:db8:2::2
#                         2001:db8:2::1         bfdd: a peer on each VTEP
#
# Path 1 (wan1) and path 2 (wan2) are bfd paths at 50 ms x 3 (the ICMP
# probes' figures in overlay.sh); bfdd runs one single-hop session with
# each VTEP at the same timers; the tunnel's policy is failover 1 then 2.
# Path 3 is a bfd path over IPv6 on wan2 (no policy uses it).
#
# Checks: the sessions Up on both ends (IPv4 and IPv6), the box's intervals in force
# after its Poll Sequence (bfdd sees 50 ms); tshark reads the box's packets
# as BFD version 1, TTL 255, from a source port of 49152 and up, over
# IPv6 hop limit 255 and a good UDP checksum; ping a ->
# b across the overlay; three times: link 1 pulled (w1 down in b) under a
# 500 packet/s UDP stream, path 1 down by the Detection Time (event
# bfd_timeout), the outage the receiver sees under 1 s (a noisy machine's
# bound; the figure and the median are printed), the stream over path 2,
# link 1 back and the session Up again by the handshake; bfdd's
# administrative shutdown of its peer takes path 2 down (bfd_neighbor_down)
# and its undoing back up; bfdd slowing its timers (a Poll from its side)
# and the box slowing its own (a Poll from ours) move the Detection Time
# and keep the sessions Up; forged control packets (TTL 254, version 2, a
# stranger's) are dropped under their reasons and change no session.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth
# or has no FRR.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
# shellcheck source-path=SCRIPTDIR source=overlaylib.sh
. "$here/overlaylib.sh"

TAG=$$
N_RUNS=${OV_RUNS:-3}
UP_S=10            # a session's handshake: 1 s packets until Up, generous here
ns() { printf 'ovb%s-%s' "$TAG" "$1"; }
nsn() { ns "$@"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
A_MAC=02:00:0a:0a:00:01 B_MAC=02:00:0a:0a:00:02
VTEP1=192.0.2.1 VTEP2=198.51.100.1 FAR1=192.0.2.2 FAR2=198.51.100.2
W1_MAC=02:5e:00:00:0c:01 W2_MAC=02:5e:00:00:0c:02
VTEP6=2001:db8:2::1 FAR6=2001:db8:2::2
BGPIDS=()

NSES=(a b) LINKS=(lan wan1 wan2)
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-overlay-bfd.XXXXXX)
chmod 755 "$NL_DIR"   # FRR's user reaches its files in it
NL_SOCK="$NL_DIR/sxdp.sock"
DIR=$NL_DIR P="ovb$TAG-"
# shellcheck source-path=SCRIPTDIR source=routinglib.sh
. "$here/routinglib.sh"
cleanup() { frr_stop b; sw_teardown; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup ovb
topo() {
  ov_two_sites || return 1
  # IPv6 on w2 alone: path 3's far end
  in_ns b sysctl -qw net.ipv6.conf.w2.disable_ipv6=0 net.ipv6.conf.w2.accept_dad=0 >/dev/null
  ip -n "$(ns b)" addr add $FAR6/64 dev w2 nodad
  sw_links_up lan wan1 wan2
}
if ! topo; then
  notok "topology: netns a, b; veth lan, wan1, wan2; VXLAN vx0 in b"
  finish
fi
ok "topology: site A host on lan, site B (kernel VXLAN 5000) on wan1 and wan2"

# ------------------------------------------------------------ FRR's bfdd
# one single-hop session per link, toward the box's VTEP there
bfd_peer() { # VTEP LOCAL TX_MS RX_MS
  printf ' peer %s local-address %s\n  transmit-interval %s\n  receive-interval %s\n  detect-multiplier 3\n !\n' "$@"
}
{ echo "bfd"; bfd_peer $VTEP1 $FAR1 50 50; bfd_peer $VTEP2 $FAR2 50 50; bfd_peer $VTEP6 $FAR6 50 50; echo "!"; } \
  >"$NL_DIR/bfdd.conf"
if frr_start b "$(ns b)" "$NL_DIR/bfdd.conf" bfdd; then
  ok "FRR's zebra and bfdd in site B, a peer on each VTEP at 50 ms x 3"
else
  notok "FRR's bfdd did not start: $(tail -3 "$DIR/frr-b/start.log" 2>/dev/null)"
  finish
fi
# bfdd's view of its session with VTEP: FIELD of 'show bfd peers json'
frr_peer() { # VTEP FIELD
  vty b -c "show bfd peers json" | "$PY" -c '
import json, sys
print(next((str(p.get(sys.argv[2])) for p in json.load(sys.stdin) if p.get("peer") == sys.argv[1]), "?"))' "$1" "$2"
}
bfd_field() { # ID FIELD: the box's session of path ID
  paths_json | "$PY" -c '
import json, sys
print(next((p.get("bfd", {}).get(sys.argv[2], "?") for p in json.load(sys.stdin) if p["id"] == int(sys.argv[1])), "?"))' "$1" "$2"
}
frr_conf() { # vtysh lines under "bfd"
  local a=(-c "configure terminal" -c "bfd") l
  for l in "$@"; do a+=(-c "$l"); done
  vty b "${a[@]}" >/dev/null
}

# ---------------------------------------------------------------- sxdp
HOSTS=(lan wan1 wan2)   # the sxdp ports, in order (switchlib's sw_write_config)
declare -A ROLE=([lan]=lan [wan1]=wan [wan2]=wan)
sw_start "ovb$TAG" '{"lan": "switch", "wan": "overlay"}' "lan=switch wan=overlay"

PYTHONPATH="$here" "$PY" - "$VTEP1" "$VTEP2" "$FAR1" "$FAR2" "$W1_MAC" "$W2_MAC" "$VTEP6" "$FAR6" \
  >"$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import lan_stretched, two_wan_tunnel
vtep1, vtep2, far1, far2, w1mac, w2mac, vtep6, far6 = sys.argv[1:]
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
lan_stretched(add)
two_wan_tunnel(add, ((vtep1, w1mac, "192.0.2.0/24"), (vtep2, w2mac, "198.51.100.0/24")), (far1, far2),
               probe="bfd")
# wan2's domain dual-stack (one MAC: its fdb entry is the IPv4 SVI's), path 3 over IPv6
add("svi6", {"vrf": 100, "bd": 102}, "svi6", {"mac": w2mac, "ip": vtep6, "plen": 64})
add("routes6", {"vrf": 100, "dst": vtep6 + "/128"}, "local")
add("routes6", {"vrf": 100, "dst": "2001:db8:2::/64"}, "connected", {"bd": 102})
add("vteps", {"ip": vtep6}, "vtep")
add("paths", {"id": 3}, "bfd", {"src": vtep6, "dst": far6, "vrf": 100, "mtu": 0, "gw": far6,
                                 "interval_ms": 50, "down_after": 3})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
sw_table_load "$NL_DIR/tables.json"

evidence() {
  echo "#   overlay drops: $(ov_drops)"
  ctl path show 2>&1 | sed 's/^/#   /'
  vty b -c "show bfd peers brief" | sed 's/^/#   bfdd: /'
}
# ------------------------------------------------------ 1. sessions Up
if wait_state 1 up $UP_S && wait_state 2 up $UP_S && wait_state 3 up $UP_S; then
  ok "the three bfd paths up: sessions with bfdd Up, two over IPv4, one over IPv6 (box: $(bfd_field 1 session)/$(bfd_field 2 session)/$(bfd_field 3 session))"
else
  notok "bfd paths up within $UP_S s: $(paths_json | head -c 900)"
  evidence
  finish
fi
settled() { # the box's Poll answered: bfdd sees its 50 ms; its own view Up
  [ "$(frr_peer "$VTEP1" status)" = up ] && [ "$(frr_peer "$VTEP2" status)" = up ] && [ "$(frr_peer "$VTEP6" status)" = up ] &&
    [ "$(frr_peer "$VTEP1" remote-transmit-interval)" = 50 ] && [ "$(frr_peer "$VTEP2" remote-receive-interval)" = 50 ] &&
    [ "$(bfd_field 1 tx_interval_us)" = 50000 ] && [ "$(bfd_field 1 poll)" = False ]
}
if wait_for 5 settled; then
  ok "bfdd's sessions Up, the box's 50 ms intervals in force after its Poll Sequence; detection $(bfd_field 1 detect_time_us) us, discriminators $(bfd_field 1 local_discr) <-> $(bfd_field 1 remote_discr) (bfdd: $(frr_peer "$VTEP1" remote-id) <-> $(frr_peer "$VTEP1" id))"
else
  notok "after Up: bfdd status $(frr_peer "$VTEP1" status)/$(frr_peer "$VTEP2" status), sees tx $(frr_peer "$VTEP1" remote-transmit-interval) ms; box tx $(bfd_field 1 tx_interval_us) us poll $(bfd_field 1 poll)"
  evidence
fi
if [ "$(bfd_field 1 remote_discr)" = "$(frr_peer "$VTEP1" id)" ] && [ "$(frr_peer "$VTEP1" remote-id)" = "$(bfd_field 1 local_discr)" ]; then
  ok "discriminators agree on both ends"
else
  notok "discriminators: box $(bfd_field 1 local_discr)/$(bfd_field 1 remote_discr), bfdd $(frr_peer "$VTEP1" id)/$(frr_peer "$VTEP1" remote-id)"
fi

# ------------------------------------------------------ 2. on the wire
if command -v tshark >/dev/null; then
  in_ns b timeout 10 tshark -i w1 -a duration:2 -f "udp dst port 3784 and src host $VTEP1" \
    -T fields -E separator=' ' -e ip.ttl -e udp.srcport -e bfd.version -e bfd.sta -e bfd.detect_time_multiplier \
    -e bfd.desired_min_tx_interval -e _ws.malformed >"$NL_DIR/bfd.txt" 2>/dev/null
  n=$(wc -l <"$NL_DIR/bfd.txt")
  bad=$(awk '$1 != 255 || $2 < 49152 || $3 != 1 || ($4 != 3 && $4 != "0x03") || $5 != 3 || NF > 6' "$NL_DIR/bfd.txt" | head -3)
  # 2 s at 50 ms jittered 75-100%: some 46, and a Final per Poll of bfdd's; a wide bound for a busy machine
  if [ "$n" -ge 20 ] && [ "$n" -le 80 ] && [ -z "$bad" ]; then
    ok "tshark: $n BFD control packets from the box in 2 s, all version 1, Up, TTL 255, source port $(awk 'NR == 1 {print $2}' "$NL_DIR/bfd.txt"), mult 3, none malformed"
  else
    notok "tshark: $n packets; off: ${bad:-none} (first: $(head -2 "$NL_DIR/bfd.txt" | tr '\n' ';'))"
  fi
  in_ns b timeout 10 tshark -o udp.check_checksum:TRUE -i w2 -a duration:2 -f "udp dst port 3784 and src host $VTEP6" \
    -T fields -E separator=' ' -e ipv6.hlim -e udp.checksum.status -e bfd.version -e bfd.sta -e bfd.flags.f \
    -e _ws.malformed >"$NL_DIR/bfd6.txt" 2>/dev/null
  n=$(wc -l <"$NL_DIR/bfd6.txt")
  # udp.checksum.status 1: good; the state, as tshark prints it, 3 or 0x03: Up
  bad=$(awk '$1 != 255 || $2 != 1 || $3 != 1 || ($4 != 3 && $4 != "0x03") || NF > 5' "$NL_DIR/bfd6.txt" | head -3)
  if [ "$n" -ge 20 ] && [ "$n" -le 80 ] && [ -z "$bad" ]; then
    ok "tshark: $n BFD control packets over IPv6 in 2 s ($(awk '$5 == 1' "$NL_DIR/bfd6.txt" | wc -l) Finals), all hop limit 255, UDP checksum good, version 1, Up"
  else
    notok "tshark IPv6: $n packets; off: ${bad:-none} (first: $(head -2 "$NL_DIR/bfd6.txt" | tr '\n' ';'))"
  fi
else
  skip "BFD on the wire (tshark)" "tshark is not installed"
fi

ping_check "ping a -> b across the overlay (path 1 up by BFD)" a 10.10.0.2 5 -

# ------------------------------------------------------------ 3. failover
ov_stream_start 10.10.0.2
sleep 1
OV_BACK_S=$UP_S OV_WHY_DOWN=bfd_timeout OV_WHY_UP=bfd_up ov_failover "$N_RUNS" "BFD at 50 ms x 3 with FRR's bfdd"

# ------------------------------------------- 4. the far end says Down
frr_conf "peer $VTEP2 local-address $FAR2" "shutdown"
# (the far end's state as its packets say it: a packet sent just before
# the shutdown may still be the last one read when the path goes down)
if wait_state 2 down 3 && [ "$(last_why 2)" = bfd_neighbor_down ] && wait_eq 3 admin_down bfd_field 2 remote_session; then
  ok "bfdd's shutdown of its peer: path 2 down at once (bfd_neighbor_down, the far end AdminDown)"
else
  notok "bfdd shutdown: path 2 $(path_field 2 state), why $(last_why 2), remote $(bfd_field 2 remote_session)"
fi
frr_conf "peer $VTEP2 local-address $FAR2" "no shutdown"
if wait_state 2 up $UP_S; then
  ok "bfdd's peer back: path 2 up"
else
  notok "path 2 not up within $UP_S s of bfdd's no shutdown"
  evidence
fi

# ------------------------------------------------- 5. timers renegotiated
ups1=$(path_field 1 ups)
frr_conf "peer $VTEP1 local-address $FAR1" "transmit-interval 200" "receive-interval 200"
if wait_for 5 eval '[ "$(bfd_field 1 detect_time_us)" = 600000 ] && [ "$(bfd_field 1 tx_interval_us)" = 50000 ] && [ "$(bfd_field 1 remote_min_rx_us)" = 200000 ]'; then
  ok "bfdd slowed to 200 ms (its Poll): the box sends every 200 ms (its RequiredMinRx), detects in 600 ms"
else
  notok "bfdd at 200 ms: box detect $(bfd_field 1 detect_time_us) us, remote rx $(bfd_field 1 remote_min_rx_us) us"
fi
# the box's own change: a modify of path 2 to 100 ms
cat >"$NL_DIR/slow.json" <<EOF
{"atomicity": "dataplane-atomic", "updates": [{"type": "modify", "table": "paths", "match": {"id": 2}, "action": "bfd",
 "params": {"src": "$VTEP2", "dst": "$FAR2", "vrf": 100, "mtu": 0, "gw": "$FAR2", "interval_ms": 100, "down_after": 3}}]}
EOF
ups2=$(path_field 2 ups)
sw_table_load "$NL_DIR/slow.json"
if wait_for 5 eval '[ "$(frr_peer "$VTEP2" remote-transmit-interval)" = 100 ] && [ "$(frr_peer "$VTEP2" remote-receive-interval)" = 100 ] && [ "$(bfd_field 2 poll)" = False ] && [ "$(bfd_field 2 tx_interval_us)" = 100000 ]'; then
  ok "the box slowed path 2 to 100 ms (its Poll, bfdd's Final): bfdd sees 100 ms"
else
  notok "box at 100 ms: bfdd sees tx $(frr_peer "$VTEP2" remote-transmit-interval) rx $(frr_peer "$VTEP2" remote-receive-interval); box poll $(bfd_field 2 poll)"
fi
sleep 1
if [ "$(path_field 1 state)/$(path_field 2 state)" = up/up ] && [ "$(path_field 1 ups)" = "$ups1" ] && [ "$(path_field 2 ups)" = "$ups2" ]; then
  ok "both sessions stayed Up through the new timers"
else
  notok "after new timers: $(path_field 1 state)/$(path_field 2 state), ups $(path_field 1 ups)/$(path_field 2 ups) (were $ups1/$ups2)"
fi

# ------------------------------------------------------ 6. forged packets
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null; then
  before="$(drop_count overlay.bfd_ttl) $(drop_count overlay.bfd_malformed) $(drop_count overlay.bfd_no_session)"
  disc=$(bfd_field 1 local_discr)
  ups1=$(path_field 1 ups) downs1=$(path_field 1 downs)
  in_ns b /usr/bin/python3 - "$W1_MAC" "$VTEP1" "$FAR1" "$disc" <<'PYEOF'
import struct, sys
from scapy.all import Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
mac, vtep, far, disc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def bfd(state, your, vers=1, mine=0x7777):   # AdminDown from a forger would take the path down
    return struct.pack("!BBBBIIIII", vers << 5, state << 6, 3, 24, mine, your, 50000, 50000, 0)
p = []
# TTL 254: from beyond the link, whatever it says
p += [IP(src=far, dst=vtep, ttl=254) / UDP(sport=49999, dport=3784) / Raw(bfd(0, disc))] * 3
# version 2, and a length past the datagram
p += [IP(src=far, dst=vtep, ttl=255) / UDP(sport=49999, dport=3784) / Raw(bfd(0, disc, vers=2))] * 2
p += [IP(src=far, dst=vtep, ttl=255) / UDP(sport=49999, dport=3784) / Raw(bfd(0, disc)[:20])]
# a stranger on the link, and a guess at our discriminator from the wrong address
p += [IP(src="192.0.2.77", dst=vtep, ttl=255) / UDP(sport=49999, dport=3784) / Raw(bfd(1, 0))] * 2
p += [IP(src="192.0.2.77", dst=vtep, ttl=255) / UDP(sport=49999, dport=3784) / Raw(bfd(0, disc))] * 2
sendp([Ether(dst=mac) / x for x in p], iface="w1")
PYEOF
  want="3 3 4"
  got=""
  check_forged() {
    local t m s
    read -r t m s <<<"$before"
    got="$(( $(drop_count overlay.bfd_ttl) - t )) $(( $(drop_count overlay.bfd_malformed) - m )) $(( $(drop_count overlay.bfd_no_session) - s ))"
    [ "$got" = "$want" ]
  }
  if wait_for 5 check_forged && [ "$(path_field 1 state)" = up ] && [ "$(path_field 1 ups)/$(path_field 1 downs)" = "$ups1/$downs1" ]; then
    ok "forged BFD: 3 with TTL 254 (bfd_ttl), 3 malformed (bfd_malformed), 4 of no session (bfd_no_session); path 1 stayed up"
  else
    notok "forged BFD: drops ttl/malformed/no_session $got (want $want); path 1 $(path_field 1 state) ups/downs $(path_field 1 ups)/$(path_field 1 downs)"
    evidence
  fi
else
  skip "forged BFD packets" "scapy is not installed (apt-get install python3-scapy)"
fi

show=$(ctl path show 2>&1)
if [ "$(printf '%s\n' "$show" | awk '$2 == "bfd" && $5 == "up" && $7 == "-"' | wc -l)" = 3 ]; then
  ok "sxctl path show: the three bfd paths up, no RTT (BFD measures none)"
  printf '%s\n' "$show" | sed 's/^/#   /'
else
  notok "sxctl path show: $show"
fi
echo "# overlay drops: $(ov_drops)"

if nl_stop_sxdp; then ok "sxdp stopped cleanly"; else notok "sxdp stop"; fi
finish
