#!/usr/bin/env bash
# e2e ha_upf: a pair of boxes as one UPF. Both boxes' sxdp and sxcd get the
# same intents (a upf whose N3 link the site's pair holds by VRRP, the DN's
# slice gateway held too); both sxcd run with --pfcp-pair: one N4 address
# (10.9.0.10, the pair's Node ID) served by the box whose sxdp holds the N3
# link, its sessions' journal streamed to the other. A test SMF
# (pfcp_smf_drive.py) sets up the association and a UE's session; a UE
# behind a simulated gNB (gtpsim.py) and a DN host exchange two 1,000/s
# streams. Then: kill -9 of the active's sxdp (the standby's sxcd takes the
# node over: same Recovery Time Stamp, the session written into its sxdp,
# the UE's streams resume), the first box back (it preempts after its
# hold-down, takes the node back from the other's stream), its sxdp
# stopped as an upgrade stops it (SIGTERM), its sxcd killed (nothing
# moves), its N3 LAN cut (the box's routers move together), its sxdp
# frozen (SIGSTOP) and thawed. After each: who serves, the SMF's Heartbeat (the same stamp), a
# Modification through whichever box serves, both streams flowing; the
# outages as "# outage_ms KIND ue_to_dn N dn_to_ue M". With HA_UPF_DEB=FILE
# (scripts/test.sh's tier e2e-ha-upgrade: the package built for the package
# tier), the active is then upgraded with it (dpkg -i, its daemons
# restarted from the package's binaries) and the package purged at the end.
#
#   netns l: brn3 ── a1's gnb, a2's gnb (n3), host gnb 192.0.2.10 (gtpsim; the UE's TUN in netns ue)
#            brdn ── a1's dn, a2's dn (slice mec), host dn 10.200.0.5 (gateway 10.200.0.1, the pair's)
#            brm  ── a1's m0 10.9.0.11, a2's m0 10.9.0.12 (kernel: sxcd's N4 and the pair's stream),
#                    host smf 10.9.0.2
# Ends with "N passed, M failed"; 77 without netns, TUN or scapy. BUILD, NL_KEEP; HA_UPF_BOUND, HA_UPF_DEB.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=halib.sh
. "$here/halib.sh"

