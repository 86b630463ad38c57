#!/usr/bin/env bash
# e2e upf: a UE's kernel (ping, iperf3) through sxdp's UPF with an uplink
# classifier, over AF_XDP, to a host of the local DN (breakout) and to a
# host behind an anchor UPF reached over N9.
#
#   ue (10.45.0.1 on a TUN) ── gtpsim "gNB" (netns gnb, 192.0.2.10)
#        ══ GTP-U N3 ══ sxdp n3 192.0.2.1
#   ue2 (10.45.0.2, 2001:db8:45:2::1) ── gtpsim "gNB6" (netns gnb,
#        2001:db8:3::10) ══ GTP-U N3 over IPv6 ══ sxdp n3 2001:db8:3::1
#   sxdp n6 10.200.0.1 ── dn (10.200.0.5): the local DN, slice 1's VRF
#   sxdp n9 198.51.100.1 ══ GTP-U N9 ══ gtpsim "anchor" (netns anc,
#        198.51.100.9) ── its TUN ── 203.0.113.7 (the anchor's network)
#
# gtpsim.py is the gNB (UE packets from its TUN into G-PDUs with a UL
# container, QFI 9; G-PDUs from sxdp, checked for TEID, DL container and
# QFI, back into the TUN, which lives in the UE's netns) and the anchor (the
# same, the other way round). Session 1: uplink to the DN's prefix breaks
# out, everything else goes to the anchor; downlink from both comes back in
# the session's one N3 tunnel. Checks: ping and TCP from the UE to both
# ends; every G-PDU the peers got had the right TEID, container and QFI;
# the session's URRs counted both directions; the UE cannot reach the UPF's
# own addresses; sxdp stops cleanly.
# A second UE (session 2, IPv4v6: 10.45.0.2 and the /64 2001:db8:45:2::) is
# behind a gNB over IPv6 on the same link (gtpsim on 2001:db8:3::10, sxdp's
# N3 SVI6 2001:db8:3::1): the gNB and sxdp find each other by NDP, its
# uplink breaks out, its downlink leaves in an IPv6 tunnel whose UDP
# checksum the gNB's kernel checks. Its IPv6 reaches the DN host's
# (2001:db8:200::5, behind sxdp's N6 SVI6: NDP again) the same way.
# Over AF_XDP, the N3 link is shared with the kernel (the box's own
# 198.18.0.20 on it, in a subnet of its own that the gNB has too; one MAC
# for both, no promiscuous mode): the UPF's claims for its endpoints (GTP-U,
# ICMP and ARP; over IPv6 GTP-U, ICMPv6 and NDP, which the second UE's
# traffic needs) are the XDP program's rules, the G-PDUs are steered to
# sxdp, and the gNB's ping and a TCP exchange to the kernel's address are
# passed to the kernel. Ends with "N passed, M failed"; exit 1
# if any failed, 77 without netns/veth/TUN. BUILD, NL_DRIVER, TCP_SECONDS,
# NL_KEEP as the other e2e tests.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
HOSTS=(gnb dn anc)                       # the sxdp ports, in order: n3, n6, n9
declare -A ROLE=([gnb]=n3 [dn]=n6 [anc]=n9)
declare -A ADDR=([gnb]=192.0.2.10 [dn]=10.200.0.5 [anc]=198.51.100.9)
declare -A GWS=([gnb]="" [dn]=10.200.0.1 [anc]="")
declare -A IP=([ue]=10.45.0.1 [dn]=10.200.0.5 [anc]=203.0.113.7)   # what servers bind
declare -A MAC=([gnb]=02:00:c0:00:02:0a [dn]=02:00:0a:c8:00:05 [anc]=02:00:c6:33:64:09)
N3=192.0.2.1 N9=198.51.100.1 N6=10.200.0.1
N3_6=2001:db8:3::1 GNB6=2001:db8:3::10   # the second gNB's N3, over IPv6
# the N3 link, when AF_XDP: shared with the kernel, whose own address on it
# is KERNEL_N3 (the gNB's is GNB_MGMT; not in N3's subnet, which the root
# namespace may route elsewhere); the N3 SVI's MAC is the interface's
declare -A XDP_OPTS=([gnb]='"shared": true, "promisc": false')
KERNEL_N3=198.18.0.20 GNB_MGMT=198.18.0.10 N3_MAC=02:5e:00:00:03:01
ns() { printf 'upe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }

BGPIDS=()
NSES=("${HOSTS[@]}" ue ue2)   # sw_teardown's: the netns and the root ends of the veths
LINKS=("${HOSTS[@]}")
trap sw_teardown EXIT
trap 'exit 130' INT TERM

if [ ! -c /dev/net/tun ]; then
  echo "SKIP: no /dev/net/tun (the gNB simulator's UE side)"
  exit 77
fi

# ------------------------------------------------------------- 1. topology
sw_stale_cleanup upe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-upf.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
for h in "${HOSTS[@]}"; do
  if ! nl_host "$(ns "$h")" "${ADDR[$h]}" "$(ns "$h")" >/dev/null 2>&1 ||
     ! nl_host_l2l3 "$(ns "$h")" "${MAC[$h]}" "${GWS[$h]}"; then
    notok "topology: host $h"
    finish
  fi
done
for u in ue ue2; do
  ip netns add "$(ns $u)" && ip -n "$(ns $u)" link set lo up || { notok "topology: the UE's netns $u"; finish; }
done
# the gNB's IPv6 (nl_host turned it off): no DAD, RS or RA, which are not under test
if ! in_ns gnb sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
       net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=0 \
       net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.accept_dad=0 >/dev/null ||
   ! in_ns gnb ip -6 addr add $GNB6/64 dev eth0 nodad; then
  notok "topology: the gNB's IPv6 address"
  finish
fi
in_ns anc ip addr add 203.0.113.7/32 dev lo
in_ns anc sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip link set "$(ns gnb)" address $N3_MAC
sw_links_up "${HOSTS[@]}"

# the two GTP-U peers: the gNB's TUN moves into the UE's netns once made
start_sim() { # NAME HOST TUN LOCAL PEER TEID_OUT TEID_IN PSC QFI WANT_QFI
  local h=$1 host=$2 i
  shift 2
  ip netns exec "$(ns "$host")" "$PY" "$here/gtpsim.py" --tun "$1" --local "$2" --peer "$3" --teid-out "$4" \
    --teid-in "$5" --psc "$6" --qfi "$7" --want-qfi "$8" --ready "$NL_DIR/ready-$h" \
    --stats "$NL_DIR/stats-$h.json" >"$NL_DIR/gtpsim-$h.log" 2>&1 &
  BGPIDS+=("$!")
  for i in $(seq 1 100); do [ -f "$NL_DIR/ready-$h" ] && return 0; sleep 0.05; done
  return 1
}
TUN_UE=ue$TAG TUN_AN=an$TAG TUN_UE2=u2$TAG
if start_sim gnb gnb "$TUN_UE" 192.0.2.10 "$N3" 0x100 0x2000 ul 9 9 &&
   ip -n "$(ns gnb)" link set "$TUN_UE" netns "$(ns ue)" &&
   in_ns ue ip link set "$TUN_UE" mtu 1400 up && in_ns ue ip addr add 10.45.0.1/32 dev "$TUN_UE" &&
   in_ns ue ip route add default dev "$TUN_UE" &&
   start_sim anc anc "$TUN_AN" 198.51.100.9 "$N9" 0x7000 0x9000 dl 9 5 &&
   in_ns anc ip link set "$TUN_AN" mtu 1400 up && in_ns anc ip route add 10.45.0.0/16 dev "$TUN_AN" &&
   start_sim gnb6 gnb "$TUN_UE2" $GNB6 $N3_6 0x200 0x3000 ul 9 9 &&
   ip -n "$(ns gnb)" link set "$TUN_UE2" netns "$(ns ue2)" &&
   in_ns ue2 sysctl -qw net.ipv6.conf.all.disable_ipv6=0 "net.ipv6.conf.$TUN_UE2.disable_ipv6=0" \
     "net.ipv6.conf.$TUN_UE2.stable_secret=2001:db8:5eed::1" "net.ipv6.conf.$TUN_UE2.use_tempaddr=0" \
     "net.ipv6.conf.$TUN_UE2.accept_ra=2" "net.ipv6.conf.$TUN_UE2.router_solicitations=-1" \
     "net.ipv6.conf.$TUN_UE2.router_solicitation_interval=1" \
     "net.ipv6.conf.$TUN_UE2.router_solicitation_max_interval=2" >/dev/null &&
   in_ns ue2 ip link set "$TUN_UE2" mtu 1400 up && in_ns ue2 ip addr add 10.45.0.2/32 dev "$TUN_UE2" &&
   in_ns ue2 ip route add default dev "$TUN_UE2" &&
   in_ns dn sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
     net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=0 \
     net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.accept_dad=0 >/dev/null &&
   in_ns dn ip -6 addr add 2001:db8:200::5/64 dev eth0 nodad &&
   in_ns dn ip -6 route add 2001:db8:45::/48 via 2001:db8:200::1; then
  ok "topology: UEs behind simulated gNBs over IPv4 and IPv6 (TUN + GTP-U over UDP), local DN host, anchor UPF simulator with its network"
else
  notok "topology: the GTP-U simulators ($(cat "$NL_DIR"/gtpsim-*.log 2>/dev/null | tail -3 | tr '\n' ' '))"
  finish
fi

# ---------------------------------------------------------------- 2. sxdp
sw_start "upe$TAG" '{"n3": "upf", "n9": "upf", "n6": "switch"}' "n3=upf n9=upf n6=switch"
# only a shared port may take the kernel's address: with AF_PACKET the
# kernel would see (and could route) every G-PDU too
if [ "$drv" = af_xdp ]; then
  ip addr add $KERNEL_N3/24 dev "$(ns gnb)" && in_ns gnb ip addr add $GNB_MGMT/24 dev eth0 ||
    notok "the kernel's address on the shared N3 link"
fi

# ------------------------------------------------------- 3. the tables
# ports: gnb 0 (n3), dn 1 (n6), anc 2 (n9). The underlay is slice 100 (an
# SVI per link, so the peers' ARP is answered and theirs resolved); the
# local DN is slice 1's VRF, whose route to the UE pool goes into the UPF.
PYTHONPATH="$here" "$PY" - "$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import link
u = []
def add(table, match, action, params=None, **kw):
    u.append(dict({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}}, **kw))
