#!/usr/bin/env bash
# Benchmark harness: sxdp with ONE worker between a virtual source and sink,
# then dpdk-testpmd io on the same source/sink, in the same run: the ceiling
# in Mpps and the I/O floor in cycles/pkt (what the source and sink alone cost).
#
#   bash bench/run.sh SCENARIO [--runs N] [--warmup S] [--window S] [--no-ceiling] [--burst N]
#                              [--workers N [--spread rss|gtpu|soft]] [--idle-sleep US] [--size N|imix]
#   bash bench/run.sh forward --runs 3
#   bash bench/run.sh upf_ul_1gnb --workers 2   (1 worker, then 2, same input, each run)
#   bash bench/run.sh SCENARIO --input-only   (print the cached pcap path, exit)
#   bash bench/run.sh l3 --burst 128   (sxdp's config.burst: packets read from a queue per
#            graph walk, 1..256, default 64)
#   bash bench/run.sh forward --idle-sleep 500   (sxdp's config.idle_sleep_max_us: an idle
#            worker sleeps; under load it must cost nothing: pair it with a run without)
#   bash bench/run.sh upf_ul --size 1400   (the scenario's frames at 1,400 B with the FCS, the
#            inner ones of a tunnel scenario; --size imix: 7:4:1 of 64, 576 and 1,400 B;
#            BENCH_SIZE=... does the same, for bench/compare-*.sh, which run this script).
#            A third line gives the throughput in Gbit/s per core (the frames in, with the
#            FCS, no preamble or gap); the check of every frame's length out is the 64 B
#            runs' (with sizes the counts of frames in and out are still checked)
#   bash bench/run.sh upf_dl --flows 1048576   (the UPF scenarios with that many sessions
#            resident; the pcap is 65536 packets spread over all of them)
#
# Scenarios (all 64 B Ethernet/IPv4/UDP, details in bench/gen_pcap.py):
#   forward  pipeline forward: 65536 flows, one exact `flow` entry each -> sink
#   l3       pipeline switch, routed: 65536 destinations over 1024 /24 routes
#            via 4 next hops (static neigh), packets to the router MAC
#   l3_routed  as l3 with p0 a routed port (interfaces `routed`, packets to
#            p0's own MAC): no learning, no fdb, straight into L3
#   nat44    l3_routed's destinations from 254 inside hosts (65536 UDP flows)
#            through the slice's edge (pipelines/edge): connection found,
#            NAT44 into a pool of 16 addresses, routed in the outside VRF
#   nat44_new  nat44 with a table of 16384 connections: every packet a new
#            connection and mapping, evicting the oldest embryonic one
#   fw44     nat44's flows through the edge without NAT, with a stateful
#            firewall of 1000 rules asked once a connection
#   l3-vrfs  as l3 in 1024 VRFs (VLAN 1..1024 on p0 -> slice/VRF) of 1000 /24
#            routes each, 4 next hops per VRF (out on p1, VLAN = VRF)
#   l2       pipeline switch, bridged: 65536 destination MACs with static fdb
#            entries -> sink; 256 source MACs, static (no learning measured)
#   vxlan_encap  pipeline lan switch + wan overlay (as the overlay tests run
#            it): 65536 inner flows from p0 (lan) into a slice's bridge domain
#            to 64 remote MACs behind 2 tunnels (static fdb `tunnel`), the
#            ACL `classes` (4 entries; half the flows match none: class 0),
#            `policies` (balance/failover over 2 static paths per tunnel),
#            VXLAN encap, static underlay neighbour on p1 (wan) -> sink
#   vxlan_encap_dup, vxlan_encap_fec  vxlan_encap with every class repaired
#            (pipelines/overlay: loss repair): duplicated on both of its
#            tunnel's paths (two frames out a frame in), or an XOR parity
#            after every 4 frames (5 for 4): GENEVE with the repair option
#   vxlan_encap_app  vxlan_encap's flows as DNS queries, each named by nDPI
#            on the slow path once (the warm-up), then classed by its
#            worker's flow cache and app_classes on every packet
#   sched    pipeline switch: 8 slices (VLANs) x 64 pipes (63 VDN classes
#            each, vdns) of an rte_sched on p1 (10 Gbit/s, 1.2 Gbit/s per
#            slice): classification, enqueue and dequeue on the one worker
#   l3_meter, l3_routed_meter, vxlan_encap_meter  l3, l3_routed and
#            vxlan_encap with an RFC 4115 meter on the ingress interface
#            (10 Gbit/s, red passed): the cost of metering over the
#            scenario without it
#   upf_ul   pipeline n3 upf + n6 switch: G-PDUs of 65536 sessions from 4 gNBs
#            (UL container) -> decap, session, app, fwd_n6, slice meter, URR,
#            routed to the DN gateway -> sink
#   upf_ul_ambr  upf_ul with each session's own AMBR: 65,536 meters (QERs
#            as an SMF makes them), each packet through its session's,
#            then the slice's
#   upf_ul_1gnb  upf_ul with every G-PDU from one gNB (one outer 5-tuple:
#            a NIC's RSS on it gives one queue everything; for --workers)
#   upf_ul_ulcl  the same, half the packets to the internet: the session's
#            default termination sends them on to the anchor over N9
#   upf_ul6  upf_ul with the gNBs over IPv6 (outer IPv6, UDP checksum)
#   upf_ul_ue6  upf_ul with IPv4v6 sessions' IPv6: 64 B IPv6 inner packets,
#            each source checked against its session's /64
#            (sessions_downlink6), the DN's app in applications6, routed by
#            switch.l3v6
#   upf_dl   65536 UEs routed into the UPF from the DN side (p0 a routed
#            N6 port: the switch's fused path): session, app, encap_n3 with
#            a DL container, slice meter, URR -> sink
#   upf_dl_bridged  upf_dl with p0 a bridged port (fdb source and
#            destination lookups to the router MAC, then routed)
#   upf_dl6  upf_dl with the gNBs over IPv6: outer IPv6 (UDP checksum),
#            routed by switch.l3v6 (connected /64, static neighbours)
#   upf_dl_ue6  upf_dl with IPv6 sessions: 78 B IPv6 frames, each session
#            found by its /64 (sessions_downlink6)
#   vxlan6_encap, vxlan6_decap  the same over an IPv6 underlay (IPv6 VTEP
#            and endpoints, a link-local next hop in neigh6; the outer UDP
#            checksum computed, and verified)
#   vxlan6_encap_esp, vxlan6_encap_wg  vxlan6_encap with every path
#            sealed over IPv6: ESP (outer IPv6), a WireGuard session
#   vxlan_decap  the same tables; 65536 flows of VXLAN datagrams on p0 (wan)
#            from the 4 peer endpoints to the local VTEP: VTEP, VNI, peer,
#            decap into the bridge domain (inner source static behind its
#            tunnel: no learning), static fdb to p1 (lan) -> sink
# Each run checks, over the window: sink tx == source rx (no drop, no punt)
# and every lookup of the scenario's tables hit (hits == packets, 0 misses;
# a table marked ~ may default: hits + misses == packets), and, where the
# scenario says, the sink's frame size, per-path packets, and event counts.
# A new scenario = a generator in bench/gen_pcap.py (SCENARIOS) + a case in
# scenario_setup below.
#
# Source: net_pcap,infinite_rx=1 (replays the pcap from mbufs: virtual, never
# runs dry); sink: net_null,no-rx=1. Main lcore 0, worker lcore 1.
#
# --flowexp N: flow export (pipelines/flowexp) on, sampling 1 in N
# (1..65535), to a collector at 127.0.0.1:9 (discard): the same scenario
# run without it, back to back, is the off/on pair of the export's cost.
#
# --workers N (N >= 2): each run measures sxdp with 1 worker, then with N,
# back to back on the same input, and reports the aggregate Mpps of N against
# 1, with each worker's packets, cycles/pkt and CPU share. Worker i is lcore
# i+1 on CPU (i+1) mod CPUs: on 2 CPUs the second worker shares CPU 0 with the
# main lcore, whose CPU over the window (it sleeps in poll() between control
# calls) is printed. How p0's traffic reaches the workers (--spread):
#   rss   (default) p0 has N RX queues, the pcap dealt over them by a hash of
#         the outer addresses and ports (benchlib.rss_split): what a NIC's RSS
#         does, each flow on one queue, each queue read by one worker
#   gtpu  as rss with a G-PDU's TEID in the hash: a NIC with GTP-U RSS (which
#         sxdp asks an N3/N9 port's device for where it offers it)
#   soft  (default for an N3 source: the upf_ul scenarios) p0 has one RX queue
#         (a NIC's RSS cannot spread one gNB's G-PDUs, and a device without
#         GTP-U RSS puts them all on one queue) and "soft_rss": true: the
#         worker reading it hands each G-PDU to the worker its TEID hashes
#         to. Checked: one worker read p0, the others' packets all came
#         through handoff (so each TEID is on the worker of its hash: one).
# Throughput = worker rx packets over a fixed window after a warm-up; total
# cycles/pkt = (busy+idle cycles)/packets of the worker; pipeline cycles/pkt
# = cycles spent in parse+stages per packet (outside the RX and TX drivers). The worker thread's CPU share
# over the window is measured: below 95 % (another process ran on lcore 1,
# e.g. on a shared machine) a "note:" line says the numbers are low.
# The I/O floor: testpmd io on one forwarding core (lcore 1), same pcap,
# sink, warm-up and window; its cycles/pkt by its own count over the window
# (--record-core-cycles: the TSC cycles of the io engine's calls that
# received a burst, per packet), shown beside TSC Hz / its rate (the two
# agree when its core does nothing else) and its forwarding thread's CPU
# share. Printed per run (and as
# medians with --runs > 1):
#   SCEN: X Mpps, Y cycles/pkt total, Z cycles/pkt in pipeline
#         (ceiling testpmd io: W Mpps; I/O floor F cycles/pkt, sxdp Y-F above it)
#   SCEN cycles/pkt by node: NODE C, ..., rx C [I/O + parse], port_out C [I/O];
#         above the I/O floor Y-F: feature nodes + I/O nodes over the floor
#         + outside the nodes (the graph walk; node cycles are sampled)
#   I/O floor: testpmd io ... (its Mpps, both cycles/pkt readings, CPU share)
# Line 1's shape up to "(ceiling testpmd io: W Mpps" is what
# bench/compare-*.sh parse.
# Progress goes to stderr, results to stdout. BUILD=dir picks the build directory. Needs root for hugepages
# (falls back to --no-huge and says so).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_DIR=$root/bench
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
SXDP=$BUILD/sxdp
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || echo /usr/bin/dpdk-testpmd)}
CACHE=${BENCH_CACHE:-/tmp/sxdp-bench-cache}

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ $# -ge 1 ] || usage
SCENARIO=$1; shift
RUNS=1 WARMUP=2 WINDOW=5 CEILING=1 INPUT_ONLY=0 FLOWS_SET= BURST= WORKERS=1 SPREAD= IDLE_SLEEP= FLOWEXP=
SIZE=${BENCH_SIZE:-64}
while [ $# -gt 0 ]; do
  case $1 in
    --no-ceiling) CEILING=0; shift ;;
    --input-only) INPUT_ONLY=1; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --flows) FLOWS_SET=$2; shift 2 ;;
    --burst) BURST=$2; shift 2 ;;
    --idle-sleep) IDLE_SLEEP=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --spread) SPREAD=$2; shift 2 ;;
    --flowexp) FLOWEXP=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown option $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $WINDOW =~ ^[1-9][0-9]*$ ]] || die "bad --runs/--warmup/--window"
