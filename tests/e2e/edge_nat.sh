#!/usr/bin/env bash
# e2e edge_nat: a slice's edge with NAT44, made by sxcd's intents alone
# (sxctl apply, no table write), kernel hosts in network namespaces on
# veth, sxdp on AF_XDP (AF_PACKET only where the kernel has no AF_XDP socket).
#
#   slice "office" (vrf 1)           slice "internet" (vrf 2)
#   in 10.1.0.10 ── lan ── sxdp ── inet (routed port 198.51.100.1)
#                           │         │
#   ue 10.45.0.1 ── gnb ═ n3 (198.18.3.1)   router rt 198.51.100.2 ── srv 192.0.2.10
#   (gtpsim, GTP-U)
#
# office's edge: {"outside": 2, "nat": {"pool": "203.0.113.8/30"}}; rt
# routes the pool to 198.51.100.1 and answers with time exceeded what
# reaches it with TTL 1. Checks: every intent Ready and sxdp's edge tables
# as compiled; in reaches srv with TCP (an HTTP server logs a pool address
# as its client), UDP (an echo names the pool address it saw) and ICMP
# (ping); probes with TTL 2 (traceroute's second hop, ICMP and UDP) get
# rt's time exceeded back through the NAT, the packet inside translated
# back; srv cannot open a connection in (to a pool address: edge.no_mapping
# counted); sxctl edge connections lists the connections with the pool's
# address, sxctl edge stats, sxcd's counters (key edge) and /metrics show
# them; an edge whose outside is its own slice is refused with its pointer;
# removing the edge takes its entries back; the edge again with a range
# pool and other ports: a new host's port in them, and the host that held
# blocks of the old shape too (the datapath must let them go); a UE behind
# a simulated gNB, its session in a upf intent of office (N6 breakout into
# office's VRF), reaches srv from the pool (ping, HTTP); withdrawing the
# slice takes every entry back. Skipped (77) when sxdp has no edge or sxcd
# is not built; the UE's part skipped without /dev/net/tun. Ends with "N
# passed, M failed". BUILD=dir picks the build, NL_KEEP=1 keeps the temp dir.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

