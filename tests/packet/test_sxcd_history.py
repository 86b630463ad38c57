#!/usr/bin/python3
"""sxcd's history against a real sxdp (net_pcap ports): every accepted change is a revision
(who, from where, the route, the documents before and after, its intents' result); a bad
slice change rolled back restores sxdp's tables byte for byte, and the traffic shows each step
(before, after the bad change, after the rollback); sxctl history, diff and rollback; the
retention bound; forged and truncated revisions in the store; a rollback whose intents do not
validate now, or that comes after the state it needs is no longer kept, is refused.
"""
import json
import os
import subprocess
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import PEER, PIPE, PORTS, SITE, WAN, Sxcd, expect_err, slice_, snapshot, sxctl_path  # noqa: E402

R = T.Runner()


def frame(i):
    from scapy.all import Ether, IP, UDP, Raw
    return Ether(src="02:00:0a:0a:00:%02x" % i, dst="02:00:0a:0a:09:09") / IP(src="10.10.0.%d" % i, dst="10.10.0.99") / \
        UDP(sport=1000 + i, dport=2000) / Raw(b"x" * 100)


def sxctl(cd, *args):
    r = subprocess.run([sxctl_path(), "--api", cd.url, "--token-file", cd.token_file] + list(args),
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def written(dp):
    """The tables sxcd writes, byte for byte as sxdp reads them back; the MACs the traffic
    taught are sxdp's own."""
    return {t: [e for e in ents if '"action": "learned"' not in e] for t, ents in snapshot(dp).items()}


def last_rev(cd):
    return cd.req("GET", "/api/v1/revisions?limit=1")[1]["items"][0]


@R.test
def test_rollback_restores_the_tables_byte_for_byte():
    """Blue (VNI 5000, stretched to siteB) carries a frame into the tunnel with VNI 5000; a bad
    change (VNI 5999) carries the next with 5999; sxctl rollback to the revision before puts every
    table back as it was (snapshot equal) and the third frame goes with 5000 again. The history
    says who, from where, which route, and each revision's result."""
    from scapy.all import Ether
    from scapy.layers.vxlan import VXLAN
    ports = dict(PORTS, lanb=[frame(2)], lanc=[frame(3)], lan1=[frame(1)])
    site = json.loads(json.dumps(SITE))
    site["spec"]["lan"] += [{"port": "lanb"}, {"port": "lanc"}]
    members = [{"port": "lan1"}, {"port": "lanb"}, {"port": "lanc"}]
    with Sxdp(ports, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [
            site, PEER, slice_("blue", 1, "lan1", 5000, peers=["siteB"], members=members)]})
        expect_eq(code, 200, "apply: %s" % res)
        good = res["revision"]
        expect(good > 0, "the apply's revision: %s" % res)
        expect_eq({k: v["phase"] for k, v in cd.wait_settled().items()},
                  {"site/local": "Ready", "peers/siteB": "Ready", "slices/blue": "Ready"}, "Ready")
        # the WAN gateways' MACs, as the kernel's neighbours would give them
        macs = {p["name"]: p["mac"] for p in dp.rpc("port.list")["ports"]}
        dp.table_write([Sxdp.update("neigh", {"vrf": 4000, "ip": gw}, "rewrite",
                                    {"port": port, "vlan": 0, "dmac": "02:00:00:00:fe:%02x" % i, "smac": macs[port]})
                        for i, (port, gw) in enumerate((("wan1", "192.0.2.254"), ("wan2", "198.51.100.254")))])
        before = written(dp)
        dp.phase(["lan1"])
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1",
                           slice_("blue", 1, "lan1", 5999, peers=["siteB"], members=members))
        expect_eq((code, res["status"]["phase"]), (200, "Ready"), "the bad change: %s" % res)
        bad = last_rev(cd)
        expect_eq((bad["revision"], bad["by"], bad["from"], bad["route"]),
                  (good + 1, "admin", "127.0.0.1", "PUT /api/v1/slices/blue"), "the bad change's revision")
        expect_eq(bad["changes"], [{"kind": "slices", "name": "blue", "action": "replaced", "generation": 2}],
                  "what it changed")
        expect(written(dp) != before, "the bad change changed the tables")
        dp.phase(["lanb"])
        # the whole revision: its documents before and after
        code, full = cd.req("GET", "/api/v1/revisions/%d" % bad["revision"])
        expect_eq((full["changes"][0]["before"]["spec"]["vni"], full["changes"][0]["after"]["spec"]["vni"]),
                  (5000, 5999), "before and after")
        rc, out, err = sxctl(cd, "history")
        expect(rc == 0 and "PUT /api/v1/slices/blue" in out and "admin" in out and
               "slices/blue Ready" in out, "sxctl history: %s %s" % (out, err))
        rc, out, err = sxctl(cd, "diff", str(good), str(bad["revision"]))
        expect(rc == 0 and "slices/blue: changed" in out and "/spec/vni: 5000 -> 5999" in out,
               "sxctl diff: %s %s" % (out, err))
        rc, out, err = sxctl(cd, "rollback", str(good), "--dry-run")
        expect(rc == 0 and "slices/blue: replaced" in out and "dry run: nothing changed" in out,
               "sxctl rollback --dry-run: %s %s" % (out, err))
        expect_eq(last_rev(cd)["revision"], bad["revision"], "a dry run is no revision")
        rc, out, err = sxctl(cd, "rollback", str(good), "--wait")
        expect(rc == 0 and "rolled back to revision %d" % good in out, "sxctl rollback: %s %s" % (out, err))
        cd.wait_settled()
        after = written(dp)
        expect_eq({t: (sorted(set(before[t]) - set(after[t])), sorted(set(after[t]) - set(before[t])))
                   for t in before if before[t] != after[t]}, {}, "every table as it was before the bad change")
        rb = last_rev(cd)
        expect_eq((rb["revision"], rb["rollback_of"], rb["route"]),
                  (bad["revision"] + 1, good, "POST /api/v1/revisions/%d/rollback" % good), "the rollback's revision")
        expect_eq(rb["result"], {"slices/blue": {"phase": "Ready"}}, "its result")
        dp.phase(["lanc"])
        code, now = cd.req("GET", "/api/v1/slices/blue")
        expect_eq((now["spec"]["vni"], now["metadata"]["generation"]), (5000, 3), "blue's spec as it was, a new generation")
        # rolling back to where it is changes nothing, and is no revision
        code, res = cd.req("POST", "/api/v1/revisions/%d/rollback" % rb["revision"])
        expect_eq((code, res["changes"], res["revision"]), (200, [], 0), "a rollback to now: nothing")
        dp.stop()
        vnis = {}
        for b in dp.outputs()["wan1"] + dp.outputs()["wan2"]:
            f = Ether(b)
            if VXLAN in f:
                vnis.setdefault(f[VXLAN].payload.src, set()).add(f[VXLAN].vni)
        expect(vnis, "frames out: %s" % [Ether(b).summary() for b in dp.outputs()["wan1"] + dp.outputs()["wan2"]][:8])
        expect_eq(vnis, {"02:00:0a:0a:00:01": {5000}, "02:00:0a:0a:00:02": {5999}, "02:00:0a:0a:00:03": {5000}},
                  "each frame's VNI in the tunnel: before, after the bad change, after the rollback")


