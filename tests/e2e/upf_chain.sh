#!/usr/bin/env bash
# e2e upf_chain: two sxdp UPFs chained (issue 81): site A's UPF is the
# session's uplink classifier (UL CL) with a local breakout, site B's is its
# anchor (PSA) over N9, GTP-U carried by the SD-WAN overlay between the two
# sites; both made by one SMF stand-in (pfcp_smf_drive.py, one per UPF's
# N4: tests/packet/pfcp_smf.py's Smf).
#
#   ue 10.45.0.1 (TUN) ── gtpsim "gNB" 172.16.3.10 ══ N3 ══ A n3 172.16.3.1
#   A dn (slice mec, SVI 10.200.0.1) ── dn 10.200.0.5: A's local DN (breakout)
#   A n9 10.3.0.1 ── veth ── A lan3 (slice core, VNI 5004) ══ overlay, ESP,
#        wan1/wan2 over the bridges br1/br2 in netns w ══ B lan3 ── veth ── B n3 10.3.0.9
#   B dn (slice n6, SVI 203.0.113.1) ── dnb 203.0.113.7: the anchor's N6
#   SMF ── PFCP ── sxcd A --pfcp, sxcd B --pfcp (loopback, root namespace)
#
# From the anchor's side the I-UPF is its Access (TS 29.244 5.2.1): B's
# uplink PDR has Source Interface Access and the F-TEID the SMF gave it
# (B_TEID on 10.3.0.9), its downlink FAR Destination Access with Outer
# Header Creation toward A's N9 F-TEID (A chose it: A is established first).
# Checks, in order: both sites up (sxdp, sxcd, intents, paths over both
# links); the PFCP associations; the sessions at both and the entries each
# sxdp holds; ping and TCP (both directions at once) from the UE to A's DN
# and to B's DN host; usage at both UPFs (upf.usage of each session)
# against a known number of pings each way, within USAGE_LOSS_MAX; a path
# switch: A gets a second N9 F-TEID (Modification, Create PDR), B's downlink
# FAR moves to it with SNDEM, B sends an end marker into the old N9 tunnel,
# A relays it to the gNB (upf.end_marker_relayed; the gNB simulator counts
# it), traffic goes on over the new tunnel; deletion at both: each sxdp's
# UPF tables as before the sessions, the Deletion Responses' usage reports
# against the counters, the UE cut off. Ends with "N passed, M failed";
# exit 1 if any failed, 77 without netns/veth/TUN/scapy/iperf3. BUILD,
# NL_DRIVER, TCP_SECONDS, NL_KEEP as the other e2e tests.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
# shellcheck source-path=SCRIPTDIR source=seclib.sh
. "$here/seclib.sh"

SXCD=$BUILD/sxcd
TAG=$$
P="uch$TAG"
NSES="sa sb w gnb ue dn dnb"      # the boxes, the WAN, the gNB, the UE, A's DN host, B's DN host
UE=10.45.0.1 GNB=172.16.3.10 GNB_TEID=0x2000 QFI=9
A_N3=172.16.3.1 A_N9=10.3.0.1 B_N3=10.3.0.9
B_TEID=0x9000                     # B's uplink F-TEID, given by the SMF (A's uplink FAR names it)
CP_A=0x5e1d CP_B=0x5e1e           # the SMF's SEIDs
declare -A IP=([ue]=$UE [dn]=10.200.0.5 [dnb]=203.0.113.7)
# bounds of the waits (seconds), generous for a busy 2-CPU machine
START_BOUND=30 UP_BOUND=60 APPLY_WAIT_MS=120000 PING_BOUND=20 EV_BOUND=20 SETTLE_BOUND=10
PINGS=50 PSIZE=1000               # the usage's pings each way, their IP length
USAGE_LOSS_MAX=2                  # of those, how many may be lost on the way (a busy machine's veths)
PING_LOSS_MAX=10                  # per cent of a reachability check's pings that may be lost (a busy machine)
# the overlay's probes: a path down only after 5 s unanswered (failover is
# not what is tested here; a starved machine must not take the N9 path away)
PROBE_MS=200 PROBE_DOWN_AFTER=25
TCP_MIN_BYTES=1000000             # what TCP must carry each way in TCP_SECONDS

