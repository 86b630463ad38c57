#!/usr/bin/python3
"""Routed ports of the `switch` pipeline: an `interfaces` entry of action
`routed` takes a (port, VLAN) straight into its slice's VRF.

    /usr/bin/python3 tests/packet/test_routed.py [NAME-SUBSTRING ...]

A routed port has no bridge domain of its own to bridge in: its frames
skip learning and the fdb (switch.l2) and go from switch.ingress to
switch.l3 / switch.l3v6 when addressed to the port's MAC. Its addresses
are the SVIs of the link the entry names (`bd`: svi, svi6, a flood entry
of the port alone), with the port's MAC, so ARP, NDP, echo and neighbour
resolution are the SVI slow path's. Frames to another unicast MAC are
switch.not_port_mac, group frames that are no ARP request / neighbour
solicitation for the port's address switch.routed_group.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_drops, expect_eq, expect_events  # noqa: E402

try:
    from scapy.all import ARP, ICMP, IP, Ether, IPv6, Raw, in6_getnsma, inet_pton  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_switch import (A4, A6, B1, BCAST, H2, HR, NET2, PMAC, QBD, R4, R6, RBD, ROUTER2, SLICE, SVI2,  # noqa: E402
                         U, bd_updates, decremented, echo, echo_reply, expect_outputs6, frame, ip_udp, na_reply,
                         neigh, neigh6, new_switch, ns, routed, routed_updates, svi_updates, udp6)
from sxdptest import svi6_updates  # noqa: E402

R = T.Runner()

QMAC = "02:5e:00:00:0a:01"      # p2's
HQ = "02:00:00:00:0a:01"        # host 10.0.10.1 behind p2 VID 30
OTHER = "02:00:00:00:09:99"     # some other station's MAC
Q4 = "10.0.10.254"


def setup(dp):
    """slice 1: p0 routed (10.0.9.254/24, 2001:db8:9::fe/64, bd 100), p2
    VID 30 routed (10.0.10.254/24, bd 101), p1 VID 20 attached to bd 20
    (SVI 10.0.2.254/24 and 2001:db8:2::fe/64, ROUTER2)."""
    return (routed_updates(dp, "p0", 0, RBD, PMAC, "%s/24" % R4, (R6, "2001:db8:9::", 64)) +
            routed_updates(dp, "p2", 30, QBD, QMAC, "%s/24" % Q4) +
            bd_updates(dp, 20, [("p1", 20)]) +
            svi_updates(SLICE, 20, ROUTER2, "10.0.2.254", 24, "10.0.2.0/24") +
            [u for u in svi6_updates(SLICE, 20, ROUTER2, SVI2, NET2) if u["table"] != "fdb"])   # svi's has it


def hits(dp, table):
    return {tuple(sorted(e["match"].items())): e["hits"] for e in dp.table_read(table)[0]}


PORTS_OPTS = {"p0": {"mac": PMAC}, "p2": {"mac": QMAC}}


@R.test
def test_routed_port_forwards_without_fdb():
    """IPv4 and IPv6 to the routed port's MAC are routed to their routes'
    next hops (TTL / hop limit - 1, MACs rewritten, the egress tag pushed),
    a tagged routed sub-interface too (tag popped on the way out), and back
    to the port's connected hosts from its MAC; unicast to another MAC is
    switch.not_port_mac, group frames the port has no use for
    switch.routed_group; nothing is learned and the fdb is not looked up
    for the routed ports' packets (its entries' hits are the bridged
    side's)."""
    to_far = [ip_udp(A4, "192.168.%d.1" % i, 1000 + i, 2000, ttl=64 - i, payload=b"routed port %d" % i)
              for i in range(4)]
    to_far6 = [udp6(A6, "2001:db8:99::%d" % (i + 1), 3000 + i, 4000, hlim=64 - i, payload=b"routed6 %d" % i)
               for i in range(3)]
    p0_in = ([frame(HR, PMAC, p) for p in to_far] + [frame(HR, PMAC, p) for p in to_far6] +
             [frame(HR, OTHER, ip_udp(A4, "192.168.0.9", payload=b"to another MAC")),
              frame(HR, ROUTER2, ip_udp(A4, "192.168.0.9", payload=b"to the SVI's MAC, not the port's")),
              frame(HR, BCAST, ip_udp(A4, "10.0.9.255", payload=b"broadcast")),
              frame(HR, "01:00:5e:01:02:03", ip_udp(A4, "239.1.2.3", payload=b"multicast")),
              frame(HR, BCAST, ARP(op=1, hwsrc=HR, psrc=A4, pdst="10.0.9.77"))])    # not the port's address
    from_q = ip_udp("10.0.10.1", "192.168.7.7", 5000, 6000, ttl=9, payload=b"from the tagged routed port")
    p2_in = [frame(HQ, QMAC, from_q, 30)]
    to_hr = ip_udp("10.0.2.1", A4, 7000, 8000, ttl=30, payload=b"back to the routed port's host")
    p1_in = [frame(H2, ROUTER2, to_hr, 20)]
    with new_switch({"p0": p0_in, "p1": p1_in, "p2": p2_in}, port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp) + [
            neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
            neigh(SLICE, A4, "p0", 0, HR, PMAC),
            neigh6(SLICE, B1, "p1", 20, H2, ROUTER2),
            U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, "via", {"nh": "10.0.2.1"}),
            U("routes6", {"vrf": SLICE, "dst": "2001:db8:99::/48"}, "via", {"nh": B1})])
        fdb0 = dp.table_read("fdb")[0]
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 1})     # H2 on p1, the bridged side: learned
        st = dp.wait_consumed()
        expect_drops(st, {"switch.not_port_mac": 2, "switch.routed_group": 3})
        expect_events(st, {"switch.learn": 1}, only="switch.")
        fdb = dp.table_read("fdb")[0]
        expect_eq(sorted((e["match"]["bd"], e["match"]["mac"].lower(), e["action"]) for e in fdb),
                  sorted([(e["match"]["bd"], e["match"]["mac"].lower(), e["action"]) for e in fdb0] +
                         [(20, H2, "learned")]),
                  "fdb: only the bridged side's host learned")
        expect(all(e["match"]["bd"] not in (RBD, QBD) for e in fdb), "no fdb entry in a routed link")
        ifs = hits(dp, "interfaces")
        expect_eq(ifs, {(("in_port", "p0"), ("vlan", 0)): len(p0_in), (("in_port", "p2"), ("vlan", 30)): 1,
                        (("in_port", "p1"), ("vlan", 20)): 1}, "interfaces hits")
        nhs = {e["params"]["ip"]: e["hits"] for e in dp.table_read("nexthops")[0]}
        expect_eq(nhs, {"10.0.2.1": len(to_far) + 1, B1: len(to_far6)}, "next hops' hits")
        dp.stop()
        want_p1 = ([frame(ROUTER2, H2, decremented(p), 20) for p in to_far] +
                   [frame(ROUTER2, H2, routed(p), 20) for p in to_far6] +
                   [frame(ROUTER2, H2, decremented(from_q), 20)])
        dp.expect_outputs({"p1": want_p1, "p0": [frame(PMAC, HR, decremented(to_hr))], "p2": []},
                          unordered=["p1"])


