#!/usr/bin/python3
"""sxcd against a real sxdp (net_pcap ports): the REST contract, apply and
reconcile, the store across kill -9 of either daemon, phases.

Every REST route and error class is exercised; every refusal is checked to
change nothing (the intents listed and the store's files are the same
after). Responses are validated against the OpenAPI document sxcd serves,
which must be the one the build assembled (BUILD/sxcd-openapi.json: control/'s
generic part and each feature's kinds' schemas).
"""
import contextlib
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import (DOC, PEER, PIPE, PORTS, SITE, UPF, UPF_TABLES, WAN, Api, Sxcd, ul_terms,  # noqa: E402
                      expect_err, free_port, jsonschema, slice_, snap_diff, snapshot, sxcd_path, sxctl_path)

R = T.Runner()
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ------------------------------------------------------------------ tests

@R.test
def test_openapi_validator():
    """Every answer below is checked against the OpenAPI document by jsonschema; without it
    those checks cannot run, which is a skip said here, not a silent pass."""
    if jsonschema is None:
        raise T.SkipTest("answers not checked against the OpenAPI document: python3-jsonschema "
                         "is not installed (apt-get install python3-jsonschema)")


@R.test
def test_table_fixture_is_current():
    """tests/unit/sxdp-tables.json (what the unit tests and the fuzzer compile against) is what
    this sxdp describes."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        d = dp.rpc("pipeline.describe")
        for t in d["tables"]:
            t.pop("entries", None)
        ports = [{k: v for k, v in p.items() if k in ("index", "name", "mac", "role")}
                 for p in dp.rpc("port.list")["ports"]]
        fx = json.load(open(os.path.join(ROOT, "tests", "unit", "sxdp-tables.json")))
        expect_eq(fx, {"describe": {"tables": d["tables"]}, "ports": ports},
                  "the fixture (regenerate it from pipeline.describe and port.list)")


@R.test
def test_rest_contract():
    """Every route and every error class; refusals change nothing; answers fit the document."""
    doc = json.load(open(DOC))
    api = Api(doc)
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, served = cd.req("GET", "/api/v1/openapi.json")
        expect_eq((code, served), (200, doc), "the served OpenAPI document is the one the build assembled")
        code, res = cd.req("PUT", "/api/v1/site", SITE)
        expect_eq(code, 201, "site created")
        api.check("/api/v1/site", "put", code, res)
        code, res = cd.req("POST", "/api/v1/peers", PEER)
        expect_eq(code, 201, "peer created")
        api.check("/api/v1/{kind}", "post", code, res)
        code, res = cd.req("PUT", "/api/v1/slices/blue", slice_("blue", 1, "lan1", 5000))
        api.check("/api/v1/{kind}/{name}", "put", code, res)
        cd.wait_settled()
        before = (cd.store_files(), cd.req("GET", "/api/v1/slices")[1], snapshot(dp))

        def unchanged(what):
            now = (cd.store_files(), cd.req("GET", "/api/v1/slices")[1], snapshot(dp))
            files = sorted(f for f in set(now[0]) | set(before[0]) if now[0].get(f) != before[0].get(f))
            expect_eq(now[0], before[0], "%s: the store (files that differ: %s)" % (what, files))
            expect_eq([i["spec"] for i in now[1]["items"]], [i["spec"] for i in before[1]["items"]],
                      "%s: the intents" % what)
            expect_eq(now[2], before[2], "%s: sxdp's tables" % what)

        bad = [
            ("no such route", "GET", "/api/v1/nothing", None, None, 404, "not_found", None),
            ("no such top route", "GET", "/nothing", None, None, 404, "not_found", None),
            ("no such intent", "GET", "/api/v1/slices/none", None, None, 404, "not_found", None),
            ("withdraw what is not there", "DELETE", "/api/v1/slices/none", None, None, 404, "not_found", None),
            ("method", "DELETE", "/api/v1/slices", None, None, 405, "bad_method", None),
            ("method on apply", "GET", "/api/v1/apply", None, None, 405, "bad_method", None),
            ("bad JSON", "PUT", "/api/v1/slices/red", None, b"{\"spec\": ", 400, "bad_json", None),
            ("duplicate keys", "PUT", "/api/v1/slices/red", None, b"{\"spec\": {}, \"spec\": {}}", 400,
             "bad_json", None),
            ("not an object", "PUT", "/api/v1/slices/red", [1, 2], None, 400, "wrong_type", ""),
            ("no spec", "PUT", "/api/v1/slices/red", {"metadata": {}}, None, 400, "missing", "/spec"),
            ("unknown top field", "PUT", "/api/v1/slices/red", {"spec": {"id": 2}, "x": 1}, None, 400,
             "unknown_field", "/x"),
            ("wrong type", "PUT", "/api/v1/slices/red", {"spec": {"id": "2"}}, None, 400, "wrong_type",
             "/spec/id"),
            ("out of range", "PUT", "/api/v1/slices/red", {"spec": {"id": 4000}}, None, 400, "out_of_range",
             "/spec/id"),
            ("missing field", "PUT", "/api/v1/slices/red", {"spec": {"vni": 5}}, None, 400, "missing",
             "/spec/id"),
            ("unknown spec field", "PUT", "/api/v1/slices/red", {"spec": {"id": 2, "colour": 1}}, None, 400,
             "unknown_field", "/spec/colour"),
            ("bad MAC", "PUT", "/api/v1/slices/red",
             {"spec": {"id": 2, "svi": {"address": "10.0.0.1/24", "mac": "02:00:zz:00:00:01"}}}, None, 400,
             "bad_value", "/spec/svi/mac"),
            ("bad prefix", "PUT", "/api/v1/slices/red", {"spec": {"id": 2, "routes": [{"prefix": "10.0.0.0/33"}]}},
             None, 400, "bad_value", "/spec/routes/0/prefix"),
            ("bad enum", "PUT", "/api/v1/slices/red",
             {"spec": {"id": 2, "path_policy": {"mode": "fastest", "wans": ["isp1"]}}}, None, 400, "bad_value",
             "/spec/path_policy/mode"),
            ("too many", "PUT", "/api/v1/peers/p", {"spec": {"id": 3, "endpoints": [
                {"address": "1.1.1.%d" % i, "wan": "isp1"} for i in range(17)]}}, None, 400, "too_many",
             "/spec/endpoints"),
            ("kind in body disagrees", "PUT", "/api/v1/slices/red", {"kind": "peers", "spec": {"id": 2}}, None,
             400, "bad_value", "/kind"),
            ("name in body disagrees", "PUT", "/api/v1/slices/red",
             {"metadata": {"name": "green"}, "spec": {"id": 2}}, None, 400, "bad_value", "/metadata/name"),
            ("bad name", "PUT", "/api/v1/slices/.hidden", {"spec": {"id": 2}}, None, 400, None, None),
            ("POST without a name", "POST", "/api/v1/slices", {"spec": {"id": 2}}, None, 400, "missing",
             "/metadata/name"),
            ("POST of one that exists", "POST", "/api/v1/slices",
             {"metadata": {"name": "blue"}, "spec": {"id": 1}}, None, 409, "exists", None),
            ("stale generation", "PUT", "/api/v1/slices/blue?expected_generation=7",
             slice_("blue", 1, "lan1", 5001), None, 409, "stale_generation", "/metadata/generation"),
            ("stale generation in the body", "PUT", "/api/v1/slices/blue",
             dict(slice_("blue", 1, "lan1", 5001), metadata={"name": "blue", "generation": 3}), None, 409,
             "stale_generation", None),
            ("expected absent", "PUT", "/api/v1/slices/blue?expected_generation=0",
             slice_("blue", 1, "lan1", 5001), None, 409, "stale_generation", None),
            ("stale withdrawal", "DELETE", "/api/v1/slices/blue?expected_generation=9", None, None, 409,
             "stale_generation", None),
            ("unknown query", "PUT", "/api/v1/slices/red?force=1", {"spec": {"id": 2}}, None, 400,
             "unknown_field", "/query/force"),
            ("bad query value", "PUT", "/api/v1/slices/red?dry_run=2", {"spec": {"id": 2}}, None, 400,
             "out_of_range", "/query/dry_run"),
            ("non-decimal query", "PUT", "/api/v1/slices/red?expected_generation=0x1", {"spec": {"id": 2}},
             None, 400, "bad_value", "/query/expected_generation"),
            ("too large", "PUT", "/api/v1/slices/red", None,
             b"{\"spec\": {\"id\": 2, \"subnets\": [" + b",".join([b"\"10.0.0.0/8\""] * 400000) + b"]}}",
             413, "too_large", None),
            ("apply: bad item", "POST", "/api/v1/apply", {"items": [SITE, {"kind": "slices", "spec": {"id": 2}}]},
             None, 400, "missing", "/items/1/metadata/name"),
            ("apply: no kind", "POST", "/api/v1/apply", {"items": [{"metadata": {"name": "x"}, "spec": {}}]},
             None, 400, "missing", "/items/0"),
            ("apply: twice", "POST", "/api/v1/apply", {"items": [PEER, PEER]}, None, 400, "duplicate",
             "/items/1"),
            ("apply: stale", "POST", "/api/v1/apply",
             {"items": [dict(PEER, metadata={"name": "siteB", "generation": 5})]}, None, 409,
             "stale_generation", None),
            ("apply: bad prune", "POST", "/api/v1/apply", {"items": [], "prune": ["tunnels"]}, None, 400,
             "bad_value", "/prune/0"),
        ]
        for what, method, path, body, raw, want, reason, ptr in bad:
            code, res = cd.req(method, path, body, raw=raw)
            try:
                expect_err(res, code, want, reason, ptr)
                tpl = path.split("?")[0]
                if tpl.startswith("/api/v1/") and tpl.count("/") == 4 and "/site" not in tpl:
                    tpl = "/api/v1/{kind}/{name}"
                elif tpl.startswith("/api/v1/") and tpl.count("/") == 3 and tpl not in doc["paths"]:
                    tpl = "/api/v1/{kind}"
                if tpl in doc["paths"] and method.lower() in doc["paths"][tpl]:
                    api.check(tpl, method.lower(), code, res)
            except T.TestFailure as e:
                raise T.TestFailure("%s: %s" % (what, e))
            unchanged(what)
        # auth: none needed on loopback without a token; wrong and missing tokens below
        # every documented GET answers and fits
        for path in ("/api/v1/site", "/api/v1/status", "/api/v1/topology", "/api/v1/counters"):
            code, res = cd.req("GET", path)
            expect_eq(code, 200, "GET %s" % path)
            api.check(path, "get", code, res)
        for kind in ("peers", "slices", "vdns", "policies"):
            code, res = cd.req("GET", "/api/v1/" + kind)
            api.check("/api/v1/{kind}", "get", code, res)
        code, res = cd.req("GET", "/api/v1/slices/blue")
        api.check("/api/v1/{kind}/{name}", "get", code, res)
        code, text = cd.req("GET", "/metrics")
        expect(code == 200 and "sxdp_port_rx_packets_total{port=\"lan1\"}" in text, "metrics: %s" % text[:300])
        # every operation the document lists is served, with a code it documents (dry runs:
        # nothing changes)
        fill = {"{kind}": "peers", "{name}": "siteB", "{file}": "sx.js", "{revision}": "1", "{id}": "0123456789abcdef",
                "{site}": "siteZ"}
        for path, ops in doc["paths"].items():
            url = path
            for k, v in fill.items():
                url = url.replace(k, v)
            for method in ("get", "put", "post", "delete"):
                if method not in ops:
                    continue
                body = None
                if method in ("put", "post"):
                    body = {"items": [PEER]} if path.endswith("/apply") else \
                        (SITE if path.endswith("/site") else PEER)
                q = "?dry_run=1" if method != "get" else ""
                code, res = cd.req(method.upper(), url + q, body)
                if method == "post" and path == "/api/v1/{kind}":
                    expect_eq(code, 409, "POST of an existing peer")
                expect(str(code) in ops[method]["responses"], "%s %s: %d is not documented"
                       % (method.upper(), path, code))
                if isinstance(res, dict):
                    api.check(path, method, code, res)
        unchanged("every documented operation (dry runs)")
        # dry runs that compile only some intents again: blue changed, a slice added
        for method, path, body in (("PUT", "/api/v1/slices/blue", slice_("blue", 1, "lan1", 5001)),
                                   ("PUT", "/api/v1/slices/red", slice_("red", 2, "lan2", 5002))):
            code, res = cd.req(method, path + "?dry_run=1", body)
            expect(code in (200, 201) and res["diff"], "dry run of %s %s: %d %s" % (method, path, code, res))
        unchanged("dry runs of slices")
        # and after the next real runs: a dry run compiles on the reconciler's own compiler,
        # and a resync's whole diff stores what that holds (each entry's write order, in
        # state/own.N), so a dry run that left it otherwise (numbered anew) showed only when a
        # resync came before the check above, i.e. on a busy machine; here it always would
        cd.wait_runs(2)
        unchanged("dry runs, then real runs")
        # the same spec again: unchanged, no new generation
        code, res = cd.req("PUT", "/api/v1/slices/blue", slice_("blue", 1, "lan1", 5000))
        expect_eq((code, res["metadata"]["generation"]), (200, 1), "same spec: generation stays")
        # a change with the right expected generation
        code, res = cd.req("PUT", "/api/v1/slices/blue?expected_generation=1&wait=1",
                           slice_("blue", 1, "lan1", 5001))
        expect_eq((code, res["metadata"]["generation"], res["status"]["observedGeneration"],
                   res["status"]["phase"]), (200, 2, 2, "Ready"), "replace at generation 1, waited")
        api.check("/api/v1/{kind}/{name}", "put", code, res)
        code, res = cd.req("DELETE", "/api/v1/slices/blue?expected_generation=2")
        expect_eq(code, 200, "withdraw at generation 2")
        api.check("/api/v1/{kind}/{name}", "delete", code, res)


@R.test
def test_token():
    """Bound with a token: every request without it, or with another, is 401 and changes nothing."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, token="s3cret-token-0123456789") as cd:
        for tok in ("", "wrong-token-0123456789", "s3cret-token-012345678"):
            code, res = cd.req("PUT", "/api/v1/site", SITE, token=tok)
            expect_err(res, code, 401, "unauthorized")
            code, res = cd.req("GET", "/api/v1/status", token=tok)
            expect_err(res, code, 401, "unauthorized")
        expect_eq(cd.store_files(), {}, "nothing stored")
        code, res = cd.req("PUT", "/api/v1/site", SITE)
        expect_eq(code, 201, "with the token")
    for args, why in ((["--insecure-no-auth"], "--insecure-no-auth is for loopback only"),
                      (["--token-file", "/nonexistent/token"], "/nonexistent/token")):
        r = subprocess.run([sxcd_path(), "--listen", "0.0.0.0:1", "--store", "/nonexistent"] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        expect(r.returncode == 2 and why in r.stderr, "any address but loopback needs a token: "
               "%s: %s" % (args, r.stderr))


def race(*calls):
    """Each of @calls (thunks) at once from its own thread: their answers, in order."""
    out = [None] * len(calls)
    go = threading.Barrier(len(calls))

    def run(i):
        go.wait()
        out[i] = calls[i]()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


@R.test
def test_racing_conditional_writes():
    """Two operators racing a compare-and-set on one intent: 50 pairs of PUT ?expected_generation=N
    sent at once get one 200 and one 409 stale_generation each, and the stored intent is the
    winner's (its generation counts the winners alone); the same holds for an apply's
    metadata.generation against a PUT, a conditional DELETE against a PUT and two POSTs creating
    one name (one 201, one 409 exists). An unconditional writer racing them is never refused and
    never shares a generation with another."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("red", 1, "lan1", 5000)]})
        expect_eq(code, 200, "the site, a peer, red")
        gen = 1
        for i in range(50):
            a, b = race(lambda: cd.req("PUT", "/api/v1/slices/red?expected_generation=%d" % gen,
                                       slice_("red", 1, "lan1", 6000 + 2 * i)),
                        lambda: cd.req("PUT", "/api/v1/slices/red?expected_generation=%d" % gen,
                                       slice_("red", 1, "lan1", 6001 + 2 * i)))
            expect_eq(sorted((a[0], b[0])), [200, 409], "pair %d: one winner: %s %s" % (i, a, b))
            won, lost = (a, b) if a[0] == 200 else (b, a)
            expect_eq(lost[1]["error"]["reason"], "stale_generation", "pair %d: the loser's reason" % i)
            expect_eq(won[1]["metadata"]["generation"], gen + 1, "pair %d: the winner's generation" % i)
            code, now = cd.req("GET", "/api/v1/slices/red")
            expect_eq((now["metadata"]["generation"], now["spec"]["vni"]), (gen + 1, won[1]["spec"]["vni"]),
                      "pair %d: the winner's write is the one stored" % i)
            gen += 1
        # an apply's item carrying metadata.generation against a PUT
        item = slice_("red", 1, "lan1", 7000)
        item["metadata"]["generation"] = gen
        a, b = race(lambda: cd.req("POST", "/api/v1/apply", {"items": [item]}),
                    lambda: cd.req("PUT", "/api/v1/slices/red?expected_generation=%d" % gen,
                                   slice_("red", 1, "lan1", 7001)))
        expect_eq(sorted((a[0], b[0])), [200, 409], "apply against PUT: %s %s" % (a, b))
        gen += 1
        # a conditional DELETE against a conditional PUT
        a, b = race(lambda: cd.req("DELETE", "/api/v1/slices/red?expected_generation=%d" % gen),
                    lambda: cd.req("PUT", "/api/v1/slices/red?expected_generation=%d" % gen,
                                   slice_("red", 1, "lan1", 7002)))
        expect_eq(sorted((a[0], b[0])), [200, 409], "DELETE against PUT: %s %s" % (a, b))
        cd.wait_settled()
        # two POSTs creating one name; an unconditional PUT among conditional ones
        for i in range(5):
            green = lambda vni: slice_("green%d" % i, 10 + i, "lan2", vni, members=[{"port": "lan2", "vlan": 100 + i}])
            a, b = race(lambda: cd.req("POST", "/api/v1/slices", green(8000 + i)),
                        lambda: cd.req("POST", "/api/v1/slices", green(8100 + i)))
            expect_eq(sorted((a[0], b[0])), [201, 409], "two creators %d: %s %s" % (i, a, b))
            expect_eq(min(a, b)[1]["metadata"]["generation"], 1, "the creator's generation")
            expect_eq(max(a, b)[1]["error"]["reason"], "exists", "the second creator's reason")
            g = min(a, b)[1]["metadata"]["generation"]
            a, b = race(lambda: cd.req("PUT", "/api/v1/slices/green%d" % i, green(8200 + i)),
                        lambda: cd.req("PUT", "/api/v1/slices/green%d?expected_generation=%d" % (i, g),
                                       green(8300 + i)))
            expect_eq(a[0], 200, "the unconditional writer: %s" % (a,))
            gens = sorted(x[1]["metadata"]["generation"] for x in (a, b) if x[0] == 200)
            expect_eq(gens, list(range(g + 1, g + 1 + len(gens))), "no two writes share a generation")
            code, now = cd.req("GET", "/api/v1/slices/green%d" % i)
            expect_eq(now["metadata"]["generation"], g + len(gens), "the stored generation counts both")


@R.test
def test_what_cannot_be_carried_out_is_refused_at_the_door():
    """A change the compile finds sxcd cannot carry out is 422 naming the field, and nothing is
    stored or written: a working encrypted peer given IKE's settings without keying ikev2 (they
    would configure nothing) stays as it was; an apply carrying such an item stores none of its
    items."""
    key = "x" * 43 + "="
    wg = {"kind": "peers", "metadata": {"name": "siteW"}, "spec": {
        "id": 9, "endpoints": [{"address": "203.0.113.9", "wan": "isp1"}], "probe": {"how": "static"},
        "encryption": {"public_key": key, "cipher": "wireguard"}}}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, wg]})
        expect_eq(code, 200, "the site, two peers: %s" % res)
        cd.wait_settled()
        code, before = cd.req("GET", "/api/v1/peers/siteW")
        tables = snapshot(dp)
        files = cd.store_files()
        bad = json.loads(json.dumps(wg))
        bad["spec"]["encryption"]["ike"] = {"rekey_s": 600}
        code, res = cd.req("PUT", "/api/v1/peers/siteW?wait=1", bad)
        expect_err(res, code, 422, "bad_value", "/spec/encryption/ike")
        code, after = cd.req("GET", "/api/v1/peers/siteW")
        expect_eq((after["metadata"]["generation"], after["spec"], after["status"]["phase"]),
                  (before["metadata"]["generation"], before["spec"], before["status"]["phase"]),
                  "the peer as it was")
        new = json.loads(json.dumps(bad))
        new["metadata"]["name"] = "siteV"
        new["spec"]["id"] = 10
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [slice_("blue", 1, "lan1", 5000), new]})
        expect_err(res, code, 422, "bad_value", "/items/1/spec/encryption/ike")
        expect_eq((cd.req("GET", "/api/v1/slices/blue")[0], cd.req("GET", "/api/v1/peers/siteV")[0]), (404, 404),
                  "none of the apply stored")
        expect_eq(cd.store_files(), files, "the store as it was")
        expect_eq(snapshot(dp), tables, "sxdp's tables as they were")


@R.test
def test_two_slices_apply_and_withdraw():
    """Two slices with the same addressing via one apply; the dry run's diff is what gets written;
    withdrawing one removes exactly its entries, the other's stay untouched."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        base = snapshot(dp)
        one = {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]}
        code, res = cd.req("POST", "/api/v1/apply?wait=1", one)
        expect_eq(code, 200, "apply site, peer, blue: %s" % res)
        expect_eq([c["action"] for c in res["changes"]], ["created"] * 3, "created")
        ph = cd.wait_settled()
        expect(all(v["phase"] == "Ready" for v in ph.values()), "all Ready: %s" % ph)
        with_blue = snapshot(dp)
        red = slice_("red", 2, "lan2", 5001)
        code, dry = cd.req("POST", "/api/v1/apply?dry_run=1", {"items": [red]})
        expect_eq(code, 200, "dry run")
        expect_eq(snapshot(dp), with_blue, "a dry run writes nothing")
        expect(all(d["owner"] == "slices/red" for d in dry["diff"]), "the dry run's writes are red's")
        code, res = cd.req("PUT", "/api/v1/slices/red?wait=1", red)
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "red Ready")
        both = snapshot(dp)
        gone, new = snap_diff(with_blue, both)
        expect_eq(gone, [], "adding red touched none of blue's entries")
        want = sorted("%s %s" % (d["table"], json.dumps(
            dict({"match": d["match"], "action": d["action"], "params": d["params"]},
                 **({"priority": d["priority"]} if "priority" in d else {})), sort_keys=True))
            for d in dry["diff"])
        # the same entries, as sxdp spells them back
        expect_eq(len(new), len(want), "the dry run announced every entry: %s vs %s" % (new, want))
        expect_eq(res["status"]["entries"], len(new), "red's entries")
        # the two slices have the same subnet, SVI, MAC: each in its own VRF
        svis = [json.loads(e) for e in both["svi"]]
        expect_eq(sorted((s["match"]["vrf"], s["params"]["ip"]) for s in svis
                         if s["match"]["vrf"] in (1, 2)), [(1, "10.10.0.254"), (2, "10.10.0.254")],
                  "one SVI per slice, same address")
        code, res = cd.req("DELETE", "/api/v1/slices/red?wait=1")
        expect_eq(code, 200, "withdraw red")
        after = snapshot(dp)
        expect_eq(after, with_blue, "withdrawing red removed exactly its entries")
        code, res = cd.req("GET", "/api/v1/slices/red")
        expect_eq(code, 404, "red is gone")
        # and everything: back to sxdp as it started
        code, res = cd.req("POST", "/api/v1/apply?wait=1",
                           {"items": [], "prune": ["site", "peers", "slices"]})
        expect_eq([c["action"] for c in res["changes"]], ["withdrawn"] * 3, "pruned")
        expect_eq(snapshot(dp), base, "nothing left")


