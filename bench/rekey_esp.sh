#!/usr/bin/env bash
# Loss and latency through ESP rekeys, box to box: the e2e topology of
# tests/e2e/overlay_secure.sh (two sites of sxdp and sxcd in netns, the
# SAs derived by the two sxcd), sxcd moving every path to the next epoch's
# SAs every REKEY_S seconds (2 by default), make-before-break, a ping
# stream at 100 packets a second between the sites' hosts through N epochs
# (100 by default). Prints the rekeys, pings lost, RTT p50, p99 and max.
# CIPHER: aes-gcm-128 (default), aes-gcm-256 or wireguard (two sxcd
# renewing WireGuard sessions with each other). Virtual links (veths in
# netns), one 2-CPU machine.
#
#   bash bench/rekey_esp.sh [N] [REKEY_S] [CIPHER]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OSEC_REKEYS=${1:-100} OSEC_REKEY_S=${2:-2} OSEC_CIPHER=${3:-aes-gcm-128} \
  bash "$here/../tests/e2e/overlay_secure.sh" | grep -E '^(rekey bench|not ok)'
