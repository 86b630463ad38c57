"""The overlay over an IPv6 underlay, for the packet tests: one site (LAN
port p0 in bridge domain 10 of slice 1, host MAC_A; WAN port w0 with IPv6
VTEP and IPv4 VTEP4) and the peer site 2 (PEER, PEER4; hosts MAC_R,
MAC_R2) over tunnel TUN (VNI) on path 1 (IPv6) and, when asked, path 2
(IPv4). The table writes that make it (setup), a host's frame (inner) and
the peer's IPv6 datagram carrying one (outer6).

Run with Debian's /usr/bin/python3 (scapy).
"""
import sys

from sxdptest import Sxdp

try:
    from scapy.all import IP, IPv6, UDP, Ether, Raw
    from scapy.layers.vxlan import VXLAN
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

U = Sxdp.update

PORTS = {"p0": {"role": "lan"}, "w0": {"role": "wan"}}
PIPELINE = {"lan": "switch", "wan": "overlay"}
MAC_A, MAC_R, MAC_R2 = "02:00:00:00:00:0a", "02:00:00:00:01:0a", "02:00:00:00:01:0b"
WAN_MAC, GW_MAC, PEER_MAC = "02:00:00:00:ff:01", "02:00:00:00:ff:fe", "02:00:00:00:ff:02"
VTEP, PEER, GW = "2001:db8:1::10", "2001:db8:2::20", "fe80::1"
VTEP4, PEER4, GW4 = "192.0.2.10", "198.51.100.20", "192.0.2.1"
UNDERLAY, VNI, TUN = 100, 5000, 7


def setup(paths=None, policy=None, gw=GW):
    """slice 1: bd 10 = p0 + the tunnel to site 2; path 1 over IPv6 (next
    hop gw, a static NDP neighbour), path 2 over IPv4 when asked."""
    ups = [
        U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
        U("bd_ports", {"bd": 10, "port": "p0"}, "member", {"vlan": 0}),
        U("flood", {"bd": 10}, "flood", {"ports": 0b1}),
        U("fdb", {"bd": 10, "mac": MAC_A}, "forward", {"port": "p0"}),
        U("fdb", {"bd": 10, "mac": MAC_R}, "tunnel", {"tunnel": TUN}),
        U("neigh6", {"vrf": UNDERLAY, "ip": gw}, "rewrite",
          {"port": "w0", "vlan": 0, "dmac": GW_MAC, "smac": WAN_MAC}),
        U("neigh", {"vrf": UNDERLAY, "ip": GW4}, "rewrite",
          {"port": "w0", "vlan": 0, "dmac": GW_MAC, "smac": WAN_MAC}),
        U("vteps", {"ip": VTEP}, "vtep"),
        U("vnis", {"vni": VNI}, "l2", {"slice": 1, "bd": 10}),
        U("peers", {"slice": 1, "ip": PEER}, "peer", {"tunnel": TUN}),
    ]
    for pid, (kind, prm) in (paths if paths is not None else {1: ("static", {})}).items():
        where = {"src": VTEP, "dst": PEER, "vrf": UNDERLAY, "mtu": 0, "gw": gw} if pid == 1 else \
            {"src": VTEP4, "dst": PEER4, "vrf": UNDERLAY, "mtu": 0, "gw": GW4}
        ups.append(U("paths", {"id": pid}, kind, dict(where, **prm)))
    ups.append(U("tunnels", {"id": TUN}, "vxlan", {"slice": 1, "vni": VNI, "path": 1, "ttl": 64, "dscp": 0,
                                                    "csum": 0}))
    if policy:
        ups += policy
    return ups


def inner(src=MAC_A, dst=MAC_R, payload=b"x", v6=False, sport=1000, tos=0):
    ip = IPv6(src="fd00:10::1", dst="fd00:20::1", tc=tos) if v6 else \
        IP(src="10.1.0.1", dst="10.2.0.1", tos=tos)
    return Ether(src=src, dst=dst) / ip / UDP(sport=sport, dport=2000) / Raw(payload)


def outer6(frame, src=PEER, dst=VTEP, sport=50000, chksum=None):
    return Ether(src=PEER_MAC, dst=WAN_MAC) / IPv6(src=src, dst=dst) / \
        UDP(sport=sport, dport=4789, chksum=chksum) / VXLAN(vni=VNI, flags=0x08) / frame
