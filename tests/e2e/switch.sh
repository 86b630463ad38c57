#!/usr/bin/env bash
# e2e switch: kernel hosts in network namespaces, routed and bridged by the
# sxdp "switch" pipeline over AF_XDP, in two slices with IDENTICAL addressing
# (same IPs, same host MACs, same SVI IPs and MACs).
#
#   slice 1 (vrf 1)                         slice 2 (vrf 2)
#   a1 10.0.1.10 ─┐ bd 11  SVI 10.0.1.1     a2 10.0.1.10 ── bd 21  SVI 10.0.1.1
#   c1 10.0.1.11 ─┘
#   b1 10.0.2.10 ── bd 12  SVI 10.0.2.1     b2 10.0.2.10 ── bd 22  SVI 10.0.2.1
#
# Every host is a netns whose eth0 is a veth; the root-namespace ends are
# sxdp ports a1 b1 c1 a2 b2 (net_af_xdp, one queue; net_af_packet only on a kernel with no AF_XDP socket).
# a1/a2 share one MAC, b1/b2 another; the SVIs of bd 11/21 and bd 12/22 share
# their MACs too. Nothing but the slice tells the two apart.
#
# Checks: the SVIs answer ARP and ping; a1 -> b1 is routed (ARP for b1
# resolved by the box, TTL decremented), a1 -> c1 is bridged; ICMP time
# exceeded and net unreachable come from the SVI; TCP (iperf3) moves data
# routed a1 -> b1 and bridged a1 -> c1; the same in slice 2; both slices at
# once; and nothing of one slice reaches the other: a capture (dumpcap) and
# the kernel rx counters on the other slice's idle hosts stay at 0, and
# sxdp's tx counters of their ports do not move. Then the learned neighbour
# and fdb entries are per slice; with a 2 s fdb idle timeout learned MACs age
# out, static ones stay, and traffic re-learns; SIGTERM stops sxdp cleanly.
# Ends with "N passed, M failed"; exit 1 if any failed, 77 if this machine
# cannot do network namespaces/veth. BUILD=dir picks the build directory,
# NL_DRIVER=af_packet forces AF_PACKET ports, TCP_SECONDS the iperf3 time,
# NL_KEEP=1 keeps the temp dir (logs, captures). Without dumpcap (tshark's
# package) the isolation checks use the interface counters only. No VLAN
# host: kernels without 8021q (this test machine's) cannot make one; VLAN
# tagging is for the packet tier.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

# ------------------------------------------------------------------ names
# Unique per run (others may run e2e tests at the same time): netns and root
# veth "swe<pid>-<host>" (<= 15 chars), DPDK file prefix with the pid.
TAG=$$
HOSTS=(a1 b1 c1 a2 b2)
declare -A IP=([a1]=10.0.1.10 [b1]=10.0.2.10 [c1]=10.0.1.11 [a2]=10.0.1.10 [b2]=10.0.2.10)
declare -A GW=([a1]=10.0.1.1 [b1]=10.0.2.1 [c1]=10.0.1.1 [a2]=10.0.1.1 [b2]=10.0.2.1)
declare -A MAC=([a1]=02:00:0a:00:01:0a [b1]=02:00:0a:00:02:0a [c1]=02:00:0a:00:01:0b
                [a2]=02:00:0a:00:01:0a [b2]=02:00:0a:00:02:0a)
