#!/usr/bin/python3
"""The overlay's WireGuard sessions in sxdp (whitepaper 5.4.6), checked
against an independent implementation of the data message (python3-
cryptography's ChaCha20-Poly1305): what sxdp seals on a path opens into
the VXLAN datagram the clear path carries, numbered from the session's
counter; what the peer seals sxdp opens and bridges into the slice. Every
refusal is a named drop, counted exactly: a replay, a tag that does not
verify, an unknown index, a malformed message, a datagram not between the
session's VTEPs, a keepalive, a clear datagram from the peer. Handshake
messages to a VTEP are kept for sxcd (overlay.wg.recv), a flood of them
dropped by name past what is kept. The peer roams: its authenticated
packets from elsewhere move where sxdp sends. A path that must be
encrypted sends nothing clear while it has no session.

    /usr/bin/python3 tests/packet/test_overlay_wg.py [NAME-SUBSTRING ...]
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: E402
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError as e:
    print("SKIP: %s (install python3-cryptography and python3-scapy, run with /usr/bin/python3)" % e)
    sys.exit(77)

import topo_overlay as O  # noqa: E402  (one site, one peer, one path)

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): overlay.encap's walks, encrypted paths' frames left
# to be sealed after them, compared before the one seal
os.environ.setdefault("SXDP_FAST_CHECK", "1")

KEY_OUT = bytes(range(0x20, 0x40))
KEY_IN = bytes(range(0x80, 0xa0))
IDX_OUT, IDX_IN = 0x11223344, 0x0a0b0c0d     # the peer's index, ours
WG_PORT, PEER_PORT = 51820, 51821


def wg_out(sa_id=1, idx=IDX_OUT, key=KEY_OUT, seq=1, dport=PEER_PORT):
    return {"id": sa_id, "dir": "out", "spi": idx, "cipher": "wireguard", "key": key.hex(), "src": O.VTEP,
            "dst": O.PEER, "path": O.PATH, "seq": seq, "natt_sport": WG_PORT, "natt_dport": dport}


def wg_in(sa_id=2, idx=IDX_IN, key=KEY_IN):
    return {"id": sa_id, "dir": "in", "spi": idx, "cipher": "wireguard", "key": key.hex(), "src": O.PEER,
            "dst": O.VTEP, "path": O.PATH}


def msg(datagram, ctr, key=KEY_IN, idx=IDX_IN, sport=PEER_PORT, src=O.PEER, dst=O.VTEP):
    """The peer's data message carrying @datagram (bytes: an IP packet, or b'': a keepalive)."""
    p = datagram + b"\0" * (-len(datagram) % 16)
    ct = ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", ctr), p, b"")
    return Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=src, dst=dst) / UDP(sport=sport, dport=WG_PORT) / \
        Raw(struct.pack("<BxxxIQ", 4, idx, ctr) + ct)


def opened(frame, key=KEY_OUT):
    """(outer IP, receiver, counter, the datagram) of a data message sxdp sent."""
    e = Ether(frame)
    body = bytes(e[UDP].payload)
    t, idx, ctr = struct.unpack("<BxxxIQ", body[:16])
    expect_eq(t, 4, "a data message")
    pt = ChaCha20Poly1305(key).decrypt(b"\0" * 4 + struct.pack("<Q", ctr), body[16:], b"")
    return e, idx, ctr, pt


def vx(frame):
    return bytes(O.outer(frame)[IP])


def setup(dp, *sas, listen=True):
    dp.table_write(O.setup())
    if listen:
        dp.rpc("overlay.wg.listen", {"port": WG_PORT})
    for p in sas:
        dp.rpc("overlay.sa.add", p)


