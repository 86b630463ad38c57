#!/usr/bin/python3
"""What sxcd says of an intent, and whom a write is refused for, against a real sxdp
(net_pcap ports):

- a slice waiting for its port (sxdp has none by that name, or the site does not list the
  (port, VLAN)) is Pending, one phase, naming the port in waiting_for and the message, not
  Failed on an internal bridge-domain entry when it has a VNI; once the port is there (sxdp
  restarted with it, the site changed) it is Ready by itself;
- the checks at the door run while a run is held by sxdp: a write that cannot be carried out
  is 422, one that takes a Ready intent's id 409, an unrelated valid write accepted; a
  write that makes a Pending intent fail is still refused.
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import PEER, PIPE, PORTS, SITE, WAN, Sxcd, expect_err, slice_, snapshot  # noqa: E402

R = T.Runner()
NO_LAN2 = {k: v for k, v in PORTS.items() if k != "lan2"}


def status_of(cd, name):
    code, res = cd.req("GET", "/api/v1/slices/" + name)
    expect_eq(code, 200, "slices/%s: %s" % (name, res))
    return res["status"]


def wait_phase(cd, name, phase):
    """slices/NAME's status once it is in `phase` (polled: the reconciler gets there by itself)."""
    return T.wait_until(lambda: (lambda st: st if st["phase"] == phase else None)(status_of(cd, name)), SETTLE_S,
                        lambda: "slices/%s %s: %s" % (name, phase, status_of(cd, name)))


def expect_waiting_for_port(st, what, port_text, pointer):
    """One phase, Pending, naming the missing port; nothing internal."""
    expect_eq((st["phase"], st.get("reason"), st.get("waiting_for"), st.get("message"), st.get("pointer")),
              ("Pending", "waiting", [port_text], port_text, pointer), "%s: Pending on its port" % what)
    expect(not any(w in json.dumps(st) for w in ("bd ", "flood", "Failed")),
           "%s: no internal table entry, no Failed: %s" % (what, st))


def entries_of(dp, table, **match):
    return [e for e in (json.loads(x) for x in snapshot(dp, [table])[table])
            if all(e["match"].get(k) == v for k, v in match.items())]


# ------------------------------------------------------- waiting for a port

@R.test
def test_slice_waits_for_a_port_sxdp_lacks():
    """The site lists lan2, sxdp has no port lan2: a slice on it with a VNI (stretched to a
    peer) is Pending on "port lan2 (sxdp has none)" (it was Failed "no port 'lan2'"), its
    bridge domain floods to no port, only into its tunnel (its SVI's ARP and NDP reach the
    peer site), and the slice beside it is Ready; sxdp restarted with lan2: Ready by itself,
    lan2 in its bridge domain."""
    with Sxdp(NO_LAN2, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [
            SITE, PEER, slice_("blue", 1, "lan1", 5000), slice_("late", 2, "lan2", 5002, peers=["siteB"])]})
        expect_eq(code, 200, "apply: %s" % res)
        ph = cd.wait_settled(timeout=SETTLE_S)
        expect_eq(ph["slices/blue"]["phase"], "Ready", "blue, on lan1, Ready: %s" % ph)
        expect_waiting_for_port(ph["slices/late"], "late", "port lan2 (sxdp has none)", "/spec/members/0")
        expect_eq([(e["params"]["ports"], sorted(e["params"])) for e in entries_of(dp, "flood", bd=2)],
                  [(0, ["ports", "t0"])], "late's bridge domain floods to no port, into its tunnel")
        expect_eq(len(entries_of(dp, "flood", bd=1)), 1, "blue's has")
        # the same through a PUT's answer (?wait=1): one phase
        again = slice_("late", 2, "lan2", 5002, peers=["siteB"], subnets=["10.10.0.0/24", "10.11.0.0/24"])
        code, res = cd.req("PUT", "/api/v1/slices/late?wait=1", again)
        expect_eq(code, 200, "PUT late: %s" % res)
        expect_waiting_for_port(res["status"], "late's PUT", "port lan2 (sxdp has none)", "/spec/members/0")
        # sxdp comes back with lan2: nobody touches the intents
        dp.stop()
        dp.ports.append(("lan2", []))
        dp.start()
        st = wait_phase(cd, "late", "Ready")
        expect(not st.get("waiting_for") and "reason" not in st, "Ready, nothing left of the wait: %s" % st)
        cd.wait_settled(timeout=SETTLE_S)
        expect_eq(len(entries_of(dp, "vnis", vni=5002)), 1, "late's VNI written")
        expect_eq(len(entries_of(dp, "flood", bd=2)), 1, "its bridge domain floods now")
        ifs = [e for e in entries_of(dp, "interfaces") if e["match"]["in_port"] == "lan2"]
        expect_eq([e["params"]["slice"] for e in ifs], [2], "lan2 in slice 2: %s" % ifs)
        expect_eq(status_of(cd, "blue")["phase"], "Ready", "blue still Ready")


