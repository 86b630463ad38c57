#!/usr/bin/python3
"""Packet tests of the `switch` pipeline: slices, bridge domains, VRFs.

    /usr/bin/python3 tests/packet/test_switch.py [NAME-SUBSTRING ...]

Prints `ok - name` / `not ok - name` per test, then `N passed, M failed`;
exit 1 if any failed, 77 if scapy or tshark is missing. BUILD=dir picks the
meson build directory (default build/ at the repository root).

net_pcap reads a port's whole input pcap as soon as the port is set up, so
the order between ports is free. Tests that need "this first, then that"
(learn, then use what was learned) put each step on its own port and release
the ports one group at a time (Sxdp.phase): a phase waits until its input is
consumed and, where the step is the control thread's (learning, ARP), until
the matching event counter moved. A port reads its pcap once, so a step that
must come from a port already used gets its state from a table write
instead (e.g. a `learned` fdb entry written over the socket).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_drops, expect_eq, expect_events  # noqa: E402

try:
    from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_switch import (BCAST, H1, H2, H2B, H3, ROUTER1, ROUTER2, SLICE, U, bd_updates, decremented,  # noqa: E402
                         frame, icmp_error_for, ip_udp, l3_setup, mask, neigh, new_switch, svi_updates)

R = T.Runner()

# every test here with the fast paths (switch.bridged, switch.routed)
# checked against the general path (dp_fastcheck.h): a difference in any
# burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
MAC_S = "02:00:00:00:00:5a"     # static fdb entries
MAC_Z = "02:00:00:00:00:ee"     # never seen: unknown unicast


def fdb_entries(dp):
    """{(bd, MAC lower-case): (action, port or None)}"""
    out = {}
    for e in dp.table_read("fdb")[0]:
        out[(e["match"]["bd"], e["match"]["mac"].lower())] = (e["action"], e["params"].get("port"))
    return out


def learned(dp):
    return {k: v for k, v in fdb_entries(dp).items() if v[0] == "learned"}


def out_l2_setup(dp):
    """bd 10 = p0, p1, p2 untagged; bd 20 = p3 untagged (same slice). bd 10's
    flood mask names every port, p3 included: membership (bd_ports) is what
    confines a flood to its bridge domain."""
    return (bd_updates(dp, 10, [("p0", 0), ("p1", 0), ("p2", 0)], flood=["p0", "p1", "p2", "p3"]) +
            bd_updates(dp, 20, [("p3", 0)]))


# ----------------------------------------------------------------- L2
@R.test
def test_learning_and_flood_confined_to_bd():
    bc = frame(MAC_A, BCAST, ip_udp(payload=b"broadcast from A"))
    mc = frame(MAC_A, "01:00:5e:01:02:03", ip_udp(dip="239.1.2.3", payload=b"multicast from A"))
    uu = frame(MAC_A, MAC_Z, ip_udp(payload=b"unknown unicast from A"))
    c1 = frame(MAC_C, BCAST, ip_udp(sip="10.0.0.3", payload=b"broadcast from C"))
    # a group source is no station: dropped, never learned (IEEE 802.1Q 8.7)
    grp = frame("03:00:00:00:00:01", BCAST, ip_udp(payload=b"group source: dropped"))
    p0_in = [bc, mc, uu, c1, c1, grp]
    with new_switch({"p0": p0_in, "p1": [], "p2": [], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp))
        st = dp.phase(["p0"], events={"switch.learn": 2})
        time.sleep(1.5)     # at least one ageing pass: learned entries stay (300 s default)
        st = dp.wait_consumed()
        expect_drops(st, {"switch.bad_src_mac": 1})
        expect_events(st, {"switch.learn": 2})
        entries, total = dp.table_read("fdb")
        expect_eq(total, 2, "fdb entries")
        got = {(e["match"]["bd"], e["match"]["mac"].lower()): (e["action"], e["params"]) for e in entries}
        expect_eq(got, {(10, MAC_A): ("learned", {"port": "p0"}), (10, MAC_C): ("learned", {"port": "p0"})},
                  "learned fdb entries")
        for e in entries:
            expect("idle_s" in e and 0 <= e["idle_s"] < 300, "fdb entry without a sane idle_s: %s" % e)
        pc = {p["name"]: p for p in st["ports"]}
        expect_eq([pc[n]["tx_packets"] for n in ("p0", "p1", "p2", "p3")], [0, 5, 5, 0], "tx per port")
        dp.stop()
        dp.expect_outputs({"p1": p0_in[:-1], "p2": p0_in[:-1]}, unordered=True)


@R.test
def test_known_unicast_after_learning():
    a_hello = frame(MAC_A, BCAST, ip_udp(payload=b"A says hello"))
    to_a = [frame(MAC_B, MAC_A, ip_udp(sip="10.0.0.2", dip="10.0.0.1", sport=2000 + i, payload=b"B to A %d" % i))
            for i in range(5)]
    to_z = frame(MAC_B, MAC_Z, ip_udp(sip="10.0.0.2", payload=b"B to nobody"))
    with new_switch({"p0": [a_hello], "p1": to_a + [to_z], "p2": [], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp))
        dp.phase(["p0"], events={"switch.learn": 1})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p0")}, "learned after phase 1")
        dp.phase(["p1"], events={"switch.learn": 2})
        st = dp.wait_consumed()
        expect_drops(st, {})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p0"), (10, MAC_B): ("learned", "p1")},
                  "learned after phase 2")
        dp.stop()
        # B -> Z is flooded; its copy to p0 may overtake B -> A of the same
        # burst (different destinations: no order promised between them)
        dp.expect_outputs({"p0": to_a + [to_z], "p1": [a_hello], "p2": [a_hello, to_z]}, unordered=["p0"])
        outs = [b for b in dp.outputs()["p0"] if Ether(b).dst == MAC_A]
        expect_eq(outs, [bytes(p) for p in to_a], "B -> A in order")


@R.test
def test_no_hairpin_not_member_fdb_drop():
    """Unicast to a MAC that lives on the ingress port is dropped
    (switch.hairpin), for a static (forward) and a learned entry; an fdb
    entry pointing at a non-member port gives switch.not_member; a static
    drop entry gives switch.fdb_drop."""
    p1_in = [frame(MAC_B, MAC_S, ip_udp(payload=b"to static S on p1")),
             frame(MAC_B, MAC_D, ip_udp(payload=b"to learned D on p1")),
             frame(MAC_B, MAC_C, ip_udp(payload=b"to C, which the fdb puts on p3")),
             frame(MAC_B, MAC_Z, ip_udp(payload=b"to Z: fdb drop")),
             frame(MAC_B, MAC_A, ip_udp(payload=b"to A on p0: fine"))]
    with new_switch({"p0": [], "p1": p1_in, "p2": [], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp) + [
            U("fdb", {"bd": 10, "mac": MAC_S}, "forward", {"port": "p1"}),
            U("fdb", {"bd": 10, "mac": MAC_D}, "learned", {"port": "p1"}),
            U("fdb", {"bd": 10, "mac": MAC_C}, "forward", {"port": "p3"}),
            U("fdb", {"bd": 10, "mac": MAC_Z}, "drop"),
            U("fdb", {"bd": 10, "mac": MAC_A}, "forward", {"port": "p0"})])
        st = dp.phase(["p1"], events={"switch.learn": 1})
        st = dp.wait_consumed()
        expect_drops(st, {"switch.hairpin": 2, "switch.not_member": 1, "switch.fdb_drop": 1})
        expect_events(st, {"switch.learn": 1})
        dp.stop()
        dp.expect_outputs({"p0": [p1_in[4]]})


@R.test
def test_bridged_fused_path_checked():
    """Unicast between known stations from an attached interface takes the
    fused path (switch.ingress and switch.l2 in one pass, sw_fast.c
    switch.bridged), whatever l2 then makes of each frame: out untagged,
    out with a VLAN pushed, refused by a port not in the domain. This file
    runs with SXDP_FAST_CHECK, so every such burst also went through the
    general path on copies and any difference would have aborted sxdp.
    switch.l2 sees none of them; the source's hits count as learning's
    lookup counts them (ageing watches them)."""
    l3 = [ip_udp(sport=7100 + i, payload=b"fused %d" % i) for i in range(4)]
    p0_in = [frame(MAC_A, MAC_B, l3[0]), frame(MAC_A, MAC_C, l3[1]), frame(MAC_A, MAC_D, l3[2]),
             frame(MAC_A, MAC_B, l3[3])]
    with new_switch({"p0": p0_in, "p1": [], "p2": [], "p3": []}) as dp:
        dp.table_write(bd_updates(dp, 10, [("p0", 0), ("p1", 0), ("p2", 200)]) + bd_updates(dp, 20, [("p3", 0)]) + [
            U("fdb", {"bd": 10, "mac": MAC_A}, "forward", {"port": "p0"}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"}),
            U("fdb", {"bd": 10, "mac": MAC_C}, "learned", {"port": "p2"}),
            U("fdb", {"bd": 10, "mac": MAC_D}, "forward", {"port": "p3"})])
        st = dp.run_traffic()
        expect_drops(st, {"switch.not_member": 1})
        g = {n["node"]: n for n in dp.rpc("graph.stats")["nodes"]}
        expect_eq((g["switch.ingress"]["packets"], g["switch.l2"]["packets"]), (len(p0_in), 0),
                  "the fused path: switch.ingress did switch.l2's work")
        hits = {e["match"]["mac"].lower(): e["hits"] for e in dp.table_read("fdb")[0]}
        expect_eq(hits.get(MAC_A), len(p0_in), "the source's hits")
        expect(dp.proc.poll() is None, "sxdp still runs: the fused and the general path agreed")
        dp.stop()
        dp.expect_outputs({"p1": [p0_in[0], p0_in[3]], "p2": [frame(MAC_A, MAC_C, l3[1], 200)], "p3": []})


@R.test
def test_mac_move():
    a_on_p0 = frame(MAC_A, BCAST, ip_udp(payload=b"A on p0"))
    a_on_p2 = frame(MAC_A, BCAST, ip_udp(payload=b"A moved to p2"))
    to_a = [frame(MAC_B, MAC_A, ip_udp(sport=3000 + i, payload=b"B to A after the move")) for i in range(3)]
    with new_switch({"p0": [a_on_p0], "p1": to_a, "p2": [a_on_p2], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp))
        dp.phase(["p0"], events={"switch.learn": 1})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p0")}, "A before the move")
        st = dp.phase(["p2"], events={"switch.mac_move": 1})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p2")}, "A after the move")
        st = dp.phase(["p1"], events={"switch.learn": 2})
        st = dp.wait_consumed()
        expect_drops(st, {})
        expect_events(st, {"switch.learn": 2, "switch.mac_move": 1})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p2"), (10, MAC_B): ("learned", "p1")}, "fdb at the end")
        dp.stop()
        dp.expect_outputs({"p0": [a_on_p2], "p1": [a_on_p0, a_on_p2], "p2": [a_on_p0] + to_a})


@R.test
def test_static_mac_not_overridden_by_learning():
    s_on_p2 = [frame(MAC_S, BCAST, ip_udp(payload=b"S shows up on p2")),
               frame(MAC_S, MAC_B, ip_udp(payload=b"S to B from p2"))]
    to_s = [frame(MAC_B, MAC_S, ip_udp(payload=b"B to S %d" % i)) for i in range(3)]
    with new_switch({"p0": [], "p1": to_s, "p2": s_on_p2, "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp) + [U("fdb", {"bd": 10, "mac": MAC_S}, "forward", {"port": "p0"})])
        dp.phase(["p2"])
        time.sleep(0.2)     # learning is ~1 ms away: give it every chance to go wrong
        dp.phase(["p1"], events={"switch.learn": 1})
        st = dp.wait_consumed()
        expect_drops(st, {})
        expect_events(st, {"switch.learn": 1})     # B only; never S
        expect_eq(fdb_entries(dp), {(10, MAC_S): ("forward", "p0"), (10, MAC_B): ("learned", "p1")},
                  "fdb: static S untouched")
        dp.stop()
        # S -> B from p2 is unknown unicast (B not learned yet): flooded
        dp.expect_outputs({"p0": s_on_p2 + to_s, "p1": s_on_p2})


@R.test
def test_learn_burst_accounting():
    """20000 new source MACs in one go overflow the worker -> control learn
    ring: every one is either learned or counted (switch.learn_lost), the
    fdb holds exactly the learned ones, and nothing is dropped but what the
    static drop entry for the destination says."""
    n = 20000
    raw = bytes(frame("02:00:00:00:00:00", MAC_D, ip_udp(payload=b"new mac")))
    pkts = [raw[:6] + bytes.fromhex("06%010x" % i) + raw[12:] for i in range(n)]
    with new_switch({"p0": pkts, "p1": [], "p2": [], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp) + [U("fdb", {"bd": 10, "mac": MAC_D}, "drop")])
        dp.run_traffic()
        st = dp.wait_stats(lambda s: sum(T.events_of(s).get(k, 0) for k in ("switch.learn", "switch.learn_lost")) >= n,
                           "learn + learn_lost = %d" % n)
        time.sleep(0.2)
        st = dp.stats()
        ev = T.events_of(st)
        expect_drops(st, {"switch.fdb_drop": n})
        expect_eq(ev.get("switch.learn", 0) + ev.get("switch.learn_lost", 0), n, "learn + learn_lost")
        expect(ev.get("switch.learn", 0) >= 1000, "only %d of %d learned" % (ev.get("switch.learn", 0), n))
        expect_eq(len(learned(dp)), ev["switch.learn"], "learned fdb entries")
        print("#   %d learned, %d learn events lost" % (ev.get("switch.learn", 0), ev.get("switch.learn_lost", 0)))
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_ageing():
    a_hello = frame(MAC_A, BCAST, ip_udp(payload=b"A, soon forgotten"))
    c_hello = frame(MAC_C, BCAST, ip_udp(payload=b"C, soon forgotten"))
    to_a = frame(MAC_B, MAC_A, ip_udp(payload=b"B to A after ageing: flooded"))
    with new_switch({"p0": [a_hello], "p2": [c_hello], "p1": [to_a], "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp) + [U("fdb", {"bd": 10, "mac": MAC_S}, "forward", {"port": "p0"})])
        r = dp.table_config("fdb", 2)
        expect_eq(r.get("idle_timeout_s"), 2, "table.config answer")
        ageing = [t for t in dp.rpc("pipeline.describe")["tables"] if t["name"] == "fdb"][0].get("ageing")
        expect_eq(ageing, {"actions": ["learned", "tunnel_learned"], "idle_timeout_s": 2}, "fdb ageing in pipeline.describe")
        dp.phase(["p0", "p2"], events={"switch.learn": 2})
        t_learn = time.monotonic()
        e1 = {e["match"]["mac"].lower(): e["idle_s"] for e in dp.table_read("fdb")[0]}
        time.sleep(0.6)
        e2 = {e["match"]["mac"].lower(): e["idle_s"] for e in dp.table_read("fdb")[0]}
        expect(e2[MAC_A] >= e1[MAC_A] + 0.4, "idle_s of A did not grow: %s then %s" % (e1, e2))
        # gone after idle_timeout (2 s) plus at most one ageing pass (1 s)
        deadline = t_learn + 6
        while True:
            ents = fdb_entries(dp)
            if (10, MAC_A) not in ents and (10, MAC_C) not in ents:
                break
            expect(time.monotonic() < deadline, "learned entries not aged after 6 s: %s" % ents)
            time.sleep(0.1)
        aged_after = time.monotonic() - t_learn
        expect(aged_after >= 1.5, "entries aged after %.1f s, before the 2 s idle timeout" % aged_after)
        expect_eq(ents, {(10, MAC_S): ("forward", "p0")}, "fdb after ageing: the static entry stays")
        st = dp.stats()
        expect_eq(T.events_of(st).get("core.aged"), 2, "core.aged")
        dp.phase(["p1"], events={"switch.learn": 3})
        st = dp.wait_consumed()
        expect_drops(st, {})
        dp.stop()
        dp.expect_outputs({"p0": [c_hello, to_a], "p1": [a_hello, c_hello], "p2": [a_hello, to_a]},
                          unordered=["p1"])


@R.test
def test_ageing_spares_active_entries():
    """Only idle learned entries age: K, seen as a source all the time (a
    replayed input whose frames are then dropped by a static fdb drop entry
    for their destination), stays while A, seen once, is deleted."""
    a_hello = frame(MAC_A, BCAST, ip_udp(payload=b"A, seen once"))
    k_loop = T.Replay([frame(MAC_C, MAC_D, ip_udp(payload=b"K keeps talking"))])
    with new_switch({"p0": [a_hello], "p1": [], "p2": k_loop, "p3": []}) as dp:
        dp.table_write(out_l2_setup(dp) + [U("fdb", {"bd": 10, "mac": MAC_D}, "drop")])
        dp.table_config("fdb", 1)
        dp.phase(["p0"], events={"switch.learn": 1})
        dp.port_admin("p2", True)
        dp.wait_events({"switch.learn": 2})
        t0 = time.monotonic()
        while (10, MAC_A) in fdb_entries(dp):
            expect(time.monotonic() - t0 < 5, "idle entry A not aged in 5 s")
            time.sleep(0.1)
        time.sleep(2.5)     # more than two idle timeouts for K, which is active
        ents = fdb_entries(dp)
        dp.port_admin("p2", False)
        time.sleep(0.2)
        expect_eq(ents, {(10, MAC_C): ("learned", "p2"), (10, MAC_D): ("drop", None)}, "fdb: active K kept, A aged")
        st = dp.wait_consumed()
        expect_eq(T.events_of(st).get("core.aged"), 1, "core.aged")
        k_rx = {p["name"]: p["rx_packets"] for p in st["ports"]}["p2"]
        expect(k_rx > 1000, "replayed source read only %d frames" % k_rx)
        expect_drops(st, {"switch.fdb_drop": k_rx})
        kent = [e for e in dp.table_read("fdb")[0] if e["match"]["mac"].lower() == MAC_C][0]
        # every frame read after K was learned (~1 ms in) hit K's entry as a source
        expect(k_rx * 0.9 < kent["hits"] < k_rx, "K's entry hits %d of %d frames" % (kent["hits"], k_rx))
        print("#   replayed source: %d frames, K's entry %d hits" % (k_rx, kent["hits"]))
        dp.stop()
        dp.expect_outputs({"p1": [a_hello], "p2": [a_hello]})


# ---------------------------------------------------------------- VLAN
@R.test
def test_vlan_trunk_access_push_pop_retag():
    """bd 10: p0 trunk VID 100, p1 access (untagged), p2 trunk VID 200.
    bd 20: p3 trunk VID 100 (same VID, other port, other bd: gets nothing).
    p0 untagged and p0 VID 300 are not mapped: switch.no_interface."""
    l3 = [ip_udp(sport=7000 + i, payload=b"vlan test %d" % i) for i in range(8)]
    # phase 1: from p0 (tagged 100)
    a_bc = lambda vlan, prio=0, dei=0: frame(MAC_A, BCAST, l3[0], vlan, prio, dei)  # noqa: E731
    p0_in = [a_bc(100, 5, 1),
             frame(MAC_A, BCAST, l3[1]),                         # untagged on a trunk: no interface
             frame(MAC_A, BCAST, l3[2], 300),                    # unmapped VID
             frame(MAC_A, MAC_Z, l3[3], 100, 3)]                 # unknown unicast
    # phase 2: from p1 (access)
    p1_in = [frame(MAC_B, BCAST, l3[4]),
             frame(MAC_B, MAC_A, l3[5])]                          # known: A on p0 (push 100)
    # phase 3: from p2 (trunk 200)
    p2_in = [frame(MAC_C, MAC_A, l3[6], 200, 6),                 # retag 200 -> 100, keep PCP
             frame(MAC_C, MAC_B, l3[7], 200, 2)]                 # pop towards the access port
    with new_switch({"p0": p0_in, "p1": p1_in, "p2": p2_in, "p3": []}) as dp:
        dp.table_write(bd_updates(dp, 10, [("p0", 100), ("p1", 0), ("p2", 200)], flood=["p0", "p1", "p2", "p3"]) +
                       bd_updates(dp, 20, [("p3", 100)]))
        dp.phase(["p0"], events={"switch.learn": 1})
        dp.phase(["p1"], events={"switch.learn": 2})
        dp.phase(["p2"], events={"switch.learn": 3})
        st = dp.wait_consumed()
        expect_drops(st, {"switch.no_interface": 2})
        expect_eq(learned(dp), {(10, MAC_A): ("learned", "p0"), (10, MAC_B): ("learned", "p1"),
                                (10, MAC_C): ("learned", "p2")}, "learned on trunks and access ports")
        dp.stop()
        dp.expect_outputs({
            "p0": [frame(MAC_B, BCAST, l3[4], 100),                   # push, PCP 0
                   frame(MAC_B, MAC_A, l3[5], 100),
                   frame(MAC_C, MAC_A, l3[6], 100, 6)],               # retag keeps PCP
            "p1": [frame(MAC_A, BCAST, l3[0]),                        # pop
                   frame(MAC_A, MAC_Z, l3[3]),
                   frame(MAC_C, MAC_B, l3[7])],
            "p2": [frame(MAC_A, BCAST, l3[0], 200, 5, 1),             # retag keeps PCP and DEI
                   frame(MAC_A, MAC_Z, l3[3], 200, 3),
                   frame(MAC_B, BCAST, l3[4], 200)],                  # push
        })


# ----------------------------------------------------------------- L3
def ip_with_checksum(want, **kw):
    """An IP/UDP packet whose header checksum is `want`: the IP id that
    gives it is solved for (the checksum is the complement of a ones'
    complement sum, linear in the id)."""
    base = IP(bytes(ip_udp(id=0, **kw)))
    s0 = ~base.chksum & 0xffff               # folded sum of the other words
    need = ~want & 0xffff                    # folded sum we want with the id in
    first = (need - s0) % 0xffff
    for ident in (first, first + 0xffff, 0):
        if ident < 65536:
            p = IP(bytes(ip_udp(id=ident, **kw)))
            if p.chksum == want:
                return p
    raise AssertionError("no IP id gives checksum %#x" % want)


@R.test
def test_routed_ttl_and_checksum():
    """Routed between bd 10 (untagged p0) and bd 20 (p1, VID 20) with static
    neighbours: MACs rewritten, TTL - 1 with a checksum equal to scapy's full
    recomputation (also where the incremental update carries), tag
    pushed / popped; `via` routes, a blackhole (switch.route_drop) and no
    route (switch.no_route + ICMP unreachable back out of the ingress port)."""
    to_h2 = [ip_udp("10.0.1.1", "10.0.2.1", 1000, 2000, ttl=64),
             ip_udp("10.0.1.1", "10.0.2.1", 1001, 2000, ttl=2),
             ip_udp("10.0.1.1", "10.0.2.1", 1002, 2000, ttl=255, tos=0xb8),
             IP(src="10.0.1.1", dst="10.0.2.1", ttl=30, options=[b"\x94\x04\x00\x00"]) / UDP(sport=1003, dport=2000) / Raw(b"ip options"),
             IP(src="10.0.1.1", dst="10.0.2.1", ttl=17) / TCP(sport=40000, dport=80, flags="S", seq=1),
             IP(src="10.0.1.1", dst="10.0.2.1", ttl=9) / ICMP(id=5, seq=1) / Raw(b"ping through"),
             ip_udp("10.0.1.1", "192.168.7.7", 1004, 2000, ttl=40, payload=b"via route to H2")]
    # incremental update: carries out of the high byte and values near the top
    edges = [ip_with_checksum(c, sip="10.0.1.1", dip="10.0.2.1", sport=1100 + i, ttl=64, payload=b"cksum edge")
             for i, c in enumerate((0xff00, 0xfffe, 0xfdff, 0x00ff, 0x0000, 0x1234))]
    to_h1 = [ip_udp("10.0.2.1", "10.0.1.1", 2000, 1000, ttl=64, payload=b"back to H1"),
             ip_udp("10.0.2.1", "10.0.1.1", 2001, 1000, ttl=128, flags="DF", payload=b"back to H1 (DF)")]
    blackhole = ip_udp("10.0.1.1", "10.66.0.1", 1, 2, payload=b"into the blackhole")
    noroute = ip_udp("10.0.1.1", "8.8.8.8", 3, 4, payload=b"nowhere to go")
    p0_in = [frame(H1, ROUTER1, p) for p in to_h2 + edges] + [frame(H1, ROUTER1, blackhole), frame(H1, ROUTER1, noroute)]
    p1_in = [frame(H2, ROUTER2, p, 20, 4) for p in to_h1]
    with new_switch({"p0": p0_in, "p1": p1_in}) as dp:
        dp.table_write(l3_setup(dp) + [
            neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
            neigh(SLICE, "10.0.1.1", "p0", 0, H1, ROUTER1),
            U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, "via", {"nh": "10.0.2.1"}),
            U("routes", {"vrf": SLICE, "dst": "10.66.0.0/16"}, "drop")])
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 2})     # learning is the control thread's, after the packets
        expect_drops(st, {"switch.route_drop": 1, "switch.no_route": 1})
        expect_events(st, {"switch.icmp_error": 1, "switch.learn": 2}, only="switch.")
        # hosts of a connected subnet are looked up by address (neigh); a
        # `via` route's next hop by its id (nexthops, derived: the route
        # made it, the neighbour's rewrite is in it)
        neighs = {e["match"]["ip"]: e["hits"] for e in dp.table_read("neigh")[0]}
        expect_eq(neighs, {"10.0.2.1": len(to_h2) + len(edges) - 1, "10.0.1.1": len(to_h1)}, "neigh hits")
        nhs = dp.table_read("nexthops")[0]
        expect_eq([(e["action"], e["params"]["ip"], e["params"]["port"], e["hits"]) for e in nhs],
                  [("resolved", "10.0.2.1", "p1", 1)], "nexthops: the via route's next hop, hit once")
        dp.stop()
        want_p1 = [frame(ROUTER2, H2, decremented(p), 20) for p in to_h2 + edges]
        want_p0 = [frame(ROUTER1, H1, decremented(p)) for p in to_h1]   # tag popped, PCP gone with it
        want_p0.append(icmp_error_for(p0_in[-1], None, ROUTER1, "10.0.1.254", 3, 0))
        dp.expect_outputs({"p0": want_p0, "p1": want_p1}, unordered=["p0"])


@R.test
def test_4096_vrfs_of_an_svi_and_a_route():
    """4,096 VRFs (one a slice), each an SVI's connected /24 and local /32
    and a static /24 via a host of the /24, written through table.write in
    the memory the packet tests give sxdp (512 MiB): every one is accepted
    (a VRF's trie was a flat 256 KiB root and a 64 KiB group chunk: 1,024
    filled the heap, the rest were refused no_memory) and the last VRF's
    static route forwards. VRF v's SVI is in bd v; the last, 4096, is
    attached to p0 and p1 with bd 0 (bds are 0..4095)."""
    n = 4096

    def sub(v):
        return "10.%d.%d" % (v >> 8, v & 255)
    last, mac = n, "02:5e:00:00:10:fe"
    pkt = ip_udp("%s.7" % sub(last), "172.16.%d.9" % (last % 250), 1000, 2000, ttl=64)
    with new_switch({"p0": [frame(H1, mac, pkt)], "p1": []}) as dp:
        for v0 in range(1, n + 1, 512):
            ups = []
            for v in range(v0, min(n, v0 + 511) + 1):
                bd = v if v < 4096 else 0
                ups += [U("routes", {"vrf": v, "dst": "%s.0/24" % sub(v)}, "connected", {"bd": bd}),
                        U("routes", {"vrf": v, "dst": "%s.254/32" % sub(v)}, "local"),
                        U("routes", {"vrf": v, "dst": "172.16.%d.0/24" % (v % 250)}, "via",
                         {"nh": "%s.1" % sub(v)})]
            dp.table_write(ups)
        entries = [t for t in dp.rpc("pipeline.describe")["tables"] if t["name"] == "routes"][0]["entries"]
        expect_eq(entries, 3 * n, "routes installed")
        dp.table_write(bd_updates(dp, 0, [("p0", 0)], slice_id=last) +
                       [U("interfaces", {"in_port": "p1", "vlan": 20}, "attach", {"slice": last, "bd": 0}),
                        U("svi", {"vrf": last, "bd": 0}, "svi", {"mac": mac, "ip": "%s.254" % sub(last), "plen": 24}),
                        U("fdb", {"bd": 0, "mac": mac}, "route"),
                        neigh(last, "%s.1" % sub(last), "p1", 20, H2, mac)])
        dp.run_traffic()
        dp.stop()
        dp.expect_outputs({"p0": [], "p1": [frame(mac, H2, decremented(pkt), 20)]})


def nexthops(dp):
    """nexthops as {ip: (action, port or None, dmac or None)}."""
    return {e["params"]["ip"]: (e["action"], e["params"].get("port"), e["params"].get("dmac"))
            for e in dp.table_read("nexthops")[0]}


@R.test
def test_nexthops_follow_routes_and_neighbours():
    """A via/ecmp route's next hops get ids; the derived `nexthops` table
    holds each id's rewrite (or unresolved) and changes in the same batch as
    the route or neighbour write that changes it, in every atomicity mode: a
    failed update changes nothing there, a neighbour written before its
    route in one batch is what the route's id gets. The socket never writes
    it. Traffic via the route takes the id's rewrite."""
    via = ip_udp("10.0.1.1", "192.168.7.7", 1, 2, ttl=9, payload=b"via an id")
    with new_switch({"p0": [frame(H1, ROUTER1, via)], "p1": []}) as dp:
        dp.table_write(l3_setup(dp))
        R1 = U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, "via", {"nh": "10.0.2.1"})
        dp.table_write([R1], atomicity="dataplane-atomic")
        expect_eq(nexthops(dp), {"10.0.2.1": ("unresolved", None, None)}, "a route via an unknown neighbour")
        dp.table_write([neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2)])
        expect_eq(nexthops(dp), {"10.0.2.1": ("resolved", "p1", H2)}, "its neighbour written")
        dp.table_write([U("routes", {"vrf": SLICE, "dst": "172.16.0.0/12"}, "ecmp",
                          {"n": 2, "nh0": "10.0.2.2", "nh1": "10.0.2.1", "nh2": "0.0.0.0", "nh3": "0.0.0.0"})],
                       atomicity="continue")
        want = {"10.0.2.1": ("resolved", "p1", H2), "10.0.2.2": ("unresolved", None, None)}
        expect_eq(nexthops(dp), want, "ecmp: one new id, one shared")
        # failed batches: nothing of them in nexthops, and no id kept
        for mode in ("rollback", "dataplane-atomic"):
            r = dp.table_write([U("routes", {"vrf": SLICE, "dst": "10.77.0.0/16"}, "via", {"nh": "10.0.2.3"}),
                                R1], atomicity=mode, check=False)
            expect_eq((r["committed"], [x.get("error", {}).get("data", {}).get("reason") for x in r["results"]]),
                      (False, ["not_applied", "exists"]), "a batch that fails: " + mode)
            expect_eq(nexthops(dp), want, "after a failed %s batch" % mode)
        r = dp.table_write([neigh(SLICE, "10.0.2.1", "p0", 0, H3, ROUTER1)], atomicity="continue", check=False)
        expect(not r["results"][0]["ok"], "a neighbour insert over an existing one fails")
        expect_eq(nexthops(dp), want, "a failed neighbour update in continue mode leaves its id alone")
        # the socket only reads it
        r = dp.table_write([U("nexthops", {"id": 1}, "none")], check=False)
        expect_eq(r["results"][0]["error"]["data"]["reason"], "read_only", "table.write on nexthops")
        r = dp.rpc_raw("table.clear", {"table": "nexthops"})
        expect_eq(r.get("error", {}).get("data", {}).get("reason"), "read_only", "table.clear of nexthops")
        # the neighbour goes: its id is unresolved; back (before a route
        # via it, in one batch): resolved
        dp.table_write([U("neigh", {"vrf": SLICE, "ip": "10.0.2.1"}, type="delete")])
        expect_eq(nexthops(dp)["10.0.2.1"], ("unresolved", None, None), "neighbour deleted")
        dp.table_write([U("routes", {"vrf": SLICE, "dst": "192.168.0.0/16"}, type="delete"),
                        U("routes", {"vrf": SLICE, "dst": "172.16.0.0/12"}, type="delete")])
        expect_eq(nexthops(dp), {}, "no route left: no next hop left (a withdrawn VRF leaves none behind)")
        # a route moved to another next hop frees the one it left, if its last
        R2 = U("routes", {"vrf": SLICE, "dst": "10.88.0.0/16"}, "via", {"nh": "10.0.2.5"})
        dp.table_write([R2, U("routes", {"vrf": SLICE, "dst": "10.89.0.0/16"}, "via", {"nh": "10.0.2.6"})])
        dp.table_write([U("routes", {"vrf": SLICE, "dst": "10.88.0.0/16"}, "via", {"nh": "10.0.2.6"}, type="modify")])
        expect_eq(sorted(nexthops(dp)), ["10.0.2.6"], "a modified route's old next hop, no longer used, went")
        dp.rpc("table.clear", {"table": "routes"})
        expect_eq(nexthops(dp), {}, "routes cleared: their next hops too")
        dp.table_write([u for u in l3_setup(dp) if u["table"] == "routes"])
        dp.table_write([neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2), R1], atomicity="dataplane-atomic")
        expect_eq(nexthops(dp)["10.0.2.1"], ("resolved", "p1", H2), "neighbour and route in one batch")
        st = dp.run_traffic()
        expect_drops(st, {})
        nh = {e["params"]["ip"]: e["hits"] for e in dp.table_read("nexthops")[0]}
        expect_eq(nh["10.0.2.1"], 1, "the routed packet's next hop, by id")
        dp.stop()
        dp.expect_outputs({"p1": [frame(ROUTER2, H2, decremented(via), 20)]})


