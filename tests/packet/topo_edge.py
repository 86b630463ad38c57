"""Shared helpers of the edge's packet tests (test_edge.py): a slice (VRF 1)
with two routed links ("in1" 10.0.9.0/24, "in2" 10.0.8.0/24) and its outside
(VRF 2) with two ("out1" 198.51.100.0/24, "out2" 192.0.2.0/24), joined by
the slice's edge with a NAT44 pool; the frames each side sends and what the
box makes of them. Imported by the tests, never by each other."""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sxdptest import Sxdp  # noqa: E402
from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw  # noqa: E402,F401

U = Sxdp.update
IN_VRF, OUT_VRF = 1, 2
# port -> (vrf, bd, its MAC, its address/len, the host behind it, the host's MAC)
LINKS = {
    "in1": (IN_VRF, 100, "02:5e:00:00:09:01", "10.0.9.254/24", "10.0.9.1", "02:00:00:00:09:01"),
    "out1": (OUT_VRF, 200, "02:5e:00:00:c6:01", "198.51.100.254/24", "198.51.100.1", "02:00:00:00:c6:01"),
    "in2": (IN_VRF, 101, "02:5e:00:00:08:01", "10.0.8.254/24", "10.0.8.1", "02:00:00:00:08:01"),
    "out2": (OUT_VRF, 201, "02:5e:00:00:c0:01", "192.0.2.254/24", "192.0.2.1", "02:00:00:00:c0:01"),
}
PORTS = list(LINKS)
A, B = "10.0.9.1", "10.0.9.2"              # inside hosts behind in1
B_MAC = "02:00:00:00:09:02"
R1, R2 = "198.51.100.1", "192.0.2.1"       # remote hosts behind out1, out2
POOL = "203.0.113.8/30"
P0 = "203.0.113.8"                          # the pool's first address
PORT_LO, BLOCK = 1024, 512


def ports(**inputs):
    """The four ports in order, each with its input (default none)."""
    return {p: inputs.get(p, []) for p in PORTS}


def sxdp(inputs, **kw):
    return Sxdp(ports(**inputs), pipeline="switch", mem_mb=1024,
                port_opts={p: {"mac": LINKS[p][2]} for p in PORTS}, **kw)


def pool_entry(pool_id=1, first=P0, last="203.0.113.11", port_lo=PORT_LO, port_hi=65535, block=BLOCK,
               blocks=2, det=None):
    p = {"first": first, "last": last, "port_lo": port_lo, "port_hi": port_hi, "block": block, "blocks": blocks}
    if det:
        prefix, plen = det.split("/")
        p.update(det_prefix=prefix, det_plen=int(plen))
    return U("edge_pools", {"id": pool_id}, "pool", p)


def topology(pool=1, pool_prefix=POOL):
    """Routed links, their hosts known, VRF 1's default route to the edge,
    VRF 2's route of the pool to it, the edge and its pool."""
    u = []
    for port, (vrf, bd, mac, addr, host, hmac) in LINKS.items():
        ip, plen = addr.split("/")
        net = socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", socket.inet_aton(ip))[0] &
                                           (0xffffffff << (32 - int(plen))) & 0xffffffff))
        u += [U("interfaces", {"in_port": port, "vlan": 0}, "routed", {"slice": vrf, "bd": bd}),
              U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0}),
              U("flood", {"bd": bd}, "flood", {"ports": 1 << PORTS.index(port)}),
              U("svi", {"vrf": vrf, "bd": bd}, "svi", {"mac": mac, "ip": ip, "plen": int(plen)}),
              U("routes", {"vrf": vrf, "dst": "%s/32" % ip}, "local"),
              U("routes", {"vrf": vrf, "dst": "%s/%s" % (net, plen)}, "connected", {"bd": bd}),
              U("neigh", {"vrf": vrf, "ip": host}, "rewrite", {"port": port, "vlan": 0, "dmac": hmac,
                                                              "smac": mac})]
    u += [U("neigh", {"vrf": IN_VRF, "ip": B}, "rewrite", {"port": "in1", "vlan": 0, "dmac": B_MAC,
                                                          "smac": LINKS["in1"][2]}),
          U("routes", {"vrf": IN_VRF, "dst": "0.0.0.0/0"}, "edge"),
          U("routes", {"vrf": OUT_VRF, "dst": pool_prefix}, "edge"),
          U("edge_slices", {"vrf": IN_VRF}, "edge", {"outside": OUT_VRF, "pool": pool}),
          U("edge_return", {"vrf": OUT_VRF, "dst": pool_prefix}, "inside", {"vrf": IN_VRF, "pool": pool})]
    if pool:
        u.append(pool_entry(pool))
    return u


def host_mac(ip):
    for vrf, bd, mac, addr, host, hmac in LINKS.values():
        if host == ip:
            return hmac
    return B_MAC if ip == B else None


def send(port, l3, src_mac=None):
    """A frame into port from the host behind it (or src_mac) to the port's MAC."""
    return Ether(src=src_mac or LINKS[port][5], dst=LINKS[port][2]) / l3


def out_frame(port, l3):
    """What the box sends out of port to the host behind it (or to B, on in1)."""
    dst = l3[IP].dst
    return Ether(src=LINKS[port][2], dst=host_mac(dst) or LINKS[port][5]) / l3


def rebuilt(l3, **fields):
    """l3 (scapy IP) with fields changed and every checksum computed again
    (what a NAT's incremental updates must equal)."""
    p = IP(bytes(l3))
    for k, v in fields.items():
        if k in ("sport", "dport", "id"):
            layer = p[UDP] if UDP in p else p[TCP] if TCP in p else p[ICMP]
            setattr(layer, k, v)
            del layer.chksum
        else:
            setattr(p, k, v)
    del p.chksum
    for layer in (UDP, TCP):
        if layer in p:
            del p[layer].chksum
    if ICMP in p:
        del p[ICMP].chksum
    return IP(bytes(p))


def crc32c_u32(data4, init):
    """rte_hash_crc_4byte: CRC32C of 4 bytes from init, no inversion."""
    crc = init
    for b in data4:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc & 0xffffffff


def owner(ip, n, vrf=IN_VRF):
    """The worker of an inside host among n (nat_host_worker)."""
    return crc32c_u32(socket.inet_aton(ip), vrf) % n if n > 1 else 0


def ext_port(in_port, block_no):
    """A mapping's outside port in block block_no of the first address: the
    inside port's place in the block."""
    return PORT_LO + block_no * BLOCK + in_port % BLOCK


def udp(src, dst, sport, dport, ttl=64, payload=b"edge"):
    return IP(src=src, dst=dst, ttl=ttl) / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp(src, dst, sport, dport, flags="S", seq=1000, ack=0, ttl=64, payload=b""):
    p = IP(src=src, dst=dst, ttl=ttl) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack)
    return p / Raw(payload) if payload else p


def echo(src, dst, ident, reply=False, ttl=64):
    return IP(src=src, dst=dst, ttl=ttl) / ICMP(type=0 if reply else 8, id=ident, seq=1) / Raw(b"ping")
