#!/usr/bin/env bash
# e2e ha: a slice's gateway held by VRRPv3 (RFC 5798) between sxdp and
# Debian's keepalived, on one LAN, in both roles.
#
#   netns lan: bridge br0 ── box0 ═ hae<pid>-box (sxdp's port, AF_XDP)
#                        ├── h0 ═ eth0 of netns h   10.0.1.10 (a host)
#                        └── k0 ═ eth0 of netns k   10.0.1.3  (keepalived)
#
# The gateway 10.0.1.1/24 (VRID 7, advertisements every 100 ms) is the
# box's while its router is master (its SVI answers ARP with the virtual MAC
# 00:00:5e:00:01:07 and routes frames to it) and keepalived's otherwise.
# The box advertises from 10.0.1.2 and takes advertisements from 10.0.1.3
# only. Checks: the box (priority 200) is master and keepalived (100)
# backup; a host forging priority 254 takes nothing and is counted
# (ha.vrrp_source); the host reaches the gateway through the box; the box
# lowered to 50 is preempted by keepalived (backup: the box answers no ARP
# for the gateway, switch.held_elsewhere); keepalived killed (-9), the box
# takes over within Master_Down_Interval (measured); the box raised to 200
# again and keepalived back as backup; a new sxdp takes over from the
# running one (sxdp --takeover) under a 100/s ping stream to the gateway:
# the router stays master, keepalived never takes over, the pings lost are
# reported; sxdp stopped (SIGTERM) says so with priority 0 and keepalived
# takes over within its Skew_Time (measured).
# Ends with "N passed, M failed"; 77 when this machine cannot do network
# namespaces or has no keepalived. BUILD, NL_DRIVER, NL_KEEP as switch.sh.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived)
if [ ! -x "$KEEPALIVED" ]; then
  echo "SKIP: no keepalived (scripts/deps.sh installs it)"
  exit 77
fi

