#!/usr/bin/python3
"""Two sxcd on one etcd prefix (sxcd --store etcd://.../PREFIX --site S):
a write through one appears on the other; two racing writers get one 200
and one clean 409; etcd stopped: both keep their intents and say the store
is unreachable in /api/v1/status (a write is 503, nothing changed); etcd
back: both converge; an sxcd killed, the fleet changed and compacted behind
its back, started again (with etcd down first: it serves its cache) reads
everything again. sxcd runs without sxdp here (its intents wait Pending on
it): this is the store's contract; the dataplane side is test_sxcd.py's.
etcd is started by the test (one member on loopback, random ports, a
temporary data dir); skipped (77) without it.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402

R = T.Runner()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Etcd:
    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "etcd")
        self.cport, self.pport = free_port(), free_port()
        self.proc = None

    @property
    def ep(self):
        return "127.0.0.1:%d" % self.cport

    def start(self):
        c, p = "http://" + self.ep, "http://127.0.0.1:%d" % self.pport
        self.log = open(self.dir + ".log", "a")
        self.proc = subprocess.Popen(
            ["etcd", "--name", "t", "--data-dir", self.dir, "--listen-client-urls", c,
             "--advertise-client-urls", c, "--listen-peer-urls", p,
             "--initial-advertise-peer-urls", p, "--initial-cluster", "t=" + p],
            stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                self.call("kv/range", {"key": b64("/")})
                return
            except OSError:
                time.sleep(0.1)
        raise T.TestFailure("etcd did not start")

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def call(self, path, body):
        req = urllib.request.Request("http://%s/v3/%s" % (self.ep, path), json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=3) as r:
            return json.loads(r.read())


def b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


class Sxcd:
    def __init__(self, tmp, etcd, site, prefix="/fleet"):
        self.port = free_port()
        self.state = os.path.join(tmp, "state-" + site)
        self.args = [os.path.join(T.build_dir(), "sxcd"), "--socket", os.path.join(tmp, "none.sock"),
                     "--store", "etcd://%s%s" % (etcd.ep, prefix), "--site", site,
                     "--state-dir", self.state, "--listen", "127.0.0.1:%d" % self.port,
                     "--no-netlink"]
        self.logf = os.path.join(tmp, "sxcd-%s.log" % site)
        self.proc = None

    def start(self, synced=True):
        self.log = open(self.logf, "a")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                st = self.status()
                if not synced or st["store"]["fleet"]["state"] == "synced":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise T.TestFailure("sxcd did not come up synced: %s" % open(self.logf).read()[-2000:])

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()

    def req(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request("http://127.0.0.1:%d/api/v1/%s" % (self.port, path), data,
                                   {"Content-Type": "application/json"}, method=method)
        try:
            with urllib.request.urlopen(r, timeout=10) as a:
                return a.status, json.loads(a.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def status(self):
        return self.req("GET", "status")[1]

    def fleet(self):
        return self.status()["store"]["fleet"]

    def get(self, name):
        c, b = self.req("GET", "slices/" + name)
        return b if c == 200 else None


def slice_(sid):
    return {"spec": {"id": sid, "members": []}}


def until(what, fn, secs=5.0):
    end = time.monotonic() + secs
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise T.TestFailure("timed out waiting for %s" % what)
        time.sleep(0.02)


class Fleet:
    def __enter__(self):
        if shutil.which("etcd") is None:
            raise T.SkipTest("etcd is not installed (apt-get install etcd-server)")
        self.tmp = tempfile.mkdtemp(prefix="sxcd-fleet-")
        self.etcd = Etcd(self.tmp)
        self.etcd.start()
        self.a = Sxcd(self.tmp, self.etcd, "site-a")
        self.b = Sxcd(self.tmp, self.etcd, "site-b")
        self.a.start()
        self.b.start()
        return self

    def __exit__(self, *exc):
        self.a.stop()
        self.b.stop()
        self.etcd.stop()
        if exc[0] is not None:
            for f in ("sxcd-site-a.log", "sxcd-site-b.log"):
                sys.stdout.write("# %s:\n# %s\n" % (f, open(os.path.join(self.tmp, f)).read()[-1500:]
                                                    .replace("\n", "\n# ")))
        shutil.rmtree(self.tmp, ignore_errors=True)


@R.test
def test_write_through_one_appears_on_other():
    with Fleet() as f:
        c, b = f.a.req("PUT", "slices/red", slice_(10))
        expect_eq(c, 201, "PUT through a")
        gen = b["metadata"]["generation"]
        got = until("red on b", lambda: f.b.get("red"), 2)
        expect_eq(got["spec"], slice_(10)["spec"], "b's red")
        expect_eq(got["metadata"]["generation"], gen, "the generation is the store's revision")
        # a change through b, seen on a; the same spec again changes nothing
        c, b = f.b.req("PUT", "slices/red", slice_(11))
        expect_eq(c, 200, "PUT through b")
        expect(b["metadata"]["generation"] > gen, "a new revision")
        until("red 11 on a", lambda: (f.a.get("red") or {}).get("spec", {}).get("id") == 11, 2)
        c, b2 = f.a.req("PUT", "slices/red", slice_(11))
        expect_eq((c, b2["metadata"]["generation"]), (200, b["metadata"]["generation"]), "unchanged")
        # apply of two through a, one withdrawal through b
        c, _ = f.a.req("POST", "apply", {"items": [dict(slice_(20), kind="slices", metadata={"name": "g"}),
                                                    dict(slice_(21), kind="slices", metadata={"name": "h"})]})
        expect_eq(c, 200, "apply through a")
        until("g, h on b", lambda: f.b.get("g") and f.b.get("h"), 2)
        c, _ = f.b.req("DELETE", "slices/red")
        expect_eq(c, 200, "DELETE through b")
        until("red gone on a", lambda: f.a.get("red") is None
              or f.a.get("red")["status"]["phase"] in ("Withdrawing", "Withdrawn"), 2)
        # each site's own: the site intent of a is not b's
        c, _ = f.a.req("PUT", "site", {"spec": {"id": 1}})
        expect(c in (200, 201), "site through a: %d" % c)
        time.sleep(0.3)
        expect_eq(f.b.req("GET", "site")[0], 404, "a's site is not on b")
        keys = f.etcd.call("kv/range", {"key": b64("/fleet/"), "range_end": b64("/fleet0"), "keys_only": True})
        import base64
        names = sorted(base64.b64decode(kv["key"]).decode() for kv in keys.get("kvs", []))
        expect_eq(names, ["/fleet/intents/slices/g", "/fleet/intents/slices/h",
                          "/fleet/sites/site-a/intents/site/local"], "the keys in etcd")


@R.test
def test_racing_writers_one_wins_one_409():
    with Fleet() as f:
        c, b = f.a.req("PUT", "slices/red", slice_(10))
        until("red on b", lambda: f.b.get("red"), 2)
        for i in range(5):
            gen = until("same generation on both", lambda: (
                f.a.get("red")["metadata"]["generation"] == f.b.get("red")["metadata"]["generation"]
                and f.a.get("red")["metadata"]["generation"]), 2)
            codes = []
            go = threading.Barrier(2)

            def put(box, sid):
                go.wait()
                codes.append(box.req("PUT", "slices/red?expected_generation=%d" % gen, slice_(sid)))
            ts = [threading.Thread(target=put, args=(f.a, 100 + i)), threading.Thread(target=put, args=(f.b, 200 + i))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            expect_eq(sorted(c for c, _ in codes), [200, 409], "race %d" % i)
            lost = [b for c, b in codes if c == 409][0]
            expect_eq(lost["error"]["reason"], "stale_generation", "the loser's reason")
            won = [b for c, b in codes if c == 200][0]
            until("both on the winner's", lambda: f.a.get("red")["spec"] == won["spec"] ==
                  f.b.get("red")["spec"], 2)
        # a stale expected_generation through either: 409, nothing changed
        c, b = f.b.req("PUT", "slices/red?expected_generation=1", slice_(7))
        expect_eq((c, b["error"]["reason"]), (409, "stale_generation"), "stale")


@R.test
def test_store_down_keeps_state_then_converges():
    with Fleet() as f:
        f.a.req("PUT", "slices/red", slice_(10))
        until("red on b", lambda: f.b.get("red"), 2)
        f.etcd.stop()
        for box in (f.a, f.b):
            until("unreachable", lambda: box.fleet()["state"] == "unreachable", 4)
            expect_eq(box.get("red")["spec"]["id"], 10, "the last state kept")
        c, b = f.a.req("PUT", "slices/blue", slice_(12))
        expect_eq((c, b["error"]["reason"]), (503, "store_unreachable"), "a write while it is away")
        expect_eq(f.a.get("blue"), None, "nothing changed")
        f.etcd.start()
        for box in (f.a, f.b):
            until("synced again", lambda: box.fleet()["state"] == "synced", 5)
        c, _ = f.b.req("PUT", "slices/blue", slice_(12))
        expect_eq(c, 201, "a write once it is back")
        until("blue on a", lambda: f.a.get("blue"), 2)


@R.test
def test_restart_reads_cache_then_resyncs_after_compaction():
    with Fleet() as f:
        for n, sid in (("r1", 1), ("r2", 2), ("r3", 3)):
            f.a.req("PUT", "slices/" + n, slice_(sid))
        until("r3 on b", lambda: f.b.get("r3"), 2)
        f.b.kill9()
        # behind b's back: one changed, one withdrawn, one new; history compacted
        f.a.req("PUT", "slices/r1", slice_(31))
        f.a.req("DELETE", "slices/r2")
        f.a.req("PUT", "slices/r4", slice_(4))
        rev = int(f.etcd.call("kv/range", {"key": b64("/")})["header"]["revision"])
        f.etcd.call("kv/compaction", {"revision": str(rev)})
        # etcd away: b starts from what it last read
        f.etcd.stop()
        f.b.start(synced=False)
        until("b unreachable", lambda: f.b.fleet()["state"] == "unreachable", 4)
        expect_eq([f.b.get(n)["spec"]["id"] if f.b.get(n) else None for n in ("r1", "r2", "r3", "r4")],
                  [1, 2, 3, None], "b's cache")
        f.etcd.start()
        until("b synced", lambda: f.b.fleet()["state"] == "synced", 5)
        until("b converged", lambda: [
            (f.b.get(n) or {}).get("spec", {}).get("id") if (f.b.get(n) or {}).get("status", {})
            .get("phase") not in ("Withdrawing", "Withdrawn") else None
            for n in ("r1", "r2", "r3", "r4")] == [31, None, 3, 4], 3)


if __name__ == "__main__":
    R.main()
