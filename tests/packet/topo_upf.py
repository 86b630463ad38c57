"""The UPF's topology for the packet tests: sxdp's n3 (to the gNB GNB), n9 (to the anchor UPF
ANCHOR) and n6 (slice 1's VRF, the local DN host DN_HOST) ports, over IPv4 and IPv6; session 1
(UE) with its TEIDs, its apps' breakout and its peers; the table writes that make them (setup,
setup6, setup_ue6) and what goes in and comes out (a gNB's G-PDU, what sxdp sends, an answer
to one of its endpoints).

Run with Debian's /usr/bin/python3 (scapy).
"""
import sys

import sxdptest as T
from sxdptest import Sxdp

try:
    from scapy.all import IP, UDP, Ether, Raw
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

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
# the underlay over IPv6: N3's subnet with the gNB, N9's with a router to the anchor's network
N3_IP6, GNB6 = "2001:db8:3::1", "2001:db8:3::10"
N9_IP6, RTR6, ANCHOR6 = "2001:db8:9::1", "2001:db8:9::fe", "2001:db8:99::9"
PEER_GNB6, PEER_ANCHOR6 = 3, 4
# IPv6 UEs: session 1's /64 in the UE pool, the DN over IPv6 in slice 1
UE6_NET, UE6_POOL = "2001:db8:45:1::", "2001:db8:45::/48"
N6_IP6, DN_HOST6 = "2001:db8:200::1", "2001:db8:200::5"


def session(sid=1, ue=UE, **far):
    """A session entry's params: the session, its default termination's FAR."""
    p = {"id": sid, "slice": SLICE, "ohr": 0}
    if ue is not None:
        p["ue"] = ue
    p.update(far)
    return p


def dl_far(teid=TEID_GNB, qfi=9, urr=3, **kw):
    return dict({"peer": PEER_GNB, "teid": teid, "qfi": qfi, "urr": urr}, **kw)


def setup(dl="encap_n3", urr_threshold=0):
    """Underlay slice 100 on n3 and n9 with the gNB and the anchor as static
    neighbours; slice 1's VRF on n6 with the DN host and a route of the UE
    pool into the UPF. Session 1 (UE, TEID 0x100 from the gNB, 0x7000 from
    the anchor): its own uplink termination sends to the anchor, the DN's
    app breaks out; downlink from either side goes to the gNB at TEID
    0x2000 with QFI 9, both counted in URR 3."""
    far = dl_far(threshold=urr_threshold) if urr_threshold else dl_far()
    if dl != "encap_n3":
        far = {}
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
        U("sessions_uplink", {"iface": 1, "teid": TEID_UL}, "fwd_n9",
          session(peer=PEER_ANCHOR, teid=TEID_ANCHOR, qfi=64, urr=2, apps=1)),
        U("sessions_n9_downlink", {"iface": 2, "teid": TEID_N9_LOCAL}, dl, session(ue=None, **far)),
        U("sessions_downlink", {"slice": SLICE, "ue": UE}, dl, dict({"id": 1}, **far)),
        dict(U("applications", {"slice": SLICE, "remote": {"value": "10.200.0.0", "mask": "255.255.255.0"}},
               "app", {"app": APP_DN}), priority=10),
        U("terminations_uplink", {"session": 1, "app": APP_DN}, "fwd_n6", {"urr": 1}),
    ]


