#!/usr/bin/python3
"""sxcd's event loop under large requests, against a real sxdp: a dry run of
a big UPF intent and an apply of many slices are compiled in slices of work
between which other clients are served, and their answers still come; an
intent change writes only its own entries. Orders are asserted, not
wall-clock figures (those are bench/sxcd_scale.py's).
"""
import contextlib
import http.client
import json
import signal
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import PEER, PIPE, PORTS, SITE, WAN, Sxcd, snapshot, sxcd_path  # noqa: E402

R = T.Runner()


def big_upf(n, teid0=0):
    return {"slice": "mec", "ue_pool": "10.45.0.0/16",
            "n3": {"port": "n3", "address": "192.0.3.1/24"},
            "peers": [{"name": "gnb", "address": "192.0.3.10"}],
            "sessions": [{"id": k + 1, "ue": "10.45.%d.%d" % ((k + 1) // 250, (k + 1) % 250 + 1),
                          "uplink": {"teid": k + 1}, "downlink": {"peer": "gnb", "teid": 0x10000 + k + teid0}}
                         for k in range(n)]}


@contextlib.contextmanager
def upf_box(n, resync_ms, sizes=None):
    """An sxdp whose session tables hold n sessions more than their 4,096 (and sizes), an
    sxcd on it, the site, the peer and the UPF's slice mec applied and settled: (dp, cd)."""
    sizes = dict({"sessions_uplink": n + 4096, "sessions_downlink": n + 4096}, **(sizes or {}))
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, mem_mb=1024, extra_cfg={"table_sizes": sizes}) as dp, \
            Sxcd(dp.sock_path, resync_ms=resync_ms) as cd:
        mec = {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 3999}}
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, mec]})
        expect_eq(code, 200, "site, peer, slice")
        cd.wait_settled()
        yield dp, cd


def call(cd, method, path, body=None, timeout=120):
    host, port = cd.url.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json", "Authorization": "Bearer " + cd.token})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def snap_diff(a, b):
    """(entries only in a, entries only in b), over the tables both snapshots have."""
    only_a, only_b = [], []
    for t in a:
        sa, sb = set(a[t]), set(b.get(t, []))
        only_a += ["%s %s" % (t, e) for e in sorted(sa - sb)]
        only_b += ["%s %s" % (t, e) for e in sorted(sb - sa)]
    return only_a, only_b


