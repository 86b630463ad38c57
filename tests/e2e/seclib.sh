# shellcheck shell=bash disable=SC2154  # nsn, sx, api, DIR, PIDS...: the sourcing script's
# What the e2e scripts of two encrypted boxes share (sourced after
# common.sh): each site's sxdp (AF_PACKET on lan1, wan1, wan2) and sxcd in
# the site's netns s$1, the paths as sxdp shows them, captures, drops. The
# script defines nsn (netns names), in_ns, sx and api (a site's sxdp
# socket and sxcd REST), DIR, START_BOUND, HOST_MTU, the array PIDS (what
# cleanup stops), SXCD_EXTRA (an array: its sxcd's own flags) and KEEP
# (non-empty: DIR kept).

# the two sites' netns and links, as the scripts draw them: host h$s on
# lan1 of s$s (10.10.0.1, .2; MTU HOST_MTU), link 1 the bridge br1 in u
# (a1, b1), link 2 wan2 of sa to n's in and wan2 of sb to n's out (their
# addresses and the NAT the script's); v4: IPv6 off in every netns
sec_topo_links() { # [v4]
  local n s
  for n in sa sb ha hb u n; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
    if [ "${1:-}" = v4 ]; then
      in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
  done
  ip -n "$(nsn u)" link add br1 type bridge && ip -n "$(nsn u)" link set br1 up || return 1
  for s in a b; do
    ip -n "$(nsn "s$s")" link add lan1 type veth peer name eth0 netns "$(nsn "h$s")" || return 1
    ip -n "$(nsn "s$s")" link add wan1 type veth peer name "${s}1" netns "$(nsn u)" || return 1
    ip -n "$(nsn u)" link set "${s}1" master br1 up
    for n in lan1 wan1; do ip -n "$(nsn "s$s")" link set "$n" up; done
    ip -n "$(nsn "h$s")" addr add "10.10.0.$([ $s = a ] && echo 1 || echo 2)/24" dev eth0
    ip -n "$(nsn "h$s")" link set eth0 address "02:00:0a:0a:00:0$([ $s = a ] && echo 1 || echo 2)" mtu "$HOST_MTU" up
    in_ns "h$s" ethtool -K eth0 tx off >/dev/null 2>&1
  done
  ip -n "$(nsn sa)" link add wan2 type veth peer name in netns "$(nsn n)" || return 1
  ip -n "$(nsn sb)" link add wan2 type veth peer name out netns "$(nsn n)" || return 1
  ip -n "$(nsn sa)" link set wan2 up && ip -n "$(nsn sb)" link set wan2 up
}

# the processes stopped, the logs shown on a failure, the netns and DIR gone
sec_cleanup() {
  local p f
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ "$fail" -ne 0 ]; then
    for f in "$DIR"/sxcd-a.log "$DIR"/sxcd-b.log "$DIR"/sxdp-a.log "$DIR"/sxdp-b.log; do
      [ -f "$f" ] && { echo "# $f:"; grep -v "ctl: client" "$f" | tail -15 | sed 's/^/#   /'; }
    done
  fi
  for p in sa sb ha hb u n; do nl_ns_del "$(nsn "$p")"; done
  rm -rf "/var/run/dpdk/$(nsn sa)" "/var/run/dpdk/$(nsn sb)"
  [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}

# site $1's sxdp and sxcd started; its sxdp's pid in SXDP_PID_$1; 1 when
# sxcd does not answer within START_BOUND
start_site() { # a|b
  local s=$1
  cat >"$DIR/sxdp-$s.json" <<EOF
{
  "eal": [$(nl_eal_mem 256), "--no-pci", "--file-prefix", "$(nsn "s$s")"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$DIR/$s.sock",
  "mbufs": 8191,
  "idle_sleep_max_us": 500,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [
    {"name": "lan1", "devargs": "net_af_packet0,iface=lan1,qpairs=1", "role": "lan", "rx_queues": 1, "rxd": 1024, "txd": 1024},
    {"name": "wan1", "devargs": "net_af_packet1,iface=wan1,qpairs=1", "role": "wan", "rx_queues": 1, "rxd": 1024, "txd": 1024},
    {"name": "wan2", "devargs": "net_af_packet2,iface=wan2,qpairs=1", "role": "wan", "rx_queues": 1, "rxd": 1024, "txd": 1024}
  ]
}
EOF
  ip netns exec "$(nsn "s$s")" "$SXDP" --config "$DIR/sxdp-$s.json" --socket "$DIR/$s.sock" >"$DIR/sxdp-$s.log" 2>&1 </dev/null &
  PIDS+=($!)
  eval "SXDP_PID_$s=$!"
  wait_for "$START_BOUND" test -S "$DIR/$s.sock"
  mkdir -p "$DIR/store-$s"
  ip netns exec "$(nsn "s$s")" "$SXCD" --socket "$DIR/$s.sock" --store "$DIR/store-$s" --listen "127.0.0.1:8190" \
    --token-file "$DIR/token" --resync-ms 1000 --no-netlink "${SXCD_EXTRA[@]}" >>"$DIR/sxcd-$s.log" 2>&1 &
  PIDS+=($!)
  wait_for "$START_BOUND" api "$s" status >/dev/null 2>&1
}

# site $1's public key of sxcd service $2 (esp, wireguard)
pub_of() { # site service
  api "$1" --json status 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][sys.argv[1]]["public_key"])' "$2"
}

# field $3 of site $1's path whose local VTEP is $2
path_of() { # site vtep field
  sx "$1" --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print(next((p[sys.argv[2]] for p in json.load(sys.stdin) if p["src"] == sys.argv[1]), "?"))' "$2" "$3"
}
paths_brief() { # site
  sx "$1" --json call overlay.paths 2>/dev/null | "$PY" -c '
import json, sys
print("; ".join("%s %s->%s %s sent %s answered %s" % (p["id"], p["src"], p["dst"], p["state"], p["probes_sent"],
                p["probes_answered"]) for p in json.load(sys.stdin)))'
}
# site $1's path of VTEP $2 in state $3 until $4 seconds have passed
wait_path() { # site vtep state seconds
  local end=$((SECONDS + $4))
  while [ $SECONDS -le "$end" ]; do
    [ "$(path_of "$1" "$2" state)" = "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

# dumpcap on $2 in netns $1 into $3, capturing once this returns; its pid
# last in CAPS (ip netns exec execs: the pid is dumpcap's own)
CAPS=()
capture() { # netns iface file
  ip netns exec "$(nsn "$1")" dumpcap -q -i "$2" -w "$3" >"$3.err" 2>&1 &
  CAPS+=($!)
  PIDS+=($!)
  wait_for "$START_BOUND" grep -q "Capturing on" "$3.err"
}

# how many of site $1's packets were dropped as $2
drop_n() { sx "$1" --json stats 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["drops"].get(sys.argv[1], 0))' "$2"; }

# how many times the bytes of hex $1 stand in files $2...
pattern_in() { # hex file...
  "$PY" - "$@" <<'EOF'
import sys
pat = bytes.fromhex(sys.argv[1])
print(sum(open(f, "rb").read().count(pat) for f in sys.argv[2:]))
EOF
}
