#!/usr/bin/python3
"""The overlay's encrypted paths: ESP (RFC 4303) in tunnel mode with AES-GCM
(RFC 4106), ESN and anti-replay, over IPv4 and UDP-encapsulated (RFC 3948),
checked against an independent implementation, scapy's SecurityAssociation:
what sxdp seals on a path scapy opens into the very VXLAN datagram the clear
path carries; what scapy seals sxdp opens and bridges into the slice. Every
refusal is a named drop, counted exactly: a replay, an ICV that does not
verify, an unknown SPI, malformed ESP, a peer's datagram not between its
SA's ends, a clear datagram from a peer whose tunnels are encrypted. The
SA methods take a key and never give it back. A rekey is make-before-
break: the newest outbound SA of a path seals, and the old inbound one still
opens until it is deleted.

    /usr/bin/python3 tests/packet/test_overlay_esp.py [NAME-SUBSTRING ...]
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

import topo_overlay as O  # noqa: E402  (one site, one peer, one path)

R = T.Runner()
U = Sxdp.update

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): overlay.encap's walks, encrypted paths' frames left
# to be sealed after them, compared before the one seal
os.environ.setdefault("SXDP_FAST_CHECK", "1")

KEY_OUT = bytes(range(0x10, 0x20)) + b"\xca\xfe\xba\xbe"     # AES-128 key, then the salt
KEY_IN = bytes(range(0x40, 0x50)) + b"\x01\x02\x03\x04"
KEY_256 = bytes(range(0x60, 0x80)) + b"\xde\xad\xbe\xef"
SPI_OUT, SPI_IN = 0x5001, 0x6001


def sa_out(sa_id=1, spi=SPI_OUT, key=KEY_OUT, seq=1, natt=False, esn=True):
    p = {"id": sa_id, "dir": "out", "spi": spi, "cipher": "aes-gcm-256" if len(key) == 36 else "aes-gcm-128", "key": key.hex(), "src": O.VTEP,
         "dst": O.PEER, "path": O.PATH, "seq": seq, "esn": esn}
    if natt:
        p.update(natt_sport=4500, natt_dport=4500)
    return p


def sa_in(sa_id=2, spi=SPI_IN, key=KEY_IN, natt=False, window=1024, esn=True):
    p = {"id": sa_id, "dir": "in", "spi": spi, "key": key.hex(), "src": O.PEER, "dst": O.VTEP,
         "window": window, "esn": esn, "cipher": "aes-gcm-256" if len(key) == 36 else "aes-gcm-128"}
    if natt:
        p.update(natt_sport=4500, natt_dport=4500)
    return p


def scapy_sa(spi, key, src, dst, seq=1, natt=False, esn=True, sport=4500):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key, auth_algo="NULL",
                               tunnel_header=IP(src=src, dst=dst),
                               nat_t_header=UDP(sport=sport, dport=4500) if natt else None,
                               esn_en=esn, esn=seq >> 32, seq_num=seq & 0xffffffff)


def sealed_by_peer(datagram, seq, key=KEY_IN, spi=SPI_IN, natt=False, src=O.PEER, dst=O.VTEP, esn=True,
                   sport=4500):
    """The peer's ESP frame of tunnel datagram @datagram (an IP packet) at
    @seq, from @src (its UDP source port @sport, when encapsulated)."""
    e = bytearray(bytes(scapy_sa(spi, key, src, dst, seq, natt, esn, sport).encrypt(datagram)))
    if natt:   # scapy writes a UDP length of 8 (the header alone): what follows is ESP
        e[24:26] = struct.pack("!H", len(e) - 20)
    return Ether(src=O.PEER_MAC, dst=O.WAN_MAC, type=0x0800) / Raw(bytes(e))


def vx(frame):
    """The clear tunnel datagram (an IP packet) of @frame from the peer."""
    return O.outer(frame)[IP]


def opened(frame_bytes, key=KEY_OUT, spi=SPI_OUT, natt=False, seq=1):
    """scapy's opening of what sxdp sent: the tunnel datagram, and the ESP header's SPI and number."""
    ip = Ether(frame_bytes)[IP]
    off = 28 if natt else 20
    spi_got, sq = struct.unpack("!II", bytes(ip)[off:off + 8])
    if natt:   # the same ESP without its UDP header (what scapy's NAT-T SA reads varies by version)
        ip = IP(src=ip.src, dst=ip.dst, proto=50) / Raw(bytes(ip)[28:])
        ip = IP(bytes(ip))
    return scapy_sa(spi, key, O.VTEP, O.PEER, seq=seq).decrypt(ip), spi_got, sq


def setup_sas(dp, *sas):
    for p in sas:
        dp.rpc("overlay.sa.add", p)


@R.test
def test_sealed_on_the_path_and_opened_by_scapy():
    """Frames from p0 to the peer leave w0 as ESP from the VTEP to the peer
    (IP protocol 50, DF, a good header checksum), numbered 1, 2, 3; scapy's
    SA opens each into the datagram the clear path carries (VXLAN, the VNI,
    the inner frame byte for byte); no inner byte is on the wire in clear."""
    frames = [O.inner(O.MAC_A, O.MAC_R, b"secret payload %d" % i, tos=0xb9) for i in range(3)]
    with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_out())
        st = dp.run_traffic()
        expect_drops(st, {})
        sas = {s["id"]: s for s in dp.rpc("overlay.sa.list")}
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "sealed frames on w0")
        for i, (f, g) in enumerate(zip(frames, got)):
            e = Ether(g)
            expect_eq((e.src, e.dst, e[IP].src, e[IP].dst, e[IP].proto, int(e[IP].flags)),
                      (O.WAN_MAC, O.GW_MAC, O.VTEP, O.PEER, 50, 2), "frame %d: outer headers" % i)
            ck = e[IP].copy()
            ck.chksum = None
            expect_eq(e[IP].chksum, IP(bytes(ck)).chksum, "frame %d: the outer header checksum" % i)
            expect(b"secret payload" not in g, "frame %d: no inner byte in clear" % i)
            dg, spi, sq = opened(g, seq=i + 1)
            expect_eq((e[IP].tos, dg.tos), (1, 1), "frame %d: the datagram's DSCP 0 and ECN 1 outside too" % i)
            expect_eq((spi, sq), (SPI_OUT, i + 1), "frame %d: SPI and sequence number" % i)
            expect_eq(dg[UDP].dport, 4789, "frame %d: a VXLAN datagram inside" % i)
            expect_eq(dg[VXLAN].vni, O.VNI, "frame %d: its VNI" % i)
            expect_eq(bytes(dg[VXLAN].payload), bytes(f), "frame %d: the inner frame" % i)
            expect_eq((dg.src, dg.dst), (O.VTEP, O.PEER), "frame %d: the datagram's ends" % i)
        expect_eq((sas[1]["packets"], sas[1]["active"], sas[1]["spi"]), (3, True, SPI_OUT), "overlay.sa.list")
        esp = T.tshark_fields(dp.out_path("w0"), ["esp.spi", "esp.sequence"])
        expect_eq([(int(s, 0), int(q)) for s, q in esp], [(SPI_OUT, 1), (SPI_OUT, 2), (SPI_OUT, 3)],
                  "tshark: ESP, its SPI and numbers")
        expect_eq([x for x in T.tshark_fields(dp.out_path("w0"), ["vxlan.vni"]) if x and x[0]], [],
                  "tshark: no VXLAN in clear")


@R.test
def test_outer_checksum_left_to_the_port():
    """On a wan port whose device fills in IPv4 header checksums (net_tap:
    its PMD does in software what a NIC does), port.list names the offload
    and sealed frames leave flagged for it: on the kernel's side of the TAP
    each has a good outer header checksum and opens as on a port without it
    (p0, net_pcap, names none). With "tx_ip_cksum": false the port is not
    asked to, and sxdp sums it."""
    if os.geteuid() != 0:
        raise T.SkipTest("a TAP interface needs root")
    tap = "sxesp%d" % (os.getpid() % 100000)
    frames = [O.inner(O.MAC_A, O.MAC_R, b"offloaded %d" % i) for i in range(3)]
    for asked in (None, False):
        w0 = dict(O.PORTS["w0"], devargs="net_tap0,iface=%s" % tap)
        if asked is not None:
            w0["tx_ip_cksum"] = asked
        with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=dict(O.PORTS, w0=w0)) as dp:
            offl = {p["name"]: p["tx_offloads"] for p in dp.rpc("port.list")["ports"]}
            expect_eq(("ipv4_cksum" in offl["w0"], "ipv4_cksum" in offl["p0"]), (asked is None, False),
                      "tx_ip_cksum %s: ipv4_cksum among the TAP's TX offloads, not the pcap's: %s" % (asked, offl))
            k = T.KernelSide(tap)
            try:
                dp.table_write(O.setup())
                setup_sas(dp, sa_out())
                dp.release()
                got = k.collect(O.WAN_MAC, len(frames), timeout=20)
            finally:
                k.close()
        expect_eq(len(got), len(frames), "tx_ip_cksum %s: sealed frames on the TAP" % asked)
        for i, g in enumerate(got):
            e = Ether(g)
            ck = e[IP].copy()
            ck.chksum = None
            expect(e[IP].chksum != 0 and e[IP].chksum == IP(bytes(ck)).chksum,
                   "tx_ip_cksum %s, frame %d: a good outer header checksum (%#x)" % (asked, i, e[IP].chksum))
            dg, spi, sq = opened(g, seq=i + 1)
            expect_eq((e[IP].proto, spi, sq, bytes(dg[VXLAN].payload)), (50, SPI_OUT, i + 1, bytes(frames[i])),
                      "tx_ip_cksum %s, frame %d: ESP opened into the inner frame" % (asked, i))


@R.test
def test_opened_from_scapy_and_bridged():
    """ESP scapy sealed for the VTEP (AES-128 and, on a second SA, AES-256)
    is opened and its inner frames bridged into bd 10 byte for byte."""
    f1 = O.inner(O.MAC_R2, O.MAC_A, b"from site 2 over ESP")
    f2 = O.inner(O.MAC_R2, O.MAC_A, b"from site 2 over ESP-256")
    pkts = [sealed_by_peer(vx(f1), 1), sealed_by_peer(vx(f2), 9, key=KEY_256, spi=SPI_IN + 1)]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_in(), dict(sa_in(3, SPI_IN + 1, KEY_256)))
        st = dp.run_traffic()
        expect_drops(st, {})
        sas = {s["id"]: s for s in dp.rpc("overlay.sa.list")}
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f1), bytes(f2)], "p0 got the inner frames")
        expect_eq((sas[2]["packets"], sas[3]["packets"], sas[3]["cipher"]), (1, 1, "aes-gcm-256"), "per SA")


@R.test
def test_refusals_are_named():
    """A replay, an ICV that does not verify (a flipped byte, a wrong key,
    and with ESN a number left of the window: RFC 4303 A2.2 reads it as the
    next 2^32 and the ICV tells), an SPI of no SA to the VTEP, ESP cut
    short, a datagram not between the SA's ends, a fragment of a tunnel
    datagram, a clear datagram from the peer with an inbound SA, a NAT
    keepalive: each dropped under its name,
    nothing else moves, nothing reaches the slice but the good ones. A
    keepalive or ESP to an address that is no VTEP is the underlay's."""
    f = O.inner(O.MAC_R2, O.MAC_A, b"x")
    good = [sealed_by_peer(vx(f), 1000), sealed_by_peer(vx(f), 2000)]
    flipped = bytearray(bytes(sealed_by_peer(vx(f), 2001)))
    flipped[-20] ^= 1
    cut = bytes(sealed_by_peer(vx(f), 2002))[:14 + 20 + 8 + 8 + 7]
    cut_ip = bytearray(cut)
    cut_ip[16:18] = struct.pack("!H", len(cut) - 14)
    ck = IP(bytes(cut_ip[14:]))
    ck.chksum = None
    cut = bytes(cut_ip[:14]) + bytes(IP(bytes(ck)))
    spoof = sealed_by_peer(O.outer(f, src="198.51.100.99")[IP], 2003)
    # the first fragment of a tunnel datagram (the peer's VXLAN device above its tunnel's MTU)
    first = vx(f).copy()
    first.flags = "MF"
    fragment = sealed_by_peer(first, 2007)
    keepalive = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / \
        UDP(sport=4500, dport=4500) / Raw(b"\xff")
    cases = {
        # 2000 and 1000 again: in the window, seen
        "overlay.esp_replay": [sealed_by_peer(vx(f), 2000), sealed_by_peer(vx(f), 1000)],
        "overlay.esp_auth": [Ether(bytes(flipped)), sealed_by_peer(vx(f), 2004, key=KEY_OUT),
                             sealed_by_peer(vx(f), 2)],
        "overlay.esp_unknown_spi": [sealed_by_peer(vx(f), 2005, spi=0x7777)],
        "overlay.esp_malformed": [Ether(cut)],
        "overlay.esp_inner": [spoof],
        "overlay.sealed_fragment": [fragment],
        "overlay.esp_required": [O.outer(f)],
        "overlay.natt_keepalive": [keepalive],
        # neither a keepalive nor ESP to an address that is no VTEP is the overlay's: the
        # underlay's (w0 has no interface here: switch.no_interface)
        "switch.no_interface": [Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst="192.0.2.99") /
                                UDP(sport=4500, dport=4500) / Raw(b"\xff"),
                                sealed_by_peer(vx(f), 2006, spi=0x7777, dst="192.0.2.99")],
    }
    pkts = good + [p for v in cases.values() for p in v]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_in())
        st = dp.run_traffic()
        expect_drops(st, {k: len(v) for k, v in cases.items()})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f), bytes(f)], "only the two good ones reached the slice")
        # the spoofed datagram was opened (its ICV good) before its ends were judged
        expect_eq((sa["packets"], sa["replay"], sa["auth"], sa["malformed"]), (4, 2, 3, 1), "the SA's own counters")


