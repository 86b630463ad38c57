#!/usr/bin/python3
"""Every virtual port kind dataplane/README.md lists: sxdp starts with it as
port p1 and forwards packets through it both ways (p0 is net_pcap: what the
test sends and what comes back out, byte for byte).

  net_pcap       p0 itself, and p0 <-> p1 both net_pcap
  net_ring       a ring port loops what sxdp sends on it back to its RX
  net_null       sends into nothing (tx counted), reads endless null frames
  net_tap        a kernel TAP interface sxdp creates; the test's AF_PACKET
                 socket on it sees what sxdp sent and sends what sxdp reads
  net_af_packet  on a veth, the test on its peer
  net_af_xdp     on a veth, the test on its peer
  net_memif      sxdp the memif server, dpdk-testpmd the client echoing
                 every frame back (io forwarding on its one port)

    /usr/bin/python3 tests/packet/test_vports.py [NAME-SUBSTRING ...]

`ok - name` / `not ok - name` / `ok - name # SKIP why`, then `N passed, M
failed`; exit 1 if any failed, 77 if all skipped. The kernel kinds need root.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()
TAG = os.getpid() % 100000
MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def frames(src, n=16, dport=4000):
    """n UDP frames from MAC src, each its own size and payload."""
    return [Ether(src=src, dst="02:00:00:00:00:ff") / IP(src="10.0.0.1", dst="10.0.1.1", id=i) /
            UDP(sport=30000 + i, dport=dport) / Raw(bytes([0x40 + i]) * (20 + 41 * i)) for i in range(n)]


def wire():
    return [Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"}),
            Sxdp.update("port", {"in_port": "p1"}, "output", {"port": "p0"})]


def port_of(st, name):
    return next(p for p in st["ports"] if p["name"] == name)


def need_root():
    if os.geteuid() != 0:
        raise T.SkipTest("needs root (a kernel interface: TAP, veth)")


def sh(*cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    expect_eq(r.returncode, 0, "%s: %s" % (" ".join(cmd), r.stdout.strip()))


@R.test
def test_net_pcap():
    a = frames(MAC_A)
    with Sxdp({"p0": a, "p1": []}) as dp:
        dp.table_write(wire())
        dp.release()
        dp.wait_consumed()
        dp.stop()
        dp.expect_outputs({"p1": a})


@R.test
def test_net_ring():
    """p0 -> p1 (ring) -> p1's RX (the same ring) -> p0: what went in comes back."""
    a = frames(MAC_A)
    with Sxdp({"p0": a, "p1": []}, port_opts={"p1": {"devargs": "net_ring0"}}) as dp:
        dp.table_write(wire())
        dp.release()
        st = dp.wait_stats(lambda s: port_of(s, "p0")["tx_packets"] >= len(a), "every frame back out of p0")
        expect_eq((port_of(st, "p1")["tx_packets"], port_of(st, "p1")["rx_packets"]), (len(a), len(a)),
                  "net_ring p1 sent and read every frame")
        dp.wait_consumed(names=["p0"])
        dp.stop()
        expect_eq(T.read_pcap(dp.out_path("p0")), [bytes(p) for p in a], "p0's output: the frames, back through the ring")


@R.test
def test_net_null():
    """Into a null port every frame is sent (and gone); out of it come null
    frames, which sxdp reads (and, with no port entry for p1, drops)."""
    a = frames(MAC_A)
    with Sxdp({"p0": a, "p1": []}, port_opts={"p1": {"devargs": "net_null0"}}) as dp:
        dp.table_write([Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"})])
        dp.release()
        st = dp.wait_stats(lambda s: port_of(s, "p1")["tx_packets"] >= len(a) and port_of(s, "p1")["rx_packets"] > 0,
                           "p0's frames sent to null, null frames read")
        dp.port_admin("p1", False)
        st = dp.wait_consumed(names=["p0"])
        expect_eq(port_of(st, "p1")["tx_packets"], len(a), "frames sent into net_null")
        expect_eq(port_of(st, "p1")["tx_bytes"], sum(len(p) for p in a), "bytes sent into net_null")
        expect(port_of(st, "p1")["rx_packets"] > 0, "sxdp read net_null's frames: %s" % port_of(st, "p1"))
        dp.stop()


def through_kernel_iface(devargs, test_iface, prep=None):
    """sxdp's p1 on a kernel interface (devargs), the test on test_iface:
    p0's frames leave p1 and reach the test, the test's frames enter p1 and
    leave p0."""
    a, b = frames(MAC_A), frames(MAC_B, dport=4001)
    with Sxdp({"p0": a, "p1": []}, port_opts={"p1": {"devargs": devargs}}) as dp:
        if prep:
            prep()
        k = T.KernelSide(test_iface)
        try:
            dp.table_write(wire())
            time.sleep(0.3)
            dp.release()
            got = k.collect(MAC_A, len(a))
            expect_eq(len(got), len(a), "frames sxdp sent on p1 that reached %s" % test_iface)
            expect(got == [bytes(p) for p in a], "what reached %s is what p0 read, byte for byte" % test_iface)
            t0 = port_of(dp.stats(), "p0")["tx_packets"]
            k.send(b)
            dp.wait_stats(lambda s: port_of(s, "p0")["tx_packets"] >= t0 + len(b),
                          "the test's frames from %s out of p0" % test_iface)
        finally:
            k.close()
        dp.port_admin("p1", False)
        dp.wait_consumed(names=["p0"], mempool=False)
        dp.stop()
        out = T.ours(T.read_pcap(dp.out_path("p0")), MAC_B)
        expect(out == [bytes(p) for p in b], "p0's output: the %d frames sent on %s, byte for byte (got %d)"
               % (len(b), test_iface, len(out)))


@R.test
def test_net_tap():
    need_root()
    tap = "sxvt%d" % TAG

    def quiet():   # the kernel's own IPv6 chatter stays off the interface
        subprocess.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % tap], stderr=subprocess.DEVNULL)
    through_kernel_iface("net_tap0,iface=%s" % tap, tap, quiet)


