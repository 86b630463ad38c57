#!/usr/bin/python3
"""sxctl as sxcd's client over HTTPS and with its token found by itself.

Against HTTPS servers of Python's ssl module started here (certificates made
with the openssl command in a temp dir: a CA, a server certificate naming
localhost/127.0.0.1/::1, one naming another host, a self-signed one, client
certificates for mutual TLS): a server sxctl can verify answers; one it
cannot (wrong name or address, unknown CA, TLS 1.0/1.1 only, mutual TLS
without sxctl's certificate) is refused with OpenSSL's reason and the
server sees no HTTP request. Every write is application/json; the Host
field is the URL's authority, an IPv6 address in brackets.

The token: from $SXCD_TOKEN_FILE; --token-file wins; a default-ish file
sxctl may not read (mode 0000, sxctl run as nobody) sends none and a 401
says why; one given with --token-file is an error naming it; a file longer
than a token (1024 bytes) is refused naming it; the token in no output.

Then sxctl against a real sxcd serving HTTPS (--tls-cert/--tls-key), with a
token and without one (--insecure-no-auth).

    /usr/bin/python3 tests/unit/test_sxctl_tls.py [SXCTL]   (SXCD=... or BUILD=...)
"""

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402

R = T.Runner()
warnings.filterwarnings("ignore", "ssl.TLSVersion.TLSv1", DeprecationWarning)   # the old servers, on purpose
SXCTL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SXCTL") or \
    os.path.join(T.build_dir(), "sxctl")
SXCD = os.environ.get("SXCD") or os.path.join(T.build_dir(), "sxcd")
TOKEN = "tok-" + "q7Zx" * 8           # what a run must never print
SERVED_WITHIN = 10                    # s: a server done with a connection sxctl gave up on
RUN_TIMEOUT = 30                      # s: one sxctl run
TMP = tempfile.mkdtemp(prefix="sxctl-tls-")
os.chmod(TMP, 0o755)                  # nobody's runs read the binary and files here


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), cwd=TMP, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise T.TestFailure("openssl %s: %s" % (" ".join(args), r.stderr.strip()))


def path(name):
    return os.path.join(TMP, name)


