"""What the fleet benchmarks share (bench/fleet/*.py): a 3-member etcd on
loopback, sxcd on it, the dataplane stand-in (dpstub.py) with the schema
of a real sxdp of this build, REST clients, memory readings, and the
cleanup of every process started here, whatever ends the run."""
import atexit
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

_procs = []          # every Popen started here, stopped at exit
_dirs = []
_prefixes = []       # DPDK file prefixes (/var/run/dpdk/PREFIX)


def build_dir():
    b = os.environ.get("BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def tool(name):
    p = os.path.join(build_dir(), name)
    if not os.access(p, os.X_OK):
        raise SystemExit("%s is missing: build first (meson setup build && ninja -C build)" % p)
    return p


def tmpdir(keep=False):
    d = tempfile.mkdtemp(prefix="sxbench-fleet-")
    if not keep:
        _dirs.append(d)
    return d


def spawn(cmd, log, **kw):
    f = open(log, "ab")
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)
    f.close()
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=10):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cleanup():
    # sxcd first (they write to etcd and the stand-in), then the rest
    for p in reversed(_procs):
        if p.poll() is None:
            p.terminate()
    end = time.monotonic() + 10
    for p in _procs:
        try:
            p.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    del _procs[:]
    for pre in _prefixes:
        shutil.rmtree("/var/run/dpdk/" + pre, ignore_errors=True)
    if os.environ.get("FLEET_KEEP") != "1":
        for d in _dirs:
            shutil.rmtree(d, ignore_errors=True)
    else:
        for d in _dirs:
            sys.stdout.write("# kept %s\n" % d)


def _on_signal(sig, frame):
    raise SystemExit(128 + sig)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def free_ports(n):
    ss = [socket.socket() for _ in range(n)]
    for s in ss:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in ss]
    for s in ss:
        s.close()
    return ports


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))] if xs else float("nan")


# ------------------------------------------------------------------ memory

