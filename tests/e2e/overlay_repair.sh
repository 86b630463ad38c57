#!/usr/bin/env bash
# e2e loss repair per class, sxdp against sxdp: two sites, each over two WAN
# links, slice 1 stretched by tunnel 7 (VNI 5000) with a failover policy of
# paths 1 then 2 (sxdp probes every 50 ms), and two classes of UDP that
# repair their loss (pipelines/overlay/README.md, "Loss repair"):
#   class 1, UDP to 9999: duplicated (copies 2): every frame on both paths;
#   class 2, UDP to 9998: adaptive FEC (an XOR parity after each block).
#
#   netns ha 10.10.0.1 ─ lan ┐ netns sa: sxdp A               netns u (the wires)
#                            ├ wan1 192.0.2.1 ──── ua1 ─ br1 ─ ub1 ──── wan1 192.0.2.2 ┐ netns sb:
#                            └ wan2 198.51.100.1 ─ ua2 ─ br2 ─ ub2 ─ wan2 198.51.100.2 ┤ sxdp B
#   netns hb 10.10.0.2 ─ lan ──────────────────────────────────────────────────────────┘
#
# Loss is nftables' numgen random on link 1's bridge (this kernel has no
# netem); a cut is link 1's port on the bridge taken down. Streams are
# numbered UDP datagrams ha -> hb; the receiver counts each number once
# and says how many came twice.
#
# Checks: paths up at both sites, ping across (class 0, unrepaired);
# class 1 clean: every number once, none twice, B removing the copies
# (overlay.dup_removed); class 1 with 5 % loss on link 1 (both ways): no
# number lost, none twice; class 1 through a cut of link 1 of ~3 s and
# back: no number lost, none twice; path 1 back held down for its
# hold_ms (1 s) before it is taken (overlay.paths state "held", then the
# event hold_passed); class 2 with 1 % loss on link 1 (A to
# B): adaptive FEC turns on (A's path 1 fec_k) and B rebuilds >= 90 % of
# the frames the wire lost (stream's missing numbers against B's
# overlay.fec_recovered), none twice; a class by application (DNS, named
# by nDPI at A) steering 200 DNS flows onto path 2 by name. Printed: each
# stream's figures, the wire's drops, both boxes' repair counters.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth or has no nft.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
# shellcheck source-path=SCRIPTDIR source=sitelib.sh
. "$here/sitelib.sh"

command -v nft >/dev/null || { echo "SKIP: nft is not installed (apt-get install nftables)"; exit 77; }

