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

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, tshark_fields, expect, expect_drops, expect_eq, events_of  # noqa: E402

try:
    from scapy.all import IP, IPv6, UDP, TCP, ICMP, Ether, Raw  # noqa: E402
    from scapy.contrib.gtp import (GTP_U_Header, GTPPDUSessionContainer, GTPEchoRequest,  # noqa: E402
                                   GTPEchoResponse, GTPErrorIndication, IE_TEIDI, IE_GSNAddress,
                                   IE_Recovery)
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()
U = Sxdp.update

PORTS = {"n3": {"role": "n3"}, "n6": {"role": "n6"}, "n9": {"role": "n9"}}
PIPELINE = {"n3": "upf", "n9": "upf", "n6": "switch"}

N3_MAC, GNB_MAC = "02:00:00:00:03:01", "02:00:00:00:03:0a"
N9_MAC, ANCHOR_MAC = "02:00:00:00:09:01", "02:00:00:00:09:0a"
N6_MAC, DN_MAC = "02:00:00:00:06:01", "02:00:00:00:06:0a"
N3_IP, GNB = "192.0.2.1", "192.0.2.10"
N9_IP, ANCHOR = "198.51.100.1", "198.51.100.9"
N6_IP, DN_HOST, DN_NET = "10.200.0.1", "10.200.0.5", "10.200.0.0/24"
UE, UE2, POOL = "10.45.0.1", "10.45.0.2", "10.45.0.0/16"
INTERNET = "203.0.113.7"
UNDERLAY, SLICE = 100, 1
TEID_UL, TEID_UL2, TEID_GNB, TEID_GNB2 = 0x100, 0x101, 0x2000, 0x2001
TEID_N9_LOCAL, TEID_ANCHOR = 0x7000, 0x9000
APP_DN = 1
PEER_GNB, PEER_ANCHOR = 1, 2


def setup(dl="encap_n3", urr_threshold=0):
    """Underlay slice 100 on n3 and n9 with the gNB and the anchor as static
    neighbours; slice 1's VRF on n6 with the DN host and a route of the UE
    pool into the UPF. Session 1 (UE, TEID 0x100 from the gNB, 0x7000 from
    the anchor): the DN's app breaks out, the rest goes to the anchor;
    downlink to the gNB at TEID 0x2000 with QFI 9."""
    tdl = {"peer": PEER_GNB, "teid": TEID_GNB, "qfi": 9, "urr": 3}
    if urr_threshold:
        tdl["threshold"] = urr_threshold
    return [
        U("interfaces", {"in_port": "n3", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 100}),
        U("interfaces", {"in_port": "n9", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 101}),
        U("neigh", {"vrf": UNDERLAY, "ip": GNB}, "rewrite", {"port": "n3", "vlan": 0, "dmac": GNB_MAC, "smac": N3_MAC}),
        U("neigh", {"vrf": UNDERLAY, "ip": ANCHOR}, "rewrite",
          {"port": "n9", "vlan": 0, "dmac": ANCHOR_MAC, "smac": N9_MAC}),
        U("interfaces", {"in_port": "n6", "vlan": 0}, "attach", {"slice": SLICE, "bd": 1}),
        U("svi", {"vrf": SLICE, "bd": 1}, "svi", {"mac": N6_MAC, "ip": N6_IP, "plen": 24}),
        U("fdb", {"bd": 1, "mac": N6_MAC}, "route"),
        U("routes", {"vrf": SLICE, "dst": N6_IP + "/32"}, "local"),
        U("routes", {"vrf": SLICE, "dst": DN_NET}, "connected", {"bd": 1}),
        U("neigh", {"vrf": SLICE, "ip": DN_HOST}, "rewrite", {"port": "n6", "vlan": 0, "dmac": DN_MAC, "smac": N6_MAC}),
        U("routes", {"vrf": SLICE, "dst": POOL}, "upf"),
        U("upf_interfaces", {"dst": N3_IP + "/32"}, "n3", {"slice": 0, "id": 1}),
        U("upf_interfaces", {"dst": N9_IP + "/32"}, "n9", {"slice": 0, "id": 2}),
        U("upf_interfaces", {"dst": N6_IP + "/32"}, "n6", {"slice": SLICE}),
        U("tunnel_peers", {"id": PEER_GNB}, "gtpu",
          {"src": N3_IP, "dst": GNB, "gw": GNB, "vrf": UNDERLAY, "sport": 2152, "mtu": 0, "dscp": 64}),
        U("tunnel_peers", {"id": PEER_ANCHOR}, "gtpu",
          {"src": N9_IP, "dst": ANCHOR, "gw": ANCHOR, "vrf": UNDERLAY, "sport": 2152, "mtu": 0, "dscp": 64}),
        U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "session", {"id": 1, "ue": UE, "slice": SLICE, "ohr": 0}),
        U("sessions_n9_downlink", {"iface": 2, "teid": TEID_N9_LOCAL}, "session",
          {"id": 1, "ue": UE, "slice": SLICE, "ohr": 0}),
        U("sessions_downlink", {"slice": SLICE, "ue": UE}, "session", {"id": 1}),
        dict(U("applications", {"slice": SLICE, "remote": {"value": "10.200.0.0", "mask": "255.255.255.0"}},
               "app", {"app": APP_DN}), priority=10),
        U("terminations_uplink", {"session": 1, "app": APP_DN}, "fwd_n6", {"vrf": SLICE, "urr": 1}),
        U("terminations_uplink", {"session": 1, "app": 0}, "fwd_n9",
          {"peer": PEER_ANCHOR, "teid": TEID_ANCHOR, "qfi": 64, "urr": 2}),
        U("terminations_downlink", {"session": 1, "app": 0}, dl, tdl if dl == "encap_n3" else None),
    ]


