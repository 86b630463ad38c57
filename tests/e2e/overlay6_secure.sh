#!/usr/bin/env bash
# e2e encrypted SD-WAN over an IPv6-only WAN: two sites, each sxdp and sxcd,
# over two WAN links that carry IPv6 alone, every path encrypted and keyed by
# the two sxcd: first ESP (SAs derived from their X25519 keys, encryption.
# nat_traversal), then, the same peers' intents changed, WireGuard (handshakes
# between them), then ESP keyed by the two sxcd's IKEv2 (keying ikev2: its
# pre-shared key derived from their X25519 keys, a fresh DH each Child SA).
# Link 2 runs through a NAT66 that site A sits behind.
#
#   netns ha 10.10.0.1 ── lan1 ┐ netns sa: sxdp A, sxcd A       netns u: bridge br1 (a1, b1)
#                             ├ wan1 2001:db8:1::1 ─────────── a1 ─ br1 ─ b1 ──────── wan1 2001:db8:1::2 ┐
#                             └ wan2 fd00:2::1 ─── in [netns n: NAT66] out ────── wan2 2001:db8:51::2 ┤ netns sb:
#                                 gw fd00:2::fe      fd00:2::/64 → 2001:db8:51::fe:40000-40999      │ sxdp B, sxcd B
#   netns hb 10.10.0.2 ── lan1 ───────────────────────────────────────────────────────────────────────┘
#
# No IPv4 on any WAN link (the sites' WAN links have address6 alone). B's
# intent names A's VTEP fd00:2::1 as path 2's far end, which B cannot reach
# until A's packets show where the NAT66 put it. Slice red (VNI 5000) on
# both LANs, failover isp1 then isp2; paths probed by sxdp's own probes,
# sealed like the traffic.
#
# Checks, for each cipher: both paths up at both sites (probes answered
# through the encryption); B's path 2 follows A behind the NAT66 (an IPv6
# address and port); ping across; on link 1 only ESP over IPv6 (next header
# 50) or WireGuard, on link 2 only UDP between the NAT and B (ESP in UDP
# 4500, or WireGuard), every UDP checksum verified by tshark (IPv6 has no
# zero one), no VXLAN, probe or ICMP in clear, no byte of a ping's pattern;
# link 1 cut under a 50/s stream: path 1 down at both sites, the stream on
# path 2 through the NAT66 (its loss bounded), and back when healed; no ICV,
# replay or malformed refusal at either end.
# Ends with "N passed, M failed"; 77 without netns/veth, nft or tshark.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=seclib.sh
. "$here/seclib.sh"

SXCD=$BUILD/sxcd
for t in nft tshark dumpcap; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (apt-get install nftables tshark)"; exit 77; }
done
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

P="os6$$"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
api() { local s=$1; shift; ip netns exec "$(nsn "s$s")" "$SXCTL" --api "http://127.0.0.1:8190" --token-file "$DIR/token" "$@"; }
# bounds (seconds) of the waits for events
START_BOUND=20 UP_BOUND=40 PING_BOUND=15 MOVE_BOUND=15
FAILOVER_LOSS_MAX=100 # pings of the 50/s stream lost while path 1 goes down: 10 probes of 100 ms to notice (50), doubled
HOST_MTU=1340         # the overlay's 1430 over IPv6 less ESP-in-UDP's at most 85 or WireGuard's 67, rounded down
A1=2001:db8:1::1 B1=2001:db8:1::2 A2=fd00:2::1 B2=2001:db8:51::2 NAT=2001:db8:51::fe
PIDS=()

DIR=$(mktemp -d /tmp/sxdp-e2e-osec6.XXXXXX)
KEEP=${OSEC6_KEEP:-}
trap sec_cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local n
  sec_topo_links || return 1
  in_ns n sysctl -qw net.ipv6.conf.all.forwarding=1
  ip -n "$(nsn n)" addr add fd00:2::fe/64 dev in nodad && ip -n "$(nsn n)" addr add "$NAT/64" dev out nodad
  ip -n "$(nsn n)" link set in up && ip -n "$(nsn n)" link set out up
  for n in in out; do in_ns n ethtool -K "$n" tx off >/dev/null 2>&1; done
  in_ns n nft -f - <<EOF || return 1
