#!/usr/bin/env bash
# e2e routes between sites: FRR at two sites (each box's slice twin) speaks
# BGP over the overlay, across slice red's subnet stretched by its VNI, so
# what site A learns from its LAN router reaches site B's slice and B's
# traffic follows it, back over the overlay. From intents alone, each box
# its own sxdp and sxcd.
#
#   netns ra: FRR AS 65050 ── lan1 of A (routed 10.1.0.1/24, 2001:db8:1::1/64)
#     192.168.50-52.0/24, 2001:db8:50::/64, 2001:db8:52::/64 (its lo)
#   netns sa: sxdp A, sxcd A; twin <A> (FRR AS 65001): red's SVI 10.10.0.1, 2001:db8:10::1
#     wan1 192.0.2.1 ══ VXLAN, VNI 5000 (red) ══ wan1 192.0.2.2
#   netns sb: sxdp B, sxcd B; twin <B> (FRR AS 65002): red's SVI 10.10.0.2, 2001:db8:10::2
#     lan2 of B (slice red's BD) ── netns hb 10.10.0.12, 2001:db8:10::12 (gateway: B)
#
# A's FRR peers with ra (IPv4, IPv6) and with B's FRR at 10.10.0.2 and
# 2001:db8:10::2: B's SVI on the stretched subnet, behind the tunnel. B's
# routes to ra's networks go via A's SVI, a next hop behind the tunnel too.
#
# Checks: the path up; both twins; every BGP session Established (the
# sessions between sites cross the overlay, through each box's exception
# path); ra's prefixes in B's sxdp via 10.10.0.1 and 2001:db8:10::1 (origin
# bgp), those next hops tunnel neighbours of B (neigh tunnel_learned, by
# B's own ARP and NDP through the tunnel); hb reaches ra's networks over
# IPv4 and IPv6 (B routes into the tunnel, A routes to ra, and back: A
# resolves hb through the tunnel too); a pinned route at B wins; a
# withdrawal at ra leaves B's sxdp within WITHDRAW_BOUND (both families,
# the times printed).
# Ends with "N passed, M failed"; 77 without netns/veth or FRR.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=routinglib.sh
. "$here/routinglib.sh"


TAG=$$
P="rs$TAG"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
api() { local s=$1; shift; ip netns exec "$(nsn "s$s")" "$SXCTL" --api "http://127.0.0.1:8191" --token-file "$DIR/token" "$@"; }
twin() { printf '%sred%s' "$P" "$1"; }   # site's twin namespace for slice red (routing.vrf)
# bounds (seconds) of the waits for events
START_BOUND=20 PATH_BOUND=30 BGP_BOUND=90 ROUTE_BOUND=30 PING_BOUND=20
WITHDRAW_BOUND=10   # a withdrawal at ra until B's sxdp has not the prefix: two BGP hops, zebra, netlink, sxcd's batch
PIDS=()

