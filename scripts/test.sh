#!/usr/bin/env bash
# Every test tier, in order: unit (check) + fuzz corpus replay, packet (pcap
# in/out), e2e (netns + AF_XDP). Installs what it needs first. A tier that
# cannot run here says why and counts as skipped, never as passed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD

bash scripts/deps.sh || exit 1
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" >/dev/null || exit 1
fi
ninja -C "$BUILD" || exit 1

pass=0 fail=0 skip=0
tier() { # name, command...
  local name=$1 rc; shift
  echo "=== tier: $name"
  "$@"; rc=$?
  case $rc in
    0) pass=$((pass + 1)); echo "=== tier $name: ok" ;;
    77) skip=$((skip + 1)); echo "=== tier $name: SKIPPED" ;;
    *) fail=$((fail + 1)); echo "=== tier $name: FAILED (exit $rc)" ;;
  esac
}

tier unit meson test -C "$BUILD" --print-errorlogs --no-rebuild
tier packet bash tests/packet/run.sh
tier e2e bash tests/e2e/smoke.sh
# two workers on a two-CPU box (AF_PACKET: one queue pair per worker)
tier e2e-2workers env NL_WORKERS=2 NL_DRIVER=af_packet NL_H1=w2h1 NL_H2=w2h2 NL_IF0=w2sx0 NL_IF1=w2sx1 \
  bash tests/e2e/smoke.sh
tier e2e-switch bash tests/e2e/switch.sh
tier e2e-switch6 bash tests/e2e/switch6.sh
tier e2e-ops bash tests/e2e/ops.sh
tier e2e-overlay bash tests/e2e/overlay.sh
tier e2e-overlay-sla bash tests/e2e/overlay_sla.sh
# the noisy neighbour: two slices' guarantees on one WAN link (rte_sched)
tier e2e-qos bash tests/e2e/qos.sh
tier e2e-sxcd bash tests/e2e/sxcd.sh
# a fleet: 8 sites (an sxdp and an sxcd each, in netns) on a 3-member etcd, a full mesh from its intents
tier e2e-fleet env FLEET_SITES=8 FLEET_CHANGES=20 bash tests/e2e/fleet.sh
# a UE (TUN behind a simulated gNB) through the UPF to a local DN and over N9
tier e2e-upf bash tests/e2e/upf.sh
# the same UE through a session a test SMF made over PFCP (sxcd --pfcp): UL CL, buffering, handover
tier e2e-pfcp bash tests/e2e/pfcp.sh
# AF_XDP shared-NIC mode: the overlay and the box's own traffic on one interface
tier e2e-xdp bash tests/e2e/xdp_shared.sh
# the Debian package: built (lintian-clean), dpkg -i, its units run as they would, used, purged
tier package bash tests/e2e/package.sh

echo "tiers: $pass passed, $fail failed, $skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
