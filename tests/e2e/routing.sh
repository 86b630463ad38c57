#!/usr/bin/env bash
# e2e routes learned: FRR (Debian's 8.4) speaks BGP for slice "red"
# through the box's exception path, and the routes it learns reach sxdp's
# VRF through sxcd (the slice's twin in its network namespace, netlink
# route import), from intents alone (sxctl apply -f).
#
#   netns ra: FRR AS 65050 ── lan1 (routed 10.1.0.1/24, 2001:db8:1::1/64) ┐
#     192.168.50.0/24, 192.168.51.0/24, 2001:db8:50::/64 (on its lo)        │ netns sa: sxdp, sxcd
#   netns ha 10.10.0.11 ── lan2 (slice red's BD, SVI 10.10.0.1) ──────────┤   host port: a TAP sxdp makes
#   netns h6 2001:db8:3::2 ── lan3 (routed 2001:db8:3::1/64) ────────────┘   twin: netns <red> (FRR AS 65001)
#
# FRR runs in the slice's twin namespace (one instance per slice, as
# shipped) and peers with the LAN router ra over IPv4 and IPv6.
#
# Checks: the twin (its link in the namespace wearing the host port's MAC,
# NOARP, the slice's addresses and a link-local one of that MAC, a default
# route into sxdp); both BGP sessions Established; ra's prefixes in sxdp
# (IPv4, IPv6, origin bgp) and traffic following them (ha, h6 reach ra's
# networks); `sxctl route learned red` lists them; an operator's pinned
# route (a drop intent) wins over the learned one (shadowed), and the
# learned one comes back when the pin goes; ECMP from a static multipath
# route in the twin; OSPF beside BGP (ospfd in the twin, at ra on the
# routed port and at ha, a router on the bridge domain too: adjacencies
# Full through the exception path's multicast, their prefixes in sxdp with
# origin ospf, traffic between them, a flushed LSA gone from sxdp within
# WITHDRAW_BOUND); OSPFv3 with ra (ff02::5 both ways, the twin's exchanges to
# ra's link-local address, its prefix in sxdp via that address); a withdrawal at ra leaves sxdp within WITHDRAW_BOUND
# (the time printed); sxdp paused past sxcd's keepalive: the twin and its
# routes stand; sxcd killed with -9, a withdrawal while it is away: the
# sxcd started again takes the stale route back, keeps the others; sxdp
# restarted (its host port, and the twin's link on it, gone and back) under
# BGP graceful restart: ra keeps the box's routes throughout.
# Ends with "N passed, M failed"; 77 without netns/veth or FRR.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=routinglib.sh
. "$here/routinglib.sh"


TAG=$$
P="rt$TAG"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { "$SXCTL" --socket "$DIR/a.sock" "$@"; }
api() { ip netns exec "$(nsn sa)" "$SXCTL" --api "http://127.0.0.1:8191" --token-file "$DIR/token" "$@"; }
TWIN="${P}red"   # the slice's twin namespace (routing.vrf): the operator's, where FRR runs
# bounds (seconds) of the waits for events
START_BOUND=20 BGP_BOUND=60 ROUTE_BOUND=20 PING_BOUND=15
WITHDRAW_BOUND=10   # a withdrawal at ra until sxdp has not the prefix: BGP's UPDATE, zebra, netlink, sxcd's next batch
PIDS=()

