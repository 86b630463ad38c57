#!/usr/bin/python3
"""Encrypted paths over an IPv6 underlay: ESP in tunnel mode (RFC 4303,
AES-GCM per RFC 4106; the outer header IPv6, the datagram inside IPv6,
next header 41), UDP-encapsulated ESP (port 4500, a UDP checksum: RFC 8200
8.1 has no zero one over IPv6) with its peer behind a NAT, and WireGuard's
data messages over IPv6 with the peer roaming; its handshakes kept for sxcd
and sent for it over IPv6. Checked against independent implementations:
scapy's SecurityAssociation for ESP, python3-cryptography's
ChaCha20-Poly1305 for WireGuard. A sealed IPv6 path is never clear; a
session hands over to a new sxdp with its IPv6 ends and where its peer
roamed to. Every refusal is a named drop.

    /usr/bin/python3 tests/packet/test_overlay6_sealed.py [NAME-SUBSTRING ...]
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: E402
    from scapy.all import IP, IPv6, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError as e:
    print("SKIP: %s (install python3-cryptography and python3-scapy, run with /usr/bin/python3)" % e)
    sys.exit(77)

import topo_overlay6 as S  # noqa: E402  (one site, one IPv6 path)

R = T.Runner()
os.environ.setdefault("SXDP_FAST_CHECK", "1")

KEY_OUT = bytes(range(0x10, 0x20)) + b"\xca\xfe\xba\xbe"
KEY_IN = bytes(range(0x40, 0x50)) + b"\x01\x02\x03\x04"
SPI_OUT, SPI_IN = 0x5001, 0x6001
WG_OUT, WG_IN = bytes(range(0x20, 0x40)), bytes(range(0x80, 0xa0))
IDX_OUT, IDX_IN = 0x11223344, 0x0a0b0c0d
WG_PORT, PEER_PORT = 51820, 51821
NAT6 = "2001:db8:99::1"     # where a NAT66 (or the peer's new address) shows the peer
PATH = 1


def sealed_paths():
    return {1: ("static", {"sealed": 1})}


def esp_out(sa_id=1, natt=False, seq=1):
    p = {"id": sa_id, "dir": "out", "spi": SPI_OUT, "cipher": "aes-gcm-128", "key": KEY_OUT.hex(),
         "src": S.VTEP, "dst": S.PEER, "path": PATH, "seq": seq}
    if natt:
        p.update(natt_sport=4500, natt_dport=4500)
    return p


def esp_in(sa_id=2, natt=False, path=0):
    p = {"id": sa_id, "dir": "in", "spi": SPI_IN, "cipher": "aes-gcm-128", "key": KEY_IN.hex(),
         "src": S.PEER, "dst": S.VTEP, "window": 1024}
    if natt:
        p.update(natt_sport=4500, natt_dport=4500)
    if path:
        p["path"] = path
    return p


def scapy_sa(spi, key, src, dst, seq=1, natt=False, sport=4500):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key, auth_algo="NULL",
                               tunnel_header=IPv6(src=src, dst=dst),
                               nat_t_header=UDP(sport=sport, dport=4500) if natt else None,
                               esn_en=True, esn=seq >> 32, seq_num=seq & 0xffffffff)


def with_udp_checksum(ip6):
    """@ip6 (an IPv6 packet over UDP) with its UDP length and checksum
    right, as a peer's kernel sends it (scapy's NAT-T header has neither)."""
    b = bytearray(bytes(ip6))
    b[44:46] = struct.pack("!H", len(b) - 40)
    p = IPv6(bytes(b))
    p[UDP].chksum = None
    return IPv6(bytes(p))


def sealed_by_peer(datagram, seq, key=KEY_IN, spi=SPI_IN, natt=False, src=S.PEER, sport=4500):
    e = scapy_sa(spi, key, src, S.VTEP, seq, natt, sport).encrypt(datagram)
    if natt:
        e = with_udp_checksum(e)
    return Ether(src=S.PEER_MAC, dst=S.WAN_MAC) / e


def vx6(frame, src=S.PEER):
    """The peer's clear tunnel datagram (an IPv6 packet) carrying @frame, its checksum right."""
    return IPv6(bytes(S.outer6(frame, src=src)[IPv6]))


