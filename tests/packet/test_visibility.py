#!/usr/bin/python3
"""The operator's page (sxcd's GET /), in a real browser against a real sxcd
and sxdp carrying traffic (headless Debian chromium driven by selenium).

The page loads with no console error and no failed request; each view shows
the numbers the API gives at that moment (traffic stopped so both hold
still; read both, compare); a path broken the overlay's way (probed, nobody
answering) turns red on the page with its loss (about a second: how long
is printed; the bound is generous, speed is not what this test times); an intent sxdp
refused shows its reason; with no flow_export intent no console error (the
page lists intents through /api/v1/intents), then the flow export panel
on with its collector; the UPF view against an intent's session and a PFCP
session (per slice, per SMF, N6/N9 split, buffering, reports) and one
session by its id (the lookup box, 400/404); the fleet view on two sxcd
sharing one etcd (the boxes and intents as /api/v1/fleet has them, the unwell
on top, a box killed -9 stale once its lease ends, 100 boxes in a card that
scrolls) and, on the file store, one line "not in a fleet"; screenshots at 1366x768 and 390x844 go to
BUILD/artifacts/. sxcd runs as shipped (a token): each test logs in through
the page's login form (login()). The front door itself (sessions, log out,
the static files' hostile paths) and the page under churn and delay:
test_page_soak.py.

    /usr/bin/python3 tests/packet/test_visibility.py [NAME-SUBSTRING ...]

Exits 77 when chromium, chromedriver or selenium are missing or chromium
cannot start (apt-get install chromium chromium-driver python3-selenium).
"""

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
from sxcdtest import Sxcd  # noqa: E402
import fleettest as FL  # noqa: E402
# exits 77 itself without scapy or selenium
from pagetest import (BLUE, PEER, SHOWN_S, SITE, By, browser, console_errors, fleet_view, login,  # noqa: E402
                      num, page_values, shot, traffic, wait_polls)
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

R = T.Runner()
VDN = {"kind": "vdns", "metadata": {"name": "voice"}, "spec": {
    "slice": "blue", "guaranteed_bps": 2000000, "peak_bps": 4000000, "priority": 10,
    "match": {"dst": "10.20.0.0/24", "proto": 17, "dport": [5060, 5061]}}}
# broken the overlay's way: probed by ICMP, nobody answers
BROKEN = dict(PEER, spec=dict(PEER["spec"], probe={"how": "icmp", "interval_ms": 50, "down_after": 2,
                                                   "up_after": 2}))


# flow records to a local collector (put once the page shows export off: no flow_export intent
# is no error either, the page lists intents through /api/v1/intents)
FLOWS = {"kind": "flow_export", "spec": {"collectors": [{"address": "127.0.0.1", "port": 4739}], "sampling": 4}}


def failed_requests(d):
    bad = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.responseReceived" and m["params"]["response"]["status"] >= 400:
            bad.append("%s %s" % (m["params"]["response"]["status"], m["params"]["response"]["url"]))
        if m["method"] == "Network.loadingFailed" and not m["params"].get("canceled"):
            bad.append("failed: %s" % m["params"].get("errorText"))
    return bad


def expect_page_clean(d):
    """No console error and no failed request since the logs were last read."""
    errs = console_errors(d)
    expect(not errs, "console errors: %s" % errs)
    fails = failed_requests(d)
    expect(not fails, "failed requests: %s" % fails)