@R.test
def test_routed_checksum_0xfeff_edge():
    """A header checksum of 0xfeff before the TTL decrement: RFC 1624 (eqn. 3)
    and a full recomputation both give 0x0000 after it; the RFC 1141 form
    (HC + 0x0100 with end-around carry) gives 0xffff, the other zero of
    ones' complement, which is not what the header's own checksum is. Linux
    (ip_decrease_ttl) folds that case to 0x0000."""
    pkts = [ip_with_checksum(0xfeff, sip="10.0.1.1", dip="10.0.2.1", sport=1200 + i, ttl=ttl, payload=b"0xfeff")
            for i, ttl in enumerate((64, 2, 255))]
    with new_switch({"p0": [frame(H1, ROUTER1, p) for p in pkts], "p1": []}) as dp:
        dp.table_write(l3_setup(dp) + [neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2)])
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        for b in dp.outputs()["p1"]:
            ip = Ether(b)[IP]
            print("#   ttl %d -> %d: checksum 0xfeff -> %#06x (full recomputation: %#06x)"
                  % (ip.ttl + 1, ip.ttl, ip.chksum, _recomputed(ip)))
        dp.expect_outputs({"p1": [frame(ROUTER2, H2, decremented(p), 20) for p in pkts]})


def _recomputed(ip):
    p = IP(bytes(ip))
    del p.chksum
    return IP(bytes(p)).chksum