[[ -z $BURST || $BURST =~ ^[1-9][0-9]*$ ]] || die "bad --burst"
[[ -z $IDLE_SLEEP || $IDLE_SLEEP =~ ^[0-9]+$ ]] || die "bad --idle-sleep"
[[ $WORKERS =~ ^[1-9][0-9]?$ ]] || die "bad --workers (1..99)"
case $SPREAD in ""|rss|gtpu|soft) ;; *) die "bad --spread '$SPREAD' (rss, gtpu or soft)" ;; esac
[[ -z $FLOWEXP || ( $FLOWEXP =~ ^[1-9][0-9]{0,4}$ && $FLOWEXP -le 65535 ) ]] || die "bad --flowexp (1..65535)"
export BENCH_FLOWEXP=$FLOWEXP
[[ $SIZE == imix || ( $SIZE =~ ^[1-9][0-9]{1,3}$ && $SIZE -ge 64 && $SIZE -le 9018 ) ]] || die "bad --size (64..9018 or imix)"

# ---------------------------------------------------------------- scenarios
# Sets: FLOWS, DESC (the report's traffic words), PIPELINE (a name or a JSON
# object), CHECK_TABLES (tables whose every lookup must hit: hits == packets,
# no miss; NAME~: looked up once per packet, may default), OVS (1 if
# gen_pcap.py has OpenFlow flows for bench/compare-ovs.sh); optionally
# P0_OPTS/P1_OPTS (more JSON members of port p0/p1), TX_LEN (the frame size
# every packet leaves p1 with), CHECK_PATHS (1: every overlay path carried
# packets and their sum is the packets), CHECK_EVENTS (events counted once
# per packet; NAME=0: never, as a memo's misses once it is warm).
scenario_setup() {
  case $1 in
    forward) FLOWS=65536; DESC="64 B, $FLOWS flows"; PIPELINE=forward; CHECK_TABLES=flow; OVS=1 ;;
    l3) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,fdb,routes,nexthops; OVS=0
        DESC="64 B, $FLOWS flows routed: 1024 /24 routes in one VRF via 4 next hops (static neigh, next hops by id)" ;;
    l3_routed) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,routes,nexthops; OVS=0
        P0_OPTS='"mac": "02:5e:00:00:00:01",'
        DESC="64 B, $FLOWS flows routed: in through a routed port (no fdb), 1024 /24 routes in one VRF via 4 next hops (static neigh, next hops by id)" ;;
    nat44) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,edge_slices,edge_pools,edge_return~,nexthops; OVS=1
        P0_OPTS='"mac": "02:5e:00:00:00:01",' TABLE_SIZES='{"edge_connections": 131072}'
        CHECK_EVENTS=edge.conn_new=0
        DESC="64 B, $FLOWS UDP flows of 254 inside hosts through a routed port, the slice's default route the edge: each flow's connection found, NAT44 (EIM, a pool of 16 addresses, port blocks of 512), the TTL given back, then routed in the outside VRF over 1024 /24 routes via 4 next hops (static neigh)" ;;
    nat44_new) scenario_setup nat44; OVS=0 TABLE_SIZES='{"edge_connections": 16384}'
        CHECK_EVENTS=edge.conn_new,edge.conn_evicted,edge.map_new
        DESC="64 B, 65536 UDP flows of 254 inside hosts through a routed port into the slice's edge, its table 16384 connections: every packet a new connection and mapping (NAT44, a pool of 16 addresses), each evicting the oldest embryonic one and its mapping, then routed in the outside VRF" ;;
    fw44) scenario_setup nat44; OVS=0 CHECK_TABLES=interfaces,edge_slices,edge_return~,nexthops
        DESC="64 B, 65536 UDP flows of 254 inside hosts through a routed port into the slice's edge without NAT and a stateful firewall of 1000 rules (rte_acl, asked by a connection's first packet, in the warm-up): each flow's connection found, the TTL given back, then routed in the outside VRF over 1024 /24 routes via 4 next hops" ;;
    l3-vrfs) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,fdb,routes,nexthops; OVS=0
        TABLE_SIZES='{"routes": 1048576}'
        DESC="64 B, $FLOWS flows routed in 1024 VRFs (one VLAN each) of 1000 /24 routes, 4 next hops each (static neigh, next hops by id)" ;;
    l2) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,fdb,bd_ports; OVS=1
        DESC="64 B, $FLOWS destination MACs bridged (static fdb), 256 static source MACs" ;;
    vxlan_encap) FLOWS=65536; PIPELINE='{"lan": "switch", "wan": "overlay"}'; OVS=1
        CHECK_TABLES=interfaces,fdb,tunnels,classes~,policies,paths,neigh
        P0_OPTS='"role": "lan",' P1_OPTS='"role": "wan", "mac": "02:00:00:00:ff:01",'
        TX_LEN=110 CHECK_PATHS=1
        DESC="64 B inner (110 B out), $FLOWS flows to 64 remote MACs behind 2 tunnels (static fdb), 4 classes entries, balance/failover policies over 2 static paths per tunnel, VXLAN encap, static underlay neighbour" ;;
    l3_meter) scenario_setup l3; CHECK_TABLES=$CHECK_TABLES,meter_profiles OVS=0
        DESC="$DESC, an RFC 4115 meter on the ingress interface (10 Gbit/s, red passed: all colored and counted)" ;;
    l3_routed_meter) scenario_setup l3_routed; CHECK_TABLES=$CHECK_TABLES,meter_profiles
        DESC="$DESC, an RFC 4115 meter on the routed port's interface (10 Gbit/s, red passed: all colored and counted)" ;;
    vxlan_encap_meter) scenario_setup vxlan_encap; CHECK_TABLES=$CHECK_TABLES,meter_profiles
        DESC="$DESC, an RFC 4115 meter on the slice's ingress interface (10 Gbit/s, red passed)" ;;
    sched) FLOWS=65536; PIPELINE=switch; CHECK_TABLES=interfaces,fdb,bd_ports,vdns~; OVS=0
        DESC="64 B (68 B tagged), $FLOWS flows over 8 slices x 64 pipes of p1's rte_sched (10 Gbit/s, 1.2 Gbit/s reserved per slice, 63 VDN classes each), run by the one worker" ;;
    vxlan_encap_esp) scenario_setup vxlan_encap; OVS=0 TX_LEN=166
        DESC="$DESC, then every path's datagram sealed into ESP (tunnel mode, AES-GCM-128 with ESN, ipsec-mb's aesni_gcm on the worker: CPU crypto; 166 B out)" ;;
    vxlan_decap_esp) scenario_setup vxlan_decap; OVS=0 FLOWS=16384
        DESC="ESP 166 B (AES-GCM-128, no ESN, no anti-replay: the source replays its capture) of $FLOWS flows (each frame its own ciphertext: a TRex stream each) from 4 peer endpoints, one inbound SA each, opened, then as vxlan_decap: VNI -> slice bridge domain, 256 static local MACs (static fdb), remote sources static behind their tunnels" ;;
    vxlan_encap_wg) scenario_setup vxlan_encap; OVS=0 TX_LEN=170
        DESC="$DESC, then every path's datagram sealed into a WireGuard data message (ChaCha20-Poly1305, ipsec-mb's, on the worker; 170 B out)" ;;
    vxlan_decap_wg) scenario_setup vxlan_decap; OVS=0 FLOWS=16384
        DESC="WireGuard data messages 170 B (ChaCha20-Poly1305, no anti-replay window: the source replays its capture) of $FLOWS flows (each frame its own ciphertext) from 4 peer endpoints, one inbound session each, opened, then as vxlan_decap" ;;
    vxlan6_encap) scenario_setup vxlan_encap; OVS=0 TX_LEN=130 CHECK_TABLES=${CHECK_TABLES/neigh/neigh6}
        DESC="$DESC; over an IPv6 underlay (130 B out: outer IPv6, the UDP checksum computed)" ;;
    vxlan6_encap_esp) scenario_setup vxlan6_encap; TX_LEN=206
        DESC="$DESC, then every path's datagram sealed into ESP over IPv6 (tunnel mode, AES-GCM-128 with ESN, next header 41; 206 B out)" ;;
    vxlan6_encap_wg) scenario_setup vxlan6_encap; TX_LEN=222
        DESC="$DESC, then every path's datagram sealed into a WireGuard data message over IPv6 (ChaCha20-Poly1305, the UDP checksum computed; the datagram moved 6 B in its buffer for the outer headers; 222 B out)" ;;
    vxlan6_decap) scenario_setup vxlan_decap; OVS=0
        DESC="VXLAN over IPv6 130 B (64 B inner, the UDP checksum verified), $FLOWS flows from 4 peer endpoints, VNI -> slice bridge domain, 256 static local MACs (static fdb), remote sources static behind their tunnels" ;;
    vxlan_encap_1400) scenario_setup vxlan_encap; OVS=0 TX_LEN=1446 DESC="$DESC; 1,400 B inner frames (1,446 B out)" ;;
    vxlan_encap_dup) scenario_setup vxlan_encap; OVS=0 TX_LEN=126 TX_PER_RX=2 CHECK_TABLES=interfaces,fdb,tunnels,classes~,policies
        CHECK_EVENTS=overlay.dup_sent DESC="$DESC; every class duplicated (copies 2): each frame on both of its tunnel's paths, GENEVE with the 16 B repair option (126 B out, two a frame)" ;;
    vxlan_encap_fec) scenario_setup vxlan_encap; OVS=0 TX_LEN=126 TX_PER_RX=1.25
        CHECK_TABLES=interfaces,fdb,tunnels,classes~,policies
        DESC="$DESC; every class under FEC, a block of 4: an XOR parity after every 4 frames, GENEVE with the 16 B repair option (126 B out, 5 for 4)" ;;
    # each of its flows named once at a slice's pace of 5,000 a second: a
    # warm-up of 6 s at least, so that the window sees warm flows only
    vxlan_encap_app) scenario_setup vxlan_encap; OVS=0 FLOWS=16384 TX_LEN=111 WARMUP=$(( WARMUP > 6 ? WARMUP : 6 )) CHECK_EVENTS=overlay.app_paced=0 CHECK_TABLES=interfaces,fdb,tunnels,classes~,app_classes,policies,paths,neigh
        DESC="61 B DNS queries of $FLOWS flows (UDP to 53) into vxlan_encap's tunnels: each flow named DNS by nDPI on the slow path once (warm-up), then on every packet its worker's flow cache and app_classes (DNS -> class 3), balance 1:3 over 2 static paths, VXLAN encap (111 B out)" ;;
    vxlan_encap_esp_1400) scenario_setup vxlan_encap_esp; TX_LEN=1502 DESC="$DESC; 1,400 B inner frames (1,502 B out)" ;;
    vxlan_encap_wg_1400) scenario_setup vxlan_encap_wg; TX_LEN=1514 DESC="$DESC; 1,400 B inner frames (1,514 B out)" ;;
    vxlan_decap_1400) scenario_setup vxlan_decap; OVS=0 TX_LEN=1396 DESC="$DESC; 1,400 B inner frames" ;;
    vxlan_decap_esp_1400) scenario_setup vxlan_decap_esp; TX_LEN=1396 DESC="$DESC; 1,400 B inner frames (1,502 B in)" ;;
    vxlan_decap_esp_1tun) scenario_setup vxlan_decap_esp
        DESC="ESP 166 B (AES-GCM-128, no anti-replay window) of $FLOWS flows, all from ONE peer endpoint (one tunnel), sealed with 8 per-worker SAs (RFC 9611, the lane by flow), opened spread over the workers by SPI (RSS for ESP: --workers N), then as vxlan_decap" ;;
    vxlan_decap_wg_1400) scenario_setup vxlan_decap_wg; TX_LEN=1396 DESC="$DESC; 1,400 B inner frames (1,514 B in)" ;;
    vxlan_decap) FLOWS=65536; PIPELINE='{"lan": "switch", "wan": "overlay"}'; OVS=1
        CHECK_TABLES=vteps,vnis,peers,fdb,bd_ports CHECK_EVENTS=overlay.decap,overlay.memo_missed=0
        P0_OPTS='"role": "wan", "mac": "02:00:00:00:ff:01",' P1_OPTS='"role": "lan",'
        TX_LEN=60
        DESC="VXLAN 110 B (64 B inner), $FLOWS flows from 4 peer endpoints, VNI -> slice bridge domain, 256 static local MACs (static fdb), remote sources static behind their tunnels" ;;
    upf_ul|upf_ul_ulcl) FLOWS=65536; PIPELINE='{"n3": "upf", "n6": "switch"}'; OVS=1
        TABLE_SIZES='{"sessions_uplink": 65536}'
        CHECK_TABLES=upf_interfaces,sessions_uplink,applications,upf_slices,meter_profiles
        P0_OPTS='"role": "n3",' P1_OPTS='"role": "n6",' TX_LEN=60 CHECK_EVENTS=upf.ul
        DESC="G-PDUs 96 B (64 B inner; no container: OVS 3.1 cannot pop one) of $FLOWS sessions from 4 gNBs: decap, session by TEID, anti-spoofing, own addresses, the DN's app (ACL) and its termination fwd_n6 (inline in the session entry), the slice's RFC 4115 meter, a URR per termination, routed to the DN gateway"
        if [ "$1" = upf_ul_ulcl ]; then
          OVS=0 TX_LEN=0 CHECK_TABLES=upf_interfaces,sessions_uplink,applications~,upf_slices,meter_profiles
          DESC="G-PDUs 104 B (UL container, QFI 9) of $FLOWS sessions from 4 gNBs: half to the local DN (breakout, routed), half to the internet, sent on to the anchor over N9 (re-encapsulated, UL container, VLAN 100: 108 B out); the slice meter and a URR per termination"
        fi ;;
    upf_ul_ambr) scenario_setup upf_ul; OVS=0
        TABLE_SIZES='{"sessions_uplink": 65536, "meters": 65600}'
        CHECK_TABLES=upf_interfaces,sessions_uplink,applications,upf_slices
        DESC="G-PDUs 96 B (64 B inner, no container) of $FLOWS sessions from 4 gNBs: decap, session by TEID, anti-spoofing, own addresses, the DN's app (ACL) and its termination fwd_n6 (inline in the session entry), each session's own AMBR (65,536 RFC 4115 meters), the slice's RFC 4115 meter, a URR per termination, routed to the DN gateway" ;;
    upf_ul_1gnb) scenario_setup upf_ul; OVS=0
        DESC="${DESC/from 4 gNBs/all from one gNB (one outer 5-tuple)}" ;;
    upf_ul6) scenario_setup upf_ul; OVS=0
        CHECK_TABLES=upf_interfaces6,sessions_uplink,applications,upf_slices,meter_profiles
        DESC="G-PDUs 116 B (64 B inner, no container) of $FLOWS sessions from 4 gNBs over IPv6 (outer UDP checksum; the N3 SVI6's address in upf_interfaces6): decap, session by TEID, anti-spoofing, own addresses, the DN's app (ACL) and its termination fwd_n6 (inline in the session entry), the slice's RFC 4115 meter, a URR per termination, routed to the DN gateway" ;;
    upf_ul_ue6) scenario_setup upf_ul; OVS=0 TX_LEN=78
        TABLE_SIZES='{"sessions_uplink": 65536, "sessions_downlink6": 65536}'
        CHECK_TABLES=upf_interfaces,sessions_uplink,applications6,upf_slices,routes6,neigh6,meter_profiles
        DESC="G-PDUs 114 B (64 B of IPv6 inner, no container) of $FLOWS IPv4v6 sessions from 4 gNBs: decap, session by TEID, the source against the session's /64 (sessions_downlink6), own addresses, the DN's app (applications6) and its termination fwd_n6 (inline in the session entry), the slice's RFC 4115 meter, a URR per termination, routed by switch.l3v6 to the DN host" ;;
    upf_dl) FLOWS=65536; PIPELINE='{"n3": "upf", "n6": "switch"}'; OVS=1
        TABLE_SIZES='{"sessions_downlink": 65536}'
        CHECK_TABLES=interfaces,routes,sessions_downlink,upf_slices,tunnel_peers,neigh,meter_profiles
        P0_OPTS='"role": "n6", "mac": "02:00:00:00:06:01",' P1_OPTS='"role": "n3",' TX_LEN=104 CHECK_EVENTS=upf.to_n3
        DESC="64 B from the DN to $FLOWS UEs: in through a routed N6 port (p0's MAC), routed (the pool's route upf), session by (slice, UE), its own termination encap_n3 with a DL container (QFI 9, 104 B out) to one of 4 gNBs, the slice's RFC 4115 meter, a URR per session" ;;
    upf_dl_bridged) scenario_setup upf_dl; OVS=0
        P0_OPTS='"role": "n6",'
        CHECK_TABLES=interfaces,fdb,routes,sessions_downlink,upf_slices,tunnel_peers,neigh,meter_profiles
        DESC="64 B from the DN to $FLOWS UEs: in through a bridged N6 port (fdb source and destination lookups, to the router MAC), routed (the pool's route upf), session by (slice, UE), its own termination encap_n3 with a DL container (QFI 9, 104 B out) to one of 4 gNBs, the slice's RFC 4115 meter, a URR per session" ;;
    upf_dl_ue6) scenario_setup upf_dl; OVS=0 TX_LEN=122
        P0_OPTS='"role": "n6",'
        TABLE_SIZES='{"sessions_downlink6": 65536}'
        CHECK_TABLES=interfaces,fdb,routes6,sessions_downlink6,upf_slices,tunnel_peers,neigh,meter_profiles
        DESC="78 B of IPv6 from the DN to $FLOWS IPv6 sessions (an address of each one's /64): routed (the IPv6 pool's route upf), session by (slice, /64), its own termination encap_n3 with a DL container (QFI 9, 122 B out) to one of 4 gNBs, the slice's RFC 4115 meter, a URR per session" ;;
    upf_dl6) scenario_setup upf_dl; OVS=0 TX_LEN=124
        CHECK_TABLES=interfaces,routes,sessions_downlink,upf_slices,tunnel_peers,routes6,neigh6,meter_profiles
        DESC="${DESC/(QFI 9, 104 B out) to one of 4 gNBs/(QFI 9) to one of 4 gNBs over IPv6 (outer IPv6 with its UDP checksum, routed: connected /64, static neighbour; 124 B out)}" ;;
    *) die "unknown scenario '$1' (known: forward, l3, l3_routed, nat44, nat44_new, fw44, l3_meter, l3_routed_meter, l3-vrfs, l2, sched, vxlan_encap, vxlan_encap_meter, vxlan_encap_esp, vxlan_encap_wg, vxlan_decap, vxlan_decap_esp, vxlan_decap_wg (each of these six also _1400), vxlan_decap_esp_1tun, vxlan_encap_dup, vxlan_encap_fec, vxlan_encap_app, vxlan6_encap_esp, vxlan6_encap_wg, upf_ul, upf_ul_ambr, upf_ul_1gnb, upf_ul_ulcl, upf_ul6, upf_ul_ue6, upf_dl, upf_dl_bridged, upf_dl6, upf_dl_ue6)" ;;
  esac
}
TABLE_SIZES="" P0_OPTS="" P1_OPTS="" TX_LEN=0 CHECK_PATHS=0 CHECK_EVENTS="" TX_PER_RX=1
scenario_setup "$SCENARIO"
if [ "$SIZE" != 64 ]; then
  # frames out of one length only at 64 B: a tunnel's padding (WireGuard's
  # to 16) makes the overhead depend on the size
  TX_LEN=0
  DESC="$DESC; $( [ "$SIZE" = imix ] && echo "IMIX frames (7:4:1 of 64, 576, 1,400 B)" || echo "frames of $SIZE B") in place of 64 B ones"
