#!/usr/bin/env bash
# e2e overlay over WireGuard, against a real peer: site A is sxdp and sxcd
# (the handshake in sxcd, the data in sxdp); site B is Debian's wireguard-go
# and wireguard-tools on a TUN, with the kernel's VXLAN routed through it.
#
#   netns h 10.10.0.1 ── eth0 ── lan1 ┐ netns s: sxdp + sxcd          netns w: the peer
#                                     │  slice red (VNI 5000)         wg0 (wireguard-go), fwmark 0x51
#                                     └ wan1 192.0.2.1 ─── veth ──── eth0 192.0.2.2
#                                                                      vx0 VXLAN 5000, 10.10.0.2/24,
#                                                                      to 192.0.2.1 through wg0
# In w, what is not wireguard-go's own (fwmark 0x51) goes to 192.0.2.1
# through wg0 (table 100, as wg-quick does): the kernel's VXLAN datagrams to
# site A's VTEP are the inner packets of WireGuard, and what comes out of
# wg0 is the VXLAN A sent. sxcd's peer intent: encryption {cipher
# wireguard, public_key: w's `wg pubkey`}; w's peer: sxcd's
# services.wireguard.public_key, endpoint 192.0.2.1:51820.
#
# Checks: a handshake from either side (sxcd starts one at once; after w's
# wireguard-go is restarted, w starts one); ping and TCP both ways across
# the encrypted overlay; on the wire (a capture on w's eth0) only UDP
# 51820 between the two, WireGuard by tshark (types 1..4), no VXLAN or
# ICMP in clear and none of a ping's random pattern in any byte; sxdp's
# sessions count packets, no wg_auth, wg_replay or wg_malformed; the peer
# moving (w's listen port changed: its endpoint moves, sxdp follows it,
# pings go on); a peer with another key (w given a new private key) is
# refused: no handshake, pings fail, no packet sent clear (overlay.sa_missing
# while the path has no session); with the right key again, pings work.
# Under a flood of initiations sxcd answers with cookies, and a new
# wireguard-go still gets its session, its next initiation with a mac2.
# Ends with "N passed, M failed"; 77 without netns/veth or wireguard-go.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"

SXCD=$BUILD/sxcd
for t in wireguard-go wg tshark dumpcap iperf3; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (apt-get install wireguard-go wireguard-tools tshark iperf3)"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

TAG=$$
P="owg$TAG"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
sx() { "$SXCTL" --socket "$DIR/s.sock" "$@"; }
API_PORT=8187
api() { "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$DIR/token" "$@"; }
# bounds (seconds) of the waits for events
START_BOUND=20 HS_BOUND=30 PING_BOUND=15 CAPTURE_BOUND=15
REKEY_S=${OWG_REKEY_S:-3}   # sxcd renews its sessions this often (WireGuard's 120 s is too long for a test)
# OWG_REKEYS=N: the benchmark bench/rekey_wg.sh runs instead of the checks
# after the wire's: N renewals under a 100 packet/s ping stream, its loss
# and RTT percentiles printed
STREAM_S=9          # the ping stream through the rekeys (three periods: two or more renewals)
PIDS=()
WGPID=""

DIR=$(mktemp -d /tmp/sxdp-e2e-owg.XXXXXX)
cleanup() {
  local p
  [ -n "$WGPID" ] && kill "$WGPID" 2>/dev/null
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ "$fail" -ne 0 ]; then
    for f in "$DIR"/sxcd.log "$DIR"/sxdp.log "$DIR"/wg.log; do
      [ -f "$f" ] && { echo "# $f:"; grep -v "ctl: client" "$f" | tail -20 | sed 's/^/#   /'; }
    done
  fi
  for p in s h w; do nl_ns_del "$(nsn "$p")"; done
  rm -rf "/var/run/dpdk/$(nsn s)"
  [ -n "${OWG_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local n
  for n in s h w; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
    in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n "$(nsn s)" link add lan1 type veth peer name eth0 netns "$(nsn h)" || return 1
  ip -n "$(nsn s)" link add wan1 type veth peer name eth0 netns "$(nsn w)" || return 1
  for n in lan1 wan1; do ip -n "$(nsn s)" link set "$n" up; done
  ip -n "$(nsn h)" addr add 10.10.0.1/24 dev eth0
  # the overlay's 1450 less WireGuard's 32 and its padding (at most 15), and IPv4 and UDP: 1370
  ip -n "$(nsn h)" link set eth0 mtu 1370 up
  in_ns h ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$(nsn w)" addr add 192.0.2.2/24 dev eth0
  ip -n "$(nsn w)" link set eth0 up
  in_ns w ethtool -K eth0 tx off >/dev/null 2>&1
}
if ! topo; then notok "topology: netns s (sxdp), h (host), w (wireguard-go)"; finish; fi
ok "topology: host h behind site s (sxdp, sxcd), the WireGuard peer w on s's WAN veth"