SXCD=$BUILD/sxcd
TAG=$$
HOSTS=(lan inet gnb)             # sxdp's ports, one veth each
declare -A ROLE=([lan]=lan [inet]=lan [gnb]=n3)
NSES=(lan inet srv gnb ue) LINKS=(lan inet gnb) BGPIDS=()
N3=198.18.3.1 GNB=198.18.3.10 UE=10.45.0.1
IN=10.1.0.10 GW_IN=10.1.0.1 RT=198.51.100.2 BOX_OUT=198.51.100.1 SRV=192.0.2.10
POOL=203.0.113.8/30 POOL_RE='^203\.0\.113\.(8|9|10|11)$'
ns() { printf 'egn%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
api() { "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$NL_DIR/token" "$@"; }
BOUND=${EDGE_BOUND:-20}          # generous: a busy machine; every wait ends at its event

cleanup() {
  [ -n "${CD_PID:-}" ] && kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
  if [ "$fail" -ne 0 ] && [ -f "${NL_DIR:-/nonexistent}/sxcd.log" ]; then
    echo "# sxcd log:"; tail -20 "$NL_DIR/sxcd.log" | sed 's/^/#   /'
  fi
  sw_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -x "$SXCD" ]; then echo "SKIP: $SXCD is not built"; exit 77; fi

# ------------------------------------------------------------- topology
sw_stale_cleanup egn
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-edge.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
topo() {
  nl_host "$(ns lan)" "$IN" "$(ns lan)" >/dev/null 2>&1 &&
    nl_host_l2l3 "$(ns lan)" 02:00:0a:01:00:0a "$GW_IN" || return 1
  # the router: its leg on the box's outside port, another to srv
  nl_host "$(ns inet)" "$RT" "$(ns inet)" >/dev/null 2>&1 || return 1
  ip netns add "$(ns srv)" || return 1
  ip -n "$(ns inet)" link add r1 type veth peer name eth0 netns "$(ns srv)" || return 1
  ip -n "$(ns inet)" addr add 192.0.2.1/24 dev r1 && ip -n "$(ns inet)" link set r1 up || return 1
  ip -n "$(ns srv)" link set lo up
  ip -n "$(ns srv)" addr add "$SRV/24" dev eth0 && ip -n "$(ns srv)" link set eth0 up || return 1
  ip -n "$(ns srv)" route add default via 192.0.2.1 || return 1
  in_ns inet sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 >/dev/null || return 1
  # the Internet routes the pool to the box's outside address
  ip -n "$(ns inet)" route add "$POOL" via "$BOX_OUT" || return 1
  # the gNB (its simulator's TUN moves into the UE's netns)
  nl_host "$(ns gnb)" "$GNB" "$(ns gnb)" >/dev/null 2>&1 || return 1
  ip netns add "$(ns ue)" && ip -n "$(ns ue)" link set lo up &&
    in_ns ue sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}
if ! topo; then
  skip "topology" "no network namespaces or veth here"
  finish
fi
sw_links_up "${HOSTS[@]}"
ok "topology: a slice's host, the Internet's router and a server behind it (netns egn$TAG-{lan,inet,srv})"
sw_start "egn$TAG" '{"lan": "switch", "n3": "upf"}' "lan=switch n3=upf"

if ! ctl --json describe | "$PY" -c '
import json, sys
names = {t["name"] for t in json.load(sys.stdin)["tables"]}
sys.exit(0 if {"edge_slices", "edge_return", "edge_pools"} <= names else 1)'; then
  skip "the slice's edge" "this sxdp has no edge (pipelines/edge not built)"
  echo "$pass passed, 0 failed, 1 skipped (the tier is skipped: nothing of the edge ran)"
  exit 77
fi

API_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token"
chmod 600 "$NL_DIR/token"
"$SXCD" --socket "$NL_SOCK" --store "$NL_DIR/store" --listen "127.0.0.1:$API_PORT" \
  --token-file "$NL_DIR/token" --resync-ms 1000 --no-netlink >>"$NL_DIR/sxcd.log" 2>&1 &
CD_PID=$!
if wait_for "$BOUND" api status >/dev/null 2>&1; then ok "sxcd started (REST on 127.0.0.1:$API_PORT)"
else notok "sxcd starts within ${BOUND} s"; finish; fi

# ------------------------------------------------------------- intents
office() { # the edge's JSON (empty: none)
  cat <<EOF
{"kind": "slices", "metadata": {"name": "office"}, "spec": {"id": 1, "members": [{"port": "lan"}],
  "svi": {"address": "$GW_IN/24", "mac": "02:5e:00:01:00:01"}${1:+, \"edge\": $1}}}
EOF
}
cat >"$NL_DIR/base.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan"}, {"port": "inet"}]}},
 {"kind": "slices", "metadata": {"name": "internet"}, "spec": {"id": 2,
   "routed_ports": [{"port": "inet", "addresses": ["$BOX_OUT/24"]}],
   "routes": [{"prefix": "192.0.2.0/24", "via": "$RT"}]}},
 $(office '{"outside": 2, "nat": {"pool": "'$POOL'"}}')
]}
EOF
phase_of() { # NAME: its phase
  api get slices "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin); d = d.get("items", [d])[0] if isinstance(d, dict) else d[0]
print(d.get("status", {}).get("phase") or "")' 2>/dev/null
}
status_of() { # NAME: its status, one line
  api get slices "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin); d = d.get("items", [d])[0] if isinstance(d, dict) else d[0]
print(json.dumps(d.get("status", {}), sort_keys=True))' 2>/dev/null
}
if out=$(api apply -f "$NL_DIR/base.json" --wait 2>&1) &&
   wait_eq "$BOUND" Ready phase_of office && wait_eq "$BOUND" Ready phase_of internet; then
  ok "site, slices internet and office (with its edge) applied: Ready"
else
  notok "apply: $(printf '%s' "$out" | tr '\n' ' ' | head -c 300); office $(status_of office | head -c 400)"
  finish
fi

