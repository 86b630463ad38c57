"""sxcd for the packet tests: the one Sxcd fixture (a real sxcd on a store of its own, as
shipped: a bearer token), its REST client, the OpenAPI check of its answers, and the intents
the tests share (a site with two WANs, a peer, slices, a UPF) with the tables sxcd writes.

    with Sxdp(dict(PORTS), pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        cd.wait_settled()

Only the standard library (and python3-jsonschema when installed) beside sxdptest.
"""
import base64
import glob
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import sxdptest as T
from sxdptest import START_S, expect, expect_eq

try:
    import jsonschema
except ImportError:
    jsonschema = None

# the OpenAPI document the build assembled (control/'s generic part and each feature's kinds')
DOC = os.path.join(T.build_dir(), "sxcd-openapi.json")
# every feature sxcd compiles for: sxdp's ports and pipelines (lan, wan, n3, n9), as
# Sxdp(dict(PORTS), pipeline=PIPE, port_opts=WAN)
PORTS = {"lan1": [], "lan2": [], "wan1": [], "wan2": [], "n3": [], "n9": []}
PIPE = {"lan": "switch", "wan": "overlay", "n3": "upf", "n9": "upf"}
WAN = {"wan1": {"role": "wan"}, "wan2": {"role": "wan"}, "n3": {"role": "n3"}, "n9": {"role": "n9"}}
PHASES_DONE = ("Ready", "Failed", "Error", "Degraded")
NOSOCK = "/nonexistent/sxdp.sock"   # no sxdp: what is asked is sxcd's alone (it keeps trying to reach one)


def sxcd_path():
    return os.path.join(T.build_dir(), "sxcd")


def sxctl_path():
    return os.path.join(T.build_dir(), "sxctl")


def crash_frames(lines):
    """sxcd's crash report's frames in its own binary ("sxcd(+0x1a2b)") named by addr2line:
    function and file:line, innermost first; [] when there is none or no addr2line."""
    offs = [m.group(1) for ln in lines for m in [re.search(r"/sxcd\(\+(0x[0-9a-f]+)\)", ln)] if m]
    if not offs:
        return []
    try:
        out = subprocess.run(["addr2line", "-f", "-i", "-p", "-e", sxcd_path()] + offs,
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln.strip() for ln in out.splitlines() if ln.strip()]


def free_port(kind=socket.SOCK_STREAM, fam=socket.AF_INET, host="127.0.0.1"):
    """A port of @host nothing is bound to now (TCP; socket.SOCK_DGRAM: UDP)."""
    s = socket.socket(fam, kind)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


class NetnsThread:
    """A thread inside network namespace `name` (setns(2) moves only the calling thread):
    run(fn) calls fn there and returns what it returns."""

    def __init__(self, name):
        import ctypes
        import queue
        self.q, self.out = queue.Queue(), queue.Queue()
        libc = ctypes.CDLL(None, use_errno=True)

        def loop():
            fd = os.open("/run/netns/" + name, os.O_RDONLY)
            rc = libc.setns(fd, 0x40000000)   # CLONE_NEWNET
            os.close(fd)
            self.out.put(rc)
            while True:
                fn = self.q.get()
                if fn is None:
                    return
                try:
                    self.out.put((True, fn()))
                except Exception as e:  # handed to the caller
                    self.out.put((False, e))
        self.th = threading.Thread(target=loop, daemon=True)
        self.th.start()
        if self.out.get() != 0:
            raise T.TestFailure("setns into %s failed" % name)

    def run(self, fn):
        self.q.put(fn)
        ok, v = self.out.get()
        if not ok:
            raise v
        return v

    def close(self):
        self.q.put(None)


