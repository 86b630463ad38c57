#!/usr/bin/python3
"""The upf feature: a 5G user plane with an uplink classifier (UL CL).
A gNB's G-PDUs to the box's N3 endpoint find their session by TEID; the
inner packet of an app of the local DN is broken out into the slice's VRF
(routed to the DN host), the rest goes on to the anchor UPF over N9 with a
UL PDU Session Container. Downlink from the DN host (routed to the UE pool)
and from the anchor (N9 TEID) leaves in the session's one N3 tunnel with a
DL PDU Session Container. Echo requests are answered, unknown TEIDs get an
error indication, a UE may not spoof nor reach the UPF's own addresses,
QERs are qos meters, URRs count and report, a buffering termination holds
downlink and releases it in order. Every output is byte for byte what
scapy builds and tshark's GTP dissector reads without a malformed frame.

    /usr/bin/python3 tests/packet/test_upf.py [NAME-SUBSTRING ...]
"""

import functools
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, tshark_fields, expect, expect_drops, expect_eq, events_of  # noqa: E402

try:
    from scapy.all import (IP, IPv6, UDP, TCP, ICMP, Ether, Raw, ICMPv6ND_NA, ICMPv6ND_NS,  # noqa: E402
                           ICMPv6NDOptDstLLAddr, Dot1Q, ARP)
    from scapy.contrib.gtp import (GTP_U_Header, GTPPDUSessionContainer, GTPEchoRequest,  # noqa: E402
                                   GTPEchoResponse, GTPErrorIndication, IE_TEIDI, IE_GSNAddress,
                                   IE_Recovery)
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_upf import (ANCHOR, ANCHOR6, ANCHOR_MAC, APP_DN, DN_HOST, DN_HOST6, DN_MAC, GNB, GNB6, GNB_MAC,  # noqa: E402
                      INTERNET, N3_IP, N3_IP6, N3_MAC, N6_IP, N6_IP6, N6_MAC, N9_IP, N9_IP6, N9_MAC, PEER_ANCHOR,
                      PEER_ANCHOR6, PEER_GNB, PEER_GNB6, PIPELINE, PORTS, RTR6, SLICE, TEID_ANCHOR, TEID_GNB, TEID_GNB2,
                      TEID_N9_LOCAL, TEID_UL, TEID_UL2, UE, UE2, UE6_NET, UNDERLAY, dl_far, gtpu, reply_frame, routed,
                      session, setup, setup6, setup_ue6, ue_pkt, want_gtpu)

R = T.Runner()
U = Sxdp.update

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")


def routed6(p):
    """p as a router forwards it: hop limit - 1."""
    q = IPv6(bytes(p))
    q.hlim -= 1
    return IPv6(bytes(q))


def want_gtpu6(payload, teid, src, dst, smac, dmac, qfi, pdu_type, tc, sport=2152):
    """What sxdp sends to an IPv6 peer: hop limit 64, traffic class tc, a
    UDP checksum (scapy's, over the pseudo-header), a PDU Session Container
    of pdu_type with qfi. The flow label is the inner flow's: take_flow
    fills it in from what was sent."""
    g = GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) / GTPPDUSessionContainer(type=pdu_type, QFI=qfi)
    return Ether(src=smac, dst=dmac) / IPv6(src=src, dst=dst, hlim=64, tc=tc) / \
        UDP(sport=sport, dport=2152) / g / payload


def take_flow(want, got, sport=False):
    """want with the flow label (and with sport, the UDP source port) of
    the frame at the same place in got; the UDP checksum computed again."""
    out = []
    for w, g in zip(want, got):
        w, g = Ether(bytes(w)), Ether(g)
        if IPv6 in g:
            w[IPv6].fl = g[IPv6].fl
            if sport:
                w[UDP].sport = g[UDP].sport
            del w[UDP].chksum
        out.append(Ether(bytes(w)))
    return out + list(want[len(got):])


def tshark_gtp(dp, port, fields, prefs=()):
    return tshark_fields(dp.out_path(port), fields, prefs)


@R.test
def test_uplink_ulcl_breakout_and_n9():
    """Uplink to the DN's prefix is decapsulated and routed to the DN host
    (TTL - 1); to anything else it goes on to the anchor at TEID 0x9000 with
    a UL container carrying the QFI it came with. The burst is of the
    fused path's shape: upf.in does upf.ul's work (checked against the
    general path: SXDP_FAST_CHECK), so no packet visits the upf.ul node."""
    to_dn = [ue_pkt(DN_HOST, b"dn %d" % i) for i in range(3)]
    to_net = [ue_pkt(INTERNET, b"net %d" % i) for i in range(2)]
    ins = [gtpu(p, TEID_UL, qfi=5) for p in to_dn] + [gtpu(p, TEID_UL, qfi=5) for p in to_net]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.ul"), ev.get("upf.breakout"), ev.get("upf.to_n9")), (5, 3, 2), "ul/breakout/n9 events")
        g = {n["node"]: n for n in dp.rpc("graph.stats")["nodes"]}
        expect_eq((g["upf.in"]["packets"], g["upf.ul"]["packets"]), (5, 0),
                  "the fused path: upf.in did upf.ul's work")
        dp.stop()
        dp.expect_outputs({
            "n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(p) for p in to_dn],
            "n9": [want_gtpu(routed(p) if False else p, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 5, 1)
                   for p in to_net],
        })
        rows = tshark_gtp(dp, "n9", ["gtp.teid", "gtp.ext_hdr.pdu_ses_con.qos_flow_id", "gtp.ext_hdr.pdu_ses_con.pdu_type"])
        expect_eq([(int(r[0], 0), int(r[1], 0), int(r[2], 0)) for r in rows], [(TEID_ANCHOR, 5, 1)] * 2,
                  "tshark: TEID, QFI and UL type on N9")


@R.test
def test_inline_app_termination():
    """A sessions_uplink entry may hold one app's termination inline (app,
    app_action, app_*: what sxcd writes for a session of one app): its
    packets take it without a terminations_uplink lookup (the table counts
    none), over an entry of that table for the same app; upf.usage lists it
    from sessions_uplink. Changed to fwd_n9, it applies from the next
    packet; taken out (app 0), the terminations_uplink entry applies again.
    Inline params are checked as a termination's are."""
    ports = dict(PORTS, gn2={"role": "n3"}, gn3={"role": "n3"})
    to_dn = [ue_pkt(DN_HOST, b"dn %d" % i) for i in range(3)]
    to_net = [ue_pkt(INTERNET, b"net %d" % i) for i in range(2)]
    ins = [gtpu(p, TEID_UL, qfi=5) for p in to_dn + to_net]
    own = session(peer=PEER_ANCHOR, teid=TEID_ANCHOR, qfi=64, urr=2, apps=1)
    sess = lambda **inl: U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "fwd_n9", dict(own, **inl),
                           type="modify")
    with Sxdp({"n3": ins, "gn2": ins, "gn3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup() + [U("interfaces", {"in_port": g, "vlan": 0}, "attach",
                                    {"slice": UNDERLAY, "bd": 100}) for g in ("gn2", "gn3")])
        dp.table_write([sess(app=APP_DN, app_action=0, app_urr=5),
                        U("terminations_uplink", {"session": 1, "app": APP_DN}, "drop", type="modify")])
        st = dp.phase(["n3"])
        expect_drops(st, {})
        t = st["tables"]["terminations_uplink"]
        expect_eq((events_of(st).get("upf.breakout"), events_of(st).get("upf.to_n9"), t["hits"], t["misses"]),
                  (3, 2, 0, 0), "breakouts, to the anchor; no terminations_uplink lookup")
        rows = {(r["from"], r["app"]): (r["urr"], r["packets"])
                for r in dp.rpc("upf.usage", {"session": 1})["terminations"] if r["direction"] == "uplink"}
        expect_eq(rows, {("sessions_uplink", 0): (2, 2), ("sessions_uplink", APP_DN): (5, 3)},
                  "usage by termination (the dropping terminations_uplink entry counts in no URR)")
        # the inline one to the anchor at another TEID, the QFI copied
        dp.table_write([sess(app=APP_DN, app_action=1, app_peer=PEER_ANCHOR, app_teid=0x9001, app_qfi=64,
                             app_urr=5)])
        st = dp.phase(["gn2"])
        expect_drops(st, {})
        expect_eq(events_of(st).get("upf.to_n9"), 2 + 5, "all to the anchor (counted since the start)")
        # taken out: the terminations_uplink entry (drop) again
        dp.table_write([sess()])
        st = dp.phase(["gn3"])
        expect_drops(st, {"upf.gate_closed": 3})
        expect_eq(st["tables"]["terminations_uplink"]["hits"], 3, "looked up again")
        bad = [(dict(own, app=APP_DN, apps=0), "bad_app"), (dict(own, app_urr=7), "bad_app"),
               (dict(own, app=APP_DN, app_peer=PEER_ANCHOR), "bad_far"),
               (dict(own, app=APP_DN, app_action=1, app_peer=PEER_ANCHOR), "bad_peer"),
               (dict(own, app=APP_DN, app_action=2, app_urr=3), "bad_far"),
               (dict(own, app=APP_DN, app_urr=1 << 30), "bad_urr"),
               (dict(own, app=APP_DN, app_action=4), "bad_redirect")]
        before = dp.table_read("sessions_uplink")
        for p, reason in bad:
            r = dp.table_write([U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "fwd_n9", p, type="modify")],
                               check=False)
            expect_eq((r["committed"], r["results"][0]["error"]["data"]["reason"]), (False, reason),
                      "refused: %s" % p)
        expect_eq(dp.table_read("sessions_uplink"), before, "the entry as it was")
        dp.stop()
        n9 = lambda p, teid: want_gtpu(p, teid, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 5, 1)
        dp.expect_outputs({"n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(p) for p in to_dn],
                           "n9": [n9(p, TEID_ANCHOR) for p in to_net] + [n9(p, 0x9001) for p in to_dn] +
                                 [n9(p, TEID_ANCHOR) for p in to_net] * 2})


@R.test
def test_app_changes_apply_at_once():
    """A worker remembers what applications answered for a key (dp_memo);
    a write applies from the next packet, and the table counts every packet
    as its lookup would: the DN's app becomes app 2 (no termination of its
    own: on to the anchor), then app 1 again (broken out)."""
    ports = dict(PORTS, gn2={"role": "n3"}, gn3={"role": "n3"})
    pkts = [ue_pkt(DN_HOST if i % 2 == 0 else INTERNET, b"p %d" % i) for i in range(12)]
    ins = [gtpu(p, TEID_UL, qfi=5) for p in pkts]
    app = dict(U("applications", {"slice": SLICE, "remote": {"value": "10.200.0.0", "mask": "255.255.255.0"}},
                 "app", {"app": APP_DN}, type="modify"), priority=10)
    with Sxdp({"n3": ins, "gn2": ins, "gn3": ins, "n6": [], "n9": []}, pipeline=PIPELINE,
              port_opts=ports) as dp:
        dp.table_write(setup() + [U("interfaces", {"in_port": g, "vlan": 0}, "attach",
                                    {"slice": UNDERLAY, "bd": 100}) for g in ("gn2", "gn3")])
        got = []
        for port, a in (("n3", None), ("gn2", 2), ("gn3", APP_DN)):
            if a is not None:
                dp.table_write([dict(app, params={"app": a})])
            st = dp.phase([port])
            expect_drops(st, {})
            t = st["tables"]["applications"]
            got.append((events_of(st).get("upf.breakout", 0), t["hits"], t["misses"]))
        expect_eq(got, [(6, 6, 6), (6, 12, 12), (12, 18, 18)], "breakouts, applications hits and misses")
        expect_eq([e.get("hits") for e in dp.table_read("applications")[0]], [18], "hits of the DN's app")
        dp.stop()
        out = dp.outputs()
        expect_eq((len(out["n6"]), len(out["n9"])), (12, 24), "to the DN, to the anchor")


