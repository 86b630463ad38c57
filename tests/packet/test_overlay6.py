#!/usr/bin/python3
"""The overlay over an IPv6 underlay (RFC 7348 and RFC 8926 over IPv6).
A LAN frame to a MAC behind a tunnel whose path is IPv6 leaves the WAN
port as IPv6/UDP/VXLAN, byte for byte what scapy builds with the UDP
checksum IPv6 requires (RFC 8200 8.1) and the flow label of the inner flow
(RFC 6438); a datagram over IPv6 to the local VTEP is checked like one over
IPv4 (a bad or zero UDP checksum in place of the header checksum) and
bridged in; the path's next hop is an NDP neighbour (neigh6), held and
solicited while unresolved; sxdp probes are turned around and ICMPv6 echo
probes sent over IPv6; a path's ends are one family (mixed_family); a
policy mixes an IPv4 and an IPv6 path; classes match inner IPv6 5-tuples,
an IPv4 entry never an IPv6 packet.

    /usr/bin/python3 tests/packet/test_overlay6.py [NAME-SUBSTRING ...]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, tshark_fields, expect, expect_drops, expect_eq  # noqa: E402
from topo_overlay import answer_flags, probe_msg  # noqa: E402

try:
    from scapy.all import IP, IPv6, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS, ICMPv6ND_NA,  # noqa: E402
                                    ICMPv6NDOptDstLLAddr)
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update

from topo_overlay6 import (PORTS, PIPELINE, MAC_A, MAC_R, MAC_R2, WAN_MAC, GW_MAC, PEER_MAC, VTEP, PEER,  # noqa: E402,E501
                           GW, VTEP4, PEER4, GW4, UNDERLAY, VNI, TUN, setup, inner, outer6)


@R.test
def test_vxlan6_encap_byte_exact():
    """Frames to MAC_R leave w0 over the IPv6 path: IPv6 from the VTEP to
    the peer, hop limit 64, traffic class from the tunnel (DSCP 10, ECN
    copied), the flow label and UDP source port of the inner flow (one flow:
    one of each), the UDP checksum right (scapy computes it), VXLAN as
    tshark dissects it."""
    frames = [inner(payload=b"to site 2 %d" % i, tos=0xb9) for i in range(3)]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        ups = setup()
        ups[-1]["params"]["dscp"] = 10
        dp.table_write(ups)
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "encapsulated frames on w0")
        want = []
        for f, g in zip(frames, got):
            o = IPv6(g[14:])
            expect(49152 <= o[UDP].sport <= 65535, "source port %d outside 49152..65535" % o[UDP].sport)
            want.append(Ether(src=WAN_MAC, dst=GW_MAC) /
                        IPv6(src=VTEP, dst=PEER, hlim=64, tc=(10 << 2) | 1, fl=o.fl) /
                        UDP(sport=o[UDP].sport, dport=4789) / VXLAN(vni=VNI, flags=0x08) / f)
        expect_eq(len({(IPv6(g[14:]).fl, IPv6(g[14:])[UDP].sport) for g in got}), 1,
                  "one flow, one flow label and source port")
        dp.expect_outputs({"w0": want})
        rows = tshark_fields(dp.out_path("w0"), ["vxlan.vni", "udp.checksum.status"],
                             prefs=["udp.check_checksum:TRUE"])
        # the outer's and the inner's UDP checksum status: 1 is Good
        expect_eq([(int(r[0], 0), r[1]) for r in rows], [(VNI, "1,1")] * 3,
                  "tshark: the VNI and good UDP checksums of every packet")


@R.test
def test_decap6_into_slice_and_checks():
    """A VXLAN datagram over IPv6 from the slice's peer is bridged into bd
    10 (its inner source learned behind the tunnel); one with a bad or a
    zero UDP checksum is overlay.outer_cksum; from an address that is no
    peer, overlay.unknown_peer; from the IPv4-mapped form of an IPv4 peer,
    no datagram of the overlay's at all (no such packet is on a wire): the
    switch's (w0 has no interface here: switch.no_interface)."""
    good = outer6(inner(MAC_R2, MAC_A, b"from site 2"))
    bad = Ether(bytes(good))
    bad[UDP].chksum ^= 0x0101
    zero = outer6(inner(MAC_R2, MAC_A, b"zero"), chksum=0)
    stranger = outer6(inner(MAC_R2, MAC_A, b"x"), src="2001:db8:9::9")
    mapped = outer6(inner(MAC_R2, MAC_A, b"x"), src="::ffff:198.51.100.20")
    with Sxdp({"p0": [], "w0": [good, bad, zero, stranger, mapped]}, pipeline=PIPELINE,
              port_opts=PORTS) as dp:
        dp.table_write(setup() + [U("peers", {"slice": 1, "ip": PEER4}, "peer", {"tunnel": TUN})])
        st = dp.run_traffic()
        expect_drops(st, {"overlay.outer_cksum": 2, "overlay.unknown_peer": 1, "switch.no_interface": 1})
        fdb = {e["match"]["mac"].lower(): e["action"] for e in dp.table_read("fdb")[0]}
        expect_eq(fdb.get(MAC_R2), "tunnel_learned", "R2 learned behind the tunnel")
        peers = sorted(e["match"]["ip"] for e in dp.table_read("peers")[0])
        expect_eq(peers, sorted([PEER, PEER4]), "peers read back in their families' text")
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(good[VXLAN].payload)], "p0 got the inner frame")