TAG=$$
P="orep$TAG"
ns() { printf '%s-%s' "$P" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
declare -A VT1=([a]=192.0.2.1 [b]=192.0.2.2) VT2=([a]=198.51.100.1 [b]=198.51.100.2)
declare -A WM1=([a]=02:5e:00:00:0d:01 [b]=02:5e:00:00:0d:02) WM2=([a]=02:5e:00:00:0e:01 [b]=02:5e:00:00:0e:02)
declare -A IP=([ha]=10.10.0.1 [hb]=10.10.0.2)
HA_MAC=02:00:0a:0a:00:01 HB_MAC=02:00:0a:0a:00:02
HOST_MTU=1400   # the overlay's 1450 less the repair option's 16, rounded
# bounds (seconds) of the waits for events
START_BOUND=20 PATH_BOUND=15 PING_BOUND=10 FEC_ON_BOUND=60
NSES=(ha hb sa sb u)
BGPIDS=()
declare -A PID=() PREFIX=() LOG=()

# shellcheck disable=SC2317  # the EXIT trap
teardown() {
  local p s
  for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null; done
  for s in a b; do
    if [ "$fail" -ne 0 ] && [ -n "${LOG[$s]:-}" ] && [ -f "${LOG[$s]}" ]; then
      echo "# sxdp $s log (${LOG[$s]}):"
      grep -v "ctl: client" "${LOG[$s]}" | tail -25 | sed 's/^/#   /'
    fi
    stop_site "$s" >/dev/null 2>&1
  done
  for p in "${NSES[@]}"; do nl_ns_del "$(ns "$p")"; done
  if [ -n "${DIR:-}" ] && [ -z "${OREP_KEEP:-}" ]; then rm -rf "$DIR"; fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup orep
for d in /var/run/dpdk/orep[0-9]*-*; do
  [ -e "$d" ] || continue
  p=${d#/var/run/dpdk/orep}; p=${p%%-*}
  kill -0 "$p" 2>/dev/null || rm -rf "$d"
done
DIR=$(mktemp -d /tmp/sxdp-e2e-orep.XXXXXX)
topo() {
  local n s l
  for n in "${NSES[@]}"; do
    ip netns add "$(ns "$n")" || return 1
    ip -n "$(ns "$n")" link set lo up
    in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  for l in 1 2; do
    ip -n "$(ns u)" link add "br$l" type bridge stp_state 0 || return 1
  done
  for s in a b; do
    ip -n "$(ns "s$s")" link add lan type veth peer name eth0 netns "$(ns "h$s")" || return 1
    for l in 1 2; do
      ip -n "$(ns "s$s")" link add "wan$l" type veth peer name "u$s$l" netns "$(ns u)" || return 1
      ip -n "$(ns u)" link set "u$s$l" master "br$l" up || return 1
    done
    for n in lan wan1 wan2; do
      in_ns "s$s" ethtool -L "$n" rx 1 tx 1 >/dev/null 2>&1
      ip -n "$(ns "s$s")" link set "$n" up
    done
  done
  for l in 1 2; do ip -n "$(ns u)" link set "br$l" up; done
  ip -n "$(ns ha)" link set eth0 address $HA_MAC mtu $HOST_MTU up
  ip -n "$(ns hb)" link set eth0 address $HB_MAC mtu $HOST_MTU up
  ip -n "$(ns ha)" addr add "${IP[ha]}/24" dev eth0
  ip -n "$(ns hb)" addr add "${IP[hb]}/24" dev eth0
  in_ns ha ethtool -K eth0 tx off >/dev/null 2>&1
  in_ns hb ethtool -K eth0 tx off >/dev/null 2>&1
  # the wires' loss: rules added and flushed by the checks below
  in_ns u nft -f - <<'EOF' || return 1
table bridge loss {
  chain wire { type filter hook forward priority 0; policy accept; }
}
EOF
}
if ! topo; then
  notok "topology: netns ${NSES[*]}, two WAN links a site, each a bridge in u"
  finish
fi
ok "topology: hosts ha/hb behind sites sa/sb, two WAN links joined by bridges br1, br2 in u"

# ---------------------------------------------------------------- sxdp
# each site: lan (its host) and these WAN ports (sitelib.sh)
SITE_WANS=(wan1 wan2)
launch_both
ok "both sxdp ready: net_$drv ports lan, wan1, wan2, each in its netns"

# ----------------------------------------------------------- programming
# site tables: its VTEPs and WAN MACs, the far VTEPs, the far site's id
tables() { # vtep1 mac1 vtep2 mac2 far1 far2
  PYTHONPATH="$here" "$PY" - "$@" <<'PYEOF'
import json, sys
from swtables import lan_stretched, two_wan_tunnel
v1, m1, v2, m2, f1, f2 = sys.argv[1:7]
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
lan_stretched(add)
two_wan_tunnel(add, [(v1, m1, "192.0.2.0/24"), (v2, m2, "198.51.100.0/24")], [f1, f2], probe="sxdp")
# down after 20 probes unanswered (1 s): a stream's burst on a busy 2-CPU
# machine may overflow a veth's AF_XDP ring, and the checks here are of
# repair, not of failover's speed
# Path 1 is held down 1 s once back (a failback hold-down)
for x in u:
    if x["table"] == "paths":
        x["params"]["down_after"] = 20
        if x["match"]["id"] == 1:
            x["params"]["hold_ms"] = 1000
for cls, port in ((1, 9999), (2, 9998)):
    u.append({"type": "insert", "table": "classes", "priority": 10,
              "match": {"slice": 1, "proto": 17, "dport": {"min": port, "max": port}},
              "action": "class", "params": {"class": cls}})
add("policies", {"tunnel": 7, "class": 1}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "copies": 2})
add("policies", {"tunnel": 7, "class": 2}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "fec": 1})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
}
tables "${VT1[a]}" "${WM1[a]}" "${VT2[a]}" "${WM2[a]}" "${VT1[b]}" "${VT2[b]}" >"$DIR/tables-a.json"
tables "${VT1[b]}" "${WM1[b]}" "${VT2[b]}" "${WM2[b]}" "${VT1[a]}" "${VT2[a]}" >"$DIR/tables-b.json"
if oa=$(sx a --json table load "$DIR/tables-a.json" 2>&1) && ob=$(sx b --json table load "$DIR/tables-b.json" 2>&1); then
  ok "tables programmed on both sites: classes 1 (copies 2) and 2 (fec adaptive) on tunnel 7"
else
  notok "table load: A '$(printf '%s' "${oa:-}" | head -c 400)' B '$(printf '%s' "${ob:-}" | head -c 400)'"
  finish
fi

path_field() { # site id field
  sx "$1" --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print(next((p.get(sys.argv[2], "?") for p in json.load(sys.stdin) if p["id"] == int(sys.argv[1])), "?"))' "$2" "$3"
}
paths_up() {
  local i s p
  for i in $(seq 1 $((PATH_BOUND * 10))); do
    for s in a b; do for p in 1 2; do
      [ "$(path_field $s $p state)" = up ] || continue 3
    done; done
    return 0
  done
  return 1
}
if paths_up; then
  ok "paths 1 and 2 up at both sites (sxdp probes)"
else
  notok "paths up: A $(sx a --json call overlay.paths 2>&1 | head -c 600)"
  finish
fi
# counters: site's event or drop NAME
count() { # site name
  sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["drops"].get(sys.argv[1], d["events"].get(sys.argv[1], 0)))' "$2"
}
repair_counts() { # site
  sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
keys = ("dup_sent", "dup_removed", "seq_late", "seq_lost", "fec_sent", "fec_recovered", "fec_unrecoverable",
        "fec_parity", "repair_copy", "repair_malformed", "repair_stream")
v = {k: d["drops"].get("overlay." + k, d["events"].get("overlay." + k, 0)) for k in keys}
print(" ".join("%s=%d" % kv for kv in v.items() if kv[1]) or "none")'
}