fi
# --flows N: the UPF scenarios with N sessions (the session-scale runs),
# their tables sized to hold them
if [ -n "$FLOWS_SET" ]; then
  [[ $FLOWS_SET =~ ^[1-9][0-9]*$ ]] || die "bad --flows"
  case $SCENARIO in upf_*) ;; *) die "--flows is for the upf scenarios" ;; esac
  DESC=${DESC//$FLOWS/$FLOWS_SET}
  FLOWS=$FLOWS_SET
  NPKTS=65536   # gen_pcap.py's UP_PKTS: the same source at every scale
  size=1024
  while [ "$size" -lt "$FLOWS" ]; do size=$((size * 2)); done
  TABLE_SIZES="{\"sessions_uplink\": $size, \"terminations_uplink\": $size, \"sessions_downlink\": $size, \"sessions_downlink6\": $size}"
fi
TABLE_SIZES_JSON=${TABLE_SIZES:+ \"table_sizes\": $TABLE_SIZES,}${BURST:+ \"burst\": $BURST,}${IDLE_SLEEP:+ \"idle_sleep_max_us\": $IDLE_SLEEP,}
case $PIPELINE in "{"*) PIPELINE_JSON=$PIPELINE ;; *) PIPELINE_JSON="\"$PIPELINE\"" ;; esac

