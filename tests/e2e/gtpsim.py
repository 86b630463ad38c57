#!/usr/bin/python3
"""A GTP-U peer for the e2e tests: a gNB in front of a UE, or an anchor UPF
in front of a data network. IP packets (IPv4, IPv6) the kernel routes into its TUN
device leave as G-PDUs (our TEID toward sxdp, a PDU Session Container of
our direction with our QFI) from a UDP socket on port 2152; G-PDUs from
sxdp are checked (TEID, container direction, QFI) and their T-PDUs written
to the TUN device. Echo requests are answered; end markers to our TEID are
counted (end_marker; in other too, as any other message). On SIGTERM it
writes what it saw as JSON to --stats and stops; on SIGUSR1 it writes it
(whole: a file renamed into place) and goes on.

    gtpsim.py --tun NAME --local IP --peer IP --teid-out N --teid-in N  (IPv4 or IPv6)
              --psc ul|dl --qfi N --want-qfi N --ready FILE --stats FILE

--psc is the direction of what it sends (a gNB sends ul, an anchor dl);
what it takes must carry the other one, with QFI --want-qfi.
"""

import argparse
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def gpdu(teid, payload, pdu_type, qfi):
    """G-PDU header with a PDU Session Container (TS 38.415), then payload."""
    psc = struct.pack("!BBBB", 1, pdu_type << 4, qfi & 0x3f, 0)
    return struct.pack("!BBHIHBB", 0x34, 255, 4 + len(psc) + len(payload), teid, 0, 0, 0x85) + psc + payload


def parse(msg):
    """(type, teid, seq, pdu_type, qfi, payload) or None."""
    if len(msg) < 8 or msg[0] >> 5 != 1 or not msg[0] & 0x10:
        return None
    flags, mtype, length, teid = struct.unpack("!BBHI", msg[:8])
    end = 8 + length
    if end > len(msg):
        return None
    off, seq, nxt, pdu_type, qfi = 8, None, 0, None, None
    if flags & 0x07:
        if end < 12:
            return None
        seq = struct.unpack("!H", msg[8:10])[0] if flags & 0x02 else None
        nxt = msg[11] if flags & 0x04 else 0
        off = 12
    while nxt:
        if off >= end or msg[off] == 0:
            return None
        ln = msg[off] * 4
        if off + ln > end:
            return None
        if nxt == 0x85:
            pdu_type, qfi = msg[off + 1] >> 4, msg[off + 2] & 0x3f
        nxt = msg[off + ln - 1]
        off += ln
    return mtype, teid, seq, pdu_type, qfi, msg[off:end]


def main():
    ap = argparse.ArgumentParser()
    for a in ("tun", "local", "peer", "psc", "ready", "stats"):
        ap.add_argument("--" + a, required=True)
    for a in ("teid-out", "teid-in", "qfi", "want-qfi"):
        ap.add_argument("--" + a, type=lambda s: int(s, 0), required=True)
    a = ap.parse_args()
    out_type = 1 if a.psc == "ul" else 0
    st = {"sent": 0, "received": 0, "bad_teid": 0, "bad_psc": 0, "bad_qfi": 0, "malformed": 0,
          "echo": 0, "other": 0, "end_marker": 0}
    tun = open_tun(a.tun)
    # GTP-U over IPv4 or IPv6, as the addresses are (over IPv6 the kernel
    # drops a datagram whose UDP checksum is wrong or zero, RFC 8200 8.1)
    sock = socket.socket(socket.AF_INET6 if ":" in a.local else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.local, 2152))

    def take(msg, src):
        g = parse(msg)
        if g is None:
            st["malformed"] += 1
            return
        mtype, teid, seq, pdu_type, qfi, payload = g
        if mtype == 1:   # echo request: a response with its sequence number, Recovery 0
            sock.sendto(struct.pack("!BBHIHBB", 0x32, 2, 6, 0, seq or 0, 0, 0) + b"\x0e\x00", src)
            st["echo"] += 1
        elif mtype != 255:
            st["other"] += 1
            if mtype == 254 and teid == a.teid_in:   # an end marker into our tunnel (TS 29.281 7.3.2)
                st["end_marker"] += 1
        elif teid != a.teid_in:
            st["bad_teid"] += 1
        elif pdu_type != 1 - out_type:
            st["bad_psc"] += 1
        elif qfi != a.want_qfi:
            st["bad_qfi"] += 1
        else:
            os.write(tun, payload)
            st["received"] += 1

    def done(*_):
        # what reached the socket before the stop counts, read or not (a
        # test stops the sim as soon as sxdp has sent what it looks for)
        sock.setblocking(False)
        try:
            while True:
                take(*sock.recvfrom(65536))
        except BlockingIOError:
            pass
        with open(a.stats, "w") as f:
            json.dump(st, f)
        sys.exit(0)
    signal.signal(signal.SIGTERM, done)

    def dump(*_):
        tmp = a.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.replace(tmp, a.stats)
    signal.signal(signal.SIGUSR1, dump)
    with open(a.ready, "w") as f:
        f.write("ready\n")
    while True:
        r, _, _ = select.select([tun, sock], [], [])
        if tun in r:
            pkt = os.read(tun, 65536)
            if pkt and pkt[0] >> 4 in (4, 6):
                sock.sendto(gpdu(a.teid_out, pkt, out_type, a.qfi), (a.peer, 2152))
                st["sent"] += 1
        if sock in r:
            take(*sock.recvfrom(65536))


if __name__ == "__main__":
    main()
