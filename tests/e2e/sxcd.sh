#!/usr/bin/env bash
# e2e sxcd: intents alone (sxctl apply -f, no table write) make two slices
# with the same addressing over the overlay to a remote site whose two
# VXLAN segments are the Linux kernel's.
#
#   site A (sxdp)                                    site B: netns "b"
#     host r (netns, 10.10.0.1) ── lan1 ┐              w1 192.0.2.2, two kernel
#     host g (netns, 10.10.0.1) ── lan2 ┤── wan1 ──    VXLANs to 192.0.2.1:
#                                       ┘              VNI 5000 -> netns "rb" 10.10.0.2
#   slice red:   lan1, VNI 5000                        VNI 5001 -> netns "gb" 10.10.0.2
#   slice green: lan2, VNI 5001
#
# Checks: every intent Ready (the path up by ICMP probes); each host
# reaches its own slice's 10.10.0.2, and the MAC it learned for it is that
# slice's far host (same address, other slice, other MAC); while a UDP
# stream runs in green, red is changed (a route, an SVI, its rate),
# withdrawn and applied again: green loses no packet; withdrawing red
# removes exactly the entries it added (sxdp's tables before red and after
# it are the same) and red's host loses its far end while green's keeps
# it; sxcd killed with -9 and started again converges with no write.
# SXCD_UNDERLAY=6: the same over an IPv6 WAN link (address6, a link-local
# gateway6 resolved by NDP, the peer's IPv6 endpoint, ICMPv6 probes) to
# the kernel's VXLAN over IPv6.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

SXCD=$BUILD/sxcd
TAG=$$
ns() { printf 'sxc%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
api() { "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$NL_DIR/token" "$@"; }
RB_MAC=02:00:0a:0a:05:02 GB_MAC=02:00:0a:0a:05:12
U=${SXCD_UNDERLAY:-4}
case $U in
  4) A_WAN='"address": "192.0.2.1/24", "gateway": "192.0.2.2"' B_ADDR=192.0.2.2 A_ADDR=192.0.2.1
     HOST_MTU=1450 ;;
  # the gateway is b's link-local address, as a router's usually is; the
  # inner MTU leaves room for the 70 bytes of IPv6 + UDP + VXLAN
  6) A_WAN='"address6": "2001:db8:2::1/64", "gateway6": "fe80::2"' B_ADDR=2001:db8:2::2 A_ADDR=2001:db8:2::1
     HOST_MTU=1430 ;;
  *) echo "SXCD_UNDERLAY is 4 or 6, not $U" >&2; exit 2 ;;
esac
BGPIDS=()