def fused_checked(meter):
    """The burst of test_routed_port_fused_path_checked, the routed port's
    interface metered by meter (an RFC 4115 one with room for a frame or
    two: the rest red and dropped) or not (None)."""
    good = [ip_udp(A4, "192.168.%d.1" % i, 1000 + i, 2000, ttl=40, payload=b"fused %d" % i) for i in range(6)]
    odd = [IP(src=A4, dst="192.168.1.9", ttl=9, chksum=0x1234) / Raw(b"bad checksum"),
           ip_udp("127.0.0.1", "192.168.1.9", payload=b"martian source"),
           ip_udp(A4, "224.1.2.3", payload=b"group destination"),
           ip_udp(A4, "0.1.2.3", payload=b"martian destination"),
           ip_udp(A4, "192.168.2.2", ttl=1, payload=b"ttl 1"),
           ip_udp(A4, "172.31.0.1", payload=b"no route"),
           IP(src=A4, dst=R4, ttl=20) / ICMP(id=7, seq=1) / Raw(b"ping the port"),
           IP(src=A4, dst="192.168.3.3", ttl=30, options=b"\x01\x01\x01\x00") / Raw(b"options")]
    p0_in = [frame(HR, PMAC, p) for p in good[:3] + odd + good[3:]]
    old = os.environ.get("SXDP_FAST_CHECK")
    os.environ["SXDP_FAST_CHECK"] = "1"
    try:
        with new_switch({"p0": p0_in, "p1": [], "p2": []}, port_opts=PORTS_OPTS) as dp:
            ups = setup(dp)
            if meter:
                for u in ups:
                    if u["table"] == "interfaces" and u["match"] == {"in_port": "p0", "vlan": 0}:
                        u["params"]["meter"] = meter["id"]
                ups = [U("meters", {"id": meter["id"]}, "rfc4115", meter["rates"])] + ups
            dp.table_write(ups + [
                neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
                neigh(SLICE, A4, "p0", 0, HR, PMAC),
                U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, "via", {"nh": "10.0.2.1"})])
            dp.run_traffic()
            st = dp.wait_consumed(mempool=False)
            drops = T.drops_of(st)
            if meter:
                red = drops.get("qos.meter_red", 0)
                expect(0 < red < len(p0_in), "the meter dropped some, not all: %d of %d" % (red, len(p0_in)))
            else:
                for reason in ("switch.ip_cksum", "switch.martian_src", "switch.mcast_dst", "switch.martian_dst"):
                    expect_eq(drops.get(reason), 1, reason)
                nhs = {e["params"]["ip"]: e["hits"] for e in dp.table_read("nexthops")[0]}
                expect_eq(nhs.get("10.0.2.1"), len(good) + 1, "next hop's hits (the good ones, the one with options)")
            ifs = hits(dp, "interfaces")
            expect_eq(ifs.get((("in_port", "p0"), ("vlan", 0))), len(p0_in), "interfaces hits")
            expect(dp.proc.poll() is None, "sxdp still runs: the fused and the general path agreed")
            dp.stop()
    finally:
        if old is None:
            del os.environ["SXDP_FAST_CHECK"]
        else:
            os.environ["SXDP_FAST_CHECK"] = old


