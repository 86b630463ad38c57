#!/usr/bin/env bash
# e2e ha_pair: two boxes at site A as an active/standby pair, one box at
# site B, every box sxdp and sxcd programmed by intents alone (sxctl apply),
# and each failure kind the pair is for, under a 1,000 packet/s slice stream.
#
#   netns l (site A's LAN, two switches): br0 ── a1's lan1 (box a1, priority 200)
#                                         ├── host ha 10.1.0.1
#                                         └── isl0 ═ isl1 ── br1 ── a2's lan1 (box a2, 100)
#   netns w (WAN): bridge ── a1's wan1 192.0.2.1, a2's wan1 192.0.2.3,
#                            b's wan1 192.0.2.2
#   box b's lan1 ── host hb 10.1.0.2
#
# Slice red (VNI 5001) is stretched between the sites over ESP (the pair
# one site to its peers: a1's key copied to a2); its gateway
# 10.1.0.254 at site A is the pair's (the site's "pair": VRRP VRID 1,
# advertisements every 100 ms, a2 preempted back after a 2 s hold-down).
# Site B's peer "site-a" has both boxes' addresses as endpoints: its paths
# to both are probed (sxdp probes every 50 ms) and up, the standby's
# marked standby by its own answers, so B sends to the active box.
#
# Each failure (kill -9 of the active's sxdp; its stop as an upgrade does
# it, SIGTERM; kill -9 of its sxcd; its WAN link cut;
# its LAN cut; its sxdp frozen with SIGSTOP; the standby's sxdp killed; the
# link between the two LAN switches cut, both boxes alive: split brain) is
# made under two streams, hb to ha and ha to hb (1 ms a datagram, numbered), then undone
# (the box started again, the link back, SIGCONT): the check is who is
# master after each step, that both streams go on, and that ha and hb
# reach each other; the outage of each step (the longest run of datagrams lost)
# is printed as "# outage_ms KIND b_to_a N a_to_b M" (ms), the figures
# bench/README.md quotes.
# Ends with "N passed, M failed"; 77 when this machine cannot do network
# namespaces. BUILD, NL_KEEP as the other e2e tests; HA_PAIR_BOUND.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=halib.sh
. "$here/halib.sh"

SXCD=$BUILD/sxcd
TAG=$$
nsn() { printf 'hp%s-%s' "$TAG" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
BOUND=${HA_PAIR_BOUND:-15}   # seconds: generous, for a busy machine
BOXES="a1 a2 b"
declare -A API=([a1]=18471 [a2]=18472 [b]=18473)
declare -A WAN=([a1]=192.0.2.1 [a2]=192.0.2.3 [b]=192.0.2.2)
declare -A SELF=([a1]=10.1.0.252 [a2]=10.1.0.253)
declare -A PEERIP=([a1]=10.1.0.253 [a2]=10.1.0.252)
declare -A PRIO=([a1]=200 [a2]=100)
BGPIDS=()

why=$(nl_check) || { echo "SKIP: $why"; exit 77; }
[ -x "$SXCD" ] || { echo "not ok - $SXCD is missing: build first"; echo "0 passed, 1 failed"; exit 1; }
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-hapair.XXXXXX)
chmod 700 "$NL_DIR"

# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local b
  if [ "$fail" -ne 0 ]; then
    for b in $BOXES; do
      echo "# sxdp $b:"; tail -12 "$NL_DIR/sxdp-$b.log" 2>/dev/null | sed 's/^/#   /'
      echo "# sxcd $b:"; tail -6 "$NL_DIR/sxcd-$b.log" 2>/dev/null | sed 's/^/#   /'
    done
  fi
  boxes_stop
  for n in a1 a2 b l w ha hb; do nl_ns_del "$(nsn "$n")"; done
  if [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; else echo "# kept $NL_DIR"; fi
}
trap on_exit EXIT