DIR=$(mktemp -d /tmp/sxdp-e2e-rsites.XXXXXX)
chmod 755 "$DIR"
cleanup() {
  local p
  [ -z "${RT_HOLD:-}" ] || sleep "$RT_HOLD"   # a failing run held for a look
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  pkill -9 -f "$DIR/" 2>/dev/null
  frr_stop a b r
  if [ "$fail" -ne 0 ]; then
    for p in "$DIR"/sxcd-a.log "$DIR"/sxcd-b.log "$DIR"/sxdp-a.log "$DIR"/sxdp-b.log "$DIR"/frr-a/bgpd.log "$DIR"/frr-b/bgpd.log; do
      [ -f "$p" ] && { echo "# $p:"; grep -v "ctl: client" "$p" | tail -12 | sed 's/^/#   /'; }
    done
  fi
  for p in sa sb ra hb; do nl_ns_del "$(nsn "$p")"; done
  nl_ns_del "$(twin a)"
  nl_ns_del "$(twin b)"
  rm -rf "/var/run/dpdk/$(nsn sa)" "/var/run/dpdk/$(nsn sb)"
  [ -n "${RT_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local n
  for n in sa sb ra hb; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
  done
  ip netns add "$(twin a)" && ip netns add "$(twin b)" || return 1
  veth sa lan1 ra eth0 && veth sb lan2 hb eth0 && veth sa wan1 sb wan1 || return 1
  ip -n "$(nsn ra)" addr add 10.1.0.2/24 dev eth0
  ip -n "$(nsn ra)" addr add 2001:db8:1::2/64 dev eth0 nodad
  ip -n "$(nsn ra)" route add default via 10.1.0.1
  ip -n "$(nsn ra)" -6 route add default via 2001:db8:1::1
  for n in 50 51 52; do ip -n "$(nsn ra)" addr add "192.168.$n.1/24" dev lo; done
  ip -n "$(nsn ra)" addr add 2001:db8:50::1/64 dev lo
  ip -n "$(nsn ra)" addr add 2001:db8:52::1/64 dev lo
  ip -n "$(nsn hb)" addr add 10.10.0.12/24 dev eth0 && ip -n "$(nsn hb)" route add default via 10.10.0.2
  ip -n "$(nsn hb)" addr add 2001:db8:10::12/64 dev eth0 nodad &&
    ip -n "$(nsn hb)" -6 route add default via 2001:db8:10::2
}
if ! topo; then notok "topology"; finish; fi
ok "topology: LAN router ra (FRR) at site A, host hb at site B in slice red, the sites' WAN links joined"

# ------------------------------------------------------------- sxdp, sxcd
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
start_site() { # a|b  ports...
  local s=$1 p i=0 ports=""; shift
  for p in "$@"; do
    ports+="{\"name\": \"$p\", \"devargs\": \"net_af_packet$i,iface=$p,qpairs=1\", \"role\": \"$( [ "$p" = wan1 ] && echo wan || echo lan)\", \"rx_queues\": 1},"
    i=$((i + 1))
  done
  cat >"$DIR/sxdp-$s.json" <<EOF
{
  "eal": [$(nl_eal_mem 256), "--no-pci", "--file-prefix", "$(nsn "s$s")"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$DIR/$s.sock",
  "mbufs": 8191,
  "idle_sleep_max_us": 1000,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [$ports
    {"name": "host", "devargs": "net_tap0,iface=sxh", "role": "lan", "rx_queues": 1}]
}
EOF
  # ip netns exec execs: $! is the daemon itself
  ip netns exec "$(nsn "s$s")" "$SXDP" --config "$DIR/sxdp-$s.json" --socket "$DIR/$s.sock" >"$DIR/sxdp-$s.log" 2>&1 </dev/null &
  PIDS+=($!)
  wait_for $START_BOUND test -S "$DIR/$s.sock" || return 1
  mkdir -p "$DIR/store-$s"
  ip netns exec "$(nsn "s$s")" "$SXCD" --socket "$DIR/$s.sock" --store "$DIR/store-$s" \
    --listen "127.0.0.1:8191" --token-file "$DIR/token" --resync-ms 1000 --no-netlink >>"$DIR/sxcd-$s.log" 2>&1 &
  PIDS+=($!)
  wait_for $START_BOUND api "$s" status >/dev/null 2>&1
}
if start_site a lan1 wan1 && start_site b lan2 wan1; then ok "two boxes: sxdp (AF_PACKET, a TAP host port) and sxcd each"
else notok "sxdp and sxcd start: $(tail -3 "$DIR"/sx*.log | tr '\n' ' ')"; finish; fi

# the twins' links: VLAN devices sxcd makes, or (no VLAN devices here) a
# veth sxcd adopts and a user-space 802.1Q relay
if ! kernel_vlans; then
  twin_relay "$(nsn sa)" "$(twin a)" 1 && PIDS+=("$RELAY_PID")
  twin_relay "$(nsn sb)" "$(twin b)" 1 && PIDS+=("$RELAY_PID")
fi

# site $1's intents ($2: slice red's routes, JSON)
intents() { # a|b [routes]
  "$PY" - "$1" "${2:-[]}" "$(twin "$1")" <<'EOF'
import json, sys
s, routes, twin = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
me, other = (1, 2) if s == "a" else (2, 1)
lan = [{"port": "lan1"}] if s == "a" else [{"port": "lan2"}]
red = {"id": 1, "vni": 5000, "routing": {"vrf": twin}, "routes": routes,
       "svi": {"address": "10.10.0.%d/24" % me, "address6": "2001:db8:10::%d/64" % me,
               "mac": "02:5e:00:0a:00:%02x" % me}}
if s == "a":
    red["routed_ports"] = [{"port": "lan1", "addresses": ["10.1.0.1/24", "2001:db8:1::1/64"]}]
else:
    red["members"] = [{"port": "lan2"}]
print(json.dumps({"items": [
    {"kind": "site", "spec": {"id": me, "lan": lan, "host": {"port": "host"},
                              "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.%d/24" % me}]}},
    {"kind": "peers", "metadata": {"name": "site%d" % other}, "spec": {
        "id": other, "endpoints": [{"address": "192.0.2.%d" % other, "wan": "isp1"}],
        "probe": {"how": "icmp", "interval_ms": 100, "down_after": 3, "up_after": 2}}},
    {"kind": "slices", "metadata": {"name": "red"}, "spec": red}]}))
EOF
}
all_ready() { api "$1" status 2>/dev/null | grep -q '^intents: Ready [0-9]*$'; }
intents a >"$DIR/a.json" && intents b >"$DIR/b.json"
if api a apply -f "$DIR/a.json" >/dev/null 2>&1 && api b apply -f "$DIR/b.json" >/dev/null 2>&1 &&
   wait_for $PATH_BOUND all_ready a && wait_for $PATH_BOUND all_ready b; then
  ok "intents applied at both sites, every intent Ready (the path up by ICMP probes): slice red stretched by VNI 5000, a dual-stack SVI and a twin at each"
