#!/usr/bin/env bash
# sxdp's encrypted overlay against DPDK's own examples/ipsec-secgw on the
# same virtual source, sink and core, back to back in the same run.
#
#   bash bench/compare-ipsec-secgw.sh [vxlan_encap_esp|vxlan_decap_esp] [--runs N] [--warmup S]
#                                     [--window S] [--secgw-march ARCH] [--no-floor]
#
# Pairs (same pcap, the same key, AES-GCM-128 through ipsec-mb's aesni_gcm
# PMD's CPU-crypto path on both sides, librte_ipsec on both):
#   vxlan_encap_esp  sxdp: slice, VXLAN encap, then ESP tunnel mode with ESN
#            on every path; ipsec-secgw: the same frames arriving on its
#            protected port 0, each IP packet sealed into ESP (one outbound
#            SA: the scenario's first, ESN on, SQN atomic as sxdp's) out of
#            its unprotected port 1. ipsec-secgw does the ESP alone: sxdp
#            does that and the slice and VXLAN work.
#   vxlan_decap_esp  sxdp: ESP opened, then the VXLAN checks and decap into
#            the slice; ipsec-secgw: the same ESP on its unprotected port 0,
#            opened with the scenario's inbound SAs (no ESN, no replay
#            window, as sxdp's) and the datagram it carried routed to port 1.
# For each run: bench/run.sh SCENARIO (sxdp, one worker on lcore 1, then
# dpdk-testpmd io on the same source and sink: the I/O floor, skipped with
# --no-floor), then ipsec-secgw -l 1 (its one lcore) with net_pcap
# infinite_rx port 0, net_null port 1, crypto_aesni_gcm, -l (librte_ipsec),
# the same warm-up and window. Prints
#   SCENARIO: sxdp X Mpps, ipsec-secgw Y Mpps, ratio X/Y (cycles/pkt total:
#   sxdp A, ipsec-secgw B; above the I/O floor F: sxdp A-F, ipsec-secgw B-F)
# and, with --runs > 1, the medians. ipsec-secgw's rate = DPDK telemetry
# /ethdev/stats,0 ipackets over the window; checked: port 1 sent all of
# them, nothing missed or dropped.
#
# ipsec-secgw is built once and cached (SECGW_CACHE, default
# /tmp/sxdp-secgw-cache, keyed by the DPDK version, the patch and the
# -march): Debian's dpdk-doc of libdpdk-dev's version (apt-get download,
# dpkg -x), examples/ipsec-secgw and examples/common side by side, one
# change made with sed at build time (DPDK's code is not in this repo): the
# ports' RX and TX offloads masked with what the port offers (virtual
# devices have no checksum offload; ipsec-secgw asks for it by default);
# then `make`. Needs root and 2 MB hugepages. Numbers are from a virtual
# source (net_pcap).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_DIR=$root/bench
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SECGW_CACHE=${SECGW_CACHE:-/tmp/sxdp-secgw-cache}
RUN_SH=${BENCH_RUN:-$root/bench/run.sh}
[ -f "$RUN_SH" ] || { echo "no $RUN_SH" >&2; exit 1; }

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
log() { printf 'compare-ipsec-secgw: %s\n' "$*" >&2; }
die() { printf 'compare-ipsec-secgw: %s\n' "$*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=comparelib.sh
. "$root/bench/comparelib.sh"

SCENARIO=vxlan_encap_esp
case ${1:-} in vxlan_encap_esp|vxlan_decap_esp) SCENARIO=$1; shift ;; -h|--help) usage ;; -*) ;; "") ;; *) usage ;; esac
RUNS=1 WARMUP=2 WINDOW=5 MARCH='' FLOOR=''
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --secgw-march) MARCH=$2; shift 2 ;;
    --no-floor) FLOOR=--no-ceiling; shift ;;
    -h|--help) usage ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $WINDOW =~ ^[1-9][0-9]*$ ]] || die "bad --runs/--warmup/--window"
[[ $MARCH =~ ^[A-Za-z0-9_.-]*$ ]] || die "bad --secgw-march"
[ "$(id -u)" -eq 0 ] || die "needs root (hugepages)"
NAME=ipsec-secgw
POOL=131071   # -s: net_pcap infinite_rx holds every pcap packet in an mbuf

# ------------------------------------------------------------ build ipsec-secgw
# The one change to DPDK's examples/ipsec-secgw (see the header); it must
# apply exactly once, or the build stops (another DPDK version changed it).
patch_secgw() { # DIR
  local d=$1
  sed -i 's|^\t/\* Check that all required capabilities are supported \*/$|\tlocal_port_conf.rxmode.offloads \&= dev_info.rx_offload_capa; /* sxdp bench: virtual devices */\n\tlocal_port_conf.txmode.offloads \&= dev_info.tx_offload_capa; /* sxdp bench: virtual devices */\n&|' \
    "$d/ipsec-secgw.c" || return 1
  [ "$(grep -c 'offload_capa; /\* sxdp bench: virtual devices' "$d/ipsec-secgw.c")" -eq 2 ] || return 1
  if [ -n "$MARCH" ]; then
    sed -i "s|^CFLAGS += -I../common\$|& -march=$MARCH|" "$d/Makefile" || return 1
    grep -q -- "-I../common -march=$MARCH\$" "$d/Makefile" || return 1
  fi
  return 0
}


