#!/usr/bin/python3
"""Router conformance of the `switch` pipeline: an adversarial corpus.

    /usr/bin/python3 tests/packet/test_rfc1812.py [NAME-SUBSTRING ...]

Every frame of the corpus carries its expected verdict (forwarded on a
port, bridged, dropped with a named reason, answered, or an ICMP error of a
type/code) and the rule it checks (RFC 1812, RFC 826, RFC 1122, RFC 1191,
RFC 2644, RFC 5227, IEEE 802.1Q). The corpus is replayed through the switch
pipeline; the test asserts the exact per-reason drop counts, the exact
output frames of every port, and the slow path's accounting (every punted
packet is a drop on the main lcore, switch.consumed or switch.forwarded).
Then: egress MTU (routed with and without DF, fragments that reassemble,
jumbo multi-segment input, bridged oversize), and reflection limits (per
source and in total) on everything the box originates.
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, fragment  # noqa: E402
    from scapy.utils import checksum  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

# the switch tests' topology and helpers
from topo_switch import (BCAST, H1, H2, H2B, H3, ROUTER1, ROUTER2, SLICE, U, decremented,  # noqa: E402
                         frame, icmp_error_for, ip_udp, l3_setup, neigh, new_switch)

R = T.Runner()

SVI1, SVI2 = "10.0.1.254", "10.0.2.254"
H5 = "02:00:00:00:01:05"
# sw_slow.h
SRC_BURST, SRC_PER_S = 50, 50
TX_BURST, TX_PER_S = 1000, 1000


def padded(f):
    """f as the box sends a frame it builds: at least 60 bytes."""
    b = bytes(f)
    return b + b"\x00" * max(0, 60 - len(b))


def arp_reply_to(req, mac, ip, vlan=None):
    """The reply the box makes in place of the request req (same length)."""
    e = Ether(bytes(req))
    a = e[ARP]
    return frame(mac, a.hwsrc, ARP(op=2, hwsrc=mac, psrc=ip, hwdst=a.hwsrc, pdst=a.psrc) /
                 Raw(bytes(a.payload)), vlan)


def echo_reply_to(req, vlan=None):
    e = Ether(bytes(req))
    ip = e[IP]
    return frame(e.dst, e.src, IP(src=ip.dst, dst=ip.src, id=ip.id, ttl=64, flags=ip.flags, tos=ip.tos) /
                 ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq) / Raw(bytes(ip[ICMP].payload)), vlan)


def frag_needed_for(orig, vlan, router_mac, router_ip, mtu):
    """ICMP type 3 code 4 with the next-hop MTU in its second word (RFC 1191)."""
    e = Ether(bytes(orig))
    ip = e[IP]
    quote = bytes(ip)[:ip.ihl * 4 + 8]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    return frame(router_mac, e.src, IP(src=router_ip, dst=ip.src, ttl=64, tos=0xc0, id=0, flags=0, proto=1) /
                 Raw(icmp), vlan)


def reassemble(frames):
    """IP datagram (bytes) rebuilt from fragment frames, with checks: each
    header checksum right, offsets contiguous, MF on all but the last."""
    frags = sorted((Ether(b)[IP] for b in frames), key=lambda p: p.frag)
    data, want_off = b"", 0
    for i, f in enumerate(frags):
        raw = bytes(f)
        hl = f.ihl * 4
        expect_eq(checksum(raw[:hl]), 0, "fragment %d header checksum" % i)
        expect_eq(f.frag * 8, want_off, "fragment %d offset" % i)
        expect_eq(bool(f.flags.MF), i + 1 < len(frags), "fragment %d MF" % i)
        payload = raw[hl:f.len]
        data += payload
        want_off += len(payload)
    first = frags[0]
    hdr = IP(bytes(first)[:first.ihl * 4])
    hdr.len = first.ihl * 4 + len(data)
    hdr.flags = 0
    hdr.frag = 0
    del hdr.chksum
    return bytes(IP(bytes(hdr) + data))


def settled(dp):
    """Stats once the slow path has handled every punted packet."""
    return dp.wait_stats(lambda s: accounted(s) == 0, "slow path done")


def accounted(st):
    punts = sum(lc.get("punt_packets", 0) for lc in st["lcores"] if lc["role"] == "worker")
    main = sum(lc["drop_packets"] for lc in st["lcores"] if lc["role"] == "main")
    ev = T.events_of(st)
    return punts - main - ev.get("switch.consumed", 0) - ev.get("switch.forwarded", 0)


def accounting(st):
    """punt_packets of the workers == drops on the main lcore + consumed + forwarded."""
    punts = sum(lc.get("punt_packets", 0) for lc in st["lcores"] if lc["role"] == "worker")
    main = sum(lc["drop_packets"] for lc in st["lcores"] if lc["role"] == "main")
    ev = T.events_of(st)
    got = main + ev.get("switch.consumed", 0) + ev.get("switch.forwarded", 0)
    expect_eq(got, punts, "main-lcore drops %d + consumed %d + forwarded %d vs punted"
              % (main, ev.get("switch.consumed", 0), ev.get("switch.forwarded", 0)))
    return punts


def expect_some_events(st, want):
    ev = T.events_of(st)
    got = {k: ev.get(k, 0) for k in want}
    expect_eq(got, want, "events")


# ------------------------------------------------------------- corpus
class Corpus:
    """Frames into p0 (bd 10, untagged, H1's side) with their verdicts."""

    def __init__(self):
        self.inputs = {"p0": [], "p1": [], "p2": []}
        self.outputs = {"p0": [], "p1": [], "p2": []}
        self.drops = {}
        self.events = {}
        self.rules = []

    def add(self, rule, f, drop=None, out=(), port="p0", events=()):
        self.inputs[port].append(f)
        self.rules.append(rule)
        if drop:
            self.drops[drop] = self.drops.get(drop, 0) + 1
        for p, o in out:
            self.outputs[p].append(o)
        for e in events:
            self.events[e] = self.events.get(e, 0) + 1


def build_corpus():
    c = Corpus()
    r1 = lambda l3, src=H1: frame(src, ROUTER1, l3)  # noqa: E731
    udp = lambda dip, sip="10.0.1.1", **kw: ip_udp(sip, dip, 5000 + len(c.rules), 7777,  # noqa: E731
                                                   payload=b"corpus %d" % len(c.rules), **kw)

    def icmp_err(f, t, code=0):
        return ("p0", icmp_error_for(f, None, ROUTER1, SVI1, t, code))

    # baselines: what must keep working
    p = udp("10.0.2.1")
    c.add("RFC 1812 5.2.1 baseline: routed, TTL - 1", r1(p), out=[("p1", frame(ROUTER2, H2, decremented(p), 20))])
    p = IP(src="10.0.1.1", dst="192.168.3.3", ttl=20, options=[b"\x94\x04\x00\x00"]) / UDP(sport=9, dport=9) / Raw(b"opts")
    c.add("RFC 1812 5.2.1 baseline: options forwarded", r1(p), out=[("p1", frame(ROUTER2, H2, decremented(p), 20))])
    f = r1(udp("8.8.8.8"))
    c.add("RFC 1812 5.2.7.1 no route: ICMP unreachable", f, "switch.no_route", [icmp_err(f, 3)], events=["switch.icmp_error"])
    f = r1(udp("10.0.2.1", ttl=1))
    c.add("RFC 1812 5.3.1 TTL expiry: time exceeded", f, "switch.ttl_expired", [icmp_err(f, 11)], events=["switch.icmp_error"])

    # RFC 1812 5.2.2: IP header checksum verified before anything else
    c.add("RFC 1812 5.2.2 bad header checksum: not routed", r1(udp("10.0.2.1", chksum=0x1234)), "switch.ip_cksum")
    c.add("RFC 1812 5.2.2 bad checksum + TTL 1: no time exceeded", r1(udp("10.0.2.1", ttl=1, chksum=0x4321)),
          "switch.ip_cksum")
    c.add("RFC 1812 5.2.2 bad checksum + no route: no unreachable", r1(udp("8.8.4.4", chksum=0x0101)), "switch.ip_cksum")
    c.add("RFC 1122 3.2.1.2 bad checksum ping to the SVI: not answered",
          r1(IP(src="10.0.1.1", dst=SVI1, chksum=0x2222) / ICMP(id=1, seq=1)), "switch.ip_cksum")

    # IEEE 802.1Q 8.7 / RFC 1812 5.3.4: group or zero source MAC
    c.add("802.1Q / RFC 1812 5.3.4 broadcast source MAC", r1(udp("10.0.2.1"), src=BCAST), "switch.bad_src_mac")
    c.add("802.1Q multicast source MAC", r1(udp("10.0.2.1"), src="01:00:5e:00:00:01"), "switch.bad_src_mac")
    c.add("802.1Q all-zero source MAC (never learned)", r1(udp("10.0.2.1"), src="00:00:00:00:00:00"),
          "switch.bad_src_mac")
    c.add("802.1Q broadcast source MAC, bridged frame", frame(BCAST, H3, udp("10.0.1.3")), "switch.bad_src_mac")

    # RFC 1812 5.3.7: martian sources are not forwarded (nor answered)
    for src in ("0.0.0.0", "0.1.2.3", "127.0.0.1", "240.0.0.1", "255.255.255.255", "224.0.0.5", "239.9.9.9"):
        c.add("RFC 1812 5.3.7 martian source %s" % src, r1(udp("10.0.2.1", sip=src)), "switch.martian_src")
    c.add("RFC 1812 5.3.7 martian source, TTL 1: no ICMP", r1(udp("10.0.2.1", sip="127.0.0.2", ttl=1)),
          "switch.martian_src")
    c.add("RFC 1122 3.2.1.3 ping the SVI from 127.0.0.1: not answered",
          r1(IP(src="127.0.0.1", dst=SVI1) / ICMP(id=2, seq=1)), "switch.martian_src")

    # RFC 1812 5.3.7 / 4.2.3.1: martian destinations: never forwarded, no ICMP
    for dst in ("255.255.255.255", "0.0.0.0", "0.1.2.3", "127.0.0.1", "240.0.0.1", "250.1.1.1"):
        c.add("RFC 1812 5.3.7 martian destination %s: dropped, no ICMP" % dst, r1(udp(dst)), "switch.martian_dst")
    c.add("RFC 1812 4.3.2.7 limited broadcast, TTL 1: no time exceeded", r1(udp("255.255.255.255", ttl=1)),
          "switch.martian_dst")
    c.add("RFC 1812 4.3.2.7 loopback destination, TTL 1: no ICMP", r1(udp("127.1.1.1", ttl=1)), "switch.martian_dst")
    for dst in ("224.0.0.9", "239.1.1.1", "232.1.2.3"):
        c.add("RFC 1812 5.3.7 multicast %s to the router MAC: not routed, no ICMP" % dst, r1(udp(dst)),
              "switch.mcast_dst")
    # RFC 2644 / RFC 1812 4.2.3.1: directed broadcasts are not forwarded
    c.add("RFC 2644 directed broadcast 10.0.2.255: not forwarded", r1(udp("10.0.2.255")), "switch.directed_bcast")
    c.add("RFC 1812 4.2.3.1 {subnet, 0} 10.0.2.0: not forwarded", r1(udp("10.0.2.0")), "switch.directed_bcast")

    # RFC 1812 4.3.2.7: no ICMP error about ...
    err = IP(src="10.0.1.1", dst="8.8.8.8") / ICMP(type=3, code=1) / Raw(bytes(IP(src="8.8.8.8", dst="10.0.1.1") / UDP()))
    c.add("RFC 1812 4.3.2.7 no ICMP error about an ICMP error", r1(err), "switch.no_route")
    err = IP(src="10.0.1.1", dst="10.0.2.1", ttl=1) / ICMP(type=11, code=0) / Raw(b"x" * 28)
    c.add("RFC 1812 4.3.2.7 no time exceeded about a time exceeded", r1(err), "switch.ttl_expired")
    tail = IP(src="10.0.1.1", dst="8.8.8.8", frag=100, proto=17) / Raw(b"t" * 32)
    c.add("RFC 1812 4.3.2.7 no ICMP error about a non-first fragment", r1(tail), "switch.no_route")
    f = r1(IP(src="10.0.1.1", dst="8.8.8.8", flags="MF", id=77) / UDP(sport=1, dport=2) / Raw(b"h" * 32))
    c.add("RFC 1812 4.3.2.7 first fragment: ICMP allowed", f, "switch.no_route", [icmp_err(f, 3)],
          events=["switch.icmp_error"])
    f = r1(IP(src="10.0.1.1", dst="8.8.8.8") / ICMP(type=8, id=3, seq=3))
    c.add("RFC 1812 4.3.2.7 echo request is no error: ICMP allowed", f, "switch.no_route", [icmp_err(f, 3)],
          events=["switch.icmp_error"])
    # RFC 1812 5.3.4 / 4.3.2.7: link-layer broadcast or multicast frames are bridged, never routed
    p = udp("10.0.2.1", ttl=1)
    c.add("RFC 1812 5.3.4 unicast IP in a broadcast frame: bridged, not routed, no ICMP",
          frame(H1, BCAST, p), out=[("p2", frame(H1, BCAST, p))])
    p = IP(src="10.0.1.1", dst=SVI1) / ICMP(id=4, seq=4) / Raw(b"link bcast ping")
    c.add("RFC 1122 3.2.2.6 echo in a link-layer broadcast: bridged, not answered",
          frame(H1, BCAST, p), out=[("p2", frame(H1, BCAST, p))])
    p = udp("10.0.2.1")
    c.add("RFC 1812 5.3.4 multicast frame: bridged only", frame(H1, "01:00:5e:00:00:09", p),
          out=[("p2", frame(H1, "01:00:5e:00:00:09", p))])

    # IPv4 header sanity: the parser's (dp_parse.c), not redone by the switch
    good = bytes(udp("10.0.2.1"))
    raw4 = lambda b: Ether(src=H1, dst=ROUTER1, type=0x0800) / Raw(b)  # noqa: E731
    c.add("RFC 1812 5.2.2 version 5: parser", raw4(bytes([0x55]) + good[1:]), "parse.ipv4_version")
    c.add("RFC 1812 5.2.2 IHL 4: parser", raw4(bytes([0x44]) + good[1:]), "parse.ipv4_ihl")
    c.add("RFC 1812 5.2.2 total length past the frame: parser",
          raw4(good[:2] + struct.pack("!H", len(good) + 40) + good[4:]), "parse.ipv4_len")
    c.add("neither IPv4 nor IPv6 to the router MAC (IPv6 is switch.l3v6's: test_ipv6.py)",
          Ether(src=H1, dst=ROUTER1, type=0x88b5) / Raw(b"local experimental ethertype" + b"\x00" * 20),
          "switch.not_ipv4")

    # RFC 826 / RFC 5227: ARP for the SVI
    def arp(sha, spa, op=1, tpa=SVI1, src=None, dst=BCAST):
        return frame(src or (H3 if sha in (BCAST,) or sha.startswith("01") or sha.startswith("00:00") else sha), dst,
                     ARP(op=op, hwsrc=sha, psrc=spa, hwdst="00:00:00:00:00:00", pdst=tpa))
    f = arp(H3, "10.0.1.3")
    c.add("RFC 826 request for the SVI: answered, sender learned", f,
          out=[("p0", arp_reply_to(f, ROUTER1, SVI1))], events=["switch.arp_reply", "switch.consumed"])
    c.add("RFC 826 broadcast sender hardware address: not answered", arp(BCAST, "10.0.1.9"), "switch.arp_bad")
    c.add("RFC 826 multicast sender hardware address: not answered", arp("01:00:5e:00:00:07", "10.0.1.9"),
          "switch.arp_bad")
    c.add("RFC 826 zero sender hardware address: not answered", arp("00:00:00:00:00:00", "10.0.1.9"),
          "switch.arp_bad")
    c.add("RFC 826 broadcast sender IP: not answered", arp(H3, "255.255.255.255"), "switch.arp_bad")
    c.add("RFC 826 loopback sender IP: not answered", arp(H3, "127.0.0.1"), "switch.arp_bad")
    f = arp("02:00:00:00:01:07", "0.0.0.0")
    c.add("RFC 5227 probe (sender IP 0): answered, not learned", f,
          out=[("p0", arp_reply_to(f, ROUTER1, SVI1))], events=["switch.arp_reply", "switch.consumed"])
    c.add("RFC 826 request for another address: flooded in the bd", arp(H3, "10.0.1.3", tpa="10.0.1.77"),
          out=[("p2", arp(H3, "10.0.1.3", tpa="10.0.1.77"))])
    c.add("RFC 826 reply with an unknown opcode: not for us", arp(H3, "10.0.1.3", op=9, dst=ROUTER1),
          "switch.not_for_us")

    # RFC 1122 3.2.2.6: echo
    f = r1(IP(src="10.0.1.1", dst=SVI1, id=99) / ICMP(id=5, seq=5) / Raw(b"ping"))
    c.add("RFC 1122 3.2.2.6 echo to the SVI: answered", f, out=[("p0", echo_reply_to(f))],
          events=["switch.icmp_echo", "switch.consumed"])
    c.add("RFC 1122 3.2.2 echo with a bad ICMP checksum: not answered",
          r1(IP(src="10.0.1.1", dst=SVI1) / ICMP(id=6, seq=6, chksum=0xbeef) / Raw(b"bad")), "switch.icmp_cksum")
    c.add("RFC 1122 3.2.2.6 echo reply to the SVI: not for us",
          r1(IP(src="10.0.1.1", dst=SVI1) / ICMP(type=0, id=7, seq=7)), "switch.not_for_us")
    c.add("RFC 1122 3.2.1.3 UDP to the SVI: not for us", r1(udp(SVI1)), "switch.not_for_us")

    # RFC 1812 2.3.2.2: packets held for ARP go out when the neighbour answers
    p = udp("10.0.2.7")
    c.add("RFC 1812 2.3.2.2 held for ARP, forwarded on the reply", r1(p),
          out=[("p1", frame(ROUTER2, H2B, decremented(p), 20))], events=["switch.forwarded"])
    c.outputs["p1"].append(padded(frame(ROUTER2, BCAST, ARP(op=1, hwsrc=ROUTER2, psrc=SVI2,
                                                            hwdst="00:00:00:00:00:00", pdst="10.0.2.7"), 20)))
    c.inputs["p1"].append(frame(H2B, ROUTER2, ARP(op=2, hwsrc=H2B, psrc="10.0.2.7", hwdst=ROUTER2, pdst=SVI2), 20))
    c.events["switch.consumed"] = c.events.get("switch.consumed", 0) + 1
    return c


@R.test
def test_corpus():
    c = build_corpus()
    print("#   %d frames, %d rules" % (sum(len(v) for v in c.inputs.values()), len(c.rules)))
    with new_switch({"p0": c.inputs["p0"], "p1": c.inputs["p1"], "p2": []}) as dp:
        dp.table_write(l3_setup(dp, bd10_ports=(("p0", 0), ("p2", 0))) + [
            neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
            U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, "via", {"nh": "10.0.2.1"})])
        dp.phase(["p0"], events={"switch.arp_request": 1})
        dp.phase(["p1"], events={"switch.neigh_learned": 2})
        st = dp.wait_consumed()
        expect_drops(st, c.drops)
        want = {"switch.icmp_error": 0, "switch.arp_reply": 0, "switch.icmp_echo": 0, "switch.consumed": 0,
                "switch.forwarded": 0, "switch.icmp_ratelimit": 0, "switch.icmp_limit_src": 0}
        want.update(c.events)
        want.update({"switch.arp_request": 1, "switch.neigh_learned": 2})
        expect_some_events(st, want)
        n = accounting(st)
        print("#   %d punted: accounted as drops + consumed + forwarded" % n)
        fdb = {e["match"]["mac"].lower() for e in dp.table_read("fdb")[0] if e["action"] == "learned"}
        expect("00:00:00:00:00:00" not in fdb and BCAST not in fdb, "group/zero MAC learned: %s" % fdb)
        nb = {e["match"]["ip"] for e in dp.table_read("neigh")[0] if e["action"] == "learned"}
        expect_eq(nb, {"10.0.1.3", "10.0.2.7"}, "neighbours learned (never the probe's 0.0.0.0)")
        dp.stop()
        dp.expect_outputs(c.outputs, unordered=True)


