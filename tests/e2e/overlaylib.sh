# shellcheck shell=bash
# What the overlay e2e scripts share (sourced after common.sh and
# switchlib.sh; they define ns): site A's host and site B over two WAN
# links (ov_two_sites); a numbered UDP stream from host a to host b
# across the overlay, and what a failover check reads of it.

# A 500 packet/s UDP stream a -> ADDR:9999; b records arrival times in
# $NL_DIR/recv.txt. OV_SENDER: the sender's pid (both are in BGPIDS).
# Not through in_ns (a function: a subshell): $! must be the process itself.
ov_stream_start() { # ADDR
  ip netns exec "$(ns b)" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 9999))
with open(sys.argv[1], "w", buffering=1) as f:
    while True:
        d, _ = s.recvfrom(64)
        f.write("%.6f %s\n" % (time.monotonic(), d.decode()))' "$NL_DIR/recv.txt" "$1" &
  BGPIDS+=($!)
  ip netns exec "$(ns a)" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i, t = 0, time.monotonic()
while True:
    s.sendto(str(i).encode(), (sys.argv[1], 9999))
    i += 1; t += 0.002
    time.sleep(max(0, t - time.monotonic()))' "$1" &
  OV_SENDER=$!
  BGPIDS+=("$OV_SENDER")
}

# The outage of the cut at monotonic time CUT, in ms ("nan" before a
# packet after it): the longest run of the stream's numbers lost from the
# last packet received before CUT on, at the sender's 2 ms a number (the
# sender catches up after a stall of its own, and what waited in a queue
# is no loss: only the failover's outage counts, not the machine's stalls
# of the sender or the receiver); CLOCK_MONOTONIC is the same in every netns.
gap_after() { # CUT
  "$PY" - "$NL_DIR/recv.txt" "$1" <<'PYEOF'
import sys
cut = float(sys.argv[2])
rx = [(float(t), int(n)) for t, n in (l.split()[:2] for l in open(sys.argv[1]).read().splitlines()
                                      if len(l.split()) >= 2 and l.split()[1].isdigit())]
rx = [x for i, x in enumerate(rx) if x[0] >= cut or (i + 1 < len(rx) and rx[i + 1][0] >= cut)]
seqs = sorted({n for _, n in rx})
print("%.0f" % (max(b - a for a, b in zip(seqs, seqs[1:])) * 2) if len(seqs) > 1 else "nan")
PYEOF
}

# Is the stream on path ID (up, its packet counter moving)?
on_path() { # ID
  local p
  [ "$(path_field "$1" state)" = up ] || return 1
  p=$(path_field "$1" packets)
  sleep 0.1
  [ "$(path_field "$1" state)" = up ] && [ "$(path_field "$1" packets)" -gt "$((p + 20))" ]
}

# The overlay's drops with a count, "none" without; one reason's count.
ov_drops() {
  ctl --json stats | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["drops"]
print(" ".join("%s=%d" % (k, v) for k, v in sorted(d.items()) if v and k.startswith("overlay.")) or "none")'
}
drop_count() { # REASON
  ctl --json stats | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["drops"].get(sys.argv[1], 0))' "$1"
}

# Why path ID last went up or down (overlay.events), "none" before.
last_why() { # ID
  ctl --json call overlay.events 2>/dev/null | "$PY" -c '
import json, sys
e = [x for x in json.load(sys.stdin)["events"] if x["type"] == "path" and x["path"] == int(sys.argv[1])]
print(e[-1]["why"] if e else "none")' "$1"
}

