#!/usr/bin/python3
"""The overlay's paths: probes and path choice.
A peer's BFD-like echo to the local VTEP is turned around on the spot, byte
for byte, only for known endpoints; probed paths send one probe per
interval (UDP 3785 echo, or ICMP echo) from their VTEP to their far end and
stay down while nothing answers; a tunnel's traffic goes by its policy
(failover, per-class, weighted balance) over the paths that are up, with
only a dead path's flows moving; what each path carried is counted.

    /usr/bin/python3 tests/packet/test_paths.py [NAME-SUBSTRING ...]
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import ICMP, IP, UDP, Ether, Raw, rdpcap  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_overlay import (GW, GW_MAC, MAC_A, MAC_R, MAGIC, PEER_MAC, PEERS, PIPELINE, TUN, UNDERLAY, VTEP,  # noqa: E402
                          WAN_MAC, answer_flags, paths_setup, probe_msg)

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update

PROBED = {"interval_ms": 50, "down_after": 3, "up_after": 2}


def frame(sport, dport=2000, payload=b"x"):
    return Ether(src=MAC_A, dst=MAC_R) / IP(src="10.1.0.1", dst="10.2.0.1") / \
        UDP(sport=sport, dport=dport) / Raw(payload)


def outer_dst(pkt):
    return IP(pkt[14:]).dst


def paths_of(dp):
    return {p["id"]: p for p in dp.rpc("overlay.paths")}


@R.test
def test_probe_turned_around_for_known_endpoints_only():
    peer = PEERS[1]
    req = Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=peer, dst=VTEP, tos=0xc0, id=77, flags="DF") / \
        UDP(sport=3785, dport=3785) / Raw(probe_msg(seq=41))
    stranger = Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src="203.0.113.9", dst=VTEP) / \
        UDP(sport=3785, dport=3785) / Raw(probe_msg())
    bad = Ether(src=PEER_MAC, dst=WAN_MAC) / IP(src=peer, dst=VTEP) / \
        UDP(sport=3785, dport=3785) / Raw(probe_msg(magic=0x12345678))
    with Sxdp({"p0": [], "w0": [req, stranger, bad]}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0"], {}) + [U("endpoints", {"ip": peer}, "endpoint", {"site": 2})])
        st = dp.run_traffic()
        expect_drops(st, {"overlay.probe_unknown": 1, "overlay.probe_bad": 1})
        expect_eq(st["events"].get("overlay.probe_reflected"), 1, "probes turned around")
        dp.stop()
        flags = answer_flags(dp.outputs()["w0"])
        expect_eq(flags & 0xff, 0, "a box alone answers as active")
        want = Ether(src=WAN_MAC, dst=PEER_MAC) / IP(src=VTEP, dst=peer, tos=0xc0, id=77, flags="DF", ttl=64) / \
            UDP(sport=3785, dport=3785, chksum=0) / Raw(probe_msg(kind=2, seq=41, flags=flags))
        dp.expect_outputs({"w0": [want]})


@R.test
def test_probed_paths_send_on_cadence_and_stay_down_unanswered():
    """sxdp path 1 (50 ms) and icmp path 2 (100 ms): probes leave w0 from
    the VTEP to each far end on their cadence (the median gap between two on
    the wire, from the capture's timestamps: a stall of the machine is no
    gap of the cadence; never more than the cadence allows in all); nothing
    answers, so both stay down and the tunnel's frames drop as
    overlay.no_path."""
    frames = [frame(1000 + i) for i in range(4)]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0"], {1: ("sxdp", PROBED),
                                     2: ("icmp", dict(PROBED, interval_ms=100))}, tunnel_path=1))
        t0 = time.monotonic()
        deadline = t0 + SETTLE_S
        ps = paths_of(dp)
        while ps[1]["probes_sent"] < 10 or ps[2]["probes_sent"] < 6:
            expect(time.monotonic() < deadline, "probes sent: %s" % ps)
            time.sleep(0.05)
            ps = paths_of(dp)
        st = dp.phase(["p0"])
        expect_drops(st, {"overlay.no_path": 4})
        ps = paths_of(dp)
        elapsed = time.monotonic() - t0
        for pid, iv in ((1, 0.05), (2, 0.1)):
            p = ps[pid]
            expect_eq(p["state"], "down", "path %d state" % pid)
            expect(p["probes_sent"] <= elapsed / iv * 1.5 + 1,
                   "path %d sent %d probes in %.2f s at one per %.2f s" % (pid, p["probes_sent"], elapsed, iv))
            expect(p["probes_lost"] >= p["probes_sent"] - 4, "path %d: unanswered probes count lost" % pid)
            expect_eq(p["probes_answered"], 0, "path %d answers" % pid)
            expect_eq(p["loss_pm"], 1000, "path %d loss" % pid)
        expect_eq(ps[1]["probe"], "sxdp", "path 1 kind")
        dp.stop()
        out = dp.outputs()["w0"]
        T.SPOOL.keep("w0", dp.out_path("w0"))   # tshark: no malformed probe
        seqs, times = {1: [], 2: []}, {1: [], 2: []}
        stamps = [float(x.time) for x in rdpcap(dp.out_path("w0"))]
        expect_eq(len(stamps), len(out), "the capture's frames, stamped")
        for raw, when in zip(out, stamps):
            e = Ether(raw)
            ip = e[IP]
            expect_eq((e.src, e.dst, ip.src, ip.tos, ip.flags.DF), (WAN_MAC, GW_MAC, VTEP, 0xc0, True),
                      "probe headers")
            if ip.proto == 17:
                expect_eq((ip.dst, ip[UDP].sport, ip[UDP].dport), (PEERS[1], 3785, 3785), "echo probe")
                body = bytes(ip[UDP].payload)
            else:
                expect_eq((ip.dst, ip[ICMP].type, ip[ICMP].id), (PEERS[2], 8, 2), "ICMP probe")
                body = bytes(ip[ICMP].payload)
            magic, ver, kind, path, seq, _ = struct.unpack(">IBBHII", body[:16])
            expect_eq((magic, ver, kind), (MAGIC, 1, 1), "probe message")
            seqs[path].append(seq)
            times[path].append(when)
        for pid, iv in ((1, 0.05), (2, 0.1)):
            expect(len(seqs[pid]) >= 3, "path %d probes on the wire: %d" % (pid, len(seqs[pid])))
            expect_eq(seqs[pid], list(range(len(seqs[pid]))), "path %d sequence numbers" % pid)
            gaps = sorted(b - a for a, b in zip(times[pid], times[pid][1:]))
            expect(0.5 * iv <= gaps[len(gaps) // 2] <= 1.5 * iv, "path %d: a probe every %.3f s (median gap), "
                   "its cadence %.2f s" % (pid, gaps[len(gaps) // 2], iv))


@R.test
def test_probe_waits_for_the_underlay_next_hop():
    """With the next hop GW not yet resolved, a probe waits on the switch's
    hold queue while the box asks for GW by ARP from its VTEP on w0."""
    with Sxdp({"p0": [], "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        ups = [u for u in paths_setup(["p0"], {1: ("sxdp", PROBED)}) if u["table"] != "neigh"] + [
            U("interfaces", {"in_port": "w0", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 101}),
            U("bd_ports", {"bd": 101, "port": "w0"}, "member", {"vlan": 0}),
            U("flood", {"bd": 101}, "flood", {"ports": 0b10}),
            U("svi", {"vrf": UNDERLAY, "bd": 101}, "svi", {"mac": WAN_MAC, "ip": VTEP, "plen": 24}),
            U("routes", {"vrf": UNDERLAY, "dst": "192.0.2.0/24"}, "connected", {"bd": 101})]
        dp.table_write(ups)
        dp.wait_stats(lambda s: s["events"].get("overlay.held", 0) >= 1, "probes held", timeout=SETTLE_S)
        # the ARP request leaves after the probe is held: its frame out, then stop (a busy machine)
        dp.wait_stats(lambda s: [p for p in s["ports"] if p["name"] == "w0"][0]["tx_packets"] >= 1,
                      "the ARP request out of w0", timeout=SETTLE_S)
        dp.stop()
        arps = [Ether(o) for o in dp.outputs()["w0"] if Ether(o).type == 0x0806]
        expect(len(arps) >= 1, "ARP requests for the next hop on w0")
        a = arps[0]
        expect_eq((a.src, a.dst, a.psrc, a.pdst, a.op), (WAN_MAC, "ff:ff:ff:ff:ff:ff", VTEP, GW, 1),
                  "ARP request from the VTEP for GW")
        expect_eq([o for o in dp.outputs()["w0"] if Ether(o).type == 0x0800], [],
                  "no probe leaves unresolved")


@R.test
def test_failover_and_class_policy():
    """Class 1 (UDP to 5060) goes by its own policy (path 3); the rest by
    the tunnel's class 0 policy: failover from path 1 (probed, never
    answered: down) to path 2. Each path counts what it carried."""
    frames = [frame(1000 + i) for i in range(3)] + [frame(1100 + i, dport=5060) for i in range(2)]
    with Sxdp({"p0": frames, "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        cls = U("classes", {"slice": 1, "proto": 17, "dport": {"min": 5060, "max": 5060}}, "class",
                {"class": 1})
        cls["priority"] = 10
        dp.table_write(paths_setup(["p0"], {1: ("sxdp", PROBED), 2: ("static", {}), 3: ("static", {})}) + [
            cls,
            U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0}),
            U("policies", {"tunnel": TUN, "class": 1}, "failover", {"p0": 3, "p1": 0, "p2": 0, "p3": 0}),
        ])
        st = dp.run_traffic()
        expect_drops(st, {})
        ps = paths_of(dp)
        dp.stop()
        out = dp.outputs()["w0"]
        data = [o for o in out if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 4789]
        expect_eq([outer_dst(o) for o in data], [PEERS[2]] * 3 + [PEERS[3]] * 2, "outer destinations")
        expect_eq((ps[2]["packets"], ps[3]["packets"], ps[1]["packets"]), (3, 2, 0), "packets per path")
        expect_eq(ps[2]["bytes"], sum(len(o) for o in data[:3]), "bytes of path 2")


@R.test
def test_events_and_active_paths():
    """overlay.active gives each policy's pick now (failover: its first path
    up); overlay.events keeps, with wall-clock time, each path's change and
    each pick's move with its cause, in a ring of 256 that says how many it
    overwrote."""
    with Sxdp({"p0": [], "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        pol = U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0})
        dp.table_write(paths_setup(["p0"], {1: ("static", {}), 2: ("static", {})}) + [pol])
        act = dp.rpc("overlay.active")
        expect_eq([(a["tunnel"], a["class"], a["mode"], a["paths"], a["active"]) for a in act],
                  [(TUN, 0, "failover", [1, 2], [1])], "the pick: path 1")
        t0 = time.time() * 1000
        ev0 = dp.rpc("overlay.events")
        expect_eq(sorted((e["path"], e["old"], e["new"], e["why"]) for e in ev0["events"] if e["type"] == "path"),
                  [(1, "down", "up", "config"), (2, "down", "up", "config")], "static paths come up as written")
        # path 1 probed from now on: down until answered, the pick moves to 2
        prm = {"src": VTEP, "dst": PEERS[1], "vrf": UNDERLAY, "mtu": 0, "gw": GW}
        dp.table_write([U("paths", {"id": 1}, "sxdp", dict(prm, **PROBED), type="modify")])
        expect_eq([a["active"] for a in dp.rpc("overlay.active")], [[2]], "the pick: path 2")
        ev = dp.rpc("overlay.events", {"after": ev0["next_seq"] - 1})
        evs = ev["events"]
        path = [e for e in evs if e["type"] == "path"]
        expect_eq([(e["path"], e["old"], e["new"], e["why"]) for e in path], [(1, "up", "down", "config")],
                  "path 1's change")
        moved = [e for e in evs if e["type"] == "active" and e["why"] != "config"]
        expect_eq([(e["tunnel"], e["class"], e["old"], e["new"], e["why"], e["path"]) for e in moved],
                  [(TUN, 0, [1], [2], "path_down", 1)], "the pick's move")
        expect(all(t0 - 5000 <= e["time_ms"] <= time.time() * 1000 + 5000 for e in evs), "wall-clock times")
        expect(path[0]["seq"] < moved[0]["seq"], "the cause before its effect")
        # after: only what came since
        expect_eq(dp.rpc("overlay.events", {"after": ev["next_seq"] - 1})["events"], [], "nothing new")
        # bounded: 300 changes keep the last 256, the rest counted lost
        for i in range(150):
            dp.table_write([U("paths", {"id": 1}, "static", prm, type="modify")])
            dp.table_write([U("paths", {"id": 1}, "sxdp", dict(prm, **PROBED), type="modify")])
        ev2 = dp.rpc("overlay.events")
        expect_eq((ev2["capacity"], len(ev2["events"])), (256, 256), "the ring is full, no more")
        expect_eq(ev2["lost"], ev2["next_seq"] - 1 - 256, "what it overwrote")
        expect_eq(ev2["events"][-1]["seq"], ev2["next_seq"] - 1, "the newest last")
        expect_eq(dp.rpc("overlay.events", {"after": ev["next_seq"] - 1})["lost"],
                  ev2["next_seq"] - 1 - 256 - (ev["next_seq"] - 1), "lost since a reader's last")
        dp.table_write([U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 2, "p1": 0, "p2": 0, "p3": 0}, type="modify")])
        last = dp.rpc("overlay.events")["events"][-1]
        expect_eq((last["type"], last["why"], last["new"]), ("active", "config", [2]), "a policy rewritten")


@R.test
def test_class_writes_apply_at_once():
    """A worker remembers what classes answered for a flow (dp_memo); a
    write applies from the next frame, and the table counts every frame as
    its lookup would. 32 flows, each 4 times, half of them to 5060 (class
    1: path 3, the rest class 0: path 2); then class 1 becomes class 2
    (path 1); then it is deleted (all class 0)."""
    flows = [frame(3000 + i, dport=5060 if i % 2 == 0 else 2000) for i in range(32)] * 4
    ports = {"p0": flows, "p1": flows, "p2": flows, "w0": []}
    match = {"slice": 1, "proto": 17, "dport": {"min": 5060, "max": 5060}}
    with Sxdp(ports, pipeline=PIPELINE,
              port_opts={n: {"role": "lan"} for n in ("p0", "p1", "p2")} | {"w0": {"role": "wan"}}) as dp:
        cls = dict(U("classes", match, "class", {"class": 1}), priority=10)
        dp.table_write(paths_setup(["p0", "p1", "p2"], {1: ("static", {}), 2: ("static", {}), 3: ("static", {})}) + [
            cls,
            U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 2, "p1": 0, "p2": 0, "p3": 0}),
            U("policies", {"tunnel": TUN, "class": 1}, "failover", {"p0": 3, "p1": 0, "p2": 0, "p3": 0}),
            U("policies", {"tunnel": TUN, "class": 2}, "failover", {"p0": 1, "p1": 0, "p2": 0, "p3": 0}),
        ])
        got = []
        for port, write in (("p0", None), ("p1", dict(U("classes", match, "class", {"class": 2}, type="modify"),
                                                      priority=10)),
                            ("p2", dict(U("classes", match, type="delete"), priority=10))):
            if write is not None:
                dp.table_write([write])
            st = dp.phase([port])
            expect_drops(st, {})
            t = st["tables"]["classes"]
            got.append((t["hits"], t["misses"]))
        expect_eq(got, [(64, 64), (128, 128), (128, 256)], "classes hits and misses after each phase")
        dp.stop()
        out = [o for o in dp.outputs()["w0"] if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 4789]
        expect_eq(len(out), 384, "frames encapsulated")
        want = [PEERS[3] if i % 2 == 0 else PEERS[2] for i in range(32)] * 4 + \
            [PEERS[1] if i % 2 == 0 else PEERS[2] for i in range(32)] * 4 + [PEERS[2]] * 128
        expect_eq([outer_dst(o) for o in out], want, "each flow's path, phase by phase")


@R.test
def test_balance_moves_only_the_dead_paths_flows():
    """Weights 1:1:2 over paths 1-3 spread 96 flows; when path 1 dies (made
    a probed path nobody answers) its flows move to 2 and 3 and no flow of
    2 or 3 moves; with every path dead the frames drop as no_path."""
    flows = [frame(2000 + i) for i in range(96)]
    ports = {"p0": flows, "p1": flows, "p2": flows[:8], "w0": []}
    with Sxdp(ports, pipeline=PIPELINE,
              port_opts={n: {"role": "lan"} for n in ("p0", "p1", "p2")} | {"w0": {"role": "wan"}}) as dp:
        paths = {1: ("static", {}), 2: ("static", {}), 3: ("static", {})}
        dp.table_write(paths_setup(["p0", "p1", "p2"], paths) + [
            U("policies", {"tunnel": TUN, "class": 0}, "balance",
              {"p0": 1, "p1": 2, "p2": 3, "p3": 0, "w0": 1, "w1": 1, "w2": 2, "w3": 0})])
        dp.phase(["p0"])
        dp.table_write([U("paths", {"id": 1}, "sxdp", dict({"src": VTEP, "dst": PEERS[1], "vrf": UNDERLAY,
                                                            "mtu": 0, "gw": GW}, **PROBED), type="modify")])
        dp.phase(["p1"])
        dp.table_write([U("paths", {"id": p}, "none", type="modify") for p in (2, 3)])
        st = dp.phase(["p2"])
        expect_eq(st["drops"].get("overlay.no_path"), 8, "frames with no path up")
        dp.stop()
        out = [o for o in dp.outputs()["w0"] if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 4789]
        expect_eq(len(out), 192, "frames encapsulated")
        before = [outer_dst(o) for o in out[:96]]
        after = [outer_dst(o) for o in out[96:]]
        counts = {p: before.count(PEERS[p]) for p in (1, 2, 3)}
        expect(counts[1] >= 12 and counts[2] >= 12 and counts[3] >= 30,
               "weights 1:1:2 over 96 flows: %s" % counts)
        for i, (b, a) in enumerate(zip(before, after)):
            if b == PEERS[1]:
                expect(a in (PEERS[2], PEERS[3]), "flow %d of dead path 1 moved to %s" % (i, a))
            else:
                expect_eq(a, b, "flow %d of live path %s" % (i, b))


@R.test
def test_eight_paths_a_policy():
    """A policy of 8 paths (p0..p7): balance by weights 1..8 over 8 static
    paths spreads 240 flows over all 8, the heaviest most; failover with
    paths 1..7 gone leaves by the eighth."""
    flows = [frame(3000 + i) for i in range(240)]
    ports = {"p0": flows, "p1": flows[:16], "w0": []}
    with Sxdp(ports, pipeline=PIPELINE,
              port_opts={n: {"role": "lan"} for n in ("p0", "p1")} | {"w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0", "p1"], {i: ("static", {}) for i in range(1, 9)}) + [
            U("policies", {"tunnel": TUN, "class": 0}, "balance",
              dict({"p%d" % k: k + 1 for k in range(8)}, **{"w%d" % k: k + 1 for k in range(8)}))])
        got = dp.table_read("policies")[0][0]["params"]
        expect_eq(got, dict({"p%d" % k: k + 1 for k in range(8)}, **{"w%d" % k: k + 1 for k in range(8)}),
                  "read back: 8 paths, 8 weights")
        dp.phase(["p0"])
        dp.table_write([U("policies", {"tunnel": TUN, "class": 0}, "failover",
                          {"p%d" % k: k + 1 for k in range(8)}, type="modify")] +
                       [U("paths", {"id": p}, "none", type="modify") for p in range(1, 8)])
        dp.phase(["p1"])
        dp.stop()
        out = [o for o in dp.outputs()["w0"] if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 4789]
        expect_eq(len(out), 256, "frames encapsulated")
        counts = {p: [outer_dst(o) for o in out[:240]].count(PEERS[p]) for p in range(1, 9)}
        expect(all(counts[p] > 0 for p in counts) and counts[8] > counts[1],
               "weights 1..8 over 240 flows reach all 8 paths: %s" % counts)
        expect_eq({outer_dst(o) for o in out[240:]}, {PEERS[8]}, "failover: the eighth path")


@R.test
def test_bad_paths_and_policies_refused():
    with Sxdp({"p0": [], "w0": []}, pipeline=PIPELINE,
              port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        dp.table_write(paths_setup(["p0"], {}))
        prm = {"src": VTEP, "dst": PEERS[1], "vrf": UNDERLAY, "mtu": 0, "gw": GW}
        for extra in ({"interval_ms": 5, "down_after": 3, "up_after": 2},
                      {"interval_ms": 50, "down_after": 0, "up_after": 2}):
            res = dp.table_write([U("paths", {"id": 1}, "sxdp", dict(prm, **extra))], check=False)
            expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "bad_probe",
                      "path %s" % extra)
        try:
            dp.table_write([U("paths", {"id": 1}, "sxdp", dict(prm, interval_ms=50, down_after=33,
                                                               up_after=2))])
            raise T.TestFailure("down_after 33 taken")
        except T.RpcError as e:
            expect_eq(e.data.get("reason"), "out_of_range", "down_after 33")
        res = dp.table_write([U("policies", {"tunnel": TUN, "class": 0}, "balance",
                                {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "w0": 0, "w1": 0, "w2": 0, "w3": 0})],
                             check=False)
        expect_eq(res["results"][0].get("error", {}).get("data", {}).get("reason"), "no_path", "balance without weights")
        expect_eq(len(dp.table_read("paths")[0]) + len(dp.table_read("policies")[0]), 0, "nothing written")


if __name__ == "__main__":
    sys.exit(R.main())