# ------------------------------------------------------------- the peer
(umask 077; in_ns w wg genkey >"$DIR/w.key")
chmod 600 "$DIR/w.key"
W_PUB=$(wg pubkey <"$DIR/w.key")
wg_start() { # start wireguard-go on wg0 in w (its own process, foreground)
  local i
  ip netns exec "$(nsn w)" env WG_PROCESS_FOREGROUND=1 wireguard-go wg0 >>"$DIR/wg.log" 2>&1 &
  WGPID=$!
  for i in $(seq 1 100); do ip -n "$(nsn w)" link show wg0 >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}
wg_stop() {
  [ -n "$WGPID" ] || return 0
  kill "$WGPID" 2>/dev/null
  wait "$WGPID" 2>/dev/null
  WGPID=""
  ip -n "$(nsn w)" link del wg0 2>/dev/null
}
# wg0 set up with key file $1, listen port $2, the box's public key $3
wg_conf() { # keyfile port boxpub
  in_ns w wg set wg0 private-key "$1" listen-port "$2" fwmark 0x51 \
    peer "$3" endpoint 192.0.2.1:51820 allowed-ips 192.0.2.1/32 &&
    ip -n "$(nsn w)" link set wg0 mtu 1420 up &&
    ip -n "$(nsn w)" route replace 192.0.2.1/32 dev wg0 table 100
}
if ! wg_start; then notok "wireguard-go starts in w"; cat "$DIR/wg.log" 2>/dev/null | sed 's/^/#   /'; finish; fi
ip -n "$(nsn w)" rule add not fwmark 0x51 table 100
ip -n "$(nsn w)" link add vx0 type vxlan id 5000 local 192.0.2.2 remote 192.0.2.1 dstport 4789 nolearning
ip -n "$(nsn w)" addr add 10.10.0.2/24 dev vx0
ip -n "$(nsn w)" link set vx0 address 02:00:0a:0a:00:02 mtu 1370 up
ok "the peer: wireguard-go on wg0 in w, VXLAN 5000 routed through it (not fwmark 0x51: table 100)"

# ------------------------------------------------------------- sxdp, sxcd
cat >"$DIR/sxdp.json" <<EOF
{
  "eal": [$(nl_eal_mem 256), "--no-pci", "--file-prefix", "$(nsn s)"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$DIR/s.sock",
  "mbufs": 8191,
  "idle_sleep_max_us": 500,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [
    {"name": "lan1", "devargs": "net_af_packet0,iface=lan1,qpairs=1", "role": "lan", "rx_queues": 1, "rxd": 1024, "txd": 1024},
    {"name": "wan1", "devargs": "net_af_packet1,iface=wan1,qpairs=1", "role": "wan", "rx_queues": 1, "rxd": 1024, "txd": 1024}
  ]
}
EOF
ip netns exec "$(nsn s)" "$SXDP" --config "$DIR/sxdp.json" --socket "$DIR/s.sock" >"$DIR/sxdp.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 $((START_BOUND * 10))); do [ -S "$DIR/s.sock" ] && break; sleep 0.1; done
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
mkdir -p "$DIR/store"
ip netns exec "$(nsn s)" "$SXCD" --socket "$DIR/s.sock" --store "$DIR/store" --listen "127.0.0.1:$API_PORT" \
  --token-file "$DIR/token" --resync-ms 1000 --no-netlink --wg-rekey "$REKEY_S" >>"$DIR/sxcd.log" 2>&1 &
PIDS+=($!)
api_in() { ip netns exec "$(nsn s)" "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$DIR/token" "$@"; }
for _ in $(seq 1 $((START_BOUND * 10))); do api_in status >/dev/null 2>&1 && break; sleep 0.1; done
if api_in --json status >"$DIR/status.json" 2>/dev/null; then
  ok "sxdp (AF_PACKET) and sxcd (local store) up in s"
else
  notok "sxdp and sxcd start: $(tail -5 "$DIR/sxcd.log" | tr '\n' ' ')"; finish
fi
BOX_PUB=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["services"]["wireguard"]["public_key"])' "$DIR/status.json")
[ -n "$BOX_PUB" ] && ok "sxcd shows its WireGuard public key ($BOX_PUB)" || { notok "no services.wireguard.public_key"; finish; }
wg_conf "$DIR/w.key" 51820 "$BOX_PUB" || { notok "wg set wg0"; finish; }

