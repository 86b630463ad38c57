#!/usr/bin/python3
"""The overlay feature: VXLAN (RFC 7348) and GENEVE (RFC 8926) between sites.
A LAN frame to a MAC behind a tunnel leaves the WAN port encapsulated,
byte for byte what scapy builds (the flow-hash source port read back), the
VNIs as tshark dissects them; a WAN datagram to the local VTEP is checked in
order (outer checksum, header, VNI, peer) with a named drop for each
failure, then bridged into its slice with its source MAC learned against
the tunnel. Broadcast and unknown unicast go to the bridge domain's member
ports and, one copy each, to its peer sites' tunnels (head-end
replication), except what came out of a tunnel (split horizon). A route
in a slice's VRF may go to a peer site: routed (TTL - 1, the far end's
router MAC) and encapsulated with the L3 VNI. A packet too big for its
path once encapsulated: IPv4 with DF and IPv6 get ICMP back (bridged: in
the name of the destination; routed: from the router), routed IPv4
without DF is fragmented, a bridged frame without DF is dropped. A frame
never leaves in another slice's tunnel.

    /usr/bin/python3 tests/packet/test_overlay.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, tshark_fields, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import IP, IPv6, UDP, ICMP, ARP, Ether, Raw, Dot1Q, IPerror, UDPerror, defragment  # noqa: E402
    from scapy.layers.inet6 import ICMPv6PacketTooBig, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
    from scapy.contrib.geneve import GENEVE, GeneveOptions  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_overlay import (GW, GW_MAC, MAC_A, MAC_B, MAC_R, MAC_R2, PATH, PEER, PEER_MAC, PIPELINE, PORTS,  # noqa: E402
                          TUN, UNDERLAY, VNI, VNI2, VTEP, WAN_MAC, inner, outer, setup)

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update


def encap_case(kind, ttl, dscp, csum, frames, want_tos, want_ttl):
    """frames from p0 to MAC_R leave w0 in the tunnel, each byte for byte the
    scapy encapsulation with the source port the box chose (from the flow
    hash: 49152..65535, one per flow)."""
    with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(kind, ttl, dscp, csum))
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), len(frames), "encapsulated frames on w0")
        want = []
        for f, g in zip(frames, got):
            sport = UDP(g[34:42]).sport
            expect(49152 <= sport <= 65535, "source port %d outside 49152..65535" % sport)
            o = Ether(src=WAN_MAC, dst=GW_MAC) / IP(src=VTEP, dst=PEER, ttl=want_ttl, tos=want_tos, id=0,
                                                    flags="DF") / \
                UDP(sport=sport, dport=4789 if kind == "vxlan" else 6081,
                    chksum=None if csum else 0) / \
                (VXLAN(vni=VNI, flags=0x08) if kind == "vxlan" else GENEVE(vni=VNI, proto=0x6558)) / f
            want.append(o)
        expect_eq(len({UDP(g[34:42]).sport for g in got[:2]}), 1, "one flow, one source port")
        dp.expect_outputs({"w0": want})
        vnis = tshark_fields(dp.out_path("w0"), ["vxlan.vni" if kind == "vxlan" else "geneve.vni"])
        expect_eq([int(v[0], 0) for v in vnis], [VNI] * len(frames), "tshark: the VNI of every packet")


@R.test
def test_vxlan_encap_byte_exact():
    frames = [inner(MAC_A, MAC_R, b"to site 2 %d" % i, tos=0xb9, ttl=30) for i in range(3)]
    # a tagged frame leaves untagged inside: the VNI names its bridge domain
    encap_case("vxlan", 64, 10, 0, frames, want_tos=(10 << 2) | 1, want_ttl=64)


@R.test
def test_geneve_encap_copies_ttl_dscp_with_udp_checksum():
    frames = [inner(MAC_A, MAC_R, b"geneve %d" % i, tos=0xb9, ttl=30) for i in range(2)]
    encap_case("geneve", 0, 64, 1, frames, want_tos=0xb9, want_ttl=30)


@R.test
def test_decap_into_slice_and_learn():
    """A datagram to the VTEP from the slice's peer is bridged into bd 10;
    its inner source MAC is learned against the tunnel: a reply from p0
    then goes back into the tunnel without a static entry."""
    from_r2 = inner(MAC_R2, MAC_A, b"from site 2")
    reply = inner(MAC_A, MAC_R2, b"reply to R2")
    with Sxdp({"p0": [reply], "p1": [], "w0": [outer(from_r2)]}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        dp.phase(["w0"], events={"switch.learn": 1})
        fdb = {e["match"]["mac"].lower(): (e["action"], e["params"]) for e in dp.table_read("fdb")[0]}
        expect_eq(fdb.get(MAC_R2), ("tunnel_learned", {"tunnel": TUN}), "R2 learned behind the tunnel")
        dp.phase(["p0"])
        st = dp.stats()
        expect_drops(st, {})
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(from_r2)], "p0 got the inner frame, byte for byte")
        expect_eq(len(out["w0"]), 1, "the reply went into the tunnel")
        expect_eq(bytes(Ether(out["w0"][0])[VXLAN].payload), bytes(reply), "inner reply")


@R.test
def test_decap_checks_in_order():
    """Each failing datagram names the first check it fails: header before
    VNI, VNI before peer. Not to a VTEP: underlay traffic for the switch
    (w0 has no interface here: switch.no_interface)."""
    f = inner(MAC_R2, MAC_A, b"x")
    bad_flags = outer(f)
    bad_flags[VXLAN].flags = 0
    bad_flags_unknown_peer = outer(f, src="203.0.113.9")
    bad_flags_unknown_peer[VXLAN].flags = 0
    gen_oam = outer(f, kind="geneve")
    gen_oam[GENEVE].oam = 1
    gen_crit = outer(f, kind="geneve")
    gen_crit[GENEVE].critical = 1
    gen_ver = outer(f, kind="geneve")
    gen_ver[GENEVE].version = 1
    gen_proto = outer(f, kind="geneve")
    gen_proto[GENEVE].proto = 0x0800
    short = Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=PEER, dst=VTEP) / UDP(sport=50000, dport=4789) / \
        VXLAN(vni=VNI, flags=0x08) / Raw(b"\x02\x00\x00")
    bad_ck = Ether(bytes(outer(f)))
    bad_ck[IP].chksum ^= 0x0101
    cases = {
        "overlay.vxlan_flags": [bad_flags, bad_flags_unknown_peer],
        "overlay.unknown_vni": [outer(f, vni=4242), outer(f, vni=4243, src="203.0.113.9")],
        # slice 2 has VNI 6000 but PEER is slice 1's peer only
        "overlay.unknown_peer": [outer(f, src="203.0.113.9"), outer(f, vni=VNI2)],
        "overlay.geneve_oam": [gen_oam],
        "overlay.geneve_critical": [gen_crit],
        "overlay.geneve_version": [gen_ver],
        "overlay.geneve_proto": [gen_proto],
        "overlay.truncated": [short],
        "overlay.outer_cksum": [bad_ck],
        "switch.no_interface": [outer(f, dst="192.0.2.99")],
    }
    pkts = [p for v in cases.values() for p in v]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {k: len(v) for k, v in cases.items()})
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_decap_memo_follows_table_changes():
    """A worker remembers what the checks found for a (VTEP, VNI, peer)
    triple; every write to vteps, vnis or peers makes it ask again: a
    deleted peer is refused at once, a re-added one let in, a VNI moved to
    another slice's bridge domain bridges there."""
    to_a = outer(inner(MAC_R2, MAC_A, b"to A"))
    to_b = outer(inner(MAC_R2, MAC_B, b"to B"))
    wan = {"role": "wan"}
    ports = dict(PORTS, w1=wan, w2=wan, w3=wan)
    with Sxdp({"p0": [], "p1": [], "w0": [to_a, to_a], "w1": [to_a], "w2": [to_a], "w3": [to_b]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup())
        dp.phase(["w0"])
        dp.table_write([U("peers", {"slice": 1, "ip": PEER}, type="delete")])
        st = dp.phase(["w1"])
        expect_drops(st, {"overlay.unknown_peer": 1})
        dp.table_write([U("peers", {"slice": 1, "ip": PEER}, "peer", {"tunnel": TUN})])
        dp.phase(["w2"])
        dp.table_write([U("vnis", {"vni": VNI}, "l2", {"slice": 2, "bd": 20}, type="modify"),
                        U("peers", {"slice": 2, "ip": PEER}, "peer", {"tunnel": TUN + 1})])
        st = dp.phase(["w3"])
        expect_drops(st, {"overlay.unknown_peer": 1})
        expect_eq(st["events"].get("overlay.decap"), 4, "decap events")
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(to_a[VXLAN].payload)] * 3, "p0: before the delete and after the re-add")
        expect_eq(out["p1"], [bytes(to_b[VXLAN].payload)], "p1: the VNI moved to bd 20")


