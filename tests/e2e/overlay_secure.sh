#!/usr/bin/env bash
# e2e encrypted SD-WAN, box to box: two sites, each sxdp and sxcd, over two
# WAN links, every path encrypted and keyed by the two sxcd alone (ESP SAs
# derived from their X25519 keys, or WireGuard handshakes between them:
# OSEC_CIPHER, aes-gcm-128 by default, or wireguard; ESP with OSEC_KEYING=ikev2: negotiated by
# the two sxcd's IKEv2, forward secret); link 2 runs through
# a NAT that site A sits behind (encryption.nat_traversal).
#
#   netns ha 10.10.0.1 ── lan1 ┐ netns sa: sxdp A, sxcd A     netns u: bridge br1 (a1, b1)
#                              ├ wan1 192.0.2.1/24 ────────── a1 ─ br1 ─ b1 ───── wan1 192.0.2.2/24 ┐
#                              └ wan2 10.0.2.1/24 ─── in [netns n: NAT] out ──── wan2 198.51.100.2/24 ┤ netns sb:
#                                  gw 10.0.2.254       10.0.2.254 → 198.51.100.254:40000-40999        │ sxdp B, sxcd B
#   netns hb 10.10.0.2 ── lan1 ─────────────────────────────────────────────────────────────────────┘
#
# The NAT (nftables in n) maps A's 10.0.2.1 to 198.51.100.254 and a port of
# 40000-40999 (random), and lets nothing in that A did not start: B's
# intent names A's VTEP 10.0.2.1 as the path's far end, which B cannot
# reach until A's packets show B where the NAT put it. Slice red (VNI
# 5000) on both LANs, failover isp1 then isp2; paths probed by sxdp's
# own probes (sealed like the traffic, turned around by the far sxdp).
#
# Checks: both paths up at both sites, their RTT measured by probes inside
# the encryption; B's path 2 follows A to the NAT's address and port;
# ping and TCP across; on link 2 (a capture on n's out) only UDP between
# the NAT and B (ESP in UDP 4500, or WireGuard, by tshark), none of a
# ping's random pattern in any byte, and on link 1 only ESP or WireGuard;
# rekeys (sxcd every few seconds) under a 50 ping/s stream lose none, and
# so does a rekey now (both intents' encryption.generation changed);
# link 1 cut: path 1 goes down at both sites, traffic moves to path 2
# through the NAT (the stream's loss while it moved printed, bounded), and
# back when link 1 is healed; ESP: NAT keepalives reach B (overlay.
# natt_keepalive); no auth or replay refusals at either end.
# Ends with "N passed, M failed"; 77 without netns/veth, nft, tshark or iperf3.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=seclib.sh
. "$here/seclib.sh"

SXCD=$BUILD/sxcd
for t in nft tshark dumpcap iperf3; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (apt-get install nftables tshark iperf3)"; exit 77; }
done
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

CIPHER=${OSEC_CIPHER:-aes-gcm-128}
case $CIPHER in aes-gcm-128|aes-gcm-256) SVC=esp ;; wireguard) SVC=wireguard ;; *) notok "OSEC_CIPHER $CIPHER"; finish ;; esac
# OSEC_KEYING=ikev2 (ESP): the SAs negotiated by the two sxcd's IKEv2 (a fresh DH each: forward
# secrecy), its pre-shared key derived from their X25519 keys; derived (the default): the SAs derived
KEYING=${OSEC_KEYING:-derived}
PUBSVC=$SVC   # whose public key the other site's intent names
case $KEYING in derived) ;; ikev2) [ "$SVC" = esp ] || { notok "OSEC_KEYING ikev2 is ESP's"; finish; }; SVC=ike ;;
  *) notok "OSEC_KEYING $KEYING"; finish ;; esac
