#!/usr/bin/python3
"""How close a meter holds its rate under real traffic, with one worker and
with two (its traffic spread over both, as RSS would): an RFC 4115 meter
(committed rate R, CBS 10 ms of R, no excess, red dropped) on the ingress
interface of a bridged slice, fed by net_pcap infinite_rx (two RX queues
with two workers, the workers sharing CPU 1 on a 2-CPU box) into a net_null
sink, at 64 B and IMIX (7:4:1 of 64, 594, 1518 bytes) for each rate. The
green bytes per second over a window (qos.meters, read before and after)
against R, in bits as the meter charges them (the frame without FCS).

    flock /tmp/bench.lock /usr/bin/python3 bench/meter_accuracy.py [--window S] [--rates R,...]

Prints one line per case and exits 1 when a case is off by more than
--tolerance percent (2 by default, the target)."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "packet"))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp  # noqa: E402
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

U = Sxdp.update
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


class ReplayQueues(T.Queues, T.Replay):
    """One port's input over several RX queues, replayed forever."""


def frames(sizes, n=256):
    out = []
    for i in range(n):
        size = sizes[i % len(sizes)]
        p = Ether(src=MAC_A, dst=MAC_B) / IP(src="10.0.0.1", dst="10.0.%d.%d" % (i >> 8, i & 255)) / \
            UDP(sport=1000 + i, dport=2000)
        out.append(p / Raw(b"\x00" * (size - len(p))))
    return out


def run(workers, rate, sizes, window):
    pkts = frames(sizes)
    src = ReplayQueues([pkts[w::workers] for w in range(workers)])
    cbs = max(3000, rate // 8 // 100)
    with Sxdp({"p0": src, "p1": []}, pipeline="switch", workers=workers, mbufs=16384,
              port_opts={"p1": {"devargs": "net_null1,no-rx=1"}}) as dp:
        dp.table_write([
            U("meters", {"id": 1}, "rfc4115", {"cir": rate, "cbs": cbs, "eir": 0, "ebs": 0}),
            U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10, "meter": 1}),
            U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 0}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"})])
        dp.release(["p0", "p1"])
        time.sleep(1.0)
        m0, t0 = dp.rpc("qos.meters")[0], time.monotonic()
        time.sleep(window)
        m1, t1 = dp.rpc("qos.meters")[0], time.monotonic()
        spread = [lc["rx_packets"] for lc in dp.stats()["lcores"] if lc.get("role") == "worker"]
        dp.port_admin("p0", False)
        dp.stop()
    green = (m1["green"]["bytes"] - m0["green"]["bytes"]) * 8 / (t1 - t0)
    offered = sum(m1[c]["bytes"] - m0[c]["bytes"] for c in ("green", "yellow", "red")) * 8 / (t1 - t0)
    if workers > 1 and not all(spread):
        raise SystemExit("meter_accuracy: traffic not spread over the workers: %s" % spread)
    return green, offered


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--window", type=float, default=3.0)
    ap.add_argument("--rates", default="1000000,100000000,1000000000")
    ap.add_argument("--tolerance", type=float, default=2.0)
    a = ap.parse_args()
    bad = 0
    for workers in (1, 2):
        for name, sizes in (("64B", [64]), ("IMIX", [64] * 7 + [594] * 4 + [1518])):
            for rate in (int(r) for r in a.rates.split(",")):
                green, offered = run(workers, rate, sizes, a.window)
                err = (green - rate) / rate * 100
                ok = abs(err) <= a.tolerance
                bad += not ok
                print("meter_accuracy: %d worker(s), %-4s, R %10.3f Mbit/s: green %10.3f Mbit/s (%+.2f %%), "
                      "offered %9.1f Mbit/s%s" % (workers, name, rate / 1e6, green / 1e6, err, offered / 1e6,
                                                  "" if ok else "  OFF"))
                sys.stdout.flush()
    print("meter_accuracy: %s (target +-%.0f %%; virtual source: net_pcap infinite_rx -> net_null, %d s windows)"
          % ("all within" if not bad else "%d case(s) off" % bad, a.tolerance, a.window))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
