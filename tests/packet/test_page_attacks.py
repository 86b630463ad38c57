#!/usr/bin/python3
"""A web page the operator visits attacks sxcd through the operator's own browser (issue 47),
in headless Debian chromium driven by selenium. The attacker is a co-hosted web service (another
port of 127.0.0.1: same-site, so SameSite cookies go with its requests) and a DNS-rebinding name
(chromium's --host-resolver-rules maps it to 127.0.0.1). Two victims: sxcd as shipped, the
operator logged in to its page, and sxcd with --insecure-no-auth (the worst case: nothing but the
origin, type and Host checks stands in the way).

The attacks: a <form enctype="text/plain"> POST to /api/v1/apply whose body parses as JSON with
prune (it would wipe every slice), fetch no-cors POSTs and DELETEs, a CORS PUT (preflighted), CORS
reads of the intents, the page's script loaded cross-origin, reading cookies from the other port's
page, and the rebinding name reading and writing as if same-origin. Every one must change nothing
and read nothing: the stores are compared, what the attacker's script got is inspected, and
sxcd's refusal counters show the requests arrived and were refused for the right reason.

    /usr/bin/python3 tests/packet/test_page_attacks.py

Exits 77 when chromium, chromedriver or selenium are missing or chromium cannot start.
"""
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
from sxcdtest import NOSOCK  # noqa: E402

# exits 77 itself without scapy or selenium
from pagetest import By, browser  # noqa: E402

R = T.Runner()
REBIND = "rebind.test"
ATTACK_S = 15           # the attacker's script reports within this (it waits for its own requests)

SLICE = {"kind": "slices", "metadata": {"name": "victim"}, "spec": {"id": 7}}

ATTACK = r"""<!doctype html><html><body><h1>cat pictures</h1>
<iframe name="sink" style="display:none"></iframe>
<script>
"use strict";
var R = window.results = {cookie: document.cookie, reads: [], done: 0, planned: 0};
function form(url) {   /* a text/plain form whose body is JSON: name={..."x":" value="} */
  var f = document.createElement("form");
  f.method = "POST"; f.action = url + "/api/v1/apply"; f.enctype = "text/plain"; f.target = "sink";
  var i = document.createElement("input");
  i.name = '{"items": [], "prune": ["slices"], "x": "'; i.value = '"}';
  f.appendChild(i); document.body.appendChild(f); f.submit();
}
function step(p, what) {
  R.planned++;
  return p.then(function (r) {
    return (r.type === "opaque" ? Promise.resolve("") : r.text()).then(function (t) {
      R.reads.push({what: what, type: r.type, status: r.status, body: t.slice(0, 200)});
    });
  }, function (e) { R.reads.push({what: what, error: String(e)}); }).then(function () { R.done++; });
}
function attack(url) {
  form(url);
  var body = JSON.stringify({items: [], prune: ["slices"]});
  step(fetch(url + "/api/v1/apply", {method: "POST", mode: "no-cors", credentials: "include", body: body}),
       url + " no-cors POST apply");
  step(fetch(url + "/api/v1/apply", {method: "POST", mode: "no-cors", credentials: "include", body: body,
       headers: {"Content-Type": "text/plain"}}), url + " no-cors POST apply text/plain");
  step(fetch(url + "/api/v1/slices/victim", {method: "DELETE", mode: "no-cors", credentials: "include"}),
       url + " no-cors DELETE");
  step(fetch(url + "/api/v1/slices/evil", {method: "PUT", credentials: "include",
       headers: {"Content-Type": "application/json"}, body: JSON.stringify({spec: {id: 66}})}), url + " CORS PUT");
  step(fetch(url + "/api/v1/intents", {credentials: "include"}), url + " CORS read intents");
  step(fetch(url + "/api/v1/status", {mode: "no-cors", credentials: "include"}), url + " no-cors read status");
  var s = document.createElement("script");   /* the page's script (and a JSON answer) as a script */
  s.src = url + "/api/v1/intents"; document.body.appendChild(s);
}
%s
</script></body></html>"""


# the attacker's script once its name answers for sxcd: a read, a DELETE, a prune
REBOUND = """
var done = arguments[arguments.length - 1], out = [];
function j(r) { return r.text().then(function (t) { out.push([r.status, t.slice(0, 100)]); }); }
fetch("/api/v1/intents").then(j)
.then(function () { return fetch("/api/v1/slices/victim", {method: "DELETE",
  headers: {"Content-Type": "application/json"}}).then(j); })
.then(function () { return fetch("/api/v1/apply", {method: "POST", headers: {"Content-Type": "application/json"},
  body: JSON.stringify({items: [], prune: ["slices"]})}).then(j); })
.then(function () { done(out); }, function (e) { out.push(String(e)); done(out); });
"""