nsn() { printf '%s-%s' "$P" "$1"; }
# shellcheck disable=SC2317  # switchlib's name for it
ns() { nsn "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
declare -A API_PORT PFCP_PORT SXDP_PID PREFIX
api() { local s=$1; shift; "$SXCTL" --api "http://127.0.0.1:${API_PORT[$s]}" --token-file "$DIR/token" "$@"; }
smf() { local s=$1; shift; "$PY" "$here/pfcp_smf_drive.py" call "$DIR/smf-$s.sock" "$@"; }

PIDS=()      # sxcd, the SMFs, the simulators, servers: stopped by cleanup
# COUNT pings from HOST to DST answered but for PING_LOSS_MAX per cent, every
# reply with TTL WANT_TTL (switchlib's ping_check with a bound for loss); the
# evidence when not
ping_ck() { # NAME HOST DST COUNT WANT_TTL
  local name=$1 h=$2 dst=$3 cnt=$4 want_ttl=$5 out got ttls
  out=$(in_ns "$h" ping -c "$cnt" -i 0.05 -W 2 "$dst" 2>&1)
  got=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
  ttls=$(printf '%s\n' "$out" | sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')
  ttls=${ttls% }
  if [ "${got:-0}" -ge $((cnt - cnt * PING_LOSS_MAX / 100)) ] && [ "$ttls" = "$want_ttl" ]; then
    ok "$name: $got/$cnt answered, ttl $ttls"
  else
    notok "$name: ${got:-0}/$cnt answered (at least $((cnt - cnt * PING_LOSS_MAX / 100))), reply ttl '$ttls' (want $want_ttl)"
    printf '%s\n' "$out" | tail -3 | sed 's/^/#   /'
    evidence
  fi
}
# what each sxdp dropped (reasons with a count) and its ports' own misses, after a failure
evidence() {
  local s
  for s in a b; do
    [ -S "$DIR/$s.sock" ] || continue
    echo "# sxdp ${s^^} drops: $(sx "$s" --json stats 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s=%d" % (k, v) for k, v in sorted(d["drops"].items()) if v) or "none")' 2>&1)"
    echo "# sxdp ${s^^} ports:"
    sx "$s" port-stats 2>&1 | sed 's/^/#   /'
  done
}
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
  local p s f
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for s in a b; do
    [ -n "${SXDP_PID[$s]:-}" ] && nl_stop_pid "${SXDP_PID[$s]}" "${PREFIX[$s]}" "sxdp $s" >/dev/null 2>&1
  done
  if [ "$fail" -ne 0 ] && [ -n "${DIR:-}" ]; then
    for f in "$DIR"/sxcd-?.log "$DIR"/sxdp-?.log "$DIR"/smf-?.log "$DIR"/gtpsim-*.log; do
      [ -f "$f" ] && { echo "# $f:"; grep -vE '^(libbpf|libxdp):|ctl: client' "$f" | tail -12 | sed 's/^/#   /'; }
    done
  fi
  for p in $NSES; do nl_ns_del "$(nsn "$p")"; done
  for s in a b; do [ -n "${PREFIX[$s]:-}" ] && rm -rf "/var/run/dpdk/${PREFIX[$s]}"; done
  [ -n "${NL_KEEP:-}" ] || rm -rf "${DIR:-/nonexistent}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -c /dev/net/tun ]; then echo "SKIP: no /dev/net/tun (the gNB simulator's UE side)"; exit 77; fi
if ! "$PY" -c 'import scapy.contrib.pfcp' 2>/dev/null; then
  echo "SKIP: no scapy (the SMF stand-in: $PY -c 'import scapy.contrib.pfcp')"; exit 77
fi
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

# ------------------------------------------------------------- 1. topology
sw_stale_cleanup uch
DIR=$(mktemp -d /tmp/sxdp-e2e-upfchain.XXXXXX)
NL_DIR=$DIR   # switchlib's
topo() {
  local n s i h
  for n in $NSES; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
    in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
  done
  for i in 1 2; do ip -n "$(nsn w)" link add "br$i" type bridge && ip -n "$(nsn w)" link set "br$i" up || return 1; done
  for s in a b; do
    for i in 1 2; do
      ip -n "$(nsn "s$s")" link add "wan$i" type veth peer name "$s$i" netns "$(nsn w)" || return 1
      ip -n "$(nsn w)" link set "$s$i" master "br$i" up || return 1
    done
    # the UPF's link cabled to the box's own lan3 (slice core, stretched
    # to the other site): A's N9, B's N3 (the anchor's Access side)
    ip -n "$(nsn "s$s")" link add "$([ $s = a ] && echo n9 || echo n3)" type veth peer name lan3 || return 1
    ip -n "$(nsn "s$s")" link add dn type veth peer name eth0 netns "$(nsn "$([ $s = a ] && echo dn || echo dnb)")" || return 1
  done
  ip -n "$(nsn sa)" link add n3 type veth peer name eth0 netns "$(nsn gnb)" || return 1
  for n in wan1 wan2 lan3 n3 n9 dn; do ip -n "$(nsn sa)" link set "$n" up || return 1; done
  for n in wan1 wan2 lan3 n3 dn; do ip -n "$(nsn sb)" link set "$n" up || return 1; done
  # AF_XDP takes frames as queued: no checksum offload on the hosts
  local addr gw
  while read -r h addr gw; do
    ip -n "$(nsn "$h")" addr add "$addr" dev eth0 && ip -n "$(nsn "$h")" link set eth0 up || return 1
    in_ns "$h" ethtool -K eth0 tx off >/dev/null 2>&1
    [ "$gw" = - ] || ip -n "$(nsn "$h")" route add default via "$gw" || return 1
  done <<EOF
gnb $GNB/24 -
dn 10.200.0.5/24 10.200.0.1
dnb 203.0.113.7/24 203.0.113.1
EOF
}
if topo; then
  ok "topology: sites A and B over two WAN links; A's UPF with a gNB, a local DN and N9 on its lan3; B's UPF with N3 on its lan3 and a DN host"
else
  notok "topology"; finish
fi

# ---------------------------------------------------------- 2. sxdp, sxcd
# site $1's sxdp on driver $2: A's worker on CPU 1, B's on CPU 0 (two sxdp
# and the hosts share 2 CPUs), idle workers sleeping
start_sxdp() { # a|b driver
  local s=$1 drv=$2 i=0 ports="" n role names pipeline w mem
  if [ "$s" = a ]; then
    names="wan1 wan2 lan3 n3 n9 dn" w=1 mem=1024
    pipeline='{"lan": "switch", "wan": "overlay", "n3": "upf", "n9": "upf"}'
  else
    names="wan1 wan2 lan3 n3 dn" w='{"lcore": 1, "cpu": 0}' mem=768
    pipeline='{"lan": "switch", "wan": "overlay", "n3": "upf"}'
  fi
  for n in $names; do
    case $n in lan*|dn) role=lan ;; wan*) role=wan ;; *) role=$n ;; esac
    ports+="${ports:+,}
    {\"name\": \"$n\", \"devargs\": \"$(nl_devargs "$drv" $i "$n")\", \"role\": \"$role\", \"rx_queues\": 1, \"rxd\": 1024, \"txd\": 1024}"
    i=$((i + 1))
  done
  PREFIX[$s]="$P-$s-$drv"
  cat >"$DIR/sxdp-$s.json" <<EOF
{
  "eal": [$(nl_eal_mem "$mem"), "--no-pci", "--file-prefix", "${PREFIX[$s]}"],
  "lcores": {"main": 0, "workers": [$w]},
  "socket": "$DIR/$s.sock",
  "mbufs": 32767,
  "idle_sleep_max_us": ${SXDP_IDLE_SLEEP_US:-200},
  "pipeline": $pipeline,
  "ports": [$ports
  ]
}
EOF
  ip netns exec "$(nsn "s$s")" "$SXDP" --config "$DIR/sxdp-$s.json" --socket "$DIR/$s.sock" \
    >"$DIR/sxdp-$s.log" 2>&1 </dev/null &
  SXDP_PID[$s]=$!
  for _ in $(seq 1 $((START_BOUND * 10))); do
    sx "$s" hello >/dev/null 2>&1 && return 0
    kill -0 "${SXDP_PID[$s]}" 2>/dev/null || break
    sleep 0.1
  done
  nl_stop_pid "${SXDP_PID[$s]}" "${PREFIX[$s]}" "sxdp $s" >/dev/null 2>&1
  SXDP_PID[$s]=""
  return 1
}
drv=$NL_DRIVER
if ! start_sxdp a "$drv" || ! start_sxdp b "$drv"; then
  for s in a b; do [ -z "${SXDP_PID[$s]:-}" ] || nl_stop_pid "${SXDP_PID[$s]}" "${PREFIX[$s]}" "sxdp $s" >/dev/null 2>&1; SXDP_PID[$s]=""; done
  if [ "$drv" = af_xdp ] && NL_AFXDP_WHY=$(nl_no_afxdp); then
    drv=af_packet
    skip "sxdp on net_af_xdp" "$NL_AFXDP_WHY (runs on net_af_packet)"
    if ! start_sxdp a "$drv" || ! start_sxdp b "$drv"; then notok "sxdp at both sites on net_$drv"; finish; fi
  else
    notok "sxdp at both sites on net_$drv: $(grep -hiE 'error|fail' "$DIR"/sxdp-?.log | head -3 | tr '\n' ' ')"
    finish
  fi
