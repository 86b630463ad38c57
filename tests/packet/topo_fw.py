"""Shared helpers of the slice firewall's packet tests (test_fw.py): a slice
(vrf 1, port "inside", 10.1.0.0/24) and its outside (vrf 2, port "outside",
198.51.100.0/24) joined by the slice's edge without NAT, the firewall's
entries as sxcd compiles a slice's "firewall", and the frames the two hosts
send. Imported by the tests, never by each other."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sxdptest import Sxdp  # noqa: E402
from scapy.all import ICMP, IP, TCP, UDP, Ether  # noqa: E402

U = Sxdp.update
IN_HOST, IN_MAC, IN_GW, IN_GW_MAC = "10.1.0.10", "02:00:0a:01:00:0a", "10.1.0.1", "02:5e:00:01:00:01"
OUT_HOST, OUT_MAC, OUT_GW, OUT_GW_MAC = "198.51.100.10", "02:00:c6:33:64:0a", "198.51.100.1", "02:5e:00:02:00:01"
PORTS = ("inside", "outside")
EDGE_TABLES = ("edge_slices", "edge_return", "fw_rules", "fw_policy")


def has_edge(dp):
    """Does this sxdp run the edge (and so fw, its policy)?"""
    names = {t["name"] for t in dp.rpc("pipeline.describe")["tables"]}
    return set(EDGE_TABLES) <= names


def topology():
    """The switch's and the edge's entries: each host's port in its VRF's
    bridge domain with a gateway, its neighbour known, the slice's default
    route and the outside's route to it through the edge."""
    u = []
    for port, vrf, bd, gw, gw_mac, net, host, mac in (
            ("inside", 1, 11, IN_GW, IN_GW_MAC, "10.1.0.0/24", IN_HOST, IN_MAC),
            ("outside", 2, 21, OUT_GW, OUT_GW_MAC, "198.51.100.0/24", OUT_HOST, OUT_MAC)):
        bit = PORTS.index(port)
        u += [U("interfaces", {"in_port": port, "vlan": 0}, "attach", {"slice": vrf, "bd": bd}),
              U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0}),
              U("flood", {"bd": bd}, "flood", {"ports": 1 << bit}),
              U("svi", {"vrf": vrf, "bd": bd}, "svi", {"mac": gw_mac, "ip": gw, "plen": 24}),
              U("fdb", {"bd": bd, "mac": gw_mac}, "route"),
              U("routes", {"vrf": vrf, "dst": gw + "/32"}, "local"),
              U("routes", {"vrf": vrf, "dst": net}, "connected", {"bd": bd}),
              U("neigh", {"vrf": vrf, "ip": host}, "rewrite",
                {"port": port, "vlan": 0, "dmac": mac, "smac": gw_mac})]
    u += [U("routes", {"vrf": 1, "dst": "0.0.0.0/0"}, "edge"),
          U("routes", {"vrf": 2, "dst": "10.1.0.0/24"}, "edge"),
          U("edge_slices", {"vrf": 1}, "edge", {"outside": 2, "pool": 0}),
          U("edge_return", {"vrf": 2, "dst": "10.1.0.0/24"}, "inside", {"vrf": 1, "pool": 0})]
    return u


def firewall(in_default="deny", out_default="allow", rules=()):
    """fw_policy and fw_rules entries of slice 1 as fw_spec compiles them;
    rules: (id, dir 0 out | 1 in, action, proto or 0, dst prefix or None, dport or None)."""
    u = [U("fw_policy", {"vrf": 1, "dir": 0}, out_default), U("fw_policy", {"vrf": 1, "dir": 1}, in_default)]
    for rid, d, action, proto, dst, dport in rules:
        m = {"vrf": 1, "dir": d}
        if proto:
            m["proto"] = {"value": proto, "mask": 255}
        if dst:
            a, plen = dst.split("/")
            mask = (0xffffffff << (32 - int(plen))) & 0xffffffff
            m["dst"] = {"value": a, "mask": ".".join(str(mask >> s & 255) for s in (24, 16, 8, 0))}
        if dport is not None:
            m["dport"] = dport
        e = U("fw_rules", m, action, {"rule": rid})
        e["priority"] = 65536 - rid
        u.append(e)
    return u


def from_inside(l4, dst=OUT_HOST):
    return Ether(src=IN_MAC, dst=IN_GW_MAC) / IP(src=IN_HOST, dst=dst, ttl=64) / l4


def from_outside(l4, dst=IN_HOST):
    return Ether(src=OUT_MAC, dst=OUT_GW_MAC) / IP(src=OUT_HOST, dst=dst, ttl=64) / l4


def tcp(sport, dport, flags="S", seq=1000, ack=0):
    return TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack)


def udp(sport, dport):
    return UDP(sport=sport, dport=dport) / b"q"


def echo(ident, seq=1, reply=False):
    return ICMP(type=0 if reply else 8, id=ident, seq=seq)


def l4_of(frames):
    """(proto, sport, dport) of each frame that left: what got through."""
    out = []
    for f in frames:
        p = Ether(bytes(f))
        if TCP in p:
            out.append(("tcp", p[TCP].sport, p[TCP].dport))
        elif UDP in p:
            out.append(("udp", p[UDP].sport, p[UDP].dport))
        elif ICMP in p:
            # a query by its identifier, an error by its code
            out.append(("icmp", p[ICMP].type, p[ICMP].id if p[ICMP].type in (0, 8) else p[ICMP].code))
    return out