TAG=$$
HOSTS=(box)
ns() { printf 'hae%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
VIP=10.0.1.1 VMAC=00:00:5e:00:01:07 SELF=10.0.1.2 KIP=10.0.1.3 HIP=10.0.1.10
# IPv6: VRID 8, the gateway fd00:1::1/64 and the link-local address of the
# virtual MAC (RFC 5798 5.2.9: an IPv6 router's first address); the box
# advertises from fe80::2, keepalived from its eth0's link-local address
VIP6=fd00:1::1 VMAC6=00:00:5e:00:02:08 VLL6=fe80::200:5eff:fe00:208 SELF6=fe80::2 HIP6=fd00:1::10
BOUND=${HA_BOUND:-10}   # seconds: generous, for a busy machine
KA_PID=""

# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  ka_kill9
  if [ "$fail" -ne 0 ] && [ -n "${NL_LOG:-}" ]; then
    echo "# sxdp log:"; tail -30 "$NL_LOG" | sed 's/^/#   /'
    echo "# ha.vrrp: $(ctl --json call ha.vrrp 2>/dev/null | tr -d ' \n')"
    echo "# keepalived log:"; tail -30 "$NL_DIR/keepalived.log" 2>/dev/null | sed 's/^/#   /'
  fi
  nl_stop_sxdp >/dev/null 2>&1
  for h in lan h k; do nl_ns_del "$(ns "$h")"; done
  ip link del "$(ns box)" 2>/dev/null
  if [ -n "${NL_DIR:-}" ] && [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; fi
  [ -z "${NL_KEEP:-}" ] || echo "# kept $NL_DIR"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup hae
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-ha.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
lan_member() { # NS-or-"" IFNAME-in-lan PEER-NAME
  if [ -n "$1" ]; then
    ip link add "$2" netns "$(ns lan)" type veth peer name eth0 netns "$1"
  else
    ip link add "$2" netns "$(ns lan)" type veth peer name "$3"
  fi && ip -n "$(ns lan)" link set "$2" master br0 up
}
host_up() { # NAME IP (no duplicate address detection: the addresses are usable at once)
  ip netns exec "$(ns "$1")" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.eth0.accept_dad=0 >/dev/null &&
    ip -n "$(ns "$1")" addr add "$2/24" dev eth0 &&
    ip netns exec "$(ns "$1")" ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$(ns "$1")" link set lo up && ip -n "$(ns "$1")" link set eth0 up
}
if ip netns add "$(ns lan)" && ip netns add "$(ns h)" && ip netns add "$(ns k)" &&
   ip netns exec "$(ns lan)" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null &&
   ip -n "$(ns lan)" link add br0 type bridge && ip -n "$(ns lan)" link set br0 up &&
   lan_member "" box0 "$(ns box)" && lan_member "$(ns h)" h0 && lan_member "$(ns k)" k0 &&
   host_up h "$HIP" && host_up k "$KIP" && ip -n "$(ns h)" addr add "$HIP6/64" dev eth0 nodad; then
  sw_links_up box
  ok "topology: one LAN (bridge in netns $(ns lan)): the box's port, host $HIP, keepalived $KIP"
else
  notok "topology"
  finish
fi

sw_start "hae$TAG" '"switch"' "lan=switch (ha rides along)"

# --------------------------------------------------------------- tables
# the slice (1) and its LAN's bridge domain (1), the gateway held, the router
# keepalived's link-local address (its eth0's EUI-64): the IPv6 router's peer
KLL6=$(ip -n "$(ns k)" -6 addr show dev eth0 scope link | awk '/inet6/ {sub(/\/.*/, "", $2); print $2; exit}')
prio_update() { # PRIO [insert|modify]: both routers
  printf '{"type": "%s", "table": "vrrp", "match": {"vrf": 1, "bd": 1}, "action": "router", "params": {"vrid": 7, "prio": %s, "adv_cs": 10, "preempt": 1, "hold_s": 0, "self": "%s", "peer": "%s"}},' \
    "${2:-modify}" "$1" "$SELF" "$KIP"
  printf '{"type": "%s", "table": "vrrp6", "match": {"vrf": 1, "bd": 1}, "action": "router", "params": {"vrid": 8, "prio": %s, "adv_cs": 10, "preempt": 1, "hold_s": 0, "self": "%s", "peer": "%s"}}' \
    "${2:-modify}" "$1" "$SELF6" "$KLL6"
}
cat >"$NL_DIR/tables.json" <<EOF
{"atomicity": "rollback", "updates": [
 {"type": "insert", "table": "interfaces", "match": {"in_port": "box", "vlan": 0}, "action": "attach", "params": {"slice": 1, "bd": 1}},
 {"type": "insert", "table": "bd_ports", "match": {"bd": 1, "port": "box"}, "action": "member", "params": {"vlan": 0}},
 {"type": "insert", "table": "flood", "match": {"bd": 1}, "action": "flood", "params": {"ports": 1}},
 {"type": "insert", "table": "svi", "match": {"vrf": 1, "bd": 1}, "action": "svi", "params": {"mac": "$VMAC", "ip": "$VIP", "plen": 24, "held": 1}},
 {"type": "insert", "table": "fdb", "match": {"bd": 1, "mac": "$VMAC"}, "action": "route_held", "params": {"held": 1}},
 {"type": "insert", "table": "routes", "match": {"vrf": 1, "dst": "$VIP/32"}, "action": "local"},
 {"type": "insert", "table": "routes", "match": {"vrf": 1, "dst": "10.0.1.0/24"}, "action": "connected", "params": {"bd": 1}},
 {"type": "insert", "table": "svi6", "match": {"vrf": 1, "bd": 1}, "action": "svi6", "params": {"mac": "$VMAC6", "ip": "$VIP6", "plen": 64, "held": 1}},
 {"type": "insert", "table": "fdb", "match": {"bd": 1, "mac": "$VMAC6"}, "action": "route_held", "params": {"held": 2}},
 {"type": "insert", "table": "routes6", "match": {"vrf": 1, "dst": "$VIP6/128"}, "action": "local"},
 {"type": "insert", "table": "routes6", "match": {"vrf": 1, "dst": "fd00:1::/64"}, "action": "connected", "params": {"bd": 1}},
 $(prio_update 200 insert)
]}
EOF
sw_table_load "$NL_DIR/tables.json"
set_prio() { # PRIO
  printf '{"atomicity": "rollback", "updates": [%s]}' "$(prio_update "$1")" >"$NL_DIR/prio.json"
  ctl --json table load "$NL_DIR/prio.json" >/dev/null
}

# the router's state, one field of it; counters
vrrp_field() { # FIELD [ipv4|ipv6]
  ctl --json call ha.vrrp 2>/dev/null | "$PY" -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["family"] == sys.argv[2]]
print(r[0].get(sys.argv[1]) if r else "none")' "$1" "${2:-ipv4}"
}
state() { vrrp_field state; }
state_is() { [ "$(vrrp_field state)" = "$1" ] && [ "$(vrrp_field state ipv6)" = "$1" ]; }
counter() { # NAME (drop or event)
  ctl --json stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
n = sys.argv[1]
print(s.get("drops", {}).get(n, s.get("events", {}).get(n, 0)))' "$1"
}
ka_has_vip() { ip -n "$(ns k)" addr show dev eth0 | grep -q " $VIP/" && ip -n "$(ns k)" addr show dev eth0 | grep -q " $VIP6/"; }
ka_lacks_vip() { ! ip -n "$(ns k)" addr show dev eth0 | grep -q " $VIP/\| $VIP6/"; }
# when the router last changed state (its since_s ago), epoch ms
changed_ms() { "$PY" -c 'import sys, time; print(int((time.time() - float(sys.argv[1])) * 1000))' "$(vrrp_field since_s)"; }
now_ms() { "$PY" -c 'import time; print(int(time.time() * 1000))'; }

# ------------------------------------------------------------ keepalived
ka_start() { # PRIO
  cat >"$NL_DIR/keepalived.conf" <<EOF
global_defs {
  router_id ka-$TAG
  vrrp_version 3
  vrrp_garp_master_delay 0
  script_user root
}
vrrp_instance gw {
  state BACKUP
  interface eth0
  virtual_router_id 7
  priority $1
  advert_int 0.1
  virtual_ipaddress {
    $VIP/24
  }
}
vrrp_instance gw6 {
  state BACKUP
  interface eth0
  virtual_router_id 8
  priority $1
  advert_int 0.1
  virtual_ipaddress {
    $VLL6/64
    $VIP6/64
  }
}
EOF
  ip netns exec "$(ns k)" "$KEEPALIVED" -n -l -D --vrrp -f "$NL_DIR/keepalived.conf" \
    -p "$NL_DIR/ka.pid" -r "$NL_DIR/ka-vrrp.pid" >>"$NL_DIR/keepalived.log" 2>&1 &
  KA_PID=$!
}
# A crash: the VRRP child frozen first (its parent's death would make it
# stop gracefully, priority 0 and all), then both killed (the parent would
# restart a lone child).
ka_kill9() {
  local child
  child=$(cat "$NL_DIR/ka-vrrp.pid" 2>/dev/null)
  [ -z "$child" ] || kill -STOP "$child" 2>/dev/null
  kill -9 ${child:+"$child"} ${KA_PID:+"$KA_PID"} 2>/dev/null
  wait "$KA_PID" 2>/dev/null
  rm -f "$NL_DIR/ka.pid" "$NL_DIR/ka-vrrp.pid"
  KA_PID=""
}
ka_backups() { grep -ac "Entering BACKUP STATE" "$NL_DIR/keepalived.log" 2>/dev/null; }
ka_backups_over() { [ "$(ka_backups)" -gt "$1" ]; }

ka_start 100
if wait_for "$BOUND" state_is master && sleep 0.5 && ka_lacks_vip && [ "$(state)" = master ]; then
  ok "the box (priority 200) is master of both routers, keepalived (100) backup: neither gateway on keepalived's eth0"
else
  notok "the box master, keepalived backup (box: $(state), keepalived has the VIP: $(ka_has_vip && echo yes || echo no))"
fi
# --------------------------------------------------------- forged masters
before=$(counter ha.vrrp_source)
in_ns h "$PY" - "$HIP" "$VIP" <<'PYEOF' >/dev/null 2>&1
import sys
from scapy.all import Ether, IP, VRRPv3, sendp
src, vip = sys.argv[1], sys.argv[2]
f = Ether(dst="01:00:5e:00:00:12", src="00:00:5e:00:01:07") / IP(src=src, dst="224.0.0.18", ttl=255) / \
    VRRPv3(vrid=7, priority=254, adv=10, ipcount=1, addrlist=[vip])
sendp(f, iface="eth0", count=5, inter=0.02, verbose=False)
PYEOF
after=$(counter ha.vrrp_source)
if [ $((after - before)) -ge 5 ] && [ "$(state)" = master ]; then
  ok "a host forging priority 254 takes nothing: counted ha.vrrp_source (+$((after - before))), the box still master"
else
  notok "forged advertisements: ha.vrrp_source +$((after - before)), box $(state)"
fi

# ------------------------------------------------------ the box as master
in_ns h ip neigh flush dev eth0 >/dev/null 2>&1
if in_ns h ping -c 3 -i 0.2 -W 2 "$VIP" >/dev/null 2>&1 &&
   in_ns h ip neigh show "$VIP" | grep -qi "$VMAC"; then
  ok "the host reaches the gateway through the box: $VIP answered, its MAC the virtual one ($VMAC)"
else
  notok "gateway through the box: $(in_ns h ip neigh show "$VIP")"
fi
if in_ns h ping -6 -c 3 -i 0.2 -W 2 "$VIP6" >/dev/null 2>&1 &&
   in_ns h ip -6 neigh show "$VIP6" | grep -qi "$VMAC6"; then
  ok "... and its IPv6 gateway: $VIP6 answered (NDP), its MAC the IPv6 router's ($VMAC6)"
else
  notok "IPv6 gateway through the box: $(in_ns h ip -6 neigh show "$VIP6")"
fi

# ---------------------------------------------- keepalived preempts the box
set_prio 50
if [ -n "${HA_PAUSE:-}" ]; then echo "# paused: $NL_SOCK"; sleep "$HA_PAUSE"; fi
if wait_for "$BOUND" ka_has_vip && wait_for "$BOUND" state_is backup &&
   [ "$(vrrp_field rx)" -gt 0 ] 2>/dev/null; then
  ok "the box lowered to 50: keepalived (100) preempts both routers, the box is backup, taking its advertisements ($(vrrp_field rx) IPv4, $(vrrp_field rx ipv6) IPv6)"
else
  notok "keepalived preempts (box: $(state)/$(vrrp_field state ipv6), keepalived has the VIPs: $(ka_has_vip && echo yes || echo no))"
fi
held0=$(counter switch.held_elsewhere)
in_ns h ip neigh flush dev eth0 >/dev/null 2>&1
kmac=$(ip -n "$(ns k)" link show eth0 | awk '/link\/ether/ {print $2}')
if in_ns h ping -c 3 -i 0.2 -W 2 "$VIP" >/dev/null 2>&1 &&
   in_ns h ip neigh show "$VIP" | grep -qi "$kmac" && [ "$(counter switch.held_elsewhere)" -gt "$held0" ]; then
  ok "the gateway is keepalived's: ARP answered by it alone ($kmac); the box's silence counted (switch.held_elsewhere)"
else
  notok "gateway at keepalived: neigh $(in_ns h ip neigh show "$VIP"), held_elsewhere $held0 -> $(counter switch.held_elsewhere)"
fi

# ------------------------------------------ keepalived dies: the box takes over
# a steady master first: five more of its advertisements taken
rx0=$(vrrp_field rx)
rx_over() { [ "$(vrrp_field rx)" -ge "$1" ] 2>/dev/null; }
wait_for "$BOUND" rx_over $((rx0 + 5))
was=$(state)
t0=$(now_ms)
ka_kill9
if [ "$was" = backup ] && wait_for "$BOUND" state_is master; then
  took=$(($(changed_ms) - t0))
  ok "keepalived killed (-9): the box takes over in $took ms (Master_Down_Interval at priority 50: 3 x 100 ms + 80 ms skew)"
  echo "# takeover_ms box_after_kill9 $took"
else
  notok "the box (was $was) takes over from a dead keepalived: $(state)"
fi

# ------------------------------------------- keepalived returns as backup
set_prio 200
nb=$(ka_backups)
ka_start 100
if wait_for "$BOUND" ka_backups_over "$nb" && sleep 1 && ka_lacks_vip && [ "$(state)" = master ]; then
  ok "keepalived back (100) under the box (200): backup, the box still master"
else
  notok "keepalived back as backup (box: $(state), keepalived has the VIP: $(ka_has_vip && echo yes || echo no))"
fi

# ------------------------------- a restart that keeps the traffic (takeover)
# A new sxdp on the same config takes over from the running one under a
# 100/s ping stream to the gateway (sxdp --takeover: the tables copied,
# learned neighbours included, the router's state handed over, then the
# ports): the stream loses what falls between the old one's last burst and
# the new one's first; the router stays master (keepalived never hears a
# silence long enough to take over); the old one exits 0.
masters0=$(grep -ac "Entering MASTER STATE" "$NL_DIR/keepalived.log")
in_ns h ping -i 0.01 -c 300 -W 1 "$VIP" >"$NL_DIR/ping-takeover.txt" 2>&1 &
pingpid=$!
sleep 1   # the stream under way (its first second is the reference)
old_pid=$NL_PID old_log=$NL_LOG
NL_LOG="$NL_DIR/sxdp-takeover.log"
"$SXDP" --config "$NL_DIR/sxdp.json" --socket "$NL_SOCK" --takeover >"$NL_LOG" 2>&1 </dev/null &
NL_PID=$!
gone() { ! kill -0 "$1" 2>/dev/null; }
if wait_for 60 gone "$old_pid"; then
  wait "$old_pid"; old_rc=$?
else
  old_rc=124   # never handed over: the old one goes on (and is stopped below)
  kill "$NL_PID" 2>/dev/null
  NL_PID=$old_pid NL_LOG=$old_log
fi
wait "$pingpid"
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$NL_DIR/ping-takeover.txt")
if [ "$old_rc" -eq 0 ] && kill -0 "$NL_PID" 2>/dev/null && [ "${lost:-300}" -le 100 ] &&
   [ "$(state)" = master ] && [ "$(grep -ac "Entering MASTER STATE" "$NL_DIR/keepalived.log")" -eq "$masters0" ] &&
   grep -q "takeover: .* entries copied" "$NL_LOG"; then
  ok "sxdp --takeover under 100 pings/s to the gateway: $lost lost (about $((lost * 10)) ms), the router still master, keepalived never master, the old sxdp exited 0 ($(grep -ao 'takeover: [0-9]* entries copied in [0-9.]* ms' "$NL_LOG"))"
  echo "# takeover_lost_pings_at_100_per_s $lost"
else
  notok "takeover: old exit $old_rc, new running: $(kill -0 "$NL_PID" 2>/dev/null && echo yes || echo no), lost $lost of 300, router $(state), keepalived masters $masters0 -> $(grep -ac "Entering MASTER STATE" "$NL_DIR/keepalived.log")"
  tail -20 "$NL_LOG" | sed 's/^/#   new: /'
  tail -8 "$old_log" | sed 's/^/#   old: /'
fi
if in_ns h ip neigh flush dev eth0 >/dev/null 2>&1 && in_ns h ping -c 2 -i 0.2 -W 2 "$VIP" >/dev/null 2>&1 &&
   in_ns h ping -6 -c 2 -i 0.2 -W 2 "$VIP6" >/dev/null 2>&1 && [ "$(vrrp_field state ipv6)" = master ]; then
  ok "after the takeover: both gateways answer ARP, NDP and ping from the new sxdp on the old one's socket"
else
  notok "after the takeover: the gateways (IPv6 router $(vrrp_field state ipv6))"
fi

# ----------------------------------------- sxdp stops: keepalived takes over
t0=$(now_ms)
nl_stop_sxdp >/dev/null 2>&1
if wait_for "$BOUND" ka_has_vip; then
  ok "sxdp stopped (SIGTERM): its router said priority 0, keepalived took the gateway $(($(now_ms) - t0)) ms after the signal (stop included)"
else
  notok "keepalived takes over when sxdp stops"
fi
finish