DIR=$(mktemp -d /tmp/sxdp-e2e-routing.XXXXXX)
chmod 755 "$DIR"
cleanup() {
  local p d
  [ -z "${RT_HOLD:-}" ] || sleep "$RT_HOLD"   # a failing run held for a look
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  pkill -9 -f "$DIR/" 2>/dev/null   # whatever of the box is left (a daemon started again, the relay)
  frr_stop a r h
  if [ "$fail" -ne 0 ]; then
    for f in "$DIR"/sxcd.log "$DIR"/sxdp.log "$DIR"/frr-a/bgpd.log "$DIR"/frr-r/bgpd.log; do
      [ -f "$f" ] && { echo "# $f:"; grep -v "ctl: client" "$f" | tail -15 | sed 's/^/#   /'; }
    done
  fi
  for p in sa ra ha h6; do nl_ns_del "$(nsn "$p")"; done
  nl_ns_del "$TWIN"
  rm -rf "/var/run/dpdk/$(nsn sa)"
  [ -n "${RT_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local n
  for n in sa ra ha h6; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
  done
  ip netns add "$TWIN" || return 1
  veth sa lan1 ra eth0 && veth sa lan2 ha eth0 && veth sa lan3 h6 eth0 || return 1
  ip -n "$(nsn ra)" addr add 10.1.0.2/24 dev eth0
  ip -n "$(nsn ra)" addr add 2001:db8:1::2/64 dev eth0 nodad
  ip -n "$(nsn ra)" route add default via 10.1.0.1
  # ra's own networks on its loopback (this kernel may have no dummy device)
  ip -n "$(nsn ra)" addr add 192.168.50.1/24 dev lo
  ip -n "$(nsn ra)" addr add 192.168.51.1/24 dev lo
  ip -n "$(nsn ra)" addr add 2001:db8:50::1/64 dev lo
  ip -n "$(nsn ha)" addr add 10.10.0.11/24 dev eth0 && ip -n "$(nsn ha)" route add default via 10.10.0.1
  ip -n "$(nsn h6)" addr add 2001:db8:3::2/64 dev eth0 nodad && ip -n "$(nsn h6)" -6 route add default via 2001:db8:3::1
}
if ! topo; then notok "topology"; finish; fi
ok "topology: LAN router ra (FRR) on a routed port, hosts ha (the slice's BD) and h6 (an IPv6 routed port); twin namespace $TWIN"

# ------------------------------------------------------------- sxdp, sxcd
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
start_sxcd() {
  # ip netns exec itself in the background (not a function's subshell): $! is sxcd
  ip netns exec "$(nsn sa)" ${RT_GDB:+gdb -q -batch -ex run -ex bt --args} "$SXCD" --socket "$DIR/a.sock" --store "$DIR/store" \
    --listen "127.0.0.1:8191" --token-file "$DIR/token" --resync-ms 1000 --no-netlink >>"$DIR/sxcd.log" 2>&1 &
  CD_PID=$!
  PIDS+=($!)
  for _ in $(seq 1 $((START_BOUND * 10))); do api status >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
start_box() {
  local p i=0 ports=""
  for p in lan1 lan2 lan3; do
    ports+="{\"name\": \"$p\", \"devargs\": \"net_af_packet$i,iface=$p,qpairs=1\", \"role\": \"lan\", \"rx_queues\": 1},"
    i=$((i + 1))
  done
  cat >"$DIR/sxdp.json" <<EOF
{
  "eal": [$(nl_eal_mem 256), "--no-pci", "--file-prefix", "$(nsn sa)"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$DIR/a.sock",
  "mbufs": 8191,
  "idle_sleep_max_us": 500,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [$ports
    {"name": "host", "devargs": "net_tap0,iface=sxh", "role": "lan", "rx_queues": 1}]
}
EOF
  ip netns exec "$(nsn sa)" "$SXDP" --config "$DIR/sxdp.json" --socket "$DIR/a.sock" >"$DIR/sxdp.log" 2>&1 </dev/null &
  DP_PID=$!
  PIDS+=($!)
  for _ in $(seq 1 $((START_BOUND * 10))); do [ -S "$DIR/a.sock" ] && break; sleep 0.1; done
  mkdir -p "$DIR/store"
  start_sxcd
}
if start_box; then ok "sxdp (AF_PACKET, a TAP host port) and sxcd"
else notok "sxdp and sxcd start: $(tail -3 "$DIR"/sx*.log | tr '\n' ' ')"; finish; fi

# The twin's link is the VLAN device sxcd makes on the host port's TAP; a
# kernel without them (CONFIG_VLAN_8021Q off, as here) gets what it would
# do from a user-space 802.1Q relay (vlanrelay.py) and a veth whose twin
# end, sxt1 in the twin's namespace, sxcd takes as the twin.
kernel_vlans && KVLAN=1 || KVLAN=0
if [ "$KVLAN" = 0 ]; then
  twin_relay "$(nsn sa)" "$TWIN" 1 && PIDS+=("$RELAY_PID")
  skip "sxcd makes the twin's VLAN device" "this kernel has no VLAN devices (CONFIG_VLAN_8021Q): a veth sxcd adopts and a user-space 802.1Q relay stand in"
fi

# the intents ($1: slice red's routes, JSON)
intents() { # [routes]
  "$PY" - "${1:-[]}" "$TWIN" <<'EOF'
import json, sys
routes, twin = json.loads(sys.argv[1]), sys.argv[2]
print(json.dumps({"items": [
    {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}, {"port": "lan2"}, {"port": "lan3"}],
                              "host": {"port": "host"}}},
    {"kind": "slices", "metadata": {"name": "red"}, "spec": {
        "id": 1, "routing": {"vrf": twin}, "routes": routes, "members": [{"port": "lan2"}],
        "svi": {"address": "10.10.0.1/24", "mac": "02:5e:00:0a:00:01"},
        "routed_ports": [{"port": "lan1", "addresses": ["10.1.0.1/24", "2001:db8:1::1/64"]},
                         {"port": "lan3", "addresses": ["2001:db8:3::1/64"]}]}}]}))
EOF
}
intents >"$DIR/intents.json"
if o=$(api apply -f "$DIR/intents.json" --wait 2>&1); then
  ok "intents applied: a host port, slice red with routing {vrf: its twin's namespace}"