entries() { # TABLE: its entries, one line each (match -> action params)
  ctl --json table show "$1" --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for e in sorted(d.get("entries", d) if isinstance(d, dict) else d, key=lambda e: json.dumps(e["match"], sort_keys=True)):
    print(json.dumps(e["match"], sort_keys=True), e["action"], json.dumps(e.get("params", {}), sort_keys=True))'
}
edge_routes() { entries routes | grep -c ' edge '; }
want_slices='{"vrf": 1} edge {"outside": 2, "pool": 1}'
want_return='{"dst": "203.0.113.8/30", "vrf": 2} inside {"pool": 1, "vrf": 1}'
if [ "$(entries edge_slices)" = "$want_slices" ] && [ "$(entries edge_return)" = "$want_return" ] &&
   entries edge_pools | grep -q '"first": "203.0.113.8", "last": "203.0.113.11"' && [ "$(edge_routes)" = 2 ]; then
  ok "sxdp's edge as compiled: edge_slices, edge_pools (203.0.113.8-11), edge_return and the two routes of action edge"
else
  notok "edge tables: slices '$(entries edge_slices)' return '$(entries edge_return)' pools '$(entries edge_pools)' edge routes $(edge_routes)"
fi

# ----------------------------------------------------------- across the edge
if wait_ping lan "$SRV" "$BOUND"; then ok "ICMP: the slice's host pings the server behind the Internet's router"
else notok "ICMP: no echo answered within ${BOUND} s"; fi

# TCP: an HTTP server that logs the address each client came from
in_ns srv "$PY" -m http.server 8080 --bind "$SRV" >"$NL_DIR/http.log" 2>&1 &
BGPIDS+=($!)
listening tcp 8080 in_ns srv
if in_ns lan curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$SRV:8080/" | grep -q 200; then
  who=$(sed -n 's/^\([0-9.]*\) - - .*"GET \/ HTTP.*/\1/p' "$NL_DIR/http.log" | tail -1)
  if [[ $who =~ $POOL_RE ]]; then ok "TCP: HTTP GET answered, the server saw the pool's $who as its client"
  else notok "TCP: the server saw '$who', not a pool address"; fi
else
  notok "TCP: HTTP GET from the slice's host not answered"
fi

# UDP: an echo that answers with the address and port it saw
in_ns srv "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 5353))
while True:
    b, a = s.recvfrom(64); s.sendto(("%s %d" % a).encode(), a)' "$SRV" >/dev/null 2>&1 &
BGPIDS+=($!)
listening udp 5353 in_ns srv
udp_seen() { # SRC SPORT: what the echo saw of the host ("ADDR PORT"), 3 tries of 2 s
  in_ns lan "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.bind((sys.argv[2], int(sys.argv[3])))
for _ in range(3):
    s.sendto(b"q", (sys.argv[1], 5353))
    try:
        print(s.recvfrom(64)[0].decode()); break
    except OSError:
        pass' "$SRV" "$1" "$2"
}
seen=$(udp_seen "$IN" 40000)
if [[ ${seen% *} =~ $POOL_RE ]]; then ok "UDP: answered; the server saw the pool's ${seen% *} port ${seen#* } (the host's 40000)"
else notok "UDP: the echo said '$seen'"; fi

# traceroute's second hop: TTL 2 expires at rt, whose time exceeded (to the
# pool address) comes back translated to the host, the packet inside too
ttl_probe() { # icmp|udp: "FROM TYPE INNER_SRC" of the answer, or "none"
  in_ns lan "$PY" -c '
import sys
from scapy.all import ICMP, IP, UDP, IPerror, conf, sr1
conf.verb = 0
l4 = ICMP(id=4242) if sys.argv[2] == "icmp" else UDP(sport=40001, dport=33435)
for _ in range(3):
    a = sr1(IP(dst=sys.argv[1], ttl=2) / l4, timeout=2)
    if a is not None and ICMP in a:
        print(a[IP].src, a[ICMP].type, a[IPerror].src if IPerror in a else "-"); break
else:
    print("none")' "$SRV" "$1" 2>/dev/null | tail -1
}
for p in icmp udp; do
  got=$(ttl_probe "$p")
  if [ "$got" = "$RT 11 $IN" ]; then ok "traceroute ($p, TTL 2): time exceeded from $RT, about the host's own $IN"
  else notok "traceroute ($p, TTL 2): '$got' (want '$RT 11 $IN')"; fi