# ------------------------------------------------------------------ topology
topo() {
  local n b
  for n in a1 a2 b l w ha hb; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
    in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  for n in l/br0 l/br1 w/br0; do
    ip -n "$(nsn "${n%/*}")" link add "${n#*/}" type bridge || return 1
    ip -n "$(nsn "${n%/*}")" link set "${n#*/}" up
  done
  ip -n "$(nsn l)" link add isl0 type veth peer name isl1 || return 1
  ip -n "$(nsn l)" link set isl0 master br0 up
  ip -n "$(nsn l)" link set isl1 master br1 up
  for b in $BOXES; do
    ip -n "$(nsn "$b")" link add wan1 type veth peer name "${b}w" netns "$(nsn w)" || return 1
    ip -n "$(nsn w)" link set "${b}w" master br0 up
  done
  for b in a1 a2; do
    ip -n "$(nsn "$b")" link add lan1 type veth peer name "${b}l" netns "$(nsn l)" || return 1
    ip -n "$(nsn l)" link set "${b}l" master "br$([ "$b" = a1 ] && echo 0 || echo 1)" up
  done
  ip -n "$(nsn l)" link add hal type veth peer name eth0 netns "$(nsn ha)" || return 1
  ip -n "$(nsn l)" link set hal master br0 up
  ip -n "$(nsn b)" link add lan1 type veth peer name eth0 netns "$(nsn hb)" || return 1
  for b in $BOXES; do
    for n in lan1 wan1; do
      in_ns "$b" ethtool -L "$n" rx 1 tx 1 >/dev/null 2>&1
      ip -n "$(nsn "$b")" link set "$n" up
    done
  done
  ip -n "$(nsn ha)" addr add 10.1.0.1/24 dev eth0
  ip -n "$(nsn hb)" addr add 10.1.0.2/24 dev eth0
  for n in ha hb; do
    # the overlay's MTU less ESP's; AF_XDP takes frames as queued: no checksum offload
    ip -n "$(nsn "$n")" link set eth0 mtu 1360 up
    in_ns "$n" ethtool -K eth0 tx off >/dev/null 2>&1
  done
}
if topo; then ok "topology: a pair at site A on one LAN, box b at site B, one WAN"
else notok "topology"; finish; fi

# ------------------------------------------------------------------ sxdp, sxcd
sxdp_start() { box_sxdp "$1" "$2" '{"lan": "switch", "wan": "overlay"}' lan1:lan wan1:wan; }
api() { local b=$1; shift; "$SXCTL" --api "http://127.0.0.1:${API[$b]}" --token-file "$NL_DIR/token" "$@"; }
sxcd_start() { # box
  local b=$1
  mkdir -p "$NL_DIR/store-$b"
  "$SXCD" --socket "$NL_DIR/$b.sock" --store "$NL_DIR/store-$b" --listen "127.0.0.1:${API[$b]}" \
    --token-file "$NL_DIR/token" --resync-ms 500 --no-netlink >>"$NL_DIR/sxcd-$b.log" 2>&1 </dev/null &
  echo $! >"$NL_DIR/sxcd-$b.pid"
  wait_for "$BOUND" sxcd_ready "$b"
}
sxcd_ready() { grep -q "INFO: ready: " "$NL_DIR/sxcd-$1.log" 2>/dev/null && api "$1" status >/dev/null 2>&1; }

boxes_sxdp_up || { notok "sxdp at the three boxes"; finish; }
ok "sxdp at a1, a2 and b (net_$DRIVER ports lan1, wan1; pipeline lan=switch wan=overlay)"
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token" && chmod 600 "$NL_DIR/token"
# the pair is one site to its peers: one ESP key, a1's, copied to a2's
# store before a2's sxcd first starts (each path's keys are still its own)
if sxcd_start a1 && mkdir -p "$NL_DIR/store-a2" && cp -p "$NL_DIR/store-a1/esp.key" "$NL_DIR/store-a2/" &&
   sxcd_start a2 && sxcd_start b; then
  ok "sxcd at the three boxes (a2 with a1's ESP key: one key for the site)"
else
  notok "sxcd at the three boxes"; finish
fi
pub_of() { api "$1" --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["esp"]["public_key"])'; }
PUB_A=$(pub_of a1) PUB_B=$(pub_of b)
[ "$PUB_A" = "$(pub_of a2)" ] || notok "a2's ESP key is a1's"
esp() { printf '"encryption": {"cipher": "aes-gcm-128", "public_key": "%s"}' "$1"; }

