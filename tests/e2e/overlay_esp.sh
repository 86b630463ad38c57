#!/usr/bin/env bash
# e2e overlay over ESP: two sxdp sites, both Type S, whose VXLAN between them
# is sealed into ESP (RFC 4303, tunnel mode, AES-GCM-128 with a 4-byte salt,
# RFC 4106) by sxdp at both ends: sxdp against sxdp, with keys drawn from
# /dev/urandom on every run.
#
#   netns ha 10.10.0.1 ─ eth0 ── lan ┐ netns sa: sxdp A          netns u (the wire)
#                                    │  slice 1, bd 10          ┌ ua ┐
#                                    └ wan 192.0.2.1 ───────────┤    br0   (the capture: ua)
#   netns hb 10.10.0.2 ─ eth0 ── lan ┐ netns sb: sxdp B         └ ub ┘
#                                    └ wan 192.0.2.2 ───────────┘
#
# Each site's sxdp runs in its own netns (its own config, socket and
# --file-prefix, as fleet.sh's) on AF_XDP (AF_PACKET where the kernel has no
# AF_XDP socket, as switchlib's sw_launch does). The WAN ports are the
# underlay slice 100, their SVIs the VTEPs 192.0.2.1 and 192.0.2.2. The two
# WAN veths meet on a bridge in netns u rather than on one veth pair: a
# frame an AF_XDP socket sends or takes on a veth never passes the kernel's
# packet taps, so a capture on a veth both of whose ends are AF_XDP ports
# would see nothing; ua is a plain kernel interface on the same wire.
# Slice 1's bridge domain 10 is on each LAN port and stretched over VNI 5000
# by tunnel 7 on path 1 (sxdp probes, the peer sxdp turns them around),
# flooded into the tunnel (ARP crosses by head-end replication). ESP:
#   A out id 1 spi 0x1001 key KA path 1 (192.0.2.1 -> 192.0.2.2)
#   A in  id 2 spi 0x2001 key KB        (192.0.2.2 -> 192.0.2.1)
#   B out id 1 spi 0x2001 key KB path 1, B in id 2 spi 0x1001 key KA
# Hosts' MTU 1390: the overlay's 1450 less ESP's at most 57 (rounded down).
#
# Checks: both sites up; both paths up (sxdp probes: UDP 3785, sealed into
# ESP as the path's traffic is, turned around inside it);
# ping both ways and TCP both ways (iperf3, Mbit/s printed) across the
# encrypted overlay; a capture on the wire during pings carrying a random
# payload pattern (ping -p) shows ESP with the expected SPI each way, no
# UDP 4789 and the pattern in none of its bytes (the same pattern is found
# in 40 frames on site B's LAN: the search works); overlay.sa.list counts
# packets on all four SAs and no replay, auth or malformed, and no overlay
# drop at all so far; a rekey of A -> B (B's new inbound SA 3, then A's new
# outbound SA 3, active at once, then A's old outbound 1 and B's old
# inbound 2 deleted) under a numbered 500 packet/s UDP stream ha -> hb
# loses none of its 2500 packets and moves no ESP drop, A's SA 3 active and
# carrying it; a wrong-key outbound SA on A (SA 4: B's SPI, another key) is
# refused by B's ICV (overlay.esp_auth, one per ping) and pings fail, and
# path 1 goes down at A (its probes are refused too: they go through the
# encryption); deleted, A is back on SA 3, the path up again and pings
# work; path 1 went down at no other time.
# Printed: both boxes' `sxctl sa show`, their overlay drops and port
# counters, and the frames the veths' XDP could not hand to AF_XDP.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"
# shellcheck source-path=SCRIPTDIR source=sitelib.sh
. "$here/sitelib.sh"

for t in iperf3 tshark dumpcap; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (apt-get install iperf3 tshark)"; exit 77; }
done