def slice_spec(i):
    return {"id": i + 1, "svi": {"address": "10.%d.%d.1/24" % (i // 250, i % 250),
                                 "mac": "02:00:00:00:%02x:%02x" % (i // 256, i % 256)},
            "routes": [{"prefix": "172.16.%d.0/24" % (i % 250), "via": "10.%d.%d.2" % (i // 250, i % 250)}]}


@R.test
def test_big_dry_run_does_not_hold_the_loop():
    """A dry run of a UPF intent of 12,000 sessions is answered after a GET /status sent while
    it compiles (the old loop answered nothing until it was done), with every session's
    entries in its diff; so is an apply of 1,500 slices. sxcd's loop lag is in /status."""
    n = 12000
    with upf_box(n, 10000, {"svi": 4096}) as (dp, cd):
        order, answers = [], {}

        def dry():
            answers["dry"] = call(cd, "PUT", "/api/v1/upf/edge?dry_run=1", {"spec": big_upf(n)})
            order.append("dry")

        t = threading.Thread(target=dry)
        t.start()
        time.sleep(0.3)   # the body is sent and its compile under way
        for _ in range(3):
            code, st = call(cd, "GET", "/api/v1/status")
            expect_eq(code, 200, "status meanwhile")
        order.append("status")
        t.join(180)
        expect_eq(order, ["status", "dry"], "the GETs answered while the dry run compiled: %s" %
                  (str(answers.get("dry"))[:300],))
        code, res = answers["dry"]
        expect_eq(code, 200, "the dry run's answer came: %s" % (res if code != 200 else ""))
        ups = [d for d in res["diff"] if d["table"] == "sessions_uplink"]
        expect_eq(len(ups), n, "every session's uplink entry in the diff")
        expect_eq(res["status"]["upf/edge"]["phase"], "Ready", "it would be Ready")
        expect_eq(snapshot(dp, ["sessions_uplink"])["sessions_uplink"], [], "a dry run writes nothing")
        # a large apply: the same, and it is applied
        order.clear()
        items = [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": slice_spec(i)} for i in range(1500)]

        def apply():
            answers["apply"] = call(cd, "POST", "/api/v1/apply?wait=1", {"items": items})
            order.append("apply")

        t = threading.Thread(target=apply)
        t.start()
        time.sleep(0.3)
        code, _ = call(cd, "GET", "/api/v1/status")
        order.append("status")
        t.join(180)
        expect_eq(order[0], "status", "a GET answered while the apply compiled: %s" % order)
        expect_eq(answers["apply"][0], 200, "the apply's answer came")
        st = cd.wait_settled(timeout=120)
        expect(all(v["phase"] == "Ready" for v in st.values()), "every slice Ready")
        lag = cd.status()["sxdp"]["loop_lag"]
        expect(lag["count"] > 0 and lag["max_seconds"] >= 0, "the loop lag is measured: %s" % lag)


@R.test
def test_check_beside_a_chunked_run_does_not_stall_it():
    """A collision check may compile beside a run that waits on sxdp, and a run of more keys
    than one chunk writes them in slices of the same work timer: a check that took a slice the
    run asked for left the run unfinished for good (its intents Programming, every ?wait
    unanswered). A big UPF change (1,600 sessions: ~3,200 keys, chunked), then 1.5 s of small
    slice changes from 4 clients (their checks asked for while the run compiles, reads sxdp and
    writes), 4 times: every run ends, the UPF is Ready with its last generation's entries."""
    n = 1600
    with upf_box(n, 60000) as (dp, cd):
        for k in range(4):
            code, res = call(cd, "PUT", "/api/v1/upf/edge", {"spec": big_upf(n, teid0=k * n)})
            expect(code in (200, 201), "upf change %d: %s" % (k, code))
            # small changes from 4 clients while that run compiles, reads and writes: one
            # of their checks is asked for while the run reads sxdp's tables
            codes, end = [], time.monotonic() + 1.5

            def small(c):
                j = 0
                while time.monotonic() < end:
                    sp = slice_spec(100 + 4 * c + j % 4)
                    sp["routes"][0]["prefix"] = "172.17.%d.0/24" % ((k * 37 + j) % 250)
                    try:
                        codes.append(call(cd, "PUT", "/api/v1/slices/s%d-%d" % (c, j % 4), {"spec": sp})[0])
                    except OSError as e:   # an answer never given (RemoteDisconnected...): said, not lost
                        codes.append("%s: %s" % (type(e).__name__, e))
                        return
                    j += 1
            ts = [threading.Thread(target=small, args=(c,)) for c in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(120)
            expect(codes and set(codes) <= {200, 201},
                   "round %d: the small changes: %s" % (k, sorted(set(map(str, codes)))))
            st = cd.wait_settled(timeout=90)
            expect_eq(st["upf/edge"]["phase"], "Ready", "round %d: the UPF Ready: %s" % (k, st["upf/edge"]))
        teids = sorted(e["params"]["teid"] for e in dp.table_read("sessions_downlink")[0] if "teid" in e["params"])
        expect_eq(teids, list(range(0x10000 + 3 * n, 0x10000 + 4 * n)), "the last generation's downlink TEIDs, all")


@R.test
def test_upf_links_take_no_slice_bridge_domain():
    """Slices hold the bridge domains of their ids, up to 3999; a UPF's N3 and N9 links take
    theirs where no slice's is: with slices 3900..3903 (where UPF links used to go) and the
    UPF's own slice 3999 resident, the UPF is Ready and its links' bridge domains are no
    slice's."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, mem_mb=1024) as dp, Sxcd(dp.sock_path, resync_ms=10000) as cd:
        items = [SITE, PEER, {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 3999}}] + \
            [{"kind": "slices", "metadata": {"name": "s%d" % i}, "spec": {"id": i}} for i in range(3900, 3904)]
        up = big_upf(10)
        up["n9"] = {"port": "n9", "address": "192.0.9.1/24"}
        items.append({"kind": "upf", "metadata": {"name": "edge"}, "spec": up})
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": items})
        expect_eq(code, 200, "apply: %s" % res)
        st = cd.wait_settled(timeout=60)
        expect(all(v["phase"] == "Ready" for v in st.values()), "all Ready: %s" %
               {k: v for k, v in st.items() if v["phase"] != "Ready"})
        bds = set()
        for e in dp.rpc("table.read", {"table": "interfaces"})["entries"]:
            if e["match"].get("in_port") in ("n3", "n9"):
                bds.add(e["params"]["bd"])
        expect_eq(len(bds), 2, "the N3 and N9 links' bridge domains: %s" % bds)
        expect(not bds & ({3999} | set(range(3900, 3904))), "none a slice's: %s" % bds)


@R.test
def test_whole_dry_run_diff_is_what_the_write_does():
    """A dry run that compiles everything again (a peer's endpoint moves; or a change too
    large to take back piecemeal) compares the whole sets in slices: its diff names exactly
    the entries the same change then writes in sxdp, no more, no fewer."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, mem_mb=1024) as dp, Sxcd(dp.sock_path, resync_ms=10000) as cd:
        items = [SITE, PEER] + [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": slice_spec(i)}
                                for i in range(200)]
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": items})
        expect_eq(code, 200, "apply")
        cd.wait_settled(timeout=60)
        peer = json.loads(json.dumps(PEER))
        peer["spec"]["endpoints"][1]["address"] = "203.0.113.9"
        code, dry = cd.req("PUT", "/api/v1/peers/siteB?dry_run=1", peer)
        expect_eq(code, 200, "dry run: %s" % dry)
        said = sorted({(d["table"], json.dumps(d["match"], sort_keys=True)) for d in dry["diff"]})
        expect(len(said) > 0, "the dry run names writes")
        before = snapshot(dp)
        code, res = cd.req("PUT", "/api/v1/peers/siteB?wait=1", peer)
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "applied: %s" % res)
        after = snapshot(dp)
        done = set()
        for t in after:
            a = {json.dumps(json.loads(e)["match"], sort_keys=True): e for e in before[t]}
            b = {json.dumps(json.loads(e)["match"], sort_keys=True): e for e in after[t]}
            done |= {(t, m) for m in set(a) | set(b) if a.get(m) != b.get(m)}
        expect_eq(said, sorted(done), "the dry run's writes are the write's")


@R.test
def test_one_change_writes_its_own_entries():
    """With 300 slices and a UPF of 2,000 sessions resident, changing one slice's route writes
    that route only, and moving one session's downlink writes that session's entry only (and
    its end marker); sxdp's tables then differ in exactly those entries."""
    n = 2000
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, mem_mb=1024,
              extra_cfg={"table_sizes": {"sessions_uplink": n + 4096, "sessions_downlink": n + 4096}}) as dp, \
            Sxcd(dp.sock_path, resync_ms=10000) as cd:
        items = [SITE, PEER, {"kind": "slices", "metadata": {"name": "mec"}, "spec": {"id": 3999}}] + \
            [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": slice_spec(i)} for i in range(300)] + \
            [{"kind": "upf", "metadata": {"name": "edge"}, "spec": big_upf(n)}]
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": items})
        expect_eq(code, 200, "apply")
        st = cd.wait_settled(timeout=120)
        expect(all(v["phase"] == "Ready" for v in st.values()), "all Ready: %s" %
               {k: v for k, v in st.items() if v["phase"] != "Ready"})
        tables = ["routes", "svi", "fdb", "sessions_uplink", "sessions_downlink"]
        before = snapshot(dp, tables)
        w0 = cd.status()["sxdp"]["reconcile"]["writes"]
        spec = slice_spec(42)
        spec["routes"][0]["via"] = "10.0.42.9"
        code, res = cd.req("PUT", "/api/v1/slices/s0042?wait=1", {"spec": spec})
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "slice changed")
        expect_eq(cd.status()["sxdp"]["reconcile"]["writes"] - w0, 1, "one write: the route")
        gone, new = snap_diff(before, snapshot(dp, tables))
        expect_eq((len(gone), len(new)), (1, 1), "sxdp differs in that route only: %s %s" % (gone, new))
        expect("10.0.42.9" in new[0], "the new next hop: %s" % new)
        before = snapshot(dp, tables)
        w0 = cd.status()["sxdp"]["reconcile"]["writes"]
        up = big_upf(n)
        up["sessions"][1234]["downlink"]["teid"] = 0x7777
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": up})
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "session moved")
        expect_eq(cd.status()["sxdp"]["reconcile"]["writes"] - w0, 1, "one write: its downlink")
        gone, new = snap_diff(before, snapshot(dp, tables))
        expect_eq((len(gone), len(new)), (1, 1), "that session's downlink only: %s %s" % (gone, new))
        expect('"teid": 30583' in new[0] and new[0].startswith("sessions_downlink"), "moved: %s" % new)


@R.test
def test_slice_stretched_to_130_sites():
    """A slice stretched to 130 peer sites (static paths): its bridge domain
    floods into 130 tunnels, 8 in its flood entry and 122 in flood_more (the
    entry's "more"); a peer withdrawn from the middle leaves the list dense
    (121, no hole) and floods into the 129 others; the slice withdrawn takes
    the whole list with it."""
    n = 130
    peers = [{"kind": "peers", "metadata": {"name": "p%03d" % i}, "spec": {
        "id": 10 + i, "endpoints": [{"address": "198.18.%d.%d" % (i // 200, 1 + i % 200), "wan": "isp1"}],
        "probe": {"how": "static"}}} for i in range(n)]
    red = {"kind": "slices", "metadata": {"name": "red"}, "spec": {
        "id": 1, "vni": 5000, "members": [{"port": "lan1"}],
        "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"}}}

    def flood_list():
        fl = [json.loads(x) for x in snapshot(dp, ["flood"])["flood"]]
        fl = [e for e in fl if e["match"]["bd"] == 1]
        more = [json.loads(x) for x in snapshot(dp, ["flood_more"])["flood_more"]]
        more = {e["match"]["index"]: e["params"]["tunnel"] for e in more if e["match"]["bd"] == 1}
        if not fl:
            return None, more
        p = fl[0]["params"]
        return [p["t%d" % k] for k in range(8) if p.get("t%d" % k)] + \
            [more.get(k) for k in range(p.get("more", 0))], more

    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, mem_mb=1024) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE] + peers + [red]})
        expect_eq(code, 200, "apply: %s" % str(res)[:300])
        st = cd.wait_settled(timeout=120)
        expect_eq(st["slices/red"]["phase"], "Ready", "red: %s" % st["slices/red"])
        tl, more = flood_list()
        expect_eq((len(tl), len(set(tl)), len(more)), (n, n, n - 8), "130 tunnels, 122 in flood_more")
        tunnels = {json.loads(x)["match"]["id"] for x in snapshot(dp, ["tunnels"])["tunnels"]}
        expect_eq(set(tl), tunnels, "every tunnel of the slice's, once")
        # sxcd killed and started again with nothing changed: it writes nothing
        before = snapshot(dp, ["flood", "flood_more", "tunnels"])
        cd.stop(signal.SIGKILL)
        cd.start()
        cd.wait_settled(timeout=120)
        expect_eq(cd.status()["sxdp"]["reconcile"]["writes"], 0, "no write after a restart")
        expect_eq(snapshot(dp, ["flood", "flood_more", "tunnels"]), before, "the flood list as it was")
        code, res = cd.req("DELETE", "/api/v1/peers/p040?wait=1")
        expect_eq(code, 200, "peer p040 withdrawn: %s" % res)
        cd.wait_settled(timeout=60)
        tl2, more2 = flood_list()
        expect_eq((len(tl2), len(set(tl2)), sorted(more2), None in tl2),
                  (n - 1, n - 1, list(range(n - 9)), False), "129 tunnels, the list dense")
        expect(set(tl2) < set(tl), "the others kept")
        code, res = cd.req("DELETE", "/api/v1/slices/red?wait=1")
        expect_eq(code, 200, "red withdrawn: %s" % res)
        cd.wait_settled(timeout=60)
        expect_eq(flood_list(), (None, {}), "no flood entry, no list left")


@R.test
def test_sixteen_wan_links_eight_paths():
    """A site of 16 WAN links (VLANs of wan1 and wan2), a peer with an endpoint over each, a slice
    balanced over 8 of them: every intent Ready; the underlay's 16 SVIs on bridge domains
    4001..4016; the slice's tunnel policy balances over 8 paths (p0..p7) with their weights
    (w0..w7). Past the limits, refused with a pointer: a 17th WAN link, a 9th path."""
    n = 16
    site = {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}], "wan": [
        {"name": "isp%d" % i, "port": "wan%d" % (1 + i % 2), "vlan": 100 + i,
         "address": "192.0.%d.1/24" % (10 + i), "gateway": "192.0.%d.254" % (10 + i)} for i in range(n)]}}
    peer = {"kind": "peers", "metadata": {"name": "siteB"}, "spec": {
        "id": 2, "endpoints": [{"address": "203.0.113.%d" % (1 + i), "wan": "isp%d" % i} for i in range(n)],
        "probe": {"how": "static"}}}
    red = {"kind": "slices", "metadata": {"name": "red"}, "spec": {
        "id": 1, "vni": 5000, "members": [{"port": "lan1"}],
        "path_policy": {"mode": "balance", "wans": ["isp%d" % i for i in range(8)],
                        "weights": list(range(1, 9))}}}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [site, peer, red]})
        expect_eq(code, 200, "apply: %s" % str(res)[:300])
        st = cd.wait_settled(timeout=60)
        expect(all(v["phase"] == "Ready" for v in st.values()), "all Ready: %s" % st)
        svis = sorted(json.loads(x)["match"]["bd"] for x in snapshot(dp, ["svi"])["svi"])
        expect_eq(svis, list(range(4001, 4001 + n)), "the underlay's SVIs: one per WAN link")
        pols = [json.loads(x) for x in snapshot(dp, ["policies"])["policies"]]
        expect_eq(len(pols), 1, "one policy, red's tunnel's: %s" % pols)
        p = pols[0]["params"]
        paths = [p.get("p%d" % k, 0) for k in range(8)]
        expect_eq((pols[0]["action"], len(set(paths)), 0 in paths, [p.get("w%d" % k) for k in range(8)]),
                  ("balance", 8, False, list(range(1, 9))), "8 paths with their weights: %s" % p)
        more = dict(site, spec=dict(site["spec"], wan=site["spec"]["wan"] + [
            {"name": "isp16", "port": "wan1", "vlan": 116, "address": "192.0.26.1/24"}]))
        code, res = cd.req("PUT", "/api/v1/site", more)
        expect_eq((code, res["error"]["errors"][0]["reason"], res["error"]["errors"][0]["pointer"]),
                  (400, "too_many", "/spec/wan"), "a 17th WAN link refused")
        nine = dict(red, spec=dict(red["spec"], path_policy={"mode": "failover",
                                                             "wans": ["isp%d" % i for i in range(9)]}))
        code, res = cd.req("PUT", "/api/v1/slices/red", nine)
        expect_eq((code, res["error"]["errors"][0]["reason"], res["error"]["errors"][0]["pointer"]),
                  (400, "too_many", "/spec/path_policy/wans"), "a 9th path refused")


if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        print("0 passed, 1 failed")
        sys.exit(1)
    R.main()