@R.test
def test_slice_waits_for_the_sites_lan_port():
    """A member (port, VLAN) the site does not list, on a slice with a VNI: Pending on
    "site LAN port lan2 vlan 10" alone (it was Failed on "bd 3 has no flood entry"); the site
    changed to list it: Ready by itself."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        expect_eq(code, 200, "site and peer: %s" % res)
        s = slice_("tagged", 3, "lan2", 5003, members=[{"port": "lan2", "vlan": 10}], peers=["siteB"])
        code, res = cd.req("PUT", "/api/v1/slices/tagged?wait=1", s)
        expect_eq(code, 201, "PUT: %s" % res)
        expect_waiting_for_port(res["status"], "tagged", "site LAN port lan2 vlan 10", "/spec/members/0")
        # two members, neither in the site
        two = slice_("two", 4, "lan1", 5004, members=[{"port": "lan1", "vlan": 20}, {"port": "lan2", "vlan": 20}])
        code, res = cd.req("PUT", "/api/v1/slices/two?wait=1", two)
        st = res["status"]
        expect_eq((st["phase"], st["waiting_for"], st["message"]),
                  ("Pending", ["site LAN port lan1 vlan 20", "site LAN port lan2 vlan 20"],
                   "site LAN port lan1 vlan 20"), "two: Pending on both: %s" % st)
        expect("flood" not in json.dumps(st), "two: nothing internal: %s" % st)
        site = json.loads(json.dumps(SITE))
        site["spec"]["lan"] += [{"port": "lan2", "vlan": 10}, {"port": "lan1", "vlan": 20}]
        code, res = cd.req("PUT", "/api/v1/site", site)
        expect(code in (200, 201), "the site lists lan2 vlan 10 now: %s" % res)
        wait_phase(cd, "tagged", "Ready")
        expect_eq(len(entries_of(dp, "vnis", vni=5003)), 1, "its VNI written")
        st = wait_phase(cd, "two", "Pending")
        expect_eq(st["waiting_for"], ["site LAN port lan2 vlan 20"], "two waits for the other one only: %s" % st)


# ------------------------------------------------ whom a write is refused for

@R.test
def test_checks_at_the_door_while_a_run_is_held():
    """While a run is held by sxdp (SIGSTOP: c Programming), the checks at the door still run on
    the compile's view: slices/bad (peak below guarantee) is 422 naming its field, nothing stored;
    a PUT taking blue's id is 409 naming blue alone; an unrelated valid PUT is accepted. Once sxdp
    runs again: all Ready, bad never there."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, \
            Sxcd(dp.sock_path, extra=["--sxdp-timeout-ms", "120000"]) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
        expect_eq(code, 200, "apply: %s" % res)
        cd.wait_settled(timeout=SETTLE_S)
        bad = slice_("bad", 3, "lan2", 5003, members=[], rate={"guaranteed_bps": 2000000, "peak_bps": 1000000})
        dp.proc.send_signal(signal.SIGSTOP)
        try:
            # c gives the run something to write: it waits on the stopped sxdp
            code, res = cd.req("POST", "/api/v1/apply", {"items": [slice_("c", 2, "lan2", 5002)]})
            expect_eq(code, 200, "c stored: %s" % res)
            deadline = time.monotonic() + SETTLE_S
            while status_of(cd, "c")["phase"] != "Programming":
                expect(time.monotonic() < deadline, "c Programming (the run waits on sxdp): %s" %
                       status_of(cd, "c"))
                time.sleep(0.02)
            code, res = cd.req("PUT", "/api/v1/slices/bad", bad)
            expect_err(res, code, 422, "out_of_range", "/spec/rate/peak_bps")
            expect_eq(cd.req("GET", "/api/v1/slices/bad")[0], 404, "bad not stored")
            code, res = cd.req("PUT", "/api/v1/slices/thief", slice_("thief", 1, "lan2", 5009, members=[]))
            expect_err(res, code, 409, "conflict", "/spec/id")
            expect("slices/blue" in res["error"]["message"], "names blue: %s" % res)
            expect_eq(cd.req("GET", "/api/v1/slices/thief")[0], 404, "thief not stored")
            code, res = cd.req("PUT", "/api/v1/slices/d", slice_("d", 4, "lan2", 5004, members=[]))
            expect_eq(code, 201, "a valid write accepted: %s" % res)
        finally:
            dp.proc.send_signal(signal.SIGCONT)
        ph = cd.wait_settled(timeout=SETTLE_S)
        expect_eq({k: ph[k]["phase"] for k in ("slices/blue", "slices/c", "slices/d")},
                  {"slices/blue": "Ready", "slices/c": "Ready", "slices/d": "Ready"},
                  "phases once sxdp runs: %s" % ph)
        expect("slices/bad" not in ph, "bad never stored")


@R.test
def test_write_refused_for_a_failure_it_causes():
    """A Pending slice waiting for peers/far with a path over isp2: writing far with an
    endpoint over isp1 alone would make it fail: 409 naming it, nothing stored; far with an
    endpoint over isp2: accepted, the slice Ready."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        expect_eq(code, 200, "apply: %s" % res)
        s = slice_("wait", 5, "lan1", 5005, peers=["far"], path_policy={"mode": "failover", "wans": ["isp2"]})
        code, res = cd.req("PUT", "/api/v1/slices/wait?wait=1", s)
        expect_eq((code, res["status"]["phase"], res["status"]["waiting_for"]), (201, "Pending", ["peers/far"]),
                  "Pending on far: %s" % res)
        far = {"kind": "peers", "metadata": {"name": "far"}, "spec": {
            "id": 3, "endpoints": [{"address": "203.0.113.9", "wan": "isp1"}], "probe": {"how": "static"}}}
        before = snapshot(dp)
        code, res = cd.req("PUT", "/api/v1/peers/far", far)
        expect_err(res, code, 409, "conflict")
        expect("slices/wait (Pending) would fail" in res["error"]["message"], "names the slice: %s" % res)
        expect_eq(cd.req("GET", "/api/v1/peers/far")[0], 404, "far not stored")
        expect_eq(snapshot(dp), before, "nothing written")
        far["spec"]["endpoints"].append({"address": "203.0.113.10", "wan": "isp2"})
        code, res = cd.req("PUT", "/api/v1/peers/far?wait=1", far)
        expect_eq(code, 201, "far over isp2 too: %s" % res)
        wait_phase(cd, "wait", "Ready")


if __name__ == "__main__":
    R.main()