done

# ------------------------------------------------------------ nobody in
drop_of() { ctl --json stats | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["drops"].get(sys.argv[1], 0))' "$1"; }
moved() { echo $(( $(drop_of "$1") - $2 )); }
d0=$(drop_of edge.no_mapping)
if in_ns srv "$PY" -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 8080), timeout=2); sys.exit(1)
except OSError:
    sys.exit(0)' 203.0.113.8; then ok "the outside cannot open a TCP connection to a pool address"
else notok "a TCP connection from the outside to 203.0.113.8:8080 went in"; fi
if wait_for "$BOUND" test "$(moved edge.no_mapping "$d0")" -ge 1; then
  ok "... its SYNs dropped as edge.no_mapping ($(moved edge.no_mapping "$d0"))"
else notok "edge.no_mapping moved by $(moved edge.no_mapping "$d0")"; fi

# ------------------------------------------------------------ visibility
conns_check() {
  ctl --json edge connections 1 | "$PY" -c '
import json, re, sys
d = json.load(sys.stdin)
pool = re.compile(sys.argv[1])
ours = [c for c in d["connections"] if c["src"] == sys.argv[2] and c["dst"] == sys.argv[3]]
protos = {c["proto"] for c in ours if pool.match(c["outside"]["src"]) and c["outside"]["vrf"] == 2}
print(" ".join(str(p) for p in sorted(protos)))' "$POOL_RE" "$IN" "$SRV"
}
if [ "$(conns_check)" = "1 6 17" ]; then ok "sxctl edge connections 1: ICMP, TCP and UDP of $IN to $SRV, each from a pool address"
else notok "sxctl edge connections: protocols from the pool '$(conns_check)' (want 1 6 17)"; fi
if ctl edge connections | grep -q "$IN:40000 .*$SRV:5353 .*203\.0\.113\."; then ok "sxctl edge connections prints the UDP one's translation"
else notok "sxctl edge connections: $(ctl edge connections 2>&1 | head -4 | tr '\n' '|')"; fi
if ctl edge stats | grep -q "^timeouts (s):.*udp" && ctl --json edge stats | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if sum(w["mappings"] for w in d["workers"]) >= 1 and d["drops"].get("no_mapping", 0) >= 1 else 1)'; then
  ok "sxctl edge stats: mappings per worker, timeouts, edge.no_mapping"
else notok "sxctl edge stats: $(ctl --json edge stats 2>&1 | head -c 300)"; fi
http_get() { # PATH
  "$PY" -c '
import sys, urllib.request as u
t = open(sys.argv[2]).read().strip()
print(u.urlopen(u.Request(sys.argv[1], headers={"Authorization": "Bearer " + t}), timeout=10).read().decode())' \
    "http://127.0.0.1:$API_PORT$1" "$NL_DIR/token"
}
if http_get /api/v1/counters | "$PY" -c '
import json, sys
e = json.load(sys.stdin)["edge"]
s = [x for x in e["slices"] if x["vrf"] == 1]
sys.exit(0 if s and s[0]["slice"] == "office" and s[0]["pool"]["first"] == "203.0.113.8" and e["total"] >= 3
         and e["drops"]["no_mapping"] >= 1 else 1)'; then
  ok "sxcd's counters: edge (office's pool, its connections, edge.no_mapping)"
else notok "sxcd's counters, edge: $(http_get /api/v1/counters 2>&1 | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("edge"))[:300])' 2>&1)"; fi
http_get /metrics >"$NL_DIR/metrics.txt" 2>&1
if grep -q '^sxdp_edge_connections{worker="0"} [1-9]' "$NL_DIR/metrics.txt" &&
   grep -q '^sxdp_edge_nat_mappings{worker="0"} [1-9]' "$NL_DIR/metrics.txt" &&
   grep -q '^sxdp_drops_total{reason="edge.no_mapping"} [1-9]' "$NL_DIR/metrics.txt"; then
  ok "/metrics: sxdp_edge_connections, sxdp_edge_nat_mappings, sxdp_drops_total{reason=edge.no_mapping}"
