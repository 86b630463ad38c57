# shellcheck shell=bash
# Shared preamble of the e2e tests (sourced): paths, the netns library, TAP-ish
# reporting, and the skip/missing-binary checks. Sets SXDP, SXCTL, PY,
# TCP_SECONDS; provides ok, notok, finish.
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

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ] && exit 0
  exit 1
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