# ------------------------------------------------------------- the input
scenario_input
dpdk_example ipsec-secgw "$SECGW_CACHE" patch_secgw "$MARCH"
SECGW=$EX_SRC/build/ipsec-secgw

WORK=$(mktemp -d /tmp/sxdp-cmp-secgw.XXXXXX)
trap peers_cleanup EXIT
trap 'exit 130' INT TERM

# ipsec-secgw's configuration from the scenario's SAs (the control calls
# among its entries): the same keys, SPIs and tunnel ends
CFG=$WORK/secgw.cfg
"$PY" - "$ENTRIES" "$SCENARIO" "$CFG" <<'PYEOF2' || die "cannot derive ipsec-secgw's SAs from $ENTRIES"
import json, sys
entries, scen, out = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
sas = [u["params"] for u in entries if u.get("rpc") == "overlay.sa.add"]
key = lambda p: ":".join(p["key"][i:i + 2] for i in range(0, len(p["key"]), 2))
lines = []
if scen == "vxlan_encap_esp":
    o = next(p for p in sas if p["dir"] == "out")
    lines += ["sp ipv4 out esp protect %d pri 1 dst 0.0.0.0/0 sport 0:65535 dport 0:65535" % o["spi"],
              "sa out %d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src %s dst %s type cpu-crypto"
              % (o["spi"], key(o), o["src"], o["dst"]),
              "rt ipv4 dst %s/32 port 1" % o["dst"],
              # ipsec-secgw wants an inbound SA wherever a port is unprotected: one nothing uses
              "sp ipv4 in esp protect 7 pri 1 dst 203.0.113.255/32 sport 0:65535 dport 0:65535",
              "sa in 7 aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src %s dst %s type cpu-crypto"
              % (key(o), o["dst"], o["src"])]
else:
    ins = [p for p in sas if p["dir"] == "in"]
    for p in ins:
        # each SA's policy by the datagram's two ends (its peer's VTEP to ours)
        lines += ["sp ipv4 in esp protect %d pri 1 src %s/32 dst %s/32 sport 0:65535 dport 0:65535"
                  % (p["spi"], p["src"], p["dst"]),
                  "sa in %d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src %s dst %s type cpu-crypto"
                  % (p["spi"], key(p), p["src"], p["dst"])]
    lines.append("rt ipv4 dst %s/32 port 1" % ins[0]["dst"])
lines.append("neigh port 1 02:00:00:00:ff:fe")
open(out, "w").write("\n".join(lines) + "\n")
print("compare-ipsec-secgw: %d SA lines" % sum(l.startswith("sa ") for l in lines), file=sys.stderr)
PYEOF2
if [ "$SCENARIO" = vxlan_encap_esp ]; then
  SECGW_ARGS=(-u 0x2 -e -a)   # plain in on port 0 (protected), ESP out of port 1; ESN and SQN atomic, as sxdp's
else
  SECGW_ARGS=(-u 0x1)         # ESP in on port 0 (unprotected); no ESN, no replay window, as sxdp's
fi

# --------------------------------------------------------------- hugepages
hugepages() { # as bench/run.sh: 1024 x 2 MB, hugetlbfs mounted
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB want=1024 free
  [ -d "$hp" ] || die "no 2 MB hugepage support"
  free=$(cat "$hp/free_hugepages")
  if [ "$free" -lt "$want" ]; then
    echo $(( $(cat "$hp/nr_hugepages") + want - free )) >"$hp/nr_hugepages" 2>/dev/null
    free=$(cat "$hp/free_hugepages")
  fi
  [ "$free" -ge 512 ] || die "only $free free 2 MB hugepages; ipsec-secgw needs about 512"
  if ! grep -q ' hugetlbfs ' /proc/mounts; then
    { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } || die "cannot mount hugetlbfs"
  fi
}

