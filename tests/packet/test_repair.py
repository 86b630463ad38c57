#!/usr/bin/python3
"""Loss repair per class (pipelines/overlay/datapath/ov_repair.h): a class
whose policy says `copies` leaves on that many paths at once, each copy
GENEVE with the repair option (stream, number); one whose policy says
`fec` carries an XOR parity after every block of k frames. At the far end
the first copy of each number is taken and the others removed by the
stream's window, a block's one lost frame is rebuilt from its parity, and
malformed, forged or late numbers are dropped by name, never delivered twice.

    /usr/bin/python3 tests/packet/test_repair.py [NAME-SUBSTRING ...]
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_overlay import (MAC_A, MAC_R, PEER, PEER_MAC, PEERS, PIPELINE, PORTS, TUN, VNI, VTEP, WAN_MAC,  # noqa: E402
                          paths_setup, setup)

R = T.Runner()
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update
OPT_CLASS, OPT_TYPE = 0xfff0, 0x81


def frame(i, size=0):
    return bytes(Ether(src=MAC_A, dst=MAC_R) / IP(src="10.1.0.1", dst="10.2.0.1") /
                 UDP(sport=1000 + i, dport=2000) / Raw(b"%04d" % i + b"z" * size))


def option(stream, seq, k=0, idx=0, lenx=0, cls=OPT_CLASS, typ=OPT_TYPE, words=3):
    return struct.pack(">HBBIIBBH", cls, typ, words, stream, seq, k, idx, lenx)


def geneve(inner, opts=b"", vni=VNI, src=PEER, crit=True):
    hdr = struct.pack(">BBHI", len(opts) // 4, 0x40 if crit and opts else 0, 0x6558, vni << 8)
    return Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=src, dst=VTEP) / UDP(sport=50000, dport=6081) / \
        Raw(hdr + opts + inner)


def host_frame(i, size=0):
    """site 2's host to site 1's (the fdb forwards MAC_A to p0)."""
    return bytes(Ether(src=MAC_R, dst=MAC_A) / IP(src="10.2.0.1", dst="10.1.0.1") /
                 UDP(sport=3000 + i, dport=4000) / Raw(b"r%04d" % i + b"y" * size))


def parse_out(o):
    """(outer dst, UDP dport, GENEVE option fields or None, inner frame) of a
    frame sent on w0 (IPv4 underlay)."""
    ip = IP(o[14:])
    udp = o[34:42]
    dport = struct.unpack(">H", udp[2:4])[0]
    g = o[42:]
    optlen = (g[0] & 0x3f) * 4
    opts, inner = g[8:8 + optlen], g[8 + optlen:]
    rep = None
    if len(opts) >= 16 and struct.unpack(">HB", opts[:3]) == (OPT_CLASS, OPT_TYPE):
        _, _, _, stream, seq, k, idx, lenx = struct.unpack(">HBBIIBBH", opts[:16])
        rep = {"stream": stream, "seq": seq, "k": k, "idx": idx, "lenx": lenx, "c": bool(g[1] & 0x40)}
    return ip.dst, dport, rep, inner


def xor_block(frames):
    n = max(len(f) for f in frames)
    out = bytearray(n)
    lenx = 0
    for f in frames:
        lenx ^= len(f)
        for i, b in enumerate(f):
            out[i] ^= b
    return bytes(out), lenx


@R.test
def test_duplicated_class_leaves_on_two_paths_numbered_alike():
    """copies 2 on a failover policy of paths 1 and 2 (static: up): every
    frame leaves on both, GENEVE (the tunnel says vxlan) with the critical
    repair option, both copies of a frame with one number of one stream,
    the inner frame untouched; copies counted, nothing dropped."""
    frames = [frame(i) for i in range(5)]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0"], {1: ("static", {}), 2: ("static", {})}) + [
            U("policies", {"tunnel": TUN, "class": 0}, "failover",
              {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "copies": 2})])
        st = dp.run_traffic()
        expect_drops(st, {})
        expect_eq(st["events"].get("overlay.dup_sent"), 5, "copies sent")
        dp.stop()
        outs = [parse_out(o) for o in dp.outputs()["w0"]]
        expect_eq(len(outs), 10, "two of each frame")
        by_seq = {}
        for dst, dport, rep, inner in outs:
            expect_eq(dport, 6081, "GENEVE")
            expect(rep is not None and rep["c"], "the repair option, C set")
            by_seq.setdefault(rep["seq"], []).append((dst, rep["stream"], inner))
        expect_eq(sorted(by_seq), list(range(5)), "numbers 0..4")
        streams = {s for v in by_seq.values() for _, s, _ in v}
        expect_eq(len(streams), 1, "one stream")
        for seq, v in by_seq.items():
            expect_eq(sorted(d for d, _, _ in v), sorted([PEERS[1], PEERS[2]]), "seq %d on both paths" % seq)
            expect_eq({i for _, _, i in v}, {frames[seq]}, "seq %d's inner frame as sent" % seq)


@R.test
def test_fec_class_sends_parity_after_each_block():
    """fec 4 (a fixed block): after frames 0..3 and 4..7 of differing
    lengths a parity leaves on the same path after them, numbered as its
    block's first, index 4, its bytes the XOR of the block's frames padded with zeros and
    its length field the XOR of their lengths; frame 8 waits in an open
    block."""
    frames = [frame(i, size=7 * i) for i in range(9)]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0"], {1: ("static", {})}) + [
            U("policies", {"tunnel": TUN, "class": 0}, "failover",
              {"p0": 1, "p1": 0, "p2": 0, "p3": 0, "fec": 4})])
        st = dp.run_traffic()
        expect_drops(st, {})
        expect_eq(st["events"].get("overlay.fec_sent"), 2, "parities sent")
        dp.stop()
        outs = [parse_out(o) for o in dp.outputs()["w0"]]
        data = {r["seq"]: (r, inner) for _, _, r, inner in outs if r["idx"] < r["k"]}
        par = sorted((r["seq"], r, inner) for _, _, r, inner in outs if r["idx"] == r["k"])
        expect_eq(sorted(data), list(range(9)), "frames numbered 0..8")
        for s, (r, inner) in data.items():
            expect_eq((r["k"], r["idx"], inner), (4, s % 4, frames[s]), "frame %d in its block" % s)
        expect_eq([p[0] for p in par], [0, 4], "parities of blocks 0 and 4")
        # each parity leaves after the frames it protects (the stage's
        # copies go after its burst): a far end rebuilds on its arrival
        order = [(r["seq"], r["idx"] == r["k"]) for _, _, r, _ in outs]
        for start, _, _ in par:
            expect(order.index((start, True)) > max(order.index((s, False)) for s in range(start, start + 4)),
                   "parity %d after its block's frames: %s" % (start, order))
        for start, r, inner in par:
            want, lenx = xor_block(frames[start:start + 4])
            expect_eq((r["k"], r["idx"], r["lenx"]), (4, 4, lenx), "parity %d's fields" % start)
            expect_eq(inner, want, "parity %d's bytes" % start)


def rx_setup():
    return setup(kind="geneve") + [U("peers", {"slice": 1, "ip": PEERS[2]}, "peer", {"tunnel": TUN})]


@R.test
def test_copies_taken_once_late_and_malformed_dropped_by_name():
    """Frames 0..5 of one stream, each from both of the peer's endpoints
    (the copy of 2 once more at the end): each reaches the host once,
    the copies dropped as dup_removed. A number a whole window older than
    the one its slot took is seq_late; the option malformed (a block of
    one, its length wrong), or an unknown critical option beside it, is
    dropped by name; a non-critical unknown option is skipped."""
    S = 0x1234abcd
    ins, want = [], []
    for i in range(6):
        f = host_frame(i)
        want.append(f)
        ins += [geneve(f, option(S, i), src=PEER), geneve(f, option(S, i), src=PEERS[2])]
    ins.append(geneve(host_frame(2), option(S, 2)))
    late_new = host_frame(1030)
    ins += [geneve(late_new, option(S, 1024 + 6)), geneve(host_frame(6), option(S, 6))]
    want.append(late_new)
    ins += [geneve(host_frame(90), option(S, 90, k=1)),
            geneve(host_frame(91), option(S, 91, words=2)[:12]),
            geneve(host_frame(92), option(S, 92) + option(S, 92, cls=0x0105, typ=0x80, words=0))]
    skip = host_frame(93)
    ins.append(geneve(skip, option(S, 93) + struct.pack(">HBB", 0x0105, 0x01, 0)))
    want.append(skip)
    with Sxdp({"p0": [], "p1": [], "w0": ins}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(rx_setup())
        st = dp.run_traffic()
        expect_drops(st, {"overlay.dup_removed": 7, "overlay.seq_late": 1, "overlay.repair_malformed": 2,
                          "overlay.geneve_critical": 1})
        dp.stop()
        expect_eq(sorted(dp.outputs()["p0"]), sorted(want), "each frame once at the host")


@R.test
def test_fec_rebuilds_one_lost_frame_of_a_block():
    """A block of 4 (numbers 10..13) whose frame 12 never came: its parity
    rebuilds it byte for byte, counted recovered; the original coming late
    after all is a copy (dup_removed). A block of 4 that lost two gives
    nothing back (fec_unrecoverable 2, its parity dropped as fec_parity);
    a parity whose length field no frame could have is refused the same way."""
    S = 0x55aa55aa
    blk = [host_frame(10 + i, size=9 * i) for i in range(4)]
    par, lenx = xor_block(blk)
    ins = [geneve(blk[i], option(S, 10 + i, k=4, idx=i)) for i in (0, 1, 3)]
    ins.append(geneve(par, option(S, 10, k=4, idx=4, lenx=lenx)))
    ins.append(geneve(blk[2], option(S, 12, k=4, idx=2)))
    blk2 = [host_frame(20 + i) for i in range(4)]
    par2, lenx2 = xor_block(blk2)
    ins += [geneve(blk2[i], option(S, 20 + i, k=4, idx=i)) for i in (0, 3)]
    ins.append(geneve(par2, option(S, 20, k=4, idx=4, lenx=lenx2)))
    blk3 = [host_frame(30 + i) for i in range(4)]
    par3, _ = xor_block(blk3)
    ins += [geneve(blk3[i], option(S, 30 + i, k=4, idx=i)) for i in (0, 1, 2)]
    ins.append(geneve(par3, option(S, 30, k=4, idx=4, lenx=9999)))
    with Sxdp({"p0": [], "p1": [], "w0": ins}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(rx_setup())
        st = dp.run_traffic()
        expect_drops(st, {"overlay.dup_removed": 1, "overlay.fec_parity": 2})
        expect_eq(st["events"].get("overlay.fec_recovered"), 1, "frames rebuilt")
        expect_eq(st["events"].get("overlay.fec_unrecoverable"), 3, "frames lost for good")
        dp.stop()
        got = dp.outputs()["p0"]
        expect_eq(sorted(got), sorted(blk + [blk2[0], blk2[3]] + blk3[:3]), "the block whole at the host")


if __name__ == "__main__":
    sys.exit(R.main())
