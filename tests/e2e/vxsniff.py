#!/usr/bin/python3
"""Which WAN link each VXLAN frame arrives on, for the e2e tests: reads
every frame coming in on the given interfaces (AF_PACKET, so before any
netfilter hook of the namespace drops it) and, for each VXLAN datagram
(UDP to 4789) carrying IPv4/UDP, writes one line to OUT:

    TIME LINK VNI INNER_DPORT

TIME is time.time(), LINK the interface's position in the arguments (1..).

    vxsniff.py OUT IFACE1 [IFACE2 ...]
"""
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003   # a tap: sees frames before the ingress hooks (ETH_P_IP would see them after)
PACKET_OUTGOING = 4

out = open(sys.argv[1], "w", buffering=1)
socks = {}
for i, name in enumerate(sys.argv[2:], 1):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((name, 0))
    s.setblocking(False)
    socks[s] = i
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def inner_dport(f):
    """(vni, inner UDP dport) of a VXLAN-in-IPv4 frame, else None."""
    if len(f) < 14 + 20 + 8 + 8 + 14 + 20 + 4 or f[12:14] != b"\x08\x00":
        return None
    ihl = (f[14] & 15) * 4
    if f[23] != 17:
        return None
    u = 14 + ihl
    if struct.unpack_from("!H", f, u + 2)[0] != 4789:
        return None
    vni = struct.unpack_from("!I", f, u + 12)[0] >> 8
    e = u + 16
    if f[e + 12:e + 14] != b"\x08\x00" or f[e + 14 + 9] != 17:
        return None
    il4 = e + 14 + (f[e + 14] & 15) * 4
    if len(f) < il4 + 4:
        return None
    return vni, struct.unpack_from("!H", f, il4 + 2)[0]


while True:
    rd, _, _ = select.select(list(socks), [], [], 1.0)
    for s in rd:
        for _ in range(256):
            try:
                f, addr = s.recvfrom(65536)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            r = inner_dport(f)
            if r is not None:
                out.write("%.6f %d %d %d\n" % (time.time(), socks[s], r[0], r[1]))