NSES=(r g b rb gb) LINKS=(lan1 lan2 wan1)
cleanup() {
  [ -n "${CD_PID:-}" ] && kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
  if [ "$fail" -ne 0 ] && [ -f "${NL_DIR:-/nonexistent}/sxcd.log" ]; then
    echo "# sxcd log:"; tail -20 "$NL_DIR/sxcd.log" | sed 's/^/#   /'
  fi
  sw_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

# ------------------------------------------------------------- topology
sw_stale_cleanup sxc
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-sxcd.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
topo() {
  local h
  for h in r g b rb gb; do ip netns add "$(ns $h)" || return 1; done
  ip link add "$(ns lan1)" type veth peer name eth0 netns "$(ns r)" || return 1
  ip link add "$(ns lan2)" type veth peer name eth0 netns "$(ns g)" || return 1
  ip link add "$(ns wan1)" type veth peer name w1 netns "$(ns b)" || return 1
  for h in r g b rb gb; do
    ip -n "$(ns $h)" link set lo up
    [ "$h:$U" = b:6 ] || ip netns exec "$(ns $h)" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  # the two slices' hosts at site A: one address, the overlay's MTU
  for h in r g; do
    ip -n "$(ns $h)" link set eth0 mtu "$HOST_MTU" up
    ip -n "$(ns $h)" addr add 10.10.0.1/24 dev eth0
    in_ns "$h" ethtool -K eth0 tx off >/dev/null 2>&1
  done
  if [ "$U" = 6 ]; then
    ip -n "$(ns b)" addr add 2001:db8:2::2/64 dev w1 nodad || return 1
    ip -n "$(ns b)" addr add fe80::2/64 dev w1 nodad || return 1
  else
    ip -n "$(ns b)" addr add 192.0.2.2/24 dev w1
  fi
  ip -n "$(ns b)" link set w1 up
  in_ns b ethtool -K w1 tx off >/dev/null 2>&1
  # site B: one kernel VXLAN per slice, each moved into a netns of its own
  # (the same address twice); the underlay stays in b
  for s in "rb 5000 $RB_MAC" "gb 5001 $GB_MAC"; do
    set -- $s
    ip -n "$(ns b)" link add "vx$2" address "$3" mtu "$HOST_MTU" type vxlan id "$2" dstport 4789 \
      local "$B_ADDR" || return 1
    in_ns b bridge fdb append 00:00:00:00:00:00 dev "vx$2" dst "$A_ADDR" || return 1
    ip -n "$(ns b)" link set "vx$2" netns "$(ns "$1")" || return 1
    ip -n "$(ns "$1")" addr add 10.10.0.2/24 dev "vx$2"
    ip -n "$(ns "$1")" link set "vx$2" up
  done
  sw_links_up lan1 lan2 wan1
}
if ! topo; then
  notok "topology: netns r, g (site A hosts), b (site B), rb, gb (its VXLAN segments)"
  finish
fi
ok "topology: two site A hosts with one address, site B's two kernel VXLAN segments (over IPv$U)"

HOSTS=(lan1 lan2 wan1)
declare -A ROLE=([lan1]=lan [lan2]=lan [wan1]=wan)
sw_start "sxc$TAG" '{"lan": "switch", "wan": "overlay"}' "lan=switch wan=overlay"

API_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# a token as the package makes one
[ -f "$NL_DIR/token" ] || head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token"
chmod 600 "$NL_DIR/token"
start_sxcd() {
  # its netlink reads the root namespace: every WAN here has its gateway in its intent
  "$SXCD" --socket "$NL_SOCK" --store "$NL_DIR/store" --listen "127.0.0.1:$API_PORT" \
    --token-file "$NL_DIR/token" --resync-ms 1000 --no-netlink >>"$NL_DIR/sxcd.log" 2>&1 &
  CD_PID=$!
  for _ in $(seq 50); do api status >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
if start_sxcd; then ok "sxcd started (REST on 127.0.0.1:$API_PORT)"; else notok "sxcd start"; finish; fi

# ------------------------------------------------------------- intents
cat >"$NL_DIR/base.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}, {"port": "lan2"}],
   "wan": [{"name": "isp1", "port": "wan1", $A_WAN}]}},
 {"kind": "peers", "metadata": {"name": "siteB"}, "spec": {"id": 2,
   "endpoints": [{"address": "$B_ADDR", "wan": "isp1"}],
   "probe": {"how": "icmp", "interval_ms": 50, "down_after": 3, "up_after": 3}}},
 {"kind": "slices", "metadata": {"name": "green"}, "spec": {"id": 2, "vni": 5001,
   "members": [{"port": "lan2"}], "subnets": ["10.10.0.0/24"]}}
]}
EOF
red_json() { # extra spec members (JSON, with a leading comma)
  cat <<EOF
{"items": [{"kind": "slices", "metadata": {"name": "red"}, "spec": {"id": 1, "vni": 5000,
   "members": [{"port": "lan1"}], "subnets": ["10.10.0.0/24"]$1}}]}
EOF
}
red_json "" >"$NL_DIR/red.json"