def esp_opened(frame, natt=False, seq=1):
    """scapy's opening of what sxdp sealed: (the outer IPv6, the datagram, SPI, number)."""
    ip = Ether(frame)[IPv6]
    body = bytes(ip.payload)
    if natt:
        expect(ip[UDP].chksum != 0, "a UDP checksum over IPv6")
        ck = ip.copy()
        ck[UDP].chksum = None
        expect_eq(ip[UDP].chksum, IPv6(bytes(ck))[UDP].chksum, "the UDP checksum right")
        body = body[8:]
    spi, sq = struct.unpack("!II", body[:8])
    esp = IPv6(src=ip.src, dst=ip.dst, nh=50) / Raw(body)
    return ip, scapy_sa(SPI_OUT, KEY_OUT, S.VTEP, S.PEER, seq=seq).decrypt(IPv6(bytes(esp))), spi, sq


def wg_out(sa_id=1, seq=1, dport=PEER_PORT):
    return {"id": sa_id, "dir": "out", "spi": IDX_OUT, "cipher": "wireguard", "key": WG_OUT.hex(),
            "src": S.VTEP, "dst": S.PEER, "path": PATH, "seq": seq, "natt_sport": WG_PORT, "natt_dport": dport}


def wg_in(sa_id=2):
    return {"id": sa_id, "dir": "in", "spi": IDX_IN, "cipher": "wireguard", "key": WG_IN.hex(),
            "src": S.PEER, "dst": S.VTEP, "path": PATH}


def wg_msg(datagram, ctr, src=S.PEER, sport=PEER_PORT, key=WG_IN):
    p = datagram + b"\0" * (-len(datagram) % 16)
    ct = ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", ctr), p, b"")
    return Ether(src=S.PEER_MAC, dst=S.WAN_MAC) / IPv6(src=src, dst=S.VTEP) / UDP(sport=sport, dport=WG_PORT) / \
        Raw(struct.pack("<BxxxIQ", 4, IDX_IN, ctr) + ct)


def wg_opened(frame):
    """(outer IPv6, receiver, counter, plaintext) of a data message sxdp sent; its UDP checksum checked."""
    e = Ether(frame)
    ck = e[IPv6].copy()
    ck[UDP].chksum = None
    expect_eq(e[UDP].chksum, IPv6(bytes(ck))[UDP].chksum, "the UDP checksum right over IPv6")
    body = bytes(e[UDP].payload)
    t, idx, ctr = struct.unpack("<BxxxIQ", body[:16])
    expect_eq(t, 4, "a data message")
    return e, idx, ctr, ChaCha20Poly1305(WG_OUT).decrypt(b"\0" * 4 + struct.pack("<Q", ctr), body[16:], b"")


def start(dp, *sas, wg=False, paths=None):
    dp.table_write(S.setup(paths=paths if paths is not None else sealed_paths()))
    if wg:
        dp.rpc("overlay.wg.listen", {"port": WG_PORT})
    for p in sas:
        dp.rpc("overlay.sa.add", p)


def ports(w0, p0=()):
    return {"p0": list(p0), "w0": list(w0)}


def wait_tx(dp, n, bound=10.0):
    deadline = T.time.monotonic() + bound
    while T.time.monotonic() < deadline and \
            next(p for p in dp.rpc("port.stats")["ports"] if p["name"] == "w0")["tx_packets"] < n:
        T.time.sleep(0.05)


@R.test
def test_esp6_sealed_and_opened_by_scapy():
    """Frames to the peer leave w0 as ESP over IPv6 (VTEP to peer, next
    header 50, hop limit 64, the datagram's ECN outside), numbered 1, 2, 3;
    scapy's IPv6 tunnel SA opens each into the IPv6 VXLAN datagram the clear
    path carries (its UDP checksum right, the inner frame byte for byte);
    tshark reads ESP; no inner byte shows."""
    frames = [S.inner(payload=b"secret payload %d" % i, tos=0xb9) for i in range(3)]
    with Sxdp(ports([], frames), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, esp_out())
        expect_drops(dp.run_traffic(), {})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "sealed frames on w0")
        for i, (f, g) in enumerate(zip(frames, got)):
            e = Ether(g)
            expect_eq((e.src, e.dst, e[IPv6].src, e[IPv6].dst, e[IPv6].nh, e[IPv6].hlim, e[IPv6].tc & 3),
                      (S.WAN_MAC, S.GW_MAC, S.VTEP, S.PEER, 50, 64, 1), "frame %d: outer headers" % i)
            expect(b"secret payload" not in g, "frame %d: no inner byte in clear" % i)
            ip, dg, spi, sq = esp_opened(g, seq=i + 1)
            expect_eq((spi, sq), (SPI_OUT, i + 1), "frame %d: SPI and number" % i)
            expect_eq((dg.src, dg.dst, dg[UDP].dport, dg[VXLAN].vni), (S.VTEP, S.PEER, 4789, S.VNI),
                      "frame %d: an IPv6 VXLAN datagram between the VTEPs" % i)
            ck = dg.copy()
            ck[UDP].chksum = None
            expect_eq(dg[UDP].chksum, IPv6(bytes(ck))[UDP].chksum, "frame %d: its UDP checksum" % i)
            expect_eq(bytes(dg[VXLAN].payload), bytes(f), "frame %d: the inner frame" % i)
        expect_eq((sa["src"], sa["dst"], sa["packets"], sa["active"]), (S.VTEP, S.PEER, 3, True),
                  "overlay.sa.list: IPv6 ends")
        esp = T.tshark_fields(dp.out_path("w0"), ["esp.spi", "esp.sequence"])
        expect_eq([(int(s, 0), int(q)) for s, q in esp], [(SPI_OUT, n) for n in (1, 2, 3)], "tshark: ESP")


