#!/usr/bin/python3
"""Table writes under traffic: the forward scenario of bench/run.sh (net_pcap
infinite_rx source p0 -> net_null sink p1, one worker on lcore 1, main lcore
0, 65,536 `flow` entries), and while the traffic runs:

  (a) single-update writes: table.write of one `modify` of an existing flow
      entry, atomicity rollback (the default single-write mode) and
      dataplane-atomic, with C connections and K requests in flight on each
      (a request is a line); then with B=16 calls per line (a JSON-RPC batch
      of one-update table.write calls: each call still its own write, with
      its own result), C=1, K lines in flight;
  (b) dataplane-atomic batches of 1,000 modifies each, back to back, K in
      flight.

Every modify keeps its entry delivering to p1: by default (--modify alt) an
entry alternates between `output(p1)` and `noop` (the packet then goes through
the `port` cross-connect, which gets one entry: p0 -> output p1); with
--modify same it is rewritten to `output(p1)` each time (a new entry object
with the same contents). Connections modify disjoint key sets, so each key's
writes stay in order.

Each phase prints writes/s (or batches/s), p50/p99/max latency (from handing
the request to the socket to reading its answer: with K in flight this
includes waiting behind the others), the traffic rate, and what stats.get says
about the packets over the phase: lost (worker drops, p1 tx drops, worker rx
not matched by p1 tx beyond the counters' skew) and misdirected (sent on
another port than p1, punted, or missed by the `flow` table). A phase with a
lost or misdirected packet, or a failed write, is a failure (exit 1).

    flock /tmp/bench.lock bench/writes.py [--sxdp PATH] [--seconds S] [--quick]
    SXDP=/work/wt-bench/build/sxdp bench/writes.py --conns 1,2,4 --depths 1,16,64
    bench/writes.py --modes rollback --batch 0 --eal=--legacy-mem   (one phase set, EAL extra)

The client pins itself to CPU 0, where sxdp's main lcore (which runs the
control socket and every table write) also runs: on a 2-CPU machine the two
share that core, and each phase says how busy each of them kept it. Requests
are pre-encoded bytes and answers are checked without decoding JSON, so the
client spends little per write; when it still used most of core 0, the line
says the client may be the limit.

The machine may be shared: each phase also says when the worker thread did
not get its whole CPU, when other work ran on the CPUs (/proc/stat against
our threads) and which processes were busy; the summary lists those phases.
(A worker that loses its CPU also slows every write: a write waits for the
worker's quiescent state.)

--perf DIR records the main lcore thread (perf record -t) during each phase
(or those matching --perf-phases) into DIR/<phase>.data and prints its top
symbols. Needs root for hugepages (else --no-huge, said in the output), and
bash bench/run.sh's input (generated on first use).
"""