@R.test
def test_downlink_merge_from_dn_and_n9():
    """Downlink from the DN host (routed to the pool: TTL - 1) and from the
    anchor over N9 (decapsulated, not routed) leave in the session's one N3
    tunnel, TEID 0x2000, DL container with QFI 9; both count in its URR."""
    from_dn = [IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) / Raw(b"dn %d" % i) for i in range(3)]
    from_n9 = [IP(src=INTERNET, dst=UE) / UDP(sport=443, dport=40001) / Raw(b"n9 %d" % i) for i in range(2)]
    n6_in = [Ether(src=DN_MAC, dst=N6_MAC) / p for p in from_dn]
    n9_in = [gtpu(p, TEID_N9_LOCAL, src=ANCHOR, dst=N9_IP, smac=ANCHOR_MAC, dmac=N9_MAC, qfi=9, pdu_type=0)
             for p in from_n9]
    with Sxdp({"n3": [], "n6": n6_in, "n9": n9_in}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        dp.phase(["n6"])
        dp.phase(["n9"])
        st = dp.stats()
        expect_drops(st, {})
        expect_eq(events_of(st).get("upf.to_n3"), 5, "to_n3 events")
        usage = dp.rpc("upf.usage", {"urrs": [3]})["urrs"][0]
        expect_eq((usage["packets"], usage["bytes"]),
                  (5, sum(len(routed(p)) for p in from_dn) + sum(len(p) for p in from_n9)), "URR 3")
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in from_dn] +
                           [want_gtpu(p, TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in from_n9]})
        rows = tshark_gtp(dp, "n3", ["gtp.teid", "gtp.ext_hdr.pdu_ses_con.qos_flow_id"])
        expect_eq([(int(r[0], 0), int(r[1], 0)) for r in rows], [(TEID_GNB, 9)] * 5, "tshark: TEID and QFI on N3")


MAC_A, MAC_B, DN_MAC2 = "02:00:00:00:0e:0a", "02:00:00:00:0e:0b", "02:00:00:00:06:0b"
TEID_EA, TEID_EB, TEID_GNB_EA, TEID_GNB_EB = 0x300, 0x301, 0x2005, 0x2006
ETH_GROUP = 0xC0000000 | 1   # the switch's SW_TUN_ATTACHED | SW_TUN_GROUP | bd 1


def setup_eth():
    """Two Ethernet PDU sessions (5 and 6: uplink TEIDs 0x300, 0x301, action
    bridge) in slice 1, whose bridge domain 1 has n6 and the sessions' 5G LAN
    group (flood t0: SW_TUN_ATTACHED | SW_TUN_GROUP | 1; members in slots 0
    and 3); their downlink (sessions_eth) to the gNB at TEIDs 0x2005, 0x2006."""
    return [
        U("interfaces", {"in_port": "n3b", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 100}),
        U("bd_ports", {"bd": 1, "port": "n6"}, "member", {"vlan": 0}),
        U("interfaces", {"in_port": "n6", "vlan": 7}, "attach", {"slice": SLICE, "bd": 1}),
        U("flood", {"bd": 1}, "flood", {"ports": 1 << 2, "t0": ETH_GROUP}),
        U("sessions_uplink", {"iface": 1, "teid": TEID_EA}, "bridge", session(sid=5, ue=None, urr=5)),
        U("sessions_uplink", {"iface": 1, "teid": TEID_EB}, "bridge", session(sid=6, ue=None, urr=6)),
        U("sessions_eth", {"session": 5}, "encap_n3", dict({"id": 5}, **dl_far(teid=TEID_GNB_EA, urr=7))),
        U("sessions_eth", {"session": 6}, "encap_n3", dict({"id": 6}, **dl_far(teid=TEID_GNB_EB, urr=8))),
        U("lan_members", {"bd": 1, "slot": 0}, "member", {"session": 5}),
        U("lan_members", {"bd": 1, "slot": 3}, "member", {"session": 6}),
    ]


@R.test
def test_ethernet_pdu_sessions_bridged():
    """Ethernet PDU sessions (TS 23.501 5.6.10.2): a UE's frame comes out of
    its G-PDU whole into its slice's bridge domain, where its source MAC is
    learned as the session's; a LAN frame to that MAC leaves in the session's
    tunnel as the whole frame (untagged), a broadcast in every session of
    the domain's 5G LAN group but the one it came from, a UE's frame to
    another UE's MAC in that UE's tunnel. URRs count frames. A T-PDU shorter
    than an Ethernet header and a group source MAC are dropped by name; an
    Ethernet session (eth) routed or sent on over N9, or where frames never
    come (sessions_downlink, N9), is refused."""
    arp_a = Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=MAC_A, psrc="10.1.0.1", pdst="10.1.0.9")
    to_a = Ether(src=DN_MAC2, dst=MAC_A) / IP(src=DN_HOST, dst="10.1.0.1") / UDP(sport=1, dport=2) / Raw(b"dn")
    bcast = Ether(src=DN_MAC2, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=DN_MAC2, psrc=DN_HOST, pdst="10.1.0.1")
    tagged = Ether(src=DN_MAC2, dst=MAC_A) / Dot1Q(vlan=7) / IP(src=DN_HOST, dst="10.1.0.1") / UDP(sport=4000, dport=7777) / Raw(b"tag")
    b_to_a = Ether(src=MAC_B, dst=MAC_A) / IP(src="10.1.0.2", dst="10.1.0.1") / UDP(sport=4000, dport=7777) / Raw(b"ue to ue")
    b_to_dn = Ether(src=MAC_B, dst=DN_MAC2) / IP(src="10.1.0.2", dst=DN_HOST) / UDP(sport=4000, dport=7777) / Raw(b"to the lan")
    bad_src = Ether(src="01:00:5e:00:00:01", dst=DN_MAC2) / Raw(b"x" * 50)
    n3 = [gtpu(arp_a, TEID_EA)]
    n3b = [gtpu(b_to_a, TEID_EB), gtpu(b_to_dn, TEID_EB), gtpu(Raw(b"short"), TEID_EB), gtpu(bad_src, TEID_EB)]
    with Sxdp({"n3": n3, "n3b": n3b, "n6": [to_a, bcast, tagged], "n9": []}, pipeline=PIPELINE,
              port_opts=dict(PORTS, n3b={"role": "n3"})) as dp:
        dp.table_write(setup() + setup_eth())
        for u, why in ((U("sessions_uplink", {"iface": 1, "teid": 0x302}, "fwd_n6", session(sid=7, ue=None, eth=1)),
                        "bad_eth"),
                       (U("sessions_uplink", {"iface": 1, "teid": 0x302}, "fwd_n9",
                          session(sid=7, ue=None, eth=1, peer=PEER_ANCHOR, teid=5)), "bad_eth"),
                       (U("sessions_downlink", {"slice": SLICE, "ue": "10.45.9.9"}, "drop", {"id": 7, "eth": 1}),
                        "bad_eth"),
                       (U("sessions_n9_downlink", {"iface": 2, "teid": 0x7009}, "drop", session(sid=7, ue=None, eth=1)),
                        "bad_eth")):
            r = dp.table_write([u], check=False)
            expect_eq((r["committed"], r["results"][0]["error"]["data"]["reason"]), (False, why),
                      "%s %s refused" % (u["table"], u["action"]))
        # the UE's broadcast: out on n6 as it is, and to the other session of the group
        dp.phase(["n3"], events={"switch.learn": 1})
        fdb = {e["match"]["mac"].lower(): e for e in dp.table_read("fdb")[0]}
        expect(MAC_A in fdb, "the UE's MAC in the fdb: %s" % list(fdb))
        expect_eq((fdb[MAC_A]["action"], fdb[MAC_A]["params"]["tunnel"]), ("tunnel_learned", 0x80000000 | 5),
                  "the UE's MAC learned behind its session")
        # the LAN's: unicast to the UE, a broadcast to both UEs, a tagged one untagged
        dp.phase(["n6"], events={"switch.learn": 2})
        # the other UE: to the first UE, to the LAN host; and what is refused
        st = dp.phase(["n3b"], mempool=True)
        expect_drops(st, {"upf.eth_trunc": 1, "upf.eth_src": 1})
        ev = events_of(st)
        expect_eq((ev.get("upf.bridged"), ev.get("upf.lan_copies"), ev.get("upf.to_n3")), (3, 3, 6),
                  "bridged, group copies, to N3")
        u = {x["urr"]: (x["packets"], x["bytes"]) for x in dp.rpc("upf.usage", {"urrs": [5, 6, 7, 8]})["urrs"]}
        expect_eq(u[5], (1, len(arp_a)), "session 5's uplink URR: the frame")
        expect_eq(u[6], (2, len(b_to_a) + len(b_to_dn)), "session 6's uplink URR")
        untag = Ether(src=DN_MAC2, dst=MAC_A) / IP(src=DN_HOST, dst="10.1.0.1") / UDP(sport=4000, dport=7777) / Raw(b"tag")
        expect_eq(u[7], (4, len(to_a) + len(bcast) + len(untag) + len(b_to_a)), "session 5's downlink URR")
        expect_eq(u[8], (2, len(arp_a) + len(bcast)), "session 6's downlink URR")
        dp.stop()

        def w(f, teid):
            return want_gtpu(f, teid, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0, tos=0)
        dp.expect_outputs({"n6": [arp_a, b_to_dn],
                           "n3": [w(arp_a, TEID_GNB_EB), w(to_a, TEID_GNB_EA), w(bcast, TEID_GNB_EA),
                                  w(bcast, TEID_GNB_EB), w(untag, TEID_GNB_EA), w(b_to_a, TEID_GNB_EA)]},
                          unordered=("n3",))


MAC_C, MAC_D = "02:00:00:00:0e:0c", "02:00:00:00:0e:0d"
MAC_X, MAC_Y, MAC_Z = "02:00:00:00:06:0b", "02:00:00:00:06:0c", "02:00:00:00:06:0d"
TEID_EC, TEID_GNB_EC, TEID_GNB_EC2 = 0x310, 0x2007, 0x2008
TAG, ONES = 0x10000, "ff:ff:ff:ff:ff:ff"   # up_names.h UP_TAG_PRESENT; a MAC's whole mask


def eth_app(app, prio, **match):
    return dict(U("eth_applications", dict({"slice": SLICE}, **match), "app", {"app": app}), priority=prio)


def eth_frame(src, dst, vlans=(), stag=None, payload=b"eth app", arp=False):
    """A UE's or the LAN's frame, an S-TAG then C-TAGs: an IPv4 datagram, or an ARP request."""
    from scapy.all import Dot1AD
    f = Ether(src=src, dst=dst)
    for v in ([Dot1AD(vlan=stag)] if stag is not None else []) + [Dot1Q(vlan=v) for v in vlans]:
        f = f / v
    if arp:
        return f / ARP(hwsrc=src, psrc="10.1.0.3", pdst="10.1.0.9")
    return f / IP(src="10.1.0.3", dst="10.1.0.9") / UDP(sport=4000, dport=7777) / Raw(payload)


