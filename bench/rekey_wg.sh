#!/usr/bin/env bash
# Loss and latency through WireGuard renewals, against a real peer: the
# e2e topology of tests/e2e/overlay_wg.sh (sxdp and sxcd in a netns,
# Debian's wireguard-go in another, the kernel's VXLAN through it), sxcd
# renewing its session every REKEY_S seconds (2 by default), a ping stream
# at 100 packets a second from the slice's host to the peer's through N
# renewals (100 by default). Prints the renewals, pings lost, RTT p50, p99
# and max. Virtual links (veths in netns), one 2-CPU machine.
#
#   bash bench/rekey_wg.sh [N] [REKEY_S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OWG_REKEYS=${1:-100} OWG_REKEY_S=${2:-2} bash "$here/../tests/e2e/overlay_wg.sh" | grep -E '^(rekey bench|not ok)'
