#!/usr/bin/python3
"""The UPF at scale: table memory per session, and session writes under
traffic.

  1. Memory. sxdp (pipeline n6 switch + n3 upf, bench/run.sh's upf_dl
     ports) starts with its session tables sized for 1,024 sessions, then
     for N (default 1,048,576) and N of them programmed, each an uplink
     (sessions_uplink, by TEID) and a downlink (sessions_downlink, by UE)
     entry, each with its own termination and URR. What a session costs is
     the difference over N, split into what DPDK's heap holds (the tables'
     entries, their indexes, the URR counters: what workers read) and the
     process's own memory (the control side: each entry's control record
     and its index), read from DPDK telemetry (/eal/heap_info) and
     /proc/PID/status (VmRSS). --ipv4v6: every session is IPv4v6, its /64
     in sessions_downlink6 as well (a third entry).
  2. Writes. With the N sessions resident and the upf_dl traffic running
     (bench/run.sh upf_dl --flows N: 65,536 packets over every 16th session,
     replayed without end), the sessions the traffic does not use are
     deleted, inserted and modified, both their entries, in
     dataplane-atomic batches of B updates, for S seconds. It prints
     session writes/s (one update of one session entry each) and checks
     that no packet of the traffic was lost: the source's packets all left
     the sink's port, no drop, every sessions_downlink lookup hit.

    flock /tmp/bench.lock bench/upf_scale.py [--sessions N] [--seconds S] [--batch B] [--ipv4v6]

Needs root (hugepages), and bench/run.sh's input for upf_dl --flows N
(generated on first use).
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Box as Sxdp, die, hugepages, scenario_input, traffic_loss  # noqa: E402


def Box(pcap, size, mbufs, v6):
    """sxdp with bench/run.sh's upf_dl ports (p0 the source, admin down; p1
    the sink) and its session tables sized for size sessions."""
    return Sxdp({
        "lcores": {"main": 0, "workers": [1]}, "mbufs": mbufs,
        "pipeline": {"n3": "upf", "n6": "switch"},
        # room beyond the sessions: a dataplane-atomic modify gives its
        # new entry a slot of its own until the batch commits
        "table_sizes": {"sessions_uplink": size + 16384, "sessions_downlink": size + 16384,
                        "sessions_downlink6": (size if v6 else 1024) + 16384},
        "ports": [{"name": "p0", "role": "n6", "admin": "down", "rx_queues": 1,
                   "devargs": "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap},
                  {"name": "p1", "role": "n3", "rx_queues": 1, "devargs": "net_null0,no-rx=1"}],
    }, tag="upfs%d" % size)


def ue(i):
    return socket.inet_ntoa((0x0a400000 + i).to_bytes(4, "big"))


def ue6(i):
    return "2001:db8:%x:%x::" % (i >> 16, i & 0xffff)


def session_updates(i, kind="insert", v6=False):
    """Session i's entries: uplink by TEID, downlink by UE (and by its /64)."""
    sid = i + 1
    ul = {"id": sid, "ue": ue(i), "slice": 1, "ohr": 0, "urr": 2 * sid - 1}
    dl = {"id": sid, "peer": 1 + i % 4, "teid": 0x20000 + i, "qfi": 9 if kind != "modify" else 5, "urr": 2 * sid}
    dl6 = [("sessions_downlink6", {"slice": 1, "ue": ue6(i)})] if v6 else []
    keys = [("sessions_uplink", {"iface": 1, "teid": 0x10000 + i}),
            ("sessions_downlink", {"slice": 1, "ue": ue(i)})] + dl6
    if kind == "delete":
        return [{"type": "delete", "table": t, "match": m} for t, m in keys]
    return [{"type": kind, "table": t, "match": m, "action": "fwd_n6" if t == "sessions_uplink" else "encap_n3",
             "params": ul if t == "sessions_uplink" else dl} for t, m in keys]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=1 << 20)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--ipv4v6", action="store_true", help="IPv4v6 sessions: a sessions_downlink6 entry each too")
    a = ap.parse_args()
    v6 = a.ipv4v6
    per = 3 if v6 else 2   # entries a session
    n = a.sessions
    if n % 65536 or n < 65536:
        die("--sessions is a multiple of 65536 (the traffic takes every (N/65536)th session)")
    pcap, entries = scenario_input("upf_dl", n)
    base_ups = [u for u in entries if u["table"] not in ("sessions_downlink",)]
    mbufs = 65536 + 65536
    # the pool, the tables (about 1 KB a session with their shadows) and room
    hugepages(int((mbufs * 2304 + n * 512 * per) / (2 << 20)) + 512)

    # ---- 1. memory
    small = Box(pcap, 1024, mbufs, v6)
    small.write(base_ups)
    m0 = small.memory()
    small.stop()
    big = Box(pcap, n, mbufs, v6)
    big.write(base_ups)
    m1 = big.memory()
    t0 = time.monotonic()
    for i in range(0, n, 2048):
        big.write([u for j in range(i, min(n, i + 2048)) for u in session_updates(j, v6=v6)])
    t_prog = time.monotonic() - t0
    m2 = big.memory()
    per_heap, per_rss = (m2[0] - m0[0]) / n, (m2[1] - m0[1]) / n
    print("upf_scale: %d %ssessions (%d entries, 2 URRs each) programmed in %.1f s (%.0f session writes/s, "
          "batches of %d updates, no traffic)" % (n, "IPv4v6 " if v6 else "", per, t_prog, per * n / t_prog, 2048 * per))
    print("upf_scale: memory per session: %.0f B in DPDK's heaps (tables sized for it: %.0f B before a "
          "session is written), %.0f B of process memory (the control side), %.0f B in all"
          % (per_heap, (m1[0] - m0[0]) / n, per_rss, per_heap + per_rss))

    # ---- 2. writes under traffic, on the sessions the traffic does not use
    stride = n // 65536
    others = [i for i in range(n) if i % stride][:1 << 18]
    big.rpc.call("port.set", {"port": "p0", "admin": "up"})
    time.sleep(2)
    st0 = big.rpc.call("stats.get")
    t0 = time.monotonic()
    writes = 0
    k = 0
    kinds = ["delete", "insert", "modify", "modify"]
    cs = a.batch // per   # sessions a batch
    others = others[:len(others) - len(others) % cs]   # no batch across two phases
    while time.monotonic() - t0 < a.seconds:
        chunk = others[(k * cs) % len(others):][:cs]
        phase = (k * cs // len(others)) % 4
        kind = kinds[phase]
        big.write([u for i in chunk for u in session_updates(i, kind, v6)])
        writes += per * len(chunk)
        k += 1
    secs = time.monotonic() - t0
    time.sleep(0.5)
    st1 = big.rpc.call("stats.get")
    big.rpc.call("port.set", {"port": "p0", "admin": "down"})

    rx, tx, drops, miss = traffic_loss(st0, st1, "p0", "p1", "sessions_downlink")
    print("upf_scale: %.0f session writes/s under traffic (delete, insert, modify of the %d sessions the traffic "
          "does not use, dataplane-atomic batches of %d updates, %.1f s); traffic %.2f Mpps: %d packets in, %d out, "
          "drops %s, sessions_downlink misses %d"
          % (writes / secs, len(others), a.batch, secs, rx / secs / 1e6, rx, tx, drops or 0, miss))
    big.stop()
    bad = drops or miss or abs(rx - tx) > 2048
    if bad:
        die("traffic was lost while sessions were written")


if __name__ == "__main__":
    main()
