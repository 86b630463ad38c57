#!/usr/bin/python3
"""The operator's page under churn, delay and bad input, and its front door, in headless
chromium (selenium) against a real sxcd and sxdp (the helpers are pagetest.py's).

- Soak: two minutes of slices created and withdrawn every second through the API while the
  page is open: the JS heap after a forced GC stays within HEAP_GROWTH of what it was after
  the first HEAP_WARM_S, and no chart ever holds a series the answer it drew did not have, nor
  more than the API ever listed at once.
- Names that are Object.prototype members (constructor, __proto__, ...: valid names) get their
  row, their phase and their series.
- A held answer (sxcd stopped 1.5 s, twice, while the page polls) shows no phantom spike:
  each rate of a steady source (a saturated meter's green output) the page shows is within
  RATE_TOL of what the counter did between the samples it came from, read from sxdp directly.
- Conformance: a slice offered far more than its guarantee that delivers nothing (its frames
  dropped before the scheduler) is "below"; an idle one is "within".
- One malformed box report on the fleet's store: flagged in the view with what is wrong, the
  other boxes shown, the view still following the store.
- An unknown #fragment shows the first view; "." and ".." in the UPF lookup box are refused,
  nothing is asked outside upf/sessions/.
- The front door as the page meets it: login, the session's cookie out of JavaScript's reach,
  the token nowhere, a 401 back to the login page, log out revokes (the old cookie replayed:
  401), the static files' hostile paths; with --insecure-no-auth a banner.

    /usr/bin/python3 tests/packet/test_page_soak.py [NAME-SUBSTRING ...]

Exits 77 when chromium, chromedriver or selenium are missing.
"""

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
from sxcdtest import Sxcd  # noqa: E402
import fleettest as FL  # noqa: E402
from httptest import request  # noqa: E402
# exits 77 itself without scapy or selenium
from pagetest import (BLUE, CHROMIUM, DRIVER, PEER, SHOWN_S, SITE, By, browser, console_errors,  # noqa: E402
                      fleet_view, login, num, page_values, polls, shot, traffic, wait_app, wait_polls)

R = T.Runner()
TOKEN = "vis-token-0123456789abcdef"

SOAK_S = 120            # the two minutes of churn
SOAK_LIVE = 6           # slices alive at once: one created each second, the oldest withdrawn
# listed at once beyond SOAK_LIVE: the one created before the oldest is withdrawn, and
# withdrawals (a DELETE is answered 202, the slice gone when sxdp has let it go) still under way
WITHDRAWING_MAX = 3
HEAP_WARM_S = 30        # the heap measured once the page has seen 30 names come and go
# From the warm-up to the end the heap may grow by what fills up over the charts' 5 minutes
# whatever the names (time labels, the rings' numbers, Chart.js's caches): x1.10 measured here,
# flat after 300 s (600 names in 10 min: 5.2 -> 5.3 MiB). It never grows with the names seen:
# the page that kept every name's series grew x1.73 in these 2 minutes, and on.
HEAP_GROWTH = 1.25
RATE_TOL = 0.05         # a rate on the page vs the counter's own over the same samples
STALL_S = 1.5           # how long sxcd is held (SIGSTOP) while the page polls
HOLDS_MAX = 4           # holds tried for two whose answers the test saw one by one
PAGE_READ_MS = 50       # after its stats.get (the sample's time) sxdp answers the view's other calls
                        # one after the other: well within this, on a loaded box too
PROTO_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"]


