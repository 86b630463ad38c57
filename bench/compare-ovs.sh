#!/usr/bin/env bash
# sxdp against OVS-DPDK 3.1 (Debian's openvswitch-switch-dpdk) on the same
# virtual source and sink, one forwarding core each, in the same run.
#
#   bash bench/compare-ovs.sh [forward|l2|vxlan_encap|vxlan_encap_meter|vxlan_decap|upf_ul|upf_dl|nat44] [--runs N]
#                             [--warmup S] [--window S] [--ovs-mode MODE[,MODE...]] [--no-floor]
#   flock /tmp/bench.lock env BUILD=/path/build BENCH_NO_BUILD=1 \
#     bash bench/compare-ovs.sh forward --runs 3
#
# For each run: bench/run.sh SCENARIO (sxdp, one worker on lcore 1, then
# dpdk-testpmd io on the same source and sink: the I/O floor, skipped with
# --no-floor; BUILD and BENCH_NO_BUILD are passed through;
# BENCH_RUN=TREE/bench/run.sh uses another tree's harness, to match a build
# of another commit), then, for
# each OVS mode in turn, a fresh OVS-DPDK with a private
# ovsdb-server/ovs-vswitchd (run/db/log dirs in a temp dir, own DPDK
# --file-prefix, dpdk-lcore-mask=0x1, pmd-cpu-mask=0x2 = one PMD on core 1,
# dpdk-socket-mem=1024, --no-pci) on a netdev bridge with the same pcap as a
# `dpdk` port (net_pcap,infinite_rx=1) and net_null,no-rx=1 as the sink,
# with the same warm-up and window. Prints per run and mode
#   SCENARIO: sxdp X Mpps, OVS-DPDK 3.1.0 [MODE: what OVS does] Y Mpps, ratio X/Y
#   (cycles/pkt total: sxdp A, OVS B; sxdp in pipeline P; above the I/O
#   floor F: sxdp A-F, OVS B-F)
# and, with --runs > 1, the medians per mode. Default: every mode of the
# scenario. OVS's cycles/pkt are its PMD thread's (idle + processing
# cycles of pmd-stats-show over the window) per packet: its one core
# busy-polls, as sxdp's worker does; the floor is testpmd io's cycles/pkt in
# the same run (see bench/run.sh): what each pays for the source and sink.
#
# OVS modes (OpenFlow flows from bench/gen_pcap.py --ovs-flows
# [--ovs-variant V], installed before the source port exists; anything that
# matches no flow is dropped):
#   forward  (sxdp: a 65536-entry exact 5-tuple lookup per packet)
#     single     in_port=pcap,actions=output:null. OVS's best case, not
#                like for like: one rule, its "simple match" fast path
#                skips the EMC/SMC/megaflow caches and keeps no per-flow
#                table.
#     exact      like for like: the same 65536 5-tuples as 65536 OpenFlow
#                flows in_port=pcap,ip,nw_src,nw_dst,nw_proto=17,tp_src,
#                tp_dst -> output:null: one megaflow per 5-tuple, looked up
#                through EMC (8192 entries), then the megaflow classifier.
#     exact-smc  exact with other_config:smc-enable=true (the signature
#                match cache, OVS's own advice for many flows).
#   l2       (sxdp: interface lookup, source-MAC (learning) lookup,
#            destination fdb lookup among 65536, egress membership)
#     flows      one explicit flow per destination MAC (65536 x
#                priority=100,in_port=pcap,dl_dst=MAC,actions=output:null):
#                OVS does an exact dl_dst match (EMC, then megaflow), no
#                bridging.
#     normal     like for like: a NORMAL bridge (actions=NORMAL, MAC
#                learning) whose MAC table holds the 65536 destination MACs
#                on null and the 256 source MACs on pcap as static entries
#                (mac-table-size=131072; `fdb/add BR PORT 0 MAC` sent
#                pipelined over vswitchd's unixctl socket, what ovs-appctl
#                does one call at a time; the time it takes is logged): the
#                destinations before the source port exists, the sources
#                right after (a few first packets may learn a source
#                dynamically; the static entry then overrides it).
#     normal-smc normal with other_config:smc-enable=true.
#   vxlan_encap, vxlan_decap  (OVS userspace VXLAN, "native tunneling"; the
#            set-up comes from gen_pcap.py, which also writes sxdp's tables:
#            the same VTEP, VNI, peers, gateway and MACs)
#            Two netdev bridges: an integration bridge with one type=vxlan
#            port per peer endpoint (options:remote_ip=ENDPOINT,
#            options:key=5000), and a "physical" bridge whose LOCAL port
#            carries the local VTEP (its kernel tap gets the VTEP address,
#            other_config:hwaddr the WAN MAC), with `ovs-appctl ovs/route/add
#            198.19.0.0/16 BR-PHY GW` and `tnl/arp/set BR-PHY GW GW-MAC` so
#            the tunnel push has its route and next hop. encap: the pcap port
#            in the integration bridge, the sink on the physical one
#            (tnl_push, then out of br-phy); decap: the pcap port on the
#            physical bridge, to LOCAL, where OVS pops the tunnel
#            (tnl_pop) and recirculates into the integration bridge ->
#            sink (2 datapath passes per packet).
#     flows      explicit rules: encap: in_port=pcap,dl_dst=MAC ->
#                output:TUNNEL for the 64 remote MACs (one tunnel port per
#                peer site: OVS picks no path, sxdp classifies and balances
#                over two), in_port=LOCAL -> output:null on br-phy; decap:
#                in_port=pcap -> output:LOCAL on br-phy, in_port=TUNNEL,
#                dl_dst=MAC -> output:null for the 256 local MACs x 4 tunnel
#                ports.
#     flows-smc  flows with other_config:smc-enable=true.
#   upf_ul, upf_dl  (OVS userspace GTP-U, the same two bridges with one
#            type=gtpu port per gNB): OVS's plain GTP-U, which looks up no
#            session at all. upf_ul (sxdp: decap, session, app,
#            termination, meter, URR, routing): pcap -> LOCAL on br-phy
#            (tnl_pop), each gtpu port (options:key=flow) -> null; upf_dl
#            (sxdp: routing, session, app, termination, meter, URR, encap
#            with a DL container): every packet into one gtpu port with
#            one TEID (tnl_push, an 8-byte GTP-U header: 96 B out where
#            sxdp's is 104), out of br-phy.
#     flows      those rules.
#   nat44  (sxdp: the slice's edge, a connection found per packet, NAT44
#            with EIM and port blocks, routing in two VRFs)
#     ct-nat     one rule in_port=pcap,ip ->
#                ct(commit,zone=1,nat(src=the pool:1024-65535)), the MACs,
#                dec_ttl, output:null: OVS's userspace conntrack committing
#                and source-NATing the same 65536 flows into the same 16
#                addresses, no routing (sxdp routes twice besides).
#            vxlan_encap_meter: the flows modes with an OpenFlow 1.3 meter
#            (meter 1, kbps, one drop band at 10 Gbit/s, what sxdp's RFC
#            4115 meter holds) in every encap rule's actions, as sxdp
#            meters the slice's ingress interface.
#     normal     NORMAL on both bridges, the MACs as static MAC-table
#                entries (remote MACs on their site's first tunnel port,
#                local ones on pcap/null, the gateway's on null, br-phy's
#                own on LOCAL): what an OVS user would configure.
#            Checked besides the above: the datapath flows carry tnl_push
#            (encap) / tnl_pop (decap), every packet made the expected
#            datapath passes (recirculations), and the sink's frames have
#            the expected size (110 B encapsulated, 60 B decapsulated).
# Throughput of OVS = `packets received` of dpif-netdev/pmd-stats-show
# between a pmd-stats-clear and the end of the window, over the window's
# wall time; checked: no upcall and no drop in the window (the sink's TX from
# dpctl/show -s matches), and in the NORMAL modes that the MAC table holds
# every static entry. OVS's warm-up is the same as sxdp's, then goes on
# (1 s steps, at most 60 s) until its flow caches are filled: a second
# with no upcall; the extra seconds are logged. OVS admits at most 10,000
# datapath flows at first and raises its limit by 1,000 per revalidator
# round (~25 s to reach 65536): `upcall/set-flow-limit 200000` (its
# configured flow-limit) is set before the source starts, so the cache
# fills in a few seconds; the steady state measured is the same.
# Both forwarding threads' CPU share over the window is measured (a shared
# machine): below 95 % a "note:" line says the number is low.
# Installs openvswitch-switch-dpdk with apt-get if missing. Needs root and
# 2 MB hugepages. Everything OVS made (processes, dirs, its tap,
# /var/run/dpdk/PREFIX) is removed at exit, also on SIGINT/SIGTERM.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_DIR=$root/bench
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
# the sxdp harness (and the pcap it names): BENCH_RUN=/other/tree/bench/run.sh
# runs a build of another commit with that commit's own harness
RUN_SH=${BENCH_RUN:-$root/bench/run.sh}
[ -f "$RUN_SH" ] || { echo "no $RUN_SH" >&2; exit 1; }

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
log() { printf 'compare-ovs: %s\n' "$*" >&2; }
die() { printf 'compare-ovs: %s\n' "$*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=comparelib.sh
. "$root/bench/comparelib.sh"

SCENARIO=forward
case ${1:-} in forward|l2|vxlan_encap|vxlan_encap_meter|vxlan_decap|upf_ul|upf_dl|nat44) SCENARIO=$1; shift ;; -h|--help) usage ;; -*) ;; "") ;; *) usage ;; esac
RUNS=1 WARMUP=2 WINDOW=5 MODES= FLOOR=
while [ $# -gt 0 ]; do
  case $1 in
    --ovs-mode) MODES=$2; shift 2 ;;
    --no-floor) FLOOR=--no-ceiling; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $WINDOW =~ ^[1-9][0-9]*$ ]] || die "bad --runs/--warmup/--window"