if wait_ping ha "${IP[hb]}" "$PING_BOUND"; then
  ping_check "ping ha -> hb (class 0: unrepaired)" ha "${IP[hb]}" 5 -
else
  notok "no ping ha -> hb answered within $PING_BOUND tries"
fi

# stream PORT N RATE -> "unique twice last": N numbered datagrams ha ->
# hb:PORT at RATE/s; hb's count of the numbers it took (each once), of
# those it took more than once, and the highest
stream() { # port n rate
  local port=$1 n=$2 rate=$3 rcv
  ip netns exec "$(ns hb)" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(20)
seen, twice, top = set(), 0, -1
try:
    while True:
        d, _ = s.recvfrom(64)
        i = int(d)
        twice += i in seen
        seen.add(i)
        top = max(top, i)
        s.settimeout(3)
except socket.timeout:
    pass
open(sys.argv[3], "w").write("%d %d %d\n" % (len(seen), twice, top))' "${IP[hb]}" "$port" "$DIR/rx.$port" &
  rcv=$!
  BGPIDS+=("$rcv")
  listening udp "$port" in_ns hb || true
  in_ns ha "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, gap = int(sys.argv[3]), 1.0 / float(sys.argv[4])
t = time.monotonic()
for i in range(n):
    s.sendto(str(i).encode(), (sys.argv[1], int(sys.argv[2])))
    t += gap
    time.sleep(max(0, t - time.monotonic()))' "${IP[hb]}" "$port" "$n" "$rate"
  wait "$rcv" 2>/dev/null
  cat "$DIR/rx.$port" 2>/dev/null || echo "0 0 -1"
}
loss_rule() { # nft rule body on the bridges' forward chain, or "" to flush
  in_ns u nft flush chain bridge loss wire
  [ -z "$1" ] || in_ns u nft add rule bridge loss wire "$1"
}
wire_drops() {
  in_ns u nft list chain bridge loss wire 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}

# ----------------------------------------------------------- class 2: FEC
loss_rule 'iifname "ua1" numgen random mod 1000 < 10 counter drop'
fk=0
for i in $(seq 1 $((FEC_ON_BOUND * 10))); do
  fk=$(path_field a 1 fec_k)
  [ "$fk" != 0 ] && [ "$fk" != "?" ] && break
  sleep 0.1