links = [  # (port, index, vrf, bd, svi address, svi MAC, subnet)
    ("gnb", 0, 100, 100, "192.0.2.1", "02:5e:00:00:03:01", "192.0.2.0/24"),
    ("anc", 2, 100, 101, "198.51.100.1", "02:5e:00:00:09:01", "198.51.100.0/24"),
    ("dn", 1, 1, 1, "10.200.0.1", "02:5e:00:00:06:01", "10.200.0.0/24"),
]
for port, ix, vrf, bd, ip, mac, net in links:
    link(add, port, ix, vrf, bd, ip, mac, net)
add("routes", {"vrf": 1, "dst": "10.45.0.0/16"}, "upf")
add("upf_interfaces", {"dst": "192.0.2.1/32"}, "n3", {"slice": 0, "id": 1})
add("upf_interfaces", {"dst": "198.51.100.1/32"}, "n9", {"slice": 0, "id": 2})
add("upf_interfaces", {"dst": "10.200.0.1/32"}, "n6", {"slice": 1})
add("tunnel_peers", {"id": 1}, "gtpu", {"src": "192.0.2.1", "dst": "192.0.2.10", "gw": "192.0.2.10", "vrf": 100,
                                        "sport": 2152, "mtu": 0, "dscp": 64})
add("tunnel_peers", {"id": 2}, "gtpu", {"src": "198.51.100.1", "dst": "198.51.100.9", "gw": "198.51.100.9",
                                        "vrf": 100, "sport": 2152, "mtu": 0, "dscp": 64})