@R.test
def test_history_bounds_and_refusals():
    """--history-max 5: after 8 changes the 5 newest are kept and the states at 3..8 are known;
    a rollback or diff past them is 404, saying which are; a rollback withdraws what was made
    after its revision. A revision forged in
    the store whose document is not a valid intent: the rollback is 422 naming the intent; a
    truncated or foreign file in revisions/ is left out (logged), sxcd starts and serves."""
    store = tempfile.mkdtemp(prefix="sxcd-hist-")
    try:
        with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, \
                Sxcd(dp.sock_path, store=store, keep_store=True, extra=["--history-max", "5"]) as cd:
            for i in range(8):
                code, _ = cd.req("PUT", "/api/v1/slices/red", slice_("red", 1, "lan1", 5000 + i))
                expect(code in (200, 201), "change %d" % i)
            code, lst = cd.req("GET", "/api/v1/revisions")
            expect_eq([r["revision"] for r in lst["items"]], [8, 7, 6, 5, 4], "the 5 newest kept")
            expect_eq((lst["kept"]["count"], lst["kept"]["oldest"], lst["kept"]["max_count"]), (5, 4, 5), "kept")
            # (a revision's result is stored once its run ends, by a job whose temp
            # file, ".NAME.tmp", may be there mid-write: not a document)
            expect_eq(sorted(f for f in os.listdir(os.path.join(store, "revisions")) if not f.startswith(".")),
                      ["%010d.json" % n for n in range(4, 9)], "the store holds those alone")
            code, res = cd.req("POST", "/api/v1/revisions/2/rollback?dry_run=1")
            expect_err(res, code, 404, "not_found")
            expect("3..8" in res["error"]["message"], "says which are known: %s" % res)
            code, res = cd.req("GET", "/api/v1/revisions/diff?from=3&to=8")
            expect_eq((code, res["intents"][0]["from"]["spec"]["vni"], res["intents"][0]["to"]["spec"]["vni"]),
                      (200, 5002, 5007), "the state at the oldest less one is known")
            code, res = cd.req("POST", "/api/v1/revisions/3/rollback?wait=1")
            expect_eq(code, 200, "rollback to 3: %s" % res)
            expect_eq(cd.req("GET", "/api/v1/slices/red")[1]["spec"]["vni"], 5002, "red as at 3")
            # what came after the revision goes: green, made on red's id once red was withdrawn
            at = last_rev(cd)["revision"]
            code, _ = cd.req("DELETE", "/api/v1/slices/red")
            code, _ = cd.req("PUT", "/api/v1/slices/green?wait=1", slice_("green", 1, "lan1", 6000))
            expect_eq(code, 201, "green on red's id and port")
            code, res = cd.req("POST", "/api/v1/revisions/%d/rollback?wait=1" % at)
            expect_eq((code, sorted((c["name"], c["action"]) for c in res["changes"])),
                      (200, [("green", "withdrawn"), ("red", "created")]), "green withdrawn, red back: %s" % res)
            expect_eq((cd.req("GET", "/api/v1/slices/red")[1]["spec"]["vni"], cd.req("GET", "/api/v1/slices/green")[0]),
                      (5002, 404), "red as it was, green gone")
            r_before = last_rev(cd)["revision"]
            # bad requests
            for path, want in (("/api/v1/revisions?limit=0", 400), ("/api/v1/revisions?since=1", 400),
                               ("/api/v1/revisions/diff?from=1", 400), ("/api/v1/revisions/99", 404),
                               ("/api/v1/revisions/0", 404), ("/api/v1/revisions/x1", 404)):
                expect_eq(cd.req("GET", path)[0], want, path)
            expect_eq(cd.req("POST", "/api/v1/revisions/%d/rollback?expected_generation=1" % r_before)[0], 400,
                      "a rollback takes no expected_generation")
            expect_eq(cd.req("GET", "/api/v1/revisions/%d/rollback" % r_before)[0], 405, "GET of a rollback")
        # forged and truncated revisions: sxcd started again on the store
        rdir = os.path.join(store, "revisions")
        last = max(int(n.split(".")[0]) for n in os.listdir(rdir) if not n.startswith("."))
        with open(os.path.join(rdir, "%010d.json" % last)) as f:
            doc = json.load(f)
        # the one after it: as if blue was changed from an intent that no longer validates
        forged = {"revision": last + 1, "time": doc["time"], "by": "admin", "from": "127.0.0.1",
                  "route": "PUT /api/v1/slices/old", "result": {},
                  "changes": [{"kind": "slices", "name": "old", "action": "created", "generation": 1,
                               "before": {"kind": "slices", "metadata": {"name": "old"},
                                          "spec": {"id": 70000, "frobnicate": True}},
                               "after": {"kind": "slices", "metadata": {"name": "old", "generation": 1},
                                         "spec": {"id": 71}}}]}
        with open(os.path.join(rdir, "%010d.json" % (last + 1)), "w") as f:
            json.dump(forged, f)
        with open(os.path.join(rdir, "%010d.json" % (last + 2)), "w") as f:
            f.write('{"revision": %d, "changes": [' % (last + 2))
        with open(os.path.join(rdir, "%010d.json" % (last + 3)), "w") as f:
            json.dump({"revision": 12345, "changes": []}, f)
        with Sxcd(store=store, keep_store=True) as cd:
            code, lst = cd.req("GET", "/api/v1/revisions")
            expect_eq(lst["items"][0]["revision"], last + 1, "the forged one read, the truncated and foreign left out")
            expect("left out of the history" in open(cd.log).read(), "said in the log")
            code, res = cd.req("POST", "/api/v1/revisions/%d/rollback?dry_run=1" % last)
            expect_eq(code, 422, "a rollback to an intent that no longer validates: %s" % res)
            expect("slices/old as at revision %d" % last in res["error"]["message"], "names the intent: %s" % res)
    finally:
        shutil.rmtree(store, ignore_errors=True)