# Peers a worker's memo of checked triples must tell apart: IPv4 ones that
# differ in one octet (the last, its top bit, the third, the first), IPv6
# ones that differ only in their prefix or in one bit of the interface id.
MEMO_PEERS4 = ("198.51.100.20", "198.51.100.21", "198.51.100.148", "198.51.101.20", "198.51.228.20",
               "199.51.100.20")
MEMO_PEERS6 = ("2001:db8:2::20", "2001:db8:3::20", "2001:db9:2::20", "2001:db8:2:0:8000::20", "2001:db8:2::21")
MEMO_ROUNDS = 30


@R.test
def test_decap_memo_tells_a_sites_peers_apart():
    """Datagrams from eleven peers of one slice, one after another round
    and round, over IPv4 and IPv6: after the first burst (DP_BURST, 64),
    when no triple was known yet, every one is a memo hit
    (overlay.memo_missed counts the others). Peers that shared a slot would
    miss on every other datagram and take the three lookups each time."""
    frame = inner(MAC_R, MAC_A, b"memo")
    sent = []
    for _ in range(MEMO_ROUNDS):
        sent += [Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=p, dst=VTEP4) / UDP(sport=50000, dport=4789) /
                 VXLAN(vni=VNI, flags=0x08) / frame for p in MEMO_PEERS4]
        sent += [outer6(frame, src=p) for p in MEMO_PEERS6]
    peers = [U("peers", {"slice": 1, "ip": p}, "peer", {"tunnel": TUN})
             for p in MEMO_PEERS4 + MEMO_PEERS6 if p != PEER]
    with Sxdp({"p0": [], "w0": sent}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [U("vteps", {"ip": VTEP4}, "vtep")] + peers)
        st = dp.run_traffic()
        expect_drops(st, {})
        expect_eq(st["events"].get("overlay.decap"), len(sent), "every datagram decapsulated")
        missed = st["events"].get("overlay.memo_missed", 0)
        expect(missed <= 64, "memo misses past the first burst: %d of %d datagrams" % (missed, len(sent)))
        dp.stop()
        expect_eq(len(dp.outputs()["p0"]), len(sent), "p0 got every inner frame")