@R.test
def test_sealed_and_opened_by_an_independent_implementation():
    """Frames to the peer leave w0 as WireGuard data messages from the
    VTEP's port 51820 to the peer's 51821, receiver the peer's index,
    counters 1, 2, 3; each opens into the clear path's datagram, padded to
    16 bytes; tshark dissects WireGuard; nothing of the inner frame shows."""
    frames = [O.inner(O.MAC_A, O.MAC_R, b"secret payload %d" % i, tos=0xb9) for i in range(3)]
    with Sxdp({"p0": frames, "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        setup(dp, wg_out())
        st = dp.run_traffic()
        expect_drops(st, {})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "sealed frames on w0")
        for i, (f, g) in enumerate(zip(frames, got)):
            e, idx, ctr, pt = opened(g)
            expect_eq((e.src, e.dst, e[IP].src, e[IP].dst, e[UDP].sport, e[UDP].dport, int(e[IP].flags)),
                      (O.WAN_MAC, O.GW_MAC, O.VTEP, O.PEER, WG_PORT, PEER_PORT, 2), "frame %d: outer headers" % i)
            expect_eq((idx, ctr), (IDX_OUT, i + 1), "frame %d: receiver and counter" % i)
            expect(b"secret payload" not in g, "frame %d: no inner byte in clear" % i)
            dg = IP(pt)
            expect_eq(len(pt) % 16, 0, "frame %d: padded to 16" % i)
            expect_eq((dg.src, dg.dst, dg[UDP].dport, dg[VXLAN].vni), (O.VTEP, O.PEER, 4789, O.VNI),
                      "frame %d: a VXLAN datagram between the VTEPs" % i)
            expect_eq(bytes(dg[VXLAN].payload)[:len(bytes(f))], bytes(f), "frame %d: the inner frame" % i)
            expect_eq(e[IP].tos, 1, "frame %d: the datagram's ECN outside too" % i)
        expect_eq((sa["packets"], sa["cipher"], sa["counter"], sa["endpoint"]),
                  (3, "wireguard", 4, {"address": O.PEER, "port": PEER_PORT}), "overlay.sa.list")
        wg = T.tshark_fields(dp.out_path("w0"), ["wg.type", "wg.receiver", "wg.counter"])
        expect_eq([(int(t), int(r, 0), int(c)) for t, r, c in wg],
                  [(4, IDX_OUT, 1), (4, IDX_OUT, 2), (4, IDX_OUT, 3)], "tshark: WireGuard data")


@R.test
def test_takeover_carries_the_sessions_over():
    """sxdp --takeover hands its WireGuard sessions to the new sxdp: the
    same ids and indices; the outbound counter goes on from the old
    process's; the inbound window is kept (a counter taken before is a
    replay, one never seen is opened); the port it listens on and where
    the peer roamed to are kept (its messages are taken before the control
    plane says anything, answers go to its new port); no key is logged."""
    out1 = [O.inner(O.MAC_A, O.MAC_R, b"before %d" % i) for i in range(2)]
    out2 = [O.inner(O.MAC_A, O.MAC_R, b"after %d" % i) for i in range(2)]
    roamed = PEER_PORT + 7

    def f(i):
        return O.inner(O.MAC_R2, O.MAC_A, b"in %d" % i)

    in1 = [msg(vx(f(i)), i, sport=roamed) for i in (1, 3)]
    in2 = [msg(vx(f(i)), i, sport=roamed) for i in (3, 2, 4)]   # a replay, never seen, new
    with Sxdp({"p0": [], "p1": [], "w0": in1}, pipeline=O.PIPELINE, port_opts=O.PORTS) as old:
        setup(old, wg_out(), wg_in())
        expect_drops(old.run_traffic(), {})
        # what leaves once the peer roamed
        old.release(["p0"])
        before = {s["id"]: s for s in old.rpc("overlay.sa.list")}
        with Sxdp({"p0": out1 + out2, "p1": [], "w0": in2}, pipeline=O.PIPELINE, port_opts=O.PORTS,
                  takeover=old) as new:
            held = {s["id"]: s for s in new.rpc("overlay.sa.list")}
            expect_eq({i: (s["spi"], s["dir"], s["packets"], s.get("endpoint")) for i, s in held.items()},
                      {i: (s["spi"], s["dir"], s["packets"], s.get("endpoint")) for i, s in before.items()},
                      "the new sxdp holds the same sessions, counters and endpoint")
            expect_eq(held[1]["endpoint"], {"address": O.PEER, "port": roamed}, "the peer's roamed port kept")
            expect_drops(new.run_traffic(), {"overlay.wg_replay": 1})
            after = {s["id"]: s for s in new.rpc("overlay.sa.list")}
            new.stop()
            got = new.outputs()["w0"]
            expect_eq(len(got), 4, "sealed frames after the takeover")
            for i, (fr, g) in enumerate(zip(out1 + out2, got)):
                e, idx, ctr, pt = opened(g)
                expect_eq((idx, ctr, e[UDP].dport), (IDX_OUT, i + 1, roamed), "frame %d: counter, port" % i)
                expect_eq(bytes(IP(pt)[VXLAN].payload)[:len(bytes(fr))], bytes(fr), "frame %d opened" % i)
            expect_eq(new.outputs()["p0"], [bytes(f(i)) for i in (2, 4)], "opened after: the window kept")
            expect_eq((after[1]["counter"], after[2]["packets"], after[2]["replay"]), (5, 4, 1),
                      "the counter and counters went on")
            for dp in (old, new):
                for k in (KEY_OUT, KEY_IN):
                    expect(k[:16].hex() not in dp.log().lower(), "no key in the log")


@R.test
def test_opened_and_bridged():
    """Data messages the peer sealed (counter 0, the first, and 7) are
    opened and their inner frames bridged into bd 10 byte for byte."""
    f1 = O.inner(O.MAC_R2, O.MAC_A, b"from site 2 over WireGuard")
    f2 = O.inner(O.MAC_R2, O.MAC_A, b"and another")
    with Sxdp({"p0": [], "p1": [], "w0": [msg(vx(f1), 0), msg(vx(f2), 7)]}, pipeline=O.PIPELINE,
              port_opts=O.PORTS) as dp:
        setup(dp, wg_in())
        st = dp.run_traffic()
        expect_drops(st, {})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f1), bytes(f2)], "p0 got the inner frames")
        expect_eq((sa["packets"], sa["replay"], sa["auth"]), (2, 0, 0), "the session's counters")