TAG=$$
P="osc$TAG"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
api() { local s=$1; shift; ip netns exec "$(nsn "s$s")" "$SXCTL" --api "http://127.0.0.1:8190" --token-file "$DIR/token" "$@"; }
# bounds (seconds) of the waits for events
START_BOUND=20 UP_BOUND=40 PING_BOUND=15 MOVE_BOUND=15
REKEY_S=${OSEC_REKEY_S:-3}   # sxcd's rekey period here (an hour and two minutes as shipped)
IKE_REKEY_S=10               # keying ikev2: encryption.ike.rekey_s (its least; an hour as shipped)
# OSEC_REKEYS=N: the benchmark bench/rekey_esp.sh runs instead of the checks
# after the pings: N renewals under a 100 packet/s ping stream, its loss and
# RTT percentiles printed
STREAM_S=${OSEC_STREAM_S:-9}   # the ping stream through the rekeys: two or more (three periods)
[ "$KEYING" = ikev2 ] && STREAM_S=${OSEC_STREAM_S:-25}
FAILOVER_LOSS_MAX=100 # pings of the 50/s stream lost while path 1 goes down: 10 probes of 100 ms to notice (50), doubled
HOST_MTU=1360        # the overlay's 1450 less ESP-in-UDP's at most 65 or WireGuard's 47, rounded down
PIDS=()

DIR=$(mktemp -d /tmp/sxdp-e2e-osec.XXXXXX)
KEEP=${OSEC_KEEP:-}
trap sec_cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local n
  sec_topo_links v4 || return 1
  ip -n "$(nsn n)" addr add 10.0.2.254/24 dev in && ip -n "$(nsn n)" addr add 198.51.100.254/24 dev out
  ip -n "$(nsn n)" link set in up && ip -n "$(nsn n)" link set out up
  for n in in out; do in_ns n ethtool -K "$n" tx off >/dev/null 2>&1; done
  in_ns n sysctl -qw net.ipv4.ip_forward=1
  in_ns n nft -f - <<'EOF' || return 1
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "out" ip saddr 10.0.2.0/24 meta l4proto udp snat to 198.51.100.254:40000-40999 random
    oifname "out" ip saddr 10.0.2.0/24 snat to 198.51.100.254
  }
}
table ip filter {
  chain forward_nat {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "in" oifname "out" accept
  }
}
EOF
}
if ! topo; then notok "topology: two sites, a bridge for link 1, a NAT on link 2"; finish; fi
ok "topology: sites A and B, link 1 a bridge, link 2 through a NAT in front of A (nftables snat, ports 40000-40999)"

# ------------------------------------------------------------- sxdp, sxcd
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
SXCD_EXTRA=(--esp-rekey "$REKEY_S" --wg-rekey "$REKEY_S" --natt-keepalive 2)
if start_site a && start_site b; then ok "sxdp (AF_PACKET) and sxcd (a local store, rekeys every $REKEY_S s) at both sites"
else notok "sxdp and sxcd start: $(tail -3 "$DIR"/sxcd-*.log | tr '\n' ' ')"; finish; fi
PUB_A=$(pub_of a "$PUBSVC") PUB_B=$(pub_of b "$PUBSVC")
[ -n "$PUB_A" ] && [ -n "$PUB_B" ] && ok "each sxcd shows its public key only (services.$PUBSVC)" || { notok "no public keys"; finish; }