class Attacker:
    """A web service of its own on another port of 127.0.0.1 (@port, 0: any), serving one page."""

    def __init__(self, html, port=0):
        page = html.encode()

        class H(http.server.BaseHTTPRequestHandler):
            timeout = 1     # a connection the browser opened ahead and left idle is not kept


            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *a):
                pass
        # one connection at a time, none kept: once closed, nothing of it answers for the port
        socketserver.TCPServer.allow_reuse_address = True
        self.srv = socketserver.TCPServer(("127.0.0.1", port), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def refused(cd):
    """sxcd's refusals by reason, from /metrics."""
    m = cd.req("GET", "/metrics")[1]
    return {k: int(v) for k, v in re.findall(r'^sxcd_http_refused_total\{reason="([a-z_]+)"\} (\d+)', m, re.M)}


def login(d, cd):
    """The operator signs in on the page, as a person would."""
    d.get(cd.url + "/")
    box = d.find_element(By.ID, "token")
    box.send_keys(cd.token)
    d.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    deadline = time.monotonic() + 15
    while not d.find_elements(By.ID, "sx-views"):
        expect(time.monotonic() < deadline, "the page after the login")
        time.sleep(0.1)
    expect(not d.execute_script("return document.cookie"), "no cookie the page's script can read")


@R.test
def test_a_visited_page_changes_nothing_and_reads_nothing():
    """The operator logged in; the attacker's page (another port) and a rebinding name throw every
    simple and preflighted request at both sxcds: the stores are as before, the attacker's script
    read nothing (opaque answers, CORS errors, no cookie), and each sxcd counted the refusals."""
    with S.Sxcd(NOSOCK, extra=["--no-netlink"]) as shipped, \
            S.Sxcd(NOSOCK, token=False, extra=["--no-netlink"]) as open_:
        for cd in (shipped, open_):
            code, _ = cd.req("PUT", "/api/v1/slices/victim", SLICE)
            expect_eq(code, 201, "the victim slice")
        before = {id(cd): cd.store_files() for cd in (shipped, open_)}
        r0 = {id(cd): refused(cd) for cd in (shipped, open_)}
        js = "\n".join("attack(%s);" % json.dumps(u) for u in (shipped.url, open_.url))
        att = Attacker(ATTACK % js)
        d = browser(None, None, perf=False, args=("--disable-background-networking", "--disable-component-update",
                                                 "--host-resolver-rules=MAP %s 127.0.0.1" % REBIND))
        try:
            login(d, shipped)
            d.get("http://127.0.0.1:%d/" % att.port)
            deadline = time.monotonic() + ATTACK_S
            while True:
                res = d.execute_script("return window.results")
                if res and res["planned"] and res["done"] == res["planned"]:
                    break
                expect(time.monotonic() < deadline, "the attack's requests done within %d s: %s" % (ATTACK_S, res))
                time.sleep(0.2)
            # the forms land in the iframe: wait for sxcd to have answered them
            time.sleep(0.5)
            print("#   the attacker got: %s" % json.dumps(res)[:1500])
            expect("sxcd_session" not in res["cookie"], "the session cookie is not the other port's page's")
            for r in res["reads"]:
                expect(r.get("error") or (r["type"] == "opaque" and r["body"] == ""),
                       "%s: nothing readable (%s)" % (r["what"], r))
            for cd in (shipped, open_):
                r1 = refused(cd)
                delta = {k: r1.get(k, 0) - r0[id(cd)].get(k, 0) for k in r1 if r1[k] != r0[id(cd)].get(k, 0)}
                print("#   %s refused: %s" % (cd.url, delta))
                if cd is open_:
                    # nothing but the origin check stood in the way: it did, for the forms and fetches
                    expect(delta.get("cross_origin", 0) >= 6, "the other port's requests refused as "
                           "cross-origin: %s" % delta)
                else:
                    expect(delta.get("unauthorized", 0) + delta.get("cross_origin", 0) >= 6,
                           "refused without the token or from another origin: %s" % delta)
            # DNS rebinding: the attacker's page is served on rebind.test:P by the attacker, then the
            # name (or port) answers for sxcd: the page is same-origin with sxcd's API now
            for cd in (shipped, open_):
                d.get("http://%s:%d/" % (REBIND, cd.port))     # sxcd's own answer: refused
                body = d.find_element(By.TAG_NAME, "body").text
                expect("bad_host" in body and "login" not in body.lower(), "the page by a rebinding name: 421 (%s)"
                       % body[:200])
                cd.stop()
                evil = Attacker("<!doctype html><title>rebound</title><p>hi</p>", cd.port)
                d.get("http://%s:%d/" % (REBIND, cd.port))
                evil.close()
                cd.start()
                got = d.execute_async_script(REBOUND)
                expect(len(got) == 3 and got[0][0] == 421 and "victim" not in got[0][1] and got[1][0] == 421
                       and got[2][0] == 421, "%s: the rebound page reads and writes nothing: %s" % (cd.url, got))
        finally:
            d.quit()
            att.close()
        for cd in (shipped, open_):
            expect_eq(cd.store_files(), before[id(cd)], "%s: the store is as before" % cd.url)
            expect_eq([i["metadata"]["name"] for i in cd.req("GET", "/api/v1/slices")[1]["items"]], ["victim"],
                      "%s: the victim slice stands, no other" % cd.url)
            # (its counters since the restart: the rebound page's three)
            expect(refused(cd).get("bad_host", 0) >= 3, "%s: the rebinding name refused (421): %s"
                   % (cd.url, refused(cd)))


if __name__ == "__main__":
    R.main()
