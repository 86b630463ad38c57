#!/usr/bin/env bash
# e2e pfcp: a UE's kernel (ping, iperf3) through sxdp's UPF whose session a
# test SMF made over PFCP (N4): sxcd --pfcp, a Ready upf intent without
# sessions of its own, the SMF on scapy's PFCP layer (pfcp_smf_drive.py
# keeping tests/packet/pfcp_smf.py's Smf up between the steps).
#
#   ue (10.45.0.1 on a TUN) ── gtpsim "gNB" (netns gnb, 192.0.2.10; after
#        the handover a second gNB, 192.0.2.11) ══ GTP-U N3 ══ sxdp n3 192.0.2.1
#   sxdp lan port "dn" (slice mec, SVI 10.200.0.1) ── dn (10.200.0.5): the local DN
#   sxdp n9 198.51.100.1 ══ GTP-U N9 ══ gtpsim "anchor" (netns anc,
#        198.51.100.9) ── its TUN ── 203.0.113.7 (the anchor's network)
#   SMF 127.0.0.1 ── PFCP ── sxcd --pfcp 127.0.0.1 (root namespace)
#
# The session is the one an SMF gives an I-UPF for UL CL: the uplink tunnel
# (F-TEID CHOOSE, one CHOOSE ID for both PDRs) goes to the anchor over N9
# by default, its traffic to the DN's prefix (an SDF filter of a better
# precedence) breaks out to N6; downlink from the anchor (an F-TEID the UPF
# chose on N9) and from N6 (the UE's address) goes into the N3 tunnel.
# Checks, in order: association; establishment (the entries sxdp holds);
# ping and TCP from the UE to the DN host and to the anchor's network, each
# G-PDU with its TEID, container and QFI; the URR counters against a known
# amount of UE traffic; buffering (BUFF|NOCP): nothing reaches the UE, then
# after the Modification back to FORW everything held arrives in order,
# and one DL data notification (sxdp's) and Session Report Request (the
# SMF's); a handover to another gNB (end marker to the old one, traffic on
# through the new one); deletion: sxdp's UPF tables as they were before the
# session, the UE's pings fail, and the Deletion Response's usage reports
# against the counters. Ends with "N passed, M failed"; exit 1
# if any failed, 77 without netns/veth/TUN/scapy. BUILD, NL_DRIVER,
# TCP_SECONDS, NL_KEEP as the other e2e tests.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
SXCD=$BUILD/sxcd
HOSTS=(gnb dn anc)                       # the sxdp ports, in order: n3, the DN's lan, n9
declare -A ROLE=([gnb]=n3 [dn]=lan [anc]=n9)
declare -A ADDR=([gnb]=192.0.2.10 [dn]=10.200.0.5 [anc]=198.51.100.9)
declare -A GWS=([gnb]="" [dn]=10.200.0.1 [anc]="")
declare -A IP=([ue]=10.45.0.1 [dn]=10.200.0.5 [anc]=203.0.113.7)   # what servers bind
declare -A MAC=([gnb]=02:00:c0:00:02:0a [dn]=02:00:0a:c8:00:05 [anc]=02:00:c6:33:64:09)
N3=192.0.2.1 N9=198.51.100.1 GNB2=192.0.2.11
UE=10.45.0.1 CP_SEID=0x5e1d GNB_TEID=0x2000 GNB2_TEID=0x2100 ANCHOR_TEID=0x9000 QFI=9
ns() { printf 'pfe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
api() { "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$NL_DIR/token" "$@"; }
smf() { "$PY" "$here/pfcp_smf_drive.py" call "$NL_DIR/smf.sock" "$@"; }

BGPIDS=()
NSES=("${HOSTS[@]}" ue)
LINKS=("${HOSTS[@]}")
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  [ -n "${CD_PID:-}" ] && kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
  if [ "$fail" -ne 0 ] && [ -f "${NL_DIR:-/nonexistent}/sxcd.log" ]; then
    echo "# sxcd log:"; tail -20 "$NL_DIR/sxcd.log" | sed 's/^/#   /'
  fi
  sw_teardown
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -c /dev/net/tun ]; then
  echo "SKIP: no /dev/net/tun (the gNB simulator's UE side)"
  exit 77