@contextlib.contextmanager
def page_on(ports=None, items=(), view=None, admin_up=True):
    """sxdp (S.PORTS, or @ports), an sxcd with a token and @items applied, the page logged in
    (at #view): (dp, cd, drv)."""
    drv = browser()
    try:
        with Sxdp(dict(ports or S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, Sxcd(dp.sock_path) as cd:
            if items:
                code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": list(items)})
                expect_eq(code, 200, "apply: %s" % res)
            if admin_up:
                for p in S.PORTS:
                    dp.port_admin(p, True)
            login(drv, cd.url, cd.token, view)
            yield dp, cd, drv
    finally:
        drv.quit()


def heap_after_gc(d):
    """The JS heap's used bytes after a full garbage collection (Chrome DevTools Protocol)."""
    d.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    return d.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"]


def page_state(d):
    """At one moment of the page (between two of its tasks): its polls, its charts and the
    names of the slices and VDNs its tables show (the same answer drew both)."""
    return d.execute_script(
        "var rows = []; document.querySelectorAll('[data-k]').forEach(function (e) {"
        " var m = /^(slices|vdns)\\/(.+)\\/phase$/.exec(e.dataset.k);"
        " if (m) rows.push(m[1] === 'vdns' ? 'VDN ' + m[2] : m[2]); });"
        " return {polls: +(document.body.dataset.polls || 0), charts: SX.charts ? SX.charts() : [], rows: rows};")


def churn(drv, cd, secs):
    """Slices created and withdrawn through the API, one each second, SOAK_LIVE alive at once,
    for @secs while the page is open; each second the page's charts checked against the
    answer they drew. Returns what it saw."""
    live, n, max_api, max_series, bad, heaps = [], 0, 0, 0, [], []
    p0, t0 = polls(drv), time.monotonic()
    while time.monotonic() - t0 < secs:
        step = time.monotonic()
        name = "soak-%d" % n
        code, res = cd.req("PUT", "/api/v1/slices/" + name, {"spec": {"id": 100 + n % 50, "members": []}})
        expect(code in (200, 201), "PUT %s: %d %s" % (name, code, res))
        live.append(name)
        n += 1
        if len(live) > SOAK_LIVE:
            old = live.pop(0)
            code, res = cd.req("DELETE", "/api/v1/slices/" + old)
            expect(code in (200, 202), "DELETE %s: %d %s" % (old, code, res))
        max_api = max(max_api, len(cd.req("GET", "/api/v1/slices")[1]["items"]))
        st = page_state(drv)
        # the answer the page drew is the API's too, read at its own moment: a poll between a
        # PUT and the DELETE after it sees one more than a GET here after both
        max_api = max(max_api, len(st["rows"]))
        for c in st["charts"]:
            if not c["id"].startswith("slices/"):
                continue
            extra = sorted(set(c["series"]) - set(st["rows"]))
            if extra or (c["drawn"] is not None and c["drawn"] != len(c["series"])):
                bad.append("%s at %.0f s: series %s, drawn %s, the answer's %s" % (
                    c["id"], time.monotonic() - t0, extra or c["series"], c["drawn"], st["rows"]))
            max_series = max(max_series, len(c["series"]))
        if time.monotonic() - t0 >= HEAP_WARM_S * (len(heaps) + 1):
            heaps.append(heap_after_gc(drv))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - step)))
    heaps.append(heap_after_gc(drv))
    out = {"names": n, "secs": time.monotonic() - t0, "max_api": max_api, "max_series": max_series, "bad": bad,
           "polls": polls(drv) - p0, "heap0": heaps[0], "heap1": heaps[-1]}
    print("# %d names in %.0f s, at most %d listed at once, at most %d series in a chart; %d polls; JS heap after GC "
          "every %d s: %s MiB" % (n, out["secs"], max_api, max_series, out["polls"], HEAP_WARM_S,
                                  " ".join("%.2f" % (h / 2**20) for h in heaps)))
    return out


