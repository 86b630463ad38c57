#!/usr/bin/python3
"""IPv6 routing in the `switch` pipeline's slices (VRFs): routes6, neigh6,
svi6, next hops by id, the stage switch.l3v6 and the NDP/ICMPv6 slow path.

    /usr/bin/python3 tests/packet/test_ipv6.py [NAME-SUBSTRING ...]

Routed forwarding (hop limit - 1, MACs rewritten, tags pushed and popped),
ECMP, neighbour solicitations answered and neighbours learned, resolution
with the hold queue, link-local next hops scoped to their BD, ICMPv6 echo, time exceeded, unreachable (no route,
beyond scope, address unreachable), packet too big, two slices with
identical addressing kept apart, and martian or malformed packets dropped
under their named reasons. Every frame the box makes is compared byte for
byte with one scapy builds (so its ICMPv6 checksum is scapy's) and checked
by tshark; the slow path's accounting is checked after every test.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_drops, expect_eq, expect_events, svi6_updates  # noqa: E402

try:
    from scapy.all import (TCP, UDP, Ether, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6ND_NA,  # noqa: E402
                           ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6PacketTooBig, ICMPv6TimeExceeded, IPv6,
                           IPv6ExtHdrHopByHop, Raw, in6_getnsma, in6_getnsmac, inet_pton)
    import socket
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_switch import (A1, A3, B1, B2, H1, H2, H2B, H3, NET1, NET2, ROUTER1, ROUTER2, SLICE,  # noqa: E402
                         SVI1, SVI2, U, bd_updates, echo, echo_reply, expect_outputs6, frame, ll_of, na_reply,
                         neigh6, new_switch, ns, ns_from_box, routed, udp6)

R = T.Runner()

FAR = "2001:db8:99::7"                         # behind B1: via route
LL1, LL2 = ll_of(ROUTER1), ll_of(ROUTER2)


def l3_setup6(dp, vrf=SLICE, bd20=("p1", 20), bd10=(("p0", 0),), bds=(10, 20)):
    """vrf: bd 10 = 2001:db8:1::/64 (SVI ::fe, ROUTER1) on p0 untagged;
    bd 20 = 2001:db8:2::/64 (SVI ::fe, ROUTER2) on p1 VID 20."""
    return (bd_updates(dp, bds[0], list(bd10), slice_id=vrf) + bd_updates(dp, bds[1], [bd20], slice_id=vrf) +
            svi6_updates(vrf, bds[0], ROUTER1, SVI1, NET1) + svi6_updates(vrf, bds[1], ROUTER2, SVI2, NET2))


def icmp6_error(orig, router_mac, src, err, vlan=None):
    """The ICMPv6 error the box sends about frame orig: back to its sender
    (same VLAN), quoting as much as fits 1280 bytes."""
    e = Ether(bytes(orig))
    ip = e[IPv6]
    quote = bytes(ip)[:40 + ip.plen][:1232]
    return frame(router_mac, e.src, IPv6(src=src, dst=ip.src, hlim=64) / err / Raw(quote), vlan)


def bad_cksum(f):
    """f with its ICMPv6 checksum off by one."""
    b = bytearray(bytes(f))
    e = Ether(bytes(f))
    off = len(b) - len(bytes(e[IPv6].payload)) + 2
    b[off + 1] ^= 1
    return bytes(b)


def nexthops6(dp):
    return {e["params"]["ip"]: (e["action"], e["params"].get("port"), e["params"].get("dmac"), e["hits"])
            for e in dp.table_read("nexthops")[0] if e["action"].endswith("6")}


# ------------------------------------------------------------------ tests
@R.test
def test_routed_forward_hop_limit_and_rewrite():
    """Routed between bd 10 (untagged p0) and bd 20 (p1, VID 20) with static
    neighbours: MACs rewritten, hop limit - 1 (no checksum in IPv6: L4
    bytes untouched), tag pushed / popped; a connected host by address
    (neigh6), a `via` route's next hop by id (nexthops: resolved6), a
    blackhole (switch.route_drop, no ICMPv6). Extension headers ride along."""
    to_b1 = [udp6(A1, B1, 1000 + i, hlim=h, tc=tc) for i, (h, tc) in enumerate(((64, 0), (2, 0xb8), (255, 0)))]
    to_b1.append(IPv6(src=A1, dst=B1, hlim=17) / TCP(sport=40000, dport=80, flags="S", seq=1))
    to_b1.append(IPv6(src=A1, dst=B1, hlim=9, fl=0x12345) / ICMPv6EchoRequest(id=5, seq=1, data=b"ping through"))
    to_b1.append(IPv6(src=A1, dst=B1, hlim=30) / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=2) / Raw(b"hbh"))
    to_far = [udp6(A1, FAR, 3000, payload=b"via a route"), udp6(A1, "2001:db8:99:1::1", 3001)]
    to_a1 = [udp6(B1, A1, 2000, 1000, payload=b"back"), udp6(B1, A1, 2001, 1000, hlim=128)]
    blackhole = udp6(A1, "2001:db8:66::1", 1, 2, payload=b"into the blackhole")
    p0_in = [frame(H1, ROUTER1, p) for p in to_b1 + to_far + [blackhole]]
    p1_in = [frame(H2, ROUTER2, p, 20, 3) for p in to_a1]
    with new_switch({"p0": p0_in, "p1": p1_in}) as dp:
        dp.table_write(l3_setup6(dp) + [
            neigh6(SLICE, B1, "p1", 20, H2, ROUTER2), neigh6(SLICE, A1, "p0", 0, H1, ROUTER1),
            U("routes6", {"vrf": SLICE, "dst": "2001:db8:99::/48"}, "via", {"nh": B1}),
            U("routes6", {"vrf": SLICE, "dst": "2001:db8:66::/48"}, "drop")])
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 2})
        expect_drops(st, {"switch.route_drop": 1})
        expect_events(st, {"switch.learn": 2}, only="switch.")
        nb = {e["match"]["ip"]: e["hits"] for e in dp.table_read("neigh6")[0]}
        expect_eq(nb, {B1: len(to_b1), A1: len(to_a1)}, "neigh6 hits (connected hosts)")
        expect_eq(nexthops6(dp), {B1: ("resolved6", "p1", H2.upper(), len(to_far))},
                  "nexthops: the via route's next hop, by id")
        routes = {e["match"]["dst"]: e["hits"] for e in dp.table_read("routes6")[0]}
        expect_eq(routes["2001:db8:99::/48"], 2, "routes6 hits")
        expect_eq(routes["2001:db8:2::/64"], len(to_b1), "routes6 hits (connected)")
        desc = {t["name"]: t for t in dp.rpc("pipeline.describe")["tables"]}
        expect_eq(desc["routes6"]["backend"], "dp_lpm6", "routes6 backend")
        dp.stop()
        expect_outputs6(dp, {"p1": [frame(ROUTER2, H2, routed(p), 20) for p in to_b1 + to_far],
                           "p0": [frame(ROUTER1, H1, routed(p)) for p in to_a1]})


@R.test
def test_ecmp6_spread():
    """A 2-way ecmp route spreads flows over both next hops (a flow always
    on one), and the nexthops ids count them; n above 2 is refused."""
    n_flows = 96
    flows = [udp6(A1, "2001:db8:77:%x::%x" % (i // 7, i + 1), 20000 + 7 * i, 443, payload=b"f%d" % i)
             for i in range(n_flows)]
    with new_switch({"p0": [frame(H1, ROUTER1, p) for p in flows for _ in range(2)], "p1": [], "p2": []}) as dp:
        ecmp = U("routes6", {"vrf": SLICE, "dst": "2001:db8:77::/48"}, "ecmp", {"n": 2, "nh0": B1, "nh1": B2})
        dp.table_write(bd_updates(dp, 10, [("p0", 0)]) + bd_updates(dp, 20, [("p1", 0), ("p2", 0)]) +
                       svi6_updates(SLICE, 10, ROUTER1, SVI1, NET1) + svi6_updates(SLICE, 20, ROUTER2, SVI2, NET2) +
                       [neigh6(SLICE, B1, "p1", 0, H2, ROUTER2), neigh6(SLICE, B2, "p2", 0, H2B, ROUTER2), ecmp])
        r = dp.rpc_raw("table.write", {"updates": [U("routes6", {"vrf": SLICE, "dst": "2001:db8:78::/48"},
                                                      "ecmp", {"n": 3, "nh0": B1, "nh1": B2})]})
        expect_eq(r.get("error", {}).get("data", {}).get("reason"), "out_of_range", "ecmp of 3 IPv6 next hops")
        r = dp.table_write([U("routes6", {"vrf": SLICE, "dst": "2001:db8:79::/48"}, "via", {"nh": "fe80::1"})],
                           check=False)
        expect(not r["committed"], "a route via a link-local next hop is refused: %s" % r["results"])
        st = dp.run_traffic()
        expect_drops(st, {})
        nh = nexthops6(dp)
        expect_eq(sum(v[3] for v in nh.values()), 2 * n_flows, "next-hop hits")
        dp.stop()
        outs = dp.outputs()
        want = {port: {bytes(frame(ROUTER2, mac, routed(p))): i for i, p in enumerate(flows)}
                for port, mac in (("p1", H2), ("p2", H2B))}
        seen = {}
        for port in ("p1", "p2"):
            for b in outs[port]:
                expect(b in want[port], "%s: unexpected %s" % (port, Ether(b).summary()))
                seen.setdefault(want[port][b], []).append(port)
        expect_eq(sorted(seen), list(range(n_flows)), "flows delivered")
        expect_eq([i for i, p in seen.items() if p[0] != p[1]], [], "flows split over next hops")
        n1 = sum(1 for p in seen.values() if p[0] == "p1")
        print("#   ecmp6: %d flows on nh0, %d on nh1" % (n1, n_flows - n1))
        expect(n_flows * 0.3 <= n1 <= n_flows * 0.7, "ecmp spread %d / %d" % (n1, n_flows - n1))


@R.test
def test_ns_answered_and_neighbours_learned():
    """Neighbour solicitations for the SVI6 address and for the box's
    link-local address get advertisements (R, S, O; the MAC as target
    link-layer option), multicast or unicast (NUD); a duplicate address
    detection probe for the box's address is answered to all nodes; the
    solicitors are learned in neigh6 (link-local ones are not); an NS for
    another address is flooded in the bridge domain; malformed ones
    (hop limit, checksum, code, option length) are switch.nd_bad /
    switch.icmp6_cksum; tagged ones are answered on their VLAN; an
    advertisement nobody solicited makes no neighbour (RFC 4861 7.2.5)."""
    ns1 = ns(H1, A1, SVI1)
    ns_ll = ns(H3, A3, LL1)
    nud = ns(H1, A1, SVI1, dst=SVI1, eth_dst=ROUTER1)
    ns_from_ll = ns(H3, ll_of(H3), SVI1)
    dad = ns(H3, "::", SVI1, lla=False)
    other = ns(H1, A1, "2001:db8:1::77")
    bad_hlim = ns(H1, A1, SVI1, hlim=64)
    bad_sum = bad_cksum(ns(H1, A1, SVI1))
    nb = Ether(bytes(ns(H1, A1, SVI1)))
    nb[ICMPv6ND_NS].code = 1
    del nb[ICMPv6ND_NS].cksum
    bad_code = frame(H1, nb.dst, nb[IPv6])
    zero_opt = frame(H1, in6_getnsmac(in6_getnsma(inet_pton(socket.AF_INET6, SVI1))),
                     IPv6(src=A1, dst=socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, SVI1))),
                          hlim=255) / ICMPv6ND_NS(tgt=SVI1) / Raw(b"\x01\x00" + b"\x00" * 6))
    ns2 = ns(H2, B1, SVI2, vlan=20)
    unsolicited = frame(H3, ROUTER1, IPv6(src="2001:db8:1::33", dst=SVI1, hlim=255) /
                        ICMPv6ND_NA(R=0, S=0, O=1, tgt="2001:db8:1::33") / ICMPv6NDOptDstLLAddr(lladdr=H3))
    p0_in = [ns1, ns_ll, nud, ns_from_ll, dad, other, bad_hlim, bad_sum, bad_code, zero_opt, unsolicited]
    with new_switch({"p0": p0_in, "p1": [ns2], "p2": []}) as dp:
        dp.table_write(l3_setup6(dp, bd10=(("p0", 0), ("p2", 0))))
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 3, "switch.nd_learned": 3})
        expect_drops(st, {"switch.nd_bad": 3, "switch.icmp6_cksum": 1})
        expect_events(st, {"switch.nd_advert": 6, "switch.nd_learned": 3, "switch.learn": 3,
                           "switch.consumed": 7}, only="switch.")
        got = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh6")[0]}
        expect_eq(got, {
            A1: ("learned", {"port": "p0", "vlan": 0, "dmac": H1.upper(), "smac": ROUTER1.upper()}),
            A3: ("learned", {"port": "p0", "vlan": 0, "dmac": H3.upper(), "smac": ROUTER1.upper()}),
            B1: ("learned", {"port": "p1", "vlan": 20, "dmac": H2.upper(), "smac": ROUTER2.upper()}),
        }, "neighbours learned from solicitations (an unsolicited advertisement makes none)")
        dp.stop()
        expect_outputs6(dp, {
            "p0": [na_reply(ROUTER1, SVI1, H1, A1), na_reply(ROUTER1, LL1, H3, A3),
                   na_reply(ROUTER1, SVI1, H1, A1), na_reply(ROUTER1, SVI1, H3, ll_of(H3)),
                   na_reply(ROUTER1, SVI1, "33:33:00:00:00:01", "ff02::1", solicited=0)],
            "p1": [na_reply(ROUTER2, SVI2, H2, B1, vlan=20)],
            "p2": [other],     # flooded: not the box's
        }, unordered=["p0"])   # NUD came through l3v6, the others straight from l2


@R.test
def test_echo_to_box_addresses():
    """ICMPv6 echo to the SVI6 address, to the box's link-local address (from
    a link-local source), to the other SVI6 of the VRF and to the subnet-
    router anycast address (answered from the SVI6 address) get replies;
    a bad checksum is switch.icmp6_cksum; UDP to the box is not_for_us."""
    e1 = echo(H1, ROUTER1, A1, SVI1, data=b"x" * 100)
    e_ll = echo(H1, ROUTER1, ll_of(H1), LL1, seq=2)
    e_far = echo(H1, ROUTER1, A1, SVI2, seq=3, hlim=1)     # local: the hop limit is not checked
    e_any = echo(H1, ROUTER1, A1, NET1, seq=4)
    e_bad = bad_cksum(echo(H1, ROUTER1, A1, SVI1, seq=5))
    udp = frame(H1, ROUTER1, udp6(A1, SVI1))
    e2 = echo(H2, ROUTER2, B1, SVI2, vlan=20, seq=6)
    with new_switch({"p0": [e1, e_ll, e_far, e_any, e_bad, udp], "p1": [e2]}) as dp:
        dp.table_write(l3_setup6(dp) + [neigh6(SLICE, A1, "p0", 0, H1, ROUTER1)])
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 2})
        expect_drops(st, {"switch.icmp6_cksum": 1, "switch.not_for_us": 1})
        expect_events(st, {"switch.icmp6_echo": 5, "switch.consumed": 5, "switch.learn": 2}, only="switch.")
        dp.stop()
        expect_outputs6(dp, {
            "p0": [echo_reply(e1, ROUTER1), echo_reply(e_ll, ROUTER1), echo_reply(e_far, ROUTER1),
                   echo_reply(e_any, ROUTER1, src=SVI1)],
            "p1": [echo_reply(e2, ROUTER2, vlan=20)]})


@R.test
def test_resolution_hold_and_release():
    """Routed packets to a neighbour the box does not know yet are held (4
    at most: switch.hold_full) while it solicits it on every member of the
    connected route's BD (from its SVI6, to the solicited-node group); the
    advertisement installs a learned neigh6 entry (and the via route's
    nexthops id) and releases the held packets in order; a neighbour that
    never answers costs switch.nd_unresolved after 3 s, with an ICMPv6
    address unreachable per held packet."""
    held = [udp6(A1, FAR, 4000 + i, payload=b"held %d" % i) for i in range(6)]
    lost = udp6(A1, "2001:db8:2::99", 4100, payload=b"nobody answers")
    later = udp6(A3, B1, 4200, payload=b"after resolution: fast path")
    adv = frame(H2, ROUTER2, IPv6(src=B1, dst=SVI2, hlim=255) / ICMPv6ND_NA(R=0, S=1, O=1, tgt=B1) /
                ICMPv6NDOptDstLLAddr(lladdr=H2), 20)
    p0_in = [frame(H1, ROUTER1, p) for p in held] + [frame(H1, ROUTER1, lost)]
    with new_switch({"p0": p0_in, "p1": [adv], "p2": [frame(H3, ROUTER1, later)], "p3": []}) as dp:
        dp.table_write(bd_updates(dp, 10, [("p0", 0), ("p2", 0)]) + bd_updates(dp, 20, [("p1", 20), ("p3", 0)]) +
                       svi6_updates(SLICE, 10, ROUTER1, SVI1, NET1) + svi6_updates(SLICE, 20, ROUTER2, SVI2, NET2) +
                       [U("routes6", {"vrf": SLICE, "dst": "2001:db8:99::/48"}, "via", {"nh": B1})])
        expect_eq(nexthops6(dp), {B1: ("unresolved6", None, None, 0)}, "the via route's next hop, unresolved")
        t0 = time.monotonic()
        st = dp.phase(["p0"], events={"switch.nd_solicit": 4})   # 2 neighbours x 2 ports
        expect_eq(T.drops_of(st), {"switch.hold_full": 2}, "drops while unresolved")
        expect(st["mempool"]["in_use"] >= dp.baseline_in_use + 5, "5 held packets hold 5 mbufs")
        st = dp.phase(["p1"], events={"switch.nd_learned": 1})
        expect_eq(nexthops6(dp), {B1: ("resolved6", "p1", H2.upper(), len(held))},
                  "resolved by the advertisement (hits of the held packets kept)")
        dp.phase(["p2"])
        st = dp.wait_stats(lambda s: s["drops"].get("switch.nd_unresolved", 0) >= 1, "nd_unresolved", 8)
        took = time.monotonic() - t0
        st = dp.wait_consumed()
        expect_drops(st, {"switch.hold_full": 2, "switch.nd_unresolved": 1})
        n_sol = T.events_of(st).get("switch.nd_solicit", 0)
        expect(took >= 2.5, "held packet given up after %.1f s, before 3 s" % took)
        dp.stop()
        outs = dp.outputs()
        for port, vlan in (("p1", 20), ("p3", None)):
            reqs, others = {}, []
            for b in outs[port]:
                e = Ether(b)
                if ICMPv6ND_NS in e:
                    tgt = e[ICMPv6ND_NS].tgt
                    expect_eq(b, bytes(ns_from_box(ROUTER2, SVI2, tgt, vlan)), "%s NS bytes" % port)
                    reqs[tgt] = reqs.get(tgt, 0) + 1
                else:
                    others.append(b)
            expect(1 <= reqs.get(B1, 0) <= 2, "%s NS for %s: %s" % (port, B1, reqs))
            expect(2 <= reqs.get("2001:db8:2::99", 0) <= 3, "%s NS for ::99: %s" % (port, reqs))
            if port == "p1":
                want = [frame(ROUTER2, H2, routed(p), 20) for p in held[:4] + [later]]
                errs = T.compare_packets(port, others, want)
                expect(not errs, "\n".join(errs))
            else:
                expect_eq(others, [], "p3 non-NS frames")
        expect_eq(n_sol, sum(1 for b in outs["p1"] + outs["p3"] if ICMPv6ND_NS in Ether(b)), "nd_solicit events")
        unreach = icmp6_error(p0_in[-1], ROUTER1, SVI1, ICMPv6DestUnreach(code=3))
        expect_outputs6(dp, {"p0": [unreach], "p2": [], "p1": outs["p1"], "p3": outs["p3"]})


@R.test
def test_hop_limit_exceeded_and_unreachable():
    """Hop limit 1 and 0 are not forwarded: switch.ttl_expired, ICMPv6 time
    exceeded (code 0) back out of the ingress port (its VLAN), from the
    ingress BD's SVI6, quoting the packet; no route: destination unreachable
    code 0 (switch.no_route); a link-local source routed off its link:
    code 2 from the box's link-local address (switch.ip6_ll_src); never an
    error about an ICMPv6 error; a big packet is quoted up to 1280 bytes."""
    h1 = frame(H1, ROUTER1, udp6(A1, B1, 5000, hlim=1, payload=b"hop limit one"))
    h0 = frame(H1, ROUTER1, udp6(A1, B1, 5001, hlim=0, payload=b"hop limit zero"))
    big = frame(H1, ROUTER1, udp6(A1, B1, 5002, hlim=1, payload=b"B" * 1400))
    err = frame(H1, ROUTER1, IPv6(src=A1, dst=B1, hlim=1) / ICMPv6DestUnreach() / Raw(bytes(udp6(B1, A1))))
    noroute = frame(H1, ROUTER1, udp6(A1, "2001:db8:42::1", 5003, payload=b"nowhere"))
    ll_src = frame(H1, ROUTER1, udp6(ll_of(H1), B1, 5004, payload=b"off-link"))
    tagged = frame(H2, ROUTER2, udp6(B1, A1, 6000, hlim=1, payload=b"tagged"), 20, 3)
    with new_switch({"p0": [h1, h0, big, err, noroute, ll_src], "p1": [tagged]},
                    port_opts={"p0": {"mtu": 1500}}) as dp:
        dp.table_write(l3_setup6(dp) + [neigh6(SLICE, B1, "p1", 20, H2, ROUTER2),
                                        neigh6(SLICE, A1, "p0", 0, H1, ROUTER1)])
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 2})
        expect_drops(st, {"switch.ttl_expired": 5, "switch.no_route": 1, "switch.ip6_ll_src": 1})
        expect_events(st, {"switch.icmp6_error": 6, "switch.learn": 2}, only="switch.")
        dp.stop()
        expect_outputs6(dp, {
            "p0": [icmp6_error(f, ROUTER1, SVI1, ICMPv6TimeExceeded(code=0)) for f in (h1, h0, big)] +
                  [icmp6_error(noroute, ROUTER1, SVI1, ICMPv6DestUnreach(code=0)),
                   icmp6_error(ll_src, ROUTER1, LL1, ICMPv6DestUnreach(code=2))],
            "p1": [icmp6_error(tagged, ROUTER2, SVI2, ICMPv6TimeExceeded(code=0), 20)]})


@R.test
def test_packet_too_big():
    """A routed packet over the egress MTU (p1: 1280) is never fragmented:
    switch.pkt_too_big and an ICMPv6 packet too big carrying 1280 back to
    the sender; one of exactly 1280 bytes passes; a held one found too big
    when released is answered the same."""
    fits = udp6(A1, B1, 7000, payload=b"F" * (1280 - 48))
    over = udp6(A1, B1, 7001, payload=b"O" * (1281 - 48))
    big = udp6(A1, B1, 7002, payload=b"G" * 1400)
    held_big = udp6(A1, B2, 7003, payload=b"H" * 1400)
    adv = frame(H2B, ROUTER2, IPv6(src=B2, dst=SVI2, hlim=255) / ICMPv6ND_NA(R=0, S=1, O=1, tgt=B2) /
                ICMPv6NDOptDstLLAddr(lladdr=H2B), 20)
    with new_switch({"p0": [frame(H1, ROUTER1, p) for p in (fits, over, big, held_big)], "p1": [adv]},
                    port_opts={"p1": {"mtu": 1280}}) as dp:
        dp.table_write(l3_setup6(dp) + [neigh6(SLICE, B1, "p1", 20, H2, ROUTER2)])
        dp.phase(["p0"], events={"switch.nd_solicit": 1})
        dp.phase(["p1"], events={"switch.nd_learned": 1})
        st = dp.wait_consumed()
        expect_drops(st, {"switch.pkt_too_big": 3})
        ev = T.events_of(st)
        expect_eq(ev.get("switch.icmp6_error"), 3, "packet too big sent")
        dp.stop()
        outs = dp.outputs()
        expect_outputs6(dp, {
            "p0": [icmp6_error(frame(H1, ROUTER1, p), ROUTER1, SVI1, ICMPv6PacketTooBig(mtu=1280))
                   for p in (over, big, held_big)],
            "p1": [frame(ROUTER2, H2, routed(fits), 20)] +
                  [b for b in outs["p1"] if ICMPv6ND_NS in Ether(b)]})


@R.test
def test_two_slices_identical_addressing():
    """Slices 1 and 2 with the same prefixes, SVI addresses and MACs, and
    hosts with the same addresses and MACs, on different ports: each
    slice's solicitations, echo and routed traffic stay in it, and each
    slice learns its own neighbours (same address, two entries)."""
    def traffic(v):
        return [ns(H1, A1, SVI1), echo(H1, ROUTER1, A1, SVI1, seq=v),
                frame(H1, ROUTER1, udp6(A1, B1, 100 + v, payload=b"slice %d" % v))]
    p_in = {"a1": traffic(1), "b1": [], "a2": traffic(2), "b2": []}
    with new_switch(p_in) as dp:
        dp.table_write(l3_setup6(dp, 1, bd20=("b1", 0), bd10=(("a1", 0),), bds=(11, 12)) +
                       l3_setup6(dp, 2, bd20=("b2", 0), bd10=(("a2", 0),), bds=(21, 22)) +
                       [neigh6(1, B1, "b1", 0, H2, ROUTER2), neigh6(2, B1, "b2", 0, H2, ROUTER2)])
        r = dp.table_write([neigh6(2, "2001:db8:2::5", "b1", 0, H2, ROUTER2)], check=False)
        expect_eq(r["results"][0]["error"]["data"]["reason"], "slice_conflict",
                  "a slice-2 neighbour onto slice 1's wire")
        dp.run_traffic()
        st = dp.wait_events({"switch.nd_learned": 2})
        expect_drops(st, {})
        got = sorted((e["match"]["vrf"], e["match"]["ip"], e["params"]["port"], e["action"])
                     for e in dp.table_read("neigh6")[0])
        expect_eq(got, [(1, A1, "a1", "learned"), (1, B1, "b1", "rewrite"),
                        (2, A1, "a2", "learned"), (2, B1, "b2", "rewrite")], "neigh6 per slice")
        dp.stop()
        want = {}
        for v in (1, 2):
            t = traffic(v)
            want["a%d" % v] = [na_reply(ROUTER1, SVI1, H1, A1), echo_reply(t[1], ROUTER1)]
            want["b%d" % v] = [frame(ROUTER2, H2, routed(Ether(bytes(t[2]))[IPv6]))]
        expect_outputs6(dp, want)


def scoped(ll, bd):
    """A link-local address as sxdp's routes and neigh6 name it: fe80:BD::IID."""
    b = bytearray(inet_pton(socket.AF_INET6, ll))
    b[2:4] = bd.to_bytes(2, "big")
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