@R.test
def test_window_edges():
    """Without ESN: after 5000, a window asked as 1024 (sxdp keeps one more
    64-packet block: DPDK's bitmap needs a spare one) takes 3977 once and
    3912, the last it holds; 3911 is left of it; a number ahead moves it."""
    f = O.inner(O.MAC_R2, O.MAC_A, b"w")
    order = [5000, 3977, 3977, 3912, 3911, 5001, 4999]
    pkts = [sealed_by_peer(vx(f), n, esn=False) for n in order]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_in(esn=False))
        st = dp.run_traffic()
        expect_drops(st, {"overlay.esp_replay": 2})
        dp.stop()
        expect_eq(len(dp.outputs()["p0"]), 5, "5000, 3977 once, 3912, 5001, 4999")


@R.test
def test_every_replay_in_the_window_refused():
    """Every number 1..130 taken once, each sent again: all 130 refused,
    whatever its place in a 64-bit block (DPDK 22.11's own window lets
    the numbers whose value mod 64 is 32..63 through: ov_replay.h)."""
    f = O.inner(O.MAC_R2, O.MAC_A, b"r")
    nums = list(range(1, 131))
    pkts = [sealed_by_peer(vx(f), n) for n in nums + nums]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_in())
        st = dp.run_traffic()
        expect_drops(st, {"overlay.esp_replay": len(nums)})
        dp.stop()
        expect_eq(len(dp.outputs()["p0"]), len(nums), "each number once")