def gtpu(payload, teid, src=GNB, dst=N3_IP, smac=GNB_MAC, dmac=N3_MAC, qfi=None, pdu_type=1, sport=2152):
    """A G-PDU as a gNB (or with src/dst/macs, an anchor) sends it."""
    if qfi is None:
        g = GTP_U_Header(teid=teid, gtp_type=255)
    else:
        g = GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) / GTPPDUSessionContainer(type=pdu_type, QFI=qfi)
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=sport, dport=2152) / g / payload


def want_gtpu(payload, teid, src, dst, smac, dmac, qfi, pdu_type, ip_len_check=True):
    """What sxdp sends: outer IPv4 with DF, TTL 64, id 0, UDP 2152 -> 2152
    without checksum, a PDU Session Container of pdu_type with qfi."""
    g = GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) / GTPPDUSessionContainer(type=pdu_type, QFI=qfi)
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, ttl=64, id=0, flags="DF", tos=payload[IP].tos) / \
        UDP(sport=2152, dport=2152, chksum=0) / g / payload


def ue_pkt(dst, payload=b"hello", src=UE, ttl=64, sport=40000, dport=7777):
    return IP(src=src, dst=dst, ttl=ttl) / UDP(sport=sport, dport=dport) / Raw(payload)


def routed(p):
    """p as a router forwards it: TTL - 1, header checksum again."""
    q = IP(bytes(p))
    q.ttl -= 1
    del q.chksum
    return IP(bytes(q))


def tshark_gtp(dp, port, fields):
    return tshark_fields(dp.out_path(port), fields)


@R.test
def test_uplink_ulcl_breakout_and_n9():
    """Uplink to the DN's prefix is decapsulated and routed to the DN host
    (TTL - 1); to anything else it goes on to the anchor at TEID 0x9000 with
    a UL container carrying the QFI it came with."""
    to_dn = [ue_pkt(DN_HOST, b"dn %d" % i) for i in range(3)]
    to_net = [ue_pkt(INTERNET, b"net %d" % i) for i in range(2)]
    ins = [gtpu(p, TEID_UL, qfi=5) for p in to_dn] + [gtpu(p, TEID_UL, qfi=5) for p in to_net]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup())
        st = dp.run_traffic()
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.ul"), ev.get("upf.breakout"), ev.get("upf.to_n9")), (5, 3, 2), "ul/breakout/n9 events")
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


if __name__ == "__main__":
    sys.exit(R.main())