# site $1's intents: its WANs, the other site as a peer (its VTEPs, its key)
intents() { # a|b [generation]
  "$PY" - "$1" "$CIPHER" "$PUB_A" "$PUB_B" "${2:-0}" "$KEYING" "$IKE_REKEY_S" <<'EOF'
import json, sys
me, cipher, pub_a, pub_b, gen, keying, ike_rekey = sys.argv[1:8]
enc = {"cipher": cipher, "public_key": pub_b if me == "a" else pub_a, "nat_traversal": True, "generation": int(gen)}
if keying == "ikev2":
    enc.update(keying="ikev2", ike={"rekey_s": int(ike_rekey), "dpd_s": 5})
wan = {"a": [{"name": "isp1", "port": "wan1", "address": "192.0.2.1/24"},
             {"name": "isp2", "port": "wan2", "address": "10.0.2.1/24", "gateway": "10.0.2.254"}],
       "b": [{"name": "isp1", "port": "wan1", "address": "192.0.2.2/24"},
             {"name": "isp2", "port": "wan2", "address": "198.51.100.2/24", "gateway": "198.51.100.254"}]}
eps = {"a": ["192.0.2.1", "10.0.2.1"], "b": ["192.0.2.2", "198.51.100.2"]}
other = "b" if me == "a" else "a"
print(json.dumps({"items": [
    {"kind": "site", "spec": {"id": 1 if me == "a" else 2, "lan": [{"port": "lan1"}], "wan": wan[me]}},
    {"kind": "peers", "metadata": {"name": "site" + other}, "spec": {
        "id": 2 if me == "a" else 1,
        "endpoints": [{"address": eps[other][0], "wan": "isp1"}, {"address": eps[other][1], "wan": "isp2"}],
        "probe": {"how": "sxdp", "interval_ms": 100, "down_after": 10, "up_after": 3},
        "encryption": enc}},
    {"kind": "slices", "metadata": {"name": "red"}, "spec": {
        "id": 1, "vni": 5000, "members": [{"port": "lan1"}], "subnets": ["10.10.0.0/24"],
        "path_policy": {"mode": "failover", "wans": ["isp1", "isp2"]}}}]}))
EOF
}
intents a >"$DIR/a.json" && intents b >"$DIR/b.json"
if oa=$(api a apply -f "$DIR/a.json" 2>&1) && ob=$(api b apply -f "$DIR/b.json" 2>&1); then
  ok "intents applied at both sites: peer with encryption {cipher $CIPHER, keying $KEYING, nat_traversal}, slice red failover isp1, isp2"
else
  notok "apply: ${oa:-} ${ob:-}"; finish
fi

if wait_path a 192.0.2.1 up $UP_BOUND && wait_path b 192.0.2.2 up $UP_BOUND &&
   wait_path a 10.0.2.1 up $UP_BOUND && wait_path b 198.51.100.2 up $UP_BOUND; then
  ok "both paths up at both sites, measured inside the encryption: RTT path 1 $(path_of a 192.0.2.1 rtt_us)/$(path_of b 192.0.2.2 rtt_us) us, path 2 (NAT) $(path_of a 10.0.2.1 rtt_us)/$(path_of b 198.51.100.2 rtt_us) us, jitter $(path_of a 10.0.2.1 jitter_us) us, loss $(path_of a 10.0.2.1 loss_pm) per mille"
else
  notok "paths up: A $(paths_brief a) B $(paths_brief b)"
  for s in a b; do echo "# $s drops: $(sx $s --json stats 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v))')"; done
  for s in a b; do echo "# $s: $(api $s --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["services"][sys.argv[1]])[:1500])' "$SVC")"; done
  finish
fi
[ "$(path_of a 10.0.2.1 rtt_us)" -gt 0 ] 2>/dev/null && [ "$(path_of b 198.51.100.2 rtt_us)" -gt 0 ] 2>/dev/null &&
  ok "path 2's SLA figures are probes' answered through the NAT and the encryption (RTT > 0 at both ends)" ||
  notok "path 2 RTT: A $(path_of a 10.0.2.1 rtt_us) B $(path_of b 198.51.100.2 rtt_us)"

# where site B's sxdp sends path 2 now: the endpoint of its SAs (in or out)
b_endpoint() {
  sx b raw overlay.sa.list 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
r = r.get("result", r) if isinstance(r, dict) else r
e = [s["endpoint"] for s in r if s["src"] == "198.51.100.2" or s["dst"] == "198.51.100.2" if s.get("endpoint")]
print("%s:%s" % (e[-1]["address"], e[-1]["port"]) if e else "-")'
}
ep=$(b_endpoint)
case $ep in 198.51.100.254:4[0-9][0-9][0-9][0-9]) ok "B's path 2 follows A behind its NAT: $ep (A's VTEP 10.0.2.1 is unreachable)" ;;
  *) notok "B's path 2 endpoint: $ep" ;; esac