@R.test
def test_slice_routed_ports():
    """A slice's routed ports: each (port, VLAN) of the site's LAN an
    interfaces entry `routed` into the slice's VRF, on a link of its own (a
    bridge domain above the WAN links', its port the only member and flood
    target) whose SVIs are the port's addresses with the port's own MAC, so
    the box answers ARP there from that MAC; two addresses of one family
    are refused; taking the routed port out of the spec removes its
    entries and nothing else."""
    from scapy.all import ARP, Dot1Q, Ether
    mac = "02:70:63:61:70:01"     # lan2's (net_pcap's default, tests/unit/sxdp-tables.json)
    req = Ether(src="02:00:00:00:20:01", dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=30) / \
        ARP(op=1, hwsrc="02:00:00:00:20:01", psrc="10.20.0.1", pdst="10.20.0.254")
    ports = dict(PORTS, lan2=[req])
    site = json.loads(json.dumps(SITE))
    site["spec"]["lan"].append({"port": "lan2", "vlan": 30})
    rp = {"port": "lan2", "vlan": 30, "addresses": ["10.20.0.254/24", "2001:db8:20::fe/64"]}
    tables = ["interfaces", "bd_ports", "flood", "svi", "svi6", "fdb", "routes", "routes6"]
    with Sxdp(ports, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [site, PEER, slice_("blue", 1, "lan1", 5000)]})
        expect_eq(code, 200, "apply: %s" % res)
        cd.wait_settled()
        without = snapshot(dp, tables)
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000, routed_ports=[rp]))
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "blue with a routed port: %s" % res)
        t = {k: dp.table_read(k)[0] for k in tables}
        ifs = [e for e in t["interfaces"] if e["action"] == "routed"]
        expect_eq([(e["match"], e["params"]["slice"]) for e in ifs], [({"in_port": "lan2", "vlan": 30}, 1)],
                  "the routed interface")
        bd = ifs[0]["params"]["bd"]
        expect(4017 <= bd <= 4095, "a link's bridge domain above the WAN links': %d" % bd)
        expect_eq([e["params"] for e in t["bd_ports"] if e["match"]["bd"] == bd], [{"vlan": 30}], "its member")
        expect_eq([e["params"]["ports"] for e in t["flood"] if e["match"]["bd"] == bd], [1 << 1], "its flood")
        expect_eq([(e["params"]["mac"].lower(), e["params"]["ip"]) for e in t["svi"] if e["match"]["bd"] == bd],
                  [(mac, "10.20.0.254")], "its IPv4 address, the port's MAC")
        expect_eq([(e["params"]["mac"].lower(), e["params"]["ip"]) for e in t["svi6"] if e["match"]["bd"] == bd],
                  [(mac, "2001:db8:20::fe")], "its IPv6 address, the port's MAC")
        expect(any(e["match"]["dst"] == "10.20.0.0/24" and e["action"] == "connected" and
                   e["params"]["bd"] == bd for e in t["routes"]), "its subnet connected")
        st = dp.phase(["lan2"], events={"switch.arp_reply": 1})
        expect_eq(T.drops_of(st), {}, "drops")
        bad = dict(rp, addresses=["10.20.0.254/24", "10.21.0.254/24"])
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000, routed_ports=[bad]))
        expect_err(res, code, 422, "duplicate", "/spec/routed_ports/0/addresses/1")
        expect_eq(cd.req("GET", "/api/v1/slices/blue")[1]["status"]["phase"], "Ready", "two IPv4 addresses: "
                  "refused, blue as it was")
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000))
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "blue without it")
        expect_eq(snapshot(dp, tables), without, "the routed port's entries gone, nothing else")
        dp.stop()
        out = [Ether(b) for b in dp.outputs()["lan2"]]
        expect_eq([(f.src, f[Dot1Q].vlan, f[ARP].op, f[ARP].psrc, f[ARP].hwsrc) for f in out],
                  [(mac, 30, 2, "10.20.0.254", mac)], "the ARP reply from the port's MAC")