SVI1_MAC=02:5e:00:00:01:01   # SVI of 10.0.1.0/24 (bd 11 and bd 21)
SVI2_MAC=02:5e:00:00:02:01   # SVI of 10.0.2.0/24 (bd 12 and bd 22)
ns() { printf 'swe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }

CAPS=()   # "host pid file" of running dumpcaps
BGPIDS=()
# shellcheck disable=SC2317  # called from the EXIT trap
teardown_hosts() {
  local h
  for h in "${HOSTS[@]}"; do
    nl_ns_del "$(ns "$h")"
    ip link del "$(ns "$h")" 2>/dev/null
  done
  return 0
}
# shellcheck disable=SC2317  # the EXIT trap
dump_log() {
  [ -n "$NL_LOG" ] && [ -f "$NL_LOG" ] || return 0
  echo "# sxdp log ($NL_LOG):"
  tail -40 "$NL_LOG" | sed 's/^/#   /'
}
# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local c p
  for c in "${CAPS[@]}" "${BGPIDS[@]}"; do
    p=${c#* }; p=${p%% *}
    case $p in ''|*[!0-9]*|0) continue ;; esac   # never "kill 0" (the process group)
    kill "$p" 2>/dev/null
  done
  [ "$fail" -eq 0 ] || dump_log
  nl_stop_sxdp >/dev/null 2>&1
  teardown_hosts
  if [ -n "$NL_DIR" ] && [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; fi
  [ -z "${NL_KEEP:-}" ] || echo "# kept $NL_DIR"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }

# ------------------------------------------------------------- 1. topology
sw_stale_cleanup swe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-switch.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
topo_ok=1
for h in "${HOSTS[@]}"; do
  if ! nl_host "$(ns "$h")" "${IP[$h]}" "$(ns "$h")" >/dev/null 2>&1 ||
     ! nl_host_l2l3 "$(ns "$h")" "${MAC[$h]}" "${GW[$h]}"; then
    topo_ok=0
    notok "topology: host $h ($(ns "$h"), ${IP[$h]}/24, ${MAC[$h]}, gw ${GW[$h]})"
    break
  fi
done
[ "$topo_ok" -eq 1 ] || finish
ok "topology: 5 hosts (netns swe$TAG-{a1,b1,c1,a2,b2}) on veth, identical addressing in both slices"

# ---------------------------------------------------------------- 2. sxdp
start_sxdp() { # driver
  NL_PREFIX="swe$TAG-$1"
  sw_write_config "$1" && nl_launch "$SXDP" "$NL_DIR/sxdp.json"
}
asked=$NL_DRIVER
started=0
if [ "$NL_DRIVER" = af_xdp ]; then
  if start_sxdp af_xdp; then
    started=1
  else
    echo "# sxdp did not start on net_af_xdp; its log:"
    tail -15 "$NL_LOG" | sed 's/^/#   /'
    nl_stop_sxdp >/dev/null 2>&1
    # only a kernel with no AF_XDP socket excuses it
    if ! NL_AFXDP_WHY=$(nl_no_afxdp); then
      notok "sxdp (pipeline switch) starts on 5 veth ports with net_af_xdp"
      finish
    fi
    NL_DRIVER=af_packet
  fi
fi
if [ "$started" -eq 0 ]; then
  start_sxdp "$NL_DRIVER" && started=1
fi
if [ "$started" -eq 0 ]; then
  notok "sxdp (pipeline switch) starts on 5 veth ports with net_$NL_DRIVER"
  tail -15 "$NL_LOG" 2>/dev/null | sed 's/^/#   /'
  finish
fi
if [ "$NL_DRIVER" = af_xdp ]; then
  ok "sxdp started, pipeline switch, 5 ports net_af_xdp (queue_count=1)"
elif [ "$asked" = af_xdp ]; then
  skip "sxdp starts on net_af_xdp" "$NL_AFXDP_WHY (the rest runs on net_$NL_DRIVER)"
else
  ok "sxdp started with net_$NL_DRIVER ports (NL_DRIVER=$asked asked for it)"
fi

# --------------------------------------------------------- 3. programming
# Port indexes follow the config order: a1=0 b1=1 c1=2 a2=3 b2=4.
tables_json() {
  PYTHONPATH="$here" "$PY" - "$SVI1_MAC" "$SVI2_MAC" <<'PYEOF'
import json, sys
from swtables import svi
svi_mac = {1: sys.argv[1], 2: sys.argv[2]}
port_ix = {"a1": 0, "b1": 1, "c1": 2, "a2": 3, "b2": 4}
# slice -> [(bd, subnet index, member ports)]
slices = {1: [(11, 1, ["a1", "c1"]), (12, 2, ["b1"])],
          2: [(21, 1, ["a2"]), (22, 2, ["b2"])]}
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action,
              "params": params or {}})
for vrf, bds in slices.items():
    for bd, net, members in bds:
        for p in members:
            add("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": vrf, "bd": bd})
            add("bd_ports", {"bd": bd, "port": p}, "member", {"vlan": 0})
        add("flood", {"bd": bd}, "flood", {"ports": sum(1 << port_ix[p] for p in members)})
        svi(add, vrf, bd, "10.0.%d.1" % net, svi_mac[net], "10.0.%d.0/24" % net)