@R.test
def test_ethernet_apps_classified():
    """An Ethernet PDU session (eth) whose own uplink termination is drop
    opens apps by Ethernet Packet Filter (eth_applications: the remote MAC,
    the destination uplink and the source downlink; the local MAC; the
    Ethertype after the tags; the C-TAG and S-TAG, UP_TAG_PRESENT | TCI):
    its frames of an app bridged take the app's termination and URR, the
    rest are the gate closed; the highest priority wins; a MAC differing in
    its last byte is another; a single 0x8100 tag is a C-TAG, a 0x88a8 one an
    S-TAG. Downlink, the frames the switch sends it are classified by their
    source MAC after upf.eth untagged them: an app's drop, the session's
    own encap_n3 for the rest, an app's encap_n3 into another tunnel."""
    ip, arp = eth_frame, functools.partial(eth_frame, arp=True)

    # uplink from session 9 (MAC_C): what each app takes, by URR; the rest the gate closed
    to_x = ip(MAC_C, MAC_X)                           # app 1: remote X, local C, IPv4
    tag100 = ip(MAC_C, MAC_X, vlans=(100,))           # apps 1 and 2: 2 (priority 20) by its C-TAG
    arp100 = arp(MAC_C, MAC_X, vlans=(100,))          # app 2 (its Ethertype ARP: not app 1)
    qinq = ip(MAC_C, MAC_X, vlans=(100,), stag=300)   # apps 1, 2 and 4: 4 (priority 30) by its S-TAG
    stag_only = arp(MAC_C, MAC_X, stag=300)           # app 4
    closed = [arp(MAC_C, MAC_X),                      # app 1 is IPv4
              ip(MAC_C, MAC_Y),                       # Y is X but its last byte
              arp(MAC_C, MAC_X, vlans=(200,)),        # another VID
              ip(MAC_D, MAC_X),                       # another local MAC
              ip(MAC_C, MAC_X, stag=301)]             # an S-TAG of another VID: app 1 asks none
    # a tag cut short: the parser's (upf.in parses the T-PDU as a frame)
    cut = Ether(src=MAC_C, dst=MAC_X, type=0x88a8) / Raw(b"\x00\x64")
    ul = [to_x, tag100, arp100, qinq, stag_only] + closed + [cut]
    # downlink to MAC_C from n6 (its VLAN 7 is the bridge domain's: upf.eth takes it off)
    from_x, from_x7 = ip(MAC_X, MAC_C, payload=b"from x"), ip(MAC_X, MAC_C, vlans=(7,), payload=b"x, 7")
    from_z = ip(MAC_Z, MAC_C, payload=b"from z")
    from_x100 = ip(MAC_X, MAC_C, vlans=(7, 100), payload=b"x, 7, 100")
    dl = [from_x, from_z, from_x7, from_x100]
    eth_setup = [
        U("bd_ports", {"bd": 1, "port": "n6"}, "member", {"vlan": 0}),
        U("interfaces", {"in_port": "n6", "vlan": 7}, "attach", {"slice": SLICE, "bd": 1}),
        U("fdb", {"bd": 1, "mac": MAC_X}, "forward", {"port": "n6"}),
        U("sessions_uplink", {"iface": 1, "teid": TEID_EC}, "drop", session(sid=9, ue=None, apps=1, eth=1)),
        U("sessions_eth", {"session": 9}, "encap_n3",
          dict({"id": 9, "apps": 1, "eth": 1}, **dl_far(teid=TEID_GNB_EC, urr=14))),
        eth_app(1, 10, remote={"value": MAC_X, "mask": ONES}, local={"value": MAC_C, "mask": ONES},
                ethertype={"value": 0x0800, "mask": 0xffff}, stag={"value": 0, "mask": TAG}),
        eth_app(2, 20, ctag={"value": TAG | 100, "mask": TAG | 0xfff}),
        eth_app(3, 10, remote={"value": MAC_Z, "mask": ONES}),
        eth_app(4, 30, stag={"value": TAG | 300, "mask": TAG | 0xfff}),
        U("terminations_uplink", {"session": 9, "app": 1}, "bridge", {"urr": 11}),
        U("terminations_uplink", {"session": 9, "app": 2}, "bridge", {"urr": 12}),
        U("terminations_uplink", {"session": 9, "app": 4}, "bridge", {"urr": 13}),
        U("terminations_downlink", {"session": 9, "app": 3}, "drop"),
        U("terminations_downlink", {"session": 9, "app": 2}, "encap_n3", dl_far(teid=TEID_GNB_EC2, urr=15)),
    ]
    with Sxdp({"n3": [gtpu(f, TEID_EC) for f in ul], "n6": dl, "n9": []}, pipeline=PIPELINE,
              port_opts=PORTS) as dp:
        dp.table_write(setup() + eth_setup)
        got = [e["params"] for e in dp.table_read("sessions_uplink")[0] if e["match"]["teid"] == TEID_EC]
        expect_eq(got, [{"id": 9, "slice": SLICE, "apps": 1, "eth": 1}], "the session's flags read back")
        bad = [(eth_app(5, 1, ctag={"value": 0x20000 | 5, "mask": 0x3ffff}), "bad_tag"),
               (eth_app(5, 1, stag={"value": 100, "mask": TAG | 0xfff}), "bad_tag")]
        for u, why in bad:
            r = dp.table_write([u], check=False)
            expect_eq((r["committed"], r["results"][0]["error"]["data"]["reason"]), (False, why),
                      "eth_applications %s refused" % u["match"])
        st = dp.phase(["n3"], events={"switch.learn": 1})
        expect_drops(st, {"upf.gate_closed": len(closed), "parse.vlan_trunc": 1})
        ev = events_of(st)
        expect_eq(ev.get("upf.bridged"), 5, "frames bridged")
        st = dp.phase(["n6"], mempool=True)
        expect_drops(st, {"upf.gate_closed": len(closed) + 1, "parse.vlan_trunc": 1})
        ev = events_of(st)
        expect_eq(ev.get("upf.to_n3"), 3, "frames to N3")
        u = {x["urr"]: (x["packets"], x["bytes"]) for x in dp.rpc("upf.usage", {"urrs": [11, 12, 13, 14, 15]})["urrs"]}
        untag7 = ip(MAC_X, MAC_C, payload=b"x, 7")
        tagged100 = ip(MAC_X, MAC_C, vlans=(100,), payload=b"x, 7, 100")
        expect_eq(u, {11: (1, len(to_x)), 12: (2, len(tag100) + len(arp100)), 13: (2, len(qinq) + len(stag_only)),
                      14: (2, len(from_x) + len(untag7)), 15: (1, len(tagged100))}, "the apps' URRs")
        dp.stop()

        def w(f, teid):
            return want_gtpu(f, teid, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0, tos=0)
        # the switch takes a frame's outer tag for its VLAN in the bridge
        # domain: n6 is an untagged member (classification saw them all)
        dp.expect_outputs({"n6": [to_x, ip(MAC_C, MAC_X), arp(MAC_C, MAC_X), ip(MAC_C, MAC_X, vlans=(100,)),
                                  arp(MAC_C, MAC_X)],
                           "n3": [w(from_x, TEID_GNB_EC), w(untag7, TEID_GNB_EC), w(tagged100, TEID_GNB_EC2)]})


@R.test
def test_peer_and_next_hop_changes_apply_at_once():
    """A worker remembers each peer's entry and its next hop's rewrite;
    a write to either applies from the next packet: the gNB's next hop
    moves to another MAC, then the peer gets a DSCP and a source port of
    its own. Downlink on three DN ports, one before and one after each write."""
    ports = dict(PORTS, dn2={"role": "n6"}, dn3={"role": "n6"})
    pkt = [IP(src=DN_HOST, dst=UE, tos=1) / UDP(sport=7777, dport=40000) / Raw(b"dl %d" % i) for i in range(6)]
    fr = [Ether(src=DN_MAC, dst=N6_MAC) / p for p in pkt]
    new_mac = "02:00:00:00:03:0b"
    with Sxdp({"n3": [], "n6": fr[:2], "n9": [], "dn2": fr[2:4], "dn3": fr[4:]}, pipeline=PIPELINE,
              port_opts=ports) as dp:
        dp.table_write(setup() + [U("interfaces", {"in_port": d, "vlan": 0}, "attach", {"slice": SLICE, "bd": 1})
                                  for d in ("dn2", "dn3")])
        dp.phase(["n6"])
        dp.table_write([U("neigh", {"vrf": UNDERLAY, "ip": GNB}, "rewrite",
                          {"port": "n3", "vlan": 0, "dmac": new_mac, "smac": N3_MAC}, type="modify")])
        dp.phase(["dn2"])
        dp.table_write([U("tunnel_peers", {"id": PEER_GNB}, "gtpu",
                          {"src": N3_IP, "dst": GNB, "gw": GNB, "vrf": UNDERLAY, "sport": 3000, "mtu": 0,
                           "dscp": 46}, type="modify")])
        st = dp.phase(["dn3"])
        expect_drops(st, {})
        dp.stop()
        before = [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in pkt[:2]]
        moved = [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, new_mac, 9, 0) for p in pkt[2:4]]
        marked = []
        for p in pkt[4:]:
            w = want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, new_mac, 9, 0)
            w[IP].tos = 46 << 2 | 1   # the peer's DSCP, the inner ECN
            w[UDP].sport = 3000
            marked.append(Ether(bytes(w)))
        dp.expect_outputs({"n3": before + moved + marked})


@R.test
def test_ipv6_peers_n3_and_n9():
    """Peers over IPv6 (gtpu6): downlink leaves in the session's N3 tunnel
    to the gNB over IPv6 (hop limit 64, the inner DSCP and ECN as traffic
    class, the inner flow's flow label, a valid UDP checksum); the uplink of
    the session's own termination goes on to the anchor over N9, routed via
    a next hop (routes6 via, neigh6), with the peer's DSCP 10 and a source
    port of the inner flow's; the DN's app still breaks out. Byte for byte
    (scapy computes the checksum), and tshark reads the TEIDs and QFIs."""
    dl = [IP(src=DN_HOST, dst=UE, tos=0x21) / UDP(sport=7777, dport=40000) / Raw(b"dl6 %d" % i) for i in range(3)]
    to_net = [ue_pkt(INTERNET, b"ul6 %d" % i) for i in range(2)]
    to_dn = ue_pkt(DN_HOST, b"breakout")
    n3_in = [gtpu(p, TEID_UL, qfi=5) for p in to_net + [to_dn]]
    with Sxdp({"n3": n3_in, "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in dl], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup6(dp) + [
            U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3", dict({"id": 1}, **dl_far(peer=PEER_GNB6)),
              type="modify"),
            U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "fwd_n9",
              session(peer=PEER_ANCHOR6, teid=TEID_ANCHOR, qfi=64, urr=2, apps=1), type="modify")])
        dp.phase(["n6"])
        st = dp.phase(["n3"])
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.to_n3"), ev.get("upf.to_n9"), ev.get("upf.breakout")), (3, 2, 1), "events")
        nb = {e["match"]["ip"]: e["hits"] for e in dp.table_read("neigh6")[0]}
        nh = {e["params"]["ip"]: e["hits"] for e in dp.table_read("nexthops")[0] if e["action"] == "resolved6"}
        expect_eq((nb.get(GNB6), nh.get(RTR6)), (3, 2), "the outer packets routed: neigh6, nexthops hits")
        dp.stop()
        outs = dp.outputs()
        n3 = take_flow([want_gtpu6(routed(p), TEID_GNB, N3_IP6, GNB6, N3_MAC, GNB_MAC, 9, 0, 0x21) for p in dl],
                       outs["n3"])
        n9 = take_flow([want_gtpu6(p, TEID_ANCHOR, N9_IP6, ANCHOR6, N9_MAC, ANCHOR_MAC, 5, 1, 10 << 2)
                        for p in to_net], outs["n9"], sport=True)
        expect_eq(len({p[IPv6].fl for p in n3}), 1, "one flow, one flow label")
        expect(all(49152 <= p[UDP].sport for p in n9) and len({p[UDP].sport for p in n9}) == 1,
               "the anchor's source port: the inner flow's (49152..): %s" % [p[UDP].sport for p in n9])
        dp.expect_outputs({"n3": n3, "n9": n9, "n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(to_dn)]})
        for port, teid, qfi in (("n3", TEID_GNB, 9), ("n9", TEID_ANCHOR, 5)):
            rows = tshark_gtp(dp, port, ["gtp.teid", "gtp.ext_hdr.pdu_ses_con.qos_flow_id", "udp.checksum.status"],
                              prefs=["udp.check_checksum:TRUE"])
            # the outer UDP's checksum status and the inner one's: 1 = good
            expect_eq([(int(r[0], 0), int(r[1], 0), r[2]) for r in rows], [(teid, qfi, "1,1")] * len(rows),
                      "tshark on %s: TEID, QFI, UDP checksums good" % port)


@R.test
def test_ipv6_peer_resolved_held_buffered_end_marker():
    """Over IPv6 the switch finds the peer's next hop: while the gNB is not
    known, an end marker (made on the main lcore) and downlink are held
    while N3's SVI6 solicits it, and its advertisement releases them in
    order; later a buffering termination's packets are released to the
    IPv6 peer from the main lcore. Every punted packet is accounted for,
    the box's own end marker under its own event only."""
    dl = [IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) / Raw(b"held %d" % i) for i in range(3)]
    later = [IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) / Raw(b"buffered %d" % i) for i in range(2)]
    adv = Ether(src=GNB_MAC, dst=N3_MAC) / IPv6(src=GNB6, dst=N3_IP6, hlim=255) / \
        ICMPv6ND_NA(R=0, S=1, O=1, tgt=GNB6) / ICMPv6NDOptDstLLAddr(lladdr=GNB_MAC)
    ports = dict(PORTS, dn2={"role": "n6"})
    encap6 = U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3", dict({"id": 1}, **dl_far(peer=PEER_GNB6)),
               type="modify")
    with Sxdp({"n3": [adv], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in dl], "n9": [],
               "dn2": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in later]}, pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup() + setup6(dp, gnb_known=False) + [encap6] +
                       [U("interfaces", {"in_port": "dn2", "vlan": 0}, "attach", {"slice": SLICE, "bd": 1})])
        expect_eq(dp.rpc("upf.end_marker", {"peer": PEER_GNB6, "teid": 0x1234}), True, "end marker held")
        st = dp.phase(["n6"])
        expect(T.events_of(st).get("switch.nd_solicit", 0) >= 1, "the gNB solicited")
        expect_drops(st, {})
        dp.phase(["n3"], events={"switch.nd_learned": 1})
        dp.table_write([dict(encap6, action="buffer", params={"id": 1})])
        dp.phase(["dn2"], events={"upf.buffered": 2})
        dp.table_write([encap6])
        st = dp.wait_consumed()
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.end_marker_sent"), ev.get("switch.forwarded"), ev.get("upf.forwarded")),
                  (1, 5, None), "the end marker sent; 3 held and 2 buffered packets forwarded by the switch")
        dp.stop()
        outs = dp.outputs()
        ns = [b for b in outs["n3"] if ICMPv6ND_NS in Ether(b)]
        expect(ns and all(Ether(b)[ICMPv6ND_NS].tgt == GNB6 and Ether(b)[IPv6].src == N3_IP6 for b in ns),
               "NS for the gNB from N3's address")
        got = [b for b in outs["n3"] if ICMPv6ND_NS not in Ether(b)]
        marker = Ether(src=N3_MAC, dst=GNB_MAC) / IPv6(src=N3_IP6, dst=GNB6, hlim=64) / \
            UDP(sport=2152, dport=2152) / GTP_U_Header(gtp_type=254, teid=0x1234)
        want = [marker] + take_flow([want_gtpu6(routed(p), TEID_GNB, N3_IP6, GNB6, N3_MAC, GNB_MAC, 9, 0, 0)
                                     for p in dl + later], got[1:])
        errs = T.compare_packets("n3", got, want)
        expect(not errs, "\n".join(errs))