else
  notok "intents: A $(api a status 2>&1 | grep intents) B $(api b status 2>&1 | grep intents)"; finish
fi
twin_ok() { # site
  [ "$(api "$1" --json status 2>/dev/null | "$PY" -c '
import json, sys
print(json.load(sys.stdin).get("services", {}).get("routing", {}).get("twins", {}).get("1", {}).get("twin"))')" = ok ]
}
if wait_for $START_BOUND twin_ok a && wait_for $START_BOUND twin_ok b &&
   ip -n "$(twin b)" -br addr show sxt1 | grep -q "10.10.0.2/24.*2001:db8:10::2/64"; then
  ok "both twins made; B's carries its SVI's addresses of both families ($(ip -n "$(twin b)" -br addr show sxt1 | tr -s ' ' | cut -d' ' -f3-))"
else
  notok "twins: $(ip -n "$(twin b)" -br addr show 2>&1 | tr '\n' ' ')"; finish
fi

# ------------------------------------------------------------- FRR
# across the overlay the sites prefer each other's global IPv6 next hop:
# a neighbour behind a tunnel is known by its global address only (a
# link-local one would name a link of the far box); with ra, on the LAN,
# each side routes via the other's link-local address as FRR ships
cat >"$DIR/bgp-a.conf" <<'EOF'
route-map PREFER_GLOBAL permit 10
 set ipv6 next-hop prefer-global
exit
router bgp 65001
 bgp router-id 10.10.0.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.1.0.2 remote-as 65050
 neighbor 2001:db8:1::2 remote-as 65050
 neighbor 10.10.0.2 remote-as 65002
 neighbor 2001:db8:10::2 remote-as 65002
 address-family ipv4 unicast
  redistribute connected
  neighbor 10.1.0.2 activate
  neighbor 10.10.0.2 activate
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
  neighbor 2001:db8:1::2 activate
  neighbor 2001:db8:10::2 activate
  neighbor 2001:db8:10::2 route-map PREFER_GLOBAL in
 exit-address-family
exit
EOF
cat >"$DIR/bgp-b.conf" <<'EOF'
route-map PREFER_GLOBAL permit 10
 set ipv6 next-hop prefer-global
exit
router bgp 65002
 bgp router-id 10.10.0.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.10.0.1 remote-as 65001
 neighbor 2001:db8:10::1 remote-as 65001
 address-family ipv4 unicast
  neighbor 10.10.0.1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:10::1 activate
  neighbor 2001:db8:10::1 route-map PREFER_GLOBAL in
 exit-address-family
exit
EOF
cat >"$DIR/bgp-r.conf" <<'EOF'
router bgp 65050
 bgp router-id 10.1.0.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 10.1.0.1 remote-as 65001
 neighbor 2001:db8:1::1 remote-as 65001
 address-family ipv4 unicast
  network 192.168.50.0/24
  network 192.168.51.0/24
  network 192.168.52.0/24
  neighbor 10.1.0.1 activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:50::/64
  network 2001:db8:52::/64
  neighbor 2001:db8:1::1 activate
 exit-address-family
exit
EOF
# every session: connect retries and updates at once, not after 30 s
for f in a b r; do
  sed -i 's/^\( neighbor \([^ ]*\) remote-as .*\)$/\1\n neighbor \2 timers connect 2\n neighbor \2 advertisement-interval 0/' "$DIR/bgp-$f.conf"
done
if frr_start a "$(twin a)" "$DIR/bgp-a.conf" && frr_start b "$(twin b)" "$DIR/bgp-b.conf" &&
   frr_start r "$(nsn ra)" "$DIR/bgp-r.conf"; then
  ok "FRR (zebra, bgpd) in both twins (AS 65001, 65002) and at ra (AS 65050)"
else
  notok "FRR start: $(cat "$DIR"/frr-*/start.log 2>/dev/null | tail -5 | tr '\n' ' ')"; finish
fi
drops() { # site
  sx "$1" --json stats 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v))'
}
if wait_for $BGP_BOUND established a 10.1.0.2 2001:db8:1::2 10.10.0.2 2001:db8:10::2 &&
   wait_for $BGP_BOUND established b 10.10.0.1 2001:db8:10::1; then
  ok "BGP Established: A with ra (IPv4, IPv6), A with B across the overlay (IPv4, IPv6: each SVI behind the other's tunnel)"