@R.test
def test_refusals_are_named():
    """A counter seen, or left of the 8000-message window; a tag that does
    not verify (a flipped byte, a wrong key); an index of no session; a
    message cut short, of another type or with reserved bytes set; a
    datagram not between the session's VTEPs; a fragment of a tunnel
    datagram (sealed_fragment, not wg_inner); a keepalive (discarded once
    verified); a clear datagram from the peer: each dropped by name, only
    the good ones reach the slice. WireGuard to an address that is no
    VTEP is the underlay's."""
    f = O.inner(O.MAC_R2, O.MAC_A, b"x")
    good = [msg(vx(f), 10000), msg(vx(f), 20000)]
    flipped = bytearray(bytes(msg(vx(f), 20001)))
    flipped[-20] ^= 1
    cut = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=PEER_PORT, dport=WG_PORT) / \
        Raw(bytes(msg(vx(f), 20002)[UDP].payload)[:16 + 15])
    wrong_type = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / \
        UDP(sport=PEER_PORT, dport=WG_PORT) / Raw(b"\x07\0\0\0" + b"\0" * 40)
    reserved = bytearray(bytes(msg(vx(f), 20003)))
    reserved[14 + 20 + 8 + 1] = 1
    spoof = msg(bytes(O.outer(f, src="198.51.100.99")[IP]), 20004)
    # the first fragment of a tunnel datagram (the peer's VXLAN device above wg0's MTU): named, not wg_inner
    first = O.outer(f)[IP].copy()
    first.flags = "MF"
    fragment = msg(bytes(first), 20009)
    cases = {
        "overlay.wg_replay": [msg(vx(f), 20000), msg(vx(f), 10000), msg(vx(f), 20000 - 8100)],
        "overlay.wg_auth": [Ether(bytes(flipped)), msg(vx(f), 20005, key=KEY_OUT)],
        "overlay.wg_unknown_index": [msg(vx(f), 20006, idx=0x77777777)],
        "overlay.wg_malformed": [cut, wrong_type, Ether(bytes(reserved))],
        "overlay.wg_inner": [spoof],
        "overlay.sealed_fragment": [fragment],
        "overlay.wg_keepalive": [msg(b"", 20007)],
        "overlay.esp_required": [O.outer(f)],
        # not to a VTEP: the underlay's (w0 has no interface here: switch.no_interface)
        "switch.no_interface": [msg(vx(f), 20008, dst="192.0.2.99")],
    }
    pkts = good + [p for v in cases.values() for p in v]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        setup(dp, wg_in())
        st = dp.run_traffic()
        expect_drops(st, {k: len(v) for k, v in cases.items()})
        sa = dp.rpc("overlay.sa.list")[0]
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f), bytes(f)], "only the two good ones reached the slice")
        # the spoofed datagram and the keepalive verified before they were judged
        expect_eq((sa["packets"], sa["replay"], sa["auth"], sa["malformed"]), (5, 3, 2, 1), "the session's counters")