@R.test
def test_soak_churn_heap_and_series_bounded():
    with page_on(view="slices") as (dp, cd, drv):
        r = churn(drv, cd, SOAK_S)
        expect(not r["bad"], "charts hold series the answer did not have: %s" % r["bad"][:5])
        expect(SOAK_LIVE <= r["max_series"] <= r["max_api"] <= SOAK_LIVE + WITHDRAWING_MAX,
               "series in a chart: at most %d, the API listed at most %d at once (%d live, at most %d more being "
               "created or withdrawn)" % (r["max_series"], r["max_api"], SOAK_LIVE, WITHDRAWING_MAX))
        expect(r["polls"] >= SOAK_S * 0.7, "the page kept polling: %d polls in %d s" % (r["polls"], SOAK_S))
        logs = [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR", "WARNING")]
        expect(not logs, "console errors or warnings (a view that threw): %d, %s" % (len(logs), logs[:5]))
        expect(r["heap1"] <= r["heap0"] * HEAP_GROWTH, "JS heap after GC: %.2f MiB at %d s, %.2f MiB after %d s "
               "(bound x%.2f)" % (r["heap0"] / 2**20, HEAP_WARM_S, r["heap1"] / 2**20, SOAK_S, HEAP_GROWTH))


@R.test
def test_object_prototype_names_get_rows_and_series():
    with page_on(view="slices") as (dp, cd, drv):
        for i, name in enumerate(PROTO_NAMES):
            code, res = cd.req("PUT", "/api/v1/slices/%s?wait=1" % name, {"spec": {"id": 60 + i, "members": []}})
            expect(code in (200, 201), "PUT %s: %d %s" % (name, code, res))
        api = {name: cd.req("GET", "/api/v1/slices/" + name)[1]["status"]["phase"] for name in PROTO_NAMES}

        def shown():
            wait_polls(drv, 1)
            v, st = page_values(drv), page_state(drv)
            charts = [c for c in st["charts"] if c["id"].startswith("slices/")]
            ok = all(v.get("slices/%s/phase" % n) == api[n] and v.get("slices/%s/rx_pps" % n) == "0" and
                     v.get("intent/slices/%s/phase" % n) == api[n] for n in PROTO_NAMES) and \
                len(charts) == 4 and all(set(PROTO_NAMES) <= set(c["series"]) and c["drawn"] == len(c["series"])
                                         for c in charts)
            return ok or None
        deadline = time.monotonic() + 10
        while not shown():
            v = page_values(drv)
            expect(time.monotonic() < deadline, "each name its row, phase (the API's %s), rate and series: page %s; "
                   "charts %s" % (api, {k: x for k, x in v.items() if any("/%s/" % n in k for n in PROTO_NAMES)},
                                  page_state(drv)["charts"]))
        errs = console_errors(drv)
        expect(not errs, "console errors: %s" % errs[:5])


def pairs_of(seen):
    """Pairs of the page's samples (poll, rate, sxdp's ms, held just before): each rate is over
    the one before it (a poll whose counters failed, sxcd just back and its link to sxdp catching
    up, shows none: the next spans it); with a poll not seen in between, the pair is not judged."""
    pairs, last = [], None
    for i, (p, v, ms, h) in enumerate(seen):
        if i and p != seen[i - 1][0] + 1:
            last = None
        if ms is None:
            continue
        if last is not None:
            pairs.append((last, (p, v, ms, h or any(x[3] for x in seen[seen.index(last) + 1:i]))))
        last = (p, v, ms, h)
    return pairs


@R.test
def test_a_held_answer_shows_no_phantom_spike():
    """blue's meter, offered far more than its peak: its green output is its committed rate
    (a token bucket on sxdp's clock), less what its worker misses when the box is busy. sxcd is
    held (SIGSTOP) 1.5 s, twice, while the page polls; each green rate the page shows must be
    what the counter did between the two samples the page took it from (the page gives when
    sxdp read them: body data-counters-ms), the counter read from sxdp itself every 20 ms
    meanwhile. A rate over the browser's clock shows the held second twice its size or more."""
    ports = dict(S.PORTS, lan1=traffic())
    with page_on(ports, [SITE, PEER, BLUE], "slices") as (dp, cd, drv):
        T.wait_until(lambda: (num(page_values(drv).get("slices/blue/meter_green_pps")) or 0) > 0, SHOWN_S,
                     "blue's meter green on the page", interval=0.1)
        mid = [x for x in cd.req("GET", "/api/v1/counters")[1]["slices"] if x["name"] == "blue"][0]["meter"]["id"]
        series, stop = [], threading.Event()   # (sxdp's ms before, after, green, red), from sxdp: sxcd is held

        def read_sxdp():
            while not stop.is_set():
                a = dp.rpc("stats.get")["uptime_s"]
                m = [x for x in dp.rpc("qos.meters") if x["id"] == mid][0]
                b = dp.rpc("stats.get")["uptime_s"]
                series.append((1000 * a, 1000 * b, m["green"]["packets"], m["red"]["packets"]))
                time.sleep(0.02)

        def green_between(ms):
            """What the page's green, read after sxdp's clock said @ms (at most PAGE_READ_MS after),
            can have been: the counter as read before, as read after."""
            lo = [g for _, b, g, _ in series if b <= ms]
            hi = [g for a, _, g, _ in series if a >= ms + PAGE_READ_MS]
            expect(lo and hi, "sxdp's counters read around %.0f ms (%.0f..%.0f)" % (ms, series[0][0], series[-1][1]))
            return lo[-1], hi[0]
        th = threading.Thread(target=read_sxdp, daemon=True)
        th.start()
        # every poll the page answers, recorded by the page itself as it shows it (a loop here
        # reading the page misses polls answered close together: on a busy box, most of those
        # right after a hold): [poll, green pkt/s on the page, when sxdp read its counters]
        drv.execute_script(
            "window.sxSeen = []; new MutationObserver(function () { var e = document.querySelector("
            "'[data-k=\"slices/blue/meter_green_pps\"]'); window.sxSeen.push([+(document.body.dataset.polls"
            " || 0), e ? e.dataset.v : null, document.body.dataset.countersMs]); }).observe(document.body,"
            " {attributes: true, attributeFilter: ['data-polls']});")
        firsts = set()   # indices in sxSeen of the first polls answered after a hold

        def seen_now():
            """(poll, green pkt/s on the page, when sxdp read its counters, held just before)"""
            return [(p, num(v), num(ms), i in firsts)
                    for i, (p, v, ms) in enumerate(drv.execute_script("return window.sxSeen;"))]
        try:
            time.sleep(3)
            # two holds judged (a hold whose first answer is not judged, a failed read of the
            # counters just after it, is held again, at most HOLDS_MAX times in all)
            for _ in range(HOLDS_MAX):
                if sum(1 for _, b in pairs_of(seen_now()) if b[3]) >= 2:
                    break
                os.kill(cd.proc.pid, signal.SIGSTOP)
                try:
                    time.sleep(STALL_S)
                    firsts.add(len(seen_now()))
                finally:
                    os.kill(cd.proc.pid, signal.SIGCONT)
                time.sleep(3.5)
            # the polls judged are those so far; sxdp's counters read on past the last one's
            # sample (what the page read after it is bounded by a read of sxdp's after it)
            seen = seen_now()
            last = max((ms for _, _, ms, _ in seen if ms is not None), default=0)
            T.wait_until(lambda: series and series[-1][0] >= last + PAGE_READ_MS, SETTLE_S,
                         "sxdp's counters read past the last poll's sample (%.0f ms)" % last, interval=0.1)
        finally:
            stop.set()
            th.join(5)
        pairs = pairs_of(seen)
        expect(len(pairs) >= 6 and sum(1 for _, b in pairs if b[3]) >= 2, "rates through two holds: %s" % seen)
        off = []
        for (_, _, s0, _), (p1, v, s1, h) in pairs:
            (lo0, hi0), (lo1, hi1) = green_between(s0), green_between(s1)
            lo, hi = (lo1 - hi0) / ((s1 - s0) / 1000), (hi1 - lo0) / ((s1 - s0) / 1000)
            if v is None or not lo * (1 - RATE_TOL) <= v <= hi * (1 + RATE_TOL):
                off.append("poll %d%s: page %s, the counter's %.1f..%.1f pkt/s over %.0f ms" % (
                    p1, " (held)" if h else "", v, lo, hi, s1 - s0))
        (ma, _, ga, ra), (_, mb, gb, rb) = series[0], series[-1]
        vals = [b[1] for _, b in pairs if b[1] is not None]
        print("# green: %.1f pkt/s over the %.0f s (red %.0f pkt/s); the page's %d rates %.1f..%.1f pkt/s, %d off" % (
            (gb - ga) / ((mb - ma) / 1000), (mb - ma) / 1000, (rb - ra) / ((mb - ma) / 1000), len(vals), min(vals),
            max(vals), len(off)))
        expect((rb - ra) > (gb - ga), "the meter saturated (more red than green)")
        expect(not off, "the page's rates within %d %% of the counter's over the same samples through sxcd held "
               "%.1f s: %s" % (100 * RATE_TOL, STALL_S, off))


@R.test
def test_conformance_judges_what_is_delivered():
    """blue: guaranteed 10 Mbit/s, offered far more, its frames all dropped before the
    scheduler (the WAN gateway never answers ARP: held, then dropped): below. idle, with a
    guarantee and nothing offered: within."""
    ports = dict(S.PORTS, lan1=traffic())
    idle = S.slice_("idle", 2, "lan2", 5001, rate={"guaranteed_bps": 1000000, "peak_bps": 2000000})
    idle["spec"]["svi"] = {"address": "10.11.0.254/24", "mac": "02:00:0a:0b:00:fe"}
    idle["spec"]["subnets"] = ["10.11.0.0/24"]
    idle["spec"]["routes"] = []
    with page_on(ports, [SITE, PEER, BLUE, idle], "slices") as (dp, cd, drv):
        def judged():
            v = page_values(drv)
            return v if v.get("slices/blue/conformance") not in (None, "measuring") and \
                v.get("slices/idle/conformance") not in (None, "measuring") else None
        v = T.wait_until(judged, SHOWN_S, "both judged on the page", interval=0.1)
        wait_polls(drv, 2)
        v = page_values(drv)
        inb, outb, g = (num(v.get("slices/blue/" + k)) for k in ("in_bps", "out_bps", "guaranteed_bps"))
        expect(inb is not None and outb is not None and inb > 10 * g and outb < g / 100,
               "blue offered %s, delivered %s bit/s, guaranteed %s" % (inb, outb, g))
        expect_eq((v.get("slices/blue/conformance"), v.get("slices/idle/conformance")), ("below", "within"),
                  "blue delivers nothing of its guarantee, idle owes nothing")
        shot(drv, "page-conformance-1366x768.png", 1366, 768)


@R.test
def test_malformed_fleet_report_flagged_others_shown():
    if shutil.which("etcd") is None:
        raise T.SkipTest("etcd is not installed (apt-get install etcd-server)")
    drv = browser()
    try:
        with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, FL.Fleet((dp.sock_path, None)) as f:
            code, res = f.a.req("PUT", "/api/v1/slices/red", FL.bare_slice(10))
            expect(code in (200, 201), "red through a: %s" % res)
            now = int(time.time())

            def report(site, **kw):
                r = {"site": site, "seen_unix": now, "store": "synced", "version": "t", "sxdp": {"state": "connected"},
                     "view": {}, "intents": {"slices/red": {"phase": "Ready", "generation": 1}}}
                r.update(kw)
                return r
            bad = {"bad-null": report("bad-null", intents={"slices/red": None, "slices/blue": {"phase": "Ready"}}),
                   "bad-types": report("bad-types", intents=["slices/red"], sxdp="connected", store=7, seen=5),
                   "bad-phase": report("bad-phase", intents={"slices/red": {"phase": 3, "waiting_for": "sxdp"}}),
                   "bad-json": "{not json"}
            for site, r in bad.items():
                f.etcd.call("kv/put", {"key": FL.b64("/fleet/boxes/" + site),
                                       "value": FL.b64(r if isinstance(r, str) else json.dumps(r))})
            login(drv, "http://127.0.0.1:%d" % f.a.port, f.a.token, "fleet")

            def flagged():
                v = page_values(drv)
                fv = fleet_view(drv)
                ok = all(v.get("fleet/box/%s/report" % s) == "malformed report" and v.get("fleet/box/%s/malformed" % s)
                         for s in bad) and v.get("fleet/box/site-a/state") == "live" and \
                    v.get("fleet/box/site-b/state") == "live" and "fleet/box/site-a/report" not in v and \
                    v.get("fleet/malformed") == str(len(bad)) and sorted(fv["boxes"][:len(bad)]) == sorted(bad)
                return (v, fv) if ok else None
            v, fv = T.wait_until(flagged, SHOWN_S, lambda: "the bad reports flagged, on top, a and b shown: %s %s" % (
                {k: x for k, x in page_values(drv).items() if k.startswith("fleet/")}, fleet_view(drv)),
                interval=0.1)
            text = drv.find_element(By.ID, "view-fleet").text
            for what in ("intent slices/red is null", "intents is an array", "sxdp is a string", "store is a number",
                         "intent slices/red's phase is a number", "no intents"):
                expect(what in text, "the view says %r: %s" % (what, text))
            # still following the store: a box that reports later is shown
            f.etcd.call("kv/put", {"key": FL.b64("/fleet/boxes/late"), "value": FL.b64(json.dumps(report("late")))})
            T.wait_until(lambda: "late" in fleet_view(drv)["boxes"], SHOWN_S, "a later box on the page",
                         interval=0.1)
            shot(drv, "page-fleet-malformed-1366x768.png", 1366, 768)
            errs = console_errors(drv)
            expect(not errs, "console errors: %s" % errs[:5])
    finally:
        drv.quit()


def lookup_error(d):
    return d.execute_script("var e = document.querySelector('[data-k=\"upfsess/error\"]'); return e ? e.textContent : null;")


def requests_since(d):
    return [json.loads(e["message"])["message"]["params"]["request"]["url"] for e in d.get_log("performance")
            if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]


@R.test
def test_unknown_fragment_and_dot_segments_in_the_lookup():
    with page_on() as (dp, cd, drv):
        first = drv.execute_script("return document.querySelector('#sx-tabs button').id.replace(/^tab-/, '');")
        for frag in ("nosuch", "__proto__", "constructor", "view-health", ""):
            drv.get(cd.url + "/#" + frag)
            drv.refresh()
            wait_app(drv)
            shown = drv.execute_script(
                "return Array.from(document.querySelectorAll('section.view')).filter(function (s) { return !s.hidden; })"
                ".map(function (s) { return [s.id, s.innerText.length]; });")
            expect(len(shown) == 1 and shown[0][0] == "view-" + first and shown[0][1] > 20,
                   "#%s: the first view (%s) shown, not a blank page: %s" % (frag, first, shown))
            expect_eq(drv.execute_script("return [location.hash, document.getElementById('tab-' + arguments[0])"
                                         ".getAttribute('aria-selected')];", first), ["#" + first, "true"],
                      "#%s: its tab selected" % frag)
        drv.get(cd.url + "/#upf")   # a fragment of the same page: shown without a reload
        T.wait_until(lambda: not drv.find_element(By.ID, "view-upf").get_attribute("hidden"), SHOWN_S,
                     "the UPF view on #upf", interval=0.1)

        # the lookup box: dot segments refused, nothing asked outside upf/sessions/
        for sid in ("../../../../metrics", "pfcp/../../../../metrics", "upf/./x/1", "pfcp//5"):
            requests_since(drv)
            box = drv.find_element(By.ID, "upf-session-id")
            box.clear()
            box.send_keys(sid)
            drv.find_element(By.CSS_SELECTOR, "#upf-session-form button").click()
            err = T.wait_until(lambda: lookup_error(drv), SHOWN_S, "%s refused on the page" % sid, interval=0.1)
            expect("not a session id" in err and sid in err, "%s: %r" % (sid, err))
            wait_polls(drv, 2)
            urls = [u.split("//", 1)[1].split("/", 1)[1] for u in requests_since(drv)]
            off = [u for u in urls if u not in ("api/v1/status", "api/v1/topology", "api/v1/counters", "api/v1/intents")
                   and not u.startswith("api/v1/upf/sessions/")]
            expect(not off and not any(u.startswith("api/v1/upf/sessions/") for u in urls),
                   "%s: nothing asked for it: %s" % (sid, off or urls))
        # an encoded one is an id like any other: asked within upf/sessions/, sxcd's 400 shown
        box = drv.find_element(By.ID, "upf-session-id")
        box.clear()
        box.send_keys("pfcp/%2e%2e/%2e%2e/metrics")
        requests_since(drv)
        drv.find_element(By.CSS_SELECTOR, "#upf-session-form button").click()
        err = T.wait_until(lambda: lookup_error(drv), SHOWN_S, "sxcd's answer on the page", interval=0.1)
        urls = [u for u in requests_since(drv) if "/upf/" in u or "metrics" in u]
        expect("400" in err and urls and all("/api/v1/upf/sessions/pfcp/%252e%252e/%252e%252e/metrics" in u
                                             for u in urls), "encoded, within upf/sessions/: %r %s" % (err, urls))


def storage(d):
    """What the page's JavaScript can read of cookies and storage, and every request header
    name the page sent since the performance log was last read."""
    js = d.execute_script("return [document.cookie, JSON.stringify(Object.assign({}, sessionStorage)),"
                          " JSON.stringify(Object.assign({}, localStorage))];")
    sent = set()
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.requestWillBeSent":
            sent.update(k.lower() for k in m["params"]["request"].get("headers", {}))
    return js, sent


def on_login_page(d):
    try:
        return bool(d.find_elements(By.ID, "token")) and not d.find_elements(By.ID, "sx-views")
    except Exception:  # noqa: BLE001: the page is changing under us
        return False


@R.test
def test_login_session_logout_and_hostile_paths():
    """As shipped (a token): without a credential "/" is the login page and the rest 401 (the
    page's old cookie, the raw token, opens nothing); the page's files have their types, cache
    headers, HEAD; hostile paths never reach a file. In the browser: a wrong token is said so;
    the right one trades for a session whose cookie the page's JavaScript cannot read, the token
    nowhere (cookie, storage, header); the session revoked elsewhere, the page's next read (401)
    goes back to the login page; the cookie replayed alone reads nothing (its key is the page's);
    log out revokes (the old cookie and key replayed: 401). Without any
    credential (--insecure-no-auth) the page says so in a banner."""
    drv = browser()
    # a copy of the page's files with a symlink out of the root
    www = tempfile.mkdtemp(prefix="sxcd-www-")
    shutil.copytree(os.path.join(T.build_dir(), "www"), www, dirs_exist_ok=True)
    os.symlink("/etc/passwd", os.path.join(www, "leak.js"))
    os.symlink(os.path.join(www, "sx.css"), os.path.join(www, "alias.css"))
    try:
        with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
                Sxcd(dp.sock_path, token=TOKEN, extra=["--www", www]) as cd:
            code, res = cd.req("PUT", "/api/v1/site", SITE)
            expect(code in (200, 201), "the site, with the token: %s" % res)
            host = {"Host": "127.0.0.1:%d" % cd.port}
            auth = dict(host, Authorization="Bearer " + TOKEN)
            # without the token: the login page, no data; the rest 401
            s, h, body = request(cd.url, "/", headers=host)
            expect_eq(s, 200, "/ without a token")
            expect(b'id="login"' in body and b"sx.js" not in body, "the login page, not the app")
            for path in ("/ui/sx.js", "/ui/feat/overlay.js", "/static/chart.js", "/api/v1/status", "/api/v1/counters",
                         "/metrics"):
                expect_eq(request(cd.url, path, headers=host)[0], 401, "%s without a token" % path)
                # the page's cookie before sessions was the raw token: it opens nothing now
                expect_eq(request(cd.url, path, headers=dict(host, Cookie="a=b; sxcd_token=" + TOKEN))[0], 401,
                          "%s by the old cookie" % path)
            # types, cache, HEAD
            for path, ctype in (("/", "text/html"), ("/ui/sx.js", "text/javascript"), ("/ui/sx.css", "text/css"),
                                ("/static/chart.js", "text/javascript")):
                s, h, body = request(cd.url, path, headers=auth)
                expect_eq((s, h.get("content-type", "").split(";")[0]), (200, ctype), "GET %s" % path)
                expect_eq(h.get("x-content-type-options"), "nosniff", "nosniff on %s" % path)
                expect("cache-control" in h, "cache headers on %s" % path)
                s2, h2, b2 = request(cd.url, path, method="HEAD", headers=auth)
                expect_eq((s2, b2, int(h2.get("content-length", -1))), (200, b"", len(body)), "HEAD %s" % path)
                if "etag" in h:
                    expect_eq(request(cd.url, path, headers=dict(auth, **{"If-None-Match": h["etag"]}))[0], 304,
                              "revalidated %s" % path)
            expect_eq(request(cd.url, "/ui/alias.css", headers=auth)[0], 200, "a symlink inside the root")
            # hostile paths: 404 (or the front door's 400), never a file
            for path in ("/ui/../index.html", "/ui/feat/../../sxcd.c", "/ui/%2e%2e/login.html", "/ui/..%2flogin.html",
                         "/ui/leak.js", "/ui/sx.js%00.css", "/ui/.hidden.js", "/ui//sx.js", "/ui/" + "a" * 300 + ".js",
                         "/ui/feat/", "/ui/nope.exe", "/ui/index.html", "/static/x.js", "/ui/feat"):
                s, h, body = request(cd.url, path, headers=auth)
                expect(s in (400, 404) and b"root:" not in body, "%s: %d %r" % (path, s, body[:80]))
            expect_eq(request(cd.url, "/ui/sx.js", method="DELETE",
                              headers=dict(auth, **{"Content-Type": "application/json"}))[0], 405,
                      "DELETE of a page file")

            # the browser: the login page, a wrong token, then the right one
            drv.get(cd.url + "/")
            drv.find_element(By.ID, "token").send_keys("not-the-token-00000000")
            drv.find_element(By.CSS_SELECTOR, "#login button").click()
            deadline = time.monotonic() + 5
            while "401" not in drv.find_element(By.ID, "login-error").text:
                expect(time.monotonic() < deadline, "a wrong token said so: %r" % drv.find_element(By.ID, "login-error").text)
                time.sleep(0.1)
            expect_eq(drv.get_cookie("sxcd_session"), None, "no session for a wrong token")
            login(drv, cd.url, TOKEN)
            wait_polls(drv, 2)
            v = page_values(drv)
            expect(v.get("intent/site/local/phase") in ("Ready", "Pending", "Programming", "Degraded"),
                   "the site's phase on the page: %s" % v.get("intent/site/local/phase"))
            (cookie, sess, local), sent = storage(drv)
            expect(TOKEN not in cookie + sess + local and "sxcd_session" not in cookie,
                   "the page's JavaScript reads no token nor session: cookie %r, storage %s %s" % (cookie, sess, local))
            expect("authorization" not in sent, "no request of the page carried a bearer token: %s" % sorted(sent))
            ck = drv.get_cookie("sxcd_session")
            expect(ck is not None and ck["httpOnly"] and ck.get("sameSite") == "Strict" and ck["path"] == "/" and
                   TOKEN not in ck["value"], "the session cookie: HttpOnly, SameSite=Strict, not the token: %s" % ck)
            expect(not drv.find_element(By.ID, "sx-logout").get_attribute("hidden") and
                   not drv.find_element(By.ID, "sx-insecure").is_displayed(), "log out offered, no insecure banner")
            shot(drv, "visibility-login-token-1366x768.png", 1366, 768)
            # the cookie alone (a page on another port of the host is sent it too) reads nothing: the
            # session's key is the page's, in its tab's storage
            replay = dict(host, Cookie="sxcd_session=" + ck["value"])
            expect_eq(request(cd.url, "/api/v1/status", headers=replay)[0], 401, "the cookie replayed alone")
            key = drv.execute_script("return sessionStorage.getItem('sxcd_session_key');")
            keyed = dict(replay, **{"X-Sxcd-Session": key})
            expect_eq(request(cd.url, "/api/v1/status", headers=keyed)[0], 200, "the cookie with the page's key reads")
            expect_eq(request(cd.url, "/api/v1/slices/x", method="DELETE", headers=keyed)[0], 401,
                      "but writes nothing")

            # the session ended elsewhere (logged out with its key): the page's next read is a 401,
            # the tab goes to the login page
            expect_eq(request(cd.url, "/api/v1/logout", method="POST", headers=dict(
                keyed, **{"Content-Type": "application/json", "Content-Length": "0"}))[0], 204, "logged out by hand")
            expect_eq(request(cd.url, "/api/v1/status", headers=keyed)[0], 401, "the session replayed after")
            deadline = time.monotonic() + 5
            while not on_login_page(drv):
                expect(time.monotonic() < deadline, "the page back at its login after a 401: %s" % drv.current_url)
                time.sleep(0.1)

            # log out from the page: the session revoked, not just forgotten
            login(drv, cd.url, TOKEN)
            ck = drv.get_cookie("sxcd_session")
            replay = dict(host, Cookie="sxcd_session=" + ck["value"],
                          **{"X-Sxcd-Session": drv.execute_script("return sessionStorage.getItem('sxcd_session_key');")})
            expect_eq(request(cd.url, "/api/v1/counters", headers=replay)[0], 200, "the new session reads")
            drv.find_element(By.ID, "sx-logout").click()
            deadline = time.monotonic() + 5
            while not on_login_page(drv):
                expect(time.monotonic() < deadline, "the login page after log out")
                time.sleep(0.1)
            for path in ("/api/v1/counters", "/ui/sx.js"):
                expect_eq(request(cd.url, path, headers=replay)[0], 401, "%s by the cookie after log out" % path)
            expect_eq(drv.get_cookie("sxcd_session"), None, "the browser's cookie cleared")
            (cookie, sess, local), _ = storage(drv)
            expect(TOKEN not in cookie + sess + local, "nothing kept after log out: %r %s %s" % (cookie, sess, local))

        # no credential at all: the app at once, and a banner saying what that means
        with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, Sxcd(dp.sock_path, token=False) as cd:
            drv.get(cd.url + "/")
            wait_app(drv)
            b = drv.find_element(By.ID, "sx-insecure")
            expect(b.is_displayed() and b.get_attribute("role") == "alert" and "--insecure-no-auth" in b.text,
                   "the banner: %r" % b.text)
            expect(drv.find_element(By.ID, "sx-logout").get_attribute("hidden"), "no log out without a session")
            shot(drv, "visibility-insecure-1366x768.png", 1366, 768)
    finally:
        drv.quit()
        shutil.rmtree(www, ignore_errors=True)


if __name__ == "__main__":
    for p in (CHROMIUM, DRIVER):
        if not os.access(p, os.X_OK):
            print("SKIP: %s is missing (apt-get install chromium chromium-driver)" % p)
            sys.exit(77)
    R.main()