# ---------------------------------------------------------------- MTU
@R.test
def test_mtu_routed_and_bridged():
    """p1 (bd 20) MTU 1280. Routed over it: DF set -> switch.frag_needed and
    ICMP 3/4 with next-hop MTU 1280 (RFC 1191); DF clear -> fragments of at
    most 1280 bytes (offsets in 8s, MF, checksums) that reassemble to the
    routed datagram, also from a 9000-byte jumbo that arrives in several
    mbuf segments. bd 10 = p0, p2 (MTU 1000), p3 (1500): a bridged 1400-byte
    frame is not sent to p2 (switch.mtu_exceeded), its flood copy to p3 is;
    an echo to the SVI bigger than p1's MTU is answered in fragments."""
    small = ip_udp("10.0.1.1", "10.0.2.1", 1, 2, payload=b"s" * 1000)            # 1036: fits
    df = ip_udp("10.0.1.1", "10.0.2.1", 3, 4, flags="DF", payload=b"d" * 1400)    # 1436, DF
    nodf = ip_udp("10.0.1.1", "10.0.2.1", 5, 6, id=4711, payload=bytes(range(256)) * 6)   # 1564
    jumbo = ip_udp("10.0.1.1", "10.0.2.1", 7, 8, id=4712, payload=bytes(i * 7 & 0xff for i in range(8972)))
    jumbo_df = ip_udp("10.0.1.1", "10.0.2.1", 9, 10, flags="DF", payload=b"j" * 8972)
    at_mtu = ip_udp("10.0.1.1", "10.0.2.1", 11, 12, flags="DF", payload=b"m" * 1252)  # exactly 1280
    p0_in = [frame(H1, ROUTER1, p) for p in (small, df, nodf, jumbo, jumbo_df, at_mtu)]
    big_l2 = ip_udp("10.0.1.1", "10.0.1.2", 1, 1, payload=b"b" * 1372)   # 1400 bytes of L3
    fits_l2 = ip_udp("10.0.1.1", "10.0.1.2", 2, 2, payload=b"f" * 900)
    p0_in += [frame(H1, H3, big_l2), frame(H1, BCAST, big_l2), frame(H1, H3, fits_l2)]
    ping = IP(src="10.0.2.1", dst=SVI2, id=321) / ICMP(id=8, seq=8) / Raw(b"p" * 1400)
    p1_in = [frame(H2, ROUTER2, ping, 20)]
    with new_switch({"p0": p0_in, "p1": p1_in, "p2": [], "p3": []}) as dp:
        dp.table_write(l3_setup(dp, bd10_ports=(("p0", 0), ("p2", 0), ("p3", 0))) + [
            neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
            U("fdb", {"bd": 10, "mac": H3}, "forward", {"port": "p2"})])
        dp.rpc("port.set", {"port": "p1", "mtu": 1280})
        dp.rpc("port.set", {"port": "p2", "mtu": 1000})
        dp.phase(["p0", "p1"])
        st = dp.wait_consumed()
        expect_drops(st, {"switch.frag_needed": 2, "switch.mtu_exceeded": 2})
        expect_some_events(st, {"switch.icmp_error": 2, "switch.fragmented": 2, "switch.forwarded": 2,
                                "switch.icmp_echo": 1, "switch.consumed": 1})
        ev = T.events_of(st)
        accounting(st)
        dp.stop()
        outs = dp.outputs()
        # p1: the small and at-MTU ones whole, then fragments of nodf and
        # jumbo (routed, each in order), then the echo reply in fragments
        by_id = {}
        whole = []
        for b in outs["p1"]:
            e = Ether(b)
            expect(e[IP].len <= 1280, "p1 frame over the MTU: %d" % e[IP].len)
            if e[IP].flags.MF or e[IP].frag:
                by_id.setdefault((e[IP].src, e[IP].id), []).append(b)
            else:
                whole.append(b)
        expect_eq(sorted(whole), sorted(bytes(frame(ROUTER2, H2, decremented(p), 20)) for p in (small, at_mtu)),
                  "unfragmented on p1")
        for p in (nodf, jumbo):
            frs = by_id.get(("10.0.1.1", p.id), [])
            want = [bytes(frame(ROUTER2, H2, f, 20)) for f in fragment(decremented(p), fragsize=1256)]
            want = [w + b"\x00" * max(0, 60 - len(w)) for w in want]
            expect_eq(frs, want, "fragments of id %d (scapy's fragment() at 1256 bytes)" % p.id)
            expect_eq(reassemble(frs), bytes(decremented(p)), "reassembled id %d" % p.id)
            print("#   %d-byte datagram -> %d fragments" % (len(p), len(frs)))
        reply = by_id.get((SVI2, 321), [])
        expect(len(reply) == 2, "echo reply in 2 fragments, got %d" % len(reply))
        rebuilt = IP(reassemble(reply))
        expect(rebuilt[ICMP].type == 0 and bytes(rebuilt[ICMP].payload) == b"p" * 1400 and
               checksum(bytes(rebuilt[ICMP])) == 0, "echo reply reassembled: %s" % rebuilt.summary())
        expect_eq(ev.get("switch.frag_sent"), sum(len(v) for v in by_id.values()), "switch.frag_sent")
        dp.expect_outputs({
            "p0": [frag_needed_for(frame(H1, ROUTER1, df), None, ROUTER1, SVI1, 1280),
                   frag_needed_for(frame(H1, ROUTER1, jumbo_df), None, ROUTER1, SVI1, 1280)],
            "p1": outs["p1"],
            "p2": [frame(H1, H3, fits_l2)],
            "p3": [frame(H1, BCAST, big_l2)]}, unordered=True)