[ "$(id -u)" -eq 0 ] || die "needs root (hugepages, OVS-DPDK)"
case $SCENARIO in
  forward) ALL_MODES=single,exact,exact-smc ;;
  l2) ALL_MODES=flows,normal,normal-smc ;;
  vxlan_encap_meter) ALL_MODES=flows,flows-smc ;;
  vxlan_*) ALL_MODES=flows,flows-smc,normal ;;
  upf_*) ALL_MODES=flows ;;
  nat44) ALL_MODES=ct-nat ;;
esac
# the userspace tunnel scenarios (VXLAN, GTP-U): their set-up is gen_pcap.py's
TUNNEL=0
case $SCENARIO in vxlan_*|upf_*) TUNNEL=1 ;; esac
MODES=${MODES:-$ALL_MODES}
IFS=, read -ra MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do
  [[ ",$ALL_MODES," == *",$m,"* ]] || die "no OVS mode '$m' for $SCENARIO (known: $ALL_MODES)"
done

# mode_setup MODE: MODE_DESC (the report's words), MODE_VARIANT (the
# gen_pcap.py --ovs-variant of its flows, or - for actions=NORMAL),
# MODE_SMC (true/false), MODE_FDB (1: prime the MAC table from the fdb variant)
mode_setup() {
  MODE_SMC=false MODE_FDB=0
  if [ "$TUNNEL" -eq 1 ]; then   # the variant file is the whole OVS set-up
    case $SCENARIO:$1 in
      upf_*:flows) MODE_VARIANT=flows MODE_DESC="userspace GTP-U, one rule per port, no session lookup" ;;
      *:flows) MODE_VARIANT=flows MODE_DESC="userspace VXLAN, explicit dl_dst rules" ;;
      *:flows-smc) MODE_VARIANT=flows MODE_SMC=true MODE_DESC="userspace VXLAN, explicit dl_dst rules, SMC on" ;;
      *:normal) MODE_VARIANT=normal MODE_DESC="userspace VXLAN, NORMAL bridges with static MACs" ;;
    esac
    return
  fi
  case $1 in
    single) MODE_VARIANT=single MODE_DESC="1 in_port rule, OVS's best case" ;;
    exact) MODE_VARIANT=exact MODE_DESC="65536 exact 5-tuple rules" ;;
    exact-smc) MODE_VARIANT=exact MODE_SMC=true MODE_DESC="65536 exact 5-tuple rules, SMC on" ;;
    flows) MODE_VARIANT=flows MODE_DESC="65536 dl_dst rules, no bridging" ;;
    normal) MODE_VARIANT=- MODE_FDB=1 MODE_DESC="NORMAL bridge, 65536+256 static MACs" ;;
    normal-smc) MODE_VARIANT=- MODE_FDB=1 MODE_SMC=true MODE_DESC="NORMAL bridge, 65536+256 static MACs, SMC on" ;;
    ct-nat) MODE_VARIANT=ct-nat MODE_DESC="ct(commit,nat(src=the pool)) and dec_ttl in one rule: its conntrack's SNAT, no routing" ;;
  esac
}

# ------------------------------------------------------------- OVS-DPDK
if [ ! -x "$VSWITCHD" ]; then
  log "installing openvswitch-switch-dpdk (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends openvswitch-switch-dpdk ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends openvswitch-switch-dpdk; }; } \
    >&2 || die "cannot install openvswitch-switch-dpdk"