def make_ca(name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def make_cert(name, ca, san, usage="serverAuth"):
    """name.crt/name.key signed by ca, for san (a subjectAltName value)."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
    with open(path(name + ".ext"), "w") as f:
        f.write("subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n" % (san, usage))
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-out", name + ".crt", "-extfile", name + ".ext")


def make_certs():
    make_ca("ca")
    make_ca("other-ca")
    make_ca("client-ca")
    make_cert("good", "ca", "DNS:localhost,IP:127.0.0.1,IP:::1")
    make_cert("wrong", "ca", "DNS:wrong.example,IP:192.0.2.1")
    make_cert("client", "client-ca", "DNS:sxctl", "clientAuth")
    make_cert("stranger", "other-ca", "DNS:sxctl", "clientAuth")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "self.key", "-out", "self.crt", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    for k in os.listdir(TMP):
        os.chmod(path(k), 0o644)


def ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


class Server:
    """One HTTP(S) server on loopback: each connection's TLS handshake, then
    one request (head, body by Content-Length) recorded and answered with
    JSON: 401 when want_token (True: any token, else that one) is not
    met, else 200."""

    def __init__(self, cert="good", tls=True, versions=None, ciphers=None, client_ca=None, want_token=False,
                 family=socket.AF_INET, addr=None):
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(path(cert + ".crt"), path(cert + ".key"))
            if versions:
                # old versions need the old suites: OpenSSL 3 refuses them at its default level
                self.ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                self.ctx.minimum_version, self.ctx.maximum_version = versions
            if ciphers:
                self.ctx.set_ciphers(ciphers)
            if client_ca:
                self.ctx.load_verify_locations(path(client_ca + ".crt"))
                self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.want_token = want_token
        self.sock = socket.socket(family)
        self.sock.bind((addr or ("::1" if family == socket.AF_INET6 else "127.0.0.1"), 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []     # (method, target, {field: value}, body, peer certificate)
        self.tls_errors = []
        self.done = 0          # connections finished with
        self.cv = threading.Condition()
        self.stopping = False
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.stopping:
                c.close()
                return
            try:
                self.serve(c)
            except (OSError, ValueError) as e:
                with self.cv:
                    self.tls_errors.append(str(e))
            finally:
                c.close()
                with self.cv:
                    self.done += 1
                    self.cv.notify_all()

    def serve(self, c):
        c.settimeout(SERVED_WITHIN)
        peer = None
        if self.ctx:
            c = self.ctx.wrap_socket(c, server_side=True)
            peer = c.getpeercert()
        data = b""
        while b"\r\n\r\n" not in data:
            k = c.recv(65536)
            if not k:
                return
            data += k
            if not data[:1].isalpha():
                # not HTTP (a TLS hello): what an HTTP server says to that
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
        head, body = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        fields = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            fields.setdefault(k.strip().lower(), []).append(v.strip())
        n = int(fields.get("content-length", ["0"])[0])
        while len(body) < n:
            k = c.recv(65536)
            if not k:
                break
            body += k
        with self.cv:
            self.requests.append((method, target, fields, body, peer))
        auth = fields.get("authorization", [None])[0]
        if self.want_token and (auth is None or self.want_token is not True and
                                auth != "Bearer " + self.want_token):
            code, doc = 401, {"error": {"reason": "unauthorized", "message": "a token is wanted"}}
        elif method == "GET":
            code, doc = 200, {"sxdp": {"connected": False, "reconcile": {}}, "intents": {}}
        else:
            code, doc = 200, {"changes": [], "status": {"phase": "Withdrawn"}}
        out = json.dumps(doc).encode()
        c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n%s" % (code, len(out), out))

    def wait_done(self, n):
        """Until n connections are finished with (the server's view of a refusal)."""
        with self.cv:
            if not self.cv.wait_for(lambda: self.done >= n, SERVED_WITHIN):
                raise T.TestFailure("the server finished %d connections, want %d" % (self.done, n))

    def url(self, host="localhost"):
        return "%s://%s:%d" % ("https" if self.ctx else "http", host, self.port)

    def close(self):
        self.stopping = True
        try:
            socket.create_connection(self.sock.getsockname()[:2], timeout=2).close()
        except OSError:
            pass
        self.sock.close()
        self.th.join(SERVED_WITHIN)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
        return False


def env_with(**kw):
    """sxctl's environment: nothing of the caller's SXCD_*; no token unless named."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("SXCD_")}
    e["SXCD_TOKEN_FILE"] = path("no-such-token")
    e.update(kw)
    return e


def sxctl(*args, rc=0, env=None, user=None, stdin=None):
    """Run sxctl; (stdout, stderr). A different exit code fails; the token is in neither."""
    cmd = [BIN] + [str(a) for a in args]
    if user:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                       env=env or env_with(), input=stdin)
    if p.returncode != rc:
        raise T.TestFailure("sxctl %s: exit %d, want %d\n%s%s" % (" ".join(map(str, args)),
                            p.returncode, rc, p.stdout, p.stderr))
    expect(TOKEN not in p.stdout + p.stderr, "the token printed: %s%s" % (p.stdout, p.stderr))
    return p.stdout, p.stderr


def write_token(name, text=TOKEN + "\n", mode=0o644):
    p = path(name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    return p


def refused(srv, args, why, conns=1):
    """sxctl refuses srv: exit 3, why in its one line, and the server saw no request."""
    _, err = sxctl("--api", *args, "status", rc=3)
    expect(why in err and "nothing was sent" in err, "why (%s) in: %s" % (why, err))
    srv.wait_done(conns)
    expect_eq(srv.requests, [], "requests the server saw")
    return err


# ---------------------------------------------------------------- HTTPS


@R.test
def test_https_verified_by_name_and_address():
    """The CA's server answers by name and by address (v4, v6 in brackets): the
    Host field is the URL's authority; reads carry no Content-Type, writes do."""
    with Server() as srv:
        out, _ = sxctl("--api", srv.url("localhost"), "--cacert", path("ca.crt"), "status")
        expect("sxdp: not connected" in out, "status over https: %s" % out)
        sxctl("--api", srv.url("127.0.0.1") + "/", "--cacert", path("ca.crt"), "get", "slices")
        sxctl("--api", srv.url("127.0.0.1"), "--cacert", path("ca.crt"), "delete", "slices", "a b")
        sxctl("--api", srv.url("127.0.0.1"), "--cacert", path("ca.crt"), "apply", "-f", "-",
              stdin=json.dumps({"kind": "slices", "metadata": {"name": "red"}}))
        (m0, t0, f0, _, _), (m1, t1, f1, _, _), (m2, t2, f2, _, _), (m3, t3, f3, b3, _) = srv.requests
        expect_eq((m0, t0, f0["host"]), ("GET", "/api/v1/status", ["localhost:%d" % srv.port]), "status")
        expect_eq((m1, t1, f1["host"]), ("GET", "/api/v1/slices", ["127.0.0.1:%d" % srv.port]), "get")
        expect("content-type" not in f0 and "content-type" not in f1, "a read with a type: %s" % f1)
        expect_eq((m2, t2, f2["content-type"], f2["content-length"]),
                  ("DELETE", "/api/v1/slices/a%20b?dry_run=0&wait=0", ["application/json"], ["0"]), "delete")
        expect_eq((m3, f3["content-type"], json.loads(b3)["items"][0]["metadata"]["name"]),
                  ("POST", ["application/json"], "red"), "apply")
        expect(all("authorization" not in f for _, _, f, _, _ in srv.requests), "a token sent from nowhere")
    if not ipv6_loopback():
        return
    with Server(family=socket.AF_INET6) as srv:
        sxctl("--api", srv.url("[::1]"), "--cacert", path("ca.crt"), "status")
        expect_eq(srv.requests[0][2]["host"], ["[::1]:%d" % srv.port], "Host of an IPv6 URL")


@R.test
def test_https_wrong_name_or_address_refused_unsent():
    """A certificate the CA signed for another host: refused by name and by
    address, the reason OpenSSL's, no request on the wire."""
    with Server(cert="wrong") as srv:
        refused(srv, [srv.url("localhost"), "--cacert", path("ca.crt")], "hostname mismatch")
    with Server(cert="wrong") as srv:
        refused(srv, [srv.url("127.0.0.1"), "--cacert", path("ca.crt")], "IP address mismatch")


@R.test
def test_https_unknown_ca_refused_unsent():
    """A self-signed certificate, one of a CA sxctl was not given, one checked
    against the system's store: refused, nothing sent."""
    with Server(cert="self") as srv:
        err = refused(srv, [srv.url(), "--cacert", path("ca.crt")], "self-signed certificate")
        expect("certificate is refused" in err, "said as the certificate's fault: %s" % err)
    with Server() as srv:
        refused(srv, [srv.url(), "--cacert", path("other-ca.crt")], "unable to get local issuer certificate")
    with Server() as srv:
        refused(srv, [srv.url()], "unable to get local issuer certificate")


@R.test
def test_https_old_tls_refused():
    """A server of TLS 1.0 or 1.1 only (which a client allowing them reaches:
    the server is real) is refused, nothing sent."""
    for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with Server(versions=(v, v)) as srv:
            cl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            cl.set_ciphers("DEFAULT:@SECLEVEL=0")
            cl.minimum_version = cl.maximum_version = v
            cl.load_verify_locations(path("ca.crt"))
            with socket.create_connection(("127.0.0.1", srv.port), timeout=SERVED_WITHIN) as s:
                with cl.wrap_socket(s, server_hostname="localhost") as t:
                    expect_eq(t.version(), {ssl.TLSVersion.TLSv1: "TLSv1",
                                            ssl.TLSVersion.TLSv1_1: "TLSv1.1"}[v], "the server's version")
            srv.wait_done(1)
            err = refused(srv, [srv.url(), "--cacert", path("ca.crt")], "TLS handshake failed", conns=2)
            expect("protocol version" in err or "unsupported protocol" in err, "the reason: %s" % err)


@R.test
def test_https_weak_suite_refused():
    """A TLS 1.2 server of a suite without AEAD (CBC with SHA-1; one a client
    allowing it reaches) is refused, nothing sent."""
    v12 = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    with Server(versions=v12, ciphers="ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0") as srv:
        cl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cl.set_ciphers("ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0")
        cl.load_verify_locations(path("ca.crt"))
        with socket.create_connection(("127.0.0.1", srv.port), timeout=SERVED_WITHIN) as s:
            with cl.wrap_socket(s, server_hostname="localhost") as t:
                expect_eq((t.cipher()[0], t.version()), ("ECDHE-ECDSA-AES128-SHA", "TLSv1.2"), "the server's suite")
        srv.wait_done(1)
        refused(srv, [srv.url(), "--cacert", path("ca.crt")], "TLS handshake failed", conns=2)


@R.test
def test_https_plain_server_refused():
    """https:// to a plain HTTP server: a handshake failure, nothing sent as HTTP."""
    with Server(tls=False) as srv:
        _, err = sxctl("--api", "https://localhost:%d" % srv.port, "--cacert", path("ca.crt"), "status", rc=3)
        expect("TLS handshake failed" in err, "why: %s" % err)


@R.test
def test_mutual_tls():
    """A server that wants a client certificate: sxctl's (--cert/--key) is
    taken; without one or with another CA's, the server takes no request."""
    base = ["--cacert", path("ca.crt")]
    with Server(client_ca="client-ca") as srv:
        sxctl("--api", srv.url(), *base, "--cert", path("client.crt"), "--key", path("client.key"), "status")
        expect_eq(len(srv.requests), 1, "requests")
        expect_eq(dict(x[0] for x in srv.requests[0][4]["subject"])["commonName"], "client",
                  "the peer certificate the server saw")
    for cert in (None, "stranger"):
        with Server(client_ca="client-ca") as srv:
            more = ["--cert", path(cert + ".crt"), "--key", path(cert + ".key")] if cert else []
            _, err = sxctl("--api", srv.url(), *base, *more, "status", rc=3)
            srv.wait_done(1)
            expect_eq(srv.requests, [], "requests taken %s a certificate" % ("with another CA's" if cert else "without"))
            expect(("did not take sxctl's certificate, --cert" if cert else
                    "sxcd wants sxctl's certificate: --cert, --key") in err, "why: %s" % err)


@R.test
def test_tls_options_checked_before_any_connection():
    """Usage errors (exit 2, the file named) and no connection at all."""
    with Server() as srv:
        u = srv.url()
        cases = [
            (["--api", u, "--cert", path("client.crt")], "--cert and --key go together"),
            (["--api", u, "--key", path("client.key")], "--cert and --key go together"),
            (["--api", "http://localhost:%d" % srv.port, "--cacert", path("ca.crt")],
             "--cacert, --cert and --key are for an https:// --api"),
            (["--api", u, "--cacert", path("nope.crt")], "--cacert %s: No such file or directory" % path("nope.crt")),
            (["--api", u, "--cacert", path("good.ext")], "--cacert %s:" % path("good.ext")),
            (["--api", u, "--cert", path("client.crt"), "--key", path("good.key")],
             "--key %s is not the key of --cert %s" % (path("good.key"), path("client.crt"))),
            (["--api", "https://[::1:%d" % srv.port], "bad --api"),
            (["--api", "https://a@localhost:%d" % srv.port], "bad --api"),
            (["--api", "https://localhost:0"], "bad --api"),
            (["--api", "https://localhost:%d/base" % srv.port], "bad --api"),
            (["--api", "ftp://localhost"], "bad --api"),
            (["--api", u, "--cacert="], "--cacert needs a FILE"),
        ]
        for args, why in cases:
            _, err = sxctl(*args, "status", rc=2)
            expect(why in err, "%s: want '%s' in: %s" % (" ".join(args), why, err))
        _, err = sxctl("--cacert", path("ca.crt"), "hello", rc=2)
        expect("are for sxcd's commands" in err, "--cacert on an sxdp command: %s" % err)
        expect_eq(srv.done, 0, "connections made")


# ---------------------------------------------------------------- the token


@R.test
def test_token_from_env_and_option():
    """$SXCD_TOKEN_FILE's token is sent (its line's end stripped); --token-file
    wins over it; a token of exactly 1024 bytes is sent whole."""
    env_tok = write_token("env-token")
    opt_tok = write_token("opt-token", "opt-" + TOKEN + "\r\n")
    long_ok = write_token("max-token", "x" * 1024)
    with Server(tls=False, want_token=True) as srv:
        sxctl("--api", srv.url(), "status", env=env_with(SXCD_TOKEN_FILE=env_tok))
        sxctl("--api", srv.url(), "--token-file", opt_tok, "status", env=env_with(SXCD_TOKEN_FILE=env_tok))
        sxctl("--api", srv.url(), "status", env=env_with(SXCD_TOKEN_FILE=long_ok))
        expect_eq([r[2]["authorization"] for r in srv.requests],
                  [["Bearer " + TOKEN], ["Bearer opt-" + TOKEN], ["Bearer " + "x" * 1024]], "tokens sent")


def own_address():
    """An IPv4 address of this box's that is not loopback (None: it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))    # a route's source; nothing is sent
            a = s.getsockname()[0]
        except OSError:
            return None
    return None if a.startswith("127.") else a


@R.test
def test_found_token_kept_off_plain_http_elsewhere():
    """The token sxctl finds by itself goes over plain HTTP to loopback only:
    to this box's own other address, none is sent and a 401 says why; over
    https:// or given with --token-file, it is sent there."""
    a = own_address()
    if a is None:
        raise T.SkipTest("no address but loopback")
    tok = write_token("found-token")
    env = env_with(SXCD_TOKEN_FILE=tok)
    with Server(tls=False, want_token=True, addr="0.0.0.0") as srv:
        _, err = sxctl("--api", "http://%s:%d" % (a, srv.port), "status", rc=1, env=env)
        expect("sxctl: the token in %s is not sent in clear to %s: use https://, or give --token-file"
               % (tok, a) in err, "why: %s" % err)
        sxctl("--api", "http://%s:%d" % (a, srv.port), "--token-file", tok, "status", env=env)
        sxctl("--api", "http://127.0.0.1:%d" % srv.port, "status", env=env)
        expect_eq([r[2].get("authorization") for r in srv.requests],
                  [None, ["Bearer " + TOKEN], ["Bearer " + TOKEN]], "tokens sent")
    make_cert("own", "ca", "IP:" + a)
    with Server(cert="own", want_token=True, addr="0.0.0.0") as srv:
        sxctl("--api", "https://%s:%d" % (a, srv.port), "--cacert", path("ca.crt"), "status", env=env)
        expect_eq(srv.requests[0][2].get("authorization"), ["Bearer " + TOKEN], "the token over https")


@R.test
def test_unreadable_default_token_hint_on_401():
    """A default-ish token file nobody may read: no token sent, the run goes on,
    and sxcd's 401 comes with why (the file, its reason, the way out); with
    --json the error document holds no token either. Given with --token-file
    the same file is an error naming it, before any request."""
    if shutil.which("setpriv") is None:
        raise T.SkipTest("setpriv is not installed")
    locked = write_token("locked-token", mode=0o000)
    with Server(tls=False, want_token=True) as srv:
        _, err = sxctl("--api", srv.url(), "status", rc=1, user="nobody",
                       env=env_with(SXCD_TOKEN_FILE=locked))
        expect("sxctl: cannot read %s: Permission denied: add yourself to group sxdp, or give --token-file"
               % locked in err, "the hint: %s" % err)
        out, err = sxctl("--api", srv.url(), "--json", "status", rc=1, user="nobody",
                         env=env_with(SXCD_TOKEN_FILE=locked))
        expect_eq(json.loads(out)["error"]["reason"], "unauthorized", "--json's error")
        expect("add yourself to group sxdp" in err, "the hint with --json: %s" % err)
        expect_eq(len(srv.requests), 2, "requests")
        expect(all("authorization" not in r[2] for r in srv.requests), "a token sent")
        _, err = sxctl("--api", srv.url(), "--token-file", locked, "status", rc=2, user="nobody")
        expect("sxctl: --token-file %s: Permission denied" % locked in err, "why: %s" % err)
        # the default missing: said on a 401 too
        _, err = sxctl("--api", srv.url(), "status", rc=1)
        expect("no token was sent: %s does not exist" % path("no-such-token") in err, "why none: %s" % err)
    # a token sxcd refuses: the file named, not its contents
    with Server(tls=False, want_token="another-" + TOKEN) as srv:
        _, err = sxctl("--api", srv.url(), "status", rc=1, env=env_with(SXCD_TOKEN_FILE=write_token("t")))
        expect("sxctl: sxcd refused the token in %s" % path("t") in err, "why: %s" % err)


@R.test
def test_long_or_bad_token_file_refused():
    """A file longer than a token (explicit or from the environment) is
    refused naming it, never cut; so is one with a space or a control
    character in its line, or an empty one. Nothing is sent."""
    long_tok = write_token("long-token", "y" * 1025 + "\n")
    huge_tok = write_token("huge-token", "y" * 100000)
    spaced = write_token("spaced-token", "abc def" + TOKEN + "\n")
    crlf = write_token("crlf-token", TOKEN + "\r\nX-Evil: 1\n")
    empty = write_token("empty-token", "\n")
    with Server(tls=False, want_token=True) as srv:
        for f in (long_tok, huge_tok):
            _, err = sxctl("--api", srv.url(), "--token-file", f, "status", rc=2)
            expect_eq(err.strip(), "sxctl: %s: a token is at most 1024 bytes; this file holds more" % f, "why")
            _, err = sxctl("--api", srv.url(), "status", rc=2, env=env_with(SXCD_TOKEN_FILE=f))
            expect("sxctl: %s: a token is at most 1024 bytes" % f in err, "from the environment: %s" % err)
        for f in (spaced, crlf):
            _, err = sxctl("--api", srv.url(), "--token-file", f, "status", rc=2)
            expect("sxctl: %s: a token is one line of visible ASCII" % f in err, "why: %s" % err)
        _, err = sxctl("--api", srv.url(), "--token-file", empty, "status", rc=2)
        expect("sxctl: %s: holds no token" % empty in err, "why: %s" % err)
        expect_eq(srv.done, 0, "connections made")


# ---------------------------------------------------------------- a real sxcd


class RealSxcd:
    """sxcd serving HTTPS on loopback (no sxdp: its status says so)."""

    def __init__(self, *extra):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.store = tempfile.mkdtemp(prefix="store-", dir=TMP)
        self.log = self.store + ".log"
        self.proc = subprocess.Popen(
            [SXCD, "--socket", path("no-sxdp.sock"), "--store", self.store, "--no-netlink",
             "--listen", "127.0.0.1:%d" % self.port, "--tls-cert", path("good.crt"),
             "--tls-key", path("good.key")] + list(extra),
            stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        deadline = time.monotonic() + SERVED_WITHIN
        while True:
            if self.proc.poll() is not None:
                raise T.TestFailure("sxcd exited %d: %s" % (self.proc.returncode, open(self.log).read()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise T.TestFailure("sxcd did not listen: %s" % open(self.log).read())
                time.sleep(0.05)

    def __enter__(self):
        return self

    def __exit__(self, et, *a):
        self.proc.terminate()
        try:
            self.proc.wait(SERVED_WITHIN)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if et is not None:
            print("#   sxcd log: %s" % open(self.log).read()[-1500:].replace("\n", "\n#   "))
        return False


@R.test
def test_real_sxcd_over_tls():
    """sxcd --tls-cert/--tls-key: sxctl reads its status over HTTPS (TLS seen
    from sxcd's side too), with sxcd's token found in $SXCD_TOKEN_FILE, and
    a write goes through to sxcd's own answer; without the token, 401 and why;
    plain http:// to it is refused with a hint; another CA's sxcd is refused
    before sending."""
    if not os.access(SXCD, os.X_OK):
        raise T.SkipTest("no sxcd at %s" % SXCD)
    tok = write_token("sxcd-token", mode=0o600)
    with RealSxcd("--token-file", tok) as cd:
        api = ["--api", "https://localhost:%d" % cd.port, "--cacert", path("ca.crt")]
        out, _ = sxctl(*api, "--json", "status", env=env_with(SXCD_TOKEN_FILE=tok))
        st = json.loads(out)
        expect_eq({k: st.get("auth", {}).get(k) for k in ("mode", "tls")}, {"mode": "token", "tls": True},
                  "sxcd's auth")
        expect_eq(st["sxdp"]["connected"], False, "sxdp connected")
        out, err = sxctl(*api, "delete", "slices", "nothing-here", env=env_with(SXCD_TOKEN_FILE=tok), rc=1)
        expect("404" in err, "a write past the front door (not 415/421/403): %s" % err)
        _, err = sxctl(*api, "status", rc=1)
        expect("401" in err and "no token was sent: %s does not exist" % path("no-such-token") in err,
               "401 and why: %s" % err)
        _, err = sxctl("--api", "http://localhost:%d" % cd.port, "status", rc=3,
                       env=env_with(SXCD_TOKEN_FILE=tok))
        expect("answered 400, not JSON (does it serve HTTPS? then --api https://...)" in err, "hint: %s" % err)
        _, err = sxctl("--api", "https://127.0.0.1:%d" % cd.port, "--cacert", path("other-ca.crt"), "status",
                       rc=3, env=env_with(SXCD_TOKEN_FILE=tok))
        expect("unable to get local issuer certificate (nothing was sent)" in err, "why: %s" % err)
    with RealSxcd("--insecure-no-auth") as cd:
        out, _ = sxctl("--api", "https://127.0.0.1:%d" % cd.port, "--cacert", path("ca.crt"), "--json", "status")
        auth = json.loads(out).get("auth", {})
        expect_eq({k: auth.get(k) for k in ("mode", "tls")}, {"mode": "none", "tls": True}, "sxcd's auth")


if __name__ == "__main__":
    if not os.access(SXCTL, os.X_OK):
        print("not ok - sxctl binary: %s missing" % SXCTL)
        sys.exit(1)
    try:
        make_certs()
        # a copy nobody can run whatever the build tree's modes
        BIN = path("sxctl")
        shutil.copy(SXCTL, BIN)
        os.chmod(BIN, 0o755)
        R.main(sys.argv[2:])   # after SXCTL: names of tests to run
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