@R.test
def test_ttl_expiry_icmp_time_exceeded():
    """TTL 1 and 0 are not forwarded: switch.ttl_expired, and an ICMP time
    exceeded goes back out of the ingress port (with the ingress VLAN), from
    the ingress bd's SVI, quoting the IP header + 8 bytes. No ICMP error
    about an ICMP error. Errors are rate limited (100/s)."""
    exp_untagged = [frame(H1, ROUTER1, ip_udp("10.0.1.1", "10.0.2.1", 5000, 7777, ttl=1, payload=b"ttl one")),
                    frame(H1, ROUTER1, ip_udp("10.0.1.1", "10.0.2.1", 5001, 7777, ttl=0, payload=b"ttl zero")),
                    frame(H1, ROUTER1, IP(src="10.0.1.1", dst="10.0.2.1", ttl=1) / ICMP(id=9, seq=9) / Raw(b"ping ttl 1"))]
    err_ttl1 = frame(H1, ROUTER1, IP(src="10.0.1.1", dst="10.0.2.1", ttl=1) /
                     ICMP(type=11, code=0) / Raw(bytes(IP(src="10.0.2.1", dst="10.9.9.9") / UDP(sport=1, dport=2))))
    exp_tagged = [frame(H2, ROUTER2, ip_udp("10.0.2.1", "10.0.1.1", 6000, 7777, ttl=1, payload=b"tagged ttl one"), 20, 3)]
    p0_in = exp_untagged + [err_ttl1]
    with new_switch({"p0": p0_in, "p1": exp_tagged}) as dp:
        dp.table_write(l3_setup(dp) + [neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2),
                                       neigh(SLICE, "10.0.1.1", "p0", 0, H1, ROUTER1)])
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 2})
        expect_drops(st, {"switch.ttl_expired": 5})
        expect_events(st, {"switch.icmp_error": 4, "switch.learn": 2}, only="switch.")
        dp.stop()
        dp.expect_outputs({
            "p0": [icmp_error_for(p, None, ROUTER1, "10.0.1.254", 11) for p in exp_untagged],
            "p1": [icmp_error_for(exp_tagged[0], 20, ROUTER2, "10.0.2.254", 11)]})


