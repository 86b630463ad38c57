#!/usr/bin/env bash
# sxdp against DPDK's own examples/l3fwd on the same virtual source and sink,
# one forwarding core each (lcore 1), back to back in the same run.
#
#   bash bench/compare-l3fwd.sh [l3|l3_routed|forward] [--runs N] [--warmup S] [--window S]
#                               [--l3fwd-march ARCH] [--no-floor]
#   flock /tmp/bench.lock env BUILD=/path/build BENCH_NO_BUILD=1 \
#     bash bench/compare-l3fwd.sh l3 --runs 3
#
# Pairs (same pcap, same rules, every rule to the sink):
#   l3       sxdp pipeline switch, routed over 1024 /24 routes, against
#            `l3fwd --lookup lpm` with the same 1024 /24 routes (from the
#            scenario's table entries: its `via` routes), all to port 1.
#   l3_routed  the same with sxdp's p0 a routed port (same pcap shape,
#            same routes), against the same l3fwd-lpm.
#   forward  sxdp pipeline forward, 65536 exact 5-tuple `flow` entries,
#            against `l3fwd --lookup em` with the same 65536 5-tuples (from
#            the scenario's table entries), all to port 1.
# For each run: bench/run.sh SCENARIO (sxdp, one worker on lcore 1, then
# dpdk-testpmd io on the same source and sink: the I/O floor, skipped with
# --no-floor; BUILD and BENCH_NO_BUILD are passed through;
# BENCH_RUN=TREE/bench/run.sh uses another tree's harness, to match a build
# of another commit), then l3fwd
# -l 1 (lcore 1 is its main and only forwarding lcore; its control threads
# go to core 0) on the pcap `bench/run.sh SCENARIO --input-only` names, as
# net_pcap,infinite_rx=1 port 0, net_null,no-rx=1 port 1, --parse-ptype,
# with the same warm-up and window. Prints
#   SCENARIO: sxdp X Mpps, l3fwd-lpm Y Mpps, ratio X/Y (cycles/pkt total:
#   sxdp A, l3fwd-lpm B; above the I/O floor F: sxdp A-F, l3fwd-lpm B-F)
# (l3fwd-em for forward) and, with --runs > 1, the medians. A polling
# core's cycles/pkt is TSC Hz / its rate (l3fwd's one core busy-polls the
# whole window); the floor is testpmd io's cycles/pkt in the same run (see
# bench/run.sh): what any of them pays for the source and sink alone.
#
# l3fwd's rate = DPDK telemetry /ethdev/stats,0 ipackets over the window
# (after the warm-up, counted from its first received packet); checked over
# the window: port 1 opackets == port 0 ipackets (every packet hit a rule),
# port 0 opackets == 0 (an l3fwd miss goes back out of its input port), no
# rx_nombuf/imissed/oerrors, and the forwarding thread's CPU share (below
# 95 % a "note:" line says the number is low).
#
# l3fwd is built once and cached (L3FWD_CACHE, default /tmp/sxdp-l3fwd-cache,
# keyed by the DPDK version, the patch below and the -march): Debian's
# dpdk-doc of the same version as libdpdk-dev (apt-get download, dpkg -x),
# examples/l3fwd and examples/common copied side by side, three changes made
# with sed at build time (DPDK's code is not in this repo): RX offloads
# masked with the port's rx_offload_capa (port and queue; virtual devices
# have no checksum offload), the mbuf pool floor 8192 -> 131071 (net_pcap
# infinite_rx keeps one mbuf per pcap packet), and nothing for the single
# TX queue (run on one lcore); then `make`. As shipped, l3fwd builds with
# DPDK's pkg-config flags (-march=corei7); --l3fwd-march ARCH (e.g. native,
# what sxdp's build uses) appends -march=ARCH to its CFLAGS (cached apart).
# Needs root and 2 MB hugepages (the em hash is sized for 4M entries). The
# l3fwd process, /var/run/dpdk/PREFIX and the temp dir are removed at exit,
# also on SIGINT/SIGTERM. Numbers are from a virtual source (net_pcap).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_DIR=$root/bench
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
L3FWD_CACHE=${L3FWD_CACHE:-/tmp/sxdp-l3fwd-cache}
# the sxdp harness (and the pcap it names): BENCH_RUN=/other/tree/bench/run.sh
# runs a build of another commit with that commit's own harness
RUN_SH=${BENCH_RUN:-$root/bench/run.sh}
[ -f "$RUN_SH" ] || { echo "no $RUN_SH" >&2; exit 1; }

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
log() { printf 'compare-l3fwd: %s\n' "$*" >&2; }
die() { printf 'compare-l3fwd: %s\n' "$*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=comparelib.sh
. "$root/bench/comparelib.sh"

SCENARIO=l3
case ${1:-} in l3|l3_routed|forward) SCENARIO=$1; shift ;; -h|--help) usage ;; -*) ;; "") ;; *) usage ;; esac
RUNS=1 WARMUP=2 WINDOW=5 MARCH= FLOOR=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --l3fwd-march) MARCH=$2; shift 2 ;;
    --no-floor) FLOOR=--no-ceiling; shift ;;
    -h|--help) usage ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $WINDOW =~ ^[1-9][0-9]*$ ]] || die "bad --runs/--warmup/--window"