@R.test
def test_ipv6_peer_no_route_and_too_big():
    """Toward an IPv6 peer, what cannot go is a named drop and nothing else
    leaves (no ICMPv6 error about the box's own tunnel packets): no route to
    the peer in the underlay (switch.no_route), over the peer's MTU
    (upf.too_big), over the egress port's (switch.pkt_too_big)."""
    small = [IP(src=DN_HOST, dst=UE2) / UDP(sport=7777, dport=40000) / Raw(b"no route")]
    big = [IP(src=DN_HOST, dst=u) / UDP(sport=7777, dport=40000) / Raw(b"x" * 1430) for u in (UE, "10.45.0.3")]
    far = U("tunnel_peers", {"id": 5}, "gtpu6", {"src": N3_IP6, "dst": "2001:db8:77::1", "vrf": UNDERLAY,
                                                 "sport": 2152, "mtu": 0, "dscp": 64})
    small_mtu = U("tunnel_peers", {"id": 6}, "gtpu6", {"src": N3_IP6, "dst": GNB6, "vrf": UNDERLAY,
                                                       "sport": 2152, "mtu": 1400, "dscp": 64})
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in small + big], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup6(dp) + [far, small_mtu] + [
            U("sessions_downlink", {"slice": SLICE, "ue": UE2}, "encap_n3", dict({"id": 2}, **dl_far(peer=5))),
            U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3", dict({"id": 1}, **dl_far(peer=PEER_GNB6)),
              type="modify"),
            U("sessions_downlink", {"slice": SLICE, "ue": "10.45.0.3"}, "encap_n3", dict({"id": 3}, **dl_far(peer=6)))])
        st = dp.run_traffic()
        expect_drops(st, {"switch.no_route": 1, "switch.pkt_too_big": 1, "upf.too_big": 1})
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_ipv6_peer_next_hop_changes_apply_at_once():
    """A worker remembers an IPv6 peer's way out (its route and the
    neighbour or next hop behind it) and sends from upf.dl without
    switch.l3v6; a write to any of them applies from the next packet: the
    gNB's neighbour moves to another MAC; a host route sends it via the
    router on N9; that route becomes ECMP over the router and the gNB
    itself, which switch.l3v6 spreads by flow. Downlink on four DN ports,
    one before and one after each write."""
    ports = dict(PORTS, dn2={"role": "n6"}, dn3={"role": "n6"}, dn4={"role": "n6"})
    pkt = [IP(src=DN_HOST, dst=UE) / UDP(sport=7000 + i, dport=40000) / Raw(b"dl6 %d" % i) for i in range(38)]
    fr = [Ether(src=DN_MAC, dst=N6_MAC) / p for p in pkt]
    new_mac = "02:00:00:00:03:0b"
    host = GNB6 + "/128"
    with Sxdp({"n3": [], "n6": fr[:2], "n9": [], "dn2": fr[2:4], "dn3": fr[4:6], "dn4": fr[6:]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup() + setup6(dp) + [
            U("interfaces", {"in_port": d, "vlan": 0}, "attach", {"slice": SLICE, "bd": 1})
            for d in ("dn2", "dn3", "dn4")] + [
            U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3", dict({"id": 1}, **dl_far(peer=PEER_GNB6)),
              type="modify")])
        dp.phase(["n6"])
        dp.table_write([U("neigh6", {"vrf": UNDERLAY, "ip": GNB6}, "rewrite",
                          {"port": "n3", "vlan": 0, "dmac": new_mac, "smac": N3_MAC}, type="modify")])
        dp.phase(["dn2"])
        dp.table_write([U("routes6", {"vrf": UNDERLAY, "dst": host}, "via", {"nh": RTR6})])
        dp.phase(["dn3"])
        dp.table_write([U("routes6", {"vrf": UNDERLAY, "dst": host}, "ecmp", {"n": 2, "nh0": RTR6, "nh1": GNB6},
                          type="modify")])
        st = dp.phase(["dn4"])
        expect_drops(st, {})
        expect_eq(events_of(st).get("upf.to_n3"), len(pkt), "upf.to_n3")
        dp.stop()
        outs = dp.outputs()

        def want(p, smac, dmac):
            return want_gtpu6(routed(p), TEID_GNB, N3_IP6, GNB6, smac, dmac, 9, 0, 0)
        n3 = take_flow([want(p, N3_MAC, GNB_MAC) for p in pkt[:2]] +
                       [want(p, N3_MAC, new_mac) for p in pkt[2:4]], outs["n3"][:4])
        n9 = take_flow([want(p, N9_MAC, ANCHOR_MAC) for p in pkt[4:6]], outs["n9"][:2])
        expect_eq([bytes(x) for x in n3], [bytes(x) for x in outs["n3"][:4]], "neighbour, then its new MAC")
        expect_eq([bytes(x) for x in n9], [bytes(x) for x in outs["n9"][:2]], "via the router on N9")
        ecmp3, ecmp9 = outs["n3"][4:], outs["n9"][2:]
        expect(len(ecmp3) + len(ecmp9) == 32 and ecmp3 and ecmp9,
               "ECMP: 32 flows spread over the gNB (%d) and the router (%d)" % (len(ecmp3), len(ecmp9)))
        for f, mac in [(f, new_mac) for f in ecmp3] + [(f, ANCHOR_MAC) for f in ecmp9]:
            e = Ether(f)
            expect(e.dst == mac and e[IPv6].hlim == 64 and e[IPv6].dst == GNB6, "ECMP frame: %s" % e.summary())


@R.test
def test_ipv6_ue_downlink():
    """An IPv6 (IPv4v6) session: downlink from the DN over IPv6, routed into
    the UPF (routes6 upf), finds the session by its /64 whatever the
    interface identifier, and leaves in its N3 tunnel (IPv4 to the gNB: the
    inner traffic class as the outer TOS, the container with QFI 9). An
    address of another /64 has no session. The URR counts IPv6 lengths."""
    dl = [IPv6(src=DN_HOST6, dst=UE6_NET + iid, tc=0x21) / UDP(sport=7777, dport=40000) / Raw(b"dl6 %s" % iid.encode())
          for iid in ("a", "b", "1:2:3")]
    stray = IPv6(src=DN_HOST6, dst="2001:db8:45:2::1") / UDP(sport=7777, dport=40000) / Raw(b"nobody")
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in dl + [stray]], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6())
        st = dp.run_traffic()
        expect_drops(st, {"upf.no_session": 1})
        expect_eq(events_of(st).get("upf.to_n3"), 3, "upf.to_n3")
        use = dp.rpc("upf.usage", {"urrs": [7]})["urrs"][0]
        expect_eq((use["packets"], use["bytes"]), (3, sum(len(p) for p in dl)), "URR 7: IPv6 packets, their lengths")
        dp.stop()
        want = []
        for p in dl:
            w = want_gtpu(routed6(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0, tos=0x21)
            want.append(w)
        dp.expect_outputs({"n3": want})
        rows = tshark_gtp(dp, "n3", ["gtp.teid", "gtp.ext_hdr.pdu_ses_con.qos_flow_id", "ipv6.dst"])
        expect_eq([(int(r[0], 0), int(r[1], 0)) for r in rows], [(TEID_GNB, 9)] * 3, "tshark: TEID, QFI")


@R.test
def test_ipv6_ue_uplink():
    """IPv6 uplink: session 1 (IPv4v6) breaks out what is for the DN's app
    (applications6: the DN's IPv6 prefix), and sends the rest on to the
    anchor (its own termination), inner traffic class as the outer TOS;
    session 2 (IPv6 only: no IPv4 address)
    breaks out into slice 1's VRF, routed by switch.l3v6 to the DN host
    (hop limit - 1). A source outside the session's own /64 (another
    session's, or nobody's) is spoofed, so is any IPv4 packet of the
    IPv6-only session; the UPF's N6 IPv6 address is no destination."""
    ue6a, ue6b, net6 = UE6_NET + "a", "2001:db8:45:2::7", "2001:db8:ffff::7"

    def p6(src, dst, tag):
        return IPv6(src=src, dst=dst, tc=0x48) / UDP(sport=40000, dport=7777) / Raw(tag)
    to_n9 = [p6(ue6a, net6, b"n9 %d" % i) for i in range(2)]
    to_dn = [p6(ue6b, DN_HOST6, b"dn %d" % i) for i in range(3)]
    to_app = [p6(ue6a, DN_HOST6, b"the DN's app")]
    bad = [(p6(ue6a, DN_HOST6, b"other's /64"), TEID_UL2), (p6("2001:db8:46::1", DN_HOST6, b"nobody's"), TEID_UL2),
           (ue_pkt(DN_HOST, b"v4 of a v6-only session", src=UE2), TEID_UL2),
           (p6(ue6b, N6_IP6, b"to the UPF"), TEID_UL2)]
    ins = [gtpu(p, TEID_UL, qfi=5) for p in to_n9] + [gtpu(p, TEID_UL2, qfi=5) for p in to_dn] + \
        [gtpu(p, TEID_UL, qfi=5) for p in to_app] + [gtpu(p, t, qfi=5) for p, t in bad]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6() + [
            U("upf_interfaces6", {"dst": N6_IP6 + "/128"}, "n6", {"slice": SLICE}),
            dict(U("applications6", {"slice": SLICE, "remote": {"value": "2001:db8:200::",
                                                                 "mask": "ffff:ffff:ffff:ffff::"}},
                   "app", {"app": APP_DN}), priority=10),
            U("sessions_uplink", {"iface": 1, "teid": TEID_UL2}, "fwd_n6", session(sid=2, ue=None, urr=8)),
            U("sessions_downlink6", {"slice": SLICE, "ue": "2001:db8:45:2::"}, "encap_n3",
              dict({"id": 2}, **dl_far(urr=9)))])
        st = dp.run_traffic()
        expect_drops(st, {"upf.spoofed": 3, "upf.ue_to_upf": 1})
        ev = events_of(st)
        expect_eq((ev.get("upf.breakout"), ev.get("upf.to_n9")), (4, 2), "breakout/n9 events")
        use = dp.rpc("upf.usage", {"urrs": [1, 2, 8]})["urrs"]
        expect_eq([(u["packets"], u["bytes"]) for u in use],
                  [(1, len(to_app[0])), (2, sum(len(p) for p in to_n9)), (3, sum(len(p) for p in to_dn))],
                  "URRs 1 (the app's), 2 and 8")
        dp.stop()
        dp.expect_outputs({
            "n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed6(p) for p in to_dn + to_app],
            "n9": [want_gtpu(p, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC, ANCHOR_MAC, 5, 1, tos=0x48) for p in to_n9],
        })


