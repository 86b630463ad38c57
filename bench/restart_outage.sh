#!/usr/bin/env bash
# What a restart of a box's sxdp costs its slices today (issue 75's
# baseline): the README's demo (scripts/demo.sh --keep: two sites, AF_XDP
# on veths, ESP on two WAN links, sxcd at each), a 1 kpps ping stream in
# slice red from site A's host to site B's, and site A's sxdp stopped and
# started again under it, as a unit restart (SIGTERM) and as a crash
# (SIGKILL), RUNS times each. Prints per run the longest silence of the
# replies (less the stream's interval: the outage; ping's own loss count
# is not one, iputils holds back sends while unanswered) and where it went:
# the old sxdp gone, the new one answering its socket, sxcd's converged
# line (the tables written again). First, RUNS times, the restart that
# keeps the traffic: a new sxdp taking over from the running one
# (sxdp --takeover).
# Virtual links on one 2-CPU machine; as root.
#
#   bash bench/restart_outage.sh [RUNS]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
STATE=/run/sxdp-demo P=sxdemo
HZ=1000 SECS=8 RESTART_AT=2   # the stream, and when in it sxdp goes
PY=/usr/bin/python3

bash "$root/scripts/demo.sh" --keep >/tmp/restart-demo.log 2>&1 ||
  { echo "the demo did not come up: /tmp/restart-demo.log"; tail -5 /tmp/restart-demo.log; exit 1; }
trap 'bash "$root/scripts/demo.sh" --stop >/dev/null 2>&1' EXIT

# site A's sxdp again, as the demo started it
start_a() {
  rm -f "$STATE/a.sock"
  ip netns exec "$P-a" "$BUILD/sxdp" --config "$STATE/sxdp-a.json" --socket "$STATE/a.sock" \
    >>"$STATE/sxdp-a.log" 2>&1 </dev/null &
  echo $! >"$STATE/sxdp-a.pid"
  echo $! >>"$STATE/pids"
}

# the longest silence of the stream's replies (ms, less its interval), and what ping counts lost
judge() {
  "$PY" - "$1" "$HZ" <<'EOF'
import re, sys
t = [float(m.group(1)) for m in (re.match(r"\[(\d+\.\d+)\] \d+ bytes from", l) for l in open(sys.argv[1])) if m]
sent = next((int(m.group(1)) for m in (re.match(r"(\d+) packets transmitted", l) for l in open(sys.argv[1])) if m), 0)
gap = max((b - a for a, b in zip(t, t[1:])), default=0) - 1 / float(sys.argv[2])
print("%d %d" % (int(gap * 1000), sent - len(t)))
EOF
}

# a restart that keeps the traffic: a new sxdp takes over from the running
# one (sxdp --takeover), the stream's silence and where it went (the old
# one's ports closed, the new one's SAs taken and its forwarding after the
# hand-over, from their logs), then sxcd's view
takeover_run() { # run
  local log conv0 ping_pid t0 t1 gap old new
  log=$(mktemp)
  conv0=$(grep -c "converged" "$STATE/sxcd-a.log")
  ip netns exec "$P-ra" ping -i "$("$PY" -c "print(1 / $HZ)")" -c $((HZ * SECS)) -W 1 -D 10.1.0.2 >"$log" 2>&1 &
  ping_pid=$!
  sleep "$RESTART_AT"
  old=$(cat "$STATE/sxdp-a.pid")
  t0=$(date +%s%N)
  ip netns exec "$P-a" "$BUILD/sxdp" --config "$STATE/sxdp-a.json" --socket "$STATE/a.sock" --takeover \
    >>"$STATE/sxdp-a.log" 2>&1 </dev/null &
  new=$!
  echo "$new" >"$STATE/sxdp-a.pid"
  echo "$new" >>"$STATE/pids"
  while kill -0 "$old" 2>/dev/null; do sleep 0.01; done
  while [ "$(grep -c "converged" "$STATE/sxcd-a.log")" -le "$conv0" ]; do sleep 0.01; done
  t1=$(date +%s%N)
  wait "$ping_pid"
  read -r gap _ <<<"$(judge "$log")"
  echo "takeover run $1: longest silence of the stream $gap ms; old: $(grep -ao "ports closed in [0-9.]* ms" \
       "$STATE/sxdp-a.log" | tail -1); new: $(grep -ao "takeover: [0-9]* of [0-9]* SAs taken over\|forwarding [0-9.]* ms after the hand-over" \
       "$STATE/sxdp-a.log" | tail -2 | tr '\n' ';') sxcd converged $(( (t1 - t0) / 1000000 )) ms after the start"
  rm -f "$log"
  sleep 3
}
for r in $(seq 1 "$RUNS"); do takeover_run "$r"; done

for sig in TERM KILL; do
  for r in $(seq 1 "$RUNS"); do
    log=$(mktemp)
    conv0=$(grep -c "converged" "$STATE/sxcd-a.log")
    ip netns exec "$P-ra" ping -i "$("$PY" -c "print(1 / $HZ)")" -c $((HZ * SECS)) -W 1 -D 10.1.0.2 >"$log" 2>&1 &
    ping_pid=$!
    sleep "$RESTART_AT"
    t0=$(date +%s%N)
    kill -"$sig" "$(cat "$STATE/sxdp-a.pid")"
    while kill -0 "$(cat "$STATE/sxdp-a.pid")" 2>/dev/null; do sleep 0.01; done
    te=$(date +%s%N)
    start_a
    until "$BUILD/sxctl" --socket "$STATE/a.sock" hello >/dev/null 2>&1; do sleep 0.01; done
    th=$(date +%s%N)
    # sxcd says "converged N ms after sxdp connected" once it has it programmed
    while [ "$(grep -c "converged" "$STATE/sxcd-a.log")" -le "$conv0" ]; do sleep 0.01; done
    t1=$(date +%s%N)
    wait "$ping_pid"
    read -r gap _ <<<"$(judge "$log")"
    echo "SIG$sig run $r: longest silence of the stream $gap ms; the old sxdp gone $(( (te - t0) / 1000000 )) ms," \
         "the new one answering $(( (th - te) / 1000000 )) ms later, sxcd converged $(( (t1 - th) / 1000000 )) ms after that"
    rm -f "$log"
    sleep 3   # the paths up again before the next run
  done
done