@R.test
def test_esp6_opened_and_bridged():
    """ESP over IPv6 scapy sealed for the VTEP opens into its IPv6 VXLAN
    datagram; the inner frames reach p0 byte for byte."""
    fs = [S.inner(S.MAC_R2, S.MAC_A, b"from site 2 over ESP6 %d" % i) for i in range(2)]
    with Sxdp(ports([sealed_by_peer(vx6(f), i + 1) for i, f in enumerate(fs)]), pipeline=S.PIPELINE,
              port_opts=S.PORTS) as dp:
        start(dp, esp_in())
        expect_drops(dp.run_traffic(), {})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f) for f in fs], "p0 got the inner frames")
        expect_eq(sa["packets"], 2, "counted")


@R.test
def test_esp6_refusals_are_named():
    """Over IPv6: a replay, a flipped byte, an unknown SPI, a datagram not
    between the SA's ends, an IPv4 datagram inside an IPv6 SA (its next
    header 4, not 41), ESP cut short, and a clear datagram from the peer of
    a sealed path: each dropped by its name; ESP to an address that is no
    VTEP is the underlay's."""
    f = S.inner(S.MAC_R2, S.MAC_A, b"x")
    flipped = bytearray(bytes(sealed_by_peer(vx6(f), 3)))
    flipped[-20] ^= 1
    v4 = IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=4789) / VXLAN(vni=S.VNI, flags=8) / f
    cut = bytearray(bytes(sealed_by_peer(vx6(f), 6))[:14 + 40 + 12])
    cut[18:20] = struct.pack("!H", 12)
    cases = {
        "overlay.esp_replay": [sealed_by_peer(vx6(f), 2)],
        "overlay.esp_auth": [Ether(bytes(flipped))],
        "overlay.esp_unknown_spi": [sealed_by_peer(vx6(f), 4, spi=0x7777)],
        "overlay.esp_inner": [sealed_by_peer(vx6(f, src="2001:db8:2::99"), 5)],
        "overlay.esp_malformed": [sealed_by_peer(v4, 7), Ether(bytes(cut))],
        "overlay.esp_required": [S.outer6(f)],
    }
    pkts = [sealed_by_peer(vx6(f), 2)] + [p for ps in cases.values() for p in ps]
    transit = Ether(src=S.PEER_MAC, dst=S.WAN_MAC) / IPv6(src=S.PEER, dst="2001:db8:1::77", nh=50) / \
        Raw(bytes(16))
    with Sxdp(ports(pkts + [transit]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, esp_in())
        st = dp.run_traffic()
        dp.stop()
        # the transit ESP goes to the underlay: the switch has no interface for it here
        expect_drops(st, dict({k: len(v) for k, v in cases.items()}, **{"switch.no_interface": 1}))
        expect_eq(dp.outputs()["p0"], [bytes(f)], "the good one alone bridged")


@R.test
def test_esp6_udp_encapsulated_peer_behind_a_nat():
    """UDP-encapsulated ESP over IPv6 both ways: sealed frames carry a UDP
    checksum (none is zero over IPv6); the peer's packet from another
    address and port (a NAT66, or the peer moved) opens, and what is sealed
    follows it there; a forged one from elsewhere moves nothing;
    overlay.sa.list shows the endpoint."""
    f_in = S.inner(S.MAC_R2, S.MAC_A, b"natt in")
    f_out = S.inner(payload=b"natt out")
    forged = sealed_by_peer(vx6(f_in), 8, natt=True, src="2001:db8:98::1", sport=40001)
    forged = Ether(bytes(forged)[:-1] + bytes([bytes(forged)[-1] ^ 1]))
    forged[UDP].chksum = None      # its checksum right: the ICV refuses it
    with Sxdp(ports([Ether(bytes(forged)), sealed_by_peer(vx6(f_in), 7, natt=True, src=NAT6, sport=40000)],
                    [f_out]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, esp_out(natt=True), esp_in(natt=True, path=PATH))
        st = dp.phase(["w0"])
        expect_drops(st, {"overlay.esp_auth": 1})
        eps = {s["dir"]: s.get("endpoint") for s in dp.rpc("overlay.sa.list")}
        dp.phase(["p0"])
        dp.stop()
        expect_eq(eps["out"], {"address": NAT6, "port": 40000}, "the endpoint where the good one came from")
        expect_eq(dp.outputs()["p0"], [bytes(f_in)], "opened and bridged")
        got = dp.outputs()["w0"]
        expect_eq(len(got), 1, "one sealed frame")
        e = Ether(got[0])
        expect_eq((e[IPv6].dst, e[UDP].sport, e[UDP].dport), (NAT6, 4500, 40000), "sent where the peer is now")
        _, dg, spi, _ = esp_opened(got[0], natt=True)
        expect_eq((spi, bytes(dg[VXLAN].payload)), (SPI_OUT, bytes(f_out)), "opened by scapy")


@R.test
def test_endpoint_kept_per_protocol():
    """Where UDP-encapsulated ESP showed the peer to be (a NAT66's mapping of
    its port 4500) is not where WireGuard's messages go once the path's
    cipher changed: the new inbound session shows none (sxcd follows what it
    shows), the outbound one seals to its own endpoint until one of its own
    messages shows another."""
    f_in = S.inner(S.MAC_R2, S.MAC_A, b"esp natt in")
    f_out = S.inner(payload=b"wg out")
    with Sxdp(ports([sealed_by_peer(vx6(f_in), 7, natt=True, src=NAT6, sport=40000)], [f_out]),
              pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, esp_out(natt=True), esp_in(natt=True, path=PATH), wg=True)
        expect_drops(dp.phase(["w0"]), {})
        esp_ep = next(s for s in dp.rpc("overlay.sa.list") if s["dir"] == "out")["endpoint"]
        dp.rpc("overlay.sa.del", {"id": 1})
        dp.rpc("overlay.sa.add", wg_in(sa_id=4))
        wg_in_ep = next(s for s in dp.rpc("overlay.sa.list") if s["id"] == 4).get("endpoint")
        dp.rpc("overlay.sa.add", wg_out(sa_id=3))
        wg_ep = next(s for s in dp.rpc("overlay.sa.list") if s["id"] == 3)["endpoint"]
        dp.phase(["p0"])
        dp.stop()
        expect_eq(esp_ep, {"address": NAT6, "port": 40000}, "ESP's endpoint: the NAT's mapping")
        expect_eq(wg_in_ep, None, "the inbound session's: none seen yet")
        expect_eq(wg_ep, {"address": S.PEER, "port": PEER_PORT}, "WireGuard's: its own")
        e, _, ctr, _ = wg_opened(dp.outputs()["w0"][0])
        expect_eq((e[IPv6].dst, e[UDP].dport, ctr), (S.PEER, PEER_PORT, 1), "sealed to the session's endpoint")


@R.test
def test_wg6_sealed_and_opened():
    """WireGuard over IPv6: data messages from the VTEP's port to the
    peer's, the UDP checksum right, counters 1 and 2, each opening into
    the IPv6 VXLAN datagram (padded to 16); tshark reads WireGuard. The
    third, 1,200 B of payload, is moved in its buffer for the outer headers
    (an IPv6 underlay's take 6 B more than the headroom encap leaves)."""
    frames = [S.inner(payload=b"secret payload %d" % i) for i in range(2)] + \
        [S.inner(payload=b"secret payload 2" + bytes(1184))]
    with Sxdp(ports([], frames), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, wg_out(), wg=True)
        expect_drops(dp.run_traffic(), {})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "sealed frames")
        for i, (f, g) in enumerate(zip(frames, got)):
            e, idx, ctr, pt = wg_opened(g)
            expect_eq((e[IPv6].src, e[IPv6].dst, e[UDP].sport, e[UDP].dport), (S.VTEP, S.PEER, WG_PORT, PEER_PORT),
                      "frame %d: outer headers" % i)
            expect_eq((idx, ctr, len(pt) % 16), (IDX_OUT, i + 1, 0), "frame %d: receiver, counter, padding" % i)
            dg = IPv6(pt)
            expect_eq((dg.src, dg.dst, dg[VXLAN].vni), (S.VTEP, S.PEER, S.VNI), "frame %d: the datagram" % i)
            expect_eq(bytes(dg[VXLAN].payload)[:len(bytes(f))], bytes(f), "frame %d: the inner frame" % i)
            expect(b"secret payload" not in g, "frame %d: nothing in clear" % i)
        expect_eq(sa["endpoint"], {"address": S.PEER, "port": PEER_PORT}, "overlay.sa.list: the endpoint")
        wg = T.tshark_fields(dp.out_path("w0"), ["wg.type", "wg.counter"])
        expect_eq([(int(t), int(c)) for t, c in wg], [(4, 1), (4, 2), (4, 3)], "tshark: WireGuard over IPv6")


@R.test
def test_wg6_opened_roams_and_refuses():
    """The peer's messages over IPv6 open and bridge; one from a new address
    and port moves where the session sends; an IPv4 datagram inside is
    wg_inner, a zero UDP checksum outer_cksum, a replay wg_replay."""
    fs = [S.inner(S.MAC_R2, S.MAC_A, b"wg6 in %d" % i) for i in range(2)]
    f_out = S.inner(payload=b"after the move")
    v4 = bytes(IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=4789) / VXLAN(vni=S.VNI, flags=8) / fs[0])
    zero = Ether(bytes(wg_msg(bytes(vx6(fs[0])), 9)))
    zero[UDP].chksum = 0
    pkts = [wg_msg(bytes(vx6(fs[0])), 0), wg_msg(bytes(vx6(fs[0])), 0), wg_msg(v4, 2), Ether(bytes(zero)),
            wg_msg(bytes(vx6(fs[1])), 3, src=NAT6, sport=40000)]
    with Sxdp(ports(pkts, [f_out]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, wg_out(), wg_in(), wg=True)
        st = dp.phase(["w0"])
        expect_drops(st, {"overlay.wg_replay": 1, "overlay.wg_inner": 1, "overlay.outer_cksum": 1})
        dp.phase(["p0"])
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f) for f in fs], "both opened and bridged")
        got = dp.outputs()["w0"]
        expect_eq(len(got), 1, "one sealed frame")
        e, _, _, pt = wg_opened(got[0])
        expect_eq((e[IPv6].dst, e[UDP].dport), (NAT6, 40000), "sent where the peer moved")
        expect_eq(bytes(IPv6(pt)[VXLAN].payload)[:len(bytes(f_out))], bytes(f_out), "opened")