@R.test
def test_echo_answered():
    """An echo request (sequence 77, from port 40000) gets a response with
    the same sequence and Recovery 0, to the port it came from."""
    req = Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=40000, dport=2152) / \
        GTP_U_Header(gtp_type=1, S=1, seq=77, teid=0)
    with Sxdp({"n3": [req], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {})
        expect_eq(events_of(st).get("upf.echo"), 1, "echo event")
        dp.stop()
        dp.expect_outputs({"n3": [reply_frame(req, GTP_U_Header(gtp_type=2, S=1, seq=77, teid=0) /
                                              IE_Recovery(restart_counter=0), 40000)]})
        rows = tshark_gtp(dp, "n3", ["gtp.message", "gtp.seq_number"])
        expect_eq([(int(r[0], 0), int(r[1], 0)) for r in rows], [(2, 77)], "tshark: echo response, seq")


@R.test
def test_unknown_teid_error_indication_bounded():
    """A G-PDU to a TEID of no session gets an error indication naming the
    TEID and our endpoint (its source port, 40001, in a UDP Port extension
    header); a flood of them is answered within the bound (a burst of 32
    and 1000/s), the rest dropped as upf.unknown_teid."""
    one = gtpu(ue_pkt(INTERNET), 0xdead, sport=40001)
    flood = [gtpu(ue_pkt(INTERNET), 0xbeef0000 + i) for i in range(200)]
    with Sxdp({"n3": [one] + flood, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        t0 = time.monotonic()
        st = dp.run_traffic()
        took = time.monotonic() - t0   # the bound refills while the flood is read: as long as it took at most
        sent = events_of(st).get("upf.error_ind_sent", 0)
        dropped = T.drops_of(st).get("upf.unknown_teid", 0)
        expect_eq(sent + dropped, 201, "every unknown-TEID G-PDU answered or dropped")
        expect(32 <= sent <= 32 + 1000 * took + 1, "answers within the bound: %d in %.2f s" % (sent, took))
        dp.stop()
        out = dp.outputs()["n3"]
        expect_eq(len(out), sent, "error indications on n3")
        first = Ether(out[0])
        expect_eq((first[IP].src, first[IP].dst, first[UDP].sport, first[UDP].dport),
                  (N3_IP, GNB, 2152, 2152), "from our endpoint to the sender's port 2152")
        rows = tshark_gtp(dp, "n3", ["gtp.message", "gtp.teid_data", "gtp.gsn_ipv4", "gtp.ext_hdr.udp_port"])
        expect_eq((int(rows[0][0], 0), int(rows[0][1], 0), rows[0][2], int(rows[0][3], 0)),
                  (26, 0xdead, N3_IP, 40001), "tshark: error indication, TEID Data I, peer address, UDP port")
        expect_eq({int(r[0], 0) for r in rows}, {26}, "every answer an error indication")
        T.SPOOL.keep("n3", dp.out_path("n3"))   # tshark: no malformed answer


@R.test
def test_psc_present_absent_wrong_direction_malformed():
    """Uplink with a UL container, without one (QFI 0 copied on), with a DL
    container (upf.psc_direction), with a container of length 0 (the
    GTP-U header the parser did not take: upf.gtpu_ext); downlink from N9
    with a UL container is refused."""
    ok_psc = gtpu(ue_pkt(INTERNET, b"psc"), TEID_UL, qfi=7)
    no_psc = gtpu(ue_pkt(INTERNET, b"nopsc"), TEID_UL)
    dl_on_n3 = gtpu(ue_pkt(INTERNET, b"dl"), TEID_UL, qfi=7, pdu_type=0)
    bad = Ether(bytes(gtpu(ue_pkt(INTERNET, b"bad"), TEID_UL, qfi=7)))
    raw = bytearray(bytes(bad))
    raw[14 + 20 + 8 + 12] = 0          # the container's length octet
    ul_on_n9 = gtpu(IP(src=INTERNET, dst=UE) / UDP(sport=1, dport=2) / Raw(b"x"), TEID_N9_LOCAL, src=ANCHOR,
                    dst=N9_IP, smac=ANCHOR_MAC, dmac=N9_MAC, qfi=9, pdu_type=1)
    with Sxdp({"n3": [ok_psc, no_psc, dl_on_n3, Ether(bytes(raw))], "n6": [], "n9": [ul_on_n9]},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {"upf.psc_direction": 2, "upf.gtpu_ext": 1})
        dp.stop()
        dp.expect_outputs({"n9": [want_gtpu(ok_psc[GTPPDUSessionContainer].payload, TEID_ANCHOR, N9_IP, ANCHOR,
                                            N9_MAC, ANCHOR_MAC, 7, 1),
                                  want_gtpu(no_psc[GTP_U_Header].payload, TEID_ANCHOR, N9_IP, ANCHOR, N9_MAC,
                                            ANCHOR_MAC, 0, 1)]})


@R.test
def test_outer_header_removal_0_1_6():
    """A session's OHR names the outer IP its G-PDUs may come over: 0 IPv4,
    1 IPv6, 6 either (upf.ohr_mismatch otherwise; another description is
    refused at write: test_writes_refused_with_reasons). IPv6 endpoints
    are upf_interfaces6's."""
    N3_IP6, GNB6 = "2001:db8::1", "2001:db8::10"

    def g6(teid, payload):
        return Ether(src=GNB_MAC, dst=N3_MAC) / IPv6(src=GNB6, dst=N3_IP6) / UDP(sport=2152, dport=2152) / \
            GTP_U_Header(teid=teid, gtp_type=255) / payload
    extra = [U("upf_interfaces6", {"dst": N3_IP6 + "/128"}, "n3", {"slice": 0, "id": 3})]
    for ohr, teid in ((0, 0x300), (1, 0x301), (6, 0x302)):
        for iface in (1, 3):
            extra.append(U("sessions_uplink", {"iface": iface, "teid": teid}, "fwd_n6", session(ohr=ohr)))
    to_dn = {t: ue_pkt(DN_HOST, b"ohr %x" % t) for t in (0x300, 0x301, 0x302)}
    ins = [gtpu(to_dn[t], t) for t in (0x300, 0x301, 0x302)] + [g6(t, to_dn[t]) for t in (0x300, 0x301, 0x302)]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + extra)
        st = dp.run_traffic()
        expect_drops(st, {"upf.ohr_mismatch": 2})
        dp.stop()
        # over IPv4: OHR 0 and 6; over IPv6: OHR 1 and 6
        dp.expect_outputs({"n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(to_dn[t])
                                  for t in (0x300, 0x302, 0x301, 0x302)]})


@R.test
def test_gate_closed():
    """A termination "drop" is the gate closed (upf.gate_closed): the
    session's own for every app without one, or an app's."""
    with Sxdp({"n3": [gtpu(ue_pkt(INTERNET, b"gate"), TEID_UL), gtpu(ue_pkt(DN_HOST, b"dn"), TEID_UL)],
               "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "drop", session(apps=1), type="modify"),
            U("terminations_uplink", {"session": 1, "app": APP_DN}, "drop", type="modify")])
        st = dp.run_traffic()
        expect_drops(st, {"upf.gate_closed": 2})
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_writes_refused_with_reasons():
    """What the declarations cannot say is checked at write, each with its
    reason, and nothing of a refused batch stays."""
    bad = [
        (U("sessions_uplink", {"iface": 1, "teid": 9}, "fwd_n6", session(peer=PEER_GNB)), "bad_far"),
        (U("sessions_uplink", {"iface": 1, "teid": 9}, "fwd_n9", session(teid=5)), "bad_peer"),
        (U("sessions_uplink", {"iface": 1, "teid": 9}, "drop", session(urr=4)), "bad_far"),
        (U("sessions_uplink", {"iface": 1, "teid": 9}, "fwd_n6", session(ohr=2)), "bad_ohr"),
        (U("sessions_downlink", {"slice": 1, "ue": "10.45.9.9"}, "encap_n3", {"id": 9, "peer": 1, "teid": 0}),
         "bad_peer"),
        (U("terminations_downlink", {"session": 1, "app": 0}, "encap_n3", dl_far()), "bad_app"),
        (U("terminations_uplink", {"session": 1, "app": 5}, "fwd_n6", {"urr": 1 << 30}), "bad_urr"),
        (U("tunnel_peers", {"id": 9}, "gtpu", {"src": N3_IP, "dst": GNB, "gw": "0.0.0.0", "vrf": 1, "sport": 0,
                                               "mtu": 0, "dscp": 0}), "bad_peer"),
    ] + [(U("tunnel_peers", {"id": 9}, "gtpu6", {"src": src, "dst": dst, "vrf": 1, "sport": 0, "mtu": 0,
                                                 "dscp": 0}), "bad_peer")
         for src, dst in (("fe80::1", "2001:db8::10"), ("2001:db8::1", "ff02::1"), ("::", "2001:db8::10"),
                          ("2001:db8::1", "::ffff:192.0.2.1"), ("2001:db8::1", "::1"))]
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        before = {t: dp.table_read(t) for t in ("sessions_uplink", "sessions_downlink", "terminations_uplink",
                                                "terminations_downlink", "tunnel_peers")}
        for u, reason in bad:
            r = dp.table_write([u], check=False)
            expect_eq((r["committed"], r["results"][0]["error"]["data"]["reason"]), (False, reason),
                      "%s %s refused" % (u["table"], u["action"]))
        # a sessions_downlink6 key is a /64: an address with an interface
        # identifier does not parse (a bad request, nothing written)
        try:
            dp.table_write([U("sessions_downlink6", {"slice": SLICE, "ue": "2001:db8:45:1::1"}, "drop", {"id": 1})])
            expect(False, "a /64 key with an interface identifier was taken")
        except T.RpcError as e:
            expect_eq((e.data.get("reason"), e.data.get("pointer")), ("bad_value", "/updates/0/match/ue"),
                      "refused: %s" % e)
        after = {t: dp.table_read(t) for t in before}
        expect_eq(after, before, "the tables as they were")
        expect_eq(dp.table_read("sessions_downlink6")[0], [], "nothing in sessions_downlink6")
        dp.stop()


@R.test
def test_qer_mbr_then_ambr_in_order():
    """QERs in order: the app's MBR, the session's AMBR, the slice's meter
    (upf_slices: meter 3, wide). Meter 1 is srTCM with CBS 3 packets and EBS 2 (yellow
    passes, red drops), meter 2 wide. 10 packets to the DN with meter 1 as
    the MBR pass 5, and the AMBR (2) and slice meter see only those 5; with
    meter 1 as the AMBR behind the wide MBR, 5 pass too, dropped at the
    AMBR, and the slice's meter again sees 5."""
    pkts = [ue_pkt(DN_HOST, b"q%02d" % i) for i in range(10)]
    size = 14 + len(pkts[0])
    meters = [U("meters", {"id": 1}, "srtcm", {"cir": 100, "cbs": 3 * size, "ebs": 2 * size}),
              U("meters", {"id": 2}, "srtcm", {"cir": 10000000, "cbs": 100 * size, "ebs": size}),
              U("meters", {"id": 3}, "srtcm", {"cir": 10000000, "cbs": 100 * size, "ebs": size})]
    for mbr, ambr in ((1, 2), (2, 1)):
        with Sxdp({"n3": [gtpu(p, TEID_UL) for p in pkts], "n6": [], "n9": []},
                  pipeline=PIPELINE, port_opts=PORTS) as dp:
            dp.table_write(meters + setup() + [
                U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "fwd_n9",
                  session(peer=PEER_ANCHOR, teid=TEID_ANCHOR, qfi=64, urr=2, apps=1, ambr=ambr), type="modify"),
                U("upf_slices", {"slice": SLICE}, "slice", {"meter": 3}),
                U("terminations_uplink", {"session": 1, "app": APP_DN}, "fwd_n6",
                  {"urr": 1, "meter": mbr}, type="modify")])
            st = dp.run_traffic()
            expect_drops(st, {"qos.meter_red": 5})
            m = {x["id"]: x for x in dp.rpc("qos.meters")}
            seen = {i: sum(m[i][c]["packets"] for c in ("green", "yellow", "red")) for i in (1, 2, 3)}
            expect_eq(seen, {1: 10, 2: 5 if mbr == 1 else 10, 3: 5},
                      "packets each meter saw (MBR first, AMBR, slice last)")
            use = dp.rpc("upf.usage", {"urrs": [1]})["urrs"][0]
            expect_eq(use["packets"], 5, "the URR counts what passed the QERs")
            dp.stop()
            expect_eq(len(dp.outputs()["n6"]), 5, "conforming packets out")