def setup6(dp, gnb_known=True):
    """IPv6 in the underlay: the box's N3 and N9 addresses (SVI6s of bds
    100 and 101, whose members n3 and n9 are, also GTP-U endpoints 3 and 4),
    the gNB on N3's subnet
    (a static neighbour unless not gnb_known), the anchor's network behind a
    router on N9's (a via route); peers 3 (the gNB) and 4 (the anchor: the
    inner flow's source port, DSCP 10) over IPv6."""
    u = []
    names = [n for n, _ in dp.ports]
    for bd, port, mac, ip, net in ((100, "n3", N3_MAC, N3_IP6, "2001:db8:3::"),
                                   (101, "n9", N9_MAC, N9_IP6, "2001:db8:9::")):
        u += [U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0}),
              U("flood", {"bd": bd}, "flood", {"ports": 1 << names.index(port)})] + \
            T.svi6_updates(UNDERLAY, bd, mac, ip, net)
    u += [U("routes6", {"vrf": UNDERLAY, "dst": "2001:db8:99::/48"}, "via", {"nh": RTR6}),
          U("neigh6", {"vrf": UNDERLAY, "ip": RTR6}, "rewrite",
            {"port": "n9", "vlan": 0, "dmac": ANCHOR_MAC, "smac": N9_MAC}),
          U("upf_interfaces6", {"dst": N3_IP6 + "/128"}, "n3", {"slice": 0, "id": 3}),
          U("upf_interfaces6", {"dst": N9_IP6 + "/128"}, "n9", {"slice": 0, "id": 4}),
          U("tunnel_peers", {"id": PEER_GNB6}, "gtpu6",
            {"src": N3_IP6, "dst": GNB6, "vrf": UNDERLAY, "sport": 2152, "mtu": 0, "dscp": 64}),
          U("tunnel_peers", {"id": PEER_ANCHOR6}, "gtpu6",
            {"src": N9_IP6, "dst": ANCHOR6, "vrf": UNDERLAY, "sport": 0, "mtu": 0, "dscp": 10})]
    if gnb_known:
        u.append(U("neigh6", {"vrf": UNDERLAY, "ip": GNB6}, "rewrite",
                   {"port": "n3", "vlan": 0, "dmac": GNB_MAC, "smac": N3_MAC}))
    return u


def setup_ue6(urr=7):
    """Session 1 is IPv4v6: its /64 (sessions_downlink6, its downlink to the
    gNB counted in URR urr); slice 1's VRF routes IPv6 too (an SVI6 on the
    DN's bd, the DN host a static neighbour, the UE pool's route upf)."""
    return [U("svi6", {"vrf": SLICE, "bd": 1}, "svi6", {"mac": N6_MAC, "ip": N6_IP6, "plen": 64}),
            U("routes6", {"vrf": SLICE, "dst": N6_IP6 + "/128"}, "local"),
            U("routes6", {"vrf": SLICE, "dst": "2001:db8:200::/64"}, "connected", {"bd": 1}),
            U("neigh6", {"vrf": SLICE, "ip": DN_HOST6}, "rewrite",
              {"port": "n6", "vlan": 0, "dmac": DN_MAC, "smac": N6_MAC}),
            U("routes6", {"vrf": SLICE, "dst": UE6_POOL}, "upf"),
            U("sessions_downlink6", {"slice": SLICE, "ue": UE6_NET}, "encap_n3", dict({"id": 1}, **dl_far(urr=urr)))]


def gtpu(payload, teid, src=GNB, dst=N3_IP, smac=GNB_MAC, dmac=N3_MAC, qfi=None, pdu_type=1, sport=2152):
    """A G-PDU as a gNB (or with src/dst/macs, an anchor) sends it."""
    if qfi is None:
        g = GTP_U_Header(teid=teid, gtp_type=255)
    else:
        g = GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) / GTPPDUSessionContainer(type=pdu_type, QFI=qfi)
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=sport, dport=2152) / g / payload


def want_gtpu(payload, teid, src, dst, smac, dmac, qfi, pdu_type, ip_len_check=True, tos=None):
    """What sxdp sends: outer IPv4 with DF, TTL 64, id 0, UDP 2152 -> 2152
    without checksum, a PDU Session Container of pdu_type with qfi; the
    outer TOS the inner IPv4 one's unless given."""
    g = GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) / GTPPDUSessionContainer(type=pdu_type, QFI=qfi)
    return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, ttl=64, id=0, flags="DF",
                                          tos=payload[IP].tos if tos is None else tos) / \
        UDP(sport=2152, dport=2152, chksum=0) / g / payload


def ue_pkt(dst, payload=b"hello", src=UE, ttl=64, sport=40000, dport=7777):
    return IP(src=src, dst=dst, ttl=ttl) / UDP(sport=sport, dport=dport) / Raw(payload)


def routed(p):
    """p as a router forwards it: TTL - 1, header checksum again."""
    q = IP(bytes(p))
    q.ttl -= 1
    del q.chksum
    return IP(bytes(q))


def reply_frame(req, gtp, dport):
    """What sxdp answers to req (a datagram to one of its endpoints): back
    the way it came, from the endpoint, UDP 2152 -> dport, no checksum."""
    return Ether(src=req[Ether].dst, dst=req[Ether].src) / \
        IP(src=req[IP].dst, dst=req[IP].src, ttl=64, id=0, flags=0) / UDP(sport=2152, dport=dport, chksum=0) / gtp