@R.test
def test_slice_svi_per_site():
    """svi.sites: at the site of an entry, the slice's SVI is that entry's
    (its own address, IPv6 address and MAC) instead of the shared one, so
    that the twins of two sites of a stretched subnet can peer; a site not
    listed wears the shared SVI; a site listed twice is refused (422)."""
    tables = ["svi", "svi6", "fdb"]
    here = SITE["spec"]["id"]

    def svis(dp):
        t = {k: dp.table_read(k)[0] for k in tables}
        return ([(e["params"]["mac"].lower(), e["params"]["ip"]) for e in t["svi"] if e["match"]["vrf"] == 1],
                [(e["params"]["mac"].lower(), e["params"]["ip"]) for e in t["svi6"] if e["match"]["vrf"] == 1])
    shared = {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"}
    mine = {"site": here, "address": "10.10.0.2/24", "address6": "2001:db8:10::2/64", "mac": "02:00:0a:0a:00:02"}
    other = {"site": here + 1, "address": "10.10.0.3/24", "mac": "02:00:0a:0a:00:03"}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_(
            "blue", 1, "lan1", 5000, svi=dict(shared, sites=[other, mine]))]})
        expect_eq(code, 200, "apply: %s" % res)
        expect_eq(cd.wait_settled().get("slices/blue", {}).get("phase"), "Ready", "blue Ready")
        expect_eq(svis(dp), ([("02:00:0a:0a:00:02", "10.10.0.2")], [("02:00:0a:0a:00:02", "2001:db8:10::2")]),
                  "this site's own SVI, both families, its own MAC")
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000,
                                                                       svi=dict(shared, sites=[other])))
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "another site's entry alone")
        expect_eq(svis(dp), ([("02:00:0a:0a:00:fe", "10.10.0.254")], []), "the shared SVI here")
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000,
                                                                       svi=dict(shared, sites=[other, other])))
        expect_err(res, code, 422, "duplicate", "/spec/svi/sites/1/site")
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000,
                                                                       svi=dict(shared, sites=[{"site": here}])))
        expect_eq(code, 400, "an entry without its address and MAC: %s" % res)