@R.test
def test_routed_port_fused_path_checked():
    """A burst of IPv4 to the routed port's MAC takes the fused path
    (switch.ingress and switch.l3 in one pass, sw_fast.c), whatever L3
    then makes of each packet: here with SXDP_FAST_CHECK, so every such
    burst also goes through the general path on copies and any difference
    (next, dp_meta, the switch's field, the frame) aborts sxdp. Routed,
    bad header checksum, martian and group addresses, TTL 1, no route, the
    port's own address, IP options: each ends as the general path ends
    it."""
    fused_checked(None)


@R.test
def test_routed_port_fused_path_checked_metered():
    """The same burst with the routed port's interface metered (the
    slice's meter, which the fused path runs after the class meters as
    switch.ingress does): the general path's shadow walk meters copies of
    the buckets, so both see the same colors, and what the meter drops it
    drops on either path."""
    fused_checked({"id": 5, "rates": {"cir": 8000, "cbs": 300, "eir": 0, "ebs": 0}})


@R.test
def test_routed_port_answers_arp_nd_echo():
    """The routed port's addresses are answered from its MAC: ARP requests
    (broadcast, and unicast to the port's MAC), neighbour solicitations
    (multicast and unicast), ICMP and ICMPv6 echo; the requesters become
    neighbours on the port."""
    arp_req = frame(HR, BCAST, ARP(op=1, hwsrc=HR, psrc=A4, hwdst="00:00:00:00:00:00", pdst=R4))
    arp_uni = frame(HR, PMAC, ARP(op=1, hwsrc=HR, psrc=A4, hwdst=PMAC, pdst=R4))
    ping = frame(HR, PMAC, IP(src=A4, dst=R4, id=99, ttl=20) / ICMP(id=5, seq=1) / Raw(b"ping the routed port"))
    ns_mc = ns(HR, A6, R6)
    ns_uni = ns(HR, A6, R6, dst=R6, eth_dst=PMAC)
    ping6 = echo(HR, PMAC, A6, R6)
    p0_in = [arp_req, arp_uni, ping, ns_mc, ns_uni, ping6]

    def arp_reply(req):
        e = Ether(bytes(req))
        a = e[ARP]
        return frame(PMAC, a.hwsrc, ARP(op=2, hwsrc=PMAC, psrc=R4, hwdst=a.hwsrc, pdst=a.psrc) /
                     Raw(bytes(e[ARP].payload)))

    def icmp_reply(req):
        e = Ether(bytes(req))
        ip = e[IP]
        return frame(PMAC, e.src, IP(src=ip.dst, dst=ip.src, id=ip.id, ttl=64, flags=ip.flags, tos=ip.tos) /
                     ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq) / Raw(bytes(ip[ICMP].payload)))

    with new_switch({"p0": p0_in, "p1": [], "p2": []}, port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp))
        dp.run_traffic()
        st = dp.wait_events({"switch.neigh_learned": 1, "switch.nd_learned": 1})
        st = dp.wait_consumed()
        expect_drops(st, {})
        expect_events(st, {"switch.arp_reply": 2, "switch.icmp_echo": 1, "switch.nd_advert": 2,
                           "switch.icmp6_echo": 1, "switch.neigh_learned": 1, "switch.nd_learned": 1,
                           "switch.consumed": 6}, only="switch.")
        nb = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh")[0]}
        expect_eq(nb, {A4: ("learned", {"port": "p0", "vlan": 0, "dmac": HR.upper(), "smac": PMAC.upper()})},
                  "ARP requester learned on the routed port")
        nb6 = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh6")[0]}
        expect_eq(nb6, {A6: ("learned", {"port": "p0", "vlan": 0, "dmac": HR.upper(), "smac": PMAC.upper()})},
                  "solicitor learned on the routed port")
        expect_eq([e for e in dp.table_read("fdb")[0] if e["action"] == "learned"], [], "nothing learned")
        dp.stop()
        expect_outputs6(dp, {"p0": [arp_reply(arp_req), arp_reply(arp_uni), icmp_reply(ping),
                                    na_reply(PMAC, R6, HR, A6), na_reply(PMAC, R6, HR, A6),
                                    echo_reply(ping6, PMAC)],
                             "p1": [], "p2": []}, unordered=["p0"])


