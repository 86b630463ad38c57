#!/usr/bin/env bash
# e2e smoke: two kernel hosts in network namespaces talk through sxdp.
#
#   h1 10.0.0.1 ── veth ── sx0 = p0 ┐ sxdp, port table p0<->p1 (a wire)
#   h2 10.0.0.2 ── veth ── sx1 = p1 ┘ net_af_xdp
#
# Checks: sxdp starts on AF_XDP (a failure if it does not; on a kernel with
# no AF_XDP socket that check is skipped, said why, and the rest runs on
# net_af_packet; NL_DRIVER=af_packet asks for AF_PACKET), the cross-connect is programmed, 20 pings
# with 0% loss, a few seconds of TCP (iperf3, else a python3 socket pair) move
# bytes, sxdp's counters saw the packets, SIGTERM stops it with exit 0; the
# workers sleep when idle (NL_IDLE_SLEEP=1000 unless given; 0: they poll)
# and a burst sent while they sleep arrives whole.
# Ends with "N passed, M failed"; exit 1 if any failed, 77 if this machine
# cannot do network namespaces/veth. BUILD=dir picks the build directory.
set -uo pipefail
export NL_IDLE_SLEEP=${NL_IDLE_SLEEP:-1000}
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"

# shellcheck disable=SC2317  # called from the EXIT trap
dump_log() {
  [ -n "$NL_LOG" ] && [ -f "$NL_LOG" ] || return 0
  echo "# sxdp log ($NL_LOG):"
  tail -40 "$NL_LOG" | sed 's/^/#   /'
}
# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  [ "$fail" -eq 0 ] || dump_log
  nl_cleanup
}
trap on_exit EXIT
trap 'exit 130' INT TERM

ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }

# 1. topology + sxdp on AF_XDP
if ! nl_setup; then
  notok "topology: namespaces $NL_H1/$NL_H2 with veth $NL_IF0/$NL_IF1"
  finish
fi
ok "topology: $NL_H1 ($NL_IP1) -- $NL_IF0 | $NL_IF1 -- $NL_H2 ($NL_IP2)"

asked=$NL_DRIVER
if ! nl_start_sxdp "$SXDP"; then
  notok "sxdp starts on $NL_IF0/$NL_IF1 with net_$asked"
  finish
fi
if [ "$NL_DRIVER" = af_xdp ]; then
  ok "sxdp started with net_af_xdp0,iface=$NL_IF0 / net_af_xdp1,iface=$NL_IF1 (queue_count=1)"
elif [ "$asked" = af_xdp ]; then
  skip "sxdp starts on net_af_xdp" "$NL_AFXDP_WHY (the rest runs on net_$NL_DRIVER)"
else
  ok "sxdp started with net_$NL_DRIVER ports (NL_DRIVER=$asked asked for it)"
fi

if ctl hello >/dev/null; then ok "sys.hello over $NL_SOCK"; else notok "sys.hello over $NL_SOCK"; fi

# 2. the wire: p0 -> p1, p1 -> p0
if ctl table add port in_port=p0 action output port=p1 >/dev/null &&
   ctl table add port in_port=p1 action output port=p0 >/dev/null; then
  n=$(ctl --json table show port | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  if [ "$n" = 2 ]; then ok "port table: p0->p1, p1->p0"; else notok "port table has $n entries, want 2"; fi
else
  notok "port table: p0->p1, p1->p0"
fi

stats_json() { ctl --json stats; }
ports_json() { ctl --json raw port.stats '{}'; }
before=$(stats_json)

# 3. ping
if ! nl_wait_path 15; then
  notok "path h1 -> h2 never answered a ping within 15 s"
fi
pout=$(ip netns exec "$NL_H1" ping -c 20 -i 0.05 -W 2 "$NL_IP2" 2>&1)
loss=$(printf '%s\n' "$pout" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
if [ "$loss" = 0 ]; then
  ok "ping h1 -> h2: 20 sent, 0% loss ($(printf '%s\n' "$pout" | tail -1))"
else
  notok "ping h1 -> h2: ${loss:-?}% loss"
  printf '%s\n' "$pout" | tail -4 | sed 's/^/#   /'
fi

# 3b. idle workers sleep (config.idle_sleep_max_us, NL_IDLE_SLEEP) and wake
# on traffic with nothing lost at the ramp: a back-to-back burst from h1
# while they sleep arrives whole in h2 (the device's ring holds what came
# during the sleep)
if [ "$NL_IDLE_SLEEP" -gt 0 ]; then
  sleep_of() { ctl --json stats | "$PY" -c 'import json,sys; print(sum(l["sleep_cycles"] for l in json.load(sys.stdin)["lcores"] if l["role"] == "worker"))'; }
  s0=$(sleep_of); sleep 1.5; s1=$(sleep_of)
  if [ "${s1:-0}" -gt "${s0:-0}" ]; then
    ok "idle: the workers sleep (sleep_cycles $s0 -> $s1 over 1.5 s, idle_sleep_max_us $NL_IDLE_SLEEP)"
  else
    notok "idle: the workers did not sleep (sleep_cycles $s0 -> $s1)"
  fi
  ip netns exec "$NL_H2" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((sys.argv[1], 5300)); s.settimeout(3); n = 0
try:
    while True:
        s.recv(2048); n += 1
except socket.timeout:
    pass
print(n)' "$NL_IP2" >"$NL_DIR/burst-recv.txt" 2>&1 &
  rcv=$!
  listening udp 5300 ip netns exec "$NL_H2"
  ip netns exec "$NL_H1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(500): s.sendto(b"%04d" % i + b"x" * 60, (sys.argv[1], 5300))' "$NL_IP2"
  wait "$rcv" 2>/dev/null
  got=$(tail -1 "$NL_DIR/burst-recv.txt" | tr -cd 0-9)
  if [ "${got:-0}" = 500 ]; then
    ok "wake-up: a burst of 500 datagrams sent back to back to sleeping workers all arrived"
  else
    notok "wake-up: ${got:-0} of 500 datagrams arrived ($(ctl --json raw port.stats '{}' | tr -d '\n' | head -c 300))"
  fi
fi

# 4. TCP for a few seconds
tcp_bytes=0
if command -v iperf3 >/dev/null; then
  tool=iperf3
  ip netns exec "$NL_H2" iperf3 -s -1 -B "$NL_IP2" >"$NL_DIR/iperf-server.log" 2>&1 &
  srv=$!
  listening tcp 5201 ip netns exec "$NL_H2"
  # Several streams when there are several workers: the kernel hashes each
  # flow to one queue, and a single stream can land every packet on one worker.
  streams=$(( ${NL_WORKERS:-1} > 1 ? 4 * NL_WORKERS : 1 ))
  ip netns exec "$NL_H1" timeout $((TCP_SECONDS + 15)) iperf3 -c "$NL_IP2" -t "$TCP_SECONDS" -P "$streams" -J \
    >"$NL_DIR/iperf.json" 2>&1
  tcp_bytes=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' \
    "$NL_DIR/iperf.json" 2>/dev/null || echo 0)
  kill "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
else
  tool="python3 sockets"
  ip netns exec "$NL_H2" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
print(n)' "$NL_IP2" >"$NL_DIR/tcp-recv.txt" 2>&1 &
  srv=$!
  listening tcp 5201 ip netns exec "$NL_H2"
  ip netns exec "$NL_H1" "$PY" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 5201), timeout=10)