fi
if ! "$PY" -c 'import scapy.contrib.pfcp' 2>/dev/null; then
  echo "SKIP: no scapy (the test SMF: $PY -c 'import scapy.contrib.pfcp')"
  exit 77
fi
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

# ------------------------------------------------------------- 1. topology
sw_stale_cleanup pfe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-pfcp.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
for h in "${HOSTS[@]}"; do
  if ! nl_host "$(ns "$h")" "${ADDR[$h]}" "$(ns "$h")" >/dev/null 2>&1 ||
     ! nl_host_l2l3 "$(ns "$h")" "${MAC[$h]}" "${GWS[$h]}"; then
    notok "topology: host $h"
    finish
  fi
done
# the UE: IPv4 only (no IPv6 of its kernel's in the counted tunnel)
if ! ip netns add "$(ns ue)" || ! ip -n "$(ns ue)" link set lo up ||
   ! in_ns ue sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; then
  notok "topology: the UE's netns"
  finish
fi
in_ns gnb ip addr add $GNB2/24 dev eth0   # the second gNB, the handover's target
in_ns anc ip addr add 203.0.113.7/32 dev lo
in_ns anc sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
sw_links_up "${HOSTS[@]}"

# a GTP-U peer (gtpsim.py) in netns HOST; a gNB's TUN moves into the UE's
# netns, with the UE's address and default route
start_sim() { # NAME HOST TUN LOCAL PEER TEID_OUT TEID_IN PSC
  local h=$1 host=$2 i
  shift 2
  rm -f "$NL_DIR/ready-$h"
  ip netns exec "$(ns "$host")" "$PY" "$here/gtpsim.py" --tun "$1" --local "$2" --peer "$3" --teid-out "$4" \
    --teid-in "$5" --psc "$6" --qfi $QFI --want-qfi $QFI --ready "$NL_DIR/ready-$h" \
    --stats "$NL_DIR/stats-$h.json" >"$NL_DIR/gtpsim-$h.log" 2>&1 &
  BGPIDS+=("$!")
  eval "SIM_$h=$!"
  for i in $(seq 1 100); do [ -f "$NL_DIR/ready-$h" ] && return 0; sleep 0.05; done
  return 1
}
ue_on() { # TUN: the UE behind it
  ip -n "$(ns gnb)" link set "$1" netns "$(ns ue)" &&
    in_ns ue ip link set "$1" mtu 1400 up && in_ns ue ip addr add $UE/32 dev "$1" &&
    in_ns ue ip route add default dev "$1"
}
stop_sim() { # NAME: stopped, its stats written
  local p
  eval "p=\${SIM_$1:-}"
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  eval "SIM_$1="
}
sim_check() { # NAME MIN_RECEIVED [MIN_OTHER]: every G-PDU it got was right
  local s
  s=$(cat "$NL_DIR/stats-$1.json" 2>/dev/null)
  if printf '%s' "$s" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["received"] >= int(sys.argv[1]) and s["other"] >= int(sys.argv[2]) and
         s["bad_teid"] + s["bad_psc"] + s["bad_qfi"] + s["malformed"] == 0 else 1)' "$2" "${3:-0}"; then
    ok "$1 simulator: every G-PDU from sxdp had its TEID, container and QFI $QFI: $s"
  else
    notok "$1 simulator saw: ${s:-nothing} (want received >= $2${3:+, other >= $3}, nothing bad)"
  fi
}
ok "topology: a UE behind a simulated gNB, a local DN host, an anchor UPF simulator with its network"