# ---------------------------------------------------------- reflection
@R.test
def test_reflection_limits_per_source():
    """One host floods ARP requests for the SVI (p0), another pings it (p1),
    a third makes TTL expiries (p2): each gets at most its bucket's burst +
    rate x time answers, the rest are counted (switch.limit_src drops,
    switch.icmp_limit_src), and other hosts asking in the middle of the
    floods are all answered."""
    n, every = 600, 30
    p0_in, p1_in, p2_in = [], [], []
    for i in range(n):
        p0_in.append(frame(H1, BCAST, ARP(op=1, hwsrc=H1, psrc="10.0.1.1", pdst=SVI1)))
        p1_in.append(frame(H2, ROUTER2, IP(src="10.0.2.1", dst=SVI2) / ICMP(id=1, seq=i) / Raw(b"flood"), 20))
        p2_in.append(frame(H5, ROUTER1, ip_udp("10.0.1.5", "10.0.2.1", 100 + i, 7, ttl=1, payload=b"expire")))
        if i % every == every - 1:
            p0_in.append(frame(H3, BCAST, ARP(op=1, hwsrc=H3, psrc="10.0.1.3", pdst=SVI1)))
            p1_in.append(frame(H2B, ROUTER2, IP(src="10.0.2.2", dst=SVI2) / ICMP(id=2, seq=i) / Raw(b"polite"), 20))
    quiet = n // every
    with new_switch({"p0": p0_in, "p1": p1_in, "p2": p2_in}) as dp:
        dp.table_write(l3_setup(dp, bd10_ports=(("p0", 0), ("p2", 0))))
        t0 = time.monotonic()
        dp.run_traffic()
        st = settled(dp)
        took = time.monotonic() - t0
        cap = SRC_BURST + SRC_PER_S * took + 1
        dp.stop()
        outs = dp.outputs()
        arp_to = lambda mac: sum(1 for b in outs["p0"] if ARP in Ether(b) and Ether(b).dst == mac)  # noqa: E731
        echo_to = lambda ip: sum(1 for b in outs["p1"] if ICMP in Ether(b) and Ether(b)[IP].dst == ip)  # noqa: E731
        errs = sum(1 for b in outs["p2"] if ICMP in Ether(b) and Ether(b)[ICMP].type == 11)
        a1, a3, e1, e2 = arp_to(H1), arp_to(H3), echo_to("10.0.2.1"), echo_to("10.0.2.2")
        print("#   in %.2f s: ARP replies %d to the flooder, %d to the other; echo replies %d / %d; "
              "time exceeded %d" % (took, a1, a3, e1, e2, errs))
        for what, got in (("ARP replies to the flooder", a1), ("echo replies to the flooder", e1),
                          ("ICMP errors to the flooder", errs)):
            expect(SRC_BURST <= got <= cap, "%s: %d, want %d..%.0f" % (what, got, SRC_BURST, cap))
        expect_eq((a3, e2), (quiet, quiet), "replies to the quiet hosts during the floods")
        expect_drops(st, {"switch.limit_src": 2 * n - a1 - e1, "switch.ttl_expired": n})
        ev = T.events_of(st)
        expect_eq(ev.get("switch.icmp_limit_src", 0), n - errs, "switch.icmp_limit_src")
        expect_eq((ev.get("switch.arp_reply"), ev.get("switch.icmp_echo"), ev.get("switch.icmp_error")),
                  (a1 + a3, e1 + e2, errs), "reply events")
        expect_eq(ev.get("switch.consumed"), a1 + a3 + e1 + e2, "switch.consumed")
        accounting(st)