@R.test
def test_hostile_esp_frames():
    """A valid ESP frame to the VTEP, then it cut at every length (the IP
    length fixed to match, or not), each of its bytes flipped in turn, a
    bad outer checksum, trailing garbage, an ESP fragment, random bytes
    after a good SPI: nothing crashes, every frame is dropped under a name
    (no internal verdict), no mbuf is lost, the SA's state moves only for
    the one valid frame, and only it reaches the slice."""
    import random
    rnd = random.Random(4303)
    f = O.inner(O.MAC_R2, O.MAC_A, b"hostile")
    good = bytes(sealed_by_peer(vx(f), 5))
    ip_len = len(good) - 14

    def with_len(b, n):
        """b with its IP total length n and a good header checksum."""
        ip = IP(b[14:])
        ip.len = n
        ip.chksum = None
        return b[:14] + bytes(ip)[:20] + b[34:]

    hostile = []
    for cut in range(14 + 20, len(good)):                  # cut short, the IP length still the whole
        hostile.append(good[:cut])
    for cut in range(14 + 20, len(good), 3):               # cut short, the IP length saying so
        hostile.append(with_len(good[:cut], cut - 14))
    for i in range(14, len(good)):                         # each byte flipped
        b = bytearray(good)
        b[i] ^= 0x5a
        hostile.append(bytes(b))
    hostile.append(good + bytes(rnd.getrandbits(8) for _ in range(40)))         # garbage past the IP length
    hostile.append(with_len(good + b"\x00" * 4, ip_len + 4))                   # padding inside it
    frag = IP(good[14:])
    frag.flags = "MF"
    frag.chksum = None
    hostile.append(good[:14] + bytes(frag))                                      # an ESP fragment
    for _ in range(50):                                                          # a good SPI, then noise
        n = rnd.randrange(8, 200)
        body = good[34:42] + bytes(rnd.getrandbits(8) for _ in range(n))
        hostile.append(bytes(Ether(good[:14]) / IP(src=O.PEER, dst=O.VTEP, proto=50) / Raw(body)))
    pkts = [Ether(good)] + [Ether(h) for h in hostile]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_in())
        st = dp.run_traffic()
        drops = T.drops_of(st)
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f)], "only the valid frame reached the slice")
        expect_eq(sum(drops.values()), len(hostile), "every hostile frame dropped: %s" % drops)
        expect(not any(k.startswith("core.") for k in drops), "no internal verdict: %s" % drops)
        # flipped bytes of the datagram's own header the peer sealed move nothing but the ICV
        expect_eq(sa["packets"], 1, "the SA took the valid frame only: %s" % sa)