@R.test
def test_meters_table_sized_by_config():
    """config.table_sizes {"meters": 65536}: meter ids 1..65535. Meter
    60000 is taken and the session's downlink naming it meters its packets
    (qos.meters counts them: the per-worker arrays follow the size); meter
    65536 is refused (out_of_range: the meters' key bound follows the size),
    an entry naming meter 65536 too (unknown_meter: what names a meter is
    bounded by the cap, 1048575, beyond which it is out_of_range)."""
    from_dn = [Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) /
               Raw(b"m%d" % i) for i in range(3)]
    wide = {"cir": 10000000, "cbs": 100000, "ebs": 1000}
    with Sxdp({"n3": [], "n6": from_dn, "n9": []}, pipeline=PIPELINE, port_opts=PORTS,
              extra_cfg={"table_sizes": {"meters": 65536}}) as dp:
        sizes = {t["name"]: t["size"] for t in dp.rpc("pipeline.describe")["tables"]}
        expect_eq((sizes["meters"], sizes["meter_profiles"], sizes["meter_colors"]), (65536, 65536, 3 * 65536),
                  "the meters' tables sized by the config")
        dp.table_write([U("meters", {"id": 60000}, "srtcm", wide)] + setup() +
                       [U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                          dict({"id": 1}, **dl_far(meter=60000)), type="modify")])
        st = dp.phase(["n6"])
        expect_drops(st, {})
        m = {x["id"]: x for x in dp.rpc("qos.meters")}
        expect_eq(m.get(60000, {}).get("green", {}).get("packets"), 3, "meter 60000 metered the downlink")
        before = {t: dp.table_read(t) for t in ("meters", "sessions_downlink")}
        try:
            dp.table_write([U("meters", {"id": 65536}, "srtcm", wide)])
            expect(False, "meter 65536 was taken by a table of 65536")
        except T.RpcError as e:
            expect_eq((e.data.get("reason"), e.data.get("pointer")), ("out_of_range", "/updates/0/match/id"),
                      "meter 65536 refused: %s" % e)
        r = dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                              dict({"id": 1}, **dl_far(meter=65536)), type="modify")], check=False)
        expect_eq((r["committed"], r["results"][0]["error"]["data"]["reason"]), (False, "unknown_meter"),
                  "an entry naming meter 65536")
        try:
            dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                              dict({"id": 1}, **dl_far(meter=1 << 20)), type="modify")])
            expect(False, "an entry naming meter 1048576 was taken")
        except T.RpcError as e:
            expect_eq(e.data.get("reason"), "out_of_range", "an entry naming a meter past the cap: %s" % e)
        expect_eq({t: dp.table_read(t) for t in before}, before, "the tables as they were")
        dp.stop()
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        sizes = {t["name"]: t["size"] for t in dp.rpc("pipeline.describe")["tables"]}
        expect_eq(sizes["meters"], 16384, "the meters table's default size")
        dp.table_write([U("meters", {"id": 16383}, "srtcm", wide)])
        try:
            dp.table_write([U("meters", {"id": 16384}, "srtcm", wide)])
            expect(False, "meter 16384 was taken by the default table")
        except T.RpcError as e:
            expect_eq(e.data.get("reason"), "out_of_range", "meter 16384 refused by default: %s" % e)
        dp.stop()


@R.test
def test_urr_threshold_report():
    """A session's downlink termination with a 300-byte threshold reports
    once when its volume reaches it (upf.events, type usage), not again."""
    from_dn = [Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) /
               Raw(b"u" * 72) for _ in range(6)]       # 100-byte IP packets, 99 once routed... same length
    with Sxdp({"n3": [], "n6": from_dn, "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(urr_threshold=300))
        dp.run_traffic()
        deadline = T.time.monotonic() + 5
        while True:
            ev = dp.rpc("upf.events", {"after": 0})
            if ev["events"] or T.time.monotonic() > deadline:
                break
            T.time.sleep(0.05)
        expect_eq([(e["type"], e["session"], e["app"], e["direction"], e["urr"]) for e in ev["events"]],
                  [("usage", 1, 0, "downlink", 3)], "one usage report")
        expect(ev["events"][0]["bytes"] >= 300, "reported at the threshold: %s" % ev["events"][0])
        expect_eq(dp.rpc("upf.usage", {"session": 1})["terminations"],
                  [{"direction": "uplink", "from": "sessions_uplink", "app": 0, "urr": 2, "packets": 0, "bytes": 0},
                   {"direction": "uplink", "from": "terminations_uplink", "app": APP_DN, "urr": 1, "packets": 0,
                    "bytes": 0},
                   {"direction": "downlink", "from": "sessions_downlink", "app": 0, "urr": 3, "packets": 6,
                    "bytes": 600},
                   {"direction": "downlink", "from": "sessions_n9_downlink", "app": 0, "urr": 3, "packets": 6,
                    "bytes": 600}],
                  "the session's usage (its two downlink entries share URR 3)")
        dp.stop()


@R.test
def test_buffering_then_flush_in_order():
    """While the session's downlink termination is "buffer", packets are
    held and one DL data notification goes out; when it becomes encap_n3
    they leave in the order they came."""
    first = [Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) /
             Raw(b"held %d" % i) for i in range(5)]
    with Sxdp({"n3": [], "n6": first, "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(dl="buffer"))
        st = dp.phase(["n6"], events={"upf.buffered": 5})
        expect_drops(st, {})
        ev = dp.rpc("upf.events", {"after": 0})["events"]
        expect_eq([(e["type"], e["session"]) for e in ev], [("ddn", 1)], "one DL data notification")
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                          dict({"id": 1}, **dl_far()), type="modify")])
        st = dp.wait_consumed()
        expect_eq(events_of(st).get("upf.forwarded"), 5, "released")
        expect_eq(dp.rpc("upf.usage", {"urrs": [3]})["urrs"][0]["packets"], 5,
                  "counted in the termination's URR as they left (the main lcore's column)")
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(routed(p[IP]), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0)
                                  for p in first]})


@R.test
def test_buffered_n6_and_n9_leave_in_arrival_order():
    """A session's N6 and N9 entries both buffer; its downlink comes in
    from the DN, then the anchor, then the DN again (a second N6 port).
    One dataplane-atomic write turns both to encap_n3 (the N9 entry's
    update first): the packets leave in the order they came, not entry by
    entry."""
    dn_mac2 = "02:00:00:00:06:0b"
    dl = lambda tag, i: IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) / Raw(b"%s %d" % (tag, i))
    dn1 = [dl(b"dn", i) for i in range(3)]
    n9 = [IP(src=INTERNET, dst=UE) / UDP(sport=443, dport=40001) / Raw(b"n9 %d" % i) for i in range(3, 5)]
    dn2 = [dl(b"dn", i) for i in range(5, 8)]
    ports = dict(PORTS, n6b={"role": "n6"})
    with Sxdp({"n3": [], "n6": [Ether(src=DN_MAC, dst=N6_MAC) / p for p in dn1],
               "n9": [gtpu(p, TEID_N9_LOCAL, src=ANCHOR, dst=N9_IP, smac=ANCHOR_MAC, dmac=N9_MAC, qfi=9,
                           pdu_type=0) for p in n9],
               "n6b": [Ether(src=dn_mac2, dst=N6_MAC) / p for p in dn2]},
              pipeline=PIPELINE, port_opts=ports) as dp:
        dp.table_write(setup(dl="buffer") +
                       [U("interfaces", {"in_port": "n6b", "vlan": 0}, "attach", {"slice": SLICE, "bd": 1})])
        dp.phase(["n6"], events={"upf.buffered": 3})
        dp.phase(["n9"], events={"upf.buffered": 5})
        st = dp.phase(["n6b"], events={"upf.buffered": 8})
        expect_drops(st, {})
        expect_eq(len(dp.rpc("upf.events", {"after": 0})["events"]), 1, "one notification")
        dp.table_write([U("sessions_n9_downlink", {"iface": 2, "teid": TEID_N9_LOCAL}, "encap_n3",
                          session(ue=None, **dl_far()), type="modify"),
                        U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                          dict({"id": 1}, **dl_far()), type="modify")], atomicity="dataplane-atomic")
        st = dp.wait_consumed()
        expect_eq(events_of(st).get("upf.forwarded"), 8, "released")
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in dn1] +
                           [want_gtpu(p, TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in n9] +
                           [want_gtpu(routed(p), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0) for p in dn2]})


@R.test
def test_buffer_bound_drops_the_oldest():
    """A session holds 64 packets: of 70, the 6 oldest are dropped
    (upf.buffer_full) and the 64 newest leave in order when the termination
    forwards; one notification all the same."""
    pkts = [Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=UE) / UDP(sport=7777, dport=40000) /
            Raw(b"held %02d" % i) for i in range(70)]
    with Sxdp({"n3": [], "n6": pkts, "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup(dl="buffer"))
        st = dp.phase(["n6"], events={"upf.buffered": 70})
        expect_drops(st, {"upf.buffer_full": 6})
        expect_eq(len(dp.rpc("upf.events", {"after": 0})["events"]), 1, "one notification")
        dp.table_write([U("sessions_downlink", {"slice": SLICE, "ue": UE}, "encap_n3",
                          dict({"id": 1}, **dl_far()), type="modify")])
        st = dp.wait_consumed()
        expect_eq(events_of(st).get("upf.forwarded"), 64, "released")
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(routed(p[IP]), TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0)
                                  for p in pkts[6:]]})