else
  notok "BGP: A $(vty a -c 'show bgp summary' | grep -E '^[0-9]' | tr -s ' \n' ' ') B $(vty b -c 'show bgp summary' | grep -E '^[0-9]' | tr -s ' \n' ' '); drops A: $(drops a) B: $(drops b)"
  finish
fi

# ------------------------------------------------------------- B's routes
route_of() { # site prefix: "ACTION PARAMS" as the site's VRF 1 holds it, "" when none
  local t=routes; case $2 in *:*) t=routes6 ;; esac
  sx "$1" --json table show "$t" --all 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    if e["match"].get("vrf") == 1 and e["match"].get("dst") == sys.argv[1]:
        p = e.get("params", {})
        print(e["action"], " ".join("%s=%s" % (k, p[k]) for k in sorted(p)))
        break' "$2"
}
route_is() { [ "$(route_of "$1" "$2")" = "$3" ]; }
route_gone() { [ -z "$(route_of "$1" "$2")" ]; }
learned() { # site prefix field
  api "$1" --json route learned red 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(next((str(r.get(sys.argv[2])) for r in d.get("learned", []) if r["prefix"] == sys.argv[1]), "-"))' "$2" "$3"
}
learned_is() { [ "$(learned "$1" "$2" "$3")" = "$4" ]; }
neigh_of() { # site table ip: its action and tunnel
  sx "$1" --json table show "$2" --all 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    if e["match"].get("vrf") == 1 and e["match"].get("ip") == sys.argv[1]:
        print(e["action"], e.get("params", {}).get("tunnel", ""))' "$3"
}
if wait_for $ROUTE_BOUND route_is b 192.168.50.0/24 "via nh=10.10.0.1" &&
   wait_for $ROUTE_BOUND route_is b 2001:db8:50::/64 "via nh=2001:db8:10::1" &&
   learned_is b 192.168.50.0/24 origin bgp && learned_is b 2001:db8:50::/64 origin bgp; then
  ok "site B's sxdp has ra's prefixes, learned at A and passed over the overlay: 192.168.50.0/24 via 10.10.0.1, 2001:db8:50::/64 via 2001:db8:10::1 (origin bgp)"