@R.test
def test_routed_port_resolves_its_neighbours():
    """A packet routed to an unknown host of the routed port's subnet is
    held while the box asks for it out of the port alone (ARP from the
    port's MAC and address); the reply makes a neighbour and releases the
    held packet, rewritten from the port's MAC."""
    held = ip_udp("10.0.2.1", "10.0.9.7", 4000, 7777, ttl=40, payload=b"held for 10.0.9.7")
    reply = frame(HR, PMAC, ARP(op=2, hwsrc=HR, psrc="10.0.9.7", hwdst=PMAC, pdst=R4))
    with new_switch({"p1": [frame(H2, ROUTER2, held, 20)], "p0": [reply], "p2": []},
                    port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp))
        dp.phase(["p1"], events={"switch.arp_request": 1})
        dp.phase(["p0"], events={"switch.neigh_learned": 1})
        st = dp.wait_consumed()
        expect_drops(st, {})
        nb = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh")[0]}
        expect_eq(nb, {"10.0.9.7": ("learned", {"port": "p0", "vlan": 0, "dmac": HR.upper(),
                                                "smac": PMAC.upper()})}, "neighbour from the ARP reply")
        dp.stop()
        req = frame(PMAC, BCAST, ARP(op=1, hwsrc=PMAC, psrc=R4, hwdst="00:00:00:00:00:00", pdst="10.0.9.7"))
        req = req / Raw(b"\x00" * max(0, 60 - len(req)))
        outs = dp.outputs()
        arps = [b for b in outs["p0"] if ARP in Ether(b)]
        expect(1 <= len(arps) <= 2 and all(b == bytes(req) for b in arps),
               "ARP requests out of the routed port: %s" % [Ether(b).summary() for b in arps])
        dp.expect_outputs({"p0": arps + [frame(PMAC, HR, decremented(held))], "p1": [], "p2": []},
                          unordered=["p0"])


if __name__ == "__main__":
    sys.exit(R.main())
