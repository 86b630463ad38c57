#!/usr/bin/env bash
# e2e fw: a slice's firewall at its edge, kernel hosts in network namespaces
# on veth, sxdp on AF_XDP (AF_PACKET only where the kernel has no AF_XDP socket).
#
#   slice 1 (vrf 1)                         its outside (vrf 2)
#   in 10.1.0.10 ── bd 11 SVI 10.1.0.1      out 198.51.100.10 ── bd 21 SVI 198.51.100.1
#
# The slice's edge (pipelines/edge) without NAT: vrf 1's default route and
# vrf 2's route to 10.1.0.0/24 are "edge"; edge_slices and edge_return join
# them. With no firewall every connection goes both ways. Then the slice's
# firewall (fw_policy: in deny, out allow; fw_rules: 10 allow in tcp to
# 10.1.0.10 port 8080, 20 deny out udp port 53), written as sxcd compiles a
# slice's "firewall": out pings answered (the replies established), in
# pings dropped as fw.default_deny, TCP in to 8080 carried both ways and to
# 9090 refused, TCP out carried, UDP out to 53 dropped as fw.rule_deny and
# counted as rule 20's hits (sxctl fw show), the other rules' counts as
# written. Skipped (77) when this sxdp has no edge (fw's tables absent).
# Ends with "N passed, M failed". BUILD=dir picks the build, NL_KEEP=1 keeps
# the temp dir.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
HOSTS=(in out)
declare -A IP=([in]=10.1.0.10 [out]=198.51.100.10)
declare -A GW=([in]=10.1.0.1 [out]=198.51.100.1)
declare -A MAC=([in]=02:00:0a:01:00:0a [out]=02:00:c6:33:64:0a)
NSES=(in out) LINKS=(in out) BGPIDS=()
ns() { printf 'fwe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
trap sw_teardown EXIT
trap 'exit 130' INT TERM
BOUND=${FW_BOUND:-20}   # generous: a busy machine; every wait ends at its event

sw_stale_cleanup fwe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-fw.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
for h in "${HOSTS[@]}"; do
  if ! nl_host "$(ns "$h")" "${IP[$h]}" "$(ns "$h")" >/dev/null 2>&1 ||
     ! nl_host_l2l3 "$(ns "$h")" "${MAC[$h]}" "${GW[$h]}"; then
    skip "topology" "no network namespaces or veth here"
    finish
  fi
done
sw_links_up "${HOSTS[@]}"
ok "topology: a slice's host and an outside host (netns fwe$TAG-{in,out})"
sw_start "fwe$TAG" '"switch"' switch

if ! ctl --json describe | "$PY" -c '
import json, sys
names = {t["name"] for t in json.load(sys.stdin)["tables"]}
sys.exit(0 if {"fw_rules", "fw_policy", "edge_slices", "edge_return"} <= names else 1)'; then
  skip "the slice firewall" "this sxdp has no edge (pipelines/edge not built): fw is its policy"
  echo "$pass passed, 0 failed, 1 skipped (the tier is skipped: nothing of the firewall ran)"
  exit 77
fi

# --- the slice, its outside and its edge (no NAT)
tables() {
  PYTHONPATH="$here" "$PY" - <<'PYEOF'
import json
from swtables import link
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
link(add, "in", 0, 1, 11, "10.1.0.1", "02:5e:00:01:00:01", "10.1.0.0/24")
link(add, "out", 1, 2, 21, "198.51.100.1", "02:5e:00:02:00:01", "198.51.100.0/24")
add("routes", {"vrf": 1, "dst": "0.0.0.0/0"}, "edge")
add("routes", {"vrf": 2, "dst": "10.1.0.0/24"}, "edge")
add("edge_slices", {"vrf": 1}, "edge", {"outside": 2, "pool": 0})
add("edge_return", {"vrf": 2, "dst": "10.1.0.0/24"}, "inside", {"vrf": 1, "pool": 0})
print(json.dumps({"atomicity": "rollback", "updates": u}))
PYEOF
}
tables >"$NL_DIR/tables.json"
sw_table_load "$NL_DIR/tables.json"

drop_of() { # REASON: its count in sxdp's stats
  ctl --json stats | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["drops"].get(sys.argv[1], 0))' "$1"
}
hits_of() { # RULE | in | out: a rule's hits, or a default's
  ctl --json fw show 1 | "$PY" -c '
import json, sys
row = (json.load(sys.stdin)["slices"] or [{}])[0]
w = sys.argv[1]
if w in ("in", "out"):
    print(row.get("default_hits", {}).get(w, -1))
else:
    print(next((r["hits"] for r in row.get("rules", []) if r["id"] == int(w)), -1))' "$1"
}
blocked() { # NAME HOST DST: no ping answered in 3 tries (each its 1 s bound)
  if in_ns "$2" ping -c 3 -i 0.2 -W 1 "$3" >/dev/null 2>&1; then notok "$1: answered"
  else ok "$1: not answered"; fi
}
udp_sent_back() { # HOST DST PORT: one datagram answered by the far end's echo (1 s)
  in_ns "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"q", (sys.argv[1], int(sys.argv[2])))
try:
    s.recvfrom(64); print("answered")
except OSError:
    print("silent")' "$2" "$3"
}
udp_echo_server() { # HOST ADDR PORT
  in_ns "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    b, a = s.recvfrom(64); s.sendto(b, a)' "$2" "$3" >/dev/null 2>&1 &
  BGPIDS+=($!)
  listening udp "$3" in_ns "$1"
}