done
if [ "$fk" != 0 ] && [ "$fk" != "?" ]; then
  ok "adaptive FEC on at 1 % loss on link 1: A's path 1 fec_k $fk (loss_long_pm $(path_field a 1 loss_long_pm))"
  r0=$(count b overlay.fec_recovered) u0=$(count b overlay.fec_unrecoverable) w0=$(wire_drops)
  read -r got twice _ < <(stream 9998 12000 1000)
  r1=$(count b overlay.fec_recovered) u1=$(count b overlay.fec_unrecoverable) w1=$(wire_drops)
  rec=$((r1 - r0)) miss=$((12000 - got))
  pct=$("$PY" -c 'import sys; r, m = int(sys.argv[1]), int(sys.argv[2]); print("%.1f" % (100.0 * r / (r + m)) if r + m else "nan")' "$rec" "$miss")
  echo "# FEC at 1 % loss: the wire dropped $((w1 - w0)) frames (data, parities, probes), B rebuilt $rec, $miss of 12000 never came ($((u1 - u0)) unrecoverable by B's count); fec_k $(path_field a 1 fec_k)"
  if [ "$twice" = 0 ] && [ "$rec" -gt 0 ] && [ "$pct" != nan ] && "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) < 90)' "$pct"; then
    ok "FEC class at 1 % random loss: $pct % of the frames lost on the wire rebuilt ($rec of $((rec + miss))), none twice"
  else
    notok "FEC class at 1 % random loss: $pct % rebuilt ($rec rebuilt, $miss missing), $twice twice (A: $(repair_counts a); B: $(repair_counts b))"
  fi
else
  notok "adaptive FEC not on within $FEC_ON_BOUND s at 1 % loss: path 1 loss_long_pm $(path_field a 1 loss_long_pm)"
fi
loss_rule ""

# --------------------------------------------------- class 1: duplicated
rm0=$(count b overlay.dup_removed)
read -r got twice _ < <(stream 9999 1500 500)
rm1=$(count b overlay.dup_removed)
if [ "$got" = 1500 ] && [ "$twice" = 0 ] && [ "$((rm1 - rm0))" -ge 1400 ]; then
  ok "duplicated class, clean links: 1500/1500 once, none twice, B removed $((rm1 - rm0)) copies"
else
  notok "duplicated class, clean links: $got/1500, $twice twice, B removed $((rm1 - rm0)) copies (A: $(repair_counts a); B: $(repair_counts b))"
fi

loss_rule 'iifname { "ua1", "ub1" } numgen random mod 100 < 5 counter drop'
read -r got twice _ < <(stream 9999 3000 500)
wd=$(wire_drops)
if [ "$got" = 3000 ] && [ "$twice" = 0 ] && [ "${wd:-0}" -gt 0 ]; then
  ok "duplicated class, 5 % loss on link 1 (the wire dropped $wd): 3000/3000 once, none twice"
else
  notok "duplicated class, 5 % loss on link 1 (the wire dropped ${wd:-?}): $got/3000, $twice twice (B: $(repair_counts b))"
fi
loss_rule ""

# a cut of link 1 one second into the stream, healed three seconds later
# once back, path 1 answers again and is held down for its hold_ms (1 s),
# then taken: when A first shows it held and when up, into hold.txt
hold_watch() {
  local held_at="" up_at="" st now i
  for i in $(seq 1 $((PATH_BOUND * 20))); do
    st=$(path_field a 1 state)
    now=$("$PY" -c 'import time; print(time.monotonic())')
    [ "$st" = held ] && [ -z "$held_at" ] && held_at=$now
    [ "$st" = up ] && { up_at=$now; break; }
    sleep 0.05
  done
  echo "${held_at:--} ${up_at:--} $st" >"$DIR/hold.txt"
}
( sleep 1; ip -n "$(ns u)" link set ua1 down; sleep 3; ip -n "$(ns u)" link set ua1 up; hold_watch ) &
cutter=$!
BGPIDS+=("$cutter")
read -r got twice _ < <(stream 9999 3000 500)
wait "$cutter" 2>/dev/null
down=$(path_field a 1 downs)
if [ "$got" = 3000 ] && [ "$twice" = 0 ]; then
  ok "duplicated class through a 3 s cut of link 1 (A's path 1 went down $down time(s)): 3000/3000 once, none twice"
else
  notok "duplicated class through a cut of link 1: $got/3000, $twice twice (A: $(repair_counts a); B: $(repair_counts b))"
