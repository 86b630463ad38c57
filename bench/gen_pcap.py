#!/usr/bin/python3
"""Traffic and table entries for a bench scenario.

    gen_pcap.py SCENARIO --pcap OUT.pcap --entries OUT.json [--flows N] [--size 64|N|imix] [--ovs-flows OUT.txt]
    gen_pcap.py SCENARIO [--flows N] --ovs-flows OUT.txt --ovs-variant VARIANT

Writes the scenario's input pcap (what net_pcap,infinite_rx=1 replays) and
the table writes that make every packet of it hit exactly one entry, as a
JSON list of table.write updates. The bench topology is fixed: port p0 is
the pcap source, p1 the net_null sink. --ovs-flows also writes the
equivalent OpenFlow flows for OVS (ovs-ofctl add-flows format; ports named
"pcap" and "null"), for bench/compare-ovs.sh; --ovs-variant picks which of
the scenario's OVS set-ups it writes (default: the first listed below).
--pcap and --entries may be left out to write only OVS input.

A scenario is one generator function registered in SCENARIOS: it returns
(frames, updates, ovs), ovs a dict variant -> lines (first = default) or
None. Frames are raw Ethernet frames without FCS; a
"64-byte" packet is a 60-byte frame here (+4 FCS on a wire). Standard
library only (fast enough for 64k packets; no scapy needed).

--size N writes the scenario's frames at N bytes (with the FCS; the
frame a generator builds and, for a tunnel scenario, the inner one: the
outer headers are added to it, as the _1400 scenarios do); --size imix the
simple IMIX, 7:4:1 of 64, 576 and 1,400 B frames, frame i of the flow
order taking the size of place i mod 12 (1,400 rather than 1,518 B so that
an encapsulated largest frame still fits a 1,500 B MTU). The table entries
are the 64 B ones (a generator's entries do not depend on the size: checked).

Scenarios:
  forward  pipeline forward: 65536 IPv4/UDP 5-tuples, one exact `flow`
           entry each -> p1.
           OVS variants: single (in_port=pcap,actions=output:null: one
           rule), exact (one OpenFlow flow per 5-tuple: in_port, ip,
           nw_src, nw_dst, nw_proto, tp_src, tp_dst -> output:null).
  l3       pipeline switch, routed: every packet is addressed to the router
           MAC (fdb (bd 1, router MAC) -> route), its destination is one of
           64 hosts in one of 1024 /24 prefixes of vrf 1 (65536 distinct
           destinations), each prefix `via` one of 4 next hops whose static
           `neigh` entries rewrite to p1. The source MAC has a static fdb
           entry on p0, so MAC learning is off the measured path.
  l3_routed  the same packets, routes and next hops with p0 a routed port
           (interfaces `routed`): no source or destination fdb lookup, the
           destination MAC checked against p0's own (the router MAC).
  l2       pipeline switch, bridged: 65536 distinct destination MACs, one
           static fdb `forward` entry each -> p1; 256 source MACs (packet i
           uses source i % 256) with static fdb entries on p0, so the
           ingress learning lookup hits and learns nothing.
           OVS variants: flows (one priority=100,in_port=pcap,dl_dst=MAC
           flow per destination MAC -> output:null), fdb (not flows: one
           `PORT MAC` line per MAC-table entry of a NORMAL bridge, for
           `ovs-appctl fdb/add BRIDGE PORT 0 MAC`: the 65536 destinations on
           null, then the 256 sources on pcap).
"""

import argparse
import os
import json
import random
import socket
import struct
import sys

SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def ipv4_udp(src, dst, sport, dport, frame_len=60, ttl=64, ident=0, dmac=DST_MAC, smac=SRC_MAC, vlan=0):
    """Ethernet (802.1Q-tagged when vlan) + IPv4 + UDP frame of frame_len
    bytes, checksums filled."""
    l2 = dmac + smac + (struct.pack("!HH", 0x8100, vlan) if vlan else b"") + b"\x08\x00"
    payload_len = frame_len - len(l2) - 20 - 8
    if payload_len < 0:
        raise ValueError("frame_len %d too small for Ethernet+IPv4+UDP" % frame_len)
    payload = bytes((i * 7) & 0xff for i in range(payload_len))
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + payload_len
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp0 = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    uc = csum(pseudo + udp0) or 0xffff
    udp = struct.pack("!HHHH", sport, dport, ulen, uc) + payload
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident, 0x4000, ttl, 17, 0, s, d)
    ip = ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:]
    return l2 + ip + udp


def gen_forward(n_flows=65536, frame_len=60, seed=1):
    """n_flows distinct IPv4/UDP 5-tuples, one 60-byte packet each, in a
    shuffled order; one exact `flow` entry per 5-tuple: output to the sink."""
    flows = []
    for i in range(n_flows):
        src = "10.%d.%d.%d" % (i >> 14 & 0xff, i >> 6 & 0xff, (i & 0x3f) + 1)
        j = (i * 37) & 0xffff
        dst = "172.%d.%d.%d" % (16 + (j >> 14), j >> 6 & 0xff, (j & 0x3f) + 1)
        sport = 32768 + (i * 7919) % 16384
        dport = 49152 + (i % 4096)
        flows.append((src, dst, sport, dport))
    if len(set(flows)) != n_flows:
        raise AssertionError("flows are not distinct")
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = [ipv4_udp(*flows[i], frame_len=frame_len, ident=i & 0xffff) for i in order]
    updates = [{"type": "insert", "table": "flow",
                "match": {"in_port": "p0", "ipv4_src": f[0], "ipv4_dst": f[1], "ip_proto": 17,
                          "l4_sport": f[2], "l4_dport": f[3]},
                "action": "output", "params": {"port": "p1"}} for f in flows]
    exact = ["in_port=pcap,ip,nw_src=%s,nw_dst=%s,nw_proto=17,tp_src=%d,tp_dst=%d,actions=output:null" % f
             for f in flows]
    return frames, updates, {"single": ["in_port=pcap,actions=output:null"], "exact": exact}


def upd(table, match, action, params=None):
    return {"type": "insert", "table": table, "match": match, "action": action, "params": params or {}}


ROUTER_MAC = bytes.fromhex("025e00000001")
N_ROUTES = 1024
N_NEXTHOPS = 4