# ------------------------------------------------------------------ intents
probe='"probe": {"how": "sxdp", "interval_ms": 50, "down_after": 3, "up_after": 3}'
red_a='{"kind": "slices", "metadata": {"name": "red"}, "spec": {"id": 1, "vni": 5001,
   "members": [{"port": "lan1"}], "svi": {"address": "10.1.0.254/24", "mac": "02:00:0a:01:00:fe"},
   "path_policy": {"mode": "failover", "wans": ["isp1"]}}}'
for b in a1 a2; do
  cat >"$NL_DIR/site-$b.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
   "wan": [{"name": "isp1", "port": "wan1", "address": "${WAN[$b]}/24"}],
   "pair": {"peer": "$([ "$b" = a1 ] && echo a2 || echo a1)", "priority": ${PRIO[$b]}, "advert_ms": 100,
            "preempt_hold_s": 2,
            "gateways": [{"slice": "red", "vrid": 1, "address": "${SELF[$b]}", "peer": "${PEERIP[$b]}"}]}}},
 {"kind": "peers", "metadata": {"name": "site-b"}, "spec": {"id": 2,
   "endpoints": [{"address": "${WAN[b]}", "wan": "isp1"}], $probe, $(esp "$PUB_B")}},
 $red_a
]}
EOF
done
cat >"$NL_DIR/site-b.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 2, "lan": [{"port": "lan1"}],
   "wan": [{"name": "isp1", "port": "wan1", "address": "${WAN[b]}/24"}]}},
 {"kind": "peers", "metadata": {"name": "site-a"}, "spec": {"id": 1,
   "endpoints": [{"address": "${WAN[a1]}", "wan": "isp1"}, {"address": "${WAN[a2]}", "wan": "isp1"}], $probe,
   $(esp "$PUB_A")}},
 {"kind": "slices", "metadata": {"name": "red"}, "spec": {"id": 1, "vni": 5001,
   "members": [{"port": "lan1"}], "path_policy": {"mode": "failover", "wans": ["isp1"]}}}
]}
EOF
applied=""
for b in $BOXES; do
  out=$(api "$b" apply -f "$NL_DIR/site-$b.json" --wait 2>&1) || { applied+=" $b: $out"; }
done
if [ -z "$applied" ]; then ok "intents applied at the three boxes (site A's pair, peers, slice red)"
else notok "intents:$applied"; finish; fi

