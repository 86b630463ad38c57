#!/usr/bin/python3
"""Traffic and table entries for a bench scenario.

    gen_pcap.py SCENARIO --pcap OUT.pcap --entries OUT.json [--flows N]

Writes the scenario's input pcap (what net_pcap,infinite_rx=1 replays) and
the table writes that make every packet of it hit exactly one entry, as a
JSON list of table.write updates. The bench topology is fixed: port p0 is
the pcap source, p1 the net_null sink.

A scenario is one generator function registered in SCENARIOS: it returns
(frames, updates). Frames are raw Ethernet frames without FCS; a "64-byte"
packet is a 60-byte frame here (+4 FCS on a wire). Standard library only
(fast enough for 64k packets; no scapy needed).
"""

import argparse
import os
import json
import random
import socket
import struct
import sys

SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4_udp(src, dst, sport, dport, frame_len=60, ttl=64, ident=0):
    """Ethernet + IPv4 + UDP frame of frame_len bytes, checksums filled."""
    payload_len = frame_len - 14 - 20 - 8
    if payload_len < 0:
        raise ValueError("frame_len %d too small for Ethernet+IPv4+UDP" % frame_len)
    payload = bytes((i * 7) & 0xff for i in range(payload_len))
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + payload_len
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp0 = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    uc = csum(pseudo + udp0) or 0xffff
    udp = struct.pack("!HHHH", sport, dport, ulen, uc) + payload
    ip0 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident, 0x4000, ttl, 17, 0, s, d)
    ip = ip0[:10] + struct.pack("!H", csum(ip0)) + ip0[12:]
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip + udp


def gen_forward(n_flows=65536, frame_len=60, seed=1):
    """n_flows distinct IPv4/UDP 5-tuples, one 60-byte packet each, in a
    shuffled order; one exact `flow` entry per 5-tuple: output to the sink."""
    flows = []
    for i in range(n_flows):
        src = "10.%d.%d.%d" % (i >> 14 & 0xff, i >> 6 & 0xff, (i & 0x3f) + 1)
        j = (i * 37) & 0xffff
        dst = "172.%d.%d.%d" % (16 + (j >> 14), j >> 6 & 0xff, (j & 0x3f) + 1)
        sport = 32768 + (i * 7919) % 16384
        dport = 49152 + (i % 4096)
        flows.append((src, dst, sport, dport))
    if len(set(flows)) != n_flows:
        raise AssertionError("flows are not distinct")
    order = list(range(n_flows))
    random.Random(seed).shuffle(order)
    frames = [ipv4_udp(*flows[i], frame_len=frame_len, ident=i & 0xffff) for i in order]
    updates = [{"type": "insert", "table": "flow",
                "match": {"in_port": "p0", "ipv4_src": f[0], "ipv4_dst": f[1], "ip_proto": 17,
                          "l4_sport": f[2], "l4_dport": f[3]},
                "action": "output", "params": {"port": "p1"}} for f in flows]
    return frames, updates


# scenario name -> (generator, description for the report line)
SCENARIOS = {
    "forward": (gen_forward, "64 B, {flows} flows"),
}


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i % 1000000, len(b), len(b)))
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--entries", required=True)
    ap.add_argument("--flows", type=int, default=65536)
    a = ap.parse_args()
    gen, _ = SCENARIOS[a.scenario]
    frames, updates = gen(n_flows=a.flows)
    write_pcap(a.pcap + ".tmp", frames)
    with open(a.entries + ".tmp", "w") as f:
        json.dump(updates, f)
    # rename last: a cache entry is either whole or absent

    os.replace(a.pcap + ".tmp", a.pcap)
    os.replace(a.entries + ".tmp", a.entries)
    sizes = sorted({len(b) for b in frames})
    print("gen_pcap: %s: %d frames (%s bytes), %d table entries -> %s"
          % (a.scenario, len(frames), "/".join(map(str, sizes)), len(updates), a.pcap), file=sys.stderr)


if __name__ == "__main__":
    main()
