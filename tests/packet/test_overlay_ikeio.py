#!/usr/bin/python3
"""IKE's datagrams through sxdp for sxcd (ov_ikeio, overlay.ike.*): once sxcd takes IKE
(overlay.ike.listen), what comes to a VTEP on UDP 500, or on 4500 after the non-ESP marker, is
kept for it byte for byte (overlay.ike.recv: 16 a call, 'more' while some are left; the marker
taken off), ESP and NAT keepalives on 4500 are not IKE, IKE to an address that is no VTEP is the
underlay's; one too short is ike_malformed, past 64 kept ike_overrun; before listen nothing is
punted, and turning it off lets go of what is held. overlay.ike.send puts sxcd's message on a path's underlay from
the VTEP's 500, or 4500 with the marker first, to the far end or the address given; bad ones are
refused and send nothing.
    /usr/bin/python3 tests/packet/test_overlay_ikeio.py [NAME-SUBSTRING ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402
try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
except ImportError as e:
    print("SKIP: %s (install python3-scapy, run with /usr/bin/python3)" % e)
    sys.exit(77)
import topo_overlay as O  # noqa: E402  (one site, one peer, one path)

R = T.Runner()


def ike(n, port=500, sport=500, fill=1, dst=O.VTEP, marker=True):
    """An IKE-looking message of @n bytes to @dst:@port (4500: after the marker)."""
    body = bytes([fill & 0xff]) * n
    pre = b"\0\0\0\0" if port == 4500 and marker else b""
    return Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=dst) / UDP(sport=sport, dport=port) / \
        Raw(pre + body)


def recv_all(dp):
    got, more = [], True
    while more:
        r = dp.rpc("overlay.ike.recv")
        expect(len(r["messages"]) <= 16, "at most 16 a call")
        got += r["messages"]
        more = r["more"]
    return got


@R.test
def test_kept_for_sxcd_once_it_listens():
    first = [ike(60, fill=1), ike(300, port=4500, sport=4500, fill=2), ike(40, port=4500, sport=31337, fill=3)]
    esp = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=4500, dport=4500) / \
        Raw(b"\x00\x00\x10\x01" + b"\x00" * 40)
    keepalive = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / UDP(sport=4500, dport=4500) / \
        Raw(b"\xff")
    short = [ike(10), ike(20, port=4500, sport=4500)]
    transit = ike(60, dst="192.0.2.99")
    flood = [ike(50, sport=40000 + i, fill=i) for i in range(70)]
    with Sxdp({"p0": [], "p1": [], "w0": first + [esp, keepalive] + short + [transit] + flood},
              pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        expect_eq(dp.rpc("overlay.ike.listen", {"on": True}), {"on": True}, "listening")
        st = dp.run_traffic()
        # ESP and a NAT keepalive on 4500 are not IKE: with no SA here they are the underlay's, as
        # the one to an address that is no VTEP (w0 has no interface here: switch.no_interface)
        expect_drops(st, {"overlay.ike_malformed": 2, "overlay.ike_overrun": 3 + 70 - 64,
                          "switch.no_interface": 3})
        got = recv_all(dp)
        dp.stop()
        expect_eq(len(got), 64, "the 64 kept")
        expect_eq([(m["src"], m["sport"], m["dst"], m["dport"], m["msg"]) for m in got[:3]],
                  [(O.PEER, 500, O.VTEP, 500, (b"\x01" * 60).hex()), (O.PEER, 4500, O.VTEP, 4500, (b"\x02" * 300).hex()),
                   (O.PEER, 31337, O.VTEP, 4500, (b"\x03" * 40).hex())], "whole, the marker taken off")
        expect_eq([m["sport"] for m in got[3:]], [40000 + i for i in range(61)], "then the flood's, in order")


@R.test
def test_not_taken_before_listen_and_let_go_after():
    # no listen: IKE to the VTEP is not punted (the underlay's), nothing held
    with Sxdp({"p0": [], "p1": [], "w0": [ike(60)]}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        st = dp.run_traffic()
        expect_eq(st["events"].get("overlay.ike_message", 0), 0, "none punted")
        expect_eq(recv_all(dp), [], "none held")
        dp.stop()
    # held, then listen off: what was held is let go
    with Sxdp({"p0": [], "p1": [], "w0": [ike(60), ike(70)]}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        dp.rpc("overlay.ike.listen", {"on": True})
        st = dp.run_traffic()
        expect_eq(st["events"].get("overlay.ike_message", 0), 2, "two held")
        dp.rpc("overlay.ike.listen", {"on": False})
        expect_eq(recv_all(dp), [], "let go once off")
        dp.stop()


@R.test
def test_sent_for_sxcd():
    msg = bytes(range(64))
    with Sxdp({"p0": [], "p1": [], "w0": []}, pipeline=O.PIPELINE, port_opts=O.PORTS) as dp:
        dp.table_write(O.setup())
        dp.rpc("overlay.ike.send", {"path": O.PATH, "msg": msg.hex(), "sport": 500, "dport": 500})
        dp.rpc("overlay.ike.send", {"path": O.PATH, "msg": msg.hex(), "sport": 4500, "dport": 31337,
                                    "dst": "203.0.113.9"})
        for bad in ({"path": O.PATH, "msg": "00" * 10, "sport": 500, "dport": 500},
                    {"path": O.PATH, "msg": msg.hex(), "sport": 501, "dport": 500},
                    {"path": 999, "msg": msg.hex(), "sport": 500, "dport": 500},
                    {"path": O.PATH, "msg": "zz" * 40, "sport": 500, "dport": 500},
                    {"path": O.PATH, "msg": msg.hex(), "sport": 500}):
            r = dp.rpc_raw("overlay.ike.send", bad)
            expect("error" in r, "refused: %s -> %s" % (bad, r))
        deadline = T.time.monotonic() + 10
        while T.time.monotonic() < deadline and \
                next(p for p in dp.rpc("port.stats")["ports"] if p["name"] == "w0")["tx_packets"] < 2:
            T.time.sleep(0.05)
        dp.stop()
        got = dp.outputs()["w0"]
        expect_eq(len(got), 2, "two sent, nothing of the refused")
        a, b = Ether(got[0]), Ether(got[1])
        expect_eq((a[IP].src, a[IP].dst, a[UDP].sport, a[UDP].dport, bytes(a[UDP].payload)),
                  (O.VTEP, O.PEER, 500, 500, msg), "from 500 to the path's far end")
        expect_eq((b[IP].dst, b[UDP].sport, b[UDP].dport, bytes(b[UDP].payload)),
                  ("203.0.113.9", 4500, 31337, b"\0\0\0\0" + msg), "from 4500: the marker first")


if __name__ == "__main__":
    sys.exit(R.main())