fi
ok "sxdp at both sites (net_$drv; A: n3, n9 = upf, lan3 and dn lan, two WANs; B: n3 = upf, lan3 and dn lan, two WANs)"

free_port() { # udp|tcp
  "$PY" -c 'import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$DIR/token" && chmod 600 "$DIR/token"   # as the package makes one
start_sxcd() { # a|b: its REST and its N4 on loopback
  local s=$1
  API_PORT[$s]=$(free_port tcp) PFCP_PORT[$s]=$(free_port udp)
  mkdir -p "$DIR/store-$s"
  "$SXCD" --socket "$DIR/$s.sock" --store "$DIR/store-$s" --listen "127.0.0.1:${API_PORT[$s]}" \
    --token-file "$DIR/token" --resync-ms 1000 --no-netlink \
    --pfcp "127.0.0.1:${PFCP_PORT[$s]}" --pfcp-node-id 127.0.0.1 >>"$DIR/sxcd-$s.log" 2>&1 </dev/null &
  PIDS+=($!)
  # ready when its log says so (REST answers before its services are bound)
  wait_for "$START_BOUND" sxcd_ready "$s"
}
# shellcheck disable=SC2317  # through wait_for
sxcd_ready() { grep -q "INFO: ready: " "$DIR/sxcd-$1.log" && api "$1" status >/dev/null 2>&1; }
if start_sxcd a && start_sxcd b; then
  ok "sxcd at both sites (PFCP: A 127.0.0.1:${PFCP_PORT[a]}, B 127.0.0.1:${PFCP_PORT[b]})"
else
  notok "sxcd start: $(tail -3 "$DIR"/sxcd-?.log | tr '\n' ' ')"; finish
fi

# each site's intents: its WANs, the other site as a peer (encrypted, ESP),
# slice core stretched to both (A's N9 and B's N3 on its lan3), the DN's
# slice and the upf intent (A: N3, N9, the local DN; B: N3 toward A, N6)
intents() { # a|b
  "$PY" - "$1" "$(pub_of a esp)" "$(pub_of b esp)" "$PROBE_MS" "$PROBE_DOWN_AFTER" <<'EOF'
import json, sys
me, pub_a, pub_b, probe_ms, down_after = sys.argv[1:6]
other = "b" if me == "a" else "a"
n = {"a": 1, "b": 2}
wan = [{"name": "isp1", "port": "wan1", "address": "192.0.2.%d/24" % n[me]},
       {"name": "isp2", "port": "wan2", "address": "198.51.100.%d/24" % n[me]}]
items = [
    {"kind": "site", "spec": {"id": n[me], "lan": [{"port": "lan3"}, {"port": "dn"}], "wan": wan}},
    {"kind": "peers", "metadata": {"name": "site-" + other}, "spec": {
        "id": n[other],
        "endpoints": [{"address": "192.0.2.%d" % n[other], "wan": "isp1"},
                      {"address": "198.51.100.%d" % n[other], "wan": "isp2"}],
        "probe": {"how": "sxdp", "interval_ms": int(probe_ms), "down_after": int(down_after), "up_after": 3},
        "encryption": {"cipher": "aes-gcm-128", "public_key": pub_b if me == "a" else pub_a}}},
    {"kind": "slices", "metadata": {"name": "core"}, "spec": {"id": 4, "vni": 5004,
        "members": [{"port": "lan3"}], "subnets": ["10.3.0.0/24"],
        "path_policy": {"mode": "failover", "wans": ["isp1", "isp2"]}}}]
if me == "a":
    items += [
        {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 3, "members": [{"port": "dn"}],
            "svi": {"address": "10.200.0.1/24", "mac": "02:5e:00:00:06:01"}, "subnets": ["10.200.0.0/24"]}},
        {"kind": "upf", "metadata": {"name": "edge"}, "spec": {"slice": "mec", "ue_pool": "10.45.0.0/16",
            "n6_addresses": ["10.200.0.1"], "network_instances": ["internet"],
            "n3": {"port": "n3", "address": "172.16.3.1/24", "mac": "02:5e:00:00:03:01", "network_instance": "access"},
            "n9": {"port": "n9", "address": "10.3.0.1/24", "mac": "02:5e:00:00:09:01", "network_instance": "core"}}}]
else:
    items += [
        {"kind": "slices", "metadata": {"name": "n6"}, "spec": {"id": 5, "members": [{"port": "dn"}],
            "svi": {"address": "203.0.113.1/24", "mac": "02:5e:00:00:06:09"}, "subnets": ["203.0.113.0/24"]}},
        {"kind": "upf", "metadata": {"name": "anchor"}, "spec": {"slice": "n6", "ue_pool": "10.45.0.0/16",
            "n6_addresses": ["203.0.113.1"], "network_instances": ["internet"],
            "n3": {"port": "n3", "address": "10.3.0.9/24", "mac": "02:5e:00:00:03:09", "network_instance": "core"}}}]
print(json.dumps({"items": items}, indent=1))
EOF
}
applied=1
for s in a b; do
  if ! intents "$s" >"$DIR/site-$s.json" || ! out=$(api "$s" apply -f "$DIR/site-$s.json" --wait --timeout "$APPLY_WAIT_MS" 2>&1); then
    notok "site ${s^^}'s intents: $(printf '%s' "${out:-no public keys}" | tr '\n' ' ' | head -c 600)"
    applied=0
  fi
