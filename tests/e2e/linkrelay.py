#!/usr/bin/python3
"""A WAN link with a settable one-way delay, for the e2e tests (this
kernel has no netem): every frame that enters interface A leaves on B and
the other way round, each direction first in, first out, held for its
direction's delay.

    linkrelay.py IFACE_A IFACE_B CONTROL_FILE READY_FILE

CONTROL_FILE holds "DELAY_A_TO_B_MS DELAY_B_TO_A_MS"; it is read at start
and again on SIGUSR1. READY_FILE is written once both sockets are bound,
and once more after each SIGUSR1 ("delay A B applied T", T = time.time()).
Frames are held in order (a frame never leaves before the one ahead of it,
as on a real link), so lowering the delay drains what is queued first.
Python, not C: the probes and test streams here are a few hundred frames
a second, which this loop forwards with well under a millisecond added
(the test prints the RTT and jitter the prober measures through it next to
those of the direct link), and the test stays one file to read.
"""
import collections
import os
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PACKET_IGNORE_OUTGOING = 23      # linux/if_packet.h, 4.20+
SOL_PACKET = 263                 # linux/socket.h

ifa, ifb, ctl_file, ready_file = sys.argv[1:5]
delay = [0.0, 0.0]               # seconds: a->b, b->a
reload_flag = [True]


def on_usr1(_sig, _frm):
    reload_flag[0] = True


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def open_sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass                      # filtered by pkttype below anyway
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


socks = [open_sock(ifa), open_sock(ifb)]
queues = [collections.deque(), collections.deque()]   # (due, frame): a->b, b->a
last_due = [0.0, 0.0]
sent = [0, 0]
dropped = [0, 0]


def log(msg):
    with open(ready_file, "a") as f:
        f.write(msg + "\n")


while True:
    if reload_flag[0]:
        reload_flag[0] = False
        try:
            with open(ctl_file) as f:
                ms = [float(x) for x in f.read().split()[:2]]
            delay = [ms[0] / 1000.0, ms[1] / 1000.0]
        except (OSError, ValueError, IndexError):
            pass
        log("delay %g %g applied %.6f" % (delay[0] * 1000, delay[1] * 1000, time.time()))
    now = time.monotonic()
    due = [q[0][0] for q in queues if q]
    timeout = max(0.0, min(due) - now) if due else 1.0
    try:
        rd, _, _ = select.select(socks, [], [], timeout)
    except InterruptedError:
        continue
    now = time.monotonic()
    for d, s in enumerate(socks):
        if s not in rd:
            continue
        for _ in range(256):
            try:
                frame, addr = s.recvfrom(65536)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            t = max(now + delay[d], last_due[d])
            last_due[d] = t
            queues[d].append((t, frame))
    now = time.monotonic()
    for d, q in enumerate(queues):
        out = socks[1 - d]
        while q and q[0][0] <= now:
            _, frame = q.popleft()
            try:
                out.send(frame)
                sent[d] += 1
            except OSError:
                dropped[d] += 1