@R.test
def test_esn_across_2_32():
    """An outbound SA started at 2^32 - 2 numbers on past 2^32: scapy, with
    the high half, opens every frame (the high bits are in the ICV's AAD);
    the low 32 bits on the wire wrap to 0, 1."""
    frames = [O.inner(O.MAC_A, O.MAC_R, b"esn %d" % i) for i in range(4)]
    first = (1 << 32) - 2
    with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_out(seq=first))
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 4, "sealed frames")
        for i, g in enumerate(got):
            dg, spi, sq = opened(g, seq=first + i)
            expect_eq(sq, (first + i) & 0xffffffff, "frame %d: the low 32 bits" % i)
            expect_eq(bytes(dg[VXLAN].payload), bytes(frames[i]), "frame %d opened with ESN %#x" % (i, first + i))


@R.test
def test_takeover_hands_the_sas_over():
    """sxdp --takeover hands its SAs to the new sxdp, keys and all: the same
    ids and SPIs; the outbound SA numbers on from where the old process
    stopped, past 2^32 (scapy opens each with the high half); the inbound
    one keeps its window (a number the old one took is a replay, one it
    never saw is opened, past 2^32 too); its counters go on, its age and its
    lifetime's end are kept; no key is in either process's log."""
    first = (1 << 32) - 3
    out1 = [O.inner(O.MAC_A, O.MAC_R, b"before %d" % i) for i in range(2)]
    out2 = [O.inner(O.MAC_A, O.MAC_R, b"after %d" % i) for i in range(3)]
    base = (1 << 32) - 4

    def f(i):
        return O.inner(O.MAC_R2, O.MAC_A, b"in %d" % i)

    # the old one takes 2^32 - 4, - 2, - 1; the new one is sent - 2 again (a
    # replay), - 3 (never seen, left of the top) and 2^32 + 1 (the high half
    # read from the top the window had)
    in1 = [sealed_by_peer(vx(f(i)), base + i) for i in (0, 2, 3)]
    in2 = [sealed_by_peer(vx(f(i)), base + i) for i in (2, 1, 5)]
    with Sxdp({"p0": out1, "p1": [], "w0": in1}, pipeline=O.PIPELINE, port_opts=O.PORTS) as old:
        old.table_write(O.setup())
        setup_sas(old, dict(sa_out(seq=first), lifetime_ms=600000), sa_in())
        expect_drops(old.run_traffic(), {})
        before = {s["id"]: s for s in old.rpc("overlay.sa.list")}
        with Sxdp({"p0": out2, "p1": [], "w0": in2}, pipeline=O.PIPELINE, port_opts=O.PORTS,
                  takeover=old) as new:
            expect_eq(old.exit_code, 0, "the old sxdp exited once handed over")
            held = {s["id"]: s for s in new.rpc("overlay.sa.list")}
            expect_eq({i: (s["spi"], s["dir"], s["packets"]) for i, s in held.items()},
                      {i: (s["spi"], s["dir"], s["packets"]) for i, s in before.items()},
                      "the new sxdp holds the same SAs, their counters")
            expect(held[1]["age_ms"] >= before[1]["age_ms"] and
                   before[1]["expires_ms"] - 30000 < held[1]["expires_ms"] <= before[1]["expires_ms"],
                   "as old as it was, its lifetime's end where it was: %s -> %s" % (before[1], held[1]))
            expect_drops(new.run_traffic(), {"overlay.esp_replay": 1})
            after = {s["id"]: s for s in new.rpc("overlay.sa.list")}
            new.stop()
            got1, got2 = old.outputs()["w0"], new.outputs()["w0"]
            expect_eq((len(got1), len(got2)), (2, 3), "sealed frames before and after")
            for i, (fr, g) in enumerate(zip(out1 + out2, got1 + got2)):
                dg, spi, sq = opened(g, seq=first + i)
                expect_eq((spi, sq), (SPI_OUT, (first + i) & 0xffffffff), "frame %d: numbered on" % i)
                expect_eq(bytes(dg[VXLAN].payload), bytes(fr), "frame %d opened with ESN %#x" % (i, first + i))
            expect_eq(old.outputs()["p0"], [bytes(f(i)) for i in (0, 2, 3)], "opened before")
            expect_eq(new.outputs()["p0"], [bytes(f(i)) for i in (1, 5)], "opened after: the window kept")
            expect_eq((after[1]["packets"], after[2]["packets"], after[2]["replay"]), (5, 5, 1),
                      "the counters went on")
            for dp in (old, new):
                for k in (KEY_OUT, KEY_IN):
                    expect(k[:16].hex() not in dp.log().lower(), "no key in the log")