@R.test
def test_decap_learn_memo_follows_the_fdb():
    """A worker remembers the fdb entries of inner sources: R2, once
    learned, is not learned again, and every datagram from it counts a hit
    on its entry (ageing watches them); deleting the entry makes the next
    datagram learn it again; a static entry written for R2 on a port is
    obeyed: no learn event moves it."""
    from_r2 = outer(inner(MAC_R2, MAC_A, b"from site 2"))
    wan = {"role": "wan"}
    ports = dict(PORTS, w1=wan, w2=wan, w3=wan)
    with Sxdp({"p0": [], "p1": [], "w0": [from_r2], "w1": [from_r2] * 3, "w2": [from_r2], "w3": [from_r2]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup())

        def r2_entry():
            return [(e["action"], e.get("hits")) for e in dp.table_read("fdb")[0]
                    if e["match"]["mac"].lower() == MAC_R2]

        dp.phase(["w0"], events={"switch.learn": 1})
        dp.phase(["w1"])
        expect_eq(r2_entry(), [("tunnel_learned", 3)], "R2 learned once; three hits on its entry")
        dp.table_write([U("fdb", {"bd": 10, "mac": MAC_R2}, type="delete")])
        dp.phase(["w2"], events={"switch.learn": 2})
        expect_eq([a for a, _ in r2_entry()], ["tunnel_learned"], "R2 learned again")
        dp.table_write([U("fdb", {"bd": 10, "mac": MAC_R2}, "forward", {"port": "p0"}, type="modify")])
        st = dp.phase(["w3"])
        expect_drops(st, {})
        expect_eq(st["events"].get("switch.learn"), 2, "learn events: a static entry is not moved")
        expect_eq(r2_entry(), [("forward", 1)], "the static entry, one hit")
        dp.stop()
        expect_eq(len(dp.outputs()["p0"]), 6, "every datagram bridged to p0")


@R.test
def test_tunnel_meter():
    """A tunnel with a meter (qos, RFC 4115 at 100 bit/s, CBS 1000: what
    goes in is charged as the inner frame, 100 bytes each): 10 frames go
    into the tunnel, the other 10 are dropped (qos.meter_red) before any
    path is picked; deleting the meter while the tunnel names it is
    refused."""
    frames = [inner(MAC_A, MAC_R, b"x" * (100 - 14 - 20 - 8 - 5) + b"%05d" % i) for i in range(20)]
    with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        ups = setup()
        ups[-1]["params"]["meter"] = 2
        dp.table_write([U("meters", {"id": 2}, "rfc4115", {"cir": 100, "cbs": 1000, "eir": 0, "ebs": 0})] + ups)
        st = dp.run_traffic()
        expect_drops(st, {"qos.meter_red": 10})
        r = dp.table_write([U("meters", {"id": 2}, type="delete")], check=False)
        expect_eq(r["results"][0].get("error", {}).get("data", {}).get("reason"), "meter_in_use",
                  "the tunnel's meter stays")
        dp.stop()
        expect_eq(len(dp.outputs()["w0"]), 10, "10 frames encapsulated")


@R.test
def test_never_into_another_slices_tunnel():
    """slice 2's bridge domain has an fdb entry naming slice 1's tunnel (a
    mistake): the frame is dropped, not sent to slice 1's site. A VNI that
    would hand slice 1's bridge domain to slice 2 is refused at write."""
    with Sxdp({"p0": [], "p1": [inner(MAC_B, MAC_R, b"slice 2 to slice 1's site")], "w0": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [U("fdb", {"bd": 20, "mac": MAC_R}, "tunnel", {"tunnel": TUN})])
        res = dp.table_write([U("vnis", {"vni": 7777}, "l2", {"slice": 2, "bd": 10})], check=False)
        expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "slice_conflict",
                  "a VNI of slice 2 onto slice 1's bd 10")
        st = dp.run_traffic()
        expect_drops(st, {"overlay.wrong_slice": 1})
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_head_end_replication():
    """bd 10 floods to p0, p2 and the tunnels to two peer sites: a broadcast
    from p0 leaves on p2 and once in each tunnel (outer destinations: the
    two sites; inner frame byte for byte); unknown unicast alike; a
    broadcast out of a tunnel reaches the member ports only (split
    horizon); a flood list naming another slice's tunnel loses that copy
    (overlay.wrong_slice). The flood entry reads back with only the tunnels
    it names."""
    tun2, path2, peer2 = 8, 2, "203.0.113.30"
    ports = dict(PORTS, p2={"role": "lan"})
    bcast = inner(MAC_A, "ff:ff:ff:ff:ff:ff", b"who is there")
    unknown = inner(MAC_A, "02:00:00:00:09:09", b"unknown unicast")
    from_tun = outer(inner(MAC_R2, "ff:ff:ff:ff:ff:ff", b"broadcast from site 2"))
    from_p2 = inner(MAC_B, "ff:ff:ff:ff:ff:ff", b"from p2")
    with Sxdp({"p0": [bcast, unknown], "p1": [], "p2": [from_p2], "w0": [from_tun]}, pipeline=PIPELINE,
              port_opts=ports) as dp:
        dp.table_write(setup() + [
            U("interfaces", {"in_port": "p2", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
            U("bd_ports", {"bd": 10, "port": "p2"}, "member", {"vlan": 0}),
            U("paths", {"id": path2}, "static", {"src": VTEP, "dst": peer2, "vrf": UNDERLAY, "mtu": 0,
                                                 "gw": GW}),
            U("tunnels", {"id": tun2}, "vxlan", {"slice": 1, "vni": VNI, "path": path2, "ttl": 64,
                                                 "dscp": 0, "csum": 0}),
            U("tunnels", {"id": 9}, "vxlan", {"slice": 2, "vni": VNI2, "path": path2, "ttl": 64,
                                              "dscp": 0, "csum": 0}),
            U("flood", {"bd": 10}, "flood", {"ports": 0b101, "t0": TUN, "t3": tun2}, type="modify"),
        ])
        rows = dp.table_read("flood")[0]
        expect_eq([r["params"] for r in rows if r["match"]["bd"] == 10],
                  [{"ports": 0b101, "t0": TUN, "t3": tun2}], "flood entry read back")
        dp.phase(["p0"])
        dp.phase(["w0"])
        # another slice's tunnel in bd 10's list: that copy is refused
        dp.table_write([U("flood", {"bd": 10}, "flood", {"ports": 0b101, "t0": TUN, "t1": 9},
                          type="modify")])
        st = dp.run_traffic()
        expect_drops(st, {"overlay.wrong_slice": 1})
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p2"], [bytes(bcast), bytes(unknown), bytes(from_tun[VXLAN].payload)],
                  "p2: the member port's copies")
        expect_eq(out["p0"], [bytes(from_tun[VXLAN].payload), bytes(from_p2)], "p0: from the tunnel, from p2")
        got = [Ether(g) for g in out["w0"]]
        expect_eq(sorted((g[IP].dst, bytes(g[VXLAN].payload)) for g in got),
                  sorted([(PEER, bytes(bcast)), (peer2, bytes(bcast)), (PEER, bytes(unknown)),
                          (peer2, bytes(unknown)), (PEER, bytes(from_p2))]),
                  "one copy per peer site's tunnel, none back into a tunnel")
        expect_eq({g[VXLAN].vni for g in got}, {VNI}, "slice 1's VNI only")


@R.test
def test_route_to_peer_site():
    """slice 1's VRF routes 10.2/16 and fd00:2::/32 to site 2's tunnel with
    the L3 VNI: a packet from p0 to the router MAC leaves w0 encapsulated,
    the inner frame routed (TTL / hop limit - 1, IPv4 checksum right, from
    the router MAC to the tunnel's rmac). The reverse: an L3 VNI datagram from the peer is
    routed in the VRF to the host on p0."""
    rmac, far_rmac, vni_l3, tun_l3 = "02:00:00:00:00:fe", "02:00:00:00:02:fe", 7000, 11
    v4 = Ether(src=MAC_A, dst=rmac) / IP(src="10.1.0.1", dst="10.2.0.5", ttl=30) / UDP(sport=7, dport=9) / \
        Raw(b"routed to site 2")
    v6 = Ether(src=MAC_A, dst=rmac) / IPv6(src="fd00:1::1", dst="fd00:2::5", hlim=30) / \
        UDP(sport=7, dport=9) / Raw(b"routed6 to site 2")
    back = Ether(src=far_rmac, dst=rmac) / IP(src="10.2.0.5", dst="10.1.0.1", ttl=20) / UDP(sport=9, dport=7) / \
        Raw(b"from site 2's VRF")
    with Sxdp({"p0": [v4, v6], "p1": [], "w0": [outer(back, vni=vni_l3)]}, pipeline=PIPELINE,
              port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            U("svi", {"vrf": 1, "bd": 10}, "svi", {"mac": rmac, "ip": "10.1.0.254", "plen": 24}),
            U("fdb", {"bd": 10, "mac": rmac}, "route"),
            U("routes", {"vrf": 1, "dst": "10.1.0.254/32"}, "local"),
            U("routes", {"vrf": 1, "dst": "10.1.0.0/24"}, "connected", {"bd": 10}),
            U("neigh", {"vrf": 1, "ip": "10.1.0.1"}, "rewrite",
              {"port": "p0", "vlan": 0, "dmac": MAC_A, "smac": rmac}),
            U("vnis", {"vni": vni_l3}, "l3", {"slice": 1}),
            U("tunnels", {"id": tun_l3}, "vxlan", {"slice": 1, "vni": vni_l3, "path": PATH, "ttl": 64,
                                                   "dscp": 0, "csum": 0, "rmac": far_rmac}),
            U("routes", {"vrf": 1, "dst": "10.2.0.0/16"}, "tunnel", {"tunnel": tun_l3}),
            U("routes6", {"vrf": 1, "dst": "fd00:2::/32"}, "tunnel", {"tunnel": tun_l3}),
        ])
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        out = dp.outputs()
        got = [Ether(g) for g in out["w0"]]
        expect_eq([(g[IP].dst, g[VXLAN].vni) for g in got], [(PEER, vni_l3)] * 2, "two datagrams to site 2")
        w4 = Ether(src=rmac, dst=far_rmac) / IP(src="10.1.0.1", dst="10.2.0.5", ttl=29) / \
            UDP(sport=7, dport=9) / Raw(b"routed to site 2")
        w6 = Ether(src=rmac, dst=far_rmac) / IPv6(src="fd00:1::1", dst="fd00:2::5", hlim=29) / \
            UDP(sport=7, dport=9) / Raw(b"routed6 to site 2")
        expect_eq([bytes(g[VXLAN].payload) for g in got], [bytes(w4), bytes(w6)], "inner frames, routed")
        want_back = Ether(src=rmac, dst=MAC_A) / IP(src="10.2.0.5", dst="10.1.0.1", ttl=19) / \
            UDP(sport=9, dport=7) / Raw(b"from site 2's VRF")
        expect_eq(out["p0"], [bytes(want_back)], "site 2's packet routed to the host")


@R.test
def test_too_big_for_the_path():
    """Path MTU 1000: an inner IP packet of 950 bytes fits (outer 1000), 951
    does not. Bridged, IPv4 with DF: ICMP fragmentation needed (MTU 950)
    from the destination's address and MAC, quoting the header + 8 bytes;
    IPv6: packet too big alike; IPv4 without DF: dropped (overlay.too_big).
    Routed into the L3 VNI: with DF, ICMP from the router's address and
    MAC quoting the TTL as it came; without DF, fragments of at most 950
    bytes, each encapsulated, that reassemble to the routed packet."""
    rmac, far_rmac, vni_l3, tun_l3 = "02:00:00:00:00:fe", "02:00:00:00:02:fe", 7000, 11

    def v4(n, df, dst_mac=MAC_R, dst="10.1.0.2", ttl=64):
        return Ether(src=MAC_A, dst=dst_mac) / IP(src="10.1.0.1", dst=dst, flags="DF" if df else 0, ttl=ttl,
                                                  id=77) / UDP(sport=5, dport=6) / Raw(b"x" * (n - 28))

    fits = v4(950, True)
    big_df, big_nodf = v4(951, True), v4(951, False)
    big6 = Ether(src=MAC_A, dst=MAC_R) / IPv6(src="fd00:1::1", dst="fd00:1::2") / UDP(sport=5, dport=6) / \
        Raw(b"y" * (951 - 48))
    routed_df, routed_nodf = (v4(1400, df, rmac, "10.2.0.5", 30) for df in (True, False))
    with Sxdp({"p0": [fits, big_df, big_nodf, big6, routed_df, routed_nodf], "p1": [], "w0": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            U("paths", {"id": PATH}, "static", {"src": VTEP, "dst": PEER, "vrf": UNDERLAY, "mtu": 1000,
                                                "gw": GW}, type="modify"),
            U("svi", {"vrf": 1, "bd": 10}, "svi", {"mac": rmac, "ip": "10.1.0.254", "plen": 24}),
            U("fdb", {"bd": 10, "mac": rmac}, "route"),
            U("routes", {"vrf": 1, "dst": "10.1.0.254/32"}, "local"),
            U("routes", {"vrf": 1, "dst": "10.1.0.0/24"}, "connected", {"bd": 10}),
            U("vnis", {"vni": vni_l3}, "l3", {"slice": 1}),
            U("tunnels", {"id": tun_l3}, "vxlan", {"slice": 1, "vni": vni_l3, "path": PATH, "ttl": 64,
                                                   "dscp": 0, "csum": 0, "rmac": far_rmac}),
            U("routes", {"vrf": 1, "dst": "10.2.0.0/16"}, "tunnel", {"tunnel": tun_l3}),
        ])
        st = dp.run_traffic()
        expect_drops(st, {"overlay.frag_needed": 3, "overlay.too_big": 1})
        expect_eq(T.events_of(st).get("overlay.fragmented", 0), 1, "one packet fragmented")
        dp.stop()
        out = dp.outputs()
        back = [Ether(f) for f in out["p0"]]
        expect_eq(len(back), 3, "three ICMP errors back on p0")
        e4, e6, er = back
        expect_eq((e4.src, e4.dst, e4[IP].src, e4[IP].dst, e4[ICMP].type, e4[ICMP].code, e4[ICMP].nexthopmtu),
                  (MAC_R, MAC_A, "10.1.0.2", "10.1.0.1", 3, 4, 950), "bridged: frag needed from the destination")
        expect_eq(bytes(e4[ICMP].payload), bytes(big_df[IP])[:28], "quote: the header and 8 bytes")
        expect_eq((e6.src, e6[IPv6].src, e6[IPv6].dst, e6[ICMPv6PacketTooBig].mtu),
                  (MAC_R, "fd00:1::2", "fd00:1::1", 950), "bridged IPv6: packet too big from the destination")
        expect_eq((er.src, er.dst, er[IP].src, er[IP].dst, er[ICMP].nexthopmtu, er[IPerror].ttl),
                  (rmac, MAC_A, "10.1.0.254", "10.1.0.1", 950, 30), "routed: from the router, TTL as it came")
        outer_pkts = [Ether(g) for g in out["w0"]]
        expect_eq(max(len(g[IP]) for g in outer_pkts), 1000, "nothing over the path MTU")
        expect_eq(bytes(outer_pkts[0][VXLAN].payload), bytes(fits), "950 bytes fit, untouched")
        frags = [g[VXLAN].payload for g in outer_pkts[1:]]
        expect_eq(len(frags), 2, "the routed 1400-byte packet in two fragments")
        expect(all(len(f[IP]) <= 950 and f.src == rmac and f.dst == far_rmac for f in frags),
               "fragments fit the inner MTU, routed MACs")
        whole = defragment([f[IP] for f in frags])[0]
        want = v4(1400, False, rmac, "10.2.0.5", 29)[IP]
        expect_eq(bytes(whole[IP].payload), bytes(want.payload), "fragments reassemble to the routed packet")
        expect_eq(whole[IP].ttl, 29, "routed: TTL - 1")
        T.SPOOL.keep("w0", dp.out_path("w0"))   # tshark: none malformed


@R.test
def test_geneve_as_tshark_dissects_it():
    """GENEVE against an independent implementation's reading (tshark's
    dissector): what the box sends is version 0, no O or C flag, no options,
    protocol Transparent Ethernet Bridging, the VNI, and the inner frame
    dissected as Ethernet; what it takes: a datagram with two non-critical
    options (as tshark reads them) is decapsulated past them, byte for
    byte; one with the C flag is not (overlay.geneve_critical)."""
    out_frame = inner(MAC_A, MAC_R, b"to site 2 over geneve")
    inner_in = inner(MAC_R2, MAC_A, b"from site 2 with options")
    opts = [GeneveOptions(classid=0x0102, type=0x01, data=b"\x11\x22\x33\x44"),
            GeneveOptions(classid=0xffff, type=0x05, data=b"\xaa" * 8)]
    with_opts = Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=PEER, dst=VTEP) / UDP(sport=50001, dport=6081) / \
        GENEVE(vni=VNI, proto=0x6558, options=opts) / inner_in
    crit = Ether(bytes(with_opts))
    crit[GENEVE].critical = 1
    with Sxdp({"p0": [out_frame], "p1": [], "w0": [with_opts, crit]}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup("geneve"))
        seen = tshark_fields(dp.in_path("w0"), ["geneve.option.class", "geneve.option.type", "geneve.vni"])
        expect_eq(seen[0][:2] + [int(seen[0][2], 0)], ["0x0102,0xffff", "0x01,0x05", VNI],
                  "tshark reads the input's options")
        st = dp.run_traffic()
        expect_drops(st, {"overlay.geneve_critical": 1})
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(inner_in)], "decapsulated past the options, byte for byte")
        f = ["geneve.version", "geneve.flags.oam", "geneve.flags.critical", "geneve.proto_type", "geneve.vni",
             "geneve.options", "udp.dstport", "eth.src"]
        got = tshark_fields(dp.out_path("w0"), f)
        expect_eq(len(got), 1, "one datagram on w0")
        g = dict(zip(f, got[0] + [""] * (len(f) - len(got[0]))))
        expect_eq((g["geneve.version"], g["geneve.flags.oam"], g["geneve.flags.critical"],
                   int(g["geneve.proto_type"], 0), int(g["geneve.vni"], 0), g["geneve.options"],
                   g["udp.dstport"].split(",")[0]),
                  ("0", "0", "0", 0x6558, VNI, "", "6081"), "tshark: the box's GENEVE header")
        expect_eq(g["eth.src"].split(",")[-1], MAC_A, "tshark: the inner frame dissected as Ethernet")
        T.SPOOL.keep("w0", dp.out_path("w0"))   # tshark: none malformed