ping_ok() { in_ns "$1" ping -c 3 -i 0.2 -W 1 -q "$2" >/dev/null 2>&1; }
wait_ping() { local end=$((SECONDS + PING_BOUND)); while [ $SECONDS -le "$end" ]; do ping_ok "$@" && return 0; sleep 0.2; done; return 1; }
if wait_ping ha 10.10.0.2 && wait_ping hb 10.10.0.1; then ok "ping across both ways (path 1)"
else notok "ping across"; fi
in_ns hb iperf3 -s -1 -D --logfile "$DIR/iperf.log" >/dev/null 2>&1
listening tcp 5201 in_ns hb
if mbit=$(in_ns ha iperf3 -c 10.10.0.2 -t "$TCP_SECONDS" -J 2>/dev/null | "$PY" -c '
import json, sys
print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))') && [ "${mbit:-0}" -gt 0 ]; then
  ok "TCP across: $mbit Mbit/s"
else notok "TCP across"; fi

rekeys_of() { # site
  api "$1" --json status 2>/dev/null | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["services"][sys.argv[1]]
print(s["handshakes"] if sys.argv[1] == "wireguard" else s["rekeys"])' "$SVC"
}
if [ -n "${OSEC_REKEYS:-}" ]; then
  r0=$(rekeys_of a)
  n=$((OSEC_REKEYS * REKEY_S * 100))
  in_ns ha ping -c "$n" -i 0.01 -W 2 10.10.0.2 >"$DIR/rekey-ping.txt" 2>&1
  r1=$(rekeys_of a)
  "$PY" "$here/pingstats.py" "$DIR/rekey-ping.txt" "$n" "$((r1 - r0))" "$REKEY_S" "sxcd $CIPHER box to box"
  finish
fi

# ------------------------------------------------------------- the wire
# link 1 and link 2 (n's out) captured while pings carrying a random
# pattern go over path 1, then path 2 (link 1 detached from the bridge)
PAT=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
capture u a1 "$DIR/l1.pcapng"
capture n out "$DIR/l2.pcapng"
T_REC0=$(date +%s)
in_ns ha ping -c 10 -i 0.05 -p "$PAT" -q 10.10.0.2 >/dev/null 2>&1
# ------------------------------------------------------------- failover
# a 50/s stream while link 1 is cut, then healed
in_ns ha ping -i 0.02 -c 750 -W 1 10.10.0.2 >"$DIR/failover.txt" 2>&1 &
fpid=$!
sleep 2
ip -n "$(nsn u)" link set a1 nomaster
t0=$SECONDS
if wait_path a 192.0.2.1 down $MOVE_BOUND && wait_path b 192.0.2.2 down $MOVE_BOUND; then
  ok "link 1 cut: path 1 down at both sites within $((SECONDS - t0)) s (path 2: A $(path_of a 10.0.2.1 state), B $(path_of b 198.51.100.2 state))"
else notok "link 1 cut: path 1 A $(path_of a 192.0.2.1 state) B $(path_of b 192.0.2.2 state)"; fi
in_ns ha ping -c 10 -i 0.05 -p "$PAT" -q 10.10.0.2 >/dev/null 2>&1
sleep 3
ip -n "$(nsn u)" link set a1 master br1
if wait_path a 192.0.2.1 up $MOVE_BOUND && wait_path b 192.0.2.2 up $MOVE_BOUND; then ok "link 1 healed: path 1 up again at both sites"
else notok "link 1 healed: path 1 A $(path_of a 192.0.2.1 state) B $(path_of b 192.0.2.2 state)"; fi
wait "$fpid"
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$DIR/failover.txt")
if [ -n "$lost" ] && [ "$lost" -le $FAILOVER_LOSS_MAX ]; then
  ok "failover under a 50/s stream: $(grep 'packets transmitted' "$DIR/failover.txt"); $lost lost while path 1 went down (at most $FAILOVER_LOSS_MAX), none after"