print(json.dumps({"atomicity": "rollback", "updates": u}))
PYEOF
}
if out=$(tables_json | ctl --json table load - 2>&1); then
  nent=$(ctl --json stats | "$PY" -c '
import json, sys
t = json.load(sys.stdin)["tables"]
print(" ".join("%s=%d" % (k, t[k]["entries"]) for k in ("interfaces", "bd_ports", "flood", "svi", "fdb", "routes", "neigh")))')
  if [ "$nent" = "interfaces=5 bd_ports=5 flood=4 svi=4 fdb=4 routes=8 neigh=0" ]; then
    ok "tables programmed in one rollback batch: $nent"
  else
    notok "table entries after programming: $nent"
  fi
else
  notok "table load: $(printf '%s' "$out" | head -c 600)"
  finish
fi

# capture on the eth0 of each host named (a dumpcap in its netns) + rx counter
declare -A RX0
cap_start() {
  local h f p i
  CAPS=()
  for h in "$@"; do
    f="$NL_DIR/cap-$h-$RANDOM.pcapng"
    if ! command -v dumpcap >/dev/null; then
      CAPS+=("$h 0 -")
      continue
    fi
    # not through in_ns (a function = a subshell): $! must be dumpcap itself
    # (ip netns exec execs it). Background jobs ignore SIGINT: stop with TERM.
    ip netns exec "$(ns "$h")" dumpcap -q -i eth0 -w "$f" >"$f.log" 2>&1 &
    p=$!
    CAPS+=("$h $p $f")
  done
  for i in $(seq 1 50); do   # dumpcap prints "Capturing on" once it listens
    local all=1 c
    for c in "${CAPS[@]}"; do
      [ "${c##* }" = - ] || grep -q 'Capturing on' "${c##* }.log" 2>/dev/null || all=0
    done
    [ "$all" -eq 1 ] && break
    sleep 0.1
  done
  for h in "$@"; do RX0[$h]=$(nl_rx_packets "$(ns "$h")"); done
}
# cap_stop WHAT: asserts 0 packets captured and 0 rx on every captured host
cap_stop() {
  local what=$1 c h p f n rx total=0 detail=""
  sleep 0.5
  for c in "${CAPS[@]}"; do
    h=${c%% *}; p=${c#* }; p=${p%% *}; f=${c##* }
    rx=$(( $(nl_rx_packets "$(ns "$h")") - RX0[$h] ))
    if [ "$p" != 0 ]; then
      kill -TERM "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    fi
    if [ "$f" = - ]; then
      n=0   # no dumpcap: the rx counter decides
    elif [ -s "$f" ] && command -v tshark >/dev/null; then
      n=$(tshark -r "$f" 2>/dev/null | wc -l)
    elif [ -s "$f" ]; then
      n=0
    else
      n="?"
    fi
    detail+="$h: captured $n, eth0 rx +$rx; "
    if [ "$n" != 0 ] || [ "$rx" -ne 0 ]; then
      total=$((total + 1))
      [ -s "$f" ] && tshark -r "$f" 2>/dev/null | head -5 | sed "s/^/#   $h: /"
    fi
  done
  CAPS=()
  if [ "$total" -eq 0 ]; then
    ok "isolation: $what: ${detail%; }"
  else
    notok "isolation: $what: ${detail%; }"
  fi
}

# ------------------------------------------------- 4. slice 1 (a2/b2 listen)
cap_start a2 b2
s0=$(stats_json)
if wait_ping a1 "${GW[a1]}" 15; then
  ok "a1 -> its gateway 10.0.1.1 (SVI): ARP answered by the box, ping answered"
else
  notok "a1 -> its gateway 10.0.1.1 (SVI): no answer within 15 s"
fi
ping_check "a1 pings its SVI 10.0.1.1" a1 10.0.1.1 10 64
ping_check "a1 pings the other SVI 10.0.2.1 (local route in vrf 1)" a1 10.0.2.1 5 64
if wait_ping a1 "${IP[b1]}" 15; then
  ok "a1 -> b1 10.0.2.10 routed: the box resolved b1 by ARP"
else
  notok "a1 -> b1 10.0.2.10 routed: no answer within 15 s"
fi
ping_check "a1 pings b1 (routed: TTL 64 -> 63)" a1 "${IP[b1]}" 20 63
ping_check "b1 pings a1 (routed back)" b1 "${IP[a1]}" 5 63
wait_ping a1 "${IP[c1]}" 10 >/dev/null
ping_check "a1 pings c1 (bridged in bd 11: TTL stays 64)" a1 "${IP[c1]}" 20 64
out=$(in_ns a1 ping -c 1 -t 1 -W 2 "${IP[b1]}" 2>&1)
if grep -q 'From 10.0.1.1 .*Time to live exceeded' <<<"$out"; then
  ok "a1 pings b1 with TTL 1: ICMP time exceeded from the SVI 10.0.1.1"
else
  notok "a1 pings b1 with TTL 1: no time exceeded from 10.0.1.1: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
out=$(in_ns a1 ping -c 1 -W 2 10.9.9.9 2>&1)
if grep -q 'From 10.0.1.1 .*Unreachable' <<<"$out"; then
  ok "a1 pings 10.9.9.9 (no route in vrf 1): ICMP unreachable from 10.0.1.1"
else
  notok "a1 pings 10.9.9.9: no unreachable from 10.0.1.1: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
# Egress MTU: the a1 - b1 path through a 1280 link (b1's port and b1's
# eth0: AF_XDP sets the veth's MTU too, and a veth drops what is longer
# than its peer's). Without DF the box fragments and b1's kernel
# reassembles; with DF the box answers "fragmentation needed" with the
# next-hop MTU (RFC 1191). DF-less first: once a1 has learned the path MTU
# it fragments by itself.
ctl raw port.set '{"port":"b1","mtu":1280}' >/dev/null
in_ns b1 ip link set eth0 mtu 1280
out=$(in_ns a1 ping -c 3 -i 0.2 -W 2 -M dont -s 1400 "${IP[b1]}" 2>&1)
if grep -q ' 0% packet loss' <<<"$out"; then
  ok "a1 -> b1 1428-byte pings without DF over a 1280 MTU: fragmented by the box, answered"
else
  notok "a1 -> b1 1428-byte pings without DF: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
out=$(in_ns a1 ping -c 1 -W 2 -M do -s 1400 "${IP[b1]}" 2>&1)
if grep -q 'From 10.0.1.1 .*mtu = 1280' <<<"$out"; then
  ok "a1 -> b1 1428 bytes with DF: ICMP fragmentation needed (mtu = 1280) from the SVI"
else
  notok "a1 -> b1 1428 bytes with DF: no fragmentation needed: $(tr '\n' ' ' <<<"$out" | head -c 300)"
fi
ctl raw port.set '{"port":"b1","mtu":1500}' >/dev/null
in_ns b1 ip link set eth0 mtu 1500
tcp_check "TCP a1 -> b1 routed (iperf3)" a1 b1
tcp_check "TCP a1 -> c1 bridged (iperf3)" a1 c1
s1=$(stats_json)
cap_stop "slice-1 traffic (pings, ICMP errors, 2x TCP), hosts a2 b2 of slice 2"
d=""
for p in a2 b2; do d+="$p tx +$(port_delta "$s0" "$s1" "$p" tx_packets), "; done
for p in a1 b1 c1; do d+="$p rx +$(port_delta "$s0" "$s1" "$p" rx_packets), "; done
if [ "$(port_delta "$s0" "$s1" a2 tx_packets)" = 0 ] && [ "$(port_delta "$s0" "$s1" b2 tx_packets)" = 0 ] &&
   [ "$(port_delta "$s0" "$s1" b1 tx_packets)" -gt 1000 ]; then
  ok "sxdp counters: slice-2 ports sent nothing during slice-1 traffic (${d%, })"
else
  notok "sxdp counters during slice-1 traffic: ${d%, }"
fi

# quiet slice 1 before listening on it: no neighbour re-probes later
for h in a1 b1 c1; do in_ns "$h" ip neigh flush dev eth0 >/dev/null 2>&1; done
sleep 1

# ---------------------------------------- 5. slice 2 (a1/b1/c1 listen)
cap_start a1 b1 c1
s0=$(stats_json)
if wait_ping a2 "${GW[a2]}" 15; then ok "a2 -> its gateway 10.0.1.1 (slice-2 SVI, same IP and MAC)"; else
  notok "a2 -> its gateway 10.0.1.1: no answer within 15 s"; fi
ping_check "a2 pings its SVI 10.0.1.1" a2 10.0.1.1 10 64
# one packet, one chance: the box must hold it while it ARPs for b2
out=$(in_ns a2 ping -c 1 -W 5 "${IP[b2]}" 2>&1)
if grep -q ' 0% packet loss' <<<"$out"; then
  ok "a2 -> b2 10.0.2.10 routed in vrf 2: the first packet (b2 unknown to the box) was held during ARP and delivered"
else
  notok "a2 -> b2: the first packet, sent while b2 was unresolved, got no answer in 5 s (hold queue)"
  wait_ping a2 "${IP[b2]}" 15 >/dev/null
fi
ping_check "a2 pings b2 (routed: TTL 64 -> 63)" a2 "${IP[b2]}" 20 63
tcp_check "TCP a2 -> b2 routed (iperf3)" a2 b2
s1=$(stats_json)
cap_stop "slice-2 traffic (pings, TCP), hosts a1 b1 c1 of slice 1"
d=""
for p in a1 b1 c1; do d+="$p tx +$(port_delta "$s0" "$s1" "$p" tx_packets), "; done
if [ "$(port_delta "$s0" "$s1" a1 tx_packets)" = 0 ] && [ "$(port_delta "$s0" "$s1" b1 tx_packets)" = 0 ] &&
   [ "$(port_delta "$s0" "$s1" c1 tx_packets)" = 0 ] && [ "$(port_delta "$s0" "$s1" b2 tx_packets)" -gt 1000 ]; then
  ok "sxdp counters: slice-1 ports sent nothing during slice-2 traffic (${d%, })"
else
  notok "sxdp counters during slice-2 traffic: ${d%, }"
fi

# ------------------------------------------------- 6. both slices at once
ping_check "a1 pings b1 again (after the hosts flushed their ARP caches)" a1 "${IP[b1]}" 5 63
fa=$(mktemp "$NL_DIR/both1.XXXX"); fb=$(mktemp "$NL_DIR/both2.XXXX")
tcp_bytes a1 b1 >"$fa" &
BGPIDS=("x $!")
tcp_bytes a2 b2 >"$fb"
wait "${BGPIDS[0]#x }" 2>/dev/null
BGPIDS=()
n1=$(cat "$fa"); n2=$(cat "$fb")
if [ "${n1:-0}" -gt 1000000 ] && [ "${n2:-0}" -gt 1000000 ]; then
  ok "TCP a1 -> b1 and a2 -> b2 at the same time (same addresses): $n1 and $n2 bytes"
else
  notok "TCP in both slices at once: slice 1 ${n1:-0} bytes, slice 2 ${n2:-0} bytes"
fi

# ----------------------------------------------- 7. learned state per slice
chk=$(ctl --json table show neigh --all | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
got = {}
for e in r["entries"]:
    m, p = e["match"], e.get("params", {})
    got[(int(m["vrf"]), m["ip"])] = (e["action"], p.get("port"), p.get("dmac"), p.get("smac"))
want = {(1, "10.0.1.10"): "a1", (1, "10.0.2.10"): "b1", (2, "10.0.1.10"): "a2", (2, "10.0.2.10"): "b2"}
bad = ["(%d, %s) -> %s, want port %s" % (k[0], k[1], got.get(k), v) for k, v in want.items()
       if k not in got or got[k][0] != "learned" or got[k][1] != v]
print("%s|%s" % ("; ".join(bad), ", ".join("vrf %d %s -> %s" % (k[0], k[1], got[k][1]) for k in sorted(got))))
' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "neigh learned from ARP, per slice: ${chk#*|}"
else
  notok "neigh entries: $chk"
fi
chk=$(ctl --json table show fdb --all | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
got = {}
for e in r["entries"]:
    m = e["match"]
    got[(int(m["bd"]), m["mac"].lower())] = (e["action"], e.get("params", {}).get("port"))
want = {(11, "02:00:0a:00:01:0a"): "a1", (11, "02:00:0a:00:01:0b"): "c1",
        (21, "02:00:0a:00:01:0a"): "a2", (12, "02:00:0a:00:02:0a"): "b1", (22, "02:00:0a:00:02:0a"): "b2"}
bad = ["(%d, %s) -> %s, want learned on %s" % (k[0], k[1], got.get(k), v) for k, v in want.items()
       if got.get(k) != ("learned", v)]
print("%s|%s" % ("; ".join(bad), ", ".join("bd %d %s -> %s %s" % (k[0], k[1], got[k][0], got[k][1] or "")
                                          for k in sorted(got))))
' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "fdb learned per bridge domain (same MAC in bd 11 and 21): ${chk#*|}"
else
  notok "fdb entries: $chk"
fi
chk=$(stats_json | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
ev = s.get("events") or {}
need = ["switch.arp_reply", "switch.arp_request", "switch.neigh_learned", "switch.icmp_echo",
        "switch.icmp_error", "switch.learn", "switch.fragmented", "switch.consumed", "switch.forwarded"]
miss = [k for k in need if not ev.get(k)]
drops = {k: v for k, v in (s.get("drops") or {}).items() if v}
print("%s|events %s; drops %s" % (", ".join(miss), ev, drops or "none"))' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "slow-path counters: ${chk#*|}"
else
  notok "slow-path events missing: $chk"
fi

# ----------------------------------------------------------- 8. ageing
# Learned MACs age out after the idle timeout; static entries (the SVIs'
# route entries) never do; traffic to an aged MAC floods and re-learns it.
fdb_summary() {
  ctl --json table show fdb --all | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
n = {}
for e in r["entries"]:
    n[e["action"]] = n.get(e["action"], 0) + 1
print(" ".join("%s=%d" % kv for kv in sorted(n.items())))'
}
for h in a1 b1 c1 a2 b2; do in_ns "$h" ip neigh flush dev eth0 >/dev/null 2>&1; done
aged0=$(stats_json | "$PY" -c 'import json,sys; print((json.load(sys.stdin).get("events") or {}).get("core.aged", 0))')
if ctl raw table.config '{"table":"fdb","idle_timeout_s":2}' >/dev/null; then
  fs=""
  for _ in $(seq 1 20); do
    sleep 0.5
    fs=$(fdb_summary)
    [ "$fs" = "route=4" ] && break
  done
  aged=$(stats_json | "$PY" -c 'import json,sys; print((json.load(sys.stdin).get("events") or {}).get("core.aged", 0))')
  if [ "$fs" = "route=4" ] && [ $((aged - aged0)) -ge 5 ]; then
    ok "ageing (fdb idle timeout 2 s): learned MACs gone, the 4 static SVI entries stay ($fs, core.aged +$((aged - aged0)))"
  else
    notok "ageing (fdb idle timeout 2 s) after 10 s: fdb $fs, core.aged +$((aged - aged0)); want route=4 and >= 5 aged"
  fi
  ping_check "a1 pings c1 after ageing (flooded, then re-learned)" a1 "${IP[c1]}" 5 64
  ping_check "a1 pings b1 after ageing (static router MAC entry still routes)" a1 "${IP[b1]}" 5 63
  fs=$(fdb_summary)
  case $fs in
    "learned="[3-9]*" route=4") ok "fdb re-learned the active hosts: $fs" ;;
    *) notok "fdb after traffic resumed: $fs (want >= 3 learned, 4 route)" ;;
  esac
  ctl raw table.config '{"table":"fdb","idle_timeout_s":300}' >/dev/null
else
  notok "table.config fdb idle_timeout_s=2"
fi

# ------------------------------------------------------------ 9. clean stop
sock=$NL_SOCK
nl_stop_sxdp
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$sock" ]; then
  ok "SIGTERM: sxdp exit 0, socket removed"
else
  notok "SIGTERM: sxdp exit $rc$([ -e "$sock" ] && echo ", socket left behind")"
  grep -E 'leak|ERR|error' "$NL_LOG" | tail -3 | sed 's/^/#   /'
fi
finish
