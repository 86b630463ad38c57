#!/usr/bin/env bash
# Benchmark harness: sxdp with ONE worker between a virtual source and sink,
# then dpdk-testpmd io on the same source/sink as the ceiling, in the same run.
#
#   bash bench/run.sh SCENARIO [--runs N] [--warmup S] [--window S]
#   bash bench/run.sh forward --runs 3
#
# Scenarios: forward (64 B Ethernet/IPv4/UDP, 65536 flows, one exact `flow`
# entry per flow, output to the sink). A new scenario = a generator in
# bench/gen_pcap.py (SCENARIOS) + a case in scenario_setup below.
#
# Source: net_pcap,infinite_rx=1 (replays the pcap from mbufs: virtual, never
# runs dry); sink: net_null,no-rx=1. Main lcore 0, worker lcore 1.
# Throughput = worker rx packets over a fixed window after a warm-up; total
# cycles/pkt = (busy+idle cycles)/packets of the worker; pipeline cycles/pkt
# = cycles spent in parse+stages per packet. Progress goes to stderr, results
# to stdout. BUILD=dir picks the build directory. Needs root for hugepages
# (falls back to --no-huge and says so).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
SXDP=$BUILD/sxdp
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || echo /usr/bin/dpdk-testpmd)}
CACHE=${BENCH_CACHE:-/tmp/sxdp-bench-cache}

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || usage
SCENARIO=$1; shift
RUNS=1 WARMUP=2 WINDOW=5
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $WINDOW =~ ^[1-9][0-9]*$ ]] || die "bad --runs/--warmup/--window"

# ---------------------------------------------------------------- scenarios
# Sets: FLOWS, DESC (the report's traffic words), SRC_EXTRA (devargs suffix).
scenario_setup() {
  case $1 in
    forward) FLOWS=65536; DESC="64 B, $FLOWS flows" ;;
    *) die "unknown scenario '$1' (known: forward)" ;;
  esac
}
scenario_setup "$SCENARIO"

[ -x "$SXDP" ] || die "$SXDP missing: build first (meson setup build && ninja -C build)"
[ -x "$TESTPMD" ] || die "dpdk-testpmd missing (apt-get install dpdk)"

# ------------------------------------------------------------------- input
mkdir -p "$CACHE" || die "cannot create $CACHE"
key=$(sha1sum <"$root/bench/gen_pcap.py" | cut -c1-12)
PCAP=$CACHE/$SCENARIO-$FLOWS-$key.pcap
ENTRIES=$CACHE/$SCENARIO-$FLOWS-$key.entries.json
if [ ! -s "$PCAP" ] || [ ! -s "$ENTRIES" ]; then
  log "generating $PCAP"
  "$PY" "$root/bench/gen_pcap.py" "$SCENARIO" --flows "$FLOWS" --pcap "$PCAP" --entries "$ENTRIES" ||
    die "gen_pcap.py failed"
else
  log "using cached $PCAP"
fi
NPKTS=$FLOWS
# infinite_rx keeps every pcap packet in an mbuf: the pool must hold them all.
# (+ descriptors and bursts in flight), rounded to 2^n - 1 as rte_mempool likes.
MBUFS=1
while [ "$MBUFS" -lt $((NPKTS + 16384)) ]; do MBUFS=$((MBUFS * 2)); done
MBUFS=$((MBUFS - 1))

# --------------------------------------------------------------- hugepages
MEM_NOTE=""
hugepages() {
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB want=1024 free
  [ "$(id -u)" -eq 0 ] || { MEM_NOTE="not root"; return 1; }
  [ -d "$hp" ] || { MEM_NOTE="no 2 MB hugepage support"; return 1; }
  free=$(cat "$hp/free_hugepages")
  if [ "$free" -lt "$want" ]; then
    echo $(( $(cat "$hp/nr_hugepages") + want - free )) >"$hp/nr_hugepages" 2>/dev/null
    free=$(cat "$hp/free_hugepages")
  fi
  [ "$free" -ge 512 ] || { MEM_NOTE="only $free free 2 MB hugepages could be reserved"; return 1; }
  if ! mountpoint -q /dev/hugepages 2>/dev/null && ! grep -q ' hugetlbfs ' /proc/mounts; then
    if ! { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; }; then
      MEM_NOTE="cannot mount hugetlbfs"; return 1
    fi
  fi
  return 0
}
if hugepages; then
  EAL_MEM=(--huge-unlink)
  log "memory: 2 MB hugepages ($(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages) free)"
else
  EAL_MEM=(--no-huge -m 2048)
  MEM_NOTE="hugepages unavailable ($MEM_NOTE): ran with --no-huge"
  log "memory: $MEM_NOTE"
fi

WORK=$(mktemp -d /tmp/sxdp-bench.XXXXXX)
PIDS=()
PREFIXES=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

