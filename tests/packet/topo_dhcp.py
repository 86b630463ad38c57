"""The dhcp feature's topology for the packet tests (test_dhcp.py): slice 1 with
bridge domain 10 (10.0.1.0/24, SVI 10.0.1.254 ROUTER1) on ports p0, p1 and p3, and
bridge domain 20 (10.0.2.0/24, SVI 10.0.2.254 ROUTER2) on p2, whose requests are
relayed to a server behind p1; the table writes of a pool, a static lease and a
relay; the DHCP frames a client (and a relayed server) sends, and what the box's
answers say read back.

Run with Debian's /usr/bin/python3 (scapy).
"""
import sys

from sxdptest import Sxdp
import topo_switch as S

try:
    from scapy.all import BOOTP, DHCP, IP, UDP, Ether, Raw
except ImportError:
    print("SKIP: scapy is not importable by %s" % sys.executable)
    sys.exit(77)

U = Sxdp.update
SLICE = 1
ROUTER1, ROUTER2 = S.ROUTER1, S.ROUTER2
SVI1, SVI2 = "10.0.1.254", "10.0.2.254"
POOL = {"first": "10.0.1.10", "last": "10.0.1.13", "router": SVI1, "dns1": "10.0.1.53", "lease_s": 600}
SERVER = "10.0.1.200"           # the outside server bd 20 relays to, behind p1
SERVER_MAC = "02:00:00:00:01:c8"
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(i, base="02:00:00:00:10:"):
    return base + "%02x" % i


def setup(dp, pool=True, static=(), relay=True):
    """The bridge domains and SVIs; the pool of bd 10 (POOL), its static
    leases [(mac, ip)], the relay of bd 20 to SERVER."""
    ups = (S.bd_updates(dp, 10, [(p, 0) for p in ("p0", "p1", "p3") if p in [n for n, _ in dp.ports]]) + S.bd_updates(dp, 20, [("p2", 0)]) +
           S.svi_updates(SLICE, 10, ROUTER1, SVI1, 24, "10.0.1.0/24") +
           S.svi_updates(SLICE, 20, ROUTER2, SVI2, 24, "10.0.2.0/24") +
           [S.neigh(SLICE, SERVER, "p1", 0, SERVER_MAC, ROUTER1)])
    if pool:
        ups.append(U("dhcp_pools", {"vrf": SLICE, "bd": 10}, "pool", POOL))
    for m, ip in static:
        ups.append(U("dhcp_static", {"bd": 10, "mac": m}, "static", {"ip": ip}))
    if relay:
        ups.append(U("dhcp_relay", {"vrf": SLICE, "bd": 20}, "relay", {"server": SERVER}))
    dp.table_write(ups)


def dhcp(chaddr, mtype, src=None, dst_mac=BCAST, sip="0.0.0.0", dip="255.255.255.255", xid=1, options=(),
         **bootp):
    """A client's DHCP frame: from src (default chaddr), BOOTP's fields as given."""
    opts = [("message-type", mtype)] + list(options) + ["end"]
    return Ether(src=src or chaddr, dst=dst_mac) / IP(src=sip, dst=dip) / UDP(sport=68, dport=67) / \
        BOOTP(chaddr=bytes.fromhex(chaddr.replace(":", "")) + b"\0" * 10, xid=xid, **bootp) / DHCP(options=opts)


def raw_udp67(src, payload, chksum=None):
    """A broadcast UDP datagram to port 67 with any payload (malformed DHCP)."""
    u = UDP(sport=68, dport=67)
    if chksum is not None:
        u.chksum = chksum
    return Ether(src=src, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") / u / Raw(payload)


def answers(frames):
    """The DHCP answers among raw frames: [(Ether, {option: value})]."""
    out = []
    for b in frames:
        e = Ether(b)
        if BOOTP in e and e[UDP].sport == 67:
            opts = {o[0]: (o[1] if len(o) == 2 else o[1:]) for o in e[DHCP].options if isinstance(o, tuple)}
            out.append((e, opts))
    return out


def mtype(opts):
    t = opts.get("message-type")
    return {2: "offer", 5: "ack", 6: "nak"}.get(t, t)