SXCD=$BUILD/sxcd
TAG=$$
nsn() { printf 'hu%s-%s' "$TAG" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
BOUND=${HA_UPF_BOUND:-20}   # seconds: generous, for a busy machine
BOXES="a1 a2"
declare -A MGMT=([a1]=10.9.0.11 [a2]=10.9.0.12)
declare -A OTHER=([a1]=a2 [a2]=a1)
declare -A PRIO=([a1]=200 [a2]=100)
declare -A N3SELF=([a1]=192.0.2.2 [a2]=192.0.2.3)
declare -A DNSELF=([a1]=10.200.0.252 [a2]=10.200.0.253)
N4=10.9.0.10 N3=192.0.2.1 GNB=192.0.2.10 UE=10.45.0.1 DN=10.200.0.5 QFI=9 GNB_TEID=0x2000 CP_SEID=0x7e1
API=18490
BGPIDS=()

why=$(nl_check) || { echo "SKIP: $why"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun (the gNB simulator's UE side)"; exit 77; }
"$PY" -c 'import scapy.contrib.pfcp' 2>/dev/null || { echo "SKIP: no scapy (the test SMF)"; exit 77; }
[ -x "$SXCD" ] || { echo "not ok - $SXCD is missing: build first"; echo "0 passed, 1 failed"; exit 1; }
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-haupf.XXXXXX)
chmod 700 "$NL_DIR"

# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local b
  if [ "$fail" -ne 0 ]; then
    for b in $BOXES; do
      echo "# sxdp $b:"; tail -12 "$NL_DIR/sxdp-$b.log" 2>/dev/null | sed 's/^/#   /'
      echo "# sxcd $b:"; grep -E "pfcp|ERR" "$NL_DIR/sxcd-$b.log" 2>/dev/null | tail -25 | sed 's/^/#   /'
    done
    echo "# smf:"; tail -5 "$NL_DIR/smf.log" 2>/dev/null | sed 's/^/#   /'
  fi
  boxes_stop
  for n in a1 a2 l gnb dn smf ue; do nl_ns_del "$(nsn "$n")"; done
  [ -n "${DEB_IN:-}" ] && dpkg --purge smartx-fastpath >/dev/null 2>&1
  if [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; else echo "# kept $NL_DIR"; fi
}
trap on_exit EXIT

# ------------------------------------------------------------------ topology
topo() {
  local n b
  for n in a1 a2 l gnb dn smf ue; do
    ip netns add "$(nsn "$n")" || return 1
    ip -n "$(nsn "$n")" link set lo up
    in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  for n in brn3 brdn brm; do
    ip -n "$(nsn l)" link add "$n" type bridge || return 1
    ip -n "$(nsn l)" link set "$n" up
  done
  for b in $BOXES; do
    for n in gnb:brn3 dn:brdn anc: m0:brm; do
      ip -n "$(nsn "$b")" link add "${n%:*}" type veth peer name "$b${n%:*}" netns "$(nsn l)" || return 1
      [ -n "${n#*:}" ] && ip -n "$(nsn l)" link set "$b${n%:*}" master "${n#*:}"
      ip -n "$(nsn l)" link set "$b${n%:*}" up
      in_ns "$b" ethtool -L "${n%:*}" rx 1 tx 1 >/dev/null 2>&1
      ip -n "$(nsn "$b")" link set "${n%:*}" up
    done
    ip -n "$(nsn "$b")" addr add "${MGMT[$b]}/24" dev m0
  done
  for n in gnb:brn3:$GNB dn:brdn:$DN smf:brm:10.9.0.2; do
    IFS=: read -r h br addr <<<"$n"
    ip -n "$(nsn l)" link add "h$h" type veth peer name eth0 netns "$(nsn "$h")" || return 1
    ip -n "$(nsn l)" link set "h$h" master "$br" up
    ip -n "$(nsn "$h")" addr add "$addr/24" dev eth0
    ip -n "$(nsn "$h")" link set eth0 up
    in_ns "$h" ethtool -K eth0 tx off >/dev/null 2>&1   # AF_XDP takes frames as queued
  done
  ip -n "$(nsn dn)" route add default via 10.200.0.1
}
if topo; then ok "topology: a pair on three LANs (N3, the DN's, management), a gNB, a DN host, an SMF"
else notok "topology"; finish; fi

# ------------------------------------------------------------------ sxdp, sxcd
sxdp_start() { box_sxdp "$1" "$2" '{"n3": "upf", "n9": "upf", "lan": "switch"}' gnb:n3 anc:n9 dn:lan; }
api() { local b=$1; shift; in_ns "$b" "$SXCTL" --api "http://127.0.0.1:$API" --token-file "$NL_DIR/token" "$@"; }
sxcd_start() { # box: in its netns (N4 and the pair's stream on its m0)
  local b=$1
  mkdir -p "$NL_DIR/store-$b"
  ip netns exec "$(nsn "$b")" "$SXCD" --socket "$NL_DIR/$b.sock" --store "$NL_DIR/store-$b" \
    --listen "127.0.0.1:$API" --token-file "$NL_DIR/token" --resync-ms 500 --no-netlink \
    --pfcp "$N4" --pfcp-node-id "$N4" --pfcp-allow 10.9.0.0/24 --pfcp-pair "${MGMT[${OTHER[$b]}]}" \
    --pfcp-pair-listen "${MGMT[$b]}" --pfcp-pair-key "$NL_DIR/pair.key" --pfcp-n4-dev m0 \
    >>"$NL_DIR/sxcd-$b.log" 2>&1 </dev/null &
  echo $! >"$NL_DIR/sxcd-$b.pid"
  wait_for "$BOUND" sxcd_ready "$b"
}
sxcd_ready() { api "$1" status >/dev/null 2>&1; }

boxes_sxdp_up || { notok "sxdp at both boxes"; finish; }
ok "sxdp at a1 and a2 (net_$DRIVER ports gnb n3, anc n9, dn lan)"
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token" && chmod 600 "$NL_DIR/token"
(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' >"$NL_DIR/pair.key")
if sxcd_start a1 && sxcd_start a2; then ok "sxcd at both boxes (--pfcp $N4 --pfcp-pair, one pre-shared key)"
else notok "sxcd at both boxes"; finish; fi

for b in $BOXES; do
  cat >"$NL_DIR/intents-$b.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "dn"}],
   "pair": {"peer": "${OTHER[$b]}", "priority": ${PRIO[$b]}, "advert_ms": 100, "preempt_hold_s": 2,
            "gateways": [{"slice": "mec", "vrid": 1, "address": "${DNSELF[$b]}",
                          "peer": "${DNSELF[${OTHER[$b]}]}"}],
            "upf_links": [{"upf": "edge", "link": "n3", "vrid": 3, "address": "${N3SELF[$b]}",
                           "peer": "${N3SELF[${OTHER[$b]}]}"}]}}},
 {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 1, "members": [{"port": "dn"}],
   "svi": {"address": "10.200.0.1/24", "mac": "02:5e:00:00:06:01"}, "subnets": ["10.200.0.0/24"]}},
 {"kind": "upf", "metadata": {"name": "edge"}, "spec": {"slice": "mec", "ue_pool": "10.45.0.0/16",
   "n6_addresses": ["10.200.0.1"], "network_instances": ["internet"],
   "n3": {"port": "gnb", "address": "$N3/24", "mac": "02:5e:00:00:03:01", "network_instance": "access"},
   "n9": {"port": "anc", "address": "198.51.100.1/24", "mac": "02:5e:00:00:09:01", "network_instance": "core"}}}
]}
EOF
done
applied=""
for b in $BOXES; do
  out=$(api "$b" apply -f "$NL_DIR/intents-$b.json" --wait 2>&1) || applied+=" $b: $out"