@R.test
def test_neighbour_behind_tunnel():
    """A slice's subnet stretched to site 2 (bd 10, its SVI here): a packet
    routed from another bd (p2's) to a host of that subnet at site 2 is
    held while the box asks, the ARP request (NDP solicitation) on p0 and,
    one copy, into the tunnel; the answer through the tunnel makes a
    tunnel neighbour (neigh "tunnel_learned", the nexthops of a route via
    it "tunnel"), releases the held packet and the next ones go by the
    fast path (from p3): routed (TTL - 1, from the SVI's MAC to the
    host's) into the tunnel. An answer through the tunnel the box did not
    ask for makes no entry. Too big for the path with DF: ICMP from the
    router to its sender, not from the destination."""
    rmac, rmac2 = "02:00:00:00:00:fe", "02:00:00:00:00:fd"
    h2 = "02:00:00:00:00:02"
    ports = dict(PORTS, p2={"role": "lan"}, p3={"role": "lan"})

    def to_far(dst, n=0, ttl=20, size=0, v6=False):
        l3 = IPv6(src="fd00:12::5", dst=dst, hlim=ttl) if v6 else IP(src="10.12.0.5", dst=dst, ttl=ttl, flags="DF")
        return Ether(src=h2, dst=rmac2) / l3 / UDP(sport=1000 + n, dport=9) / Raw(b"to site 2 %d" % n +
                                                                                  b"." * size)

    def via_tunnel(f):
        return outer(f)

    held = [to_far("10.1.0.77", n) for n in range(2)]
    held6 = [to_far("fd00:10::77", n, v6=True) for n in range(2)]
    later = [to_far("10.1.0.77", 5), to_far("10.50.0.1", 6), to_far("fd00:10::77", 7, v6=True)]
    big = to_far("10.1.0.77", 8, size=1000)
    arp_reply = via_tunnel(Ether(src=MAC_R2, dst=rmac) / ARP(op=2, hwsrc=MAC_R2, psrc="10.1.0.77", hwdst=rmac,
                                                            pdst="10.1.0.254"))
    unasked = via_tunnel(Ether(src=MAC_R, dst=rmac) / ARP(op=2, hwsrc=MAC_R, psrc="10.1.0.88", hwdst=rmac,
                                                         pdst="10.1.0.254"))
    na = via_tunnel(Ether(src=MAC_R2, dst=rmac) / IPv6(src="fd00:10::77", dst="fd00:10::fe", hlim=255) /
                    ICMPv6ND_NA(tgt="fd00:10::77", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC_R2))
    svis = []
    for bd, mac, net in ((10, rmac, "10.1.0"), (12, rmac2, "10.12.0")):
        n6 = "fd00:%d::" % bd
        svis += [U("svi", {"vrf": 1, "bd": bd}, "svi", {"mac": mac, "ip": net + ".254", "plen": 24}),
                 U("svi6", {"vrf": 1, "bd": bd}, "svi6", {"mac": mac, "ip": n6 + "fe", "plen": 64}),
                 U("fdb", {"bd": bd, "mac": mac}, "route"),
                 U("routes", {"vrf": 1, "dst": net + ".254/32"}, "local"),
                 U("routes", {"vrf": 1, "dst": net + ".0/24"}, "connected", {"bd": bd}),
                 U("routes6", {"vrf": 1, "dst": n6 + "fe/128"}, "local"),
                 U("routes6", {"vrf": 1, "dst": n6 + "/64"}, "connected", {"bd": bd})]
    with Sxdp({"p0": [], "p1": [], "p2": held + held6, "p3": later + [big], "w0": [arp_reply, unasked, na]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup() + svis + [
            U("flood", {"bd": 10}, "flood", {"ports": 0b1, "t0": TUN}, type="modify"),
            U("interfaces", {"in_port": "p2", "vlan": 0}, "attach", {"slice": 1, "bd": 12}),
            U("bd_ports", {"bd": 12, "port": "p2"}, "member", {"vlan": 0}),
            U("interfaces", {"in_port": "p3", "vlan": 0}, "attach", {"slice": 1, "bd": 12}),
            U("bd_ports", {"bd": 12, "port": "p3"}, "member", {"vlan": 0}),
            U("flood", {"bd": 12}, "flood", {"ports": 0b1100}),
            U("routes", {"vrf": 1, "dst": "10.50.0.0/16"}, "via", {"nh": "10.1.0.77"}),
        ])
        st = dp.phase(["p2"], events={"switch.arp_request": 2, "switch.nd_solicit": 2})
        expect_drops(st, {})
        dp.phase(["w0"], events={"switch.neigh_learned": 1, "switch.nd_learned": 1})
        nb = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh")[0]
              if e["match"]["vrf"] == 1}
        expect_eq(nb, {"10.1.0.77": ("tunnel_learned", {"tunnel": TUN, "dmac": MAC_R2.upper(),
                                                        "smac": rmac.upper()})},
                  "neigh: the host behind the tunnel, the unasked one not")
        nb6 = {e["match"]["ip"]: e["action"] for e in dp.table_read("neigh6")[0] if e["match"]["vrf"] == 1}
        expect_eq(nb6, {"fd00:10::77": "tunnel_learned"}, "neigh6")
        nh = [e for e in dp.table_read("nexthops")[0] if e["params"].get("ip") == "10.1.0.77"]
        expect_eq([(e["action"], e["params"]["tunnel"]) for e in nh], [("tunnel", TUN)],
                  "nexthops: the route via it goes into the tunnel")
        dp.table_write([U("paths", {"id": PATH}, "static", {"src": VTEP, "dst": PEER, "vrf": UNDERLAY,
                                                            "mtu": 1000, "gw": GW}, type="modify")])
        dp.phase(["p3"])
        st = dp.wait_consumed()
        expect_drops(st, {"overlay.frag_needed": 1})
        dp.stop()
        out = dp.outputs()
        got = [Ether(g) for g in out["w0"]]
        arps = [g for g in got if ARP in g[VXLAN].payload]
        nss = [g for g in got if ICMPv6ND_NS in g[VXLAN].payload]
        expect_eq([(a[IP].dst, a[VXLAN].vni, a[VXLAN].payload[ARP].pdst, a[VXLAN].payload.src)
                   for a in arps], [(PEER, VNI, "10.1.0.77", rmac)], "one ARP request into the tunnel")
        expect_eq([n[VXLAN].payload[ICMPv6ND_NS].tgt for n in nss], ["fd00:10::77"],
                  "one solicitation into the tunnel")
        data = [bytes(g[VXLAN].payload) for g in got if g not in arps and g not in nss]

        def routed(f):
            w = f.copy()
            w.src, w.dst = rmac, MAC_R2
            if IP in w:
                w[IP].ttl -= 1
                del w[IP].chksum
            else:
                w[IPv6].hlim -= 1
            return bytes(Ether(bytes(w)))
        expect_eq(data, [routed(f) for f in held + held6 + later],
                  "held, then fast-path packets: routed into the tunnel")
        expect_eq(sum(1 for b in out["p0"] if ARP in Ether(b)), 1, "the ARP request on p0 too")
        expect_eq(out["p2"], [], "nothing back to p2")
        icmp = [Ether(b) for b in out["p3"]]
        expect_eq([(e.src, e.dst, e[IP].src, e[IP].dst, e[ICMP].type, e[ICMP].code, e[ICMP].nexthopmtu)
                   for e in icmp], [(rmac2, h2, "10.12.0.254", "10.12.0.5", 3, 4, 950)],
                  "too big: from the router to its sender")
        T.SPOOL.keep("w0", dp.out_path("w0"))   # tshark: none malformed