else
  notok "apply: $o"; finish
fi

# ------------------------------------------------------------- the twin
twin_field() { # field
  api --json status 2>/dev/null | "$PY" -c '
import json, sys
t = json.load(sys.stdin).get("services", {}).get("routing", {}).get("twins", {}).get("1", {})
print(t.get(sys.argv[1], "?"))' "$1"
}
twin_ok() { [ "$(twin_field twin)" = ok ]; }
if wait_for $START_BOUND twin_ok; then ok "the twin made (status services.routing.twins: ok)"
else notok "twin: $(twin_field twin)"; finish; fi
host_mac=$(sx --json ports 2>/dev/null | "$PY" -c 'import json,sys; print(next(p["mac"] for p in json.load(sys.stdin)["ports"] if p["name"] == "host"))')
tw=$(ip -n "$TWIN" -d link show sxt1 2>/dev/null)
addrs=$(ip -n "$TWIN" -br addr show sxt1 2>/dev/null)
if echo "$tw" | grep -q "NOARP" && { [ "$KVLAN" = 0 ] || echo "$tw" | grep -q "vlan protocol 802.1Q id 1"; } &&
   echo "$tw" | grep -qi "link/ether $host_mac" && echo "$tw" | grep -q "alias sxcd twin 1 of " &&
   echo "$addrs" | grep -q "10.10.0.1/24" && echo "$addrs" | grep -q "10.1.0.1/24" &&
   echo "$addrs" | grep -q "2001:db8:1::1/64" && echo "$addrs" | grep -q "fe80::" &&
   ip -n "$TWIN" route show default | grep -q "dev sxt1 proto 250"; then
  ok "the twin: sxt1 in $TWIN ($([ "$KVLAN" = 1 ] && echo "VLAN 1 on the host port" || echo "an adopted veth")), the host port's MAC ($host_mac), NOARP, the slice's addresses and a link-local one ($(echo $addrs | cut -d' ' -f3-)), a default route into sxdp"
else
  notok "the twin: $tw / $addrs / $(ip -n "$TWIN" route show 2>&1)"
fi

# ------------------------------------------------------------- FRR
# as shipped: each end routes via the other's link-local next hop (FRR's
# choice for a directly connected peer), ra via the twin's (the box's on
# lan1), the box via ra's, on whichever of slice red's two IPv6 links it
# answers (fe80:ffff::IID in sxdp)
cat >"$DIR/bgp-a.conf" <<'EOF'
router bgp 65001
 bgp router-id 10.10.0.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 neighbor 10.1.0.2 remote-as 65050
 neighbor 10.1.0.2 timers connect 2
 neighbor 10.1.0.2 advertisement-interval 0
 neighbor 2001:db8:1::2 remote-as 65050
 neighbor 2001:db8:1::2 timers connect 2
 neighbor 2001:db8:1::2 advertisement-interval 0
 address-family ipv4 unicast
  redistribute connected
  neighbor 10.1.0.2 activate
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  neighbor 2001:db8:1::2 activate
 exit-address-family
exit
EOF
cat >"$DIR/bgp-r.conf" <<'EOF'
router bgp 65050
 bgp router-id 10.1.0.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 bgp graceful-restart
 neighbor 10.1.0.1 remote-as 65001
 neighbor 10.1.0.1 timers connect 2
 neighbor 10.1.0.1 advertisement-interval 0
 neighbor 2001:db8:1::1 remote-as 65001
 neighbor 2001:db8:1::1 timers connect 2
 neighbor 2001:db8:1::1 advertisement-interval 0
 address-family ipv4 unicast
  network 192.168.50.0/24
  network 192.168.51.0/24
  neighbor 10.1.0.1 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:50::/64
  neighbor 2001:db8:1::1 activate
 exit-address-family
exit
EOF
if frr_start a "$TWIN" "$DIR/bgp-a.conf" && frr_start r "$(nsn ra)" "$DIR/bgp-r.conf"; then
  ok "FRR (zebra, bgpd) in the twin's namespace (AS 65001) and at ra (AS 65050)"
else
  notok "FRR start: $(cat "$DIR"/frr-*/start.log 2>/dev/null | tail -5 | tr '\n' ' ')"; finish
fi
drops() {
  sx --json stats 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v))'
}
if wait_for $BGP_BOUND established a 10.1.0.2 2001:db8:1::2; then
  ok "BGP Established with ra over IPv4 and IPv6 (the routed port, through the exception path)"
else
  notok "BGP sessions: $(vty a -c 'show bgp summary' | grep -E '^[0-9]' | tr -s ' \n' ' '); drops: $(drops)"
  finish