"$PY" - "$W_PUB" >"$DIR/intents.json" <<'EOF'
import json, sys
print(json.dumps({"items": [
    {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
                              "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.1/24"}]}},
    {"kind": "peers", "metadata": {"name": "w"}, "spec": {
        "id": 2, "endpoints": [{"address": "192.0.2.2", "wan": "isp1"}], "probe": {"how": "static"},
        "encryption": {"cipher": "wireguard", "public_key": sys.argv[1]}}},
    {"kind": "slices", "metadata": {"name": "red"}, "spec": {
        "id": 1, "vni": 5000, "members": [{"port": "lan1"}], "subnets": ["10.10.0.0/24"]}}]}))
EOF
if out=$(api_in apply -f "$DIR/intents.json" 2>&1); then ok "intents applied: site, peer w (wireguard), slice red"
else notok "apply: $(printf '%s' "$out" | head -c 600)"; finish; fi

wg_status() { api_in --json status 2>/dev/null | "$PY" -c '
import json, sys
w = json.load(sys.stdin)["services"]["wireguard"]
p = next(iter(w["paths"].values()), {})
print(p.get("state", "-").replace(", ", "+"), w["handshakes"], w["refused"], p.get("endpoint", "-"), p.get("port", "-"),
      w["answered"])'; }
wait_state() { # state seconds
  local end=$((SECONDS + $2))
  while [ $SECONDS -le "$end" ]; do
    set -- "$1" "$2"
    case "$(wg_status | awk '{print $1}')" in "$1"|"$1+"*) return 0 ;; esac
    sleep 0.2
  done
  return 1
}
if wait_state up "$HS_BOUND"; then
  ok "a handshake with wireguard-go: the path is up ($(wg_status)); wg shows: $(in_ns w wg show wg0 latest-handshakes | awk '{print ($2 > 0) ? "a handshake" : "none"}')"
else
  notok "no handshake in $HS_BOUND s: $(wg_status); $(in_ns w wg show wg0 2>&1 | tr '\n' ' ')"
fi

ping_ok() { # from-ns addr count
  in_ns "$1" ping -c "$3" -i 0.2 -W 2 -q "$2" >/dev/null 2>&1
}
wait_ping() { # from-ns addr bound
  for _ in $(seq 1 "$3"); do ping_ok "$1" "$2" 1 && return 0; sleep 0.5; done
  return 1
}
if wait_ping h 10.10.0.2 "$PING_BOUND" && ping_ok h 10.10.0.2 5; then
  ok "ping h -> w's VXLAN address across WireGuard"
else
  notok "ping h -> 10.10.0.2: drops $(sx --json stats 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print({k: v for k, v in d.items() if v})')"
fi
if ping_ok w 10.10.0.1 5; then ok "ping w -> h across WireGuard"; else notok "ping w -> 10.10.0.1"; fi

# OWG_LOST_SESSION=1 (with OWG_REKEY_S long, WireGuard's 120 s: the box's own
# renewal far off): the peer restarts while only the box sends. w's
# wireguard-go loses the session and, sending nothing, starts none; the box
# sends on the dead session until data it sent has gone unanswered for
# KEEPALIVE + REKEY_TIMEOUT (15 s, whitepaper 6.2), then starts a handshake
# w answers: the stream reaches w again within LOST_BOUND
if [ -n "${OWG_LOST_SESSION:-}" ]; then
  LOST_BOUND=40
  # nothing of w's may answer: no ARP either way (w's kernel probes a stale entry of h's
  # once the stream comes), and a listener that takes the stream (no ICMP port
  # unreachable goes back through wg0)
  in_ns h ip neigh replace 10.10.0.2 lladdr 02:00:0a:0a:00:02 dev eth0 nud permanent
  in_ns w ip neigh replace 10.10.0.1 lladdr "$(ip -n "$(nsn h)" -j link show eth0 | "$PY" -c \
    'import json,sys; print(json.load(sys.stdin)[0]["address"])')" dev vx0 nud permanent
  in_ns w "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.10.0.2", 9999))