@R.test
def test_next_hop_solicited_then_held_frame_sent():
    """With the path's next hop (on the VTEP's connected subnet) not yet
    resolved, the frame waits on the switch's hold queue while the box
    solicits it (NDP) from the VTEP on w0's link; once the next hop
    answers, the frame leaves in the tunnel."""
    f = inner()
    gw = "2001:db8:1::1"
    na = Ether(src=GW_MAC, dst=WAN_MAC) / IPv6(src=gw, dst=VTEP, hlim=255) / \
        ICMPv6ND_NA(tgt=gw, R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=GW_MAC)
    with Sxdp({"p0": [f], "w0": [na]}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        ups = [u for u in setup(gw=gw) if u["table"] != "neigh6"] + [
            U("interfaces", {"in_port": "w0", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 101}),
            U("bd_ports", {"bd": 101, "port": "w0"}, "member", {"vlan": 0}),
            U("flood", {"bd": 101}, "flood", {"ports": 0b10})] + \
            T.svi6_updates(UNDERLAY, 101, WAN_MAC, VTEP, "2001:db8:1::")
        dp.table_write(ups)
        dp.phase(["p0"], events={"overlay.held": 1})
        dp.phase(["w0"], mempool=True)
        dp.stop()
        out = [Ether(o) for o in dp.outputs()["w0"]]
        ns = [o for o in out if ICMPv6ND_NS in o]
        expect(len(ns) >= 1, "a neighbour solicitation on w0: %s" % [o.summary() for o in out])
        expect_eq((ns[0][ICMPv6ND_NS].tgt, ns[0][IPv6].dst, ns[0][IPv6].src), (gw, "ff02::1:ff00:1", VTEP),
                  "solicited at its solicited-node group, from the VTEP")
        sent = [o for o in out if UDP in o and o[UDP].dport == 4789]
        expect_eq([bytes(o[VXLAN].payload) for o in sent], [bytes(f)], "the held frame, in the tunnel")
        expect_eq((sent[0].dst, sent[0][IPv6].dst), (GW_MAC, PEER), "to the next hop, for the peer")


@R.test
def test_link_local_next_hop_solicited_on_its_link_only():
    """A path's link-local next hop (a router's usual one) is solicited on
    the link of the VTEP that asks for it (no route names a link-local
    address), and learned only from there: an advertisement of the same
    address on another WAN link (another BD of the underlay, its own SVI6)
    is not taken, one on the VTEP's link releases the held frame."""
    f = inner()
    gw, other_mac = "fe80::1", "02:00:00:00:ee:01"

    def na(mac, dst):
        return Ether(src=mac, dst=WAN_MAC) / IPv6(src=gw, dst=dst, hlim=255) / \
            ICMPv6ND_NA(tgt=gw, R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac)
    ports = dict(PORTS, w1={"role": "wan"})
    with Sxdp({"p0": [f], "w0": [na(GW_MAC, VTEP)], "w1": [na(other_mac, "2001:db8:3::10")]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        ups = [u for u in setup(gw=gw) if u["table"] != "neigh6"]
        for port, bd, addr, pfx, bit in (("w0", 101, VTEP, "2001:db8:1::", 0b10), ("w1", 102, "2001:db8:3::10",
                                                                                 "2001:db8:3::", 0b100)):
            ups += [U("interfaces", {"in_port": port, "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": bd}),
                    U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0}),
                    U("flood", {"bd": bd}, "flood", {"ports": bit})] + \
                T.svi6_updates(UNDERLAY, bd, WAN_MAC, addr, pfx)
        dp.table_write(ups)
        dp.phase(["p0"], events={"overlay.held": 1})
        dp.phase(["w1"])
        expect_eq([e for e in dp.table_read("neigh6")[0] if e["match"]["ip"] == gw], [],
                  "another link's advertisement of the gw: not learned")
        dp.phase(["w0"], mempool=True)
        nb = [(e["action"], e["params"]["port"], e["params"]["dmac"].lower())
              for e in dp.table_read("neigh6")[0] if e["match"]["ip"] == gw]
        expect_eq(nb, [("learned", "w0", GW_MAC)], "the gw learned on the VTEP's link")
        dp.stop()
        outs = dp.outputs()
        expect_eq([Ether(o).summary() for o in outs["w1"] if ICMPv6ND_NS in Ether(o)], [],
                  "nothing solicited on the other link")
        out = [Ether(o) for o in outs["w0"]]
        ns = [o for o in out if ICMPv6ND_NS in o]
        expect(len(ns) >= 1, "a neighbour solicitation on w0: %s" % [o.summary() for o in out])
        expect_eq((ns[0][ICMPv6ND_NS].tgt, ns[0][IPv6].dst, ns[0][IPv6].src), (gw, "ff02::1:ff00:1", VTEP),
                  "solicited at its solicited-node group, from the VTEP")
        sent = [o for o in out if UDP in o and o[UDP].dport == 4789]
        expect_eq([(bytes(o[VXLAN].payload), o.dst) for o in sent], [(bytes(f), GW_MAC)],
                  "the held frame, in the tunnel, to the gw")


@R.test
def test_probes_over_ipv6():
    """A peer's sxdp probe over IPv6 is turned around for a known endpoint
    (addresses swapped, hop limit 64, the UDP checksum made anew); a
    stranger's is refused; an icmp path over IPv6 sends ICMPv6 echo
    requests from the VTEP to its far end, their checksums right, and takes
    an answer in whatever its sequence number (0 is where UDP's checksum
    would be: no zero-checksum refusal for ICMPv6)."""
    req = Ether(src=PEER_MAC, dst=WAN_MAC) / IPv6(src=PEER, dst=VTEP, hlim=9) / \
        UDP(sport=3785, dport=3785) / Raw(probe_msg(seq=41))
    stranger = Ether(src=PEER_MAC, dst=WAN_MAC) / IPv6(src="2001:db8:9::9", dst=VTEP) / \
        UDP(sport=3785, dport=3785) / Raw(probe_msg())
    answer = Ether(src=PEER_MAC, dst=WAN_MAC) / IPv6(src=PEER, dst=VTEP) / ICMPv6EchoReply(id=1, seq=0) / \
        Raw(probe_msg(seq=0))
    with Sxdp({"p0": [], "w0": [req, stranger, answer]}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(paths={1: ("icmp", {"interval_ms": 50, "down_after": 3, "up_after": 2})}) +
                       [U("endpoints", {"ip": PEER}, "endpoint", {"site": 2})])
        st = dp.run_traffic()
        expect_drops(st, {"overlay.probe_unknown": 1})
        expect_eq(st["events"].get("overlay.probe_reflected"), 1, "probes turned around")
        expect_eq(st["events"].get("overlay.probe_answered"), 1, "the echo reply of sequence 0 taken")
        deadline = time.monotonic() + 10
        while dp.stats()["events"].get("overlay.probe_sent", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        dp.stop()
        out = [Ether(o) for o in dp.outputs()["w0"]]
        back = [o for o in out if UDP in o and o[UDP].dport == 3785]
        flags = answer_flags([bytes(b) for b in back])
        want = Ether(src=WAN_MAC, dst=PEER_MAC) / IPv6(src=VTEP, dst=PEER, hlim=64) / \
            UDP(sport=3785, dport=3785) / Raw(probe_msg(kind=2, seq=41, flags=flags))
        expect_eq([bytes(b) for b in back], [bytes(want)], "the probe turned around, checksum anew")
        pings = [o for o in out if ICMPv6EchoRequest in o]
        expect(len(pings) >= 3, "ICMPv6 echo probes on w0: %d" % len(pings))
        p = pings[0]
        expect_eq((p[IPv6].src, p[IPv6].dst, p[ICMPv6EchoRequest].id), (VTEP, PEER, 1), "from the VTEP")
        ck = p[ICMPv6EchoRequest].cksum
        del p[ICMPv6EchoRequest].cksum
        expect_eq(ck, Ether(bytes(p))[ICMPv6EchoRequest].cksum, "the ICMPv6 checksum")


@R.test
def test_mixed_family_and_bad_ends_refused():
    """A path's src, dst and gw are of one family (mixed_family); an IPv6
    end that is no unicast host (multicast, IPv4-mapped written as IPv6
    text is IPv4's: fine) is bad_endpoint; nothing written. (A sealed IPv6
    path is taken: test_overlay6_sealed.py.)"""
    with Sxdp({"p0": [], "w0": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(paths={}))
        prm = {"src": VTEP, "dst": PEER, "vrf": UNDERLAY, "mtu": 0, "gw": GW}
        for bad, reason in ((dict(prm, dst=PEER4), "mixed_family"), (dict(prm, gw=GW4), "mixed_family"),
                            (dict(prm, src=VTEP4), "mixed_family"), (dict(prm, dst="ff02::1"), "bad_endpoint")):
            res = dp.table_write([U("paths", {"id": 1}, "static", bad)], check=False)
            expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), reason, str(bad))
        res = dp.table_write([U("endpoints", {"ip": "ff02::1"}, "endpoint", {"site": 2})], check=False)
        expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "bad_endpoint", "endpoint")
        expect_eq(dp.table_read("paths")[0] + dp.table_read("endpoints")[0], [], "nothing written")
        dp.table_write([U("paths", {"id": 1}, "static", prm)])
        got = dp.table_read("paths")[0][0]["params"]
        expect_eq((got["src"], got["dst"], got["gw"]), (VTEP, PEER, GW), "read back as written")