@R.test
def test_wg6_handshakes_kept_and_sent():
    """A handshake initiation over IPv6 to the VTEP is kept for sxcd with
    its IPv6 source; overlay.wg.send puts sxcd's message out over IPv6 to
    the session's endpoint and to an IPv6 address given, each with its UDP
    checksum; an IPv4 destination on the IPv6 path is refused, nothing
    sent; a keepalive opens empty."""
    init = bytes([1, 0, 0, 0]) + b"\x5a" * 144
    hs = Ether(src=S.PEER_MAC, dst=S.WAN_MAC) / IPv6(src=NAT6, dst=S.VTEP) / UDP(sport=40000, dport=WG_PORT) / \
        Raw(init)
    with Sxdp(ports([hs]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp, wg_out(seq=41), wg=True)
        expect_drops(dp.run_traffic(), {})
        got_hs = dp.rpc("overlay.wg.recv")["messages"]
        dp.rpc("overlay.wg.send", {"path": PATH, "msg": init.hex()})
        dp.rpc("overlay.wg.send", {"path": PATH, "msg": init.hex(), "dst": "2001:db8:77::7", "dport": 1234})
        r = dp.rpc_raw("overlay.wg.send", {"path": PATH, "msg": init.hex(), "dst": "203.0.113.9", "dport": 1})
        expect_eq(r.get("error", {}).get("data", {}).get("reason"), "bad_value", "an IPv4 dst refused: %s" % r)
        dp.rpc("overlay.wg.keepalive", {"id": 1})
        wait_tx(dp, 3)
        dp.stop()
        expect_eq([(m["src"], m["sport"], m["dst"], m["msg"]) for m in got_hs],
                  [(NAT6, 40000, S.VTEP, init.hex())], "kept with its IPv6 source")
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "two handshake messages and a keepalive")
        for g, (dst, dport) in zip(got[:2], ((S.PEER, PEER_PORT), ("2001:db8:77::7", 1234))):
            e = Ether(g)
            ck = e[IPv6].copy()
            ck[UDP].chksum = None
            expect_eq((e[IPv6].src, e[IPv6].dst, e[UDP].sport, e[UDP].dport, bytes(e[UDP].payload)),
                      (S.VTEP, dst, WG_PORT, dport, init), "a handshake to %s" % dst)
            expect_eq(e[UDP].chksum, IPv6(bytes(ck))[UDP].chksum, "its UDP checksum")
        _, idx, ctr, pt = wg_opened(got[2])
        expect_eq((idx, ctr, pt), (IDX_OUT, 41, b""), "a keepalive")


