#!/usr/bin/env bash
# IKEv2 SA setup time against strongSwan: the topology of
# tests/e2e/ike_strongswan.py (sxcd's IKE engine on a kernel socket in one
# netns, charon with kernel-libipsec in another), N setups (50 by default),
# each an IKE SA and its Child SA from the engine's IKE_SA_INIT to its Child
# SA up (the PSK's AUTH, Curve25519, AES-GCM-256; UDP-encapsulated, as
# charon's user-space ESP does). Prints p50, p99 and max. Virtual links
# (veths in netns), one 2-CPU machine.
#
#   bash bench/ike_setup.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
IKE_BENCH=${1:-50} /usr/bin/python3 "$here/../tests/e2e/ike_strongswan.py"
