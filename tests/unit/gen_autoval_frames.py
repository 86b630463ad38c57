#!/usr/bin/python3
"""Writes tests/unit/autoval_frames.pcap, the frames the autovalidator
(test_autoval.c) runs every stage's implementations on beside the fuzz
corpora: the shapes the packet tests (tests/packet/) and the benchmarks
(bench/gen_pcap.py) send, each also cut and padded. Run once and commit
the pcap: usage: /usr/bin/python3 tests/unit/gen_autoval_frames.py [OUT]."""
import struct
import sys

from scapy.all import (ARP, ICMP, TCP, UDP, Dot1AD, Dot1Q, Ether, IP, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrDestOpt, ICMPv6EchoRequest,
                       ICMPv6ND_NS, Raw)
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.layers.vxlan import VXLAN

ETH = dict(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')


def l4s(dport=80):
    return [UDP(sport=1234, dport=dport) / Raw(b'x' * 18), TCP(sport=1234, dport=dport, flags='S'),
            TCP(sport=1234, dport=dport, flags='PA', options=[('MSS', 1460), ('NOP', None), ('WScale', 7)]) / Raw(b'y' * 10),
            ICMP() / Raw(b'z' * 8)]


def frames():
    out = []
    for l2 in ([Ether(**ETH)], [Ether(**ETH), Dot1Q(vlan=10)], [Ether(**ETH), Dot1Q(vlan=4094, prio=5)],
               [Ether(**ETH), Dot1AD(vlan=100), Dot1Q(vlan=20)]):
        hdr = l2[0] if len(l2) == 1 else l2[0] / l2[1] if len(l2) == 2 else l2[0] / l2[1] / l2[2]
        for l4 in l4s():
            out.append(hdr / IP(src='10.0.0.1', dst='10.0.1.1', ttl=64) / l4)
            out.append(hdr / IP(src='10.0.0.1', dst='192.168.7.9', ttl=1, flags='DF', tos=0xb8) / l4)
            out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1', hlim=64) / l4)
        # IPv4 options, fragments, IPv6 extension headers, NDP, ARP
        out.append(hdr / IP(src='10.0.0.1', dst='10.0.1.1', options=b'\x94\x04\x00\x00') / UDP() / Raw(b'o' * 8))
        out.append(hdr / IP(src='10.0.0.1', dst='10.0.1.1', flags='MF', id=7) / UDP(dport=53) / Raw(b'f' * 24))
        out.append(hdr / IP(src='10.0.0.1', dst='10.0.1.1', frag=3, id=7) / Raw(b'f' * 24))
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1') / IPv6ExtHdrHopByHop() / UDP() / Raw(b'h' * 8))
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1') / IPv6ExtHdrFragment(m=1, id=9) / UDP() / Raw(b'h' * 8))
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1') / IPv6ExtHdrFragment(offset=0, m=0) / TCP())
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1') / IPv6ExtHdrFragment(offset=5, id=9) / Raw(b'h' * 8))
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8:1::1') / IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt() / TCP())
        out.append(hdr / IPv6(src='fe80::1', dst='ff02::1:ff00:2', hlim=255) / ICMPv6ND_NS(tgt='2001:db8::2'))
        out.append(hdr / IPv6(src='2001:db8::1', dst='2001:db8::2') / ICMPv6EchoRequest())
        out.append(hdr / ARP(op=1, psrc='10.0.0.1', pdst='10.0.0.2', hwsrc=ETH['src']))
        out.append(hdr / ARP(op=2, psrc='10.0.0.2', pdst='10.0.0.1', hwsrc=ETH['dst'], hwdst=ETH['src']))
        # tunnels: VXLAN (overlay), GTP-U G-PDUs with and without a PDU Session Container, an echo
        inner = Ether(src='02:00:00:00:01:01', dst='02:00:00:00:01:02') / IP(src='172.16.0.1', dst='172.16.0.2') / UDP() / Raw(b'i' * 8)
        out.append(hdr / IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=49152, dport=4789) / VXLAN(vni=5001) / inner)
        for outer in (IP(src='192.0.2.10', dst='192.0.2.20'), IPv6(src='2001:db8:5::10', dst='2001:db8:5::20')):
            ue = IP(src='10.45.0.2', dst='8.8.8.8') / UDP(sport=4000, dport=5000) / Raw(b'u' * 10)
            out.append(hdr / outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x1234, gtp_type=255) / ue)
            out.append(hdr / outer / UDP(sport=2152, dport=2152) /
                       GTP_U_Header(teid=0x1234, gtp_type=255, E=1, next_ex=0x85) /
                       GTPPDUSessionContainer(type=1, QFI=9) / ue)
            out.append(hdr / outer / UDP(sport=2152, dport=2152) /
                       GTP_U_Header(teid=0x1234, gtp_type=255) / IPv6(src='2001:db8:45::2', dst='2001:db8::8') / UDP())
            out.append(hdr / outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0, gtp_type=1, S=1, seq=3))
        # not IP
        out.append(hdr / Raw(b'\x88\xcc' + b'l' * 40) if len(l2) == 1 else hdr / Raw(b'n' * 46))
    # every one also cut in its headers and padded past its IP length
    more = []
    for f in out:
        b = bytes(f)
        more.append(b)
        for cut in (len(b) - 1, 60, 54, 42, 34, 20, 13):
            if 0 < cut < len(b):
                more.append(b[:cut])
        more.append(b + b'\0' * 18)
    return more


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'tests/unit/autoval_frames.pcap'
    fs = frames()
    with open(path, 'wb') as f:   # raw bytes: a cut frame does not dissect
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for b in fs:
            f.write(struct.pack('<IIII', 0, 0, len(b), len(b)) + b)
    print('%s: %d frames' % (path, len(fs)))


if __name__ == '__main__':
    main()
