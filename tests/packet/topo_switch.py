"""The switch pipeline's topology for the packet tests, as test_switch.py, test_ipv6.py,
test_routed.py, test_rfc1812.py and test_host.py build it: slice (VRF) 1 with bridge domain 10
(10.0.1.0/24, 2001:db8:1::/64, SVI MAC ROUTER1, hosts H1 and H3) and 20 (10.0.2.0/24,
2001:db8:2::/64, ROUTER2, hosts H2 and H2B), a routed port p0 (PMAC, host HR); the table
writes that make them (bridge domains, SVIs, neighbours, routed ports) and the frames the
hosts and the box send (what a router makes of a packet, ICMP errors, NDP, echo).

Run with Debian's /usr/bin/python3 (scapy).
"""
import socket
import subprocess
import sys

from sxdptest import Sxdp, expect

try:
    from scapy.all import (ICMP, IP, UDP, Dot1Q, Ether, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                           ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, Raw, in6_getnsma,
                           in6_getnsmac, inet_pton)
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

U = Sxdp.update

SLICE = 1
MEM_MB = 1024          # --no-huge -m: each VRF's rte_lpm takes ~70 MB
BCAST = "ff:ff:ff:ff:ff:ff"
ROUTER1 = "02:5e:00:00:01:fe"   # SVI MAC in bd 10
ROUTER2 = "02:5e:00:00:02:fe"   # SVI MAC in bd 20
H1 = "02:00:00:00:01:01"        # host 10.0.1.1 in bd 10
H2 = "02:00:00:00:02:01"        # host 10.0.2.1 in bd 20
H2B = "02:00:00:00:02:02"       # host 10.0.2.2 in bd 20
H3 = "02:00:00:00:01:03"        # host 10.0.1.3 in bd 10


def new_switch(ports, **kw):
    return Sxdp(ports, pipeline="switch", mem_mb=MEM_MB, **kw)


def port_index(dp, name):
    return [n for n, _ in dp.ports].index(name)


def mask(dp, names):
    m = 0
    for n in names:
        m |= 1 << port_index(dp, n)
    return m


def bd_updates(dp, bd, members, slice_id=SLICE, flood=None):
    """interfaces + bd_ports + flood entries of one bridge domain.
    members: [(port, vlan)], vlan 0 = untagged (both ingress and egress).
    flood: port names of the flood mask (default: the members)."""
    ups = []
    for port, vlan in members:
        ups.append(U("interfaces", {"in_port": port, "vlan": vlan}, "attach", {"slice": slice_id, "bd": bd}))
        ups.append(U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": vlan}))
    names = flood if flood is not None else [p for p, _ in members]
    ups.append(U("flood", {"bd": bd}, "flood", {"ports": mask(dp, names)}))
    return ups


def svi_updates(vrf, bd, mac, ip, plen, subnet):
    """What makes an SVI usable: the svi entry, fdb (bd, mac) -> route,
    routes ip/32 -> local, routes subnet -> connected(bd)."""
    return [U("svi", {"vrf": vrf, "bd": bd}, "svi", {"mac": mac, "ip": ip, "plen": plen}),
            U("fdb", {"bd": bd, "mac": mac}, "route"),
            U("routes", {"vrf": vrf, "dst": "%s/32" % ip}, "local"),
            U("routes", {"vrf": vrf, "dst": subnet}, "connected", {"bd": bd})]


def frame(src, dst, l3, vlan=None, prio=0, dei=0):
    """Ethernet (+ 802.1Q when vlan is not None) + l3 (a scapy packet or bytes)."""
    e = Ether(src=src, dst=dst)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan, prio=prio, id=dei)
    return e / (l3 if not isinstance(l3, (bytes, bytearray)) else Raw(l3))


def ip_udp(sip="10.0.0.1", dip="10.0.0.2", sport=1000, dport=2000, payload=b"sxdp-switch", **ip):
    return IP(src=sip, dst=dip, **ip) / UDP(sport=sport, dport=dport) / Raw(payload)


