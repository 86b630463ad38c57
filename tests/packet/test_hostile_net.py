#!/usr/bin/python3
"""Hostile material for the switch's ICMP generator, the overlay and the
UPF (issue 32, items 3, 4 and 8): what the box says about a packet that
came inside a tunnel goes back inside it or nowhere, never raw out of the
transport port (every port's output is looked at, after other traffic has
used the mbufs: the per-packet field the ICMP path reads must not be the
mbuf's last packet's); nothing the box originates goes to a group,
loopback, class-E, broadcast or own address; a packet too big for its N3
tunnel with DF gets ICMP "fragmentation needed"; an IPv6 atomic fragment
is processed (RFC 6946); a VLAN-tagged frame inside VXLAN or GENEVE is
discarded (RFC 7348 6.1). Each expects the verdict and the named reason.

    /usr/bin/python3 tests/packet/test_hostile_net.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq, events_of, svi6_updates  # noqa: E402

try:
    from scapy.all import IP, IPv6, UDP, ICMP, ARP, Ether, Raw, Dot1Q, IPerror  # noqa: E402
    from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6EchoReply, IPv6ExtHdrFragment,  # noqa: E402
                                    ICMPv6TimeExceeded, ICMPv6DestUnreach)
    from scapy.layers.vxlan import VXLAN  # noqa: E402
    from scapy.contrib.geneve import GENEVE  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

import topo_overlay as OV  # noqa: E402  (one site, one peer, one path; the paths' many)
import topo_upf as UP  # noqa: E402

R = T.Runner()
U = Sxdp.update

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")

RMAC, FAR_RMAC, VNI_L3, TUN_L3 = "02:00:00:00:00:fe", "02:00:00:00:02:fe", 7000, 11
SVI_IP, SVI6_IP = "10.1.0.254", "fd00:1::fe"


def icmp_of(raw):
    """The ICMP/ICMPv6 message a frame carries outside any tunnel, or None."""
    f = Ether(raw)
    if f.haslayer(VXLAN) or f.haslayer(GENEVE):
        return None
    if f.haslayer(ICMP) or f.haslayer(ICMPv6TimeExceeded) or f.haslayer(ICMPv6DestUnreach) or \
            f.haslayer(ICMPv6EchoReply) or f.haslayer(ARP):
        return f
    return None


def expect_nothing_raw(out, ports, what):
    """No port in ports sent an ICMP, ICMPv6 or ARP frame outside a tunnel."""
    for p in ports:
        raw = [icmp_of(g) for g in out.get(p, [])]
        raw = [r for r in raw if r is not None]
        expect(not raw, "%s: %s left %s raw: %s" % (what, len(raw), p, [r.summary() for r in raw]))


def overlay_vrf():
    """test_overlay's sites with an SVI (v4 and v6) in slice 1's bd 10 and
    an L3 VNI from the peer into slice 1's VRF."""
    return OV.setup() + [
        U("svi", {"vrf": 1, "bd": 10}, "svi", {"mac": RMAC, "ip": SVI_IP, "plen": 24}),
        U("fdb", {"bd": 10, "mac": RMAC}, "route"),
        U("routes", {"vrf": 1, "dst": SVI_IP + "/32"}, "local"),
        U("routes", {"vrf": 1, "dst": "10.1.0.0/24"}, "connected", {"bd": 10}),
        U("neigh", {"vrf": 1, "ip": "10.1.0.1"}, "rewrite", {"port": "p0", "vlan": 0, "dmac": OV.MAC_A, "smac": RMAC}),
        U("vnis", {"vni": VNI_L3}, "l3", {"slice": 1}),
        U("tunnels", {"id": TUN_L3}, "vxlan", {"slice": 1, "vni": VNI_L3, "path": OV.PATH, "ttl": 64,
                                               "dscp": 0, "csum": 0, "rmac": FAR_RMAC}),
        U("routes", {"vrf": 1, "dst": "10.2.0.0/16"}, "tunnel", {"tunnel": TUN_L3}),
    ] + [u for u in svi6_updates(1, 10, RMAC, SVI6_IP, "fd00:1::") if u["table"] != "fdb"]


def lan_first(n=64):
    """LAN traffic in bd 10 that leaves through the tunnel: its mbufs carry
    bd 10 (which has an SVI) in the switch's per-packet field afterwards."""
    return [OV.inner(OV.MAC_A, OV.MAC_R, b"lan %d" % i) for i in range(n)]