@R.test
def test_reflection_limit_total():
    """1500 ARP requests from 1500 sources (more than the 1024-entry source
    table: entries are reused): the box's total bucket bounds the replies to
    1000 + 1000/s x time; the rest are switch.limit_total drops."""
    n = 1500
    reqs = [frame("02:00:01:00:%02x:%02x" % (i >> 8, i & 0xff), BCAST,
                  ARP(op=1, hwsrc="02:00:01:00:%02x:%02x" % (i >> 8, i & 0xff),
                      psrc="10.1.%d.%d" % (i // 250, 1 + i % 250), pdst=SVI1)) for i in range(n)]
    with new_switch({"p0": reqs, "p1": []}) as dp:
        dp.table_write(l3_setup(dp))
        t0 = time.monotonic()
        dp.run_traffic()
        st = settled(dp)
        took = time.monotonic() - t0
        ev = T.events_of(st)
        sent = ev.get("switch.arp_reply", 0)
        print("#   %d replies to %d sources in %.2f s" % (sent, n, took))
        expect(TX_BURST <= sent <= TX_BURST + TX_PER_S * took + 1, "%d replies in %.2f s" % (sent, took))
        expect_drops(st, {"switch.limit_total": n - sent})
        accounting(st)
        dp.stop()
        expect_eq(len(dp.outputs()["p0"]), sent, "replies on p0")


if __name__ == "__main__":
    R.main()
