#!/usr/bin/python3
"""The upf feature under a hostile gNB, UE, peer and orchestrator (issue
32): a session id deleted and reused while its buffer holds packets,
G-PDUs on the wrong port or VLAN, answers that would be reflected to
addresses no host has or to the box itself, UDP to port 2152 that is no
GTP-U, lengths that disagree, IPv6 without its UDP checksum, an unknown
must-understand extension on an echo request, end markers from the wrong
side and in a flood, buffered downlink too big for its tunnel when
released (told to its sender as if sent at once). Each frame has its verdict (bytes out, or a named
drop) and the harness checks the mempool at exit. The topology and
helpers are test_upf.py's.

    /usr/bin/python3 tests/packet/test_upf_hostile.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq, events_of  # noqa: E402
from topo_upf import (U, PORTS, PIPELINE, SLICE, UE, UE2, DN_HOST, INTERNET, N3_IP, N9_IP, N6_IP, GNB,  # noqa: E402
                      ANCHOR, N3_MAC, GNB_MAC, N9_MAC, ANCHOR_MAC, N6_MAC, DN_MAC, TEID_UL, TEID_GNB,
                      TEID_GNB2, TEID_N9_LOCAL, TEID_ANCHOR, N3_IP6, GNB6, setup, setup6, gtpu, want_gtpu,
                      ue_pkt, routed, session, dl_far, reply_frame, setup_ue6, UE6_NET, DN_HOST6, N6_IP6,
                      PEER_GNB, PEER_GNB6)

try:
    from scapy.all import IP, IPv6, UDP, ICMP, Ether, Raw, Dot1Q  # noqa: E402
    from scapy.layers.inet6 import ICMPv6PacketTooBig  # noqa: E402
    from scapy.contrib.gtp import GTP_U_Header, IE_Recovery  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s" % sys.executable)
    sys.exit(77)

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")


def from_dn(dst, i, tag=b"held"):
    return Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=dst) / UDP(sport=7777, dport=40000) / \
        Raw(b"%s %d" % (tag, i))


def ue2_session(**kw):
    """Another UE's downlink session entry, under session id 1 (reused)."""
    return U("sessions_downlink", {"slice": SLICE, "ue": UE2}, "encap_n3",
             dict({"id": 1}, **dl_far(teid=TEID_GNB2, qfi=1, urr=0)), **kw)


def buffered(dp, n):
    st = dp.phase(["n6"], events={"upf.buffered": n})
    expect_drops(st, {})


# ------------------------------------------------------------------ 1
@R.test
def test_reused_id_in_one_batch_buffer_dies():
    """UE 1's session (id 1) buffers 5 packets; one batch deletes it and
    gives id 1 to UE 2's session, encap_n3 to TEID 0x2001: none of UE 1's
    packets leaves in UE 2's tunnel (upf.session_gone), and UE 2's own
    downlink still does."""
    with Sxdp({"n3": [], "n6": [from_dn(UE, i) for i in range(5)], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(dl="buffer"))
        buffered(dp, 5)
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, type="delete"), ue2_session()])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.session_gone": 5})
        expect_eq(events_of(st).get("upf.forwarded", 0), 0, "nothing released")
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_reused_id_in_the_next_batch_and_modified_id():
    """The same across batches: UE 1's entry deleted, then UE 2's inserted
    with id 1 buffering, then turned encap_n3: nothing of UE 1's leaves.
    And an entry whose id changes (UE 1's from 3 to 4) ends what it held."""
    ins = [from_dn(UE, i) for i in range(4)] + [from_dn("10.45.0.3", i, b"three") for i in range(3)]
    with Sxdp({"n3": [], "n6": ins, "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(dl="buffer") + [
            U("sessions_downlink", {"slice": SLICE, "ue": "10.45.0.3"}, "buffer", {"id": 3})])
        buffered(dp, 7)
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, type="delete")])
        st = dp.wait_consumed(mempool=False)   # session 3's three are still held
        expect_drops(st, {"upf.session_gone": 4})
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE2}, "buffer", {"id": 1})])
        dp.table_write([ue2_session(type="modify")])
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": "10.45.0.3"}, "encap_n3",
                          dict({"id": 4}, **dl_far(teid=0x2003, urr=0)), type="modify"),
                        U("sessions_downlink", {"slice": SLICE, "ue": "10.45.0.9"}, "encap_n3",
                          dict({"id": 3}, **dl_far(teid=0x2009, urr=0)))])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.session_gone": 7})
        expect_eq(events_of(st).get("upf.forwarded", 0), 0, "nothing released")
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_deleted_app_termination_drops_its_buffer():
    """An app's termination buffers (session 1, app 5: the DN's source);
    deleted, its packets go with it (upf.buffer_gone): they are not sent
    by whatever the session's own termination says."""
    with Sxdp({"n3": [], "n6": [from_dn(UE, i) for i in range(3)], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
              dict({"id": 1, "apps": 1}, **dl_far()), type="modify"),
            dict(U("applications", {"slice": SLICE, "remote": {"value": DN_HOST, "mask": "255.255.255.255"}},
                   "app", {"app": 5}), priority=30),
            U("terminations_downlink", {"session": 1, "app": 5}, "buffer")])
        buffered(dp, 3)
        dp.table_write([U("terminations_downlink", {"session": 1, "app": 5}, type="delete")])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.buffer_gone": 3})
        dp.stop()
        dp.expect_outputs({})