@R.test
def test_hostile_data_messages():
    """A valid message, then it cut at every length, each byte flipped,
    garbage after it, noise after a good header: nothing crashes, each is
    dropped by name (no internal verdict), no mbuf lost, only the valid one
    reaches the slice."""
    import random
    rnd = random.Random(51820)
    f = O.inner(O.MAC_R2, O.MAC_A, b"hostile")
    good = bytes(msg(vx(f), 5))

    def with_len(b, n):
        ip = IP(b[14:])
        ip.len = n
        ip.chksum = None
        ip[UDP].len = n - 20
        return b[:14] + bytes(ip)[:28] + b[42:]

    hostile = [good[:cut] for cut in range(14 + 20, len(good))]
    hostile += [with_len(good[:cut], cut - 14) for cut in range(14 + 28, len(good), 3)]
    for i in range(14, len(good)):
        b = bytearray(good)
        b[i] ^= 0x5a
        hostile.append(bytes(b))
    for _ in range(50):
        n = rnd.randrange(1, 200)
        hostile.append(bytes(Ether(good[:14]) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=PEER_PORT, dport=WG_PORT) /
                             Raw(good[42:58] + bytes(rnd.getrandbits(8) for _ in range(n)))))
    pkts = [Ether(good)] + [Ether(h) for h in hostile]
    with Sxdp({"p0": [], "p1": [], "w0": pkts}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        setup(dp, wg_in())
        st = dp.run_traffic()
        drops = T.drops_of(st)
        sa = dp.rpc("overlay.sa.list")[0]
        hs = dp.rpc("overlay.wg.recv")
        dp.stop()
        expect_eq(dp.outputs()["p0"], [bytes(f)], "only the valid message reached the slice")
        # a flipped type byte may make a handshake message of the right
        # length: kept for sxcd, which judges it; none of these has one
        expect_eq(hs["messages"], [], "no handshake message among them")
        expect_eq(sum(drops.values()), len(hostile), "every hostile frame dropped: %s" % drops)
        expect(not any(k.startswith("core.") for k in drops), "no internal verdict: %s" % drops)
        expect_eq(sa["packets"], 1, "the session took the valid one only: %s" % sa)


@R.test
def test_handshakes_kept_for_sxcd():
    """An initiation, a response and a cookie reply to the VTEP are kept,
    byte for byte with where they came from, for overlay.wg.recv (32 a
    call, 'more' while some are left); one of a wrong length is
    wg_malformed; past 256 kept, wg_handshake_overrun."""
    def hs(t, n, sport=PEER_PORT, fill=0):
        return Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / \
            UDP(sport=sport, dport=WG_PORT) / Raw(bytes([t, 0, 0, 0]) + bytes([fill & 0xff]) * (n - 4))
    three = [hs(1, 148, fill=1), hs(2, 92, fill=2), hs(3, 64, fill=3)]
    flood = [hs(1, 148, sport=40000 + i, fill=i) for i in range(300)]
    with Sxdp({"p0": [], "p1": [], "w0": three + [hs(1, 100)] + flood}, pipeline=O.PIPELINE,
              port_opts=O.PORTS) as dp:
        setup(dp)
        st = dp.run_traffic()
        expect_drops(st, {"overlay.wg_malformed": 1, "overlay.wg_handshake_overrun": 300 + 3 - 256})
        got, more = [], True
        while more:
            r = dp.rpc("overlay.wg.recv")
            expect(len(r["messages"]) <= 32, "at most 32 a call")
            got += r["messages"]
            more = r["more"]
        dp.stop()
        expect_eq(len(got), 256, "the 256 kept")
        expect_eq([(m["src"], m["sport"], m["dst"], m["msg"]) for m in got[:3]],
                  [(O.PEER, PEER_PORT, O.VTEP, bytes(p[UDP].payload).hex()) for p in three], "the first three, whole")
        expect_eq([m["sport"] for m in got[3:]], [40000 + i for i in range(253)], "then the flood's, in order")


@R.test
def test_the_peer_roams():
    """An authenticated message from another port of the peer moves where
    the session sends (and overlay.sa.list says so); an unauthenticated one
    from elsewhere moves nothing."""
    f_in = O.inner(O.MAC_R2, O.MAC_A, b"roam")
    out_f = O.inner(O.MAC_A, O.MAC_R, b"after")
    forged = Ether(bytes(msg(vx(f_in), 2, sport=40001)))
    forged_b = bytearray(bytes(forged))
    forged_b[-1] ^= 1
    with Sxdp({"p0": [out_f], "p1": [], "w0": [Ether(bytes(forged_b)), msg(vx(f_in), 1, sport=40000)]},
              pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        setup(dp, wg_out(), wg_in())
        dp.phase(["w0"])
        eps = {s["dir"]: s.get("endpoint") for s in dp.rpc("overlay.sa.list")}
        dp.phase(["p0"])
        dp.stop()
        expect_eq(eps, {"in": {"address": O.PEER, "port": 40000}, "out": {"address": O.PEER, "port": 40000}},
                  "the endpoint is where the authenticated one came from")
        got = dp.outputs()["w0"]
        expect_eq(len(got), 1, "one sealed frame")
        expect_eq(Ether(got[0])[UDP].dport, 40000, "sent where the peer is now")


@R.test
def test_session_past_its_lifetime():
    """A session given REJECT_AFTER_TIME as its hard lifetime (sxcd does)
    neither seals nor opens past it, sxcd there or not: overlay.sa_expired
    for the path's frame and for the peer's message."""
    f_out = O.inner(O.MAC_A, O.MAC_R, b"too late out")
    f_in = O.inner(O.MAC_R2, O.MAC_A, b"too late in")
    with Sxdp({"p0": [f_out], "p1": [], "w0": [msg(vx(f_in), 0)]}, pipeline=O.PIPELINE,
              port_opts=O.PORTS) as dp:
        setup(dp, dict(wg_out(), lifetime_ms=300), dict(wg_in(), lifetime_ms=300))
        O.after_sas_expired(dp)


@R.test
def test_a_required_path_is_never_clear():
    """overlay.sa.require: without an outbound session the path's frames
    are dropped (overlay.sa_missing), none leaves clear; when its session
    is deleted, they are dropped again, not sent clear."""
    fr = [O.inner(O.MAC_A, O.MAC_R, b"p0"), O.inner(O.MAC_B, O.MAC_R, b"p1")]
    tables = O.setup_p1_in_bd10()
    with Sxdp({"p0": fr[:1], "p1": fr[1:], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(tables)
        dp.rpc("overlay.wg.listen", {"port": WG_PORT})
        dp.rpc("overlay.sa.require", {"path": O.PATH, "required": True})
        st = dp.phase(["p0"])
        expect_drops(st, {"overlay.sa_missing": 1})
        dp.rpc("overlay.sa.add", wg_out())
        dp.rpc("overlay.sa.del", {"id": 1})
        st = dp.phase(["p1"])
        expect_drops(st, {"overlay.sa_missing": 2})
        dp.rpc("overlay.sa.require", {"path": O.PATH, "required": False})
        dp.stop()
        expect_eq(dp.outputs()["w0"], [], "nothing left on the path, clear or not")


@R.test
def test_sent_for_sxcd_and_keepalive():
    """overlay.wg.send puts sxcd's handshake message on the path's underlay
    from the box's port to the session's endpoint (or to the one given);
    overlay.wg.keepalive sends an empty data message the peer opens; bad
    messages are refused and send nothing."""
    init = bytes([1, 0, 0, 0]) + b"\x5a" * 144
    with Sxdp({"p0": [], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        setup(dp, wg_out(seq=41))
        dp.rpc("overlay.wg.send", {"path": O.PATH, "msg": init.hex()})
        dp.rpc("overlay.wg.send", {"path": O.PATH, "msg": init.hex(), "dst": "203.0.113.9", "dport": 1234})
        dp.rpc("overlay.wg.keepalive", {"id": 1})
        for bad in ({"path": O.PATH, "msg": "00" * 148}, {"path": O.PATH, "msg": "01" * 100},
                    {"path": 999, "msg": init.hex()}, {"path": O.PATH, "msg": "zz" * 148}):
            r = dp.rpc_raw("overlay.wg.send", bad)
            expect("error" in r, "refused: %s -> %s" % (bad, r))
        deadline = T.time.monotonic() + 10
        while T.time.monotonic() < deadline and \
                next(p for p in dp.rpc("port.stats")["ports"] if p["name"] == "w0")["tx_packets"] < 3:
            T.time.sleep(0.05)
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 3, "two handshake messages and a keepalive")
        a, b = Ether(got[0]), Ether(got[1])
        expect_eq((a[IP].src, a[IP].dst, a[UDP].sport, a[UDP].dport, bytes(a[UDP].payload)),
                  (O.VTEP, O.PEER, WG_PORT, PEER_PORT, init), "to the session's endpoint")
        expect_eq((b[IP].dst, b[UDP].dport), ("203.0.113.9", 1234), "to the one given")
        e, idx, ctr, pt = opened(got[2])
        expect_eq((idx, ctr, pt), (IDX_OUT, 41, b""), "a keepalive: the next counter, nothing in it")


if __name__ == "__main__":
    sys.exit(R.main())