done
[ $applied = 1 ] || finish
ok "intents applied and Ready at both sites (peer over ESP, slice core on lan3; A: slice mec, upf edge with N3 and N9; B: slice n6, upf anchor with N3 on 10.3.0.9)"

if wait_path a 192.0.2.1 up $UP_BOUND && wait_path a 198.51.100.1 up $UP_BOUND &&
   wait_path b 192.0.2.2 up $UP_BOUND && wait_path b 198.51.100.2 up $UP_BOUND; then
  ok "overlay paths up at both sites over both links (RTT path 1 $(path_of a 192.0.2.1 rtt_us) us)"
else
  notok "paths up: A $(paths_brief a) B $(paths_brief b)"; finish
fi

UPF_TABLES="upf_interfaces upf_slices sessions_uplink sessions_downlink sessions_n9_downlink applications
  terminations_uplink terminations_downlink tunnel_peers routes svi interfaces meters"
snapshot() { # site: its UPF's tables, without counters, one entry a line
  local t
  for t in $UPF_TABLES; do
    sx "$1" --json table show "$t" --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for e in (d.get("entries", d) if isinstance(d, dict) else d):
    print(sys.argv[1], json.dumps({k: v for k, v in e.items() if k not in ("hits", "idle_s")}, sort_keys=True))' "$t"
  done | sort
}
snapshot a >"$DIR/tables-a-before.txt"
snapshot b >"$DIR/tables-b-before.txt"

# ------------------------------------------------- 3. the SMF, the sessions
for s in a b; do
  "$PY" "$here/pfcp_smf_drive.py" serve --upf "127.0.0.1:${PFCP_PORT[$s]}" --ctl "$DIR/smf-$s.sock" \
    --ready "$DIR/smf-$s.ready" >"$DIR/smf-$s.log" 2>&1 </dev/null &
  PIDS+=($!)
done
# shellcheck disable=SC2317  # through wait_for
smf_ready() { [ -S "$DIR/smf-a.sock" ] && [ -s "$DIR/smf-a.ready" ] && [ -S "$DIR/smf-b.sock" ] && [ -s "$DIR/smf-b.ready" ]; }
wait_for "$START_BOUND" smf_ready
ra=$(smf a associate) rb=$(smf b associate)
if [ "$(printf '%s' "$ra" | jf cause)" = 1 ] && [ "$(printf '%s' "$rb" | jf cause)" = 1 ]; then
  ok "the SMF associated with both UPFs (cause 1 each)"
