#!/usr/bin/python3
"""The switch's exception path: a VRF's kernel twin (`hosts`, interfaces
action `host`).

    /usr/bin/python3 tests/packet/test_host.py [NAME-SUBSTRING ...]

What reaches the box's own addresses and the switch does not answer
itself (a BGP session's TCP, BFD's UDP, an ICMP error) goes to the kernel
twin of its VRF: the `hosts` entry of (vrf, bd), else of (vrf, 0), names a
(port, VLAN) where the kernel's interface (in the VRF's kernel VRF) wears
the port's MAC. The IP packet goes as it came, in that VLAN, to that MAC.
The twin's frames come back through an `interfaces` entry `host`: a routed
port whose packets are the box's own, routed with the TTL the kernel set
(an eBGP session's TTL 1 leaves with TTL 1), never answered with an ICMP
error. A VRF without a twin drops as before (switch.not_for_us); a twin on
another slice's wire is refused (slice_conflict). A routing protocol's
link-local multicast (OSPF's 224.0.0.5) reaches the twin from the link,
and the twin's goes out bridged, TTL untouched; OSPFv3's ff02::5 the
same, and the twin's unicast to a neighbour's link-local address goes out
where that neighbour answers. The twin's link-local address is the box's
on the twin's slice's links.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect_drops, expect_eq, expect_events  # noqa: E402

try:
    from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, Raw  # noqa: E402
    from scapy.all import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr  # noqa: E402
    from scapy.contrib.ospf import OSPF_Hdr, OSPF_Hello, OSPFv3_Hdr, OSPFv3_Hello  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_switch import (A4, A6, HR, PMAC, R4, R6, RBD, SLICE, U, decremented, echo, echo_reply,  # noqa: E402
                         expect_outputs6, frame, ip_udp, ll_of, na_reply, neigh, neigh6, new_switch, ns, ns_from_box,
                         routed_updates)

R = T.Runner()

HMAC = "02:5e:00:00:0b:01"      # the host port's MAC: its kernel side wears it
KVID = 7                        # the twin's VLAN on the host port
HBD = 900                       # the twin's own link (a routed port's bd)
S2, S2BD = 2, 200               # a slice without a twin
P1MAC = "02:5e:00:00:0c:01"     # its routed port p1's MAC
PORTS_OPTS = {"p0": {"mac": PMAC}, "p1": {"mac": P1MAC}, "h": {"mac": HMAC}}


def twin_updates(slice_id=SLICE, vlan=KVID, bd=0):
    return [U("hosts", {"vrf": slice_id, "bd": bd}, "twin", {"port": "h", "vlan": vlan}),
            U("interfaces", {"in_port": "h", "vlan": vlan}, "host", {"slice": slice_id, "bd": HBD})]


def setup(dp):
    """slice 1: p0 routed (10.0.9.254/24, 2001:db8:9::fe/64), its twin on h
    VLAN 7; slice 2: p1 routed (10.0.20.254/24), no twin."""
    return (routed_updates(dp, "p0", 0, RBD, PMAC, "%s/24" % R4, (R6, "2001:db8:9::", 64)) +
            routed_updates(dp, "p1", 0, S2BD, P1MAC, "10.0.20.254/24", slice_id=S2) + twin_updates())


def to_twin(l3):
    """l3 (as it reached the box) the way the twin gets it."""
    return frame(HR, HMAC, l3, KVID)


@R.test
def test_box_traffic_reaches_the_twin():
    """BGP over IPv4 and IPv6, BFD, an ICMP error to the box's addresses go
    to the twin untouched (TTL too), in its VLAN, to the port's MAC; an echo
    request is still answered by the switch; slice 2 (no twin) drops its
    packet for the box as not_for_us."""
    bgp = IP(src=A4, dst=R4, ttl=1) / TCP(sport=40000, dport=179, flags="S", seq=1)
    bgp6 = IPv6(src=A6, dst=R6, hlim=255) / TCP(sport=40001, dport=179, flags="S", seq=2)
    bfd = ip_udp(A4, R4, 49152, 3784, ttl=255, payload=b"\x20\x40\x03\x18" + bytes(20))
    unreach = IP(src=A4, dst=R4) / ICMP(type=3, code=3) / bytes(IP(src=R4, dst=A4) / UDP(sport=1, dport=2))
    echo = IP(src=A4, dst=R4) / ICMP(type=8, id=1, seq=1) / Raw(b"ping")
    other = IP(src="10.0.20.1", dst="10.0.20.254") / TCP(sport=40002, dport=179, flags="S")
    with new_switch({"p0": [frame(HR, PMAC, p) for p in (bgp, bgp6, bfd, unreach, echo)],
                     "p1": [frame(HR, P1MAC, other)], "h": []}, port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp) + [neigh(SLICE, A4, "p0", 0, HR, PMAC)])
        st = dp.run_traffic()
        st = dp.wait_events({"switch.host_delivered": 4, "switch.icmp_echo": 1})
        expect_drops(st, {"switch.not_for_us": 1})
        expect_events(st, {"switch.host_delivered": 4, "switch.forwarded": 4, "switch.consumed": 1,
                           "switch.icmp_echo": 1}, only="switch.")
        dp.stop()
        outs = dp.outputs()
        expect_eq(sorted(bytes(o) for o in outs["h"]),
                  sorted(bytes(to_twin(p)) for p in (bgp, bgp6, bfd, unreach)),
                  "the twin got BGP, BGP over IPv6, BFD and the ICMP error, as they came")
        expect_eq([Ether(o)[ICMP].type for o in outs["p0"]], [0], "the echo answered by the box")


@R.test
def test_twin_packets_leave_as_the_boxs_own():
    """The twin's packets are routed in its slice with the TTL (hop limit)
    it set, MACs rewritten: an eBGP TTL 1 leaves with TTL 1; one to no
    route is dropped without an ICMP error; a frame to another MAC than the
    port's is not_port_mac; a VLAN without an interface, no_interface."""
    syn_ack = IP(src=R4, dst=A4, ttl=1) / TCP(sport=179, dport=40000, flags="SA", seq=9, ack=2)
    syn_ack6 = IPv6(src=R6, dst=A6, hlim=255) / TCP(sport=179, dport=40001, flags="SA", seq=9, ack=3)
    nowhere = IP(src=R4, dst="192.0.2.99", ttl=64) / UDP(sport=1, dport=2)
    h_in = [frame(HMAC, HMAC, syn_ack, KVID), frame(HMAC, HMAC, syn_ack6, KVID),
            frame(HMAC, HMAC, nowhere, KVID), frame(HMAC, "02:00:00:00:00:77", syn_ack, KVID),
            frame(HMAC, HMAC, syn_ack, KVID + 1)]
    with new_switch({"p0": [], "p1": [], "h": h_in}, port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp) + [neigh(SLICE, A4, "p0", 0, HR, PMAC), neigh6(SLICE, A6, "p0", 0, HR, PMAC)])
        st = dp.run_traffic()
        expect_drops(st, {"switch.no_route": 1, "switch.not_port_mac": 1, "switch.no_interface": 1})
        expect_events(st, {}, only="switch.icmp")
        dp.stop()
        dp.expect_outputs({"p0": [frame(PMAC, HR, syn_ack), frame(PMAC, HR, syn_ack6)], "h": []})
        # what a LAN host sends the same way is a hop of the box's
        expect_eq(decremented(syn_ack).ttl, 0, "(a forwarded TTL 1 would have expired)")


