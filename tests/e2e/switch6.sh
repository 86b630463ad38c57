#!/usr/bin/env bash
# e2e IPv6: kernel hosts in network namespaces, routed by the sxdp "switch"
# pipeline over AF_XDP, in two slices with IDENTICAL IPv6 addressing (same
# addresses, same host MACs, same SVI addresses and MACs).
#
#   slice 1 (vrf 1)                                 slice 2 (vrf 2)
#   a1 2001:db8:1::10 ── bd 11  SVI 2001:db8:1::1    a2 2001:db8:1::10 ── bd 21  SVI 2001:db8:1::1
#   b1 2001:db8:2::10 ── bd 12  SVI 2001:db8:2::1    b2 2001:db8:2::10 ── bd 22  SVI 2001:db8:2::1
#
# Programmed with sxctl's shortcuts only (slice attach, svi add with IPv6
# addresses). Checks: the box answers neighbour solicitations and ping6 for
# its SVI and link-local addresses; a1 -> b1 is routed (the box solicits b1,
# holding the first packet; hop limit 64 -> 63); hop limit 1 gets "time
# exceeded" and an unknown prefix "no route" from the SVI; a 1280 link gets
# "packet too big" (mtu 1280) and then the hosts' own fragments through;
# TCP moves data in each slice and in both at once; nothing of one slice
# reaches the other (the other slice's ports send nothing, its hosts receive
# nothing); the neighbours are learned per slice by NDP; SIGTERM stops sxdp
# cleanly. Ends with "N passed, M failed"; exit 1 if any failed, 77 if this
# machine cannot do network namespaces/veth. BUILD=dir picks the build
# directory, NL_DRIVER=af_packet forces AF_PACKET ports, TCP_SECONDS the
# TCP time, NL_KEEP=1 keeps the temp dir.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
HOSTS=(a1 b1 a2 b2)
declare -A IP=([a1]=2001:db8:1::10 [b1]=2001:db8:2::10 [a2]=2001:db8:1::10 [b2]=2001:db8:2::10)
declare -A GW=([a1]=2001:db8:1::1 [b1]=2001:db8:2::1 [a2]=2001:db8:1::1 [b2]=2001:db8:2::1)
declare -A MAC=([a1]=02:00:0a:00:01:0a [b1]=02:00:0a:00:02:0a [a2]=02:00:0a:00:01:0a [b2]=02:00:0a:00:02:0a)
declare -A SLICE=([a1]=1 [b1]=1 [a2]=2 [b2]=2)
declare -A BD=([a1]=11 [b1]=12 [a2]=21 [b2]=22)
declare -A SVI_MAC=([a1]=02:5e:00:00:01:01 [b1]=02:5e:00:00:02:01 [a2]=02:5e:00:00:01:01 [b2]=02:5e:00:00:02:01)
LL_A=fe80::5e:ff:fe00:101   # the box's link-local address in bd 11 and 21 (EUI-64 of the SVI MAC)
ns() { printf 'sw6%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }


BGPIDS=()
# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local p h
  for p in "${BGPIDS[@]}"; do
    case $p in ''|*[!0-9]*|0) continue ;; esac
    kill "$p" 2>/dev/null
  done
  if [ "$fail" -ne 0 ] && [ -n "$NL_LOG" ] && [ -f "$NL_LOG" ]; then
    echo "# sxdp log ($NL_LOG):"
    tail -30 "$NL_LOG" | sed 's/^/#   /'
  fi
  nl_stop_sxdp >/dev/null 2>&1
  for h in "${HOSTS[@]}"; do
    nl_ns_del "$(ns "$h")"
    ip link del "$(ns "$h")" 2>/dev/null
  done
  if [ -n "$NL_DIR" ] && [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; fi
  [ -z "${NL_KEEP:-}" ] || echo "# kept $NL_DIR"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# An IPv6 host: nl_host's netns and veth (it turns IPv6 off), IPv6 back on
# without the chatter that is not under test (no DAD, router solicitations
# or RAs), its MAC, address and default route.
host6() { # host
  local h=$1 n
  n=$(ns "$h")
  nl_host "$n" 192.0.2.1 "$n" >/dev/null 2>&1 || return 1
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
    net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=0 \
    net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.accept_dad=0 >/dev/null || return 1
  nl_host_l2l3 "$n" "${MAC[$h]}" || return 1
  ip -n "$n" -6 addr add "${IP[$h]}/64" dev eth0 nodad || return 1
  ip -n "$n" -6 route add default via "${GW[$h]}" dev eth0
}

# ------------------------------------------------------------- 1. topology
sw_stale_cleanup sw6
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-switch6.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
for h in "${HOSTS[@]}"; do
  if ! host6 "$h"; then
    notok "topology: IPv6 host $h ($(ns "$h"), ${IP[$h]}/64, gw ${GW[$h]})"
    finish
  fi
done
ok "topology: 4 IPv6 hosts (netns sw6$TAG-{a1,b1,a2,b2}), identical addressing in both slices"

# ---------------------------------------------------------------- 2. sxdp
start_sxdp() { NL_PREFIX="sw6$TAG-$1"; sw_write_config "$1" && nl_launch "$SXDP" "$NL_DIR/sxdp.json"; }
started=0
if [ "$NL_DRIVER" = af_xdp ]; then
  if start_sxdp af_xdp; then
    started=1
  else
    nl_stop_sxdp >/dev/null 2>&1
    # only a kernel with no AF_XDP socket excuses it
    if ! NL_AFXDP_WHY=$(nl_no_afxdp); then
      notok "sxdp (pipeline switch) starts on 4 veth ports with net_af_xdp"
      tail -15 "$NL_LOG" 2>/dev/null | sed 's/^/#   /'
      finish
    fi
    skip "sxdp starts on net_af_xdp" "$NL_AFXDP_WHY (the rest runs on net_af_packet)"
    NL_DRIVER=af_packet
  fi
fi
[ "$started" -eq 1 ] || { start_sxdp "$NL_DRIVER" && started=1; }
if [ "$started" -eq 0 ]; then
  notok "sxdp (pipeline switch) starts on 4 veth ports"
  finish
fi
ok "sxdp started, pipeline switch, 4 ports net_$NL_DRIVER"

# --------------------------------------------------- 3. programming (sxctl)
prog_ok=1
for h in "${HOSTS[@]}"; do
  net=${GW[$h]}
  if ! out=$(ctl slice attach "$h" slice "${SLICE[$h]}" bd "${BD[$h]}" 2>&1) ||
     ! out=$(ctl svi add "${SLICE[$h]}" "${BD[$h]}" "${SVI_MAC[$h]}" "$net/64" 2>&1); then
    prog_ok=0
    notok "sxctl slice attach / svi add for $h: $(head -c 300 <<<"$out")"
  fi
done
# (the hosts' own multicast may have been learned already: router MACs only)
nent=$(ctl --json stats | "$PY" -c '
import json, sys
t = json.load(sys.stdin)["tables"]
print(" ".join("%s=%d" % (k, t[k]["entries"]) for k in ("interfaces", "svi6", "routes6")))')
nent+=" fdb-route=$(ctl --json mac show | "$PY" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["entries"] if e["action"] == "route"))')"
if [ "$prog_ok" -eq 1 ] && [ "$nent" = "interfaces=4 svi6=4 routes6=8 fdb-route=4" ]; then
  ok "programmed with sxctl slice attach + svi add (IPv6): $nent"
else
  notok "table entries after programming: $nent"
  [ "$prog_ok" -eq 1 ] || finish
fi

# ----------------------------------------------------------- helpers
# one packet, one chance: the box holds it while it solicits DST
first_held() { # SRC DST
  local out
  out=$(in_ns "$1" ping -6 -c 1 -W 5 "${IP[$2]}" 2>&1)
  if grep -q ' 0% packet loss' <<<"$out"; then
    ok "$1 -> $2 ${IP[$2]} routed in vrf ${SLICE[$1]}: the first packet was held while the box solicited $2, then delivered"
  else
    notok "$1 -> $2: the first packet ($2 unknown to the box) got no answer in 5 s"
    wait_ping "$1" "${IP[$2]}" 15 >/dev/null
  fi
}
declare -A RX0
rx_mark() { local h; for h in "$@"; do RX0[$h]=$(nl_rx_packets "$(ns "$h")"); done; }
# isolation WHAT S0 S1 QUIET_HOSTS...: the other slice's ports sent nothing, its hosts received nothing
isolation() {
  local what=$1 s0=$2 s1=$3 h d="" bad=0 tx rx
  shift 3
  for h in "$@"; do
    tx=$(port_delta "$s0" "$s1" "$h" tx_packets)
    rx=$(( $(nl_rx_packets "$(ns "$h")") - RX0[$h] ))
    d+="$h: port tx +$tx, eth0 rx +$rx; "
    [ "$tx" = 0 ] && [ "$rx" -eq 0 ] || bad=1
  done
  if [ "$bad" -eq 0 ]; then ok "isolation: $what: ${d%; }"; else notok "isolation: $what: ${d%; }"; fi
}

# ------------------------------------------- 4. slice 1 (a2, b2 stay quiet)
rx_mark a2 b2
s0=$(stats_json)
if wait_ping a1 "${GW[a1]}" 15; then
  ok "a1 -> its gateway ${GW[a1]}: the box answered a1's neighbour solicitation, and ping6"
else
  notok "a1 -> its gateway ${GW[a1]}: no answer within 15 s"
fi
ping_check "a1 pings its SVI ${GW[a1]}" a1 "${GW[a1]}" 10 64
ping_check "a1 pings the box's link-local $LL_A%eth0" a1 "$LL_A%eth0" 5 64
ping_check "a1 pings the other SVI 2001:db8:2::1 (local in vrf 1)" a1 2001:db8:2::1 5 64
first_held a1 b1
ping_check "a1 pings b1 (routed: hop limit 64 -> 63)" a1 "${IP[b1]}" 20 63
ping_check "b1 pings a1 (routed back)" b1 "${IP[a1]}" 5 63
out=$(in_ns a1 ping -6 -c 1 -t 1 -W 2 "${IP[b1]}" 2>&1)
if grep -q "From ${GW[a1]} .*Time exceeded" <<<"$out"; then
  ok "a1 pings b1 with hop limit 1: ICMPv6 time exceeded from ${GW[a1]}"
else
  notok "a1 pings b1 with hop limit 1: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
out=$(in_ns a1 ping -6 -c 1 -W 2 2001:db8:99::1 2>&1)
if grep -q "From ${GW[a1]} .*Destination unreachable: No route" <<<"$out"; then
  ok "a1 pings 2001:db8:99::1 (no route in vrf 1): ICMPv6 no route from ${GW[a1]}"
else
  notok "a1 pings 2001:db8:99::1: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
# b1 behind a 1280 link: the box never fragments, it says "packet too big";
# a1's kernel then fragments by itself and the pings go through
ctl raw port.set '{"port":"b1","mtu":1280}' >/dev/null
in_ns b1 ip link set eth0 mtu 1280
out=$(in_ns a1 ping -6 -c 1 -W 2 -s 1400 -M "do" "${IP[b1]}" 2>&1)
if grep -q "From ${GW[a1]} .*Packet too big: mtu=1280" <<<"$out"; then
  ok "a1 -> b1 1448 bytes over a 1280 link: ICMPv6 packet too big (mtu=1280) from ${GW[a1]}"
else
  notok "a1 -> b1 1448 bytes over a 1280 link: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
ping_check "a1 -> b1 1448-byte pings after path MTU discovery (a1 fragments)" a1 "${IP[b1]}" 3 63
ctl raw port.set '{"port":"b1","mtu":1500}' >/dev/null
in_ns b1 ip link set eth0 mtu 1500
tcp_check "TCP a1 -> b1 routed (IPv6)" a1 b1
s1=$(stats_json)
isolation "slice-1 traffic, hosts a2 b2 of slice 2" "$s0" "$s1" a2 b2
# quiet slice 1 before the other slice's turn: no neighbour re-probes later
for h in a1 b1; do in_ns "$h" ip -6 neigh flush dev eth0 >/dev/null 2>&1; done
sleep 1

# ------------------------------------------- 5. slice 2 (a1, b1 stay quiet)
rx_mark a1 b1
s0=$(stats_json)
if wait_ping a2 "${GW[a2]}" 15; then ok "a2 -> its gateway ${GW[a2]} (slice-2 SVI, same address and MAC)"; else
  notok "a2 -> its gateway ${GW[a2]}: no answer within 15 s"; fi
first_held a2 b2
ping_check "a2 pings b2 (routed: hop limit 64 -> 63)" a2 "${IP[b2]}" 20 63
tcp_check "TCP a2 -> b2 routed (IPv6)" a2 b2
s1=$(stats_json)
isolation "slice-2 traffic, hosts a1 b1 of slice 1" "$s0" "$s1" a1 b1

# ------------------------------------------------- 6. both slices at once
f1=$(mktemp "$NL_DIR/both1.XXXX")
tcp_bytes a1 b1 >"$f1" &
BGPIDS=("$!")
n2=$(tcp_bytes a2 b2)
wait "${BGPIDS[0]}" 2>/dev/null
BGPIDS=()
n1=$(cat "$f1")
if [ "${n1:-0}" -gt 1000000 ] && [ "${n2:-0}" -gt 1000000 ]; then
  ok "TCP a1 -> b1 and a2 -> b2 at once (same addresses): $n1 and $n2 bytes"
else
  notok "TCP in both slices at once: slice 1 ${n1:-0} bytes, slice 2 ${n2:-0} bytes"
fi

# ------------------------------------------------ 7. learned state, counters
chk=$(ctl --json neigh show6 | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
got = {(int(e["match"]["vrf"]), e["match"]["ip"]): (e["action"], e["params"].get("port")) for e in r["entries"]}
want = {(1, "2001:db8:1::10"): "a1", (1, "2001:db8:2::10"): "b1", (2, "2001:db8:1::10"): "a2", (2, "2001:db8:2::10"): "b2"}
bad = ["(%d, %s) -> %s, want learned on %s" % (k[0], k[1], got.get(k), v) for k, v in want.items()
       if got.get(k) != ("learned", v)]
print("%s|%s" % ("; ".join(bad), ", ".join("vrf %d %s -> %s" % (k[0], k[1], got[k][1]) for k in sorted(got))))' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "neigh6 learned by NDP, per slice (sxctl neigh show6): ${chk#*|}"
else
  notok "neigh6 entries: $chk"
fi
chk=$(stats_json | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
ev = s.get("events") or {}
need = ["switch.nd_advert", "switch.nd_solicit", "switch.nd_learned", "switch.icmp6_echo",
        "switch.icmp6_error", "switch.consumed", "switch.forwarded"]
miss = [k for k in need if not ev.get(k)]
drops = {k: v for k, v in (s.get("drops") or {}).items() if v}
print("%s|events %s; drops %s" % (", ".join(miss), {k: v for k, v in ev.items() if k in need}, drops or "none"))' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "NDP and ICMPv6 counters: ${chk#*|}"
else
  notok "NDP/ICMPv6 events missing: $chk"
fi

# ------------------------------------------------------------ 8. clean stop
sock=$NL_SOCK
nl_stop_sxdp
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$sock" ]; then
  ok "SIGTERM: sxdp exit 0, socket removed"
else
  notok "SIGTERM: sxdp exit $rc"
fi
finish
