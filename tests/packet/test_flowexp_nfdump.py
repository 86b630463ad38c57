#!/usr/bin/python3
"""flowexp against a real collector: Debian's nfdump. sxdp forwards a
known replay with export on (1:1) to nfcapd on a local port; nfcapd is
stopped (it writes its file), and nfdump's per-flow packets and bytes
must equal what was sent, flow by flow.

    /usr/bin/python3 tests/packet/test_flowexp_nfdump.py

Exit 77 (skip) when nfcapd/nfdump are missing or nfcapd cannot run.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import START_S, Sxdp, expect, expect_eq  # noqa: E402

import fx_collect as F  # noqa: E402  (exits 77 itself without scapy)
from sxcdtest import free_port  # noqa: E402

R = T.Runner()


def listening(cap, port):
    """Whether nfcapd came to listen on 127.0.0.1:port (False: it ended first)."""
    want = "0100007F:%04X" % port
    deadline = time.monotonic() + START_S
    while cap.poll() is None:
        with open("/proc/net/udp") as f:
            if any(line.split()[1] == want for line in list(f)[1:]):
                return True
        if time.monotonic() > deadline:
            raise T.TestFailure("nfcapd not listening on port %d after %d s" % (port, START_S))
        time.sleep(0.05)
    return False


def nfdump_flows(d):
    out = subprocess.run(["nfdump", "-R", d, "-q", "-N", "-o", "fmt:%sa|%da|%pr|%sp|%dp|%pkt|%byt"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise T.TestFailure("nfdump failed: %s" % out.stderr)
    got = {}
    for line in out.stdout.splitlines():
        f = [x.strip() for x in line.split("|")]
        if len(f) != 7:
            continue
        proto = {"UDP": 17, "TCP": 6}.get(f[2], f[2])
        k = (f[0], f[1], int(proto), int(f[3]), int(f[4]))
        g = got.setdefault(k, [0, 0])
        g[0] += int(f[5])
        g[1] += int(f[6])
    return got, out.stdout


@R.test
def test_nfcapd_totals_equal_what_was_sent():
    fl = F.flows()
    d = tempfile.mkdtemp(prefix="sxdp-nfcapd-")
    port = free_port(socket.SOCK_DGRAM)
    cap = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(port), "-w", d, "-t", "3600"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # the templates go out as export starts: nfcapd must be listening by then
        if not listening(cap, port):
            print("SKIP: nfcapd cannot run: %s" % cap.stdout.read().decode(errors="replace")[:300])
            sys.exit(77)
        with Sxdp({"p0": F.interleave(fl), "p1": []}) as dp:
            dp.table_write(F.wire("p0", "p1"))
            F.export_on(dp, port)
            dp.release()
            dp.wait_consumed()
            # idle timeout 1 s, sweep every 100 ms: all records out by then
            dp.wait_stats(lambda st: T.events_of(st).get("flowexp.records", 0) >= len(fl),
                          "every flow exported", timeout=10)
            time.sleep(0.5)
        cap.send_signal(signal.SIGTERM)
        cap.wait(timeout=20)
        got, text = nfdump_flows(d)
        for key, pkts in fl:
            expect(key in got, "nfdump has no flow %s; it has:\n%s" % (key, text))
            expect_eq(got[key][0], len(pkts), "nfdump packets of %s" % (key,))
            expect_eq(got[key][1], sum(F.ip_bytes(p) for p in pkts), "nfdump bytes of %s" % (key,))
        expect_eq(len(got), len(fl), "flows nfdump shows")
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    for tool in ("nfcapd", "nfdump"):
        if shutil.which(tool) is None:
            print("SKIP: %s is missing (apt-get install nfdump)" % tool)
            sys.exit(77)
    R.main()