@R.test
def test_routing_multicast_to_and_from_the_twin():
    """An OSPF hello (224.0.0.5, TTL 1) on slice 1's routed port reaches its
    twin as it came, to the group's MAC, in the twin's VLAN; mDNS's
    224.0.0.251 is no routing protocol's (routed_group); slice 2 has no twin
    and keeps dropping it (routed_group). The twin's hello leaves p0 bridged
    from the SVI's MAC (the port's), TTL 1 untouched, and never reaches p1
    (slice 2's)."""
    gmac = "01:00:5e:00:00:05"
    hello = IP(src=A4, dst="224.0.0.5", ttl=1) / OSPF_Hdr(src=A4) / OSPF_Hello(mask="255.255.255.0")
    mdns = IP(src=A4, dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353) / Raw(b"q")
    hello2 = IP(src="10.0.20.1", dst="224.0.0.5", ttl=1) / OSPF_Hdr(src="10.0.20.1") / OSPF_Hello(mask="255.255.255.0")
    mine = IP(src=R4, dst="224.0.0.5", ttl=1) / OSPF_Hdr(src=R4) / OSPF_Hello(mask="255.255.255.0")
    with new_switch({"p0": [frame(HR, gmac, hello), frame(HR, "01:00:5e:00:00:fb", mdns)],
                     "p1": [frame(HR, gmac, hello2)], "h": [frame(HMAC, gmac, mine, KVID)]},
                    port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp))
        dp.run_traffic()
        st = dp.wait_events({"switch.host_delivered": 1, "switch.twin_mcast": 1})
        expect_drops(st, {"switch.routed_group": 2})
        expect_events(st, {"switch.host_delivered": 1, "switch.forwarded": 1, "switch.twin_mcast": 1,
                           "switch.consumed": 1}, only="switch.")
        dp.stop()
        dp.expect_outputs({"h": [frame(HR, gmac, hello, KVID)], "p0": [frame(PMAC, gmac, mine)], "p1": []})