@R.test
def test_page_live_views_match_the_api():
    try:
        drv = browser()
    except T.SkipTest as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    ports = dict(S.PORTS, lan1=traffic())
    try:
        with Sxdp(ports, pipeline=S.PIPE, port_opts=S.WAN) as dp, Sxcd(dp.sock_path) as cd:
            code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, BLUE, VDN]})
            expect_eq(code, 200, "apply: %s" % res)
            # a VDN applied with its slice is Ready (its ternary match once was another key than
            # the entry sxdp read back: inserted again and again, "exists")
            deadline = time.monotonic() + 5
            while any(p["phase"] != "Ready" for p in cd.phases().values()):
                expect(time.monotonic() < deadline, "every intent Ready: %s" % cd.phases())
                time.sleep(0.1)
            for p in S.PORTS:
                dp.port_admin(p, True)
            login(drv, cd.url, cd.token)
            wait_polls(drv, 3)
            drv.find_element(By.ID, "tab-topology").click()
            # traffic shows: the slice's rate and its path's packets
            deadline = time.monotonic() + 10
            while True:
                v = page_values(drv)
                if (num(v.get("slices/blue/rx_pps")) or 0) > 0 and (num(v.get("slices/blue/out_pps")) or 0) > 0 \
                        and (num(v.get("slices/blue/in_bps")) or 0) > 0:
                    break
                expect(time.monotonic() < deadline, "traffic on the page: %s" % {
                    k: x for k, x in v.items() if k.startswith(("slices/blue", "path/"))})
                time.sleep(0.2)
            expect_eq(v.get("path/siteB/1/state"), "up", "path 1 up")
            expect_eq(v.get("active/blue/siteB"), "1", "blue's active path: the first of its policy's")
            expect(any(num(x) is not None and num(x) > 0 for k, x in v.items()
                       if k.startswith("lcore/") and k.endswith("/busy_pct")), "an lcore's busy share: %s" % v)
            shot(drv, "visibility-topology-1366x768.png", 1366, 768)
            drv.find_element(By.ID, "tab-slices").click()
            shot(drv, "visibility-slices-1366x768.png", 1366, 768)
            drv.find_element(By.ID, "tab-health").click()
            shot(drv, "visibility-health-1366x768.png", 1366, 768)
            shot(drv, "visibility-health-390x844.png", 390, 844)
            drv.find_element(By.ID, "tab-topology").click()
            shot(drv, "visibility-topology-390x844.png", 390, 844)
            drv.set_window_size(1366, 768)

            # traffic stopped, the counters hold still: the page's numbers are the API's
            dp.port_admin("lan1", False)
            time.sleep(2.5)
            wait_polls(drv, 2)
            c = cd.req("GET", "/api/v1/counters")[1]
            topo = cd.req("GET", "/api/v1/topology")[1]
            st = cd.status()
            wait_polls(drv, 1)
            v = page_values(drv)
            want = {}
            for p in topo["peers"]:
                for pa in p["paths"]:
                    k = "path/%s/%d/" % (p["name"], pa["id"])
                    want.update({k + "state": pa["state"], k + "rtt_us": pa["rtt_us"], k + "jitter_us": pa["jitter_us"],
                                 k + "loss_pm": pa["loss_pm"], k + "pps": 0, k + "bps": 0})
            for p in c["ports"]:
                want["port/%s/rx_missed" % p["name"]] = p["rx_missed"]
                want["port/%s/tx_dropped" % p["name"]] = p["tx_dropped"]
                want["port/%s/rx_pps" % p["name"]] = 0
            for r, n in c["drops"].items():
                want["drop/" + r] = n
            mp = c["dataplane"]["mempool"]
            want.update({"mempool/size": mp["size"], "mempool/in_use": mp["in_use"], "mempool/available": mp["available"]})
            for n in c["dataplane"]["nodes"]:
                if n["packets"] > 0:
                    want["node/%s/packets" % n["node"]] = n["packets"]
            for a in topo["active_paths"]:
                k = "active/%s/%s%s" % (a["slice"], a["peer"], "/c%d" % a["class"] if a["class"] else "")
                want[k] = a["active"][0]["id"] if a["active"] else ""
                want[k + "/state"] = {"ok": "in use", "none_up": "none up", "sla_unmet": "SLA unmet"}[a["state"]]
            for kind in ("slices", "vdns"):
                for s in c[kind]:
                    # both units in the API, so both rates on the page
                    expect(all(x in s for x in ("in_packets", "in_bytes", "out_packets", "out_bytes")),
                           "%s/%s in and out in packets and bytes: %s" % (kind, s["name"], s))
                    for u, tot in (("rx_pps", "in_packets"), ("in_bps", "in_bytes"), ("out_bps", "out_bytes")):
                        if s[tot] is not None:
                            want["%s/%s/%s" % (kind, s["name"], u)] = 0
            for s in c["slices"]:
                want["slices/%s/rx_pps" % s["name"]] = 0
                want["slices/%s/sched_drops" % s["name"]] = sum(q["drops"] for q in s.get("scheduler", []))
            for s in topo["slices"]:
                want["slices/%s/phase" % s["name"]] = s["status"]["phase"]
            for name, ph in cd.phases().items():
                want["intent/%s/phase" % name] = ph["phase"]
            for k, x in (c.get("upf") or {}).get("sessions", {}).items():
                want["upf/sessions/" + k] = x
            bad = []
            for k, x in want.items():
                got = v.get(k)
                same = got == x if isinstance(x, str) else (num(got) is not None and abs(num(got) - x) <= 1e-6 * max(1, abs(x)))
                if not same:
                    bad.append("%s: page %r, API %r" % (k, got, x))
            # cycles per packet are timed on a sample of walks and keep moving with idle polls: close enough
            for n in c["dataplane"]["nodes"]:
                got = num(v.get("node/%s/cycles_per_packet" % n["node"]))
                if n["packets"] > 0 and (got is None or abs(got - n["cycles_per_packet"]) > 0.5 * n["cycles_per_packet"] + 1):
                    bad.append("node %s cycles/pkt: page %r, API %r" % (n["node"], got, n["cycles_per_packet"]))
            expect(not bad, "the page differs from the API: %s" % bad)
            expect(len(want) > 20, "compared %d numbers" % len(want))

            # flow export: off without an intent (and no console error for its absence), then on
            # with its sampling and collector, the counters between two reads of the API
            expect_eq((v.get("flowexp/on"), c["flow_export"]["on"]), ("off", False), "flow export off")
            expect_eq(cd.req("GET", "/api/v1/flow_export")[0], 404, "no flow_export intent")
            # the page's list of every intent: what each kind's own path says, no absent singleton
            items = cd.req("GET", "/api/v1/intents")[1]["items"]
            expect_eq({"%s/%s" % (i["kind"], i["name"]): i["status"]["phase"] for i in items},
                      {k: x["phase"] for k, x in cd.phases().items()}, "/api/v1/intents")
            errs, fails = console_errors(drv), failed_requests(drv)
            expect(not errs and not fails, "no flow_export intent, no console error nor failed request: %s %s"
                   % (errs, fails))
            code, res = cd.req("PUT", "/api/v1/flow_export?wait=1", FLOWS)
            expect(code in (200, 201) and res["status"]["phase"] == "Ready", "flow export: %s" % res)
            deadline = time.monotonic() + 5
            while page_values(drv).get("flowexp/on") != "on":
                expect(time.monotonic() < deadline, "flow export on, on the page")
                time.sleep(0.1)
            deadline = time.monotonic() + 10
            while cd.req("GET", "/api/v1/counters")[1]["flow_export"]["counters"].get("templates", 0) < 1:
                expect(time.monotonic() < deadline, "templates sent")
                time.sleep(0.2)
            a = cd.req("GET", "/api/v1/counters")[1]["flow_export"]
            wait_polls(drv, 2)
            v = page_values(drv)
            b = cd.req("GET", "/api/v1/counters")[1]["flow_export"]
            expect_eq((a["on"], a["sampling"], a["collectors"][0]["address"], a["collectors"][0]["port"]),
                      (True, 4, "127.0.0.1", 4739), "the API's export")
            expect_eq((v.get("flowexp/sampling"), v.get("flowexp/collector/0/address"),
                       v.get("flowexp/collector/0/port")), ("4", "127.0.0.1", "4739"), "the page's export")
            for k in ("records", "messages", "templates", "send_error", "flows"):
                lo, hi, got = a["counters"].get(k, 0), b["counters"].get(k, 0), num(v.get("flowexp/" + k))
                expect(got is not None and lo <= got <= hi, "flowexp %s: page %r, API %d..%d" % (k, got, lo, hi))
                expect("flowexp/%s/rate" % k in v, "flowexp %s has its rate" % k)

            # a path broken the overlay's way turns red (two missed 50 ms probes, the page's 1 s poll), its loss shown
            code, res = cd.req("PUT", "/api/v1/peers/siteB", BROKEN)
            expect(code in (200, 201), "the peer probed: %s" % res)
            t0 = time.monotonic()
            while True:
                v = page_values(drv)
                if v.get("path/siteB/1/state") == "down":
                    break
                expect(time.monotonic() - t0 < SHOWN_S, "path 1 red on the page: %s" % v.get("path/siteB/1/state"))
                time.sleep(0.05)
            sys.stdout.write("# path 1 red on the page %.1f s after the probe's peer went\n" % (time.monotonic() - t0))
            color = drv.execute_script(
                "return getComputedStyle(document.querySelector('line[data-k=\"path/siteB/1\"]')).stroke;")
            expect_eq(color, "rgb(198, 40, 40)", "the path's line is red")
            deadline = time.monotonic() + 5
            while (num(page_values(drv).get("path/siteB/1/loss_pm")) or 0) <= 0:
                expect(time.monotonic() < deadline, "its loss on the page")
                time.sleep(0.1)
            label = drv.execute_script("return document.querySelector('[data-k=\"pathlabel/siteB/1\"]').textContent;")
            expect("down" in label and "loss" in label and "%" in label, "the drawing says it: %r" % label)
            wait_polls(drv, 1)
            evs = drv.execute_script("return Array.from(document.querySelectorAll('li[data-k=event]')).map(e => e.textContent);")
            # probed from now on, it starts down until answered: a change of configuration
            expect(any("up → down" in e and "siteB path 1" in e and "config" in e for e in evs),
                   "the failover event: %s" % evs)
            # sxdp's ring, as the API gives it: the path's change and why, blue's move off it
            pe = cd.req("GET", "/api/v1/topology")[1]["path_events"]
            downs = [e for e in pe["events"] if e["type"] == "path" and e["path"]["id"] == 1 and e["new"] == "down"]
            expect(downs and downs[-1]["why"] == "config" and downs[-1]["old"] == "up" and
                   downs[-1]["path"]["peer"] == "siteB" and downs[-1]["time_ms"] > (time.time() - 60) * 1000,
                   "path 1's fall in the API: %s" % pe)
            moves = [e for e in pe["events"] if e["type"] == "active" and e.get("slice") == "blue"]
            expect(any(e["why"] == "path_down" and [x["id"] for x in e["old"]] == [1] for e in moves),
                   "blue moved off path 1 because it went down: %s" % moves)
            wait_polls(drv, 1)
            seqs = drv.execute_script("return Array.from(document.querySelectorAll('li[data-k=event]')).map(e => +e.dataset.seq);")
            api_seqs = [e["seq"] for e in cd.req("GET", "/api/v1/topology")[1]["path_events"]["events"]]
            expect(set(api_seqs) - set(seqs) <= {max(api_seqs)} and set(seqs) <= set(api_seqs),
                   "the page lists the ring's events: page %s, API %s" % (seqs, api_seqs))
            shot(drv, "visibility-path-down-1366x768.png", 1366, 768)

            # an intent sxdp refuses shows its reason
            # (a peak above every port's link: sxdp refuses its meter)
            fast = S.slice_("fast", 8, "lan2", 7004, rate={"guaranteed_bps": 1000000, "peak_bps": 100000000000})
            code, res = cd.req("PUT", "/api/v1/slices/fast", fast)
            expect(code in (200, 201), "a slice sxdp refuses: %d %s" % (code, res))
            deadline = time.monotonic() + 10
            while True:
                ph = cd.phases().get("slices/fast", {})
                v = page_values(drv)
                if ph.get("phase") in ("Failed", "Error") and v.get("intent/slices/fast/reason") == ph.get("reason"):
                    break
                expect(time.monotonic() < deadline, "the refusal's reason on the page: API %s, page %r" % (
                    ph, v.get("intent/slices/fast/reason")))
                time.sleep(0.2)
            drv.find_element(By.ID, "tab-intents").click()
            text = drv.find_element(By.ID, "view-intents").text
            expect(ph["reason"] in text and ph["phase"] in text, "the reason is shown: %r" % text)
            if ph.get("pointer"):
                expect(ph["pointer"] in text, "its pointer is shown")
            shot(drv, "visibility-intents-1366x768.png", 1366, 768)
            shot(drv, "visibility-intents-390x844.png", 390, 844)
            for tab in ("upf", "slices", "flowexp"):
                drv.find_element(By.ID, "tab-" + tab).click()
                shot(drv, "visibility-%s-1366x768.png" % tab, 1366, 768)
            shot(drv, "visibility-flowexp-390x844.png", 390, 844)
            drv.find_element(By.ID, "tab-upf").click()
            shot(drv, "visibility-upf-390x844.png", 390, 844)
            drv.set_window_size(1366, 768)

            expect_page_clean(drv)
    finally:
        drv.quit()