def decremented(l3):
    """The IP packet l3 as a router forwards it: TTL - 1, header checksum
    recomputed from scratch by scapy (L4 bytes untouched)."""
    p = IP(bytes(l3))
    p.ttl -= 1
    del p.chksum
    return IP(bytes(p))


def l3_setup(dp, bd20_port="p1", bd20_vlan=20, bd10_ports=(("p0", 0),)):
    """slice 1: bd 10 = 10.0.1.0/24 (SVI .254, ROUTER1) on p0 untagged;
    bd 20 = 10.0.2.0/24 (SVI .254, ROUTER2) on p1 trunk VID 20."""
    return (bd_updates(dp, 10, list(bd10_ports)) + bd_updates(dp, 20, [(bd20_port, bd20_vlan)]) +
            svi_updates(SLICE, 10, ROUTER1, "10.0.1.254", 24, "10.0.1.0/24") +
            svi_updates(SLICE, 20, ROUTER2, "10.0.2.254", 24, "10.0.2.0/24"))


def neigh(vrf, ip, port, vlan, dmac, smac):
    return U("neigh", {"vrf": vrf, "ip": ip}, "rewrite", {"port": port, "vlan": vlan, "dmac": dmac, "smac": smac})


def icmp_error_for(orig_frame, ingress_vlan, router_mac, router_ip, icmp_type, code=0):
    """The ICMP error the box sends about orig_frame: out of the ingress port
    (same VLAN), from the SVI of the ingress bd, quoting IP header + 8 bytes."""
    e = Ether(bytes(orig_frame))
    ip = e[IP]
    quote = bytes(ip)[:ip.ihl * 4 + 8]
    return frame(router_mac, e.src, IP(src=router_ip, dst=ip.src, ttl=64, tos=0xc0, id=0, flags=0) /
                 ICMP(type=icmp_type, code=code) / Raw(quote), ingress_vlan)


# ------------------------------------------------------------------ IPv6

NET1, NET2 = "2001:db8:1::", "2001:db8:2::"
SVI1, SVI2 = "2001:db8:1::fe", "2001:db8:2::fe"
A1, A3 = "2001:db8:1::1", "2001:db8:1::3"      # H1, H3 in bd 10
B1, B2 = "2001:db8:2::1", "2001:db8:2::2"      # H2, H2B in bd 20


def ll_of(mac):
    """The link-local address a MAC makes (modified EUI-64, RFC 4291)."""
    b = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]
    return socket.inet_ntop(socket.AF_INET6, b"\xfe\x80" + b"\x00" * 6 + iid)


def neigh6(vrf, ip, port, vlan, dmac, smac):
    return U("neigh6", {"vrf": vrf, "ip": ip}, "rewrite", {"port": port, "vlan": vlan, "dmac": dmac, "smac": smac})


def udp6(src, dst, sport=1000, dport=2000, hlim=64, payload=b"sxdp-ipv6", **kw):
    return IPv6(src=src, dst=dst, hlim=hlim, **kw) / UDP(sport=sport, dport=dport) / Raw(payload)


def routed(l3):
    """l3 as a router forwards it: hop limit - 1, nothing else."""
    p = IPv6(bytes(l3))
    p.hlim -= 1
    return p


def ns(src_mac, src, target, dst=None, lla=True, hlim=255, eth_dst=None, vlan=None):
    dst = dst or in6_getnsma(inet_pton(socket.AF_INET6, target))
    if isinstance(dst, bytes):
        dst = socket.inet_ntop(socket.AF_INET6, dst)
    p = IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target)
    if lla:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return frame(src_mac, eth_dst or in6_getnsmac(inet_pton(socket.AF_INET6, dst)), p, vlan)


def na_reply(router_mac, target, to_mac, to_ip, solicited=1, vlan=None):
    return frame(router_mac, to_mac, IPv6(src=target, dst=to_ip, hlim=255) /
                 ICMPv6ND_NA(R=1, S=solicited, O=1, tgt=target) / ICMPv6NDOptDstLLAddr(lladdr=router_mac), vlan)


