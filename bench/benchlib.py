"""What the benchmark scripts share: the CPU time of a process's threads
(on a shared 2-CPU machine a worker's share of its CPU over the window says
whether someone else ran there); hugepages; an sxdp started from a config
with its JSON-RPC socket; bench/run.sh's cached input of a scenario; and
the check that traffic crossed a run without loss (the source port's
packets all left the sink port, no drop reason counted, a table's lookups
all hit)."""
import atexit
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOXES = []   # sxdps started here: stopped by die() and at any exit


@atexit.register
def _stop_boxes():
    # whatever ends the run (an exception, SystemExit): no sxdp left polling a CPU
    for b in BOXES:
        b.stop()


def thread_cpu(pid):
    """{tid: (thread name, CPU seconds user + system)} of process pid."""
    res = {}
    hz = os.sysconf("SC_CLK_TCK")
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            f = open("%s/%s/stat" % (base, tid)).read()
        except OSError:
            continue
        v = f[f.rindex(")") + 2:].split()
        res[tid] = (f[f.index("(") + 1:f.rindex(")")], (int(v[11]) + int(v[12])) / hz)
    return res


def rss_split(src, outs, gtpu=False):
    """Deal the frames of pcap src over len(outs) pcaps as a NIC's RSS on
    the outer IP addresses and L4 ports deals flows over its RX queues:
    every frame of a flow to one queue, in order (a CRC32 of the tuple where
    a NIC uses Toeplitz: the flows go elsewhere, each still to one queue).
    gtpu: a G-PDU's TEID in the tuple too, as a NIC's GTP-U RSS hashes;
    ESP's SPI always (RSS for ESP).
    Returns the frames per queue."""
    import struct
    import zlib
    with open(src, "rb") as f:
        data = f.read()
    hdr, off = data[:24], 24
    outf = [open(o + ".tmp", "wb") for o in outs]
    counts = [0] * len(outs)
    for f in outf:
        f.write(hdr)
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        rec, frame = data[off:off + 16 + incl], data[off + 16:off + 16 + incl]
        off += 16 + incl
        l3, et = 14, frame[12:14]
        while et in (b"\x81\x00", b"\x88\xa8"):
            et, l3 = frame[l3 + 2:l3 + 4], l3 + 4
        if et == b"\x08\x00":
            ihl, proto = (frame[l3] & 15) * 4, frame[l3 + 9]
            key, l4 = frame[l3 + 12:l3 + 20], l3 + ihl
        elif et == b"\x86\xdd":
            proto, key, l4 = frame[l3 + 6], frame[l3 + 8:l3 + 40], l3 + 40
        else:
            proto, key, l4 = None, frame[:12], 0
        if proto in (6, 17):
            key += frame[l4:l4 + 4]
        if proto == 50:   # ESP: its SPI, as NICs' RSS for ESP hashes
            key += frame[l4:l4 + 4]
        if gtpu and proto == 17 and frame[l4 + 2:l4 + 4] == b"\x08\x68":
            key += frame[l4 + 12:l4 + 16]
        q = zlib.crc32(key) % len(outs)
        outf[q].write(rec)
        counts[q] += 1
    for f, o in zip(outf, outs):
        f.close()
        os.replace(o + ".tmp", o)
    return counts