else
  notok "associations: A '$ra' B '$rb'"; finish
fi

# A first: the UL CL session (the uplink to B's F-TEID by default, the
# local DN's prefix broken out; downlink from N6 and from an N9 F-TEID A chooses)
est=$(smf a ulcl cp_seid=$CP_A ue=$UE gnb=$GNB gnb_teid=$GNB_TEID anchor=$B_N3 anchor_teid=$B_TEID \
  dn_prefix=10.200.0.0/24)
UP_A=$(printf '%s' "$est" | jf up_seid)
N3_TEID=$(printf '%s' "$est" | jf fteids.1.0) N9_TEID=$(printf '%s' "$est" | jf fteids.3.0)
if [ "$(printf '%s' "$est" | jf cause)" = 1 ] && [ -n "$N3_TEID" ] && [ -n "$N9_TEID" ] &&
   [ "$(printf '%s' "$est" | jf fteids.3.1)" = $A_N9 ]; then
  ok "A: UL CL session established (UP SEID $UP_A): N3 F-TEID $N3_TEID, N9 F-TEID $N9_TEID on $A_N9 (chosen), uplink to B's $B_N3 TEID $B_TEID"
else
  notok "A's establishment: $est"; finish
fi
# then B: the anchor's session, its downlink into A's N9 tunnel
est=$(smf b psa cp_seid=$CP_B ue=$UE n3=$B_N3 n3_teid=$B_TEID peer=$A_N9 peer_teid="$N9_TEID")
UP_B=$(printf '%s' "$est" | jf up_seid)
if [ "$(printf '%s' "$est" | jf cause)" = 1 ] && [ -n "$UP_B" ] && [ "$UP_B" != 0 ]; then
  ok "B: anchor session established (UP SEID $UP_B): uplink from Access on F-TEID $B_TEID to N6, downlink to Access toward A's N9 F-TEID $N9_TEID"
else
  notok "B's establishment: $est"; finish
fi

# what each sxdp holds: A as pfcp.sh checks it (to B over N9), B's uplink to N6 and its downlink to A
snapshot a >"$DIR/tables-a-session.txt"
snapshot b >"$DIR/tables-b-session.txt"
read -r SESS_A SESS_B < <("$PY" - "$DIR/tables-a-session.txt" "$DIR/tables-b-session.txt" "$N3_TEID" "$N9_TEID" \
  "$B_TEID" <<'PYEOF'
import json, sys
def load(f):
    t = {}
    for line in open(f):
        name, e = line.split(" ", 1)
        t.setdefault(name, []).append(json.loads(e))
    return t
a, b = load(sys.argv[1]), load(sys.argv[2])
n3, n9, bteid = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5], 0)
bad = []
def peer(t):
    return {e["match"]["id"]: e["params"]["dst"] for e in t.get("tunnel_peers", [])}
ul = [e for e in a.get("sessions_uplink", []) if e["match"]["teid"] == n3]
n9dl = [e for e in a.get("sessions_n9_downlink", []) if e["match"]["teid"] == n9]
if len(ul) != 1 or ul[0]["action"] != "fwd_n9" or peer(a).get(ul[0]["params"]["peer"]) != "10.3.0.9" or \
   ul[0]["params"]["teid"] != bteid:
    bad.append("A uplink %s" % ul)
if len(n9dl) != 1 or n9dl[0]["action"] != "encap_n3" or peer(a).get(n9dl[0]["params"]["peer"]) != "172.16.3.10":
    bad.append("A n9 downlink %s" % n9dl)
bul = [e for e in b.get("sessions_uplink", []) if e["match"]["teid"] == bteid]
bdl = [e for e in b.get("sessions_downlink", []) if e["match"]["ue"] == "10.45.0.1"]
if len(bul) != 1 or bul[0]["action"] != "fwd_n6" or bul[0]["params"]["ue"] != "10.45.0.1":
    bad.append("B uplink %s" % bul)
if len(bdl) != 1 or bdl[0]["action"] != "encap_n3" or peer(b).get(bdl[0]["params"]["peer"]) != "10.3.0.1" or \
   bdl[0]["params"]["teid"] != n9 or bdl[0]["params"]["qfi"] != 9:
    bad.append("B downlink %s" % bdl)
print("BAD " + "; ".join(bad) if bad else "%d %d" % (ul[0]["params"]["id"], bul[0]["params"]["id"]))
PYEOF
)
case $SESS_A in
  [0-9]*) ok "sxdp A holds session $SESS_A (uplink fwd_n9 to $B_N3 TEID $B_TEID, N9 TEID $N9_TEID -> gNB); sxdp B session $SESS_B (TEID $B_TEID fwd_n6, downlink encap to $A_N9 TEID $N9_TEID QFI $QFI)" ;;
  *) notok "sxdp's entries: $SESS_A $SESS_B"; finish ;;
esac

# the gNB: a GTP-U peer on the TEID A chose, the UE on its TUN
rm -f "$DIR/ready-gnb"
ip netns exec "$(nsn gnb)" "$PY" "$here/gtpsim.py" --tun uetun --local $GNB --peer $A_N3 --teid-out "$N3_TEID" \
  --teid-in $GNB_TEID --psc ul --qfi $QFI --want-qfi $QFI --ready "$DIR/ready-gnb" --stats "$DIR/stats-gnb.json" \
  >"$DIR/gtpsim-gnb.log" 2>&1 </dev/null &