# ov_failover RUNS WHAT: RUNS times, link 1 (w1 in b) pulled under the
# stream of ov_stream_start: path 1 down within OV_DOWN_S (3) s, the
# outage the receiver sees under OV_OUTAGE_MS (1000) ms, path 2 carrying
# the stream; link 1 back, path 1 up within OV_BACK_S (5) s and the stream
# on it again. With OV_WHY_DOWN / OV_WHY_UP set, path 1's last event must
# say so. Prints the outages and their median, WHAT saying how the paths
# are watched; the script's evidence (when it has one) after a failure.
ov_failover() { # RUNS WHAT
  local run gap cut p2_before p2_after why back outages=() med
  local down_s=${OV_DOWN_S:-3} back_s=${OV_BACK_S:-5} max_ms=${OV_OUTAGE_MS:-1000}
  _ov_evidence() { if declare -F evidence >/dev/null; then evidence; fi; }
  # after the cut: path 2 has carried 100 more packets and the stream
  # arrives again (a packet received after the cut closes its gap);
  # generous (10 s) on a busy machine: the outage is what is judged
  _ov_on_path2() { # P2_BEFORE CUT
    local end=$((SECONDS + 10))
    while [ $SECONDS -le $end ]; do
      [ "$(( $(path_field 2 packets) - $1 ))" -gt 100 ] && [ "$(gap_after "$2")" != nan ] && return 0
      sleep 0.05
    done
    return 1
  }
  for run in $(seq 1 "$1"); do
    for _ in $(seq 20); do on_path 1 && break; done
    if ! on_path 1; then
      notok "failover $run: the stream is not on path 1 before the cut: $(paths_json | head -c 600)"
      _ov_evidence
      continue
    fi
    p2_before=$(path_field 2 packets)
    cut=$("$PY" -c 'import time; print(time.monotonic())')
    ip -n "$(ns b)" link set w1 down
    if ! wait_state 1 down "$down_s"; then
      notok "failover $run: path 1 not declared down within $down_s s"
      ip -n "$(ns b)" link set w1 up
      continue
    fi
    why=$(last_why 1)
    _ov_on_path2 "$p2_before" "$cut"
    gap=$(gap_after "$cut")
    p2_after=$(path_field 2 packets)
    outages+=("$gap")
    if [ "$gap" != nan ] && [ "$gap" -lt "$max_ms" ] && [ "$((p2_after - p2_before))" -gt 100 ] &&
       [ "${OV_WHY_DOWN:-$why}" = "$why" ]; then
      ok "failover $run: link 1 pulled, path 1 down ($why), outage ${gap} ms (< $max_ms), path 2 carried $((p2_after - p2_before)) packets"
    else
      notok "failover $run: outage ${gap} ms (bound $max_ms), path 1 down ($why), path 2 carried $((p2_after - p2_before))"
      _ov_evidence
    fi
    ip -n "$(ns b)" link set w1 up
    if wait_state 1 up "$back_s"; then
      back=0
      for _ in $(seq 20); do on_path 1 && { back=1; break; }; done
      why=$(last_why 1)
      if [ "$back" = 1 ] && [ "${OV_WHY_UP:-$why}" = "$why" ]; then
        ok "failover $run: link 1 back, path 1 up ($why), the stream back on it"
      else
        notok "failover $run: path 1 up ($why) but the stream did not come back"
        _ov_evidence
      fi
    else
      notok "failover $run: path 1 not back up within $back_s s"
      _ov_evidence
    fi
  done
  if [ "${#outages[@]}" -gt 0 ]; then
    med=$(printf '%s\n' "${outages[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
    echo "# failover outage ($2): runs ${outages[*]} ms, median ${med} ms"
  fi
}

# ov_two_sites: netns a (site A's host, eth0 on the box's lan port,
# 10.10.0.1/24 at the overlay's MTU: 1500 less VXLAN's 50) and b (site B:
# w1 $FAR1 on wan1, w2 $FAR2 on wan2, the kernel's VXLAN 5000 vx0 with
# $B_MAC and 10.10.0.2/24 to both VTEPs, $VTEP1 and $VTEP2), IPv4 only,
# no TX checksum offload (AF_PACKET sees what the wire would). The links
# to the box are left down: the script adds its own, then sw_links_up.
ov_two_sites() {
  local h
  ip netns add "$(ns a)" && ip netns add "$(ns b)" || return 1
  ip link add "$(ns lan)" type veth peer name eth0 netns "$(ns a)" || return 1
  ip link add "$(ns wan1)" type veth peer name w1 netns "$(ns b)" || return 1
  ip link add "$(ns wan2)" type veth peer name w2 netns "$(ns b)" || return 1
  for h in a b; do
    ip -n "$(ns $h)" link set lo up
    ip netns exec "$(ns $h)" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  ip -n "$(ns a)" link set eth0 address "$A_MAC" mtu 1450 up
  ip -n "$(ns a)" addr add 10.10.0.1/24 dev eth0
  ip netns exec "$(ns a)" ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$(ns b)" addr add "$FAR1/24" dev w1
  ip -n "$(ns b)" addr add "$FAR2/24" dev w2
  for h in w1 w2; do
    ip -n "$(ns b)" link set $h up
    ip netns exec "$(ns b)" ethtool -K $h tx off >/dev/null 2>&1
  done
  ip -n "$(ns b)" link add vx0 address "$B_MAC" type vxlan id 5000 dstport 4789 || return 1
  ip netns exec "$(ns b)" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$VTEP1" || return 1
  ip netns exec "$(ns b)" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$VTEP2" || return 1
  ip -n "$(ns b)" addr add 10.10.0.2/24 dev vx0
  ip -n "$(ns b)" link set vx0 up
}
