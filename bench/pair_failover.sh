#!/usr/bin/env bash
# bench/pair_failover.sh [RUNS] [TEST]: a pair at site A and a box at site B
# (TEST ha_pair, tests/e2e/ha_pair.sh: three sxdp + sxcd by intents, AF_XDP
# on veths, ESP), or a pair as one UPF (TEST ha_upf, tests/e2e/ha_upf.sh:
# a UE's session over PFCP taken over), each failure kind of issue 75 and
# its undoing under two 1,000 datagram/s streams, RUNS times (3). Prints,
# per kind and direction, the outage (the longest run of datagrams lost, 1
# ms each): median and min-max over the runs, the figures bench/README.md
# records. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-3}
TEST=${2:-ha_pair}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq 1 "$RUNS"); do
  if ! bash "$here/../tests/e2e/$TEST.sh" >"$out.run" 2>&1; then
    echo "run $r failed:"; grep -a "^not ok" "$out.run"
  fi
  grep -a "^# outage_ms " "$out.run" >>"$out"
  rm -f "$out.run"
done
/usr/bin/python3 - "$out" "$RUNS" <<'PY'
import statistics, sys
rows, cols = {}, []
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 7:
        cols = [f[3], f[5]]
        rows.setdefault(f[2], ([], []))
        rows[f[2]][0].append(int(f[4]))
        rows[f[2]][1].append(int(f[6]))
print("%d runs (ms lost: median, min-max)" % int(sys.argv[2]))
print("| step | %s | %s |" % tuple(c.replace("_to_", " -> ") for c in cols))
print("|---|---|---|")
for k, v in rows.items():
    cell = lambda x: "%d (%d-%d)" % (statistics.median(x), min(x), max(x))
    print("| %s | %s | %s |" % (k, cell(v[0]), cell(v[1])))
PY
