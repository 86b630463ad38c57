#!/usr/bin/env bash
# Packet tier: every tests/packet/test_*.py against sxdp on net_pcap ports.
# Needs Debian's /usr/bin/python3 with scapy, and tshark. BUILD=dir picks the
# meson build directory (default build/ at the repository root).
# Exit 0 all passed, 1 any failed, 77 when the tier cannot run here.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
export BUILD

PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import scapy.all' 2>/dev/null; then
  echo "SKIP: $PY with scapy is missing (apt-get install python3-scapy)"
  exit 77
fi
if ! command -v tshark >/dev/null; then
  echo "SKIP: tshark is missing (apt-get install tshark)"
  exit 77
fi
if [ ! -x "$BUILD/sxdp" ]; then
  echo "not ok - $BUILD/sxdp is missing: build first (meson setup build && ninja -C build)"
  echo "0 passed, 1 failed"
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
tp=0 tf=0 files_failed=0 skipped=0 ran=0
for t in "$here"/test_*.py; do
  [ -e "$t" ] || continue
  echo "# $(basename "$t")"
  "$PY" "$t" | tee "$out"
  rc=${PIPESTATUS[0]}
  # Each file ends with its own "N passed, M failed"; add them up.
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  p=0 f=0
  if [ -n "$line" ]; then
    read -r p _ f _ <<<"${line//,/}"
  fi
  case $rc in
    0) ran=$((ran + 1)) ;;
    77) skipped=$((skipped + 1)); echo "# $(basename "$t") skipped" ;;
    *) ran=$((ran + 1)); files_failed=$((files_failed + 1))
       # a crash before the summary still counts as a failure
       [ "$f" -gt 0 ] || f=1
       echo "# $(basename "$t") FAILED (exit $rc)" ;;
  esac
  tp=$((tp + p)) tf=$((tf + f))
done
if [ "$ran" -eq 0 ] && [ "$skipped" -gt 0 ]; then
  echo "SKIP: every packet test file skipped"
  exit 77
fi
echo "# packet tier: $ran file(s) run, $files_failed failed, $skipped skipped"
echo "$tp passed, $tf failed"
[ "$files_failed" -eq 0 ]