fi
read -r held_at up_at st <"$DIR/hold.txt" 2>/dev/null || { held_at=- up_at=- st="?"; }
held_ms=$("$PY" -c 'import sys; print("%.0f" % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000) if "-" not in sys.argv[1:] else "nan")' "$held_at" "$up_at")
why=$(sx a --json call overlay.events 2>/dev/null | "$PY" -c '
import json, sys
e = [x for x in json.load(sys.stdin)["events"] if x["type"] == "path" and x["path"] == 1]
print(e[-1]["why"] if e else "none")')
if [ "$held_ms" != nan ] && [ "$held_ms" -ge 500 ] && [ "$why" = hold_passed ]; then
  ok "failback hold-down: A's path 1 answered again, shown held for ${held_ms} ms (hold_ms 1000), then taken ($why)"
else
  notok "failback hold-down: held seen at '${held_at}', up at '${up_at}' (${held_ms} ms), last event '$why', state $st"
fi

echo "# repair counters: A $(repair_counts a) / B $(repair_counts b)"

# a class by application: DNS (as nDPI names the queries) to class 3, on
# path 2 alone; 200 queries ha -> hb:53, each its own flow: each query's
# copy named on A's slow path, then its flow's packets on path 2 (the
# first of each by its rules: path 1). sxctl's shortcuts write it.
if sx a app add 1 dns class 3 >/dev/null 2>&1 && sx a policy set 7 3 failover 2 >/dev/null 2>&1; then
  p1=$(path_field a 1 packets) p2=$(path_field a 2 packets) n0=$(count a overlay.app_named)
  in_ns ha "$PY" -c '
import socket, struct, sys, time
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    for _ in range(3):   # three queries a flow (a resolver retrying)
        s.sendto(q, (sys.argv[1], 53))
        time.sleep(0.01)
    s.close()' "${IP[hb]}"
  sleep 0.5
  d1=$(( $(path_field a 1 packets) - p1 )) d2=$(( $(path_field a 2 packets) - p2 )) named=$(( $(count a overlay.app_named) - n0 ))
  if [ "$named" -ge 190 ] && [ "$d2" -ge 350 ]; then
    ok "classes by application: $named DNS flows named by nDPI at A, $d2 of their 600 queries on path 2 by DNS's class (path 1: $d1, their first by the rules)"
  else
    notok "classes by application: $named flows named, path 2 carried $d2, path 1 $d1 (A: $(sx a --json stats 2>/dev/null | "$PY" -c 'import json,sys; e=json.load(sys.stdin)["events"]; print({k: v for k, v in e.items() if "app_" in k})'))"
  fi
else
  notok "app add 1 dns class 3, policy set 7 3 failover 2: $(sx a app add 1 dns class 3 2>&1 | head -c 300)"
fi

# OREP_MATRIX=1 (bench/repair_loss.sh): the loss each class sees at 1, 5
# and 20 % random loss on link 1 (A to B), 5,000 datagrams at 1,000/s a
# cell: unrepaired (class 0, UDP to 9997), duplicated, adaptive FEC (once
# its block has followed the loss: a bound of FEC_ON_BOUND)
if [ -n "${OREP_MATRIX:-}" ]; then
  echo "# loss matrix: random loss on link 1 (A to B) | unrepaired lost | duplicated lost | FEC lost (rebuilt, fec_k)"
  for pct in 1 5 20; do
    loss_rule "iifname \"ua1\" numgen random mod 1000 < $((pct * 10)) counter drop"
    read -r g0 _ _ < <(stream 9997 5000 1000)
    read -r g1 t1 _ < <(stream 9999 5000 1000)
    for i in $(seq 1 $((FEC_ON_BOUND * 10))); do
      fk=$(path_field a 1 fec_k)
      [ "$fk" = "$( [ $pct -lt 2 ] && echo 4 || { [ $pct -lt 8 ] && echo 3 || echo 2; })" ] && break
      sleep 0.1
    done
    r0=$(count b overlay.fec_recovered)
    read -r g2 t2 _ < <(stream 9998 5000 1000)
    r1=$(count b overlay.fec_recovered)
    echo "# loss ${pct} %: unrepaired $((5000 - g0)) of 5000 | duplicated $((5000 - g1)) (twice: $t1) | FEC $((5000 - g2)) (rebuilt $((r1 - r0)), fec_k $fk, twice: $t2)"
  done
  loss_rule ""
fi
finish
