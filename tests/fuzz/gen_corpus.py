#!/usr/bin/python3
"""Seed corpus for tests/fuzz/fuzz_parse.c: one small packet of every kind
the parser knows, plus truncated and malformed variants, so the fuzzer starts
at every branch instead of having to discover Ethernet by chance.

Writes tests/fuzz/corpus/parse/seed-*.bin (overwriting only seed-* files;
inputs the fuzzer found are kept as found-*). Needs scapy (Debian's
python3-scapy): run with /usr/bin/python3.
"""
import os
import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, IPv6,
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.ipsec import AH
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.layers.vxlan import VXLAN
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.packet import Raw

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "parse")

E = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
A4 = dict(src="10.0.0.1", dst="10.0.0.2")
A6 = dict(src="2001:db8::1", dst="2001:db8::2")


def eth(t=None):
    return Ether(**E) if t is None else Ether(type=t, **E)


def good():
    """(name, bytes) of well-formed packets."""
    p = {}
    p["udp4"] = eth() / IP(**A4) / UDP(sport=1234, dport=4000) / Raw(b"q" * 18)
    p["tcp4"] = eth() / IP(**A4) / TCP(sport=40000, dport=443, flags="S")
    p["tcp4_opts"] = (eth() / IP(**A4) /
                      TCP(sport=40000, dport=80,
                          options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]))
    p["icmp4"] = eth() / IP(**A4) / ICMP() / Raw(b"ping")
    # padded to 60 like on the wire: the tagged fast path needs 54 bytes
    p["vlan_udp4"] = (eth() / Dot1Q(vlan=100, prio=1) / IP(**A4) /
                      UDP(dport=5001) / Raw(b"v" * 14))
    p["vlan_tcp4"] = (eth() / Dot1Q(vlan=4095) / IP(**A4) /
                      TCP(sport=179, dport=50000, options=[("MSS", 1400)]) /
                      Raw(b"bg"))
    p["stag_udp4"] = eth() / Dot1AD(vlan=200) / IP(**A4) / UDP(dport=5001)
    p["qinq_tcp4"] = (eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / IP(**A4) /
                      TCP(dport=22))
    p["qinq_udp6"] = (eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / IPv6(**A6) /
                      UDP(dport=53))
    p["arp"] = eth() / ARP(psrc="10.0.0.1", pdst="10.0.0.2")
    p["vlan_arp"] = eth() / Dot1Q(vlan=5) / ARP(op=2)
    # chassis id (MAC), port id "p1", TTL 120, end; padded to 46
    lldpdu = (b"\x02\x07\x04" + bytes([2, 0, 0, 0, 0, 1]) +
              b"\x04\x03\x07p1" + b"\x06\x02\x00\x78" + b"\x00\x00")
    p["lldp"] = eth(0x88CC) / Raw(lldpdu.ljust(46, b"\x00"))
    p["ip4_opts"] = (eth() / IP(options=b"\x94\x04\x00\x00\x01\x01\x01\x00", **A4) /
                     UDP(sport=68, dport=67))
    frags = (IP(id=7, **A4) / UDP(sport=7000, dport=7001) /
             Raw(b"f" * 64)).fragment(32)
    p["frag4_first"] = eth() / frags[0]
    p["frag4_later"] = eth() / frags[1]
    p["icmp6"] = eth() / IPv6(**A6) / ICMPv6EchoRequest()
    p["v6_hbh_frag_udp"] = (eth() / IPv6(**A6) / IPv6ExtHdrHopByHop() /
                            IPv6ExtHdrFragment(m=1, id=9) / UDP(dport=9001) /
                            Raw(b"x" * 16))
    p["v6_frag_later"] = (eth() / IPv6(**A6) / IPv6ExtHdrHopByHop() /
                          IPv6ExtHdrFragment(offset=181, nh=17, id=9) /
                          Raw(b"y" * 24))
    p["v6_dst_rt_ah_tcp"] = (eth() / IPv6(**A6) / IPv6ExtHdrDestOpt() /
                             IPv6ExtHdrRouting(addresses=["2001:db8::3"]) /
                             AH(nh=6, payloadlen=4, spi=0x100, seq=1,
                                icv=b"\xa5" * 12) /
                             TCP(sport=1111, dport=2222))
    p["v6_esp"] = eth() / IPv6(nh=50, **A6) / Raw(b"\x00\x00\x01\x00" + b"e" * 20)
    p["v6_hbh_none"] = eth() / IPv6(**A6) / IPv6ExtHdrHopByHop(nh=59)
    p["vxlan4"] = (eth() / IP(**A4) / UDP(sport=49152, dport=4789) /
                   VXLAN(vni=0x123456) / eth() / IP(src="192.168.1.1",
                                                    dst="192.168.1.2") /
                   TCP(dport=2000))
    p["vxlan6_vlan"] = (eth() / IPv6(**A6) / UDP(sport=50000, dport=4789) /
                        VXLAN(vni=7) / eth() / Dot1Q(vlan=30) / IPv6(**A6) /
                        ICMPv6EchoRequest())
    p["vxlan_arp"] = (eth() / IP(**A4) / UDP(dport=4789) / VXLAN(vni=1) /
                      eth() / ARP())
    p["gtp_plain4"] = (eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
                       GTP_U_Header(teid=0x11223344) /
                       IP(src="10.45.0.2", dst="8.8.8.8") / UDP(dport=53))
    p["gtp_psc_ul_seq6"] = (eth() / IP(**A4) / UDP(sport=40000, dport=2152) /
                            GTP_U_Header(teid=0xDEADBEEF, S=1, seq=258, E=1,
                                         next_ex=0x85) /
                            GTPPDUSessionContainer(type=1, QFI=9) /
                            IPv6(**A6) / ICMPv6EchoRequest())
    p["gtp_psc_dl_over6"] = (eth() / IPv6(**A6) / UDP(sport=2152, dport=2152) /
                             GTP_U_Header(teid=42, E=1, next_ex=0x85) /
                             GTPPDUSessionContainer(type=0, QFI=5, R=1) /
                             IP(**A4) / TCP(dport=8080))
    p["gtp_echo_req"] = (eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
                         GTP_U_Header(gtp_type=1, teid=0, S=1, seq=7) /
                         Raw(b"\x0e\x00"))
    p["gtp_end_marker"] = (eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
                           GTP_U_Header(gtp_type=254, teid=77))
    p["gtp_error_ind"] = (eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
                          GTP_U_Header(gtp_type=26, teid=0, S=1, seq=3) /
                          Raw(b"\x10\x00\x00\x00\x2a\x85\x00\x04\x0a\x00\x00\x01"))
    return {k: bytes(v) for k, v in p.items()}