@R.test
def test_l3vni_errors_never_raw_on_wan():
    """Through the L3 VNI, after LAN traffic used the mbufs: TTL 1 and hop
    limit 1 (time exceeded), no route (IPv4 and IPv6), an echo request to
    the box's address. The box has no address facing the L3 VNI, so no
    answer is made (switch.icmp_tunnelled, switch.no_way_back), and
    nothing leaves w0 but the tunnel's datagrams, nothing any LAN port."""
    def l3(inner):
        return OV.outer(Ether(src=FAR_RMAC, dst=RMAC) / inner, vni=VNI_L3)
    wan = [l3(IP(src="10.2.0.5", dst="10.1.0.1", ttl=1) / UDP(sport=9, dport=7) / Raw(b"ttl")),
           l3(IP(src="10.2.0.5", dst="10.77.0.1") / UDP(sport=9, dport=7) / Raw(b"noroute")),
           l3(IPv6(src="fd00:2::5", dst="fd00:1::1", hlim=1) / UDP(sport=9, dport=7) / Raw(b"hlim")),
           l3(IPv6(src="fd00:2::5", dst="fd00:77::1") / UDP(sport=9, dport=7) / Raw(b"noroute6")),
           l3(IP(src="10.2.0.5", dst=SVI_IP) / ICMP(id=1, seq=1) / Raw(b"ping"))]
    lan = lan_first()
    with Sxdp({"p0": lan, "p1": [], "w0": wan}, pipeline=OV.PIPELINE, port_opts=OV.PORTS) as dp:
        dp.table_write(overlay_vrf())
        dp.phase(["p0"])
        dp.phase(["w0"])
        st = dp.wait_consumed()
        dp.stop()
        out = dp.outputs()
        expect_nothing_raw(out, ["p0", "p1", "w0"], "about L3 VNI traffic")
        expect_eq(len(out["w0"]), len(lan), "only the LAN's frames, in the tunnel")
        expect_drops(st, {"switch.ttl_expired": 2, "switch.no_route": 2, "switch.no_way_back": 1})
        expect_eq(events_of(st).get("switch.icmp_tunnelled", 0), 4, "errors not made")
        expect_eq(events_of(st).get("switch.icmp_error", 0) + events_of(st).get("switch.icmp6_error", 0), 0,
                  "errors sent")


@R.test
def test_l2vni_answers_go_back_into_the_tunnel():
    """From a host behind the L2 VNI (after LAN traffic used the mbufs): an
    ARP request for the SVI, an echo request to it, a routed packet with
    TTL 1. Each answer leaves w0 inside the tunnel to the peer (VNI 5000),
    from the SVI; no neighbour is learned on the WAN port; nothing raw."""
    arp = Ether(src=OV.MAC_R, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=OV.MAC_R, psrc="10.1.0.2", pdst=SVI_IP)
    ping = Ether(src=OV.MAC_R, dst=RMAC) / IP(src="10.1.0.2", dst=SVI_IP) / ICMP(id=7, seq=1) / Raw(b"ping")
    ttl1 = Ether(src=OV.MAC_R, dst=RMAC) / IP(src="10.1.0.2", dst="10.2.0.9", ttl=1) / UDP(sport=5, dport=6) / \
        Raw(b"ttl1")
    lan = lan_first()
    with Sxdp({"p0": lan, "p1": [], "w0": [OV.outer(f) for f in (arp, ping, ttl1)]}, pipeline=OV.PIPELINE,
              port_opts=OV.PORTS) as dp:
        dp.table_write(overlay_vrf())
        dp.phase(["p0"])
        dp.phase(["w0"])
        st = dp.wait_consumed()
        dp.stop()
        out = dp.outputs()
        expect_nothing_raw(out, ["p0", "p1", "w0"], "about L2 VNI traffic")
        expect_drops(st, {"switch.ttl_expired": 1})
        ev = events_of(st)
        expect_eq((ev.get("switch.arp_reply"), ev.get("switch.icmp_echo"), ev.get("switch.icmp_error")),
                  (1, 1, 1), "answers sent")
        expect_eq(ev.get("switch.neigh_learned", 0), 0, "no neighbour learned on the WAN port")
        back = [Ether(g) for g in out["w0"][len(lan):]]
        expect_eq([(g[IP].src, g[IP].dst, g[VXLAN].vni) for g in back], [(OV.VTEP, OV.PEER, OV.VNI)] * 3,
                  "three answers into the tunnel")
        a, e, t = (g[VXLAN].payload for g in back)
        expect_eq((a.src, a.dst, a[ARP].op, a[ARP].psrc, a[ARP].pdst), (RMAC, OV.MAC_R, 2, SVI_IP, "10.1.0.2"),
                  "ARP reply inside")
        expect_eq((e.src, e.dst, e[IP].src, e[IP].dst, e[ICMP].type, bytes(e[ICMP].payload)),
                  (RMAC, OV.MAC_R, SVI_IP, "10.1.0.2", 0, b"ping"), "echo reply inside")
        expect_eq((t.src, t.dst, t[IP].src, t[IP].dst, t[ICMP].type, t[IPerror].dst),
                  (RMAC, OV.MAC_R, SVI_IP, "10.1.0.2", 11, "10.2.0.9"), "time exceeded inside")