# run_peer N -> $WORK/secgw-N.json
run_peer() {
  local n=$1 prefix="sxsgw$$_$1" pid rc
  hugepages
  PEER_PREFIXES+=("$prefix")
  "$SECGW" -l 1 --file-prefix "$prefix" --huge-unlink --no-pci \
    --vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" --vdev "net_null0,no-rx=1" --vdev crypto_aesni_gcm0 \
    -- -p 0x3 -P "${SECGW_ARGS[@]}" -l --config "(0,0,1),(1,0,1)" -f "$CFG" -s "$POOL" \
    >"$WORK/secgw-$n.log" 2>&1 </dev/null &
  pid=$!
  PEER_PIDS+=("$pid")
  "$PY" -c 'import os, sys; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib; benchlib.peer_window(*sys.argv[1:])' \
    "/var/run/dpdk/$prefix/dpdk_telemetry.v2" "$WARMUP" "$WINDOW" "$pid" "$NAME" "not every packet was sealed or opened" \
    compare-ipsec-secgw >"$WORK/secgw-$n.json"
  rc=$?
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "/var/run/dpdk/$prefix"
  if [ $rc -ne 0 ]; then
    log "ipsec-secgw run $n failed; its log:"
    tail -20 "$WORK/secgw-$n.log" >&2
    return 1
  fi
  return 0
}
# ------------------------------------------------------------------- runs
BUILD_NOTE="DPDK $(dpkg-query -W -f='${Version}' libdpdk-dev) examples/ipsec-secgw, $(
  if [ -n "$MARCH" ]; then echo "built with -march=$MARCH"; else echo "built as shipped (-march=corei7 from DPDK's pkg-config)"; fi)"
log "$NAME: SAs from $ENTRIES, pcap $PCAP; $BUILD_NOTE"
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
  grep -E '^bench: (sxdp window|sxdp worker thread)' "$WORK/sxdp-$r.err" | sed 's/^bench: /compare-ipsec-secgw: /' >&2
  sx_line=$(grep "^$SCENARIO: " <<<"$sx")
  sx_note=$(grep '^note: the worker' <<<"$sx")
  # sxdp's nodes and the floor's readings, as bench/run.sh printed them
  sx_more=$(grep -E "^($SCENARIO cycles/pkt by node|I/O floor:|note: testpmd)" <<<"$sx" | sed 's/^/sxdp: /')
  tsc=$(sed -n 's/^bench: sxdp window.* tsc \([0-9]*\) Hz.*/\1/p' "$WORK/sxdp-$r.err" | tail -1)
  log "run $r/$RUNS: $NAME, same pcap, sink, core, warm-up and window"
  run_peer "$r" || die "ipsec-secgw run $r failed (log: $WORK/secgw-$r.log)"
  line=$("$PY" - "$WORK/secgw-$r.json" "$sx_line" "$SCENARIO" "$NAME" "${tsc:-0}" <<'PYEOF'
import json, re, sys
o = json.load(open(sys.argv[1]))
m = re.match(r"\S+: ([0-9.]+) Mpps, ([0-9.]+) cycles/pkt total", sys.argv[2])
sx_mpps, sx_cyc = float(m.group(1)), float(m.group(2))
# the I/O floor bench/run.sh measured in this run (testpmd io), if it did
f = re.search(r"I/O floor ([0-9.]+) cycles/pkt", sys.argv[2])
floor = float(f.group(1)) if f else None
name, tsc = sys.argv[4], float(sys.argv[5])
print("compare-ipsec-secgw: %s window %.2f s: port 0 rx %d tx %d, port 1 tx %d; thread %s ran %.0f%% of the window"
      % (name, o["window_s"], o["packets"], o["p0"]["opackets"], o["p1"]["opackets"], o["thread"],
         100 * o["cpu_share"]), file=sys.stderr)
# ipsec-secgw keeps no cycle counters: a polling core's total cycles/pkt is TSC Hz / rate
cyc = tsc / (o["mpps"] * 1e6) if tsc and o["mpps"] else None
above = ("; above the I/O floor %.1f: sxdp %.1f, %s %s" % (floor, sx_cyc - floor, name,
         "%.1f" % (cyc - floor) if cyc else "?")) if floor is not None else "; I/O floor not measured"
print("%s: sxdp %.1f Mpps, %s %.1f Mpps, ratio %.2f (cycles/pkt total: sxdp %.1f, %s %s%s)"
      % (sys.argv[3], sx_mpps, name, o["mpps"], sx_mpps / o["mpps"] if o["mpps"] else float("inf"),
         sx_cyc, name, "%.1f" % cyc if cyc else "?", above))
if o["cpu_share"] < 0.95:
    print("note: the ipsec-secgw thread (%s) ran only %.0f%% of the window: another process shared its CPU"
          % (o["thread"], 100 * o["cpu_share"]))
for p in o["problems"]:
    print("CHECK FAILED: " + p)
PYEOF
)
  echo "$line"
  [ -z "$sx_more" ] || echo "$sx_more"
  [ -z "$sx_note" ] || echo "$sx_note (sxdp)"
  echo "source: net_pcap infinite_rx (virtual), sink: net_null; $DESC; $NAME: AES-GCM-128 on crypto_aesni_gcm (CPU crypto), librte_ipsec (-l) $([ "$SCENARIO" = vxlan_encap_esp ] && echo "ESN, SQN atomic, one outbound SA" || echo "the scenario's inbound SAs, no ESN, no replay window"); 1 core (lcore 1) each; $BUILD_NOTE"
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