def proc_mem(pid):
    """VmRSS and VmHWM of @pid in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(("VmRSS:", "VmHWM:")):
                out[ln.split(":")[0]] = int(ln.split()[1])
    return out.get("VmRSS", 0), out.get("VmHWM", 0)


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


# -------------------------------------------------------------------- etcd

class Etcd:
    """A 3-member cluster (or --members N) on 127.0.0.1, random ports,
    data dirs under @d, periodic compaction as control/README.md says."""

    def __init__(self, d, members=3, quota_mb=None):
        self.d = d
        ports = free_ports(2 * members)
        self.cports, self.pports = ports[:members], ports[members:]
        self.procs = []
        self.quota_mb = quota_mb

    @property
    def eps(self):
        return ["127.0.0.1:%d" % p for p in self.cports]

    def start(self):
        if shutil.which("etcd") is None:
            raise SystemExit("etcd is not installed (apt-get install etcd-server)")
        n = len(self.cports)
        cluster = ",".join("e%d=http://127.0.0.1:%d" % (k, self.pports[k]) for k in range(n))
        for k in range(n):
            c, p = "http://127.0.0.1:%d" % self.cports[k], "http://127.0.0.1:%d" % self.pports[k]
            cmd = ["etcd", "--name", "e%d" % k, "--data-dir", os.path.join(self.d, "e%d" % k),
                   "--listen-client-urls", c, "--advertise-client-urls", c,
                   "--listen-peer-urls", p, "--initial-advertise-peer-urls", p,
                   "--initial-cluster", cluster, "--initial-cluster-state", "new",
                   "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1h"]
            if self.quota_mb:
                cmd += ["--quota-backend-bytes", str(self.quota_mb << 20)]
            self.procs.append(spawn(cmd, os.path.join(self.d, "etcd-e%d.log" % k)))
        for _ in range(200):
            try:
                if all(self.status(k).get("leader") for k in range(n)):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("etcd did not come up (logs in %s)" % self.d)

    def call(self, path, body, k=0, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.cports[k], timeout=timeout)
        try:
            c.request("POST", "/v3/" + path, json.dumps(body), {"Content-Type": "application/json"})
            r = c.getresponse()
            return json.loads(r.read())
        finally:
            c.close()

    def status(self, k):
        return self.call("maintenance/status", {}, k, timeout=2)

    def get(self, key):
        r = self.call("kv/range", {"key": b64(key)})
        kvs = r.get("kvs") or []
        return json.loads(base64.b64decode(kvs[0]["value"])) if kvs else None

    def count(self, prefix):
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return int(self.call("kv/range", {"key": b64(prefix), "range_end": b64(end),
                                          "count_only": True}).get("count", 0))

    def mem(self):
        """Per member: pid, RSS, HWM (KiB), dbSize, dbSizeInUse (bytes)."""
        out = []
        for k, p in enumerate(self.procs):
            rss, hwm = proc_mem(p.pid)
            st = self.status(k)
            out.append({"member": "e%d" % k, "pid": p.pid, "rss_kb": rss, "hwm_kb": hwm,
                        "db": int(st.get("dbSize", 0)), "db_in_use": int(st.get("dbSizeInUse", 0))})
        return out


# -------------------------------------------------------------- sxdp schema

class Rpc:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.id = 0

    def call(self, m, p=None):
        self.id += 1
        msg = {"jsonrpc": "2.0", "method": m, "id": self.id}
        if p is not None:
            msg["params"] = p
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        a = json.loads(self.f.readline())
        if "error" in a:
            raise RuntimeError("%s: %s" % (m, a["error"]))
        return a["result"]

    def close(self):
        self.s.close()


SITE_PORTS = ("lan1", "lan2", "wan1")


def capture_schema(d):
    """What a real sxdp of this build answers (the fleet's pipeline: lan
    switch, wan overlay; ports lan1, lan2, wan1 on net_null, no hugepages),
    for dpstub.py: written to d/schema.json."""
    pre = "sxbfleet%d" % os.getpid()
    _prefixes.append(pre)
    sock = os.path.join(d, "sxdp-schema.sock")
    cfg = {"eal": ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", pre],
           "lcores": {"main": 0, "workers": [1]}, "socket": sock, "mbufs": 8191,
           "idle_sleep_max_us": 1000,
           "pipeline": {"lan": "switch", "wan": "overlay"},
           "ports": [{"name": n, "devargs": "net_null%d" % i, "role": "wan" if n.startswith("wan") else "lan",
                      "rx_queues": 1, "rxd": 1024, "txd": 1024} for i, n in enumerate(SITE_PORTS)]}
    cp = os.path.join(d, "sxdp-schema.json")
    json.dump(cfg, open(cp, "w"))
    p = spawn([tool("sxdp"), "--config", cp, "--socket", sock], os.path.join(d, "sxdp-schema.log"))
    for _ in range(300):
        if p.poll() is not None:
            raise SystemExit("sxdp exited during start-up: %s" % open(os.path.join(d, "sxdp-schema.log")).read()[-2000:])
        if os.path.exists(sock):
            try:
                r = Rpc(sock)
                break
            except OSError:
                pass
        time.sleep(0.05)
    else:
        raise SystemExit("sxdp's socket did not appear")
    ans = {m: r.call(m) for m in ("sys.hello", "pipeline.describe", "port.list", "stats.get", "graph.stats")}
    r.close()
    stop(p)
    shutil.rmtree("/var/run/dpdk/" + pre, ignore_errors=True)
    path = os.path.join(d, "schema.json")
    json.dump({"answers": ans}, open(path, "w"))
    return path


class Stub:
    """dpstub.py serving sockets d/dp1.sock .. d/dpN.sock."""

    def __init__(self, d, schema, n, sizes=()):
        self.d, self.n = d, n
        self.p = subprocess.Popen([sys.executable, os.path.join(HERE, "dpstub.py"), "--schema", schema,
                                   "--dir", d, "--n", str(n)] + ["--size=" + s for s in sizes], stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(d, "dpstub.log"), "ab"), stdin=subprocess.DEVNULL)
        _procs.append(self.p)
        ln = self.p.stdout.readline().decode()
        if not ln.startswith("ready"):
            raise SystemExit("dpstub did not start: %s" % open(os.path.join(d, "dpstub.log")).read()[-2000:])

    def sock(self, i):
        return os.path.join(self.d, "dp%d.sock" % i)

    def report(self):
        self.p.send_signal(signal.SIGUSR1)
        return json.loads(self.p.stdout.readline())


# -------------------------------------------------------------------- sxcd

# every box of a bench run shares one token, as a fleet's boxes may; sxctl
# reads it from $SXCD_TOKEN_FILE
TOKEN = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
_tokdir = tempfile.mkdtemp(prefix="fleetbench-token-")
atexit.register(shutil.rmtree, _tokdir, True)
TOKEN_FILE = os.path.join(_tokdir, "token")
with open(TOKEN_FILE, "w") as _f:
    _f.write(TOKEN + "\n")
os.environ["SXCD_TOKEN_FILE"] = TOKEN_FILE


class Api:
    """A keep-alive REST client of one sxcd."""

    def __init__(self, port, timeout=30):
        self.port, self.timeout = port, timeout
        self.c = None

    def req(self, method, path, body=None):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.c.request(method, "/api/v1/" + path, json.dumps(body) if body is not None else None,
                               {"Content-Type": "application/json", "Authorization": "Bearer " + TOKEN})
                r = self.c.getresponse()
                data = r.read()
                return r.status, (json.loads(data) if data else None)
            except (http.client.HTTPException, ConnectionError):
                self.c.close()
                self.c = None
                if attempt:
                    raise


class Sxcd:
    def __init__(self, d, etcd, prefix, site, sock, resync_ms=None):
        self.port = free_ports(1)[0]
        self.site = site
        self.args = [tool("sxcd"), "--socket", sock, "--store", "etcd://%s%s" % (",".join(etcd.eps), prefix),
                     "--site", site, "--state-dir", os.path.join(d, "state-" + site),
                     "--listen", "127.0.0.1:%d" % self.port, "--token-file", TOKEN_FILE, "--no-netlink"]
        if resync_ms:
            self.args += ["--resync-ms", str(resync_ms)]
        self.log = os.path.join(d, "sxcd-%s.log" % site)
        self.api = Api(self.port)
        self.p = None

    def start(self):
        self.p = spawn(self.args, self.log)
        return self

    def wait_synced(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.p.poll() is not None:
                raise SystemExit("sxcd %s exited: %s" % (self.site, open(self.log).read()[-2000:]))
            try:
                c, st = self.api.req("GET", "status")
                if c == 200 and st["store"]["fleet"]["state"] == "synced" and st["sxdp"]["connected"]:
                    return st
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("sxcd %s not synced and connected in %d s: %s" % (self.site, timeout,
                                                                           open(self.log).read()[-2000:]))

    def status(self):
        return self.api.req("GET", "status")[1]


def site_doc(i, peers=True, probe=None):
    """A site's own intent and its peer entry (as tests/e2e/fleet.sh writes
    them: one WAN link, two LAN ports)."""
    items = [{"kind": "site", "site": "s%d" % i, "spec": {
        "id": i, "lan": [{"port": "lan1"}, {"port": "lan2"}],
        "wan": [{"name": "isp1", "port": "wan1", "address": "198.18.%d.%d/16" % (i // 250, i % 250 + 1)}]}}]
    if peers:
        items.append({"kind": "peers", "metadata": {"name": "s%d" % i}, "spec": {
            "id": i, "endpoints": [{"address": "198.18.%d.%d" % (i // 250, i % 250 + 1), "wan": "isp1"}],
            "probe": probe or {"how": "icmp", "interval_ms": 1000, "down_after": 3, "up_after": 2}}})
    return items


def sxctl_apply(port, items, d, name="apply.json"):
    path = os.path.join(d, name)
    json.dump({"items": items}, open(path, "w"))
    t0 = time.monotonic()
    r = subprocess.run([tool("sxctl"), "--api", "http://127.0.0.1:%d" % port, "apply", "-f", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("sxctl apply: %s" % r.stdout.decode()[-2000:])
    return time.monotonic() - t0, r.stdout.decode()