# ------------------------------------------------------------------ 2
@R.test
def test_wrong_port_and_vlan_refused():
    """Uplink to the N3 address on the N9 port, downlink to the N9 address
    on the N3 port (a gNB injecting downlink), a G-PDU and an echo request
    in VLAN 7 (no interface has it), a G-PDU with two tags: named drops,
    nothing forwarded or answered; the same G-PDU where it belongs is."""
    p = ue_pkt(INTERNET, b"ok")
    good = gtpu(p, TEID_UL)
    ul_on_n9 = gtpu(ue_pkt(INTERNET, b"n9"), TEID_UL, smac=ANCHOR_MAC, dmac=N9_MAC)
    dl_on_n3 = gtpu(IP(src=INTERNET, dst=UE) / UDP(sport=1, dport=2) / Raw(b"inject"), TEID_N9_LOCAL, dst=N9_IP)
    tagged = Ether(src=GNB_MAC, dst=N3_MAC) / Dot1Q(vlan=7) / good[IP]
    echo7 = Ether(src=GNB_MAC, dst=N3_MAC) / Dot1Q(vlan=7) / IP(src=GNB, dst=N3_IP) / UDP(sport=2152, dport=2152) / \
        GTP_U_Header(gtp_type=1, S=1, seq=1, teid=0)
    qinq = Ether(src=GNB_MAC, dst=N3_MAC, type=0x88a8) / Dot1Q(vlan=0) / Dot1Q(vlan=0) / good[IP]
    with Sxdp({"n3": [dl_on_n3, tagged, echo7, qinq, good], "n6": [], "n9": [ul_on_n9]},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {"upf.wrong_port": 2, "upf.wrong_vlan": 3})
        dp.stop()
        dp.expect_outputs({"n9": [want_gtpu(p, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 0, 1)]})