# session 1: its own uplink termination to the anchor, the DN's app broken
# out; downlink from both sides to the gNB, counted in one URR
dl = {"id": 1, "peer": 1, "teid": 0x2000, "qfi": 9, "urr": 3}
add("sessions_uplink", {"iface": 1, "teid": 0x100}, "fwd_n9",
    {"id": 1, "ue": "10.45.0.1", "slice": 1, "ohr": 0, "apps": 1, "peer": 2, "teid": 0x9000, "qfi": 5, "urr": 2})
add("sessions_n9_downlink", {"iface": 2, "teid": 0x7000}, "encap_n3", dict(dl, slice=1, ohr=0))
add("sessions_downlink", {"slice": 1, "ue": "10.45.0.1"}, "encap_n3", dl)
add("applications", {"slice": 1, "remote": {"value": "10.200.0.0", "mask": "255.255.255.0"}}, "app", {"app": 1},
    priority=10)
add("terminations_uplink", {"session": 1, "app": 1}, "fwd_n6", {"urr": 1})
# the gNB over IPv6 on the N3 link: N3's SVI6 (its /64 connected: the gNB
# found by NDP), an endpoint and a peer over IPv6; session 2 (OHR 1: GTP-U
# over IPv6) breaks out all its uplink, its downlink goes back over IPv6
add("svi6", {"vrf": 100, "bd": 100}, "svi6", {"mac": "02:5e:00:00:03:01", "ip": "2001:db8:3::1", "plen": 64})
add("routes6", {"vrf": 100, "dst": "2001:db8:3::1/128"}, "local")
add("routes6", {"vrf": 100, "dst": "2001:db8:3::/64"}, "connected", {"bd": 100})
add("upf_interfaces6", {"dst": "2001:db8:3::1/128"}, "n3", {"slice": 0, "id": 3})
add("tunnel_peers", {"id": 3}, "gtpu6", {"src": "2001:db8:3::1", "dst": "2001:db8:3::10", "vrf": 100,
                                         "sport": 2152, "mtu": 0, "dscp": 64})