snapshot() { # every table sxcd writes, without counters
  local t
  for t in interfaces bd_ports flood svi fdb routes neigh svi6 routes6 neigh6 vteps vnis peers tunnels \
           endpoints paths policies classes meters sched_subports; do
    ctl --json table show "$t" --all 2>/dev/null | "$PY" -c '
import json, sys
t = sys.argv[1]
d = json.load(sys.stdin)
es = d.get("entries", d) if isinstance(d, dict) else d
for e in es:
    if t == "fdb" and e.get("action") in ("learned", "tunnel_learned"):
        continue
    print(t, json.dumps({k: v for k, v in e.items() if k not in ("hits", "idle_s")}, sort_keys=True))' "$t"
  done | sort
}
# every intent Ready (the path needs its probes answered first)
all_ready() {
  local i
  for i in $(seq 1 "${1:-50}"); do
    api status 2>/dev/null | grep -q '^intents: Ready [0-9]*$' && return 0
    sleep 0.1
  done
  api status | sed 's/^/#   /'
  return 1
}

if out=$(api apply -f "$NL_DIR/base.json" --wait 2>&1) && all_ready; then
  ok "site, peer and slice green applied: $(echo "$out" | tr '\n' ';')"
else
  notok "apply base: $out"
fi
before_red=$(snapshot)
if out=$(api apply -f "$NL_DIR/red.json" --wait 2>&1) && all_ready; then
  ok "slice red applied: every intent Ready"
else
  notok "apply red: $out"
fi
with_red=$(snapshot)

# ----------------------------------------------------------- the slices
if wait_ping r 10.10.0.2 15 && wait_ping g 10.10.0.2 15; then
  ping_check "red: r -> 10.10.0.2 over VNI 5000" r 10.10.0.2 5 -
  ping_check "green: g -> 10.10.0.2 over VNI 5001" g 10.10.0.2 5 -
else
  notok "pings across the overlay: r $(wait_ping r 10.10.0.2 1 && echo ok || echo fails), g $(wait_ping g 10.10.0.2 1 && echo ok || echo fails)"
fi
if [ "$U" = 6 ]; then
  # the path left over IPv6, through the link-local gateway sxdp solicited
  gw6=$(ctl --json table show neigh6 --all | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (e["match"]["ip"], e["action"]) for e in d.get("entries", d)))')
  paths=$(ctl --json table show paths --all | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s>%s@%s" % (e["params"]["src"], e["params"]["dst"], e["params"]["gw"]) for e in d.get("entries", d)))')
  if [[ " $gw6 " == *" fe80::2:learned "* ]] && [ "$paths" = "$A_ADDR>$B_ADDR@fe80::2" ]; then
    ok "over IPv6: path $paths, its link-local gateway learned by NDP"
  else
    notok "the IPv6 path: paths '$paths', neigh6 '$gw6'"
  fi
fi
mac_of() { in_ns "$1" ip neigh show 10.10.0.2 | awk '{print $5}'; }
if [ "$(mac_of r)" = "$RB_MAC" ] && [ "$(mac_of g)" = "$GB_MAC" ]; then
  ok "same address, two slices: r reached $RB_MAC (site B's red), g $GB_MAC (green)"
else
  notok "far MACs: r $(mac_of r) (want $RB_MAC), g $(mac_of g) (want $GB_MAC)"
fi

# ------------------------------------ green undisturbed while red changes
ip netns exec "$(ns gb)" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)   # SO_RCVBUFFORCE (root): a descheduled reader loses nothing
s.bind(("10.10.0.2", 9999))
n = 0
with open(sys.argv[1], "w", buffering=1) as f:
    while True:
        d, _ = s.recvfrom(64)
        n += 1
        f.write("%d %s\n" % (n, d.decode()))' "$NL_DIR/recv.txt" &
BGPIDS+=($!)
listening udp 9999 ip netns exec "$(ns gb)"
# 400 packets/s for as long as red changes; the sender says how many it sent
ip netns exec "$(ns g)" "$PY" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i, t = 0, time.monotonic()
while not os.path.exists(sys.argv[1]):
    s.sendto(str(i).encode(), ("10.10.0.2", 9999))
    i += 1; t += 0.0025
    time.sleep(max(0, t - time.monotonic()))
