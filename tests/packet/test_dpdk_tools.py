#!/usr/bin/python3
"""DPDK's own tools on a running sxdp (net_pcap ports, the forward pipeline):

  - dpdk-telemetry.py reads every /sxdp/* command sxdp registers (the list
    is "/"'s answer: a command added without a check here fails), each a
    JSON answer with exactly the fields dataplane/ctl/dp_telemetry.c promises,
    equal to what stats.get says of the same counters;
  - dpdk-pdump and dpdk-dumpcap (DPDK secondary processes: sxdp's
    --file-prefix, its shared memory, hence hugepages, reserved here for the
    test and given back after) capture on the running sxdp: pdump p0's RX,
    dumpcap p1's TX, and what they captured is, byte for byte, what was sent.

    /usr/bin/python3 tests/packet/test_dpdk_tools.py [NAME-SUBSTRING ...]

`ok - name` / `not ok - name` / `ok - name # SKIP why`, then `N passed, M
failed`; exit 1 if any failed, 77 if all skipped. BUILD=dir picks the build.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import START_S, Sxdp, expect, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw, rdpcap  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()

# what dp_telemetry.c registers and the fields each answer carries
TELEMETRY = {
    "/sxdp/stats": ["rx_packets", "tx_packets", "drop_packets", "punt_packets", "generation"],
    "/sxdp/drops": None,     # one member per drop reason (checked against stats.get)
    "/sxdp/lcores": ["rx_packets", "tx_packets", "drop_packets", "punt_packets", "inject_packets",
                     "copy_packets", "handoff_packets", "handin_packets", "busy_cycles", "idle_cycles",
                     "pipeline_cycles", "sleep_cycles"],
    "/sxdp/ports": ["port_id", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_dropped"],
    "/sxdp/tables": ["entries", "hits", "misses"],
}
CYCLES = ("busy_cycles", "idle_cycles", "pipeline_cycles", "sleep_cycles")


def frames(n=24):
    """n UDP frames of different sizes and payloads: every one tells itself apart."""
    return [Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") /
            IP(src="10.0.0.1", dst="10.0.1.%d" % (1 + i % 7), id=i) /
            UDP(sport=20000 + i, dport=4000) / Raw(bytes([i]) * (18 + 37 * i))
            for i in range(n)]


def wire(a, b):
    return [Sxdp.update("port", {"in_port": a}, "output", {"port": b}),
            Sxdp.update("port", {"in_port": b}, "output", {"port": a})]


def tool(name):
    p = shutil.which(name)
    if p is None:
        raise T.SkipTest("%s is not installed (Debian package dpdk; scripts/deps.sh installs it)" % name)
    return p


def telemetry(prefix, cmds):
    """dpdk-telemetry.py -f PREFIX with the commands on stdin (not a tty:
    it prints one JSON line per command): {command: answer}."""
    r = subprocess.run([tool("dpdk-telemetry.py"), "-f", prefix], input="".join(c + "\n" for c in cmds),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    expect_eq(r.returncode, 0, "dpdk-telemetry.py exit status (%s)" % r.stdout[-400:])
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    expect_eq(len(lines), len(cmds), "dpdk-telemetry.py answers (%s)" % r.stdout[-400:])
    out = {}
    for c, ln in zip(cmds, lines):
        try:
            a = json.loads(ln)
        except ValueError as e:
            raise T.TestFailure("%s: not JSON (%s): %s" % (c, e, ln[:300]))
        expect(isinstance(a, dict) and list(a) == [c], "%s: answer keyed by the command: %s" % (c, ln[:300]))
        out[c] = a[c]
    return out


def counters_of(st):
    """The packet counters of stats.get (not the cycles, which run on)."""
    return (st["total"], st["ports"], st["drops"], st["tables"],
            [{k: v for k, v in lc.items() if k not in CYCLES + ("cycles_per_packet", "polls")}
             for lc in st["lcores"]])


@R.test
def test_telemetry_every_sxdp_command():
    pkts = frames() + [Ether(dst="ff:ff:ff:ff:ff:ff")]   # the last has no IP (and no port entry)
    with Sxdp({"p0": pkts, "p1": []}) as dp:
        dp.table_write([Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"})])
        dp.release()
        dp.wait_consumed()
        st = dp.stats()
        cmds = ["/"] + sorted(TELEMETRY)
        tel = telemetry(dp.prefix, cmds)
        st2 = dp.stats()
        expect_eq(counters_of(st2), counters_of(st), "stats.get steady around the telemetry reads")
        ours = sorted(c for c in tel["/"] if c.startswith("/sxdp"))
        expect_eq(ours, sorted(TELEMETRY), "the /sxdp/* commands sxdp registers (\"/\")")

        s = tel["/sxdp/stats"]
        expect_eq(sorted(s), sorted(TELEMETRY["/sxdp/stats"]), "/sxdp/stats fields")
        want = dict(st["total"], generation=st["generation"])
        expect_eq(s, want, "/sxdp/stats = stats.get's total and generation")
        expect(s["rx_packets"] == len(pkts) and s["tx_packets"] > 0, "/sxdp/stats counted the traffic: %s" % s)

        d = tel["/sxdp/drops"]
        expect(len(d) > 0 and all(isinstance(v, int) and v >= 0 for v in d.values()),
               "/sxdp/drops: a count per reason: %s" % d)
        # telemetry names take no '.': parse.runt is parse_runt there
        got = {k: v for k, v in d.items() if v}
        expect_eq(got, {k.replace(".", "_", 1): v for k, v in st["drops"].items()},
                  "/sxdp/drops = stats.get's drops")
        expect_eq(sum(d.values()), st["total"]["drop_packets"], "/sxdp/drops add up to the drop total")

        lc = tel["/sxdp/lcores"]
        workers = [x for x in st["lcores"] if x["role"] == "worker"]
        expect_eq(sorted(lc), sorted("lcore%d" % w["lcore"] for w in workers), "/sxdp/lcores: one per worker")
        for w in workers:
            t = lc["lcore%d" % w["lcore"]]
            expect_eq(sorted(t), sorted(TELEMETRY["/sxdp/lcores"]), "/sxdp/lcores fields")
            for k, v in t.items():
                if k in CYCLES:   # running counters: between the two stats.get reads
                    s2 = next(x for x in st2["lcores"] if x["lcore"] == w["lcore"])
                    expect(w[k] <= v <= s2[k], "lcore%d %s %d between %d and %d" % (w["lcore"], k, v, w[k], s2[k]))
                else:
                    expect_eq(v, w[k], "lcore%d %s" % (w["lcore"], k))

        p = tel["/sxdp/ports"]
        expect_eq(sorted(p), ["p0", "p1"], "/sxdp/ports: one per port, by name")
        for sp in st["ports"]:
            t = p[sp["name"]]
            expect_eq(sorted(t), sorted(TELEMETRY["/sxdp/ports"]), "/sxdp/ports fields")
            expect(isinstance(t["port_id"], int), "port_id is an integer: %s" % t)
            expect_eq({k: v for k, v in t.items() if k != "port_id"},
                      {k: sp[k] for k in TELEMETRY["/sxdp/ports"] if k != "port_id"}, "/sxdp/ports %s" % sp["name"])
        expect_eq(p["p0"]["rx_packets"], len(pkts), "p0 rx in telemetry")

        tb = tel["/sxdp/tables"]
        expect_eq(sorted(tb), sorted(st["tables"]), "/sxdp/tables: one per table of the pipeline")
        for name, t in tb.items():
            expect_eq(t, st["tables"][name], "/sxdp/tables %s" % name)
        expect(tb["port"]["entries"] == 1 and tb["port"]["hits"] > 0, "the port table in telemetry: %s" % tb["port"])
        dp.stop()


def log_of(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


@R.test
def test_pdump_and_dumpcap_capture_what_was_sent():
    pdump, dumpcap = tool("dpdk-pdump"), tool("dpdk-dumpcap")
    pkts = frames(32)
    # sxdp 256 MB + the tools' mbuf pools: 300 pages of 2 MB
    # discard_tx: net_pcap in a secondary process opens the ports' tx_pcap
    # files again, truncating what sxdp writes there; dumpcap checks p1's TX
    # tmp /tmp: net_pcap keeps a port's devargs for a secondary process in 64
    # bytes (drivers/net/pcap, ETH_PCAP_ARG_MAXLEN) and the tools re-read them
    # there: a pcap path much longer than /tmp/sxdp-pkt-XXXXXXXX/ is cut and
    # their probe fails ("failed to initialize net_pcap0 device")
    with T.Hugepages(300), Sxdp({"p0": pkts, "p1": []}, huge=True, mem_mb=256, discard_tx=True, tmp="/tmp") as dp:
        dp.table_write(wire("p0", "p1"))
        pid0 = next(p["port_id"] for p in dp.rpc("port.list")["ports"] if p["name"] == "p0")
        rx = os.path.join(dp.dir, "pdump-p0-rx.pcap")
        cap = os.path.join(dp.dir, "dumpcap-p1.pcapng")
        plog, dlog = os.path.join(dp.dir, "pdump.log"), os.path.join(dp.dir, "dumpcap.log")
        procs = []
        try:
            with open(plog, "w") as lf:
                procs.append(subprocess.Popen(
                    ["stdbuf", "-oL", pdump, "--file-prefix=%s" % dp.prefix, "--no-pci", "-l", "0", "--",
                     "--pdump", "port=%d,queue=*,rx-dev=%s,ring-size=4096,total-num-mbufs=4095" % (pid0, rx)],
                    stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
            with open(dlog, "w") as lf:
                procs.append(subprocess.Popen(
                    ["stdbuf", "-oL", dumpcap, "--file-prefix=%s" % dp.prefix, "-i", "net_pcap1", "-c", str(len(pkts)), "-w", cap],
                    stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
            # both attached: each says so (line-buffered: stdbuf)
            T.wait_until(lambda: "Capturing on" in log_of(dlog) or procs[1].poll() is not None, START_S,
                         lambda: "dpdk-dumpcap attaches: %s" % log_of(dlog)[-300:])
            T.wait_until(lambda: "capture for" in log_of(plog) or procs[0].poll() is not None, START_S,
                         lambda: "dpdk-pdump attaches: %s" % log_of(plog)[-300:])
            time.sleep(0.5)
            for p, name, lg in ((procs[0], "dpdk-pdump", plog), (procs[1], "dpdk-dumpcap", dlog)):
                expect(p.poll() is None, "%s attached to the running sxdp (exit %s): %s"
                       % (name, p.returncode, log_of(lg)[-600:]))
            dp.release()
            dp.wait_consumed()
            try:
                procs[1].wait(15)
            except subprocess.TimeoutExpired:
                raise T.TestFailure("dpdk-dumpcap -c %d did not end: %s" % (len(pkts), log_of(dlog)[-400:]))
            expect_eq(procs[1].returncode, 0, "dpdk-dumpcap exit status (%s)" % log_of(dlog)[-400:])
            time.sleep(0.5)
            procs[0].send_signal(signal.SIGINT)
            try:
                procs[0].wait(15)
            except subprocess.TimeoutExpired:
                raise T.TestFailure("dpdk-pdump did not stop on SIGINT: %s" % log_of(plog)[-400:])
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        sent = [bytes(p) for p in pkts]
        got_rx = T.read_pcap(rx)
        expect_eq(len(got_rx), len(sent), "packets dpdk-pdump captured on p0's RX (%s)" % log_of(plog)[-300:])
        expect(got_rx == sent, "dpdk-pdump's p0 RX capture is what was sent, byte for byte")
        got_tx = [bytes(p) for p in rdpcap(cap)]
        expect_eq(len(got_tx), len(sent), "packets dpdk-dumpcap captured on p1")
        expect(got_tx == sent, "dpdk-dumpcap's p1 capture is what was sent (forwarded p0 -> p1), byte for byte")
        dp.stop()


if __name__ == "__main__":
    R.main()