end = time.time() + float(sys.argv[2]); buf = b"x" * 65536
while time.time() < end: s.sendall(buf)
s.close()' "$NL_IP2" "$TCP_SECONDS" 2>&1
  wait "$srv" 2>/dev/null
  tcp_bytes=$(tail -1 "$NL_DIR/tcp-recv.txt" 2>/dev/null | tr -cd 0-9)
  tcp_bytes=${tcp_bytes:-0}
fi
if [ "$tcp_bytes" -gt 1000000 ]; then
  ok "TCP h1 -> h2 over $tool for ${TCP_SECONDS} s: $tcp_bytes bytes received ($((tcp_bytes * 8 / TCP_SECONDS / 1000000)) Mbit/s)"
else
  notok "TCP h1 -> h2 over $tool: only $tcp_bytes bytes received"
  [ -f "$NL_DIR/iperf.json" ] && head -c 600 "$NL_DIR/iperf.json" | sed 's/^/#   /'
fi

# 5. sxdp's counters saw it, and add up: per worker rx + inject + copies =
# tx + drop + punt; what the kernel dropped before sxdp read it is rx_missed
sleep 0.5
after=$(stats_json)
chk=$(printf '%s\n%s\n%s\n' "$before" "$after" "$(ports_json)" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
a, i = dec.raw_decode(txt); txt = txt[i:].strip(); b, i = dec.raw_decode(txt); ps, _ = dec.raw_decode(txt[i:].strip())
def port(s, n): return next(p for p in s["ports"] if p["name"] == n)
def d(n, k): return port(b, n)[k] - port(a, n)[k]
w = sum(l["rx_packets"] for l in b["lcores"] if l["role"] == "worker") - \
    sum(l["rx_packets"] for l in a["lcores"] if l["role"] == "worker")
ph = b["tables"]["port"]["hits"] - a["tables"]["port"]["hits"]
bad = []
if d("p0", "rx_packets") < 20 or d("p1", "tx_packets") < 20: bad.append("p0->p1 below 20 packets")
if d("p1", "rx_packets") < 20 or d("p0", "tx_packets") < 20: bad.append("p1->p0 below 20 packets")
if ph < 40: bad.append("port table hits %d < 40" % ph)
drops = {k: v for k, v in (b.get("drops") or {}).items() if v}
workers = [l for l in b["lcores"] if l["role"] == "worker"]
for l in workers:
    if l["rx_packets"] + l["inject_packets"] + l["copy_packets"] != l["tx_packets"] + l["drop_packets"] + l["punt_packets"]:
        bad.append("lcore %d does not add up: %s" % (l["lcore"], l))
if len(workers) > 1 and not all(l["rx_packets"] > 0 for l in workers):
    bad.append("traffic not spread over the %d workers: %s" % (len(workers), [l["rx_packets"] for l in workers]))
missed = {p["name"]: p["rx_missed"] for p in ps["ports"]}
print("%s|p0 rx %d tx %d, p1 rx %d tx %d, worker rx %d (per worker %s), port hits %d, drops %s, "
      "missed by the kernel/device %s" % (
    "; ".join(bad), d("p0", "rx_packets"), d("p0", "tx_packets"), d("p1", "rx_packets"),
    d("p1", "tx_packets"), w, [l["rx_packets"] for l in workers], ph, drops or "none", missed))
' 2>&1)
if [ "${chk%%|*}" = "" ] && [[ $chk == *"|"* ]]; then
  ok "sxdp counters: ${chk#*|}"
else
  notok "sxdp counters: $chk"
fi

# 6. clean stop
sock=$NL_SOCK
nl_stop_sxdp
rc=$?
if [ "$rc" -eq 0 ] && [ ! -e "$sock" ]; then
  ok "SIGTERM: sxdp exit 0, socket removed"
else
  notok "SIGTERM: sxdp exit $rc$([ -e "$sock" ] && echo ", socket left behind")"
  grep -E 'leak|ERR|error' "$NL_LOG" | tail -3 | sed 's/^/#   /'
fi
finish