@R.test
def test_audit_line_for_each_write_and_refusal():
    """--audit-log FILE: every write (any outcome) and every refusal (401, 409, 422, ...) of the run
    is one JSON line in FILE and in the log: its time, credential's name, source, method, route,
    intents, code and outcome (the revision of a change); never the token. A file logrotate moved
    away is followed by a new one at the path."""
    logdir = tempfile.mkdtemp(prefix="sxcd-audit-")
    path = os.path.join(logdir, "audit.log")
    try:
        with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, \
                Sxcd(dp.sock_path, extra=["--audit-log", path]) as cd:
            key = "x" * 43 + "="
            wg = {"kind": "peers", "metadata": {"name": "siteW"}, "spec": {
                "id": 9, "endpoints": [{"address": "203.0.113.9", "wan": "isp1"}], "probe": {"how": "static"},
                "encryption": {"public_key": key, "cipher": "wireguard", "ike": {"rekey_s": 600}}}}
            did = []   # (method, route, code, by, intents, outcome)

            revs = []

            def ask(method, route, body=None, token=None, by="admin", intents=(), outcome="ok", q=""):
                code, res = cd.req(method, route + q, body, token=token)
                did.append((method, route, code, by, sorted(intents), outcome if code < 400 else
                            res["error"]["reason"]))
                revs.append(res.get("revision") or None)
                return code, res
            ask("POST", "/api/v1/apply", {"items": [SITE, PEER]}, intents=["site/local", "peers/siteB"], q="?wait=1")
            ask("PUT", "/api/v1/slices/red", slice_("red", 1, "lan1", 5000), intents=["slices/red"], q="?wait=1")
            c, _ = ask("PUT", "/api/v1/slices/red", slice_("red", 1, "lan1", 5001), intents=["slices/red"],
                       q="?expected_generation=7")
            expect_eq(c, 409, "stale")
            c, _ = ask("PUT", "/api/v1/peers/siteW", wg, intents=["peers/siteW"])
            expect_eq(c, 422, "cannot be carried out")
            c, _ = ask("DELETE", "/api/v1/slices/red", token="wrong-token-0123456789abcdef", by="-",
                       intents=["slices/red"])
            expect_eq(c, 401, "a wrong token")
            c, _ = ask("GET", "/api/v1/intents", token="wrong-token-0123456789abcdef", by="-")
            expect_eq(c, 401, "a read with a wrong token is a refusal too")
            ask("GET", "/api/v1/status")          # a read: no line
            did.pop()
            revs.pop()
            c, _ = ask("POST", "/api/v1/apply", {"items": [{"kind": "slices", "metadata": {"name": "b"}, "spec": {}}]},
                       intents=["slices/b"])
            expect_eq(c, 400, "a bad apply")
            rev = last_rev(cd)["revision"]
            ask("POST", "/api/v1/revisions/%d/rollback" % (rev - 1), intents=["slices/red"])
            ask("DELETE", "/api/v1/slices/red", intents=["slices/red"])
            os.rename(path, path + ".1")          # logrotate
            ask("PUT", "/api/v1/slices/blue", slice_("blue", 2, "lan2", 5002), intents=["slices/blue"])
            lines = [json.loads(x) for f in (path + ".1", path) for x in open(f)]
            got = [(a["method"], a["route"], a["code"], a["by"], sorted(a["intents"]), a["outcome"]) for a in lines]
            expect_eq(got, did, "one line per write and refusal, in order")
            expect(all(a["from"] == "127.0.0.1" and a["audit"] == "sxcd" and a["time"].endswith("Z") for a in lines),
                   "source and time: %s" % lines[0])
            expect_eq([a.get("revision") for a in lines], revs, "the revision of each change that says one")
            text = open(path + ".1").read() + open(path).read() + open(cd.log).read()
            expect(cd.token not in text and "wrong-token" not in text, "no token in the audit or the log")
            expect_eq(open(cd.log).read().count("INFO: audit {"), len(did), "the same lines in the log")
            code, m = cd.req("GET", "/metrics")
            expect("sxcd_audit_lines_total %d" % len(did) in m, "counted: %s" %
                   [x for x in m.splitlines() if "audit" in x])
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


