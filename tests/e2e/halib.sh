# shellcheck shell=bash
# halib.sh: what the pair's e2e tests (ha_pair.sh, ha_upf.sh) share: a box's
# sxdp in its namespace, two numbered 1,000 datagram/s streams between hosts
# in network namespaces, whether they flow, the outage a failure cost each,
# and the boxes' stop. Sourced after common.sh; the caller defines nsn (a
# namespace's name), in_ns, NL_DIR, BOUND, BOXES and BGPIDS (the background
# processes its exit kills).

# sxdp of box BOX in its namespace (its EAL prefix the namespace's name), on
# DRIVER (af_xdp, af_packet) ports of the veths named, PIPELINE (JSON) its
# roles' pipelines; pid in NL_DIR/sxdp-BOX.pid, log sxdp-BOX.log; waits for
# its socket. $SXDP (common.sh's, or the caller's) is the binary.
box_sxdp() { # box driver pipeline port:role...
  local b=$1 drv=$2 pipe=$3 i=0 ports="" n
  shift 3
  for n in "$@"; do
    ports+="${ports:+,}
    {\"name\": \"${n%:*}\", \"role\": \"${n#*:}\", \"rx_queues\": 1, \"devargs\": \"$(nl_devargs "$drv" "$i" "${n%:*}")\"}"
    i=$((i + 1))
  done
  cat >"$NL_DIR/sxdp-$b.json" <<EOF
{
  "eal": [$(nl_eal_mem 512), "--no-pci", "--file-prefix", "$(nsn "$b")"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$NL_DIR/$b.sock",
  "mbufs": 16383,
  "idle_sleep_max_us": 500,
  "pipeline": $pipe,
  "ports": [$ports
  ]
}
EOF
  rm -f "$NL_DIR/$b.sock"
  ip netns exec "$(nsn "$b")" "$SXDP" --config "$NL_DIR/sxdp-$b.json" --socket "$NL_DIR/$b.sock" \
    >>"$NL_DIR/sxdp-$b.log" 2>&1 </dev/null &
  echo $! >"$NL_DIR/sxdp-$b.pid"
  wait_for "$BOUND" sx_ready "$b"
}
sx() { local b=$1; shift; "$SXCTL" --socket "$NL_DIR/$b.sock" "$@"; }
sx_ready() { kill -0 "$(cat "$NL_DIR/sxdp-$1.pid")" 2>/dev/null && sx "$1" hello >/dev/null 2>&1; }

# Every box's sxdp (the caller's sxdp_start BOX DRIVER) on AF_XDP, else,
# where this kernel cannot, on AF_PACKET (said as a skip): DRIVER the one
# they run on. 1 when neither starts.
boxes_sxdp_up() {
  local b
  DRIVER=af_xdp
  boxes_sxdp_try && return 0
  for b in $BOXES; do kill "$(cat "$NL_DIR/sxdp-$b.pid" 2>/dev/null)" 2>/dev/null; done
  sleep 1
  DRIVER=af_packet
  boxes_sxdp_try || return 1
  skip "sxdp on net_af_xdp" "$(nl_no_afxdp) (runs on net_af_packet)"
}
boxes_sxdp_try() { local b; for b in $BOXES; do sxdp_start "$b" "$DRIVER" || return 1; done; }

mono() { "$PY" -c 'import time; print("%.6f" % time.monotonic())'; }
ms_since() { "$PY" -c 'import sys, time; print(int((time.monotonic() - float(sys.argv[1])) * 1000))' "$1"; }

# A stream from host FROM to host TO at TO's address ADDR on UDP 9999, a
# datagram a millisecond, numbered; the receiver records each one's arrival
# in recv-TO.txt (CLOCK_MONOTONIC is every netns's). Not through in_ns, a
# function: $! must be the process itself. A send that fails (no route
# while the gateway moves) is skipped, its number lost.
stream_start() { # from to to-address
  ip netns exec "$(nsn "$2")" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 9999))
with open(sys.argv[1], "w", buffering=1) as f:
    while True:
        d, _ = s.recvfrom(64)
        f.write("%.6f %s\n" % (time.monotonic(), d.decode()))' "$NL_DIR/recv-$2.txt" "$3" &
  BGPIDS+=($!)
  listening udp 9999 in_ns "$2" || return 1
  ip netns exec "$(nsn "$1")" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i, t = 0, time.monotonic()
while True:
    try:
        s.sendto(str(i).encode(), (sys.argv[1], 9999))
    except OSError:
        pass
    i += 1; t += 0.001
    time.sleep(max(0, t - time.monotonic()))' "$3" &
  BGPIDS+=($!)
}

# Both receivers' streams arrive (at least 100 datagrams each in 0.3 s).
streams_flow() { # receiver receiver
  local t; t=$(mono); sleep 0.3
  [ "$(awk -v t="$t" '$1 >= t {n++} END {print n + 0}' "$NL_DIR/recv-$1.txt")" -ge 100 ] &&
    [ "$(awk -v t="$t" '$1 >= t {n++} END {print n + 0}' "$NL_DIR/recv-$2.txt")" -ge 100 ]
}

# A stream's outage from T on: the longest run of numbers never received
# (1 ms each) after the last one received before T; what a frozen box
# delivers late is no loss, nor is the sender's own stall (it catches up).
outage_of() { # receiver T
  "$PY" - "$NL_DIR/recv-$1.txt" "$2" <<'PYEOF'
import sys
cut = float(sys.argv[2])
rx = [(float(t), int(n)) for t, n in (l.split()[:2] for l in open(sys.argv[1]).read().splitlines()
                                      if len(l.split()) >= 2 and l.split()[1].isdigit())]
got = {n for _, n in rx}
s0 = max([n for t, n in rx if t < cut] + [-1])
run = best = 0
for n in range(s0 + 1, max(got | {s0}) + 1):
    run = run + 1 if n not in got else 0
    best = max(best, run)
print(best)
PYEOF
}

# Both streams' outages since T0, as "# outage_ms KIND NAME1 N NAME2 M" in
# NL_DIR/figures (bench/pair_failover.sh reads them) and a line for ok.
outages_of() { # kind receiver1 name1 receiver2 name2
  local a b
  a=$(outage_of "$2" "$T0") b=$(outage_of "$4" "$T0")
  echo "# outage_ms $1 $3 $a $5 $b" >>"$NL_DIR/figures"
  echo "${3/_to_/->} $a ms, ${5/_to_/->} $b ms lost"
}

# The EXIT trap's part for the boxes (BOXES, pid files NL_DIR/sxdp-B.pid and
# sxcd-B.pid): the background processes killed, every box's daemons asked
# to stop and waited for (a clean stop removes what EAL made: its runtime
# directory), then killed if still there.
boxes_stop() {
  local b p alive
  for b in $BOXES; do kill -CONT "$(cat "$NL_DIR/sxdp-$b.pid" 2>/dev/null)" 2>/dev/null; done
  for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
  for b in $BOXES; do
    kill "$(cat "$NL_DIR/sxcd-$b.pid" 2>/dev/null)" 2>/dev/null
    kill "$(cat "$NL_DIR/sxdp-$b.pid" 2>/dev/null)" 2>/dev/null
  done
  for _ in $(seq 1 50); do
    alive=0
    for b in $BOXES; do kill -0 "$(cat "$NL_DIR/sxdp-$b.pid" 2>/dev/null)" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for b in $BOXES; do
    kill -9 "$(cat "$NL_DIR/sxcd-$b.pid" 2>/dev/null)" "$(cat "$NL_DIR/sxdp-$b.pid" 2>/dev/null)" 2>/dev/null
  done
}