def gen_l3(n_flows=65536, frame_len=60, seed=1):
    """Routed: n_flows packets to n_flows distinct destinations spread evenly
    over N_ROUTES /24 prefixes (10.P.Q.0/24), each prefix via one of
    N_NEXTHOPS next hops (192.0.2.1..) with static neigh entries to p1."""
    if n_flows % N_ROUTES or n_flows // N_ROUTES > 254:
        raise ValueError("l3 wants a multiple of %d flows, at most %d" % (N_ROUTES, N_ROUTES * 254))
    updates = [
        upd("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 1}),
        upd("interfaces", {"in_port": "p1", "vlan": 0}, "attach", {"slice": 1, "bd": 2}),
        # the router MAC routes; the (single) source MAC is known: no learning
        upd("fdb", {"bd": 1, "mac": mac_str(ROUTER_MAC)}, "route"),
        upd("fdb", {"bd": 1, "mac": mac_str(SRC_MAC)}, "forward", {"port": "p0"}),
        upd("svi", {"vrf": 1, "bd": 1}, "svi", {"mac": mac_str(ROUTER_MAC), "ip": "10.255.0.1", "plen": 24}),
        upd("routes", {"vrf": 1, "dst": "10.255.0.1/32"}, "local"),
        upd("routes", {"vrf": 1, "dst": "10.255.0.0/24"}, "connected", {"bd": 1}),
    ]
    nhs = ["192.0.2.%d" % (k + 1) for k in range(N_NEXTHOPS)]
    for k, nh in enumerate(nhs):
        updates.append(upd("neigh", {"vrf": 1, "ip": nh}, "rewrite",
                           {"port": "p1", "vlan": 0, "dmac": "02:00:00:00:02:%02x" % (k + 1),
                            "smac": mac_str(ROUTER_MAC)}))
    for r in range(N_ROUTES):
        updates.append(upd("routes", {"vrf": 1, "dst": "10.%d.%d.0/24" % (r >> 8, r & 0xff)}, "via",
                           {"nh": nhs[(r * 7) % N_NEXTHOPS]}))
    flows = []
    for i in range(n_flows):
        r, h = i % N_ROUTES, i // N_ROUTES
        dst = "10.%d.%d.%d" % (r >> 8, r & 0xff, h + 1)
        src = "172.16.%d.%d" % (i >> 8 & 0xff, (i & 0xff) or 1)
        flows.append((src, dst, 32768 + (i * 7919) % 16384, 49152 + (i % 4096)))
    if len({f[1] for f in flows}) != n_flows:
        raise AssertionError("destinations are not distinct")
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = [ipv4_udp(*flows[i], frame_len=frame_len, ident=i & 0xffff, dmac=ROUTER_MAC) for i in order]
    return frames, updates, None


def gen_l3_routed(n_flows=65536, frame_len=60, seed=1):
    """gen_l3's packets, routes and next hops with p0 a routed port: its
    interfaces entry `routed` (no learning, no fdb), its MAC the router MAC
    (run.sh gives p0 that MAC), its address the SVI of its own link (bd 1,
    flooding to p0 alone)."""
    frames, updates, ovs = gen_l3(n_flows=n_flows, frame_len=frame_len, seed=seed)
    out = []
    for u in updates:
        if u["table"] == "fdb" and u["match"]["bd"] == 1:
            continue   # never looked up for a routed port
        if u["table"] == "interfaces" and u["match"]["in_port"] == "p0":
            u = upd("interfaces", u["match"], "routed", u["params"])
            out += [upd("bd_ports", {"bd": 1, "port": "p0"}, "member", {"vlan": 0}),
                    upd("flood", {"bd": 1}, "flood", {"ports": 1})]
        out.append(u)
    return frames, out, ovs


NAT_HOSTS = 254
NAT_POOL = ("203.0.113.0", "203.0.113.15")


def gen_nat44(n_flows=65536, frame_len=60, seed=1):
    """NAT44 at a slice's edge (pipelines/edge): p0 a routed port of the
    inside slice (VRF 1, its MAC the router MAC), whose default route is
    the edge into the outside VRF 2 with a pool of 16 addresses (blocks of
    512 ports, 8 a host); n_flows UDP flows of NAT_HOSTS inside hosts
    (172.16.0.1..254, ~258 source ports each: one block) to gen_l3's
    destinations, routed in VRF 2 over its 1024 /24 routes via 4 next hops
    on p1. Each flow is a connection and a mapping, made in the warm-up and
    hit ever after (nat44_new: the same flows through a table of a quarter
    of them, so every packet is a new connection that evicts the oldest
    embryonic one and its mapping: new connections a second)."""
    frames, updates, _ = gen_l3_routed(n_flows=n_flows, frame_len=frame_len, seed=seed)
    out = []
    for u in updates:
        # the next hops and routes to the destinations are the outside's (VRF 2), p1 its routed port
        if u["table"] in ("neigh", "routes") and u["action"] in ("rewrite", "via"):
            u = upd(u["table"], dict(u["match"], vrf=2), u["action"], u["params"])
        elif u["table"] == "interfaces" and u["match"]["in_port"] == "p1":
            u = upd("interfaces", u["match"], "routed", {"slice": 2, "bd": 2})
            out += [upd("bd_ports", {"bd": 2, "port": "p1"}, "member", {"vlan": 0}),
                    upd("flood", {"bd": 2}, "flood", {"ports": 2})]
        out.append(u)
    out += [upd("routes", {"vrf": 1, "dst": "0.0.0.0/0"}, "edge"),
            upd("routes", {"vrf": 2, "dst": "203.0.113.0/28"}, "edge"),
            upd("edge_pools", {"id": 1}, "pool", {"first": NAT_POOL[0], "last": NAT_POOL[1], "port_lo": 1024,
                                                "port_hi": 65535, "block": 512, "blocks": 8}),
            upd("edge_slices", {"vrf": 1}, "edge", {"outside": 2, "pool": 1}),
            upd("edge_return", {"vrf": 2, "dst": "203.0.113.0/28"}, "inside", {"vrf": 1, "pool": 1})]
    # the same destinations, from NAT_HOSTS hosts, each of its flows its own source port
    flows = []
    for i in range(n_flows):
        r, h = i % N_ROUTES, i // N_ROUTES
        flows.append(("172.16.0.%d" % (i % NAT_HOSTS + 1), "10.%d.%d.%d" % (r >> 8, r & 0xff, h + 1),
                      1024 + i // NAT_HOSTS, 49152 + (i % 4096)))
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = [ipv4_udp(*flows[i], frame_len=frame_len, ident=i & 0xffff, dmac=ROUTER_MAC) for i in order]
    # OVS-DPDK's conntrack NAT on the same flows (compare-ovs.sh nat44): one
    # rule, no routing (the rewrite one neighbour's): the connection
    # committed and source-NATed into the same pool and ports
    ovs = {"ct-nat": ["table=0,priority=100,ip,in_port=pcap,actions=ct(commit,zone=1,nat(src=%s-%s:1024-65535)),"
                      "mod_dl_src:%s,mod_dl_dst:02:00:00:00:02:01,dec_ttl,output:null"
                      % (NAT_POOL[0], NAT_POOL[1], mac_str(ROUTER_MAC))]}
    return frames, out, ovs


FW_RULES = 1000


def gen_fw44(n_flows=65536, frame_len=60, seed=1):
    """gen_nat44's flows through the slice's edge without NAT (the outside
    routes the inside hosts' prefix back in) and with a stateful firewall:
    FW_RULES deny rules out (a /32 destination and a port each, none of
    which the flows match) before the out default allow. A flow's first
    packet asks the rules (rte_acl) in the warm-up; its connection passes
    every later one without them."""
    frames, updates, _ = gen_nat44(n_flows=n_flows, frame_len=frame_len, seed=seed)
    out = [u for u in updates if u["table"] not in ("edge_pools", "edge_slices", "edge_return") and
           not (u["table"] == "routes" and u["match"]["dst"] == "203.0.113.0/28")]
    out += [upd("edge_slices", {"vrf": 1}, "edge", {"outside": 2, "pool": 0}),
            upd("edge_return", {"vrf": 2, "dst": "172.16.0.0/24"}, "inside", {"vrf": 1, "pool": 0}),
            upd("routes", {"vrf": 2, "dst": "172.16.0.0/24"}, "edge"),
            upd("fw_policy", {"vrf": 1, "dir": 0}, "allow"), upd("fw_policy", {"vrf": 1, "dir": 1}, "deny")]
    for r in range(1, FW_RULES + 1):
        e = upd("fw_rules", {"vrf": 1, "dir": 0, "proto": {"value": 17, "mask": 255},
                             "dst": {"value": "198.18.%d.%d" % (r >> 8, r & 0xff), "mask": "255.255.255.255"},
                             "dport": 1000 + r}, "deny", {"rule": r})
        e["priority"] = 65536 - r
        out.append(e)
    return frames, out, None


N_VRFS = 1024
N_VRF_ROUTES = 1000


def gen_l3_vrfs(n_flows=65536, frame_len=60, seed=1):
    """Routed in N_VRFS VRFs of N_VRF_ROUTES /24 routes each: the packet's
    802.1Q VLAN (1..N_VRFS) on p0 picks its slice, VRF and bridge domain;
    each VRF has its router MAC route, N_NEXTHOPS next hops (static neigh
    to p1, out on VLAN v: each slice has its own wire) and the same prefixes 10.P.Q.0/24 as every other VRF.
    n_flows distinct (VRF, destination) pairs spread over every VRF and
    route."""
    updates = []
    nhs = ["192.0.2.%d" % (k + 1) for k in range(N_NEXTHOPS)]
    for v in range(1, N_VRFS + 1):
        # a slice egresses on its own wire: VLAN v on p1 too
        updates += [
            upd("interfaces", {"in_port": "p0", "vlan": v}, "attach", {"slice": v, "bd": v}),
            upd("interfaces", {"in_port": "p1", "vlan": v}, "attach", {"slice": v, "bd": N_VRFS + v}),
            upd("fdb", {"bd": v, "mac": mac_str(ROUTER_MAC)}, "route"),
            upd("fdb", {"bd": v, "mac": mac_str(SRC_MAC)}, "forward", {"port": "p0"}),
        ]
        for k, nh in enumerate(nhs):
            updates.append(upd("neigh", {"vrf": v, "ip": nh}, "rewrite",
                               {"port": "p1", "vlan": v, "dmac": "02:00:00:00:02:%02x" % (k + 1),
                                "smac": mac_str(ROUTER_MAC)}))
        for r in range(N_VRF_ROUTES):
            updates.append(upd("routes", {"vrf": v, "dst": "10.%d.%d.0/24" % (r >> 8, r & 0xff)}, "via",
                               {"nh": nhs[(r * 7 + v) % N_NEXTHOPS]}))
    rng = random.Random(seed)
    frames = []
    for i in range(n_flows):
        v = 1 + i % N_VRFS
        r = (i // N_VRFS * 7 + i) % N_VRF_ROUTES
        dst = "10.%d.%d.%d" % (r >> 8, r & 0xff, 1 + (i // N_VRFS) % 254)
        src = "172.16.%d.%d" % (i >> 8 & 0xff, (i & 0xff) or 1)
        frames.append(ipv4_udp(src, dst, 32768 + (i * 7919) % 16384, 49152 + (i % 4096),
                               frame_len=frame_len, ident=i & 0xffff, dmac=ROUTER_MAC, vlan=v))
    rng.shuffle(frames)
    return frames, updates, None


N_L2_SOURCES = 256


def gen_l2(n_flows=65536, frame_len=60, seed=1):
    """Bridged: n_flows distinct destination MACs 02:dd:XX:XX:XX:XX in bd 1,
    static fdb forward entries to p1; N_L2_SOURCES static source MACs on p0."""
    dsts = [bytes.fromhex("02dd") + struct.pack("!I", (i * 2654435761) & 0xffffffff) for i in range(n_flows)]
    if len(set(dsts)) != n_flows:
        raise AssertionError("destination MACs are not distinct")
    srcs = [bytes.fromhex("025a000000") + bytes([k]) for k in range(N_L2_SOURCES)]
    updates = [
        upd("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 1}),
        upd("interfaces", {"in_port": "p1", "vlan": 0}, "attach", {"slice": 1, "bd": 1}),
        upd("bd_ports", {"bd": 1, "port": "p0"}, "member", {"vlan": 0}),
        upd("bd_ports", {"bd": 1, "port": "p1"}, "member", {"vlan": 0}),
        upd("flood", {"bd": 1}, "flood", {"ports": 3}),
    ]
    updates += [upd("fdb", {"bd": 1, "mac": mac_str(m)}, "forward", {"port": "p0"}) for m in srcs]
    updates += [upd("fdb", {"bd": 1, "mac": mac_str(m)}, "forward", {"port": "p1"}) for m in dsts]
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = []
    for i in order:
        src = "172.16.%d.%d" % (i >> 8 & 0xff, (i & 0xff) or 1)
        dst = "172.17.%d.%d" % (i >> 8 & 0xff, (i & 0xff) or 1)
        frames.append(ipv4_udp(src, dst, 32768 + (i * 7919) % 16384, 49152 + (i % 4096), frame_len=frame_len,
                               ident=i & 0xffff, dmac=dsts[i], smac=srcs[i % N_L2_SOURCES]))
    ovs = {"flows": ["priority=100,in_port=pcap,dl_dst=%s,actions=output:null" % mac_str(m) for m in dsts],
           "fdb": ["null %s" % mac_str(m) for m in dsts] + ["pcap %s" % mac_str(m) for m in srcs]}
    return frames, updates, ovs


# ---------------------------------------------------------------------- sched
SCHED_SLICES, SCHED_PIPES = 8, 64


def gen_sched(n_flows=65536, frame_len=60, seed=1):
    """Egress scheduling: 8 slices (VLAN v on p0 -> slice v, bridge domain
    v, out on p1 VLAN v), each a subport of p1's rte_sched (10 Gbit/s,
    1.2 Gbit/s reserved per slice) with 64 pipes: 63 VDN classes (vdns:
    slice v, to 10.v.k.0/24 -> pipe k) at 1/64 of the slice each and the
    slice's default pipe 0. n_flows flows spread evenly over the 8 x 64
    pipes; best-effort traffic class (DSCP 0)."""
    updates = [upd("sched_ports", {"port": "p1"}, "sched",
                   {"rate_bps": 10 ** 10, "subports": 16, "pipes": SCHED_PIPES, "qsize": 256})]
    slice_bps = 1200 * 10 ** 6
    for v in range(1, SCHED_SLICES + 1):
        dmac = bytes.fromhex("02dd000000") + bytes([v])
        updates += [
            upd("interfaces", {"in_port": "p0", "vlan": v}, "attach", {"slice": v, "bd": v}),
            upd("bd_ports", {"bd": v, "port": "p1"}, "member", {"vlan": v}),
            upd("fdb", {"bd": v, "mac": mac_str(SRC_MAC)}, "forward", {"port": "p0"}),
            upd("fdb", {"bd": v, "mac": mac_str(dmac)}, "forward", {"port": "p1"}),
            upd("sched_subports", {"port": "p1", "slice": v}, "subport", {"subport": v, "rate_bps": slice_bps}),
        ]
        for k in range(1, SCHED_PIPES):
            updates.append(upd("sched_pipes", {"port": "p1", "slice": v, "pipe": k}, "pipe",
                               {"rate_bps": slice_bps // SCHED_PIPES}))
            u = upd("vdns", {"slice": v, "src": {"value": "0.0.0.0", "mask": "0.0.0.0"},
                             "dst": {"value": "10.%d.%d.0" % (v, k), "mask": "255.255.255.0"},
                             "proto": {"value": 0, "mask": 0}, "sport": {"min": 0, "max": 65535},
                             "dport": {"min": 0, "max": 65535}, "dscp": {"value": 0, "mask": 0}},
                    "vdn", {"pipe": k})
            u["priority"] = 1
            updates.append(u)
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = []
    for i in order:
        v, k, h = 1 + i % SCHED_SLICES, (i // SCHED_SLICES) % SCHED_PIPES, i // (SCHED_SLICES * SCHED_PIPES)
        dmac = bytes.fromhex("02dd000000") + bytes([v])
        frames.append(ipv4_udp("172.16.%d.%d" % (i >> 8 & 0xff, (i & 0xff) or 1), "10.%d.%d.%d" % (v, k, h + 1),
                               32768 + (i * 7919) % 16384, 49152 + (i % 4096), frame_len=frame_len,
                               ident=i & 0xffff, dmac=dmac, vlan=v))
    return frames, updates, None


# ------------------------------------------------------------------- overlay
# Site 1 (this box) joins slice 1 (bridge domain 10, VNI 5000) to sites 2
# and 3, one tunnel each; each peer site has two WAN endpoints, so each
# tunnel has two static paths from the one local VTEP on p1. Underlay
# addresses are from the benchmarking range (RFC 2544, 198.18.0.0/15).
VX_VTEP, VX_GW = "198.18.0.10", "198.18.0.1"
VX_WAN_MAC, VX_GW_MAC = bytes.fromhex("02000000ff01"), bytes.fromhex("02000000fffe")
VX_UNDERLAY, VX_SLICE, VX_BD, VX_VNI = 100, 1, 10, 5000
VX_SITES = (2, 3)
VX_TUN = {2: 2, 3: 3}                   # site -> tunnel id
VX_ENDPOINTS = {2: ("198.19.2.1", "198.19.2.2"), 3: ("198.19.3.1", "198.19.3.2")}
VX_PATHS = {2: (1, 2), 3: (3, 4)}       # site -> path ids (one per endpoint)
VX_REMOTES = 32                         # remote hosts per site
VX_VIDEO = 4                            # of which video servers (10.S.200.x)
VX_LOCALS = 256                         # local hosts (p0 side)
VX_OUTER = 50                           # Ethernet + IPv4 + UDP + VXLAN
PIPELINE_OVERLAY = {"lan": "switch", "wan": "overlay"}


def vx_remote(site, h):
    """(MAC, IPv4) of remote host h of a site; the last VX_VIDEO are video
    servers in 10.S.200.0/24."""
    ip = "10.%d.200.%d" % (site, h + 1) if h >= VX_REMOTES - VX_VIDEO else "10.%d.0.%d" % (site, h + 1)
    return bytes([0x02, 0x5e, site, 0, 0, h]), ip


def vx_local(k):
    return bytes.fromhex("025a000000") + bytes([k]), "10.1.%d.%d" % (k >> 6, (k & 0x3f) + 1)


# (traffic class, inner DSCP, UDP destination port of flow i) by i % 16: a
# quarter voice (RTP, EF), SIP, video, bulk (CS1), half everything else
def vx_kind(i):
    c = i % 16
    if c < 4:
        return "voice", 46, 16384 + 2 * ((i * 7) % 8192)
    if c == 4:
        return "sip", 24, 5060
    if c < 7:
        return "video", 34, 5004
    if c == 7:
        return "bulk", 8, 9000
    return "other", 0, 443


def vx_classes():
    """A few classes entries on the inner packet: voice (RTP ports with EF,
    and SIP) is class 1, video (to 10.x.200.0/24) class 2, bulk (CS1) class
    3; the rest matches none: class 0."""
    def cls(prio, match, c):
        u = upd("classes", dict({"slice": VX_SLICE}, **match), "class", {"class": c})
        u["priority"] = prio
        return u
    return [
        cls(40, {"proto": {"value": 17, "mask": 255}, "dport": {"min": 16384, "max": 32767},
                 "dscp": {"value": 46, "mask": 63}}, 1),
        cls(30, {"proto": {"value": 17, "mask": 255}, "dport": {"min": 5060, "max": 5061}}, 1),
        cls(20, {"dst": {"value": "10.0.200.0", "mask": "255.0.255.0"}}, 2),
        cls(10, {"dscp": {"value": 8, "mask": 63}}, 3),
    ]


def vx_common(lan, wan):
    """The slice, its bridge domain on the LAN port, the underlay next hop
    (static neighbour on the WAN port), the VTEP, the VNI, the peers, the
    paths and the tunnels; the remote hosts' MACs behind their site's
    tunnel (static fdb `tunnel`), the local hosts' MACs on the LAN port."""
    ups = [
        upd("interfaces", {"in_port": lan, "vlan": 0}, "attach", {"slice": VX_SLICE, "bd": VX_BD}),
        upd("bd_ports", {"bd": VX_BD, "port": lan}, "member", {"vlan": 0}),
        upd("flood", {"bd": VX_BD}, "flood", {"ports": 1 << int(lan[1:])}),
        upd("neigh", {"vrf": VX_UNDERLAY, "ip": VX_GW}, "rewrite",
            {"port": wan, "vlan": 0, "dmac": mac_str(VX_GW_MAC), "smac": mac_str(VX_WAN_MAC)}),
        upd("vteps", {"ip": VX_VTEP}, "vtep"),
        upd("vnis", {"vni": VX_VNI}, "l2", {"slice": VX_SLICE, "bd": VX_BD}),
    ]
    for s in VX_SITES:
        for ep, pid in zip(VX_ENDPOINTS[s], VX_PATHS[s]):
            ups.append(upd("peers", {"slice": VX_SLICE, "ip": ep}, "peer", {"tunnel": VX_TUN[s]}))
            ups.append(upd("paths", {"id": pid}, "static",
                           {"src": VX_VTEP, "dst": ep, "vrf": VX_UNDERLAY, "mtu": 0, "gw": VX_GW}))
        ups.append(upd("tunnels", {"id": VX_TUN[s]}, "vxlan",
                       {"slice": VX_SLICE, "vni": VX_VNI, "path": VX_PATHS[s][0], "ttl": 64, "dscp": 64,
                        "csum": 0}))
        ups += [upd("fdb", {"bd": VX_BD, "mac": mac_str(vx_remote(s, h)[0])}, "tunnel", {"tunnel": VX_TUN[s]})
                for h in range(VX_REMOTES)]
    ups += [upd("fdb", {"bd": VX_BD, "mac": mac_str(vx_local(k)[0])}, "forward", {"port": lan})
            for k in range(VX_LOCALS)]
    return ups


def vx_flows(n_flows):
    """n_flows distinct inner flows between a local host (i % VX_LOCALS) and
    a remote one of site 2 or 3, of the kinds vx_kind spreads; returns
    (local k, site, remote h, sport, dscp, dport) per flow."""
    flows = []
    for i in range(n_flows):
        kind, dscp, dport = vx_kind(i)
        k = i % VX_LOCALS
        site = VX_SITES[(i >> 4) & 1]
        r = (i * 2654435761 >> 7) % (VX_REMOTES - VX_VIDEO)
        if kind == "video":
            r = VX_REMOTES - VX_VIDEO + r % VX_VIDEO
        flows.append((k, site, r, 1024 + (i // VX_LOCALS) % 64512, dscp, dport))
    if len({(f[0], f[3], f[1], f[2], f[5]) for f in flows}) != n_flows:
        raise AssertionError("flows are not distinct")
    return flows


def ipv4_dscp(frame, dscp):
    """frame (Ethernet + IPv4 at 14) with its DSCP set and the IPv4 checksum
    redone (UDP's does not cover the TOS)."""
    ip = bytearray(frame[14:34])
    ip[1] = dscp << 2
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return frame[:14] + bytes(ip) + frame[34:]


def vx_inner(f, n, to_remote, frame_len=60):
    k, site, r, sport, dscp, dport = f
    lmac, lip = vx_local(k)
    rmac, rip = vx_remote(site, r)
    if to_remote:
        fr = ipv4_udp(lip, rip, sport, dport, frame_len=frame_len, ident=n & 0xffff, dmac=rmac, smac=lmac)
    else:
        fr = ipv4_udp(rip, lip, dport, sport, frame_len=frame_len, ident=n & 0xffff, dmac=lmac, smac=rmac)
    return ipv4_dscp(fr, dscp)


def vx_policies():
    """Per tunnel: class 0 balanced 1:1 over its two paths, voice (1) on the
    first while it is up, video (2) on the second, bulk (3) balanced 1:3."""
    ups = []
    for s in VX_SITES:
        a, b = VX_PATHS[s]
        t = VX_TUN[s]
        ups += [
            upd("policies", {"tunnel": t, "class": 0}, "balance",
                {"p0": a, "p1": b, "p2": 0, "p3": 0, "w0": 1, "w1": 1, "w2": 0, "w3": 0}),
            upd("policies", {"tunnel": t, "class": 1}, "failover", {"p0": a, "p1": b, "p2": 0, "p3": 0}),
            upd("policies", {"tunnel": t, "class": 2}, "failover", {"p0": b, "p1": a, "p2": 0, "p3": 0}),
            upd("policies", {"tunnel": t, "class": 3}, "balance",
                {"p0": a, "p1": b, "p2": 0, "p3": 0, "w0": 1, "w1": 3, "w2": 0, "w3": 0}),
        ]
    return ups


def vx_ovs(direction, src_bridge, sink_bridge):
    """The OVS userspace-tunnel set-up of bench/compare-ovs.sh (one line per
    item, see its header): variant flows (explicit OpenFlow rules) and
    normal (NORMAL bridges with static MAC-table entries)."""
    common = ["local %s/24 %s" % (VX_VTEP, mac_str(VX_WAN_MAC)),
              "route 198.19.0.0/16 %s" % VX_GW,
              "arp %s %s" % (VX_GW, mac_str(VX_GW_MAC)),
              "source %s" % src_bridge, "sink %s" % sink_bridge]
    tuns = {}
    for s in VX_SITES:
        for ep, x in zip(VX_ENDPOINTS[s], "ab"):
            tuns["vx%d%s" % (s, x)] = ep
            common.append("tunnel vx%d%s %s %d" % (s, x, ep, VX_VNI))
    flows, normal = list(common), list(common) + ["flow int actions=NORMAL", "flow phy actions=NORMAL"]
    if direction == "encap":
        # the frame size the sink must see, the datapath passes per packet
        flows.append("expect %d 1" % (60 + VX_OUTER))
        normal.append("expect %d 1" % (60 + VX_OUTER))
        for s in VX_SITES:
            for h in range(VX_REMOTES):
                m = mac_str(vx_remote(s, h)[0])
                flows.append("flow int priority=100,in_port=pcap,dl_dst=%s,actions=output:vx%da" % (m, s))
                normal.append("fdb int vx%da %s" % (s, m))
        flows.append("flow phy priority=100,in_port=LOCAL,actions=output:null")
        normal += ["fdb int pcap %s" % mac_str(vx_local(k)[0]) for k in range(VX_LOCALS)]
        normal.append("fdb phy null %s" % mac_str(VX_GW_MAC))
    else:
        flows.append("expect 60 2")
        normal.append("expect 60 2")
        flows.append("flow phy priority=100,in_port=pcap,actions=output:LOCAL")
        for k in range(VX_LOCALS):
            m = mac_str(vx_local(k)[0])
            flows += ["flow int priority=100,in_port=%s,dl_dst=%s,actions=output:null" % (t, m) for t in tuns]
            normal.append("fdb int null %s" % m)
        normal += ["fdb int vx%da %s" % (s, mac_str(vx_remote(s, h)[0]))
                   for s in VX_SITES for h in range(VX_REMOTES)]
        normal.append("fdb phy LOCAL %s" % mac_str(VX_WAN_MAC))
    return {"flows": flows, "normal": normal}


def gen_vxlan_encap(n_flows=65536, frame_len=60, seed=1):
    """LAN frames from p0 into bridge domain 10 to remote MACs behind the
    tunnels (static fdb `tunnel`): classes, policies, paths, VXLAN encap,
    static underlay neighbour on p1 -> sink."""
    flows = vx_flows(n_flows)
    updates = vx_common("p0", "p1") + vx_classes() + vx_policies()
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = [vx_inner(flows[i], i, True, frame_len) for i in order]
    return frames, updates, vx_ovs("encap", "int", "phy")


def with_repair(copies=0, fec=0):
    """vxlan_encap with every policy repairing its class: copies (each
    frame on both of its tunnel's paths) or a FEC parity every fec frames."""
    def gen(n_flows=65536, frame_len=60, seed=1):
        frames, updates, _ = gen_vxlan_encap(n_flows, frame_len, seed)
        for u in updates:
            if u["table"] == "policies":
                u["params"].update({"copies": copies} if copies else {"fec": fec})
        return frames, updates, None
    return gen


NDPI_DNS = 5    # nDPI 4.2's id of DNS (sxctl app list)


def gen_vxlan_encap_app(n_flows=65536, seed=1):
    """vxlan_encap's flows as DNS queries (UDP to 53, 61 B frames): every
    flow named DNS by nDPI once, then its class from app_classes (DNS ->
    class 3, balanced 1:3 over the tunnel's two paths) on every packet."""
    frames, updates, _ = gen_vxlan_encap(n_flows, 60, seed)
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x01a\x00" + struct.pack("!HH", 1, 1)
    out = []
    for f in frames:
        eth, ip = f[:14], bytearray(f[14:34])
        sport = struct.unpack("!H", f[34:36])[0]
        ulen = 8 + len(dns)
        ip[2:4] = struct.pack("!H", 20 + ulen)
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        pseudo = bytes(ip[12:20]) + struct.pack("!BBH", 0, 17, ulen)
        udp0 = struct.pack("!HHHH", sport, 53, ulen, 0) + dns
        uc = csum(pseudo + udp0) or 0xffff
        out.append(eth + bytes(ip) + struct.pack("!HHHH", sport, 53, ulen, uc) + dns)
    updates.append(upd("app_classes", {"slice": VX_SLICE, "app": NDPI_DNS}, "class", {"class": 3}))
    return out, updates, None


def vxlan_outer(inner, src, sport, vni=VX_VNI):
    """inner in VXLAN from src to the VTEP: outer Ethernet (gateway -> the
    WAN port's MAC), IPv4 (DF, ID 0, TTL 64), UDP to 4789 (checksum 0)."""
    udp_len = 8 + 8 + len(inner)
    s, d = socket.inet_aton(src), socket.inet_aton(VX_VTEP)
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0, s, d)
    ip = ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:]
    return (VX_WAN_MAC + VX_GW_MAC + b"\x08\x00" + ip + struct.pack("!HHHH", sport, 4789, udp_len, 0) +
            struct.pack("!II", 0x08000000, vni << 8) + inner)


def vx_decap_frames(n_flows, frame_len, seed, outer=None, addr=lambda a: a):
    """vxlan_decap's datagrams: each flow's from one of its site's endpoints
    (addr: the endpoint as the underlay spells it), wrapped by outer."""
    flows = vx_flows(n_flows)
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = []
    for i in order:
        f = flows[i]
        h = (i * 40503) & 0xffff
        ep = addr(VX_ENDPOINTS[f[1]][h >> 15])
        frames.append((outer or vxlan_outer)(vx_inner(f, i, False, frame_len), ep, 49152 + (h & 0x3fff)))
    return frames


def gen_vxlan_decap(n_flows=65536, frame_len=60, seed=1):
    """VXLAN datagrams on p0 (WAN) to the local VTEP from the peer sites'
    endpoints (VNI 5000, the outer source port from the inner flow, the
    endpoint too, as the peer's own balance would): VTEP, VNI and peer
    checks, decap into bridge domain 10, the inner source known behind its
    tunnel (static fdb `tunnel`: no learning), the inner destination a
    static fdb `forward` to p1 -> sink."""
    return vx_decap_frames(n_flows, frame_len, seed), vx_common("p1", "p0"), vx_ovs("decap", "phy", "int")


# ------------------------------------------------------- IPv6 underlay
# The same overlay over an IPv6 underlay: the VTEP, the peers' endpoints
# and the next hop (link-local, a static neigh6) IPv6; outer IPv6 with the
# UDP checksum IPv6 requires (70 B of outer headers).
VX6_VTEP, VX6_GW = "2001:db8:18::10", "fe80::1"


def vx6_addr(ip4):
    """An IPv4 endpoint of vx_common's as the IPv6 one that stands for it."""
    return "2001:db8:%x:%x::%x" % tuple(int(x) for x in ip4.split(".")[1:])


def vx6(updates):
    """vx_common's entries over the IPv6 underlay."""
    out = []
    for u in updates:
        u = json.loads(json.dumps(u))
        if u["table"] == "vteps":
            u["match"]["ip"] = VX6_VTEP
        elif u["table"] == "peers":
            u["match"]["ip"] = vx6_addr(u["match"]["ip"])
        elif u["table"] == "paths":
            u["params"].update(src=VX6_VTEP, dst=vx6_addr(u["params"]["dst"]), gw=VX6_GW)
        elif u["table"] == "neigh":
            u["table"] = "neigh6"
            u["match"]["ip"] = VX6_GW
        out.append(u)
    return out


def gen_vxlan6_encap(n_flows=65536, frame_len=60, seed=1):
    """gen_vxlan_encap over the IPv6 underlay."""
    frames, updates, _ = gen_vxlan_encap(n_flows, frame_len, seed)
    return frames, vx6(updates), None


def vxlan6_outer(inner, src, sport, vni=VX_VNI):
    """inner in VXLAN from src to the IPv6 VTEP: outer Ethernet (gateway ->
    the WAN port's MAC), IPv6 (hop limit 64), UDP to 4789 with its checksum."""
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, VX6_VTEP)
    payload = struct.pack("!II", 0x08000000, vni << 8) + inner
    udp_len = 8 + len(payload)
    ck = csum(s + d + struct.pack("!IxxxB", udp_len, 17) + struct.pack("!HHHH", sport, 4789, udp_len, 0) +
              payload) or 0xffff
    return (VX_WAN_MAC + VX_GW_MAC + b"\x86\xdd" + struct.pack("!IHBB", 0x60000000, udp_len, 17, 64) + s + d +
            struct.pack("!HHHH", sport, 4789, udp_len, ck) + payload)


def gen_vxlan6_decap(n_flows=65536, frame_len=60, seed=1):
    """gen_vxlan_decap over the IPv6 underlay: the UDP checksum verified."""
    return vx_decap_frames(n_flows, frame_len, seed, vxlan6_outer, vx6_addr), vx6(vx_common("p1", "p0")), None


# ------------------------------------------------------------- ESP paths
# The same overlay with every path encrypted (ESP tunnel mode, AES-GCM-128,
# ESN): an outbound SA per path (encap), an inbound SA per peer endpoint
# (decap). The SAs are control calls, not table entries: {"rpc", "params"}
# items the runner makes after the table writes. Decap's SAs take no
# anti-replay window (no ESN: RFC 4303 3.4.3 lets a receiver choose so):
# the source replays its capture, so every number comes again.
ESP_KEY = bytes(range(0x20, 0x30)) + b"\x5a\x5a\x5a\x5a"   # benchmark key and salt, nothing secret
ESP_OVERHEAD = 20 + 8 + 8 + 2 + 16          # outer IPv4, ESP header, IV, trailer, ICV (+ padding to 4)


def rpc_item(method, params):
    return {"rpc": method, "params": params}


def esp_seal(inner_ip, src, dst, spi, seq, key=ESP_KEY):
    """The IPv4 ESP packet (tunnel mode, AES-GCM, no ESN) of inner_ip from
    src to dst: RFC 4303/4106 by hand with python3-cryptography."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    pad = (-(len(inner_ip) + 2)) % 4
    plain = inner_ip + bytes(range(1, pad + 1)) + bytes([pad, 4])
    iv = struct.pack("!Q", seq)
    head = struct.pack("!II", spi, seq)
    sealed = AESGCM(key[:16]).encrypt(key[16:] + iv, plain, head)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tot = 20 + 8 + 8 + len(sealed)
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, seq & 0xffff, 0x4000, 64, 50, 0, s, d)
    return ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:] + head + iv + sealed


def esp_spi(pid):
    return 0x10000 + pid


def gen_vxlan_encap_esp(n_flows=65536, frame_len=60, seed=1):
    """vxlan_encap with every path encrypted: the VXLAN datagram sealed into
    ESP to the path's endpoint."""
    frames, updates, _ = gen_vxlan_encap(n_flows, frame_len, seed)
    for s in VX_SITES:
        for ep, pid in zip(VX_ENDPOINTS[s], VX_PATHS[s]):
            updates.append(rpc_item("overlay.sa.add", {
                "id": pid, "dir": "out", "spi": esp_spi(pid), "key": ESP_KEY.hex(), "src": VX_VTEP,
                "dst": ep, "path": pid, "esn": True}))
    return frames, updates, None


ESP_FRAMES = 16384      # every frame its own ciphertext: a TRex stream each (at most 20,000)


def gen_vxlan_decap_esp(n_flows=65536, frame_len=60, seed=1):
    """vxlan_decap's datagrams (of at most ESP_FRAMES flows) each sealed
    into ESP by its endpoint (one inbound SA per endpoint): opened, then
    checked and decapsulated as in vxlan_decap."""
    frames, updates, _ = gen_vxlan_decap(min(n_flows, ESP_FRAMES), frame_len, seed)
    eps = {}
    sealed = []
    for f in frames:
        src = socket.inet_ntoa(f[26:30])
        n = eps.setdefault(src, [0])
        n[0] += 1
        pid = [p for s in VX_SITES for e, p in zip(VX_ENDPOINTS[s], VX_PATHS[s]) if e == src][0]
        sealed.append(f[:14] + esp_seal(f[14:], src, VX_VTEP, esp_spi(pid), n[0]))
    for s in VX_SITES:
        for ep, pid in zip(VX_ENDPOINTS[s], VX_PATHS[s]):
            updates.append(rpc_item("overlay.sa.add", {
                "id": pid, "dir": "in", "spi": esp_spi(pid), "key": ESP_KEY.hex(), "src": ep,
                "dst": VX_VTEP, "esn": False, "window": 0}))
    return sealed, updates, None


ESP_LANES = 8


def gen_vxlan_decap_esp_1tun(n_flows=65536, frame_len=60, seed=1):
    """One tunnel (one peer endpoint) sealed with ESP_LANES per-worker SAs
    (RFC 9611: the sender's worker picks the lane, here the flow): opened
    spread over the receiver's workers by SPI, each SA by one."""
    frames, updates, _ = gen_vxlan_decap(min(n_flows, ESP_FRAMES) * 4, frame_len, seed)
    ep = VX_ENDPOINTS[VX_SITES[0]][0]
    pid = VX_PATHS[VX_SITES[0]][0]
    sealed = []
    n = [0] * ESP_LANES
    for f in frames:
        if socket.inet_ntoa(f[26:30]) != ep:
            continue
        lane = len(sealed) % ESP_LANES
        n[lane] += 1
        sealed.append(f[:14] + esp_seal(f[14:], ep, VX_VTEP, 0x20000 + pid * 16 + lane, n[lane]))
        if len(sealed) == min(n_flows, ESP_FRAMES):
            break
    for lane in range(ESP_LANES):
        updates.append(rpc_item("overlay.sa.add", {
            "id": 1 + lane, "dir": "in", "spi": 0x20000 + pid * 16 + lane, "key": ESP_KEY.hex(), "src": ep,
            "dst": VX_VTEP, "esn": False, "window": 0}))
    return sealed, updates, None


def vx6_sas(updates):
    """vx6 of vxlan_encap's entries and its SAs: the SAs' ends the IPv6 ones."""
    tables = vx6([u for u in updates if "rpc" not in u])
    for u in updates:
        if "rpc" in u and u["rpc"] == "overlay.sa.add":
            u = json.loads(json.dumps(u))
            u["params"].update(src=VX6_VTEP, dst=vx6_addr(u["params"]["dst"]))
        if "rpc" in u:
            tables.append(u)
    return tables


def gen_vxlan6_encap_esp(n_flows=65536, frame_len=60, seed=1):
    """vxlan_encap_esp over the IPv6 underlay: ESP with an outer IPv6 header."""
    frames, updates, _ = gen_vxlan_encap_esp(n_flows, frame_len, seed)
    return frames, vx6_sas(updates), None


# ------------------------------------------------------------- WireGuard paths
# The same overlay with every path a WireGuard session (ChaCha20-Poly1305,
# ipsec-mb's, on the worker): an outbound session per path (encap), an
# inbound one per peer endpoint (decap), with the box's port set first.
# Decap's sessions take no anti-replay window (window 0: for benchmarks
# only; sxcd never asks for it): the source replays its capture.
WG_KEY = bytes(range(0x40, 0x60))           # benchmark key, nothing secret
WG_PORT = 51820


def wg_overhead(datagram_len):
    """What WireGuard adds to a datagram: outer IPv4, UDP, header, padding, tag."""
    return 20 + 8 + 16 + (-datagram_len % 16) + 16


def wg_seal(inner_ip, src, dst, idx, ctr, key=WG_KEY):
    """The IPv4 WireGuard data message (whitepaper 5.4.6) of inner_ip, by hand with python3-cryptography."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    plain = inner_ip + b"\0" * (-len(inner_ip) % 16)
    body = struct.pack("<BxxxIQ", 4, idx, ctr) + \
        ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", ctr), plain, b"")
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    udp = struct.pack("!HHHH", WG_PORT, WG_PORT, 8 + len(body), 0) + body
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, s, d)
    return ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:] + udp


def gen_vxlan_encap_wg(n_flows=65536, frame_len=60, seed=1):
    """vxlan_encap with every path a WireGuard session: the VXLAN datagram
    sealed into a data message to the path's endpoint."""
    frames, updates, _ = gen_vxlan_encap(n_flows, frame_len, seed)
    updates.append(rpc_item("overlay.wg.listen", {"port": WG_PORT}))
    for s in VX_SITES:
        for ep, pid in zip(VX_ENDPOINTS[s], VX_PATHS[s]):
            updates.append(rpc_item("overlay.sa.add", {
                "id": pid, "dir": "out", "spi": esp_spi(pid), "cipher": "wireguard", "key": WG_KEY.hex(),
                "src": VX_VTEP, "dst": ep, "path": pid, "natt_sport": WG_PORT, "natt_dport": WG_PORT}))
    return frames, updates, None


def gen_vxlan6_encap_wg(n_flows=65536, frame_len=60, seed=1):
    """vxlan_encap_wg over the IPv6 underlay: data messages over IPv6, their UDP checksum computed."""
    frames, updates, _ = gen_vxlan_encap_wg(n_flows, frame_len, seed)
    return frames, vx6_sas(updates), None


def gen_vxlan_decap_wg(n_flows=65536, frame_len=60, seed=1):
    """vxlan_decap's datagrams (of at most ESP_FRAMES flows) each sealed
    into a WireGuard data message by its endpoint (one inbound session per
    endpoint): opened, then checked and decapsulated as in vxlan_decap."""
    frames, updates, _ = gen_vxlan_decap(min(n_flows, ESP_FRAMES), frame_len, seed)
    eps = {}
    sealed = []
    for f in frames:
        src = socket.inet_ntoa(f[26:30])
        n = eps.setdefault(src, [0])
        pid = [p for s in VX_SITES for e, p in zip(VX_ENDPOINTS[s], VX_PATHS[s]) if e == src][0]
        sealed.append(f[:14] + wg_seal(f[14:], src, VX_VTEP, esp_spi(pid), n[0]))
        n[0] += 1
    updates.append(rpc_item("overlay.wg.listen", {"port": WG_PORT}))
    for s in VX_SITES:
        for ep, pid in zip(VX_ENDPOINTS[s], VX_PATHS[s]):
            updates.append(rpc_item("overlay.sa.add", {
                "id": pid, "dir": "in", "spi": esp_spi(pid), "cipher": "wireguard", "key": WG_KEY.hex(),
                "src": ep, "dst": VX_VTEP, "path": pid, "window": 0}))
    return sealed, updates, None


# A meter on the slice's ingress interface: the same scenario plus its
# cost. RFC 4115 at 10 Gbit/s committed and excess (the pcap port's rate),
# 1 MiB bursts, red passed too: every packet is colored and counted, none
# dropped, so the sink still sees them all.
METER_UPDATES = [
    upd("meters", {"id": 1}, "rfc4115", {"cir": 10 ** 10, "cbs": 1 << 20, "eir": 10 ** 10, "ebs": 1 << 20}),
    upd("meter_colors", {"meter": 1, "color": 2}, "pass"),
]


def with_meter(gen, port):
    """gen's scenario with meter 1 on port's interfaces; for OVS (its
    explicit-flow set-ups) an OpenFlow 1.3 meter at the same rate in every
    rule that forwards the source's packets."""
    def metered(**kw):
        frames, updates, ovs = gen(**kw)
        for u in updates:
            if u["table"] == "interfaces" and u["match"]["in_port"] == port:
                u["params"]["meter"] = 1
        if ovs is not None:
            ovs = {v: ovs_metered(lines) for v, lines in ovs.items() if v == "flows"}
        return frames, METER_UPDATES + updates, ovs
    return metered


def ovs_metered(lines):
    out = []
    for ln in lines:
        if ln.startswith("flow ") and "in_port=pcap" in ln and "actions=" in ln:
            ln = ln.replace("actions=", "actions=meter:1,")
        out.append(ln)
    return out + ["meter int meter=1,kbps,band=type=drop,rate=%d" % (10 ** 10 // 1000)]


# ------------------------------------------------------------------- UPF
# p0 is the source, p1 the sink. Uplink: p0 is an N3 port (G-PDUs from 4
# gNBs to the UPF's N3 endpoint), breakout goes out of p1 routed in slice
# 1's VRF, N9 traffic to the anchor out of p1 too. Downlink: p0 is an N6
# port (the DN side, routed to the UE pool), p1 the N3 side toward the gNB.
UP_N3, UP_N9, UP_ANCHOR, UP_DN_GW = "192.0.2.1", "198.51.100.1", "198.51.100.9", "10.200.255.1"
UP_GNBS = ["192.0.2.%d" % (10 + g) for g in range(4)]
# upf_dl6: N3 over IPv6 (the N3 SVI6 in bd 100, the gNBs on its /64)
UP_N3_6, UP_NET3_6 = "2001:db8:3::1", "2001:db8:3::"
UP_GNBS6 = ["2001:db8:3::%x" % (0x10 + g) for g in range(4)]
UP_N3_MAC, UP_GNB_MAC = bytes.fromhex("020000000301"), bytes.fromhex("02000000030a")
UP_N6_MAC, UP_DN_MAC = bytes.fromhex("020000000601"), bytes.fromhex("02000000060a")
UP_TEID_BASE = 0x10000     # session i: uplink TEID BASE + i, downlink (at its gNB) 2 * BASE + i
UP_QFI = 9


def up_ue(i):
    """Session i's UE: 10.64.0.0/10 holds four million."""
    return socket.inet_ntoa(struct.pack("!I", (10 << 24 | 64 << 16) + i))


UP_POOL6, UP_N6_IP6, UP_DN_HOST6 = "2001:db8:8000::/33", "2001:db8:200::1", "2001:db8:200::5"


def up_ue6(i):
    """Session i's IPv6 /64 in UP_POOL6 (two billion of them), as the
    prefix (its entry's key) and as the UE's address in it (::1)."""
    p = "2001:db8:%x:%x::" % (0x8000 | (i >> 16), i & 0xffff)
    return p, p + "1"


def ipv6_udp_datagram(src, dst, sport, dport, payload, hlim=64):
    """IPv6 + UDP headers and payload, the UDP checksum filled (RFC 8200
    8.1: the sum over the pseudo-header (source, destination, the 32-bit
    upper-layer length, three zero bytes, next header 17) and the datagram
    with its checksum field zero; 0 goes out as 0xffff), as ipv4_udp sums it."""
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!I", ulen) + bytes(3) + bytes([17])
    uc = csum(pseudo + struct.pack("!HHHH", sport, dport, ulen, 0) + payload) or 0xffff
    ip = struct.pack("!IHBB16s16s", 6 << 28, ulen, 17, hlim, s, d)
    return ip + struct.pack("!HHHH", sport, dport, ulen, uc) + payload


def ipv6_udp(src, dst, sport, dport, frame_len=78, hlim=64, dmac=DST_MAC, smac=SRC_MAC):
    """Ethernet + IPv6 + UDP frame of frame_len bytes, UDP checksum filled."""
    payload_len = frame_len - 14 - 40 - 8
    if payload_len < 0:
        raise ValueError("frame_len %d too small for Ethernet+IPv6+UDP" % frame_len)
    payload = bytes((i * 7) & 0xff for i in range(payload_len))
    return dmac + smac + b"\x86\xdd" + ipv6_udp_datagram(src, dst, sport, dport, payload, hlim)


def up_dn(i):
    return "10.200.%d.%d" % ((i >> 8) & 0x7f, i & 0xff)


def up_common(n, uplink, ulcl, v6=False, ue6=False, ambr=False, n6_routed=False):
    """Ports, the switch's side (underlay slice 100, slice 1's VRF with the
    DN behind a gateway, the UE pool routed into the UPF) and one session
    per UE, uplink (by TEID) or downlink (by UE), each termination with its
    own URR, all through the slice's meter (a QER: RFC 4115 at 10 Gbit/s,
    red passed). Uplink: the DN's app (1) breaks out by its own termination;
    the session's own goes to the anchor (ulcl) or to the DN too.
    Downlink: the session's own termination (no app of its own). v6: the
    gNBs are peers over IPv6, on the N3 SVI6's connected /64 (static
    neighbours): the outer packet is routed by switch.l3v6. ue6: the
    sessions are IPv6 ones (sessions_downlink6 by their /64, the pool's
    route in routes6, the DN's side an SVI6). ambr: each session its own
    AMBR (an RFC 4115 meter at 1 Gbit/s, meter id 1 + its id): as many
    meters as sessions, as an SMF's QERs make them. n6_routed: the DN's
    side (the downlink's source) a routed port, as an N6 facing a DN router
    is (its MAC UP_N6_MAC, bench/run.sh's p0): no learning, no fdb, the
    switch's fused path; else a bridged port whose router MAC is UP_N6_MAC's
    fdb entry."""
    n3, n6 = ("p0", "p1") if uplink else ("p1", "p0")
    ups = METER_UPDATES + [upd("upf_slices", {"slice": 1}, "slice", {"meter": 1})] + [
        upd("interfaces", {"in_port": n3, "vlan": 0}, "attach", {"slice": 100, "bd": 100}),
        upd("interfaces", {"in_port": n6, "vlan": 0}, "routed" if n6_routed else "attach", {"slice": 1, "bd": 1}),
    ] + ([] if n6_routed else [upd("fdb", {"bd": 1, "mac": mac_str(UP_N6_MAC)}, "route")]) + [
        upd("routes", {"vrf": 1, "dst": "10.200.0.0/16"}, "via", {"nh": UP_DN_GW}),
        upd("neigh", {"vrf": 1, "ip": UP_DN_GW}, "rewrite",
            {"port": n6, "vlan": 0, "dmac": mac_str(UP_DN_MAC), "smac": mac_str(UP_N6_MAC)}),
        upd("routes", {"vrf": 1, "dst": "10.64.0.0/10"}, "upf"),
        upd("upf_interfaces", {"dst": UP_N3 + "/32"}, "n3", {"slice": 0, "id": 1}),
        upd("upf_interfaces", {"dst": UP_N9 + "/32"}, "n9", {"slice": 0, "id": 2}),
        dict(upd("applications", {"slice": 1, "remote": {"value": "10.200.0.0", "mask": "255.255.0.0"}}, "app",
                 {"app": 1}), priority=10),
    ]
    if ulcl:
        # the anchor is over the underlay too: VLAN 100 on p1 (its untagged wire is slice 1's)
        ups += [upd("interfaces", {"in_port": "p1", "vlan": 100}, "attach", {"slice": 100, "bd": 102}),
                upd("tunnel_peers", {"id": 1000}, "gtpu", {"src": UP_N9, "dst": UP_ANCHOR, "gw": UP_ANCHOR,
                                                           "vrf": 100, "sport": 2152, "mtu": 0, "dscp": 64}),
                upd("neigh", {"vrf": 100, "ip": UP_ANCHOR}, "rewrite",
                    {"port": "p1", "vlan": 100, "dmac": mac_str(UP_GNB_MAC), "smac": mac_str(UP_N3_MAC)})]
    if v6:
        ups += [upd("svi6", {"vrf": 100, "bd": 100}, "svi6", {"mac": mac_str(UP_N3_MAC), "ip": UP_N3_6, "plen": 64}),
                upd("fdb", {"bd": 100, "mac": mac_str(UP_N3_MAC)}, "route"),
                upd("bd_ports", {"bd": 100, "port": n3}, "member", {"vlan": 0}),
                upd("routes6", {"vrf": 100, "dst": UP_N3_6 + "/128"}, "local"),
                upd("routes6", {"vrf": 100, "dst": UP_NET3_6 + "/64"}, "connected", {"bd": 100}),
                upd("upf_interfaces6", {"dst": UP_N3_6 + "/128"}, "n3", {"slice": 0, "id": 3})]
    for g in range(len(UP_GNBS)):
        rw = {"port": n3, "vlan": 0, "dmac": mac_str(UP_GNB_MAC), "smac": mac_str(UP_N3_MAC)}
        if v6:
            a = UP_GNBS6[g]
            ups += [upd("tunnel_peers", {"id": 1 + g}, "gtpu6", {"src": UP_N3_6, "dst": a, "vrf": 100,
                                                                "sport": 2152, "mtu": 0, "dscp": 64}),
                    upd("neigh6", {"vrf": 100, "ip": a}, "rewrite", rw)]
            continue
        a = UP_GNBS[g]
        ups += [upd("tunnel_peers", {"id": 1 + g}, "gtpu", {"src": UP_N3, "dst": a, "gw": a, "vrf": 100,
                                                           "sport": 2152, "mtu": 0, "dscp": 64}),
                upd("neigh", {"vrf": 100, "ip": a}, "rewrite", rw)]
    if ue6:
        ups += [upd("svi6", {"vrf": 1, "bd": 1}, "svi6", {"mac": mac_str(UP_N6_MAC), "ip": UP_N6_IP6, "plen": 64}),
                upd("routes6", {"vrf": 1, "dst": UP_N6_IP6 + "/128"}, "local"),
                upd("routes6", {"vrf": 1, "dst": "2001:db8:200::/64"}, "connected", {"bd": 1}),
                upd("routes6", {"vrf": 1, "dst": UP_POOL6}, "upf")]
        if uplink:
            ups += [upd("neigh6", {"vrf": 1, "ip": UP_DN_HOST6}, "rewrite",
                        {"port": n6, "vlan": 0, "dmac": mac_str(UP_DN_MAC), "smac": mac_str(UP_N6_MAC)}),
                    dict(upd("applications6", {"slice": 1, "remote": {"value": "2001:db8:200::",
                                                                      "mask": "ffff:ffff:ffff:ffff::"}},
                             "app", {"app": 1}), priority=10)]
    for i in range(n):
        sid = i + 1
        if uplink:
            # the session's own termination (to the anchor with ulcl, else
            # out to the DN too), the DN's app broken out by its own, inline
            # in the session entry as sxcd writes a session of one app
            sess = {"id": sid, "ue": up_ue(i), "slice": 1, "ohr": 1 if v6 else 0, "urr": 2 * sid, "apps": 1,
                    "app": 1, "app_urr": 2 * sid - 1}
            if ambr:
                ups.append(upd("meters", {"id": 1 + sid}, "rfc4115",
                               {"cir": 10 ** 9, "cbs": 1 << 20, "eir": 10 ** 9, "ebs": 1 << 20}))
                sess["ambr"] = 1 + sid
            if ulcl:
                sess.update(peer=1000, teid=3 * UP_TEID_BASE + i, qfi=64)
            ups += [upd("sessions_uplink", {"iface": 3 if v6 else 1, "teid": UP_TEID_BASE + i},
                        "fwd_n9" if ulcl else "fwd_n6", sess)]
            if ue6:   # the /64 whose sources are the session's (anti-spoofing)
                ups.append(upd("sessions_downlink6", {"slice": 1, "ue": up_ue6(i)[0]}, "encap_n3",
                               {"id": sid, "peer": 1 + i % len(UP_GNBS), "teid": 2 * UP_TEID_BASE + i,
                                "qfi": UP_QFI, "urr": 2 * sid}))
        else:
            ups.append(upd("sessions_downlink6" if ue6 else "sessions_downlink",
                           {"slice": 1, "ue": up_ue6(i)[0] if ue6 else up_ue(i)}, "encap_n3",
                           {"id": sid, "peer": 1 + i % len(UP_GNBS), "teid": 2 * UP_TEID_BASE + i, "qfi": UP_QFI,
                            "urr": sid}))
    return ups


def gtpu_gpdu(inner_ip, src, dst, teid, sport, smac, dmac, psc_type=None, qfi=0):
    """inner_ip (an IPv4 packet) in a G-PDU: outer IPv4 (DF, ID 0, TTL 64),
    UDP to 2152 (checksum 0), GTP-U with a PDU Session Container when
    psc_type is given. src and dst IPv6: outer IPv6 (hop limit 64), the UDP
    checksum filled (RFC 8200 8.1)."""
    g = struct.pack("!BBHI", 0x34 if psc_type is not None else 0x30, 255,
                    len(inner_ip) + (8 if psc_type is not None else 0), teid)
    if psc_type is not None:
        g += struct.pack("!HBB", 0, 0, 0x85) + struct.pack("!BBBB", 1, psc_type << 4, qfi, 0)
    udp_len = 8 + len(g) + len(inner_ip)
    if ":" in src:
        return dmac + smac + b"\x86\xdd" + ipv6_udp_datagram(src, dst, sport, 2152, g + inner_ip)
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:]
    return dmac + smac + b"\x08\x00" + ip + struct.pack("!HHHH", sport, 2152, udp_len, 0) + g + inner_ip


def up_ovs(direction):
    """OVS's plain GTP-U (userspace, "native tunneling") on the same
    input, in bench/compare-ovs.sh's set-up lines: one gtpu port per gNB.
    decap: pcap -> LOCAL on br-phy (tnl_pop), each gtpu port -> null (no
    session lookup: one rule per port); encap: every packet into one gtpu
    port with one TEID (no session lookup), tnl_push out of br-phy."""
    lines = ["local %s/24 %s" % (UP_N3, mac_str(UP_N3_MAC)), "route 192.0.2.0/24 %s" % UP_GNBS[0],
             "arp %s %s" % (UP_GNBS[0], mac_str(UP_GNB_MAC))]
    for g, a in enumerate(UP_GNBS):
        lines.append("tunnel gtp%d %s %s gtpu" % (g, a, "flow" if direction == "decap" else 2 * UP_TEID_BASE))
    if direction == "decap":
        lines += ["source phy", "sink int", "expect 60 2", "flow phy priority=100,in_port=pcap,actions=output:LOCAL"]
        lines += ["flow int priority=100,in_port=gtp%d,actions=output:null" % g for g in range(len(UP_GNBS))]
    else:
        lines += ["source int", "sink phy", "expect %d 1" % (46 + 14 + 20 + 8 + 8),
                  "flow int priority=100,in_port=pcap,actions=output:gtp0",
                  "flow phy priority=100,in_port=LOCAL,actions=output:null"]
    return {"flows": lines}


UP_PKTS = 65536   # the UPF scenarios' pcap, however many sessions they hold


def up_sessions_of(n):
    """Which session each of the UP_PKTS packets is of, spread over all n:
    the session-scale runs change the tables' size, not the source (a pcap
    of n packets would change what the source costs too)."""
    if n <= UP_PKTS:
        return [j % n for j in range(UP_PKTS)]
    return [j * (n // UP_PKTS) for j in range(UP_PKTS)]


def up_inner(i, n, to_dn, frame_len=60):
    """Session i's inner packet n (46 B of IPv4 in a 60 B frame): to the DN
    host of its flow, or to the internet (an anchor's business)."""
    dst = up_dn(i) if to_dn else "203.0.%d.%d" % ((i >> 8) & 0xff, i & 0xff)
    return ipv4_udp(up_ue(i), dst, up_ue_port(i), 7777, frame_len=frame_len, ident=n & 0xffff)[14:]


def up_ue_port(i):
    """Session i's UE port: never GTP-U's (a datagram to 2152 is parsed as GTP-U)."""
    p = 1024 + i % 60000
    return p + 1 if p == 2152 else p


def gen_upf_ul(n_flows=65536, frame_len=60, seed=1, ulcl=False, ue6=False, v6=False, one_gnb=False, ambr=False):
    """G-PDUs of n_flows sessions from 4 gNBs to the N3 endpoint, without a
    PDU Session Container (OVS 3.1's GTP-U pop does not skip extension
    headers: it leaves the container in front of the inner packet, so the
    comparison's input has none; ulcl's have a UL one, QFI 9): session by TEID, anti-spoofing, own-address check, the DN
    app (ACL), its termination fwd_n6, the slice meter, the URR, routed to
    the DN gateway -> sink. ulcl: every other packet to the internet, which
    the session's default termination sends on to the anchor over N9
    (re-encapsulated, UL container). ue6: IPv4v6 sessions' IPv6 (64 B: from
    an address of the session's /64 to the DN host), checked against the
    session's sessions_downlink6 entry, the DN's app in applications6,
    routed by switch.l3v6 to the DN host (static neighbour). v6: the gNBs
    over IPv6 (outer IPv6 with its UDP checksum, to the N3 SVI6's address:
    upf_interfaces6). one_gnb: every G-PDU from the first gNB and UDP port
    2152, so the outer headers are identical (a NIC's RSS on them puts all
    on one queue: only the TEID tells the sessions apart)."""
    order = up_sessions_of(n_flows)
    random.Random(seed).shuffle(order)
    frames = []
    for n, i in enumerate(order):
        to_dn = not ulcl or n % 2 == 0
        gnb = (UP_GNBS6 if v6 else UP_GNBS)[0 if one_gnb else i % len(UP_GNBS)]
        inner = (ipv6_udp(up_ue6(i)[1], UP_DN_HOST6, up_ue_port(i), 7777, frame_len=frame_len + 18)[14:] if ue6
                 else up_inner(i, n, to_dn, frame_len))
        frames.append(gtpu_gpdu(inner, gnb, UP_N3_6 if v6 else UP_N3, UP_TEID_BASE + i,
                                2152 if one_gnb else 49152 + (i & 0x3fff), UP_GNB_MAC, UP_N3_MAC,
                                1 if ulcl else None, UP_QFI))
    return frames, up_common(n_flows, True, ulcl, v6, ue6, ambr), \
        None if ulcl or ue6 or v6 or one_gnb or ambr else up_ovs("decap")


def gen_upf_dl(n_flows=65536, frame_len=60, seed=1, v6=False, ue6=False, bridged=False):
    """Frames from the DN gateway on p0 (n6) to n_flows UEs: routed (the
    pool's route "upf"), the session by (slice, UE), the app (the DN's),
    the session's termination for it, encap_n3 with a DL container (QFI 9),
    the slice meter, the URR, to the session's gNB -> sink. v6: the gNBs
    over IPv6 (outer IPv6 with its UDP checksum, routed by switch.l3v6).
    ue6: IPv6 sessions, 78 B frames of IPv6 to an address of each /64.
    p0 is a routed port (the switch's fused path into the UPF) but with
    ue6 (the DN's side an SVI6 in bd 1) or bridged (a bridged port to the
    router MAC: fdb source and destination lookups first)."""
    order = up_sessions_of(n_flows)
    random.Random(seed).shuffle(order)
    if ue6:
        frames = [ipv6_udp(UP_DN_HOST6, up_ue6(i)[1], 7777, up_ue_port(i), dmac=UP_N6_MAC, smac=UP_DN_MAC)
                  for i in order]
    else:
        frames = [ipv4_udp(up_dn(i), up_ue(i), 7777, up_ue_port(i), frame_len=frame_len, ident=n & 0xffff,
                           dmac=UP_N6_MAC, smac=UP_DN_MAC) for n, i in enumerate(order)]
    return frames, up_common(n_flows, False, False, v6, ue6, n6_routed=not (ue6 or bridged)), \
        None if v6 or ue6 else up_ovs("encap")


# scenario name -> (generator, description for the report line)
SCENARIOS = {
    "forward": (gen_forward, "64 B, {flows} flows"),
    "l3": (gen_l3, "64 B, {flows} flows routed over %d /24 routes via %d next hops" % (N_ROUTES, N_NEXTHOPS)),
    "l3_routed": (gen_l3_routed, "64 B, {flows} flows routed over %d /24 routes via %d next hops, in through a "
                  "routed port" % (N_ROUTES, N_NEXTHOPS)),
    "nat44": (gen_nat44, "64 B, {flows} UDP flows of %d inside hosts NATed at the slice's edge into a pool of 16 "
              "addresses (EIM, port blocks of 512), then routed in the outside VRF over %d /24 routes via %d next "
              "hops" % (NAT_HOSTS, N_ROUTES, N_NEXTHOPS)),
    "nat44_new": (gen_nat44, "nat44's {flows} flows through a table of a quarter "
                  "of them: every packet a new connection (and mapping) evicting the oldest embryonic one"),
    "fw44": (gen_fw44, "nat44's {flows} flows through the slice's edge without NAT, a stateful firewall of %d rules "
             "(rte_acl) asked once a connection" % FW_RULES),
    "l3-vrfs": (gen_l3_vrfs, "64 B, {flows} flows routed in %d VRFs of %d /24 routes each (VLAN -> VRF)"
                % (N_VRFS, N_VRF_ROUTES)),
    "l2": (gen_l2, "64 B, {flows} destination MACs bridged (static fdb), %d static source MACs" % N_L2_SOURCES),
    "vxlan_encap": (gen_vxlan_encap, "64 B inner, {flows} flows to %d remote MACs behind 2 tunnels, classes + "
                    "policies over 2 static paths each, VXLAN encap (%d B out)" % (2 * VX_REMOTES, 60 + VX_OUTER)),
    "vxlan6_encap": (gen_vxlan6_encap, "vxlan_encap over an IPv6 underlay (%d B out, the UDP checksum "
                     "computed)" % (60 + VX_OUTER + 20)),
    "vxlan6_decap": (gen_vxlan6_decap, "vxlan_decap over an IPv6 underlay (%d B in, the UDP checksum "
                     "verified)" % (60 + VX_OUTER + 20)),
    "l3_routed_meter": (with_meter(gen_l3_routed, "p0"), "64 B, {flows} flows routed over %d /24 routes via %d "
                        "next hops, in through a routed port metered by an RFC 4115 meter" % (N_ROUTES, N_NEXTHOPS)),
    "l3_meter": (with_meter(gen_l3, "p0"), "64 B, {flows} flows routed over %d /24 routes via %d next hops, "
                 "an RFC 4115 meter on the ingress interface" % (N_ROUTES, N_NEXTHOPS)),
    "vxlan_encap_meter": (with_meter(gen_vxlan_encap, "p0"), "64 B inner, {flows} flows to %d remote MACs behind "
                          "2 tunnels, classes + policies, VXLAN encap, an RFC 4115 meter on the slice's ingress "
                          "interface" % (2 * VX_REMOTES)),
    "sched": (gen_sched, "64 B, {flows} flows over %d slices (VLANs) x %d pipes (63 VDN classes + the default) of "
              "p1's rte_sched (10 Gbit/s, 1.2 Gbit/s per slice)" % (SCHED_SLICES, SCHED_PIPES)),
    "upf_ul": (gen_upf_ul, "G-PDUs %d B (64 B inner, no container) of {flows} sessions from 4 gNBs: decap, "
               "session, app, termination fwd_n6, slice meter, URR, routed into the DN" % (60 + 36)),
    "upf_ul_ambr": (lambda **kw: gen_upf_ul(ambr=True, **kw), "G-PDUs %d B (64 B inner, no container) of "
                    "{flows} sessions from 4 gNBs, each with its own AMBR meter: as upf_ul" % (60 + 36)),
    "upf_ul_1gnb": (lambda **kw: gen_upf_ul(one_gnb=True, **kw), "G-PDUs %d B (64 B inner, no container) of "
                    "{flows} sessions all from one gNB (one outer 5-tuple): as upf_ul" % (60 + 36)),
    "upf_ul_ulcl": (lambda **kw: gen_upf_ul(ulcl=True, **kw), "G-PDUs %d B of {flows} sessions: half to the local "
                    "DN (breakout, routed), half on to the anchor over N9 (re-encapsulated)" % (60 + 44)),
    "upf_ul_ue6": (lambda **kw: gen_upf_ul(ue6=True, **kw), "G-PDUs %d B (78 B IPv6 inner) of {flows} IPv4v6 "
                   "sessions: as upf_ul, the source checked against the session's /64, the DN's app in "
                   "applications6, routed by switch.l3v6" % (78 + 36)),
    "upf_ul6": (lambda **kw: gen_upf_ul(v6=True, **kw), "G-PDUs %d B (64 B inner, no container) of {flows} "
                "sessions from 4 gNBs over IPv6: as upf_ul" % (60 + 56)),
    "upf_dl": (gen_upf_dl, "64 B to {flows} UEs routed into the UPF: session, app, termination encap_n3 with a "
               "DL container (%d B out), slice meter, URR" % (60 + 44)),
    "upf_dl_bridged": (lambda **kw: gen_upf_dl(bridged=True, **kw), "64 B to {flows} UEs as upf_dl, in through a "
                       "bridged port (fdb lookups, then routed)"),
    "upf_dl_ue6": (lambda **kw: gen_upf_dl(ue6=True, **kw), "78 B of IPv6 to {flows} IPv6 sessions' /64s routed "
                   "into the UPF: as upf_dl, the session by its /64 (%d B out)" % (78 + 44)),
    "upf_dl6": (lambda **kw: gen_upf_dl(v6=True, **kw), "64 B to {flows} UEs routed into the UPF: as upf_dl, "
                "the gNBs over IPv6 (%d B out)" % (60 + 64)),
    "vxlan_encap_esp": (gen_vxlan_encap_esp, "vxlan_encap with every path under ESP (AES-GCM-128, ESN): %d B "
                        "out" % (60 + VX_OUTER + ESP_OVERHEAD + 2)),
    "vxlan_decap_esp": (gen_vxlan_decap_esp, "vxlan_decap's datagrams of %d flows under ESP (AES-GCM-128), one "
                        "inbound SA per peer endpoint: %d B in" % (ESP_FRAMES, 60 + VX_OUTER + ESP_OVERHEAD + 2)),
    "vxlan_encap_dup": (with_repair(copies=2), "vxlan_encap with every class duplicated (copies 2): each frame "
                        "on both of its tunnel's paths, GENEVE with the repair option (%d B out, 2 a frame)"
                        % (60 + VX_OUTER + 16)),
    "vxlan_encap_fec": (with_repair(fec=4), "vxlan_encap with every class under FEC (a parity every 4 frames): "
                        "GENEVE with the repair option (%d B out, 5 every 4 frames)" % (60 + VX_OUTER + 16)),
    "vxlan_encap_app": (gen_vxlan_encap_app, "vxlan_encap's flows as DNS queries (61 B), each named by nDPI once "
                        "then classed by app_classes on every packet (%d B out)" % (61 + VX_OUTER)),
    "vxlan_encap_wg": (gen_vxlan_encap_wg, "vxlan_encap with every path a WireGuard session "
                       "(ChaCha20-Poly1305): %d B out" % (60 + VX_OUTER + wg_overhead(60 + VX_OUTER - 14))),
    "vxlan6_encap_esp": (gen_vxlan6_encap_esp, "vxlan6_encap with every path under ESP over IPv6 (AES-GCM-128, "
                         "ESN): %d B out" % (60 + VX_OUTER + 20 + ESP_OVERHEAD + 20 + 2)),
    "vxlan6_encap_wg": (gen_vxlan6_encap_wg, "vxlan6_encap with every path a WireGuard session over IPv6: %d B out"
                        % (60 + VX_OUTER + 20 + 20 + wg_overhead(60 + VX_OUTER + 20 - 14))),
    "vxlan_decap_wg": (gen_vxlan_decap_wg, "vxlan_decap's datagrams of %d flows as WireGuard data messages, one "
                       "inbound session per peer endpoint: %d B in" % (ESP_FRAMES, 60 + VX_OUTER +
                                                                       wg_overhead(60 + VX_OUTER - 14))),
    # the same at 1,400 B frames (1,396 B before the FCS, as 64 B is 60)
    "vxlan_encap_1400": (lambda **kw: gen_vxlan_encap(frame_len=1396, **kw), "vxlan_encap at 1,400 B inner: "
                         "%d B out" % (1396 + VX_OUTER)),
    "vxlan_encap_esp_1400": (lambda **kw: gen_vxlan_encap_esp(frame_len=1396, **kw), "vxlan_encap_esp at 1,400 B "
                             "inner"),
    "vxlan_encap_wg_1400": (lambda **kw: gen_vxlan_encap_wg(frame_len=1396, **kw), "vxlan_encap_wg at 1,400 B "
                            "inner: %d B out" % (1396 + VX_OUTER + wg_overhead(1396 + VX_OUTER - 14))),
    "vxlan_decap_1400": (lambda **kw: gen_vxlan_decap(frame_len=1396, **kw), "vxlan_decap at 1,400 B inner"),
    "vxlan_decap_esp_1400": (lambda **kw: gen_vxlan_decap_esp(frame_len=1396, **kw), "vxlan_decap_esp at 1,400 B "
                             "inner"),
    "vxlan_decap_wg_1400": (lambda **kw: gen_vxlan_decap_wg(frame_len=1396, **kw), "vxlan_decap_wg at 1,400 B "
                            "inner"),
    "vxlan_decap_esp_1tun": (gen_vxlan_decap_esp_1tun, "vxlan_decap_esp's datagrams from ONE peer endpoint, "
                             "sealed with %d per-worker SAs (RFC 9611)" % ESP_LANES),
    "vxlan_decap": (gen_vxlan_decap, "VXLAN %d B (64 B inner), {flows} flows from 4 peer endpoints, decap into "
                    "the slice's bridge domain, %d static local MACs" % (60 + VX_OUTER, VX_LOCALS)),
}


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i % 1000000, len(b), len(b)))
            f.write(b)


IMIX = (64,) * 7 + (576,) * 4 + (1400,)   # the simple IMIX's sizes in a cycle of 12


def sized(gen, n_flows, size):
    """gen's (frames, updates, ovs) at frame size @size ("64", "N", "imix"; with the FCS)."""
    if size == "64":
        return gen(n_flows=n_flows)
    sizes = sorted(set(IMIX)) if size == "imix" else [int(size)] if size.isdigit() else []
    if not sizes or not all(64 <= z <= 9018 for z in sizes):
        raise ValueError("--size: 64 .. 9018 or imix, not %r" % size)
    runs = {}
    for z in sizes:
        try:
            runs[z] = gen(n_flows=n_flows, frame_len=z - 4)
        except TypeError:
            raise ValueError("this scenario's frames have one size (a _1400 scenario, or DNS queries): no --size")
    first = runs[sizes[0]]
    if any(r[1] != first[1] or r[2] != first[2] or len(r[0]) != len(first[0]) for r in runs.values()):
        raise ValueError("this scenario's entries or flows change with the size: no --size")
    if size != "imix":
        return first
    frames = [runs[IMIX[i % len(IMIX)]][0][i] for i in range(len(first[0]))]
    return frames, first[1], first[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--pcap")
    ap.add_argument("--entries")
    ap.add_argument("--flows", type=int, default=65536)
    ap.add_argument("--size", default="64", help="frame size with the FCS (64 .. 9018), or imix")
    ap.add_argument("--ovs-flows", help="also write the equivalent OpenFlow flows here")
    ap.add_argument("--ovs-variant", help="which OVS set-up --ovs-flows writes (default: the scenario's first)")
    a = ap.parse_args()
    if bool(a.pcap) != bool(a.entries):
        ap.error("--pcap and --entries go together")
    if not a.pcap and not a.ovs_flows:
        ap.error("nothing to write: --pcap/--entries and/or --ovs-flows")
    if a.ovs_variant and not a.ovs_flows:
        ap.error("--ovs-variant needs --ovs-flows")
    gen, _ = SCENARIOS[a.scenario]
    try:
        frames, updates, ovs = sized(gen, a.flows, a.size)
    except ValueError as e:
        ap.error(str(e))
    if a.ovs_flows:
        if ovs is None:
            sys.exit("gen_pcap: scenario %s has no OVS equivalent" % a.scenario)
        variant = a.ovs_variant or next(iter(ovs))
        if variant not in ovs:
            sys.exit("gen_pcap: scenario %s has no OVS variant %s (known: %s)"
                     % (a.scenario, variant, ", ".join(ovs)))
        with open(a.ovs_flows + ".tmp", "w") as f:
            f.write("\n".join(ovs[variant]) + "\n")
        os.replace(a.ovs_flows + ".tmp", a.ovs_flows)
        if not a.pcap:
            print("gen_pcap: %s: OVS %s: %d lines -> %s" % (a.scenario, variant, len(ovs[variant]), a.ovs_flows),
                  file=sys.stderr)
            return
    write_pcap(a.pcap + ".tmp", frames)
    with open(a.entries + ".tmp", "w") as f:
        json.dump(updates, f)
    # rename last: a cache entry is either whole or absent

    os.replace(a.pcap + ".tmp", a.pcap)
    os.replace(a.entries + ".tmp", a.entries)
    sizes = sorted({len(b) for b in frames})
    print("gen_pcap: %s: %d frames (%s bytes), %d table entries -> %s"
          % (a.scenario, len(frames), "/".join(map(str, sizes)), len(updates), a.pcap), file=sys.stderr)


if __name__ == "__main__":
    main()