@R.test
def test_icmp_error_rate_limit():
    """The box's ICMP error bucket (100, 100/s): four sources take turns, 45
    expiries each, within their own per-source buckets (50), so only the
    total limits."""
    n = 180
    srcs = ["10.0.1.%d" % (1 + i % 4) for i in range(n)]
    burst = [frame(H1, ROUTER1, ip_udp(srcs[i], "10.0.2.1", 10000 + i, 7777, ttl=1, payload=b"burst"))
             for i in range(n)]
    with new_switch({"p0": burst, "p1": []}) as dp:
        dp.table_write(l3_setup(dp) + [neigh(SLICE, "10.0.2.1", "p1", 20, H2, ROUTER2)])
        t0 = time.monotonic()
        st = dp.run_traffic()
        took = time.monotonic() - t0
        ev = T.events_of(st)
        sent, limited = ev.get("switch.icmp_error", 0), ev.get("switch.icmp_ratelimit", 0)
        expect_drops(st, {"switch.ttl_expired": n})
        expect_eq(ev.get("switch.icmp_limit_src", 0), 0, "per-source limited")
        expect_eq(sent + limited, n, "icmp_error + icmp_ratelimit")
        # a full bucket of 100, refilled at 100/s while the burst is read
        expect(100 <= sent <= 100 + 100 * took + 1, "%d ICMP errors for %d expiries in %.2f s" % (sent, n, took))
        dp.stop()
        outs = dp.outputs()
        expect_eq(len(outs["p0"]), sent, "ICMP errors on p0")
        expect_eq(len(outs["p1"]), 0, "packets on p1")
        for i, b in enumerate(outs["p0"]):
            e = Ether(b)
            expect(ICMP in e and e[ICMP].type == 11 and e[IP].dst in srcs[:4], "p0 frame %d: %s" % (i, e.summary()))
        T.SPOOL.keep("p0", dp.out_paths["p0"])   # tshark: none malformed


