#!/usr/bin/python3
"""sxcd as a hostile or careless HTTP client and a hung sxdp would see it (issue 32, items
15-19): framing that two parsers could read differently is refused with a JSON 400 and the
connection closed; every error is the API's JSON error; the token is checked on the headers,
before any body is read, and bodies in flight share a bounded budget; a slow or idle crowd at
the fd limit does not lock new clients out nor spin the loop; a stopped sxdp is reported as
unresponsive and writes waiting on it answer in bounded time; no route leaks.

Raw sockets throughout: what is sent is exactly what is written here.
"""
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
import test_sxcd as S  # noqa: E402

R = T.Runner()
TOKEN = "s3cret-token-0123456789"


class Sxcd(S.Sxcd):
    """test_sxcd's Sxcd, with a file descriptor limit and more arguments."""

    def __init__(self, sock, nofile=None, args=(), **kw):
        super().__init__(sock, **kw)
        self.nofile = nofile
        self.args = list(args)

    def start(self):
        cmd = [S.sxcd_path(), "--socket", self.sock, "--store", self.store,
               "--listen", "127.0.0.1:%d" % self.port, "--resync-ms", str(self.resync_ms)] + self.args
        if self.token:
            tf = self.store + ".token"
            with open(tf, "w") as f:
                f.write(self.token + "\n")
            cmd += ["--token-file", tf]
        nofile = self.nofile

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"),
                                     preexec_fn=limit)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise T.TestFailure("sxcd exited with %d: %s" % (self.proc.returncode, self.logtail()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise T.TestFailure("sxcd did not listen: %s" % self.logtail())

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

    def connect(self, timeout=5):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def raw(self, data, timeout=5, shut=False):
        """Send @data on a new connection; (status, headers, body, closed) of the first
        answer; closed: the server closed the connection after it."""
        s = self.connect(timeout)
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
            return read_answer(s, timeout)
        finally:
            s.close()


def read_answer(s, timeout=5):
    """One HTTP answer off socket @s: (status, {lowercase name: [values]}, body, closed)."""
    buf = b""
    deadline = time.monotonic() + timeout
    s.settimeout(timeout)
    while b"\r\n\r\n" not in buf:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            d = b""
        if not d:
            raise T.TestFailure("no answer (got %r)" % buf[:200])
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, v = ln.split(":", 1)
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    n = int(hdrs.get("content-length", ["0"])[0])
    while len(rest) < n and time.monotonic() < deadline:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    body, extra = rest[:n], rest[n:]
    closed = False
    if extra == b"":
        s.settimeout(0.5)
        try:
            closed = s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        except socket.timeout:
            closed = False
    return status, hdrs, body, closed


def json_err(status, hdrs, body, want, reason=None, what=""):
    expect_eq(status, want, "%s: status (%r)" % (what, body[:300]))
    expect_eq(hdrs.get("content-type"), ["application/json"], "%s: a JSON answer (%r)" % (what, body[:200]))
    e = json.loads(body)
    expect("error" in e and e["error"]["code"] == want and e["error"]["message"],
           "%s: the API's error form: %r" % (what, e))
    if reason is not None:
        expect_eq(e["error"]["reason"], reason, "%s: reason (%s)" % (what, e["error"]["message"]))
    return e


def wait_for(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise T.TestFailure("%s: not within %.1f s" % (what, timeout))
        time.sleep(0.1)


def sxdp_state(cd):
    code, st = cd.req("GET", "/api/v1/status")
    return st["sxdp"]


# ------------------------------------------------------------------ item 19

@R.test
def test_hung_sxdp_unresponsive_and_back():
    """SIGSTOP of sxdp: /status says unresponsive within the keepalive's deadline, /metrics says so,
    a ?wait=1 write answers 503 sxdp_unresponsive at once (stored); SIGCONT: connected again, the
    stored write reaches sxdp and what was there stays."""
    with Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, _ = cd.req("PUT", "/api/v1/site?wait=1", S.SITE)
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", S.slice_("blue", 1, "lan1", 5000))
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "blue Ready")
        before = S.snapshot(dp)
        expect_eq(sxdp_state(cd)["state"], "connected", "state before")
        os.kill(dp.proc.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            st = wait_for(lambda: (lambda s: s if s["state"] == "unresponsive" else None)(sxdp_state(cd)),
                          8, "/status says unresponsive")
            took = time.monotonic() - t0
            expect(not st["connected"], "not connected while unresponsive: %s" % st)
            code, text = cd.req("GET", "/metrics")
            expect("sxcd_sxdp_unresponsive 1" in text and "sxcd_sxdp_up 0" in text,
                   "metrics say unresponsive: %s" % [ln for ln in text.splitlines() if "sxcd_sxdp" in ln])
            t0 = time.monotonic()
            code, res = cd.req("PUT", "/api/v1/slices/red?wait=1", S.slice_("red", 2, "lan2", 5001))
            expect(time.monotonic() - t0 < 3, "a waited write answers at once: %.1f s" % (time.monotonic() - t0))
            S.expect_err(res, code, 503, "sxdp_unresponsive")
            code, res = cd.req("GET", "/api/v1/counters")
            S.expect_err(res, code, 503)
            expect("unresponsive" in res["error"]["message"], "counters say why: %s" % res)
            code, res = cd.req("GET", "/api/v1/slices/red")
            expect_eq(code, 200, "the write is stored")
        finally:
            os.kill(dp.proc.pid, signal.SIGCONT)
        wait_for(lambda: sxdp_state(cd)["state"] == "connected", 10, "connected again after SIGCONT")
        cd.wait_settled()
        code, res = cd.req("GET", "/api/v1/slices/red")
        expect_eq(res["status"]["phase"], "Ready", "red reached sxdp once it answered")
        after = S.snapshot(dp)
        only_before, _ = S.snap_diff(before, after)
        expect_eq(only_before, [], "nothing of what was there was lost")
        print("#   unresponsive after %.1f s" % took)


if __name__ == "__main__":
    R.main()