@R.test
def test_ue_to_ue_through_the_pool_route():
    """UE 1 to UE 2: an app of the UE pool breaks out into the VRF, whose
    route to the pool brings it back down UE 2's tunnel."""
    p = ue_pkt(UE2, b"to ue2")
    with Sxdp({"n3": [gtpu(p, TEID_UL)], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            dict(U("applications", {"slice": SLICE, "remote": {"value": "10.45.0.0", "mask": "255.255.0.0"}},
                   "app", {"app": 2}), priority=20),
            U("terminations_uplink", {"session": 1, "app": 2}, "fwd_n6"),
            U("sessions_downlink", {"slice": SLICE, "ue": UE2}, "encap_n3",
              {"id": 2, "peer": PEER_GNB, "teid": TEID_GNB2, "qfi": 1})])
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(routed(p), TEID_GNB2, N3_IP, GNB, N3_MAC, GNB_MAC, 1, 0)]})


@R.test
def test_anti_spoofing_and_own_addresses():
    """Uplink from another source than the session's UE: upf.spoofed; to
    the UPF's N3, N9 or (its slice's) N6 address: upf.ue_to_upf."""
    ins = [gtpu(ue_pkt(INTERNET, src="10.45.9.9"), TEID_UL)] + \
        [gtpu(ue_pkt(a), TEID_UL) for a in (N3_IP, N9_IP, N6_IP)]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {"upf.spoofed": 1, "upf.ue_to_upf": 3})
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_end_marker_on_request():
    """upf.end_marker sends an end marker into the named tunnel; an unknown
    peer is refused (not_found)."""
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        expect_eq(dp.rpc("upf.end_marker", {"peer": PEER_GNB, "teid": TEID_GNB}), True, "sent")
        r = dp.rpc_raw("upf.end_marker", {"peer": 99, "teid": 1})
        expect_eq(r["error"]["data"]["reason"], "not_found", "unknown peer")
        st = dp.wait_consumed()
        expect_eq(events_of(st).get("upf.end_marker_sent"), 1, "event")
        dp.stop()
        dp.expect_outputs({"n3": [Ether(src=N3_MAC, dst=GNB_MAC) /
                                  IP(src=N3_IP, dst=GNB, ttl=64, id=0, flags="DF") /
                                  UDP(sport=2152, dport=2152, chksum=0) / GTP_U_Header(gtp_type=254, teid=TEID_GNB)]})


@R.test
def test_end_marker_from_the_anchor_relayed():
    """An end marker from the anchor on N9 to session 1's N9 TEID is passed on
    to the gNB in the session's N3 tunnel (TEID 0x2000) and reported; one
    from the gNB on N3, or to an N9 TEID of no session, only reported."""
    def marker(teid, src, dst, smac, dmac):
        return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=2152, dport=2152) / \
            GTP_U_Header(gtp_type=254, teid=teid)
    n9 = [marker(TEID_N9_LOCAL, ANCHOR, N9_IP, ANCHOR_MAC, N9_MAC), marker(0x7777, ANCHOR, N9_IP, ANCHOR_MAC, N9_MAC)]
    n3 = [marker(TEID_UL, GNB, N3_IP, GNB_MAC, N3_MAC)]
    with Sxdp({"n3": n3, "n6": [], "n9": n9}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.end_marker_relayed"), ev.get("upf.end_marker_sent"), ev.get("upf.consumed")),
                  (1, 1, 3), "relayed/sent/consumed")
        got = sorted((e["teid"], e["peer"]) for e in dp.rpc("upf.events", {"after": 0})["events"]
                     if e["type"] == "end_marker")
        expect_eq(got, sorted([(TEID_N9_LOCAL, ANCHOR), (0x7777, ANCHOR), (TEID_UL, GNB)]), "all three reported")
        dp.stop()
        dp.expect_outputs({"n3": [Ether(src=N3_MAC, dst=GNB_MAC) /
                                  IP(src=N3_IP, dst=GNB, ttl=64, id=0, flags="DF") /
                                  UDP(sport=2152, dport=2152, chksum=0) / GTP_U_Header(gtp_type=254, teid=TEID_GNB)]})


@R.test
def test_malformed_and_refused_gtpu_named():
    """Each broken or refused datagram to an endpoint has its named drop,
    nothing is sent but the supported-extension notification, and no
    mbuf is lost."""
    good = gtpu(ue_pkt(INTERNET, b"x"), TEID_UL)
    ver0 = Ether(bytes(good))
    ver0[GTP_U_Header].version = 2
    trunc = Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=2152, dport=2152) / Raw(b"\x30\xff\x00")
    long_len = Ether(bytes(good))
    long_len[GTP_U_Header].length = 500
    bad_ck = Ether(bytes(good))
    bad_ck[IP].chksum ^= 0x0101
    frag = Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP, flags="MF", frag=0) / UDP(sport=2152, dport=2152) / \
        Raw(b"\x30\xff\x00\x10" + b"\x00" * 20)
    status = Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=2152, dport=2152) / \
        GTP_U_Header(gtp_type=253, teid=TEID_UL)
    empty = gtpu(b"", TEID_UL)
    not_ip = gtpu(Raw(b"\x00" * 30), TEID_UL)
    # inner IPv6 (an IPv4v6 session's): its header cut short, a payload
    # length past the T-PDU (TS 29.281 5.1), an extension header chain cut short
    v6_pkt = bytes(IPv6(src=UE6_NET + "7", dst=DN_HOST6) / UDP(sport=40000, dport=7777) / Raw(b"x" * 8))
    v6_trunc = gtpu(Raw(v6_pkt[:30]), TEID_UL)
    v6_len = gtpu(Raw(v6_pkt[:4] + b"\x01\x00" + v6_pkt[6:]), TEID_UL)
    v6_ext = gtpu(Raw(bytes(IPv6(src=UE6_NET + "7", dst=DN_HOST6, nh=0, plen=4)) + b"\x11\x05\x00\x00"), TEID_UL)
    unknown_ext = Ether(bytes(gtpu(ue_pkt(INTERNET), TEID_UL, qfi=3)))
    raw = bytearray(bytes(unknown_ext))
    raw[14 + 20 + 8 + 11] = 0xc1       # next extension type: unknown, comprehension required
    cases = {
        "upf.gtpu_version": [ver0], "upf.gtpu_trunc": [trunc, long_len], "upf.outer_cksum": [bad_ck],
        "upf.gtpu_frag": [frag], "upf.gtpu_unsupported": [status], "upf.empty_tpdu": [empty],
        "upf.not_ip": [not_ip], "upf.inner_trunc": [v6_trunc], "upf.tpdu_len": [v6_len],
        "parse.ipv6_ext": [v6_ext],
    }
    ins = [p for v in cases.values() for p in v] + [Ether(bytes(raw))]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {k: len(v) for k, v in cases.items()})
        expect_eq(events_of(st).get("upf.supp_ext_sent"), 1, "one notification")
        dp.stop()
        out = dp.outputs()["n3"]
        expect_eq(len(out), 1, "only the notification leaves")
        rows = tshark_gtp(dp, "n3", ["gtp.message"])
        expect_eq(int(rows[0][0], 0), 31, "tshark: supported extension headers notification")


@R.test
def test_endpoint_of_another_slice():
    """An N3 endpoint given to slice 2 takes no G-PDU of a slice-1 session
    (upf.wrong_slice)."""
    with Sxdp({"n3": [gtpu(ue_pkt(INTERNET), TEID_UL, dst="192.0.2.2")], "n6": [], "n9": []},
              pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + [
            U("upf_interfaces", {"dst": "192.0.2.2/32"}, "n3", {"slice": 2, "id": 4}),
            U("sessions_uplink", {"iface": 4, "teid": TEID_UL}, "fwd_n6", session())])
        st = dp.run_traffic()
        expect_drops(st, {"upf.wrong_slice": 1})
        dp.stop()
        dp.expect_outputs({})


def churn_traffic(rnd, n_sess):
    """What the ports replay while the tables churn: each session's G-PDUs
    (to the DN, on to the anchor, to another UE, to our own address, a
    spoofed source, IPv6 inside; with and without a container) and its
    downlink from the DN and the anchor, unknown TEIDs, echo requests, and
    frames cut short or with one bit of their headers flipped."""
    ue = ["10.45.0.%d" % (i + 1) for i in range(n_sess)]
    n3, n6, n9 = [], [], []
    for _ in range(160):
        i = rnd.randrange(n_sess)
        teid = 0x100 + i if rnd.random() < 0.9 else 0xdead0000 + i
        dst = rnd.choice([DN_HOST, INTERNET, ue[(i + 1) % n_sess], N3_IP])
        src = ue[i] if rnd.random() < 0.9 else "10.45.200.1"
        inner = ue_pkt(dst, b"c%d" % i, src=src, dport=rnd.choice([7777, 53, 443]))
        if rnd.random() < 0.15:
            inner = IPv6(src=UE6_NET + "1", dst=DN_HOST6) / UDP(sport=40000, dport=7777) / Raw(b"c6")
        n3.append(gtpu(inner, teid, qfi=rnd.choice([None, 1, 9, 63])))
    n3.append(Ether(src=GNB_MAC, dst=N3_MAC) / IP(src=GNB, dst=N3_IP) / UDP(sport=40000, dport=2152) /
              GTP_U_Header(gtp_type=1, S=1, seq=5, teid=0))
    for _ in range(120):
        i = rnd.randrange(n_sess)
        n6.append(Ether(src=DN_MAC, dst=N6_MAC) / IP(src=DN_HOST, dst=ue[i]) / UDP(sport=7777, dport=40000) /
                  Raw(b"d%d" % i))
    n6.append(Ether(src=DN_MAC, dst=N6_MAC) / IPv6(src=DN_HOST6, dst=UE6_NET + "5") / UDP(sport=7777, dport=1) /
              Raw(b"d6"))
    for _ in range(60):
        i = rnd.randrange(n_sess)
        n9.append(gtpu(IP(src=INTERNET, dst=ue[i]) / UDP(sport=1, dport=2) / Raw(b"n%d" % i), 0x7000 + i,
                       src=ANCHOR, dst=N9_IP, smac=ANCHOR_MAC, dmac=N9_MAC, qfi=rnd.choice([None, 9]),
                       pdu_type=0))
    for frames in (n3, n9):   # broken ones, beside the good ones
        for f in rnd.sample(frames, 40):
            raw = bytearray(bytes(f))
            if rnd.random() < 0.5:
                raw = raw[:rnd.randrange(14, len(raw))]
            else:
                raw[rnd.randrange(14, min(len(raw), 14 + 20 + 8 + 16))] ^= 1 << rnd.randrange(8)
            frames.append(Ether(bytes(raw)))
    return T.Replay(n3), T.Replay(n6), T.Replay(n9)