@R.test
def test_upf_view_and_one_session():
    """The UPF view against a UPF with an intent's session and a PFCP session (the test SMF):
    sessions per slice and per SMF, uplink broken out (N6) vs sent on (N9) in packets and bytes,
    downlink, a buffered packet and its DL Data Report; the numbers the API's at that moment.
    One session on request: by its PFCP id and by its intent's, in the lookup box and through
    the API; a malformed id is a 400, an unknown one a 404; no console error."""
    try:
        drv = browser()
    except T.SkipTest as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    import pfcp_smf as F
    import pfcp_upf as P
    from scapy.contrib.gtp import GTP_U_Header
    spec = dict(P.UPF, sessions=[{"id": 7, "ue": "10.45.9.9", "uplink": {"teid": 4242},
                                  "downlink": {"peer": "gnb1", "teid": 77}}])
    inner = [IP(src=ue, dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"u" * n)
             for ue, n in (("10.45.0.7", 10), ("10.45.0.7", 100), ("10.45.0.7", 1000), ("10.45.9.9", 50),
                           ("10.45.9.9", 60))]
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7777 if i[IP].src == "10.45.0.7" else 4242, gtp_type=255) / i
         for i in inner]
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst="10.45.0.7") /
          UDP(sport=7777, dport=4000) / Raw(b"to the idle UE")]
    ul_bytes = sum(len(i) for i in inner)
    try:
        with P.upf_pfcp(spec, n3=g, lan1=dl) as (dp, cd, port, base), \
                F.Smf(("127.0.0.1", port), profile="oai") as smf:
            expect_eq(F.cause_of(smf.associate()), 1, "associated")
            r, sess = smf.open_session(cp_seid=0x71, ue="10.45.0.7", gnb="192.0.2.10", gnb_teid=0x31, ul_teid=0x7777)
            expect_eq(F.cause_of(r), 1, "established")
            seid = sess["up_seid"]
            dp.phase(["n3"])
            expect_eq(F.cause_of(smf.modify(seid, 0x71, far=2, buffer=True)), 1, "its downlink buffers")
            dp.phase(["lan1"])
            rep = smf.wait_request(F.SESS_REPORT_REQ, timeout=5.0)
            expect(rep is not None, "a DL Data Report for the buffered packet")
            c = cd.req("GET", "/api/v1/counters")[1]["upf"]
            node = list(c["sessions_by_smf"])[0] if c["sessions_by_smf"] else None
            expect_eq((c["sessions_by_slice"], c["sessions_total"], c["sessions_by_smf"]),
                      ({"mec": {"intent": 1, "pfcp": 1}}, {"intent": 1, "pfcp": 1}, {node: 1}),
                      "sessions per slice and per SMF: %s" % c)
            expect_eq((c["uplink"]["n6"], c["uplink"]["n9"], c["uplink"]["packets"], c["uplink"]["bytes"]),
                      ({"packets": 5, "bytes": ul_bytes}, {"packets": 0, "bytes": 0}, 5, ul_bytes),
                      "uplink: all broken out, the inner IP bytes: %s" % c["uplink"])
            expect_eq((c["buffered"]["now"], c["buffered"]["packets"], c["reports"]["dl_data_sent"]), (1, 1, 1),
                      "one packet buffered, one DL Data Report: %s" % c)

            # one session: through the API, by either name; bad and unknown ids
            pid = "pfcp/%s/%d" % (node, seid)
            code, one = cd.req("GET", "/api/v1/upf/sessions/" + pid)
            expect_eq(code, 200, "GET %s: %s" % (pid, one))
            expect_eq((one["id"], one["source"], one["smf"], one["seid"], one["cp_seid"], one["upf"]),
                      (pid, "pfcp", node, seid, 0x71, "edge"), "the PFCP session")
            expect(len(one["pdrs"]) >= 2 and any("BUFF" in f["apply_action"] for f in one["fars"]),
                   "its PDRs and its buffering FAR: %s" % one)
            expect_eq(one["counters"]["uplink"], {"packets": 3, "bytes": sum(len(i) for i in inner[:3])},
                      "its uplink counters: %s" % one["counters"])
            code, enc = cd.req("GET", "/api/v1/upf/sessions/" + pid.replace("/", "%2F"))
            expect_eq((code, enc.get("id")), (200, pid), "the id percent-encoded")
            code, mine = cd.req("GET", "/api/v1/upf/sessions/upf/edge/7")
            expect_eq((code, mine.get("source"), mine.get("slice"), mine.get("session"), mine.get("phase")),
                      (200, "intent", "mec", 7, "Ready"), "the intent's session: %s" % mine)
            expect_eq(mine["counters"]["uplink"], {"packets": 2, "bytes": sum(len(i) for i in inner[3:])},
                      "its uplink counters")
            expect_eq([f["apply_action"] for f in mine["fars"]], [["FORW"], ["FORW"]], "its FARs")
            for bad, want in (("bogus", 400), ("pfcp/x/0", 400), ("upf/edge/abc", 400), ("pfcp//5", 400),
                              ("pfcp/nosuch/1", 404), ("upf/edge/99", 404),
                              ("upf/nosuch/1", 404), ("pfcp/%s/%d" % (node, seid + 1000), 404)):
                code, res = cd.req("GET", "/api/v1/upf/sessions/" + bad)
                expect_eq((code, res["error"]["reason"]), (want, "bad_id" if want == 400 else "not_found"),
                          "GET upf/sessions/%s: %s" % (bad, res))
            expect_eq(cd.req("PUT", "/api/v1/upf/sessions/" + pid, {})[0], 405, "a PUT of a session")

            # the page: the same numbers, the lookup box
            login(drv, cd.url, cd.token, "upf")
            wait_polls(drv, 3)
            for _ in range(5):  # the buffered packet may expire (10 s) between two reads: read again
                a = cd.req("GET", "/api/v1/counters")[1]["upf"]
                wait_polls(drv, 2)
                v = page_values(drv)
                if cd.req("GET", "/api/v1/counters")[1]["upf"] == a:
                    break
            want = {"upf/slice/mec/intent": 1, "upf/slice/mec/pfcp": 1, "upf/smf/" + node: 1,
                    "upf/total": 2, "upf/buffered/now": a["buffered"]["now"],
                    "upf/buffered/packets": a["buffered"]["packets"], "upf/buffered/dropped": a["buffered"]["dropped"],
                    "upf/reports/dl_data_sent": a["reports"]["dl_data_sent"],
                    "upf/reports/dl_data_raised": a["reports"]["dl_data_raised"]}
            for k, x in (("ul", a["uplink"]), ("n6", a["uplink"]["n6"]), ("n9", a["uplink"]["n9"]),
                         ("dl", a["downlink"])):
                want.update({"upf/%s/packets" % k: x["packets"], "upf/%s/bytes" % k: x["bytes"],
                             "upf/%s/pps" % k: 0})
            want["upf/n6_share"] = 100.0
            bad = ["%s: page %r, API %r" % (k, v.get(k), x) for k, x in want.items() if num(v.get(k)) != x]
            expect(not bad, "the UPF view differs from the API: %s" % bad)
            for sid, api_id in ((pid, pid), ("upf/edge/7", "upf/edge/7")):
                box = drv.find_element(By.ID, "upf-session-id")
                box.clear()
                box.send_keys(sid)
                drv.find_element(By.CSS_SELECTOR, "#upf-session-form button").click()
                deadline = time.monotonic() + 5
                while page_values(drv).get("upfsess/id") != api_id:
                    expect(time.monotonic() < deadline, "the session %s on the page" % sid)
                    time.sleep(0.1)
                wait_polls(drv, 2)
                v = page_values(drv)
                one = cd.req("GET", "/api/v1/upf/sessions/" + api_id)[1]
                for k in ("packets", "bytes"):
                    expect_eq((num(v.get("upfsess/ul/" + k)), num(v.get("upfsess/dl/" + k))),
                              (one["counters"]["uplink"][k], one["counters"]["downlink"][k]),
                              "%s's %s on the page" % (sid, k))
                expect_eq(num(v.get("upfsess/session")), one["session"], "its sxdp id")
                text = drv.find_element(By.ID, "view-upf").text
                expect("PDRs (%d)" % len(one["pdrs"]) in text and "FARs (%d)" % len(one["fars"]) in text,
                       "its rules listed")
                shot(drv, "visibility-upf-session-1366x768.png", 1366, 768)
            shot(drv, "visibility-upf-session-390x844.png", 390, 844)
            drv.set_window_size(1366, 768)
            expect_page_clean(drv)
    finally:
        drv.quit()