@R.test
def test_link_local_next_hop():
    """A route via a link-local next hop names its BD (fe80:BD::IID, as
    sxcd writes what a routing suite learned): the box solicits the plain
    address on that BD only, learns the advertisement under the scoped key
    and sends the held packet there. A node of another BD with the same
    link-local address is another neighbour (its own scoped key), never
    the route's. fe80:ffff::IID is any of the VRF's links: asked on all,
    learned where it answers first; another link's answer later is
    switch.nd_ll_clash and changes nothing. A plain link-local next hop, or
    one with bits the wire never sets, is refused (no BD: no link)."""
    peer, peer10, other = "02:00:00:00:02:77", "02:00:00:00:01:77", "02:00:00:00:02:78"
    ll, ll10 = ll_of(peer), ll_of(peer10)
    hop, hop10 = scoped(ll, 20), scoped(ll10, 0xffff)
    first = udp6(A1, FAR, 4300, payload=b"held, then via the link-local hop")
    second = udp6(A1, "2001:db8:97::1", 4301, payload=b"held, then via the hop on any link")
    later = udp6(B1, FAR, 4302, payload=b"fast path via the link-local hop")

    def na(mac, who, svi, vlan=None):
        return frame(mac, ROUTER2 if vlan else ROUTER1, IPv6(src=who, dst=svi, hlim=255) /
                     ICMPv6ND_NA(R=1, S=1, O=1, tgt=who) / ICMPv6NDOptDstLLAddr(lladdr=mac), vlan)
    p2_in = [na(H3, ll, SVI1),                  # bd 20's router's address, claimed in bd 10: nobody asked
             na(peer10, ll10, SVI1)]            # the any-link hop answers in bd 10
    p1_in = [na(peer, ll, SVI2, 20),            # bd 20's router answers
             na(other, ll10, SVI2, 20)]         # the any-link hop's address, claimed in bd 20 too
    with new_switch({"p0": [frame(H1, ROUTER1, first), frame(H1, ROUTER1, second)], "p2": p2_in, "p1": p1_in,
                     "p3": [frame(H2, ROUTER2, later)]}) as dp:
        dp.table_write(bd_updates(dp, 10, [("p0", 0), ("p2", 0)]) + bd_updates(dp, 20, [("p1", 20), ("p3", 0)]) +
                       svi6_updates(SLICE, 10, ROUTER1, SVI1, NET1) + svi6_updates(SLICE, 20, ROUTER2, SVI2, NET2) +
                       [U("routes6", {"vrf": SLICE, "dst": "2001:db8:99::/48"}, "via", {"nh": hop}),
                        U("routes6", {"vrf": SLICE, "dst": "2001:db8:97::/48"}, "via", {"nh": hop10})])
        for bad in (ll, "fe80:14:0:1::1", "fe80:1000::1"):
            res = dp.table_write([U("routes6", {"vrf": SLICE, "dst": "2001:db8:98::/48"}, "via", {"nh": bad})],
                                 check=False)
            expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "bad_value",
                      "a route via %s" % bad)
        expect_eq(nexthops6(dp), {hop: ("unresolved6", None, None, 0), hop10: ("unresolved6", None, None, 0)},
                  "the scoped next hops, unresolved")
        # bd 20's two ports for hop; all four for hop10
        dp.phase(["p0"], events={"switch.nd_solicit": 6})
        dp.phase(["p2"], events={"switch.nd_learned": 1})
        dp.phase(["p1"], events={"switch.nd_learned": 2, "switch.nd_ll_clash": 1})
        expect_eq(nexthops6(dp), {hop: ("resolved6", "p1", peer.upper(), 1),
                                  hop10: ("resolved6", "p2", peer10.upper(), 1)}, "each resolved where it answered")
        dp.phase(["p3"])
        st = dp.wait_consumed()
        expect_drops(st, {})
        got = {e["match"]["ip"]: (e["action"], e["params"]["port"]) for e in dp.table_read("neigh6")[0]}
        expect_eq(got, {hop: ("learned", "p1"), hop10: ("learned", "p2")},
                  "the other links' nodes of the same addresses learned nothing")
        dp.stop()
        outs = dp.outputs()
        sols = {port: [b for b in outs[port] if ICMPv6ND_NS in Ether(b)] for port in outs}
        for port, vlan, router, svi, want in (("p1", 20, ROUTER2, SVI2, [ll, ll10]),
                                             ("p3", None, ROUTER2, SVI2, [ll, ll10]),
                                             ("p0", None, ROUTER1, SVI1, [ll10]), ("p2", None, ROUTER1, SVI1, [ll10])):
            expect_eq(sorted(set(sols[port])), sorted(set(bytes(ns_from_box(router, svi, a, vlan)) for a in want)),
                      "%s: it asks for %s itself" % (port, want))
        expect_outputs6(dp, {"p1": sols["p1"] + [frame(ROUTER2, peer, routed(p), 20) for p in (first, later)],
                             "p2": sols["p2"] + [frame(ROUTER1, peer10, routed(second))],
                             "p0": sols["p0"], "p3": sols["p3"]}, unordered=True)


