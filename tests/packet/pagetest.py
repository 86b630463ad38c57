"""The operator's page (sxcd's GET /) for the packet tests: headless Debian chromium driven by
selenium, logging in as an operator does, reading what the page shows (its data-k/data-v
values, its polls, the fleet view), its console, screenshots to BUILD/artifacts/; the intents
and traffic the page tests show (slice blue over the tunnel to siteB).

Exits 77 when scapy or selenium are not importable; browser() raises SkipTest when chromium
or chromedriver are missing or chromium cannot start (apt-get install chromium
chromium-driver python3-selenium).
"""
import json
import os
import sys
import time

import sxdptest as T
from sxdptest import expect
import sxcdtest as S

try:
    from scapy.all import IP, UDP, Ether, Raw
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    print("SKIP: selenium is not importable by %s (apt-get install python3-selenium)" % sys.executable)
    sys.exit(77)

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = os.path.join(T.build_dir(), "artifacts")
SHOWN_S = 20           # generous: a change (a path down, a box's lease gone) on the page, on a busy machine

SITE = json.loads(json.dumps(S.SITE))
SITE["spec"]["wan"][0]["rate_bps"] = 100000000
PEER = json.loads(json.dumps(S.PEER))          # static paths: up
BLUE = S.slice_("blue", 1, "lan1", 5000, peers=["siteB"],
                rate={"guaranteed_bps": 10000000, "peak_bps": 20000000},
                path_policy={"mode": "failover", "wans": ["isp1", "isp2"]})


def traffic():
    """Frames into slice blue to a MAC nobody knows: flooded into the tunnel to siteB."""
    return T.Replay([Ether(src="02:00:0a:0a:00:%02x" % (i + 1), dst="02:00:0a:0a:09:09") /
                     IP(src="10.10.0.%d" % (i + 1), dst="10.10.0.99") / UDP(sport=1000 + i, dport=2000) /
                     Raw(b"x" * 200) for i in range(4)])


def browser(w=1366, h=768, args=(), perf=True):
    """Headless chromium at w x h (None: its own size), with more arguments; its console kept
    (and with perf, its network events: the requests it made)."""
    for p in (CHROMIUM, DRIVER):
        if not os.access(p, os.X_OK):
            raise T.SkipTest("%s is missing (apt-get install chromium chromium-driver)" % p)
    o = Options()
    o.binary_location = CHROMIUM
    size = ("--window-size=%d,%d" % (w, h),) if w else ()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage") + size + \
            ("--no-first-run", "--disable-extensions") + tuple(args):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", dict({"browser": "ALL"}, **({"performance": "ALL"} if perf else {})))
    try:
        return webdriver.Chrome(service=Service(DRIVER), options=o)
    except Exception as e:  # noqa: BLE001: whatever stops chromium is a skip, said why
        raise T.SkipTest("chromium cannot start: %s" % str(e).splitlines()[0])


def console_errors(d):
    return [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def page_values(d):
    """{data-k: data-v} of every number and state word on the page (hidden views too)."""
    return d.execute_script(
        "var o = {}; document.querySelectorAll('[data-k]').forEach(function (e) {"
        " if (e.dataset.v !== undefined) o[e.dataset.k] = e.dataset.v; }); return o;")


def num(v):
    """A page's value as a number (None: none shown)."""
    return float(v) if v not in ("", None) else None


def polls(d):
    return int(d.execute_script("return +(document.body.dataset.polls || 0);"))


def login(d, url, token, view=None):
    """The page as an operator opens it: "/" is the login form, the token typed once, then
    the views polling (at #view when given, the page loaded there)."""
    d.get(url + "/")
    deadline = time.monotonic() + 10
    while not d.find_elements(By.ID, "token"):
        expect(time.monotonic() < deadline, "the login page at %s: %s" % (url, d.page_source[:300]))
        time.sleep(0.1)
    d.find_element(By.ID, "token").send_keys(token)
    d.find_element(By.CSS_SELECTOR, "#login button").click()
    wait_app(d)
    if view:
        d.get(url + "/#" + view)
        d.refresh()
        wait_app(d)


def wait_app(d, timeout=10):
    """Until the views have polled once (the page may be loading: asked again)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if polls(d) >= 1:
                return
        except Exception:  # noqa: BLE001: the page is changing under us
            pass
        expect(time.monotonic() < deadline, "the views polling at %s" % d.current_url)
        time.sleep(0.1)


def wait_polls(d, n=2, timeout=10):
    p0 = polls(d)
    deadline = time.monotonic() + timeout
    while polls(d) < p0 + n:
        expect(time.monotonic() < deadline, "the page polls (%d polls)" % polls(d))
        time.sleep(0.1)


def shot(d, name, w, h):
    os.makedirs(ARTIFACTS, exist_ok=True)
    d.set_window_size(w, h)
    time.sleep(0.5)
    path = os.path.join(ARTIFACTS, name)
    d.save_screenshot(path)
    expect(os.path.getsize(path) > 5000, "screenshot %s" % path)
    return path


def fleet_view(d):
    """The fleet view's boxes and intents as the page lists them, in the page's order."""
    return d.execute_script(
        "var o = {boxes: [], intents: []}; document.querySelectorAll('#view-fleet [data-k]').forEach(function (e) {"
        " var m = /^fleet\\/box\\/([^/]+)\\/state$/.exec(e.dataset.k); if (m) o.boxes.push(m[1]);"
        " m = /^fleet\\/intent\\/(.+)\\/ready$/.exec(e.dataset.k); if (m) o.intents.push(m[1]); });"
        " o.tab = document.getElementById('tab-fleet').textContent;"
        " o.tabHidden = document.getElementById('tab-fleet').hidden; return o;")
