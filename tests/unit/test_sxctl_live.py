#!/usr/bin/python3
"""sxctl's overlay and QoS shortcuts against a real sxdp (switch on the LAN ports,
overlay on the WAN port, net_pcap ports, --no-huge): what each writes is
what table.read then shows, sxdp's own refusals come back with their
reason, and the flood entries' tunnel slots (t0..t7) and ports change
without losing each other.

    /usr/bin/python3 tests/unit/test_sxctl_live.py [SXCTL]   (SXDP=... or BUILD=...)

Exit 77 when sxdp cannot run here (the packet tier's prerequisites).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402

R = T.Runner()
SXCTL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SXCTL") or \
    os.path.join(T.build_dir(), "sxctl")
PIPELINE = {"lan": "switch", "wan": "overlay"}
PORTS = {"p0": [], "p1": [], "w0": []}
ROLES = {"p0": {"role": "lan"}, "p1": {"role": "lan"}, "w0": {"role": "wan"}}
VTEP, GW, PEER = "192.0.2.10", "192.0.2.1", "198.51.100.20"


def sxctl(dp, *args, rc=0):
    """Run sxctl on dp's socket; its stdout. A different exit code fails."""
    p = subprocess.run([SXCTL, "--socket", dp.sock_path] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != rc:
        raise T.TestFailure("sxctl %s: exit %d, want %d\n%s%s" % (" ".join(map(str, args)),
                            p.returncode, rc, p.stdout, p.stderr))
    return p.stdout + p.stderr


def entry(dp, table, match):
    """The entry of table whose match is match, None when there is none."""
    return next((e for e in dp.table_read(table)[0] if e["match"] == match), None)


def flood(dp, bd):
    e = entry(dp, "flood", {"bd": bd})
    return e and e["params"]


@R.test
def test_tunnels_fill_and_leave_the_flood_slots():
    """tunnel add ... flood places bd 10's tunnels in ascending order, a
    ninth in the domain's flood_more list (its count in the entry), ports
    join and leave without touching the tunnels, tunnel del moves the ones
    after it up a place (the list stays dense) and deletes its peers and
    policies, and the entry stays while it floods into a tunnel."""
    with Sxdp(PORTS, pipeline=PIPELINE, port_opts=ROLES) as dp:
        sxctl(dp, "slice", "attach", "p0", "slice", 1, "bd", 10)
        sxctl(dp, "tunnel", "add", 7, "slice", 1, "vni", 5000, "path", 1, "peer", PEER,
              "198.51.100.21", "flood", 10)
        expect_eq(flood(dp, 10), {"ports": 1, "t0": 7}, "flood after tunnel 7")
        expect_eq(entry(dp, "tunnels", {"id": 7})["params"],
                  {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 0, "csum": 0}, "tunnel 7")
        expect_eq(entry(dp, "peers", {"slice": 1, "ip": PEER})["params"], {"tunnel": 7}, "peer")
        for t in range(8, 15):
            sxctl(dp, "tunnel", "add", t, "slice", 1, "vni", 5000, "path", 1, "flood", 10)
        full = {"ports": 1, **{"t%d" % k: 7 + k for k in range(8)}}
        expect_eq(flood(dp, 10), full, "8 tunnels")
        sxctl(dp, "tunnel", "add", 15, "slice", 1, "vni", 5000, "path", 1, "flood", 10)
        expect_eq(flood(dp, 10), dict(full, more=1), "the ninth: the entry counts its list")
        expect_eq([(e["match"], e["params"]) for e in dp.table_read("flood_more")[0]],
                  [({"bd": 10, "index": 0}, {"tunnel": 15})], "the ninth in flood_more")
        # another slice's tunnel would lose every copy there: refused
        sxctl(dp, "tunnel", "add", 16, "slice", 2, "vni", 6000, "path", 1, "flood", 10, rc=1)

        sxctl(dp, "slice", "attach", "p1", "slice", 1, "bd", 10)
        expect_eq(flood(dp, 10), dict(full, ports=3, more=1), "a port joins, the tunnels stay")
        sxctl(dp, "policy", "set", 7, 0, "failover", 1, 2)
        sxctl(dp, "policy", "set", 7, 3, "sla", 2, "rtt", 40)
        sxctl(dp, "tunnel", "del", 7)
        expect_eq(flood(dp, 10), {"ports": 3, **{"t%d" % k: 8 + k for k in range(8)}},
                  "tunnel 7 gone: the others move up a place, the list's one into t7")
        expect_eq(dp.table_read("flood_more")[0], [], "the list empty")
        expect_eq([e for e in dp.table_read("peers")[0] if e["params"]["tunnel"] == 7], [],
                  "tunnel 7's peers")
        expect_eq(dp.table_read("policies")[0], [], "tunnel 7's policies")
        expect_eq(entry(dp, "tunnels", {"id": 7}), None, "tunnel 7")
        sxctl(dp, "slice", "detach", "p0")
        sxctl(dp, "slice", "detach", "p1")
        expect_eq(flood(dp, 10)["ports"], 0, "no port left, the entry floods into its tunnels")
        for t in range(8, 16):
            sxctl(dp, "tunnel", "del", t)
        expect_eq(flood(dp, 10), None, "no port, no tunnel: the entry goes")
        out = sxctl(dp, "tunnel", "del", 8, rc=1)
        expect("not_found" in out, "deleting a tunnel that is not there: %s" % out)
        dp.stop()


@R.test
def test_sites_vnis_paths_policies_classes_as_written():
    with Sxdp(PORTS, pipeline=PIPELINE, port_opts=ROLES) as dp:
        sxctl(dp, "vtep", "add", VTEP)
        sxctl(dp, "site", "add", 2, "endpoint", PEER)
        sxctl(dp, "vni", "add", 5000, "slice", 1, "bd", 10)
        sxctl(dp, "vni", "add", 7000, "slice", 1, "l3")
        expect_eq([e["action"] for e in dp.table_read("vteps")[0]], ["vtep"], "vteps")
        expect_eq(entry(dp, "endpoints", {"ip": PEER})["params"], {"site": 2}, "endpoint")
        expect_eq(entry(dp, "vnis", {"vni": 5000})["params"], {"slice": 1, "bd": 10}, "l2 VNI")
        expect_eq(entry(dp, "vnis", {"vni": 7000})["action"], "l3", "l3 VNI")

        where = ["src", VTEP, "dst", PEER, "gw", GW, "vrf", 100]
        sxctl(dp, "path", "add", 1, *where)
        sxctl(dp, "path", "add", 2, *where, "probe", "icmp")
        sxctl(dp, "path", "add", 3, *where, "probe", "sxdp", "interval", 100, "up", 2, "mtu", 1400)
        sxctl(dp, "path", "add", 4, *where, "probe", "icmp", "hold", 1500)
        expect_eq(entry(dp, "paths", {"id": 4})["params"].get("hold_ms"), 1500, "a path's failback hold-down")
        sxctl(dp, "path", "del", 4)
        expect_eq(entry(dp, "paths", {"id": 2})["params"],
                  {"src": VTEP, "dst": PEER, "vrf": 100, "mtu": 0, "gw": GW, "interval_ms": 50,
                   "down_after": 3, "up_after": 5}, "icmp path, default timers")
        expect_eq(entry(dp, "paths", {"id": 3})["params"]["interval_ms"], 100, "sxdp path interval")
        # what the table declares beyond the library's limits, sxdp judges
        out = sxctl(dp, "path", "add", 4, *where, "probe", "sxdp", "interval", 5, rc=1)
        expect("bad_probe" in out, "interval 5 refused by sxdp: %s" % out)
        out = sxctl(dp, "path", "add", 5000, *where, rc=1)
        expect("out_of_range" in out, "path 5000 refused by sxdp: %s" % out)
        show = sxctl(dp, "path", "show")
        expect(all(" %s " % k in show for k in ("static", "icmp", "sxdp")), "path show:\n" + show)
        sxctl(dp, "path", "del", 1)
        expect_eq(entry(dp, "paths", {"id": 1}), None, "path del")

        sxctl(dp, "tunnel", "add", 7, "slice", 1, "vni", 7000, "path", 0, "geneve", "ttl", "copy",
              "dscp", "copy", "csum", "rmac", "02:00:00:00:aa:01")
        expect_eq(entry(dp, "tunnels", {"id": 7}),
                  {"match": {"id": 7}, "action": "geneve", "hits": 0,
                   "params": {"slice": 1, "vni": 7000, "path": 0, "ttl": 0, "dscp": 64, "csum": 1,
                              "rmac": "02:00:00:00:AA:01"}}, "GENEVE tunnel")
        sxctl(dp, "policy", "set", 7, 0, "balance", "2:1", "3:2")
        sxctl(dp, "policy", "set", 7, 0, "failover", 3, 2)   # over the one read
        sxctl(dp, "policy", "set", 7, 1, "sla", 3, 2, "rtt", 50, "loss", 1)
        expect_eq(entry(dp, "policies", {"tunnel": 7, "class": 0})["params"],
                  {"p0": 3, "p1": 2, "p2": 0, "p3": 0}, "failover replaced balance")
        expect_eq(sxctl(dp, "policy", "show", 7),
                  "tunnel 7 class 0 failover 3 2 hits=0\ntunnel 7 class 1 sla 3 2 rtt 50 loss 1 hits=0\n",
                  "policy show")
        # loss repair: copies and FEC written, read back, shown in the set syntax
        sxctl(dp, "policy", "set", 7, 2, "failover", 3, 2, "copies", 2, "fec", "adaptive")
        sxctl(dp, "policy", "set", 7, 4, "sla", 3, "rtt", 50, "fec", 6)
        expect_eq(entry(dp, "policies", {"tunnel": 7, "class": 2})["params"],
                  {"p0": 3, "p1": 2, "p2": 0, "p3": 0, "copies": 2, "fec": 1}, "copies and adaptive FEC")
        expect_eq(sxctl(dp, "policy", "show", 7).splitlines()[2:4],
                  ["tunnel 7 class 2 failover 3 2 copies 2 fec adaptive hits=0",
                   "tunnel 7 class 4 sla 3 rtt 50 fec 6 hits=0"], "policy show with repair")
        sxctl(dp, "policy", "del", 7, 2)
        sxctl(dp, "policy", "del", 7, 4)
        # classes by application: named as nDPI names them (any case), its id written
        dns = dp.rpc("overlay.apps")["apps"]["DNS"]
        sxctl(dp, "app", "add", 1, "dns", "class", 3)
        expect_eq(entry(dp, "app_classes", {"slice": 1, "app": dns}),
                  {"match": {"slice": 1, "app": dns}, "action": "class", "params": {"class": 3}, "hits": 0},
                  "app add by name")
        expect_eq(sxctl(dp, "app", "show", 1), "slice 1 app DNS (%d) class 3 hits=0\n" % dns, "app show")
        out = sxctl(dp, "app", "add", 1, "NoSuchApp", "class", 3, rc=2)
        expect("unknown application 'NoSuchApp'" in out, "an unknown name refused: %s" % out)
        sxctl(dp, "app", "del", 1, "DNS")
        expect_eq(entry(dp, "app_classes", {"slice": 1, "app": dns}), None, "app del")
        out = sxctl(dp, "policy", "set", 7, 300, "failover", 3, rc=1)
        expect("out_of_range" in out, "class 300 refused by sxdp: %s" % out)
        sxctl(dp, "policy", "del", 7, 1)
        expect_eq(entry(dp, "policies", {"tunnel": 7, "class": 1}), None, "policy del")

        sxctl(dp, "class", "add", 1, 1, "prio", 10, "src", "10.1.2.3/16", "proto", 17,
              "dport", "5060-5061")
        sxctl(dp, "class", "add", 1, 1, "prio", 20, "dscp", 46)
        sxctl(dp, "class", "add", 1, 2, "prio", 5, "sport", 80)
        rules = {e["priority"]: e for e in dp.table_read("classes")[0]}
        expect_eq(rules[10]["match"], {"slice": 1, "src": {"value": "10.1.0.0", "mask": "255.255.0.0"},
                                       "proto": {"value": 17, "mask": 255},
                                       "dport": {"min": 5060, "max": 5061}}, "class rule")
        # the rules as read are deleted by key and priority, expecting what was read
        sxctl(dp, "class", "del", 1, 1)
        expect_eq([(e["priority"], e["params"]["class"]) for e in dp.table_read("classes")[0]],
                  [(5, 2)], "class 1's rules deleted, class 2's kept")
        tunnels = json.loads(sxctl(dp, "--json", "tunnel", "show"))["tunnels"]
        expect_eq([(t["id"], t["type"], t["peers"], t["flood"]) for t in tunnels],
                  [(7, "geneve", [], [])], "tunnel show --json")
        dp.stop()


@R.test
def test_meters_and_vdns_as_written():
    """meter add/color/del and vdn add/del write what the qos tables then
    show; a VDN is its class entry, meter and pipe (one batch) and goes
    whole; sxdp's refusals come back with their reason; meter show, vdn
    show and sched show print their counters."""
    with Sxdp(PORTS, pipeline=PIPELINE, port_opts=ROLES) as dp:
        sxctl(dp, "meter", "add", 3, "trtcm", "cir", 1000000, "cbs", 3000, "pir", 2000000, "pbs", 6000,
              "aware", "charge", "wire")
        expect_eq(entry(dp, "meters", {"id": 3}),
                  {"match": {"id": 3}, "action": "trtcm", "hits": 0,
                   "params": {"cir": 1000000, "cbs": 3000, "pir": 2000000, "pbs": 6000, "aware": 1,
                              "charge": 2}}, "meter 3")
        sxctl(dp, "meter", "color", 3, "yellow", "remark", "dscp", 10)
        expect_eq(entry(dp, "meter_colors", {"meter": 3, "color": 1})["params"], {"dscp": 10, "pcp": 8},
                  "yellow remarks to AF11, PCP kept")
        out = sxctl(dp, "meter", "add", 4, "rfc4115", "cir", 1000000, "cbs", 0, rc=2)
        expect("cbs" in out, "CBS 0 refused before anything is sent: %s" % out)
        out = sxctl(dp, "meter", "add", 4, "trtcm", "cir", 2000000, "cbs", 3000, "pir", 1000000, "pbs", 3000,
                    rc=1)
        expect("bad_pir" in out, "a peak below the committed rate refused by sxdp: %s" % out)
        sxctl(dp, "meter", "del", 3)
        expect_eq((entry(dp, "meters", {"id": 3}), dp.table_read("meter_colors")[0]), (None, []),
                  "meter 3 and its colors gone")
        # a VDN needs a scheduler on its port
        dp.table_write([Sxdp.update("sched_ports", {"port": "w0"}, "sched",
                                    {"rate_bps": 100000000, "subports": 4, "pipes": 8, "qsize": 64}),
                        Sxdp.update("sched_subports", {"port": "w0", "slice": 1}, "subport",
                                    {"subport": 1, "rate_bps": 50000000})])
        sxctl(dp, "vdn", "add", 5, "slice", 1, "port", "w0", "rate", 10000000, "peak", 20000000,
              "dst", "10.1.2.0/24", "proto", 6, "dport", 443, "prio", 7)
        v = dp.table_read("vdns")[0]
        expect_eq([(e["match"]["dst"], e["match"]["dport"], e["priority"], e["params"]) for e in v],
                  [({"value": "10.1.2.0", "mask": "255.255.255.0"}, {"min": 443, "max": 443}, 7,
                    {"pipe": 5, "meter": 5})], "the VDN's class entry")
        expect_eq(entry(dp, "meters", {"id": 5})["params"],
                  {"cir": 10000000, "cbs": 12500, "eir": 10000000, "ebs": 12500}, "its meter")
        expect_eq(entry(dp, "sched_pipes", {"port": "w0", "slice": 1, "pipe": 5})["params"],
                  {"rate_bps": 10000000, "ceil_bps": 20000000}, "its pipe")
        out = sxctl(dp, "vdn", "add", 6, "slice", 1, "port", "w0", "rate", 45000000, rc=1)
        expect("oversubscribed" in out, "a VDN above its slice's rate: %s" % out)
        expect(entry(dp, "meters", {"id": 6}) is None, "nothing of the refused VDN written")
        show = sxctl(dp, "vdn", "show", "interval", 100)
        expect(show.splitlines()[0].split()[:4] == ["ID", "SLICE", "PRIO", "RATE"] and
               show.splitlines()[1].split()[:3] == ["5", "1", "7"], "vdn show: %s" % show)
        expect("port w0" in sxctl(dp, "sched", "show"), "sched show")
        expect("rfc4115" in sxctl(dp, "meter", "show"), "meter show")
        sxctl(dp, "vdn", "del", 5, "slice", 1, "port", "w0")
        expect_eq((dp.table_read("vdns")[0], entry(dp, "meters", {"id": 5}),
                   entry(dp, "sched_pipes", {"port": "w0", "slice": 1, "pipe": 5})), ([], None, None),
                  "the VDN gone whole")
        dp.stop()


@R.test
def test_upf_sessions_interfaces_counters():
    """upf sessions, interfaces and counters read what a real UPF's tables
    hold, by the names its declarations give them."""
    U = Sxdp.update
    ports = {"n3": {"role": "n3"}, "n6": {"role": "n6"}}
    with Sxdp({"n3": [], "n6": []}, pipeline={"n3": "upf", "n6": "switch"}, port_opts=ports) as dp:
        dp.table_write([
            U("upf_interfaces", {"dst": "192.0.2.1/32"}, "n3", {"slice": 0, "id": 1}),
            U("upf_interfaces", {"dst": "10.200.0.1/32"}, "n6", {"slice": 1}),
            U("sessions_uplink", {"iface": 1, "teid": 0x100}, "fwd_n6",
              {"id": 5, "slice": 1, "ohr": 0, "ue": "10.45.0.1"}),
            U("sessions_downlink", {"slice": 1, "ue": "10.45.0.1"}, "drop", {"id": 5}),
        ])
        out = sxctl(dp, "upf", "sessions").splitlines()
        expect_eq(out[0].split()[:6], ["DIR", "KEY", "SESSION", "ACTION", "SLICE", "UE"], "header")
        rows = sorted(line.split()[:7] for line in out[1:])
        expect_eq(rows, [["dl", "slice=1", "ue=10.45.0.1", "5", "drop", "1", "10.45.0.1"],
                         ["ul", "iface=1", "teid=256", "5", "fwd_n6", "1", "10.45.0.1"]],
                  "upf sessions:\n" + "\n".join(out))
        ul = sxctl(dp, "upf", "sessions", "ul").splitlines()
        expect_eq(len(ul), 2, "upf sessions ul: the header and one entry")
        out = sxctl(dp, "upf", "interfaces")
        expect(any(line.split()[:4] == ["192.0.2.1/32", "n3", "0", "1"] for line in out.splitlines()) and
               any(line.split()[:4] == ["10.200.0.1/32", "n6", "1", "-"] for line in out.splitlines()),
               "upf interfaces:\n" + out)
        doc = json.loads(sxctl(dp, "--json", "upf", "counters"))
        expect(all(k.startswith("upf.") for k in list(doc["drops"]) + list(doc["events"])) and
               "sessions_uplink" in doc["tables"] and "routes" not in doc["tables"],
               "upf counters --json: %s" % doc)
        expect_eq(doc["tables"]["sessions_uplink"]["entries"], 1, "sessions_uplink entries")
        dp.stop()


if __name__ == "__main__":
    if not os.access(SXCTL, os.X_OK):
        print("not ok - sxctl binary: %s missing" % SXCTL)
        sys.exit(1)
    R.main([])