fi

# ------------------------------------------------------------- the routes
route_of() { # prefix: "ACTION PARAMS" as sxdp's VRF 1 holds it, "" when none
  local t=routes; case $1 in *:*) t=routes6 ;; esac
  sx --json table show "$t" --all 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    if e["match"].get("vrf") == 1 and e["match"].get("dst") == sys.argv[1]:
        p = e.get("params", {})
        print(e["action"], " ".join("%s=%s" % (k, p[k]) for k in sorted(p)))
        break' "$1"
}
route_is() { [ "$(route_of "$1")" = "$2" ]; }
route_gone() { [ -z "$(route_of "$1")" ]; }
learned() { # prefix field: what sxctl route learned red says of it
  api --json route learned red 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(next((str(r.get(sys.argv[2])) for r in d.get("learned", []) if r["prefix"] == sys.argv[1]), "-"))' "$1" "$2"
}
learned_is() { [ "$(learned "$1" "$2")" = "$3" ]; }
# ra's link-local address on lan1, as sxdp's VRF names it on any link
RA_LL=$(ip -n "$(nsn ra)" -6 -br addr show dev eth0 scope link | "$PY" -c '
import ipaddress, sys
a = ipaddress.IPv6Address(sys.stdin.read().split()[2].split("/")[0]).packed
print(ipaddress.IPv6Address(a[:2] + b"\xff\xff" + a[4:]))')
if wait_for $ROUTE_BOUND route_is 192.168.50.0/24 "via nh=10.1.0.2" &&
   wait_for $ROUTE_BOUND route_is 2001:db8:50::/64 "via nh=$RA_LL"; then
  ok "learned routes in sxdp's VRF 1: 192.168.50.0/24 via 10.1.0.2, 2001:db8:50::/64 via ra's link-local address ($RA_LL: on any of red's two IPv6 links)"
else
  notok "learned routes: $(route_of 192.168.50.0/24) / $(route_of 2001:db8:50::/64); the twin's kernel: $(ip -n "$TWIN" route show | tr '\n' ';') $(ip -n "$TWIN" -6 route show | tr '\n' ';') status: $(api --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["services"].get("routing"))[:800])')"
fi
o=$(learned 192.168.50.0/24 origin) s=$(learned 192.168.50.0/24 state) o6=$(learned 2001:db8:50::/64 origin)
[ "$o" = bgp ] && [ "$s" = installed ] && [ "$o6" = bgp ] &&
  ok "sxctl route learned red: 192.168.50.0/24 origin bgp, installed; 2001:db8:50::/64 origin bgp" ||
  notok "sxctl route learned red: origin $o state $s, IPv6 origin $o6"

pings() { # ns dst
  in_ns "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1
}
if wait_for $PING_BOUND pings ha 192.168.50.1; then ok "ha reaches 192.168.50.1 behind ra: the learned route"
else notok "ha -> 192.168.50.1: drops $(drops)"; fi
if wait_for $PING_BOUND pings h6 2001:db8:50::1; then ok "h6 reaches 2001:db8:50::1 behind ra: the learned IPv6 route via ra's link-local address, back via the twin's"
else notok "h6 -> 2001:db8:50::1: drops $(drops)"; fi

# ------------------------------------------------------------- OSPF
# OSPFv2 beside BGP, area 0 on the routed port (with ra) and on the
# slice's bridge domain (with ha, a router there too); each redistributes
# a network of its loopback. Their hellos and floods (224.0.0.5/6) reach
# the twin as a copy of what the link carries; the twin's go out bridged.
# Hello 1 s, dead OSPF_DEAD s (the Wait timer as long): the adjacencies must
# outlast sxdp's pause below (sxcd calls it unresponsive after its keepalive's
# 3 s or a call's 5 s deadline, then a status poll: 5.5 s measured alone, so
# the 4 s this had could drop them even then)
OSPF_DEAD=10
ospf_conf() { # ROUTER_ID IFACE OWN_PREFIX NETWORK...
  local rid=$1 ifc=$2 own=$3 n; shift 3
  printf 'interface %s\n ip ospf hello-interval 1\n ip ospf dead-interval %s\nexit\n' "$ifc" "$OSPF_DEAD"
  [ "$own" = - ] || printf 'ip prefix-list OWN seq 5 permit %s\nroute-map OWN permit 10\n match ip address prefix-list OWN\nexit\n' "$own"
  printf 'router ospf\n ospf router-id %s\n' "$rid"
  for n in "$@"; do printf ' network %s area 0\n' "$n"; done
  [ "$own" = - ] || printf ' redistribute connected route-map OWN\n'
  printf 'exit\n'
}
ip -n "$(nsn ra)" addr add 10.88.0.1/24 dev lo
ip -n "$(nsn ha)" addr add 10.89.0.1/24 dev lo
ospf_conf 10.10.0.1 sxt1 - 10.1.0.0/24 10.10.0.0/24 >"$DIR/ospf-a.conf"
ospf_conf 10.1.0.2 eth0 10.88.0.0/24 10.1.0.0/24 >"$DIR/ospf-r.conf"
ospf_conf 10.10.0.11 eth0 10.89.0.0/24 10.10.0.0/24 >"$DIR/ospf-h.conf"
if frr_add a "$TWIN" ospfd "$DIR/ospf-a.conf" && frr_add r "$(nsn ra)" ospfd "$DIR/ospf-r.conf" &&
   frr_start h "$(nsn ha)" "$DIR/ospf-h.conf" ospfd; then
  ok "FRR's ospfd in the twin, at ra and at ha (zebra and ospfd), area 0"
else
  notok "ospfd start: $(cat "$DIR"/frr-*/start.log 2>/dev/null | tail -5 | tr '\n' ' ')"
fi
full() { # the twin's OSPF neighbours, each Full
  vty a -c "show ip ospf neighbor json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin).get("neighbors", {})
st = {k: v[0].get("nbrState", "") for k, v in d.items()}
sys.exit(0 if all(any(s.startswith("Full") for s in [st.get(n, "")]) for n in sys.argv[1:]) else 1)' "$@"
}
if wait_for $BGP_BOUND full 10.1.0.2 10.10.0.11; then
  ok "OSPF adjacencies Full with ra (the routed port) and ha (the bridge domain), through the exception path ($(sx --json stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["events"].get("switch.twin_mcast", 0))') of the twin's multicasts out bridged)"
else
  notok "OSPF neighbours: $(vty a -c 'show ip ospf neighbor' | tail -n +2 | tr -s ' \n' ' '); drops: $(drops)"
fi
if wait_for $ROUTE_BOUND route_is 10.88.0.0/24 "via nh=10.1.0.2" && wait_for $ROUTE_BOUND route_is 10.89.0.0/24 "via nh=10.10.0.11" &&
   [ "$(learned 10.88.0.0/24 origin)/$(learned 10.89.0.0/24 origin)" = ospf/ospf ]; then
  ok "OSPF's routes in sxdp's VRF 1, origin ospf: 10.88.0.0/24 via ra, 10.89.0.0/24 via ha"
else
  notok "OSPF routes: $(route_of 10.88.0.0/24) ($(learned 10.88.0.0/24 origin)) / $(route_of 10.89.0.0/24) ($(learned 10.89.0.0/24 origin)); the twin: $(ip -n "$TWIN" route show proto ospf | tr '\n' ';')"
fi
if wait_for $PING_BOUND in_ns ha ping -c 3 -i 0.2 -W 2 -I 10.89.0.1 10.88.0.1 >/dev/null 2>&1; then
  ok "ha's 10.89.0.1 reaches ra's 10.88.0.1: both ways on routes OSPF taught the box"
else
  notok "10.89.0.1 -> 10.88.0.1: drops $(drops)"
fi
t0=$(date +%s%N)
ip -n "$(nsn ra)" addr del 10.88.0.1/24 dev lo
if wait_for $WITHDRAW_BOUND route_gone 10.88.0.0/24; then
  ok "ra's 10.88.0.0/24 gone (its LSA flushed): out of sxdp after $(( ($(date +%s%N) - t0) / 1000000 )) ms; 10.89.0.0/24 stays: $(route_of 10.89.0.0/24)"
else
  notok "OSPF withdrawal: $(route_of 10.88.0.0/24)"
fi

# ------------------------------------------------------------- OSPFv3
# OSPFv3 between the twin and ra on lan1: hellos to ff02::5 both ways
# through the exception path, the twin's exchanges to ra's link-local
# address sent where ra answers, ra's prefix in sxdp via that address
ip -n "$(nsn ra)" addr add 2001:db8:88::1/64 dev lo
ospf6_conf() { # ROUTER_ID IFACE OWN_PREFIX: hello 1 s, dead OSPF_DEAD s
  printf 'interface %s\n ipv6 ospf6 area 0.0.0.0\n ipv6 ospf6 hello-interval 1\n ipv6 ospf6 dead-interval %s\nexit\n' "$2" "$OSPF_DEAD"
  [ "$3" = - ] || printf 'ipv6 prefix-list OWN6 seq 5 permit %s\nroute-map OWN6 permit 10\n match ipv6 address prefix-list OWN6\nexit\n' "$3"
  printf 'router ospf6\n ospf6 router-id %s\n' "$1"
  [ "$3" = - ] || printf ' redistribute connected route-map OWN6\n'
  printf 'exit\n'
}
ospf6_conf 10.10.0.1 sxt1 - >"$DIR/ospf6-a.conf"
ospf6_conf 10.1.0.2 eth0 2001:db8:88::/64 >"$DIR/ospf6-r.conf"
if frr_add a "$TWIN" ospf6d "$DIR/ospf6-a.conf" && frr_add r "$(nsn ra)" ospf6d "$DIR/ospf6-r.conf"; then
  ok "FRR's ospf6d in the twin and at ra, area 0"
else
  notok "ospf6d start: $(cat "$DIR"/frr-*/start.log 2>/dev/null | tail -5 | tr '\n' ' ')"
fi
full6() { # the twin's OSPFv3 neighbour ra is Full
  vty a -c "show ipv6 ospf6 neighbor json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin).get("neighbors", [])
sys.exit(0 if any(n.get("neighborId") == "10.1.0.2" and n.get("state", "").startswith("Full") for n in d) else 1)'
}
if wait_for $BGP_BOUND full6; then
  ok "OSPFv3 adjacency Full with ra: hellos to ff02::5 through the exception path, the exchanges to ra's link-local address"
else
  notok "OSPFv3 neighbours: $(vty a -c 'show ipv6 ospf6 neighbor' | tail -n +2 | tr -s ' \n' ' '); drops: $(drops)"
fi
if wait_for $ROUTE_BOUND route_is 2001:db8:88::/64 "via nh=$RA_LL" && [ "$(learned 2001:db8:88::/64 origin)" = ospf ] &&
   wait_for $PING_BOUND pings h6 2001:db8:88::1; then
  ok "OSPFv3's route in sxdp's VRF 1, origin ospf: 2001:db8:88::/64 via ra's link-local address; h6 reaches 2001:db8:88::1"
else
  notok "OSPFv3 route: $(route_of 2001:db8:88::/64) ($(learned 2001:db8:88::/64 origin)); the twin: $(ip -n "$TWIN" -6 route show proto ospf | tr '\n' ';'); drops $(drops)"
fi
t0=$(date +%s%N)
ip -n "$(nsn ra)" addr del 2001:db8:88::1/64 dev lo
if wait_for $WITHDRAW_BOUND route_gone 2001:db8:88::/64; then
  ok "ra's 2001:db8:88::/64 gone (its LSA flushed): out of sxdp after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
  notok "OSPFv3 withdrawal: $(route_of 2001:db8:88::/64)"
fi

# ------------------------------------------------------------- an operator's pin
intents '[{"prefix": "192.168.51.0/24", "drop": true}]' >"$DIR/pinned.json"
if wait_for $ROUTE_BOUND route_is 192.168.51.0/24 "via nh=10.1.0.2" && api apply -f "$DIR/pinned.json" --wait >/dev/null 2>&1 &&
   route_is 192.168.51.0/24 "drop " && wait_for $ROUTE_BOUND learned_is 192.168.51.0/24 state shadowed; then
  sleep 2   # a learned write racing the pin would show by now (two ticks)
  if route_is 192.168.51.0/24 "drop " && ! pings ha 192.168.51.1; then
    ok "a pinned route wins: the intent's 192.168.51.0/24 drop stays in sxdp over the learned one (shadowed); ha cannot reach 192.168.51.1"
  else notok "pinned: $(route_of 192.168.51.0/24)"; fi
else
  notok "pin: $(route_of 192.168.51.0/24), learned $(learned 192.168.51.0/24 state)"
fi
if api apply -f "$DIR/intents.json" --wait >/dev/null 2>&1 && wait_for $ROUTE_BOUND route_is 192.168.51.0/24 "via nh=10.1.0.2" &&
   wait_for $PING_BOUND pings ha 192.168.51.1; then
  ok "the pin taken back: the learned route is back (via 10.1.0.2), ha reaches 192.168.51.1"
else
  notok "unpinned: $(route_of 192.168.51.0/24), learned $(learned 192.168.51.0/24 state)"
fi

# ------------------------------------------------------------- ECMP
ip -n "$TWIN" route add 172.16.9.0/24 nexthop via 10.1.0.2 nexthop via 10.1.0.3
if wait_for $ROUTE_BOUND route_is 172.16.9.0/24 "ecmp n=2 nh0=10.1.0.2 nh1=10.1.0.3 nh2=0.0.0.0 nh3=0.0.0.0" &&
   learned_is 172.16.9.0/24 origin boot; then
  ok "ECMP: a multipath route in the twin (ip route, origin boot) is an ecmp route of 2 next hops in sxdp"
else
  notok "ECMP: $(route_of 172.16.9.0/24), origin $(learned 172.16.9.0/24 origin)"
fi
ip -n "$TWIN" route del 172.16.9.0/24
wait_for $ROUTE_BOUND route_gone 172.16.9.0/24 && ok "its deletion takes it out of sxdp" ||
  notok "ECMP route left: $(route_of 172.16.9.0/24)"

# ------------------------------------------------------------- withdrawal
t0=$(date +%s%N)
vty r -c 'configure terminal' -c 'router bgp 65050' -c 'address-family ipv4 unicast' -c 'no network 192.168.50.0/24' >/dev/null
if wait_for $WITHDRAW_BOUND route_gone 192.168.50.0/24; then
  ok "withdrawn at ra: gone from sxdp after $(( ($(date +%s%N) - t0) / 1000000 )) ms (bound $WITHDRAW_BOUND s); 192.168.51.0/24 stays: $(route_of 192.168.51.0/24)"
else
  notok "withdrawal: $(route_of 192.168.50.0/24)"
fi
in_ns ha ping -c 1 -W 1 192.168.50.1 >/dev/null 2>&1 && notok "ha still reaches a withdrawn prefix" ||
  ok "ha no longer reaches the withdrawn 192.168.50.1"

# ------------------------------------------------------------- sxdp away
# sxdp stopped past sxcd's keepalive (it says unresponsive), then going on:
# the twin and what it learned stand through it, nothing taken back and
# written again
routing_n() { # a counter of services.routing
  api --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["routing"][sys.argv[1]])' "$1"
}
sxdp_state_is() {
  [ "$(api --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["sxdp"]["state"])')" = "$1" ]
}
d0=$(routing_n deletes) w0=$(routing_n writes) ifx0=$(ip -n "$TWIN" -o link show sxt1 | cut -d: -f1)
kill -STOP "$DP_PID"
t0=$(date +%s%N)
away=0; wait_for $START_BOUND sxdp_state_is unresponsive && away=1
kill -CONT "$DP_PID"
echo "# sxdp paused $(( ($(date +%s%N) - t0) / 1000000 )) ms (OSPF's dead interval: $OSPF_DEAD s)"
if [ "$away" = 1 ] && wait_for $START_BOUND sxdp_state_is connected && wait_for $START_BOUND twin_ok; then
  sleep 3   # two ticks and the reconnect's adoption: a twin closed, or routes taken back, would show
  if [ "$(routing_n deletes)" = "$d0" ] && [ "$(routing_n writes)" = "$w0" ] &&
     [ "$(ip -n "$TWIN" -o link show sxt1 | cut -d: -f1)" = "$ifx0" ] && route_is 192.168.51.0/24 "via nh=10.1.0.2" &&
     learned_is 192.168.51.0/24 state installed; then
    ok "sxdp stopped past the keepalive (unresponsive), then on: the twin and its learned routes stand, none taken back or written again"
  else
    notok "after sxdp's pause: deletes $d0 -> $(routing_n deletes), writes $w0 -> $(routing_n writes), 192.168.51.0/24 $(route_of 192.168.51.0/24)"
  fi