def fleet_requests(d):
    return [m["params"]["request"]["url"] for m in (json.loads(e["message"])["message"] for e in d.get_log("performance"))
            if m["method"] == "Network.requestWillBeSent" and "/api/v1/fleet" in m["params"]["request"]["url"]]


@R.test
def test_fleet_view_live_stale_100_boxes_and_no_fleet():
    """Two sxcd on one etcd (a with an sxdp, b without): the page on a shows both boxes as the
    API does, b (its sxdp away, its intents Pending) on top, and each intent where it is not
    Ready; b killed -9: stale on the page once its lease ends; 98 more boxes' reports: 100 rows in
    a card that scrolls (the page does not grow with them); then an sxcd on the file store: the
    view says "not in a fleet", its tab hidden, and /api/v1/fleet is never asked."""
    if shutil.which("etcd") is None:
        raise T.SkipTest("etcd is not installed (apt-get install etcd-server)")
    drv = browser()
    try:
        with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp:
            with FL.Fleet((dp.sock_path, None)) as f:
                for path, doc in (("/api/v1/site", SITE), ("/api/v1/peers/siteB", PEER),
                                  ("/api/v1/slices/red", FL.bare_slice(10))):
                    code, res = f.a.req("PUT", path, doc)
                    expect(code in (200, 201), "PUT %s through a: %s" % (path, res))

                def settled():
                    b = f.a.req("GET", "/api/v1/fleet")[1]
                    bx = {x["site"]: x for x in b.get("boxes", [])}
                    return b if sorted(bx) == ["site-a", "site-b"] and all(x["state"] == "live" for x in bx.values()) \
                        and bx["site-a"]["paths"] == {"up": 2, "total": 2} \
                        and (b["intents"].get("slices/red") or {}).get("site-a") == "Ready" \
                        and (b["intents"].get("slices/red") or {}).get("site-b") == "Pending" else None
                T.wait_until(settled, SETTLE_S, "both live, red Ready on a and Pending on b, a's paths up")
                login(drv, "http://127.0.0.1:%d" % f.a.port, f.a.token, "fleet")
                wait_polls(drv, 2)
                deadline = time.monotonic() + 6
                while True:
                    api = settled()
                    v, fv = page_values(drv), fleet_view(drv)
                    bad = []
                    for x in (api or {}).get("boxes", []):
                        k = "fleet/box/%s/" % x["site"]
                        ready = sum(1 for i in x["intents"].values() if i["phase"] == "Ready")
                        for key, want in (("state", x["state"]), ("sxdp", x["sxdp"]["state"]), ("ready", str(ready)),
                                          ("paths_up", str(x["paths"]["up"])), ("store", x["store"])):
                            if v.get(k + key) != want:
                                bad.append("%s%s: page %r, API %r" % (k, key, v.get(k + key), want))
                        if abs((num(v.get(k + "seen_ago_s")) or -99) - x["seen_ago_s"]) > 3:
                            bad.append("%sseen_ago_s: page %r, API %r" % (k, v.get(k + "seen_ago_s"), x["seen_ago_s"]))
                        for n, i in x["intents"].items():
                            if i["phase"] != "Ready" and v.get(k + "intent/" + n) != i["phase"]:
                                bad.append("%s's %s: page %r, API %r" % (x["site"], n, v.get(k + "intent/" + n), i["phase"]))
                    for n, by in (api or {}).get("intents", {}).items():
                        if v.get("fleet/intent/%s/ready" % n) != str(sum(1 for p in by.values() if p == "Ready")):
                            bad.append("intent %s Ready on: page %r, API %s" % (n, v.get("fleet/intent/%s/ready" % n), by))
                        for site, p in by.items():
                            if p != "Ready" and v.get("fleet/intent/%s/%s" % (n, site)) != p:
                                bad.append("intent %s on %s: page %r, API %r" % (n, site, v.get("fleet/intent/%s/%s" % (n, site)), p))
                    if api and not bad and fv["boxes"] == ["site-b", "site-a"] and fv["intents"][:1] != [] \
                            and v.get("fleet/boxes") == "2" and v.get("fleet/stale") == "0":
                        break
                    expect(time.monotonic() < deadline, "the fleet view is the API's (b, the unwell one, first): "
                           "%s; order %s; %s" % (bad, fv, {k: x for k, x in v.items() if k.startswith("fleet/")}))
                    time.sleep(0.2)
                # every intent not Ready on b is on top of the intents' list, each named with b
                nr = [n for n, by in api["intents"].items() if any(p != "Ready" for p in by.values())]
                expect(nr and sorted(fv["intents"][:len(nr)]) == sorted(nr), "not Ready ones on top: %s %s" % (fv, nr))
                expect_eq((fv["tab"], fv["tabHidden"]), ("Fleet", False), "the tab, nothing stale")
                shot(drv, "visibility-fleet-1366x768.png", 1366, 768)
                drv.set_window_size(1366, 768)

                # b killed -9: stale on the page once its lease (5 s) ends at etcd
                t0 = time.monotonic()
                f.b.kill9()
                while page_values(drv).get("fleet/box/site-b/state") != "stale":
                    expect(time.monotonic() - t0 < SHOWN_S, "site-b stale on the page")
                    time.sleep(0.2)
                sys.stdout.write("# site-b stale on the page %.1f s after its kill -9\n" % (time.monotonic() - t0))
                v, fv = page_values(drv), fleet_view(drv)
                expect_eq((v.get("fleet/box/site-a/state"), v.get("fleet/stale"), fv["boxes"][0], fv["tab"]),
                          ("live", "1", "site-b", "Fleet \u00b7 1 stale"), "a live, b stale on top, the tab says so")

                # 98 more boxes' reports (stale: no live key), 7 of them with a Failed intent
                now = int(time.time())
                for i in range(98):
                    rep = {"site": "edge-%03d" % i, "seen_unix": now - 60 * i, "store": "synced", "version": "t",
                           "sxdp": {"state": "connected"}, "view": {},
                           "intents": {"slices/red": {"phase": "Failed" if i % 14 == 0 else "Ready", "generation": 1}}}
                    f.etcd.call("kv/put", {"key": FL.b64("/fleet/boxes/edge-%03d" % i), "value": FL.b64(json.dumps(rep))})
                deadline = time.monotonic() + 6
                while len(fleet_view(drv)["boxes"]) != 100:
                    expect(time.monotonic() < deadline, "100 boxes on the page: %d" % len(fleet_view(drv)["boxes"]))
                    time.sleep(0.2)
                v = page_values(drv)
                expect_eq((v.get("fleet/boxes"), v.get("fleet/stale"), v.get("fleet/intent/slices/red/ready"),
                           v.get("fleet/intent/slices/red/edge-014"), v.get("fleet/box/edge-097/seen_ago_s") is not None),
                          ("100", "99", str(98 - 7 + 1), "Failed", True), "the 100 boxes' numbers")
                h = drv.execute_script("return [document.documentElement.scrollHeight, window.innerHeight];")
                expect(h[0] < 3 * h[1], "100 boxes scroll within their card: page %d px for a %d px window" % tuple(h))
                shot(drv, "visibility-fleet-100-1366x768.png", 1366, 768)
                shot(drv, "visibility-fleet-100-390x844.png", 390, 844)
                drv.set_window_size(1366, 768)
                errs = console_errors(drv)
                expect(not errs, "console errors: %s" % errs)

            # an sxcd on the file store: one line, the tab hidden, /fleet never asked
            with Sxcd(dp.sock_path) as cd:
                login(drv, cd.url, cd.token)
                wait_polls(drv, 3)
                # what the fleet's page logged after its sxcd went (a poll refused
                # before the login took the browser here) is not this page's
                drv.get_log("performance")
                drv.get_log("browser")
                wait_polls(drv, 3)
                v, fv = page_values(drv), fleet_view(drv)
                expect_eq((v.get("fleet/state"), fv["tabHidden"], fv["boxes"]), ("not in a fleet", True, []),
                          "not in a fleet: %s" % fv)
                expect_eq(fleet_requests(drv), [], "no request to /api/v1/fleet off a fleet")
                drv.get(cd.url + "/#fleet")
                drv.refresh()  # the same page: a new hash alone does not load it again
                wait_polls(drv, 2)
                expect("not in a fleet" in drv.find_element(By.ID, "view-fleet").text, "the one line, asked for")
                shot(drv, "visibility-fleet-none-390x844.png", 390, 844)
                errs, fails = console_errors(drv), failed_requests(drv)
                expect(not errs and not fails, "no console error nor failed request: %s %s" % (errs, fails))
    finally:
        drv.quit()


if __name__ == "__main__":
    R.main()