class Veth:
    def __init__(self):
        self.a, self.b = "sxvp%da" % TAG, "sxvp%db" % TAG

    def __enter__(self):
        subprocess.run(["ip", "link", "del", self.a], stderr=subprocess.DEVNULL)
        sh("ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b)
        for i in (self.a, self.b):
            subprocess.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % i], stderr=subprocess.DEVNULL)
            subprocess.run(["ethtool", "-L", i, "rx", "1", "tx", "1"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            sh("ip", "link", "set", i, "up")
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "link", "del", self.a], stderr=subprocess.DEVNULL)
        return False


@R.test
def test_net_af_packet():
    need_root()
    with Veth() as v:
        through_kernel_iface("net_af_packet1,iface=%s,qpairs=1" % v.a, v.b)


def no_afxdp():
    try:
        socket.socket(44, socket.SOCK_RAW, 0).close()   # AF_XDP
    except OSError as e:
        return "this kernel gives no AF_XDP socket (socket(AF_XDP): %s)" % e.strerror
    return None


@R.test
def test_net_af_xdp():
    need_root()
    why = no_afxdp()
    if why:
        raise T.SkipTest(why)
    with Veth() as v:
        through_kernel_iface("net_af_xdp1,iface=%s,start_queue=0,queue_count=1" % v.a, v.b)


@R.test
def test_net_memif():
    """sxdp serves memif; dpdk-testpmd (a separate DPDK process, its own
    file prefix) connects as the client and sends every frame back."""
    testpmd = shutil.which("dpdk-testpmd")
    if testpmd is None:
        raise T.SkipTest("dpdk-testpmd (the memif peer) is not installed (Debian package dpdk)")
    a = frames(MAC_A)
    d = tempfile.mkdtemp(prefix="sxdp-memif-")
    sock = os.path.join(d, "memif.sock")
    pfx = "sxmemif%d" % TAG
    tp = None
    try:
        with Sxdp({"p0": a, "p1": []},
                  port_opts={"p1": {"devargs": "net_memif0,role=server,id=0,socket=%s" % sock}}) as dp:
            dp.table_write(wire())
            log = open(os.path.join(d, "testpmd.log"), "w")

            def tp_log():
                return open(os.path.join(d, "testpmd.log"), errors="replace").read()
            tp = subprocess.Popen(["stdbuf", "-oL", testpmd, "--no-huge", "-m", "128", "--no-pci", "-l", "0,1", "--file-prefix", pfx,
                                   "--vdev", "net_memif0,role=client,id=0,socket=%s" % sock, "--",
                                   "--forward-mode=io", "--total-num-mbufs=4096",
                                   "--port-topology=loop"],
                                  stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
            dp.wait_stats(lambda s: next(p for p in dp.rpc("port.list")["ports"] if p["name"] == "p1")
                          ["link"]["up"] or tp.poll() is not None, "the memif link up", timeout=20)
            # forwarding: testpmd waits for its link, starts, then says this
            dp.wait_stats(lambda s: "Press enter to exit" in tp_log() or tp.poll() is not None,
                          "dpdk-testpmd forwards: %s" % tp_log()[-600:], timeout=20)
            expect(tp.poll() is None, "dpdk-testpmd runs as the memif client: %s"
                   % open(os.path.join(d, "testpmd.log")).read()[-600:])
            dp.release()
            st = dp.wait_stats(lambda s: port_of(s, "p0")["tx_packets"] >= len(a),
                               "every frame back out of p0 (testpmd: %s)" % tp_log()[-800:], timeout=15)
            expect_eq((port_of(st, "p1")["tx_packets"], port_of(st, "p1")["rx_packets"]), (len(a), len(a)),
                      "net_memif p1 sent and read every frame")
            dp.wait_consumed(names=["p0"])
            dp.stop()
            expect_eq(T.read_pcap(dp.out_path("p0")), [bytes(p) for p in a],
                      "p0's output: the frames, back through memif and testpmd")
    finally:
        if tp is not None and tp.poll() is None:
            try:
                tp.communicate(b"\n", timeout=10)
            except subprocess.TimeoutExpired:
                tp.kill()
                tp.wait()
        shutil.rmtree("/var/run/dpdk/" + pfx, ignore_errors=True)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    R.main()