add("sessions_uplink", {"iface": 3, "teid": 0x200}, "fwd_n6", {"id": 2, "ue": "10.45.0.2", "slice": 1, "ohr": 1,
                                                               "urr": 5})
add("sessions_downlink", {"slice": 1, "ue": "10.45.0.2"}, "encap_n3",
    {"id": 2, "peer": 3, "teid": 0x3000, "qfi": 9, "urr": 6})
# its IPv6 /64 (downlink, and what its IPv6 sources are checked against);
# the local DN over IPv6 too: N6's SVI6, the IPv6 pool's route into the UPF
add("sessions_downlink6", {"slice": 1, "ue": "2001:db8:45:2::"}, "encap_n3",
    {"id": 2, "peer": 3, "teid": 0x3000, "qfi": 9, "urr": 6})
# the UE's kernel configures its address from the UPF's Router Advertisement
# (SLAAC on the /64: stable_secret, no address of its own) and its link MTU (1380, under the TUN's 1400)
add("sessions_ra", {"session": 2}, "ra", {"prefix": "2001:db8:45:2::", "router": "fe80::1", "mtu": 1380})
add("svi6", {"vrf": 1, "bd": 1}, "svi6", {"mac": "02:5e:00:00:06:01", "ip": "2001:db8:200::1", "plen": 64})
add("routes6", {"vrf": 1, "dst": "2001:db8:200::1/128"}, "local")
add("routes6", {"vrf": 1, "dst": "2001:db8:200::/64"}, "connected", {"bd": 1})
add("routes6", {"vrf": 1, "dst": "2001:db8:45::/48"}, "upf")
json.dump({"atomicity": "dataplane-atomic", "updates": u}, open(sys.argv[1], "w"))
PYEOF
sw_table_load "$NL_DIR/tables.json"