@R.test
def test_ipv6_class_steers_over_a_mixed_policy():
    """The tunnel's class 0 policy is failover(2, 1): IPv4 path 2 first.
    Class 1 matches inner IPv6 from fd00:10::/64 and goes by failover(1, 2)
    (the IPv6 path); an IPv4 class entry for 10.1.0.0/16 (class 2, also
    to path 1) matches no IPv6 packet, and the IPv6 one no IPv4 packet: the
    inner IPv4 flow of 10.1.0.1 takes class 2, an IPv4 flow from elsewhere
    class 0, each path counts what it carried."""
    frames = [inner(v6=True, sport=1000 + i) for i in range(3)] + \
        [inner(sport=1100 + i) for i in range(2)] + \
        [Ether(src=MAC_A, dst=MAC_R) / IP(src="10.9.0.1", dst="10.2.0.1") / UDP(sport=7, dport=9) / Raw(b"c0")]
    c6 = U("classes", {"slice": 1, "src": {"value": "fd00:10::", "mask": "ffff:ffff:ffff:ffff::"}}, "class",
           {"class": 1})
    c6["priority"] = 10
    c4 = U("classes", {"slice": 1, "src": {"value": "10.1.0.0", "mask": "255.255.0.0"}}, "class", {"class": 2})
    c4["priority"] = 5
    pol = [U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 2, "p1": 1, "p2": 0, "p3": 0}),
           U("policies", {"tunnel": TUN, "class": 1}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0}),
           U("policies", {"tunnel": TUN, "class": 2}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0})]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(paths={1: ("static", {}), 2: ("static", {})}, policy=[c6, c4] + pol))
        st = dp.run_traffic()
        expect_drops(st, {})
        ps = {p["id"]: p for p in dp.rpc("overlay.paths")}
        cls = {e["params"]["class"]: e["match"]["src"] for e in dp.table_read("classes")[0]}
        dp.stop()
        expect_eq(cls, {1: {"value": "fd00:10::", "mask": "ffff:ffff:ffff:ffff::"},
                        2: {"value": "10.1.0.0", "mask": "255.255.0.0"}}, "classes read back")
        out = dp.outputs()["w0"]
        fam = [Ether(o).type for o in out]
        expect_eq(fam, [0x86dd] * 5 + [0x0800], "IPv6 and class-2 IPv4 flows over IPv6 path 1, "
                  "the other IPv4 flow over IPv4 path 2")
        expect_eq((ps[1]["packets"], ps[2]["packets"]), (5, 1), "what each path carried")
        expect_eq((ps[1]["src"], ps[2]["src"]), (VTEP, VTEP4), "overlay.paths shows each family")


if __name__ == "__main__":
    sys.exit(R.main())
