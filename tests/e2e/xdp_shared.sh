#!/usr/bin/env bash
# e2e AF_XDP shared-NIC mode: one interface carries the box's own IP traffic
# (the kernel's) and sxdp's overlay at once.
#
#   site A: netns a (10.10.0.1)        the box: netns "box"                site B: netns b
#     eth0 ── lan (AF_XDP, sxdp's) ┐   wan: 192.0.2.10/24 (the kernel's)   w1 192.0.2.2/24
#                                  │   sxdp: wan shared (AF_XDP + XDP   ── vx0 10.10.0.2
#                                  ┘   program), VTEP 192.0.2.1              (kernel VXLAN 5000
#                                                                            to 192.0.2.1)
#
# sxdp runs in the box's netns; its WAN port is "shared": the XDP program
# it loads on wan gives it only what the overlay claims for its VTEP
# (VXLAN, GENEVE, probes, ICMP, ARP of 192.0.2.1) and passes everything else
# to the box's kernel. The VTEP is an address of its own, not the kernel's
# 192.0.2.10, so that ARP and ICMP can tell the two apart. One MAC for both
# (the SVI's is the interface's): no promiscuous mode needed.
#
# Checks: the program on wan is sxdp's (native XDP on veth); the overlay's
# claims are its rules; the probed path comes up (ICMP echo replies to the
# VTEP steered); ping a <-> b across the overlay; meanwhile the box's kernel
# pings b and b pings it, a TCP transfer b -> box runs, and an SSH-like
# exchange (TCP/22 to 192.0.2.10, 200 round trips) goes to the kernel: the
# program passed it (passed counter) and steered nothing else than the
# overlay's (steered counter moving with the overlay's traffic only); when
# sxdp stops, its program leaves the interface and the kernel keeps it.
# Ends with "N passed, M failed"; 77 if the machine cannot do netns/veth or
# AF_XDP with a custom XDP program.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