# ---------------------------------------------------------- 2. sxdp, sxcd
sw_start "pfe$TAG" '{"n3": "upf", "n9": "upf", "lan": "switch"}' "n3=upf n9=upf lan=switch"
free_port() { # udp|tcp
  "$PY" -c 'import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}
API_PORT=$(free_port tcp) PFCP_PORT=$(free_port udp)
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token" && chmod 600 "$NL_DIR/token"   # as the package makes one
"$SXCD" --socket "$NL_SOCK" --store "$NL_DIR/store" --listen "127.0.0.1:$API_PORT" --resync-ms 1000 \
  --token-file "$NL_DIR/token" \
  --no-netlink --pfcp "127.0.0.1:$PFCP_PORT" --pfcp-node-id 127.0.0.1 >>"$NL_DIR/sxcd.log" 2>&1 &
CD_PID=$!
for _ in $(seq 50); do api status >/dev/null 2>&1 && break; sleep 0.1; done
# the UPF: its links' Network Instances (what the SMF names), the DN's
# (N6), the UE pool routed into it in slice mec's VRF; no sessions
cat >"$NL_DIR/intents.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "dn"}]}},
 {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 1, "members": [{"port": "dn"}],
   "svi": {"address": "10.200.0.1/24", "mac": "02:5e:00:00:06:01"}, "subnets": ["10.200.0.0/24"]}},
 {"kind": "upf", "metadata": {"name": "edge"}, "spec": {"slice": "mec", "ue_pool": "10.45.0.0/16",
   "n6_addresses": ["10.200.0.1"], "network_instances": ["internet"],
   "n3": {"port": "gnb", "address": "$N3/24", "mac": "02:5e:00:00:03:01", "network_instance": "access"},
   "n9": {"port": "anc", "address": "$N9/24", "mac": "02:5e:00:00:09:01", "network_instance": "core"}}}
]}
EOF
ready=0
if out=$(api apply -f "$NL_DIR/intents.json" --wait 2>&1); then
  for _ in $(seq 50); do
    api status 2>/dev/null | grep -q '^intents: Ready 3$' && { ready=1; break; }
    sleep 0.1
  done
fi
if [ $ready = 1 ]; then
  ok "sxcd (REST 127.0.0.1:$API_PORT, PFCP 127.0.0.1:$PFCP_PORT): site, slice mec, upf edge Ready, no sessions"
else
  notok "intents: $(printf '%s' "$out" | head -c 400) $(api status 2>&1 | tr '\n' ' ' | head -c 400)"
  finish
fi

UPF_TABLES="upf_interfaces upf_slices sessions_uplink sessions_downlink sessions_n9_downlink applications
  terminations_uplink terminations_downlink tunnel_peers routes svi interfaces meters"
snapshot() { # the UPF's tables, without counters, one entry a line
  local t
  for t in $UPF_TABLES; do
    ctl --json table show "$t" --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for e in (d.get("entries", d) if isinstance(d, dict) else d):
    print(sys.argv[1], json.dumps({k: v for k, v in e.items() if k not in ("hits", "idle_s")}, sort_keys=True))' "$t"
  done | sort
}
snapshot >"$NL_DIR/tables-before.txt"

# --------------------------------------------------- 3. the SMF, the session
"$PY" "$here/pfcp_smf_drive.py" serve --upf "127.0.0.1:$PFCP_PORT" --ctl "$NL_DIR/smf.sock" \
  --ready "$NL_DIR/smf.ready" >"$NL_DIR/smf.log" 2>&1 &
BGPIDS+=("$!")
for _ in $(seq 100); do [ -S "$NL_DIR/smf.sock" ] && [ -s "$NL_DIR/smf.ready" ] && break; sleep 0.05; done
a=$(smf associate)
if [ "$(printf '%s' "$a" | jf cause)" = 1 ]; then
  ok "PFCP association set up by the SMF ($(tr -d '\n' <"$NL_DIR/smf.ready" 2>/dev/null)): cause 1"
else
  notok "association: '$a' $(tail -3 "$NL_DIR/smf.log" 2>/dev/null | tr '\n' ' ')"
  finish
fi
est=$(smf ulcl cp_seid=$CP_SEID ue=$UE gnb="${ADDR[gnb]}" gnb_teid=$GNB_TEID anchor="${ADDR[anc]}" \
  anchor_teid=$ANCHOR_TEID dn_prefix=10.200.0.0/24)
UP_SEID=$(printf '%s' "$est" | jf up_seid)
N3_TEID=$(printf '%s' "$est" | jf fteids.1.0) N9_TEID=$(printf '%s' "$est" | jf fteids.3.0)
if [ "$(printf '%s' "$est" | jf cause)" = 1 ] && [ -n "$N3_TEID" ] && [ -n "$N9_TEID" ] &&
   [ "$(printf '%s' "$est" | jf fteids.1)" = "$(printf '%s' "$est" | jf fteids.2)" ] &&
   [ "$(printf '%s' "$est" | jf fteids.1.1)" = $N3 ] && [ "$(printf '%s' "$est" | jf fteids.3.1)" = $N9 ]; then
  ok "UL CL session established: UP SEID $UP_SEID, N3 F-TEID $N3_TEID (chosen, one for both uplink PDRs), N9 F-TEID $N9_TEID"