fi
for t in ovsdb-tool ovsdb-server ovs-vsctl ovs-ofctl ovs-appctl; do
  command -v "$t" >/dev/null || die "$t missing (openvswitch-common / openvswitch-switch)"
done
OVS_VERSION=$("$VSWITCHD" --version | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')

# ------------------------------------------------------------- the input
mapfile -t inp < <(bash "$RUN_SH" "$SCENARIO" --input-only) || true
if [ "${#inp[@]}" -lt 3 ] || [ ! -s "${inp[0]}" ] || [ ! -s "${inp[1]}" ]; then
  die "bench/run.sh $SCENARIO --input-only failed"
fi
PCAP=${inp[0]} DESC=${inp[2]}
# the OVS inputs of each mode, cached next to run.sh's pcap (same key)
ovs_input() { # VARIANT -> file
  local f=${PCAP%.pcap}.ovs-$1 flows
  if [ ! -s "$f" ]; then
    flows=$(basename "$PCAP" | sed -n "s/^$SCENARIO-\([0-9]*\)-.*/\1/p")
    "$PY" "$root/bench/gen_pcap.py" "$SCENARIO" --flows "${flows:-65536}" --ovs-flows "$f" --ovs-variant "$1" ||
      return 1
  fi
  echo "$f"
}
declare -A MODE_FILE
for m in "${MODE_LIST[@]}"; do
  mode_setup "$m"
  v=$MODE_VARIANT
  [ "$MODE_FDB" -eq 1 ] && v=fdb
  [ "$v" = - ] && continue
  MODE_FILE[$v]=$(ovs_input "$v") || die "gen_pcap.py --ovs-variant $v failed"
done

WORK=$(mktemp -d /tmp/sxdp-cmp-ovs.XXXXXX)
OVS_PIDS=()
OVS_PREFIXES=()
BR=swob$$ BRI=swobi$$ BRP=swobp$$   # bridge = its kernel tap's name: <= 15 characters
stop_ovs() {
  local p
  if [ -S "$WORK/run/vswitchd.ctl" ]; then
    timeout 20 ovs-appctl -t "$WORK/run/vswitchd.ctl" exit --cleanup >/dev/null 2>&1
  fi
  for p in "${OVS_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null; done
  for p in "${OVS_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  OVS_PIDS=()
  for p in "${OVS_PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
  ip link del "$BR" 2>/dev/null
  ip link del "$BRI" 2>/dev/null
  ip link del "$BRP" 2>/dev/null
  rm -rf "$WORK/run" "$WORK/db"
  return 0
}
cleanup() {
  stop_ovs
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hugepages_for_ovs() { # OVS wants dpdk-socket-mem=1024: 512 free 2 MB pages
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB free
  [ -d "$hp" ] || die "no 2 MB hugepage support: OVS-DPDK needs hugepages"
  free=$(cat "$hp/free_hugepages")
  if [ "$free" -lt 600 ]; then
    echo $(( $(cat "$hp/nr_hugepages") + 600 - free )) >"$hp/nr_hugepages" 2>/dev/null
    free=$(cat "$hp/free_hugepages")
  fi
  [ "$free" -ge 512 ] || die "only $free free 2 MB hugepages; OVS-DPDK needs 512"
  if ! grep -q ' hugetlbfs ' /proc/mounts; then
    { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } || die "cannot mount hugetlbfs"
  fi
}

# MAC-table priming: `fdb/add BR PORT 0 MAC` for each `PORT MAC` line of
# FILE whose port is one of PORTS, pipelined over vswitchd's unixctl
# socket (JSON-RPC, what ovs-appctl sends one call per process).
fdb_prime() { # CTL BR FILE PORTS
  "$PY" - "$@" <<'PYEOF'
import json, selectors, socket, sys, time
ctl, br, path, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
todo = [l.split() for l in open(path) if l.strip()]
todo = [(p, m) for p, m in todo if p in ports]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(ctl)
s.setblocking(False)
sel = selectors.DefaultSelector()
# never block on a send while replies wait to be read: vswitchd stops
# reading requests while its replies back up
sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
dec = json.JSONDecoder()
t0 = time.monotonic()
sent = done = 0
out, buf, errors = b"", "", []
while done < len(todo):
    if not out and sent < len(todo) and sent - done < 256:
        chunk = []
        while sent < len(todo) and sent - done < 256:
            p, m = todo[sent]
            chunk.append(json.dumps({"method": "fdb/add", "params": [br, p, "0", m], "id": sent}))
            sent += 1
        out = "".join(chunk).encode()
    sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0))
    ev = sel.select(60)
    if not ev:
        sys.exit("fdb/add: no progress for 60 s after %d of %d (%d sent)" % (done, len(todo), sent))
    _, mask = ev[0]
    if mask & selectors.EVENT_WRITE and out:
        try:
            out = out[s.send(out):]
        except BlockingIOError:
            pass
    if mask & selectors.EVENT_READ:
        try:
            data = s.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            sys.exit("vswitchd closed the unixctl connection after %d of %d fdb/add" % (done, len(todo)))
        buf += data.decode()
        i = 0
        while True:
            while i < len(buf) and buf[i].isspace():
                i += 1
            try:
                obj, i = dec.raw_decode(buf, i)
            except ValueError:
                break
            done += 1
            if obj.get("error") is not None and len(errors) < 5:
                errors.append("%s: %s" % (todo[obj["id"]], obj["error"]))
        buf = buf[i:]
if errors:
    sys.exit("fdb/add failed: " + "; ".join(errors))
print("compare-ovs: %d static MAC entries (ports %s) added with fdb/add in %.2f s"
      % (len(todo), ",".join(ports), time.monotonic() - t0), file=sys.stderr)
PYEOF
}

