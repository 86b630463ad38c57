#!/usr/bin/python3
"""An IPv6 PDU session's link as its UE sees it (TS 23.501 5.8.2.2.1): the
UE's Router Solicitation is answered by the UPF with a Router Advertisement
of the session's /64 (sessions_ra), sent down the session's own tunnel
byte for byte as TS 29.061 11.2.1.3.2 shapes it; or, where the session's
rules relay it to the SMF (an app of ff02::2, ICMPv6, to a tunnel), it goes
there untouched. Nothing else of the link (DAD, MLD, a solicitation that
fails RFC 4861's checks) is ever routed, whatever the session's apps say.

    /usr/bin/python3 tests/packet/test_upf_ra.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect_drops, expect_eq, events_of, tshark_fields  # noqa: E402

try:
    from scapy.all import (IPv6, Ether, Raw, IPv6ExtHdrHopByHop, ICMPv6ND_RS, ICMPv6ND_RA,  # noqa: E402
                           ICMPv6ND_NS, ICMPv6NDOptPrefixInfo, ICMPv6NDOptMTU, ICMPv6NDOptSrcLLAddr,
                           ICMPv6MLReport2)
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_upf import (ANCHOR, ANCHOR_MAC, GNB, GNB_MAC, N3_IP, N3_MAC, N9_IP, N9_MAC, PEER_ANCHOR,  # noqa: E402
                      PIPELINE, PORTS, SLICE, TEID_GNB, TEID_UL, TEID_UL2, UE6_NET, gtpu, session, setup,
                      setup_ue6, want_gtpu)

R = T.Runner()
U = Sxdp.update
os.environ.setdefault("SXDP_FAST_CHECK", "1")

UE_LL = "fe80::5:1"
ROUTER = "fe80::1"
APP_RS = 40


def rs(src=UE_LL, hlim=255, opts=None, **kw):
    p = IPv6(src=src, dst="ff02::2", hlim=hlim) / ICMPv6ND_RS(**kw)
    return p / opts if opts is not None else p


def ra(dst, mtu=None):
    """The RA the UPF answers with: from its link-local address, hop limit 255,
    M and O clear, medium preference, router lifetime 65535 (RFC 8319), one Prefix Information
    option (the session's /64, A set, L clear, infinite lifetimes), the MTU."""
    p = IPv6(src=ROUTER, dst=dst, hlim=255) / \
        ICMPv6ND_RA(chlim=0, M=0, O=0, prf=0, routerlifetime=65535, reachabletime=0, retranstimer=0) / \
        ICMPv6NDOptPrefixInfo(prefixlen=64, L=0, A=1, validlifetime=0xffffffff, preferredlifetime=0xffffffff,
                              prefix=UE6_NET)
    if mtu is not None:
        p = p / ICMPv6NDOptMTU(mtu=mtu)
    return IPv6(bytes(p))


def ra_entry(sid=1, mtu=None):
    p = {"prefix": UE6_NET, "router": ROUTER}
    if mtu is not None:
        p["mtu"] = mtu
    return U("sessions_ra", {"session": sid}, "ra", p)


@R.test
def test_router_solicitation_answered():
    """Session 1 (IPv4v6, its /64 UE6_NET): an RS from its link-local address is
    answered with the RA to that address, from the unspecified address to all nodes
    (ff02::1), each in the session's N3 tunnel (QFI 9) and counted in its downlink URR;
    one RA an RS (no amplification: a burst of 8 gives 8). Session 2 has no RA of the
    UPF's (an IPv4-only session): its RS is rs_unanswered. Malformed solicitations
    (hop limit 64, a bad checksum, to another address, a link-layer option from ::,
    an option of length 0) are rs_invalid; DAD and MLD are link_local, never routed."""
    good = [rs(), rs(src="::")] + [rs() for _ in range(8)]
    bad_cksum = IPv6(bytes(rs()))
    bad_cksum[ICMPv6ND_RS].cksum ^= 0x1234
    invalid = [rs(hlim=64), bad_cksum, IPv6(src=UE_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RS(),
               rs(src="::", opts=ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:05:01")),
               IPv6(src=UE_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / Raw(b"\x01\x00" + b"\0" * 6)]
    link = [IPv6(src="::", dst="ff02::1:ff05:1", hlim=255) / ICMPv6ND_NS(tgt=UE6_NET + "5:1"),
            IPv6(src=UE_LL, dst="ff02::16", hlim=1) / IPv6ExtHdrHopByHop() / ICMPv6MLReport2()]
    ins = [gtpu(p, TEID_UL, qfi=9) for p in good + invalid + link] + [gtpu(rs(), TEID_UL2, qfi=9)]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6() + [
            ra_entry(mtu=1400),
            U("sessions_uplink", {"iface": 1, "teid": TEID_UL2}, "fwd_n6", session(sid=2, ue="10.45.0.2", urr=8))])
        st = dp.run_traffic()
        expect_drops(st, {"upf.rs_invalid": len(invalid), "upf.link_local": len(link), "upf.rs_unanswered": 1})
        ev = events_of(st)
        expect_eq((ev.get("upf.ra_sent"), ev.get("upf.to_n3"), ev.get("upf.breakout"), ev.get("upf.to_n9")),
                  (len(good), len(good), None, None), "an RA an RS, nothing routed")
        answers = [ra(UE_LL, 1400), ra("ff02::1", 1400)] + [ra(UE_LL, 1400)] * 8
        use = dp.rpc("upf.usage", {"urrs": [7]})["urrs"][0]
        expect_eq((use["packets"], use["bytes"]), (len(answers), sum(len(a) for a in answers)),
                  "the RAs in the session's downlink URR")
        dp.stop()
        dp.expect_outputs({"n3": [want_gtpu(a, TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0, tos=0)
                                  for a in answers]})
        rows = tshark_fields(dp.out_path("n3"), ["icmpv6.type", "icmpv6.opt.prefix", "icmpv6.opt.mtu",
                                                 "icmpv6.checksum.status"])
        expect_eq({tuple(r) for r in rows}, {("134", UE6_NET, "1400", "1")},
                  "tshark: an RA of the /64 and the MTU, its checksum good")


@R.test
def test_router_solicitation_relayed_to_the_smf():
    """Open5GS's shape: the session's rules send the UE's ICMPv6 to ff02::2 to the SMF
    (applications6 ff02::2/128 proto 58, its termination a tunnel to the SMF's GTP-U
    address): the RS leaves untouched in that tunnel (a UL container, its QFI), even with
    an RA entry (the rules win), and nothing of the link goes anywhere else: an app of
    ::/0 broken out into N6 takes no DAD and no MLD."""
    smf = ANCHOR   # the SMF's GTP-U address: reached over N9 as an anchor is
    sol = rs()
    link = [IPv6(src="::", dst="ff02::1:ff05:1", hlim=255) / ICMPv6ND_NS(tgt=UE6_NET + "5:1"),
            IPv6(src=UE_LL, dst="ff02::16", hlim=1) / IPv6ExtHdrHopByHop() / ICMPv6MLReport2()]
    ins = [gtpu(p, TEID_UL, qfi=9) for p in [sol] + link]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6() + [
            ra_entry(),
            dict(U("applications6", {"slice": SLICE, "remote": {"value": "ff02::2", "mask": "ffff:" * 7 + "ffff"},
                                     "proto": {"value": 58, "mask": 255}}, "app", {"app": APP_RS}), priority=20),
            dict(U("applications6", {"slice": SLICE, "remote": {"value": "::", "mask": "::"}}, "app",
                   {"app": APP_RS + 1}), priority=1),
            U("terminations_uplink", {"session": 1, "app": APP_RS}, "fwd_n9",
              {"peer": PEER_ANCHOR, "teid": 0x5eed, "qfi": 64, "urr": 11}),
            U("terminations_uplink", {"session": 1, "app": APP_RS + 1}, "fwd_n6", {"urr": 12})])
        st = dp.run_traffic()
        expect_drops(st, {"upf.link_local": len(link)})
        ev = events_of(st)
        expect_eq((ev.get("upf.to_n9"), ev.get("upf.ra_sent"), ev.get("upf.breakout")), (1, None, None),
                  "the RS relayed, not answered, nothing broken out")
        dp.stop()
        dp.expect_outputs({"n9": [want_gtpu(sol, 0x5eed, N9_IP, smf, N9_MAC, ANCHOR_MAC, 9, 1, tos=0)]})


@R.test
def test_ra_entries_checked():
    """sessions_ra's params: a /64 (a prefix whose last 64 bits are zero) and the router's
    address; the MTU optional. Read back as written."""
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write([ra_entry(sid=5, mtu=1280)])
        rows = dp.table_read("sessions_ra")[0]
        expect_eq([(r["match"]["session"], r["params"]["prefix"], r["params"]["router"], r["params"]["mtu"])
                   for r in rows], [(5, UE6_NET, ROUTER, 1280)], "read back")


if __name__ == "__main__":
    R.main()
