#!/usr/bin/python3
"""sxcd's front door as an attacker and an operator would try it (issue 47): every route and
method without a credential, with a wrong one, with a session (reads only, and not after logout
or a change of the token), with a wrong Host (421: DNS rebinding), a write not typed
application/json (415: no simple cross-site request), from another origin (403); the headers of
every answer; wrong tokens throttled per source while the right one passes at once; HTTPS with
good clients and refused weak ones (curl, openssl s_client, Python's ssl), mutual TLS, plain HTTP
on the TLS port; plain HTTP from beyond loopback refused; a token file too long refused at start.

Raw sockets where the bytes matter; nothing here relies on sxdp (the HTTP side needs none).
"""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
from sxcdtest import NOSOCK  # noqa: E402
from httptest import read_answer  # noqa: E402

R = T.Runner()
CT = "Content-Type: application/json\r\n"
SLICE = b'{"spec": {"id": 7}}'
# what the front door takes each time, generous on a busy machine
FAST_S = 0.5            # an answer not held
HOLD_MIN_S = 0.3        # a held 429: its source's bucket refills one a second


# no credential: the login page, and its calls; a new box's enrolment (its one-time token in its body)
OPEN = ("/", "/api/v1/login", "/api/v1/logout", "/api/v1/enrol")


def routes():
    """(method, path, is_write) for every route of the OpenAPI document sxcd serves but the open
    ones, with a name where the path has one, plus a page file that exists."""
    doc = json.load(open(os.path.join(T.build_dir(), "sxcd-openapi.json")))
    out = []
    for tpl, ops in sorted(doc["paths"].items()):
        if tpl in OPEN:
            continue
        path = re.sub(r"\{kind\}", "slices", tpl)
        path = re.sub(r"\{file\}", "sx.js", path)
        path = re.sub(r"\{site\}", "s1", path)
        path = re.sub(r"\{[a-z_]+\}", "x1", path)
        for m in ops:
            if m.upper() in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
                out.append((m.upper(), path, m.upper() not in ("GET", "HEAD")))
    expect(len(out) > 20 and ("GET", "/metrics", False) in out and ("GET", "/ui/sx.js", False) in out,
           "the routes: %s" % out)
    return out


class Front(S.Sxcd):
    """An sxcd with no sxdp, its token, and extra arguments."""

    def __init__(self, args=(), **kw):
        super().__init__(NOSOCK, extra=["--no-netlink"] + list(args), **kw)

    def raw(self, method, path, headers="", body=b"", host=None, timeout=5, src="127.0.0.1"):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout, source_address=(src, 0))
        try:
            head = "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n" % (
                method, path, "127.0.0.1:%d" % self.port if host is None else host, headers, len(body))
            s.sendall(head.encode() + body)
            return read_answer(s, timeout, detect_close=False)
        finally:
            s.close()

    def auth(self):
        return "Authorization: Bearer %s\r\n" % self.token

    def login(self):
        """A session: (its Set-Cookie, the headers the page sends with it: the cookie and its key)."""
        st, hdrs, body, _ = self.raw("POST", "/api/v1/login", CT, json.dumps({"token": self.token}).encode())
        expect_eq(st, 200, "login: %r" % body[:200])
        key = json.loads(body)["session_key"]
        return hdrs["set-cookie"][0], "Cookie: %s\r\nX-Sxcd-Session: %s\r\n" % (cookie_pair(hdrs["set-cookie"][0]), key)


def cookie_pair(set_cookie):
    return set_cookie.split(";", 1)[0]


def reason(body):
    try:
        return json.loads(body)["error"]["reason"]
    except (ValueError, KeyError, TypeError):
        return None


