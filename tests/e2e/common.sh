# shellcheck shell=bash
# Shared preamble of the e2e tests (sourced): paths, the netns library, TAP-ish
# reporting, and the skip/missing-binary checks. Sets SXDP, SXCTL, PY,
# TCP_SECONDS; provides ok, notok, skip, finish, wait_for, listening.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
SXDP=$BUILD/sxdp
SXCTL=$BUILD/sxctl
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TCP_SECONDS=${TCP_SECONDS:-3}

# shellcheck source-path=SCRIPTDIR source=../../scripts/netns-lib.sh
. "$root/scripts/netns-lib.sh"

# wait_for SECONDS command...: until the command succeeds, or the bound
wait_for() {
  local end=$((SECONDS + $1)); shift
  while [ $SECONDS -le "$end" ]; do "$@" && return 0; sleep 0.1; done
  return 1
}

LISTEN_BOUND=${LISTEN_BOUND:-20}   # generous: a server started in the background listening, on a busy machine
# Wait until something listens on tcp|udp PORT where the command prefix
# runs (in_ns HOST, ip netns exec NS; none: here): a server started in the
# background takes its first packet then, not after a sleep standing for it.
listening() { # tcp|udp PORT [PREFIX...]
  local flag=t port=$2
  [ "$1" = udp ] && flag=u
  shift 2
  wait_for "$LISTEN_BOUND" _listens "$flag" "$port" "$@"
}
_listens() { local flag=$1 port=$2; shift 2; "$@" ss -Hl"$flag"n "sport = :$port" 2>/dev/null | grep -q .; }

pass=0 fail=0 skipped=0
# each check's line says how long since the last one (what to cut when the
# tier grows slow: these tiers are mostly waits)
_t_last=${EPOCHREALTIME//[.,]/}
_took() {
  local now=${EPOCHREALTIME//[.,]/} d
  d=$(((now - _t_last) / 100000))
  echo "#   +$((d / 10)).$((d % 10)) s"
  _t_last=$now
}
# The PFCP e2e tests' SMF answers (pfcp_smf_drive.py): a field of them.
jf() { # PATH (a.b.0): that field of the JSON on stdin, "" when absent
  "$PY" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split(".") if sys.argv[1] else []:
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
    if v is None: break
print("" if v is None else json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" 2>/dev/null
}
ok() { pass=$((pass + 1)); echo "ok - $*"; _took; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; _took; }
# A check this machine cannot run: TAP's "# SKIP reason", which
# scripts/test.sh lists in its summary (never a silent pass).
skip() { # check reason
  skipped=$((skipped + 1)); echo "ok - $1 # SKIP $2"
}
finish() {
  echo "$pass passed, $fail failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
  [ "$fail" -eq 0 ] || exit 1
  # nothing ran but skips: the test as a whole is skipped
  [ "$pass" -gt 0 ] || [ "$skipped" -eq 0 ] || exit 77
  exit 0
}

if ! why=$(nl_check); then
  echo "SKIP: $why"
  exit 77
fi
for b in "$SXDP" "$SXCTL"; do
  if [ ! -x "$b" ]; then
    notok "$b is missing: build first (meson setup build && ninja -C build)"
    finish
  fi
done