@R.test
def test_icmp_echo_and_arp_for_svi():
    """ARP requests for an SVI address get a reply (switch.arp_reply, and the
    requester is learned as a neighbour); an ICMP echo to an SVI address gets
    a reply (switch.icmp_echo); both keep the ingress VLAN. An ARP request
    for another address is flooded in the bd like any broadcast."""
    arp_req1 = frame(H1, BCAST, ARP(op=1, hwsrc=H1, psrc="10.0.1.1", hwdst="00:00:00:00:00:00", pdst="10.0.1.254"))
    arp_uni1 = frame(H3, ROUTER1, ARP(op=1, hwsrc=H3, psrc="10.0.1.3", hwdst=ROUTER1, pdst="10.0.1.254") / Raw(b"\x00" * 18))
    arp_other = frame(H1, BCAST, ARP(op=1, hwsrc=H1, psrc="10.0.1.1", pdst="10.0.1.77"))
    ping1 = frame(H1, ROUTER1, IP(src="10.0.1.1", dst="10.0.1.254", id=4242, ttl=33) / ICMP(id=77, seq=1) / Raw(b"ping the svi"))
    ping_far = frame(H1, ROUTER1, IP(src="10.0.1.1", dst="10.0.2.254", id=4243) / ICMP(id=77, seq=2) / Raw(b"ping the other svi"))
    arp_req2 = frame(H2, BCAST, ARP(op=1, hwsrc=H2, psrc="10.0.2.1", pdst="10.0.2.254"), 20, 5)
    ping2 = frame(H2, ROUTER2, IP(src="10.0.2.1", dst="10.0.2.254", id=7, flags="DF") / ICMP(id=78, seq=1) / Raw(b"x" * 100), 20)
    udp_svi = frame(H1, ROUTER1, ip_udp("10.0.1.1", "10.0.1.254", 1, 7, payload=b"udp to the box"))
    p0_in = [arp_req1, arp_uni1, arp_other, ping1, ping_far, udp_svi]
    p1_in = [arp_req2, ping2]

    def arp_reply(req, mac, ip, vlan=None, prio=0):
        e = Ether(bytes(req))
        a = e[ARP]
        pad = bytes(e[ARP].payload)
        return frame(mac, a.hwsrc, ARP(op=2, hwsrc=mac, psrc=ip, hwdst=a.hwsrc, pdst=a.psrc) / Raw(pad), vlan, prio)

    def echo_reply(req, vlan=None):
        e = Ether(bytes(req))
        ip = e[IP]
        return frame(e.dst, e.src, IP(src=ip.dst, dst=ip.src, id=ip.id, ttl=64, flags=ip.flags, tos=ip.tos) /
                     ICMP(type=0, id=ip[ICMP].id, seq=ip[ICMP].seq) / Raw(bytes(ip[ICMP].payload)), vlan)

    with new_switch({"p0": p0_in, "p1": p1_in, "p2": []}) as dp:
        dp.table_write(l3_setup(dp, bd10_ports=(("p0", 0), ("p2", 0))))
        dp.run_traffic()
        st = dp.wait_events({"switch.learn": 3})
        expect_drops(st, {"switch.not_for_us": 1})
        expect_events(st, {"switch.arp_reply": 3, "switch.icmp_echo": 3, "switch.neigh_learned": 3,
                           "switch.learn": 3, "switch.consumed": 6}, only="switch.")
        nb = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh")[0]}
        expect_eq(nb, {
            "10.0.1.1": ("learned", {"port": "p0", "vlan": 0, "dmac": H1.upper(), "smac": ROUTER1.upper()}),
            "10.0.1.3": ("learned", {"port": "p0", "vlan": 0, "dmac": H3.upper(), "smac": ROUTER1.upper()}),
            "10.0.2.1": ("learned", {"port": "p1", "vlan": 20, "dmac": H2.upper(), "smac": ROUTER2.upper()}),
        }, "neighbours learned from ARP requests")
        dp.stop()
        dp.expect_outputs({
            "p0": [arp_reply(arp_req1, ROUTER1, "10.0.1.254"), arp_reply(arp_uni1, ROUTER1, "10.0.1.254"),
                   echo_reply(ping1), echo_reply(ping_far)],
            "p1": [arp_reply(arp_req2, ROUTER2, "10.0.2.254", 20, 5), echo_reply(ping2, 20)],
            "p2": [arp_other],     # the box answers ARP for its SVI; it does not flood it
        }, unordered=True)


