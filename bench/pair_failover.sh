#!/usr/bin/env bash
# bench/pair_failover.sh [RUNS]: a pair at site A and a box at site B
# (tests/e2e/ha_pair.sh: three sxdp + sxcd by intents, AF_XDP on veths,
# ESP), each failure kind of issue 75 and its undoing under two 1,000
# datagram/s streams, RUNS times (3). Prints, per kind and direction, the
# outage (the longest run of datagrams lost, 1 ms each): median and
# min-max over the runs, the figures bench/README.md records. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq 1 "$RUNS"); do
  if ! bash "$here/../tests/e2e/ha_pair.sh" >"$out.run" 2>&1; then
    echo "run $r failed:"; grep -a "^not ok" "$out.run"
  fi
  grep -a "^# outage_ms " "$out.run" >>"$out"
  rm -f "$out.run"
done
/usr/bin/python3 - "$out" "$RUNS" <<'PY'
import statistics, sys
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 7:
        rows.setdefault(f[2], {"b_to_a": [], "a_to_b": []})
        rows[f[2]]["b_to_a"].append(int(f[4]))
        rows[f[2]]["a_to_b"].append(int(f[6]))
print("%d runs (ms lost: median, min-max)" % int(sys.argv[2]))
print("| step | site B -> A | site A -> B |")
print("|---|---|---|")
for k, v in rows.items():
    cell = lambda x: "%d (%d-%d)" % (statistics.median(x), min(x), max(x))
    print("| %s | %s | %s |" % (k, cell(v["b_to_a"]), cell(v["a_to_b"])))
PY