SIM=$!
PIDS+=("$SIM")
if wait_for "$START_BOUND" test -f "$DIR/ready-gnb" && ip -n "$(nsn gnb)" link set uetun netns "$(nsn ue)" &&
   in_ns ue ip link set uetun mtu 1280 up && in_ns ue ip addr add $UE/32 dev uetun &&
   in_ns ue ip route add default dev uetun; then
  ok "the gNB simulator (uplink TEID $N3_TEID, downlink $GNB_TEID) with the UE $UE behind it"
else
  notok "the gNB simulator: $(tail -3 "$DIR/gtpsim-gnb.log" 2>/dev/null | tr '\n' ' ')"; finish
fi

# ------------------------------------------------------------ 4. traffic
wait_ping ue 10.200.0.5 $PING_BOUND || true   # judged below
wait_ping ue 203.0.113.7 $PING_BOUND || true
ping_ck "UE <-> A's local DN 10.200.0.5 (broken out at A)" ue 10.200.0.5 20 63
ping_ck "UE <-> B's DN host 203.0.113.7 (A, N9 over the overlay, B, N6)" ue 203.0.113.7 20 63
# TCP both ways at once (iperf3 --bidir) from the UE to a DN host
tcp_both() { # NAME HOST
  local a=${IP[$2]} out up dn
  in_ns "$2" iperf3 -s -1 -B "$a" >"$DIR/iperf-srv-$2.log" 2>&1 &
  PIDS+=($!)
  listening tcp 5201 in_ns "$2"
  in_ns ue timeout $((TCP_SECONDS + 20)) iperf3 -c "$a" --bidir -t "$TCP_SECONDS" -J >"$DIR/iperf-$2.json" 2>&1
  read -r up dn < <("$PY" -c '
import json, sys
t = open(sys.argv[1]).read()
e = json.loads(t[t.index("{"):])["end"]
print(int(e["sum_received"]["bytes"]), int(e["sum_received_bidir_reverse"]["bytes"]))' "$DIR/iperf-$2.json" 2>/dev/null ||
    echo 0 0)
  if [ "${up:-0}" -ge $TCP_MIN_BYTES ] && [ "${dn:-0}" -ge $TCP_MIN_BYTES ]; then
    ok "$1: TCP both ways in $TCP_SECONDS s: up $up bytes ($((up * 8 / TCP_SECONDS / 1000000)) Mbit/s), down $dn bytes ($((dn * 8 / TCP_SECONDS / 1000000)) Mbit/s)"
  else
    notok "$1: TCP up ${up:-0}, down ${dn:-0} bytes (at least $TCP_MIN_BYTES each): $(tail -c 300 "$DIR/iperf-$2.json" | tr '\n' ' ')"
    evidence
  fi
}
tcp_both "UE <-> A's local DN (iperf3 --bidir)" dn
tcp_both "UE <-> B's DN host over N9 (iperf3 --bidir)" dnb