# ------------------------------------------------------------ 4. traffic
wait_ping ue 10.200.0.5 15 || true
ping_check "UE -> local DN host (uplink broken out, downlink into the N3 tunnel)" ue 10.200.0.5 20 63
ping_check "UE -> the anchor's network over N9 (no hop of ours: not routed)" ue 203.0.113.7 20 64
tcp_check "TCP UE -> local DN host (iperf3)" ue dn
tcp_check "TCP UE -> the anchor's network over N9 (iperf3)" ue anc
wait_ping ue2 10.200.0.5 15 || true
ping_check "UE 2 -> local DN host through the gNB over IPv6 (NDP both ways, an IPv6 tunnel back)" ue2 10.200.0.5 20 63
tcp_check "TCP UE 2 -> local DN host through the gNB over IPv6 (iperf3)" ue2 dn
# UE 2's IPv6 from the UPF's RA: its kernel solicits every 2 s until one comes
ue6=""
for _ in $(seq 1 150); do
  ue6=$(in_ns ue2 ip -6 -o addr show dev "$TUN_UE2" scope global 2>/dev/null | awk '$4 !~ /tentative/ {print $4; exit}')
  [ -n "$ue6" ] && ! in_ns ue2 ip -6 -o addr show dev "$TUN_UE2" scope global | grep -q tentative && break
  sleep 0.2
done
rt=$(in_ns ue2 ip -6 route show default 2>/dev/null | head -1)
mtu6=$(in_ns ue2 sysctl -n "net.ipv6.conf.$TUN_UE2.mtu" 2>/dev/null)
ras=$(stats_json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["events"].get("upf.ra_sent", 0))')
case "$ue6|$rt|$mtu6" in
  2001:db8:45:2:*/64"|default via fe80::1 dev $TUN_UE2"*"|1380")
    ok "UE 2's kernel took its address from the UPF's Router Advertisement: $ue6, $rt, MTU $mtu6 (upf.ra_sent $ras)" ;;
  *) notok "UE 2's SLAAC: address '$ue6', default route '$rt', MTU '$mtu6' (upf.ra_sent $ras)" ;;
esac
wait_ping ue2 2001:db8:200::5 15 || true
ping_check "UE 2's IPv6 -> the DN host's IPv6 (an IPv6 PDU session's /64, routed by switch.l3v6 both ways)" \
  ue2 2001:db8:200::5 20 63
tcp_check "TCP UE 2 -> local DN host over IPv6 in the IPv6 tunnel (iperf3)" ue2 dn 2001:db8:200::5
# the UPF's own addresses are no destination for a UE
if in_ns ue ping -c 2 -i 0.2 -W 1 "$N3" >/dev/null 2>&1 || in_ns ue ping -c 2 -i 0.2 -W 1 "$N6" >/dev/null 2>&1; then
  notok "the UE reached one of the UPF's own addresses"
else
  d=$(stats_json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["drops"].get("upf.ue_to_upf", 0))')
  if [ "$d" -ge 4 ]; then ok "the UE cannot reach the UPF's N3 or N6 address (upf.ue_to_upf $d)"
  else notok "upf.ue_to_upf counted $d, want >= 4"; fi
fi