[[ $MARCH =~ ^[A-Za-z0-9_.-]*$ ]] || die "bad --l3fwd-march"
[ "$(id -u)" -eq 0 ] || die "needs root (hugepages)"
case $SCENARIO in
  l3|l3_routed) LOOKUP=lpm ;;
  forward) LOOKUP=em ;;
esac
NAME=l3fwd-$LOOKUP
L3FWD_MBUFS=131071 # the pool floor the build sets (pcap packets + 16384 must fit)

# ------------------------------------------------------------ build l3fwd
# The three changes to DPDK's examples/l3fwd (see the header); each must
# apply exactly once, or the build stops (another DPDK version changed it).
patch_l3fwd() { # DIR
  local d=$1
  sed -i \
    -e 's/^\(\t\tlocal_port_conf\.rx_adv_conf\.rss_conf\.rss_hf &=\)$/\t\tlocal_port_conf.rxmode.offloads \&= dev_info.rx_offload_capa; \/* sxdp bench: virtual devices *\/\n\1/' \
    -e 's/^\(\t\t\trxq_conf\.offloads = port_conf\.rxmode\.offloads\);$/\1 \& dev_info.rx_offload_capa; \/* sxdp bench: virtual devices *\//' \
    -e 's/^\t(unsigned)8192)$/\t(unsigned)'"$L3FWD_MBUFS"') \/* sxdp bench: net_pcap infinite_rx *\//' \
    "$d/main.c" || return 1
  [ "$(grep -c 'rxmode.offloads &= dev_info.rx_offload_capa; /\* sxdp bench' "$d/main.c")" -eq 1 ] || return 1
  [ "$(grep -c 'rxq_conf.offloads = port_conf.rxmode.offloads & dev_info.rx_offload_capa; /\* sxdp bench' "$d/main.c")" -eq 1 ] || return 1
  [ "$(grep -c "(unsigned)$L3FWD_MBUFS) /\* sxdp bench" "$d/main.c")" -eq 1 ] || return 1
  if [ -n "$MARCH" ]; then
    # after DPDK's pkg-config flags (which end with -march=corei7): the last -march wins
    sed -i "s|^CFLAGS += -I../common\$|& -march=$MARCH|" "$d/Makefile" || return 1
    grep -q -- "-I../common -march=$MARCH\$" "$d/Makefile" || return 1
  fi
  return 0
}


# ------------------------------------------------------------- the input
scenario_input
dpdk_example l3fwd "$L3FWD_CACHE" patch_l3fwd "$MARCH $L3FWD_MBUFS"
L3FWD_SRC=$EX_SRC
L3FWD=$EX_SRC/build/l3fwd

WORK=$(mktemp -d /tmp/sxdp-cmp-l3fwd.XXXXXX)
trap peers_cleanup EXIT
trap 'exit 130' INT TERM

# Rule files from the scenario's table entries: the same routes / 5-tuples
# sxdp is given, every one to port 1 (the sink). IPv6: l3fwd wants a file;
# its shipped default (no IPv6 traffic here).
RULES=$WORK/rules-v4.cfg
"$PY" - "$ENTRIES" "$LOOKUP" "$RULES" "$(wc -c <"$PCAP")" <<'PYEOF' || die "cannot derive l3fwd rules from $ENTRIES"
import json, sys
entries, lookup, out = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
lines = []
if lookup == "lpm":
    # the routes packets are forwarded by (`via` a next hop); not the
    # router's own /32 and connected /24, which no packet of the pcap hits
    for u in entries:
        if u["table"] == "routes" and u["action"] == "via":
            lines.append("R%s 1" % u["match"]["dst"])
else:
    for u in entries:
        if u["table"] == "flow":
            m = u["match"]
            lines.append("R%s %s %d %d 0x%02x 1" % (m["ipv4_dst"], m["ipv4_src"], m["l4_dport"], m["l4_sport"],
                                                   m["ip_proto"]))
if not lines:
    sys.exit("no %s rules in the entries" % lookup)