table ip6 nat {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "out" ip6 saddr fd00:2::/64 meta l4proto udp snat to [$NAT]:40000-40999 random
    oifname "out" ip6 saddr fd00:2::/64 snat to $NAT
  }
}
table ip6 filter {
  chain forward_nat {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "in" oifname "out" accept
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
  }
}
EOF
}
if ! topo; then notok "topology: two sites, a bridge for link 1, a NAT66 on link 2"; finish; fi
ok "topology: sites A and B over IPv6 alone, link 1 a bridge, link 2 through a NAT66 in front of A (nftables snat, ports 40000-40999)"

# ------------------------------------------------------------- sxdp, sxcd
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
SXCD_EXTRA=(--natt-keepalive 2)
if start_site a && start_site b; then ok "sxdp (AF_PACKET) and sxcd at both sites"
else notok "sxdp and sxcd start: $(tail -3 "$DIR"/sxcd-*.log | tr '\n' ' ')"; finish; fi
# site $1's intents for cipher $2 (ikev2: aes-gcm-128 keyed by IKEv2): its
# IPv6 WANs, the other site as an encrypted peer (its IPv6 VTEPs, its
# public key)
intents() { # a|b cipher pub
  "$PY" - "$1" "$2" "$3" "$A1" "$B1" "$A2" "$B2" "$NAT" <<'EOF'
import json, sys
me, cipher, pub, a1, b1, a2, b2, nat = sys.argv[1:9]
ike = cipher == "ikev2"
cipher = "aes-gcm-128" if ike else cipher
wan = {"a": [{"name": "isp1", "port": "wan1", "address6": a1 + "/64"},
             {"name": "isp2", "port": "wan2", "address6": a2 + "/64", "gateway6": "fd00:2::fe"}],
       "b": [{"name": "isp1", "port": "wan1", "address6": b1 + "/64"},
             {"name": "isp2", "port": "wan2", "address6": b2 + "/64", "gateway6": nat}]}
eps = {"a": [a1, a2], "b": [b1, b2]}
other = "b" if me == "a" else "a"
enc = {"cipher": cipher, "public_key": pub}
if cipher != "wireguard":
    enc["nat_traversal"] = True
if ike:
    # A starts: it is behind the NAT66, where B's first message cannot reach
    # (by the addresses' order, fd00:2::1 above 2001:db8:51::2, B would)
    enc.update(keying="ikev2", ike={"rekey_s": 10, "dpd_s": 5, "initiator": me == "a"})
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

# where site B's sxdp sends path 2 now: the endpoint of its SAs of cipher
# $1 of that VTEP (another cipher's, a phase before, came through another
# NAT mapping)
b_endpoint() { # cipher
  sx b raw overlay.sa.list 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
r = r.get("result", r) if isinstance(r, dict) else r
e = [s["endpoint"] for s in r if sys.argv[1] in (s["src"], s["dst"]) and s["cipher"] == sys.argv[2] and s.get("endpoint")]
print("[%s]:%s" % (e[-1]["address"], e[-1]["port"]) if e else "-")' "$B2" "$1"
}
b_follows() { case $(b_endpoint "$1") in "[$NAT]:4"[0-9][0-9][0-9][0-9]) return 0 ;; esac; return 1; }
ping_ok() { in_ns "$1" ping -c 3 -i 0.2 -W 1 -q "$2" >/dev/null 2>&1; }
# one cipher's run: keyed, up, across, on the wire, failover
phase() { # cipher
  local c=$1 svc=esp sac=$1 what pa pb oa ob f t0 lost pat sealed1 sealed2 clear other2 badck
  [ "$c" = wireguard ] && svc=wireguard
  [ "$c" = ikev2 ] && sac=aes-gcm-128   # its SAs' cipher
  pa=$(pub_of a $svc) pb=$(pub_of b $svc)
  if [ -z "$pa" ] || [ -z "$pb" ]; then notok "$c: no public keys"; return; fi
  intents a "$c" "$pb" >"$DIR/a-$c.json" && intents b "$c" "$pa" >"$DIR/b-$c.json"
  if oa=$(api a apply -f "$DIR/a-$c.json" 2>&1) && ob=$(api b apply -f "$DIR/b-$c.json" 2>&1); then
    ok "$c: intents applied at both sites (IPv6 endpoints, encryption.cipher $c)"
  else notok "$c: apply: ${oa:-} ${ob:-}"; return; fi
  if wait_path a $A1 up $UP_BOUND && wait_path b $B1 up $UP_BOUND &&
     wait_path a $A2 up $UP_BOUND && wait_path b $B2 up $UP_BOUND; then
    ok "$c: both IPv6 paths up at both sites, probes answered inside the encryption: RTT path 1 $(path_of a $A1 rtt_us)/$(path_of b $B1 rtt_us) us, path 2 (NAT66) $(path_of a $A2 rtt_us)/$(path_of b $B2 rtt_us) us"
  else
    notok "$c: paths up: A $(paths_brief a) B $(paths_brief b)"
    for s in a b; do echo "# $s drops: $(sx $s --json stats 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v))')"; done
    return
  fi
  if wait_for "$MOVE_BOUND" b_follows "$sac"; then
    ok "$c: B's path 2 follows A behind its NAT66: $(b_endpoint "$sac") (A's VTEP $A2 is unreachable)"
  else notok "$c: B's path 2 endpoint: $(b_endpoint "$sac")"; fi
  if wait_for $PING_BOUND ping_ok ha 10.10.0.2 && wait_for $PING_BOUND ping_ok hb 10.10.0.1; then ok "$c: ping across both ways"
  else notok "$c: ping across"; fi
  # the wire: link 1 and link 2 (n's out) recorded while pings with a random
  # pattern go over path 1, then, link 1 cut under a 50/s stream, path 2
  pat=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  capture u a1 "$DIR/l1-$c.pcapng"
  capture n out "$DIR/l2-$c.pcapng"
  in_ns ha ping -c 10 -i 0.05 -p "$pat" -q 10.10.0.2 >/dev/null 2>&1
  in_ns ha ping -i 0.02 -c 500 -W 1 10.10.0.2 >"$DIR/failover-$c.txt" 2>&1 &
  f=$!
  sleep 1
  ip -n "$(nsn u)" link set a1 nomaster
  t0=$SECONDS
  if wait_path a $A1 down $MOVE_BOUND && wait_path b $B1 down $MOVE_BOUND; then
    ok "$c: link 1 cut: path 1 down at both sites within $((SECONDS - t0)) s (path 2: A $(path_of a $A2 state), B $(path_of b $B2 state); B's endpoint $(b_endpoint "$sac"))"
  else notok "$c: link 1 cut: path 1 A $(path_of a $A1 state) B $(path_of b $B1 state)"; fi
  in_ns ha ping -c 10 -i 0.05 -p "$pat" -q 10.10.0.2 >/dev/null 2>&1
  ip -n "$(nsn u)" link set a1 master br1
  if wait_path a $A1 up $MOVE_BOUND && wait_path b $B1 up $MOVE_BOUND; then ok "$c: link 1 healed: path 1 up again at both sites"
  else notok "$c: link 1 healed: path 1 A $(path_of a $A1 state) B $(path_of b $B1 state)"; fi
  wait "$f"
  lost=$(awk '/packets transmitted/ {print $1 - $4}' "$DIR/failover-$c.txt")
  if [ -n "$lost" ] && [ "$lost" -le $FAILOVER_LOSS_MAX ]; then
    ok "$c: failover under a 50/s stream over IPv6: $(grep 'packets transmitted' "$DIR/failover-$c.txt"); $lost lost while path 1 went down (at most $FAILOVER_LOSS_MAX)"
  else
    notok "$c: failover stream: $(grep 'packets transmitted' "$DIR/failover-$c.txt")"
    echo "# A: $(sx a sa show 2>&1 | tr '\n' '|')"
    echo "# B: $(sx b sa show 2>&1 | tr '\n' '|')"
  fi
  sleep 1
  kill "${CAPS[@]}" 2>/dev/null; wait "${CAPS[@]}" 2>/dev/null
  if [ "$svc" = esp ]; then
    sealed1=$(tshark -r "$DIR/l1-$c.pcapng" -Y "esp && ipv6" 2>/dev/null | wc -l)
    sealed2=$(tshark -r "$DIR/l2-$c.pcapng" -Y "esp && udp.port == 4500 && ipv6" 2>/dev/null | wc -l)
    what="ESP on link 1, ESP in UDP 4500 on link 2"
  else
    sealed1=$(tshark -r "$DIR/l1-$c.pcapng" -Y "wg.type == 4 && ipv6" 2>/dev/null | wc -l)
    sealed2=$(tshark -r "$DIR/l2-$c.pcapng" -Y "wg.type == 4 && ipv6" 2>/dev/null | wc -l)
    what="WireGuard on both"
  fi
  clear=$(tshark -r "$DIR/l1-$c.pcapng" -Y "vxlan || icmp || icmpv6.type == 128 || udp.port == 3785" 2>/dev/null | wc -l)
  clear=$((clear + $(tshark -r "$DIR/l2-$c.pcapng" -Y "vxlan || icmp || icmpv6.type == 128 || udp.port == 3785" 2>/dev/null | wc -l)))
  other2=$(tshark -r "$DIR/l2-$c.pcapng" -Y "(ip || (ipv6 && !icmpv6)) && !(ipv6.addr == $NAT && ipv6.addr == $B2)" 2>/dev/null | wc -l)
  badck=$(tshark -r "$DIR/l2-$c.pcapng" -o udp.check_checksum:TRUE -Y "udp && (udp.checksum == 0 || udp.checksum.status != 1)" 2>/dev/null | wc -l)
  badck=$((badck + $(tshark -r "$DIR/l1-$c.pcapng" -o udp.check_checksum:TRUE -Y "udp && (udp.checksum == 0 || udp.checksum.status != 1)" 2>/dev/null | wc -l)))
  n=$(pattern_in "$pat" "$DIR/l1-$c.pcapng" "$DIR/l2-$c.pcapng")
  if [ "$sealed1" -gt 0 ] && [ "$sealed2" -gt 0 ] && [ "$clear" -eq 0 ] && [ "$n" -eq 0 ] && [ "$other2" -eq 0 ] &&
     [ "$badck" -eq 0 ]; then
    ok "$c: on the wire over IPv6: $sealed1 sealed frames on link 1, $sealed2 on link 2 ($what), every UDP checksum right, nothing clear, no ping pattern in any byte, nothing on link 2 but the NAT66 and B"
  else
    notok "$c: the wire: sealed $sealed1/$sealed2, clear $clear, pattern in $n, other on link 2 $other2, bad UDP checksums $badck"
  fi
  if [ "$c" = aes-gcm-128 ]; then
    n=$(drop_n b overlay.natt_keepalive)
    if [ "$n" -gt 0 ]; then ok "$c: NAT keepalives over IPv6 from A reach B through the NAT66 ($n)"
    else notok "$c: no NAT keepalive at B"; fi
  fi
}

for c in ${OSEC6_CIPHERS:-aes-gcm-128 wireguard ikev2}; do phase "$c"; done

bad=""
for s in a b; do
  for r in esp_auth esp_replay esp_malformed wg_auth wg_replay wg_malformed outer_cksum; do
    n=$(drop_n "$s" "overlay.$r"); [ "$n" = 0 ] || bad+=" $s:$r=$n"
  done
done
if [ -z "$bad" ]; then ok "no ICV, replay, malformed or checksum refusal at either end"
else notok "refusals:$bad"; fi
echo "# A: $(sx a sa show 2>&1 | head -8 | tr '\n' '|')"
echo "# B: $(sx b sa show 2>&1 | head -8 | tr '\n' '|')"
finish