def new_token():
    """A token as the package makes one: 32 random bytes, base64url."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


class Sxcd:
    """One sxcd talking to the sxdp socket at `sock` (NOSOCK: none), as shipped: a bearer token
    (a new one unless `token` is given; False: --insecure-no-auth) in a file, which req() sends.

    store: a directory (a new one when None; removed at the end unless keep_store) or a fleet's
    etcd://HOST:PORT/PREFIX, with this box's `site` and its `state_dir` (then its log and token
    file beside that). netns: run in that network namespace (its REST API and the kernel it reads
    are that one's). pfcp: N4 (--pfcp) on a free UDP port of that address (self.pfcp; bound to
    pfcp_bind instead when given). nofile: its file descriptor limit. resync_ms: None leaves
    sxcd's own. extra: more arguments (self.extra, read again at each start). tail: how much of
    its log logtail() gives (what a test's checks read of it)."""

    def __init__(self, sock=NOSOCK, store=None, token=None, resync_ms=500, netns=None, extra=(),
                 site=None, state_dir=None, pfcp=None, pfcp_bind=None, nofile=None, keep_store=False, tail=1500,
                 env=None):
        self.sock = sock
        self.env = dict(os.environ, **env) if env else None   # its environment (LD_PRELOAD...)
        self.extra = list(extra)
        self.fleet_store = store is not None and "://" in store
        self.store = store or tempfile.mkdtemp(prefix="sxcd-store-")
        self.keep_store = keep_store
        self.site, self.state_dir = site, state_dir
        self.port = free_port()
        # HTTPS (--tls-cert): req() trusts tls_ca (set it before start)
        self.tls_ca = None
        self.url = "%s://127.0.0.1:%d" % ("https" if "--tls-cert" in self.extra else "http", self.port)
        self.token = new_token() if token is None else token
        self.resync_ms = resync_ms
        self.netns = netns
        self.nst = NetnsThread(netns) if netns else None
        self.pfcp_host, self.pfcp_bind, self.pfcp = pfcp, pfcp_bind, None
        if pfcp:
            self.pfcp = free_port(socket.SOCK_DGRAM, socket.AF_INET6 if ":" in pfcp else socket.AF_INET, pfcp)
        self.nofile = nofile
        self.tail = tail
        self.proc = None
        self.died = None   # the exit status of an sxcd that ended unasked
        files = state_dir if self.fleet_store else self.store
        self.log = files + ".log"
        self.token_file = files + ".token"

    def args(self):
        """Its command line."""
        cmd = [sxcd_path(), "--socket", self.sock, "--store", self.store, "--listen", "127.0.0.1:%d" % self.port]
        if self.resync_ms is not None:
            cmd += ["--resync-ms", str(self.resync_ms)]
        if self.site is not None:
            cmd += ["--site", self.site]
        if self.state_dir is not None:
            cmd += ["--state-dir", self.state_dir]
        if self.pfcp:
            host = self.pfcp_bind or self.pfcp_host
            cmd += ["--pfcp", ("[%s]:%d" if ":" in host else "%s:%d") % (host, self.pfcp)]
        cmd += self.extra + self.auth_args()
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return cmd

    def start(self, synced=True):
        """Started, and ready: its REST port takes connections and it said so (REST listens
        before the features' services (N4) start, and a PFCP request sent in between is lost);
        on a fleet's store, until it says it is synced with etcd too (synced=False: not)."""
        self.died = None
        seen = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        nofile = self.nofile

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"),
                                     preexec_fn=limit if nofile else None, env=self.env)
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise T.TestFailure("sxcd exited with %d: %s" % (self.proc.returncode, self.logtail()))
            try:
                self.in_ns(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close())
                with open(self.log, "rb") as f:
                    f.seek(seen)
                    got = f.read()
                    if b"INFO: ready: " in got or b'"message":"ready: ' in got:   # text, or --log-format json
                        break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            self.stop()   # not left behind: __exit__ is not called when __enter__ raised
            raise T.TestFailure("sxcd did not get ready: %s" % self.logtail())
        if self.fleet_store and synced:
            T.wait_until(lambda: self.fleet()["state"] == "synced", T.SETTLE_S,
                         lambda: "sxcd synced with its fleet's store: %s" % self.logtail())
        return self

    def auth_args(self):
        """--token-file with the token written to it, or --insecure-no-auth."""
        if not self.token:
            return ["--insecure-no-auth"]
        with open(os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        return ["--token-file", self.token_file]

    def in_ns(self, fn):
        return self.nst.run(fn) if self.nst else fn()

    def logtext(self):
        """Its whole log: what a check looks for in it (audit lines come between)."""
        try:
            return open(self.log, errors="replace").read()
        except OSError:
            return ""

    def logtail(self):
        try:
            return open(self.log).read()[-self.tail:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is not None and self.died is None:
            self.died = self.proc.returncode   # it ended before it was asked to
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                # stuck: SIGABRT first, for its crash report's stack (where it is stuck)
                self.proc.send_signal(signal.SIGABRT)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.proc = None

    def kill9(self):
        """SIGKILL, as a crash or a power cut would end it (nothing of it said unasked)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        proc = self.proc
        self.stop()
        if proc is not None and self.died is None and proc.returncode != 0:
            self.died = proc.returncode   # asked to stop, it did not end cleanly
        if self.nst:
            self.nst.close()
        if self.died is not None:
            # a crash reads as connections closed unanswered: say what it was
            print("#   sxcd ended badly: %s" % (
                "signal %d" % -self.died if self.died < 0 else "exit %d" % self.died))
        if et is not None or self.died is not None:
            # its warnings and errors first (what it refused or closed, and why: they may be
            # far from the tail), then the tail
            try:
                with open(self.log, errors="replace") as f:
                    lines = [ln.rstrip() for ln in f]
            except OSError:
                lines = []
            warn = [ln for ln in lines if any(m in ln for m in (
                ": WARN", ": ERR", "Sanitizer", "runtime error", "    #"))]
            for ln in warn[-30:]:
                print("#   sxcd said: %s" % ln)
            for ln in crash_frames(lines):
                print("#   sxcd crashed in: %s" % ln)
            print("#   sxcd log: %s" % self.logtail().replace("\n", "\n#   "))
        if not self.fleet_store and not self.keep_store:
            shutil.rmtree(self.store, ignore_errors=True)
        if et is None and self.died is not None:
            raise T.TestFailure("sxcd ended badly (%d): on its own while the test ran, or "
                                "not cleanly when asked to stop" % self.died)
        return False

    def req(self, *a, **kw):
        return self.in_ns(lambda: self._req(*a, **kw))

    def _req(self, method, path, body=None, raw=None, token=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        r = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None or method in ("POST", "PUT", "PATCH", "DELETE"):
            r.add_header("Content-Type", ctype)
        tok = token if token is not None else self.token
        if tok:
            r.add_header("Authorization", "Bearer " + tok)
        ctx = None
        if self.url.startswith("https:"):
            import ssl
            ctx = ssl.create_default_context(cafile=self.tls_ca)
        try:
            with urllib.request.urlopen(r, timeout=30, context=ctx) as f:
                text = f.read()
                return f.status, (json.loads(text) if f.headers.get_content_type() == "application/json"
                                  else text.decode())
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text.decode(errors="replace")

    def status(self):
        return self.req("GET", "/api/v1/status")[1]

    def fleet(self):
        """Its fleet's store as /api/v1/status has it (state, error, ...)."""
        return self.status()["store"]["fleet"]

    def phases(self):
        """Every intent's status, by kind/name, as the API lists them."""
        out = {}
        for k in ("site", "peers", "slices", "vdns", "policies", "upf"):
            code, res = self.req("GET", "/api/v1/" + k)
            items = [res] if k == "site" and code == 200 else res.get("items", []) if code == 200 else []
            for it in items:
                out["%s/%s" % (k, it["metadata"]["name"])] = it["status"]
        return out

    def wait_runs(self, n, timeout=15):
        """Until @n more reconciler runs have ended (a resync comes every resync_ms): the
        runs started from now on, not one already under way."""
        st = self.status()["sxdp"]["reconcile"]
        want = st["runs"] + (1 if st["running"] else 0) + n
        deadline = time.monotonic() + timeout
        while True:
            st = self.status()["sxdp"]["reconcile"]
            if st["runs"] >= want and not st["running"]:
                return st
            if time.monotonic() > deadline:
                raise T.TestFailure("%d more reconciler runs did not end in %ds: %s" % (n, timeout, st))
            time.sleep(0.05)

    def wait_settled(self, timeout=15, names=None):
        """Until every intent (or those named) is out of Pending/Programming and no run is under way."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.status()
            phases = self.phases()
            want = {k: v for k, v in phases.items() if names is None or k in names}
            if st["sxdp"]["connected"] and not st["sxdp"]["reconcile"]["running"] and \
                    all(v["phase"] in PHASES_DONE or (v["phase"] == "Pending" and v.get("waiting_for")
                                                       and "sxdp" not in v["waiting_for"])
                        for v in want.values()):
                return want
            if time.monotonic() > deadline:
                raise T.TestFailure("intents did not settle: %s %s" % (st, want))
            time.sleep(0.05)

    def store_files(self):
        """The intents' files and sxcd's own (state/); not the history's, whose results are written
        as runs end."""
        out = {}
        for p in sorted(glob.glob(os.path.join(self.store, "*", "*.json"))):
            if os.path.basename(os.path.dirname(p)) == "revisions":
                continue
            with open(p) as f:
                out[os.path.relpath(p, self.store)] = f.read()
        return out

    def state_file(self, name):
        """The path of a service's state in the store (state/NAME.json: pfcp's associations, ...)."""
        return os.path.join(self.store, "state", name + ".json")

    # what the process holds, from /proc

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def cpu_s(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

    def log_size(self):
        return os.path.getsize(self.log)


# ----------------------------------------------------------------- intents

SITE = {"kind": "site", "spec": {
    "id": 1, "lan": [{"port": "lan1"}, {"port": "lan2"}],
    "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.1/24", "gateway": "192.0.2.254"},
            {"name": "isp2", "port": "wan2", "address": "198.51.100.1/24", "gateway": "198.51.100.254"}]}}
PEER = {"kind": "peers", "metadata": {"name": "siteB"}, "spec": {
    "id": 2, "endpoints": [{"address": "203.0.113.2", "wan": "isp1"}, {"address": "203.0.113.3", "wan": "isp2"}],
    "probe": {"how": "static"}}}


def slice_(name, sid, port, vni, **extra):
    spec = {"id": sid, "vni": vni, "members": [{"port": port}],
            "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"},
            "subnets": ["10.10.0.0/24"], "routes": [{"prefix": "10.40.0.0/16", "via": "10.10.0.1"}]}
    spec.update(extra)
    return {"kind": "slices", "metadata": {"name": name}, "spec": spec}


UPF = {"slice": "mec", "ue_pool": "10.45.0.0/16", "n6_addresses": ["10.10.0.254"], "rate_bps": 1000000000,
       "n3": {"port": "n3", "address": "192.0.2.1/24"}, "n9": {"port": "n9", "address": "198.51.100.1/24"},
       "peers": [{"name": "gnb1", "address": "192.0.2.10"},
                 {"name": "anchor", "address": "198.51.100.9", "via": "n9"}],
       "local_dns": [{"name": "mec", "prefixes": ["10.10.0.0/24"]}],
       "sessions": [{"id": 1, "ue": "10.45.0.1", "uplink": {"teid": 256},
                     "downlink": {"peer": "gnb1", "teid": 8192, "qfi": 9},
                     "anchor": {"peer": "anchor", "teid": 36864, "n9_teid": 28672},
                     "ambr_dl_bps": 50000000, "usage_threshold_bytes": 1000000},
                    {"id": 2, "ue": "10.45.0.2", "uplink": {"teid": 257, "ohr": "any"},
                     "downlink": {"peer": "gnb1", "teid": 8193, "state": "buffer"}}]}


# ------------------------------------------------------- the tables sxcd writes

SWITCH_TABLES = ["interfaces", "bd_ports", "flood", "flood_more", "svi", "fdb", "routes", "vteps", "vnis", "peers",
                 "tunnels", "endpoints", "paths", "policies", "classes", "meters", "meter_colors", "vdns",
                 "sched_ports", "sched_subports", "sched_pipes"]
UPF_TABLES = ["upf_interfaces", "upf_interfaces6", "svi6", "routes6", "upf_slices", "sessions_uplink", "sessions_downlink",
              "sessions_downlink6", "sessions_n9_downlink",
              "applications", "applications6", "terminations_uplink", "terminations_downlink", "tunnel_peers", "routes", "svi",
              "interfaces", "meters", "sessions_eth", "lan_members", "flood", "eth_applications", "sessions_ra", "redirects"]


UL_ACTIONS = ["fwd_n6", "fwd_n9", "drop", "bridge", "redirect"]   # app_action's numbers (up_names.h)


def ul_terms(t):
    """The uplink terminations of the sessions in tables() @t, as terminations_uplink entries:
    that table's, and the one app's sxcd writes inline in a sessions_uplink entry (marked
    "inline"), whose redirect id is its app_teid."""
    out = list(t["terminations_uplink"])
    for e in t["sessions_uplink"]:
        p = e["params"]
        if p.get("app"):
            a = UL_ACTIONS[p.get("app_action", 0)]
            far = {k: p["app_" + k] for k in ("meter", "teid", "urr", "peer", "qfi") if p.get("app_" + k)}
            if a == "redirect" and "teid" in far:
                far["redirect"] = far.pop("teid")
            out.append({"action": a, "match": {"session": p["id"], "app": p["app"]}, "params": far, "inline": True})
    return out


def snapshot(dp, tables=None):
    """Every entry of the tables sxcd writes (or those named), without hit counters."""
    out = {}
    for t in tables or SWITCH_TABLES:
        ents = []
        off = 0
        while off is not None:
            r = dp.rpc("table.read", {"table": t, "offset": off, "limit": 1000})
            for e in r["entries"]:
                e = {k: v for k, v in e.items() if k not in ("hits", "idle_s")}
                ents.append(json.dumps(e, sort_keys=True))
            off = r["next_offset"]
        out[t] = sorted(ents)
    return out


def snap_diff(a, b):
    """(entries only in a, entries only in b), over every table."""
    only_a, only_b = [], []
    for t in SWITCH_TABLES:
        sa, sb = set(a.get(t, [])), set(b.get(t, []))
        only_a += ["%s %s" % (t, e) for e in sorted(sa - sb)]
        only_b += ["%s %s" % (t, e) for e in sorted(sb - sa)]
    return only_a, only_b


# ---------------------------------------------------------- what sxcd answers

def expect_err(res, code, want_code, reason=None, pointer=None):
    expect_eq(code, want_code, "status of %s" % json.dumps(res)[:300])
    expect(isinstance(res, dict) and "error" in res, "an error body: %r" % (res,))
    if reason is not None:
        errs = res["error"].get("errors") or [{"reason": res["error"]["reason"], "pointer": ""}]
        reasons = [(e["reason"], e["pointer"]) for e in errs] + [(res["error"]["reason"], "")]
        expect(any(r == reason and (pointer is None or p == pointer) for r, p in reasons),
               "want reason %s at %s in %s" % (reason, pointer, json.dumps(res["error"])[:600]))


class Api:
    """The OpenAPI document: does an answer fit what it documents?"""

    def __init__(self, doc):
        self.doc = doc

    def response_schema(self, path, method, code):
        op = self.doc["paths"][path][method]
        r = op["responses"].get(str(code))
        expect(r is not None, "%s %s: %d is not documented (%s)" % (method.upper(), path, code,
                                                                      sorted(op["responses"])))
        while "$ref" in r:
            r = self.resolve(r["$ref"])
        content = r.get("content", {})
        return content.get("application/json", {}).get("schema")

    def resolve(self, ref):
        node = self.doc
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def check(self, path, method, code, body):
        sch = self.response_schema(path, method, code)
        if sch is None or jsonschema is None:
            return
        full = dict(sch)
        full["components"] = self.doc["components"]
        try:
            jsonschema.validate(body, full)
        except jsonschema.ValidationError as e:
            raise T.TestFailure("%s %s %d: the answer does not fit the OpenAPI document: %s at %s"
                                % (method.upper(), path, code, e.message, list(e.absolute_path)))
