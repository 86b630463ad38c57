"""A fleet for the packet tests: etcd started here (one member on loopback, random ports, a
temporary data directory; https with client certificates when given them), and boxes, each an
sxcd (sxcdtest.Sxcd) on one etcd prefix as its site; Fleet is two of them, site-a and site-b.

    with Fleet() as f:
        f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        wait_until(lambda: f.b.req("GET", "/api/v1/slices/red")[0] == 200, SETTLE_S, "red on b")

Fleet raises SkipTest without etcd (apt-get install etcd-server).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import sxdptest as T
from sxcdtest import NOSOCK, Sxcd, free_port


def b64(s):
    """etcd's v3 JSON gateway's form of a key or value."""
    return base64.b64encode(s.encode()).decode()


# generous: etcd started again on its data dir (a restart's WAL replayed) beside a CI run's lanes took
# more than the 10 s this was
ETCD_START_S = 40


class Etcd:
    """One etcd member in @tmp; tls: a directory with ca.crt, srv.crt, srv.key (https, client
    certificates asked) and cli.crt, cli.key (ours)."""

    def __init__(self, tmp, tls=None):
        self.dir = os.path.join(tmp, "etcd")
        self.cport, self.pport = free_port(), free_port()
        self.proc = None
        self.tls = tls
        self.extra = []     # more of etcd's flags (--client-crl-file)

    @property
    def ep(self):
        return "127.0.0.1:%d" % self.cport

    def start(self):
        c = ("https://" if self.tls else "http://") + self.ep
        p = "http://127.0.0.1:%d" % self.pport
        self.log = open(self.dir + ".log", "a")
        tls = ["--cert-file", os.path.join(self.tls, "srv.crt"), "--key-file",
               os.path.join(self.tls, "srv.key"), "--trusted-ca-file", os.path.join(self.tls, "ca.crt"),
               "--client-cert-auth"] if self.tls else []
        self.proc = subprocess.Popen(
            ["etcd", "--name", "t", "--data-dir", self.dir, "--listen-client-urls", c,
             "--advertise-client-urls", c, "--listen-peer-urls", p,
             "--initial-advertise-peer-urls", p, "--initial-cluster", "t=" + p] + tls + self.extra,
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + ETCD_START_S
        while time.monotonic() < deadline:
            try:
                self.call("kv/range", {"key": b64("/")})
                return
            except OSError:
                time.sleep(0.1)
        raise T.TestFailure("etcd did not start in %d s: %s" % (ETCD_START_S, open(self.dir + ".log").read()[-600:]))

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def call(self, path, body):
        req = urllib.request.Request("%s://%s/v3/%s" % ("https" if self.tls else "http", self.ep, path),
                                     json.dumps(body).encode(), {"Content-Type": "application/json"})
        ctx = None
        if self.tls:
            import ssl
            ctx = ssl.create_default_context(cafile=os.path.join(self.tls, "ca.crt"))
            ctx.load_cert_chain(os.path.join(self.tls, "cli.crt"), os.path.join(self.tls, "cli.key"))
        with urllib.request.urlopen(req, timeout=3, context=ctx) as r:
            return json.loads(r.read())


def fleet_box(tmp, etcd, site, prefix="/fleet", sock=None, extra=()):
    """One box's sxcd on the fleet's store (etcd's @prefix, as @site), talking to the sxdp at
    @sock (none by default); its state, log and token file in @tmp; sxcd's own resync. Its
    start() waits until it is synced with etcd (start(synced=False): not)."""
    return Sxcd(sock or NOSOCK, store="etcd://%s%s" % (etcd.ep, prefix), site=site,
                state_dir=os.path.join(tmp, "state-" + site), resync_ms=None, extra=["--no-netlink"] + list(extra))


def bare_slice(sid):
    """A slice with no member (nothing of it waits on a box's ports)."""
    return {"spec": {"id": sid, "members": []}}


class Fleet:
    """etcd and two boxes on it, site-a and site-b (their sxdp sockets: socks), synced."""

    def __init__(self, socks=(None, None), extra=()):
        self.socks = socks
        self.extra = extra  # more of both boxes' flags

    def __enter__(self):
        if shutil.which("etcd") is None:
            raise T.SkipTest("etcd is not installed (apt-get install etcd-server)")
        self.tmp = tempfile.mkdtemp(prefix="sxcd-fleet-")
        self.etcd = Etcd(self.tmp)
        self.etcd.start()
        self.a = fleet_box(self.tmp, self.etcd, "site-a", sock=self.socks[0], extra=self.extra)
        self.b = fleet_box(self.tmp, self.etcd, "site-b", sock=self.socks[1], extra=self.extra)
        try:
            self.a.start()
            self.b.start()
        except BaseException:
            self.__exit__(*sys.exc_info())  # etcd and any sxcd started stopped
            raise
        return self

    def __exit__(self, *exc):
        self.a.stop()
        self.b.stop()
        self.etcd.stop()
        if exc[0] is not None:
            for x in (self.a, self.b):
                if os.path.exists(x.log):
                    sys.stdout.write("# %s:\n# %s\n" % (os.path.basename(x.log), x.logtail()
                                                        .replace("\n", "\n# ")))
        shutil.rmtree(self.tmp, ignore_errors=True)