# setup_vxlan CTL SPEC: the two bridges of the userspace tunnel modes, from
# gen_pcap.py's set-up lines (`local ADDR/PLEN MAC`, `tunnel NAME REMOTE
# KEY [TYPE]` (a VNI or TEID, or "flow"; TYPE vxlan by default, or gtpu), `route PREFIX GW`, `arp IP MAC`, `source|sink int|phy`, `flow
# int|phy FLOW`, `fdb int|phy PORT MAC`, `meter int|phy METER` (an
# OpenFlow 1.3 meter, then the bridge's flows go in as OpenFlow 1.3),
# `expect LEN PASSES`), through the
# source port, which comes last (rules and static MACs first). Uses run_ovs's
# vsctl; ports: pcap = 1, null = 2, tunnels 10.. (in FLOW, names).
setup_vxlan() {
  local ctl=$1 spec=$2 kind a b c d r t br local_addr= local_mac= src= sink= ofp=10 ok
  local -a tunnels=() routes=() arps=() names=()
  local -A num=([pcap]=1 [null]=2) brname=([int]=$BRI [phy]=$BRP)
  while read -r kind a b c d; do
    case $kind in
      local) local_addr=$a local_mac=$b ;;
      tunnel) tunnels+=("$a $b $c ${d:-vxlan}"); num[$a]=$ofp; ofp=$((ofp + 1)) ;;
      route) routes+=("$a $b") ;;
      arp) arps+=("$a $b") ;;
      source|sink) [ -n "${brname[$a]:-}" ] || { log "bad OVS set-up line: $kind $a"; return 1; }
                   if [ "$kind" = source ]; then src=${brname[$a]}; else sink=${brname[$a]}; fi ;;
      flow|fdb|expect|meter) ;;
      *) log "unknown OVS set-up line '$kind $a' in $spec"; return 1 ;;
    esac
  done <"$spec"
  if [ -z "$local_addr" ] || [ -z "$src" ] || [ -z "$sink" ] || [ ${#tunnels[@]} -eq 0 ]; then
    log "incomplete OVS set-up in $spec"; return 1
  fi
  "${vsctl[@]}" add-br "$BRP" -- set bridge "$BRP" datapath_type=netdev other_config:hwaddr="$local_mac" \
    -- add-br "$BRI" -- set bridge "$BRI" datapath_type=netdev || return 1
  # the VTEP on br-phy's kernel tap: OVS takes its tunnel endpoint and
  # routes' source address from there (no IPv6 chatter into the bridge)
  sysctl -qw "net.ipv6.conf.$BRP.disable_ipv6=1" 2>/dev/null
  { ip addr add "$local_addr" dev "$BRP" && ip link set "$BRP" up; } || { log "cannot address $BRP"; return 1; }
  for t in "${tunnels[@]}"; do
    read -r a b c d <<<"$t"
    "${vsctl[@]}" add-port "$BRI" "$a" -- set Interface "$a" type="$d" options:remote_ip="$b" \
      options:key="$c" ofport_request="${num[$a]}" || return 1
  done
  "${vsctl[@]}" add-port "$sink" null -- set Interface null type=dpdk \
    options:dpdk-devargs="$sink_devargs" ofport_request=2 || return 1
  # OVS learns the tap's address asynchronously: retry the route for 10 s
  for r in "${routes[@]}"; do
    read -r a b <<<"$r"
    ok=0
    for _ in $(seq 1 100); do
      ovs-appctl -t "$ctl" ovs/route/add "$a" "$BRP" "$b" >/dev/null 2>&1 && { ok=1; break; }
      sleep 0.1
    done
    [ "$ok" -eq 1 ] || { log "ovs/route/add $a $BRP $b failed: $(ovs-appctl -t "$ctl" ovs/route/add "$a" "$BRP" "$b" 2>&1)"; return 1; }
  done
  for r in "${arps[@]}"; do
    read -r a b <<<"$r"
    ovs-appctl -t "$ctl" tnl/arp/set "$BRP" "$a" "$b" >/dev/null || return 1
  done
  # rules, with the ports' numbers (the source port does not exist yet)
  local -a sub=()
  for a in "${!num[@]}"; do sub+=(-e "s/\(in_port=\|output:\)$a\([,]\|$\)/\1${num[$a]}\2/g"); done
  for br in int phy; do
    sed -n "s/^flow $br //p" "$spec" | sed "${sub[@]}" >"$WORK/flows-$br.txt"
    local -a of=()
    if grep -q "^meter $br " "$spec"; then
      of=(-O OpenFlow13)
      while read -r a; do
        ovs-ofctl "${of[@]}" add-meter "${brname[$br]}" "$a" || return 1
      done < <(sed -n "s/^meter $br //p" "$spec")
    fi
    ovs-ofctl "${of[@]}" del-flows "${brname[$br]}" || return 1
    if [ -s "$WORK/flows-$br.txt" ]; then
      ovs-ofctl "${of[@]}" add-flows "${brname[$br]}" "$WORK/flows-$br.txt" || return 1
    fi
    # static MACs (NORMAL): LOCAL is the bridge's own port, named as the bridge
    sed -n "s/^fdb $br //p" "$spec" | sed "s/^LOCAL /${brname[$br]} /" >"$WORK/fdb-$br.txt"
    log "OVS ($SCENARIO, $MODE_VARIANT): ${brname[$br]}: $(ovs-ofctl "${of[@]}" dump-aggregate "${brname[$br]}" |
      sed -n 's/.*flow_count=\([0-9]*\).*/\1/p') OpenFlow rules, $(grep -c . "$WORK/fdb-$br.txt") static MACs"
    if [ -s "$WORK/fdb-$br.txt" ]; then
      names=("${brname[$br]}" null)
      for t in "${tunnels[@]}"; do names+=("${t%% *}"); done
      fdb_prime "$ctl" "${brname[$br]}" "$WORK/fdb-$br.txt" "$(IFS=,; echo "${names[*]}")" || return 1
    fi
  done
  ovs-appctl -t "$ctl" upcall/set-flow-limit 200000 >/dev/null || return 1
  "${vsctl[@]}" add-port "$src" pcap -- set Interface pcap type=dpdk \
    "options:dpdk-devargs=$src_devargs" ofport_request=1 || return 1
  for br in int phy; do
    if grep -q '^pcap ' "$WORK/fdb-$br.txt"; then
      fdb_prime "$ctl" "${brname[$br]}" "$WORK/fdb-$br.txt" pcap || return 1
    fi
  done
  log "OVS: route $(ovs-appctl -t "$ctl" ovs/route/lookup "${routes[0]%%/*}" | tr '\n' ' ')"
  log "OVS: tunnel ports: $(ovs-appctl -t "$ctl" tnl/ports/show | tr '\n' ' ')"
  return 0
}

# verify_vxlan CTL SPEC LEN (inside run_ovs ... verify): waits until OVS
# has sent what it will of the pcap (its sink's TX stands still for 2 s),
# stops OVS (the pcap sink is flushed) and checks the frames: one per input
# packet, each LEN bytes; encap: Ethernet to the gateway's MAC, IPv4 from
# the VTEP to a tunnel's remote, UDP 4789, VXLAN with the I flag and the
# tunnel's VNI around an input frame; decap: each an input packet's inner
# frame.
verify_vxlan() {
  local ctl=$1 spec=$2 len=$3 got last=-1 still=0
  for _ in $(seq 1 600); do
    got=$(ovs-appctl -t "$ctl" dpctl/show -s |
      awk '/^ *port [0-9]+: /{f = ($3 == "null")} f && /TX packets:/{sub(/.*TX packets:/, ""); print $1 + 0; exit}')
    if [ "${got:-0}" = "$last" ]; then
      still=$((still + 1))
      [ "$still" -ge 20 ] && break
    else
      still=0 last=${got:-0}
    fi
    sleep 0.1
  done
  ovs-appctl -t "$ctl" dpif-netdev/pmd-stats-show >"$WORK/verify-pmd.txt" 2>&1
  ovs-appctl -t "$ctl" coverage/show >"$WORK/verify-coverage.txt" 2>&1
  stop_ovs
  "$PY" - "$PCAP" "$WORK/ovs-out.pcap" "$spec" "$len" "$SCENARIO" <<'PYEOF'
import socket, struct, sys
inp, out, spec, want_len, scen = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def frames(path):
    b = open(path, "rb").read()
    if len(b) < 24:
        sys.exit("compare-ovs: verify: %s is empty (OVS sent nothing?)" % path)
    # microsecond or nanosecond pcap, either byte order
    end = "<" if struct.unpack("<I", b[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    res, off = [], 24
    while off + 16 <= len(b):
        incl = struct.unpack(end + "I", b[off + 8:off + 12])[0]
        res.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return res

sp = [l.split() for l in open(spec) if l.strip()]
remotes = {socket.inet_aton(l[2]) for l in sp if l[0] == "tunnel"}
vnis = {int(l[3]) for l in sp if l[0] == "tunnel" and l[3] != "flow"}
vtep = socket.inet_aton(next(l[1] for l in sp if l[0] == "local").split("/")[0])
gw_mac = bytes.fromhex(next(l[2] for l in sp if l[0] == "arp").replace(":", ""))
fin, fout = frames(inp), frames(out)
import os, re
w = os.path.dirname(out)
# the first packets of a new flow go up to vswitchd: an upcall may fail
# while the flow is being set up (datapath_drop_upcall_error), a drop OVS
# counts; the measurement windows have none
failed = sum(int(x) for x in re.findall(r"miss with failed upcall: (\d+)", open(w + "/verify-pmd.txt").read()))
bad = []
if len(fout) + failed != len(fin):
    bad.append("%d frames out + %d failed upcalls for %d in" % (len(fout), failed, len(fin)))
sizes = sorted({len(f) for f in fout})
if sizes != [want_len]:
    bad.append("frame sizes %s, want %d" % (sizes, want_len))
if scen == "upf_dl":
    # plain GTP-U: 8-byte header (no extension), the input frame's IP packet
    known = {f[14:] for f in fin}
    for i, f in enumerate(fout):
        why = None
        if f[:6] != gw_mac or f[12:14] != b"\x08\x00":
            why = "not IPv4 to the gateway's MAC"
        elif f[23] != 17 or f[26:30] != vtep or f[30:34] not in remotes:
            why = "not UDP from the endpoint to a tunnel remote"
        elif struct.unpack("!H", f[36:38])[0] != 2152 or f[43] != 255 or \
                struct.unpack("!I", f[46:50])[0] not in vnis:
            why = "not a G-PDU (port 2152, the tunnel's TEID)"
        elif f[50:] not in known:
            why = "the inner packet is no input packet"
        if why:
            bad.append("frame %d: %s: %s" % (i, why, f[:64].hex()))
            break
elif scen == "upf_ul":
    # the G-PDU's T-PDU (after its 8-byte header) behind the all-zero Ethernet header OVS gives it
    known = {f[50:] for f in fin}
    for i, f in enumerate(fout):
        if f[14:] not in known:
            bad.append("frame %d is no input G-PDU's inner packet: %s" % (i, f.hex()))
            break
elif scen.startswith("vxlan_encap"):
    known = set(fin)
    for i, f in enumerate(fout):
        why = None
        if f[:6] != gw_mac or f[12:14] != b"\x08\x00":
            why = "not IPv4 to the gateway's MAC"
        elif f[23] != 17 or f[26:30] != vtep or f[30:34] not in remotes:
            why = "not UDP from the VTEP to a tunnel remote"
        elif struct.unpack("!H", f[36:38])[0] != 4789 or f[42] != 0x08 or \
                struct.unpack("!I", f[46:50])[0] >> 8 not in vnis:
            why = "not VXLAN (port 4789, I flag, the tunnel's VNI)"
        elif f[50:] not in known:
            why = "the inner frame is no input frame"
        if why:
            bad.append("frame %d: %s: %s" % (i, why, f[:64].hex()))
            break
else:
    known = {f[50:] for f in fin}
    for i, f in enumerate(fout):
        if f not in known:
            bad.append("frame %d is no input packet's inner frame: %s" % (i, f.hex()))
            break
if bad:
    sys.stderr.write(open(w + "/verify-pmd.txt").read() + open(w + "/verify-coverage.txt").read())
    sys.exit("compare-ovs: verify (%s): OVS output wrong: %s" % (scen, "; ".join(bad)))
print("compare-ovs: verify: OVS sent %d frames for %d input packets (%d dropped by failed upcalls while "
      "its flows were set up), all %d B, %s"
      % (len(fout), len(fin), failed, want_len, "each VXLAN (VNI %s) from the VTEP to a tunnel remote around an input frame"
         % ",".join(map(str, sorted(vnis))) if scen.startswith("vxlan_encap") else
         "each a G-PDU (TEID %s) around an input packet" % ",".join(map(str, sorted(vnis))) if scen == "upf_dl" else
         "each an input packet's inner frame"),
      file=sys.stderr)
PYEOF
}

# run_ovs N MODE -> $WORK/ovs-N-MODE.json
# run_ovs 0 MODE verify (tunnel modes): the pcap once, without infinite_rx,
# into a pcap sink instead of net_null; checks every frame that comes out.
run_ovs() {
  local n=$1 mode=$2 verify=${3:-} prefix="sxovs$$_$1${2//-/}" pid flows fdb= want_static=0
  local src_port=pcap sink_port=null passes=1 tx_len=0 tnl=-
  local src_devargs="net_pcap0,rx_pcap=$PCAP,infinite_rx=1" sink_devargs="net_null1,no-rx=1"
  if [ -n "$verify" ]; then
    src_devargs="net_pcap0,rx_pcap=$PCAP" sink_devargs="net_pcap1,tx_pcap=$WORK/ovs-out.pcap"
  fi
  mode_setup "$mode"
  export OVS_RUNDIR=$WORK/run OVS_DBDIR=$WORK/db OVS_LOGDIR=$WORK/log
  mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR"
  local db=unix:$OVS_RUNDIR/db.sock ctl=$OVS_RUNDIR/vswitchd.ctl
  local vsctl=(ovs-vsctl --db="$db" --timeout=120)
  hugepages_for_ovs
  ovsdb-tool create "$OVS_DBDIR/conf.db" "$SCHEMA" || return 1
  ovsdb-server "$OVS_DBDIR/conf.db" --remote="punix:$OVS_RUNDIR/db.sock" \
    --unixctl="$OVS_RUNDIR/ovsdb-server.ctl" --log-file="$OVS_LOGDIR/ovsdb-server-$n-$mode.log" \
    >"$OVS_LOGDIR/ovsdb-server-$n-$mode.out" 2>&1 </dev/null &
  OVS_PIDS+=("$!")
  for _ in $(seq 1 100); do [ -S "$OVS_RUNDIR/db.sock" ] && break; sleep 0.1; done
  "${vsctl[@]}" --no-wait init || return 1
  OVS_PREFIXES+=("$prefix")
  "${vsctl[@]}" --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
    other_config:dpdk-socket-mem=1024 other_config:smc-enable="$MODE_SMC" \
    other_config:dpdk-extra="--no-pci --huge-unlink --file-prefix=$prefix" || return 1
  "$VSWITCHD" "$db" --unixctl="$ctl" --log-file="$OVS_LOGDIR/ovs-vswitchd-$n-$mode.log" \
    >"$OVS_LOGDIR/ovs-vswitchd-$n-$mode.out" 2>&1 </dev/null &
  pid=$!
  OVS_PIDS+=("$pid")
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { log "ovs-vswitchd exited during start-up"; return 1; }
    [ "$("${vsctl[@]}" get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break
    sleep 0.1
  done
  if [ "$TUNNEL" -eq 1 ]; then
    setup_vxlan "$ctl" "${MODE_FILE[$MODE_VARIANT]}" "$prefix" || return 1
    # what the measurement checks: the sink's frame size, datapath passes
    read -r tx_len passes < <(sed -n 's/^expect //p' "${MODE_FILE[$MODE_VARIANT]}")
    [[ ${tx_len:-} =~ ^[0-9]+$ && ${passes:-} =~ ^[0-9]+$ ]] || { log "no 'expect' line in the OVS set-up"; return 1; }
    tnl=tnl_push
    case $SCENARIO in vxlan_decap|upf_ul) tnl=tnl_pop ;; esac
    if [ -n "$verify" ]; then
      verify_vxlan "$ctl" "${MODE_FILE[$MODE_VARIANT]}" "$tx_len"
      local rc=$?
      [ $rc -eq 0 ] || tail -20 "$OVS_LOGDIR/ovs-vswitchd-$n-$mode.log" >&2
      return $rc
    fi
  else
    "${vsctl[@]}" add-br "$BR" -- set bridge "$BR" datapath_type=netdev || return 1
    if [ "$MODE_FDB" -eq 1 ]; then
      fdb=${MODE_FILE[fdb]}
      want_static=$(grep -c . "$fdb")
      # the default (8192) would evict: room for every static entry
      "${vsctl[@]}" set bridge "$BR" other_config:mac-table-size=131072 || return 1
    fi
    "${vsctl[@]}" add-port "$BR" null -- set Interface null type=dpdk \
      options:dpdk-devargs=net_null1,no-rx=1 ofport_request=2 || return 1
    # the rules first (no rule changes under traffic), then the source
    flows=$WORK/flows.txt
    if [ "$MODE_VARIANT" = - ]; then
      echo "actions=NORMAL" >"$flows"
    else
      sed -e 's/in_port=pcap/in_port=1/g' -e 's/output:null/output:2/g' "${MODE_FILE[$MODE_VARIANT]}" >"$flows"
    fi
    ovs-ofctl del-flows "$BR" || return 1
    ovs-ofctl add-flows "$BR" "$flows" || return 1
    log "OVS ($mode): $(ovs-ofctl dump-aggregate "$BR" | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p') OpenFlow rules in $BR, smc-enable=$MODE_SMC"
    [ -z "$fdb" ] || fdb_prime "$ctl" "$BR" "$fdb" null || return 1
    # admit the whole working set into the datapath flow cache at once (see
    # the header); OVS's configured flow-limit is 200000
    ovs-appctl -t "$ctl" upcall/set-flow-limit 200000 >/dev/null || return 1
    "${vsctl[@]}" add-port "$BR" pcap -- set Interface pcap type=dpdk \
      "options:dpdk-devargs=net_pcap0,rx_pcap=$PCAP,infinite_rx=1" ofport_request=1 || return 1
    [ -z "$fdb" ] || fdb_prime "$ctl" "$BR" "$fdb" pcap || return 1
  fi
  "$PY" - "$ctl" "$WARMUP" "$WINDOW" "$pid" "$BR" "$want_static" "$src_port" "$sink_port" "$passes" "$tx_len" \
    "$tnl" >"$WORK/ovs-$n-$mode.json" <<'PYEOF'
import sys, os; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib
import json, os, re, subprocess, sys, time
ctl, warmup, window, pid = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
br, want_static = sys.argv[5], int(sys.argv[6])
src_port, sink_port, passes, tx_len, tnl = sys.argv[7], sys.argv[8], int(sys.argv[9]), int(sys.argv[10]), sys.argv[11]

def threads():
    return benchlib.thread_cpu(pid)

def appctl(*a):
    return subprocess.run(["ovs-appctl", "-t", ctl] + list(a), check=True, capture_output=True, text=True).stdout

def pmd():
    out = appctl("dpif-netdev/pmd-stats-show")
    v = {}
    for k, pat in (("rx", r"packets received: (\d+)"), ("simple", r"simple match hits: (\d+)"),
                   ("emc", r"emc hits: (\d+)"), ("smc", r"smc hits: (\d+)"), ("megaflow", r"megaflow hits: (\d+)"),
                   ("recirc", r"packet recirculations: (\d+)"),
                   ("upcall_ok", r"miss with success upcall: (\d+)"), ("upcall_fail", r"miss with failed upcall: (\d+)"),
                   ("idle", r"idle cycles: (\d+)"), ("busy", r"processing cycles: (\d+)")):
        m = re.search(pat, out)
        v[k] = int(m.group(1)) if m else 0
    return v

def ports():
    out = appctl("dpctl/show", "-s")
    res, cur = {}, None
    m = re.search(r"flows: (\d+)", out)
    res["flows"] = int(m.group(1)) if m else -1
    for line in out.splitlines():
        m = re.match(r"\s+port \d+: (\S+)", line)
        if m:
            cur = m.group(1)
            continue
        m = re.search(r"(RX|TX) packets:(\d+).*dropped:(\d+)", line)
        if m and cur:
            res[(cur, m.group(1))] = (int(m.group(2)), int(m.group(3)))
        m = re.search(r"RX bytes:(\d+).*TX bytes:(\d+)", line)
        if m and cur:
            res[(cur, "bytes")] = (int(m.group(1)), int(m.group(2)))
    return res

time.sleep(warmup)
# OVS caches flows (EMC, megaflows installed by upcalls): with many flows
# (l2: 65536 destination MACs) they are not all installed after the common
# warm-up. Keep warming up, 1 s at a time (at most 60 s more), until a
# second passes with (almost) no upcall, so the window measures the steady
# state and not the cache filling. sxdp has no such cache.
extra = 0
while extra < 60:
    appctl("dpif-netdev/pmd-stats-clear")
    time.sleep(1)
    w = pmd()
    extra += 1
    if w["rx"] and w["upcall_ok"] + w["upcall_fail"] <= max(64, w["rx"] // 10000):
        break
print("compare-ovs: OVS warm-up %.0f s + %d s until upcalls stopped (last second: %d packets, %d+%d upcalls)"
      % (warmup, extra, w["rx"], w["upcall_ok"], w["upcall_fail"]), file=sys.stderr, flush=True)
pa = ports()
ca = threads()
appctl("dpif-netdev/pmd-stats-clear")
t0 = time.monotonic()
time.sleep(window)
b = pmd()
t1 = time.monotonic()
cb = threads()
pb = ports()
share = max(((cb[t][1] - ca[t][1]) / (t1 - t0), cb[t][0]) for t in cb if t in ca)
secs = t1 - t0
pk = b["rx"]
def d(port, dirn, i):
    return pb.get((port, dirn), (0, 0))[i] - pa.get((port, dirn), (0, 0))[i]
res = {"window_s": secs, "packets": pk, "mpps": pk / secs / 1e6, "dp_flows": pb["flows"],
       "cycles_total": (b["idle"] + b["busy"]) / pk if pk else 0,
       "cycles_busy": b["busy"] / pk if pk else 0, "pmd": b, "extra_warmup_s": extra,
       "pmd_cpu_share": share[0], "pmd_thread": share[1],
       "pcap_rx": d(src_port, "RX", 0), "null_tx": d(sink_port, "TX", 0),
       "null_tx_dropped": d(sink_port, "TX", 1)}
problems = []
if pk == 0:
    problems.append("OVS PMD received nothing in the window")
hits = b["simple"] + b["emc"] + b["smc"] + b["megaflow"]
if b["upcall_fail"] or b["upcall_ok"] > max(64, pk // 1000):
    problems.append("OVS upcalls in the window: %d ok, %d failed" % (b["upcall_ok"], b["upcall_fail"]))
# each datapath pass (the first, and one per recirculation) is a lookup
if abs(hits - pk * passes) > max(64, pk // 1000):
    problems.append("OVS cache/flow hits %d != packets %d x %d datapath passes" % (hits, pk, passes))
if abs(b["recirc"] - pk * (passes - 1)) > max(64, pk // 1000):
    problems.append("OVS recirculations %d, want %d per packet (%d packets)" % (b["recirc"], passes - 1, pk))
# the port counters span a slightly longer interval than the PMD window
if res["null_tx"] < 0.98 * res["pcap_rx"] or res["null_tx_dropped"] > 0:
    problems.append("OVS sink TX %d (dropped %d) vs source RX %d" % (res["null_tx"], res["null_tx_dropped"], res["pcap_rx"]))
# net_null counts no bytes: the frames' size is checked by the verify
# pass (a pcap sink); here the datapath actions say what OVS does
if tnl == "tnl_push":
    hdr = re.findall(r"tnl_push\(tnl_port\(\d+\),header\(size=(\d+),type=(\d+),", appctl("dpctl/dump-flows"))
    res["push_sizes"] = sorted(set(int(x) for x, _ in hdr))
    # an L3 tunnel (GTP-U, type 110) pops the frame's Ethernet header first
    want = tx_len - 60 + (14 if any(t == "110" for _, t in hdr) else 0)
    if tx_len and res["push_sizes"] != [want]:
        problems.append("OVS tnl_push header sizes %s, want %d (the tunnel over IPv4)" % (res["push_sizes"], want))
if tnl != "-":
    dump = appctl("dpctl/dump-flows")
    res["tnl_flows"] = dump.count(tnl + "(")
    res["flow_sample"] = next((l.strip() for l in dump.splitlines() if tnl + "(" in l), "")
    if res["tnl_flows"] == 0:
        problems.append("no datapath flow does %s: OVS is not tunnelling" % tnl)
if want_static:
    st = appctl("fdb/stats-show", br)
    m = re.search(r"static MAC entries in the table\s*:\s*(\d+)", st)
    res["static_macs"] = int(m.group(1)) if m else -1
    if res["static_macs"] != want_static:
        problems.append("OVS MAC table holds %d static entries, want %d" % (res["static_macs"], want_static))
res["problems"] = problems
print(json.dumps(res))
PYEOF
  local rc=$?
  [ $rc -eq 0 ] || tail -20 "$OVS_LOGDIR/ovs-vswitchd-$n-$mode.log" >&2
  stop_ovs
  return $rc
}

# ------------------------------------------------------------------- runs
results=()
for r in $(seq 1 "$RUNS"); do
  others=$(busy_others)
  [ -z "$others" ] || log "note: busy processes before run $r: $others"
  log "run $r/$RUNS: sxdp ($SCENARIO) via bench/run.sh, warm-up ${WARMUP}s, window ${WINDOW}s"
  sx=$(bash "$RUN_SH" "$SCENARIO" $FLOOR --warmup "$WARMUP" --window "$WINDOW" 2>"$WORK/sxdp-$r.err")
  rc=$?
  if [ $rc -ne 0 ] || ! grep -q "^$SCENARIO: [0-9.]* Mpps" <<<"$sx"; then
    cat "$WORK/sxdp-$r.err" >&2
    printf '%s\n' "$sx" >&2
    die "sxdp run $r failed"
  fi
  grep -E '^bench: sxdp (window|packets per overlay path|events|cycles/pkt by graph node)' "$WORK/sxdp-$r.err" |
    sed 's/^bench: /compare-ovs: /' >&2
  sx_line=$(grep "^$SCENARIO: " <<<"$sx")
  sx_note=$(grep '^note: the worker' <<<"$sx")
  # sxdp's nodes and the floor's readings, as bench/run.sh printed them
  sx_more=$(grep -E "^($SCENARIO cycles/pkt by node|I/O floor:|note: testpmd)" <<<"$sx" | sed 's/^/sxdp: /')
  grep 'worker thread' "$WORK/sxdp-$r.err" | sed 's/^bench: /compare-ovs: /' >&2
  for mode in "${MODE_LIST[@]}"; do
    mode_setup "$mode"
    if [ "$TUNNEL" -eq 1 ] && [ "$r" -eq 1 ]; then
      log "OVS-DPDK $OVS_VERSION, mode $mode: the pcap once into a pcap sink, to check what OVS sends"
      run_ovs 0 "$mode" verify || die "OVS-DPDK ($mode) does not tunnel as sxdp does (logs: $WORK/log)"
    fi
    log "run $r/$RUNS: OVS-DPDK $OVS_VERSION, mode $mode ($MODE_DESC), same pcap, sink, core, warm-up and window"
    run_ovs "$r" "$mode" || die "OVS-DPDK run $r ($mode) failed (logs: $WORK/log)"
    line=$("$PY" - "$WORK/ovs-$r-$mode.json" "$sx_line" "$SCENARIO" "$OVS_VERSION" "$mode" "$MODE_DESC" <<'PYEOF'
import json, re, sys
o = json.load(open(sys.argv[1]))
sx = sys.argv[2]
m = re.match(r"\S+: ([0-9.]+) Mpps, ([0-9.]+) cycles/pkt total, ([0-9.]+) cycles/pkt in pipeline", sx)
sx_mpps, sx_cyc, sx_pipe = float(m.group(1)), float(m.group(2)), float(m.group(3))
# the I/O floor bench/run.sh measured in this run (testpmd io), if it did
f = re.search(r"I/O floor ([0-9.]+) cycles/pkt", sx)
floor = float(f.group(1)) if f else None
above = ("; above the I/O floor %.1f: sxdp %.1f, OVS %.1f" % (floor, sx_cyc - floor, o["cycles_total"] - floor)
         if floor is not None else "; I/O floor not measured")
mode, desc = sys.argv[5], sys.argv[6]
print("compare-ovs: OVS %s window %.2f s: %d packets, pcap rx %d -> null tx %d (dropped %d), %d datapath flows%s, pmd %s"
      % (mode, o["window_s"], o["packets"], o["pcap_rx"], o["null_tx"], o["null_tx_dropped"], o["dp_flows"],
         ", %d static MACs" % o["static_macs"] if "static_macs" in o else "", o["pmd"]), file=sys.stderr)
if "tnl_flows" in o:
    print("compare-ovs: OVS %s: %d datapath flows with %s%s; e.g. %s"
          % (mode, o["tnl_flows"], o["flow_sample"].split("actions:")[-1].split("(")[0] if o["flow_sample"] else "-",
             " (header sizes %s)" % o["push_sizes"] if "push_sizes" in o else "", o["flow_sample"][:600]),
          file=sys.stderr)
print("%s: sxdp %.1f Mpps, OVS-DPDK %s [%s: %s] %.1f Mpps, ratio %.2f (cycles/pkt total: sxdp %.1f, OVS %.1f; "
      "sxdp in pipeline %.1f%s)"
      % (sys.argv[3], sx_mpps, sys.argv[4], mode, desc, o["mpps"],
         sx_mpps / o["mpps"] if o["mpps"] else float("inf"), sx_cyc, o["cycles_total"], sx_pipe, above))
if o["pmd_cpu_share"] < 0.95:
    print("note: the OVS PMD thread (%s) ran only %.0f%% of the window: another process shared its CPU"
          % (o["pmd_thread"], 100 * o["pmd_cpu_share"]))
print("compare-ovs: OVS PMD thread %s ran %.0f%% of the window" % (o["pmd_thread"], 100 * o["pmd_cpu_share"]),
      file=sys.stderr)
for p in o["problems"]:
    print("CHECK FAILED: " + p)
PYEOF
)
    echo "$line"
    [ -z "$sx_more" ] || echo "$sx_more"
    [ -z "$sx_note" ] || echo "$sx_note (sxdp)"
    echo "source: net_pcap infinite_rx (virtual), sink: net_null; $DESC; 1 forwarding core (lcore 1) each"
    others=$(busy_others)
    [ -z "$others" ] || echo "note: other busy processes on this machine after run $r: $others"
    grep -q '^CHECK FAILED' <<<"$line" && die "run $r ($mode): a consistency check failed"
    results+=("$(head -1 <<<"$line")")
  done
done

if [ "$RUNS" -gt 1 ]; then
  printf '%s\n' "${results[@]}" | "$PY" -c '
import re, statistics, sys
rows, fl = {}, {}
for l in sys.stdin:
    m = re.search(r"sxdp ([0-9.]+) Mpps, OVS-DPDK \S+ \[([^]:]+): ([^]]*)\] ([0-9.]+) Mpps, ratio ([0-9.]+) "
                  r"\(cycles/pkt total: sxdp ([0-9.]+), OVS ([0-9.]+)(?:; sxdp in pipeline ([0-9.]+))?", l)
    if m:
        rows.setdefault((m.group(2), m.group(3)), []).append([float(m.group(x) or "nan") for x in (1, 4, 5, 6, 7, 8)])
        f = re.search(r"above the I/O floor ([0-9.]+): sxdp (-?[0-9.]+), OVS (-?[0-9.]+)", l)
        if f:
            fl.setdefault((m.group(2), m.group(3)), []).append([float(x) for x in f.groups()])
for (mode, desc), r in rows.items():
    sx, ovs, ratio, sxc, ovc, sxp = (statistics.median(c) for c in zip(*r))
    above = ""
    if fl.get((mode, desc)):
        floor, sxa, ova = (statistics.median(c) for c in zip(*fl[(mode, desc)]))
        above = "; above the I/O floor %.1f: sxdp %.1f, OVS %.1f" % (floor, sxa, ova)
    print("median of %d runs: %s: sxdp %.1f Mpps, OVS-DPDK %s [%s: %s] %.1f Mpps, ratio %.2f "
          "(median of the per-run ratios; cycles/pkt total: sxdp %.1f, OVS %.1f; sxdp in pipeline %.1f%s; "
          "virtual source)" % (len(r), sys.argv[1], sx, sys.argv[2], mode, desc, ovs, ratio, sxc, ovc, sxp, above))
' "$SCENARIO" "$OVS_VERSION"
fi
