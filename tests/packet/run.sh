#!/usr/bin/env bash
# Packet tier: every tests/packet/test_*.py against sxdp on net_pcap ports.
# Needs Debian's /usr/bin/python3 with scapy, and tshark. BUILD=dir picks the
# meson build directory (default build/ at the repository root).
# Exit 0 all passed, 1 any failed, 77 when the tier cannot run here. A file
# that exits 77 counts as skipped (its "SKIP: reason" is kept), never as run;
# checks a file skips (`ok - name # SKIP reason`) are counted and listed.
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

# sxdp on 2 MB hugepages: the run's pool (scripts/test.sh), else the
# tier's own (~490 pages taken at most, 3 files at a time)
# shellcheck source=../hugepool.sh
. "$here/../hugepool.sh"
if [ "${SXDP_TEST_HUGE:-}" = 1 ]; then echo "# sxdp on 2 MB hugepages: the run's pool"
else hp_pool "${PACKET_HUGE_PAGES:-1024}"; fi

# PACKET_JOBS=N: files run N at a time (default 3: on 2 CPUs the tier's
# files use ~670 CPU-s of ~1,450 s of their wall time, most of it waiting
# on sxdp, sxcd and the browser; 4 took as long, 775 s against 780 on 4 KB
# pages, and starved rte_sched's rate checks and the page soak's heap);
# each file's output is printed whole when it ends. The long files start
# first.
JOBS=${PACKET_JOBS:-3}
tmp=$(mktemp -d)
# The files' own temporary files (pcaps, sxdp's and sxcd's directories, the
# stores, etcd's data) in memory: the tier judges sxdp and sxcd, not a shared
# disk, whose fsync took 6 s (one fdatasync over 30 s) beside the tier here.
# A kill -9 loses nothing on either that a test could tell apart.
mem=""
if [ -d /dev/shm ] && [ -w /dev/shm ] && mem=$(mktemp -d /dev/shm/sxpkt.XXXXXX); then
  export TMPDIR=$mem
fi
trap 'hp_release; rm -rf "$tmp" ${mem:+"$mem"}' EXIT
tp=0 tf=0 ts=0 files_failed=0 skipped=0 ran=0
# no test file imports another (what they share is the library beside them:
# tests/README.md); counted as a failed check, the files run all the same
if ! imports=$("$PY" "$root/scripts/packet_imports.py" "$here"); then
  echo "not ok - no test file imports another"
  echo "$imports" | sed 's/^/#   /'
  files_failed=$((files_failed + 1)) tf=$((tf + 1))
fi
# bash tests/packet/run.sh [test_X.py ...]: those files only (default: all)
files=()
for a in "$@"; do files+=("$here/$(basename "$a")"); done
if [ ${#files[@]} -eq 0 ]; then
  for f in test_page_soak test_pfcp_sessions test_visibility test_upf test_sxcd_http test_switch; do
    [ -e "$here/$f.py" ] && files+=("$here/$f.py")
  done
  for t in "$here"/test_*.py; do
    case " ${files[*]} " in *" $t "*) ;; *) files+=("$t") ;; esac
  done
fi

# run_one N FILE: the file's output in $tmp/N.out; its exit code, seconds
# and CPU seconds (its processes', user + system: what lanes share) in $tmp/N.rc
run_one() {
  local t0=$SECONDS rc cpu
  "$PY" "$2" >"$tmp/$1.out" 2>&1
  rc=$?
  times >"$tmp/$1.times"   # not in $(...): a subshell's children are not this one's
  cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
        "$tmp/$1.times")
  echo "$rc $((SECONDS - t0)) $cpu" >"$tmp/$1.rc.new"
  mv "$tmp/$1.rc.new" "$tmp/$1.rc"   # whole when reap sees it
}

# report N FILE: print the file's output and add up its counts
report() {
  local name rc secs cpu line p f s why
  name=$(basename "$2")
  read -r rc secs cpu <"$tmp/$1.rc"
  echo "# $name"
  cat "$tmp/$1.out"
  # Each file ends with its own "N passed, M failed[, K skipped]"; add them up.
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$tmp/$1.out" | tail -1)
  p=0 f=0 s=0
  if [ -n "$line" ]; then
    read -r p _ f _ s _ <<<"${line//,/}"
    s=${s:-0}
  fi
  case $rc in
    0) ran=$((ran + 1)) ;;
    77) skipped=$((skipped + 1))
        # the file's reason, as a TAP skip scripts/test.sh lists
        # (or every check skipped, each listed with its own reason)
        if [ "$s" -eq 0 ]; then
          why=$(sed -n 's/^SKIP: //p' "$tmp/$1.out" | head -1)
          echo "ok - $name # SKIP ${why:-exit 77 without a reason}"
          s=1
        fi ;;
    *) ran=$((ran + 1)); files_failed=$((files_failed + 1))
       # a crash before the summary still counts as a failure
       [ "$f" -gt 0 ] || f=1
       echo "# $name FAILED (exit $rc)" ;;
  esac
  echo "# $name: $secs s ($cpu CPU-s)"
  tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
}

# reap: report every running file that has ended (its .rc written last)
declare -A running=()   # index into files -> 1 while it runs
reap() {
  local i
  for i in "${!running[@]}"; do
    if [ -e "$tmp/$i.rc" ]; then
      report "$i" "${files[$i]}"
      unset "running[$i]"
    fi
  done
}
for i in "${!files[@]}"; do
  t=${files[$i]}
  if [ ! -e "$t" ]; then
    echo "not ok - $(basename "$t"): no such packet test file"
    files_failed=$((files_failed + 1))
    continue
  fi
  while [ ${#running[@]} -ge "$JOBS" ]; do
    wait -n
    reap
  done
  run_one "$i" "$t" &
  running[$i]=1
done
while [ ${#running[@]} -gt 0 ]; do
  wait -n
  reap
done
if [ "$ran" -eq 0 ] && [ "$skipped" -gt 0 ]; then
  echo "SKIP: every packet test file skipped"
  exit 77
fi
echo "# packet tier: $ran file(s) run, $files_failed failed, $skipped file(s) skipped; $ts skipped (files and checks)"
echo "$tp passed, $tf failed$([ "$ts" -eq 0 ] || echo ", $ts skipped")"
[ "$files_failed" -eq 0 ]
