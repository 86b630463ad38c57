#!/usr/bin/env bash
# The loss a duplicated class and a FEC class see at 1, 5 and 20 % random
# loss on one WAN link (nftables numgen; this kernel has no netem), beside
# an unrepaired class, and through a cut: tests/e2e/overlay_repair.sh's two
# sxdp sites with its matrix on (OREP_MATRIX=1). Figures: bench/README.md.
#
#   bash bench/run.sh's build, then: bash bench/repair_loss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OREP_MATRIX=1 exec bash tests/e2e/overlay_repair.sh
