#!/usr/bin/env bash
# pktgen-dpdk on a bench/run.sh scenario: its pcap (bench/run.sh SCENARIO
# --input-only: made by bench/gen_pcap.py, cached, the very file the bench
# replays) loaded on pktgen port 0 (-s 0:PCAP) and sent by
# bench/pktgen/SCENARIO.lua at line rate, looping; port 1 receives.
#
#   bash bench/pktgen/pktgen.sh SCENARIO [--flows N] [--size N|imix] [--rate PCT] [--dry-run] -- EAL ARGS...
#   bash bench/pktgen/pktgen.sh l3 -- -l 0-2 -n 4 -a 0000:03:00.0 -a 0000:03:00.1
#   bash bench/pktgen/pktgen.sh upf_dl --flows 1048576 -- -l 0-2 -n 4 -a ... -a ...
#
# --flows: the upf scenarios' sessions (as bench/run.sh's --flows); --size:
# the frames' size (as bench/run.sh's --size: 1400, imix); --rate:
# percent of port 0's line rate (default 100); --dry-run: print the command
# line, run nothing. PKTGEN=path picks the binary (default: pktgen on PATH).
# The port mapping is -m "[1:2].0, [1:2].1" (lcore 1 RX, lcore 2 TX of each
# port): give the EAL at least lcores 0-2 (-l 0-2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { printf 'pktgen.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: pktgen.sh SCENARIO [--flows N] [--size N|imix] [--rate PCT] [--dry-run] -- EAL ARGS"
scen=$1; shift
flows=() size=() rate=100 dry=0
while [ $# -gt 0 ]; do
  case $1 in
    --flows) flows=(--flows "$2"); shift 2 ;;
    --size) size=(--size "$2"); shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (EAL arguments go after --)" ;;
  esac
done
[[ $rate =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "bad --rate '$rate'"
lua=$here/${scen//-/_}.lua
[ -f "$lua" ] || die "no pktgen script for scenario '$scen' ($lua)"
# the whole output, then its first line (head would cut run.sh off mid-write)
out=$(bash "$here/../run.sh" "$scen" "${flows[@]}" "${size[@]}" --input-only) || die "bench/run.sh --input-only failed"
pcap=${out%%$'\n'*}
[ -s "$pcap" ] || die "bench/run.sh gave no pcap for $scen"
cmd=("${PKTGEN:-pktgen}" "$@" -- -P -T -m "[1:2].0, [1:2].1" -s "0:$pcap" -f "$lua")
if [ "$dry" -eq 1 ]; then
  printf 'SXDP_BENCH_PCAP=%q SXDP_BENCH_RATE=%q' "$pcap" "$rate"
  printf ' %q' "${cmd[@]}"
  printf '\n'
  exit 0
fi
SXDP_BENCH_PCAP=$pcap SXDP_BENCH_RATE=$rate exec "${cmd[@]}"