@R.test
def test_arp_resolution_hold_and_release():
    """Routed packets to a next hop without a neigh entry are held (4 at
    most: switch.hold_full), an ARP request is flooded in the connected
    route's bd (from its SVI), the ARP reply installs a learned neigh entry
    and releases the held packets in order; a next hop that never answers
    costs switch.arp_unresolved after 3 s (one ARP request per second)."""
    held = [ip_udp("10.0.1.1", "10.0.2.1", 4000 + i, 7777, payload=b"held %d" % i) for i in range(6)]
    lost = ip_udp("10.0.1.1", "10.0.2.99", 4100, 7777, payload=b"nobody answers")
    later = ip_udp("10.0.1.3", "10.0.2.1", 4200, 7777, payload=b"after resolution: fast path")
    reply = frame(H2, ROUTER2, ARP(op=2, hwsrc=H2, psrc="10.0.2.1", hwdst=ROUTER2, pdst="10.0.2.254"), 20)

    def arp_request_for(tip, vlan):
        # the box pads its own frames to the 60-byte minimum
        f = frame(ROUTER2, BCAST, ARP(op=1, hwsrc=ROUTER2, psrc="10.0.2.254", hwdst="00:00:00:00:00:00", pdst=tip), vlan)
        return f / Raw(b"\x00" * max(0, 60 - len(f)))

    p0_in = [frame(H1, ROUTER1, p) for p in held] + [frame(H1, ROUTER1, lost)]
    with new_switch({"p0": p0_in, "p1": [reply], "p2": [frame(H3, ROUTER1, later)], "p3": []}) as dp:
        # bd 20 = p1 (VID 20) and p3 (untagged): the ARP request goes to both
        dp.table_write(bd_updates(dp, 10, [("p0", 0), ("p2", 0)]) + bd_updates(dp, 20, [("p1", 20), ("p3", 0)]) +
                       svi_updates(SLICE, 10, ROUTER1, "10.0.1.254", 24, "10.0.1.0/24") +
                       svi_updates(SLICE, 20, ROUTER2, "10.0.2.254", 24, "10.0.2.0/24"))
        t0 = time.monotonic()
        st = dp.phase(["p0"], events={"switch.arp_request": 4})   # 2 neighbours x 2 ports
        expect_eq(T.drops_of(st), {"switch.hold_full": 2}, "drops while unresolved")
        expect(st["mempool"]["in_use"] >= dp.baseline_in_use + 5, "5 held packets hold 5 mbufs")
        st = dp.phase(["p1"], events={"switch.neigh_learned": 1})
        nb = {e["match"]["ip"]: (e["action"], e["params"]) for e in dp.table_read("neigh")[0]}
        expect_eq(nb, {"10.0.2.1": ("learned", {"port": "p1", "vlan": 20, "dmac": H2.upper(),
                                                "smac": ROUTER2.upper()})}, "neigh after the ARP reply")
        dp.phase(["p2"])
        st = dp.wait_stats(lambda s: s["drops"].get("switch.arp_unresolved", 0) >= 1, "arp_unresolved", 8)
        took = time.monotonic() - t0
        st = dp.wait_consumed()
        expect_drops(st, {"switch.hold_full": 2, "switch.arp_unresolved": 1})
        ev = T.events_of(st)
        n_req = ev.get("switch.arp_request", 0)
        expect(took >= 2.5, "held packet given up after %.1f s, before 3 s" % took)
        dp.stop()
        outs = dp.outputs()
        # ARP requests: for .1 once or twice (a retry if the reply came late), for .99 once a second until given up
        for port, vlan in (("p1", 20), ("p3", None)):
            reqs = {}
            others = []
            for b in outs[port]:
                e = Ether(b)
                if ARP in e and e[ARP].op == 1:
                    expect_eq(b, bytes(arp_request_for(e[ARP].pdst, vlan)), "%s ARP request bytes" % port)
                    reqs[e[ARP].pdst] = reqs.get(e[ARP].pdst, 0) + 1
                else:
                    others.append(b)
            expect(1 <= reqs.get("10.0.2.1", 0) <= 2, "%s ARP requests for 10.0.2.1: %s" % (port, reqs))
            expect(2 <= reqs.get("10.0.2.99", 0) <= 3, "%s ARP requests for 10.0.2.99: %s" % (port, reqs))
            expect_eq(set(reqs), {"10.0.2.1", "10.0.2.99"}, "%s ARP request targets" % port)
            if port == "p1":
                want = [frame(ROUTER2, H2, decremented(p), 20) for p in held[:4] + [later]]
                # ordered: the four held ones in arrival order, then the fast-path one
                errs = T.compare_packets(port, others, want)
                expect(not errs, "\n".join(errs))
            else:
                expect_eq(others, [], "p3 non-ARP frames")
        expect_eq(n_req, sum(1 for b in outs["p1"] + outs["p3"] if ARP in Ether(b)), "arp_request events")
        dp.expect_outputs({"p0": [], "p2": [], "p1": outs["p1"], "p3": outs["p3"]})