else notok "failover stream: $(grep 'packets transmitted' "$DIR/failover.txt")"; fi
sleep 1
# the files whole: dumpcap ends them at SIGTERM
kill "${CAPS[@]}" 2>/dev/null; wait "${CAPS[@]}" 2>/dev/null
wire() { # file: "udp-ports proto-summary pattern-frames"
  tshark -r "$1" -T fields -e frame.protocols -e udp.srcport -e udp.dstport -e ip.src 2>/dev/null |
    sort | uniq -c | sort -rn | head -8 | tr '\t\n' ' ,'
}
clear1=$(tshark -r "$DIR/l1.pcapng" -Y "vxlan || icmp || (udp.port == 3785)" 2>/dev/null | wc -l)
clear2=$(tshark -r "$DIR/l2.pcapng" -Y "vxlan || icmp || (udp.port == 3785)" 2>/dev/null | wc -l)
pat=$(pattern_in "$PAT" "$DIR/l1.pcapng" "$DIR/l2.pcapng")
if [ "$SVC" != wireguard ]; then
  sealed1=$(tshark -r "$DIR/l1.pcapng" -Y "esp" 2>/dev/null | wc -l)
  sealed2=$(tshark -r "$DIR/l2.pcapng" -Y "esp && udp.port == 4500" 2>/dev/null | wc -l)
else
  sealed1=$(tshark -r "$DIR/l1.pcapng" -Y "wg.type == 4" 2>/dev/null | wc -l)
  sealed2=$(tshark -r "$DIR/l2.pcapng" -Y "wg.type == 4" 2>/dev/null | wc -l)
fi
other2=$(tshark -r "$DIR/l2.pcapng" -Y "ip && !(ip.src == 198.51.100.254 && ip.dst == 198.51.100.2) && !(ip.src == 198.51.100.2 && ip.dst == 198.51.100.254)" 2>/dev/null | wc -l)
natport=$(tshark -r "$DIR/l2.pcapng" -Y "ip.src == 198.51.100.254 && udp" -T fields -e udp.srcport 2>/dev/null | sort -u | tr '\n' ' ')
if [ "$sealed1" -gt 0 ] && [ "$sealed2" -gt 0 ] && [ "$clear1" -eq 0 ] && [ "$clear2" -eq 0 ] && [ "$pat" -eq 0 ] &&
   [ "$other2" -eq 0 ]; then
  ok "on the wire: $sealed1 sealed frames on link 1, $sealed2 on link 2 ($([ $SVC != wireguard ] && echo 'ESP in UDP 4500' || echo WireGuard), from the NAT's port $natport), no VXLAN, ICMP or probe in clear, no ping pattern in any byte, nothing on link 2 but the NAT and B"
else
  notok "the wire: sealed $sealed1/$sealed2, clear $clear1/$clear2, pattern in $pat, other on link 2 $other2; link 1: $(wire "$DIR/l1.pcapng") link 2: $(wire "$DIR/l2.pcapng")"
fi