@R.test
def test_end_marker_from_the_n3_side_not_relayed_and_bounded():
    """An end marker to the N9 address naming the N9 TEID but arriving on
    the N3 port is not relayed (upf.wrong_port); from the anchor on N9, a
    flood of 200 is taken within the per-worker bound (upf.signal_bound for
    the rest), each taken one relayed."""
    def marker(src, dst, smac, dmac):
        return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=2152, dport=2152) / \
            GTP_U_Header(gtp_type=254, teid=TEID_N9_LOCAL)
    with Sxdp({"n3": [marker(GNB, N9_IP, GNB_MAC, N3_MAC)], "n6": [],
               "n9": [marker(ANCHOR, N9_IP, ANCHOR_MAC, N9_MAC)] * 200}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        ev = events_of(st)
        bound = T.drops_of(st).get("upf.signal_bound", 0)
        relayed = ev.get("upf.end_marker_relayed", 0)
        expect_eq(T.drops_of(st).get("upf.wrong_port"), 1, "from the N3 side")
        expect(32 <= relayed < 100 and relayed + bound == 200,
               "relayed within the bound: %d relayed, %d dropped" % (relayed, bound))
        dp.stop()
        expect_eq(len(dp.outputs()["n3"]), relayed, "only the anchor's relayed to the gNB")


# ------------------------------------------------------------------ 4
@R.test
def test_no_answer_reflected():
    """Echo requests and unknown-TEID G-PDUs from 0/8, 127/8, multicast,
    240/4 and broadcast sources (upf.martian_src), from the box's own N9
    and N6 addresses or a group MAC (upf.reflect): none answered; over
    IPv6 from ::, ::1, ff02::1, ::ffff:192.0.2.10 and its own N3 address
    the same. A good peer's echo is answered."""
    def echo(src, smac=GNB_MAC):
        return Ether(src=smac, dst=N3_MAC) / IP(src=src, dst=N3_IP) / UDP(sport=2152, dport=2152) / \
            GTP_U_Header(gtp_type=1, S=1, seq=9, teid=0)

    def echo6(src):
        return Ether(src=GNB_MAC, dst=N3_MAC) / IPv6(src=src, dst=N3_IP6) / UDP(sport=2152, dport=2152) / \
            GTP_U_Header(gtp_type=1, S=1, seq=9, teid=0)
    martian = ["0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255"]
    ins = [echo(a) for a in martian] + [gtpu(ue_pkt(INTERNET), 0xdead, src=a) for a in martian[:3]]
    own = [echo(N9_IP), echo(N6_IP), echo(GNB, smac="ff:ff:ff:ff:ff:ff"), echo(GNB, smac="01:00:5e:00:00:01"),
           gtpu(ue_pkt(INTERNET), 0xdead, src=N9_IP)]
    ins6 = [echo6(a) for a in ("::", "::1", "ff02::1", "::ffff:192.0.2.10", N3_IP6)]
    ok = echo(GNB)
    with Sxdp({"n3": ins + own + ins6 + [ok], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup6(dp))
        st = dp.run_traffic()
        expect_drops(st, {"upf.martian_src": len(martian) + 3 + 4, "upf.reflect": len(own) + 1})
        dp.stop()
        dp.expect_outputs({"n3": [reply_frame(ok, GTP_U_Header(gtp_type=2, S=1, seq=9, teid=0) /
                                              IE_Recovery(restart_counter=0), 2152)]})


# ------------------------------------------------------------------ 5
@R.test
def test_udp_2152_that_is_not_gtpu():
    """A UE's own datagrams to port 2152 (text, a GTP' header, a GTP-U
    length past the datagram) go through the UPF both ways like any UDP;
    the DN host's to a UE's port 2152 too; UDP to our own N3 endpoint that
    is no GTP-U is named (upf.gtpu_version, upf.gtpu_trunc)."""
    pays = [b"hello 2152 from a UE", bytes([0x20, 0xff, 0, 8, 0, 0, 0x12, 0x34]) + b"\x45" + b"\x00" * 7,
            bytes([0x30, 0xff, 0, 0x40, 0, 0, 0, 1]) + b"x" * 8]
    ul = [IP(src=UE, dst=INTERNET) / UDP(sport=40000, dport=2152) / Raw(p) for p in pays]
    dl = [IP(src=DN_HOST, dst=UE) / UDP(sport=2152, dport=2152) / Raw(p) for p in pays]
    to_us = [Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=2152, dport=2152) / Raw(p)
             for p in pays]
    with Sxdp({"n3": [gtpu(p, TEID_UL) for p in ul] + to_us, "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in dl],
               "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {"upf.gtpu_version": 2, "upf.gtpu_trunc": 1})
        dp.stop()
        dp.expect_outputs({
            "n9": [want_gtpu(p, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 0, 1) for p in ul],
            "n3": [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in dl]})


# ------------------------------------------------------------------ 6
@R.test
def test_lengths_that_disagree():
    """A GTP length that ends inside the inner IPv4 packet (upf.tpdu_len);
    an inner packet followed by octets the GTP length counts, and a GTP
    length shorter than the UDP payload: broken out into the DN cut to the
    inner packet's own length (RFC 1812), as is the one sent on over N9."""
    p = ue_pkt(DN_HOST, b"trimmed")
    q = ue_pkt(INTERNET, b"to the anchor")
    short = Ether(bytes(gtpu(p, TEID_UL)))
    short[GTP_U_Header].length = len(p) - 4
    trail = gtpu(Raw(bytes(p) + b"JUNKJUNK"), TEID_UL)
    beyond = Ether(bytes(gtpu(Raw(bytes(p) + b"AFTERGTP"), TEID_UL)))
    beyond[GTP_U_Header].length = len(p)
    trail_n9 = gtpu(Raw(bytes(q) + b"X" * 12), TEID_UL)
    with Sxdp({"n3": [Ether(bytes(short)), trail, Ether(bytes(beyond)), trail_n9], "n6": [], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {"upf.tpdu_len": 1})
        dp.stop()
        dp.expect_outputs({"n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(p)] * 2,
                           "n9": [want_gtpu(q, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 0, 1)]})


# ------------------------------------------------------------------ 7
@R.test
def test_ipv6_outer_udp_checksum():
    """A G-PDU over IPv6 with a zero UDP checksum (upf.udp6_zero_cksum) or
    a wrong one (upf.udp6_cksum) is not decapsulated; with its checksum it
    is."""
    p = ue_pkt(DN_HOST, b"v6 outer")

    def g6(**udp):
        return Ether(bytes(Ether(src=GNB_MAC, dst=N3_MAC) / IPv6(src=GNB6, dst=N3_IP6) /
                           UDP(sport=2152, dport=2152, **udp) / GTP_U_Header(teid=0x300, gtp_type=255) / p))
    good = g6()
    wrong = g6(chksum=good[UDP].chksum ^ 0x1111)
    with Sxdp({"n3": [g6(chksum=0), wrong, good], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup6(dp) + [
            U("sessions_uplink", {"iface": 3, "teid": 0x300}, "fwd_n6", session(ohr=6))])
        st = dp.run_traffic()
        expect_drops(st, {"upf.udp6_zero_cksum": 1, "upf.udp6_cksum": 1})
        dp.stop()
        dp.expect_outputs({"n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(p)]})


# ------------------------------------------------------------------ 8c
@R.test
def test_echo_with_unknown_must_understand_extension():
    """An echo request carrying an extension header of an unknown type
    whose comprehension is required (0xc1) gets a supported extension
    headers notification, not an echo response."""
    req = Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=2152, dport=2152) / \
        GTP_U_Header(gtp_type=1, E=1, S=1, seq=4, teid=0, next_ex=0xc1) / Raw(b"\x01\xaa\xbb\x00")
    with Sxdp({"n3": [req], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        ev = events_of(st)
        expect_eq((ev.get("upf.echo", 0), ev.get("upf.supp_ext_sent", 0)), (0, 1), "echo/notification events")
        expect_drops(st, {})
        dp.stop()
        out = dp.outputs()["n3"]
        expect_eq([Ether(f)[GTP_U_Header].gtp_type for f in out], [31], "one notification")


# ------------------------------------------------------------------ 8d
def big(n, df, ttl=30):
    """An IPv4 datagram of n bytes from the DN host to the UE."""
    return IP(src=DN_HOST, dst=UE, flags="DF" if df else 0, ttl=ttl) / UDP(sport=7, dport=9) / Raw(b"b" * (n - 28))


def big6(n, hlim=30):
    """An IPv6 packet of n bytes from the DN host to the UE's /64."""
    return IPv6(src=DN_HOST6, dst=UE6_NET + "1", hlim=hlim) / UDP(sport=7, dport=9) / Raw(b"b" * (n - 48))


def peer_mtu(peer, mtu, **kw):
    """tunnel_peers' peer (PEER_GNB over IPv4, PEER_GNB6 over IPv6) with mtu."""
    if peer == PEER_GNB:
        return U("tunnel_peers", {"id": PEER_GNB}, "gtpu",
                 {"src": N3_IP, "dst": GNB, "gw": GNB, "vrf": 100, "sport": 2152, "mtu": mtu, "dscp": 64}, **kw)
    return U("tunnel_peers", {"id": PEER_GNB6}, "gtpu6",
             {"src": N3_IP6, "dst": GNB6, "vrf": 100, "sport": 2152, "mtu": mtu, "dscp": 64}, **kw)


def release(table="sessions_downlink", key=None, peer=PEER_GNB):
    return U(table, key or {"slice": SLICE, "ue": UE}, "encap_n3", dict({"id": 1}, **dl_far(peer=peer)),
             type="modify")


def expect_frag_needed(frame, quoted, mtu):
    e = Ether(frame)
    expect_eq((e.src, e.dst, e[IP].src, e[IP].dst, e[ICMP].type, e[ICMP].code, e[ICMP].nexthopmtu),
              (N6_MAC, DN_MAC, N6_IP, DN_HOST, 3, 4, mtu), "fragmentation needed to the sender")
    expect_eq(bytes(e[ICMP].payload), bytes(quoted)[:28], "quote: the header as it came and 8 bytes")


@R.test
def test_released_too_big_for_a_peer_mtu_set_while_buffered():
    """Buffered while the gNB's tunnel takes any size, released by the
    write that gives it MTU 600 (inner 556): what upf.dl does with a packet
    sent at once. 556 bytes leaves in the tunnel; 557 with DF gets ICMP
    fragmentation needed (MTU 556) from the N6 SVI back to the DN host,
    quoting the header as it came (TTL 30); 557 without DF is dropped with
    no ICMP; both upf.too_big."""
    pkts = [big(556, True), big(557, True), big(557, False)]
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in pkts], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(dl="buffer"))
        buffered(dp, 3)
        dp.table_write([peer_mtu(PEER_GNB, 600, type="modify"), release()])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.too_big": 2})
        ev = events_of(st)
        expect_eq((ev.get("upf.forwarded"), ev.get("upf.to_n3"), ev.get("switch.icmp_error")), (1, 3, 1),
                  "released: one sent, three to N3 as upf.dl counts them, one ICMP error")
        dp.stop()
        out = dp.outputs()
        expect_eq([len(IP(g[14:])) for g in out["n3"]], [600], "the packet that fits, at the peer MTU")
        expect_eq(len(out["n6"]), 1, "no ICMP for the packet without DF")
        expect_frag_needed(out["n6"][0], pkts[1], 556)


@R.test
def test_released_over_the_egress_port_mtu():
    """N3's port has MTU 1000, the gNB's tunnel the port's (inner 956):
    released, 956 bytes leaves; 957 with DF gets fragmentation needed with
    MTU 956, without DF it is dropped; nothing over the port's MTU leaves
    it (the released packets were sent whole)."""
    pkts = [big(956, True), big(957, True), big(957, False), big(1400, True)]
    ports = dict(PORTS, n3={"role": "n3", "mtu": 1000})
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in pkts], "n9": []},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup(dl="buffer"))
        buffered(dp, 4)
        dp.table_write([release()])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.too_big": 3})
        expect_eq(events_of(st).get("switch.icmp_error"), 2, "two ICMP errors")
        dp.stop()
        out = dp.outputs()
        expect_eq([len(IP(g[14:])) for g in out["n3"]], [1000], "the packet that fits, nothing over the MTU")
        expect_eq(len(out["n6"]), 2, "ICMP for the two with DF only")
        expect_frag_needed(out["n6"][0], pkts[1], 956)
        expect_frag_needed(out["n6"][1], pkts[3], 956)


@R.test
def test_released_ipv6_too_big_and_over_an_ipv6_peer():
    """The IPv6 half: an IPv6 session's buffered packet too big for the
    gNB's IPv4 tunnel (MTU 600: inner 556) gets ICMPv6 packet too big (MTU
    556) from the N6 SVI6 back to the DN host, quoting the packet as it
    came (hop limit 30); an IPv4 DF packet buffered for a session released
    into an IPv6 tunnel of MTU 600 (inner 536) gets fragmentation needed
    with 536. What fits leaves in either tunnel."""
    v6 = [big6(556), big6(557)]
    v4 = [big(536, True), big(537, True)]
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in v6 + v4], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        ue6 = [dict(u, action="buffer", params={"id": 1}) if u["table"] == "sessions_downlink6" else u
               for u in setup_ue6()]
        dp.table_write(setup(dl="buffer") + setup6(dp) + ue6)
        buffered(dp, 4)
        dp.table_write([peer_mtu(PEER_GNB, 600, type="modify"), peer_mtu(PEER_GNB6, 600, type="modify"),
                        release("sessions_downlink6", {"slice": SLICE, "ue": UE6_NET}), release(peer=PEER_GNB6)])
        st = dp.wait_consumed()
        expect_drops(st, {"upf.too_big": 2})
        ev = events_of(st)
        expect_eq((ev.get("switch.icmp_error"), ev.get("switch.icmp6_error")), (1, 1), "one ICMP error of each")
        dp.stop()
        out = dp.outputs()
        sent = sorted((Ether(g).type == 0x86dd, len(g) - 14) for g in out["n3"])
        expect_eq(sent, [(False, 600), (True, 600)], "what fits, in its tunnel (IPv4 outer, IPv6 outer)")
        icmp = {IPv6 in Ether(g): Ether(g) for g in out["n6"]}
        expect_eq(len(out["n6"]), 2, "one error each")
        e = icmp[True]
        expect_eq((e.src, e.dst, e[IPv6].src, e[IPv6].dst, e[ICMPv6PacketTooBig].mtu),
                  (N6_MAC, DN_MAC, N6_IP6, DN_HOST6, 556), "packet too big to the sender")
        expect_eq(bytes(e[ICMPv6PacketTooBig].payload)[:48], bytes(v6[1])[:48], "quote: the packet as it came")
        expect_frag_needed(bytes(icmp[False]), v4[1], 536)


if __name__ == "__main__":
    sys.exit(R.main())