else
  notok "establishment: $est"
  finish
fi
# what sxdp holds: the uplink tunnel to the anchor (apps: the classifier
# first), the DN's prefix broken out, both downlinks into the gNB's tunnel
snapshot >"$NL_DIR/tables-session.txt"
SESS_ID=$("$PY" - "$NL_DIR/tables-session.txt" "$N3_TEID" "$N9_TEID" <<'PYEOF'
import json, sys
t = {}
for line in open(sys.argv[1]):
    name, e = line.split(" ", 1)
    t.setdefault(name, []).append(json.loads(e))
n3, n9 = int(sys.argv[2]), int(sys.argv[3])
peer = {e["match"]["id"]: e["params"]["dst"] for e in t.get("tunnel_peers", [])}
ul = [e for e in t.get("sessions_uplink", []) if e["match"]["teid"] == n3]
dl = [e for e in t.get("sessions_downlink", []) if e["match"]["ue"] == "10.45.0.1"]
n9dl = [e for e in t.get("sessions_n9_downlink", []) if e["match"]["teid"] == n9]
bad = []
if len(ul) != 1 or ul[0]["action"] != "fwd_n9" or peer.get(ul[0]["params"]["peer"]) != "198.51.100.9" or \
   ul[0]["params"]["teid"] != 0x9000 or ul[0]["params"].get("apps") != 1 or ul[0]["params"]["ue"] != "10.45.0.1":
    bad.append("uplink %s" % ul)
sid = ul[0]["params"]["id"] if ul else 0
for name, x in (("downlink", dl), ("n9 downlink", n9dl)):
    if len(x) != 1 or x[0]["action"] != "encap_n3" or peer.get(x[0]["params"]["peer"]) != "192.0.2.10" or \
       x[0]["params"]["teid"] != 0x2000 or x[0]["params"]["qfi"] != 9 or x[0]["params"]["id"] != sid:
        bad.append("%s %s" % (name, x))
apps = [e["params"]["app"] for e in t.get("applications", [])
        if e["match"].get("remote") == {"value": "10.200.0.0", "mask": "255.255.255.0"}]
terms = [e for e in t.get("terminations_uplink", []) if e["match"]["session"] == sid]
if len(apps) != 1 or len(terms) != 1 or terms[0]["match"]["app"] != apps[0] or terms[0]["action"] != "fwd_n6":
    bad.append("breakout: apps %s terminations %s" % (apps, terms))
if bad:
    print("BAD " + "; ".join(bad))
else:
    print(sid)
PYEOF
)
case $SESS_ID in
  [0-9]*) ok "sxdp holds session $SESS_ID: uplink TEID $N3_TEID -> anchor (fwd_n9, apps), 10.200.0.0/24 -> N6, downlink from N6 and N9 TEID $N9_TEID -> gNB TEID $GNB_TEID QFI $QFI" ;;
  *) notok "sxdp's entries: $SESS_ID"; SESS_ID=0 ;;
esac

# the gNB and the anchor on the TEIDs the UPF chose
TUN_UE=ue$TAG TUN_AN=an$TAG TUN_UE2=u2$TAG
if start_sim gnb gnb "$TUN_UE" "${ADDR[gnb]}" $N3 "$N3_TEID" $GNB_TEID ul && ue_on "$TUN_UE" &&
   start_sim anc anc "$TUN_AN" "${ADDR[anc]}" $N9 "$N9_TEID" $ANCHOR_TEID dl &&
   in_ns anc ip link set "$TUN_AN" mtu 1400 up && in_ns anc ip route add 10.45.0.0/16 dev "$TUN_AN"; then
  ok "the gNB (uplink TEID $N3_TEID) and the anchor (downlink TEID $N9_TEID) simulators started"
else
  notok "the GTP-U simulators: $(cat "$NL_DIR"/gtpsim-*.log 2>/dev/null | tail -3 | tr '\n' ' ')"
  finish
fi