@R.test
def test_sealed_ipv6_path_never_clear():
    """A path written sealed over IPv6 is taken (no more sealed_ipv6):
    before its first SA its frames are dropped (sa_missing) and the far
    end's clear datagrams refused (esp_required); nothing leaves clear."""
    f = S.inner(payload=b"never clear")
    with Sxdp(ports([S.outer6(S.inner(S.MAC_R2, S.MAC_A))], [f]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp)
        st = dp.run_traffic()
        dp.stop()
        expect_drops(st, {"overlay.sa_missing": 1, "overlay.esp_required": 1})
        expect_eq((dp.outputs()["w0"], dp.outputs()["p0"]), ([], []), "nothing through")


@R.test
def test_sa_family_checked():
    """An SA's two ends are of one family, and of its path's: each mix is
    refused by name, nothing added."""
    with Sxdp(ports([]), pipeline=S.PIPELINE, port_opts=S.PORTS) as dp:
        start(dp)
        for bad, where in ((dict(esp_out(), dst=S.PEER4), "/dst"),
                           (dict(esp_out(), src=S.VTEP4, dst=S.PEER4), "/path")):
            r = dp.rpc_raw("overlay.sa.add", bad)
            expect_eq((r.get("error", {}).get("data", {}).get("reason"), r.get("error", {}).get("data", {}).get("pointer")),
                      ("bad_value", where), "refused: %s" % r)
        expect_eq(dp.rpc("overlay.sa.list"), [], "nothing added")
        dp.stop()


@R.test
def test_takeover_keeps_ipv6_sessions():
    """sxdp --takeover hands IPv6 SAs over (their ends as text) with where
    the peer roamed to over IPv6: the new sxdp seals to the roamed endpoint
    from the counter the old one reached, and opens what the peer sends."""
    f_in = [S.inner(S.MAC_R2, S.MAC_A, b"in %d" % i) for i in range(2)]
    f_out = S.inner(payload=b"after")
    with Sxdp(ports([wg_msg(bytes(vx6(f_in[0])), 0, src=NAT6, sport=40000)]), pipeline=S.PIPELINE,
              port_opts=S.PORTS) as old:
        start(old, wg_out(), wg_in(), wg=True)
        expect_drops(old.run_traffic(), {})
        old.release(["p0"])
        before = {s["id"]: s for s in old.rpc("overlay.sa.list")}
        with Sxdp(ports([wg_msg(bytes(vx6(f_in[1])), 1, src=NAT6, sport=40000)], [f_out]),
                  pipeline=S.PIPELINE, port_opts=S.PORTS, takeover=old) as new:
            held = {s["id"]: s for s in new.rpc("overlay.sa.list")}
            expect_eq({i: (s["src"], s["dst"], s.get("endpoint")) for i, s in held.items()},
                      {i: (s["src"], s["dst"], s.get("endpoint")) for i, s in before.items()},
                      "the same ends and endpoint")
            expect_eq(held[1]["endpoint"], {"address": NAT6, "port": 40000}, "the roamed IPv6 endpoint kept")
            expect_drops(new.run_traffic(), {})
            new.stop()
            got = new.outputs()["w0"]
            expect_eq(len(got), 1, "sealed after the takeover")
            e, _, ctr, pt = wg_opened(got[0])
            expect_eq((e[IPv6].dst, e[UDP].dport, ctr), (NAT6, 40000, 1), "to the roamed endpoint")
            expect_eq(new.outputs()["p0"], [bytes(f_in[1])], "opened after the takeover")


if __name__ == "__main__":
    sys.exit(R.main())
