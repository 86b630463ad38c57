# shellcheck shell=bash
# Helpers of the switch and overlay e2e tests (switch.sh, switch6.sh,
# overlay.sh, overlay_sla.sh), sourced after common.sh. The caller defines in_ns HOST CMD..., ctl ARGS..., the IP map
# (host -> its address, IPv4 or IPv6), HOSTS (the sxdp ports, in order:
# one veth each, named ns HOST), ns HOST and NL_DIR.

# $NL_DIR/sxdp.json: pipeline $2 (default "switch") on one port per host,
# driver $1 (af_xdp | af_packet), NL_SOCK and NL_PREFIX as set; a port's
# role is ROLE[host] when the caller declares that array, else lan; with
# AF_XDP, XDP_OPTS[host] (more JSON members: "shared") when declared. The
# worker polls (0, as shipped) or sleeps when idle up to SXDP_IDLE_SLEEP_US
# (scripts/test.sh sets it where tiers run side by side).
sw_write_config() { # driver [pipeline JSON]
  local drv=$1 pipeline=${2:-'"switch"'} i=0 h ports="" role opts
  for h in "${HOSTS[@]}"; do
    role=lan opts=
    if declare -p ROLE >/dev/null 2>&1; then role=${ROLE[$h]:-lan}; fi
    if [ "$drv" = af_xdp ] && declare -p XDP_OPTS >/dev/null 2>&1; then opts=${XDP_OPTS[$h]:+, ${XDP_OPTS[$h]}}; fi
    [ -z "$ports" ] || ports+=$',\n'
    ports+="    {\"name\": \"$h\", \"devargs\": \"$(nl_devargs "$drv" "$i" "$(ns "$h")")\", \"role\": \"$role\", \"rx_queues\": 1, \"rxd\": 1024, \"txd\": 1024$opts}"
    i=$((i + 1))
  done
  cat >"$NL_DIR/sxdp.json" <<EOF
{
  "eal": [$(nl_eal_mem 1024), "--no-pci", "--file-prefix", "$NL_PREFIX"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$NL_SOCK",
  "mbufs": 32767,
  "idle_sleep_max_us": ${SXDP_IDLE_SLEEP_US:-0},
  "pipeline": $pipeline,
  "ports": [
$ports
  ]
}
EOF
}

# Remove what an earlier run left behind: netns and root veths named
# PREFIX<pid>-<anything>, whose pid is gone.
sw_stale_cleanup() { # prefix
  local p=$1 re n pid
  re="^${p}[0-9]+-"
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$re") \
           $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "$re"); do
    pid=${n#"$p"}; pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null && continue
    nl_ns_del "$n" || ip link del "$n" 2>/dev/null
  done
}

# Start sxdp with pipeline $2 on the HOSTS' veths: AF_XDP (NL_DRIVER), and
# AF_PACKET only on a kernel with no AF_XDP socket (NL_AFXDP_WHY says why),
# DPDK file prefix $1-<driver>. Sets drv; 1 when it does not start.
sw_launch() { # prefix pipeline-JSON
  drv=$NL_DRIVER
  NL_PREFIX="$1-$drv"
  if sw_write_config "$drv" "$2" && nl_launch "$SXDP" "$NL_DIR/sxdp.json"; then
    return 0
  fi
  nl_stop_sxdp >/dev/null 2>&1
  [ "$drv" = af_xdp ] && NL_AFXDP_WHY=$(nl_no_afxdp) || return 1
  drv=af_packet NL_PREFIX="$1-af_packet"
  sw_write_config "$drv" "$2" && nl_launch "$SXDP" "$NL_DIR/sxdp.json"
}

# sw_launch, reported: ok, or not ok with sxdp's log and the test ends.
# $3 is how the pipeline reads in the report (lan=switch wan=overlay).
sw_start() { # prefix pipeline-JSON pipeline-text
  if ! sw_launch "$1" "$2"; then
    notok "sxdp starts on ${#HOSTS[@]} veth ports (net_$drv)"
    tail -15 "$NL_LOG" 2>/dev/null | sed 's/^/#   /'
    finish
  fi
  [ "$drv" = "$NL_DRIVER" ] || skip "sxdp on net_$NL_DRIVER" "$NL_AFXDP_WHY (runs on net_$drv)"
  ok "sxdp started: net_$drv ports, pipeline $3"
}

# The root ends of the sxdp ports' veths up: no IPv6 (no stray router
# solicitations), one queue each (what the AF_XDP socket binds).
sw_links_up() { # link...
  local h
  for h in "$@"; do
    sysctl -qw "net.ipv6.conf.$(ns "$h").disable_ipv6=1" >/dev/null 2>&1
    ethtool -L "$(ns "$h")" rx 1 tx 1 >/dev/null 2>&1
    ip link set "$(ns "$h")" up
  done
}

stats_json() { ctl --json stats; }

# Load FILE (table.write params) in one call: ok, or notok and the end.
sw_table_load() { # FILE
  local out
  if out=$(ctl --json table load "$1" 2>&1); then
    ok "tables programmed in one dataplane-atomic batch"
  else
    notok "table load: $(printf '%s' "$out" | head -c 600)"
    finish
  fi
}

# The overlay's paths (overlay.paths), one field of one, a wait for a state.
paths_json() { ctl --json call overlay.paths 2>/dev/null; }
path_field() { # ID FIELD
  paths_json | "$PY" -c '
import json, sys
print(next((p[sys.argv[2]] for p in json.load(sys.stdin) if p["id"] == int(sys.argv[1])), "?"))' "$1" "$2"
}
wait_eq() { # SECONDS WANT COMMAND...: COMMAND's output comes to WANT within SECONDS (asked every 50 ms)
  local i s=$1 want=$2
  shift 2
  for i in $(seq 1 $((s * 20))); do
    [ "$("$@")" = "$want" ] && return 0
    sleep 0.05
  done
  return 1
}
wait_state() { # ID STATE SECONDS
  wait_eq "$3" "$2" path_field "$1" state
}
# port stats delta: stats_delta BEFORE AFTER PORT KEY
port_delta() {
  printf '%s\n%s\n' "$1" "$2" | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); txt = sys.stdin.read().strip()
a, i = dec.raw_decode(txt); b, _ = dec.raw_decode(txt[i:].strip())
def port(s, n): return next(p for p in s["ports"] if p["name"] == n)
print(port(b, sys.argv[1])[sys.argv[2]] - port(a, sys.argv[1])[sys.argv[2]])' "$3" "$4"
}

# ping_check NAME HOST DST COUNT WANT_TTL(or -) -> ok/notok
ping_check() {
  local name=$1 h=$2 dst=$3 cnt=$4 want_ttl=$5 out loss ttls
  out=$(in_ns "$h" ping -c "$cnt" -i 0.05 -W 2 "$dst" 2>&1)
  loss=$(printf '%s\n' "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
  ttls=$(printf '%s\n' "$out" | sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')
  ttls=${ttls% }
  if [ "$loss" = 0 ] && { [ "$want_ttl" = - ] || [ "$ttls" = "$want_ttl" ]; }; then
    ok "$name: $cnt/$cnt answered, ttl $ttls"
  else
    notok "$name: loss ${loss:-?}%, reply ttl '${ttls}' (want ${want_ttl})"
    printf '%s\n' "$out" | tail -4 | sed 's/^/#   /'
  fi
}
# wait until one ping from HOST to DST is answered, at most $3 s
wait_ping() {
  local h=$1 dst=$2 t=${3:-10} i
  for i in $(seq 1 "$t"); do
    in_ns "$h" ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && return 0
    [ "$i" -eq "$t" ] || sleep 0.2
  done
  return 1
}
# tcp SRC DST_HOST [ADDR] -> prints bytes received by DST_HOST's server
# (on ADDR, else the host's address in IP)
tcp_bytes() {
  local s=$1 d=$2 a=${3:-${IP[$2]}} tag=$1-$2-$RANDOM srv n
  if command -v iperf3 >/dev/null; then
    in_ns "$d" iperf3 -s -1 -B "$a" >"$NL_DIR/iperf-srv-$tag.log" 2>&1 &
    srv=$!
    listening tcp 5201 in_ns "$d"
    in_ns "$s" timeout $((TCP_SECONDS + 15)) iperf3 -c "$a" -t "$TCP_SECONDS" -J \
      >"$NL_DIR/iperf-$tag.json" 2>&1
    n=$("$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' \
      "$NL_DIR/iperf-$tag.json" 2>/dev/null || echo 0)
    kill "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
  else
    in_ns "$d" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
print(n)' "$a" >"$NL_DIR/tcp-recv-$tag.txt" 2>&1 &
    srv=$!
    listening tcp 5201 in_ns "$d"
    in_ns "$s" "$PY" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 5201), timeout=10)
end = time.time() + float(sys.argv[2]); buf = b"x" * 65536
while time.time() < end: s.sendall(buf)
s.close()' "$a" "$TCP_SECONDS" >/dev/null 2>&1
    wait "$srv" 2>/dev/null
    n=$(tail -1 "$NL_DIR/tcp-recv-$tag.txt" 2>/dev/null | tr -cd 0-9)
  fi
  echo "${n:-0}"
}
tcp_check() { # NAME SRC DST [ADDR]
  local n
  n=$(tcp_bytes "$2" "$3" "${4:-}")
  if [ "$n" -gt 1000000 ]; then
    ok "$1: $n bytes in ${TCP_SECONDS} s ($((n * 8 / TCP_SECONDS / 1000000)) Mbit/s)"
  else
    notok "$1: only $n bytes received"
  fi
}

# A TCP server answering each line it gets with "ok " and the line, on
# ADDR:PORT, run by the command prefix given (ip netns exec NS; none: in
# this namespace), in the background (BGPIDS); listening when this returns.
tcp_echo_server() { # ADDR PORT [PREFIX...]
  local a=$1 p=$2
  shift 2
  "$@" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for line in c.makefile("rb"):
    c.sendall(b"ok " + line)' "$a" "$p" >"$NL_DIR/echo-srv-$p.log" 2>&1 &
  BGPIDS+=($!)
  listening tcp "$p" "$@"
}
# N request/answer round trips from HOST to tcp_echo_server's ADDR:PORT,
# one at a time (an interactive session's pattern): prints how many came
# back right.
tcp_rounds() { # HOST ADDR PORT N
  in_ns "$1" "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb"); n = 0
for i in range(int(sys.argv[3])):
    s.sendall(b"req %d\n" % i)
    n += f.readline() == b"ok req %d\n" % i
print(n)' "$2" "$3" "$4" 2>&1
}

# The EXIT trap of the tests that set BGPIDS (background processes), NSES
# (their netns, names for ns) and LINKS (root-namespace veths, the same):
# the processes killed, sxdp's log shown when a check failed, sxdp
# stopped, the namespaces and veths removed, NL_DIR too unless NL_KEEP.
# shellcheck disable=SC2317  # the EXIT trap
sw_teardown() {
  local p
  for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ "$fail" -ne 0 ] && [ -n "${NL_LOG:-}" ] && [ -f "$NL_LOG" ]; then
    echo "# sxdp log ($NL_LOG):"
    tail -30 "$NL_LOG" | sed 's/^/#   /'
  fi
  nl_stop_sxdp >/dev/null 2>&1
  for p in "${NSES[@]}"; do nl_ns_del "$(ns "$p")"; done
  for p in "${LINKS[@]}"; do ip link del "$(ns "$p")" 2>/dev/null; done
  if [ -n "${NL_DIR:-}" ] && [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; fi
}