def churn_updates(rnd, n_sess):
    """A batch of writes to every table the UPF reads, in any of their
    actions, with what they name present or not: some are refused."""
    out = []
    for _ in range(rnd.randrange(4, 24)):
        i = rnd.randrange(n_sess)
        sid, ue = i + 1, "10.45.0.%d" % (i + 1)
        typ = rnd.choice(["insert", "modify", "modify", "delete"])
        peer = rnd.choice([PEER_GNB, PEER_ANCHOR, PEER_GNB, 9])
        far = {"peer": peer, "teid": rnd.randrange(1, 1 << 32), "qfi": rnd.choice([0, 9, 63]),
               "urr": rnd.choice([0, 1, 2, 3 + i]), "threshold": rnd.choice([0, 0, 300]),
               "meter": rnd.choice([0, 0, 1, 2])}
        sess = {"ambr": rnd.choice([0, 0, 1, 2]), "apps": rnd.choice([0, 1])}
        t = rnd.randrange(10)
        if t == 0:
            act = rnd.choice(["fwd_n6", "fwd_n9", "drop"])
            p = session(sid, ue=rnd.choice([ue, None]), ohr=rnd.choice([0, 1, 6]), **sess)
            if act != "drop":
                p.update(far)
            out.append(U("sessions_uplink", {"iface": 1, "teid": 0x100 + i}, act, p, type=typ))
        elif t in (1, 2):
            act = rnd.choice(["encap_n3", "encap_n3", "buffer", "notify", "drop"])
            p = dict({"id": sid}, **sess, **(far if act == "encap_n3" else {}))
            out.append(U("sessions_downlink", {"slice": SLICE, "ue": ue}, act, p, type=typ))
        elif t == 3:
            act = rnd.choice(["encap_n3", "buffer", "drop"])
            p = session(sid, ue=None, **(far if act == "encap_n3" else {}))
            out.append(U("sessions_n9_downlink", {"iface": 2, "teid": 0x7000 + i}, act, p, type=typ))
        elif t == 4:
            act = rnd.choice(["fwd_n6", "fwd_n9", "drop"])
            p = {k: far[k] for k in ("urr", "meter")} if act == "fwd_n6" else far if act == "fwd_n9" else {}
            out.append(U("terminations_uplink", {"session": sid, "app": rnd.choice([APP_DN, 2])}, act, p, type=typ))
        elif t == 5:
            act = rnd.choice(["encap_n3", "buffer", "drop"])
            out.append(U("terminations_downlink", {"session": sid, "app": rnd.choice([APP_DN, 2])}, act,
                         far if act == "encap_n3" else {}, type=typ))
        elif t == 6:
            out.append(U("tunnel_peers", {"id": rnd.choice([PEER_GNB, PEER_ANCHOR, 9])}, "gtpu",
                         {"src": N3_IP, "dst": rnd.choice([GNB, ANCHOR]),
                          "gw": rnd.choice([GNB, ANCHOR, "192.0.2.77"]), "vrf": UNDERLAY,
                          "sport": rnd.choice([0, 2152]), "mtu": rnd.choice([0, 60, 1400]),
                          "dscp": rnd.choice([0, 46, 64])}, type=typ))
        elif t == 7:
            out.append(U("neigh", {"vrf": UNDERLAY, "ip": GNB}, "rewrite",
                         {"port": "n3", "vlan": 0, "dmac": GNB_MAC, "smac": N3_MAC}, type=typ))
        elif t == 8:
            out.append(U("meters", {"id": rnd.choice([1, 2])}, "srtcm",
                         {"cir": rnd.choice([1000, 10000000]), "cbs": 2000, "ebs": 2000}, type=typ))
        else:
            out.append(dict(U("applications", {"slice": SLICE, "remote": {"value": rnd.choice([DN_HOST, INTERNET]),
                                                                          "mask": "255.255.255.255"}},
                              "app", {"app": 2}, type=typ), priority=20))
        if typ == "delete":
            out[-1].pop("action", None)
            out[-1].pop("params", None)
    return out


@R.test
def test_churn_under_traffic_nothing_lost_or_broken():
    """Seeded churn: 12 batches of random writes to every table the UPF
    reads (any action, any atomicity, what they name present or not, peers
    and the gNB's neighbour changed and deleted under the sessions that
    use them), while all three ports replay a mix of good, unknown, cut
    and corrupted traffic on two workers. sxdp answers every batch (a
    refusal names its reason), tables read back whole, and once the ports
    stop and the sessions are gone every packet is accounted for and the
    mempool is back where it started."""
    rnd = random.Random(int(os.environ.get("CHURN_SEED", "12")))
    n_sess = 16
    n3, n6, n9 = churn_traffic(rnd, n_sess)
    ports = dict(PORTS, n3={"role": "n3", "soft_rss": True})
    with Sxdp({"n3": n3, "n6": n6, "n9": n9}, pipeline=PIPELINE, port_opts=ports, workers=2, mem_mb=1024,
              discard_tx=True) as dp:
        dp.table_write(setup() + [dict(U("applications", {"slice": SLICE, "remote": {"value": "0.0.0.0",
                                                                                       "mask": "0.0.0.0"},
                                                          "proto": {"value": 17, "mask": 255}}, "app", {"app": 2}),
                                       priority=1)])
        dp.table_write(setup_ue6())
        dp.release()
        reasons, applied = {}, 0
        for _ in range(12):
            mode = rnd.choice(["continue", "rollback", "dataplane-atomic"])
            r = dp.table_write(churn_updates(rnd, n_sess), atomicity=mode, check=False)
            applied += r["applied"]
            for x in r["results"]:
                if not x["ok"]:
                    d = x["error"].get("data") or {}
                    expect(x["error"].get("message") and d.get("reason") and
                           d.get("pointer", "").startswith("/updates/"), "a refusal that says why: %s" % x)
                    reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
            T.time.sleep(rnd.uniform(0.05, 0.3))
        for t in dp.rpc("pipeline.describe")["tables"]:
            expect_eq(len(dp.table_read(t["name"])[0]), t["entries"], "%s reads back whole" % t["name"])
        for name in ("n3", "n6", "n9"):
            dp.port_admin(name, False)
        dp.wait_consumed(names=[], mempool=False)
        # the sessions gone (what they buffered with them), the gNB's next hop back
        gone = [U(tb, m, type="delete") for i in range(n_sess) for tb, m in (
            ("sessions_uplink", {"iface": 1, "teid": 0x100 + i}),
            ("sessions_downlink", {"slice": SLICE, "ue": "10.45.0.%d" % (i + 1)}),
            ("sessions_n9_downlink", {"iface": 2, "teid": 0x7000 + i}))]
        dp.table_write(gone + [U("neigh", {"vrf": UNDERLAY, "ip": GNB}, "rewrite",
                                 {"port": "n3", "vlan": 0, "dmac": GNB_MAC, "smac": N3_MAC})],
                       atomicity="continue", check=False)
        st = dp.wait_mempool(settle=15)
        dp.check_accounting(st)
        expect(applied > 0 and reasons, "writes both applied (%d) and refused (%s)" % (applied, reasons))
        print("#   %d updates applied, refused: %s; %d packets in, drops %s" % (
            applied, reasons, sum(p["rx_packets"] for p in st["ports"]), T.drops_of(st)))
        dp.stop()


@R.test
def test_soft_rss_keeps_each_session_on_one_worker():
    """Two workers; every G-PDU of 32 sessions from one gNB arrives on the
    queue worker 0 reads (one outer 5-tuple: NIC RSS would too). With the
    port's soft_rss, worker 0 hands each to the worker its tunnel hashes to
    (read from the headers, before any parse: the worker that takes it
    parses it): worker i transmits on TX queue i, so each session's packets
    all leave by one queue, in order, and both workers carry sessions.
    Broken datagrams among them are dropped by their reason whichever
    worker parses them: a UDP length below 8 (spread unparsed, on its
    TEID), an IPv4 total length past the frame (parsed by the reader)."""
    n_sess, n_pkts = 32, 8
    ues = ["10.45.1.%d" % (i + 1) for i in range(n_sess)]
    pkts = [(i, k, ue_pkt(DN_HOST, b"s%d p%d" % (i, k), src=ues[i])) for k in range(n_pkts) for i in range(n_sess)]
    bad = []
    for i in range(n_sess):
        f = bytearray(bytes(gtpu(ue_pkt(DN_HOST, b"bad", src=ues[i]), 0x300 + i)))
        f[38:40] = (4).to_bytes(2, "big")           # UDP length 4
        bad.append(bytes(f))
    f = bytearray(bytes(gtpu(ue_pkt(DN_HOST, b"bad", src=ues[0]), 0x300)))
    f[16:18] = (len(f) - 14 + 40).to_bytes(2, "big")  # IPv4 total length past the frame
    bad.append(bytes(f))
    ports = dict(PORTS, n3={"role": "n3", "soft_rss": True})
    with Sxdp({"n3": T.Queues([[gtpu(p, 0x300 + i) for i, _, p in pkts] + bad]), "n6": [], "n9": []},
              pipeline=PIPELINE, port_opts=ports, workers=2, mem_mb=1024) as dp:
        dp.table_write(setup() + [U("sessions_uplink", {"iface": 1, "teid": 0x300 + i}, "fwd_n6",
                                    session(sid=10 + i, ue=ues[i])) for i in range(n_sess)])
        st = dp.run_traffic()
        expect_drops(st, {"parse.udp_len": n_sess, "parse.ipv4_len": 1})
        workers = [lc for lc in st["lcores"] if lc["role"] == "worker"]
        expect(workers[0]["handoff_packets"] > 0 and workers[0]["handoff_packets"] == workers[1]["handin_packets"]
               and workers[1]["handoff_packets"] == 0 and workers[1]["rx_packets"] == 0,
               "worker 0 read everything and handed some to worker 1: %s"
               % [(lc["rx_packets"], lc["handoff_packets"], lc["handin_packets"]) for lc in workers])
        expect(workers[0]["drop_packets"] > 0 and workers[1]["drop_packets"] > 0,
               "each worker parsed (and dropped) broken datagrams of its own: %s"
               % [lc["drop_packets"] for lc in workers])
        dp.stop()
        dp.expect_outputs({"n6": [Ether(src=N6_MAC, dst=DN_MAC) / routed(p) for _, _, p in pkts]}, unordered=True)
        seen = {}
        for q, path in enumerate(dp.out_qpaths["n6"]):
            for f in T.read_pcap(path):
                s_, k = bytes(Ether(f)[Raw].load).decode().split()
                seen.setdefault(int(s_[1:]), []).append((q, int(k[1:])))
        queues = {i: {q for q, _ in v} for i, v in seen.items()}
        expect(all(len(v) == 1 for v in queues.values()), "a session left by two queues: %s" % queues)
        expect(all([k for _, k in seen[i]] == list(range(n_pkts)) for i in seen), "a session's order changed")
        expect({q for v in queues.values() for q in v} == {0, 1}, "both workers carry sessions: %s" % queues)


@R.test
def test_gtpu_rss_asked_as_far_as_offered():
    """With two workers sxdp asks the devices of the ports G-PDUs arrive on
    (N3, N9) for GTP-U RSS (the TEID), as far as each offers it at start:
    net_pcap offers no RSS at all, net_null IP/UDP/TCP but not GTP-U, so
    neither gets it; port.list says what each got, and the log says that an
    N3/N9 port without it keeps one gNB on one worker unless soft_rss spreads
    it. The N6 port is never asked for GTP-U RSS."""
    ports = dict(PORTS, n3={"role": "n3", "soft_rss": True},
                 n9={"role": "n9", "devargs": "net_null7,no-rx=1"})
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=ports, workers=2, mem_mb=1024) as dp:
        pl = {p["name"]: p for p in dp.rpc("port.list")["ports"]}
        expect_eq(pl["n3"]["rss"], {"types": [], "offered": [], "gtpu": False, "soft_rss": True},
                  "net_pcap offers no RSS: none configured")
        expect_eq(pl["n9"]["rss"], {"types": ["ip", "udp", "tcp"], "offered": ["ip", "udp", "tcp"],
                                    "gtpu": False, "soft_rss": False},
                  "net_null offers IP/UDP/TCP RSS, not GTP-U: GTP-U not asked")
        expect_eq(pl["n6"]["rss"]["gtpu"], False, "n6 is not asked for GTP-U RSS")
        log = dp.log()
        for want in ("port n9: RSS over 2 RX queues on ip,udp,tcp (the device offers ip,udp,tcp)",
                     "port n9: no GTP-U RSS (net_null offers RSS on ip,udp,tcp): one gNB's G-PDUs",
                     'give the port "soft_rss": true to spread them over the 2 workers on their TEID',
                     "port n3: no GTP-U RSS (net_pcap offers RSS on none): soft_rss spreads G-PDUs over the 2 workers"):
            expect(want in log, "the start-up log says %r:\n%s" % (want, log))
        expect("port n6: no GTP-U RSS" not in log, "n6 has no GTP-U RSS advice")
        dp.stop()


if __name__ == "__main__":
    sys.exit(R.main())