@R.test
def test_resolution_punted_before_reply():
    """Packets for a next hop that were punted as unresolved in the same
    burst as the ARP reply that resolves it reach the slow path after the
    reply: they must go out to the now-known neighbour, not start a new
    hold (new ARP requests, then switch.arp_unresolved 3 s later)."""
    reply = frame(H2, ROUTER2, ARP(op=2, hwsrc=H2, psrc="10.0.2.1", hwdst=ROUTER2, pdst="10.0.2.254"), 20)
    data = [ip_udp("10.0.2.2", "172.16.0.%d" % (i + 1), 4300 + i, 7777, payload=b"right behind the reply")
            for i in range(3)]
    p1_in = [reply] + [frame(H2B, ROUTER2, p, 20) for p in data]
    with new_switch({"p0": [], "p1": p1_in}) as dp:
        dp.table_write(l3_setup(dp) + [U("routes", {"vrf": SLICE, "dst": "172.16.0.0/16"}, "via", {"nh": "10.0.2.1"})])
        dp.phase(["p1"], events={"switch.neigh_learned": 1})
        time.sleep(3.5)     # long enough for a wrongly made hold to time out
        st = dp.wait_consumed()
        expect_drops(st, {})
        expect_eq(T.events_of(st).get("switch.arp_request", 0), 0, "ARP requests for a resolved neighbour")
        dp.stop()
        dp.expect_outputs({"p1": [frame(ROUTER2, H2, decremented(p), 20) for p in data]})