if [ "$INPUT_ONLY" -eq 0 ]; then
  # like the README's other commands: install what is missing, build what is stale
  if [ -z "${BENCH_NO_BUILD:-}" ]; then
    bash "$root/scripts/deps.sh" >&2 || die "installing dependencies failed (scripts/deps.sh)"
    [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >&2 || die "meson setup $BUILD failed"
    ninja -C "$BUILD" >&2 || die "building in $BUILD failed"
  fi
  [ -x "$SXDP" ] || die "$SXDP missing (BENCH_NO_BUILD is set: build it first)"
  [ "$CEILING" -eq 0 ] || [ -x "$TESTPMD" ] || die "dpdk-testpmd missing (apt-get install dpdk)"
fi

# ------------------------------------------------------------------- input
mkdir -p "$CACHE" || die "cannot create $CACHE"
key=$(sha1sum <"$root/bench/gen_pcap.py" | cut -c1-12)
sz=$( [ "$SIZE" = 64 ] || echo "-$SIZE" )
PCAP=$CACHE/$SCENARIO-$FLOWS$sz-$key.pcap
ENTRIES=$CACHE/$SCENARIO-$FLOWS$sz-$key.entries.json
OVS_FLOWS=$CACHE/$SCENARIO-$FLOWS$sz-$key.ovs-flows
OVS_ARGS=()
[ "$OVS" -eq 0 ] || OVS_ARGS=(--ovs-flows "$OVS_FLOWS")
if [ ! -s "$PCAP" ] || [ ! -s "$ENTRIES" ] || { [ "$OVS" -eq 1 ] && [ ! -s "$OVS_FLOWS" ]; }; then
  log "generating $PCAP"
  "$PY" "$root/bench/gen_pcap.py" "$SCENARIO" --flows "$FLOWS" --size "$SIZE" --pcap "$PCAP" --entries "$ENTRIES" \
    "${OVS_ARGS[@]}" || die "gen_pcap.py failed"
else
  log "using cached $PCAP"
fi
if [ "$INPUT_ONLY" -eq 1 ]; then
  # for bench/compare-ovs.sh: the pcap, then the OpenFlow flows file (or -)
  echo "$PCAP"
  if [ "$OVS" -eq 1 ]; then echo "$OVS_FLOWS"; else echo -; fi
  echo "$DESC"
  exit 0
fi

# ----------------------------------------------------------------- workers
# --workers N: how p0's traffic reaches them (see the header): its RX queues'
# pcaps (P0_PCAPS) and its options for the N-worker run (P0_SPREAD_OPTS)
case $P0_OPTS in *'"n3"'*) : "${SPREAD:=soft}" ;; *) : "${SPREAD:=rss}" ;; esac
P0_PCAPS=("$PCAP") P0_SPREAD_OPTS=""
if [ "$WORKERS" -gt 1 ] && [ "$SPREAD" = soft ]; then
  P0_SPREAD_OPTS='"soft_rss": true,'