open(sys.argv[2], "w").write(str(i))' "$NL_DIR/stop" "$NL_DIR/sent.txt" &
SENDER=$!
BGPIDS+=($SENDER)
sleep 0.5
changes_ok=1
red_json ', "routes": [{"prefix": "10.50.0.0/16", "drop": true}]' >"$NL_DIR/red2.json"
red_json ', "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"}' >"$NL_DIR/red3.json"
red_json ', "rate": {"guaranteed_bps": 1000000, "peak_bps": 5000000}' >"$NL_DIR/red4.json"
for f in red2 red3 red4 red; do
  api apply -f "$NL_DIR/$f.json" --wait >/dev/null 2>&1 && all_ready 30 || changes_ok=0
  sleep 0.2
done
api delete slices red --wait >/dev/null 2>&1 || changes_ok=0
sleep 0.3
api apply -f "$NL_DIR/red.json" --wait >/dev/null 2>&1 && all_ready 30 || changes_ok=0
sleep 0.5
touch "$NL_DIR/stop"
wait "$SENDER" 2>/dev/null
sent=$(cat "$NL_DIR/sent.txt" 2>/dev/null || echo 0)
# generous: the reader's last lines written, on a busy machine (judged below)
wait_for 10 eval '[ "$(wc -l <"$NL_DIR/recv.txt")" -ge "$sent" ]' || true
got=$(wc -l <"$NL_DIR/recv.txt")
if [ "$changes_ok" = 1 ] && [ "$sent" -gt 500 ] && [ "$got" -eq "$sent" ]; then
  ok "red changed 4 times, withdrawn and applied again under green's stream: green got $got of $sent"
else
  notok "green under red's changes (changes ok: $changes_ok): got $got of $sent"
fi
if [ "$(snapshot)" = "$with_red" ]; then
  ok "red applied again: sxdp's tables as after its first apply"
else
  notok "red applied again, tables differ: $(diff <(echo "$with_red") <(snapshot) | head -5 | tr '\n' ' ')"
fi

# ------------------------------------------------------ red withdrawn
if api delete slices red --wait >/dev/null 2>&1 && all_ready; then
  after=$(snapshot)
  if [ "$after" = "$before_red" ]; then
    ok "red withdrawn: exactly its entries gone ($(diff <(echo "$before_red") <(echo "$with_red") | grep -c '^>') entries)"
  else
    notok "red withdrawn, tables differ from before red: $(diff <(echo "$before_red") <(echo "$after") | head -6 | tr '\n' ' ')"
  fi
else
  notok "delete slices red"
fi
if in_ns r ping -c 2 -W 1 10.10.0.2 >/dev/null 2>&1; then
  notok "red withdrawn, but r still reaches 10.10.0.2"
else
  ok "red withdrawn: r no longer reaches site B"
fi
ping_check "green unaffected: g -> 10.10.0.2" g 10.10.0.2 5 -

# ------------------------------------------- sxcd kill -9 and restart
kill -9 "$CD_PID" 2>/dev/null; wait "$CD_PID" 2>/dev/null
writes_before=$(ctl --json hello | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
if start_sxcd && all_ready; then
  sleep 1.5   # a resync period: a run that would write shows in sxdp's generation
  writes_after=$(ctl --json hello | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
  if [ "$writes_after" = "$writes_before" ] && [ "$(snapshot)" = "$before_red" ]; then
    ok "sxcd killed -9 and restarted: converged with no write (sxdp generation $writes_after)"
  else
    notok "sxcd restart: generation $writes_before -> $writes_after"
  fi
else
  notok "sxcd restart"
fi
ping_check "green after sxcd's restart: g -> 10.10.0.2" g 10.10.0.2 3 -

if nl_stop_sxdp; then ok "sxdp stopped cleanly"; else notok "sxdp stop"; fi
finish
