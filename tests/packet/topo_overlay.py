"""The overlay's topology for the packet tests: one site, one peer, one path. Site 1's LAN
ports p0 (bridge domain 10, slice 1, host MAC_A) and p1 (bd 20, slice 2, MAC_B), its WAN port w0
(VTEP, WAN_MAC) behind the underlay gateway GW; the peer site 2 (PEER, hosts MAC_R and MAC_R2)
over tunnel TUN (VNI) on path PATH. The table writes that make it (setup), a host's frame and
the peer's datagram carrying one (inner, outer); for the paths' tests, the same site with up to
eight paths to as many far ends (PEERS, paths_setup) and the probes on them (probe_msg).

Run with Debian's /usr/bin/python3 (scapy).
"""
import struct
import sys
import time

import sxdptest as T
from sxdptest import Sxdp

try:
    from scapy.all import IP, UDP, Ether, Raw
    from scapy.contrib.geneve import GENEVE
    from scapy.layers.vxlan import VXLAN
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

U = Sxdp.update

PORTS = {"p0": {"role": "lan"}, "p1": {"role": "lan"}, "w0": {"role": "wan"}}
PIPELINE = {"lan": "switch", "wan": "overlay"}
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"     # site 1 hosts, p0 / p1
MAC_R, MAC_R2 = "02:00:00:00:01:0a", "02:00:00:00:01:0b"    # site 2 hosts, behind the tunnel
WAN_MAC, GW_MAC, PEER_MAC = "02:00:00:00:ff:01", "02:00:00:00:ff:fe", "02:00:00:00:ff:02"
VTEP, PEER, GW = "192.0.2.10", "198.51.100.20", "192.0.2.1"
UNDERLAY = 100
VNI, VNI2 = 5000, 6000
TUN = 7
PATH = 1


def setup(kind="vxlan", ttl=64, dscp=0, csum=0):
    """slice 1: bd 10 = p0 + the tunnel to site 2 (VNI 5000); slice 2: bd 20 = p1.
    The underlay next hop GW is a static neighbour on w0."""
    return [
        U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
        U("bd_ports", {"bd": 10, "port": "p0"}, "member", {"vlan": 0}),
        U("flood", {"bd": 10}, "flood", {"ports": 0b1}),
        U("interfaces", {"in_port": "p1", "vlan": 0}, "attach", {"slice": 2, "bd": 20}),
        U("bd_ports", {"bd": 20, "port": "p1"}, "member", {"vlan": 0}),
        U("fdb", {"bd": 10, "mac": MAC_A}, "forward", {"port": "p0"}),
        U("fdb", {"bd": 20, "mac": MAC_B}, "forward", {"port": "p1"}),
        U("fdb", {"bd": 10, "mac": MAC_R}, "tunnel", {"tunnel": TUN}),
        U("neigh", {"vrf": UNDERLAY, "ip": GW}, "rewrite",
          {"port": "w0", "vlan": 0, "dmac": GW_MAC, "smac": WAN_MAC}),
        U("vteps", {"ip": VTEP}, "vtep"),
        U("vnis", {"vni": VNI}, "l2", {"slice": 1, "bd": 10}),
        U("vnis", {"vni": VNI2}, "l2", {"slice": 2, "bd": 20}),
        U("peers", {"slice": 1, "ip": PEER}, "peer", {"tunnel": TUN}),
        U("paths", {"id": PATH}, "static", {"src": VTEP, "dst": PEER, "vrf": UNDERLAY, "mtu": 0, "gw": GW}),
        U("tunnels", {"id": TUN}, kind, {"slice": 1, "vni": VNI, "path": PATH, "ttl": ttl, "dscp": dscp,
                                         "csum": csum}),
    ]


def setup_p1_in_bd10():
    """setup()'s entries with p1 in bridge domain 10 beside p0 (slice 1),
    the only fdb entry the remote MAC's: two ports' frames to the path, one
    burst each, for two phases."""
    tables = [u for u in setup() if "p1" not in str(u.get("match")) and u["table"] != "fdb" or
              u["match"].get("mac") == MAC_R]
    return tables + [U("interfaces", {"in_port": "p1", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
                     U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 0})]