@R.test
def test_reconcile_drift_and_foreign_entries():
    """An owned entry removed behind sxcd's back comes back; an entry sxcd does not own is never
    touched; a restart of sxcd writes nothing when sxdp is right."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path)
        try:
            cd.start()
            code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
            cd.wait_settled()
            dp.table_write([Sxdp.update("routes", {"vrf": 1, "dst": "10.99.0.0/16"}, "drop")])
            good = snapshot(dp)
            dp.table_write([Sxdp.update("routes", {"vrf": 1, "dst": "10.40.0.0/16"}, type="delete")])
            deadline = time.monotonic() + 10
            while snapshot(dp) != good:
                expect(time.monotonic() < deadline, "the deleted route came back: %s" % (snap_diff(good, snapshot(dp)),))
                time.sleep(0.1)
            cd.stop()
            cd2 = Sxcd(dp.sock_path, store=cd.store)
            cd2.start()
            try:
                cd2.wait_settled()
                time.sleep(0.3)
                st = cd2.status()
                expect_eq(st["sxdp"]["reconcile"]["writes"], 0, "a restarted sxcd wrote nothing")
                expect_eq(snapshot(dp), good, "tables as they were, the foreign route kept")
            finally:
                cd2.stop()
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


@R.test
def test_sxdp_kill9_reprogrammed():
    """kill -9 of sxdp: a new sxdp (new boot_id, empty tables) is programmed again; the time from
    its socket answering to every intent Ready is printed."""
    d = tempfile.mkdtemp(prefix="sxcd-link-")
    link = os.path.join(d, "sxdp.sock")
    items = [SITE, PEER] + [slice_("s%d" % i, 10 + i, "lan1" if i == 0 else "lan2", 6000 + i,
                                   **({"members": []} if i > 1 else {})) for i in range(20)]
    try:
        with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp1:
            os.symlink(dp1.sock_path, link)
            cd = Sxcd(link)
            cd.start()
            try:
                code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": items})
                expect_eq(code, 200, "apply")
                cd.wait_settled()
                good = snapshot(dp1)
                boot1 = cd.status()["sxdp"]["boot_id"]
                dp1.proc.kill()
                dp1.proc.wait()
                with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp2:
                    os.unlink(link)
                    os.symlink(dp2.sock_path, link)
                    t0 = time.monotonic()
                    while True:
                        st = cd.status()
                        if st["sxdp"]["boot_id"] != boot1 and st["sxdp"]["connected"] and \
                                st["sxdp"]["reconcile"]["converged_after_connect_ms"] > 0 and \
                                set(st["intents"]) == {"Ready"}:
                            break
                        expect(time.monotonic() - t0 < 15, "reprogrammed in 15 s: %s" % st)
                        time.sleep(0.02)
                    took = time.monotonic() - t0
                    expect_eq(snapshot(dp2), good, "the new sxdp holds what the old one did")
                    print("#   sxdp restart -> %d intents Ready: %.0f ms after its socket was up "
                          "(%d ms after sxcd reconnected)" % (len(items), took * 1000,
                                                              st["sxdp"]["reconcile"]["converged_after_connect_ms"]))
            finally:
                cd.stop()
                shutil.rmtree(cd.store, ignore_errors=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_store_kill9_loses_nothing_acknowledged():
    """Applies in a burst while sxcd is killed with SIGKILL at random moments: after each restart
    every acknowledged intent is there, at its generation or later."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        store = tempfile.mkdtemp(prefix="sxcd-store-")
        acked = {}
        rnd = random.Random(11)
        try:
            for rnd_i in range(6):
                cd = Sxcd(dp.sock_path, store=store)
                cd.start()
                stop = threading.Event()

                def burst():
                    i = 0
                    while not stop.is_set():
                        name = "c%d" % rnd.randrange(40)
                        sub = ["10.%d.%d.0/24" % (rnd_i, i % 250)]
                        try:
                            code, res = cd.req("PUT", "/api/v1/slices/" + name,
                                               {"spec": {"id": 100 + int(name[1:]), "subnets": sub}})
                        except (OSError, ValueError):
                            return
                        if code in (200, 201):
                            acked[name] = (res["metadata"]["generation"], sub)
                        i += 1
                th = threading.Thread(target=burst)
                th.start()
                time.sleep(rnd.uniform(0.1, 0.5))
                cd.proc.send_signal(signal.SIGKILL)
                cd.proc.wait()
                stop.set()
                th.join()
                cd.proc = None
                leftovers = glob.glob(os.path.join(store, "*", ".*.tmp"))
                cd = Sxcd(dp.sock_path, store=store)
                cd.start()
                try:
                    for name, (gen, sub) in acked.items():
                        code, res = cd.req("GET", "/api/v1/slices/" + name)
                        expect_eq(code, 200, "acknowledged %s is there (round %d)" % (name, rnd_i))
                        expect(res["metadata"]["generation"] >= gen, "%s at generation >= %d" % (name, gen))
                        if res["metadata"]["generation"] == gen:
                            expect_eq(res["spec"]["subnets"], sub, "%s's acknowledged spec" % name)
                    expect_eq(glob.glob(os.path.join(store, "*", ".*.tmp")), [],
                              "temp files swept (%d were left)" % len(leftovers))
                finally:
                    cd.stop()
            expect(len(acked) > 10, "the burst acknowledged intents: %d" % len(acked))
        finally:
            shutil.rmtree(store, ignore_errors=True)