# --- no firewall: the edge takes every connection, both ways
if wait_ping in "${IP[out]}" "$BOUND"; then ok "no firewall: the slice reaches its outside"
else notok "no firewall: the slice reaches its outside within ${BOUND} s"; fi
if wait_ping out "${IP[in]}" "$BOUND"; then ok "no firewall: the outside reaches the slice (the edge takes it)"
else notok "no firewall: the outside reaches the slice within ${BOUND} s"; fi

# --- the slice's firewall, as sxcd compiles {"default": {}, "rules": [10, 20]}
cat >"$NL_DIR/fw.json" <<'EOF'
{"atomicity": "dataplane-atomic", "updates": [
 {"type": "insert", "table": "fw_policy", "match": {"vrf": 1, "dir": 0}, "action": "allow", "params": {}},
 {"type": "insert", "table": "fw_policy", "match": {"vrf": 1, "dir": 1}, "action": "deny", "params": {}},
 {"type": "insert", "table": "fw_rules", "priority": 65526, "action": "allow", "params": {"rule": 10},
  "match": {"vrf": 1, "dir": 1, "proto": {"value": 6, "mask": 255},
            "dst": {"value": "10.1.0.10", "mask": "255.255.255.255"}, "dport": 8080}},
 {"type": "insert", "table": "fw_rules", "priority": 65516, "action": "deny", "params": {"rule": 20},
  "match": {"vrf": 1, "dir": 0, "proto": {"value": 17, "mask": 255}, "dport": 53}}]}
EOF
if out=$(ctl --json table load "$NL_DIR/fw.json" 2>&1); then ok "the slice's firewall written (one batch)"
else notok "firewall: $(printf '%s' "$out" | head -c 400)"; finish; fi

ping_check "out, default allow: the slice pings its outside, the replies established" in "${IP[out]}" 5 -
d0=$(drop_of fw.default_deny)
blocked "in, default deny: the outside's pings into the slice" out "${IP[in]}"
moved() { echo $(( $(drop_of "$1") - $2 )); }   # REASON BEFORE: what it counted since
if wait_eq "$BOUND" 3 moved fw.default_deny "$d0"; then ok "each dropped as fw.default_deny"
else notok "fw.default_deny moved by $(moved fw.default_deny "$d0"), not 3"; fi

tcp_echo_server "${IP[in]}" 8080 in_ns in
n=$(tcp_rounds out "${IP[in]}" 8080 20)
if [ "$n" = 20 ]; then ok "rule 10: TCP in to 10.1.0.10:8080 carried, 20 round trips both ways"
else notok "rule 10: TCP in to 8080: $n of 20 round trips"; fi
tcp_echo_server "${IP[in]}" 9090 in_ns in
n=$(tcp_rounds out "${IP[in]}" 9090 1)
case $n in 1) notok "TCP in to 9090 (no rule, default deny): carried" ;;
  *) ok "TCP in to 9090 (no rule, default deny): refused" ;; esac
tcp_echo_server "${IP[out]}" 9090 in_ns out
n=$(tcp_rounds in "${IP[out]}" 9090 20)
if [ "$n" = 20 ]; then ok "TCP out (default allow): 20 round trips, the replies established"
else notok "TCP out: $n of 20 round trips"; fi

udp_echo_server out "${IP[out]}" 53
r0=$(drop_of fw.rule_deny)
got=$(udp_sent_back in "${IP[out]}" 53)
if [ "$got" = silent ]; then ok "rule 20: UDP out to port 53 dropped"; else notok "rule 20: UDP out to port 53 $got"; fi
if wait_eq "$BOUND" 1 moved fw.rule_deny "$r0"; then ok "one drop as fw.rule_deny"
else notok "fw.rule_deny moved by $(moved fw.rule_deny "$r0"), not 1"; fi
udp_echo_server out "${IP[out]}" 5353
got=$(udp_sent_back in "${IP[out]}" 5353)
if [ "$got" = answered ]; then ok "UDP out to 5353 (no rule, default allow): answered"; else notok "UDP out to 5353: $got"; fi

h20=$(hits_of 20) h10=$(hits_of 10) hin=$(hits_of in)
if [ "$h20" = 1 ]; then ok "sxctl fw show: rule 20's hits are its 1 drop"; else notok "rule 20's hits: $h20, not 1"; fi
if [ "$h10" = 1 ]; then ok "sxctl fw show: rule 10 decided 1 connection"; else notok "rule 10's hits: $h10, not 1"; fi
if [ "$hin" -ge 4 ] 2>/dev/null; then ok "sxctl fw show: the in default decided $hin (3 pings, TCP to 9090)"; else notok "the in default's hits: $hin (want >= 4)"; fi
if ctl fw show | grep -q "^vrf 1: default in deny"; then ok "sxctl fw show prints the slice's defaults"
else notok "sxctl fw show: $(ctl fw show 2>&1 | head -3)"; fi

# --- taken back: every connection goes again
if ctl table clear fw_rules >/dev/null 2>&1 && ctl table clear fw_policy >/dev/null 2>&1 &&
   wait_ping out "${IP[in]}" "$BOUND"; then
  ok "firewall taken back: the outside reaches the slice again"
else notok "firewall taken back: the outside still refused"; fi
finish