@R.test
def test_no_answer_to_martian_broadcast_or_own_sources():
    """From the LAN: echo requests to the box from the subnet's broadcast
    and network address and from the box's own address (IPv4 and IPv6),
    and routed packets with TTL 1 from them: no answer, no error
    (switch.bad_reply_dst, switch.no_answer_src); an ARP claiming the
    box's address (switch.arp_bad). One from a good host is answered."""
    def ping(src):
        return Ether(src=OV.MAC_A, dst=RMAC) / IP(src=src, dst=SVI_IP) / ICMP(id=3) / Raw(b"p")

    def ttl1(src):
        return Ether(src=OV.MAC_A, dst=RMAC) / IP(src=src, dst="10.2.0.9", ttl=1) / UDP(sport=1, dport=2)

    def ping6(src):
        return Ether(src=OV.MAC_A, dst=RMAC) / IPv6(src=src, dst=SVI6_IP) / ICMPv6EchoRequest(id=3, data=b"p")
    bad = ["10.1.0.255", "10.1.0.0", SVI_IP]
    lan = [ping(s) for s in bad] + [ttl1(s) for s in bad] + [ping6(SVI6_IP)] + \
        [Ether(src=OV.MAC_A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=OV.MAC_A, psrc=SVI_IP, pdst=SVI_IP)] + \
        [ping("10.1.0.1"), ping6("fd00:1::1")]
    with Sxdp({"p0": lan, "p1": [], "w0": []}, pipeline=OV.PIPELINE, port_opts=OV.PORTS) as dp:
        dp.table_write(overlay_vrf() + [U("neigh6", {"vrf": 1, "ip": "fd00:1::1"}, "rewrite",
                                          {"port": "p0", "vlan": 0, "dmac": OV.MAC_A, "smac": RMAC})])
        st = dp.run_traffic()
        expect_drops(st, {"switch.bad_reply_dst": 4, "switch.ttl_expired": 3, "switch.arp_bad": 1})
        ev = events_of(st)
        expect_eq(ev.get("switch.no_answer_src"), 3, "errors not sent to such sources")
        expect_eq((ev.get("switch.icmp_echo"), ev.get("switch.icmp6_echo"), ev.get("switch.icmp_error", 0)),
                  (1, 1, 0), "only the good host answered")
        dp.stop()
        got = [Ether(g) for g in dp.outputs()["p0"]]
        expect_eq(sorted(g[IPv6].dst if g.haslayer(IPv6) else g[IP].dst for g in got), ["10.1.0.1", "fd00:1::1"],
                  "replies")