else notok "/metrics: $(grep -E '^sxdp_edge|edge.no_mapping' "$NL_DIR/metrics.txt" | head -6 | tr '\n' '|')"; fi

# ------------------------------------------------------------ refusals and take-back
cat >"$NL_DIR/bad.json" <<EOF
{"kind": "slices", "metadata": {"name": "loop"}, "spec": {"id": 3, "edge": {"outside": 3, "prefixes": ["10.3.0.0/24"]}}}
EOF
# refused when applied (422, the compile's pointer and message), stored nowhere
out=$(api apply -f "$NL_DIR/bad.json" --wait 2>&1)
if [[ $out == *'/spec/edge/outside'* && $out == *"own VRF (3)"* ]] && [ -z "$(phase_of loop)" ]; then
  ok "an edge into its own slice refused at /spec/edge/outside: $(printf '%s' "$out" | tr '\n' ' ' | head -c 160)"
else notok "an edge into its own slice: '$(printf '%s' "$out" | tr '\n' ' ' | head -c 300)', phase '$(phase_of loop)'"; fi

office >"$NL_DIR/office-noedge.json"
if api apply -f "$NL_DIR/office-noedge.json" --wait >/dev/null 2>&1 && wait_eq "$BOUND" Ready phase_of office &&
   wait_eq "$BOUND" "" entries edge_slices && [ "$(entries edge_pools)" = "" ] && [ "$(entries edge_return)" = "" ] &&
   [ "$(edge_routes)" = 0 ]; then
  ok "the edge removed from office: its entries taken back (the outside's route of the pool too)"
else notok "edge removed: slices '$(entries edge_slices)' pools '$(entries edge_pools)' edge routes $(edge_routes)"; fi
if in_ns lan ping -c 2 -i 0.2 -W 1 "$SRV" >/dev/null 2>&1; then notok "without its edge, office still reaches $SRV"
else ok "without its edge, office reaches nothing outside"; fi

office '{"outside": 2, "nat": {"pool": "203.0.113.8-203.0.113.11", "ports": "20000-20999", "block": 100, "blocks": 2}}' \
  >"$NL_DIR/office-range.json"
if api apply -f "$NL_DIR/office-range.json" --wait >/dev/null 2>&1 && wait_eq "$BOUND" Ready phase_of office &&
   wait_ping lan "$SRV" "$BOUND"; then
  ok "the edge back with a range pool (ports 20000-20999, blocks of 100): the host reaches $SRV again"