def ns_from_box(router_mac, svi, target, vlan=None):
    group = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    return frame(router_mac, in6_getnsmac(inet_pton(socket.AF_INET6, group)),
                 IPv6(src=svi, dst=group, hlim=255) / ICMPv6ND_NS(tgt=target) /
                 ICMPv6NDOptSrcLLAddr(lladdr=router_mac), vlan)


def echo(src_mac, dst_mac, src, dst, ident=7, seq=1, data=b"ping6", vlan=None, hlim=64):
    return frame(src_mac, dst_mac, IPv6(src=src, dst=dst, hlim=hlim) /
                 ICMPv6EchoRequest(id=ident, seq=seq, data=data), vlan)


def echo_reply(req, router_mac, src=None, vlan=None):
    e = Ether(bytes(req))
    ip, q = e[IPv6], e[ICMPv6EchoRequest]
    return frame(router_mac, e.src, IPv6(src=src or ip.dst, dst=ip.src, hlim=64) /
                 ICMPv6EchoReply(id=q.id, seq=q.seq, data=q.data), vlan)


def expect_outputs6(dp, want, **kw):
    """dp.expect_outputs, then tshark's own verdict on every ICMPv6 checksum
    the box wrote: none bad (the quoted packets' included)."""
    dp.expect_outputs(want, **kw)
    for name, paths in dp.out_qpaths.items():
        for path in paths:
            r = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "icmpv6.checksum.status"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60)
            status = [v for ln in r.stdout.split() for v in ln.split(",")]
            expect("0" not in status, "%s: tshark says an ICMPv6 checksum is bad: %s" % (name, status))


# ------------------------------------------------------------ routed ports

PMAC = "02:5e:00:00:09:01"      # p0's own MAC: the routed port's
HR = "02:00:00:00:09:01"        # host 10.0.9.1 / 2001:db8:9::1 behind p0
RBD, QBD = 100, 101             # the routed links' bridge domains
R4, R6 = "10.0.9.254", "2001:db8:9::fe"
A4, A6 = "10.0.9.1", "2001:db8:9::1"


def routed_updates(dp, port, vlan, bd, mac, v4=None, v6=None, slice_id=SLICE, meter=0):
    """A routed port: its interfaces entry, its link (bd_ports, a flood
    entry of the port alone) and its addresses (svi / svi6 with the port's
    MAC, local and connected routes); no fdb entry: the fdb is never looked
    up for it."""
    p = {"slice": slice_id, "bd": bd}
    if meter:
        p["meter"] = meter
    ups = [U("interfaces", {"in_port": port, "vlan": vlan}, "routed", p),
           U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": vlan}),
           U("flood", {"bd": bd}, "flood", {"ports": 1 << [n for n, _ in dp.ports].index(port)})]
    if v4:
        ip, plen = v4.split("/")
        net = socket.inet_ntoa((int.from_bytes(socket.inet_aton(ip), "big") & (~0 << (32 - int(plen))) &
                                0xffffffff).to_bytes(4, "big"))
        ups += [U("svi", {"vrf": slice_id, "bd": bd}, "svi", {"mac": mac, "ip": ip, "plen": int(plen)}),
                U("routes", {"vrf": slice_id, "dst": "%s/32" % ip}, "local"),
                U("routes", {"vrf": slice_id, "dst": "%s/%s" % (net, plen)}, "connected", {"bd": bd})]
    if v6:
        ip, net, plen = v6
        ups += [U("svi6", {"vrf": slice_id, "bd": bd}, "svi6", {"mac": mac, "ip": ip, "plen": plen}),
                U("routes6", {"vrf": slice_id, "dst": "%s/128" % ip}, "local"),
                U("routes6", {"vrf": slice_id, "dst": "%s/%d" % (net, plen)}, "connected", {"bd": bd})]
    return ups