# ------------------------------------------------------------------ helpers
vrrp_state() { sx "$1" --json call ha.vrrp 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
print(r[0]["state"] if r else "none")' 2>/dev/null || echo "?"; }
# a path's state at b by its far end
b_path() { sx b --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print(next((p["state"] for p in json.load(sys.stdin) if p["dst"] == sys.argv[1]), "?"))' "$1" 2>/dev/null; }
is_master() { [ "$(vrrp_state "$1")" = master ]; }
roles() { # active standby: active master, the standby backup, b's paths up and standby
  [ "$(vrrp_state "$1")" = master ] && [ "$(vrrp_state "$2")" = backup ] &&
    [ "$(b_path "${WAN[$1]}")" = up ] && [ "$(b_path "${WAN[$2]}")" = standby ]
}
drops_of() { sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
print(json.load(sys.stdin).get("drops", {}).get(sys.argv[1], 0))' "$2" 2>/dev/null || echo 0; }

# The streams: hb -> ha and ha -> hb (halib.sh)
flowing() { streams_flow ha hb; }
outages() { outages_of "$1" ha b_to_a hb a_to_b; }
reach() { in_ns ha ping -c 3 -i 0.2 -W 2 10.1.0.2 >/dev/null 2>&1 && in_ns hb ping -c 3 -i 0.2 -W 2 10.1.0.1 >/dev/null 2>&1; }

# ------------------------------------------------------------------ steady state
if wait_for "$BOUND" roles a1 a2; then
  ok "a1 (200) master, a2 (100) backup; at b the path to a1 up, the one to a2 up as standby"
else
  notok "roles: a1 $(vrrp_state a1), a2 $(vrrp_state a2), b's paths $(b_path "${WAN[a1]}")/$(b_path "${WAN[a2]}")"
  finish
fi
if wait_for "$BOUND" reach && stream_start hb ha 10.1.0.1 && stream_start ha hb 10.1.0.2 &&
   wait_for "$BOUND" flowing; then
  ok "ha and hb reach each other across the overlay; the 1,000/s streams hb -> ha and ha -> hb flow"
else
  notok "reach and stream (not_forwarder at a2: $(drops_of a2 switch.not_forwarder))"
  finish
fi
role_of() { sx "$1" --json call ha.role 2>/dev/null | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r["role"], r["partner"])'; }
if [ "$(role_of a1)" = "active gone" ] && [ "$(role_of a2)" = "standby active" ]; then
  ok "ha.role: a1 active (b sees no other box of site A active), a2 standby (b sees a1 active)"
else
  notok "ha.role: a1 $(role_of a1), a2 $(role_of a2)"
fi
# The standby bridges nothing from the LAN into its tunnels: ha's ARP and
# broadcasts reach it too, and none went to site B through it
nf=$(drops_of a2 switch.not_forwarder)
if [ "$(sx a2 --json call overlay.paths | "$PY" -c 'import json,sys; print(sum(p["packets"] for p in json.load(sys.stdin)))')" -eq 0 ]; then
  ok "the standby a2 carried nothing to site B (not_forwarder: $nf)"
else
  notok "the standby carried packets to site B"
fi

# step KIND ACTIVE STANDBY WHAT: after the failure made at T0, ACTIVE is
# master (STANDBY, unless "-", is not) and both streams flow again; their
# outages printed
T0=0
step() {
  local kind=$1 act=$2 sby=$3 what=$4
  if wait_for "$BOUND" master_is "$act" "$sby" && wait_for "$BOUND" flowing; then
    ok "$what: $act master ($(ms_since "$T0") ms to see it), both streams resumed: $(outages "$kind")"
  else
    notok "$what: a1 $(vrrp_state a1), a2 $(vrrp_state a2), b's paths $(b_path "${WAN[a1]}")/$(b_path "${WAN[a2]}")"
  fi
}
master_is() { # active standby-or-"-" (the other is down or stopped)
  is_master "$1" && { [ "$2" = - ] || ! is_master "$2"; }
}
# back_in_roles KIND WHAT: the failure undone at T0, a1 master again (after
# its hold-down) and a2 backup, both streams flowing, ha and hb reach each other
back_in_roles() {
  if wait_for "$((BOUND * 2))" roles a1 a2 && wait_for "$BOUND" flowing && wait_for "$BOUND" reach; then
    ok "$2: a1 master again (preempted after its hold-down), a2 backup: $(outages "$1")"
  else
    notok "$2: a1 $(vrrp_state a1), a2 $(vrrp_state a2), b's paths $(b_path "${WAN[a1]}")/$(b_path "${WAN[a2]}")"
  fi
}

# 1. kill -9 of the active's sxdp, then it starts again (sxcd writes its tables back)
T0=$(mono); kill -9 "$(cat "$NL_DIR/sxdp-a1.pid")"
step sxdp_kill9 a2 - "a1's sxdp killed (-9)"
T0=$(mono)
if sxdp_start a1 "$DRIVER"; then back_in_roles sxdp_restart "a1's sxdp started again"; else notok "a1's sxdp restarts"; fi

# 1b. the active upgraded: its sxdp stopped as a package's try-restart
# stops it (SIGTERM: its routers say priority 0, its probe answers say
# fault, the workers go on 120 ms for the peers to hear it), then the new
# one started
gone() { ! kill -0 "$(cat "$NL_DIR/sxdp-a1.pid")" 2>/dev/null; }
T0=$(mono); kill -TERM "$(cat "$NL_DIR/sxdp-a1.pid")"
if wait_for "$BOUND" gone; then
  step sxdp_sigterm a2 - "a1's sxdp stopped (SIGTERM, as an upgrade does)"
else
  notok "a1's sxdp stops on SIGTERM"
fi
T0=$(mono)
if sxdp_start a1 "$DRIVER"; then back_in_roles upgraded_back "a1's new sxdp started"; else notok "a1's new sxdp starts"; fi

# 2. kill -9 of the active's sxcd: sxdp goes on, nothing moves
T0=$(mono); kill -9 "$(cat "$NL_DIR/sxcd-a1.pid")"
sleep 1
if roles a1 a2 && flowing; then ok "a1's sxcd killed (-9): a1 still master, both streams flowed: $(outages sxcd_kill9)"
else notok "a1's sxcd killed: a1 $(vrrp_state a1), a2 $(vrrp_state a2)"; fi
sxcd_start a1 || notok "a1's sxcd restarts"

# 3. the active's WAN cut: its overlay has no path off site, it yields
T0=$(mono); ip -n "$(nsn w)" link set a1w down
step wan_cut a2 a1 "a1's WAN link cut (its paths down: it advertises priority 1)"
T0=$(mono); ip -n "$(nsn w)" link set a1w up
back_in_roles wan_back "a1's WAN link back"

# 4. the active's LAN cut: its router stops (no carrier), a2 takes over
T0=$(mono); ip -n "$(nsn l)" link set a1l down
step lan_cut a2 a1 "a1's LAN cut (no carrier: its router stops, b sees a1 in fault)"
T0=$(mono); ip -n "$(nsn l)" link set a1l up
back_in_roles lan_back "a1's LAN back"

# 5. the active frozen (SIGSTOP of sxdp), then thawed
T0=$(mono); kill -STOP "$(cat "$NL_DIR/sxdp-a1.pid")"
step sxdp_sigstop a2 - "a1's sxdp frozen (SIGSTOP)"
T0=$(mono); kill -CONT "$(cat "$NL_DIR/sxdp-a1.pid")"
back_in_roles sxdp_sigcont "a1's sxdp thawed (SIGCONT)"

# 6. the standby's own failure: nothing moves
T0=$(mono); kill -9 "$(cat "$NL_DIR/sxdp-a2.pid")"
sleep 1
if is_master a1 && ! is_master a2 && flowing; then
  ok "a2's (the standby's) sxdp killed (-9): a1 still master, both streams flowed: $(outages standby_kill9)"
else
  notok "the standby's failure: a1 $(vrrp_state a1)"
fi
T0=$(mono)
if sxdp_start a2 "$DRIVER" && wait_for "$((BOUND * 2))" roles a1 a2 && wait_for "$BOUND" flowing; then
  ok "a2's sxdp started again: backup, a1 still master: $(outages standby_restart)"
else
  notok "a2 back: a1 $(vrrp_state a1), a2 $(vrrp_state a2)"
fi
# 7. split brain: the link between the LAN's two switches cut, both boxes
# alive with their carriers. a2 hears no advertisement, but b, which a2
# asks every 50 ms, sees a1 active: a2 defers its takeover (the witness)
# and the gateway stays one box's
vrrp_field() { sx "$1" --json call ha.vrrp 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
print(r[0][sys.argv[1]] if r else "none")' "$2" 2>/dev/null; }
T0=$(mono); ip -n "$(nsn l)" link set isl0 down
deferred() { [ "$(vrrp_field a2 deferred)" = True ]; }
if wait_for "$BOUND" deferred && sleep 2 && roles a1 a2 && deferred && flowing; then
  ok "the LAN split between the boxes (both alive): a2 hears no master but defers its takeover (b sees a1 active), a1 alone holds the gateway: $(outages split_brain)"
else
  notok "split brain: a1 $(vrrp_state a1), a2 $(vrrp_state a2) (deferred $(vrrp_field a2 deferred)), b's paths $(b_path "${WAN[a1]}")/$(b_path "${WAN[a2]}"), streams $(flowing && echo flowing || echo stopped): $(outages split_brain)"
fi
T0=$(mono); ip -n "$(nsn l)" link set isl0 up
if wait_for "$BOUND" eval '! deferred' && roles a1 a2 && flowing; then
  ok "the LAN whole again: a2 hears a1 and no longer defers, nothing moved: $(outages split_healed)"
else
  notok "split healed: a2 deferred $(vrrp_field a2 deferred)"
fi
cat "$NL_DIR/figures"

finish
