#!/usr/bin/env bash
# Every test tier, in order: unit (check) + fuzz corpus replay, packet (pcap
# in/out), e2e (netns + AF_XDP). Installs what it needs first. A tier that
# cannot run here says why and counts as skipped, never as passed; a check a
# tier skips ("ok - what # SKIP why", a meson test's exit 77) is listed with
# its reason, and the last line counts both.
#
#   bash scripts/test.sh [--stress]
#
# The tiers a busy machine broke before (issue 54) run last, beside a
# CPU-bound load, as a CI box shared with other jobs is (tiers *-stressed):
# the package's build (a compile job per CPU), then one CPU-bound process
# per CPU. The unit tier runs beside the e2e tiers (unit_on). --stress (or
# TEST_STRESS=1) runs every tier beside one CPU-bound process per CPU.
# TEST_LANES=2 runs most e2e tiers two at a time (opt-in: see lane_tier).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD
STRESS=${TEST_STRESS:-0}
for a in "$@"; do
  case $a in
    --stress) STRESS=1 ;;
    *) echo "usage: bash scripts/test.sh [--stress]" >&2; exit 2 ;;
  esac
done

# One CPU-bound process per CPU (a shell loop: no allocation, no I/O), at
# the tests' own priority, for as long as stress_on .. stress_off.
HOGS=()
HOG='while :; do :; done'
stress_on() {
  local _
  for _ in $(seq 1 "$(nproc)"); do
    bash -c "$HOG" &
    HOGS+=($!)
  done
  echo "=== stress: ${#HOGS[@]} CPU-bound process(es) beside the tests (one per CPU)"
}
stress_off() {
  [ ${#HOGS[@]} -eq 0 ] && return 0
  kill "${HOGS[@]}" 2>/dev/null
  wait "${HOGS[@]}" 2>/dev/null
  HOGS=()
}
# The stressed pass's load is work of this run: the package's build
# (scripts/build-deb.sh, a compile job per CPU: another build beside the
# tests, as on the box the report came from), then one CPU-bound loop per
# CPU until the pass ends. The build is the package tier's
# (PACKAGE_PREBUILT). (Started at nice 19 with the packet tier instead, it
# took ~110 s from it on this 2-vCPU VM: what it saved at the pass's end.)
LOAD=""   # the chain: its process group
loaddir=$(mktemp -d)
load_on() {
  setsid bash -c 'JOBS=$(nproc) bash scripts/build-deb.sh "$1/out" >"$1/deb" 2>"$1/build.log"; echo $? >"$1/rc"
                  for _ in $(seq 1 "$(nproc)"); do bash -c "$2" & done; wait' _ "$loaddir" "$HOG" </dev/null &
  LOAD=$!
  echo "=== stress: the package's build ($(nproc) compile jobs), then one CPU-bound process per CPU, beside the tests"
}
# wait_file FILE SECONDS: until FILE has something in it, SECONDS at most
wait_file() {
  local _
  for _ in $(seq 1 "$(($2 * 10))"); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}
load_off() { # [seconds]: wait that long at most for the build to end, then stop the loops
  [ -n "$LOAD" ] || return 0
  wait_file "$loaddir/rc" "${1:-0}"
  kill -- "-$LOAD" 2>/dev/null
  wait "$LOAD" 2>/dev/null
  LOAD=""
}
LOAD_BOUND=1800   # the build on a slow box
# The unit tier (check, the fuzz corpora's replay) runs beside the e2e
# tiers, which mostly wait (pings, failovers, rekeys), at nice 19 and one
# test at a time: the CPU they leave. (In the stressed pass, after the
# package's build, it ran ~105 s past the pass's end.)
UNIT=""
unit_on() {
  setsid nice -n 19 bash -c 't0=$SECONDS; meson test -C "$2" --num-processes 1 --print-errorlogs --no-rebuild >"$1/unit.log" 2>&1
                             echo "$? $((SECONDS - t0))" >"$1/unit.rc"' _ "$loaddir" "$BUILD" </dev/null &
  UNIT=$!
  echo "=== the unit tier, beside the e2e tiers (nice 19, a test at a time)"
}
unit_off() { # seconds: wait that long at most for it to end, then report it
  local rc=124 t=0
  [ -n "$UNIT" ] || return 0
  wait_file "$loaddir/unit.rc" "$1"
  kill -- "-$UNIT" 2>/dev/null
  wait "$UNIT" 2>/dev/null
  UNIT=""
  if [ -s "$loaddir/unit.rc" ]; then read -r rc t <"$loaddir/unit.rc"
  else echo "the unit tier did not end in $1 s" >>"$loaddir/unit.log"; fi
  tier_report unit "$rc" "$((SECONDS - t))" "$loaddir/unit.log" "run beside the e2e tiers"
}
UNIT_BOUND=1200   # its wait after the e2e tiers on a slow box

bash scripts/deps.sh || exit 1
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" >/dev/null || exit 1
fi
ninja -C "$BUILD" || exit 1
# the tests' sxdp on 2 MB hugepages (tests/hugepool.sh): the packet tier's
# files take ~490 pages at most, a 12-site fleet ~700
# shellcheck source=../tests/hugepool.sh
. tests/hugepool.sh
hp_pool "${TEST_HUGE_PAGES:-2048}"

pass=0 fail=0 skip=0 nchk=0
skips=()   # "tier: what: why" for every skipped tier and every check skipped inside one
times=()
tierlog=$(mktemp)
failed=$(mktemp)  # each failed tier's failing lines, printed again at the end (a CI log's tail is what is read)
declare -A LANE_NAME=() LANE_T0=()   # the tiers running beside others: pid -> name, start
lanedir=$(mktemp -d)
trap 'stress_off; load_off; unit_off 0 >/dev/null; lane_kill; hp_release; rm -rf "$tierlog" "$failed" "$lanedir" "$loaddir"' EXIT
tier() { # name, command...
  local name=$1 t0=$SECONDS; shift
  echo "=== tier: $name"
  "$@" 2>&1 | tee "$tierlog"
  tier_count "$name" "${PIPESTATUS[0]}" "$t0"
}
# a tier run in the background: its whole output (LOG), then its outcome
tier_report() { # name rc t0 log why
  echo "=== tier: $1 ($5: its whole output)"
  cat "$4"
  cp "$4" "$tierlog"
  tier_count "$1" "$2" "$3"
}
# a tier's outcome, from what it printed ($tierlog): passed, skipped (and
# the checks it skipped), or failed (its failing lines kept for the end)
tier_count() { # name rc t0
  local name=$1 rc=$2 t0=$3 line n=0
  # checks the tier skipped (TAP: "ok - what # SKIP why"; "# skipped: why", the
  # package tier's; meson's skipped tests)
  while IFS= read -r line; do
    skips+=("$name: $line"); n=$((n + 1)) nchk=$((nchk + 1))
  done < <(sed -n -e 's/^ok - \(.*\) # SKIP \(.*\)$/\1: \2/p' -e 's/^# skipped: \(.*\)$/\1/p' "$tierlog"
           [ "$name" != unit ] || meson_skips)
  times+=("$name $((SECONDS - t0))s")
  case $rc in
    0) pass=$((pass + 1))
       echo "=== tier $name: ok ($((SECONDS - t0)) s$([ "$n" -eq 0 ] || echo ", $n check(s) skipped"))" ;;
    77) skip=$((skip + 1))
        line=$(sed -n 's/^SKIP: //p' "$tierlog" | tail -1)
        [ "$n" -gt 0 ] || skips+=("$name: the whole tier: ${line:-exit 77 without a reason}")
        echo "=== tier $name: SKIPPED (${line:-$n check(s) skipped})" ;;
    *) fail=$((fail + 1)); echo "=== tier $name: FAILED (exit $rc, $((SECONDS - t0)) s)"
       { echo "--- $name (exit $rc): its failing lines, then its last lines"
         # a "not ok" with the "#   " lines under it (why it failed), then other telling lines
         awk 'n >= 40 { exit }
              /^not ok/ { print; n++; why = 6; next }
              why && /^#   / { print; n++; why--; next }
              { why = 0 }
              /FAIL|[Ee]rror:|[Tt]imed out|no answer/ { print substr($0, 1, 400); n++ }' "$tierlog"
         echo "  ..."
         tail -n 15 "$tierlog"; } >> "$failed" ;;
  esac
}