@R.test
def test_reload_is_a_takeover():
    """SIGHUP (the unit's ExecReload) makes sxdp start the executable on disk with
    --takeover on its own config: the successor takes the tables and the SAs, says
    MAINPID=<its pid> on NOTIFY_SOCKET (systemd's, here a socket of the test's)
    before the old one exits 0, and answers on the same socket with a new boot id."""
    import signal
    import socket
    import tempfile
    import time
    d = tempfile.mkdtemp(prefix="sxdp-reload-")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(os.path.join(d, "notify"))
    ns.settimeout(30)
    old_env = os.environ.get("NOTIFY_SOCKET")
    os.environ["NOTIFY_SOCKET"] = os.path.join(d, "notify")
    new_pid = None
    try:
        with Sxdp({"p0": [], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
            dp.table_write(O.setup())
            setup_sas(dp, sa_out(seq=77), sa_in())
            before = {s["id"]: (s["spi"], s["dir"]) for s in dp.rpc("overlay.sa.list")}
            tables = dp.table_read("paths")
            boot = dp.hello["boot_id"]
            dp.rpcc.close()
            dp.rpcc = None
            dp.proc.send_signal(signal.SIGHUP)
            msg = ns.recv(256).decode()
            expect(msg.startswith("MAINPID="), "the successor told systemd: %r" % msg)
            new_pid = int(msg.split("=", 1)[1])
            expect_eq(dp.proc.wait(30), 0, "the old sxdp exited 0 once handed over")
            expect(os.readlink("/proc/%d/exe" % new_pid) == os.path.realpath(T.sxdp_path()),
                   "MAINPID is an sxdp of the same executable")
            deadline = time.monotonic() + 30
            while True:
                try:
                    c = T.RpcClient(dp.sock_path)
                    hello = c.call("sys.hello")
                    if hello["boot_id"] != boot:
                        break
                    c.close()
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise T.TestFailure("no successor on %s" % dp.sock_path)
                time.sleep(0.05)
            held = {s["id"]: (s["spi"], s["dir"]) for s in c.call("overlay.sa.list")}
            expect_eq(held, before, "the successor holds the same SAs")
            expect_eq(c.call("table.read", {"table": "paths", "offset": 0, "limit": 100})["entries"], tables[0],
                      "and the same tables")
            c.close()
            os.kill(new_pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while os.path.exists("/proc/%d" % new_pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            expect(not os.path.exists("/proc/%d" % new_pid), "the successor stopped at SIGTERM")
            new_pid = None
    finally:
        if new_pid is not None and os.path.exists("/proc/%d" % new_pid):
            os.kill(new_pid, signal.SIGKILL)
        if old_env is None:
            os.environ.pop("NOTIFY_SOCKET", None)
        else:
            os.environ["NOTIFY_SOCKET"] = old_env
        ns.close()
        import shutil
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_reload_of_an_upgrade_that_fails():
    """A reload whose successor fails leaves a plain sxdp running; but when its own
    executable was replaced on disk (an upgrade) and the new one fails, the old one
    stops (exit 0: the unit's Restart=always starts the new one) rather than run on
    unseen."""
    import shutil
    import signal
    import tempfile
    import time
    d = tempfile.mkdtemp(prefix="sxdp-upg-")
    exe = os.path.join(d, "sxdp")
    shutil.copy(T.sxdp_path(), exe)
    try:
        dp = Sxdp({"p0": [], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS)
        dp.binary = exe
        with dp:
            # the package replaced it with one that cannot start
            os.unlink(exe)
            with open(exe, "w") as f:
                f.write("#!/bin/sh\nexit 3\n")
            os.chmod(exe, 0o755)
            dp.proc.send_signal(signal.SIGHUP)
            expect_eq(dp.proc.wait(30), 0, "the old sxdp stopped once the upgrade's successor failed")
            expect("executable is no longer on disk" in dp.log(), "and said why")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_udp_encapsulated_both_ways():
    """NAT traversal (RFC 3948): sealed into UDP 4500 (checksum 0, its
    length the ESP's), and opened from UDP 4500."""
    out_f = O.inner(O.MAC_A, O.MAC_R, b"natt out")
    in_f = O.inner(O.MAC_R2, O.MAC_A, b"natt in")
    with Sxdp({"p0": [out_f], "p1": [], "w0": [sealed_by_peer(vx(in_f), 7, natt=True)]},
              pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_out(natt=True), sa_in(natt=True))
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(in_f)], "opened from UDP 4500 and bridged")
        expect_eq(len(out["w0"]), 1, "sealed into UDP 4500")
        e = Ether(out["w0"][0])
        expect_eq((e[IP].proto, e[UDP].sport, e[UDP].dport, e[UDP].chksum, e[UDP].len),
                  (17, 4500, 4500, 0, len(e[IP]) - 20), "the UDP header")
        dg, spi, sq = opened(out["w0"][0], natt=True)
        expect_eq(bytes(dg[VXLAN].payload), bytes(out_f), "scapy opens it")


@R.test
def test_sa_hard_lifetime():
    """An SA given a hard lifetime (lifetime_ms) counts it down in the list
    (expires_ms); past it, it neither seals nor opens: the path's frame
    and the peer's packet are each dropped as overlay.sa_expired, nothing
    leaves clear or sealed, whether or not a control plane deletes it."""
    f_out = O.inner(O.MAC_A, O.MAC_R, b"too late out")
    f_in = O.inner(O.MAC_R2, O.MAC_A, b"too late in")
    with Sxdp({"p0": [f_out], "p1": [], "w0": [sealed_by_peer(vx(f_in), 1)]},
              pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, dict(sa_out(), lifetime_ms=400), dict(sa_in(), lifetime_ms=400), sa_out(3, spi=0x7001))
        lst = dp.rpc("overlay.sa.list")
        expect("expires_ms" not in next(x for x in lst if x["id"] == 3), "one without a lifetime: none shown")
        dp.rpc("overlay.sa.del", {"id": 3})
        lst = dp.rpc("overlay.sa.list")
        expect(all(0 < x["expires_ms"] <= 400 for x in lst), "counting down: %s" % lst)
        O.after_sas_expired(dp)


NAT_PUB = "203.0.113.77"   # where the peer's NAT puts it


@R.test
def test_peer_behind_a_nat():
    """NAT traversal with the peer behind a NAT: its inbound SA, of a path,
    takes its packets from any source (here its NAT's address and port);
    a verified one moves the path's endpoint there, and what sxdp seals
    goes there from then on, as do the NAT keepalives it is asked for
    (overlay.sa.keepalive: one byte 0xff, UDP 4500 to the NAT's port). A
    forged packet (its ICV wrong) from elsewhere moves nothing, and neither
    does a replay of the verified one from a third place. An inbound SA of
    a path without UDP encapsulation is refused, as is a keepalive on a
    path without one."""
    f_in = O.inner(O.MAC_R2, O.MAC_A, b"from behind a NAT")
    out_f = O.inner(O.MAC_A, O.MAC_R, b"to its NAT")
    good = sealed_by_peer(vx(f_in), 7, natt=True, src=NAT_PUB, sport=40000)
    forged = bytearray(bytes(sealed_by_peer(vx(f_in), 8, natt=True, src="203.0.113.99", sport=40001)))
    forged[-1] ^= 1
    replayed = bytearray(bytes(good))
    replayed[26:30] = bytes([203, 0, 113, 98])   # the same packet, from another place (IP checksum redone below)
    replayed = Ether(bytes(replayed))
    del replayed[IP].chksum
    with Sxdp({"p0": [out_f], "p1": [], "w0": [Ether(bytes(forged)), good, replayed]},
              pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        r = dp.rpc_raw("overlay.sa.add", dict(sa_in(), path=O.PATH))
        expect_eq(r.get("error", {}).get("data", {}).get("reason"), "bad_value",
                  "a plain ESP inbound SA of a path is refused")
        setup_sas(dp, sa_out(natt=True), dict(sa_in(natt=True), path=O.PATH))
        r = dp.rpc_raw("overlay.sa.keepalive", {"path": 2})
        expect("error" in r, "no keepalive on a path without a UDP-encapsulated SA: %s" % r)
        st = dp.phase(["w0"])
        expect_drops(st, {"overlay.esp_auth": 1, "overlay.esp_replay": 1})
        eps = {s["dir"]: s.get("endpoint") for s in dp.rpc("overlay.sa.list")}
        expect_eq(eps, {"in": {"address": NAT_PUB, "port": 40000}, "out": {"address": NAT_PUB, "port": 40000}},
                  "the endpoint is where the verified one came from")
        dp.phase(["p0"])
        tx0 = next(p["hw"]["opackets"] for p in dp.rpc("port.stats")["ports"] if p["name"] == "w0")
        dp.rpc("overlay.sa.keepalive", {"path": O.PATH})
        # the keepalive leaves from the main lcore's queue: stopped only once it has
        dp.wait_stats(lambda st: next(p["hw"]["opackets"] for p in dp.rpc("port.stats")["ports"]
                                      if p["name"] == "w0") > tx0, "the keepalive sent on w0")
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(f_in)], "opened and bridged")
        got = [Ether(b) for b in out["w0"]]
        expect_eq(len(got), 2, "a sealed frame and a keepalive")
        sealed_f = next((g for g in got if len(g[UDP].payload) > 1), got[0])
        ka = next((g for g in got if bytes(g[UDP].payload) == b"\xff"), None)
        expect_eq((sealed_f[IP].dst, sealed_f[UDP].sport, sealed_f[UDP].dport), (NAT_PUB, 4500, 40000),
                  "sealed to where the NAT showed the peer")
        chk = IP(bytes(sealed_f[IP]))
        del chk.chksum
        expect_eq(IP(bytes(chk)).chksum, sealed_f[IP].chksum, "its IP checksum is good")
        dg, _, _ = opened(bytes(sealed_f), natt=True)
        expect_eq(bytes(dg[VXLAN].payload), bytes(out_f), "scapy opens it")
        expect(ka is not None, "a NAT keepalive")
        if ka is not None:
            expect_eq((ka[IP].src, ka[IP].dst, ka[UDP].sport, ka[UDP].dport, ka[UDP].len),
                      (O.VTEP, NAT_PUB, 4500, 40000, 9), "the keepalive: from the VTEP to the NAT's port")


@R.test
def test_sa_methods_take_keys_and_never_give_them_back():
    """Refused: a key of the wrong length or not hex, an id taken, an
    inbound SPI taken, an outbound SA without a path, one port of two, a
    window under 64, none with ESN. The
    list and every answer carry no key. A path whose SA is deleted is clear
    again."""
    f = O.inner(O.MAC_A, O.MAC_R, b"after delete")
    with Sxdp({"p0": [f], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        answers = [dp.rpc("overlay.sa.add", sa_out()), dp.rpc("overlay.sa.add", sa_in())]
        bad = [
            (dict(sa_out(5), key=KEY_OUT.hex()[:-2]), "bad_value"),
            (dict(sa_out(5), key="zz" * 20), "bad_value"),
            (dict(sa_out(5), cipher="aes-gcm-256"), "bad_value"),   # a 128-bit key
            (sa_out(1, spi=0x9999), "exists"),
            (sa_in(6), "exists"),
            ({k: v for k, v in sa_out(5).items() if k != "path"}, "missing"),
            (dict(sa_out(5), natt_sport=4500), "bad_value"),
            (dict(sa_out(5), spi=255), None),
            (dict(sa_in(6, spi=0x9998), window=0), "bad_value"),    # no window, with ESN
            (dict(sa_in(6, spi=0x9998), window=32), "bad_value"),
        ]
        for p, reason in bad:
            r = dp.rpc_raw("overlay.sa.add", p)
            expect("error" in r, "refused: %s" % p)
            if reason:
                expect_eq(r["error"]["data"]["reason"], reason, "reason for %s" % p)
            answers.append(r)
        # no anti-replay: only without ESN (RFC 4303 3.4.3), a benchmark's
        answers.append(dp.rpc("overlay.sa.add", dict(sa_in(7, spi=0x9997, window=0, esn=False))))
        lst = dp.rpc("overlay.sa.list")
        expect_eq(sorted(s["id"] for s in lst), [1, 2, 7], "the three SAs")
        for k in (KEY_OUT, KEY_IN):
            for a in answers + [lst]:
                expect(k.hex()[:16] not in repr(a) and k[:16].hex().upper()[:16] not in repr(a),
                       "no key in %s" % a)
        expect(all("key" not in s for s in lst), "no key member in the list")
        dp.rpc("overlay.sa.del", {"id": 1})
        expect_eq("error" in dp.rpc_raw("overlay.sa.del", {"id": 1}), True, "deleted once")
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 1, "one frame")
        expect_eq(Ether(got[0])[IP].proto, 17, "clear VXLAN again once the path's SA is gone")
        log = open(dp.log_path).read()
        expect(KEY_OUT.hex() not in log and KEY_IN.hex() not in log, "no key in sxdp's log")


@R.test
def test_rekey_make_before_break():
    """The path's newest outbound SA seals (the old one kept, not used);
    both inbound SAs open until the old one is deleted, then its packets
    are an unknown SPI."""
    f = O.inner(O.MAC_A, O.MAC_R, b"rekeyed")
    g = O.inner(O.MAC_R2, O.MAC_A, b"old key")
    old_in = [sealed_by_peer(vx(g), 1)]
    new_in = [sealed_by_peer(vx(g), 1, key=KEY_256, spi=SPI_IN + 1)]
    with Sxdp({"p0": [f], "p1": [], "w0": old_in + new_in}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        setup_sas(dp, sa_out(), sa_in())
        setup_sas(dp, sa_out(3, SPI_OUT + 1, KEY_256), sa_in(4, SPI_IN + 1, KEY_256))
        st = dp.run_traffic()
        expect_drops(st, {})
        act = {s["id"]: s["active"] for s in dp.rpc("overlay.sa.list")}
        expect_eq((act[1], act[3]), (False, True), "the newest outbound SA is the path's")
        dp.stop()
        out = dp.outputs()
        expect_eq(out["p0"], [bytes(g), bytes(g)], "both inbound SAs opened")
        dg, spi, sq = opened(out["w0"][0], key=KEY_256, spi=SPI_OUT + 1)
        expect_eq((spi, bytes(dg[VXLAN].payload)), (SPI_OUT + 1, bytes(f)), "sealed with the new SA")


@R.test
def test_path_mtu_counts_the_esp_overhead():
    """A bridged frame that would fit the path in clear but not once sealed
    (at most 57 bytes more: outer IPv4, ESP header, IV, padding, trailer,
    ICV) is dropped as too big; the largest that fits passes, within the
    path's MTU once sealed."""
    mtu = 1400
    # the inner IP packet (20 + 8 + payload) + 50 (VXLAN) + 57 (ESP) <= mtu
    fits = O.inner(O.MAC_A, O.MAC_R, b"a" * (mtu - 50 - 57 - 28))
    too = O.inner(O.MAC_A, O.MAC_R, b"a" * (mtu - 50 - 57 - 28 + 1))
    with Sxdp({"p0": [fits, too], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        ups = O.setup()
        for u in ups:
            if u["table"] == "paths":
                u["params"]["mtu"] = mtu
        dp.table_write(ups)
        setup_sas(dp, sa_out())
        st = dp.run_traffic()
        expect_drops(st, {"overlay.too_big": 1})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 1, "the one that fits")
        expect(len(got[0]) - 14 <= mtu, "within the path's MTU: %d" % (len(got[0]) - 14))


PROBE_MAGIC = 0x53585042


def probe_msg(kind=1, path=1, seq=0):
    return struct.pack(">IBBHII", PROBE_MAGIC, 1, kind, path, seq, 0) + struct.pack("<QQ", 0x1122334455667788, 0)


@R.test
def test_probes_inside_esp():
    """The path's probes go through the encryption as its traffic does: a
    probed path's requests leave sealed with its outbound SA (scapy opens a
    probe request inside); the peer's request sealed with its SA is turned
    around sealed with an SA of a path back to it (scapy opens the reply, its number and
    stamps untouched); a clear request from a peer with an inbound SA is
    refused (overlay.esp_required: a forged answer must not keep a dead
    path up)."""
    probe = IP(src=O.PEER, dst=O.VTEP) / UDP(sport=3785, dport=3785) / Raw(probe_msg(seq=41))
    clear = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=3785, dport=3785) / \
        Raw(probe_msg(seq=42))
    tables = O.setup() + [
        Sxdp.update("endpoints", {"ip": O.PEER}, "endpoint", {"site": 2}),
        Sxdp.update("paths", {"id": 2}, "sxdp", {"src": O.VTEP, "dst": O.PEER, "vrf": O.UNDERLAY, "mtu": 0,
                                                 "gw": O.GW, "interval_ms": 50, "down_after": 30, "up_after": 3})]
    with Sxdp({"p0": [], "p1": [], "w0": [sealed_by_peer(probe, 1), clear]}, pipeline=O.PIPELINE,
              port_opts=O.PORTS) as dp:
        # the SAs first: path 2 is probed from the moment it is written
        setup_sas(dp, sa_out(), dict(sa_out(3, SPI_OUT + 1), path=2), sa_in())
        dp.table_write(tables)
        st = dp.run_traffic()
        expect_drops(st, {"overlay.esp_required": 1})
        expect_eq(st["events"].get("overlay.probe_reflected"), 1, "the sealed request turned around")
        dp.wait_stats(lambda s: s["events"].get("overlay.probe_sent", 0) >= 3, "a few of path 2's probes (every 50 ms)")
        dp.stop()
        got = [Ether(g) for g in dp.outputs()["w0"]]
        expect(all(g[IP].proto == 50 for g in got), "everything on w0 is ESP: %s" % [g.summary() for g in got])
        replies, requests = [], []
        for g in got:
            spi = struct.unpack("!I", bytes(g[IP])[20:24])[0]
            seq = struct.unpack("!I", bytes(g[IP])[24:28])[0]
            dg = scapy_sa(spi, KEY_OUT, O.VTEP, O.PEER, seq=seq).decrypt(g[IP])
            m = bytes(dg[UDP].payload)
            expect_eq((dg.src, dg.dst, dg[UDP].dport), (O.VTEP, O.PEER, 3785), "a probe between the VTEPs inside")
            (replies if m[5] == 2 else requests).append((spi, m))
        expect_eq([(spi in (SPI_OUT, SPI_OUT + 1), struct.unpack(">I", m[8:12])[0], m[16:24]) for spi, m in replies],
                  [(True, 41, struct.pack("<Q", 0x1122334455667788))],
                  "the reply, sealed with an SA of the way back (both paths go there), its number and stamp as sent")
        expect(len(requests) >= 2 and all(spi == SPI_OUT + 1 and struct.unpack(">H", m[6:8])[0] == 2
                                          for spi, m in requests),
               "path 2's requests sealed with its own SA: %s" % [(hex(s), m[:8].hex()) for s, m in requests])


@R.test
def test_a_sealed_path_is_never_clear_before_its_first_sa():
    """A path written sealed (an encrypted peer's, as sxcd writes it before
    its keying adds the first SA) is never clear from that write on: its
    tunnel's frame is dropped (overlay.sa_missing), its probes leave
    nowhere and it stays down, and the far end's clear probe request and
    clear datagram are refused (overlay.esp_required: no SA to the peer
    yet, and still no path comes up in clear). Its first SAs seal and open
    it as any path's; written unsealed again, the peer's clear is taken."""
    f = O.inner(O.MAC_R2, O.MAC_A, b"clear from site 2")
    probe = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=3785, dport=3785) / \
        Raw(probe_msg(path=2, seq=7))
    sealed_paths = [
        U("endpoints", {"ip": O.PEER}, "endpoint", {"site": 2}),
        U("paths", {"id": O.PATH}, "static", {"src": O.VTEP, "dst": O.PEER, "vrf": O.UNDERLAY, "mtu": 0,
                                              "gw": O.GW, "sealed": 1}),
        U("paths", {"id": 2}, "sxdp", {"src": O.VTEP, "dst": O.PEER, "vrf": O.UNDERLAY, "mtu": 0, "gw": O.GW,
                                       "sealed": 1, "interval_ms": 20, "down_after": 3, "up_after": 1})]
    fr = [O.inner(O.MAC_A, O.MAC_R, b"p0"), O.inner(O.MAC_B, O.MAC_R, b"p1")]
    with Sxdp({"p0": fr[:1], "p1": fr[1:], "w0": [probe, O.outer(f)]}, pipeline=O.PIPELINE,
              port_opts=O.PORTS) as dp:
        dp.table_write([u for u in O.setup_p1_in_bd10() if u["table"] != "paths"] + sealed_paths[:2])
        expect_eq(dp.table_read("paths")[0][0]["params"].get("sealed"), 1, "read back sealed")
        st = dp.phase(["p0", "w0"])
        expect_drops(st, {"overlay.sa_missing": 1, "overlay.esp_required": 2})
        # a probed one: each probe dropped as the path's frames are, none answered
        dp.table_write(sealed_paths[2:])
        st = dp.wait_stats(lambda s: s["events"].get("overlay.probe_sent", 0) >= 5, "path 2's probes (every 20 ms)")
        expect_eq(st["drops"].get("overlay.sa_missing"), 1 + st["events"]["overlay.probe_sent"],
                  "every probe of path 2 dropped (sa_missing), none sent clear")
        paths = {p["id"]: p for p in dp.rpc("overlay.paths")}
        expect_eq((paths[2]["state"], paths[2]["probes_answered"]), ("down", 0), "path 2 down, nothing answered")
        # path 1's first SA: sealed as any path's
        setup_sas(dp, sa_out())
        dp.phase(["p1"])
        dp.stop()
        got = [Ether(g) for g in dp.outputs()["w0"]]
        expect(len(got) == 1 and got[0][IP].proto == 50,
               "nothing clear left w0, p1's frame sealed: %s" % [g.summary() for g in got])
        dg, _, _ = opened(bytes(got[0]))
        expect_eq(bytes(dg[VXLAN].payload), bytes(fr[1]), "p1's frame opens")
    with Sxdp({"p0": [], "p1": [], "w0": [O.outer(f)]}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write([u for u in O.setup() if u["table"] != "paths"] + sealed_paths[:2])
        dp.table_write([U("paths", {"id": O.PATH}, "static", {"src": O.VTEP, "dst": O.PEER, "vrf": O.UNDERLAY,
                                                             "mtu": 0, "gw": O.GW}, type="modify")])
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f)], "unsealed again: the peer's clear datagram taken")


@R.test
def test_lanes_per_worker():
    """A path's per-worker SAs (RFC 9611 lanes): both active at once; the
    one worker here (worker 0) seals with lane 0's; lane 0 deleted, it seals
    with lane 1's, never clear; a lane is an outbound ESP SA's only."""
    fr = [O.inner(O.MAC_A, O.MAC_R, b"lane a"), O.inner(O.MAC_B, O.MAC_R, b"lane b")]
    tables = O.setup_p1_in_bd10()
    with Sxdp({"p0": fr[:1], "p1": fr[1:], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(tables)
        setup_sas(dp, sa_out(), dict(sa_out(3, SPI_OUT + 1), lane=1))
        sas = {x["id"]: x for x in dp.rpc("overlay.sa.list")}
        expect_eq([(sas[i]["lane"], sas[i]["active"]) for i in (1, 3)], [(0, True), (1, True)], "both lanes active")
        for bad in (dict(sa_in(4, SPI_IN + 7), lane=1),):
            expect("error" in dp.rpc_raw("overlay.sa.add", bad), "a lane on an inbound SA is refused")
        st = dp.phase(["p0"])
        expect_drops(st, {})
        dp.rpc("overlay.sa.del", {"id": 1})
        st = dp.phase(["p1"])
        expect_drops(st, {})
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq([(Ether(g)[IP].proto, struct.unpack("!I", bytes(Ether(g)[IP])[20:24])[0]) for g in got],
                  [(50, SPI_OUT), (50, SPI_OUT + 1)], "lane 0's SA, then lane 1's once lane 0 went")
        dg, _, _ = opened(got[1], spi=SPI_OUT + 1)
        expect_eq(bytes(dg[VXLAN].payload), bytes(fr[1]), "lane 1's frame opens")


if __name__ == "__main__":
    sys.exit(R.main())