@R.test
def test_probe_never_turned_around_to_own_or_martian():
    """A probe request 'from' the VTEP it is sent to (listed as an endpoint
    by mistake) or from 255.255.255.255 / 127.0.0.1 is not turned around
    (overlay.probe_src); a real endpoint's is. An endpoint or a path end
    that is no unicast host is refused at write time (bad_endpoint)."""
    def probe(src):
        return Ether(src=OV.PEER_MAC, dst=OV.WAN_MAC) / IP(src=src, dst=OV.VTEP) / \
            UDP(sport=3785, dport=3785) / Raw(OV.probe_msg(seq=5))
    srcs = [OV.VTEP, "255.255.255.255", "127.0.0.1", OV.PEERS[1]]
    with Sxdp({"p0": [], "w0": [probe(s) for s in srcs]}, pipeline=OV.PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(OV.paths_setup(["p0"], {}) + [U("endpoints", {"ip": ip}, "endpoint", {"site": 2})
                                              for ip in (OV.VTEP, OV.PEERS[1])])
        # an endpoint or a path end that is no unicast host is refused
        bad = [U("endpoints", {"ip": ip}, "endpoint", {"site": 3})
               for ip in ("255.255.255.255", "127.0.0.1", "0.0.0.0", "224.0.0.5", "240.0.0.1")] + \
            [U("paths", {"id": 9}, "static", {"src": OV.VTEP, "dst": d, "vrf": OV.UNDERLAY, "mtu": 0, "gw": OV.GW})
             for d in ("255.255.255.255", "239.1.1.1")]
        for u in bad:
            res = dp.table_write([u], check=False)["results"][0]
            expect(not res["ok"] and res["error"]["data"]["reason"] == "bad_endpoint",
                   "%s %s refused: %s" % (u["table"], u.get("params", {}).get("dst", u["match"]), res))
        expect_eq(dp.table_read("endpoints")[1], 2, "endpoints written")
        st = dp.run_traffic()
        expect_drops(st, {"overlay.probe_src": 3})
        expect_eq(st["events"].get("overlay.probe_reflected"), 1, "probes turned around")
        dp.stop()
        expect_eq([IP(g[14:]).dst for g in dp.outputs()["w0"]], [OV.PEERS[1]], "the one answer")


@R.test
def test_inner_vlan_discarded_vxlan_and_geneve():
    """RFC 7348 6.1: an inner frame with an 802.1Q or 802.1ad tag is
    discarded (overlay.inner_vlan), in VXLAN and in GENEVE; untagged ones
    are bridged."""
    ok = OV.inner(OV.MAC_R, OV.MAC_A, b"untagged")
    tagged = Ether(src=OV.MAC_R, dst=OV.MAC_A) / Dot1Q(vlan=20) / IP(src="10.1.0.2", dst="10.1.0.1") / \
        UDP(sport=1, dport=2) / Raw(b"q")
    qinq = Ether(src=OV.MAC_R, dst=OV.MAC_A, type=0x88a8) / Dot1Q(vlan=30) / Dot1Q(vlan=20) / \
        IP(src="10.1.0.2", dst="10.1.0.1") / UDP(sport=1, dport=2) / Raw(b"qq")
    wan = [OV.outer(f, kind=k) for k in ("vxlan", "geneve") for f in (tagged, qinq, ok)]
    with Sxdp({"p0": [], "p1": [], "w0": wan}, pipeline=OV.PIPELINE, port_opts=OV.PORTS) as dp:
        dp.table_write(OV.setup())
        st = dp.run_traffic()
        expect_drops(st, {"overlay.inner_vlan": 4})
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(ok)] * 2, "untagged frames bridged")


@R.test
def test_ipv6_atomic_fragment_processed():
    """RFC 6946: an echo request to the box with a Fragment header of
    offset 0 and M 0 is answered as an unfragmented one; routed, it goes
    on; a real first fragment to the box is not answered (not_for_us)."""
    def ping6(frag):
        return Ether(src=OV.MAC_A, dst=RMAC) / IPv6(src="fd00:1::1", dst=SVI6_IP) / frag / \
            ICMPv6EchoRequest(id=9, seq=2, data=b"atomic")
    routed = Ether(src=OV.MAC_A, dst=RMAC) / IPv6(src="fd00:1::1", dst="fd00:2::5", hlim=9) / \
        IPv6ExtHdrFragment(offset=0, m=0, id=5) / UDP(sport=1, dport=2) / Raw(b"routed atomic")
    lan = [ping6(IPv6ExtHdrFragment(offset=0, m=0, id=1)), ping6(IPv6ExtHdrFragment(offset=0, m=1, id=2)), routed]
    with Sxdp({"p0": lan, "p1": [], "w0": []}, pipeline=OV.PIPELINE, port_opts=OV.PORTS) as dp:
        dp.table_write(overlay_vrf() + [
            U("neigh6", {"vrf": 1, "ip": "fd00:1::1"}, "rewrite",
              {"port": "p0", "vlan": 0, "dmac": OV.MAC_A, "smac": RMAC}),
            U("routes6", {"vrf": 1, "dst": "fd00:2::/32"}, "tunnel", {"tunnel": TUN_L3})])
        st = dp.run_traffic()
        expect_drops(st, {"switch.not_for_us": 1})
        expect_eq(events_of(st).get("switch.icmp6_echo"), 1, "the atomic fragment answered")
        dp.stop()
        out = dp.outputs()
        r = Ether(out["p0"][0])
        expect_eq((r[IPv6].src, r[IPv6].dst, r[ICMPv6EchoReply].data), (SVI6_IP, "fd00:1::1", b"atomic"), "reply")
        inner = Ether(out["w0"][0])[VXLAN].payload
        expect_eq((inner[IPv6].hlim, bytes(inner[Raw].load)), (8, b"routed atomic"), "routed, in the L3 VNI")