@R.test
def test_martians_and_scope_dropped():
    """Never routed, no ICMPv6 (RFC 4291): multicast, unspecified, loopback,
    IPv4-mapped and IPv4-compatible sources (switch.ip6_martian_src);
    unspecified, loopback and IPv4-mapped destinations (ip6_martian_dst);
    multicast to the router MAC (ip6_mcast_dst); a link-local destination
    that is not the box's (ip6_ll_dst). A truncated IPv6 header and a
    payload length past the frame are the parser's."""
    bad_src = ["ff02::1", "::", "::1", "::ffff:10.0.0.1", "::10.0.0.1"]
    bad_dst = ["::", "::1", "::ffff:10.0.0.2"]
    pkts = ([frame(H1, ROUTER1, udp6(s, B1, 9000 + i)) for i, s in enumerate(bad_src)] +
            [frame(H1, ROUTER1, udp6(A1, d, 9100 + i)) for i, d in enumerate(bad_dst)] +
            [frame(H1, ROUTER1, udp6(A1, "ff0e::1", 9200)), frame(H1, ROUTER1, udp6(A1, "fe80::99", 9201))])
    trunc = bytes(frame(H1, ROUTER1, udp6(A1, B1)))[:14 + 30]
    longer = bytearray(bytes(frame(H1, ROUTER1, udp6(A1, B1))))
    longer[14 + 4:14 + 6] = (400).to_bytes(2, "big")
    with new_switch({"p0": pkts + [trunc, bytes(longer)], "p1": []}) as dp:
        dp.table_write(l3_setup6(dp) + [neigh6(SLICE, B1, "p1", 20, H2, ROUTER2),
                                        U("routes6", {"vrf": SLICE, "dst": "::/0"}, "via", {"nh": B1})])
        st = dp.run_traffic()
        expect_drops(st, {"switch.ip6_martian_src": len(bad_src), "switch.ip6_martian_dst": len(bad_dst),
                          "switch.ip6_mcast_dst": 1, "switch.ip6_ll_dst": 1,
                          "parse.ipv6_trunc": 1, "parse.ipv6_len": 1})
        dp.stop()
        expect_outputs6(dp, {})


if __name__ == "__main__":
    R.main()
