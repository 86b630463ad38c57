# shellcheck shell=bash
# comparelib: what bench/compare-*.sh share (sourced after each defines
# log, die, RUN_SH and SCENARIO): DPDK's own examples built from Debian's
# dpdk-doc and cached, the scenario's input as bench/run.sh caches it, the
# peers' teardown, and who else is busy on the CPUs.

# DPDK's examples/NAME (and examples/common) from the dpdk-doc of the
# installed libdpdk-dev, patched by the function PATCHFN (called with the
# source dir; it must apply exactly once or the build stops: another DPDK
# version changed the example), built once into CACHE, keyed by the DPDK
# version, KEYEXTRA (what else changes the binary) and PATCHFN's own text.
# Sets EX_SRC: the example's source dir, its binary build/NAME.
dpdk_example() { # name cache patchfn keyextra
  local name=$1 cache=$2 patchfn=$3 extra=$4 ver key dir tmp
  if ! pkg-config --exists libdpdk 2>/dev/null; then
    log "installing libdpdk-dev (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libdpdk-dev pkg-config make gcc \
      >&2 || die "cannot install libdpdk-dev"
  fi
  ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) || die "libdpdk-dev is not a Debian package here"
  key=$({ echo "$ver $extra"; declare -f "$patchfn"; } | sha1sum | cut -c1-12)
  dir=$cache/$name-$ver-$key
  EX_SRC=$dir/$name
  if [ -x "$EX_SRC/build/$name" ]; then
    log "using cached $EX_SRC/build/$name"
    return 0
  fi
  log "building DPDK $ver examples/$name from dpdk-doc into $dir"
  mkdir -p "$cache" || die "cannot create $cache"
  tmp=$(mktemp -d "$cache/build.XXXXXX")
  chmod 755 "$tmp" # apt-get download drops privileges to _apt where it can
  if ! (cd "$tmp" && apt-get download "dpdk-doc=$ver") >&2; then
    apt-get update -qq >&2
    (cd "$tmp" && apt-get download "dpdk-doc=$ver") >&2 || { rm -rf "$tmp"; die "apt-get download dpdk-doc=$ver failed"; }
  fi
  dpkg -x "$tmp"/dpdk-doc_*.deb "$tmp/x" || { rm -rf "$tmp"; die "dpkg -x dpdk-doc failed"; }
  mkdir "$tmp/src" &&
    cp -r "$tmp/x/usr/share/dpdk/examples/$name" "$tmp/x/usr/share/dpdk/examples/common" "$tmp/src/" ||
    { rm -rf "$tmp"; die "dpdk-doc has no examples/$name + examples/common"; }
  "$patchfn" "$tmp/src/$name" ||
    { rm -rf "$tmp"; die "patching $name failed: DPDK $ver's sources differ from what this script expects"; }
  make -C "$tmp/src/$name" -j"$(nproc)" >&2 || { rm -rf "$tmp"; die "building $name failed"; }
  [ -x "$tmp/src/$name/build/$name" ] || { rm -rf "$tmp"; die "make produced no build/$name"; }
  # publish whole or not at all (a concurrent build may have won)
  mv -T "$tmp/src" "$dir" 2>/dev/null || [ -x "$EX_SRC/build/$name" ] ||
    { rm -rf "$tmp"; die "cannot move the build to $dir"; }
  rm -rf "$tmp"
  log "built $EX_SRC/build/$name"
}

# The scenario's pcap, its description and its table entries, as
# bench/run.sh makes and caches them: sets PCAP, DESC, ENTRIES.
scenario_input() {
  local inp
  mapfile -t inp < <(bash "$RUN_SH" "$SCENARIO" --input-only) || true
  if [ "${#inp[@]}" -lt 3 ] || [ ! -s "${inp[0]}" ]; then
    die "bench/run.sh $SCENARIO --input-only failed"
  fi
  # shellcheck disable=SC2034  # DESC: the caller's
  PCAP=${inp[0]} DESC=${inp[2]}
  ENTRIES=${PCAP%.pcap}.entries.json # run.sh's cache names them side by side
  [ -s "$ENTRIES" ] || die "no $ENTRIES next to $PCAP"
}

# The peers started (PEER_PIDS) stopped, TERM then KILL after 10 s, their
# DPDK runtime dirs (PEER_PREFIXES) and WORK removed: the scripts' EXIT trap.
PEER_PIDS=()
PEER_PREFIXES=()
peers_cleanup() {
  local p
  for p in "${PEER_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null; done
  for p in "${PEER_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for p in "${PEER_PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
  [ -z "${WORK:-}" ] || rm -rf "$WORK"
}

busy_others() { # other processes busy on the CPUs right now (a shared machine)
  ps -eo pid=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '$2 >= 40 && $1 != me {printf "%s(pid %s, %s%%) ", $3, $1, $2}'
}
