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
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
from sxcdtest import NOSOCK, Sxcd  # noqa: E402
from httptest import connect, read_answer, send  # noqa: E402

R = T.Runner()
TOKEN = "s3cret-token-0123456789"


def wire_sxcd(sock, nofile=None, args=(), **kw):
    """An sxcd whose wire these cases are about: the Host they send ("x") is a --server-name, and
    no credential is asked for unless a token is given (test_sxcd_front.py has the credentials,
    origins and hosts); nofile: its file descriptor limit."""
    kw.setdefault("token", False)
    return Sxcd(sock, nofile=nofile, extra=["--server-name", "x"] + list(args), **kw)


def json_err(status, hdrs, body, want, reason=None, what=""):
    expect_eq(status, want, "%s: status (%r)" % (what, body[:300]))
    expect_eq(hdrs.get("content-type"), ["application/json"], "%s: a JSON answer (%r)" % (what, body[:200]))
    e = json.loads(body)
    expect("error" in e and e["error"]["code"] == want and e["error"]["message"],
           "%s: the API's error form: %r" % (what, e))
    if reason is not None:
        expect_eq(e["error"]["reason"], reason, "%s: reason (%s)" % (what, e["error"]["message"]))
    return e


def sxdp_state(cd):
    code, st = cd.req("GET", "/api/v1/status")
    return st["sxdp"]


HEAD_S = 10                          # CD_WIRE_HEAD_MS: a head's time
CT = b"Content-Type: application/json\r\n"     # every write's (a GET's too: harmless)
BODY = b'{"spec": {"id": 7}}'