open(out, "w").write("\n".join(lines) + "\n")
print("compare-l3fwd: %d %s rules -> port 1" % (len(lines), lookup), file=sys.stderr)
PYEOF
RULES6=$L3FWD_SRC/${LOOKUP}_default_v6.cfg
NRULES=$(wc -l <"$RULES")
# the pcap's packets (its record headers walked: frames of any --size):
# net_pcap infinite_rx holds them all in the pool
NPKTS=$("$PY" - "$PCAP" <<'PYEOF'
import struct, sys
n = 0
with open(sys.argv[1], "rb") as f:
    f.seek(24)
    while len(h := f.read(16)) == 16:
        f.seek(struct.unpack("<IIII", h)[2], 1)
        n += 1
print(n)
PYEOF
)
[ $((NPKTS + 16384)) -le "$L3FWD_MBUFS" ] || die "pcap of ~$NPKTS packets needs more than l3fwd's $L3FWD_MBUFS mbufs"

# --------------------------------------------------------------- hugepages
hugepages() { # as bench/run.sh: 1024 x 2 MB, hugetlbfs mounted
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB want=1024 free
  [ -d "$hp" ] || die "no 2 MB hugepage support"
  free=$(cat "$hp/free_hugepages")
  if [ "$free" -lt "$want" ]; then
    echo $(( $(cat "$hp/nr_hugepages") + want - free )) >"$hp/nr_hugepages" 2>/dev/null
    free=$(cat "$hp/free_hugepages")
  fi
  [ "$free" -ge 512 ] || die "only $free free 2 MB hugepages; l3fwd needs about 512"
  if ! grep -q ' hugetlbfs ' /proc/mounts; then
    { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } || die "cannot mount hugetlbfs"
  fi
}

# run_l3fwd N -> $WORK/l3fwd-N.json
run_l3fwd() {
  local n=$1 prefix="sxl3f$$_$1" pid rc
  hugepages
  PEER_PREFIXES+=("$prefix")
  "$L3FWD" -l 1 --file-prefix "$prefix" --huge-unlink --no-pci \
    --vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" --vdev "net_null0,no-rx=1" \
    -- -p 0x3 --config "(0,0,1),(1,0,1)" --lookup "$LOOKUP" --parse-ptype \
    --rule_ipv4 "$RULES" --rule_ipv6 "$RULES6" >"$WORK/l3fwd-$n.log" 2>&1 </dev/null &
  pid=$!
  PEER_PIDS+=("$pid")
  "$PY" -c 'import os, sys; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib; benchlib.peer_window(*sys.argv[1:])' \
    "/var/run/dpdk/$prefix/dpdk_telemetry.v2" "$WARMUP" "$WINDOW" "$pid" "$NAME" "not every packet hit a rule" \
    compare-l3fwd >"$WORK/l3fwd-$n.json"
  rc=$?
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "/var/run/dpdk/$prefix"
  if [ $rc -ne 0 ]; then
    log "l3fwd run $n failed; its log:"
    grep -v ': Adding route\|^EM: Adding\|^LPM: Adding' "$WORK/l3fwd-$n.log" | tail -20 >&2
    return 1
  fi
  return 0
}

# ------------------------------------------------------------------- runs
BUILD_NOTE="DPDK $(dpkg-query -W -f='${Version}' libdpdk-dev) examples/l3fwd, $(
  if [ -n "$MARCH" ]; then echo "built with -march=$MARCH"; else echo "built as shipped (-march=corei7 from DPDK's pkg-config)"; fi)"