json_list() { # bash args -> JSON list of strings
  "$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@"
}

# -------------------------------------------------------------------- sxdp
# run_sxdp N -> writes $WORK/sxdp-N.json with the measurement
run_sxdp() {
  local n=$1 prefix="sxbench$$_$1" sock="$WORK/sxdp-$1.sock" cfg="$WORK/sxdp-$1.cfg.json" pid rc
  PREFIXES+=("$prefix")
  cat >"$cfg" <<EOF
{
  "eal": $(json_list "${EAL_MEM[@]}" --no-pci --file-prefix "$prefix"),
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$sock",
  "mbufs": $MBUFS,
  "pipeline": "forward",
  "ports": [
    {"name": "p0", "devargs": "net_pcap0,rx_pcap=$PCAP,infinite_rx=1", "admin": "down", "rx_queues": 1},
    {"name": "p1", "devargs": "net_null0,no-rx=1", "rx_queues": 1}
  ]
}
EOF
  "$SXDP" --config "$cfg" >"$WORK/sxdp-$n.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  "$PY" - "$sock" "$ENTRIES" "$WARMUP" "$WINDOW" "$pid" >"$WORK/sxdp-$n.json" <<'PYEOF'
import json, os, socket, sys, time
sock_path, entries_path, warmup, window, pid = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])

def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)

deadline = time.monotonic() + 60
while not os.path.exists(sock_path):
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("sxdp exited during start-up")
    if time.monotonic() > deadline:
        sys.exit("sxdp socket did not appear")
    time.sleep(0.1)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
s.settimeout(120)
buf = b""
ids = iter(range(1, 1 << 30))

def rpc(method, params=None):
    global buf
    rid = next(ids)
    req = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        req["params"] = params
    s.sendall(json.dumps(req).encode() + b"\n")
    while b"\n" not in buf:
        c = s.recv(1 << 20)
        if not c:
            sys.exit("sxdp closed the socket during " + method)
        buf += c
    line, buf = buf.split(b"\n", 1)
    r = json.loads(line)
    if "error" in r:
        sys.exit("%s: %s" % (method, json.dumps(r["error"])))
    return r["result"]