@R.test
def test_head_end_replication_to_130_sites():
    """bd 10 floods to 130 peer sites: 8 tunnels in its flood entry, 122 in
    flood_more (its count in the entry, "more"): a broadcast from p0 leaves
    once in each of the 130 tunnels (130 outer destinations, the inner frame
    byte for byte), none back into a tunnel for a broadcast out of one; a
    count past the table's bound is refused by sxdp."""
    n = 130
    peers = ["198.18.%d.%d" % (i // 200, 1 + i % 200) for i in range(n)]
    bcast = inner(MAC_A, "ff:ff:ff:ff:ff:ff", b"to 130 sites")
    from_tun = outer(inner(MAC_R2, "ff:ff:ff:ff:ff:ff", b"broadcast from site 2"))
    ups = [u for u in setup() if u["table"] != "flood"]
    for i, peer in enumerate(peers):
        ups += [U("paths", {"id": 100 + i}, "static", {"src": VTEP, "dst": peer, "vrf": UNDERLAY, "mtu": 0,
                                                       "gw": GW}),
                U("tunnels", {"id": 100 + i}, "vxlan", {"slice": 1, "vni": VNI, "path": 100 + i, "ttl": 64,
                                                        "dscp": 0, "csum": 0})]
    ups += [U("flood", {"bd": 10}, "flood", dict({"ports": 0b1, "more": n - 8},
                                                 **{"t%d" % k: 100 + k for k in range(8)}))]
    ups += [U("flood_more", {"bd": 10, "index": k}, "tunnel", {"tunnel": 108 + k}) for k in range(n - 8)]
    with Sxdp({"p0": [bcast], "p1": [], "w0": [from_tun]}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(ups)
        r = dp.rpc_raw("table.write", {"updates": [U("flood", {"bd": 10}, "flood", {"ports": 1, "more": 249},
                                                     type="modify")]})
        expect("error" in r, "more past 248 refused: %s" % r)
        dp.phase(["p0"])
        dp.phase(["w0"])
        st = dp.wait_consumed()
        expect_drops(st, {})
        dp.stop()
        out = dp.outputs()
        got = [Ether(g) for g in out["w0"]]
        expect_eq(sorted(g[IP].dst for g in got), sorted(peers), "one copy per peer site's tunnel")
        expect_eq({bytes(g[VXLAN].payload) for g in got}, {bytes(bcast)}, "the inner frame, byte for byte")
        expect_eq(out["p0"], [bytes(from_tun[VXLAN].payload)], "from a tunnel: the member port only")


if __name__ == "__main__":
    sys.exit(R.main())