done
if [ -z "$applied" ]; then ok "intents applied at both boxes (the pair holds the N3 link and the DN's gateway)"
else notok "intents:$applied"; finish; fi

# ------------------------------------------------------------------ helpers
pair_f() { # box field: services.pfcp.pair's
  api "$1" --json status 2>/dev/null | "$PY" -c '
import json, sys
p = (json.load(sys.stdin).get("services", {}).get("pfcp") or {}).get("pair") or {}
v = p.get(sys.argv[1])
print(str(v).lower() if isinstance(v, bool) else v)' "$2" 2>/dev/null
}
vrrp_states() { sx "$1" --json call ha.vrrp 2>/dev/null | "$PY" -c '
import json, sys
print(" ".join(sorted({r["state"] for r in json.load(sys.stdin)})) or "none")' 2>/dev/null || echo "?"; }
serving() { # active standby: the active's routers master and its sxcd serving, the other's a synced standby
  [ "$(vrrp_states "$1")" = master ] && [ "$(pair_f "$1" role)" = active ] &&
    [ "$(pair_f "$2" role)" = standby ] && [ "$(pair_f "$2" in_sync)" = true ] &&
    [ "$(pair_f "$1" peer_connected)" = true ]
}
smf() { "$PY" "$here/pfcp_smf_drive.py" call "$NL_DIR/smf.sock" "$@"; }

# ------------------------------------------------------------------ steady state
if wait_for "$BOUND" serving a1 a2; then
  ok "a1 (200) master of both routers and serving PFCP; a2 a standby in sync with a1's journal"
else
  notok "roles: a1 $(vrrp_states a1) $(pair_f a1 role), a2 $(vrrp_states a2) $(pair_f a2 role) in_sync $(pair_f a2 in_sync)"
  finish
fi
if in_ns a1 ip -4 addr show dev m0 | grep -q "$N4/" && ! in_ns a2 ip -4 addr show dev m0 | grep -q "$N4/"; then
  ok "the N4 address $N4 on a1's m0 alone"
else
  notok "the N4 address: a1 $(in_ns a1 ip -4 -br addr show dev m0), a2 $(in_ns a2 ip -4 -br addr show dev m0)"
fi
ip netns exec "$(nsn smf)" "$PY" "$here/pfcp_smf_drive.py" serve --upf "$N4:8805" --bind 10.9.0.2 \
  --ctl "$NL_DIR/smf.sock" --ready "$NL_DIR/smf.ready" >"$NL_DIR/smf.log" 2>&1 &
BGPIDS+=("$!")
smf_ready() { [ -S "$NL_DIR/smf.sock" ] && [ -s "$NL_DIR/smf.ready" ]; }
wait_for "$BOUND" smf_ready
est=""
if [ "$(smf associate | jf cause)" = 1 ]; then
  est=$(smf ulcl cp_seid=$CP_SEID ue=$UE gnb=$GNB gnb_teid=$GNB_TEID anchor=198.51.100.9 anchor_teid=0x9000 \
    dn_prefix=10.200.0.0/24)
fi
UP_SEID=$(printf '%s' "$est" | jf up_seid) N3_TEID=$(printf '%s' "$est" | jf fteids.1.0)
RTS0=$(smf heartbeat | jf rts)
if [ "$(printf '%s' "$est" | jf cause)" = 1 ] && [ -n "$N3_TEID" ] && [ -n "$RTS0" ]; then
  ok "the SMF associated with $N4 and established a UE's session at a1 (N3 F-TEID $N3_TEID; Recovery Time Stamp $RTS0)"
else
  notok "association and session: '$est'"
  finish
fi
# the gNB's simulator, the UE behind it in netns ue
rm -f "$NL_DIR/gnb.ready"
ip netns exec "$(nsn gnb)" "$PY" "$here/gtpsim.py" --tun gtp0 --local $GNB --peer $N3 --teid-out "$N3_TEID" \
  --teid-in $GNB_TEID --psc ul --qfi $QFI --want-qfi $QFI --ready "$NL_DIR/gnb.ready" \
  --stats "$NL_DIR/gnb.json" >"$NL_DIR/gtpsim.log" 2>&1 &
BGPIDS+=("$!")
gnb_ready() { [ -f "$NL_DIR/gnb.ready" ]; }
if wait_for "$BOUND" gnb_ready && ip -n "$(nsn gnb)" link set gtp0 netns "$(nsn ue)" &&
   in_ns ue ip link set gtp0 mtu 1400 up && in_ns ue ip addr add $UE/32 dev gtp0 &&
   in_ns ue ip route add default dev gtp0; then
  ok "the gNB simulator up, the UE $UE behind it"
else
  notok "the gNB simulator"; finish
fi

# The streams: UE -> DN and DN -> UE (halib.sh)
flowing() { streams_flow dn ue; }
outages() { outages_of "$1" dn ue_to_dn ue dn_to_ue; }
if stream_start ue dn $DN && stream_start dn ue $UE && wait_for "$BOUND" flowing; then
  ok "the UE's streams flow through a1: UE -> DN and DN -> UE, 1,000/s each"
else
  notok "the UE's streams (recv dn $(wc -l <"$NL_DIR/recv-dn.txt" 2>/dev/null), ue $(wc -l <"$NL_DIR/recv-ue.txt" 2>/dev/null))"
  finish
fi

# after a failure made at T0: ACT serves and holds both routers, the
# SMF's Heartbeat has the same stamp, a Modification goes through, the
# UE's streams flow
TEID_N=$((0x2000))
after() { # kind active what
  local rts mod
  if wait_for "$BOUND" eval "[ \"\$(vrrp_states $2)\" = master ] && [ \"\$(pair_f $2 role)\" = active ]" &&
     wait_for "$BOUND" flowing; then
    rts=$(smf heartbeat | jf rts)
    mod=$(smf modify up_seid="$UP_SEID" cp_seid=$CP_SEID far=3 gnb=$GNB gnb_teid=$TEID_N | jf cause)
    if [ "$rts" = "$RTS0" ] && [ "$mod" = 1 ] && wait_for "$BOUND" flowing; then
      ok "$3: $2 serves ($(ms_since "$T0") ms to see it), the same Recovery Time Stamp, a Modification taken, the UE's streams resumed: $(outages "$1")"
    else
      notok "$3: $2 serves but the SMF sees stamp $rts (was $RTS0), Modification cause $mod"
    fi
  else
    notok "$3: a1 $(vrrp_states a1) $(pair_f a1 role), a2 $(vrrp_states a2) $(pair_f a2 role); $(outages "$1")"
  fi
}

# 1. kill -9 of the active's sxdp: a2 takes the routers, its sxcd the node
T0=$(mono); kill -9 "$(cat "$NL_DIR/sxdp-a1.pid")"
after sxdp_kill9 a2 "a1's sxdp killed (-9)"
if in_ns a2 ip -4 addr show dev m0 | grep -q "$N4/" && ! in_ns a1 ip -4 addr show dev m0 | grep -q "$N4/"; then
  ok "the N4 address moved to a2's m0"
else
  notok "the N4 address after the takeover: a1 $(in_ns a1 ip -4 -br addr show dev m0), a2 $(in_ns a2 ip -4 -br addr show dev m0)"
fi
# 2. a1 back: it preempts after its hold-down and takes the node back from a2's stream
T0=$(mono)
if sxdp_start a1 "$DRIVER"; then after failback a1 "a1's sxdp back (it preempts after 2 s)"
else notok "a1's sxdp restarts"; fi
wait_for "$BOUND" serving a1 a2 || notok "a2 a synced standby again: $(pair_f a2 role) in_sync $(pair_f a2 in_sync)"
# 3. the active's sxdp stopped as an upgrade stops it, then started again
T0=$(mono); kill -TERM "$(cat "$NL_DIR/sxdp-a1.pid")"
after sxdp_sigterm a2 "a1's sxdp stopped (SIGTERM, as an upgrade does)"
T0=$(mono)
if sxdp_start a1 "$DRIVER"; then after upgraded_back a1 "a1's new sxdp started"
else notok "a1's new sxdp starts"; fi
wait_for "$BOUND" serving a1 a2 || notok "a2 a synced standby again"
# 4. the active's sxcd killed: sxdp forwards on, the node comes back at a1 from its own journal
T0=$(mono); kill -9 "$(cat "$NL_DIR/sxcd-a1.pid")"
if sxcd_start a1 && wait_for "$BOUND" serving a1 a2; then
  after sxcd_kill9 a1 "a1's sxcd killed (-9) and started again"
else
  notok "a1's sxcd back: $(pair_f a1 role)"
fi
# 5. the active's N3 LAN cut: its N3 router stops (no carrier), its DN
# gateway's router yields with it (priority 1: the box's routers move
# together), a2 takes both and the node; the LAN back, a1 takes them back
T0=$(mono); ip -n "$(nsn l)" link set a1gnb down
after n3_lan_cut a2 "a1's N3 LAN cut (its N3 router stops, its DN gateway yields with it)"
T0=$(mono); ip -n "$(nsn l)" link set a1gnb up
after n3_lan_back a1 "a1's N3 LAN back (it preempts after its hold-down)"
wait_for "$BOUND" serving a1 a2 || notok "a2 a synced standby again"
# 6. the active's sxdp frozen (SIGSTOP): a2 takes the routers; a1's sxcd,
# its sxdp silent, lets the node go; thawed, a1 (the higher priority) is
# master again and takes the node back
T0=$(mono); kill -STOP "$(cat "$NL_DIR/sxdp-a1.pid")"
after sxdp_sigstop a2 "a1's sxdp frozen (SIGSTOP)"
T0=$(mono); kill -CONT "$(cat "$NL_DIR/sxdp-a1.pid")"
after sxdp_sigcont a1 "a1's sxdp thawed (SIGCONT)"
wait_for "$BOUND" serving a1 a2 || notok "a2 a synced standby again"
# 7. (HA_UPF_DEB=the package) the active upgraded as a package upgrade does it
# with systemd: dpkg -i (its maintainer scripts run), then the units'
# try-restart emulated (systemd is not PID 1 here): SIGTERM to a1's sxcd and
# sxdp, then the packaged binaries started with the same configuration; a2
# serves meanwhile, a1 takes the node back after its hold-down
if [ -n "${HA_UPF_DEB:-}" ]; then
  gone_a1() { ! kill -0 "$(cat "$NL_DIR/sxdp-a1.pid")" 2>/dev/null && ! kill -0 "$(cat "$NL_DIR/sxcd-a1.pid")" 2>/dev/null; }
  if [ -f "$HA_UPF_DEB" ] && dpkg -i "$HA_UPF_DEB" >"$NL_DIR/dpkg.log" 2>&1; then
    DEB_IN=1
    ok "the package installed over the running pair: $(basename "$HA_UPF_DEB") (dpkg -i)"
    T0=$(mono); kill -TERM "$(cat "$NL_DIR/sxcd-a1.pid")" "$(cat "$NL_DIR/sxdp-a1.pid")"
    if wait_for "$BOUND" gone_a1; then
      after pkg_upgrade_stop a2 "a1's daemons stopped for the upgrade (SIGTERM)"
      T0=$(mono)
      if SXDP=/usr/bin/sxdp sxdp_start a1 "$DRIVER" && SXCD=/usr/bin/sxcd sxcd_start a1; then
        after pkg_upgraded a1 "a1 runs the package's sxdp and sxcd"
      else
        notok "the package's daemons start at a1"
      fi
    else
      notok "a1's daemons stop on SIGTERM"
    fi
  else
    notok "dpkg -i $HA_UPF_DEB: $(tail -3 "$NL_DIR/dpkg.log" 2>/dev/null | tr '\n' ' ')"
  fi
fi
# the session's end: its usage reported by the box serving now
# (pf_usage_fold: a pair's usage is checkpointed every 5 s, so each takeover
# loses at most that much of what the dead box counted, and never counts
# anything twice: the bytes reported are at most what the UE sent)
kill "${BGPIDS[-1]}" "${BGPIDS[-3]}" 2>/dev/null   # the senders: nothing more counted
del=$(smf delete up_seid="$UP_SEID")
if [ "$(printf '%s' "$del" | jf cause)" = 1 ]; then
  smf reports >"$NL_DIR/reports.json"
  usage=$(printf '%s' "$del" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
got = [int(l.split()[1]) for l in open(sys.argv[1]) if len(l.split()) >= 2 and l.split()[1].isdigit()]
top = max(got) if got else 0
sent = sum(28 + len(str(i)) for i in range(top + 1))            # every datagram up to the last received
rcvd = sum(28 + len(str(i)) for i in set(got))
by = {}                                                           # uplink bytes by URR: reports, then the deletion
for u in [u for r in json.load(open(sys.argv[2])).get("reports", []) for u in r.get("usage", [])] + d.get("usage", []):
    by[u["urr"]] = by.get(u["urr"], 0) + (u.get("uplink") or 0)
print(max(by.values(), default=0), rcvd, sent)' "$NL_DIR/recv-dn.txt" "$NL_DIR/reports.json")
  read -r rep rcvd sent <<<"$usage"
  echo "# usage_bytes reported $rep received $rcvd sent_at_most $sent" >>"$NL_DIR/figures"
  if [ "${rep:-0}" -gt 0 ] && [ "$rep" -le "$sent" ]; then
    ok "the session deleted at a1: its uplink usage reported $rep bytes of the $rcvd the DN received (never more than the UE sent, $sent; lost to the takeovers: $((rcvd > rep ? rcvd - rep : 0)))"
  else
    notok "the session's usage: reported $rep bytes, the DN received $rcvd, the UE sent at most $sent"
  fi
else
  notok "deletion: $del"
fi
cat "$NL_DIR/figures"
finish
