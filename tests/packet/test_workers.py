#!/usr/bin/python3
"""Packet tests of the switch pipeline with two workers on a two-CPU box.

    /usr/bin/python3 tests/packet/test_workers.py [NAME-SUBSTRING ...]

sxdp runs two worker lcores (the second shares CPU 1 with the first: config
lcores {"lcore": 2, "cpu": 1}); every port has two RX and two TX queues, one
pcap file each. sxdp deals the (port, queue) pairs round-robin to the workers,
so queue 0 of every port is read by worker 0 and queue 1 by worker 1; a test
chooses the worker that sees a frame by the queue it puts the frame on
(sxdptest.Queues), the way RSS spreads flows. Learning, MAC moves, unicast,
flooding, routing and ARP resolution must work whichever worker sees which
frame, and the counters must add up per worker (checked by the harness on
every quiescent box).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Queues, Sxdp, expect, expect_drops, expect_eq, expect_events  # noqa: E402

try:
    from scapy.all import ARP, IP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()
U = Sxdp.update

SLICE = 1
BD = 10
MEM_MB = 1024
BCAST = "ff:ff:ff:ff:ff:ff"
MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
ROUTER1 = "02:5e:00:00:01:fe"
ROUTER2 = "02:5e:00:00:02:fe"
H1 = "02:00:00:00:01:01"    # 10.0.1.10 in bd 10 on p0
H2 = "02:00:00:00:02:01"    # 10.0.2.10 in bd 20 on p1


def new_switch(ports):
    return Sxdp(ports, pipeline="switch", mem_mb=MEM_MB, workers=2)


def mask(dp, names):
    idx = [n for n, _ in dp.ports]
    return sum(1 << idx.index(n) for n in names)


def bd_updates(dp, bd, ports):
    ups = []
    for p in ports:
        ups.append(U("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": SLICE, "bd": bd}))
        ups.append(U("bd_ports", {"bd": bd, "port": p}, "member", {"vlan": 0}))
    ups.append(U("flood", {"bd": bd}, "flood", {"ports": mask(dp, ports)}))
    return ups


def udp(src, dst, sip, dip, n=0):
    return Ether(src=src, dst=dst) / IP(src=sip, dst=dip) / UDP(sport=1000 + n, dport=2000) / Raw(b"w%04d" % n)


def per_worker(st):
    """rx packets of each worker lcore, in lcore order."""
    return [lc["rx_packets"] for lc in st["lcores"] if lc["role"] == "worker"]


def fdb(dp):
    return {e["match"]["mac"].lower(): (e["action"], e["params"].get("port"))
            for e in dp.table_read("fdb")[0]}


@R.test
def test_learning_unicast_and_move_across_workers():
    # phase 1 (p0, p1): A speaks on worker 0, B on worker 1: both learned
    # phase 2 (p2): A and B talk to each other through p2's two queues, so
    #   each worker forwards to a MAC the other worker's event taught
    # phase 3 (p3): A moves to p3, seen by worker 1: a move of an entry that
    #   worker 0's event created
    a_hello = udp(MAC_A, BCAST, "10.0.0.1", "10.0.0.255")
    b_hello = udp(MAC_B, BCAST, "10.0.0.2", "10.0.0.255")
    to_b = [udp(MAC_C, MAC_B, "10.0.0.3", "10.0.0.2", n) for n in range(8)]
    to_a = [udp(MAC_C, MAC_A, "10.0.0.3", "10.0.0.1", n) for n in range(8)]
    a_moved = udp(MAC_A, BCAST, "10.0.0.1", "10.0.0.255", 99)
    with new_switch({"p0": Queues([[a_hello], []]), "p1": Queues([[], [b_hello]]),
                     "p2": Queues([to_b, to_a]), "p3": Queues([[], [a_moved]])}) as dp:
        dp.table_write(bd_updates(dp, BD, ["p0", "p1", "p2", "p3"]))
        st = dp.phase(["p0", "p1"], events={"switch.learn": 2})
        expect_eq(per_worker(st), [1, 1], "rx per worker after phase 1")
        expect_eq(fdb(dp), {MAC_A: ("learned", "p0"), MAC_B: ("learned", "p1")}, "fdb after phase 1")
        st = dp.phase(["p2"], events={"switch.learn": 3})
        expect_eq(per_worker(st), [9, 9], "rx per worker after phase 2")
        st = dp.phase(["p3"], events={"switch.mac_move": 1})
        expect_eq(fdb(dp)[MAC_A], ("learned", "p3"), "A after its move (seen by worker 1)")
        st = dp.wait_consumed()
        dp.stop()
        expect_drops(st, {})
        expect_events(st, {"switch.learn": 3, "switch.mac_move": 1}, only="switch.")
        expect(all(w > 0 for w in per_worker(st)), "both workers forwarded: %s" % per_worker(st))
        # hellos flood to the other members (p1..p3 / p0,p2,p3; A's move floods
        # to p0..p2); known unicast goes to the one learned port, in order per queue
        dp.expect_outputs({
            "p0": [b_hello, a_moved] + to_a,
            "p1": [a_hello, a_moved] + to_b,
            "p2": [a_hello, b_hello, a_moved],
            "p3": [a_hello, b_hello],
        }, unordered=True)


@R.test
def test_routing_and_arp_resolution_across_workers():
    # H1 (p0) routes to 10.0.2.10 (H2 on p1), unresolved: worker 0 punts, the
    # box asks by ARP on p1, H2's reply arrives on worker 1 (p1 queue 1) and
    # resolves the neighbour; then traffic from both workers is routed.
    first = udp(H1, ROUTER1, "10.0.1.10", "10.0.2.10", 0)
    routed0 = [udp(H1, ROUTER1, "10.0.1.10", "10.0.2.10", n) for n in range(1, 9)]
    routed1 = [udp(H2, ROUTER2, "10.0.2.10", "10.0.1.10", n) for n in range(1, 9)]
    reply = Ether(src=H2, dst=ROUTER2) / ARP(op=2, hwsrc=H2, psrc="10.0.2.10", hwdst=ROUTER2, pdst="10.0.2.1")
    with new_switch({"p0": Queues([[first], []]), "p1": Queues([[], [reply]]),
                     "p2": Queues([routed0, []]), "p3": Queues([[], routed1])}) as dp:
        ups = bd_updates(dp, 10, ["p0", "p2"]) + bd_updates(dp, 20, ["p1", "p3"])
        for bd, mac, ip, net in ((10, ROUTER1, "10.0.1.1", "10.0.1.0/24"), (20, ROUTER2, "10.0.2.1", "10.0.2.0/24")):
            ups += [U("svi", {"vrf": SLICE, "bd": bd}, "svi", {"mac": mac, "ip": ip, "plen": 24}),
                    U("fdb", {"bd": bd, "mac": mac}, "route"),
                    U("routes", {"vrf": SLICE, "dst": "%s/32" % ip}, "local"),
                    U("routes", {"vrf": SLICE, "dst": net}, "connected", {"bd": bd})]
        # H1 is known statically; H2 is left to ARP
        ups.append(U("neigh", {"vrf": SLICE, "ip": "10.0.1.10"}, "rewrite",
                     {"port": "p0", "vlan": 0, "dmac": H1, "smac": ROUTER1}))
        dp.table_write(ups)
        dp.phase(["p0"], events={"switch.arp_request": 1}, mempool=False)
        dp.phase(["p1"], events={"switch.neigh_learned": 1})
        st = dp.phase(["p2", "p3"])
        st = dp.wait_consumed()
        dp.stop()
        expect_drops(st, {})
        expect(all(w > 0 for w in per_worker(st)), "both workers routed: %s" % per_worker(st))

        def routed(p, smac, dmac):
            q = p.copy()
            q[Ether].src, q[Ether].dst = smac, dmac
            q[IP].ttl -= 1
            del q[IP].chksum
            return Ether(bytes(q))
        outs = dp.outputs()
        to_h2 = [bytes(routed(p, ROUTER2, H2)) for p in [first] + routed0]
        to_h1 = [bytes(routed(p, ROUTER1, H1)) for p in routed1]
        got_p1 = [f for f in outs["p1"] if Ether(f).type == 0x0800]
        arp_p1 = [f for f in outs["p1"] if Ether(f).type == 0x0806]
        expect_eq(sorted(got_p1), sorted(to_h2), "routed to H2 on p1 (the held packet and worker 0's)")
        expect_eq(len(arp_p1), 1, "one ARP request for 10.0.2.10 on p1")
        expect_eq(sorted(outs["p0"]), sorted(to_h1), "routed to H1 on p0 (worker 1's)")


if __name__ == "__main__":
    R.main()