elif [ "$WORKERS" -gt 1 ]; then
  P0_PCAPS=()
  for q in $(seq 0 $((WORKERS - 1))); do P0_PCAPS+=("${PCAP%.pcap}.$SPREAD.q${q}of$WORKERS.pcap"); done
  if [ ! -s "${P0_PCAPS[-1]}" ]; then
    counts=$("$PY" -c 'import sys, os; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib
print(" ".join(map(str, benchlib.rss_split(sys.argv[2], sys.argv[3:], sys.argv[1] == "gtpu"))))' \
      "$SPREAD" "$PCAP" "${P0_PCAPS[@]}") ||
      die "splitting $PCAP over $WORKERS queues failed"
    log "RSS-like split of $PCAP over $WORKERS RX queues: $counts frames"
  fi
  for f in "${P0_PCAPS[@]}"; do
    # net_pcap's infinite_rx on an empty file drains the mempool (DPDK 22.11)
    [ "$(stat -c %s "$f")" -gt 24 ] || die "RSS on the outer headers leaves RX queue ${f##*.q} of p0 empty: try --spread soft"
  done
fi
NPKTS=${NPKTS:-$FLOWS}
# infinite_rx keeps every pcap packet in an mbuf: the pool must hold them all.
# (+ descriptors and bursts in flight), rounded to 2^n - 1 as rte_mempool likes.
MBUFS=1
while [ "$MBUFS" -lt $((NPKTS + 16384)) ]; do MBUFS=$((MBUFS * 2)); done
MBUFS=$((MBUFS - 1))
# past that, just what it takes (a million packets would round to two)
[ "$MBUFS" -le 262143 ] || MBUFS=$((NPKTS + 65536))

# --------------------------------------------------------------- hugepages
MEM_NOTE=""
hugepages() {
  # the pool (about 2.3 KB an mbuf) and 1 GB for the rest
  local hp=/sys/kernel/mm/hugepages/hugepages-2048kB want=$((MBUFS * 2304 / 2097152 + 512)) free
  [ "$want" -ge 1024 ] || want=1024
  [ "$(id -u)" -eq 0 ] || { MEM_NOTE="not root"; return 1; }
  [ -d "$hp" ] || { MEM_NOTE="no 2 MB hugepage support"; return 1; }
  free=$(cat "$hp/free_hugepages")
  if [ "$free" -lt "$want" ]; then
    echo $(( $(cat "$hp/nr_hugepages") + want - free )) >"$hp/nr_hugepages" 2>/dev/null
    free=$(cat "$hp/free_hugepages")
  fi
  [ "$free" -ge 512 ] || { MEM_NOTE="only $free free 2 MB hugepages could be reserved"; return 1; }
  if ! mountpoint -q /dev/hugepages 2>/dev/null && ! grep -q ' hugetlbfs ' /proc/mounts; then
    if ! { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; }; then
      MEM_NOTE="cannot mount hugetlbfs"; return 1
    fi
  fi
  return 0
}
if hugepages; then
  EAL_MEM=(--huge-unlink)
  log "memory: 2 MB hugepages ($(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages) free)"
else
  EAL_MEM=(--no-huge -m 2048)
  MEM_NOTE="hugepages unavailable ($MEM_NOTE): ran with --no-huge"
  log "memory: $MEM_NOTE"
fi

WORK=$(mktemp -d /tmp/sxdp-bench.XXXXXX)
PIDS=()
PREFIXES=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

json_list() { # bash args -> JSON list of strings
  "$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@"
}

# -------------------------------------------------------------------- sxdp
# run_sxdp N [WORKERS] -> writes $WORK/sxdp-N.json with the measurement
run_sxdp() {
  local n=$1 nw=${2:-1} prefix="sxbench$$_$1" sock="$WORK/sxdp-$1.sock" cfg="$WORK/sxdp-$1.cfg.json" pid rc
  local ncpu lcores=1 devargs="net_pcap0" p0opts=$P0_OPTS f nq=1 i
  PREFIXES+=("$prefix")
  # worker i: lcore i+1 on CPU (i+1) mod CPUs (the first as with one worker)
  ncpu=$(nproc)
  for ((i = 1; i < nw; i++)); do lcores+=", {\"lcore\": $((i + 1)), \"cpu\": $(((i + 1) % ncpu))}"; done
  if [ "$nw" -gt 1 ]; then
    for f in "${P0_PCAPS[@]}"; do devargs+=",rx_pcap=$f"; done
    # a TX queue per worker (net_pcap gives one per RX queue unless told)
    for ((i = 0; i < nw; i++)); do devargs+=",tx_pcap=/dev/null"; done
    nq=${#P0_PCAPS[@]} p0opts+=$P0_SPREAD_OPTS
  else
    devargs+=",rx_pcap=$PCAP"
  fi
  cat >"$cfg" <<EOF
{
  "eal": $(json_list "${EAL_MEM[@]}" --no-pci --file-prefix "$prefix"),
  "lcores": {"main": 0, "workers": [$lcores]},
  "socket": "$sock",
  "mbufs": $MBUFS,
  "pipeline": $PIPELINE_JSON,$TABLE_SIZES_JSON
  "ports": [
    {"name": "p0", $p0opts "devargs": "$devargs,infinite_rx=1", "admin": "down", "rx_queues": $nq},
    {"name": "p1", $P1_OPTS "devargs": "net_null0,no-rx=1", "rx_queues": 1}
  ]
}
EOF
  "$SXDP" --config "$cfg" >"$WORK/sxdp-$n.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  "$PY" - "$sock" "$ENTRIES" "$WARMUP" "$WINDOW" "$pid" "$CHECK_TABLES" "$TX_LEN" "$CHECK_PATHS" "$CHECK_EVENTS" \
    "$( [ "$nw" -gt 1 ] && echo "$SPREAD" || echo none)" "$TX_PER_RX" >"$WORK/sxdp-$n.json" <<'PYEOF'
import sys, os; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib
import json, os, re, socket, sys, time
sock_path, entries_path, warmup, window, pid = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
check_tables = [t.rstrip("~") for t in sys.argv[6].split(",")]
may_default = {t.rstrip("~") for t in sys.argv[6].split(",") if t.endswith("~")}
tx_len, check_paths = int(sys.argv[7]), sys.argv[8] == "1"
check_events = [e for e in sys.argv[9].split(",") if e]
spread = sys.argv[10]
tx_per_rx = float(sys.argv[11])   # frames out a frame in: 2 duplicated, 1.25 a FEC block of 4

def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)

deadline = time.monotonic() + 60
while not os.path.exists(sock_path):
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("sxdp exited during start-up")
    if time.monotonic() > deadline:
        sys.exit("sxdp socket did not appear")
    time.sleep(0.1)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
s.settimeout(120)
buf = b""
ids = iter(range(1, 1 << 30))

def rpc(method, params=None):
    global buf
    rid = next(ids)
    req = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        req["params"] = params
    s.sendall(json.dumps(req).encode() + b"\n")
    while b"\n" not in buf:
        c = s.recv(1 << 20)
        if not c:
            sys.exit("sxdp closed the socket during " + method)
        buf += c
    line, buf = buf.split(b"\n", 1)
    r = json.loads(line)
    if "error" in r:
        sys.exit("%s: %s" % (method, json.dumps(r["error"])))
    return r["result"]

rpc("sys.hello")
updates = json.load(open(entries_path))
# a scenario's control calls (ESP SAs) go after its table entries
calls = [u for u in updates if "rpc" in u]
updates = [u for u in updates if "rpc" not in u]
t0 = time.monotonic()
for i in range(0, len(updates), 4096):
    r = rpc("table.write", {"atomicity": "rollback", "updates": updates[i:i + 4096]})
    if not r.get("committed"):
        bad = [x for x in r.get("results", [])
               if not x.get("ok") and x["error"].get("data", {}).get("reason") != "not_applied"]
        sys.exit("table.write batch %d not committed: %s" % (i // 4096, json.dumps(bad[:1] or r)[:500]))
log("programmed %d table entries in %.2f s (batches of 4096)" % (len(updates), time.monotonic() - t0))
for c in calls:
    rpc(c["rpc"], c["params"])
if calls:
    log("made %d control calls (%s)" % (len(calls), ", ".join(sorted({c["rpc"] for c in calls}))))
if os.environ.get("BENCH_FLOWEXP"):
    r = rpc("table.write", {"atomicity": "rollback", "updates": [
        {"type": "insert", "table": "flowexp_collectors", "match": {"id": 0}, "action": "ipv4",
         "params": {"ip": "127.0.0.1", "port": 9}},
        {"type": "insert", "table": "flowexp_config", "match": {"id": 0}, "action": "export",
         "params": {"sampling": int(os.environ["BENCH_FLOWEXP"]), "active_s": 60, "idle_s": 15,
                    "template_s": 60, "domain": 1}}]})
    if not r.get("committed"):
        sys.exit("flowexp config not committed: %s" % json.dumps(r)[:500])
    log("flow export on, 1 in %s packets" % os.environ["BENCH_FLOWEXP"])
rpc("port.set", {"port": "p0", "admin": "up"})
time.sleep(warmup)

def sample():
    st = rpc("stats.get")
    st["graph"] = {g["node"]: g for g in rpc("graph.stats")["nodes"]}
    if check_paths:
        st["paths"] = {p["id"]: p for p in rpc("overlay.paths")}
    return time.monotonic(), st

def worker(st):
    w = [l for l in st["lcores"] if l["role"] == "worker"]
    return {k: sum(x[k] for x in w) for k in ("rx_packets", "tx_packets", "drop_packets", "punt_packets",
                                              "busy_cycles", "idle_cycles", "pipeline_cycles")}

def port(st, name, key):
    return next(p for p in st["ports"] if p["name"] == name)[key]

def threads():
    return benchlib.thread_cpu(pid)

ca = threads()
ta, a = sample()
time.sleep(window)
tb, b = sample()
cb = threads()
cpu = {t: ((cb[t][1] - ca[t][1]) / (tb - ta), cb[t][0]) for t in cb if t in ca}
# DPDK names a worker lcore's thread rte-worker-<lcore> (lcore-worker-<lcore>
# before 22.11.5); the main lcore's is the process's own
def worker_lcore(name):
    m = re.match(r"(?:rte|lcore)-worker-(\d+)$", name)
    return int(m.group(1)) if m else None

wthreads = {worker_lcore(name): (sh, name) for sh, name in cpu.values() if worker_lcore(name) is not None}
share = min(wthreads.values()) if wthreads else max(cpu.values())
wa, wb = worker(a), worker(b)
d = {k: wb[k] - wa[k] for k in wa}
secs = tb - ta
pk = d["rx_packets"]
tbl = {t: (b["tables"][t]["hits"] - a["tables"][t]["hits"], b["tables"][t]["misses"] - a["tables"][t]["misses"])
       for t in check_tables}
hits = tbl[check_tables[0]][0]
misses = sum(m for t, (_, m) in tbl.items() if t not in may_default)
p0_rx = port(b, "p0", "rx_packets") - port(a, "p0", "rx_packets")
p1_tx = port(b, "p1", "tx_packets") - port(a, "p1", "tx_packets")
p1_txdrop = port(b, "p1", "tx_dropped") - port(a, "p1", "tx_dropped")
p1_txbytes = port(b, "p1", "tx_bytes") - port(a, "p1", "tx_bytes")
res = {
    "window_s": secs,
    "packets": pk,
    "mpps": pk / secs / 1e6,
    "cycles_total": (d["busy_cycles"] + d["idle_cycles"]) / pk if pk else 0,
    "cycles_pipeline": d["pipeline_cycles"] / pk if pk else 0,
    "flow_hits": hits,
    "flow_misses": misses,
    "tables": {t: {"hits": h, "misses": m} for t, (h, m) in tbl.items()},
    "p0_rx": p0_rx,
    "p1_tx": p1_tx,
    "p1_tx_dropped": p1_txdrop,
    "p1_tx_bytes": p1_txbytes,
    "punt_packets": d["punt_packets"],
    "tx_packets": d["tx_packets"],
    "drop_packets": d["drop_packets"],
    "drops": {k: v for k, v in (b.get("drops") or {}).items() if v},
    "tsc_hz": b.get("tsc_hz"),
    "worker_cpu_share": share[0],
    "worker_thread": share[1],
    # the main lcore's thread (it sleeps in poll() between control calls) and
    # the other non-worker threads (EAL interrupts, multi-process, telemetry)
    "main_cpu": cpu.get(str(pid), (0, ""))[0],
    "other_cpu": sum(sh for t, (sh, name) in cpu.items() if t != str(pid) and worker_lcore(name) is None),
    "mempool": b.get("mempool"),
    # each node's cycles over the window, per packet the worker received
    # (sampled on one walk in cycles_sampled_every, so a few % of noise)
    "stages": {g: (b["graph"][g]["cycles"] - a["graph"][g]["cycles"]) / pk if pk else 0
               for g in b["graph"] if b["graph"][g]["packets"] != a["graph"][g]["packets"]},
}
problems = []
if pk == 0:
    problems.append("no packets in the window")
# Every lookup of every checked table must hit: no miss at all in the
# window, and hits == packets (each packet looks each table up once). The
# per-lcore, per-port and per-table counters are summed at slightly different
# instants of one stats.get, so they may lead or lag each other by what the
# worker forwards in that skew: < 0.1 % with one worker; with two on a
# shared 2-CPU box, where one hands the other most of what it reads, the
# reader's RX count and the other's table counts were read up to ~5 ms
# apart (0.11 % at 6.5 Mpps): 0.5 %.
slack = max(64, pk // 200)
for t, (h, m) in tbl.items():
    if t in may_default:
        if abs(h + m - pk) > slack:
            problems.append("%s lookups %d (hits %d + misses %d) != packets %d" % (t, h + m, h, m, pk))
        continue
    if m != 0:
        problems.append("%d %s table misses in the window: not every packet hit an entry" % (m, t))
    if abs(h - pk) > slack:
        problems.append("%s hits %d != packets %d: not every packet hit one entry" % (t, h, pk))
if tx_len and p1_tx and p1_txbytes != tx_len * p1_tx:
    problems.append("p1 sent %d bytes in %d frames: not all of %d bytes" % (p1_txbytes, p1_tx, tx_len))
if check_paths:
    per = {i: b["paths"][i]["packets"] - a["paths"].get(i, {"packets": 0})["packets"] for i in b["paths"]}
    res["paths"] = per
    if any(v <= 0 for v in per.values()) or not per:
        problems.append("overlay paths that carried nothing: %s" % per)
    if abs(sum(per.values()) - pk * tx_per_rx) > slack * tx_per_rx:
        problems.append("overlay paths carried %d packets, the worker received %d" % (sum(per.values()), pk))
res["events"] = {}
for ev in check_events:
    ev, _, never = ev.partition("=")
    v = (b.get("events") or {}).get(ev, 0) - (a.get("events") or {}).get(ev, 0)
    res["events"][ev] = v
    if abs(v - (0 if never else pk)) > slack:
        problems.append("event %s counted %d times for %d packets" % (ev, v, pk))
if d["drop_packets"] > 64:
    problems.append("%d drops in the window: %s" % (d["drop_packets"], res["drops"]))
if d["punt_packets"] > 0:
    problems.append("%d packets punted to the slow path in the window" % d["punt_packets"])
# the sink sent what the source received: nothing lost on the way. The port
# counters are the PMD's, read by the main lcore a moment apart from the
# worker's; on a shared 2-CPU box that moment stretched to 5 ms (86,080
# packets at 15.5 Mpps, 0.11 %), so these get 1 %: a real loss is also
# in the drops, punts and p1's tx_dropped checked above and below.
port_slack = max(64, pk // 100)
if abs(p1_tx - p0_rx * tx_per_rx) > port_slack * tx_per_rx or abs(p0_rx - pk) > port_slack:
    problems.append("port counters: p0 rx %d, p1 tx %d, worker rx %d: output != input" % (p0_rx, p1_tx, pk))
if p1_txdrop > 0:
    problems.append("p1 tx_dropped %d in the window" % p1_txdrop)
# each worker: what it read, handed to another (soft_rss) or took from one,
# and carried to the end (read - handed off + handed in), its cycles and CPU
per = []
for la in a["lcores"]:
    if la["role"] != "worker":
        continue
    lb = next(l for l in b["lcores"] if l["lcore"] == la["lcore"])
    x = {k: lb[k] - la[k] for k in ("rx_packets", "handoff_packets", "handin_packets", "busy_cycles",
                                    "idle_cycles", "pipeline_cycles")}
    car = x["rx_packets"] - x["handoff_packets"] + x["handin_packets"]
    per.append({"lcore": la["lcore"], "rx": x["rx_packets"], "handoff": x["handoff_packets"],
                "handin": x["handin_packets"], "carried": car, "mpps": car / secs / 1e6,
                "cycles": (x["busy_cycles"] + x["idle_cycles"]) / car if car else 0,
                "cycles_pipeline": x["pipeline_cycles"] / car if car else 0,
                "cpu": wthreads.get(la["lcore"], (0, ""))[0], "buckets": lb.get("rss_buckets", 0)})
res["workers"] = per
res["reta_moved"] = b["events"].get("core.reta_moved", 0) - a["events"].get("core.reta_moved", 0)
if len(per) > 1:
    if any(w["carried"] <= slack for w in per):
        problems.append("a worker carried (almost) nothing: %s" % [(w["lcore"], w["carried"]) for w in per])
    if spread == "soft":
        # p0's one queue is read by one worker; every packet another worker
        # carried came from it by the flow (TEID) hash: a TEID's packets all
        # go to the one worker its bucket names (dp_reta.h)
        readers = [w for w in per if w["rx"] > slack]
        if len(readers) != 1 or abs(readers[0]["handoff"] - sum(w["handin"] for w in per)) > slack or \
           any(w["handin"] != w["carried"] for w in per if w is not readers[0]):
            problems.append("soft_rss: not one reader whose handoff is every other worker's packets: %s"
                            % [(w["lcore"], w["rx"], w["handoff"], w["handin"]) for w in per])
res["problems"] = problems
print(json.dumps(res))
PYEOF
  rc=$?
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
  fi
  wait "$pid"
  local xrc=$?
  rm -rf "/var/run/dpdk/$prefix"
  if [ $rc -ne 0 ]; then
    log "sxdp run $n failed; its log:"
    tail -20 "$WORK/sxdp-$n.log" >&2
    return 1
  fi
  [ $xrc -eq 0 ] || log "warning: sxdp exited with $xrc after SIGTERM ($(grep -E 'leak|ERR' "$WORK/sxdp-$n.log" | tail -1))"
  return 0
}

# ----------------------------------------------------------------- testpmd
# run_testpmd N -> writes $WORK/testpmd-N.json. testpmd runs interactive
# (its commands from a FIFO): start, the warm-up, `clear fwd stats all`, the
# window, `show fwd stats all`. Its rate = the io engine's RX packets over
# the window's time; its cycles/pkt = its own count (--record-core-cycles:
# the TSC cycles of the engine's calls that received a burst, DPDK 22.11)
# over the same window; the busiest thread's CPU share over the window (its
# forwarding thread: below 95 % someone else ran there).
run_testpmd() {
  local n=$1 prefix="sxbenchtp$$_$1" out="$WORK/testpmd-$1.log" fifo="$WORK/testpmd-$1.in" pid rc
  PREFIXES+=("$prefix")
  mkfifo "$fifo" || return 1
  "$TESTPMD" -l 0,1 --main-lcore 0 "${EAL_MEM[@]}" --no-pci --file-prefix "$prefix" \
    --vdev "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" --vdev "net_null0,no-rx=1" \
    -- -i --forward-mode=io --nb-cores=1 --total-num-mbufs="$MBUFS" --record-core-cycles \
    >"$out" 2>&1 <"$fifo" &
  pid=$!
  PIDS+=("$pid")
  "$PY" - "$fifo" "$out" "$WARMUP" "$WINDOW" "$pid" >"$WORK/testpmd-$n.json" <<'PYEOF'
import sys, os; sys.path.insert(0, os.environ["BENCH_DIR"]); import benchlib
import json, re, time
fifo, out, warm, win, pid = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
cmds = open(fifo, "w")   # testpmd's stdin: at our exit it reads EOF and quits

def cmd(c):
    cmds.write(c + "\n")
    cmds.flush()

def text():
    return open(out, errors="replace").read()

def wait_for(s, n, what):
    deadline = time.monotonic() + 120
    while text().count(s) < n:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("testpmd exited " + what)
        if time.monotonic() > deadline:
            sys.exit("testpmd: nothing " + what)
        time.sleep(0.05)

wait_for("testpmd> ", 1, "during start-up")
cmd("start")
time.sleep(warm)
ca = benchlib.thread_cpu(pid)
cmd("clear fwd stats all")
t0 = time.monotonic()
time.sleep(win)
cmd("show fwd stats all")
t1 = time.monotonic()
cb = benchlib.thread_cpu(pid)
cmd("stop")
cmd("quit")
# its stdout (a file) is flushed when it exits: the first forward
# statistics in it are the window's (`show`), then `stop`'s
wait_for("Bye...", 1, "at quit")
tag = "Accumulated forward statistics for all ports"
if tag not in text():
    sys.exit("testpmd printed no forward statistics")
sect = text().split(tag, 2)[1]
# "RX-packets: N ... CPU cycles/packet=X (total cycles=C / total io packets=P) at M MHz Clock"
rx = re.search(r"RX-packets:\s+(\d+)", sect)
cyc = re.search(r"CPU cycles/packet=([0-9.]+) \(total cycles=(\d+) / total \S+ packets=(\d+)\) at (\d+) MHz", sect)
if not rx or not cyc:
    sys.exit("testpmd's fwd stats: no RX-packets or CPU cycles/packet")
secs = t1 - t0
res = {"window_s": secs, "packets": int(rx.group(1)), "mpps": int(rx.group(1)) / secs / 1e6,
       "burst_cycles": float(cyc.group(1)), "busy_cycles": int(cyc.group(2)), "tsc_mhz": int(cyc.group(4))}
res["cpu_share"], res["thread"] = max(((cb[t][1] - ca[t][1]) / secs, cb[t][0]) for t in cb if t in ca)
print(json.dumps(res))
PYEOF
  rc=$?
  # it quits on `quit` or at EOF; a stuck one is stopped
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -INT "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "/var/run/dpdk/$prefix"
  return $rc
}

# ------------------------------------------------------------------- runs
# The machine may be shared: name other processes busy on the CPUs (another
# DPDK poller on lcore 1 halves what we measure).
busy_others() {
  ps -eo pid=,pcpu=,comm= --sort=-pcpu | awk -v me=$$ '$2 >= 40 && $1 != me {printf "%s(pid %s, %s%%) ", $3, $1, $2}'
}
# report MEDIAN|N JSON...: the result lines of one run (its sxdp and testpmd
# measurements) or the medians of several (one JSON per run: {"sxdp":
# ..., "testpmd": ... or null}). Line 1 keeps the shape other scripts
# parse (SCENARIO: X Mpps, Y cycles/pkt total, Z cycles/pkt in pipeline
# (ceiling testpmd io: W Mpps...)); line 2 is the graph's nodes.
report() {
  "$PY" - "$SCENARIO" "$PCAP" "$@" <<'PYEOF'
import json, statistics, struct, sys
scen, pcap, which, runs = sys.argv[1], sys.argv[2], sys.argv[3], [json.load(open(f)) for f in sys.argv[4:]]

def frame_sizes(path):
    """The pcap's frames' lengths with the FCS: (mean, the distinct ones)."""
    n = tot = 0
    seen = set()
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            incl = struct.unpack("<IIII", h)[2]
            f.seek(incl, 1)
            n, tot = n + 1, tot + incl + 4
            seen.add(incl + 4)
    return (tot / n if n else 0), sorted(seen)

def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None

def floor_of(run):
    """(testpmd io Mpps, its cycles/pkt: the floor, TSC Hz / its rate, its
    forwarding thread's CPU share) or Nones"""
    t, r = run.get("testpmd"), run["sxdp"]
    if not t:
        return None, None, None, None
    hz = r.get("tsc_hz") or (t.get("tsc_mhz", 0) * 1e6)
    by_rate = hz / (t["mpps"] * 1e6) if hz and t["mpps"] else None
    # its own per-burst count when it printed one, else TSC/rate (the core
    # busy-polls the whole window)
    return t["mpps"], t.get("burst_cycles", by_rate), by_rate, t.get("cpu_share")

rows = []
for run in runs:
    r = run["sxdp"]
    tp_mpps, flo, by_rate, tp_share = floor_of(run)
    rows.append({"mpps": r["mpps"], "total": r["cycles_total"], "pipe": r["cycles_pipeline"],
                 "tp_mpps": tp_mpps, "floor": flo, "above": r["cycles_total"] - flo if flo else None,
                 "by_rate": by_rate, "tp_share": tp_share,
                 "stages": r["stages"]})
m = {k: med([x[k] for x in rows]) for k in ("mpps", "total", "pipe", "tp_mpps", "floor", "above", "by_rate", "tp_share")}
nodes = []
for x in rows:
    nodes += [g for g in x["stages"] if g not in nodes]
m["stages"] = {g: med([x["stages"].get(g) for x in rows]) for g in nodes}
head = "" if which == "1" else "median of %s runs: " % which
if m["tp_mpps"] is None:
    ceil = "ceiling testpmd io: not measured"
else:
    ceil = "ceiling testpmd io: %.1f Mpps; I/O floor %.1f cycles/pkt, sxdp %.1f above it" % (
        m["tp_mpps"], m["floor"], m["above"])
print("%s%s: %.1f Mpps, %.1f cycles/pkt total, %.1f cycles/pkt in pipeline (%s)"
      % (head, scen, m["mpps"], m["total"], m["pipe"], ceil))
# rx is the RX driver and the parser, port_out the TX driver: the I/O the
# floor stands for (with the parse); every other node is above the floor
io = [g for g in ("rx", "port_out") if g in m["stages"]]
feat = [g for g in m["stages"] if g not in io]
io_sum = sum(m["stages"][g] for g in io)
feat_sum = sum(m["stages"][g] for g in feat)
parts = ["%s %.1f" % (g, m["stages"][g]) for g in feat]
parts += ["%s %.1f [I/O%s]" % (g, m["stages"][g], " + parse" if g == "rx" else "") for g in io]
s = "%s%s cycles/pkt by node: %s" % (head, scen, ", ".join(parts))
rest = m["total"] - io_sum - feat_sum   # the graph walk, and the nodes' sampling noise
if m["floor"] is not None:
    # what sxdp spends above the floor, by where: total - floor = the
    # feature nodes + the I/O nodes beyond the floor + outside any node
    s += "; above the I/O floor %.1f: feature nodes %.1f + I/O nodes over the floor %.1f + outside the nodes %.1f" % (
        m["above"], feat_sum, io_sum - m["floor"], m["above"] - feat_sum - (io_sum - m["floor"]))
else:
    s += "; feature nodes %.1f, I/O nodes %.1f, outside the nodes %.1f" % (feat_sum, io_sum, rest)
print(s)
# what a box is sized by: bits a second into the one worker (each frame
# with its FCS, no preamble or gap: the frames as the source holds them)
mean, seen = frame_sizes(pcap)
print("%s%s throughput: %.2f Gbit/s per core (%.1f Mpps of frames %s B, mean %.1f B with the FCS)"
      % (head, scen, m["mpps"] * mean * 8 / 1000, m["mpps"], "/".join(map(str, seen)), mean))
if m["floor"] is not None:
    # the floor's two readings: testpmd's own count of its busy cycles,
    # and TSC / its rate (the same when its core polls only full bursts)
    print("%sI/O floor: testpmd io (1 core, same source, sink and window) %.1f Mpps, %.1f cycles/pkt by its own "
          "per-burst count (--record-core-cycles), %s by TSC/rate; its forwarding thread ran %s of the window"
          % (head, m["tp_mpps"], m["floor"], "%.1f" % m["by_rate"] if m["by_rate"] else "?",
             "%.0f%%" % (100 * m["tp_share"]) if m["tp_share"] is not None else "?"))
PYEOF
}

# details JSON -> the run's details on stderr; its notes and failed checks
# on stdout
details() {
  "$PY" - "$1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("bench: sxdp window %.2f s: %d packets, p0 rx %d -> p1 tx %d, %s, tx %d, drops %d %s, punts %d, tsc %s Hz, mempool %s"
      % (r["window_s"], r["packets"], r["p0_rx"], r["p1_tx"],
         ", ".join("%s hits %d misses %d" % (t, v["hits"], v["misses"]) for t, v in r["tables"].items()),
         r["tx_packets"], r["drop_packets"], r["drops"] or "", r["punt_packets"], r["tsc_hz"], r["mempool"]),
      file=sys.stderr)
if r.get("paths"):
    print("bench: sxdp packets per overlay path: " + ", ".join("%s: %d" % kv for kv in sorted(r["paths"].items())),
          file=sys.stderr)
if r.get("events"):
    print("bench: sxdp events: " + ", ".join("%s %d" % kv for kv in r["events"].items()), file=sys.stderr)
print("bench: sxdp cycles/pkt by graph node: " +
      ", ".join("%s %.1f" % (g, c) for g, c in r["stages"].items()), file=sys.stderr)
print("bench: sxdp worker thread %s ran %.0f%% of the window" % (r["worker_thread"], 100 * r["worker_cpu_share"]),
      file=sys.stderr)
if r["worker_cpu_share"] < 0.95:
    print("note: the worker thread (%s) ran only %.0f%% of the window: another process shared its CPU, "
          "the numbers are low" % (r["worker_thread"], 100 * r["worker_cpu_share"]))
for p in r["problems"]:
    print("CHECK FAILED: " + p)
PYEOF
}

# workers_report 1-WORKER-JSON N-WORKER-JSON N -> N workers against one
workers_report() {
  "$PY" - "$1" "$2" "$3" "$SCENARIO" "$SPREAD" "$(nproc)" <<'PYEOF'
import json, sys
one, many = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
nw, scen, spread, ncpu = int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
print("%s: %d workers %.1f Mpps against 1 worker %.1f Mpps in the same run: %.2fx (%s), "
      "%.1f cycles/pkt total over the %d workers"
      % (scen, nw, many["mpps"], one["mpps"], many["mpps"] / one["mpps"] if one["mpps"] else 0,
         "p0 one RX queue, soft_rss by TEID" if spread == "soft" else
         "p0 %d RX queues, RSS-like split%s" % (nw, " with the TEID (GTP-U RSS)" if spread == "gtpu" else ""),
         many["cycles_total"], nw))
for i, w in enumerate(many["workers"]):
    c = w["lcore"] % ncpu
    print("  worker %d (lcore %d, CPU %d%s): %.1f Mpps carried, read %d, handed off %d, handed in %d, "
          "%.1f cycles/pkt (%.1f in pipeline), its thread ran %.0f%% of the window%s"
          % (i, w["lcore"], c, ", with the main lcore" if c == 0 else "", w["mpps"], w["rx"], w["handoff"],
             w["handin"], w["cycles"], w["cycles_pipeline"], 100 * w["cpu"],
             ", %d of 256 flow buckets" % w["buckets"] if spread == "soft" else ""))
print("  main lcore (CPU 0): %.2f%% of a CPU over the window (idle: control socket poll), other sxdp threads %.2f%%; "
      "1-worker run: %.2f%%" % (100 * many["main_cpu"], 100 * many["other_cpu"], 100 * one["main_cpu"]))
if spread == "soft":
    print("  each TEID on one worker: the workers other than the reader carried only what it handed them "
          "(checked), by its bucket in the redirection table (dataplane/graph/dp_reta.h), one FIFO ring per "
          "pair of workers; the balancer moved %d buckets in the window (before it: the warm-up)"
          % many.get("reta_moved", 0))
PYEOF
}

wresults=()
for r in $(seq 1 "$RUNS"); do
  others=$(busy_others)
  log "run $r/$RUNS: sxdp ($SCENARIO, 1 worker), warm-up ${WARMUP}s, window ${WINDOW}s"
  run_sxdp "$r" 1 || die "sxdp measurement failed"
  if [ "$WORKERS" -gt 1 ]; then
    log "run $r/$RUNS: sxdp ($SCENARIO, $WORKERS workers, --spread $SPREAD), same input"
    run_sxdp "$r-w$WORKERS" "$WORKERS" || die "sxdp measurement ($WORKERS workers) failed"
  fi
  tp=null
  if [ "$CEILING" -eq 1 ]; then
    log "run $r/$RUNS: dpdk-testpmd io (the ceiling in Mpps, the I/O floor in cycles/pkt), same source/sink/window"
    run_testpmd "$r" || die "testpmd measurement failed: $(tail -5 "$WORK/testpmd-$r.log")"
    tp=$(cat "$WORK/testpmd-$r.json")
  fi
  printf '{"sxdp": %s, "testpmd": %s}\n' "$(cat "$WORK/sxdp-$r.json")" "$tp" >"$WORK/run-$r.json"
  line=$(details "$WORK/sxdp-$r.json")
  report 1 "$WORK/run-$r.json"
  [ -z "$line" ] || echo "$line"
  tp_share=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1]))["testpmd"] or {}; print(t.get("cpu_share", 1))' \
    "$WORK/run-$r.json")
  if "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) >= 0.95)' "$tp_share"; then
    echo "note: testpmd's forwarding thread ran only $("$PY" -c 'import sys; print("%.0f%%" % (100 * float(sys.argv[1])))' "$tp_share") of the window: another process shared its CPU, the floor is high"
  fi
  echo "source: net_pcap infinite_rx (virtual), sink: net_null; $DESC, 1 worker"
  failed=$(grep '^CHECK FAILED' <<<"$line")
  if [ "$WORKERS" -gt 1 ]; then
    wline=$(details "$WORK/sxdp-$r-w$WORKERS.json" | sed 's/^/('"$WORKERS"' workers) /')
    wsum=$(workers_report "$WORK/sxdp-$r.json" "$WORK/sxdp-$r-w$WORKERS.json" "$WORKERS")
    echo "$wsum"
    [ -z "$wline" ] || echo "$wline"
    failed+=$(grep 'CHECK FAILED' <<<"$wline")
    wresults+=("$(head -1 <<<"$wsum")")
  fi
  [ -z "$MEM_NOTE" ] || echo "note: $MEM_NOTE"
  [ -z "$others" ] || echo "note: busy processes before this run (shared machine, numbers may be low): $others"
  if [ -n "$failed" ]; then
    die "run $r: a consistency check failed"
  fi
done

if [ "$RUNS" -gt 1 ]; then
  report "$RUNS" "$WORK"/run-*.json
  if [ "$WORKERS" -gt 1 ]; then
    printf '%s\n' "${wresults[@]}" | "$PY" -c '
import re, statistics, sys
rows = [re.search(r"workers (\d+\.\d+) Mpps against 1 worker (\d+\.\d+) Mpps.*: (\d+\.\d+)x", l).groups()
        for l in sys.stdin if l.strip()]
m = [statistics.median(map(float, c)) for c in zip(*rows)]
print("median of %d runs: %s: %s workers %.1f Mpps, 1 worker %.1f Mpps, ratio %.2fx"
      % (len(rows), sys.argv[1], sys.argv[2], m[0], m[1], m[2]))' "$SCENARIO" "$WORKERS"
  fi
fi