TAG=$$
P="oesp$TAG"
ns() { printf '%s-%s' "$P" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
sx() { local s=$1; shift; "$SXCTL" --socket "$DIR/$s.sock" "$@"; }
VTEP_A=192.0.2.1 VTEP_B=192.0.2.2
HA_MAC=02:00:0a:0a:00:01 HB_MAC=02:00:0a:0a:00:02
WA_MAC=02:5e:00:00:0c:01 WB_MAC=02:5e:00:00:0c:02
SPI_A=$((0x1001)) SPI_B=$((0x2001)) SPI_C=$((0x3001))
HOST_MTU=1390
STREAM_N=${OESP_STREAM:-2500}   # packets of the rekey stream, at 500/s
# bounds (seconds) of the waits for events
START_BOUND=20 PATH_BOUND=10 PING_BOUND=10 CAPTURE_BOUND=15 COUNT_BOUND=8
NSES=(ha hb sa sb u)
BGPIDS=()
declare -A PID=() PREFIX=() LOG=()
declare -A IP=([ha]=10.10.0.1 [hb]=10.10.0.2)
hexkey() { head -c 20 /dev/urandom | od -An -tx1 -v | tr -d ' \n'; }   # 16-byte AES key, 4-byte salt
KA=$(hexkey) KB=$(hexkey) KC=$(hexkey) KW=$(hexkey)

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
  if [ -n "${DIR:-}" ] && [ -z "${OESP_KEEP:-}" ]; then rm -rf "$DIR"; fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup oesp
for d in /var/run/dpdk/oesp[0-9]*-*; do   # an earlier run's DPDK runtime dirs, its pid gone
  [ -e "$d" ] || continue
  p=${d#/var/run/dpdk/oesp}; p=${p%%-*}
  kill -0 "$p" 2>/dev/null || rm -rf "$d"
done
DIR=$(mktemp -d /tmp/sxdp-e2e-ovesp.XXXXXX)
mkns() {
  ip netns add "$(ns "$1")" || return 1
  ip -n "$(ns "$1")" link set lo up
  in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}
topo() {
  local n s
  for n in "${NSES[@]}"; do mkns "$n" || return 1; done
  # the wire: a bridge in u, no STP (forwarding at once), no IPv6
  ip -n "$(ns u)" link add br0 type bridge stp_state 0 || return 1
  for s in a b; do
    # site s: its host's veth (lan <-> eth0 in h$s) and its WAN veth (wan <-> u$s in u)
    ip -n "$(ns "s$s")" link add lan type veth peer name eth0 netns "$(ns "h$s")" || return 1
    ip -n "$(ns "s$s")" link add wan type veth peer name "u$s" netns "$(ns u)" || return 1
    for n in lan wan; do
      in_ns "s$s" ethtool -L "$n" rx 1 tx 1 >/dev/null 2>&1
      ip -n "$(ns "s$s")" link set "$n" up
    done
    ip -n "$(ns u)" link set "u$s" master br0 up || return 1
  done
  ip -n "$(ns u)" link set br0 up
  ip -n "$(ns ha)" link set eth0 address $HA_MAC mtu $HOST_MTU up
  ip -n "$(ns hb)" link set eth0 address $HB_MAC mtu $HOST_MTU up
  ip -n "$(ns ha)" addr add "${IP[ha]}/24" dev eth0
  ip -n "$(ns hb)" addr add "${IP[hb]}/24" dev eth0
  # AF_XDP does not finish partial checksums (scripts/netns-lib.sh)
  in_ns ha ethtool -K eth0 tx off >/dev/null 2>&1
  in_ns hb ethtool -K eth0 tx off >/dev/null 2>&1
  return 0
}
if ! topo; then
  notok "topology: netns ${NSES[*]}, veths lan/wan per site, the wire's bridge"
  finish
fi
ok "topology: hosts ha/hb behind sites sa/sb (netns), WAN veths joined by a bridge in u"

# ---------------------------------------------------------------- sxdp
# each site: lan (its host) and these WAN ports (sitelib.sh)
SITE_WANS=(wan)
launch_both
if sx a hello >/dev/null 2>&1 && sx b hello >/dev/null 2>&1; then
  ok "both sxdp ready: net_$drv ports, pipeline lan=switch wan=overlay, each in its netns"
else
  notok "sxdp hello: A '$(sx a hello 2>&1 | head -c 200)' B '$(sx b hello 2>&1 | head -c 200)'"
  finish
fi

# ----------------------------------------------------------- programming
# site $1's tables: its VTEP $2, the far VTEP $3, its WAN SVI MAC $4, the far site's id $5
tables() {
  PYTHONPATH="$here" "$PY" - "$@" <<'PYEOF'
import json, sys
from swtables import lan_stretched, link
vtep, far, wmac, site = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
# slice 1: bd 10 on the LAN port (bit 0), its floods into tunnel 7 too
lan_stretched(add)
# the underlay: slice 100, the WAN port (bit 1) alone in bd 101, its SVI the VTEP
link(add, "wan", 1, 100, 101, vtep, wmac, "192.0.2.0/24")
add("vteps", {"ip": vtep}, "vtep")
add("vnis", {"vni": 5000}, "l2", {"slice": 1, "bd": 10})
add("peers", {"slice": 1, "ip": far}, "peer", {"tunnel": 7})
add("endpoints", {"ip": far}, "endpoint", {"site": site})
# probed every 50 ms, down after 20 unanswered (1 s: a TCP flow at full
# rate on a busy 2-CPU machine overflows a veth's AF_XDP ring, and a probe
# lost there is lost; 10 in a row were, once in ~15 runs), up after 3
add("paths", {"id": 1}, "sxdp", {"src": vtep, "dst": far, "vrf": 100, "mtu": 0, "gw": far,
                                  "interval_ms": 50, "down_after": 20, "up_after": 3})
add("tunnels", {"id": 7}, "vxlan", {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
}
tables $VTEP_A $VTEP_B $WA_MAC 2 >"$DIR/tables-a.json"
tables $VTEP_B $VTEP_A $WB_MAC 1 >"$DIR/tables-b.json"
if oa=$(sx a --json table load "$DIR/tables-a.json" 2>&1) && ob=$(sx b --json table load "$DIR/tables-b.json" 2>&1); then
  ok "tables programmed on both sites (one dataplane-atomic batch each)"
else
  notok "table load: A '$(printf '%s' "${oa:-}" | head -c 400)' B '$(printf '%s' "${ob:-}" | head -c 400)'"
  finish
fi

# SA params: id dir spi key src dst [path]
sa_json() {
  "$PY" -c '
import json, sys
i, d, spi, key, src, dst = sys.argv[1:7]
p = {"id": int(i), "dir": d, "spi": int(spi), "cipher": "aes-gcm-128", "key": key, "src": src, "dst": dst}
if d == "out": p["path"] = int(sys.argv[7])
print(json.dumps(p))' "$@"
}
sa_add() { # site id dir spi key src dst [path] -> 0, or the error printed
  local s=$1 out
  shift
  out=$(sx "$s" raw overlay.sa.add "$(sa_json "$@")" 2>&1) || { printf '%s' "$out" | head -c 300; return 1; }
}
sa_del() { # site id
  local out
  out=$(sx "$1" raw overlay.sa.del "{\"id\": $2}" 2>&1) || { printf '%s' "$out" | head -c 300; return 1; }
}
# every inbound SA before any outbound one: no ESP arrives to an SPI not yet known
if e=$(sa_add a 2 in $SPI_B "$KB" $VTEP_B $VTEP_A) && e=$(sa_add b 2 in $SPI_A "$KA" $VTEP_A $VTEP_B) &&
   e=$(sa_add a 1 out $SPI_A "$KA" $VTEP_A $VTEP_B 1) && e=$(sa_add b 1 out $SPI_B "$KB" $VTEP_B $VTEP_A 1); then
  ok "ESP SAs added: A out 0x1001/in 0x2001, B out 0x2001/in 0x1001 (AES-GCM-128, random keys)"
else
  notok "overlay.sa.add: $e"
  finish
fi

# overlay.sa.list field $3 of SA $2 on site $1 ("-" when there is no such SA)
sa_field() { # site id field
  sx "$1" raw overlay.sa.list 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
r = r.get("result", r) if isinstance(r, dict) else r
s = next((s for s in r if s["id"] == int(sys.argv[1])), None)
v = "-" if s is None else s[sys.argv[2]]
print(str(v).lower() if isinstance(v, bool) else v)' "$2" "$3"
}
path_of() { # site field
  sx "$1" --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print(next((p[sys.argv[1]] for p in json.load(sys.stdin) if p["id"] == 1), "?"))' "$2"
}
wait_path() { # site state: path 1 in that state within PATH_BOUND
  local i
  for i in $(seq 1 $((PATH_BOUND * 10))); do
    [ "$(path_of "$1" state)" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
if wait_path a up && wait_path b up; then
  ok "path 1 up at both sites (sxdp probes turned around by the peer sxdp): rtt $(path_of a rtt_us) us / $(path_of b rtt_us) us"
else
  notok "path 1 up: A $(sx a --json call overlay.paths 2>&1 | head -c 500) B $(sx b --json call overlay.paths 2>&1 | head -c 500)"
  finish
fi

# site $1's named drops whose reason starts with $2 (all without), those
# not zero, as one line "reason=n ..." ("none")
drops_of() { # site [prefix]
  sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["drops"]
pre = sys.argv[1]
print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if k.startswith(pre) and v) or "none")' "${2:-}"
}
drop_n() { # site reason
  sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["drops"].get(sys.argv[1], 0))' "$2"
}

echo "# named drops once the paths are up: A $(drops_of a) / B $(drops_of b)"
# the setup's own: while one end had its SAs and the other not yet, its
# probes were refused (overlay.esp_required) or could not be answered
# sealed (overlay.sa_missing); from here on, nothing
base_a=$(drops_of a overlay.) base_b=$(drops_of b overlay.)

# ------------------------------------------------------------ across
if wait_ping ha "${IP[hb]}" "$PING_BOUND"; then :; else
  notok "no ping ha -> hb answered within $PING_BOUND tries (ARP by head-end replication over ESP)"
  echo "# drops A: $(drops_of a) / B: $(drops_of b)"
fi
ping_check "ping ha -> hb across the encrypted overlay" ha "${IP[hb]}" 5 -
ping_check "ping hb -> ha across the encrypted overlay" hb "${IP[ha]}" 5 -

for dir in "ha -> hb:" "hb -> ha:-R"; do
  what=${dir%%:*} rev=${dir#*:}
  ip netns exec "$(ns hb)" iperf3 -s -1 -B "${IP[hb]}" >"$DIR/iperf-srv.log" 2>&1 &
  srv=$!
  BGPIDS+=("$srv")
  n=0
  if listening tcp 5201 in_ns hb; then
    # shellcheck disable=SC2086  # $rev: no flag or one
    if in_ns ha timeout $((TCP_SECONDS + 15)) iperf3 -c "${IP[hb]}" $rev -t "$TCP_SECONDS" -J >"$DIR/iperf.json" 2>&1; then
      n=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$DIR/iperf.json" 2>/dev/null || echo 0)
    fi
  fi
  kill "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
  if [ "$n" -gt 1000000 ]; then
    ok "TCP $what over ESP (iperf3): $n bytes in $TCP_SECONDS s ($((n * 8 / TCP_SECONDS / 1000000)) Mbit/s)"
  else
    notok "TCP $what over ESP: $n bytes ($(tail -3 "$DIR/iperf.json" 2>/dev/null | tr '\n' ' '))"
  fi
done

# ------------------------------------------------------------ capture
# the wire (ua in u: both directions of site A's WAN link) and, as the
# control that the search finds what is there, site B's LAN (eth0 in hb)
PATTERN=$(head -c 16 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
capture() { # netns iface file
  ip netns exec "$(ns "$1")" dumpcap -q -i "$2" -f ip -w "$3" >"$3.err" 2>&1 &
  BGPIDS+=($!)
  CAP_PIDS+=($!)
}
# FILE (pcapng, perhaps still being written) -> "frames esp icmp patterned":
# its IPv4 frames, those of IP protocol 50 and 1, and those holding 8 bytes
# in a row of PATTERN at any phase (ping -p repeats it)
pcount() { # file
  "$PY" - "$1" "$PATTERN" <<'PYEOF'
import struct, sys
try:
    buf = open(sys.argv[1], "rb").read()
except OSError:
    buf = b""
pat = bytes.fromhex(sys.argv[2]) * 2
needles = [pat[i:i + 8] for i in range(16)]
n = esp = icmp = marked = 0
off = 0
while off + 12 <= len(buf):
    btype, blen = struct.unpack_from("<II", buf, off)
    if blen < 12 or off + blen > len(buf):
        break                       # the block being written
    if btype == 6:                  # enhanced packet block
        caplen = struct.unpack_from("<I", buf, off + 20)[0]
        f = buf[off + 28:off + 28 + caplen]
        if len(f) >= 34 and f[12:14] == b"\x08\x00":
            n += 1
            esp += f[23] == 50
            icmp += f[23] == 1
            marked += any(x in f for x in needles)
    off += blen
print(n, esp, icmp, marked)
PYEOF
}
field() { pcount "$1" | awk -v k="$2" '{print $k}'; }   # file column (1 frames, 2 esp, 3 icmp, 4 patterned)
CAP_PIDS=()
capture u ua "$DIR/wan.pcapng"
capture hb eth0 "$DIR/lan.pcapng"
# dumpcap says "Capturing on" before it opens the interface: the captures
# are live once an unmarked ping ha -> hb shows on both
capturing() {
  local i
  for i in $(seq 1 $((CAPTURE_BOUND * 5))); do
    in_ns ha ping -c 1 -W 1 "${IP[hb]}" >/dev/null 2>&1
    [ "$(field "$DIR/lan.pcapng" 3)" -gt 0 ] && [ "$(field "$DIR/wan.pcapng" 2)" -gt 0 ] && return 0
    sleep 0.2
  done
  return 1
}
if capturing; then
  esp0=$(field "$DIR/wan.pcapng" 2)
  in_ns ha ping -c 10 -i 0.05 -W 2 -s 256 -p "$PATTERN" "${IP[hb]}" >"$DIR/cap-ping1.txt" 2>&1
  in_ns hb ping -c 10 -i 0.05 -W 2 -s 256 -p "$PATTERN" "${IP[ha]}" >"$DIR/cap-ping2.txt" 2>&1
  # the 40 marked echo frames are on site B's LAN and 40 more ESP frames on
  # the wire (the captures write what they read a few hundred ms later)
  for i in $(seq 1 $((CAPTURE_BOUND * 10))); do
    [ "$(field "$DIR/lan.pcapng" 4)" -ge 40 ] && [ "$(field "$DIR/wan.pcapng" 2)" -ge $((esp0 + 40)) ] && break
    sleep 0.1
  done
  for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
  for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  # ESP by SPI and direction, clear VXLAN, probes, as tshark reads them
  tshark -r "$DIR/wan.pcapng" -T fields -E separator=' ' -e ip.src -e ip.dst -e ip.proto -e esp.spi \
    -e udp.dstport >"$DIR/wan.txt" 2>/dev/null
  summary=$("$PY" - "$DIR/wan.txt" "$VTEP_A" "$VTEP_B" "$SPI_A" "$SPI_B" <<'PYEOF'
import sys
a, b, spi_a, spi_b = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ab = ba = other = vx = probes = 0
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) < 3:
        continue
    src, dst, proto = f[0], f[1], f[2]
    if proto == "50":
        spi = int(f[3], 0) if len(f) > 3 else -1
        if (src, dst, spi) == (a, b, spi_a): ab += 1
        elif (src, dst, spi) == (b, a, spi_b): ba += 1
        else: other += 1
    elif proto == "17":
        port = f[-1]
        vx += port == "4789"
        probes += port == "3785"
print(ab, ba, other, vx, probes)
PYEOF
)
  read -r n_ab n_ba n_other n_vx n_probe <<<"$summary"
  # the pattern anywhere in the wire's file (frames, and between them)
  pat_file=$("$PY" - "$PATTERN" "$DIR/wan.pcapng" <<'PYEOF'
import sys
pat = bytes.fromhex(sys.argv[1]) * 2
buf = open(sys.argv[2], "rb").read()
print(sum(buf.count(pat[i:i + 8]) for i in range(16)))
PYEOF
)
  pat_wan=$(field "$DIR/wan.pcapng" 4) pat_lan=$(field "$DIR/lan.pcapng" 4)
  if [ "${n_ab:-0}" -ge 10 ] && [ "${n_ba:-0}" -ge 10 ] && [ "${n_other:-1}" = 0 ] && [ "${n_vx:-1}" = 0 ] &&
     [ "${n_probe:-1}" = 0 ]; then
    ok "capture on the wire: ESP $VTEP_A -> $VTEP_B spi 0x1001 x$n_ab, $VTEP_B -> $VTEP_A spi 0x2001 x$n_ba, no other ESP, no UDP 4789, no clear probe (UDP 3785: inside ESP too)"
  else
    notok "capture on the wire: ESP A->B spi 0x1001 ${n_ab:-?}, B->A spi 0x2001 ${n_ba:-?}, other ESP ${n_other:-?}, UDP 4789 ${n_vx:-?}, UDP 3785 ${n_probe:-?}"
    head -5 "$DIR/wan.pcapng.err" | sed 's/^/#   dumpcap: /'
  fi
  if [ "${pat_lan:-0}" -ge 40 ] && [ "${pat_wan:-1}" = 0 ] && [ "${pat_file:-1}" = 0 ]; then
    ok "ping payload pattern $PATTERN: in none of the wire's bytes, in $pat_lan frames on site B's LAN (the search finds it)"
  else
    notok "ping payload pattern $PATTERN: in ${pat_wan:-?} frames (${pat_file:-?} places) on the wire (want 0), ${pat_lan:-?} frames on site B's LAN (want 40)"
  fi
else
  notok "the captures saw no ping ha -> hb within $CAPTURE_BOUND s: $(head -c 300 "$DIR/wan.pcapng.err" 2>/dev/null)"
fi

# ------------------------------------------------------------ SA counters
# "id:packets:replay:auth:malformed:active" per SA of site $1
sa_rows() {
  sx "$1" raw overlay.sa.list 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
r = r.get("result", r) if isinstance(r, dict) else r
print(" ".join("%d:%d:%d:%d:%d:%s" % (s["id"], s["packets"], s["replay"], s["auth"], s["malformed"],
                                     str(s["active"]).lower()) for s in r))'
}
sa_ok() { # site: SAs 1 and 2 carried packets, nothing refused
  local row pk rp au ma n=0
  for row in $(sa_rows "$1"); do
    IFS=: read -r _ pk rp au ma _ <<<"$row"
    [ "$pk" -gt 0 ] && [ "$rp" = 0 ] && [ "$au" = 0 ] && [ "$ma" = 0 ] || return 1
    n=$((n + 1))
  done
  [ "$n" = 2 ]
}
if sa_ok a && sa_ok b; then
  ok "overlay.sa.list: packets on all four SAs, 0 replay/auth/malformed (A $(sa_rows a); B $(sa_rows b): id:packets:replay:auth:malformed:active)"
else
  notok "overlay.sa.list: A $(sa_rows a); B $(sa_rows b) (id:packets:replay:auth:malformed:active)"
fi
ov_a=$(drops_of a overlay.) ov_b=$(drops_of b overlay.)
if [ "$ov_a" = "$base_a" ] && [ "$ov_b" = "$base_b" ]; then
  ok "no overlay drop at either site since the paths came up (no ESP refused, no path missing; the setup's: A $base_a / B $base_b)"
else
  notok "overlay drops since the paths came up: A $base_a -> $ov_a / B $base_b -> $ov_b"
fi

# ------------------------------------------------------------ rekey
# a numbered UDP stream ha -> hb, 500 packets/s; hb writes what it gets
ip netns exec "$(ns hb)" "$PY" -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((sys.argv[1], 9999))
print("ready")
with open(sys.argv[2], "w", buffering=1) as f:
    while True:
        d, _ = s.recvfrom(64)
        f.write(d.decode() + "\n")' "${IP[hb]}" "$DIR/recv.txt" >"$DIR/recv.ready" 2>&1 &
RECV=$!
BGPIDS+=("$RECV")
for _ in $(seq 1 $((PING_BOUND * 10))); do grep -q ready "$DIR/recv.ready" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$(ns ha)" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i, t, n = 0, time.monotonic(), int(sys.argv[2])
while i < n:
    s.sendto(str(i).encode(), (sys.argv[1], 9999))
    i += 1; t += 0.002
    time.sleep(max(0, t - time.monotonic()))' "${IP[hb]}" "$STREAM_N" &
SEND=$!
BGPIDS+=("$SEND")
received() { [ -f "$DIR/recv.txt" ] && wc -l <"$DIR/recv.txt" || echo 0; }
wait_recv() { # at least N lines, within COUNT_BOUND
  local i
  for i in $(seq 1 $((COUNT_BOUND * 20))); do
    [ "$(received)" -ge "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
wait_sa() { # site id packets: SA carried at least that many, within COUNT_BOUND
  local i
  for i in $(seq 1 $((COUNT_BOUND * 10))); do
    [ "$(sa_field "$1" "$2" packets)" -ge "$3" ] 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
esp_a0=$(drops_of a overlay.esp) esp_b0=$(drops_of b overlay.esp)
rekey_err=""
if ! wait_recv 100; then
  rekey_err="the stream did not start: $(received) packets at hb"
elif ! e=$(sa_add b 3 in $SPI_C "$KC" $VTEP_A $VTEP_B); then
  rekey_err="B in SA 3: $e"
elif ! e=$(sa_add a 3 out $SPI_C "$KC" $VTEP_A $VTEP_B 1); then
  rekey_err="A out SA 3: $e"
elif [ "$(sa_field a 3 active)" != true ] || [ "$(sa_field a 1 active)" != false ]; then
  rekey_err="A's new outbound SA 3 not the active one at once: SA 3 active $(sa_field a 3 active), SA 1 $(sa_field a 1 active)"
elif ! wait_sa a 3 100 || ! wait_sa b 3 100; then
  rekey_err="SA 3 carries no stream: A $(sa_field a 3 packets) B $(sa_field b 3 packets) packets"
else
  if ! e=$(sa_del a 1); then rekey_err="del A SA 1: $e"
  elif ! e=$(sa_del b 2); then rekey_err="del B SA 2: $e"
  fi
  at_del=$(received)
fi
if [ -n "$rekey_err" ]; then
  notok "rekey: $rekey_err"
else
  ok "rekey under the stream: B in SA 3 (spi 0x3001), A out SA 3 (active at once), A SA 1 and B SA 2 deleted after $at_del packets"
fi
# the stream to its end (STREAM_N / 500 s), then every packet in
for _ in $(seq 1 $(((STREAM_N / 500 + COUNT_BOUND) * 10))); do kill -0 "$SEND" 2>/dev/null || break; sleep 0.1; done
still=0
kill -0 "$SEND" 2>/dev/null && still=1
wait_recv "$STREAM_N"
kill "$RECV" "$SEND" 2>/dev/null
wait "$RECV" "$SEND" 2>/dev/null
lost=$("$PY" - "$DIR/recv.txt" "$STREAM_N" <<'PYEOF'
import sys
got = [int(l) for l in open(sys.argv[1]).read().split()]
n = int(sys.argv[2])
seen = set(got)
late = sum(1 for a, b in zip(got, got[1:]) if b < a)
print(n - len(seen & set(range(n))), len(got) - len(seen), late)
PYEOF
)
read -r n_lost n_dup n_reord <<<"$lost"
if [ -z "$rekey_err" ] && [ "$still" = 0 ] && [ "${n_lost:-1}" = 0 ] && [ "${at_del:-$STREAM_N}" -lt $((STREAM_N - 250)) ]; then
  ok "rekey: the $STREAM_N-packet stream lost 0 (duplicates $n_dup, out of order $n_reord), $((STREAM_N - at_del)) packets after the old SAs went"
else
  notok "rekey: stream of $STREAM_N: lost ${n_lost:-?}, duplicates ${n_dup:-?}, out of order ${n_reord:-?}, sender still running $still, packets at deletion ${at_del:-?}"
fi
esp_a1=$(drops_of a overlay.esp) esp_b1=$(drops_of b overlay.esp)
if [ "$(sa_field a 3 active)" = true ] && [ "$(sa_field a 3 packets)" -ge 250 ] 2>/dev/null &&
   [ "$(sa_field a 1 id)" = - ] && [ "$(sa_field b 2 id)" = - ] && [ "$(sa_field b 3 packets)" -ge 250 ] 2>/dev/null &&
   [ "$esp_a1" = "$esp_a0" ] && [ "$esp_b1" = "$esp_b0" ]; then
  ok "after the rekey: A's SA 3 active with $(sa_field a 3 packets) packets, B's SA 3 opened $(sa_field b 3 packets), SAs A 1 and B 2 gone, no ESP drop moved"
else
  notok "after the rekey: A SA 3 active $(sa_field a 3 active) packets $(sa_field a 3 packets), A SA 1 $(sa_field a 1 id), B SA 2 $(sa_field b 2 id), B SA 3 packets $(sa_field b 3 packets); ESP drops A '$esp_a0' -> '$esp_a1', B '$esp_b0' -> '$esp_b1'"
fi

event_n() { # site event
  sx "$1" --json stats 2>/dev/null | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["events"].get(sys.argv[1], 0))' "$2"
}

# ------------------------------------------------------------ wrong key
# the probes are inside the encryption too: with a wrong key the path
# goes down (its probes are refused as its traffic is), and back up after
auth0=$(drop_n b overlay.esp_auth) all0=$(drops_of b)
down_a0=$(event_n a overlay.path_down) down_b0=$(event_n b overlay.path_down)
if e=$(sa_add a 4 out $SPI_C "$KW" $VTEP_A $VTEP_B 1); then
  out=$(in_ns ha ping -c 5 -i 0.1 -W 1 "${IP[hb]}" 2>&1)
  rcvd=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
  # the 5 refusals counted (the counters are read as the workers add them)
  for _ in $(seq 1 $((COUNT_BOUND * 10))); do
    [ "$(($(drop_n b overlay.esp_auth) - auth0))" -ge 5 ] && break
    sleep 0.1
  done
  auth1=$(drop_n b overlay.esp_auth) all1=$(drops_of b)
  if [ "${rcvd:-x}" = 0 ] && [ "$((auth1 - auth0))" -ge 5 ]; then
    ok "wrong key (A out SA 4, B's spi 0x3001): 5 pings unanswered, B drops $((auth1 - auth0)) as overlay.esp_auth, SA 3 auth $(sa_field b 3 auth)"
  else
    notok "wrong key: ${rcvd:-?} of 5 pings answered, overlay.esp_auth +$((auth1 - auth0)) at B"
  fi
  echo "# B's named drops before: ${all0:-none}"
  echo "# B's named drops after:  ${all1:-none}"
  if wait_path a down; then
    ok "probes go through the encryption: with the wrong key A's path 1 went down"
  else
    notok "A's path 1 stayed $(path_of a state) with a wrong key (probes in clear?)"
  fi
  if e=$(sa_del a 4) && [ "$(sa_field a 3 active)" = true ] && wait_path a up && wait_path b up &&
     wait_ping ha "${IP[hb]}" "$PING_BOUND"; then
    ping_check "SA 4 deleted: A back on SA 3, ping ha -> hb" ha "${IP[hb]}" 5 -
  else
    notok "SA 4 deleted: ${e:-} A SA 3 active $(sa_field a 3 active), no ping answered"
  fi
else
  notok "A out SA 4 (wrong key): $e"
fi

if [ "$(path_of a state)" = up ] && [ "$(path_of b state)" = up ] && [ "$down_a0" = 0 ] && [ "$down_b0" = 0 ] &&
   [ "$(event_n a overlay.path_down)" = 1 ] && [ "$(event_n b overlay.path_down)" -le 1 ]; then
  ok "path 1 up at both sites, down only while A sealed with the wrong key (overlay.path_down A $(event_n a overlay.path_down), B $(event_n b overlay.path_down); probes answered $(event_n a overlay.probe_answered) / $(event_n b overlay.probe_answered))"
else
  notok "path 1: A $(path_of a state), B $(path_of b state), overlay.path_down A $(event_n a overlay.path_down) B $(event_n b overlay.path_down)"
  for s in a b; do
    echo "# overlay.events $s: $(sx "$s" raw overlay.events '{"after": 0}' 2>&1 | tr -d '\n ' | head -c 1500)"
  done
fi

echo "# sxctl sa show, site A:"
sx a sa show 2>&1 | sed 's/^/#   /'
echo "# sxctl sa show, site B:"
sx b sa show 2>&1 | sed 's/^/#   /'
echo "# overlay drops: A $(drops_of a overlay.) / B $(drops_of b overlay.)"
for s in a b; do echo "# port-stats $s:"; sx "$s" port-stats 2>&1 | sed 's/^/#   /'; done
# frames the kernel could not hand to sxdp's AF_XDP sockets (its veths'
# XDP redirects that failed: the socket's ring full under TCP at full
# rate), which sxdp's port counters (IMISSED) do not show
xq=""
for s in a b; do
  for n in lan wan; do
    xq+=" $s.$n $(in_ns "s$s" ethtool -S "$n" 2>/dev/null | awk '$1 == "rx_queue_0_drops:" {print $2}')"
  done
done
echo "# veth XDP drops (ethtool -S rx_queue_0_drops):$xq"
echo "# path 1: A rtt $(path_of a rtt_us) us, $(path_of a packets) packets; B rtt $(path_of b rtt_us) us, $(path_of b packets) packets"

if stop_site a && stop_site b; then ok "both sxdp stopped cleanly"; else notok "sxdp stop"; fi
finish