def set16(b, off, v):
    b = bytearray(b)
    b[off:off + 2] = v.to_bytes(2, "big")
    return bytes(b)


def set8(b, off, v):
    b = bytearray(b)
    b[off] = v
    return bytes(b)


def malformed(g):
    m = {}
    u = g["udp4"]
    m["bad_ihl4"] = set8(u, 14, 0x44)
    m["bad_ihl15"] = set8(u, 14, 0x4F)
    m["bad_ip4_version"] = set8(u, 14, 0x65)
    m["bad_ip4_totlen_big"] = set16(u, 16, len(u) - 14 + 1)
    m["bad_ip4_totlen_small"] = set16(u, 16, 19)
    m["bad_udp_len4"] = set16(u, 38, 4)
    m["bad_udp_len_big"] = set16(u, 38, 200)
    m["bad_tcp_doff3"] = set8(g["tcp4"], 46, 3 << 4)
    m["bad_tcp_doff15"] = set8(g["tcp4"], 46, 15 << 4)
    m["bad_vlan3"] = bytes(eth() / Dot1Q(vlan=1, type=0x88A8) / Dot1Q(vlan=2) /
                           Dot1Q(vlan=3) / IP(**A4) / UDP())
    m["bad_arp_htype"] = set8(g["arp"], 15, 6)
    chain = IPv6(**A6)
    ext = None
    for i in range(9):
        h = IPv6ExtHdrDestOpt()
        ext = h if ext is None else ext / h
    m["bad_v6_chain9"] = bytes(eth() / chain / ext / UDP())
    m["bad_v6_version"] = set8(g["icmp6"], 14, 0x45)
    m["bad_v6_plen"] = set16(g["icmp6"], 18, 500)
    m["bad_v6_hbh_len"] = set8(g["v6_hbh_frag_udp"], 55, 40)
    m["bad_gtp_v2"] = set8(g["gtp_plain4"], 42, 0x50)
    m["bad_gtp_pt0"] = set8(g["gtp_plain4"], 42, 0x20)
    m["bad_gtp_extlen0"] = set8(g["gtp_psc_ul_seq6"], 54, 0)
    m["bad_gtp_len"] = set16(g["gtp_plain4"], 44, 1000)
    gl = bytes(eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
               GTP_U_Header(teid=1, E=1, next_ex=0xC0) /
               Raw(b"".join(bytes([1, 0, i, 0xC0]) for i in range(9)) +
                   b"\x01\x00\x09\x00"))
    m["bad_gtp_ext_chain10"] = gl
    m["bad_vxlan_iflag"] = set8(g["vxlan4"], 42, 0)
    m["bad_vxlan_inner_short"] = bytes(eth() / IP(**A4) / UDP(dport=4789) /
                                       VXLAN(vni=1) / Raw(b"\x00" * 10))
    m["bad_gtp_inner_short"] = bytes(eth() / IP(**A4) / UDP(dport=2152) /
                                     GTP_U_Header(gtp_type=255, teid=1) / Raw(b"\x45" + b"\x00" * 9))
    # UDP to 2152 that is no GTP-U (plain UDP to the parser): a UE's own
    # datagram, and one inside a G-PDU
    m["udp2152_text"] = bytes(eth() / IP(**A4) / UDP(sport=40000, dport=2152) / Raw(b"hello 2152 from a UE"))
    m["gtp_inner_udp2152"] = bytes(eth() / IP(**A4) / UDP(sport=2152, dport=2152) /
                                   GTP_U_Header(gtp_type=255, teid=1) / IP(**A4) /
                                   UDP(sport=40000, dport=2152) / Raw(b"\x20\xff\x00\x08"))
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith("seed-"):
            os.unlink(os.path.join(OUT, f))
    g = good()
    files = dict(g)
    files.update(malformed(g))
    # Truncations cutting into each mandatory layer of a few packets.
    for name, cut in (("udp4", 10), ("udp4", 30), ("vlan_udp4", 16),
                      ("qinq_tcp4", 20), ("v6_hbh_frag_udp", 60),
                      ("vxlan4", 56), ("gtp_psc_ul_seq6", 55), ("arp", 30)):
        files["trunc_%s_%d" % (name, cut)] = g[name][:cut]
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, "seed-%s.bin" % name), "wb") as fh:
            fh.write(data)
    print("gen_corpus: %d seeds in %s" % (len(files), OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
