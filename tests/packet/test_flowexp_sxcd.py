#!/usr/bin/python3
"""flowexp configured the operator's way: sxcd's flow_export intent (REST)
against a real sxdp. The records of known flows reach a local UDP
collector; sxdp killed and started again gets its export back from sxcd
(records arrive again); /metrics and `sxctl flowexp show` carry the
exporter's counters; bad documents are refused with their pointer and
change nothing; withdrawn, the caches' flows are sent (forced end) and
export stops.

    /usr/bin/python3 tests/packet/test_flowexp_sxcd.py [NAME-SUBSTRING ...]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import DOC, Api, Sxcd, expect_err, sxctl_path  # noqa: E402
from fx_collect import RECORDS_WITHIN_S, collect, collector, eth, flows, interleave, ip_bytes, wire  # noqa: E402
from fx_ipfix import Decoder, per_flow  # noqa: E402

try:
    from scapy.all import IP, UDP, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()


def intent(port, **spec):
    s = {"collectors": [{"address": "127.0.0.1", "port": port}], "sampling": 1, "idle_timeout_s": 1,
         "active_timeout_s": 60, "template_refresh_s": 60, "observation_domain": 11}
    s.update(spec)
    return {"kind": "flow_export", "spec": s}


def tables(dp):
    return (sorted(json.dumps(e["params"], sort_keys=True) for e in dp.table_read("flowexp_config")[0]),
            sorted(json.dumps([e["match"], e["action"], e["params"]], sort_keys=True)
                   for e in dp.table_read("flowexp_collectors")[0]))


def expect_exact(dec, fl, what):
    got = per_flow(dec)
    for key, pkts in fl:
        g = got.get(key)
        expect(g is not None, "%s: no record of flow %s (got %s)" % (what, key, sorted(got)))
        expect_eq((g[0], g[1]), (len(pkts), sum(ip_bytes(p) for p in pkts)), "%s: packets, bytes of %s"
                  % (what, key))
    expect(all(m[2] == 11 for m in dec.messages), "%s: observation domain 11: %s" % (what, dec.messages[:3]))


def wait_ready(cd):
    """The flow_export intent once it is Ready."""
    seen = []

    def ready():
        seen[:] = cd.req("GET", "/api/v1/flow_export")
        return seen[1] if seen[0] == 200 and seen[1]["status"]["phase"] == "Ready" else None
    return T.wait_until(ready, SETTLE_S, lambda: "flow_export Ready: %s %s" % tuple(seen))


@R.test
def test_intent_exports_and_survives_sxdp_restart():
    fl = flows()
    total = sum(len(p) for _, p in fl)
    s, port = collector()
    api = Api(json.load(open(DOC)))
    d = tempfile.mkdtemp(prefix="fx-sxcd-")
    link = os.path.join(d, "sxdp.sock")
    try:
        with Sxdp({"p0": interleave(fl), "p1": []}) as dp1:
            os.symlink(dp1.sock_path, link)
            with Sxcd(link) as cd:
                dp1.table_write(wire("p0", "p1"))
                code, res = cd.req("PUT", "/api/v1/flow_export?wait=1", intent(port))
                expect(code in (200, 201), "PUT flow_export: %s %s" % (code, res))
                api.check("/api/v1/flow_export", "put", code, res)
                res = wait_ready(cd)
                api.check("/api/v1/flow_export", "get", 200, res)
                want = (['{"active_s": 60, "domain": 11, "idle_s": 1, "sampling": 1, "template_s": 60}'],
                        ['[{"id": 0}, "ipv4", {"ip": "127.0.0.1", "port": %d}]' % port])
                expect_eq(tables(dp1), want, "flowexp's tables as the intent compiled them")
                dp1.release()
                dp1.wait_consumed()
                dec = Decoder()
                collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=total)
                expect_exact(dec, fl, "first sxdp")
                # sxcd's /metrics: the exporter's events
                code, text = cd.req("GET", "/metrics")
                ev = T.events_of(dp1.stats())
                for name in ("flowexp.records", "flowexp.messages", "flowexp.templates", "flowexp.flows"):
                    line = 'sxdp_events_total{event="%s"} %d' % (name, ev.get(name, 0))
                    expect(ev.get(name, 0) > 0 and line in text, "/metrics has %s (%s)" % (line, ev))
                # sxctl's view of it
                r = subprocess.run([sxctl_path(), "--socket", dp1.sock_path, "--json",
                                    "flowexp", "show"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, timeout=20)
                expect_eq(r.returncode, 0, "sxctl flowexp show: %s" % r.stderr)
                sh = json.loads(r.stdout)
                expect_eq((sh["on"], sh["config"]["sampling"], sh["collectors"],
                           sh["counters"]["records"]),
                          (True, 1, [{"id": 0, "address": "127.0.0.1", "port": port}], ev["flowexp.records"]),
                          "sxctl flowexp show --json")
                r = subprocess.run([sxctl_path(), "--socket", dp1.sock_path, "flowexp",
                                    "show"], stdout=subprocess.PIPE, text=True, timeout=20)
                expect(r.returncode == 0 and "flow export: on" in r.stdout and "127.0.0.1" in r.stdout and
                       "records" in r.stdout, "sxctl flowexp show: %s" % r.stdout)
                boot1 = cd.status()["sxdp"]["boot_id"]
                # sxdp dies; a new one (empty tables) comes up on the same socket path
                dp1.proc.kill()
                dp1.proc.wait()
                fl2 = [((k[0], k[1], k[2], k[3] + 100, k[4]),
                        [p.copy() for p in pkts]) for k, pkts in fl[:3]]
                for k, pkts in fl2:
                    for p in pkts:
                        p[UDP].sport = k[3]
                with Sxdp({"p0": interleave(fl2), "p1": []}) as dp2:
                    os.unlink(link)
                    os.symlink(dp2.sock_path, link)
                    t0 = time.monotonic()
                    while tables(dp2) != want:
                        expect(time.monotonic() - t0 < 15, "sxcd restored the export in 15 s: %s %s"
                               % (tables(dp2), cd.status()))
                        time.sleep(0.05)
                    expect(cd.status()["sxdp"]["boot_id"] != boot1, "sxcd follows the new sxdp")
                    dp2.table_write(wire("p0", "p1"))
                    dp2.release()
                    dp2.wait_consumed()
                    dec = Decoder()
                    collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=sum(len(p) for _, p in fl2))
                    expect_exact(dec, fl2, "after the sxdp restart")
                    expect((11, 256) in dec.templates, "templates from the new sxdp: %s" % dec.templates)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@R.test
def test_bad_documents_refused_and_withdraw_flushes():
    s, port = collector()
    pkts = [eth() / IP(src="10.9.0.1", dst="10.9.0.2") / UDP(sport=7, dport=9) / Raw(b"w" * 50) for _ in range(4)]
    with Sxdp({"p0": pkts, "p1": []}) as dp, Sxcd(dp.sock_path) as cd:
        dp.table_write(wire("p0", "p1"))
        bad = [
            ({"collectors": []}, "/spec/collectors"),
            ({"collectors": [{"address": "127.0.0.1", "port": 0}]}, "/spec/collectors/0/port"),
            ({"collectors": [{"address": "not-an-ip", "port": 4739}]}, "/spec/collectors/0/address"),
            ({"collectors": [{"address": "127.0.0.1", "port": 4739}] * 9}, "/spec/collectors"),
            ({"collectors": [{"address": "127.0.0.1", "port": 4739}], "sampling": 0}, "/spec/sampling"),
            ({"collectors": [{"address": "127.0.0.1", "port": 4739}], "sampling": 65536}, "/spec/sampling"),
            ({"collectors": [{"address": "127.0.0.1", "port": 4739}], "idle_timeout_s": 3601},
             "/spec/idle_timeout_s"),
            ({"collectors": [{"address": "127.0.0.1", "port": 4739}], "bogus": 1}, "/spec/bogus"),
        ]
        for spec, ptr in bad:
            code, res = cd.req("PUT", "/api/v1/flow_export", {"kind": "flow_export", "spec": spec})
            expect_err(res, code, 400, None, None)
            ptrs = [e["pointer"] for e in res["error"].get("errors", [])]
            expect(any(p.startswith(ptr) for p in ptrs), "pointer %s in %s" % (ptr, res))
        code, _ = cd.req("GET", "/api/v1/flow_export")
        expect_eq(code, 404, "no flow_export intent after the refusals")
        expect_eq(tables(dp), ([], []), "flowexp's tables after the refusals")
        # what the schema cannot say is refused by the compile (422) with its pointer, nothing stored
        for addr in ("0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1"):
            code, res = cd.req("PUT", "/api/v1/flow_export?wait=1", intent(port, collectors=[
                {"address": "127.0.0.1", "port": port}, {"address": addr, "port": port}]))
            expect_err(res, code, 422, "bad_value", "/spec/collectors/1/address")
            expect_eq(cd.req("GET", "/api/v1/flow_export")[0], 404, "collector %s: nothing stored" % addr)
            expect_eq(tables(dp), ([], []), "flowexp's tables with collector %s" % addr)
        code, res = cd.req("PUT", "/api/v1/flow_export?wait=1", intent(port, collectors=[
            {"address": "127.0.0.1", "port": port}, {"address": "127.0.0.1", "port": port}]))
        expect_err(res, code, 422, "duplicate", "/spec/collectors/1")
        # a good one with an IPv6 collector beside: Ready, both written
        code, res = cd.req("PUT", "/api/v1/flow_export?wait=1", intent(port, idle_timeout_s=600, collectors=[
            {"address": "127.0.0.1", "port": port}, {"address": "::1", "port": port}]))
        wait_ready(cd)
        expect_eq(len(tables(dp)[1]), 2, "two collectors written: %s" % (tables(dp),))
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + 0.5)
        expect_eq(per_flow(dec), {}, "records before the withdrawal (idle 600 s)")
        code, res = cd.req("DELETE", "/api/v1/flow_export?wait=1")
        expect_eq(code, 200, "withdraw: %s" % res)
        collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=len(pkts))
        g = per_flow(dec).get(("10.9.0.1", "10.9.0.2", 17, 7, 9))
        expect(g is not None and g[0] == len(pkts) and {x[3] for x in g[2]} == {4},
               "withdrawn: the cached flow sent whole, forced end: %s" % (g,))
        t0 = time.monotonic()
        while tables(dp) != ([], []):
            expect(time.monotonic() - t0 < 10, "tables emptied: %s" % (tables(dp),))
            time.sleep(0.05)


if __name__ == "__main__":
    R.main()