@R.test
def test_phases():
    """Pending lists what it waits for; a colliding or invalid intent is Failed and holds nothing;
    one sxdp refuses is Error (others Ready) and becomes Ready once fixed."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        cd.req("PUT", "/api/v1/slices/early", slice_("early", 5, "lan1", 7000))
        ph = cd.wait_settled()
        expect_eq((ph["slices/early"]["phase"], ph["slices/early"].get("waiting_for")), ("Pending", ["site"]),
                  "a slice before its site")
        cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        ph = cd.wait_settled()
        expect_eq(ph["slices/early"]["phase"], "Ready", "the site came: Ready")
        base = snapshot(dp)
        # the same id twice: the second is refused at write time, naming the holder
        code, res = cd.req("PUT", "/api/v1/slices/late?wait=1", slice_("late", 5, "lan2", 7001))
        expect_err(res, code, 409, "conflict", "/spec/id")
        expect("slices/early" in res["error"]["message"], "names the owner: %s" % res["error"]["message"])
        expect_eq(snapshot(dp), base, "the refused slice holds nothing")
        expect_eq(cd.req("GET", "/api/v1/slices/late")[0], 404, "nor is stored")
        # a port two slices claim
        code, res = cd.req("PUT", "/api/v1/slices/thief?wait=1", slice_("thief", 6, "lan1", 7002))
        expect_err(res, code, 409, "conflict", "/spec/members/0")
        # a member that is not a LAN port of the site; a peer that does not exist
        code, res = cd.req("PUT", "/api/v1/slices/wait?wait=1",
                           slice_("wait", 7, "wan1", 7003, peers=["nowhere"]))
        expect_eq(res["status"]["phase"], "Pending", "waiting")
        expect_eq(sorted(res["status"]["waiting_for"]), ["peers/nowhere", "site LAN port wan1 vlan 0"],
                  "what it waits for")
        cd.req("DELETE", "/api/v1/slices/wait")
        # a VDN without a scheduler to carry it; a policy of a slice that is not there
        code, res = cd.req("PUT", "/api/v1/vdns/v?wait=1", {"spec": {"slice": "early", "guaranteed_bps": 1000000,
                                                                      "match": {"dst": "10.10.0.0/24"}}})
        expect_eq(res["status"]["phase"], "Pending", "a VDN without a scheduler")
        code, res = cd.req("PUT", "/api/v1/policies/p?wait=1", {"spec": {
            "slice": "ghost", "class": 3, "match": {"proto": 17}, "path_policy": {"mode": "failover", "wans": ["isp2"]}}})
        expect_eq((res["status"]["phase"], res["status"]["waiting_for"]), ("Pending", ["slices/ghost"]),
                  "a policy of a missing slice")
        code, res = cd.req("PUT", "/api/v1/policies/p?wait=1", {"spec": {
            "slice": "early", "class": 3, "match": {"proto": 17}, "path_policy": {"mode": "failover", "wans": ["isp2"]}}})
        expect_eq(res["status"]["phase"], "Ready", "the policy of slice early: %s" % res["status"])
        # sxdp refuses it: a peak rate above every port's link (10 Gbit/s)
        code, res = cd.req("PUT", "/api/v1/slices/fast?wait=1", slice_(
            "fast", 8, "lan2", 7004, rate={"guaranteed_bps": 1000000, "peak_bps": 100000000000}))
        expect_eq((res["status"]["phase"], res["status"]["reason"]), ("Error", "above_port_rate"),
                  "sxdp refuses its meter: %s" % res["status"])
        expect_eq(cd.req("GET", "/api/v1/slices/early")[1]["status"]["phase"], "Ready", "the others stay Ready")
        code, res = cd.req("PUT", "/api/v1/slices/fast?wait=1", slice_(
            "fast", 8, "lan2", 7004, rate={"guaranteed_bps": 1000000, "peak_bps": 2000000}))
        expect_eq(res["status"]["phase"], "Ready", "fixed: Ready")
        ifs = [json.loads(e) for e in snapshot(dp)["interfaces"]]
        expect(any(e["match"]["in_port"] == "lan2" and e["params"].get("meter") for e in ifs),
               "the slice's interface names its meter: %s" % ifs)


@R.test
def test_rates_vdns_degraded():
    """A WAN link's rate makes its scheduler; a slice's rate its share of it and its meter; a VDN
    its meter, class and pipe; a peer no path of which is up is Degraded, and so is a slice
    stretched to it; counters and metrics name them."""
    site = json.loads(json.dumps(SITE))
    site["spec"]["wan"][0]["rate_bps"] = 100000000
    far = {"kind": "peers", "metadata": {"name": "siteC"}, "spec": {
        "id": 3, "endpoints": [{"address": "203.0.113.9", "wan": "isp1"}],
        "probe": {"how": "icmp", "interval_ms": 20, "down_after": 2, "up_after": 2}}}
    blue = slice_("blue", 1, "lan1", 5000, peers=["siteB"],
                  rate={"guaranteed_bps": 10000000, "peak_bps": 20000000})
    red = slice_("red", 2, "lan2", 5001, peers=["siteC"])
    vdn = {"kind": "vdns", "metadata": {"name": "voice"}, "spec": {
        "slice": "blue", "guaranteed_bps": 2000000, "peak_bps": 4000000, "priority": 10,
        "match": {"dst": "10.20.0.0/24", "proto": 17, "dport": [5060, 5061]}}}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=200) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [site, PEER, far, blue, red, vdn]})
        expect_eq(code, 200, "apply: %s" % res)
        deadline = time.monotonic() + 10
        while True:
            ph = cd.wait_settled()
            got = {k: v["phase"] for k, v in ph.items()}
            if got == {"site/local": "Ready", "peers/siteB": "Ready", "peers/siteC": "Degraded",
                       "slices/blue": "Ready", "slices/red": "Degraded", "vdns/voice": "Ready"}:
                break
            expect(time.monotonic() < deadline, "phases: %s" % ph)
            time.sleep(0.1)
        expect_eq((ph["slices/red"]["reason"], ph["slices/red"]["message"]),
                  ("no_path_up", "peers/siteC: no path up"), "why red is Degraded")
        read = lambda t: [e for e in dp.table_read(t)[0]]  # noqa: E731
        expect_eq([(e["match"]["port"], e["params"]["rate_bps"]) for e in read("sched_ports")], [("wan1", 100000000)],
                  "one scheduler, on wan1")
        expect_eq([(e["match"]["slice"], e["params"]["rate_bps"], e["params"]["ceil_bps"])
                   for e in read("sched_subports")], [(1, 10000000, 20000000)], "blue's share")
        expect_eq([(e["match"]["pipe"], e["params"]["rate_bps"]) for e in read("sched_pipes")],
                  [(1, 2000000)], "the VDN's pipe")
        expect_eq(len(read("vdns")), 1, "the VDN's class")
        expect_eq(sorted(e["match"]["id"] for e in read("meters")), [1, 1024], "VDN meter 1, blue's 1024")
        code, c = cd.req("GET", "/api/v1/counters")
        sl = {x["name"]: x for x in c["slices"]}
        expect_eq(sl["blue"]["meter"]["id"], 1024, "blue's meter in the counters")
        expect_eq([x["port"] for x in sl["blue"]["scheduler"]], ["wan1"], "blue's scheduler share")
        expect_eq(c["vdns"][0]["meter"]["id"], 1, "the VDN's meter in the counters")
        code, text = cd.req("GET", "/metrics")
        expect('sxdp_meter_packets_total{meter="1",intent="vdns/voice",color="green"}' in text,
               "metrics name the VDN's meter")
        expect('sxcd_intents{phase="Degraded"} 2' in text, "metrics count the Degraded")
        code, topo = cd.req("GET", "/api/v1/topology")
        peers = {p["name"]: p for p in topo["peers"]}
        expect_eq((peers["siteC"]["paths_up"], peers["siteB"]["paths_up"]), (0, 2), "paths up per peer")


@R.test
def test_netlink_gateway_neighbour_link():
    """In a network namespace of its own, sxcd takes a WAN link's gateway from the kernel's
    default route and the gateway's MAC from its neighbours (a static neighbour in sxdp), follows
    their changes, and drops a link that goes down from the path policies (and back)."""
    ns = "sxcdnl%d" % os.getpid()

    def sh(*cmd):
        r = subprocess.run(["ip", "-n", ns] + list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        expect_eq(r.returncode, 0, "ip %s: %s" % (" ".join(cmd), r.stderr))
    r = subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise T.SkipTest("no network namespaces here (ip netns add: %s)" % r.stderr.strip())
    try:
        sh("link", "set", "lo", "up")
        for k, p, a in (("w1k", "w1p", "192.0.2.1/24"), ("w2k", "w2p", "198.51.100.1/24")):
            sh("link", "add", k, "type", "veth", "peer", "name", p)
            sh("addr", "add", a, "dev", k)
            sh("link", "set", k, "up")
            sh("link", "set", p, "up")
        sh("route", "add", "default", "via", "192.0.2.254", "dev", "w1k")
        sh("neigh", "replace", "192.0.2.254", "lladdr", "02:11:22:33:44:55", "dev", "w1k", "nud", "permanent")
        site = {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}], "wan": [
            {"name": "isp1", "port": "wan1", "iface": "w1k", "address": "192.0.2.1/24"},
            {"name": "isp2", "port": "wan2", "iface": "w2k", "address": "198.51.100.1/24",
             "gateway": "198.51.100.254"}]}}
        with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=300, netns=ns) as cd:
            code, res = cd.req("POST", "/api/v1/apply?wait=1",
                               {"items": [site, PEER, slice_("blue", 1, "lan1", 5000, peers=["siteB"])]})
            expect_eq(code, 200, "apply: %s" % res)

            def state():
                paths = {e["params"]["src"]: e["params"]["gw"] for e in dp.table_read("paths")[0]}
                neigh = {(e["match"]["vrf"], e["match"]["ip"]): (e["params"]["dmac"].lower(), e["params"]["port"])
                         for e in dp.table_read("neigh")[0]}
                pol = [e["params"] for e in dp.table_read("policies")[0]]
                return paths, neigh, pol

            def until(what, cond, timeout=10):
                deadline = time.monotonic() + timeout
                while True:
                    st = state()
                    if cond(*st):
                        return st
                    expect(time.monotonic() < deadline, "%s: %s" % (what, st))
                    time.sleep(0.05)
            p1 = 1
            until("the kernel's gateway and its MAC", lambda paths, neigh, pol:
                  paths.get("192.0.2.1") == "192.0.2.254" and paths.get("198.51.100.1") == "198.51.100.254" and
                  neigh.get((4000, "192.0.2.254")) == ("02:11:22:33:44:55", "wan1"))
            sh("neigh", "replace", "192.0.2.253", "lladdr", "02:11:22:33:44:66", "dev", "w1k", "nud", "permanent")
            sh("route", "replace", "default", "via", "192.0.2.253", "dev", "w1k")
            until("a new default route", lambda paths, neigh, pol:
                  paths.get("192.0.2.1") == "192.0.2.253" and (4000, "192.0.2.254") not in neigh and
                  neigh.get((4000, "192.0.2.253")) == ("02:11:22:33:44:66", "wan1"))
            _, _, pol = until("both paths in the policy", lambda paths, neigh, pol: len(pol) == 1)
            both = (pol[0]["p0"], pol[0]["p1"])
            sh("link", "set", "w1p", "down")   # w1k loses its carrier
            _, _, pol = until("isp1 down: out of the policy", lambda paths, neigh, pol:
                              (pol[0]["p0"], pol[0]["p1"]) == (both[1], 0))
            # the status follows the run that took isp1 out of the policy (once
            # sxdp's path states are read back): not the same instant
            deadline = time.monotonic() + 5
            while True:
                ph = cd.req("GET", "/api/v1/site")[1]["status"]
                if ph.get("phase") == "Degraded" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            expect_eq((ph["phase"], ph.get("reason")), ("Degraded", "link_down"), "the site while isp1 is down")
            sh("link", "set", "w1p", "up")
            until("isp1 up: back in the policy", lambda paths, neigh, pol: (pol[0]["p0"], pol[0]["p1"]) == both)
            del p1
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def prometheus(cd):
    """Debian's Prometheus, with scripts/prometheus/sxcd.yml aimed at @cd every second: its port."""
    prom = shutil.which("prometheus")
    if prom is None:
        raise T.TestFailure("prometheus is not installed (scripts/deps.sh installs it)")
    d = tempfile.mkdtemp(prefix="sxcd-prom-")
    port = free_port()
    cfg = open(os.path.join(ROOT, "scripts", "prometheus", "sxcd.yml")).read()
    cfg = cfg.replace("127.0.0.1:8181", "127.0.0.1:%d" % cd.port).replace("scrape_interval: 15s",
                                                                        "scrape_interval: 1s")
    cfg = cfg.replace("/etc/prometheus/sxcd.token", cd.token_file)
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write(cfg)
    p = subprocess.Popen([prom, "--config.file=" + os.path.join(d, "prometheus.yml"),
                          "--storage.tsdb.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"))
    p.log = os.path.join(d, "log")
    p.port = port
    try:
        yield p
    finally:
        p.terminate()
        p.wait(10)
        shutil.rmtree(d, ignore_errors=True)