# ------------------------------------------------------------ 4. traffic
wait_ping ue 10.200.0.5 15 || true
ping_check "UE -> local DN host (the SDF PDR: broken out to N6, back into the N3 tunnel)" ue 10.200.0.5 20 63
wait_ping ue 203.0.113.7 5 || true
ping_check "UE -> the anchor's network (the default PDR: over N9, back from the anchor's F-TEID)" ue 203.0.113.7 20 64
tcp_check "TCP UE -> local DN host (iperf3)" ue dn
tcp_check "TCP UE -> the anchor's network over N9 (iperf3)" ue anc

# -------------------------------------------------------- 5. the URRs
usage() { ctl --json call upf.usage session="$SESS_ID" 2>/dev/null; }
# 50 pings of 1000-byte packets to the DN host (the breakout's uplink, N6's
# downlink), 50 to the anchor's network (the default uplink, N9's downlink)
PINGS=50 PSIZE=1000
sleep 0.5
u0=$(usage)
in_ns ue ping -q -c $PINGS -i 0.02 -W 2 -s $((PSIZE - 28)) 10.200.0.5 >"$NL_DIR/ping-usage.txt" 2>&1
in_ns ue ping -q -c $PINGS -i 0.02 -W 2 -s $((PSIZE - 28)) 203.0.113.7 >>"$NL_DIR/ping-usage.txt" 2>&1
u1=$(usage)
got=$(printf '%s\n%s\n' "$u0" "$u1" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
a, i = dec.raw_decode(txt); b, _ = dec.raw_decode(txt[i:].strip())
def pick(u, d, frm):
    x = [t for t in u["terminations"] if t["direction"] == d and t["from"] == frm]
    return (x[0]["packets"], x[0]["bytes"]) if len(x) == 1 else (-1, -1)
out = []
for d, frm in (("uplink", "terminations_uplink"), ("downlink", "sessions_downlink"),
               ("uplink", "sessions_uplink"), ("downlink", "sessions_n9_downlink")):
    (p0, b0), (p1, b1) = pick(a, d, frm), pick(b, d, frm)
    out.append("%s:%d/%d" % (frm, p1 - p0, b1 - b0))
print(" ".join(out))' 2>&1)
n="$PINGS/$((PINGS * PSIZE))"
want="terminations_uplink:$n sessions_downlink:$n sessions_uplink:$n sessions_n9_downlink:$n"
if [ "$got" = "$want" ]; then
  ok "URR counters: $PINGS pings of $PSIZE bytes each way counted exactly on the breakout's uplink, N6's downlink, the N9 uplink and N9's downlink"
else
  notok "URR counters over $PINGS pings of $PSIZE bytes to each end: '$got' (want '$want'; $(grep loss "$NL_DIR/ping-usage.txt" | tr '\n' ' '))"
  printf '%s\n' "$u1" | head -c 800 | sed 's/^/#   /'
fi

# ------------------------------------------------- 6. buffering (BUFF|NOCP)
ev() { # EVENT: sxdp's counter
  stats_json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["events"].get(sys.argv[1], 0))' "$1"
}
EV_BOUND=20   # generous: what sxdp does with a few datagrams, counted, on a busy machine
ev_reached() { [ "$(ev "$1")" -ge "$2" ]; }   # EVENT MIN
# a receiver on the UE: the numbers of the datagrams it got, in order
in_ns ue "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.45.0.1", 7777)); s.settimeout(0.5)
end = time.time() + 30
with open(sys.argv[1], "w", buffering=1) as f:
    while time.time() < end:
        try:
            f.write(s.recv(2048).decode() + "\n")
        except socket.timeout:
            pass' "$NL_DIR/recv.txt" &
BGPIDS+=("$!")
listening udp 7777 in_ns ue
send_udp() { # HOST SRC FIRST LAST: numbered datagrams to the UE
  in_ns "$1" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    s.sendto(b"%d" % i, ("10.45.0.1", 7777)); time.sleep(0.02)' "$2" "$3" "$4"
}
ddn0=$(ev upf.ddn)
r=$(smf modify up_seid="$UP_SEID" cp_seid=$CP_SEID far=3 buffer=1)
act=$(ctl --json table show sessions_downlink --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(e["action"] for e in (d.get("entries", d) if isinstance(d, dict) else d) if e["match"]["ue"] == "10.45.0.1"))')
if [ "$(printf '%s' "$r" | jf cause)" = 1 ] && [ "$act" = buffer ]; then
  ok "Modification: the downlink FAR to BUFF|NOCP (cause 1, sxdp's downlink entry: $act)"