# ------------------------------------------------------ 5. usage at both
usage() { sx "$1" --json call upf.usage session="$2" 2>/dev/null | tr -d '\n'; echo; }
usage_both() { usage a "$SESS_A"; usage b "$SESS_B"; }
# nothing in flight (iperf3's last segments): two readings alike, 0.3 s apart
# shellcheck disable=SC2317  # through wait_for
settled() { local u; u=$(usage_both); sleep 0.3; [ "$u" = "$(usage_both)" ]; }
wait_for $SETTLE_BOUND settled || true
u0=$(usage_both)
in_ns ue ping -q -c $PINGS -i 0.02 -W 2 -s $((PSIZE - 28)) 10.200.0.5 >"$DIR/ping-usage.txt" 2>&1
in_ns ue ping -q -c $PINGS -i 0.02 -W 2 -s $((PSIZE - 28)) 203.0.113.7 >>"$DIR/ping-usage.txt" 2>&1
wait_for $SETTLE_BOUND settled || true
u1=$(usage_both)
got=$(printf '%s\n%s\n' "$u0" "$u1" | "$PY" -c '
import json, sys
l = [json.loads(x) for x in sys.stdin.read().split("\n") if x.strip()]
a0, b0, a1, b1 = l
def pick(u, d, frm):
    x = [t for t in u["terminations"] if t["direction"] == d and t["from"] == frm]
    return (x[0]["packets"], x[0]["bytes"]) if len(x) == 1 else (-1, -1)
out = []
for site, u0, u1, rows in (("A", a0, a1, (("uplink", "terminations_uplink"), ("downlink", "sessions_downlink"),
                                          ("uplink", "sessions_uplink"), ("downlink", "sessions_n9_downlink"))),
                           ("B", b0, b1, (("uplink", "sessions_uplink"), ("downlink", "sessions_downlink")))):
    for d, frm in rows:
        (p0, y0), (p1, y1) = pick(u0, d, frm), pick(u1, d, frm)
        out.append("%s:%s:%d/%d" % (site, frm, p1 - p0, y1 - y0))
print(" ".join(out))' 2>&1)
# each counter: the pings of its way, USAGE_LOSS_MAX lost at most, PSIZE bytes
# each; along the N9 chain none counts more than the hop before it
verdict=$(printf '%s' "$got" | "$PY" -c '
import sys
n, size, lossmax = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = {}
for x in sys.stdin.read().split():
    site, frm, v = x.split(":")
    p, b = (int(y) for y in v.split("/"))
    c[site + ":" + frm] = (p, b)
bad = [k for k, (p, b) in c.items() if not (n - lossmax <= p <= n and b == p * size)]
chain = [c.get(k, (-1, 0))[0] for k in ("A:sessions_uplink", "B:sessions_uplink", "B:sessions_downlink",
                                         "A:sessions_n9_downlink")]
if len(c) != 6 or bad or chain != sorted(chain, reverse=True):
    print("bad", ",".join(bad) or "chain %s" % chain)
else:
    print("ok")' $PINGS $PSIZE $USAGE_LOSS_MAX 2>&1)
if [ "$verdict" = ok ]; then
  ok "usage at both UPFs: $PINGS pings of $PSIZE bytes each way (at most $USAGE_LOSS_MAX lost): $got"
else
  notok "usage over $PINGS pings of $PSIZE bytes to each DN host: '$got' ($verdict; $(grep loss "$DIR/ping-usage.txt" | tr '\n' ' '))"
  evidence
fi

# --------------------------------------------- 6. path switch, end markers
ev() { # SITE EVENT: sxdp's counter
  sx "$1" --json stats 2>/dev/null | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["events"].get(sys.argv[1], 0))' "$2"
}
# shellcheck disable=SC2317  # through wait_for
ev_reached() { [ "$(ev "$1" "$2")" -ge "$3" ]; }   # SITE EVENT MIN
sim_stat() { # FIELD: the gNB simulator's count now (SIGUSR1: it writes its stats and goes on)
  rm -f "$DIR/stats-gnb.json"
  kill -USR1 "$SIM" 2>/dev/null
  wait_for 5 test -s "$DIR/stats-gnb.json" && jf "$1" <"$DIR/stats-gnb.json"
}
# shellcheck disable=SC2317  # through wait_for
sim_reached() { [ "$(sim_stat "$1")" -ge "$2" ] 2>/dev/null; }   # FIELD MIN
sent0=$(ev b upf.end_marker_sent) relayed0=$(ev a upf.end_marker_relayed) gem0=$(sim_stat end_marker)
# A: a second N9 F-TEID for the session (its downlink FAR, into the gNB's tunnel)
r=$(smf a n9_pdr up_seid="$UP_A" pdr=5 far=3 ue=$UE)
N9_TEID2=$(printf '%s' "$r" | jf fteids.5.0)
if [ "$(printf '%s' "$r" | jf cause)" = 1 ] && [ -n "$N9_TEID2" ] && [ "$N9_TEID2" != "$N9_TEID" ] &&
   [ "$(printf '%s' "$r" | jf fteids.5.1)" = $A_N9 ]; then
  ok "A: Modification, Create PDR 5 on a new N9 F-TEID $N9_TEID2 (chosen) to the gNB's FAR"
else
  notok "A's Modification (a new N9 F-TEID): $r"
fi
# B: its downlink to the new tunnel, an end marker into the old one (SNDEM)
r=$(smf b modify up_seid="$UP_B" cp_seid=$CP_B far=2 gnb=$A_N9 gnb_teid="${N9_TEID2:-0}" sndem=1)
bdl=$(sx b --json table show sessions_downlink --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%s:%s" % (e["action"], e["params"].get("teid")) for e in (d.get("entries", d) if isinstance(d, dict) else d)
               if e["match"]["ue"] == "10.45.0.1"))')
if [ "$(printf '%s' "$r" | jf cause)" = 1 ] && [ "$bdl" = "encap_n3:$((N9_TEID2))" ]; then
  ok "B: Modification, Update FAR 2 to A's N9 F-TEID $N9_TEID2 with SNDEM (cause 1; B's downlink entry $bdl)"
else
  notok "B's path switch Modification: '$r', B's downlink entry '$bdl'"
fi
wait_for $EV_BOUND ev_reached b upf.end_marker_sent $((sent0 + 1)) || true      # judged below
wait_for $EV_BOUND ev_reached a upf.end_marker_relayed $((relayed0 + 1)) || true
wait_for $EV_BOUND sim_reached end_marker $((gem0 + 1)) || true
sent=$(ev b upf.end_marker_sent) relayed=$(ev a upf.end_marker_relayed) gem=$(sim_stat end_marker)
if [ $((sent - sent0)) = 1 ] && [ $((relayed - relayed0)) = 1 ] && [ $((gem - gem0)) = 1 ]; then
  ok "end marker: B sent one into the old N9 tunnel (upf.end_marker_sent +1), A relayed it (upf.end_marker_relayed +1), the gNB got it on TEID $GNB_TEID"
else
  notok "end marker: B upf.end_marker_sent +$((sent - sent0)), A upf.end_marker_relayed +$((relayed - relayed0)), the gNB's end markers +$((gem - gem0)) (want 1 each)"