def upf_big(n, df, src=UP.DN_HOST):
    return IP(src=src, dst=UP.UE, flags="DF" if df else 0, ttl=30) / UDP(sport=7, dport=9) / Raw(b"b" * (n - 28))


@R.test
def test_upf_errors_never_raw_on_n3_n9():
    """After downlink from the DN used the mbufs (bd 1, which has the N6
    SVI): a UE's breakout packet with TTL 1 (time exceeded) and an N9
    downlink packet too big for N3 with DF are the UPF's decapsulated
    traffic: no ICMP is made (switch.icmp_tunnelled), nothing leaves N3, N6
    or N9 raw."""
    dn = [Ether(src=UP.DN_MAC, dst=UP.N6_MAC) / IP(src=UP.DN_HOST, dst=UP.UE) / UDP(sport=7, dport=9) /
          Raw(b"dn %d" % i) for i in range(64)]
    ul = [UP.gtpu(UP.ue_pkt(UP.DN_HOST, ttl=1), UP.TEID_UL, qfi=5)]
    n9 = [UP.gtpu(upf_big(700, True, src=UP.INTERNET), UP.TEID_N9_LOCAL, src=UP.ANCHOR, dst=UP.N9_IP,
                  smac=UP.ANCHOR_MAC, dmac=UP.N9_MAC, qfi=9, pdu_type=0)]
    ups = UP.setup()
    for u in ups:
        if u["table"] == "tunnel_peers" and u["match"]["id"] == UP.PEER_GNB:
            u["params"]["mtu"] = 600
    with Sxdp({"n3": ul, "n6": dn, "n9": n9}, pipeline=UP.PIPELINE, port_opts=UP.PORTS) as dp:
        dp.table_write(ups)
        dp.phase(["n6"])
        dp.phase(["n3"])
        dp.phase(["n9"])
        st = dp.wait_consumed()
        dp.stop()
        out = dp.outputs()
        expect_nothing_raw(out, ["n3", "n6", "n9"], "about the UPF's decapsulated traffic")
        expect_drops(st, {"switch.ttl_expired": 1, "upf.too_big": 1})
        expect_eq(events_of(st).get("switch.icmp_tunnelled", 0), 2, "errors not made")
        expect_eq(len(out["n3"]), len(dn), "the DN's downlink only, in its tunnel")


@R.test
def test_upf_downlink_too_big_frag_needed():
    """Peer MTU 600 (inner 600 - 44 = 556): a 556-byte downlink packet fits;
    557 with DF gets ICMP fragmentation needed (MTU 556) from the N6 SVI
    back to the DN host, quoting the header as it came (TTL 30) and 8
    bytes; without DF it is dropped (upf.too_big) with no ICMP."""
    fits, big_df, big_nodf = upf_big(556, True), upf_big(557, True), upf_big(557, False)
    n6 = [Ether(src=UP.DN_MAC, dst=UP.N6_MAC) / p for p in (fits, big_df, big_nodf)]
    ups = UP.setup()
    for u in ups:
        if u["table"] == "tunnel_peers" and u["match"]["id"] == UP.PEER_GNB:
            u["params"]["mtu"] = 600
    with Sxdp({"n3": [], "n6": n6, "n9": []}, pipeline=UP.PIPELINE, port_opts=UP.PORTS) as dp:
        dp.table_write(ups)
        st = dp.run_traffic()
        expect_drops(st, {"upf.too_big": 2})
        expect_eq(events_of(st).get("switch.icmp_error"), 1, "one ICMP error")
        dp.stop()
        out = dp.outputs()
        expect_eq(len(out["n3"]), 1, "the packet that fits, in its tunnel")
        expect_eq(max(len(IP(g[14:])) for g in out["n3"]), 600, "nothing over the peer MTU")
        e = Ether(out["n6"][0])
        expect_eq((e.src, e.dst, e[IP].src, e[IP].dst, e[ICMP].type, e[ICMP].code, e[ICMP].nexthopmtu),
                  (UP.N6_MAC, UP.DN_MAC, UP.N6_IP, UP.DN_HOST, 3, 4, 556), "fragmentation needed to the sender")
        expect_eq(bytes(e[ICMP].payload), bytes(big_df)[:28], "quote: the header as it came and 8 bytes")
        expect_eq(len(out["n6"]), 1, "no ICMP for the packet without DF")


if __name__ == "__main__":
    sys.exit(R.main())