else
  notok "Modification to buffer: '$r', sxdp's downlink entry '$act'"
fi
# 10 from the DN host (N6), then 5 from the anchor's network (N9): one session's buffer
buffered0=$(ev upf.buffered)
send_udp dn 10.200.0.5 0 9
send_udp anc 203.0.113.7 10 14
wait_for "$EV_BOUND" ev_reached upf.buffered $((buffered0 + 15)) || true   # judged below
wait_for "$EV_BOUND" ev_reached upf.ddn $((ddn0 + 1)) || true
held=$(wc -l <"$NL_DIR/recv.txt" 2>/dev/null || echo "?")
ddn1=$(ev upf.ddn)
buffered=$(ev upf.buffered)
if [ "$held" = 0 ] && [ $((buffered - buffered0)) = 15 ]; then
  ok "while buffered nothing reached the UE (15 datagrams sent from N6 and N9: upf.buffered +15)"
else
  notok "while buffered the UE got $held datagrams ($(tr '\n' ' ' <"$NL_DIR/recv.txt")), upf.buffered +$((buffered - buffered0)) of 15"
fi
r=$(smf modify up_seid="$UP_SEID" cp_seid=$CP_SEID far=3 gnb="${ADDR[gnb]}" gnb_teid=$GNB_TEID)
wait_for "$EV_BOUND" eval '[ "$(wc -l <"$NL_DIR/recv.txt")" -ge 15 ]' || true   # judged below
sleep 0.3   # any datagram more (none is wanted) would come now
order=$(tr '\n' ' ' <"$NL_DIR/recv.txt")
# the session's buffer is released in arrival order across its N6 and N9
# entries (one write turns both to FORW): N6's 0..9 came before N9's 10..14
in_order=$(printf '%s' "$order" | "$PY" -c '
import sys
print("ok" if [int(x) for x in sys.stdin.read().split()] == list(range(15)) else "bad")')
if [ "$(printf '%s' "$r" | jf cause)" = 1 ] && [ "$in_order" = ok ]; then
  ok "Modification back to FORW: the 15 held datagrams reached the UE in arrival order across N6 and N9: $order"
else
  notok "after the Modification to FORW ('$r') the UE got: '$order' (want 0..14: N6's 0..9, then N9's 10..14, as they came)"
fi
if [ "$((ddn1 - ddn0))" = 1 ]; then
  ok "sxdp raised one DL data notification for the buffering session (upf.ddn +1)"
else
  notok "upf.ddn +$((ddn1 - ddn0)), want +1"
fi
rep=$(smf reports)
# those with a DL Data Report, and of them those to the session's CP SEID
read -r n_dldr n_ours < <(printf '%s' "$rep" | "$PY" -c '
import json, sys
r = [x for x in json.load(sys.stdin)["reports"] if x["dldr"] or x["type"].get("DLDR")]
print(len(r), sum(1 for x in r if x["seid"] == int(sys.argv[1], 0)))' "$CP_SEID")
if [ "$n_dldr" = 1 ] && [ "$n_ours" = 1 ]; then
  ok "the SMF got one Session Report Request with a DL Data Report: $(printf '%s' "$rep" | head -c 300)"
else
  notok "Session Report Requests with a DL Data Report: $n_dldr ($n_ours to SEID $CP_SEID), want 1 ($(printf '%s' "$rep" | head -c 400))"
fi

# ------------------------------------------------------------ 7. handover
# the downlink to the second gNB's TEID with SNDEM; the first gets an end marker, the
# UE moves to the second (the uplink F-TEID stays)
em0=$(ev upf.end_marker_sent)
r=$(smf modify up_seid="$UP_SEID" cp_seid=$CP_SEID far=3 gnb=$GNB2 gnb_teid=$GNB2_TEID sndem=1)
wait_for "$EV_BOUND" ev_reached upf.end_marker_sent $((em0 + 1)) || true   # judged below (the sim counts what reached it by its stop)
stop_sim gnb
em1=$(ev upf.end_marker_sent)
if [ "$(printf '%s' "$r" | jf cause)" = 1 ]; then
  ok "Modification: the downlink to gNB $GNB2 TEID $GNB2_TEID (cause 1)"
else
  notok "handover Modification: '$r'"
fi
sim_check gnb 40
# "other" at the old gNB: GTP-U that is no G-PDU or echo (the end marker)
other=$(jf other <"$NL_DIR/stats-gnb.json")
if [ "${other:-0}" -ge 1 ] && [ "$((em1 - em0))" -ge 1 ]; then
  ok "the old gNB got the end marker (upf.end_marker_sent +$((em1 - em0)))"
else
  notok "an end marker to the old gNB after the handover Modification (SNDEM): none (upf.end_marker_sent +$((em1 - em0)), the old gNB's other $other)"
fi
if start_sim gnb2 gnb "$TUN_UE2" $GNB2 $N3 "$N3_TEID" $GNB2_TEID ul && ue_on "$TUN_UE2"; then
  wait_ping ue 10.200.0.5 10 || true
  ping_check "after the handover: UE -> local DN host through gNB $GNB2" ue 10.200.0.5 20 63
  ping_check "after the handover: UE -> the anchor's network through gNB $GNB2" ue 203.0.113.7 20 64
else
  notok "the second gNB's simulator: $(tail -3 "$NL_DIR/gtpsim-gnb2.log" 2>/dev/null | tr '\n' ' ')"
fi

# ------------------------------------------------------------ 8. deletion
final=$(usage)
d=$(smf delete up_seid="$UP_SEID")
if [ "$(printf '%s' "$d" | jf cause)" = 1 ] && [ "$(printf '%s' "$d" | jf seid)" = "$((CP_SEID))" ]; then
  ok "Session Deletion: cause 1, to the SMF's SEID"
else
  notok "deletion: '$d'"
fi
snapshot >"$NL_DIR/tables-after.txt"
if diff -q "$NL_DIR/tables-before.txt" "$NL_DIR/tables-after.txt" >/dev/null; then
  ok "sxdp's UPF tables are as before the session ($(wc -l <"$NL_DIR/tables-after.txt") entries; $(wc -l <"$NL_DIR/tables-session.txt") with it)"
else
  notok "sxdp's UPF tables after the deletion differ from before the session:"
  diff "$NL_DIR/tables-before.txt" "$NL_DIR/tables-after.txt" | head -10 | sed 's/^/#   /'
fi
if in_ns ue ping -c 3 -i 0.2 -W 1 10.200.0.5 >/dev/null 2>&1 || in_ns ue ping -c 3 -i 0.2 -W 1 203.0.113.7 >/dev/null 2>&1; then
  notok "the UE still reaches the DN host or the anchor's network after the deletion"
else
  ok "the UE's pings fail after the deletion (DN host and the anchor's network)"
fi
# the final usage reports against sxdp's counters just before the deletion
if [ "$(printf '%s' "$d" | jf usage)" = "[]" ]; then
  notok "the Deletion Response carries no usage reports"
else
  cmp=$(printf '%s\n%s\n' "$final" "$d" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
u, i = dec.raw_decode(txt); d, _ = dec.raw_decode(txt[i:].strip())
ul = sum(x["bytes"] for x in u["terminations"] if x["direction"] == "uplink")
dl = sum(x["bytes"] for x in u["terminations"] if x["direction"] == "downlink")
rul = sum(r["uplink"] or 0 for r in d["usage"]); rdl = sum(r["downlink"] or 0 for r in d["usage"])
print("ok" if (rul, rdl) == (ul, dl) else "bad", "reports UL %d DL %d, sxdp UL %d DL %d" % (rul, rdl, ul, dl))')
  case $cmp in
    ok*) ok "the Deletion Response's usage reports match sxdp's counters: ${cmp#ok }" ;;
    *) notok "usage reports: ${cmp#bad } ($(printf '%s' "$d" | jf usage))" ;;
  esac
fi

# ------------------------------------------------------------------ 9. end
stop_sim gnb2
stop_sim anc
sim_check gnb2 40
sim_check anc 40
hb=$(smf reports | jf heartbeats)
echo "# the SMF answered $hb Heartbeat Request(s) of sxcd's"
if nl_stop_sxdp; then ok "sxdp stopped cleanly (SIGTERM)"; else notok "sxdp did not stop cleanly"; fi
finish
