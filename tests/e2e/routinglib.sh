# shellcheck shell=bash
# What the e2e tests that run FRR (routing.sh, routing_sites.sh,
# overlay_bfd.sh) share, sourced after common.sh: veths between their namespaces, FRR instances in a
# namespace, BGP session state, waits. Needs DIR (the test's directory), P
# (its instance prefix) and the test's nsn/in_ns (its namespaces); sets
# SXCD and FRR, and skips the test (77) without FRR.

SXCD=$BUILD/sxcd
FRR=/usr/lib/frr
for t in zebra bgpd bfdd ospfd; do
  [ -x "$FRR/$t" ] || { echo "SKIP: FRR's $t is not installed (apt-get install frr)"; exit 77; }
done
command -v vtysh >/dev/null || { echo "SKIP: vtysh is not installed (apt-get install frr)"; exit 77; }
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

# veth NS-A IF-A NS-B IF-B: a veth pair between two of the test's
# namespaces, both ends up, no TX checksum offload (AF_PACKET sees what
# the wire would)
veth() {
  ip -n "$(nsn "$1")" link add "$2" type veth peer name "$4" netns "$(nsn "$3")" || return 1
  ip -n "$(nsn "$1")" link set "$2" up && ip -n "$(nsn "$3")" link set "$4" up
  in_ns "$1" ethtool -K "$2" tx off >/dev/null 2>&1
  in_ns "$3" ethtool -K "$4" tx off >/dev/null 2>&1
  return 0
}

# vty INSTANCE vtysh-args...: that FRR instance's vtysh
vty() { local i=$1; shift; vtysh -N "$P$i" "$@" 2>/dev/null; }

# frr_start INSTANCE NETNS CONF [DAEMON]: zebra and DAEMON (bgpd, or
# bfdd) of that instance, DAEMON's configuration CONF, as FRR's user (its
# files are its), logging to $DIR/frr-INSTANCE
frr_start() {
  local i=$1 ns=$2 conf=$3 daemon=${4:-bgpd} d
  mkdir -p "$DIR/frr-$i" "/var/run/frr/$P$i"
  printf 'hostname %s\nlog file %s/frr-%s/zebra.log informational\n' "$i" "$DIR" "$i" >"$DIR/frr-$i/zebra.conf"
  { printf 'hostname %s\nlog file %s/frr-%s/%s.log informational\n' "$i" "$DIR" "$i" "$daemon"; cat "$conf"; } \
    >"$DIR/frr-$i/$daemon.conf"
  chown -R frr:frr "$DIR/frr-$i" "/var/run/frr/$P$i"
  for d in zebra "$daemon"; do
    ip netns exec "$ns" "$FRR/$d" -d -N "$P$i" -P 0 -f "$DIR/frr-$i/$d.conf" \
      -i "/var/run/frr/$P$i/$d.pid" >>"$DIR/frr-$i/start.log" 2>&1 || return 1
  done
}

# frr_add INSTANCE NETNS DAEMON CONF: one more daemon (ospfd, ...) of an
# instance frr_start started, its configuration CONF
frr_add() {
  local i=$1 ns=$2 d=$3 conf=$4
  { printf 'hostname %s\nlog file %s/frr-%s/%s.log informational\n' "$i" "$DIR" "$i" "$d"; cat "$conf"; } \
    >"$DIR/frr-$i/$d.conf"
  chown frr:frr "$DIR/frr-$i/$d.conf"
  ip netns exec "$ns" "$FRR/$d" -d -N "$P$i" -P 0 -f "$DIR/frr-$i/$d.conf" \
    -i "/var/run/frr/$P$i/$d.pid" >>"$DIR/frr-$i/start.log" 2>&1
}

# frr_stop INSTANCE...: what frr_start and frr_add started, and its run directory
frr_stop() {
  local i d
  for i in "$@"; do
    for d in bgpd bfdd ospfd ospf6d zebra; do
      [ -f "/var/run/frr/$P$i/$d.pid" ] && kill "$(cat "/var/run/frr/$P$i/$d.pid")" 2>/dev/null
    done
    rm -rf "/var/run/frr/$P$i"
  done
}

# established INSTANCE PEER...: every session of the instance to those
# peers is Established
established() {
  local i=$1 p; shift
  for p in "$@"; do
    vty "$i" -c "show bgp neighbors $p json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(v.get("bgpState") == "Established" for v in d.values()) else 1)' || return 1
  done
}

# twin_relay NETNS TWIN_NETNS VLAN: a kernel without VLAN devices
# (CONFIG_VLAN_8021Q off) gets the twin's link sxt<VLAN> as a veth whose
# other end vlanrelay.py tags onto the host port's TAP (sxh) in NETNS;
# sxcd adopts it. Sets RELAY_PID.
twin_relay() {
  local ns=$1 twin=$2 v=$3
  ip -n "$ns" link add "sxr$v" type veth peer name "sxt$v" netns "$twin" &&
    ip -n "$ns" link set "sxr$v" up || return 1
  ip netns exec "$twin" ethtool -K "sxt$v" tx off >/dev/null 2>&1
  ip netns exec "$ns" ethtool -K "sxr$v" tx off >/dev/null 2>&1
  ip netns exec "$ns" "$PY" "$here/vlanrelay.py" sxh "$v:sxr$v" >>"$DIR/relay.log" 2>&1 &
  RELAY_PID=$!
}

# kernel_vlans: does this kernel make VLAN devices?
kernel_vlans() {
  local t="$P-vt" r=1
  ip netns add "$t" || return 1
  ip -n "$t" link add link lo name vt type vlan id 2 >/dev/null 2>&1 && r=0
  nl_ns_del "$t"
  return $r
}