def log(*a):
    print("%s:" % os.path.basename(sys.argv[0]).rsplit(".", 1)[0], *a, file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    for b in BOXES:
        b.stop()
    sys.exit(1)


def hugepages(pages):
    """At least pages free 2 MB hugepages, hugetlbfs mounted."""
    hp = "/sys/kernel/mm/hugepages/hugepages-2048kB"
    free = int(open(hp + "/free_hugepages").read())
    if free < pages:
        nr = int(open(hp + "/nr_hugepages").read())
        with open(hp + "/nr_hugepages", "w") as f:
            f.write(str(nr + pages - free))
        free = int(open(hp + "/free_hugepages").read())
    if free < pages:
        die("only %d free 2 MB hugepages (want %d)" % (free, pages))
    if " hugetlbfs " not in open("/proc/mounts").read():
        os.makedirs("/dev/hugepages", exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True)


class Rpc:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.n = 0

    def call(self, method, params=None):
        self.n += 1
        req = {"jsonrpc": "2.0", "id": self.n, "method": method, "params": params or {}}
        self.s.sendall(json.dumps(req).encode() + b"\n")
        r = json.loads(self.f.readline())
        if "error" in r:
            die("%s: %s" % (method, r["error"]))
        return r["result"]


def telemetry(prefix, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
    s.recv(4096)
    s.send(cmd.encode())
    r = json.loads(s.recv(1 << 16))
    s.close()
    return r


class Box:
    """One sxdp on hugepages: cfg is its config less "eal" and "socket"
    (filled in here); rpc is its JSON-RPC client."""

    def __init__(self, cfg, tag="bench"):
        self.dir = tempfile.mkdtemp(prefix="sxdp-%s-" % tag)
        self.prefix = "sx%s%d_%d" % (tag, os.getpid(), len(BOXES))
        self.sock = os.path.join(self.dir, "sxdp.sock")
        cfg = dict(cfg, eal=["--huge-unlink", "--no-pci", "--file-prefix", self.prefix], socket=self.sock)
        path = os.path.join(self.dir, "cfg.json")
        json.dump(cfg, open(path, "w"))
        self.logf = open(os.path.join(self.dir, "sxdp.log"), "wb")
        self.p = subprocess.Popen([os.environ.get("SXDP", os.path.join(ROOT, os.environ.get("BUILD", "build"), "sxdp")),
                                   "--config", path], stdout=self.logf, stderr=subprocess.STDOUT)
        BOXES.append(self)
        for _ in range(600):
            if os.path.exists(self.sock):
                break
            if self.p.poll() is not None:
                die("sxdp exited: %s" % open(os.path.join(self.dir, "sxdp.log")).read()[-2000:])
            time.sleep(0.05)
        self.rpc = Rpc(self.sock)

    def memory(self):
        """(bytes DPDK's heaps hold, the process's resident bytes)"""
        heap = 0
        for h in telemetry(self.prefix, "/eal/heap_list").get("/eal/heap_list", []):
            heap += int(telemetry(self.prefix, "/eal/heap_info,%d" % h)["/eal/heap_info"]["Alloc_size"])
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", open("/proc/%d/status" % self.p.pid).read()).group(1)) * 1024
        return heap, rss

    def write(self, updates, atomicity="dataplane-atomic"):
        r = self.rpc.call("table.write", {"atomicity": atomicity, "updates": updates})
        if not r.get("committed"):
            die("table.write not committed: %s; the first update: %s" % (json.dumps(r)[:300], json.dumps(updates[0])))
        return r

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(30)


def scenario_input(scenario, flows):
    """bench/run.sh's cached input of scenario with --flows: (the pcap's path, its table entries)."""
    out = subprocess.run(["bash", os.path.join(ROOT, "bench/run.sh"), scenario, "--flows", str(flows), "--input-only"],
                         stdout=subprocess.PIPE, check=True, text=True).stdout.split("\n")
    pcap = out[0].strip()
    return pcap, json.load(open(pcap[:-len(".pcap")] + ".entries.json"))


def traffic_loss(st0, st1, src, sink, table):
    """What a stats.get before (st0) and after (st1) say of the traffic from
    port src to port sink: (packets in, packets out, {drop reason: count}
    counted between, table's lookup misses between)."""
    def port(st, name, key):
        return next(p for p in st["ports"] if p["name"] == name)[key]
    rx = port(st1, src, "rx_packets") - port(st0, src, "rx_packets")
    tx = port(st1, sink, "tx_packets") - port(st0, sink, "tx_packets")
    d0 = st0.get("drops") or {}
    drops = {k: v - d0.get(k, 0) for k, v in (st1.get("drops") or {}).items() if v - d0.get(k, 0)}
    miss = st1["tables"][table]["misses"] - st0["tables"][table]["misses"]
    return rx, tx, drops, miss


def peer_window(path, warmup, window, pid, name, short, tag):
    """A DPDK example app's forwarding over a window, as the compare-*.sh
    scripts measure their peer: its telemetry socket at path (its pid
    alive), the warm-up counted from its first packet in, then /ethdev/stats
    of ports 0 and 1 and its threads' CPU over window seconds. Prints one
    JSON object: packets, Mpps, the ports' deltas, the busiest thread's CPU
    share, and the problems seen (short: what port 1 sending less than
    port 0 took means)."""
    warmup, window, pid = float(warmup), float(window), int(pid)

    def log(*a):
        print("%s:" % tag, *a, file=sys.stderr, flush=True)

    def alive():
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False

    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if not alive():
            sys.exit("%s exited during start-up" % name)
        if time.monotonic() > deadline:
            sys.exit("%s's telemetry socket did not appear" % name)
        time.sleep(0.1)
    s = None
    while s is None:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
        except OSError:
            s = None
            if not alive() or time.monotonic() > deadline:
                sys.exit("cannot connect to %s's telemetry socket" % name)
            time.sleep(0.1)
    s.settimeout(30)
    s.recv(1 << 16)  # the greeting: version, pid, max_output_len

    def tel(cmd):
        s.send(cmd.encode())
        r = json.loads(s.recv(1 << 20).decode())
        return r[cmd.split(",")[0]]

    def stats():
        # both ports back to back, port 0 first, the same order every time
        return time.monotonic(), tel("/ethdev/stats,0"), tel("/ethdev/stats,1")

    def threads():
        return thread_cpu(pid)

    # routes/rules are installed before the ports start: the warm-up counts
    # from the first packet received
    def rx0():
        try:
            return (tel("/ethdev/stats,0") or {}).get("ipackets", 0)
        except (ValueError, KeyError, AttributeError):
            return 0

    while rx0() == 0:
        if not alive() or time.monotonic() > deadline:
            sys.exit("%s did not start forwarding" % name)
        time.sleep(0.05)
    time.sleep(warmup)
    ca = threads()
    ta, a0, a1 = stats()
    time.sleep(window)
    tb, b0, b1 = stats()
    cb = threads()
    share = max(((cb[t][1] - ca[t][1]) / (tb - ta), cb[t][0]) for t in cb if t in ca)
    secs = tb - ta
    d0 = {k: b0[k] - a0[k] for k in ("ipackets", "opackets", "imissed", "ierrors", "oerrors", "rx_nombuf")}
    d1 = {k: b1[k] - a1[k] for k in ("ipackets", "opackets", "imissed", "ierrors", "oerrors", "rx_nombuf")}
    pk = d0["ipackets"]
    res = {"window_s": secs, "packets": pk, "mpps": pk / secs / 1e6, "p0": d0, "p1": d1,
           "cpu_share": share[0], "thread": share[1]}
    problems = []
    if pk == 0:
        problems.append("%s received nothing in the window" % name)
    slack = max(64, pk // 1000)
    if abs(d1["opackets"] - pk) > slack:
        problems.append("%s port 1 opackets %d != port 0 ipackets %d: %s" % (name, d1["opackets"], pk, short))
    if d0["opackets"] > 0:
        problems.append("%s sent %d packets back out of port 0" % (name, d0["opackets"]))
    for p, d in (("0", d0), ("1", d1)):
        for k in ("imissed", "ierrors", "oerrors", "rx_nombuf"):
            if d[k]:
                problems.append("%s port %s %s %d in the window" % (name, p, k, d[k]))
    res["problems"] = problems
    print(json.dumps(res))