@R.test
def test_logs_as_json_and_for_journald():
    """--log-format json: every line sxdp (EAL's and the PMDs' too) and sxcd write is one JSON
    object (time, program, pid, level, priority, message), an audit line carries its record; as
    text to journald's stream (JOURNAL_STREAM naming stderr), each line starts with its priority."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, log_format="json") as dp, \
            Sxcd(dp.sock_path, extra=["--log-format", "json"]) as cd:
        code, _ = cd.req("PUT", "/api/v1/slices/red?wait=1", slice_("red", 1, "lan1", 5000))
        expect_eq(code, 201, "a write")
        for who, path in (("sxdp", dp.log_path), ("sxcd", cd.log)):
            recs = []
            for line in open(path, errors="replace").read().splitlines():
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    raise T.TestFailure("%s: a line that is not JSON: %r" % (who, line[:200]))
            expect(len(recs) > 3, "%s wrote lines" % who)
            for r in recs:
                expect(set(r) >= {"time", "program", "pid", "level", "priority", "message"} and r["program"] == who
                       and 0 <= r["priority"] <= 7 and r["time"].endswith("Z"), "%s: %s" % (who, r))
            if who == "sxdp":
                expect(any(r["message"].startswith("EAL: ") for r in recs), "EAL's lines too")
                expect(any("ready: control socket" in r["message"] for r in recs), "its own")
            else:
                au = [r["audit"] for r in recs if "audit" in r]
                expect(any(a["route"] == "/api/v1/slices/red" and a["code"] == 201 for a in au),
                       "the audit's record in its line: %s" % au)
    d = tempfile.mkdtemp(prefix="sxcd-journal-")
    try:
        cd = Sxcd(store=os.path.join(d, "st"))
        open(cd.log, "a").close()
        st = os.stat(cd.log)
        os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        try:
            with cd:
                pass
        finally:
            del os.environ["JOURNAL_STREAM"]
        text = open(cd.log).read()
        expect("<6>sxcd: INFO: ready: " in text and "\nsxcd: " not in "\n" + text, "journald's priorities: %s" % text[:300])
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    R.main()