else notok "edge with a range pool: office $(status_of office | head -c 300)"; fi
# a host new to the NAT (a second address of lan's) gets blocks of the new
# shape; the host that held blocks of the old one must not keep them
in_ns lan ip addr add 10.1.0.11/24 dev eth0
in_range() { # "ADDR PORT" seen: in the pool, the port in 20000-20999
  local a=${1% *} p=${1#* }
  [[ $a =~ $POOL_RE ]] && [ "${p:-0}" -ge 20000 ] 2>/dev/null && [ "$p" -le 20999 ]
}
seen=$(udp_seen 10.1.0.11 40100)
if in_range "$seen"; then ok "UDP through the range pool from a new host: the server saw ${seen% *} port ${seen#* } (in 20000-20999)"
else notok "UDP through the range pool from a new host: '$seen'"; fi
seen=$(udp_seen "$IN" 40200)
if in_range "$seen"; then ok "UDP through the changed pool from the host that had blocks of the old one: port ${seen#* } (in 20000-20999)"
else notok "UDP through the changed pool from $IN, which held blocks of the old pool: '$seen', a port outside 20000-20999 (the datapath keeps a host's blocks of a pool's old shape)"; fi

# ------------------------------------------------------------ a UE through the UPF's N6
# office is the UE's slice too: its session breaks out into office's VRF,
# whose edge takes the UE's traffic to the Internet from the pool
upf_phase() {
  api get upf ran --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin); d = d.get("items", [d])[0] if isinstance(d, dict) else d[0]
print(d.get("status", {}).get("phase") or "")' 2>/dev/null
}
ue_phase() {
  local out seen who
  if [ ! -c /dev/net/tun ]; then skip "a UE through the UPF and the edge" "no /dev/net/tun (the gNB simulator's UE side)"; return; fi
  cat >"$NL_DIR/upf.json" <<EOF
{"kind": "upf", "metadata": {"name": "ran"}, "spec": {"slice": "office", "ue_pool": "10.45.0.0/16",
  "n6_addresses": ["$GW_IN"], "n3": {"port": "gnb", "address": "$N3/24", "mac": "02:5e:00:00:03:01"},
  "peers": [{"name": "gnb1", "address": "$GNB"}],
  "sessions": [{"id": 1, "ue": "$UE", "uplink": {"teid": 256}, "downlink": {"peer": "gnb1", "teid": 8192, "qfi": 9}}]}}
EOF
  if ! out=$(api apply -f "$NL_DIR/upf.json" --wait 2>&1) || ! wait_eq "$BOUND" Ready upf_phase; then
    notok "the UPF intent (a UE session in office): $(printf '%s' "$out" | tr '\n' ' ' | head -c 300) $(upf_phase)"
    return
  fi
  rm -f "$NL_DIR/ready-gnb"
  in_ns gnb "$PY" "$here/gtpsim.py" --tun "ue$TAG" --local "$GNB" --peer "$N3" --teid-out 256 --teid-in 8192 \
    --psc ul --qfi 9 --want-qfi 9 --ready "$NL_DIR/ready-gnb" --stats "$NL_DIR/stats-gnb.json" \
    >"$NL_DIR/gtpsim-gnb.log" 2>&1 &
  BGPIDS+=($!)
  if ! wait_for "$BOUND" test -f "$NL_DIR/ready-gnb" || ! ip -n "$(ns gnb)" link set "ue$TAG" netns "$(ns ue)" ||
     ! in_ns ue ip link set "ue$TAG" mtu 1400 up || ! in_ns ue ip addr add "$UE/32" dev "ue$TAG" ||
     ! in_ns ue ip route add default dev "ue$TAG"; then
    notok "the gNB simulator and the UE: $(tail -3 "$NL_DIR/gtpsim-gnb.log" 2>/dev/null | tr '\n' ' ')"
    return
  fi
  ok "a UE ($UE) behind a simulated gNB, its session in office's UPF intent Ready"
  if wait_ping ue "$SRV" "$BOUND"; then ok "the UE pings $SRV through N3, office's VRF and its edge"
  else notok "the UE's pings to $SRV unanswered within ${BOUND} s"; fi
  if in_ns ue curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$SRV:8080/?ue" | grep -q 200; then
    who=$(sed -n 's/^\([0-9.]*\) - - .*"GET \/?ue HTTP.*/\1/p' "$NL_DIR/http.log" | tail -1)
    if [[ $who =~ $POOL_RE ]]; then ok "the UE's HTTP GET answered; the server saw the pool's $who"
    else notok "the UE's HTTP GET: the server saw '$who', not a pool address"; fi
  else notok "the UE's HTTP GET to $SRV not answered"; fi
  seen=$(ctl --json edge connections 1 | "$PY" -c '
import json, sys
print(" ".join(sorted({"%d:%s" % (c["proto"], c["outside"]["src"]) for c in json.load(sys.stdin)["connections"]
                      if c["src"] == sys.argv[1]})))' "$UE")
  if [[ $seen == *"1:203.0.113."* && $seen == *"6:203.0.113."* ]]; then ok "sxctl edge connections: the UE's ICMP and TCP from the pool ($seen)"
  else notok "sxctl edge connections, the UE's: '$seen'"; fi
  if api delete upf ran --wait >/dev/null 2>&1; then ok "the UPF intent withdrawn"; else notok "the UPF intent's withdrawal"; fi
}
ue_phase

if api delete slices office --wait >/dev/null 2>&1 && wait_eq "$BOUND" "" entries edge_slices &&
   [ "$(entries edge_pools)" = "" ] && [ "$(edge_routes)" = 0 ]; then
  ok "office withdrawn: every entry of its edge gone"
else notok "office withdrawn: slices '$(entries edge_slices)' pools '$(entries edge_pools)' edge routes $(edge_routes)"; fi
finish