# Tiers that mostly wait (pings, failovers, rekeys: a few CPU-s a minute)
# run with their sxdp workers sleeping when idle (SXDP_IDLE_SLEEP_US, 500
# us unless given; the tiers that fix their own keep it): a polling worker
# holds a CPU of the two the whole tier, which the unit tier beside them
# then waits for. They can run LANES at a time (TEST_LANES=2; lane_tier ...
# lanes_end): each names its netns, interfaces, EAL prefix, ports and files
# after itself and its pid, so none sees another's. Each one's output is
# printed whole when it ends. Not the default: 15 tiers took ~420 s
# instead of 624, but two failed timing checks beside another
# (e2e-overlay-esp's path flapping once). Beside the packet tier a tier
# stretched ~5x (a 12-site fleet 99 -> 570 s, the packet tier's files
# ~3x): on this 2-vCPU VM the wakeups and context switches of both cost
# more than they overlap.
LANES=${TEST_LANES:-1}
lane_tier() { # name, command...
  local name=$1
  shift
  [ "$LANES" -gt 1 ] || { tier "$name" env SXDP_IDLE_SLEEP_US="${SXDP_IDLE_SLEEP_US:-500}" "$@"; return; }
  while [ ${#LANE_NAME[@]} -ge "$LANES" ]; do lane_reap; done
  SXDP_IDLE_SLEEP_US="${SXDP_IDLE_SLEEP_US:-500}" "$@" >"$lanedir/$name.log" 2>&1 </dev/null &
  LANE_NAME[$!]=$name LANE_T0[$!]=$SECONDS
}
lane_reap() {
  local pid rc name
  wait -n -p pid "${!LANE_NAME[@]}"; rc=$?
  name=${LANE_NAME[$pid]}
  tier_report "$name" "$rc" "${LANE_T0[$pid]}" "$lanedir/$name.log" "run beside others"
  unset "LANE_NAME[$pid]" "LANE_T0[$pid]"
}
lanes_end() { while [ ${#LANE_NAME[@]} -gt 0 ]; do lane_reap; done; }
lane_kill() { local p; for p in "${!LANE_NAME[@]}"; do kill "$p" 2>/dev/null; done; wait; }
# meson's skipped tests (exit 77) with the last line they printed, and the
# checks its passing tests skipped ("ok - what # SKIP why"): "name: why"
meson_skips() {
  [ -f "$BUILD/meson-logs/testlog.json" ] || return 0
  /usr/bin/python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, re, sys
for ln in open(sys.argv[1]):
    t = json.loads(ln)
    out = [x for x in ((t.get("stdout") or "") + "\n" + (t.get("stderr") or "")).splitlines() if x.strip()]
    if t.get("result") == "SKIP":
        print("%s: %s" % (t["name"], re.sub(r"^SKIP:\s*", "", out[-1].strip()) if out else "exit 77 without a reason"))
        continue
    for x in out:
        m = re.match(r"ok - (.*) # SKIP (.*)$", x)
        if m:
            print("%s: %s: %s" % (t["name"], m.group(1), m.group(2)))
PY
}

[ "$STRESS" = 1 ] && stress_on
[ "$STRESS" = 0 ] || tier unit meson test -C "$BUILD" --print-errorlogs --no-rebuild
tier packet bash tests/packet/run.sh
tier e2e bash tests/e2e/smoke.sh
# two workers on a two-CPU box (AF_PACKET: one queue pair per worker)
tier e2e-2workers env NL_WORKERS=2 NL_DRIVER=af_packet NL_H1=w2h1 NL_H2=w2h2 NL_IF0=w2sx0 NL_IF1=w2sx1 \
  bash tests/e2e/smoke.sh
# the README's demo on a quiet machine, as a newcomer first runs it (and again beside the load, demo-stressed):
# two sites over two encrypted WAN links, slices at their guarantees, a UE through the UPF, a link cut
tier demo bash scripts/demo.sh
# the rest LANES at a time, the longest first
# a fleet: 10 sites (an sxdp and an sxcd each, in netns) on a 3-member etcd, a full mesh from its intents (past
# 8 peers: each slice's flood list runs on into flood_more; past 9 sites, name and creation order differ); before
# the unit tier starts: beside it the fleet's 24 processes stretched 105 -> 170 s, the tiers after it far less
lane_tier e2e-fleet env FLEET_SITES=10 FLEET_CHANGES=10 bash tests/e2e/fleet.sh
[ "$STRESS" = 1 ] || unit_on
# box to box, keyed by the two sxcd alone, two WAN links, one through a NAT: paths measured inside the
# encryption, failover, the wire, rekeys under a stream; ESP (NAT-T) and WireGuard
lane_tier e2e-overlay-secure-wg env OSEC_CIPHER=wireguard bash tests/e2e/overlay_secure.sh
lane_tier e2e-overlay-secure-esp env OSEC_CIPHER=aes-gcm-128 bash tests/e2e/overlay_secure.sh
# the same, ESP keyed by the two sxcd's IKEv2 (keying ikev2: a fresh DH each SA and rekey); with the derived
# keying's tier, a recording and a stolen esp.key: the derived keying's opens, this one's does not
lane_tier e2e-overlay-secure-ike env OSEC_CIPHER=aes-gcm-128 OSEC_KEYING=ikev2 bash tests/e2e/overlay_secure.sh
# against a real WireGuard (wireguard-go in a netns): handshakes from either side, pings, TCP, the wire, rekeys losing nothing, roaming, a wrong key
lane_tier e2e-overlay-wg bash tests/e2e/overlay_wg.sh
# the peer restarted while only the box sends (its own renewal at WireGuard's 120 s): a handshake for
# the unanswered data within 15 s, the stream back
lane_tier e2e-overlay-wg-lost env OWG_REKEY_S=120 OWG_LOST_SESSION=1 bash tests/e2e/overlay_wg.sh
# IKEv2 (ov_ike) against strongSwan's charon, both roles, the Child SAs' keys proved with ESP
lane_tier e2e-ike-strongswan /usr/bin/python3 tests/e2e/ike_strongswan.py
# a peer of keying ikev2 through sxdp and sxcd against strongSwan (charon, kernel-libipsec): both roles, pings
# both ways, the wire, a wrong PSK, dead peer detection both ways, an sxdp restart
lane_tier e2e-overlay-ike bash tests/e2e/overlay_ike.sh
lane_tier e2e-switch bash tests/e2e/switch.sh
lane_tier e2e-dhcp bash tests/e2e/dhcp.sh
# a slice's firewall at its edge: rules allow and deny as written, established replies back, drops named by rule
lane_tier e2e-fw bash tests/e2e/fw.sh
lane_tier e2e-edge-nat bash tests/e2e/edge_nat.sh
# a slice's gateway held by VRRPv3 with Debian's keepalived on one LAN, in both roles: preemption, a forged
# master refused, kill -9 taken over in Master_Down_Interval, sxdp's stop (priority 0) in Skew_Time
lane_tier e2e-ha bash tests/e2e/ha.sh
# a pair at site A (two boxes, VRRP between them, sxcd's "pair") and a box at site B, by intents alone:
# kill -9 of the active's sxdp and sxcd, its WAN and its LAN cut, SIGSTOP, the standby's death, and each
# undone, under 1,000/s streams both ways (the outages printed, the figures bench/README.md quotes)
lane_tier e2e-ha-pair bash tests/e2e/ha_pair.sh
# a pair as one UPF (sxcd --pfcp-pair): a UE's session set up by a test SMF at one box, taken over by the
# other (the same Recovery Time Stamp, the N4 address moved) when its sxdp is killed or stopped, given back,
# and sxcd killed, under a UE's 1,000/s streams both ways (their outages printed)
lane_tier e2e-ha-upf bash tests/e2e/ha_upf.sh
# paths whose far end is FRR's bfdd (RFC 5880/5881): sessions Up, the wire (tshark), failover by the
# Detection Time, the far end's AdminDown, timers renegotiated by Poll Sequences, forged packets
lane_tier e2e-overlay-bfd bash tests/e2e/overlay_bfd.sh
# the same UE as e2e-upf's through a session a test SMF made over PFCP (sxcd --pfcp): UL CL, buffering, handover
lane_tier e2e-pfcp bash tests/e2e/pfcp.sh
# two sxdp sites over ESP (AES-GCM): pings, TCP, the wire encrypted, a rekey losing nothing, a wrong key refused
lane_tier e2e-overlay-esp bash tests/e2e/overlay_esp.sh
# loss repair per class, sxdp against sxdp over two WAN links: adaptive FEC rebuilding >= 90 % of 1 % random
# loss, a duplicated class losing nothing through 5 % loss on one link and through its cut, none twice
lane_tier e2e-overlay-repair bash tests/e2e/overlay_repair.sh
# a UE (TUN behind a simulated gNB) through the UPF to a local DN and over N9
lane_tier e2e-upf bash tests/e2e/upf.sh
# two sxdp UPFs chained (UL CL at A, anchor at B over N9 on the overlay), one SMF: breakout, N9 both ways,
# usage at both, an end marker relayed on a path switch, deletion at both
lane_tier e2e-upf-chain bash tests/e2e/upf_chain.sh
# the same intents as e2e-sxcd-stressed's over an IPv6 WAN link (address6, a link-local gateway6 sxdp
# solicits) to the kernel's VXLAN over IPv6
lane_tier e2e-sxcd6 env SXCD_UNDERLAY=6 bash tests/e2e/sxcd.sh
# over IPv6 WAN links, against the kernel's VXLAN over IPv6: probes, the wire (tshark), failover, an IPv6 class
lane_tier e2e-overlay6 bash tests/e2e/overlay6.sh
# encrypted over an IPv6-only WAN, box to box (sxcd keyed), one link through a NAT66: ESP (in UDP behind the
# NAT), then the same peers changed to WireGuard: paths up, the wire, failover under a stream
lane_tier e2e-overlay6-secure bash tests/e2e/overlay6_secure.sh
lane_tier e2e-switch6 bash tests/e2e/switch6.sh
# routes between sites: FRR at two boxes peers across a slice's stretched subnet (next hops behind the
# overlay tunnel, resolved by the box's own ARP and NDP), a LAN router's prefixes reach the other site
lane_tier e2e-routing-sites bash tests/e2e/routing_sites.sh
lane_tier e2e-ops bash tests/e2e/ops.sh
# routes learned: FRR in a slice's twin speaks BGP (IPv4, IPv6) through the exception path; its routes reach
# sxdp's VRF through sxcd (netlink import), ECMP, withdrawals, an intent's pinned route winning, sxcd restarted
lane_tier e2e-routing bash tests/e2e/routing.sh
lanes_end
unit_off "$UNIT_BOUND"
# sxcd at scale (1,000 slices, 10k UPF sessions; sxdp on net_pcap): no loop hold past 2.5 s while a PFCP SMF
# heartbeats and modifies sessions, /status is polled back to back and a 2,000-session upf intent applies
tier e2e-sxcd-scale /usr/bin/python3 tests/e2e/sxcd_scale.py

# The tiers a busy machine broke (issue 54) run once, beside the load
# (load_on: the package's build, then one CPU-bound process per CPU;
# tiers *-stressed), after the others: the overlay and its SLA
# classes, the noisy neighbour (two slices' guarantees on one WAN link,
# rte_sched), sxcd's intents, AF_XDP shared-NIC mode (the overlay and the
# box's own traffic on one interface), a 4-site fleet (the in-slice pings
# it lost were the dataplane's under load, not the fleet's size), the flow
# export's packet test, and the README's demo (two sites over two encrypted
# WAN links, slices at their guarantees, a link cut; it exits non-zero
# unless every step did what it printed; the quiet run is tier demo).
[ "$STRESS" = 1 ] || load_on
tier e2e-overlay-stressed bash tests/e2e/overlay.sh
tier e2e-overlay-sla-stressed bash tests/e2e/overlay_sla.sh
tier e2e-qos-stressed bash tests/e2e/qos.sh
tier e2e-sxcd-stressed bash tests/e2e/sxcd.sh
tier e2e-xdp-stressed bash tests/e2e/xdp_shared.sh
tier e2e-fleet-stressed env FLEET_SITES=4 FLEET_CHANGES=3 bash tests/e2e/fleet.sh
tier packet-flowexp-stressed bash tests/packet/run.sh test_flowexp.py
tier demo-stressed bash scripts/demo.sh
load_off "$LOAD_BOUND"
stress_off
# the Debian package: built (lintian-clean; above, beside the stressed tiers, unless all are), dpkg -i,
# its units run as they would, used, purged
if [ "$STRESS" = 1 ]; then
  tier package bash tests/e2e/package.sh
else
  tier package env PACKAGE_PREBUILT="$loaddir" bash tests/e2e/package.sh
fi
# a pair as one UPF (e2e-ha-upf's) whose active is upgraded with that package (dpkg -i, its daemons
# restarted from the package's binaries) under the UE's streams
if [ "$STRESS" != 1 ] && [ -f "$(cat "$loaddir/deb" 2>/dev/null)" ]; then
  tier e2e-ha-upgrade env HA_UPF_DEB="$(cat "$loaddir/deb")" bash tests/e2e/ha_upf.sh
fi

echo "=== times: ${times[*]}"
if [ -s "$failed" ]; then
  echo "=== failed tiers:"
  sed 's/^/  /' "$failed"
fi
if [ ${#skips[@]} -gt 0 ]; then
  echo "=== skipped (never counted as passed):"
  printf '  %s\n' "${skips[@]}"
fi
sk=""
for x in "${skips[@]}"; do sk+="${sk:+; }$x"; done
[ -z "$sk" ] || sk=" $sk"
echo "tiers: $pass passed, $fail failed, $skip skipped; $nchk check(s) skipped inside tiers$([ -z "$sk" ] || echo "; why:$sk")"
[ "$fail" -eq 0 ]