@R.test
def test_ecmp_spread():
    """A 2-member ecmp route spreads flows over both next hops (each flow
    always on one), rewritten for the chosen neighbour."""
    n_flows = 128
    flows = [ip_udp("10.0.1.1", "172.16.%d.%d" % (i // 200, 1 + i % 200), 20000 + 7 * i, 443, payload=b"flow %d" % i)
             for i in range(n_flows)]
    p0_in = [frame(H1, ROUTER1, p) for p in flows for _ in range(2)]
    with new_switch({"p0": p0_in, "p1": [], "p2": []}) as dp:
        dp.table_write(bd_updates(dp, 10, [("p0", 0)]) + bd_updates(dp, 20, [("p1", 0), ("p2", 0)]) +
                       svi_updates(SLICE, 10, ROUTER1, "10.0.1.254", 24, "10.0.1.0/24") +
                       svi_updates(SLICE, 20, ROUTER2, "10.0.2.254", 24, "10.0.2.0/24") +
                       [neigh(SLICE, "10.0.2.1", "p1", 0, H2, ROUTER2),
                        neigh(SLICE, "10.0.2.2", "p2", 0, H2B, ROUTER2),
                        U("routes", {"vrf": SLICE, "dst": "172.16.0.0/16"}, "ecmp",
                          {"n": 2, "nh0": "10.0.2.1", "nh1": "10.0.2.2", "nh2": "0.0.0.0", "nh3": "0.0.0.0"})])
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        outs = dp.outputs()
        want1 = {bytes(frame(ROUTER2, H2, decremented(p))): i for i, p in enumerate(flows)}
        want2 = {bytes(frame(ROUTER2, H2B, decremented(p))): i for i, p in enumerate(flows)}
        seen = {}
        for port, want in (("p1", want1), ("p2", want2)):
            for b in outs[port]:
                expect(b in want, "%s: unexpected frame %s" % (port, Ether(b).summary()))
                seen.setdefault(want[b], []).append(port)
        expect_eq(sorted(seen), list(range(n_flows)), "flows delivered")
        split = [i for i, ports in seen.items() if ports not in (["p1", "p1"], ["p2", "p2"])]
        expect_eq(split, [], "flows whose packets took different next hops")
        n1 = sum(1 for ports in seen.values() if ports[0] == "p1")
        print("#   ecmp: %d flows on nh0, %d on nh1" % (n1, n_flows - n1))
        expect(n_flows * 0.3 <= n1 <= n_flows * 0.7, "ecmp spread %d / %d" % (n1, n_flows - n1))
        for name in ("p1", "p2"):
            T.SPOOL.keep(name, dp.out_paths[name])   # tshark: none malformed


@R.test
def test_concurrent_attach_keeps_every_port():
    """Six sxctl processes attach six ports to one bridge domain at the same
    time, five rounds: the flood mask (read, changed, written back with a
    compare-and-set "expect") must end with every port, none lost to a race."""
    import subprocess
    names = ["p%d" % i for i in range(6)]
    sxctl = os.path.join(T.build_dir(), "sxctl")
    with new_switch({n: [] for n in names}) as dp:
        for rnd in range(5):
            procs = [subprocess.Popen([sxctl, "--socket", dp.sock_path, "slice", "attach", n,
                                       "slice", "1", "bd", "10"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in names]
            outs = [(p.wait(timeout=30), p.stderr.read().decode()) for p in procs]
            expect(all(rc == 0 for rc, _ in outs), "round %d: attach failed: %s" % (rnd, outs))
            flood = {e["match"]["bd"]: e["params"]["ports"] for e in dp.table_read("flood")[0]}
            expect_eq(flood.get(10), mask(dp, names), "round %d: flood mask of bd 10" % rnd)
            procs = [subprocess.Popen([sxctl, "--socket", dp.sock_path, "slice", "detach", n],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in names]
            outs = [(p.wait(timeout=30), p.stderr.read().decode()) for p in procs]
            expect(all(rc == 0 for rc, _ in outs), "round %d: detach failed: %s" % (rnd, outs))
            expect_eq(dp.table_read("flood")[1], 0, "round %d: flood entry gone after the last detach" % rnd)
        dp.stop()


if __name__ == "__main__":
    R.main()