def put(name, body=BODY, extra=b""):
    return (b"PUT /api/v1/slices/%s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (name.encode(), extra, len(body)) + body)


# ------------------------------------------------------------------ item 16

FRAMING = [
    # what, bytes, status, reason
    ("two different Content-Lengths (a smuggled PUT)",
     b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 19\r\nContent-Length: 0\r\n\r\n" + BODY
     + put("smuggled"), 400, "bad_framing"),
    ("two equal Content-Lengths", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 19\r\n"
     b"Content-Length: 19\r\n\r\n" + BODY, 400, "bad_framing"),
    ("Content-Length +19", put("a").replace(b"Content-Length: 19", b"Content-Length: +19"), 400, "bad_framing"),
    ("Content-Length -1", put("a").replace(b"Content-Length: 19", b"Content-Length: -1"), 400, "bad_framing"),
    ("Content-Length hex", put("a").replace(b"Content-Length: 19", b"Content-Length: 0x13"), 400, "bad_framing"),
    ("Content-Length list", put("a").replace(b"Content-Length: 19", b"Content-Length: 19, 19"), 400,
     "bad_framing"),
    ("Content-Length with a space", put("a").replace(b"Content-Length: 19", b"Content-Length: 1 9"), 400,
     "bad_framing"),
    ("Content-Length empty", put("a").replace(b"Content-Length: 19", b"Content-Length:"), 400, "bad_framing"),
    ("Content-Length overflowing", put("a").replace(b"Content-Length: 19",
                                                      b"Content-Length: 18446744073709551636"), 413, "too_large"),
    ("Transfer-Encoding and Content-Length",
     put("a", extra=b"Transfer-Encoding: chunked\r\n"), 400, "bad_framing"),
    ("Transfer-Encoding gzip, chunked", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: gzip, chunked\r\n\r\n13\r\n" + BODY + b"\r\n0\r\n\r\n", 501, "bad_framing"),
    ("Transfer-Encoding twice", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n13\r\n" + BODY + b"\r\n0\r\n\r\n", 501, "bad_framing"),
    ("Transfer-Encoding in HTTP/1.0", b"PUT /api/v1/slices/a HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"13\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "bad_framing"),
    ("chunk size 0x13", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0x13\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "bad_chunk"),
    ("chunk size -13", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"-13\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "bad_chunk"),
    ("chunk size overflowing", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000000000000013\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "bad_chunk"),
    ("chunk data too long", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "bad_chunk"),
    ("obs-fold", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400, "obs_fold"),
    ("space before the colon", b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length : 19\r\n\r\n" + BODY,
     400, "bad_field"),
    ("bare LF", b"GET /api/v1/status HTTP/1.1\nHost: x\n\n", 400, "bad_line"),
    ("bare CR", b"GET /api/v1/status HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, "bad_line"),
    ("NUL in a field", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, "bad_line"),
    ("control byte in a field", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", 400, "bad_field"),
    ("no Host", b"GET /api/v1/status HTTP/1.1\r\n\r\n", 400, "bad_field"),
    ("two Hosts", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "bad_field"),
    ("HTTP/1.2", b"GET /api/v1/status HTTP/1.2\r\nHost: x\r\n\r\n", 505, "bad_version"),
    ("HTTP/2.0", b"GET /api/v1/status HTTP/2.0\r\nHost: x\r\n\r\n", 505, "bad_version"),
    ("no version", b"GET /api/v1/status\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
    ("two spaces", b"GET  /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
    ("absolute-form", b"GET http://x/api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_target"),
    ("head too large", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431,
     "head_too_large"),
    ("too many fields", b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n" + b"X: 1\r\n" * 101 + b"\r\n", 431,
     "too_many_fields"),
    ("HEAD with a body", b"HEAD /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 19\r\n\r\n" + BODY, 400,
     "bad_framing"),
    ("Expect: something else", put("a", extra=b"Expect: 200-ok\r\n"), 417, "bad_expect"),
    ("a body too large", put("a").replace(b"Content-Length: 19", b"Content-Length: 4194305"), 413, "too_large"),
    ("unknown method", b"FOO /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 501, "bad_method"),
    ("CONNECT (no proxy here)", b"CONNECT sxcd:443 HTTP/1.1\r\nHost: x\r\n\r\n", 501, "bad_method"),
    ("method not a token", b"G(T /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request_line"),
]


@R.test
def test_framing_refused():
    """Every ambiguous or malformed framing is refused with the API's JSON error (status and named
    reason), the connection is closed after it, and nothing is stored; what follows a refused
    request on the connection (a smuggled PUT) is never acted on."""
    with wire_sxcd(NOSOCK) as cd:
        for what, data, want, reason in FRAMING:
            st, hdrs, body, closed = send(cd.port, data)
            json_err(st, hdrs, body, want, reason, what)
            expect(closed and hdrs.get("connection") == ["close"], "%s: the connection closed after it" % what)
        expect_eq(cd.store_files(), {}, "nothing stored")
        code, res = cd.req("GET", "/api/v1/slices")
        expect_eq(res["items"], [], "no slice")


@R.test
def test_framing_accepted():
    """What is well framed still works: a chunked body (with an extension and a trailer), leading
    empty lines, pipelined requests on one connection, Expect: 100-continue, HTTP/1.0."""
    with wire_sxcd(NOSOCK) as cd:
        chunked = (b"PUT /api/v1/slices/c1 HTTP/1.1\r\nHost: x\r\n" + CT + b"Transfer-Encoding: Chunked\r\n\r\n"
                   b"5;ext=1\r\n" + BODY[:5] + b"\r\ne\r\n" + BODY[5:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
        st, hdrs, body, closed = send(cd.port, chunked)
        expect_eq((st, json.loads(body)["metadata"]["name"]), (201, "c1"), "chunked PUT: %r" % body[:200])
        s = connect(cd.port)
        s.sendall(b"\r\n" + put("p1") + put("p2") + b"GET /api/v1/slices HTTP/1.1\r\nHost: x\r\n\r\n")
        got = [read_answer(s) for _ in range(3)]
        s.close()
        expect_eq([g[0] for g in got], [201, 201, 200], "three pipelined answers")
        expect_eq(sorted(i["metadata"]["name"] for i in json.loads(got[2][2])["items"]), ["c1", "p1", "p2"],
                  "the pipelined PUTs stored")
        s = connect(cd.port)
        s.sendall(put("e1", extra=b"Expect: 100-continue\r\n").split(b"\r\n\r\n")[0] + b"\r\n\r\n")
        st, hdrs, body, closed = read_answer(s)
        expect_eq(st, 100, "100 Continue before the body")
        s.sendall(BODY)
        expect_eq(read_answer(s)[0], 201, "then the PUT")
        s.close()
        s = connect(cd.port)
        s.sendall(b"PUT /api/v1/slices/e2 HTTP/1.1\r\nHost: x\r\n" + CT + b"Expect: 100-continue\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        expect_eq(read_answer(s)[0], 100, "100 Continue before a chunked body")
        s.sendall(b"13\r\n" + BODY + b"\r\n0\r\n\r\n")
        expect_eq(read_answer(s)[0], 201, "then the chunked PUT")
        s.close()
        st, hdrs, body, closed = send(cd.port, b"GET /api/v1/status HTTP/1.0\r\n\r\n")
        expect_eq(st, 200, "HTTP/1.0 without Host")


@R.test
def test_methods_and_routes():
    """Wrong methods on a known route: 405 with Allow, in the API's JSON; OPTIONS: 204 with Allow;
    HEAD: GET's status and headers without the body; unknown routes and methods: JSON 404 and 501."""
    with wire_sxcd(NOSOCK) as cd:
        cases = [("PATCH", "/api/v1/slices/a", 405, "GET, HEAD, PUT, DELETE, OPTIONS"),
                 ("POST", "/api/v1/slices/a", 405, "GET, HEAD, PUT, DELETE, OPTIONS"),
                 ("PUT", "/api/v1/slices", 405, "GET, HEAD, POST, OPTIONS"),
                 ("DELETE", "/api/v1/status", 405, "GET, HEAD, OPTIONS"),
                 ("TRACE", "/api/v1/counters", 405, "GET, HEAD, OPTIONS"),
                 ("PUT", "/metrics", 405, "GET, HEAD, OPTIONS"),
                 ("GET", "/api/v1/apply", 405, "POST, OPTIONS"),
                 ("PATCH", "/api/v1/site", 405, "GET, HEAD, PUT, DELETE, OPTIONS")]
        for method, path, want, allow in cases:
            st, hdrs, body, _ = send(cd.port, b"%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (method.encode(), path.encode(), CT))
            json_err(st, hdrs, body, want, "bad_method", "%s %s" % (method, path))
            expect_eq(hdrs.get("allow"), [allow], "%s %s: Allow" % (method, path))
            st, hdrs, body, _ = send(cd.port, b"OPTIONS %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            expect_eq((st, hdrs.get("allow"), body), (204, [allow], b""), "OPTIONS %s" % path)
        for path in ("/nothing", "/api/v1/nothing", "/api/v1/slices/a/b", "/api/v1"):
            st, hdrs, body, _ = send(cd.port, b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            json_err(st, hdrs, body, 404, "not_found", path)
            st, hdrs, body, _ = send(cd.port, b"PATCH %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path.encode(), CT))
            json_err(st, hdrs, body, 404, "not_found", "PATCH " + path)
        s = connect(cd.port)
        s.sendall(b"HEAD /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        buf = b""
        while buf.count(b"HTTP/1.1 200") < 2 or not buf.rstrip().endswith(b"}"):
            d = s.recv(65536)
            if not d:
                break
            buf += d
        s.close()
        head, rest = buf.split(b"\r\n\r\n", 1)
        expect(head.startswith(b"HTTP/1.1 200") and b"application/json" in head and
               rest.startswith(b"HTTP/1.1 200"), "HEAD: GET's status and headers, no body: %r" % buf[:300])


# ------------------------------------------------------------------ item 17

@R.test
def test_token_on_the_head():
    """With a token: the scheme is case-insensitive; a request without the token is refused on its
    head (401 JSON, WWW-Authenticate, closed) before its body is sent; 48 unauthenticated clients
    sending 4 MiB bodies do not grow sxcd's memory; bodies being received share a bounded budget."""
    with wire_sxcd(NOSOCK, token=TOKEN) as cd:
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            st, hdrs, body, _ = send(cd.port, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: %s %s\r\n\r\n"
                                       % (scheme.encode(), TOKEN.encode()))
            expect_eq(st, 200, "scheme %s" % scheme)
        for auth in (b"", b"Authorization: Bearer\r\n", b"Authorization: Basic %s\r\n" % TOKEN.encode(),
                     b"Authorization: Bearer %s\r\nAuthorization: Bearer %s\r\n" % (TOKEN.encode(), TOKEN.encode()),
                     b"Authorization: Bearer%s\r\n" % TOKEN.encode(),
                     b"Authorization: Bearer %sx\r\n" % TOKEN.encode()):
            st, hdrs, body, closed = send(cd.port, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n%s\r\n" % auth)
            expect(st in (400, 401), "refused: %r -> %d" % (auth, st))
            json_err(st, hdrs, body, st, None, repr(auth))
            expect(closed, "closed after %r" % auth)
        # refused on the head: the answer comes with the body not sent
        s = connect(cd.port)
        s.sendall(b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n")
        st, hdrs, body, closed = read_answer(s, 3)
        s.close()
        json_err(st, hdrs, body, 401, "unauthorized", "unauthenticated head")
        expect_eq(hdrs.get("www-authenticate"), ['Bearer realm="sxcd"'], "WWW-Authenticate")
        # 48 unauthenticated clients, 4 MiB bodies each
        rss0 = cd.rss_kib()
        chunk = b"x" * 65536
        socks = []
        for i in range(48):
            s = connect(cd.port)
            s.setblocking(False)
            try:
                s.send(b"PUT /api/v1/slices/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n")
            except OSError:
                pass
            socks.append(s)
        peak = rss0
        for _ in range(64):
            for s in socks:
                try:
                    s.send(chunk)
                except OSError:
                    pass
            peak = max(peak, cd.rss_kib())
        for s in socks:
            s.close()
        print("#   RSS %d KiB -> peak %d KiB with 48 unauthenticated 4 MiB bodies" % (rss0, peak))
        expect(peak - rss0 < 16 * 1024, "sxcd's memory did not grow with unauthenticated bodies: %d -> %d KiB"
               % (rss0, peak))
        # authenticated bodies in flight: at most the budget (64 MiB), the rest 503 busy
        auth = b"Authorization: Bearer %s\r\n" % TOKEN.encode()
        socks, busy = [], 0
        for i in range(20):
            s = connect(cd.port)
            s.sendall(b"PUT /api/v1/slices/b%d HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: 4194304\r\n\r\n"
                      % (i, auth, CT) + b"{" * 1000)
            socks.append(s)
        for s in socks:
            s.settimeout(0.3)
            try:
                if s.recv(64).startswith(b"HTTP/1.1 503"):
                    busy += 1
            except socket.timeout:
                pass
            s.close()
        expect_eq(busy, 4, "bodies past the budget (16 x 4 MiB) are refused 503 busy")
        code, res = cd.req("GET", "/api/v1/status")
        expect_eq(code, 200, "served after")


@R.test
def test_loopback_from_the_bound_address():
    """--listen decides "loopback" from what the name resolves to and the socket is bound to, not
    from how the name looks: 127.evil.example resolving to 10.9.9.9 needs a token (a namespace with
    its own /etc/hosts, as ip netns exec provides)."""
    ns = "sxhttp%d" % os.getpid()
    etc = "/etc/netns/" + ns
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "-n", ns, "addr", "add", "10.9.9.9/32", "dev", "lo"], check=True)
        os.makedirs(etc, exist_ok=True)
        with open(etc + "/hosts", "w") as f:
            f.write("127.0.0.1 localhost\n10.9.9.9 127.evil.example\n")
        store = "/tmp/sxhttp-store-%d" % os.getpid()
        for name, refused in (("127.evil.example", True), ("localhost", False), ("127.0.0.1", False),
                              ("10.9.9.9", True)):
            p = subprocess.Popen(["ip", "netns", "exec", ns, S.sxcd_path(), "--listen", name + ":18199",
                                  "--store", store, "--socket", NOSOCK, "--no-netlink", "--insecure-no-auth"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                out, err = p.communicate(timeout=3)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                p.terminate()
                out, err = p.communicate()
                rc = None   # still serving
            if refused:
                expect(rc == 2 and "loopback only" in err, "--listen %s without a token: refused (rc %s, %s)"
                       % (name, rc, err.strip()[-200:]))
            else:
                expect(rc is None, "--listen %s without a token: served (rc %s, %s)" % (name, rc, err[-200:]))
        shutil.rmtree(store, ignore_errors=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(etc, ignore_errors=True)


LONG = "n" * 64


@R.test
def test_name_rule_everywhere():
    """A name is 1..63 characters on every path: the route, a POST's body, /apply's items, the
    schema served."""
    with wire_sxcd(NOSOCK) as cd:
        doc = cd.req("GET", "/api/v1/openapi.json")[1]
        expect_eq(doc["components"]["schemas"]["Name"]["maxLength"], 63, "the schema's Name")
        for name, ok in (("n" * 63, True), (LONG, False), ("n" * 100, False), ("n" * 129, False)):
            code, res = cd.req("PUT", "/api/v1/slices/" + name, {"spec": {"id": 7}})
            expect_eq(code in (200, 201), ok, "PUT of a %d-character name: %d" % (len(name), code))
            code, res = cd.req("POST", "/api/v1/slices", {"metadata": {"name": "m" * len(name)}, "spec": {"id": 9}})
            expect_eq(code in (200, 201), ok, "POST of a %d-character name: %d %s" % (len(name), code, res))
            code, res = cd.req("POST", "/api/v1/apply?dry_run=1",
                               {"items": [{"kind": "slices", "metadata": {"name": name}, "spec": {"id": 8}}]})
            expect_eq(code == 200, ok, "/apply of a %d-character name: %d" % (len(name), code))
        names = sorted(i["metadata"]["name"] for i in cd.req("GET", "/api/v1/slices")[1]["items"])
        expect_eq(names, ["m" * 63, "n" * 63], "only the 63-character ones stored")


# ------------------------------------------------------------------ item 18

@R.test
def test_fd_exhaustion():
    """At a 64-fd limit, 120 slow-header clients (a byte every second): new clients are served
    within a bound throughout, the slow ones are closed within the head deadline, sxcd does not
    spin and its log does not explode."""
    with wire_sxcd(NOSOCK, nofile=64) as cd:
        log0, cpu0 = cd.log_size(), cd.cpu_s()
        slow = []
        for i in range(120):
            try:
                s = socket.create_connection(("127.0.0.1", cd.port), timeout=2)
                s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(s)
            except OSError:
                pass
        t_end = time.monotonic() + 12
        worst = 0
        served = 0
        while time.monotonic() < t_end:
            for s in list(slow):
                try:
                    s.send(b"a")
                except OSError:
                    slow.remove(s)
            # the attackers come back as fast as they are closed
            while len(slow) < 120:
                try:
                    s = socket.create_connection(("127.0.0.1", cd.port), timeout=0.5)
                    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    slow.append(s)
                except OSError:
                    break
            t0 = time.monotonic()
            try:
                st = send(cd.port, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)[0]
                served += st == 200
            except (OSError, T.TestFailure):
                st = None
            worst = max(worst, time.monotonic() - t0)
            expect_eq(st, 200, "a new client served during the attack")
            time.sleep(0.5)
        fds = cd.fds()
        for s in slow:
            s.close()
        cpu = cd.cpu_s() - cpu0
        grew = cd.log_size() - log0
        print("#   %d served, worst %.2f s; sxcd CPU %.1f s over 12 s; log +%d bytes; %d fds"
              % (served, worst, cpu, grew, fds))
        expect(worst < 3, "every new client within 3 s: worst %.2f s" % worst)
        expect(cpu < 6, "sxcd did not spin: %.1f s of CPU in 12 s" % cpu)
        expect(grew < 4096, "the log stayed small: +%d bytes" % grew)
        expect(fds <= 64, "within the fd limit: %d" % fds)
        code, m = cd.req("GET", "/metrics")
        expect("sxcd_http_evicted_total" in m, "evictions counted in /metrics")
    with wire_sxcd(NOSOCK) as cd:
        # the head deadline: a trickle does not keep a connection open
        s = connect(cd.port)
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < 14:
            try:
                s.send(b"X: 1\r\n")
                s.settimeout(1)
                if s.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
        took = time.monotonic() - t0
        s.close()
        expect(closed and took < 12, "a trickling head is closed at the deadline: %.1f s" % took)


@R.test
def test_held_requests_are_not_evicted_as_idle():
    """At a 64-fd limit, requests being served (PUTs ?wait=1, held until sxdp has them: none is
    here) and then more idle connections than the bound: the idle ones are closed for new
    clients, the held ones never are (their clients would get no answer at all; four held PUTs
    once were, at the bound, as the oldest connections "reading a head")."""
    with wire_sxcd(NOSOCK, nofile=64) as cd:
        held = []
        for i in range(4):
            s = connect(cd.port)
            s.sendall(put("held%d?wait=1" % i, json.dumps({"spec": {"id": 10 + i}}).encode()))
            held.append(s)
        # each is being served: its intent stored, its answer waiting on sxdp
        T.wait_until(lambda: all(cd.req("GET", "/api/v1/slices/held%d" % i)[0] == 200 for i in range(4)), 10,
                     "the four PUTs stored", interval=0.1)
        idle = []
        for _ in range(100):
            try:
                idle.append(socket.create_connection(("127.0.0.1", cd.port), timeout=2))
            except OSError:
                pass
        # new clients make room (evictions), then the held ones are looked at
        for _ in range(3):
            expect_eq(send(cd.port, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0], 200,
                      "a new client served at the bound")
        evicted = int(re.search(r"^sxcd_http_evicted_total (\d+)", cd.req("GET", "/metrics")[1], re.M).group(1))
        expect(evicted > 0, "idle connections closed at the bound: %d" % evicted)
        gone = []
        for i, s in enumerate(held):
            s.settimeout(0.5)
            try:
                got = s.recv(100)
                gone.append("held%d: %s" % (i, got or "closed unanswered"))
            except socket.timeout:
                pass
            except OSError as e:
                gone.append("held%d: %s" % (i, e))
        for s in held + idle:
            s.close()
        expect(not gone, "held requests kept through %d evictions: %s" % (evicted, gone))


@R.test
def test_a_held_loop_does_not_close_its_clients():
    """sxcd's loop held past the head deadline (here: stopped; in CI, the store's sync under
    another build's writes held it 40 s) while four accepted clients sent their requests: when
    it runs again their heads are there to read, and each is answered; none is closed as slow
    (four clients once got "Remote end closed connection without response" this way)."""
    with wire_sxcd(NOSOCK) as cd:
        conns = [connect(cd.port, timeout=60) for _ in range(4)]
        # accepted by sxcd (its deadline armed), not only by the kernel: five counted with ours
        T.wait_until(lambda: int(re.search(r"^sxcd_http_connections (\d+)", cd.req("GET", "/metrics")[1],
                                           re.M).group(1)) >= 5, 10, "the four connections accepted", interval=0.1)
        os.kill(cd.proc.pid, signal.SIGSTOP)
        try:
            for s in conns:
                s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(HEAD_S + 2)   # the stall itself: longer than a head may take
        finally:
            os.kill(cd.proc.pid, signal.SIGCONT)
        got = []
        for s in conns:
            try:
                got.append(read_answer(s, timeout=30, detect_close=False)[0])
            except (OSError, T.TestFailure) as e:
                got.append("%s: %s" % (type(e).__name__, e))
            s.close()
        expect_eq(got, [200] * 4, "each client answered after the stall")
        # (whether a deadline or the read runs first in that turn varies: the count is said)
        print("#   deadlines that fired late: %s" % re.search(
            r"^sxcd_http_deadlines_late_total (\d+)", cd.req("GET", "/metrics")[1], re.M).group(1))


# ------------------------------------------------------------------ item 15

def get_many(cd, paths, n):
    """@n GETs of each of @paths on one keep-alive connection."""
    s = connect(cd.port, 10)
    for _ in range(n):
        for p in paths:
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p.encode())
            st = read_answer(s, 10, detect_close=False)[0]
            if st != 200:
                raise T.TestFailure("GET %s: %d" % (p, st))
    s.close()


@R.test
def test_no_leak_on_reads():
    """Thousands of GETs of every read route (counters, topology, metrics, status, lists, one intent,
    the document): sxcd's live heap (its allocator's count, /status memory.allocated_bytes) stays
    flat (a leak of ~100 bytes a request would show); RSS, which holds freed pages the allocator
    keeps for a while, is printed beside it."""
    with Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN) as dp, wire_sxcd(dp.sock_path) as cd:
        cd.req("PUT", "/api/v1/site", S.SITE)
        cd.req("POST", "/api/v1/peers", S.PEER)
        cd.req("PUT", "/api/v1/slices/blue?wait=1", S.slice_("blue", 1, "lan1", 5000))
        cd.wait_settled()
        paths = ["/api/v1/counters", "/api/v1/topology", "/metrics", "/api/v1/status", "/api/v1/slices",
                 "/api/v1/slices/blue", "/api/v1/site", "/api/v1/openapi.json"]

        def heap():
            return cd.req("GET", "/api/v1/status")[1]["memory"]["allocated_bytes"] // 1024
        get_many(cd, paths, 300)             # warm up: caches and buffers at their size
        h0, rss0 = heap(), cd.rss_kib()
        get_many(cd, ["/api/v1/counters"], 8000)
        h1, rss1 = heap(), cd.rss_kib()
        get_many(cd, paths, 1000)
        h2, rss2 = heap(), cd.rss_kib()
        print("#   live heap %d KiB, after 8,000 counters %d KiB, after 8,000 more reads %d KiB (RSS %d, %d, %d KiB)"
              % (h0, h1, h2, rss0, rss1, rss2))
        expect(h1 - h0 < 400, "8,000 GET /api/v1/counters: live heap %d -> %d KiB" % (h0, h1))
        expect(h2 - h1 < 400, "8,000 reads of every route: live heap %d -> %d KiB" % (h1, h2))


# ------------------------------------------------------------------ item 19

@R.test
def test_hung_sxdp_unresponsive_and_back():
    """SIGSTOP of sxdp: /status says unresponsive within the keepalive's deadline, /metrics says so,
    a ?wait=1 write answers 503 sxdp_unresponsive at once (stored); SIGCONT: connected again, the
    stored write reaches sxdp and what was there stays."""
    with Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN) as dp, wire_sxcd(dp.sock_path) as cd:
        code, _ = cd.req("PUT", "/api/v1/site?wait=1", S.SITE)
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", S.slice_("blue", 1, "lan1", 5000))
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "blue Ready")
        before = S.snapshot(dp)
        expect_eq(sxdp_state(cd)["state"], "connected", "state before")
        os.kill(dp.proc.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            st = T.wait_until(lambda: (lambda s: s if s["state"] == "unresponsive" else None)(sxdp_state(cd)),
                              8, "/status says unresponsive", interval=0.1)
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
        T.wait_until(lambda: sxdp_state(cd)["state"] == "connected", 10, "connected again after SIGCONT", interval=0.1)
        cd.wait_settled()
        code, res = cd.req("GET", "/api/v1/slices/red")
        expect_eq(res["status"]["phase"], "Ready", "red reached sxdp once it answered")
        after = S.snapshot(dp)
        only_before, _ = S.snap_diff(before, after)
        expect_eq(only_before, [], "nothing of what was there was lost")
        print("#   unresponsive after %.1f s" % took)


if __name__ == "__main__":
    R.main()
