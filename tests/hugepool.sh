# shellcheck shell=bash
# A pool of 2 MB hugepages for the tests' sxdp (sourced by scripts/test.sh
# and tests/packet/run.sh). On 4 KB pages (--no-huge) a start-up's page
# faults (the mempool, the tables) cost ~1 CPU-s on a VM, x4 what they do
# on 2 MB pages. hp_pool N adds what is missing for N free pages to the
# kernel's and exports SXDP_TEST_HUGE=1, which sxdptest.py and
# netns-lib.sh's nl_eal_mem read (each sxdp takes pages as it needs them,
# its files unlinked: a crash leaves none taken); hp_release gives back
# what it added, as a count (another may take and give back its own
# meanwhile). Without hugetlbfs, or when the kernel refuses, sxdp runs on
# 4 KB pages (SXDP_TEST_HUGE=0) and the line printed says why.
HP_NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_added=0
hp_free() { awk '/^HugePages_Free/ { f = $2 } /^HugePages_Rsvd/ { r = $2 } END { print f - r }' /proc/meminfo; }
hp_pool() { # pages
  local want=$1 now
  export SXDP_TEST_HUGE=0
  { mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; }; } 2>/dev/null ||
    { echo "# sxdp on 4 KB pages: no hugetlbfs on /dev/hugepages"; return 1; }
  now=$(cat "$HP_NR" 2>/dev/null) || { echo "# sxdp on 4 KB pages: no $HP_NR"; return 1; }
  if [ "$(hp_free)" -lt "$want" ] && echo "$((now + want - $(hp_free)))" >"$HP_NR" 2>/dev/null; then
    hp_added=$(($(cat "$HP_NR") - now))
  fi
  if [ "$(hp_free)" -lt "$want" ]; then
    echo "# sxdp on 4 KB pages: the kernel gave $(hp_free) free 2 MB hugepages of the $want asked for"
    hp_release
    return 1
  fi
  export SXDP_TEST_HUGE=1
  echo "# sxdp on 2 MB hugepages: $want free ($hp_added added)"
}
hp_release() {
  [ "$hp_added" -gt 0 ] || return 0
  echo "$(($(cat "$HP_NR") - hp_added))" >"$HP_NR"
  hp_added=0
}