rpc("sys.hello")
updates = json.load(open(entries_path))
t0 = time.monotonic()
for i in range(0, len(updates), 4096):
    r = rpc("table.write", {"atomicity": "rollback", "updates": updates[i:i + 4096]})
    if not r.get("committed"):
        sys.exit("table.write batch %d not committed: %s" % (i // 4096, json.dumps(r)[:500]))
log("programmed %d flow entries in %.2f s (batches of 4096)" % (len(updates), time.monotonic() - t0))
rpc("port.set", {"port": "p0", "admin": "up"})
time.sleep(warmup)

def sample():
    st = rpc("stats.get")
    return time.monotonic(), st

def worker(st):
    w = [l for l in st["lcores"] if l["role"] == "worker"]
    return {k: sum(x[k] for x in w) for k in ("rx_packets", "tx_packets", "drop_packets", "busy_cycles", "idle_cycles", "pipeline_cycles")}

ta, a = sample()
time.sleep(window)
tb, b = sample()
wa, wb = worker(a), worker(b)
d = {k: wb[k] - wa[k] for k in wa}
secs = tb - ta
pk = d["rx_packets"]
hits = b["tables"]["flow"]["hits"] - a["tables"]["flow"]["hits"]
misses = b["tables"]["flow"]["misses"] - a["tables"]["flow"]["misses"]
res = {
    "window_s": secs,
    "packets": pk,
    "mpps": pk / secs / 1e6,
    "cycles_total": (d["busy_cycles"] + d["idle_cycles"]) / pk if pk else 0,
    "cycles_pipeline": d["pipeline_cycles"] / pk if pk else 0,
    "flow_hits": hits,
    "flow_misses": misses,
    "tx_packets": d["tx_packets"],
    "drop_packets": d["drop_packets"],
    "drops": {k: v for k, v in (b.get("drops") or {}).items() if v},
    "tsc_hz": b.get("tsc_hz"),
    "mempool": b.get("mempool"),
}
problems = []
if pk == 0:
    problems.append("no packets in the window")
# Every packet must hit exactly one exact entry: no flow-table miss at all in
# the window, and hits == packets. The per-lcore and per-table counters are
# summed at slightly different instants of one stats.get, so hits may lead or
# lag the rx count by what the worker forwards in that skew (< 0.1 %).
if misses != 0:
    problems.append("%d flow table misses in the window: not every packet hit an entry" % misses)
if abs(hits - pk) > max(64, pk // 1000):
    problems.append("flow hits %d != packets %d: not every packet hit one exact entry" % (hits, pk))
if d["drop_packets"] > 64:
    problems.append("%d drops in the window: %s" % (d["drop_packets"], res["drops"]))
res["problems"] = problems
print(json.dumps(res))
PYEOF
  rc=$?
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
  fi
  wait "$pid"
  local xrc=$?
  rm -rf "/var/run/dpdk/$prefix"
  if [ $rc -ne 0 ]; then
    log "sxdp run $n failed; its log:"
    tail -20 "$WORK/sxdp-$n.log" >&2
    return 1
  fi
  [ $xrc -eq 0 ] || log "warning: sxdp exited with $xrc after SIGTERM ($(grep -E 'leak|ERR' "$WORK/sxdp-$n.log" | tail -1))"
  return 0
}

# ----------------------------------------------------------------- testpmd
# run_testpmd N -> prints the mean Rx-pps of port 0 over the window, in Mpps
run_testpmd() {
  local n=$1 prefix="sxbenchtp$$_$1" out="$WORK/testpmd-$1.log" pid blocks need
  PREFIXES+=("$prefix")
  "$TESTPMD" -l 0,1 --main-lcore 0 "${EAL_MEM[@]}" --no-pci --file-prefix "$prefix" \
    --vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" --vdev "net_null0,no-rx=1" \
    -- --forward-mode=io --nb-cores=1 --stats-period 1 --total-num-mbufs="$MBUFS" \
    >"$out" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  # one stats block per second once forwarding runs; the first has no rate
  need=$((1 + WARMUP + WINDOW + 1))
  for _ in $(seq 1 $((need + 60))); do
    blocks=$(grep -ac 'NIC statistics for port 0' "$out")
    [ "$blocks" -ge "$need" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill -INT "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "/var/run/dpdk/$prefix"
  "$PY" - "$out" "$WARMUP" "$WINDOW" <<'PYEOF'
import re, sys
txt = open(sys.argv[1], errors="replace").read()
warm, win = int(sys.argv[2]), int(sys.argv[3])
blocks = txt.split("NIC statistics for port 0")[1:]
pps = []
for b in blocks:
    m = re.search(r"Rx-pps:\s+(\d+)", b)
    if m:
        pps.append(int(m.group(1)))
# pps[0] is the first show (no rate yet); skip it and the warm-up
sel = pps[1 + warm:1 + warm + win]
if len(sel) < win:
    sys.exit("testpmd gave %d rate samples, need %d" % (len(sel), win))
print("%.3f" % (sum(sel) / len(sel) / 1e6))
PYEOF
}

# ------------------------------------------------------------------- runs
results=()
for r in $(seq 1 "$RUNS"); do
  log "run $r/$RUNS: sxdp ($SCENARIO), warm-up ${WARMUP}s, window ${WINDOW}s"
  run_sxdp "$r" || die "sxdp measurement failed"
  log "run $r/$RUNS: dpdk-testpmd io (ceiling), same source/sink/window"
  ceil=$(run_testpmd "$r") || die "testpmd measurement failed: $(tail -5 "$WORK/testpmd-$r.log")"
  line=$("$PY" - "$WORK/sxdp-$r.json" "$ceil" "$SCENARIO" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("bench: sxdp window %.2f s: %d packets, flow hits %d misses %d, tx %d, drops %d %s, tsc %s Hz, mempool %s"
      % (r["window_s"], r["packets"], r["flow_hits"], r["flow_misses"], r["tx_packets"], r["drop_packets"], r["drops"] or "",
         r["tsc_hz"], r["mempool"]), file=sys.stderr)
print("%s: %.1f Mpps, %.1f cycles/pkt total, %.1f cycles/pkt in pipeline (ceiling testpmd io: %.1f Mpps)"
      % (sys.argv[3], r["mpps"], r["cycles_total"], r["cycles_pipeline"], float(sys.argv[2])))
for p in r["problems"]:
    print("CHECK FAILED: " + p)
PYEOF
)
  echo "$line"
  echo "source: net_pcap infinite_rx (virtual), sink: net_null; $DESC, 1 worker"
  [ -z "$MEM_NOTE" ] || echo "note: $MEM_NOTE"
  if grep -q '^CHECK FAILED' <<<"$line"; then
    die "run $r: a consistency check failed"
  fi
  results+=("$(head -1 <<<"$line")")
done

if [ "$RUNS" -gt 1 ]; then
  printf '%s\n' "${results[@]}" | "$PY" -c '
import re, statistics, sys
rows = [list(map(float, re.findall(r"(\d+\.\d+)", l))) for l in sys.stdin if l.strip()]
m = [statistics.median(c) for c in zip(*rows)]
print("median of %d runs: %s: %.1f Mpps, %.1f cycles/pkt total, %.1f cycles/pkt in pipeline (ceiling testpmd io: %.1f Mpps)"
      % (len(rows), sys.argv[1], m[0], m[1], m[2], m[3]))' "$SCENARIO"
fi