# ------------------------------------------------------------- a stolen key
# A's esp.key stolen after the recording (both links): the thief computes all
# it gives (tests/e2e/esp_thief.py) and tries it on every sealed frame. Derived
# keying: the recording opens, the ping pattern in it (no forward secrecy);
# keying ikev2: nothing opens (each SA's keys came from an ephemeral DH), the
# key only lets the thief pose as A (the PSK it derives) until A's key is replaced.
if [ "$SVC" != wireguard ]; then
  th=$("$PY" "$here/esp_thief.py" --key "$DIR/store-a/esp.key" --peer-pub "$PUB_B" --vteps 192.0.2.1,192.0.2.2 \
    --vteps 10.0.2.1,198.51.100.2 --rekey-s "$REKEY_S" --from "$T_REC0" --to "$(date +%s)" --pattern "$PAT" \
    "$DIR/l1.pcapng" "$DIR/l2.pcapng" 2>&1 | tail -1)
  opened=$(echo "$th" | "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["opened"], d["esp"], d["pattern"])' 2>/dev/null)
  read -r o n found <<<"${opened:-x x x}"
  if [ "$KEYING" = derived ] && [ "$o" != x ] && [ "$o" -gt 0 ] && [ "$found" = True ]; then
    ok "a stolen esp.key opens the derived keying's recording: $o of $n sealed frames, the ping pattern in them (no forward secrecy: $th)"
  elif [ "$KEYING" = ikev2 ] && [ "$o" = 0 ] && [ "$n" -gt 0 ]; then
    ok "a stolen esp.key opens nothing of keying ikev2's recording: 0 of $n sealed frames (forward secrecy: $th)"
  else
    notok "the thief: $th"
  fi
fi

# ------------------------------------------------------------- rekeys
# a stream's lost pings (ping FILE COUNT): their icmp_seq, and what both
# boxes dropped by reason (which rekey, which end, why)
lost_what() {
  "$PY" - "$1" "$2" <<'PYEOF'
import re, sys
got = {int(m) for m in re.findall(r"icmp_seq=(\d+)", open(sys.argv[1]).read())}
print("lost icmp_seq %s" % sorted(set(range(1, int(sys.argv[2]) + 1)) - got)[:20], end="")
PYEOF
  for s in a b; do
    echo -n "; $s drops: $(sx "$s" --json stats 2>/dev/null | "$PY" -c 'import json,sys; print({k: v for k, v in json.load(sys.stdin)["drops"].items() if v})')"
  done
}
r0=$(rekeys_of a)
in_ns ha ping -i 0.02 -c $((STREAM_S * 50)) -W 2 10.10.0.2 >"$DIR/rekey.txt" 2>&1
r1=$(rekeys_of a)
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$DIR/rekey.txt")
if [ "$((r1 - r0))" -ge 2 ] && [ "${lost:-1}" -eq 0 ]; then
  ok "$((r1 - r0)) rekeys at A under a $((STREAM_S * 50))-ping stream (50/s): $(grep 'packets transmitted' "$DIR/rekey.txt")"
else
  notok "rekeys under a stream: $((r1 - r0)) rekeys, $(grep 'packets transmitted' "$DIR/rekey.txt"); $(lost_what "$DIR/rekey.txt" $((STREAM_S * 50)))"
fi
# an operator's rekey now: both sites' intents given generation 1 mid-stream
now_of() { api "$1" --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][sys.argv[1]]["rekeys_now"])' "$SVC"; }
in_ns ha ping -i 0.02 -c 500 -W 2 10.10.0.2 >"$DIR/rekey-now.txt" 2>&1 &
spid=$!
sleep 2
intents a 1 >"$DIR/a1.json" && intents b 1 >"$DIR/b1.json"
# each apply said what it did (kept: a failure below shows it)
api b apply -f "$DIR/b1.json" >"$DIR/apply-b1.txt" 2>&1; rb=$?
api a apply -f "$DIR/a1.json" >"$DIR/apply-a1.txt" 2>&1; ra=$?
wait "$spid"
lost=$(awk '/packets transmitted/ {print $1 - $4}' "$DIR/rekey-now.txt")
if [ "$(now_of a)" -ge 1 ] && [ "$(now_of b)" -ge 1 ] && [ "${lost:-1}" -eq 0 ]; then
  ok "a rekey now (encryption.generation 1 at both sites) under a 500-ping stream: $(grep 'packets transmitted' "$DIR/rekey-now.txt")"
else
  notok "a rekey now: rekeys_now A $(now_of a) B $(now_of b), $(grep 'packets transmitted' "$DIR/rekey-now.txt"); $(lost_what "$DIR/rekey-now.txt" 500); apply B (exit $rb): $(tr '\n' ' ' <"$DIR/apply-b1.txt" | head -c 300); apply A (exit $ra): $(tr '\n' ' ' <"$DIR/apply-a1.txt" | head -c 300)"
fi

