#!/usr/bin/python3
"""pingstats.py FILE SENT RENEWALS EVERY WHAT: one line of a rekey benchmark
from ping's output in FILE (SENT pings at 100/s through RENEWALS renewals
every EVERY seconds of WHAT): the pings lost and the RTT p50, p99 and max."""
import re
import sys

txt, n, hs, every, what = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rtt = sorted(float(x) for x in re.findall(r"time=([0-9.]+) ms", txt))
got = len(rtt)


def pct(p):
    return rtt[min(len(rtt) - 1, int(p * len(rtt)))] if rtt else float("nan")


print("rekey bench: %d renewals (%s every %d s) under %d pings at 100/s: %d lost (%.3f%%), RTT p50 %.3f ms, "
      "p99 %.3f ms, max %.3f ms" % (hs, what, every, n, n - got, 100.0 * (n - got) / n, pct(0.5), pct(0.99),
                                     rtt[-1] if rtt else float("nan")))
