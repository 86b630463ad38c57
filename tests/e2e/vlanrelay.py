#!/usr/bin/python3
"""802.1Q in user space, for a kernel without VLAN devices
(CONFIG_VLAN_8021Q off, as on the machines the tests run on): what the
kernel's VLAN device sxt<V> would do on a trunk.

    vlanrelay.py TRUNK V:IFACE [V:IFACE ...]

Frames of VLAN V arriving on TRUNK go out of IFACE untagged; frames
arriving on IFACE go out of TRUNK tagged V. IFACE is one end of a veth
whose other end is the twin's link in its namespace (sxcd takes such a
link as the twin). Runs until killed.
"""

import select
import socket
import struct
import sys

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
AUX = struct.Struct("IIIHHHH")   # struct tpacket_auxdata


def raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    return s


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    trunk = raw(sys.argv[1])
    # the kernel takes a tag off into the packet's metadata before taps see
    # it: PACKET_AUXDATA gives it back
    trunk.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    access, vid_of = {}, {}
    for a in sys.argv[2:]:
        v, ifname = a.split(":", 1)
        s = raw(ifname)
        access[int(v)] = s
        vid_of[s.fileno()] = int(v)
    socks = [trunk] + list(access.values())
    while True:
        for s in select.select(socks, [], [])[0]:
            try:
                relay(s, trunk, access, vid_of)
            except OSError:
                pass    # a link down for a while (ENETDOWN): its frames are lost, as on a wire


def relay(s, trunk, access, vid_of):
    """One frame from @s on to where it goes."""
    if s is not trunk:
        data, addr = s.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING and len(data) >= 14:
            trunk.send(data[:12] + struct.pack("!HH", 0x8100, vid_of[s.fileno()]) + data[12:])
        return
    data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(AUX.size))
    if addr[2] == socket.PACKET_OUTGOING:
        return
    vid = None
    for level, kind, cd in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(cd) >= AUX.size:
            status, _, _, _, _, tci, _ = AUX.unpack(cd[:AUX.size])
            if status & TP_STATUS_VLAN_VALID:
                vid = tci & 0xFFF
    if vid is None and len(data) >= 18 and data[12:14] == b"\x81\x00":
        vid = struct.unpack("!H", data[14:16])[0] & 0xFFF
        data = data[:12] + data[16:]
    if vid in access:
        access[vid].send(data)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