log "$NAME: $NRULES rules from $ENTRIES, pcap $PCAP; $BUILD_NOTE"
results=()
for r in $(seq 1 "$RUNS"); do
  others=$(busy_others)
  [ -z "$others" ] || log "note: busy processes before run $r: $others"
  log "run $r/$RUNS: sxdp ($SCENARIO) via bench/run.sh, warm-up ${WARMUP}s, window ${WINDOW}s"
  sx=$(bash "$RUN_SH" "$SCENARIO" $FLOOR --warmup "$WARMUP" --window "$WINDOW" 2>"$WORK/sxdp-$r.err")
  rc=$?
  if [ $rc -ne 0 ] || ! grep -q "^$SCENARIO: [0-9.]* Mpps" <<<"$sx"; then
    cat "$WORK/sxdp-$r.err" >&2
    printf '%s\n' "$sx" >&2
    die "sxdp run $r failed"
  fi
  grep -E '^bench: (sxdp window|sxdp worker thread)' "$WORK/sxdp-$r.err" | sed 's/^bench: /compare-l3fwd: /' >&2
  sx_line=$(grep "^$SCENARIO: " <<<"$sx")
  sx_note=$(grep '^note: the worker' <<<"$sx")
  # sxdp's nodes and the floor's readings, as bench/run.sh printed them
  sx_more=$(grep -E "^($SCENARIO cycles/pkt by node|I/O floor:|note: testpmd)" <<<"$sx" | sed 's/^/sxdp: /')
  tsc=$(sed -n 's/^bench: sxdp window.* tsc \([0-9]*\) Hz.*/\1/p' "$WORK/sxdp-$r.err" | tail -1)
  log "run $r/$RUNS: $NAME, same pcap, sink, core, warm-up and window"
  run_l3fwd "$r" || die "l3fwd run $r failed (log: $WORK/l3fwd-$r.log)"
  line=$("$PY" - "$WORK/l3fwd-$r.json" "$sx_line" "$SCENARIO" "$NAME" "${tsc:-0}" <<'PYEOF'
import json, re, sys
o = json.load(open(sys.argv[1]))
m = re.match(r"\S+: ([0-9.]+) Mpps, ([0-9.]+) cycles/pkt total", sys.argv[2])
sx_mpps, sx_cyc = float(m.group(1)), float(m.group(2))
# the I/O floor bench/run.sh measured in this run (testpmd io), if it did
f = re.search(r"I/O floor ([0-9.]+) cycles/pkt", sys.argv[2])
floor = float(f.group(1)) if f else None
name, tsc = sys.argv[4], float(sys.argv[5])
print("compare-l3fwd: %s window %.2f s: port 0 rx %d tx %d, port 1 tx %d; thread %s ran %.0f%% of the window"
      % (name, o["window_s"], o["packets"], o["p0"]["opackets"], o["p1"]["opackets"], o["thread"],
         100 * o["cpu_share"]), file=sys.stderr)
# l3fwd keeps no cycle counters: a polling core's total cycles/pkt is TSC Hz / rate
cyc = tsc / (o["mpps"] * 1e6) if tsc and o["mpps"] else None
above = ("; above the I/O floor %.1f: sxdp %.1f, %s %s" % (floor, sx_cyc - floor, name,
         "%.1f" % (cyc - floor) if cyc else "?")) if floor is not None else "; I/O floor not measured"
print("%s: sxdp %.1f Mpps, %s %.1f Mpps, ratio %.2f (cycles/pkt total: sxdp %.1f, %s %s%s)"
      % (sys.argv[3], sx_mpps, name, o["mpps"], sx_mpps / o["mpps"] if o["mpps"] else float("inf"),
         sx_cyc, name, "%.1f" % cyc if cyc else "?", above))
if o["cpu_share"] < 0.95:
    print("note: the l3fwd forwarding thread (%s) ran only %.0f%% of the window: another process shared its CPU"
          % (o["thread"], 100 * o["cpu_share"]))
for p in o["problems"]:
    print("CHECK FAILED: " + p)
PYEOF
)
  echo "$line"
  [ -z "$sx_more" ] || echo "$sx_more"
  [ -z "$sx_note" ] || echo "$sx_note (sxdp)"
  echo "source: net_pcap infinite_rx (virtual), sink: net_null; $DESC; $NAME: $NRULES rules, all to the sink; 1 forwarding core (lcore 1) each; $BUILD_NOTE"
  others=$(busy_others)
  [ -z "$others" ] || echo "note: other busy processes on this machine after run $r: $others"
  grep -q '^CHECK FAILED' <<<"$line" && die "run $r: a consistency check failed"
  results+=("$(head -1 <<<"$line")")
done

if [ "$RUNS" -gt 1 ]; then
  printf '%s\n' "${results[@]}" | "$PY" -c '
import re, statistics, sys
rows, fl = [], []
for l in sys.stdin:
    m = re.search(r"sxdp ([0-9.]+) Mpps, \S+ ([0-9.]+) Mpps, ratio ([0-9.]+)", l)
    if m:
        rows.append([float(x) for x in m.groups()])
    f = re.search(r"above the I/O floor ([0-9.]+): sxdp (-?[0-9.]+), \S+ (-?[0-9.]+)", l)
    if f:
        fl.append([float(x) for x in f.groups()])
sx, peer, ratio = (statistics.median(c) for c in zip(*rows))
above = ""
if fl:
    floor, sxa, pa = (statistics.median(c) for c in zip(*fl))
    above = "; cycles/pkt above the I/O floor %.1f: sxdp %.1f, %s %.1f" % (floor, sxa, sys.argv[2], pa)
print("median of %d runs: %s: sxdp %.1f Mpps, %s %.1f Mpps, ratio %.2f (median of the per-run ratios%s; virtual source)"
      % (len(rows), sys.argv[1], sx, sys.argv[2], peer, ratio, above))' "$SCENARIO" "$NAME"
fi