@R.test
def test_twins_link_local_address_is_the_boxs():
    """The twin wears fe80:: + EUI-64 of the host port's MAC, and its BGP
    speaker names that address beside each global next hop (RFC 2545), so
    a peer may route via it: a solicitation for it on the twin's slice's
    link is answered with the link's MAC (the port's), what is sent to it
    reaches the twin (a BGP session over link-local addresses), an echo to
    it is the box's to answer; on slice 2 (no twin) it is nobody's
    (ip6_ll_dst)."""
    twin_ll, peer_ll = ll_of(HMAC), ll_of(HR)
    sol = ns(HR, peer_ll, twin_ll)
    bgp = IPv6(src=peer_ll, dst=twin_ll, hlim=255) / TCP(sport=40003, dport=179, flags="S", seq=4)
    ping = echo(HR, PMAC, peer_ll, twin_ll)
    other = IPv6(src="2001:db8:20::1", dst=twin_ll) / TCP(sport=40004, dport=179, flags="S")
    with new_switch({"p0": [sol, frame(HR, PMAC, bgp), ping], "p1": [frame(HR, P1MAC, other)], "h": []},
                    port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp) + [U("svi6", {"vrf": S2, "bd": S2BD}, "svi6",
                                      {"mac": P1MAC, "ip": "2001:db8:20::fe", "plen": 64})])
        dp.run_traffic()
        st = dp.wait_events({"switch.host_delivered": 1, "switch.nd_advert": 1, "switch.icmp6_echo": 1})
        expect_drops(st, {"switch.ip6_ll_dst": 1})
        dp.stop()
        expect_outputs6(dp, {"h": [to_twin(bgp)],
                             "p0": [na_reply(PMAC, twin_ll, HR, peer_ll), echo_reply(ping, PMAC)]},
                        unordered=["p0"])


@R.test
def test_ospfv3_to_and_from_the_twin():
    """OSPFv3: a hello to ff02::5 (hop limit 1) from a router's link-local
    address reaches the twin as it came; the twin's hello leaves p0 bridged
    from the port's MAC, hop limit untouched; ff02::fb (mDNS) is no routing
    protocol's (routed_group). The twin's unicast to the router's
    link-local address (a database exchange) is held while the box asks on
    the slice's links (fe80:ffff::IID), then leaves where it answered, hop
    limit untouched."""
    twin_ll, peer_ll = ll_of(HMAC), ll_of(HR)
    gmac = "33:33:00:00:00:05"
    hello = IPv6(src=peer_ll, dst="ff02::5", hlim=1) / OSPFv3_Hdr(src="10.0.9.1") / OSPFv3_Hello()
    mdns = IPv6(src=peer_ll, dst="ff02::fb", hlim=255) / UDP(sport=5353, dport=5353) / Raw(b"q")
    mine = IPv6(src=twin_ll, dst="ff02::5", hlim=1) / OSPFv3_Hdr(src=R4) / OSPFv3_Hello()
    dd = IPv6(src=twin_ll, dst=peer_ll, hlim=1) / OSPFv3_Hdr(type=2, src=R4) / Raw(bytes(12))
    adv = frame(HR, PMAC, IPv6(src=peer_ll, dst=R6, hlim=255) / ICMPv6ND_NA(R=1, S=1, O=1, tgt=peer_ll) /
                ICMPv6NDOptDstLLAddr(lladdr=HR))
    with new_switch({"h": [frame(HMAC, gmac, mine, KVID), frame(HMAC, HMAC, dd, KVID)],
                     "p0": [frame(HR, gmac, hello), frame(HR, "33:33:00:00:00:fb", mdns), adv], "p1": []},
                    port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp))
        dp.phase(["h"], events={"switch.twin_mcast": 1, "switch.nd_solicit": 1})
        st = dp.phase(["p0"], events={"switch.host_delivered": 1, "switch.nd_learned": 1})
        expect_drops(st, {"switch.routed_group": 1})
        dp.stop()
        outs = dp.outputs()
        sol = [o for o in outs["p0"] if ICMPv6ND_NS in Ether(o)]
        expect_eq(sol[:1], [bytes(ns_from_box(PMAC, R6, peer_ll))], "asked for the router from p0's address")
        expect_outputs6(dp, {"h": [frame(HR, gmac, hello, KVID)],
                             "p0": [frame(PMAC, gmac, mine)] + sol + [frame(PMAC, HR, dd)]})


@R.test
def test_twin_on_another_slices_wire_refused():
    """A hosts entry whose (port, VLAN) is another slice's interface is
    refused (slice_conflict); the twin's own link is its slice's only."""
    with new_switch({"p0": [], "p1": [], "h": []}, port_opts=PORTS_OPTS) as dp:
        dp.table_write(setup(dp))
        res = dp.table_write([U("hosts", {"vrf": S2, "bd": 0}, "twin", {"port": "h", "vlan": KVID})], check=False)
        expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "slice_conflict",
                  "slice 2's twin on slice 1's twin VLAN")
        expect_eq([e["match"] for e in dp.table_read("hosts")[0]], [{"vrf": SLICE, "bd": 0}], "hosts unchanged")


if __name__ == "__main__":
    R.main()