def inner(src, dst, payload, tos=0, ttl=64):
    return Ether(src=src, dst=dst) / IP(src="10.1.0.1", dst="10.1.0.2", tos=tos, ttl=ttl) / \
        UDP(sport=1000, dport=2000) / Raw(payload)


def outer(frame, vni=VNI, src=PEER, dst=VTEP, kind="vxlan", sport=50000, **ip):
    hdr = VXLAN(vni=vni, flags=0x08) if kind == "vxlan" else GENEVE(vni=vni, proto=0x6558)
    return Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=src, dst=dst, **ip) / \
        UDP(sport=sport, dport=4789 if kind == "vxlan" else 6081) / hdr / frame


def after_sas_expired(dp, bound=10.0):
    """Once every SA sxdp holds is past its hard lifetime (a generous bound),
    the path's frame from p0 and the peer's packet on w0 sent: each is
    dropped as overlay.sa_expired, and nothing leaves, sealed, opened or clear."""
    deadline = time.monotonic() + bound
    while any(x["expires_ms"] for x in dp.rpc("overlay.sa.list")) and time.monotonic() < deadline:
        time.sleep(0.05)
    st = dp.run_traffic()
    dp.stop()
    T.expect_drops(st, {"overlay.sa_expired": 2})
    out = dp.outputs()
    T.expect_eq((out["w0"], out["p0"]), ([], []), "nothing sealed, opened or clear")


# ------------------------------------------------------------------ paths

PEERS = {i: "198.51.100.%d" % (19 + i) for i in range(1, 9)}   # path i's far end
MAGIC = 0x53585042                                            # a probe message's ("SXPB")


def probe_msg(kind=1, path=1, seq=0, magic=MAGIC, version=1, tx=0x1122334455667788, rx=0, flags=0):
    return struct.pack(">IBBHII", magic, version, kind, path, seq, flags) + struct.pack("<QQ", tx, rx)


def answer_flags(frames):
    """The flags of the first probe answer (UDP 3785) among frames: the
    answering box's role bits (0: active, alone) and above them its nonce,
    which must be there (a box's 24 random bits)."""
    for f in frames:
        e = Ether(f)
        if UDP in e and e[UDP].dport == 3785:
            flags = struct.unpack(">I", bytes(e[UDP].payload)[12:16])[0]
            T.expect(flags >> 8 != 0, "the answer carries the box's nonce")
            return flags
    raise T.TestFailure("no probe answer")


def paths_setup(lan_ports, paths, tunnel_path=0):
    """slice 1: bd 10 = the LAN ports + the tunnel TUN to site 2; the
    underlay next hop GW a static neighbour on w0; paths as given."""
    ups = [U("vteps", {"ip": VTEP}, "vtep"),
           U("vnis", {"vni": VNI}, "l2", {"slice": 1, "bd": 10}),
           U("neigh", {"vrf": UNDERLAY, "ip": GW}, "rewrite",
             {"port": "w0", "vlan": 0, "dmac": GW_MAC, "smac": WAN_MAC}),
           U("fdb", {"bd": 10, "mac": MAC_R}, "tunnel", {"tunnel": TUN})]
    for i, p in enumerate(lan_ports):
        ups += [U("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
                U("bd_ports", {"bd": 10, "port": p}, "member", {"vlan": 0})]
    ups.append(U("flood", {"bd": 10}, "flood", {"ports": (1 << len(lan_ports)) - 1}))
    for pid, (kind, extra) in paths.items():
        prm = {"src": VTEP, "dst": PEERS[pid], "vrf": UNDERLAY, "mtu": 0, "gw": GW}
        prm.update(extra)
        ups.append(U("paths", {"id": pid}, kind, prm))
    ups.append(U("tunnels", {"id": TUN}, "vxlan",
                 {"slice": 1, "vni": VNI, "path": tunnel_path, "ttl": 64, "dscp": 0, "csum": 0}))
    return ups
