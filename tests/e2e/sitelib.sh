# shellcheck shell=bash disable=SC2004  # PID, PREFIX, LOG: the scripts' associative arrays (declare -A)
# What the e2e scripts of two sxdp sites share (sourced after common.sh
# and switchlib.sh): each site's sxdp in its own netns, with its own
# config, socket and --file-prefix. The script defines ns (netns names),
# DIR, P (its prefix), START_BOUND, the arrays PID, PREFIX and LOG, and
# SITE_WANS (the sites' WAN ports, port 1 on: each a veth of that name in
# the site's netns, beside its LAN port lan).

# sxdp of site $1 stopped (SIGTERM, then at most 15 s): its exit status
stop_site() { # a|b
  local s=$1 rc=0
  [ -n "${PID[$s]:-}" ] || return 0
  nl_stop_pid "${PID[$s]}" "${PREFIX[$s]}" "sxdp $s" || rc=$?
  PID[$s]=""
  return "$rc"
}

# site $1's config for driver $2 ($DIR/$1.json, socket $DIR/$1.sock): its
# worker on CPU 1 (A) or 0 (B), idle workers sleeping (two sxdp and the
# hosts share 2 CPUs); lan=switch, the WAN ports the overlay
write_config() { # a|b driver
  local s=$1 drv=$2 w ports i=1 n
  [ "$s" = a ] && w=1 || w='{"lcore": 1, "cpu": 0}'
  ports="{\"name\": \"lan\", \"devargs\": \"$(nl_devargs "$drv" 0 lan)\", \"role\": \"lan\", \"rx_queues\": 1, \"rxd\": 1024, \"txd\": 1024}"
  for n in "${SITE_WANS[@]}"; do
    ports="$ports,
    {\"name\": \"$n\", \"devargs\": \"$(nl_devargs "$drv" $i "$n")\", \"role\": \"wan\", \"rx_queues\": 1, \"rxd\": 1024, \"txd\": 1024}"
    i=$((i + 1))
  done
  cat >"$DIR/$s.json" <<EOF
{
  "eal": [$(nl_eal_mem 512), "--no-pci", "--file-prefix", "${PREFIX[$s]}"],
  "lcores": {"main": 0, "workers": [$w]},
  "socket": "$DIR/$s.sock",
  "mbufs": 16383,
  "idle_sleep_max_us": 200,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [
    $ports
  ]
}
EOF
}

# start site $1's sxdp in its netns (s$1) on driver $2; 1 when it exits or
# its socket does not appear within START_BOUND
launch() { # a|b driver
  local s=$1 drv=$2 i
  PREFIX[$s]="$P-$s-$drv"
  LOG[$s]="$DIR/sxdp-$s-$drv.log"
  write_config "$s" "$drv" || return 1
  # ip netns exec execs: $! is sxdp itself
  ip netns exec "$(ns "s$s")" "$SXDP" --config "$DIR/$s.json" --socket "$DIR/$s.sock" \
    >"${LOG[$s]}" 2>&1 </dev/null &
  PID[$s]=$!
  for i in $(seq 1 $((START_BOUND * 10))); do
    if ! kill -0 "${PID[$s]}" 2>/dev/null; then
      wait "${PID[$s]}" 2>/dev/null
      PID[$s]=""
      rm -rf "/var/run/dpdk/${PREFIX[$s]}"
      return 1
    fi
    [ -S "$DIR/$s.sock" ] && return 0
    sleep 0.1
  done
  return 1
}

# both sites started on NL_DRIVER (AF_PACKET where the kernel has no
# AF_XDP socket): drv the driver they run on; the script finished on failure
launch_both() {
  drv=$NL_DRIVER
  if ! launch a "$drv"; then
    stop_site a >/dev/null 2>&1
    if [ "$drv" = af_xdp ] && NL_AFXDP_WHY=$(nl_no_afxdp); then
      drv=af_packet
      launch a "$drv" || { notok "sxdp A starts (net_$drv)"; finish; }
    else
      notok "sxdp A starts on net_$drv"
      tail -15 "${LOG[a]}" 2>/dev/null | sed 's/^/#   /'
      finish
    fi
  fi
  if ! launch b "$drv"; then
    notok "sxdp B starts on net_$drv"
    tail -15 "${LOG[b]}" 2>/dev/null | sed 's/^/#   /'
    finish
  fi
  [ "$drv" = "$NL_DRIVER" ] || skip "sxdp on net_$NL_DRIVER" "$NL_AFXDP_WHY (runs on net_$drv)"
}