# ------------------------------------------------------------- the box's key rotated
# ESP: A's key rotated (POST /api/v1/services/esp/rotate) under a 50/s ping
# stream, then B's intent given A's new public key: nothing lost. Derived
# keying: A takes B's SAs of either key, seals with the old one's until B
# is seen on the new, then moves, and the old key retires by itself; keying
# ikev2: the IKE SAs in use go on (their PSK only authenticated them), a
# new one is taken with either PSK, and the old key is retired when asked.
if [ "$SVC" != wireguard ]; then
  in_ns ha ping -i 0.02 -c 600 -W 2 10.10.0.2 >"$DIR/rotate.txt" 2>&1 &
  spid=$!
  sleep 2
  rot=$(api a service esp rotate 2>&1)
  new_a=$(printf '%s' "$rot" | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read()).get("public_key", ""))' 2>/dev/null)
  if [ -n "$new_a" ] && [ "$new_a" != "$PUB_A" ]; then
    PUB_A=$new_a
    intents b 1 >"$DIR/b2.json" && api b apply -f "$DIR/b2.json" >/dev/null 2>&1
  fi
  wait "$spid"
  lost=$(awk '/packets transmitted/ {print $1 - $4}' "$DIR/rotate.txt")
  rotated() { api a --json status 2>/dev/null | "$PY" -c 'import json,sys; sys.exit(1 if "rotation" in json.load(sys.stdin)["services"]["esp"] else 0)'; }
  if [ "$KEYING" = derived ]; then
    wait_for "$UP_BOUND" rotated
    retired=$(rotated && echo "retired by itself (B seen on the new key)" || echo "not yet")
  else
    retired=$(api a service esp retire >/dev/null 2>&1 && rotated && echo "retired when asked" || echo "retire refused")
  fi
  if [ -n "$new_a" ] && [ "${lost:-1}" -eq 0 ] && [ "$retired" != "not yet" ] && [ "$retired" != "retire refused" ]; then
    ok "A's key rotated under a 600-ping stream, B told its new public key: $(grep 'packets transmitted' "$DIR/rotate.txt"); the old key $retired"
  else
    notok "A's key rotated: answer '$(printf '%s' "$rot" | head -c 200)', $(grep 'packets transmitted' "$DIR/rotate.txt"), old key: $retired; $(lost_what "$DIR/rotate.txt" 600)"
  fi
fi

# ------------------------------------------------------------- a restart that keeps the keys
# site A's sxdp restarted by a new one taking over (sxdp --takeover) under a
# 200/s stream, link 1 captured: the new sxdp holds every SA the old one
# did (keys, numbers, windows: pipelines/overlay/datapath/ov_handover.c),
# A's sxcd adopts them all (ESP: none made again; WireGuard: every session
# goes on, no handshake for it), no SA's number leaves A twice, B refuses
# nothing (the refusals below); the stream's longest silence is printed.
TAKEOVER_GAP_MAX=1500   # ms: the hand-over's own, 0.1-0.3 s here, x5 for a busy machine
capture u a1 "$DIR/to.pcapng"
conn0=$(grep -c "$SVC: sxdp (re)connected" "$DIR/sxcd-a.log")
in_ns ha ping -i 0.005 -c 800 -W 1 -D 10.10.0.2 >"$DIR/takeover.txt" 2>&1 &
tpid=$!
sleep 1
ip netns exec "$(nsn sa)" "$SXDP" --config "$DIR/sxdp-a.json" --socket "$DIR/a.sock" --takeover \
  >"$DIR/sxdp-a2.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 $((START_BOUND * 10))); do
  ! kill -0 "$SXDP_PID_a" 2>/dev/null && grep -q "ready: control socket" "$DIR/sxdp-a2.log" &&
    [ "$(grep -c "$SVC: sxdp (re)connected" "$DIR/sxcd-a.log")" -gt "$conn0" ] && break
  sleep 0.1
