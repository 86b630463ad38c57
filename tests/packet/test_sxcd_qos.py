#!/usr/bin/python3
"""sxcd's VDNs at scale, against a real sxdp: a thousand VDNs with a
guaranteed rate on one slice each get their meter, class and pipe of the
WAN link's scheduler (sxdp's tables and qos.sched say so), and the one past
capacity (VDN ids are meter ids below the slices', 1..1023) is Failed with
reason capacity, saying which limit.

    /usr/bin/python3 tests/packet/test_sxcd_qos.py [NAME-SUBSTRING ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import PEER, PIPE, PORTS, SITE, WAN, Sxcd, slice_  # noqa: E402

R = T.Runner()
VDN_IDS = 1023                 # qs_kind.c QS_VDN_ID_MAX


def vdn(i):
    return {"kind": "vdns", "metadata": {"name": "v%d" % i}, "spec": {
        "slice": "blue", "guaranteed_bps": 100000 + 100 * i, "priority": 10,
        "match": {"dst": "10.20.%d.%d/32" % (i // 250, i % 250 + 1), "proto": 17}}}


@R.test
def test_a_thousand_vdns():
    """1,023 VDNs on slice blue (1 Gbit/s WAN link, blue 500 Mbit/s): all
    Ready, 1,023 sched_pipes, vdns and VDN meters in sxdp, each VDN's pipe
    placed in wan1's scheduler (qos.sched), blue a pipe of its subport 0;
    the 1,024th Failed (capacity) and nothing of it written."""
    site = json.loads(json.dumps(SITE))
    site["spec"]["wan"][0]["rate_bps"] = 1000000000
    blue = slice_("blue", 1, "lan1", 5000, peers=["siteB"], rate={"guaranteed_bps": 500000000})
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1",
                           {"items": [site, PEER, blue] + [vdn(i) for i in range(VDN_IDS)]})
        expect_eq(code, 200, "apply: %s" % str(res)[:500])
        ph = cd.wait_settled(timeout=120)
        bad = {k: v for k, v in ph.items() if k.startswith("vdns/") and v["phase"] != "Ready"}
        expect_eq(len(ph) - len(bad) >= VDN_IDS, True, "phases")
        expect_eq(bad, {}, "VDNs not Ready")
        read = lambda t: dp.table_read(t)[0]  # noqa: E731
        pipes = read("sched_pipes")
        expect_eq(len(pipes), VDN_IDS, "sched_pipes entries")
        expect_eq(len(read("vdns")), VDN_IDS, "vdns entries")
        expect_eq(len([m for m in read("meters") if m["match"]["id"] <= VDN_IDS]), VDN_IDS, "VDN meters")
        expect_eq([(e["match"]["slice"], e["action"]) for e in read("sched_subports")], [(1, "pipe")],
                  "blue: a pipe of subport 0")
        q = dp.rpc("qos.sched")[0]
        expect_eq(sorted(p["pipe"] for p in q["pipes"]), sorted(e["match"]["pipe"] for e in pipes),
                  "every VDN's pipe placed in wan1's scheduler")
        expect_eq([s["slice"] for s in q["subports"]], [0, 1], "best effort, blue")
        before = {t: read(t) for t in ("sched_pipes", "vdns", "meters")}
        code, res = cd.req("PUT", "/api/v1/vdns/v%d?wait=1" % VDN_IDS, {"spec": vdn(VDN_IDS)["spec"]})
        st = res.get("status", {})
        expect_eq((st.get("phase"), st.get("reason")), ("Failed", "capacity"), "the 1,024th: %s" % st)
        expect("1023 VDN ids" in st.get("message", ""), "its message names the limit: %s" % st.get("message"))
        expect_eq({t: read(t) for t in before}, before, "nothing of it written")
        dp.stop()


if __name__ == "__main__":
    R.main()