import argparse
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*a):
    print("writes:", *a, file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    sys.exit(1)


# ------------------------------------------------------------------ inputs

def scenario_input():
    """The forward scenario's pcap and entries JSON, as bench/run.sh caches them."""
    out = subprocess.run(["bash", os.path.join(ROOT, "bench/run.sh"), "forward", "--input-only"],
                         stdout=subprocess.PIPE, check=True, text=True).stdout.split("\n")
    pcap = out[0].strip()
    entries = pcap[:-len(".pcap")] + ".entries.json"
    if not (os.path.exists(pcap) and os.path.exists(entries)):
        die("bench/run.sh forward --input-only gave %s; %s missing" % (pcap, entries))
    return pcap, entries


def hugepages():
    """(eal memory args, note) as bench/run.sh picks them."""
    hp = "/sys/kernel/mm/hugepages/hugepages-2048kB"
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not os.path.isdir(hp):
        why = "no 2 MB hugepage support"
    else:
        free = int(open(hp + "/free_hugepages").read())
        if free < 1024:
            try:
                nr = int(open(hp + "/nr_hugepages").read())
                with open(hp + "/nr_hugepages", "w") as f:
                    f.write(str(nr + 1024 - free))
            except OSError:
                pass
            free = int(open(hp + "/free_hugepages").read())
        if free < 512:
            why = "only %d free 2 MB hugepages could be reserved" % free
        elif " hugetlbfs " not in open("/proc/mounts").read():
            os.makedirs("/dev/hugepages", exist_ok=True)
            if subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"]).returncode:
                why = "cannot mount hugetlbfs"
    if why is None:
        return ["--huge-unlink"], None
    return ["--no-huge", "-m", "2048"], "hugepages unavailable (%s): ran with --no-huge" % why


# ------------------------------------------------------------------- sxdp

class Sxdp:
    def __init__(self, binary, pcap, n_pkts, eal_mem, keep_log, eal_extra=()):
        self.dir = tempfile.mkdtemp(prefix="sxdp-writes.")
        self.prefix = "sxwrites%d" % os.getpid()
        self.sock = os.path.join(self.dir, "sxdp.sock")
        self.logf = os.path.join(self.dir, "sxdp.log")
        self.keep_log = keep_log
        mbufs = 1
        while mbufs < n_pkts + 16384:
            mbufs *= 2
        cfg = {
            "eal": eal_mem + ["--no-pci", "--file-prefix", self.prefix] + list(eal_extra),
            "lcores": {"main": 0, "workers": [1]},
            "socket": self.sock,
            "mbufs": mbufs - 1,
            "pipeline": "forward",
            "ports": [
                {"name": "p0", "devargs": "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
                 "admin": "down", "rx_queues": 1},
                {"name": "p1", "devargs": "net_null0,no-rx=1", "rx_queues": 1},
            ],
        }
        path = os.path.join(self.dir, "sxdp.cfg.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        self.proc = subprocess.Popen([binary, "--config", path], stdin=subprocess.DEVNULL,
                                     stdout=open(self.logf, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None:
                self.fail("sxdp exited during start-up")
            if time.monotonic() > deadline:
                self.fail("sxdp's socket did not appear in 60 s")
            time.sleep(0.05)

    def fail(self, msg):
        log(msg + "; sxdp's log:")
        try:
            sys.stderr.write("".join(open(self.logf).readlines()[-20:]))
        except OSError:
            pass
        self.stop()
        sys.exit(1)

    def threads(self):
        """{tid: (name, cpu seconds)} of sxdp's threads."""
        res = {}
        hz = os.sysconf("SC_CLK_TCK")
        base = "/proc/%d/task" % self.proc.pid
        for tid in os.listdir(base):
            try:
                f = open("%s/%s/stat" % (base, tid)).read()
            except OSError:
                continue
            v = f[f.rindex(")") + 2:].split()
            res[int(tid)] = (f[f.index("(") + 1:f.rindex(")")], (int(v[11]) + int(v[12])) / hz)
        return res

    def worker_tid(self):
        w = [t for t, (name, _) in self.threads().items() if t != self.proc.pid and "worker" in name]
        return w[0] if w else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        if self.keep_log:
            log("sxdp's log kept: %s" % self.logf)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Ctl:
    """A blocking JSON-RPC connection for set-up and counters."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(120)
        self.buf = b""
        self.id = 0

    def call(self, method, params=None):
        self.id += 1
        req = {"jsonrpc": "2.0", "id": self.id, "method": method}
        if params is not None:
            req["params"] = params
        self.s.sendall(json.dumps(req, separators=(",", ":")).encode() + b"\n")
        while b"\n" not in self.buf:
            c = self.s.recv(1 << 20)
            if not c:
                die("sxdp closed the socket during " + method)
            self.buf += c
        line, self.buf = self.buf.split(b"\n", 1)
        r = json.loads(line)
        if "error" in r:
            die("%s: %s" % (method, json.dumps(r["error"])))
        return r["result"]


# ----------------------------------------------------------------- requests

class Requests:
    """Pre-encoded pieces of the table.write lines: per key its match, per
    variant the action part; a line is a join of bytes, no JSON encoding."""

    def __init__(self, entries, modify):
        self.match = [json.dumps(u["match"], separators=(",", ":")).encode() for u in entries]
        self.n = len(self.match)
        out = json.dumps({"action": entries[0]["action"], "params": entries[0]["params"]},
                         separators=(",", ":")).encode()[1:]   # '"action":...}'
        if modify == "alt":
            self.variant = [out, b'"action":"noop","params":{}}']
        else:   # the same delivery, written as a new entry each time
            self.variant = [out, out]
        self.state = bytearray(self.n)      # the variant each key holds now
        self.upd = b'{"type":"modify","table":"flow","match":'

    def update(self, key):
        """The update that flips key to its other variant (taken as sent:
        a connection's requests are answered in order, keys are not shared)."""
        v = self.state[key] ^ 1
        self.state[key] = v
        return self.upd + self.match[key] + b',' + self.variant[v]

    def call(self, rid, atomicity, keys):
        return b''.join((b'{"jsonrpc":"2.0","id":', b'%d' % rid,
                         b',"method":"table.write","params":{"atomicity":"', atomicity,
                         b'","updates":[', b','.join(self.update(k) for k in keys), b']}}'))


# ------------------------------------------------------------------ client

class Conn:
    def __init__(self, path, keys):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.setblocking(False)
        self.fd = self.s.fileno()
        self.keys = keys            # this connection's key set
        self.cur = 0
        self.out = bytearray()
        self.inb = b""
        self.sent = deque()         # (id, t_sent) in order
        self.rid = 0

    def next_keys(self, n):
        ks = self.keys
        i = self.cur
        if i + n <= len(ks):
            self.cur = (i + n) % len(ks)
            return ks[i:i + n]
        r = [ks[(i + j) % len(ks)] for j in range(n)]
        self.cur = (i + n) % len(ks)
        return r

    def close(self):
        self.s.close()


def pct(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def run_load(sock_path, req, conns, depth, per_req, atomicity, seconds, calls=1):
    """C connections, each with `depth` request lines in flight, for
    `seconds`, then drained; a line is one table.write call of `per_req`
    updates, or with calls > 1 a JSON-RPC batch of that many such calls.
    Returns (table.write calls answered, wall, latency of each line, failures
    (first few lines))."""
    n = req.n
    cs = [Conn(sock_path, list(range(c, n, conns))) for c in range(conns)]
    by_fd = {c.fd: c for c in cs}
    poller = select.poll()
    lat = []
    bad = []
    done = 0
    atom = atomicity.encode()
    perf_counter = time.perf_counter

    def enqueue(c, t):
        first = c.rid + 1
        parts = []
        for _ in range(calls):
            c.rid += 1
            parts.append(req.call(c.rid, atom, c.next_keys(per_req)))
        c.out += (parts[0] if calls == 1 else b"[" + b",".join(parts) + b"]") + b"\n"
        c.sent.append((first, t))

    def flush(c):
        if c.out:
            try:
                k = c.s.send(c.out)
            except BlockingIOError:
                k = 0
            del c.out[:k]
        poller.modify(c.fd, select.POLLIN | (select.POLLOUT if c.out else 0))

    t0 = perf_counter()
    for c in cs:
        poller.register(c.fd, select.POLLIN)
        for _ in range(depth):
            enqueue(c, t0)
        flush(c)
    end = t0 + seconds
    inflight = conns * depth
    while inflight:
        sending = perf_counter() < end
        for fd, ev in poller.poll(100):
            c = by_fd[fd]
            if ev & select.POLLIN:
                try:
                    data = c.s.recv(1 << 22)
                except BlockingIOError:
                    data = None
                if data == b"":
                    die("sxdp closed a client connection (%d requests answered)" % done)
                if data:
                    now = perf_counter()
                    buf = c.inb + data
                    lines = buf.split(b"\n")
                    c.inb = lines.pop()
                    for ln in lines:
                        rid, ts = c.sent.popleft()
                        lat.append(now - ts)
                        done += calls
                        inflight -= 1
                        # the answer's id, and all updates applied, without decoding
                        if calls == 1:
                            good = (ln.startswith(b'{"jsonrpc":"2.0","id":%d,"result":' % rid) and
                                    b'"failed":0,' in ln)
                        else:
                            good = ln.startswith(b'[{"jsonrpc":"2.0","id":%d,"result":' % rid) and \
                                ln.count(b'"failed":0,') == calls
                        if not good and len(bad) < 5:
                            bad.append(ln[:400].decode(errors="replace"))
                        if sending:
                            enqueue(c, now)
                            inflight += 1
            if ev & (select.POLLOUT | select.POLLIN):
                flush(c)
            if ev & (select.POLLERR | select.POLLHUP) and not ev & select.POLLIN:
                die("client connection error (poll events %#x)" % ev)
    wall = perf_counter() - t0
    for c in cs:
        poller.unregister(c.fd)
        c.close()
    return done, wall, lat, bad


# ----------------------------------------------------------------- checks

def counters(st):
    w = [x for x in st["lcores"] if x["role"] == "worker"]
    d = {k: sum(x[k] for x in w) for k in ("rx_packets", "tx_packets", "drop_packets", "punt_packets")}
    for p in st["ports"]:
        for k in ("rx_packets", "tx_packets", "tx_dropped"):
            d["%s.%s" % (p["name"], k)] = p[k]
    for t, v in st["tables"].items():
        d["table.%s.hits" % t] = v["hits"]
        d["table.%s.misses" % t] = v["misses"]
    for r, v in (st.get("drops") or {}).items():
        d["drop." + r] = v
    return d


def traffic(a, b, secs):
    """What the packets did between two stats.get: (Mpps, lost, misdirected, details)."""
    d = {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}
    pk = d["rx_packets"]
    slack = max(64, pk // 1000)   # the counters are summed at slightly different instants
    gap = d["p0.rx_packets"] - d["p1.tx_packets"]
    other_tx = sum(v for k, v in d.items() if k.endswith(".tx_packets") and k != "p1.tx_packets")
    # a packet missing at p1 was dropped (counted once), sent elsewhere (misdirected,
    # below) or vanished
    lost = max(d["drop_packets"] + d["p1.tx_dropped"],
               abs(gap - other_tx) if abs(gap - other_tx) > slack else 0)
    misdirected = other_tx + d["punt_packets"] + d.get("table.flow.misses", 0)
    det = []
    if pk == 0:
        det.append("no packets in the phase")
        lost += 1
    if abs(gap) > slack:
        det.append("p0 rx %d vs p1 tx %d" % (d["p0.rx_packets"], d["p1.tx_packets"]))
    drops = {k[5:]: v for k, v in d.items() if k.startswith("drop.") and v}
    if drops:
        det.append("drops %s" % drops)
    if d.get("table.flow.misses"):
        det.append("flow misses %d" % d["table.flow.misses"])
    if d["punt_packets"]:
        det.append("punts %d" % d["punt_packets"])
    if other_tx:
        det.append("%d packets sent on another port than p1" % other_tx)
    if abs(d.get("table.flow.hits", 0) - pk) > slack:
        det.append("flow hits %d != worker rx %d" % (d.get("table.flow.hits", 0), pk))
        misdirected += abs(d.get("table.flow.hits", 0) - pk)
    return pk / secs / 1e6 if secs > 0 else 0, lost, misdirected, det


def proc_cpu():
    """{pid: (name, cpu seconds)} of every process: who else ran during a phase."""
    hz = os.sysconf("SC_CLK_TCK")
    res = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        v = f[f.rindex(")") + 2:].split()
        res[int(d)] = (f[f.index("(") + 1:f.rindex(")")], (int(v[11]) + int(v[12])) / hz)
    return res


def cpu_times():
    """{cpu: (busy seconds, steal seconds)} from /proc/stat."""
    hz = os.sysconf("SC_CLK_TCK")
    res = {}
    for line in open("/proc/stat"):
        f = line.split()
        if f[0].startswith("cpu") and f[0] != "cpu" and len(f) > 8:
            v = [int(x) for x in f[1:]]
            # user nice system idle iowait irq softirq steal
            res[int(f[0][3:])] = ((v[0] + v[1] + v[2] + v[5] + v[6]) / hz, v[7] / hz)
    return res


# ---------------------------------------------------------------------- perf

class Perf:
    running = None   # the perf record process, for the clean-up

    def __init__(self, outdir, tid, pattern, freq, callgraph):
        self.dir, self.tid, self.re, self.freq, self.cg = outdir, tid, re.compile(pattern), freq, callgraph
        self.p = None
        os.makedirs(outdir, exist_ok=True)
        self.perf = shutil.which("perf")
        if self.perf is None:
            die("--perf: no perf (apt-get install linux-perf)")

    def start(self, name):
        if not self.re.search(name):
            return
        slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
        self.data = os.path.join(self.dir, slug + ".data")
        cmd = [self.perf, "record", "-q", "-F", str(self.freq), "-t", str(self.tid), "-o", self.data]
        if self.cg:
            cmd += ["--call-graph", self.cg]
        self.p = Perf.running = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)   # let it attach

    def stop(self):
        if self.p is None:
            return None
        self.p.send_signal(signal.SIGINT)
        self.p.wait()
        self.p = None
        return self.data

    def top(self, data, n=12):
        out = subprocess.run([self.perf, "report", "-i", data, "--stdio", "--no-children",
                              "--sort", "sym", "-g", "none", "--percent-limit", "0.7"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        rows = [l.strip() for l in out.splitlines() if l.strip() and not l.startswith("#")]
        return rows[:n]


# ---------------------------------------------------------------------- main

def parse_list(s):
    return [int(x) for x in s.split(",") if x]


def fmt_ms(s):
    ms = s * 1000
    return "%.2f ms" % ms if ms < 10 else "%.1f ms" % ms if ms < 100 else "%.0f ms" % ms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sxdp", default=os.environ.get("SXDP", os.path.join(ROOT, "build/sxdp")),
                    help="sxdp binary (env SXDP; default: build/sxdp of this repository)")
    ap.add_argument("--seconds", type=float, default=None, help="length of each phase (default 3)")
    ap.add_argument("--warmup", type=float, default=None, help="traffic before the first phase (s)")
    ap.add_argument("--modes", default="rollback,dataplane-atomic",
                    help="atomicity of the single-update phases")
    ap.add_argument("--conns", default=None, help="connections C of the single-update phases")
    ap.add_argument("--depths", default=None, help="requests in flight K per connection")
    ap.add_argument("--rpc-batch", default="16",
                    help="also single-update phases whose lines are JSON-RPC batches of B calls, "
                         "each call a one-update table.write (default 16; 1: none)")
    ap.add_argument("--rpc-batch-depths", default="2,8", help="lines in flight K of those phases (C=1)")
    ap.add_argument("--batch", type=int, default=1000, help="updates per batch (0: no batch phases)")
    ap.add_argument("--batch-modes", default="dataplane-atomic", help="atomicity of the batch phases")
    ap.add_argument("--batch-conns", default="1", help="connections of the batch phases")
    ap.add_argument("--batch-depths", default=None, help="batches in flight per connection")
    ap.add_argument("--modify", choices=("alt", "same"), default="alt",
                    help="alt: output(p1) <-> noop (+ port p0 -> p1); same: output(p1) again")
    ap.add_argument("--client-cpu", type=int, default=0, help="CPU the client runs on (-1: any)")
    ap.add_argument("--quick", action="store_true", help="short: 1 s phases, C=1,2 K=1,16, batch K=1,2")
    ap.add_argument("--perf", metavar="DIR", help="perf record the main lcore thread during phases")
    ap.add_argument("--perf-phases", default=".", help="regex of phase names to record")
    ap.add_argument("--perf-freq", type=int, default=4999)
    ap.add_argument("--perf-callgraph", default="", help="e.g. dwarf,16384 (default: none)")
    ap.add_argument("--eal", default="", help="extra EAL arguments for sxdp, e.g. \"--legacy-mem\"")
    ap.add_argument("--keep-log", action="store_true", help="keep sxdp's log")
    a = ap.parse_args()
    # --quick changes the defaults only: what is given stays
    for k, full, quick in (("seconds", 3.0, 1.0), ("warmup", 2.0, 1.0), ("conns", "1,2,4", "1,2"),
                           ("depths", "1,16,64", "1,16"), ("batch_depths", "1,2,4", "1,2")):
        if getattr(a, k) is None:
            setattr(a, k, quick if a.quick else full)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # stop sxdp on the way out
    if not os.access(a.sxdp, os.X_OK):
        die("%s: not an executable (build it, or give --sxdp / SXDP)" % a.sxdp)
    pcap, entries_path = scenario_input()
    entries = json.load(open(entries_path))
    if not entries or entries[0]["table"] != "flow" or entries[0]["action"] != "output":
        die("%s: not the forward scenario's flow entries" % entries_path)
    req = Requests(entries, a.modify)
    eal_mem, mem_note = hugepages()
    log("sxdp %s, %s; %d flow entries from %s" % (a.sxdp, "hugepages" if mem_note is None else
                                                 "--no-huge", len(entries), entries_path))
    sx = Sxdp(a.sxdp, pcap, len(entries), eal_mem, a.keep_log, a.eal.split())
    if a.client_cpu >= 0:   # after sxdp started: it must not inherit this
        os.sched_setaffinity(0, {a.client_cpu})
    ok = True
    try:
        ok = run(a, sx, req, entries, mem_note)
    finally:
        if Perf.running is not None and Perf.running.poll() is None:
            Perf.running.kill()
        sx.stop()
    sys.exit(0 if ok else 1)


def run(a, sx, req, entries, mem_note):
    ctl = Ctl(sx.sock)
    hello = ctl.call("sys.hello")
    desc = ctl.call("pipeline.describe")
    flow = next((t for t in desc["tables"] if t["name"] == "flow"), None)
    if flow is None:
        die("no flow table: is this the forward pipeline?")
    actions = {x["name"]: x for x in flow["actions"]}
    if a.modify == "alt" and "noop" not in actions:
        die("the flow table has no noop action (actions: %s): use --modify same" % sorted(actions))
    t0 = time.monotonic()
    for i in range(0, len(entries), 4096):
        r = ctl.call("table.write", {"atomicity": "rollback", "updates": entries[i:i + 4096]})
        if not r.get("committed") or r.get("failed"):
            die("programming batch %d: %s" % (i // 4096, json.dumps(r)[:400]))
    if a.modify == "alt":
        # noop hands the packet to the cross-connect: p0 -> p1 there too
        ctl.call("table.write", {"updates": [{"type": "insert", "table": "port",
                                              "match": {"in_port": "p0"}, "action": "output",
                                              "params": {"port": "p1"}}]})
    log("programmed %d flow entries in %.2f s; sxdp %s" % (len(entries), time.monotonic() - t0,
                                                           hello.get("version", "?")))
    ctl.call("port.set", {"port": "p0", "admin": "up"})
    time.sleep(a.warmup)
    wtid = sx.worker_tid()
    perf = Perf(a.perf, sx.proc.pid, a.perf_phases, a.perf_freq, a.perf_callgraph) if a.perf else None

    print("writes: forward pipeline, %d flow entries; source net_pcap infinite_rx (virtual, 64 B, %d flows) "
          "-> sink net_null, 1 worker (lcore 1), main lcore 0; client on CPU %s; %s s phases; modify %s"
          % (len(entries), len(entries), a.client_cpu if a.client_cpu >= 0 else "any", a.seconds,
             "output(p1) <-> noop (port p0 -> p1)" if a.modify == "alt" else "output(p1) -> output(p1)"),
          flush=True)
    if mem_note:
        print("note: " + mem_note)

    phases = []
    for mode in a.modes.split(","):
        for c in parse_list(a.conns):
            for k in parse_list(a.depths):
                phases.append(("writes single %s C=%d K=%d" % (mode, c, k), mode, c, k, 1, 1))
        for b in parse_list(a.rpc_batch):
            for k in parse_list(a.rpc_batch_depths):
                if b > 1:
                    phases.append(("writes single %s C=1 K=%d B=%d" % (mode, k, b), mode, 1, k, 1, b))
    if a.batch > 0:
        for mode in a.batch_modes.split(","):
            for c in parse_list(a.batch_conns):
                for k in parse_list(a.batch_depths):
                    phases.append(("batches %d %s C=%d K=%d" % (a.batch, mode, c, k), mode, c, k, a.batch, 1))

    # first the traffic alone: what the write phases' rates compare with
    phases.insert(0, ("traffic only (no writes)", None, 0, 0, 0, 1))
    results = []
    all_ok = True
    for name, mode, c, k, per, calls in phases:
        if per > req.n // max(c, 1):
            log("%s: skipped (a connection has fewer than %d keys)" % (name, per))
            continue
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0 = cpu_times()
        others0 = proc_cpu()
        th0 = sx.threads()
        ta = time.monotonic()
        sa = counters(ctl.call("stats.get"))
        if perf:
            perf.start(name)
        if per:
            n, wall, lat, bad = run_load(sx.sock, req, c, k, per, mode, a.seconds, calls)
        else:
            time.sleep(a.seconds)
            n, wall, lat, bad = 0, a.seconds, [], []
        data = perf.stop() if perf else None
        sb = counters(ctl.call("stats.get"))
        tb = time.monotonic()
        th1 = sx.threads()
        cpu1 = cpu_times()
        others1 = proc_cpu()
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        if sx.proc.poll() is not None:
            sx.fail("sxdp exited during " + name)
        mpps, lost, misdir, det = traffic(sa, sb, tb - ta)
        lat.sort()
        rate = n / wall
        client = ((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)) / (tb - ta)
        main_s = th1[sx.proc.pid][1] - th0[sx.proc.pid][1]
        main_cpu = main_s / (tb - ta)
        wk = (th1[wtid][1] - th0[wtid][1]) / (tb - ta) if wtid in th1 and wtid in th0 else None
        if per:
            unit = "writes/s" if per == 1 else "batches/s (%d updates/s)" % round(rate * per)
            print("%s: %.0f %s, p50 %s, p99 %s, max %s%s; traffic %.1f Mpps, lost %d, misdirected %d"
                  % (name, rate, unit, fmt_ms(pct(lat, 50)), fmt_ms(pct(lat, 99)),
                     fmt_ms(lat[-1] if lat else 0), " (of a line of %d calls)" % calls if calls > 1 else "",
                     mpps, lost, misdir), flush=True)
        else:
            print("%s: traffic %.1f Mpps, lost %d, misdirected %d" % (name, mpps, lost, misdir), flush=True)
        limit = ""
        if client >= 0.85:
            limit = " -- the client CPU was the limit"
        elif per and a.client_cpu == 0 and client + main_cpu >= 0.9:
            limit = " -- core 0 was full (client and main lcore share it)"
        elif per and main_cpu >= 0.9:
            limit = " -- the main lcore was busy all along"
        # the main lcore's CPU time per request, over the phase (a clock tick is 10 ms: rough)
        per_req = ", main lcore %.0f us CPU per %s" % (1e6 * main_s / n, "write" if per == 1 else "batch") \
            if n else ""
        print("  %d table.write calls in %.2f s; CPU: client %.0f%%, sxdp main lcore %.0f%% (%s)%s, worker %s%s"
              % (n, wall, 100 * client, 100 * main_cpu,
                 "both on core 0" if a.client_cpu == 0 else "main lcore on core 0, client on CPU %s"
                 % (a.client_cpu if a.client_cpu >= 0 else "any"),
                 per_req, "%.0f%%" % (100 * wk) if wk is not None else "?", limit), flush=True)
        # what ran on the CPUs besides sxdp's main lcore, its worker and this client
        # (whole-CPU accounting: catches processes that came and went in the phase)
        secs = tb - ta
        ours = {0: main_s + (client * secs if a.client_cpu == 0 else 0), 1: (wk or 0) * secs}
        notes = []
        for c in sorted(cpu1):
            busy = cpu1[c][0] - cpu0.get(c, (0, 0))[0]
            steal = cpu1[c][1] - cpu0.get(c, (0, 0))[1]
            if c in ours and a.client_cpu in (-1, 0) and busy - ours[c] > 0.05 * secs:
                notes.append("%.0f%% of CPU %d went to other work" % (100 * (busy - ours[c]) / secs, c))
            if steal > 0.02 * secs:
                notes.append("%.0f%% of CPU %d stolen by the host" % (100 * steal / secs, c))
        if wk is not None and wk < 0.9:
            notes.append("the worker thread ran only %.0f%% of the phase (its CPU was taken, or the "
                         "VM's CPU did not run)" % (100 * wk))
        others = sorted(((others1[p][1] - others0.get(p, (None, 0))[1]) / secs, others1[p][0], p)
                        for p in others1 if p not in (os.getpid(), sx.proc.pid))
        others = [o for o in others if o[0] >= 0.05]
        if others:
            notes.append("busy: " + ", ".join("%s (pid %d) %.0f%%" % (nm, p, 100 * v)
                                              for v, nm, p in reversed(others)))
        if notes:
            print("  note: shared machine, numbers may be low: " + "; ".join(notes))
        if det:
            print("  CHECK FAILED: " + "; ".join(det))
        if bad:
            print("  CHECK FAILED: write answers not ok, e.g.: " + bad[0])
        if data:
            for row in perf.top(data):
                print("  perf %s" % row)
        if det or bad or lost or misdir:
            all_ok = False
        results.append((name, per, rate, pct(lat, 99), lost, misdir, bool(bad), bool(notes)))

    st = ctl.call("stats.get")
    print("writes: flow table: %d entries at the end" % st["tables"]["flow"]["entries"])
    singles = [r for r in results if r[1] == 1]   # the targets
    batches = [r for r in results if r[1] == 1000 and "dataplane-atomic" in r[0]]
    for label, rows in (("one call per line", [r for r in singles if " B=" not in r[0]]),
                        ("JSON-RPC batch lines", [r for r in singles if " B=" in r[0]])):
        if rows:
            b = max(rows, key=lambda r: r[2])
            print("best single-update writes, %s: %.0f writes/s (%s; p99 %s) -- target >= 50000: %s"
                  % (label, b[2], b[0], fmt_ms(b[3]), "met" if b[2] >= 50000 else "NOT met"))
    if batches:
        b = max(batches, key=lambda r: r[2])
        print("best 1,000-update dataplane-atomic batches: %.0f batches/s (%s; p99 %s) -- target >= 200: %s"
              % (b[2], b[0], fmt_ms(b[3]), "met" if b[2] >= 200 else "NOT met"))
    noisy = [r[0] for r in results if r[7]]
    if noisy:
        print("note: %d of %d phases shared the machine with other work (see their notes): %s"
              % (len(noisy), len(results), "; ".join(noisy)))
    print("packets lost or misdirected over all phases: %s" %
          ("none" if all(not (r[4] or r[5]) for r in results) else "YES (see CHECK FAILED)"))
    fast_path_note(sx)
    return all_ok


def fast_path_note(sx):
    """What sxdp's log says of the phases' connections (closed by now): how
    many of their calls table.write's fast path decoded (the others went
    through jansson: a request the fast path does not take as it stands)."""
    try:
        text = open(sx.logf, errors="replace").read()
    except OSError:
        return
    seen = re.findall(r"disconnected \([^)]*\) after (\d+) calls, (\d+) decoded by a fast path", text)
    if seen:
        calls = sum(int(c) for c, _ in seen)
        fast = sum(int(f) for _, f in seen)
        print("control socket: %d calls on %d write connections, %d decoded by the fast path"
              % (calls, len(seen), fast))


if __name__ == "__main__":
    main()