@R.test
def test_every_route_needs_the_credential():
    """Every route and method: no credential, a wrong token, a session replayed after logout, a
    session on a write: 401 (JSON, WWW-Authenticate) and nothing stored; the token: through the
    front door (never 401/403/415/421); a session reads the API, /metrics and the page."""
    with Front() as cd:
        sc, session = cd.login()
        cookie = cookie_pair(sc)
        dsc, dead_session = cd.login()
        dead = cookie_pair(dsc)
        st, hdrs, _, _ = cd.raw("POST", "/api/v1/logout", CT + dead_session, b"{}")
        expect_eq(st, 204, "logout")
        expect("Max-Age=0" in hdrs["set-cookie"][0], "logout clears the cookie: %s" % hdrs["set-cookie"])
        n = 0
        for method, path, write in routes():
            body = SLICE if write else b""
            # wrong tokens from one address are throttled (test_wrong_tokens_throttled_right_one_not):
            # each route's from an address of its own
            src = "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)
            for what, hdr in (("no credential", ""), ("a wrong token", "Authorization: Bearer %s\r\n" %
                                                      S.new_token()),
                              ("a session after logout", dead_session),
                              ("a session's cookie alone", "Cookie: %s\r\n" % cookie),
                              ("another scheme", "Authorization: Basic %s\r\n" % cd.token)):
                st, hdrs, b, _ = cd.raw(method, path, hdr + (CT if write else ""), body, src=src)
                if what == "a session's cookie alone" and path.startswith(("/ui/", "/static/")) or path == "/":
                    continue    # the page's files: code, no data, opened by the cookie alone
                expect_eq((st, reason(b)), (401, "unauthorized"), "%s %s with %s" % (method, path, what))
                expect_eq(hdrs.get("www-authenticate"), ['Bearer realm="sxcd"'], "WWW-Authenticate")
            st, _, b, _ = cd.raw(method, path, cd.auth() + (CT if write else ""), body)
            expect(st not in (401, 403, 415, 421), "%s %s with the token: %d %r" % (method, path, st, b[:120]))
            st, _, b, _ = cd.raw(method, path, session + (CT if write else ""), body)
            if write:
                expect_eq((st, reason(b)), (401, "unauthorized"), "%s %s: a session does not write" % (method, path))
            else:
                expect(st not in (401, 403, 421), "%s %s: a session reads: %d %r" % (method, path, st, b[:120]))
            n += 1
        print("#   %d routes x methods" % n)
        # what was written with the token is the test's own; nothing else is
        code, res = cd.req("GET", "/api/v1/intents")
        expect_eq(code, 200, "intents")
        # the page's entry and login need nothing: the login page without a session
        st, _, b, _ = cd.raw("GET", "/")
        expect(st == 200 and b"login" in b.lower(), "GET / without a session: the login page")
        st, _, b, _ = cd.raw("GET", "/", "Cookie: %s\r\n" % cookie)
        expect(st == 200 and b"sx-views" in b, "GET / with a session: the page")


@R.test
def test_host_names_this_box():
    """A Host that is not the listen address, a loopback name or a --server-name: 421 on the API
    and the page, with a token or without (a rebinding name reads nothing, writes nothing); the
    port is not looked at; a --server-name (any case, a trailing dot) passes."""
    with Front(["--server-name", "Box1.Example.net"]) as cd:
        for host in ("evil.example", "evil.example:%d" % cd.port, "127.0.0.1.evil.example", "localhost.evil",
                     "10.1.2.3:%d" % cd.port, "[2001:db8::1]:%d" % cd.port, "box1.example.net.evil", "",
                     "127.0.0.1:1:2"):
            for method, path, hdr, body in (("GET", "/api/v1/intents", cd.auth(), b""), ("GET", "/", "", b""),
                                            ("PUT", "/api/v1/slices/r", cd.auth() + CT, SLICE)):
                st, _, b, _ = cd.raw(method, path, hdr, body, host=host)
                expect(st in (400, 421), "Host %r, %s %s: %d" % (host, method, path, st))
                if host:
                    expect_eq(reason(b), "bad_host" if st == 421 else reason(b), "Host %r: reason" % host)
        expect_eq(cd.req("GET", "/api/v1/slices")[1]["items"], [], "nothing stored through a bad Host")
        for host in ("127.0.0.1:%d" % cd.port, "localhost:%d" % cd.port, "LOCALHOST.", "127.1.2.3:99",
                     "[::1]:%d" % cd.port, "box1.example.net", "BOX1.EXAMPLE.NET.:8443"):
            st, _, b, _ = cd.raw("GET", "/api/v1/status", cd.auth(), host=host)
            expect_eq(st, 200, "Host %r: %r" % (host, b[:100]))