else
  notok "sxdp's pause: away $away, state $(api --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["sxdp"])')"
fi

# ------------------------------------------------------------- sxcd restart
# killed with -9; while it is away ra withdraws 192.168.51.0/24 (the twin's
# kernel drops it, nobody tells sxdp): the sxcd started again reads what
# sxdp holds and takes the stale route back, and writes nothing twice
routes_held() { # "vrf:prefix" of every IPv4 route sxdp holds, one line
  sx --json table show routes --all 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(sorted("%s:%s" % (e["match"].get("vrf"), e["match"].get("dst")) for e in json.load(sys.stdin)["entries"])))'
}
nroutes() { routes_held | wc -w; }
kernel_has() { ip -n "$TWIN" route show "$1" | grep -q .; }
kernel_lacks() { ! kernel_has "$1"; }
before=$(nroutes) held0=$(routes_held)
kill -9 "$CD_PID" 2>/dev/null; wait "$CD_PID" 2>/dev/null
vty r -c 'configure terminal' -c 'router bgp 65050' -c 'address-family ipv4 unicast' -c 'no network 192.168.51.0/24' >/dev/null
if wait_for $WITHDRAW_BOUND kernel_lacks 192.168.51.0/24 && route_is 192.168.51.0/24 "via nh=10.1.0.2" &&
   start_sxcd && wait_for $START_BOUND twin_ok && wait_for $ROUTE_BOUND route_gone 192.168.51.0/24; then
  sleep 3   # two ticks and a resync: a duplicate or a lost route would show by now
  after=$(nroutes) held1=$(routes_held)
  # every route held before but the stale one stands; one more is only one
  # the twin's kernel has (OSPF's adjacency with ha, lost while sxdp was
  # paused, may come back meanwhile and teach 10.89.0.0/24 again)
  kept=1
  for r in $held0; do
    case " $held1 " in *" $r "*) ;; *) [ "$r" = 1:192.168.51.0/24 ] || kept=0 ;; esac
  done
  for r in $held1; do
    case " $held0 " in *" $r "*) ;; *) kernel_has "${r#1:}" || kept=0 ;; esac
  done
  if [ "$kept" = 1 ] && ! route_is 192.168.51.0/24 "via nh=10.1.0.2" && route_is 2001:db8:50::/64 "via nh=$RA_LL" && pings h6 2001:db8:50::1 &&
     learned_is 2001:db8:50::/64 state installed; then
    ok "sxcd killed with -9, ra's withdrawal of 192.168.51.0/24 meanwhile: the sxcd started again took the stale route back ($before routes, then $after), the others stand and carry traffic"
  else
    notok "after the restart: $before -> $after routes ($held0 -> $held1), 2001:db8:50::/64: $(route_of 2001:db8:50::/64) $(learned 2001:db8:50::/64 state)"
  fi
