# shellcheck shell=bash
# What the overlay e2e scripts share (sourced after common.sh and
# switchlib.sh; they define ns): a numbered UDP stream from host a to host b
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

# The outage of the cut at monotonic time CUT: the longest gap between two
# packets from the last one before CUT on, in ms ("nan" before two);
# CLOCK_MONOTONIC is the same in every netns.
gap_after() { # CUT
  "$PY" - "$NL_DIR/recv.txt" "$1" <<'PYEOF'
import sys
cut = float(sys.argv[2])
ts = [float(l.split()[0]) for l in open(sys.argv[1]).read().splitlines() if l.strip()]
ts = [t for i, t in enumerate(ts) if t >= cut or (i + 1 < len(ts) and ts[i + 1] >= cut)]
print("%.0f" % (max(b - a for a, b in zip(ts, ts[1:])) * 1000) if len(ts) > 1 else "nan")
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