fi
# traffic on the new tunnel: A's N9 downlink entries, old and new, by their URRs
n9_counts() { # the packets A's N9 downlink entries counted: OLD NEW
  "$PY" - "$N9_TEID" "$N9_TEID2" "$(sx a --json table show sessions_n9_downlink --all 2>/dev/null | tr -d '\n')" \
    "$(usage a "$SESS_A")" <<'PYEOF'
import json, sys
old, new = int(sys.argv[1]), int(sys.argv[2])
d = json.loads(sys.argv[3]); d = d.get("entries", d) if isinstance(d, dict) else d
urr = {e["match"]["teid"]: e["params"].get("urr") for e in d}
u = {t["urr"]: t["packets"] for t in json.loads(sys.argv[4])["terminations"] if t["from"] == "sessions_n9_downlink"}
print(u.get(urr.get(old), -1), u.get(urr.get(new), -1))
PYEOF
}
read -r o0 n0 < <(n9_counts)
ping_ck "after the path switch: UE <-> B's DN host (B's downlink on A's new N9 tunnel)" ue 203.0.113.7 20 63
wait_for $SETTLE_BOUND settled || true
read -r o1 n1 < <(n9_counts)
if [ "$o0" -ge 0 ] && [ "$n0" -ge 0 ] && [ $((n1 - n0)) -ge $((20 - USAGE_LOSS_MAX)) ] && [ $((o1 - o0)) = 0 ]; then
  ok "A's downlink from B now comes on the new N9 TEID $N9_TEID2: +$((n1 - n0)) packets there, +0 on the old $N9_TEID"
else
  notok "A's N9 downlink after the switch: new TEID +$((n1 - n0)) (from $n0), old +$((o1 - o0)) (from $o0)"
fi
ping_ck "after the path switch: UE <-> A's local DN (breakout unchanged)" ue 10.200.0.5 10 63

# ------------------------------------------------------------ 7. deletion
final_a=$(usage a "$SESS_A") final_b=$(usage b "$SESS_B")
da=$(smf a delete up_seid="$UP_A") db=$(smf b delete up_seid="$UP_B")
if [ "$(printf '%s' "$da" | jf cause)" = 1 ] && [ "$(printf '%s' "$da" | jf seid)" = "$((CP_A))" ] &&
   [ "$(printf '%s' "$db" | jf cause)" = 1 ] && [ "$(printf '%s' "$db" | jf seid)" = "$((CP_B))" ]; then
  ok "Session Deletion at both UPFs: cause 1, each to the SMF's SEID"
else
  notok "deletion: A '$da' B '$db'"
fi
for s in a b; do
  snapshot $s >"$DIR/tables-$s-after.txt"
  if diff -q "$DIR/tables-$s-before.txt" "$DIR/tables-$s-after.txt" >/dev/null; then
    ok "sxdp ${s^^}'s UPF tables are as before the session ($(wc -l <"$DIR/tables-$s-after.txt") entries; $(wc -l <"$DIR/tables-$s-session.txt") with it)"
  else
    notok "sxdp ${s^^}'s UPF tables after the deletion differ from before the session:"
    diff "$DIR/tables-$s-before.txt" "$DIR/tables-$s-after.txt" | head -10 | sed 's/^/#   /'
  fi
done
# each Deletion Response's usage reports against its sxdp's counters just before
for s in a b; do
  if [ $s = a ]; then u=$final_a d=$da; else u=$final_b d=$db; fi
  cmp=$(printf '%s\n%s\n' "$u" "$d" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
u, i = dec.raw_decode(txt); d, _ = dec.raw_decode(txt[i:].strip())
ul = sum(x["bytes"] for x in u["terminations"] if x["direction"] == "uplink")
dl = sum(x["bytes"] for x in u["terminations"] if x["direction"] == "downlink")
rul = sum(r["uplink"] or 0 for r in d["usage"]); rdl = sum(r["downlink"] or 0 for r in d["usage"])
print("ok" if d["usage"] and (rul, rdl) == (ul, dl) and ul > 0 and dl > 0 else "bad",
      "%d reports: UL %d DL %d, sxdp UL %d DL %d" % (len(d["usage"]), rul, rdl, ul, dl))' 2>&1)
  case $cmp in
    ok*) ok "${s^^}'s Deletion Response usage reports match its sxdp's counters: ${cmp#ok }" ;;
    *) notok "${s^^}'s usage reports: ${cmp#bad }" ;;
  esac
done
if in_ns ue ping -c 3 -i 0.2 -W 1 10.200.0.5 >/dev/null 2>&1 || in_ns ue ping -c 3 -i 0.2 -W 1 203.0.113.7 >/dev/null 2>&1; then
  notok "the UE still reaches a DN host after the deletions"
else
  ok "the UE's pings fail after the deletions (A's DN and B's DN host)"
fi

# ------------------------------------------------------------------ 8. end
kill "$SIM" 2>/dev/null
wait "$SIM" 2>/dev/null
s=$(cat "$DIR/stats-gnb.json" 2>/dev/null)
if printf '%s' "$s" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["received"] >= 100 and s["end_marker"] == 1 and
         s["bad_teid"] + s["bad_psc"] + s["bad_qfi"] + s["malformed"] == 0 else 1)'; then
  ok "gNB simulator: every G-PDU from A had its TEID, DL container and QFI $QFI, one end marker: $s"
else
  notok "gNB simulator saw: ${s:-nothing} (want received >= 100, end_marker 1, nothing bad)"
fi
for s in a b; do
  if nl_stop_pid "${SXDP_PID[$s]}" "${PREFIX[$s]}" "sxdp $s"; then ok "sxdp ${s^^} stopped cleanly (SIGTERM)"
  else notok "sxdp ${s^^} did not stop cleanly"; fi
  SXDP_PID[$s]=""
done
finish