TAG=$$
ns() { printf 'xds%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
A_MAC=02:00:0a:0a:00:01 B_MAC=02:00:0a:0a:00:02 W_MAC=02:5e:00:00:0d:01
HOST=192.0.2.10 VTEP=192.0.2.1 FAR=192.0.2.2
BGPIDS=()

NSES=(a b box) LINKS=()
trap sw_teardown EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
sw_stale_cleanup xds
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-xds.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
topo() {
  local h
  for h in a b box; do
    ip netns add "$(ns $h)" || return 1
    ip -n "$(ns $h)" link set lo up
    in_ns $h sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  ip -n "$(ns box)" link add lan type veth peer name eth0 netns "$(ns a)" || return 1
  ip -n "$(ns box)" link add wan address $W_MAC type veth peer name w1 netns "$(ns b)" || return 1
  # site A's host: the overlay's MTU (1500 less VXLAN's 50), B's MAC static
  ip -n "$(ns a)" link set eth0 address $A_MAC mtu 1450 up
  ip -n "$(ns a)" addr add 10.10.0.1/24 dev eth0
  ip -n "$(ns a)" neigh replace 10.10.0.2 lladdr $B_MAC dev eth0 nud permanent
  in_ns a ethtool -K eth0 tx off >/dev/null 2>&1
  # site B: the underlay link and the kernel's VXLAN to the box's VTEP
  ip -n "$(ns b)" addr add $FAR/24 dev w1
  ip -n "$(ns b)" link set w1 up
  in_ns b ethtool -K w1 tx off >/dev/null 2>&1
  ip -n "$(ns b)" link add vx0 address $B_MAC type vxlan id 5000 dstport 4789 || return 1
  in_ns b bridge fdb append 00:00:00:00:00:00 dev vx0 dst $VTEP || return 1
  ip -n "$(ns b)" addr add 10.10.0.2/24 dev vx0
  ip -n "$(ns b)" link set vx0 up
  # the box: its kernel's own address on wan; lan is sxdp's alone
  ip -n "$(ns box)" addr add $HOST/24 dev wan
  for h in lan wan; do
    in_ns box ethtool -L $h rx 1 tx 1 >/dev/null 2>&1
    ip -n "$(ns box)" link set $h up
  done
}
if ! topo; then
  notok "topology: netns a, b, box; veth lan, wan; VXLAN vx0 in b"
  finish
fi
ok "topology: site A host on lan, site B (kernel VXLAN 5000) on wan, the box's kernel $HOST on wan"
if ! in_ns box ping -c 1 -W 2 $FAR >/dev/null 2>&1; then
  notok "the box's kernel pings $FAR before sxdp starts"
  finish
fi

# ---------------------------------------------------------------- sxdp
# sxdp runs in the box's netns (nl_launch starts a command: exec keeps the pid)
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$(ns box)" "$SXDP" >"$NL_DIR/sxdp-in-box"
chmod +x "$NL_DIR/sxdp-in-box"
NL_PREFIX="xds$TAG"
cat >"$NL_DIR/sxdp.json" <<EOF
{
  "eal": [$(nl_eal_mem 1024), "--no-pci", "--file-prefix", "$NL_PREFIX"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$NL_SOCK",
  "mbufs": 32767,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [
    {"name": "lan", "devargs": "net_af_xdp0,iface=lan,start_queue=0,queue_count=1", "role": "lan",
     "rx_queues": 1},
    {"name": "wan", "devargs": "net_af_xdp1,iface=wan,start_queue=0,queue_count=1", "role": "wan",
     "rx_queues": 1, "shared": true, "promisc": false}
  ]
}
EOF
if ! nl_launch "$NL_DIR/sxdp-in-box" "$NL_DIR/sxdp.json"; then
  # a kernel without AF_XDP sockets; anything else (the program refused,
  # its maps not found) is a failure, not a skip
  if why=$(nl_no_afxdp); then
    echo "SKIP: $why"
    tail -8 "$NL_LOG" | sed 's/^/#   /'
    exit 77
  fi
  notok "sxdp starts with a shared AF_XDP port"
  tail -15 "$NL_LOG" 2>/dev/null | sed 's/^/#   /'
  finish
fi
ok "sxdp started in the box's netns: lan AF_XDP, wan AF_XDP shared with the kernel"

link=$(ip -n "$(ns box)" link show wan)
if printf '%s' "$link" | grep -q 'prog/xdp id [0-9]* name sx_steer'; then
  ok "wan runs sxdp's XDP program ($(printf '%s' "$link" | grep -o 'prog/xdp id [0-9]*'), ip link says $(printf '%s' "$link" | grep -o ' xdp[a-z]* ' | tr -d ' '))"
else
  notok "wan's XDP program: $link"
fi
if grep -q "port wan: shared with the kernel" "$NL_LOG"; then
  ok "sxdp found the program's maps: $(grep -o 'XDP program sx_steer.*mode)' "$NL_LOG")"
else
  notok "sxdp's log says nothing of the shared port"
fi

xdp_json() { ctl --json xdp 2>/dev/null; }
# xdp_field KEY: the wan port's counter
xdp_field() {
  xdp_json | "$PY" -c '
import json, sys
print(next(p[sys.argv[1]] for p in json.load(sys.stdin)["ports"] if p["port"] == "wan"))' "$1"
}
# frames b sent on w1 (each meets the program once)
b_tx() { in_ns b cat /sys/class/net/w1/statistics/tx_packets; }

# ----------------------------------------------------------- programming
PYTHONPATH="$here" "$PY" - "$VTEP" "$FAR" "$W_MAC" "$B_MAC" >"$NL_DIR/tables.json" <<'PYEOF'
import json, sys
from swtables import link
vtep, far, wmac, bmac = sys.argv[1:]
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
# slice 1: bd 10 on the LAN, stretched to site B
add("interfaces", {"in_port": "lan", "vlan": 0}, "attach", {"slice": 1, "bd": 10})
add("bd_ports", {"bd": 10, "port": "lan"}, "member", {"vlan": 0})
add("flood", {"bd": 10}, "flood", {"ports": 1})
add("fdb", {"bd": 10, "mac": bmac}, "tunnel", {"tunnel": 7})
# the underlay: slice 100, the VTEP its SVI on wan (the interface's own MAC)
link(add, "wan", 1, 100, 101, vtep, wmac, "192.0.2.0/24")
add("vteps", {"ip": vtep}, "vtep")
add("vnis", {"vni": 5000}, "l2", {"slice": 1, "bd": 10})
add("peers", {"slice": 1, "ip": far}, "peer", {"tunnel": 7})
add("endpoints", {"ip": far}, "endpoint", {"site": 2})
add("paths", {"id": 1}, "icmp", {"src": vtep, "dst": far, "vrf": 100, "mtu": 0, "gw": far,
                                 "interval_ms": 50, "down_after": 3, "up_after": 5})
add("tunnels", {"id": 7}, "vxlan", {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0})
print(json.dumps({"atomicity": "dataplane-atomic", "updates": u}))
PYEOF
sw_table_load "$NL_DIR/tables.json"

rules=$(xdp_json | "$PY" -c '
import json, sys
print(" ".join(sorted("%s/%s/%d/%s" % (r["addr"], r["proto"], r["port"], ",".join(r["owners"]))
                      for r in json.load(sys.stdin)["rules"])))')
# its tunnels, probes (sxdp echo on 3785, BFD on 3784), ICMP and ARP, ESP (protocol 50, and UDP 4500: RFC 3948) for encrypted paths, IKE (UDP 500; on 4500 too) for sxcd
want="$VTEP/50/0/overlay $VTEP/arp/0/overlay $VTEP/icmp/0/overlay $VTEP/udp/3784/overlay $VTEP/udp/3785/overlay $VTEP/udp/4500/overlay $VTEP/udp/4789/overlay $VTEP/udp/500/overlay $VTEP/udp/6081/overlay"
if [ "$rules" = "$want" ]; then
  ok "the overlay's claims for its VTEP are the rules: $rules"
else
  notok "rules: '$rules', want '$want'"
fi

if wait_state 1 up 5; then
  ok "path 1 up: site B's echo replies to the VTEP reach sxdp through the shared port"
else
  notok "path 1 up: $(paths_json | head -c 600)"
fi

# ------------------------------------------------------------ overlay
s0=$(xdp_field steered)
ping_check "ping a -> b across the overlay (kernel VXLAN at site B)" a 10.10.0.2 5 -
ping_check "ping b -> a across the overlay (kernel VXLAN at site B)" b 10.10.0.1 5 -
s1=$(xdp_field steered)
# 10 VXLAN frames from b at least, besides the probes' answers
if [ "$((s1 - s0))" -ge 10 ]; then
  ok "steered counter moved with the overlay: +$((s1 - s0))"
else
  notok "steered counter: +$((s1 - s0)) over 10 pings across the overlay"
fi

# ------------------------------------------------- the box's own traffic
ping_check "the box's kernel: ping box -> $FAR on the shared interface" box "$FAR" 10 -
ping_check "the box's kernel: ping b -> $HOST on the shared interface" b "$HOST" 10 -

if command -v iperf3 >/dev/null; then
  ip netns exec "$(ns box)" iperf3 -s -1 -B $HOST >"$NL_DIR/iperf-srv.log" 2>&1 &
  BGPIDS+=($!)
  listening tcp 5201 in_ns box
  p0=$(xdp_field passed)
  if in_ns b timeout $((TCP_SECONDS + 15)) iperf3 -c $HOST -t "$TCP_SECONDS" -J >"$NL_DIR/iperf.json" 2>&1; then
    n=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$NL_DIR/iperf.json" 2>/dev/null || echo 0)
  else
    n=0
  fi
  p1=$(xdp_field passed)
  if [ "$n" -gt 1000000 ]; then
    ok "TCP b -> the box's kernel ($HOST) while sxdp runs: $n bytes in $TCP_SECONDS s ($((n * 8 / TCP_SECONDS / 1000000)) Mbit/s), $((p1 - p0)) frames passed to the kernel"
  else
    notok "TCP b -> $HOST: $n bytes ($(tail -3 "$NL_DIR/iperf.json" | tr '\n' ' '))"
  fi
else
  skip "bulk TCP b -> the box's kernel (iperf3)" "iperf3 is not installed (apt-get install iperf3)"
fi

# SSH-like: 200 request/answer round trips to TCP/22 of the box's own address
tcp_echo_server $HOST 22 ip netns exec "$(ns box)"
probes() {
  ctl --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print(next((p["probes_answered"] for p in json.load(sys.stdin) if p["id"] == 1), 0))'
}
c0=$(xdp_json) t0=$(b_tx) a0=$(probes)
got=$(tcp_rounds b $HOST 22 200)
c1=$(xdp_json) t1=$(b_tx) a1=$(probes)
read -r ds dp dn <<<"$(printf '%s\n%s\n' "$c0" "$c1" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
a, i = dec.raw_decode(txt); b, _ = dec.raw_decode(txt[i:].strip())
w = lambda d: next(p for p in d["ports"] if p["port"] == "wan")
print(*(w(b)[k] - w(a)[k] for k in ("steered", "passed", "no_socket")))')"
sent=$((t1 - t0)) answered=$((a1 - a0))
if [ "$got" = 200 ]; then
  ok "SSH-like TCP/22 to the box's kernel ($HOST): 200/200 answers while sxdp runs"
else
  notok "SSH-like TCP/22 to $HOST: $got/200 answers"
fi
# every frame b sent met the program once (a few may be in flight while the
# counters are read); TCP/22 was passed, and what was steered meanwhile is
# the probes' answers (sxdp counts them too) and at most an ARP or two
if [ "$dp" -ge 200 ] && [ "$((ds + dp + dn))" -ge "$((sent - 3))" ] && [ "$((ds + dp + dn))" -le "$((sent + 3))" ] &&
   [ "$ds" -le $((answered + 4)) ] && [ "$dn" -eq 0 ]; then
  ok "the program passed the SSH-like exchange to the kernel: b sent $sent frames, $dp passed, $ds steered (probe answers meanwhile: $answered), $dn without socket"
else
  notok "counters over the SSH-like exchange: b sent $sent frames, passed $dp, steered $ds ($answered probe answers), no_socket $dn"
fi
echo "# sxctl xdp:"
ctl xdp 2>&1 | sed 's/^/#   /'

# ------------------------------------------------------------------ stop
if nl_stop_sxdp; then ok "sxdp stopped cleanly"; else notok "sxdp stop"; fi
link=$(ip -n "$(ns box)" link show wan)
if ! printf '%s' "$link" | grep -q 'prog/xdp'; then
  ok "sxdp's XDP program left wan with it"
else
  notok "wan still runs an XDP program after sxdp stopped: $link"
fi
if in_ns box ping -c 3 -i 0.1 -W 2 $FAR >/dev/null 2>&1; then
  ok "the box's kernel still has wan after sxdp: ping $FAR"
else
  notok "the box's kernel lost wan after sxdp stopped"
fi

# an XDP program left on the interface (a killed sxdp's) is named, not hit
if ip -n "$(ns box)" link set dev wan xdpgeneric obj "$BUILD/dp_xdp.bpf.o" sec xdp 2>/dev/null; then
  if ! nl_launch "$NL_DIR/sxdp-in-box" "$NL_DIR/sxdp.json" &&
     grep -q "wan already runs XDP program 'sx_steer' (id [0-9]*): another AF_XDP user" "$NL_LOG"; then
    ok "a program already on wan is refused by name: $(grep -o "wan already runs XDP program 'sx_steer' (id [0-9]*)" "$NL_LOG")"
  else
    notok "sxdp on an interface that has an XDP program: $(grep 'sxdp:' "$NL_LOG" | tail -3)"
    nl_stop_sxdp >/dev/null 2>&1
  fi
  ip -n "$(ns box)" link set dev wan xdpgeneric off
else
  echo "# ip cannot load an XDP object here: the refusal of a taken interface is not checked"
fi
finish