@R.test
def test_writes_are_json_and_same_origin():
    """A write not typed application/json is 415 (a form's text/plain, urlencoded, multipart, none);
    application/json with a charset passes. A write or an API read from another origin (Origin,
    Sec-Fetch-Site cross-site or same-site: another port of this host) is 403 with the token and
    with --insecure-no-auth; a navigation to the page from elsewhere loads it. Nothing stored."""
    with Front() as cd:
        for ctype in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", None, "application/jsonx", "application/json-seq"):
            for method, path in (("POST", "/api/v1/apply"), ("PUT", "/api/v1/slices/t"),
                                 ("DELETE", "/api/v1/slices/t"), ("POST", "/api/v1/slices")):
                body = b'{"items": [], "prune": ["slices"]}' if path.endswith("apply") else SLICE
                hdr = cd.auth() + ("Content-Type: %s\r\n" % ctype if ctype else "")
                st, _, b, _ = cd.raw(method, path, hdr, body)
                expect_eq((st, reason(b)), (415, "bad_content_type"), "%s %s as %s" % (method, path, ctype))
        st, _, b, _ = cd.raw("PUT", "/api/v1/slices/ok", cd.auth() + "Content-Type: application/json; charset=utf-8\r\n",
                             SLICE)
        expect_eq(st, 201, "application/json; charset=utf-8: %r" % b[:200])
        cd.req("DELETE", "/api/v1/slices/ok")
        # what the checks judge by is said once: two are refused, whichever comes last
        for field, a, b2 in (("Content-Type", "text/plain", "application/json"),
                             ("Origin", "http://evil.example", "http://127.0.0.1:%d" % cd.port),
                             ("Sec-Fetch-Site", "cross-site", "same-origin")):
            st, _, b, _ = cd.raw("PUT", "/api/v1/slices/dup", cd.auth() + CT.replace("Content-Type: application/json\r\n", "")
                                 + "%s: %s\r\n%s: %s\r\n" % (field, a, field, b2), SLICE)
            expect_eq((st, reason(b)), (400, "bad_field"), "two %s fields" % field)
        expect("dup" not in [i["metadata"]["name"] for i in cd.req("GET", "/api/v1/slices")[1]["items"]],
               "nothing stored")
    for token in (None, False):
        with Front(token=token) as cd:
            auth = cd.auth() if cd.token else ""
            own = "http://127.0.0.1:%d" % cd.port
            for what, hdr in (("Origin of another port", "Origin: http://127.0.0.1:9\r\n"),
                              ("Origin null", "Origin: null\r\n"),
                              ("Origin of another host", "Origin: http://evil.example\r\n"),
                              ("Origin https of this one", "Origin: https://127.0.0.1:%d\r\n" % cd.port),
                              ("Sec-Fetch-Site cross-site", "Sec-Fetch-Site: cross-site\r\n"),
                              ("Sec-Fetch-Site same-site", "Sec-Fetch-Site: same-site\r\n"),
                              ("own Origin, same-site", "Origin: %s\r\nSec-Fetch-Site: same-site\r\n" % own)):
                for method, path, body in (("POST", "/api/v1/apply", b'{"items": [], "prune": ["slices"]}'),
                                           ("PUT", "/api/v1/slices/x", SLICE), ("GET", "/api/v1/intents", b""),
                                           ("GET", "/metrics", b""), ("POST", "/api/v1/login", b'{"token": "x"}')):
                    st, _, b, _ = cd.raw(method, path, auth + hdr + CT, body)
                    expect_eq((st, reason(b)), (403, "cross_origin"), "%s %s, %s, %s" % (
                        method, path, what, "token" if token is None else "no credential"))
            st, _, b, _ = cd.raw("GET", "/", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\n")
            expect_eq(st, 200, "a link to the page from elsewhere loads it")
            st, _, b, _ = cd.raw("GET", "/ui/sx.js", auth + "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n")
            expect_eq((st, reason(b)), (403, "cross_origin"), "the page's script from another origin")
            st, _, b, _ = cd.raw("PUT", "/api/v1/slices/same", auth + CT + "Origin: %s\r\n"
                                 "Sec-Fetch-Site: same-origin\r\n" % own, SLICE)
            expect_eq(st, 201, "a write from the page's own origin: %r" % b[:200])
            expect_eq([i["metadata"]["name"] for i in cd.req("GET", "/api/v1/slices")[1]["items"]], ["same"],
                      "only the same-origin write stored")
            if not cd.token:
                st, _, _, _ = cd.raw("GET", "/api/v1/status")
                expect_eq(st, 200, "--insecure-no-auth: no credential asked")
                expect_eq(cd.status()["auth"]["mode"], "none", "status says so")
                expect("--insecure-no-auth" in cd.logtext() and "WARN" in cd.logtext(), "a warning at start")


@R.test
def test_headers_on_every_answer():
    """nosniff, no-store and frame-ancestors 'none' on every answer of the API and /metrics:
    200, 201, 204, 4xx of the routes, 405, OPTIONS, and the front door's refusals."""
    with Front() as cd:
        cases = [("GET", "/api/v1/status", cd.auth(), b"", 200), ("GET", "/metrics", cd.auth(), b"", 200),
                 ("PUT", "/api/v1/slices/h", cd.auth() + CT, SLICE, 201),
                 ("PUT", "/api/v1/slices/h", cd.auth() + CT, b"{", 400),
                 ("GET", "/api/v1/slices/none", cd.auth(), b"", 404),
                 ("DELETE", "/api/v1/status", cd.auth() + CT, b"", 405),
                 ("OPTIONS", "/api/v1/apply", cd.auth(), b"", 204),
                 ("GET", "/api/v1/status", "", b"", 401),
                 ("GET", "/api/v1/status", cd.auth(), b"", 421),
                 ("PUT", "/api/v1/slices/h", cd.auth(), SLICE, 415),
                 ("PUT", "/api/v1/slices/h", cd.auth() + CT + "Origin: http://evil.example\r\n", SLICE, 403),
                 ("POST", "/api/v1/logout", CT, b"{}", 204)]
        for method, path, hdr, body, want in cases:
            st, hdrs, b, _ = cd.raw(method, path, hdr, body, host="evil.example" if want == 421 else None)
            what = "%s %s -> %d" % (method, path, want)
            expect_eq(st, want, what)
            expect_eq(hdrs.get("x-content-type-options"), ["nosniff"], what + ": nosniff")
            expect_eq(hdrs.get("cache-control"), ["no-store"], what + ": no-store")
            expect("frame-ancestors 'none'" in (hdrs.get("content-security-policy") or [""])[0],
                   what + ": frame-ancestors %s" % hdrs.get("content-security-policy"))
            expect("access-control-allow-origin" not in hdrs, what + ": no CORS granted")


@R.test
def test_sessions_and_the_token_file():
    """A login's cookie: HttpOnly, SameSite=Strict, Path=/, opaque (not the token), and a key the
    page sends beside it (the cookie alone reads nothing; one planted before it hides nothing); a
    wrong login 401; at most 64 sessions (the least recently used goes); a new token in the file ends every
    session and the old token within the watch period (2 s; bound 10 s); an unusable new file
    keeps the old token and says so."""
    with Front() as cd:
        st, _, b, _ = cd.raw("POST", "/api/v1/login", CT, json.dumps({"token": S.new_token()}).encode())
        expect_eq((st, reason(b)), (401, "unauthorized"), "a wrong login")
        st, _, b, _ = cd.raw("POST", "/api/v1/login", CT, b'{"token": 7}')
        expect_eq(st, 400, "a login that is not a string")
        sc, first = cd.login()
        attrs = [a.strip() for a in sc.split(";")]
        expect(attrs[0].startswith("sxcd_session=") and "HttpOnly" in attrs and "SameSite=Strict" in attrs
               and "Path=/" in attrs and "Secure" not in attrs, "the cookie's attributes: %s" % sc)
        expect(cd.token not in sc and len(attrs[0].split("=", 1)[1]) == 64, "an opaque id, not the token")
        # a cookie planted beside it (by a co-hosted page, with a longer path: a browser sends it
        # first) hides nothing: every cookie of the name is looked at
        planted = first.replace("Cookie: ", "Cookie: sxcd_session=%s; " % ("ab" * 32), 1)
        expect_eq(cd.raw("GET", "/api/v1/status", planted)[0], 200, "a planted cookie first: the session reads")
        expect_eq(cd.raw("GET", "/api/v1/status", first.split("\r\n")[0] + "\r\n")[0], 401,
                  "its cookie without its key: nothing")
        others = [cd.login()[1] for _ in range(64)]
        st, _, _, _ = cd.raw("GET", "/api/v1/status", first)
        expect_eq(st, 401, "65 logins: the least recently used session went")
        st, _, _, _ = cd.raw("GET", "/api/v1/status", others[-1])
        expect_eq(st, 200, "the newest is live")
        # a new token: every session and the old token end
        old = cd.token
        cd.token = S.new_token()
        with open(cd.token_file + ".new", "w") as f:
            f.write(cd.token + "\n")
        os.chmod(cd.token_file + ".new", 0o600)
        os.rename(cd.token_file + ".new", cd.token_file)
        deadline = time.monotonic() + 10
        while cd.raw("GET", "/api/v1/status", "Authorization: Bearer %s\r\n" % old)[0] != 401:
            expect(time.monotonic() < deadline, "the old token refused within 10 s")
            time.sleep(0.1)
        for c in others[-3:]:
            expect_eq(cd.raw("GET", "/api/v1/status", c)[0], 401, "a session after the change")
        expect_eq(cd.raw("GET", "/api/v1/status", cd.auth())[0], 200, "the new token")
        expect("session(s) revoked" in cd.logtext() and old not in cd.logtext() and cd.token not in cd.logtext(),
               "the change logged, no token in the log")
        # an unusable file: the token stays
        with open(cd.token_file, "w") as f:
            f.write("short\n")
        deadline = time.monotonic() + 10
        while "cannot be used" not in cd.logtext():
            expect(time.monotonic() < deadline, "the unusable file logged within 10 s")
            time.sleep(0.1)
        expect_eq(cd.raw("GET", "/api/v1/status", cd.auth())[0], 200, "the token kept")
        st = cd.status()["auth"]
        expect(st["mode"] == "token" and st["revoked"] >= 64 and st["reloads"] == 1, "status: %s" % st)


@R.test
def test_wrong_tokens_throttled_right_one_not():
    """From one address: 10 wrong tokens answered 401 at once, then 429 held about a second each
    (Retry-After), one log line for the burst; past its burst an address's guesses are not tried at
    all, the right token neither (a client that does not wait for its answers gets no more guesses
    than the burst and its refills: 40 sent at once, the right one 13th, find nothing), while the
    right token from another address answers at once; a flood of parallel wrong ones is
    bounded (held or closed), the loop stays free; counted."""
    with Front() as cd:
        wrong = "Authorization: Bearer %s\r\n" % S.new_token()
        for i in range(10):
            t0 = time.monotonic()
            st, _, _, _ = cd.raw("GET", "/api/v1/status", wrong)
            expect(st == 401 and time.monotonic() - t0 < FAST_S, "wrong token %d: 401 at once" % i)
        t0 = time.monotonic()
        st, hdrs, b, _ = cd.raw("GET", "/api/v1/status", wrong)
        took = time.monotonic() - t0
        expect_eq((st, reason(b)), (429, "throttled"), "the 11th")
        expect(took >= HOLD_MIN_S and hdrs.get("retry-after"), "held (%.2f s) with Retry-After" % took)
        st, _, b, _ = cd.raw("POST", "/api/v1/login", CT, json.dumps({"token": "x" * 20}).encode())
        expect(st in (401, 429), "a wrong login counts too: %d" % st)
        t0 = time.monotonic()
        st, _, _, _ = cd.raw("GET", "/api/v1/status", cd.auth(), src="127.0.0.2")
        expect(st == 200 and time.monotonic() - t0 < FAST_S, "the right token from another address at once")
        # a client that does not wait for its answers: 40 guesses at once, the right one 13th; the
        # bucket refills one a second, so the guesses tried are the burst and one a second since
        socks = []
        t1 = time.monotonic()
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", cd.port), timeout=10, source_address=("127.0.0.9", 0))
            s.sendall(("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" %
                       (cd.auth() if i == 12 else "Authorization: Bearer %s\r\n" % S.new_token())).encode())
            socks.append(s)
        sent_s = time.monotonic() - t1
        got = []
        for s in socks:
            try:
                got.append(read_answer(s, 10, detect_close=False)[0])
            except T.TestFailure:
                got.append("closed")
            s.close()
        expect(got.count(401) <= 10 + int(sent_s) + 1 and (got[12] != 200 or sent_s >= 1),
               "no more guesses than the burst (sent in %.2f s): %s" % (sent_s, got))
        # 60 at once: some held, the rest closed unanswered; none answered quickly but 401s
        socks = []
        for _ in range(60):
            s = socket.create_connection(("127.0.0.1", cd.port), timeout=10)
            s.sendall(("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % wrong).encode())
            socks.append(s)
        t0 = time.monotonic()
        st, _, _, _ = cd.raw("GET", "/api/v1/status", cd.auth(), src="127.0.0.2")
        expect(st == 200 and time.monotonic() - t0 < FAST_S, "the right token at once during the flood")
        got = {}
        for s in socks:
            try:
                k = read_answer(s, 10, detect_close=False)[0]
            except T.TestFailure:
                k = "closed"
            got[k] = got.get(k, 0) + 1
            s.close()
        print("#   60 parallel wrong tokens: %s" % got)
        expect(got.get("closed", 0) > 0 and set(got) <= {401, 429, "closed"} and got.get(429, 0) <= 16 + 2,
               "at most 16 held per source, the rest closed: %s" % got)
        m = cd.raw("GET", "/metrics", cd.auth(), src="127.0.0.3")[2].decode()
        fails = int(re.search(r"^sxcd_http_auth_failures_total (\d+)", m, re.M).group(1))
        thr = int(re.search(r"^sxcd_http_auth_throttled_total (\d+)", m, re.M).group(1))
        expect(fails >= 72 and thr >= 40, "counted: %d failures, %d throttled" % (fails, thr))
        lines = [x for x in cd.logtext().splitlines() if "wrong credentials" in x]
        expect(1 <= len(lines) <= 2, "one log line per burst: %s" % lines)


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1/localhost, a client certificate, another CA."""
    def run(*a):
        subprocess.run(a, check=True, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for ca in ("ca", "other"):
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "2", "-subj", "/CN=test %s" % ca)
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
    for name in ("server", "client"):
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            name + ".key", "-out", name + ".csr", "-subj", "/CN=%s" % name)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", "ext")
    return {k: os.path.join(d, k) for k in ("ca.crt", "other.crt", "server.crt", "server.key", "client.crt",
                                            "client.key")}


def curl(*args):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


@R.test
def test_tls():
    """HTTPS (--tls-cert/--tls-key): curl and Python's ssl with the CA are served (TLS 1.2 and 1.3);
    TLS 1.0/1.1 and TLS 1.2 without forward secrecy or AEAD are refused (openssl s_client, curl);
    plain HTTP to the port gets a plain 400; the session cookie is __Host-, Secure; a big answer
    and a chunked upload go through; mutual TLS refuses a client without a certificate or with
    another CA's; bad certificate files are refused at start, naming them."""
    if shutil.which("curl") is None or shutil.which("openssl") is None:
        raise T.SkipTest("curl and openssl are needed (scripts/deps.sh installs them)")
    d = tempfile.mkdtemp(prefix="sxcd-tls-")
    try:
        c = make_certs(d)
        with Front(["--tls-cert", c["server.crt"], "--tls-key", c["server.key"]]) as cd:
            url = "https://127.0.0.1:%d" % cd.port
            auth = ["-H", "Authorization: Bearer " + cd.token]
            for v in ("--tlsv1.2", "--tlsv1.3"):
                rc, code, err = curl("--cacert", c["ca.crt"], v, "--tls-max", v[-3:], *auth, url + "/api/v1/status")
                expect_eq((rc, code), (0, "200"), "curl %s: %s" % (v, err))
            rc, code, err = curl("--cacert", c["ca.crt"], *auth, url + "/api/v1/openapi.json")
            expect_eq((rc, code), (0, "200"), "a big answer over TLS: %s" % err)
            rc, code, err = curl("--cacert", c["ca.crt"], *auth, "-H", "Content-Type: application/json",
                                 "-H", "Transfer-Encoding: chunked", "-X", "PUT", "--data-binary", SLICE.decode(),
                                 url + "/api/v1/slices/tls")
            expect_eq((rc, code), (0, "201"), "a chunked PUT over TLS: %s" % err)
            for args, what in ((["--tls-max", "1.1"], "TLS 1.1"), (["--tls-max", "1.0", "--tlsv1.0"], "TLS 1.0"),
                               (["--tls-max", "1.2", "--ciphers", "AES128-SHA"], "RSA key exchange, CBC"),
                               (["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA"], "CBC"),
                               ([], "no CA: the server unverified")):
                rc, code, err = curl(*(["--cacert", c["ca.crt"]] if args else []), *args, *auth,
                                     url + "/api/v1/status")
                expect(rc != 0 and code == "000", "%s refused (curl %d %s)" % (what, rc, err.strip()))
            for proto in ("-tls1", "-tls1_1"):
                r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % cd.port, proto,
                                    "-CAfile", c["ca.crt"]], input="", capture_output=True, text=True, timeout=30)
                expect(r.returncode != 0 and "Cipher is (NONE)" in r.stdout + r.stderr or "alert" in r.stderr,
                       "openssl s_client %s refused: %s" % (proto, (r.stdout + r.stderr)[-300:]))
            r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % cd.port, "-tls1_2",
                                "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-CAfile", c["ca.crt"]],
                               input="", capture_output=True, text=True, timeout=30)
            expect("Verify return code: 0 (ok)" in r.stdout and "ECDHE-ECDSA-AES128-GCM-SHA256" in r.stdout,
                   "openssl s_client TLS 1.2 AEAD: %s" % r.stdout[-400:])
            ctx = ssl.create_default_context(cafile=c["ca.crt"])
            with socket.create_connection(("127.0.0.1", cd.port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(("POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\n%sContent-Length: %d\r\n\r\n"
                               % (CT, len(json.dumps({"token": cd.token}))) + json.dumps({"token": cd.token})).encode())
                    st, hdrs, _, _ = read_answer(s, 10, detect_close=False)
            sc = hdrs.get("set-cookie", [""])[0]
            expect(st == 200 and sc.startswith("__Host-sxcd_session=") and "Secure" in sc, "over TLS: %s" % sc)
            expect_eq(hdrs.get("strict-transport-security"), ["max-age=31536000"], "HSTS on an HTTPS answer")
            # plain HTTP to the TLS port
            with socket.create_connection(("127.0.0.1", cd.port), timeout=5) as s:
                s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                st, hdrs, body, _ = read_answer(s, 5, detect_close=False)
            expect(st == 400 and b"HTTPS" in body, "plain HTTP on the TLS port: %d %r" % (st, body))
            expect("token" not in cd.logtext().lower() or cd.token not in cd.logtext(), "no token in the log")
        with Front(["--tls-cert", c["server.crt"], "--tls-key", c["server.key"], "--tls-client-ca", c["ca.crt"]]) as cd:
            url = "https://127.0.0.1:%d/api/v1/status" % cd.port
            auth = ["-H", "Authorization: Bearer " + cd.token]
            rc, code, err = curl("--cacert", c["ca.crt"], "--cert", c["client.crt"], "--key", c["client.key"],
                                 *auth, url)
            expect_eq((rc, code), (0, "200"), "mutual TLS with the client's certificate: %s" % err)
            rc, code, err = curl("--cacert", c["ca.crt"], *auth, url)
            expect(rc != 0, "mutual TLS without a certificate: refused (%s)" % err.strip())
            rc, code, err = curl("--cacert", c["ca.crt"], "--cert", c["other.crt"], "--key",
                                 os.path.join(d, "other.key"), *auth, url)
            expect(rc != 0, "mutual TLS with another CA's certificate: refused (%s)" % err.strip())
            expect("certificate" in cd.logtext(), "why, in sxcd's log: %s" % cd.logtail()[-300:])
        for args, named in ((["--tls-cert", c["server.crt"]], "--tls-key"),
                            (["--tls-cert", c["server.crt"], "--tls-key", c["client.key"]], c["client.key"]),
                            (["--tls-cert", "/nonexistent.crt", "--tls-key", c["server.key"]], "/nonexistent.crt"),
                            (["--tls-cert", c["server.crt"], "--tls-key", c["server.key"], "--insecure-plain-http"],
                             "one or the other")):
            r = subprocess.run([S.sxcd_path(), "--listen", "127.0.0.1:1", "--store", os.path.join(d, "st"),
                                "--insecure-no-auth"] + args, capture_output=True, text=True, timeout=10)
            expect(r.returncode == 2 and named in r.stderr and "PRIVATE" not in r.stderr,
                   "%s refused at start, naming it: %s" % (args, r.stderr.strip()))
    finally:
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_plain_http_beyond_loopback():
    """Listening on an address that is not loopback without TLS: a client from another address gets
    403 tls_required (the token would cross a network in clear), a loopback client is served; with
    --insecure-plain-http both are. (A namespace whose lo has 198.18.77.1 too: a source that is not
    loopback.)"""
    ns = "sxfront%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in (["link", "set", "lo", "up"], ["addr", "add", "198.18.77.1/32", "dev", "lo"]):
            subprocess.run(["ip", "-n", ns] + cmd, check=True)
        for extra, remote in (([], 403), (["--insecure-plain-http"], 200)):
            cd = Front(extra, netns=ns)
            cd.extra += ["--listen", "0.0.0.0:%d" % cd.port]     # after the 127.0.0.1 one: the last wins
            with cd:
                def get(src):
                    s = socket.create_connection((src, cd.port), timeout=5, source_address=(src, 0))
                    try:
                        s.sendall(("GET /api/v1/status HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n" % (
                            src, cd.port, cd.auth())).encode())
                        st, _, body, _ = read_answer(s, 5, detect_close=False)
                        return st, reason(body)
                    finally:
                        s.close()
                expect_eq(cd.in_ns(lambda: get("127.0.0.1"))[0], 200, "%s: a loopback client" % extra)
                got = cd.in_ns(lambda: get("198.18.77.1"))
                expect_eq(got, (remote, "tls_required" if remote == 403 else None),
                          "%s: a client from 198.18.77.1" % extra)
                if not extra:
                    expect("answered to loopback clients only" in cd.logtext(), "said at start")
    finally:
        subprocess.run(["ip", "netns", "del", ns])


@R.test
def test_token_file_refused_at_start():
    """A token file longer than sxcd holds, shorter than 16, with spaces or control characters,
    readable by every local user (0644) or writable by its group, or missing is refused at start
    (exit 2) naming the file, never cut; without any token file and without --insecure-no-auth sxcd
    says what to do; the token never appears in what it prints. A running sxcd's token file that
    becomes readable by all is not taken, and said."""
    d = tempfile.mkdtemp(prefix="sxcd-tok-")
    try:
        cases = [("x" * 1025, "at most 1024"), ("x" * 15, "at least 16"), ("abc def ghi jkl mno", "visible ASCII"),
                 ("abcdefghijklmnop\x01q", "visible ASCII"), ("a" * 16 + "\nsecond line\n", "visible ASCII")]
        cases += [("z" * 32, "every local user"), ("w" * 32, "its group change")]
        for i, (text, why) in enumerate(cases):
            p = os.path.join(d, "t%d" % i)
            with open(p, "w") as f:
                f.write(text)
            os.chmod(p, 0o644 if why == "every local user" else 0o620 if why == "its group change" else 0o600)
            r = subprocess.run([S.sxcd_path(), "--listen", "127.0.0.1:1", "--store", os.path.join(d, "st"),
                                "--token-file", p], capture_output=True, text=True, timeout=10)
            expect(r.returncode == 2 and p in r.stderr and why in r.stderr and text not in r.stderr,
                   "%r: refused naming the file: %s" % (text[:20], r.stderr.strip()))
        ok = os.path.join(d, "ok")
        with open(ok, "w") as f:
            f.write("x" * 1024 + "\n")
        os.chmod(ok, 0o640)
        r = subprocess.run([S.sxcd_path(), "--listen", "127.0.0.1:1", "--store", os.path.join(d, "st"),
                            "--token-file", ok, "--insecure-no-auth"], capture_output=True, text=True, timeout=10)
        expect(r.returncode == 2 and "one or the other" in r.stderr, "--token-file with --insecure-no-auth")
        r = subprocess.run([S.sxcd_path(), "--listen", "127.0.0.1:1", "--store", os.path.join(d, "st"),
                            "--token-file", os.path.join(d, "none")], capture_output=True, text=True, timeout=10)
        expect(r.returncode == 2 and os.path.join(d, "none") in r.stderr, "a missing file, named: %s" % r.stderr)
        expect(not os.path.exists(os.path.join(d, "st")), "the store untouched")
        with Front() as cd:    # 1024 bytes is fine
            with open(cd.token_file, "w") as f:
                f.write("y" * 1024 + "\n")
            cd.token = "y" * 1024
            deadline = time.monotonic() + 10
            while cd.raw("GET", "/api/v1/status", cd.auth())[0] != 200:
                expect(time.monotonic() < deadline, "a 1024-byte token taken")
                time.sleep(0.1)
            # made readable by all: not taken, said; the token stays
            with open(cd.token_file + ".new", "w") as f:
                f.write("v" * 40 + "\n")
            os.chmod(cd.token_file + ".new", 0o644)
            os.rename(cd.token_file + ".new", cd.token_file)
            deadline = time.monotonic() + 10
            while "every local user" not in cd.logtext():
                expect(time.monotonic() < deadline, "a world-readable file said within 10 s")
                time.sleep(0.1)
            expect_eq((cd.raw("GET", "/api/v1/status", cd.auth())[0],
                       cd.raw("GET", "/api/v1/status", "Authorization: Bearer %s\r\n" % ("v" * 40))[0]), (200, 401),
                      "the token kept, the exposed one not taken")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_a_crash_says_where():
    """A fatal signal (here sent, as a wild pointer would raise it) ends sxcd as the signal
    does, after its log says which and where it was: the frames, which addr2line names; the
    tests' harness reports an sxcd that ended on its own as a failure with them."""
    cd = Front()
    cd.start()
    try:
        cd.proc.send_signal(signal.SIGSEGV)
        cd.proc.wait(30)
        expect_eq(cd.proc.returncode, -signal.SIGSEGV, "ended by the signal, as it would have been")
        with open(cd.log) as f:
            lines = f.read().splitlines()
        expect(any("ERR: fatal signal 11 (SIGSEGV)" in ln for ln in lines), "the signal said: %s" % lines[-3:])
        frames = S.crash_frames(lines)
        expect(any(f.startswith("main at ") and "sxcd.c:" in f for f in frames),
               "the frames named, main among them: %s" % frames)
        try:
            cd.__exit__(None, None, None)
            expect(False, "the harness let a crashed sxcd pass")
        except T.TestFailure as e:
            expect("ended badly (-11)" in str(e), "the harness says so: %s" % e)
    finally:
        cd.stop()
        shutil.rmtree(cd.store, ignore_errors=True)


if __name__ == "__main__":
    R.main()