# ------------------------------------- 4b. N3 shared with the box's kernel
xdp_gnb() { # FIELD: the N3 port's XDP counter
  ctl --json xdp 2>/dev/null | "$PY" -c '
import json, sys
print(next(p[sys.argv[1]] for p in json.load(sys.stdin)["ports"] if p["port"] == "gnb"))' "$1"
}
if [ "$drv" = af_xdp ]; then
  rules=$(ctl --json xdp 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(sorted("%s/%s/%d/%s" % (r["addr"], r["proto"], r["port"], ",".join(r["owners"]))
                      for r in json.load(sys.stdin)["rules"])))')
  want="$N3/arp/0/upf $N3/icmp/0/upf $N3/udp/2152/upf $N9/arp/0/upf $N9/icmp/0/upf $N9/udp/2152/upf"
  want="$want $N3_6/icmpv6/0/upf $N3_6/nd/0/upf $N3_6/udp/2152/upf"
  if [ "$rules" = "$want" ]; then
    ok "the UPF's claims for its N3 (IPv4 and IPv6) and N9 endpoints are the XDP rules: $rules"
  else
    notok "XDP rules: '$rules', want '$want'"
  fi
  s0=$(xdp_gnb steered)
  ping_check "UE -> local DN host again, its G-PDUs through the shared N3 port" ue 10.200.0.5 20 63
  s1=$(xdp_gnb steered)
  if [ "$((s1 - s0))" -ge 20 ]; then
    ok "the G-PDUs were steered to sxdp: steered +$((s1 - s0))"
  else
    notok "steered on N3: +$((s1 - s0)) over 20 UE pings"
  fi
  p0=$(xdp_gnb passed)
  ping_check "the gNB pings the box's kernel ($KERNEL_N3) on the shared N3 link" gnb $KERNEL_N3 10 64
  ping_check "the gNB pings sxdp's N3 address ($N3) on the same link" gnb $N3 5 64
  # request/answer round trips to a TCP server of the box's kernel
  tcp_echo_server $KERNEL_N3 2222
  got=$(tcp_rounds gnb $KERNEL_N3 2222 100)
  p1=$(xdp_gnb passed)
  if [ "$got" = 100 ] && [ "$((p1 - p0))" -ge 110 ]; then
    ok "TCP to the box's kernel on the shared N3 link: 100/100 answers, $((p1 - p0)) frames passed to the kernel"
  else
    notok "TCP to $KERNEL_N3: '$got'/100 answers, passed +$((p1 - p0))"
  fi
else
  echo "# not AF_XDP ($drv): the shared N3 link is not checked"
fi

# --------------------------------------------------- 5. what the ends saw
use=$(ctl --json call upf.usage session=1 2>&1)
if printf '%s' "$use" | "$PY" -c '
import json, sys
t = {(x["direction"], x["app"]): x for x in json.load(sys.stdin)["terminations"]}
ok = all(t[k]["packets"] > 20 and t[k]["bytes"] > 1000000 for k in (("uplink", 1), ("uplink", 0)))
sys.exit(0 if ok and t[("downlink", 0)]["packets"] > 40 else 1)'; then
  ok "the session's URRs counted breakout, N9 and downlink: $(printf '%s' "$use" | tr -d ' \n' | head -c 300)"
else
  notok "URR counters: $use"
fi
for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null; done
BGPIDS=()
for h in gnb gnb6 anc; do
  s=$(cat "$NL_DIR/stats-$h.json" 2>/dev/null)
  if printf '%s' "$s" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["received"] > 40 and s["bad_teid"] + s["bad_psc"] + s["bad_qfi"] + s["malformed"] == 0 else 1)'; then
    ok "$h simulator: every G-PDU from sxdp had its TEID, container and QFI: $s"
  else
    notok "$h simulator saw: ${s:-nothing}"
  fi
done

# ------------------------------------------------------------------ 6. stop
if nl_stop_sxdp; then ok "sxdp stopped cleanly (SIGTERM)"; else notok "sxdp did not stop cleanly"; fi
finish