def prom_query(p, q):
    """@q's result as Prometheus has it now ([] when it has none yet, or does not answer)."""
    try:
        r = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/query?query=%s" % (p.port, urllib.parse.quote(q)),
                                   timeout=5)
        return json.loads(r.read())["data"]["result"]
    except (OSError, ValueError, KeyError):
        return []


@R.test
def test_prometheus_scrapes():
    """Debian's Prometheus, with scripts/prometheus/sxcd.yml aimed at this sxcd, scrapes /metrics:
    promtool finds the text well-formed, and a query gets sxdp's counters back."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise T.TestFailure("promtool is not installed (scripts/deps.sh installs prometheus)")
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
        code, text = cd.req("GET", "/metrics")
        r = subprocess.run([promtool, "check", "metrics"], input=text, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        expect_eq((r.returncode, r.stdout.strip()), (0, ""), "promtool check metrics")
        with prometheus(cd) as p:
            deadline = time.monotonic() + 60
            while not (res := prom_query(p, 'sxdp_table_entries{table="tunnels"}')):
                expect(p.poll() is None and time.monotonic() < deadline,
                       "prometheus scraped sxcd: %s" % open(p.log).read()[-800:])
                time.sleep(0.5)
            expect_eq((res[0]["metric"]["job"], res[0]["metric"]["box"], res[0]["value"][1]),
                      ("sxcd", "typeS-1", "1"), "the tunnels table's entries, as Prometheus has them")
            t = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/targets" % p.port, timeout=5)
            tg = json.loads(t.read())["data"]["activeTargets"]
            expect_eq([x["health"] for x in tg], ["up"], "the target is up")


@R.test
def test_grafana_dashboard_queries():
    """scripts/grafana/smartx-fastpath.json (packaged): every panel's every query, its variables
    as Grafana fills them (all boxes, a 1 m rate window), returns series from a real Prometheus
    scraping a running box (a site with a scheduled WAN link, a peer, a metered slice, a VDN)."""
    dash = json.load(open(os.path.join(ROOT, "scripts", "grafana", "smartx-fastpath.json")))
    exprs = [("%s %s" % (pn["title"], t["refId"]), t["expr"]) for pn in dash["panels"] for t in pn["targets"]]
    expect(len(exprs) >= 15, "the dashboard's queries: %d" % len(exprs))
    site = json.loads(json.dumps(SITE))
    site["spec"]["wan"][0]["rate_bps"] = 100000000
    vdn = {"kind": "vdns", "metadata": {"name": "voice"}, "spec": {"slice": "blue", "guaranteed_bps": 1000000,
                                                                    "match": {"dst": "10.20.0.0/24"}}}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [site, PEER, slice_(
            "blue", 1, "lan1", 5000, peers=["siteB"], rate={"guaranteed_bps": 10000000, "peak_bps": 20000000}), vdn]})
        expect_eq(code, 200, "the box: %s" % res)
        with prometheus(cd) as p:
            left = {t: e.replace("$box", ".+").replace("$__rate_interval", "1m") for t, e in exprs}
            deadline = time.monotonic() + 90     # generous: rates want two scrapes, on a busy machine
            while True:
                left = {k: e for k, e in left.items() if not prom_query(p, e)}
                if not left:
                    break
                expect(p.poll() is None and time.monotonic() < deadline,
                       "every panel's query returns series; these do not: %s" % left)
                time.sleep(1)
            print("#   %d queries of %d panels return series" % (len(exprs), len(dash["panels"])))


@R.test
def test_systemd_units():
    """scripts/systemd's units, as meson configures them, pass systemd-analyze verify (with the binaries where this build
    has them)."""
    sa = shutil.which("systemd-analyze")
    if sa is None:
        raise T.SkipTest("systemd-analyze is not installed (apt-get install systemd)")
    d = tempfile.mkdtemp(prefix="sxcd-units-")
    try:
        names = []
        for u in ("sxdp.service", "sxcd.service"):
            # the unit as meson configured it (its install paths), run with this build's binaries
            text = open(os.path.join(T.build_dir(), u)).read()
            text = re.sub(r"/\S*/bin/sxdp ", os.path.join(T.build_dir(), "sxdp") + " ", text)
            text = re.sub(r"/\S*/bin/sxcd ", sxcd_path() + " ", text)
            with open(os.path.join(d, u), "w") as f:
                f.write(text)
            names.append(os.path.join(d, u))
        # their Documentation= names man pages: docs/man's, as they are installed
        for page in ("sxdp.8", "sxcd.8", "sxctl.1"):
            os.makedirs(os.path.join(d, "man", "man" + page[-1]), exist_ok=True)
            shutil.copy(os.path.join(ROOT, "docs", "man", page), os.path.join(d, "man", "man" + page[-1]))
        r = subprocess.run([sa, "verify"] + names, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60, env=dict(os.environ, MANPATH=os.path.join(d, "man")))
        expect_eq((r.returncode, r.stdout.strip()), (0, ""), "systemd-analyze verify")
    finally:
        shutil.rmtree(d, ignore_errors=True)


CTL_S = 60   # generous: sxctl's wait for an apply or a delete (--wait) on a busy machine


@R.test
def test_sxctl_apply_get_status():
    """sxctl apply -f (dry run, then for real), get, delete, status, against sxcd."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        f = os.path.join(cd.store + ".set.json")
        with open(f, "w") as fh:
            json.dump({"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]}, fh)

        def ctl(*args, rc=0):
            r = subprocess.run([sxctl_path(), "--api", cd.url, "--token-file", cd.token_file,
                                "--timeout", str(CTL_S * 1000)] + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=2 * CTL_S)
            expect_eq(r.returncode, rc, "sxctl %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
            return r.stdout + r.stderr
        cd.wait_settled()   # a dry run's table writes are known once sxdp is
        out = ctl("apply", "-f", f, "--dry-run")
        expect("slices/blue: created" in out and "insert interfaces" in out, "dry run: %s" % out)
        expect_eq(cd.store_files(), {}, "a dry run stores nothing")
        out = ctl("apply", "-f", f, "--wait")
        expect("site/local: created" in out, "apply: %s" % out)
        out = ctl("get", "slices")
        expect("blue" in out and "Ready" in out, "get slices: %s" % out)
        res = json.loads(ctl("get", "slices", "blue", "--json"))
        expect_eq(res["status"]["phase"], "Ready", "get slices blue --json")
        out = ctl("status")
        expect("sxdp: connected" in out and "Ready 3" in out, "status: %s" % out)
        out = ctl("get", "slices", "none", rc=1)
        expect("404 not_found" in out, "get a missing one: %s" % out)
        with open(f, "w") as fh:
            json.dump({"items": [{"kind": "slices", "metadata": {"name": "x"}, "spec": {"id": 99999}}]}, fh)
        out = ctl("apply", "-f", f, rc=1)
        expect("/items/0/spec/id: out_of_range" in out, "a refused apply: %s" % out)
        out = ctl("delete", "slices", "blue", "--wait")
        expect("slices/blue" in out, "delete: %s" % out)
        ctl("status", "--atomicity", "rollback", rc=2)
        ctl("ports", "--dry-run", rc=2)
        r = subprocess.run([sxctl_path(), "--api", "http://127.0.0.1:1", "status"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        expect_eq(r.returncode, 3, "no sxcd: exit 3 (%s)" % r.stderr)



@R.test
def test_upf_resource():
    """A upf intent compiles into the UPF's tables: its N3 and N9 links (an
    SVI each in the underlay, a GTP-U endpoint of the slice), the pool's
    route into it, the slice's QER, its peers, the local DN as an app; a UL
    CL session (uplink to the anchor with apps, the DN's app broken out,
    downlink entries by UE and by N9 TEID, an AMBR meter, a threshold) and a
    buffering one. A G-PDU of session 1 to the DN then breaks out through
    those entries; a handover (another TEID downlink) sends one end marker
    into the old tunnel; the intent is Pending until its slice exists, and
    withdrawing it leaves the tables as they were."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    g = Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") / \
        UDP(sport=2152, dport=2152) / GTP_U_Header(teid=256, gtp_type=255) / \
        IP(src="10.45.0.1", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"to the edge")
    ports = {"n3": [g], "n9": [], "lan1": []}
    pipe = {"n3": "upf", "n9": "upf", "lan": "switch"}
    opts = {"n3": {"role": "n3"}, "n9": {"role": "n9"}}
    with Sxdp(ports, pipeline=pipe, port_opts=opts) as dp, Sxcd(dp.sock_path) as cd:
        base = snapshot(dp, UPF_TABLES)
        code, res = cd.req("PUT", "/api/v1/upf/edge", {"spec": UPF})
        expect_eq(code, 201, "upf created")
        ph = cd.wait_settled(names=["upf/edge"])
        expect_eq(ph["upf/edge"]["phase"], "Pending", "waiting for its slice")
        expect(any("slices/mec" in w for w in ph["upf/edge"]["waiting_for"]), "names the slice: %s" % ph)
        code, res = cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}})
        expect_eq(code, 201, "the site")
        mec = slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]   # not stretched: no overlay here
        code, res = cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        expect_eq(code, 201, "the slice")
        ph = cd.wait_settled()
        expect_eq(ph["upf/edge"]["phase"], "Ready", "upf Ready: %s" % ph)
        t = upf_tables(dp)
        ifs = sorted((e["match"]["dst"], e["action"], e["params"].get("slice")) for e in t["upf_interfaces"])
        expect_eq(ifs, [("10.10.0.254/32", "n6", 1), ("192.0.2.1/32", "n3", 1), ("198.51.100.1/32", "n9", 1)],
                  "endpoints and the N6 address")
        expect(any(e["match"] == {"vrf": 1, "dst": "10.45.0.0/16"} and e["action"] == "upf" for e in t["routes"]),
               "the pool's route into the UPF")
        ul = {e["match"]["teid"]: e for e in t["sessions_uplink"]}
        expect_eq((ul[256]["action"], ul[256]["params"]["apps"], ul[256]["params"]["teid"], ul[256]["params"]["ue"]),
                  ("fwd_n9", 1, 36864, "10.45.0.1"), "session 1: to the anchor, with apps")
        expect_eq((ul[257]["action"], ul[257]["params"]["ohr"]), ("fwd_n6", 6), "session 2: broken out, OHR 6")
        dl = {e["match"]["ue"]: e for e in t["sessions_downlink"]}
        expect_eq((dl["10.45.0.1"]["action"], dl["10.45.0.1"]["params"]["teid"], dl["10.45.0.1"]["params"]["qfi"],
                   dl["10.45.0.1"]["params"]["threshold"]), ("encap_n3", 8192, 9, 1000000), "session 1 downlink")
        expect(dl["10.45.0.1"]["params"].get("ambr", 0) >= 4096, "its AMBR meter")
        expect_eq(dl["10.45.0.2"]["action"], "buffer", "session 2 buffers")
        n9 = t["sessions_n9_downlink"]
        expect_eq([(e["match"]["teid"], e["action"]) for e in n9], [(28672, "encap_n3")], "the N9 downlink entry")
        expect_eq([(e["match"]["session"], e["action"]) for e in ul_terms(t)], [(1, "fwd_n6")],
                  "the DN's app broken out")
        expect_eq(len(t["tunnel_peers"]) - len(base["tunnel_peers"]), 2, "two peers")
        expect_eq(len(t["upf_slices"]), 1, "the slice's QER")
        # a G-PDU of session 1 to the DN host: the breakout it describes
        st = dp.phase(["n3"])
        expect_eq(T.events_of(st).get("upf.breakout"), 1, "broken out: %s" % T.drops_of(st))
        # its usage, summed: the Visibility API and Prometheus (no label per session)
        code, c = cd.req("GET", "/api/v1/counters")
        expect_eq((c["upf"]["packets"], c["upf"]["events"].get("breakout"), c["upf"]["sessions"]["sessions_uplink"]),
                  (1, 1, 2), "counters: upf")
        code, m = cd.req("GET", "/metrics")
        expect("sxdp_upf_usage_packets_total 1" in m and "sxdp_upf_usage_bytes_total %d" % len(g[IP].payload.payload.payload) in m,
               "metrics: the URRs summed")
        # a handover: session 1's downlink to another TEID of its gNB; the
        # old tunnel gets one end marker (its N6 and N9 entries move together)
        moved = json.loads(json.dumps(UPF))
        moved["sessions"][0]["downlink"]["teid"] = 8200
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": moved})
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "moved")
        dl = [json.loads(e) for e in snapshot(dp, ["sessions_downlink"])["sessions_downlink"]]
        expect_eq(sorted(e["params"].get("teid", 0) for e in dl), [0, 8200], "the new TEID")
        st = dp.wait_events({"upf.end_marker_sent": 1}, 10)
        expect_eq(T.events_of(st).get("upf.end_marker_sent"), 1, "one end marker into the old tunnel")
        code, res = cd.req("DELETE", "/api/v1/upf/edge?wait=1")
        expect_eq(code, 200, "withdrawn")
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [], "prune": ["site", "slices"]})
        expect_eq(snapshot(dp, UPF_TABLES), base, "nothing of it left")


@contextlib.contextmanager
def upf_ready(n3_in, name, spec, what):
    """sxdp (ports n3, n9, lan1; n3_in the frames n3 holds) with sxcd, the
    site and slice mec (id 1, not stretched), and upf intent NAME of SPEC,
    Ready. Yields (dp, cd, the tables then); on the way out the intent is
    withdrawn and the site and slice pruned, which must leave the tables as
    they were."""
    with Sxdp({"n3": n3_in, "n9": [], "lan1": []}, pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
              port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}}) as dp, Sxcd(dp.sock_path) as cd:
        base = snapshot(dp, UPF_TABLES)
        cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}})
        mec = slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]
        cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        code, res = cd.req("PUT", "/api/v1/upf/%s?wait=1" % name, {"spec": spec})
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "%s: %s" % (what, res.get("status")))
        yield dp, cd, upf_tables(dp)
        code, res = cd.req("DELETE", "/api/v1/upf/%s?wait=1" % name)
        expect_eq(code, 200, "withdrawn")
        cd.req("POST", "/api/v1/apply?wait=1", {"items": [], "prune": ["site", "slices"]})
        expect_eq(snapshot(dp, UPF_TABLES), base, "nothing of it left")


def upf_tables(dp):
    """The UPF's tables and the switch's it writes, entry by entry."""
    return {k: [json.loads(e) for e in v] for k, v in snapshot(dp, UPF_TABLES).items()}


@R.test
def test_upf_session_resource():
    """One session of a upf intent as a resource of its own
    (/api/v1/upf/NAME/sessions/ID): a PUT adds or replaces it and a DELETE
    takes it out, the intent's other sessions as they were (their entries
    untouched in sxdp); GET reads it. Only the session is checked (its
    schema, its id against the path's) and bad ones change nothing; the
    intent's generation guards it like a PUT of the intent; two sessions
    put at once both land; a session colliding with a sibling (a TEID taken) is 409 and nothing
    changes; a dry run stores nothing. (Past the sessions' maxItems is 422:
    test_sxcd.c's member_put_shares_and_bounds, as such a body is past the
    API's 4 MiB.)"""
    with upf_ready([], "edge", UPF, "upf") as (dp, cd, t0):
        api = Api(json.load(open(DOC)))
        tpl = "/api/v1/upf/{name}/sessions/{id}"
        stored = lambda: cd.req("GET", "/api/v1/upf/edge")[1]
        code, res = cd.req("GET", "/api/v1/upf/edge/sessions/2")
        expect_eq((code, res["spec"], res["member"], res["metadata"]["name"]),
                  (200, UPF["sessions"][1], "sessions/2", "edge"), "GET one session")
        api.check(tpl, "get", code, res)
        for path in ("/api/v1/upf/edge/sessions/3", "/api/v1/upf/nope/sessions/1", "/api/v1/upf/edge/sessions/x1",
                     "/api/v1/upf/edge/sessions/-1"):
            code, res = cd.req("GET", path)
            expect_err(res, code, 404, "not_found")
        code, res = cd.req("GET", "/api/v1/slices/mec/sessions/1")
        expect_eq(code, 404, "a kind without members has no such path")
        gen = stored()["metadata"]["generation"]
        ul0 = {e["match"]["teid"]: e for e in t0["sessions_uplink"]}
        # added: session 3, the id the path's
        s3 = {"ue": "10.45.0.3", "uplink": {"teid": 258}, "downlink": {"peer": "gnb1", "teid": 8194}}
        code, res = cd.req("PUT", "/api/v1/upf/edge/sessions/3?wait=1", {"spec": s3})
        expect_eq((code, res["status"]["phase"], res["spec"]["id"], res["metadata"]["generation"]),
                  (200, "Ready", 3, gen + 1), "session 3 put: %s" % res)
        api.check(tpl, "put", code, res)
        t = upf_tables(dp)
        ul = {e["match"]["teid"]: e for e in t["sessions_uplink"]}
        expect_eq(sorted(ul), [256, 257, 258], "its uplink entry")
        expect_eq((ul[256], ul[257]), (ul0[256], ul0[257]), "the others' entries as they were")
        expect_eq([x["id"] for x in stored()["spec"]["sessions"]], [1, 2, 3], "stored with the others")
        # replaced: session 1's downlink moves (a handover), through its own path
        s1 = json.loads(json.dumps(UPF["sessions"][0]))
        s1["downlink"]["teid"] = 8300
        code, res = cd.req("PUT", "/api/v1/upf/edge/sessions/1?wait=1&expected_generation=%d" % (gen + 1),
                           {"spec": s1})
        expect_eq((code, res["spec"]["downlink"]["teid"]), (200, 8300), "session 1 replaced")
        dl = {e["match"]["ue"]: e for e in upf_tables(dp)["sessions_downlink"]}
        expect_eq(dl["10.45.0.1"]["params"]["teid"], 8300, "its new TEID in sxdp")
        gen = stored()["metadata"]["generation"]
        # refused, nothing changed
        before = stored()
        bad = [
            ("id disagrees", "PUT", "/api/v1/upf/edge/sessions/4", {"spec": dict(s3, id=5)}, 400, "bad_value",
             "/spec/id"),
            ("bad session", "PUT", "/api/v1/upf/edge/sessions/4", {"spec": {"ue": "10.45.0.4"}}, 400, "missing",
             None),
            ("bad field", "PUT", "/api/v1/upf/edge/sessions/4", {"spec": dict(s3, colour=1)}, 400, None, None),
            ("not a spec", "PUT", "/api/v1/upf/edge/sessions/4", {"session": s3}, 400, None, None),
            ("stale", "PUT", "/api/v1/upf/edge/sessions/4?expected_generation=%d" % (gen - 1),
             {"spec": dict(s3, ue="10.45.0.4", uplink={"teid": 259})}, 409, "stale_generation", None),
            ("collides with a sibling", "PUT", "/api/v1/upf/edge/sessions/4?wait=1",
             {"spec": dict(s3, ue="10.45.0.4")}, 409, "conflict", None),
            ("take out one not there", "DELETE", "/api/v1/upf/edge/sessions/9", None, 404, "not_found", None),
            ("no such intent", "PUT", "/api/v1/upf/nope/sessions/1", {"spec": s3}, 404, "not_found", None),
        ]
        for what, m, path, body, want, reason, ptr in bad:
            code, res = cd.req(m, path, body)
            try:
                expect_err(res, code, want, reason, ptr)
            except T.TestFailure as e:
                raise T.TestFailure("%s: %s" % (what, e))
            expect_eq(stored()["spec"], before["spec"], "%s: nothing changed" % what)
        # a dry run: what would change, nothing stored
        code, res = cd.req("DELETE", "/api/v1/upf/edge/sessions/3?dry_run=1")
        expect(code == 200 and "diff" in res, "a dry run answers what would change: %s" % res)
        expect_eq(stored()["spec"], before["spec"], "dry run: nothing stored")
        # two put at once: both land (the second made again on the first)
        import threading
        out = {}
        def put(i):
            out[i] = cd.req("PUT", "/api/v1/upf/edge/sessions/%d?wait=1" % i,
                            {"spec": {"ue": "10.45.0.%d" % i, "uplink": {"teid": 300 + i},
                                      "downlink": {"peer": "gnb1", "teid": 8180 + i}}})
        th = [threading.Thread(target=put, args=(i,)) for i in (5, 6)]
        [x.start() for x in th]
        [x.join() for x in th]
        expect_eq(sorted(c for c, _ in out.values()), [200, 200], "both answered: %s" % out)
        # (in the order they were stored, which the two threads do not set)
        expect_eq(sorted(x["id"] for x in stored()["spec"]["sessions"]), [1, 2, 3, 5, 6], "both stored: %s" % out)
        # taken out
        code, res = cd.req("DELETE", "/api/v1/upf/edge/sessions/3?wait=1")
        expect_eq((code, res["spec"], res["status"]["phase"]), (200, None, "Ready"), "session 3 taken out")
        api.check(tpl, "delete", code, res)
        ul = {e["match"]["teid"]: e for e in upf_tables(dp)["sessions_uplink"]}
        expect(258 not in ul and 256 in ul and 257 in ul, "its entry gone, the others there: %s" % sorted(ul))
        for i in (5, 6):
            cd.req("DELETE", "/api/v1/upf/edge/sessions/%d?wait=1" % i)


@R.test
def test_upf_resource_ipv6():
    """A upf intent whose N3 and N9 links are IPv6: SVI6s in the underlay,
    GTP-U endpoints in upf_interfaces6, its peers over IPv6 (gtpu6; the
    anchor behind a gateway: a host route via it), and an uplink G-PDU over
    IPv6 broken out to the DN. A peer of the other IP version than its
    link is refused (422, bad_value); withdrawing leaves nothing."""
    from scapy.all import Ether, IP, IPv6, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    g = Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IPv6(src="2001:db8:3::10", dst="2001:db8:3::1") / \
        UDP(sport=2152, dport=2152) / GTP_U_Header(teid=256, gtp_type=255) / \
        IP(src="10.46.0.1", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"to the edge over IPv6")
    spec = {"slice": "mec", "ue_pool": "10.46.0.0/16",
            "n3": {"port": "n3", "address": "2001:db8:3::1/64"}, "n9": {"port": "n9", "address": "2001:db8:9::1/64"},
            "peers": [{"name": "gnb6", "address": "2001:db8:3::10"},
                      {"name": "anchor6", "address": "2001:db8:99::9", "via": "n9", "gateway": "2001:db8:9::fe",
                       "dscp": 10}],
            "local_dns": [{"name": "mec", "prefixes": ["10.10.0.0/24"]}],
            "sessions": [{"id": 1, "ue": "10.46.0.1", "uplink": {"teid": 256, "ohr": "ipv6"},
                          "downlink": {"peer": "gnb6", "teid": 8192, "qfi": 9},
                          "anchor": {"peer": "anchor6", "teid": 36864, "n9_teid": 28672}}]}
    with upf_ready([g], "edge6", spec, "upf over IPv6") as (dp, cd, t):
        expect_eq(sorted((e["match"]["dst"], e["action"]) for e in t["upf_interfaces6"]),
                  [("2001:db8:3::1/128", "n3"), ("2001:db8:9::1/128", "n9")], "the IPv6 endpoints")
        expect_eq(sorted(e["params"]["ip"] for e in t["svi6"]), ["2001:db8:3::1", "2001:db8:9::1"], "the SVI6s")
        peers = sorted((e["action"], e["params"]["src"], e["params"]["dst"], e["params"]["dscp"])
                       for e in t["tunnel_peers"])
        expect_eq(peers, [("gtpu6", "2001:db8:3::1", "2001:db8:3::10", 64),
                          ("gtpu6", "2001:db8:9::1", "2001:db8:99::9", 10)], "the peers over IPv6")
        expect(any(e["match"]["dst"] == "2001:db8:99::9/128" and e["action"] == "via" and
                   e["params"]["nh"] == "2001:db8:9::fe" for e in t["routes6"]), "the anchor's host route")
        st = dp.phase(["n3"])
        expect_eq(T.events_of(st).get("upf.breakout"), 1, "broken out: %s" % T.drops_of(st))
        bad = json.loads(json.dumps(spec))
        bad["peers"].append({"name": "gnb4", "address": "192.0.2.10"})
        code, res = cd.req("PUT", "/api/v1/upf/edge6?wait=1", {"spec": bad})
        expect_err(res, code, 422, "bad_value", "/spec/peers/2")
        expect_eq(cd.req("GET", "/api/v1/upf/edge6")[1]["status"]["phase"], "Ready",
                  "a peer of the other IP version: refused, the UPF as it was")


@R.test
def test_upf_sessions_ipv6_ues():
    """IPv6 and IPv4v6 PDU sessions: ue6 (the session's /64, written with an
    interface identifier or not) compiles to a sessions_downlink6 entry of
    the prefix with the session's downlink, ue_pool6 to the
    pool's routes6 upf, a local DN's IPv6 prefix to applications6; an
    IPv6-only session's uplink entry has no IPv4 address. Its G-PDU from an
    address of its /64 passes the anti-spoofing check (broken out), from
    another /64 it is spoofed; the IPv4v6 session (with an anchor) breaks
    its IPv6 packet to the local DN out by the app. A ue6 that is not a
    /64 is refused (bad_value at its pointer), a session with neither ue nor
    ue6 too (missing); withdrawing leaves nothing."""
    from scapy.all import Ether, IP, IPv6, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header

    def g(src, teid=258):
        return Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") / \
            UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, gtp_type=255) / \
            IPv6(src=src, dst="2001:db8:10::5") / UDP(sport=4000, dport=7777) / Raw(b"v6 to the edge")
    spec = json.loads(json.dumps(UPF))
    spec["ue_pool6"] = "2001:db8:45::/48"
    spec["local_dns"][0]["prefixes"].append("2001:db8:10::/64")
    spec["sessions"] = [dict(spec["sessions"][0], ue6="2001:db8:45:1::/64"),
                        {"id": 3, "ue6": "2001:db8:45:3::5/64", "uplink": {"teid": 258},
                         "downlink": {"peer": "gnb1", "teid": 8194, "qfi": 9}}]
    n3_in = [g("2001:db8:45:3::99"), g("2001:db8:45:1::99"), g("2001:db8:45:1::99", 256)]
    with upf_ready(n3_in, "edge", spec, "upf with IPv6 UEs") as (dp, cd, t):
        dl6 = sorted((e["match"]["ue"], e["action"], e["params"]["id"], e["params"]["teid"])
                     for e in t["sessions_downlink6"])
        expect_eq(dl6, [("2001:db8:45:1::", "encap_n3", 1, 8192), ("2001:db8:45:3::", "encap_n3", 3, 8194)],
                  "the sessions' /64s")
        expect_eq(sorted(e["match"]["ue"] for e in t["sessions_downlink"]), ["10.45.0.1"], "IPv4 UEs: session 1")
        ul = {e["match"]["teid"]: e["params"].get("ue") for e in t["sessions_uplink"]}
        expect_eq((ul[256], ul[258]), ("10.45.0.1", None), "the uplink entries' IPv4 addresses (0: none, not shown)")
        expect(any(e["match"] == {"vrf": 1, "dst": "2001:db8:45::/48"} and e["action"] == "upf"
                   for e in t["routes6"]), "the IPv6 pool's route into the UPF")
        expect_eq([e["match"]["remote"] for e in t["applications6"]],
                  [{"value": "2001:db8:10::", "mask": "ffff:ffff:ffff:ffff::"}], "the local DN's IPv6 prefix")
        st = dp.phase(["n3"])
        drops = T.drops_of(st)
        expect_eq((T.events_of(st).get("upf.breakout"), drops.get("upf.spoofed")), (2, 1),
                  "session 3's own /64 passes, session 1's is spoofed, session 1's own to the app: %s" % drops)
        for bad, pointer, reason in (({"ue6": "2001:db8:45:3::/56"}, "/spec/sessions/1/ue6", "bad_value"),
                                     ({"ue6": None}, "/spec/sessions/1", "missing")):
            b = json.loads(json.dumps(spec))
            b["sessions"][1].update(bad)
            if bad.get("ue6", 1) is None:
                del b["sessions"][1]["ue6"]
            code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": b})
            expect_err(res, code, 422, reason, pointer)
            expect_eq(cd.req("GET", "/api/v1/upf/edge")[1]["spec"], spec, "refused, nothing stored: %s" % bad)


if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        print("0 passed, 1 failed")
        sys.exit(1)
    R.main()