done
wait "$tpid"
kill "${CAPS[-1]}" 2>/dev/null; wait "${CAPS[-1]}" 2>/dev/null
gap=$("$PY" - "$DIR/takeover.txt" <<'PYEOF'
import re, sys
t = [float(m.group(1)) for m in (re.match(r"\[(\d+\.\d+)\] \d+ bytes from", l) for l in open(sys.argv[1])) if m]
print(int((max((b - a for a, b in zip(t, t[1:])), default=99) - 0.005) * 1000))
PYEOF
)
taken=$(grep -ao "takeover: [0-9]* of [0-9]* SAs taken over" "$DIR/sxdp-a2.log")
adopted=$(grep -a "$SVC: sxdp (re)connected" "$DIR/sxcd-a.log" | tail -1 | sed 's/.*: \(sxdp\)/\1/')
if [ "$SVC" = esp ]; then
  nums=$(tshark -r "$DIR/to.pcapng" -Y "esp && ip.src == 192.0.2.1" -T fields -e esp.spi -e esp.sequence 2>/dev/null)
  held_ok=$(echo "$adopted" | awk '{n = $4} END {print (n > 0) ? 1 : 0}')
elif [ "$SVC" = ike ]; then
  # "sxdp (re)connected: N Child SAs it holds go on, L lost ..."
  nums=$(tshark -r "$DIR/to.pcapng" -Y "esp && ip.src == 192.0.2.1" -T fields -e esp.spi -e esp.sequence 2>/dev/null)
  held_ok=$(echo "$adopted" | awk '{n = $3; l = $10} END {print (n > 0 && l == 0) ? 1 : 0}')
else
  nums=$(tshark -r "$DIR/to.pcapng" -Y "wg.type == 4 && ip.src == 192.0.2.1" -T fields -e wg.receiver -e wg.counter 2>/dev/null)
  held_ok=$(echo "$adopted" | awk '{n = $3; l = $9} END {print (n > 0 && l == 0) ? 1 : 0}')
fi
twice=$(echo "$nums" | sort | uniq -d | grep -c .)
if ! kill -0 "$SXDP_PID_a" 2>/dev/null && [[ $taken =~ takeover:\ ([0-9]+)\ of\ ([0-9]+) ]] &&
   [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "$held_ok" = 1 ] &&
   [ "$(echo "$nums" | grep -c .)" -gt 0 ] && [ "$twice" -eq 0 ] && [ "${gap:-99999}" -le $TAKEOVER_GAP_MAX ]; then
  ok "sxdp at A taken over under a 200/s stream: ${taken#takeover: }, sxcd: $adopted; $(echo "$nums" | grep -c .) sealed frames from A on link 1, no number twice; the stream's longest silence $gap ms (at most $TAKEOVER_GAP_MAX)"
else
  notok "takeover at A: old sxdp $(kill -0 "$SXDP_PID_a" 2>/dev/null && echo running || echo gone), '$taken', sxcd '$adopted', numbers twice $twice of $(echo "$nums" | grep -c .), longest silence ${gap:-?} ms; $(grep -a "takeover" "$DIR/sxdp-a2.log" | tail -4 | tr '\n' '|')"
fi
echo "# takeover_gap_ms $CIPHER $gap"

# ------------------------------------------------------------- refusals, keepalives
bad=""
for s in a b; do
  for r in esp_auth esp_replay esp_malformed wg_auth wg_replay wg_malformed; do
    n=$(drop_n "$s" "overlay.$r"); [ "$n" = 0 ] || bad+=" $s:$r=$n"
  done
done
[ -z "$bad" ] && ok "no ICV, replay or malformed refusal at either end" || notok "refusals:$bad"
if [ "$SVC" != wireguard ]; then
  ka=$(drop_n b overlay.natt_keepalive)
  [ "$ka" -gt 0 ] && ok "NAT keepalives from A reach B through the NAT ($ka; A sent $(api a --json status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][sys.argv[1]]["nat_keepalives"])' "$SVC"))" ||
    notok "no NAT keepalive at B"
fi
echo "# A: $(sx a sa show 2>&1 | head -12 | tr '\n' '|')"
echo "# B: $(sx b sa show 2>&1 | head -12 | tr '\n' '|')"
finish