else
  notok "sxcd restart: 192.168.51.0/24 $(route_of 192.168.51.0/24), the twin's kernel: $(ip -n "$TWIN" route show 192.168.51.0/24)"
fi

# ------------------------------------------------------------- sxdp restarted: BGP graceful restart
# sxdp stopped and started again (an upgrade's restart): its host port
# (the TAP the twin's link hangs on) goes and comes back, so the twin's
# BGP sessions reset. Both speakers have graceful restart (RFC 4724, FRR's
# "bgp graceful-restart"): ra keeps the box's routes (stale) while the
# twin reconnects, and the twin keeps ra's; sxcd makes the twin again and
# imports ra's routes into the new sxdp. Checked at ra every 20 ms: the
# box's prefix 10.10.0.0/24 never leaves its table.
ra_missing() { # FILE: every 20 ms, the times ra had no route to 10.10.0.0/24
  while :; do
    ip -n "$(nsn ra)" route show 10.10.0.0/24 | grep -q . || date +%s%N >>"$1"
    sleep 0.02
  done
}
gr_sessions() { vty r -c 'show bgp neighbors 10.1.0.1 json' | "$PY" -c '
import json, sys
d = next(iter(json.load(sys.stdin).values()), {})
print(d.get("gracefulRestartInfo", {}).get("remoteGrMode", "?"), d.get("bgpState", "?"))' 2>/dev/null; }
: >"$DIR/ra-missing"
if [ "$(gr_sessions | cut -d' ' -f2)" = Established ]; then
  ra_missing "$DIR/ra-missing" &
  SAMPLER=$!
  PIDS+=($SAMPLER)
  t0=$(date +%s%N)
  kill -TERM "$DP_PID"; wait "$DP_PID" 2>/dev/null
  ip netns exec "$(nsn sa)" "$SXDP" --config "$DIR/sxdp.json" --socket "$DIR/a.sock" >>"$DIR/sxdp.log" 2>&1 </dev/null &
  DP_PID=$!
  PIDS+=($!)
  if [ "$KVLAN" = 0 ]; then
    # what the kernel does to a VLAN device whose TAP went: gone with it
    # (the twin's sessions reset); the stand-in made again on the new TAP,
    # for sxcd to adopt as it would make a VLAN device
    kill "$RELAY_PID" 2>/dev/null
    ip -n "$(nsn sa)" link del sxr1 2>/dev/null
    for _ in $(seq 1 100); do ip -n "$(nsn sa)" link show sxh >/dev/null 2>&1 && break; sleep 0.05; done
    twin_relay "$(nsn sa)" "$TWIN" 1 && PIDS+=("$RELAY_PID")
  fi
  if wait_for $START_BOUND twin_ok && wait_for $BGP_BOUND established a 10.1.0.2 &&
     wait_for $ROUTE_BOUND route_is 2001:db8:50::/64 "via nh=$RA_LL" && pings h6 2001:db8:50::1; then
    kill "$SAMPLER" 2>/dev/null
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ ! -s "$DIR/ra-missing" ]; then
      ok "sxdp restarted: BGP graceful restart kept the box's routes at ra throughout (sampled every 20 ms), the twin back, ra's routes in the new sxdp and carrying traffic after $ms ms ($(gr_sessions))"
    else
      notok "sxdp restarted: ra lost the box's 10.10.0.0/24 for $(wc -l <"$DIR/ra-missing") samples"
    fi
  else
    kill "$SAMPLER" 2>/dev/null
    notok "after sxdp's restart: twin $(twin_field twin), BGP $(vty a -c 'show bgp summary' | grep -E '^[0-9]' | tr -s ' \n' ' '), 2001:db8:50::/64 $(route_of 2001:db8:50::/64)"
  fi
else
  notok "graceful restart not negotiated with ra: $(gr_sessions)"
fi

finish