else
  notok "B's routes: $(route_of b 192.168.50.0/24) / $(route_of b 2001:db8:50::/64); B's twin: $(ip -n "$(twin b)" route show | tr '\n' ';')"
fi

pings() { # ns dst
  in_ns "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1
}
if wait_for $PING_BOUND pings hb 192.168.50.1 && wait_for $PING_BOUND pings hb 2001:db8:50::1; then
  ok "hb at site B reaches 192.168.50.1 and 2001:db8:50::1 behind ra at site A: B routes into the tunnel, A to ra, and back"
else
  notok "hb -> ra's networks: drops A: $(drops a) B: $(drops b)"
fi
nb4=$(neigh_of b neigh 10.10.0.1) nb6=$(neigh_of b neigh6 2001:db8:10::1) na4=$(neigh_of a neigh 10.10.0.12)
case "$nb4/$nb6/$na4" in
  "tunnel_learned "[1-9]*"/tunnel_learned "[1-9]*"/tunnel_learned "[1-9]*)
    ok "the next hops behind the tunnel were resolved by each box's own ARP and NDP through it: B's 10.10.0.1 and 2001:db8:10::1, A's 10.10.0.12 ($nb4 / $nb6 / $na4)" ;;
  *) notok "neighbours behind the tunnel: B 10.10.0.1 '$nb4', 2001:db8:10::1 '$nb6', A 10.10.0.12 '$na4'" ;;
esac

# ------------------------------------------------------------- a pin at B
intents b '[{"prefix": "192.168.51.0/24", "drop": true}]' >"$DIR/b-pinned.json"
if wait_for $ROUTE_BOUND route_is b 192.168.51.0/24 "via nh=10.10.0.1" && pings hb 192.168.51.1 &&
   api b apply -f "$DIR/b-pinned.json" --wait >/dev/null 2>&1 && route_is b 192.168.51.0/24 "drop " &&
   wait_for $ROUTE_BOUND learned_is b 192.168.51.0/24 state shadowed; then
  sleep 2   # a learned write racing the pin would show by now (two ticks)
  if route_is b 192.168.51.0/24 "drop " && ! pings hb 192.168.51.1; then
    ok "a route pinned at B wins: its 192.168.51.0/24 drop stays over the one learned from A (shadowed); hb cannot reach 192.168.51.1"
  else notok "pinned at B: $(route_of b 192.168.51.0/24)"; fi
else
  notok "pin at B: $(route_of b 192.168.51.0/24), learned $(learned b 192.168.51.0/24 state)"
fi

# ------------------------------------------------------------- withdrawals
withdraw() { # af prefix
  vty r -c 'configure terminal' -c 'router bgp 65050' -c "address-family $1 unicast" -c "no network $2" >/dev/null
}
for x in "ipv4 192.168.52.0/24 via nh=10.10.0.1" "ipv6 2001:db8:52::/64 via nh=2001:db8:10::1"; do
  set -- $x
  af=$1 pfx=$2 want="$3 $4"
  if ! wait_for $ROUTE_BOUND route_is b "$pfx" "$want"; then
    notok "$pfx never reached B: $(route_of b "$pfx")"; continue
  fi
  t0=$(date +%s%N)
  withdraw "$af" "$pfx"
  if wait_for $WITHDRAW_BOUND route_gone b "$pfx"; then
    ok "$pfx withdrawn at ra: gone from B's sxdp after $(( ($(date +%s%N) - t0) / 1000000 )) ms (bound $WITHDRAW_BOUND s: ra, A, B, B's kernel, sxcd B); 192.168.50.0/24 stays: $(route_of b 192.168.50.0/24)"
  else
    notok "withdrawal of $pfx: B still has $(route_of b "$pfx")"
  fi
done
pings hb 192.168.50.1 && pings hb 2001:db8:50::1 &&
  ok "hb still reaches the prefixes not withdrawn" || notok "hb lost 192.168.50.1 or 2001:db8:50::1: drops B: $(drops b)"
finish