while True:
    s.recv(2048)' &
  PIDS+=("$!")
  vx_rx() { ip -n "$(nsn w)" -s -j link show vx0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
  in_ns h "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 90
while time.monotonic() < end:
    s.sendto(b"one way" * 8, ("10.10.0.2", 9999))
    time.sleep(0.05)' &
  PIDS+=("$!")
  r0=$(vx_rx)
  for _ in $(seq 1 50); do [ "$(vx_rx)" -gt "$((r0 + 5))" ] && break; sleep 0.1; done
  if [ "$(vx_rx)" -gt "$((r0 + 5))" ]; then ok "a one-way stream h -> w (20 packets/s) reaches w"
  else notok "the one-way stream does not reach w"; finish; fi
  un0=$(api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["wireguard"]["unanswered"])')
  wg_stop
  if ! { wg_start && wg_conf "$DIR/w.key" 51820 "$BOX_PUB"; }; then notok "wireguard-go restarts in w"; finish; fi
  t0=$SECONDS
  sleep 1
  r1=$(vx_rx)
  back=""
  while [ $((SECONDS - t0)) -le "$LOST_BOUND" ]; do
    if [ "$(vx_rx)" -gt "$((r1 + 5))" ]; then back=$((SECONDS - t0)); break; fi
    sleep 0.2
  done
  un1=$(api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["wireguard"]["unanswered"])')
  if [ -n "$back" ] && [ "${un1:-0}" -gt "${un0:-0}" ]; then
    ok "the peer restarted while only the box sent: the box started a handshake for its unanswered data ($un0 -> $un1) and the stream reached w again after ${back} s (rekey every $REKEY_S s)"
  else
    notok "the peer restarted while only the box sent: the stream back after ${back:-more than $LOST_BOUND} s, unanswered handshakes $un0 -> $un1 ($(wg_status))"
  fi
  finish
fi

for dir in "h -> w:" "w -> h:-R"; do
  what=${dir%%:*} rev=${dir#*:}
  ip netns exec "$(nsn w)" iperf3 -s -1 -B 10.10.0.2 >"$DIR/iperf-srv.log" 2>&1 &
  srv=$!
  PIDS+=("$srv")
  n=0
  if listening tcp 5201 in_ns w; then
    # shellcheck disable=SC2086  # $rev: no flag or one
    if in_ns h timeout $((TCP_SECONDS + 15)) iperf3 -c 10.10.0.2 $rev -t "$TCP_SECONDS" -J >"$DIR/iperf.json" 2>&1; then
      n=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$DIR/iperf.json" 2>/dev/null || echo 0)
    fi
  fi
  kill "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
  if [ "$n" -gt 1000000 ]; then
    ok "TCP $what over WireGuard (iperf3): $n bytes in $TCP_SECONDS s ($((n * 8 / TCP_SECONDS / 1000000)) Mbit/s)"
  else
    notok "TCP $what over WireGuard: $n bytes ($(tail -3 "$DIR/iperf.json" 2>/dev/null | tr '\n' ' '))"
  fi
done

# ------------------------------------------------------------- the wire
# w's eth0 during pings carrying a random pattern (ping -p): every IPv4
# frame between the two is UDP between their WireGuard ports, tshark
# decodes WireGuard in them, and no byte of any holds the pattern
PATTERN=$(head -c 16 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
ip netns exec "$(nsn w)" dumpcap -q -i eth0 -f ip -w "$DIR/wire.pcapng" >"$DIR/dumpcap.err" 2>&1 &
cap=$!
PIDS+=("$cap")
for _ in $(seq 1 $((CAPTURE_BOUND * 10))); do grep -q "Capturing\|File:" "$DIR/dumpcap.err" 2>/dev/null && break; [ -s "$DIR/wire.pcapng" ] && break; sleep 0.1; done
in_ns h ping -c 20 -i 0.1 -W 2 -q -p "$PATTERN" 10.10.0.2 >/dev/null 2>&1
in_ns w ping -c 20 -i 0.1 -W 2 -q -p "$PATTERN" 10.10.0.1 >/dev/null 2>&1
kill -INT "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
wire=$("$PY" - "$DIR/wire.pcapng" "$PATTERN" <<'PYEOF'
import struct, sys
buf = open(sys.argv[1], "rb").read()
pat = bytes.fromhex(sys.argv[2]) * 2
needles = [pat[i:i + 8] for i in range(16)]
n = wgu = other = marked = 0
off = 0
while off + 12 <= len(buf):
    btype, blen = struct.unpack_from("<II", buf, off)
    if blen < 12 or off + blen > len(buf):
        break
    if btype == 6:
        caplen = struct.unpack_from("<I", buf, off + 20)[0]
        f = buf[off + 28:off + 28 + caplen]
        if len(f) >= 42 and f[12:14] == b"\x08\x00":
            n += 1
            ihl = (f[14] & 15) * 4
            sp, dp = struct.unpack_from("!HH", f, 14 + ihl) if f[23] == 17 else (0, 0)
            if f[23] == 17 and 51820 in (sp, dp) or f[23] == 17 and dp == sp:
                wgu += 1
            else:
                other += 1
            marked += any(x in f for x in needles)
    off += blen
print(n, wgu, other, marked)
PYEOF
)
read -r wn wwg wother wmarked <<<"$wire"
wgtypes=$(tshark -r "$DIR/wire.pcapng" -Y wg -T fields -e wg.type 2>/dev/null | sort | uniq -c | awk '{printf "%s type %s; ", $1, $2}')
if [ "${wn:-0}" -ge 40 ] && [ "$wwg" = "$wn" ] && [ "$wmarked" = 0 ] && printf '%s' "$wgtypes" | grep -q "type 4"; then
  ok "the wire: $wn frames, all UDP WireGuard, none with the pattern, no clear VXLAN or ICMP; tshark: $wgtypes"
else
  notok "the wire: frames $wn, WireGuard UDP ${wwg:-?}, other ${wother:-?}, with the pattern ${wmarked:-?}; tshark: $wgtypes"
fi

if [ -n "${OWG_REKEYS:-}" ]; then
  hs0=$(wg_status | awk '{print $2}')
  n=$((OWG_REKEYS * REKEY_S * 100))
  in_ns h ping -c "$n" -i 0.01 -W 2 10.10.0.2 >"$DIR/rekey-ping.txt" 2>&1
  hs1=$(wg_status | awk '{print $2}')
  "$PY" "$here/pingstats.py" "$DIR/rekey-ping.txt" "$n" "$((hs1 - hs0))" "$REKEY_S" "sxcd --wg-rekey, wireguard-go the peer"
  finish
fi

# ------------------------------------------------------------- rekeys
# sxcd renews every REKEY_S s: a ping stream through several renewals
# loses nothing (the new session's inbound SA is in sxdp before the peer
# can use it, the old one's stays for what is on its way)
hs0=$(wg_status | awk '{print $2}')
loss=$(in_ns h ping -c $((STREAM_S * 20)) -i 0.05 -W 2 -q 10.10.0.2 2>/dev/null | awk -F', ' '/packet loss/ {print $3}')
hs1=$(wg_status | awk '{print $2}')
if [ "$((hs1 - hs0))" -ge 2 ] && [ "${loss%% *}" = "0%" ]; then
  ok "$((hs1 - hs0)) rekeys under a $((STREAM_S * 20))-ping stream (every 50 ms): $loss"
else
  notok "rekeys under a ping stream: $((hs1 - hs0)) handshakes, $loss"
fi
sessions() { sx --json call overlay.sa.list 2>/dev/null; }
bad=$(sessions | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
print(sum(s["auth"] + s["replay"] + s["malformed"] for s in r if s["cipher"] == "wireguard"), len(r))')
drops=$(sx --json stats 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["drops"]
print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v and k.startswith("overlay.wg_") and k != "overlay.wg_keepalive") or "none")')
if [ "${bad%% *}" = 0 ] && [ "$drops" = none ]; then ok "no session refused anything (${bad##* } SAs held); no WireGuard drop"
else notok "refusals: sessions $bad, drops $drops"; fi

# ------------------------------------------------------------- roaming
# w's port moves: sxdp follows its authenticated packets there
in_ns w wg set wg0 listen-port 51999
if ping_ok w 10.10.0.1 3 && wait_ping h 10.10.0.2 "$PING_BOUND" && ping_ok h 10.10.0.2 3; then
  ep=$(sessions | "$PY" -c '
import json, sys
print(" ".join(sorted({"%s:%d" % (s["endpoint"]["address"], s["endpoint"]["port"]) for s in json.load(sys.stdin) if "endpoint" in s})))')
  case " $ep " in
    *" 192.0.2.2:51999 "*) ok "the peer moved to port 51999: sxdp follows it (sessions' endpoint $ep), pings both ways" ;;
    *) notok "the peer moved: pings work but the endpoints are $ep" ;;
  esac
else
  notok "the peer moved to 51999: pings fail ($(wg_status))"
fi

# ------------------------------------------------------------- w starts
# wireguard-go started afresh: it starts the handshake when it has
# something to send; sxcd answers
wg_stop
if wg_start && wg_conf "$DIR/w.key" 51820 "$BOX_PUB"; then
  r0=$(wg_status | awk '{print $6}')
  if wait_ping w 10.10.0.1 "$PING_BOUND" && ping_ok h 10.10.0.2 3 && [ "$(wg_status | awk '{print $6}')" -gt "$r0" ]; then
    ok "a new wireguard-go started a handshake and sxcd answered it (answered $r0 -> $(wg_status | awk '{print $6}')); pings both ways"
  else
    notok "a handshake started by wireguard-go: $(wg_status); $(in_ns w wg show wg0 2>&1 | tr '\n' ' ')"
  fi
else
  notok "wireguard-go restarts"
fi

# ------------------------------------------------------------- a wrong key
# w with another key is no peer of ours: its initiations are refused,
# nothing gets through, and nothing of site A's leaves in clear
(umask 077; in_ns w wg genkey >"$DIR/w2.key")
ref0=$(wg_status | awk '{print $3}')
ip netns exec "$(nsn w)" dumpcap -q -i eth0 -f ip -w "$DIR/wrong.pcapng" >"$DIR/dumpcap2.err" 2>&1 &
cap=$!
PIDS+=("$cap")
sleep 0.5  # no event to wait for: dumpcap says nothing when it starts writing to a file
in_ns w wg set wg0 private-key "$DIR/w2.key"
if ping_ok w 10.10.0.1 5 || ping_ok h 10.10.0.2 3; then notok "a peer with another key got through"; fi
end=$((SECONDS + HS_BOUND))
while [ $SECONDS -le $end ] && [ "$(wg_status | awk '{print $3}')" = "$ref0" ]; do sleep 0.2; done
in_ns h ping -c 5 -i 0.2 -W 1 -q 10.10.0.2 >/dev/null 2>&1
kill -INT "$cap" 2>/dev/null
wait "$cap" 2>/dev/null
clear=$(tshark -r "$DIR/wrong.pcapng" -Y "vxlan or icmp" -T fields -e frame.number 2>/dev/null | wc -l)
if [ "$(wg_status | awk '{print $3}')" -gt "$ref0" ] && [ "$clear" = 0 ]; then
  ok "another key is refused (sxcd refused $(( $(wg_status | awk '{print $3}') - ref0 )) messages), pings fail, nothing clear on the wire"
else
  notok "another key: refused $ref0 -> $(wg_status | awk '{print $3}'), clear frames $clear"
fi
in_ns w wg set wg0 private-key "$DIR/w.key"
if wait_ping w 10.10.0.1 "$PING_BOUND" && ping_ok h 10.10.0.2 3; then ok "the right key again: pings both ways"
else notok "the right key again: $(wg_status)"; fi
# ------------------------------------------------------------- under load
# a flood of initiations (valid mac1 for the box's key, garbage after it,
# from many ports: FLOOD_PPS a second) puts sxcd under load: it answers
# with cookie replies, not handshakes; a wireguard-go started afresh meanwhile
# still gets its session: it takes the cookie and its next initiation
# carries a mac2 sxcd accepts
cat >"$DIR/flood.py" <<'PYEOF'
import base64, hashlib, os, socket, sys, time
pub, pps, secs = base64.b64decode(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
k = hashlib.blake2s(b"mac1----" + pub).digest()
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
for s in socks:
    s.setsockopt(socket.SOL_SOCKET, 36, 0x51)   # SO_MARK: on eth0 itself, not through wg0
    s.bind(("192.0.2.2", 0))
end, i = time.monotonic() + secs, 0
while time.monotonic() < end:
    m = b"\x01\0\0\0" + os.urandom(112)
    m += hashlib.blake2s(m, key=k, digest_size=16).digest() + bytes(16)
    try:
        socks[i % 16].sendto(m, ("192.0.2.1", 51820))
    except OSError:
        pass   # a neighbour not resolved yet: the flood goes on
    i += 1
    time.sleep(1.0 / pps)
PYEOF
FLOOD_PPS=200
c0=$(api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["wireguard"]["cookies_sent"])')
ip netns exec "$(nsn w)" dumpcap -q -i eth0 -f "udp" -w "$DIR/load.pcapng" >"$DIR/dumpcap3.err" 2>&1 &
cap=$!
PIDS+=("$cap")
ip netns exec "$(nsn w)" "$PY" "$DIR/flood.py" "$BOX_PUB" "$FLOOD_PPS" 40 &   # its pid, not a shell's
flood=$!
PIDS+=("$flood")
sleep 2   # the flood's first second: no event marks sxcd's load
wg_stop
if wg_start && wg_conf "$DIR/w.key" 51820 "$BOX_PUB" && wait_ping w 10.10.0.1 30; then
  loaded_ok=1
else
  loaded_ok=0
fi
kill "$flood" 2>/dev/null; wait "$flood" 2>/dev/null
kill -INT "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
c1=$(api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["wireguard"]["cookies_sent"])')
mac2=$(tshark -r "$DIR/load.pcapng" -Y "wg.type == 1 && udp.srcport == 51820 && wg.mac2 != 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00" -T fields -e frame.number 2>/dev/null | wc -l)
if [ "$loaded_ok" = 1 ] && [ "$((c1 - c0))" -gt 0 ] && [ "$mac2" -gt 0 ]; then
  ok "under a flood of $FLOOD_PPS initiations a second sxcd sent $((c1 - c0)) cookie replies; wireguard-go took its cookie ($mac2 initiations with a mac2) and got its session: pings"
else
  notok "under load: pings $loaded_ok, cookie replies $((c1 - c0)), wireguard-go's initiations with a mac2 $mac2 ($(wg_status))"
fi

# ------------------------------------------------------------- the box's key rotated
# sxctl service wireguard rotate (POST /api/v1/services/wireguard/rotate):
# handshakes to either of the box's keys are taken, the box's own of the
# old and the new key in turn until one is answered. wireguard-go, told
# nothing, goes on (the old key's handshakes); told the new key (its peer
# replaced), its handshake of the new key is taken and the old key retires.
rot=$(api_in service wireguard rotate 2>&1)
NEW_PUB=$(printf '%s' "$rot" | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["public_key"])' 2>/dev/null)
hs0=$(wg_status | awk '{print $2}')
more_hs() { [ "$(wg_status | awk '{print $2}')" -gt "$1" ]; }
if [ -n "$NEW_PUB" ] && [ "$NEW_PUB" != "$BOX_PUB" ] && wait_for "$HS_BOUND" more_hs "$hs0" && ping_ok h 10.10.0.2 5; then
  ok "the box's key rotated: a handshake since with wireguard-go, told nothing (the old key's), pings go on"
else
  notok "the box's key rotated: '$(printf '%s' "$rot" | head -c 200)', handshakes $hs0 -> $(wg_status | awk '{print $2}')"
fi
rotated() { api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; sys.exit(1 if "rotation" in json.load(sys.stdin)["services"]["wireguard"] else 0)'; }
in_ns w wg set wg0 peer "$BOX_PUB" remove
if wg_conf "$DIR/w.key" 51820 "$NEW_PUB" && wait_for "$HS_BOUND" rotated && wait_ping h 10.10.0.2 "$PING_BOUND" &&
   ping_ok w 10.10.0.1 3; then
  ok "wireguard-go told the box's new key: its handshake of it taken, the old key retired by itself, pings both ways"
else
  notok "after telling wireguard-go the new key: $(wg_status); $(api_in --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"]["wireguard"].get("rotation"))')"
fi

echo "# sxdp's sessions:"
sx sa show 2>&1 | sed 's/^/#   /'
finish
